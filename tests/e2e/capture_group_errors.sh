#!/bin/bash
# Group captures that go wrong in part: a tree whose processes are born and
# die all the time, with one that another tracer holds (exit 1, that one
# recorded as failed, the rest one instant, every process left running);
# bad selectors and outputs, each refused with a clear message (exit 2);
# --all in a pid namespace of its own (so that it freezes nothing of the
# machine's other users), whole and --scope code.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

CASE_GET="python3 $E2E/case_get.py"

# refuse MESSAGE ARGS...: memsnap ARGS exits 2 saying MESSAGE.
refuse() {
	local msg=$1
	shift
	assert_exit 2 "$MEMSNAP" "$@"
	assert_contains "$SCRATCH/last.err" "$msg"
	log "refused: $*"
}

refuse "no such cgroup: /no/such/cgroup" --cgroup /no/such/cgroup -o "$SCRATCH/a"
refuse "pid 2 is a kernel thread" --tree 2 -o "$SCRATCH/a"
refuse "pid 2 is a kernel thread" --container-of 2 -o "$SCRATCH/a"
nopid=$(unused_pid)
refuse "no such process: $nopid" --tree "$nopid" -o "$SCRATCH/a"
refuse "give one of" --tree 1 --all -o "$SCRATCH/a"
refuse "use -o DIR" --all -o -
refuse "--cow is for one process" --all --cow -o "$SCRATCH/a"
refuse "invalid scope" --all --scope most -o "$SCRATCH/a"
[ ! -e "$SCRATCH/a" ] || fail "a refused capture created its directory"

# counter_page_stored SNAP: 1 when the region holding $addr stores data
counter_page_stored() {
	"$ANALYZE" info "$1" --list-regions --format json | python3 -c '
import json, sys
a = int(sys.argv[1], 16)
for r in json.load(sys.stdin)["regions"]:
    if int(r["start"], 16) <= a < int(r["end"], 16):
        print(1 if r["data"] else 0)
        break
else:
    print(0)' "$addr"
}

start_victim "$SAMPLES/counter_tree" 5 churn
addr=$(victim_value counter)
mkdir "$SCRATCH/exists"
refuse "it exists" --tree "$VICTIM_PID" -o "$SCRATCH/exists"

# Born and dead meanwhile: those gone before the freeze leave nothing (and
# are no error), those born during it are frozen too ("late").
case=$SCRATCH/churn
assert_exit 0 "$MEMSNAP" -q --tree "$VICTIM_PID" -o "$case"
log "statuses: $($CASE_GET "$case" '" ".join(sorted(set(p["status"] + (" late" if p["late"] else "") for p in case["processes"])))')"
[ "$($CASE_GET "$case" 'sum(p["status"] == "complete" for p in case["processes"])')" -ge 5 ] ||
	fail "fewer than 5 complete snapshots"
ls "$case" | grep -q partial && fail "a .partial file is left in the case"
# A child born during the freeze has not touched the shared counter page
# yet: its page table has no entry for it, so its snapshot records the page
# ABSENT (FORMAT.md 4.4) and holds no counter.  Every member that lived
# before the freeze stores it, and every stored counter is the same.
for f in $($CASE_GET "$case" '[p["snapshot"] + ":" + str(p["late"]) for p in case["processes"] if p["status"] == "complete"]'); do
	late=${f#*:}
	f=${f%%:*}
	stored=$(counter_page_stored "$case/$f")
	if [ "$stored" = 0 ]; then
		[ "$late" = True ] || fail "$f (not late) does not store the counter page"
		log "$f (late) has the counter page ABSENT" >&2
		continue
	fi
	rm -f "$SCRATCH/ctr"
	extract "$case/$f" "$addr" 8 "$SCRATCH/ctr"
	od -An -tu8 "$SCRATCH/ctr" | tr -d ' '
done >"$SCRATCH/counters"
log "counters: $(sort "$SCRATCH/counters" | uniq -c | tr -s ' \n' ' ')"
[ "$(sort -u "$SCRATCH/counters" | wc -l)" = 1 ] || fail "the snapshots hold different counters"

# One process that another tracer holds: recorded, the others captured.
start_victim "$SAMPLES/counter_tree" 4 traced
traced=$(victim_value pids | tr , '\n' | tail -n 1)
case=$SCRATCH/traced
assert_exit 1 "$MEMSNAP" -q --tree "$VICTIM_PID" -o "$case"
assert_contains "$SCRATCH/last.err" "pid $traced is already traced by pid $VICTIM_PID"
assert_eq "$($CASE_GET "$case" '[p["status"] for p in case["processes"] if p["pid"] == '"$traced"']')" \
	failed "status of the traced process"
$CASE_GET "$case" '[p["error"] for p in case["processes"] if p["pid"] == '"$traced"']' >"$SCRATCH/err"
assert_contains "$SCRATCH/err" "already traced"
assert_eq "$($CASE_GET "$case" 'sum(p["status"] == "complete" for p in case["processes"])')" 3 "complete snapshots"
# Every process of the tree still runs, none is left stopped.
for p in $(victim_value pids | tr , ' '); do
	st=$(sed 's/.*) //' "/proc/$p/stat" | cut -d' ' -f1)
	case $st in
	R|S|D) ;;
	*) fail "pid $p is in state $st after the capture" ;;
	esac
