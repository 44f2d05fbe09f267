// SPDX-License-Identifier: MIT
/* baseline.c - layouts from snapshots and baselines, and their comparison. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baseline.h"
#include "match.h"
#include "snapshot.h"
#include "yaml_out.h"
#include "yaml_tree.h"

static const char *const rule_names[LR_COUNT] = {
	[LR_NEW_MODULE] = "new-module", [LR_MISSING_MODULE] = "missing-module",
	[LR_BUILD_ID] = "build-id", [LR_PERMS] = "perms", [LR_RWX] = "rwx",
	[LR_ANON_EXEC] = "anon-exec", [LR_GROWTH] = "growth",
	[LR_THREADS] = "threads",
};

static const char *const class_names[LC_COUNT] = {
	[LC_HEAP] = "heap", [LC_STACK] = "stack",
	[LC_THREAD_STACK] = "thread_stack", [LC_ANON] = "anon",
	[LC_SHARED] = "shared",
};

const char *lay_rule_name(enum lay_rule r)
{
	return r < LR_COUNT ? rule_names[r] : "?";
}

const char *lay_class_name(enum lay_class c)
{
	return c < LC_COUNT ? class_names[c] : "?";
}

int lay_parse_rules(const char *s, struct lay_rules *r, char *msg,
		    size_t msglen)
{
	char *copy = strdup(s), *tok, *save = NULL;
	unsigned i;

	memset(r, 0, sizeof(*r));
	r->growth_pct = LAYOUT_DEFAULT_GROWTH;
	if (!copy) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			for (i = 0; i < LR_COUNT; i++)
				r->fail[i] = true;
			continue;
		}
		if (!strcmp(tok, "none")) {
			memset(r->fail, 0, sizeof(r->fail));
			continue;
		}
		if (!strncmp(tok, "growth:", 7)) {
			char *end;
			double v;

			errno = 0;
			v = strtod(tok + 7, &end);
			if (end == tok + 7 || errno || v < 0 || v > 1e9 ||
			    (*end && strcmp(end, "%"))) {
				snprintf(msg, msglen,
					 "bad growth threshold '%s' (e.g. growth:20%%)",
					 tok + 7);
				free(copy);
				return -1;
			}
			r->growth_pct = v;
			r->fail[LR_GROWTH] = true;
			continue;
		}
		for (i = 0; i < LR_COUNT; i++)
			if (!strcmp(tok, rule_names[i]))
				break;
		if (i == LR_COUNT) {
			snprintf(msg, msglen,
				 "unknown rule '%s' (new-module, missing-module, build-id, perms, rwx, anon-exec, growth:N%%, threads, all, none)",
				 tok);
			free(copy);
			return -1;
		}
		r->fail[i] = true;
	}
	free(copy);
	return 0;
}

/* ---- building ------------------------------------------------------------------ */

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t c;

	if (n < *cap)
		return v;
	c = *cap ? *cap * 2 : 8;
	nv = realloc(v, c * size);
	if (nv)
		*cap = c;
	return nv;
}

static struct lay_module *find_module(const struct layout *l, const char *path)
{
	size_t i;

	for (i = 0; i < l->nmod; i++)
		if (!strcmp(l->mod[i].path, path))
			return &l->mod[i];
	return NULL;
}

static int add_segment(struct lay_module *m, uint64_t offset, uint64_t size,
		       const char *perms)
{
	struct lay_segment *ns = realloc(m->seg, (m->nseg + 1) * sizeof(*ns));

	if (!ns)
		return -1;
	m->seg = ns;
	ns[m->nseg].offset = offset;
	ns[m->nseg].size = size;
	snprintf(ns[m->nseg].perms, sizeof(ns[m->nseg].perms), "%s", perms);
	m->nseg++;
	return 0;
}

