// SPDX-License-Identifier: MIT
/* yrules.c - compile or load YARA rules, declare externals (yrules.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "escape.h"
#include "yrules.h"

#define MAX_RULE_FILES 10000u

struct cctx {
	const char *cmd;
	unsigned errors;
};

/* As the yara CLI: digits (optionally signed) are an integer, one dot a float. */
int yext_parse(const char *arg, struct yext *x)
{
	const char *eq = strchr(arg, '=');
	char *end;
	size_t n;

	memset(x, 0, sizeof(*x));
	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(x->name_buf))
		return -1;
	n = (size_t)(eq - arg);
	memcpy(x->name_buf, arg, n);
	x->name_buf[n] = '\0';
	x->name = x->name_buf;
	x->value = eq + 1;
	if (!strcmp(x->value, "true") || !strcmp(x->value, "false")) {
		x->type = YEXT_BOOL;
		x->i = x->value[0] == 't';
		return 0;
	}
	errno = 0;
	x->i = strtoll(x->value, &end, 10);
	if (*x->value && !*end && !errno) {
		x->type = YEXT_INT;
		return 0;
	}
	errno = 0;
	x->f = strtod(x->value, &end);
	if (*x->value && !*end && !errno && strchr(x->value, '.')) {
		x->type = YEXT_FLOAT;
		return 0;
	}
	x->type = YEXT_STR;
	return 0;
}

static int define_on_compiler(YR_COMPILER *c, const struct yext *x)
{
	switch (x->type) {
	case YEXT_INT:
		return yr_compiler_define_integer_variable(c, x->name, x->i);
	case YEXT_FLOAT:
		return yr_compiler_define_float_variable(c, x->name, x->f);
	case YEXT_BOOL:
		return yr_compiler_define_boolean_variable(c, x->name, (int)x->i);
	default:
		return yr_compiler_define_string_variable(c, x->name, x->value);
	}
}

int yext_define(YR_SCANNER *sc, const struct yext *x)
{
	switch (x->type) {
	case YEXT_INT:
		return yr_scanner_define_integer_variable(sc, x->name, x->i);
	case YEXT_FLOAT:
		return yr_scanner_define_float_variable(sc, x->name, x->f);
	case YEXT_BOOL:
		return yr_scanner_define_boolean_variable(sc, x->name, (int)x->i);
	default:
		return yr_scanner_define_string_variable(sc, x->name, x->value);
	}
}

static void compiler_message(int level, const char *file, int line,
			     const YR_RULE *rule, const char *message,
			     void *arg)
{
	struct cctx *cc = arg;

	(void)rule;
	fprintf(stderr, "memsnap-analyze: %s: ", cc->cmd);
	if (file)
		esc_fputs(stderr, file, strlen(file));
	else
		fputs("<rules>", stderr);
	fprintf(stderr, ":%d: %s: ", line,
		level == YARA_ERROR_LEVEL_ERROR ? "error" : "warning");
	esc_fputs(stderr, message, strlen(message));
	fputc('\n', stderr);
	if (level == YARA_ERROR_LEVEL_ERROR)
		cc->errors++;
}

static bool is_compiled(const char *path)
{
	char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool yes;

	if (fd < 0)
		return false;
	yes = read(fd, magic, 4) == 4 && !memcmp(magic, "YARA", 4);
	close(fd);
	return yes;
}

