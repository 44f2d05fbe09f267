#!/bin/bash
# tests/bench/bench_analyze.sh - the analyst's commands on a big snapshot,
# against the zstd CLI on the same file in the same run (never asserts).
#
#   BENCH_SIZE  big_victim size (default 2G)     BENCH_DIR  scratch dir (/tmp)
#
# info:        time, and bytes read (strace) as a fraction of the file
# verify:      time against `zstd -t -T0` (full, and --quick: no SHA-256)
# export-core: time against `zstd -dc > file` to the same disk
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIZE=${BENCH_SIZE:-2G}
WORK=$(mktemp -d "${BENCH_DIR:-/tmp}/memsnap-bench-analyze.XXXXXX") || exit 1
A=$ROOT/analyze/memsnap-analyze
trap 'kill $vp 2>/dev/null; rm -rf "$WORK"' EXIT

"$ROOT/samples/big_victim" "$SIZE" >"$WORK/victim.out" &
vp=$!
until grep -q '^ready' "$WORK/victim.out"; do sleep 0.5; done
"$ROOT/capture/memsnap" -p "$vp" -o "$WORK/s.msnap" --quiet || exit 1
kill $vp
snap=$WORK/s.msnap
bytes=$(stat -c %s "$snap")

t() { # t NAME CMD...: seconds of the best of 3; a failing CMD aborts
	local best= s e d
	shift
	for _ in 1 2 3; do
		rm -f "$WORK/out.core" "$WORK/out.raw"
		s=$(date +%s.%N)
		"$@" >/dev/null 2>"$WORK/err" || { echo "bench: $* failed: $(tail -n 2 "$WORK/err")" >&2; exit 1; }
		e=$(date +%s.%N)
		d=$(echo "$e - $s" | bc)
		if [ -z "$best" ] || [ "$(echo "$d < $best" | bc)" = 1 ]; then best=$d; fi
	done
	echo "$best"
}

cat "$snap" >/dev/null  # warm the page cache: both sides read it warm
info_t=$(t info "$A" info "$snap")
read_b=$(strace -f -e trace=read,pread64 -o "$WORK/st" "$A" info "$snap" >/dev/null 2>&1;
	grep -v 'resumed\|/proc\|ENOENT' "$WORK/st" | sed -nE 's/.*= ([0-9]+)$/\1/p' |
	awk '{ s += $1 } END { print s + 0 }')
ver_t=$(t verify "$A" verify "$snap")
verq_t=$(t verifyq "$A" verify --quick "$snap")
zt_t=$(t zstd-t zstd -q -t -T0 "$snap")
core_t=$(t export "$A" export-core "$snap" -o "$WORK/out.core")
zdc_t=$(t zdc sh -c "zstd -q -dc '$snap' > '$WORK/out.raw'")

printf 'snapshot: big_victim %s, %s bytes\n' "$SIZE" "$bytes"
printf 'info         %7.3f s, read %s bytes = %.4f%% of the file\n' "$info_t" "$read_b" \
	"$(echo "100 * $read_b / $bytes" | bc -l)"
printf 'verify       %7.3f s   zstd -t -T0 %7.3f s   ratio %.2f\n' "$ver_t" "$zt_t" \
	"$(echo "$ver_t / $zt_t" | bc -l)"
printf 'verify --quick %5.3f s   zstd -t -T0 %7.3f s   ratio %.2f\n' "$verq_t" "$zt_t" \
	"$(echo "$verq_t / $zt_t" | bc -l)"
printf 'export-core  %7.3f s   zstd -dc    %7.3f s   ratio %.2f\n' "$core_t" "$zdc_t" \
	"$(echo "$core_t / $zdc_t" | bc -l)"
