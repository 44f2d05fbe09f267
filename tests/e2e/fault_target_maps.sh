#!/bin/bash
# The address space changes while memsnap reads it (reliability C10): a
# thread maps, unmaps and mprotects small regions without pause.  Read live,
# memsnap records what it could not read as holes (exit 0 or 1, never 2),
# the snapshot verifies and memory that did not move is exact; frozen, the
# churn is stopped and the capture is complete.  Then 4000 mappings of
# alternating permissions: all listed, contents exact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_fault_target.sh"
require_tools
require_ptrace

# check_pattern SNAP NAME: NAME_addr/NAME_size captured as $SCRATCH/NAME.want.
check_pattern() {
	local snap=$1 name=$2
	extract "$snap" "$(victim_value "${name}_addr")" \
		"$(victim_value "${name}_size")" "$snap.$name"
	assert_same_bytes "$snap.$name" "$SCRATCH/$name.want" "$name"
}

start_victim "$SAMPLES/churn_maps" churn
want_patterns "$SCRATCH" stable
for i in 1; do
	snap=$SCRATCH/live$i.msnap
	capture_checked "live$i" "$snap" --no-freeze
	[ "$OUTCOME" != failed ] || fail "live capture of a churning victim failed"
	if [ "$OUTCOME" = partial ]; then
		# every hole has a reason
		manifest_get "$snap" '[e for e in doc["errors"] if not e.get("message")]' \
			>"$SCRATCH/noreason"
		[ ! -s "$SCRATCH/noreason" ] || fail "an error without a message"
	fi
	check_pattern "$snap" stable
done
capture_checked frozen "$SCRATCH/frozen.msnap"
assert_eq "$OUTCOME" complete "frozen capture of a churning victim"
check_pattern "$SCRATCH/frozen.msnap" stable
victim_signal USR2 ops
a=$(victim_value ops)
sleep 0.1
victim_signal USR2 ops
[ "$(victim_value ops)" -gt "$a" ] || fail "the churn stopped"
assert_untraced "$VICTIM_PID"

# Thousands of mappings (MAPS_COUNT, default 4000).
want=${MAPS_COUNT:-4000}   # 30000 works too; kept short for CI
[ "$(cat /proc/sys/vm/max_map_count)" -gt $((want + 1000)) ] ||
	skip "vm.max_map_count below $((want + 1000))"
start_victim "$SAMPLES/churn_maps" many "$want"
snap=$SCRATCH/many.msnap
capture_checked many "$snap"
assert_eq "$OUTCOME" complete "capture of $want mappings"
n=$($JSON_GET "$SCRATCH/mget.json" 'len(doc["regions"])')   # info of check_outcome
[ "$n" -ge "$want" ] || fail "$n regions, expected at least $want"
maps=$(wc -l <"/proc/$VICTIM_PID/maps")
log "$n regions captured, $maps lines in maps"
# 64 pages from the middle, across 64 mappings
page=$(victim_value page_size)
off=$((want / 2 * page))
extract "$snap" $(($(victim_value many_addr) + off)) $((64 * page)) "$SCRATCH/mid"
$PATTERN gen "$(victim_value many_seed)" "$off" $((64 * page)) >"$SCRATCH/mid.want"
assert_same_bytes "$SCRATCH/mid" "$SCRATCH/mid.want" "64 of the $want mappings"
assert_running
assert_untraced "$VICTIM_PID"
