#!/bin/bash
# After a --cow capture the target is as before: running, untraced, no
# child left (not even a zombie), no SIGCHLD received (cow_victim counts
# them), the same signal mask and pending signals (its own report), and
# the same registers: the threads of the --cow manifest (the first freeze,
# the instant) equal those of default-mode captures before and after it.
# The manifest records the intervention: the clone and the wait4, into
# which thread, and nothing left behind; the reap's freeze comes after the
# thaw and does not replace the capture's times.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_fault_target.sh"
. "$E2E/lib_cow.sh"
require_tools
require_ptrace

# threads_view SNAP OUT: the threads' tid, registers, masks (raw manifest).
threads_view() {
	raw_manifest "$1" "$SCRATCH/m.yaml"
	python3 - "$SCRATCH/m.yaml" >"$2" <<'PY' || fail "threads of $1"
import json, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
out = []
for t in doc["threads"]:
    out.append({k: t.get(k) for k in ("tid", "regs", "sigmask", "sigpending",
                                      "fs_base", "gs_base")})
print(json.dumps(out, sort_keys=True, indent=1))
PY
}

start_victim "$SAMPLES/cow_victim" idle
before=$(report)
log "before: $before"
capture "$SCRATCH/before.msnap"
capture "$SCRATCH/cow.msnap" --cow
capture "$SCRATCH/after.msnap"
assert_running
assert_no_child
assert_eq "$(report)" "$before" "the victim's report after --cow"

for s in before cow after; do
	threads_view "$SCRATCH/$s.msnap" "$SCRATCH/$s.threads"
done
grep -q '"rip"' "$SCRATCH/cow.threads" || fail "no registers in the --cow manifest"
cmp -s "$SCRATCH/before.threads" "$SCRATCH/cow.threads" || {
	diff "$SCRATCH/before.threads" "$SCRATCH/cow.threads"
	fail "the --cow manifest's threads differ from a default capture's"
}
cmp -s "$SCRATCH/before.threads" "$SCRATCH/after.threads" || {
	diff "$SCRATCH/before.threads" "$SCRATCH/after.threads"
	fail "registers or masks changed across the --cow capture"
}
log "registers, sigmask and sigpending: the same before, in and after --cow"

manifest_check "$SCRATCH/cow.msnap" '
cap = doc["capture"]
iv = doc["intervention"]
fact(cap["mode"] == "cow" and cap["method"] == "cow", "mode and method cow")
fact(iv["mode"] == "cow", "intervention.mode cow")
fact(iv["left_behind"] == "nothing", "nothing left behind: %s" % iv["left_behind"])
calls = [c["syscall"] for c in iv["injected"]]
fact(calls == ["clone", "wait4"], "injected clone then wait4: %s" % calls)
tids = [t["tid"] for t in doc["threads"]]
fact(all(c["thread"] in tids for c in iv["injected"]), "into a thread of the target")
fact(iv["injected"][0]["result"] > 0, "the clone made a child")
fact(cap["frozen_at"] < iv["injected"][0]["at"] < cap["thawed_at"],
     "the clone ran inside the capture freeze")
fact(cap["thawed_at"] < iv["injected"][1]["at"],
     "the reap came after the thaw: thawed_at is of the first freeze")
fact(cap["cow"]["pages_from_child"] > 0, "pages read from the child")
fact(cap["cow"]["regions_copied_frozen"] >= 4,
     "shared, dontfork, wipeonfork and memfd regions copied frozen: %d"
     % cap["cow"]["regions_copied_frozen"])
fact("reap_frozen_ns" in cap["cow"], "the reap freeze is measured apart")
'

# A busy victim (its writer thread may be the one injected into).
kill -KILL "$VICTIM_PID"
start_victim "$SAMPLES/cow_victim" busy
before=$(report)
capture "$SCRATCH/busy.msnap" --cow
assert_running
assert_no_child
assert_eq "$(report)" "$before" "the busy victim's report after --cow"
log "busy victim: running, no child, no SIGCHLD, same mask and pending"
