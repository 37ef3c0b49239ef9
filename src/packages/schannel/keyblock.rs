//! The TLS 1.2 key block, derived once per handshake instead of twice.
//!
//! rustls derives the TLS 1.2 key block — `PRF(master_secret, "key
//! expansion", server_random + client_random)`, RFC 5246 §6.3 — when it
//! installs its own record keys during the handshake, and once more, from
//! scratch, when `dangerous_into_kernel_connection` hands the keys over to
//! our record layer. That second derivation was the largest cost sspi-rustls
//! added to a resumed TLS 1.2 handshake (README, Performance).
//!
//! The TLS 1.2 suites our credentials give rustls are ring's, with the PRF
//! wrapped: the first key-expansion output is kept in the hooks of the
//! context whose handshake this thread is driving (`config::CURRENT`), and a
//! second request with the same secret, seed and length is answered from it,
//! once; the copy is then wiped. Everything else (the master secret, Finished,
//! calls outside a context) goes to ring's PRF unchanged. A context's copy
//! lives at most until its handshake completes or the context is deleted.

use once_cell::sync::Lazy;
use rustls::crypto::tls12::Prf;
use rustls::crypto::{ActiveKeyExchange, CipherSuiteCommon};
use rustls::{SupportedCipherSuite, Tls12CipherSuite};
use zeroize::Zeroizing;

use super::config;

const KEY_EXPANSION: &[u8] = b"key expansion";

thread_local! {
    /// Key blocks answered from a context on this thread (for the tests).
    static REUSED: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// How many key blocks this thread answered from a context instead of
/// deriving them again: two per TLS 1.2 handshake driven on it (client and
/// server). For the tests; not exported.
pub fn reused_on_this_thread() -> usize {
    REUSED.with(|r| r.get())
}

/// A key block derived for a context, waiting for the extraction.
pub struct KeyBlock {
    secret: Zeroizing<Vec<u8>>,
    seed: Vec<u8>,
    block: Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for KeyBlock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("KeyBlock")
    }
}

impl KeyBlock {
    fn answers(&self, secret: &[u8], seed: &[u8], len: usize) -> bool {
        self.block.len() == len
            && self.seed == seed
            && self.secret.len() == secret.len()
            && self.secret.iter().zip(secret).fold(0, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

/// ring's PRF, remembering a context's key block between its two derivations.
struct MemoPrf {
    inner: &'static dyn Prf,
}

impl Prf for MemoPrf {
    fn for_key_exchange(
        &self,
        output: &mut [u8; 48],
        kx: Box<dyn ActiveKeyExchange>,
        peer_pub_key: &[u8],
        label: &[u8],
        seed: &[u8],
    ) -> Result<(), rustls::Error> {
        self.inner.for_key_exchange(output, kx, peer_pub_key, label, seed)
    }

    fn for_secret(&self, output: &mut [u8], secret: &[u8], label: &[u8], seed: &[u8]) {
        if label != KEY_EXPANSION {
            return self.inner.for_secret(output, secret, label, seed);
        }
        let answered = config::with_current_value(|h| {
            let mut slot = crate::handles::lock(&h.key_block);
            match slot.take() {
                Some(kb) if kb.answers(secret, seed, output.len()) => {
                    output.copy_from_slice(&kb.block);
                    REUSED.with(|r| r.set(r.get() + 1));
                    true
                }
                _ => {
                    self.inner.for_secret(output, secret, label, seed);
                    *slot = Some(KeyBlock {
                        secret: Zeroizing::new(secret.to_vec()),
                        seed: seed.to_vec(),
                        block: Zeroizing::new(output.to_vec()),
                    });
                    true
                }
            }
        });
        if answered != Some(true) {
            self.inner.for_secret(output, secret, label, seed);
        }
    }

    fn fips(&self) -> bool {
        self.inner.fips()
    }
}

/// ring's default suites, in ring's order, the TLS 1.2 ones with `MemoPrf`.
/// They compare equal to ring's (rustls compares suites by their id).
static SUITES: Lazy<Vec<SupportedCipherSuite>> = Lazy::new(|| {
    rustls::crypto::ring::DEFAULT_CIPHER_SUITES
        .iter()
        .map(|s| match s {
            SupportedCipherSuite::Tls12(t) => {
                let prf: &'static MemoPrf = Box::leak(Box::new(MemoPrf { inner: t.prf_provider }));
                let suite: &'static Tls12CipherSuite = Box::leak(Box::new(Tls12CipherSuite {
                    common: CipherSuiteCommon {
                        suite: t.common.suite,
                        hash_provider: t.common.hash_provider,
                        confidentiality_limit: t.common.confidentiality_limit,
                    },
                    prf_provider: prf,
                    kx: t.kx,
                    sign: t.sign,
                    aead_alg: t.aead_alg,
                }));
                SupportedCipherSuite::Tls12(suite)
            }
            other => *other,
        })
        .collect()
});

