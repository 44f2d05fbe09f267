// SPDX-License-Identifier: MIT
/*
 * cmd_yara.c - memsnap-analyze yara: the analyst's YARA rules over the
 * stored memory of snapshots, at the addresses the process had, so a rule
 * written for `yara RULES PID` behaves the same (yscan.h).
 *
 * Exit 0: no rule matched; 1: a rule matched; 2: an error (bad rules, a
 * snapshot that cannot be read, a scan stopped by --timeout without a
 * match).
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "escape.h"
#include "hexline.h"
#include "output.h"
#include "open_snapshot.h"
#include "snapshot.h"
#include "yrules.h"
#include "yscan.h"

static const char cmd[] = "yara";

#define MAX_DEFINES   64
#define TEXT_GAPS     20
#define EXCERPT_BYTES 16

enum yfmt { YF_TEXT, YF_JSON, YF_YAML, YF_SARIF };

struct yopts {
	enum yfmt fmt;
	struct yext ext[MAX_DEFINES + 3];
	size_t next;
	bool pid_meta;
	bool meta_by_user[3];      /* pid, comm, exe given with -d instead */
	struct yscan_opts scan;
	const char *rules;
	char **snaps;
	int nsnaps;
};

/* What the match callback needs, per snapshot. */
struct yctx {
	const struct yopts *o;
	struct snap *s;
	unsigned matched;
	unsigned too_many;
	struct onode *matches;     /* json/yaml */
	json_t *sarif_results, *sarif_rules;
};

static void yara_usage(FILE *fp)
{
	fprintf(fp,
		"usage: memsnap-analyze yara [options] RULES SNAPSHOT...\n"
		"\n"
		"Scan the stored memory of each SNAPSHOT with YARA rules, region by region\n"
		"at the process's virtual addresses (as `yara RULES PID` scans a process).\n"
		"RULES: a source file, a directory of .yar/.yara files, or yarac output.\n"
		"\n"
		"  -d, --define NAME=VALUE  define an external variable (as yara -d)\n"
		"      --pid-meta         define pid, comm and exe from each snapshot\n"
		"  -r, --regions LIST     exec, anon, heap, stack, file or all (default),\n"
		"                         comma-separated\n"
		"      --path NAME        only regions mapped from NAME (or its basename)\n"
		"  -t, --timeout SECS     stop handing memory to YARA after SECS; rules are\n"
		"                         evaluated on what was scanned (0: none, default)\n"
		"      --region-timeout SECS  the same, per region\n"
		"  -j, --threads N        threads that read the snapshot (default: CPUs, max 4)\n"
		"  -B, --block-size SIZE  bytes read at a time per region (default 8M)\n"
		"  -f, --format F         text (default, like yara -s -m), json, yaml, sarif\n"
		"  -h, --help             this help\n"
		"\n"
		"example: memsnap-analyze yara --regions exec,anon rules/ evidence.msnap\n"
		"\n"
		"Pages not stored (absent, swapped, unreadable) are never scanned and are\n"
		"listed as not scanned; zero pages are scanned as zeros.\n"
		"\n"
		"exit status: 0 no rule matched, 1 a rule matched, 2 error (or a scan\n"
		"stopped by a timeout without a match)\n");
}

static int parse_secs(const char *s, unsigned *v)
{
	uint64_t n;

	if (ana_parse_u64(s, false, &n) || n > 86400 * 365)
		return -1;
	*v = (unsigned)n;
	return 0;
}

