# tests/e2e/lib_fault_target.sh - helpers for the fault_target_* tests:
# what the target does to a capture (exits, execs, churns threads and
# mappings, is stopped, signalled, privileged, namespaced).  Source it after
# lib.sh.
#
# The invariants checked after every case: the target runs on untraced in
# its former state; memsnap exits 0, 1 or 2 with a message; what it leaves
# behind passes verify for what it holds.

# Options that make a capture slow enough to act in its middle: everything
# copied while frozen (no pre-copy) through a tiny buffer, so it streams
# while frozen, one worker at a high level.
SLOW_CAPTURE=(--method buffer --max-buffer 64K --level 19 --threads 1)

# start_capture NAME OUT [OPTIONS...]: memsnap in the background; sets
# CAP_PID, its stderr in $SCRATCH/NAME.err.
start_capture() {
	local name=$1 out=$2
	shift 2
	"$MEMSNAP" -p "$VICTIM_PID" -o "$out" "$@" \
		>"$SCRATCH/$name.out" 2>"$SCRATCH/$name.err" &
	CAP_PID=$!
	track_bg "$CAP_PID"
}

# state_of PID: the State letter of PID's main thread, "gone" if none.
state_of() {
	awk '/^State:/ { print $2; f = 1 } END { if (!f) print "gone" }' \
		"/proc/$1/status" 2>/dev/null || echo gone
}

