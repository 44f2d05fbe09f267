#!/bin/bash
# Refusals: each exits 2 with a "memsnap: ..." message that says what is
# wrong, and leaves no snapshot behind (nor harms what was there).
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

# refuse WHAT ERE ARGS...: memsnap ARGS exits 2 and its stderr has a
# "memsnap: " line matching ERE.
refuse() {
	local what=$1 ere=$2
	shift 2
	assert_exit 2 "$MEMSNAP" "$@"
	assert_matches "$SCRATCH/last.err" "^memsnap: .*($ere)"
	log "$what: $(grep -m1 '^memsnap: ' "$SCRATCH/last.err")"
}

out=$SCRATCH/out.msnap

# No such process.
pid=$(unused_pid)
refuse "no such process" "no such process|not found|does not exist|$pid" \
	-p "$pid" -o "$out"
[ ! -e "$out" ] && [ ! -e "$out.partial" ] ||
	fail "output left behind for a missing process"

# A kernel thread (kthreadd is pid 2).
[ "$(cat /proc/2/comm)" = kthreadd ] || fail "pid 2 is not kthreadd here"
refuse "kernel thread" "kernel thread" -p 2 -o "$out"
[ ! -e "$out" ] && [ ! -e "$out.partial" ] ||
	fail "output left behind for a kernel thread"

start_victim "$SAMPLES/heap_writer"

# The output file exists: refused, untouched.
echo "precious evidence" >"$out"
sum=$(sha256sum <"$out")
refuse "output exists" "exists" -p "$VICTIM_PID" -o "$out"
assert_eq "$(sha256sum <"$out")" "$sum" "existing output file content"
assert_running
rm -f "$out"

# The output is a symlink: refused, the link's target untouched.
target=$SCRATCH/target
echo "do not overwrite" >"$target"
sum=$(sha256sum <"$target")
ln -s "$target" "$SCRATCH/link.msnap"
refuse "output is a symlink" "symbolic link|symlink|exists|too many levels" \
	-p "$VICTIM_PID" -o "$SCRATCH/link.msnap"
assert_eq "$(sha256sum <"$target")" "$sum" "symlink target content"
[ -L "$SCRATCH/link.msnap" ] || fail "the symlink was replaced"
# A dangling symlink must not be followed to create its target either.
rm -f "$target"
refuse "output is a dangling symlink" \
	"symbolic link|symlink|exists|too many levels" \
	-p "$VICTIM_PID" -o "$SCRATCH/link.msnap"
[ ! -e "$target" ] || fail "memsnap created the dangling symlink's target"
assert_running

# A process someone else already traces: refused, naming the tracer.
command -v strace >/dev/null || fail "strace is not installed"
strace -p "$VICTIM_PID" -o /dev/null 2>"$SCRATCH/strace.err" &
spid=$!
track_bg "$spid"
is_traced() { [ "$(tracer_of "$VICTIM_PID")" != 0 ]; }
wait_for is_traced ||
	fail "strace did not attach"
tracer=$(tracer_of "$VICTIM_PID")
refuse "already traced" "trac" -p "$VICTIM_PID" -o "$out"
assert_matches "$SCRATCH/last.err" "$tracer|strace"
[ ! -e "$out" ] || fail "output left behind for a traced process"
assert_eq "$(tracer_of "$VICTIM_PID")" "$tracer" "tracer after the refusal"
kill -INT "$spid"
wait "$spid"
assert_running

# Usage errors.
refuse "no pid" "usage|-p|pid" -o "$out"
refuse "no output" "usage|-o|output" -p "$VICTIM_PID"
refuse "bad pid" "pid|invalid|usage" -p notapid -o "$out"
refuse "bad level" "level|invalid|usage" -p "$VICTIM_PID" -o "$out" --level nope
refuse "unknown option" "unknown|unrecognized|usage|invalid" \
	-p "$VICTIM_PID" -o "$out" --no-such-option
[ ! -e "$out" ] || fail "output left behind after a usage error"

# --help and --version succeed.
assert_exit 0 "$MEMSNAP" --help
assert_contains "$SCRATCH/last.out" "usage"
assert_exit 0 "$MEMSNAP" --version
assert_contains "$SCRATCH/last.out" "$(sed -n 's/^VERSION *:= *//p' "$ROOT/Makefile")"
assert_running