static struct lay_module *add_module(struct layout *l, const char *path,
				     const char *build_id)
{
	struct lay_module *nm = realloc(l->mod, (l->nmod + 1) * sizeof(*nm));

	if (!nm)
		return NULL;
	l->mod = nm;
	nm = &l->mod[l->nmod];
	memset(nm, 0, sizeof(*nm));
	nm->path = strdup(path);
	nm->build_id = strdup(build_id ? build_id : "");
	if (!nm->path || !nm->build_id) {
		free(nm->path);
		free(nm->build_id);
		return NULL;
	}
	l->nmod++;
	return nm;
}

static int add_exec(struct layout *l, const char *subject, const char *perms,
		    uint64_t size, bool file)
{
	struct lay_exec *ne = realloc(l->ex, (l->nex + 1) * sizeof(*ne));

	if (!ne)
		return -1;
	l->ex = ne;
	ne = &l->ex[l->nex];
	memset(ne, 0, sizeof(*ne));
	ne->subject = strdup(subject);
	if (!ne->subject)
		return -1;
	snprintf(ne->perms, sizeof(ne->perms), "%s", perms);
	ne->size = size;
	ne->file = file;
	l->nex++;
	return 0;
}

static int region_class(const struct lregion *g)
{
	switch (g->role) {
	case ROLE_HEAP:
		return LC_HEAP;
	case ROLE_STACK:
		return LC_STACK;
	case ROLE_THREAD_STACK:
		return LC_THREAD_STACK;
	case ROLE_NAMED:
		if (!strcmp(g->kind, "shmem") || !strcmp(g->kind, "memfd"))
			return LC_SHARED;
		return !strcmp(g->kind, "anon") ? LC_ANON : -1;
	case ROLE_ANON:
	case ROLE_BSS:
		if (!strcmp(g->kind, "shmem"))
			return LC_SHARED;
		/* guard gaps hold no memory */
		return !strcmp(g->kind, "anon") && g->perms[0] != '-' ?
			       LC_ANON : -1;
	default:
		return -1;
	}
}

static int layout_region(struct layout *l, const struct rset *s,
			 const struct lregion *g, int *first_instance)
{
	const uint64_t size = g->end - g->start;
	const bool wx = g->perms[1] == 'w' && g->perms[2] == 'x';
	const int cls = region_class(g);
	struct lay_module *m;
	char subject[4200];

	if (cls >= 0) {
		l->total[cls].count++;
		l->total[cls].size += size;
	}
	if (g->role == ROLE_FILE) {
		const struct rmodule *rm = &s->mod[g->module];

		/* A file mapped twice: its first instance stands for it. */
		m = find_module(l, rm->path);
		if (!m) {
			m = add_module(l, rm->path, rm->build_id);
			if (!m)
				return -1;
			first_instance[m - l->mod] = g->module;
		}
		if (first_instance[m - l->mod] != g->module)
			return 0;
		if (add_segment(m, g->offset, size, g->perms))
			return -1;
		snprintf(subject, sizeof(subject), "%s+0x%llx", rm->path,
			 (unsigned long long)g->offset);
		return wx ? add_exec(l, subject, g->perms, size, true) : 0;
	}
	if (g->role == ROLE_SPECIAL || g->perms[2] != 'x')
		return 0;
	snprintf(subject, sizeof(subject), "%s", g->key ? g->key : g->kind);
	return add_exec(l, subject, g->perms, size, false);
}

int layout_from_rset(struct layout *l, const struct rset *s,
		     const char *source, struct msnap_error *err)
{
	int *first = calloc(s->n + 1, sizeof(*first));
	size_t i;

	memset(l, 0, sizeof(*l));
	l->source = strdup(source);
	if (!first || !l->source)
		goto nomem;
	for (i = 0; i < s->n; i++)
		if (layout_region(l, s, &s->r[i], first))
			goto nomem;
	l->threads = s->nthreads;
	l->has_threads = s->has_threads;
	free(first);
	return 0;
nomem:
	free(first);
	layout_free(l);
	return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
}

void layout_free(struct layout *l)
{
	size_t i;

	for (i = 0; i < l->nmod; i++) {
		free(l->mod[i].path);
		free(l->mod[i].build_id);
		free(l->mod[i].seg);
	}
	for (i = 0; i < l->nex; i++)
		free(l->ex[i].subject);
	for (i = 0; i < l->nacc; i++) {
		free(l->acc[i].rule);
		free(l->acc[i].subject);
	}
	free(l->mod);
	free(l->ex);
	free(l->acc);
	free(l->source);
	memset(l, 0, sizeof(*l));
}

