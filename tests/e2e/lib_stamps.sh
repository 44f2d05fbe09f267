# tests/e2e/lib_stamps.sh - checks of a page_stamper snapshot (source it
# after lib.sh, with the victim started): is it one instant, is the stable
# buffer exact.

STAMP_PS=$(getconf PAGESIZE)

# one_instant SNAP: exit status of the stamp check on SNAP
# (tests/e2e/stamp_check.py: every page holds the step the counter implies).
one_instant() {
	local pages stamps counter
	pages=$(victim_value pages)
	stamps=$(victim_value stamps_addr)
	counter=$(victim_value counter_addr)
	rm -f "$SCRATCH/stamps.got" "$SCRATCH/counter.got"
	extract "$1" "$stamps" $((pages * STAMP_PS)) "$SCRATCH/stamps.got"
	extract "$1" "$counter" 8 "$SCRATCH/counter.got"
	python3 "$E2E/stamp_check.py" "$SCRATCH/stamps.got" \
		"$SCRATCH/counter.got" "$pages" "$(victim_value stride)" "$STAMP_PS"
}

# stable_exact SNAP: the victim's stable buffer is in SNAP byte for byte.
stable_exact() {
	local addr size
	addr=$(victim_value stable_addr)
	size=$(victim_value stable_size)
	rm -f "$SCRATCH/stable.got"
	extract "$1" "$addr" "$size" "$SCRATCH/stable.got"
	$PATTERN gen "$(victim_value stable_seed)" 0 "$size" >"$SCRATCH/stable.want"
	assert_same_bytes "$SCRATCH/stable.got" "$SCRATCH/stable.want" \
		"the stable buffer"
}
