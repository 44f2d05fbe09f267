#!/bin/bash
# tests/bench/run.sh - capture benchmark: memsnap against gdb's gcore (and
# gcore followed by zstd -1 -T0) on the same victim, in the same run.
# memsnap runs in its default mode (pre-copy, verified while frozen), with
# --method buffer (everything copied while frozen) and with --cow (an
# injected fork; the child read after the thaw).
#
#   BENCH_SIZES victim sizes (big_victim SIZE), default "1G 4G"
#   BENCH_REPS  measured repetitions of each tool, default 3
#   BENCH_DIR   where outputs go (default: a temp dir under $TMPDIR or /tmp)
#   BENCH_RESULTS  the results file (default tests/bench/results-capture.txt)
#
# Machines here are shared and noisy: the figures that matter are the
# ratios, and nothing here asserts on time.  The frozen time is measured
# from inside the victim (big_victim's ticker, read with SIGUSR2).  Cold
# figures (the first capture after the victim filled its memory) are
# measured on a fresh victim per tool and reported apart; the warm figures
# follow one unmeasured pass of each tool.  Results are printed and written
# to tests/bench/results-capture.txt.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MEMSNAP=${MEMSNAP:-$ROOT/capture/memsnap}
ANALYZE=$ROOT/analyze/memsnap-analyze
VICTIM=$ROOT/samples/big_victim
RESULTS=${BENCH_RESULTS:-$ROOT/tests/bench/results-capture.txt}
SIZES=${BENCH_SIZES:-${BENCH_SIZE:-1G 4G}}
REPS=${BENCH_REPS:-3}
TIME=/usr/bin/time

die() {
	echo "bench: $*" >&2
	exit 1
}

for t in "$MEMSNAP" "$ANALYZE" "$VICTIM"; do
	[ -x "$t" ] || die "$t is not built (run make bench)"
done
for t in gcore zstd python3 "$TIME"; do
	command -v "$t" >/dev/null || die "$t not found (scripts/deps.sh)"
done

WORK=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/memsnap-bench.XXXXXX") ||
	die "mktemp"
DATA=$WORK/results.tsv
VPID=
VOUT=

