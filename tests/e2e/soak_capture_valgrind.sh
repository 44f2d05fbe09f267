#!/bin/bash
# memsnap under valgrind's memcheck: to a file, with --with-files, and to a
# pipe (-o -).  No memory error, no leak (definite, indirect or possible),
# and no file descriptor left open at exit but the three it was given; each
# snapshot verifies.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_security.sh"
require_tools
require_ptrace
command -v valgrind >/dev/null || fail "valgrind is not installed (scripts/deps.sh)"
file "$MEMSNAP" 2>/dev/null | grep -q 'statically linked' &&
	fail "$MEMSNAP is static: the ioctl shim cannot reach it"
sec_build_vg_shim

start_victim "$SAMPLES/heap_writer"

# vg NAME MEMSNAP_ARGS...: one capture under memcheck, into NAME.msnap
vg() {
	local name=$1 rc
	shift
	LD_PRELOAD=$VG_SHIM sec_valgrind "$SCRATCH/$name.vg" \
		"$MEMSNAP" -q -p "$VICTIM_PID" "$@" >"$SCRATCH/$name.out" \
		2>"$SCRATCH/$name.err"
	rc=$?
	[ "$rc" = 0 ] || {
		cat "$SCRATCH/$name.err"
		grep -v '^--' "$SCRATCH/$name.vg" | head -n 60
		fail "memsnap $* under valgrind exited $rc (99: memcheck errors)"
	}
	sec_valgrind_clean "$SCRATCH/$name.vg"
	# -o -: the snapshot is what it wrote on stdout
	[ -f "$SCRATCH/$name.msnap" ] || mv "$SCRATCH/$name.out" "$SCRATCH/$name.msnap"
	assert_exit 0 "$ANALYZE" verify --quick "$SCRATCH/$name.msnap"
	log "$name: clean"
}

vg file -o "$SCRATCH/file.msnap"
vg with_files --with-files -o "$SCRATCH/with_files.msnap"
vg pipe -o -
assert_running
