#!/bin/bash
# Output problems that can be known in advance are refused BEFORE the
# target is frozen: a missing directory, a read-only file system, a
# directory this user may not write to, and a file system with less free
# space than present/16 + 1 MiB (--no-space-check overrides that).  Each
# refusal exits 2 with a message saying what is wrong, leaves no file, and
# runs under strace -f -e trace=ptrace: no PTRACE_SEIZE may appear (the same
# strace on a capture that goes ahead must show one, or the check proves
# nothing).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_fault_output.sh"
require_tools
require_ptrace
command -v strace >/dev/null || fail "strace is not installed"

start_victim "$SAMPLES/big_victim" 32M

# traced_run NAME [PREFIX...] -- MEMSNAP_ARGS...: memsnap under strace;
# status in RC, its stderr in $SCRATCH/NAME.err, the ptrace calls it made
# in $SCRATCH/NAME.ptrace.
traced_run() {
	local name=$1 pre=()
	shift
	while [ "$1" != -- ]; do pre+=("$1"); shift; done
	shift
	strace -f -qq -e trace=ptrace -o "$SCRATCH/$name.ptrace" \
		"${pre[@]}" "$MEMSNAP" "$@" >/dev/null 2>"$SCRATCH/$name.err"
	RC=$?
}

# refused NAME ERE OUT [PREFIX...] -- ARGS...: exit 2 naming ERE, no file at
# OUT or OUT.partial, never seized, the victim running.
refused() {
	local name=$1 ere=$2 out=$3
	shift 3
	traced_run "$name" "$@"
	fo_failed_cleanly "$RC" "$SCRATCH/$name.err" "$out" "$ere"
	[ ! -e "$out.partial" ] || fail "$name: $out.partial left behind"
	! grep -q PTRACE_SEIZE "$SCRATCH/$name.ptrace" || {
		grep -m3 PTRACE "$SCRATCH/$name.ptrace"
		fail "$name: refused only after seizing the target"
	}
}

# The control: a capture that goes ahead seizes the target under strace.
traced_run control -- -p "$VICTIM_PID" -o "$SCRATCH/control.msnap" --layout-only
assert_eq "$RC" 0 "exit status of the control capture under strace"
grep -q "PTRACE_SEIZE, $VICTIM_PID" "$SCRATCH/control.ptrace" ||
	fail "strace saw no PTRACE_SEIZE of the victim in a real capture"

# A directory that does not exist.
out=$SCRATCH/no/such/dir/snap.msnap
refused missing "directory of .*No such file or directory" "$out" -- \
	-p "$VICTIM_PID" -o "$out"

# A read-only file system.
ro=$SCRATCH/ro
fo_mount_tmpfs "$ro" size=1m,ro
refused readonly "Read-only file system" "$ro/snap.msnap" -- \
	-p "$VICTIM_PID" -o "$ro/snap.msnap"

# Too little free space: 32 MiB of memory needs at least 3 MiB; the tmpfs
# has 2.  A smaller process fits, so the check is by size, not blanket.
small=$SCRATCH/small
fo_mount_tmpfs "$small" size=2m,mode=0700
refused space "not enough free space for $small/snap.msnap.*--no-space-check" \
	"$small/snap.msnap" -- -p "$VICTIM_PID" -o "$small/snap.msnap"
big_pid=$VICTIM_PID
start_victim "$SAMPLES/heap_writer"
capture "$small/heap.msnap"
rm -f "$small/heap.msnap"
VICTIM_PID=$big_pid
# --no-space-check goes ahead, and meets ENOSPC (exit 2) instead.
"$MEMSNAP" -p "$VICTIM_PID" -o "$small/snap.msnap" --no-space-check \
	>/dev/null 2>"$SCRATCH/override.err"
fo_failed_cleanly $? "$SCRATCH/override.err" "$small/snap.msnap" \
	"No space left on device"
fo_partial_verifies "$small/snap.msnap.partial" 1

# A directory this user may not write to (as an unprivileged user: root
# writes anywhere).  The victim runs as that user too.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	start_victim "${as_nobody[@]}" "$SAMPLES/heap_writer"
	locked=$SCRATCH/locked
	mkdir -m 0755 "$locked" || fail "mkdir $locked"
	chmod 0711 "$SCRATCH"   # nobody may pass through, not write
	refused unwritable "cannot create .*Permission denied" \
		"$locked/snap.msnap" "${as_nobody[@]}" -- \
		-p "$VICTIM_PID" -o "$locked/snap.msnap"
	# and as nobody, where it may write, the capture works
	open=$SCRATCH/open
	mkdir -m 0777 "$open" || fail "mkdir $open"
	traced_run nobody "${as_nobody[@]}" -- -p "$VICTIM_PID" \
		-o "$open/snap.msnap"
	assert_eq "$RC" 0 "exit status of a capture as nobody"
else
	log "not root: the unwritable-directory case needs a second user; not run"
fi
assert_running "$big_pid"
