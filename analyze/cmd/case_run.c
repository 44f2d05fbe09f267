// SPDX-License-Identifier: MIT
/*
 * case_run.c - info, verify, check, layout and yara over a case directory.
 * Each runs the unchanged subcommand per snapshot, with the case directory
 * in argv replaced by the snapshot's path, under a "== pid N (comm) ==" line.
 * verify first recomputes every SHA-256 that case.yaml lists; check prints
 * one line per process (pid, comm, verdict, worst finding) before the
 * details.  The exit code is the worst of all (2 error > 1 > 0).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "case_check_doc.h"
#include "case_run.h"
#include "cli.h"

bool case_is_dir(const char *path)
{
	char p[4200];
	struct stat sb;

	if (stat(path, &sb) || !S_ISDIR(sb.st_mode))
		return false;
	snprintf(p, sizeof(p), "%s/case.yaml", path);
	return !lstat(p, &sb) && S_ISREG(sb.st_mode);
}

char *case_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static int worse(int a, int b)
{
	return a > b ? a : b;
}

static const char *comm_of(const struct msnap_case_proc *p)
{
	return p->comm ? p->comm : "?";
}

/*
 * The --format asked for ("text" when none), and *at the argv index that
 * holds its value (-1 when none): check writes one document for a case.
 */
static const char *format_of(int argc, char **argv, int *at)
{
	int i;

	*at = -1;
	for (i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-f") || !strcmp(argv[i], "--format")) &&
		    i + 1 < argc) {
			*at = ++i;
			return argv[i];
		}
		if (!strncmp(argv[i], "--format=", 9)) {
			*at = i;
			return argv[i] + 9;
		}
	}
	return "text";
}

/* A format other than text makes no sense for a list of sections. */
static bool non_text_format(int argc, char **argv)
{
	int at;

	return strcmp(format_of(argc, argv, &at), "text") != 0;
}

/* check writes one document for a case in text, JSON or YAML. */
static bool check_format_ok(int argc, char **argv)
{
	int at;
	const char *f = format_of(argc, argv, &at);

	return !strcmp(f, "text") || !strcmp(f, "json") || !strcmp(f, "yaml");
}

static bool has_output_option(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-o") || !strncmp(argv[i], "--output", 8))
			return true;
	return false;
}

/*
 * The run on a fresh copy of argv with argv[at] replaced by path (and
 * argv[at2] by path2 when at2 > 0): getopt permutes the vector it is given
 * and keeps its position in optind, so each run starts over.
 */
int case_run_one(case_cmd_fn run, int argc, char **argv, int at, char *path,
		 int at2, char *path2)
{
	char **v = calloc((size_t)argc + 1, sizeof(*v));
	int ret;

	if (!v)
		return ANA_EXIT_ERROR;
	memcpy(v, argv, (size_t)argc * sizeof(*v));
	v[at] = path;
	if (at2 > 0)
		v[at2] = path2;
	optind = 0;
	ret = run(argc, v);
	fflush(stdout);
	free(v);
	return ret;
}

static int run_with(case_cmd_fn run, int argc, char **argv, int at,
		    char *path)
{
	return case_run_one(run, argc, argv, at, path, 0, NULL);
}

/* ---- verify: the hashes of case.yaml ------------------------------------- */

/* 0, or -errno (the file cannot be opened or read). */
static int file_sha256(const char *path, uint8_t out[32])
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = msnap_file_sha256(fd, out);
	close(fd);
	return ret;
}

static bool listed(const struct msnap_case *c, const char *name)
{
	size_t i;

	if (!strcmp(name, "case.yaml") || (c->nfiles && !strcmp(name, "files")))
		return true;
	for (i = 0; i < c->nprocs; i++)
		if (c->procs[i].snapshot && !strcmp(c->procs[i].snapshot, name))
			return true;
	return false;
}

/* Files the index does not name: worth a word, not damage. */
static void note_unlisted(const char *dir, const struct msnap_case *c)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && !listed(c, de->d_name))
			printf("%s: not in case.yaml\n", de->d_name);
	closedir(d);
}

/* One file the index names against its SHA-256: one line, exit code. */
static int verify_one(const char *dir, const char *name,
		      const uint8_t want[32])
{
	char *path = case_path(dir, name);
	uint8_t got[32];
	int ret = ANA_EXIT_OK, e = path ? file_sha256(path, got) : -ENOMEM;
	char hex[65];

	if (e) {
		printf("%s: MISSING (%s)\n", name, strerror(-e));
		ret = ANA_EXIT_DAMAGED;
	} else if (memcmp(got, want, 32)) {
		msnap_hex(got, 32, hex);
		printf("%s: SHA-256 MISMATCH: the file is %s\n", name, hex);
		ret = ANA_EXIT_DAMAGED;
	} else {
		printf("%s: sha256 ok\n", name);
	}
	free(path);
	return ret;
}

