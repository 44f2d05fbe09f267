// SPDX-License-Identifier: MIT
/*
 * cmd_check.c - memsnap-analyze check: the snapshot against the reference
 * ELF files it was loaded from, and the foreign code planted beside them.
 *
 * Exit 0: no unsuppressed finding at or above --fail-on; 1: findings;
 * 2: the snapshot or an option could not be used.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "aprogress.h"
#include "codecheck.h"
#include "datacheck.h"
#include "modules.h"
#include "findings.h"
#include "foreign.h"
#include "open_snapshot.h"
#include "rules.h"
#include "snapshot.h"

static const char cmd[] = "check";

#define MAX_REFS 64

struct check_opts {
	enum report_format fmt;
	enum fsev fail_on;
	struct ref_opts ref;
	const char *refs[MAX_REFS];
	const char *allowlist;
	unsigned max_patches;
	const char *path;
	struct ana_common common;    /* --quiet, --progress */
};

static void check_usage(FILE *fp)
{
	fprintf(fp,
		"usage: memsnap-analyze check [options] FILE\n"
		"\n"
		"Compare the code of every module with its reference ELF file and look\n"
		"for hooks, patches, GOT overwrites and injected code.\n"
		"\n"
		"  -f, --format F        text (default), json, yaml or sarif\n"
		"      --fail-on SEV     exit 1 when a finding is at least SEV:\n"
		"                        info, low (default), medium or high\n"
		"      --sysroot DIR     look for reference files under DIR\n"
		"      --ref FILE|DIR    a reference file, or a directory of them\n"
		"                        (by file name); may be repeated\n"
		"      --no-host         never use this machine's files as references\n"
		"      --allowlist FILE  suppress findings by id (one per line)\n"
		"      --max-patches N   patches listed per module (default 64, 0: all)\n"
		ANA_HELP_PROGRESS
		"\n"
		"example: memsnap-analyze check evidence.msnap --fail-on medium --format sarif\n"
		"\n"
		"References are used only when their identity (build-id, else size and\n"
		"mtime, else device:inode) matches what the capture recorded.\n"
		"\n"
		"exit status: 0 nothing at or above --fail-on, 1 findings, 2 error\n");
}

static int select_format(const char *name, enum report_format *f)
{
	static const char *const names[] = {
		[REPORT_TEXT] = "text", [REPORT_JSON] = "json",
		[REPORT_YAML] = "yaml", [REPORT_SARIF] = "sarif",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i])) {
			*f = (enum report_format)i;
			return 0;
		}
	ana_usage_error(cmd, "unknown format '%s' (text, json, yaml, sarif)", name);
	return -1;
}

static int parse_opts(int argc, char **argv, struct check_opts *o)
{
	struct ana_getopt g;
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->fail_on = FSEV_LOW;
	o->max_patches = 64;
	o->ref.refs = o->refs;
	ana_getopt_init(&g, cmd);
	while ((c = ana_getopt_next(&g, argc, argv)) != ANA_OPT_END) {
		switch (c) {
		case ANA_O_FORMAT:
			if (select_format(optarg, &o->fmt))
				return -1;
			break;
		case ANA_O_FAIL_ON:
			if (fsev_parse(optarg, &o->fail_on)) {
				ana_usage_error(cmd, "unknown severity '%s' (info, low, medium, high)",
					optarg);
				return -1;
			}
			break;
		case ANA_O_SYSROOT:
			o->ref.sysroot = optarg;
			break;
		case ANA_O_REF:
			if (o->ref.nrefs == MAX_REFS) {
				ana_usage_error(cmd, "at most %d --ref", MAX_REFS);
				return -1;
			}
			o->refs[o->ref.nrefs++] = optarg;
			break;
		case ANA_O_NO_HOST:
			o->ref.no_host = true;
			break;
		case ANA_O_ALLOWLIST:
			o->allowlist = optarg;
			break;
		case ANA_O_MAX_PATCHES:
			if (ana_parse_u64(optarg, false, &v) || v > 1000000) {
				ana_usage_error(cmd, "bad --max-patches '%s'", optarg);
				return -1;
			}
			o->max_patches = (unsigned)v;
			break;
		case ANA_O_HELP:
			check_usage(stdout);
			return 1;
		default:
			if (ana_common_option(&o->common, c))
				break;
			return -1;
		}
	}
	if (ana_operands(&g, argc, argv, 1, 1, "one snapshot FILE"))
		return -1;
	o->path = argv[optind];
	return 0;
}

static enum rule_id unbound_rule(enum ref_status s)
{
	switch (s) {
	case REF_REPLACED:
		return RULE_replaced;
	case REF_BROKEN:
		return RULE_reference_broken;
	case REF_NOT_ELF:
		return RULE_not_elf;
	default:
		return RULE_reference_unavailable;
	}
}

