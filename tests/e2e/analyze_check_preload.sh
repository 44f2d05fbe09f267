#!/bin/bash
# An LD_PRELOAD interposer is reported at info, with the GOT slot it took
# (module, symbol, target), and does not fail the default --fail-on.
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace

lib=$SCRATCH/libpreload_hook.so
cc -x c -shared -fPIC -O1 -o "$lib" "$SAMPLES/preload_lib.c.in" ||
	fail "cannot build the interposer"
start_victim env LD_PRELOAD="$lib" "$SAMPLES/preload_victim"
assert_eq "$(victim_value getppid_result)" 5151 "the interposer is live"
snap=$SCRATCH/preload.msnap
capture "$snap"
assert_exit 0 "$ANALYZE" check --format json "$snap"
report=$SCRATCH/report.json
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find ld_preload severity=info "target=$lib" ||
	fail "no ld_preload finding"
$EXPECT "$report" find preload_interposition severity=info \
	'module$/preload_victim' symbol=getppid \
	'target^libpreload_hook.so+0x' 'target~:getppid+0x0' ||
	fail "no preload_interposition finding for getppid"
$EXPECT "$report" max info || fail "a legitimate interposer is not a hook"
# At --fail-on info it counts.
assert_exit 1 "$ANALYZE" check --fail-on info "$snap"

# The same library, no longer the file that was loaded: replaced, never
# "patched".
cp "$lib" "$SCRATCH/orig.so"
printf 'int other(void) { return 1; }\n' >"$SCRATCH/other.c"
cc -shared -fPIC -o "$lib.new" "$SCRATCH/other.c" || fail "cc"
mv "$lib.new" "$lib"
assert_exit 1 "$ANALYZE" check --format json "$snap"
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find replaced severity=low 'module$/libpreload_hook.so' ||
	fail "a rebuilt library should be reported replaced"
$EXPECT "$report" none code_patch || fail "replaced library called patched"
# --ref with the original copy binds it again (by build-id).
assert_exit 0 "$ANALYZE" check --ref "$SCRATCH/orig.so" "$snap"
