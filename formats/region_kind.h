/* SPDX-License-Identifier: MIT */
/*
 * region_kind.h - the kinds of memory region a manifest names (its
 * regions[].kind, formats/MANIFEST.md): one list for the writer (capture)
 * and the readers (analyze).
 */
#ifndef MSNAP_REGION_KIND_H
#define MSNAP_REGION_KIND_H

/* X(ENUM_SUFFIX, "manifest name"), in the order of the enum. */
#define MSNAP_REGION_KINDS(X)                                          \
	X(FILE, "file") X(HEAP, "heap") X(STACK, "stack")              \
	X(THREAD_STACK, "thread_stack") X(VDSO, "vdso") X(VVAR, "vvar") \
	X(VSYSCALL, "vsyscall") X(ANON, "anon") X(SHMEM, "shmem")      \
	X(MEMFD, "memfd") X(DELETED, "deleted") X(GUARD, "guard")      \
	X(OTHER, "other")

enum msnap_region_kind {
#define MSNAP_KIND_ENUM(id, name) MSNAP_KIND_##id,
	MSNAP_REGION_KINDS(MSNAP_KIND_ENUM)
#undef MSNAP_KIND_ENUM
	MSNAP_KIND_COUNT
};

/* The manifest name of k; "other" for a value outside the enum. */
const char *msnap_region_kind_name(enum msnap_region_kind k);

#endif
