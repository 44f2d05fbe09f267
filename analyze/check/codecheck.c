// SPDX-License-Identifier: MIT
/*
 * codecheck.c - is the code that ran the code on disk?
 *
 * Only pages the capture read (DATA, ZERO) are evidence: an ABSENT page of
 * a file mapping is a file page never loaded, not a page of zeros.  Text
 * relocations, where a file has them, are applied to the reference copy
 * first (RELATIVE computed, other kinds left out of the comparison).
 */
#include <capstone/capstone.h>
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecheck.h"
#include "modules.h"
#include "patchctx.h"
#include "rules.h"
#include "snapshot.h"

/* Changed bytes closer than this belong to one patch. */
#define PATCH_GAP 8u
/* Bytes read from the snapshot per step. */
#define STEP_BYTES (1u << 20)

const char *patch_kind_name(enum patch_kind k)
{
	static const char *const names[] = {
		[PATCH_UNKNOWN] = "unknown",
		[PATCH_JMP_REL32] = "jmp rel32",
		[PATCH_CALL_REL32] = "call rel32",
		[PATCH_JMP_REL8] = "jmp rel8",
		[PATCH_JMP_INDIRECT] = "jmp [rip+disp32]",
		[PATCH_MOVABS_JMP] = "movabs + jmp reg",
		[PATCH_PUSH_RET] = "push imm32 + ret",
		[PATCH_INT3] = "int3 breakpoint",
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

static int32_t rd32(const uint8_t *p)
{
	int32_t v;

	memcpy(&v, p, 4);
	return v;
}

static bool movabs_jmp(const uint8_t *m, size_t n, uint64_t addr,
		       struct patch_class *pc)
{
	unsigned reg;
	uint64_t imm;
	size_t k;

	/* REX.W (+B) B8+r imm64 */
	if (n < 10 || (m[0] != 0x48 && m[0] != 0x49) || m[1] < 0xb8 ||
	    m[1] > 0xbf)
		return false;
	reg = (m[1] - 0xb8u) | (m[0] == 0x49 ? 8u : 0u);
	memcpy(&imm, m + 2, 8);
	k = 10;
	/* jmp/call r64: [41] FF E0+r / FF D0+r */
	if (reg >= 8) {
		if (n < k + 3 || m[k] != 0x41 || m[k + 1] != 0xff)
			return false;
		k++;
	} else if (n < k + 2 || m[k] != 0xff) {
		return false;
	}
	if (m[k + 1] != 0xe0 + (reg & 7) && m[k + 1] != 0xd0 + (reg & 7))
		return false;
	pc->kind = PATCH_MOVABS_JMP;
	pc->insn_addr = addr;
	pc->insn_len = k + 2;
	pc->has_target = true;
	pc->target = imm;
	return true;
}

bool patch_classify(const uint8_t *m, size_t n, uint64_t addr,
		    struct patch_class *pc)
{
	memset(pc, 0, sizeof(*pc));
	if (!n)
		return false;
	pc->insn_addr = addr;
	if ((m[0] == 0xe9 || m[0] == 0xe8) && n >= 5) {
		pc->kind = m[0] == 0xe9 ? PATCH_JMP_REL32 : PATCH_CALL_REL32;
		pc->insn_len = 5;
		pc->has_target = true;
		pc->target = addr + 5 + (uint64_t)(int64_t)rd32(m + 1);
		return true;
	}
	if (m[0] == 0xeb && n >= 2) {
		pc->kind = PATCH_JMP_REL8;
		pc->insn_len = 2;
		pc->has_target = true;
		pc->target = addr + 2 + (uint64_t)(int64_t)(int8_t)m[1];
		return true;
	}
	if (m[0] == 0xff && n >= 6 && m[1] == 0x25) {
		pc->kind = PATCH_JMP_INDIRECT;
		pc->insn_len = 6;
		pc->target_via_memory = true;
		pc->slot = addr + 6 + (uint64_t)(int64_t)rd32(m + 2);
		return true;
	}
	if (m[0] == 0x68 && n >= 6 && m[5] == 0xc3) {
		pc->kind = PATCH_PUSH_RET;
		pc->insn_len = 6;
		pc->has_target = true;
		pc->target = (uint64_t)(int64_t)rd32(m + 1);
		return true;
	}
	if (movabs_jmp(m, n, addr, pc))
		return true;
	if (m[0] == 0xcc) {
		pc->kind = PATCH_INT3;
		pc->insn_len = 1;
		return true;
	}
	return false;
}

/* ---- disassembly ------------------------------------------------------- */

static char *disasm(csh h, const uint8_t *code, size_t n, uint64_t addr)
{
	cs_insn *insn = NULL;
	size_t count, i, len = 0;
	char *out = NULL;
	FILE *fp;

	fp = open_memstream(&out, &len);
	if (!fp)
		return NULL;
	count = cs_disasm(h, code, n, addr, 24, &insn);
	for (i = 0; i < count; i++)
		fprintf(fp, "%s0x%" PRIx64 ": %s %s", i ? "\n" : "",
			insn[i].address, insn[i].mnemonic, insn[i].op_str);
	if (!count)
		fprintf(fp, "(no valid instruction)");
	if (count)
		cs_free(insn, count);
	if (fclose(fp)) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---- comparison ---------------------------------------------------------- */

struct seg_scan {
	struct check_ctx *c;
	struct module *m;
	csh cs;
	bool cs_ok;
	const struct elf_seg *seg;
	const uint8_t *want;       /* reference bytes of the whole segment */
	uint64_t start;            /* runtime address of the segment */
	bool open;                 /* a patch is being grown */
	uint64_t p_lo, p_hi;       /* [lo, hi) of the current patch */
	unsigned patches;          /* of this module */
	unsigned dropped;
	const struct stack_words *stack;  /* candidate return addresses */
};

/* smaps' Anonymous KiB of region i (-1: region 0), 0 when unknown. */
static uint64_t smaps_anon_kb(const struct snap *s, int64_t i)
{
	if (i < 0)
		i = 0;
	if ((uint64_t)i >= s->nregions)
		return 0;
	return s->regions[i].smaps_anon_kb;
}

static void name_symbol(struct finding *f, const struct module *m,
			uint64_t addr)
{
	const struct elf_sym *fn = elfref_func_at(&m->ref, addr - m->bias);

	if (fn)
		finding_set(f, &f->symbol, "%s+0x%" PRIx64, fn->name,
			    addr - m->bias - fn->value);
}

/* Decode, maybe one to four bytes earlier (only an operand changed). */
static bool classify_at(struct seg_scan *sc, uint64_t lo,
			const uint8_t *mem, const uint8_t *file, size_t ctx,
			size_t n, struct patch_class *pc)
{
	size_t k;

	for (k = 0; k <= 4 && k <= ctx; k++) {
		if (k && mem[ctx - k] != file[ctx - k])
			break;
		if (patch_classify(mem + ctx - k, n - (ctx - k), lo - k, pc) &&
		    pc->insn_addr + pc->insn_len > lo &&
		    (pc->kind != PATCH_INT3 || !k))
			return true;
	}
	(void)sc;
	return false;
}

/*
 * Bytes of a read-only segment (ELF and program headers, dynamic symbols
 * and strings, relocation tables, constants) that differ from the file:
 * ld.so never writes there, so whoever did changed what the loader or the
 * program reads, e.g. a symbol's value to divert dlsym().
 */
static void report_rodata(struct seg_scan *sc, uint64_t lo, uint64_t len,
			  const uint8_t *file, const uint8_t *mem, size_t n)
{
	const struct module *m = sc->m;
	struct finding *f;

	f = finding_new(sc->c->fs, RULE_rodata_patch, lo, len);
	if (!f)
		return;
	f->region = msnap_find_region(sc->c->s->rd, lo);
	finding_module(f, m->path, m->key, lo - m->bias);
	finding_set(f, &f->evidence,
		    "%" PRIu64 " byte%s of a read-only segment (file offset 0x%" PRIx64
		    ") differ from %s%s", len, len == 1 ? "" : "s",
		    sc->seg->offset + (lo - sc->start), m->ref.path,
		    len > FINDING_MAX_BYTES ? "; bytes shown cut" : "");
	finding_bytes(f, file, mem, n < len ? n : (size_t)len);
}

/* How far back an instruction boundary is looked for. */
#define BOUNDARY_SCAN 4096u
/* Bytes disassembled around a patch, from that boundary. */
#define CONTEXT_BYTES 256u

/*
 * The last instruction start at or before lo, decoding the file's bytes
 * from the enclosing function's start: a patch often begins inside an
 * instruction, and decoding from its first changed byte shows garbage.
 */
static uint64_t insn_boundary(struct seg_scan *sc, uint64_t lo)
{
	const struct elf_sym *fn = elfref_func_at(&sc->m->ref, lo - sc->m->bias);
	uint64_t at, best = lo;
	const uint8_t *p;
	size_t left;
	cs_insn *in;

	if (!sc->cs_ok || !fn)
		return lo;
	at = sc->m->bias + fn->value;
	if (at > lo || at < sc->start || lo - at > BOUNDARY_SCAN)
		return lo;
	in = cs_malloc(sc->cs);
	if (!in)
		return lo;
	p = sc->want + (at - sc->start);
	left = (size_t)(lo - at) + 1;
	while (left && cs_disasm_iter(sc->cs, &p, &left, &at, in))
		best = in->address;
	cs_free(in, 1);
	return best <= lo ? best : lo;
}

struct patch_ctx {
	const struct snap_thread *ip_thread;   /* about to run it */
	bool return_into;                      /* a saved return address */
	unsigned new_syscalls;                 /* more than the file has */
	bool reg_save;                         /* pushes all registers */
	uint64_t from;                         /* disassembly start */
	char *dis_file, *dis_mem;
};

static void patch_context(struct seg_scan *sc, uint64_t lo, uint64_t hi,
			  struct patch_ctx *px)
{
	uint8_t mem[CONTEXT_BYTES];
	struct code_traits tm;
	struct msnap_error err;
	uint64_t seg_end = sc->start + sc->seg->filesz;
	size_t n;

	memset(px, 0, sizeof(*px));
	px->ip_thread = thread_at(sc->c->s, lo >= 16 ? lo - 16 : 0, hi);
	px->return_into = sc->stack && stack_words_any(sc->stack, lo + 1, hi + 1);
	px->from = insn_boundary(sc, lo);
	n = (size_t)(hi - px->from) + 16;
	if (n > CONTEXT_BYTES)
		n = CONTEXT_BYTES;
	if (px->from + n > seg_end)
		n = (size_t)(seg_end - px->from);
	if (!sc->cs_ok || !n ||
	    msnap_read(sc->c->s->rd, px->from, mem, n, NULL, &err))
		return;
	code_traits(sc->cs, mem, sc->want + (px->from - sc->start), n,
		    px->from, &tm);
	px->new_syscalls = tm.syscalls;
	px->reg_save = tm.pushes >= 6 || tm.pushf;
	px->dis_file = disasm(sc->cs, sc->want + (px->from - sc->start), n,
			      px->from);
	px->dis_mem = disasm(sc->cs, mem, n, px->from);
}

/* Why the patch runs next or is a loader stub; "" if neither. */
static void context_words(const struct patch_ctx *px, char *out, size_t len)
{
	size_t used = 0;
	int w;

	out[0] = '\0';
	if (px->ip_thread) {
		w = snprintf(out, len, "; thread %" PRIu64
			     " is about to execute it (its instruction pointer 0x%" PRIx64 ")",
			     px->ip_thread->tid, (uint64_t)px->ip_thread->regs.rip);
		used = w > 0 && (size_t)w < len ? (size_t)w : used;
	}
	if (px->return_into) {
		w = snprintf(out + used, len - used,
			     "; a thread's stack holds a return address into it");
		used = w > 0 && used + (size_t)w < len ? used + (size_t)w : used;
	}
	if (px->new_syscalls) {
		w = snprintf(out + used, len - used,
			     "; it adds %u system call instruction%s",
			     px->new_syscalls, px->new_syscalls > 1 ? "s" : "");
		used = w > 0 && used + (size_t)w < len ? used + (size_t)w : used;
	}
	if (px->reg_save)
		snprintf(out + used, len - used,
			 "; it saves the registers (pushes them all), like an injected stub");
}

static bool context_is_high(const struct patch_ctx *px)
{
	return px->ip_thread || px->return_into || px->new_syscalls ||
	       px->reg_save;
}

static void report_patch(struct seg_scan *sc)
{
	struct check_ctx *c = sc->c;
	const struct module *m = sc->m;
	uint64_t lo = sc->p_lo, len = sc->p_hi - sc->p_lo;
	/* Context: up to 4 bytes before, the patch, and 16 after. */
	uint8_t mem[4 + FINDING_MAX_BYTES + 16], file[sizeof(mem)];
	size_t ctx = lo - sc->start >= 4 ? 4 : (size_t)(lo - sc->start);
	size_t n = ctx + (len < FINDING_MAX_BYTES ? len : FINDING_MAX_BYTES) + 16;
	uint64_t rel = lo - ctx - sc->start;
	struct patch_class pc;
	struct patch_ctx px;
	struct msnap_error err;
	struct finding *f;
	char where[400], why[300];
	enum rule_id rule = RULE_code_patch;
	enum fsev sev = rules[rule].sev;
	unsigned score = rules[rule].score;
	bool known;
	size_t nb;

	if (rel + n > sc->seg->filesz)
		n = (size_t)(sc->seg->filesz - rel);
	memcpy(file, sc->want + rel, n);
	if (msnap_read(c->s->rd, lo - ctx, mem, n, NULL, &err))
		memset(mem, 0, n);
	sc->patches++;
	if (c->max_patches && sc->patches > c->max_patches) {
		sc->dropped++;
		return;
	}
	if (!(sc->seg->flags & PF_X)) {
		report_rodata(sc, lo, len, file + ctx, mem + ctx, n - ctx);
		return;
	}
	known = classify_at(sc, lo, mem, file, ctx, n, &pc);
	patch_context(sc, lo, lo + len, &px);
	context_words(&px, why, sizeof(why));
	if (known && pc.target_via_memory &&
	    msnap_read(c->s->rd, pc.slot, &pc.target, 8, NULL, &err) == 0)
		pc.has_target = true;
	if (known && pc.kind == PATCH_INT3) {
		if (len == 1) {
			rule = RULE_breakpoint;
			sev = c->tracer_pid > 0 ? FSEV_LOW : FSEV_MEDIUM;
			score = c->tracer_pid > 0 ? 20 : 45;
		}
	} else if (known) {
		const struct module *tm = pc.has_target ?
			modules_at(c->ms, pc.target) : NULL;

		rule = RULE_inline_hook;
		sev = FSEV_HIGH;
		score = !tm ? 95 : tm == m ? 80 : 90;
	}
	if (context_is_high(&px) && rule != RULE_breakpoint) {
		sev = FSEV_HIGH;
		score = score < 90 ? 90 : score;
	}
	f = finding_new_at(c->fs, rule, sev, score, lo, len);
	if (!f) {
		free(px.dis_file);
		free(px.dis_mem);
		return;
	}
	f->region = msnap_find_region(c->s->rd, lo);
	finding_module(f, m->path, m->key, lo - m->bias);
	name_symbol(f, m, lo);
	if (known && pc.has_target) {
		describe_addr(c->s, c->ms, pc.target, where, sizeof(where));
		f->has_target = true;
		f->target_addr = pc.target;
		finding_set(f, &f->target, "%s", where);
	}
	finding_set(f, &f->evidence,
		    "%" PRIu64 " byte%s differ from %s (%s)%s%s%s%s", len,
		    len == 1 ? "" : "s", m->ref.path,
		    known ? patch_kind_name(pc.kind) : "unclassified change",
		    why,
		    smaps_anon_kb(c->s, f->region) ? "; the page is a private copy (written)" : "",
		    c->tracer_pid > 0 ? "; a tracer was attached" : "",
		    len > FINDING_MAX_BYTES ? "; bytes shown cut" : "");
	nb = n - ctx;
	if (nb > len)
		nb = (size_t)len;
	finding_bytes(f, file + ctx, mem + ctx, nb);
	/* both sides from the same instruction boundary */
	f->disasm_before = px.dis_file;
	f->disasm_after = px.dis_mem;
}

static void grow_patch(struct seg_scan *sc, uint64_t addr)
{
	if (sc->open && addr - sc->p_hi <= PATCH_GAP) {
		sc->p_hi = addr + 1;
		return;
	}
	if (sc->open)
		report_patch(sc);
	sc->open = true;
	sc->p_lo = addr;
	sc->p_hi = addr + 1;
}

/* Compare [addr, addr+len) of the segment; pages not captured are skipped. */
static int compare_range(struct seg_scan *sc, uint64_t addr, uint64_t len,
			 uint8_t *buf, uint8_t *states, uint64_t page)
{
	struct check_ctx *c = sc->c;
	struct msnap_error err;
	uint64_t first_page = addr & ~(page - 1), p, a, e, i;

	if (msnap_read(c->s->rd, addr, buf, len, states, &err)) {
		snprintf(c->msg, sizeof(c->msg), "reading 0x%" PRIx64 ": %s",
			 addr, err.msg);
		return -1;
	}
	for (p = first_page; p < addr + len; p += page) {
		uint8_t st = states[(p - first_page) / page];

		if (st != MSNAP_PAGE_DATA && st != MSNAP_PAGE_ZERO) {
			/* Unknown, never "different": close the patch. */
			if (sc->open) {
				report_patch(sc);
				sc->open = false;
			}
			continue;
		}
		a = p < addr ? addr : p;
		e = p + page < addr + len ? p + page : addr + len;
		if (sc->seg->flags & PF_X)
			c->code_bytes += e - a;
		else
			c->rodata_bytes += e - a;
		if (!memcmp(buf + (a - addr), sc->want + (a - sc->start),
			    e - a))
			continue;
		for (i = a; i < e; i++)
			if (buf[i - addr] != sc->want[i - sc->start])
				grow_patch(sc, i);
	}
	return 0;
}

/* A private copy of the segment with its text relocations applied. */
static uint8_t *textrel_copy(const struct module *m, const struct elf_seg *g,
			     uint64_t start, const uint8_t *file,
			     struct check_ctx *c)
{
	uint8_t *w = malloc(g->filesz ? g->filesz : 1);
	struct msnap_error err;
	size_t i;

	if (!w)
		return NULL;
	memcpy(w, file, g->filesz);
	for (i = 0; i < m->ref.nrels; i++) {
		const struct elf_rel *r = &m->ref.rels[i];
		uint64_t off = r->offset - g->vaddr, v;

		if (r->offset < g->vaddr || off > g->filesz ||
		    g->filesz - off < 8)
			continue;
		if (r->type == R_X86_64_RELATIVE) {
			v = m->bias + (uint64_t)r->addend;
		} else if (msnap_read(c->s->rd, start + off, &v, 8, NULL,
				      &err)) {
			continue;
		}
		/* Other kinds: resolved by ld.so, checked as data instead. */
		memcpy(w + off, &v, 8);
	}
	return w;
}

static int check_segment(struct seg_scan *sc, const struct elf_seg *g,
			 uint8_t *buf, uint8_t *states, uint64_t page)
{
	struct check_ctx *c = sc->c;
	const struct module *m = sc->m;
	const uint8_t *file = elfref_file_bytes(&m->ref, g->offset, g->filesz);
	uint8_t *copy = NULL;
	uint64_t addr, end;
	int ret = 0;

	if (!file || !g->filesz)
		return 0;
	sc->seg = g;
	sc->start = m->bias + g->vaddr;
	sc->want = file;
	sc->open = false;
	if (m->ref.textrel) {
		copy = textrel_copy(m, g, sc->start, file, c);
		if (!copy) {
			snprintf(c->msg, sizeof(c->msg), "out of memory");
			return -1;
		}
		sc->want = copy;
	}
	end = sc->start + g->filesz;
	for (addr = sc->start; addr < end && !ret;) {
		uint64_t n = end - addr;

		if (n > STEP_BYTES)
			n = STEP_BYTES;
		ret = compare_range(sc, addr, n, buf, states, page);
		addr += n;
	}
	if (!ret && sc->open)
		report_patch(sc);
	sc->open = false;
	free(copy);
	return ret;
}

/* Written code pages reported one run each, at most, per module. */
#define MAX_WRITTEN_RUNS 32

/* Does a finding of this module since index first touch [lo, hi)? */
static bool patch_within(const struct findings *fs, size_t first,
			 uint64_t lo, uint64_t hi)
{
	size_t k;

	for (k = first; k < fs->n; k++)
		if (strcmp(fs->v[k].type, "exec_page_written") &&
		    fs->v[k].addr < hi && fs->v[k].addr + fs->v[k].size > lo)
			return true;
	return false;
}

static void written_finding(struct check_ctx *c, const struct module *m,
			    uint32_t i, uint64_t lo, uint64_t hi,
			    const char *what)
{
	const struct snap_region *g = &c->s->regions[i];
	/* ld.so writes the code of a module with text relocations */
	const bool relocated = m->status == REF_OK && m->ref.textrel;
	struct finding *f;

	f = relocated ? finding_new_at(c->fs, RULE_exec_page_written,
				       FSEV_INFO, 10, lo, hi - lo)
		      : finding_new(c->fs, RULE_exec_page_written, lo,
				    hi - lo);
	if (!f)
		return;
	f->region = i;
	finding_module(f, m->path, m->key,
		       m->has_bias ? lo - m->bias : lo - m->lo);
	finding_set(f, &f->evidence,
		    "%s of this private executable mapping (%s) %s written (copy-on-write) although %s",
		    what, g->perms, hi - lo > 4096 ? "were" : "was",
		    relocated ? "the module has text relocations, which the loader applies" :
		    m->status == REF_OK ? "the captured bytes match the file" :
		    "no reference was available to compare");
}

/*
 * Written pages of private executable mappings with no patch in them:
 * their bytes match the file again, or could not be compared.  The
 * capture's per-page record (private_copies) says which pages; older
 * snapshots only have the mapping's Anonymous total from smaps.
 */
static void cow_pages(struct check_ctx *c, const struct module *m,
		      size_t first_finding)
{
	const uint64_t ps = c->s->info->page_size ? c->s->info->page_size
						  : 4096;
	unsigned reported = 0, more = 0;
	uint32_t i;
	size_t k;
	char what[64];

	for (i = m->first; i <= m->last; i++) {
		const struct snap_region *g = &c->s->regions[i];
		uint64_t kb, first, count;

		if (g->perms[2] != 'x' || g->perms[3] != 'p')
			continue;
		if (!g->private_copies.recorded) {
			kb = g->smaps_anon_kb;
			if (kb && !patch_within(c->fs, first_finding,
						g->start, g->end)) {
				snprintf(what, sizeof(what),
					 "%" PRIu64 " KiB", kb);
				written_finding(c, m, i, g->start, g->end,
						what);
			}
			continue;
		}
		/* malformed runs are left out: the container check is elsewhere */
		for (k = 0; k < g->private_copies.n; k++) {
			first = g->private_copies.v[k].first;
			count = g->private_copies.v[k].count;
			if (patch_within(c->fs, first_finding,
					 g->start + first * ps,
					 g->start + (first + count) * ps))
				continue;
			if (reported++ >= MAX_WRITTEN_RUNS) {
				more += (unsigned)count;
				continue;
			}
			snprintf(what, sizeof(what), "%" PRIu64 " page%s",
				 count, count > 1 ? "s" : "");
			written_finding(c, m, i, g->start + first * ps,
					g->start + (first + count) * ps, what);
		}
	}
	if (more) {
		struct finding *f = finding_new(c->fs,
						RULE_exec_page_written_more,
						m->lo, m->hi - m->lo);

		if (!f)
			return;
		finding_module(f, m->path, m->key, 0);
		finding_set(f, &f->evidence,
			    "%u more written code pages in this module not listed",
			    more);
	}
}

static int check_module(struct check_ctx *c, struct module *m, csh cs,
			bool cs_ok, const struct stack_words *stack,
			uint8_t *buf, uint8_t *states, uint64_t page)
{
	struct seg_scan sc = { .c = c, .m = m, .cs = cs, .cs_ok = cs_ok,
			       .stack = stack };
	size_t k, before = c->fs->n;
	struct finding *f;

	for (k = 0; m->status == REF_OK && m->has_bias && k < m->ref.nsegs;
	     k++) {
		/* code, and read-only data: ld.so writes neither */
		if (m->ref.segs[k].flags & PF_W)
			continue;
		if (check_segment(&sc, &m->ref.segs[k], buf, states, page))
			return -1;
	}
	if (sc.dropped) {
		f = finding_new(c->fs, RULE_code_patch_more, m->lo,
				m->hi - m->lo);
		if (f) {
			finding_module(f, m->path, m->key, 0);
			finding_set(f, &f->evidence,
				    "%u more patches in this module not listed (--max-patches)",
				    sc.dropped);
		}
	}
	cow_pages(c, m, before);
	return 0;
}

int code_check(struct check_ctx *c)
{
	uint64_t page = c->s->info->page_size ? c->s->info->page_size : 4096;
	uint8_t *buf = malloc(STEP_BYTES + page);
	uint8_t *states = malloc(STEP_BYTES / 4096 + 2);
	struct stack_words stack = { 0 };
	csh cs = 0;
	bool cs_ok;
	size_t i;
	int ret = 0;

	if (!buf || !states || page < 4096 || stack_words_load(c->s, &stack)) {
		snprintf(c->msg, sizeof(c->msg), "out of memory");
		ret = -1;
		goto out;
	}
	cs_ok = cs_open(CS_ARCH_X86, CS_MODE_64, &cs) == CS_ERR_OK;
	for (i = 0; i < c->ms->n && !ret; i++)
		if (c->ms->v[i].executable)
			ret = check_module(c, &c->ms->v[i], cs, cs_ok, &stack,
					   buf, states, page);
	if (cs_ok)
		cs_close(&cs);
out:
	stack_words_free(&stack);
	free(states);
	free(buf);
	return ret;
}
