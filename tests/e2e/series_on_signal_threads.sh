#!/bin/bash
# --on-signal USR2 --count 2 on a victim with 9 threads: two snapshots,
# one per signal, each with every thread; each signal's handler runs after
# its capture, and the target ends untraced.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_series.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/trigger_victim" threads
kill -USR1 "$VICTIM_PID"
wait_for grep -qx crossed "$VICTIM_OUT" || fail "victim did not start its threads"
start_series "$SCRATCH/d" -p "$VICTIM_PID" --on-signal USR2 --count 2
wait_for watched "$VICTIM_PID" || fail "memsnap did not start watching"
kill -USR2 "$VICTIM_PID"
one() { [ "$(snap_count "$SCRATCH/d")" -ge 1 ]; }
wait_for one || fail "no snapshot after the first signal"
wait_for grep -qx handled "$VICTIM_OUT" || fail "first handler did not run"
# the series watches again for the second signal
wait_for watched "$VICTIM_PID" || fail "memsnap did not watch again"
kill -USR2 "$VICTIM_PID"
series_wait 0
assert_eq "$(snap_count "$SCRATCH/d")" 2 "snapshots"
two() { [ "$(grep -cx handled "$VICTIM_OUT")" = 2 ]; }
wait_for two || fail "second handler did not run"
assert_running
assert_verifies "$SCRATCH/d"
for f in "$SCRATCH"/d/snap-*.msnap; do
	assert_exit 0 "$ANALYZE" info --format json "$f"
	assert_contains "$SCRATCH/last.out" '"threads_count": 9'
done
