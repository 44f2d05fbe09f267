#!/bin/bash
# search over a snapshot of the needles victim: a text, a wide text, a
# hex pattern with a wildcard, a regex and a pointer are found exactly
# where the victim put them, with region, offset and an excerpt.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_needles.sh"
require_tools
require_ptrace

needles_start

# search_hits ARGS...: run search --format json (exit 1: hits), print
# "address region path length" per hit, sorted.
search_hits() {
	assert_exit 1 "$ANALYZE" search "$SNAP" --format json "$@"
	python3 - "$SCRATCH/last.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["hits_total"] == len(d["hits"]) == d["hits_shown"], d
for h in sorted(d["hits"], key=lambda h: int(h["address"], 16)):
    print(h["address"], h["region"], h.get("path") or "-", h["length"])
PY
}

# expect GOT WANT WHAT
expect() {
	[ "$1" = "$2" ] || fail "$3: got
$1
want
$2"
}

pair() {   # ADDR1 ADDR2 LEN: the two expected hits, heap first
	printf '%s %s [heap] %s\n%s %s - %s\n' "$1" "$HEAP_REGION" "$3" \
		"$2" "$MAP_REGION" "$3"
}

expect "$(search_hits --string "$TEXT_NEEDLE")" \
	"$(pair "$HEAP_TEXT" "$MAP_TEXT" 20)" "--string"
expect "$(search_hits --string "$WIDE_NEEDLE" --utf16)" \
	"$(pair "$HEAP_WIDE" "$MAP_WIDE" 40)" "--string --utf16"
p=($PATTERN_HEX)
expect "$(search_hits --hex "${p[0]} ${p[1]} ?? ${p[*]:3}")" \
	"$(pair "$HEAP_PATTERN" "$MAP_PATTERN" 16)" "--hex with a wildcard"
expect "$(search_hits --regex 'MSNAP_T[A-Z]+_NEEDLE_[0-9]+')" \
	"$(pair "$HEAP_TEXT" "$MAP_TEXT" 20)" "--regex"
expect "$(search_hits -i --string msnap_text_needle_41)" \
	"$(pair "$HEAP_TEXT" "$MAP_TEXT" 20)" "--ignore-case"
# the pointer the victim stored in its mapping (others may be on its stack)
search_hits --pointer-to "$HEAP_BUF" >"$SCRATCH/ptr.txt"
grep -qx "$MAP_POINTER $MAP_REGION - 8" "$SCRATCH/ptr.txt" ||
	fail "--pointer-to $HEAP_BUF misses $MAP_POINTER: $(cat "$SCRATCH/ptr.txt")"

# the pattern crosses a page boundary in the mapping: data and context
assert_exit 1 "$ANALYZE" search "$SNAP" --hex "$PATTERN_HEX" -f json --context 8
python3 - "$SCRATCH/last.out" "$MAP_PATTERN" "${PATTERN_HEX// /}" <<'PY' || fail "hit data and context"
import json, sys
d = json.load(open(sys.argv[1]))
h = [h for h in d["hits"] if h["address"] == sys.argv[2]][0]
assert h["data"] == sys.argv[3], h
assert h["context"] == "a5" * 8 + sys.argv[3] + "00" * 8, h   # page 5 is zero past it
assert int(h["context_address"], 16) == int(sys.argv[2], 16) - 8, h
assert int(h["offset"], 16) == 5 * 4096 - 8, h
PY

# text: one line per hit with region and path, then a hexdump excerpt
assert_exit 1 "$ANALYZE" search --string "$TEXT_NEEDLE" "$SNAP"
grep -Eq "^$HEAP_TEXT region $HEAP_REGION \+0x[0-9a-f]+ \[heap\] len 20\$" "$SCRATCH/last.out" ||
	fail "text hit line: $(head -n 3 "$SCRATCH/last.out")"
assert_matches "$SCRATCH/last.out" "4d 53 4e 41 50 5f 54 45  58 54 5f 4e 45 45 44 4c  \|MSNAP_TEXT_NEEDL\|"
assert_matches "$SCRATCH/last.out" "^# 2 hits$"

# the same with blocks of two pages (a hit crosses a page boundary)
assert_exit 1 "$ANALYZE" search "$SNAP" --hex "$PATTERN_HEX" --block-size 8K
grep -c '^0x' "$SCRATCH/last.out" | grep -qx 2 || fail "--block-size 8K: $(cat "$SCRATCH/last.out")"

# --max shows fewer but counts all; --regions narrows; yaml parses
assert_exit 1 "$ANALYZE" search "$SNAP" --string "$TEXT_NEEDLE" --max 1 -f json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert (d["hits_total"], d["hits_shown"], len(d["hits"])) == (2, 1, 1), d' \
	"$SCRATCH/last.out" || fail "--max 1"
expect "$(search_hits --string "$TEXT_NEEDLE" --regions heap)" \
	"$HEAP_TEXT $HEAP_REGION [heap] 20" "--regions heap"
assert_exit 1 "$ANALYZE" search "$SNAP" --string "$TEXT_NEEDLE" -f yaml
python3 -c 'import sys,yaml; d=yaml.safe_load(open(sys.argv[1])); assert len(d["hits"]) == 2' \
	"$SCRATCH/last.out" || fail "--format yaml"

# nothing found: exit 0; a pattern cannot add rule text of its own
assert_exit 0 "$ANALYZE" search "$SNAP" --string 'MSNAP_ABSENT_NEEDLE_99'
assert_exit 0 "$ANALYZE" search "$SNAP" --string 'x" condition: true } rule y { strings: $a = "MSNAP'
assert_exit 2 "$ANALYZE" search "$SNAP" --hex '41 } condition: true }'
assert_exit 0 "$ANALYZE" search "$SNAP" --regex 'abc/ condition: true } //'
# usage errors
assert_exit 2 "$ANALYZE" search "$SNAP"
assert_eq "$(tail -n 1 "$SCRATCH/last.err")" "Try 'memsnap-analyze search --help'" "usage hint"
assert_exit 2 "$ANALYZE" search "$SNAP" --string a --hex 41
assert_exit 2 "$ANALYZE" search --string a
assert_exit 2 "$ANALYZE" search "$SNAP" --hex 'zz'
assert_exit 2 "$ANALYZE" search "$SNAP" --pointer-to nowhere
assert_exit 0 "$ANALYZE" search --help
log "search finds each indicator where the victim put it"
