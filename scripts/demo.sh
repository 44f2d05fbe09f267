#!/bin/sh
# scripts/demo.sh - the analyst's view in one run (`make demo`).
#
# Starts samples/heap_writer, captures it with memsnap, makes it mutate,
# captures it again, and shows what memsnap-analyze says: info, verify,
# and diff and check where this build has them.  The victim is killed and
# the snapshots are removed at the end (DEMO_KEEP=1 keeps them).
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
memsnap=capture/memsnap
analyze=analyze/memsnap-analyze
work=$(mktemp -d "${TMPDIR:-/tmp}/memsnap-demo.XXXXXX") || exit 2
victim_pid=

cleanup() {
	[ -n "$victim_pid" ] && kill "$victim_pid" 2>/dev/null && wait "$victim_pid" 2>/dev/null
	if [ "${DEMO_KEEP:-0}" = 1 ]; then
		echo "demo: snapshots kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

say() {
	printf '\n\033[1m== %s\033[0m\n' "$*" 2>/dev/null || printf '\n== %s\n' "$*"
}

run() {
	printf '$ %s\n' "$*"
	"$@"
	rc=$?
	[ "$rc" = 0 ] || printf '(exit %s)\n' "$rc"
	return 0
}

has_command() {
	"$analyze" --help 2>&1 | grep -q "^  $1 "
}

# wait_for FILE WORD: until a line WORD appears in FILE (at most 10 s)
wait_for() {
	i=0
	while ! grep -qx "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 100 ] || { echo "demo: victim did not print '$2'" >&2; exit 2; }
		sleep 0.1
	done
}

value() {
	sed -n "s/^$1=//p" "$work/victim.out" | tail -n 1
}

say "a victim: samples/heap_writer (known patterns in four heap buffers)"
samples/heap_writer > "$work/victim.out" &
victim_pid=$!
wait_for "$work/victim.out" ready
echo "pid $victim_pid, buffer 1 at $(value buf1_addr) ($(value buf1_size) bytes)"

say "capture it"
run "$memsnap" -p "$victim_pid" -o "$work/before.msnap"
ls -l "$work/before.msnap"

say "the victim mutates three ranges of buffer 1 and a global"
kill -USR1 "$victim_pid"
wait_for "$work/victim.out" mutated
grep '^mutation[0-9]_\(addr\|len\)=' "$work/victim.out"

say "capture it again"
run "$memsnap" -p "$victim_pid" -o "$work/after.msnap"

say "what is in the evidence"
run "$analyze" info "$work/after.msnap"

say "is it intact?"
run "$analyze" verify "$work/after.msnap"

say "the mutated bytes, read back from the snapshot"
addr=$(value mutation0_addr)
run "$analyze" extract "$work/after.msnap" --addr "$addr" --size 64 -o "$work/range.bin"
od -A x -t x1 "$work/range.bin" | head -4

if has_command diff; then
	say "what changed between the two captures"
	run "$analyze" diff "$work/before.msnap" "$work/after.msnap"
fi
if has_command check; then
	say "does the code in memory match the binaries on disk?"
	run "$analyze" check "$work/after.msnap"
fi

say "the victim is still running"
grep -E '^(State|TracerPid):' "/proc/$victim_pid/status"
