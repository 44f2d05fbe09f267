#!/bin/bash
# --layout-only records the mappings and threads without any memory: the
# snapshot lists the victim's regions (with its heap buffers inside them)
# and holds no data pages.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/heap_writer"
snap=$SCRATCH/layout.msnap
capture "$snap" --layout-only
assert_running
assert_exit 0 "$ANALYZE" verify "$snap"
info_json "$snap" "$SCRATCH/info.json"
j() { $JSON_GET "$SCRATCH/info.json" "$1"; }
assert_eq "$(j 'doc["capture"]["mode"]')" layout-only "capture.mode"
assert_eq "$(j 'doc["snapshot"]["stored_bytes"]')" 0 "stored bytes"
big=$(victim_value buf3_addr)
assert_eq "$(j "len([r for r in doc['regions'] if int(r['start'], 16) <= $big < int(r['end'], 16)])")" \
	1 "regions holding buffer 3"
# Same region list as /proc/PID/maps (vsyscall aside, which may be listed).
awk '$6 != "[vsyscall]" { split($1, a, "-"); print "0x" a[1], "0x" a[2] }' \
	"/proc/$VICTIM_PID/maps" >"$SCRATCH/maps.want"
j '["%s %s" % (r["start"], r["end"]) for r in doc["regions"]]' |
	grep -v '^0xffffffffff600000 ' >"$SCRATCH/maps.got"
diff -u "$SCRATCH/maps.want" "$SCRATCH/maps.got" ||
	fail "regions differ from /proc/PID/maps"
