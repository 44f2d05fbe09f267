#!/bin/sh
# scripts/asan-check.sh - the format code and its unit tests under AddressSanitizer
# and UndefinedBehaviorSanitizer (gcc), in build-san/ so sanitizer objects
# never mix with the normal build.
#
# Builds formats/*.c (tests/fuzz/san-lib.sh) and the analyzer (analyze/*/*.c
# but main.c, which parses snapshots too), and every tests/unit/test_*.c
# except the capture ones (test_cap_*), runs each,
# then replays every fuzz target's corpus and regression inputs
# (tests/fuzz/replay.sh).  Logs go to build-san/logs/.  The last line is
# "asan: N passed, N failed"; the exit status is 1 if anything failed.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
. tests/fuzz/san-lib.sh

timeout_s=${TEST_TIMEOUT:-600}
passed=0
failed=0

if ! san_build_lib; then
	echo "FAIL formats (does not compile with sanitizers)"
	echo "asan: 0 passed, 1 failed"
	exit 1
fi
mkdir -p build-san/tests build-san/logs build-san/analyze || exit 2

# The analyzer's objects, for its unit tests (test_ana_*).
ana_ok=1
build_ana_lib build-san "$SAN_CC" "$SAN_CPPFLAGS" "$SAN_CFLAGS" || ana_ok=0

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

for src in tests/unit/test_*.c; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .c)
	extra=
	case $name in
	test_cap_*) continue ;;
	test_ana_*)
		if [ $ana_ok != 1 ]; then
			echo "FAIL $name (the analyzer does not compile with sanitizers)"
			failed=$((failed + 1))
			continue
		fi
		extra="$ANA_INC build-san/libana.a" ;;
	esac
	bin=build-san/tests/$name
	log=build-san/logs/$name.log
	# shellcheck disable=SC2086
	if ! $SAN_CC $SAN_CPPFLAGS $SAN_CFLAGS -Itests/unit -o "$bin" "$src" \
		$extra build-san/libmsnap.a $SAN_LIBS -lelf -ljansson -lcapstone \
		-lcmocka >"$log" 2>&1; then
		echo "FAIL $name (does not build, see $log)"
		tail -n 10 "$log" | sed 's/^/    | /'
		failed=$((failed + 1))
		continue
	fi
	timeout -k 10 "$timeout_s" "./$bin" </dev/null >>"$log" 2>&1
	san_result $? "$name" "$log"
done

# One result per fuzz target replayed.
out=$(sh tests/fuzz/replay.sh 2>&1)
rc=$?
printf '%s\n' "$out"
ok=$(printf '%s\n' "$out" | grep -c '^replay .*: [0-9]* inputs ok$')
bad=$(printf '%s\n' "$out" | grep -c '^replay .*: FAIL')
passed=$((passed + ok))
failed=$((failed + bad))
if [ $rc != 0 ] && [ "$bad" = 0 ]; then
	failed=$((failed + 1))   # the replay itself could not run
fi

# The capture program against live processes (scripts/san-capture.sh).
sh scripts/san-capture.sh asan 2>&1 | tee build-san/logs/capture.out
san_add_counts build-san/logs/capture.out

echo "asan: $passed passed, $failed failed"
[ $failed = 0 ]
