// SPDX-License-Identifier: MIT
/*
 * manifest.c - assemble the manifest (formats/MANIFEST.md, schema 1.0).
 * Strings that come from the target go through yout_bytes(), which turns
 * anything not printable UTF-8 into !!binary.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cow.h"
#include "manifest.h"
#include "yaml_out.h"
#include "target_facts.h"

#define SCHEMA "1.2"

void manifest_time(const struct timespec *ts, char *buf, size_t size)
{
	struct tm tm;
	char s[32];

	if (!gmtime_r(&ts->tv_sec, &tm) ||
	    !strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(buf, size, "1970-01-01T00:00:00.000000000Z");
		return;
	}
	snprintf(buf, size, "%s.%09ldZ", s, ts->tv_nsec);
}

static void kv_time(struct yout *y, const char *key, const struct timespec *ts)
{
	char buf[48];

	manifest_time(ts, buf, sizeof(buf));
	yout_kv_str(y, key, buf);
}

static void emit_tool(struct yout *y, const struct cap_options *o)
{
	int i;

	yout_key(y, "memsnap");
	yout_map_begin(y);
	yout_kv_str(y, "schema", SCHEMA);
	yout_kv_str(y, "version", MEMSNAP_VERSION);
	yout_key(y, "command");
	yout_seq_begin(y);
	for (i = 0; i < o->argc; i++)
		yout_bytes(y, o->argv[i], strlen(o->argv[i]));
	yout_seq_end(y);
	yout_map_end(y);
}

/* What the pre-copy read, and how much of it the frozen pass kept. */
static void emit_precopy(struct yout *y, const struct precopy *pc)
{
	yout_key(y, "precopy");
	yout_map_begin(y);
	yout_kv_str(y, "verify_hash", "xxh3-128-keyed");
	yout_kv_u64(y, "run_ns", pc->run_ns);
	yout_kv_u64(y, "verify_ns", pc->verify_ns);
	yout_kv_u64(y, "estimate_ns", pc->estimate_ns);
	yout_kv_u64(y, "pages_changed_estimate", pc->changed_estimate);
	yout_kv_u64(y, "pages_read", pc->pages_read);
	yout_kv_u64(y, "pages_verified", pc->pages_verified);
	yout_kv_u64(y, "pages_kept", pc->pages_adopted);
	yout_kv_u64(y, "pages_copied_frozen", pc->pages_copied);
	yout_kv_u64(y, "regions_kept_whole", pc->regions_whole);
	yout_kv_u64(y, "segments_kept_after_change", pc->segments_kept);
	yout_map_end(y);
}

/* What --cow read where; the intervention itself is a top-level key. */
static void emit_cow(struct yout *y, const struct cow_facts *cf)
{
	yout_key(y, "cow");
	yout_map_begin(y);
	yout_kv_u64(y, "regions_copied_frozen", cf->regions_copied_frozen);
	yout_kv_u64(y, "pages_copied_frozen", cf->pages_copied_frozen);
	yout_kv_u64(y, "pages_from_child", cf->pages_from_child);
	if (cf->reap_frozen_ns)
		yout_kv_u64(y, "reap_frozen_ns", cf->reap_frozen_ns);
	yout_map_end(y);
}

