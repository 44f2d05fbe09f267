// SPDX-License-Identifier: MIT
/*
 * shellcode_rwx - a victim running shellcode from anonymous RWX memory:
 * a thread loops in code written at run time (nanosleep, jump back), so
 * at any capture its instruction pointer is in that anonymous page.
 *
 * Prints: shellcode_addr=0x... (the page), shellcode_size=N, ready.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

/* loop: lea rdi,[rip+ts]; xor esi,esi; mov eax,35; syscall; jmp loop; ts: {1, 0} */
static const uint8_t shellcode[] = {
	0x48, 0x8d, 0x3d, 0x11, 0x00, 0x00, 0x00,       /* lea rdi, [rip+17] */
	0x31, 0xf6,                                     /* xor esi, esi */
	0xb8, 0x23, 0x00, 0x00, 0x00,                   /* mov eax, 35 (nanosleep) */
	0x0f, 0x05,                                     /* syscall */
	0xeb, 0xee,                                     /* jmp loop */
	0x90, 0x90, 0x90, 0x90, 0x90, 0x90,             /* to offset 24 */
	1, 0, 0, 0, 0, 0, 0, 0,                         /* tv_sec = 1 */
	0, 0, 0, 0, 0, 0, 0, 0,                         /* tv_nsec = 0 */
};

int main(void)
{
	size_t size = (size_t)sysconf(_SC_PAGESIZE);
	void *(*start)(void *);
	pthread_t thread;
	sigset_t set;
	uint8_t *mem;
	int sig;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("shellcode_rwx: mmap");
		return 1;
	}
	memcpy(mem, shellcode, sizeof(shellcode));
	start = (void *(*)(void *))(uintptr_t)mem;
	if (pthread_create(&thread, NULL, start, NULL)) {
		fprintf(stderr, "shellcode_rwx: pthread_create failed\n");
		return 1;
	}
	printf("shellcode_addr=%p\n", (void *)mem);
	printf("shellcode_size=%zu\n", size);
	printf("ready\n");
	fflush(stdout);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigwait(&set, &sig);
	return 0;
}
