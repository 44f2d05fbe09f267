// SPDX-License-Identifier: MIT
/*
 * case.c - reading case.yaml (CASE.md).  The document comes from the host
 * that was captured, so it is parsed with yaml_tree's limits and every
 * field is checked before use: a snapshot name that could leave the
 * directory, a digest of the wrong size or a missing key is an error, not
 * something to guess around.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "case.h"
#include "yaml_tree.h"

#define CASE_MAJOR '1'

static int bad(struct msnap_error *err, const struct ynode *n,
	       const char *what)
{
	return msnap_fail(err, MSNAP_E_YAML, -1, "case.yaml line %u: %s",
			  n ? ynode_line(n) : 0, what);
}

/* A scalar as a NUL-terminated copy; NULL for an absent key. */
static int dup_str(const struct ynode *n, char **out, bool required,
		   struct msnap_error *err, const char *what)
{
	uint8_t *b = NULL;
	size_t len = 0;

	*out = NULL;
	if (!n || ynode_is_null(n))
		return required ? bad(err, n, what) : 0;
	if (ynode_kind(n) != YNODE_SCALAR || ynode_bytes(n, &b, &len))
		return bad(err, n, what);
	if (memchr(b, '\0', len)) {
		free(b);
		return bad(err, n, what);
	}
	*out = malloc(len + 1);
	if (!*out) {
		free(b);
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	}
	memcpy(*out, b, len);
	(*out)[len] = '\0';
	free(b);
	return 0;
}

/* A file name inside the case directory, nothing else. */
static bool plain_name(const char *s)
{
	size_t n = strlen(s);

	return n && n < 256 && !strchr(s, '/') && strcmp(s, ".") &&
	       strcmp(s, "..");
}

static int parse_argv(const struct ynode *n, struct msnap_case_proc *p,
		      struct msnap_error *err)
{
	size_t i, len;

	if (!n)
		return 0;
	len = ynode_len(n);
	if (ynode_kind(n) != YNODE_SEQ || len > MSNAP_CASE_MAX_ARGS)
		return bad(err, n, "cmdline is not a list of at most 4096 strings");
	p->argv = calloc(len ? len : 1, sizeof(*p->argv));
	if (!p->argv)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	for (i = 0; i < len; i++, p->argc++)
		if (dup_str(ynode_at(n, i), &p->argv[i], true, err,
			    "cmdline entry is not a string"))
			return -MSNAP_E_YAML;
	return 0;
}

static int parse_proc(const struct ynode *m, struct msnap_case_proc *p,
		      struct msnap_error *err)
{
	const struct ynode *snap;

	if (ynode_kind(m) != YNODE_MAP)
		return bad(err, m, "a process is not a mapping");
	if (ynode_i64(ynode_get(m, "pid"), &p->pid) || p->pid <= 0 ||
	    ynode_i64(ynode_get(m, "ppid"), &p->ppid) || p->ppid < 0)
		return bad(err, m, "pid or ppid missing or not a number");
	if (dup_str(ynode_get(m, "comm"), &p->comm, false, err, "bad comm") ||
	    dup_str(ynode_get(m, "exe"), &p->exe, false, err, "bad exe") ||
	    dup_str(ynode_get(m, "status"), &p->status, true, err,
		    "status missing") ||
	    dup_str(ynode_get(m, "error"), &p->error, false, err, "bad error") ||
	    parse_argv(ynode_get(m, "cmdline"), p, err))
		return -MSNAP_E_YAML;
	if (ynode_get(m, "late") && ynode_bool(ynode_get(m, "late"), &p->late))
		return bad(err, m, "late is not true or false");
	snap = ynode_get(m, "snapshot");
	if (!snap)
		return 0;
	if (dup_str(snap, &p->snapshot, true, err, "bad snapshot name"))
		return -MSNAP_E_YAML;
	if (!plain_name(p->snapshot))
		return bad(err, snap, "snapshot is not a file name inside the case");
	if (ynode_hexbytes(ynode_get(m, "sha256"), p->sha256, 32))
		return bad(err, m, "a snapshot without a sha256 of 64 hex digits");
	if (ynode_get(m, "frozen_ns") &&
	    ynode_u64(ynode_get(m, "frozen_ns"), &p->frozen_ns))
		return bad(err, m, "frozen_ns is not a number");
	return 0;
}

