#!/bin/sh
# tests/bench/hash_cost.sh MIB - what page hashing and SHA-256 cost the
# writer in wall time: the same writer with and without them, alternated
# three times in the same run (medians); never asserts.
set -u
cd "$(dirname "$0")" || exit 2
mib=${1:-1024}
with=
without=
for _ in 1 2 3; do
	with="$with $(BENCH_WRITER_ONLY=1 ./bench_format "$mib" 2 1)"
	without="$without $(BENCH_WRITER_ONLY=1 ./bench_format_nohash "$mib" 2 1)"
done
med() { echo "$@" | tr ' ' '\n' | grep . | sort -n | sed -n 2p; }
w=$(med $with)
n=$(med $without)
echo "hash cost: writer $w s with hashing, $n s without" \
	"($(echo "100 * ($w - $n) / $w" | bc -l | cut -c1-5)% of the writer's wall time; goal <= 15%)"
