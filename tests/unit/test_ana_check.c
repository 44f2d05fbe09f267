// SPDX-License-Identifier: MIT
/*
 * test_ana_check.c - the pieces of `check` that need no process: patch
 * classification, reference ELF parsing (a real file, and hostile ones
 * that must give clean errors), and the finding model (ids, allowlist,
 * severities, JSON and SARIF).
 */
#include <elf.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "codecheck.h"
#include "modules.h"
#include "findings.h"
#include "interpose.h"
#include "patchctx.h"

/* ---- patch classification ------------------------------------------------ */

static void test_classify_shapes(void **state)
{
	static const uint8_t jmp[] = { 0xe9, 0x10, 0x00, 0x00, 0x00 };
	static const uint8_t call[] = { 0xe8, 0xfb, 0xff, 0xff, 0xff };
	static const uint8_t jmp8[] = { 0xeb, 0xfe };
	static const uint8_t ind[] = { 0xff, 0x25, 0x00, 0x01, 0x00, 0x00 };
	static const uint8_t mov[] = { 0x48, 0xb8, 0x88, 0x77, 0x66, 0x55,
				       0x44, 0x33, 0x22, 0x11, 0xff, 0xe0 };
	static const uint8_t mov11[] = { 0x49, 0xbb, 1, 2, 3, 4, 5, 6, 7, 8,
					 0x41, 0xff, 0xe3 };
	static const uint8_t push[] = { 0x68, 0x00, 0x10, 0x40, 0x00, 0xc3 };
	static const uint8_t bp[] = { 0xcc };
	static const uint8_t nop[] = { 0x90, 0x90 };
	static const uint8_t badmov[] = { 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8,
					  0x90, 0x90 };
	struct patch_class pc;

	(void)state;
	assert_true(patch_classify(jmp, sizeof(jmp), 0x1000, &pc));
	assert_int_equal(pc.kind, PATCH_JMP_REL32);
	assert_int_equal(pc.target, 0x1015);
	assert_true(patch_classify(call, sizeof(call), 0x1000, &pc));
	assert_int_equal(pc.kind, PATCH_CALL_REL32);
	assert_int_equal(pc.target, 0x1000);
	assert_true(patch_classify(jmp8, sizeof(jmp8), 0x2000, &pc));
	assert_int_equal(pc.kind, PATCH_JMP_REL8);
	assert_int_equal(pc.target, 0x2000);
	assert_true(patch_classify(ind, sizeof(ind), 0x3000, &pc));
	assert_int_equal(pc.kind, PATCH_JMP_INDIRECT);
	assert_true(pc.target_via_memory);
	assert_int_equal(pc.slot, 0x3106);
	assert_true(patch_classify(mov, sizeof(mov), 0x4000, &pc));
	assert_int_equal(pc.kind, PATCH_MOVABS_JMP);
	assert_int_equal(pc.target, 0x1122334455667788ull);
	assert_true(patch_classify(mov11, sizeof(mov11), 0x4000, &pc));
	assert_int_equal(pc.kind, PATCH_MOVABS_JMP);
	assert_int_equal(pc.insn_len, 13);
	assert_true(patch_classify(push, sizeof(push), 0x5000, &pc));
	assert_int_equal(pc.kind, PATCH_PUSH_RET);
	assert_int_equal(pc.target, 0x401000);
	assert_true(patch_classify(bp, sizeof(bp), 0x6000, &pc));
	assert_int_equal(pc.kind, PATCH_INT3);
	assert_false(patch_classify(nop, sizeof(nop), 0x7000, &pc));
	assert_false(patch_classify(badmov, sizeof(badmov), 0x7000, &pc));
	/* Cut short: a rel32 needs five bytes. */
	assert_false(patch_classify(jmp, 3, 0x1000, &pc));
	assert_false(patch_classify(jmp, 0, 0x1000, &pc));
}

/* ---- reference ELF files -------------------------------------------------------- */

static uint8_t *read_self(size_t *size)
{
	FILE *fp = fopen("/proc/self/exe", "rb");
	uint8_t *buf = malloc(64u << 20);
	size_t n;

	assert_non_null(fp);
	assert_non_null(buf);
	n = fread(buf, 1, 64u << 20, fp);
	fclose(fp);
	assert_true(n > 1024);
	*size = n;
	return buf;
}

