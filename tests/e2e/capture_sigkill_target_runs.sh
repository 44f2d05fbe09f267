#!/bin/bash
# SIGKILL to memsnap, which can clean up nothing: while the victim is
# frozen and while the snapshot is being written.  The victim must run on,
# not stopped and with no tracer (PTRACE_SEIZE queues no SIGSTOP), and
# keep ticking.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/big_victim" 1G

kill_capture() {
	local when=$1 out=$2 pid
	"$MEMSNAP" -p "$VICTIM_PID" -o "$out" --threads 1 --level 12 \
		>/dev/null 2>"$SCRATCH/$when.err" &
	pid=$!
	track_bg "$pid"
	case $when in
	frozen)
		wait_traced "$VICTIM_PID" "$pid" ||
			fail "never saw the victim frozen (memsnap ended?)"
		;;
	writing)
		wait_size "$out.partial" $((8 << 20)) "$pid" ||
			fail "$out.partial never reached 8 MiB"
		;;
	esac
	kill -KILL "$pid"
	wait "$pid"
	log "memsnap killed while $when"
	assert_running
	[ ! -e "$out" ] || fail "$out exists after a killed capture"
}

kill_capture frozen "$SCRATCH/frozen.msnap"
ticker_alive
kill_capture writing "$SCRATCH/writing.msnap"
ticker_alive

# And the victim can be captured again, completely.
capture "$SCRATCH/again.msnap" --layout-only
assert_running
