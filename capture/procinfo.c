// SPDX-License-Identifier: MIT
/*
 * procinfo.c - the manifest's "process:" section.  Everything is read
 * through the pinned /proc/PID dirfd; no path is built from a string the
 * target controls, and nothing follows a path into the target's root.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "preload_file.h"
#include "sha256.h"
#include "target.h"
#include "target_facts.h"
#include "target_int.h"

#define LINK_MAX_LEN 8192
#define NOTE_MAX (1u << 20)
#define PHNUM_MAX 4096u

static void note_err(struct cap_errors *e, const struct target *t,
		     const char *what, int err_no)
{
	errors_add(e, "procfs", -1, 0, 0, err_no, 0,
		   "cannot read /proc/%d/%s: %s", (int)t->pid, what,
		   strerror(err_no));
}

/* readlinkat into a malloc'd buffer; 0 or -errno. */
static int read_link(int dirfd, const char *name, char **out, size_t *len)
{
	char *buf = malloc(LINK_MAX_LEN);
	ssize_t n;

	*out = NULL;
	if (!buf)
		return -ENOMEM;
	n = readlinkat(dirfd, name, buf, LINK_MAX_LEN);
	if (n < 0 || (size_t)n >= LINK_MAX_LEN) {
		const int ret = n < 0 ? -errno : -ENAMETOOLONG;

		free(buf);
		return ret;
	}
	buf[n] = '\0';
	*out = buf;
	*len = (size_t)n;
	return 0;
}

static void emit_link(struct yout *y, const struct target *t,
		      struct cap_errors *e, const char *key, const char *name)
{
	size_t len;
	char *buf;
	int ret;

	ret = read_link(t->mmfd, name, &buf, &len);
	if (ret) {
		note_err(e, t, name, -ret);
		return;
	}
	yout_kv_bytes(y, key, buf, len);
	free(buf);
}

static void format_time(char *out, size_t n, const struct timespec *ts)
{
	struct tm tm;
	char date[32];

	if (!gmtime_r(&ts->tv_sec, &tm) ||
	    !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(out, n, "1970-01-01T00:00:00.000000000Z");
		return;
	}
	snprintf(out, n, "%s.%09ldZ", date, (long)ts->tv_nsec);
}

static bool pread_full(int fd, void *buf, size_t n, uint64_t off)
{
	ssize_t r;

	if (off > (uint64_t)INT64_MAX)
		return false;
	r = pread(fd, buf, n, (off_t)off);
	return r >= 0 && (size_t)r == n;
}

/* Find NT_GNU_BUILD_ID in one PT_NOTE segment's bytes. */
static bool find_build_id(const uint8_t *p, size_t len,
			  const uint8_t **id, size_t *id_len)
{
	size_t pos = 0, name_sz, desc_sz, name_end, desc_end;
	Elf64_Nhdr nh;

	while (len - pos >= sizeof(nh)) {
		memcpy(&nh, p + pos, sizeof(nh));
		pos += sizeof(nh);
		/* 4-byte alignment as in every x86_64 note, overflow-checked */
		name_sz = ((size_t)nh.n_namesz + 3) & ~(size_t)3;
		desc_sz = ((size_t)nh.n_descsz + 3) & ~(size_t)3;
		if (name_sz > len - pos)
			return false;
		name_end = pos + name_sz;
		if (desc_sz > len - name_end)
			return false;
		desc_end = name_end + desc_sz;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    !memcmp(p + pos, "GNU", 4) && nh.n_descsz > 0) {
			*id = p + name_end;
			*id_len = nh.n_descsz;
			return true;
		}
		pos = desc_end;
	}
	return false;
}

