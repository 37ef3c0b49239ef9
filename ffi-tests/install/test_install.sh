#!/usr/bin/env bash
# `make install` into a temporary PREFIX, then check what a user gets: the
# library with its SONAME and links, the headers, and a pkg-config file a C
# program builds and links with.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
fail() { echo "test_install: FAILED: $*" >&2; exit 1; }

make -C "$root" --no-print-directory install PREFIX="$prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "make install PREFIX=$prefix"; }

version=$(sed -n '/^version = /{s/^version = "\(.*\)"/\1/p;q;}' "$root/Cargo.toml")
lib="$prefix/lib"
[ -f "$lib/libsecur32.so.$version" ] || fail "missing $lib/libsecur32.so.$version"
[ "$(readlink "$lib/libsecur32.so.0")" = "libsecur32.so.$version" ] || fail "libsecur32.so.0 link"
[ "$(readlink "$lib/libsecur32.so")" = "libsecur32.so.0" ] || fail "libsecur32.so link"
soname=$(readelf -d "$lib/libsecur32.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libsecur32.so.0" ] || fail "SONAME is '$soname', not libsecur32.so.0"
for h in secur32.h sspi.h security.h schannel.h wincrypt.h; do
    [ -f "$prefix/include/sspi-rustls/$h" ] || fail "missing header include/sspi-rustls/$h"
done

export PKG_CONFIG_PATH="$lib/pkgconfig"
pkg-config --exists secur32 || fail "pkg-config does not find secur32"
[ "$(pkg-config --modversion secur32)" = "$version" ] || fail "pkg-config version"
# shellcheck disable=SC2046
${CC:-cc} -std=c11 -Wall -Wextra -Werror "$root/ffi-tests/install/pkgconfig_user.c" \
    $(pkg-config --cflags --libs secur32) -o "$tmp/prog" || fail "building with pkg-config"
# (Captured first: `grep -q` closing the pipe early would fail under pipefail.)
needed=$(readelf -d "$tmp/prog")
grep -q 'NEEDED.*\[libsecur32.so.0\]' <<<"$needed" || fail "the program does not need libsecur32.so.0"
loaded=$(LD_LIBRARY_PATH="$lib" ldd "$tmp/prog")
grep -q "libsecur32.so.0 => $lib/libsecur32.so.0" <<<"$loaded" || fail "the program does not load the installed library"
LD_LIBRARY_PATH="$lib" "$tmp/prog" || fail "the program failed"

make -C "$root" --no-print-directory uninstall PREFIX="$prefix" >/dev/null
[ ! -e "$lib/libsecur32.so.0" ] && [ ! -e "$prefix/include/sspi-rustls" ] || fail "make uninstall left files"
echo "test_install: ok (PREFIX install, SONAME, links, headers, pkg-config build and run, uninstall)"
