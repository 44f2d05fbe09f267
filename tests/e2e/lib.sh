# tests/e2e/lib.sh - helpers for the end-to-end tests (bash; source it).
#
# A test script sources this file, starts victims with start_victim, runs
# memsnap and memsnap-analyze, and checks with the assert helpers, which
# print "FAIL: ..." and exit 1.  Exit 77 (skip) is for an absent capability
# only: use skip "reason".  Everything the test creates goes in $SCRATCH,
# removed on exit; every victim started is killed and reaped on exit.

set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MEMSNAP=${MEMSNAP:-$ROOT/capture/memsnap}     # or memsnap-static
ANALYZE=${ANALYZE:-$ROOT/analyze/memsnap-analyze}
SAMPLES=$ROOT/samples
E2E=$ROOT/tests/e2e
PATTERN="python3 $E2E/pattern.py"
JSON_GET="python3 $E2E/json_get.py"
TEST_NAME=$(basename "$0" .sh)
VICTIM_TIMEOUT=${VICTIM_TIMEOUT:-120}

# The SARIF of every check the check tests run, for check_sarif_github.sh.
if [ -d "${MEMSNAP_SARIF_DIR:-}" ]; then
	case $TEST_NAME in
	check_sarif_github) ;;
	*check*)
		export MEMSNAP_SARIF_REAL=$ANALYZE MEMSNAP_SARIF_TEST=$TEST_NAME
		ANALYZE=$E2E/lib_sarif_tee.sh
		;;
	esac
fi

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/memsnap-$TEST_NAME.XXXXXX") || {
	echo "FAIL: mktemp -d" >&2
	exit 1
}
export MIXED_MAPS_DIR=$SCRATCH

VICTIM_PIDS=()
VICTIM_PID=
VICTIM_OUT=
BG_PIDS=()

