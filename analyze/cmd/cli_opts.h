/* SPDX-License-Identifier: MIT */
/*
 * cli_opts.h - the option parser every subcommand uses, built from the one
 * table of options (options.def).  Options may stand anywhere among the
 * operands; "--" ends them.  Errors are one line plus where help is.
 */
#ifndef ANA_CLI_OPTS_H
#define ANA_CLI_OPTS_H

#include <getopt.h>
#include <stdbool.h>

#define ANA_OPT(id, lng, shrt, arg, cmds) ANA_O_##id,
enum ana_opt_id {
#include "options.def"
	ANA_O_COUNT
};
#undef ANA_OPT

#define ANA_OPT_END  (-1)   /* no more options: operands are argv[optind..] */
#define ANA_OPT_BAD  (-2)   /* a usage error, already printed */

struct ana_getopt {
	const char *cmd;
	struct option longopts[ANA_O_COUNT + 1];
	char shortopts[3 * ANA_O_COUNT + 2];
	int ids[ANA_O_COUNT + 1];            /* longopts[i] is option ids[i] */
};

/* Set up the options of subcommand cmd (its rows of options.def). */
void ana_getopt_init(struct ana_getopt *g, const char *cmd);

/*
 * The next option's id (enum ana_opt_id; its value in optarg), ANA_OPT_END,
 * or ANA_OPT_BAD after printing which option is wrong and why.  Operands
 * are left, in their order, in argv[optind..argc-1].
 */
int ana_getopt_next(struct ana_getopt *g, int argc, char **argv);

/*
 * Between min and max operands left after the options (what: what they
 * are, for the message, e.g. "a snapshot FILE")?  0, or -1 after a usage
 * error naming what is missing or too much.
 */
int ana_operands(const struct ana_getopt *g, int argc, char **argv, int min,
		 int max, const char *what);

/* What --quiet, --progress and --no-progress asked for. */
struct ana_common {
	bool quiet;
	int progress;           /* -1 off, 0 if stderr is a terminal, 1 on */
};

/* Handle id if it is one of those (true), else leave it (false). */
bool ana_common_option(struct ana_common *co, int id);

/* Should a progress line be drawn on stderr? */
bool ana_progress_wanted(const struct ana_common *co);

/* The --help lines of the options of struct ana_common. */
#define ANA_HELP_PROGRESS \
	"  -q, --quiet           no progress line, no warnings\n" \
	"      --progress        a progress line on stderr (default: if it\n" \
	"                        is a terminal)\n" \
	"      --no-progress     no progress line\n"

/* The long name of an option, for messages ("--format"). */
const char *ana_opt_name(enum ana_opt_id id);

#endif
