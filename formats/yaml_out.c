// SPDX-License-Identifier: MIT
/*
 * yaml_out.c - build a YAML document in memory with libyaml's emitter.
 *
 * Every scalar goes through one of three doors: a plain scalar we formatted
 * ourselves (numbers, booleans, null), a string whose style we pick so that a
 * YAML 1.1 reader cannot mistake it for another type, or !!binary.
 */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yaml_out.h"

#define BINARY_TAG "tag:yaml.org,2002:binary"

struct yout {
	yaml_emitter_t emitter;
	bool emitter_ready;
	int depth;               /* open maps and sequences */
	bool has_root;
	bool finished;
	char *buf;               /* emitted text so far */
	size_t len, cap;
	int code;                /* first MSNAP_E_* met, 0 if none */
	char msg[256];
};

static void set_error(struct yout *y, int code, const char *what)
{
	if (y->code)
		return;
	y->code = code;
	snprintf(y->msg, sizeof(y->msg), "yaml output: %s", what);
}

static bool usable(const struct yout *y)
{
	return y && !y->code && !y->finished;
}

static int write_handler(void *data, unsigned char *bytes, size_t size)
{
	struct yout *y = data;
	size_t need, cap;
	char *p;

	if (size > SIZE_MAX - 1 - y->len)
		goto nomem;
	need = y->len + size + 1;
	if (need > y->cap) {
		cap = y->cap ? y->cap : 4096;
		while (cap < need) {
			if (cap > SIZE_MAX / 2) {
				cap = need;
				break;
			}
			cap *= 2;
		}
		p = realloc(y->buf, cap);
		if (!p)
			goto nomem;
		y->buf = p;
		y->cap = cap;
	}
	memcpy(y->buf + y->len, bytes, size);
	y->len += size;
	y->buf[y->len] = '\0';
	return 1;
nomem:
	set_error(y, MSNAP_E_NOMEM, "out of memory");
	return 0;
}

/* Hand one initialized event to the emitter (which takes ownership). */
static void emit(struct yout *y, yaml_event_t *ev)
{
	if (!yaml_emitter_emit(&y->emitter, ev)) {
		/* Our own write handler may already have said ENOMEM. */
		if (y->emitter.error == YAML_MEMORY_ERROR)
			set_error(y, MSNAP_E_NOMEM, "out of memory");
		else
			set_error(y, MSNAP_E_STATE, y->emitter.problem ?
				  y->emitter.problem : "emitter error");
	}
}

static void event_failed(struct yout *y)
{
	set_error(y, MSNAP_E_NOMEM, "out of memory (event)");
}

struct yout *yout_new(void)
{
	struct yout *y = calloc(1, sizeof(*y));
	yaml_event_t ev;

	if (!y)
		return NULL;
	if (!yaml_emitter_initialize(&y->emitter)) {
		free(y);
		return NULL;
	}
	y->emitter_ready = true;
	yaml_emitter_set_output(&y->emitter, write_handler, y);
	yaml_emitter_set_encoding(&y->emitter, YAML_UTF8_ENCODING);
	yaml_emitter_set_unicode(&y->emitter, 1);
	yaml_emitter_set_width(&y->emitter, -1);
	yaml_emitter_set_indent(&y->emitter, 2);

	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING))
		goto fail;
	emit(y, &ev);
	if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1))
		goto fail;
	emit(y, &ev);
	if (y->code)
		goto fail;
	return y;
fail:
	yout_free(y);
	return NULL;
}

void yout_free(struct yout *y)
{
	if (!y)
		return;
	if (y->emitter_ready)
		yaml_emitter_delete(&y->emitter);
	free(y->buf);
	free(y);
}

static void node_started(struct yout *y)
{
	if (y->depth == 0) {
		if (y->has_root)
			set_error(y, MSNAP_E_STATE, "second root node");
		y->has_root = true;
	}
}

static void collection_begin(struct yout *y, bool map, bool flow)
{
	yaml_event_t ev;
	int ok;

	if (!usable(y))
		return;
	node_started(y);
	if (y->code)
		return;
	if (map)
		ok = yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
			flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
	else
		ok = yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
			flow ? YAML_FLOW_SEQUENCE_STYLE :
			       YAML_BLOCK_SEQUENCE_STYLE);
	if (!ok) {
		event_failed(y);
		return;
	}
	emit(y, &ev);
	y->depth++;
}

static void collection_end(struct yout *y, bool map)
{
	yaml_event_t ev;
	int ok;

	if (!usable(y))
		return;
	if (y->depth <= 0) {
		set_error(y, MSNAP_E_STATE, "end without a begin");
		return;
	}
	ok = map ? yaml_mapping_end_event_initialize(&ev) :
		   yaml_sequence_end_event_initialize(&ev);
	if (!ok) {
		event_failed(y);
		return;
	}
	emit(y, &ev);
	y->depth--;
}

void yout_map_begin(struct yout *y)
{
	collection_begin(y, true, false);
}

