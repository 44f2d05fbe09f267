// SPDX-License-Identifier: MIT
/*
 * foreign.c - what was planted beside the modules.
 *
 * Bracketed names are not excuses: only [vdso], [vsyscall] and [uprobes]
 * are made by the kernel; a region named [anon:x] or [heap] that is
 * executable is reported like any anonymous one.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules.h"
#include "foreign.h"
#include "interpose.h"
#include "jit.h"
#include "rules.h"
#include "snapshot.h"

static bool kind_is(const struct snap_region *g, const char *k)
{
	return g->kind.s && !strcmp(g->kind.s, k);
}

static bool path_is(const struct snap_region *g, const char *p)
{
	return g->path.s && !strcmp(g->path.s, p);
}

static bool kernel_made(const struct snap_region *g)
{
	return kind_is(g, "vdso") || kind_is(g, "vsyscall") ||
	       kind_is(g, "vvar") || path_is(g, "[vdso]") ||
	       path_is(g, "[vsyscall]") || path_is(g, "[uprobes]");
}

static bool is_module_region(const struct snap_region *g)
{
	return kind_is(g, "file") || kind_is(g, "deleted") ||
	       kind_is(g, "memfd");
}

/* First bytes of a region, if its first page was captured. */
static bool region_head(struct check_ctx *c, const struct snap_region *g,
			uint8_t *buf, size_t n)
{
	struct msnap_error err;
	uint8_t st = MSNAP_PAGE_ABSENT;

	if (g->end - g->start < n ||
	    msnap_read(c->s->rd, g->start, buf, n, &st, &err))
		return false;
	return st == MSNAP_PAGE_DATA;
}

/* Ids of findings in anonymous memory: stable across ASLR. */
static void anon_key(struct finding *f, const struct snap_region *g,
		     uint64_t offset)
{
	char key[96];

	snprintf(key, sizeof(key), "anon-%.16s-%s-0x%" PRIx64,
		 g->kind.s ? g->kind.s : "unknown", g->perms,
		 g->end - g->start);
	finding_module(f, NULL, key, offset);
}

static void elf_evidence(char *out, size_t outlen, const uint8_t *h)
{
	uint16_t type, machine;

	memcpy(&type, h + 16, 2);
	memcpy(&machine, h + 18, 2);
	snprintf(out, outlen,
		 "an ELF header (class %u, type %u, machine %u) at the start of memory no file backs",
		 h[4], type, machine);
}

/* Code a loaded JIT runtime made, in the shape it makes it: info. */
static void jit_finding(struct check_ctx *c, const struct snap_region *g,
			uint32_t i, const struct jit_runtime *rt,
			const char *why)
{
	struct finding *f = finding_new(c->fs, RULE_jit_code, g->start,
					g->end - g->start);

	f->region = i;
	anon_key(f, g, 0);
	finding_set(f, &f->target, "anon 0x%" PRIx64 "-0x%" PRIx64 " %s",
		    g->start, g->end, g->perms);
	finding_set(f, &f->evidence,
		    "executable %s memory made by %s (%s is loaded): %s",
		    g->perms, rt->name, module_base_name(rt->m), why);
}

