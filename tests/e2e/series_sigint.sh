#!/bin/bash
# SIGINT to memsnap in the middle of a series (--every, no count): it
# ends with 130, the target runs on untraced, every completed snapshot
# verifies; at most the capture under way is left as a .partial.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_series.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/trigger_victim" leak
start_series "$SCRATCH/d" -p "$VICTIM_PID" --every 100ms
enough() { [ "$(snap_count "$SCRATCH/d")" -ge 3 ]; }
wait_for enough || fail "fewer than 3 snapshots after 10 s"
kill -INT "$SERIES_PID"
series_wait 130
assert_contains "$SCRATCH/series.err" "series stopped by"
assert_running
assert_verifies "$SCRATCH/d"
partial=$(find "$SCRATCH/d" -name '*.partial' | wc -l)
[ "$partial" -le 1 ] || fail "$partial .partial files left"

# The same while waiting for a signal: the watch is undone, no snapshot.
start_series "$SCRATCH/s" -p "$VICTIM_PID" --on-signal USR2
wait_for watched "$VICTIM_PID" || fail "memsnap did not start watching"
kill -INT "$SERIES_PID"
series_wait 130
assert_running
assert_eq "$(snap_count "$SCRATCH/s")" 0 "snapshots of an interrupted watch"
