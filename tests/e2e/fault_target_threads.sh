#!/bin/bash
# Threads that come and go without pause during the freeze (reliability
# C04), and a thousand threads: memsnap freezes them all or says it
# could not; a snapshot called complete lists, with registers, every
# thread that the victim's own table (live_tids[], captured with its
# memory) says was alive.  Afterwards the churn goes on, untraced.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_fault_target.sh"
require_tools
require_ptrace

# check_all_frozen SNAP: every tid of live_tids[] is a captured thread with
# registers.
check_all_frozen() {
	local snap=$1 addr len
	addr=$(victim_value live_tids_addr)
	len=$(victim_value live_tids_len)
	extract "$snap" "$addr" $((len * 4)) "$snap.tids"
	info_json "$snap" "$snap.json"
	python3 - "$snap.tids" "$snap.json" <<'PY' ||
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
live = {t for t in struct.unpack("<%di" % (len(raw) // 4), raw) if t}
doc = json.load(open(sys.argv[2]))
frozen = {t["tid"] for t in doc["threads"] if t.get("rip")}
missed = sorted(live - frozen)
print("live in memory: %d, frozen: %d, missed: %s" % (len(live), len(frozen), missed))
sys.exit(1 if missed or not live else 0)
PY
		fail "a thread alive in the victim's memory was not frozen"
}

# churners whose children live for a sched_yield each
start_victim "$SAMPLES/churn_threads" 8
for i in 1 2; do
	snap=$SCRATCH/churn$i.msnap
	capture_checked "churn$i" "$snap"
	assert_running
	assert_untraced "$VICTIM_PID"
	case $OUTCOME in
	complete) check_all_frozen "$snap" ;;
	failed) assert_contains "$SCRATCH/churn$i.err" "kept appearing" ;;
	*) fail "capture of a churning victim: $OUTCOME" ;;
	esac
done
victim_signal USR2 created
a=$(victim_value created)
sleep 0.2
victim_signal USR2 created
[ "$(victim_value created)" -gt "$a" ] || fail "threads stopped churning"

# 1000 idle threads and 2 churners: every one frozen and released.
nthreads=1000
[ "$(cat /proc/sys/kernel/threads-max)" -gt $((nthreads * 2)) ] ||
	skip "kernel.threads-max too small for $nthreads threads"
start_victim "$SAMPLES/churn_threads" 2 "$nthreads"
snap=$SCRATCH/many.msnap
capture_checked many "$snap" --layout-only
assert_eq "$OUTCOME" complete "capture of $nthreads threads"
info_json "$snap" "$SCRATCH/threads.json"
n=$($JSON_GET "$SCRATCH/threads.json" 'len([t for t in doc["threads"] if t.get("rip")])')
[ "$n" -ge $((nthreads + 3)) ] ||
	fail "$n threads with registers, expected at least $((nthreads + 3))"
log "$n threads frozen with registers"
assert_running
assert_untraced "$VICTIM_PID"
stopped=$(grep -l '^State:.*[tT] ' /proc/"$VICTIM_PID"/task/*/status 2>/dev/null | wc -l)
assert_eq "$stopped" 0 "threads left stopped"
