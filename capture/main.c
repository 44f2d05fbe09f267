// SPDX-License-Identifier: MIT
/*
 * main.c - memsnap's command line.  Parses the options, then one call.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "group.h"
#include "harden.h"
#include "output.h"
#include "options.h"
#include "series.h"
#include "trigger.h"

enum {
	OPT_LEVEL = 256, OPT_MAX_BUFFER, OPT_CHUNK,
	OPT_LAYOUT_ONLY, OPT_WITH_FILES, OPT_NO_FREEZE, OPT_PROGRESS,
	OPT_NO_PROGRESS, OPT_VERSION, OPT_NO_SPACE_CHECK, OPT_METHOD,
	OPT_READ_SWAP, OPT_COW, OPT_PARENT, OPT_EVERY, OPT_COUNT, OPT_WHEN,
	OPT_ON_SIGNAL, OPT_AT_EXIT, OPT_WAIT_NAME,
	OPT_TREE, OPT_CGROUP, OPT_CONTAINER_OF, OPT_ALL, OPT_SCOPE,
};

static const struct option long_options[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "output", required_argument, NULL, 'o' },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "threads", required_argument, NULL, 'j' },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "cow", no_argument, NULL, OPT_COW },
	{ "parent", required_argument, NULL, OPT_PARENT },
	{ "tree", required_argument, NULL, OPT_TREE },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "container-of", required_argument, NULL, OPT_CONTAINER_OF },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "scope", required_argument, NULL, OPT_SCOPE },
	{ "max-buffer", required_argument, NULL, OPT_MAX_BUFFER },
	{ "chunk", required_argument, NULL, OPT_CHUNK },
	{ "layout-only", no_argument, NULL, OPT_LAYOUT_ONLY },
	{ "with-files", no_argument, NULL, OPT_WITH_FILES },
	{ "no-freeze", no_argument, NULL, OPT_NO_FREEZE },
	{ "no-space-check", no_argument, NULL, OPT_NO_SPACE_CHECK },
	{ "read-swap", no_argument, NULL, OPT_READ_SWAP },
	{ "every", required_argument, NULL, OPT_EVERY },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "when", required_argument, NULL, OPT_WHEN },
	{ "on-signal", required_argument, NULL, OPT_ON_SIGNAL },
	{ "at-exit", no_argument, NULL, OPT_AT_EXIT },
	{ "wait-name", required_argument, NULL, OPT_WAIT_NAME },
	{ "quiet", no_argument, NULL, 'q' },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fputs("usage: memsnap -p PID -o FILE|DIR [options]\n"
	      "       memsnap {-p PID | --wait-name NAME} -o DIR TRIGGER... [options]\n"
	      "       memsnap {--tree PID | --cgroup PATH | --container-of PID | --all}\n"
	      "               -o DIR [options]\n"
	      "\n"
	      "Freeze process PID, write a snapshot of its memory and state to\n"
	      "FILE (\"-\" for standard output), and let it run again.  A group\n"
	      "is frozen at one instant and written to a new case directory DIR:\n"
	      "one PID.msnap per process and case.yaml, the index.\n"
	      "\n"
	      "  -p, --pid PID         process to capture\n"
	      "      --tree PID        the process and all its descendants\n"
	      "      --cgroup PATH     every process of a cgroup and its children\n"
	      "                        (a directory, or a path as /proc/PID/cgroup\n"
	      "                        shows it; v1 or v2)\n"
	      "      --container-of PID  the cgroup (container) that holds PID\n"
	      "      --all             every user process but memsnap and its\n"
	      "                        ancestors\n"
	      "      --scope code      only executable memory and its modules'\n"
	      "                        mappings: what memsnap-analyze check needs\n"
	      "  -o, --output FILE     snapshot file (created 0600, never replaced)\n"
	      "  -o, --output FILE     snapshot file (created 0600, never replaced);\n"
	      "                        a directory: DIR/COMM-PID-UTCTIME.msnap\n"
	      "      --level N         zstd level (default 1)\n"
	      "  -j, --threads N       compression workers (default: online CPUs)\n"
	      "      --method M        precopy (default): read while the process\n"
	      "                        runs, then verify and re-read what changed\n"
	      "                        while frozen; buffer: copy all while frozen;\n"
	      "                        cow: the same as --cow\n"
	      "      --cow             shortest freeze for a big, busy process\n"
	      "                        (its page tables are copied: ~25 ms/GiB):\n"
	      "                        make it fork once (an injected clone,\n"
	      "                        recorded in the manifest), read the child\n"
	      "                        while it runs, kill and reap the child;\n"
	      "                        shared, memfd, DONTFORK and WIPEONFORK\n"
	      "                        memory is copied while frozen.  Changes\n"
	      "                        the process for a moment: a SIGKILL of\n"
	      "                        memsnap during the injected call crashes\n"
	      "                        it (stop with SIGINT); a SIGKILL later\n"
	      "                        leaves a zombie child (see the man page).\n"
	      "                        Refuses seccomp, RLIMIT_NPROC, full pids\n"
	      "                        cgroups, userfaultfd, non-x86-64 targets\n"
	      "      --max-buffer SIZE budget of memory copied while frozen (K/M/G;\n"
	      "                        default: precopy 64M, buffer half of\n"
	      "                        MemAvailable, leaving at least 256M)\n"
	      "      --chunk SIZE      raw bytes per compressed chunk (default 2M)\n"
	      "      --layout-only     record the layout, registers and facts; no memory\n"
	      "      --with-files      also store every mapped file (for offline checks)\n"
	      "      --parent OLD      incremental: store only the pages whose bytes\n"
	      "                        differ from snapshot OLD's (compared byte\n"
	      "                        for byte); the rest is read from OLD, which\n"
	      "                        must stay beside FILE or be given to the\n"
	      "                        analyzer with --parent-dir\n"
	      "      --no-freeze       read while the process runs (no ptrace)\n"
	      "      --read-swap       read swapped-out pages from the swap areas\n"
	      "                        (root; never swaps them in)\n"
	      "      --no-space-check  do not refuse an output file system that has\n"
	      "                        less free space than 1/16 of the memory + 1M\n"
	      "\n"
	      "Series (-o DIR: files snap-SEQ-TIME.msnap, one per trigger):\n"
	      "      --every DURATION  capture every DURATION (500ms, 2s, 1m);\n"
	      "                        with --when: at least this far apart\n"
	      "                        (default 10s)\n"
	      "      --count N         stop after N snapshots (default 1, or\n"
	      "                        until stopped with --every alone)\n"
	      "      --when COND       capture when COND holds: rss>SIZE,\n"
	      "                        cpu>N% (of one core, over 1 s),\n"
	      "                        threads>N, fds>N; repeat: any fires\n"
	      "      --on-signal SIG   capture when the process receives SIG,\n"
	      "                        before its handler runs (traces it while\n"
	      "                        waiting: every signal passes through\n"
	      "                        memsnap; SIG is delivered after)\n"
	      "      --at-exit         capture the process as it exits, memory\n"
	      "                        intact (traced while waiting)\n"
	      "      --wait-name NAME  wait for a process of that comm or exe\n"
	      "                        name (instead of -p), then the rest\n"
	      "  Ctrl-C ends a series: the target runs on, the files stay whole.\n"
	      "\n"
	      "  -q, --quiet           no output on success\n"
	      "      --progress        progress bar on stderr (default: if a terminal)\n"
	      "      --no-progress     no progress bar\n"
	      "  -h, --help            this help\n"
	      "      --version         print the version\n"
	      "\n"
	      "Examples:\n"
	      "  memsnap -p 4242 -o /evidence/          # /evidence/COMM-4242-UTCTIME.msnap\n"
	      "  memsnap -p 4242 -o - | ssh analyst 'cat >case1.msnap'\n"
	      "  memsnap -p 4242 --layout-only -o base.msnap   # layout for diff --layout\n"
	      "\n"
	      "Exit status: 0 complete, 1 written but partial, 2 failed,\n"
	      "128+N stopped by signal N (129 SIGHUP, 130 SIGINT, 131 SIGQUIT,\n"
	      "143 SIGTERM).\n", f);
}

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("memsnap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'memsnap --help'\n", stderr);
	return EXIT_FAILED;
}

static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	uintmax_t v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoumax(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* The leading decimal digits of s (no sign); *end is what follows them. */
static bool parse_leading_number(const char *s, uintmax_t *v, char **end)
{
	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoumax(s, end, 10);
	return !errno && *end != s;
}

