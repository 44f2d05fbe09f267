#!/bin/sh
# tests/fuzz/build.sh - build every libFuzzer target tests/fuzz/fuzz_NAME.c
# into build-fuzz/fuzz_NAME, with clang-14, libFuzzer, ASan and UBSan,
# against all of formats/*.c and analyze/*/*.c (but main.c) compiled with the
# same flags.
#
# Usage: sh tests/fuzz/build.sh      (FUZZ_CC overrides the compiler)
# Objects are rebuilt when their source or any formats/*.h is newer.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2

CC=${FUZZ_CC:-clang-14}
CPPFLAGS="-D_GNU_SOURCE -DMEMSNAP_VERSION=\"0.1.0-fuzz\" -Iformats"
# The Makefile's warning flags, warnings as errors as everywhere else, with
# the fuzzer and sanitizers.
CFLAGS="-std=gnu11 -pthread -Wall -Wextra -Werror -Wshadow -Wformat=2 \
-Wstrict-prototypes -Wmissing-prototypes -Wvla -Wwrite-strings \
-Wpointer-arith -Wundef -Wimplicit-fallthrough -fno-common \
-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1"
LIBS="-lzstd -lyaml -lcrypto -lxxhash -lm -pthread"

command -v "$CC" >/dev/null 2>&1 || { echo "fuzz: $CC not found" >&2; exit 2; }
. tests/fuzz/san-lib.sh
build_formats_lib build-fuzz "$CC" "$CPPFLAGS" "$CFLAGS" || exit 1
build_ana_lib build-fuzz "$CC" "$CPPFLAGS" "$CFLAGS" || exit 1

failed=0
n=0
for src in tests/fuzz/fuzz_*.c; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .c)
	n=$((n + 1))
	# shellcheck disable=SC2086
	if ! $CC $CPPFLAGS $ANA_INC $CFLAGS -o "build-fuzz/$name" "$src" \
		build-fuzz/libana.a build-fuzz/libmsnap.a $LIBS $ANA_EXTRA_LIBS
	then
		echo "fuzz: $src does not build" >&2
		failed=1
	fi
done
if [ $n = 0 ]; then
	echo "fuzz: no tests/fuzz/fuzz_*.c" >&2
	exit 1
fi
exit $failed
