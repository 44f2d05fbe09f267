#!/bin/bash
# yara with hostile or broken inputs: rules that do not compile (the
# compiler's file:line, exit 2), an empty rule set, usage errors (one line
# and where to find help), a snapshot cut short (what is there is scanned,
# what is not is said), a damaged snapshot (no crash).
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_needles.sh"
require_tools
require_ptrace

needles_start
rules=$SCRATCH/needles.yar
needles_rules "$rules"

# --- rules that do not compile: file:line of the error, exit 2 -----------
printf 'rule ok { condition: true }\n\nrule broken {\n  strings: $a = "xyzzy"\n  condition: $b }\n' \
	>"$SCRATCH/bad.yar"
assert_exit 2 "$ANALYZE" yara "$SCRATCH/bad.yar" "$SNAP"
assert_matches "$SCRATCH/last.err" "bad\.yar:5: error: .*\\\$b"
[ -s "$SCRATCH/last.out" ] && fail "output despite rules that do not compile"
# a directory with one bad file fails the same way
mkdir "$SCRATCH/dir"
cp "$rules" "$SCRATCH/dir/good.yar"
cp "$SCRATCH/bad.yar" "$SCRATCH/dir/worse.yara"
assert_exit 2 "$ANALYZE" yara "$SCRATCH/dir" "$SNAP"
assert_matches "$SCRATCH/last.err" "worse\.yara:5: error"
# an undefined external is a compile error too
echo 'rule ext { condition: undefined_thing == 1 }' >"$SCRATCH/ext.yar"
assert_exit 2 "$ANALYZE" yara "$SCRATCH/ext.yar" "$SNAP"
assert_matches "$SCRATCH/last.err" "ext\.yar:1: error: .*undefined_thing"

# --- empty rule sets: refused, nothing scanned for is not "clean" -------
: >"$SCRATCH/empty.yar"
assert_exit 2 "$ANALYZE" yara "$SCRATCH/empty.yar" "$SNAP"
assert_contains "$SCRATCH/last.err" "no rules"
printf '// only a comment\n' >"$SCRATCH/comment.yar"
assert_exit 2 "$ANALYZE" yara "$SCRATCH/comment.yar" "$SNAP"
mkdir "$SCRATCH/nodir"
assert_exit 2 "$ANALYZE" yara "$SCRATCH/nodir" "$SNAP"
assert_contains "$SCRATCH/last.err" "no .yar or .yara file"
assert_exit 2 "$ANALYZE" yara "$SCRATCH/missing.yar" "$SNAP"
# a file that says YARA but is no compiled rule set
printf 'YARA\001\002garbage' >"$SCRATCH/fake.yarc"
assert_exit 2 "$ANALYZE" yara "$SCRATCH/fake.yarc" "$SNAP"

# --- usage errors: one line naming the problem, then where help is -------
usage() {
	assert_exit 2 "$ANALYZE" yara "$@"
	assert_eq "$(wc -l <"$SCRATCH/last.err")" 2 "usage error lines for: $*"
	assert_eq "$(tail -n 1 "$SCRATCH/last.err")" \
		"Try 'memsnap-analyze yara --help'" "usage hint for: $*"
}
usage
usage "$rules"
usage --format xml "$rules" "$SNAP"
usage "$rules" "$SNAP" --no-such-option
usage "$rules" "$SNAP" -d novalue
usage "$rules" "$SNAP" --regions heap,bogus
usage "$rules" "$SNAP" --timeout soon
usage "$rules" "$SNAP" -f
assert_exit 0 "$ANALYZE" yara --help
assert_contains "$SCRATCH/last.out" "usage: memsnap-analyze yara"
assert_exit 0 "$ANALYZE" help yara

# --- a snapshot that is not one ---------------------------------------------
head -c 100 /dev/urandom >"$SCRATCH/noise.msnap"
assert_exit 2 "$ANALYZE" yara "$rules" "$SCRATCH/noise.msnap"

# --- cut short: scan what is there, say what is not ------------------------
# A --method buffer capture: its regions come one after another, so a cut
# at 90% leaves whole regions, and one cut through.  (A pre-copy capture
# cut that early holds only pre-copied chunks, which belong to no region
# until the freeze: FORMAT.md 8.)
capture "$SCRATCH/buffer.msnap" --method buffer
size=$(stat -c %s "$SCRATCH/buffer.msnap")
head -c $((size * 9 / 10)) "$SCRATCH/buffer.msnap" >"$SCRATCH/cut.msnap"
"$ANALYZE" yara -f json "$rules" "$SCRATCH/cut.msnap" >"$SCRATCH/cut.json" \
	2>"$SCRATCH/cut.err"
