// SPDX-License-Identifier: MIT
/*
 * signals.c - every way we can be stopped resumes the target first.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "cow.h"
#include "signals.h"
#include "target.h"
#include "freeze.h"

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static volatile sig_atomic_t caught;
static const struct cow_child *volatile watched_child;

/* The --cow child dies first: it must never outlive the capture. */
static void kill_child(void)
{
	const struct cow_child *c = watched_child;

	if (c)
		cow_emergency_kill(c);
}

static void on_stop_signal(int sig)
{
	int saved = errno;

	kill_child();
	target_emergency_thaw();
	if (!caught)
		caught = sig;
	errno = saved;
}

/* A crash of ours must not leave the target stopped; then die as usual. */
static void on_fatal_signal(int sig)
{
	kill_child();
	target_emergency_thaw();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigfillset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

int signals_install(void)
{
	static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE,
					     SIGILL };
	size_t i;

	for (i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		if (set_handler(stop_signals[i], on_stop_signal, 0))
			return -1;
	for (i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		if (set_handler(fatal_signals[i], on_fatal_signal,
				SA_RESETHAND | SA_NODEFER))
			return -1;
	if (set_handler(SIGPIPE, SIG_IGN, 0) || set_handler(SIGXFSZ, SIG_IGN, 0))
		return -1;
	return 0;
}

static void stop_set(sigset_t *set)
{
	size_t i;

	sigemptyset(set);
	for (i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaddset(set, stop_signals[i]);
}

int signals_hold(void)
{
	sigset_t set;

	stop_set(&set);
	/* only this thread takes signals: the writer's workers block them all */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return caught;
}

void signals_unhold(void)
{
	sigset_t set;

	stop_set(&set);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

void signals_watch_cow(const struct cow_child *c)
{
	watched_child = c;
}

int signals_caught(void)
{
	return caught;
}

const volatile int *signals_flag(void)
{
	return &caught;
}
