/* SPDX-License-Identifier: MIT */
/*
 * interpose.h - libc functions through which a process sees its files,
 * directories, processes and sockets: the ones a rootkit library
 * interposes to hide itself (readdir to hide files and /proc entries,
 * open and stat to hide or redirect files, connect and accept for
 * backdoors).  A library other than libc defining them is notable.
 */
#ifndef ANA_INTERPOSE_H
#define ANA_INTERPOSE_H

#include <stdbool.h>
#include <stddef.h>

struct module;

/* "directory", "file", "process", "socket", or NULL for other names. */
const char *interpose_class(const char *name);

/* libc and the dynamic loader: where these functions belong. */
bool interpose_home(const struct module *m);

/*
 * The sensitive functions module m defines, as "readdir, readdir64
 * (directory); open (file)" in out; the count (0: out is "").
 */
size_t interpose_list(const struct module *m, char *out, size_t outlen);

#endif
