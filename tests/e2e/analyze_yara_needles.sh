#!/bin/bash
# yara over a snapshot of the needles victim: plain, wide, hex, regex,
# `at` and `in` rules find exactly the needles the victim placed, in the
# regions that hold them, and the yara command line scanning the live
# victim reports the same rules, strings and addresses.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_needles.sh"
require_tools
require_ptrace
command -v yara >/dev/null 2>&1 || fail "yara is not installed (scripts/deps.sh)"

needles_start
rules=$SCRATCH/needles.yar
needles_rules "$rules"

# --- json: exactly the expected matches --------------------------------
assert_exit 1 "$ANALYZE" yara "$rules" "$SNAP" --format json
cp "$SCRATCH/last.out" "$SCRATCH/yara.json"
python3 - "$SCRATCH/yara.json" <<PY || fail "yara json differs from the victim's addresses"
import json, sys
d = json.load(open(sys.argv[1]))
res = d["results"]
assert len(res) == 1, res
got = {}
for m in res[0]["matches"]:
    assert m["namespace"] == "default", m
    got[m["rule"]] = sorted((s["id"], s["address"], s["region"], s["path"],
                             s["length"]) for s in m["strings"])
heap, mp = $HEAP_REGION, $MAP_REGION
def two(i, a, b, n):
    return sorted([(i, a, heap, "[heap]", n), (i, b, mp, "", n)])
want = {
    "text_plain": two("\$t", "$HEAP_TEXT", "$MAP_TEXT", 20),
    "text_wide": two("\$w", "$HEAP_WIDE", "$MAP_WIDE", 40),
    "bytes_hex": two("\$p", "$HEAP_PATTERN", "$MAP_PATTERN", 16),
    "regex_text": two("\$r", "$HEAP_TEXT", "$MAP_TEXT", 20),
    # a string used only with 'at' is matched only there (as by yara)
    "text_at_heap": [("\$t", "$HEAP_TEXT", heap, "[heap]", 20)],
    "wide_at_map": [("\$w", "$MAP_WIDE", mp, "", 40)],
    "bytes_in_map": two("\$p", "$HEAP_PATTERN", "$MAP_PATTERN", 16),
    "read_heap": [],
}
for r in sorted(set(got) | set(want)):
    if got.get(r) != want.get(r):
        sys.exit("rule %s: got %s, want %s" % (r, got.get(r), want.get(r)))
tp = [m for m in res[0]["matches"] if m["rule"] == "text_plain"][0]
assert tp["tags"] == ["needle"] and tp["meta"] == {"author": "memsnap tests"}, tp
s = tp["strings"][0]
assert s["data"] == "$TEXT_NEEDLE".encode().hex(), s
info = json.load(open("$SCRATCH/info.json"))
start = int(info["regions"][heap]["start"], 16)
assert int(s["offset"], 16) == int(s["address"], 16) - start, s
# the untouched pages of the mapping are listed as not scanned, never scanned
ns = res[0]["not_scanned"]
u = int("$MAP_UNTOUCHED", 16)
assert any(int(g["start"], 16) <= u < int(g["end"], 16) and g["why"] == "absent"
           and g["region"] == mp for g in ns), ns
print("json ok:", len(got), "rules")
PY

# --- the yara CLI on the live victim: same rules, strings, addresses ---
yara -s "$rules" "$VICTIM_PID" >"$SCRATCH/cli.out" 2>"$SCRATCH/cli.err"
rc=$?
[ $rc = 0 ] || fail "yara $rules $VICTIM_PID: exit $rc: $(head -n 3 "$SCRATCH/cli.err")"
assert_exit 1 "$ANALYZE" yara "$rules" "$SNAP"
cp "$SCRATCH/last.out" "$SCRATCH/ours.txt"
python3 - "$SCRATCH/cli.out" "$SCRATCH/ours.txt" <<'PY' || fail "yara CLI and memsnap-analyze yara disagree"
import re, sys
def parse(path, ours):
    rules, hits, cur = set(), set(), None
    for line in open(path):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^(0x[0-9a-f]+):(\$\w+): ", line)
        if m:
            hits.add((cur, m.group(1), m.group(2)))
            continue
        cur = line.split(" ")[0]
        rules.add(cur)
    return rules, hits
cli, ours = parse(sys.argv[1], False), parse(sys.argv[2], True)
if cli != ours:
    sys.exit("cli %s\nours %s" % (cli, ours))
print("same as the yara CLI:", len(cli[0]), "rules,", len(cli[1]), "strings")
PY

# rules with 'at' cannot use the zero-page proof: zero pages were scanned
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["results"][0]["zero_pages_proven_clean"] is False' \
	"$SCRATCH/yara.json" || fail "zero pages skipped despite an 'at' rule"

# --- a long run of zero pages: its middle is skipped, never its edges ----
needles_zero_rules "$SCRATCH/zero.yar"
assert_exit 1 "$ANALYZE" yara -f json "$SCRATCH/zero.yar" "$SNAP"
python3 - "$SCRATCH/last.out" <<PY || fail "zero-run rules"
import json
d = json.load(open("$SCRATCH/last.out"))["results"][0]
assert d["zero_pages_proven_clean"] is True, d["scan"]
got = {m["rule"]: [s["address"] for s in m["strings"]] for m in d["matches"]}
edge = "0x%x" % ($MAP_ZERO_END - 4)
assert got.get("zero_edge") == [edge], got
assert "read_zero" in got and "text_again" in got, got
PY
yara -s "$SCRATCH/zero.yar" "$VICTIM_PID" >"$SCRATCH/zcli.out" 2>&1 || fail "yara CLI on zero.yar"
assert_exit 1 "$ANALYZE" yara "$SCRATCH/zero.yar" "$SNAP"
diff <(grep -v '^#' "$SCRATCH/last.out" | sed 's/ \[.*//; s/: region.*//') \
	<(sed "s/ $VICTIM_PID\$//; s/^\(0x[0-9a-f]*:\\\$[a-z]*\):.*/\1/" "$SCRATCH/zcli.out") ||
	fail "zero-run rules: yara CLI and memsnap-analyze differ"

