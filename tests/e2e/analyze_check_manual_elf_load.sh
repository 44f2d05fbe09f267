#!/bin/bash
# check finds an ELF image loaded by hand into anonymous memory: the ELF
# header no file backs, and its executable segment.
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace

start_victim "$SAMPLES/manual_elf_load"
base=$(victim_value image_base)
code=$(victim_value image_code)
snap=$SCRATCH/elf.msnap
capture "$snap"
assert_exit 1 "$ANALYZE" check --format json "$snap"
report=$SCRATCH/report.json
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find elf_in_anon severity=high "address=$base" \
	'evidence~machine 62' || fail "no elf_in_anon finding at the image base"
$EXPECT "$report" find anon_exec severity=high "address=$code" \
	"target^anon $code-" || fail "no anon_exec finding for the image's code"