static void emit_capture(struct yout *y, const struct capture_facts *c)
{
	struct timespec now;
	char id[33];

	msnap_hex(c->id, sizeof(c->id), id);
	clock_gettime(CLOCK_REALTIME, &now);
	yout_key(y, "capture");
	yout_map_begin(y);
	yout_kv_str(y, "id", id);
	yout_kv_str(y, "mode", c->mode);
	yout_kv_bool(y, "complete", c->complete);
	kv_time(y, "started", &c->started);
	if (c->was_frozen) {
		kv_time(y, "frozen_at", &c->frozen_at);
		kv_time(y, "thawed_at", &c->thawed_at);
	}
	kv_time(y, "ended", &now);
	if (c->was_frozen)
		yout_kv_u64(y, "frozen_ns", c->frozen_ns);
	if (c->copy_ns)
		yout_kv_u64(y, "copy_ns", c->copy_ns);
	if (c->buffer_bytes)
		yout_kv_u64(y, "buffer_bytes", c->buffer_bytes);
	if (c->streamed_while_frozen)
		yout_kv_bool(y, "streamed_while_frozen", true);
	if (c->method)
		yout_kv_str(y, "method", c->method);
	if (c->precopy)
		emit_precopy(y, c->precopy);
	if (c->cow)
		emit_cow(y, c->cow);
	if (c->parent) {
		char hex[65];

		yout_key(y, "parent");
		yout_map_begin(y);
		yout_kv_str(y, "file", c->parent->name);
		msnap_hex(c->parent->capture_id, 16, hex);
		yout_kv_str(y, "id", hex);
		msnap_hex(c->parent->file_sha256, 32, hex);
		yout_kv_str(y, "sha256", hex);
		yout_map_end(y);
	}
	yout_kv_u64(y, "zstd_level", (uint64_t)c->opt->level);
	yout_kv_u64(y, "threads", c->threads);
	yout_kv_u64(y, "chunk_bytes", c->chunk_bytes);
	yout_kv_str(y, "page_scan", c->page_scan);
	if (c->target_exited)
		yout_kv_bool(y, "target_exited", true);
	if (c->opt->shot) {
		yout_key(y, "trigger");
		yout_map_begin(y);
		yout_kv_u64(y, "sequence", c->opt->shot->seq);
		yout_kv_str(y, "reason", c->opt->shot->reason);
		if (c->opt->shot->cost)
			yout_kv_str(y, "cost", c->opt->shot->cost);
		yout_map_end(y);
	}
	yout_map_end(y);
}

static void emit_region_file(struct yout *y, const struct region *r)
{
	struct timespec mt;

	if (!r->file_ok && !r->build_id_len)
		return;
	yout_key(y, "file");
	yout_map_begin(y);
	if (r->file_ok) {
		mt.tv_sec = r->file_mtime_sec;
		mt.tv_nsec = r->file_mtime_nsec;
		yout_kv_u64(y, "size", r->file_size);
		kv_time(y, "mtime", &mt);
	}
	if (r->build_id_len) {
		yout_key(y, "build_id");
		yout_hexbytes(y, r->build_id, r->build_id_len);
	}
	yout_map_end(y);
}

static void emit_pages(struct yout *y, const struct msnap_region_summary *s)
{
	yout_key(y, "pages");
	yout_map_begin(y);
	yout_kv_u64(y, "data", s->pages[MSNAP_PAGE_DATA]);
	yout_kv_u64(y, "zero", s->pages[MSNAP_PAGE_ZERO]);
	yout_kv_u64(y, "absent", s->pages[MSNAP_PAGE_ABSENT]);
	yout_kv_u64(y, "swapped", s->pages[MSNAP_PAGE_SWAPPED]);
	yout_kv_u64(y, "unreadable", s->pages[MSNAP_PAGE_UNREADABLE]);
	if (s->pages[MSNAP_PAGE_PARENT])
		yout_kv_u64(y, "parent", s->pages[MSNAP_PAGE_PARENT]);
	yout_map_end(y);
}

/* A sequence of [first, count] page runs, absent when empty. */
static void emit_runs(struct yout *y, const char *key,
		      const struct msnap_run *runs, size_t n)
{
	size_t i;

	if (!n)
		return;
	yout_key(y, key);
	yout_seq_begin(y);
	for (i = 0; i < n; i++) {
		yout_flow_seq_begin(y);
		yout_u64(y, runs[i].first);
		yout_u64(y, runs[i].count);
		yout_seq_end(y);
	}
	yout_seq_end(y);
}

static int emit_region(struct yout *y, const struct region *r, uint32_t index,
		       const struct msnap_writer *w,
		       const struct stored_files *files, bool layout_only,
		       struct cap_error *err)
{
	const struct msnap_region_summary *s = msnap_writer_region(w, index);
	char dev[32];
	size_t i;

