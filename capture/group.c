// SPDX-License-Identifier: MIT
/*
 * group.c - a group capture is the one-process pipeline (dump.c) run over
 * several targets in lock step: every target is prepared (and pre-copied)
 * while the group runs; half of those whose snapshot holds no shared
 * memory are frozen and read one by one (read_early); then all the others
 * are frozen (every thread of every member interrupted before any stop is
 * waited for): that is the instant.  They are read on worker threads
 * (group_pool.h), each thawed as soon as it is read and every frozen member
 * it could write into is read too (group_share.c), and only then written.
 * The instant is the same for every snapshot: every member is stopped at
 * it, what was read before it could not change since, and no member runs
 * again while a member whose memory it could write is unread.
 *
 * A process that fails at any stage is recorded with its error and left
 * out; the others go on (exit status 1).  Whatever happens, every frozen
 * process is thawed (dump_end), and the signal handlers thaw every seized
 * thread of every target (freeze.c's registry is process-wide).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "exe_hash.h"
#include "group_int.h"
#include "group_pool.h"
#include "signals.h"

#define MAX_RESCANS 8   /* rescans for processes born during the freeze */

static uint64_t ns_between(const struct timespec *a, const struct timespec *b)
{
	int64_t ns = (int64_t)(b->tv_sec - a->tv_sec) * 1000000000 +
		     (b->tv_nsec - a->tv_nsec);

	return ns > 0 ? (uint64_t)ns : 0;
}

/* A process has one fd per open thing; a host has many processes. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int open_case_dir(struct group *g, struct cap_error *err)
{
	const char *dir = g->opt->output;

	if (mkdir(dir, 0700)) {
		snprintf(err->msg, sizeof(err->msg),
			 errno == EEXIST ? "cannot create the case directory %s: "
			 "it exists (a case is never written into an existing "
			 "directory)" : "cannot create the case directory %s: %s",
			 dir, strerror(errno));
		return -1;
	}
	g->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (g->dirfd < 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot open %s: %s", dir,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Exited before the freeze: it is not part of the instant, so it is noted
 * but not an error.  The start time tells a reused pid apart.
 */
static bool gone_before_freeze(const struct member *m)
{
	struct proc_stat now;

	return !m->frozen && (proc_stat_read(m->st.pid, &now) ||
			      now.start_time != m->st.start_time ||
			      now.state == 'Z');
}

static void fail(struct member *m, const char *msg)
{
	m->ret = -1;
	m->gone = gone_before_freeze(m);
	if (!m->error[0])
		snprintf(m->error, sizeof(m->error), "%s", msg);
}

/* pid, ppid, comm, exe and cmdline, for case.yaml. */
static void read_identity(struct member *m)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	proc_stat_read(m->st.pid, &m->st);
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)m->st.pid);
	n = readlink(path, buf, sizeof(buf) - 1);
	free(m->exe);
	m->exe = NULL;
	if (n > 0) {
		buf[n] = '\0';
		m->exe = strdup(buf);
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)m->st.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	if (fd >= 0)
		close(fd);
	free(m->cmdline);
	m->cmdline = NULL;
	m->cmdline_len = 0;
	if (n > 0 && (m->cmdline = malloc((size_t)n)))
		memcpy(m->cmdline, buf, (m->cmdline_len = (size_t)n));
}

static struct member *add_member(struct group *g, pid_t pid, bool late)
{
	struct member *m, **nv;

	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 64;
		nv = realloc(g->m, g->cap * sizeof(*nv));
		if (!nv)
			return NULL;
		g->m = nv;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	g->m[g->n++] = m;
	m->st.pid = pid;
	m->late = late;
	read_identity(m);
	snprintf(m->file, sizeof(m->file), "%d.msnap", (int)pid);
	snprintf(m->who, sizeof(m->who), m->st.comm[0] ? "pid %d (%.60s)" :
		 "pid %d", (int)pid, m->st.comm);
	snprintf(m->path, sizeof(m->path), "%s/%s", g->opt->output, m->file);
	m->opt = *g->opt;
	m->opt.pid = pid;
	m->opt.output = m->path;
	m->opt.who = m->who;
	m->opt.progress = PROGRESS_OFF;
	m->opt.facts_while_frozen = true;
	m->opt.case_files = g->have_files ? &g->files : NULL;
	/* one compression worker each: a host has many writers open at once */
	if (!m->opt.threads)
		m->opt.threads = 1;
	/* born while the group is frozen: no time to pre-copy it */
	if (late && m->opt.method == METHOD_PRECOPY)
		m->opt.method = METHOD_BUFFER;
	return m;
}

