// SPDX-License-Identifier: MIT
/*
 * findings.c - the finding model of `check`: adding, ids, the allowlist,
 * and the text, JSON and SARIF renderings.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "findings.h"
#include "output.h"

static const char *const sev_names[FSEV_NSEV] = {
	"info", "low", "medium", "high",
};

const char *fsev_name(enum fsev s)
{
	return (unsigned)s < FSEV_NSEV ? sev_names[s] : "?";
}

int fsev_parse(const char *s, enum fsev *out)
{
	unsigned i;

	for (i = 0; i < FSEV_NSEV; i++)
		if (!strcmp(s, sev_names[i])) {
			*out = (enum fsev)i;
			return 0;
		}
	return -1;
}

static void finding_clear(struct finding *f)
{
	free(f->module);
	free(f->module_key);
	free(f->symbol);
	free(f->target);
	free(f->evidence);
	free(f->disasm_before);
	free(f->disasm_after);
	memset(f, 0, sizeof(*f));
}

struct finding *finding_add(struct findings *fs, const char *type,
			    enum fsev sev, unsigned score, uint64_t addr,
			    uint64_t size)
{
	struct finding *f;

	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 32;
		struct finding *v = realloc(fs->v, cap * sizeof(*v));

		if (!v) {
			fs->nomem = true;
			finding_clear(&fs->scratch);
			return &fs->scratch;
		}
		fs->v = v;
		fs->cap = cap;
	}
	f = &fs->v[fs->n++];
	memset(f, 0, sizeof(*f));
	snprintf(f->type, sizeof(f->type), "%s", type);
	f->sev = sev;
	f->score = score > 100 ? 100 : score;
	f->addr = addr;
	f->size = size;
	f->region = -1;
	return f;
}

void finding_set(struct finding *f, char **field, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	if (!f)
		return;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		s = NULL;
	free(*field);
	*field = s;
}

void finding_module(struct finding *f, const char *path, const char *key,
		    uint64_t offset)
{
	if (!f)
		return;
	if (path)
		finding_set(f, &f->module, "%s", path);
	if (key)
		finding_set(f, &f->module_key, "%s", key);
	f->has_offset = true;
	f->offset = offset;
}

void finding_bytes(struct finding *f, const uint8_t *before,
		   const uint8_t *after, size_t n)
{
	if (!f)
		return;
	if (n > FINDING_MAX_BYTES)
		n = FINDING_MAX_BYTES;
	if (before)
		memcpy(f->before, before, n);
	if (after)
		memcpy(f->after, after, n);
	f->nbytes = n;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Grouped by module (process-wide facts first), then by address. */
static int cmp_finding(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int c;

	if (!x->module != !y->module)
		return x->module ? 1 : -1;
	if (x->module && (c = strcmp(x->module, y->module)))
		return c;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->type, y->type);
}

void findings_finish(struct findings *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		struct finding *f = &fs->v[i];
		const char *key = f->module_key ? f->module_key :
				  f->module ? base_name(f->module) : "process";

		if (f->has_offset)
			snprintf(f->id, sizeof(f->id), "%.120s+0x%" PRIx64 ":%s",
				 key, f->offset, f->type);
		else
			snprintf(f->id, sizeof(f->id), "%.120s:%s", key,
				 f->type);
	}
	if (fs->n > 1)
		qsort(fs->v, fs->n, sizeof(*fs->v), cmp_finding);
}

void findings_free(struct findings *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		finding_clear(&fs->v[i]);
	finding_clear(&fs->scratch);
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}