static int verify_hashes(const char *dir, const struct msnap_case *c)
{
	size_t i;
	int ret = ANA_EXIT_OK;

	for (i = 0; i < c->nprocs; i++) {
		const struct msnap_case_proc *p = &c->procs[i];

		if (!p->snapshot)
			continue;
		ret = worse(ret, verify_one(dir, p->snapshot, p->sha256));
	}
	for (i = 0; i < c->nfiles; i++) {
		const struct msnap_case_file *f = &c->files[i];

		if (!f->stored)
			continue;
		ret = worse(ret, verify_one(dir, f->stored, f->sha256));
	}
	note_unlisted(dir, c);
	return ret;
}

/* ---- check: a summary line per process, then the details ----------------- */

static int severity_rank(const char *line)
{
	static const char *const sev[] = { "[info]", "[low]", "[medium]",
					   "[high]" };
	int i;

	for (i = 3; i >= 0; i--)
		if (!strncmp(line, sev[i], strlen(sev[i])))
			return i + 1;
	return 0;
}

/* "PID COMM VERDICT WORST-FINDING" from check's text output. */
static void summary_line(const struct msnap_case_proc *p, const char *text)
{
	const char *line, *v = strstr(text, "verdict: ");
	const char *worst = NULL, *module = NULL, *mod = NULL;
	int best = 0, r;
	size_t vlen = 0;

	if (v) {
		v += 9;
		vlen = strcspn(v, ":\n");
	}
	for (line = text; line && *line; line = strchr(line, '\n'),
	     line = line ? line + 1 : NULL) {
		if (*line != ' ' && *line != '\n' && line[strcspn(line, "\n") - 1] == ':')
			mod = line;
		r = severity_rank(line + strspn(line, " "));
		if (r > best) {
			best = r;
			worst = line + strspn(line, " ");
			module = mod;
		}
	}
	printf("%-8lld %-16.16s %-10.*s ", (long long)p->pid, comm_of(p),
	       (int)(v ? vlen : 7), v ? v : "unknown");
	if (worst)
		printf("%.*s%s%.*s\n", (int)strcspn(worst, "\n"), worst,
		       module ? " in " : "",
		       module ? (int)strcspn(module, "\n") - 1 : 0,
		       module ? module : "");
	else
		printf("-\n");
}

static int case_check(case_cmd_fn run, int argc, char **argv, int at,
		      const char *dir, const struct msnap_case *c)
{
	int fat;
	const char *format = format_of(argc, argv, &fat);
	const bool yaml = !strcmp(format, "yaml"), doc = yaml ||
			  !strcmp(format, "json");
	char *saved = fat >= 0 ? argv[fat] : NULL;
	struct case_output *res = calloc(c->nprocs ? c->nprocs : 1, sizeof(*res));
	int ret = ANA_EXIT_OK;
	size_t i;

	if (!res) {
		ana_err("check", "out of memory");
		return ANA_EXIT_ERROR;
	}
	/* each process's check writes JSON; the case's document is built of them */
	if (yaml)
		argv[fat] = (char *)(strncmp(saved, "--format=", 9) ? "json" :
				     "--format=json");
	if (case_run_each(run, argc, argv, at, dir, c, res))
		ret = ANA_EXIT_ERROR;
	if (yaml)
		argv[fat] = saved;
	if (doc) {
		ret = worse(ret, case_check_doc(dir, c, res, yaml));
		for (i = 0; i < c->nprocs; i++)
			free(res[i].text);
		free(res);
		return ret;
	}
	printf("%-8s %-16s %-10s %s\n", "PID", "COMM", "VERDICT", "WORST FINDING");
	for (i = 0; i < c->nprocs; i++) {
		const struct msnap_case_proc *p = &c->procs[i];

		if (!p->snapshot) {
			printf("%-8lld %-16.16s %-10s %s\n", (long long)p->pid,
			       comm_of(p), p->status, p->error ? p->error : "-");
			continue;
		}
		if (!res[i].text)
			printf("%-8lld %-16.16s error      cannot run check\n",
			       (long long)p->pid, comm_of(p));
		else
			summary_line(p, res[i].text);
		ret = worse(ret, res[i].ret);
	}
	for (i = 0; i < c->nprocs; i++) {
		if (!res[i].text)
			continue;
		printf("\n== pid %lld (%s) %s ==\n%s", (long long)c->procs[i].pid,
		       comm_of(&c->procs[i]), c->procs[i].snapshot, res[i].text);
		free(res[i].text);
	}
	free(res);
	return ret;
}

static bool has_sysroot(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--sysroot", 9))
			return true;
	return false;
}

/*
 * The case's files/ tree is the sysroot of the files stored once for all
 * its processes (formats/CASE.md): check binds a file there only if it is
 * the one the process loaded.  A --sysroot of the user's comes first.
 */