static void region_checks(struct check_ctx *c, const struct jit_env *je)
{
	const struct jit_runtime *rt;
	char why[200];
	uint32_t i;

	for (i = 0; i < c->s->manifest_regions; i++) {
		const struct snap_region *g = &c->s->regions[i];
		bool x = g->perms[2] == 'x', w = g->perms[1] == 'w';
		bool module = is_module_region(g);
		uint8_t head[64];
		bool elf = false;
		struct finding *f;
		char ev[300];

		if (!g->in_manifest || kernel_made(g))
			continue;
		if (!module && region_head(c, g, head, sizeof(head)))
			elf = !memcmp(head, "\177ELF", 4);
		if (elf) {
			f = finding_new(c->fs, RULE_elf_in_anon, g->start,
					g->end - g->start);
			if (f) {
				f->region = i;
				anon_key(f, g, 0);
				elf_evidence(ev, sizeof(ev), head);
				finding_set(f, &f->evidence, "%s (%s %s)", ev,
					    g->kind.s ? g->kind.s : "?",
					    g->perms);
			}
		}
		if (x && !module && !elf &&
		    (rt = jit_region(c, je, i, why, sizeof(why)))) {
			jit_finding(c, g, i, rt, why);
		} else if (x && !module) {
			f = finding_new_at(c->fs, RULE_anon_exec, FSEV_HIGH,
					   w ? 95 : 85, g->start,
					   g->end - g->start);
			if (!f)
				continue;
			f->region = i;
			anon_key(f, g, 0);
			finding_set(f, &f->evidence,
				    "%s memory%s%s is executable%s (%" PRIu64
				    " pages captured)%s",
				    g->kind.s ? g->kind.s : "unknown",
				    g->path.s && g->path.len ? " " : "",
				    g->path.s && g->path.len ? g->path.s : "",
				    w ? " and writable (rwx)" : "",
				    g->ri ? g->ri->pages[MSNAP_PAGE_DATA] : 0,
				    je->n ? "; no loaded JIT runtime makes code of this shape" : "");
			finding_set(f, &f->target, "anon 0x%" PRIx64 "-0x%" PRIx64
				    " %s", g->start, g->end, g->perms);
		} else if (x && w) {
			f = finding_new(c->fs, RULE_rwx_mapping, g->start,
					g->end - g->start);
			if (!f)
				continue;
			f->region = i;
			finding_set(f, &f->module, "%s", g->path.s);
			finding_set(f, &f->evidence,
				    "file mapping at offset 0x%" PRIx64
				    " is writable and executable", g->offset);
		}
	}
}

/* ---- libraries ------------------------------------------------------------- */

struct names {
	const char **v;
	size_t n, cap;
};

static bool names_has(const struct names *ns, const char *s)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], s))
			return true;
	return false;
}

static int names_add(struct names *ns, const char *s)
{
	if (names_has(ns, s))
		return 0;
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 32;
		const char **v = realloc(ns->v, cap * sizeof(*v));

		if (!v)
			return -1;
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n++] = s;
	return 0;
}

static const char *soname_of(const struct module *m)
{
	return m->status == REF_OK && m->ref.soname ? m->ref.soname
						    : module_base_name(m);
}

/* Separators of LD_PRELOAD and of /etc/ld.so.preload alike. */
#define PRELOAD_SEPS ": \t\n"

/* Is module m named by one LD_PRELOAD entry (a path or a file name)? */
static bool named_by(const struct module *m, const char *list)
{
	const char *p = list;
	size_t n;

	while (*p) {
		p += strspn(p, PRELOAD_SEPS);
		n = strcspn(p, PRELOAD_SEPS);
		if (!n)
			break;
		if ((strlen(m->path) == n && !strncmp(m->path, p, n)) ||
		    (strlen(module_base_name(m)) == n &&
		     !strncmp(module_base_name(m), p, n)))
			return true;
		p += n;
	}
	return false;
}

/* libc loads these itself (NSS, iconv, unwinder for thread cancel). */
static bool loaded_by_libc(const struct module *m)
{
	const char *b = module_base_name(m);

	return !strncmp(b, "libnss_", 7) || !strncmp(b, "libgcc_s.so", 11) ||
	       strstr(m->path, "/gconv/") != NULL;
}

static int mark_closure(struct check_ctx *c, const char *preload,
			bool *dlopen_used)
{
	struct names ns = { 0 };
	bool changed = true;
	size_t i, k;
	int ret = -1;

	for (i = 0; i < c->ms->n; i++) {
		struct module *m = &c->ms->v[i];

		m->preloaded = preload && m->executable && named_by(m, preload);
		if (m->is_exe || m->is_interp || m->preloaded)
			m->needed = true;
	}
	while (changed) {
		changed = false;
		for (i = 0; i < c->ms->n; i++) {
			struct module *m = &c->ms->v[i];

			if (!m->executable)
				continue;
			if (!m->needed && names_has(&ns, soname_of(m))) {
				m->needed = true;
				changed = true;
			}
			if (!m->needed || m->status != REF_OK)
				continue;
			if (m->ref.imports_dlopen)
				*dlopen_used = true;
			for (k = 0; k < m->ref.nneeded; k++) {
				if (names_has(&ns, m->ref.needed[k]))
					continue;
				if (names_add(&ns, m->ref.needed[k]))
					goto out;
				changed = true;
			}
		}
	}
	ret = 0;
out:
	free(ns.v);
	return ret;
}

