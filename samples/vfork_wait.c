// SPDX-License-Identifier: MIT
/*
 * vfork_wait - a victim that cannot stop: it vforks a child that does not
 * exec, so the parent waits in the kernel (state D, killable only) until
 * the child ends; ptrace cannot stop it meanwhile.  SIGUSR1 to the child
 * ends it, and the parent then prints "resumed" and waits as usual.
 *
 * Prints: child_pid=N, ready (from the child, just before it waits);
 * resumed (from the parent, once the child has gone).
 */
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t child_done;

static void on_usr1(int sig)
{
	(void)sig;
	child_done = 1;
}

int main(void)
{
	const struct timespec tick = { 0, 20 * 1000 * 1000 };
	sigset_t set;
	pid_t child;
	int sig;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGUSR1, on_usr1);
	child = vfork();
	if (child < 0) {
		perror("vfork_wait: vfork");
		return 1;
	}
	if (child == 0) {
		/* borrowed memory: only async-signal-safe calls, then _exit */
		char line[64];
		int n = snprintf(line, sizeof(line), "child_pid=%d\nready\n",
				 (int)getpid());

		if (write(1, line, (size_t)n) != n)
			_exit(1);
		while (!child_done)
			nanosleep(&tick, NULL);
		_exit(0);
	}
	printf("resumed\n");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigwait(&set, &sig);
	return 0;
}
