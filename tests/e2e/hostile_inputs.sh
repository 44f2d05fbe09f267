#!/bin/bash
# Hostile snapshots and reference files (hostile_craft.c writes them with
# valid record checksums, so each lie is met by the check meant for it):
# decompression bombs (content size over the record's, no content size,
# a 2 GiB window in a chunk and in the manifest, a manifest frame of
# 64 MiB for 100 bytes), overlapping
# regions, a 64 TiB region of a few hundred bytes, 8000 alike anonymous
# regions for diff's matching, absurd counts and sizes
# (2^32 regions, 2^40 and 2^63 chunks, a 2^63-byte chunk, 2^32 runs, a
# 2 GiB page), index and trailer offsets outside the file or wrapping,
# YAML nested 100000 deep, a scalar over the 16 MiB limit and an alias
# bomb in the manifest, a small snapshot cut at many offsets, verify
# when no thread can start, and reference ELF files with broken headers
# for check --ref.
#
# Every command (info, verify, extract, diff, export-core, check) runs
# under ulimit -v 1 GiB, ulimit -f 64 MiB (SIGXFSZ ignored: a write past
# it is EFBIG) and a 20 s timeout: it must end with 0, 1 or 2, never a
# signal or a timeout; 2 comes with a message on stderr; verify never
# calls a hostile file intact; a file cut short never verifies.
. "$(dirname "$0")/lib.sh"
require_tools

CRAFT=$SCRATCH/hostile_craft
cc -std=gnu11 -D_GNU_SOURCE -O1 -Wall -Werror -I"$ROOT/formats" -o "$CRAFT" \
	"$E2E/hostile_craft.c" "$ROOT/formats/libmsnap.a" -lzstd -lcrypto \
	-lxxhash -lyaml -pthread 2>"$SCRATCH/cc.err" || {
	cat "$SCRATCH/cc.err"
	fail "cannot build hostile_craft.c"
}
REF_ELF=$ROOT/tests/fuzz/corpus/elfref/lib_small.so
[ -f "$REF_ELF" ] || fail "$REF_ELF is missing"

VALID=$SCRATCH/valid.msnap
"$CRAFT" valid "$VALID" || fail "cannot craft the valid base"
mkdir -p "$SCRATCH/ref" "$SCRATCH/out"

# bounded RC_VAR LOG CMD...: run CMD under the limits; RC_VAR gets its
# status; stdout is dropped, stderr goes to LOG.
bounded() {
	local var=$1 log=$2 rc
	shift 2
	(ulimit -v 1048576 && ulimit -f 65536 && trap '' XFSZ &&
	 exec timeout -k 5 20 "$@") \
		>/dev/null 2>"$log" <"${BOUNDED_STDIN:-/dev/null}"
	rc=$?
	printf -v "$var" '%s' "$rc"
}

checks=0
# run_one NAME WHAT CMD...: one command on one file: 0, 1 or 2, and a
# message with 2.  Sets LAST_RC.
run_one() {
	local name=$1 what=$2 log
	shift 2
	log=$SCRATCH/out/$name.$what.err
	rm -f "$SCRATCH/out/x" "$SCRATCH/out/core"
	bounded LAST_RC "$log" "$@"
	checks=$((checks + 1))
	case $LAST_RC in
	0 | 1) ;;
	2) [ -s "$log" ] || fail "$name: $what exited 2 with nothing on stderr" ;;
	124 | 137) fail "$name: $what timed out (20 s)" ;;
	*) fail "$name: $what ended with status $LAST_RC: $(tail -n 3 "$log")" ;;
	esac
}

# every_command NAME FILE: the whole analyzer on FILE.
every_command() {
	local name=$1 f=$2
	run_one "$name" info "$ANALYZE" info "$f"
	run_one "$name" verify "$ANALYZE" verify "$f"
	VERIFY_RC=$LAST_RC
	run_one "$name" extract "$ANALYZE" extract "$f" --region 0 \
		-o "$SCRATCH/out/x"
	# against itself: both sides hostile (the cuts below diff with VALID)
	run_one "$name" diff-self "$ANALYZE" diff "$f" "$f"
	run_one "$name" export-core "$ANALYZE" export-core "$f" \
		-o "$SCRATCH/out/core"
	run_one "$name" check "$ANALYZE" check --no-host --ref "$REF_ELF" "$f"
}

# The base itself must pass, or the rest proves nothing.
every_command valid "$VALID"
[ "$VERIFY_RC" = 0 ] || fail "the valid base does not verify"
run_one valid info-json "$ANALYZE" info --format json "$VALID"
[ "$LAST_RC" = 0 ] || fail "info of the valid base failed"

