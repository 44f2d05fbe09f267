// SPDX-License-Identifier: MIT
/*
 * elfref.c - reference ELF files: parsing with libelf gelf (never by
 * casting structs onto bytes).  Binding a snapshot's modules to them is
 * modules.c.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfref.h"

#ifndef SHT_RELR
#define SHT_RELR 19
#endif
#ifndef STT_GNU_IFUNC
#define STT_GNU_IFUNC 10
#endif

int elfref_fail(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return -1;
}

/* [off, off+len) inside [0, size), without overflow. */
static bool in_bounds(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

const uint8_t *elfref_file_bytes(const struct elfref *r, uint64_t off,
				 uint64_t len)
{
	return in_bounds(off, len, r->size) ? r->data + off : NULL;
}

const struct elf_seg *elfref_seg_at(const struct elfref *r, uint64_t vaddr)
{
	size_t i;

	for (i = 0; i < r->nsegs; i++)
		if (vaddr >= r->segs[i].vaddr &&
		    vaddr - r->segs[i].vaddr < r->segs[i].memsz)
			return &r->segs[i];
	return NULL;
}

const uint8_t *elfref_vaddr_bytes(const struct elfref *r, uint64_t vaddr,
				  uint64_t len)
{
	const struct elf_seg *g = elfref_seg_at(r, vaddr);
	uint64_t rel;

	if (!g)
		return NULL;
	rel = vaddr - g->vaddr;
	if (!in_bounds(rel, len, g->filesz))
		return NULL;
	return elfref_file_bytes(r, g->offset + rel, len);
}

bool elfref_in_code(const struct elfref *r, uint64_t vaddr)
{
	const struct elf_seg *g = elfref_seg_at(r, vaddr);

	return g && (g->flags & PF_X);
}

const struct elf_sym *elfref_func_at(const struct elfref *r, uint64_t vaddr)
{
	size_t lo = 0, hi = r->nfuncs;

	/* Last function whose value is <= vaddr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->funcs[mid].value <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	/* Among equal values prefer a sized, global name. */
	hi = lo - 1;
	while (hi > 0 && r->funcs[hi - 1].value == r->funcs[lo - 1].value)
		hi--;
	for (; hi < lo; hi++)
		if (r->funcs[hi].bind == STB_GLOBAL)
			return &r->funcs[hi];
	return &r->funcs[lo - 1];
}

static int cmp_sym_name(const void *a, const void *b)
{
	const struct elf_sym *x = *(const struct elf_sym *const *)a;
	const struct elf_sym *y = *(const struct elf_sym *const *)b;

	return strcmp(x->name, y->name);
}

static int cmp_sym_value(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return 0;
}

void elfref_lookup(const struct elfref *r, const char *name,
		   struct elf_sym *const **first, size_t *n)
{
	size_t lo = 0, hi = r->nby_name, end;

	*first = NULL;
	*n = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(r->by_name[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < r->nby_name && !strcmp(r->by_name[end]->name, name);
	     end++)
		;
	if (end > lo) {
		*first = &r->by_name[lo];
		*n = end - lo;
	}
}

/* ---- parsing ------------------------------------------------------------- */

static const char *str_at(Elf *e, size_t strndx, size_t off)
{
	const char *s = elf_strptr(e, strndx, off);

	return s ? s : "";
}

static int load_phdrs(struct elfref *r, char *msg, size_t msglen)
{
	size_t n, i;
	GElf_Phdr ph;

	if (elf_getphdrnum(r->elf, &n))
		return elfref_fail(msg, msglen, "no program headers: %s",
			    elf_errmsg(-1));
	if (n > 4096)
		return elfref_fail(msg, msglen, "%zu program headers", n);
	r->segs = calloc(n ? n : 1, sizeof(*r->segs));
	if (!r->segs)
		return elfref_fail(msg, msglen, "out of memory");
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(r->elf, (int)i, &ph))
			return elfref_fail(msg, msglen, "program header %zu: %s", i,
				    elf_errmsg(-1));
		if (ph.p_type == PT_GNU_RELRO) {
			r->relro_vaddr = ph.p_vaddr;
			r->relro_memsz = ph.p_memsz;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		if (!in_bounds(ph.p_offset, ph.p_filesz, r->size) ||
		    ph.p_filesz > ph.p_memsz ||
		    ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
			return elfref_fail(msg, msglen,
				    "PT_LOAD %zu (offset 0x%" PRIx64 ", size 0x%" PRIx64
				    ") lies outside the file or wraps",
				    i, (uint64_t)ph.p_offset,
				    (uint64_t)ph.p_filesz);
		r->segs[r->nsegs++] = (struct elf_seg){
			.vaddr = ph.p_vaddr, .memsz = ph.p_memsz,
			.offset = ph.p_offset, .filesz = ph.p_filesz,
			.flags = ph.p_flags,
		};
	}
	if (!r->nsegs)
		return elfref_fail(msg, msglen, "no PT_LOAD segment");
	return 0;
}

static void note_build_id(struct elfref *r, Elf_Data *d)
{
	GElf_Nhdr nh;
	size_t off = 0, next, name_off, desc_off;

	while (d && off < d->d_size &&
	       (next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    in_bounds(name_off, 4, d->d_size) &&
		    !memcmp((const char *)d->d_buf + name_off, "GNU", 4) &&
		    nh.n_descsz > 0 && nh.n_descsz <= sizeof(r->build_id) &&
		    in_bounds(desc_off, nh.n_descsz, d->d_size)) {
			memcpy(r->build_id, (const char *)d->d_buf + desc_off,
			       nh.n_descsz);
			r->build_id_len = nh.n_descsz;
			return;
		}
		off = next;
	}
}

static int load_syms(struct elfref *r, Elf_Scn *scn, const GElf_Shdr *sh,
		     bool dynamic, char *msg, size_t msglen)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n, i, base;
	struct elf_sym *v;
	GElf_Sym sym;

	if (!d || sh->sh_entsize != sizeof(Elf64_Sym))
		return elfref_fail(msg, msglen, "symbol table is unreadable");
	n = d->d_size / sizeof(Elf64_Sym);
	if (n > (1u << 24))
		return elfref_fail(msg, msglen, "%zu symbols", n);
	if (dynamic) {
		r->dsyms = calloc(n ? n : 1, sizeof(*r->dsyms));
		if (!r->dsyms)
			return elfref_fail(msg, msglen, "out of memory");
		r->ndsyms = n;
	}
	base = r->nfuncs;
	v = realloc(r->funcs, (base + n + 1) * sizeof(*v));
	if (!v)
		return elfref_fail(msg, msglen, "out of memory");
	r->funcs = v;
	for (i = 0; i < n; i++) {
		struct elf_sym e;

		if (!gelf_getsym(d, (int)i, &sym))
			return elfref_fail(msg, msglen, "symbol %zu: %s", i,
				    elf_errmsg(-1));
		e = (struct elf_sym){
			.name = str_at(r->elf, sh->sh_link, sym.st_name),
			.value = sym.st_value, .size = sym.st_size,
			.type = GELF_ST_TYPE(sym.st_info),
			.bind = GELF_ST_BIND(sym.st_info),
			.defined = sym.st_shndx != SHN_UNDEF,
		};
		if (dynamic) {
			r->dsyms[i] = e;
			if (!e.defined && (!strcmp(e.name, "dlopen") ||
					   !strcmp(e.name, "dlmopen")))
				r->imports_dlopen = true;
		}
		if (e.defined && e.value && *e.name &&
		    (e.type == STT_FUNC || e.type == STT_GNU_IFUNC))
			r->funcs[r->nfuncs++] = e;
	}
	return 0;
}

static int load_dynamic(struct elfref *r, Elf_Scn *scn, const GElf_Shdr *sh,
			char *msg, size_t msglen)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n, i;
	GElf_Dyn dyn;

	if (!d || sh->sh_entsize != sizeof(Elf64_Dyn))
		return elfref_fail(msg, msglen, "dynamic section is unreadable");
	n = d->d_size / sizeof(Elf64_Dyn);
	r->needed = calloc(n ? n : 1, sizeof(*r->needed));
	if (!r->needed)
		return elfref_fail(msg, msglen, "out of memory");
	for (i = 0; i < n && gelf_getdyn(d, (int)i, &dyn); i++) {
		switch (dyn.d_tag) {
		case DT_NULL:
			return 0;
		case DT_NEEDED:
			r->needed[r->nneeded++] =
				str_at(r->elf, sh->sh_link, dyn.d_un.d_val);
			break;
		case DT_SONAME:
			r->soname = str_at(r->elf, sh->sh_link, dyn.d_un.d_val);
			break;
		case DT_TEXTREL:
			r->textrel = true;
			break;
		case DT_FLAGS:
			if (dyn.d_un.d_val & DF_TEXTREL)
				r->textrel = true;
			break;
		case DT_INIT_ARRAY:
			r->init_array = dyn.d_un.d_ptr;
			break;
		case DT_INIT_ARRAYSZ:
			r->init_arraysz = dyn.d_un.d_val;
			break;
		case DT_FINI_ARRAY:
			r->fini_array = dyn.d_un.d_ptr;
			break;
		case DT_FINI_ARRAYSZ:
			r->fini_arraysz = dyn.d_un.d_val;
			break;
		case DT_PREINIT_ARRAY:
			r->preinit_array = dyn.d_un.d_ptr;
			break;
		case DT_PREINIT_ARRAYSZ:
			r->preinit_arraysz = dyn.d_un.d_val;
			break;
		default:
			break;
		}
	}
	return 0;
}

