// SPDX-License-Identifier: MIT
/*
 * case_diff.c - diff of two cases.  Pids mean nothing from one capture to
 * the next (a restarted service, another boot), so processes are matched
 * by what they are: the same executable and command line at the same
 * place in the tree first, then looser keys (same executable and command
 * line; same executable and place; same executable).  Matched pairs are
 * diffed as snapshots; the rest are reported gone (only in A) or added
 * (only in B).  Exit: 0 the same, 1 differences, 2 error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_run.h"
#include "cli.h"

#define MAX_ANCESTRY 32         /* levels of the tree compared */

enum { KEY_EXE = 1, KEY_CMD = 2, KEY_POS = 4 };

static const char *what(const struct msnap_case_proc *p)
{
	return p->exe ? p->exe : p->comm ? p->comm : "?";
}

static bool same_str(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

static bool same_cmdline(const struct msnap_case_proc *a,
			 const struct msnap_case_proc *b)
{
	size_t i;

	if (a->argc != b->argc)
		return false;
	for (i = 0; i < a->argc; i++)
		if (strcmp(a->argv[i], b->argv[i]))
			return false;
	return true;
}

/* Same executables on the way up to the root of the case. */
static bool same_position(const struct msnap_case *ca,
			  const struct msnap_case_proc *a,
			  const struct msnap_case *cb,
			  const struct msnap_case_proc *b)
{
	int depth;

	for (depth = 0; depth < MAX_ANCESTRY; depth++) {
		a = msnap_case_find(ca, a->ppid);
		b = msnap_case_find(cb, b->ppid);
		if (!a || !b)
			return !a && !b;
		if (!same_str(what(a), what(b)))
			return false;
	}
	return true;
}

static bool matches(const struct msnap_case *ca, const struct msnap_case_proc *a,
		    const struct msnap_case *cb, const struct msnap_case_proc *b,
		    int keys)
{
	return same_str(what(a), what(b)) &&
	       (!(keys & KEY_CMD) || same_cmdline(a, b)) &&
	       (!(keys & KEY_POS) || same_position(ca, a, cb, b));
}

/* pair[i] = index in B of A's process i, or -1. */
static void match_all(const struct msnap_case *ca, const struct msnap_case *cb,
		      long *pair, bool *taken)
{
	static const int passes[] = { KEY_EXE | KEY_CMD | KEY_POS,
				      KEY_EXE | KEY_CMD, KEY_EXE | KEY_POS,
				      KEY_EXE };
	size_t pass, i, k;

	for (pass = 0; pass < sizeof(passes) / sizeof(passes[0]); pass++)
		for (i = 0; i < ca->nprocs; i++)
			for (k = 0; pair[i] < 0 && k < cb->nprocs; k++)
				if (!taken[k] && matches(ca, &ca->procs[i], cb,
							 &cb->procs[k], passes[pass])) {
					pair[i] = (long)k;
					taken[k] = true;
				}
}

static int diff_pair(case_cmd_fn run, int argc, char **argv, int ia, int ib,
		     const struct msnap_case_proc *a,
		     const struct msnap_case_proc *b)
{
	char *pa = case_path(argv[ia], a->snapshot);
	char *pb = case_path(argv[ib], b->snapshot);
	int ret = ANA_EXIT_ERROR;

	printf("\n== pid %lld -> pid %lld %s ==\n", (long long)a->pid,
	       (long long)b->pid, what(a));
	fflush(stdout);
	if (pa && pb)
		ret = case_run_one(run, argc, argv, ia, pa, ib, pb);
	free(pa);
	free(pb);
	return ret;
}

static int report(case_cmd_fn run, int argc, char **argv, int ia, int ib,
		  const struct msnap_case *ca, const struct msnap_case *cb,
		  const long *pair, const bool *taken)
{
	int ret = ANA_EXIT_OK, r;
	size_t i, k;

	for (i = 0; i < ca->nprocs; i++)
		if (pair[i] < 0) {
			printf("gone:    pid %lld %s\n", (long long)ca->procs[i].pid,
			       what(&ca->procs[i]));
			ret = ANA_EXIT_DAMAGED;
		} else {
			printf("matched: pid %lld -> pid %lld %s\n",
			       (long long)ca->procs[i].pid,
			       (long long)cb->procs[pair[i]].pid,
			       what(&ca->procs[i]));
		}
	for (k = 0; k < cb->nprocs; k++)
		if (!taken[k]) {
			printf("added:   pid %lld %s\n", (long long)cb->procs[k].pid,
			       what(&cb->procs[k]));
			ret = ANA_EXIT_DAMAGED;
		}
	for (i = 0; i < ca->nprocs; i++) {
		if (pair[i] < 0 || !ca->procs[i].snapshot ||
		    !cb->procs[pair[i]].snapshot)
			continue;
		r = diff_pair(run, argc, argv, ia, ib, &ca->procs[i],
			      &cb->procs[pair[i]]);
		if (r > ret)
			ret = r;
	}
	return ret;
}

int case_diff(case_cmd_fn run, int argc, char **argv, int ia, int ib)
{
	struct msnap_case *ca = NULL, *cb = NULL;
	struct msnap_error err;
	long *pair = NULL;
	bool *taken = NULL;
	int ret = ANA_EXIT_ERROR;
	size_t i;

	if (msnap_case_load(&ca, argv[ia], &err)) {
		ana_err("diff", "%s: %s", argv[ia], err.msg);
		goto out;
	}
	if (msnap_case_load(&cb, argv[ib], &err)) {
		ana_err("diff", "%s: %s", argv[ib], err.msg);
		goto out;
	}
	pair = malloc((ca->nprocs ? ca->nprocs : 1) * sizeof(*pair));
	taken = calloc(cb->nprocs ? cb->nprocs : 1, sizeof(*taken));
	if (!pair || !taken) {
		ana_err("diff", "out of memory");
		goto out;
	}
	for (i = 0; i < ca->nprocs; i++)
		pair[i] = -1;
	match_all(ca, cb, pair, taken);
	ret = report(run, argc, argv, ia, ib, ca, cb, pair, taken);
out:
	free(pair);
	free(taken);
	msnap_case_free(ca);
	msnap_case_free(cb);
	return ret;
}
