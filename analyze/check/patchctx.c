// SPDX-License-Identifier: MIT
/*
 * patchctx.c - who is about to run a patch, and what the patch does.
 *
 * dlinject-style loaders write their stage one over the code at a
 * sleeping thread's resume point (the instruction after its syscall):
 * when the thread wakes it opens and maps the payload.  Such a patch is
 * not a hook that waits for a call; it runs next.
 */
#include <stdlib.h>
#include <string.h>

#include "patchctx.h"
#include "snapshot.h"

/* Bytes of each thread's stack read, from its stack pointer up. */
#define STACK_SCAN (32u << 10)
#define MAX_THREADS_SCANNED 4096u

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static size_t stack_len(const struct snap *s, uint64_t sp)
{
	int64_t r = msnap_find_region(s->rd, sp);
	const struct snap_region *g;
	uint64_t left;

	if (r < 0 || (uint64_t)r >= s->nregions)
		return 0;
	g = &s->regions[r];
	left = g->end - sp;
	return left < STACK_SCAN ? (size_t)left : STACK_SCAN;
}

int stack_words_load(struct snap *s, struct stack_words *w)
{
	size_t i, k, len, cap = 0, nt;
	struct msnap_error err;
	uint8_t *buf = malloc(STACK_SCAN);

	memset(w, 0, sizeof(*w));
	if (!buf)
		return -1;
	nt = s->nthreads < MAX_THREADS_SCANNED ? s->nthreads
					       : MAX_THREADS_SCANNED;
	for (i = 0; i < nt; i++) {
		const struct snap_thread *t = &s->threads[i];
		uint64_t sp = t->regs.rsp & ~7ull;

		if (!t->has_regs || !(len = stack_len(s, sp)) ||
		    msnap_read(s->rd, sp, buf, len, NULL, &err))
			continue;
		if (w->n + len / 8 > cap) {
			uint64_t *v = realloc(w->v, (w->n + len / 8) * 2 *
						      sizeof(*v));

			if (!v) {
				free(buf);
				return -1;
			}
			w->v = v;
			cap = (w->n + len / 8) * 2;
		}
		for (k = 0; k + 8 <= len; k += 8)
			memcpy(&w->v[w->n++], buf + k, 8);
	}
	free(buf);
	if (w->n)
		qsort(w->v, w->n, sizeof(*w->v), cmp_u64);
	return 0;
}

void stack_words_free(struct stack_words *w)
{
	free(w->v);
	memset(w, 0, sizeof(*w));
}

bool stack_words_any(const struct stack_words *w, uint64_t lo, uint64_t hi)
{
	size_t a = 0, b = w->n;

	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (w->v[mid] < lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a < w->n && w->v[a] < hi;
}

const struct snap_thread *thread_at(const struct snap *s, uint64_t lo,
				    uint64_t hi)
{
	size_t i;

	for (i = 0; i < s->nthreads; i++)
		if (s->threads[i].has_regs && s->threads[i].regs.rip >= lo &&
		    s->threads[i].regs.rip < hi)
			return &s->threads[i];
	return NULL;
}

static bool is_gpr_push(const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;

	return in->id == X86_INS_PUSH && x->op_count == 1 &&
	       x->operands[0].type == X86_OP_REG;
}

void code_traits(csh cs, const uint8_t *code, const uint8_t *file,
		 size_t n, uint64_t addr, struct code_traits *t)
{
	cs_insn *in;
	size_t left = n;
	const uint8_t *p = code;
	uint64_t at = addr;

	memset(t, 0, sizeof(*t));
	if (cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK)
		return;
	in = cs_malloc(cs);
	if (!in)
		goto out;
	while (left && cs_disasm_iter(cs, &p, &left, &at, in)) {
		size_t off = (size_t)(in->address - addr);

		/* only what the patch wrote: the file's own code is not news */
		if (!memcmp(code + off, file + off, in->size))
			continue;
		if (in->id == X86_INS_SYSCALL || in->id == X86_INS_SYSENTER ||
		    (in->id == X86_INS_INT && in->size == 2 && in->bytes[1] == 0x80))
			t->syscalls++;
		else if (in->id == X86_INS_PUSHFQ || in->id == X86_INS_PUSHFD)
			t->pushf = true;
		else if (is_gpr_push(in))
			t->pushes++;
	}
	cs_free(in, 1);
out:
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_OFF);
}
