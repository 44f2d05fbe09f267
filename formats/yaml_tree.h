/* SPDX-License-Identifier: MIT */
/*
 * yaml_tree.h - parse an untrusted YAML document (libyaml events) into a
 * small read-only tree, with hard limits on depth, node count and sizes.
 *
 * Anchors, aliases and multiple documents are refused: the manifest never
 * uses them, and refusing them closes alias-expansion bombs.  Duplicate
 * mapping keys are refused.  Errors say "line L, column C: problem".
 */
#ifndef YAML_TREE_H
#define YAML_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "msnap.h"

enum ynode_kind { YNODE_SCALAR, YNODE_MAP, YNODE_SEQ };

struct ynode;
struct ytree;

struct ytree_limits {
	unsigned max_depth;      /* 0: 64 */
	size_t max_nodes;        /* 0: 16 M */
	size_t max_scalar;       /* 0: 16 MiB */
};

int ytree_parse(struct ytree **out, const char *text, size_t len,
		const struct ytree_limits *limits, struct msnap_error *err);
void ytree_free(struct ytree *t);
const struct ynode *ytree_root(const struct ytree *t);

enum ynode_kind ynode_kind(const struct ynode *n);
size_t ynode_len(const struct ynode *n);              /* entries of a map or seq */
const struct ynode *ynode_at(const struct ynode *seq, size_t i); /* seq item / map value */
const char *ynode_key_at(const struct ynode *map, size_t i);     /* map key */
const struct ynode *ynode_get(const struct ynode *map, const char *key); /* NULL if absent or not a map */
unsigned ynode_line(const struct ynode *n);          /* 1-based */

/* Scalars.  All return NULL / -MSNAP_E_* when n is NULL or of the wrong type. */
const char *ynode_str(const struct ynode *n, size_t *len);   /* raw scalar text */
bool ynode_is_null(const struct ynode *n);           /* "~", "null", "" untagged */
int ynode_u64(const struct ynode *n, uint64_t *v);   /* decimal or 0x hex, no sign, overflow checked */
int ynode_i64(const struct ynode *n, int64_t *v);
int ynode_bool(const struct ynode *n, bool *v);      /* true / false */
int ynode_double(const struct ynode *n, double *v);
/* !!binary scalar (or plain string) as bytes; *out malloc'd, caller frees. */
int ynode_bytes(const struct ynode *n, uint8_t **out, size_t *len);
/* Fixed-size lowercase/uppercase hex digest into out[n]. */
int ynode_hexbytes(const struct ynode *n, uint8_t *out, size_t n_out);

/* Path lookups: ynode_path(root, "process.exe.path"); no indexes. */
const struct ynode *ynode_path(const struct ynode *root, const char *dotted);

#endif
