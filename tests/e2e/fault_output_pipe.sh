#!/bin/bash
# memsnap -o - and the reader on the other end of the pipe:
# - the reader goes away (| head -c 1M): EPIPE, not a silent SIGPIPE death;
#   exit 2, "Broken pipe", the victim running, and what the reader got
#   verifies as cut short (exit 1);
# - the reader stops reading: SIGINT still ends memsnap (exit 130) instead
#   of leaving it blocked in write(2) for ever;
# - the pipe was made non-blocking by someone else: EAGAIN is waited out,
#   and the snapshot is complete.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_fault_output.sh"
require_tools
require_ptrace

start_victim "$SAMPLES/big_victim" 48M

# The reader leaves after 1 MiB.
got=$SCRATCH/head.msnap
"$MEMSNAP" -p "$VICTIM_PID" -o - 2>"$SCRATCH/epipe.err" |
	head -c $((1 << 20)) >"$got"
rcs=("${PIPESTATUS[@]}")
assert_eq "${rcs[1]}" 0 "exit status of head"
[ "${rcs[0]}" != $((128 + $(kill -l PIPE))) ] || fail "memsnap died of SIGPIPE"
fo_failed_cleanly "${rcs[0]}" "$SCRATCH/epipe.err" "$SCRATCH/none" \
	"Broken pipe.*standard output is cut short"
assert_eq "$(stat -c %s "$got")" $((1 << 20)) "bytes head got"
fo_partial_verifies "$got" 1
assert_exit 0 "$ANALYZE" info --format json "$got"
assert_matches "$SCRATCH/last.out" '"status": *"incomplete'
ticker_alive

# The reader holds the pipe open and never reads: memsnap blocks in
# write(2) once the pipe is full; SIGINT must still end it.
fifo=$SCRATCH/fifo
mkfifo "$fifo" || fail "mkfifo"
exec 3<>"$fifo"         # read end held (O_RDWR: open does not block)
"$MEMSNAP" -p "$VICTIM_PID" -o - >"$fifo" 2>"$SCRATCH/stall.err" &
pid=$!
track_bg "$pid"
# queued: bytes waiting in the fifo
queued() {
	python3 - "$fifo" <<'EOF'
import fcntl, os, struct, sys, termios
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NONBLOCK)
print(struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0])
EOF
}
# stalled: memsnap lives, the pipe is more than half full (of 64 KiB) and
# no byte more came in a tenth of a second: memsnap is blocked in write(2)
stalled() {
	local a b
	kill -0 "$pid" 2>/dev/null || fail "memsnap ended with the pipe unread"
	a=$(queued)
	[ "$a" -gt 32768 ] || return 1
	sleep 0.1
	b=$(queued)
	[ "$a" = "$b" ]
}
wait_for stalled || fail "memsnap never blocked on the full pipe"
kill -INT "$pid"
wait_exit "$pid" 10
exec 3<&-
cat "$SCRATCH/stall.err"
assert_eq "$WAIT_RC" 130 "exit status after SIGINT with a stalled reader"
assert_matches "$SCRATCH/stall.err" "^memsnap: interrupted by SIGINT"
ticker_alive

# A non-blocking pipe, read slowly: EAGAIN is not an error.
python3 - "$MEMSNAP" "$VICTIM_PID" "$SCRATCH/nonblock.msnap" \
	"$SCRATCH/nonblock.err" <<'EOF' || fail "memsnap on a non-blocking pipe failed"
import fcntl, os, subprocess, sys, time
memsnap, pid, out, err = sys.argv[1:]
r, w = os.pipe()
fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
with open(err, "wb") as e:
    p = subprocess.Popen([memsnap, "-p", pid, "-o", "-"], stdout=w, stderr=e)
os.close(w)
with open(out, "wb") as f:
    while True:
        b = os.read(r, 1 << 16)
        if not b:
            break
        f.write(b)
        time.sleep(0.0005)      # slower than memsnap: the pipe fills
rc = p.wait()
print("# memsnap on a non-blocking pipe exited", rc)
sys.exit(rc)
EOF
check_sha256_line "$SCRATCH/nonblock.err" - "$SCRATCH/nonblock.msnap"
assert_exit 0 "$ANALYZE" verify "$SCRATCH/nonblock.msnap"
assert_running
