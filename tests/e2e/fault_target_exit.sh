#!/bin/bash
# The target dies in the middle of a capture (reliability C01, C02): it
# calls exit_group while a --no-freeze capture reads it, or a third party
# SIGKILLs it while it is frozen and memsnap streams its memory.  memsnap
# exits 1 with "target exited" and a snapshot that says so and verifies;
# then the same at random moments: never a crash, never a hang, never a
# snapshot called complete that is not.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_fault_target.sh"
require_tools
require_ptrace

# mid_capture_death MODE: MODE "live" (exit_group by the victim during
# --no-freeze) or "frozen" (SIGKILL while frozen).
mid_capture_death() {
	local mode=$1 out=$SCRATCH/$1.msnap opts=()
	start_victim "$SAMPLES/churn_exit" 16M
	[ "$mode" = live ] && opts=(--no-freeze)
	start_capture "$mode" "$out" "${SLOW_CAPTURE[@]}" "${opts[@]}"
	if [ "$mode" = frozen ]; then
		wait_traced "$VICTIM_PID" "$CAP_PID" || fail "victim never frozen"
	fi
	# some chunks written: memsnap is reading the victim's memory now
	wait_size "$out.partial" $((1 << 20)) "$CAP_PID" ||
		fail "$out.partial never reached 1 MiB"
	if [ "$mode" = frozen ]; then
		kill -KILL "$VICTIM_PID"
	else
		kill -TERM "$VICTIM_PID"       # it calls exit_group(3)
	fi
	wait "$VICTIM_PID" 2>/dev/null
	vrc=$?
	[ "$mode" = frozen ] || assert_eq "$vrc" 3 "victim's exit status"
	wait_exit "$CAP_PID" 30
	cat "$SCRATCH/$mode.err"
	assert_eq "$WAIT_RC" 1 "memsnap exit when the target died ($mode)"
	check_outcome "$WAIT_RC" "$out" "$SCRATCH/$mode.err"
	assert_contains "$SCRATCH/$mode.err" "target exited"
	# what was stored is the victim's memory, not zeros made up after death
	manifest_check "$out" "
msgs = [e.get('message', '') for e in doc['errors'] if e.get('what') == 'target']
fact(any('target exited' in m for m in msgs), 'errors: %s' % msgs)
fact(doc['capture'].get('target_exited') is True, 'capture.target_exited ($mode)')
fact(sum(r['pages']['data'] for r in doc['regions']) > 0, 'pages stored')
"
}

mid_capture_death live
mid_capture_death frozen

# random_deaths MODE N: N victims killed at random moments of a capture.
random_deaths() {
	local mode=$1 n=$2 i out opts=() seen=
	[ "$mode" = live ] && opts=(--no-freeze)
	for ((i = 0; i < n; i++)); do
		out=$SCRATCH/r$mode$i.msnap
		start_victim "$SAMPLES/churn_exit" 8M
		start_capture "r$mode$i" "$out" --level 3 --threads 1 \
			--max-buffer 1M "${opts[@]}"
		sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
		if [ "$mode" = live ]; then
			kill -TERM "$VICTIM_PID"
		else
			kill -KILL "$VICTIM_PID"
		fi
		wait "$VICTIM_PID" 2>/dev/null
		wait_exit "$CAP_PID" 30
		check_outcome "$WAIT_RC" "$out" "$SCRATCH/r$mode$i.err"
		seen="$seen $OUTCOME"
	done
	log "random deaths ($mode):$seen"
}

random_deaths live 2
random_deaths frozen 2

# memsnap itself is fine: a fresh victim is captured completely.
start_victim "$SAMPLES/churn_exit" 4M
capture_checked last "$SCRATCH/last.msnap"
assert_eq "$OUTCOME" complete "capture after the deaths"
assert_running
