#!/bin/bash
# False positives are bugs, JIT runtimes included: clean captures of
# node, java and luajit busy in a hot, compiled loop (captured twice
# each: a thread is often inside the compiled code) exit 0 under the
# default --fail-on, with nothing above info, and their code is
# recognised as theirs (jit_code of V8, HotSpot, LuaJIT).
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace
scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
if [ "$scope" != 0 ] && [ "$(id -u)" != 0 ]; then
	skip "Yama ptrace_scope=$scope: interpreters cannot opt in to being traced"
fi
for t in node java luajit; do
	command -v $t >/dev/null ||
		fail "$t is missing (scripts/deps.sh installs it)"
done

. "$E2E/check_clean_lib.sh"

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
