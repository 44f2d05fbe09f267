#!/bin/bash
# A group capture is one instant: counter_tree's processes all increment
# one shared counter page.  In a --tree, a --cgroup (v1 and v2) and a
# --container-of capture every snapshot holds the same counter value;
# captures of the same processes one after another do not (so the check
# can fail).  The case directory is 0700, its files 0600, and case.yaml
# names every snapshot with its SHA-256.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

CASE_GET="python3 $E2E/case_get.py"

# counters CASEDIR: the counter of every snapshot listed in case.yaml.
counters() {
	local f
	for f in $($CASE_GET "$1" '[p["snapshot"] for p in case["processes"]]'); do
		rm -f "$SCRATCH/ctr"
		extract "$1/$f" "$addr" 8 "$SCRATCH/ctr"
		od -An -tu8 "$SCRATCH/ctr" | tr -d ' '
	done
}

# check_case CASEDIR N: N complete snapshots, hashes right, one counter.
check_case() {
	local n f want got
	n=$($CASE_GET "$1" 'sum(p["status"] == "complete" for p in case["processes"])')
	assert_eq "$n" "$2" "complete processes in $1"
	assert_eq "$(stat -c %a "$1")" 700 "mode of $1"
	for f in $($CASE_GET "$1" '[p["snapshot"] for p in case["processes"]]') case.yaml; do
		assert_eq "$(stat -c %a "$1/$f")" 600 "mode of $f"
	done
	for f in $($CASE_GET "$1" '[p["snapshot"] + ":" + p["sha256"] for p in case["processes"]]'); do
		want=${f#*:}
		got=$(sha256sum <"$1/${f%%:*}" | cut -d' ' -f1)
		assert_eq "$got" "$want" "sha256 of ${f%%:*}"
	done
	counters "$1" >"$SCRATCH/counters"
	[ "$(sort -u "$SCRATCH/counters" | wc -l)" = 1 ] || {
		cat "$SCRATCH/counters"
		fail "$1: the snapshots hold different counters: not one instant"
	}
	log "$1: $2 snapshots, one counter $(head -n 1 "$SCRATCH/counters")"
}

start_victim "$SAMPLES/counter_tree" 4
addr=$(victim_value counter)
root=$VICTIM_PID

assert_exit 0 "$MEMSNAP" --tree "$root" -o "$SCRATCH/tree"
cp "$SCRATCH/last.err" "$SCRATCH/tree.err"
for f in "$SCRATCH"/tree/*.msnap; do
	assert_exit 0 "$ANALYZE" verify "$f"
done
check_case "$SCRATCH/tree" 4
assert_eq "$($CASE_GET "$SCRATCH/tree" 'case["selector"]["kind"]')" tree "selector"
assert_eq "$($CASE_GET "$SCRATCH/tree" '[p["pid"] for p in case["processes"] if p["ppid"] == '"$root"'] != []')" True "the tree has the root's children"
assert_contains "$SCRATCH/tree.err" "4 of 4 processes captured"

# The same processes one after another: the counter moves in between.
mkdir -m 700 "$SCRATCH/seq"
for p in $($CASE_GET "$SCRATCH/tree" '[p["pid"] for p in case["processes"]]'); do
	assert_exit 0 "$MEMSNAP" -q -p "$p" -o "$SCRATCH/seq/$p.msnap"
	rm -f "$SCRATCH/ctr"
	extract "$SCRATCH/seq/$p.msnap" "$addr" 8 "$SCRATCH/ctr"
	od -An -tu8 "$SCRATCH/ctr" | tr -d ' '
done >"$SCRATCH/seq.counters"
[ "$(sort -u "$SCRATCH/seq.counters" | wc -l)" -gt 1 ] ||
	fail "sequential captures show one counter: the check cannot tell"
log "sequential captures: $(sort -u "$SCRATCH/seq.counters" | wc -l) different counters"

# The cgroups: a v1 freezer one and a v2 one, removed at the end.
pids=$($CASE_GET "$SCRATCH/tree" '[p["pid"] for p in case["processes"]]')
CGS=()
cleanup_cgroups() {
	local cg p
	for cg in "${CGS[@]}"; do
		for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do
			echo "$p" >"$(dirname "$cg")/cgroup.procs" 2>/dev/null
		done
		rmdir "$cg" 2>/dev/null
	done
}
trap 'cleanup_cgroups; _e2e_cleanup' EXIT
for hier in /sys/fs/cgroup/freezer /sys/fs/cgroup/unified; do
	[ -f "$hier/cgroup.procs" ] || { log "no $hier"; continue; }
	cg=$hier/memsnap-test-$$
	mkdir "$cg" || skip "cannot create a cgroup in $hier"
	CGS+=("$cg")
	for p in $pids; do
		echo "$p" >"$cg/cgroup.procs" || fail "cannot move $p into $cg"
	done
	name=$(basename "$hier")
	assert_exit 0 "$MEMSNAP" --cgroup "$cg" -o "$SCRATCH/cg-$name"
	check_case "$SCRATCH/cg-$name" 4
	assert_eq "$($CASE_GET "$SCRATCH/cg-$name" 'case["selector"]["cgroup"]')" "$cg" "resolved cgroup"
	# the same cgroup by its path as /proc/PID/cgroup prints it
	assert_exit 0 "$MEMSNAP" -q --cgroup "/memsnap-test-$$" -o "$SCRATCH/cgp-$name"
	check_case "$SCRATCH/cgp-$name" 4
done
[ ${#CGS[@]} -gt 0 ] || skip "no cgroup hierarchy mounted"
# The smallest cgroup of a process is its container.
assert_exit 0 "$MEMSNAP" -q --container-of "$root" -o "$SCRATCH/container"
check_case "$SCRATCH/container" 4
assert_eq "$($CASE_GET "$SCRATCH/container" 'case["selector"]["kind"]')" container-of "selector"
assert_running
