// SPDX-License-Identifier: MIT
/*
 * test_ana_output.c - the analyzer's output layer: the same facts in text,
 * JSON (parsed back with jansson) and YAML (parsed back with yaml_tree),
 * and hostile strings never reaching a terminal raw.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli.h"
#include "escape.h"
#include "output.h"
#include "yaml_tree.h"

/* ESC ] title BEL, a newline, an invalid byte, a C1 CSI. */
static const char hostile[] = "ev\x1b]0;pwned\x07il\nX\xff\xc2\x9b" "2J";
#define HOSTILE_LEN (sizeof(hostile) - 1)

static struct odoc *build_doc(void)
{
	struct odoc *d = odoc_new();
	struct onode *root = odoc_root(d), *p, *seq, *row, *cl;

	assert_non_null(d);
	out_str(root, "file", "victim.msnap");
	p = out_map(root, "process");
	out_u64(p, "pid", 4242);
	out_i64(p, "delta", -7);
	out_bytes(p, "comm", hostile, HOSTILE_LEN);
	out_bool(p, "complete", true);
	out_fixed(p, "ratio", 3.25, 2);
	out_null(p, "cwd");
	cl = out_seq(p, "cmdline");
	out_str(cl, NULL, "./heap_writer");
	out_str(cl, NULL, "two words");
	seq = out_seq(root, "regions");
	row = out_map(seq, NULL);
	out_u64(row, "index", 0);
	out_hex(row, "start", 0x7f0000001000ull);
	out_str(row, "path", "/usr/lib/libc.so.6");
	row = out_map(seq, NULL);
	out_u64(row, "index", 12);
	out_hex(row, "start", 0xffffffffff600000ull);
	out_str(row, "path", "[vsyscall]");
	return d;
}

static char *render(const struct odoc *d, enum out_format f)
{
	struct msnap_error err = { 0 };
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(odoc_render(d, f, &text, &len, &err), 0);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static void test_json_round_trip(void **state)
{
	struct odoc *d = build_doc();
	char *text = render(d, OUT_JSON);
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr), *p, *r, *b64;
	char *expect;

	(void)state;
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "file")),
			    "victim.msnap");
	p = json_object_get(j, "process");
	assert_int_equal(json_integer_value(json_object_get(p, "pid")), 4242);
	assert_int_equal(json_integer_value(json_object_get(p, "delta")), -7);
	assert_true(json_is_true(json_object_get(p, "complete")));
	assert_true(json_is_null(json_object_get(p, "cwd")));
	assert_true(json_real_value(json_object_get(p, "ratio")) == 3.25);
	assert_string_equal(json_string_value(json_array_get(
		json_object_get(p, "cmdline"), 1)), "two words");
	/* Invalid UTF-8 cannot be a JSON string: kept exactly as base64. */
	b64 = json_object_get(json_object_get(p, "comm"), "base64");
	assert_non_null(b64);
	expect = esc_base64(hostile, HOSTILE_LEN);
	assert_string_equal(json_string_value(b64), expect);
	free(expect);
	r = json_array_get(json_object_get(j, "regions"), 1);
	assert_int_equal(json_integer_value(json_object_get(r, "index")), 12);
	assert_string_equal(json_string_value(json_object_get(r, "start")),
			    "0xffffffffff600000");
	json_decref(j);
	free(text);
	odoc_free(d);
}

static void test_yaml_round_trip(void **state)
{
	struct odoc *d = build_doc();
	char *text = render(d, OUT_YAML);
	struct msnap_error err = { 0 };
	const struct ynode *root, *r;
	struct ytree *t = NULL;
	uint64_t v;
	int64_t iv;
	bool b;
	uint8_t *bytes = NULL;
	size_t len = 0;
	const char *s;

	(void)state;
	assert_int_equal(ytree_parse(&t, text, strlen(text), NULL, &err), 0);
	root = ytree_root(t);
	assert_int_equal(ynode_u64(ynode_path(root, "process.pid"), &v), 0);
	assert_int_equal(v, 4242);
	assert_int_equal(ynode_i64(ynode_path(root, "process.delta"), &iv), 0);
	assert_int_equal(iv, -7);
	assert_int_equal(ynode_bool(ynode_path(root, "process.complete"), &b), 0);
	assert_true(b);
	assert_true(ynode_is_null(ynode_path(root, "process.cwd")));
	assert_int_equal(ynode_bytes(ynode_path(root, "process.comm"), &bytes,
				     &len), 0);
	assert_int_equal(len, HOSTILE_LEN);
	assert_memory_equal(bytes, hostile, HOSTILE_LEN);
	free(bytes);
	r = ynode_at(ynode_get(root, "regions"), 1);
	assert_non_null(r);
	assert_int_equal(ynode_u64(ynode_get(r, "start"), &v), 0);
	assert_true(v == 0xffffffffff600000ull);
	s = ynode_str(ynode_get(r, "path"), &len);
	assert_non_null(s);
	assert_string_equal(s, "[vsyscall]");
	ytree_free(t);
	free(text);
	odoc_free(d);
}

