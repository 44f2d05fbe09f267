#!/bin/sh
# tests/fuzz/san-lib.sh - compile formats/*.c with gcc, ASan and UBSan into
# build-san/formats/ and archive them as build-san/libmsnap.a.  Shared by
# tests/fuzz/replay.sh and scripts/asan-check.sh so both use one set of
# objects.  Objects are rebuilt when their source or any formats/*.h is newer.
#
# Sourced, not run: defines SAN_CC, SAN_CFLAGS, SAN_CPPFLAGS, SAN_LIBS,
# ANA_EXTRA_LIBS, san_build_lib and build_ana_lib (non-zero when a file
# does not compile).

SAN_CC=${SAN_CC:-gcc}
SAN_CPPFLAGS="-D_GNU_SOURCE -DMEMSNAP_VERSION=\"0.1.0-san\" -Iformats"
# The Makefile's warning flags, with the sanitizers.
SAN_CFLAGS="-std=gnu11 -pthread -Wall -Wextra -Werror -Wshadow -Wformat=2 \
-Wstrict-prototypes -Wmissing-prototypes -Wvla -Wwrite-strings \
-Wpointer-arith -Wundef -Wimplicit-fallthrough -fno-common \
-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
-g -O1"
SAN_LIBS="-lzstd -lyaml -lcrypto -lxxhash -lm -pthread"

# build_formats_lib DIR CC CPPFLAGS CFLAGS: compile formats/*.c into
# DIR/formats (only what is older than its source or any formats/*.h) and
# archive them as DIR/libmsnap.a.  Shared by the sanitizer and fuzz builds.
build_formats_lib() {
	bl_dir=$1 bl_cc=$2 bl_cppflags=$3 bl_cflags=$4
	mkdir -p "$bl_dir/formats" || return 1
	bl_ok=0
	for src in formats/*.c; do
		obj=$bl_dir/formats/$(basename "$src" .c).o
		stale=0
		if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ]; then
			stale=1
		else
			for h in formats/*.h; do
				[ "$h" -nt "$obj" ] && stale=1 && break
			done
		fi
		[ $stale = 1 ] || continue
		# shellcheck disable=SC2086
		if ! $bl_cc $bl_cppflags $bl_cflags -c "$src" -o "$obj"; then
			echo "$bl_dir: $src does not compile" >&2
			rm -f "$obj"
			bl_ok=1
		fi
	done
	[ $bl_ok = 0 ] || return 1
	# Objects of deleted sources must not linger in the archive.
	for obj in "$bl_dir"/formats/*.o; do
		[ -f "formats/$(basename "$obj" .o).c" ] || rm -f "$obj"
	done
	rm -f "$bl_dir/libmsnap.a"
	ar rcs "$bl_dir/libmsnap.a" "$bl_dir"/formats/*.o
}

# The analyzer's include flags: analyze/ and each of its folders.
ANA_INC="-Ianalyze$(for d in analyze/*/; do printf ' -I%s' "${d%/}"; done)"

# build_ana_lib DIR CC CPPFLAGS CFLAGS: the analyzer's objects (analyze/*/*.c
# but cmd/main.c) into DIR/analyze, archived as DIR/libana.a, for the fuzz
# targets and unit tests that call its library functions.
build_ana_lib() {
	bl_dir=$1 bl_cc=$2 bl_cppflags=$3 bl_cflags=$4
	mkdir -p "$bl_dir/analyze" || return 1
	bl_ok=0
	for src in analyze/*/*.c; do
		[ "$src" = analyze/cmd/main.c ] && continue
		obj=$bl_dir/analyze/$(basename "$src" .c).o
		if [ -f "$obj" ] && [ ! "$src" -nt "$obj" ] &&
		   [ -z "$(find analyze formats -name '*.h' -newer "$obj")" ]; then
			continue
		fi
		# shellcheck disable=SC2086
		if ! $bl_cc $bl_cppflags $ANA_INC $bl_cflags -c "$src" -o "$obj"
		then
			echo "$bl_dir: $src does not compile" >&2
			rm -f "$obj"
			bl_ok=1
		fi
	done
	[ $bl_ok = 0 ] || return 1
	for obj in "$bl_dir"/analyze/*.o; do
		set -- analyze/*/"$(basename "$obj" .o).c"
		[ -f "$1" ] || rm -f "$obj"
	done
	rm -f "$bl_dir/libana.a"
	ar rcs "$bl_dir/libana.a" "$bl_dir"/analyze/*.o
}

# Libraries the analyzer's objects need on top of SAN_LIBS.
ANA_EXTRA_LIBS="-lelf -ljansson -lcapstone"

san_build_lib() {
	build_formats_lib build-san "$SAN_CC" "$SAN_CPPFLAGS" "$SAN_CFLAGS"
}

# san_add_counts FILE: add the "KIND: N passed, N failed" last line of FILE
# (scripts/san-capture.sh's output) to $passed and $failed; a FILE without
# it (the run was cut short) is one failure.
san_add_counts() {
	sc_line=$(tail -n 1 "$1")
	case $sc_line in
	*": "*" passed, "*" failed")
		sc_ok=${sc_line#*: }
		sc_bad=${sc_ok#* passed, }
		passed=$((passed + ${sc_ok%% *}))
		failed=$((failed + ${sc_bad%% *}))
		;;
	*)
		failed=$((failed + 1))
		;;
	esac
}

# san_result RC LABEL LOG: report one test that exited RC (77: skipped,
# with the reason its log gives) and count it in $passed or $failed; a
# failure shows the sanitizer's report, if any, and the log's end.
san_result() {
	case $1 in
	0)
		echo "ok   $2"
		passed=$((passed + 1))
		;;
	77)
		echo "skip $2: $(sed -n 's/^skip: //p' "$3" | tail -n 1)"
		;;
	*)
		echo "FAIL $2 (exit $1, see $3)"
		grep -m 1 -A 20 -e 'ERROR: [A-Za-z]*Sanitizer' \
			-e 'WARNING: ThreadSanitizer' -e 'runtime error' "$3" |
			sed 's/^/    | /'
		tail -n 10 "$3" | sed 's/^/    | /'
		failed=$((failed + 1))
		;;
	esac
}
