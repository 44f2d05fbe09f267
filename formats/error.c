// SPDX-License-Identifier: MIT
/* error.c - the error table and message helpers of formats/. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "msnap.h"

static const char *const error_text[] = {
#define MSNAP_TEXT(name, text) [MSNAP_E_##name] = text,
	MSNAP_ERROR_LIST(MSNAP_TEXT)
#undef MSNAP_TEXT
};

const char *msnap_strerror(int code)
{
	if (code < 0)
		code = -code;
	if (code >= MSNAP_E_COUNT)
		return "unknown error";
	return error_text[code];
}

static void vfill(struct msnap_error *err, int code, int64_t offset,
		  const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

static void vfill(struct msnap_error *err, int code, int64_t offset,
		  const char *fmt, va_list ap)
{
	int n = 0;

	err->code = code;
	err->sys_errno = 0;
	err->offset = offset;
	if (offset >= 0)
		n = snprintf(err->msg, sizeof(err->msg), "at offset %lld: ",
			     (long long)offset);
	if (n < 0 || (size_t)n >= sizeof(err->msg))
		n = 0;
	vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
}

int msnap_fail(struct msnap_error *err, int code, int64_t offset,
	       const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vfill(err, code, offset, fmt, ap);
		va_end(ap);
	}
	return -code;
}

int msnap_fail_errno(struct msnap_error *err, const char *fmt, ...)
{
	const int saved = errno;
	va_list ap;
	size_t n;

	if (err) {
		va_start(ap, fmt);
		vfill(err, MSNAP_E_ERRNO, -1, fmt, ap);
		va_end(ap);
		err->sys_errno = saved;
		n = strlen(err->msg);
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s",
			 strerror(saved));
	}
	errno = saved;
	return saved == ENOMEM ? -MSNAP_E_NOMEM : -MSNAP_E_ERRNO;
}

const char *msnap_page_state_name(enum msnap_page_state s)
{
	static const char *const names[MSNAP_PAGE_NSTATES] = {
		[MSNAP_PAGE_ABSENT] = "absent",
		[MSNAP_PAGE_DATA] = "data",
		[MSNAP_PAGE_ZERO] = "zero",
		[MSNAP_PAGE_SWAPPED] = "swapped",
		[MSNAP_PAGE_UNREADABLE] = "unreadable",
		[MSNAP_PAGE_PARENT] = "parent",
	};

	if ((unsigned)s >= MSNAP_PAGE_NSTATES)
		return "invalid";
	return names[s];
}

void msnap_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}
