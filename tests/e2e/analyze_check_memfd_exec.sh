#!/bin/bash
# check finds code executed from a memfd, and says it has no reference
# (never "patched").
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace

start_victim "$SAMPLES/memfd_exec"
code=$(victim_value memfd_code)
assert_eq "$(victim_value memfd_result)" 42 "the memfd code ran"
snap=$SCRATCH/memfd.msnap
capture "$snap"
assert_exit 1 "$ANALYZE" check --format json "$snap"
report=$SCRATCH/report.json
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find memfd_exec severity=high "address=$code" \
	'module^/memfd:payload' || fail "no memfd_exec finding"
$EXPECT "$report" find reference_unavailable severity=info \
	'module^/memfd:payload' || fail "memfd module should have no reference"
$EXPECT "$report" none code_patch || fail "memfd code reported as patched"
$EXPECT "$report" none injected_library || fail "memfd reported twice"