static void prepare(struct member *m)
{
	m->d = dump_new(&m->opt);
	if (!m->d) {
		fail(m, "out of memory");
		return;
	}
	if (dump_prepare(m->d)) {
		fail(m, dump_error(m->d));
		return;
	}
	/* its facts are read frozen: the long part is done now, running */
	exe_sha256_prime(m->st.pid);
	/* a first guess at whether it can be read before the instant */
	member_read_shared(m);
}

/* Interrupt every thread of m; its stop is waited for by freeze_finish. */
static void freeze_begin(struct group *g, struct member *m)
{
	if (m->ret || m->frozen || signals_caught())
		return;
	if (!g->freeze_begin.tv_sec)
		clock_gettime(CLOCK_REALTIME, &g->freeze_begin);
	if (dump_freeze_begin(m->d))
		fail(m, dump_error(m->d));
}

/* Even after a signal: what was interrupted must be stopped to be let go. */
static void freeze_finish(struct member *m)
{
	if (m->ret || m->frozen || !m->d)
		return;
	if (dump_freeze_finish(m->d)) {
		fail(m, dump_error(m->d));
		return;
	}
	m->frozen = true;
}

static void freeze(struct group *g, struct member *m)
{
	freeze_begin(g, m);
	freeze_finish(m);
}

static bool known(const struct group *g, pid_t pid)
{
	size_t i;

	/* opt.pid, not st.pid: an early member's worker rewrites st */
	for (i = 0; i < g->n; i++)
		if (g->m[i]->opt.pid == pid)
			return true;
	return false;
}

/*
 * List the group again and bring in processes born since: prepare and
 * freeze them too, until a listing adds nobody.  Returns the number added,
 * or -1 when the group cannot be listed any more (a removed cgroup).
 */
static int rescan(struct group *g)
{
	struct pid_list l = { 0 };
	struct cap_error err;
	struct member *m;
	int added = 0;
	size_t i;

	if (group_members(g->sel, &l, &err)) {
		snprintf(g->group_error, sizeof(g->group_error),
			 "rescan %u: %.400s", g->rescans, err.msg);
		return -1;
	}
	for (i = 0; i < l.n && !signals_caught(); i++) {
		if (known(g, l.v[i]))
			continue;
		m = add_member(g, l.v[i], true);
		if (!m)
			break;
		prepare(m);
		freeze(g, m);
		added++;
	}
	pid_list_free(&l);
	return added;
}

static void freeze_all(struct group *g)
{
	size_t i;
	int added;

	for (i = 0; i < g->n; i++)
		freeze_begin(g, g->m[i]);
	for (i = 0; i < g->n; i++)
		freeze_finish(g->m[i]);
	for (g->rescans = 1; g->rescans <= MAX_RESCANS; g->rescans++) {
		if (signals_caught())
			return;
		added = rescan(g);
		if (added <= 0)
			return;
	}
	snprintf(g->group_error, sizeof(g->group_error),
		 "processes were still being born after %d rescans: later "
		 "ones are not in the case", MAX_RESCANS);
}

/* On a worker: everything of m that is read while it is frozen. */
static void read_job(struct member *m)
{
	read_identity(m);       /* frozen: it cannot exec or be reparented now */
	m->read_ret = dump_read_frozen(m->d);
}

static void thaw_member(struct group *g, struct member *m)
{
	dump_thaw(m->d);
	m->thawed = true;
	clock_gettime(CLOCK_REALTIME, &g->thawed);
}

/* a is read, but could write into frozen, unread b: a must stay stopped. */
static bool must_wait(const struct group *g, const struct member *a)
{
	const struct member *b;
	size_t i;

	for (i = 0; i < g->n; i++) {
		b = g->m[i];
		if (b != a && b->frozen && !b->thawed && !b->read_done &&
		    member_writes_into(a, b))
			return true;
	}
	return false;
}

static void thaw_ready(struct group *g)
{
	struct member *m;
	size_t i;

	for (i = 0; i < g->n; i++) {
		m = g->m[i];
		if (m->frozen && !m->thawed && m->read_done && !must_wait(g, m))
			thaw_member(g, m);
	}
}

