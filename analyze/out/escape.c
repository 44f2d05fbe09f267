// SPDX-License-Identifier: MIT
/* escape.c - make bytes from a snapshot safe to show (see escape.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), with its code
 * point in *cp, or 0 when the bytes there are not valid UTF-8.
 */
static size_t utf8_seq(const uint8_t *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0];
	size_t len, i;
	uint32_t min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

bool esc_is_utf8(const void *s, size_t n)
{
	const uint8_t *p = s;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		len = utf8_seq(p + i, n - i, &cp);
		if (!len)
			return false;
		i += len;
	}
	return true;
}

/* Code points a terminal acts on instead of showing. */
static bool is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	       (cp >= 0x202a && cp <= 0x202e) ||   /* bidi embeddings */
	       (cp >= 0x2066 && cp <= 0x2069) ||   /* bidi isolates */
	       cp == 0x200e || cp == 0x200f ||     /* LRM, RLM */
	       cp == 0x2028 || cp == 0x2029;       /* line/para separators */
}

/* Escape of one byte or code point into out (at most 11 bytes). */
static size_t escape_one(uint32_t cp, bool raw_byte, char *out)
{
	static const char hex[] = "0123456789abcdef";

	if (!raw_byte) {
		switch (cp) {
		case '\n': memcpy(out, "\\n", 2); return 2;
		case '\t': memcpy(out, "\\t", 2); return 2;
		case '\r': memcpy(out, "\\r", 2); return 2;
		case '\\': memcpy(out, "\\\\", 2); return 2;
		default:
			break;
		}
		if (cp > 0xff) {
			out[0] = '\\';
			out[1] = 'u';
			out[2] = '{';
			out[3] = hex[(cp >> 12) & 15];
			out[4] = hex[(cp >> 8) & 15];
			out[5] = hex[(cp >> 4) & 15];
			out[6] = hex[cp & 15];
			out[7] = '}';
			return 8;
		}
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[(cp >> 4) & 15];
	out[3] = hex[cp & 15];
	return 4;
}

char *esc_text(const void *s, size_t n, size_t *out_len)
{
	const uint8_t *p = s;
	size_t i = 0, o = 0, len, cap;
	uint32_t cp;
	char *out;

	/* Worst case: every byte becomes \xNN; a 3-byte \u{NNNN} is less. */
	if (n > (SIZE_MAX - 1) / 4) {
		errno = ENOMEM;
		return NULL;
	}
	cap = 4 * n + 1;
	out = malloc(cap);
	if (!out)
		return NULL;
	while (i < n) {
		len = utf8_seq(p + i, n - i, &cp);
		if (!len) {
			o += escape_one(p[i], true, out + o);
			i++;
			continue;
		}
		if (is_control(cp) || cp == '\\') {
			if (cp >= 0x80 && cp <= 0x9f)
				o += escape_one(cp, true, out + o);
			else
				o += escape_one(cp, false, out + o);
		} else {
			memcpy(out + o, p + i, len);
			o += len;
		}
		i += len;
	}
	out[o] = '\0';
	if (out_len)
		*out_len = o;
	return out;
}

int esc_fputs(FILE *fp, const void *s, size_t n)
{
	size_t len;
	char *e = esc_text(s, n, &len);
	int ret = 0;

	if (!e)
		return -1;
	if (fwrite(e, 1, len, fp) != len)
		ret = -1;
	free(e);
	return ret;
}

char *esc_base64(const void *data, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const uint8_t *p = data;
	size_t i, o = 0;
	uint32_t v;
	char *out;

	if (n > (SIZE_MAX - 4) / 4 * 3) {
		errno = ENOMEM;
		return NULL;
	}
	out = malloc((n + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	if (i < n) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

size_t esc_width(const char *escaped)
{
	size_t w = 0;

	for (; *escaped; escaped++)
		if (((unsigned char)*escaped & 0xc0) != 0x80)
			w++;
	return w;
}
