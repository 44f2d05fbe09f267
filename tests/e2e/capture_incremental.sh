#!/bin/bash
# capture_incremental: memsnap --parent stores only the pages that changed
# since the parent, and every analyzer command reads the child as the whole
# memory, its unchanged pages taken from the parent (and its parent's).
#
# A victim is captured full, then changes a known set of pages; stopped
# (SIGSTOP), it is captured against the full one with each method and once
# more in full, at the same instant: every region must extract to the same
# bytes.  Then a third level; then a removed, a renamed, a moved and an
# altered parent.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

D=$SCRATCH/snaps
mkdir "$D"

# extract_all A B: every region of A extracts to the bytes of B's.
extract_all() {
	local n i
	"$ANALYZE" info "$2" --format json >"$SCRATCH/info.json" ||
		fail "info $2"
	n=$($JSON_GET "$SCRATCH/info.json" 'doc["snapshot"]["regions"]')
	[ "$n" -gt 10 ] || fail "only $n regions in $2"
	for i in $(seq 0 $((n - 1))); do
		assert_exit 0 "$ANALYZE" extract "$1" --region "$i" -o "$SCRATCH/a.$i"
		assert_exit 0 "$ANALYZE" extract "$2" --region "$i" -o "$SCRATCH/b.$i"
		assert_same_bytes "$SCRATCH/a.$i" "$SCRATCH/b.$i" "$(basename "$1") region $i"
		rm -f "$SCRATCH/a.$i" "$SCRATCH/b.$i"
	done
}

