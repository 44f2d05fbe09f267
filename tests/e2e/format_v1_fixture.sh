#!/bin/bash
# Snapshots written before format 2.0 still read: a 1.0 capture of
# heap_writer (tests/fixtures, with what the victim printed) verifies, its
# SHA-256 is the one recorded, every buffer extracts byte for byte, info
# and diff read it, and export-core writes a core of it.
. "$(dirname "$0")/lib.sh"
require_tools

fx=$ROOT/tests/fixtures
snap=$fx/v1.0-heap_writer.msnap
out=$fx/v1.0-heap_writer.victim

assert_exit 0 "$ANALYZE" verify "$snap"
assert_contains "$SCRATCH/last.out" \
	"5150d7fd1034d9dc1454e5010adf16b22e33a6224c3e5998afb3807618dd3b5c"
info_json "$snap" "$SCRATCH/info.json"
assert_eq "$($JSON_GET "$SCRATCH/info.json" 'doc["snapshot"]["format_version"]')" \
	1.0 "format_version"
assert_eq "$($JSON_GET "$SCRATCH/info.json" 'doc["process"]["comm"]')" \
	heap_writer "process.comm"

for k in 0 1 2 3; do
	addr=$(victim_value "buf${k}_addr" "$out")
	size=$(victim_value "buf${k}_size" "$out")
	seed=$(victim_value "buf${k}_seed" "$out")
	extract "$snap" "$addr" "$size" "$SCRATCH/buf$k.got"
	$PATTERN gen "$seed" 0 "$size" >"$SCRATCH/buf$k.want"
	assert_same_bytes "$SCRATCH/buf$k.got" "$SCRATCH/buf$k.want" "buffer $k"
done

assert_exit 0 "$ANALYZE" diff "$snap" "$snap"
assert_exit 0 "$ANALYZE" export-core "$snap" -o "$SCRATCH/core"
[ -s "$SCRATCH/core" ] || fail "export-core wrote nothing"
log "a 1.0 snapshot verifies, extracts, diffs and exports"
