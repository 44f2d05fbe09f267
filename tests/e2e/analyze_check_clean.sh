#!/bin/bash
# False positives are bugs: clean captures of ordinary programs (a shell,
# python3, perl, a static binary, a non-PIE binary) give no finding above
# info, and every module with code is checked against its reference.
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace
scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
if [ "$scope" != 0 ] && [ "$(id -u)" != 0 ]; then
	skip "Yama ptrace_scope=$scope: interpreters cannot opt in to being traced"
fi

cat >"$SCRATCH/idle.c" <<'C'
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(void)
{
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	puts("ready");
	fflush(stdout);
	for (;;)
		pause();
}
C
cc -O1 -static -o "$SCRATCH/idle_static" "$SCRATCH/idle.c" ||
	fail "cannot build a static binary"
cc -O1 -no-pie -fno-pie -o "$SCRATCH/idle_nopie" "$SCRATCH/idle.c" ||
	fail "cannot build a non-PIE binary"

# check_clean NAME MIN_MODULES CMD...: capture CMD, expect nothing above info.
check_clean() {
	local name=$1 min=$2 snap report checked
	shift 2
	start_victim "$@"
	snap=$SCRATCH/$name.msnap
	report=$SCRATCH/$name.json
	capture "$snap"
	assert_exit 0 "$ANALYZE" check --format json "$snap"
	cp "$SCRATCH/last.out" "$report"
	$EXPECT "$report" max info || fail "$name: findings above info"
	checked=$($JSON_GET "$report" "doc['modules_checked']")
	[ "$checked" -ge "$min" ] ||
		fail "$name: only $checked modules checked, expected $min"
	[ "$($JSON_GET "$report" "doc['modules_unverified']")" = 0 ] ||
		fail "$name: some module had no usable reference"
	[ "$($JSON_GET "$report" "doc['code_bytes_compared']")" -gt 100000 ] ||
		fail "$name: almost no code compared"
	assert_exit 0 "$ANALYZE" check "$snap"
	assert_matches "$SCRATCH/last.out" '^verdict: clean'
	log "$name: clean, $checked modules checked"
}

check_clean bash 3 bash -c 'echo ready; while :; do sleep 1; done'
check_clean python3 3 /usr/bin/python3 -c \
	'import time; print("ready", flush=True); time.sleep(600)'
check_clean perl 3 perl -e '$| = 1; print "ready\n"; sleep 600'
check_clean static 1 "$SCRATCH/idle_static"
check_clean nopie 3 "$SCRATCH/idle_nopie"