rc=$?
[ $rc = 0 ] || [ $rc = 1 ] || fail "cut-short snapshot: exit $rc: $(cat "$SCRATCH/cut.err")"
assert_contains "$SCRATCH/cut.err" "snapshot is incomplete"
python3 - "$SCRATCH/cut.json" "$rc" <<PY || fail "cut-short scan"
import json, sys
d = json.load(open(sys.argv[1]))["results"][0]
rc = int(sys.argv[2])
assert "incomplete" in d, d.keys()
assert (rc == 1) == bool(d["matches"]), (rc, d["matches"])
want = {"$HEAP_TEXT", "$MAP_TEXT", "$HEAP_WIDE", "$MAP_WIDE", "$HEAP_PATTERN",
        "$MAP_PATTERN"}
for m in d["matches"]:
    for s in m["strings"]:
        assert s["address"] in want, (m["rule"], s)
# pages the remaining chunks do not hold are listed, never scanned
assert d["not_scanned"], "nothing listed as not scanned"
assert d["scanned"]["bytes"] > 0
print("cut short: exit", rc, "matches", len(d["matches"]), "gaps",
      len(d["not_scanned"]))
PY
# the same file read whole still matches everything
assert_exit 1 "$ANALYZE" yara "$rules" "$SNAP" "$SCRATCH/cut.msnap"

# --- cut short inside a region that claims a terabyte: the stored page is
# scanned, the rest given up after 256 MiB of nothing (not hours of zeros)
cc -Iformats -o "$SCRATCH/craft" "$E2E/craft_cut_region.c" \
	"$ROOT/formats/libmsnap.a" -lzstd -lcrypto -lxxhash -lyaml -pthread ||
	fail "cannot build craft_cut_region.c"
"$SCRATCH/craft" "$SCRATCH/huge.msnap" || fail "craft_cut_region"
for cmd in "yara -f json $rules" "search -f json --string $TEXT_NEEDLE" "strings -f json"; do
	timeout 60 "$ANALYZE" $cmd "$SCRATCH/huge.msnap" >"$SCRATCH/huge.json" 2>"$SCRATCH/huge.err"
	rc=$?
	[ $rc -le 1 ] || fail "$cmd on a terabyte region cut short: exit $rc: $(tail -n 2 "$SCRATCH/huge.err")"
	python3 - "$SCRATCH/huge.json" <<'PY' || fail "$cmd: terabyte region cut short"
import json, sys
d = json.load(open(sys.argv[1]))
d = d["results"][0] if "results" in d else d
addrs = [s["address"] for m in d.get("matches", []) for s in m["strings"]]
addrs += [h["address"] for h in d.get("hits", [])]
addrs += [s["address"] for s in d.get("strings", []) if "NEEDLE" in s["text"]]
assert "0x100000040" in addrs, addrs
assert any(g["why"].startswith("not read: no page table") and
           g["end"] == "0x10100000000" for g in d["not_scanned"]), d["not_scanned"]
PY
done

# --- damaged bytes in the middle: an error or a gap, never a crash ---------
cp "$SNAP" "$SCRATCH/damaged.msnap"
chmod u+w "$SCRATCH/damaged.msnap"
printf '\377\377\377\377\377\377\377\377' |
	dd of="$SCRATCH/damaged.msnap" bs=1 seek=$((size / 2)) conv=notrunc status=none
"$ANALYZE" yara -f json "$rules" "$SCRATCH/damaged.msnap" >"$SCRATCH/dmg.json" \
	2>"$SCRATCH/dmg.err"
rc=$?
[ $rc -le 2 ] || fail "damaged snapshot: exit $rc (crash?)"
if [ $rc != 2 ]; then
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$SCRATCH/dmg.json" ||
		fail "damaged snapshot: output is not JSON"
fi

# --- timeouts are taken and reported ---------------------------------------
assert_exit 1 "$ANALYZE" yara --timeout 60 --region-timeout 30 "$rules" "$SNAP"
log "hostile inputs give exit 2 with the reason, or a scan that says what it missed"
