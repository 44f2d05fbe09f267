/* SPDX-License-Identifier: MIT */
/*
 * msnap.h - the .msnap snapshot container: writer, reader, errors.
 *
 * This is the only header of formats/ that capture/ and analyze/ need for
 * the container itself (yaml_out.h and yaml_tree.h serve the manifest).
 * formats/FORMAT.md is the normative description of the bytes.
 *
 * Conventions: functions return 0 on success and a negative MSNAP_E_* code
 * on failure, filling the caller's struct msnap_error (which may be NULL)
 * with a message that names the file offset where one applies.  Nothing in
 * formats/ prints or exits.
 */
#ifndef MSNAP_H
#define MSNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sha256.h"     /* msnap_file_sha256(), and the hash of every record */

/*
 * Files are written as 1.0 unless they hold pre-copied chunks (2.0, see
 * FORMAT.md 12); the reader reads both.
 */
#define MSNAP_FORMAT_MAJOR 2
#define MSNAP_FORMAT_MINOR 1          /* 2.1: incremental (FORMAT.md 4.9) */
#define MSNAP_FORMAT_MAJOR_MIN 1

/* The region of a chunk that no region uses (a stale pre-copied chunk). */
#define MSNAP_REGION_NONE 0xffffffffu

/* Limits a reader enforces on untrusted files (FORMAT.md, "Limits"). */
#define MSNAP_MAX_CHUNK_RAW    (16u << 20)   /* raw bytes in one data chunk */
#define MSNAP_MAX_RUNS         65536u        /* page runs in one record */
#define MSNAP_MAX_REGIONS      (1u << 20)
#define MSNAP_MAX_CHUNKS       (1u << 26)
#define MSNAP_MAX_MANIFEST     (256u << 20)  /* decompressed YAML bytes */
#define MSNAP_MIN_PAGE_SIZE    4096u
#define MSNAP_MAX_PAGE_SIZE    (1u << 21)

/* ---- errors ------------------------------------------------------------ */

#define MSNAP_ERROR_LIST(X)                                                  \
	X(OK, "no error")                                                    \
	X(ERRNO, "system error")                                             \
	X(NOMEM, "out of memory")                                            \
	X(INVAL, "invalid argument")                                         \
	X(BAD_MAGIC, "not a memsnap snapshot")                               \
	X(VERSION, "unsupported format version")                             \
	X(RESERVED, "reserved field is not zero")                            \
	X(TRUNCATED, "snapshot is cut short")                                \
	X(CORRUPT, "snapshot structure is damaged")                          \
	X(CHECKSUM, "checksum mismatch")                                     \
	X(LIMIT, "value exceeds a format limit")                             \
	X(ZSTD, "zstd error")                                                \
	X(YAML, "manifest error")                                            \
	X(NOT_FOUND, "not found")                                            \
	X(STATE, "call out of order")                                        \
	X(CANCELED, "stopped on request")                                    \
	X(PARENT, "parent snapshot missing, altered or unusable")

enum msnap_errcode {
#define MSNAP_ENUM(name, text) MSNAP_E_##name,
	MSNAP_ERROR_LIST(MSNAP_ENUM)
#undef MSNAP_ENUM
	MSNAP_E_COUNT
};

struct msnap_error {
	int code;            /* MSNAP_E_*, positive */
	int sys_errno;       /* errno for MSNAP_E_ERRNO, else 0 */
	int64_t offset;      /* file offset the problem is at, -1 if none */
	char msg[512];       /* full human message, lowercase, no final period */
};

const char *msnap_strerror(int code);

/*
 * Fill err (if not NULL) and return -code.  offset < 0 means "no offset".
 * The message is built as: "<text>" or "at offset N: <text>".
 */
