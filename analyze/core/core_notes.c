// SPDX-License-Identifier: MIT
/* core_notes.c - the notes of an ELF core, from a snapshot's manifest. */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <unistd.h>

#include "cli.h"
#include "core_notes.h"
#include "core_xstate.h"

_Static_assert(sizeof(elf_gregset_t) == sizeof(struct user_regs_struct),
	       "pr_reg holds a user_regs_struct");

static uint64_t pad4(uint64_t n)
{
	return (n + 3) & ~(uint64_t)3;
}

int note_sink_flush(struct note_sink *ns, struct msnap_error *err)
{
	size_t done = 0;
	ssize_t n;

	while (ns->fd >= 0 && done < ns->used) {
		n = pwrite(ns->fd, ns->buf + done, ns->used - done,
			   (off_t)ns->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ns->error = errno;
			return msnap_fail_errno(err, "writing the notes");
		}
		done += (size_t)n;
		ns->off += (uint64_t)n;
	}
	ns->used = 0;
	return 0;
}

static void sink_put(struct note_sink *ns, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t take;

	ns->size += len;
	if (ns->fd < 0 || ns->error)
		return;
	while (len) {
		if (ns->used == ns->cap && note_sink_flush(ns, NULL))
			return;
		take = ns->cap - ns->used;
		if (take > len)
			take = len;
		if (p)
			memcpy(ns->buf + ns->used, p, take);
		else
			memset(ns->buf + ns->used, 0, take);
		ns->used += take;
		len -= take;
		if (p)
			p += take;
	}
}

/* One note: header, name, desc in up to two parts, each padded to 4. */
static void note2(struct note_sink *ns, const char *name, uint32_t type,
		  const void *d1, size_t n1, const void *d2, size_t n2)
{
	const size_t namesz = strlen(name) + 1, descsz = n1 + n2;
	Elf64_Nhdr h = {
		.n_namesz = (Elf64_Word)namesz,
		.n_descsz = (Elf64_Word)descsz,
		.n_type = type,
	};

	sink_put(ns, &h, sizeof(h));
	sink_put(ns, name, namesz);
	sink_put(ns, NULL, pad4(namesz) - namesz);
	sink_put(ns, d1, n1);
	if (n2)
		sink_put(ns, d2, n2);
	sink_put(ns, NULL, pad4(descsz) - descsz);
}

static void note(struct note_sink *ns, const char *name, uint32_t type,
		 const void *desc, size_t len)
{
	note2(ns, name, type, desc, len, NULL, 0);
}

int core_thread_order(const struct snap *s, size_t **order,
		      struct msnap_error *err)
{
	uint64_t pid = 0;
	size_t i, k = 0, *o;

	o = calloc(s->nthreads ? s->nthreads : 1, sizeof(*o));
	if (!o)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	snap_fact_u64(s, "process.pid", &pid);
	for (i = 0; i < s->nthreads; i++)
		if (s->threads[i].tid == pid)
			o[k++] = i;
	for (i = 0; i < s->nthreads; i++)
		if (s->threads[i].tid != pid)
			o[k++] = i;
	*order = o;
	return 0;
}

/* /proc state letter to the number the kernel's core dumps use. */
static char state_number(char letter)
{
	static const char letters[] = "RSDTZXx";
	const char *p = letter ? strchr(letters, letter) : NULL;

	return p ? (char)(p - letters) : 0;
}