/* ---- the baseline file ------------------------------------------------------------ */

static const char baseline_header[] =
	"# memsnap layout baseline (memsnap-analyze layout).\n"
	"# Compare a new snapshot with: memsnap-analyze diff --layout BASE NEW\n"
	"# Accepted exceptions go under \"accept\", for example:\n"
	"#   accept:\n"
	"#   - {rule: new-module, subject: /usr/lib/*/libfoo.so*}\n"
	"#   - {rule: growth, subject: heap}\n";

int layout_to_yaml(const struct layout *l, char **out, size_t *len,
		   struct msnap_error *err)
{
	struct yout *y = yout_new();
	char *body = NULL, *text;
	size_t blen = 0, i, j;
	int r;

	if (!y)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	yout_map_begin(y);
	yout_kv_str(y, "memsnap_layout", LAYOUT_SCHEMA);
	yout_kv_bytes(y, "source", l->source, strlen(l->source));
	if (l->has_threads)
		yout_kv_u64(y, "threads", l->threads);
	yout_key(y, "modules");
	yout_seq_begin(y);
	for (i = 0; i < l->nmod; i++) {
		const struct lay_module *m = &l->mod[i];

		yout_map_begin(y);
		yout_kv_bytes(y, "path", m->path, strlen(m->path));
		if (m->build_id[0])
			yout_kv_str(y, "build_id", m->build_id);
		yout_key(y, "segments");
		yout_seq_begin(y);
		for (j = 0; j < m->nseg; j++) {
			yout_map_begin(y);
			yout_kv_hex(y, "offset", m->seg[j].offset);
			yout_kv_u64(y, "size", m->seg[j].size);
			yout_kv_str(y, "perms", m->seg[j].perms);
			yout_map_end(y);
		}
		yout_seq_end(y);
		yout_map_end(y);
	}
	yout_seq_end(y);
	yout_key(y, "memory");
	yout_map_begin(y);
	for (i = 0; i < LC_COUNT; i++) {
		yout_key(y, class_names[i]);
		yout_map_begin(y);
		yout_kv_u64(y, "count", l->total[i].count);
		yout_kv_u64(y, "size", l->total[i].size);
		yout_map_end(y);
	}
	yout_map_end(y);
	yout_key(y, "executable_memory");
	yout_seq_begin(y);
	for (i = 0; i < l->nex; i++) {
		yout_map_begin(y);
		yout_kv_bytes(y, "subject", l->ex[i].subject,
			      strlen(l->ex[i].subject));
		yout_kv_str(y, "perms", l->ex[i].perms);
		yout_kv_u64(y, "size", l->ex[i].size);
		yout_kv_bool(y, "file", l->ex[i].file);
		yout_map_end(y);
	}
	yout_seq_end(y);
	yout_key(y, "accept");
	yout_seq_begin(y);
	for (i = 0; i < l->nacc; i++) {
		yout_map_begin(y);
		yout_kv_str(y, "rule", l->acc[i].rule);
		yout_kv_bytes(y, "subject", l->acc[i].subject,
			      strlen(l->acc[i].subject));
		yout_map_end(y);
	}
	yout_seq_end(y);
	yout_map_end(y);
	r = yout_finish(y, &body, &blen, err);
	yout_free(y);
	if (r)
		return r;
	text = malloc(sizeof(baseline_header) + blen);
	if (!text) {
		free(body);
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	}
	memcpy(text, baseline_header, sizeof(baseline_header) - 1);
	memcpy(text + sizeof(baseline_header) - 1, body, blen + 1);
	free(body);
	*out = text;
	*len = sizeof(baseline_header) - 1 + blen;
	return 0;
}

