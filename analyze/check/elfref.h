/* SPDX-License-Identifier: MIT */
/*
 * elfref.h - reference ELF files for `check`: what it needs from one
 * (segments, symbols, dynamic relocations, dynamic entries), read with
 * libelf gelf.  Which file is a module's reference: modules.h.
 *
 * A reference file may be hostile or broken: every offset, size and count
 * is checked against the file before use; a malformed file is refused
 * with a message, never trusted in part.
 */
#ifndef ANA_ELFREF_H
#define ANA_ELFREF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libelf.h>

/* Reference files larger than this are refused. */
#define ELFREF_MAX_FILE (1ull << 31)

struct elf_seg {
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t flags;               /* PF_* */
};

struct elf_sym {
	const char *name;             /* points into the reference's bytes */
	uint64_t value, size;
	uint8_t type, bind;
	bool defined;
};

struct elf_rel {
	uint64_t offset;              /* vaddr of the slot */
	uint32_t type;                /* R_X86_64_* */
	uint32_t sym;                 /* index into dsyms, 0 if none */
	int64_t addend;
};

struct elfref {
	char *path;                   /* where the bytes came from */
	const char *source;           /* "snapshot", "sysroot", "ref", "host" */
	uint8_t *data;
	size_t size;
	bool mapped;                  /* data is a private mapping of the file */
	Elf *elf;
	uint16_t e_type;              /* ET_EXEC, ET_DYN */
	uint64_t entry;
	struct elf_seg *segs;         /* PT_LOAD, in file order */
	size_t nsegs;
	uint64_t relro_vaddr, relro_memsz;
	struct elf_sym *dsyms;        /* .dynsym by index */
	size_t ndsyms;
	struct elf_sym **by_name;     /* dynsyms with a value, by name */
	size_t nby_name;
	struct elf_sym *funcs;        /* defined functions (symtab + dynsym), by value */
	size_t nfuncs;
	struct elf_rel *rels;         /* dynamic relocations (RELA + RELR) */
	size_t nrels;
	const char **needed;          /* DT_NEEDED */
	size_t nneeded;
	const char *soname;
	bool textrel;
	bool imports_dlopen;          /* undefined dlopen/dlmopen */
	uint64_t plt_lo, plt_hi;      /* .plt, .plt.sec: lazy-binding stubs */
	uint64_t plt2_lo, plt2_hi;
	uint64_t init_array, init_arraysz;
	uint64_t fini_array, fini_arraysz;
	uint64_t preinit_array, preinit_arraysz;
	uint8_t build_id[64];
	size_t build_id_len;
};

/* Parse an ELF image already in memory; takes ownership of data. */
int elfref_load(struct elfref *r, uint8_t *data, size_t size,
		const char *path, char *msg, size_t msglen);
/* Read and parse a file. */
int elfref_open_file(struct elfref *r, const char *path, char *msg,
		     size_t msglen);
void elfref_free(struct elfref *r);

/* The file bytes [off, off+len), or NULL if not inside the file. */
const uint8_t *elfref_file_bytes(const struct elfref *r, uint64_t off,
				 uint64_t len);
/* The PT_LOAD holding vaddr, or NULL. */
const struct elf_seg *elfref_seg_at(const struct elfref *r, uint64_t vaddr);
/* File bytes for [vaddr, vaddr+len) within one segment's p_filesz. */
const uint8_t *elfref_vaddr_bytes(const struct elfref *r, uint64_t vaddr,
				  uint64_t len);
/* The function containing vaddr (or the nearest one below it), or NULL. */
const struct elf_sym *elfref_func_at(const struct elfref *r, uint64_t vaddr);
/* Defined dynamic symbols named name: [*first, *first + *n). */
void elfref_lookup(const struct elfref *r, const char *name,
		   struct elf_sym *const **first, size_t *n);
/* Is vaddr inside a PF_X segment (within p_memsz)? */
bool elfref_in_code(const struct elfref *r, uint64_t vaddr);

/* Write a message into msg[msglen]; returns -1 (return elfref_fail(...)). */
int elfref_fail(char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
