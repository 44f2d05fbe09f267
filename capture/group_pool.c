// SPDX-License-Identifier: MIT
/* group_pool.c - the frozen reads of a group, on worker threads (group_pool.h). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "group_int.h"
#include "group_pool.h"

static void push(struct member ***tail, struct member *m)
{
	m->next = NULL;
	**tail = m;
	*tail = &m->next;
}

static struct member *pop(struct member **head, struct member ***tail)
{
	struct member *m = *head;

	if (m) {
		*head = m->next;
		if (!*head)
			*tail = head;
		m->next = NULL;
	}
	return m;
}

static void *worker_main(void *arg)
{
	struct read_pool *p = arg;
	struct member *m;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->todo && !p->stopping)
			pthread_cond_wait(&p->wake, &p->lock);
		m = pop(&p->todo, &p->todo_tail);
		if (!m)
			break;          /* stopping, and nothing left */
		p->queued--;
		pthread_mutex_unlock(&p->lock);
		p->job(m);
		pthread_mutex_lock(&p->lock);
		push(&p->ready_tail, m);
		pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int read_pool_start(struct read_pool *p, unsigned n,
		    void (*job)(struct member *m))
{
	sigset_t all, old;
	unsigned i;

	*p = (struct read_pool){ .job = job };
	p->todo_tail = &p->todo;
	p->ready_tail = &p->ready;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->done, NULL);
	if (!n)
		return 0;
	p->workers = calloc(n, sizeof(*p->workers));
	if (!p->workers)
		return -1;
	/* the handlers thaw with ptrace: only the tracer thread may take them */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < n; i++) {
		if (pthread_create(&p->workers[i], NULL, worker_main, p))
			break;
		p->nworkers++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

void read_pool_submit(struct read_pool *p, struct member *m)
{
	pthread_mutex_lock(&p->lock);
	p->outstanding++;
	if (!p->nworkers) {
		pthread_mutex_unlock(&p->lock);
		p->job(m);
		pthread_mutex_lock(&p->lock);
		push(&p->ready_tail, m);
	} else {
		push(&p->todo_tail, m);
		p->queued++;
		pthread_cond_signal(&p->wake);
	}
	pthread_mutex_unlock(&p->lock);
}

static struct member *take(struct read_pool *p, bool wait)
{
	struct member *m = NULL;

	pthread_mutex_lock(&p->lock);
	while (p->outstanding && !p->ready && wait)
		pthread_cond_wait(&p->done, &p->lock);
	if (p->ready) {
		m = pop(&p->ready, &p->ready_tail);
		p->outstanding--;
	}
	pthread_mutex_unlock(&p->lock);
	return m;
}

struct member *read_pool_take(struct read_pool *p)
{
	return take(p, true);
}

struct member *read_pool_poll(struct read_pool *p)
{
	return take(p, false);
}

size_t read_pool_queued(struct read_pool *p)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->queued;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void read_pool_stop(struct read_pool *p)
{
	unsigned i;

	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nworkers; i++)
		pthread_join(p->workers[i], NULL);
	free(p->workers);
	p->workers = NULL;
	p->nworkers = 0;
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
}
