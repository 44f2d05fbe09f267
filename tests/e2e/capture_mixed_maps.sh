#!/bin/bash
# Capture mixed_maps: shared anonymous memory, a memfd, a copy-on-write
# private file mapping, a read-only file mapping, a fixed-address region and
# a mapping split by a PROT_NONE guard page all come out with their
# patterns; inaccessible pages do not stop the capture or hurt the victim.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/mixed_maps"
snap=$SCRATCH/mixed.msnap
page=$(victim_value page_size)

# PROT_NONE pages and a MADV_GUARD_INSTALL guard cannot be read: memsnap
# may call that complete (0) or partial (1, with the reason recorded), but
# must not fail, and must leave a snapshot that verifies.
"$MEMSNAP" -p "$VICTIM_PID" -o "$snap" >"$SCRATCH/cap.out" 2>"$SCRATCH/cap.err"
rc=$?
cat "$SCRATCH/cap.err"
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "memsnap exit $rc"
check_sha256_line "$SCRATCH/cap.err" "$snap" "$snap"
assert_running
assert_exit 0 "$ANALYZE" verify "$snap"

# check NAME [FROM TO SEED]...: extract region NAME and compare it with the
# pattern pieces given as page ranges [FROM, TO) of seed SEED.
check() {
	local name=$1 addr size
	shift
	addr=$(victim_value "${name}_addr")
	size=$(victim_value "${name}_size")
	extract "$snap" "$addr" "$size" "$SCRATCH/$name.got"
	: >"$SCRATCH/$name.want"
	while [ $# -ge 3 ]; do
		$PATTERN gen "$3" $(($1 * page)) $((($2 - $1) * page)) \
			>>"$SCRATCH/$name.want"
		shift 3
	done
	assert_same_bytes "$SCRATCH/$name.got" "$SCRATCH/$name.want" "$name"
	log "$name: $size bytes at $addr match"
}

check shared 0 16 13
check memfd 0 8 14
check cow 0 1 15 1 2 16 2 5 15 5 6 16 6 8 15
check ro 0 4 17
check fixed 0 4 18

# The guarded mapping: pages around the guard hold the pattern.
g=$(victim_value guarded_addr)
assert_eq "$(victim_value guard_page_addr)" "$(printf '0x%x' $((g + 4 * page)))" \
	"guard page address"
extract "$snap" "$g" $((4 * page)) "$SCRATCH/g1.got"
$PATTERN gen 11 0 $((4 * page)) >"$SCRATCH/g1.want"
assert_same_bytes "$SCRATCH/g1.got" "$SCRATCH/g1.want" "guarded pages 0-3"
extract "$snap" $((g + 5 * page)) $((3 * page)) "$SCRATCH/g2.got"
$PATTERN gen 11 $((5 * page)) $((3 * page)) >"$SCRATCH/g2.want"
assert_same_bytes "$SCRATCH/g2.got" "$SCRATCH/g2.want" "guarded pages 5-7"

if [ "$(victim_value lguard_installed)" = 1 ]; then
	l=$(victim_value lguard_addr)
	extract "$snap" "$l" $((2 * page)) "$SCRATCH/l1.got"
	$PATTERN gen 12 0 $((2 * page)) >"$SCRATCH/l1.want"
	assert_same_bytes "$SCRATCH/l1.got" "$SCRATCH/l1.want" "lguard pages 0-1"
	extract "$snap" $((l + 3 * page)) "$page" "$SCRATCH/l3.got"
	$PATTERN gen 12 $((3 * page)) "$page" >"$SCRATCH/l3.want"
	assert_same_bytes "$SCRATCH/l3.got" "$SCRATCH/l3.want" "lguard page 3"
fi

# Region facts: the kinds of the special mappings.
info_json "$snap" "$SCRATCH/info.json"
kind_at() {
	$JSON_GET "$SCRATCH/info.json" \
		"[r['kind'] for r in doc['regions'] if int(r['start'], 16) <= $1 < int(r['end'], 16)][0]"
}
assert_eq "$(kind_at "$(victim_value memfd_addr)")" memfd "kind of the memfd"
assert_eq "$(kind_at "$(victim_value shared_addr)")" shmem \
	"kind of the shared anonymous mapping"
assert_eq "$(kind_at "$(victim_value cow_addr)")" file "kind of the cow mapping"
assert_eq "$(kind_at "$(victim_value ro_addr)")" file "kind of the ro mapping"
assert_eq "$(kind_at "$(victim_value fixed_addr)")" anon "kind of the fixed mapping"
assert_running
