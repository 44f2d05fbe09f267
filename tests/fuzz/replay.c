// SPDX-License-Identifier: MIT
/*
 * replay.c - run a libFuzzer target without libFuzzer: feed it every file
 * named on the command line and every file under the directories named, so
 * the corpus and saved crash cases run as plain regression tests (gcc,
 * ASan + UBSan).  Each input gets a buffer of exactly its size, so reads
 * past the end are caught.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long inputs;

static int replay_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		fprintf(stderr, "replay: %s: out of memory\n", path);
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "replay: %s: %s\n", path,
				n ? strerror(errno) : "file shrank");
			free(buf);
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	inputs++;
	return 0;
}

static int replay_path(const char *path);

static int replay_dir(const char *path)
{
	struct dirent **names;
	char *child;
	int i, n, r = 0;

	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && r == 0) {
			if (asprintf(&child, "%s/%s", path,
				     names[i]->d_name) < 0) {
				r = -1;
			} else {
				r = replay_path(child);
				free(child);
			}
		}
		free(names[i]);
	}
	free(names);
	return r;
}

static int replay_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return replay_dir(path);
	if (!S_ISREG(st.st_mode))
		return 0;
	/* Name each input first: if it crashes, the last line says which. */
	fprintf(stderr, "replay: %s\n", path);
	return replay_file(path);
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (replay_path(argv[i]))
			return 2;
	printf("%lu inputs ok\n", inputs);
	return 0;
}
