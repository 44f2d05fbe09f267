// SPDX-License-Identifier: MIT
/*
 * main.c - memsnap-analyze: find the subcommand and hand over to it.
 *
 * Each subcommand lives in its own cmd_*.c, parses its own options and
 * returns its exit code (cli.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_run.h"
#include "cli.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "info", cmd_info, "summary, regions and threads of a snapshot" },
	{ "verify", cmd_verify, "check every checksum and hash of a snapshot" },
	{ "extract", cmd_extract, "write the bytes of a region or address range" },
	{ "export-core", cmd_export_core, "write an ELF core file that gdb loads" },
	{ "check", cmd_check, "compare code with its reference ELF files; find hooks and injected code" },
	{ "diff", cmd_diff, "compare two snapshots, or layouts (--layout)" },
	{ "layout", cmd_layout, "write a YAML layout baseline for diff --layout" },
	{ "yara", cmd_yara, "scan stored memory with YARA rules, at process addresses" },
	{ "search", cmd_search, "find a string, bytes, a regex or a pointer in stored memory" },
	{ "strings", cmd_strings, "printable strings with their addresses and regions" },
	{ "timeline", cmd_timeline, "regions over a series of snapshots: growth, leak suspects, a picture" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *fp)
{
	size_t i;

	fprintf(fp,
		"usage: memsnap-analyze <command> [options] FILE\n"
		"       memsnap-analyze <command> --help\n"
		"       memsnap-analyze --version\n"
		"\n"
		"commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-12s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(fp,
		"\n"
		"FILE may be \"-\" for standard input.  Options may come before or\n"
		"after the operands; \"--\" ends them.  A letter or a long name means\n"
		"the same in every command.  info, verify, check, layout and yara\n"
		"also take a case directory (memsnap --tree/--cgroup/--all), diff two\n"
		"of them.  See memsnap-analyze(1).\n"
		"\n"
		"every command also takes:\n"
		"  --parent-dir DIR  look for the parents of incremental snapshots in DIR\n"
		"                    first (then beside each child; also $MSNAP_PARENT_DIR)\n");
}

/*
 * --parent-dir DIR (or =DIR), for every command: the reader takes it from
 * $MSNAP_PARENT_DIR, so it is taken out of argv here, before the command's
 * own options are parsed.  Returns the new argc, or -1 (no DIR).
 */
static int take_parent_dir(int argc, char **argv)
{
	int i, o = 1;

	for (i = 1; i < argc; i++) {
		const char *dir = NULL;

		if (!strcmp(argv[i], "--")) {
			while (i < argc)
				argv[o++] = argv[i++];
			break;
		}
		if (!strcmp(argv[i], "--parent-dir")) {
			if (i + 1 >= argc || !argv[i + 1][0])
				return -1;
			dir = argv[++i];
		} else if (!strncmp(argv[i], "--parent-dir=", 13)) {
			dir = argv[i] + 13;
			if (!dir[0])
				return -1;
		}
		if (dir)
			setenv("MSNAP_PARENT_DIR", dir, 1);
		else
			argv[o++] = argv[i];
	}
	argv[o] = NULL;
	return o;
}

int main(int argc, char **argv)
{
	const char *name;
	size_t i;
	int ret;

	argc = argc < 2 ? argc : take_parent_dir(argc, argv);
	if (argc < 0) {
		fprintf(stderr, "memsnap-analyze: --parent-dir wants a directory\n");
		return ANA_EXIT_ERROR;
	}
	if (argc < 2) {
		fprintf(stderr, "memsnap-analyze: give a command\n"
			"Try 'memsnap-analyze --help'\n");
		return ANA_EXIT_ERROR;
	}
	name = argv[1];
	if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
		usage(stdout);
		return ANA_EXIT_OK;
	}
	if (!strcmp(name, "--version")) {
		printf("memsnap-analyze %s (snapshot format %d.%d)\n",
		       MEMSNAP_VERSION, MSNAP_FORMAT_MAJOR, MSNAP_FORMAT_MINOR);
		return ANA_EXIT_OK;
	}
	if (!strcmp(name, "help") && argc >= 3) {
		/* "help CMD" is "CMD --help". */
		char *help_argv[] = { argv[2], (char *)"--help", NULL };

		for (i = 0; i < NCOMMANDS; i++)
			if (!strcmp(argv[2], commands[i].name))
				return commands[i].run(2, help_argv);
	}
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(name, commands[i].name))
			continue;
		/* a case directory: the same subcommand per snapshot */
		ret = case_dispatch(name, commands[i].run, argc - 1, argv + 1);
		return ret >= 0 ? ret : commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "memsnap-analyze: unknown command '%s'\n"
		"Try 'memsnap-analyze --help'\n", name);
	return ANA_EXIT_ERROR;
}
