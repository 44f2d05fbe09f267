// SPDX-License-Identifier: MIT
/*
 * fuzz_elfref.c - libFuzzer target for reference ELF parsing (elfref.c,
 * through libelf): any bytes given as a `check --ref` file must be
 * refused with a message or give a reference whose every accessor stays
 * inside the file: program headers, sections, notes (build-id), dynamic
 * symbols, RELA/RELR relocations, dynamic entries.  Then codecheck's hook
 * decoder (patch_classify) runs over the bytes of the code segments.
 *
 * Seeds: small ELF files of this machine's toolchain (tests/fuzz/corpus/elfref/).
 *
 * fuzz-max-len: 65536
 *
 * fuzz-seconds-percent: 50
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codecheck.h"
#include "elfref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bytes an accessor hands out must lie inside the file. */
static void in_file(const struct elfref *r, const uint8_t *p, uint64_t len)
{
	if (p && (p < r->data || len > r->size ||
		  (size_t)(p - r->data) > r->size - len))
		abort();
}

static void walk(const struct elfref *r)
{
	struct elf_sym *const *first;
	struct patch_class pc;
	const uint8_t *p;
	size_t i, n, k;

	for (i = 0; i < r->nsegs; i++) {
		const struct elf_seg *s = &r->segs[i];
		const uint64_t len = s->filesz < 256 ? s->filesz : 256;

		(void)elfref_seg_at(r, s->vaddr);
		(void)elfref_in_code(r, s->vaddr + s->memsz / 2);
		p = elfref_vaddr_bytes(r, s->vaddr, len);
		in_file(r, p, len);
		in_file(r, elfref_file_bytes(r, s->offset, s->filesz),
			s->filesz);
		if (p && len)
			(void)patch_classify(p, (size_t)len, s->vaddr, &pc);
		(void)elfref_func_at(r, s->vaddr + 1);
	}
	for (i = 0; i < r->ndsyms; i++) {
		const struct elf_sym *s = &r->dsyms[i];

		if (!s->name)
			continue;
		(void)strlen(s->name);
		elfref_lookup(r, s->name, &first, &n);
		for (k = 0; k < n; k++)
			if (strcmp(first[k]->name, s->name))
				abort();
		(void)elfref_func_at(r, s->value);
	}
	for (i = 0; i < r->nrels; i++) {
		if (r->rels[i].sym >= r->ndsyms && r->rels[i].sym)
			abort();
		(void)elfref_vaddr_bytes(r, r->rels[i].offset, 8);
	}
	for (i = 0; i < r->nneeded; i++)
		(void)strlen(r->needed[i]);
	if (r->soname)
		(void)strlen(r->soname);
	if (r->build_id_len > sizeof(r->build_id))
		abort();
	(void)elfref_vaddr_bytes(r, r->entry, 16);
	(void)elfref_vaddr_bytes(r, r->init_array, r->init_arraysz);
	(void)elfref_vaddr_bytes(r, UINT64_MAX - 3, 8);
	(void)elfref_file_bytes(r, UINT64_MAX - 3, 8);
	(void)elfref_file_bytes(r, 0, UINT64_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elfref r;
	char msg[512];
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	/* elfref_load owns copy from here, whatever it returns */
	if (elfref_load(&r, copy, size, "fuzz.so", msg, sizeof(msg)) == 0)
		walk(&r);
	elfref_free(&r);
	return 0;
}
