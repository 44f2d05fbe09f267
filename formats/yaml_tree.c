// SPDX-License-Identifier: MIT
/*
 * yaml_tree.c - parse untrusted YAML (libyaml events) into a read-only tree.
 *
 * The manifest comes from a possibly hostile host, so everything is bounded:
 * nesting depth, node count, scalar size.  Nodes and scalar text live in one
 * arena freed at once; children of open collections wait on a shared stack
 * and are copied into exact-size arrays when their collection ends, so memory
 * stays linear in the input.  Maps keep a sorted index: duplicate detection
 * and ynode_get() are O(n log n) and O(log n).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yaml_tree.h"

#define DEFAULT_MAX_DEPTH  64u
#define DEFAULT_MAX_NODES  ((size_t)16 << 20)
#define DEFAULT_MAX_SCALAR ((size_t)16 << 20)
#define ARENA_BLOCK        ((size_t)64 << 10)

enum ytag { YT_NONE, YT_STR, YT_INT, YT_BOOL, YT_NULL, YT_FLOAT, YT_BINARY };

struct ymap_entry {
	const struct ynode *key;
	const struct ynode *value;
};

struct ynode {
	unsigned char kind;      /* enum ynode_kind */
	unsigned char tag;       /* enum ytag */
	bool quoted;             /* any style but plain */
	unsigned line, column;  /* 1-based */
	union {
		struct {
			const char *s;   /* NUL-terminated, may hold NULs */
			size_t len;
		} scalar;
		struct {
			const struct ynode **items;
			size_t n;
		} seq;
		struct {
			const struct ymap_entry *entries;   /* document order */
			const struct ymap_entry **sorted;  /* by key bytes */
			size_t n;
		} map;
	} u;
};

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	max_align_t data[];
};

struct ytree {
	struct arena_block *blocks;
	const struct ynode *root;
};

/* One open collection while parsing. */
struct frame {
	struct ynode *node;
	size_t base;             /* its first child on the kids stack */
};

struct parse {
	struct ytree *t;
	struct ytree_limits lim;
	struct msnap_error *err;
	const char *text;
	size_t text_len;
	size_t nodes;
	unsigned documents;
	struct ynode **kids;
	size_t nkids, kids_cap;
	struct frame *frames;
	size_t nframes, frames_cap;
};

/* ---- arena --------------------------------------------------------------- */

static void *arena_alloc(struct ytree *t, size_t size)
{
	const size_t align = sizeof(max_align_t);
	struct arena_block *b = t->blocks;
	size_t cap;
	void *p;

	if (size > SIZE_MAX - align)
		return NULL;
	size = (size + align - 1) / align * align;
	if (!b || b->cap - b->used < size) {
		cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
		if (cap > SIZE_MAX - sizeof(*b))
			return NULL;
		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->used = 0;
		b->cap = cap;
		/* A big one-off block goes second so the current one stays. */
		if (size > ARENA_BLOCK && t->blocks) {
			b->next = t->blocks->next;
			t->blocks->next = b;
		} else {
			b->next = t->blocks;
			t->blocks = b;
		}
	}
	p = (char *)b->data + b->used;
	b->used += size;
	return p;
}

static void *arena_array(struct ytree *t, size_t n, size_t size)
{
	if (n && size > SIZE_MAX / n)
		return NULL;
	return arena_alloc(t, n && size ? n * size : 1);
}

void ytree_free(struct ytree *t)
{
	struct arena_block *b, *next;

	if (!t)
		return;
	for (b = t->blocks; b; b = next) {
		next = b->next;
		free(b);
	}
	free(t);
}

const struct ynode *ytree_root(const struct ytree *t)
{
	return t ? t->root : NULL;
}

/* ---- errors -------------------------------------------------------------- */

static int fail_at(struct parse *p, const yaml_mark_t *m, const char *what)
{
	return msnap_fail(p->err, MSNAP_E_YAML, -1,
			  "manifest line %zu, column %zu: %s", m->line + 1,
			  m->column + 1, what);
}

static int nomem(struct parse *p)
{
	return msnap_fail(p->err, MSNAP_E_NOMEM, -1,
			  "manifest: out of memory");
}

/* libyaml's reader errors give a byte offset instead of a mark. */
static void mark_of_offset(const struct parse *p, size_t off, yaml_mark_t *m)
{
	size_t i;

	if (off > p->text_len)
		off = p->text_len;
	m->index = off;
	m->line = 0;
	m->column = 0;
	for (i = 0; i < off; i++) {
		if (p->text[i] == '\n') {
			m->line++;
			m->column = 0;
		} else {
			m->column++;
		}
	}
}

