// SPDX-License-Identifier: MIT
/* output.c - the document builder and its text, JSON and YAML renderings. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "escape.h"
#include "output.h"
#include "yaml_out.h"

enum onode_kind {
	ON_NULL, ON_STR, ON_U64, ON_I64, ON_HEX, ON_BOOL, ON_FIXED,
	ON_MAP, ON_SEQ,
};

struct onode {
	enum onode_kind kind;
	struct odoc *doc;
	char *key;                     /* set when the parent is a map */
	union {
		struct {
			char *s;
			size_t len;
		} str;
		uint64_t u;
		int64_t i;
		bool b;
		struct {
			double v;
			int decimals;
		} fixed;
		struct {
			struct onode **items;
			size_t n, cap;
		} kids;
	};
};

struct odoc {
	struct onode root;
	bool failed;
};

int out_parse_format(const char *s, enum out_format *f)
{
	if (!strcmp(s, "text"))
		*f = OUT_TEXT;
	else if (!strcmp(s, "json"))
		*f = OUT_JSON;
	else if (!strcmp(s, "yaml"))
		*f = OUT_YAML;
	else
		return -1;
	return 0;
}

struct odoc *odoc_new(void)
{
	struct odoc *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->root.kind = ON_MAP;
	d->root.doc = d;
	return d;
}

static void onode_release(struct onode *n)
{
	size_t i;

	free(n->key);
	if (n->kind == ON_STR)
		free(n->str.s);
	if (n->kind == ON_MAP || n->kind == ON_SEQ) {
		for (i = 0; i < n->kids.n; i++) {
			onode_release(n->kids.items[i]);
			free(n->kids.items[i]);
		}
		free(n->kids.items);
	}
}

void odoc_free(struct odoc *d)
{
	if (!d)
		return;
	onode_release(&d->root);
	free(d);
}

struct onode *odoc_root(struct odoc *d)
{
	return d ? &d->root : NULL;
}

static struct onode *add_child(struct onode *parent, const char *key,
			       enum onode_kind kind)
{
	struct onode *n, **items;
	size_t cap;

