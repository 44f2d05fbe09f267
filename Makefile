# memsnap: one build for everything.  `make`, `make check`, `make static`,
# `make demo`, `make asan-check`, `make tsan-check`, `make fuzz`, `make bench`,
# `make soak`.
#
# Missing Debian packages are installed by scripts/deps.sh (as root or via
# sudo); every target that compiles depends on it.

CC       ?= cc
VERSION  := 0.1.0
CPPFLAGS += -D_GNU_SOURCE -DMEMSNAP_VERSION='"$(VERSION)"' -Iformats
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -pthread -Wall -Wextra -Werror -Wshadow -Wformat=2 \
            -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wwrite-strings \
            -Wpointer-arith -Wundef -Wimplicit-fallthrough -fno-common
LDFLAGS  += -pthread

FMT_LIBS  := -lzstd -lyaml -lcrypto -lxxhash
CAP_LIBS  := $(FMT_LIBS)
ANA_LIBS  := $(FMT_LIBS) -lelf -ljansson -lcapstone -lyara
TEST_LIBS := $(ANA_LIBS) -lcmocka

FMT_SRC  := $(sort $(wildcard formats/*.c))
CAP_SRC  := $(sort $(wildcard capture/*.c))
# analyze/ by job: cmd (subcommands), snap (the snapshot and its regions),
# diff, check, core (export-core), scan (search, yara), out (documents)
ANA_DIRS := $(sort $(wildcard analyze/*/))
ANA_INC  := -Ianalyze $(patsubst %/,-I%,$(ANA_DIRS))
ANA_SRC  := $(sort $(wildcard analyze/*/*.c))
FMT_OBJ  := $(FMT_SRC:.c=.o)
CAP_OBJ  := $(CAP_SRC:.c=.o)
ANA_OBJ  := $(ANA_SRC:.c=.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:.c=)
SAMPLE_SRC := $(sort $(wildcard samples/*.c))
SAMPLE_BIN := $(SAMPLE_SRC:.c=)

DEPS_STAMP := .deps-ok

all: capture/memsnap analyze/memsnap-analyze samples

$(DEPS_STAMP): scripts/deps.sh
	@sh scripts/deps.sh
	@touch $@

%.o: %.c $(DEPS_STAMP)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

formats/libmsnap.a: $(FMT_OBJ)
	$(AR) rcs $@ $^

capture/memsnap: $(CAP_OBJ) formats/libmsnap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CAP_LIBS)

# a header of one job is included by the others: every folder is searched
$(ANA_OBJ): CPPFLAGS += $(ANA_INC)

analyze/memsnap-analyze: $(ANA_OBJ) formats/libmsnap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(ANA_LIBS)

# A fully static capture binary for hosts we do not own.  The linker warns
# that libcrypto.a's module loader and socket code call dlopen and
# getaddrinfo: memsnap reaches neither (formats/sha256.c loads no config).
static: capture/memsnap-static
capture/memsnap-static: $(CAP_OBJ) formats/libmsnap.a
	$(CC) $(LDFLAGS) -static -o $@ $^ $(CAP_LIBS)

samples: $(SAMPLE_BIN)
samples/%: samples/%.c $(DEPS_STAMP)
	$(CC) $(CPPFLAGS) $(CFLAGS) -O1 -o $@ $< -ldl $(LDFLAGS) $(SAMPLE_LDLIBS_$(notdir $@))

tests/unit/test_%: tests/unit/test_%.c formats/libmsnap.a $(DEPS_STAMP)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit -o $@ $< formats/libmsnap.a $(TEST_LIBS) $(LDFLAGS)

# Unit tests of capture/ (test_cap_*) and analyze/ (test_ana_*) link that
# program's objects without its main.c.
CAP_LIB_OBJ := $(filter-out capture/main.o,$(CAP_OBJ))
ANA_LIB_OBJ := $(filter-out analyze/cmd/main.o,$(ANA_OBJ))
tests/unit/test_cap_%: tests/unit/test_cap_%.c $(CAP_LIB_OBJ) formats/libmsnap.a $(DEPS_STAMP)
	$(CC) $(CPPFLAGS) -Icapture $(CFLAGS) -o $@ $< $(CAP_LIB_OBJ) formats/libmsnap.a $(TEST_LIBS) $(LDFLAGS)
tests/unit/test_ana_%: tests/unit/test_ana_%.c $(ANA_LIB_OBJ) formats/libmsnap.a $(DEPS_STAMP)
	$(CC) $(CPPFLAGS) $(ANA_INC) $(CFLAGS) -o $@ $< $(ANA_LIB_OBJ) formats/libmsnap.a $(TEST_LIBS) $(LDFLAGS)

unit: $(UNIT_BIN)

check: all unit static
	@sh tests/run.sh

# Sanitizer build of the format code, its unit tests and the analyzer, in a
# separate tree so it never mixes objects with the normal build.
asan-check: $(DEPS_STAMP) all
	@sh scripts/asan-check.sh

# The reader under ThreadSanitizer: several threads open different
# snapshots at once, in build-tsan/.
tsan-check: $(DEPS_STAMP) all
	@sh scripts/tsan-check.sh

# libFuzzer targets (clang), each run for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
fuzz: $(DEPS_STAMP)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

tests/bench/bench_format: tests/bench/bench_format.c formats/libmsnap.a
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< formats/libmsnap.a $(FMT_LIBS) $(LDFLAGS)

# The same benchmark against a writer with its hashing compiled out.
tests/bench/bench_format_nohash: tests/bench/bench_format.c $(FMT_SRC)
	$(CC) $(CPPFLAGS) -DMSNAP_BENCH_NO_HASH $(CFLAGS) -o $@ $^ $(FMT_LIBS) $(LDFLAGS)

# What --cow costs the target: fork time and page copies while the child lives.
tests/bench/bench_cow: tests/bench/bench_cow.c $(CAP_LIB_OBJ) formats/libmsnap.a $(DEPS_STAMP)
	$(CC) $(CPPFLAGS) -Icapture $(CFLAGS) -o $@ $< $(CAP_LIB_OBJ) formats/libmsnap.a $(CAP_LIBS) $(LDFLAGS)

bench: all tests/bench/bench_format tests/bench/bench_format_nohash tests/bench/bench_cow
	tests/bench/bench_format $${BENCH_FORMAT_MIB:-1024} 2 1
	tests/bench/bench_cow $${BENCH_COW_MIB:-1024}
	@sh tests/bench/hash_cost.sh $${BENCH_FORMAT_MIB:-1024}
	@sh tests/bench/run.sh

demo: all
	@sh scripts/demo.sh

# 1000 captures of one process in a row, then the valgrind runs; make check
# runs the same soak with SOAK_COUNT=200.
soak: all
	@SOAK_COUNT=$${SOAK_COUNT:-1000} TEST_TIMEOUT=$${TEST_TIMEOUT:-1800} \
		sh tests/run.sh soak_

clean:
	rm -f formats/*.o formats/*.d formats/libmsnap.a capture/*.o capture/*.d \
	      analyze/*/*.o analyze/*/*.d capture/memsnap capture/memsnap-static \
	      analyze/memsnap-analyze $(UNIT_BIN) $(SAMPLE_BIN) tests/bench/bench_format \
	      tests/bench/bench_format_nohash tests/bench/bench_cow
	rm -rf build-san build-fuzz build-tsan

.PHONY: all static samples unit check asan-check tsan-check fuzz bench demo soak clean
-include $(FMT_OBJ:.o=.d) $(CAP_OBJ:.o=.d) $(ANA_OBJ:.o=.d)
