#!/bin/bash
# Where /proc is not mounted (a chroot, a bare container: here an empty
# tmpfs over it in a private mount namespace), memsnap says so instead of
# "no process with pid N", and creates nothing.
. "$(dirname "$0")/lib.sh"
require_tools
unshare -m true 2>/dev/null || skip "no mount namespace for this user (unshare -m)"

mkdir "$SCRATCH/out"
sleep 120 &
target=$!
track_bg "$target"
assert_exit 2 unshare -m sh -c 'mount -t tmpfs none /proc && exec "$@"' sh \
	"$MEMSNAP" -p "$target" -o "$SCRATCH/out/a.msnap"
assert_eq "$(wc -l <"$SCRATCH/last.err")" 1 "lines of the message"
assert_contains "$SCRATCH/last.err" "/proc is not mounted"
grep -q "no process with pid" "$SCRATCH/last.err" && fail "blamed the pid"
[ -z "$(ls -A "$SCRATCH/out")" ] || fail "left $(ls -A "$SCRATCH/out") behind"
exit 0