	if (!parent || parent->doc->failed)
		return NULL;
	if (parent->kind != ON_MAP && parent->kind != ON_SEQ)
		goto fail;
	if (parent->kind == ON_MAP && !key)
		goto fail;
	if (parent->kids.n == parent->kids.cap) {
		cap = parent->kids.cap ? parent->kids.cap * 2 : 8;
		if (cap > SIZE_MAX / sizeof(*items))
			goto fail;
		items = realloc(parent->kids.items, cap * sizeof(*items));
		if (!items)
			goto fail;
		parent->kids.items = items;
		parent->kids.cap = cap;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		goto fail;
	n->kind = kind;
	n->doc = parent->doc;
	if (parent->kind == ON_MAP) {
		n->key = strdup(key);
		if (!n->key) {
			free(n);
			goto fail;
		}
	}
	parent->kids.items[parent->kids.n++] = n;
	return n;
fail:
	parent->doc->failed = true;
	return NULL;
}

struct onode *out_map(struct onode *parent, const char *key)
{
	return add_child(parent, key, ON_MAP);
}

struct onode *out_seq(struct onode *parent, const char *key)
{
	return add_child(parent, key, ON_SEQ);
}

void out_bytes(struct onode *parent, const char *key, const void *s, size_t n)
{
	struct onode *c;

	if (!s) {
		out_null(parent, key);
		return;
	}
	c = add_child(parent, key, ON_STR);
	if (!c)
		return;
	c->str.s = malloc(n + 1);
	if (!c->str.s) {
		/* Keep the tree consistent: an empty string, and fail. */
		c->kind = ON_NULL;
		c->doc->failed = true;
		return;
	}
	memcpy(c->str.s, s, n);
	c->str.s[n] = '\0';
	c->str.len = n;
}

void out_str(struct onode *parent, const char *key, const char *s)
{
	out_bytes(parent, key, s, s ? strlen(s) : 0);
}

void out_u64(struct onode *parent, const char *key, uint64_t v)
{
	struct onode *c = add_child(parent, key, ON_U64);

	if (c)
		c->u = v;
}

void out_i64(struct onode *parent, const char *key, int64_t v)
{
	struct onode *c = add_child(parent, key, ON_I64);

	if (c)
		c->i = v;
}

void out_hex(struct onode *parent, const char *key, uint64_t v)
{
	struct onode *c = add_child(parent, key, ON_HEX);

	if (c)
		c->u = v;
}

void out_bool(struct onode *parent, const char *key, bool v)
{
	struct onode *c = add_child(parent, key, ON_BOOL);

	if (c)
		c->b = v;
}

void out_null(struct onode *parent, const char *key)
{
	add_child(parent, key, ON_NULL);
}

void out_fixed(struct onode *parent, const char *key, double v, int decimals)
{
	struct onode *c = add_child(parent, key, ON_FIXED);

	if (c) {
		c->fixed.v = v;
		c->fixed.decimals = decimals < 0 ? 0 : decimals > 9 ? 9 : decimals;
	}
}

/* ---- reading ------------------------------------------------------------ */

const struct onode *odoc_top(const struct odoc *d)
{
	return d ? &d->root : NULL;
}

const struct onode *out_get(const struct onode *map, const char *key)
{
	size_t i;

	if (!map || map->kind != ON_MAP)
		return NULL;
	for (i = 0; i < map->kids.n; i++)
		if (!strcmp(map->kids.items[i]->key, key))
			return map->kids.items[i];
	return NULL;
}

size_t out_len(const struct onode *n)
{
	return n && (n->kind == ON_MAP || n->kind == ON_SEQ) ? n->kids.n : 0;
}

const struct onode *out_at(const struct onode *n, size_t i)
{
	return i < out_len(n) ? n->kids.items[i] : NULL;
}

bool out_is_null(const struct onode *n)
{
	return !n || n->kind == ON_NULL;
}

const char *out_get_str(const struct onode *map, const char *key,
			size_t *len)
{
	return out_node_str(out_get(map, key), len);
}

const char *out_node_str(const struct onode *n, size_t *len)
{
	if (!n || n->kind != ON_STR)
		return NULL;
	if (len)
		*len = n->str.len;
	return n->str.s;
}

uint64_t out_get_u64(const struct onode *map, const char *key)
{
	const struct onode *n = out_get(map, key);

	if (!n)
		return 0;
	switch (n->kind) {
	case ON_U64:
	case ON_HEX:
		return n->u;
	case ON_I64:
		return (uint64_t)n->i;
	case ON_BOOL:
		return n->b;
	default:
		return 0;
	}
}

bool odoc_failed(const struct odoc *d)
{
	return !d || d->failed;
}

double out_get_fixed(const struct onode *map, const char *key)
{
	const struct onode *n = out_get(map, key);

	return n && n->kind == ON_FIXED ? n->fixed.v : 0;
}

/* ---- text ---------------------------------------------------------------- */

static bool is_scalar(const struct onode *n)
{
	return n->kind != ON_MAP && n->kind != ON_SEQ;
}

/* Right-aligned in tables (addresses stay left-aligned, like maps). */
static bool is_number(const struct onode *n)
{
	return n->kind == ON_U64 || n->kind == ON_I64 || n->kind == ON_FIXED;
}

static bool seq_of_scalars(const struct onode *n)
{
	size_t i;

	for (i = 0; i < n->kids.n; i++)
		if (!is_scalar(n->kids.items[i]))
			return false;
	return true;
}

static bool seq_of_maps(const struct onode *n)
{
	size_t i;

	for (i = 0; i < n->kids.n; i++)
		if (n->kids.items[i]->kind != ON_MAP)
			return false;
	return n->kids.n > 0;
}

/* Does the escaped item need quotes to stay one word in a list? */
static bool needs_quotes(const char *e)
{
	return !*e || strpbrk(e, " \"'") != NULL;
}

/* The text of a node that fits on one line; malloc'd, NULL on ENOMEM. */
static char *text_value(const struct onode *n)
{
	char *s = NULL, *item, *q;
	size_t i, len = 0;
	FILE *fp;
	int r = 0;

	switch (n->kind) {
	case ON_NULL:
		return strdup("-");
	case ON_STR:
		return esc_text(n->str.s, n->str.len, NULL);
	case ON_U64:
		r = asprintf(&s, "%" PRIu64, n->u);
		break;
	case ON_I64:
		r = asprintf(&s, "%" PRId64, n->i);
		break;
	case ON_HEX:
		r = asprintf(&s, "0x%" PRIx64, n->u);
		break;
	case ON_BOOL:
		return strdup(n->b ? "yes" : "no");
	case ON_FIXED:
		r = asprintf(&s, "%.*f", n->fixed.decimals, n->fixed.v);
		break;
	case ON_MAP:
	case ON_SEQ:
		/* Nested in a table cell or list: "a b c" / "k=v k=v". */
		fp = open_memstream(&s, &len);
		if (!fp)
			return NULL;
		for (i = 0; i < n->kids.n; i++) {
			item = text_value(n->kids.items[i]);
			if (!item) {
				r = -1;
				break;
			}
			if (i)
				fputc(' ', fp);
			if (n->kind == ON_MAP)
				fprintf(fp, "%s=", n->kids.items[i]->key);
			if (n->kids.items[i]->kind == ON_STR &&
			    needs_quotes(item)) {
				fputc('"', fp);
				for (q = item; *q; q++) {
					if (*q == '"')
						fputc('\\', fp);
					fputc(*q, fp);
				}
				fputc('"', fp);
			} else {
				fputs(item, fp);
			}
			free(item);
		}
		if (fclose(fp) || r < 0) {
			free(s);
			return NULL;
		}
		return s;
	}
	return r < 0 ? NULL : s;
}

static int text_map(FILE *fp, const struct onode *map, unsigned indent);

static int text_table(FILE *fp, const struct onode *seq, unsigned indent)
{
	const char **cols = NULL;
	size_t ncols = 0, c, r, w, *width = NULL, nrows = seq->kids.n;
	bool *numeric = NULL;
	char **cells = NULL;
	const struct onode *row;
	int ret = -1;
	size_t k;

	/* Columns: keys in order of first appearance. */
	for (r = 0; r < nrows; r++) {
		row = seq->kids.items[r];
		for (k = 0; k < row->kids.n; k++) {
			const char *key = row->kids.items[k]->key;
			const char **nc;

			for (c = 0; c < ncols; c++)
				if (!strcmp(cols[c], key))
					break;
			if (c < ncols)
				continue;
			nc = realloc(cols, (ncols + 1) * sizeof(*cols));
			if (!nc)
				goto out;
			cols = nc;
			cols[ncols++] = key;
		}
	}
	if (nrows > SIZE_MAX / sizeof(*cells) / (ncols ? ncols : 1))
		goto out;
	cells = calloc(nrows * ncols + 1, sizeof(*cells));
	width = calloc(ncols + 1, sizeof(*width));
	numeric = calloc(ncols + 1, sizeof(*numeric));
	if (!cells || !width || !numeric)
		goto out;
	for (c = 0; c < ncols; c++) {
		width[c] = strlen(cols[c]);
		numeric[c] = true;
	}
	for (r = 0; r < nrows; r++) {
		row = seq->kids.items[r];
		for (c = 0; c < ncols; c++) {
			const struct onode *cell = NULL;

			for (k = 0; k < row->kids.n; k++)
				if (!strcmp(row->kids.items[k]->key, cols[c]))
					cell = row->kids.items[k];
			cells[r * ncols + c] = cell ? text_value(cell)
						    : strdup("");
			if (!cells[r * ncols + c])
				goto out;
			if (cell && !is_number(cell) && cell->kind != ON_NULL)
				numeric[c] = false;
			w = esc_width(cells[r * ncols + c]);
			if (w > width[c])
				width[c] = w;
		}
	}
	/* Header in capitals, then the rows; the last column is not padded. */
	fprintf(fp, "%*s", (int)indent, "");
	for (c = 0; c < ncols; c++) {
		const char *p;
		size_t pad = width[c] - strlen(cols[c]);

		if (numeric[c])
			fprintf(fp, "%*s", (int)pad, "");
		for (p = cols[c]; *p; p++)
			fputc(*p >= 'a' && *p <= 'z' ? *p - 32 : *p, fp);
		if (!numeric[c] && c + 1 < ncols)
			fprintf(fp, "%*s", (int)pad, "");
		fputs(c + 1 < ncols ? "  " : "\n", fp);
	}
	for (r = 0; r < nrows; r++) {
		fprintf(fp, "%*s", (int)indent, "");
		for (c = 0; c < ncols; c++) {
			const char *cell = cells[r * ncols + c];
			size_t pad = width[c] - esc_width(cell);

			if (numeric[c])
				fprintf(fp, "%*s", (int)pad, "");
			fputs(cell, fp);
			if (!numeric[c] && c + 1 < ncols)
				fprintf(fp, "%*s", (int)pad, "");
			fputs(c + 1 < ncols ? "  " : "\n", fp);
		}
	}
	ret = 0;
out:
	if (cells)
		for (r = 0; r < nrows * ncols; r++)
			free(cells[r]);
	free(cells);
	free(width);
	free(numeric);
	free(cols);
	return ret;
}

static int text_map(FILE *fp, const struct onode *map, unsigned indent)
{
	size_t i, keyw = 0, len;
	const struct onode *n;
	bool printed = false;
	char *v;

	for (i = 0; i < map->kids.n; i++) {
		n = map->kids.items[i];
		if (is_scalar(n) || (n->kind == ON_SEQ && seq_of_scalars(n)))
			if (strlen(n->key) > keyw)
				keyw = strlen(n->key);
	}
	for (i = 0; i < map->kids.n; i++) {
		n = map->kids.items[i];
		len = strlen(n->key);
		if (is_scalar(n) || (n->kind == ON_SEQ && seq_of_scalars(n))) {
			v = text_value(n);
			if (!v)
				return -1;
			fprintf(fp, "%*s%s:%*s %s\n", (int)indent, "", n->key,
				(int)(keyw - len), "", v);
			free(v);
			printed = true;
			continue;
		}
		/* A section: set apart at the top level. */
		if (printed && indent == 0)
			fputc('\n', fp);
		fprintf(fp, "%*s%s:\n", (int)indent, "", n->key);
		if (n->kind == ON_MAP) {
			if (text_map(fp, n, indent + 2))
				return -1;
		} else if (seq_of_maps(n)) {
			if (text_table(fp, n, indent + 2))
				return -1;
		} else {
			size_t k;

			for (k = 0; k < n->kids.n; k++) {
				v = text_value(n->kids.items[k]);
				if (!v)
					return -1;
				fprintf(fp, "%*s- %s\n", (int)indent + 2, "", v);
				free(v);
			}
		}
		printed = true;
	}
	return 0;
}

static int render_text(const struct odoc *d, char **text, size_t *len,
		       struct msnap_error *err)
{
	FILE *fp = open_memstream(text, len);
	int r;