/* Column of needle's first occurrence within its line. */
static long column_of(const char *text, const char *needle)
{
	const char *p = strstr(text, needle), *line = p;

	assert_non_null(p);
	while (line > text && line[-1] != '\n')
		line--;
	return p - line;
}

static void test_text_is_safe_and_aligned(void **state)
{
	struct odoc *d = build_doc();
	char *text = render(d, OUT_TEXT);
	size_t i;

	(void)state;
	/* No control byte but line ends, no C1 CSI, no invalid UTF-8. */
	for (i = 0; text[i]; i++)
		assert_true((unsigned char)text[i] >= 0x20 || text[i] == '\n');
	assert_null(strstr(text, "\xc2\x9b"));
	assert_true(esc_is_utf8(text, strlen(text)));
	assert_non_null(strstr(text, "ev\\x1b]0;pwned\\x07il\\nX\\xff\\x9b2J"));
	assert_non_null(strstr(text, "pid:"));
	assert_non_null(strstr(text, "4242"));
	assert_non_null(strstr(text, "./heap_writer \"two words\""));
	/* The table: rows line up under the header (text columns left). */
	assert_int_equal(column_of(text, "0x7f0000001000"),
			 column_of(text, "START"));
	assert_int_equal(column_of(text, "[vsyscall]"),
			 column_of(text, "PATH"));
	free(text);
	odoc_free(d);
}

static void test_escape(void **state)
{
	char *e;

	(void)state;
	e = esc_text("caf\xc3\xa9", 5, NULL);
	assert_string_equal(e, "caf\xc3\xa9");         /* valid UTF-8 kept */
	free(e);
	e = esc_text("a\xe2\x80\xae" "b", 5, NULL);     /* RTL override */
	assert_string_equal(e, "a\\u{202e}b");
	free(e);
	e = esc_text("\x1b[31m\\", 6, NULL);
	assert_string_equal(e, "\\x1b[31m\\\\");
	free(e);
	e = esc_text("\xed\xa0\x80", 3, NULL);          /* a surrogate */
	assert_string_equal(e, "\\xed\\xa0\\x80");
	free(e);
	e = esc_text("\0z", 2, NULL);
	assert_string_equal(e, "\\x00z");
	free(e);
	e = esc_base64("ab", 2);
	assert_string_equal(e, "YWI=");
	free(e);
}

static void test_parse_numbers(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(ana_parse_u64("0x7f00", false, &v), 0);
	assert_int_equal(v, 0x7f00);
	assert_int_equal(ana_parse_u64("4096", false, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(ana_parse_u64("4K", true, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(ana_parse_u64("2M", true, &v), 0);
	assert_int_equal(v, 2u << 20);
	assert_int_equal(ana_parse_u64("1G", true, &v), 0);
	assert_int_equal(v, 1u << 30);
	assert_int_equal(ana_parse_u64("4K", false, &v), -1);
	assert_int_equal(ana_parse_u64("-1", false, &v), -1);
	assert_int_equal(ana_parse_u64(" 1", false, &v), -1);
	assert_int_equal(ana_parse_u64("", false, &v), -1);
	assert_int_equal(ana_parse_u64("18446744073709551616", false, &v), -1);
	assert_int_equal(ana_parse_u64("17179869184G", true, &v), -1);
	assert_int_equal(ana_parse_u64("12x", true, &v), -1);
}

static void test_format_names(void **state)
{
	enum out_format f;

	(void)state;
	assert_int_equal(out_parse_format("json", &f), 0);
	assert_int_equal(f, OUT_JSON);
	assert_int_equal(out_parse_format("yaml", &f), 0);
	assert_int_equal(f, OUT_YAML);
	assert_int_equal(out_parse_format("text", &f), 0);
	assert_int_equal(f, OUT_TEXT);
	assert_int_equal(out_parse_format("xml", &f), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_yaml_round_trip),
		cmocka_unit_test(test_text_is_safe_and_aligned),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_format_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