/*
 * A needed module without a reference hides its DT_NEEDED list and
 * whether it imports dlopen: the closure is then a lower bound, and a
 * library outside it is unexplained, not proven injected.  Returns that
 * module, or NULL when the closure is complete.
 */
static const struct module *closure_gap(const struct check_ctx *c)
{
	size_t i;

	for (i = 0; i < c->ms->n; i++) {
		const struct module *m = &c->ms->v[i];

		if (m->executable && m->needed && m->status != REF_OK)
			return m;
	}
	return NULL;
}

static void library_checks(struct check_ctx *c, const char *preload,
			   const struct jit_env *je)
{
	const struct jit_runtime *rt;
	const struct module *gap;
	bool dlopen_used = false;
	size_t i;

	if (mark_closure(c, preload, &dlopen_used)) {
		c->fs->nomem = true;
		return;
	}
	gap = closure_gap(c);
	c->closure_known = !gap;
	c->dlopen_imported = dlopen_used;
	for (i = 0; i < c->ms->n; i++) {
		const struct module *m = &c->ms->v[i];
		struct finding *f = NULL;

		if (!m->executable)
			continue;
		if (m->memfd && (rt = jit_memfd(je, m))) {
			f = finding_new(c->fs, RULE_jit_code, m->lo,
					m->hi - m->lo);
			finding_set(f, &f->evidence,
				    "code of %s (%s is loaded), mapped twice from its memfd (write xor execute)",
				    rt->name, module_base_name(rt->m));
		} else if (m->memfd) {
			f = finding_new(c->fs, RULE_memfd_exec, m->lo,
					m->hi - m->lo);
			finding_set(f, &f->evidence,
				    "code runs from a memfd: a file that never existed on disk");
		} else if (m->deleted) {
			f = finding_new(c->fs, RULE_deleted_backing, m->lo,
					m->hi - m->lo);
			finding_set(f, &f->evidence,
				    "the file behind this code was deleted after it was mapped (a package upgrade also does this)");
		}
		if (f) {
			f->region = m->first;
			finding_module(f, m->path, m->key, 0);
			f = NULL;
		}
		/* memfd code was reported above: not also "injected". */
		if (m->needed || m->memfd)
			continue;
		if (loaded_by_libc(m)) {
			f = finding_new(c->fs, RULE_library_loaded_by_libc,
					m->lo, m->hi - m->lo);
			finding_set(f, &f->evidence,
				    "not in the DT_NEEDED closure; a library libc loads itself");
		} else if (dlopen_used) {
			/* judged by foreign_late_check, once hooks are known */
			continue;
		} else if (gap) {
			f = finding_new(c->fs, RULE_unexplained_library,
					m->lo, m->hi - m->lo);
			finding_set(f, &f->evidence,
				    "%s is outside the DT_NEEDED closure as far as it is known: %s has no reference, so what it needs or whether it loads libraries is unknown",
				    soname_of(m), module_base_name(gap));
		} else {
			f = finding_new(c->fs, RULE_injected_library, m->lo,
					m->hi - m->lo);
			finding_set(f, &f->evidence,
				    "%s is neither needed (DT_NEEDED closure, LD_PRELOAD, /etc/ld.so.preload) nor dlopen-able: nothing in the process imports dlopen",
				    soname_of(m));
		}
		if (f) {
			f->region = m->first;
			finding_module(f, m->path, m->key, 0);
		}
	}
}

/* ---- environment, tracer, threads ------------------------------------------- */

static const char *env_value(struct check_ctx *c, const char *name,
			     struct snap_bytes *keep)
{
	size_t i, count, n = strlen(name);