static int parse_opts(int argc, char **argv, struct yopts *o)
{
	struct ana_getopt g;
	const char *bad;
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->scan.scan.overlap = MSCAN_OVERLAP;
	o->scan.scan.reverse = true;
	ana_getopt_init(&g, cmd);
	while ((c = ana_getopt_next(&g, argc, argv)) != ANA_OPT_END) {
		switch (c) {
		case ANA_O_DEFINE:
			if (o->next == MAX_DEFINES)
				return ana_usage_error(cmd, "at most %d -d", MAX_DEFINES);
			if (yext_parse(optarg, &o->ext[o->next]))
				return ana_usage_error(cmd, "-d wants NAME=VALUE, not '%s'",
						   optarg);
			o->next++;
			break;
		case ANA_O_PID_META:
			o->pid_meta = true;
			break;
		case ANA_O_REGIONS:
			if (mscan_parse_regions(optarg, &o->scan.scan.regions,
						&bad))
				return ana_usage_error(cmd, "unknown region class in '%s' (exec, anon, heap, stack, file, all)",
						   optarg);
			break;
		case ANA_O_PATH:
			o->scan.scan.path = optarg;
			break;
		case ANA_O_TIMEOUT:
			if (parse_secs(optarg, &o->scan.timeout))
				return ana_usage_error(cmd, "bad --timeout '%s' (seconds)",
						   optarg);
			break;
		case ANA_O_REGION_TIMEOUT:
			if (parse_secs(optarg, &o->scan.region_timeout))
				return ana_usage_error(cmd, "bad --region-timeout '%s' (seconds)",
						   optarg);
			break;
		case ANA_O_BLOCK_SIZE:
			if (mscan_parse_block(optarg, &o->scan.scan.piece))
				return ana_usage_error(cmd, "bad --block-size '%s' (4K to 256M)",
						   optarg);
			break;
		case ANA_O_THREADS:
			if (ana_parse_u64(optarg, false, &v) || v < 1 || v > 64)
				return ana_usage_error(cmd, "bad --threads '%s' (1 to 64)",
						   optarg);
			o->scan.scan.threads = (unsigned)v;
			break;
		case ANA_O_FORMAT:
			if (!strcmp(optarg, "text"))
				o->fmt = YF_TEXT;
			else if (!strcmp(optarg, "json"))
				o->fmt = YF_JSON;
			else if (!strcmp(optarg, "yaml"))
				o->fmt = YF_YAML;
			else if (!strcmp(optarg, "sarif"))
				o->fmt = YF_SARIF;
			else
				return ana_usage_error(cmd, "unknown format '%s' (text, json, yaml, sarif)",
						   optarg);
			break;
		case ANA_O_HELP:
			yara_usage(stdout);
			return 1;
		default:
			return -1;
		}
	}
	if (ana_operands(&g, argc, argv, 2, argc, "RULES and at least one SNAPSHOT"))
		return -1;
	o->rules = argv[optind];
	o->snaps = argv + optind + 1;
	o->nsnaps = argc - optind - 1;
	return 0;
}

static const char *const meta_names[3] = { "pid", "comm", "exe" };

/* pid, comm, exe as externals, unless the user defined them with -d. */
static void add_pid_meta_decls(struct yopts *o)
{
	size_t i, k;

	for (i = 0; i < 3; i++) {
		for (k = 0; k < o->next; k++)
			if (!strcmp(o->ext[k].name, meta_names[i]))
				break;
		if (k < o->next) {
			o->meta_by_user[i] = true;
			continue;
		}
		yext_parse(i == 0 ? "pid=0" : i == 1 ? "comm=" : "exe=",
			   &o->ext[o->next]);
		if (i)          /* an empty value is a string, always */
			o->ext[o->next].type = YEXT_STR;
		o->next++;
	}
}

/* YARA strings are C strings: a NUL inside a name cuts it there. */
static int define_pid_meta(YR_SCANNER *sc, const struct yopts *o,
			   const struct snap *s)
{
	struct snap_bytes comm = { 0 }, exe = { 0 };
	uint64_t pid = 0;
	int r = 0;

	snap_fact_u64(s, "process.pid", &pid);
	snap_fact_bytes(s, "process.comm", &comm);
	snap_fact_bytes(s, "process.exe.path", &exe);
	if (!o->meta_by_user[0])
		r |= yr_scanner_define_integer_variable(sc, "pid", (int64_t)pid);
	if (!o->meta_by_user[1])
		r |= yr_scanner_define_string_variable(sc, "comm",
						       comm.s ? comm.s : "");
	if (!o->meta_by_user[2])
		r |= yr_scanner_define_string_variable(sc, "exe",
						       exe.s ? exe.s : "");
	snap_bytes_free(&comm);
	snap_bytes_free(&exe);
	return r;
}