static int syntax_error(struct parse *p, const yaml_parser_t *yp)
{
	const char *problem = yp->problem ? yp->problem : "syntax error";
	yaml_mark_t m = yp->problem_mark;
	char what[400];

	if (yp->error == YAML_MEMORY_ERROR)
		return nomem(p);
	if (yp->error == YAML_READER_ERROR) {
		mark_of_offset(p, yp->problem_offset, &m);
		return fail_at(p, &m, problem);
	}
	if (yp->context)
		snprintf(what, sizeof(what), "%s (%s started at line %zu)",
			 problem, yp->context, yp->context_mark.line + 1);
	else
		snprintf(what, sizeof(what), "%s", problem);
	return fail_at(p, &m, what);
}

/* ---- building ------------------------------------------------------------ */

static int tag_of(const yaml_char_t *tag, unsigned char *out)
{
	static const struct {
		const char *name;
		enum ytag tag;
	} known[] = {
		{ YAML_STR_TAG, YT_STR },     { YAML_INT_TAG, YT_INT },
		{ YAML_BOOL_TAG, YT_BOOL },   { YAML_NULL_TAG, YT_NULL },
		{ YAML_FLOAT_TAG, YT_FLOAT },
		{ "tag:yaml.org,2002:binary", YT_BINARY },
	};
	size_t i;

	*out = YT_NONE;
	if (!tag)
		return 0;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp((const char *)tag, known[i].name) == 0) {
			*out = known[i].tag;
			return 0;
		}
	}
	return -1;
}

static int push_kid(struct parse *p, struct ynode *n)
{
	struct ynode **k;
	size_t cap;

	if (p->nkids == p->kids_cap) {
		cap = p->kids_cap ? p->kids_cap * 2 : 64;
		if (cap > SIZE_MAX / sizeof(*k))
			return nomem(p);
		k = realloc(p->kids, cap * sizeof(*k));
		if (!k)
			return nomem(p);
		p->kids = k;
		p->kids_cap = cap;
	}
	p->kids[p->nkids++] = n;
	return 0;
}

static unsigned clamp_unsigned(size_t v)
{
	return v > UINT_MAX ? UINT_MAX : (unsigned)v;
}

/* Create a node for an event and attach it to the open collection. */
static int new_node(struct parse *p, const yaml_event_t *ev,
		    enum ynode_kind kind, struct ynode **out)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;
	const struct frame *f;
	struct ynode *n;
	unsigned char t;

	if (ev->type == YAML_SCALAR_EVENT) {
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
	} else if (ev->type == YAML_SEQUENCE_START_EVENT) {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
	} else {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
	}
	if (anchor)
		return fail_at(p, &ev->start_mark, "anchors are not allowed");
	if (tag_of(tag, &t) || (kind != YNODE_SCALAR && t != YT_NONE))
		return fail_at(p, &ev->start_mark, "tag not allowed");
	if (p->nodes >= p->lim.max_nodes)
		return fail_at(p, &ev->start_mark, "too many nodes");
	f = p->nframes ? &p->frames[p->nframes - 1] : NULL;
	if (!f && p->t->root)
		return fail_at(p, &ev->start_mark, "more than one root node");
	if (f && f->node->kind == YNODE_MAP && (p->nkids - f->base) % 2 == 0) {
		if (kind != YNODE_SCALAR)
			return fail_at(p, &ev->start_mark,
				       "mapping key is not a scalar");
		/* ynode_key_at() hands keys out as C strings. */
		if (ev->data.scalar.length &&
		    memchr(ev->data.scalar.value, '\0',
			   ev->data.scalar.length))
			return fail_at(p, &ev->start_mark,
				       "mapping key holds a NUL character");
	}

	n = arena_alloc(p->t, sizeof(*n));
	if (!n)
		return nomem(p);
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->tag = t;
	n->line = clamp_unsigned(ev->start_mark.line + 1);
	n->column = clamp_unsigned(ev->start_mark.column + 1);
	p->nodes++;
	if (f) {
		if (push_kid(p, n))
			return -MSNAP_E_NOMEM;
	} else {
		p->t->root = n;
	}
	*out = n;
	return 0;
}

