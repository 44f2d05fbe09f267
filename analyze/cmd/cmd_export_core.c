// SPDX-License-Identifier: MIT
/*
 * cmd_export_core.c - memsnap-analyze export-core: an ELF64 x86_64 core
 * file that gdb loads with the process's executable.
 *
 * Layout: ELF header, program headers (PT_NOTE, then one PT_LOAD per
 * region), the notes (core_notes.c), then the contents of every captured
 * region at page-aligned offsets.  The file is sized first and filled with
 * pwritev(): pages never stored (zero, absent) stay holes that read as
 * zeros, and each chunk is decompressed straight into the buffer that is
 * written, so data is copied once.
 *
 * Exit 0: core written; 1: written, but some chunks were damaged and their
 * pages are zeros; 2: nothing written.
 */
#include <elf.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opts.h"
#include "aprogress.h"
#include "core_notes.h"
#include "open_snapshot.h"
#include "snapshot.h"

static const char cmd[] = "export-core";

/* Gaps between stored runs up to this size are written from a zero buffer
 * to save a system call; larger ones stay holes. */
#define ZERO_FILL (64u << 10)
#define MAX_IOV   512
#define MAX_THREADS 64

struct load {
	uint64_t offset;          /* p_offset */
	uint64_t filesz;          /* 0: contents not in the core */
};

static void export_usage(FILE *fp)
{
	fprintf(fp,
		"usage: memsnap-analyze export-core [options] FILE -o CORE\n"
		"\n"
		"  -o, --output CORE     new regular file (mode 0600); then: gdb EXE CORE\n"
		"  -j, --threads N       decompression threads (default: CPUs, at most 4)\n"
		ANA_HELP_PROGRESS
		"\n"
		"example: memsnap-analyze export-core evidence.msnap -o core && gdb /usr/sbin/nginx core\n"
		"\n"
		"exit status: 0 written, 1 written with damaged chunks as zeros,\n"
		"             2 not written\n");
}

static uint32_t perms_flags(const char *perms)
{
	uint32_t f = 0;

	if (perms[0] == 'r')
		f |= PF_R;
	if (perms[0] && perms[1] == 'w')
		f |= PF_W;
	if (perms[0] && perms[1] && perms[2] == 'x')
		f |= PF_X;
	return f;
}

/* Are this region's bytes worth a place in the core? */
static bool region_in_core(const struct snap *s, const struct snap_region *g)
{
	const struct msnap_region_info *ri = g->ri;

	if (s->info->flags & MSNAP_HDR_LAYOUT_ONLY)
		return false;
	if (!g->in_manifest || g->skipped.s || !ri)
		return false;
	/*
	 * A file mapping with no page captured is the file's content: leave
	 * it out and gdb reads it from the file, as with a kernel core.
	 */
	if (g->inode && ri->has_table &&
	    ri->pages[MSNAP_PAGE_DATA] + ri->pages[MSNAP_PAGE_ZERO] == 0)
		return false;
	return true;
}

/*
 * The PT_LOADs of one region.  A file mapping whose pages were partly never
 * loaded (ABSENT) is cut at those runs: they get p_filesz 0, so gdb reads
 * them from the mapped file, as it does with gcore's cores; writing them as
 * zeros would show the debugger (and libthread_db) false memory.  Every
 * other region is one segment.  Calls fn for each; returns how many.
 */
typedef void (*segment_fn)(void *arg, uint64_t vaddr, uint64_t memsz,
			   uint64_t offset, uint64_t filesz);

static uint64_t region_segments(const struct snap *s, const struct snap_region *g,
				const struct load *l, segment_fn fn, void *arg)
{
	const struct msnap_region_info *ri = g->ri;
	const uint64_t ps = s->info->page_size;
	uint64_t n = 0;
	size_t k = 0;

	if (!l->filesz || !g->inode || !ri || !ri->has_table ||
	    !ri->pages[MSNAP_PAGE_ABSENT]) {
		if (fn)
			fn(arg, g->start, g->end - g->start, l->offset, l->filesz);
		return 1;
	}
	while (k < ri->nruns) {
		const bool absent = ri->runs[k].state == MSNAP_PAGE_ABSENT;
		const uint64_t first = ri->runs[k].first;
		uint64_t end = first + ri->runs[k].count;

		for (k++; k < ri->nruns &&
			  (ri->runs[k].state == MSNAP_PAGE_ABSENT) == absent; k++)
			end = ri->runs[k].first + ri->runs[k].count;
		if (fn)
			fn(arg, g->start + first * ps, (end - first) * ps,
			   l->offset + first * ps, absent ? 0 : (end - first) * ps);
		n++;
	}
	return n;
}

