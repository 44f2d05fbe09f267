#!/bin/bash
# SIGINT to memsnap mid-capture, once while the victim is frozen and once
# while the snapshot is being written: memsnap stops writing (at most 64 MiB
# more land after the signal), the victim runs on
# untraced, no final file appears, and the FILE.partial left behind is
# reported by verify as cut short (exit 1) but can still be opened.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/big_victim" 1G

# interrupt WHEN OUT: start a slow capture (one worker, a high zstd level)
# and SIGINT it when WHEN says so.
interrupt() {
	local when=$1 out=$2 pid rc
	"$MEMSNAP" -p "$VICTIM_PID" -o "$out" --threads 1 --level 12 \
		>"$SCRATCH/$when.out" 2>"$SCRATCH/$when.err" &
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
	at_signal=$(stat -c %s "$out.partial" 2>/dev/null || echo 0)
	kill -INT "$pid"
	wait_exit "$pid" 60
	rc=$WAIT_RC
	# Ctrl-C stops the writing: what is in flight may still land (a few
	# chunks), not the rest of the capture.
	grown=$(($(stat -c %s "$out.partial" 2>/dev/null || echo 0) - at_signal))
	log "$out.partial grew by $grown bytes after SIGINT"
	[ "$grown" -le $((64 << 20)) ] ||
		fail "memsnap wrote $grown more bytes after SIGINT (while $when)"
	cat "$SCRATCH/$when.err"
	log "memsnap interrupted while $when exited $rc"
	[ "$rc" != 0 ] || fail "memsnap exit 0 after SIGINT while $when"
	assert_running
	[ ! -e "$out" ] || fail "$out exists after an interrupted capture"
	[ -f "$out.partial" ] || fail "no $out.partial after SIGINT while $when"
	assert_exit 1 "$ANALYZE" verify "$out.partial"
	assert_exit 0 "$ANALYZE" info --format json "$out.partial"
	assert_matches "$SCRATCH/last.out" '"status": *"incomplete'
}

interrupt frozen "$SCRATCH/frozen.msnap"
ticker_alive
interrupt writing "$SCRATCH/writing.msnap"
ticker_alive
assert_running
