#!/bin/bash
# memsnap-analyze under valgrind's memcheck on two small snapshots: info
# (text and json), verify, extract, diff (text and json), layout, diff
# --layout and check (SARIF, with the files stored by --with-files).
# No memory error, no leak, no file descriptor left open at exit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_security.sh"
require_tools
require_ptrace
command -v valgrind >/dev/null || fail "valgrind is not installed (scripts/deps.sh)"

start_victim "$SAMPLES/heap_writer"
A=$SCRATCH/a.msnap
B=$SCRATCH/b.msnap
capture "$A"
victim_signal USR1 mutation_count
capture "$B" --with-files

# vg NAME EXIT ARGS...: memsnap-analyze ARGS under memcheck, exit EXIT
vg() {
	local name=$1 want=$2 rc
	shift 2
	sec_valgrind "$SCRATCH/$name.vg" "$ANALYZE" "$@" \
		>"$SCRATCH/$name.out" 2>"$SCRATCH/$name.err"
	rc=$?
	[ "$rc" = "$want" ] || {
		cat "$SCRATCH/$name.err"
		grep -v '^--' "$SCRATCH/$name.vg" | head -n 60
		fail "memsnap-analyze $* under valgrind exited $rc, not $want (99: memcheck errors)"
	}
	sec_valgrind_clean "$SCRATCH/$name.vg"
}

vg info 0 info --all "$A"
vg info_json 0 info --all --format json "$B"
vg verify 0 verify --threads 2 "$A"
vg extract 0 extract "$A" --path heap_writer -o "$SCRATCH/extract.bin"
vg diff 1 diff "$A" "$B"
vg diff_json 1 diff --format json --normalize-pointers "$A" "$B"
vg layout 0 layout -o "$SCRATCH/layout.yaml" "$A"
vg diff_layout 0 diff --layout "$SCRATCH/layout.yaml" "$B"
vg check_sarif 0 check --format sarif --fail-on high "$B"
log "every command clean under memcheck"
