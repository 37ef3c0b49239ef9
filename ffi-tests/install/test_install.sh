#!/usr/bin/env bash
# `make install`, then check what a user gets:
#  1. into a temporary PREFIX: the library with its SONAME and links, stripped
#     of its debug info with every export kept, the headers, a pkg-config file
#     a C program builds and links with, and the program running both with
#     LD_LIBRARY_PATH and, linked with an rpath, without it;
#  2. ldconfig: run when LIBDIR is a directory the loader searches and
#     DESTDIR is empty, not otherwise;
#  3. into the real system prefix /usr/local, inside a private mount namespace
#     whose /usr/local and /etc are overlays on temporary directories (so
#     nothing on the machine changes): after `make install` a program built
#     with plain `pkg-config` runs with no environment at all, and after
#     `make uninstall` the loader no longer finds the library. Skipped, and
#     said so, where mount namespaces are not available (not root, or a
#     container without CAP_SYS_ADMIN);
#  4. the static library (`make staticlib`) links and runs;
#  5. make uninstall removes everything.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
fail() { echo "test_install: FAILED: $*" >&2; exit 1; }
done_=()

make -C "$root" --no-print-directory install PREFIX="$prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "make install PREFIX=$prefix"; }

version=$(sed -n '/^version = /{s/^version = "\(.*\)"/\1/p;q;}' "$root/Cargo.toml")
lib="$prefix/lib"
so="$lib/libsecur32.so.$version"
[ -f "$so" ] || fail "missing $so"
[ "$(readlink "$lib/libsecur32.so.0")" = "libsecur32.so.$version" ] || fail "libsecur32.so.0 link"
[ "$(readlink "$lib/libsecur32.so")" = "libsecur32.so.0" ] || fail "libsecur32.so link"
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libsecur32.so.0" ] || fail "SONAME is '$soname', not libsecur32.so.0"
for h in secur32.h sspi.h security.h schannel.h wincrypt.h credssp.h; do
    [ -f "$prefix/include/sspi-rustls/$h" ] || fail "missing header include/sspi-rustls/$h"
done

# Stripped: no debug sections, every export still there, and much smaller than the build.
built="$root/target/release/libsecur32.so"
sections=$(readelf -S --wide "$so")
! grep -q '\.debug_' <<<"$sections" || fail "the installed library still has debug sections"
grep -q '\.debug_info' <<<"$(readelf -S --wide "$built")" ||
    fail "the build has no debug info: the strip check proves nothing (profile.release.debug?)"
exports() { nm -D --defined-only "$1" | awk '$2 ~ /^[TW]$/ {print $3}' | sort; }
[ "$(exports "$so")" = "$(exports "$built")" ] || fail "stripping changed the exported symbols"
[ "$(exports "$so" | wc -l)" -gt 50 ] || fail "too few exports in the installed library"
size=$(stat -c %s "$so")
built_size=$(stat -c %s "$built")
[ "$size" -lt $((built_size / 3)) ] || fail "installed library is $size bytes, the build $built_size: not stripped?"
done_+=("stripped ($((built_size / 1000000)) MB -> $((size / 1000000)) MB, exports kept)")

# A temporary prefix is no loader directory: no ldconfig, and the note says what to do.
! grep -q '^ldconfig' "$tmp/install.log" || fail "make install ran ldconfig for a temporary prefix"
grep -q "is not a directory the dynamic loader searches" "$tmp/install.log" ||
    fail "make install did not say how to find a library outside the loader's directories"

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
LD_LIBRARY_PATH="$lib" "$tmp/prog" >/dev/null || fail "the program failed"
# The same program with an rpath runs without LD_LIBRARY_PATH.
# shellcheck disable=SC2046
${CC:-cc} -std=c11 -Wall -Wextra -Werror "$root/ffi-tests/install/pkgconfig_user.c" \
    $(pkg-config --cflags --libs secur32) -Wl,-rpath,"$(pkg-config --variable=libdir secur32)" -o "$tmp/prog-rpath" ||
    fail "building with pkg-config and an rpath"
env -u LD_LIBRARY_PATH "$tmp/prog-rpath" >/dev/null || fail "the rpath program failed without LD_LIBRARY_PATH"
done_+=("pkg-config build, run with LD_LIBRARY_PATH and with an rpath")
unset PKG_CONFIG_PATH

# ldconfig runs when LIBDIR is a loader directory and DESTDIR is empty, after the files are in place.
fake="$tmp/fake-ldconfig"
printf '#!/bin/sh\nif [ -e "%s/libsecur32.so.0" ]; then echo installed; else echo removed; fi >>"%s"\n' \
    "$tmp/p2/lib" "$tmp/ldconfig.calls" >"$fake"
chmod +x "$fake"
make -C "$root" --no-print-directory install PREFIX="$tmp/p2" LOADER_DIRS="$tmp/p2/lib" LDCONFIG="$fake" \
    >"$tmp/install2.log" 2>&1 || { cat "$tmp/install2.log" >&2; fail "make install PREFIX=$tmp/p2 (as a loader dir)"; }
[ "$(cat "$tmp/ldconfig.calls" 2>/dev/null)" = "installed" ] ||
    fail "make install into a loader directory did not run ldconfig once, after installing"
