#!/bin/bash
# The target's job-control state and its signals survive a capture
# (reliability C07, C09): a victim stopped with SIGSTOP before the capture
# is still stopped afterwards (frozen or --no-freeze) and runs on SIGCONT;
# SIGUSR1 and three queued real-time signals sent while it is frozen are
# all delivered after the thaw, none lost, none early.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_fault_target.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/churn_exit" 4M
for mode in frozen live; do
	opts=()
	[ "$mode" = live ] && opts=(--no-freeze)
	kill -STOP "$VICTIM_PID"
	wait_for test "$(state_of "$VICTIM_PID")" = T || fail "SIGSTOP did not stop"
	capture_checked "stopped_$mode" "$SCRATCH/stopped_$mode.msnap" "${opts[@]}"
	assert_eq "$OUTCOME" complete "capture of a stopped victim ($mode)"
	assert_untraced "$VICTIM_PID"
	assert_eq "$(state_of "$VICTIM_PID")" T "state after a $mode capture"
	sleep 0.2       # a late wake-up would show here
	assert_eq "$(state_of "$VICTIM_PID")" T "state 0.2 s after a $mode capture"
	kill -CONT "$VICTIM_PID"
	assert_running
	victim_signal USR1 usr1     # it works again
done

# Signals sent while frozen: held, then delivered.
rtmin=$(kill -l RTMIN)
out=$SCRATCH/signals.msnap
start_victim "$SAMPLES/churn_exit" 16M
start_capture signals "$out" "${SLOW_CAPTURE[@]}"
wait_traced "$VICTIM_PID" "$CAP_PID" || fail "victim never frozen"
kill -USR1 "$VICTIM_PID"
for i in 1 2 3; do kill -$((rtmin + 2)) "$VICTIM_PID"; done
# handled while still frozen would be a failure (checked only if it is)
if grep -q '^usr1=\|^rt=' "$VICTIM_OUT" && [ "$(tracer_of "$VICTIM_PID")" != 0 ]; then
	fail "a signal was handled while frozen"
fi
wait_exit "$CAP_PID" 60
check_outcome "$WAIT_RC" "$out" "$SCRATCH/signals.err"
assert_eq "$OUTCOME" complete "capture with signals sent during the freeze"
wait_for grep -qx 'rt=3' "$VICTIM_OUT" || fail "not all 3 RT signals were delivered"
wait_for grep -qx 'usr1=1' "$VICTIM_OUT" || fail "SIGUSR1 was not delivered"
assert_running
assert_untraced "$VICTIM_PID"
