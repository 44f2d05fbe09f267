// SPDX-License-Identifier: MIT
/*
 * manual_elf_load - a victim that loads an ELF image into anonymous
 * memory by hand, as reflective loaders do: its own executable file's
 * PT_LOAD segments copied into one anonymous mapping at their offsets,
 * each given its protection.  Nothing in maps names a file for it.
 *
 * Prints: image_base=0x... (where the ELF header is), image_code=0x...
 * (the page where the executable segment starts), ready.
 */
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int prot_of(uint32_t flags)
{
	return ((flags & PF_R) ? PROT_READ : 0) |
	       ((flags & PF_W) ? PROT_WRITE : 0) |
	       ((flags & PF_X) ? PROT_EXEC : 0);
}

int main(void)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), code = 0;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	uint64_t span = 0;
	struct stat st;
	uint8_t *file, *image;
	sigset_t set;
	int fd, sig, i;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open("/proc/self/exe", O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		perror("manual_elf_load: /proc/self/exe");
		return 1;
	}
	file = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (file == MAP_FAILED) {
		perror("manual_elf_load: mmap");
		return 1;
	}
	eh = (const Elf64_Ehdr *)file;
	ph = (const Elf64_Phdr *)(file + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD &&
		    ph[i].p_vaddr + ph[i].p_memsz > span)
			span = ph[i].p_vaddr + ph[i].p_memsz;
	span = (span + page - 1) & ~(page - 1);
	image = mmap(NULL, span, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (image == MAP_FAILED) {
		perror("manual_elf_load: mmap image");
		return 1;
	}
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD)
			memcpy(image + ph[i].p_vaddr, file + ph[i].p_offset,
			       ph[i].p_filesz);
	for (i = 0; i < eh->e_phnum; i++) {
		uintptr_t lo, hi;

		if (ph[i].p_type != PT_LOAD)
			continue;
		lo = (uintptr_t)image + (ph[i].p_vaddr & ~(page - 1));
		hi = ((uintptr_t)image + ph[i].p_vaddr + ph[i].p_memsz +
		      page - 1) & ~(page - 1);
		if (mprotect((void *)lo, hi - lo, prot_of(ph[i].p_flags))) {
			perror("manual_elf_load: mprotect");
			return 1;
		}
		if ((ph[i].p_flags & PF_X) && !code)
			code = lo;
	}
	printf("image_base=%p\n", (void *)image);
	printf("image_code=%p\n", (void *)code);
	printf("ready\n");
	fflush(stdout);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigwait(&set, &sig);
	return 0;
}