# assert_untraced PID: no thread of PID has a tracer (after a grace period
# for the kernel to finish a detach).
assert_untraced() {
	local bad n=0
	while :; do
		bad=$(awk '/^TracerPid:/ && $2 != 0 { print FILENAME ": " $2 }' \
			/proc/"$1"/task/*/status 2>/dev/null)
		[ -z "$bad" ] && return 0
		[ $n -lt 50 ] || fail "still traced: $bad"
		sleep 0.1
		n=$((n + 1))
	done
}

# manifest_get SNAP EXPR: a Python expression over info's JSON (doc).
manifest_get() {
	"$ANALYZE" info --all --format json "$1" >"$SCRATCH/mget.json" ||
		fail "info of $1 failed"
	$JSON_GET "$SCRATCH/mget.json" "$2"
}

# check_outcome RC OUT ERRFILE: the documented exit codes, each with what
# it promises.  0: OUT is complete and verifies.  1: OUT exists, says it is
# partial and verifies (0, or 1 if cut short).  2: no OUT, a message, and a
# leftover OUT.partial (if any) is reported cut short, never a crash.
# Every file memsnap left is 0600.  Sets OUTCOME to complete/partial/failed.
check_outcome() {
	local rc=$1 out=$2 errf=$3 vrc f
	case $rc in
	0 | 1)
		[ -f "$out" ] || fail "memsnap exit $rc but no $out"
		[ ! -e "$out.partial" ] || fail "$out.partial left after exit $rc"
		check_sha256_line "$errf" "$out" "$out"
		"$ANALYZE" verify "$out" >"$SCRATCH/verify.out" 2>&1
		vrc=$?
		if [ "$rc" = 0 ]; then
			[ "$vrc" = 0 ] || fail "verify of a complete capture: $vrc"
			[ "$(manifest_get "$out" 'doc["status"].startswith("complete")')" = true ] ||
				fail "exit 0 but the manifest says incomplete"
			OUTCOME=complete
		else
			[ "$vrc" = 0 ] || [ "$vrc" = 1 ] ||
				{ cat "$SCRATCH/verify.out"; fail "verify exit $vrc"; }
			[ "$(manifest_get "$out" 'doc["status"].startswith("partial")')" = true ] ||
				fail "exit 1 but the manifest says complete"
			grep -q '^memsnap: ' "$errf" || fail "exit 1 without a message"
			OUTCOME=partial
		fi
		;;
	2)
		[ ! -e "$out" ] || fail "memsnap exit 2 but $out exists"
		grep -q '^memsnap: ' "$errf" || fail "exit 2 without a message"
		if [ -e "$out.partial" ]; then
			"$ANALYZE" verify "$out.partial" >"$SCRATCH/verify.out" 2>&1
			vrc=$?
			[ "$vrc" = 1 ] ||
				{ cat "$SCRATCH/verify.out"; fail "verify of the leftover $out.partial: exit $vrc"; }
		fi
		OUTCOME=failed
		;;
	*)
		cat "$errf"
		fail "memsnap exit $rc (not 0, 1 or 2)"
		;;
	esac
	for f in "$out" "$out.partial"; do
		[ -e "$f" ] || continue
		[ "$(stat -c %a "$f")" = 600 ] || fail "$f has mode $(stat -c %a "$f")"
	done
	log "memsnap exit $rc: $OUTCOME ($(grep '^memsnap: ' "$errf" | head -n 2 | tr '\n' ' '))"
}

# capture_checked NAME OUT [OPTIONS...]: memsnap in the foreground, then
# check_outcome.  Sets CAP_RC and OUTCOME.
capture_checked() {
	local name=$1 out=$2
	shift 2
	"$MEMSNAP" -p "$VICTIM_PID" -o "$out" "$@" \
		>"$SCRATCH/$name.out" 2>"$SCRATCH/$name.err"
	CAP_RC=$?
	check_outcome "$CAP_RC" "$out" "$SCRATCH/$name.err"
}

# wait_gone PID: wait until PID is no longer alive (reaped or zombie).
wait_gone() {
	local n=0 s
	while :; do
		s=$(state_of "$1")
		case $s in gone | Z | X) return 0 ;; esac
		[ $n -lt 100 ] || fail "pid $1 still $s 10 s later"
		sleep 0.1
		n=$((n + 1))
	done
}

# raw_manifest SNAP OUT: the manifest YAML as memsnap wrote it (info's JSON
# leaves out nspid, uid, dumpable, target_exited): the last MANIFEST record
# (FORMAT.md 4.5), its zstd frame decompressed by the zstd tool.
raw_manifest() {
	python3 - "$1" "$SCRATCH/manifest.zst" <<'PY' || fail "no MANIFEST record in $1"
import struct, sys
data = open(sys.argv[1], "rb").read()
pos = len(data)
while True:
    pos = data.rfind(b"MSMF", 0, pos)
    if pos < 8:
        sys.exit(1)
    magic, size = struct.unpack_from("<II", data, pos - 8)
    if magic == 0x184D2A5D and pos + size <= len(data):
        break
open(sys.argv[2], "wb").write(data[pos + 20:pos + size - 8])
PY
	zstd -q -dc "$SCRATCH/manifest.zst" >"$2" || fail "manifest of $1 does not decompress"
}

# yaml_get SNAP EXPR: a Python expression over the raw manifest (doc).
yaml_get() {
	raw_manifest "$1" "$SCRATCH/manifest.yaml"
	python3 -c 'import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
v = eval(sys.argv[2], {"doc": doc})
print(v if not isinstance(v, list) else " ".join(map(str, v)))' \
		"$SCRATCH/manifest.yaml" "$2" || fail "manifest: $2"
}

# at_exit CMD: run CMD (a string) when the test ends, before lib.sh's
# cleanup, keeping the test's exit status.
at_exit() {
	trap "_ft_rc=\$?; $1; (exit \$_ft_rc); _e2e_cleanup" EXIT
}

# manifest_check SNAP PYTHON: run PYTHON with doc (the raw manifest, see
# raw_manifest), region_at(addr) (the region holding addr) and fact(cond,
# msg) (records a failure) defined; the test fails if any fact failed.
manifest_check() {
	raw_manifest "$1" "$SCRATCH/manifest.yaml"
	python3 - "$SCRATCH/manifest.yaml" "$2" <<'PY' || fail "manifest of $1"
import sys, yaml
doc = yaml.load(open(sys.argv[1]), Loader=getattr(yaml, "CSafeLoader",
                                                  yaml.SafeLoader))
bad = []
def region_at(addr):
    addr = int(addr, 0) if isinstance(addr, str) else addr
    for r in doc["regions"]:
        if int(r["start"], 16) <= addr < int(r["end"], 16):
            return r
    raise SystemExit("no region holds %#x" % addr)
def fact(cond, msg):
    print(("ok: " if cond else "FAIL: ") + msg)
    if not cond:
        bad.append(msg)
exec(sys.argv[2])
sys.exit(1 if bad else 0)
PY
}

# want_patterns DIR NAME...: DIR/NAME.want, the victim's NAME_size bytes of
# pattern NAME_seed, for every NAME, from one python (it starts slowly).
want_patterns() {
	local dir=$1 name args=()
	shift
	for name in "$@"; do
		args+=("$dir/$name.want" "$(victim_value "${name}_seed")" \
			"$(victim_value "${name}_size")")
	done
	python3 - "$E2E" "${args[@]}" <<'PY' || fail "pattern generation"
import sys
sys.path.insert(0, sys.argv[1])
from pattern import pattern
a = sys.argv[2:]
for i in range(0, len(a), 3):
    open(a[i], "wb").write(pattern(int(a[i + 1]), 0, int(a[i + 2])))
PY
}
