#!/bin/bash
# A debugger's breakpoint is not a hook.  gdb holds the victim with a
# breakpoint on getppid: memsnap refuses to freeze a process another tracer
# holds and says who (exit 2), --no-freeze reads it without attaching, and
# check reports the single int3 at low (a tracer was attached), plus
# tracer_attached at medium, and no inline hook.
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace
command -v gdb >/dev/null || fail "gdb is missing (scripts/deps.sh installs it)"

start_victim "$SAMPLES/preload_victim"
gdb -p "$VICTIM_PID" -batch -nx -ex 'break getppid' -ex continue \
	>"$SCRATCH/gdb.out" 2>&1 &
track_bg $!
wait_for grep -q "^TracerPid:[[:space:]]*[1-9]" "/proc/$VICTIM_PID/status"

assert_exit 2 "$MEMSNAP" -p "$VICTIM_PID" -o "$SCRATCH/frozen.msnap"
assert_matches "$SCRATCH/last.err" "already traced by pid [0-9]+ \(gdb\)"
[ ! -e "$SCRATCH/frozen.msnap" ] || fail "a snapshot after a refusal"

# gdb writes its int3 when it resumes the victim: capture until it shows.
report=$SCRATCH/report.json
for try in $(seq 1 50); do
	snap=$SCRATCH/live$try.msnap
	assert_exit 0 "$MEMSNAP" --no-freeze -p "$VICTIM_PID" -o "$snap"
	"$ANALYZE" check --format json "$snap" >"$report"
	$EXPECT "$report" find breakpoint >/dev/null 2>&1 && break
	sleep 0.2
done
$EXPECT "$report" find breakpoint severity=low 'module$/libc.so.6' \
	'symbol=getppid+0x0' 'evidence~a tracer was attached' ||
	fail "gdb's breakpoint on getppid is not a low breakpoint finding"
$EXPECT "$report" find tracer_attached severity=medium ||
	fail "the tracer is not reported"
$EXPECT "$report" none inline_hook || fail "a breakpoint called a hook"
$EXPECT "$report" max medium || fail "more than medium for a debugger"
log "breakpoint under gdb reported at low after $try captures"
