#!/bin/bash
# Capture many_threads (a spinning thread and threads waiting in five
# different ways): the snapshot lists every thread with its tid and name,
# with registers, and afterwards every thread runs as before.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

nworkers=8
start_victim "$SAMPLES/many_threads" "$nworkers"
snap=$SCRATCH/threads.msnap
capture "$snap"
assert_running
assert_exit 0 "$ANALYZE" verify "$snap"

info_json "$snap" "$SCRATCH/info.json"
j() { $JSON_GET "$SCRATCH/info.json" "$1"; }

assert_eq "$(j 'len(doc["threads"])')" "$(victim_value threads)" \
	"number of threads"
assert_eq "$(j 'doc["threads_count"]')" "$(victim_value threads)" \
	"threads_count"

# tid -> name pairs, sorted, as the victim announced them and as captured.
{
	echo "$(victim_value main_tid) many_threads"
	for ((k = 0; k < nworkers; k++)); do
		echo "$(victim_value "worker${k}_tid") $(victim_value "worker${k}_name")"
	done
} | sort >"$SCRATCH/threads.want"
j '["%d %s" % (t["tid"], t["name"]) for t in doc["threads"]]' |
	sort >"$SCRATCH/threads.got"
diff -u "$SCRATCH/threads.want" "$SCRATCH/threads.got" ||
	fail "captured threads differ from the victim's"

# Every frozen thread had its registers read.
nregs=$(j 'len([t for t in doc["threads"] if t.get("rip") and t.get("rsp")])')
assert_eq "$nregs" "$(victim_value threads)" "threads with rip and rsp"

# ... and they are plausible: every instruction pointer lies in an
# executable mapping of the capture.
"$ANALYZE" info --list-regions --format json "$snap" >"$SCRATCH/regions.json" ||
	fail "info --list-regions failed"
bad=$(python3 - "$SCRATCH/info.json" "$SCRATCH/regions.json" <<'PY'
import json, sys
threads = json.load(open(sys.argv[1]))["threads"]
regions = json.load(open(sys.argv[2]))["regions"]
ex = [(int(r["start"], 16), int(r["end"], 16)) for r in regions if "x" in r["perms"]]
print(" ".join(str(t["tid"]) for t in threads
               if not any(s <= int(t["rip"], 16) < e for s, e in ex)))
PY
)
[ -z "$bad" ] || fail "instruction pointer outside executable memory for tids: $bad"

# The spinner was running before the freeze and is running after it.
spin_tid=$(victim_value worker0_tid)
assert_eq "$(j "[t['state'] for t in doc['threads'] if t['tid'] == $spin_tid][0]")" \
	R "state of the spinning thread"
a=$(cut -d' ' -f14 "/proc/$VICTIM_PID/task/$spin_tid/stat")
sleep 0.3
b=$(cut -d' ' -f14 "/proc/$VICTIM_PID/task/$spin_tid/stat")
[ "$b" -gt "$a" ] || fail "spinning thread uses no CPU after the capture"

# A thread started after the first capture shows up in the next one.
victim_signal USR1 late0_tid
capture "$SCRATCH/threads2.msnap"
info_json "$SCRATCH/threads2.msnap" "$SCRATCH/info2.json"
late=$(victim_value late0_tid)
assert_eq "$($JSON_GET "$SCRATCH/info2.json" \
	"[t['name'] for t in doc['threads'] if t['tid'] == $late][0]")" \
	late-0 "name of the late thread"
assert_eq "$($JSON_GET "$SCRATCH/info2.json" 'len(doc["threads"])')" \
	"$(victim_value threads)" "number of threads after SIGUSR1"
assert_running
