#!/bin/bash
# Export an ELF core from a snapshot and load it in gdb with the victim's
# executable: the global's value, the thread count and a backtrace that
# reaches main must be what the live process had.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace
command -v gdb >/dev/null 2>&1 || skip "gdb is not installed"

# gdb_core EXE CORE CMDS...: run gdb in batch mode on EXE + CORE.
gdb_core() {
	local exe=$1 core=$2 args=() c
	shift 2
	for c in "$@"; do
		args+=(-ex "$c")
	done
	gdb -nx -batch -ex 'set pagination off' "${args[@]}" "$exe" "$core" \
		>"$SCRATCH/gdb.out" 2>&1
}

# --- heap_writer: memory, registers, backtrace -------------------------
start_victim "$SAMPLES/heap_writer"
snap=$SCRATCH/heap.msnap
core=$SCRATCH/heap.core
capture "$snap"
assert_exit 0 "$ANALYZE" export-core "$snap" -o "$core"

# The core is a fresh private file, and an existing file is never replaced.
assert_eq "$(stat -c %a "$core")" 600 "core file mode"
assert_exit 2 "$ANALYZE" export-core "$snap" -o "$core"
assert_contains "$SCRATCH/last.err" "already exists"
assert_exit 2 "$ANALYZE" export-core "$snap" -o -
assert_exit 2 "$ANALYZE" export-core "$snap"

marker=$(victim_value global_marker)
marker_addr=$(victim_value global_marker_addr)
gdb_core "$SAMPLES/heap_writer" "$core" \
	'info threads' 'bt' 'print/x global_marker' "x/gx $marker_addr"
out=$SCRATCH/gdb.out
grep -q "is not a core dump\|not in executable format" "$out" &&
	fail "gdb does not take the core: $(head -n 5 "$out")"
grep -q "Cannot access memory" "$out" &&
	fail "gdb cannot read the core's memory: $(grep -m1 'Cannot access' "$out")"
assert_eq "$(grep -Ec '^[* ] +[0-9]+ +(Thread 0x[0-9a-f]+ \()?LWP [0-9]+' "$out")" \
	1 "threads gdb sees"
grep -q "LWP $VICTIM_PID" "$out" || fail "main thread is not LWP $VICTIM_PID"
grep -Eq '^#[0-9]+ .* main \(' "$out" ||
	fail "backtrace does not reach main: $(grep '^#' "$out" | head -n 5)"
assert_eq "$(sed -n 's/^\$1 = //p' "$out")" "$marker" \
	"global_marker printed by symbol"
grep -Eq "^$marker_addr <global_marker>:[[:space:]]+$marker\$" "$out" ||
	fail "x/gx $marker_addr does not show $marker: $(grep -m1 "^$marker_addr" "$out")"

# --- many_threads: every thread, the main one first ----------------------
start_victim "$SAMPLES/many_threads" 6
nthreads=$(victim_value threads)
snap=$SCRATCH/threads.msnap
core=$SCRATCH/threads.core
capture "$snap"
assert_exit 0 "$ANALYZE" export-core "$snap" -o "$core"
gdb_core "$SAMPLES/many_threads" "$core" 'info threads' 'thread 1' 'bt'
out=$SCRATCH/gdb.out
assert_eq "$(grep -Ec '^[* ] +[0-9]+ +(Thread 0x[0-9a-f]+ \()?LWP [0-9]+' "$out")" \
	"$nthreads" "threads gdb sees"
grep -Eq "^\* +1 +(Thread 0x[0-9a-f]+ \()?LWP $VICTIM_PID[ )]" "$out" ||
	fail "gdb's thread 1 is not the main thread $VICTIM_PID: $(grep -m2 LWP "$out")"
grep -Eq '^#[0-9]+ .* main \(' "$out" ||
	fail "main thread's backtrace does not reach main: $(grep '^#' "$out" | head -n 5)"
log "gdb loads the exported cores"
