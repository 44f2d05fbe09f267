// SPDX-License-Identifier: MIT
/*
 * findings_sarif.c - check's report as SARIF 2.1.0, for code-scanning
 * dashboards: the rules from the registry (rules.def), one result per
 * finding, read from the report document.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "findings.h"
#include "output.h"
#include "rules.h"

/* Strings from the snapshot: invalid UTF-8 as {"base64": ...}. */
static json_t *jfield(const struct onode *o, const char *key)
{
	return out_node_json(out_get(o, key));
}

static json_t *jstr(const char *s)
{
	json_t *o;
	char *b;

	if (!s)
		return json_null();
	if (esc_is_utf8(s, strlen(s)))
		return json_string(s);
	b = esc_base64(s, strlen(s));
	o = json_pack("{s:s}", "base64", b ? b : "");
	free(b);
	return o;
}

static const char *sarif_level(const char *sev)
{
	if (!strcmp(sev, "high"))
		return "error";
	if (!strcmp(sev, "medium"))
		return "warning";
	return "note";
}

static const char *str_or(const struct onode *o, const char *key,
			  const char *dflt)
{
	const char *s = out_get_str(o, key, NULL);

	return s ? s : dflt;
}

/*
 * Where to learn about the tool: the man page unless the build names a
 * web page (make CPPFLAGS+=-DMEMSNAP_URL='"https://..."').
 */
#ifndef MEMSNAP_URL
#define MEMSNAP_URL "man:memsnap-analyze(1)"
#endif

/* A file URI of an absolute path: every byte but [A-Za-z0-9/._~-] as %XX. */
static char *file_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path), i, o = 0;
	char *u = malloc(3 * n + 8);

	if (!u)
		return NULL;
	memcpy(u, "file://", 7);
	o = 7;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("/._~-", c)) {
			u[o++] = (char)c;
		} else {
			u[o++] = '%';
			u[o++] = hex[c >> 4];
			u[o++] = hex[c & 15];
		}
	}
	u[o] = '\0';
	return u;
}

/* A relative path is taken from the working directory, as given. */
static json_t *artifact_uri(const char *path)
{
	char *abs = NULL, *cwd = NULL, *u;
	json_t *j;

	if (path[0] != '/') {
		cwd = getcwd(NULL, 0);
		if (!cwd || asprintf(&abs, "%s/%s", cwd, path) < 0)
			abs = NULL;
		free(cwd);
		if (!abs)
			return NULL;
		path = abs;
	}
	u = file_uri(path);
	free(abs);
	j = u ? json_string(u) : NULL;
	free(u);
	return j;
}

/*
 * A module that is a file on disk: an absolute path, not a memfd, not
 * deleted (the kernel's " (deleted)"), not a bracketed kernel name.
 */
static bool is_file_path(const char *p)
{
	static const char deleted[] = " (deleted)";
	size_t n;

	if (!p || p[0] != '/' || !strncmp(p, "/memfd:", 7))
		return false;
	n = strlen(p);
	return n < sizeof(deleted) - 1 ||
	       strcmp(p + n - (sizeof(deleted) - 1), deleted);
}

static json_t *logical(const char *name, const char *kind)
{
	return json_pack("{s:o,s:s}", "name", jstr(name), "kind", kind);
}

/*
 * Every result has a location: the module's file (file URI) where there
 * is one; else the memory (an address, and a logical location naming the
 * module or region); else, for facts of the whole process, the process.
 */
static json_t *sarif_location(const struct onode *rep, const struct onode *f)
{
	const char *module = out_get_str(f, "module", NULL);
	const char *sym = out_get_str(f, "symbol", NULL);
	const char *target = out_get_str(f, "target", NULL);
	json_t *loc = json_object(), *phys = json_object(), *addr = NULL;
	json_t *logs = json_array();
	char what[160];

	if (!out_is_null(out_get(f, "address"))) {
		addr = json_pack("{s:I,s:I}", "absoluteAddress",
				 (json_int_t)out_get_u64(f, "address"),
				 "length", (json_int_t)out_get_u64(f, "size"));
		if (!out_is_null(out_get(f, "offset")))
			json_object_set_new(addr, "relativeAddress",
				json_integer((json_int_t)out_get_u64(f, "offset")));
		json_object_set_new(phys, "address", addr);
	}
	if (is_file_path(module)) {
		json_object_set_new(phys, "artifactLocation",
				    json_pack("{s:o}", "uri",
					      artifact_uri(module)));
	} else if (module) {
		json_array_append_new(logs, logical(module, "module"));
	} else if (addr) {
		/* anonymous memory: "anon 0x..-0x.. rwxp", or where an ip is */
		snprintf(what, sizeof(what), "memory 0x%" PRIx64,
			 out_get_u64(f, "address"));
		json_array_append_new(logs, logical(target && !sym ? target
								   : what,
						    "module"));
	} else {
		snprintf(what, sizeof(what), "process %" PRIu64,
			 out_get_u64(rep, "pid"));
		json_array_append_new(logs, logical(what, "object"));
	}
	if (sym)
		json_array_append_new(logs, logical(sym, "function"));
	if (json_object_size(phys))
		json_object_set_new(loc, "physicalLocation", phys);
	else
		json_decref(phys);
	if (json_array_size(logs))
		json_object_set_new(loc, "logicalLocations", logs);
	else
		json_decref(logs);
	return loc;
}

