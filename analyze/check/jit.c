// SPDX-License-Identifier: MIT
/*
 * jit.c - is this anonymous code the work of a JIT runtime the process
 * really runs?
 *
 * The executable's name proves nothing (any program can be called node):
 * a runtime counts as loaded only when a module whose reference matched
 * defines that runtime's own entry points.  Even then, only mappings with
 * the shape that runtime gives its code pass; the rest stays foreign.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules.h"
#include "jit.h"
#include "snapshot.h"

/* Code caches and code ranges are carved out of one big reservation. */
#define RESERVATION_MIN (8ull << 20)
/* HotSpot commits its code heaps in steps of InitialCodeCacheSize (2.4 MiB). */
#define HOTSPOT_MIN_COMMIT (128ull << 10)
/* V8's guard page between a code page's header and its code. */
#define V8_MAX_GUARD (64ull << 10)
/* LuaJIT's mcode must be reachable by rel32 jumps from its VM. */
#define LUAJIT_REACH (2ull << 30)
#define LUAJIT_MAX_AREA (16ull << 20)
#define LLVM_MAX_SECTION (64ull << 20)
#define FFI_MAX_REGION (1ull << 20)
#define OTHER_MAX_REGION (1ull << 30)

struct signature {
	enum jit_kind kind;
	const char *name;
	const char *symbols[4];       /* any one defined proves the runtime */
	const char *prefix;           /* or a defined symbol starting so */
};

static const struct signature signatures[] = {
	{ JIT_HOTSPOT, "HotSpot JVM", { "JNI_CreateJavaVM" }, NULL },
	{ JIT_V8, "V8", { "_ZN2v87Isolate3NewERKNS0_12CreateParamsE" },
	  "_ZN2v88internal" },
	{ JIT_LUAJIT, "LuaJIT", { "luaJIT_setmode" }, NULL },
	{ JIT_LLVM, "LLVM JIT",
	  { "LLVMCreateMCJITCompilerForModule", "LLVMOrcCreateLLJIT",
	    "LLVMCreateExecutionEngineForModule" }, NULL },
	{ JIT_FFI, "libffi closures", { "ffi_closure_alloc" }, NULL },
	{ JIT_DOTNET, ".NET CoreCLR", { "coreclr_initialize" }, NULL },
	{ JIT_OTHER, "Mono", { "mono_jit_init", "mono_jit_init_version" },
	  NULL },
	{ JIT_OTHER, "PyPy", { "pypy_setup_home", "rpython_startup_code" },
	  NULL },
	{ JIT_OTHER, "JavaScriptCore", { "JSGlobalContextCreate" }, NULL },
};

static bool defines(const struct module *m, const char *name)
{
	struct elf_sym *const *syms;
	size_t n, i;

	elfref_lookup(&m->ref, name, &syms, &n);
	for (i = 0; i < n; i++)
		if (syms[i]->defined && syms[i]->value)
			return true;
	return false;
}

/* A defined dynamic symbol starting with prefix (by_name is sorted). */
static bool defines_prefix(const struct module *m, const char *prefix)
{
	size_t lo = 0, hi = m->ref.nby_name, len = strlen(prefix);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(m->ref.by_name[mid]->name, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < m->ref.nby_name &&
	       !strncmp(m->ref.by_name[lo]->name, prefix, len); lo++)
		if (m->ref.by_name[lo]->defined)
			return true;
	return false;
}

static bool matches(const struct module *m, const struct signature *sg)
{
	size_t k;

	for (k = 0; k < 4 && sg->symbols[k]; k++)
		if (defines(m, sg->symbols[k]))
			return true;
	return sg->prefix && defines_prefix(m, sg->prefix);
}

void jit_detect(const struct check_ctx *c, struct jit_env *je)
{
	size_t i, k, j;

	memset(je, 0, sizeof(*je));
	for (k = 0; k < sizeof(signatures) / sizeof(signatures[0]); k++) {
		for (i = 0; i < c->ms->n && je->n < JIT_MAX_RUNTIMES; i++) {
			const struct module *m = &c->ms->v[i];

			/* an unverified or planted file proves nothing */
			if (!m->executable || m->status != REF_OK ||
			    !m->has_bias || m->deleted || m->memfd ||
			    !matches(m, &signatures[k]))
				continue;
			for (j = 0; j < je->n; j++)
				if (je->v[j].kind == signatures[k].kind)
					break;
			if (j < je->n)
				break;
			je->v[je->n].kind = signatures[k].kind;
			je->v[je->n].name = signatures[k].name;
			je->v[je->n].m = m;
			je->n++;
			break;
		}
	}
}

