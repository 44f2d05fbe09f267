// SPDX-License-Identifier: MIT
/*
 * swapread.c - read swapped-out pages from the swap areas themselves.
 *
 * Every area is opened O_DIRECT: the kernel writes swap slots with bios
 * that bypass the page cache of a swap file (and of a swap partition's
 * block device), so a buffered read could be served stale bytes.  Where a
 * read could not be the page's true content, the page is refused with a
 * reason instead (swapread.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include "swapread.h"

#define MAX_READ_PAGES 256              /* 1 MiB per read with 4 KiB pages */
#define SWAP_MAGIC "SWAPSPACE2"
#define HDR_INFO 1024                   /* union swap_header: bootbits[1024] */
#define HDR_BADPAGES (HDR_INFO + 12 + 16 + 16 + 117 * 4)
#define FIEMAP_BATCH 256

static const char *const why_names[SWAP_WHY_N] = {
	[SWAP_READ_OK] = "ok",
	[SWAP_WHY_NOT_SWAPPED] = "not_swapped",
	[SWAP_WHY_NO_OFFSET] = "no_offset",
	[SWAP_WHY_ZSWAP] = "zswap",
	[SWAP_WHY_ZRAM] = "zram",
	[SWAP_WHY_NO_AREA] = "no_area",
	[SWAP_WHY_AREA] = "area_unusable",
	[SWAP_WHY_PAST_END] = "past_end",
	[SWAP_WHY_NOT_IN_USE] = "slot_not_in_use",
	[SWAP_WHY_UNWRITTEN] = "unwritten_extent",
	[SWAP_WHY_SHORT_READ] = "short_read",
	[SWAP_WHY_CHANGED] = "entry_changed",
	[SWAP_WHY_BUDGET] = "over_budget",
	[SWAP_WHY_TYPE_UNPROVEN] = "type_unproven",
};

static const char *const why_texts[SWAP_WHY_N] = {
	[SWAP_READ_OK] = "read from swap",
	[SWAP_WHY_NOT_SWAPPED] = "the pagemap entry is not a swap entry",
	[SWAP_WHY_NO_OFFSET] = "pagemap hides swap offsets without CAP_SYS_ADMIN",
	[SWAP_WHY_ZSWAP] = "zswap may hold the page compressed in RAM, the swap area a stale slot",
	[SWAP_WHY_ZRAM] = "the swap area is a zram device (compressed RAM)",
	[SWAP_WHY_NO_AREA] = "no swap area has this swap type",
	[SWAP_WHY_AREA] = "the swap area cannot be read or verified",
	[SWAP_WHY_PAST_END] = "the swap offset lies past the area's last page",
	[SWAP_WHY_NOT_IN_USE] = "the swap slot is not in use (header, bad page or empty area)",
	[SWAP_WHY_UNWRITTEN] = "the slot lies in an unwritten extent of the swap file (read as zeros through the file) and its block device cannot be used",
	[SWAP_WHY_SHORT_READ] = "reading the swap area failed or came back short",
	[SWAP_WHY_CHANGED] = "the page's swap entry changed while it was read",
	[SWAP_WHY_BUDGET] = "past the memory budget for pages read from swap",
	[SWAP_WHY_TYPE_UNPROVEN] = "which /proc/swaps line has this swap type could not be proven",
};

const char *swap_why_name(enum swap_why w)
{
	return (unsigned)w < SWAP_WHY_N ? why_names[w] : "unknown";
}

const char *swap_why_text(enum swap_why w)
{
	return (unsigned)w < SWAP_WHY_N ? why_texts[w] : "unknown reason";
}

/* ---- finding the areas --------------------------------------------------- */

/* /proc/swaps escapes " \t\n\\" in paths as \ooo (seq_file_path). */
static void unescape(const char *s, size_t len, char *out, size_t size)
{
	size_t i = 0, o = 0;

	while (i < len && o + 1 < size) {
		if (s[i] == '\\' && i + 3 < len &&
		    s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
			out[o++] = (char)(((s[i + 1] - '0') << 6) |
					  ((s[i + 2] - '0') << 3) |
					  (s[i + 3] - '0'));
			i += 4;
			continue;
		}
		out[o++] = s[i++];
	}
	out[o] = '\0';
}

/* One line: "PATH TYPE SIZE USED PRIO" (sizes in KiB). */
static int parse_line(struct swap_reader *sr, const char *line, size_t len,
		      struct swap_area *a)
{
	char kind[16];
	unsigned long long size_kb, used_kb;
	const char *sp = memchr(line, ' ', len);
	const char *tab = memchr(line, '\t', len);
	const char *end = sp && (!tab || sp < tab) ? sp : tab;
	char rest[128];
	size_t rl;