# --- text output: region, path and a hex/ASCII excerpt -------------------
grep -Eq "^$HEAP_TEXT:\\\$t: region $HEAP_REGION \+0x[0-9a-f]+ \[heap\] len 20: 4d 53 4e 41 .*\|MSNAP_TEXT_NEEDL\|$" \
	"$SCRATCH/ours.txt" || fail "text line of \$t: $(grep -m1 '^0x' "$SCRATCH/ours.txt")"
assert_matches "$SCRATCH/ours.txt" "^# .*not scanned: "

# blocks of one page (each read with 64 KiB of overlap): the pattern that
# crosses a page boundary is found once, everything else the same
assert_exit 1 "$ANALYZE" yara --block-size 4K --threads 3 "$rules" "$SNAP"
diff "$SCRATCH/ours.txt" "$SCRATCH/last.out" || fail "yara --block-size 4K differs"

# --- yaml, sarif -----------------------------------------------------------
assert_exit 1 "$ANALYZE" yara --format yaml "$rules" "$SNAP"
python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); assert len(d["results"][0]["matches"]) == 8' \
	"$SCRATCH/last.out" || fail "yara --format yaml"
assert_exit 1 "$ANALYZE" yara -f sarif "$rules" "$SNAP"
python3 - "$SCRATCH/last.out" "$HEAP_TEXT" <<'PY' || fail "yara --format sarif"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == "2.1.0"
run = d["runs"][0]
assert len(run["results"]) == 8, len(run["results"])
assert all(r["locations"] for r in run["results"])
ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
assert "default:text_at_heap" in ids, ids
r = [r for r in run["results"] if r["ruleId"] == "default:text_at_heap"][0]
assert r["locations"][0]["physicalLocation"]["address"]["absoluteAddress"] == int(sys.argv[2], 16)
PY

# --- filters and externals ------------------------------------------------
# only the heap: the map's matches disappear, 'in (map)' no longer holds
assert_exit 1 "$ANALYZE" yara --regions heap "$rules" "$SNAP" -f json
python3 - "$SCRATCH/last.out" <<PY || fail "--regions heap"
import json
d = json.load(open("$SCRATCH/last.out"))["results"][0]
rules = {m["rule"] for m in d["matches"]}
assert "bytes_in_map" not in rules and "wide_at_map" not in rules, rules
assert all(s["region"] == $HEAP_REGION for m in d["matches"] for s in m["strings"])
PY
cat >"$SCRATCH/ext.yar" <<'R'
rule by_pid { condition: pid > 0 and comm == "needles" and exe matches /\/needles$/ }
rule by_define { condition: level == 3 and who == "analyst" }
R
assert_exit 1 "$ANALYZE" yara --pid-meta -d level=3 -d who=analyst "$SCRATCH/ext.yar" "$SNAP"
assert_contains "$SCRATCH/last.out" "by_pid ["
assert_contains "$SCRATCH/last.out" "by_define ["
assert_exit 1 "$ANALYZE" yara --pid-meta -d level=4 -d who=analyst "$SCRATCH/ext.yar" "$SNAP" --regions stack
grep -q "^by_define" "$SCRATCH/last.out" && fail "by_define matched with level=4"
# -d wins over --pid-meta for the same name
echo 'rule by_user { condition: comm == "override" and pid > 0 }' >"$SCRATCH/user.yar"
assert_exit 1 "$ANALYZE" yara --pid-meta -d comm=override "$SCRATCH/user.yar" "$SNAP"
assert_exit 0 "$ANALYZE" yara --pid-meta "$SCRATCH/user.yar" "$SNAP"

# compiled rules (yarac) give the same matches
if command -v yarac >/dev/null 2>&1; then
	yarac "$rules" "$SCRATCH/needles.yarc" || fail "yarac"
	assert_exit 1 "$ANALYZE" yara "$SCRATCH/needles.yarc" "$SNAP"
	diff <(grep -v '^#' "$SCRATCH/ours.txt") <(grep -v '^#' "$SCRATCH/last.out") ||
		fail "compiled rules give other matches"
fi
# a directory of rules; options after the snapshot
mkdir "$SCRATCH/dir"
cp "$rules" "$SCRATCH/dir/a.yar"
echo 'rule other_file { strings: $x = "MSNAP_WIDE" condition: $x }' >"$SCRATCH/dir/b.yara"
echo 'this is not read' >"$SCRATCH/dir/notes.txt"
assert_exit 1 "$ANALYZE" yara "$SCRATCH/dir" "$SNAP" -f json --threads 1
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r={m["rule"] for m in d["results"][0]["matches"]}; assert "text_plain" in r and "other_file" not in r, r' \
	"$SCRATCH/last.out" || fail "directory of rules"

# no match: exit 0
echo 'rule nothing_here { strings: $n = "MSNAP_ABSENT_NEEDLE_99" condition: $n }' >"$SCRATCH/none.yar"
assert_exit 0 "$ANALYZE" yara "$SCRATCH/none.yar" "$SNAP"
log "yara finds the needles where the victim put them, as the yara CLI does"
