# sspi-rustls: build, demo, tests, install. See README.md.
#
#   make demo                     build the library and run the C demo
#   make test                     every test layer, stopping at the first failure
#   make install PREFIX=/usr/local (DESTDIR supported), make uninstall
#   make lint                     cargo fmt --check + clippy -D warnings (also the first test layer)
#   make fuzz FUZZ_SECONDS=600    every fuzz target for that long each (not part of make test)

SHELL := /bin/bash
# Tools: what is on PATH, else what .ci/install-deps installs (rustup, .venv).
CARGO ?= $(if $(shell command -v cargo),cargo,$(HOME)/.cargo/bin/cargo)
CXX ?= c++
PYTHON ?= $(if $(wildcard .venv/bin/python3),.venv/bin/python3,python3)
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

RELEASE := target/release
LIB := $(RELEASE)/libsecur32.so
BUILD := ffi-tests/build
HEADERS := $(wildcard include/*.h)

# The layers of `make test`, in order. Each is also a target of its own.
TEST_LAYERS := test-lint test-header test-abi test-rust test-c test-python test-interop test-install test-matrix \
               test-examples-asan test-hostile test-stress test-miri test-fuzz-smoke
FUZZ_SECONDS ?= 600

.PHONY: all build demo test $(TEST_LAYERS) install uninstall lint clean bench bench-short fuzz

all: build

build:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: run .ci/install-deps (installs Rust and the test tools)"; exit 1; }
	$(CARGO) build --release
	ln -sf libsecur32.so $(RELEASE)/libsecur32.so.0

demo: build
	@mkdir -p $(BUILD)
	ffi-tests/examples/make-demo-cert.sh $(BUILD)/demo
	$(CC) -std=c11 -Wall -Wextra -Werror -Iinclude ffi-tests/examples/tls_demo.c \
	    -L$(RELEASE) -lsecur32 -Wl,-rpath,$(abspath $(RELEASE)) -pthread -o $(BUILD)/tls_demo
	SSL_CERT_FILE=$(BUILD)/demo/ca.pem $(BUILD)/tls_demo $(BUILD)/demo/server.pfx demo

test:
	@for layer in $(TEST_LAYERS); do \
	    echo; echo "==> $$layer"; \
	    $(MAKE) --no-print-directory $$layer || { \
	        echo; echo "make test: FAILED in layer '$$layer' (rerun it alone with: make $$layer)"; exit 1; }; \
	done; \
	echo; echo "make test: all layers passed ($(TEST_LAYERS))"

# cargo fmt --check and clippy -D warnings.
test-lint: lint

# include/secur32.h is what build.rs generates from the current sources.
test-header:
	$(CARGO) test --test header_fresh

# Every struct layout and constant, and every export's prototype, against
# mingw-w64's Windows headers.
test-abi:
	$(CARGO) test --test abi_mingw --test prototypes_mingw -- --nocapture

# All Rust tests: unit tests and every integration test in tests/.
test-rust:
	$(CARGO) test

# Every ffi-tests/c/test_*.c, -Wall -Wextra -Werror, under ASan + UBSan.
test-c: build
	ffi-tests/run-c-tests.sh

# The ctypes tests.
test-python: build
	@$(PYTHON) -c 'import pytest' 2>/dev/null || { \
	    echo "pytest is missing: run .ci/install-deps (or pip install pytest cryptography)"; exit 1; }
	$(PYTHON) -m pytest -q -rs ffi-tests/python

# Interop against real peers: ffi-tests/interop/test_*.py (pytest) and
# ffi-tests/interop/test_*.sh, whoever adds them.
test-interop: build
	@shopt -s nullglob; py=(ffi-tests/interop/test_*.py); sh=(ffi-tests/interop/test_*.sh); \
	if [ $${#py[@]} -eq 0 ] && [ $${#sh[@]} -eq 0 ]; then echo "no interop tests yet"; exit 0; fi; \
	if [ $${#py[@]} -gt 0 ]; then $(PYTHON) -m pytest -q -rs "$${py[@]}" || exit 1; fi; \
	for t in "$${sh[@]}"; do echo "--- $$t"; bash "$$t" || { echo "FAILED: $$t"; exit 1; }; done

# make install into a temporary PREFIX, then build a program with pkg-config.
test-install: build
	ffi-tests/install/test_install.sh

# The README's compatibility matrix against `nm -D` of the library.
test-matrix: build
	$(PYTHON) ffi-tests/check_matrix.py README.md $(LIB)

# The C examples under ASan+UBSan+LeakSanitizer, in whole conversations.
test-examples-asan: build
	ffi-tests/sanitize-examples.sh

# Hostile TLS peers (ffi-tests/hostile/peer.py, tlslite-ng) on loopback
# against the SSPI server and client, driven by tests/hostile_peers.rs.
test-hostile:
	@$(PYTHON) -c 'import tlslite' 2>/dev/null || { \
	    echo "tlslite-ng is missing: run .ci/install-deps (or pip install tlslite-ng)"; exit 1; }
	PYTHON=$(PYTHON) $(CARGO) test --test hostile_peers

# 8 threads x 500 connections, delete and free racing live calls (optimised build).
test-stress:
	$(CARGO) test --release --test stress

# The handle table, the buffer views and alloc.rs under Miri, strict provenance.
test-miri:
	MIRIFLAGS=-Zmiri-strict-provenance $(CARGO) +nightly miri test --lib -- handles:: buffers:: alloc::

# Every fuzz target over its seeds once, built with AddressSanitizer and
# debug assertions (the seeds also run under `cargo test`, tests/fuzz_corpus.rs).
test-fuzz-smoke:
	fuzz/run.sh 0

# Fuzzing proper: every target for $(FUZZ_SECONDS) seconds, one after the other.
fuzz:
	fuzz/run.sh $(FUZZ_SECONDS)

install: build
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/sspi-rustls $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(LIB) $(DESTDIR)$(LIBDIR)/libsecur32.so.$(VERSION)
	ln -sf libsecur32.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libsecur32.so.0
	ln -sf libsecur32.so.0 $(DESTDIR)$(LIBDIR)/libsecur32.so
	install -m 0644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/sspi-rustls/
	printf '%s\n' 'prefix=$(PREFIX)' 'exec_prefix=$${prefix}' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
	    'Name: secur32' \
	    "Description: sspi-rustls: Windows' secur32 (SSPI + Schannel) for Linux, on rustls" \
	    'Version: $(VERSION)' 'Libs: -L$${libdir} -lsecur32' 'Cflags: -I$${includedir}/sspi-rustls' \
	    > $(DESTDIR)$(PKGCONFIGDIR)/secur32.pc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libsecur32.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libsecur32.so.0 \
	    $(DESTDIR)$(LIBDIR)/libsecur32.so $(DESTDIR)$(PKGCONFIGDIR)/secur32.pc
	rm -rf $(DESTDIR)$(INCLUDEDIR)/sspi-rustls

# The benchmark (README, Performance): full table, or a quick look.
bench:
	$(CARGO) bench --bench sspi

bench-short:
	$(CARGO) bench --bench sspi -- --short

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf $(BUILD)
