#!/bin/bash
# --cow: memory that the fork child does not hold as it was at the instant
# is copied from the target while frozen.  cow_victim's writer thread keeps
# stamping five regions in order: MAP_SHARED anon (the child would show
# later stamps), MADV_DONTFORK (absent in the child), MADV_WIPEONFORK (zero
# in the child), plain private anon (read from the child) and a memfd
# mapped private (its file keeps changing).  The snapshot holds one
# instant over all five (tests/e2e/cow_stamps.py); --no-freeze captures
# must fail the same check, so that the check can fail.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_fault_target.sh"
require_tools
require_ptrace

ps=$(getconf PAGESIZE)
regions="shared dontfork wipeonfork private memfd"

# one_instant SNAP: exit status of the stamp check on SNAP.
one_instant() {
	local r files=()
	rm -f "$SCRATCH/counter.got"
	extract "$1" "$(victim_value counter_addr)" 8 "$SCRATCH/counter.got"
	for r in $regions; do
		rm -f "$SCRATCH/$r.got"
		extract "$1" "$(victim_value "${r}_addr")" \
			$(($(victim_value pages) * ps)) "$SCRATCH/$r.got"
		files+=("$SCRATCH/$r.got")
	done
	python3 "$E2E/cow_stamps.py" "$SCRATCH/counter.got" "$ps" "${files[@]}"
}

start_victim "$SAMPLES/cow_victim" busy
for i in 1 2 3; do
	snap=$SCRATCH/cow$i.msnap
	capture "$snap" --cow
	assert_exit 0 "$ANALYZE" verify "$snap"
	one_instant "$snap" || fail "--cow capture $i: the five regions are not one instant"
	rm -f "$snap"
done
log "--cow: shared, dontfork, wipeonfork, private and memfd regions are one instant"

# A 64K buffer: the regions copied while frozen overflow it, so the
# capture streams while frozen, reading the child's earlier regions then.
snap=$SCRATCH/small.msnap
capture "$snap" --cow --max-buffer 64K
assert_exit 0 "$ANALYZE" verify "$snap"
one_instant "$snap" || fail "--cow --max-buffer 64K: not one instant"
assert_eq "$(yaml_get "$snap" 'doc["capture"].get("streamed_while_frozen")')" True \
	"capture.streamed_while_frozen"
log "--cow streaming while frozen (64K buffer): one instant"
assert_running

# A live read may by chance fall between two generations: of five, at
# least one must fail the check.
caught=
for i in 1 2 3 4 5; do
	snap=$SCRATCH/live$i.msnap
	capture "$snap" --no-freeze
	if ! one_instant "$snap"; then
		caught=$i
		break
	fi
done
[ -n "$caught" ] || fail "five --no-freeze captures passed the check: it cannot fail"
log "--no-freeze: not one instant (capture $caught), as it must be"