static int parse_head(const struct ynode *root, struct msnap_case *c,
		      struct msnap_error *err)
{
	const struct ynode *inst;

	if (dup_str(ynode_path(root, "memsnap_case.schema"), &c->schema, true,
		    err, "memsnap_case.schema missing: not a case index"))
		return -MSNAP_E_YAML;
	if (c->schema[0] != CASE_MAJOR || (c->schema[1] && c->schema[1] != '.'))
		return msnap_fail(err, MSNAP_E_VERSION, -1,
				  "case.yaml schema %.40s: this reader knows 1.x",
				  c->schema);
	if (dup_str(ynode_path(root, "selector.kind"), &c->kind, true, err,
		    "selector.kind missing") ||
	    dup_str(ynode_path(root, "selector.scope"), &c->scope, false, err,
		    "bad selector.scope"))
		return -MSNAP_E_YAML;
	inst = ynode_path(root, "instant.freeze_window_ns");
	if (inst && ynode_u64(inst, &c->window_ns))
		return bad(err, inst, "freeze_window_ns is not a number");
	return 0;
}

static bool duplicate(const struct msnap_case *c, size_t upto)
{
	const struct msnap_case_proc *p = &c->procs[upto];
	size_t i;

	for (i = 0; i < upto; i++)
		if (c->procs[i].pid == p->pid ||
		    (p->snapshot && c->procs[i].snapshot &&
		     !strcmp(c->procs[i].snapshot, p->snapshot)))
			return true;
	return false;
}

/*
 * "files/" and then a path of plain components: a reader opens it inside
 * the case directory and nowhere else.
 */
