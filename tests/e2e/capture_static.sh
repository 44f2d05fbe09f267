#!/bin/bash
# `make static` gives a memsnap with no dynamic dependency (no PT_INTERP,
# no DT_NEEDED) that captures with an empty environment, and what it writes
# verifies and holds the victim's memory.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

static=$ROOT/capture/memsnap-static
[ -x "$static" ] || fail "capture/memsnap-static is not built (make static)"
readelf -lW "$static" | grep -q INTERP && fail "memsnap-static asks for a dynamic loader"
readelf -dW "$static" | grep -q NEEDED && fail "memsnap-static needs shared libraries"

start_victim "$SAMPLES/heap_writer"
snap=$SCRATCH/static.msnap
assert_exit 0 env -i "$static" -p "$VICTIM_PID" -o "$snap"
assert_running
assert_exit 0 "$ANALYZE" verify "$snap"
addr=$(victim_value buf1_addr)
size=$(victim_value buf1_size)
extract "$snap" "$addr" "$size" "$SCRATCH/buf1.got"
$PATTERN gen "$(victim_value buf1_seed)" 0 "$size" >"$SCRATCH/buf1.want"
assert_same_bytes "$SCRATCH/buf1.got" "$SCRATCH/buf1.want" "buffer 1"
