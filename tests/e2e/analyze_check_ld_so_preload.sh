#!/bin/bash
# /etc/ld.so.preload as the target sees it: the victim runs in a mount
# namespace whose /etc (a tmpfs of links to the real one) has an
# ld.so.preload, a symlink to /etc/preload.real, naming an interposer.
# The host has no such file, so memsnap can only find it by resolving the
# path inside the target's root (RESOLVE_IN_ROOT), the symlink included.
# check reports ld_so_preload (medium) naming the library, and does not
# call that library injected.
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace
command -v unshare >/dev/null || skip "unshare(1) not installed"
[ ! -e /etc/preload.real ] || fail "the host has an /etc/preload.real"

lib=$SCRATCH/libpreload_hook.so
cc -x c -shared -fPIC -O1 -o "$lib" "$SAMPLES/preload_lib.c.in" ||
	fail "cannot build the interposer"
cat >"$SCRATCH/ns.sh" <<NS
set -e
mkdir -p "$SCRATCH/hostetc"
mount --bind /etc "$SCRATCH/hostetc"
mount -t tmpfs -o mode=755 tmpfs /etc
for f in "$SCRATCH"/hostetc/* "$SCRATCH"/hostetc/.[!.]*; do
	[ -e "\$f" ] && ln -s "\$f" /etc/
done
echo "$lib" >/etc/preload.real
ln -sf /etc/preload.real /etc/ld.so.preload
exec "$SAMPLES/preload_victim"
NS
unshare --mount --propagation private true 2>/dev/null ||
	skip "no mount namespaces here"
start_victim unshare --mount --propagation private sh "$SCRATCH/ns.sh"
assert_eq "$(victim_value getppid_result)" 5151 "the preloaded interposer is live"
[ ! -e /etc/preload.real ] || fail "the namespace leaked into the host"
snap=$SCRATCH/preload.msnap
capture "$snap"

assert_exit 1 "$ANALYZE" check --format json "$snap"
report=$SCRATCH/report.json
cp "$SCRATCH/last.out" "$report"
$EXPECT "$report" find ld_so_preload severity=medium "target~$lib" \
	'evidence~1 loaded here' || fail "no ld_so_preload finding"
$EXPECT "$report" none ld_preload || fail "LD_PRELOAD was not set"
$EXPECT "$report" none injected_library ||
	fail "a library named by ld.so.preload called injected"
$EXPECT "$report" find preload_interposition severity=info \
	'module$/preload_victim' symbol=getppid 'target^libpreload_hook.so+0x' ||
	fail "the interposed GOT slot is not named"
$EXPECT "$report" max medium || fail "more than medium for a verified preload"

# Without the file, nothing: the same victim in the host's namespace.
start_victim "$SAMPLES/preload_victim"
capture "$SCRATCH/plain.msnap"
"$ANALYZE" check --format json "$SCRATCH/plain.msnap" >"$SCRATCH/plain.json"
$EXPECT "$SCRATCH/plain.json" none ld_so_preload ||
	fail "ld_so_preload reported for a process without one"
log "ld.so.preload found inside the target's root"
