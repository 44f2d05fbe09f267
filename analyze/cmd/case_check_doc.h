/* SPDX-License-Identifier: MIT */
/* case_check_doc.h - check's JSON or YAML document for a whole case. */
#ifndef ANA_CASE_CHECK_DOC_H
#define ANA_CASE_CHECK_DOC_H

#include <stdbool.h>

#include "case_run.h"

/*
 * Print one document for the case: out[i] is process i's check run with
 * --format json.  Returns the worst exit code (2 error > 1 > 0).
 */
int case_check_doc(const char *dir, const struct msnap_case *c,
		   const struct case_output *out, bool yaml);

#endif
