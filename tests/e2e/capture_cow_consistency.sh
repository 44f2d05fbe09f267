#!/bin/bash
# --cow is one instant: page_stamper's writer thread stamps pages as fast as
# it can during the whole capture, which reads them from the fork child
# after the thaw; every page holds exactly the step the captured counter
# implies (tests/e2e/stamp_check.py), and the stable buffer is exact.  To a
# file and to a pipe.  The snapshot is a format 1.0 file (no pre-copy),
# with capture.mode and capture.method cow.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

. "$(dirname "$0")/lib_stamps.sh"

start_victim "$SAMPLES/page_stamper" 16384 0
for opt in --cow "--method cow"; do
	snap=$SCRATCH/cow.msnap
	rm -f "$snap"
	# shellcheck disable=SC2086
	capture "$snap" $opt
	assert_exit 0 "$ANALYZE" verify "$snap"
	one_instant "$snap" || fail "$opt: the snapshot is not one instant"
	stable_exact "$snap"
	info_json "$snap" "$SCRATCH/info.json"
	assert_eq "$($JSON_GET "$SCRATCH/info.json" 'doc["capture"]["method"]')" cow "capture.method"
	assert_eq "$($JSON_GET "$SCRATCH/info.json" 'doc["capture"]["mode"]')" cow "capture.mode"
	assert_eq "$($JSON_GET "$SCRATCH/info.json" 'doc["snapshot"]["format_version"]')" 1.0 \
		"format version (no pre-copy)"
	log "$opt: one instant"
done
assert_running

snap=$SCRATCH/piped.msnap
"$MEMSNAP" -q --cow -p "$VICTIM_PID" -o - >"$snap" 2>"$SCRATCH/piped.err" ||
	fail "--cow to a pipe failed: $(cat "$SCRATCH/piped.err")"
assert_exit 0 "$ANALYZE" verify "$snap"
one_instant "$snap" || fail "--cow to a pipe: the snapshot is not one instant"
stable_exact "$snap"
log "--cow to a pipe: one instant"
assert_running
