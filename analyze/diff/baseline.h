/* SPDX-License-Identifier: MIT */
/*
 * baseline.h - the memory layout of a process, as a baseline for CI.
 *
 * A layout is what stays the same from one run of a service to the next:
 * its modules (path, build-id, segments with their permissions), how much
 * heap, stack and anonymous memory of each kind it holds, its executable
 * anonymous and writable+executable memory, its thread count.  It is built
 * from a snapshot (also a --layout-only one) or read from a YAML baseline
 * that a person can read and edit; a baseline may list accepted
 * exceptions.  Comparing two layouts gives findings, each under a rule;
 * --fail-on chooses the rules that make the exit status 1.
 */
#ifndef ANA_BASELINE_H
#define ANA_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msnap.h"
#include "output.h"

struct rset;

#define LAYOUT_SCHEMA "1.0"
#define LAYOUT_DEFAULT_FAIL_ON \
	"new-module,missing-module,build-id,perms,rwx,anon-exec,growth:20%"
#define LAYOUT_DEFAULT_GROWTH 20.0
#define LAYOUT_MAX_BYTES (64u << 20)
#define DIFF_EXIT_DIFFERENT 1       /* as diff(1) */

enum lay_class { LC_HEAP, LC_STACK, LC_THREAD_STACK, LC_ANON, LC_SHARED,
		 LC_COUNT };

struct lay_segment {
	uint64_t offset, size;
	char perms[5];
};

struct lay_module {
	char *path;
	char *build_id;                 /* "" when unknown */
	struct lay_segment *seg;
	size_t nseg;
};

/* One region that is executable and anonymous, or writable+executable. */
struct lay_exec {
	char *subject;                  /* "anon", "[heap]", "path+0x1000" ... */
	char perms[5];
	uint64_t size;
	bool file;                      /* file-backed (rwx only) */
};

struct lay_accept {
	char *rule;
	char *subject;                  /* fnmatch(3) pattern */
};

struct lay_total {
	uint64_t count, size;
};

struct layout {
	char *source;                   /* the file it came from */
	struct lay_module *mod;
	size_t nmod;
	struct lay_total total[LC_COUNT];
	struct lay_exec *ex;
	size_t nex;
	uint64_t threads;
	bool has_threads;
	struct lay_accept *acc;
	size_t nacc;
};

enum lay_rule {
	LR_NEW_MODULE, LR_MISSING_MODULE, LR_BUILD_ID, LR_PERMS, LR_RWX,
	LR_ANON_EXEC, LR_GROWTH, LR_THREADS, LR_COUNT
};

struct lay_rules {
	bool fail[LR_COUNT];
	double growth_pct;              /* growth past this is a finding */
};

struct lay_finding {
	enum lay_rule rule;
	char *subject;
	char *before, *after;           /* "" when not applicable */
	bool accepted;                  /* an exception of a baseline */
	bool fails;                     /* selected by --fail-on, not accepted */
};

struct lay_findings {
	struct lay_finding *v;
	size_t n, cap;
};

const char *lay_rule_name(enum lay_rule r);
const char *lay_class_name(enum lay_class c);

/* "new-module,rwx,growth:20%", "all", "none"; 0 or -1 with msg. */
int lay_parse_rules(const char *s, struct lay_rules *r, char *msg,
		    size_t msglen);

int layout_from_rset(struct layout *l, const struct rset *s,
		     const char *source, struct msnap_error *err);
int layout_from_yaml(struct layout *l, const char *text, size_t len,
		     const char *source, struct msnap_error *err);
/* A snapshot or a baseline, whichever the file is. */
int layout_load(struct layout *l, const char *path, struct msnap_error *err);
/* The baseline text (YAML, with a comment header); *out malloc'd. */
int layout_to_yaml(const struct layout *l, char **out, size_t *len,
		   struct msnap_error *err);
void layout_free(struct layout *l);

int layout_compare(const struct layout *base, const struct layout *cur,
		   const struct lay_rules *rules, struct lay_findings *out);
void lay_findings_free(struct lay_findings *f);

/* memsnap-analyze diff --layout BASE NEW (cmd_layout.c): the exit code. */
int layout_diff_main(const char *base, const char *cur, enum out_format fmt,
		     const char *fail_on);

#endif
