#!/bin/bash
# One instant: page_stamper's writer thread stamps pages in an order
# unrelated to addresses, as fast as it can, during the whole capture.  A
# snapshot of one instant holds, on every page, exactly the step that the
# captured counter implies (tests/e2e/stamp_check.py).  The default method
# (pre-copy, verified while frozen) and --method buffer must pass;
# --no-freeze reads over time and must fail the same check (so the check
# can fail).  To a pipe (where a region keeps only its unchanged prefix)
# too.  A slowly stamping victim exercises a pre-copy that keeps the
# unchanged chunks between changed ones and re-reads the rest.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

ps=$(getconf PAGESIZE)

. "$(dirname "$0")/lib_stamps.sh"

# capture_info SNAP KEY: a capture.KEY of info's JSON view.
capture_info() {
	info_json "$1" "$SCRATCH/info.json"
	$JSON_GET "$SCRATCH/info.json" "doc[\"capture\"].get(\"$2\", \"\")"
}

start_victim "$SAMPLES/page_stamper" 16384 0
for method in precopy buffer; do
	snap=$SCRATCH/$method.msnap
	capture "$snap" --method "$method"
	assert_exit 0 "$ANALYZE" verify "$snap"
	one_instant "$snap" || fail "--method $method: the snapshot is not one instant"
	stable_exact "$snap"
	assert_eq "$(capture_info "$snap" method)" "$method" "capture.method"
	log "--method $method: one instant"
done
# The busy victim changed its stamps after the pre-copy: they were read
# again while frozen.
snap=$SCRATCH/precopy.msnap
[ "$(capture_info "$snap" precopy_pages_read)" -gt 0 ] ||
	fail "the pre-copy read nothing"
assert_running

snap=$SCRATCH/piped.msnap
"$MEMSNAP" -q -p "$VICTIM_PID" -o - >"$snap" 2>"$SCRATCH/piped.err" ||
	fail "capture to a pipe failed: $(cat "$SCRATCH/piped.err")"
assert_exit 0 "$ANALYZE" verify "$snap"
one_instant "$snap" || fail "to a pipe: the snapshot is not one instant"
log "to a pipe: one instant"

snap=$SCRATCH/live.msnap
capture "$snap" --no-freeze
if one_instant "$snap"; then
	fail "--no-freeze passed the one-instant check: the check cannot fail"
fi
log "--no-freeze: not one instant, as it must be"
kill -KILL "$VICTIM_PID"

# A slow writer (a step every 50 ms): most of the stamps stay as
# pre-copied, chunks between changed ones too; still one instant.  A
# step must fall between the pre-copy of its page and the freeze for a
# chunk to change, and an idle machine can pre-copy everything between
# two steps: then no chunk changed and none can be kept after a changed
# one.  So up to five captures, each checked whole, until one shows it
# (a faster writer changes every chunk: nothing is kept then either).
start_victim "$SAMPLES/page_stamper" 16384 50000000
for try in 1 2 3 4 5; do
	snap=$SCRATCH/slow$try.msnap
	capture "$snap"
	assert_exit 0 "$ANALYZE" verify "$snap"
	one_instant "$snap" || fail "slow writer: the snapshot is not one instant"
	stable_exact "$snap"
	kept=$(capture_info "$snap" precopy_pages_kept)
	read=$(capture_info "$snap" precopy_pages_read)
	after=$(capture_info "$snap" precopy_segments_kept_after_change)
	log "slow writer, capture $try: $kept of $read pre-copied pages kept, $after chunks after a changed one"
	[ "$kept" -gt $(((32 << 20) / ps)) ] ||
		fail "the pre-copy kept $kept pages, not even the stable buffer"
	[ "$after" -gt 0 ] && break
done
[ "$after" -gt 0 ] || fail "no chunk kept after a changed one in $try captures"
assert_running
