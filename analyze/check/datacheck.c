// SPDX-License-Identifier: MIT
/*
 * datacheck.c - the pointers the dynamic loader wrote, each checked
 * against what the reference's relocations make of it with the captured
 * load biases.  A slot on a page the capture did not read is unknown and
 * skipped, never "wrong".
 */
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datacheck.h"
#include "modules.h"
#include "interpose.h"
#include "rules.h"
#include "snapshot.h"

#ifndef STT_GNU_IFUNC
#define STT_GNU_IFUNC 10
#endif

/*
 * The module's writable segments (GOT, RELRO, .data), read once: a big
 * library has hundreds of thousands of slots, and reading them one by one
 * in relocation order (by symbol, not by address) decompresses the same
 * chunks again and again.
 */
struct slot_win {
	uint64_t lo, hi;            /* [lo, hi) held in buf, page aligned */
	uint8_t *buf;
	uint8_t *states;            /* one MSNAP_PAGE_* per page */
	uint64_t page;
};

/* A window larger than this is not read at once: slots are read singly. */
#define SLOT_WIN_MAX (256ull << 20)

static bool captured(uint8_t st)
{
	return st == MSNAP_PAGE_DATA || st == MSNAP_PAGE_ZERO;
}

static void win_free(struct slot_win *w)
{
	free(w->buf);
	free(w->states);
	memset(w, 0, sizeof(*w));
}

/* Read the span of m's writable PT_LOADs; an empty window on any failure. */
static void win_load(struct check_ctx *c, const struct module *m,
		     struct slot_win *w)
{
	uint64_t page = c->s->info->page_size ? c->s->info->page_size : 4096;
	uint64_t lo = UINT64_MAX, hi = 0, a, e;
	struct msnap_error err;
	size_t k;

	memset(w, 0, sizeof(*w));
	for (k = 0; k < m->ref.nsegs; k++) {
		const struct elf_seg *g = &m->ref.segs[k];

		if (!(g->flags & PF_W) || !g->memsz ||
		    g->vaddr + g->memsz < g->vaddr)
			continue;
		a = m->bias + g->vaddr;
		e = a + g->memsz;
		if (e < a)
			continue;
		lo = a < lo ? a : lo;
		hi = e > hi ? e : hi;
	}
	if (lo >= hi)
		return;
	lo &= ~(page - 1);
	if (hi > UINT64_MAX - page)
		return;
	hi = (hi + page - 1) & ~(page - 1);
	if (hi - lo > SLOT_WIN_MAX)
		return;
	w->buf = malloc(hi - lo);
	w->states = malloc((hi - lo) / page);
	if (!w->buf || !w->states ||
	    msnap_read(c->s->rd, lo, w->buf, hi - lo, w->states, &err)) {
		win_free(w);
		return;
	}
	w->lo = lo;
	w->hi = hi;
	w->page = page;
}

/* The 8-byte value at addr, if its page was captured. */
static bool read_slot(struct check_ctx *c, const struct slot_win *w,
		      uint64_t addr, uint64_t *v)
{
	struct msnap_error err;
	uint8_t st[2] = { MSNAP_PAGE_ABSENT, MSNAP_PAGE_ABSENT };
	uint64_t page = c->s->info->page_size;

	if (w && w->buf && addr >= w->lo && addr < w->hi &&
	    w->hi - addr >= 8) {
		uint64_t off = addr - w->lo;

		memcpy(v, w->buf + off, 8);
		return captured(w->states[off / w->page]) &&
		       captured(w->states[(off + 7) / w->page]);
	}
	if (msnap_read(c->s->rd, addr, v, 8, st, &err))
		return false;
	if (!captured(st[0]))
		return false;
	/* A slot across a page boundary needs both pages. */
	if (page && (addr & (page - 1)) > page - 8 && !captured(st[1]))
		return false;
	return true;
}

static bool in_plt(const struct module *m, uint64_t v)
{
	uint64_t a = v - m->bias;

	return (a >= m->ref.plt_lo && a < m->ref.plt_hi) ||
	       (a >= m->ref.plt2_lo && a < m->ref.plt2_hi);
}

static bool in_own_code(const struct module *m, uint64_t v)
{
	return v >= m->bias && elfref_in_code(&m->ref, v - m->bias);
}

enum slot_verdict {
	SLOT_OK,
	SLOT_PRELOAD,            /* a preload's definition: intended */
	SLOT_PRELOAD_SENSITIVE,  /* ... of a libc file/dir/process/socket call */
	SLOT_INTERPOSED,         /* such a call bound outside libc */
	SLOT_UNREACHABLE,        /* bound where no symbol lookup could go */
	SLOT_UNKNOWN,
	SLOT_BAD,
};

