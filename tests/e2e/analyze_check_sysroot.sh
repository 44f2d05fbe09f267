#!/bin/bash
# check --sysroot DIR --no-host takes references only from inside DIR, as
# if DIR were /: libc copied into the sysroot is used (its code compared),
# modules missing there are reference_unavailable (never "patched"), and a
# symbolic link in the sysroot pointing at an absolute path is resolved
# inside the sysroot, not on this machine.
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace

start_victim "$SAMPLES/heap_writer"
snap=$SCRATCH/hw.msnap
capture "$snap"
libc=$(awk '$6 ~ /\/libc\.so\.6$/ { print $6; exit }' "/proc/$VICTIM_PID/maps")
[ -n "$libc" ] || fail "no libc in the victim's maps"
ldso=$(awk '$6 ~ /\/ld-linux-x86-64\.so\.2$/ { print $6; exit }' "/proc/$VICTIM_PID/maps")
root=$SCRATCH/sysroot
mkdir -p "$root$(dirname "$libc")" "$root/real" "$root$(dirname "$ldso")" ||
	fail "mkdir"
cp "$libc" "$root$libc" || fail "cp libc"
# ld.so through an absolute link: good only if resolved inside the root.
cp "$ldso" "$root/real/ld.so" || fail "cp ld.so"
ln -sf /real/ld.so "$root$ldso"

"$ANALYZE" check --sysroot "$root" --no-host --format json "$snap" \
	>"$SCRATCH/report.json"
report=$SCRATCH/report.json
unavailable() {
	$JSON_GET "$report" "sorted(f['module'] for f in doc['findings']
		if f['type'] == 'reference_unavailable')"
}
missing=$(unavailable)
log "without a reference: $missing"
grep -qx "$SAMPLES/heap_writer" <<<"$missing" ||
	fail "the program is not in the sysroot: reference_unavailable expected"
! grep -qx "$libc" <<<"$missing" || fail "libc in the sysroot was not used"
! grep -qx "$ldso" <<<"$missing" ||
	fail "ld.so behind an absolute link in the sysroot was not used"
$EXPECT "$report" none code_patch || fail "a patch in a clean process"
# Without the program's reference the DT_NEEDED closure is unknown: libc
# is unexplained (low), never "injected".
$EXPECT "$report" none injected_library || fail "injected_library on a partial closure"
$EXPECT "$report" max low || fail "more than low for a clean process"
"$ANALYZE" check --sysroot "$root" --no-host "$snap" >"$SCRATCH/report.txt"
libc_bytes=$(stat -c %s "$libc")
assert_matches "$SCRATCH/report.txt" "^modules: [2-9] checked"

# The same link pointing at the host's real ld.so path must not reach it.
rm "$root$ldso" "$root/real/ld.so"
ln -sf "$ldso" "$root$ldso"
"$ANALYZE" check --sysroot "$root" --no-host --format json "$snap" \
	>"$report"
unavailable | grep -qx "$ldso" ||
	fail "a sysroot link led to this machine's $ldso"
log "sysroot references resolved inside $root (libc $libc_bytes bytes)"
