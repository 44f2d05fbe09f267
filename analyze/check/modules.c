// SPDX-License-Identifier: MIT
/*
 * modules.c - the modules of a snapshot: its file-backed regions grouped
 * by file, each bound to the reference copy that is provably the file the
 * process loaded (elfref.c reads it), with its load bias.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "modules.h"

const char *module_base_name(const struct module *m)
{
	const char *s = strrchr(m->path, '/');

	return s ? s + 1 : m->path;
}

static bool file_backed(const struct snap_region *g)
{
	return g->in_manifest && g->path.s && g->path.len &&
	       g->path.s[0] == '/' && strlen(g->path.s) == g->path.len &&
	       (g->kind_id == MSNAP_KIND_FILE ||
		g->kind_id == MSNAP_KIND_DELETED ||
		g->kind_id == MSNAP_KIND_MEMFD);
}

/* What the capture recorded about the file behind region i. */
static void recorded_identity(struct module *m, const struct snap *s,
			      uint32_t i)
{
	const struct snap_region *g = &s->regions[i];
	const struct snap_file_ident *f = &g->file;

	if (!g->in_manifest)
		return;
	if (g->dev.s)
		snprintf(m->dev, sizeof(m->dev), "%s", g->dev.s);
	memcpy(m->rec_build_id, f->build_id, f->build_id_len);
	m->rec_build_id_len = f->build_id_len;
	m->rec_has_size = f->has_size;
	m->rec_size = f->has_size ? f->size : 0;
	if (f->mtime.s)
		snprintf(m->rec_mtime, sizeof(m->rec_mtime), "%s", f->mtime.s);
}

static void fmt_mtime(const struct stat *st, char *buf, size_t size)
{
	struct tm tm;
	char s[32];

	if (!gmtime_r(&st->st_mtim.tv_sec, &tm) ||
	    !strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm)) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, size, "%s.%09ldZ", s, st->st_mtim.tv_nsec);
}

/*
 * Is this candidate the file the process loaded?  build-id first, then
 * size + mtime, then (this machine only) device:inode.  0 if it is.
 */
static int identity_matches(const struct module *m, const struct elfref *r,
			    const struct stat *st, bool host, char *why,
			    size_t whylen)
{
	char have[130], want[130], mt[48], dev[16];

	if (m->rec_build_id_len) {
		if (r->build_id_len == m->rec_build_id_len &&
		    !memcmp(r->build_id, m->rec_build_id, r->build_id_len))
			return 0;
		msnap_hex(r->build_id, r->build_id_len, have);
		msnap_hex(m->rec_build_id, m->rec_build_id_len, want);
		return elfref_fail(why, whylen,
			    "%s has build-id %s, the process loaded %s",
			    r->path, r->build_id_len ? have : "(none)", want);
	}
	if (!st)
		return 0;       /* the capture's own copy */
	if (m->rec_has_size && m->rec_mtime[0]) {
		fmt_mtime(st, mt, sizeof(mt));
		if ((uint64_t)st->st_size == m->rec_size &&
		    !strcmp(mt, m->rec_mtime))
			return 0;
		return elfref_fail(why, whylen,
			    "%s has size %lld and mtime %s, the loaded file %" PRIu64
			    " and %s", r->path, (long long)st->st_size, mt,
			    m->rec_size, m->rec_mtime);
	}
	if (host && m->inode && m->dev[0]) {
		snprintf(dev, sizeof(dev), "%02x:%02x", major(st->st_dev),
			 minor(st->st_dev));
		if ((uint64_t)st->st_ino == m->inode && !strcmp(dev, m->dev))
			return 0;
		return elfref_fail(why, whylen,
			    "%s is %s:%llu, the loaded file was %s:%" PRIu64,
			    r->path, dev, (unsigned long long)st->st_ino,
			    m->dev, m->inode);
	}
	return elfref_fail(why, whylen,
		    "the capture recorded no identity (build-id, size, inode) to check %s against",
		    r->path);
}

