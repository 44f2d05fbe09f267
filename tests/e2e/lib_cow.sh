# tests/e2e/lib_cow.sh - helpers for the capture_cow_* tests (source after
# lib.sh and lib_fault_target.sh).

# report: cow_victim's self-report (SIGCHLDs, mask, pending, waitid).
report() {
	victim_signal USR2 report
	victim_value report
}

# children_of PID: every child of PID, "pid:state" each, zombies included.
children_of() {
	# comm may hold spaces and ")": fields count from the last ")"
	awk -v pid="$1" '{
		line = $0; sub(/.*\) /, "", line); split(line, f, " ")
		if (f[2] == pid) { split(FILENAME, p, "/"); printf "%s:%s ", p[3], f[1] }
	}' /proc/[0-9]*/stat 2>/dev/null | sed 's/ $//'
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
