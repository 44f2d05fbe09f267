/* SPDX-License-Identifier: MIT */
/*
 * yaml_out.h - build a YAML document with libyaml's emitter, in memory.
 *
 * Errors are sticky: after the first failure every call is a no-op and
 * yout_finish() reports it, so callers emit a whole document and check once.
 * Strings from the target (names, paths, environment) may hold any bytes:
 * yout_bytes() stores valid printable UTF-8 as a string and anything else as
 * !!binary, so no target data can inject structure or terminal escapes.
 */
#ifndef YAML_OUT_H
#define YAML_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "msnap.h"

struct yout;

struct yout *yout_new(void);            /* NULL on ENOMEM */
void yout_free(struct yout *y);

void yout_map_begin(struct yout *y);
void yout_map_end(struct yout *y);
void yout_seq_begin(struct yout *y);
void yout_seq_end(struct yout *y);
void yout_flow_seq_begin(struct yout *y);   /* [a, b, c] on one line */

void yout_key(struct yout *y, const char *key);  /* a plain ASCII key */
void yout_str(struct yout *y, const char *s);    /* NUL-terminated; NULL emits null */
void yout_bytes(struct yout *y, const void *s, size_t n);
void yout_u64(struct yout *y, uint64_t v);
void yout_i64(struct yout *y, int64_t v);
void yout_hex(struct yout *y, uint64_t v);       /* "0x7ffd1234" as a plain scalar */
void yout_bool(struct yout *y, bool v);
void yout_null(struct yout *y);
void yout_binary(struct yout *y, const void *data, size_t n); /* !!binary base64 */
void yout_hexbytes(struct yout *y, const void *data, size_t n); /* "a1b2..." digest */
void yout_double(struct yout *y, double v);      /* %.9g */

/* key + value shorthands */
void yout_kv_str(struct yout *y, const char *k, const char *v);
void yout_kv_bytes(struct yout *y, const char *k, const void *v, size_t n);
void yout_kv_u64(struct yout *y, const char *k, uint64_t v);
void yout_kv_i64(struct yout *y, const char *k, int64_t v);
void yout_kv_hex(struct yout *y, const char *k, uint64_t v);
void yout_kv_bool(struct yout *y, const char *k, bool v);

/*
 * End the document.  On success *out is a malloc'd NUL-terminated YAML text
 * (caller frees) and *len its length.  Returns 0 or -MSNAP_E_*.
 */
int yout_finish(struct yout *y, char **out, size_t *len, struct msnap_error *err);

#endif
