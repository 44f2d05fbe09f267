#!/bin/bash
# memsnap protects what it copies and touches nothing but /proc and its
# output:
# - while it runs it is not dumpable: another process of the same uid
#   cannot read its /proc/PID/environ or mem (the victim's, a control, can
#   be read), and its core size limit is 0;
# - it imports no exec, system, popen, posix_spawn or fork;
# - under strace, with a victim whose mapped files have hostile names and
#   --with-files: no execve after its own, and every file it opens after
#   hardening itself is under /proc (the mapped files through map_files,
#   never by their path) or in the output directory; the output is 0600
#   under umask 000.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_security.sh"
require_tools
require_ptrace
command -v strace >/dev/null || fail "strace is not installed (scripts/deps.sh)"
command -v setpriv >/dev/null || fail "setpriv is not installed"

log "imports"
nm -D --undefined-only "$MEMSNAP" >"$SCRATCH/imports" ||
	fail "nm -D $MEMSNAP"
if grep -E ' (system|popen|exec[lv]p?e?|execvpe|fexecve|posix_spawnp?|fork|vfork)(@|$)' \
	"$SCRATCH/imports"; then
	fail "memsnap imports a way to run a program"
fi

log "not dumpable while it runs (as nobody, against a victim of nobody's)"
# The snapshot goes to a pipe nobody reads: memsnap stays alive, blocked.
setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$SAMPLES/heap_writer" >"$SCRATCH/nobody.out" 2>&1 </dev/null &
victim=$!
track_bg "$victim"
wait_for grep -qx ready "$SCRATCH/nobody.out" || fail "victim of nobody not ready"
mkfifo "$SCRATCH/stall"
exec 7<>"$SCRATCH/stall"        # holds the FIFO open; never read
setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$MEMSNAP" -q -p "$victim" -o - >&7 2>"$SCRATCH/nobody.err" &
msnap=$!
track_bg "$msnap"
# blocked writing: the victim was frozen and resumed, the pipe is full
blocked() {
	[ "$(tracer_of "$victim")" = 0 ] &&
		grep -q pipe_write "/proc/$msnap"/task/*/wchan 2>/dev/null
}
wait_for blocked || {
	cat "$SCRATCH/nobody.err"
	fail "memsnap of nobody's victim never blocked on its pipe"
}
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}
as_nobody cat "/proc/$victim/environ" >/dev/null ||
	fail "control: nobody cannot read its own victim's environ"
if as_nobody cat "/proc/$msnap/environ" >/dev/null 2>&1; then
	fail "a process of the same uid reads memsnap's environ: it is dumpable"
fi
if as_nobody dd if="/proc/$msnap/mem" bs=1 count=1 status=none 2>/dev/null; then
	fail "a process of the same uid opens memsnap's mem"
fi
grep -E '^Max core file size +0 +0 ' "/proc/$msnap/limits" >/dev/null || {
	grep core "/proc/$msnap/limits"
	fail "memsnap's core size limit is not 0"
}
kill -TERM "$msnap"
wait_exit "$msnap" 30
exec 7>&-
assert_running "$victim"
exec 7<>"$SCRATCH/stall"

log "as root it keeps only the capabilities a capture needs"
# SYS_PTRACE, SYS_ADMIN, CHECKPOINT_RESTORE, DAC_OVERRIDE, DAC_READ_SEARCH
keep=0000010000280006
"$MEMSNAP" -q -p "$victim" -o - >&7 2>"$SCRATCH/root.err" &
msnap=$!
track_bg "$msnap"
wait_for blocked || {
	cat "$SCRATCH/root.err"
	fail "memsnap as root never blocked on its pipe"
}
grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' \
	"/proc/$msnap/status" | tee "$SCRATCH/caps"
assert_matches "$SCRATCH/caps" "^CapEff:[[:space:]]+$keep\$"
assert_matches "$SCRATCH/caps" "^CapPrm:[[:space:]]+$keep\$"
assert_matches "$SCRATCH/caps" "^CapBnd:[[:space:]]+$keep\$"
assert_matches "$SCRATCH/caps" "^CapInh:[[:space:]]+0+\$"
assert_matches "$SCRATCH/caps" "^CapAmb:[[:space:]]+0+\$"
assert_matches "$SCRATCH/caps" "^NoNewPrivs:[[:space:]]+1\$"
kill -TERM "$msnap"
wait_exit "$msnap" 30
exec 7>&-
assert_running "$victim"

log "strace: no execve, every open under /proc or the output directory"
DIR=$SCRATCH/names
OUT=$SCRATCH/out
mkdir "$DIR" "$OUT" || fail "mkdir"
start_victim "$SAMPLES/hostile_names" "$DIR"
(umask 000 && strace -f -y -qq -s 4096 -o "$SCRATCH/strace" \
	-e trace=execve,execveat,open,openat,openat2,creat,close,prctl,name_to_handle_at,open_by_handle_at \
	"$MEMSNAP" -q --with-files -p "$VICTIM_PID" -o "$OUT/snap.msnap") ||
	fail "memsnap under strace failed"
assert_eq "$(stat -c %a "$OUT/snap.msnap")" 600 "mode of the snapshot under umask 000"
assert_exit 0 "$ANALYZE" verify --quick "$OUT/snap.msnap"
python3 - "$SCRATCH/strace" "$OUT" <<'EOF' || fail "memsnap opened or ran something it should not"
import re, sys
log, out = sys.argv[1], sys.argv[2]
lines = open(log, "rb").read().decode("utf-8", "replace").splitlines()
# Host files libc reads for itself (not named by the target): strftime's
# time zone, sysconf's CPU count.
HOST = ("/etc/localtime", "/usr/share/zoneinfo/", "/sys/devices/system/cpu/")
hardened = False
execs = opens = 0
proc_fds = set()        # fds opened through /proc (e.g. /proc/PID/root)
bad = []
for l in lines:
    m = re.match(r"\d+ +(\w+)\((.*)", l)
    if not m:
        continue
    call, args = m.groups()
    if call == "prctl" and args.startswith("PR_SET_DUMPABLE, SUID_DUMP_DISABLE"):
        hardened = True
    elif call in ("execve", "execveat"):
        execs += 1
        if execs > 1:
            bad.append("runs a program: " + l)
    elif call == "close":
        proc_fds.discard(args.split("<")[0])
    elif hardened and call in ("open", "openat", "openat2", "creat"):
        opens += 1
        # openat(AT_FDCWD</cwd>, "path", ...) or openat(5</proc/1>, "x", ...)
        a = re.match(r'(?:(AT_FDCWD|\d+)<([^>]*)>, )?"((?:[^"\\]|\\.)*)"', args)
        if not a:
            bad.append("cannot parse: " + l)
            continue
        dirfd, base, name = a.group(1), a.group(2) or "", a.group(3)
        if name.startswith("/"):
            path = name
        elif dirfd in proc_fds:
            path = "/proc/(fd %s)/%s" % (dirfd, name)
        else:
            path = base + "/" + name
        if not (path.startswith("/proc/") or path.startswith(out + "/") or
                path == out or path.startswith(HOST)):
            bad.append("opens outside /proc and the output: " + l)
        r = re.search(r"\) = (\d+)<", l)
        if r and path.startswith("/proc/"):
            proc_fds.add(r.group(1))
    elif call in ("name_to_handle_at", "open_by_handle_at"):
        bad.append("handle-based open: " + l)
if not hardened:
    bad.append("no prctl(PR_SET_DUMPABLE, 0) seen")
if opens < 5:
    bad.append("only %d opens seen after hardening: strace missed them?" % opens)
for b in bad:
    print("FAIL: " + b[:300], file=sys.stderr)
print("# %d opens after hardening, %d execve" % (opens, execs))
sys.exit(1 if bad else 0)
EOF
assert_running