static void test_elfref_self(void **state)
{
	struct elfref r;
	char msg[400];
	size_t size;
	uint8_t *data = read_self(&size);
	const struct elf_sym *f;
	struct elf_sym *const *syms;
	size_t n, i;
	bool code = false;

	(void)state;
	assert_int_equal(elfref_load(&r, data, size, "self", msg, sizeof(msg)),
			 0);
	assert_true(r.nsegs >= 2);
	for (i = 0; i < r.nsegs; i++)
		if (r.segs[i].flags & PF_X)
			code = true;
	assert_true(code);
	assert_true(r.build_id_len > 0);
	assert_true(r.nneeded > 0);
	/* This very function is in its symbol table. */
	f = elfref_func_at(&r, (uint64_t)r.entry);
	assert_non_null(f);
	assert_true(elfref_in_code(&r, r.entry));
	assert_null(elfref_file_bytes(&r, r.size - 4, 8));
	assert_null(elfref_file_bytes(&r, UINT64_MAX - 2, 8));
	assert_non_null(elfref_file_bytes(&r, 0, 64));
	elfref_free(&r);

	/* libc exports getppid: found by name, and named from its address. */
	assert_int_equal(elfref_open_file(&r, "/proc/self/map_files/..", msg,
					  sizeof(msg)), -1);
	elfref_free(&r);
	if (elfref_open_file(&r, "/lib/x86_64-linux-gnu/libc.so.6", msg,
			     sizeof(msg)))
		skip();
	elfref_lookup(&r, "getppid", &syms, &n);
	assert_true(n >= 1);
	assert_true(syms[0]->defined);
	assert_true(elfref_in_code(&r, syms[0]->value));
	f = elfref_func_at(&r, syms[0]->value + 1);
	assert_non_null(f);
	assert_non_null(strstr(f->name, "getppid"));
	assert_non_null(r.soname);
	assert_string_equal(r.soname, "libc.so.6");
	elfref_free(&r);
}

/* Load a damaged copy of ourselves; it must fail with a message. */
static void expect_refused(void (*damage)(uint8_t *, size_t *),
			   const char *what)
{
	struct elfref r;
	char msg[400] = "";
	size_t size;
	uint8_t *data = read_self(&size);

	damage(data, &size);
	assert_int_equal(elfref_load(&r, data, size, what, msg, sizeof(msg)),
			 -1);
	assert_true(msg[0] != '\0');
	elfref_free(&r);
}

static void no_magic(uint8_t *d, size_t *n)
{
	(void)n;
	d[1] = 'X';
}

static void cut_to_header(uint8_t *d, size_t *n)
{
	(void)d;
	*n = 60;
}

static void phoff_past_end(uint8_t *d, size_t *n)
{
	uint64_t off = 0xfffffffffff0ull;

	(void)n;
	memcpy(d + offsetof(Elf64_Ehdr, e_phoff), &off, 8);
}

static void load_past_end(uint8_t *d, size_t *n)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint64_t huge = 0x7fffffff0000ull;
	unsigned i;

	memcpy(&eh, d, sizeof(eh));
	for (i = 0; i < eh.e_phnum; i++) {
		size_t at = eh.e_phoff + i * sizeof(ph);

		assert_true(at + sizeof(ph) <= *n);
		memcpy(&ph, d + at, sizeof(ph));
		if (ph.p_type == PT_LOAD) {
			memcpy(d + at + offsetof(Elf64_Phdr, p_filesz), &huge, 8);
			memcpy(d + at + offsetof(Elf64_Phdr, p_memsz), &huge, 8);
			return;
		}
	}
	fail();
}

static void wrong_machine(uint8_t *d, size_t *n)
{
	uint16_t m = EM_AARCH64;

	(void)n;
	memcpy(d + offsetof(Elf64_Ehdr, e_machine), &m, 2);
}

static void test_elfref_hostile(void **state)
{
	(void)state;
	expect_refused(no_magic, "no magic");
	expect_refused(cut_to_header, "cut");
	expect_refused(phoff_past_end, "phoff");
	expect_refused(load_past_end, "load");
	expect_refused(wrong_machine, "machine");
}

