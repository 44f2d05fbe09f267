#!/bin/sh
# tests/fuzz/campaign.sh - a long fuzzing run of one target, for growing its
# corpus (not used by CI, which runs tests/fuzz/run.sh for a bounded time).
#
# Usage: sh tests/fuzz/campaign.sh NAME SECONDS
#
# Fuzzes build-fuzz/fuzz_NAME (build it first: sh tests/fuzz/build.sh) with
# one process (-fork=1, so it survives crashes) for SECONDS, from tests/fuzz/corpus/NAME and regress/NAME, into
# build-fuzz/campaign/NAME/grown/.  Then merges (minimises) seeds + grown
# inputs into build-fuzz/campaign/NAME/merged/, which may be copied over
# tests/fuzz/corpus/NAME/.  Crashes land in build-fuzz/campaign/NAME/crash-*.
# The last line is "campaign NAME: SECONDS s, EXEC exec/s, cov C ft F,
# N inputs (K KiB) merged, M crashes".
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
name=${1:?usage: campaign.sh NAME SECONDS}
seconds=${2:?usage: campaign.sh NAME SECONDS}
src=tests/fuzz/fuzz_$name.c
bin=build-fuzz/fuzz_$name
dir=build-fuzz/campaign/$name
[ -x "$bin" ] || { echo "campaign: $bin not built" >&2; exit 2; }
mkdir -p "$dir/grown" || exit 2
rm -rf "$dir/merged"
mkdir -p "$dir/merged" || exit 2

max_len=$(sed -n 's/.*fuzz-max-len: *\([0-9][0-9]*\).*/\1/p' "$src" | head -n 1)
[ -n "$max_len" ] || max_len=65536
set --
[ -f "tests/fuzz/fuzz_$name.dict" ] && set -- -dict="tests/fuzz/fuzz_$name.dict"
seeds=
for d in tests/fuzz/corpus/$name tests/fuzz/regress/$name; do
	[ -d "$d" ] && seeds="$seeds $d"
done

# Keep going after a crash so one bug does not end the campaign; each
# crash input is written to $dir/.
# shellcheck disable=SC2086
"$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len="$max_len" \
	-timeout=30 -print_final_stats=1 \
	-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
	-artifact_prefix="$dir/" "$@" "$dir/grown" $seeds \
	>"$dir/run.log" 2>&1
# shellcheck disable=SC2086
"$bin" -merge=1 -max_len="$max_len" -rss_limit_mb=2048 -timeout=30 \
	"$dir/merged" $seeds "$dir/grown" >"$dir/merge.log" 2>&1

last=$(grep -E '^#[0-9]+: +cov: [0-9]+ ft: [0-9]+' "$dir/run.log" | tail -n 1)
runs=$(printf '%s\n' "$last" | sed -n 's/^#\([0-9]*\):.*/\1/p')
cov=$(printf '%s\n' "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
ft=$(printf '%s\n' "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
execs=$(printf '%s\n' "$last" | sed -n 's/.*exec\/s:\{0,1\} \([0-9]*\).*/\1/p')
# When cov last grew: how long the plateau has lasted.
plateau=$(grep -E '^#[0-9]+: +cov: ' "$dir/run.log" |
	  awk '{ if ($3 != c) { c = $3; t = $0 } } END { print t }' |
	  sed -n 's/.* time: \([0-9]*\)s.*/\1/p')
n=$(find "$dir/merged" -type f | wc -l)
kib=$(du -sk "$dir/merged" | cut -f1)
crashes=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
	  -o -name 'oom-*' -o -name 'timeout-*' \) | wc -l)
echo "campaign $name: $seconds s, ${execs:-?} exec/s, cov ${cov:-?} ft ${ft:-?} (cov last grew at ${plateau:-?} s), ${runs:-?} runs, $n inputs ($kib KiB) merged, $crashes crashes"
