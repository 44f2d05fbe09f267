#!/bin/bash
# An LD_PRELOAD rootkit (libprocesshider's technique): a library that
# interposes readdir/readdir64 to hide entries.  The library matches its
# file and the binding is what the loader does for a preload, yet the
# process is not "clean": ld_preload is medium and names what it
# interposes, the program's readdir64 slot is a medium
# preload_interposition.  A preload of an ordinary function stays info
# (analyze_check_preload.sh).
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace

lib=$SCRATCH/libhide.so
cc -shared -fPIC -O1 -o "$lib" "$E2E/readdir_hider.c" ||
	fail "cannot build the readdir-hiding library"
cat >"$SCRATCH/lister.c" <<'C'
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct dirent64 *e;
	DIR *d;
	int n = 0;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	d = opendir(argc > 1 ? argv[1] : ".");
	while (d && (e = readdir64(d)))
		n++;
	printf("entries=%d\nready\n", n);
	fflush(stdout);
	for (;;)
		pause();
}
C
cc -O1 -o "$SCRATCH/lister" "$SCRATCH/lister.c" || fail "cannot build lister"
mkdir "$SCRATCH/dir" && touch "$SCRATCH/dir/memsnap_hidden_x" "$SCRATCH/dir/y"
start_victim env LD_PRELOAD="$lib" "$SCRATCH/lister" "$SCRATCH/dir"
# ., .., y: the hidden file is hidden, the preload is live
assert_eq "$(victim_value entries)" 3 "entries seen through the preload"
snap=$SCRATCH/hide.msnap
capture "$snap"

assert_exit 1 "$ANALYZE" check --format json "$snap"
report=$SCRATCH/report.json
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find ld_preload severity=medium 'evidence~readdir64 (directory)' \
	'evidence~libhide.so interposes' "target=$lib" ||
	fail "the readdir-interposing preload is not medium, named"
$EXPECT "$report" find preload_interposition severity=medium \
	symbol=readdir64 'target^libhide.so+' 'evidence~directory function' ||
	fail "the interposed readdir64 slot is not medium"
[ "$($JSON_GET "$report" "[f['address'] for f in doc['findings'] if f['type'] == 'ld_preload'][0] is None")" = true ] ||
	fail "ld_preload has an address"
assert_exit 1 "$ANALYZE" check "$snap"
assert_matches "$SCRATCH/last.out" '^  \[medium\] ld_preload, score'
log "readdir-hiding preload: medium, named"