/* Build-id of an ELF64 file, without libelf; 0, -ENOENT or -EINVAL. */
static int elf_build_id(int fd, uint64_t file_size, uint8_t *out,
			size_t cap, size_t *out_len)
{
	const uint8_t *id;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint8_t *note;
	size_t id_len;
	unsigned i;

	if (!pread_full(fd, &eh, sizeof(eh), 0) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize < sizeof(Elf64_Phdr) || eh.e_phnum > PHNUM_MAX)
		return -EINVAL;
	for (i = 0; i < eh.e_phnum; i++) {
		const uint64_t off = eh.e_phoff + (uint64_t)i * eh.e_phentsize;

		if (off < eh.e_phoff || off > file_size ||
		    !pread_full(fd, &ph, sizeof(ph), off))
			return -EINVAL;
		if (ph.p_type != PT_NOTE || ph.p_filesz == 0 ||
		    ph.p_filesz > NOTE_MAX || ph.p_offset > file_size ||
		    ph.p_filesz > file_size - ph.p_offset)
			continue;
		note = malloc(ph.p_filesz);
		if (!note)
			return -ENOMEM;
		if (pread_full(fd, note, ph.p_filesz, ph.p_offset) &&
		    find_build_id(note, ph.p_filesz, &id, &id_len) &&
		    id_len <= cap) {
			memcpy(out, id, id_len);
			*out_len = id_len;
			free(note);
			return 0;
		}
		free(note);
	}
	return -ENOENT;
}

static void emit_exe(struct yout *y, const struct target *t,
		     struct cap_errors *e)
{
	uint8_t digest[MSNAP_SHA256_SIZE], build_id[64];
	size_t id_len;
	char when[48], dev[32];
	struct stat st;
	int fd, ret;

	yout_key(y, "exe");
	yout_map_begin(y);
	emit_link(y, t, e, "path", "exe");
	/* The magic link reaches the mapped file even when it was deleted. */
	fd = openat(t->mmfd, "exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		note_err(e, t, "exe", errno);
		goto out;
	}
	if (fstat(fd, &st)) {
		note_err(e, t, "exe", errno);
		goto out_close;
	}
	snprintf(dev, sizeof(dev), "%02x:%02x", major(st.st_dev),
		 minor(st.st_dev));
	yout_kv_str(y, "dev", dev);
	yout_kv_u64(y, "inode", (uint64_t)st.st_ino);
	yout_kv_u64(y, "size", (uint64_t)st.st_size);
	format_time(when, sizeof(when), &st.st_mtim);
	yout_kv_str(y, "mtime", when);
	ret = msnap_file_sha256(fd, digest);
	if (ret) {
		errors_add(e, "file", -1, 0, 0, -ret, 0,
			   "cannot hash the executable of pid %d: %s",
			   (int)t->pid, strerror(-ret));
	} else {
		yout_key(y, "sha256");
		yout_hexbytes(y, digest, sizeof(digest));
	}
	ret = elf_build_id(fd, (uint64_t)st.st_size, build_id,
			   sizeof(build_id), &id_len);
	if (!ret) {
		yout_key(y, "build_id");
		yout_hexbytes(y, build_id, id_len);
	} else if (ret != -ENOENT) {
		errors_add(e, "file", -1, 0, 0, -ret, 0,
			   "cannot read the build-id of pid %d's executable: "
			   "%s", (int)t->pid,
			   ret == -EINVAL ? "not a valid ELF64 file"
					  : strerror(-ret));
	}
out_close:
	close(fd);
out:
	yout_map_end(y);
}

/* A NUL-separated file (cmdline, environ) as a sequence. */
static void emit_nul_list(struct yout *y, const struct target *t,
			  struct cap_errors *e, const char *name)
{
	size_t len, pos = 0, n;
	const char *nul;
	char *buf;
	int ret;

	ret = tgt_read_at(t->mmfd, name, &buf, &len);
	if (ret) {
		note_err(e, t, name, -ret);
		return;
	}
	yout_key(y, name);
	yout_seq_begin(y);
	while (pos < len) {
		nul = memchr(buf + pos, '\0', len - pos);
		n = nul ? (size_t)(nul - (buf + pos)) : len - pos;
		yout_bytes(y, buf + pos, n);
		pos += n + 1;
	}
	yout_seq_end(y);
	free(buf);
}

static void emit_id_list(struct yout *y, const char *key, const char *val,
			 bool flow)
{
	unsigned long long v;
	char *end;

	yout_key(y, key);
	if (flow)
		yout_flow_seq_begin(y);
	else
		yout_seq_begin(y);
	while (val) {
		while (*val == ' ' || *val == '\t')
			val++;
		if (*val < '0' || *val > '9')
			break;
		errno = 0;
		v = strtoull(val, &end, 10);
		if (errno)
			break;
		yout_u64(y, v);
		val = end;
	}
	yout_seq_end(y);
}

