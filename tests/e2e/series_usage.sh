#!/bin/bash
# Series options that cannot work are refused before anything is touched
# (exit 2, one message naming the problem); --help lists every trigger.
. "$(dirname "$0")/lib.sh"
require_tools

assert_exit 0 "$MEMSNAP" --help
for opt in --every --count --when --on-signal --at-exit --wait-name; do
	assert_contains "$SCRATCH/last.out" "$opt"
done

# refuse CMD... TEXT: exit 2, TEXT on stderr, no directory created
refuse() {
	local text=${*: -1}
	assert_exit 2 "$MEMSNAP" "${@:1:$#-1}"
	assert_contains "$SCRATCH/last.err" "$text"
	[ ! -e "$SCRATCH/d" ] || fail "a refused series created its directory"
}
refuse -p 1 -o "$SCRATCH/d" --count 3 "--count needs a trigger"
refuse -p 1 -o "$SCRATCH/d" --on-signal KILL "invalid signal"
refuse -p 1 -o "$SCRATCH/d" --on-signal USR1 --every 1s "cannot be combined"
refuse -p 1 -o "$SCRATCH/d" --at-exit --cow "need the ordinary freeze"
refuse -p 1 -o "$SCRATCH/d" --when 'mem>1G' "invalid --when condition"
refuse -p 1 -o "$SCRATCH/d" --every 0s "invalid duration"
refuse -p 1 --wait-name x -o "$SCRATCH/d" --every 1s "not both"
refuse -p 1 --every 1s "a series needs a directory"
assert_exit 2 "$MEMSNAP" -p 1 -o - --every 1s
assert_contains "$SCRATCH/last.err" "not standard output"
