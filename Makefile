# The README's commands. Everything is built with CMake under build*/.
JOBS ?= 2
# Every folder a target here builds in ('make clean' removes them all).
BUILD_DIRS = build build-asan build-clang build-fuzz build-memcheck
# No "Entering directory" lines from the makes CMake runs underneath.
MAKEFLAGS += --no-print-directory
FUZZ_SECONDS ?= 30
CMAKE_FLAGS ?=

.PHONY: all build check check-asan check-clang memcheck demo fuzz bench bench-nginx load format format-check install clean

all: build

build:
	@scripts/deps.sh build
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build build -j$(JOBS)

# Formatting, every test in a normal build, then the whole suite again under ASan+UBSan,
# the whole tree built by clang (its warnings are errors too) with the unit tests,
# the constant-time, fault and alerts tests under valgrind, each fuzz target
# briefly on its corpus.
check:
	@scripts/deps.sh check
	$(MAKE) --no-print-directory format-check
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build build -j$(JOBS)
	ctest --test-dir build -j$(JOBS) --output-on-failure
	$(MAKE) --no-print-directory check-asan
	$(MAKE) --no-print-directory check-clang
	scripts/memcheck.sh quick build
	scripts/fuzz.sh brief

check-asan:
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTERN_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build build-asan -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir build-asan -j$(JOBS) --output-on-failure

check-clang:
	cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
	  $(CMAKE_FLAGS) >/dev/null
	cmake --build build-clang -j$(JOBS)
	ctest --test-dir build-clang -j$(JOBS) -L unit --output-on-failure

# valgrind memcheck (leaks too) over the fault, alerts, handshake, resumption
# and interop tests, and the constant-time check; about 6 minutes.
memcheck:
	scripts/memcheck.sh

# tern serve under wrk and openssl s_time: 1,000 connections at once, 100,000
# handshakes, bounded in time; prints requests/s, handshakes/s, peak memory.
load:
	scripts/load.sh build

# The demo builds quietly (the log is shown only when the build fails).
DEMO_BUILD ?= build
demo:
	@scripts/deps.sh build
	@scripts/demo.sh --build $(DEMO_BUILD)

fuzz:
	@scripts/deps.sh check
	scripts/fuzz.sh $(FUZZ_SECONDS)

# tern against OpenSSL's libssl, bounded in time (BENCH_SECONDS, default 90).
BENCH_SECONDS ?= 90
bench: build
	BENCH_SECONDS=$(BENCH_SECONDS) build/bench/tern-bench

# Debian's nginx on tern's libssl.so.3 against the same nginx on Debian's
# OpenSSL, one worker: CPU per new TLS connection, keep-alive requests/s,
# memory per idle connection (about a minute; not in make check).
bench-nginx: build
	@scripts/deps.sh load
	bench/nginx.sh build $(CURDIR)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

install: build
	cmake --install build $(if $(PREFIX),--prefix $(PREFIX))

clean:
	rm -rf $(BUILD_DIRS)