	if (!fp)
		return msnap_fail_errno(err, "text output");
	r = text_map(fp, &d->root, 0);
	if (fclose(fp) || r) {
		free(*text);
		*text = NULL;
		return msnap_fail(err, MSNAP_E_NOMEM, -1,
				  "text output: out of memory");
	}
	return 0;
}

/* ---- JSON ------------------------------------------------------------------ */

static json_t *json_node(const struct onode *n)
{
	json_t *j = NULL, *v;
	char *s;
	size_t i;

	switch (n->kind) {
	case ON_NULL:
		return json_null();
	case ON_STR:
		if (esc_is_utf8(n->str.s, n->str.len))
			return json_stringn(n->str.s, n->str.len);
		/* JSON strings are Unicode: keep raw bytes as base64. */
		s = esc_base64(n->str.s, n->str.len);
		if (!s)
			return NULL;
		j = json_pack("{s:s}", "base64", s);
		free(s);
		return j;
	case ON_U64:
		if (n->u <= INT64_MAX)
			return json_integer((json_int_t)n->u);
		if (asprintf(&s, "%" PRIu64, n->u) < 0)
			return NULL;
		j = json_string(s);
		free(s);
		return j;
	case ON_I64:
		return json_integer((json_int_t)n->i);
	case ON_HEX:
		/* As in the manifest: a string, exact beyond 2^53. */
		if (asprintf(&s, "0x%" PRIx64, n->u) < 0)
			return NULL;
		j = json_string(s);
		free(s);
		return j;
	case ON_BOOL:
		return json_boolean(n->b);
	case ON_FIXED:
		return json_real(n->fixed.v);
	case ON_MAP:
		j = json_object();
		break;
	case ON_SEQ:
		j = json_array();
		break;
	}
	if (!j)
		return NULL;
	for (i = 0; i < n->kids.n; i++) {
		v = json_node(n->kids.items[i]);
		if (!v)
			goto fail;
		if (n->kind == ON_MAP) {
			if (json_object_set_new(j, n->kids.items[i]->key, v))
				goto fail;
		} else if (json_array_append_new(j, v)) {
			goto fail;
		}
	}
	return j;
fail:
	json_decref(j);
	return NULL;
}

/*
 * Printable ASCII: everything else is \uXXXX, so that a name from the
 * snapshot cannot act on a terminal showing the JSON (jansson escapes only
 * C0; C1, bidi overrides and DEL would go through raw).
 */
char *out_json_dumps(const struct json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
			     JSON_ENSURE_ASCII);
	size_t n, dels = 0, i, o;
	char *t;

