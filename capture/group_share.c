// SPDX-License-Identifier: MIT
/*
 * group_share.c - which members of a group share memory: their MAP_SHARED
 * mappings (files, shm, memfd, shared anonymous memory inherited by fork)
 * of the same device and inode.  A member may run again only when every
 * frozen member that maps what it maps writable has been read, or its
 * writes would reach that member's snapshot after the instant.
 *
 * Read-only shared mappings do not hold anyone back: nearly every process
 * maps glibc's gconv-modules.cache r--s, and waiting on those made the
 * whole group wait for its last read.  A mapping made writable by
 * mprotect after the thaw is not foreseen (plain maps does not show
 * VM_MAYWRITE; smaps would, at the cost of a page walk per mapping).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group_int.h"
#include "target_int.h"

static int cmp_key(const void *a, const void *b)
{
	const struct share_key *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return (x->ino > y->ino) - (x->ino < y->ino);
}

static int push_key(struct share_key **v, size_t *n, size_t *cap,
		    struct share_key k)
{
	struct share_key *grown;

	if (*n == *cap) {
		grown = reallocarray(*v, *cap ? 2 * *cap : 8, sizeof(*grown));
		if (!grown)
			return -1;
		*v = grown;
		*cap = *cap ? 2 * *cap : 8;
	}
	(*v)[(*n)++] = k;
	return 0;
}

static bool has_key(const struct share_key *v, size_t n, uint64_t dev,
		    uint64_t ino)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].dev == dev && v[i].ino == ino)
			return true;
	return false;
}

/*
 * Are the bytes of some shared mapping in m's snapshot?  --scope code
 * reads only executable mappings and the other mappings of their files
 * (scope.c); exec lists what m maps executable.
 */
static bool reads_shared(const struct member *m, const struct share_key *exec,
			 size_t nexec)
{
	size_t i;

	if (m->opt.layout_only)
		return false;
	if (!m->opt.scope_code)
		return m->nshared > 0;
	for (i = 0; i < m->nshared; i++)
		if (has_key(exec, nexec, m->shared[i].dev, m->shared[i].ino))
			return true;
	return false;
}

void member_read_shared(struct member *m)
{
	struct share_key *exec = NULL, k;
	size_t nexec = 0, capexec = 0;
	unsigned maj, min;
	unsigned long long ino;
	char perms[8], path[48], *text, *line, *nl;
	size_t cap = 0, len, i, n;
	int ret;

	free(m->shared);
	m->shared = NULL;
	m->nshared = 0;
	m->shared_unknown = false;
	m->reads_shared = true;
	/* opt.pid, not st.pid: a worker may be rewriting st (read_identity) */
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)m->opt.pid);
	ret = tgt_read_at(AT_FDCWD, path, &text, &len);
	if (ret) {
		/* gone: it shares nothing any more; else assume the worst */
		m->shared_unknown = ret != -ESRCH && ret != -ENOENT;
		return;
	}
	for (line = text; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line) - 1;
		if (sscanf(line, "%*x-%*x %7s %*x %x:%x %llu", perms, &maj, &min,
			   &ino) != 4)
			continue;
		if (!ino)
			continue;       /* private anonymous memory */
		k = (struct share_key){ (uint64_t)maj << 32 | min, ino,
					perms[1] == 'w' };
		if ((perms[2] == 'x' && push_key(&exec, &nexec, &capexec, k)) ||
		    (perms[3] == 's' &&
		     push_key(&m->shared, &m->nshared, &cap, k))) {
			m->shared_unknown = true;       /* out of memory */
			break;
		}
	}
	free(text);
	/* sorted and without repeats, for member_writes_into() */
	if (m->nshared)     /* qsort(NULL, 0) is undefined */
		qsort(m->shared, m->nshared, sizeof(*m->shared), cmp_key);
	for (i = n = 0; i < m->nshared; i++) {
		if (n && !cmp_key(&m->shared[n - 1], &m->shared[i]))
			m->shared[n - 1].writable |= m->shared[i].writable;
		else
			m->shared[n++] = m->shared[i];
	}
	m->nshared = n;
	m->reads_shared = m->shared_unknown || reads_shared(m, exec, nexec);
	free(exec);
}

bool member_writes_into(const struct member *a, const struct member *b)
{
	size_t i = 0, j = 0;
	int c;

	if (a->shared_unknown || b->shared_unknown)
		return true;
	while (i < a->nshared && j < b->nshared) {
		c = cmp_key(&a->shared[i], &b->shared[j]);
		if (!c && a->shared[i].writable)
			return true;
		if (!c) {
			i++;
			j++;
		} else if (c < 0)
			i++;
		else
			j++;
	}
	return false;
}
