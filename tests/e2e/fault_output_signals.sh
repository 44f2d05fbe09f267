#!/bin/bash
# The operator stops memsnap at random moments: 24 captures of a 16 MiB
# victim, each sent SIGINT, SIGTERM, SIGHUP or SIGKILL after a random delay
# (0-200 ms, every other one 0-50 ms so that early phases are hit too).
# After each: the victim runs untraced (SIGKILL included: PTRACE_SEIZE lets
# the kernel detach it), memsnap exited 0 (it finished first) or with the
# signal's code (128+N), a final file exists when it exited 0 and then
# verifies, never after SIGINT/SIGTERM/SIGHUP (once renamed, those are held
# and the capture ends with 0), after SIGKILL only if it verifies; nothing
# but a .partial is left otherwise, and that .partial verifies as complete
# or cut short, never as an error.
# FO_SEED=N replays a run (the seed is printed).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_fault_output.sh"
require_tools
require_ptrace

RUNS=${FO_RUNS:-24}
seed=${FO_SEED:-$$}
RANDOM=$seed
log "seed $seed"
start_victim "$SAMPLES/big_victim" 16M

signals=(INT TERM HUP KILL)
declare -A outcomes=()
interrupted=0
for ((i = 0; i < RUNS; i++)); do
	sig=${signals[RANDOM % 4]}
	if ((i % 2)); then ms=$((RANDOM % 51)); else ms=$((RANDOM % 201)); fi
	dir=$SCRATCH/run$i
	mkdir "$dir" || fail "mkdir $dir"
	out=$dir/snap.msnap
	"$MEMSNAP" -p "$VICTIM_PID" -o "$out" >/dev/null 2>"$dir/err" &
	pid=$!
	track_bg "$pid"
	sleep "$(printf '0.%03d' "$ms")"
	kill -"$sig" "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null   # no "Killed" job notice
	rc=$?
	what="run $i: SIG$sig after ${ms} ms: exit $rc"
	victim_running || fail "$what: victim not running freely"
	case $rc in
	0)
		[ -f "$out" ] || fail "$what but no $out"
		assert_exit 0 "$ANALYZE" verify "$out"
		[ ! -e "$out.partial" ] || fail "$what and $out.partial left"
		;;
	$((128 + $(kill -l "$sig"))))
		interrupted=$((interrupted + 1))
		if [ "$sig" = KILL ] && [ -e "$out" ]; then
			# killed after the rename: complete, synced, verified
			assert_exit 0 "$ANALYZE" verify "$out"
			[ ! -e "$out.partial" ] || fail "$what: both files"
			what="$what after the rename"
		else
			fo_no_final "$out"
		fi
		fo_partial_verifies "$out.partial"
		# a .partial exists only after the handlers are in place:
		# then memsnap itself must say it was interrupted
		[ "$sig" = KILL ] || [ ! -e "$out.partial" ] ||
			assert_matches "$dir/err" "^memsnap: interrupted by SIG$sig"
		what="$what, .partial: verify $FO_VERIFY_RC"
		;;
	*)
		cat "$dir/err"
		fail "$what (expected 0 or $((128 + $(kill -l "$sig"))))"
		;;
	esac
	left=$(find "$dir" -mindepth 1 ! -name err ! -name snap.msnap \
		! -name snap.msnap.partial)
	[ -z "$left" ] || fail "$what: stray files: $left"
	log "$what"
	outcomes[$rc]=$((${outcomes[$rc]:-0} + 1))
	rm -rf "$dir"
done
log "outcomes (exit status: count): $(for k in "${!outcomes[@]}"; do printf '%s:%s ' "$k" "${outcomes[$k]}"; done)"
[ "$interrupted" -gt 0 ] || fail "no capture was interrupted: the test proved nothing"
ticker_alive
