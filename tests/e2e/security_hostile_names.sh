#!/bin/bash
# Names chosen by a hostile process (comm, argv, environment, thread names,
# mapped file and memfd names with ANSI escapes, newlines, JSON and YAML
# structure, quotes, backslashes, invalid UTF-8, "../", " (deleted)") reach
# every analyzer output escaped: text output shows no control character
# (the escaped form of each name is there instead), JSON is printable ASCII
# and decodes to the exact bytes, YAML parses to the exact bytes with no
# injected key, and the manifest round-trips them too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_security.sh"
require_tools
require_ptrace

DIR=$SCRATCH/names
mkdir "$DIR" || fail "mkdir $DIR"
start_victim "$SAMPLES/hostile_names" "$DIR"

# unhex HEX: the bytes (no NUL, no trailing newline in these names)
unhex() {
	printf "$(printf '%s' "$1" | sed 's/../\\x&/g')"
}

# hexes PREFIX: the hex values the victim printed for PREFIX0, PREFIX1, ...
hexes() {
	sed -n "s/^$1[0-9]*_hex=//p" "$VICTIM_OUT"
}
COMM=$(victim_value comm_hex)
MEMFD=$(victim_value memfd_hex)
mapfile -t FILES < <(hexes file)
mapfile -t THREADS < <(hexes thread)
mapfile -t ARGS < <(hexes arg)
mapfile -t ENVS < <(hexes env)
DELETED=$(victim_value deleted_hex)
SUFFIX=$(printf ' (deleted)' | od -An -tx1 | tr -d ' \n')
MEMFD_PATH=$(printf /memfd: | od -An -tx1 | tr -d ' \n')$MEMFD$SUFFIX
PATHS=("${FILES[@]}" "$DELETED$SUFFIX" "$MEMFD_PATH")
[ "${#FILES[@]}" -ge 8 ] && [ "${#THREADS[@]}" = 3 ] ||
	fail "the victim printed ${#FILES[@]} files, ${#THREADS[@]} threads"

A=$SCRATCH/a.msnap
B=$SCRATCH/b.msnap
capture "$A"
victim_signal USR1 late_hex
LATE=$(victim_value late_hex)
capture "$B"

# run NAME EXPECTED_EXIT ARGS...: one analyzer run, output kept as NAME.
run() {
	local name=$1 want=$2
	shift 2
	assert_exit "$want" "$ANALYZE" "$@"
	cp "$SCRATCH/last.out" "$SCRATCH/$name"
	cp "$SCRATCH/last.err" "$SCRATCH/$name.err"
	sec_check safe "$SCRATCH/$name" "$SCRATCH/$name.err"
}

log "the manifest holds the exact bytes"
sec_py manifest "$A" "$SCRATCH/manifest.yaml"
sec_check safe "$SCRATCH/manifest.yaml"
sec_check parse yaml "$SCRATCH/manifest.yaml"
sec_check has yaml "$SCRATCH/manifest.yaml" "$COMM" "${THREADS[@]}" \
	"${PATHS[@]}" "${ENVS[@]}"
sec_check hasseq yaml "$SCRATCH/manifest.yaml" "${ARGS[@]}"

log "info: text, json, yaml"
run info.txt 0 info --all "$A"
sec_check escaped "$SCRATCH/info.txt" "$COMM" "${THREADS[@]}" "${PATHS[@]}"
for f in json yaml; do
	run "info.$f" 0 info --all --format "$f" "$A"
	sec_check parse "$f" "$SCRATCH/info.$f"
	sec_check has "$f" "$SCRATCH/info.$f" "$COMM" "${THREADS[@]}" "${PATHS[@]}"
	sec_check hasseq "$f" "$SCRATCH/info.$f" "${ARGS[@]}"