static int add_file(YR_COMPILER *c, struct cctx *cc, const char *path)
{
	FILE *fp = fopen(path, "re");
	int n;

	if (!fp) {
		ana_err(cc->cmd, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = yr_compiler_add_file(c, fp, NULL, path);
	fclose(fp);
	return n ? -1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool rule_file_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' &&
	       ((len > 4 && !strcmp(n + len - 4, ".yar")) ||
		(len > 5 && !strcmp(n + len - 5, ".yara")));
}

/* Every .yar/.yara file of dir, in name order (not recursive). */
static int add_dir(YR_COMPILER *c, struct cctx *cc, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;
	int ret = -1;

	if (!d) {
		ana_err(cc->cmd, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (!rule_file_name(e->d_name))
			continue;
		if (n == cap) {
			char **v;

			cap = cap ? 2 * cap : 32;
			if (cap > MAX_RULE_FILES) {
				ana_err(cc->cmd, "%s: more than %u rule files",
					dir, MAX_RULE_FILES);
				goto out;
			}
			v = realloc(names, cap * sizeof(*v));
			if (!v)
				goto nomem;
			names = v;
		}
		names[n] = strdup(e->d_name);
		if (!names[n])
			goto nomem;
		n++;
	}
	if (!n) {
		ana_err(cc->cmd, "%s: no .yar or .yara file in this directory",
			dir);
		goto out;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     names[i]) >= sizeof(path)) {
			ana_err(cc->cmd, "%s/%s: path too long", dir, names[i]);
			goto out;
		}
		if (add_file(c, cc, path))
			goto out;   /* a failed compiler takes no more files */
	}
	ret = 0;
	goto out;
nomem:
	ana_err(cc->cmd, "out of memory");
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return ret;
}

static unsigned count_rules(YR_RULES *rules)
{
	const YR_RULE *r;
	unsigned n = 0;

	yr_rules_foreach(rules, r)
		n++;
	return n;
}

static int load_compiled(const char *cmd, const char *path,
			 const struct yext *ext, size_t next, YR_RULES **out)
{
	size_t i;
	int r = yr_rules_load(path, out);

	if (r) {
		ana_err(cmd, "%s: %s (yara error %d)", path,
			r == ERROR_UNSUPPORTED_FILE_VERSION
				? "compiled by another YARA version"
				: "cannot load compiled rules", r);
		*out = NULL;
		return -1;
	}
	for (i = 0; i < next; i++) {
		const struct yext *x = &ext[i];

		switch (x->type) {
		case YEXT_INT:
			r = yr_rules_define_integer_variable(*out, x->name, x->i);
			break;
		case YEXT_FLOAT:
			r = yr_rules_define_float_variable(*out, x->name, x->f);
			break;
		case YEXT_BOOL:
			r = yr_rules_define_boolean_variable(*out, x->name, (int)x->i);
			break;
		default:
			r = yr_rules_define_string_variable(*out, x->name, x->value);
			break;
		}
		if (r) {
			ana_err(cmd, "%s: external '%s': not declared when the rules were compiled, or of another type (yarac -d %s=...)",
				path, x->name, x->name);
			yr_rules_destroy(*out);
			*out = NULL;
			return -1;
		}
	}
	return 0;
}

int yrules_load(const char *cmd, const char *path, const struct yext *ext,
		size_t next, YR_RULES **out, unsigned *nrules)
{
	struct cctx cc = { cmd, 0 };
	YR_COMPILER *c = NULL;
	struct stat st;
	size_t i;
	int ret = -1;

	*out = NULL;
	if (stat(path, &st)) {
		ana_err(cmd, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode) && is_compiled(path)) {
		if (load_compiled(cmd, path, ext, next, out))
			return -1;
		goto counted;
	}
	if (yr_compiler_create(&c)) {
		ana_err(cmd, "out of memory");
		return -1;
	}
	yr_compiler_set_callback(c, compiler_message, &cc);
	for (i = 0; i < next; i++)
		if (define_on_compiler(c, &ext[i])) {
			ana_err(cmd, "cannot define external '%s'", ext[i].name);
			goto out;
		}
	if (S_ISDIR(st.st_mode) ? add_dir(c, &cc, path) : add_file(c, &cc, path))
		goto out;
	if (cc.errors)
		goto out;
	if (yr_compiler_get_rules(c, out)) {
		ana_err(cmd, "out of memory");
		goto out;
	}
counted:
	*nrules = count_rules(*out);
	if (!*nrules) {
		ana_err(cmd, "%s: no rules: nothing to scan for", path);
		yr_rules_destroy(*out);
		*out = NULL;
		goto out;
	}
	ret = 0;
out:
	if (c)
		yr_compiler_destroy(c);
	return ret;
}

int yrules_compile_string(const char *cmd, const char *source,
			  YR_RULES **out)
{
	struct cctx cc = { cmd, 0 };
	YR_COMPILER *c;
	int ret = -1;

	*out = NULL;
	if (yr_compiler_create(&c)) {
		ana_err(cmd, "out of memory");
		return -1;
	}
	yr_compiler_set_callback(c, compiler_message, &cc);
	if (yr_compiler_add_string(c, source, NULL) == 0 && !cc.errors &&
	    yr_compiler_get_rules(c, out) == 0)
		ret = 0;
	yr_compiler_destroy(c);
	return ret;
}
