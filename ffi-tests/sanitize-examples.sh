#!/usr/bin/env bash
# Builds every C example in ffi-tests/examples under AddressSanitizer, UBSan
# and LeakSanitizer and runs whole conversations with them: the in-process
# client/server demo (tls_demo) and the socket client against the
# socket server (sspi_client, sspi_server; TLS 1.3, and TLS 1.2 with a
# reconnection), whichever of them exist. A memory error, undefined
# behaviour, a definite leak or a failed conversation fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

libdir=$(pwd)/target/release
out=ffi-tests/build/examples-asan
CC=${CC:-cc}
san=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [ ! -e "$libdir/libsecur32.so.0" ]; then
    echo "sanitize-examples: $libdir/libsecur32.so.0 is missing: run \`make build\` first" >&2
    exit 2
fi
rm -rf "$out"
mkdir -p "$out"
shopt -s nullglob
built=()
for src in ffi-tests/examples/*.c; do
    name=$(basename "$src" .c)
    "$CC" -std=c11 -Wall -Wextra -Werror "${san[@]}" -Iinclude "$src" -L"$libdir" -lsecur32 \
        -Wl,-rpath,"$libdir" -pthread -o "$out/$name"
    built+=("$name")
done
[ ${#built[@]} -gt 0 ] || { echo "sanitize-examples: no examples" >&2; exit 1; }
echo "sanitize-examples: built ${built[*]} with ASan+UBSan"

ran=0
certs=$out/certs
if [ -x "$out/tls_demo" ] || [ -x "$out/sspi_server" ]; then
    sh ffi-tests/examples/make-demo-cert.sh "$certs" >/dev/null 2>&1
fi
if [ -x "$out/tls_demo" ]; then
    if ! SSL_CERT_FILE=$certs/ca.pem "$out/tls_demo" "$certs/server.pfx" demo >"$out/tls_demo.log" 2>&1; then
        cat "$out/tls_demo.log"
        echo "sanitize-examples: tls_demo failed" >&2
        exit 1
    fi
    ran=$((ran + 1))
    echo "--- tls_demo: ok"
fi
if [ -x "$out/sspi_server" ] && [ -x "$out/sspi_client" ]; then
    log=$(mktemp)
    "$out/sspi_server" --port 0 --count 3 --timeout 20 --password demo "$certs/server.pfx" 2>"$log" &
    server=$!
    port=
    for _ in $(seq 200); do
        port=$(sed -n 's/^listening: 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || { cat "$log"; kill "$server"; echo "sanitize-examples: the server did not start" >&2; exit 1; }
    msg=$(head -c 100000 /dev/zero | tr '\0' 'x')
    echo -n "$msg" | SSL_CERT_FILE=$certs/ca.pem "$out/sspi_client" --stdin --expect 100000 --timeout 20 \
        --name localhost 127.0.0.1 "$port" >"$out/echo13" 2>/dev/null
    echo -n "$msg" | SSL_CERT_FILE=$certs/ca.pem "$out/sspi_client" --protocols tls12 --reconnect 1 --stdin \
        --expect 100000 --timeout 20 --name localhost 127.0.0.1 "$port" >"$out/echo12" 2>/dev/null
    if ! wait "$server"; then
        cat "$log"
        echo "sanitize-examples: sspi_server failed" >&2
        exit 1
    fi
    rm -f "$log"
    [ "$(head -c 100000 "$out/echo13")" = "$msg" ] || { echo "sanitize-examples: TLS 1.3 echo differs" >&2; exit 1; }
    ran=$((ran + 1))
    echo "--- sspi_client against sspi_server (TLS 1.3; TLS 1.2 and a reconnection): ok"
fi
[ "$ran" -gt 0 ] || { echo "sanitize-examples: no example conversation to run" >&2; exit 1; }
echo "sanitize-examples: $ran example runs passed under ASan+UBSan+LeakSanitizer"
