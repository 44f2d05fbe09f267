#!/bin/bash
# Two runs of heap_writer under ASLR: the program's own data (RELRO and
# .data, full of pointers into itself, libc and the heap) differs in every
# pointer; with --normalize-pointers those words compare as region+offset
# and the regions come out unchanged, the words counted as pointer-only.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

[ "$(cat /proc/sys/kernel/randomize_va_space)" != 0 ] ||
	skip "ASLR is off (kernel.randomize_va_space=0): nothing to normalise"

start_victim "$SAMPLES/heap_writer"
capture "$SCRATCH/run1.msnap"
start_victim "$SAMPLES/heap_writer"
capture "$SCRATCH/run2.msnap"

assert_exit 1 "$ANALYZE" diff --format json "$SCRATCH/run1.msnap" "$SCRATCH/run2.msnap"
cp "$SCRATCH/last.out" "$SCRATCH/raw.json"
"$ANALYZE" diff --normalize-pointers --format json "$SCRATCH/run1.msnap" "$SCRATCH/run2.msnap" \
	>"$SCRATCH/norm.json" || [ $? = 1 ] || fail "diff --normalize-pointers failed"

python3 - "$SCRATCH/raw.json" "$SCRATCH/norm.json" <<'PY' || fail "pointer normalisation"
import json, sys

def exe_data(path):
    out = {}
    for r in json.load(open(path))["regions"]:
        a = r.get("a", {})
        if str(a.get("path", "")).endswith("/heap_writer") and "w" in a["perms"] \
                or str(a.get("path", "")).endswith("/heap_writer") and r.get("pointer_words"):
            out[r["identity"]] = r
    return out

raw, norm = exe_data(sys.argv[1]), exe_data(sys.argv[2])
assert raw, "no writable region of heap_writer"
assert any(r["bytes_differ"] > 0 for r in raw.values()), "runs do not differ at all"
for k, r in norm.items():
    assert r["status"] == "unchanged", (k, r["status"], r["ranges"])
    assert r["bytes_differ"] == 0, k
assert sum(r["pointer_words"] for r in norm.values()) > 0
for k, r in raw.items():
    if r["bytes_differ"]:
        assert norm[k]["pointer_words"] > 0, k
print("normalised:", {k: r["pointer_words"] for k, r in norm.items()})
PY
log "pointer normalisation removes the ASLR-only differences"
