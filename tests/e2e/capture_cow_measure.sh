#!/bin/bash
# What --cow buys, measured (printed, never asserted: machines here are
# shared and noisy, and tests do not assert on time): on a big_victim of
# COW_MEASURE_SIZE (default 1G), after one unmeasured pass of each mode,
# the frozen time seen from inside the victim (its ticker's largest gap)
# and in the manifest, the time to evidence (memsnap's wall time, the
# snapshot compressed and written) and memsnap's peak RSS, default mode
# against --cow.  What is asserted: both captures are complete and verify.
# tests/bench/run.sh compares the same against gcore (memsnap-cow).
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

SIZE=${COW_MEASURE_SIZE:-1G}
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=

max_gap() {
	victim_signal USR2 max_gap_ns
	victim_value max_gap_ns
}

# measure NAME [OPTIONS...]: one capture; prints its figures.
measure() {
	local name=$1 snap=$SCRATCH/m.msnap t0 t1 gap rss= frozen
	shift
	rm -f "$snap"
	max_gap >/dev/null
	t0=$(date +%s%N)
	if [ -n "$TIME" ]; then
		assert_exit 0 "$TIME" -v -o "$SCRATCH/time.txt" \
			"$MEMSNAP" -q --threads 2 -p "$VICTIM_PID" -o "$snap" "$@"
		rss=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' \
			"$SCRATCH/time.txt")
	else
		assert_exit 0 "$MEMSNAP" -q --threads 2 -p "$VICTIM_PID" -o "$snap" "$@"
	fi
	t1=$(date +%s%N)
	gap=$(max_gap)
	info_json "$snap" "$SCRATCH/info.json"
	frozen=$($JSON_GET "$SCRATCH/info.json" 'doc["capture"]["frozen_ns"]')
	[ "$name" = warmup ] && return 0
	printf '%-8s frozen (victim) %8.1f ms  frozen (manifest) %8.1f ms  to evidence %6.2f s  peak RSS %s  size %d MiB\n' \
		"$name" "$(echo "$gap / 1000000" | bc -l)" \
		"$(echo "$frozen / 1000000" | bc -l)" \
		"$(echo "($t1 - $t0) / 1000000000" | bc -l)" \
		"${rss:+$((rss / 1024)) MiB}" $(($(stat -c %s "$snap") >> 20))
	if [ "$name" = cow ]; then
		assert_exit 0 "$ANALYZE" verify "$snap"
	fi
}

command -v bc >/dev/null || skip "bc is not installed"
start_victim "$SAMPLES/big_victim" "$SIZE"
log "big_victim $SIZE, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
measure warmup
measure warmup --cow
for round in 1 2; do
	measure default
	measure cow --cow
done
ticker_alive