static int add_rel(struct elfref *r, size_t *cap, const struct elf_rel *e)
{
	if (r->nrels == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct elf_rel *v;

		if (nc > (1u << 26))
			return -1;
		v = realloc(r->rels, nc * sizeof(*v));
		if (!v)
			return -1;
		r->rels = v;
		*cap = nc;
	}
	r->rels[r->nrels++] = *e;
	return 0;
}

static int load_rela(struct elfref *r, Elf_Scn *scn, size_t *cap, char *msg,
		     size_t msglen)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n, i;
	GElf_Rela ra;

	if (!d)
		return elfref_fail(msg, msglen, "relocation section is unreadable");
	n = d->d_size / sizeof(Elf64_Rela);
	for (i = 0; i < n; i++) {
		struct elf_rel e;

		if (!gelf_getrela(d, (int)i, &ra))
			return elfref_fail(msg, msglen, "relocation %zu: %s", i,
				    elf_errmsg(-1));
		e = (struct elf_rel){
			.offset = ra.r_offset,
			.type = (uint32_t)GELF_R_TYPE(ra.r_info),
			.sym = (uint32_t)GELF_R_SYM(ra.r_info),
			.addend = ra.r_addend,
		};
		if (e.sym >= r->ndsyms)
			e.sym = 0;
		if (add_rel(r, cap, &e))
			return elfref_fail(msg, msglen, "too many relocations");
	}
	return 0;
}