done
assert_running

# --all sees only its pid namespace here: the tree and a sleep, not the
# shell (memsnap's parent, pid 1 there).
command -v unshare >/dev/null || fail "unshare (util-linux) is not installed"
unshare --pid --fork --mount-proc true 2>/dev/null ||
	skip "the kernel refuses a new pid namespace"
for scope in all code; do
	unshare --pid --fork --mount-proc bash -c '
		"$1" 3 >"$2.out" & sleep 300 &
		until grep -qx ready "$2.out"; do sleep 0.1; done
		"$3" -q --all --scope "$4" -o "$2"' \
		ns "$SAMPLES/counter_tree" "$SCRATCH/all-$scope" "$MEMSNAP" "$scope" ||
		fail "--all --scope $scope in a pid namespace: exit $?"
	assert_eq "$($CASE_GET "$SCRATCH/all-$scope" '" ".join(sorted(p["comm"] + ":" + p["status"] for p in case["processes"]))')" \
		"counter_tree:complete counter_tree:complete counter_tree:complete sleep:complete" \
		"--all --scope $scope"
	assert_eq "$($CASE_GET "$SCRATCH/all-$scope" 'case["selector"]["scope"]')" "$scope" "scope"
done
# --scope code keeps executable memory and the modules' mappings, and
# leaves out the rest (heap, stack); --scope all keeps them.
for scope in all code; do
	f=$($CASE_GET "$SCRATCH/all-$scope" '[p["snapshot"] for p in case["processes"] if p["comm"] == "sleep"][0]')
	info_json "$SCRATCH/all-$scope/$f" "$SCRATCH/$scope.json"
	$JSON_GET "$SCRATCH/$scope.json" '" ".join("%s:%d" % (k, sum(r["data"] for r in doc["regions"] if r["kind"] == k and (k != "file" or "x" in r["perms"]))) for k in ("heap", "stack", "file"))' >"$SCRATCH/$scope.data"
	log "--scope $scope, sleep's stored pages: $(cat "$SCRATCH/$scope.data")"
done
grep -Eq '^heap:[1-9][0-9]* stack:[1-9][0-9]* file:[1-9]' "$SCRATCH/all.data" ||
	fail "--scope all: heap, stack or code not stored"
grep -Eq '^heap:0 stack:0 file:[1-9]' "$SCRATCH/code.data" ||
	fail "--scope code: heap or stack stored, or code not"

# More members than the first allocation holds (64): 70 sleeps, the
# layout only (quick).
unshare --pid --fork --mount-proc bash -c '
	for i in $(seq 70); do sleep 300 & done
	"$1" -q --all --layout-only -o "$2"' ns "$MEMSNAP" "$SCRATCH/many" ||
	fail "--all --layout-only of 70 processes: exit $?"
assert_eq "$($CASE_GET "$SCRATCH/many" 'sum(p["status"] == "complete" and p["comm"] == "sleep" for p in case["processes"])')" \
	70 "complete sleeps"
assert_eq "$($CASE_GET "$SCRATCH/many" 'case["selector"]["scope"]')" layout "scope"