/* ---- shapes ------------------------------------------------------------ */

static bool kind_is(const struct snap_region *g, const char *k)
{
	return g->kind.s && !strcmp(g->kind.s, k);
}

static bool reserved(const struct snap_region *g)
{
	return g->in_manifest && !strcmp(g->perms, "---p") &&
	       (kind_is(g, "anon") || kind_is(g, "guard"));
}

static bool anon_or_reserved(const struct snap_region *g)
{
	return g->in_manifest && (kind_is(g, "anon") || reserved(g));
}

/*
 * HotSpot's code cache and V8's code range: committed executable parts
 * of one big reservation, whose rest stays PROT_NONE right beside them.
 * The contiguous anonymous span around the region must hold such a
 * reserved neighbour and be large.
 */
static bool in_reservation(const struct snap *s, uint32_t i, char *why,
			   size_t whylen)
{
	uint32_t lo = i, hi = i;
	bool none_beside = false;

	while (lo > 0 && s->regions[lo - 1].end == s->regions[lo].start &&
	       anon_or_reserved(&s->regions[lo - 1]))
		lo--;
	while (hi + 1 < s->manifest_regions &&
	       s->regions[hi].end == s->regions[hi + 1].start &&
	       anon_or_reserved(&s->regions[hi + 1]))
		hi++;
	if (i > lo && reserved(&s->regions[i - 1]))
		none_beside = true;
	if (i < hi && reserved(&s->regions[i + 1]))
		none_beside = true;
	if (!none_beside ||
	    s->regions[hi].end - s->regions[lo].start < RESERVATION_MIN)
		return false;
	snprintf(why, whylen,
		 "committed part of a %" PRIu64 " MiB code reservation",
		 (s->regions[hi].end - s->regions[lo].start) >> 20);
	return true;
}

/*
 * A new mapping lands right below existing ones, so "beside a reservation"
 * alone is a shape anyone's mmap can have: each runtime's own layout is
 * required as well.
 */
static bool hotspot_heap(const struct snap *s, uint32_t i, char *why,
			 size_t whylen)
{
	const struct snap_region *g = &s->regions[i];

	return g->end - g->start >= HOTSPOT_MIN_COMMIT &&
	       in_reservation(s, i, why, whylen);
}

/* V8 code page: [header rw-][guard ---][code], inside the code range. */
static bool v8_code_page(const struct snap *s, uint32_t i, char *why,
			 size_t whylen)
{
	const struct snap_region *guard, *header;

	if (i < 2)
		return false;
	guard = &s->regions[i - 1];
	header = &s->regions[i - 2];
	if (guard->end != s->regions[i].start || !reserved(guard) ||
	    guard->end - guard->start > V8_MAX_GUARD ||
	    header->end != guard->start || !header->in_manifest ||
	    !kind_is(header, "anon") || strcmp(header->perms, "rw-p"))
		return false;
	return in_reservation(s, i, why, whylen);
}

