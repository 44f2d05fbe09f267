// SPDX-License-Identifier: MIT
/*
 * findings_doc.c - the report of `check` as one document (output.h), and
 * its renderings: JSON and YAML are output.c's, text and SARIF read the
 * same document (findings_text.c, findings_sarif.c).
 */
#include <errno.h>
#include <stdlib.h>

#include "findings.h"
#include "output.h"

static void count_by_sev(const struct findings *fs, size_t c[FSEV_NSEV],
			 size_t *suppressed)
{
	size_t i;

	for (i = 0; i < FSEV_NSEV; i++)
		c[i] = 0;
	*suppressed = 0;
	for (i = 0; i < fs->n; i++) {
		if (fs->v[i].suppressed)
			(*suppressed)++;
		else
			c[fs->v[i].sev]++;
	}
}

static const char *verdict(const struct findings *fs)
{
	int w = findings_worst(fs);

	if (w >= FSEV_HIGH)
		return "compromised";
	if (w >= FSEV_MEDIUM)
		return "suspicious";
	if (w >= FSEV_LOW)
		return "notable";
	return "clean";
}

static void doc_finding(struct onode *seq, const struct finding *f)
{
	struct onode *o = out_map(seq, NULL);

	out_str(o, "id", f->id);
	out_str(o, "type", f->type);
	out_str(o, "severity", fsev_name(f->sev));
	out_u64(o, "score", f->score);
	out_bool(o, "suppressed", f->suppressed);
	/* LD_PRELOAD, a tracer, ...: facts about the process, at no address */
	if (finding_process_level(f))
		out_null(o, "address");
	else
		out_hex(o, "address", f->addr);
	out_u64(o, "size", f->size);
	if (f->region >= 0)
		out_i64(o, "region", f->region);
	out_str(o, "module", f->module);
	if (f->module_key)
		out_str(o, "module_key", f->module_key);
	if (f->has_offset)
		out_hex(o, "offset", f->offset);
	out_str(o, "symbol", f->symbol);
	if (f->has_target)
		out_hex(o, "target_address", f->target_addr);
	if (f->target)
		out_str(o, "target", f->target);
	out_str(o, "evidence", f->evidence);
	if (f->nbytes) {
		char hex[2 * FINDING_MAX_BYTES + 1];

		msnap_hex(f->before, f->nbytes, hex);
		out_str(o, "before", hex);
		msnap_hex(f->after, f->nbytes, hex);
		out_str(o, "after", hex);
	}
	if (f->disasm_before)
		out_str(o, "disasm_before", f->disasm_before);
	if (f->disasm_after)
		out_str(o, "disasm_after", f->disasm_after);
}

struct odoc *findings_doc(const struct findings *fs,
			  const struct report_head *h)
{
	struct odoc *d = odoc_new();
	struct onode *o = odoc_root(d), *counts, *seq;
	size_t c[FSEV_NSEV], suppressed, i;

	if (!d)
		return NULL;
	count_by_sev(fs, c, &suppressed);
	out_str(o, "tool", "memsnap-analyze check");
	out_str(o, "version", MEMSNAP_VERSION);
	out_str(o, "snapshot", h->snapshot);
	out_u64(o, "pid", h->pid);
	out_str(o, "exe", h->exe);
	out_str(o, "verdict", verdict(fs));
	out_str(o, "fail_on", fsev_name(h->fail_on));
	counts = out_map(o, "counts");
	out_u64(counts, "high", c[FSEV_HIGH]);
	out_u64(counts, "medium", c[FSEV_MEDIUM]);
	out_u64(counts, "low", c[FSEV_LOW]);
	out_u64(counts, "info", c[FSEV_INFO]);
	out_u64(counts, "suppressed", suppressed);
	out_u64(o, "modules_checked", h->modules_checked);
	out_u64(o, "modules_unverified", h->modules_unverified);
	out_u64(o, "code_bytes_compared", h->code_bytes_compared);
	out_u64(o, "rodata_bytes_compared", h->rodata_bytes_compared);
	out_bool(o, "incomplete", fs->nomem);
	seq = out_seq(o, "findings");
	for (i = 0; i < fs->n; i++)
		doc_finding(seq, &fs->v[i]);
	return d;
}

int findings_print(FILE *fp, const struct findings *fs,
		   const struct report_head *h, enum report_format f)
{
	struct odoc *d = findings_doc(fs, h);
	struct msnap_error err;
	int r;

	if (!d) {
		errno = ENOMEM;
		return -1;
	}
	switch (f) {
	case REPORT_TEXT:
		r = findings_render_text(fp, d);
		break;
	case REPORT_SARIF:
		r = findings_render_sarif(fp, d);
		break;
	default:
		r = odoc_print(d, f == REPORT_YAML ? OUT_YAML : OUT_JSON, fp,
			       &err);
		if (r && err.code == MSNAP_E_NOMEM)
			errno = ENOMEM;
	}
	odoc_free(d);
	return r;
}

int findings_print_text(FILE *fp, const struct findings *fs,
			const struct report_head *h)
{
	return findings_print(fp, fs, h, REPORT_TEXT);
}

int findings_print_json(FILE *fp, const struct findings *fs,
			const struct report_head *h, bool sarif)
{
	return findings_print(fp, fs, h, sarif ? REPORT_SARIF : REPORT_JSON);
}
