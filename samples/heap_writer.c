// SPDX-License-Identifier: MIT
/*
 * heap_writer - a victim whose heap holds buffers of known content.
 *
 * Each buffer k is filled with pattern_byte(seed_k, i) for its byte i (the
 * formula is in samples/README.md, so a test can regenerate the bytes on its
 * own).  SIGUSR1 overwrites three documented ranges of buffer 1 with
 * MUTATION_BYTE and changes global_marker.  See samples/README.md.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define NBUFS 4
#define MUTATION_BYTE 0xee
#define MARKER_BEFORE 0x6d656d736e617021ull     /* "memsnap!" */
#define MARKER_AFTER  0x6d75746174656421ull     /* "mutated!" */

/* volatile: the value must live in .data, not be folded into code */
volatile uint64_t global_marker = MARKER_BEFORE;

static const char message_text[] =
	"heap_writer: the quick brown fox jumps over the lazy dog";

struct buffer {
	size_t size;
	unsigned seed;
	uint8_t *data;
};

/* Offsets and lengths in buffer 1 that SIGUSR1 overwrites. */
static const struct {
	size_t offset, len;
} mutations[] = {
	{ 100, 50 },
	{ 4096, 4096 },
	{ 70000, 1000 },
};

static uint8_t pattern_byte(unsigned seed, size_t i)
{
	return (uint8_t)(seed * 37u + i * 13u + (i >> 9));
}

static void fill_pattern(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pattern_byte(seed, i);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void mutate(struct buffer *b)
{
	for (size_t m = 0; m < sizeof(mutations) / sizeof(mutations[0]); m++) {
		memset(b->data + mutations[m].offset, MUTATION_BYTE,
		       mutations[m].len);
		say("mutation%zu_addr=%p\nmutation%zu_offset=%zu\n"
		    "mutation%zu_len=%zu\n", m,
		    (void *)(b->data + mutations[m].offset), m,
		    mutations[m].offset, m, mutations[m].len);
	}
	global_marker = MARKER_AFTER;
	say("mutation_count=%zu\nmutation_byte=0x%02x\n"
	    "global_marker=0x%016llx\nmutated\n",
	    sizeof(mutations) / sizeof(mutations[0]), MUTATION_BYTE,
	    (unsigned long long)global_marker);
}

int main(void)
{
	/* buffer 3 is over 4 MiB, so malloc serves it from its own mmap */
	struct buffer bufs[NBUFS] = {
		{ .size = 4096, .seed = 1 },
		{ .size = 100000, .seed = 2 },
		{ .size = 1 << 20, .seed = 3 },
		{ .size = (6 << 20) + 12345, .seed = 4 },
	};
	sigset_t set;
	char *message;
	int sig;

	/* Not fatal: without Yama the call fails with EINVAL. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) {
		perror("heap_writer: sigprocmask");
		return 1;
	}

	for (int k = 0; k < NBUFS; k++) {
		bufs[k].data = malloc(bufs[k].size);
		if (!bufs[k].data) {
			perror("heap_writer: malloc");
			return 1;
		}
		fill_pattern(bufs[k].data, bufs[k].size, bufs[k].seed);
	}
	message = strdup(message_text);
	if (!message) {
		perror("heap_writer: strdup");
		return 1;
	}

	say("pid=%d\nbuffers=%d\n", (int)getpid(), NBUFS);
	for (int k = 0; k < NBUFS; k++)
		say("buf%d_addr=%p\nbuf%d_size=%zu\nbuf%d_seed=%u\n",
		    k, (void *)bufs[k].data, k, bufs[k].size, k, bufs[k].seed);
	say("global_marker_addr=%p\nglobal_marker=0x%016llx\n"
	    "string_addr=%p\nstring_len=%zu\nstring=%s\nready\n",
	    (void *)&global_marker, (unsigned long long)global_marker,
	    (void *)message, strlen(message), message);

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGUSR1)
			mutate(&bufs[1]);
	}
}
