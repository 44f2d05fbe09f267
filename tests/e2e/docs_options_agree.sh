#!/bin/bash
# Every option of every command is in its --help, its man page and README,
# exactly as the option tables have it (analyze/options.def, memsnap's
# long_options), and a letter or long name means one thing in the suite.
. "$(dirname "$0")/lib.sh"
require_tools
python3 "$E2E/docs_options.py" "$ROOT" "$ANALYZE" "$MEMSNAP" >"$SCRATCH/out" 2>&1 || {
	cat "$SCRATCH/out"
	fail "option tables, --help, man pages and README disagree ($(wc -l <"$SCRATCH/out") problems)"
}
exit 0
