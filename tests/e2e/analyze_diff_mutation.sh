#!/bin/bash
# heap_writer captured, mutated (SIGUSR1), captured again: `diff` reports
# exactly the mutated ranges inside its buffers and nothing else in them,
# --stat agrees without decompressing, and the exit status is 1 (0 for a
# snapshot against itself).
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/heap_writer"
capture "$SCRATCH/a.msnap"
victim_signal USR1 mutation_count
wait_for grep -qx mutated "$VICTIM_OUT" || fail "victim did not mutate"
capture "$SCRATCH/b.msnap"
assert_running

assert_exit 0 "$ANALYZE" diff "$SCRATCH/a.msnap" "$SCRATCH/a.msnap"
assert_contains "$SCRATCH/last.out" "0 changed, 0 added, 0 removed"
assert_exit 1 "$ANALYZE" diff --all --format json "$SCRATCH/a.msnap" "$SCRATCH/b.msnap"
cp "$SCRATCH/last.out" "$SCRATCH/diff.json"
assert_exit 1 "$ANALYZE" diff --stat --format json "$SCRATCH/a.msnap" "$SCRATCH/b.msnap"
cp "$SCRATCH/last.out" "$SCRATCH/stat.json"
assert_exit 1 "$ANALYZE" diff -U 1 "$SCRATCH/a.msnap" "$SCRATCH/b.msnap"
assert_matches "$SCRATCH/last.out" '^changed +rw-p .* heap \[heap\]'
assert_matches "$SCRATCH/last.out" '^  [-] 0x[0-9a-f]{16} '
assert_matches "$SCRATCH/last.out" '^  [+] 0x[0-9a-f]{16} '

# Expected: in each mutated range, the bytes where the pattern was not
# already the mutation byte, merged as diff merges (gaps under 8 bytes).
python3 - "$VICTIM_OUT" "$SCRATCH/diff.json" "$SCRATCH/stat.json" <<'PY' || fail "diff ranges differ from the mutated ones"
import json, sys

vals = {}
for line in open(sys.argv[1]):
    k, _, v = line.strip().partition("=")
    vals[k] = v
def pat(seed, i):
    return (seed * 37 + i * 13 + (i >> 9)) & 255

byte = int(vals["mutation_byte"], 0)
seed1 = int(vals["buf1_seed"])
want = []
for m in range(int(vals["mutation_count"])):
    off = int(vals["mutation%d_offset" % m])
    n = int(vals["mutation%d_len" % m])
    base = int(vals["buf1_addr"], 0)
    cur = None
    for i in range(off, off + n):
        if pat(seed1, i) == byte:
            continue
        a = base + i
        if cur and a - (cur[0] + cur[1]) < 8:
            cur[1] = a + 1 - cur[0]
        else:
            cur = [a, 1]
            want.append(cur)
want = [tuple(w) for w in want]

doc = json.load(open(sys.argv[2]))
bufs = [(int(vals["buf%d_addr" % k], 0), int(vals["buf%d_size" % k]))
        for k in range(int(vals["buffers"]))]
got = []
for r in doc["regions"]:
    for g in r.get("ranges", []):
        a, n = int(g["a_addr"], 16), g["length"]
        for lo, sz in bufs:
            if a < lo + sz and a + n > lo:
                got.append((a, n))
                break
got.sort()
if got != want:
    print("want", [(hex(a), n) for a, n in want])
    print("got ", [(hex(a), n) for a, n in got])
    sys.exit(1)
# The global marker: "memsnap!" became "mutated!", bytes 1..6 differ.
gm = int(vals["global_marker_addr"], 0)
assert any(int(g["a_addr"], 16) == gm + 1 and g["length"] == 6
           for r in doc["regions"] for g in r.get("ranges", [])), "marker"
assert doc["summary"]["regions_changed"] >= 1
assert doc["summary"]["regions_added"] == 0
assert doc["summary"]["regions_removed"] == 0
# The heap holds the mutated buffer: its page count agrees with --stat.
st = json.load(open(sys.argv[3]))
assert st["summary"]["pages_differ"] == doc["summary"]["pages_differ"], \
    (st["summary"], doc["summary"])
assert "bytes_differ" not in st["summary"]
print("ranges ok:", len(want))
PY
log "diff reports exactly the mutated ranges"