/* The reads need no ptrace, but --cow forks through it and --read-swap
 * shares a static buffer: those read on the tracer thread. */
static unsigned read_workers(const struct group *g)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (g->opt->method == METHOD_COW || g->opt->read_swap)
		return 0;
	return ncpu < 1 ? 1 : ncpu > 8 ? 8 : (unsigned)ncpu;
}

static void collect(struct member *m)
{
	m->read_done = true;
	if (m->read_ret)
		fail(m, dump_error(m->d));
}

/*
 * Before the instant, while the rest of the group runs: freeze and read,
 * one after another, up to half of the members whose snapshot holds no
 * shared memory.  Stopped, nothing of theirs that is read can change, so
 * their reads are the instant's too, and they wait for the instant while
 * the others are read after it: the longest frozen time is about halved.
 * A member found to read shared memory once frozen (its maps changed)
 * waits to be read after the instant.
 */
static void read_early(struct group *g, struct read_pool *pool)
{
	size_t i, quota = 0;
	struct member *m, *done;

	if (!pool->nworkers)
		return;
	for (i = 0; i < g->n; i++)
		quota += !g->m[i]->ret;
	quota /= 2;
	for (i = 0; i < g->n && quota && !signals_caught(); i++) {
		m = g->m[i];
		if (m->ret || m->reads_shared)
			continue;
		/* no backlog: a member queued is a member frozen for nothing */
		while (read_pool_queued(pool) && (done = read_pool_take(pool)))
			collect(done);
		freeze(g, m);
		if (!m->frozen)
			continue;
		member_read_shared(m);
		if (m->reads_shared)
			continue;
		m->early = true;
		read_pool_submit(pool, m);
		quota--;
	}
}

static void read_and_thaw(struct group *g)
{
	struct read_pool pool;
	struct member *m;
	size_t i;

	if (read_pool_start(&pool, read_workers(g), read_job))
		read_pool_start(&pool, 0, read_job);    /* out of memory */
	read_early(g, &pool);
	freeze_all(g);
	clock_gettime(CLOCK_REALTIME, &g->all_frozen);
	for (i = 0; i < g->n && !signals_caught(); i++)
		if (g->m[i]->frozen && !g->m[i]->early)
			read_pool_submit(&pool, g->m[i]);
	/* while the workers read: who shares memory with whom, exactly */
	for (i = 0; i < g->n; i++)
		if (g->m[i]->frozen && !g->m[i]->early)
			member_read_shared(g->m[i]);
	thaw_ready(g);
	while ((m = read_pool_take(&pool))) {
		collect(m);
		thaw_ready(g);
	}
	read_pool_stop(&pool);
	/* a signal, or nothing read: let every one go */
	for (i = 0; i < g->n; i++)
		if (g->m[i]->frozen && !g->m[i]->thawed)
			thaw_member(g, g->m[i]);
	if (g->freeze_begin.tv_sec)
		g->window_ns = ns_between(&g->freeze_begin, &g->thawed);
}

/* Not in the instant: what it left is no evidence of it. */
static void drop_leftover(struct group *g, const struct member *m)
{
	char name[48];

	if (!m->gone)
		return;
	snprintf(name, sizeof(name), "%s.partial", m->file);
	unlinkat(g->dirfd, name, 0);
}

/* Write each snapshot, then let each go (dump_end also thaws). */
static void write_all(struct group *g)
{
	struct member *m;
	size_t i;

	for (i = 0; i < g->n; i++) {
		m = g->m[i];
		if (!m->d) {
			m->exit = EXIT_FAILED;
			continue;
		}
		if (!m->ret && !signals_caught() && dump_write(m->d))
			fail(m, dump_error(m->d));
		/* not in the instant: counted in the summary, not a failure */
		m->opt.silent_failure = m->gone;
		m->exit = dump_end(m->d, m->ret);
		m->frozen_ns = dump_frozen_ns(m->d);
		if (m->exit == EXIT_COMPLETE || m->exit == EXIT_PARTIAL) {
			memcpy(m->sha, dump_sha256(m->d), sizeof(m->sha));
			m->have_sha = true;
		} else if (!m->error[0]) {
			fail(m, dump_error(m->d));
		}
		if (m->exit == EXIT_PARTIAL && !m->error[0])
			snprintf(m->error, sizeof(m->error), "%s",
				 "partial snapshot: see its manifest's errors");
		dump_free(m->d);
		m->d = NULL;
		drop_leftover(g, m);
	}
}

