// SPDX-License-Identifier: MIT
/*
 * fuzz_case.c - libFuzzer target for the case index parser (formats/case.c).
 *
 * Parses the input as case.yaml; when it parses, checks what the parser
 * promises its callers: snapshot names are plain names inside the
 * directory, strings are NUL-terminated, pids positive and unique.
 *
 * fuzz-seconds-percent: 10
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msnap_case *c = NULL;
	struct msnap_error err;
	size_t i, k;

	if (msnap_case_parse(&c, (const char *)data, size, &err)) {
		if (c || !err.msg[0])
			abort();
		return 0;
	}
	for (i = 0; i < c->nprocs; i++) {
		const struct msnap_case_proc *p = &c->procs[i];

		if (p->pid <= 0 || !p->status || msnap_case_find(c, p->pid) != p)
			abort();
		if (p->snapshot && (strchr(p->snapshot, '/') ||
				    !strcmp(p->snapshot, "..") || !p->snapshot[0]))
			abort();
		for (k = 0; k < p->argc; k++)
			if (!p->argv[k])
				abort();
	}
	msnap_case_free(c);
	return 0;
}
