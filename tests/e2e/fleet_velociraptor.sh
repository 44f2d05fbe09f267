#!/bin/bash
# The Velociraptor artifact (samples/velociraptor/Linux.Memsnap.Capture.yaml)
# runs memsnap with the command lines its query builds: vr_argv.py reads
# them from the artifact, and each runs here against the real memsnap on a
# counter_tree in a cgroup of its own (--all in a pid namespace, so that it
# freezes nothing else of the machine).  Each must give a case directory
# whose hashes memsnap-analyze verify accepts.
. "$(dirname "$0")/lib.sh"
require_tools
require_ptrace

ART=$ROOT/samples/velociraptor/Linux.Memsnap.Capture.yaml
start_victim "$SAMPLES/counter_tree" 3
cg=
for hier in /sys/fs/cgroup/freezer /sys/fs/cgroup/unified; do
	[ -f "$hier/cgroup.procs" ] && mkdir "$hier/memsnap-vr-$$" 2>/dev/null &&
		{ cg=$hier/memsnap-vr-$$; break; }
done
[ -n "$cg" ] || skip "no cgroup can be created"
trap 'for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do echo "$p" >"$(dirname "$cg")/cgroup.procs"; done; rmdir "$cg"; _e2e_cleanup' EXIT
for p in $(victim_value pids | tr , ' ') $(pgrep -P "$(victim_value pids | cut -d, -f2)"); do
	echo "$p" >"$cg/cgroup.procs" || fail "cannot move $p into $cg"
done

python3 "$E2E/vr_argv.py" "$ART" "$MEMSNAP" "$VICTIM_PID" "$cg" "$SCRATCH" \
	>"$SCRATCH/lines" || fail "the artifact's command lines cannot be read"
[ "$(wc -l <"$SCRATCH/lines")" -ge 8 ] || fail "fewer command lines than expected"
while IFS=$'\t' read -r target scope case cmd; do
	IFS=$'\t' read -r -a argv <<<"$cmd"
	if [ "$target" = all ]; then
		unshare --pid --fork --mount-proc true 2>/dev/null ||
			{ log "no pid namespace: --all not run"; continue; }
		# the tree is started inside: the namespace's only processes
		unshare --pid --fork --mount-proc bash -c '
			"$1" 3 >"$2.victim" &
			until grep -qx ready "$2.victim"; do sleep 0.1; done
			shift 2; exec "$@"' ns "$SAMPLES/counter_tree" "$SCRATCH/ns-$scope" \
			"${argv[@]}" >"$SCRATCH/last.out" 2>"$SCRATCH/last.err" ||
			fail "$target/$scope: exit $? from ${argv[*]}: $(cat "$SCRATCH/last.err")"
	else
		assert_exit 0 "${argv[@]}"
	fi
	[ -f "$case/case.yaml" ] || fail "$target/$scope: no case.yaml"
	assert_exit 0 "$ANALYZE" verify "$case"
	n=$(grep -c 'sha256 ok$' "$SCRATCH/last.out")
	[ "$n" -ge 3 ] || fail "$target/$scope: $n snapshots verified"
	log "$target/$scope: ${argv[*]:1} -> $n snapshots"
done <"$SCRATCH/lines"
