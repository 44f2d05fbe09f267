#!/bin/bash
# A target that cannot stop (C08): vfork_wait's parent waits in the kernel
# (state D) for a child that does not exec.  memsnap gives up after its
# 10 s stop timeout with a message naming the thread and its state
# (exit 2), lets go of it (untraced), and the .partial it leaves reads as
# cut short.  Once the child ends, the parent runs on as if nothing
# happened: no stop is left pending.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/vfork_wait"
child=$(victim_value child_pid)
parent=$VICTIM_PID
wait_for grep -q "^State:[[:space:]]*D" "/proc/$parent/status" ||
	fail "the vfork parent is not waiting in D state"
out=$SCRATCH/d.msnap
assert_exit 2 "$MEMSNAP" -p "$parent" -o "$out"
assert_matches "$SCRATCH/last.err" "did not stop within [0-9]+ s \(state D"
[ "$(tracer_of "$parent")" = 0 ] || fail "the parent is still traced"
[ ! -e "$out" ] || fail "a final file after a failed freeze"
if [ -e "$out.partial" ]; then
	assert_exit 1 "$ANALYZE" verify "$out.partial"
fi
kill -USR1 "$child"
wait_for grep -qx resumed "$VICTIM_OUT" || fail "the parent never resumed"
wait_for grep -q "^State:[[:space:]]*S" "/proc/$parent/status" ||
	fail "the parent is not back to waiting normally"
# and it can be captured now
capture "$SCRATCH/after.msnap"
log "D-state target: refused after the timeout, resumed, captured later"
