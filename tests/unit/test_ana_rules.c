// SPDX-License-Identifier: MIT
/*
 * test_ana_rules.c - the rule registry of `check` (analyze/rules.def): the
 * table is whole, findings get its defaults, the man page lists exactly
 * its rules, and the report in every format comes from one document
 * (YAML parsed back, SARIF rules from the table).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "findings.h"
#include "rules.h"
#include "yaml_tree.h"

static void test_table_whole(void **state)
{
	static const char *const precisions[] = {
		"very-high", "high", "medium", "low",
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < RULE_COUNT; i++) {
		const struct rule *r = &rules[i];
		bool prec = false;

		assert_non_null(r->id);
		assert_true(strlen(r->id) < sizeof(((struct finding *)0)->type));
		assert_true(r->score <= 100);
		assert_true((unsigned)r->sev < FSEV_NSEV);
		assert_true(*r->tag && *r->short_desc && *r->full_desc &&
			    *r->help);
		for (j = 0; j < 4; j++)
			prec |= !strcmp(r->precision, precisions[j]);
		assert_true(prec);
		for (j = 0; j < i; j++)
			assert_string_not_equal(r->id, rules[j].id);
		assert_ptr_equal(rule_find(r->id), r);
	}
	assert_null(rule_find("no_such_rule"));
}

static void test_defaults(void **state)
{
	struct findings fs = { 0 };
	struct finding *f;

	(void)state;
	f = finding_new(&fs, RULE_memfd_exec, 0x1000, 0x2000);
	assert_string_equal(f->type, "memfd_exec");
	assert_int_equal(f->sev, rules[RULE_memfd_exec].sev);
	assert_int_equal(f->score, rules[RULE_memfd_exec].score);
	f = finding_new_at(&fs, RULE_ld_preload, FSEV_INFO, 10, 0, 0);
	assert_string_equal(f->type, "ld_preload");
	assert_int_equal(f->sev, FSEV_INFO);
	assert_int_equal(f->score, 10);
	findings_free(&fs);
}

/* "\-" and "\&" of roff back to text. */
static void unroff(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && (s[1] == '-' || s[1] == '\\')) {
			*o++ = s[1];
			s++;
		} else if (s[0] == '\\' && s[1] == '&') {
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* The man page's list: ".BR id \" (severity)\"" then the short text. */
static void test_man_page_lists_the_table(void **state)
{
	FILE *fp = fopen("analyze/memsnap-analyze.1", "r");
	char line[512], want[512];
	bool in_list = false;
	size_t n = 0;

	(void)state;
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, "checked against analyze/rules.def")) {
			in_list = true;
			continue;
		}
		if (!in_list || !strcmp(line, ".TP"))
			continue;
		if (strncmp(line, ".BR ", 4))
			break;
		assert_true(n < RULE_COUNT);
		snprintf(want, sizeof(want), ".BR %s \" (%s)\"", rules[n].id,
			 fsev_name(rules[n].sev));
		assert_string_equal(line, want);
		assert_non_null(fgets(line, sizeof(line), fp));
		line[strcspn(line, "\n")] = '\0';
		unroff(line);
		snprintf(want, sizeof(want), "%s.", rules[n].short_desc);
		assert_string_equal(line, want);
		n++;
	}
	fclose(fp);
	assert_int_equal(n, RULE_COUNT);
}