	if (!end || end == line)
		return -1;
	unescape(line, (size_t)(end - line), a->path, sizeof(a->path));
	rl = len - (size_t)(end - line);
	if (rl >= sizeof(rest))
		return -1;
	memcpy(rest, end, rl);
	rest[rl] = '\0';
	if (sscanf(rest, "%15s %llu %llu", kind, &size_kb, &used_kb) != 3)
		return -1;
	a->is_file = !strcmp(kind, "file");
	a->size_pages = size_kb * 1024 / sr->page_size;
	a->used_pages = used_kb * 1024 / sr->page_size;
	return 0;
}

/* The page-aligned buffer for headers and unaligned destinations. */
static int map_bounce(struct swap_reader *sr, struct cap_error *err)
{
	if (sr->bounce)
		return 0;
	sr->bounce_pages = MAX_READ_PAGES;
	sr->bounce = mmap(NULL, sr->bounce_pages * sr->page_size,
			  PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	if (sr->bounce != MAP_FAILED)
		return 0;
	sr->bounce = NULL;
	snprintf(err->msg, sizeof(err->msg), "out of memory");
	return -1;
}

int swapread_parse(struct swap_reader *sr, const char *text,
		   struct cap_error *err)
{
	const char *line = strchr(text, '\n'), *nl;
	struct swap_area *v;
	size_t len;

	if (!sr->page_size)
		sr->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	if (map_bounce(sr, err))
		return -1;
	while (line && *++line) {       /* the first line is the header */
		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line) : strlen(line);
		v = reallocarray(sr->areas, sr->n + 1, sizeof(*v));
		if (!v) {
			snprintf(err->msg, sizeof(err->msg), "out of memory");
			return -1;
		}
		sr->areas = v;
		memset(&v[sr->n], 0, sizeof(v[sr->n]));
		v[sr->n].fd = -1;
		swapext_init(&v[sr->n].ext);
		if (len && parse_line(sr, line, len, &v[sr->n]) == 0) {
			/* listed in swap_info[] order, free slots skipped */
			v[sr->n].type = (unsigned)sr->n;
			sr->n++;
		}
		line = nl;
	}
	return 0;
}

static int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return -1;
	got = read(fd, buf, size - 1);
	close(fd);
	if (got < 0)
		return -1;
	buf[got] = '\0';
	return 0;
}

/*
 * zswap keeps swapped pages compressed in RAM, with a swap slot allocated
 * but not written (it is written only if zswap evicts the page later), and
 * nothing outside debugfs tells which slots it holds.  A page is in one
 * place or the other, never authoritative in both, so while zswap is on or
 * still holds pages (turning it off does not empty its pool) no slot read
 * can be trusted: every page is refused.
 */
static void check_zswap(struct swap_reader *sr)
{
	char buf[8192], *p;
	unsigned long long kb = 0;

	if (!read_small("/sys/module/zswap/parameters/enabled", buf,
			sizeof(buf)) && buf[0] == 'Y') {
		sr->all_why = SWAP_WHY_ZSWAP;
		snprintf(sr->all_detail, sizeof(sr->all_detail),
			 "zswap is enabled (/sys/module/zswap/parameters/enabled)");
		return;
	}
	if (read_small("/proc/meminfo", buf, sizeof(buf)))
		return;
	p = strstr(buf, "\nZswapped:");
	if (!p)
		p = strstr(buf, "\nZswap:");
	if (p && sscanf(strchr(p, ':') + 1, "%llu", &kb) == 1 && kb) {
		sr->all_why = SWAP_WHY_ZSWAP;
		snprintf(sr->all_detail, sizeof(sr->all_detail),
			 "zswap holds %llu kB of pages (/proc/meminfo)", kb);
	}
}

/* The area's reason, "PATH: what" (the path cut to fit). */
static void refuse_area(struct swap_area *a, enum swap_why w,
			const char *what)
{
	a->why = w;
	snprintf(a->detail, sizeof(a->detail), "%.100s: %.50s", a->path, what);
}

/* A block device whose sysfs name is zramN (/sys/dev/block/MAJ:MIN). */
static bool is_zram(dev_t rdev)
{
	char link[64], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(rdev),
		 minor(rdev));
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	return !strncmp(base, "zram", 4);
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));       /* the header is in host byte order */
	return v;
}

