#!/bin/bash
# --when: for each condition a victim crosses the threshold on SIGUSR1.
# Before the signal memsnap takes nothing (and keeps waiting); after it,
# one snapshot whose manifest names the condition that fired.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_series.sh"
require_tools
require_ptrace

# when_case MODE CONDITION
when_case() {
	local dir=$SCRATCH/$1 snap
	start_victim "$SAMPLES/trigger_victim" "$1"
	start_series "$dir" -p "$VICTIM_PID" --when "$2"
	# a few seconds of looks at 10 Hz (cpu: more than its 1 s window)
	sleep 1.5
	kill -0 "$SERIES_PID" 2>/dev/null || {
		cat "$SCRATCH/series.err"
		fail "$1: memsnap ended before the threshold was crossed"
	}
	assert_eq "$(snap_count "$dir")" 0 "$1: snapshots before the threshold"
	kill -USR1 "$VICTIM_PID"
	series_wait 0
	assert_eq "$(snap_count "$dir")" 1 "$1: snapshots after the threshold"
	assert_verifies "$dir"
	snap=$(ls "$dir"/snap-*.msnap)
	assert_exit 0 "$ANALYZE" info --format json "$snap"
	assert_contains "$SCRATCH/last.out" "\"trigger\": \"${2%%>*}>"
	assert_running
	kill -KILL "$VICTIM_PID"
	log "$1: fired on $2"
}

when_case rss 'rss>48M'
when_case threads 'threads>8'
when_case fds 'fds>64'
when_case cpu 'cpu>50%'