int findings_allowlist(struct findings *fs, const char *path, char *msg,
		       size_t msglen)
{
	FILE *fp = fopen(path, "re");
	char line[512];
	size_t i, lineno = 0;

	if (!fp) {
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *s = line, *e;

		lineno++;
		if (!strchr(line, '\n') && !feof(fp)) {
			snprintf(msg, msglen, "%s:%zu: line too long", path,
				 lineno);
			fclose(fp);
			return -1;
		}
		s[strcspn(s, "#\r\n")] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*s)
			continue;
		for (i = 0; i < fs->n; i++)
			if (!strcmp(fs->v[i].id, s))
				fs->v[i].suppressed = true;
	}
	if (ferror(fp)) {
		snprintf(msg, msglen, "%s: read error", path);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

int findings_worst(const struct findings *fs)
{
	int worst = -1;
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (!fs->v[i].suppressed && (int)fs->v[i].sev > worst)
			worst = (int)fs->v[i].sev;
	return worst;
}

size_t findings_count_at_least(const struct findings *fs, enum fsev min)
{
	size_t i, n = 0;

	for (i = 0; i < fs->n; i++)
		if (!fs->v[i].suppressed && fs->v[i].sev >= min)
			n++;
	return n;
}

static void count_by_sev(const struct findings *fs, size_t c[FSEV_NSEV],
			 size_t *suppressed)
{
	size_t i;

	memset(c, 0, FSEV_NSEV * sizeof(c[0]));
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

/* ---- text ---------------------------------------------------------------- */

static void put_esc(FILE *fp, const char *s)
{
	esc_fputs(fp, s, strlen(s));
}

static void hexdump_line(FILE *fp, const char *label, uint64_t addr,
			 const uint8_t *b, size_t n, const uint8_t *other)
{
	size_t i;

	fprintf(fp, "      %s 0x%" PRIx64 ":", label, addr);
	for (i = 0; i < n; i++)
		fprintf(fp, other && other[i] != b[i] ? " %02x*" : " %02x",
			b[i]);
	fputc('\n', fp);
}

static void put_disasm(FILE *fp, const char *label, const char *text)
{
	const char *s = text, *nl;

	fprintf(fp, "      %s\n", label);
	while (*s) {
		nl = strchr(s, '\n');
		fputs("        ", fp);
		esc_fputs(fp, s, nl ? (size_t)(nl - s) : strlen(s));
		fputc('\n', fp);
		if (!nl)
			break;
		s = nl + 1;
	}
}

/* LD_PRELOAD, a tracer, ...: facts about the process, at no address. */
static bool process_level(const struct finding *f)
{
	return !f->addr && !f->size;
}

static void text_finding(FILE *fp, const struct finding *f)
{
	fprintf(fp, "  [%s] %s%s", fsev_name(f->sev), f->type,
		f->suppressed ? " (suppressed)" : "");
	if (!process_level(f))
		fprintf(fp, " at 0x%" PRIx64, f->addr);
	if (f->has_offset)
		fprintf(fp, " (+0x%" PRIx64 ")", f->offset);
	if (f->symbol) {
		fputs(" in ", fp);
		put_esc(fp, f->symbol);
	}
	fprintf(fp, ", score %u\n", f->score);
	if (f->has_target || f->target) {
		fputs("      target: ", fp);
		if (f->has_target)
			fprintf(fp, "0x%" PRIx64 " ", f->target_addr);
		if (f->target)
			put_esc(fp, f->target);
		fputc('\n', fp);
	}
	if (f->evidence) {
		fputs("      evidence: ", fp);
		put_esc(fp, f->evidence);
		fputc('\n', fp);
	}
	if (f->nbytes) {
		hexdump_line(fp, "file  ", f->addr, f->before, f->nbytes,
			     f->after);
		hexdump_line(fp, "memory", f->addr, f->after, f->nbytes,
			     f->before);
	}
	if (f->disasm_before)
		put_disasm(fp, "- file:", f->disasm_before);
	if (f->disasm_after)
		put_disasm(fp, "+ memory:", f->disasm_after);
	fputs("      id: ", fp);
	put_esc(fp, f->id);
	fputc('\n', fp);
}

int findings_print_text(FILE *fp, const struct findings *fs,
			const struct report_head *h)
{
	size_t c[FSEV_NSEV], suppressed, i;
	const char *group = "";
	bool first = true;

	count_by_sev(fs, c, &suppressed);
	fprintf(fp,
		"verdict: %s: %zu high, %zu medium, %zu low, %zu info",
		verdict(fs), c[FSEV_HIGH], c[FSEV_MEDIUM], c[FSEV_LOW],
		c[FSEV_INFO]);
	if (suppressed)
		fprintf(fp, ", %zu suppressed", suppressed);
	fputc('\n', fp);
	fputs("snapshot: ", fp);
	put_esc(fp, h->snapshot);
	fputc('\n', fp);
	if (h->exe) {
		fprintf(fp, "process: %" PRIu64 " ", h->pid);
		put_esc(fp, h->exe);
		fputc('\n', fp);
	}
	fprintf(fp,
		"modules: %zu checked against their reference, %zu without one; %" PRIu64
		" code bytes and %" PRIu64 " read-only bytes compared\n",
		h->modules_checked, h->modules_unverified,
		h->code_bytes_compared, h->rodata_bytes_compared);
	for (i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		const char *g = f->module ? f->module : "(process)";

		if (first || strcmp(g, group)) {
			fputc('\n', fp);
			put_esc(fp, g);
			fputs(":\n", fp);
			group = g;
			first = false;
		}
		text_finding(fp, f);
	}
	if (fs->nomem)
		fputs("\nwarning: out of memory: some findings were lost\n",
		      fp);
	return ferror(fp) ? -1 : 0;
}

/* ---- JSON and SARIF ----------------------------------------------------- */

/* Strings from the snapshot: invalid UTF-8 as {"base64": ...}. */
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

static json_t *jhex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_string(buf);
}

static json_t *jbytes(const uint8_t *b, size_t n)
{
	char hex[2 * FINDING_MAX_BYTES + 1];

	msnap_hex(b, n, hex);
	return json_string(hex);
}

static json_t *json_finding(const struct finding *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", jstr(f->id));
	json_object_set_new(o, "type", json_string(f->type));
	json_object_set_new(o, "severity", json_string(fsev_name(f->sev)));
	json_object_set_new(o, "score", json_integer(f->score));
	json_object_set_new(o, "suppressed", json_boolean(f->suppressed));
	json_object_set_new(o, "address", process_level(f) ? json_null()
							    : jhex(f->addr));
	json_object_set_new(o, "size", json_integer((json_int_t)f->size));
	if (f->region >= 0)
		json_object_set_new(o, "region", json_integer(f->region));
	json_object_set_new(o, "module", jstr(f->module));
	if (f->module_key)
		json_object_set_new(o, "module_key", jstr(f->module_key));
	if (f->has_offset)
		json_object_set_new(o, "offset", jhex(f->offset));
	json_object_set_new(o, "symbol", jstr(f->symbol));
	if (f->has_target)
		json_object_set_new(o, "target_address", jhex(f->target_addr));
	if (f->target)
		json_object_set_new(o, "target", jstr(f->target));
	json_object_set_new(o, "evidence", jstr(f->evidence));
	if (f->nbytes) {
		json_object_set_new(o, "before", jbytes(f->before, f->nbytes));
		json_object_set_new(o, "after", jbytes(f->after, f->nbytes));
	}
	if (f->disasm_before)
		json_object_set_new(o, "disasm_before", jstr(f->disasm_before));
	if (f->disasm_after)
		json_object_set_new(o, "disasm_after", jstr(f->disasm_after));
	return o;
}

static json_t *json_report(const struct findings *fs,
			   const struct report_head *h)
{
	json_t *o = json_object(), *arr = json_array(), *counts;
	size_t c[FSEV_NSEV], suppressed, i;

	count_by_sev(fs, c, &suppressed);
	counts = json_pack("{s:I,s:I,s:I,s:I,s:I}", "high", (json_int_t)c[3],
			   "medium", (json_int_t)c[2], "low", (json_int_t)c[1],
			   "info", (json_int_t)c[0], "suppressed",
			   (json_int_t)suppressed);
	json_object_set_new(o, "tool", json_string("memsnap-analyze check"));
	json_object_set_new(o, "version", json_string(MEMSNAP_VERSION));
	json_object_set_new(o, "snapshot", jstr(h->snapshot));
	json_object_set_new(o, "pid", json_integer((json_int_t)h->pid));
	json_object_set_new(o, "exe", jstr(h->exe));
	json_object_set_new(o, "verdict", json_string(verdict(fs)));
	json_object_set_new(o, "fail_on", json_string(fsev_name(h->fail_on)));
	json_object_set_new(o, "counts", counts);
	json_object_set_new(o, "modules_checked",
			    json_integer((json_int_t)h->modules_checked));
	json_object_set_new(o, "modules_unverified",
			    json_integer((json_int_t)h->modules_unverified));
	json_object_set_new(o, "code_bytes_compared",
			    json_integer((json_int_t)h->code_bytes_compared));
	json_object_set_new(o, "rodata_bytes_compared",
			    json_integer((json_int_t)h->rodata_bytes_compared));
	json_object_set_new(o, "incomplete", json_boolean(fs->nomem));
	for (i = 0; i < fs->n; i++)
		json_array_append_new(arr, json_finding(&fs->v[i]));
	json_object_set_new(o, "findings", arr);
	return o;
}

static const char *sarif_level(enum fsev s)
{
	switch (s) {
	case FSEV_HIGH:
		return "error";
	case FSEV_MEDIUM:
		return "warning";
	default:
		return "note";
	}
}

static json_t *sarif_result(const struct finding *f)
{
	json_t *r = json_object(), *loc = json_object(), *props;
	char msg[1024], at[40] = "";

	if (!process_level(f))
		snprintf(at, sizeof(at), " at 0x%" PRIx64, f->addr);
	snprintf(msg, sizeof(msg), "%s%s%s%s%s%s%s%s",
		 f->type, at, f->symbol ? " in " : "",
		 f->symbol ? f->symbol : "", f->target ? " -> " : "",
		 f->target ? f->target : "", f->evidence ? ": " : "",
		 f->evidence ? f->evidence : "");
	json_object_set_new(r, "ruleId", json_string(f->type));
	json_object_set_new(r, "level", json_string(sarif_level(f->sev)));
	json_object_set_new(r, "message",
			    json_pack("{s:o}", "text", jstr(msg)));
	if (f->module) {
		json_t *phys = json_object();

		json_object_set_new(phys, "artifactLocation",
				    json_pack("{s:o}", "uri", jstr(f->module)));
		if (f->has_offset)
			json_object_set_new(phys, "address",
				json_pack("{s:I}", "relativeAddress",
					  (json_int_t)f->offset));
		json_object_set_new(loc, "physicalLocation", phys);
	}
	if (f->symbol)
		json_object_set_new(loc, "logicalLocations",
			json_pack("[{s:o,s:s}]", "name", jstr(f->symbol),
				  "kind", "function"));
	json_object_set_new(r, "locations", json_pack("[o]", loc));
	json_object_set_new(r, "partialFingerprints",
			    json_pack("{s:o}", "memsnapFindingId",
				      jstr(f->id)));
	props = json_finding(f);
	json_object_set_new(r, "properties", props);
	if (f->suppressed)
		json_object_set_new(r, "suppressions",
			json_pack("[{s:s,s:s}]", "kind", "external",
				  "justification", "allowlist"));
	return r;
}

static json_t *sarif_report(const struct findings *fs,
			    const struct report_head *h)
{
	json_t *rules = json_array(), *results = json_array(), *driver, *run;
	size_t i, j;

	for (i = 0; i < fs->n; i++) {
		bool seen = false;

		for (j = 0; j < i && !seen; j++)
			seen = !strcmp(fs->v[j].type, fs->v[i].type);
		if (!seen)
			json_array_append_new(rules,
				json_pack("{s:s,s:{s:s}}", "id", fs->v[i].type,
					  "shortDescription", "text",
					  fs->v[i].type));
		json_array_append_new(results, sarif_result(&fs->v[i]));
	}
	driver = json_pack("{s:s,s:s,s:o}", "name", "memsnap-analyze",
			   "version", MEMSNAP_VERSION, "rules", rules);
	run = json_pack("{s:{s:o},s:o,s:[{s:{s:o}}]}", "tool", "driver",
			driver, "results", results, "artifacts", "location",
			"uri", jstr(h->snapshot));
	return json_pack("{s:s,s:s,s:[o]}", "$schema",
			 "https://json.schemastore.org/sarif-2.1.0.json",
			 "version", "2.1.0", "runs", run);
}

int findings_print_json(FILE *fp, const struct findings *fs,
			const struct report_head *h, bool sarif)
{
	json_t *doc = sarif ? sarif_report(fs, h) : json_report(fs, h);
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
