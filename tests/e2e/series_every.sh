#!/bin/bash
# --every 200ms --count 3: three snapshots named by sequence and time,
# each complete, numbered 1..3 in their manifests; the target runs on.
# --wait-name: memsnap waits for a process of that name to appear first.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_series.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/trigger_victim" leak
start_series "$SCRATCH/d" -p "$VICTIM_PID" --every 200ms --count 3
series_wait 0
assert_eq "$(snap_count "$SCRATCH/d")" 3 "snapshots"
assert_verifies "$SCRATCH/d"
n=0
for f in "$SCRATCH"/d/snap-*.msnap; do
	n=$((n + 1))
	case $(basename "$f") in
	snap-000$n-20[0-9][0-9][01][0-9][0-3][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9].[0-9][0-9][0-9]Z.msnap) ;;
	*) fail "unexpected name $(basename "$f")" ;;
	esac
	assert_exit 0 "$ANALYZE" info --format json "$f"
	assert_contains "$SCRATCH/last.out" "\"series_sequence\": $n"
	assert_eq "$(stat -c %a "$f")" 600 "mode of $f"
done
assert_running

# --wait-name: a name nothing else uses (comm is at most 15 bytes)
name=tv$$
name=${name:0:15}
cp "$SAMPLES/trigger_victim" "$SCRATCH/$name"
start_series "$SCRATCH/w" --wait-name "$name" --every 200ms --count 2
sleep 0.5
kill -0 "$SERIES_PID" 2>/dev/null || fail "memsnap --wait-name ended early"
assert_eq "$(snap_count "$SCRATCH/w")" 0 "snapshots before the process appeared"
start_victim "$SCRATCH/$name" leak
series_wait 0
assert_eq "$(snap_count "$SCRATCH/w")" 2 "snapshots of the awaited process"
assert_verifies "$SCRATCH/w"
assert_contains "$SCRATCH/series.err" "$name is pid $VICTIM_PID"
assert_running