static int add_scalar(struct parse *p, const yaml_event_t *ev)
{
	const size_t len = ev->data.scalar.length;
	struct ynode *n;
	char *s;
	int r;

	if (len > p->lim.max_scalar)
		return fail_at(p, &ev->start_mark, "scalar too long");
	r = new_node(p, ev, YNODE_SCALAR, &n);
	if (r)
		return r;
	s = arena_alloc(p->t, len + 1);
	if (!s)
		return nomem(p);
	if (len)
		memcpy(s, ev->data.scalar.value, len);
	s[len] = '\0';
	n->u.scalar.s = s;
	n->u.scalar.len = len;
	n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	return 0;
}

static int open_collection(struct parse *p, const yaml_event_t *ev,
			   enum ynode_kind kind)
{
	struct frame *fr;
	struct ynode *n;
	size_t cap;
	int r;

	if (p->nframes >= p->lim.max_depth)
		return fail_at(p, &ev->start_mark, "nesting too deep");
	r = new_node(p, ev, kind, &n);
	if (r)
		return r;
	if (p->nframes == p->frames_cap) {
		cap = p->frames_cap ? p->frames_cap * 2 : 16;
		if (cap > SIZE_MAX / sizeof(*fr))
			return nomem(p);
		fr = realloc(p->frames, cap * sizeof(*fr));
		if (!fr)
			return nomem(p);
		p->frames = fr;
		p->frames_cap = cap;
	}
	p->frames[p->nframes].node = n;
	p->frames[p->nframes].base = p->nkids;
	p->nframes++;
	return 0;
}

static int key_cmp(const struct ynode *a, const struct ynode *b)
{
	const size_t la = a->u.scalar.len, lb = b->u.scalar.len;
	const int c = memcmp(a->u.scalar.s, b->u.scalar.s, la < lb ? la : lb);

	if (c)
		return c;
	return la < lb ? -1 : la > lb;
}

/* Stable merge sort: O(n log n) whatever the input. */
static void sort_entries(const struct ymap_entry **v,
			 const struct ymap_entry **tmp, size_t n)
{
	size_t mid, i, j, k;

	if (n < 2)
		return;
	mid = n / 2;
	sort_entries(v, tmp, mid);
	sort_entries(v + mid, tmp, n - mid);
	if (key_cmp(v[mid - 1]->key, v[mid]->key) <= 0)
		return;
	memcpy(tmp, v, mid * sizeof(*v));
	i = 0;
	j = mid;
	k = 0;
	while (i < mid && j < n) {
		if (key_cmp(v[j]->key, tmp[i]->key) < 0)
			v[k++] = v[j++];
		else
			v[k++] = tmp[i++];
	}
	while (i < mid)
		v[k++] = tmp[i++];
}

static int close_map(struct parse *p, struct ynode *n,
		     struct ynode *const *kids, size_t nkids)
{
	const size_t pairs = nkids / 2;
	const struct ymap_entry **sorted, **tmp;
	struct ymap_entry *entries;
	yaml_mark_t m = { 0 };
	size_t i;

	entries = arena_array(p->t, pairs, sizeof(*entries));
	sorted = arena_array(p->t, pairs, sizeof(*sorted));
	if (!entries || !sorted)
		return nomem(p);
	for (i = 0; i < pairs; i++) {
		entries[i].key = kids[2 * i];
		entries[i].value = kids[2 * i + 1];
		sorted[i] = &entries[i];
	}
	tmp = malloc((pairs / 2 + 1) * sizeof(*tmp));
	if (!tmp)
		return nomem(p);
	sort_entries(sorted, tmp, pairs);
	free(tmp);
	for (i = 1; i < pairs; i++) {
		if (key_cmp(sorted[i - 1]->key, sorted[i]->key) == 0) {
			/* Stable sort: the later one is the duplicate. */
			m.line = sorted[i]->key->line - 1;
			m.column = sorted[i]->key->column - 1;
			return fail_at(p, &m, "duplicate mapping key");
		}
	}
	n->u.map.entries = entries;
	n->u.map.sorted = sorted;
	n->u.map.n = pairs;
	return 0;
}

static int close_collection(struct parse *p, const yaml_event_t *ev)
{
	struct frame *f;
	struct ynode *n;
	const struct ynode **items;
	struct ynode *const *kids;
	size_t nkids;
	int r = 0;

	if (!p->nframes)
		return fail_at(p, &ev->start_mark, "unbalanced end");
	f = &p->frames[p->nframes - 1];
	n = f->node;
	nkids = p->nkids - f->base;
	/* No child yet may mean no kids array at all: no NULL + 0. */
	kids = nkids ? p->kids + f->base : NULL;
	if (n->kind == YNODE_MAP) {
		r = close_map(p, n, kids, nkids);
	} else {
		items = arena_array(p->t, nkids, sizeof(*items));
		if (!items)
			return nomem(p);
		if (nkids)
			memcpy(items, kids, nkids * sizeof(*items));
		n->u.seq.items = items;
		n->u.seq.n = nkids;
	}
	p->nkids = f->base;
	p->nframes--;
	return r;
}

