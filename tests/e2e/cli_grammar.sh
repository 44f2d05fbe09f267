#!/bin/bash
# One command-line grammar: options before or after the operands in every
# memsnap-analyze command ("--" ends them), usage errors as one line that
# names the problem plus where help is, old spellings named, -o DIR naming.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

# usage_error CMD...: exit 2, stderr is exactly two lines: the program's
# name and the problem, then "Try '... --help'".  Nothing on stdout.
usage_error() {
	local help=$1
	shift
	assert_exit 2 "$@"
	[ ! -s "$SCRATCH/last.out" ] || fail "$*: wrote to stdout on a usage error"
	assert_eq "$(wc -l <"$SCRATCH/last.err")" 2 "$*: lines on stderr"
	assert_matches "$SCRATCH/last.err" "^memsnap(-analyze)?: "
	assert_eq "$(tail -n 1 "$SCRATCH/last.err")" "Try '$help --help'" "$*: last line"
}

start_victim "$SAMPLES/heap_writer"
snap=$SCRATCH/snap.msnap
capture "$snap"

# A root-owned process's unknowable dumpable flag is a note, not an error.
if [ "$(id -u)" = 0 ]; then
	assert_exit 0 "$ANALYZE" info "$snap"
	assert_eq "$(sed -n 's/^status: *//p' "$SCRATCH/last.out")" complete "info's status line"
fi

# Options after the file, and between operands.
assert_exit 0 "$ANALYZE" check "$snap" --fail-on high
assert_exit 0 "$ANALYZE" info "$snap" --format json --all
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$SCRATCH/last.out" ||
	fail "info FILE --format json: not JSON"
assert_exit 0 "$ANALYZE" verify "$snap" -q --format yaml
assert_contains "$SCRATCH/last.out" "result: intact"
assert_exit 0 "$ANALYZE" diff "$snap" --stat "$snap" -f json
assert_exit 0 "$ANALYZE" strings "$snap" -n 6 --format yaml
assert_exit 0 "$ANALYZE" extract "$snap" --path '[heap]' --list

# "--" ends the options: a file named like an option is an operand.
cp "$snap" "$SCRATCH/--all"
( cd "$SCRATCH" && "$ANALYZE" info -- --all >info.out ) ||
	fail "info -- --all did not read the file named --all"

A=memsnap-analyze
usage_error "$A check" "$ANALYZE" check "$snap" --fail-on
usage_error "$A check" "$ANALYZE" check "$snap" "$snap"
usage_error "$A diff" "$ANALYZE" diff "$snap"
usage_error "$A info" "$ANALYZE" info -q "$snap"
usage_error "$A info" "$ANALYZE" info --threads 4 "$snap"
assert_contains "$SCRATCH/last.err" "--list-threads"
usage_error "$A extract" "$ANALYZE" extract "$snap" -r 3
assert_contains "$SCRATCH/last.err" "--region"
usage_error "$A verify" "$ANALYZE" verify --format xml "$snap"
usage_error "$A verify" "$ANALYZE" verify --quick=1 "$snap"
usage_error "$A search" "$ANALYZE" search "$snap"
usage_error "$A" "$ANALYZE" no-such-command
usage_error "memsnap" "$MEMSNAP" -p "$VICTIM_PID"
usage_error "memsnap" "$MEMSNAP" --bogus

# -o DIR: DIR/COMM-PID-UTCTIME.msnap, mode 0600, named on the sha256 line.
mkdir "$SCRATCH/case"
assert_exit 0 "$MEMSNAP" -p "$VICTIM_PID" -o "$SCRATCH/case/" -q
made=$(ls "$SCRATCH/case")
[[ $made =~ ^heap_writer-$VICTIM_PID-[0-9]{8}T[0-9]{6}Z\.msnap$ ]] ||
	fail "-o DIR made '$made'"
assert_eq "$(stat -c %a "$SCRATCH/case/$made")" 600 "mode of the file in DIR"
assert_exit 0 "$ANALYZE" verify "$SCRATCH/case/$made"
assert_running
exit 0
