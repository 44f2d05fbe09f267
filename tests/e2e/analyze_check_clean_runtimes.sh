#!/bin/bash
# False positives are bugs, JIT runtimes included: clean captures of
# sleep, perl, sqlite3 (busy in a query), python3 holding a ctypes
# callback (a libffi closure), and node, java and luajit busy in a hot,
# compiled loop (captured twice each: a thread is often inside the
# compiled code) exit 0 under the default --fail-on, with nothing above
# info.  The JIT runtimes' code is recognised as theirs (jit_code).
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace
scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
if [ "$scope" != 0 ] && [ "$(id -u)" != 0 ]; then
	skip "Yama ptrace_scope=$scope: interpreters cannot opt in to being traced"
fi
for t in perl sqlite3 node java luajit python3; do
	command -v $t >/dev/null ||
		fail "$t is missing (scripts/deps.sh installs it)"
done

# start_busy TICKS CMD...: a victim that prints nothing; wait until it
# runs CMD's program and has used TICKS clock ticks (its loop), at most
# 20 s.
start_busy() {
	local n=0 ticks min=$1 prog
	shift
	prog=$(command -v "$1")
	"$@" >"$SCRATCH/busy.out" 2>&1 </dev/null &
	VICTIM_PID=$!
	VICTIM_PIDS+=("$VICTIM_PID")
	while :; do
		kill -0 "$VICTIM_PID" 2>/dev/null || fail "$* died"
		ticks=$(awk '{ print $14 }' "/proc/$VICTIM_PID/stat" 2>/dev/null)
		[ "${ticks:-0}" -ge "$min" ] &&
			[ "$(readlink -f "/proc/$VICTIM_PID/exe")" = "$(readlink -f "$prog")" ] &&
			break
		[ $n -lt 200 ] || fail "$* never got busy"
		sleep 0.1
		n=$((n + 1))
	done
}

# check_clean NAME [JIT]: capture the current victim, nothing above info,
# exit 0 at the default --fail-on; with JIT, a jit_code finding of it.
check_clean() {
	local name=$1 jit=${2:-} snap=$SCRATCH/$1.msnap report=$SCRATCH/$1.json
	capture "$snap"
	assert_exit 0 "$ANALYZE" check --format json "$snap"
	cp "$SCRATCH/last.out" "$report"
	$EXPECT "$report" max info || fail "$name: findings above info"
	$EXPECT "$report" none thread_in_anon || fail "$name: thread_in_anon"
	if [ -n "$jit" ]; then
		$EXPECT "$report" find jit_code severity=info "evidence~$jit" ||
			fail "$name: its JIT code is not recognised as $jit's"
	fi
	assert_exit 0 "$ANALYZE" check "$snap"
	assert_matches "$SCRATCH/last.out" '^verdict: clean'
	log "$name: clean"
}

start_busy 0 sleep 600
check_clean sleep
start_victim perl -e '$| = 1; print "ready\n"; sleep 600'
check_clean perl
start_busy 50 sqlite3 :memory: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c WHERE x % 7 = 3;'
check_clean sqlite3
kill "$VICTIM_PID"
start_victim python3 -c '
import ctypes, time
CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
def cmp(a, b):
    return ctypes.cast(a, ctypes.POINTER(ctypes.c_int))[0] - ctypes.cast(b, ctypes.POINTER(ctypes.c_int))[0]
callback = CB(cmp)
arr = (ctypes.c_int * 5)(5, 1, 4, 2, 3)
ctypes.CDLL(None).qsort(arr, 5, ctypes.sizeof(ctypes.c_int), callback)
print("sorted=" + ",".join(map(str, arr)))
print("ready", flush=True)
time.sleep(600)'
assert_eq "$(victim_value sorted)" 1,2,3,4,5 "qsort through the ctypes callback"
check_clean python3-ctypes

start_victim luajit -e '
io.write("ready\n") io.flush()
local s = 0
while true do for i = 1, 1e7 do s = s + i % 7 end end'
sleep 1
check_clean luajit-1 LuaJIT
check_clean luajit-2 LuaJIT
kill "$VICTIM_PID"

start_victim node -e '
console.log("ready");
let s = 0;
function hot() { for (;;) { for (let i = 0; i < 1e7; i++) s += i % 7; } }
hot();'
sleep 1
check_clean node-1 V8
check_clean node-2 V8
kill "$VICTIM_PID"

cat >"$SCRATCH/Hot.java" <<'J'
public class Hot {
	public static void main(String[] a) {
		System.out.println("ready");
		long s = 0;
		for (long i = 0;; i++) {
			s += i % 7;
			if (s == -1)
				System.out.println(s);
		}
	}
}
J
start_victim java -Xmx64m -XX:TieredStopAtLevel=4 "$SCRATCH/Hot.java"
sleep 1
check_clean java-1 HotSpot
check_clean java-2 HotSpot