static int on_event(struct parse *p, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++p->documents > 1)
			return fail_at(p, &ev->start_mark,
				       "more than one document");
		return 0;
	case YAML_ALIAS_EVENT:
		return fail_at(p, &ev->start_mark, "aliases are not allowed");
	case YAML_SCALAR_EVENT:
		return add_scalar(p, ev);
	case YAML_SEQUENCE_START_EVENT:
		return open_collection(p, ev, YNODE_SEQ);
	case YAML_MAPPING_START_EVENT:
		return open_collection(p, ev, YNODE_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return close_collection(p, ev);
	default:
		return 0;
	}
}

int ytree_parse(struct ytree **out, const char *text, size_t len,
		const struct ytree_limits *limits, struct msnap_error *err)
{
	struct parse p = { .err = err, .text = text, .text_len = len };
	yaml_parser_t yp;
	yaml_event_t ev;
	yaml_mark_t start = { 0 };
	bool done = false;
	int r = 0;

	*out = NULL;
	if (!text && len)
		return msnap_fail(err, MSNAP_E_INVAL, -1, "manifest: NULL");
	if (limits)
		p.lim = *limits;
	if (!p.lim.max_depth)
		p.lim.max_depth = DEFAULT_MAX_DEPTH;
	if (!p.lim.max_nodes)
		p.lim.max_nodes = DEFAULT_MAX_NODES;
	if (!p.lim.max_scalar)
		p.lim.max_scalar = DEFAULT_MAX_SCALAR;
	p.t = calloc(1, sizeof(*p.t));
	if (!p.t)
		return nomem(&p);
	if (!yaml_parser_initialize(&yp)) {
		r = nomem(&p);
		goto out_tree;
	}
	yaml_parser_set_input_string(&yp, (const unsigned char *)(text ?
				     text : ""), len);
	yaml_parser_set_encoding(&yp, YAML_UTF8_ENCODING);

	while (!done) {
		if (!yaml_parser_parse(&yp, &ev)) {
			r = syntax_error(&p, &yp);
			goto out_parser;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		r = on_event(&p, &ev);
		yaml_event_delete(&ev);
		if (r)
			goto out_parser;
	}
	if (!p.t->root) {
		r = fail_at(&p, &start, "no document");
		goto out_parser;
	}
	*out = p.t;
	p.t = NULL;
out_parser:
	yaml_parser_delete(&yp);
out_tree:
	free(p.kids);
	free(p.frames);
	ytree_free(p.t);
	return r;
}

/* ---- navigation ---------------------------------------------------------- */

enum ynode_kind ynode_kind(const struct ynode *n)
{
	return n ? (enum ynode_kind)n->kind : YNODE_SCALAR;
}

size_t ynode_len(const struct ynode *n)
{
	if (!n)
		return 0;
	if (n->kind == YNODE_MAP)
		return n->u.map.n;
	if (n->kind == YNODE_SEQ)
		return n->u.seq.n;
	return 0;
}

const struct ynode *ynode_at(const struct ynode *n, size_t i)
{
	if (!n || i >= ynode_len(n))
		return NULL;
	if (n->kind == YNODE_MAP)
		return n->u.map.entries[i].value;
	return n->u.seq.items[i];
}

const char *ynode_key_at(const struct ynode *map, size_t i)
{
	if (!map || map->kind != YNODE_MAP || i >= map->u.map.n)
		return NULL;
	return map->u.map.entries[i].key->u.scalar.s;
}

static const struct ynode *map_lookup(const struct ynode *map,
				      const char *key, size_t len)
{
	struct ynode probe = { .kind = YNODE_SCALAR };
	size_t lo = 0, hi, mid;
	int c;

	if (!map || !key || map->kind != YNODE_MAP)
		return NULL;
	probe.u.scalar.s = key;
	probe.u.scalar.len = len;
	hi = map->u.map.n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = key_cmp(&probe, map->u.map.sorted[mid]->key);
		if (c == 0)
			return map->u.map.sorted[mid]->value;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	return key ? map_lookup(map, key, strlen(key)) : NULL;
}

const struct ynode *ynode_path(const struct ynode *root, const char *dotted)
{
	const struct ynode *n = root;
	const char *seg = dotted, *dot;

	if (!root || !dotted)
		return NULL;
	for (;;) {
		dot = strchr(seg, '.');
		if (!dot)
			return map_lookup(n, seg, strlen(seg));
		n = map_lookup(n, seg, (size_t)(dot - seg));
		if (!n)
			return NULL;
		seg = dot + 1;
	}
}

unsigned ynode_line(const struct ynode *n)
{
	return n ? n->line : 0;
}

/* ---- scalars ------------------------------------------------------------- */

static const struct ynode *scalar_of(const struct ynode *n)
{
	return n && n->kind == YNODE_SCALAR ? n : NULL;
}

const char *ynode_str(const struct ynode *n, size_t *len)
{
	n = scalar_of(n);
	if (len)
		*len = n ? n->u.scalar.len : 0;
	return n ? n->u.scalar.s : NULL;
}

static bool text_is(const struct ynode *n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n->u.scalar.len &&
		    memcmp(n->u.scalar.s, *words, n->u.scalar.len) == 0)
			return true;
	return false;
}

