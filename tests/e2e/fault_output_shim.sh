#!/bin/bash
# Injected output faults (fault_io_shim.c, LD_PRELOAD, in the style of
# CRIU's libfault) on the dynamic memsnap.  Short writes, EINTR and EAGAIN
# must make no difference: a snapshot that verifies, with the same regions,
# page counts, stored size and buffer bytes as a clean run.
# EIO, ENOSPC, EDQUOT, a failing fsync or rename are fatal: exit 2, a message naming
# the error, no final name, the victim running, and the .partial left
# verifies for what it holds.  renameat2 without RENAME_NOREPLACE (EINVAL)
# falls back to link + unlink and succeeds; without O_TMPFILE, FILE.partial
# is created at once and all ends the same.  A signal that comes before the
# commit stops the capture (130, no final name); one that comes during the
# rename is held, and the capture ends with 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_fault_output.sh"
require_tools
require_ptrace
command -v zstd >/dev/null || fail "zstd is not installed"
file "$MEMSNAP" 2>/dev/null | grep -q 'statically linked' &&
	fail "$MEMSNAP is static: LD_PRELOAD cannot reach it"
fo_build_shim

start_victim "$SAMPLES/heap_writer"

# memory WHAT SNAP: what the snapshot holds: every region with its page
# counts, how many bytes are stored in all, and the victim's four buffers
# byte for byte.  (Not every stored byte: the victim's libc keeps a few
# bytes of thread state that a freeze may change.)
memory() {
	local k
	info_json "$2" "$SCRATCH/$1.json"
	$JSON_GET "$SCRATCH/$1.json" \
		'[(r["start"], r["end"], r["perms"], r["data"], r["zero"], r["absent"], r["unreadable"]) for r in doc["regions"]]' \
		>"$SCRATCH/$1.mem"
	zstd -dc <"$2" | wc -c >>"$SCRATCH/$1.mem"
	for ((k = 0; k < $(victim_value buffers); k++)); do
		rm -f "$SCRATCH/$1.buf"
		extract "$2" "$(victim_value "buf${k}_addr")" \
			"$(victim_value "buf${k}_size")" "$SCRATCH/$1.buf"
		sha256sum <"$SCRATCH/$1.buf" >>"$SCRATCH/$1.mem"
	done
}

# shimmed MODE OUT: memsnap -o OUT $SHIM_OPTS under the shim (standard
# output to $SCRATCH/MODE.out, or to $SCRATCH/MODE-pipe.msnap through a pipe
# when OUT is -); status in RC.
shimmed() {
	local mode=$1 out=$2
	rm -f "$SCRATCH/shim.log"
	# shellcheck disable=SC2086
	set -- env LD_PRELOAD="$FO_SHIM" FAULT_IO="$mode" \
		FAULT_IO_LOG="$SCRATCH/shim.log" \
		"$MEMSNAP" -p "$VICTIM_PID" -o "$out" ${SHIM_OPTS:-}
	if [ "$out" = - ]; then
		set -o pipefail
		"$@" 2>"$SCRATCH/$mode.err" | cat >"$SCRATCH/$mode-pipe.msnap"
		RC=$?
		set +o pipefail
	else
		"$@" >"$SCRATCH/$mode.out" 2>"$SCRATCH/$mode.err"
		RC=$?
	fi
	# the shim must have acted, or the case proves nothing
	grep -q "^$mode injected=[1-9]" "$SCRATCH/shim.log" 2>/dev/null || {
		cat "$SCRATCH/shim.log" 2>/dev/null
		fail "the shim injected no $mode fault"
	}
	log "$mode$([ "$out" != - ] || echo ' (pipe)'): $(cat "$SCRATCH/shim.log")"
}

capture "$SCRATCH/clean.msnap"
memory clean "$SCRATCH/clean.msnap"

# Harmless faults: same content, to a file and to a pipe.
for mode in short eintr eagain; do
	out=$SCRATCH/$mode.msnap
	shimmed "$mode" "$out"
	[ "$RC" = 0 ] || { cat "$SCRATCH/$mode.err"; fail "$mode: exit $RC"; }
	check_sha256_line "$SCRATCH/$mode.err" "$out" "$out"
	assert_exit 0 "$ANALYZE" verify "$out"
	memory "$mode" "$out"
	diff -u "$SCRATCH/clean.mem" "$SCRATCH/$mode.mem" ||
		fail "$mode: what is stored differs from the clean capture"
	assert_running
