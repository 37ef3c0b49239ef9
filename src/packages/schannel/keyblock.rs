//! Record keys derived once per handshake instead of twice.
//!
//! rustls derives the record keys for its own record layer during the
//! handshake, and once more, from scratch, when
//! `dangerous_into_kernel_connection` hands them over to our record layer:
//! in TLS 1.2 the key block, `PRF(master_secret, "key expansion",
//! server_random + client_random)` (RFC 5246 §6.3); in TLS 1.3 the `key` and
//! `iv` HKDF-Expand-Labels of both application traffic secrets (RFC 8446
//! §7.3). That second derivation was the largest cost sspi-rustls added to a
//! resumed handshake (README, Performance).
//!
//! The suites our credentials give rustls are ring's, with the PRF (TLS 1.2)
//! and the HKDF (TLS 1.3) wrapped: while a context's handshake is being
//! driven on this thread (`config::CURRENT`), the key-expansion output, and
//! the `key` / `iv` expansions, are kept in that context's hooks, and a second
//! request with the same secret, input and length is answered from them,
//! once. Everything else (master and traffic secrets, Finished, calls outside
//! a context) goes to ring unchanged. The copies are wiped when answered, when
//! the handshake completes (`forget`) or when the context is deleted.

use once_cell::sync::Lazy;
use once_cell::sync::OnceCell;
use rustls::crypto::hmac::Tag;
use rustls::crypto::tls12::Prf;
use rustls::crypto::tls13::{Hkdf, HkdfExpander, OkmBlock, OutputLengthError};
use rustls::crypto::{ActiveKeyExchange, CipherSuiteCommon};
use rustls::{SupportedCipherSuite, Tls12CipherSuite, Tls13CipherSuite};

use super::config;

const KEY_EXPANSION: &[u8] = b"key expansion";

/// TLS 1.3 expansions kept per context: the handshake and application
/// traffic keys and IVs of both directions.
const MAX_TRAFFIC_KEYS: usize = 8;

thread_local! {
    /// Derivations answered from a context on this thread (for the tests).
    static REUSED: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// How many derivations this thread answered from a context instead of
/// making them again: per handshake driven on it, two in TLS 1.2 (a key block
/// per side) and eight in TLS 1.3 (key and IV of two secrets per side). For
/// the tests; not exported.
pub fn reused_on_this_thread() -> usize {
    REUSED.with(|r| r.get())
}

fn count_reuse() {
    REUSED.with(|r| r.set(r.get() + 1));
}

/// A context's `Derived`, allocated when its handshake first keeps
/// something and freed (wiped first) when the handshake completes, so an
/// established context carries none of it.
#[derive(Debug, Default)]
pub struct Kept(Option<Box<Derived>>);

impl Kept {
    fn get(&mut self) -> &mut Derived {
        self.0.get_or_insert_with(Default::default)
    }

    /// Wipes and frees everything kept (the handshake is over).
    pub fn forget(&mut self) {
        self.0 = None;
    }

    #[cfg(test)]
    fn peek(&self) -> Option<&Derived> {
        self.0.as_deref()
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|d| d.is_empty())
    }
}

/// What a context keeps between the two derivations, in its own heap block
/// (`Kept`); TLS 1.3 slots are answered and wiped in place, so no copy of a
/// key is left behind in memory that is freed or reused.
#[derive(Default)]
pub struct Derived {
    /// TLS 1.2: the key block.
    key_block: KeyBlock,
    /// TLS 1.3: `key` and `iv` expansions of traffic secrets.
    traffic: [TrafficKey; MAX_TRAFFIC_KEYS],
    /// The slot the next expansion goes to (the oldest when all are used).
    next: usize,
}

impl core::fmt::Debug for Derived {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Derived")
    }
}

impl Derived {
    /// Wipes everything kept.
    fn forget(&mut self) {
        self.key_block.wipe();
        self.traffic.iter_mut().for_each(TrafficKey::wipe);
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        !self.key_block.used && self.traffic.iter().all(|k| k.label.is_none())
    }

    /// Copies a kept expansion of `secret` into `output`, wiping it.
    fn answer(&mut self, secret: &[u8], label: TrafficLabel, output: &mut [u8]) -> bool {
        let hit = self.traffic.iter_mut().find(|k| {
            k.label == Some(label) && k.len == output.len() && same_secret(&k.secret[..k.secret_len], secret)
        });
        match hit {
            Some(k) => {
                output.copy_from_slice(&k.out[..k.len]);
                k.wipe();
                count_reuse();
                true
            }
            None => false,
        }
    }

