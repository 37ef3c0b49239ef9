#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, one after the
# other, single process (-jobs=1: the machine is shared), with
# AddressSanitizer and debug assertions (overflow checks), starting from the
# seeds in fuzz/corpus/TARGET. A crash stops the run and leaves the input in
# fuzz/artifacts/TARGET/; the clean runs are recorded in fuzz/last-run.txt.
#
#   fuzz/run.sh 600                  # 10 minutes per target
#   fuzz/run.sh 60 decrypt buffers   # one minute for two targets
#   fuzz/run.sh 0                    # smoke: every seed once, no mutation
#
# Needs cargo-fuzz and the nightly pinned in .ci/nightly-toolchain (or the one
# named by NIGHTLY); `make deps` installs both.
set -euo pipefail
cd "$(dirname "$0")/.."
nightly=${NIGHTLY:-$(cat .ci/nightly-toolchain)}

secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(accept initialize decrypt buffers certs chain alpn ntlm kerberos kerberos_ap kerberos_wrap kerberos_kdc spnego sasl digest credssp)
fi
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is missing: make deps (or .ci/preflight for the fix)" >&2; exit 2; }
rustup run "$nightly" rustc --version >/dev/null 2>&1 ||
    { echo "fuzz/run.sh: Rust $nightly is not installed: make deps (or NIGHTLY=<an installed nightly>)" >&2; exit 2; }

cargo "+$nightly" fuzz build --debug-assertions
log=fuzz/last-run.txt
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t"
    if [ "$secs" -eq 0 ]; then
        args=(-runs=0)
    else
        args=(-max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1)
    fi
    echo "=== $t (${secs}s)"
    out=$(mktemp)
    start=$(date +%s)
    set +e
    cargo "+$nightly" fuzz run --debug-assertions "$t" -- "${args[@]}" >"$out" 2>&1
    status=$?
    set -e
    elapsed=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
    if [ "$status" -ne 0 ]; then
        tail -60 "$out"
        echo "fuzz/run.sh: $t FOUND A CRASH after ${elapsed}s; the input is in fuzz/artifacts/$t/" >&2
        rm -f "$out"
        exit 1
    fi
    rm -f "$out"
    if [ "$secs" -gt 0 ]; then
        printf '%s\t%s\t%ss\t%s execs\tclean\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$t" "$elapsed" "${execs:-?}" >>"$log"
    fi
    echo "--- $t: clean (${elapsed}s${execs:+, $execs execs})"
done
