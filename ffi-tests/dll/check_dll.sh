#!/usr/bin/env bash
# test-dll: the Windows build of the same sources (issue 19's first part). After `make dll`:
# * secur32.dll exports exactly the Linux library's functions, undecorated, except those that
#   are kernel32's or crypt32's on Windows (GetLastError, LocalAlloc, CertOpenStore, ...: the
#   names mingw-w64's import libraries of those two DLLs define);
# * the import library links Windows programs (the C examples, built by mingw-w64 against
#   Windows' headers) whose import table then names secur32.dll for the SSPI calls.
# Running the DLL is the Wine layer's (ffi-tests/wine, make test-wine).
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
for lib in kernel32 crypt32; do
    nm "$(x86_64-w64-mingw32-gcc -print-file-name=lib$lib.a)" 2>/dev/null | awk '$2 == "T" {print $3}'
done | sed -E 's/^__imp_//' | sort -u > "$out/system"
grep -qx CertOpenStore "$out/system" && grep -qx GetLastError "$out/system" ||
    { echo "check_dll: cannot read mingw-w64's kernel32/crypt32 import libraries" >&2; exit 2; }
# SspiRustlsPemImportCertStore (PEM into one of our stores) is the ELF library's only too: on
# Windows certificate stores are crypt32's.
nm -D --defined-only "$so" | awk '$2 == "T" {print $3}' | grep -vx SspiRustlsPemImportCertStore | sort |
    comm -23 - "$out/system" > "$out/so"
if ! diff -u "$out/so" "$out/dll" > "$out/diff"; then
    echo "check_dll: the DLL's exports differ from the library's (- missing, + extra):" >&2
    cat "$out/diff" >&2
    exit 1
fi
n=$(wc -l < "$out/dll")
if comm -12 "$out/dll" "$out/system" | grep -q .; then
    echo "check_dll: the DLL exports kernel32/crypt32 functions (they must stay the system's):" >&2
    comm -12 "$out/dll" "$out/system" >&2
    exit 1
fi
for prog in sspi_client http_auth rdp_nla; do
    x86_64-w64-mingw32-gcc -std=c11 -Wall -Wextra -Werror "ffi-tests/examples/$prog.c" -o "$out/$prog.exe" \
        -L target/dll -lsecur32 -lcrypt32 -lws2_32
    # The SSPI functions come from secur32.dll (ours, through its import library).
    "$objdump" -p "$out/$prog.exe" | awk '/DLL Name:/ {dll=$3; next} NF == 3 && $1 ~ /^[0-9a-f]+$/ && $2 ~ /^[0-9]+$/ {print dll, $3}' > "$out/$prog.imports"
    grep -qE "^secur32.dll InitializeSecurityContext[AW]$" "$out/$prog.imports" ||
        { echo "check_dll: $prog.exe does not import InitializeSecurityContext from secur32.dll" >&2; cat "$out/$prog.imports" >&2; exit 1; }
done
# The 32-bit DLL: the same exports, undecorated as Windows' secur32.dll has them, and every
# stdcall name mingw-w64's own i686 import library (what 32-bit programs link) maps into
# secur32.dll for a function we export is there.
dll32=target/dll/i686/secur32.dll
[ -f "$dll32" ] || { echo "check_dll: $dll32 is missing (make dll)" >&2; exit 2; }
i686-w64-mingw32-objdump -p "$dll32" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' | grep -E '^\s*\[ *[0-9]+\]' | awk '{print $NF}' | sort > "$out/dll32"
diff -u "$out/dll" "$out/dll32" > "$out/diff32" ||
    { echo "check_dll: the i686 DLL's exports differ from the x86_64 DLL's:" >&2; cat "$out/diff32" >&2; exit 1; }
mingw32=$(i686-w64-mingw32-gcc -print-file-name=libsecur32.a)
nm "$mingw32" | awk '$2 == "T" {print $3}' | sed -E 's/^_//; s/@[0-9]+$//' | sort -u > "$out/mingw32"
comm -12 "$out/mingw32" "$out/dll" > "$out/common32"
[ "$(wc -l < "$out/common32")" -ge 40 ] ||
    { echo "check_dll: mingw's i686 libsecur32.a names too few of our exports:" >&2; cat "$out/common32" >&2; exit 1; }
for prog in sspi_client sspi_server; do
    i686-w64-mingw32-gcc -std=c11 -Wall -Wextra -Werror "ffi-tests/examples/$prog.c" -o "$out/${prog}32.exe" \
        -lsecur32 -lcrypt32 -lws2_32
    i686-w64-mingw32-objdump -p "$out/${prog}32.exe" | awk '/DLL Name:/ {dll=tolower($3); next} NF == 3 && $1 ~ /^[0-9a-f]+$/ && $2 ~ /^[0-9]+$/ && dll == "secur32.dll" {print $3}' | sort > "$out/${prog}32.imports"
    missing=$(comm -23 "$out/${prog}32.imports" "$out/dll32")
    [ -s "$out/${prog}32.imports" ] && [ -z "$missing" ] ||
        { echo "check_dll: ${prog}32.exe imports from secur32.dll what the i686 DLL lacks: $missing" >&2; exit 1; }
done
size=$(stat -c %s "$dll")
size32=$(stat -c %s "$dll32")
echo "check_dll: secur32.dll ($((size / 1024)) KiB, stripped; i686 $((size32 / 1024)) KiB) exports the library's $n functions minus kernel32's and crypt32's; three x86_64 and two i686 Windows programs link against it"
