#!/bin/sh
# rename-internal-symbols.sh - give libmsnap's internal (non-API) functions
# a msnap_ prefix, so that a program linking formats/libmsnap.a cannot clash
# with them (capture/ defines emit_* of its own).  Reader internals become
# msnap_rd_*, writer internals msnap_wr_*, record helpers msnap_record_*.
#
# Idempotent: run it from the top of the tree, again after merging a branch
# that still uses the old names.  Check afterwards with
#   nm -g --defined-only formats/libmsnap.a | awk 'NF==3 {print $3}' |
#       grep -v -E '^(msnap_|ytree_|ynode_|yout_)'
# which must print nothing.
set -eu

names='
rd_decompress rd_finalize rd_header rd_load_chunk rd_open_trailer
rd_parse_chunk rd_parse_manifest rd_parse_pages rd_pread rd_push_chunk
rd_record rd_region_bounds rd_region_slot rd_reset rd_scan
rd_parse_parent rd_free_chain rd_page_ptr rd_read_span
progress_add progress_clear progress_init progress_phase
record_frame_header record_seal record_sum
'
writer_names='
emit_adopt emit_job emit_raw emit_record note_adopted
pool_empty pool_full pool_release_head pool_start pool_stop pool_submit
pool_tail pool_wait_head parent_same
'

script=
for n in $names; do
	script="$script s/\\<$n\\>/msnap_$n/g;"
done
for n in $writer_names; do
	script="$script s/\\<$n\\>/msnap_wr_$n/g;"
done

git grep -l -w -E "$(echo $names $writer_names | tr ' ' '|')" -- \
	'*.c' '*.h' '*.md' | while read -r f; do
	sed -i -e "$script" "$f"
done
