// SPDX-License-Identifier: MIT
/*
 * got_overwrite - a victim that redirects one of its own GOT slots (the
 * one of getppid) to a function of its own, as a GOT-hijacking implant
 * does.  The slot is found through the dynamic section, the way an
 * injector would: DT_JMPREL relocations, DT_SYMTAB/DT_STRTAB names.
 *
 * Prints: hooked_symbol=getppid, got_slot=0x..., hook_target=0x...,
 * hook_result=N, ready.
 */
#include <elf.h>
#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define HOOK_VALUE 4343

__attribute__((noinline)) static pid_t fake_getppid(void)
{
	return HOOK_VALUE;
}

struct found {
	const char *name;
	uint64_t *slot;
};

static int find_slot(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct found *f = arg;
	const ElfW(Dyn) *dyn = NULL;
	const ElfW(Rela) *rel = NULL;
	const ElfW(Sym) *sym = NULL;
	const char *str = NULL;
	size_t relsz = 0, i;

	(void)size;
	if (info->dlpi_name[0])         /* the main program only */
		return 0;
	for (i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const void *)(info->dlpi_addr +
					     info->dlpi_phdr[i].p_vaddr);
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		/* ld.so has already relocated these to addresses. */
		if (dyn->d_tag == DT_JMPREL)
			rel = (const void *)dyn->d_un.d_ptr;
		else if (dyn->d_tag == DT_PLTRELSZ)
			relsz = dyn->d_un.d_val;
		else if (dyn->d_tag == DT_SYMTAB)
			sym = (const void *)dyn->d_un.d_ptr;
		else if (dyn->d_tag == DT_STRTAB)
			str = (const void *)dyn->d_un.d_ptr;
	}
	if (!rel || !sym || !str)
		return 1;
	for (i = 0; i < relsz / sizeof(*rel); i++)
		if (!strcmp(str + sym[ELF64_R_SYM(rel[i].r_info)].st_name,
			    f->name))
			f->slot = (uint64_t *)(info->dlpi_addr + rel[i].r_offset);
	return 1;
}

int main(void)
{
	struct found f = { .name = "getppid" };
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t lo;
	sigset_t set;
	int sig;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Resolve the slot first, so the overwrite replaces a real binding. */
	if (getppid() < 0)
		return 1;
	dl_iterate_phdr(find_slot, &f);
	if (!f.slot) {
		fprintf(stderr, "got_overwrite: no GOT slot for getppid\n");
		return 1;
	}
	/* With -z now the slot is in RELRO: make it writable first. */
	lo = (uintptr_t)f.slot & ~(uintptr_t)(page - 1);
	if (mprotect((void *)lo, (size_t)page, PROT_READ | PROT_WRITE)) {
		perror("got_overwrite: mprotect");
		return 1;
	}
	*f.slot = (uint64_t)(uintptr_t)fake_getppid;
	printf("hooked_symbol=getppid\n");
	printf("got_slot=%p\n", (void *)f.slot);
	printf("hook_target=%p\n", (void *)fake_getppid);
	printf("hook_result=%d\n", (int)getppid());
	printf("ready\n");
	fflush(stdout);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigwait(&set, &sig);
	return 0;
}