cases="bomb-content-size bomb-no-size bomb-window bomb-manifest
bomb-manifest-window overlap
region-huge regions-2e32 chunks-2e40 chunks-2e63 chunk-len-2e63 chunk-runs-2e32
page-size-2e31 chunk-offset-outside chunk-offset-wrap pages-offset-outside
manifest-offset-outside index-offset-outside yaml-deep yaml-alias-bomb"
for c in $cases; do
	f=$SCRATCH/$c.msnap
	"$CRAFT" "$c" "$f" || fail "cannot craft $c"
	every_command "$c" "$f"
	# region-huge is a valid file: its size is only absurd
	[ "$VERIFY_RC" != 0 ] || [ "$c" = region-huge ] ||
		fail "$c: verify calls a hostile file intact"
	rm -f "$f"
done
# 8000 alike anonymous regions after a library (a valid file): diff must
# match them within the memory limit (it once kept every candidate pair).
f=$SCRATCH/anon-many.msnap
"$CRAFT" anon-many "$f" || fail "cannot craft anon-many"
run_one anon-many diff-self "$ANALYZE" diff --stat "$f" "$f"
[ "$LAST_RC" = 0 ] || fail "diff of 8000 anonymous regions with themselves:" \
	"status $LAST_RC: $(tail -n 2 "$SCRATCH/out/anon-many.diff-self.err")"
rm -f "$f"

# Parsing a 16 MiB scalar takes libyaml about a second: two commands.
f=$SCRATCH/big.msnap
"$CRAFT" yaml-big-scalar "$f" || fail "cannot craft yaml-big-scalar"
run_one yaml-big-scalar info "$ANALYZE" info "$f"
run_one yaml-big-scalar check "$ANALYZE" check --no-host "$f"
[ "$LAST_RC" = 2 ] || fail "check accepts a manifest with a 16 MiB scalar"
rm -f "$f"

# A small snapshot cut at many offsets: every record boundary region and
# a stride through the rest.  Never complete, never a crash.
size=$(stat -c %s "$VALID")
offsets=$(python3 -c "
n = $size
s = set(range(0, 70, 9)) | set(range(0, n, 97)) | set(range(n - 120, n, 13))
print(' '.join(str(o) for o in sorted(s) if 0 <= o < n))")
cut=$SCRATCH/cut.msnap
ncut=0
for o in $offsets; do
	head -c "$o" "$VALID" >"$cut"
	run_one "cut-$o" verify "$ANALYZE" verify "$cut"
	[ "$LAST_RC" != 0 ] || fail "cut at $o: verify says intact"
	ncut=$((ncut + 1))
done
# The other commands on a few of the cuts.
for o in 0 61 200 $((size / 2)) $((size - 113)) $((size - 1)); do
	head -c "$o" "$VALID" >"$cut"
	run_one "cut-$o" info "$ANALYZE" info "$cut"
	run_one "cut-$o" extract "$ANALYZE" extract "$cut" --region 0 \
		-o "$SCRATCH/out/x"
	run_one "cut-$o" diff "$ANALYZE" diff "$VALID" "$cut"
	run_one "cut-$o" export-core "$ANALYZE" export-core "$cut" \
		-o "$SCRATCH/out/core"
	run_one "cut-$o" check "$ANALYZE" check --no-host --ref "$REF_ELF" "$cut"
done

# No worker thread can start (RLIMIT_NPROC 1 for an unprivileged user):
# verify must still finish, on its own thread (it used to wait for ever
# once its ring of chunk slots filled).  20 chunks: more than the ring.
MANY=$ROOT/tests/fuzz/corpus/reader/many_regions.msnap
if command -v setpriv >/dev/null && command -v prlimit >/dev/null; then
	BOUNDED_STDIN=$MANY run_one no-threads verify setpriv \
		--reuid=65534 --regid=65534 --clear-groups prlimit --nproc=1 \
		"$ANALYZE" verify --threads 4 -
	[ "$LAST_RC" = 0 ] || fail "verify without threads: status $LAST_RC"
fi

# Reference ELF files with broken headers, named as the snapshot's module
# so that check --ref reads them.
elf_cases="phnum-huge phoff-outside shentsize-bad shnum-huge shoff-outside
shsize-huge note-overflow compressed dynsym-link-loop entsize-zero truncated"
for c in $elf_cases; do
	rm -f "$SCRATCH/ref/libdemo.so.1"
	"$CRAFT" elf "$c" "$REF_ELF" "$SCRATCH/ref/libdemo.so.1" ||
		fail "cannot craft elf $c"
	run_one "elf-$c" check "$ANALYZE" check --no-host --ref "$SCRATCH/ref" \
		--format json "$VALID"
done

log "$checks commands on $(($(wc -w <<<"$cases") + 1)) hostile snapshots," \
    "$ncut cuts and $(wc -w <<<"$elf_cases") broken reference files: no crash, no hang"
