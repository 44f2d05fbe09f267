// SPDX-License-Identifier: MIT
/*
 * inject_site.c - find a `syscall` instruction (0f 05) that the target
 * already has, so that a system call can be run in it without writing code
 * into it (CRIU's compel writes one for a moment; we borrow one).
 *
 * The vDSO is the first choice: every x86-64 process has one, its text is
 * small and always present in memory.
 * It is parsed from the target's memory, not from ours: a restored or
 * foreign process may carry another vDSO.  Failing that, executable file
 * mappings are scanned, the C library first, only in pages that are
 * present (reading the others would fault them in).  Target bytes are
 * hostile: every offset is checked against what was read.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inject.h"
#include "maps.h"
#include "target_int.h"

#define VDSO_MAX (256u << 10)
#define SCAN_MAX_BYTES (64ull << 20)    /* per capture, outside the vDSO */
#define PAGE 4096u
#define PM_PRESENT (1ull << 63)

struct scan_hit {
	uint64_t addr;
	bool then_ret;
	bool found;
};

/*
 * Does the code at p (n bytes) touch memory through rsp first: ret, pop,
 * or `add $imm8,%rsp` and then one of those?  A child that got loose with
 * the stack pointer we give it (CHILD_SP in cow.c) then faults at once.
 */
static bool uses_rsp_first(const uint8_t *p, size_t n)
{
	if (n >= 4 && p[0] == 0x48 && p[1] == 0x83 && p[2] == 0xc4) {
		p += 4;
		n -= 4;
	}
	if (n >= 1 && (p[0] == 0xc3 || p[0] == 0xc2 ||
		       (p[0] >= 0x58 && p[0] <= 0x5f)))
		return true;
	return n >= 2 && p[0] == 0x41 && p[1] >= 0x58 && p[1] <= 0x5f;
}

/* Note a syscall in buf; a later one followed by a stack access wins. */
static void scan_bytes(const uint8_t *buf, size_t len, uint64_t base,
		       struct scan_hit *hit)
{
	size_t i;
	bool ret;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != 0x0f || buf[i + 1] != 0x05)
			continue;
		ret = uses_rsp_first(buf + i + 2, len - i - 2);
		if (!hit->found || (ret && !hit->then_ret)) {
			hit->addr = base + i;
			hit->then_ret = ret;
			hit->found = true;
		}
		if (ret)
			return;
	}
}

static int read_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		r = pread(fd, (uint8_t *)buf + got, len - got,
			  (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		got += (size_t)r;
	}
	return 0;
}

static bool in_image(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

/* Executable ranges of an in-memory ELF image: sections, else segments. */
static void scan_elf_image(const uint8_t *img, size_t size, uint64_t base,
			   struct scan_hit *hit)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	const Elf64_Shdr *sh;
	const Elf64_Phdr *ph;
	size_t i;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_machine != EM_X86_64)
		return;
	if (eh->e_shentsize == sizeof(*sh) &&
	    in_image(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(*sh), size)) {
		for (i = 0; i < eh->e_shnum && !hit->then_ret; i++) {
			sh = (const Elf64_Shdr *)(img + eh->e_shoff) + i;
			if (sh->sh_type == SHT_PROGBITS &&
			    (sh->sh_flags & SHF_EXECINSTR) &&
			    in_image(sh->sh_offset, sh->sh_size, size))
				scan_bytes(img + sh->sh_offset, sh->sh_size,
					   base + sh->sh_offset, hit);
		}
		if (hit->found)
			return;
	}
	if (eh->e_phentsize != sizeof(*ph) ||
	    !in_image(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(*ph), size))
		return;
	for (i = 0; i < eh->e_phnum && !hit->then_ret; i++) {
		ph = (const Elf64_Phdr *)(img + eh->e_phoff) + i;
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) &&
		    in_image(ph->p_offset, ph->p_filesz, size))
			scan_bytes(img + ph->p_offset, ph->p_filesz,
				   base + ph->p_offset, hit);
	}
}

