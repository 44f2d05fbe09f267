// SPDX-License-Identifier: MIT
/*
 * case_check_doc.c - `check --format json|yaml CASE`: one document for
 * the whole case, built from each process's own check document (run with
 * --format json): the case, the worst verdict and exit code, and per
 * process pid, comm, status, verdict, worst finding and findings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "case_check_doc.h"
#include "cli.h"
#include "yaml_out.h"

static const char *const severities[] = { "info", "low", "medium", "high" };

static int severity_of(const json_t *f)
{
	const char *s = json_string_value(json_object_get(f, "severity"));
	int i;

	for (i = 3; s && i >= 0; i--)
		if (!strcmp(s, severities[i]))
			return i;
	return -1;
}

/* Highest severity, then highest score; suppressed findings do not count. */
static json_t *worst_finding(const json_t *findings)
{
	json_t *f, *worst = NULL;
	json_int_t score, best_score = -1;
	int sev, best = -1;
	size_t i;

	json_array_foreach(findings, i, f) {
		if (json_is_true(json_object_get(f, "suppressed")))
			continue;
		sev = severity_of(f);
		score = json_integer_value(json_object_get(f, "score"));
		if (sev > best || (sev == best && score > best_score)) {
			best = sev;
			best_score = score;
			worst = f;
		}
	}
	return worst;
}

static const char *const verdict_order[] = { "clean", "notable",
					     "suspicious", "compromised" };

static int verdict_rank(const char *v)
{
	int i;

	for (i = 3; v && i >= 0; i--)
		if (!strcmp(v, verdict_order[i]))
			return i;
	return -1;
}

/* One process: the case's facts, then what its check said. */
static json_t *process_entry(const struct msnap_case_proc *p,
			     const struct case_output *o, const char **verdict)
{
	json_t *e = json_object(), *doc = NULL, *findings, *w;
	json_error_t jerr;

	json_object_set_new(e, "pid", json_integer(p->pid));
	json_object_set_new(e, "comm", p->comm ? json_string(p->comm) :
			    json_null());
	json_object_set_new(e, "status", json_string(p->status));
	json_object_set_new(e, "snapshot", p->snapshot ?
			    json_string(p->snapshot) : json_null());
	*verdict = NULL;
	if (p->snapshot && o->text)
		doc = json_loads(o->text, 0, &jerr);
	if (!doc) {
		json_object_set_new(e, "verdict", json_null());
		json_object_set_new(e, "error", json_string(
			!p->snapshot ? (p->error ? p->error : "no snapshot") :
			"check printed no document for this snapshot"));
		json_object_set_new(e, "exit_code", json_integer(
			p->snapshot ? ANA_EXIT_ERROR : 0));
		return e;
	}
	*verdict = json_string_value(json_object_get(doc, "verdict"));
	json_object_set(e, "verdict", json_object_get(doc, "verdict"));
	json_object_set_new(e, "exit_code", json_integer(o->ret));
	json_object_set(e, "counts", json_object_get(doc, "counts"));
	json_object_set(e, "incomplete", json_object_get(doc, "incomplete"));
	findings = json_object_get(doc, "findings");
	w = json_is_array(findings) ? worst_finding(findings) : NULL;
	json_object_set_new(e, "worst_finding", w ? json_deep_copy(w) :
			    json_null());
	json_object_set_new(e, "findings", json_is_array(findings) ?
			    json_deep_copy(findings) : json_array());
	*verdict = json_string_value(json_object_get(e, "verdict"));
	json_decref(doc);
	return e;
}

/* jansson value to YAML, keys as they are (check's are plain ASCII). */
static void to_yaml(struct yout *y, const json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		yout_map_begin(y);
		json_object_foreach((json_t *)v, key, item) {
			yout_key(y, key);
			to_yaml(y, item);
		}
		yout_map_end(y);
		break;
	case JSON_ARRAY:
		yout_seq_begin(y);
		json_array_foreach(v, i, item)
			to_yaml(y, item);
		yout_seq_end(y);
		break;
	case JSON_STRING:
		yout_bytes(y, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		yout_i64(y, (int64_t)json_integer_value(v));
		break;
	case JSON_REAL:
		yout_double(y, json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		yout_bool(y, json_is_true(v));
		break;
	default:
		yout_null(y);
	}
}

static int print_yaml(const json_t *doc)
{
	struct yout *y = yout_new();
	struct msnap_error err;
	char *text = NULL;
	size_t len = 0;

	if (!y)
		return -1;
	to_yaml(y, doc);
	if (yout_finish(y, &text, &len, &err)) {
		yout_free(y);
		return -1;
	}
	yout_free(y);
	fwrite(text, 1, len, stdout);
	free(text);
	return 0;
}

int case_check_doc(const char *dir, const struct msnap_case *c,
		   const struct case_output *out, bool yaml)
{
	json_t *doc = json_object(), *procs = json_array(), *e;
	const char *verdict, *worst = NULL;
	int ret = ANA_EXIT_OK, r;
	size_t i;

	json_object_set_new(doc, "tool", json_string("memsnap-analyze check"));
	json_object_set_new(doc, "version", json_string(MEMSNAP_VERSION));
	json_object_set_new(doc, "case", json_string(dir));
	for (i = 0; i < c->nprocs; i++) {
		e = process_entry(&c->procs[i], &out[i], &verdict);
		r = (int)json_integer_value(json_object_get(e, "exit_code"));
		ret = r > ret ? r : ret;
		if (verdict_rank(verdict) > verdict_rank(worst))
			worst = verdict;
		json_array_append_new(procs, e);
	}
	json_object_set_new(doc, "verdict", worst ? json_string(worst) :
			    json_null());
	json_object_set_new(doc, "exit_code", json_integer(ret));
	json_object_set_new(doc, "processes", procs);
	if (yaml ? print_yaml(doc) :
	    json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) {
		ana_err("check", "cannot print the case's document");
		ret = ANA_EXIT_ERROR;
	}
	if (!yaml)
		putchar('\n');
	json_decref(doc);
	return ret;
}
