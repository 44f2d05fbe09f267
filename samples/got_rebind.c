// SPDX-License-Identifier: MIT
/*
 * got_rebind - a victim whose GOT slot for readdir64 (or argv[2]) is
 * rebound to the definition of the same name in a library it dlopens
 * with RTLD_LOCAL (argv[1]), as an injected rootkit library does to the
 * program it lands in: the symbol is defined at the new target, so the
 * slot looks like a binding; but libc defines it earlier in the global
 * scope, so ld.so could never have bound it there.
 *
 * Usage: got_rebind LIBRARY [SYMBOL]
 * Prints: got_slot=0x..., hook_target=0x..., ready.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

struct found {
	const char *name;
	uint64_t *slot;
};

/* The main program's JUMP_SLOT for f->name, through its dynamic section. */
static int find_slot(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct found *f = arg;
	const ElfW(Dyn) *dyn = NULL;
	const ElfW(Rela) *rel = NULL;
	const ElfW(Sym) *sym = NULL;
	const char *str = NULL;
	size_t relsz = 0, i;

	(void)size;
	if (info->dlpi_name[0])
		return 0;
	for (i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const void *)(info->dlpi_addr +
					     info->dlpi_phdr[i].p_vaddr);
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
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

/* Calls the functions this sample can rebind, so their slots exist. */
static long list_dir(void)
{
	DIR *d = opendir("/");
	long n = 0;

	if (!d)
		return -1;
	while (readdir64(d))
		n++;
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	struct found f = { .name = argc > 2 ? argv[2] : "readdir64" };
	long page = sysconf(_SC_PAGESIZE);
	void *lib, *def;
	uintptr_t lo;
	sigset_t set;
	int sig;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || list_dir() < 0)
		return 2;
	lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	def = lib ? dlsym(lib, f.name) : NULL;
	if (!def) {
		fprintf(stderr, "got_rebind: %s\n", dlerror());
		return 1;
	}
	dl_iterate_phdr(find_slot, &f);
	if (!f.slot) {
		fprintf(stderr, "got_rebind: no GOT slot for %s\n", f.name);
		return 1;
	}
	lo = (uintptr_t)f.slot & ~(uintptr_t)(page - 1);
	if (mprotect((void *)lo, (size_t)page, PROT_READ | PROT_WRITE)) {
		perror("got_rebind: mprotect");
		return 1;
	}
	*f.slot = (uint64_t)(uintptr_t)def;
	printf("got_slot=%p\n", (void *)f.slot);
	printf("hook_target=%p\n", def);
	printf("entries=%ld\n", list_dir());
	printf("ready\n");
	fflush(stdout);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigwait(&set, &sig);
	return 0;
}