# stop_victim: SIGSTOP, and wait until every thread has stopped (the
# signal is delivered asynchronously: a capture right after kill could see
# the ticker thread still running).
stop_victim() {
	local n=0 t
	kill -STOP "$VICTIM_PID" || fail "cannot stop the victim"
	while :; do
		for t in /proc/"$VICTIM_PID"/task/*/stat; do
			[ "$(sed 's/.*) //' "$t" | cut -d' ' -f1)" = T ] || break
		done
		[ "$(sed 's/.*) //' "$t" | cut -d' ' -f1)" = T ] && break
		[ $n -lt 100 ] || fail "the victim did not stop"
		sleep 0.05
		n=$((n + 1))
	done
}

size_of() {
	stat -c %s "$1"
}

start_victim "$SAMPLES/big_victim" 16M 0.01
capture "$D/full.msnap"

# Level 1: 1% of the pages changed, then the same instant three ways.
victim_signal USR1 mutated
log "victim changed $(victim_value mutated) pages"
stop_victim
capture "$D/inc.msnap" --parent "$D/full.msnap"
capture "$D/inc_buffer.msnap" --parent "$D/full.msnap" --method buffer
capture "$D/same1.msnap"
# last: --cow injects a fork, which leaves traces in libc's memory and the
# stack of the thread that ran it, so only the victim's mapping is compared
capture "$D/inc_cow.msnap" --parent "$D/full.msnap" --cow
kill -CONT "$VICTIM_PID"
assert_running

full=$(size_of "$D/full.msnap")
for f in inc inc_buffer inc_cow; do
	got=$(size_of "$D/$f.msnap")
	log "$f.msnap: $got bytes, full: $full"
	[ $((got * 20)) -lt "$full" ] ||
		fail "$f.msnap is $got bytes, not under 5% of the full $full"
	[ "$f" = inc_cow ] || extract_all "$D/$f.msnap" "$D/same1.msnap"
done
addr=$(victim_value addr)
size=$(victim_value size)
extract "$D/inc_cow.msnap" "$addr" "$size" "$SCRATCH/cow.bin"
extract "$D/same1.msnap" "$addr" "$size" "$SCRATCH/same1.bin"
assert_same_bytes "$SCRATCH/cow.bin" "$SCRATCH/same1.bin" "inc_cow.msnap mapping"
rm -f "$SCRATCH/cow.bin" "$SCRATCH/same1.bin"
assert_exit 0 "$ANALYZE" verify "$D/inc_cow.msnap"
assert_exit 0 "$ANALYZE" verify "$D/inc.msnap"
assert_exit 0 "$ANALYZE" info "$D/inc.msnap" --format json
assert_contains "$SCRATCH/last.out" '"parent_id"'
# diff against the full capture of the same instant: nothing differs
assert_exit 0 "$ANALYZE" diff "$D/inc.msnap" "$D/same1.msnap"
assert_contains "$SCRATCH/last.out" "0 differ"
assert_exit 0 "$ANALYZE" export-core "$D/inc.msnap" -o "$SCRATCH/inc.core"
assert_exit 0 "$ANALYZE" export-core "$D/same1.msnap" -o "$SCRATCH/same1.core"
assert_same_bytes "$SCRATCH/inc.core" "$SCRATCH/same1.core" "export-core"
rm -f "$SCRATCH"/*.core
# strings (and yara, search: the same scanner) read on worker threads
# (the summary line, which names the file, left out)
assert_exit 0 "$ANALYZE" strings -j 2 -r anon "$D/inc.msnap"
grep -v '^#' "$SCRATCH/last.out" >"$SCRATCH/inc.strings"
assert_exit 0 "$ANALYZE" strings -j 2 -r anon "$D/same1.msnap"
grep -v '^#' "$SCRATCH/last.out" >"$SCRATCH/same1.strings"
[ "$(wc -l <"$SCRATCH/same1.strings")" -gt 1000 ] || fail "few strings in the victim"
assert_same_bytes "$SCRATCH/inc.strings" "$SCRATCH/same1.strings" "strings"

# Level 2 against level 1: a chain of three files.
victim_signal USR1 mutated
stop_victim
capture "$D/inc2.msnap" --parent "$D/inc.msnap"
capture "$D/same2.msnap"
kill -CONT "$VICTIM_PID"
extract_all "$D/inc2.msnap" "$D/same2.msnap"
assert_exit 0 "$ANALYZE" verify --format json "$D/inc2.msnap"
assert_eq "$($JSON_GET "$SCRATCH/last.out" 'len(doc["parents"])')" 2 "parents verified"

# The parent is found by capture id under another name, and through
# --parent-dir (or $MSNAP_PARENT_DIR) when moved away.
mv "$D/full.msnap" "$D/renamed.msnap"
assert_exit 0 "$ANALYZE" verify "$D/inc2.msnap"
mkdir "$SCRATCH/away"
mv "$D/renamed.msnap" "$SCRATCH/away/"
assert_exit 2 "$ANALYZE" extract "$D/inc2.msnap" --region 0 -o "$SCRATCH/x"
assert_contains "$SCRATCH/last.err" "parent 'full.msnap'"
assert_contains "$SCRATCH/last.err" "not found"
assert_exit 2 "$ANALYZE" verify "$D/inc.msnap"
assert_contains "$SCRATCH/last.err" "full.msnap"
assert_exit 0 "$ANALYZE" verify --parent-dir "$SCRATCH/away" "$D/inc2.msnap"
MSNAP_PARENT_DIR=$SCRATCH/away assert_exit 0 "$ANALYZE" strings "$D/inc.msnap"

# An altered parent (one byte flipped in its middle) is refused, by every
# command, and by memsnap --parent before the target is touched.
cp "$SCRATCH/away/renamed.msnap" "$D/full.msnap"
off=$(($(size_of "$D/full.msnap") / 2))
python3 - "$D/full.msnap" "$off" <<'EOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2]))
    b = f.read(1)
    f.seek(int(sys.argv[2]))
    f.write(bytes([b[0] ^ 0x01]))
EOF
assert_exit 2 "$ANALYZE" extract "$D/inc.msnap" --region 0 -o "$SCRATCH/x"
assert_contains "$SCRATCH/last.err" "full.msnap"
assert_contains "$SCRATCH/last.err" "altered"
assert_exit 2 "$ANALYZE" verify "$D/inc2.msnap"
assert_contains "$SCRATCH/last.err" "altered"
assert_exit 2 "$MEMSNAP" -p "$VICTIM_PID" -o "$D/never.msnap" --parent "$D/nosuch.msnap"
assert_contains "$SCRATCH/last.err" "nosuch.msnap"
[ ! -e "$D/never.msnap" ] || fail "a refused capture left a file"
assert_running
echo "ok"
