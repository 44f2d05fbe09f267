#!/bin/sh
# tests/fuzz/replay.sh - run every fuzz target's corpus and saved crash cases
# as plain regression tests: each tests/fuzz/fuzz_NAME.c is linked with the
# replay driver (replay.c) by gcc with ASan + UBSan into build-san/, then fed
# tests/fuzz/corpus/NAME/ and tests/fuzz/regress/NAME/.
#
# Prints "replay NAME: N inputs ok" per target (or "replay NAME: FAIL ...")
# and exits non-zero if any target failed to build or failed an input.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
. tests/fuzz/san-lib.sh

san_build_lib || exit 1
build_ana_lib build-san "$SAN_CC" "$SAN_CPPFLAGS" "$SAN_CFLAGS" || exit 1
mkdir -p build-san/fuzz build-san/logs || exit 2

failed=0
count=0
for src in tests/fuzz/fuzz_*.c; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	bin=build-san/fuzz/replay_$name
	log=build-san/logs/replay_$name.log
	count=$((count + 1))
	# shellcheck disable=SC2086
	if ! $SAN_CC $SAN_CPPFLAGS $ANA_INC $SAN_CFLAGS -o "$bin" "$src" \
		tests/fuzz/replay.c build-san/libana.a build-san/libmsnap.a \
		$SAN_LIBS $ANA_EXTRA_LIBS >"$log" 2>&1
	then
		echo "replay $name: FAIL (does not build, see $log)"
		failed=$((failed + 1))
		continue
	fi
	set --
	for d in tests/fuzz/corpus/$name tests/fuzz/regress/$name; do
		[ -d "$d" ] && set -- "$@" "$d"
	done
	if [ $# = 0 ]; then
		echo "replay $name: FAIL (no corpus in tests/fuzz/corpus/$name)"
		failed=$((failed + 1))
		continue
	fi
	if out=$(ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		 UBSAN_OPTIONS=print_stacktrace=1 \
		 "$bin" "$@" 2>"$log"); then
		echo "replay $name: $out"
	else
		echo "replay $name: FAIL (see $log)"
		tail -n 20 "$log" | sed 's/^/    | /'
		failed=$((failed + 1))
	fi
done

if [ $count = 0 ]; then
	echo "replay: no tests/fuzz/fuzz_*.c" >&2
	exit 1
fi
[ $failed = 0 ]