static uint64_t distance(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* LuaJIT places its machine code where the VM's jumps can reach it. */
static bool near_vm(const struct snap_region *g, const struct module *vm,
		    char *why, size_t whylen)
{
	/* W^X: LuaJIT flips an area between rw- and r-x, never rwx */
	if (g->perms[1] == 'w' || g->end - g->start > LUAJIT_MAX_AREA ||
	    distance(g->start, vm->lo) >= LUAJIT_REACH ||
	    distance(g->end, vm->hi) >= LUAJIT_REACH)
		return false;
	snprintf(why, whylen, "machine-code area within jump range of %s",
		 module_base_name(vm));
	return true;
}

/* A data section of the same JIT-linked object, right beside the code. */
static bool object_section(const struct snap *s, uint32_t i)
{
	const struct snap_region *g = &s->regions[i], *n;

	if (i > 0) {
		n = &s->regions[i - 1];
		if (n->end == g->start && n->in_manifest && kind_is(n, "anon") &&
		    (!strcmp(n->perms, "r--p") || !strcmp(n->perms, "rw-p")))
			return true;
	}
	if (i + 1 < s->manifest_regions) {
		n = &s->regions[i + 1];
		if (n->start == g->end && n->in_manifest && kind_is(n, "anon") &&
		    (!strcmp(n->perms, "r--p") || !strcmp(n->perms, "rw-p")))
			return true;
	}
	return false;
}

static bool llvm_section(const struct snap *s, uint32_t i, char *why,
			 size_t whylen)
{
	const struct snap_region *g = &s->regions[i];

	/* LLVM's memory managers never leave code writable */
	if (g->perms[1] == 'w' || g->end - g->start > LLVM_MAX_SECTION ||
	    !object_section(s, i))
		return false;
	snprintf(why, whylen,
		 "read-only code section of the LLVM JIT, beside the object's data");
	return true;
}

static bool in_module_code(const struct module *m, uint64_t v)
{
	return v >= m->bias && elfref_in_code(&m->ref, v - m->bias);
}

/*
 * One libffi trampoline at p (n bytes left): its target, or 0.
 *   libffi >= 3.4: [endbr64] lea r10, [rip-N]; jmp [rip+M]
 *   older:         movabs r11, fn; movabs r10, closure; jmp r11
 */
static uint64_t ffi_tramp_target(const uint8_t *p, size_t n, size_t at,
				 const uint8_t *base, size_t len)
{
	uint64_t v = 0;
	int32_t d;
	size_t slot;

	if (n >= 13 && p[0] == 0x4c && p[1] == 0x8d && p[2] == 0x15 &&
	    p[7] == 0xff && p[8] == 0x25) {
		memcpy(&d, p + 9, 4);
		if (d < 0)
			return 0;
		slot = at + 13 + (size_t)d;
		if (slot + 8 <= len)
			memcpy(&v, base + slot, 8);
		return v;
	}
	if (n >= 23 && p[0] == 0x49 && p[1] == 0xbb && p[10] == 0x49 &&
	    p[11] == 0xba && p[20] == 0x49 && p[21] == 0xff && p[22] == 0xe3) {
		memcpy(&v, p + 2, 8);
		return v;
	}
	return 0;
}

/* Every trampoline in the region enters libffi, and there is one. */
static bool ffi_closures(struct check_ctx *c, const struct snap_region *g,
			 const struct module *ffi, char *why, size_t whylen)
{
	size_t len = (size_t)(g->end - g->start), k, found = 0, foreign = 0;
	struct msnap_error err;
	uint8_t *buf;
	uint64_t t;

	if (g->end - g->start > FFI_MAX_REGION)
		return false;
	buf = malloc(len);
	if (!buf)
		return false;
	if (msnap_read(c->s->rd, g->start, buf, len, NULL, &err)) {
		free(buf);
		return false;
	}
	for (k = 0; k < len; k++) {
		t = ffi_tramp_target(buf + k, len - k, k, buf, len);
		if (!t)
			continue;
		if (in_module_code(ffi, t))
			found++;
		else
			foreign++;
	}
	free(buf);
	if (!found || foreign)
		return false;
	snprintf(why, whylen, "%zu closure trampoline%s, each entering %s",
		 found, found == 1 ? "" : "s", module_base_name(ffi));
	return true;
}

static bool fits(struct check_ctx *c, const struct jit_runtime *rt,
		 uint32_t i, char *why, size_t whylen)
{
	const struct snap_region *g = &c->s->regions[i];

	switch (rt->kind) {
	case JIT_HOTSPOT:
		return hotspot_heap(c->s, i, why, whylen);
	case JIT_V8:
		return v8_code_page(c->s, i, why, whylen);
	case JIT_LUAJIT:
		return near_vm(g, rt->m, why, whylen);
	case JIT_LLVM:
		return llvm_section(c->s, i, why, whylen);
	case JIT_FFI:
		return ffi_closures(c, g, rt->m, why, whylen);
	case JIT_DOTNET:
	case JIT_OTHER:
		if (g->end - g->start > OTHER_MAX_REGION)
			return false;
		snprintf(why, whylen, "anonymous code of a managed runtime");
		return true;
	case JIT_NKINDS:
		break;
	}
	return false;
}

const struct jit_runtime *jit_region(struct check_ctx *c,
				     const struct jit_env *je, uint32_t i,
				     char *why, size_t whylen)
{
	const struct snap_region *g;
	size_t k;

	if (i >= c->s->manifest_regions)
		return NULL;
	g = &c->s->regions[i];
	/* heap, stacks, shared memory: no runtime puts its code there */
	if (!g->in_manifest || !kind_is(g, "anon") || g->perms[2] != 'x')
		return NULL;
	for (k = 0; k < je->n; k++)
		if (fits(c, &je->v[k], i, why, whylen))
			return &je->v[k];
	return NULL;
}

const struct jit_runtime *jit_memfd(const struct jit_env *je,
				    const struct module *m)
{
	static const char name[] = "/memfd:doublemapper";
	size_t k;

	if (!m->memfd || strncmp(m->path, name, sizeof(name) - 1))
		return NULL;
	for (k = 0; k < je->n; k++)
		if (je->v[k].kind == JIT_DOTNET)
			return &je->v[k];
	return NULL;
}