/* Does module t define name at v (or an IFUNC of that name, v its result)? */
static bool defines_at(const struct module *t, const char *name, uint64_t v)
{
	struct elf_sym *const *syms;
	size_t n, i;

	if (t->status != REF_OK || !t->has_bias)
		return false;
	elfref_lookup(&t->ref, name, &syms, &n);
	for (i = 0; i < n; i++) {
		if (t->bias + syms[i]->value == v)
			return true;
		if (syms[i]->defined && syms[i]->type == STT_GNU_IFUNC &&
		    in_own_code(t, v))
			return true;
	}
	return false;
}

static bool in_vdso(const struct check_ctx *c, uint64_t v)
{
	int64_t r = msnap_find_region(c->s->rd, v);
	const struct snap_region *g;

	if (r < 0 || (uint64_t)r >= c->s->nregions)
		return false;
	g = &c->s->regions[r];
	return g->kind_id == MSNAP_KIND_VDSO;
}

static bool ifunc_somewhere(const struct check_ctx *c, const char *name)
{
	struct elf_sym *const *syms;
	size_t i, k, n;

	for (i = 0; i < c->ms->n; i++) {
		if (c->ms->v[i].status != REF_OK)
			continue;
		elfref_lookup(&c->ms->v[i].ref, name, &syms, &n);
		for (k = 0; k < n; k++)
			if (syms[k]->defined && syms[k]->type == STT_GNU_IFUNC)
				return true;
	}
	return false;
}

/* An exported definition of name in module t (any address). */
static bool exports(const struct module *t, const char *name)
{
	struct elf_sym *const *syms;
	size_t n, i;

	if (t->status != REF_OK || !t->has_bias)
		return false;
	elfref_lookup(&t->ref, name, &syms, &n);
	for (i = 0; i < n; i++)
		if (syms[i]->defined && syms[i]->value &&
		    syms[i]->bind != STB_LOCAL)
			return true;
	return false;
}

/*
 * Every lookup searches the global scope (the program, its DT_NEEDED
 * closure, preloads) first.  A slot bound to a library outside it, for a
 * name that a library inside it defines, was not bound by ld.so: someone
 * wrote it.  Returns that earlier definer, or NULL.
 */
static const struct module *earlier_definer(const struct check_ctx *c,
					    const struct module *tm,
					    const char *name)
{
	size_t i;

	if (tm->needed || !c->closure_known)
		return NULL;
	for (i = 0; i < c->ms->n; i++) {
		const struct module *d = &c->ms->v[i];

		if (d != tm && d->needed && d->executable && exports(d, name))
			return d;
	}
	return NULL;
}

static enum slot_verdict judge_binding(const struct check_ctx *c,
				       const struct module *m,
				       const struct module *tm,
				       const char *name)
{
	bool sensitive = interpose_class(name) && !interpose_home(tm);

	if (tm == m)
		return SLOT_OK;
	if (earlier_definer(c, tm, name))
		return SLOT_UNREACHABLE;
	if (tm->preloaded)
		return sensitive ? SLOT_PRELOAD_SENSITIVE : SLOT_PRELOAD;
	return sensitive ? SLOT_INTERPOSED : SLOT_OK;
}

static enum slot_verdict judge_slot(struct check_ctx *c,
				    const struct module *m,
				    const struct elf_rel *r, uint64_t v,
				    const struct module **tm)
{
	const char *name = m->ref.dsyms[r->sym].name;

	*tm = modules_at(c->ms, v);
	/* Unresolved weak symbols stay 0. */
	if (!v)
		return SLOT_OK;
	if (r->type == R_X86_64_JUMP_SLOT && in_plt(m, v))
		return SLOT_OK;
	/* libc's time, gettimeofday...: IFUNCs that pick the vDSO's code. */
	if (!*tm && in_vdso(c, v) && ifunc_somewhere(c, name))
		return SLOT_OK;
	if (!*tm)
		return SLOT_BAD;
	if ((*tm)->status != REF_OK || !(*tm)->has_bias)
		return SLOT_UNKNOWN;
	if (defines_at(*tm, name, v))
		return judge_binding(c, m, *tm, name);
	return SLOT_BAD;
}

/* How each verdict is reported: type, severity, score. */
struct slot_report {
	enum rule_id rule;
	enum fsev sev;
	unsigned score;
};

static struct slot_report slot_report(enum slot_verdict v,
				      const struct module *tm)
{
	switch (v) {
	case SLOT_PRELOAD:
		return (struct slot_report){ RULE_preload_interposition,
					     FSEV_INFO, 10 };
	case SLOT_PRELOAD_SENSITIVE:
		return (struct slot_report){ RULE_preload_interposition,
					     FSEV_MEDIUM, 65 };
	case SLOT_INTERPOSED:
		return (struct slot_report){ RULE_interposed_call, FSEV_MEDIUM,
					     60 };
	case SLOT_UNREACHABLE:
		return (struct slot_report){ RULE_got_hook, FSEV_HIGH, 90 };
	default:
		return (struct slot_report){ RULE_got_hook, FSEV_HIGH,
					     tm ? 85 : 95 };
	}
}