    /// Keeps an expansion, in a free slot or over the oldest.
    fn keep(&mut self, secret: &[u8], label: TrafficLabel, output: &[u8]) {
        if secret.len() > MAX_SECRET_LEN || output.len() > MAX_TRAFFIC_KEY_LEN {
            return;
        }
        let i = self.traffic.iter().position(|k| k.label.is_none()).unwrap_or(self.next);
        self.next = (i + 1) % MAX_TRAFFIC_KEYS;
        let k = &mut self.traffic[i];
        k.wipe();
        k.secret[..secret.len()].copy_from_slice(secret);
        k.secret_len = secret.len();
        k.out[..output.len()].copy_from_slice(output);
        k.len = output.len();
        k.label = Some(label);
    }
}

impl Drop for Derived {
    fn drop(&mut self) {
        self.forget();
    }
}

/// Longest traffic secret (SHA-384).
const MAX_SECRET_LEN: usize = 48;
/// Longest `key` / `iv` expansion kept (AES-256 and ChaCha20 keys).
const MAX_TRAFFIC_KEY_LEN: usize = 32;

/// A slot for a TLS 1.3 `key` or `iv` expansion: secret, which label,
/// output. Plain bytes, wiped in place.
struct TrafficKey {
    label: Option<TrafficLabel>,
    secret: [u8; MAX_SECRET_LEN],
    secret_len: usize,
    out: [u8; MAX_TRAFFIC_KEY_LEN],
    len: usize,
}

impl Default for TrafficKey {
    fn default() -> Self {
        Self { label: None, secret: [0; MAX_SECRET_LEN], secret_len: 0, out: [0; MAX_TRAFFIC_KEY_LEN], len: 0 }
    }
}

