#!/bin/bash
# Progress lines: on stderr when it is a terminal (a pseudo-terminal from
# script(1)), with the phase named; never on a pipe (a terminal turns
# "\n" into "\r\n", so the line's erase sequence is what is looked for), never with --quiet or
# --no-progress, never inside JSON written to stdout.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace
command -v script >/dev/null || fail "script (util-linux) is needed"

# on_tty OUT CMD...: run CMD with stdin/stdout/stderr on a pseudo-terminal,
# everything it wrote to the terminal in OUT.
on_tty() {
	local out=$1 cmd= a
	shift
	for a in "$@"; do
		cmd+=" $(printf '%q' "$a")"
	done
	script -qec "$cmd" /dev/null </dev/null >"$out" 2>&1
}

start_victim "$SAMPLES/big_victim" 64M
snap=$SCRATCH/snap.msnap
on_tty "$SCRATCH/cap.tty" "$MEMSNAP" -p "$VICTIM_PID" -o "$snap" ||
	{ cat "$SCRATCH/cap.tty"; fail "capture on a terminal failed"; }
assert_running
for phase in starting pre-copy "frozen: " writing; do
	assert_contains "$SCRATCH/cap.tty" "memsnap: $phase"
done

# A pipe: no progress, from either program.
"$MEMSNAP" -p "$VICTIM_PID" -o "$SCRATCH/pipe.msnap" 2>&1 | cat >"$SCRATCH/cap.pipe"
grep -q 'memsnap: \(starting\|pre-copy\|writing\)' "$SCRATCH/cap.pipe" &&
	fail "capture drew progress on a pipe"
grep -q $'\e\\[K' "$SCRATCH/cap.pipe" && fail "line erasing on a pipe"

core=$SCRATCH/core
ext=$SCRATCH/ext.bin
for job in "verify $snap" "export-core $snap -o $core" \
	   "extract $snap --path [heap] -o $ext" "check $snap" \
	   "diff --format json $snap $SCRATCH/pipe.msnap"; do
	name=${job%% *}
	rm -f "$core" "$ext"
	# shellcheck disable=SC2086
	on_tty "$SCRATCH/$name.tty" "$ANALYZE" $job
	assert_matches "$SCRATCH/$name.tty" "memsnap-analyze: $name([^:]|$)"
	rm -f "$core" "$ext"
	# shellcheck disable=SC2086
	"$ANALYZE" $job 2>&1 | cat >"$SCRATCH/$name.pipe"
	grep -q "memsnap-analyze: $name \|"$'\e\\[K' "$SCRATCH/$name.pipe" &&
		fail "$name drew progress on a pipe"
	for off in --quiet --no-progress; do
		rm -f "$core" "$ext"
		# shellcheck disable=SC2086
		on_tty "$SCRATCH/$name.off" "$ANALYZE" $job $off
		grep -q "memsnap-analyze: $name \|"$'\e\\[K' "$SCRATCH/$name.off" &&
			fail "$name $off still drew progress"
	done
done

# JSON on stdout stays clean while progress goes to the terminal.
on_tty "$SCRATCH/json.tty" sh -c "$(printf '%q ' "$ANALYZE" verify --format json "$snap") >$(printf '%q' "$SCRATCH/v.json")"
assert_contains "$SCRATCH/json.tty" "memsnap-analyze: verify"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$SCRATCH/v.json" ||
	fail "verify --format json is not clean JSON under a terminal"
exit 0