void yout_map_end(struct yout *y)
{
	collection_end(y, true);
}

void yout_seq_begin(struct yout *y)
{
	collection_begin(y, false, false);
}

void yout_seq_end(struct yout *y)
{
	collection_end(y, false);
}

void yout_flow_seq_begin(struct yout *y)
{
	collection_begin(y, false, true);
}

static void scalar(struct yout *y, const char *tag, const char *s, size_t n,
		   bool implicit, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (!usable(y))
		return;
	if (n > INT_MAX) {
		set_error(y, MSNAP_E_LIMIT, "scalar too long");
		return;
	}
	node_started(y);
	if (y->code)
		return;
	if (!yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)tag,
					  (yaml_char_t *)s, (int)n, implicit,
					  implicit, style)) {
		event_failed(y);
		return;
	}
	emit(y, &ev);
}

/* A scalar we formatted ourselves: digits, true/false, null. */
static void plain(struct yout *y, const char *s)
{
	scalar(y, NULL, s, strlen(s), true, YAML_PLAIN_SCALAR_STYLE);
}

/*
 * Length of the UTF-8 sequence at s (at most n bytes) if it is well formed
 * and not a control character (C0, C1, bidi), surrogate or out of range; 0
 * otherwise.
 * Tab is the one control character allowed.
 */
static size_t printable_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0];
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return (c >= 0x20 && c != 0x7f) || c == '\t' ? 1 : 0;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ||
	    (c >= 0x80 && c <= 0x9f))
		return 0;
	/* bidi controls reorder what a terminal shows: libyaml writes them raw */
	if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0x200e || c == 0x200f)
		return 0;
	*cp = c;
	return len;
}

/*
 * True if s is printable UTF-8; *needs_dq is set when it holds characters
 * that only the double-quoted style carries unchanged (YAML line breaks).
 */
static bool printable_utf8(const char *s, size_t n, bool *needs_dq)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp;

	*needs_dq = false;
	while (i < n) {
		k = printable_char(p + i, n - i, &cp);
		if (!k)
			return false;
		if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff)
			*needs_dq = true;
		i += k;
	}
	return true;
}

static bool equals_one_of(const char *s, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n && memcmp(s, *words, n) == 0)
			return true;
	return false;
}

/*
 * Would a YAML 1.1 reader (libyaml users, PyYAML) resolve this plain scalar
 * to something other than a string?  Errs towards yes: quoting a string
 * costs two bytes, not quoting one changes its type.
 */
static bool plain_is_not_string(const char *s, size_t n)
{
	static const char *const words[] = {
		"~", "null", "Null", "NULL",
		"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"true", "True", "TRUE", "false", "False", "FALSE",
		"on", "On", "ON", "off", "Off", "OFF",
		".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
		"-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN",
		"<<", "=", NULL
	};
	size_t i = 0;

	if (n == 0 || equals_one_of(s, n, words))
		return true;
	/* Numbers of every base, floats, sexagesimals, timestamps. */
	if (s[i] == '+' || s[i] == '-')
		i++;
	if (i < n && s[i] == '.')
		i++;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return false;
	for (; i < n; i++) {
		const char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || c == '_' || c == '.' ||
		      c == ':' || c == '+' || c == '-' || c == ' ' ||
		      c == '\t'))
			return false;
	}
	return true;
}

/* A printable UTF-8 string, styled so it reads back as this string. */
static void string(struct yout *y, const char *s, size_t n, bool needs_dq)
{
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;

	if (needs_dq || plain_is_not_string(s, n))
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	scalar(y, NULL, s, n, true, style);
}

void yout_key(struct yout *y, const char *key)
{
	bool needs_dq;

	if (!usable(y))
		return;
	if (!key || !printable_utf8(key, strlen(key), &needs_dq)) {
		set_error(y, MSNAP_E_INVAL, "key is not printable UTF-8");
		return;
	}
	string(y, key, strlen(key), needs_dq);
}

void yout_str(struct yout *y, const char *s)
{
	if (!s)
		yout_null(y);
	else
		yout_bytes(y, s, strlen(s));
}

void yout_bytes(struct yout *y, const void *s, size_t n)
{
	bool needs_dq;

	if (!usable(y))
		return;
	if (n && !s) {
		set_error(y, MSNAP_E_INVAL, "NULL bytes");
		return;
	}
	if (printable_utf8(n ? s : "", n, &needs_dq))
		string(y, n ? s : "", n, needs_dq);
	else
		yout_binary(y, s, n);
}

void yout_u64(struct yout *y, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%" PRIu64, v);
	plain(y, b);
}

void yout_i64(struct yout *y, int64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%" PRId64, v);
	plain(y, b);
}

