#!/bin/bash
# --on-signal USR2: the snapshot is taken when the victim receives SIGUSR2,
# before its handler runs (handled is still 0 in the snapshot); then the
# signal is delivered as usual (the victim prints "handled" after) and the
# target runs untraced.  Nothing is captured before the signal.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_series.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/trigger_victim" signal
start_series "$SCRATCH/d" -p "$VICTIM_PID" --on-signal USR2
wait_for watched "$VICTIM_PID" || fail "memsnap did not start watching"
# an unrelated signal passes through and is not a trigger
kill -USR1 "$VICTIM_PID"
sleep 0.5
assert_eq "$(snap_count "$SCRATCH/d")" 0 "snapshots before the signal"
kill -0 "$SERIES_PID" || fail "memsnap ended before the signal"
kill -USR2 "$VICTIM_PID"
series_wait 0
assert_eq "$(snap_count "$SCRATCH/d")" 1 "snapshots after the signal"
wait_for grep -qx handled "$VICTIM_OUT" || fail "the handler did not run after the capture"
assert_running
snap=$(ls "$SCRATCH"/d/snap-*.msnap)
assert_verifies "$SCRATCH/d"
extract "$snap" "$(victim_value handled_addr)" 8 "$SCRATCH/handled.got"
assert_eq "$(od -An -tu8 "$SCRATCH/handled.got" | tr -d ' ')" 0 \
	"handled flag in the snapshot (taken before the handler)"
assert_exit 0 "$ANALYZE" info --format json "$snap"
assert_contains "$SCRATCH/last.out" "SIGUSR2 received"
assert_contains "$SCRATCH/last.out" "handler delayed"