/// The suites credentials choose from.
pub fn suites() -> &'static [SupportedCipherSuite] {
    &SUITES
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Ours for the suite `ring_prf` uses (SHA-256).
    fn memo() -> &'static dyn Prf {
        let want = rustls::crypto::ring::cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
        match suites().iter().find(|s| **s == want) {
            Some(SupportedCipherSuite::Tls12(t)) => t.prf_provider,
            _ => unreachable!("ring has this TLS 1.2 suite"),
        }
    }

    fn ring_prf(out: &mut [u8], secret: &[u8], label: &[u8], seed: &[u8]) {
        match rustls::crypto::ring::cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 {
            SupportedCipherSuite::Tls12(t) => t.prf_provider.for_secret(out, secret, label, seed),
            _ => unreachable!(),
        }
    }

    #[test]
    fn same_suites_as_ring_in_the_same_order() {
        assert_eq!(suites(), rustls::crypto::ring::DEFAULT_CIPHER_SUITES);
        for (ours, ring) in suites().iter().zip(rustls::crypto::ring::DEFAULT_CIPHER_SUITES) {
            assert_eq!(ours.suite(), ring.suite());
            assert_eq!(ours.version(), ring.version());
        }
    }

    #[test]
    fn second_derivation_answered_once_from_the_context() {
        let hooks = Arc::new(config::Hooks::default());
        let (secret, seed) = ([7u8; 48], [9u8; 64]);
        let mut expect = [0u8; 40];
        ring_prf(&mut expect, &secret, KEY_EXPANSION, &seed);
        let _g = config::enter(&hooks);
        let mut first = [0u8; 40];
        memo().for_secret(&mut first, &secret, KEY_EXPANSION, &seed);
        assert_eq!(first, expect);
        assert!(crate::handles::lock(&hooks.key_block).is_some(), "kept for the extraction");
        let mut second = [0u8; 40];
        memo().for_secret(&mut second, &secret, KEY_EXPANSION, &seed);
        assert_eq!(second, expect);
        assert!(crate::handles::lock(&hooks.key_block).is_none(), "taken by the extraction");
        assert_eq!(reused_on_this_thread(), 1);
    }

    #[test]
    fn different_inputs_are_derived_not_answered() {
        let hooks = Arc::new(config::Hooks::default());
        let _g = config::enter(&hooks);
        let mut a = [0u8; 40];
        memo().for_secret(&mut a, &[1; 48], KEY_EXPANSION, &[2; 64]);
        for (secret, seed, len) in [([3u8; 48], [2u8; 64], 40), ([1; 48], [4; 64], 40), ([1; 48], [2; 64], 72)] {
            let mut got = vec![0u8; len];
            let mut expect = vec![0u8; len];
            memo().for_secret(&mut got, &secret, KEY_EXPANSION, &seed);
            ring_prf(&mut expect, &secret, KEY_EXPANSION, &seed);
            assert_eq!(got, expect);
        }
    }

    #[test]
    fn other_labels_and_no_context_go_to_ring() {
        let (secret, seed) = ([5u8; 48], [6u8; 64]);
        for label in [&b"client finished"[..], b"master secret", KEY_EXPANSION] {
            let mut got = [0u8; 48];
            let mut expect = [0u8; 48];
            memo().for_secret(&mut got, &secret, label, &seed);
            ring_prf(&mut expect, &secret, label, &seed);
            assert_eq!(got, expect);
        }
        let hooks = Arc::new(config::Hooks::default());
        let _g = config::enter(&hooks);
        let mut out = [0u8; 12];
        memo().for_secret(&mut out, &secret, b"client finished", &seed);
        assert!(crate::handles::lock(&hooks.key_block).is_none(), "only the key block is kept");
    }
}
