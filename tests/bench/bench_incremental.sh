#!/bin/bash
# tests/bench/bench_incremental.sh - incremental snapshots (memsnap --parent)
# against full ones, in the same run, on a big_victim with a share of its
# pages changed between the two (SIGUSR1).
#
# Each round: a full capture (the parent), the victim changes FRACTION of
# its pages, an incremental capture against that parent, then a full
# capture of the same state (so the full time is measured twice, around the
# incremental).  Sizes and wall times are printed as ratios
# incremental / full; the incremental's time includes reading and hashing
# the parent file (its SHA-256) and comparing every page with it.  One
# unmeasured full capture comes first (the first read of freshly written
# memory is slower).  Nothing here asserts on time.
#
#   BENCH_SIZE      victim size (default 1G)
#   BENCH_FRACTION  share of pages changed (default 0.01)
#   BENCH_REPS      rounds per method (default 3)
#   BENCH_METHODS   default "precopy buffer"
#   BENCH_DIR       where outputs go (default: a temp dir under $TMPDIR or /tmp)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MEMSNAP=${MEMSNAP:-$ROOT/capture/memsnap}
ANALYZE=$ROOT/analyze/memsnap-analyze
VICTIM=$ROOT/samples/big_victim
SIZE=${BENCH_SIZE:-1G}
FRACTION=${BENCH_FRACTION:-0.01}
REPS=${BENCH_REPS:-3}
METHODS=${BENCH_METHODS:-precopy buffer}

die() {
	echo "bench: $*" >&2
	exit 1
}

for t in "$MEMSNAP" "$ANALYZE" "$VICTIM"; do
	[ -x "$t" ] || die "$t is not built (run make)"
done
WORK=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/memsnap-bench-incr.XXXXXX") ||
	die "mktemp"
VPID=
cleanup() {
	[ -z "$VPID" ] || { kill -KILL "$VPID" 2>/dev/null; wait "$VPID" 2>/dev/null; }
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$VICTIM" "$SIZE" "$FRACTION" >"$WORK/victim.out" 2>"$WORK/victim.err" </dev/null &
VPID=$!
n=0
until grep -qx ready "$WORK/victim.out"; do
	kill -0 "$VPID" 2>/dev/null || die "big_victim died: $(cat "$WORK/victim.err")"
	[ $n -lt 3000 ] || die "big_victim not ready after 300 s"
	sleep 0.1
	n=$((n + 1))
done

# snap OUT OPTIONS...: capture, print the wall time in ns.
snap() {
	local out=$1 t0 t1
	shift
	rm -f "$out"
	t0=$(date +%s%N)
	"$MEMSNAP" -q -p "$VPID" -o "$out" "$@" 2>"$WORK/memsnap.err" ||
		die "memsnap $* failed: $(cat "$WORK/memsnap.err")"
	t1=$(date +%s%N)
	echo $((t1 - t0))
}

mutate() {
	local before n=0
	before=$(grep -c '^mutated=' "$WORK/victim.out")
	kill -USR1 "$VPID"
	while [ "$(grep -c '^mutated=' "$WORK/victim.out")" -le "$before" ]; do
		[ $n -lt 500 ] || die "victim does not answer SIGUSR1"
		sleep 0.01
		n=$((n + 1))
	done
}

echo "bench: big_victim $SIZE, $FRACTION of its pages changed, $REPS rounds," \
	"load $(cut -d' ' -f1-3 /proc/loadavg)"
snap "$WORK/warm.msnap" >/dev/null
rm -f "$WORK/warm.msnap"
printf '%-8s %5s %12s %12s %8s %9s %9s %9s %8s %7s\n' method round full_bytes \
	incr_bytes size_x full1_s incr_s full2_s time_x verify
for m in $METHODS; do
	for r in $(seq 1 "$REPS"); do
		f1=$(snap "$WORK/full.msnap" --method "$m")
		mutate
		inc=$(snap "$WORK/incr.msnap" --method "$m" --parent "$WORK/full.msnap")
		f2=$(snap "$WORK/full2.msnap" --method "$m")
		if "$ANALYZE" verify -q "$WORK/incr.msnap" >/dev/null 2>&1; then
			v=ok
		else
			v=FAILED
		fi
		python3 - "$m" "$r" "$(stat -c %s "$WORK/full.msnap")" \
			"$(stat -c %s "$WORK/incr.msnap")" "$f1" "$inc" "$f2" "$v" <<'PY'
import sys
m, r, fs, is_, f1, inc, f2, v = sys.argv[1:]
fs, is_, f1, inc, f2 = int(fs), int(is_), int(f1), int(inc), int(f2)
print("%-8s %5s %12d %12d %8.4f %9.3f %9.3f %9.3f %8.3f %7s" % (
    m, r, fs, is_, is_ / fs, f1 / 1e9, inc / 1e9, f2 / 1e9,
    inc / ((f1 + f2) / 2), v))
PY
		rm -f "$WORK/full.msnap" "$WORK/incr.msnap" "$WORK/full2.msnap"
	done
done
echo "size_x: incremental / full bytes; time_x: incremental / mean of the two full captures' wall time"
