/* SPDX-License-Identifier: MIT */
/*
 * jit.h - anonymous executable memory that a JIT runtime of the process
 * made, recognised from evidence: which runtime is loaded (a module that
 * defines the runtime's own entry points, whatever the executable is
 * called) and whether the mapping has the shape and origin that runtime
 * gives its code (a code cache carved out of a reservation, a trace area
 * within jump range of the VM, closures that all enter libffi, ...).
 * Anything that fits no loaded runtime stays foreign.
 */
#ifndef ANA_JIT_H
#define ANA_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "findings.h"

enum jit_kind {
	JIT_HOTSPOT,        /* libjvm: code cache in a large reservation */
	JIT_V8,             /* node, libnode: code range reservation */
	JIT_LUAJIT,         /* mcode areas within +-2 GiB of the VM */
	JIT_LLVM,           /* MCJIT/ORC sections: r-x, never writable */
	JIT_FFI,            /* libffi closures: trampolines into libffi */
	JIT_DOTNET,         /* CoreCLR: also W^X double mapping of a memfd */
	JIT_OTHER,          /* .NET, Mono, PyPy, SpiderMonkey, JSC */
	JIT_NKINDS,
};

struct jit_runtime {
	enum jit_kind kind;
	const char *name;             /* "HotSpot (libjvm.so)" */
	const struct module *m;       /* the module that proves it */
};

#define JIT_MAX_RUNTIMES 8

struct jit_env {
	struct jit_runtime v[JIT_MAX_RUNTIMES];
	size_t n;
};

/* Which JIT runtimes the process has loaded (verified modules only). */
void jit_detect(const struct check_ctx *c, struct jit_env *je);

/*
 * The runtime whose code region i (anonymous, executable) fits, or NULL.
 * why receives the shape that matched, for the finding's evidence.
 */
const struct jit_runtime *jit_region(struct check_ctx *c,
				     const struct jit_env *je, uint32_t i,
				     char *why, size_t whylen);

/*
 * The runtime that maps its code from memfd m (CoreCLR's W^X
 * "doublemapper"), or NULL: such a memfd is not foreign code.
 */
const struct jit_runtime *jit_memfd(const struct jit_env *je,
				    const struct module *m);

#endif
