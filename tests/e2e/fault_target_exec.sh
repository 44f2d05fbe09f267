#!/bin/bash
# The target calls execve in the middle of a capture (reliability C05), by
# its leader or by another thread.  Read live (--no-freeze), memsnap must
# not call the mix of two programs complete: exit 1, "execve" in its
# message and in the manifest's errors.  Frozen, an exec asked for during
# the freeze happens after it (a complete snapshot of the old program); an
# exec at a random moment around the freeze gives 0, 1 or 2 as documented,
# never a crash.  Afterwards the new program runs, untraced.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_fault_target.sh"
require_tools
require_ptrace

# wait_generation N: the victim (re-executed) printed generation=N.
wait_generation() {
	wait_for grep -qx "generation=$1" "$VICTIM_OUT" ||
		fail "victim never reached generation $1"
	assert_running
	assert_untraced "$VICTIM_PID"
}

# live_exec SIG WHO: SIGUSR2 makes the leader exec, SIGHUP another thread.
live_exec() {
	local sig=$1 who=$2 out=$SCRATCH/live_$2.msnap
	start_victim "$SAMPLES/churn_exit" 16M
	start_capture "live_$who" "$out" --no-freeze "${SLOW_CAPTURE[@]}"
	wait_size "$out.partial" $((1 << 20)) "$CAP_PID" ||
		fail "$out.partial never reached 1 MiB"
	kill -"$sig" "$VICTIM_PID"
	wait_generation 2
	wait_exit "$CAP_PID" 60
	cat "$SCRATCH/live_$who.err"
	assert_eq "$WAIT_RC" 1 "memsnap exit after an exec by the $who"
	check_outcome "$WAIT_RC" "$out" "$SCRATCH/live_$who.err"
	assert_contains "$SCRATCH/live_$who.err" "execve"
	manifest_get "$out" '[e["message"] for e in doc["errors"]
			      if e["what"] == "target"]' >"$SCRATCH/what.txt"
	assert_contains "$SCRATCH/what.txt" "execve"
}

live_exec USR2 leader
live_exec HUP thread

# Frozen: the exec is asked for while every thread is stopped, so it
# happens after the thaw: the snapshot is the first program, complete.
start_victim "$SAMPLES/churn_exit" 16M
out=$SCRATCH/frozen.msnap
start_capture frozen "$out" "${SLOW_CAPTURE[@]}"
wait_traced "$VICTIM_PID" "$CAP_PID" || fail "victim never frozen"
mem1=$(victim_value mem_addr)
kill -HUP "$VICTIM_PID"
wait_exit "$CAP_PID" 60
check_outcome "$WAIT_RC" "$out" "$SCRATCH/frozen.err"
assert_eq "$OUTCOME" complete "capture with an exec asked for while frozen"
wait_generation 2
extract "$out" "$mem1" 4096 "$SCRATCH/gen1.got"

# Random moments around the freeze, leader and thread exec in turn.
gen=2
for i in 1 2; do
	start_capture "r$i" "$SCRATCH/r$i.msnap" --level 3 --threads 1
	sleep "0.0$((RANDOM % 10))"
	if [ $((i % 2)) = 0 ]; then kill -USR2 "$VICTIM_PID"; else kill -HUP "$VICTIM_PID"; fi
	wait_exit "$CAP_PID" 60
	check_outcome "$WAIT_RC" "$SCRATCH/r$i.msnap" "$SCRATCH/r$i.err"
	gen=$((gen + 1))
	wait_generation "$gen"
done
assert_running
