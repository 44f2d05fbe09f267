#!/bin/bash
# --read-swap: a victim with known content (swap_victim, 64 MiB, every page
# stamped with its index) runs in a 16 MiB memory cgroup that pushes most of
# it into a swap file made for the test.  Without --read-swap those pages
# are SWAPPED; with it they are stored, byte for byte the victim's content,
# the manifest says they came from swap (regions[].from_swap), and the
# victim's VmSwap is the same before and after, as is the swap entry (type
# and slot) of every page of its region: it was not touched.
# Then two more victims go to two more swap files (swap types 1 and 2) on a
# 1 KiB-block ext4 (a loop device; the scratch file system if none can be
# made), where extents are not page aligned and swapon's slot k is not file
# page k: one written by dd (read through the file at the slot's place),
# one fallocated (unwritten extents, zeros through the file: read from the
# block device where memsnap may open it, else refused with reason
# unwritten_extent, never stored as zeros).  If zswap is on, it is turned off
# for the test (and back on after); if its pool still holds pages, the
# capture must refuse them with reason zswap.  The swap areas, the cgroup
# and zswap's setting are restored on every exit.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_fault_target.sh"
require_tools
require_ptrace
[ "$(id -u)" = 0 ] || skip "needs root: swapon, a memory cgroup, swap offsets in pagemap"

MIB=64
SEED=7
LIMIT=$((16 << 20))
ZSWAP=/sys/module/zswap/parameters/enabled
CGROUP=
CG_PROCS=
SWAP_ON=()
ZSWAP_WAS=
LOOPDEV=
MNT=

swap_cleanup() {
	local p n=0
	# the victim first: swapoff would swap its pages back in
	for p in "${VICTIM_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for p in "${SWAP_ON[@]}"; do
		swapoff "$p" || echo "# swapoff $p failed"
	done
	[ -n "$MNT" ] && { umount "$MNT" || echo "# umount $MNT failed"; }
	[ -n "$LOOPDEV" ] && { losetup -d "$LOOPDEV" || echo "# losetup -d $LOOPDEV failed"; }
	if [ -n "$CGROUP" ]; then
		until rmdir "$CGROUP" 2>/dev/null; do
			[ $n -lt 50 ] || { echo "# cannot remove $CGROUP"; break; }
			sleep 0.1
			n=$((n + 1))
		done
	fi
	[ -n "$ZSWAP_WAS" ] && echo "$ZSWAP_WAS" >"$ZSWAP"
	return 0
}
at_exit swap_cleanup

# A memory cgroup limited to LIMIT bytes: v2 where the unified hierarchy
# has the memory controller, else v1.  Sets CGROUP and CG_PROCS.
make_cgroup() {
	local name=memsnap-read-swap-$$ base
	for base in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		grep -qw memory "$base/cgroup.subtree_control" 2>/dev/null || continue
		mkdir "$base/$name" || skip "cannot create a v2 cgroup under $base"
		CGROUP=$base/$name
		echo "$LIMIT" >"$CGROUP/memory.max" ||
			skip "the kernel refuses memory.max in $CGROUP"
		CG_PROCS=$CGROUP/cgroup.procs
		log "cgroup v2 $CGROUP, memory.max $LIMIT"
		return 0
	done
	base=/sys/fs/cgroup/memory
	[ -f "$base/memory.limit_in_bytes" ] ||
		skip "no memory cgroup controller (v1, or v2 with memory in subtree_control)"
	mkdir "$base/$name" || skip "cannot create a v1 memory cgroup under $base"
	CGROUP=$base/$name
	echo "$LIMIT" >"$CGROUP/memory.limit_in_bytes" ||
		skip "the kernel refuses memory.limit_in_bytes in $CGROUP"
	CG_PROCS=$CGROUP/cgroup.procs
	log "cgroup v1 $CGROUP, memory.limit_in_bytes $LIMIT"
}

