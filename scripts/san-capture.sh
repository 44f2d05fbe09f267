#!/bin/sh
# scripts/san-capture.sh asan|tsan - the capture program under a sanitizer.
#
# memsnap is the part that runs as root against live processes, on threads
# (compression workers, a group's frozen reads, the parent's hash): build
# it with AddressSanitizer+UndefinedBehaviorSanitizer or ThreadSanitizer
# into build-san/ or build-tsan/, and run capture end-to-end tests with it
# (MEMSNAP=..., tests/e2e/lib.sh); the analyzer and samples are the normal
# build's.  A sanitizer report makes memsnap exit non-zero, which the test
# sees as a failure.  Called by asan-check.sh and tsan-check.sh; prints
# "ok", "skip" or "FAIL" per test, and last "capture-KIND: N passed, N failed".
set -u

kind=${1:?usage: san-capture.sh asan|tsan}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
. tests/fuzz/san-lib.sh

case $kind in
asan)
	out=build-san
	flags="-fsanitize=address,undefined -fno-sanitize-recover=all"
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	# Every capture test but those that preload a library into memsnap
	# (ASan must come first), need its static build, or measure its peak
	# memory (ASan's quarantine alone is 256 MiB), or hide /proc or run
	# memsnap under strace (the leak checker reads /proc and ptraces);
	# and, for time (2-5 minutes each under ASan), the loops of signals
	# whose paths the fault_* tests take once each.
	tests=$(ls tests/e2e/capture_*.sh tests/e2e/fault_*.sh |
		grep -v -e fault_output_shim -e capture_static \
			-e capture_bounded_buffer -e capture_no_proc \
			-e fault_output_preflight -e capture_sigint_partial \
			-e capture_sigkill_target_runs -e capture_cow_measure)
	;;
tsan)
	out=build-tsan
	flags="-fsanitize=thread"
	export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
	# Those that run memsnap's threads: groups, compression, the parent's
	# hash on a thread, --cow, signals while the workers run.
	tests="capture_group_instant capture_group_errors capture_group_cgroup_gone
	       capture_incremental capture_consistency capture_cow_consistency
	       capture_threads capture_pipe_equals_file fault_output_signals"
	tests=$(for t in $tests; do echo "tests/e2e/$t.sh"; done)
	;;
*)
	echo "usage: san-capture.sh asan|tsan" >&2
	exit 2
	;;
esac

mkdir -p "$out/logs" || exit 2
bin=$out/memsnap
# shellcheck disable=SC2086
if ! ${CC:-gcc} -D_GNU_SOURCE -DMEMSNAP_VERSION='"0.1.0-san"' -Iformats \
	-Icapture -std=gnu11 -pthread -Wall -Wextra -Werror -g -O1 \
	-fno-omit-frame-pointer $flags -o "$bin" capture/*.c formats/*.c \
	-lzstd -lyaml -lcrypto -lxxhash >"$out/logs/memsnap-build.log" 2>&1; then
	cat "$out/logs/memsnap-build.log"
	echo "capture-$kind: 0 passed, 1 failed"
	exit 1
fi

passed=0
failed=0
for t in $tests; do
	name=$(basename "$t" .sh)
	log=$out/logs/capture-$name.log
	t0=$(date +%s)
	MEMSNAP=$root/$bin timeout -k 10 900 bash "$t" </dev/null >"$log" 2>&1
	san_result $? "$kind $name ($(($(date +%s) - t0))s)" "$log"
done
echo "capture-$kind: $passed passed, $failed failed"
[ $failed = 0 ]