static void got_evidence(struct check_ctx *c, struct finding *f,
			 const struct module *m, const struct elf_rel *r,
			 const struct module *tm, enum slot_verdict verdict)
{
	const char *name = m->ref.dsyms[r->sym].name;
	const char *what = interpose_class(name);
	const struct module *d;

	switch (verdict) {
	case SLOT_PRELOAD:
		finding_set(f, &f->evidence, "%s resolves to the preloaded %s",
			    name, module_base_name(tm));
		return;
	case SLOT_PRELOAD_SENSITIVE:
	case SLOT_INTERPOSED:
		finding_set(f, &f->evidence,
			    "%s resolves to %s%s, not libc: it interposes a %s function (a rootkit hides files, processes or connections this way)",
			    name, verdict == SLOT_PRELOAD_SENSITIVE ?
			    "the preloaded " : "", module_base_name(tm), what);
		return;
	case SLOT_UNREACHABLE:
		d = earlier_definer(c, tm, name);
		finding_set(f, &f->evidence,
			    "the slot of %s is bound to %s, a library outside the program's global scope (not needed, not preloaded), although %s defines %s there first: no symbol lookup of ld.so binds it so",
			    name, module_base_name(tm),
			    d ? module_base_name(d) : "a needed library", name);
		return;
	default:
		finding_set(f, &f->evidence,
			    "the %s slot of %s points %s, not to its PLT stub nor to a definition of %s in a loaded module",
			    r->type == R_X86_64_JUMP_SLOT ? "GOT/PLT" : "GOT",
			    name, tm == m ? "into its own module's code" :
			    tm ? "into another module" : "outside every module",
			    name);
	}
}

static void got_finding(struct check_ctx *c, const struct module *m,
			const struct elf_rel *r, uint64_t slot, uint64_t v,
			const struct module *tm, enum slot_verdict verdict)
{
	struct slot_report how = slot_report(verdict, tm);
	struct finding *f = finding_new_at(c->fs, how.rule, how.sev, how.score,
					   slot, 8);
	char where[400];

	f->region = msnap_find_region(c->s->rd, slot);
	finding_module(f, m->path, m->key, slot - m->bias);
	finding_set(f, &f->symbol, "%s", m->ref.dsyms[r->sym].name);
	describe_addr(c->s, c->ms, v, where, sizeof(where));
	f->has_target = true;
	f->target_addr = v;
	finding_set(f, &f->target, "%s", where);
	got_evidence(c, f, m, r, tm, verdict);
}

/* name: the symbol of an absolute relocation, NULL for a RELATIVE one. */
static void relro_finding(struct check_ctx *c, const struct module *m,
			  uint64_t slot, uint64_t v, uint64_t want,
			  const char *name, int64_t addend)
{
	struct finding *f = finding_new(c->fs, RULE_relro_modified, slot, 8);
	char where[400];

	f->region = msnap_find_region(c->s->rd, slot);
	finding_module(f, m->path, m->key, slot - m->bias);
	describe_addr(c->s, c->ms, v, where, sizeof(where));
	f->has_target = true;
	f->target_addr = v;
	finding_set(f, &f->target, "%s", where);
	if (name) {
		finding_set(f, &f->symbol, "%s", name);
		finding_set(f, &f->evidence,
			    "read-only-after-relocation pointer holds 0x%" PRIx64
			    ", which is not %s%+" PRId64 " in any loaded module",
			    v, name, addend);
		return;
	}
	finding_set(f, &f->evidence,
		    "read-only-after-relocation pointer holds 0x%" PRIx64
		    ", its relocation gives 0x%" PRIx64, v, want);
	finding_bytes(f, (const uint8_t *)&want, (const uint8_t *)&v, 8);
}

/*
 * S + A of an R_X86_64_64: v - A must be where some loaded module defines
 * S.  Targets without a verified reference cannot be judged: not reported.
 */
static bool abs64_ok(struct check_ctx *c, const struct module *m,
		     const struct elf_rel *r, uint64_t v)
{
	const char *name = m->ref.dsyms[r->sym].name;
	const uint64_t sv = v - (uint64_t)r->addend;
	const struct module *tm;

	if (!sv)
		return true;            /* an unresolved weak symbol */
	tm = modules_at(c->ms, sv);
	if (!tm)
		return in_vdso(c, sv) && ifunc_somewhere(c, name);
	if (tm->status != REF_OK || !tm->has_bias)
		return true;
	return defines_at(tm, name, sv);
}

