#!/bin/bash
# Targets the kernel guards (reliability C17, section 4): a process that
# made itself non-dumpable (prctl PR_SET_DUMPABLE 0) and a setuid-root
# program started by an unprivileged user.  Captured by root: complete
# (exit 0), 0600, the victim running afterwards, and the manifest says what
# makes each special: dumpable 0 (1 for a plain control), the real and
# effective uids, AT_SECURE in the auxiliary vector.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_fault_target.sh"
require_tools
require_ptrace
[ "$(id -u)" = 0 ] || skip "needs root (setuid binary, capture of another uid)"
id nobody >/dev/null 2>&1 || skip "no user nobody"
nogroup=$(id -gn nobody)
as_nobody=(setpriv --reuid=nobody --regid="$nogroup" --clear-groups)
nobody_uid=$(id -u nobody)

# A directory where the setuid bit works, reachable by nobody.
suid_dir=
for d in "$SCRATCH" /var/tmp "$ROOT/tests/out"; do
	mkdir -p "$d" 2>/dev/null || continue
	case ",$(findmnt -n -o OPTIONS -T "$d")," in *,nosuid,*) continue ;; esac
	suid_dir=$(mktemp -d "$d/suid.XXXXXX") || continue
	break
done
[ -n "$suid_dir" ] || skip "every candidate directory is on a nosuid mount"
[ "$suid_dir" = "${suid_dir#"$SCRATCH"}" ] && at_exit "rm -rf '$suid_dir'"
chmod 711 "$SCRATCH" "$suid_dir"
cp "$SAMPLES/churn_exit" "$suid_dir/churn_exit_suid"
chown root:root "$suid_dir/churn_exit_suid"
chmod 4755 "$suid_dir/churn_exit_suid"

# case NAME DUMPABLE EUID SECURE CMD...: start CMD, capture it, check.
case_run() {
	local name=$1 dumpable=$2 euid=$3 secure=$4 snap=$SCRATCH/$1.msnap
	shift 4
	start_victim "$@"
	capture_checked "$name" "$snap"
	assert_eq "$OUTCOME" complete "capture of the $name victim"
	assert_running
	manifest_check "$snap" "
p = doc['process']
aux = {a.get('name'): int(a['value'], 16) for a in p['auxv']}
fact(p.get('dumpable') == $dumpable, 'dumpable %s, want $dumpable' % p.get('dumpable'))
fact(p['uid'][0] == $nobody_uid and p['uid'][1] == $euid,
     'real uid %d, effective %d' % tuple(p['uid'][:2]))
fact(aux.get('AT_SECURE') == $secure, 'AT_SECURE %s' % aux.get('AT_SECURE'))
fact(aux.get('AT_UID') == $nobody_uid and aux.get('AT_EUID') == $euid,
     'auxv AT_UID %s AT_EUID %s' % (aux.get('AT_UID'), aux.get('AT_EUID')))
"
	# info shows the same to an analyst
	assert_exit 0 "$ANALYZE" info --format json "$snap"
	assert_eq "$($JSON_GET "$SCRATCH/last.out" \
		"' '.join([str(doc['process']['dumpable'])] + doc['process']['uid'].split()[:2])")" \
		"$dumpable $nobody_uid $euid" "info's dumpable, real and effective uid"
}

case_run plain 1 "$nobody_uid" 0 "${as_nobody[@]}" "$SAMPLES/churn_exit" 1M
case_run nodump 0 "$nobody_uid" 0 env CHURN_NODUMP=1 "${as_nobody[@]}" \
	"$SAMPLES/churn_exit" 1M
case_run setuid 0 0 1 "${as_nobody[@]}" "$suid_dir/churn_exit_suid" 1M
