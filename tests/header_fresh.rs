//! The checked-in `include/secur32.h` must be exactly what build.rs generates
//! from the current sources, so C users never compile against a stale ABI.

const REGENERATE: &str = "SSPI_RUSTLS_UPDATE_HEADER=1 cargo build";

#[test]
fn checked_in_header_is_fresh() {
    // Set by build.rs before it generates, so a failed generation shows up
    // below as a missing file rather than as a broken test build.
    let generated = env!("SSPI_RUSTLS_GENERATED_HEADER");
    let fresh = std::fs::read(generated).unwrap_or_else(|e| {
        panic!("cannot read the generated header {generated} ({e}): header generation failed, see the cargo:warning lines of the build")
    });
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/secur32.h");
    let checked_in = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    if fresh != checked_in {
        let fresh = String::from_utf8_lossy(&fresh);
        let checked_in = String::from_utf8_lossy(&checked_in);
        let first = fresh
            .lines()
            .zip(checked_in.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| fresh.lines().count().min(checked_in.lines().count()));
        panic!(
            "include/secur32.h is stale: it differs from the header generated from src/ (first difference at \
             line {}: generated {:?}, checked in {:?}).\nRegenerate it with `{REGENERATE}` and commit it.",
            first + 1,
            fresh.lines().nth(first).unwrap_or("<end of file>"),
            checked_in.lines().nth(first).unwrap_or("<end of file>"),
        );
    }
}
