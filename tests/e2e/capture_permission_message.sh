#!/bin/bash
# Another user's process: the refusal names the pid, the owner and what
# would allow it (CAP_SYS_PTRACE), never a literal "/proc/PID"; the
# process keeps running and no file is left.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace
[ "$(id -u)" = 0 ] || skip "starting memsnap as another user needs root"
command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed"

start_victim "$SAMPLES/heap_writer"
out=$SCRATCH/out
chmod 711 "$SCRATCH"    # nobody may pass through to out/ only
mkdir "$out" && chmod 777 "$out"
assert_exit 2 setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$MEMSNAP" -p "$VICTIM_PID" -o "$out/a.msnap"
assert_eq "$(wc -l <"$SCRATCH/last.err")" 1 "lines of the message"
assert_contains "$SCRATCH/last.err" "pid $VICTIM_PID"
assert_contains "$SCRATCH/last.err" "uid 0"
assert_contains "$SCRATCH/last.err" "CAP_SYS_PTRACE"
grep -q '/proc/PID' "$SCRATCH/last.err" && fail "literal /proc/PID in the message"
[ -z "$(ls -A "$out")" ] || fail "left $(ls -A "$out") behind"
assert_running
exit 0
