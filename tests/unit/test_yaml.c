// SPDX-License-Identifier: MIT
/*
 * test_yaml.c - the manifest's YAML layer: every scalar kind and hostile
 * strings survive emit-then-parse byte for byte, and the parser refuses
 * what the manifest must never contain (aliases, anchors, duplicate keys,
 * second documents, deep nesting, oversized scalars, overflowing numbers).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yaml_out.h"
#include "yaml_tree.h"

/* ---- helpers --------------------------------------------------------------- */

static char *finish_ok(struct yout *y, size_t *len)
{
	struct msnap_error err = { 0 };
	char *text = NULL;
	size_t n = 0;

	assert_int_equal(yout_finish(y, &text, &n, &err), 0);
	assert_non_null(text);
	assert_int_equal(strlen(text), n);
	yout_free(y);
	if (len)
		*len = n;
	return text;
}

static struct ytree *parse_ok(const char *text)
{
	struct msnap_error err = { 0 };
	struct ytree *t = NULL;
	int r = ytree_parse(&t, text, strlen(text), NULL, &err);

	if (r)
		fail_msg("parse failed: %s\n--- text ---\n%s", err.msg, text);
	assert_non_null(t);
	return t;
}

/* Parse text expecting failure; the message must contain needle. */
static void parse_fails(const char *text, size_t len,
			const struct ytree_limits *lim, const char *needle)
{
	struct msnap_error err = { 0 };
	struct ytree *t = (struct ytree *)1;
	int r = ytree_parse(&t, text, len, lim, &err);

	if (r == 0)
		fail_msg("parse accepted: %.200s", text);
	assert_int_equal(r, -MSNAP_E_YAML);
	assert_null(t);
	assert_int_equal(err.code, MSNAP_E_YAML);
	if (strncmp(err.msg, "manifest line ", 14) != 0 ||
	    !strstr(err.msg, needle))
		fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

static char *nested(unsigned depth)
{
	char *s = malloc(2 * depth + 1);
	unsigned i;

	assert_non_null(s);
	for (i = 0; i < depth; i++) {
		s[i] = '[';
		s[depth + i] = ']';
	}
	s[2 * depth] = '\0';
	return s;
}

/* ---- round trips ------------------------------------------------------------- */

static void test_scalar_kinds(void **state)
{
	static const uint8_t blob[] = { 0, 1, 2, 0xff, 0xfe, '\n', 0x1b, 0x80 };
	struct yout *y = yout_new();
	const struct ynode *root, *seq, *n;
	struct ytree *t;
	uint8_t *bytes, digest[4];
	uint64_t u;
	int64_t i;
	double d;
	bool b;
	size_t len, k;
	char *text;

	(void)state;
	assert_non_null(y);
	yout_map_begin(y);
	yout_kv_u64(y, "zero", 0);
	yout_kv_u64(y, "u64max", UINT64_MAX);
	yout_kv_i64(y, "neg", -42);
	yout_kv_i64(y, "i64min", INT64_MIN);
	yout_kv_i64(y, "i64max", INT64_MAX);
	yout_kv_hex(y, "addr", 0x7ffd1234);
	yout_kv_hex(y, "hexmax", UINT64_MAX);
	yout_kv_bool(y, "yes", true);
	yout_kv_bool(y, "no", false);
	yout_key(y, "nothing");
	yout_null(y);
	yout_kv_str(y, "null_str", NULL);
	yout_kv_str(y, "plain", "hello world");
	yout_key(y, "blob");
	yout_binary(y, blob, sizeof(blob));
	yout_key(y, "empty_blob");
	yout_binary(y, "", 0);
	yout_key(y, "digest");
	yout_hexbytes(y, "\x12\x34\x56\x78", 4);
	yout_key(y, "half");
	yout_double(y, 1.5);
	yout_key(y, "tiny");
	yout_double(y, -2.5e-300);
	yout_key(y, "big");
	yout_double(y, 1e20);
	yout_key(y, "inf");
	yout_double(y, -INFINITY);
	yout_key(y, "nan");
	yout_double(y, NAN);
	yout_key(y, "nest");
	yout_map_begin(y);
	yout_key(y, "list");
	yout_seq_begin(y);
	yout_u64(y, 1);
	yout_map_begin(y);
	yout_kv_str(y, "deep", "x");
	yout_map_end(y);
	yout_seq_begin(y);
	yout_seq_end(y);
	yout_seq_end(y);
	yout_key(y, "flow");
	yout_flow_seq_begin(y);
	yout_str(y, "a");
	yout_str(y, "b c");
	yout_u64(y, 3);
	yout_seq_end(y);
	yout_key(y, "empty_map");
	yout_map_begin(y);
	yout_map_end(y);
	yout_map_end(y);
	yout_map_end(y);
	text = finish_ok(y, NULL);

	/* Addresses are quoted so YAML 1.1 readers keep them strings. */
	assert_non_null(strstr(text, "addr: \"0x7ffd1234\"\n"));
	assert_non_null(strstr(text, "flow: [a, b c, 3]\n"));
	assert_non_null(strstr(text, "!!binary"));

	t = parse_ok(text);
	root = ytree_root(t);
	assert_int_equal(ynode_kind(root), YNODE_MAP);
	assert_int_equal(ynode_len(root), 21);
	assert_string_equal(ynode_key_at(root, 0), "zero");
	assert_string_equal(ynode_key_at(root, 20), "nest");

	assert_int_equal(ynode_u64(ynode_get(root, "zero"), &u), 0);
	assert_true(u == 0);
	assert_int_equal(ynode_u64(ynode_get(root, "u64max"), &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(ynode_i64(ynode_get(root, "neg"), &i), 0);
	assert_true(i == -42);
	assert_int_equal(ynode_i64(ynode_get(root, "i64min"), &i), 0);
	assert_true(i == INT64_MIN);
	assert_int_equal(ynode_i64(ynode_get(root, "i64max"), &i), 0);
	assert_true(i == INT64_MAX);
	assert_int_equal(ynode_u64(ynode_get(root, "addr"), &u), 0);
	assert_true(u == 0x7ffd1234);
	assert_int_equal(ynode_u64(ynode_get(root, "hexmax"), &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(ynode_bool(ynode_get(root, "yes"), &b), 0);
	assert_true(b);
	assert_int_equal(ynode_bool(ynode_get(root, "no"), &b), 0);
	assert_false(b);
	assert_true(ynode_is_null(ynode_get(root, "nothing")));
	assert_true(ynode_is_null(ynode_get(root, "null_str")));
	assert_false(ynode_is_null(ynode_get(root, "plain")));
	assert_string_equal(ynode_str(ynode_get(root, "plain"), &len),
			    "hello world");
	assert_int_equal(len, 11);

	assert_int_equal(ynode_bytes(ynode_get(root, "blob"), &bytes, &len), 0);
	assert_int_equal(len, sizeof(blob));
	assert_memory_equal(bytes, blob, sizeof(blob));
	free(bytes);
	assert_int_equal(ynode_bytes(ynode_get(root, "empty_blob"), &bytes,
				     &len), 0);
	assert_int_equal(len, 0);
	free(bytes);

	assert_int_equal(ynode_hexbytes(ynode_get(root, "digest"), digest, 4),
			 0);
	assert_memory_equal(digest, "\x12\x34\x56\x78", 4);
	assert_int_not_equal(ynode_hexbytes(ynode_get(root, "digest"), digest,
					    3), 0);

	assert_int_equal(ynode_double(ynode_get(root, "half"), &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(ynode_double(ynode_get(root, "tiny"), &d), 0);
	assert_true(d == -2.5e-300);
	assert_non_null(strstr(text, "big: 1.0e+20\n"));
	assert_int_equal(ynode_double(ynode_get(root, "big"), &d), 0);
	assert_true(d == 1e20);
	assert_int_equal(ynode_double(ynode_get(root, "inf"), &d), 0);
	assert_true(isinf(d) && d < 0);
	assert_int_equal(ynode_double(ynode_get(root, "nan"), &d), 0);
	assert_true(isnan(d));

	seq = ynode_path(root, "nest.list");
	assert_int_equal(ynode_kind(seq), YNODE_SEQ);
	assert_int_equal(ynode_len(seq), 3);
	assert_int_equal(ynode_u64(ynode_at(seq, 0), &u), 0);
	assert_true(u == 1);
	assert_string_equal(ynode_str(ynode_get(ynode_at(seq, 1), "deep"),
				      NULL), "x");
	assert_int_equal(ynode_kind(ynode_at(seq, 2)), YNODE_SEQ);
	assert_int_equal(ynode_len(ynode_at(seq, 2)), 0);
	assert_null(ynode_at(seq, 3));
	n = ynode_path(root, "nest.flow");
	assert_int_equal(ynode_len(n), 3);
	assert_string_equal(ynode_str(ynode_at(n, 1), NULL), "b c");
	assert_int_equal(ynode_kind(ynode_path(root, "nest.empty_map")),
			 YNODE_MAP);
	assert_int_equal(ynode_len(ynode_path(root, "nest.empty_map")), 0);

	/* Lookups that must find nothing. */
	assert_null(ynode_path(root, "nest.list.deep"));
	assert_null(ynode_path(root, "nest..list"));
	assert_null(ynode_path(root, "nest.missing"));
	assert_null(ynode_path(root, ""));
	assert_null(ynode_get(seq, "deep"));
	assert_null(ynode_key_at(seq, 0));
	for (k = 0; k < ynode_len(root); k++)
		assert_true(ynode_get(root, ynode_key_at(root, k)) ==
			    ynode_at(root, k));

	/* Wrong types are refused, not coerced. */
	assert_int_not_equal(ynode_u64(ynode_get(root, "neg"), &u), 0);
	assert_int_not_equal(ynode_u64(ynode_get(root, "yes"), &u), 0);
	assert_int_not_equal(ynode_u64(ynode_get(root, "blob"), &u), 0);
	assert_int_not_equal(ynode_u64(seq, &u), 0);
	assert_int_not_equal(ynode_u64(NULL, &u), 0);
	assert_int_not_equal(ynode_bool(ynode_get(root, "zero"), &b), 0);
	assert_int_not_equal(ynode_double(ynode_get(root, "plain"), &d), 0);
	assert_null(ynode_str(seq, &len));
	assert_int_not_equal(ynode_bytes(seq, &bytes, &len), 0);
	ytree_free(t);
	free(text);
}

struct hostile {
	const char *s;
	size_t len;
	bool binary;            /* must be stored as !!binary */
};

#define H(lit, bin) { lit, sizeof(lit) - 1, bin }

static const struct hostile hostile[] = {
	H("", false), H(" ", false), H("  lead and trail  ", false),
	H("yes", false), H("No", false), H("on", false), H("y", false),
	H("null", false), H("~", false), H("NULL", false),
	H("0x10", false), H("123", false), H("-1", false), H("010", false),
	H("1e10", false), H("1.5", false), H(".inf", false), H(".NaN", false),
	H("1:20", false), H("2026-11-23T10:01:02.123456789Z", false),
	H("0.1.0", false), H("<<", false), H("=", false),
	H("a: b", false), H("- item", false), H("# comment", false),
	H("x #y", false), H("key:", false), H("?", false), H("? x", false),
	H("'single'", false), H("\"double\"", false), H("back\\slash", false),
	H("&anchor", false), H("*alias", false), H("!tag", false),
	H("!!binary AAAA", false), H("%directive", false), H("@at", false),
	H("`tick", false), H("|", false), H(">", false), H("[a, b]", false),
	H("{a: b}", false), H("---", false), H("...", false),
	H("tab\there", false), H("\t", false), H("caf\xc3\xa9", false),
	H("\xe2\x80\xa8line sep", false), H("para\xe2\x80\xa9sep", false),
	H("\xef\xbb\xbf" "bom", false), H("\xf0\x9f\x90\x8d snake", false),
	H("\xef\xbf\xbe nonchar", false),
	H("line\nbreak", true), H("cr\rlf", true), H("trailing\n", true),
	H("\x1b[31mred\x1b[0m", true), H("nul\0inside", true),
	H("\0", true), H("del\x7f", true), H("\xc2\x85 nel", true),
	H("\xc2\x9b csi", true), H("bad \xff utf8", true),
	H("\xc0\xaf overlong", true), H("\xed\xa0\x80 surrogate", true),
	H("\xf4\x90\x80\x80 too big", true), H("cut \xe2\x82", true),
	H("\x01\x02\x03", true), H("bell\a", true),
};

static void test_hostile_strings(void **state)
{
	const size_t nh = sizeof(hostile) / sizeof(hostile[0]);
	struct yout *y = yout_new();
	struct ytree *t;
	const struct ynode *seq, *n, *m;
	uint8_t *bytes;
	size_t i, len;
	char *text, *p;

	(void)state;
	assert_non_null(y);
	yout_map_begin(y);
	yout_key(y, "values");
	yout_seq_begin(y);
	for (i = 0; i < nh; i++)
		yout_bytes(y, hostile[i].s, hostile[i].len);
	yout_seq_end(y);
	/* The same strings as map values and (printable ones) as keys. */
	yout_key(y, "as_map");
	yout_map_begin(y);
	for (i = 0; i < nh; i++) {
		char key[24];

		snprintf(key, sizeof(key), "k%zu", i);
		yout_kv_bytes(y, key, hostile[i].s, hostile[i].len);
	}
	yout_map_end(y);
	yout_key(y, "as_keys");
	yout_map_begin(y);
	for (i = 0; i < nh; i++) {
		if (hostile[i].binary)
			continue;
		yout_key(y, hostile[i].s);
		yout_u64(y, i);
	}
	yout_map_end(y);
	yout_map_end(y);
	text = finish_ok(y, &len);

	/* Nothing from the target reaches the text as a raw control byte. */
	for (p = text; *p; p++)
		assert_true(*p == '\n' || (unsigned char)*p >= 0x20);
	assert_null(memchr(text, 0x7f, len));

	t = parse_ok(text);
	seq = ynode_path(ytree_root(t), "values");
	assert_int_equal(ynode_len(seq), nh);
	for (i = 0; i < nh; i++) {
		char key[24];

		snprintf(key, sizeof(key), "k%zu", i);
		m = ynode_get(ynode_path(ytree_root(t), "as_map"), key);
		assert_non_null(m);
		for (n = ynode_at(seq, i); n; n = n == m ? NULL : m) {
			const char *raw = ynode_str(n, &len);

			assert_int_equal(ynode_bytes(n, &bytes, &len), 0);
			if (len != hostile[i].len ||
			    memcmp(bytes, hostile[i].s, len) != 0)
				fail_msg("string %zu changed", i);
			free(bytes);
			assert_false(ynode_is_null(n));
			if (!hostile[i].binary) {
				/* Stored as a string: the raw text is it. */
				raw = ynode_str(n, &len);
				assert_int_equal(len, hostile[i].len);
				assert_memory_equal(raw, hostile[i].s, len);
			}
		}
	}
	n = ynode_path(ytree_root(t), "as_keys");
	for (i = 0; i < nh; i++) {
		uint64_t v;

		if (hostile[i].binary)
			continue;
		assert_int_equal(ynode_u64(ynode_get(n, hostile[i].s), &v), 0);
		assert_true(v == i);
	}
	ytree_free(t);
	free(text);
}

/* Every string of 1 to 3 bytes from a small alphabet of troublemakers. */
static void test_short_strings_exhaustive(void **state)
{
	static const char alphabet[] = " :#-?'\"\n\t!&*|>%@`,[]{}~0x.+eyn\\";
	const size_t na = sizeof(alphabet) - 1;
	char s[4];
	size_t a, b, c, len, total = 0;

	(void)state;
	for (len = 1; len <= 3; len++) {
		for (a = 0; a < na; a++) {
			for (b = 0; b < (len > 1 ? na : 1); b++) {
				for (c = 0; c < (len > 2 ? na : 1); c++) {
					struct yout *y = yout_new();
					struct ytree *t;
					uint8_t *bytes;
					size_t n;
					char *text;

					s[0] = alphabet[a];
					s[1] = alphabet[b];
					s[2] = alphabet[c];
					assert_non_null(y);
					yout_seq_begin(y);
					yout_bytes(y, s, len);
					yout_seq_end(y);
					text = finish_ok(y, NULL);
					t = parse_ok(text);
					assert_int_equal(ynode_bytes(ynode_at(
						ytree_root(t), 0), &bytes, &n),
						0);
					if (n != len || memcmp(bytes, s, n))
						fail_msg("'%.*s' changed: %s",
							 (int)len, s, text);
					free(bytes);
					ytree_free(t);
					free(text);
					total++;
				}
			}
		}
	}
	assert_true(total > 30000);
}

/* ---- emitter errors ---------------------------------------------------------- */

static void test_emitter_errors_are_sticky(void **state)
{
	struct msnap_error err = { 0 };
	struct yout *y;
	char *text = (char *)1;
	size_t len = 1;

	(void)state;
	y = yout_new();
	assert_non_null(y);
	yout_map_end(y);
	yout_map_begin(y);
	yout_kv_u64(y, "a", 1);
	yout_map_end(y);
	assert_int_equal(yout_finish(y, &text, &len, &err), -MSNAP_E_STATE);
	assert_null(text);
	assert_int_equal(len, 0);
	assert_non_null(strstr(err.msg, "yaml output"));
	yout_free(y);

	y = yout_new();
	yout_map_begin(y);
	yout_kv_u64(y, "a", 1);
	assert_int_equal(yout_finish(y, &text, &len, &err), -MSNAP_E_STATE);
	yout_free(y);

	y = yout_new();
	yout_map_begin(y);
	yout_key(y, "bad\nkey");
	yout_u64(y, 1);
	yout_map_end(y);
	assert_int_equal(yout_finish(y, &text, &len, NULL), -MSNAP_E_INVAL);
	yout_free(y);

	/* A map key that is a map: libyaml's own check, kept sticky. */
	y = yout_new();
	yout_map_begin(y);
	yout_u64(y, 1);
	yout_u64(y, 2);
	yout_map_end(y);
	yout_u64(y, 3);
	assert_int_equal(yout_finish(y, &text, &len, &err), -MSNAP_E_STATE);
	yout_free(y);

	y = yout_new();
	assert_int_equal(yout_finish(y, &text, &len, &err), -MSNAP_E_STATE);
	yout_free(y);
}

/* ---- parser limits ------------------------------------------------------------ */

static void test_depth_limit(void **state)
{
	struct msnap_error err = { 0 };
	struct ytree_limits lim = { .max_depth = 3 };
	struct ytree *t = NULL;
	char *s;

	(void)state;
	s = nested(64);
	t = parse_ok(s);
	ytree_free(t);
	free(s);
	s = nested(65);
	parse_fails(s, strlen(s), NULL, "nesting too deep");
	free(s);
	s = nested(100000);
	parse_fails(s, strlen(s), NULL, "nesting too deep");
	free(s);

	assert_int_equal(ytree_parse(&t, "a:\n  b:\n    - 1\n", 16, &lim, &err),
			 0);
	ytree_free(t);
	parse_fails("a:\n  b:\n    - [1]\n", 18, &lim, "line 3, column 7");
}

static void test_refusals(void **state)
{
	static const char second_doc[] = "a: 1\n---\nb: 2\n";
	static const char nul_inside[] = "a: 1\0\nb: 2\n";
	struct ytree_limits lim = { .max_scalar = 10, .max_nodes = 7 };
	struct ytree *t;

	(void)state;
	parse_fails("a: &x 1\nb: 2\n", 13, NULL, "anchors");
	parse_fails("a: &x [1]\n", 10, NULL, "anchors");
	parse_fails("a: 1\nb: *x\n", 11, NULL, "line 2, column 4: aliases");
	parse_fails("a: 1\nb: 2\na: 3\n", 15, NULL,
		    "line 3, column 1: duplicate mapping key");
	parse_fails("a: 1\n'a': 3\n", 12, NULL, "duplicate");
	parse_fails("- {x: 1, y: 2, x: 3}\n", 21, NULL, "duplicate");
	parse_fails(second_doc, sizeof(second_doc) - 1, NULL,
		    "line 2, column 1: more than one document");
	parse_fails("? [a]\n: b\n", 10, NULL, "mapping key is not a scalar");
	parse_fails("{a: 1}: b\n", 10, NULL, "mapping key is not a scalar");
	parse_fails("\"a\\0b\": 1\n", 10, NULL, "NUL character");
	parse_fails("a: !foo bar\n", 12, NULL, "tag not allowed");
	parse_fails("a: !!map {}\n", 12, NULL, "tag not allowed");
	parse_fails("a: ! bar\n", 9, NULL, "tag not allowed");
	parse_fails("a: [1, 2\nb: c\n", 14, NULL, "line");
	parse_fails("a: b: c\n", 8, NULL, "line 1, column 5");
	parse_fails("a: \"unterminated\n", 17, NULL, "line");
	parse_fails(nul_inside, sizeof(nul_inside) - 1, NULL, "line 1");
	parse_fails("a: \x1b[31m\n", 9, NULL, "line 1, column 4");
	parse_fails("a: \xff\n", 5, NULL, "line 1");
	parse_fails("", 0, NULL, "no document");
	parse_fails("# only a comment\n", 17, NULL, "no document");

	t = parse_ok("a: 0123456789\n");
	ytree_free(t);
	parse_fails("a: 0123456789A\n", 15, &lim, "scalar too long");
	parse_fails("[1, 2, 3, 4, 5, 6, 7]\n", 22, &lim, "too many nodes");
	t = NULL;
	assert_int_equal(ytree_parse(&t, "[1, 2, 3, 4, 5, 6]", 18, &lim, NULL),
			 0);
	ytree_free(t);
	/* Errors without a message buffer still fail. */
	assert_int_equal(ytree_parse(&t, "a: *x", 5, NULL, NULL),
			 -MSNAP_E_YAML);
	assert_null(t);
}

static void test_allowed_tags(void **state)
{
	static const char doc[] =
		"s: !!str 12\n"
		"i: !!int 12\n"
		"b: !!bool true\n"
		"n: !!null ''\n"
		"f: !!float 2.5\n"
		"bin: !!binary |\n"
		"  QUJD\n"
		"  REVG\n"
		"q: 'null'\n"
		"e:\n"
		"t: 'true'\n";
	struct ytree *t = parse_ok(doc);
	const struct ynode *r = ytree_root(t);
	uint8_t *bytes;
	uint64_t u;
	double d;
	bool b;
	size_t len;

	(void)state;
	assert_int_equal(ynode_u64(ynode_get(r, "i"), &u), 0);
	assert_true(u == 12);
	assert_int_equal(ynode_bool(ynode_get(r, "b"), &b), 0);
	assert_true(b);
	assert_true(ynode_is_null(ynode_get(r, "n")));
	assert_true(ynode_is_null(ynode_get(r, "e")));
	assert_false(ynode_is_null(ynode_get(r, "q")));
	assert_int_not_equal(ynode_bool(ynode_get(r, "t"), &b), 0);
	assert_int_equal(ynode_double(ynode_get(r, "f"), &d), 0);
	assert_true(d == 2.5);
	assert_int_equal(ynode_bytes(ynode_get(r, "bin"), &bytes, &len), 0);
	assert_int_equal(len, 6);
	assert_memory_equal(bytes, "ABCDEF", 6);
	free(bytes);
	assert_int_equal(ynode_bytes(ynode_get(r, "s"), &bytes, &len), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(bytes, "12", 2);
	free(bytes);
	assert_int_equal(ynode_line(ynode_get(r, "bin")), 6);
	assert_int_equal(ynode_line(r), 1);
	ytree_free(t);
}

static void test_base64_strict(void **state)
{
	static const struct {
		const char *b64;
		const char *out;    /* NULL: refused */
	} cases[] = {
		{ "QQ==", "A" }, { "QUI=", "AB" }, { "QUJD", "ABC" },
		{ "\"\"", "" }, { "QU JD", "ABC" },
		{ "QQ", NULL }, { "QUJ", NULL }, { "Q===", NULL },
		{ "QU==", NULL }, { "QUJ=", NULL }, { "QQ==QQ==", NULL },
		{ "QUJD=", NULL }, { "QU=I", NULL }, { "QUJ-", NULL },
		{ "QUJ_", NULL }, { "=", NULL }, { "Q", NULL },
	};
	char doc[64];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ytree *t;
		uint8_t *bytes = NULL;
		int r;

		snprintf(doc, sizeof(doc), "b: !!binary %s\n", cases[i].b64);
		t = parse_ok(doc);
		r = ynode_bytes(ynode_get(ytree_root(t), "b"), &bytes, &len);
		if (cases[i].out) {
			if (r)
				fail_msg("'%s' refused", cases[i].b64);
			assert_int_equal(len, strlen(cases[i].out));
			assert_memory_equal(bytes, cases[i].out, len);
		} else if (r == 0) {
			fail_msg("'%s' accepted", cases[i].b64);
		}
		assert_true(r == 0 || bytes == NULL);
		free(bytes);
		ytree_free(t);
	}
}

static void test_integers(void **state)
{
	static const struct {
		const char *text;
		int u_ok, i_ok;
		uint64_t u;
		int64_t i;
	} cases[] = {
		{ "0", 1, 1, 0, 0 },
		{ "18446744073709551615", 1, 0, UINT64_MAX, 0 },
		{ "18446744073709551616", 0, 0, 0, 0 },
		{ "99999999999999999999", 0, 0, 0, 0 },
		{ "\"0xffffffffffffffff\"", 1, 0, UINT64_MAX, 0 },
		{ "\"0x0000000000000000ff\"", 1, 1, 255, 255 },
		{ "\"0x10000000000000000\"", 0, 0, 0, 0 },
		{ "\"0x\"", 0, 0, 0, 0 },
		{ "0xg", 0, 0, 0, 0 },
		{ "9223372036854775807", 1, 1, INT64_MAX, INT64_MAX },
		{ "9223372036854775808", 1, 0, 9223372036854775808ull, 0 },
		{ "-9223372036854775808", 0, 1, 0, INT64_MIN },
		{ "-9223372036854775809", 0, 0, 0, 0 },
		{ "-1", 0, 1, 0, -1 },
		{ "-0", 0, 0, 0, 0 },
		{ "--1", 0, 0, 0, 0 },
		{ "+1", 0, 0, 0, 0 },
		{ "\" 1\"", 0, 0, 0, 0 },
		{ "\"1 \"", 0, 0, 0, 0 },
		{ "010", 0, 0, 0, 0 },
		{ "1_000", 0, 0, 0, 0 },
		{ "1.0", 0, 0, 0, 0 },
		{ "''", 0, 0, 0, 0 },
		{ "\"-\"", 0, 0, 0, 0 },
		{ "\"12\\0\"", 0, 0, 0, 0 },
		{ "!!bool 1", 0, 0, 0, 0 },
	};
	char doc[64];
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct ytree *t;
		const struct ynode *n;
		uint64_t u = 7;
		int64_t i = 7;
		int ru, ri;

		snprintf(doc, sizeof(doc), "v: %s\n", cases[k].text);
		t = parse_ok(doc);
		n = ynode_get(ytree_root(t), "v");
		ru = ynode_u64(n, &u);
		ri = ynode_i64(n, &i);
		if ((ru == 0) != cases[k].u_ok || (ri == 0) != cases[k].i_ok)
			fail_msg("%s: u64 %d, i64 %d", cases[k].text, ru, ri);
		if (ru == 0)
			assert_true(u == cases[k].u);
		else
			assert_true(u == 7);
		if (ri == 0)
			assert_true(i == cases[k].i);
		ytree_free(t);
	}
}

/* A big map: duplicate detection and lookups must not be quadratic. */
static void test_big_map(void **state)
{
	const size_t nkeys = 200000;
	struct timespec t0, t1;
	struct ytree *t;
	const struct ynode *root;
	char *text, *p, key[32];
	size_t i;
	uint64_t v;

	(void)state;
	text = malloc(nkeys * 32);
	assert_non_null(text);
	p = text;
	for (i = 0; i < nkeys; i++)       /* descending: worst order for naive sorts */
		p += sprintf(p, "key%07zu: %zu\n", nkeys - 1 - i, i);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = parse_ok(text);
	root = ytree_root(t);
	assert_int_equal(ynode_len(root), nkeys);
	for (i = 0; i < nkeys; i++) {
		snprintf(key, sizeof(key), "key%07zu", i);
		assert_int_equal(ynode_u64(ynode_get(root, key), &v), 0);
		assert_true(v == nkeys - 1 - i);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("200k-key map: parse + every lookup in %.3f s\n",
		      (double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	ytree_free(t);

	/* The same map with its last key repeated is refused. */
	p += sprintf(p, "key%07zu: 0\n", (size_t)12345);
	parse_fails(text, strlen(text), NULL, "duplicate mapping key");
	free(text);
}

/* The example of formats/MANIFEST.md parses and reads as documented. */
static void test_manifest_example(void **state)
{
	static const char doc[] =
		"memsnap:\n"
		"  schema: \"1.0\"\n"
		"  command: [memsnap, -p, \"4242\", -o, victim.msnap]\n"
		"capture: {id: 6f1c0e4f2a9b4d5e8c7a6b5a4f3e2d1c, complete: true}\n"
		"threads:\n"
		"- tid: 4242\n"
		"  regs: {rip: \"0x55d0c0de1234\"}\n"
		"regions:\n"
		"- index: 0\n"
		"  start: \"0x55d0c0de0000\"\n"
		"errors: []\n";
	struct ytree *t = parse_ok(doc);
	const struct ynode *r = ytree_root(t);
	uint8_t id[16];
	uint64_t v;
	bool b;

	(void)state;
	assert_string_equal(ynode_str(ynode_path(r, "memsnap.schema"), NULL),
			    "1.0");
	assert_int_equal(ynode_len(ynode_path(r, "memsnap.command")), 5);
	assert_int_equal(ynode_hexbytes(ynode_path(r, "capture.id"), id, 16),
			 0);
	assert_true(id[0] == 0x6f && id[15] == 0x1c);
	assert_int_equal(ynode_bool(ynode_path(r, "capture.complete"), &b), 0);
	assert_true(b);
	assert_int_equal(ynode_u64(ynode_get(ynode_at(ynode_get(r, "threads"),
				   0), "tid"), &v), 0);
	assert_true(v == 4242);
	assert_int_equal(ynode_u64(ynode_path(ynode_at(ynode_get(r, "threads"),
				   0), "regs.rip"), &v), 0);
	assert_true(v == 0x55d0c0de1234ull);
	assert_int_equal(ynode_line(ynode_at(ynode_get(r, "regions"), 0)), 9);
	assert_int_equal(ynode_kind(ynode_get(r, "errors")), YNODE_SEQ);
	assert_int_equal(ynode_len(ynode_get(r, "errors")), 0);
	ytree_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalar_kinds),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_short_strings_exhaustive),
		cmocka_unit_test(test_emitter_errors_are_sticky),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_allowed_tags),
		cmocka_unit_test(test_base64_strict),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_big_map),
		cmocka_unit_test(test_manifest_example),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
