/* SPDX-License-Identifier: MIT */
/*
 * findings.h - what `check` reports: one finding per suspicious fact, with
 * a severity, a score, where it is (region, module+offset, symbol), what
 * it points to, and the evidence (before = file, after = memory).
 *
 * A finding's id is stable across runs and across ASLR: module build-id
 * (or the module's name when it has none) + module offset + type.  An
 * allowlist of ids suppresses findings; suppressed findings stay in JSON
 * and SARIF, marked, and never count for --fail-on.
 */
#ifndef ANA_FINDINGS_H
#define ANA_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "msnap.h"

enum fsev { FSEV_INFO, FSEV_LOW, FSEV_MEDIUM, FSEV_HIGH, FSEV_NSEV };

/* Bytes kept as evidence of one patch, at most. */
#define FINDING_MAX_BYTES 64u

struct finding {
	char type[40];              /* "inline_hook", "got_hook", ... */
	enum fsev sev;
	unsigned score;             /* 0..100 */
	uint64_t addr, size;        /* where in the process */
	int64_t region;             /* container region index, -1 if none */
	char *module;               /* path of the module, NULL if none */
	char *module_key;           /* build-id hex, or the module's name */
	bool has_offset;
	uint64_t offset;            /* from the module's load base */
	char *symbol;               /* "name+0x4", NULL if unknown */
	bool has_target;
	uint64_t target_addr;
	char *target;               /* "libx.so+0x10:name" or "anon 0x..-0x.. rwxp" */
	char *evidence;             /* one line, for people */
	char *disasm_before;        /* multi-line, NULL if none */
	char *disasm_after;
	uint8_t before[FINDING_MAX_BYTES], after[FINDING_MAX_BYTES];
	size_t nbytes;              /* valid in before/after */
	char id[200];
	bool suppressed;
};

struct findings {
	struct finding *v;
	size_t n, cap;
	bool nomem;                 /* an add failed: report it, do not hide it */
	struct finding scratch;     /* what a failed add returns: never shown */
};

const char *fsev_name(enum fsev s);
/* "info", "low", "medium", "high"; 0, or -1 if none. */
int fsev_parse(const char *s, enum fsev *out);

/*
 * Start a finding; the caller fills the rest with the setters below.
 * Never NULL: when out of memory, findings->nomem is set and a scratch
 * finding that is never shown comes back.
 */
struct finding *finding_add(struct findings *fs, const char *type,
			    enum fsev sev, unsigned score, uint64_t addr,
			    uint64_t size);
/* Set a string field (copied); fmt like printf. */
void finding_set(struct finding *f, char **field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void finding_module(struct finding *f, const char *path, const char *key,
		    uint64_t offset);
void finding_bytes(struct finding *f, const uint8_t *before,
		   const uint8_t *after, size_t n);
/* Compute ids (after modules are set); call once before output. */
void findings_finish(struct findings *fs);
void findings_free(struct findings *fs);

/*
 * Allowlist: one id per line, '#' starts a comment, blank lines ignored.
 * Marks matching findings suppressed.  Returns 0, or -1 with msg set.
 */
int findings_allowlist(struct findings *fs, const char *path, char *msg,
		       size_t msglen);

/* Highest severity among unsuppressed findings; -1 when there are none. */
int findings_worst(const struct findings *fs);
size_t findings_count_at_least(const struct findings *fs, enum fsev min);

/* What every check reads and where it reports. */
struct snap;
struct modules;
struct check_ctx {
	struct snap *s;
	struct modules *ms;
	struct findings *fs;
	int64_t tracer_pid;           /* -1 when the capture did not say */
	size_t modules_checked;       /* against their reference */
	size_t modules_unverified;    /* without one */
	uint64_t code_bytes;          /* compared with a reference */
	uint64_t rodata_bytes;        /* read-only segments, the same way */
	unsigned max_patches;         /* per module, beyond: one summary */
	bool dlopen_imported;         /* a needed module imports dlopen */
	bool closure_known;           /* every needed module has a reference:
					 module.needed is exact, not a bound */
	char msg[600];                /* why a check failed (return -1) */
};

struct report_head {
	const char *snapshot;       /* path as given */
	const char *exe;            /* may be NULL */
	uint64_t pid;
	size_t modules_checked, modules_unverified;
	uint64_t code_bytes_compared;
	uint64_t rodata_bytes_compared;
	enum fsev fail_on;
};

/* LD_PRELOAD, a tracer, ...: a fact about the process, at no address. */
bool finding_process_level(const struct finding *f);

/*
 * The report is one document (output.h: findings_doc.c builds it);
 * text, JSON, YAML and SARIF are renderings of it.  Each returns 0, or
 * -1 (errno set) on a write error or when out of memory.
 */
enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_YAML, REPORT_SARIF };

struct odoc;
struct odoc *findings_doc(const struct findings *fs,
			  const struct report_head *h); /* NULL on ENOMEM */
int findings_print(FILE *fp, const struct findings *fs,
		   const struct report_head *h, enum report_format f);
int findings_render_text(FILE *fp, const struct odoc *d);
int findings_render_sarif(FILE *fp, const struct odoc *d);
/* The same as findings_print with REPORT_TEXT, REPORT_JSON or _SARIF. */
int findings_print_text(FILE *fp, const struct findings *fs,
			const struct report_head *h);
int findings_print_json(FILE *fp, const struct findings *fs,
			const struct report_head *h, bool sarif);

#endif