	if (!s)
		return NULL;
	n = strlen(s);
	for (i = 0; i < n; i++)
		dels += s[i] == 0x7f;
	if (!dels)
		return s;
	/* Only inside strings: jansson writes structure in plain ASCII. */
	if (dels > (SIZE_MAX - 1 - n) / 5 || !(t = malloc(n + 5 * dels + 1))) {
		free(s);
		return NULL;
	}
	for (i = o = 0; i < n; i++) {
		if (s[i] == 0x7f) {
			memcpy(t + o, "\\u007f", 6);
			o += 6;
		} else {
			t[o++] = s[i];
		}
	}
	t[o] = '\0';
	free(s);
	return t;
}

int out_json_dumpf(const struct json_t *j, FILE *fp)
{
	char *s = out_json_dumps(j);
	int r = 0;

	if (!s)
		return -1;
	if (fputs(s, fp) == EOF)
		r = -1;
	free(s);
	return r;
}

json_t *out_node_json(const struct onode *n)
{
	return json_node(n);
}

static int render_json(const struct odoc *d, char **text, size_t *len,
		       struct msnap_error *err)
{
	json_t *j = json_node(&d->root);
	char *s, *withnl;

	if (!j)
		return msnap_fail(err, MSNAP_E_NOMEM, -1,
				  "json output: out of memory");
	s = out_json_dumps(j);
	json_decref(j);
	if (!s)
		return msnap_fail(err, MSNAP_E_NOMEM, -1,
				  "json output: out of memory");
	*len = strlen(s);
	withnl = realloc(s, *len + 2);
	if (!withnl) {
		free(s);
		return msnap_fail(err, MSNAP_E_NOMEM, -1,
				  "json output: out of memory");
	}
	withnl[(*len)++] = '\n';
	withnl[*len] = '\0';
	*text = withnl;
	return 0;
}