static int relr_emit(struct elfref *r, size_t *cap, uint64_t where)
{
	struct elf_rel e = { .offset = where, .type = R_X86_64_RELATIVE };
	const uint8_t *b = elfref_vaddr_bytes(r, where, 8);

	if (!b)
		return 0;
	memcpy(&e.addend, b, 8);
	return add_rel(r, cap, &e);
}

/* RELR: packed R_X86_64_RELATIVE, the addend is the slot's file value. */
static int load_relr(struct elfref *r, Elf_Scn *scn, size_t *cap, char *msg,
		     size_t msglen)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	uint64_t where = 0, w;
	size_t i, n;
	unsigned bit;

	if (!d || !d->d_buf)
		return elfref_fail(msg, msglen, "RELR section is unreadable");
	n = d->d_size / 8;
	for (i = 0; i < n; i++) {
		memcpy(&w, (const uint8_t *)d->d_buf + i * 8, 8);
		if (!(w & 1)) {
			where = w;
			if (relr_emit(r, cap, where))
				goto too_many;
			where += 8;
			continue;
		}
		for (bit = 1; bit < 64; bit++)
			if (((w >> bit) & 1) &&
			    relr_emit(r, cap, where + (bit - 1) * 8))
				goto too_many;
		where += 63 * 8;
	}
	return 0;
