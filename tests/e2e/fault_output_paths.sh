#!/bin/bash
# Output paths that capture_errors.sh and capture_mode_0600.sh do not try:
# the final name as a hard link or a FIFO (a directory is written into);
# FILE.partial planted
# beforehand as a symlink, a dangling symlink, a hard link or a FIFO; the
# output directory itself a symbolic link.  Each is refused (exit 2, a
# message, no hang on a FIFO), nothing that was there is changed, nothing
# is created through a link, and the victim runs on.  With umask 000 the
# capture that does go ahead is still 0600.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_fault_output.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/heap_writer"
precious=$SCRATCH/precious
echo "evidence of someone else" >"$precious"
chmod 0644 "$precious"
before=$(stat -c '%a %s %Y' "$precious"; sha256sum <"$precious")

# refused WHAT ERE OUT: memsnap -o OUT exits 2 with a message matching ERE
# within 20 s (a FIFO must not be opened), precious unchanged.
refused() {
	local what=$1 ere=$2 out=$3
	assert_exit 2 timeout 20 "$MEMSNAP" -p "$VICTIM_PID" -o "$out"
	assert_matches "$SCRATCH/last.err" "^memsnap: .*($ere)"
	log "$what: $(grep -m1 '^memsnap: ' "$SCRATCH/last.err")"
	assert_eq "$(stat -c '%a %s %Y' "$precious"; sha256sum <"$precious")" \
		"$before" "$what: the file already there"
	assert_running
}

out=$SCRATCH/snap.msnap

# The final name is taken by a hard link, a FIFO, a directory.
ln "$precious" "$out"
refused "hard link" "exists" "$out"
rm -f "$out"
mkfifo "$out"
refused "FIFO" "exists" "$out"
[ -p "$out" ] || fail "the FIFO was replaced"
rm -f "$out"
# A directory as the name is where the snapshot goes, named as responders
# name evidence: DIR/COMM-PID-UTCTIME.msnap, 0600; nothing else changes.
mkdir "$out"
assert_exit 0 timeout 20 "$MEMSNAP" -q -p "$VICTIM_PID" -o "$out"
named=$(find "$out" -mindepth 1)
case $named in
"$out"/heap_writer-"$VICTIM_PID"-[0-9]*T[0-9]*Z.msnap) ;;
*) fail "-o DIR wrote '$named', not DIR/heap_writer-$VICTIM_PID-UTCTIME.msnap" ;;
esac
assert_eq "$(stat -c %a "$named")" 600 "mode of $named"
assert_exit 0 "$ANALYZE" verify --quick "$named"
rm -f "$named"
rmdir "$out" || fail "memsnap left more than the snapshot in $out"
assert_running

# FILE.partial planted before the capture.
ln -s "$precious" "$out.partial"
refused ".partial symlink" "partial output file exists" "$out"
[ -L "$out.partial" ] || fail "the planted .partial symlink was replaced"
rm -f "$out.partial"
ln -s "$SCRATCH/planted-target" "$out.partial"
refused ".partial dangling symlink" "partial output file exists" "$out"
[ ! -e "$SCRATCH/planted-target" ] ||
	fail "memsnap created the dangling .partial symlink's target"
rm -f "$out.partial"
ln "$precious" "$out.partial"
refused ".partial hard link" "partial output file exists" "$out"
rm -f "$out.partial"
mkfifo "$out.partial"
refused ".partial FIFO" "partial output file exists" "$out"
rm -f "$out.partial"
fo_no_final "$out"

# The output directory is a symbolic link: refused, nothing in the real one.
mkdir "$SCRATCH/real"
ln -s "$SCRATCH/real" "$SCRATCH/linkdir"
refused "symlinked directory" "directory of .* is a symbolic link" \
	"$SCRATCH/linkdir/snap.msnap"
[ -z "$(ls -A "$SCRATCH/real")" ] || fail "files created in the real directory"
# ... but a symbolic link earlier in the path is followed.
capture "$SCRATCH/linkdir/../real/snap.msnap"
[ -f "$SCRATCH/real/snap.msnap" ] || fail "no snapshot in the real directory"

# umask 000: still 0600, and nothing else appears next to it.
(umask 000 && exec "$MEMSNAP" -q -p "$VICTIM_PID" -o "$SCRATCH/real/u.msnap") ||
	fail "capture with umask 000 failed"
assert_eq "$(stat -c %a "$SCRATCH/real/u.msnap")" 600 "mode with umask 000"
assert_eq "$(ls -A "$SCRATCH/real" | tr '\n' ' ')" "snap.msnap u.msnap " \
	"files in the output directory"
assert_running
