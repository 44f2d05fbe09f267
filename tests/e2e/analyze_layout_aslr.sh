#!/bin/bash
# Two runs of the same sample under ASLR have the same layout: `diff
# --layout` is empty (exit 0), snapshot against snapshot, against a YAML
# baseline and against a --layout-only capture.  A third run with an extra
# library preloaded is reported as a new module (exit 1), unless the
# baseline accepts it.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

[ "$(cat /proc/sys/kernel/randomize_va_space)" != 0 ] ||
	log "note: ASLR is off on this host; the runs share their bases"

start_victim "$SAMPLES/heap_writer"
capture "$SCRATCH/run1.msnap"
base1=$(victim_value global_marker_addr)
start_victim "$SAMPLES/heap_writer"
capture "$SCRATCH/run2.msnap"
capture "$SCRATCH/run2-layout.msnap" --layout-only

assert_exit 0 "$ANALYZE" diff --layout "$SCRATCH/run1.msnap" "$SCRATCH/run2.msnap"
assert_contains "$SCRATCH/last.out" "layout: 0 findings"
# Content diff: every region matched, none added or removed.
assert_exit 1 "$ANALYZE" diff --stat --format json "$SCRATCH/run1.msnap" "$SCRATCH/run2.msnap"
assert_eq "$($JSON_GET "$SCRATCH/last.out" 'doc["summary"]["regions_added"]')" 0 "regions added"
assert_eq "$($JSON_GET "$SCRATCH/last.out" 'doc["summary"]["regions_removed"]')" 0 "regions removed"

assert_exit 0 "$ANALYZE" layout -o "$SCRATCH/base.yaml" "$SCRATCH/run1.msnap"
assert_contains "$SCRATCH/base.yaml" "memsnap_layout:"
assert_contains "$SCRATCH/base.yaml" "samples/heap_writer"
assert_exit 0 "$ANALYZE" diff --layout "$SCRATCH/base.yaml" "$SCRATCH/run2.msnap"
assert_exit 0 "$ANALYZE" diff --layout "$SCRATCH/base.yaml" "$SCRATCH/run2-layout.msnap"
assert_exit 0 "$ANALYZE" diff --layout --format json "$SCRATCH/run2-layout.msnap" "$SCRATCH/base.yaml"
assert_eq "$($JSON_GET "$SCRATCH/last.out" 'doc["summary"]["findings"]')" 0 "findings"

# An extra library: a new module, exit 1.
cat >"$SCRATCH/libextra.c" <<'C'
int memsnap_extra_marker(void);
int memsnap_extra_marker(void) { return 42; }
C
cc -shared -fPIC -o "$SCRATCH/libextra.so" "$SCRATCH/libextra.c" ||
	fail "cannot build libextra.so"
LD_PRELOAD=$SCRATCH/libextra.so start_victim "$SAMPLES/heap_writer"
grep -q libextra.so "/proc/$VICTIM_PID/maps" || fail "libextra.so is not mapped"
capture "$SCRATCH/run3.msnap"
assert_exit 1 "$ANALYZE" diff --layout "$SCRATCH/base.yaml" "$SCRATCH/run3.msnap"
assert_matches "$SCRATCH/last.out" '^new-module +.*/libextra\.so .*FAIL'
assert_exit 1 "$ANALYZE" diff --layout --format json "$SCRATCH/run1.msnap" "$SCRATCH/run3.msnap"
assert_eq "$($JSON_GET "$SCRATCH/last.out" '[f["rule"] for f in doc["findings"] if f["fails"]]')" \
	new-module "failing rules"
# Not selected by --fail-on: reported, exit 0.
assert_exit 0 "$ANALYZE" diff --layout --fail-on rwx,anon-exec "$SCRATCH/base.yaml" "$SCRATCH/run3.msnap"
assert_contains "$SCRATCH/last.out" "libextra.so"
# Accepted by the baseline: exit 0.
sed -i 's|^accept: \[\]$|accept:\n- {rule: new-module, subject: "*/libextra.so"}|' "$SCRATCH/base.yaml"
assert_exit 0 "$ANALYZE" diff --layout "$SCRATCH/base.yaml" "$SCRATCH/run3.msnap"
assert_contains "$SCRATCH/last.out" "(accepted)"
# Garbage as a baseline: exit 2.
echo "not: a baseline" >"$SCRATCH/bad.yaml"
assert_exit 2 "$ANALYZE" diff --layout "$SCRATCH/bad.yaml" "$SCRATCH/run3.msnap"
assert_exit 2 "$ANALYZE" diff --layout --fail-on bogus "$SCRATCH/base.yaml" "$SCRATCH/run3.msnap"
log "layout diff: empty across ASLR runs, new module found (first base $base1)"