	if (!s || s->start != r->start || s->end != r->end) {
		snprintf(err->msg, sizeof(err->msg),
			 "internal error: region %u has no summary", index);
		return -1;
	}
	snprintf(dev, sizeof(dev), "%02x:%02x", r->dev_major, r->dev_minor);
	yout_map_begin(y);
	yout_kv_u64(y, "index", index);
	yout_kv_hex(y, "start", r->start);
	yout_kv_hex(y, "end", r->end);
	yout_kv_str(y, "perms", r->perms);
	yout_kv_u64(y, "offset", r->offset);
	yout_kv_str(y, "dev", dev);
	yout_kv_u64(y, "inode", r->inode);
	yout_kv_bytes(y, "path", r->path, r->path_len);
	yout_kv_str(y, "kind", region_kind_name(r->kind));
	if (r->name)
		yout_kv_bytes(y, "name", r->name, r->name_len);
	yout_key(y, "vmflags");
	yout_flow_seq_begin(y);
	for (i = 0; i < r->nvmflags; i++)
		yout_str(y, r->vmflags[i]);
	yout_seq_end(y);
	if (r->nsmaps) {
		yout_key(y, "smaps");
		yout_map_begin(y);
		for (i = 0; i < r->nsmaps; i++)
			yout_kv_u64(y, r->smaps[i].key, r->smaps[i].value);
		yout_map_end(y);
	}
	emit_region_file(y, r);
	if (files && files_find(files, r) >= 0)
		yout_kv_u64(y, "stored_file", (uint64_t)files_find(files, r));
	emit_pages(y, s);
	if (r->nprivate_copies) {
		yout_key(y, "private_copies");
		yout_seq_begin(y);
		for (i = 0; i < r->nprivate_copies; i++) {
			yout_flow_seq_begin(y);
			yout_u64(y, r->private_copies[i].first);
			yout_u64(y, r->private_copies[i].count);
			yout_seq_end(y);
		}
		yout_seq_end(y);
	}
	emit_runs(y, "from_swap", r->from_swap, r->nfrom_swap);
	if (!layout_only) {
		yout_key(y, "sha256");
		yout_hexbytes(y, s->sha256, sizeof(s->sha256));
	}
	yout_kv_u64(y, "stored_bytes", s->stored_bytes);
	yout_kv_u64(y, "compressed_bytes", s->compressed_bytes);
	if (r->skip)
		yout_kv_str(y, "skipped", r->skip);
	yout_map_end(y);
	return 0;
}

int manifest_begin_frozen(struct capture_facts *c, const struct target *t,
			  struct cap_errors *errs)
{
	c->early = yout_new();
	if (!c->early)
		return -1;
	yout_map_begin(c->early);
	emit_host(c->early);
	emit_process(c->early, t, errs);
	emit_threads(c->early, t);
	return 0;
}

int manifest_build(const struct capture_facts *c, const struct target *t,
		   const struct region_list *regions,
		   const struct stored_files *files,
		   const struct msnap_writer *w, struct cap_errors *errs,
		   char **yaml, size_t *len, struct cap_error *err)
{
	struct msnap_error merr;
	struct yout *y = c->early ? c->early : yout_new();
	size_t i;
	int ret = -1;

	if (!y) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	if (!c->early)
		yout_map_begin(y);
	emit_tool(y, c->opt);
	emit_capture(y, c);
	if (c->cow && c->cow->child)
		cow_emit(y, c->cow->child);
	if (!c->early) {
		emit_host(y);
		emit_process(y, t, errs);
		emit_threads(y, t);
	}
	yout_key(y, "regions");
	yout_seq_begin(y);
	for (i = 0; i < regions->n; i++)
		if (emit_region(y, &regions->v[i], (uint32_t)i, w, files,
				c->opt->layout_only, err))
			goto out;
	yout_seq_end(y);
	files_emit(y, files, regions);
	errors_emit(y, errs);
	yout_map_end(y);
	if (yout_finish(y, yaml, len, &merr)) {
		snprintf(err->msg, sizeof(err->msg), "cannot build the manifest: %.400s",
			 merr.msg);
		goto out;
	}
	ret = 0;
out:
	yout_free(y);
	return ret;
}