static void test_elfref_missing_file(void **state)
{
	struct elfref r;
	char msg[400] = "";

	(void)state;
	assert_int_equal(elfref_open_file(&r, "/nonexistent/lib.so", msg,
					  sizeof(msg)), -1);
	assert_non_null(strstr(msg, "/nonexistent/lib.so"));
	elfref_free(&r);
	assert_int_equal(elfref_open_file(&r, "/proc", msg, sizeof(msg)), -1);
	elfref_free(&r);
}

/* ---- findings ------------------------------------------------------------ */

static void add_two(struct findings *fs)
{
	struct finding *f;

	f = finding_add(fs, "inline_hook", FSEV_HIGH, 90, 0x7f0000001000, 5);
	finding_module(f, "/lib/libc.so.6", "abcd", 0x1000);
	finding_set(f, &f->symbol, "getppid+0x%x", 0);
	finding_bytes(f, (const uint8_t *)"\xb8\x6e\x00\x00\x00",
		      (const uint8_t *)"\xe9\x01\x02\x03\x04", 5);
	f = finding_add(fs, "ld_preload", FSEV_INFO, 10, 0, 0);
	finding_set(f, &f->target, "%s", "/x/\xff.so");
	findings_finish(fs);
}

static void test_findings_ids_allowlist(void **state)
{
	struct findings fs = { 0 };
	char path[] = "/tmp/test_ana_check.XXXXXX", msg[300];
	int fd;

	(void)state;
	add_two(&fs);
	assert_int_equal(fs.n, 2);
	/* Process-wide facts first, then by module. */
	assert_string_equal(fs.v[0].id, "process:ld_preload");
	assert_string_equal(fs.v[1].id, "abcd+0x1000:inline_hook");
	assert_int_equal(findings_worst(&fs), FSEV_HIGH);
	assert_int_equal(findings_count_at_least(&fs, FSEV_LOW), 1);
	assert_int_equal(findings_count_at_least(&fs, FSEV_INFO), 2);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_true(write(fd, "# ok\n  abcd+0x1000:inline_hook  \n\n", 34) == 34);
	close(fd);
	assert_int_equal(findings_allowlist(&fs, path, msg, sizeof(msg)), 0);
	assert_true(fs.v[1].suppressed);
	assert_false(fs.v[0].suppressed);
	assert_int_equal(findings_worst(&fs), FSEV_INFO);
	assert_int_equal(findings_count_at_least(&fs, FSEV_LOW), 0);
	unlink(path);
	assert_int_equal(findings_allowlist(&fs, path, msg, sizeof(msg)), -1);
	findings_free(&fs);
}

static void test_findings_severity_names(void **state)
{
	enum fsev s;

	(void)state;
	assert_int_equal(fsev_parse("medium", &s), 0);
	assert_int_equal(s, FSEV_MEDIUM);
	assert_int_equal(fsev_parse("critical", &s), -1);
	assert_string_equal(fsev_name(FSEV_HIGH), "high");
}

static json_t *render(const struct findings *fs, bool sarif)
{
	struct report_head h = { .snapshot = "v.msnap", .pid = 7 };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	json_error_t e;
	json_t *doc;

	assert_non_null(fp);
	assert_int_equal(findings_print_json(fp, fs, &h, sarif), 0);
	fclose(fp);
	doc = json_loads(buf, 0, &e);
	free(buf);
	assert_non_null(doc);
	return doc;
}

static void test_findings_json_sarif(void **state)
{
	struct findings fs = { 0 };
	json_t *doc, *f, *res;

	(void)state;
	add_two(&fs);
	doc = render(&fs, false);
	assert_string_equal(json_string_value(json_object_get(doc, "verdict")),
			    "compromised");
	f = json_array_get(json_object_get(doc, "findings"), 1);
	assert_string_equal(json_string_value(json_object_get(f, "type")),
			    "inline_hook");
	assert_string_equal(json_string_value(json_object_get(f, "before")),
			    "b86e000000");
	assert_string_equal(json_string_value(json_object_get(f, "after")),
			    "e901020304");
	/* Invalid UTF-8 from the snapshot comes back as base64. */
	f = json_array_get(json_object_get(doc, "findings"), 0);
	assert_non_null(json_object_get(json_object_get(f, "target"),
					"base64"));
	json_decref(doc);

	doc = render(&fs, true);
	assert_string_equal(json_string_value(json_object_get(doc, "version")),
			    "2.1.0");
	res = json_object_get(json_array_get(json_object_get(doc, "runs"), 0),
			      "results");
	assert_int_equal(json_array_size(res), 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(res, 1), "level")), "error");
	json_decref(doc);
	findings_free(&fs);
}


