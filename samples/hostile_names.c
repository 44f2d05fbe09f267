// SPDX-License-Identifier: MIT
/*
 * hostile_names - a victim whose every name is an attack on the analyst's
 * terminal or parser: comm, argv, environment, thread names, mapped file
 * names and a memfd name hold ANSI escapes, newlines, JSON and YAML
 * structure, quotes, backslashes, invalid UTF-8, "../" and " (deleted)".
 *
 * Usage: hostile_names DIR   (it creates its files in DIR)
 *
 * It re-executes itself with the hostile argv and environment, so a test
 * needs no hostile bytes of its own: every string is printed hex-encoded
 * (KEY_hex=...).  SIGUSR1 maps one more hostile file.  See samples/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define STAGE2 "--hostile-stage2"

/* Used as argv, environment values and file names (no '/' in these). */
static const char *const hostile[] = {
	"\033]0;owned\a\033[2J\033[31mred",     /* title, clear, colour */
	"line1\nline2\r\nline3",
	"\"}, {\"injected\": true, \"x\": \"",   /* JSON structure */
	"\n- key: injected\nevil: yes #",        /* YAML structure */
	"q\"uo'te\\back\\\\slash",
	"bad\xff\xfe utf8 \xc3\x28 \xed\xa0\x80",  /* invalid, surrogate */
	"victim (deleted)",
	"c1\xc2\x9b" "31m bidi\xe2\x80\xae" "txt \x01\x7f",
	"evil\xe2\x80\xaetxt.exe",              /* right-to-left override */
};
#define NHOSTILE (sizeof(hostile) / sizeof(hostile[0]))

/* At most 15 bytes each: comm and thread names. */
static const char comm_name[] = "\033]0;x\a\n\"}\\\xff";
static const char *const thread_names[] = {
	"\033[2J\r\n- a: b", "../\xff\xfe\"},{", " (deleted)",
};
#define NTHREADS (sizeof(thread_names) / sizeof(thread_names[0]))

static const char memfd_name[] = "../../etc/\033[2J\n- x: y (deleted)";
static const char late_name[] = "late\033[2J\n}, {";
static const char deleted_name[] = "gone\033]0;t\a";

static void put_hex(const char *key, int k, const char *s)
{
	if (k >= 0)
		printf("%s%d_hex=", key, k);
	else
		printf("%s_hex=", key);
	for (; *s; s++)
		printf("%02x", (unsigned char)*s);
	printf("\n");
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Map one page of DIR/NAME (created with some text), read it in. */
static void map_file(const char *dir, const char *name, int prot, int key,
		     const char *label, int unlink_it)
{
	char path[4096], page[4096];
	volatile char *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die("hostile_names: open");
	memset(page, 'h', sizeof(page));
	if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
		die("hostile_names: write");
	p = mmap(NULL, sizeof(page), prot, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die("hostile_names: mmap");
	(void)p[0];
	close(fd);
	if (unlink_it && unlink(path))
		die("hostile_names: unlink");
	put_hex(label, key, path);
}

static pthread_barrier_t named;

static void *thread_main(void *arg)
{
	if (pthread_setname_np(pthread_self(), arg))
		die("hostile_names: pthread_setname_np");
	pthread_barrier_wait(&named);
	for (;;)
		pause();
	return NULL;
}

static void reexec(const char *dir)
{
	char *argv[NHOSTILE + 6], *envp[NHOSTILE + 3];
	char env[NHOSTILE][256];
	size_t n = 0, k;

	argv[n++] = (char *)"hostile\033[2J";
	argv[n++] = (char *)dir;
	argv[n++] = (char *)STAGE2;
	for (k = 0; k < NHOSTILE; k++)
		argv[n++] = (char *)hostile[k];
	argv[n++] = (char *)"";                 /* two NULs in a row */
	argv[n++] = (char *)"\x01";
	argv[n] = NULL;
	for (k = 0; k < NHOSTILE; k++) {
		snprintf(env[k], sizeof(env[k]), "HOSTILE_%zu=%s", k, hostile[k]);
		envp[k] = env[k];
	}
	envp[k++] = (char *)"\033[2J\n- no equals sign";
	envp[k++] = (char *)"=\"}{=";
	envp[k] = NULL;
	execve("/proc/self/exe", argv, envp);
	die("hostile_names: execve");
}

int main(int argc, char **argv, char **envp)
{
	pthread_t th;
	sigset_t set;
	size_t k;
	int sig, fd;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: hostile_names DIR\n");
		return 2;
	}
	if (argc < 3 || strcmp(argv[2], STAGE2))
		reexec(argv[1]);
	setvbuf(stdout, NULL, _IOLBF, 0);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		die("hostile_names: sigprocmask");
	if (prctl(PR_SET_NAME, comm_name, 0, 0, 0))
		die("hostile_names: PR_SET_NAME");

	for (k = 0; k < NHOSTILE; k++)
		map_file(argv[1], hostile[k], k ? PROT_READ :
			 PROT_READ | PROT_EXEC, (int)k, "file", 0);
	map_file(argv[1], deleted_name, PROT_READ, -1, "deleted", 1);
	fd = memfd_create(memfd_name, MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 4096) ||
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) ==
	    MAP_FAILED)
		die("hostile_names: memfd");
	close(fd);
	pthread_barrier_init(&named, NULL, NTHREADS + 1);
	for (k = 0; k < NTHREADS; k++)
		if (pthread_create(&th, NULL, thread_main,
				   (void *)thread_names[k]))
			die("hostile_names: pthread_create");

	printf("pid=%d\nfiles=%zu\nthreads=%zu\nargs=%d\n", (int)getpid(),
	       NHOSTILE, NTHREADS + 1, argc);
	put_hex("comm", -1, comm_name);
	put_hex("memfd", -1, memfd_name);
	for (k = 0; k < NTHREADS; k++)
		put_hex("thread", (int)k, thread_names[k]);
	for (k = 0; k < (size_t)argc; k++)
		put_hex("arg", (int)k, argv[k]);
	for (k = 0; envp[k]; k++)
		put_hex("env", (int)k, envp[k]);
	/* ready only once the threads are named: a capture sees the names */
	pthread_barrier_wait(&named);
	printf("ready\n");

	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		map_file(argv[1], late_name, PROT_READ, -1, "late", 0);
		printf("mutated\n");
	}
}
