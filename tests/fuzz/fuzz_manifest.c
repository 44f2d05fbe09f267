// SPDX-License-Identifier: MIT
/*
 * fuzz_manifest.c - libFuzzer target for the manifest parser (yaml_tree.c).
 *
 * Parses the input with the default limits, calls every accessor on every
 * node, and when it parses, writes the tree back out with yaml_out.c and
 * checks that it reads back the same: keys in order, scalars byte for byte.
 *
 * fuzz-seconds-percent: 60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_out.h"
#include "yaml_tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch_scalar(const struct ynode *n)
{
	uint8_t digest[64], *bytes = NULL;
	const char *s;
	size_t len, blen;
	uint64_t u;
	int64_t i;
	double d;
	bool b;

	s = ynode_str(n, &len);
	if (!s || s[len] != '\0')
		abort();
	(void)ynode_is_null(n);
	if (ynode_u64(n, &u) == 0 && len == 0)
		abort();
	if (ynode_i64(n, &i) == 0 && len == 0)
		abort();
	(void)ynode_bool(n, &b);
	(void)ynode_double(n, &d);
	if (ynode_bytes(n, &bytes, &blen) == 0) {
		if (!bytes)
			abort();
		free(bytes);
	} else if (bytes) {
		abort();
	}
	(void)ynode_hexbytes(n, digest, len / 2 < sizeof(digest) ?
			     len / 2 : sizeof(digest));
	if (ynode_len(n) != 0 || ynode_at(n, 0) || ynode_key_at(n, 0) ||
	    ynode_get(n, ""))
		abort();
}

static void walk(const struct ynode *n, unsigned depth)
{
	const char *key;
	size_t i, len;

	if (!n)
		abort();
	(void)ynode_line(n);
	/* The limit counts collections (the root is depth 1), not leaves. */
	if (ynode_kind(n) != YNODE_SCALAR && depth > 64)
		abort();
	if (ynode_kind(n) == YNODE_SCALAR) {
		touch_scalar(n);
		return;
	}
	if (ynode_str(n, &len) || len != 0)
		abort();
	len = ynode_len(n);
	for (i = 0; i < len; i++) {
		if (ynode_kind(n) == YNODE_MAP) {
			key = ynode_key_at(n, i);
			/* Keys are unique, so lookup finds this very entry. */
			if (!key || ynode_get(n, key) != ynode_at(n, i))
				abort();
			if (!strchr(key, '.') && ynode_path(n, key) !=
			    ynode_at(n, i))
				abort();
		} else if (ynode_key_at(n, i)) {
			abort();
		}
		walk(ynode_at(n, i), depth + 1);
	}
	if (ynode_at(n, len))
		abort();
}

/* ---- write the tree back and compare ------------------------------------ */

static void emit_node(struct yout *y, const struct ynode *n)
{
	uint8_t *bytes;
	size_t i, len;

	switch (ynode_kind(n)) {
	case YNODE_SCALAR:
		if (ynode_bytes(n, &bytes, &len) == 0) {
			yout_bytes(y, bytes, len);
			free(bytes);
		} else {
			yout_null(y);   /* bad base64: compared as such */
		}
		break;
	case YNODE_MAP:
		yout_map_begin(y);
		for (i = 0; i < ynode_len(n); i++) {
			yout_key(y, ynode_key_at(n, i));
			emit_node(y, ynode_at(n, i));
		}
		yout_map_end(y);
		break;
	case YNODE_SEQ:
		yout_seq_begin(y);
		for (i = 0; i < ynode_len(n); i++)
			emit_node(y, ynode_at(n, i));
		yout_seq_end(y);
		break;
	}
}

static bool same_bytes(const struct ynode *a, const struct ynode *b)
{
	uint8_t *x, *y;
	size_t lx, ly;
	bool same;

	if (ynode_bytes(a, &x, &lx))
		return ynode_is_null(b);
	if (ynode_bytes(b, &y, &ly)) {
		free(x);
		return false;
	}
	same = lx == ly && memcmp(x, y, lx) == 0;
	free(x);
	free(y);
	return same;
}

static bool same_tree(const struct ynode *a, const struct ynode *b)
{
	size_t i;

	if (ynode_kind(a) != ynode_kind(b))
		return false;
	if (ynode_kind(a) == YNODE_SCALAR)
		return same_bytes(a, b);
	if (ynode_len(a) != ynode_len(b))
		return false;
	for (i = 0; i < ynode_len(a); i++) {
		if (ynode_kind(a) == YNODE_MAP &&
		    strcmp(ynode_key_at(a, i), ynode_key_at(b, i)) != 0)
			return false;
		if (!same_tree(ynode_at(a, i), ynode_at(b, i)))
			return false;
	}
	return true;
}

static void round_trip(const struct ytree *t)
{
	struct msnap_error err;
	struct yout *y = yout_new();
	struct ytree *back = NULL;
	char *text = NULL;
	size_t len = 0;
	int r;

	if (!y)
		return;
	emit_node(y, ytree_root(t));
	r = yout_finish(y, &text, &len, &err);
	yout_free(y);
	/* Keys with control characters cannot be written: that is a refusal. */
	if (r == -MSNAP_E_INVAL)
		return;
	if (r)
		abort();
	/* Our own output must read back (base64 may outgrow the limit). */
	if (ytree_parse(&back, text, len, NULL, &err) &&
	    !strstr(err.msg, "scalar too long"))
		abort();
	if (back && !same_tree(ytree_root(t), ytree_root(back)))
		abort();
	ytree_free(back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msnap_error err;
	struct ytree *t = NULL;

	if (ytree_parse(&t, (const char *)data, size, NULL, &err)) {
		if (t || err.code == MSNAP_E_OK || !memchr(err.msg, '\0',
							   sizeof(err.msg)))
			abort();
		return 0;
	}
	walk(ytree_root(t), 1);
	round_trip(t);
	ytree_free(t);
	return 0;
}
