//! Replays the fuzz corpus under plain `cargo test`: every seed
//! (`fuzz/corpus/TARGET/seed-*`) and every input kept from a fixed finding
//! (`fuzz/regressions/TARGET/*`) runs through the same target body the
//! fuzzer uses (`fuzz/src/lib.rs`), with all its checks: documented
//! statuses, no panic, no leaked handle, block or certificate object,
//! nothing lost, nothing written outside the caller's buffers.
//!
//! This is how each crash the fuzzer found stays fixed: its input lives in
//! `fuzz/regressions/` and runs here on every `make test`.

// Some items serve only the seed generator (fuzz/src/bin/make_seeds.rs).
#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::path::Path;
use std::sync::Mutex;

/// The targets check global counters (live handles, blocks): one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn replay(target: &str, body: fn(&[u8])) {
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut inputs = Vec::new();
    for (dir, seeds_only) in [(root.join("corpus").join(target), true), (root.join("regressions").join(target), false)]
    {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            // Local fuzzing runs add unnamed corpus files; only seeds are kept in git.
            if path.is_file() && (!seeds_only || name.starts_with("seed-")) && !name.starts_with('.') {
                inputs.push(path);
            }
        }
    }
    inputs.sort();
    assert!(!inputs.is_empty(), "no seeds for the {target} target");
    for path in &inputs {
        let data = std::fs::read(path).unwrap();
        eprintln!("{target}: {}", path.display());
        body(&data);
    }
}

#[test]
fn accept() {
    replay("accept", harness::accept);
}

#[test]
fn initialize() {
    replay("initialize", harness::initialize);
}

#[test]
fn decrypt() {
    replay("decrypt", harness::decrypt);
}

#[test]
fn buffers() {
    replay("buffers", harness::buffers);
}

#[test]
fn certs() {
    replay("certs", harness::certs);
}

#[test]
fn chain() {
    replay("chain", harness::chain);
}

#[test]
fn kerberos() {
    replay("kerberos", harness::kerberos);
}

#[test]
fn kerberos_ap() {
    replay("kerberos_ap", harness::kerberos_ap);
}

#[test]
fn kerberos_wrap() {
    replay("kerberos_wrap", harness::kerberos_wrap);
}

#[test]
fn kerberos_kdc() {
    replay("kerberos_kdc", harness::kerberos_kdc);
}

#[test]
fn alpn() {
    replay("alpn", harness::alpn);
}

#[test]
fn ntlm() {
    replay("ntlm", harness::ntlm);
}

#[test]
fn spnego() {
    replay("spnego", harness::spnego);
}

#[test]
fn sasl() {
    replay("sasl", harness::sasl);
}

#[test]
fn digest() {
    replay("digest", harness::digest);
}

#[test]
fn credssp() {
    replay("credssp", harness::credssp);
}
