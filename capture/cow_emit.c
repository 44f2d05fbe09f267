// SPDX-License-Identifier: MIT
/*
 * cow_emit.c - what --cow did to the target, for the manifest: a capture
 * that changes its subject says so, with what, when, where and what is
 * left (reliability.md: the footprint is recorded, not hidden).
 */
#include <stdio.h>
#include <time.h>

#include "cow.h"
#include "manifest.h"
#include "yaml_out.h"

static void kv_ns_time(struct yout *y, const char *key, int64_t ns)
{
	struct timespec ts = { ns / 1000000000ll, ns % 1000000000ll };
	char buf[48];

	manifest_time(&ts, buf, sizeof(buf));
	yout_kv_str(y, key, buf);
}

static void emit_site(struct yout *y, const struct inject_site *site)
{
	yout_kv_hex(y, "instruction", site->addr);
	yout_kv_str(y, "instruction_in", site->where);
}

static void emit_clone(struct yout *y, const struct cow_child *c)
{
	char args[96];

	snprintf(args, sizeof(args), "flags=CLONE_FILES|0 (0x%lx), "
		 "stack=0x10", c->clone_flags);
	yout_map_begin(y);
	yout_kv_str(y, "syscall", "clone");
	yout_kv_str(y, "arguments", args);
	yout_kv_i64(y, "thread", c->forked_by);
	emit_site(y, &c->site);
	kv_ns_time(y, "at", c->forked_at);
	yout_kv_i64(y, "duration_ns", c->fork_ns);
	yout_kv_i64(y, "result", c->pid_in_target);
	yout_map_end(y);
}

static void emit_wait4(struct yout *y, const struct cow_child *c)
{
	char args[64];

	snprintf(args, sizeof(args), "pid=%d, status=NULL, "
		 "options=__WALL|WNOHANG", (int)c->pid_in_target);
	yout_map_begin(y);
	yout_kv_str(y, "syscall", "wait4");
	yout_kv_str(y, "arguments", args);
	yout_kv_i64(y, "thread", c->reaped_by);
	emit_site(y, &c->site);
	kv_ns_time(y, "at", c->reaped_at);
	yout_kv_i64(y, "result", c->pid_in_target);
	yout_map_end(y);
}

void cow_emit(struct yout *y, const struct cow_child *c)
{
	char left[96];

	yout_key(y, "intervention");
	yout_map_begin(y);
	yout_kv_str(y, "mode", "cow");
	yout_key(y, "injected");
	yout_seq_begin(y);
	if (c->forked_at)
		emit_clone(y, c);
	if (c->reaped_by)
		emit_wait4(y, c);
	yout_seq_end(y);
	if (!c->pid)
		snprintf(left, sizeof(left), "nothing");
	else
		snprintf(left, sizeof(left), "child %d of the target (%s)",
			 (int)c->pid_in_target, c->killed ? "a zombie until "
			 "the target reaps it or exits" : "alive: it dies "
			 "with memsnap and stays a zombie");
	yout_kv_str(y, "left_behind", left);
	yout_map_end(y);
}
