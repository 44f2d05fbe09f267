# tests/e2e/lib_security.sh - helpers for the security and soak tests
# (bash; source after lib.sh).
#
# sec_py COMMAND ARGS...: the checks below, in Python (or sec_check to
# queue them, then sec_checks_run):
#   safe FILE...           the bytes are safe to show on a terminal: UTF-8,
#                          no C0 control but newline and tab, no DEL, no C1,
#                          no bidirectional or line/paragraph separator
#   ascii FILE...          7-bit printable ASCII and newlines only
#   parse json|yaml FILE   parses; no mapping key anywhere is "injected" or
#                          "evil" (the keys the hostile names try to add)
#   has json|yaml FILE HEX...  each HEX (the bytes of a hostile string) is
#                          exactly one of the document's decoded strings
#   hasseq json|yaml FILE HEX...  some sequence of strings is exactly these
#   escaped FILE HEX...    the text FILE contains each string escaped as
#                          analyze/escape.h says
#   manifest SNAP OUT      write the YAML manifest of snapshot SNAP to OUT
#   fdcheck VALGRIND_LOG   valgrind --track-fds left no fd open at exit
#                          but the inherited ones
#
# sec_valgrind LOG CMD...: CMD under memcheck (leaks of every kind are
# errors, fds tracked); exit status 99 on any error, else CMD's.
# sec_valgrind_clean LOG: that run had no error, no leak and left no fd.

SEC_PY=$SCRATCH/lib_security.py
cat >"$SEC_PY" <<'EOF'
import base64, json, re, struct, subprocess, sys

BAD_CP = set(range(0x20)) - {0x0a, 0x09} | {0x7f} | set(range(0x80, 0xa0)) \
    | set(range(0x202a, 0x202f)) | set(range(0x2066, 0x206a)) \
    | {0x200e, 0x200f, 0x2028, 0x2029}

def die(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)

def safe(path):
    data = open(path, "rb").read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        die("%s: invalid UTF-8 at byte %d" % (path, e.start))
    for i, ch in enumerate(text):
        if ord(ch) in BAD_CP:
            line = text.count("\n", 0, i) + 1
            die("%s:%d: raw U+%04X reaches the output" % (path, line, ord(ch)))

def ascii_only(path):
    for n, b in enumerate(open(path, "rb").read()):
        if b != 0x0a and not 0x20 <= b < 0x7f:
            die("%s: byte 0x%02x at offset %d is not printable ASCII"
                % (path, b, n))

def load(fmt, path):
    if fmt == "json":
        return json.load(open(path, "rb"))
    import yaml
    return yaml.safe_load(open(path, "rb"))

def as_bytes(v):
    """A decoded string: JSON keeps non-UTF-8 as {"base64": ...}."""
    if isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode("utf-8", "surrogateescape")
    if isinstance(v, dict) and list(v) == ["base64"]:
        return base64.b64decode(v["base64"])
    return None

def walk(v, keys, strings, seqs):
    b = as_bytes(v)
    if b is not None:
        strings.add(b)
    elif isinstance(v, dict):
        for k, x in v.items():
            keys.add(k)
            walk(x, keys, strings, seqs)
    elif isinstance(v, list):
        items = [as_bytes(x) for x in v]
        if all(x is not None for x in items):
            seqs.append(items)
        for x in v:
            walk(x, keys, strings, seqs)

PARSED = {}

def parsed(fmt, path):
    if (fmt, path) not in PARSED:
        PARSED[fmt, path] = parse_walk(fmt, path)
    return PARSED[fmt, path]

def parse_walk(fmt, path):
    keys, strings, seqs = set(), set(), []
    try:
        walk(load(fmt, path), keys, strings, seqs)
    except Exception as e:
        die("%s does not parse as %s: %s" % (path, fmt, e))
    return keys, strings, seqs

def esc(b):
    """analyze/escape.h: what the text output shows for bytes b."""
    out, i = [], 0
    named = {0x0a: "\\n", 0x09: "\\t", 0x0d: "\\r", 0x5c: "\\\\"}
    while i < len(b):
        for n in (1, 2, 3, 4):
            try:
                ch = b[i:i + n].decode("utf-8")
                break
            except UnicodeDecodeError:
                ch = None
        if ch is None:
            out.append("\\x%02x" % b[i])
            i += 1
            continue
        cp = ord(ch)
        if cp in named:
            out.append(named[cp])
        elif cp in BAD_CP and cp <= 0xff:
            out.append("\\x%02x" % cp)
        elif cp in BAD_CP:
            out.append("\\u{%04x}" % cp)
        else:
            out.append(ch)
        i += len(ch.encode("utf-8"))
    return "".join(out)