_e2e_cleanup() {
	local rc=$? p
	for p in "${BG_PIDS[@]}" "${VICTIM_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	for p in "${BG_PIDS[@]}" "${VICTIM_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$SCRATCH"
	exit "$rc"
}
trap _e2e_cleanup EXIT
trap 'exit 130' INT TERM HUP
trap 'exit 1' USR2

log() {
	echo "# $*"
}

# Also from inside $(...): the subshell tells the test's shell to stop.
fail() {
	echo "FAIL: $*" >&2
	[ "$BASHPID" = "$$" ] || kill -USR2 "$$"
	exit 1
}

skip() {
	echo "skip: $*"
	exit 77
}

# Track a background process (memsnap, strace) so that it dies with the test.
track_bg() {
	BG_PIDS+=("$1")
}

# Both programs are build products of `make check`: their absence is a
# failure, not a skip.
require_tools() {
	local t
	for t in "$MEMSNAP" "$ANALYZE"; do
		[ -x "$t" ] || fail "$t is not built"
	done
}

# Skip when this user cannot ptrace its own children at all.
require_ptrace() {
	local scope
	scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
	if [ "$scope" = 3 ]; then
		skip "Yama ptrace_scope=3: ptrace is disabled on this host"
	fi
	if [ "$scope" = 2 ] && [ "$(id -u)" != 0 ]; then
		skip "Yama ptrace_scope=2 needs CAP_SYS_PTRACE"
	fi
}

# start_victim CMD...: start CMD in the background, stdout to a file, wait
# until it prints "ready".  Sets VICTIM_PID and VICTIM_OUT.
start_victim() {
	local n=${#VICTIM_PIDS[@]} waited=0
	VICTIM_OUT=$SCRATCH/victim$n.out
	"$@" >"$VICTIM_OUT" 2>"$SCRATCH/victim$n.err" </dev/null &
	VICTIM_PID=$!
	VICTIM_PIDS+=("$VICTIM_PID")
	export VICTIM_PID VICTIM_OUT
	while ! grep -qx ready "$VICTIM_OUT"; do
		if ! kill -0 "$VICTIM_PID" 2>/dev/null; then
			cat "$SCRATCH/victim$n.err"
			fail "victim $* died before ready"
		fi
		if [ $waited -ge $((VICTIM_TIMEOUT * 10)) ]; then
			fail "victim $* not ready after ${VICTIM_TIMEOUT}s"
		fi
		sleep 0.1
		waited=$((waited + 1))
	done
	log "victim $* pid $VICTIM_PID ready"
}

# victim_value KEY [OUTFILE]: the last value printed for KEY.
victim_value() {
	local v
	v=$(sed -n "s/^$1=//p" "${2:-$VICTIM_OUT}" | tail -n 1)
	[ -n "$v" ] || fail "victim printed no $1="
	printf '%s\n' "$v"
}

# victim_signal SIG KEY: send SIG to the victim and wait until it prints
# one more KEY= line than before.
victim_signal() {
	local before waited=0
	before=$(grep -c "^$2=" "$VICTIM_OUT")
	kill -"$1" "$VICTIM_PID" || fail "cannot send SIG$1 to $VICTIM_PID"
	while [ "$(grep -c "^$2=" "$VICTIM_OUT")" -le "$before" ]; do
		[ $waited -lt 300 ] || fail "victim did not answer SIG$1 with $2="
		sleep 0.1
		waited=$((waited + 1))
	done
}

# victim_running [PID]: alive, not stopped, not a zombie, and no thread has
# a tracer left.  Waits up to 5 s for the kernel to finish a detach.
victim_running() {
	local pid=${1:-$VICTIM_PID} tries=0 bad
	while :; do
		bad=
		if [ ! -r "/proc/$pid/status" ]; then
			bad="process $pid is gone"
		else
			bad=$(awk -v pid="$pid" '
				/^State:/ && $2 ~ /^[TtZX]$/ {
					print FILENAME ": state " $2 " " $3; exit }
				/^TracerPid:/ && $2 != 0 {
					print FILENAME ": TracerPid " $2; exit }
			' /proc/"$pid"/task/*/status 2>/dev/null)
		fi
		[ -z "$bad" ] && return 0
		[ $tries -ge 50 ] && break
		sleep 0.1
		tries=$((tries + 1))
	done
	echo "victim not running freely: $bad"
	return 1
}

assert_running() {
	victim_running "$@" || fail "victim ${1:-$VICTIM_PID} is not running"
}

assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-values differ}: got '$1', expected '$2'"
}

# assert_exit CODE CMD...: run CMD, require exit CODE.  Its stdout and
# stderr stay in $SCRATCH/last.out and $SCRATCH/last.err.
assert_exit() {
	local want=$1 rc
	shift
	"$@" >"$SCRATCH/last.out" 2>"$SCRATCH/last.err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		echo "command: $*"
		echo "--- stdout"; tail -n 20 "$SCRATCH/last.out"
		echo "--- stderr"; tail -n 20 "$SCRATCH/last.err"
		fail "exit status $rc, expected $want"
	fi
}

# assert_contains FILE TEXT: FILE holds TEXT (fixed string, any case).
assert_contains() {
	grep -qiF -- "$2" "$1" || {
		echo "--- $1"; tail -n 20 "$1"
		fail "$1 does not contain '$2'"
	}
}

# assert_matches FILE ERE: FILE has a line matching the extended regex.
assert_matches() {
	grep -qiE -- "$2" "$1" || {
		echo "--- $1"; tail -n 20 "$1"
		fail "$1 has no line matching /$2/"
	}
}

# capture OUT [OPTIONS...]: memsnap the current victim into OUT, require a
# complete capture (exit 0) and check the sha256 line against the file.
capture() {
	local out=$1 want_sum got_sum
	shift
	assert_exit 0 "$MEMSNAP" -p "$VICTIM_PID" -o "$out" "$@"
	check_sha256_line "$SCRATCH/last.err" "$out" "$out"
}

# check_sha256_line ERRFILE SHOWN_NAME FILE: memsnap's last stderr line is
# "sha256 HEX  SHOWN_NAME" and HEX is the SHA-256 of FILE.
check_sha256_line() {
	local line want
	line=$(tail -n 1 "$1")
	want="sha256 $(sha256sum <"$3" | cut -d' ' -f1)  $2"
	assert_eq "$line" "$want" "memsnap's last stderr line"
}

# extract SNAP ADDR SIZE OUT: bytes [ADDR, ADDR+SIZE) as captured.
extract() {
	assert_exit 0 "$ANALYZE" extract "$1" --addr "$2" --size "$3" -o "$4"
	[ "$(stat -c %s "$4")" = "$3" ] ||
		fail "extract of $2+$3 gave $(stat -c %s "$4") bytes"
}

# assert_same_bytes GOT WANT WHAT: byte-for-byte equal, else say where.
assert_same_bytes() {
	cmp -- "$1" "$2" >"$SCRATCH/cmp.out" 2>&1 || {
		cat "$SCRATCH/cmp.out"
		fail "$3: captured bytes differ from the expected ones"
	}
}

# info_json SNAP OUT: the analyzer's JSON view of a snapshot, with its
# regions and threads.
info_json() {
	assert_exit 0 "$ANALYZE" info --all --format json "$1"
	cp "$SCRATCH/last.out" "$2"
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$2" ||
		fail "info --format json is not valid JSON"
}

# wait_for COND_CMD... : poll a command until it succeeds (10 s).
wait_for() {
	local n=0
	until "$@"; do
		[ $n -lt 100 ] || return 1
		sleep 0.1
		n=$((n + 1))
	done
}

# An unused pid: above every pid in use, below pid_max.
unused_pid() {
	local max p
	max=$(cat /proc/sys/kernel/pid_max)
	for p in $((max - 1)) $((max - 2)) $((max - 3)); do
		[ -e "/proc/$p" ] || { echo "$p"; return 0; }
	done
	fail "no unused pid found"
}

# tracer_of PID: TracerPid of PID's main thread (no fork: polled often).
tracer_of() {
	local k v
	while read -r k v; do
		if [ "$k" = TracerPid: ]; then
			echo "$v"
			return 0
		fi
	done <"/proc/$1/status"
	echo 0
}

# wait_traced PID BGPID: wait until PID has a tracer (memsnap froze it);
# returns 1 if BGPID ended first or after 60 s.
wait_traced() {
	local n=0
	while [ "$(tracer_of "$1")" = 0 ]; do
		kill -0 "$2" 2>/dev/null || return 1
		[ $n -lt 60000 ] || return 1
		n=$((n + 1))
		sleep 0.001
	done
}

# wait_size FILE BYTES BGPID: wait until FILE holds at least BYTES; returns
# 1 if BGPID ended first or after 120 s.
wait_size() {
	local n=0 sz
	while :; do
		sz=$(stat -c %s "$1" 2>/dev/null || echo 0)
		[ "$sz" -ge "$2" ] && return 0
		kill -0 "$3" 2>/dev/null || return 1
		[ $n -lt 12000 ] || return 1
		n=$((n + 1))
		sleep 0.01
	done
}

# ticker_alive: big_victim's ticker thread still ticks.
ticker_alive() {
	local a b
	victim_signal USR2 ticks
	a=$(victim_value ticks)
	sleep 0.2
	victim_signal USR2 ticks
	b=$(victim_value ticks)
	[ "$b" -gt "$a" ] || fail "victim's ticker stopped ($a -> $b ticks)"
}

# wait_exit PID SECS: wait for a background child; fail if it is still
# running after SECS (a liveness bound, generous, not a benchmark).  Sets
# WAIT_RC to its exit status.
wait_exit() {
	local n=0
	while kill -0 "$1" 2>/dev/null; do
		# a zombie child is done: only wait can reap it
		[ "$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)" = Z ] &&
			break
		[ $n -lt $(($2 * 10)) ] || fail "pid $1 still running ${2}s later"
		sleep 0.1
		n=$((n + 1))
	done
	wait "$1"
	WAIT_RC=$?
}