too_many:
	return elfref_fail(msg, msglen, "too many relocations");
}

static int load_sections(struct elfref *r, char *msg, size_t msglen)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t shstrndx, cap = 0;
	int pass;

	if (elf_getshdrstrndx(r->elf, &shstrndx))
		shstrndx = 0;
	/* Pass 0: symbols and dynamic; pass 1: relocations (need dynsym). */
	for (pass = 0; pass < 2; pass++) {
		scn = NULL;
		while ((scn = elf_nextscn(r->elf, scn))) {
			const char *name;

			if (!gelf_getshdr(scn, &sh))
				return elfref_fail(msg, msglen, "section header: %s",
					    elf_errmsg(-1));
			if (pass == 1) {
				if (sh.sh_type == SHT_RELA &&
				    (sh.sh_flags & SHF_ALLOC) &&
				    load_rela(r, scn, &cap, msg, msglen))
					return -1;
				if (sh.sh_type == SHT_RELR &&
				    load_relr(r, scn, &cap, msg, msglen))
					return -1;
				continue;
			}
			name = shstrndx ? str_at(r->elf, shstrndx, sh.sh_name)
					: "";
			if (!strcmp(name, ".plt")) {
				r->plt_lo = sh.sh_addr;
				r->plt_hi = sh.sh_addr + sh.sh_size;
			} else if (!strcmp(name, ".plt.sec")) {
				r->plt2_lo = sh.sh_addr;
				r->plt2_hi = sh.sh_addr + sh.sh_size;
			}
			switch (sh.sh_type) {
			case SHT_DYNSYM:
				if (!r->dsyms &&
				    load_syms(r, scn, &sh, true, msg, msglen))
					return -1;
				break;
			case SHT_SYMTAB:
				if (load_syms(r, scn, &sh, false, msg, msglen))
					return -1;
				break;
			case SHT_DYNAMIC:
				if (!r->needed &&
				    load_dynamic(r, scn, &sh, msg, msglen))
					return -1;
				break;
			case SHT_NOTE:
				if (!r->build_id_len)
					note_build_id(r, elf_getdata(scn, NULL));
				break;
			default:
				break;
			}
		}
	}
	return 0;
}

static void load_phdr_notes(struct elfref *r)
{
	size_t n, i;
	GElf_Phdr ph;

	if (r->build_id_len || elf_getphdrnum(r->elf, &n))
		return;
	for (i = 0; i < n && !r->build_id_len; i++)
		if (gelf_getphdr(r->elf, (int)i, &ph) && ph.p_type == PT_NOTE &&
		    in_bounds(ph.p_offset, ph.p_filesz, r->size))
			note_build_id(r, elf_getdata_rawchunk(r->elf,
				(int64_t)ph.p_offset, ph.p_filesz,
				ELF_T_NHDR));
}

