// SPDX-License-Identifier: MIT
/*
 * fuzz_yaml_out.c - libFuzzer target for the manifest writer (yaml_out.c):
 * any bytes written with yout_bytes() or yout_key() must read back with
 * yaml_tree.c byte for byte, whatever quoting or !!binary that took.
 *
 * Input: a list of pieces, each one length byte then that many bytes; each
 * piece is written as a map value, a sequence item and, when it is printable
 * UTF-8 without NUL, a map key.
 *
 * fuzz-seconds-percent: 30
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_out.h"
#include "yaml_tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PIECES 64

struct piece {
	const uint8_t *p;
	size_t n;
};

static void same_or_die(const struct ynode *n, const struct piece *pc)
{
	uint8_t *bytes;
	size_t len;

	if (!n || ynode_bytes(n, &bytes, &len))
		abort();
	if (len != pc->n || (len && memcmp(bytes, pc->p, len) != 0))
		abort();
	if (ynode_is_null(n))
		abort();
	free(bytes);
}

/* Emit the pieces; as_keys: also as keys, which yout may refuse. */
static int emit(const struct piece *pcs, size_t npc, bool as_keys,
		char **text, size_t *len)
{
	struct msnap_error err;
	struct yout *y = yout_new();
	char key[24];
	size_t i;
	int r;

	if (!y)
		return -MSNAP_E_NOMEM;
	yout_map_begin(y);
	yout_key(y, "values");
	yout_map_begin(y);
	for (i = 0; i < npc; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		yout_kv_bytes(y, key, pcs[i].p, pcs[i].n);
	}
	yout_map_end(y);
	yout_key(y, "items");
	yout_seq_begin(y);
	for (i = 0; i < npc; i++)
		yout_bytes(y, pcs[i].p, pcs[i].n);
	yout_seq_end(y);
	if (as_keys) {
		yout_key(y, "keys");
		yout_flow_seq_begin(y);
		for (i = 0; i < npc; i++) {
			char *k = strndup((const char *)pcs[i].p, pcs[i].n);

			if (!k)
				abort();
			yout_map_begin(y);
			yout_key(y, k);
			yout_u64(y, i);
			yout_map_end(y);
			free(k);
		}
		yout_seq_end(y);
	}
	yout_map_end(y);
	r = yout_finish(y, text, len, &err);
	yout_free(y);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct piece pcs[MAX_PIECES];
	struct msnap_error err;
	struct ytree *t = NULL;
	const struct ynode *root, *m;
	size_t npc = 0, off = 0, len, i;
	bool keys_ok = true;
	uint64_t v;
	char *text, key[24];
	int r;

	while (off < size && npc < MAX_PIECES) {
		pcs[npc].n = data[off++];
		if (pcs[npc].n > size - off)
			pcs[npc].n = size - off;
		pcs[npc].p = data + off;
		off += pcs[npc].n;
		if (memchr(pcs[npc].p, '\0', pcs[npc].n))
			keys_ok = false;
		npc++;
	}
	r = emit(pcs, npc, keys_ok, &text, &len);
	if (r == -MSNAP_E_INVAL && keys_ok) {
		/* A key that is not printable: without keys it must work. */
		keys_ok = false;
		r = emit(pcs, npc, false, &text, &len);
	}
	if (r)
		abort();
	if (strlen(text) != len)
		abort();
	if (ytree_parse(&t, text, len, NULL, &err))
		abort();
	root = ytree_root(t);
	for (i = 0; i < npc; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		same_or_die(ynode_get(ynode_get(root, "values"), key), &pcs[i]);
		same_or_die(ynode_at(ynode_get(root, "items"), i), &pcs[i]);
		if (!keys_ok)
			continue;
		m = ynode_at(ynode_get(root, "keys"), i);
		if (ynode_len(m) != 1 || strlen(ynode_key_at(m, 0)) != pcs[i].n ||
		    memcmp(ynode_key_at(m, 0), pcs[i].p, pcs[i].n) != 0 ||
		    ynode_u64(ynode_at(m, 0), &v) || v != i)
			abort();
	}
	ytree_free(t);
	free(text);
	return 0;
}
