/* SPDX-License-Identifier: MIT */
/*
 * group_pool.h - worker threads that run the frozen reads of a group's
 * members, several at once, while the tracer thread (the caller) goes on
 * freezing and thawing.  The reads make no ptrace request; everything
 * that does stays with the caller.  Workers block every signal, so the
 * handlers (which thaw) run on the tracer thread.
 */
#ifndef CAPTURE_GROUP_POOL_H
#define CAPTURE_GROUP_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct member;

struct read_pool {
	void (*job)(struct member *m);
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	struct member *todo, **todo_tail;    /* FIFO through member->next */
	struct member *ready, **ready_tail;  /* jobs finished, not yet taken */
	size_t outstanding;                  /* submitted, not yet taken */
	size_t queued;                       /* submitted, not yet started */
	pthread_t *workers;
	unsigned nworkers;
	bool stopping;
};

/*
 * Start n workers running job (0: each job runs inside read_pool_submit,
 * on the caller's thread).  Fewer workers than asked if threads cannot be
 * made.  0 or -1 (errno).
 */
int read_pool_start(struct read_pool *p, unsigned n,
		    void (*job)(struct member *m));

/* Queue m's job (in submission order). */
void read_pool_submit(struct read_pool *p, struct member *m);

/*
 * A member whose job has finished, oldest first; waits when none has yet.
 * NULL when nothing submitted is left to take.
 */
struct member *read_pool_take(struct read_pool *p);

/* Like read_pool_take, but NULL at once when none is finished. */
struct member *read_pool_poll(struct read_pool *p);

/* Jobs submitted that no worker has started yet. */
size_t read_pool_queued(struct read_pool *p);

/* Finish the queued jobs, then stop and join the workers. */
void read_pool_stop(struct read_pool *p);

#endif
