#!/bin/sh
# scripts/tsan-check.sh - ThreadSanitizer (gcc), in build-tsan/: the format
# code, where tests/tsan/open_threads.c opens, reads and verifies two
# different snapshots from several threads at once; then the capture
# program, run by the capture tests that use its threads
# (scripts/san-capture.sh tsan).  A data race is a failure
# (halt_on_error).  The last line is "tsan: N passed, N failed".
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
. tests/fuzz/san-lib.sh
out=build-tsan
mkdir -p "$out" || exit 2
cc=${CC:-cc}
flags="-D_GNU_SOURCE -Iformats -O1 -g -std=gnu11 -pthread -fsanitize=thread -fno-omit-frame-pointer"
passed=0
failed=0

# shellcheck disable=SC2086
if $cc $flags -o "$out/open_threads" tests/tsan/open_threads.c formats/*.c \
	-lzstd -lyaml -lcrypto -lxxhash >"$out/build.log" 2>&1; then
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
		"$out/open_threads" >"$out/open_threads.log" 2>&1
	rc=$?
	cat "$out/open_threads.log"
	san_add_counts "$out/open_threads.log"
	# a report after the summary line
	if [ $rc != 0 ] && grep -q '^tsan: [0-9]* passed, 0 failed' \
		"$out/open_threads.log"; then
		failed=$((failed + 1))
	fi
else
	cat "$out/build.log"
	failed=$((failed + 1))
fi

sh scripts/san-capture.sh tsan 2>&1 | tee "$out/capture.out"
san_add_counts "$out/capture.out"

echo "tsan: $passed passed, $failed failed"
[ $failed = 0 ]
