#!/bin/bash
# check finds an inline hook in libc (movabs+jmp over getppid) and names
# the function hit and the victim's function it jumps to; --fail-on, the
# allowlist and SARIF work on that finding.
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace

start_victim "$SAMPLES/hook_inline"
hooked=$(victim_value hooked_addr)
target=$(victim_value hook_target)
assert_eq "$(victim_value hook_result)" 4242 "the hook is live"
snap=$SCRATCH/hook.msnap
capture "$snap"

assert_exit 1 "$ANALYZE" check --format json "$snap"
report=$SCRATCH/report.json
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find inline_hook severity=high "address=$hooked" \
	'module$/libc.so.6' 'symbol=getppid+0x0' "target_address=$target" \
	'target^hook_inline+0x' 'target~:hook_getppid+0x0' \
	'evidence~movabs + jmp reg' || fail "no inline hook on getppid"
# Only the hook: no other code of the process differs from its file.
$EXPECT "$report" none code_patch || fail "unexpected code patches"

# Text: the verdict, the hexdump and both disassemblies.
assert_exit 1 "$ANALYZE" check "$snap"
assert_matches "$SCRATCH/last.out" '^verdict: compromised'
assert_contains "$SCRATCH/last.out" "movabs rax, $target"
assert_contains "$SCRATCH/last.out" "- file:"

# --fail-on: a high finding fails every level.
assert_exit 1 "$ANALYZE" check --fail-on high "$snap"

# The allowlist suppresses by stable id; JSON keeps it, marked.
id=$($JSON_GET "$report" \
	"[f['id'] for f in doc['findings'] if f['type'] == 'inline_hook'][0]")
case $id in *:inline_hook) ;; *) fail "odd finding id '$id'" ;; esac
printf '# reviewed\n%s\n' "$id" >"$SCRATCH/allow"
assert_exit 0 "$ANALYZE" check --allowlist "$SCRATCH/allow" --format json "$snap"
assert_eq "$($JSON_GET "$SCRATCH/last.out" \
	"[f['suppressed'] for f in doc['findings'] if f['id'] == '$id'][0]")" \
	true "suppressed flag"
# The id is stable: a second capture of the same process gives it again.
capture "$SCRATCH/again.msnap"
assert_exit 0 "$ANALYZE" check --allowlist "$SCRATCH/allow" "$SCRATCH/again.msnap"

# SARIF 2.1.0 for dashboards.
assert_exit 1 "$ANALYZE" check --format sarif "$snap"
assert_eq "$($JSON_GET "$SCRATCH/last.out" "doc['version']")" 2.1.0 "SARIF version"
assert_eq "$($JSON_GET "$SCRATCH/last.out" \
	"[r['level'] for r in doc['runs'][0]['results'] if r['ruleId'] == 'inline_hook'][0]")" \
	error "SARIF level of the hook"

# Errors are exit 2.
assert_exit 2 "$ANALYZE" check --fail-on nonsense "$snap"
assert_exit 2 "$ANALYZE" check "$SCRATCH/missing.msnap"
log "inline hook found at $hooked -> $target"