static int case_check_in(case_cmd_fn run, int argc, char **argv, int at,
			 const char *dir, const struct msnap_case *c)
{
	char **v, *root;
	int ret;

	if (!c->nfiles || has_sysroot(argc, argv))
		return case_check(run, argc, argv, at, dir, c);
	v = calloc((size_t)argc + 3, sizeof(*v));
	root = case_path(dir, "files");
	if (!v || !root) {
		free(v);
		free(root);
		ana_err("check", "out of memory");
		return ANA_EXIT_ERROR;
	}
	v[0] = argv[0];
	v[1] = (char *)"--sysroot";
	v[2] = root;
	memcpy(v + 3, argv + 1, (size_t)(argc - 1) * sizeof(*v));
	ret = case_check(run, argc + 2, v, at + 2, dir, c);
	free(root);
	free(v);
	return ret;
}

/* ---- the rest: one section per snapshot ---------------------------------- */

static int each_snapshot(case_cmd_fn run, int argc, char **argv, int at,
			 const char *dir, const struct msnap_case *c)
{
	int ret = ANA_EXIT_OK;
	char *path;
	size_t i;

	for (i = 0; i < c->nprocs; i++) {
		const struct msnap_case_proc *p = &c->procs[i];

		printf("%s== pid %lld (%s) ", i ? "\n" : "", (long long)p->pid,
		       comm_of(p));
		if (!p->snapshot) {
			printf("%s, no snapshot: %s ==\n", p->status,
			       p->error ? p->error : "-");
			continue;
		}
		printf("%s ==\n", p->snapshot);
		fflush(stdout);
		path = case_path(dir, p->snapshot);
		ret = worse(ret, path ? run_with(run, argc, argv, at, path) :
			    ANA_EXIT_ERROR);
		free(path);
	}
	return ret;
}

/* yara takes several snapshots: all of the case's in one run. */
static int all_at_once(case_cmd_fn run, int argc, char **argv, int at,
		       const char *dir, const struct msnap_case *c)
{
	char **nargv = calloc((size_t)argc + c->nprocs + 1, sizeof(*nargv));
	char **paths = calloc(c->nprocs + 1, sizeof(*paths));
	int n = 0, i, ret = ANA_EXIT_ERROR;
	size_t k, np = 0;

	if (!nargv || !paths)
		goto out;
	for (k = 0; k < c->nprocs; k++)
		if (c->procs[k].snapshot &&
		    !(paths[np++] = case_path(dir, c->procs[k].snapshot)))
			goto out;
	for (i = 0; i < argc; i++)
		if (i != at)
			nargv[n++] = argv[i];
		else
			for (k = 0; k < np; k++)
				nargv[n++] = paths[k];
	optind = 0;
	ret = run(n, nargv);
out:
	for (k = 0; paths && k < np; k++)
		free(paths[k]);
	free(paths);
	free(nargv);
	return ret;
}

static int find_case_args(int argc, char **argv, int *first, int *second)
{
	int i, n = 0;

	*first = *second = -1;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			continue;
		if (argv[i][0] == '-' || !case_is_dir(argv[i]))
			continue;
		if (n == 0)
			*first = i;
		else
			*second = i;
		n++;
	}
	return n;
}

int case_dispatch(const char *name, case_cmd_fn run, int argc, char **argv)
{
	struct msnap_case *c = NULL;
	struct msnap_error err;
	int at, other, ret, n;

	if (ana_wants_help(argc, argv))
		return -1;
	n = find_case_args(argc, argv, &at, &other);
	if (!n)
		return -1;
	if (!strcmp(name, "diff"))
		return n == 2 ? case_diff(run, argc, argv, at, other) :
		       (ana_err(name, "a case directory is compared with another case directory"),
			ANA_EXIT_ERROR);
	if (n > 1 || (strcmp(name, "info") && strcmp(name, "verify") &&
		      strcmp(name, "check") && strcmp(name, "layout") &&
		      strcmp(name, "yara"))) {
		ana_err(name, "%s does not take a case directory (one at a time: "
			"info, verify, check, layout, yara; diff takes two)", name);
		return ANA_EXIT_ERROR;
	}
	if ((strcmp(name, "check") ? non_text_format(argc, argv) :
	     !check_format_ok(argc, argv)) || (!strcmp(name, "layout") &&
					    has_output_option(argc, argv))) {
		ana_err(name, "a case directory is written %s to standard "
			"output, one section per process (run %s on each "
			"snapshot for other formats or files)",
			strcmp(name, "check") ? "as text" :
			"as text, JSON or YAML", name);
		return ANA_EXIT_ERROR;
	}
	if (msnap_case_load(&c, argv[at], &err)) {
		ana_err(name, "%s: %s", argv[at], err.msg);
		return ANA_EXIT_ERROR;
	}
	if (!strcmp(name, "check"))
		ret = case_check_in(run, argc, argv, at, argv[at], c);
	else if (!strcmp(name, "yara"))
		ret = all_at_once(run, argc, argv, at, argv[at], c);
	else if (!strcmp(name, "verify"))
		ret = worse(verify_hashes(argv[at], c),
			    each_snapshot(run, argc, argv, at, argv[at], c));
	else
		ret = each_snapshot(run, argc, argv, at, argv[at], c);
	msnap_case_free(c);
	return ret;
}
