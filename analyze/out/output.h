/* SPDX-License-Identifier: MIT */
/*
 * output.h - one structured result, three renderings.
 *
 * A command builds a small document (maps, sequences, typed scalars) and
 * renders it once: as aligned text for a person, as JSON (jansson) or as
 * YAML (formats/yaml_out.h) for a program.  Strings from a snapshot are
 * bytes: text escapes them (escape.h), JSON stores invalid UTF-8 as
 * {"base64": "..."}, YAML as !!binary.
 *
 * Allocation failures are sticky: a failed call returns NULL or does
 * nothing, and odoc_render() reports the failure, so builders check once.
 *
 * Text layout: a map prints "key: value" lines with aligned values; a map
 * inside it is an indented section; a sequence of maps is a table (columns
 * are the keys, in order of first appearance); a sequence of scalars is one
 * line, items separated by spaces.
 */
#ifndef ANA_OUTPUT_H
#define ANA_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "msnap.h"

enum out_format { OUT_TEXT, OUT_JSON, OUT_YAML };

struct odoc;
struct onode;

/* "text", "json" or "yaml"; returns 0, or -1 if s names none of them. */
int out_parse_format(const char *s, enum out_format *f);

struct odoc *odoc_new(void);            /* NULL on ENOMEM */
void odoc_free(struct odoc *d);
struct onode *odoc_root(struct odoc *d); /* a map */

/*
 * Add a child to parent: a map needs key (plain ASCII, unique is the
 * caller's job), a sequence ignores it.  parent may be NULL (after a
 * failure): then nothing happens.
 */
struct onode *out_map(struct onode *parent, const char *key);
struct onode *out_seq(struct onode *parent, const char *key);
void out_str(struct onode *parent, const char *key, const char *s); /* NULL: null */
void out_bytes(struct onode *parent, const char *key, const void *s, size_t n);
void out_u64(struct onode *parent, const char *key, uint64_t v);
void out_i64(struct onode *parent, const char *key, int64_t v);
void out_hex(struct onode *parent, const char *key, uint64_t v);
void out_bool(struct onode *parent, const char *key, bool v);
void out_null(struct onode *parent, const char *key);
/* A real number; text shows it with `decimals` digits after the point. */
void out_fixed(struct onode *parent, const char *key, double v, int decimals);

/*
 * Reading a document back, for a renderer with a layout of its own (check's
 * text and SARIF): absent keys and other kinds read as NULL / 0 / false.
 */
const struct onode *odoc_top(const struct odoc *d);
/* Some of the document was lost to a failed allocation. */
bool odoc_failed(const struct odoc *d);
const struct onode *out_get(const struct onode *map, const char *key);
size_t out_len(const struct onode *n);        /* items of a map or sequence */
const struct onode *out_at(const struct onode *n, size_t i);
bool out_is_null(const struct onode *n);      /* NULL or a null */
/* A string's bytes (*len set when len is not NULL); NULL if not a string. */
const char *out_get_str(const struct onode *map, const char *key,
			size_t *len);
/* The same of a node itself (an item of a sequence). */
const char *out_node_str(const struct onode *n, size_t *len);
/* An unsigned, signed or hex number, or a bool as 0/1. */
uint64_t out_get_u64(const struct onode *map, const char *key);
/* A real number of out_fixed(). */
double out_get_fixed(const struct onode *map, const char *key);

/* The JSON value of a node (as the JSON rendering has it); NULL on ENOMEM. */
struct json_t *out_node_json(const struct onode *n);

/*
 * JSON text of j (jansson), indented, printable ASCII only: what every
 * JSON output of the analyzer uses.  malloc'd; NULL when out of memory.
 */
struct json_t;
char *out_json_dumps(const struct json_t *j);
/* The same, written to fp (no newline after it); 0 or -1. */
int out_json_dumpf(const struct json_t *j, FILE *fp);

/* Render into a malloc'd NUL-terminated text (*len its length). */
int odoc_render(const struct odoc *d, enum out_format f, char **text,
		size_t *len, struct msnap_error *err);
/* Render and write to fp. */
int odoc_print(const struct odoc *d, enum out_format f, FILE *fp,
	       struct msnap_error *err);

#endif