/* Page 0: "SWAPSPACE2" at its end, version 1, last_page, bad pages. */
static void check_header(struct swap_reader *sr, struct swap_area *a,
			 uint64_t dev_pages)
{
	const uint64_t ps = sr->page_size;
	uint8_t *h = sr->bounce;
	uint32_t last_page, i;
	ssize_t got;

	do
		got = pread(a->fd, h, ps, 0);
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)ps)
		return refuse_area(a, SWAP_WHY_AREA, "cannot read the swap header");
	if (memcmp(h + ps - 10, SWAP_MAGIC, 10) || get_u32(h + HDR_INFO) != 1)
		return refuse_area(a, SWAP_WHY_AREA,
				   "no SWAPSPACE2 version 1 header");
	last_page = get_u32(h + HDR_INFO + 4);
	a->nbad = get_u32(h + HDR_INFO + 8);
	if (a->nbad > (ps - HDR_BADPAGES) / 4 || a->nbad > 640)
		return refuse_area(a, SWAP_WHY_AREA, "bad page count out of range");
	for (i = 0; i < a->nbad; i++)
		a->bad[i] = get_u32(h + HDR_BADPAGES + 4 * i);
	/* the kernel uses at most last_page + 1 slots, and what exists */
	a->max_pages = (uint64_t)last_page + 1;
	if (dev_pages && dev_pages < a->max_pages)
		a->max_pages = dev_pages;
	/* the kernel's count of usable pages never exceeds the header's */
	if (!a->size_pages || a->max_pages <= 1 + (uint64_t)a->nbad ||
	    a->size_pages > a->max_pages - 1 - a->nbad)
		return refuse_area(a, SWAP_WHY_AREA,
				   "header does not match /proc/swaps");
}

/* A swap file's slots, where swapon put them (swapext.h). */
static void map_file(struct swap_reader *sr, struct swap_area *a,
		     const struct stat *st)
{
	if (swapext_load(&a->ext, a->fd, (uint64_t)st->st_size, sr->page_size,
			 a->max_pages))
		return refuse_area(a, SWAP_WHY_AREA, a->ext.note);
	if (a->ext.mapped && a->ext.slots < a->max_pages)
		a->max_pages = a->ext.slots;
	if (a->max_pages <= 1 + (uint64_t)a->nbad ||
	    a->size_pages > a->max_pages - 1 - a->nbad)
		return refuse_area(a, SWAP_WHY_AREA,
				   "its extents do not match /proc/swaps");
	swapext_open_device(&a->ext, a->fd, st, sr->page_size, sr->bounce);
}

void swapread_open_area(struct swap_reader *sr, struct swap_area *a)
{
	uint64_t dev_pages = 0, bytes;
	struct stat st;

	swapext_init(&a->ext);
	a->fd = open(a->path, O_RDONLY | O_DIRECT | O_CLOEXEC | O_NOFOLLOW);
	if (a->fd < 0)
		return refuse_area(a, SWAP_WHY_AREA, strerror(errno));
	if (fstat(a->fd, &st))
		return refuse_area(a, SWAP_WHY_AREA, strerror(errno));
	if (a->is_file ? !S_ISREG(st.st_mode) : !S_ISBLK(st.st_mode))
		return refuse_area(a, SWAP_WHY_AREA,
				   "not the kind /proc/swaps says");
	if (S_ISBLK(st.st_mode) && is_zram(st.st_rdev))
		return refuse_area(a, SWAP_WHY_ZRAM, "a zram device");
	if (S_ISREG(st.st_mode))
		dev_pages = (uint64_t)st.st_size / sr->page_size;
	else if (!ioctl(a->fd, BLKGETSIZE64, &bytes))
		dev_pages = bytes / sr->page_size;
	check_header(sr, a, dev_pages);
	if (a->why == SWAP_READ_OK && a->is_file)
		map_file(sr, a, &st);
	if (!a->used_pages && a->why == SWAP_READ_OK)
		refuse_area(a, SWAP_WHY_NOT_IN_USE,
			    "no slot in use (/proc/swaps Used 0)");
}

int swapread_open(struct swap_reader *sr, struct cap_error *err)
{
	static char text[65536];
	size_t i;

	memset(sr, 0, sizeof(*sr));
	if (read_small("/proc/swaps", text, sizeof(text))) {
		snprintf(err->msg, sizeof(err->msg), "cannot read /proc/swaps: %s",
			 strerror(errno));
		return -1;
	}
	if (swapread_parse(sr, text, err))
		return -1;
	check_zswap(sr);
	for (i = 0; i < sr->n; i++)
		swapread_open_area(sr, &sr->areas[i]);
	if (!sr->all_why && sr->n)
		(void)swapread_probe(sr);      /* unproven areas are refused */
	return 0;
}

const struct swap_area *swapread_area(const struct swap_reader *sr,
				      unsigned type)
{
	size_t i;

	for (i = 0; i < sr->n; i++)
		if (sr->areas[i].type == type)
			return &sr->areas[i];
	return NULL;
}

/* ---- reading ------------------------------------------------------------- */

/* Where one slot is read: fd and byte position, and how much follows. */
struct slot_src {
	int fd;
	uint64_t pos;
};

