#!/bin/bash
# tests/bench/bench_yara.sh - memsnap-analyze yara on a snapshot against
# the yara CLI on gdb's gcore core of the same process, same rules, same
# machine, same run (never asserts; prints the ratio).
#
#   BENCH_SIZE   big_victim size (default 1G)
#   BENCH_RULES  rules in the generated set (default 100)
#   BENCH_REPS   measured runs of each tool, median printed (default 3)
#   BENCH_DIR    scratch directory (default /tmp)
#
# One unmeasured run of each tool first (page cache, libyara's first
# touch), then the measured runs, interleaved so that noise on a shared
# machine hits both alike.  The rules mix plain, nocase and wide strings,
# hex patterns with wildcards and jumps, and regular expressions; a few of
# them match big_victim's text part so that match handling is paid too.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIZE=${BENCH_SIZE:-1G}
NRULES=${BENCH_RULES:-100}
REPS=${BENCH_REPS:-3}
A=$ROOT/analyze/memsnap-analyze
TIME=/usr/bin/time
WORK=$(mktemp -d "${BENCH_DIR:-/tmp}/memsnap-bench-yara.XXXXXX") || exit 1
vp=
trap '[ -n "$vp" ] && kill $vp 2>/dev/null; rm -rf "$WORK"' EXIT

die() { echo "bench_yara: $*" >&2; exit 1; }
for t in yara gcore "$TIME" python3; do
	command -v "$t" >/dev/null || die "$t not found (scripts/deps.sh)"
done
[ -x "$A" ] && [ -x "$ROOT/samples/big_victim" ] || die "run make first"

"$ROOT/samples/big_victim" "$SIZE" >"$WORK/victim.out" 2>/dev/null &
vp=$!
until grep -q '^ready' "$WORK/victim.out"; do
	kill -0 $vp 2>/dev/null || die "big_victim died"
	sleep 0.5
done
"$ROOT/capture/memsnap" -p "$vp" -o "$WORK/s.msnap" --quiet || die "memsnap failed"
gcore -o "$WORK/core" "$vp" >"$WORK/gcore.log" 2>&1 || die "gcore failed"
core=$WORK/core.$vp
kill $vp
wait $vp 2>/dev/null
vp=

python3 - "$NRULES" >"$WORK/rules.yar" <<'PY'
import random, sys
n = int(sys.argv[1])
rnd = random.Random(1234)
def word(k):
    return "".join(rnd.choice("bcdfghjklmnpqrstvwxz") for _ in range(k))
def hexbytes(k):
    return " ".join("%02x" % rnd.randrange(256) for _ in range(k))
for i in range(n):
    kind = i % 10
    if kind in (0, 1, 2, 3):
        body = '$a = "%s" $b = "%s" nocase' % (word(10), word(12))
        cond = "any of them"
    elif kind == 4:
        body = '$a = "%s" wide ascii' % word(9)
        cond = "$a"
    elif kind in (5, 6):
        body = "$a = { %s ?? %s [2-8] %s }" % (hexbytes(3), hexbytes(2),
                                             hexbytes(3))
        cond = "$a"
    elif kind == 7:
        body = "$a = /%s[0-9]{2,6}%s/" % (word(6), word(3))
        cond = "$a"
    elif kind == 8:
        body = '$a = "%s" $b = { %s }' % (word(8), hexbytes(6))
        cond = "#a > 2 or $b"
    else:
        # about a thousand matches in big_victim's text part (its words
        # in this order): match handling is paid too
        body = '$a = "analyst evidence kernel" $b = "%s"' % word(11)
        cond = "$a or $b"
    print("rule r%03d { strings: %s condition: %s }" % (i, body, cond))
PY

cat "$WORK/s.msnap" "$core" >/dev/null   # both read warm from the page cache
snap_b=$(stat -c %s "$WORK/s.msnap")
core_b=$(stat -c %s "$core")

# run TOOL: one timed run; appends "tool seconds rss_kb rc" to results
run() {
	local s e rc rss
	s=$(date +%s.%N)
	if [ "$1" = memsnap ]; then
		"$TIME" -f %M -o "$WORK/rss" "$A" yara "$WORK/rules.yar" \
			"$WORK/s.msnap" >"$WORK/m.out" 2>"$WORK/m.err"
	else
		"$TIME" -f %M -o "$WORK/rss" yara -w "$WORK/rules.yar" "$core" \
			>"$WORK/y.out" 2>"$WORK/y.err"
	fi
	rc=$?
	e=$(date +%s.%N)
	rss=$(tail -n 1 "$WORK/rss")
	echo "$1 $(echo "$e - $s" | bc) $rss $rc" >>"$WORK/results"
}
: >"$WORK/results"
run memsnap
run yara
: >"$WORK/results"
for ((r = 0; r < REPS; r++)); do
	run memsnap
	run yara
done

python3 - "$WORK/results" "$SIZE" "$NRULES" "$snap_b" "$core_b" "$(nproc)" \
	"$(grep -c '^r' "$WORK/m.out")" "$(grep -c '^r' "$WORK/y.out")" <<'PY'
import statistics, sys
path, size, nrules, snap_b, core_b, cpus, m_rules, y_rules = sys.argv[1:9]
rows = [l.split() for l in open(path)]
def med(tool, col):
    return statistics.median(float(r[col]) for r in rows if r[0] == tool)
m, y = med("memsnap", 1), med("yara", 1)
print("yara benchmark: big_victim %s, %s rules, %s CPUs, median of %d runs"
      % (size, nrules, cpus, len(rows) // 2))
print("  %-36s %8.3f s  peak RSS %7.1f MiB  (%s rules matched)"
      % ("memsnap-analyze yara (snapshot %.0f MiB)" % (int(snap_b) / 2**20),
         m, med("memsnap", 2) / 1024, m_rules))
print("  %-36s %8.3f s  peak RSS %7.1f MiB  (%s rules matched)"
      % ("yara -w (gcore core %.0f MiB)" % (int(core_b) / 2**20), y,
         med("yara", 2) / 1024, y_rules))
print("  ratio memsnap-analyze / yara CLI: %.3f (below 1: memsnap is faster)"
      % (m / y))
print("  exit codes:", sorted({(r[0], r[3]) for r in rows}))
PY
