#!/bin/bash
# A GOT slot bound to a library that no symbol lookup could have chosen:
# the victim dlopens a readdir-hiding library with RTLD_LOCAL and points
# its readdir64 slot at that library's definition.  The slot holds "a
# definition of readdir64 in a loaded module", which the loader check
# alone accepts; but libc defines readdir64 first in the global scope.
# check: got_hook, high, naming the earlier definer; and the library a
# dlopen could explain is raised by the hook into it.
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace

lib=$SCRATCH/librkit.so
cc -shared -fPIC -O1 -o "$lib" "$E2E/readdir_hider.c" ||
	fail "cannot build the readdir-hiding library"
start_victim "$SAMPLES/got_rebind" "$lib" readdir64
slot=$(victim_value got_slot)
target=$(victim_value hook_target)
snap=$SCRATCH/rebind.msnap
capture "$snap"

assert_exit 1 "$ANALYZE" check --format json "$snap"
report=$SCRATCH/report.json
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find got_hook severity=high "address=$slot" \
	symbol=readdir64 "target_address=$target" 'target^librkit.so+' \
	'evidence~libc.so.6 defines readdir64' ||
	fail "the rebound readdir64 slot is not a high got_hook"
$EXPECT "$report" find injected_library severity=high 'module$/librkit.so' \
	'evidence~target of a got_hook' ||
	fail "the library the slot leads to is not raised"
# Text output: the finding and no address for process-level ones.
assert_exit 1 "$ANALYZE" check "$snap"
assert_matches "$SCRATCH/last.out" '^  \[high\] got_hook at 0x'
if grep -q ' at 0x0 ' "$SCRATCH/last.out"; then
	fail "a finding printed at 0x0"
fi
log "rebound GOT slot: high got_hook, library raised"
