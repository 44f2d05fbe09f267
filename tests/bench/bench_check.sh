#!/bin/bash
# tests/bench/bench_check.sh - how long `memsnap-analyze check` takes on a
# process with libc and ten other libraries, and whether that time follows
# the bytes of code (it should) or the bytes of data (it should not).
#
#   BENCH_REPS      measured runs per figure (median printed), default 5
#   BENCH_DATA_MIB  heap data of the big victim, default 1024
#   MEMSNAP, ANALYZE  the programs (default: the build tree's)
#
# The same victim program runs twice, with 16 MiB and BENCH_DATA_MIB of
# heap data.  Each figure is printed beside `memsnap-analyze verify` of the
# same snapshot, which reads every stored byte (the peer in the same run):
# check should cost about the same on both snapshots while verify grows.
# References come from this machine (identity checked by build-id); once
# memsnap --with-files stores them, pass MEMSNAP_ARGS=--with-files.
# A second part times check of a postgres backend with LLVM JIT on
# (libLLVM: 100 MiB of code, ~355k relocations), captured inside a
# JIT-compiled query, in CPU seconds (user + system) beside verify; it is
# skipped, saying so, where postgresql is not installed.
# Not run by make check; asserts nothing.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MEMSNAP=${MEMSNAP:-$ROOT/capture/memsnap}
ANALYZE=${ANALYZE:-$ROOT/analyze/memsnap-analyze}
REPS=${BENCH_REPS:-5}
BIG=${BENCH_DATA_MIB:-1024}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/bench_check.XXXXXX") || exit 1
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$DIR"' EXIT

die() {
	echo "bench_check: $*" >&2
	exit 1
}

[ -x "$MEMSNAP" ] && [ -x "$ANALYZE" ] || die "build memsnap and memsnap-analyze first"

# Ten libraries besides libc, all of them loaded (--no-as-needed).
LIBS="-lm -lz -lzstd -lyaml -lcrypto -lxxhash -lelf -ljansson -lcapstone -lcmocka"
cat >"$DIR/victim.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 16, i;
	unsigned char *p = malloc(mib << 20);

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	if (!p)
		return 1;
	for (i = 0; i < mib << 20; i++)         /* not zero, not one byte */
		p[i] = (unsigned char)(i * 2654435761u >> 13);
	puts("ready");
	fflush(stdout);
	for (;;)
		pause();
}
C
cc -O1 -o "$DIR/victim" "$DIR/victim.c" -Wl,--no-as-needed $LIBS ||
	die "cannot build the victim (missing -dev packages?)"

now() { date +%s.%N; }

# median_time CMD...: median wall seconds of REPS runs (after one warm-up).
median_time() {
	local i t0 t1 times=()
	"$@" >/dev/null 2>&1
	for ((i = 0; i < REPS; i++)); do
		t0=$(now)
		"$@" >/dev/null 2>&1
		t1=$(now)
		times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
	done
	printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

snap_of() {
	local mib=$1 out=$DIR/v$1.msnap waited=0
	"$DIR/victim" "$mib" >"$DIR/v$mib.out" &
	PIDS+=("$!")
	while ! grep -qx ready "$DIR/v$mib.out"; do
		sleep 0.1
		waited=$((waited + 1))
		[ $waited -lt 1200 ] || die "victim $mib MiB not ready"
	done
	"$MEMSNAP" -p "${PIDS[-1]}" -o "$out" ${MEMSNAP_ARGS:-} 2>/dev/null ||
		die "capture of the $mib MiB victim failed"
	kill "${PIDS[-1]}"
	echo "$out"
}

printf 'check benchmark: libc + 10 libraries, median of %s runs\n' "$REPS"
printf '%-10s %12s %12s %14s %10s\n' data_mib snapshot_mib check_s verify_s code_mib
for mib in 16 "$BIG"; do
	snap=$(snap_of "$mib")
	"$ANALYZE" check --format json "$snap" >"$DIR/r.json"
	rc=$?
	[ $rc -le 1 ] || die "check failed on $snap"
	code=$(python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["code_bytes_compared"] / 1048576))' "$DIR/r.json")
	tc=$(median_time "$ANALYZE" check "$snap")
	tv=$(median_time "$ANALYZE" verify "$snap")
	printf '%-10s %12s %12s %14s %10s\n' "$mib" \
		"$(( $(stat -c %s "$snap") >> 20 ))" "$tc" "$tv" "$code"
	rm -f "$snap"
done

# median_cpu CMD...: median user+system CPU seconds of REPS runs.
median_cpu() {
	local i times=()
	"$@" >/dev/null 2>&1
	for ((i = 0; i < REPS; i++)); do
		/usr/bin/time -o "$DIR/cpu" -f '%U %S' "$@" >/dev/null 2>&1
		times+=("$(awk '{ printf "%.2f", $1 + $2 }' "$DIR/cpu")")
	done
	printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# A postgres backend inside a JIT-compiled query, from a private cluster.
postgres_backend_snap() {
	local bindir user=postgres n=0 pid
	bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -x "$bindir/initdb" ] && [ -x /usr/bin/time ] || return 1
	as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi; }
	mkdir "$DIR/pg" && chmod 755 "$DIR" && { [ "$(id -u)" != 0 ] || chown "$user" "$DIR/pg"; } || return 1
	as_pg "$bindir/initdb" -D "$DIR/pg/data" -A trust >/dev/null 2>&1 || return 1
	as_pg "$bindir/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/log" -w start -o \
		"-k $DIR/pg -c listen_addresses= -c jit=on -c jit_above_cost=0 -c jit_inline_above_cost=0 -c jit_optimize_above_cost=0 -c max_parallel_workers_per_gather=0" \
		>/dev/null 2>&1 || return 1
	PG_STOP="as_pg $bindir/pg_ctl -D $DIR/pg/data -m immediate stop"
	mkfifo "$DIR/psql.in" && chmod 666 "$DIR/psql.in"
	as_pg "$bindir/psql" -h "$DIR/pg" -d postgres -At <"$DIR/psql.in" >"$DIR/psql.out" 2>&1 &
	PIDS+=("$!")
	exec 3>"$DIR/psql.in"
	echo "select pg_backend_pid();" >&3
	echo "select count(*) from generate_series(1, 2000000000) g where g * 3 % 7 = 1;" >&3
	until grep -qE '^[0-9]+$' "$DIR/psql.out" && grep -q llvmjit "/proc/$(head -n 1 "$DIR/psql.out")/maps" 2>/dev/null; do
		sleep 0.1
		n=$((n + 1))
		[ $n -lt 300 ] || return 1
	done
	sleep 1
	pid=$(head -n 1 "$DIR/psql.out")
	"$MEMSNAP" -p "$pid" -o "$DIR/pg.msnap" ${MEMSNAP_ARGS:-} 2>/dev/null || return 1
	exec 3>&-
	$PG_STOP >/dev/null 2>&1
	echo "$DIR/pg.msnap"
}

printf '\npostgres backend with LLVM JIT, median CPU seconds (user + system) of %s runs\n' "$REPS"
if snap=$(postgres_backend_snap); then
	printf '%-14s %12s %10s %10s\n' what snapshot_mib check_cpu verify_cpu
	printf '%-14s %12s %10s %10s\n' backend "$(( $(stat -c %s "$snap") >> 20 ))" \
		"$(median_cpu "$ANALYZE" check "$snap")" \
		"$(median_cpu "$ANALYZE" verify "$snap")"
else
	${PG_STOP:-true} >/dev/null 2>&1
	echo "skipped: no postgresql (or /usr/bin/time) here, or the cluster did not start"
fi
