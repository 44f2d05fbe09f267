/* SPDX-License-Identifier: MIT */
/*
 * yrules.h - YARA rules for the analyzer: a source file, a directory of
 * .yar/.yara files, or rules compiled by yarac; external variables given
 * as name=value the way the yara command line takes them.
 */
#ifndef ANA_YRULES_H
#define ANA_YRULES_H

#include <stddef.h>
#include <yara.h>

/* One external variable: "name=value" split and typed. */
struct yext {
	const char *name;
	const char *value;         /* points into the argument */
	enum { YEXT_INT, YEXT_FLOAT, YEXT_BOOL, YEXT_STR } type;
	int64_t i;
	double f;
	char name_buf[128];
};

/* Parse "name=value"; 0, or -1 when there is no '=' or no name. */
int yext_parse(const char *arg, struct yext *x);

/*
 * Load RULES (a path) with the externals declared; a compiler error or
 * warning is printed as "FILE:LINE: error: MESSAGE" after the prefix
 * "memsnap-analyze: CMD: ".  Returns 0, or -1 after printing why.
 * *nrules receives the number of rules.
 */
int yrules_load(const char *cmd, const char *path, const struct yext *ext,
		size_t next, YR_RULES **out, unsigned *nrules);

/* Compile rules from a string (search's generated rule). */
int yrules_compile_string(const char *cmd, const char *source,
			  YR_RULES **out);

/* Set one external on a scanner: 0, or a YARA error code. */
int yext_define(YR_SCANNER *sc, const struct yext *x);

#endif
