# tests/e2e/lib_cow.sh - helpers for the capture_cow_* tests (source after
# lib.sh and lib_fault_target.sh).

# report: cow_victim's self-report (SIGCHLDs, mask, pending, waitid).
report() {
	victim_signal USR2 report
	victim_value report
}

# children_of PID: every child of PID, "pid:state" each, zombies included
# (pure bash: mawk stops at the first /proc file that vanished).
children_of() {
	local want=$1 f line rest out=
	for f in /proc/[0-9]*/stat; do
		# processes come and go: a vanished one is simply skipped
		{ read -r line <"$f"; } 2>/dev/null || continue
		# comm may hold spaces and ")": fields count from the last ")"
		rest=${line##*) }
		set -- $rest
		if [ "$2" = "$want" ]; then
			f=${f#/proc/}
			out="$out ${f%/stat}:$1"
		fi
	done
	echo "${out# }"
}

# assert_no_child: the victim has no child at all (none in
# /proc/PID/task/*/children, no zombie with it as parent).
assert_no_child() {
	local kids
	kids=$(cat /proc/"$VICTIM_PID"/task/*/children 2>/dev/null | tr -d ' \n')
	[ -z "$kids" ] || fail "the victim has children: $kids"
	kids=$(children_of "$VICTIM_PID")
	[ -z "$kids" ] || fail "the victim has children (pid:state): $kids"
}