done
sec_check ascii "$SCRATCH/info.json"
# A live file named "... (deleted)" is a file; only the unlinked one is
# deleted (map_files' link count decides, not the name).
kinds=$($JSON_GET "$SCRATCH/info.json" "' '.join(sorted(r['kind']
	for r in doc['regions'] if isinstance(r['path'], str) and
	(r['path'].endswith('/victim (deleted)') or
	 r['path'].endswith(chr(7) + ' (deleted)'))))")
assert_eq "$kinds" "deleted file" "kinds of the file named '... (deleted)' and the unlinked one"

log "verify"
run verify.txt 0 verify "$A"
for f in json yaml; do
	run "verify.$f" 0 verify --format "$f" "$A"
	sec_check parse "$f" "$SCRATCH/verify.$f"
done

log "extract --list by each hostile name"
i=0
for h in "${FILES[@]}"; do
	run "extract$i.txt" 0 extract "$A" --path "$(unhex "$h")" --list
	sec_check escaped "$SCRATCH/extract$i.txt" "$h"
	i=$((i + 1))
done
run extract_memfd.txt 0 extract "$A" --list --path "$(unhex "$MEMFD_PATH")"

log "diff: text, json, yaml, stat"
run diff.txt 1 diff --all "$A" "$B"
sec_check escaped "$SCRATCH/diff.txt" "$LATE" "${FILES[@]}"
run diff_stat.txt 1 diff --stat "$A" "$B"
sec_check escaped "$SCRATCH/diff_stat.txt" "$LATE"
for f in json yaml; do
	run "diff.$f" 1 diff --all --format "$f" "$A" "$B"
	sec_check parse "$f" "$SCRATCH/diff.$f"
	sec_check has "$f" "$SCRATCH/diff.$f" "$LATE" "${PATHS[@]}"
done
sec_check ascii "$SCRATCH/diff.json"

log "layout, and diff --layout from that baseline"
run layout.yaml 0 layout "$A"
sec_check parse yaml "$SCRATCH/layout.yaml"
sec_check has yaml "$SCRATCH/layout.yaml" "${FILES[0]}" "${FILES[1]}"
run layout_diff.txt 1 diff --layout "$SCRATCH/layout.yaml" "$B"
sec_check escaped "$SCRATCH/layout_diff.txt" "$LATE"
# the baseline read back gives the same names: the late file is the only
# new module, nothing of the hostile ones is "missing"
[ "$(grep -c -E '^(new|missing)-module' "$SCRATCH/layout_diff.txt")" = 1 ] || {
	cat "$SCRATCH/layout_diff.txt"
	fail "diff --layout of its own baseline sees more than the late module"
}
run layout_diff.json 1 diff --layout --format json "$SCRATCH/layout.yaml" "$B"
sec_check parse json "$SCRATCH/layout_diff.json"
sec_check has json "$SCRATCH/layout_diff.json" "$LATE"
sec_check ascii "$SCRATCH/layout_diff.json"

log "check: text, json, sarif"
run check.txt 1 check "$A"
sec_check escaped "$SCRATCH/check.txt" "${FILES[0]}"
for f in json sarif; do
	run "check.$f" 1 check --format "$f" "$A"
	sec_check parse json "$SCRATCH/check.$f"
	sec_check has json "$SCRATCH/check.$f" "${FILES[0]}"
	sec_check ascii "$SCRATCH/check.$f"
done
sec_checks_run

# A module path that is now a FIFO: check must not open it and wait for a
# writer (a hostile snapshot can name any path of the analyst's machine).
rm -f -- "$(unhex "${FILES[0]}")" && mkfifo -- "$(unhex "${FILES[0]}")" ||
	fail "cannot replace ${FILES[0]} with a FIFO"
timeout 20 "$ANALYZE" check "$A" >"$SCRATCH/fifo.out" 2>&1
rc=$?
[ "$rc" = 1 ] || { cat "$SCRATCH/fifo.out"; fail "check with a FIFO as module path: exit $rc (124: it hung)"; }
assert_running