static bool in_relro(const struct module *m, uint64_t vaddr)
{
	return m->ref.relro_memsz && vaddr >= m->ref.relro_vaddr &&
	       vaddr - m->ref.relro_vaddr < m->ref.relro_memsz;
}

static void check_relocs(struct check_ctx *c, const struct module *m,
			 const struct slot_win *w)
{
	size_t i;

	for (i = 0; i < m->ref.nrels; i++) {
		const struct elf_rel *r = &m->ref.rels[i];
		uint64_t slot = m->bias + r->offset, v;
		const struct module *tm;
		enum slot_verdict verdict;

		if (r->type == R_X86_64_RELATIVE) {
			uint64_t want = m->bias + (uint64_t)r->addend;

			/* Writable data may change; RELRO may not. */
			if (in_relro(m, r->offset) && read_slot(c, w, slot, &v) &&
			    v != want)
				relro_finding(c, m, slot, v, want, NULL, 0);
			continue;
		}
		if (r->type == R_X86_64_64 && r->sym) {
			/* pointers to symbols, e.g. tables in .data.rel.ro */
			if (in_relro(m, r->offset) && read_slot(c, w, slot, &v) &&
			    !abs64_ok(c, m, r, v))
				relro_finding(c, m, slot, v, 0,
					      m->ref.dsyms[r->sym].name,
					      r->addend);
			continue;
		}
		if ((r->type != R_X86_64_JUMP_SLOT &&
		     r->type != R_X86_64_GLOB_DAT) || !r->sym)
			continue;
		if (!read_slot(c, w, slot, &v))
			continue;
		verdict = judge_slot(c, m, r, v, &tm);
		if (verdict != SLOT_OK && verdict != SLOT_UNKNOWN)
			got_finding(c, m, r, slot, v, tm, verdict);
	}
}

/* init/fini arrays: every entry into the module's own code. */
static void check_array(struct check_ctx *c, const struct module *m,
			const struct slot_win *w, enum rule_id rule,
			const char *what, uint64_t vaddr, uint64_t size)
{
	uint64_t k, v;
	char where[400];

	if (!vaddr || size > (1u << 20))
		return;
	for (k = 0; k + 8 <= size; k += 8) {
		uint64_t slot = m->bias + vaddr + k;
		struct finding *f;

		if (!read_slot(c, w, slot, &v))
			continue;
		if (!v || v == UINT64_MAX || in_own_code(m, v))
			continue;
		f = finding_new(c->fs, rule, slot, 8);
		f->region = msnap_find_region(c->s->rd, slot);
		finding_module(f, m->path, m->key, slot - m->bias);
		describe_addr(c->s, c->ms, v, where, sizeof(where));
		f->has_target = true;
		f->target_addr = v;
		finding_set(f, &f->target, "%s", where);
		finding_set(f, &f->evidence,
			    "entry %" PRIu64 " of %s points outside the module's code",
			    k / 8, what);
	}
}

static void check_entry(struct check_ctx *c, const struct module *m)
{
	uint64_t want = m->bias + m->ref.entry, type, val;
	struct finding *f;
	char where[400];
	size_t k, n;

	if (snap_fact_count(c->s, "process.auxv", &n))
		return;
	for (k = 0; k < n; k++) {
		if (snap_auxv_at(c->s, k, &type, &val) || type != AT_ENTRY)
			continue;
		if (val == want && in_own_code(m, val))
			return;
		f = finding_new(c->fs, RULE_entry_point_modified, val, 1);
		finding_module(f, m->path, m->key, val - m->bias);
		describe_addr(c->s, c->ms, val, where, sizeof(where));
		f->has_target = true;
		f->target_addr = val;
		finding_set(f, &f->target, "%s", where);
		finding_set(f, &f->evidence,
			    "AT_ENTRY is 0x%" PRIx64 ", the file's e_entry with the load bias gives 0x%" PRIx64,
			    val, want);
		return;
	}
}

int data_check(struct check_ctx *c)
{
	struct slot_win w;
	size_t i;

	for (i = 0; i < c->ms->n; i++) {
		const struct module *m = &c->ms->v[i];

		if (!m->executable || m->status != REF_OK || !m->has_bias)
			continue;
		win_load(c, m, &w);
		check_relocs(c, m, &w);
		check_array(c, m, &w, RULE_init_array_hook, "init_array",
			    m->ref.init_array, m->ref.init_arraysz);
		check_array(c, m, &w, RULE_fini_array_hook, "fini_array",
			    m->ref.fini_array, m->ref.fini_arraysz);
		check_array(c, m, &w, RULE_preinit_array_hook,
			    "preinit_array", m->ref.preinit_array,
			    m->ref.preinit_arraysz);
		win_free(&w);
		if (m->is_exe)
			check_entry(c, m);
	}
	return 0;
}