/* Modules whose reference could not be bound say so, never "patched". */
static int reference_check(struct check_ctx *c)
{
	size_t i;

	for (i = 0; i < c->ms->n; i++) {
		const struct module *m = &c->ms->v[i];
		struct finding *f;

		if (!m->executable)
			continue;
		if (m->status == REF_OK && m->has_bias) {
			c->modules_checked++;
			continue;
		}
		c->modules_unverified++;
		if (m->status == REF_OK) {
			f = finding_new(c->fs, RULE_reference_unusable, m->lo,
					m->hi - m->lo);
			finding_set(f, &f->evidence,
				    "no PT_LOAD of %s maps the offset of its first mapping: load bias unknown",
				    m->ref.path);
		} else {
			f = finding_new(c->fs, unbound_rule(m->status), m->lo,
					m->hi - m->lo);
			finding_set(f, &f->evidence, "%s", m->status_msg);
		}
		if (f) {
			f->region = m->first;
			finding_module(f, m->path, m->key, 0);
		}
	}
	return 0;
}

/*
 * The checks, in the order they run: a later one may read what earlier
 * ones found (foreign_late judges libraries by the hooks found before).
 * Adding a check is one entry here; its findings' rules go in rules.def.
 */
static const struct check {
	const char *name;
	int (*run)(struct check_ctx *c);
} checks[] = {
	{ "references", reference_check },
	{ "code", code_check },
	{ "foreign", foreign_check },
	{ "data", data_check },
	{ "foreign_late", foreign_late_check },
};

static int run_checks(struct check_ctx *c)
{
	size_t i;

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (checks[i].run(c))
			return -1;
	return 0;
}

static int print_report(const struct check_opts *o, const struct snap *s,
			struct findings *fs, struct report_head *h)
{
	struct snap_bytes exe = { 0 };
	uint64_t pid = 0;
	int r;

	snap_fact_bytes(s, "process.exe.path", &exe);
	snap_fact_u64(s, "process.pid", &pid);
	h->snapshot = o->path;
	h->exe = exe.s;
	h->pid = pid;
	h->fail_on = o->fail_on;
	r = findings_print(stdout, fs, h, o->fmt);
	if (fflush(stdout))
		r = -1;
	snap_bytes_free(&exe);
	return r;
}

int cmd_check(int argc, char **argv)
{
	struct check_opts o;
	struct progress prog;
	struct snap s;
	struct modules ms = { 0 };
	struct findings fs = { 0 };
	struct check_ctx c = { 0 };
	struct report_head h = { 0 };
	int64_t tracer;
	int ret = ANA_EXIT_ERROR, r;

	r = parse_opts(argc, argv, &o);
	if (r)
		return r > 0 ? ANA_EXIT_OK : ANA_EXIT_ERROR;
	if (ana_open_snapshot(cmd, o.path, ANA_OPEN_NEED_TREE |
			      ANA_OPEN_REGIONS | ANA_OPEN_THREADS, &s))
		return ANA_EXIT_ERROR;
	if (modules_build(&ms, &s, &o.ref, c.msg, sizeof(c.msg))) {
		ana_err(cmd, "%s", c.msg);
		goto out_modules;
	}
	c.s = &s;
	c.ms = &ms;
	c.fs = &fs;
	c.max_patches = o.max_patches;
	c.tracer_pid = snap_fact_i64(&s, "process.tracer_pid", &tracer) ? -1
									 : tracer;
	ana_progress_begin(&prog, &o.common, "check", 0, s.rd);
	r = run_checks(&c);
	ana_progress_end(&prog, s.rd);
	if (r) {
		ana_err(cmd, "%s", c.msg);
		goto out_findings;
	}
	h.modules_checked = c.modules_checked;
	h.modules_unverified = c.modules_unverified;
	h.code_bytes_compared = c.code_bytes;
	h.rodata_bytes_compared = c.rodata_bytes;
	findings_finish(&fs);
	if (o.allowlist && findings_allowlist(&fs, o.allowlist, c.msg,
					      sizeof(c.msg))) {
		ana_err(cmd, "allowlist: %s", c.msg);
		goto out_findings;
	}
	if (print_report(&o, &s, &fs, &h)) {
		ana_err(cmd, "cannot write the report");
		goto out_findings;
	}
	if (fs.nomem)
		ret = ANA_EXIT_ERROR;
	else
		ret = findings_count_at_least(&fs, o.fail_on) ? 1 : ANA_EXIT_OK;
out_findings:
	findings_free(&fs);
out_modules:
	modules_free(&ms);
	snap_close(&s);
	return ret;
}
