/* SPDX-License-Identifier: MIT */
/*
 * modules.h - the modules a snapshot maps, where their reference copy
 * comes from (the snapshot, a sysroot, --ref, this machine), whether that
 * copy is the one the process loaded, and their load bias.
 */
#ifndef ANA_MODULES_H
#define ANA_MODULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elfref.h"
#include "snapshot.h"

enum ref_status {
	REF_OK,
	REF_UNAVAILABLE,          /* no candidate file at all */
	REF_REPLACED,             /* candidates exist, none is what was loaded */
	REF_BROKEN,               /* the matching file is not a usable ELF */
	REF_NOT_ELF,              /* a data file (locale, cache): not checked */
};

struct module {
	char *path;                   /* pathname column of maps */
	char dev[16];
	uint64_t inode;
	uint32_t first, last;         /* its regions (snapshot indexes) */
	uint64_t lo, hi;              /* span of its file mappings */
	uint64_t img_lo, img_hi;      /* with the bias: every PT_LOAD, bss included */
	bool executable;              /* one of its regions has x */
	bool is_exe, is_interp;
	bool deleted, memfd;
	bool has_bias;
	uint64_t bias;                /* load bias: runtime = bias + vaddr */
	enum ref_status status;
	char status_msg[512];
	struct elfref ref;            /* when status == REF_OK */
	char key[136];                /* build-id hex, else the basename */
	bool needed;                  /* in the DT_NEEDED closure */
	bool preloaded;               /* named by LD_PRELOAD */
	/* What the capture recorded about the backing file. */
	uint8_t rec_build_id[64];
	size_t rec_build_id_len;
	bool rec_has_size;
	uint64_t rec_size;
	char rec_mtime[48];
};

struct ref_opts {
	const char *sysroot;          /* NULL if none */
	const char **refs;            /* --ref FILE|DIR */
	size_t nrefs;
	bool no_host;                 /* never use this machine's files */
};

struct modules {
	struct module *v;
	size_t n;
};

/*
 * Group the snapshot's file-backed regions into modules, find and check
 * each one's reference (stored copy, sysroot, --ref, this machine), and
 * compute load biases.  Needs snap_load_regions().  Returns 0, or -1 on
 * a fatal error (out of memory) with msg set.
 */
int modules_build(struct modules *ms, struct snap *s,
		  const struct ref_opts *o, char *msg, size_t msglen);
void modules_free(struct modules *ms);
/* The module whose span holds addr, or NULL. */
const struct module *modules_at(const struct modules *ms, uint64_t addr);
const char *module_base_name(const struct module *m);

/*
 * Describe where addr lies, for a finding's target: "libc.so.6+0x2a0:puts",
 * "[heap]+0x10", "anon 0x7f..-0x7f.. rwxp", or "unmapped".
 */
void describe_addr(const struct snap *s, const struct modules *ms,
		   uint64_t addr, char *out, size_t outlen);

#endif