static void emit_prpsinfo(const struct snap *s, struct note_sink *ns)
{
	struct elf_prpsinfo ps;
	struct snap_bytes b;
	uint64_t v;
	size_t i, n, used = 0, take;

	memset(&ps, 0, sizeof(ps));
	if (s->nthreads) {
		size_t *order = NULL;

		if (core_thread_order(s, &order, NULL) == 0) {
			ps.pr_sname = s->threads[order[0]].state[0];
			ps.pr_state = state_number(ps.pr_sname);
		}
		free(order);
	}
	if (snap_fact_u64(s, "process.pid", &v) == 0)
		ps.pr_pid = (int)v;
	if (snap_fact_u64(s, "process.ppid", &v) == 0)
		ps.pr_ppid = (int)v;
	if (snap_fact_u64_at(s, "process.uid", 0, &v) == 0)
		ps.pr_uid = (__pr_uid_t)v;
	if (snap_fact_u64_at(s, "process.gid", 0, &v) == 0)
		ps.pr_gid = (__pr_gid_t)v;
	if (snap_fact_bytes(s, "process.comm", &b) == 0) {
		memcpy(ps.pr_fname, b.s, b.len < sizeof(ps.pr_fname) - 1
					 ? b.len : sizeof(ps.pr_fname) - 1);
		snap_bytes_free(&b);
	}
	/* Arguments separated by spaces, cut to fit, NUL-terminated. */
	if (snap_fact_count(s, "process.cmdline", &n))
		n = 0;
	for (i = 0; i < n; i++) {
		if (snap_fact_bytes_at(s, "process.cmdline", i, &b))
			continue;
		if (used && used < sizeof(ps.pr_psargs) - 1)
			ps.pr_psargs[used++] = ' ';
		take = sizeof(ps.pr_psargs) - 1 - used;
		if (take > strnlen(b.s, b.len))
			take = strnlen(b.s, b.len);
		memcpy(ps.pr_psargs + used, b.s, take);
		used += take;
		snap_bytes_free(&b);
	}
	note(ns, "CORE", NT_PRPSINFO, &ps, sizeof(ps));
}

/* gdb's $_siginfo: the stop's signal as the capture recorded it (0: none). */
static void emit_siginfo(const struct snap_thread *t, struct note_sink *ns)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = t->signo;
	si.si_code = t->si_code;
	si.si_errno = t->si_errno;
	note(ns, "CORE", NT_SIGINFO, &si, sizeof(si));
}

static void emit_xstate(const struct snap_thread *t, struct note_sink *ns,
			const char *warn_cmd)
{
	uint8_t gdb[CORE_XSTATE_MAX];
	size_t n = core_xstate_for_gdb(t->xstate, t->xstate_len, gdb);

	if (n) {
		note(ns, "LINUX", NT_X86_XSTATE, gdb, n);
		return;
	}
	if (warn_cmd)
		ana_warn(warn_cmd, "thread %llu: XSAVE layout of %zu bytes not known to gdb: written as captured",
			 (unsigned long long)t->tid, t->xstate_len);
	note(ns, "LINUX", NT_X86_XSTATE, t->xstate, t->xstate_len);
}

static void emit_thread(const struct snap *s, const struct snap_thread *t,
			struct note_sink *ns, const char *warn_cmd)
{
	struct elf_prstatus st;
	uint64_t v;

	memset(&st, 0, sizeof(st));
	st.pr_pid = (__pid_t)t->tid;
	if (snap_fact_u64(s, "process.ppid", &v) == 0)
		st.pr_ppid = (__pid_t)v;
	if (snap_fact_u64(s, "process.pid", &v) == 0)
		st.pr_pgrp = (__pid_t)v;
	/*
	 * As gcore writes a live process: no current signal (the capture's
	 * own stop is not one the process got); how the thread was stopped
	 * goes in NT_SIGINFO.
	 */
	st.pr_cursig = 0;
	st.pr_sigpend = t->sigpending;
	st.pr_sighold = t->sigmask;
	if (t->has_regs)
		memcpy(&st.pr_reg, &t->regs, sizeof(st.pr_reg));
	else if (warn_cmd)
		ana_warn(warn_cmd, "thread %llu: no registers recorded (zeros in the core)",
			 (unsigned long long)t->tid);
	st.pr_fpvalid = t->fpregs != NULL;
	note(ns, "CORE", NT_PRSTATUS, &st, sizeof(st));
	emit_siginfo(t, ns);
	if (t->fpregs)
		note(ns, "CORE", NT_PRFPREG, t->fpregs,
		     sizeof(struct user_fpregs_struct));
	if (t->xstate)
		emit_xstate(t, ns, warn_cmd);
}

