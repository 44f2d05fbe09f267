#!/bin/bash
# A bounded copy buffer changes how long the target is frozen, never what
# is captured: a 1 GiB big_victim captured by default (pre-copy), with
# --max-buffer 64M, and with --method buffer --max-buffer 64M (which must
# stream while frozen) has the same pages and the same SHA-256 in its big
# region every time; each snapshot verifies.  memsnap's peak RSS with
# pre-copy stays far below the target's size.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/big_victim" 1G
addr=$(victim_value addr)

# region_facts SNAP: page counts of the region that holds the victim's
# memory (info's JSON) and the SHA-256 of its bytes as extracted.
region_facts() {
	local counts sum
	info_json "$1" "$SCRATCH/info.json"
	counts=$(python3 - "$SCRATCH/info.json" "$addr" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a = int(sys.argv[2], 16)
for r in d["regions"]:
    if int(r["start"], 16) <= a < int(r["end"], 16):
        print(r["data"], r["zero"], r["absent"])
        break
else:
    sys.exit("no region holds 0x%x" % a)
PY
) || fail "no region holds $addr"
	sum=$("$ANALYZE" extract "$1" --addr "$addr" --size "$(victim_value size)" \
		-o - | sha256sum | cut -d' ' -f1)
	echo "$counts $sum"
}

rss_kb() {
	sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$1"
}

want=
for opts in "" "--max-buffer 64M" "--method buffer --max-buffer 64M"; do
	snap=$SCRATCH/snap.msnap
	rm -f "$snap"
	# shellcheck disable=SC2086
	assert_exit 0 /usr/bin/time -v -o "$SCRATCH/time.txt" \
		"$MEMSNAP" -p "$VICTIM_PID" -o "$snap" $opts
	assert_exit 0 "$ANALYZE" verify --quick "$snap"
	got=$(region_facts "$snap")
	log "options '${opts}': region $got, peak RSS $(rss_kb "$SCRATCH/time.txt") kB"
	if [ -z "$want" ]; then
		want=$got
		# pre-copy of a quiet 1 GiB target: well under 256 MiB
		[ "$(rss_kb "$SCRATCH/time.txt")" -lt $((256 * 1024)) ] ||
			fail "pre-copy peak RSS $(rss_kb "$SCRATCH/time.txt") kB"
	fi
	assert_eq "$got" "$want" "the big region with options '${opts}'"
done
assert_running