/* ---- one match -------------------------------------------------------- */

static void text_meta(const YR_RULE *rule)
{
	const YR_META *m;
	bool first = true;

	fputs(" [", stdout);
	yr_rule_metas_foreach(rule, m) {
		fprintf(stdout, "%s%s=", first ? "" : ",", m->identifier);
		if (m->type == META_TYPE_INTEGER)
			printf("%" PRId64, m->integer);
		else if (m->type == META_TYPE_BOOLEAN)
			fputs(m->integer ? "true" : "false", stdout);
		else {
			putchar('"');
			esc_fputs(stdout, m->string, strlen(m->string));
			putchar('"');
		}
		first = false;
	}
	putchar(']');
}

static void text_match(struct yctx *c, const YR_RULE *rule,
		       YR_SCAN_CONTEXT *ctx)
{
	const YR_STRING *str;
	YR_MATCH mt;
	const char *tag;
	bool first = true;

	fputs(rule->identifier, stdout);
	fputs(" [", stdout);
	yr_rule_tags_foreach(rule, tag) {
		printf("%s%s", first ? "" : ",", tag);
		first = false;
	}
	putchar(']');
	text_meta(rule);
	putchar(' ');
	esc_fputs(stdout, c->s->path, strlen(c->s->path));
	putchar('\n');
	yr_rule_strings_foreach(rule, str) {
		YSCAN_FOREACH_MATCH(ctx, str, mt) {
			const uint64_t addr = (uint64_t)(mt.base + mt.offset);
			const int64_t ri = msnap_find_region(c->s->rd, addr);

			printf("0x%" PRIx64 ":%s: region %" PRId64 " +0x%" PRIx64 " ",
			       addr, str->identifier, ri,
			       ri >= 0 ? addr - c->s->regions[ri].start : 0);
			put_region_path(stdout, c->s, ri);
			printf(" len %d: ", mt.match_length);
			hex_excerpt(stdout, mt.data, (size_t)mt.data_length,
				    EXCERPT_BYTES);
			putchar('\n');
		}
	}
}

static void doc_match(struct yctx *c, const YR_RULE *rule,
		      YR_SCAN_CONTEXT *ctx)
{
	struct onode *o = out_map(c->matches, NULL), *seq, *row, *meta;
	const YR_STRING *str;
	YR_MATCH mt;
	const YR_META *m;
	const char *tag, *path;
	char *hex;
	size_t plen;

	out_str(o, "rule", rule->identifier);
	out_str(o, "namespace", rule->ns->name);
	seq = out_seq(o, "tags");
	yr_rule_tags_foreach(rule, tag)
		out_str(seq, NULL, tag);
	meta = out_map(o, "meta");
	yr_rule_metas_foreach(rule, m) {
		if (m->type == META_TYPE_INTEGER)
			out_i64(meta, m->identifier, m->integer);
		else if (m->type == META_TYPE_BOOLEAN)
			out_bool(meta, m->identifier, m->integer != 0);
		else
			out_bytes(meta, m->identifier, m->string,
				  strlen(m->string));
	}
	seq = out_seq(o, "strings");
	yr_rule_strings_foreach(rule, str) {
		YSCAN_FOREACH_MATCH(ctx, str, mt) {
			const uint64_t addr = (uint64_t)(mt.base + mt.offset);
			const int64_t ri = msnap_find_region(c->s->rd, addr);

			row = out_map(seq, NULL);
			out_str(row, "id", str->identifier);
			out_hex(row, "address", addr);
			if (ri >= 0) {
				out_u64(row, "region", (uint64_t)ri);
				path = mscan_region_path(c->s, (uint32_t)ri, &plen);
				out_bytes(row, "path", path, plen);
				out_hex(row, "offset", addr - c->s->regions[ri].start);
			} else {
				out_null(row, "region");
			}
			out_u64(row, "length", (uint64_t)mt.match_length);
			hex = hex_string(mt.data, (size_t)mt.data_length);
			out_str(row, "data", hex ? hex : "");
			free(hex);
		}
	}
}

