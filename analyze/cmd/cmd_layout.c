// SPDX-License-Identifier: MIT
/*
 * cmd_layout.c - memsnap-analyze layout: write a layout baseline; and the
 * layout comparison behind `diff --layout` (rules, exceptions, exit code).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opts.h"
#include "escape.h"
#include "baseline.h"
#include "output.h"

static const char cmd[] = "layout";

static void layout_usage(FILE *fp)
{
	fprintf(fp,
		"usage: memsnap-analyze layout [-o BASELINE.yaml] FILE\n"
		"\n"
		"Write the layout of a snapshot (modules with build-ids and segment\n"
		"permissions, anonymous memory by kind, executable anonymous memory,\n"
		"thread count) as a YAML baseline for `diff --layout`.  FILE may be\n"
		"a snapshot (also --layout-only) or a baseline (it is rewritten).\n"
		"\n"
		"  -o, --output FILE     write there (a new file) instead of stdout\n"
		"\n"
		"example: memsnap-analyze layout base.msnap -o ci/layout.yaml\n");
}

int cmd_layout(int argc, char **argv)
{
	struct ana_getopt g;
	const char *out_path = NULL;
	struct msnap_error err = { 0 };
	struct layout l;
	char *text = NULL;
	size_t len = 0;
	int ch, fd = STDOUT_FILENO, rc = ANA_EXIT_ERROR;

	ana_getopt_init(&g, cmd);
	while ((ch = ana_getopt_next(&g, argc, argv)) != ANA_OPT_END) {
		switch (ch) {
		case ANA_O_OUTPUT:
			out_path = optarg;
			break;
		case ANA_O_HELP:
			layout_usage(stdout);
			return ANA_EXIT_OK;
		default:
			return ANA_EXIT_ERROR;
		}
	}
	if (ana_operands(&g, argc, argv, 1, 1, "one snapshot or baseline FILE"))
		return ANA_EXIT_ERROR;
	if (layout_load(&l, argv[optind], &err)) {
		ana_err_msnap(cmd, &err);
		return ANA_EXIT_ERROR;
	}
	if (layout_to_yaml(&l, &text, &len, &err)) {
		ana_err_msnap(cmd, &err);
		goto out;
	}
	if (out_path) {
		fd = ana_create_output(cmd, out_path);
		if (fd < 0)
			goto out;
	}
	if (ana_write_all(fd, text, len)) {
		ana_err(cmd, "writing %s: %m", out_path ? out_path : "stdout");
		goto out;
	}
	if (out_path && close(fd)) {
		fd = STDOUT_FILENO;
		ana_err(cmd, "closing %s: %m", out_path);
		goto out;
	}
	fd = STDOUT_FILENO;
	rc = ANA_EXIT_OK;
out:
	if (fd != STDOUT_FILENO)
		close(fd);
	free(text);
	layout_free(&l);
	return rc;
}

/* ---- diff --layout ------------------------------------------------------------- */

static void text_findings(const struct lay_findings *f, size_t failing,
			  const char *fail_on)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		const struct lay_finding *x = &f->v[i];

		printf("%-15s ", lay_rule_name(x->rule));
		esc_fputs(stdout, x->subject, strlen(x->subject));
		if (x->before[0] || x->after[0])
			printf("  %s -> %s", x->before[0] ? x->before : "-",
			       x->after[0] ? x->after : "-");
		if (x->accepted)
			fputs("  (accepted)", stdout);
		else if (x->fails)
			fputs("  FAIL", stdout);
		putchar('\n');
	}
	printf("layout: %zu findings, %zu failing (fail-on %s)\n", f->n,
	       failing, fail_on);
}

static int doc_findings(const struct lay_findings *f, size_t failing,
			const char *base, const char *cur, const char *fail_on,
			enum out_format fmt)
{
	struct odoc *d = odoc_new();
	struct onode *root = odoc_root(d), *seq, *o, *s;
	struct msnap_error err = { 0 };
	size_t i, accepted = 0;
	int r;

	if (!d)
		return -1;
	out_str(root, "base", base);
	out_str(root, "new", cur);
	out_str(root, "fail_on", fail_on);
	seq = out_seq(root, "findings");
	for (i = 0; i < f->n; i++) {
		const struct lay_finding *x = &f->v[i];

		o = out_map(seq, NULL);
		out_str(o, "rule", lay_rule_name(x->rule));
		out_bytes(o, "subject", x->subject, strlen(x->subject));
		out_str(o, "before", x->before);
		out_str(o, "after", x->after);
		out_bool(o, "accepted", x->accepted);
		out_bool(o, "fails", x->fails);
		accepted += x->accepted;
	}
	s = out_map(root, "summary");
	out_u64(s, "findings", f->n);
	out_u64(s, "failing", failing);
	out_u64(s, "accepted", accepted);
	r = odoc_print(d, fmt, stdout, &err);
	if (r)
		ana_err("diff", "%s", err.msg);
	odoc_free(d);
	return r;
}

int layout_diff_main(const char *base, const char *cur, enum out_format fmt,
		     const char *fail_on)
{
	struct layout lb, lc;
	struct lay_rules rules;
	struct lay_findings f;
	struct msnap_error err = { 0 };
	char msg[256];
	size_t i, failing = 0;
	int rc = ANA_EXIT_ERROR;

	if (!fail_on)
		fail_on = LAYOUT_DEFAULT_FAIL_ON;
	if (lay_parse_rules(fail_on, &rules, msg, sizeof(msg))) {
		ana_err("diff", "--fail-on: %s", msg);
		return ANA_EXIT_ERROR;
	}
	if (layout_load(&lb, base, &err)) {
		ana_err_msnap("diff", &err);
		return ANA_EXIT_ERROR;
	}
	if (layout_load(&lc, cur, &err)) {
		ana_err_msnap("diff", &err);
		layout_free(&lb);
		return ANA_EXIT_ERROR;
	}
	if (layout_compare(&lb, &lc, &rules, &f)) {
		ana_err("diff", "out of memory");
		goto out;
	}
	for (i = 0; i < f.n; i++)
		failing += f.v[i].fails;
	if (fmt == OUT_TEXT)
		text_findings(&f, failing, fail_on);
	else if (doc_findings(&f, failing, base, cur, fail_on, fmt))
		goto out_findings;
	if (fflush(stdout)) {
		ana_err("diff", "writing the output failed");
		goto out_findings;
	}
	rc = failing ? DIFF_EXIT_DIFFERENT : ANA_EXIT_OK;
out_findings:
	lay_findings_free(&f);
out:
	layout_free(&lb);
	layout_free(&lc);
	return rc;
}
