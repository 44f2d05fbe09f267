// SPDX-License-Identifier: MIT
/*
 * findings.c - the finding model of `check`: adding, ids, the allowlist,
 * counting.  Its renderings start at findings_doc.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"

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

bool finding_process_level(const struct finding *f)
{
	return !f->addr && !f->size;
}
