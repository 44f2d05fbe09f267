#!/bin/bash
# check finds shellcode in anonymous RWX memory and the thread running it.
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace

start_victim "$SAMPLES/shellcode_rwx"
addr=$(victim_value shellcode_addr)
snap=$SCRATCH/rwx.msnap
capture "$snap"
assert_exit 1 "$ANALYZE" check --format json "$snap"
report=$SCRATCH/report.json
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find anon_exec severity=high "address=$addr" \
	'evidence~writable (rwx)' "target^anon $addr-" ||
	fail "no anon_exec finding for the RWX page"
$EXPECT "$report" find thread_in_anon severity=high \
	"target~anon $addr-" 'evidence~shellcode_rwx' ||
	fail "no thread_in_anon finding"
# Nothing wrong with the modules themselves.
$EXPECT "$report" none inline_hook || fail "unexpected inline hook"
$EXPECT "$report" none got_hook || fail "unexpected GOT hook"