/* A string field as a NUL-terminated copy without NUL bytes inside. */
static char *field_str(const struct ynode *m, const char *key)
{
	struct snap_bytes b;

	if (snap_node_bytes(ynode_get(m, key), &b))
		return NULL;
	if (memchr(b.s, '\0', b.len)) {
		snap_bytes_free(&b);
		return NULL;
	}
	return b.s;
}

static int yaml_modules(struct layout *l, const struct ynode *seq)
{
	size_t i, j;

	for (i = 0; seq && i < ynode_len(seq); i++) {
		const struct ynode *m = ynode_at(seq, i), *segs;
		char *path = field_str(m, "path"), *bid = field_str(m, "build_id");
		struct lay_module *lm = path ? add_module(l, path, bid) : NULL;

		free(path);
		free(bid);
		if (!lm)
			return -1;
		segs = ynode_get(m, "segments");
		for (j = 0; segs && j < ynode_len(segs); j++) {
			const struct ynode *s = ynode_at(segs, j);
			char *perms = field_str(s, "perms");
			uint64_t off, size;
			int r;

			if (!perms || ynode_u64(ynode_get(s, "offset"), &off) ||
			    ynode_u64(ynode_get(s, "size"), &size)) {
				free(perms);
				return -1;
			}
			r = add_segment(lm, off, size, perms);
			free(perms);
			if (r)
				return -1;
		}
	}
	return 0;
}

static int yaml_rest(struct layout *l, const struct ynode *root)
{
	const struct ynode *mem = ynode_get(root, "memory");
	const struct ynode *ex = ynode_get(root, "executable_memory");
	const struct ynode *acc = ynode_get(root, "accept");
	size_t i;

	for (i = 0; i < LC_COUNT; i++) {
		const struct ynode *c = ynode_get(mem, class_names[i]);

		if (c && (ynode_u64(ynode_get(c, "count"), &l->total[i].count) ||
			  ynode_u64(ynode_get(c, "size"), &l->total[i].size)))
			return -1;
	}
	for (i = 0; ex && i < ynode_len(ex); i++) {
		const struct ynode *e = ynode_at(ex, i);
		char *subject = field_str(e, "subject");
		char *perms = field_str(e, "perms");
		uint64_t size = 0;
		bool file = false;
		int r = -1;

		ynode_u64(ynode_get(e, "size"), &size);
		ynode_bool(ynode_get(e, "file"), &file);
		if (subject && perms)
			r = add_exec(l, subject, perms, size, file);
		free(subject);
		free(perms);
		if (r)
			return -1;
	}
	for (i = 0; acc && i < ynode_len(acc); i++) {
		const struct ynode *a = ynode_at(acc, i);
		struct lay_accept *na;
		char *rule = field_str(a, "rule"), *subject = field_str(a, "subject");

		na = rule ? realloc(l->acc, (l->nacc + 1) * sizeof(*na)) : NULL;
		if (!na) {
			free(rule);
			free(subject);
			return -1;
		}
		l->acc = na;
		na[l->nacc].rule = rule;
		na[l->nacc].subject = subject ? subject : strdup("*");
		if (!na[l->nacc].subject) {
			free(rule);
			return -1;
		}
		l->nacc++;
	}
	return 0;
}

int layout_from_yaml(struct layout *l, const char *text, size_t len,
		     const char *source, struct msnap_error *err)
{
	const struct ynode *root;
	struct ytree *t = NULL;
	char *ver;
	int r;

	memset(l, 0, sizeof(*l));
	r = ytree_parse(&t, text, len, NULL, err);
	if (r)
		return r;
	root = ytree_root(t);
	ver = field_str(root, "memsnap_layout");
	if (!ver || strncmp(ver, "1.", 2)) {
		free(ver);
		ytree_free(t);
		return msnap_fail(err, MSNAP_E_VERSION, -1,
				  "%s is neither a snapshot nor a layout baseline of schema 1.x",
				  source);
	}
	free(ver);
	l->source = strdup(source);
	l->has_threads = ynode_u64(ynode_get(root, "threads"), &l->threads) == 0;
	if (!l->source || yaml_modules(l, ynode_get(root, "modules")) ||
	    yaml_rest(l, root)) {
		ytree_free(t);
		layout_free(l);
		return msnap_fail(err, MSNAP_E_YAML, -1,
				  "%s: a module, memory, executable_memory or accept entry is malformed",
				  source);
	}
	ytree_free(t);
	return 0;
}

