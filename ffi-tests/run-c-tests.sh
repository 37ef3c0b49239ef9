#!/usr/bin/env bash
# Builds every ffi-tests/c/test_*.c with -Wall -Wextra -Werror under
# AddressSanitizer + UBSan, links it against target/release/libsecur32.so and
# runs it; stops at the first failure. Any new test_*.c is picked up.
#
# A test may ask for more builds with a line
#     /* variants: c11 c11-unicode c++ c++-unicode */
# (default: c11): C11 or C++17, with or without UNICODE defined.
set -euo pipefail
cd "$(dirname "$0")/.."

libdir=$(pwd)/target/release
out=ffi-tests/build/c
CC=${CC:-cc}
CXX=${CXX:-c++}
san=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
warn=(-Wall -Wextra -Werror)
link=(-L"$libdir" -lsecur32 -Wl,-rpath,"$libdir" -ldl)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:check_initialization_order=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [ ! -e "$libdir/libsecur32.so.0" ]; then
    echo "run-c-tests: $libdir/libsecur32.so.0 is missing: run \`make build\` first" >&2
    exit 2
fi
mkdir -p "$out"
shopt -s nullglob
tests=(ffi-tests/c/test_*.c)
if [ ${#tests[@]} -eq 0 ]; then
    echo "run-c-tests: no ffi-tests/c/test_*.c found" >&2
    exit 1
fi
count=0
for src in "${tests[@]}"; do
    name=$(basename "$src" .c)
    variants=$(sed -n '/variants:/{s@.*/\* *variants: *\(.*[^ ]\) *\*/.*@\1@p;q;}' "$src")
    for variant in ${variants:-c11}; do
        case "$variant" in
            c11) cmd=("$CC" -std=c11) ;;
            c11-unicode) cmd=("$CC" -std=c11 -DUNICODE -D_UNICODE) ;;
            c++) cmd=("$CXX" -std=c++17 -x c++) ;;
            c++-unicode) cmd=("$CXX" -std=c++17 -x c++ -DUNICODE -D_UNICODE) ;;
            *) echo "run-c-tests: $src: unknown variant '$variant'" >&2; exit 1 ;;
        esac
        exe="$out/$name.$variant"
        echo "--- $name ($variant)"
        if ! "${cmd[@]}" "${warn[@]}" "${san[@]}" -Iinclude "$src" -x none "${link[@]}" -o "$exe"; then
            echo "run-c-tests: FAILED to compile $src ($variant)" >&2
            exit 1
        fi
        if ! "$exe"; then
            echo "run-c-tests: FAILED: $src ($variant) (binary: $exe)" >&2
            exit 1
        fi
        count=$((count + 1))
    done
done
echo "run-c-tests: ${count} C test builds passed under ASan+UBSan"
