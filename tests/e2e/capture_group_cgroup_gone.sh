#!/bin/bash
# A cgroup removed during a --cgroup capture: the processes listed first
# are captured at one instant, the rescan that finds the cgroup gone is
# recorded in case.yaml's errors and said on stderr, memsnap exits 1 (a
# partial case), and no process is left frozen or traced.  Needs root and a
# kernel that lets us make a cgroup (v1 pids hierarchy, else the v2 mount).
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

[ "$(id -u)" = 0 ] || skip "creating a cgroup needs root"
cg=
for base in /sys/fs/cgroup/pids /sys/fs/cgroup/unified /sys/fs/cgroup; do
	[ -w "$base/cgroup.procs" ] || continue
	if mkdir "$base/memsnap-gone-$$" 2>"$SCRATCH/mkdir.err"; then
		cg=$base/memsnap-gone-$$
		break
	fi
done
[ -n "$cg" ] || skip "the kernel refuses a new cgroup here: $(cat "$SCRATCH/mkdir.err" 2>/dev/null)"
parent=$(dirname "$cg")
cleanup_cg() {
	[ -d "$cg" ] || return 0
	while read -r p; do echo "$p" >"$parent/cgroup.procs"; done <"$cg/cgroup.procs"
	rmdir "$cg"
}
trap 'cleanup_cg; _e2e_cleanup' EXIT

# A large process keeps the pre-copy busy for a while: the cgroup goes
# away while memsnap reads it, before the group is frozen and rescanned.
start_victim "$SAMPLES/big_victim" 768M
big=$VICTIM_PID
start_victim "$SAMPLES/counter_tree" 3
tree_pids=$(victim_value pids | tr , ' ')
for p in $big $tree_pids; do
	echo "$p" >"$cg/cgroup.procs" || fail "cannot move $p into $cg"
done

"$MEMSNAP" --cgroup "$cg" -o "$SCRATCH/case" >"$SCRATCH/m.out" 2>"$SCRATCH/m.err" &
bg=$!
track_bg "$bg"
# The pre-copy goes to a file with no name yet: its progress shows in
# memsnap's written bytes (/proc/PID/io wchar).
wrote() {
	awk '/^wchar:/ { print $2 }' "/proc/$bg/io" 2>/dev/null || echo 0
}
n=0
while [ "$(wrote)" -lt $((8 << 20)) ]; do
	kill -0 "$bg" 2>/dev/null || fail "memsnap ended before its pre-copy was under way: $(cat "$SCRATCH/m.err")"
	[ $n -lt 6000 ] || fail "memsnap wrote no pre-copy in 60 s"
	n=$((n + 1))
	sleep 0.01
done
[ ! -e "$SCRATCH/case/case.yaml" ] || fail "the capture ended before the cgroup could be removed"
cleanup_cg
[ ! -d "$cg" ] || fail "could not remove $cg"
log "removed $cg during the pre-copy"
wait_exit "$bg" 300
cat "$SCRATCH/m.err"
assert_eq "$WAIT_RC" 1 "memsnap's exit status with the cgroup gone"
assert_contains "$SCRATCH/m.err" "rescan"
python3 - "$SCRATCH/case/case.yaml" "$big" $tree_pids <<'PY' || fail "case.yaml"
import sys, yaml
case = yaml.safe_load(open(sys.argv[1]))
errors = case["errors"]
assert any("rescan" in e for e in errors), errors
procs = {p["pid"]: p for p in case["processes"]}
for pid in map(int, sys.argv[2:]):
    assert procs[pid]["status"] == "complete", procs[pid]
PY
for p in $big $tree_pids; do
	assert_running "$p"
done
"$ANALYZE" verify "$SCRATCH/case" >/dev/null || fail "the partial case does not verify"
log "ok: cgroup removed during the capture"
