/* SPDX-License-Identifier: MIT */
/*
 * cli.h - what every subcommand shares: its entry points, messages on
 * stderr, exit codes and the parsing of numbers given on the command line.
 */
#ifndef ANA_CLI_H
#define ANA_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msnap.h"

/* Exit codes of every subcommand (verify adds EXIT_DAMAGED). */
#define ANA_EXIT_OK       0
#define ANA_EXIT_DAMAGED  1
#define ANA_EXIT_ERROR    2

/* Subcommands: argv[0] is the subcommand's name; return the exit code. */
int cmd_info(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_export_core(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_layout(int argc, char **argv);
int cmd_yara(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_strings(int argc, char **argv);
int cmd_timeline(int argc, char **argv);

/* "memsnap-analyze: <cmd>: <message>\n" on stderr. */
void ana_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Same, with the reader's message (it names the offset). */
void ana_err_msnap(const char *cmd, const struct msnap_error *err);
/* --quiet: no warnings (errors are always said). */
extern bool ana_quiet;

/* "memsnap-analyze: <cmd>: warning: <message>\n", unless ana_quiet. */
void ana_warn(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * A usage error: one line naming the problem, one line saying where help
 * is ("Try 'memsnap-analyze <cmd> --help'").  Returns -1.
 */
int ana_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A number from the command line: decimal or 0x hex.  With suffixes
 * allowed, K, M, G, T (binary: 1024...) multiply it.  Overflow, trailing
 * garbage and empty strings are refused (returns -1).
 */
int ana_parse_u64(const char *s, bool suffixes, uint64_t *v);

/*
 * Create an output file for evidence: a new regular file, mode 0600, never
 * through a symlink, never over an existing file.  Returns the fd, or -1
 * after printing why.
 */
int ana_create_output(const char *cmd, const char *path);

/* Write all of buf at the current position; 0 or -1 (errno set). */
int ana_write_all(int fd, const void *buf, size_t len);

/* True for "-h"/"--help" anywhere in argv (before a "--"). */
bool ana_wants_help(int argc, char **argv);

#endif