static int index_syms(struct elfref *r, char *msg, size_t msglen)
{
	size_t i;

	if (r->nfuncs > 1)
		qsort(r->funcs, r->nfuncs, sizeof(*r->funcs), cmp_sym_value);
	r->by_name = calloc(r->ndsyms ? r->ndsyms : 1, sizeof(*r->by_name));
	if (!r->by_name)
		return elfref_fail(msg, msglen, "out of memory");
	for (i = 0; i < r->ndsyms; i++)
		/*
		 * An undefined symbol with a value is the canonical address
		 * (a PLT entry) of a function a non-PIE program takes the
		 * address of: other modules bind to it.
		 */
		if ((r->dsyms[i].defined || r->dsyms[i].value) &&
		    *r->dsyms[i].name)
			r->by_name[r->nby_name++] = &r->dsyms[i];
	if (r->nby_name > 1)
		qsort(r->by_name, r->nby_name, sizeof(*r->by_name),
		      cmp_sym_name);
	return 0;
}

int elfref_load(struct elfref *r, uint8_t *data, size_t size,
		const char *path, char *msg, size_t msglen)
{
	GElf_Ehdr eh;

	memset(r, 0, sizeof(*r));
	r->data = data;
	r->size = size;
	r->path = strdup(path);
	if (!r->path)
		return elfref_fail(msg, msglen, "out of memory");
	if (elf_version(EV_CURRENT) == EV_NONE)
		return elfref_fail(msg, msglen, "libelf: %s", elf_errmsg(-1));
	r->elf = elf_memory((char *)data, size);
	if (!r->elf || elf_kind(r->elf) != ELF_K_ELF)
		return elfref_fail(msg, msglen, "not an ELF file");
	if (!gelf_getehdr(r->elf, &eh))
		return elfref_fail(msg, msglen, "bad ELF header: %s", elf_errmsg(-1));
	if (gelf_getclass(r->elf) != ELFCLASS64 || eh.e_machine != EM_X86_64)
		return elfref_fail(msg, msglen, "not an x86-64 ELF file");
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return elfref_fail(msg, msglen, "ELF type %u is not loadable",
			    eh.e_type);
	r->e_type = eh.e_type;
	r->entry = eh.e_entry;
	if (load_phdrs(r, msg, msglen) || load_sections(r, msg, msglen) ||
	    index_syms(r, msg, msglen))
		return -1;
	load_phdr_notes(r);
	return 0;
}

int elfref_open_file(struct elfref *r, const char *path, char *msg,
		     size_t msglen)
{
	struct stat st;
	void *map;
	int fd, ret;

	memset(r, 0, sizeof(*r));
	/*
	 * The path may come from a hostile snapshot: opening a FIFO would
	 * block for ever, opening a device can act on it.
	 */
	if (!stat(path, &st) && !S_ISREG(st.st_mode))
		return elfref_fail(msg, msglen, "%s: not a regular file", path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return elfref_fail(msg, msglen, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		elfref_fail(msg, msglen, "%s: not a regular file", path);
		goto fail_fd;
	}
	if ((uint64_t)st.st_size > ELFREF_MAX_FILE || st.st_size < 64) {
		elfref_fail(msg, msglen, "%s: size %lld is out of range", path,
		     (long long)st.st_size);
		goto fail_fd;
	}
	/*
	 * Mapped, not copied: libLLVM is 100 MiB and copying it cost more
	 * system time than the whole check.  Private and writable so that
	 * libelf may convert in place without touching the file.
	 */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return elfref_fail(msg, msglen, "%s: mmap: %s", path, strerror(errno));
	ret = elfref_load(r, map, (size_t)st.st_size, path, msg, msglen);
	r->mapped = true;
	return ret;
fail_fd:
	close(fd);
	return -1;
}

void elfref_free(struct elfref *r)
{
	if (r->elf)
		elf_end(r->elf);
	free(r->segs);
	free(r->dsyms);
	free(r->by_name);
	free(r->funcs);
	free(r->rels);
	free(r->needed);
	if (r->mapped)
		munmap(r->data, r->size);
	else
		free(r->data);
	free(r->path);
	memset(r, 0, sizeof(*r));
}
