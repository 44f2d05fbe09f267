// SPDX-License-Identifier: MIT
/*
 * memfd_exec - a victim executing code from a memfd: a file that never
 * existed on disk, written at run time and mapped executable (maps shows
 * "/memfd:payload (deleted)").
 *
 * Prints: memfd_code=0x... (the mapping), memfd_result=42, ready.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

/* mov eax, 42; ret */
static const uint8_t payload[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };

int main(void)
{
	size_t size = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t page[65536];
	int (*run)(void);
	sigset_t set;
	void *code;
	int fd, sig;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (size > sizeof(page))
		return 1;
	fd = memfd_create("payload", MFD_CLOEXEC);
	if (fd < 0) {
		perror("memfd_exec: memfd_create");
		return 1;
	}
	memset(page, 0xcc, size);
	memcpy(page, payload, sizeof(payload));
	if (write(fd, page, size) != (ssize_t)size) {
		perror("memfd_exec: write");
		return 1;
	}
	code = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (code == MAP_FAILED) {
		perror("memfd_exec: mmap");
		return 1;
	}
	run = (int (*)(void))(uintptr_t)code;
	printf("memfd_code=%p\n", code);
	printf("memfd_result=%d\n", run());
	printf("ready\n");
	fflush(stdout);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigwait(&set, &sig);
	return 0;
}