	if (snap_fact_count(c->s, "process.environ", &count))
		return NULL;
	for (i = 0; i < count; i++) {
		if (snap_fact_bytes_at(c->s, "process.environ", i, keep))
			continue;
		if (keep->len > n && !strncmp(keep->s, name, n) &&
		    keep->s[n] == '=' && strlen(keep->s) == keep->len)
			return keep->s + n + 1;
		snap_bytes_free(keep);
	}
	return NULL;
}

/* Loaded modules that list names; clean: each is a verified file. */
static size_t count_named(const struct check_ctx *c, const char *list,
			  bool *clean)
{
	size_t i, n = 0;

	*clean = true;
	for (i = 0; i < c->ms->n; i++) {
		const struct module *m = &c->ms->v[i];

		if (!m->executable || !named_by(m, list))
			continue;
		n++;
		if (m->status != REF_OK || m->deleted || m->memfd)
			*clean = false;
	}
	return n;
}

/*
 * A preload list as a target: its entries separated by one space, so the
 * file's trailing newline or a colon-separated variable reads the same.
 */
static void set_list_target(struct finding *f, const char *list)
{
	char *out = malloc(strlen(list) + 1);
	const char *p = list;
	size_t used = 0, n;

	if (!out) {
		finding_set(f, &f->target, "%s", list);
		return;
	}
	while (*(p += strspn(p, PRELOAD_SEPS))) {
		n = strcspn(p, PRELOAD_SEPS);
		if (used)
			out[used++] = ' ';
		memcpy(out + used, p, n);
		used += n;
		p += n;
	}
	out[used] = '\0';
	finding_set(f, &f->target, "%s", out);
	free(out);
}

/*
 * What the loaded libraries a list names interpose of libc's file,
 * directory, process and socket functions: "libx.so: readdir (directory)".
 */
static size_t named_interposers(const struct check_ctx *c, const char *list,
				char *out, size_t outlen)
{
	size_t i, total = 0, used = 0, k;
	char fns[600];
	int w;

	out[0] = '\0';
	for (i = 0; i < c->ms->n; i++) {
		const struct module *m = &c->ms->v[i];

		if (!m->executable || !named_by(m, list) || interpose_home(m))
			continue;
		k = interpose_list(m, fns, sizeof(fns));
		if (!k)
			continue;
		w = snprintf(out + used, outlen - used, "%s%s interposes %s",
			     total ? "; " : "", module_base_name(m), fns);
		if (w > 0 && used + (size_t)w < outlen)
			used += (size_t)w;
		total += k;
	}
	return total;
}

/*
 * The target's /etc/ld.so.preload as the capture read it, up to its first
 * NUL; NULL when the file was absent, empty or not recorded.
 */
static char *preload_file_list(const struct check_ctx *c)
{
	struct snap_bytes b = { 0 };
	char *list;
	size_t n;

	if (snap_fact_bytes(c->s, "process.ld_so_preload.content", &b))
		return NULL;
	n = strnlen(b.s, b.len);
	list = strndup(b.s, n);
	snap_bytes_free(&b);
	if (list && !list[strspn(list, PRELOAD_SEPS)]) {
		free(list);
		list = NULL;
	}
	return list;
}

/*
 * A non-empty /etc/ld.so.preload makes every dynamic program in that root
 * load its libraries, with nothing in any environment: rootkit
 * persistence, rarely an agent's legitimate hook.
 */
static void preload_file_finding(struct check_ctx *c, const char *list)
{
	size_t entries = 0, loaded, nhooks;
	const char *p = list;
	struct finding *f;
	char hooks[800];
	bool clean;

	while (*(p += strspn(p, PRELOAD_SEPS))) {
		entries++;
		p += strcspn(p, PRELOAD_SEPS);
	}
	loaded = count_named(c, list, &clean);
	nhooks = named_interposers(c, list, hooks, sizeof(hooks));
	f = clean ? finding_new_at(c->fs, RULE_ld_so_preload, FSEV_MEDIUM, 65,
				   0, 0)
		  : finding_new(c->fs, RULE_ld_so_preload, 0, 0);
	set_list_target(f, list);
	finding_set(f, &f->evidence,
		    "/etc/ld.so.preload in the process's root names %zu entr%s, %zu loaded here%s: every dynamically linked program started there loads them%s%s",
		    entries, entries == 1 ? "y" : "ies", loaded,
		    clean ? "" : ", not all of them verified files",
		    nhooks ? "; " : "", nhooks ? hooks : "");
}

