// SPDX-License-Identifier: MIT
/*
 * cli_opts.c - one parser for every subcommand, built from options.def, so
 * a letter can never mean two things and every subcommand takes options
 * before, between and after its operands (GNU getopt_long's permutation).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opts.h"

static const struct opt_row {
	const char *lng;
	char shrt;
	const char *arg;
	const char *cmds;
} rows[ANA_O_COUNT] = {
#define ANA_OPT(id, lng, shrt, arg, cmds) \
	[ANA_O_##id] = { lng, shrt, arg, cmds },
#include "options.def"
#undef ANA_OPT
};

/* Spellings that meant something else before the table: say what now. */
static const struct renamed {
	const char *cmds, *old, *now;
} renamed[] = {
	{ "info", "--regions", "--list-regions" },
	{ "info", "-r", "--list-regions" },
	{ "info", "--threads", "--list-threads" },
	{ "info", "-t", "--list-threads" },
	{ "extract", "-r", "-R (--region)" },
	{ "extract", "-a", "-A (--addr)" },
	{ "extract", "-s", "-S (--size)" },
	{ "extract search strings yara", "-p", "--path" },
	{ "diff", "-s", "--stat" },
	{ "diff", "-n", "--normalize-pointers" },
};

/* Is word in the space-separated list (or is the list "*")? */
static bool in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	if (!strcmp(list, "*"))
		return true;
	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

const char *ana_opt_name(enum ana_opt_id id)
{
	return id < ANA_O_COUNT && rows[id].lng ? rows[id].lng : "?";
}

void ana_getopt_init(struct ana_getopt *g, const char *cmd)
{
	size_t nl = 0, ns = 0;
	int id;

	memset(g, 0, sizeof(*g));
	g->cmd = cmd;
	optind = 0;         /* glibc: start afresh, permutation state too */
	/* ':' first: a missing value is told apart from an unknown option. */
	g->shortopts[ns++] = ':';
	for (id = 0; id < ANA_O_COUNT; id++) {
		const struct opt_row *r = &rows[id];

		if (!in_list(r->cmds, cmd))
			continue;
		if (r->lng) {
			g->longopts[nl] = (struct option){
				r->lng, r->arg ? required_argument : no_argument,
				NULL, 256 + id };
			g->ids[nl++] = id;
		}
		if (r->shrt) {
			g->shortopts[ns++] = r->shrt;
			if (r->arg)
				g->shortopts[ns++] = ':';
		}
	}
}

static int short_id(const char *cmd, int c)
{
	int id;

	for (id = 0; id < ANA_O_COUNT; id++)
		if (rows[id].shrt == c && in_list(rows[id].cmds, cmd))
			return id;
	return ANA_OPT_BAD;
}

/* The option as the user typed it, without any "=value". */
static void typed(char *buf, size_t size, const char *arg, int optopt_c)
{
	if (optopt_c && optopt_c < 256) {
		snprintf(buf, size, "-%c", optopt_c);
		return;
	}
	snprintf(buf, size, "%.*s", (int)strcspn(arg, "="), arg);
}

static int unknown(struct ana_getopt *g, const char *opt)
{
	size_t i;

	for (i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
		if (!strcmp(renamed[i].old, opt) &&
		    in_list(renamed[i].cmds, g->cmd))
			return ana_usage_error(g->cmd, "unknown option '%s' (now %s)",
					       opt, renamed[i].now), ANA_OPT_BAD;
	ana_usage_error(g->cmd, "unknown option '%s'", opt);
	return ANA_OPT_BAD;
}

int ana_getopt_next(struct ana_getopt *g, int argc, char **argv)
{
	char opt[64];
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, g->shortopts, g->longopts, NULL);
	if (c == -1)
		return ANA_OPT_END;
	if (c >= 256)
		return c - 256;
	if (c == '?' || c == ':') {
		typed(opt, sizeof(opt), argv[optind - 1], optopt);
		if (c == '?' && optopt >= 256) {
			ana_usage_error(g->cmd, "option '%s' takes no value", opt);
			return ANA_OPT_BAD;
		}
		if (c == '?')
			return unknown(g, opt);
		ana_usage_error(g->cmd, "option '%s' needs a value", opt);
		return ANA_OPT_BAD;
	}
	return short_id(g->cmd, c);
}

int ana_operands(const struct ana_getopt *g, int argc, char **argv, int min,
		 int max, const char *what)
{
	int n = argc - optind;

	if (n < min)
		return ana_usage_error(g->cmd, n ? "missing operand: give %s"
					       : "give %s", what);
	if (n > max)
		return ana_usage_error(g->cmd, "unexpected operand '%s' (give %s)",
				       argv[optind + max], what);
	return 0;
}

bool ana_common_option(struct ana_common *co, int id)
{
	switch (id) {
	case ANA_O_QUIET:
		co->quiet = true;
		ana_quiet = true;
		return true;
	case ANA_O_PROGRESS:
		co->progress = 1;
		return true;
	case ANA_O_NO_PROGRESS:
		co->progress = -1;
		return true;
	default:
		return false;
	}
}

bool ana_progress_wanted(const struct ana_common *co)
{
	if (co->progress)
		return co->progress > 0;
	return !co->quiet && isatty(STDERR_FILENO);
}
