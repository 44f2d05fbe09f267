// SPDX-License-Identifier: MIT
/*
 * elfref.c - reference ELF files: parsing with libelf gelf (never by
 * casting structs onto bytes), and binding each module of a snapshot to
 * the reference copy that is provably the file it loaded.
 */
#include <linux/openat2.h>
#include <sys/syscall.h>
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
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "elfref.h"

#ifndef SHT_RELR
#define SHT_RELR 19
#endif
#ifndef STT_GNU_IFUNC
#define STT_GNU_IFUNC 10
#endif

static int fail(char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *msg, size_t msglen, const char *fmt, ...)
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
		return fail(msg, msglen, "no program headers: %s",
			    elf_errmsg(-1));
	if (n > 4096)
		return fail(msg, msglen, "%zu program headers", n);
	r->segs = calloc(n ? n : 1, sizeof(*r->segs));
	if (!r->segs)
		return fail(msg, msglen, "out of memory");
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(r->elf, (int)i, &ph))
			return fail(msg, msglen, "program header %zu: %s", i,
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
			return fail(msg, msglen,
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
		return fail(msg, msglen, "no PT_LOAD segment");
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
		return fail(msg, msglen, "symbol table is unreadable");
	n = d->d_size / sizeof(Elf64_Sym);
	if (n > (1u << 24))
		return fail(msg, msglen, "%zu symbols", n);
	if (dynamic) {
		r->dsyms = calloc(n ? n : 1, sizeof(*r->dsyms));
		if (!r->dsyms)
			return fail(msg, msglen, "out of memory");
		r->ndsyms = n;
	}
	base = r->nfuncs;
	v = realloc(r->funcs, (base + n + 1) * sizeof(*v));
	if (!v)
		return fail(msg, msglen, "out of memory");
	r->funcs = v;
	for (i = 0; i < n; i++) {
		struct elf_sym e;

		if (!gelf_getsym(d, (int)i, &sym))
			return fail(msg, msglen, "symbol %zu: %s", i,
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
		return fail(msg, msglen, "dynamic section is unreadable");
	n = d->d_size / sizeof(Elf64_Dyn);
	r->needed = calloc(n ? n : 1, sizeof(*r->needed));
	if (!r->needed)
		return fail(msg, msglen, "out of memory");
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
		return fail(msg, msglen, "relocation section is unreadable");
	n = d->d_size / sizeof(Elf64_Rela);
	for (i = 0; i < n; i++) {
		struct elf_rel e;

		if (!gelf_getrela(d, (int)i, &ra))
			return fail(msg, msglen, "relocation %zu: %s", i,
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
			return fail(msg, msglen, "too many relocations");
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
		return fail(msg, msglen, "RELR section is unreadable");
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
	return fail(msg, msglen, "too many relocations");
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
				return fail(msg, msglen, "section header: %s",
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
		return fail(msg, msglen, "out of memory");
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
		return fail(msg, msglen, "out of memory");
	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(msg, msglen, "libelf: %s", elf_errmsg(-1));
	r->elf = elf_memory((char *)data, size);
	if (!r->elf || elf_kind(r->elf) != ELF_K_ELF)
		return fail(msg, msglen, "not an ELF file");
	if (!gelf_getehdr(r->elf, &eh))
		return fail(msg, msglen, "bad ELF header: %s", elf_errmsg(-1));
	if (gelf_getclass(r->elf) != ELFCLASS64 || eh.e_machine != EM_X86_64)
		return fail(msg, msglen, "not an x86-64 ELF file");
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return fail(msg, msglen, "ELF type %u is not loadable",
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
		return fail(msg, msglen, "%s: not a regular file", path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fail(msg, msglen, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		fail(msg, msglen, "%s: not a regular file", path);
		goto fail_fd;
	}
	if ((uint64_t)st.st_size > ELFREF_MAX_FILE || st.st_size < 64) {
		fail(msg, msglen, "%s: size %lld is out of range", path,
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
		return fail(msg, msglen, "%s: mmap: %s", path, strerror(errno));
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

/* ---- modules of a snapshot ------------------------------------------------- */

const char *module_base_name(const struct module *m)
{
	const char *s = strrchr(m->path, '/');

	return s ? s + 1 : m->path;
}

static bool file_backed(const struct snap_region *g)
{
	return g->in_manifest && g->path.s && g->path.len &&
	       g->path.s[0] == '/' && strlen(g->path.s) == g->path.len &&
	       (g->kind_id == MSNAP_KIND_FILE ||
		g->kind_id == MSNAP_KIND_DELETED ||
		g->kind_id == MSNAP_KIND_MEMFD);
}

/* What the capture recorded about the file behind region i. */
static void recorded_identity(struct module *m, const struct snap *s,
			      uint32_t i)
{
	const struct snap_region *g = &s->regions[i];
	const struct snap_file_ident *f = &g->file;

	if (!g->in_manifest)
		return;
	if (g->dev.s)
		snprintf(m->dev, sizeof(m->dev), "%s", g->dev.s);
	memcpy(m->rec_build_id, f->build_id, f->build_id_len);
	m->rec_build_id_len = f->build_id_len;
	m->rec_has_size = f->has_size;
	m->rec_size = f->has_size ? f->size : 0;
	if (f->mtime.s)
		snprintf(m->rec_mtime, sizeof(m->rec_mtime), "%s", f->mtime.s);
}

static void fmt_mtime(const struct stat *st, char *buf, size_t size)
{
	struct tm tm;
	char s[32];

	if (!gmtime_r(&st->st_mtim.tv_sec, &tm) ||
	    !strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm)) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, size, "%s.%09ldZ", s, st->st_mtim.tv_nsec);
}

/*
 * Is this candidate the file the process loaded?  build-id first, then
 * size + mtime, then (this machine only) device:inode.  0 if it is.
 */
static int identity_matches(const struct module *m, const struct elfref *r,
			    const struct stat *st, bool host, char *why,
			    size_t whylen)
{
	char have[130], want[130], mt[48], dev[16];

	if (m->rec_build_id_len) {
		if (r->build_id_len == m->rec_build_id_len &&
		    !memcmp(r->build_id, m->rec_build_id, r->build_id_len))
			return 0;
		msnap_hex(r->build_id, r->build_id_len, have);
		msnap_hex(m->rec_build_id, m->rec_build_id_len, want);
		return fail(why, whylen,
			    "%s has build-id %s, the process loaded %s",
			    r->path, r->build_id_len ? have : "(none)", want);
	}
	if (!st)
		return 0;       /* the capture's own copy */
	if (m->rec_has_size && m->rec_mtime[0]) {
		fmt_mtime(st, mt, sizeof(mt));
		if ((uint64_t)st->st_size == m->rec_size &&
		    !strcmp(mt, m->rec_mtime))
			return 0;
		return fail(why, whylen,
			    "%s has size %lld and mtime %s, the loaded file %" PRIu64
			    " and %s", r->path, (long long)st->st_size, mt,
			    m->rec_size, m->rec_mtime);
	}
	if (host && m->inode && m->dev[0]) {
		snprintf(dev, sizeof(dev), "%02x:%02x", major(st->st_dev),
			 minor(st->st_dev));
		if ((uint64_t)st->st_ino == m->inode && !strcmp(dev, m->dev))
			return 0;
		return fail(why, whylen,
			    "%s is %s:%llu, the loaded file was %s:%" PRIu64,
			    r->path, dev, (unsigned long long)st->st_ino,
			    m->dev, m->inode);
	}
	return fail(why, whylen,
		    "the capture recorded no identity (build-id, size, inode) to check %s against",
		    r->path);
}

/* The copy `memsnap --with-files` stored, if any: 0 found, 1 none. */
static int stored_copy(struct snap *s, const struct module *m, uint8_t **data,
		       size_t *size, char *msg, size_t msglen)
{
	const struct snap_region *g = &s->regions[m->first];
	const uint64_t k = g->stored_file;
	const struct msnap_region_info *ri;
	struct msnap_error err;
	uint64_t fsize;
	uint32_t reg;
	uint8_t *buf;

	if (!g->in_manifest || !g->has_stored_file ||
	    snap_stored_file(s, k, &reg, &fsize))
		return 1;
	ri = msnap_region(s->rd, reg);
	if (!ri || fsize > ri->end - ri->start || fsize > ELFREF_MAX_FILE ||
	    fsize < 64)
		return fail(msg, msglen, "stored file %" PRIu64
			    " does not fit its region", k);
	buf = malloc(fsize);
	if (!buf)
		return fail(msg, msglen, "out of memory");
	if (msnap_read(s->rd, ri->start, buf, fsize, NULL, &err)) {
		free(buf);
		return fail(msg, msglen, "stored file %" PRIu64 ": %s", k,
			    err.msg);
	}
	*data = buf;
	*size = fsize;
	return 0;
}

/* Try one candidate path; 0 bound, -1 not it (why says why). */
static int try_candidate(struct module *m, const char *path,
			 const char *source, bool host, char *why,
			 size_t whylen, bool *seen)
{
	struct stat st;
	struct elfref r;
	char msg[400];

	if (stat(path, &st))
		return fail(why, whylen, "%s: %s", path, strerror(errno));
	*seen = true;
	if (elfref_open_file(&r, path, msg, sizeof(msg))) {
		elfref_free(&r);
		return fail(why, whylen, "%s", msg);
	}
	if (identity_matches(m, &r, &st, host, why, whylen)) {
		elfref_free(&r);
		return -1;
	}
	r.source = source;
	m->ref = r;
	return 0;
}

/*
 * PATH (from the snapshot) inside SYSROOT, resolved as if SYSROOT were /:
 * neither "..", nor a symbolic link in an extracted image, nor a /proc
 * magic link leads outside it.  The file is then read through the fd.
 */
static int try_sysroot(struct module *m, const char *sysroot,
		       const char *path, char *why, size_t whylen, bool *seen)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char fdpath[64];
	int root, fd, ret;

	root = open(sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return fail(why, whylen, "%s: %s", sysroot, strerror(errno));
	fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	if (fd < 0) {
		ret = fail(why, whylen, "%s/%s: %s", sysroot, path,
			   strerror(errno));
		close(root);
		return ret;
	}
	close(root);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	ret = try_candidate(m, fdpath, "sysroot", false, why, whylen, seen);
	close(fd);
	if (!ret) {
		char *shown = NULL;

		/* name the file by where it is, not by the fd it was read from */
		if (asprintf(&shown, "%s/%s", sysroot, path) >= 0) {
			free(m->ref.path);
			m->ref.path = shown;
		}
	}
	return ret;
}

static void strip_deleted(const char *path, char *out, size_t outlen)
{
	static const char suffix[] = " (deleted)";
	size_t n = strlen(path), k = sizeof(suffix) - 1;

	if (n > k && !strcmp(path + n - k, suffix))
		n -= k;
	snprintf(out, outlen, "%.*s", (int)n, path);
}

static void bind_reference(struct module *m, struct snap *s,
			   const struct ref_opts *o)
{
	char path[4096], cand[8192], why[600] = "", msg[400];
	uint8_t *data = NULL;
	size_t size = 0, i;
	bool seen = false;
	struct stat st;
	int r;

	strip_deleted(m->path, path, sizeof(path));
	r = stored_copy(s, m, &data, &size, msg, sizeof(msg));
	if (r < 0)
		snprintf(why, sizeof(why), "%s", msg);
	if (r == 0) {
		seen = true;
		if (elfref_load(&m->ref, data, size, path, msg, sizeof(msg))) {
			snprintf(why, sizeof(why), "stored copy: %s", msg);
			elfref_free(&m->ref);
		} else if (identity_matches(m, &m->ref, NULL, false, why,
					    sizeof(why))) {
			elfref_free(&m->ref);
		} else {
			m->ref.source = "snapshot";
			goto bound;
		}
	}
	if (o->sysroot && !try_sysroot(m, o->sysroot, path, why,
				       sizeof(why), &seen))
		goto bound;
	for (i = 0; i < o->nrefs; i++) {
		if (!stat(o->refs[i], &st) && S_ISDIR(st.st_mode))
			snprintf(cand, sizeof(cand), "%s/%s", o->refs[i],
				 module_base_name(m));
		else
			snprintf(cand, sizeof(cand), "%s", o->refs[i]);
		if (!try_candidate(m, cand, "ref", false, why, sizeof(why),
				   &seen))
			goto bound;
	}
	if (!o->no_host && !m->memfd &&
	    !try_candidate(m, path, "host", true, why, sizeof(why), &seen))
		goto bound;
	m->status = seen ? REF_REPLACED : REF_UNAVAILABLE;
	snprintf(m->status_msg, sizeof(m->status_msg), "%.511s",
		 why[0] ? why : "no reference file");
	return;
bound:
	m->status = REF_OK;
	snprintf(m->status_msg, sizeof(m->status_msg), "%s (%s)",
		 m->ref.path, m->ref.source);
}

/* Load bias from the region that maps the lowest file offset. */
static void compute_bias(struct module *m, const struct snap *s,
			 uint64_t page)
{
	const struct snap_region *g = NULL;
	uint32_t i;
	size_t k;

	if (m->ref.e_type == ET_EXEC) {
		m->bias = 0;
		m->has_bias = true;
	}
	for (i = m->first; i <= m->last && !m->has_bias; i++)
		if (!g || s->regions[i].offset < g->offset)
			g = &s->regions[i];
	for (k = 0; g && k < m->ref.nsegs; k++) {
		const struct elf_seg *e = &m->ref.segs[k];

		if ((e->offset & ~(page - 1)) == g->offset) {
			m->bias = g->start - (e->vaddr & ~(page - 1));
			m->has_bias = true;
			break;
		}
	}
	if (!m->has_bias)
		return;
	m->img_lo = UINT64_MAX;
	for (k = 0; k < m->ref.nsegs; k++) {
		const struct elf_seg *e = &m->ref.segs[k];
		uint64_t lo = m->bias + (e->vaddr & ~(page - 1));
		uint64_t hi = m->bias + e->vaddr + e->memsz;

		if (lo < m->img_lo)
			m->img_lo = lo;
		if (hi > m->img_hi)
			m->img_hi = hi;
	}
}

static void module_key(struct module *m)
{
	const uint8_t *id = m->ref.build_id_len ? m->ref.build_id
						: m->rec_build_id;
	size_t n = m->ref.build_id_len ? m->ref.build_id_len
				       : m->rec_build_id_len;

	if (n)
		msnap_hex(id, n, m->key);
	else
		snprintf(m->key, sizeof(m->key), "%.128s", module_base_name(m));
}

static int add_module(struct modules *ms, size_t *cap, struct snap *s,
		      uint32_t i)
{
	const struct snap_region *g = &s->regions[i];
	struct module *m;

	if (ms->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		struct module *v = realloc(ms->v, nc * sizeof(*v));

		if (!v)
			return -1;
		ms->v = v;
		*cap = nc;
	}
	m = &ms->v[ms->n++];
	memset(m, 0, sizeof(*m));
	m->path = strdup(g->path.s);
	if (!m->path)
		return -1;
	m->inode = g->inode;
	m->first = m->last = i;
	m->lo = g->start;
	m->hi = g->end;
	m->deleted = g->kind_id == MSNAP_KIND_DELETED;
	m->memfd = g->kind_id == MSNAP_KIND_MEMFD || !strncmp(g->path.s, "/memfd:", 7);
	recorded_identity(m, s, i);
	return 0;
}

static bool same_file(const struct module *m, const struct snap_region *g)
{
	return !strcmp(m->path, g->path.s) && m->inode == g->inode;
}

/* Without auxv, the executable is the module at process.exe.path. */
static bool exe_path_is(const struct snap *s, const char *path)
{
	struct snap_bytes exe = { 0 };
	bool same;

	if (snap_fact_bytes(s, "process.exe.path", &exe) || !exe.s)
		return false;
	same = !strcmp(exe.s, path);
	snap_bytes_free(&exe);
	return same;
}

int modules_build(struct modules *ms, struct snap *s,
		  const struct ref_opts *o, char *msg, size_t msglen)
{
	uint64_t page = s->info->page_size ? s->info->page_size : 4096;
	uint64_t at_entry = 0, at_base = 0;
	size_t cap = 0, k, nauxv;
	uint32_t i;

	memset(ms, 0, sizeof(*ms));
	for (i = 0; i < s->manifest_regions; i++) {
		const struct snap_region *g = &s->regions[i];
		struct module *m = ms->n ? &ms->v[ms->n - 1] : NULL;

		if (!file_backed(g))
			continue;
		if (m && m->last + 1 == i && same_file(m, g) &&
		    g->offset != 0) {
			m->last = i;
			m->hi = g->end;
		} else if (add_module(ms, &cap, s, i)) {
			return fail(msg, msglen, "out of memory");
		}
		m = &ms->v[ms->n - 1];
		if (g->perms[2] == 'x')
			m->executable = true;
	}
	if (snap_fact_count(s, "process.auxv", &nauxv))
		nauxv = 0;
	for (k = 0; k < nauxv; k++) {
		uint64_t type, val;

		if (snap_auxv_at(s, k, &type, &val))
			continue;
		if (type == AT_ENTRY)
			at_entry = val;
		else if (type == AT_BASE)
			at_base = val;
	}
	for (k = 0; k < ms->n; k++) {
		struct module *m = &ms->v[k];

		m->is_exe = at_entry ? at_entry >= m->lo && at_entry < m->hi
				     : exe_path_is(s, m->path);
		m->is_interp = at_base && at_base >= m->lo && at_base < m->hi;
		if (!m->executable) {
			/* Data files (locale, caches) are not code. */
			m->status = REF_NOT_ELF;
			module_key(m);
			continue;
		}
		bind_reference(m, s, o);
		if (m->status == REF_OK)
			compute_bias(m, s, page);
		module_key(m);
	}
	return 0;
}

void modules_free(struct modules *ms)
{
	size_t i;

	for (i = 0; i < ms->n; i++) {
		free(ms->v[i].path);
		elfref_free(&ms->v[i].ref);
	}
	free(ms->v);
	memset(ms, 0, sizeof(*ms));
}

const struct module *modules_at(const struct modules *ms, uint64_t addr)
{
	size_t i;

	for (i = 0; i < ms->n; i++)
		if (addr >= ms->v[i].lo && addr < ms->v[i].hi)
			return &ms->v[i];
	/* The bss past the last file page belongs to its module too. */
	for (i = 0; i < ms->n; i++)
		if (ms->v[i].has_bias && addr >= ms->v[i].img_lo &&
		    addr < ms->v[i].img_hi)
			return &ms->v[i];
	return NULL;
}

void describe_addr(const struct snap *s, const struct modules *ms,
		   uint64_t addr, char *out, size_t outlen)
{
	const struct module *m = modules_at(ms, addr);
	const struct snap_region *g;
	int64_t idx;

	if (m && m->status == REF_OK && m->has_bias) {
		const struct elf_sym *f = NULL;

		if (elfref_in_code(&m->ref, addr - m->bias))
			f = elfref_func_at(&m->ref, addr - m->bias);
		if (f)
			snprintf(out, outlen, "%s+0x%" PRIx64 ":%s+0x%" PRIx64,
				 module_base_name(m), addr - m->bias, f->name,
				 addr - m->bias - f->value);
		else
			snprintf(out, outlen, "%s+0x%" PRIx64,
				 module_base_name(m), addr - m->bias);
		return;
	}
	if (m) {
		snprintf(out, outlen, "%s+0x%" PRIx64 " (from its first mapping)",
			 module_base_name(m), addr - m->lo);
		return;
	}
	idx = msnap_find_region(s->rd, addr);
	if (idx < 0 || (uint64_t)idx >= s->nregions) {
		snprintf(out, outlen, "unmapped");
		return;
	}
	g = &s->regions[idx];
	if (g->path.s && g->path.len && g->path.s[0] == '[')
		snprintf(out, outlen, "%.64s+0x%" PRIx64 " (%s)", g->path.s,
			 addr - g->start, g->perms);
	else if (g->path.s && g->path.len)
		snprintf(out, outlen, "%.200s+0x%" PRIx64 " (%s)", g->path.s,
			 addr - g->start, g->perms);
	else
		snprintf(out, outlen, "anon 0x%" PRIx64 "-0x%" PRIx64 " %s",
			 g->start, g->end, g->perms);
}