static void preload_finding(struct check_ctx *c, const char *value)
{
	struct finding *f;
	char hooks[800];
	size_t n, nhooks;
	bool clean;
	enum fsev sev;

	n = count_named(c, value, &clean);
	nhooks = named_interposers(c, value, hooks, sizeof(hooks));
	sev = clean && n && !nhooks ? FSEV_INFO : FSEV_MEDIUM;
	f = finding_new_at(c->fs, RULE_ld_preload, sev,
			   sev == FSEV_INFO ? 10 : nhooks ? 65 : 55, 0, 0);
	set_list_target(f, value);
	finding_set(f, &f->evidence,
		    "LD_PRELOAD is set; %zu preloaded librar%s loaded%s%s%s", n,
		    n == 1 ? "y" : "ies",
		    clean && n ? ", each a file that matches its reference"
			       : ", not all of them verified files",
		    nhooks ? "; " : "", nhooks ? hooks : "");
}

static void env_checks(struct check_ctx *c, const char *preload)
{
	struct snap_bytes keep = { 0 };
	const char *v;
	struct finding *f;

	if (preload)
		preload_finding(c, preload);
	v = env_value(c, "LD_AUDIT", &keep);
	if (v) {
		f = finding_new(c->fs, RULE_ld_audit, 0, 0);
		finding_set(f, &f->target, "%s", v);
		finding_set(f, &f->evidence,
			    "LD_AUDIT is set: its libraries see every symbol binding");
		snap_bytes_free(&keep);
	}
	if (c->tracer_pid > 0) {
		f = finding_new(c->fs, RULE_tracer_attached, 0, 0);
		finding_set(f, &f->evidence,
			    "process %" PRId64 " was tracing this process when the capture began",
			    c->tracer_pid);
	}
}

static void thread_checks(struct check_ctx *c, const struct jit_env *je)
{
	size_t i;

	for (i = 0; i < c->s->nthreads; i++) {
		const struct snap_thread *t = &c->s->threads[i];
		uint64_t ip = t->regs.rip;
		const struct snap_region *g;
		struct finding *f;
		int64_t r;
		char where[300];

		if (!t->has_regs)
			continue;
		r = msnap_find_region(c->s->rd, ip);
		g = r >= 0 && (uint64_t)r < c->s->nregions ? &c->s->regions[r]
							   : NULL;
		if (g && (is_module_region(g) || kernel_made(g)))
			continue;
		/* a runtime running the code it compiled */
		if (g && jit_region(c, je, (uint32_t)r, where, sizeof(where)))
			continue;
		f = finding_new(c->fs, g ? RULE_thread_in_anon
					 : RULE_thread_ip_unmapped, ip, 1);
		if (!f)
			return;
		f->region = r;
		if (g)
			anon_key(f, g, ip - g->start);
		describe_addr(c->s, c->ms, ip, where, sizeof(where));
		f->has_target = true;
		f->target_addr = ip;
		finding_set(f, &f->target, "%s", where);
		finding_set(f, &f->evidence,
			    "thread %" PRIu64 " (%s) was executing at 0x%" PRIx64
			    ", outside every module",
			    t->tid, t->name.s ? t->name.s : "?", ip);
	}
}

int foreign_check(struct check_ctx *c)
{
	struct snap_bytes keep = { 0 };
	char *file_list, *both = NULL;
	const char *preload;
	struct jit_env je;

	jit_detect(c, &je);
	preload = env_value(c, "LD_PRELOAD", &keep);
	file_list = preload_file_list(c);
	/* libraries named by either are loaded on purpose, not injected */
	if ((preload || file_list) &&
	    asprintf(&both, "%s:%s", preload ? preload : "",
		     file_list ? file_list : "") < 0) {
		both = NULL;
		c->fs->nomem = true;
	}
	region_checks(c, &je);
	library_checks(c, both, &je);
	env_checks(c, preload);
	if (file_list)
		preload_file_finding(c, file_list);
	thread_checks(c, &je);
	free(both);
	free(file_list);
	snap_bytes_free(&keep);
	return 0;
}