done
for mode in short eagain; do
	out=$SCRATCH/$mode-pipe.msnap
	shimmed "$mode" -
	assert_eq "$RC" 0 "$mode on a pipe: exit status of memsnap -o - | cat"
	check_sha256_line "$SCRATCH/$mode.err" - "$out"
	assert_exit 0 "$ANALYZE" verify "$out"
	memory "$mode-pipe" "$out"
	diff -u "$SCRATCH/clean.mem" "$SCRATCH/$mode-pipe.mem" ||
		fail "$mode on a pipe: what is stored differs from the clean capture"
done

# Fatal faults.  fatal MODE ERE VERIFY: exit 2 naming ERE, no final file,
# a .partial that verifies with status VERIFY (1 cut short, 0 complete).
fatal() {
	local mode=$1 ere=$2 want=$3 out=$SCRATCH/$1.msnap
	shimmed "$mode" "$out"
	fo_failed_cleanly "$RC" "$SCRATCH/$mode.err" "$out" "$ere"
	[ -f "$out.partial" ] || fail "$mode: no $out.partial left"
	assert_matches "$SCRATCH/$mode.err" "partial snapshot left in .*$mode.msnap.partial"
	fo_partial_verifies "$out.partial" "$want"
}
# After the freeze (--method buffer writes everything then): the .partial
# holds what was written.
export FAULT_IO_AFTER=300000
SHIM_OPTS="--method buffer"
fatal eio "Input/output error" 1
fatal enospc "No space left on device" 1
fatal edquot "Disk quota exceeded" 1
SHIM_OPTS=

# During the pre-copy (the default), before the target is stopped: nothing
# of the frozen instant exists yet, so nothing is left, not even a name.
mode=eio
shimmed "$mode" "$SCRATCH/pre.msnap"
fo_failed_cleanly "$RC" "$SCRATCH/$mode.err" "$SCRATCH/pre.msnap" "Input/output error"
[ ! -e "$SCRATCH/pre.msnap.partial" ] ||
	fail "a capture that failed before the freeze left $SCRATCH/pre.msnap.partial"
unset FAULT_IO_AFTER
# complete but not synced (fsync) or not renamed: never under the final name
fatal fsync "cannot sync .*fsync.msnap.partial.*Input/output error" 0
fatal rename "cannot rename .*Input/output error" 0
fatal fsync_dir "cannot sync the directory .*Input/output error.*renamed back" 0

# succeeded MODE: memsnap -o MODE.msnap under the shim ends complete: exit
# 0, the sha256 line, a 0600 file that verifies, no .partial left.
succeeded() {
	local mode=$1 out=$SCRATCH/$1.msnap
	shimmed "$mode" "$out"
	[ "$RC" = 0 ] || { cat "$SCRATCH/$mode.err"; fail "$mode: exit $RC"; }
	check_sha256_line "$SCRATCH/$mode.err" "$out" "$out"
	assert_exit 0 "$ANALYZE" verify "$out"
	[ ! -e "$out.partial" ] || fail "$mode: $out.partial left behind"
	assert_eq "$(stat -c %a "$out")" 600 "$mode: mode of the snapshot"
	assert_running
}

# No RENAME_NOREPLACE on this file system: link + unlink, still no replace.
succeeded rename_einval
# A file system without O_TMPFILE: FILE.partial from the start, same end.
succeeded no_tmpfile

# SIGINT while the complete file is synced: interrupted, never renamed.
out=$SCRATCH/sig_fsync.msnap
shimmed sig_fsync "$out"
assert_eq "$RC" 130 "exit status after SIGINT before the commit"
assert_matches "$SCRATCH/sig_fsync.err" "^memsnap: interrupted by SIGINT"
fo_no_final "$out"
fo_partial_verifies "$out.partial" 0
# SIGTERM during the rename: held; the capture is complete and says so.
succeeded sig_rename