/* The copy `memsnap --with-files` stored, if any: 0 found, 1 none. */
static int stored_copy(struct snap *s, const struct module *m, uint8_t **data,
		       size_t *size, char *msg, size_t msglen)
{
	const struct snap_region *g = &s->regions[m->first];
	const uint64_t k = g->stored_file;
	const struct msnap_region_info *ri;
	struct msnap_error err;
	uint64_t fsize;
	uint32_t reg;
	uint8_t *buf;

	if (!g->in_manifest || !g->has_stored_file ||
	    snap_stored_file(s, k, &reg, &fsize))
		return 1;
	ri = msnap_region(s->rd, reg);
	if (!ri || fsize > ri->end - ri->start || fsize > ELFREF_MAX_FILE ||
	    fsize < 64)
		return elfref_fail(msg, msglen, "stored file %" PRIu64
			    " does not fit its region", k);
	buf = malloc(fsize);
	if (!buf)
		return elfref_fail(msg, msglen, "out of memory");
	if (msnap_read(s->rd, ri->start, buf, fsize, NULL, &err)) {
		free(buf);
		return elfref_fail(msg, msglen, "stored file %" PRIu64 ": %s", k,
			    err.msg);
	}
	*data = buf;
	*size = fsize;
	return 0;
}

/* Try one candidate path; 0 bound, -1 not it (why says why). */
static int try_candidate(struct module *m, const char *path,
			 const char *source, bool host, char *why,
			 size_t whylen, bool *seen)
{
	struct stat st;
	struct elfref r;
	char msg[400];

	if (stat(path, &st))
		return elfref_fail(why, whylen, "%s: %s", path, strerror(errno));
	*seen = true;
	if (elfref_open_file(&r, path, msg, sizeof(msg))) {
		elfref_free(&r);
		return elfref_fail(why, whylen, "%s", msg);
	}
	if (identity_matches(m, &r, &st, host, why, whylen)) {
		elfref_free(&r);
		return -1;
	}
	r.source = source;
	m->ref = r;
	return 0;
}

/*
 * PATH (from the snapshot) inside SYSROOT, resolved as if SYSROOT were /:
 * neither "..", nor a symbolic link in an extracted image, nor a /proc
 * magic link leads outside it.  The file is then read through the fd.
 */
static int try_sysroot(struct module *m, const char *sysroot,
		       const char *path, char *why, size_t whylen, bool *seen)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char fdpath[64];
	int root, fd, ret;

	root = open(sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return elfref_fail(why, whylen, "%s: %s", sysroot, strerror(errno));
	fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	if (fd < 0) {
		ret = elfref_fail(why, whylen, "%s/%s: %s", sysroot, path,
			   strerror(errno));
		close(root);
		return ret;
	}
	close(root);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	ret = try_candidate(m, fdpath, "sysroot", false, why, whylen, seen);
	close(fd);
	if (!ret) {
		char *shown = NULL;

		/* name the file by where it is, not by the fd it was read from */
		if (asprintf(&shown, "%s/%s", sysroot, path) >= 0) {
			free(m->ref.path);
			m->ref.path = shown;
		}
	}
	return ret;
}

static void strip_deleted(const char *path, char *out, size_t outlen)
{
	static const char suffix[] = " (deleted)";
	size_t n = strlen(path), k = sizeof(suffix) - 1;

	if (n > k && !strcmp(path + n - k, suffix))
		n -= k;
	snprintf(out, outlen, "%.*s", (int)n, path);
}

static void bind_reference(struct module *m, struct snap *s,
			   const struct ref_opts *o)
{
	char path[4096], cand[8192], why[600] = "", msg[400];
	uint8_t *data = NULL;
	size_t size = 0, i;
	bool seen = false;
	struct stat st;
	int r;

	strip_deleted(m->path, path, sizeof(path));
	r = stored_copy(s, m, &data, &size, msg, sizeof(msg));
	if (r < 0)
		snprintf(why, sizeof(why), "%s", msg);
	if (r == 0) {
		seen = true;
		if (elfref_load(&m->ref, data, size, path, msg, sizeof(msg))) {
			snprintf(why, sizeof(why), "stored copy: %s", msg);
			elfref_free(&m->ref);
		} else if (identity_matches(m, &m->ref, NULL, false, why,
					    sizeof(why))) {
			elfref_free(&m->ref);
		} else {
			m->ref.source = "snapshot";
			goto bound;
		}
	}
	if (o->sysroot && !try_sysroot(m, o->sysroot, path, why,
				       sizeof(why), &seen))
		goto bound;
	for (i = 0; i < o->nrefs; i++) {
		if (!stat(o->refs[i], &st) && S_ISDIR(st.st_mode))
			snprintf(cand, sizeof(cand), "%s/%s", o->refs[i],
				 module_base_name(m));
		else
			snprintf(cand, sizeof(cand), "%s", o->refs[i]);
		if (!try_candidate(m, cand, "ref", false, why, sizeof(why),
				   &seen))
			goto bound;
	}
	if (!o->no_host && !m->memfd &&
	    !try_candidate(m, path, "host", true, why, sizeof(why), &seen))
		goto bound;
	m->status = seen ? REF_REPLACED : REF_UNAVAILABLE;
	snprintf(m->status_msg, sizeof(m->status_msg), "%.511s",
		 why[0] ? why : "no reference file");
	return;
bound:
	m->status = REF_OK;
	snprintf(m->status_msg, sizeof(m->status_msg), "%s (%s)",
		 m->ref.path, m->ref.source);
}