void yout_hex(struct yout *y, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "0x%" PRIx64, v);
	scalar(y, NULL, b, strlen(b), true, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

void yout_bool(struct yout *y, bool v)
{
	plain(y, v ? "true" : "false");
}

void yout_null(struct yout *y)
{
	plain(y, "null");
}

void yout_double(struct yout *y, double v)
{
	char b[40];

	if (isnan(v))
		plain(y, ".nan");
	else if (isinf(v))
		plain(y, v < 0 ? "-.inf" : ".inf");
	else {
		char *e;

		snprintf(b, sizeof(b), "%.9g", v);
		/* YAML 1.1 floats need a dot: 1e+20 would read as a string. */
		e = strchr(b, 'e');
		if (e && !strchr(b, '.')) {
			memmove(e + 2, e, strlen(e) + 1);
			e[0] = '.';
			e[1] = '0';
		}
		plain(y, b);
	}
}

void yout_binary(struct yout *y, const void *data, size_t n)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	size_t i, o = 0, out_len;
	char *b64;

	if (!usable(y))
		return;
	if (n && !data) {
		set_error(y, MSNAP_E_INVAL, "NULL binary");
		return;
	}
	if (n > (SIZE_MAX - 1) / 4 * 3 - 2) {
		set_error(y, MSNAP_E_LIMIT, "binary too long");
		return;
	}
	out_len = (n + 2) / 3 * 4;
	b64 = malloc(out_len + 1);
	if (!b64) {
		set_error(y, MSNAP_E_NOMEM, "out of memory");
		return;
	}
	for (i = 0; i + 2 < n; i += 3) {
		const uint32_t v = (uint32_t)p[i] << 16 | p[i + 1] << 8 |
				   p[i + 2];

		b64[o++] = alphabet[v >> 18];
		b64[o++] = alphabet[v >> 12 & 63];
		b64[o++] = alphabet[v >> 6 & 63];
		b64[o++] = alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < n)
			v |= p[i + 1] << 8;
		b64[o++] = alphabet[v >> 18];
		b64[o++] = alphabet[v >> 12 & 63];
		b64[o++] = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
		b64[o++] = '=';
	}
	b64[o] = '\0';
	scalar(y, BINARY_TAG, b64, o, false, YAML_ANY_SCALAR_STYLE);
	free(b64);
}

void yout_hexbytes(struct yout *y, const void *data, size_t n)
{
	char *hex;

	if (!usable(y))
		return;
	if (n && !data) {
		set_error(y, MSNAP_E_INVAL, "NULL digest");
		return;
	}
	if (n > (SIZE_MAX - 1) / 2) {
		set_error(y, MSNAP_E_LIMIT, "digest too long");
		return;
	}
	hex = malloc(2 * n + 1);
	if (!hex) {
		set_error(y, MSNAP_E_NOMEM, "out of memory");
		return;
	}
	msnap_hex(data, n, hex);
	/* "1234" or "1e10" would read back as numbers. */
	string(y, hex, 2 * n, false);
	free(hex);
}

void yout_kv_str(struct yout *y, const char *k, const char *v)
{
	yout_key(y, k);
	yout_str(y, v);
}

void yout_kv_bytes(struct yout *y, const char *k, const void *v, size_t n)
{
	yout_key(y, k);
	yout_bytes(y, v, n);
}

void yout_kv_u64(struct yout *y, const char *k, uint64_t v)
{
	yout_key(y, k);
	yout_u64(y, v);
}

void yout_kv_i64(struct yout *y, const char *k, int64_t v)
{
	yout_key(y, k);
	yout_i64(y, v);
}

void yout_kv_hex(struct yout *y, const char *k, uint64_t v)
{
	yout_key(y, k);
	yout_hex(y, v);
}

void yout_kv_bool(struct yout *y, const char *k, bool v)
{
	yout_key(y, k);
	yout_bool(y, v);
}

int yout_finish(struct yout *y, char **out, size_t *len,
		struct msnap_error *err)
{
	yaml_event_t ev;

	*out = NULL;
	*len = 0;
	if (!y)
		return msnap_fail(err, MSNAP_E_INVAL, -1, "yaml output: NULL");
	if (y->finished && !y->code)
		set_error(y, MSNAP_E_STATE, "finished twice");
	if (!y->code && (y->depth != 0 || !y->has_root))
		set_error(y, MSNAP_E_STATE, y->has_root ?
			  "unclosed map or sequence" : "empty document");
	if (!y->code) {
		if (yaml_document_end_event_initialize(&ev, 1))
			emit(y, &ev);
		else
			event_failed(y);
	}
	if (!y->code) {
		if (yaml_stream_end_event_initialize(&ev))
			emit(y, &ev);
		else
			event_failed(y);
	}
	if (!y->code && !yaml_emitter_flush(&y->emitter))
		set_error(y, MSNAP_E_NOMEM, "flush failed");
	y->finished = true;
	if (y->code)
		return msnap_fail(err, y->code, -1, "%s", y->msg);
	if (!y->buf && !write_handler(y, (unsigned char *)"", 0))
		return msnap_fail(err, y->code, -1, "%s", y->msg);
	*out = y->buf;
	*len = y->len;
	y->buf = NULL;
	y->len = y->cap = 0;
	return 0;
}