static json_t *jtext(const char *s)
{
	char *e = esc_text(s, strlen(s), NULL);
	json_t *j = json_string(e ? e : "");

	free(e);
	return j;
}

static void sarif_match(struct yctx *c, const YR_RULE *rule,
			YR_SCAN_CONTEXT *ctx)
{
	json_t *r = json_object(), *locs = json_array(), *props = json_object();
	json_t *strs = json_array();
	const YR_STRING *str;
	YR_MATCH mt;
	const YR_META *m;
	const char *desc = NULL;
	char id[512], msg[1024];
	size_t i;
	bool seen = false;

	snprintf(id, sizeof(id), "%s:%s", rule->ns->name, rule->identifier);
	yr_rule_metas_foreach(rule, m)
		if (m->type == META_TYPE_STRING && !strcmp(m->identifier, "description"))
			desc = m->string;
	for (i = 0; i < json_array_size(c->sarif_rules) && !seen; i++)
		seen = !strcmp(json_string_value(json_object_get(
			json_array_get(c->sarif_rules, i), "id")), id);
	if (!seen)
		json_array_append_new(c->sarif_rules, json_pack(
			"{s:s,s:s,s:{s:o},s:{s:o},s:{s:s}}", "id", id, "name",
			rule->identifier, "shortDescription", "text",
			jtext(desc ? desc : rule->identifier),
			"fullDescription", "text",
			jtext(desc ? desc : rule->identifier), "help", "text",
			"YARA rule matched in the stored memory of a process snapshot"));
	yr_rule_strings_foreach(rule, str) {
		YSCAN_FOREACH_MATCH(ctx, str, mt) {
			const uint64_t addr = (uint64_t)(mt.base + mt.offset);
			const int64_t ri = msnap_find_region(c->s->rd, addr);
			char *hex = hex_string(mt.data, (size_t)mt.data_length);
			char a[24];

			snprintf(a, sizeof(a), "0x%" PRIx64, addr);

			json_array_append_new(locs, json_pack(
				"{s:{s:{s:o},s:{s:I,s:I,s:s}}}",
				"physicalLocation", "artifactLocation", "uri",
				jtext(c->s->path), "address", "absoluteAddress",
				(json_int_t)addr, "length",
				(json_int_t)mt.match_length, "name",
				str->identifier));
			json_array_append_new(strs, json_pack(
				"{s:s,s:s,s:I,s:I,s:s}", "id", str->identifier,
				"address", a, "region", (json_int_t)ri, "length",
				(json_int_t)mt.match_length, "data",
				hex ? hex : ""));
			free(hex);
		}
	}
	if (!json_array_size(locs))
		json_array_append_new(locs, json_pack(
			"{s:{s:{s:o}}}", "physicalLocation", "artifactLocation",
			"uri", jtext(c->s->path)));
	snprintf(msg, sizeof(msg), "YARA rule %s matched", id);
	json_object_set_new(props, "strings", strs);
	json_object_set_new(r, "ruleId", json_string(id));
	json_object_set_new(r, "level", json_string("warning"));
	json_object_set_new(r, "message", json_pack("{s:o}", "text", jtext(msg)));
	json_object_set_new(r, "locations", locs);
	json_object_set_new(r, "properties", props);
	json_array_append_new(c->sarif_results, r);
}

