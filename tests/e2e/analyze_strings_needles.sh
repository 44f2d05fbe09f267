#!/bin/bash
# strings over a snapshot of the needles victim: the text needle at its
# two addresses (and the wide one with --utf16), with their regions; JSON
# and YAML stream and parse; filters and the minimum length apply.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_needles.sh"
require_tools
require_ptrace

needles_start

assert_exit 0 "$ANALYZE" strings "$SNAP"
grep NEEDLE "$SCRATCH/last.out" | grep -v '^#' >"$SCRATCH/got.txt"
printf '%s %s ascii %s\n' "$HEAP_TEXT" "$HEAP_REGION" "$TEXT_NEEDLE" \
	"$MAP_TEXT" "$MAP_REGION" "$TEXT_NEEDLE" >"$SCRATCH/want.txt"
diff "$SCRATCH/want.txt" "$SCRATCH/got.txt" || fail "strings: needle lines"
assert_matches "$SCRATCH/last.out" "^# [0-9]+ strings$"
assert_matches "$SCRATCH/last.out" "^# .*not scanned: "

assert_exit 0 "$ANALYZE" strings --utf16 "$SNAP"
grep NEEDLE "$SCRATCH/last.out" | grep -v '^#' >"$SCRATCH/got.txt"
printf '%s %s ascii %s\n%s %s utf16 %s\n' \
	"$HEAP_TEXT" "$HEAP_REGION" "$TEXT_NEEDLE" \
	"$HEAP_WIDE" "$HEAP_REGION" "$WIDE_NEEDLE" \
	"$MAP_TEXT" "$MAP_REGION" "$TEXT_NEEDLE" \
	"$MAP_WIDE" "$MAP_REGION" "$WIDE_NEEDLE" >"$SCRATCH/want.txt"
diff "$SCRATCH/want.txt" "$SCRATCH/got.txt" || fail "strings --utf16: needle lines"

# json: the same, with paths; every string's address lies in its region
assert_exit 0 "$ANALYZE" strings -w "$SNAP" --format json
python3 - "$SCRATCH/last.out" "$SCRATCH/info.json" <<PY || fail "strings --format json"
import json, sys
d = json.load(open(sys.argv[1]))
info = {r["index"]: r for r in json.load(open(sys.argv[2]))["regions"]}
got = sorted((s["address"], s["region"], s["path"], s["encoding"], s["text"])
             for s in d["strings"] if "NEEDLE" in s["text"])
want = sorted([("$HEAP_TEXT", $HEAP_REGION, "[heap]", "ascii", "$TEXT_NEEDLE"),
               ("$MAP_TEXT", $MAP_REGION, "", "ascii", "$TEXT_NEEDLE"),
               ("$HEAP_WIDE", $HEAP_REGION, "[heap]", "utf16", "$WIDE_NEEDLE"),
               ("$MAP_WIDE", $MAP_REGION, "", "utf16", "$WIDE_NEEDLE")])
assert got == want, (got, want)
assert d["count"] == len(d["strings"])
for s in d["strings"]:
    r = info[s["region"]]
    a = int(s["address"], 16)
    n = s["length"] * (2 if s["encoding"] == "utf16" else 1)
    assert int(r["start"], 16) <= a and a + n <= int(r["end"], 16), s
    assert s["length"] >= 4
assert any(g["why"] == "absent" for g in d["not_scanned"])
PY
assert_exit 0 "$ANALYZE" strings "$SNAP" --format yaml
python3 -c 'import sys,yaml; d=yaml.safe_load(open(sys.argv[1])); assert d["count"] == len(d["strings"]) > 0' \
	"$SCRATCH/last.out" || fail "strings --format yaml"

# filters: the heap only; a minimum longer than the needle
assert_exit 0 "$ANALYZE" strings --regions heap "$SNAP"
assert_eq "$(grep -c NEEDLE "$SCRATCH/last.out")" 1 "needles in the heap"
assert_exit 0 "$ANALYZE" strings -n 21 "$SNAP"
grep -q NEEDLE "$SCRATCH/last.out" && fail "-n 21 shows the 20-character needle"
assert_exit 0 "$ANALYZE" strings -n 20 "$SNAP"
assert_eq "$(grep -c NEEDLE "$SCRATCH/last.out")" 2 "-n 20"

# one page at a time: strings crossing every block boundary are carried
# over, so the output is the same as with 8 MiB blocks
assert_exit 0 "$ANALYZE" strings -w "$SNAP"
cp "$SCRATCH/last.out" "$SCRATCH/big_blocks.txt"
assert_exit 0 "$ANALYZE" strings -w --block-size 4K --threads 3 "$SNAP"
diff "$SCRATCH/big_blocks.txt" "$SCRATCH/last.out" >/dev/null ||
	fail "strings --block-size 4K differs from 8M blocks"

# usage errors
assert_exit 2 "$ANALYZE" strings
assert_exit 2 "$ANALYZE" strings --block-size 1K "$SNAP"
assert_eq "$(tail -n 1 "$SCRATCH/last.err")" "Try 'memsnap-analyze strings --help'" "usage hint"
assert_exit 2 "$ANALYZE" strings -n 0 "$SNAP"
assert_exit 2 "$ANALYZE" strings "$SNAP" --format csv
assert_exit 0 "$ANALYZE" strings --help
log "strings shows the needles at their addresses and regions"
