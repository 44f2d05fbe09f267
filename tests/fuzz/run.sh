#!/bin/sh
# tests/fuzz/run.sh - build every fuzz target, run each for SECONDS.
#
# Usage: sh tests/fuzz/run.sh [SECONDS]     (default 60)
#
# Target tests/fuzz/fuzz_NAME.c starts from tests/fuzz/corpus/NAME/ and
# tests/fuzz/regress/NAME/, copied to a temporary directory so the fuzzer's
# new inputs never land in the repository.  Its maximum input length is the
# N of a "fuzz-max-len: N" comment in its source, else the larger of 64 KiB
# and its biggest seed.  tests/fuzz/fuzz_NAME.dict, if present, is its
# libFuzzer dictionary.  Crash inputs are kept in build-fuzz/artifacts/NAME/
# (copy one to tests/fuzz/regress/NAME/ once it is fixed).  A target runs
# for the P percent of SECONDS given by a "fuzz-seconds-percent: P" comment
# in its source (default 100), so that CI's one budget (420 s for the
# whole step, build included) is shared by weight: the targets whose
# coverage plateaus in seconds get less, the slow deep ones more.
#
# Prints one line per target, "fuzz NAME: ok, N runs, cov C" or
# "fuzz NAME: CRASH (see ...)", and exits non-zero if any target crashed.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
seconds=${1:-60}
case $seconds in
'' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

sh tests/fuzz/build.sh || { echo "fuzz: build failed"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/memsnap-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

failed=0
for src in tests/fuzz/fuzz_*.c; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	bin=build-fuzz/fuzz_$name
	corpus=$work/$name
	artifacts=build-fuzz/artifacts/$name
	log=build-fuzz/fuzz_$name.log
	mkdir -p "$corpus" "$artifacts" || exit 2
	for d in tests/fuzz/corpus/$name tests/fuzz/regress/$name; do
		[ -d "$d" ] && cp -R "$d/." "$corpus/"
	done

	max_len=$(sed -n 's/.*fuzz-max-len: *\([0-9][0-9]*\).*/\1/p' "$src" |
		  head -n 1)
	if [ -z "$max_len" ]; then
		max_len=65536
		biggest=$(find "$corpus" -type f -printf '%s\n' |
			  sort -n | tail -n 1)
		[ -n "$biggest" ] && [ "$biggest" -gt "$max_len" ] &&
			max_len=$biggest
	fi

	pct=$(sed -n 's/.*fuzz-seconds-percent: *\([0-9][0-9]*\).*/\1/p' \
	      "$src" | head -n 1)
	secs=$((seconds * ${pct:-100} / 100))
	[ "$secs" -ge 1 ] || secs=1

	set --
	[ -f "tests/fuzz/fuzz_$name.dict" ] &&
		set -- -dict="tests/fuzz/fuzz_$name.dict"
	"$bin" -max_total_time="$secs" -rss_limit_mb=2048 \
		-max_len="$max_len" -timeout=30 -print_final_stats=1 \
		-artifact_prefix="$artifacts/" "$@" "$corpus" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	       tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9][0-9]*\) .*/\1/p' "$log" | tail -n 1)
	if [ $rc = 0 ]; then
		echo "fuzz $name: ok, ${secs} s, ${runs:-0} runs, cov ${cov:-0}"
	else
		art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" |
		      tail -n 1)
		echo "fuzz $name: CRASH (see $log${art:+, input $art})"
		grep -m 1 -E 'ERROR: |SUMMARY: |runtime error' "$log" |
			sed 's/^/    | /'
		failed=$((failed + 1))
	fi
done
[ $failed = 0 ]
