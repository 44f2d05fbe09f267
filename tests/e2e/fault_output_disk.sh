#!/bin/bash
# The output runs out of room mid-capture: a full file system (an 8 MiB
# tmpfs, ENOSPC) and a file size limit (ulimit -f, EFBIG; SIGXFSZ must not
# kill memsnap silently).  Each time: exit 2, a message naming the error
# and the file, the victim running untraced (and ticking), no final file,
# and, when the disk fills after the freeze (--method buffer), the
# .partial left verifies as cut short (exit 1); when it fills during the
# pre-copy, before the target is stopped, nothing is left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_fault_output.sh"
require_tools
require_ptrace

# 48 MiB, a quarter of it random: more than 8 MiB even compressed, but
# 48/16 + 1 = 4 MiB passes the pre-flight space check.
start_victim "$SAMPLES/big_victim" 48M

# ENOSPC.
mnt=$SCRATCH/small
fo_mount_tmpfs "$mnt" size=8m,mode=0700
out=$mnt/snap.msnap
"$MEMSNAP" -p "$VICTIM_PID" -o "$out" --method buffer >/dev/null \
	2>"$SCRATCH/enospc.err"
fo_failed_cleanly $? "$SCRATCH/enospc.err" "$out" \
	"No space left on device.*partial snapshot left in $out.partial"
fo_partial_verifies "$out.partial" 1
ticker_alive
rm -f "$out.partial"
"$MEMSNAP" -p "$VICTIM_PID" -o "$out" >/dev/null 2>"$SCRATCH/enospc-pre.err"
fo_failed_cleanly $? "$SCRATCH/enospc-pre.err" "$out" "No space left on device"
[ ! -e "$out.partial" ] || fail "a capture that failed in its pre-copy left $out.partial"
ticker_alive

# RLIMIT_FSIZE of 2 MiB (ulimit -f counts 1024-byte blocks).
out=$SCRATCH/fsize.msnap
(ulimit -f 2048 && exec "$MEMSNAP" -p "$VICTIM_PID" -o "$out" --method buffer) \
	>/dev/null 2>"$SCRATCH/fsize.err"
rc=$?
[ "$rc" != $((128 + $(kill -l XFSZ))) ] ||
	fail "memsnap was killed by SIGXFSZ"
fo_failed_cleanly "$rc" "$SCRATCH/fsize.err" "$out" \
	"File too large.*partial snapshot left in $out.partial"
fo_partial_verifies "$out.partial" 1
assert_eq "$(stat -c %s "$out.partial")" $((2048 * 1024)) "size of the .partial"
ticker_alive

# The victim can still be captured completely where there is room.
capture "$SCRATCH/after.msnap" --layout-only
assert_running