struct phdr_sink {
	struct note_sink *ns;
	uint32_t flags;
	uint64_t align;
	struct msnap_error *err;
	int ret;
};

static void put_load(void *arg, uint64_t vaddr, uint64_t memsz,
		     uint64_t offset, uint64_t filesz)
{
	struct phdr_sink *ps = arg;
	Elf64_Phdr ph;

	if (ps->ret)
		return;
	if (ps->ns->cap - ps->ns->used < sizeof(ph)) {
		ps->ret = note_sink_flush(ps->ns, ps->err);
		if (ps->ret)
			return;
	}
	memset(&ph, 0, sizeof(ph));
	ph.p_type = PT_LOAD;
	ph.p_flags = ps->flags;
	ph.p_offset = offset;
	ph.p_vaddr = vaddr;
	ph.p_filesz = filesz;
	ph.p_memsz = memsz;
	ph.p_align = ps->align;
	memcpy(ps->ns->buf + ps->ns->used, &ph, sizeof(ph));
	ps->ns->used += sizeof(ph);
}

static int write_headers(const struct snap *s, int fd, const struct load *ld,
			 uint64_t phnum, uint64_t notes_off, uint64_t notes_size,
			 struct msnap_error *err)
{
	const bool xnum = phnum >= PN_XNUM;
	const uint64_t phoff = sizeof(Elf64_Ehdr);
	const uint64_t shoff = phoff + phnum * sizeof(Elf64_Phdr);
	struct note_sink ns = { .fd = fd, .off = 0 };
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	Elf64_Shdr sh;
	uint32_t i;
	int r;

	ns.cap = 1u << 20;
	ns.buf = malloc(ns.cap);
	if (!ns.buf)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = phoff;
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = xnum ? PN_XNUM : (Elf64_Half)phnum;
	if (xnum) {
		/* Too many segments: the real count is in section 0. */
		eh.e_shoff = shoff;
		eh.e_shentsize = sizeof(Elf64_Shdr);
		eh.e_shnum = 1;
	}
	/* The sink buffers the headers like the notes. */
	memcpy(ns.buf, &eh, sizeof(eh));
	ns.used = sizeof(eh);

	memset(&ph, 0, sizeof(ph));
	ph.p_type = PT_NOTE;
	ph.p_offset = notes_off;
	ph.p_filesz = notes_size;
	ph.p_align = 4;
	memcpy(ns.buf + ns.used, &ph, sizeof(ph));
	ns.used += sizeof(ph);
	for (i = 0; i < s->manifest_regions; i++) {
		const struct snap_region *g = &s->regions[i];
		struct phdr_sink sink = {
			.ns = &ns, .flags = perms_flags(g->perms),
			.align = s->info->page_size, .err = err,
		};

		region_segments(s, g, &ld[i], put_load, &sink);
		if (sink.ret)
			goto fail;
	}
	if (xnum) {
		memset(&sh, 0, sizeof(sh));
		sh.sh_info = (Elf64_Word)phnum;
		if (ns.cap - ns.used < sizeof(sh) && note_sink_flush(&ns, err))
			goto fail;
		memcpy(ns.buf + ns.used, &sh, sizeof(sh));
		ns.used += sizeof(sh);
	}
	r = note_sink_flush(&ns, err);
	free(ns.buf);
	return r;
fail:
	free(ns.buf);
	return -(err->code);
}

/* Write the DATA pages one chunk holds, straight from the decompressed
 * buffer. */
