#!/bin/bash
# check finds a GOT slot redirected to the victim's own function.
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace

start_victim "$SAMPLES/got_overwrite"
slot=$(victim_value got_slot)
target=$(victim_value hook_target)
assert_eq "$(victim_value hook_result)" 4343 "the GOT hook is live"
snap=$SCRATCH/got.msnap
capture "$snap"

assert_exit 1 "$ANALYZE" check --format json "$snap"
report=$SCRATCH/report.json
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find got_hook severity=high "address=$slot" \
	'module$/got_overwrite' symbol=getppid "target_address=$target" \
	'target~:fake_getppid+0x0' || fail "no GOT hook on getppid"
# Its code is intact: the hook is in data only.
$EXPECT "$report" none inline_hook || fail "unexpected inline hook"
$EXPECT "$report" none code_patch || fail "unexpected code patch"
