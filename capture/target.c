// SPDX-License-Identifier: MIT
/*
 * target.c - open and pin the target process (/proc/PID dirfd, pidfd,
 * start time), refuse what must not be captured, and explain a refused
 * PTRACE_SEIZE.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "target.h"
#include "freeze.h"
#include "target_int.h"

#define PF_KTHREAD_FLAG 0x00200000ul
#define CAP_SYS_PTRACE_BIT 19

void tgt_set_err(struct cap_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static int cmp_int(const void *a, const void *b)
{
	const int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int tgt_list_numeric(int dirfd, const char *name, int **out, size_t *n)
{
	size_t cap = 0, count = 0;
	int *ids = NULL, *grown, fd, ret = 0;
	struct dirent *de;
	char *end;
	long v;
	DIR *dir;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		ret = -errno;
		close(fd);
		return ret;
	}
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de) {
			ret = -errno;
			break;
		}
		v = strtol(de->d_name, &end, 10);
		if (*end || end == de->d_name || v < 0 || v > INT32_MAX)
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			grown = reallocarray(ids, cap, sizeof(*ids));
			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			ids = grown;
		}
		ids[count++] = (int)v;
	}
	closedir(dir);
	if (ret) {
		free(ids);
		return ret;
	}
	if (count)          /* ids is NULL: qsort(NULL, 0) is undefined */
		qsort(ids, count, sizeof(*ids), cmp_int);
	*out = ids;
	*n = count;
	return 0;
}

int tgt_read_at(int dirfd, const char *name, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf, *grown;
	ssize_t r;
	int fd, ret;

	*out = NULL;
	*len = 0;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		ret = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		if (cap - n < 2) {
			if (cap >= TGT_READ_MAX) {
				ret = -EFBIG;
				goto out_free;
			}
			grown = realloc(buf, cap * 2);
			if (!grown) {
				ret = -ENOMEM;
				goto out_free;
			}
			buf = grown;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out_free;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	close(fd);
	return 0;

out_free:
	free(buf);
out_close:
	close(fd);
	return ret;
}

int tgt_parse_stat(const char *buf, size_t len, struct tgt_stat *st)
{
	const char *open_paren, *close_paren = NULL, *p, *end = buf + len;
	unsigned long long v;
	size_t comm_len;
	char *num_end;
	int field;

	memset(st, 0, sizeof(*st));
	open_paren = memchr(buf, '(', len);
	if (!open_paren)
		return -EINVAL;
	/* comm may hold ')': the last one closes it. */
	for (p = open_paren + 1; p < end; p++)
		if (*p == ')')
			close_paren = p;
	if (!close_paren || close_paren + 3 >= end)
		return -EINVAL;
	comm_len = (size_t)(close_paren - open_paren - 1);
	if (comm_len >= sizeof(st->comm))
		comm_len = sizeof(st->comm) - 1;
	memcpy(st->comm, open_paren + 1, comm_len);
	st->comm[comm_len] = '\0';

	/* Field 3 (state) follows ") ". */
	p = close_paren + 2;
	st->state = *p++;
	for (field = 4; field <= 22; field++) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			return -EINVAL;
		errno = 0;
		v = strtoull(p, &num_end, 10);
		if (num_end == p || errno)
			return -EINVAL;
		if (field == 4) {
			if (v > INT_MAX)
				return -EINVAL;
			st->ppid = (pid_t)v;
		} else if (field == 9) {
			st->flags = (unsigned long)v;
		} else if (field == 14) {
			st->utime = v;
		} else if (field == 15) {
			st->stime = v;
		} else if (field == 20) {
			st->num_threads = v;
		} else if (field == 22) {
			st->start_time = v;
		}
		p = num_end;
	}
	return 0;
}

int tgt_read_stat(int dirfd, const char *name, struct tgt_stat *st)
{
	size_t len;
	char *buf;
	int ret;

	ret = tgt_read_at(dirfd, name, &buf, &len);
	if (ret)
		return ret;
	ret = tgt_parse_stat(buf, len, st);
	free(buf);
	return ret;
}

