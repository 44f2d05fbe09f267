// SPDX-License-Identifier: MIT
/*
 * cap_errors.c - non-fatal problems met during a capture, kept in order
 * and emitted as the manifest's "errors:" sequence.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"

void errors_add(struct cap_errors *e, const char *what, int region,
		uint64_t start, uint64_t end, int err_no, pid_t tid,
		const char *fmt, ...)
{
	struct cap_error_item *grown, *it;
	size_t cap;
	va_list ap;

	if (!e)
		return;
	if (e->n == e->cap) {
		cap = e->cap ? e->cap * 2 : 16;
		grown = reallocarray(e->items, cap, sizeof(*grown));
		if (!grown)
			return;  /* losing a note beats losing the capture */
		e->items = grown;
		e->cap = cap;
	}
	it = &e->items[e->n++];
	memset(it, 0, sizeof(*it));
	snprintf(it->what, sizeof(it->what), "%s", what ? what : "");
	va_start(ap, fmt);
	vsnprintf(it->message, sizeof(it->message), fmt, ap);
	va_end(ap);
	it->region = region;
	it->start = start;
	it->end = end;
	it->err_no = err_no;
	it->tid = tid;
}

void errors_emit(struct yout *y, const struct cap_errors *e)
{
	const struct cap_error_item *it;
	size_t i;

	yout_key(y, "errors");
	yout_seq_begin(y);
	for (i = 0; e && i < e->n; i++) {
		it = &e->items[i];
		yout_map_begin(y);
		yout_kv_str(y, "what", it->what);
		yout_kv_bytes(y, "message", it->message, strlen(it->message));
		if (it->region >= 0)
			yout_kv_i64(y, "region", it->region);
		if (it->start || it->end) {
			yout_kv_hex(y, "start", it->start);
			yout_kv_hex(y, "end", it->end);
		}
		if (it->err_no)
			yout_kv_i64(y, "errno", it->err_no);
		if (it->tid)
			yout_kv_i64(y, "tid", it->tid);
		yout_map_end(y);
	}
	yout_seq_end(y);
}

void errors_free(struct cap_errors *e)
{
	if (!e)
		return;
	free(e->items);
	e->items = NULL;
	e->n = 0;
	e->cap = 0;
}
