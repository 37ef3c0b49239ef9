# sspi-rustls: build, demo, tests, install. See README.md and docs/testing.md.
#
#   make demo                     build the library and run the C demo (installs what it lacks)
#   make test                     every test layer, stopping at the first failure (installs what it lacks)
#   make deps                     only the preflight + install of `make test` (NO_INSTALL=1: only the list)
#   make examples                 the C examples into ffi-tests/build/examples/
#   make install PREFIX=/usr/local (DESTDIR supported), make uninstall
#   make staticlib                target/release/libsecur32.a (not built by default)
#   make lint                     cargo fmt --check + clippy -D warnings (also the first test layer)
#   make fuzz FUZZ_SECONDS=600    every fuzz target for that long each (not part of make test)

SHELL := /bin/bash
# Tools: what is on PATH, else what .ci/install-deps installs (rustup, .venv).
CARGO ?= $(if $(shell command -v cargo),cargo,$(HOME)/.cargo/bin/cargo)
CXX ?= c++
PYTHON ?= $(if $(wildcard .venv/bin/python3),.venv/bin/python3,python3)
# The nightly of test-miri and test-fuzz-smoke: pinned in .ci/nightly-toolchain (override: NIGHTLY=nightly).
NIGHTLY ?= $(shell cat .ci/nightly-toolchain)
export NIGHTLY
# Scripts run by the recipes find rustup's cargo even when it is not on the caller's PATH yet.
export PATH := $(PATH):$(HOME)/.cargo/bin
STRIP ?= strip
LDCONFIG ?= ldconfig
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# The directories the dynamic loader searches: `make install` runs ldconfig when it installs
# into one of them (and DESTDIR is empty), and says what to do otherwise.
LOADER_DIRS ?= /lib /usr/lib /lib64 /usr/lib64 \
               $(shell sed -n 's@^[[:space:]]*\(/[^[:space:]\#]*\).*@\1@p' /etc/ld.so.conf /etc/ld.so.conf.d/*.conf 2>/dev/null)
SYSTEM_LIBDIR := $(if $(DESTDIR),,$(filter $(patsubst %/,%,$(LIBDIR)),$(LOADER_DIRS)))
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

RELEASE := target/release
LIB := $(RELEASE)/libsecur32.so
BUILD := ffi-tests/build
HEADERS := $(wildcard include/*.h)
EXAMPLES := tls_demo sspi_client sspi_server minimal_client http_auth http_server

# The layers of `make test`, in order. Each is also a target of its own.
TEST_LAYERS := test-lint test-header test-abi test-rust test-c test-python test-interop test-callers test-install test-matrix \
               test-examples-asan test-hostile test-stress test-miri test-fuzz-smoke test-dll test-wine
FUZZ_SECONDS ?= 600

.PHONY: all build deps deps-demo demo run-demo examples staticlib test $(TEST_LAYERS) install uninstall lint \
        clean bench bench-short bench-peers fuzz dll install-wine

all: build

# The Windows build of the same sources: target/dll/secur32.dll (stripped), its import
# library, and bcryptprimitives.dll (windows/bcryptprimitives.c: ProcessPrng for Wine < 8.13),
# for x86_64-pc-windows-gnu with mingw-w64.
WIN_TARGET := x86_64-pc-windows-gnu
# The 32-bit DLL (target/dll/i686/): 32-bit programs link mingw-w64's own libsecur32.a, whose
# stdcall names (_AcquireCredentialsHandleW@36) resolve to our undecorated exports.
WIN32_TARGET := i686-pc-windows-gnu
dll:
	$(CARGO) build --release --target $(WIN_TARGET)
	mkdir -p target/dll
	x86_64-w64-mingw32-strip -o target/dll/secur32.dll target/$(WIN_TARGET)/release/secur32.dll
	cp target/$(WIN_TARGET)/release/libsecur32.dll.a target/dll/libsecur32.dll.a
	x86_64-w64-mingw32-gcc -std=c11 -Wall -Wextra -Werror -O2 -shared -s -o target/dll/bcryptprimitives.dll \
	    windows/bcryptprimitives.c windows/bcryptprimitives.def -lbcrypt
	$(CARGO) build --release --target $(WIN32_TARGET)
	mkdir -p target/dll/i686
	i686-w64-mingw32-strip -o target/dll/i686/secur32.dll target/$(WIN32_TARGET)/release/secur32.dll
	i686-w64-mingw32-gcc -std=c11 -Wall -Wextra -Werror -O2 -shared -s -Wl,--kill-at \
	    -o target/dll/i686/bcryptprimitives.dll windows/bcryptprimitives.c windows/bcryptprimitives.def -lbcrypt

# Installs the DLLs into a Wine prefix (system32, and syswow64 for the i686 build when the
# prefix has it) and makes secur32 native for WINE_APP (an .exe name: a per-application
# override) or, without WINE_APP, for the whole prefix. docs/wine.md says which to choose.
WINE ?= $(shell command -v wine64 || echo /usr/lib/wine/wine64)
install-wine: dll
	@[ -n "$(WINEPREFIX)" ] || { echo "usage: make install-wine WINEPREFIX=/path/to/prefix [WINE_APP=program.exe]"; exit 2; }
	@[ -d "$(WINEPREFIX)/drive_c/windows/system32" ] || WINEPREFIX="$(WINEPREFIX)" $(WINE) wineboot -i
	cp target/dll/secur32.dll target/dll/bcryptprimitives.dll "$(WINEPREFIX)/drive_c/windows/system32/"
	if [ -d "$(WINEPREFIX)/drive_c/windows/syswow64" ]; then \
	    cp target/dll/i686/secur32.dll target/dll/i686/bcryptprimitives.dll "$(WINEPREFIX)/drive_c/windows/syswow64/"; fi
	WINEPREFIX="$(WINEPREFIX)" $(WINE) reg add \
	    'HKCU\Software\Wine\$(if $(WINE_APP),AppDefaults\$(WINE_APP)\,)DllOverrides' /v secur32 /d native,builtin /f
	@echo "secur32.dll installed in $(WINEPREFIX): native for $(if $(WINE_APP),$(WINE_APP),every program)"

# secur32.dll under Wine 8 (ffi-tests/wine: Schannel against OpenSSL, Wine's WinHTTP).
test-wine: build dll
	$(PYTHON) -m pytest -q -rs -p no:cacheprovider ffi-tests/wine

# secur32.dll: its exports and import library (ffi-tests/dll/check_dll.sh).
test-dll: build dll
	bash ffi-tests/dll/check_dll.sh

build:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: run make deps (or .ci/install-deps)"; exit 1; }
	$(CARGO) build --release
	ln -sf libsecur32.so $(RELEASE)/libsecur32.so.0

# The preflight (.ci/preflight: every missing tool at once, with its fix), then
# .ci/install-deps when something is missing (Debian 12, as root or with sudo).
# NO_INSTALL=1: stop after the list.
deps deps-demo:
	@kind=$(if $(filter deps-demo,$@),demo,test); \
	.ci/preflight $$kind && exit 0; \
	if [ -n "$(NO_INSTALL)" ]; then echo "NO_INSTALL is set: install the above, then run make again"; exit 1; fi; \
	echo; echo "==> installing what is missing: .ci/install-deps $$kind"; \
	.ci/install-deps $$kind && .ci/preflight $$kind

# (A second make, so that a cargo or .venv that `deps` just installed is picked up.)
demo: deps-demo
	@$(MAKE) --no-print-directory run-demo

run-demo: examples
	ffi-tests/examples/make-demo-cert.sh $(BUILD)/demo
	SSL_CERT_FILE=$(BUILD)/demo/ca.pem $(BUILD)/examples/tls_demo $(BUILD)/demo/server.pfx demo

# The C examples (ffi-tests/examples/README.md), linked with an rpath to target/release.
examples: build
	@mkdir -p $(BUILD)/examples
	@for e in $(EXAMPLES); do \
	    echo "$(CC) ... ffi-tests/examples/$$e.c -o $(BUILD)/examples/$$e"; \
	    $(CC) -std=c11 -Wall -Wextra -Werror -Iinclude ffi-tests/examples/$$e.c -L$(RELEASE) -lsecur32 \
	        -Wl,-rpath,$(abspath $(RELEASE)) -pthread -o $(BUILD)/examples/$$e || exit 1; \
	done

# The static library, only on request: a cargo feature cannot change crate-type, and the
# archive (about 60 MB: all of rustls, ring and std) would otherwise be built by every build.
staticlib:
	$(CARGO) rustc --release --lib --crate-type staticlib

test: deps
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
	    echo "pytest is missing for $(PYTHON): run make deps (the list and the fixes: .ci/preflight)"; exit 1; }
	$(PYTHON) -m pytest -q -rs ffi-tests/python

# Interop against real peers: ffi-tests/interop/test_*.py (pytest) and
# ffi-tests/interop/test_*.sh, whoever adds them.
test-interop: build
	@shopt -s nullglob; py=(ffi-tests/interop/test_*.py); sh=(ffi-tests/interop/test_*.sh); \
	if [ $${#py[@]} -eq 0 ] && [ $${#sh[@]} -eq 0 ]; then echo "no interop tests yet"; exit 0; fi; \
	if [ $${#py[@]} -gt 0 ]; then $(PYTHON) -m pytest -q -rs "$${py[@]}" || exit 1; fi; \
	for t in "$${sh[@]}"; do echo "--- $$t"; bash "$$t" || { echo "FAILED: $$t"; exit 1; }; done

# Real programs' SSPI call sequences (curl, the SDK samples, .NET, Chromium, Qt, Wine's
# tests) replayed against OpenSSL, GnuTLS and our server: ffi-tests/callers/README.md.
test-callers: build
	SSPI_RUSTLS_LIB_DIR=$(abspath $(RELEASE)) $(PYTHON) -m pytest -q -rs ffi-tests/callers

# make install into a temporary PREFIX, then build a program with pkg-config.
test-install: build
	ffi-tests/install/test_install.sh

# The compatibility matrix (docs/compatibility-matrix.md) against `nm -D` of the library.
test-matrix: build
	$(PYTHON) ffi-tests/check_matrix.py docs/compatibility-matrix.md $(LIB)

# The C examples under ASan+UBSan+LeakSanitizer, in whole conversations.
test-examples-asan: build
	ffi-tests/sanitize-examples.sh

# Hostile TLS peers (ffi-tests/hostile/peer.py, tlslite-ng) on loopback
# against the SSPI server and client, driven by tests/hostile_peers.rs.
test-hostile:
	@$(PYTHON) -c 'import tlslite' 2>/dev/null || { \
	    echo "tlslite-ng is missing for $(PYTHON): run make deps (the list and the fixes: .ci/preflight)"; exit 1; }
	PYTHON=$(PYTHON) $(CARGO) test --test hostile_peers

# 8 threads x 500 connections, delete and free racing live calls (optimised build).
test-stress:
	$(CARGO) test --release --test stress

# The handle table, the buffer views and alloc.rs under Miri, strict provenance.
test-miri:
	MIRIFLAGS=-Zmiri-strict-provenance $(CARGO) +$(NIGHTLY) miri test --lib -- handles:: buffers:: alloc:: certs::decode::

# Every fuzz target over its seeds once, built with AddressSanitizer and
# debug assertions (the seeds also run under `cargo test`, tests/fuzz_corpus.rs).
test-fuzz-smoke:
	fuzz/run.sh 0

# Fuzzing proper: every target for $(FUZZ_SECONDS) seconds, one after the other.
fuzz:
	fuzz/run.sh $(FUZZ_SECONDS)

# The shared library is installed without its debug info (strip --strip-debug: 20 MB -> 3 MB;
# the symbol table stays, so backtraces and profiles still name functions); the unstripped
# copy stays in target/release. Installing into a loader directory runs ldconfig.
install: build
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/sspi-rustls $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(LIB) $(DESTDIR)$(LIBDIR)/libsecur32.so.$(VERSION)
	$(STRIP) --strip-debug $(DESTDIR)$(LIBDIR)/libsecur32.so.$(VERSION)
	ln -sf libsecur32.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libsecur32.so.0
	ln -sf libsecur32.so.0 $(DESTDIR)$(LIBDIR)/libsecur32.so
	install -m 0644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/sspi-rustls/
	printf '%s\n' 'prefix=$(PREFIX)' 'exec_prefix=$${prefix}' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
	    'Name: secur32' \
	    "Description: sspi-rustls: Windows' secur32 (SSPI + Schannel) for Linux, on rustls" \
	    'Version: $(VERSION)' 'Libs: -L$${libdir} -lsecur32' 'Cflags: -I$${includedir}/sspi-rustls' \
	    > $(DESTDIR)$(PKGCONFIGDIR)/secur32.pc
ifneq ($(SYSTEM_LIBDIR),)
	$(LDCONFIG)
else ifeq ($(DESTDIR),)
	@echo "note: $(LIBDIR) is not a directory the dynamic loader searches: link programs with" \
	      "-Wl,-rpath,$(LIBDIR), or add it to /etc/ld.so.conf.d/ and run ldconfig"
else
	@echo "note: staged in DESTDIR: run ldconfig once the files are in $(LIBDIR)"
endif

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libsecur32.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libsecur32.so.0 \
	    $(DESTDIR)$(LIBDIR)/libsecur32.so $(DESTDIR)$(PKGCONFIGDIR)/secur32.pc
	rm -rf $(DESTDIR)$(INCLUDEDIR)/sspi-rustls
ifneq ($(SYSTEM_LIBDIR),)
	$(LDCONFIG)
endif

# The benchmark (docs/performance.md): full table, or a quick look.
# The NTLM rows' sspi-rs column: its C library, out of sspilib's manylinux wheel
# (.ci/install-deps fetches it); without it the column stays empty.
SSPI_RS_LIB ?= $(abspath $(RELEASE))/bench-peers/libsspi.so
bench-peers:
	@w=$$(ls .venv/sdist/sspilib-*manylinux*.whl 2>/dev/null | tail -1); \
	if [ -n "$$w" ] && [ ! -e "$(SSPI_RS_LIB)" ]; then \
	    mkdir -p "$(dir $(SSPI_RS_LIB))"; \
	    $(PYTHON) -c "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); \
	        n = [x for x in z.namelist() if 'sspilib.libs/libsspi' in x][0]; \
	        open(sys.argv[2], 'wb').write(z.read(n))" "$$w" "$(SSPI_RS_LIB)"; \
	fi

bench: bench-peers
	SSPI_RS_LIB=$(SSPI_RS_LIB) $(CARGO) bench --bench sspi

bench-short: bench-peers
	SSPI_RS_LIB=$(SSPI_RS_LIB) $(CARGO) bench --bench sspi -- --short

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf $(BUILD)
