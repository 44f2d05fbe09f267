#!/bin/bash
# Soak: capture the same process SOAK_COUNT times in a row (default 200;
# `make soak` runs 1000).  Every capture exits 0 and verifies (verify
# --quick on every SOAK_VERIFY_EVERY-th, the first and the last), and the
# target is left as it was found: same state, threads, mappings, open fds,
# signal masks and pending signals of every thread, no tracer, about the
# same resident memory, and it still runs (its ticker thread ticks).
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

COUNT=${SOAK_COUNT:-200}
EVERY=${SOAK_VERIFY_EVERY:-50}
# Our own copies: a rebuild in the tree during a long soak must not fail it.
cp "$MEMSNAP" "$SCRATCH/memsnap" && cp "$ANALYZE" "$SCRATCH/analyze" ||
	fail "cannot copy the binaries"
MEMSNAP=$SCRATCH/memsnap
ANALYZE=$SCRATCH/analyze

start_victim "$SAMPLES/big_victim" 4M

# state PID: what must not change, one "key value" line each.  A thread
# that runs, sleeps or waits on the disk is "alive" (the ticker is R or S
# depending on the instant); stopped, traced or dead is not.
state() {
	local t
	for t in /proc/"$1" /proc/"$1"/task/*; do
		awk -v t="${t#/proc/}" '
			/^State:/ { $2 = $2 ~ /^[RSD]$/ ? "alive" : $2; $3 = "" }
			/^(State|Threads|TracerPid|SigPnd|ShdPnd|SigBlk|SigIgn|SigCgt):/ {
				print t " " $1 " " $2 }' "$t/status"
	done
	echo "fds $(ls "/proc/$1/fd" | wc -l)"
	echo "fdlist $(ls "/proc/$1/fd" | sort -n | tr '\n' ' ')"
	cut -d' ' -f1,2,6- "/proc/$1/maps" | sed 's/^/maps /'
}

# settled PID OUT: state PID into OUT once two reads 0.1 s apart agree (a
# thread just woken by a freeze or a ready line takes a moment to go back
# to its wait, where its signal mask is the waiting one).
settled() {
	local n=0
	state "$1" >"$2.prev"
	while :; do
		sleep 0.1
		state "$1" >"$2"
		cmp -s "$2" "$2.prev" && return 0
		[ $n -lt 100 ] || fail "the state of $1 never settled"
		mv "$2" "$2.prev"
		n=$((n + 1))
	done
}

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

assert_running
settled "$VICTIM_PID" "$SCRATCH/before"
rss_before=$(rss_kb "$VICTIM_PID")

snap=$SCRATCH/soak.msnap
verified=0
for ((i = 1; i <= COUNT; i++)); do
	"$MEMSNAP" -q -p "$VICTIM_PID" -o "$snap" 2>"$SCRATCH/err"
	rc=$?
	if [ "$rc" != 0 ]; then
		cat "$SCRATCH/err"
		fail "capture $i of $COUNT exited $rc"
	fi
	[ -s "$SCRATCH/err" ] && { cat "$SCRATCH/err"; fail "capture $i: memsnap -q wrote to stderr"; }
	if [ $i = 1 ] || [ $i = "$COUNT" ] || [ $((i % EVERY)) = 0 ]; then
		assert_exit 0 "$ANALYZE" verify --quick "$snap"
		verified=$((verified + 1))
	fi
	rm -f "$snap"
done
log "$COUNT captures exited 0, $verified verified"

settled "$VICTIM_PID" "$SCRATCH/after"
if ! diff "$SCRATCH/before" "$SCRATCH/after"; then
	fail "the target changed over $COUNT captures (before < > after)"
fi
rss_after=$(rss_kb "$VICTIM_PID")
log "VmRSS ${rss_before} kB -> ${rss_after} kB"
drift=$((rss_after - rss_before))
[ ${drift#-} -le $((rss_before / 20 + 256)) ] ||
	fail "target VmRSS moved from $rss_before to $rss_after kB"
assert_running
ticker_alive
ls "$SCRATCH"/*.partial 2>/dev/null && fail "a .partial file was left behind"
exit 0
