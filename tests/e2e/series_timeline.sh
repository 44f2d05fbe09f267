#!/bin/bash
# A series of a victim that leaks heap memory in steps: the timeline names
# [heap] as the first leak suspect; its SVG renders (rsvg-convert) with the
# title element, and the heap band is taller at the last snapshot than at
# the first; the HTML page embeds the same picture.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_series.sh"
require_tools
require_ptrace
command -v rsvg-convert >/dev/null || fail "rsvg-convert missing (scripts/deps.sh installs librsvg2-bin)"

start_victim "$SAMPLES/trigger_victim" leak
start_series "$SCRATCH/d" -p "$VICTIM_PID" --every 300ms --count 5
series_wait 0
assert_running

assert_exit 0 "$ANALYZE" timeline --format json --svg "$SCRATCH/t.svg" \
	--html "$SCRATCH/t.html" "$SCRATCH/d"
assert_eq "$($JSON_GET "$SCRATCH/last.out" 'doc["leak_suspects"][0]["region"]')" "[heap]" \
	"first leak suspect"
assert_eq "$($JSON_GET "$SCRATCH/last.out" 'doc["leak_suspects"][0]["kind"]')" heap \
	"its kind"
# a region of the executable never grows
python3 - "$SCRATCH/last.out" <<'PY' || fail "timeline regions are wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["snapshots"]) == 5
heap = [r for r in d["regions"] if r["region"] == "[heap]"][0]
assert heap["grows_only"] and heap["present"][-1] > heap["present"][0]
assert not any(r["grows_only"] for r in d["regions"] if r["kind"] == "file")
# per module: libc is there in every snapshot, and does not grow
libc = [m for m in d["modules"] if "libc.so" in m["module"]][0]
assert len(set(libc["size"])) == 1 and libc["size"][0] > 0
PY
assert_exit 0 "$ANALYZE" timeline "$SCRATCH"/d/snap-0001-*.msnap "$SCRATCH"/d/snap-0003-*.msnap \
	"$SCRATCH"/d/snap-0005-*.msnap
assert_matches "$SCRATCH/last.out" '^ +1 +\[heap\] +heap'

grep -q '<text id="title"' "$SCRATCH/t.svg" || fail "no title element in the SVG"
grep -q 'class="suspect-name"[^>]*>1. \[heap\]' "$SCRATCH/t.svg" ||
	fail "the SVG does not name [heap] as the first growing region"
grep -q '<svg ' "$SCRATCH/t.html" || fail "the HTML page has no SVG"
assert_exit 0 rsvg-convert -o "$SCRATCH/t.png" "$SCRATCH/t.svg"
# heap band colour (#fd8d3c), columns just inside the first and last snapshot
first=$(python3 "$E2E/png_column.py" "$SCRATCH/t.png" 82 fd8d3c)
last=$(python3 "$E2E/png_column.py" "$SCRATCH/t.png" 638 fd8d3c)
log "heap band: $first px at the first snapshot, $last px at the last"
[ "$first" -gt 0 ] || fail "no heap band at the first snapshot"
[ "$last" -gt "$first" ] || fail "heap band does not grow ($first -> $last px)"
