// SPDX-License-Identifier: MIT
/*
 * maps.c - the region list.  smaps text gives every mapping (vsyscall
 * included), its figures and VmFlags; PROCMAP_QUERY, where the kernel has
 * it, gives the unescaped path and the build-id of each.  Everything is
 * read through the /proc/PID directory fd, never through target paths.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>

#include "maps.h"

/* linux/fs.h of kernel 6.11; Debian 12's headers predate it. */
#ifndef PROCMAP_QUERY
struct procmap_query {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};
#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
#endif

#define MAX_TEXT (1u << 30)     /* smaps of a million mappings, roughly */
#define MAX_PATH_BYTES 8192

static int fail(struct cap_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct cap_error *err, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

/* The whole of a /proc file, NUL-terminated. */
static int read_text(int procfd, const char *name, char **out, size_t *len,
		     struct cap_error *err)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap), *nb;
	ssize_t got;
	int fd;

	if (!buf)
		return fail(err, "out of memory");
	fd = openat(procfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fail(err, "cannot open /proc/PID/%s: %s", name, strerror(errno));
		free(buf);
		return -1;
	}
	for (;;) {
		if (cap - n < 4096) {
			if (cap >= MAX_TEXT) {
				fail(err, "/proc/PID/%s is too large", name);
				goto fail;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				fail(err, "out of memory");
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			fail(err, "cannot read /proc/PID/%s: %s", name,
			     strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
fail:
	close(fd);
	free(buf);
	return -1;
}

static struct region *push_region(struct region_list *l)
{
	struct region *nv;
	size_t ncap;

	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 64;
		nv = realloc(l->v, ncap * sizeof(*nv));
		if (!nv)
			return NULL;
		l->v = nv;
		l->cap = ncap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

static bool parse_hex(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;
	int d;

	if (s == end || !isxdigit((unsigned char)*s))
		return false;
	while (s < end && isxdigit((unsigned char)*s)) {
		d = isdigit((unsigned char)*s) ? *s - '0' :
			tolower((unsigned char)*s) - 'a' + 10;
		if (v >> 60)
			return false;
		v = v << 4 | (uint64_t)d;
		s++;
	}
	*p = s;
	*out = v;
	return true;
}

static bool parse_dec(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (s == end || !isdigit((unsigned char)*s))
		return false;
	while (s < end && isdigit((unsigned char)*s)) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		s++;
	}
	*p = s;
	*out = v;
	return true;
}

static bool expect(const char **p, const char *end, char c)
{
	if (*p == end || **p != c)
		return false;
	(*p)++;
	return true;
}

static void skip_spaces(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
}

static bool set_path(struct region *r, const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (!p)
		return false;
	memcpy(p, s, n);
	p[n] = '\0';
	free(r->path);
	r->path = p;
	r->path_len = n;
	return true;
}

/* "start-end perms offset maj:min inode   path" */
static int parse_header(struct region_list *l, const char *s, const char *end,
			struct cap_error *err)
{
	uint64_t start, end_addr, offset, maj, min, inode;
	const char *p = s;
	struct region *r;

	if (!parse_hex(&p, end, &start) || !expect(&p, end, '-') ||
	    !parse_hex(&p, end, &end_addr) || !expect(&p, end, ' ') ||
	    end - p < 5 || p[4] != ' ')
		goto bad;
	if (start >= end_addr)
		goto bad;
	if (l->n && start < l->v[l->n - 1].end)
		return fail(err, "maps: regions out of order at %" PRIx64,
			    start);
	r = push_region(l);
	if (!r)
		return fail(err, "out of memory");
	r->start = start;
	r->end = end_addr;
	memcpy(r->perms, p, 4);
	r->perms[4] = '\0';
	p += 4;
	skip_spaces(&p, end);
	if (!parse_hex(&p, end, &offset) || !expect(&p, end, ' ') ||
	    !parse_hex(&p, end, &maj) || !expect(&p, end, ':') ||
	    !parse_hex(&p, end, &min) || !expect(&p, end, ' ') ||
	    !parse_dec(&p, end, &inode) || maj > UINT32_MAX || min > UINT32_MAX) {
		l->n--;
		goto bad;
	}
	r->offset = offset;
	r->dev_major = (uint32_t)maj;
	r->dev_minor = (uint32_t)min;
	r->inode = inode;
	skip_spaces(&p, end);
	if (!set_path(r, p, (size_t)(end - p))) {
		l->n--;
		return fail(err, "out of memory");
	}
	return 0;
bad:
	return fail(err, "maps: cannot parse line: %.80s", s);
}

static int add_vmflags(struct region *r, const char *p, const char *end)
{
	size_t n = 0, i = 0;
	const char *s;

	for (s = p; s < end; s++)
		if (*s != ' ' && (s == p || s[-1] == ' '))
			n++;
	free(r->vmflags);
	r->vmflags = calloc(n ? n : 1, sizeof(*r->vmflags));
	if (!r->vmflags)
		return -1;
	while (p < end && i < n) {
		skip_spaces(&p, end);
		s = p;
		while (p < end && *p != ' ')
			p++;
		if (p > s) {
			/* flags are two letters; keep at most two */
			r->vmflags[i][0] = s[0];
			r->vmflags[i][1] = p - s > 1 ? s[1] : '\0';
			r->vmflags[i][2] = '\0';
			i++;
		}
	}
	r->nvmflags = i;
	return 0;
}

/* "Rss:   12 kB" and friends, "VmFlags: rd wr ..." */
static int parse_field(struct region *r, const char *s, const char *end,
		       struct cap_error *err)
{
	const char *colon = memchr(s, ':', (size_t)(end - s)), *p;
	struct smaps_field *f, *nf;
	size_t klen, i;
	uint64_t v;

	if (!colon)
		return 0;
	klen = (size_t)(colon - s);
	p = colon + 1;
	skip_spaces(&p, end);
	if (klen == 7 && !memcmp(s, "VmFlags", 7))
		return add_vmflags(r, p, end) ? fail(err, "out of memory") : 0;
	if (!parse_dec(&p, end, &v))
		return 0;       /* not a number: nothing to keep */
	if (klen == 0 || klen > sizeof(f->key) - 4)
		return 0;
	nf = realloc(r->smaps, (r->nsmaps + 1) * sizeof(*nf));
	if (!nf)
		return fail(err, "out of memory");
	r->smaps = nf;
	f = &r->smaps[r->nsmaps++];
	for (i = 0; i < klen; i++)
		f->key[i] = (char)tolower((unsigned char)s[i]);
	f->key[klen] = '\0';
	skip_spaces(&p, end);
	if (end - p >= 2 && !memcmp(p, "kB", 2))
		strcat(f->key, "_kb");
	f->value = v;
	return 0;
}

static bool is_header(const char *s, const char *end)
{
	const char *p = s;

	while (p < end && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
		p++;
	return p > s && p < end && *p == '-';
}

int maps_parse_text(const char *text, size_t len, struct region_list *out,
		    struct cap_error *err)
{
	const char *p = text, *end = text + len, *eol;

	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if (is_header(p, eol)) {
			if (parse_header(out, p, eol, err))
				return -1;
		} else if (eol > p) {
			if (!out->n)
				return fail(err, "smaps: field before any mapping");
			if (parse_field(&out->v[out->n - 1], p, eol, err))
				return -1;
		}
		p = eol + 1;
	}
	return 0;
}

/* Path bytes and build-id from the kernel, where it answers for r. */
static bool query_region(int mapsfd, struct region *r, char *name,
			 size_t name_size)
{
	struct procmap_query q;

	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.query_addr = r->start;
	q.vma_name_addr = (uint64_t)(uintptr_t)name;
	q.vma_name_size = (uint32_t)name_size;
	q.build_id_addr = (uint64_t)(uintptr_t)r->build_id;
	q.build_id_size = sizeof(r->build_id);
	if (ioctl(mapsfd, PROCMAP_QUERY, &q))
		return false;
	if (q.vma_start != r->start || q.vma_end != r->end)
		return true;    /* changed under us (live mode): keep the text */
	if (q.build_id_size <= sizeof(r->build_id))
		r->build_id_len = q.build_id_size;
	if (q.vma_name_size > 0 && q.vma_name_size <= name_size &&
	    name[q.vma_name_size - 1] == '\0')
		set_path(r, name, q.vma_name_size - 1);
	return true;
}

static void stat_file(int procfd, struct region *r)
{
	char link[64];
	struct stat st;

	if (!r->inode)
		return;
	snprintf(link, sizeof(link), "map_files/%" PRIx64 "-%" PRIx64,
		 r->start, r->end);
	/* follows the kernel's magic link: the mapped file itself */
	if (fstatat(procfd, link, &st, 0))
		return;
	r->file_ok = true;
	r->file_size = (uint64_t)st.st_size;
	r->file_nlink = (uint64_t)st.st_nlink;
	r->file_mtime_sec = st.st_mtim.tv_sec;
	r->file_mtime_nsec = st.st_mtim.tv_nsec;
}

/* Reads of a changing region list before giving up. */
#define MAPS_READ_ATTEMPTS 16

int maps_read(int procfd, struct region_list *out, struct cap_error *err)
{
	char *text = NULL, *name = NULL;
	size_t len = 0, i;
	bool queried = false;
	int mapsfd;

	int attempt;

	/*
	 * A process that runs (--no-freeze) can change its mappings while
	 * the kernel prints them page by page: regions then come out of
	 * order.  Read again; a stopped process always reads consistently.
	 */
	for (attempt = 0;; attempt++) {
		memset(out, 0, sizeof(*out));
		if (read_text(procfd, "smaps", &text, &len, err))
			return -1;
		if (!maps_parse_text(text, len, out, err))
			break;
		free(text);
		maps_free(out);
		if (attempt == MAPS_READ_ATTEMPTS - 1)
			return -1;
	}
	free(text);
	out->source = "smaps";

	mapsfd = openat(procfd, "maps", O_RDONLY | O_CLOEXEC);
	name = malloc(MAX_PATH_BYTES);
	if (mapsfd >= 0 && name) {
		for (i = 0; i < out->n; i++) {
			if (!query_region(mapsfd, &out->v[i], name,
					  MAX_PATH_BYTES)) {
				if (errno == ENOTTY || errno == EINVAL)
					break;  /* kernel < 6.11 */
				continue;       /* vsyscall: not a VMA */
			}
			queried = true;
		}
	}
	if (queried)
		out->source = "procmap_query";
	free(name);
	if (mapsfd >= 0)
		close(mapsfd);
	for (i = 0; i < out->n; i++)
		stat_file(procfd, &out->v[i]);
	return 0;
}

static bool path_is(const struct region *r, const char *s)
{
	return !strcmp(r->path, s);
}

static bool path_starts(const struct region *r, const char *s)
{
	return !strncmp(r->path, s, strlen(s));
}

static bool path_ends(const struct region *r, const char *s)
{
	const size_t n = strlen(s);

	return r->path_len >= n && !memcmp(r->path + r->path_len - n, s, n);
}

static enum region_kind kind_of(struct region *r)
{
	const bool shared = r->perms[3] == 's';

	if (path_is(r, "[heap]"))
		return KIND_HEAP;
	if (path_is(r, "[stack]"))
		return KIND_STACK;
	if (path_is(r, "[vdso]"))
		return KIND_VDSO;
	if (path_starts(r, "[vvar"))
		return KIND_VVAR;
	if (path_is(r, "[vsyscall]"))
		return KIND_VSYSCALL;
	if (path_starts(r, "[anon:") && path_ends(r, "]")) {
		r->name = r->path + 6;
		r->name_len = r->path_len - 7;
		return KIND_ANON;
	}
	if (path_starts(r, "[anon_shmem:") && path_ends(r, "]")) {
		r->name = r->path + 12;
		r->name_len = r->path_len - 13;
		return KIND_SHMEM;
	}
	if (path_starts(r, "/memfd:"))
		return KIND_MEMFD;
	/* shared anonymous memory and SysV segments live on shmem files */
	if (path_is(r, "/dev/zero (deleted)") || path_starts(r, "/SYSV"))
		return KIND_SHMEM;
	/*
	 * The suffix is all maps says, and a file may be named so: when
	 * map_files could be read, its link count decides.
	 */
	if (path_ends(r, " (deleted)") && !(r->file_ok && r->file_nlink))
		return KIND_DELETED;
	if (r->path[0] == '/')
		return KIND_FILE;
	if (r->path[0] == '\0') {
		if (!memcmp(r->perms, "---", 3))
			return KIND_GUARD;
		return shared ? KIND_SHMEM : KIND_ANON;
	}
	return KIND_OTHER;
}

static const char *skip_reason(const struct region *r, bool layout_only)
{
	if (layout_only)
		return "layout_only";
	if (r->kind == KIND_VVAR)
		return "vvar";
	if (r->kind == KIND_VSYSCALL)
		return "vsyscall";
	if (region_has_vmflag(r, "io"))
		return "io";
	if (region_has_vmflag(r, "pf"))
		return "pfnmap";
	if (r->kind == KIND_GUARD)
		return "guard";
	if (r->perms[0] != 'r')
		return "prot_none";
	return NULL;
}

void maps_classify(struct region_list *l, bool layout_only)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		l->v[i].kind = kind_of(&l->v[i]);
		l->v[i].skip = skip_reason(&l->v[i], layout_only);
	}
}

struct region *maps_find(struct region_list *l, uint64_t addr)
{
	size_t lo = 0, hi = l->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (addr < l->v[mid].start)
			hi = mid;
		else if (addr >= l->v[mid].end)
			lo = mid + 1;
		else
			return &l->v[mid];
	}
	return NULL;
}

const char *region_kind_name(enum region_kind k)
{
	return msnap_region_kind_name((enum msnap_region_kind)k);
}

bool region_has_vmflag(const struct region *r, const char *flag)
{
	size_t i;

	for (i = 0; i < r->nvmflags; i++)
		if (!strcmp(r->vmflags[i], flag))
			return true;
	return false;
}

void maps_free(struct region_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].vmflags);
		free(l->v[i].smaps);
		free(l->v[i].private_copies);
		free(l->v[i].from_swap);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}