static int on_message(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *arg)
{
	struct yctx *c = arg;

	switch (msg) {
	case CALLBACK_MSG_RULE_MATCHING:
		c->matched++;
		if (c->o->fmt == YF_TEXT)
			text_match(c, data, ctx);
		else if (c->o->fmt == YF_SARIF)
			sarif_match(c, data, ctx);
		else
			doc_match(c, data, ctx);
		break;
	case CALLBACK_MSG_TOO_MANY_MATCHES:
		c->too_many++;
		ana_warn(cmd, "string %s reached YARA's limit of matches: later ones are not reported",
			 ((const YR_STRING *)data)->identifier);
		break;
	case CALLBACK_MSG_CONSOLE_LOG:
		fputs("console: ", stderr);
		esc_fputs(stderr, data, strlen(data));
		fputc('\n', stderr);
		break;
	default:
		break;
	}
	return CALLBACK_CONTINUE;
}

/* ---- one snapshot ------------------------------------------------------ */

struct out_docs {
	struct odoc *doc;
	struct onode *results;
	json_t *sarif_results, *sarif_rules, *sarif_artifacts;
};

/* Scan one snapshot; 0 no match, 1 match, 2 error. */
static int scan_one(const struct yopts *o, YR_RULES *rules, const char *path,
		    struct out_docs *out)
{
	struct yctx c = { .o = o };
	struct yscan_result res;
	struct mscan *m = NULL;
	struct onode *row = NULL;
	YR_SCANNER *sc = NULL;
	struct snap s;
	char msg[700] = "", why[800];
	const char *incomplete;
	struct yscan_opts so;
	int ret = ANA_EXIT_ERROR;

	if (ana_open_snapshot(cmd, path, ANA_OPEN_REGIONS, &s))
		return ANA_EXIT_ERROR;
	incomplete = snap_incomplete(&s, why, sizeof(why));
	if (incomplete[0])
		ana_warn(cmd, "%s: %s", path, incomplete);
	c.s = &s;
	if (o->fmt == YF_JSON || o->fmt == YF_YAML) {
		row = out_map(out->results, NULL);
		out_bytes(row, "snapshot", path, strlen(path));
		if (incomplete[0])
			out_str(row, "incomplete", incomplete);
		c.matches = out_seq(row, "matches");
	}
	c.sarif_results = out->sarif_results;
	c.sarif_rules = out->sarif_rules;
	if (yr_scanner_create(rules, &sc)) {
		ana_err(cmd, "out of memory");
		goto out;
	}
	if (o->pid_meta && define_pid_meta(sc, o, &s)) {
		ana_err(cmd, "the rules do not declare pid, comm and exe as externals of these types (--pid-meta)");
		goto out;
	}
	so = o->scan;
	so.callback = on_message;
	so.callback_arg = &c;
	if (yscan_run(&s, sc, &so, &m, &res, msg, sizeof(msg))) {
		ana_err(cmd, "%s: %s", path, msg);
		goto out;
	}
	if (msg[0])
		ana_warn(cmd, "%s: %s", path, msg);
	if (res.timed_out)
		ana_warn(cmd, "%s: --timeout %u s reached: the rest was not scanned",
			 path, o->scan.timeout);
	if (res.regions_timed_out)
		ana_warn(cmd, "%s: --region-timeout reached in %u regions",
			 path, res.regions_timed_out);
	if (o->fmt == YF_TEXT) {
		gaps_text(stdout, &s, m, TEXT_GAPS);
	} else if (row) {
		scanned_doc(row, m);
		out_u64(out_map(row, "scan"), "blocks", res.blocks);
		out_bool(row, "zero_pages_proven_clean", res.zeros_skipped);
		out_bool(row, "timed_out", res.timed_out);
		out_u64(row, "regions_timed_out", res.regions_timed_out);
		gaps_doc(row, &s, m);
	} else if (out->sarif_artifacts) {
		json_array_append_new(out->sarif_artifacts, json_pack(
			"{s:{s:o}}", "location", "uri", jtext(path)));
	}
	if (c.matched)
		ret = 1;
	else if (res.timed_out || res.regions_timed_out)
		ret = ANA_EXIT_ERROR;
	else
		ret = ANA_EXIT_OK;
out:
	if (sc)
		yr_scanner_destroy(sc);
	mscan_free(m);
	snap_close(&s);
	return ret;
}

