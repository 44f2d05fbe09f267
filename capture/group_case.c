// SPDX-License-Identifier: MIT
/*
 * group_case.c - case.yaml, the index of a case directory (formats/CASE.md):
 * the host, the selector, the instant, the process tree, each snapshot's
 * file name and SHA-256, and what failed.  Written last, once every
 * snapshot is renamed into place, so a case.yaml names only whole files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "group_int.h"
#include "manifest.h"
#include "msnap.h"
#include "yaml_out.h"
#include "target_facts.h"

#define CASE_SCHEMA "1.1"

static const char *const kind_names[] = {
	[GROUP_TREE] = "tree", [GROUP_CGROUP] = "cgroup",
	[GROUP_CONTAINER] = "container-of", [GROUP_ALL] = "all",
};

static void kv_time(struct yout *y, const char *key, const struct timespec *ts)
{
	char buf[48];

	if (!ts->tv_sec)
		return;         /* that moment never came (nothing frozen) */
	manifest_time(ts, buf, sizeof(buf));
	yout_kv_str(y, key, buf);
}

static void emit_head(struct yout *y, const struct group *g)
{
	int i;

	yout_key(y, "memsnap_case");
	yout_map_begin(y);
	yout_kv_str(y, "schema", CASE_SCHEMA);
	yout_kv_str(y, "version", MEMSNAP_VERSION);
	yout_key(y, "command");
	yout_seq_begin(y);
	for (i = 0; i < g->opt->argc; i++)
		yout_bytes(y, g->opt->argv[i], strlen(g->opt->argv[i]));
	yout_seq_end(y);
	yout_map_end(y);
	emit_host(y);
	yout_key(y, "selector");
	yout_map_begin(y);
	yout_kv_str(y, "kind", kind_names[g->sel->kind]);
	if (g->sel->kind == GROUP_TREE || g->sel->kind == GROUP_CONTAINER)
		yout_kv_i64(y, "pid", g->sel->pid);
	if (g->sel->cgroup_dir[0])
		yout_kv_bytes(y, "cgroup", g->sel->cgroup_dir,
			      strlen(g->sel->cgroup_dir));
	yout_kv_str(y, "scope", g->opt->scope_code ? "code" :
		    g->opt->layout_only ? "layout" : "all");
	yout_map_end(y);
	yout_key(y, "instant");
	yout_map_begin(y);
	kv_time(y, "started", &g->started);
	kv_time(y, "freeze_begin", &g->freeze_begin);
	kv_time(y, "all_frozen", &g->all_frozen);
	kv_time(y, "thawed", &g->thawed);
	kv_time(y, "ended", &g->ended);
	yout_kv_u64(y, "freeze_window_ns", g->window_ns);
	yout_kv_u64(y, "rescans", g->rescans);
	yout_map_end(y);
}

static void emit_cmdline(struct yout *y, const struct member *m)
{
	size_t at = 0, len;

	yout_key(y, "cmdline");
	yout_seq_begin(y);
	while (at < m->cmdline_len) {
		len = strnlen(m->cmdline + at, m->cmdline_len - at);
		yout_bytes(y, m->cmdline + at, len);
		at += len + 1;
	}
	yout_seq_end(y);
}

static const char *status_of(const struct member *m)
{
	if (m->exit == EXIT_COMPLETE)
		return "complete";
	if (m->have_sha)
		return "partial";
	return m->gone ? "gone" : "failed";
}

static void emit_member(struct yout *y, const struct member *m)
{
	yout_map_begin(y);
	yout_kv_i64(y, "pid", m->st.pid);
	yout_kv_i64(y, "ppid", m->st.ppid);
	yout_kv_bytes(y, "comm", m->st.comm, strlen(m->st.comm));
	if (m->exe)
		yout_kv_bytes(y, "exe", m->exe, strlen(m->exe));
	emit_cmdline(y, m);
	yout_kv_u64(y, "start_time", m->st.start_time);
	yout_kv_bool(y, "late", m->late);
	yout_kv_str(y, "status", status_of(m));
	if (m->have_sha) {
		yout_kv_str(y, "snapshot", m->file);
		yout_key(y, "sha256");
		yout_hexbytes(y, m->sha, sizeof(m->sha));
		yout_kv_u64(y, "frozen_ns", m->frozen_ns);
	}
	if (m->error[0])
		yout_kv_bytes(y, "error", m->error, strlen(m->error));
	yout_map_end(y);
}

/* The case's files/ tree: what is there, and what could not go there. */
static void emit_files(struct yout *y, const struct group *g)
{
	char dev[32], where[4096];
	size_t i;

	if (!g->have_files)
		return;
	yout_key(y, "files");
	yout_seq_begin(y);
	for (i = 0; i < g->files.n; i++) {
		const struct case_file *f = &g->files.v[i];

		yout_map_begin(y);
		yout_kv_bytes(y, "path", f->path, strlen(f->path));
		snprintf(dev, sizeof(dev), "%02x:%02x", f->dev_major,
			 f->dev_minor);
		yout_kv_str(y, "dev", dev);
		yout_kv_u64(y, "inode", f->inode);
		yout_kv_u64(y, "size", f->size);
		if (f->complete) {
			snprintf(where, sizeof(where), "%s%s", CASE_FILES_DIR,
				 f->path);
			yout_kv_bytes(y, "stored", where, strlen(where));
			yout_key(y, "sha256");
			yout_hexbytes(y, f->sha256, sizeof(f->sha256));
		} else {
			/* kept in each snapshot that maps it instead */
			yout_kv_bytes(y, "error", f->error, strlen(f->error));
		}
		yout_map_end(y);
	}
	yout_seq_end(y);
}

static int write_all_fd(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int case_write(const struct group *g, struct cap_error *err)
{
	struct yout *y = yout_new();
	struct msnap_error merr;
	char *text = NULL;
	size_t len = 0, i;
	int fd;

	if (!y) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	yout_map_begin(y);
	emit_head(y, g);
	yout_key(y, "processes");
	yout_seq_begin(y);
	for (i = 0; i < g->n; i++)
		emit_member(y, g->m[i]);
	yout_seq_end(y);
	emit_files(y, g);
	yout_key(y, "errors");
	yout_seq_begin(y);
	if (g->group_error[0])
		yout_bytes(y, g->group_error, strlen(g->group_error));
	yout_seq_end(y);
	yout_map_end(y);
	if (yout_finish(y, &text, &len, &merr)) {
		snprintf(err->msg, sizeof(err->msg), "case.yaml: %.400s",
			 merr.msg);
		yout_free(y);
		return -1;
	}
	yout_free(y);
	fd = openat(g->dirfd, "case.yaml",
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write_all_fd(fd, text, len) || fsync(fd)) {
		snprintf(err->msg, sizeof(err->msg), "cannot write %s/case.yaml: %s",
			 g->opt->output, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(text);
		return -1;
	}
	close(fd);
	free(text);
	return 0;
}
