#!/bin/bash
# tests/e2e/lib_sarif_tee.sh - memsnap-analyze as the tests run it, keeping the
# SARIF of every `check` they run: lib.sh puts it in $ANALYZE when
# MEMSNAP_SARIF_DIR is set (tests/run.sh sets it); check_sarif_github.sh
# validates what it keeps.  The test sees the real command's output and
# exit status only.
real=${MEMSNAP_SARIF_REAL:?}
if [ "${1:-}" = check ] && [ -d "${MEMSNAP_SARIF_DIR:-}" ]; then
	# the same check, its --format replaced by sarif
	args=()
	skip_next=false
	for a in "${@:2}"; do
		if $skip_next; then
			skip_next=false
			continue
		fi
		case $a in
		-f | --format) skip_next=true ;;
		--format=* | -f?*) ;;
		*) args+=("$a") ;;
		esac
	done
	out=$(mktemp "$MEMSNAP_SARIF_DIR/${MEMSNAP_SARIF_TEST:-check}.XXXXXX") || exit 2
	"$real" check --format sarif "${args[@]}" >"$out" 2>/dev/null
	# exit 2: the check could not run (a test of bad input): no report
	if [ $? -le 1 ]; then
		mv "$out" "$out.sarif"
	else
		rm -f "$out"
	fi
fi
exec "$real" "$@"
