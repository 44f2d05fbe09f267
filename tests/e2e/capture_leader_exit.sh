#!/bin/bash
# A process whose main thread called pthread_exit (leader a zombie, a worker
# thread running): memsnap captures it through the live thread, the
# snapshot holds the heap canary, and afterwards the worker runs untraced.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/leader_exit"
tid=$(victim_value worker_tid)
leader_zombie() {
	grep -q '^State:[[:space:]]*Z' "/proc/$VICTIM_PID/task/$VICTIM_PID/status"
}
wait_for leader_zombie || fail "leader $VICTIM_PID never became a zombie"

snap=$SCRATCH/leader.msnap
capture "$snap"
assert_exit 0 "$ANALYZE" verify "$snap"
assert_exit 0 "$ANALYZE" info --format json "$snap"
assert_matches "$SCRATCH/last.out" '"status": *"complete"'

# the canary, read through the live thread at the address the victim gave
addr=$(victim_value canary_addr)
"$ANALYZE" extract "$snap" --addr "$addr" --size 26 -o "$SCRATCH/canary" ||
	fail "cannot extract the canary at $addr"
assert_eq "$(cat "$SCRATCH/canary")" "$(victim_value canary)" "canary"

# the worker runs on, untraced, after the capture
grep -q '^TracerPid:[[:space:]]*0$' "/proc/$VICTIM_PID/task/$tid/status" ||
	fail "worker $tid still traced"
before=$(grep -c '^tick=' "$VICTIM_OUT")
sleep 0.5
after=$(grep -c '^tick=' "$VICTIM_OUT")
[ "$after" -gt "$before" ] || fail "worker $tid stopped ticking after the capture"
log "ok: captured through thread $tid; worker ticks $before -> $after"
