// SPDX-License-Identifier: MIT
/* cli.c - messages, exit codes and number parsing shared by subcommands. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aprogress.h"
#include "cli.h"

static void vmessage(const char *cmd, const char *what, const char *fmt,
		     va_list ap) __attribute__((format(printf, 3, 0)));

static void vmessage(const char *cmd, const char *what, const char *fmt,
		     va_list ap)
{
	ana_before_message();
	fprintf(stderr, "memsnap-analyze: %s: %s", cmd, what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ana_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(cmd, "", fmt, ap);
	va_end(ap);
}

bool ana_quiet;

void ana_warn(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	if (ana_quiet)
		return;
	va_start(ap, fmt);
	vmessage(cmd, "warning: ", fmt, ap);
	va_end(ap);
}

int ana_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(cmd, "", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'memsnap-analyze %s --help'\n", cmd);
	return -1;
}

void ana_err_msnap(const char *cmd, const struct msnap_error *err)
{
	if (err->msg[0])
		ana_err(cmd, "%s", err->msg);
	else
		ana_err(cmd, "%s", msnap_strerror(err->code));
}

int ana_parse_u64(const char *s, bool suffixes, uint64_t *v)
{
	unsigned shift = 0;
	unsigned long long n;
	char *end;

	/* strtoull accepts leading spaces and signs: we do not. */
	if (!s || !(*s >= '0' && *s <= '9'))
		return -1;
	errno = 0;
	n = strtoull(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			      ? 16 : 10);
	if (errno || end == s)
		return -1;
	if (suffixes && *end) {
		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		default:
			return -1;
		}
		end++;
		if (*end == 'i' && end[1] == 'B')
			end += 2;
		else if (*end == 'B')
			end++;
	}
	if (*end)
		return -1;
	if (shift && n > (UINT64_MAX >> shift))
		return -1;
	*v = (uint64_t)n << shift;
	return 0;
}

bool ana_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

int ana_create_output(const char *cmd, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_CLOEXEC, 0600);

	if (fd < 0) {
		if (errno == EEXIST)
			ana_err(cmd, "%s: already exists (never overwritten)",
				path);
		else
			ana_err(cmd, "%s: %s", path, strerror(errno));
	}
	return fd;
}

int ana_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