static int write_chunk(int fd, const struct msnap_chunk_info *c,
		       const struct snap_region *g, uint64_t base,
		       uint64_t ps, const uint8_t *raw,
		       const uint8_t *zeros, struct msnap_error *err)
{
	const uint64_t pages = (g->end - g->start) / ps;
	struct iovec iov[MAX_IOV];
	uint64_t pos = 0, span_off = 0, next_page = 0;
	size_t niov = 0, k;
	ssize_t n;
	int iovs_left;

	for (k = 0; k <= c->nruns; k++) {
		const struct msnap_run *run = k < c->nruns ? &c->runs[k] : NULL;
		uint64_t gap = 0;

		if (run) {
			if (run->count == 0 || run->first >= pages ||
			    run->count > pages - run->first ||
			    run->count > (c->raw_size - pos) / ps)
				return msnap_fail(err, MSNAP_E_CORRUPT,
						  (int64_t)c->header_offset,
						  "chunk %" PRIu64 ": its pages do not fit region %u",
						  c->seq, g->index);
			if (niov && run->first >= next_page)
				gap = (run->first - next_page) * ps;
		}
		iovs_left = MAX_IOV - (int)niov;
		/* Flush the span unless this run extends it cheaply. */
		if (niov && (!run || run->first < next_page ||
			     gap > ZERO_FILL || iovs_left < 2)) {
			struct iovec *v = iov;
			size_t left = niov;
			uint64_t off = span_off;

			while (left) {
				n = pwritev(fd, v, (int)left, (off_t)off);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0)
					return msnap_fail_errno(err, "writing the core");
				off += (uint64_t)n;
				while (left && (size_t)n >= v->iov_len) {
					n -= (ssize_t)v->iov_len;
					v++;
					left--;
				}
				if (left) {
					v->iov_base = (char *)v->iov_base + n;
					v->iov_len -= (size_t)n;
				}
			}
			niov = 0;
			gap = 0;
		}
		if (!run)
			break;
		if (!niov)
			span_off = base + run->first * ps;
		if (gap) {
			iov[niov].iov_base = (void *)zeros;
			iov[niov++].iov_len = gap;
		}
		iov[niov].iov_base = (void *)(raw + pos);
		iov[niov++].iov_len = run->count * ps;
		pos += run->count * ps;
		next_page = run->first + run->count;
	}
	if (pos != c->raw_size)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)c->header_offset,
				  "chunk %" PRIu64 ": runs cover %" PRIu64
				  " bytes, the chunk holds %" PRIu64,
				  c->seq, pos, c->raw_size);
	return 0;
}

/* One writer thread: chunks first, first + step, ... with its own reader. */
struct data_job {
	struct snap *s;
	struct msnap_reader *rd;     /* NULL: open one on s->fd */
	int fd;
	const struct load *ld;
	uint64_t first, step;
	uint64_t damaged;
	int ret;
	struct msnap_error err;
	struct progress *prog;
};

static void *data_worker(void *arg)
{
	struct data_job *j = arg;
	struct snap *s = j->s;
	const uint64_t ps = s->info->page_size;
	struct msnap_reader *own = NULL, *rd = j->rd;
	const struct msnap_chunk_info *c;
	struct msnap_error cerr;
	uint8_t *raw = NULL, *zeros = NULL;
	uint64_t i, n;

	if (!rd) {
		/* a clone: the same view, parents included */
		j->ret = msnap_reader_clone(&own, s->rd, &j->err);
		if (j->ret)
			return NULL;
		rd = own;
	}
	/* One chunk at most: bounded whatever the snapshot says. */
	raw = malloc(MSNAP_MAX_CHUNK_RAW);
	zeros = calloc(1, ZERO_FILL);
	if (!raw || !zeros) {
		j->ret = msnap_fail(&j->err, MSNAP_E_NOMEM, -1, "out of memory");
		goto out;
	}
	n = msnap_chunk_count(rd);
	for (i = j->first; i < n; i += j->step) {
		memset(&cerr, 0, sizeof(cerr));
		c = msnap_chunk(rd, i);
		if (!c) {
			/* msnap_chunk_read() says why. */
			msnap_chunk_read(rd, i, raw, &cerr);
			ana_warn(cmd, "chunk %" PRIu64 " left out (its pages are zeros): %s",
				 i, cerr.msg);
			j->damaged++;
			continue;
		}
		if (c->region >= s->manifest_regions || !j->ld[c->region].filesz)
			continue;
		if (c->raw_size > MSNAP_MAX_CHUNK_RAW || c->raw_size % ps) {
			j->ret = msnap_fail(&j->err, MSNAP_E_LIMIT,
					    (int64_t)c->header_offset,
					    "chunk %" PRIu64 ": bad size %" PRIu64,
					    i, c->raw_size);
			break;
		}
		if (msnap_chunk_read(rd, i, raw, &cerr)) {
			ana_warn(cmd, "chunk %" PRIu64 " left out (its pages are zeros): %s",
				 i, cerr.msg);
			j->damaged++;
			continue;
		}
		j->ret = write_chunk(j->fd, c, &s->regions[c->region],
				     j->ld[c->region].offset, ps, raw, zeros,
				     &j->err);
		msnap_progress_add(j->prog, c->raw_size);
		if (j->ret)
			break;
	}
out:
	free(raw);
	free(zeros);
	msnap_close(own);
	return NULL;
}

/*
 * Fill every PT_LOAD from the chunks, decompressing on `threads` threads
 * (each with its own reader: readers are not shared); *damaged counts
 * chunks left out.
 */
static int write_data(struct snap *s, int fd, const struct load *ld,
		      unsigned threads, uint64_t *damaged,
		      struct progress *prog, struct msnap_error *err)
{
	struct data_job jobs[MAX_THREADS];
	pthread_t tids[MAX_THREADS];
	bool started[MAX_THREADS] = { false };
	unsigned k;
	int r = 0;

