#!/bin/bash
# export-core as gcore writes a live process, for gdb: no "Program terminated
# with signal SIGTRAP" (memsnap's own stop is no signal of the process), an
# NT_SIGINFO note ($_siginfo), and the XSAVE block in the layout gdb reads:
# no ".reg-xstate too small", and AVX (ymm) values a victim set come back;
# AVX-512 (k, zmm 0-31) too where the CPU has it.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace
command -v gdb >/dev/null 2>&1 || skip "gdb is not installed"
command -v cc >/dev/null 2>&1 || skip "no C compiler to build the victim"
grep -qw avx /proc/cpuinfo || skip "this CPU has no AVX"
avx512=
if grep -qw avx512f /proc/cpuinfo; then
	avx512=1
else
	log "no avx512f in /proc/cpuinfo: the k and zmm part is skipped"
fi

# The victim loads its vector registers, then says ready and sleeps with
# raw system calls only: no libc code runs that could touch them.
cat >"$SCRATCH/vregs.c" <<'C'
#include <stdint.h>
#include <sys/prctl.h>

static const uint64_t v[8] = {
	0x0123456789abcdef, 0x1122334455667788, 0x99aabbccddeeff00,
	0x0f1e2d3c4b5a6978, 0x0102030405060708, 0x1020304050607080,
	0x0a0b0c0d0e0f0102, 0xa0b0c0d0e0f01020,
};
static const char msg[] = "ready\n";

#define SAY_READY_AND_SLEEP \
	"mov $1, %%eax\n\tmov $1, %%edi\n\tlea %1, %%rsi\n\t" \
	"mov $6, %%edx\n\tsyscall\n" \
	"1:\tmov $34, %%eax\n\tsyscall\n\tjmp 1b"

int main(int argc, char **argv)
{
	(void)argv;
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	if (argc > 1)
		__asm__ volatile("vmovdqu64 (%0), %%zmm20\n\t"
				 "vmovdqu64 (%0), %%zmm7\n\t"
				 "mov $0x5a5a, %%eax\n\tkmovq %%rax, %%k3\n\t"
				 SAY_READY_AND_SLEEP
				 :: "r"(v), "m"(msg)
				 : "rax", "rdi", "rsi", "rdx", "rcx", "r11",
				   "memory");
	else
		__asm__ volatile("vmovdqu (%0), %%ymm7\n\t"
				 SAY_READY_AND_SLEEP
				 :: "r"(v), "m"(msg)
				 : "rax", "rdi", "rsi", "rdx", "rcx", "r11",
				   "memory");
	return 0;
}
C
cc -O1 -o "$SCRATCH/vregs" "$SCRATCH/vregs.c" || fail "cannot build the victim"
start_victim "$SCRATCH/vregs" $avx512
snap=$SCRATCH/vregs.msnap
core=$SCRATCH/vregs.core
capture "$snap"
assert_exit 0 "$ANALYZE" export-core "$snap" -o "$core"

cmds=(-ex 'p/x $ymm7.v4_int64' -ex 'p $_siginfo.si_signo')
[ -n "$avx512" ] &&
	cmds+=(-ex 'p/x $k3' -ex 'p/x $zmm20.v8_int64' -ex 'p/x $zmm7.v8_int64')
gdb -nx -batch -ex 'set pagination off' "${cmds[@]}" \
	"$SCRATCH/vregs" "$core" >"$SCRATCH/gdb.out" 2>&1
out=$SCRATCH/gdb.out
cat "$out"
grep -q "too small" "$out" && fail "gdb: $(grep -m1 'too small' "$out")"
grep -q "terminated with signal" "$out" &&
	fail "gdb: $(grep -m1 'terminated with signal' "$out")"
grep -qi "unable to read siginfo\|no siginfo" "$out" && fail "gdb has no \$_siginfo"
ymm='{0x123456789abcdef, 0x1122334455667788, 0x99aabbccddeeff00, 0xf1e2d3c4b5a6978}'
zmm='{0x123456789abcdef, 0x1122334455667788, 0x99aabbccddeeff00, 0xf1e2d3c4b5a6978, 0x102030405060708, 0x1020304050607080, 0xa0b0c0d0e0f0102, 0xa0b0c0d0e0f01020}'
assert_eq "$(sed -n 's/^\$1 = //p' "$out")" "$ymm" "ymm7 in gdb"
sed -n 's/^\$2 = //p' "$out" | grep -Eq '^[0-9]+$' ||
	fail "\$_siginfo.si_signo is not a number: $(grep -m1 '^\$2' "$out")"
if [ -n "$avx512" ]; then
	assert_eq "$(sed -n 's/^\$3 = //p' "$out")" 0x5a5a "k3 in gdb"
	assert_eq "$(sed -n 's/^\$4 = //p' "$out")" "$zmm" "zmm20 in gdb"
	assert_eq "$(sed -n 's/^\$5 = //p' "$out")" "$zmm" "zmm7 in gdb"
	log "ymm7, k3, zmm7 and zmm20 round-trip"
else
	log "ymm7 round-trips"
fi
