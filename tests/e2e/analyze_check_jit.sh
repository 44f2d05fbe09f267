#!/bin/bash
# A real JIT runtime (LuaJIT, after compiling a hot loop) keeps machine
# code in anonymous executable memory.  check recognises it from evidence
# (a verified module defining luaJIT_setmode, the code area within jump
# range of the VM): jit_code at info, nothing above info, exit 0 under the
# default --fail-on.  The executable's name proves nothing: shellcode_rwx
# copied to a file named node, java or luajit stays high.
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
assert_exit 0 "$ANALYZE" check --format json "$snap"
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find jit_code severity=info 'evidence~LuaJIT' \
	'evidence~jump range' || fail "the JIT's code is not reported as jit_code"
$EXPECT "$report" none anon_exec || fail "LuaJIT's code reported as anon_exec"
$EXPECT "$report" max info || fail "a JIT runtime's code above info"
log "JIT code of luajit reported at info"

# The same shellcode under the names of JIT runtimes: still high.
for name in node java luajit; do
	mkdir -p "$SCRATCH/$name.d"
	cp "$SAMPLES/shellcode_rwx" "$SCRATCH/$name.d/$name"
	start_victim "$SCRATCH/$name.d/$name"
	snap=$SCRATCH/fake-$name.msnap
	capture "$snap"
	assert_exit 1 "$ANALYZE" check --format json "$snap"
	cp "$SCRATCH/last.out" "$report"
	$EXPECT "$report" find anon_exec severity=high ||
		fail "shellcode in a program named $name is not high"
	$EXPECT "$report" find thread_in_anon severity=high ||
		fail "a thread in shellcode of a program named $name is not high"
	$EXPECT "$report" none jit_code ||
		fail "a program named $name taken for a JIT runtime"
	log "a program named $name: its shellcode stays high"
done

# Shellcode beside real JIT code stays high: python3 holding a ctypes
# callback (a libffi closure, recognised) and a page of shellcode it
# mapped rwx itself (no trampoline into libffi: not recognised).
start_victim python3 -c '
import ctypes, mmap, time
CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)
callback = CB(lambda x: x + 1)
m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
m.write(bytes.fromhex("4831c048ffc0b83c0000000f05cc"))  # exit(0) shellcode
addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
print("callback=%d" % callback(41))
print("shellcode_addr=0x%x" % addr)
print("ready", flush=True)
time.sleep(600)'
assert_eq "$(victim_value callback)" 42 "the ctypes callback"
addr=$(victim_value shellcode_addr)
snap=$SCRATCH/ffi-shellcode.msnap
capture "$snap"
assert_exit 1 "$ANALYZE" check --format json "$snap"
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find anon_exec severity=high "address=$addr" ||
	fail "shellcode beside libffi closures is not high"
$EXPECT "$report" none thread_in_anon || fail "no thread runs the shellcode"
log "python3: shellcode beside a ctypes callback stays high"

# The same in LuaJIT: an rwx page mapped through its FFI, far from the VM.
start_victim luajit -e '
local ffi = require("ffi")
ffi.cdef("void *mmap(void *, size_t, int, int, int, long); int pause(void);")
local p = ffi.C.mmap(nil, 4096, 7, 0x22, -1, 0)
ffi.copy(p, "\72\49\192\72\255\192\184\60\0\0\0\15\5", 13)
local s = 0
for i = 1, 3e6 do s = s + i % 7 end
io.write(string.format("shellcode_addr=0x%x\nready\n", tonumber(ffi.cast("uintptr_t", p))))
io.flush()
while true do ffi.C.pause() end'
addr=$(victim_value shellcode_addr)
snap=$SCRATCH/lj-shellcode.msnap
capture "$snap"
assert_exit 1 "$ANALYZE" check --format json "$snap"
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find anon_exec severity=high "address=$addr" ||
	fail "shellcode mapped by LuaJIT's FFI is not high"
$EXPECT "$report" find jit_code severity=info 'evidence~LuaJIT' ||
	fail "LuaJIT's own code not recognised beside the shellcode"
log "luajit: shellcode mapped through the FFI stays high"
