/* SPDX-License-Identifier: MIT */
/*
 * escape.h - make bytes from a snapshot safe to show.
 *
 * Everything a snapshot says about its process (comm, paths, cmdline,
 * thread names) was chosen by that process, which may be hostile: shown raw
 * on a terminal it could move the cursor, rewrite earlier lines or change
 * the terminal's settings.  esc_text() keeps printable UTF-8 and writes
 * everything else as a visible escape.
 */
#ifndef ANA_ESCAPE_H
#define ANA_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Escape n bytes for a terminal: C0/C1 controls, DEL and invalid UTF-8
 * bytes become \xNN (\n, \t, \r, \\ their C spelling), bidirectional
 * overrides \u{NNNN}.  Returns a malloc'd NUL-terminated string, or NULL
 * when out of memory.  *out_len (may be NULL) receives its length.
 */
char *esc_text(const void *s, size_t n, size_t *out_len);

/* Write the escaped form of n bytes to fp; returns 0 or -1 (errno set). */
int esc_fputs(FILE *fp, const void *s, size_t n);

/* True when s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
bool esc_is_utf8(const void *s, size_t n);

/* Standard base64 (RFC 4648, padded) of n bytes; malloc'd, NULL on ENOMEM. */
char *esc_base64(const void *data, size_t n);

/* Columns the escaped text takes: code points (escapes are ASCII). */
size_t esc_width(const char *escaped);

#endif