static int read_text(const char *path, char **out, size_t *len,
		     struct msnap_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t done = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return msnap_fail_errno(err, "%s", path);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)LAYOUT_MAX_BYTES) {
		close(fd);
		return msnap_fail(err, MSNAP_E_LIMIT, -1,
				  "%s: not a regular file of at most %u bytes",
				  path, LAYOUT_MAX_BYTES);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	}
	while (done < (size_t)st.st_size) {
		n = read(fd, buf + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			close(fd);
			return n < 0 ? msnap_fail_errno(err, "%s", path) :
				       msnap_fail(err, MSNAP_E_TRUNCATED, -1,
						  "%s shrank while read", path);
		}
		done += (size_t)n;
	}
	close(fd);
	buf[done] = '\0';
	*out = buf;
	*len = done;
	return 0;
}

int layout_load(struct layout *l, const char *path, struct msnap_error *err)
{
	struct snap s;
	struct rset rs;
	char *text = NULL;
	size_t len = 0;
	int r;

	r = snap_open(&s, path, err);
	if (r == -MSNAP_E_BAD_MAGIC && strcmp(path, "-")) {
		r = read_text(path, &text, &len, err);
		if (r)
			return r;
		r = layout_from_yaml(l, text, len, path, err);
		free(text);
		return r;
	}
	if (r)
		return r;
	r = rset_from_snap(&rs, &s, err);
	if (!r) {
		r = layout_from_rset(l, &rs, path, err);
		rset_free(&rs);
	}
	snap_close(&s);
	return r;
}

/* ---- comparison ------------------------------------------------------------------ */

void lay_findings_free(struct lay_findings *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->v[i].subject);
		free(f->v[i].before);
		free(f->v[i].after);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static bool accepted(const struct layout *l, enum lay_rule rule,
		     const char *subject)
{
	size_t i;

	for (i = 0; i < l->nacc; i++)
		if (!strcmp(l->acc[i].rule, rule_names[rule]) &&
		    !fnmatch(l->acc[i].subject, subject, 0))
			return true;
	return false;
}

struct cmp_ctx {
	const struct layout *base, *cur;
	const struct lay_rules *rules;
	struct lay_findings *out;
};

static int finding(struct cmp_ctx *c, enum lay_rule rule, const char *subject,
		   const char *before, const char *after)
{
	struct lay_finding *f;

	c->out->v = grow(c->out->v, &c->out->cap, c->out->n, sizeof(*f));
	if (!c->out->v)
		return -1;
	f = &c->out->v[c->out->n];
	f->rule = rule;
	f->subject = strdup(subject);
	f->before = strdup(before);
	f->after = strdup(after);
	if (!f->subject || !f->before || !f->after) {
		free(f->subject);
		free(f->before);
		free(f->after);
		return -1;
	}
	f->accepted = accepted(c->base, rule, subject) ||
		      accepted(c->cur, rule, subject);
	f->fails = c->rules->fail[rule] && !f->accepted;
	c->out->n++;
	return 0;
}

static const struct lay_segment *segment_at(const struct lay_module *m,
					    uint64_t offset)
{
	size_t i;

	for (i = 0; i < m->nseg; i++)
		if (m->seg[i].offset == offset)
			return &m->seg[i];
	return NULL;
}