int msnap_fail(struct msnap_error *err, int code, int64_t offset,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Same, for a failed system call: appends strerror(errno) and keeps errno. */
int msnap_fail_errno(struct msnap_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- page states --------------------------------------------------------- */

enum msnap_page_state {
	MSNAP_PAGE_ABSENT = 0,     /* not present: never touched, or file page not in memory; not read */
	MSNAP_PAGE_DATA = 1,       /* read and stored in a data chunk */
	MSNAP_PAGE_ZERO = 2,       /* read, all zero bytes: recorded, not stored */
	MSNAP_PAGE_SWAPPED = 3,    /* swapped out, not read */
	MSNAP_PAGE_UNREADABLE = 4, /* the read failed (reason in the manifest) */
	MSNAP_PAGE_PARENT = 5,     /* 2.1: same bytes as the parent snapshot's page */
	MSNAP_PAGE_NSTATES
};

const char *msnap_page_state_name(enum msnap_page_state s);

/* One run of pages in the same state, page numbers relative to the region start. */
struct msnap_run {
	uint64_t first;
	uint64_t count;
	uint8_t state;
};

/* ---- writer ---------------------------------------------------------------- */

struct msnap_writer;

struct msnap_writer_opts {
	int fd;                  /* written front to back, never seeked: a pipe is fine */
	int level;               /* zstd level (0 means 1) */
	unsigned threads;        /* compression workers, >= 1 (0 means 1) */
	uint32_t chunk_bytes;    /* max raw bytes read into one chunk (0: 2 MiB) */
	uint32_t page_size;      /* target's page size (0: 4096) */
	uint8_t capture_id[16];  /* random id of this capture */
	uint64_t created_ns;     /* UTC nanoseconds since the epoch */
	uint32_t flags;          /* MSNAP_HDR_* */
	/*
	 * Give every job buffer a copy area so that msnap_writer_add_copy()
	 * may be used without MSNAP_HDR_PRECOPY: the caller streams pages
	 * through one small buffer it reuses at once (memsnap --cow).  Costs
	 * chunk_bytes per job slot; the file format does not change.
	 */
	bool copy_pages;
	/*
	 * If not NULL, polled between chunks: once it is non-zero every
	 * call fails with -MSNAP_E_CANCELED and nothing more is written
	 * (a signal handler's flag, so Ctrl-C stops a long write at once).
	 */
	const volatile int *cancel;
	/*
	 * Incremental (MSNAP_HDR_INCREMENTAL): a DATA page whose bytes equal
	 * those of the parent's page at the same address, in a parent region
	 * with the same bounds, is recorded as PARENT and not stored.  Worker
	 * k compares with parents[k] (a reader of the parent with its chain
	 * resolved, msnap_open_chain()); nparents must equal threads.  The
	 * comparison is of the bytes themselves, never of stored hashes.
	 */
	struct msnap_reader *const *parents;
	unsigned nparents;
	const struct msnap_parent_ref *parent;
	/*
	 * parent->file_sha256 is not known yet: the writer hashes the file
	 * of parents[0] on a thread of its own, while the caller goes on,
	 * and keeps what follows the header in memory (up to 64 MiB, then
	 * it waits for the hash) until it can write the PARENT record first.
	 * msnap_writer_parent_sha256() gives the hash.
	 */
	bool parent_sha_later;
};

#define MSNAP_HDR_LAYOUT_ONLY 0x1u  /* no memory contents were captured */
#define MSNAP_HDR_LIVE        0x2u  /* read without freezing the target */
#define MSNAP_HDR_PRECOPY     0x4u  /* 2.0: holds chunks written before the freeze */
#define MSNAP_HDR_INCREMENTAL 0x8u  /* 2.1: pages may be PARENT (a PARENT record follows) */

/* Longest file name a PARENT record holds, and the deepest chain read. */
#define MSNAP_PARENT_NAME_MAX 255u
#define MSNAP_MAX_CHAIN       32u

/* What a child snapshot records about its parent (FORMAT.md 4.9). */
struct msnap_parent_ref {
	uint8_t capture_id[16];      /* the parent's header Capture_Id */
	uint8_t file_sha256[32];     /* SHA-256 of the whole parent file */
	char name[MSNAP_PARENT_NAME_MAX + 1];   /* its file name, no directory */
};
/* What end_region() reported once the region's page table was written. */
struct msnap_region_summary {
	uint64_t start, end;
	uint64_t pages[MSNAP_PAGE_NSTATES];
	uint64_t stored_bytes;       /* raw bytes of DATA pages */
	uint64_t compressed_bytes;   /* zstd frame bytes of its chunks */
	uint32_t chunks;
	uint8_t sha256[32];          /* of the region's stored bytes, in address order */
};

int msnap_writer_create(struct msnap_writer **out,
			const struct msnap_writer_opts *opts,
			struct msnap_error *err);

/*
 * With parent_sha_later: wait for the parent file's SHA-256, write what was
 * held, and give the hash (for the manifest).  Without: opts.parent's.
 * 0 or a negative error (the parent could not be read: -MSNAP_E_PARENT).
 */
int msnap_writer_parent_sha256(struct msnap_writer *w, uint8_t out[32],
			       struct msnap_error *err);

/*
 * Begin the next region [start, end), page aligned, in any order but never
 * overlapping a region already begun.  Regions get indexes 0, 1, 2, ...
 */
int msnap_writer_begin_region(struct msnap_writer *w, uint64_t start,
			      uint64_t end, struct msnap_error *err);

/*
 * Record pages [first, first+count) of the current region (page numbers
 * relative to its start) in the given state; calls must go in ascending page
 * order, without overlap; pages never mentioned are ABSENT.  For DATA, data
 * points to count pages of content: the writer finds zero pages among them
 * itself (they become ZERO), and reads data from worker threads until
 * msnap_writer_sync() or msnap_writer_finish() returns, so the caller must
 * keep it unchanged until then.
 */
int msnap_writer_add(struct msnap_writer *w, uint64_t first, uint64_t count,
		     enum msnap_page_state state, const void *data,
		     struct msnap_error *err);

/* End the current region; its page table follows its last chunk. */
int msnap_writer_end_region(struct msnap_writer *w, struct msnap_error *err);

/*
 * Pre-copy (needs MSNAP_HDR_PRECOPY).  Pages read while the target still
 * runs are written as chunks of a pre-copy area, which has no index and no
 * page table of its own.  Once the target is frozen and a prefix of an area
 * is known to be unchanged, a region that starts where the area starts
 * adopts that prefix: its chunks, page states, hashes and the running
 * SHA-256 up to there.  Chunks no region adopts stay in the file unused.
 *
 * begin_precopy opens area number msnap_writer_precopy_count() - 1 after
 * it; add pages with msnap_writer_add_copy() (the writer copies them, so
 * the caller may reuse its buffer at once) and close it with
 * msnap_writer_end_region().  msnap_writer_add_copy() also adds to an
 * ordinary region, with MSNAP_HDR_PRECOPY or opts.copy_pages.
 */
int msnap_writer_begin_precopy(struct msnap_writer *w, uint64_t start,
			       uint64_t end, struct msnap_error *err);
int msnap_writer_add_copy(struct msnap_writer *w, uint64_t first,
			  uint64_t count, enum msnap_page_state state,
			  const void *data, struct msnap_error *err);
uint32_t msnap_writer_precopy_count(const struct msnap_writer *w);

/*
 * Where the next msnap_writer_add_copy() of DATA pages would copy them to
 * (*slot), and in *room how many pages fit there: pages read straight
 * into it and then given to add_copy() at that address are not copied at
 * all.  *slot stays valid through the add_copy() and add() calls that
 * hand over those pages (UNREADABLE ones among them included).  *slot is
 * NULL when there is no such place (the caller reads into its own buffer
 * instead).  Returns 0, or an error of the writer (a failed write of an
 * earlier chunk, a cancel) with err set.
 */
int msnap_writer_copy_slot(struct msnap_writer *w, void **slot,
			   uint64_t *room, struct msnap_error *err);

/*
 * After sync: the pages after which area `area` may be cut, in increasing
 * order (each is the end of one of its chunks; 0 is always allowed and not
 * listed).  *n receives their number; the array lives as long as w.
 */
const uint64_t *msnap_writer_precopy_cuts(const struct msnap_writer *w,
					  uint32_t area, size_t *n);

/*
 * Begin a region [start, end) whose pages [0, cut) are those of pre-copy
 * area `area` (same start; cut one of its cuts, or 0).  Pages are then
 * added from `cut` on as for msnap_writer_begin_region().
 */
int msnap_writer_begin_adopting(struct msnap_writer *w, uint64_t start,
				uint64_t end, uint32_t area, uint64_t cut,
				struct msnap_error *err);

/* Wait until everything added so far is compressed and written. */
int msnap_writer_sync(struct msnap_writer *w, struct msnap_error *err);

/* After sync: the summary of region `index`; NULL if not yet written. */
const struct msnap_region_summary *
msnap_writer_region(const struct msnap_writer *w, uint32_t index);

/* Bytes written so far (after sync: exact). */
uint64_t msnap_writer_bytes(const struct msnap_writer *w);

/*
 * Write the manifest (YAML text), the index and the trailer.  On success,
 * file_sha256 (may be NULL) receives the SHA-256 of every byte written,
 * trailer included, i.e. what sha256sum prints for the file.
 */
int msnap_writer_finish(struct msnap_writer *w, const char *manifest,
			size_t manifest_len, uint8_t file_sha256[32],
			struct msnap_error *err);

/*
 * Stop early (error, signal): waits for the workers, writes nothing more.
 * What was written stays readable up to its last whole chunk.
 */
void msnap_writer_abort(struct msnap_writer *w);

/*
 * In the current region (which starts where pre-copy area `area` starts),
 * take over the area's segment `cut`: pages [cuts[cut-1], cuts[cut]) (from
 * 0 for cut 0), with their chunk, states and hashes, as if they had been
 * added now; their bytes are read back from the file for the region's
 * SHA-256.  Pages before it must have been added already, pages after it
 * come next.  Only on a regular file opened O_RDWR
 * (msnap_writer_can_adopt_chunks()).
 */
bool msnap_writer_can_adopt_chunks(const struct msnap_writer *w);
int msnap_writer_adopt_chunk(struct msnap_writer *w, uint32_t area,
			     size_t cut, struct msnap_error *err);
void msnap_writer_free(struct msnap_writer *w);

/* ---- reader ---------------------------------------------------------------- */

struct msnap_reader;

#define MSNAP_OPEN_SCAN 0x1u     /* ignore the trailer: scan frames from the front */

struct msnap_file_info {
	uint16_t major, minor;
	uint32_t page_size;
	uint32_t flags;              /* MSNAP_HDR_* */
	uint8_t capture_id[16];
	uint64_t created_ns;
	uint64_t file_size;
	bool complete;               /* trailer found and consistent */
	bool recovered;              /* opened by scanning (no usable trailer) */
	uint64_t valid_end;          /* scan: end of the last whole record; else file_size */
	char stop_reason[512];       /* scan: why the scan stopped, "" if at EOF */
	uint8_t content_sha256[32];  /* trailer: SHA-256 of bytes before the trailer */
	uint64_t trailer_offset;     /* complete files: where the trailer starts */
	uint32_t region_count;
	uint64_t chunk_count;
};

struct msnap_region_info {
	uint32_t index;
	uint64_t start, end;
	bool has_table;              /* its page table record was read */
	/*
	 * With a parent resolved, runs, hashes and pages[] are those of the
	 * whole memory: PARENT pages show the state and hash they have in the
	 * parent.  own_pages[] are the counts this file's PAGES record holds
	 * (PARENT included), what its manifest says.
	 */
	uint64_t pages[MSNAP_PAGE_NSTATES];
	uint64_t own_pages[MSNAP_PAGE_NSTATES];
	uint64_t stored_bytes;
	uint64_t compressed_bytes;
	uint32_t chunks;
	uint8_t sha256[32];          /* valid if has_table */
	const struct msnap_run *runs;   /* page-state runs covering [start,end) */
	size_t nruns;
	const uint64_t *hashes;      /* XXH3-64 per DATA page in address order */
	uint64_t nhashes;
};

struct msnap_chunk_info {
	uint32_t region;             /* MSNAP_REGION_NONE: no region uses it */
	bool precopy;                /* written before the freeze (2.0) */
	uint64_t seq;                /* 0, 1, 2, ... in file order */
	uint64_t header_offset;      /* file offset of its chunk record */
	uint64_t frame_offset;       /* file offset of its zstd frame */
	uint64_t frame_size;
	uint64_t raw_size;
	const struct msnap_run *runs;   /* DATA pages held, in order */
	size_t nruns;
	uint64_t first_addr, end_addr;  /* address span covered */
};

int msnap_open(struct msnap_reader **out, int fd, unsigned flags,
	       struct msnap_error *err);
int msnap_open_path(struct msnap_reader **out, const char *path,
		    unsigned flags, struct msnap_error *err);
void msnap_close(struct msnap_reader *r);

struct progress;
/*
 * Count the raw bytes of every chunk this reader decompresses (also by
 * msnap_verify) into p (progress.h), for a progress line; NULL: stop.
 */
void msnap_reader_set_progress(struct msnap_reader *r, struct progress *p);

const struct msnap_file_info *msnap_info(const struct msnap_reader *r);
/* The manifest's YAML text (NUL-terminated), or NULL if the file has none. */
const char *msnap_manifest(const struct msnap_reader *r, size_t *len);

uint32_t msnap_region_count(const struct msnap_reader *r);
const struct msnap_region_info *msnap_region(const struct msnap_reader *r,
					     uint32_t index);
/* Index of the region that holds addr, or -1. */
int64_t msnap_find_region(const struct msnap_reader *r, uint64_t addr);

uint64_t msnap_chunk_count(const struct msnap_reader *r);
/*
 * Chunk i in file order.  Its runs are read from the chunk record on first
 * use (opening by trailer reads only the index); NULL if i is out of range
 * or the record is damaged (msnap_chunk_read() then says why).
 */
const struct msnap_chunk_info *msnap_chunk(struct msnap_reader *r, uint64_t i);
/*
 * Decompress chunk i into buf (at least raw_size bytes), checking its zstd
 * checksum.  Returns 0 or -MSNAP_E_*.
 */
int msnap_chunk_read(struct msnap_reader *r, uint64_t i, void *buf,
		     struct msnap_error *err);

/*
 * Copy [addr, addr+len) into buf.  Pages not stored come out as zeros; if
 * states is not NULL it receives one MSNAP_PAGE_* per page touched (the
 * first page is the one that holds addr); pages outside every region are
 * reported as ABSENT.  Decompresses only the chunks needed (one chunk is
 * cached).  Returns 0 or -MSNAP_E_*.
 */
int msnap_read(struct msnap_reader *r, uint64_t addr, void *buf, size_t len,
	       uint8_t *states, struct msnap_error *err);

/* State of one page, and its XXH3-64 when DATA (0 otherwise). */
int msnap_page_state(const struct msnap_reader *r, uint32_t region,
		     uint64_t page, uint64_t *hash);
/*
 * The page hash the writer stores (XXH3-64 of len bytes), so that a reader
 * can hash a page it builds itself (diff: the zero page) the same way.
 */
uint64_t msnap_page_hash(const void *page, size_t len);

/* ---- incremental snapshots (reader_chain.c) ------------------------------- */

/* The parent this file names, or NULL if it is not incremental. */
const struct msnap_parent_ref *msnap_parent_ref(const struct msnap_reader *r);
/* The resolved parent reader, or NULL (not incremental, or not resolved). */
struct msnap_reader *msnap_parent(const struct msnap_reader *r);
/* Where the resolved parent was found, or NULL. */
const char *msnap_parent_path(const struct msnap_reader *r);

/*
 * Find and open r's parent, and its parent's, up to MSNAP_MAX_CHAIN levels
 * (a loop or a deeper chain is refused).  Each parent is looked for in
 * parent_dir (NULL: $MSNAP_PARENT_DIR, if set), then in the directory of
 * child_path (NULL: none): first by the name the child records, then by
 * capture id among the *.msnap files there.  A candidate is accepted only
 * if its whole-file SHA-256 is the one recorded.  Afterwards reads of r
 * take PARENT pages from the parent.  Does nothing for a file that is not
 * incremental.  Errors: -MSNAP_E_PARENT, naming the parent.
 */
int msnap_resolve_parent(struct msnap_reader *r, const char *child_path,
			 const char *parent_dir, struct msnap_error *err);

/*
 * A second reader of the same file (and chain), for another thread: each
 * reader caches one chunk and must be used by one thread at a time.
 */
int msnap_reader_clone(struct msnap_reader **out, const struct msnap_reader *r,
		       struct msnap_error *err);

/* msnap_open_path() then msnap_resolve_parent() beside it. */
int msnap_open_chain(struct msnap_reader **out, const char *path,
		     unsigned flags, const char *parent_dir,
		     struct msnap_error *err);

/* ---- verification ------------------------------------------------------------ */

struct msnap_verify_report {
	uint64_t chunks_ok, chunks_bad;
	uint64_t chunks_unused;      /* intact pre-copied chunks no region uses */
	uint64_t regions_ok, regions_bad, regions_unchecked;
	uint64_t pages_checked, pages_bad;
	bool file_hash_ok;           /* content SHA-256 matches the trailer */
	bool file_hash_checked;
	bool quick;                  /* MSNAP_VERIFY_QUICK: no SHA-256 recomputed */
	uint8_t file_sha256[32];     /* of the whole file, as sha256sum prints */
	uint64_t bytes_read;
};

/* Called once per problem found; message is one line, no newline. */
typedef void (*msnap_problem_fn)(void *arg, int64_t offset, const char *message);

/*
 * Quick verification: every record checksum, zstd checksum and page hash,
 * but no SHA-256 (of regions, of the file) is recomputed.  Catches any
 * accidental damage at the speed of decompression; only the full check
 * proves the SHA-256 digests that custody records cite.
 */
#define MSNAP_VERIFY_QUICK 0x1u

/*
 * Check everything: every record checksum, every chunk's zstd checksum,
 * every page hash, every region's SHA-256, the trailer's content SHA-256.
 * Returns 0 when all is intact, -MSNAP_E_CHECKSUM / -MSNAP_E_TRUNCATED when
 * something is not (the report says what), other negatives on I/O errors.
 * threads: decompression workers (0: one per CPU); flags: MSNAP_VERIFY_*.
 */
int msnap_verify(struct msnap_reader *r, unsigned threads, unsigned flags,
		 struct msnap_verify_report *rep, msnap_problem_fn problem,
		 void *arg, struct msnap_error *err);

/* ---- small shared helpers ------------------------------------------------------ */

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void msnap_hex(const uint8_t *in, size_t n, char *out);

#endif /* MSNAP_H */
