#!/bin/bash
# Dumps hold secrets: the snapshot is created mode 0600 whatever the umask,
# and so is the FILE.partial while it is being written.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

umask 000
start_victim "$SAMPLES/heap_writer"
capture "$SCRATCH/snap.msnap"
assert_eq "$(stat -c %a "$SCRATCH/snap.msnap")" 600 "mode of the snapshot"
assert_eq "$(stat -c %u "$SCRATCH/snap.msnap")" "$(id -u)" "owner"
[ ! -e "$SCRATCH/snap.msnap.partial" ] || fail ".partial left after success"

# The .partial, caught while a larger capture writes it.
start_victim "$SAMPLES/big_victim" 256M
"$MEMSNAP" -p "$VICTIM_PID" -o "$SCRATCH/big.msnap" --threads 1 --level 9 \
	2>"$SCRATCH/big.err" &
pid=$!
track_bg "$pid"
if wait_size "$SCRATCH/big.msnap.partial" 1 "$pid"; then
	mode=$(stat -c %a "$SCRATCH/big.msnap.partial" 2>/dev/null)
	# it may have been renamed between the two calls
	[ -z "$mode" ] || assert_eq "$mode" 600 "mode of the .partial"
fi
wait "$pid" || { cat "$SCRATCH/big.err"; fail "capture of big_victim failed"; }
assert_eq "$(stat -c %a "$SCRATCH/big.msnap")" 600 "mode of the big snapshot"
assert_running
