// SPDX-License-Identifier: MIT
/*
 * needles - a victim that hides three indicators in its heap and in an
 * anonymous mapping, for the yara, search and strings tests.
 *
 * Its mapping also holds a long run of zero pages directly followed by
 * "ZEROEDGE", for the scans that skip the middle of zero runs.
 *
 * The indicators are built at run time from shifted or computed bytes,
 * so they appear nowhere in this binary: a scan can only find them in the
 * memory the process wrote.  See samples/README.md.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define TEXT_LEN    20
#define PATTERN_LEN 16
#define MAP_PAGES   80
#define ZERO_FIRST  8           /* pages 8-71 written with zeros */
#define ZERO_PAGES  64
#define FILLER      0xa5        /* not printable: strings end at the needles */

/* "MSNAP_TEXT_NEEDLE_41" and "MSNAP_WIDE_NEEDLE_42", each byte plus one. */
static const volatile char text_shifted[] = "NTOBQ`UFYU`OFFEMF`52";
static const volatile char wide_shifted[] = "NTOBQ`XJEF`OFFEMF`53";
static const volatile char edge_shifted[] = "[FSPFEHF";      /* ZEROEDGE */

static void put_text(char *dst)
{
	for (int i = 0; i < TEXT_LEN; i++)
		dst[i] = (char)(text_shifted[i] - 1);
}

/* UTF-16LE: each character, then a zero byte. */
static void put_wide(uint8_t *dst)
{
	for (int i = 0; i < TEXT_LEN; i++) {
		dst[2 * i] = (uint8_t)(wide_shifted[i] - 1);
		dst[2 * i + 1] = 0;
	}
}

/* pattern byte i = (i * 73 + 0x9d) ^ 0x5a, mod 256 (README) */
static void put_pattern(uint8_t *dst)
{
	for (int i = 0; i < PATTERN_LEN; i++)
		dst[i] = (uint8_t)((i * 73 + 0x9d) ^ 0x5a);
}

int main(void)
{
	const long ps = sysconf(_SC_PAGESIZE);
	sigset_t set;
	uint8_t *heap, *map;
	int sig;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);

	heap = malloc(4096);
	map = mmap(NULL, (size_t)(MAP_PAGES * ps), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!heap || map == MAP_FAILED) {
		perror("needles: allocation");
		return 1;
	}
	memset(heap, FILLER, 4096);
	put_text((char *)heap + 100);
	put_wide(heap + 300);
	put_pattern(heap + 600);

	/* page 0 written, page 1 zero, pages 2-4 hold the needles, 5- untouched */
	memset(map, FILLER, (size_t)ps);
	memset(map + ps, 0, (size_t)ps);
	memset(map + 2 * ps, FILLER, (size_t)(3 * ps));
	put_text((char *)map + 2 * ps + 16);
	put_wide(map + 3 * ps + 32);
	put_pattern(map + 5 * ps - 8);          /* crosses into page 5 */
	memcpy(map + 2 * ps + 512, &heap, sizeof(heap));  /* a pointer to heap */
	/* a long run of zero pages, then "ZEROEDGE" right after it */
	memset(map + ZERO_FIRST * ps, 0, (size_t)(ZERO_PAGES * ps));
	memset(map + (ZERO_FIRST + ZERO_PAGES) * ps, FILLER, (size_t)ps);
	for (int i = 0; i < 8; i++)
		map[(ZERO_FIRST + ZERO_PAGES) * ps + i] =
			(uint8_t)(edge_shifted[i] - 1);

	printf("pid=%d\n", (int)getpid());
	printf("heap_buf=%p\nheap_text=%p\nheap_wide=%p\nheap_pattern=%p\n",
	       (void *)heap, (void *)(heap + 100), (void *)(heap + 300),
	       (void *)(heap + 600));
	printf("map_start=%p\nmap_end=%p\nmap_text=%p\nmap_wide=%p\n"
	       "map_pattern=%p\nmap_pointer=%p\nmap_untouched=%p\n",
	       (void *)map, (void *)(map + MAP_PAGES * ps),
	       (void *)(map + 2 * ps + 16), (void *)(map + 3 * ps + 32),
	       (void *)(map + 5 * ps - 8), (void *)(map + 2 * ps + 512),
	       (void *)(map + 6 * ps));
	printf("map_zero_start=%p\nmap_zero_end=%p\n",
	       (void *)(map + ZERO_FIRST * ps),
	       (void *)(map + (ZERO_FIRST + ZERO_PAGES) * ps));
	printf("text_len=%d\npattern_len=%d\nready\n", TEXT_LEN, PATTERN_LEN);
	for (;;)
		sigwait(&set, &sig);
}