static void test_interpose_classes(void **state)
{
	struct module libc = { .path = (char *)"/usr/lib/x86_64-linux-gnu/libc.so.6",
			       .status = REF_UNAVAILABLE };
	struct module rk = { .path = (char *)"/tmp/.x/librk.so",
			     .status = REF_UNAVAILABLE };

	(void)state;
	assert_string_equal(interpose_class("readdir64"), "directory");
	assert_string_equal(interpose_class("__xstat"), "file");
	assert_string_equal(interpose_class("connect"), "socket");
	assert_string_equal(interpose_class("execve"), "process");
	/* ordinary functions, and getppid (the benign preload sample's) */
	assert_null(interpose_class("getppid"));
	assert_null(interpose_class("malloc"));
	assert_null(interpose_class(NULL));
	assert_true(interpose_home(&libc));
	assert_false(interpose_home(&rk));
}

/* Only instructions the patch wrote count: the file's own syscall not. */
static void test_code_traits_changed_only(void **state)
{
	/* file: syscall; ret; nops.  memory: syscall; 7 pushes; syscall */
	static const uint8_t file[] = { 0x0f, 0x05, 0xc3, 0x90, 0x90, 0x90,
					0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
					0x90, 0x90 };
	static const uint8_t mem[] = { 0x0f, 0x05, 0x50, 0x57, 0x56, 0x52,
				       0x41, 0x52, 0x41, 0x50, 0x41, 0x51,
				       0x0f, 0x05 };
	struct code_traits t;
	csh cs;

	(void)state;
	assert_int_equal(cs_open(CS_ARCH_X86, CS_MODE_64, &cs), CS_ERR_OK);
	code_traits(cs, mem, file, sizeof(mem), 0x1000, &t);
	assert_int_equal(t.syscalls, 1);
	assert_int_equal(t.pushes, 7);
	code_traits(cs, file, file, sizeof(file), 0x1000, &t);
	assert_int_equal(t.syscalls, 0);
	assert_int_equal(t.pushes, 0);
	cs_close(&cs);
}

static void test_stack_words_range(void **state)
{
	uint64_t v[] = { 0x10, 0x2000, 0x2008, 0x7fff };
	struct stack_words w = { .v = v, .n = 4 };

	(void)state;
	assert_true(stack_words_any(&w, 0x2000, 0x2001));
	assert_true(stack_words_any(&w, 0x2001, 0x3000));
	assert_false(stack_words_any(&w, 0x2009, 0x7fff));
	assert_false(stack_words_any(&w, 0x8000, 0x9000));
	w.n = 0;
	assert_false(stack_words_any(&w, 0, UINT64_MAX));
}

/* LD_PRELOAD and the like are facts of the process: no "at 0x0". */
static void test_process_level_no_address(void **state)
{
	struct report_head h = { .snapshot = "v.msnap", .pid = 7 };
	struct findings fs = { 0 };
	struct finding *f;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	json_t *doc;

	(void)state;
	f = finding_add(&fs, "ld_preload", FSEV_MEDIUM, 55, 0, 0);
	finding_set(f, &f->target, "%s", "/tmp/x.so");
	findings_finish(&fs);
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(findings_print_text(fp, &fs, &h), 0);
	fclose(fp);
	assert_non_null(strstr(buf, "[medium] ld_preload, score 55"));
	assert_null(strstr(buf, "at 0x0"));
	free(buf);
	doc = render(&fs, false);
	assert_true(json_is_null(json_object_get(
		json_array_get(json_object_get(doc, "findings"), 0), "address")));
	json_decref(doc);
	findings_free(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_shapes),
		cmocka_unit_test(test_elfref_self),
		cmocka_unit_test(test_elfref_hostile),
		cmocka_unit_test(test_elfref_missing_file),
		cmocka_unit_test(test_findings_ids_allowlist),
		cmocka_unit_test(test_findings_severity_names),
		cmocka_unit_test(test_findings_json_sarif),
		cmocka_unit_test(test_interpose_classes),
		cmocka_unit_test(test_code_traits_changed_only),
		cmocka_unit_test(test_stack_words_range),
		cmocka_unit_test(test_process_level_no_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