static char *render(const struct findings *fs, enum report_format f)
{
	struct report_head h = { .snapshot = "/tmp/v 1.msnap", .pid = 7,
				 .exe = "/usr/bin/v" };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(findings_print(fp, fs, &h, f), 0);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void add_findings(struct findings *fs)
{
	struct finding *f;

	f = finding_new(fs, RULE_inline_hook, 0x7f0000001000, 5);
	finding_module(f, "/lib/libc.so.6", "abcd", 0x1000);
	finding_set(f, &f->symbol, "getppid");
	f = finding_new(fs, RULE_anon_exec, 0x7f0000200000, 0x1000);
	finding_module(f, NULL, "anon-heap-rwxp-0x1000", 0);
	f = finding_new(fs, RULE_memfd_exec, 0x7f0000300000, 0x1000);
	finding_module(f, "/memfd:payload (deleted)", NULL, 0);
	f = finding_new(fs, RULE_tracer_attached, 0, 0);
	findings_finish(fs);
}

/* YAML is the same document as JSON: the same keys and values. */
static void test_yaml_is_the_json_document(void **state)
{
	struct findings fs = { 0 };
	struct msnap_error err;
	struct ytree *t;
	const struct ynode *y;
	char *json_text, *yaml_text;
	json_t *j;
	size_t i;

	(void)state;
	add_findings(&fs);
	json_text = render(&fs, REPORT_JSON);
	yaml_text = render(&fs, REPORT_YAML);
	j = json_loads(json_text, 0, NULL);
	assert_non_null(j);
	assert_int_equal(ytree_parse(&t, yaml_text, strlen(yaml_text), NULL, &err),
			 0);
	y = ytree_root(t);
	assert_string_equal(ynode_str(ynode_get(y, "verdict"), NULL),
			    json_string_value(json_object_get(j, "verdict")));
	assert_int_equal(ynode_len(ynode_get(y, "findings")), fs.n);
	for (i = 0; i < fs.n; i++) {
		const struct ynode *yf = ynode_at(ynode_get(y, "findings"), i);
		json_t *jf = json_array_get(json_object_get(j, "findings"), i);

		assert_string_equal(ynode_str(ynode_get(yf, "id"), NULL),
				    json_string_value(json_object_get(jf, "id")));
		assert_string_equal(ynode_str(ynode_get(yf, "severity"), NULL),
				    json_string_value(json_object_get(jf,
							"severity")));
	}
	ytree_free(t);
	json_decref(j);
	free(json_text);
	free(yaml_text);
	findings_free(&fs);
}

/* SARIF: every rule of the table with its texts; a location on every result. */
static void test_sarif_rules_and_locations(void **state)
{
	struct findings fs = { 0 };
	json_t *doc, *run, *rl, *res, *loc;
	char *text;
	size_t i;

	(void)state;
	add_findings(&fs);
	text = render(&fs, REPORT_SARIF);
	doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	run = json_array_get(json_object_get(doc, "runs"), 0);
	assert_non_null(json_object_get(json_object_get(json_object_get(run,
			"tool"), "driver"), "informationUri"));
	rl = json_object_get(json_object_get(json_object_get(run, "tool"),
					     "driver"), "rules");
	assert_int_equal(json_array_size(rl), RULE_COUNT);
	for (i = 0; i < RULE_COUNT; i++) {
		json_t *r = json_array_get(rl, i);

		assert_string_equal(json_string_value(json_object_get(r, "id")),
				    rules[i].id);
		/* SARIF1001: a name may not repeat the id, even in case */
		assert_null(json_object_get(r, "name"));
		assert_string_equal(json_string_value(json_object_get(
			json_object_get(r, "help"), "text")), rules[i].help);
		assert_string_equal(json_string_value(json_object_get(
			json_object_get(r, "fullDescription"), "text")),
			rules[i].full_desc);
	}
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		json_array_get(json_object_get(run, "artifacts"), 0),
		"location"), "uri")), "file:///tmp/v%201.msnap");
	res = json_object_get(run, "results");
	assert_int_equal(json_array_size(res), fs.n);
	for (i = 0; i < fs.n; i++) {
		json_t *r = json_array_get(res, i);
		const char *type = json_string_value(json_object_get(r, "ruleId"));

		loc = json_array_get(json_object_get(r, "locations"), 0);
		assert_true(json_object_get(loc, "physicalLocation") ||
			    json_object_get(loc, "logicalLocations"));
		assert_ptr_equal(&rules[json_integer_value(json_object_get(r,
				"ruleIndex"))], rule_find(type));
		if (!strcmp(type, "inline_hook"))
			assert_string_equal(json_string_value(json_object_get(
				json_object_get(json_object_get(loc,
				"physicalLocation"), "artifactLocation"), "uri")),
				"file:///lib/libc.so.6");
		if (!strcmp(type, "memfd_exec") || !strcmp(type, "anon_exec"))
			assert_non_null(json_object_get(json_object_get(
				json_object_get(loc, "physicalLocation"),
				"address"), "absoluteAddress"));
	}
	json_decref(doc);
	free(text);
	findings_free(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_whole),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_man_page_lists_the_table),
		cmocka_unit_test(test_yaml_is_the_json_document),
		cmocka_unit_test(test_sarif_rules_and_locations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