static int group_exit(const struct group *g)
{
	size_t i, ok = 0, bad = 0, gone = 0;
	uint64_t longest = 0;

	for (i = 0; i < g->n; i++) {
		if (g->m[i]->have_sha)
			ok++;
		if (g->m[i]->exit != EXIT_COMPLETE && !g->m[i]->gone)
			bad++;
		gone += g->m[i]->gone;
		if (g->m[i]->frozen_ns > longest)
			longest = g->m[i]->frozen_ns;
	}
	if (!g->opt->quiet)
		fprintf(stderr, "memsnap: case %s: %zu of %zu processes "
			"captured (%zu gone before the freeze), group frozen "
			"%.1f ms, longest per process %.1f ms\n",
			g->opt->output, ok, g->n, gone, g->window_ns / 1e6,
			longest / 1e6);
	if (g->group_error[0])
		fprintf(stderr, "memsnap: %s\n", g->group_error);
	if (!ok)
		return EXIT_FAILED;
	return bad || g->group_error[0] ? EXIT_PARTIAL : EXIT_COMPLETE;
}

static void group_free(struct group *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		if (g->m[i]->d) {
			dump_end(g->m[i]->d, -1);
			dump_free(g->m[i]->d);
		}
		free(g->m[i]->exe);
		free(g->m[i]->cmdline);
		free(g->m[i]->shared);
		free(g->m[i]);
	}
	free(g->m);
	exe_hash_forget();
	if (g->have_files)
		case_files_free(&g->files);
	if (g->dirfd >= 0)
		close(g->dirfd);
}

static int start(struct group *g, struct cap_error *err)
{
	struct pid_list l = { 0 };
	size_t i;

	if (group_resolve(g->sel, err) || group_members(g->sel, &l, err))
		return -1;
	if (!l.n) {
		snprintf(err->msg, sizeof(err->msg),
			 "no process to capture in %s%s", g->sel->arg,
			 g->sel->cgroup_dir[0] ? " (an empty cgroup)" : "");
		return -1;
	}
	if (open_case_dir(g, err)) {
		pid_list_free(&l);
		return -1;
	}
	if (g->opt->with_files) {
		if (case_files_init(&g->files, g->dirfd)) {
			pid_list_free(&l);
			snprintf(err->msg, sizeof(err->msg), "cannot create %s/%s: %s",
				 g->opt->output, CASE_FILES_DIR, strerror(errno));
			return -1;
		}
		g->have_files = true;
	}
	for (i = 0; i < l.n && !signals_caught(); i++) {
		struct member *m = add_member(g, l.v[i], false);

		if (!m) {
			pid_list_free(&l);
			snprintf(err->msg, sizeof(err->msg), "out of memory");
			return -1;
		}
		prepare(m);
	}
	pid_list_free(&l);
	return 0;
}

int group_run(const struct cap_options *opt, struct group_sel *sel)
{
	struct group g = { .opt = opt, .sel = sel, .dirfd = -1 };
	struct cap_error err;
	int ret, sig;

	raise_fd_limit();
	if (signals_install()) {
		fprintf(stderr, "memsnap: cannot install signal handlers: %s\n",
			strerror(errno));
		return EXIT_FAILED;
	}
	clock_gettime(CLOCK_REALTIME, &g.started);
	if (start(&g, &err)) {
		fprintf(stderr, "memsnap: %s\n", err.msg);
		group_free(&g);
		return EXIT_FAILED;
	}
	read_and_thaw(&g);
	write_all(&g);
	clock_gettime(CLOCK_REALTIME, &g.ended);
	sig = signals_caught();
	if (sig) {
		fprintf(stderr, "memsnap: interrupted by signal %d; the case in "
			"%s is incomplete (no case.yaml)\n", sig, opt->output);
		group_free(&g);
		return 128 + sig;
	}
	ret = group_exit(&g);
	if (case_write(&g, &err)) {
		fprintf(stderr, "memsnap: %s\n", err.msg);
		ret = EXIT_FAILED;
	}
	group_free(&g);
	return ret;
}