static int compare_modules(struct cmp_ctx *c)
{
	char subject[4200];
	size_t i, j;

	for (i = 0; i < c->cur->nmod; i++) {
		const struct lay_module *m = &c->cur->mod[i];
		const struct lay_module *o = find_module(c->base, m->path);

		if (!o) {
			if (finding(c, LR_NEW_MODULE, m->path, "", m->build_id))
				return -1;
			continue;
		}
		if (m->build_id[0] && o->build_id[0] &&
		    strcmp(m->build_id, o->build_id) &&
		    finding(c, LR_BUILD_ID, m->path, o->build_id, m->build_id))
			return -1;
		for (j = 0; j < m->nseg; j++) {
			const struct lay_segment *s = segment_at(o, m->seg[j].offset);

			if (!s || !strcmp(s->perms, m->seg[j].perms))
				continue;
			snprintf(subject, sizeof(subject), "%s+0x%llx", m->path,
				 (unsigned long long)m->seg[j].offset);
			if (finding(c, LR_PERMS, subject, s->perms,
				    m->seg[j].perms))
				return -1;
		}
	}
	for (i = 0; i < c->base->nmod; i++)
		if (!find_module(c->cur, c->base->mod[i].path) &&
		    finding(c, LR_MISSING_MODULE, c->base->mod[i].path,
			    c->base->mod[i].build_id, ""))
			return -1;
	return 0;
}

static bool is_rwx(const struct lay_exec *e)
{
	return e->perms[1] == 'w' && e->perms[2] == 'x';
}

static size_t count_exec(const struct layout *l, const char *subject,
			 bool rwx)
{
	size_t i, n = 0;

	for (i = 0; i < l->nex; i++)
		if (!strcmp(l->ex[i].subject, subject) &&
		    (rwx ? is_rwx(&l->ex[i]) : !l->ex[i].file))
			n++;
	return n;
}

/* More regions of a subject than the baseline had: the new ones are findings. */
static int compare_exec(struct cmp_ctx *c)
{
	char before[32], after[32];
	size_t i, j;
	unsigned k;

	for (k = 0; k < 2; k++) {
		const bool rwx = k == 0;

		for (i = 0; i < c->cur->nex; i++) {
			const struct lay_exec *e = &c->cur->ex[i];
			size_t nb, nc;
			bool seen = false;

			if (rwx ? !is_rwx(e) : e->file)
				continue;
			for (j = 0; j < i && !seen; j++)
				seen = !strcmp(c->cur->ex[j].subject, e->subject);
			if (seen)
				continue;
			nb = count_exec(c->base, e->subject, rwx);
			nc = count_exec(c->cur, e->subject, rwx);
			if (nc <= nb)
				continue;
			snprintf(before, sizeof(before), "%zu", nb);
			snprintf(after, sizeof(after), "%zu %s", nc, e->perms);
			if (finding(c, rwx ? LR_RWX : LR_ANON_EXEC, e->subject,
				    before, after))
				return -1;
		}
	}
	return 0;
}

static int compare_sizes(struct cmp_ctx *c)
{
	char before[32], after[48];
	unsigned i;

	for (i = 0; i < LC_COUNT; i++) {
		const uint64_t b = c->base->total[i].size;
		const uint64_t n = c->cur->total[i].size;
		double pct;

		if (!b || n <= b)
			continue;
		pct = 100.0 * (double)(n - b) / (double)b;
		if (pct <= c->rules->growth_pct)
			continue;
		snprintf(before, sizeof(before), "%llu", (unsigned long long)b);
		snprintf(after, sizeof(after), "%llu (+%.1f%%)",
			 (unsigned long long)n, pct);
		if (finding(c, LR_GROWTH, class_names[i], before, after))
			return -1;
	}
	if (c->base->has_threads && c->cur->has_threads &&
	    c->base->threads != c->cur->threads) {
		snprintf(before, sizeof(before), "%llu",
			 (unsigned long long)c->base->threads);
		snprintf(after, sizeof(after), "%llu",
			 (unsigned long long)c->cur->threads);
		if (finding(c, LR_THREADS, "threads", before, after))
			return -1;
	}
	return 0;
}

int layout_compare(const struct layout *base, const struct layout *cur,
		   const struct lay_rules *rules, struct lay_findings *out)
{
	struct cmp_ctx c = { base, cur, rules, out };

	memset(out, 0, sizeof(*out));
	if (compare_modules(&c) || compare_exec(&c) || compare_sizes(&c)) {
		lay_findings_free(out);
		return -1;
	}
	return 0;
}