/* Load bias from the region that maps the lowest file offset. */
static void compute_bias(struct module *m, const struct snap *s,
			 uint64_t page)
{
	const struct snap_region *g = NULL;
	uint32_t i;
	size_t k;

	if (m->ref.e_type == ET_EXEC) {
		m->bias = 0;
		m->has_bias = true;
	}
	for (i = m->first; i <= m->last && !m->has_bias; i++)
		if (!g || s->regions[i].offset < g->offset)
			g = &s->regions[i];
	for (k = 0; g && k < m->ref.nsegs; k++) {
		const struct elf_seg *e = &m->ref.segs[k];

		if ((e->offset & ~(page - 1)) == g->offset) {
			m->bias = g->start - (e->vaddr & ~(page - 1));
			m->has_bias = true;
			break;
		}
	}
	if (!m->has_bias)
		return;
	m->img_lo = UINT64_MAX;
	for (k = 0; k < m->ref.nsegs; k++) {
		const struct elf_seg *e = &m->ref.segs[k];
		uint64_t lo = m->bias + (e->vaddr & ~(page - 1));
		uint64_t hi = m->bias + e->vaddr + e->memsz;

		if (lo < m->img_lo)
			m->img_lo = lo;
		if (hi > m->img_hi)
			m->img_hi = hi;
	}
}

static void module_key(struct module *m)
{
	const uint8_t *id = m->ref.build_id_len ? m->ref.build_id
						: m->rec_build_id;
	size_t n = m->ref.build_id_len ? m->ref.build_id_len
				       : m->rec_build_id_len;

	if (n)
		msnap_hex(id, n, m->key);
	else
		snprintf(m->key, sizeof(m->key), "%.128s", module_base_name(m));
}

static int add_module(struct modules *ms, size_t *cap, struct snap *s,
		      uint32_t i)
{
	const struct snap_region *g = &s->regions[i];
	struct module *m;

	if (ms->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		struct module *v = realloc(ms->v, nc * sizeof(*v));

		if (!v)
			return -1;
		ms->v = v;
		*cap = nc;
	}
	m = &ms->v[ms->n++];
	memset(m, 0, sizeof(*m));
	m->path = strdup(g->path.s);
	if (!m->path)
		return -1;
	m->inode = g->inode;
	m->first = m->last = i;
	m->lo = g->start;
	m->hi = g->end;
	m->deleted = g->kind_id == MSNAP_KIND_DELETED;
	m->memfd = g->kind_id == MSNAP_KIND_MEMFD || !strncmp(g->path.s, "/memfd:", 7);
	recorded_identity(m, s, i);
	return 0;
}

static bool same_file(const struct module *m, const struct snap_region *g)
{
	return !strcmp(m->path, g->path.s) && m->inode == g->inode;
}

/* Without auxv, the executable is the module at process.exe.path. */
static bool exe_path_is(const struct snap *s, const char *path)
{
	struct snap_bytes exe = { 0 };
	bool same;

	if (snap_fact_bytes(s, "process.exe.path", &exe) || !exe.s)
		return false;
	same = !strcmp(exe.s, path);
	snap_bytes_free(&exe);
	return same;
}