/* ---- YAML ------------------------------------------------------------------ */

static void yaml_node(struct yout *y, const struct onode *n)
{
	size_t i;

	switch (n->kind) {
	case ON_NULL:
		yout_null(y);
		break;
	case ON_STR:
		yout_bytes(y, n->str.s, n->str.len);
		break;
	case ON_U64:
		yout_u64(y, n->u);
		break;
	case ON_I64:
		yout_i64(y, n->i);
		break;
	case ON_HEX:
		yout_hex(y, n->u);
		break;
	case ON_BOOL:
		yout_bool(y, n->b);
		break;
	case ON_FIXED:
		yout_double(y, n->fixed.v);
		break;
	case ON_MAP:
		yout_map_begin(y);
		for (i = 0; i < n->kids.n; i++) {
			yout_key(y, n->kids.items[i]->key);
			yaml_node(y, n->kids.items[i]);
		}
		yout_map_end(y);
		break;
	case ON_SEQ:
		yout_seq_begin(y);
		for (i = 0; i < n->kids.n; i++)
			yaml_node(y, n->kids.items[i]);
		yout_seq_end(y);
		break;
	}
}

static int render_yaml(const struct odoc *d, char **text, size_t *len,
		       struct msnap_error *err)
{
	struct yout *y = yout_new();
	int r;

	if (!y)
		return msnap_fail(err, MSNAP_E_NOMEM, -1,
				  "yaml output: out of memory");
	yaml_node(y, &d->root);
	r = yout_finish(y, text, len, err);
	yout_free(y);
	return r;
}

int odoc_render(const struct odoc *d, enum out_format f, char **text,
		size_t *len, struct msnap_error *err)
{
	*text = NULL;
	*len = 0;
	if (d->failed)
		return msnap_fail(err, MSNAP_E_NOMEM, -1,
				  "building the output: out of memory");
	switch (f) {
	case OUT_TEXT:
		return render_text(d, text, len, err);
	case OUT_JSON:
		return render_json(d, text, len, err);
	case OUT_YAML:
		return render_yaml(d, text, len, err);
	}
	return msnap_fail(err, MSNAP_E_INVAL, -1, "unknown output format");
}

int odoc_print(const struct odoc *d, enum out_format f, FILE *fp,
	       struct msnap_error *err)
{
	char *text;
	size_t len;
	int r = odoc_render(d, f, &text, &len, err);

	if (r)
		return r;
	if (fwrite(text, 1, len, fp) != len || fflush(fp))
		r = msnap_fail_errno(err, "writing the output");
	free(text);
	return r;
}
