#!/bin/bash
# A target in its own PID and mount namespaces (reliability C18), captured
# by its host pid: complete, verified, memory exact, the victim running
# afterwards; the manifest records its pid inside the namespace (nspid)
# and pid/mnt namespace ids that differ from memsnap's own.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_fault_target.sh"
require_tools
require_ptrace
unshare --pid --mount --fork --mount-proc true 2>/dev/null ||
	skip "cannot create PID and mount namespaces (unshare)"

start_victim unshare --pid --mount --fork --mount-proc \
	"$SAMPLES/churn_exit" 1M
outer=$VICTIM_PID
VICTIM_PID=$(cat "/proc/$outer/task/$outer/children")
VICTIM_PID=${VICTIM_PID%% *}
[ -n "$VICTIM_PID" ] || fail "unshare has no child"
VICTIM_PIDS+=("$VICTIM_PID")
inner=$(victim_value pid)    # getpid() inside the namespace
assert_eq "$inner" 1 "the victim's own pid"

snap=$SCRATCH/ns.msnap
capture_checked ns "$snap"
assert_eq "$OUTCOME" complete "capture of a namespaced victim"
assert_running
extract "$snap" "$(victim_value mem_addr)" 4096 "$SCRATCH/mem.got"
dd if="/proc/$VICTIM_PID/mem" bs=4096 count=1 status=none \
	skip=$(($(victim_value mem_addr) / 4096)) of="$SCRATCH/mem.want" ||
	fail "cannot read the victim's memory directly"
assert_same_bytes "$SCRATCH/mem.got" "$SCRATCH/mem.want" "first page of mem"

manifest_check "$snap" "
p = doc['process']
fact(p.get('nspid') == [$VICTIM_PID, $inner], 'nspid %s' % p.get('nspid'))
ns = p.get('namespaces', {})
for kind in ('pid', 'mnt'):
    mine = '$(readlink /proc/self/ns/pid)' if kind == 'pid' else '$(readlink /proc/self/ns/mnt)'
    fact(ns.get(kind, '').startswith(kind + ':[') and ns.get(kind) != mine,
         '%s namespace %s, memsnap in %s' % (kind, ns.get(kind), mine))
fact(ns.get('net') == '$(readlink /proc/self/ns/net)', 'net namespace shared')
"