static bool stored_name_ok(const char *s)
{
	const char *c;
	size_t n;

	if (strncmp(s, "files/", 6) || strlen(s) > 4000)
		return false;
	for (c = s + 6; *c; c += n + (c[n] == '/')) {
		n = strcspn(c, "/");
		if (!n || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
	}
	return c > s + 6;
}

static int parse_file(const struct ynode *m, struct msnap_case_file *f,
		      struct msnap_error *err)
{
	if (ynode_kind(m) != YNODE_MAP)
		return bad(err, m, "a file is not a mapping");
	if (dup_str(ynode_get(m, "path"), &f->path, true, err,
		    "a file has no path") ||
	    dup_str(ynode_get(m, "stored"), &f->stored, false, err,
		    "bad stored"))
		return -MSNAP_E_YAML;
	if (!f->stored)
		return 0;
	if (!stored_name_ok(f->stored))
		return bad(err, m, "stored is not a path under files/");
	if (ynode_hexbytes(ynode_get(m, "sha256"), f->sha256, 32))
		return bad(err, m, "a stored file has no 32-byte sha256");
	return 0;
}

static int parse_files(const struct ynode *files, struct msnap_case *c,
		       struct msnap_error *err)
{
	size_t i, n = files ? ynode_len(files) : 0;

	if (!files)
		return 0;       /* older cases, or no --with-files */
	if (ynode_kind(files) != YNODE_SEQ || n > MSNAP_CASE_MAX_FILES)
		return bad(err, files, "files is not a list of at most 1048576");
	c->files = calloc(n ? n : 1, sizeof(*c->files));
	if (!c->files)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	for (i = 0; i < n; i++) {
		c->nfiles++;
		if (parse_file(ynode_at(files, i), &c->files[i], err))
			return -MSNAP_E_YAML;
	}
	return 0;
}

int msnap_case_parse(struct msnap_case **out, const char *text, size_t len,
		     struct msnap_error *err)
{
	const struct ynode *root, *procs, *errs;
	struct ytree *t = NULL;
	struct msnap_case *c;
	size_t i, n;
	int ret;

	*out = NULL;
	if (len > MSNAP_CASE_MAX_BYTES)
		return msnap_fail(err, MSNAP_E_LIMIT, -1, "case.yaml is larger than 64 MiB");
	ret = ytree_parse(&t, text, len, NULL, err);
	if (ret)
		return ret;
	c = calloc(1, sizeof(*c));
	if (!c) {
		ytree_free(t);
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	}
	root = ytree_root(t);
	ret = -MSNAP_E_YAML;
	if (!root || ynode_kind(root) != YNODE_MAP) {
		bad(err, root, "not a mapping");
		goto fail;
	}
	if (parse_head(root, c, err))
		goto fail;
	procs = ynode_get(root, "processes");
	n = procs ? ynode_len(procs) : 0;
	if (!procs || ynode_kind(procs) != YNODE_SEQ || n > MSNAP_CASE_MAX_PROCS) {
		bad(err, procs, "processes is not a list of at most 65536");
		goto fail;
	}
	c->procs = calloc(n ? n : 1, sizeof(*c->procs));
	if (!c->procs) {
		ret = msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		c->nprocs++;
		if (parse_proc(ynode_at(procs, i), &c->procs[i], err))
			goto fail;
		if (duplicate(c, i)) {
			bad(err, ynode_at(procs, i), "a pid or snapshot listed twice");
			goto fail;
		}
	}
	ret = parse_files(ynode_get(root, "files"), c, err);
	if (ret)
		goto fail;
	ret = -MSNAP_E_YAML;
	errs = ynode_get(root, "errors");
	if (errs && ynode_kind(errs) == YNODE_SEQ)
		c->nerrors = ynode_len(errs);
	ytree_free(t);
	*out = c;
	return 0;
fail:
	ytree_free(t);
	msnap_case_free(c);
	return ret;
}

int msnap_case_load(struct msnap_case **out, const char *dir,
		    struct msnap_error *err)
{
	char path[4096], *text = NULL;
	size_t len = 0;
	struct stat sb;
	ssize_t n;
	int fd, ret;

	*out = NULL;
	if (snprintf(path, sizeof(path), "%s/case.yaml", dir) >= (int)sizeof(path))
		return msnap_fail(err, MSNAP_E_INVAL, -1, "path too long");
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb)) {
		ret = msnap_fail_errno(err, "%.4000s", path);
		if (fd >= 0)
			close(fd);
		return ret;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > (off_t)MSNAP_CASE_MAX_BYTES) {
		close(fd);
		return msnap_fail(err, MSNAP_E_LIMIT, -1,
				  "%.4000s: not a regular file of at most 64 MiB",
				  path);
	}
	text = malloc((size_t)sb.st_size + 1);
	if (!text) {
		close(fd);
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	}
	while (len < (size_t)sb.st_size &&
	       (n = read(fd, text + len, (size_t)sb.st_size - len)) > 0)
		len += (size_t)n;
	close(fd);
	ret = msnap_case_parse(out, text, len, err);
	free(text);
	return ret;
}

void msnap_case_free(struct msnap_case *c)
{
	size_t i, k;

	if (!c)
		return;
	for (i = 0; i < c->nprocs; i++) {
		struct msnap_case_proc *p = &c->procs[i];

		free(p->comm);
		free(p->exe);
		free(p->status);
		free(p->snapshot);
		free(p->error);
		for (k = 0; k < p->argc; k++)
			free(p->argv[k]);
		free(p->argv);
	}
	free(c->procs);
	for (i = 0; i < c->nfiles; i++) {
		free(c->files[i].path);
		free(c->files[i].stored);
	}
	free(c->files);
	free(c->schema);
	free(c->kind);
	free(c->scope);
	free(c);
}

const struct msnap_case_proc *msnap_case_find(const struct msnap_case *c,
					      int64_t pid)
{
	size_t i;

	for (i = 0; i < c->nprocs; i++)
		if (c->procs[i].pid == pid)
			return &c->procs[i];
	return NULL;
}
