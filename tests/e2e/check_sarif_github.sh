#!/bin/bash
# check's SARIF passes Microsoft's SARIF multitool with GitHub's rules (what
# code scanning requires) and the SARIF 2.1.0 rules: no error, no warning.
# It validates the SARIF of every check the check tests ran before it in
# this run (tests/run.sh keeps them: lib_sarif_tee.sh); run alone, it first runs
# the check tests that give the rules the multitool flagged before (file
# URIs, memfd names, results with no file: anon_exec, thread_in_anon,
# elf_in_anon, process-wide facts).
. "$(dirname "$0")/lib.sh"
require_tools
command -v node >/dev/null 2>&1 ||
	skip "node is not installed (the SARIF multitool comes from npm)"
mt=$(node -e 'console.log(require("@microsoft/sarif-multitool"))' 2>/dev/null ||
	NODE_PATH=$(npm root -g 2>/dev/null) node -e \
		'console.log(require("@microsoft/sarif-multitool"))' 2>/dev/null)
[ -n "$mt" ] && [ -x "$mt" ] ||
	skip "the SARIF multitool is not installed (npm install -g @microsoft/sarif-multitool)"

dir=${MEMSNAP_SARIF_DIR:-}
if [ -z "$dir" ] || [ -z "$(ls "$dir"/*.sarif 2>/dev/null)" ]; then
	dir=$SCRATCH/sarif
	mkdir -p "$dir" || fail "mkdir $dir"
	for t in memfd_exec shellcode_rwx manual_elf_load hook_inline preload \
		tracer_int3; do
		log "running analyze_check_$t for its SARIF"
		MEMSNAP_SARIF_DIR=$dir ANALYZE=$ANALYZE \
			bash "$E2E/analyze_check_$t.sh" >"$SCRATCH/$t.log" 2>&1
		rc=$?
		[ "$rc" = 0 ] || [ "$rc" = 77 ] ||
			fail "analyze_check_$t failed (exit $rc): $(tail -n 5 "$SCRATCH/$t.log")"
	done
fi
files=("$dir"/*.sarif)
[ -e "${files[0]}" ] || fail "no SARIF was kept in $dir"
log "${#files[@]} SARIF reports from $dir"

# Every result has a location; the rules carry their help.
python3 - "${files[@]}" <<'PY' || fail "a SARIF report lacks a location or rule text"
import json, sys
for path in sys.argv[1:]:
    run = json.load(open(path))["runs"][0]
    for r in run["tool"]["driver"]["rules"]:
        assert r["fullDescription"]["text"] and r["help"]["text"], (path, r["id"])
    for res in run["results"]:
        locs = res.get("locations") or [{}]
        assert all(l.get("physicalLocation") or l.get("logicalLocations")
                   for l in locs), (path, res["ruleId"], locs)
PY

# The multitool exits 0 even when it finds errors: read its own log.
out=$SCRATCH/validation.sarif
"$mt" validate --rule-kind "Gh;Sarif" --level "Error;Warning" \
	-o "$out" "${files[@]}" >"$SCRATCH/mt.txt" 2>&1 ||
	fail "the multitool failed: $(tail -n 5 "$SCRATCH/mt.txt")"
grep -q "${#files[@]} files scanned" "$SCRATCH/mt.txt" ||
	fail "the multitool did not scan every report: $(tail -n 5 "$SCRATCH/mt.txt")"
n=$(python3 -c '
import json, sys
print(sum(len(r.get("results", [])) for r in json.load(open(sys.argv[1]))["runs"]))
' "$out") || fail "cannot read the multitool's log"
if [ "$n" != 0 ]; then
	grep -E ': (error|warning) ' "$SCRATCH/mt.txt" | sort | uniq | head -n 20
	fail "the multitool reports $n errors and warnings"
fi
log "0 errors, 0 warnings in ${#files[@]} reports"