impl TrafficKey {
    fn wipe(&mut self) {
        crate::alloc::wipe(&mut self.secret);
        crate::alloc::wipe(&mut self.out);
        self.label = None;
        self.secret_len = 0;
        self.len = 0;
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TrafficLabel {
    Key,
    Iv,
}

/// Equality of secrets without an early exit.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Longest key block kept (ChaCha20-Poly1305: two 32-byte keys, two
/// 12-byte IVs), master secret and seed (the two randoms).
const MAX_KEY_BLOCK_LEN: usize = 96;
const MASTER_SECRET_LEN: usize = 48;
const SEED_LEN: usize = 64;

/// A TLS 1.2 key block derived for a context, waiting for the extraction.
/// Plain bytes, written and wiped in place.
struct KeyBlock {
    used: bool,
    secret: [u8; MASTER_SECRET_LEN],
    seed: [u8; SEED_LEN],
    block: [u8; MAX_KEY_BLOCK_LEN],
    len: usize,
}

impl Default for KeyBlock {
    fn default() -> Self {
        Self { used: false, secret: [0; MASTER_SECRET_LEN], seed: [0; SEED_LEN], block: [0; MAX_KEY_BLOCK_LEN], len: 0 }
    }
}

impl KeyBlock {
    /// Copies the kept block into `output` if it was derived from `secret`
    /// and `seed` with this length, and wipes it.
    fn answer(&mut self, secret: &[u8], seed: &[u8], output: &mut [u8]) -> bool {
        let hit = self.used && self.len == output.len() && self.seed[..] == *seed && same_secret(&self.secret, secret);
        if hit {
            output.copy_from_slice(&self.block[..self.len]);
            self.wipe();
            count_reuse();
        }
        hit
    }

    fn keep(&mut self, secret: &[u8], seed: &[u8], block: &[u8]) {
        self.wipe();
        if secret.len() != MASTER_SECRET_LEN || seed.len() != SEED_LEN || block.len() > MAX_KEY_BLOCK_LEN {
            return;
        }
        self.secret.copy_from_slice(secret);
        self.seed.copy_from_slice(seed);
        self.block[..block.len()].copy_from_slice(block);
        self.len = block.len();
        self.used = true;
    }

    fn wipe(&mut self) {
        crate::alloc::wipe(&mut self.secret);
        crate::alloc::wipe(&mut self.block);
        self.used = false;
        self.len = 0;
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
        // The context's lock is not held while ring derives.
        let kept = config::with_current(|h| {
            if !crate::handles::lock(&h.derived).get().key_block.answer(secret, seed, output) {
                self.inner.for_secret(output, secret, label, seed);
                crate::handles::lock(&h.derived).get().key_block.keep(secret, seed, output);
            }
        });
        if kept.is_none() {
            self.inner.for_secret(output, secret, label, seed);
        }
    }

    fn fips(&self) -> bool {
        self.inner.fips()
    }
}

/// ring's HKDF, whose expanders made from a secret during a context's
/// handshake remember their `key` and `iv` expansions.
struct MemoHkdf {
    inner: &'static dyn Hkdf,
}

impl Hkdf for MemoHkdf {
    fn extract_from_zero_ikm(&self, salt: Option<&[u8]>) -> Box<dyn HkdfExpander> {
        self.inner.extract_from_zero_ikm(salt)
    }

    fn extract_from_secret(&self, salt: Option<&[u8]>, secret: &[u8]) -> Box<dyn HkdfExpander> {
        self.inner.extract_from_secret(salt, secret)
    }

    fn extract_from_kx_shared_secret(
        &self,
        salt: Option<&[u8]>,
        kx: Box<dyn ActiveKeyExchange>,
        peer_pub_key: &[u8],
    ) -> Result<Box<dyn HkdfExpander>, rustls::Error> {
        self.inner.extract_from_kx_shared_secret(salt, kx, peer_pub_key)
    }

    fn expander_for_okm(&self, okm: &OkmBlock) -> Box<dyn HkdfExpander> {
        if config::with_current(|_| ()).is_none() {
            return self.inner.expander_for_okm(okm);
        }
        Box::new(MemoExpander { hkdf: self.inner, okm: okm.clone(), inner: OnceCell::new() })
    }

    fn hmac_sign(&self, key: &OkmBlock, message: &[u8]) -> Tag {
        self.inner.hmac_sign(key, message)
    }

    fn fips(&self) -> bool {
        self.inner.fips()
    }
}

/// An expander for `okm`, made only when an expansion is not answered from
/// the context (an answer then costs no HMAC key schedule either).
struct MemoExpander {
    hkdf: &'static dyn Hkdf,
    okm: OkmBlock,
    inner: OnceCell<Box<dyn HkdfExpander>>,
}

impl MemoExpander {
    fn inner(&self) -> &dyn HkdfExpander {
        self.inner.get_or_init(|| self.hkdf.expander_for_okm(&self.okm)).as_ref()
    }
}

/// Which traffic label `info` is, if it is the HkdfLabel of a `key` or `iv`
/// with an empty context (RFC 8446 §7.3), as rustls lays it out: length,
/// label length, "tls13 ", label, context length, context.
fn traffic_label(info: &[&[u8]]) -> Option<TrafficLabel> {
    match info {
        [_, _, b"tls13 ", label, [0], []] => match *label {
            b"key" => Some(TrafficLabel::Key),
            b"iv" => Some(TrafficLabel::Iv),
            _ => None,
        },
        _ => None,
    }
}

impl HkdfExpander for MemoExpander {
    fn expand_slice(&self, info: &[&[u8]], output: &mut [u8]) -> Result<(), OutputLengthError> {
        let label = match traffic_label(info) {
            Some(l) if output.len() <= MAX_TRAFFIC_KEY_LEN => l,
            _ => return self.inner().expand_slice(info, output),
        };
        let secret = self.okm.as_ref();
        // The context's lock is not held while ring derives.
        let answered = config::with_current(|h| {
            if crate::handles::lock(&h.derived).get().answer(secret, label, output) {
                return Ok(());
            }
            self.inner().expand_slice(info, output)?;
            crate::handles::lock(&h.derived).get().keep(secret, label, output);
            Ok(())
        });
        match answered {
            Some(r) => r,
            None => self.inner().expand_slice(info, output),
        }
    }

    fn expand_block(&self, info: &[&[u8]]) -> OkmBlock {
        self.inner().expand_block(info)
    }

    fn hash_len(&self) -> usize {
        self.inner().hash_len()
    }
}

/// ring's default suites, in ring's order, with `MemoPrf` (TLS 1.2) and
/// `MemoHkdf` (TLS 1.3). They compare equal to ring's (rustls compares
/// suites by their id, and TLS 1.3 resumption by hash algorithm).
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
            SupportedCipherSuite::Tls13(t) => {
                let hkdf: &'static MemoHkdf = Box::leak(Box::new(MemoHkdf { inner: t.hkdf_provider }));
                let suite: &'static Tls13CipherSuite = Box::leak(Box::new(Tls13CipherSuite {
                    common: CipherSuiteCommon {
                        suite: t.common.suite,
                        hash_provider: t.common.hash_provider,
                        confidentiality_limit: t.common.confidentiality_limit,
                    },
                    hkdf_provider: hkdf,
                    aead_alg: t.aead_alg,
                    quic: t.quic,
                }));
                SupportedCipherSuite::Tls13(suite)
            }
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
        assert!(
            crate::handles::lock(&hooks.derived).peek().is_some_and(|d| d.key_block.used),
            "kept for the extraction"
        );
        let mut second = [0u8; 40];
        memo().for_secret(&mut second, &secret, KEY_EXPANSION, &seed);
        assert_eq!(second, expect);
        assert!(crate::handles::lock(&hooks.derived).is_empty(), "taken by the extraction");
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
        assert!(crate::handles::lock(&hooks.derived).is_empty(), "only the key block is kept");
    }

    fn hkdfs() -> (&'static dyn Hkdf, &'static dyn Hkdf) {
        let want = rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256;
        match (suites().iter().find(|s| **s == want), want) {
            (Some(SupportedCipherSuite::Tls13(ours)), SupportedCipherSuite::Tls13(ring)) => {
                (ours.hkdf_provider, ring.hkdf_provider)
            }
            _ => unreachable!("ring has this TLS 1.3 suite"),
        }
    }

    /// `len` bytes of HKDF-Expand-Label(`secret`, `label`, "") by `hkdf`.
    fn expand_label(hkdf: &dyn Hkdf, secret: &[u8], label: &[u8], len: usize) -> Vec<u8> {
        let mut out = vec![0u8; len];
        let len_bytes = (len as u16).to_be_bytes();
        let info: [&[u8]; 6] = [&len_bytes, &[6 + label.len() as u8], b"tls13 ", label, &[0], &[]];
        hkdf.expander_for_okm(&OkmBlock::new(secret)).expand_slice(&info, &mut out).unwrap();
        out
    }

    #[test]
    fn traffic_key_and_iv_answered_once_from_the_context() {
        let (ours, ring) = hkdfs();
        let hooks = Arc::new(config::Hooks::default());
        let _g = config::enter(&hooks);
        let secret = [3u8; 32];
        let reused = reused_on_this_thread();
        for (label, len) in [(&b"key"[..], 16), (b"iv", 12)] {
            let expect = expand_label(ring, &secret, label, len);
            assert_eq!(expand_label(ours, &secret, label, len), expect, "derived");
            assert_eq!(expand_label(ours, &secret, label, len), expect, "answered");
        }
        assert_eq!(reused_on_this_thread() - reused, 2);
        assert!(crate::handles::lock(&hooks.derived).is_empty(), "each answered once, then gone");
        // Other labels and secrets are derived, never answered; `forget` wipes what was kept.
        let expect = expand_label(ring, &secret, b"finished", 32);
        assert_eq!(expand_label(ours, &secret, b"finished", 32), expect);
        assert!(crate::handles::lock(&hooks.derived).is_empty(), "only key and iv are kept");
        expand_label(ours, &secret, b"key", 16);
        let other = expand_label(ring, &[4u8; 32], b"key", 16);
        assert_eq!(expand_label(ours, &[4u8; 32], b"key", 16), other);
        assert_eq!(reused_on_this_thread() - reused, 2);
        crate::handles::lock(&hooks.derived).forget();
        assert!(crate::handles::lock(&hooks.derived).is_empty());
    }

    #[test]
    fn traffic_keys_without_a_context_go_to_ring() {
        let (ours, ring) = hkdfs();
        for (label, len) in [(&b"key"[..], 16), (b"iv", 12), (b"c ap traffic", 32)] {
            assert_eq!(expand_label(ours, &[8; 32], label, len), expand_label(ring, &[8; 32], label, len));
        }
    }

    #[test]
    fn at_most_eight_traffic_keys_are_kept() {
        let (ours, _) = hkdfs();
        let hooks = Arc::new(config::Hooks::default());
        let _g = config::enter(&hooks);
        for i in 0..20u8 {
            expand_label(ours, &[i; 32], b"key", 16);
        }
        let kept = crate::handles::lock(&hooks.derived);
        let derived = kept.peek().expect("kept");
        assert!(derived.traffic.iter().all(|k| k.label.is_some()), "every slot used");
        // The newest eight are the ones kept: 12..20.
        for (i, k) in derived.traffic.iter().enumerate() {
            assert!(k.secret[..k.secret_len].iter().all(|&b| b >= 12), "slot {i} holds an old secret");
        }
    }
}
