# tests/e2e/check_clean_lib.sh - helpers of the analyze_check_clean_*
# tests (source after lib.sh; needs EXPECT).

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