/* ---- libraries a dlopen may explain --------------------------------------- */

/* Directories anyone may write to: where droppers put their payload. */
static bool in_writable_dir(const char *path)
{
	static const char *const dirs[] = {
		"/tmp/", "/var/tmp/", "/dev/shm/", "/run/shm/", "/var/lock/",
		"/run/lock/", "/var/crash/",
	};
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!strncmp(path, dirs[i], strlen(dirs[i])))
			return true;
	return false;
}

/* Hidden directories where language toolchains install libraries. */
static bool toolchain_dir(const char *name, size_t len)
{
	static const char *const dirs[] = {
		".local", ".pyenv", ".nvm", ".cargo", ".rustup", ".venv",
		".virtualenvs", ".conda", ".rbenv", ".rvm", ".asdf", ".sdkman",
		".m2", ".gradle", ".ghcup", ".nix-profile", ".guix-profile",
	};
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strlen(dirs[i]) == len && !strncmp(name, dirs[i], len))
			return true;
	return false;
}

/*
 * A directory component starting with a dot (not . or .., nor a
 * toolchain's own such as ~/.local or ~/.pyenv).
 */
static bool in_hidden_dir(const char *path)
{
	const char *p = path, *slash;

	while ((slash = strchr(p, '/'))) {
		size_t len = (size_t)(slash - p);

		if (p[0] == '.' && len > 1 && !(len == 2 && p[1] == '.') &&
		    !toolchain_dir(p, len))
			return true;
		p = slash + 1;
	}
	return false;
}

static bool under(const char *path, const char *dir, size_t dirlen)
{
	return dirlen && !strncmp(path, dir, dirlen) && path[dirlen] == '/';
}

/*
 * Where the program's libraries usually come from: the system's library
 * directories, the install prefix of the executable (python's
 * lib-dynload, postgres' pkglibdir) and the directories of its needed
 * libraries.
 */
static bool usual_place(const struct check_ctx *c, const char *path)
{
	static const char *const sys[] = {
		"/lib", "/lib64", "/lib32", "/usr/lib", "/usr/lib64",
		"/usr/lib32", "/usr/local/lib", "/usr/libexec", "/opt",
		"/snap", "/nix/store", "/gnu/store",
	};
	size_t i, len;
	const char *slash;

	for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
		if (under(path, sys[i], strlen(sys[i])))
			return true;
	for (i = 0; i < c->ms->n; i++) {
		const struct module *m = &c->ms->v[i];

		if (!m->needed || !(slash = strrchr(m->path, '/')))
			continue;
		len = (size_t)(slash - m->path);
		/* /prefix/bin/prog: anything under /prefix */
		if (m->is_exe && len >= 4 &&
		    (!strncmp(m->path + len - 4, "/bin", 4) ||
		     (len >= 5 && !strncmp(m->path + len - 5, "/sbin", 5))))
			len -= m->path[len - 4] == '/' ? 4 : 5;
		if (under(path, m->path, len))
			return true;
	}
	return false;
}

static bool is_hook_type(const char *t)
{
	static const char *const types[] = {
		"got_hook", "inline_hook", "init_array_hook", "fini_array_hook",
		"preinit_array_hook", "interposed_call", "relro_modified",
		"code_patch", "entry_point_modified",
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(t, types[i]))
			return true;
	return false;
}

/* A hook elsewhere that leads into m: the first one, or NULL. */
static const struct finding *hook_into(const struct check_ctx *c,
				       const struct module *m)
{
	size_t i;

	for (i = 0; i < c->fs->n; i++) {
		const struct finding *f = &c->fs->v[i];

		if (f->has_target && f->target_addr >= m->lo &&
		    f->target_addr < m->hi && is_hook_type(f->type) &&
		    !(f->addr >= m->lo && f->addr < m->hi))
			return f;
	}
	return NULL;
}

