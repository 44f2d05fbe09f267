#!/bin/bash
# A postgres backend with LLVM JIT on, captured while it runs a
# JIT-compiled query: libLLVM is mapped (100 MiB of code and 350k
# relocations) and the query's machine code lives in anonymous r-x
# sections.  check recognises that code as the LLVM JIT's (jit_code,
# info), exits 0 under the default --fail-on, nothing above info.
# The cluster is private, in the scratch directory, run by a non-root
# user (postgres refuses to run as root).
. "$(dirname "$0")/lib.sh"
EXPECT="python3 $E2E/analyze_check_expect.py"
require_tools
require_ptrace

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] ||
	fail "postgresql is missing (scripts/deps.sh installs it)"
ls "$bindir"/../lib/llvmjit.so >/dev/null 2>&1 ||
	fail "postgres' llvmjit.so is missing (scripts/deps.sh installs postgresql)"
if [ "$(id -u)" = 0 ]; then
	user=postgres
	id "$user" >/dev/null 2>&1 || user=nobody
	as_user() { runuser -u "$user" -- "$@"; }
else
	as_user() { "$@"; }
fi
pg=$SCRATCH/pg
mkdir "$pg" && chmod 755 "$SCRATCH" && { [ "$(id -u)" != 0 ] || chown "$user" "$pg"; } ||
	fail "cannot prepare the cluster directory"
as_user "$bindir/initdb" -D "$pg/data" -A trust >"$SCRATCH/initdb.out" 2>&1 ||
	{ tail "$SCRATCH/initdb.out"; fail "initdb failed"; }
as_user "$bindir/pg_ctl" -D "$pg/data" -l "$pg/log" -w start -o \
	"-k $pg -c listen_addresses= -c jit=on -c jit_above_cost=0 -c jit_inline_above_cost=0 -c jit_optimize_above_cost=0 -c max_parallel_workers_per_gather=0" \
	>"$SCRATCH/pgctl.out" 2>&1 || { cat "$pg/log"; fail "postgres did not start"; }
stop_pg() { as_user "$bindir/pg_ctl" -D "$pg/data" -m immediate stop >/dev/null 2>&1; }
# stop the cluster before lib.sh's cleanup removes its directory
trap 'rc=$?; stop_pg; (exit $rc); _e2e_cleanup' EXIT

# One session: report its backend pid, then run a long JIT-compiled query.
fifo=$SCRATCH/psql.in
mkfifo "$fifo" && chmod 666 "$fifo"
as_user "$bindir/psql" -h "$pg" -d postgres -At <"$fifo" >"$SCRATCH/psql.out" 2>&1 &
track_bg $!
exec 3>"$fifo"
echo "select pg_backend_pid();" >&3
echo "select count(*) from generate_series(1, 2000000000) g where g * 3 % 7 = 1;" >&3
wait_for grep -qE '^[0-9]+$' "$SCRATCH/psql.out" ||
	{ cat "$SCRATCH/psql.out"; fail "no backend pid from psql"; }
VICTIM_PID=$(head -n 1 "$SCRATCH/psql.out")
# JIT compiled: llvmjit.so loaded, anonymous code mapped
wait_for grep -q llvmjit "/proc/$VICTIM_PID/maps" ||
	fail "the backend did not load llvmjit.so"
sleep 1
snap=$SCRATCH/backend.msnap
capture "$snap"
assert_exit 0 "$ANALYZE" check --format json "$snap"
cp "$SCRATCH/last.out" "$SCRATCH/report.json"
$EXPECT "$SCRATCH/report.json" max info || fail "postgres: findings above info"
$EXPECT "$SCRATCH/report.json" none thread_in_anon || fail "postgres: thread_in_anon"
$EXPECT "$SCRATCH/report.json" find jit_code severity=info 'evidence~LLVM JIT' ||
	fail "the query's JIT code is not recognised"
assert_exit 0 "$ANALYZE" check "$snap"
assert_matches "$SCRATCH/last.out" '^verdict: clean'
log "postgres backend with LLVM JIT: clean"
