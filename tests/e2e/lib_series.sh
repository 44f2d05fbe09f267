# tests/e2e/lib_series.sh - helpers for the series tests (source after lib.sh).

# start_series DIR OPTIONS...: memsnap -o DIR OPTIONS... in the background;
# sets SERIES_PID, its stderr in $SCRATCH/series.err.
start_series() {
	local dir=$1
	shift
	"$MEMSNAP" -o "$dir" --no-progress "$@" 2>"$SCRATCH/series.err" &
	SERIES_PID=$!
	track_bg "$SERIES_PID"
}

# series_wait WANT: wait for memsnap to end, require exit status WANT.
series_wait() {
	local rc
	wait "$SERIES_PID"
	rc=$?
	[ "$rc" = "$1" ] || {
		cat "$SCRATCH/series.err"
		fail "memsnap series exit status $rc, expected $1"
	}
}

# snap_count DIR: complete snapshots in DIR.
snap_count() {
	find "$1" -maxdepth 1 -name 'snap-*.msnap' 2>/dev/null | wc -l
}

# watched PID: memsnap traces it (the watch is in place).
watched() {
	awk '/^TracerPid:/ { exit $2 == 0 }' "/proc/$1/status"
}

# assert_verifies DIR: every snapshot in DIR verifies.
assert_verifies() {
	local f
	for f in "$1"/snap-*.msnap; do
		assert_exit 0 "$ANALYZE" verify "$f"
	done
}