/* May this entry's slot be read?  Sets *area and, if so, *src. */
static enum swap_why judge(const struct swap_reader *sr, uint64_t e,
			   const struct swap_area **area, struct slot_src *src)
{
	const struct swap_area *a;
	uint64_t off;
	uint32_t i;

	*area = NULL;
	if (!swap_entry_is_swapped(e))
		return SWAP_WHY_NOT_SWAPPED;
	off = swap_entry_offset(e);
	if (!off && !swap_entry_type(e))
		return SWAP_WHY_NO_OFFSET;
	if (sr->all_why)
		return sr->all_why;
	a = swapread_area(sr, swap_entry_type(e));
	*area = a;
	if (!a)
		return SWAP_WHY_NO_AREA;
	if (a->why)
		return a->why;
	if (!a->type_proven)
		return SWAP_WHY_TYPE_UNPROVEN;
	if (off >= a->max_pages)
		return SWAP_WHY_PAST_END;
	if (!off)
		return SWAP_WHY_NOT_IN_USE;
	for (i = 0; i < a->nbad; i++)
		if (a->bad[i] == off)
			return SWAP_WHY_NOT_IN_USE;
	src->fd = swapext_source(&a->ext, a->fd, off, sr->page_size,
				 &src->pos);
	return src->fd == SWAPEXT_PAST_END ? SWAP_WHY_PAST_END :
	       src->fd < 0 ? SWAP_WHY_UNWRITTEN : SWAP_READ_OK;
}

/* Read count slots from src into dst; returns pages read whole. */
static size_t read_slots(struct swap_reader *sr, const struct slot_src *src,
			 size_t count, uint8_t *dst)
{
	const uint64_t ps = sr->page_size;
	const bool aligned = !((uintptr_t)dst % ps);
	uint8_t *to = aligned ? dst : sr->bounce;
	size_t done = 0;
	ssize_t got;

	while (done < count) {
		got = pread(src->fd, to + done * ps, (count - done) * ps,
			    (off_t)(src->pos + done * ps));
		if (got < 0 && errno == EINTR)
			continue;
		sr->reads++;
		if (got <= 0 || got % (ssize_t)ps)
			break;  /* O_DIRECT gives whole blocks; a part is a failure */
		done += (size_t)got / ps;
	}
	if (!aligned)
		memcpy(dst, sr->bounce, done * ps);
	return done;
}

size_t swapread_pages(struct swap_reader *sr, const uint64_t *ent, size_t n,
		      uint8_t *dst, uint8_t *why)
{
	const uint64_t ps = sr->page_size;
	const struct swap_area *a, *b;
	struct slot_src src, next;
	size_t i = 0, k, got, total = 0;
	uint64_t off;

	while (i < n) {
		why[i] = (uint8_t)judge(sr, ent[i], &a, &src);
		if (why[i] != SWAP_READ_OK) {
			memset(dst + i * ps, 0, ps);
			i++;
			continue;
		}
		/* coalesce the following pages whose slots come next */
		off = swap_entry_offset(ent[i]);
		for (k = 1; i + k < n && k < sr->bounce_pages; k++) {
			if (swap_entry_offset(ent[i + k]) != off + k ||
			    swap_entry_type(ent[i + k]) != swap_entry_type(ent[i]) ||
			    judge(sr, ent[i + k], &b, &next) != SWAP_READ_OK ||
			    next.fd != src.fd || next.pos != src.pos + k * ps)
				break;
			why[i + k] = SWAP_READ_OK;
		}
		got = read_slots(sr, &src, k, dst + i * ps);
		memset(dst + (i + got) * ps, 0, (k - got) * ps);
		total += got;
		for (; got < k; got++)
			why[i + got] = SWAP_WHY_SHORT_READ;
		i += k;
	}
	sr->pages_read += total;
	return total;
}

const char *swapread_detail(const struct swap_reader *sr, uint64_t e,
			    enum swap_why w)
{
	const struct swap_area *a;

	if (w == SWAP_WHY_ZSWAP && sr->all_why == SWAP_WHY_ZSWAP)
		return sr->all_detail;
	a = swap_entry_is_swapped(e) ? swapread_area(sr, swap_entry_type(e)) :
				       NULL;
	if (a && a->why == w && a->detail[0])
		return a->detail;
	if (a && w == SWAP_WHY_UNWRITTEN && a->ext.note[0])
		return a->ext.note;
	if (w == SWAP_WHY_TYPE_UNPROVEN && sr->probe_note[0])
		return sr->probe_note;
	return a ? a->path : "";
}

void swapread_close(struct swap_reader *sr)
{
	size_t i;

	for (i = 0; i < sr->n; i++) {
		if (sr->areas[i].fd >= 0)
			close(sr->areas[i].fd);
		swapext_free(&sr->areas[i].ext);
	}
	free(sr->areas);
	if (sr->bounce)
		munmap(sr->bounce, sr->bounce_pages * sr->page_size);
	memset(sr, 0, sizeof(*sr));
}
