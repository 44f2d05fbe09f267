// SPDX-License-Identifier: MIT
/*
 * readdir_hider.c - the technique of libprocesshider and most userland
 * rootkits, for the check tests: readdir and readdir64 interposed, the
 * real ones found with dlsym(RTLD_NEXT), entries named HIDE_PREFIX*
 * skipped.  Built by the tests as a shared library.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <string.h>

#define HIDE_PREFIX "memsnap_hidden"

static int hidden(const char *name)
{
	return !strncmp(name, HIDE_PREFIX, strlen(HIDE_PREFIX));
}

struct dirent *readdir(DIR *d)
{
	static struct dirent *(*real)(DIR *);
	struct dirent *e;

	if (!real)
		real = (struct dirent *(*)(DIR *))dlsym(RTLD_NEXT, "readdir");
	while ((e = real(d)) && hidden(e->d_name))
		;
	return e;
}

struct dirent64 *readdir64(DIR *d)
{
	static struct dirent64 *(*real)(DIR *);
	struct dirent64 *e;

	if (!real)
		real = (struct dirent64 *(*)(DIR *))dlsym(RTLD_NEXT, "readdir64");
	while ((e = real(d)) && hidden(e->d_name))
		;
	return e;
}
