# sealkit: the two commands of the quick start are `make demo` and `make test`.
# Everything is built by CMake+Ninja into $(BUILD); this file only wraps it.
BUILD     ?= build
PREFIX    ?= /usr/local
BUILD_TYPE ?= RelWithDebInfo
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# The kernel `make test-oldkernel` boots (docs/compatibility.md).
OLDKERNEL_PKG ?= linux-image-amd64

.PHONY: all deps configure build demo test test-oldkernel bench fuzz install clean

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo $(BUILD)

# The host's ctest, then the same suites inside Debian 12's Linux 6.1 (no
# mseal) under qemu; that part is SKIPPED, saying why, when qemu, busybox or
# the kernel package cannot be had (status 3 of scripts/oldkernel/run).
test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 300
	@OLDKERNEL_PKG=$(OLDKERNEL_PKG) scripts/oldkernel/run $(BUILD); status=$$?; \
	if [ $$status -eq 3 ]; then echo "oldkernel: SKIPPED: the tests inside the old kernel did not run (see above)."; \
	else exit $$status; fi

# Only the old-kernel part; fails when it cannot run.
test-oldkernel: build
	@OLDKERNEL_PKG=$(OLDKERNEL_PKG) scripts/oldkernel/run $(BUILD)

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
