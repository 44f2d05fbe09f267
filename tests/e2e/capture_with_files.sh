#!/bin/bash
# memsnap --with-files stores the very files the victim maps (read through
# map_files), so a check still has them after the file on disk is replaced:
# the stored executable equals the original byte for byte, and `check
# --no-host` binds every module to a stored copy.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

exe=$SCRATCH/heap_writer_copy
cp "$SAMPLES/heap_writer" "$exe"
want=$(sha256sum <"$exe" | cut -d' ' -f1)
start_victim "$exe"
snap=$SCRATCH/files.msnap
capture "$snap" --with-files
assert_running
assert_exit 0 "$ANALYZE" verify "$snap"

# the file on disk changes after the capture: evidence must not
printf 'replaced' >"$exe.new" && mv -f "$exe.new" "$exe"

info_json "$snap" "$SCRATCH/info.json"
python3 - "$SCRATCH/info.json" >"$SCRATCH/stored.txt" <<'PY' || fail "no stored regions"
import json, sys
doc = json.load(open(sys.argv[1]))
stored = [r for r in doc["regions"] if r.get("kind") == "stored_file"]
if not stored:
    sys.exit(1)
for r in stored:
    print(r["index"])
PY
found=
while read -r idx; do
	"$ANALYZE" extract "$snap" --region "$idx" -o "$SCRATCH/r$idx.bin" 2>/dev/null ||
		fail "cannot extract stored region $idx"
	size=$(stat -c %s "$SAMPLES/heap_writer")
	got=$(head -c "$size" "$SCRATCH/r$idx.bin" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$want" ] && found=$idx
done <"$SCRATCH/stored.txt"
[ -n "$found" ] || fail "no stored region holds the original executable"
log "stored region $found is the executable that ran"

assert_exit 0 "$ANALYZE" check --no-host --format json "$snap"
cp "$SCRATCH/last.out" "$SCRATCH/check.json"
assert_eq "$($JSON_GET "$SCRATCH/check.json" 'doc["modules_unverified"]')" 0 \
	"modules without a reference"
assert_eq "$($JSON_GET "$SCRATCH/check.json" 'doc["verdict"]')" clean "verdict"
assert_running
