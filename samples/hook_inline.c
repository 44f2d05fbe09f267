// SPDX-License-Identifier: MIT
/*
 * hook_inline - a victim that hooks a libc function of its own process
 * inline, the way injected malware does: mprotect the page writable,
 * write "movabs rax, hook; jmp rax" over the function's first bytes,
 * restore the protection.  getppid() then returns HOOK_VALUE.
 *
 * With --unhook it then writes the original bytes back, the way a hook
 * that covers its tracks does: the bytes match the file again, but the
 * page stays the process's own copy.
 *
 * Prints: hooked_func=getppid, hooked_addr=0x..., hook_target=0x...,
 * hook_result=N, [unhook_result=N,] ready.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define HOOK_VALUE 4242

__attribute__((noinline)) static pid_t hook_getppid(void)
{
	return HOOK_VALUE;
}

static int write_code(uint8_t *at, const uint8_t *code, size_t n)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)at & ~(uintptr_t)(page - 1);
	uintptr_t hi = ((uintptr_t)at + n + page - 1) & ~(uintptr_t)(page - 1);

	if (mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC))
		return -1;
	memcpy(at, code, n);
	__builtin___clear_cache((char *)at, (char *)at + n);
	return mprotect((void *)lo, hi - lo, PROT_READ | PROT_EXEC);
}

int main(int argc, char **argv)
{
	uint8_t saved[12];
	pid_t (*volatile call)(void);
	uint8_t code[12] = { 0x48, 0xb8 };      /* movabs rax, imm64 */
	uint64_t target = (uint64_t)(uintptr_t)hook_getppid;
	uint8_t *fn;
	sigset_t set;
	int sig;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	fn = dlsym(RTLD_DEFAULT, "getppid");
	if (!fn) {
		fprintf(stderr, "hook_inline: getppid not found\n");
		return 1;
	}
	memcpy(code + 2, &target, 8);
	code[10] = 0xff;                        /* jmp rax */
	code[11] = 0xe0;
	memcpy(saved, fn, sizeof(saved));
	if (write_code(fn, code, sizeof(code))) {
		perror("hook_inline: mprotect");
		return 1;
	}
	call = (pid_t (*)(void))(uintptr_t)fn;
	printf("hooked_func=getppid\n");
	printf("hooked_addr=%p\n", (void *)fn);
	printf("hook_target=%p\n", (void *)hook_getppid);
	printf("hook_result=%d\n", (int)call());
	if (argc > 1 && !strcmp(argv[1], "--unhook")) {
		if (write_code(fn, saved, sizeof(saved))) {
			perror("hook_inline: mprotect");
			return 1;
		}
		printf("unhook_result=%d\n", (int)call());
	}
	printf("ready\n");
	fflush(stdout);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigwait(&set, &sig);
	return 0;
}
