#!/bin/bash
# A hook that is written and then removed again (hook_inline --unhook)
# leaves libc's bytes equal to the file: only the page tables still know
# the page was written.  The capture lists that page in the region's
# private_copies (info shows the count), and check reports
# exec_page_written on exactly that page of libc, at low severity, with no
# patch; a process that wrote no code has no such finding.
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace

start_victim "$SAMPLES/hook_inline" --unhook
hooked=$(victim_value hooked_addr)
[ "$(victim_value unhook_result)" != 4242 ] || fail "the hook is still live"
page=$(printf '0x%x' $((hooked & ~4095)))
snap=$SCRATCH/unhooked.msnap
capture "$snap"

# info counts the written page in the libc code region that holds it.
info_json "$snap" "$SCRATCH/info.json"
written=$($JSON_GET "$SCRATCH/info.json" "
sum(r['written'] for r in doc['regions']
    if r['path'].endswith('/libc.so.6') and 'x' in r['perms']
    and int(r['start'], 16) <= $page < int(r['end'], 16))")
assert_eq "$written" 1 "written pages of libc code around $page"

# A low finding fails the default --fail-on (low), not --fail-on medium.
assert_exit 1 "$ANALYZE" check --format json "$snap"
report=$SCRATCH/report.json
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find exec_page_written severity=low "address=$page" \
	size=4096 'module$/libc.so.6' 'evidence~match the file' ||
	fail "no exec_page_written on $page"
$EXPECT "$report" none inline_hook || fail "an inline hook after unhooking?"
$EXPECT "$report" none code_patch || fail "a code patch after unhooking?"
assert_exit 0 "$ANALYZE" check --fail-on medium "$snap"

# The same program without the hook writes no code page.
start_victim "$SAMPLES/heap_writer"
capture "$SCRATCH/clean.msnap"
"$ANALYZE" check --format json "$SCRATCH/clean.msnap" >"$SCRATCH/last.out" ||
	log "check of the clean process exited $?"
$EXPECT "$SCRATCH/last.out" none exec_page_written ||
	fail "exec_page_written in a process that wrote no code"
log "written code page $page found after the hook was removed"