/* "64K", "2M", "1G", or plain bytes. */
static bool parse_size(const char *s, uint64_t *out)
{
	unsigned shift = 0;
	char *end;
	uintmax_t v;

	if (!parse_leading_number(s, &v, &end))
		return false;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: return false;
	}
	if (*end == 'i' && shift)
		end++;
	if (*end == 'B' && shift)
		end++;
	if (*end || v > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

/* "500ms", "2s", "1m", "3" (seconds). */
static bool parse_duration_ms(const char *s, uint64_t *ms)
{
	uint64_t mult = 1000;
	uintmax_t v;
	char *end;

	if (!parse_leading_number(s, &v, &end))
		return false;
	if (!strcmp(end, "ms"))
		mult = 1;
	else if (!strcmp(end, "m"))
		mult = 60000;
	else if (*end && strcmp(end, "s"))
		return false;
	if (!v || v > UINT64_MAX / mult)
		return false;
	*ms = v * mult;
	return true;
}

/* "USR1", "SIGUSR1" or a number; never one that cannot be caught. */
static int parse_signal(const char *s)
{
	uint64_t v;
	int sig;

	if (parse_uint(s, NSIG - 1, &v))
		sig = (int)v;
	else {
		if (!strncmp(s, "SIG", 3))
			s += 3;
		for (sig = 1; sig < NSIG; sig++)
			if (sigabbrev_np(sig) && !strcmp(sigabbrev_np(sig), s))
				break;
	}
	if (sig <= 0 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP)
		return 0;
	return sig;
}

/* The checks of a series' options; 0, or the usage error's status. */
static int check_series(struct cap_options *o, bool have_pid)
{
	struct cap_series *c = &o->series;
	const bool traced = c->on_signal || c->at_exit;

	if (have_pid && c->wait_name)
		return usage_error("%s", "give -p PID or --wait-name NAME, not both");
	if (!have_pid && !c->wait_name)
		return usage_error("%s", "no process given: use -p PID or --wait-name NAME");
	if (!c->every_ms && !c->nwhen && !traced && !c->wait_name)
		return usage_error("%s", "--count needs a trigger: --every, --when, --on-signal");
	if (traced && (c->every_ms || c->nwhen))
		return usage_error("%s", "--on-signal and --at-exit cannot be combined with --every or --when");
	if (c->at_exit && c->count > 1 && !c->on_signal)
		return usage_error("%s", "--at-exit captures once: drop --count");
	if (traced && (o->no_freeze || o->method == METHOD_COW))
		return usage_error("%s", "--on-signal and --at-exit need the ordinary freeze: drop --no-freeze and --cow");
	return 0;
}

int main(int argc, char **argv)
{
	struct cap_options o = {
		.level = 1,
		.chunk_bytes = 2u << 20,
		.progress = PROGRESS_AUTO,
		.argc = argc,
		.argv = argv,
	};
	struct cap_error herr;
	bool have_pid = false, method_given = false, cow_given = false;
	char *named = NULL;     /* -o DIR: the file name made in it */
	struct group_sel sel = { 0 };
	int ngroup = 0;
	uint64_t v;
	int c;

	/* First, before anything of a target can reach our memory. */
	if (harden_self(&herr)) {
		fprintf(stderr, "memsnap: %s\n", herr.msg);
		return EXIT_FAILED;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:o:j:qh", long_options, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!parse_uint(optarg, INT_MAX, &v) || !v)
				return usage_error("invalid pid: %s", optarg);
			o.pid = (pid_t)v;
			have_pid = true;
			break;
		case 'o':
			o.output = optarg;
			break;
		case OPT_LEVEL:
			if (!parse_uint(optarg, 22, &v) || !v)
				return usage_error("invalid zstd level (1-22): %s", optarg);
			o.level = (int)v;
			break;
		case 'j':
			if (!parse_uint(optarg, 256, &v) || !v)
				return usage_error("invalid thread count (1-256): %s", optarg);
			o.threads = (unsigned)v;
			break;
		case OPT_METHOD:
			if (!strcmp(optarg, "precopy"))
				o.method = METHOD_PRECOPY;
			else if (!strcmp(optarg, "buffer"))
				o.method = METHOD_BUFFER;
			else if (!strcmp(optarg, "cow"))
				o.method = METHOD_COW;
			else
				return usage_error("invalid method (precopy, buffer or cow): %s", optarg);
			method_given = true;
			break;
		case OPT_MAX_BUFFER:
			if (!parse_size(optarg, &v) || v < (64u << 10))
				return usage_error("invalid buffer size (at least 64K): %s", optarg);
			o.max_buffer = v;
			break;
		case OPT_CHUNK:
			if (!parse_size(optarg, &v) || v < 4096 ||
			    v > (16u << 20))
				return usage_error("invalid chunk size (4K-16M): %s", optarg);
			o.chunk_bytes = (uint32_t)v;
			break;
		case OPT_COW:
			cow_given = true;
			break;
		case OPT_TREE:
		case OPT_CONTAINER_OF:
			if (!parse_uint(optarg, INT_MAX, &v) || !v)
				return usage_error("invalid pid: %s", optarg);
			sel.pid = (pid_t)v;
			/* fall through */
		case OPT_CGROUP:
		case OPT_ALL:
			sel.kind = c == OPT_TREE ? GROUP_TREE :
				   c == OPT_CGROUP ? GROUP_CGROUP :
				   c == OPT_ALL ? GROUP_ALL : GROUP_CONTAINER;
			sel.arg = c == OPT_ALL ? "the host" : optarg;
			ngroup++;
			break;
		case OPT_SCOPE:
			if (strcmp(optarg, "code") && strcmp(optarg, "all"))
				return usage_error("invalid scope (code or all): %s", optarg);
			o.scope_code = !strcmp(optarg, "code");
			break;
		case OPT_LAYOUT_ONLY:
			o.layout_only = true;
			break;
		case OPT_WITH_FILES:
			o.with_files = true;
			break;
		case OPT_NO_FREEZE:
			o.no_freeze = true;
			break;
		case OPT_NO_SPACE_CHECK:
			o.no_space_check = true;
			break;
		case OPT_READ_SWAP:
			o.read_swap = true;
			break;
		case OPT_PARENT:
			o.parent = optarg;
			break;
		case OPT_EVERY:
			if (!parse_duration_ms(optarg, &o.series.every_ms))
				return usage_error("invalid duration (500ms, 2s, 1m): %s", optarg);
			o.series.active = true;
			break;
		case OPT_COUNT:
			if (!parse_uint(optarg, UINT32_MAX, &v) || !v)
				return usage_error("invalid count: %s", optarg);
			o.series.count = v;
			o.series.active = true;
			break;
		case OPT_WHEN:
			if (o.series.nwhen == MAX_WHEN)
				return usage_error("at most %d --when conditions", MAX_WHEN);
			if (when_parse(optarg, &o.series.when[o.series.nwhen], &herr))
				return usage_error("%s", herr.msg);
			o.series.nwhen++;
			o.series.active = true;
			break;
		case OPT_ON_SIGNAL:
			o.series.on_signal = parse_signal(optarg);
			if (!o.series.on_signal)
				return usage_error("invalid signal (not KILL or STOP): %s", optarg);
			o.series.active = true;
			break;
		case OPT_AT_EXIT:
			o.series.at_exit = true;
			o.series.active = true;
			break;
		case OPT_WAIT_NAME:
			if (!*optarg || strchr(optarg, '/'))
				return usage_error("invalid process name: %s", optarg);
			o.series.wait_name = optarg;
			o.series.active = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case OPT_PROGRESS:
			o.progress = PROGRESS_ON;
			break;
		case OPT_NO_PROGRESS:
			o.progress = PROGRESS_OFF;
			break;
		case 'h':
			usage(stdout);
			return EXIT_COMPLETE;
		case OPT_VERSION:
			printf("memsnap %s\n", MEMSNAP_VERSION);
			return EXIT_COMPLETE;
		case ':':
			return usage_error("option needs a value: %s", argv[optind - 1]);
		default:
			return usage_error("unknown option: %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument: %s", argv[optind]);
	if (ngroup && o.series.active)
		return usage_error("%s", "a series is of one process: drop --tree, --cgroup, --container-of, --all");
	if (ngroup > 1 || (ngroup && have_pid))
		return usage_error("%s", "give one of -p, --tree, --cgroup, --container-of, --all");
	if (ngroup && (!o.output || !strcmp(o.output, "-")))
		return usage_error("%s", "a group is written to a new directory: use -o DIR");
	if (ngroup && (cow_given || o.method == METHOD_COW))
		return usage_error("%s", "--cow is for one process, not a group");
	if (ngroup)
		return group_run(&o, &sel);
	if (o.series.active && !o.output)
		return usage_error("%s", "a series needs a directory: -o DIR");
	if (!have_pid && !o.series.active)
		return usage_error("%s", "no process given: use -p PID");
	if (!o.output)
		return usage_error("%s", "no output given: use -o FILE (or -o - for standard output)");
	if (cow_given && method_given && o.method != METHOD_COW)
		return usage_error("%s", "--cow is a method of its own: drop --method or --cow");
	if (cow_given)
		o.method = METHOD_COW;
	if (o.parent && o.layout_only)
		return usage_error("%s", "--parent needs memory contents: drop --layout-only");
	if (o.method == METHOD_COW && (o.no_freeze || o.layout_only))
		return usage_error("--cow cannot be used with %s: it forks a frozen process to read its memory",
				   o.no_freeze ? "--no-freeze" : "--layout-only");
	if (o.series.active && (c = check_series(&o, have_pid)))
		return c;
	/* last: every return above is before anything is allocated */
	if (!o.series.active && output_is_dir(o.output)) {
		o.output = named = output_name_in_dir(o.output, o.pid);
		if (!o.output)
			return usage_error("%s", "out of memory");
	}
	c = o.series.active ? series_run(&o) : dump_run(&o);
	free(named);
	return c;
}
