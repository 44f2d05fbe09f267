#!/bin/bash
# --at-exit: the victim writes a canary just before exit(0); the snapshot
# is taken at the exit with the memory intact and holds the canary.
# Nothing is captured while the victim runs; after the capture the victim
# finishes its exit (status 0).
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_series.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/trigger_victim" exit
start_series "$SCRATCH/d" -p "$VICTIM_PID" --at-exit
wait_for watched "$VICTIM_PID" || fail "memsnap did not start watching"
sleep 0.5
assert_eq "$(snap_count "$SCRATCH/d")" 0 "snapshots before the exit"
kill -USR1 "$VICTIM_PID"
series_wait 0
wait "$VICTIM_PID"
assert_eq "$?" 0 "victim exit status"
assert_eq "$(snap_count "$SCRATCH/d")" 1 "snapshots"
snap=$(ls "$SCRATCH"/d/snap-*.msnap)
assert_verifies "$SCRATCH/d"
want="memsnap-at-exit-canary:$VICTIM_PID"
extract "$snap" "$(victim_value canary_addr)" ${#want} "$SCRATCH/canary.got"
assert_eq "$(cat "$SCRATCH/canary.got")" "$want" "canary in the exit snapshot"
assert_exit 0 "$ANALYZE" info --format json "$snap"
assert_contains "$SCRATCH/last.out" "memory intact"