/*
 * Code of another module written at run time: what ptrace-driven
 * injectors (a syscall or call stub written and restored) and debuggers
 * (breakpoints in ld.so's load hooks) leave behind.
 */
static const struct finding *write_residue(const struct check_ctx *c,
					   const struct module *m)
{
	size_t i;

	for (i = 0; i < c->fs->n; i++) {
		const struct finding *f = &c->fs->v[i];

		if (f->sev < FSEV_LOW || (f->addr >= m->lo && f->addr < m->hi))
			continue;
		if (!strcmp(f->type, "exec_page_written") ||
		    !strcmp(f->type, "breakpoint") ||
		    !strcmp(f->type, "code_patch"))
			return f;
	}
	return NULL;
}

struct raise {
	enum fsev sev;
	char why[700];
	size_t used;
};

static void raise_by(struct raise *r, enum fsev sev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void raise_by(struct raise *r, enum fsev sev, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (sev > r->sev)
		r->sev = sev;
	if (r->used && r->used + 2 < sizeof(r->why)) {
		memcpy(r->why + r->used, "; ", 3);
		r->used += 2;
	}
	va_start(ap, fmt);
	w = vsnprintf(r->why + r->used, sizeof(r->why) - r->used, fmt, ap);
	va_end(ap);
	if (w > 0)
		r->used = r->used + (size_t)w < sizeof(r->why) ?
			  r->used + (size_t)w : sizeof(r->why) - 1;
}

/* Score of a library finding by the severity its evidence reached. */
static const unsigned raise_score[FSEV_NSEV] = {
	[FSEV_INFO] = 10, [FSEV_LOW] = 30, [FSEV_MEDIUM] = 65, [FSEV_HIGH] = 90,
};

static void judge_dlopened(struct check_ctx *c, const struct module *m)
{
	const struct finding *h;
	struct raise r = { .sev = FSEV_INFO };
	const bool usual = usual_place(c, m->path);
	struct finding *f;
	char fns[400];

	if ((h = hook_into(c, m)))
		raise_by(&r, FSEV_HIGH, "the target of a %s at 0x%" PRIx64
			 "%s%s", h->type, h->addr, h->module ? " in " : "",
			 h->module ? h->module : "");
	/*
	 * The residue says someone wrote code, not which library they
	 * brought: it raises only a library from outside the usual places
	 * (a program that loaded its own plugins stays as it was).
	 */
	if (!usual && (h = write_residue(c, m)))
		raise_by(&r, FSEV_HIGH,
			 "code of %s was written at run time (%s at 0x%" PRIx64
			 "): a debugger's or injector's residue",
			 h->module ? h->module : "another module", h->type,
			 h->addr);
	if (m->deleted)
		raise_by(&r, FSEV_MEDIUM, "its file was deleted after loading");
	if (in_writable_dir(m->path))
		raise_by(&r, FSEV_MEDIUM, "it lives in a world-writable directory");
	if (!interpose_home(m) && interpose_list(m, fns, sizeof(fns)))
		raise_by(&r, FSEV_MEDIUM, "it defines libc's %s", fns);
	if (!usual) {
		if (in_hidden_dir(m->path))
			raise_by(&r, FSEV_MEDIUM, "it lives in a hidden directory");
		raise_by(&r, FSEV_LOW,
			 "it is outside the system's library directories and the program's own");
	}
	f = finding_new_at(c->fs, r.sev >= FSEV_MEDIUM ? RULE_injected_library
						      : RULE_dlopened_library,
			   r.sev, raise_score[r.sev], m->lo, m->hi - m->lo);
	f->region = m->first;
	finding_module(f, m->path, m->key, 0);
	finding_set(f, &f->evidence,
		    "not in the DT_NEEDED closure; the program imports dlopen%s%s",
		    r.used ? ", but " : "", r.why);
}

int foreign_late_check(struct check_ctx *c)
{
	size_t i;

	if (!c->dlopen_imported)
		return 0;
	for (i = 0; i < c->ms->n; i++) {
		const struct module *m = &c->ms->v[i];

		if (m->executable && !m->needed && !m->memfd &&
		    !loaded_by_libc(m))
			judge_dlopened(c, m);
	}
	return 0;
}
