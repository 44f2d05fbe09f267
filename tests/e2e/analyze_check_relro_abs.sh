#!/bin/bash
# A pointer to a libc function in a library's .data.rel.ro (an
# R_X86_64_64 relocation, read-only once relocated) redirected to the
# program's own code is relro_modified, naming the symbol it should hold;
# the untouched slot beside it (puts) is not reported.  A byte changed in
# the library's ELF header in memory is rodata_patch, at its file offset.
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace

lib=$SCRATCH/librelro_table.so
victim=$SCRATCH/relro_table_victim
cc -x c -shared -fPIC -O1 -o "$lib" "$SAMPLES/relro_table_lib.c.in" ||
	fail "cannot build the library"
cc -x c -O1 -o "$victim" "$SAMPLES/relro_table_victim.c.in" \
	-L"$SCRATCH" -lrelro_table -Wl,-rpath,"$SCRATCH" ||
	fail "cannot build the victim"
start_victim "$victim"
slot=$(victim_value slot_addr)
target=$(victim_value hook_target)
snap=$SCRATCH/relro.msnap
capture "$snap"

assert_exit 1 "$ANALYZE" check --format json "$snap"
report=$SCRATCH/report.json
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find relro_modified severity=high "address=$slot" \
	'module$/librelro_table.so' symbol=getpid "target_address=$target" \
	'target^relro_table_victim+0x' 'evidence~not getpid+0' ||
	fail "the redirected RELRO pointer is not reported"
n=$($JSON_GET "$report" \
	"len([f for f in doc['findings'] if f['type'] == 'relro_modified'])")
assert_eq "$n" 1 "relro_modified findings (puts beside it is intact)"
pad=$(victim_value header_byte_addr)
$EXPECT "$report" find rodata_patch severity=medium "address=$pad" size=1 \
	'module$/librelro_table.so' 'evidence~file offset 0x9)' ||
	fail "the changed ELF header byte is not reported"
log "RELRO pointer $slot -> $target found"