vmswap_kb() {
	awk '/^VmSwap:/ { print $2 }' "/proc/$VICTIM_PID/status"
}

# make_swap FILE PRIO dd|fallocate: a swap file, on at priority PRIO.
make_swap() {
	if [ "$3" = dd ]; then
		dd if=/dev/zero of="$1" bs=1M count=$((MIB * 3)) status=none ||
			fail "cannot write $1"
	else
		fallocate -l $((MIB * 3))M "$1" || skip "fallocate refused on $1"
	fi
	chmod 600 "$1"
	mkswap "$1" >"$SCRATCH/mkswap.out" 2>&1 || fail "mkswap: $(cat "$SCRATCH/mkswap.out")"
	swapon -p "$2" "$1" 2>"$SCRATCH/swapon.err" ||
		skip "the kernel refuses swapon on $1: $(cat "$SCRATCH/swapon.err")"
	SWAP_ON+=("$1")
}

# start_in_cgroup SEED: a swap_victim in the cgroup, its VmSwap in SWAP0.
start_in_cgroup() {
	start_victim sh -c 'echo $$ >"$1" && exec "$2" "$3" "$4"' sh "$CG_PROCS" \
		"$SAMPLES/swap_victim" "$MIB" "$1"
	addr=$(victim_value addr)
	size=$(victim_value size)
	# after ready it touches a few pages of its own (stdio, stack): settle
	local n=0 last=
	SWAP0=$(vmswap_kb)
	while [ "$SWAP0" != "$last" ] && [ $n -lt 20 ]; do
		last=$SWAP0
		sleep 0.5
		SWAP0=$(vmswap_kb)
		n=$((n + 1))
	done
	ENTS0=$(swap_entries)
	log "victim: $size bytes at $addr, VmSwap ${SWAP0} kB, swap entries ${ENTS0%% *}"
	[ "$SWAP0" -gt $((MIB * 1024 / 2)) ] ||
		fail "the cgroup pushed only ${SWAP0} kB of the victim to swap"
}

# small_blocks_fs: FSDIR, a directory on a 1 KiB-block ext4 on a loop
# device, or the scratch directory when one cannot be made.
small_blocks_fs() {
	FSDIR=$SCRATCH
	truncate -s 512M "$SCRATCH/fs.img" &&
		mkfs.ext4 -q -b 1024 "$SCRATCH/fs.img" 2>"$SCRATCH/mkfs.err" || {
		log "no 1 KiB-block ext4 ($(cat "$SCRATCH/mkfs.err")): scratch file system"
		return 0
	}
	LOOPDEV=$(losetup -f --show "$SCRATCH/fs.img" 2>"$SCRATCH/losetup.err") || {
		LOOPDEV=
		log "no loop device ($(cat "$SCRATCH/losetup.err")): scratch file system"
		return 0
	}
	mkdir "$SCRATCH/mnt"
	mount "$LOOPDEV" "$SCRATCH/mnt" 2>"$SCRATCH/mount.err" || {
		log "cannot mount $LOOPDEV ($(cat "$SCRATCH/mount.err")): scratch file system"
		return 0
	}
	MNT=$SCRATCH/mnt
	FSDIR=$MNT
	log "1 KiB-block ext4 on $LOOPDEV at $MNT"
}

