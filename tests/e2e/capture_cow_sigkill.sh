#!/bin/bash
# SIGKILL of memsnap at several points of a --cow capture: the target keeps
# running, untraced, and receives no SIGCHLD.  What is left is exactly what
# cow.h says: once the child exists, it dies with memsnap
# (PTRACE_O_EXITKILL) and stays a zombie of the target (exit signal 0: no
# SIGCHLD; only a wait with __WALL sees it) until the target reaps it or
# exits.  Before the fork, or after the reap, nothing is left.
#   1. during the first freeze, after the fork: exactly one zombie
#   2. while the child is read (the target runs): exactly one zombie
#   3. after the child's kill, before its reap: at most that zombie
# Not tested, because it is not safe (README, memsnap(1)): a SIGKILL while
# a thread runs an injected system call (the clone: about 20-30 ms per GiB
# of the target; the wait4: microseconds) leaves that thread with the
# borrowed registers, and it crashes on its way back from the kernel.
. "$(dirname "$0")/lib.sh"
. "$E2E/lib_fault_target.sh"
. "$E2E/lib_cow.sh"
require_tools
require_ptrace

# left_behind: the victim runs untraced, got no SIGCHLD; prints its
# children ("" or "PID:Z"), failing on anything else.
left_behind() {
	local kids r
	assert_running
	assert_untraced "$VICTIM_PID"
	kids=$(children_of "$VICTIM_PID")
	case $kids in
	"" | [0-9]*:Z) ;;
	*) fail "the victim has children other than one zombie: $kids" ;;
	esac
	r=$(report)
	case $r in
	sigchld:0,*) ;;
	*) fail "the victim got SIGCHLD: $r" ;;
	esac
	echo "$kids"
}

# kill_capture: SIGKILL memsnap and collect it.
kill_capture() {
	kill -KILL "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
}

has_child() {
	[ -n "$(children_of "$VICTIM_PID")" ]
}

child_zombie() {
	case $(children_of "$VICTIM_PID") in *:Z) return 0 ;; esac
	return 1
}

# 1. inside the first freeze, made long (a 64K buffer streams the copy at
# zstd level 19 while frozen), once the child exists: one zombie.
start_victim "$SAMPLES/cow_victim" busy 16
start_capture freeze "$SCRATCH/k1b.msnap" --cow --max-buffer 64K --level 19 --threads 1
n=0
until has_child; do
	kill -0 "$CAP_PID" 2>/dev/null || fail "memsnap ended before the fork: $(cat "$SCRATCH/freeze.err")"
	[ $n -lt 6000 ] || fail "no child seen after 60 s"
	sleep 0.01
	n=$((n + 1))
done
# past the injected clone (its registers are put back within milliseconds)
sleep 0.3
[ "$(tracer_of "$VICTIM_PID")" != 0 ] || fail "the victim was thawed already: the freeze was not made long"
kill_capture
wait_for child_zombie || fail "the child is not a zombie after memsnap died: $(children_of "$VICTIM_PID")"
kids=$(left_behind)
[ -n "$kids" ] || fail "no zombie: the child should stay until the target reaps it"
log "killed frozen, after the fork: left behind zombie $kids"
kill -KILL "$VICTIM_PID"

# 2. while the child is read: slow compression keeps it alive long
start_victim "$SAMPLES/cow_victim" busy 256
start_capture read "$SCRATCH/k2.msnap" --cow --level 19 --threads 1
n=0
until has_child && [ "$(tracer_of "$VICTIM_PID")" = 0 ]; do
	kill -0 "$CAP_PID" 2>/dev/null || fail "memsnap ended before the child was read: $(cat "$SCRATCH/read.err")"
	[ $n -lt 6000 ] || fail "no child seen after 60 s"
	sleep 0.01
	n=$((n + 1))
done
sleep 0.3
kill -0 "$CAP_PID" 2>/dev/null || fail "memsnap ended while the child was read"
kill_capture
wait_for child_zombie || fail "the child is not a zombie after memsnap died: $(children_of "$VICTIM_PID")"
kids=$(left_behind)
[ -n "$kids" ] || fail "no zombie: the child should stay until the target reaps it"
case $(report) in
*wait:child) ;;
*) fail "the victim's waitid(__WALL) does not see the zombie: $(report)" ;;
esac
log "killed while the child was read: left behind zombie $kids (the target can reap it with __WALL)"
kill -KILL "$VICTIM_PID"

# 3. after the child was killed, before or during the reap's freeze
# (the child is a zombie by then): at most that zombie is left.
start_victim "$SAMPLES/cow_victim" busy 64
start_capture reap "$SCRATCH/k3.msnap" --cow --threads 1
seen=
n=0
while kill -0 "$CAP_PID" 2>/dev/null && [ $n -lt 200000 ]; do
	if child_zombie; then
		seen=yes
		break
	fi
	n=$((n + 1))
done
kill_capture
kids=$(left_behind)
if [ -n "$seen" ]; then
	log "killed after the child's kill, before its reap: left behind '${kids:-nothing}'"
else
	log "the capture ended before the child was seen a zombie; left behind '${kids:-nothing}'"
fi
kill -KILL "$VICTIM_PID"

# 4. For contrast, SIGINT (which memsnap catches) while the child is read:
# it kills and reaps the child before it exits 130; nothing is left.
start_victim "$SAMPLES/cow_victim" busy 256
start_capture int "$SCRATCH/k4.msnap" --cow --level 19 --threads 1
n=0
until has_child && [ "$(tracer_of "$VICTIM_PID")" = 0 ]; do
	kill -0 "$CAP_PID" 2>/dev/null || fail "memsnap ended before the child was read"
	[ $n -lt 6000 ] || fail "no child seen after 60 s"
	sleep 0.01
	n=$((n + 1))
done
kill -INT "$CAP_PID"
wait_exit "$CAP_PID" 60
assert_eq "$WAIT_RC" 130 "memsnap's exit status after SIGINT"
kids=$(left_behind)
assert_eq "$kids" "" "children left after SIGINT"
log "SIGINT while the child was read: exit 130, nothing left behind"