make -C "$root" --no-print-directory uninstall PREFIX="$tmp/p2" LOADER_DIRS="$tmp/p2/lib" LDCONFIG="$fake" >/dev/null
[ "$(cat "$tmp/ldconfig.calls")" = "$(printf 'installed\nremoved')" ] ||
    fail "make uninstall from a loader directory did not run ldconfig once, after removing"
# ...and not for a DESTDIR staging, even of a loader directory.
make -C "$root" --no-print-directory install PREFIX="$tmp/p3" DESTDIR="$tmp/stage" LOADER_DIRS="$tmp/p3/lib" \
    LDCONFIG="$fake" >"$tmp/install3.log" 2>&1 || { cat "$tmp/install3.log" >&2; fail "make install DESTDIR=..."; }
[ "$(cat "$tmp/ldconfig.calls")" = "$(printf 'installed\nremoved')" ] || fail "make install DESTDIR=... ran ldconfig"
[ -f "$tmp/stage$tmp/p3/lib/libsecur32.so.$version" ] || fail "DESTDIR staging: library not under DESTDIR"
# /usr/local/lib counts as a loader directory here (Debian: /etc/ld.so.conf.d/libc.conf).
dry=$(make -C "$root" --no-print-directory -n install PREFIX=/usr/local)
grep -qx 'ldconfig' <<<"$dry" ||
    fail "make install PREFIX=/usr/local would not run ldconfig"
done_+=("ldconfig run for loader directories only, not for DESTDIR")

# The real system prefix, in a private mount namespace over temporary overlays.
system_prefix() {
    set -euo pipefail
    for d in /etc /usr/local; do
        up="$tmp/overlay$d"
        mkdir -p "$up/upper" "$up/work"
        mount -t overlay overlay -o "lowerdir=$d,upperdir=$up/upper,workdir=$up/work" "$d"
    done
    make -C "$root" --no-print-directory install PREFIX=/usr/local >"$tmp/system.log" 2>&1 ||
        { cat "$tmp/system.log" >&2; echo "make install PREFIX=/usr/local failed"; return 1; }
    grep -qx 'ldconfig' "$tmp/system.log" || { echo "make install PREFIX=/usr/local did not run ldconfig"; return 1; }
    cache=$(ldconfig -p)
    grep -q 'libsecur32.so.0 .*=> /usr/local/lib/libsecur32.so.0' <<<"$cache" ||
        { echo "the loader cache does not list /usr/local/lib/libsecur32.so.0"; return 1; }
    # shellcheck disable=SC2046
    ${CC:-cc} -std=c11 -Wall -Wextra -Werror "$root/ffi-tests/install/pkgconfig_user.c" \
        $(env -u PKG_CONFIG_PATH pkg-config --cflags --libs secur32) -o "$tmp/prog-system"
    env -i "$tmp/prog-system" >/dev/null || { echo "the program failed with an empty environment"; return 1; }
    make -C "$root" --no-print-directory uninstall PREFIX=/usr/local >>"$tmp/system.log" 2>&1
    cache=$(ldconfig -p)
    ! grep -q 'libsecur32.so.0' <<<"$cache" || { echo "after make uninstall the loader still lists it"; return 1; }
    [ ! -e /usr/local/lib/libsecur32.so.0 ] || { echo "make uninstall left /usr/local/lib/libsecur32.so.0"; return 1; }
}
if [ "$(id -u)" -eq 0 ] && unshare -m --propagation private true 2>/dev/null &&
    unshare -m --propagation private sh -c "mkdir -p $tmp/probe/u $tmp/probe/w &&
        mount -t overlay overlay -o lowerdir=/usr/local,upperdir=$tmp/probe/u,workdir=$tmp/probe/w /usr/local" 2>/dev/null
then
    export root tmp
    export -f system_prefix
    out=$(unshare -m --propagation private bash -c system_prefix 2>&1) || fail "system prefix: $out"
    done_+=("PREFIX=/usr/local: ldconfig, run with an empty environment, uninstall (private overlays)")
else
    echo "test_install: system prefix check SKIPPED: needs root and mount namespaces (unshare -m, overlayfs)"
fi

# The static library, built on request, links with the native libraries the README names and runs.
make -C "$root" --no-print-directory staticlib >"$tmp/static.log" 2>&1 ||
    { cat "$tmp/static.log" >&2; fail "make staticlib"; }
${CC:-cc} -std=c11 -Wall -Wextra -Werror -I"$root/include" "$root/ffi-tests/install/pkgconfig_user.c" \
    "$root/target/release/libsecur32.a" -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o "$tmp/prog-static" ||
    fail "linking with libsecur32.a"
needed=$(readelf -d "$tmp/prog-static")
! grep -q 'libsecur32' <<<"$needed" || fail "the static program still needs libsecur32.so"
"$tmp/prog-static" >/dev/null || fail "the statically linked program failed"
done_+=("static library linked and run")

make -C "$root" --no-print-directory uninstall PREFIX="$prefix" >/dev/null
[ ! -e "$lib/libsecur32.so.0" ] && [ ! -e "$prefix/include/sspi-rustls" ] && [ ! -e "$lib/pkgconfig/secur32.pc" ] ||
    fail "make uninstall left files"
done_+=("uninstall")
echo "test_install: ok:"
printf '  %s\n' "${done_[@]}"