	if (threads < 1)
		threads = 1;
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	for (k = 0; k < threads; k++) {
		jobs[k] = (struct data_job){
			.s = s, .rd = k ? NULL : s->rd, .fd = fd, .ld = ld,
			.first = k, .step = threads, .prog = prog,
		};
	}
	for (k = 1; k < threads; k++)
		started[k] = pthread_create(&tids[k], NULL, data_worker,
					    &jobs[k]) == 0;
	data_worker(&jobs[0]);
	for (k = 1; k < threads; k++) {
		if (started[k]) {
			pthread_join(tids[k], NULL);
			continue;
		}
		/* No thread: do its share here. */
		data_worker(&jobs[k]);
	}
	for (k = 0; k < threads; k++) {
		*damaged += jobs[k].damaged;
		if (jobs[k].ret && !r) {
			r = jobs[k].ret;
			*err = jobs[k].err;
		}
	}
	return r;
}

/*
 * An incremental snapshot's chunks hold only what changed since its
 * parent: write the regions that have pages of the parent once more,
 * through the reader, which takes those from the parent.
 */
static int write_parent_pages(struct snap *s, int fd, const struct load *ld,
			      struct msnap_error *err)
{
	const uint64_t ps = s->info->page_size, piece = 256;
	uint8_t *buf = NULL, *st = NULL;
	uint32_t i;
	int r = 0;

	for (i = 0; i < s->manifest_regions && !r; i++) {
		const struct snap_region *g = &s->regions[i];
		uint64_t p, k, n, pages;

		if (!ld[i].filesz || !g->ri || !g->ri->own_pages[MSNAP_PAGE_PARENT])
			continue;
		if (!buf && (!(buf = malloc(piece * ps)) || !(st = malloc(piece)))) {
			r = msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
			break;
		}
		pages = (g->end - g->start) / ps;
		for (p = 0; p < pages && !r; p += n) {
			n = pages - p < piece ? pages - p : piece;
			r = msnap_read(s->rd, g->start + p * ps, buf, n * ps, st, err);
			for (k = 0; !r && k < n; k++)
				if (st[k] == MSNAP_PAGE_DATA &&
				    pwrite(fd, buf + k * ps, ps,
					   (off_t)(ld[i].offset + (p + k) * ps)) != (ssize_t)ps)
					r = msnap_fail_errno(err, "writing the core");
		}
	}
	free(buf);
	free(st);
	return r;
}

/* Place every segment; returns the total file size in *size. */
static int plan(const struct snap *s, struct load *ld, uint64_t notes_off,
		uint64_t notes_size, uint64_t *size, struct msnap_error *err)
{
	const uint64_t ps = s->info->page_size;
	uint64_t off = notes_off + notes_size, len;
	uint32_t i;

	off = (off + ps - 1) / ps * ps;
	for (i = 0; i < s->manifest_regions; i++) {
		const struct snap_region *g = &s->regions[i];

		if (g->start % ps || g->end % ps)
			return msnap_fail(err, MSNAP_E_CORRUPT, -1,
					  "region %u is not page aligned", i);
		ld[i].offset = off;
		ld[i].filesz = 0;
		if (!region_in_core(s, g))
			continue;
		len = g->end - g->start;
		if (off > (uint64_t)INT64_MAX - len)
			return msnap_fail(err, MSNAP_E_LIMIT, -1,
					  "the core would exceed 2^63 bytes");
		ld[i].filesz = len;
		off += len;
	}
	*size = off;
	return 0;
}

static int check_machine(const struct snap *s, struct msnap_error *err)
{
	struct snap_bytes m;
	bool ok = true;

	if (snap_fact_bytes(s, "host.machine", &m) == 0) {
		ok = m.len == 6 && !memcmp(m.s, "x86_64", 6);
		snap_bytes_free(&m);
	}
	if (!ok)
		return msnap_fail(err, MSNAP_E_INVAL, -1,
				  "the snapshot is not of an x86_64 process");
	return 0;
}

static int export_core(struct snap *s, int fd, unsigned threads,
		       uint64_t *damaged, struct progress *prog,
		       struct msnap_error *err)
{
	struct note_sink count = { .fd = -1 }, ns = { .fd = fd };
	struct load *ld = NULL;
	size_t *order = NULL;
	uint64_t phnum, notes_off, size = 0;
	int r;

