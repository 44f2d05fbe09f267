#!/bin/bash
# A real JIT runtime (LuaJIT, after compiling a hot loop) keeps machine
# code in anonymous executable memory.  check reports it as anon_exec at
# low severity, saying the process is a JIT runtime, and nothing above
# low: the same memory in an ordinary program is high
# (analyze_check_shellcode_rwx.sh).
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace
command -v luajit >/dev/null || fail "luajit is missing (scripts/deps.sh installs it)"

start_victim luajit -e '
local ffi = require("ffi")
ffi.cdef("int pause(void);")
local s = 0
for i = 1, 3e6 do s = s + i % 7 end  -- hot: compiled to machine code
io.write("sum=", s, "\nready\n")
io.flush()
while true do ffi.C.pause() end'
snap=$SCRATCH/jit.msnap
capture "$snap"
report=$SCRATCH/report.json
"$ANALYZE" check --format json "$snap" >"$report"
rc=$?
$EXPECT "$report" find anon_exec severity=low 'evidence~JIT runtime' ||
	fail "the JIT's code is not reported as anon_exec at low"
$EXPECT "$report" max low || fail "a JIT runtime's code above low"
assert_eq "$rc" 1 "exit status at the default --fail-on low"
assert_exit 0 "$ANALYZE" check --fail-on medium "$snap"
log "JIT code of luajit reported at low"