# check_content SNAP SEED: the victim's region, byte for byte.
check_content() {
	rm -f "$SCRATCH/region.got"
	extract "$1" "$addr" "$size" "$SCRATCH/region.got"
	python3 - "$size" "$2" "$(getconf PAGESIZE)" >"$SCRATCH/region.want" <<'PY'
import struct, sys
size, seed, page = (int(a) for a in sys.argv[1:4])
base = bytes((seed * 37 + i * 13) & 255 for i in range(512))
tables = [bytes((v + k) & 255 for v in range(256)) for k in range(256)]
out = bytearray()
for b in range(size // 512):
    out += base.translate(tables[b & 255])
for k in range(size // page):
    out[k * page:k * page + 8] = struct.pack("<Q", k)
sys.stdout.buffer.write(out)
PY
	assert_same_bytes "$SCRATCH/region.got" "$SCRATCH/region.want" \
		"the victim's $MIB MiB, partly read from swap"
}

# check_all_read SNAP: every swapped page of the region came from swap.
check_all_read() {
	manifest_check "$1" "
r = region_at('$addr')
got = sum(c for f, c in r.get('from_swap', []))
fact(got >= $SWAP0 // 4 * 9 // 10,
     'from_swap: %d pages read from swap (VmSwap %d kB)' % (got, $SWAP0))
fact(r['pages']['swapped'] == 0, 'no page left SWAPPED (%d)' % r['pages']['swapped'])
fact(r['pages']['data'] == $size // 4096, 'every page stored as data')
fact(not [e for e in doc['errors'] if e['what'] == 'swap'], 'no swap refusals')
"
}

# The region's pagemap swap entries (type, slot, flags), as one digest.
swap_entries() {
	python3 - "$VICTIM_PID" "$addr" "$size" <<'PY'
import hashlib, struct, sys
pid, addr, size = int(sys.argv[1]), int(sys.argv[2], 16), int(sys.argv[3])
with open("/proc/%d/pagemap" % pid, "rb") as f:
    f.seek(addr // 4096 * 8)
    raw = f.read(size // 4096 * 8)
ents = [e for e in struct.unpack("<%dQ" % (len(raw) // 8), raw) if e >> 62 & 1]
print(len(ents), hashlib.sha256(struct.pack("<%dQ" % len(ents), *ents)).hexdigest())
PY
}

meminfo_kb() {
	awk -v k="$1:" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' /proc/meminfo
}

# --- set up: zswap off, a swap file of our own, the cgroup, the victim ---
if [ "$(cat "$ZSWAP" 2>/dev/null)" = Y ]; then
	ZSWAP_WAS=Y
	echo N >"$ZSWAP" || fail "cannot turn zswap off"
	log "zswap turned off for the test"
fi
make_swap "$SCRATCH/swap-dd" 100 dd
make_cgroup
start_in_cgroup "$SEED"

# --- without --read-swap: the pages are SWAPPED, nothing from swap ---
capture "$SCRATCH/plain.msnap"
manifest_check "$SCRATCH/plain.msnap" "
r = region_at('$addr')
fact(r['pages']['swapped'] > 0, 'plain: %d pages swapped' % r['pages']['swapped'])
fact('from_swap' not in r, 'plain: no from_swap')
"
plain_frozen=$(yaml_get "$SCRATCH/plain.msnap" "doc['capture']['frozen_ns']")
assert_eq "$(vmswap_kb)" "$SWAP0" "VmSwap after a plain capture"

# --- pages left in zswap's pool when it was turned off: refused ---
zswapped=$(meminfo_kb Zswapped)
if [ "$zswapped" -gt 0 ]; then
	capture "$SCRATCH/swap.msnap" --read-swap
	manifest_check "$SCRATCH/swap.msnap" "
r = region_at('$addr')
fact(r['pages']['swapped'] > 0 and 'from_swap' not in r,
     'zswap: every swapped page stays SWAPPED')
fact(any(e['what'] == 'swap' and 'zswap' in e['message'] for e in doc['errors']),
     'zswap: the refusal says zswap')
"
	assert_eq "$(vmswap_kb)" "$SWAP0" "VmSwap after the capture"
	assert_running
	log "zswap holds ${zswapped} kB: pages refused with reason zswap"
	exit 0
fi

# --- with --read-swap: stored, from swap, the target untouched ---
capture "$SCRATCH/swap.msnap" --read-swap
assert_eq "$(vmswap_kb)" "$SWAP0" "VmSwap after --read-swap (the target was not touched)"
assert_eq "$(swap_entries)" "$ENTS0" "the region's swap entries after --read-swap"
assert_running
assert_exit 0 "$ANALYZE" verify "$SCRATCH/swap.msnap"
check_all_read "$SCRATCH/swap.msnap"
check_content "$SCRATCH/swap.msnap" "$SEED"
info_json "$SCRATCH/swap.msnap" "$SCRATCH/info.json"
from_swap=$($JSON_GET "$SCRATCH/info.json" \
	"[r for r in doc['regions'] if r['start'] == '$addr'][0]['from_swap']")
[ "$from_swap" -gt 0 ] || fail "info --list-regions shows from_swap $from_swap"
# a figure for the report, not an assertion: the freeze grew by the reads
swap_frozen=$(yaml_get "$SCRATCH/swap.msnap" "doc['capture']['frozen_ns']")
log "read $from_swap pages from swap; frozen ${plain_frozen} ns plain," \
	"${swap_frozen} ns with --read-swap: about" \
	"$(awk -v n="$from_swap" -v a="$plain_frozen" -v b="$swap_frozen" \
		'BEGIN { d = (b - a) / 1e9; if (d <= 0) print "n/a"; else printf "%.0f", n / d }') pages/s"

# --- swap types 1 and 2, on a file system with 1 KiB blocks ---
kill -KILL "$VICTIM_PID"
wait "$VICTIM_PID" 2>/dev/null
small_blocks_fs
make_swap "$FSDIR/swap-dd" 200 dd
start_in_cgroup $((SEED + 2))
capture "$SCRATCH/dd1k.msnap" --read-swap
assert_eq "$(vmswap_kb)" "$SWAP0" "VmSwap after --read-swap (second area)"
assert_eq "$(swap_entries)" "$ENTS0" "the region's swap entries (second area)"
check_all_read "$SCRATCH/dd1k.msnap"
check_content "$SCRATCH/dd1k.msnap" $((SEED + 2))
log "swap file written by dd on $FSDIR: every page read, content matches"

kill -KILL "$VICTIM_PID"
wait "$VICTIM_PID" 2>/dev/null
make_swap "$FSDIR/swap-falloc" 300 fallocate
start_in_cgroup $((SEED + 4))
used=$(awk -v f="$FSDIR/swap-falloc" '$1 == f { print $4 }' /proc/swaps)
[ "${used:-0}" -gt 0 ] || fail "nothing went to the fallocated swap file"
capture "$SCRATCH/falloc.msnap" --read-swap
assert_eq "$(vmswap_kb)" "$SWAP0" "VmSwap after --read-swap (fallocated area)"
assert_eq "$(swap_entries)" "$ENTS0" "the region's swap entries (fallocated area)"
assert_running
# Read from the file system's block device (ext4, xfs, where memsnap may
# open it), or refused as unwritten_extent: never zeros stored as data.
refused=$(yaml_get "$SCRATCH/falloc.msnap" "len([e for e in doc['errors'] if e['what'] == 'swap'])")
if [ "$refused" = 0 ]; then
	check_all_read "$SCRATCH/falloc.msnap"
	check_content "$SCRATCH/falloc.msnap" $((SEED + 4))
	log "fallocated swap file: unwritten slots read from the block device"
else
	manifest_check "$SCRATCH/falloc.msnap" "
r = region_at('$addr')
errs = [e for e in doc['errors'] if e['what'] == 'swap']
fact(all('unwritten_extent' in e['message'] for e in errs),
     'every refusal says unwritten_extent: ' + errs[0]['message'])
fact('from_swap' not in r and r['pages']['swapped'] >= $SWAP0 // 4 * 9 // 10,
     'the unwritten slots stay SWAPPED (%d)' % r['pages']['swapped'])
"
	log "fallocated swap file: refused ($(yaml_get "$SCRATCH/falloc.msnap" \
		"[e for e in doc['errors'] if e['what'] == 'swap'][0]['message']"))"
fi
assert_running
