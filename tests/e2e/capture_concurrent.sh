#!/bin/bash
# Two captures of one process at once (L05): the second finds the target
# held by the first and is refused, naming it (exit 2, no file); the first
# is not disturbed and completes; a live one (--no-freeze) meanwhile
# completes too.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/big_victim" 64M
first=$SCRATCH/first.msnap
# A slow first capture: one worker, level 9, everything copied while
# frozen (--method buffer) through a small buffer (compression while
# frozen), so the second one meets a frozen target.
"$MEMSNAP" -p "$VICTIM_PID" -o "$first" --threads 1 --level 9 --method buffer \
	--max-buffer 8M >"$SCRATCH/first.out" 2>"$SCRATCH/first.err" &
pid=$!
track_bg "$pid"
wait_traced "$VICTIM_PID" "$pid" || fail "the first capture never froze the victim"

assert_exit 2 "$MEMSNAP" -p "$VICTIM_PID" -o "$SCRATCH/second.msnap"
assert_matches "$SCRATCH/last.err" "already traced by pid $pid \(memsnap\)"
[ ! -e "$SCRATCH/second.msnap" ] && [ ! -e "$SCRATCH/second.msnap.partial" ] ||
	fail "the refused capture left a file"

assert_exit 0 "$MEMSNAP" --no-freeze -p "$VICTIM_PID" -o "$SCRATCH/live.msnap"
assert_exit 0 "$ANALYZE" verify --quick "$SCRATCH/live.msnap"

wait_exit "$pid" 120
assert_eq "$WAIT_RC" 0 "the first capture's exit status"
cat "$SCRATCH/first.err"
assert_exit 0 "$ANALYZE" verify --quick "$first"
assert_running
log "concurrent captures: refused while frozen, live one alongside"
