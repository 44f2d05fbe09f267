#!/bin/sh
# scripts/tsan-check.sh - the format code under ThreadSanitizer (gcc), in
# build-tsan/: tests/tsan/open_threads.c opens, reads and verifies two
# different snapshots from several threads at once.  A data race is a
# failure (halt_on_error).  The last line is "tsan: N passed, N failed".
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
out=build-tsan
mkdir -p "$out" || exit 2
cc=${CC:-cc}
flags="-D_GNU_SOURCE -Iformats -O1 -g -std=gnu11 -pthread -fsanitize=thread -fno-omit-frame-pointer"

# shellcheck disable=SC2086
if ! $cc $flags -o "$out/open_threads" tests/tsan/open_threads.c formats/*.c \
	-lzstd -lyaml -lcrypto -lxxhash >"$out/build.log" 2>&1; then
	cat "$out/build.log"
	echo "tsan: 0 passed, 1 failed"
	exit 1
fi
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
	"$out/open_threads" >"$out/open_threads.log" 2>&1
rc=$?
cat "$out/open_threads.log"
# a report that stopped the program before its summary is one failure
if ! grep -q '^tsan: [0-9]* passed' "$out/open_threads.log"; then
	echo "tsan: 0 passed, 1 failed"
	rc=1
fi
exit $rc
