#!/bin/bash
# False positives are bugs: clean captures of sleep, perl, sqlite3 (busy
# in a query) and python3 holding a ctypes callback (a libffi closure:
# executable anonymous memory) exit 0 under the default --fail-on, with
# nothing above info.  JIT runtimes: analyze_check_clean_runtimes.sh.
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace
scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
if [ "$scope" != 0 ] && [ "$(id -u)" != 0 ]; then
	skip "Yama ptrace_scope=$scope: interpreters cannot opt in to being traced"
fi
for t in perl sqlite3 python3; do
	command -v $t >/dev/null ||
		fail "$t is missing (scripts/deps.sh installs it)"
done

. "$E2E/check_clean_lib.sh"

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

