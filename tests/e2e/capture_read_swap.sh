#!/bin/bash
# --read-swap: a victim with known content (swap_victim, 64 MiB, every page
# stamped with its index) runs in a 16 MiB memory cgroup that pushes most of
# it into a swap file made for the test.  Without --read-swap those pages
# are SWAPPED; with it they are stored, byte for byte the victim's content,
# the manifest says they came from swap (regions[].from_swap), and the
# victim's VmSwap is the same before and after: it was not touched.  If
# zswap is on, it is turned off for the test (and back on after); if its
# pool still holds pages, the capture must refuse them with reason zswap.
# The swap area, the cgroup and zswap's setting are restored on every exit.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_fault_target.sh"
require_tools
require_ptrace
[ "$(id -u)" = 0 ] || skip "needs root: swapon, a memory cgroup, swap offsets in pagemap"

MIB=64
SEED=7
LIMIT=$((16 << 20))
SWAPFILE=$SCRATCH/swapfile
ZSWAP=/sys/module/zswap/parameters/enabled
CGROUP=
CG_PROCS=
SWAP_ON=
ZSWAP_WAS=

swap_cleanup() {
	local p n=0
	# the victim first: swapoff would swap its pages back in
	for p in "${VICTIM_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "$SWAP_ON" ] && { swapoff "$SWAPFILE" || echo "# swapoff $SWAPFILE failed"; }
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

meminfo_kb() {
	awk -v k="$1:" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' /proc/meminfo
}

# --- set up: zswap off, a swap file of our own, the cgroup, the victim ---
if [ "$(cat "$ZSWAP" 2>/dev/null)" = Y ]; then
	ZSWAP_WAS=Y
	echo N >"$ZSWAP" || fail "cannot turn zswap off"
	log "zswap turned off for the test"
fi
dd if=/dev/zero of="$SWAPFILE" bs=1M count=$((MIB * 3)) status=none ||
	fail "cannot write $SWAPFILE"
chmod 600 "$SWAPFILE"
mkswap "$SWAPFILE" >"$SCRATCH/mkswap.out" 2>&1 || fail "mkswap: $(cat "$SCRATCH/mkswap.out")"
swapon -p 32767 "$SWAPFILE" 2>"$SCRATCH/swapon.err" ||
	skip "the kernel refuses swapon on $SWAPFILE: $(cat "$SCRATCH/swapon.err")"
SWAP_ON=1
make_cgroup

start_victim sh -c 'echo $$ >"$1" && exec "$2" "$3" "$4"' sh "$CG_PROCS" \
	"$SAMPLES/swap_victim" "$MIB" "$SEED"
addr=$(victim_value addr)
size=$(victim_value size)
swap0=$(vmswap_kb)
log "victim: $size bytes at $addr, VmSwap ${swap0} kB"
[ "$swap0" -gt $((MIB * 1024 / 2)) ] ||
	fail "the cgroup pushed only ${swap0} kB of the victim to swap"

# --- without --read-swap: the pages are SWAPPED, nothing from swap ---
capture "$SCRATCH/plain.msnap"
manifest_check "$SCRATCH/plain.msnap" "
r = region_at('$addr')
fact(r['pages']['swapped'] > 0, 'plain: %d pages swapped' % r['pages']['swapped'])
fact('from_swap' not in r, 'plain: no from_swap')
"
plain_swapped=$(yaml_get "$SCRATCH/plain.msnap" "[r for r in doc['regions'] if r['start'] == '$addr'][0]['pages']['swapped']")
plain_frozen=$(yaml_get "$SCRATCH/plain.msnap" "doc['capture']['frozen_ns']")
assert_eq "$(vmswap_kb)" "$swap0" "VmSwap after a plain capture"

# --- with --read-swap, while zswap's pool holds nothing ---
zswapped=$(meminfo_kb Zswapped)
if [ "$zswapped" -gt 0 ]; then
	# pages left in zswap's pool when it was turned off: must be refused
	capture "$SCRATCH/swap.msnap" --read-swap
	manifest_check "$SCRATCH/swap.msnap" "
r = region_at('$addr')
fact(r['pages']['swapped'] == $plain_swapped, 'zswap: every swapped page stays SWAPPED')
fact('from_swap' not in r, 'zswap: nothing from swap')
fact(any(e['what'] == 'swap' and 'zswap' in e['message'] for e in doc['errors']),
     'zswap: the refusal says zswap')
"
	assert_eq "$(vmswap_kb)" "$swap0" "VmSwap after the capture"
	assert_running
	log "zswap holds ${zswapped} kB: pages refused with reason zswap"
	exit 0
fi

capture "$SCRATCH/swap.msnap" --read-swap
assert_eq "$(vmswap_kb)" "$swap0" "VmSwap after --read-swap (the target was not touched)"
assert_running
assert_exit 0 "$ANALYZE" verify "$SCRATCH/swap.msnap"
manifest_check "$SCRATCH/swap.msnap" "
r = region_at('$addr')
got = sum(c for f, c in r.get('from_swap', []))
fact(got > 0, 'from_swap: %d pages read from swap' % got)
fact(got >= $plain_swapped * 9 // 10,
     'from_swap: %d of the %d pages swapped at the plain capture' % (got, $plain_swapped))
fact(r['pages']['swapped'] == 0, 'no page left SWAPPED (%d)' % r['pages']['swapped'])
fact(r['pages']['data'] == $size // 4096, 'every page stored as data')
fact(not [e for e in doc['errors'] if e['what'] == 'swap'], 'no swap refusals')
"

# Byte for byte the victim's content: pattern, page index in each page.
extract "$SCRATCH/swap.msnap" "$addr" "$size" "$SCRATCH/region.got"
python3 - "$size" "$SEED" "$(getconf PAGESIZE)" >"$SCRATCH/region.want" <<'PY'
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

# The analyzer counts them too.
info_json "$SCRATCH/swap.msnap" "$SCRATCH/info.json"
from_swap=$($JSON_GET "$SCRATCH/info.json" \
	"[r for r in doc['regions'] if r['start'] == '$addr'][0]['from_swap']")
[ "$from_swap" -gt 0 ] || fail "info --regions shows from_swap $from_swap"

# A figure for the report, not an assertion: the freeze grew by the reads.
swap_frozen=$(yaml_get "$SCRATCH/swap.msnap" "doc['capture']['frozen_ns']")
log "read $from_swap pages from swap; frozen ${plain_frozen} ns plain," \
	"${swap_frozen} ns with --read-swap: about" \
	"$(awk -v n="$from_swap" -v a="$plain_frozen" -v b="$swap_frozen" \
		'BEGIN { d = (b - a) / 1e9; if (d <= 0) print "n/a"; else printf "%.0f", n / d }') pages/s"
assert_running
