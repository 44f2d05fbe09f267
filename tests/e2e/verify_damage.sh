#!/bin/bash
# memsnap-analyze verify on real captures: intact is 0; a flipped byte in a
# data chunk, or a file cut short, is 1 (damaged / cut); a file that is not
# a snapshot, or none at all, is 2.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/heap_writer"
snap=$SCRATCH/good.msnap
capture "$snap"
assert_exit 0 "$ANALYZE" verify "$snap"
size=$(stat -c %s "$snap")
[ "$size" -gt 65536 ] || fail "snapshot of heap_writer is only $size bytes"

# flip FILE OFFSET: invert one byte in place.
flip() {
	python3 - "$1" "$2" <<'PY'
import sys
path, off = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(off)
    b = f.read(1)
    f.seek(off)
    f.write(bytes([b[0] ^ 0xff]))
PY
}

# One flipped byte, at several places: the middle (a data chunk) and a
# quarter in.
for at in $((size / 2)) $((size / 4)); do
	cp "$snap" "$SCRATCH/flip.msnap"
	flip "$SCRATCH/flip.msnap" "$at"
	assert_exit 1 "$ANALYZE" verify "$SCRATCH/flip.msnap"
	log "flipped byte at $at: $(head -n 1 "$SCRATCH/last.out" "$SCRATCH/last.err" | tr '\n' ' ')"
done

# Cut short: at the half, and just before the trailer.
for len in $((size / 2)) $((size - 7)); do
	head -c "$len" "$snap" >"$SCRATCH/cut.msnap"
	assert_exit 1 "$ANALYZE" verify "$SCRATCH/cut.msnap"
done

# Not a snapshot at all, empty, missing.
head -c 100000 /dev/urandom >"$SCRATCH/noise.msnap"
assert_exit 2 "$ANALYZE" verify "$SCRATCH/noise.msnap"
: >"$SCRATCH/empty.msnap"
assert_exit 2 "$ANALYZE" verify "$SCRATCH/empty.msnap"
assert_exit 2 "$ANALYZE" verify "$SCRATCH/missing.msnap"

# The original is still intact.
assert_exit 0 "$ANALYZE" verify "$snap"

# A file of a newer major format version is refused as such (exit 2), not
# as damage: the header's Major field (payload offset 4) set to 3.
cp "$snap" "$SCRATCH/newer.msnap"
printf '\003' | dd of="$SCRATCH/newer.msnap" bs=1 seek=12 conv=notrunc status=none
assert_exit 2 "$ANALYZE" verify "$SCRATCH/newer.msnap"
assert_contains "$SCRATCH/last.err" "format version 3"
assert_exit 2 "$ANALYZE" info "$SCRATCH/newer.msnap"