int modules_build(struct modules *ms, struct snap *s,
		  const struct ref_opts *o, char *msg, size_t msglen)
{
	uint64_t page = s->info->page_size ? s->info->page_size : 4096;
	uint64_t at_entry = 0, at_base = 0;
	size_t cap = 0, k, nauxv;
	uint32_t i;

	memset(ms, 0, sizeof(*ms));
	for (i = 0; i < s->manifest_regions; i++) {
		const struct snap_region *g = &s->regions[i];
		struct module *m = ms->n ? &ms->v[ms->n - 1] : NULL;

		if (!file_backed(g))
			continue;
		if (m && m->last + 1 == i && same_file(m, g) &&
		    g->offset != 0) {
			m->last = i;
			m->hi = g->end;
		} else if (add_module(ms, &cap, s, i)) {
			return elfref_fail(msg, msglen, "out of memory");
		}
		m = &ms->v[ms->n - 1];
		if (g->perms[2] == 'x')
			m->executable = true;
	}
	if (snap_fact_count(s, "process.auxv", &nauxv))
		nauxv = 0;
	for (k = 0; k < nauxv; k++) {
		uint64_t type, val;

		if (snap_auxv_at(s, k, &type, &val))
			continue;
		if (type == AT_ENTRY)
			at_entry = val;
		else if (type == AT_BASE)
			at_base = val;
	}
	for (k = 0; k < ms->n; k++) {
		struct module *m = &ms->v[k];

		m->is_exe = at_entry ? at_entry >= m->lo && at_entry < m->hi
				     : exe_path_is(s, m->path);
		m->is_interp = at_base && at_base >= m->lo && at_base < m->hi;
		if (!m->executable) {
			/* Data files (locale, caches) are not code. */
			m->status = REF_NOT_ELF;
			module_key(m);
			continue;
		}
		bind_reference(m, s, o);
		if (m->status == REF_OK)
			compute_bias(m, s, page);
		module_key(m);
	}
	return 0;
}

void modules_free(struct modules *ms)
{
	size_t i;

	for (i = 0; i < ms->n; i++) {
		free(ms->v[i].path);
		elfref_free(&ms->v[i].ref);
	}
	free(ms->v);
	memset(ms, 0, sizeof(*ms));
}

const struct module *modules_at(const struct modules *ms, uint64_t addr)
{
	size_t i;

	for (i = 0; i < ms->n; i++)
		if (addr >= ms->v[i].lo && addr < ms->v[i].hi)
			return &ms->v[i];
	/* The bss past the last file page belongs to its module too. */
	for (i = 0; i < ms->n; i++)
		if (ms->v[i].has_bias && addr >= ms->v[i].img_lo &&
		    addr < ms->v[i].img_hi)
			return &ms->v[i];
	return NULL;
}

void describe_addr(const struct snap *s, const struct modules *ms,
		   uint64_t addr, char *out, size_t outlen)
{
	const struct module *m = modules_at(ms, addr);
	const struct snap_region *g;
	int64_t idx;

	if (m && m->status == REF_OK && m->has_bias) {
		const struct elf_sym *f = NULL;

		if (elfref_in_code(&m->ref, addr - m->bias))
			f = elfref_func_at(&m->ref, addr - m->bias);
		if (f)
			snprintf(out, outlen, "%s+0x%" PRIx64 ":%s+0x%" PRIx64,
				 module_base_name(m), addr - m->bias, f->name,
				 addr - m->bias - f->value);
		else
			snprintf(out, outlen, "%s+0x%" PRIx64,
				 module_base_name(m), addr - m->bias);
		return;
	}
	if (m) {
		snprintf(out, outlen, "%s+0x%" PRIx64 " (from its first mapping)",
			 module_base_name(m), addr - m->lo);
		return;
	}
	idx = msnap_find_region(s->rd, addr);
	if (idx < 0 || (uint64_t)idx >= s->nregions) {
		snprintf(out, outlen, "unmapped");
		return;
	}
	g = &s->regions[idx];
	if (g->path.s && g->path.len && g->path.s[0] == '[')
		snprintf(out, outlen, "%.64s+0x%" PRIx64 " (%s)", g->path.s,
			 addr - g->start, g->perms);
	else if (g->path.s && g->path.len)
		snprintf(out, outlen, "%.200s+0x%" PRIx64 " (%s)", g->path.s,
			 addr - g->start, g->perms);
	else
		snprintf(out, outlen, "anon 0x%" PRIx64 "-0x%" PRIx64 " %s",
			 g->start, g->end, g->perms);
}
