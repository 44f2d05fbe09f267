#!/bin/bash
# Mappings that are not plain memory (reliability C13, C14, C16): a
# transparent huge page range, a hugetlb page, shared anonymous memory and
# a shared file are captured byte for byte; a PROT_NONE file view is
# skipped as prot_none, an anonymous PROT_NONE range as a guard, [vvar]
# and [vsyscall] with their names; and the program runs from an executable
# deleted after it started: its regions end " (deleted)", kind deleted,
# and --with-files still stores the file (through map_files).  Each
# capture complete, verified, the victim running afterwards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_fault_target.sh"
require_tools
require_ptrace

# One hugetlb page for the victim, the host's setting restored afterwards.
hp=/proc/sys/vm/nr_hugepages
hp_was=$(cat "$hp")
if [ "$hp_was" = 0 ] && [ -w "$hp" ]; then
	at_exit "echo $hp_was >$hp"
	echo 1 >"$hp" 2>/dev/null
fi

# The victim runs from a copy that is unlinked once it is ready.
exe=$SCRATCH/churn_maps_deleted
cp "$SAMPLES/churn_maps" "$exe"
exe_sum=$(sha256sum <"$exe" | cut -d' ' -f1)
start_victim "$exe" special "$SCRATCH"
rm -f "$exe"
grep -q ' (deleted)$' "/proc/$VICTIM_PID/maps" || fail "the kernel shows no deleted exe"
vsyscall=$(grep -c '\[vsyscall\]$' "/proc/$VICTIM_PID/maps")
hugetlb=$(victim_value hugetlb)

names="thp fshared sanon"
[ "$hugetlb" = 1 ] && names="$names hugetlb"
want_patterns "$SCRATCH" $names

for mode in plain files; do
	snap=$SCRATCH/$mode.msnap
	opts=()
	[ "$mode" = files ] && opts=(--with-files)
	capture_checked "$mode" "$snap" "${opts[@]}"
	assert_eq "$OUTCOME" complete "capture of special mappings ($mode)"
	assert_running
	for name in $names; do
		extract "$snap" "$(victim_value "${name}_addr")" \
			"$(victim_value "${name}_size")" "$snap.$name"
		assert_same_bytes "$snap.$name" "$SCRATCH/$name.want" "$name ($mode)"
	done
done

# The raw manifest: kinds and skip reasons.
thp_kb=$(awk -v a="$(victim_value thp_addr | sed 's/^0x//')" '
	$1 ~ "^" a "-" { f = 1 } f && /^AnonHugePages:/ { print $2; exit }' \
	"/proc/$VICTIM_PID/smaps")
log "THP range: AnonHugePages ${thp_kb:-?} kB now; hugetlb=$hugetlb"
manifest_check "$SCRATCH/plain.msnap" "
thp = region_at('$(victim_value thp_addr)')
fact(thp['pages']['data'] * 4096 >= $(victim_value thp_size), 'THP range stored')
fact(thp['smaps'].get('anonhugepages_kb', -1) >= 0, 'THP smaps recorded')
if $hugetlb:
    ht = region_at('$(victim_value hugetlb_addr)')
    fact(ht.get('skipped') is None and ht['pages']['data'] > 0,
         'hugetlb page stored: %s' % ht['pages'])
    fact(ht['smaps'].get('private_hugetlb_kb', 0) > 0, 'hugetlb in smaps')
fs = region_at('$(victim_value fshared_addr)')
fact(fs['kind'] == 'file' and fs['perms'] == 'rw-s', 'shared file: %s %s' % (fs['kind'], fs['perms']))
sa = region_at('$(victim_value sanon_addr)')
fact(sa['kind'] == 'shmem' and sa['perms'] == 'rw-s', 'shared anon: %s %s' % (sa['kind'], sa['perms']))
fn = region_at('$(victim_value fnone_addr)')
fact(fn.get('skipped') == 'prot_none' and fn['pages']['data'] == 0,
     'PROT_NONE file view: skipped %s' % fn.get('skipped'))
an = region_at('$(victim_value none_addr)')
fact(an.get('skipped') == 'guard' and an['pages']['data'] == 0,
     'PROT_NONE anonymous range: skipped %s' % an.get('skipped'))
vv = [r for r in doc['regions'] if r['path'].startswith('[vvar')]
fact(vv and all(r.get('skipped') == 'vvar' for r in vv), '[vvar] skipped: vvar')
vs = [r for r in doc['regions'] if r['path'] == '[vsyscall]']
fact(len(vs) == $vsyscall and all(r.get('skipped') == 'vsyscall' for r in vs),
     '[vsyscall] (%d in maps) skipped: vsyscall' % $vsyscall)
ex = [r for r in doc['regions'] if r['path'].endswith('/churn_maps_deleted (deleted)')]
fact(ex and all(r['kind'] == 'deleted' for r in ex),
     'deleted exe: %d regions of kind deleted' % len(ex))
fact(any(r['pages']['data'] for r in ex), 'deleted exe: pages stored')
"

# --with-files: the deleted executable is stored, the file as it was.
info_json "$SCRATCH/files.msnap" "$SCRATCH/files.json"
$JSON_GET "$SCRATCH/files.json" \
	'" ".join(str(r["index"]) for r in doc["regions"] if r.get("kind") == "stored_file")' \
	>"$SCRATCH/stored"
found=
size=$(stat -c %s "$SAMPLES/churn_maps")
for idx in $(cat "$SCRATCH/stored"); do
	assert_exit 0 "$ANALYZE" extract "$SCRATCH/files.msnap" --region "$idx" \
		-o "$SCRATCH/stored$idx"
	[ "$(head -c "$size" "$SCRATCH/stored$idx" | sha256sum | cut -d' ' -f1)" = "$exe_sum" ] &&
		found=$idx
done
[ -n "$found" ] || fail "--with-files did not store the deleted executable"
log "stored region $found holds the deleted executable"
assert_running

[ "$hugetlb" = 1 ] ||
	skip "no hugetlb page (nr_hugepages $(cat "$hp"), mmap errno $(victim_value hugetlb_errno)); the rest passed"
