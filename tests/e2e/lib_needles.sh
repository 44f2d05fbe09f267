# tests/e2e/lib_needles.sh - the needles victim, captured, for the yara,
# search and strings tests (source it after lib.sh).
#
# needles_start: start samples/needles, capture it into $SNAP, and set
#   HEAP_TEXT HEAP_WIDE HEAP_PATTERN HEAP_BUF MAP_START MAP_END MAP_TEXT
#   MAP_WIDE MAP_PATTERN MAP_POINTER MAP_UNTOUCHED  (the victim's addresses)
#   PATTERN_HEX  ("c7 bc ..." the 16 pattern bytes)
#   HEAP_REGION MAP_REGION  (indexes of the regions that hold them, from info)
# needles_rules FILE: write the rule set the tests use, with those addresses.

TEXT_NEEDLE=MSNAP_TEXT_NEEDLE_41
WIDE_NEEDLE=MSNAP_WIDE_NEEDLE_42

# region_of INFO_JSON ADDR: index of the region holding ADDR.
region_of() {
	python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a = int(sys.argv[2], 16)
for r in d["regions"]:
    if int(r["start"], 16) <= a < int(r["end"], 16):
        print(r["index"])
        break
else:
    sys.exit("no region holds %s" % sys.argv[2])
PY
}

needles_start() {
	local k
	# the needles must come from memory, never from the binary's file
	if grep -qa -e "$TEXT_NEEDLE" -e MSNAP_WIDE "$SAMPLES/needles"; then
		fail "samples/needles holds a needle in its file"
	fi
	start_victim "$SAMPLES/needles"
	for k in heap_buf heap_text heap_wide heap_pattern map_start map_end \
		map_text map_wide map_pattern map_pointer map_untouched \
		map_zero_start map_zero_end; do
		eval "$(echo "$k" | tr a-z A-Z)=$(victim_value "$k")"
	done
	PATTERN_HEX=$(python3 -c 'print(" ".join("%02x" % (((i * 73 + 0x9d) ^ 0x5a) & 255) for i in range(16)))')
	SNAP=$SCRATCH/needles.msnap
	capture "$SNAP"
	info_json "$SNAP" "$SCRATCH/info.json"
	HEAP_REGION=$(region_of "$SCRATCH/info.json" "$HEAP_TEXT") || fail "heap region"
	MAP_REGION=$(region_of "$SCRATCH/info.json" "$MAP_TEXT") || fail "map region"
	[ "$HEAP_REGION" != "$MAP_REGION" ] || fail "heap and map in one region"
}

needles_rules() {
	local p=($PATTERN_HEX)
	cat >"$1" <<RULES
rule text_plain : needle { meta: author = "memsnap tests" strings: \$t = "$TEXT_NEEDLE" condition: \$t }
rule text_wide { strings: \$w = "$WIDE_NEEDLE" wide condition: \$w }
rule bytes_hex { strings: \$p = { ${p[0]} ${p[1]} ?? ${p[@]:3} } condition: \$p }
rule regex_text { strings: \$r = /MSNAP_[A-Z]{4}_NEEDLE_4[0-9]/ condition: \$r }
rule text_at_heap { strings: \$t = "$TEXT_NEEDLE" condition: \$t at $HEAP_TEXT }
rule wide_at_map { strings: \$w = "$WIDE_NEEDLE" wide condition: \$w at $MAP_WIDE }
rule bytes_in_map { strings: \$p = { $PATTERN_HEX } condition: \$p in ($MAP_START..$MAP_END) and #p == 2 }
rule read_heap { condition: uint32($HEAP_TEXT) == 0x414e534d }
rule never_there { strings: \$n = "MSNAP_ABSENT_NEEDLE_99" condition: \$n }
rule wrong_at { strings: \$t = "$TEXT_NEEDLE" condition: \$t at ($HEAP_TEXT + 1) }
RULES
}

# needles_zero_rules FILE: rules for the long zero run (no 'at': the
# zero-page proof can hold).
needles_zero_rules() {
	local mid
	mid=$(printf '0x%x' $(((MAP_ZERO_START + MAP_ZERO_END) / 2)))
	cat >"$1" <<RULES
rule zero_edge { strings: \$e = { 00 00 00 00 5a 45 52 4f 45 44 47 45 } condition: \$e }
rule read_zero { condition: uint32($mid) == 0 and uint32($MAP_ZERO_END) == 0x4f52455a }
rule text_again { strings: \$t = "$TEXT_NEEDLE" condition: #t == 2 }
RULES
}
