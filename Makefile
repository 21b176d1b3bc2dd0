# sealkit: the two commands of the quick start are `make demo` and `make test`.
# Everything is built by CMake+Ninja into $(BUILD); this file only wraps it.
BUILD     ?= build
PREFIX    ?= /usr/local
BUILD_TYPE ?= RelWithDebInfo
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps configure build demo test bench fuzz install clean

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo $(BUILD)

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 300

bench: build
	@scripts/bench $(BUILD)

# Runs each fuzz target for FUZZ_SECONDS (needs clang; see fuzz/README.md).
FUZZ_SECONDS ?= 60
fuzz: deps
	@fuzz/run $(FUZZ_SECONDS)

install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD)
