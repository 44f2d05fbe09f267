#!/bin/bash
# --cow refuses, before touching anything, what it cannot do safely: a
# target under a seccomp filter (exit 2, the message names seccomp and
# suggests the default mode; the target is never traced, has no child, got
# no SIGCHLD, and no output file is left).  The command line refuses --cow
# with --no-freeze, --layout-only or another --method.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_fault_target.sh"
. "$E2E/lib_cow.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/cow_victim" seccomp
before=$(report)
grep -q '^Seccomp:[[:space:]]*2' /proc/"$VICTIM_PID"/status ||
	fail "the victim is not under a seccomp filter"
# memsnap must never attach: watch TracerPid during the whole run
"$MEMSNAP" -p "$VICTIM_PID" -o "$SCRATCH/refused.msnap" --cow \
	>"$SCRATCH/refuse.out" 2>"$SCRATCH/refuse.err" &
cap=$!
track_bg "$cap"
traced=
while kill -0 "$cap" 2>/dev/null; do
	[ "$(tracer_of "$VICTIM_PID")" = 0 ] || traced=yes
done
wait "$cap"
assert_eq "$?" 2 "exit status of a refused --cow"
[ -z "$traced" ] || fail "memsnap attached to the victim before refusing"
assert_contains "$SCRATCH/refuse.err" seccomp
assert_contains "$SCRATCH/refuse.err" "default mode"
ls "$SCRATCH"/refused.msnap* >/dev/null 2>&1 &&
	fail "a refused capture left a file: $(ls "$SCRATCH"/refused.msnap*)"
assert_running
assert_no_child
assert_eq "$(report)" "$before" "the victim's report after the refusal"
log "seccomp: refused ($(tail -n 1 "$SCRATCH/refuse.err"))"
# the default mode captures it
capture "$SCRATCH/default.msnap"

for opts in "--no-freeze" "--layout-only" "--method buffer" "--method precopy"; do
	# shellcheck disable=SC2086
	assert_exit 2 "$MEMSNAP" -p "$VICTIM_PID" -o "$SCRATCH/x.msnap" --cow $opts
	assert_contains "$SCRATCH/last.err" "--cow"
	[ ! -e "$SCRATCH/x.msnap" ] || fail "--cow $opts left a file"
done
assert_exit 2 "$MEMSNAP" -p "$VICTIM_PID" -o "$SCRATCH/x.msnap" --method bogus
assert_contains "$SCRATCH/last.err" "precopy, buffer or cow"
log "the command line refuses --cow with --no-freeze, --layout-only, another --method"
assert_running
