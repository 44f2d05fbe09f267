#!/bin/bash
# Capture heap_writer; every buffer, the global and the string must be in
# the snapshot at the addresses the victim announced, byte for byte; the
# snapshot verifies and the victim keeps running.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/heap_writer"
snap=$SCRATCH/heap.msnap
capture "$snap"
assert_running
assert_exit 0 "$ANALYZE" verify "$snap"

n=$(victim_value buffers)
for ((k = 0; k < n; k++)); do
	addr=$(victim_value "buf${k}_addr")
	size=$(victim_value "buf${k}_size")
	seed=$(victim_value "buf${k}_seed")
	extract "$snap" "$addr" "$size" "$SCRATCH/buf$k.got"
	$PATTERN gen "$seed" 0 "$size" >"$SCRATCH/buf$k.want"
	assert_same_bytes "$SCRATCH/buf$k.got" "$SCRATCH/buf$k.want" \
		"buffer $k ($size bytes at $addr)"
	log "buffer $k: $size bytes at $addr match"
done

# The global, little-endian, as printed.
addr=$(victim_value global_marker_addr)
extract "$snap" "$addr" 8 "$SCRATCH/marker.got"
got=$(python3 -c 'import sys; print("0x%016x" % int.from_bytes(
	open(sys.argv[1], "rb").read(), "little"))' "$SCRATCH/marker.got")
assert_eq "$got" "$(victim_value global_marker)" "global_marker"

addr=$(victim_value string_addr)
len=$(victim_value string_len)
extract "$snap" "$addr" "$len" "$SCRATCH/string.got"
assert_eq "$(cat "$SCRATCH/string.got")" "$(victim_value string)" "string"

# The snapshot says whose it is.
info_json "$snap" "$SCRATCH/info.json"
assert_eq "$($JSON_GET "$SCRATCH/info.json" 'doc["process"]["pid"]')" \
	"$VICTIM_PID" "process.pid"
assert_eq "$($JSON_GET "$SCRATCH/info.json" 'doc["process"]["comm"]')" \
	heap_writer "process.comm"
assert_eq "$($JSON_GET "$SCRATCH/info.json" 'doc["capture"]["mode"]')" \
	frozen "capture.mode"
assert_running

# The vDSO is captured whole, even pages the victim never touched: a core
# with a half-zero vDSO sends gdb's unwinder into a loop.
vdso=$(awk '$6 == "[vdso]" { print $1 }' "/proc/$VICTIM_PID/maps")
vstart=$((16#${vdso%-*}))
vend=$((16#${vdso#*-}))
extract "$snap" "$(printf '0x%x' "$vstart")" $((vend - vstart)) "$SCRATCH/vdso.got"
python3 -c 'import sys
f = open("/proc/%s/mem" % sys.argv[1], "rb")
f.seek(int(sys.argv[2]))
sys.stdout.buffer.write(f.read(int(sys.argv[3])))' \
	"$VICTIM_PID" "$vstart" $((vend - vstart)) >"$SCRATCH/vdso.want"
assert_same_bytes "$SCRATCH/vdso.got" "$SCRATCH/vdso.want" "the vDSO"
assert_running