static int print_docs(const struct yopts *o, struct out_docs *d)
{
	struct msnap_error err = { 0 };
	json_t *doc;
	int r;

	if (o->fmt == YF_JSON || o->fmt == YF_YAML) {
		if (odoc_print(d->doc, o->fmt == YF_JSON ? OUT_JSON : OUT_YAML,
			       stdout, &err)) {
			ana_err_msnap(cmd, &err);
			return -1;
		}
		return 0;
	}
	if (o->fmt != YF_SARIF)
		return 0;
	/* no informationUri: the project has no public address to give */
	doc = json_pack("{s:s,s:s,s:[{s:{s:{s:s,s:s,s:O}},s:O,s:O}]}",
			"$schema", "https://json.schemastore.org/sarif-2.1.0.json",
			"version", "2.1.0", "runs", "tool", "driver", "name",
			"memsnap-analyze", "version", MEMSNAP_VERSION,
			"rules", d->sarif_rules, "results", d->sarif_results,
			"artifacts", d->sarif_artifacts);
	if (!doc) {
		ana_err(cmd, "out of memory");
		return -1;
	}
	r = out_json_dumpf(doc, stdout);
	json_decref(doc);
	if (r || putchar('\n') == EOF)
		return -1;
	return 0;
}

int cmd_yara(int argc, char **argv)
{
	struct yopts o;
	struct out_docs d = { 0 };
	YR_RULES *rules = NULL;
	unsigned nrules = 0;
	int i, r, ret = ANA_EXIT_ERROR, worst = ANA_EXIT_OK;

	r = parse_opts(argc, argv, &o);
	if (r)
		return r > 0 ? ANA_EXIT_OK : ANA_EXIT_ERROR;
	if (o.pid_meta)
		add_pid_meta_decls(&o);
	if (yr_initialize()) {
		ana_err(cmd, "cannot initialise libyara");
		return ANA_EXIT_ERROR;
	}
	if (yrules_load(cmd, o.rules, o.ext, o.next, &rules, &nrules))
		goto out;
	d.doc = odoc_new();
	d.results = out_seq(odoc_root(d.doc), "results");
	d.sarif_results = json_array();
	d.sarif_rules = json_array();
	d.sarif_artifacts = json_array();
	if (!d.doc || !d.sarif_results || !d.sarif_rules || !d.sarif_artifacts) {
		ana_err(cmd, "out of memory");
		goto out;
	}
	/* odoc keeps keys in insertion order: tool facts after results is fine */
	out_str(odoc_root(d.doc), "tool", "memsnap-analyze yara");
	out_bytes(odoc_root(d.doc), "rules", o.rules, strlen(o.rules));
	out_u64(odoc_root(d.doc), "rules_count", nrules);
	for (i = 0; i < o.nsnaps; i++) {
		r = scan_one(&o, rules, o.snaps[i], &d);
		if (r == ANA_EXIT_ERROR || (r == 1 && worst == ANA_EXIT_OK))
			worst = r;
	}
	if (print_docs(&o, &d) || fflush(stdout)) {
		ana_err(cmd, "cannot write the report");
		goto out;
	}
	ret = worst;
out:
	odoc_free(d.doc);
	json_decref(d.sarif_results);
	json_decref(d.sarif_rules);
	json_decref(d.sarif_artifacts);
	if (rules)
		yr_rules_destroy(rules);
	yr_finalize();
	return ret;
}
