#!/bin/bash
# Capture heap_writer, mutate it (SIGUSR1), capture again: the second
# snapshot holds the overwritten ranges and the new marker, the first one
# still the original pattern; the bytes around each range are untouched.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/heap_writer"
capture "$SCRATCH/before.msnap"
assert_running
victim_signal USR1 mutation_count
wait_for grep -qx mutated "$VICTIM_OUT" || fail "victim did not mutate"
capture "$SCRATCH/after.msnap"
assert_running

addr=$(victim_value buf1_addr)
size=$(victim_value buf1_size)
seed=$(victim_value buf1_seed)
byte=$(victim_value mutation_byte)
$PATTERN gen "$seed" 0 "$size" >"$SCRATCH/before.want"

# Expected after: the pattern with each documented range set to the byte.
cp "$SCRATCH/before.want" "$SCRATCH/after.want"
for ((m = 0; m < $(victim_value mutation_count); m++)); do
	off=$(victim_value "mutation${m}_offset")
	len=$(victim_value "mutation${m}_len")
	assert_eq "$(victim_value "mutation${m}_addr")" \
		"$(printf '0x%x' $((addr + off)))" "mutation $m address"
	python3 - "$SCRATCH/after.want" "$off" "$len" "$byte" <<'PY'
import sys
path, off, n, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4], 0)
with open(path, "r+b") as f:
    f.seek(off)
    f.write(bytes([b]) * n)
PY
done

extract "$SCRATCH/before.msnap" "$addr" "$size" "$SCRATCH/before.got"
extract "$SCRATCH/after.msnap" "$addr" "$size" "$SCRATCH/after.got"
assert_same_bytes "$SCRATCH/before.got" "$SCRATCH/before.want" \
	"buffer 1 before the mutation"
assert_same_bytes "$SCRATCH/after.got" "$SCRATCH/after.want" \
	"buffer 1 after the mutation"

addr=$(victim_value global_marker_addr)
extract "$SCRATCH/after.msnap" "$addr" 8 "$SCRATCH/marker.got"
got=$(python3 -c 'import sys; print("0x%016x" % int.from_bytes(
	open(sys.argv[1], "rb").read(), "little"))' "$SCRATCH/marker.got")
assert_eq "$got" "$(victim_value global_marker)" "global_marker after"