	r = check_machine(s, err);
	if (!r)
		r = snap_load_regions(s, err);
	if (!r)
		r = snap_load_threads(s, err);
	if (!r)
		r = core_thread_order(s, &order, err);
	if (r)
		return r;
	if (!s->nthreads)
		ana_warn(cmd, "the manifest lists no threads: the core has no registers");
	ld = calloc(s->manifest_regions + 1, sizeof(*ld));
	if (!ld) {
		r = msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
		goto out;
	}
	/*
	 * How many segments there are depends on the plan, and the plan on
	 * where the notes end: plan once to count, then again for real.
	 */
	r = core_emit_notes(s, order, &count, NULL, err);
	if (!r)
		r = plan(s, ld, 0, count.size, &size, err);
	if (r)
		goto out;
	phnum = 1;
	for (uint32_t i = 0; i < s->manifest_regions; i++)
		phnum += region_segments(s, &s->regions[i], &ld[i], NULL, NULL);
	notes_off = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr) +
		    (phnum >= PN_XNUM ? sizeof(Elf64_Shdr) : 0);
	r = plan(s, ld, notes_off, count.size, &size, err);
	if (r)
		goto out;
	/* Sized first: what is never written stays a hole of zeros. */
	if (ftruncate(fd, (off_t)size)) {
		r = msnap_fail_errno(err, "sizing the core to %" PRIu64 " bytes",
				     size);
		goto out;
	}
	r = write_headers(s, fd, ld, phnum, notes_off, count.size, err);
	if (r)
		goto out;
	ns.off = notes_off;
	ns.cap = 1u << 20;
	ns.buf = malloc(ns.cap);
	if (!ns.buf) {
		r = msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
		goto out;
	}
	r = core_emit_notes(s, order, &ns, cmd, err);
	if (!r && ns.size != count.size)
		r = msnap_fail(err, MSNAP_E_STATE, -1,
			       "notes changed size between passes");
	if (!r)
		r = write_data(s, fd, ld, threads, damaged, prog, err);
	if (!r && msnap_parent(s->rd))
		r = write_parent_pages(s, fd, ld, err);
out:
	free(ns.buf);
	free(ld);
	free(order);
	return r;
}

int cmd_export_core(int argc, char **argv)
{
	struct ana_common co = { 0 };
	struct ana_getopt g;
	struct progress prog;
	struct msnap_error err = { 0 };
	const char *out_path = NULL;
	uint64_t damaged = 0;
	struct snap s;
	int c, fd, r, ret = ANA_EXIT_ERROR;

	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t threads = ncpu < 1 ? 1 : ncpu > 4 ? 4 : (uint64_t)ncpu;

	ana_getopt_init(&g, cmd);
	while ((c = ana_getopt_next(&g, argc, argv)) != ANA_OPT_END) {
		switch (c) {
		case ANA_O_OUTPUT: out_path = optarg; break;
		case ANA_O_THREADS:
			if (ana_parse_u64(optarg, false, &threads) ||
			    threads < 1 || threads > MAX_THREADS) {
				ana_usage_error(cmd, "--threads wants 1 to %d, not '%s'",
						MAX_THREADS, optarg);
				return ANA_EXIT_ERROR;
			}
			break;
		case ANA_O_HELP:
			export_usage(stdout);
			return ANA_EXIT_OK;
		default:
			if (ana_common_option(&co, c))
				break;
			return ANA_EXIT_ERROR;
		}
	}
	if (ana_operands(&g, argc, argv, 1, 1, "one snapshot FILE"))
		return ANA_EXIT_ERROR;
	if (!out_path) {
		ana_usage_error(cmd, "-o CORE is required (a core must be seekable)");
		return ANA_EXIT_ERROR;
	}
	if (!strcmp(out_path, "-")) {
		ana_err(cmd, "a core is written to a regular file, not stdout");
		return ANA_EXIT_ERROR;
	}
	if (ana_open_snapshot(cmd, argv[optind], ANA_OPEN_NEED_ROOT, &s))
		return ANA_EXIT_ERROR;
	fd = ana_create_output(cmd, out_path);
	if (fd < 0)
		goto out;
	ana_progress_begin(&prog, &co, "export-core", ana_stored_bytes(s.rd),
			   NULL);
	r = export_core(&s, fd, (unsigned)threads, &damaged, &prog, &err);
	ana_progress_end(&prog, NULL);
	if (close(fd) && !r)
		r = msnap_fail_errno(&err, "closing %s", out_path);
	if (r) {
		ana_err_msnap(cmd, &err);
		unlink(out_path);
		goto out;
	}
	ret = damaged ? ANA_EXIT_DAMAGED : ANA_EXIT_OK;
out:
	snap_close(&s);
	return ret;
}
