// SPDX-License-Identifier: MIT
/*
 * main.c - memsnap-analyze: find the subcommand and hand over to it.
 *
 * Each subcommand lives in its own cmd_*.c, parses its own options and
 * returns its exit code (cli.h).
 */
#include <stdio.h>
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
		"FILE may be \"-\" for standard input.  info, verify, check, layout\n"
		"and yara also take a case directory (memsnap --tree/--cgroup/--all),\n"
		"diff two of them.  See memsnap-analyze(1).\n");
}

int main(int argc, char **argv)
{
	const char *name;
	size_t i;
	int ret;

	if (argc < 2) {
		usage(stderr);
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
	fprintf(stderr, "memsnap-analyze: unknown command '%s'\n", name);
	usage(stderr);
	return ANA_EXIT_ERROR;
}