const char *tgt_status_value(const char *status, const char *key)
{
	const size_t klen = strlen(key);
	const char *line = status;

	while (line && *line) {
		if (!strncmp(line, key, klen)) {
			line += klen;
			while (*line == ' ' || *line == '\t')
				line++;
			return line;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}

int tgt_status_u64(const char *status, const char *key, int base,
		   uint64_t *v)
{
	const char *val = tgt_status_value(status, key);
	char *end;

	if (!val)
		return -ENOENT;
	errno = 0;
	*v = strtoull(val, &end, base);
	if (end == val || errno)
		return -EINVAL;
	return 0;
}

/* Our own effective capabilities include CAP_SYS_PTRACE? */
static bool have_cap_sys_ptrace(void)
{
	uint64_t capeff = 0;
	size_t len;
	char *buf;
	bool ret = false;

	if (tgt_read_at(AT_FDCWD, "/proc/self/status", &buf, &len))
		return geteuid() == 0;
	if (!tgt_status_u64(buf, "CapEff:", 16, &capeff))
		ret = capeff & (1ull << CAP_SYS_PTRACE_BIT);
	free(buf);
	return ret;
}

/* kernel.yama.ptrace_scope, or -1 when Yama is absent. */
static int yama_scope(void)
{
	size_t len;
	char *buf;
	int scope;

	if (tgt_read_at(AT_FDCWD, "/proc/sys/kernel/yama/ptrace_scope",
			&buf, &len))
		return -1;
	scope = atoi(buf);
	free(buf);
	return scope;
}

/* comm of another process (the tracer), "?" when unreadable. */
static void comm_of(pid_t pid, char *out, size_t n)
{
	char path[64];
	size_t len;
	char *buf;

	snprintf(out, n, "?");
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (tgt_read_at(AT_FDCWD, path, &buf, &len))
		return;
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(out, n, "%s", buf);
	free(buf);
}

static void set_traced_err(struct cap_error *err, pid_t pid, pid_t tracer)
{
	char comm[64];

	comm_of(tracer, comm, sizeof(comm));
	tgt_set_err(err, "pid %d is already traced by pid %d (%s); "
		    "--no-freeze reads it without attaching",
		    (int)pid, (int)tracer, comm);
}

/* Four ids of a Uid:/Gid: line; false if unreadable. */
static bool status_ids(const char *status, const char *key, unsigned long id[4])
{
	const char *val = tgt_status_value(status, key);

	return val && sscanf(val, "%lu %lu %lu %lu",
			     &id[0], &id[1], &id[2], &id[3]) == 4;
}

void target_explain_eperm(const struct target *t, struct cap_error *err)
{
	tgt_explain_eperm(t, t->pid, err);
}

void tgt_explain_eperm(const struct target *t, pid_t tid,
		       struct cap_error *err)
{
	const bool cap = have_cap_sys_ptrace();
	const int scope = yama_scope();
	unsigned long uid[4], gid[4];
	uint64_t tracer = 0;
	struct stat status_st;
	char *status = NULL;
	char name[64], thread[32];
	size_t len;

	snprintf(name, sizeof(name), "task/%d/status", (int)tid);
	if (!tgt_read_at(t->procfd, name, &status, &len) &&
	    !tgt_status_u64(status, "TracerPid:", 10, &tracer) && tracer) {
		set_traced_err(err, t->pid, (pid_t)tracer);
		goto out;
	}
	if (scope == 3) {
		tgt_set_err(err, "cannot trace pid %d: ptrace is disabled on "
			    "this host until reboot (kernel.yama.ptrace_scope "
			    "= 3)", (int)t->pid);
		goto out;
	}
	if (!cap && scope == 2) {
		tgt_set_err(err, "cannot trace pid %d: kernel.yama.ptrace_scope"
			    " = 2 lets only processes with CAP_SYS_PTRACE "
			    "trace (run memsnap as root)", (int)t->pid);
		goto out;
	}
	if (!cap && status && status_ids(status, "Uid:", uid) &&
	    status_ids(status, "Gid:", gid)) {
		const unsigned long me = (unsigned long)getuid();
		const unsigned long my_gid = (unsigned long)getgid();

		if (uid[0] != me && uid[0] == uid[1] && uid[1] == uid[2]) {
			tgt_set_err(err, "cannot trace pid %d: it belongs to "
				    "uid %lu and memsnap runs as uid %lu; "
				    "tracing another user's process needs "
				    "CAP_SYS_PTRACE (run as root)",
				    (int)t->pid, uid[0], me);
			goto out;
		}
		if (uid[0] != uid[1] || uid[1] != uid[2] || uid[0] != me ||
		    gid[0] != gid[1] || gid[1] != gid[2] || gid[0] != my_gid) {
			tgt_set_err(err, "cannot trace pid %d: it runs with "
				    "changed credentials (setuid/setgid: uids "
				    "%lu/%lu/%lu, gids %lu/%lu/%lu); tracing "
				    "it needs CAP_SYS_PTRACE",
				    (int)t->pid, uid[0], uid[1], uid[2],
				    gid[0], gid[1], gid[2]);
			goto out;
		}
		/* procfs hands a non-dumpable task's files to root. */
		if (!fstatat(t->procfd, "status", &status_st, 0) && uid[1] != 0 &&
		    status_st.st_uid == 0) {
			tgt_set_err(err, "cannot trace pid %d: it is not "
				    "dumpable (prctl PR_SET_DUMPABLE 0 or a "
				    "setuid exec); tracing it needs "
				    "CAP_SYS_PTRACE", (int)t->pid);
			goto out;
		}
	}
	if (!cap && scope == 1) {
		tgt_set_err(err, "cannot trace pid %d: kernel.yama.ptrace_scope"
			    " = 1 allows tracing only descendants of memsnap "
			    "unless the target called prctl(PR_SET_PTRACER); "
			    "run as root (CAP_SYS_PTRACE) or set the sysctl "
			    "to 0", (int)t->pid);
		goto out;
	}
	snprintf(thread, sizeof(thread), " (thread %d)", (int)tid);
	tgt_set_err(err, "cannot trace pid %d%s: permission denied by the "
		    "kernel (a security module such as SELinux or AppArmor, "
		    "or a seccomp filter on memsnap, forbids ptrace)%s",
		    (int)t->pid, tid == t->pid ? "" : thread,
		    cap ? "" : "; CAP_SYS_PTRACE may help");
out:
	free(status);
}

/* How many threads status says the process has (0 if unknown). */
static uint64_t thread_count(const char *status)
{
	uint64_t n = 0;

	if (status && tgt_status_u64(status, "Threads:", 10, &n))
		return 0;
	return n;
}

static bool is_kernel_thread(const struct target *t, const struct tgt_stat *st)
{
	size_t len;
	char *cmdline;

	if (st->flags & PF_KTHREAD_FLAG)
		return true;
	/* Backup heuristic: kthreadd's children have no command line. */
	if (st->ppid != 2 && t->pid != 2)
		return false;
	if (tgt_read_at(t->procfd, "cmdline", &cmdline, &len))
		return false;
	free(cmdline);
	return len == 0;
}

/* Refuse what must not be captured; 0 or -1 with err set. */
static int check_capturable(struct target *t, const struct tgt_stat *st,
			    unsigned flags, struct cap_error *err)
{
	uint64_t tgid = 0, tracer = 0;
	char *status = NULL;
	size_t len;
	int ret;

	if (is_kernel_thread(t, st)) {
		tgt_set_err(err, "pid %d is a kernel thread", (int)t->pid);
		return -1;
	}
	ret = tgt_read_at(t->procfd, "status", &status, &len);
	if (ret) {
		tgt_set_err(err, "cannot read /proc/%d/status: %s",
			    (int)t->pid, strerror(-ret));
		return -1;
	}
	if (!tgt_status_u64(status, "Tgid:", 10, &tgid) &&
	    tgid != (uint64_t)t->pid) {
		tgt_set_err(err, "pid %d is a thread of process %" PRIu64
			    "; capture that process", (int)t->pid, tgid);
		ret = -1;
		goto out;
	}
	ret = -1;
	if (st->state == 'X') {
		tgt_set_err(err, "no process with pid %d", (int)t->pid);
		goto out;
	}
	/* A dead leader with live threads still has memory to capture. */
	if (st->state == 'Z' && thread_count(status) <= 1) {
		tgt_set_err(err, "pid %d is a zombie", (int)t->pid);
		goto out;
	}
	if (tgt_status_u64(status, "TracerPid:", 10, &tracer)) {
		tgt_set_err(err, "cannot read TracerPid of pid %d",
			    (int)t->pid);
		goto out;
	}
	/* a series watching for a signal or the exit traces it already */
	if ((flags & TARGET_TRACED_BY_US) && tracer == (uint64_t)getpid())
		tracer = 0;
	t->tracer_pid = (pid_t)tracer;
	if (tracer && !(flags & TARGET_ALLOW_TRACED)) {
		set_traced_err(err, t->pid, (pid_t)tracer);
		goto out;
	}
	ret = 0;
out:
	free(status);
	return ret;
}

int target_open(struct target *t, pid_t pid, struct cap_error *err)
{
	return target_open_flags(t, pid, 0, err);
}

/*
 * The leader is a zombie: if other threads run on (it called pthread_exit),
 * the memory is seen through one of them.  With none alive the process is
 * exiting: say so.
 */
static int open_live_thread(struct target *t, struct cap_error *err)
{
	char path[64];
	int *tids = NULL;
	size_t n = 0, i;
	struct tgt_stat st;

	if (tgt_list_numeric(t->procfd, "task", &tids, &n))
		n = 0;
	for (i = 0; i < n; i++) {
		if (tids[i] == t->pid)
			continue;
		snprintf(path, sizeof(path), "task/%d/stat", tids[i]);
		if (tgt_read_stat(t->procfd, path, &st) || st.state == 'Z' ||
		    st.state == 'X')
			continue;
		snprintf(path, sizeof(path), "task/%d", tids[i]);
		t->mmfd = openat(t->procfd, path,
				 O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (t->mmfd >= 0) {
			t->mm_pid = tids[i];
			free(tids);
			return 0;
		}
	}
	free(tids);
	t->mmfd = t->procfd;
	tgt_set_err(err, "pid %d is exiting: its main thread is a zombie and "
		    "no other thread is alive", (int)t->pid);
	return -1;
}

int target_open_flags(struct target *t, pid_t pid, unsigned flags,
		      struct cap_error *err)
{
	struct tgt_stat st, again;
	char path[64];
	int ret;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->mm_pid = pid;
	t->pidfd = -1;
	t->procfd = -1;
	t->mmfd = -1;
	if (pid <= 0) {
		tgt_set_err(err, "invalid pid %d", (int)pid);
		return -1;
	}
	if (pid == getpid()) {
		tgt_set_err(err, "pid %d is memsnap itself", (int)pid);
		return -1;
	}
	if (pid == getppid()) {
		tgt_set_err(err, "pid %d is memsnap's parent", (int)pid);
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	t->procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->procfd < 0) {
		if ((errno == ENOENT || errno == ESRCH) &&
		    access("/proc/self/stat", F_OK))
			/* a chroot or a bare container: nothing is readable */
			tgt_set_err(err, "/proc is not mounted (no /proc/self): "
				    "mount it (mount -t proc proc /proc) or run "
				    "memsnap where it is");
		else if (errno == ENOENT || errno == ESRCH)
			tgt_set_err(err, "no process with pid %d", (int)pid);
		else
			tgt_set_err(err, "cannot open %s: %s", path,
				    strerror(errno));
		return -1;
	}
	t->mmfd = t->procfd;
	ret = tgt_read_stat(t->procfd, "stat", &st);
	if (ret) {
		if (ret == -ESRCH || ret == -ENOENT)
			tgt_set_err(err, "no process with pid %d", (int)pid);
		else
			tgt_set_err(err, "cannot read /proc/%d/stat: %s",
				    (int)pid, strerror(-ret));
		goto fail;
	}
	if (check_capturable(t, &st, flags, err))
		goto fail;

#ifdef SYS_pidfd_open
	t->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (t->pidfd < 0)
		t->pidfd = -1;  /* old kernel, or a zombie leader: procfd pins */
#endif
	/*
	 * procfd stays bound to the process it was opened on; if that one is
	 * still alive now, the pidfd names the same process.
	 */
	ret = tgt_read_stat(t->procfd, "stat", &again);
	if (ret || again.start_time != st.start_time) {
		tgt_set_err(err, "no process with pid %d (it exited while "
			    "being opened)", (int)pid);
		goto fail;
	}
	t->start_time = st.start_time;
	memcpy(t->comm, st.comm, sizeof(t->comm));
	if (st.state == 'Z' && open_live_thread(t, err))
		goto fail;
	return 0;

fail:
	target_close(t);
	return -1;
}

void target_close(struct target *t)
{
	size_t i;

	if (t->frozen)
		target_thaw(t);
	for (i = 0; i < t->nthreads; i++)
		free(t->threads[i].xstate);
	free(t->threads);
	t->threads = NULL;
	t->nthreads = 0;
	if (t->pidfd >= 0)
		close(t->pidfd);
	if (t->mmfd >= 0 && t->mmfd != t->procfd)
		close(t->mmfd);
	if (t->procfd >= 0)
		close(t->procfd);
	t->pidfd = -1;
	t->procfd = -1;
	t->mmfd = -1;
}

bool target_same(const struct target *t)
{
	struct pollfd pfd;
	struct tgt_stat st;

	if (t->procfd < 0)
		return false;
	/* A pidfd polls readable once the process has exited. */
	if (t->pidfd >= 0) {
		pfd.fd = t->pidfd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN))
			return false;
	}
	if (tgt_read_stat(t->procfd, "stat", &st))
		return false;
	return st.start_time == t->start_time && st.state != 'X';
}
