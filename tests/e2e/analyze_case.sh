#!/bin/bash
# memsnap-analyze over case directories: info, layout and check run once
# per process (check with a line per process first, its exit code the
# worst); verify also checks every SHA-256 that case.yaml lists (a changed,
# a missing and an unlisted file); yara scans every snapshot in one run;
# diff of two cases matches processes by exe, cmdline and tree position
# and reports those added and gone.  check writes one JSON or YAML document
# for the case; other formats, and other commands' non-text formats, are
# refused.  --with-files stores each file once for the case (files/).
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/counter_tree" 4
first=$VICTIM_PID
assert_exit 0 "$MEMSNAP" -q --tree "$VICTIM_PID" -o "$SCRATCH/a"
assert_exit 0 "$MEMSNAP" -q --tree "$VICTIM_PID" -o "$SCRATCH/a2"
n=$(ls "$SCRATCH/a"/*.msnap | wc -l)
assert_eq "$n" 4 "snapshots in the case"

assert_exit 0 "$ANALYZE" info "$SCRATCH/a"
assert_eq "$(grep -c '^== pid ' "$SCRATCH/last.out")" 4 "info sections"
assert_exit 0 "$ANALYZE" layout "$SCRATCH/a"
assert_eq "$(grep -c '^== pid ' "$SCRATCH/last.out")" 4 "layout sections"

assert_exit 0 "$ANALYZE" check --no-host --ref "$SAMPLES" "$SCRATCH/a"
head -n 5 "$SCRATCH/last.out" >"$SCRATCH/summary"
cat "$SCRATCH/summary"
assert_eq "$(head -n 1 "$SCRATCH/summary" | tr -s ' ')" "PID COMM VERDICT WORST FINDING" "summary header"
assert_eq "$(grep -c "^[0-9]* *counter_tree" "$SCRATCH/summary")" 4 "summary lines"
assert_eq "$(grep -c '^verdict: ' "$SCRATCH/last.out")" 4 "details per process"
# JSON and YAML: one document, a process per entry with its findings.
assert_exit 0 "$ANALYZE" check --no-host --ref "$SAMPLES" --format json "$SCRATCH/a"
python3 - "$SCRATCH/last.out" 4 json <<'PY' || fail "check --format json over a case"
import json, sys, yaml
text = open(sys.argv[1]).read()
d = json.loads(text) if sys.argv[3] == "json" else yaml.safe_load(text)
procs = d["processes"]
assert len(procs) == int(sys.argv[2]), procs
assert d["verdict"] == "clean" and d["exit_code"] == 0, d
for p in procs:
    assert p["comm"] == "counter_tree" and p["pid"] > 0, p
    assert p["verdict"] == "clean" and isinstance(p["findings"], list), p
    assert "worst_finding" in p and p["counts"]["high"] == 0, p
PY
assert_exit 0 "$ANALYZE" check --no-host --ref "$SAMPLES" -f yaml "$SCRATCH/a"
python3 - "$SCRATCH/last.out" 4 yaml <<'PY' || fail "check --format yaml over a case"
import yaml, sys
d = yaml.safe_load(open(sys.argv[1]))
assert len(d["processes"]) == int(sys.argv[2]) and d["verdict"] == "clean", d
PY
assert_exit 2 "$ANALYZE" check --format sarif "$SCRATCH/a"
assert_contains "$SCRATCH/last.err" "as text, JSON or YAML"
assert_exit 2 "$ANALYZE" info --format json "$SCRATCH/a"
assert_contains "$SCRATCH/last.err" "written as text"

# --with-files: each mapped file once in the case's files/ tree, not in
# every snapshot; check binds it there (no host), verify checks its hash.
assert_exit 0 "$MEMSNAP" -q --tree "$first" --with-files -o "$SCRATCH/wf"
exe_copies=$(grep -c "^  stored: files$SAMPLES/counter_tree\$" "$SCRATCH/wf/case.yaml")
assert_eq "$exe_copies" 1 "counter_tree stored once in case.yaml"
cmp "$SAMPLES/counter_tree" "$SCRATCH/wf/files$SAMPLES/counter_tree" || fail "stored copy differs"
assert_exit 0 "$ANALYZE" check --no-host "$SCRATCH/wf"
assert_eq "$(grep -c '0 without one' "$SCRATCH/last.out")" 4 "every module bound from files/"
assert_exit 0 "$ANALYZE" verify "$SCRATCH/wf"
assert_contains "$SCRATCH/last.out" "files$SAMPLES/counter_tree: sha256 ok"
chmod u+w "$SCRATCH/wf/files$SAMPLES/counter_tree"
printf 'X' | dd of="$SCRATCH/wf/files$SAMPLES/counter_tree" bs=1 seek=200 conv=notrunc status=none
assert_exit 1 "$ANALYZE" verify "$SCRATCH/wf"
assert_contains "$SCRATCH/last.out" "files$SAMPLES/counter_tree: SHA-256 MISMATCH"

assert_exit 0 "$ANALYZE" verify "$SCRATCH/a"
assert_eq "$(grep -c 'sha256 ok$' "$SCRATCH/last.out")" 4 "hashes checked"
# A copy of the case with one byte changed, one file gone, one added.
cp -a "$SCRATCH/a" "$SCRATCH/bad"
set -- "$SCRATCH"/bad/*.msnap
printf 'X' | dd of="$1" bs=1 seek=100 conv=notrunc status=none
rm "$2"
echo hello >"$SCRATCH/bad/extra.txt"
assert_exit 2 "$ANALYZE" verify "$SCRATCH/bad"
assert_contains "$SCRATCH/last.out" "$(basename "$1"): SHA-256 MISMATCH"
assert_contains "$SCRATCH/last.out" "$(basename "$2"): MISSING"
assert_contains "$SCRATCH/last.out" "extra.txt: not in case.yaml"

if command -v yara >/dev/null 2>&1; then
	printf 'rule counter_page { strings: $m = "CTRTREE!" condition: $m }\n' >"$SCRATCH/r.yar"
	assert_exit 1 "$ANALYZE" yara "$SCRATCH/r.yar" "$SCRATCH/a"
	assert_eq "$(grep -c '^counter_page ' "$SCRATCH/last.out")" 4 "yara matches, one per snapshot"
fi

# diff: the same tree twice matches every process, none added or gone.
assert_exit 0 "$ANALYZE" diff "$SCRATCH/a" "$SCRATCH/a2" --layout
assert_eq "$(grep -c '^matched: ' "$SCRATCH/last.out")" 4 "matched processes"
grep -Eq '^(added|gone):' "$SCRATCH/last.out" && fail "processes added or gone in the same tree"
# Another tree of 5: matched by exe and place, the fifth added; back: gone.
start_victim "$SAMPLES/counter_tree" 5
assert_exit 0 "$MEMSNAP" -q --tree "$VICTIM_PID" -o "$SCRATCH/b"
assert_exit 1 "$ANALYZE" diff "$SCRATCH/a" "$SCRATCH/b" --layout
assert_eq "$(grep -c '^matched: ' "$SCRATCH/last.out")" 4 "matched processes"
assert_eq "$(grep -c '^added: ' "$SCRATCH/last.out")" 1 "added processes"
assert_contains "$SCRATCH/last.out" "matched: pid $first -> pid $VICTIM_PID "
assert_exit 1 "$ANALYZE" diff "$SCRATCH/b" "$SCRATCH/a" --layout
assert_eq "$(grep -c '^gone: ' "$SCRATCH/last.out")" 1 "gone processes"
assert_exit 2 "$ANALYZE" diff "$SCRATCH/a" "$SCRATCH/a/$(ls "$SCRATCH/a" | head -n 1)"
assert_contains "$SCRATCH/last.err" "compared with another case directory"