static bool plain_key(const char *k, size_t n)
{
	size_t i;

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') ||
		      (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return false;
	return true;
}

/* Every "Key:\tvalue" line of status; a repeated key is kept once. */
static void emit_status_map(struct yout *y, const char *status)
{
	const char *line = status, *colon, *nl, *val, *prev;
	char key[72];
	size_t klen;

	yout_key(y, "status");
	yout_map_begin(y);
	for (; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		colon = strchr(line, ':');
		if (!colon || (nl && colon > nl))
			continue;
		klen = (size_t)(colon - line);
		if (!plain_key(line, klen))
			continue;
		/* duplicates would make the document invalid */
		for (prev = status; prev < line; prev = strchr(prev, '\n') + 1)
			if (!strncmp(prev, line, klen + 1))
				break;
		if (prev < line)
			continue;
		memcpy(key, line, klen);
		key[klen] = '\0';
		val = colon + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		yout_key(y, key);
		yout_bytes(y, val, nl ? (size_t)(nl - val) : strlen(val));
	}
	yout_map_end(y);
}

/* Derived facts from status: tgid, ids, groups, nspid, dumpable. */
static void emit_status_facts(struct yout *y, const struct target *t,
			      const char *status)
{
	const char *val;
	uint64_t v, euid = 0, egid = 0;
	struct stat status_st;
	bool have_euid = false, have_egid = false, have_st;

	if (!tgt_status_u64(status, "Tgid:", 10, &v))
		yout_kv_u64(y, "tgid", v);
	val = tgt_status_value(status, "NSpid:");
	if (val)
		emit_id_list(y, "nspid", val, true);
	val = tgt_status_value(status, "Uid:");
	if (val) {
		emit_id_list(y, "uid", val, true);
		have_euid = sscanf(val, "%*u %" SCNu64, &euid) == 1;
	}
	val = tgt_status_value(status, "Gid:");
	if (val) {
		emit_id_list(y, "gid", val, true);
		have_egid = sscanf(val, "%*u %" SCNu64, &egid) == 1;
	}
	val = tgt_status_value(status, "Groups:");
	if (val)
		emit_id_list(y, "groups", val, true);
	/*
	 * procfs gives a non-dumpable task's files to root:root, a dumpable
	 * one's to its euid:egid.  For a process running as root (a setuid
	 * program) the group still tells, unless its egid is root too.
	 */
	have_st = !fstatat(t->procfd, "status", &status_st, 0);
	if (have_st && have_euid && euid != 0) {
		yout_kv_u64(y, "dumpable", status_st.st_uid == euid ? 1 : 0);
	} else if (have_st && have_euid && have_egid && egid != 0) {
		yout_kv_u64(y, "dumpable", status_st.st_gid == egid ? 1 : 0);
	} else {
		/* a fact about procfs, not a failure: a note, not an error */
		yout_kv_str(y, "dumpable_unknown",
			    "cannot be told for a process running as root "
			    "(euid and egid 0)");
	}
}

static char *trim(char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	s[n] = '\0';
	while (*s == ' ')
		s++;
	return s;
}

/* /proc/PID/limits: a fixed-width table whose header gives the columns. */
static void emit_limits(struct yout *y, const struct target *t,
			struct cap_errors *e)
{
	char *buf, *line, *nl, *soft_h, *hard_h, *units_h;
	size_t len, soft_col, hard_col, units_col, llen;
	int ret;

	ret = tgt_read_at(t->procfd, "limits", &buf, &len);
	if (ret) {
		note_err(e, t, "limits", -ret);
		return;
	}
	nl = strchr(buf, '\n');
	soft_h = strstr(buf, "Soft Limit");
	hard_h = strstr(buf, "Hard Limit");
	units_h = strstr(buf, "Units");
	if (!nl || !soft_h || !hard_h || !units_h || soft_h > hard_h ||
	    hard_h > units_h || units_h > nl) {
		errors_add(e, "procfs", -1, 0, 0, 0, 0,
			   "/proc/%d/limits: unknown table layout",
			   (int)t->pid);
		goto out;
	}
	soft_col = (size_t)(soft_h - buf);
	hard_col = (size_t)(hard_h - buf);
	units_col = (size_t)(units_h - buf);
	yout_key(y, "limits");
	yout_seq_begin(y);
	for (line = nl + 1; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		llen = (size_t)(nl - line);
		/* Units may be empty, and the line then ends before it. */
		if (llen > hard_col) {
			const char saved = *nl;
			const char *units, *hard, *soft, *lname;

			/* right to left: trim() ends each column with a NUL */
			*nl = '\0';
			if (llen > units_col) {
				units = trim(line + units_col,
					     llen - units_col);
				hard = trim(line + hard_col,
					    units_col - hard_col);
			} else {
				units = "";
				hard = trim(line + hard_col, llen - hard_col);
			}
			soft = trim(line + soft_col, hard_col - soft_col);
			lname = trim(line, soft_col);
			yout_map_begin(y);
			yout_kv_str(y, "name", lname);
			yout_kv_str(y, "soft", soft);
			yout_kv_str(y, "hard", hard);
			yout_kv_str(y, "units", units);
			yout_map_end(y);
			*nl = saved;
		}
		if (!*nl)
			break;
	}
	yout_seq_end(y);
out:
	free(buf);
}

static void emit_lines(struct yout *y, const struct target *t,
		       struct cap_errors *e, const char *name)
{
	char *buf, *line, *nl;
	size_t len;
	int ret;

	ret = tgt_read_at(t->procfd, name, &buf, &len);
	if (ret) {
		note_err(e, t, name, -ret);
		return;
	}
	yout_key(y, name);
	yout_seq_begin(y);
	for (line = buf; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl) {
			yout_bytes(y, line, strlen(line));
			break;
		}
		yout_bytes(y, line, (size_t)(nl - line));
	}
	yout_seq_end(y);
	free(buf);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void emit_namespaces(struct yout *y, const struct target *t,
			    struct cap_errors *e)
{
	char *names[64], *link;
	struct dirent *de;
	size_t n = 0, i, len;
	DIR *dir;
	int fd;

	fd = openat(t->procfd, "ns", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		note_err(e, t, "ns", errno);
		if (fd >= 0)
			close(fd);
		return;
	}
	while (n < sizeof(names) / sizeof(names[0]) && (de = readdir(dir))) {
		if (de->d_name[0] == '.' ||
		    !plain_key(de->d_name, strlen(de->d_name)))
			continue;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	qsort(names, n, sizeof(names[0]), cmp_str);
	yout_key(y, "namespaces");
	yout_map_begin(y);
	for (i = 0; i < n; i++) {
		if (!read_link(dirfd(dir), names[i], &link, &len)) {
			yout_kv_bytes(y, names[i], link, len);
			free(link);
		}
		free(names[i]);
	}
	yout_map_end(y);
	closedir(dir);
}

static const char *auxv_name(uint64_t type)
{
	static const struct {
		uint64_t type;
		const char *name;
	} names[] = {
		{ AT_IGNORE, "AT_IGNORE" }, { AT_EXECFD, "AT_EXECFD" },
		{ AT_PHDR, "AT_PHDR" }, { AT_PHENT, "AT_PHENT" },
		{ AT_PHNUM, "AT_PHNUM" }, { AT_PAGESZ, "AT_PAGESZ" },
		{ AT_BASE, "AT_BASE" }, { AT_FLAGS, "AT_FLAGS" },
		{ AT_ENTRY, "AT_ENTRY" }, { AT_NOTELF, "AT_NOTELF" },
		{ AT_UID, "AT_UID" }, { AT_EUID, "AT_EUID" },
		{ AT_GID, "AT_GID" }, { AT_EGID, "AT_EGID" },
		{ AT_PLATFORM, "AT_PLATFORM" }, { AT_HWCAP, "AT_HWCAP" },
		{ AT_CLKTCK, "AT_CLKTCK" }, { AT_SECURE, "AT_SECURE" },
		{ AT_BASE_PLATFORM, "AT_BASE_PLATFORM" },
		{ AT_RANDOM, "AT_RANDOM" }, { AT_HWCAP2, "AT_HWCAP2" },
		{ AT_EXECFN, "AT_EXECFN" }, { AT_SYSINFO, "AT_SYSINFO" },
		{ AT_SYSINFO_EHDR, "AT_SYSINFO_EHDR" },
		{ AT_MINSIGSTKSZ, "AT_MINSIGSTKSZ" },
		{ 27, "AT_RSEQ_FEATURE_SIZE" }, { 28, "AT_RSEQ_ALIGN" },
		{ 29, "AT_HWCAP3" }, { 30, "AT_HWCAP4" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == type)
			return names[i].name;
	return NULL;
}

static void emit_auxv(struct yout *y, const struct target *t,
		      struct cap_errors *e)
{
	uint64_t pair[2];
	const char *name;
	size_t len, pos;
	char *buf;
	int ret;

	ret = tgt_read_at(t->mmfd, "auxv", &buf, &len);
	if (ret) {
		note_err(e, t, "auxv", -ret);
		return;
	}
	yout_key(y, "auxv");
	yout_seq_begin(y);
	for (pos = 0; len - pos >= sizeof(pair); pos += sizeof(pair)) {
		memcpy(pair, buf + pos, sizeof(pair));
		if (pair[0] == AT_NULL)
			break;
		yout_map_begin(y);
		yout_kv_u64(y, "type", pair[0]);
		name = auxv_name(pair[0]);
		if (name)
			yout_kv_str(y, "name", name);
		yout_kv_hex(y, "value", pair[1]);
		yout_map_end(y);
	}
	yout_seq_end(y);
	free(buf);
}

static void emit_fds(struct yout *y, const struct target *t,
		     struct cap_errors *e)
{
	char name[48], *link, *info;
	uint64_t flags, pos;
	size_t n = 0, i, len;
	int *fds = NULL, ret;

	ret = tgt_list_numeric(t->procfd, "fd", &fds, &n);
	if (ret) {
		note_err(e, t, "fd", -ret);
		return;
	}
	yout_key(y, "fds");
	yout_seq_begin(y);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "fd/%d", fds[i]);
		if (read_link(t->procfd, name, &link, &len))
			continue;  /* closed since the listing */
		yout_map_begin(y);
		yout_kv_i64(y, "fd", fds[i]);
		yout_kv_bytes(y, "target", link, len);
		free(link);
		snprintf(name, sizeof(name), "fdinfo/%d", fds[i]);
		if (!tgt_read_at(t->procfd, name, &info, &len)) {
			/* fdinfo flags are octal */
			if (!tgt_status_u64(info, "flags:", 8, &flags))
				yout_kv_hex(y, "flags", flags);
			if (!tgt_status_u64(info, "pos:", 10, &pos))
				yout_kv_u64(y, "pos", pos);
			free(info);
		}
		yout_map_end(y);
	}
	yout_seq_end(y);
	free(fds);
}

void emit_process(struct yout *y, const struct target *t, struct cap_errors *e)
{
	struct tgt_stat st;
	char *status = NULL;
	size_t len;
	uint64_t v;
	int ret;

	yout_key(y, "process");
	yout_map_begin(y);
	yout_kv_i64(y, "pid", t->pid);
	ret = tgt_read_at(t->procfd, "status", &status, &len);
	if (ret) {
		note_err(e, t, "status", -ret);
		status = NULL;
	}
	ret = tgt_read_stat(t->procfd, "stat", &st);
	if (!ret)
		yout_kv_i64(y, "ppid", st.ppid);
	else
		note_err(e, t, "stat", -ret);
	if (ret && status && !tgt_status_u64(status, "PPid:", 10, &v))
		yout_kv_u64(y, "ppid", v);
	if (status)
		emit_status_facts(y, t, status);
	yout_kv_bytes(y, "comm", t->comm, strnlen(t->comm, sizeof(t->comm)));
	yout_kv_u64(y, "start_time_ticks", t->start_time);
	yout_kv_i64(y, "tracer_pid", t->tracer_pid);
	emit_exe(y, t, e);
	emit_nul_list(y, t, e, "cmdline");
	emit_nul_list(y, t, e, "environ");
	emit_link(y, t, e, "cwd", "cwd");
	emit_link(y, t, e, "root", "root");
	emit_ld_so_preload(y, t, e);
	if (status)
		emit_status_map(y, status);
	emit_limits(y, t, e);
	emit_lines(y, t, e, "cgroup");
	emit_namespaces(y, t, e);
	emit_auxv(y, t, e);
	emit_fds(y, t, e);
	yout_map_end(y);
	free(status);
}