cleanup() {
	if [ -n "$VPID" ]; then
		kill -KILL "$VPID" 2>/dev/null
		wait "$VPID" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() {
	date +%s%N
}

start_victim() {
	local n=0
	stop_victim
	VOUT=$WORK/victim.out
	"$VICTIM" "$SIZE" >"$VOUT" 2>"$WORK/victim.err" </dev/null &
	VPID=$!
	until grep -qx ready "$VOUT"; do
		kill -0 "$VPID" 2>/dev/null || die "big_victim died: $(cat "$WORK/victim.err")"
		[ $n -lt 3000 ] || die "big_victim not ready after 300 s"
		sleep 0.1
		n=$((n + 1))
	done
	echo "victim pid $VPID, $(sed -n 's/^size=//p' "$VOUT") bytes," \
		"filled in $(sed -n 's/^fill_ms=//p' "$VOUT") ms" >&2
}

stop_victim() {
	if [ -n "$VPID" ]; then
		kill -KILL "$VPID" 2>/dev/null
		wait "$VPID" 2>/dev/null
		VPID=
	fi
}

# The victim's largest tick gap since the last call, in ns.
max_gap() {
	local before n=0
	before=$(grep -c '^max_gap_ns=' "$VOUT")
	kill -USR2 "$VPID"
	while [ "$(grep -c '^max_gap_ns=' "$VOUT")" -le "$before" ]; do
		[ $n -lt 500 ] || die "victim does not answer SIGUSR2"
		sleep 0.01
		n=$((n + 1))
	done
	sed -n 's/^max_gap_ns=//p' "$VOUT" | tail -n 1
}

peak_rss_kb() {
	sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$1"
}

# record PHASE TOOL KEY=VALUE...: one result row.
record() {
	local phase=$1 tool=$2
	shift 2
	printf '%s\t%s\t%s\n' "$phase" "$tool" "$*" >>"$DATA"
}

# run_gcore PHASE [measured]: gcore, then zstd -1 -T0 on its output.
run_gcore() {
	local phase=$1 t0 t1 t2 core gap rss
	max_gap >/dev/null
	t0=$(now_ns)
	"$TIME" -v -o "$WORK/gcore.time" gcore -o "$WORK/core" "$VPID" \
		>"$WORK/gcore.log" 2>&1 || die "gcore failed: $(tail -n 5 "$WORK/gcore.log")"
	t1=$(now_ns)
	gap=$(max_gap)
	core=$WORK/core.$VPID
	[ -f "$core" ] || die "gcore wrote no $core"
	zstd -q -1 -T0 -f "$core" -o "$core.zst" || die "zstd failed"
	t2=$(now_ns)
	rss=$(peak_rss_kb "$WORK/gcore.time")
	record "$phase" gcore wall_ns=$((t1 - t0)) frozen_ns="$gap" \
		size=$(stat -c %s "$core") rss_kb="$rss"
	record "$phase" gcore+zstd wall_ns=$((t2 - t0)) frozen_ns="$gap" \
		size=$(stat -c %s "$core.zst") rss_kb="$rss"
	rm -f "$core" "$core.zst"
}

# run_memsnap PHASE TOOLNAME [OPTIONS...]
run_memsnap() {
	local phase=$1 name=$2 t0 t1 gap out=$WORK/snap.msnap rc verify facts
	shift 2
	rm -f "$out"
	max_gap >/dev/null
	t0=$(now_ns)
	"$TIME" -v -o "$WORK/memsnap.time" "$MEMSNAP" -p "$VPID" -o "$out" \
		"$@" >"$WORK/memsnap.log" 2>&1
	rc=$?
	t1=$(now_ns)
	gap=$(max_gap)
	[ "$rc" -le 1 ] && [ -f "$out" ] ||
		die "memsnap $* failed ($rc): $(tail -n 5 "$WORK/memsnap.log")"
	if "$ANALYZE" verify "$out" >"$WORK/verify.log" 2>&1; then
		verify=ok
	else
		verify=FAILED
	fi
	"$ANALYZE" info --all --format json "$out" >"$WORK/info.json" \
		2>"$WORK/info.err" || die "info failed: $(cat "$WORK/info.err")"
	facts=$(python3 - "$WORK/info.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
cap = d.get("capture", {})
snap = d.get("snapshot", {})
page = snap.get("page_size", 4096)
out = []
if "frozen_ns" in cap:
    out.append("tool_frozen_ns=%d" % cap["frozen_ns"])
elif "frozen_ms" in cap:
    out.append("tool_frozen_ns=%d" % round(float(cap["frozen_ms"]) * 1e6))
if "copy_ns" in cap:
    out.append("copy_ns=%d" % cap["copy_ns"])
for key in ("verify_ms", "precopy_ms"):
    if key in cap:
        out.append("%s_ns=%d" % (key[:-3], round(float(cap[key]) * 1e6)))
read = sum(((r.get("data") or 0) + (r.get("zero") or 0)) * page
           for r in d.get("regions", []))
out.append("read_bytes=%d" % read)
print(" ".join(out))
PY
)
	record "$phase" "$name" wall_ns=$((t1 - t0)) frozen_ns="$gap" \
		size=$(stat -c %s "$out") \
		rss_kb="$(peak_rss_kb "$WORK/memsnap.time")" exit="$rc" \
		verify="$verify" $facts
	rm -f "$out"
}

# bench_size SIZE: measure every tool on a big_victim of SIZE, then report.
bench_size() {
	SIZE=$1
	: >"$DATA"
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
	echo "bench: big_victim $SIZE, $REPS reps, outputs in $WORK" >&2

	# Cold: a fresh victim for each tool, its first capture measured.
	start_victim
	run_gcore cold
	start_victim
	run_memsnap cold memsnap --threads 2
	start_victim
	run_memsnap cold memsnap-cow --threads 2 --cow

	# Warm: one unmeasured pass of each tool, then the measured rounds,
	# interleaved so that drift on a shared machine hits every tool alike.
	start_victim
	run_gcore warmup
	run_memsnap warmup memsnap --threads 2
	run_memsnap warmup memsnap-cow --threads 2 --cow
	for ((r = 1; r <= REPS; r++)); do
		echo "bench: $SIZE round $r of $REPS" >&2
		run_gcore warm
		run_memsnap warm memsnap --threads 2
		run_memsnap warm memsnap-buffer --threads 2 --method buffer
		run_memsnap warm memsnap-cow --threads 2 --cow
	done
	stop_victim
	report
}

report() {
python3 - "$DATA" "$SIZE" "$REPS" "$(nproc)" "$LOAD0" "$(cut -d' ' -f1-3 /proc/loadavg)" \
	<<'PY'

import statistics, sys

path, size, reps, cpus, load0, load1 = sys.argv[1:7]
rows = {}
for line in open(path):
    phase, tool, kv = line.rstrip("\n").split("\t")
    d = dict(x.split("=", 1) for x in kv.split())
    rows.setdefault((phase, tool), []).append(d)

def med(phase, tool, key):
    vals = [float(d[key]) for d in rows.get((phase, tool), [])
            if d.get(key) not in (None, "")]
    return statistics.median(vals) if vals else None

def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "s":
        return "%.3f s" % (v / 1e9)
    if unit == "ms":
        return "%.1f ms" % (v / 1e6)
    if unit == "MiB":
        return "%.1f MiB" % (v / 1048576)
    if unit == "kMiB":
        return "%.1f MiB" % (v / 1024)
    return str(v)

def ratio(a, b):
    return "%.3f" % (a / b) if a is not None and b else "-"

tools = ["gcore", "gcore+zstd", "memsnap", "memsnap-buffer", "memsnap-cow"]
print("memsnap capture benchmark: big_victim %s, %s CPUs, median of %s"
      % (size, cpus, reps))
print("load average at start %s, at end %s (a shared machine: compare ratios)"
      % (load0, load1))
print()
for phase, title in (("warm", "warm (after one unmeasured pass)"),
                     ("cold", "cold (first capture of a fresh victim)")):
    print(title)
    print("%-12s %10s %12s %12s %12s %8s" %
          ("tool", "wall", "frozen", "output", "peak RSS", "verify"))
    for t in tools:
        if (phase, t) not in rows:
            continue
        v = [d.get("verify", "") for d in rows[(phase, t)]]
        verdict = "" if not any(v) else (
            "ok" if all(x == "ok" for x in v) else "FAILED")
        print("%-12s %10s %12s %12s %12s %8s" % (
            t, fmt(med(phase, t, "wall_ns"), "s"),
            fmt(med(phase, t, "frozen_ns"), "ms"),
            fmt(med(phase, t, "size"), "MiB"),
            fmt(med(phase, t, "rss_kb"), "kMiB"), verdict))
    print()
print("frozen: the victim's largest gap between two 1 ms ticks (from inside)")
print()

print("ratios (warm medians; below 1 means memsnap is better)")
for label, a, b in (
        ("memsnap frozen / gcore frozen",
         med("warm", "memsnap", "frozen_ns"), med("warm", "gcore", "frozen_ns")),
        ("memsnap wall / (gcore + zstd) wall",
         med("warm", "memsnap", "wall_ns"), med("warm", "gcore+zstd", "wall_ns")),
        ("memsnap wall / gcore wall",
         med("warm", "memsnap", "wall_ns"), med("warm", "gcore", "wall_ns")),
        ("memsnap size / zstd-1 size",
         med("warm", "memsnap", "size"), med("warm", "gcore+zstd", "size")),
        ("cold: memsnap frozen / gcore frozen",
         med("cold", "memsnap", "frozen_ns"), med("cold", "gcore", "frozen_ns")),
        ("cold: memsnap wall / (gcore + zstd) wall",
         med("cold", "memsnap", "wall_ns"), med("cold", "gcore+zstd", "wall_ns")),
        ("--method buffer frozen / gcore frozen",
         med("warm", "memsnap-buffer", "frozen_ns"), med("warm", "gcore", "frozen_ns")),
        ("--method buffer wall / (gcore + zstd) wall",
         med("warm", "memsnap-buffer", "wall_ns"), med("warm", "gcore+zstd", "wall_ns")),
        ("--cow frozen / gcore frozen (goal 0.05)",
         med("warm", "memsnap-cow", "frozen_ns"), med("warm", "gcore", "frozen_ns")),
        ("--cow wall / (gcore + zstd) wall (goal 0.5)",
         med("warm", "memsnap-cow", "wall_ns"), med("warm", "gcore+zstd", "wall_ns")),
        ("--cow size / default size",
         med("warm", "memsnap-cow", "size"), med("warm", "memsnap", "size")),
        ("cold: --cow frozen / gcore frozen",
         med("cold", "memsnap-cow", "frozen_ns"), med("cold", "gcore", "frozen_ns")),
        ):
    print("  %-42s %s" % (label, ratio(a, b)))
rss = med("warm", "memsnap", "rss_kb")
print("  %-42s %s" % ("memsnap peak RSS (goal: at most 256 MiB)", fmt(rss, "kMiB")))
rss = med("warm", "memsnap-cow", "rss_kb")
print("  %-42s %s" % ("--cow peak RSS (goal: at most 256 MiB)", fmt(rss, "kMiB")))
print()

print("memsnap's own figures (from the manifest)")
for phase in ("warm", "cold"):
    for t in ("memsnap", "memsnap-buffer", "memsnap-cow"):
        if (phase, t) not in rows:
            continue
        rd = med(phase, t, "read_bytes")
        cp = med(phase, t, "copy_ns")
        fz = med(phase, t, "tool_frozen_ns")
        wall = med(phase, t, "wall_ns")
        parts = ["frozen (manifest) %s" % fmt(fz, "ms")]
        if med(phase, t, "verify_ns") is not None:
            parts.append("of it verifying %s" % fmt(med(phase, t, "verify_ns"), "ms"))
            parts.append("pre-copy %s" % fmt(med(phase, t, "precopy_ns"), "s"))
        parts.append("copy %s GB/s" % ("%.2f" % (rd / cp) if rd and cp
                                      else "- (no copy_ns)"))
        parts.append("whole capture %s GB/s" % ("%.2f" % (rd / wall)
                                                if rd and wall else "-"))
        print("  %-18s %s" % ("%s %s:" % (phase, t), ", ".join(parts)))
PY
}

: >"$RESULTS"
for size in $SIZES; do
	bench_size "$size" | tee -a "$RESULTS"
	echo | tee -a "$RESULTS"
done