bool ynode_is_null(const struct ynode *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL",
					     NULL };

	n = scalar_of(n);
	if (!n)
		return false;
	if (n->tag == YT_NULL)
		return true;
	return n->tag == YT_NONE && !n->quoted && text_is(n, nulls);
}

/* Scalars whose tag says they are not a number. */
static bool tagged_non_number(const struct ynode *n)
{
	return n->tag == YT_BINARY || n->tag == YT_BOOL || n->tag == YT_NULL;
}

/*
 * Unsigned magnitude of s[0, len): decimal without leading zeros (a YAML
 * 1.1 reader takes 010 for octal), or 0x + hex digits.
 */
static int parse_magnitude(const char *s, size_t len, uint64_t *v)
{
	uint64_t x = 0;
	unsigned d;
	size_t i;

	if (len > 2 && s[0] == '0' && s[1] == 'x') {
		for (i = 2; i < len; i++) {
			const char c = s[i];

			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				d = (unsigned)(c - 'A' + 10);
			else
				return -MSNAP_E_INVAL;
			if (x > UINT64_MAX >> 4)
				return -MSNAP_E_LIMIT;
			x = x << 4 | d;
		}
		*v = x;
		return 0;
	}
	if (len == 0 || (len > 1 && s[0] == '0'))
		return -MSNAP_E_INVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -MSNAP_E_INVAL;
		d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -MSNAP_E_LIMIT;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

int ynode_u64(const struct ynode *n, uint64_t *v)
{
	uint64_t x;
	int r;

	n = scalar_of(n);
	if (!n || tagged_non_number(n) || n->tag == YT_FLOAT)
		return -MSNAP_E_INVAL;
	r = parse_magnitude(n->u.scalar.s, n->u.scalar.len, &x);
	if (r)
		return r;
	*v = x;
	return 0;
}

int ynode_i64(const struct ynode *n, int64_t *v)
{
	const char *s;
	size_t len;
	bool neg;
	uint64_t x;
	int r;

	n = scalar_of(n);
	if (!n || tagged_non_number(n) || n->tag == YT_FLOAT)
		return -MSNAP_E_INVAL;
	s = n->u.scalar.s;
	len = n->u.scalar.len;
	neg = len > 1 && s[0] == '-';
	if (neg) {
		s++;
		len--;
	}
	r = parse_magnitude(s, len, &x);
	if (r)
		return r;
	if (neg) {
		if (x == 0 || x > (uint64_t)INT64_MAX + 1)
			return x ? -MSNAP_E_LIMIT : -MSNAP_E_INVAL;
		*v = x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x;
	} else {
		if (x > INT64_MAX)
			return -MSNAP_E_LIMIT;
		*v = (int64_t)x;
	}
	return 0;
}

int ynode_bool(const struct ynode *n, bool *v)
{
	static const char *const yes[] = { "true", "True", "TRUE", NULL };
	static const char *const no[] = { "false", "False", "FALSE", NULL };

	n = scalar_of(n);
	if (!n || (n->tag != YT_BOOL && (n->tag != YT_NONE || n->quoted)))
		return -MSNAP_E_INVAL;
	if (text_is(n, yes))
		*v = true;
	else if (text_is(n, no))
		*v = false;
	else
		return -MSNAP_E_INVAL;
	return 0;
}

int ynode_double(const struct ynode *n, double *v)
{
	static const char *const pinf[] = { ".inf", ".Inf", ".INF", "+.inf",
					    "+.Inf", "+.INF", NULL };
	static const char *const ninf[] = { "-.inf", "-.Inf", "-.INF", NULL };
	static const char *const nan[] = { ".nan", ".NaN", ".NAN", NULL };
	const char *s;
	char *end;
	size_t i;
	double x;

	n = scalar_of(n);
	if (!n || tagged_non_number(n))
		return -MSNAP_E_INVAL;
	if (text_is(n, pinf)) {
		*v = __builtin_inf();
		return 0;
	}
	if (text_is(n, ninf)) {
		*v = -__builtin_inf();
		return 0;
	}
	if (text_is(n, nan)) {
		*v = __builtin_nan("");
		return 0;
	}
	s = n->u.scalar.s;
	/* Only what %g writes: no spaces, hex floats, "inf" or "nan". */
	if (n->u.scalar.len == 0)
		return -MSNAP_E_INVAL;
	for (i = 0; i < n->u.scalar.len; i++)
		if (!strchr("0123456789+-.eE", s[i]) || s[i] == '\0')
			return -MSNAP_E_INVAL;
	/* The tools never call setlocale(), so the decimal point is '.'. */
	x = strtod(s, &end);
	if (end != s + n->u.scalar.len)
		return -MSNAP_E_INVAL;
	*v = x;
	return 0;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict base64: whitespace between characters is allowed (YAML folds long
 * !!binary scalars), padding only at the very end, unused bits zero.
 */
static int base64_decode(const char *s, size_t len, uint8_t *out,
			 size_t *out_len)
{
	uint32_t acc = 0;
	size_t i, nch = 0, o = 0, pad = 0;
	int v;

	for (i = 0; i < len; i++) {
		const unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c == '=') {
			if (nch % 4 < 2 || pad + nch % 4 >= 4)
				return -MSNAP_E_INVAL;
			pad++;
			continue;
		}
		if (pad)
			return -MSNAP_E_INVAL;
		v = b64_value(c);
		if (v < 0)
			return -MSNAP_E_INVAL;
		acc = acc << 6 | (uint32_t)v;
		nch++;
		if (nch % 4 == 0) {
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			acc = 0;
		}
	}
	switch (nch % 4) {
	case 0:
		if (pad)
			return -MSNAP_E_INVAL;
		break;
	case 2:
		if (pad != 2 || (acc & 0xf))
			return -MSNAP_E_INVAL;
		out[o++] = (uint8_t)(acc >> 4);
		break;
	case 3:
		if (pad != 1 || (acc & 0x3))
			return -MSNAP_E_INVAL;
		out[o++] = (uint8_t)(acc >> 10);
		out[o++] = (uint8_t)(acc >> 2);
		break;
	default:
		return -MSNAP_E_INVAL;
	}
	*out_len = o;
	return 0;
}

int ynode_bytes(const struct ynode *n, uint8_t **out, size_t *len)
{
	size_t cap, got = 0;
	uint8_t *buf;
	int r;

	*out = NULL;
	*len = 0;
	n = scalar_of(n);
	if (!n)
		return -MSNAP_E_INVAL;
	cap = n->u.scalar.len / 4 * 3 + 3;
	if (n->tag != YT_BINARY)
		cap = n->u.scalar.len + 1;
	buf = malloc(cap);
	if (!buf)
		return -MSNAP_E_NOMEM;
	if (n->tag == YT_BINARY) {
		r = base64_decode(n->u.scalar.s, n->u.scalar.len, buf, &got);
		if (r) {
			free(buf);
			return r;
		}
	} else {
		got = n->u.scalar.len;
		memcpy(buf, n->u.scalar.s, got + 1);
	}
	*out = buf;
	*len = got;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ynode_hexbytes(const struct ynode *n, uint8_t *out, size_t n_out)
{
	const char *s;
	int hi, lo;
	size_t i;

	n = scalar_of(n);
	if (!n || n->tag == YT_BINARY || n_out > SIZE_MAX / 2 ||
	    n->u.scalar.len != 2 * n_out)
		return -MSNAP_E_INVAL;
	s = n->u.scalar.s;
	for (i = 0; i < n_out; i++) {
		hi = hex_digit(s[2 * i]);
		lo = hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -MSNAP_E_INVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