static void emit_auxv(const struct snap *s, struct note_sink *ns)
{
	Elf64_auxv_t a;
	size_t i, n;
	uint64_t type, val;
	bool ended = false;

	if (snap_fact_count(s, "process.auxv", &n))
		return;
	if (n > SNAP_MAX_AUXV)
		n = SNAP_MAX_AUXV;
	/* Count the usable entries first: the note header comes first. */
	{
		size_t good = 0;

		for (i = 0; i < n && !ended; i++) {
			if (snap_auxv_at(s, i, &type, &val))
				continue;
			good++;
			ended = type == AT_NULL;
		}
		if (!ended)
			good++;
		{
			Elf64_Nhdr h = {
				.n_namesz = 5,
				.n_descsz = (Elf64_Word)(good * sizeof(a)),
				.n_type = NT_AUXV,
			};

			sink_put(ns, &h, sizeof(h));
			sink_put(ns, "CORE\0\0\0", 8);
		}
	}
	ended = false;
	for (i = 0; i < n && !ended; i++) {
		if (snap_auxv_at(s, i, &type, &val))
			continue;
		a.a_type = type;
		a.a_un.a_val = val;
		sink_put(ns, &a, sizeof(a));
		ended = type == AT_NULL;
	}
	if (!ended) {
		memset(&a, 0, sizeof(a));
		sink_put(ns, &a, sizeof(a));
	}
}

static bool file_backed(const struct snap_region *g)
{
	return g->in_manifest && g->inode && g->path.s && g->path.len &&
	       g->path.s[0] == '/';
}

/* NT_FILE: count, page size, (start, end, offset in pages)..., names. */
static void emit_files(const struct snap *s, struct note_sink *ns)
{
	const uint64_t ps = s->info->page_size;
	uint64_t count = 0, names = 0, desc, trip[3];
	uint32_t i;
	const struct snap_region *g;

	for (i = 0; i < s->manifest_regions; i++) {
		g = &s->regions[i];
		if (!file_backed(g))
			continue;
		count++;
		names += strnlen(g->path.s, g->path.len) + 1;
	}
	if (!count)
		return;
	desc = 16 + count * 24 + names;
	if (desc > UINT32_MAX)
		return;         /* cannot be described in one note */
	{
		Elf64_Nhdr h = {
			.n_namesz = 5,
			.n_descsz = (Elf64_Word)desc,
			.n_type = NT_FILE,
		};
		uint64_t head[2] = { count, ps };

		sink_put(ns, &h, sizeof(h));
		sink_put(ns, "CORE\0\0\0", 8);
		sink_put(ns, head, sizeof(head));
	}
	for (i = 0; i < s->manifest_regions; i++) {
		g = &s->regions[i];
		if (!file_backed(g))
			continue;
		trip[0] = g->start;
		trip[1] = g->end;
		trip[2] = g->offset / ps;
		sink_put(ns, trip, sizeof(trip));
	}
	for (i = 0; i < s->manifest_regions; i++) {
		g = &s->regions[i];
		if (!file_backed(g))
			continue;
		sink_put(ns, g->path.s, strnlen(g->path.s, g->path.len));
		sink_put(ns, "", 1);
	}
	sink_put(ns, NULL, pad4(desc) - desc);
}

int core_emit_notes(const struct snap *s, const size_t *order,
		    struct note_sink *ns, const char *warn_cmd,
		    struct msnap_error *err)
{
	size_t i;

	emit_prpsinfo(s, ns);
	for (i = 0; i < s->nthreads; i++)
		emit_thread(s, &s->threads[order[i]], ns, warn_cmd);
	emit_auxv(s, ns);
	emit_files(s, ns);
	if (ns->error) {
		errno = ns->error;
		return msnap_fail_errno(err, "writing the notes");
	}
	return note_sink_flush(ns, err);
}
