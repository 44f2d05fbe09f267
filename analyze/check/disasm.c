// SPDX-License-Identifier: MIT
/* disasm.c - capstone listings of changed code. */
#include <stdio.h>
#include <string.h>

#include <capstone/capstone.h>

#include "disasm.h"

#define DIS_MAX_BEFORE 64u

struct insn_ref {
	uint64_t addr;
	size_t off, len;
	char text[CS_MNEMONIC_SIZE + 160 + 2];
};

static void insn_text(struct insn_ref *ir, const cs_insn *in)
{
	snprintf(ir->text, sizeof(ir->text), "%s%s%s", in->mnemonic,
		 in->op_str[0] ? " " : "", in->op_str);
}

int dis_around(const uint8_t *code, size_t len, uint64_t addr, uint64_t lo,
	       uint64_t hi, unsigned context, dis_fn fn, void *arg)
{
	struct insn_ref ring[DIS_MAX_BEFORE];
	unsigned nring = 0, head = 0, after = 0, i;
	size_t off = 0;
	cs_insn *in;
	csh h;
	int r = 0;

	if (context > DIS_MAX_BEFORE)
		context = DIS_MAX_BEFORE;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return -1;
	in = cs_malloc(h);
	if (!in) {
		cs_close(&h);
		return -1;
	}
	while (off < len) {
		const uint8_t *p = code + off;
		size_t left = len - off;
		uint64_t at = addr + off;
		struct insn_ref cur;

		cur.addr = at;
		cur.off = off;
		if (cs_disasm_iter(h, &p, &left, &at, in)) {
			cur.len = in->size;
			insn_text(&cur, in);
		} else {
			cur.len = 1;
			strcpy(cur.text, "(bad)");
		}
		off += cur.len;
		if (cur.addr + cur.len <= lo) {
			/* Before the change: keep the last `context`. */
			if (!context)
				continue;
			ring[head] = cur;
			head = (head + 1) % context;
			if (nring < context)
				nring++;
			continue;
		}
		if (nring) {
			for (i = 0; i < nring; i++) {
				const struct insn_ref *q =
					&ring[(head + context - nring + i) % context];

				r = fn(arg, q->addr, code + q->off, q->len, q->text);
				if (r)
					goto out;
			}
			nring = 0;
		}
		if (cur.addr >= hi && ++after > context)
			break;
		r = fn(arg, cur.addr, code + cur.off, cur.len, cur.text);
		if (r)
			goto out;
	}
out:
	cs_free(in, 1);
	cs_close(&h);
	return r;
}
