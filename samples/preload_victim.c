// SPDX-License-Identifier: MIT
/*
 * preload_victim - an ordinary program meant to run with an LD_PRELOAD
 * interposer (samples/preload_lib.c.in, built by the test) that replaces
 * getppid.  It calls getppid through its PLT, so its GOT slot binds to
 * the interposer.
 *
 * Prints: getppid_result=N, ready.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(void)
{
	sigset_t set;
	int sig;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("getppid_result=%d\n", (int)getppid());
	printf("ready\n");
	fflush(stdout);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigwait(&set, &sig);
	return 0;
}
