#!/bin/bash
# --no-freeze reads the victim live: it is never traced nor stopped during
# the capture, the manifest says mode "live", and memory that did not change
# (heap_writer's buffers) is captured exactly.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/heap_writer"
snap=$SCRATCH/live.msnap

# Watch the victim's tracer and state while memsnap runs.
(
	while [ ! -e "$SCRATCH/done" ]; do
		t=$(tracer_of "$VICTIM_PID")
		[ "$t" = 0 ] || echo "traced by $t" >>"$SCRATCH/seen"
		s=$(awk '/^State:/ { print $2 }' "/proc/$VICTIM_PID/status")
		case $s in T | t) echo "state $s" >>"$SCRATCH/seen" ;; esac
		sleep 0.002
	done
) &
watcher=$!
track_bg "$watcher"
capture "$snap" --no-freeze
touch "$SCRATCH/done"
wait "$watcher"
[ ! -s "$SCRATCH/seen" ] || { cat "$SCRATCH/seen"; fail "victim was traced or stopped"; }
assert_running

info_json "$snap" "$SCRATCH/info.json"
assert_eq "$($JSON_GET "$SCRATCH/info.json" 'doc["capture"]["mode"]')" live \
	"capture.mode"
addr=$(victim_value buf3_addr)
size=$(victim_value buf3_size)
extract "$snap" "$addr" "$size" "$SCRATCH/buf3.got"
$PATTERN gen "$(victim_value buf3_seed)" 0 "$size" >"$SCRATCH/buf3.want"
assert_same_bytes "$SCRATCH/buf3.got" "$SCRATCH/buf3.want" "buffer 3, live"
