#!/usr/bin/env bash
# test-dll: the Windows build of the same sources (issue 19's first part). After `make dll`:
# * secur32.dll exports exactly the Linux library's functions, undecorated, except the four
#   that are kernel32's on Windows (GetLastError, SetLastError, LocalAlloc, LocalFree);
# * the import library links Windows programs (the C examples, built by mingw-w64 against
#   Windows' headers) whose import table then names secur32.dll for the SSPI calls.
# Running the DLL (under Wine) is not part of this layer yet.
set -euo pipefail
cd "$(dirname "$0")/../.."
dll=target/dll/secur32.dll
implib=target/dll/libsecur32.dll.a
so=target/release/libsecur32.so
objdump=x86_64-w64-mingw32-objdump
[ -f "$dll" ] && [ -f "$implib" ] || { echo "check_dll: run make dll first" >&2; exit 2; }
[ -f "$so" ] || { echo "check_dll: run make build first" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$objdump" -p "$dll" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' | grep -E '^\s*\[ *[0-9]+\]' | awk '{print $NF}' | sort > "$out/dll"
nm -D --defined-only "$so" | awk '$2 == "T" {print $3}' | grep -vxE 'GetLastError|SetLastError|LocalAlloc|LocalFree' | sort > "$out/so"
if ! diff -u "$out/so" "$out/dll" > "$out/diff"; then
    echo "check_dll: the DLL's exports differ from the library's (- missing, + extra):" >&2
    cat "$out/diff" >&2
    exit 1
fi
n=$(wc -l < "$out/dll")
for k in GetLastError SetLastError LocalAlloc LocalFree; do
    if grep -qx "$k" "$out/dll"; then echo "check_dll: $k is exported (it must stay kernel32's)" >&2; exit 1; fi
done
for prog in sspi_client http_auth rdp_nla; do
    x86_64-w64-mingw32-gcc -std=c11 -Wall -Wextra -Werror "ffi-tests/examples/$prog.c" -o "$out/$prog.exe" \
        -L target/dll -lsecur32 -lcrypt32 -lws2_32
    # The SSPI functions come from secur32.dll (ours, through its import library).
    "$objdump" -p "$out/$prog.exe" | awk '/DLL Name:/ {dll=$3; next} NF == 3 && $1 ~ /^[0-9a-f]+$/ && $2 ~ /^[0-9]+$/ {print dll, $3}' > "$out/$prog.imports"
    grep -qE "^secur32.dll InitializeSecurityContext[AW]$" "$out/$prog.imports" ||
        { echo "check_dll: $prog.exe does not import InitializeSecurityContext from secur32.dll" >&2; cat "$out/$prog.imports" >&2; exit 1; }
done
size=$(stat -c %s "$dll")
echo "check_dll: secur32.dll ($((size / 1024)) KiB, stripped) exports the library's $n functions; three Windows programs link against it"
