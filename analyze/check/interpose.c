// SPDX-License-Identifier: MIT
/*
 * interpose.c - which libc functions matter when someone else defines
 * them, and who defines them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules.h"
#include "interpose.h"

struct sensitive {
	const char *name;
	const char *what;
};

/* Sorted by name (bsearch). */
static const struct sensitive table[] = {
	{ "__fxstat", "file" }, { "__fxstat64", "file" },
	{ "__lxstat", "file" }, { "__lxstat64", "file" },
	{ "__open", "file" }, { "__open64", "file" },
	{ "__xstat", "file" }, { "__xstat64", "file" },
	{ "accept", "socket" }, { "accept4", "socket" },
	{ "access", "file" }, { "bind", "socket" },
	{ "closedir", "directory" }, { "connect", "socket" },
	{ "execve", "process" }, { "execveat", "process" },
	{ "faccessat", "file" }, { "fdopendir", "directory" },
	{ "fexecve", "process" }, { "fopen", "file" }, { "fopen64", "file" },
	{ "fork", "process" }, { "freopen", "file" },
	{ "freopen64", "file" }, { "fstat", "file" }, { "fstat64", "file" },
	{ "fstatat", "file" }, { "fstatat64", "file" },
	{ "getdents", "directory" }, { "getdents64", "directory" },
	{ "kill", "process" }, { "listen", "socket" }, { "lstat", "file" },
	{ "lstat64", "file" }, { "open", "file" }, { "open64", "file" },
	{ "openat", "file" }, { "openat64", "file" },
	{ "opendir", "directory" }, { "pam_authenticate", "process" },
	{ "posix_spawn", "process" }, { "posix_spawnp", "process" },
	{ "ptrace", "process" }, { "readdir", "directory" },
	{ "readdir64", "directory" }, { "readdir64_r", "directory" },
	{ "readdir_r", "directory" }, { "readlink", "file" },
	{ "readlinkat", "file" }, { "recv", "socket" },
	{ "recvfrom", "socket" }, { "recvmsg", "socket" },
	{ "rmdir", "directory" }, { "scandir", "directory" },
	{ "scandir64", "directory" }, { "scandirat", "directory" },
	{ "send", "socket" }, { "sendmsg", "socket" }, { "sendto", "socket" },
	{ "socket", "socket" }, { "stat", "file" }, { "stat64", "file" },
	{ "statx", "file" }, { "unlink", "file" }, { "unlinkat", "file" },
	{ "vfork", "process" },
};

#define NTABLE (sizeof(table) / sizeof(table[0]))

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sensitive *)elem)->name);
}

const char *interpose_class(const char *name)
{
	const struct sensitive *e;

	if (!name)
		return NULL;
	e = bsearch(name, table, NTABLE, sizeof(table[0]), cmp_name);
	return e ? e->what : NULL;
}

bool interpose_home(const struct module *m)
{
	const char *so = m->status == REF_OK && m->ref.soname ?
		m->ref.soname : module_base_name(m);

	return !strcmp(so, "libc.so.6") || !strncmp(so, "ld-linux", 8) ||
	       m->is_interp || !strncmp(so, "libpthread.so", 13) ||
	       !strncmp(so, "libpam.so", 9);
}

static bool defines_func(const struct module *m, const char *name)
{
	struct elf_sym *const *syms;
	size_t n, i;

	elfref_lookup(&m->ref, name, &syms, &n);
	for (i = 0; i < n; i++)
		if (syms[i]->defined && syms[i]->value &&
		    syms[i]->type != 1 /* STT_OBJECT */)
			return true;
	return false;
}

size_t interpose_list(const struct module *m, char *out, size_t outlen)
{
	size_t i, n = 0, used = 0;
	int w;

	if (outlen)
		out[0] = '\0';
	if (m->status != REF_OK)
		return 0;
	for (i = 0; i < NTABLE; i++) {
		if (!defines_func(m, table[i].name))
			continue;
		w = snprintf(out + used, outlen > used ? outlen - used : 0,
			     "%s%s (%s)", n ? ", " : "", table[i].name,
			     table[i].what);
		if (w > 0 && used + (size_t)w < outlen)
			used += (size_t)w;
		n++;
	}
	return n;
}
