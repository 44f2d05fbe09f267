#!/bin/bash
# tests/bench/bench_diff.sh - diff benchmark, in one run:
#
#  1. two snapshots of big_victim with ~1% of its pages changed between
#     them: `memsnap-analyze diff --stat` against `cmp -l` over two gcore
#     cores (uncompressed) of the same two states;
#  2. full diff output time (`diff --all`, every range with its hexdump)
#     at 0.1%, 1% and 10% of the pages changed, same snapshot size.
#
#   BENCH_SIZE  victim size (big_victim SIZE), default 2G
#   BENCH_REPS  measured repetitions (best is kept), default 3
#   BENCH_DIR   where files go (default: a temp dir under $TMPDIR or /tmp)
#
# Each measured command runs once unmeasured first (page cache warm for
# both tools).  Nothing asserts on time; the figures are ratios, printed
# and written to tests/bench/results-diff.txt.  Not run by make check.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MEMSNAP=${MEMSNAP:-$ROOT/capture/memsnap}
ANALYZE=${ANALYZE:-$ROOT/analyze/memsnap-analyze}
VICTIM=$ROOT/samples/big_victim
RESULTS=$ROOT/tests/bench/results-diff.txt
SIZE=${BENCH_SIZE:-2G}
REPS=${BENCH_REPS:-3}

die() {
	echo "bench_diff: $*" >&2
	exit 1
}

for t in "$MEMSNAP" "$ANALYZE" "$VICTIM"; do
	[ -x "$t" ] || die "$t is not built (make all)"
done
for t in gcore cmp; do
	command -v "$t" >/dev/null || die "$t not found (scripts/deps.sh)"
done

WORK=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/memsnap-bench-diff.XXXXXX") ||
	die "mktemp"
VPID=

cleanup() {
	if [ -n "$VPID" ]; then
		kill -KILL "$VPID" 2>/dev/null
		wait "$VPID" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() {
	date +%s.%N
}

# best_of CMD...: run CMD once unmeasured, then REPS times; print the
# shortest wall time in seconds.
best_of() {
	local best= t0 t1 d i
	"$@" >/dev/null 2>&1
	for ((i = 0; i < REPS; i++)); do
		t0=$(now)
		"$@" >/dev/null 2>&1
		t1=$(now)
		d=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
		if [ -z "$best" ] || awk -v x="$d" -v y="$best" 'BEGIN { exit !(x < y) }'; then
			best=$d
		fi
	done
	echo "$best"
}

start_victim() {
	"$VICTIM" "$SIZE" "$1" >"$WORK/victim.out" 2>&1 &
	VPID=$!
	until grep -qx ready "$WORK/victim.out"; do
		kill -0 "$VPID" 2>/dev/null || die "big_victim died"
		sleep 0.2
	done
}

mutate() {
	local n
	n=$(grep -c '^mutated$' "$WORK/victim.out")
	kill -USR1 "$VPID"
	while [ "$(grep -c '^mutated$' "$WORK/victim.out")" -le "$n" ]; do
		sleep 0.1
	done
}

stop_victim() {
	kill -KILL "$VPID"
	wait "$VPID" 2>/dev/null
	VPID=
}

snap() {
	"$MEMSNAP" -p "$VPID" -o "$1" 2>/dev/null || die "memsnap failed"
}

core() {
	gcore -o "$WORK/core" "$VPID" >/dev/null 2>&1 || die "gcore failed"
	mv "$WORK/core.$VPID" "$1"
}

diff_stat() {
	"$ANALYZE" diff --stat "$WORK/a.msnap" "$WORK/b.msnap"
	[ $? -le 1 ]
}

diff_full() {
	"$ANALYZE" diff --all --no-disasm "$WORK/a.msnap" "$WORK/b.msnap"
	[ $? -le 1 ]
}

cmp_cores() {
	cmp -l "$WORK/a.core" "$WORK/b.core" | wc -l
}

exec > >(tee "$RESULTS") 2>&1
echo "# memsnap-analyze diff benchmark, victim $SIZE, best of $REPS, $(date -u +%FT%TZ)"
echo "# $(nproc) cpus; $(uname -r)"

for frac in 0.01 0.001 0.1; do
	start_victim "$frac"
	pages=$(sed -n 's/^pages=//p' "$WORK/victim.out")
	snap "$WORK/a.msnap"
	[ "$frac" = 0.01 ] && core "$WORK/a.core"
	mutate
	changed=$(sed -n 's/^mutated=//p' "$WORK/victim.out" | tail -n 1)
	snap "$WORK/b.msnap"
	[ "$frac" = 0.01 ] && core "$WORK/b.core"
	stop_victim
	if [ "$frac" = 0.01 ]; then
		echo "## 1. --stat against cmp -l of two gcore cores ($changed of $pages pages changed)"
		t_stat=$(best_of diff_stat)
		t_cmp=$(best_of cmp_cores)
		printf 'snapshots %s + %s bytes; cores %s + %s bytes\n' \
			"$(stat -c %s "$WORK/a.msnap")" "$(stat -c %s "$WORK/b.msnap")" \
			"$(stat -c %s "$WORK/a.core")" "$(stat -c %s "$WORK/b.core")"
		printf 'diff --stat   %8.3f s\n' "$t_stat"
		printf 'cmp -l cores  %8.3f s\n' "$t_cmp"
		awk -v s="$t_stat" -v c="$t_cmp" 'BEGIN {
			printf "ratio cmp / diff --stat: %.1fx (target >= 10x)\n", c / s }'
		rm -f "$WORK/a.core" "$WORK/b.core"
		echo "## 2. full diff (--all, every range with hexdump) by changed fraction"
		printf '%-8s %10s %10s %12s %10s %14s\n' fraction pages_chg \
			ranges out_bytes seconds us_per_page
	fi
	t_full=$(best_of diff_full)
	out=$(diff_full | wc -c)
	ranges=$("$ANALYZE" diff --format json "$WORK/a.msnap" "$WORK/b.msnap" |
		 sed -n 's/.*"ranges": \([0-9]*\),*$/\1/p' | tail -n 1)
	awk -v f="$frac" -v c="$changed" -v r="$ranges" -v o="$out" -v t="$t_full" \
		'BEGIN { printf "%-8s %10d %10s %12.0f %10.3f %14.1f\n", f, c, r, o, t, t * 1e6 / c }'
	rm -f "$WORK/a.msnap" "$WORK/b.msnap"
done
