#!/bin/bash
# Someone SIGKILLs the fork child while memsnap reads it: the pages not yet
# read are unreadable, the manifest's errors say why (what: cow, ESRCH),
# the capture is partial (exit 1) and verifies; the child is still reaped
# (nothing left behind) and the target runs on untraced, with no SIGCHLD.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_fault_target.sh"
. "$E2E/lib_cow.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/cow_victim" busy 256
before=$(report)
snap=$SCRATCH/killed.msnap
start_capture read "$snap" --cow --level 19 --threads 1
n=0
until [ -n "$(children_of "$VICTIM_PID")" ] && [ "$(tracer_of "$VICTIM_PID")" = 0 ]; do
	kill -0 "$CAP_PID" 2>/dev/null || fail "memsnap ended before the child was read"
	[ $n -lt 6000 ] || fail "no child seen after 60 s"
	sleep 0.01
	n=$((n + 1))
done
child=$(children_of "$VICTIM_PID")
child=${child%%:*}
kill -KILL "$child"
wait_exit "$CAP_PID" 120
assert_eq "$WAIT_RC" 1 "memsnap's exit status (partial)"
assert_contains "$SCRATCH/read.err" "could not be read"
assert_exit 0 "$ANALYZE" verify "$snap"
manifest_check "$snap" '
cow = [e for e in doc["errors"] if e["what"] == "cow"]
fact(len(cow) >= 1, "an errors entry with what: cow")
fact(all(e.get("errno") == 3 and "died" in e["message"] for e in cow),
     "ESRCH, the child died: %s" % [e["message"] for e in cow])
unread = sum(r["pages"]["unreadable"] for r in doc["regions"])
fact(unread > 0, "unreadable pages: %d" % unread)
fact(doc["capture"]["complete"] is False, "capture.complete is false")
fact(doc["intervention"]["left_behind"] == "nothing",
     "left behind: %s" % doc["intervention"]["left_behind"])
'
assert_running
assert_no_child
assert_eq "$(report)" "$before" "the victim's report"
log "child killed while read: partial, errors say so, nothing left behind"