def manifest(snap, out):
    data = open(snap, "rb").read()
    trailer = data[-104:]
    if trailer[:4] != b"MSTR":
        die("%s: no trailer" % snap)
    off, size = struct.unpack_from("<QQ", trailer, 8)
    rec = data[off + 8:off + size]
    if rec[:4] != b"MSMF":
        die("%s: no manifest at %d" % (snap, off))
    yaml_text = subprocess.run(["zstd", "-dcq"], input=rec[20:-8],
                               stdout=subprocess.PIPE, check=True).stdout
    open(out, "wb").write(yaml_text)

def fdcheck(log):
    text = open(log).read()
    m = re.search(r"FILE DESCRIPTORS: (\d+) open(?: \((\d+) std\))? at exit",
                  text)
    if not m:
        die("%s: valgrind reported no file descriptors" % log)
    blocks = re.split(r"==\d+== (?=Open )", text)
    leaked = [b.splitlines()[0] for b in blocks[1:]
              if "<inherited from parent>" not in b]
    if leaked:
        die("%s: fds left open at exit: %s" % (log, "; ".join(leaked)))

def run(cmd, args):
    if cmd == "safe":
        for p in args:
            safe(p)
    elif cmd == "ascii":
        for p in args:
            ascii_only(p)
    elif cmd == "parse":
        keys, _, _ = parsed(args[0], args[1])
        bad = keys & {"injected", "evil"}
        if bad:
            die("%s: injected keys %s" % (args[1], sorted(bad)))
    elif cmd == "has":
        _, strings, _ = parsed(args[0], args[1])
        for h in args[2:]:
            if bytes.fromhex(h) not in strings:
                die("%s: %r is not one of its strings" % (args[1],
                                                           bytes.fromhex(h)))
    elif cmd == "hasseq":
        _, _, seqs = parsed(args[0], args[1])
        want = [bytes.fromhex(h) for h in args[2:]]
        if want not in seqs:
            die("%s: no sequence is exactly %r" % (args[1], want))
    elif cmd == "escaped":
        text = open(args[0], "rb").read().decode("utf-8")
        for h in args[1:]:
            e = esc(bytes.fromhex(h))
            if e not in text:
                die("%s does not show %r as %r" % (args[0], bytes.fromhex(h), e))
    elif cmd == "manifest":
        manifest(args[0], args[1])
    elif cmd == "fdcheck":
        fdcheck(args[0])
    elif cmd == "batch":
        for line in open(args[0]):
            words = line.rstrip("\n").split("\t")
            run(words[0], words[1:])
    else:
        die("lib_security.py: unknown command " + cmd)

run(sys.argv[1], sys.argv[2:])
EOF

sec_py() {
	python3 "$SEC_PY" "$@" || fail "check '$1' failed on ${*:2}"
}

# sec_check COMMAND ARGS...: queue a check (arguments without tabs);
# sec_checks_run runs the queue in one Python process (a loaded CI machine
# starts Python slowly).
SEC_CHECKS=$SCRATCH/lib_security.checks
: >"$SEC_CHECKS"
sec_check() {
	(IFS=$'\t'; echo "$*") >>"$SEC_CHECKS"
}

sec_checks_run() {
	log "$(wc -l <"$SEC_CHECKS") checks"
	sec_py batch "$SEC_CHECKS"
	: >"$SEC_CHECKS"
}

sec_valgrind() {
	local log=$1
	shift
	valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible \
		--track-fds=yes --error-exitcode=99 --log-file="$log" "$@"
}

sec_valgrind_clean() {
	grep -q 'ERROR SUMMARY: 0 errors from 0 contexts' "$1" || {
		grep -v '^--' "$1" | head -n 60
		fail "valgrind found errors ($1)"
	}
	sec_py fdcheck "$1"
}

# sec_build_vg_shim: $SCRATCH/vg_shim.so, an LD_PRELOAD that answers
# ENOTTY to PAGEMAP_SCAN and PROCMAP_QUERY.  valgrind 3.19 does not know
# these ioctls: the kernel fills memory through pointers inside their
# argument, which memcheck would then call uninitialised (false errors by
# the thousand).  memsnap takes its path for kernels without them instead
# (smaps text, pagemap reads), which memcheck understands.
VG_SHIM=$SCRATCH/vg_shim.so
sec_build_vg_shim() {
	cat >"$SCRATCH/vg_shim.c" <<'EOC'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/ioctl.h>

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	/* PAGEMAP_SCAN is _IOWR('f', 16, ...), PROCMAP_QUERY 'f', 17 */
	if (_IOC_TYPE(req) == 'f' && (_IOC_NR(req) == 16 || _IOC_NR(req) == 17)) {
		errno = ENOTTY;
		return -1;
	}
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	return real(fd, req, arg);
}
EOC
	cc -shared -fPIC -O1 -Wall -Werror -o "$VG_SHIM" "$SCRATCH/vg_shim.c" \
		-ldl || fail "cannot build the valgrind ioctl shim"
}
