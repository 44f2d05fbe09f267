#!/bin/bash
# A library injected into python3 by gdb (call dlopen, then detach): the
# program imports dlopen, so "outside the DT_NEEDED closure" alone proves
# nothing; but the debugger's residue (code pages of ld.so, libc or the
# program written at run time: breakpoints inserted and removed) raises
# the library to a high injected_library that says why.  A clean python3
# that loaded its own extension modules stays info (analyze_check_clean).
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace
command -v gdb >/dev/null || fail "gdb is missing (scripts/deps.sh installs it)"
scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
if [ "$scope" != 0 ] && [ "$(id -u)" != 0 ]; then
	skip "Yama ptrace_scope=$scope: gdb cannot attach to a sibling"
fi

cat >"$SCRATCH/inj.c" <<'C'
#include <stdio.h>
__attribute__((constructor)) static void hello(void)
{
	fputs("injected\n", stderr);
}
int memsnap_injected_marker(int x)
{
	return x * 3;
}
C
lib=$SCRATCH/libinj.so
cc -shared -fPIC -O1 -o "$lib" "$SCRATCH/inj.c" || fail "cannot build the library"
# the interpreter itself, not a wrapper script (pyenv's shims are bash)
py=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')
start_victim "$py" -c 'import time; print("ready", flush=True); time.sleep(600)'
timeout 60 gdb -p "$VICTIM_PID" -batch -nx \
	-ex "call (void *) dlopen(\"$lib\", 2)" -ex detach \
	>"$SCRATCH/gdb.out" 2>&1 || { cat "$SCRATCH/gdb.out"; fail "gdb failed"; }
grep -q "^\\\$1 = (void \\*) 0x" "$SCRATCH/gdb.out" ||
	{ cat "$SCRATCH/gdb.out"; fail "dlopen through gdb returned no handle"; }
grep -q "^injected" "$SCRATCH/victim0.err" || fail "the constructor did not run"
assert_running
snap=$SCRATCH/gdb.msnap
capture "$snap"

assert_exit 1 "$ANALYZE" check --format json "$snap"
report=$SCRATCH/report.json
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find injected_library severity=high 'module$/libinj.so' \
	'evidence~imports dlopen, but' 'evidence~written at run time' ||
	fail "the gdb-injected library is not high, with the residue named"
n=$($JSON_GET "$report" "len([f for f in doc['findings'] if f['type'] == 'injected_library'])")
assert_eq "$n" 1 "injected_library findings (only the injected one)"
log "gdb-injected library: high, raised by the debugger's residue"
