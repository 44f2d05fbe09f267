#!/bin/bash
# memsnap waiting for a trigger stays idle: over 2 s of waiting (a
# threshold never reached, a name that never appears, a signal never
# sent) its own CPU time (utime + stime of /proc/PID/stat) stays under
# 5% of that time.  A CPU-time bound, not a wall-time one.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_series.sh"
require_tools
require_ptrace

hz=$(getconf CLK_TCK)
cpu_ms() {
	awk -v hz="$hz" '{ sub(/.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' \
		"/proc/$1/stat"
}

# idle_case WHAT OPTIONS...
idle_case() {
	local what=$1 ms
	shift
	start_series "$SCRATCH/$what" "$@"
	sleep 2
	kill -0 "$SERIES_PID" 2>/dev/null || fail "$what: memsnap ended early"
	ms=$(cpu_ms "$SERIES_PID")
	kill -INT "$SERIES_PID"
	series_wait 130
	log "$what: memsnap used $ms ms of CPU in 2 s of waiting"
	[ "$ms" -lt 100 ] || fail "$what: $ms ms of CPU while waiting 2 s (limit 100)"
}

start_victim "$SAMPLES/trigger_victim" signal
idle_case when -p "$VICTIM_PID" --when 'rss>1000G' --when 'fds>100000' \
	--when 'threads>100000' --when 'cpu>1000%'
idle_case wait-name --wait-name "no-such-$$"
idle_case on-signal -p "$VICTIM_PID" --on-signal USR2
assert_running
