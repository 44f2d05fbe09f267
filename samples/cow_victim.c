// SPDX-License-Identifier: MIT
/*
 * cow_victim - a victim for `memsnap --cow`: memory that a fork child does
 * not hold as it was (MAP_SHARED, MADV_DONTFORK, MADV_WIPEONFORK, a memfd
 * mapped private), and a self-report of what a capture must not change.
 *
 * Usage: cow_victim busy|idle|seccomp [EXTRA_MIB]
 *   busy     a writer thread stamps generation g = 2, 3, ... into the first
 *            8 bytes of every page of five regions, in this order: shared
 *            (MAP_SHARED anon), dontfork, wipeonfork, private (plain
 *            private anon), memfd (a memfd mapped MAP_PRIVATE, read only
 *            through the mapping; stamped with pwrite).  It stores g in
 *            `counter` before stamping.  A snapshot of one instant holds,
 *            over the five regions in that order, a run of g then a run of
 *            g - 1 (g = the captured counter); the rest of every page is
 *            0xa5.
 *   idle     the same regions, stamped once (g = 1); no writer thread.
 *   seccomp  idle, under an allow-all seccomp filter (--cow refuses it).
 *   EXTRA_MIB  private memory of pseudo-random bytes, to make captures
 *            last (default 0).
 *
 * SIGUSR1 and SIGRTMIN+1 are blocked in every thread; SIGUSR1 is pending
 * on the main thread, SIGRTMIN+1 on the process.  SIGCHLD is counted.
 * SIGUSR2 prints "report=sigchld:N,mask:HEX,pending:HEX,wait:E": SIGCHLDs
 * received, the main thread's signal mask and pending set, and what
 * waitid(P_ALL, __WALL|WNOHANG) says (ECHILD: no child, zombie or not).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 64
#define NREGIONS 5
#define FILL 0xa5

static const char *const names[NREGIONS] = {
	"shared", "dontfork", "wipeonfork", "private", "memfd",
};
static uint8_t *regions[NREGIONS];
static int memfd = -1;
static long page;
static volatile uint64_t *counter;
static volatile sig_atomic_t sigchld_count, report_asked;

static void on_sigchld(int sig)
{
	(void)sig;
	sigchld_count++;
}

static void on_sigusr2(int sig)
{
	(void)sig;
	report_asked = 1;
}

static void *map_anon(int flags)
{
	void *p = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE,
		       flags | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static void map_regions(void)
{
	regions[0] = map_anon(MAP_SHARED);
	regions[1] = map_anon(MAP_PRIVATE);
	regions[2] = map_anon(MAP_PRIVATE);
	regions[3] = map_anon(MAP_PRIVATE);
	if (madvise(regions[1], PAGES * page, MADV_DONTFORK) ||
	    madvise(regions[2], PAGES * page, MADV_WIPEONFORK)) {
		perror("madvise");
		exit(1);
	}
	memfd = (int)syscall(SYS_memfd_create, "cow_victim", 0);
	if (memfd < 0 || ftruncate(memfd, PAGES * page)) {
		perror("memfd");
		exit(1);
	}
	regions[4] = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE, memfd, 0);
	if (regions[4] == MAP_FAILED) {
		perror("mmap memfd");
		exit(1);
	}
}

static void stamp(int r, long i, uint64_t g)
{
	if (r == 4) {
		if (pwrite(memfd, &g, sizeof(g), i * page) != sizeof(g))
			abort();
		return;
	}
	*(volatile uint64_t *)(regions[r] + i * page) = g;
}

/* Generation 1 everywhere, every page present in this process. */
static void fill_regions(void)
{
	uint8_t *buf = malloc(page);
	volatile uint8_t sink;
	long i;
	int r;

	memset(buf, FILL, page);
	*(uint64_t *)buf = 1;
	for (r = 0; r < 4; r++)
		for (i = 0; i < PAGES; i++)
			memcpy(regions[r] + i * page, buf, page);
	for (i = 0; i < PAGES; i++) {
		if (pwrite(memfd, buf, page, i * page) != page)
			abort();
		sink = regions[4][i * page];    /* mapped, never written */
	}
	(void)sink;
	free(buf);
	*counter = 1;
}

static void *writer(void *arg)
{
	uint64_t g;
	long i;
	int r;

	(void)arg;
	for (g = 2;; g++) {
		*counter = g;
		for (r = 0; r < NREGIONS; r++)
			for (i = 0; i < PAGES; i++)
				stamp(r, i, g);
	}
	return NULL;
}

static void fill_extra(long mib)
{
	const size_t bytes = (size_t)mib << 20;
	uint64_t *p, x = 0x9e3779b97f4a7c15ull;
	size_t i;

	if (!mib)
		return;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap extra");
		exit(1);
	}
	for (i = 0; i < bytes / 8; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		p[i] = x * 0x2545f4914f6cdd1dull;
	}
	printf("extra_addr=%p\nextra_size=%zu\n", (void *)p, bytes);
}

static void allow_all_seccomp(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { 1, &allow };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp");
		exit(1);
	}
}

static void report(void)
{
	sigset_t mask, pending;
	unsigned long long m = 0, p = 0;
	siginfo_t si;
	int s, w;

	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	sigpending(&pending);
	for (s = 1; s < 64; s++) {
		if (sigismember(&mask, s))
			m |= 1ull << (s - 1);
		if (sigismember(&pending, s))
			p |= 1ull << (s - 1);
	}
	memset(&si, 0, sizeof(si));
	w = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | __WALL | WNOWAIT);
	printf("report=sigchld:%d,mask:%llx,pending:%llx,wait:%s\n",
	       (int)sigchld_count, m, p,
	       w < 0 ? (errno == ECHILD ? "ECHILD" : strerror(errno)) :
	       si.si_pid ? "child" : "none");
	fflush(stdout);
}

static void block_and_pend(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN + 1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);                         /* pending on this thread */
	kill(getpid(), SIGRTMIN + 1);           /* pending on the process */
}

/* SIGUSR2 and SIGCHLD go to the main thread only (it reports). */
static void start_writer(void)
{
	sigset_t set, old;
	pthread_t tid;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if (pthread_create(&tid, NULL, writer, NULL)) {
		fprintf(stderr, "pthread_create failed\n");
		exit(1);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	int r;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: cow_victim busy|idle|seccomp [EXTRA_MIB]\n");
		return 2;
	}
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	page = sysconf(_SC_PAGESIZE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = on_sigusr2;
	sigaction(SIGUSR2, &sa, NULL);
	counter = map_anon(MAP_PRIVATE);
	map_regions();
	fill_regions();
	fill_extra(argc == 3 ? atol(argv[2]) : 0);
	block_and_pend();                       /* the writer inherits the mask */
	if (!strcmp(argv[1], "seccomp"))
		allow_all_seccomp();
	if (!strcmp(argv[1], "busy"))
		start_writer();
	printf("pid=%d\npages=%d\ncounter_addr=%p\n", (int)getpid(), PAGES,
	       (void *)counter);
	for (r = 0; r < NREGIONS; r++)
		printf("%s_addr=%p\n", names[r], (void *)regions[r]);
	report();
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		pause();
		if (report_asked) {
			report_asked = 0;
			report();
		}
	}
}
