#!/bin/bash
# memsnap -o - writes the same snapshot to a pipe as to a file: both
# verify, both hold the same bytes for every buffer and the same regions,
# and the sha256 line printed for the pipe is the SHA-256 of what came out.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/heap_writer"
file=$SCRATCH/file.msnap
piped=$SCRATCH/piped.msnap

capture "$file"
set -o pipefail
"$MEMSNAP" -p "$VICTIM_PID" -o - 2>"$SCRATCH/pipe.err" | cat >"$piped"
rc=$?
set +o pipefail
cat "$SCRATCH/pipe.err"
assert_eq "$rc" 0 "exit status of memsnap -o - | cat"
check_sha256_line "$SCRATCH/pipe.err" - "$piped"
assert_running

assert_exit 0 "$ANALYZE" verify "$file"
assert_exit 0 "$ANALYZE" verify "$piped"

for ((k = 0; k < $(victim_value buffers); k++)); do
	addr=$(victim_value "buf${k}_addr")
	size=$(victim_value "buf${k}_size")
	extract "$file" "$addr" "$size" "$SCRATCH/f$k"
	extract "$piped" "$addr" "$size" "$SCRATCH/p$k"
	assert_same_bytes "$SCRATCH/p$k" "$SCRATCH/f$k" "buffer $k, pipe vs file"
done

# The same mappings, with the same page counts (the victim sleeps).
info_json "$file" "$SCRATCH/f.json"
info_json "$piped" "$SCRATCH/p.json"
expr='[(r["start"], r["end"], r["perms"], r["data"], r["zero"]) for r in doc["regions"]]'
$JSON_GET "$SCRATCH/f.json" "$expr" >"$SCRATCH/f.regions"
$JSON_GET "$SCRATCH/p.json" "$expr" >"$SCRATCH/p.regions"
[ -s "$SCRATCH/f.regions" ] || fail "no regions listed"
diff -u "$SCRATCH/f.regions" "$SCRATCH/p.regions" ||
	fail "regions differ between the file and the pipe capture"