static json_t *sarif_result(const struct onode *rep, const struct onode *f,
			    size_t rule_index)
{
	json_t *r = json_object();
	const char *type = str_or(f, "type", "?");
	const char *sym = out_get_str(f, "symbol", NULL);
	const char *target = out_get_str(f, "target", NULL);
	const char *ev = out_get_str(f, "evidence", NULL);
	char *text = NULL, at[40] = "";

	if (!out_is_null(out_get(f, "address")))
		snprintf(at, sizeof(at), " at 0x%" PRIx64,
			 out_get_u64(f, "address"));
	if (asprintf(&text, "%s%s%s%s%s%s%s%s.", type, at, sym ? " in " : "",
		     sym ? sym : "", target ? " -> " : "", target ? target : "",
		     ev ? ": " : "", ev ? ev : "") < 0)
		text = NULL;
	json_object_set_new(r, "ruleId", json_string(type));
	json_object_set_new(r, "ruleIndex", json_integer((json_int_t)rule_index));
	json_object_set_new(r, "level",
			    json_string(sarif_level(str_or(f, "severity", ""))));
	json_object_set_new(r, "message",
			    json_pack("{s:o}", "text", jstr(text ? text : type)));
	free(text);
	json_object_set_new(r, "locations",
			    json_pack("[o]", sarif_location(rep, f)));
	json_object_set_new(r, "partialFingerprints",
			    json_pack("{s:o}", "memsnapFindingId",
				      jfield(f, "id")));
	json_object_set_new(r, "properties", out_node_json(f));
	if (out_get_u64(f, "suppressed"))
		json_object_set_new(r, "suppressions",
			json_pack("[{s:s,s:s}]", "kind", "external",
				  "justification", "allowlist"));
	return r;
}

/* GitHub ranks security results by this: the score on a 0-10 scale. */
static json_t *security_severity(unsigned score)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%u.%u", score / 10, score % 10);
	return json_string(buf);
}

static const char *const sev_level[FSEV_NSEV] = {
	[FSEV_INFO] = "note", [FSEV_LOW] = "note",
	[FSEV_MEDIUM] = "warning", [FSEV_HIGH] = "error",
};

/*
 * No "name": SARIF wants one that differs from the id even in case, and
 * the id is already the readable name (breakpoint, replaced).
 */
static json_t *sarif_rule(const struct rule *r)
{
	return json_pack("{s:s,s:{s:s},s:{s:s},s:{s:s},s:{s:s},"
			 "s:{s:[s,s],s:s,s:o}}",
			 "id", r->id,
			 "shortDescription", "text", r->short_desc,
			 "fullDescription", "text", r->full_desc,
			 "help", "text", r->help,
			 "defaultConfiguration", "level", sev_level[r->sev],
			 "properties", "tags", "security", r->tag,
			 "precision", r->precision,
			 "security-severity", security_severity(r->score));
}

/* A finding type outside the registry (none today): its id as its text. */
static json_t *sarif_bare_rule(const char *type)
{
	return json_pack("{s:s,s:{s:s},s:{s:s},s:{s:s}}", "id", type,
			 "shortDescription", "text", type,
			 "fullDescription", "text", type, "help", "text", type);
}

/* The index of type in the rules array, appending a bare rule if new. */
static size_t rule_index(json_t *arr, const char *type)
{
	const struct rule *r = rule_find(type);
	size_t i;

	if (r)
		return (size_t)(r - rules);
	for (i = RULE_COUNT; i < json_array_size(arr); i++)
		if (!strcmp(json_string_value(json_object_get(
				json_array_get(arr, i), "id")), type))
			return i;
	json_array_append_new(arr, sarif_bare_rule(type));
	return json_array_size(arr) - 1;
}

static json_t *sarif_report(const struct onode *rep)
{
	json_t *rules_a = json_array(), *results = json_array(), *driver, *run;
	const struct onode *seq = out_get(rep, "findings");
	size_t i;

	for (i = 0; i < RULE_COUNT; i++)
		json_array_append_new(rules_a, sarif_rule(&rules[i]));
	for (i = 0; i < out_len(seq); i++) {
		const struct onode *f = out_at(seq, i);
		size_t k = rule_index(rules_a, str_or(f, "type", "?"));

		json_array_append_new(results, sarif_result(rep, f, k));
	}
	driver = json_pack("{s:s,s:s,s:s,s:s,s:o}", "name", "memsnap-analyze",
			   "version", MEMSNAP_VERSION, "semanticVersion",
			   MEMSNAP_VERSION, "informationUri", MEMSNAP_URL,
			   "rules", rules_a);
	run = json_pack("{s:{s:o},s:o,s:[{s:{s:o}}]}", "tool", "driver",
			driver, "results", results, "artifacts", "location",
			"uri", artifact_uri(str_or(rep, "snapshot", "")));
	return json_pack("{s:s,s:s,s:[o]}", "$schema",
			 "https://json.schemastore.org/sarif-2.1.0.json",
			 "version", "2.1.0", "runs", run);
}

int findings_render_sarif(FILE *fp, const struct odoc *d)
{
	json_t *doc = sarif_report(odoc_top(d));
	int r;

	if (!doc) {
		errno = ENOMEM;
		return -1;
	}
	r = out_json_dumpf(doc, fp);
	json_decref(doc);
	if (r || fputc('\n', fp) == EOF || ferror(fp))
		return -1;
	return 0;
}
