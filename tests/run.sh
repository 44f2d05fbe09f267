#!/bin/sh
# tests/run.sh - run every unit test binary and end-to-end script.
#
# Usage: sh tests/run.sh [PATTERN...]   (only tests whose name contains one)
#
# Each test runs from the repository root under a timeout (TEST_TIMEOUT,
# default 300 s) with its output in tests/out/NAME.log.  Exit status 0 is a
# pass, 77 a skip (the test prints "skip: REASON" as its last such line;
# used only when a capability is absent), anything else a failure.  The last
# line is "N passed, N failed" (", N skipped" when any were); the exit status
# is 1 if any test failed.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
out=tests/out
timeout_s=${TEST_TIMEOUT:-300}
mkdir -p "$out" || exit 2
# check tests keep the SARIF of their checks here; check_sarif_github
# validates it (tests/e2e/lib_sarif_tee.sh)
MEMSNAP_SARIF_DIR=$root/$out/sarif
export MEMSNAP_SARIF_DIR
rm -rf "$MEMSNAP_SARIF_DIR" && mkdir -p "$MEMSNAP_SARIF_DIR" || exit 2

passed=0
failed=0
skipped=0

now() {
	date +%s.%N
}

selected() {
	[ $# -gt 1 ] || return 0
	name=$1
	shift
	for p in "$@"; do
		case $name in *"$p"*) return 0 ;; esac
	done
	return 1
}

# run_one NAME COMMAND...
run_one() {
	name=$1
	shift
	log=$out/$name.log
	t0=$(now)
	timeout -k 10 "$timeout_s" "$@" </dev/null >"$log" 2>&1
	rc=$?
	t1=$(now)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	case $rc in
	0)
		printf 'ok   %s (%ss)\n' "$name" "$secs"
		passed=$((passed + 1))
		;;
	77)
		reason=$(sed -n 's/^skip: //p' "$log" | tail -n 1)
		printf 'skip %s: %s\n' "$name" "${reason:-no reason given}"
		skipped=$((skipped + 1))
		;;
	*)
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			echo "timed out after ${timeout_s}s (exit $rc)" >>"$log"
		fi
		printf 'FAIL %s (see %s)\n' "$name" "$log"
		printf '    exit %s after %ss; last lines:\n' "$rc" "$secs"
		tail -n 30 "$log" | sed 's/^/    | /'
		failed=$((failed + 1))
		;;
	esac
}

for t in tests/unit/test_*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	case $t in *.c | *.h | *.o | *.d) continue ;; esac
	name=${t##*/}
	selected "$name" "$@" || continue
	run_one "$name" "./$t"
done

for t in tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	name=${t##*/}
	name=${name%.sh}
	# lib.sh and lib_*.sh are helpers that tests source
	case $name in lib | lib_*) continue ;; esac
	selected "$name" "$@" || continue
	run_one "$name" bash "$t"
done

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