static void scan_vdso(int memfd, const struct region *r, struct scan_hit *hit)
{
	const uint64_t size = r->end - r->start;
	uint8_t *img;

	if (size > VDSO_MAX || r->perms[0] != 'r' || r->perms[2] != 'x')
		return;
	img = malloc(size);
	if (!img)
		return;
	if (!read_full(memfd, img, size, r->start))
		scan_elf_image(img, size, r->start, hit);
	free(img);
}

/* Scan the present pages of one executable mapping; *budget shrinks. */
static void scan_mapping(int memfd, int pmfd, const struct region *r,
			 uint64_t *budget, struct scan_hit *hit)
{
	uint8_t page[PAGE];
	uint64_t addr, pme;

	for (addr = r->start; addr < r->end && *budget >= PAGE &&
	     !hit->then_ret; addr += PAGE) {
		if (read_full(pmfd, &pme, sizeof(pme), addr / PAGE * 8) ||
		    !(pme & PM_PRESENT))
			continue;
		if (read_full(memfd, page, PAGE, addr))
			continue;
		*budget -= PAGE;
			scan_bytes(page, PAGE, addr, hit);
	}
}

static bool is_libc(const struct region *r)
{
	const char *base = strrchr(r->path, '/');

	base = base ? base + 1 : r->path;
	return !strncmp(base, "libc.so", 7) || !strncmp(base, "libc-", 5);
}

static bool scannable(const struct region *r)
{
	return r->perms[0] == 'r' && r->perms[2] == 'x' &&
	       r->kind == KIND_FILE;
}

static void set_where(struct inject_site *site, const struct region *r)
{
	const char *base;

	if (r->kind == KIND_VDSO) {
		snprintf(site->where, sizeof(site->where), "vdso");
		return;
	}
	base = strrchr(r->path, '/');
	snprintf(site->where, sizeof(site->where), "%s",
		 base ? base + 1 : r->path);
}

static const struct region *pick(const struct region_list *l, int memfd,
				 int pmfd, struct scan_hit *hit)
{
	uint64_t budget = SCAN_MAX_BYTES;
	size_t i;
	int pass;

	for (i = 0; i < l->n; i++)
		if (l->v[i].kind == KIND_VDSO) {
			scan_vdso(memfd, &l->v[i], hit);
			if (hit->found)
				return &l->v[i];
		}
	if (pmfd < 0)
		return NULL;
	/* pass 0: the C library; pass 1: any other executable file */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < l->n; i++) {
			if (!scannable(&l->v[i]) || is_libc(&l->v[i]) != !pass)
				continue;
			scan_mapping(memfd, pmfd, &l->v[i], &budget, hit);
			if (hit->found)
				return &l->v[i];
		}
	return NULL;
}

int inject_find_site(const struct target *t, struct inject_site *site,
		     struct cap_error *err)
{
	struct region_list l = { 0 };
	struct scan_hit hit = { 0 };
	const struct region *r;
	int memfd = -1, pmfd = -1, ret = -1;
	size_t len;
	char *text = NULL;

	memset(site, 0, sizeof(*site));
	ret = tgt_read_at(t->procfd, "maps", &text, &len);
	if (ret) {
		tgt_set_err(err, "cannot read the maps of pid %d: %s",
			    (int)t->pid, strerror(-ret));
		return -1;
	}
	ret = -1;
	if (maps_parse_text(text, len, &l, err))
		goto out;
	maps_classify(&l, false);
	memfd = openat(t->procfd, "mem", O_RDONLY | O_CLOEXEC);
	if (memfd < 0) {
		tgt_set_err(err, "cannot open the memory of pid %d: %s",
			    (int)t->pid, strerror(errno));
		goto out;
	}
	pmfd = openat(t->procfd, "pagemap", O_RDONLY | O_CLOEXEC);
	r = pick(&l, memfd, pmfd, &hit);
	if (!r) {
		tgt_set_err(err, "no syscall instruction found in the vDSO or "
			    "the executable mappings of pid %d: --cow needs one "
			    "to borrow; use the default mode", (int)t->pid);
		goto out;
	}
	site->addr = hit.addr;
	site->then_ret = hit.then_ret;
	set_where(site, r);
	ret = 0;
out:
	if (pmfd >= 0)
		close(pmfd);
	if (memfd >= 0)
		close(memfd);
	maps_free(&l);
	free(text);
	return ret;
}
