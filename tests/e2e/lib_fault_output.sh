# tests/e2e/lib_fault_output.sh - helpers for the fault_output_* tests
# (output and operator faults).  Source it after lib.sh.

FO_MOUNTS=()

# Unmount what fo_mount_tmpfs mounted, then lib.sh's cleanup (same status).
_fo_cleanup() {
	local rc=$? m
	for m in "${FO_MOUNTS[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	(exit "$rc")
	_e2e_cleanup
}
trap _fo_cleanup EXIT

# fo_mount_tmpfs DIR OPTIONS: a small tmpfs at DIR (skips the test when
# this user may not mount).
fo_mount_tmpfs() {
	mkdir -p "$1" || fail "mkdir $1"
	mount -t tmpfs -o "$2" memsnap-test "$1" 2>"$SCRATCH/mount.err" ||
		skip "cannot mount a tmpfs (needs CAP_SYS_ADMIN): $(cat "$SCRATCH/mount.err")"
	FO_MOUNTS+=("$1")
}

# fo_build_shim: compile fault_io_shim.c into $SCRATCH; sets FO_SHIM.
fo_build_shim() {
	FO_SHIM=$SCRATCH/fault_io_shim.so
	cc -shared -fPIC -O1 -Wall -Werror -o "$FO_SHIM" "$E2E/fault_io_shim.c" \
		-ldl 2>"$SCRATCH/shim.err" || {
		cat "$SCRATCH/shim.err"
		fail "cannot build fault_io_shim.c"
	}
}

# fo_no_final OUT: no file under the final name.
fo_no_final() {
	[ ! -e "$1" ] && [ ! -L "$1" ] || fail "$1 exists after a failed capture"
}

# fo_partial_verifies FILE [WANT]: FILE (if present) verifies as complete
# (0) or cut short (1), never as an error (2) or a crash; with WANT, that
# status exactly.  Sets FO_VERIFY_RC ("none" when there is no FILE).
fo_partial_verifies() {
	FO_VERIFY_RC=none
	[ -e "$1" ] || return 0
	"$ANALYZE" verify "$1" >"$SCRATCH/verify.out" 2>"$SCRATCH/verify.err"
	FO_VERIFY_RC=$?
	case $FO_VERIFY_RC in
	0 | 1) ;;
	*)
		tail -n 5 "$SCRATCH/verify.err"
		fail "verify $1 exited $FO_VERIFY_RC (size $(stat -c %s "$1"))"
		;;
	esac
	[ -z "${2:-}" ] || assert_eq "$FO_VERIFY_RC" "$2" "verify $1"
}

# fo_failed_cleanly RC ERRFILE OUT ERE: memsnap exited 2 with a "memsnap:"
# line matching ERE, no final file, and the victim runs untraced.
fo_failed_cleanly() {
	if [ "$1" != 2 ]; then
		tail -n 5 "$2"
		fail "memsnap exited $1, expected 2"
	fi
	assert_matches "$2" "^memsnap: .*($4)"
	log "$(grep -m1 '^memsnap: ' "$2")"
	fo_no_final "$3"
	assert_running
}
