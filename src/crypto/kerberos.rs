//! The Kerberos encryption types: the RFC 3961 framework with the AES
//! profiles of RFC 3962 (aes128/aes256-cts-hmac-sha1-96, enctypes 17 and 18)
//! and RFC 8009 (aes128-cts-hmac-sha256-128 and aes256-cts-hmac-sha384-192,
//! 19 and 20): string-to-key, key derivation, encryption with integrity, and
//! keyed checksums.
//!
//! AES itself is the RustCrypto `aes` block cipher (ring has no raw block
//! interface); CBC with ciphertext stealing is written here. HMAC and PBKDF2
//! are ring's. DES, 3DES and RC4 enctypes are not offered. Every function
//! carries the RFCs' known-answer vectors in its tests.

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use ring::{hmac, pbkdf2};
use zeroize::Zeroizing;

use crate::abi::{SEC_E_INVALID_TOKEN, SEC_E_MESSAGE_ALTERED, SEC_E_UNSUPPORTED_FUNCTION};
use crate::alloc::Wiped;
use crate::error::{SecError, SecResult};

const BLOCK: usize = 16;
/// The confounder every encryption starts with (one AES block).
pub const CONFOUNDER_LEN: usize = BLOCK;

/// An encryption type (RFC 3961 section 8 numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Enctype {
    Aes128Sha1,
    Aes256Sha1,
    Aes128Sha256,
    Aes256Sha384,
}

impl Enctype {
    /// Every supported enctype, strongest first (the order we offer them in).
    pub const ALL: [Enctype; 4] =
        [Enctype::Aes256Sha384, Enctype::Aes128Sha256, Enctype::Aes256Sha1, Enctype::Aes128Sha1];

    /// The enctype with number `n`, if supported.
    pub fn from_number(n: i32) -> Option<Self> {
        Some(match n {
            17 => Self::Aes128Sha1,
            18 => Self::Aes256Sha1,
            19 => Self::Aes128Sha256,
            20 => Self::Aes256Sha384,
            _ => return None,
        })
    }

    /// The enctype by its krb5.conf name (`aes256-cts-hmac-sha1-96`, `aes256-cts`,
    /// `aes`, ...): the enctypes the name stands for.
    pub fn from_name(name: &str) -> Vec<Self> {
        match name.to_ascii_lowercase().as_str() {
            "aes256-cts-hmac-sha1-96" | "aes256-cts" | "aes256-sha1" => vec![Self::Aes256Sha1],
            "aes128-cts-hmac-sha1-96" | "aes128-cts" | "aes128-sha1" => vec![Self::Aes128Sha1],
            "aes256-cts-hmac-sha384-192" | "aes256-sha2" => vec![Self::Aes256Sha384],
            "aes128-cts-hmac-sha256-128" | "aes128-sha2" => vec![Self::Aes128Sha256],
            "aes" => vec![Self::Aes256Sha1, Self::Aes128Sha1, Self::Aes256Sha384, Self::Aes128Sha256],
            _ => Vec::new(),
        }
    }

    /// RFC 3961 enctype number.
    pub fn number(self) -> i32 {
        match self {
            Self::Aes128Sha1 => 17,
            Self::Aes256Sha1 => 18,
            Self::Aes128Sha256 => 19,
            Self::Aes256Sha384 => 20,
        }
    }

    /// The name RFC 8009 string-to-key puts in front of the salt (and krb5.conf uses).
    pub fn name(self) -> &'static str {
        match self {
            Self::Aes128Sha1 => "aes128-cts-hmac-sha1-96",
            Self::Aes256Sha1 => "aes256-cts-hmac-sha1-96",
            Self::Aes128Sha256 => "aes128-cts-hmac-sha256-128",
            Self::Aes256Sha384 => "aes256-cts-hmac-sha384-192",
        }
    }

    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128Sha1 | Self::Aes128Sha256 => 16,
            Self::Aes256Sha1 | Self::Aes256Sha384 => 32,
        }
    }

    /// Length of the integrity tag (and of the keyed checksum).
    pub fn mac_len(self) -> usize {
        match self {
            Self::Aes128Sha1 | Self::Aes256Sha1 => 12,
            Self::Aes128Sha256 => 16,
            Self::Aes256Sha384 => 24,
        }
    }

    /// The checksum type that goes with the enctype (RFC 3962 / RFC 8009).
    pub fn checksum_type(self) -> i32 {
        match self {
            Self::Aes128Sha1 => 15,
            Self::Aes256Sha1 => 16,
            Self::Aes128Sha256 => 19,
            Self::Aes256Sha384 => 20,
        }
    }

    fn sha2(self) -> bool {
        matches!(self, Self::Aes128Sha256 | Self::Aes256Sha384)
    }

    fn hmac_alg(self) -> hmac::Algorithm {
        match self {
            Self::Aes128Sha1 | Self::Aes256Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Self::Aes128Sha256 => hmac::HMAC_SHA256,
            Self::Aes256Sha384 => hmac::HMAC_SHA384,
        }
    }

    /// The iteration count when the KDC sends no s2kparams.
    pub fn default_iterations(self) -> u32 {
        if self.sha2() {
            32768
        } else {
            4096
        }
    }

    /// Bytes added to a plaintext by [`Key::encrypt`].
    pub fn overhead(self) -> usize {
        CONFOUNDER_LEN + self.mac_len()
    }

    /// String-to-key: RFC 3962 section 4 (PBKDF2-HMAC-SHA1, then DK with
    /// "kerberos") or RFC 8009 section 4 (PBKDF2-HMAC-SHA256/384 over
    /// `name | 0 | salt`, then the KDF with "kerberos"). `params` is the
    /// s2kparams octet string (a 4-byte big-endian iteration count), or None
    /// for the default. Zero iterations are refused.
    pub fn string_to_key(self, password: &[u8], salt: &[u8], params: Option<&[u8]>) -> SecResult<Key> {
        let iterations = match params {
            None => self.default_iterations(),
            Some(p) if p.len() == 4 => u32::from_be_bytes([p[0], p[1], p[2], p[3]]),
            Some(_) => return Err(SecError::new(SEC_E_INVALID_TOKEN, "s2kparams is not a 4-byte iteration count")),
        };
        let iterations = core::num::NonZeroU32::new(iterations)
            .ok_or(SecError::new(SEC_E_INVALID_TOKEN, "string-to-key with 0 iterations"))?;
        let mut tkey = Zeroizing::new(vec![0u8; self.key_len()]);
        let (alg, salt) = match self {
            Self::Aes128Sha1 | Self::Aes256Sha1 => (pbkdf2::PBKDF2_HMAC_SHA1, salt.to_vec()),
            Self::Aes128Sha256 => (pbkdf2::PBKDF2_HMAC_SHA256, [self.name().as_bytes(), &[0], salt].concat()),
            Self::Aes256Sha384 => (pbkdf2::PBKDF2_HMAC_SHA384, [self.name().as_bytes(), &[0], salt].concat()),
        };
        pbkdf2::derive(alg, iterations, &salt, password, &mut tkey);
        let tkey = Key::new(self, &tkey)?;
        let bytes = tkey.derive(b"kerberos", self.key_len());
        Key::new(self, &bytes)
    }
}

/// Keys derived from one base key, by (constant, length): a context uses the
/// same few usages for every message, and deriving costs more than a small
/// message's encryption. Wiped when the last clone of the key is dropped.
type DerivedCache = std::sync::Arc<std::sync::Mutex<Vec<(Vec<u8>, Zeroizing<Vec<u8>>)>>>;

/// The ciphers of one key usage, ready to run: the AES key schedule of Ke
/// (both directions) and the HMAC key Ki for encryption, or the HMAC key Kc
/// for checksums. A context protects every message with the same two or
/// three usages, and setting these up costs as much as a small message's
/// encryption. The AES schedules are wiped on drop (the `aes` crate's
/// `zeroize` feature), and the whole value (ring's HMAC keys: the padded-key
/// hash states, which ring does not wipe) by [`Wiped`].
enum Prepared {
    Encrypt { aes: Aes, ki: hmac::Key },
    Checksum(hmac::Key),
}

impl Prepared {
    fn cipher(&self) -> (&Aes, &hmac::Key) {
        match self {
            Prepared::Encrypt { aes, ki } => (aes, ki),
            Prepared::Checksum(_) => unreachable!("an encryption usage was asked for"),
        }
    }
}

/// AES of either key size.
enum Aes {
    A128(Box<aes::Aes128>),
    A256(Box<aes::Aes256>),
}

impl Aes {
    fn new(key: &[u8]) -> Self {
        match key.len() {
            16 => Aes::A128(Box::new(aes::Aes128::new(GenericArray::from_slice(key)))),
            32 => Aes::A256(Box::new(aes::Aes256::new(GenericArray::from_slice(key)))),
            n => unreachable!("AES key of {n} bytes"),
        }
    }

    fn block(&self) -> &dyn AesBlock {
        match self {
            Aes::A128(a) => &**a,
            Aes::A256(a) => &**a,
        }
    }
}

/// Prepared usages by (usage, checksum?): a handful per key in practice.
type PreparedCache = std::sync::Arc<std::sync::Mutex<Vec<(u32, bool, std::sync::Arc<Wiped<Prepared>>)>>>;

/// A key of one enctype, wiped when dropped.
#[derive(Clone)]
pub struct Key {
    enctype: Enctype,
    /// Shared by the clones (a context copies its key out for each message).
    bytes: std::sync::Arc<Zeroizing<Vec<u8>>>,
    derived: DerivedCache,
    prepared: PreparedCache,
}

impl core::fmt::Debug for Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Key").field("enctype", &self.enctype).finish_non_exhaustive()
    }
}

/// The three keys RFC 3961 derives from a base key for one usage.
struct UsageKeys {
    ke: Zeroizing<Vec<u8>>,
    ki: Zeroizing<Vec<u8>>,
}

impl Key {
    /// A key from its bytes (random-to-key is the identity for AES).
    pub fn new(enctype: Enctype, bytes: &[u8]) -> SecResult<Self> {
        if bytes.len() != enctype.key_len() {
            return Err(SecError::new(SEC_E_INVALID_TOKEN, "key length does not match its enctype"));
        }
        Ok(Self {
            enctype,
            bytes: std::sync::Arc::new(Zeroizing::new(bytes.to_vec())),
            derived: DerivedCache::default(),
            prepared: PreparedCache::default(),
        })
    }

    /// A fresh random key.
    pub fn random(enctype: Enctype) -> SecResult<Self> {
        let mut b = Zeroizing::new(vec![0u8; enctype.key_len()]);
        super::random(&mut b)?;
        Self::new(enctype, &b)
    }

    pub fn enctype(&self) -> Enctype {
        self.enctype
    }

    /// The key bytes (for the session-key attribute and key exchange).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// A derived key of `len` bytes for `constant`: RFC 3961's DK (DR by
    /// iterated encryption of the n-folded constant) for the SHA-1 profiles,
    /// RFC 8009's KDF-HMAC-SHA2 for the SHA-2 ones.
    pub fn derive(&self, constant: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
        let tag = [constant, &(len as u32).to_be_bytes()].concat();
        let mut cache = self.derived.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, k)) = cache.iter().find(|(t, _)| *t == tag) {
            return k.clone();
        }
        let k = self.derive_uncached(constant, len);
        // A handful of usages per key in practice; the bound only guards against misuse.
        if cache.len() < 32 {
            cache.push((tag, k.clone()));
        }
        k
    }

    fn derive_uncached(&self, constant: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(len + BLOCK));
        if self.enctype.sha2() {
            // K1 = HMAC(key, 00000001 | label | 00 | k), k in bits; one block suffices.
            let key = hmac::Key::new(self.enctype.hmac_alg(), &self.bytes);
            let bits = ((len * 8) as u32).to_be_bytes();
            let tag = hmac::sign(&key, &[&1u32.to_be_bytes()[..], constant, &[0], &bits].concat());
            out.extend_from_slice(&tag.as_ref()[..len]);
        } else {
            let mut block: [u8; BLOCK] = nfold(constant, BLOCK).try_into().expect("n-fold to one block");
            while out.len() < len {
                block = aes_block_encrypt(&self.bytes, &block);
                out.extend_from_slice(&block);
            }
            out.truncate(len);
        }
        out
    }

    fn usage_keys(&self, usage: u32) -> UsageKeys {
        let c = |b: u8| [&usage.to_be_bytes()[..], &[b]].concat();
        let (ke_len, ki_len) = match self.enctype {
            Enctype::Aes128Sha1 | Enctype::Aes256Sha1 => (self.enctype.key_len(), self.enctype.key_len()),
            Enctype::Aes128Sha256 => (16, 16),
            Enctype::Aes256Sha384 => (32, 24),
        };
        UsageKeys { ke: self.derive(&c(0xAA), ke_len), ki: self.derive(&c(0x55), ki_len) }
    }

    /// The checksum key for `usage` (Kc).
    fn checksum_key(&self, usage: u32) -> Zeroizing<Vec<u8>> {
        let len = match self.enctype {
            Enctype::Aes128Sha1 | Enctype::Aes256Sha1 => self.enctype.key_len(),
            Enctype::Aes128Sha256 => 16,
            Enctype::Aes256Sha384 => 24,
        };
        self.derive(&[&usage.to_be_bytes()[..], &[0x99]].concat(), len)
    }

    /// The prepared ciphers of `usage` (for encryption, or for checksums).
    fn prepared(&self, usage: u32, checksum: bool) -> std::sync::Arc<Wiped<Prepared>> {
        let mut cache = self.prepared.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, _, p)) = cache.iter().find(|(u, c, _)| *u == usage && *c == checksum) {
            return std::sync::Arc::clone(p);
        }
        let p = std::sync::Arc::new(Wiped::new(if checksum {
            Prepared::Checksum(hmac::Key::new(self.enctype.hmac_alg(), &self.checksum_key(usage)))
        } else {
            let keys = self.usage_keys(usage);
            Prepared::Encrypt { aes: Aes::new(&keys.ke), ki: hmac::Key::new(self.enctype.hmac_alg(), &keys.ki) }
        }));
        // Bounded as the derived keys are: only misuse asks for more usages.
        if cache.len() < 32 {
            cache.push((usage, checksum, std::sync::Arc::clone(&p)));
        }
        p
    }

    /// Encrypts `plaintext` for `usage` with a random confounder:
    /// `AES-CTS(Ke, confounder | plaintext) | tag`.
    pub fn encrypt(&self, usage: u32, plaintext: &[u8]) -> SecResult<Vec<u8>> {
        let mut confounder = [0u8; CONFOUNDER_LEN];
        super::random(&mut confounder)?;
        Ok(self.encrypt_with_confounder(usage, &confounder, plaintext))
    }

    /// [`Key::encrypt`] with a given confounder (known-answer tests).
    pub fn encrypt_with_confounder(&self, usage: u32, confounder: &[u8; CONFOUNDER_LEN], plaintext: &[u8]) -> Vec<u8> {
        self.encrypt_parts(usage, confounder, &[plaintext])
    }

    /// [`Key::encrypt`] of the concatenation of `parts`, without making it.
    pub fn encrypt_parts_random(&self, usage: u32, parts: &[&[u8]]) -> SecResult<Vec<u8>> {
        let mut confounder = Zeroizing::new([0u8; CONFOUNDER_LEN]);
        super::random(&mut confounder[..])?;
        Ok(self.encrypt_parts(usage, &confounder, parts))
    }

    fn encrypt_parts(&self, usage: u32, confounder: &[u8; CONFOUNDER_LEN], parts: &[&[u8]]) -> Vec<u8> {
        let prepared = self.prepared(usage, false);
        let (aes, ki) = prepared.cipher();
        let len = CONFOUNDER_LEN + parts.iter().map(|p| p.len()).sum::<usize>();
        let mac = self.enctype.mac_len();
        let mut p = Zeroizing::new(Vec::with_capacity(len));
        p.extend_from_slice(confounder);
        for part in parts {
            p.extend_from_slice(part);
        }
        let mut c = Vec::with_capacity(len + mac);
        cts_encrypt_into(aes.block(), &p, &mut c);
        let tag = if self.enctype.sha2() {
            // RFC 8009: the tag covers the (zero) IV and the ciphertext.
            let mut h = hmac::Context::with_key(ki);
            h.update(&[0u8; BLOCK]);
            h.update(&c);
            h.sign()
        } else {
            hmac::sign(ki, &p)
        };
        c.extend_from_slice(&tag.as_ref()[..mac]);
        c
    }

    /// Decrypts and checks a ciphertext of [`Key::encrypt`]: the plaintext
    /// without its confounder. A wrong tag is `SEC_E_MESSAGE_ALTERED`; a
    /// ciphertext too short to hold a confounder and tag `SEC_E_INVALID_TOKEN`.
    pub fn decrypt(&self, usage: u32, ciphertext: &[u8]) -> SecResult<Zeroizing<Vec<u8>>> {
        let h = self.enctype.mac_len();
        if ciphertext.len() < CONFOUNDER_LEN + h {
            return Err(SecError::new(SEC_E_INVALID_TOKEN, "ciphertext shorter than confounder and tag"));
        }
        let (c, tag) = ciphertext.split_at(ciphertext.len() - h);
        let prepared = self.prepared(usage, false);
        let (aes, ki) = prepared.cipher();
        if self.enctype.sha2() {
            // Encrypt-then-MAC: check before decrypting.
            let mut m = hmac::Context::with_key(ki);
            m.update(&[0u8; BLOCK]);
            m.update(c);
            if !super::ct_eq(&m.sign().as_ref()[..h], tag) {
                return Err(SecError::new(SEC_E_MESSAGE_ALTERED, "integrity check failed"));
            }
            let mut p = cts_decrypt_with(aes.block(), c);
            p.drain(..CONFOUNDER_LEN);
            Ok(p)
        } else {
            let mut p = cts_decrypt_with(aes.block(), c);
            let expected = hmac::sign(ki, &p);
            if !super::ct_eq(&expected.as_ref()[..h], tag) {
                return Err(SecError::new(SEC_E_MESSAGE_ALTERED, "integrity check failed"));
            }
            p.drain(..CONFOUNDER_LEN);
            Ok(p)
        }
    }

    /// The keyed checksum of `data` for `usage` (hmac-sha1-96-aes*,
    /// hmac-sha256-128-aes128, hmac-sha384-192-aes256).
    pub fn checksum(&self, usage: u32, data: &[u8]) -> Vec<u8> {
        self.checksum_parts(usage, &[data])
    }

    /// [`Key::checksum`] of the concatenation of `parts`, without making it.
    pub fn checksum_parts(&self, usage: u32, parts: &[&[u8]]) -> Vec<u8> {
        let prepared = self.prepared(usage, true);
        let Prepared::Checksum(kc) = &**prepared else { unreachable!("asked for a checksum usage") };
        let mut h = hmac::Context::with_key(kc);
        for part in parts {
            h.update(part);
        }
        h.sign().as_ref()[..self.enctype.mac_len()].to_vec()
    }

    /// Checks a keyed checksum in constant time.
    pub fn verify_checksum(&self, usage: u32, data: &[u8], checksum: &[u8]) -> bool {
        super::ct_eq(&self.checksum(usage, data), checksum)
    }

    /// [`Key::verify_checksum`] over the concatenation of `parts`.
    pub fn verify_checksum_parts(&self, usage: u32, parts: &[&[u8]], checksum: &[u8]) -> bool {
        super::ct_eq(&self.checksum_parts(usage, parts), checksum)
    }
}

/// Checks a checksum type number against what we compute.
pub fn enctype_for_checksum(cksumtype: i32) -> SecResult<Enctype> {
    Enctype::ALL
        .into_iter()
        .find(|e| e.checksum_type() == cksumtype)
        .ok_or(SecError::new(SEC_E_UNSUPPORTED_FUNCTION, "unsupported checksum type"))
}

/// RFC 3961 section 5.1 n-fold: `input` stretched or folded to `out_len` bytes.
pub fn nfold(input: &[u8], out_len: usize) -> Vec<u8> {
    let in_len = input.len();
    if in_len == 0 || out_len == 0 {
        return vec![0; out_len];
    }
    let gcd = |mut a: usize, mut b: usize| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    let lcm = in_len / gcd(in_len, out_len) * out_len;
    let in_bits = in_len * 8;
    let mut out = vec![0u8; out_len];
    let mut carry: u32 = 0;
    // Walk the lcm-long concatenation of rotated copies from its last byte,
    // adding each byte into the output with end-around carry.
    for i in (0..lcm).rev() {
        // Byte i of the expanded string: copy number i / in_len, rotated right by 13 bits per copy.
        let copy = i / in_len;
        let rot = (13 * copy) % in_bits;
        let byte_pos = i % in_len;
        // Bit offset (from the start) in the original input of this byte's first bit.
        let start = (byte_pos * 8 + in_bits - rot) % in_bits;
        let mut b: u32 = 0;
        for k in 0..8 {
            let bit = (start + k) % in_bits;
            let v = (input[bit / 8] >> (7 - bit % 8)) & 1;
            b = (b << 1) | v as u32;
        }
        let o = i % out_len;
        carry += out[o] as u32 + b;
        out[o] = carry as u8;
        carry >>= 8;
    }
    // End-around carry.
    while carry != 0 {
        for o in (0..out_len).rev() {
            carry += out[o] as u32;
            out[o] = carry as u8;
            carry >>= 8;
            if carry == 0 {
                break;
            }
        }
    }
    out
}

fn with_aes<R>(key: &[u8], f: impl FnOnce(&dyn AesBlock) -> R) -> R {
    match key.len() {
        16 => f(&aes::Aes128::new(GenericArray::from_slice(key))),
        32 => f(&aes::Aes256::new(GenericArray::from_slice(key))),
        n => unreachable!("AES key of {n} bytes"),
    }
}

/// The two block operations CTS needs, for either key size.
trait AesBlock {
    fn enc(&self, b: &mut [u8; BLOCK]);
    fn dec(&self, b: &mut [u8; BLOCK]);
}

impl<T: BlockEncrypt + BlockDecrypt> AesBlock for T {
    fn enc(&self, b: &mut [u8; BLOCK]) {
        self.encrypt_block(GenericArray::from_mut_slice(b));
    }
    fn dec(&self, b: &mut [u8; BLOCK]) {
        self.decrypt_block(GenericArray::from_mut_slice(b));
    }
}

fn aes_block_encrypt(key: &[u8], block: &[u8; BLOCK]) -> [u8; BLOCK] {
    let mut b = *block;
    with_aes(key, |a| a.enc(&mut b));
    b
}

fn xor(a: &mut [u8; BLOCK], b: &[u8]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x ^= y;
    }
}

/// AES-CBC with ciphertext stealing (RFC 3962 section 5: the last two
/// blocks swapped, the final one truncated), zero IV. `p` is at least one block.
pub fn cts_encrypt(key: &[u8], p: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(p.len());
    with_aes(key, |a| cts_encrypt_into(a, p, &mut out));
    out
}

/// [`cts_encrypt`] with a key schedule, appending to `out`.
fn cts_encrypt_into(a: &dyn AesBlock, p: &[u8], out: &mut Vec<u8>) {
    assert!(p.len() >= BLOCK, "CTS needs at least one block");
    {
        let n = p.len().div_ceil(BLOCK);
        let mut prev = [0u8; BLOCK];
        // Every block but the last two, in plain CBC.
        for i in 0..n.saturating_sub(2) {
            let mut b: [u8; BLOCK] = p[i * BLOCK..(i + 1) * BLOCK].try_into().expect("full block");
            xor(&mut b, &prev);
            a.enc(&mut b);
            out.extend_from_slice(&b);
            prev = b;
        }
        if n == 1 {
            let mut b: [u8; BLOCK] = p.try_into().expect("one block");
            a.enc(&mut b);
            out.extend_from_slice(&b);
            return;
        }
        let second = &p[(n - 2) * BLOCK..(n - 1) * BLOCK];
        let last = &p[(n - 1) * BLOCK..];
        let mut c1: [u8; BLOCK] = second.try_into().expect("full block");
        xor(&mut c1, &prev);
        a.enc(&mut c1);
        let mut c2 = [0u8; BLOCK];
        c2[..last.len()].copy_from_slice(last);
        xor(&mut c2, &c1);
        a.enc(&mut c2);
        out.extend_from_slice(&c2);
        out.extend_from_slice(&c1[..last.len()]);
    }
}

/// The inverse of [`cts_encrypt`].
pub fn cts_decrypt(key: &[u8], c: &[u8]) -> Zeroizing<Vec<u8>> {
    with_aes(key, |a| cts_decrypt_with(a, c))
}

/// [`cts_decrypt`] with a key schedule.
fn cts_decrypt_with(a: &dyn AesBlock, c: &[u8]) -> Zeroizing<Vec<u8>> {
    assert!(c.len() >= BLOCK, "CTS needs at least one block");
    {
        let n = c.len().div_ceil(BLOCK);
        let mut out = Zeroizing::new(Vec::with_capacity(c.len()));
        let mut prev = [0u8; BLOCK];
        for i in 0..n.saturating_sub(2) {
            let cb: [u8; BLOCK] = c[i * BLOCK..(i + 1) * BLOCK].try_into().expect("full block");
            let mut b = cb;
            a.dec(&mut b);
            xor(&mut b, &prev);
            out.extend_from_slice(&b);
            prev = cb;
        }
        if n == 1 {
            let mut b: [u8; BLOCK] = c.try_into().expect("one block");
            a.dec(&mut b);
            out.extend_from_slice(&b);
            return out;
        }
        // The stolen pair: X (a full block, encrypted last) then Y (the partial tail).
        let x: [u8; BLOCK] = c[(n - 2) * BLOCK..(n - 1) * BLOCK].try_into().expect("full block");
        let y = &c[(n - 1) * BLOCK..];
        let d = y.len();
        let mut t = x;
        a.dec(&mut t);
        // The original second-to-last ciphertext block: Y then the tail of D(X).
        let mut cn1 = t;
        cn1[..d].copy_from_slice(y);
        let mut last = t;
        xor(&mut last, &cn1);
        let mut second = cn1;
        a.dec(&mut second);
        xor(&mut second, &prev);
        out.extend_from_slice(&second);
        out.extend_from_slice(&last[..d]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hex;
    use Enctype::*;

    #[test]
    fn nfold_rfc3961_vectors() {
        // RFC 3961 appendix A.1.
        let cases: [(&[u8], usize, &str); 5] = [
            (b"012345", 8, "be072631276b1955"),
            (b"password", 7, "78a07b6caf85fa"),
            (b"Rough Consensus, and Running Code", 8, "bb6ed30870b7f0e0"),
            (b"password", 21, "59e4a8ca7c0385c3c37b3f6d2000247cb6e6bd5b3e"),
            (b"MASSACHVSETTS INSTITVTE OF TECHNOLOGY", 24, "db3b0d8f0b061e603282b308a50841229ad798fab9540c1b"),
        ];
        for (input, n, want) in cases {
            assert_eq!(nfold(input, n), hex(want), "{}-fold of {:?}", n * 8, core::str::from_utf8(input));
        }
        // 128-fold("kerberos"), used by every AES string-to-key (RFC 3961 A.1).
        assert_eq!(nfold(b"kerberos", 16), hex("6b65726265726f737b9b5b2b93132b93"));
    }

    #[test]
    fn string_to_key_rfc3962_and_rfc8009_vectors() {
        // RFC 3962 appendix B (the salt "ATHENA.MIT.EDUraeburn", iteration counts 1, 2, 1200, ...)
        // and RFC 8009 appendix A.
        let athena = b"ATHENA.MIT.EDUraeburn".as_slice();
        let x64 = vec![b'X'; 64];
        let x65 = vec![b'X'; 65];
        let g_clef = "\u{1D11E}".as_bytes();
        type Case<'a> = (Enctype, &'a [u8], Vec<u8>, u32, &'a str);
        let cases: Vec<Case> = vec![
            (Aes128Sha1, b"password", athena.to_vec(), 1, "42263c6e89f4fc28b8df68ee09799f15"),
            (
                Aes256Sha1,
                b"password",
                athena.to_vec(),
                1,
                "fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161",
            ),
            (Aes128Sha1, b"password", athena.to_vec(), 2, "c651bf29e2300ac27fa469d693bdda13"),
            (
                Aes256Sha1,
                b"password",
                athena.to_vec(),
                2,
                "a2e16d16b36069c135d5e9d2e25f896102685618b95914b467c67622225824ff",
            ),
            (Aes128Sha1, b"password", athena.to_vec(), 1200, "4c01cd46d632d01e6dbe230a01ed642a"),
            (
                Aes256Sha1,
                b"password",
                athena.to_vec(),
                1200,
                "55a6ac740ad17b4846941051e1e8b0a7548d93b0ab30a8bc3ff16280382b8c2a",
            ),
            (Aes128Sha1, b"password", hex("1234567878563412"), 5, "e9b23d52273747dd5c35cb55be619d8e"),
            (
                Aes256Sha1,
                b"password",
                hex("1234567878563412"),
                5,
                "97a4e786be20d81a382d5ebc96d5909cabcdadc87ca48f574504159f16c36e31",
            ),
            (Aes128Sha1, &x64, b"pass phrase equals block size".to_vec(), 1200, "59d1bb789a828b1aa54ef9c2883f69ed"),
            (
                Aes256Sha1,
                &x64,
                b"pass phrase equals block size".to_vec(),
                1200,
                "89adee3608db8bc71f1bfbfe459486b05618b70cbae22092534e56c553ba4b34",
            ),
            (Aes128Sha1, &x65, b"pass phrase exceeds block size".to_vec(), 1200, "cb8005dc5f90179a7f02104c0018751d"),
            (
                Aes256Sha1,
                &x65,
                b"pass phrase exceeds block size".to_vec(),
                1200,
                "d78c5c9cb872a8c9dad4697f0bb5b2d21496c82beb2caeda2112fceea057401b",
            ),
            (Aes128Sha1, g_clef, b"EXAMPLE.COMpianist".to_vec(), 50, "f149c1f2e154a73452d43e7fe62a56e5"),
            (
                Aes256Sha1,
                g_clef,
                b"EXAMPLE.COMpianist".to_vec(),
                50,
                "4b6d9839f84406df1f09cc166db4b83c571848b784a3d6bdc346589a3e393f9e",
            ),
            (
                Aes128Sha256,
                b"password",
                [hex("10df9dd783e5bc8acea1730e74355f61"), athena.to_vec()].concat(),
                32768,
                "089bca48b105ea6ea77ca5d2f39dc5e7",
            ),
            (
                Aes256Sha384,
                b"password",
                [hex("10df9dd783e5bc8acea1730e74355f61"), athena.to_vec()].concat(),
                32768,
                "45bd806dbf6a833a9cffc1c94589a222367a79bc21c413718906e9f578a78467",
            ),
        ];
        for (e, pw, salt, iter, want) in cases {
            let k = e.string_to_key(pw, &salt, Some(&iter.to_be_bytes())).unwrap();
            assert_eq!(k.bytes(), hex(want), "{e:?} {iter}");
        }
        // The default iteration count is the one the vectors' sha2 cases use.
        let k = Aes128Sha256
            .string_to_key(b"password", &[hex("10df9dd783e5bc8acea1730e74355f61"), athena.to_vec()].concat(), None)
            .unwrap();
        assert_eq!(k.bytes(), hex("089bca48b105ea6ea77ca5d2f39dc5e7"));
        assert!(Aes128Sha1.string_to_key(b"p", b"s", Some(&[0, 0, 0, 0])).is_err());
        assert!(Aes128Sha1.string_to_key(b"p", b"s", Some(&[1])).is_err());
    }

    #[test]
    fn derived_keys_rfc3962_and_rfc8009_vectors() {
        // Kc, Ke, Ki for usage 2 (RFC 3961/3962 examples as MIT tests them; RFC 8009 appendix A).
        let cases = [
            (Aes128Sha1, "42263c6e89f4fc28b8df68ee09799f15", 0x99u8, "34280a382bc92769b2da2f9ef066854b"),
            (Aes128Sha1, "42263c6e89f4fc28b8df68ee09799f15", 0xaa, "5b14fc4e250e14ddf9dccf1af6674f53"),
            (Aes128Sha1, "42263c6e89f4fc28b8df68ee09799f15", 0x55, "4ed31063621684f09ae8d89991af3e8f"),
            (
                Aes256Sha1,
                "fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161",
                0x99,
                "bfab388bdcb238e9f9c98d6a878304f04d30c82556375ac507a7a852790f4674",
            ),
            (
                Aes256Sha1,
                "fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161",
                0xaa,
                "c7cfd9cd75fe793a586a542d87e0d1396f1134a104bb1a9190b8c90ada3ddf37",
            ),
            (
                Aes256Sha1,
                "fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161",
                0x55,
                "97151b4c76945063e2eb0529dc067d97d7bba90776d8126d91f34f3101aea8ba",
            ),
            (Aes128Sha256, "3705d96080c17728a0e800eab6e0d23c", 0x99, "b31a018a48f54776f403e9a396325dc3"),
            (Aes128Sha256, "3705d96080c17728a0e800eab6e0d23c", 0xaa, "9b197dd1e8c5609d6e67c3e37c62c72e"),
            (Aes128Sha256, "3705d96080c17728a0e800eab6e0d23c", 0x55, "9fda0e56ab2d85e1569a688696c26a6c"),
            (
                Aes256Sha384,
                "6d404d37faf79f9df0d33568d320669800eb4836472ea8a026d16b7182460c52",
                0x99,
                "ef5718be86cc84963d8bbb5031e9f5c4ba41f28faf69e73d",
            ),
            (
                Aes256Sha384,
                "6d404d37faf79f9df0d33568d320669800eb4836472ea8a026d16b7182460c52",
                0xaa,
                "56ab22bee63d82d7bc5227f6773f8ea7a5eb1c825160c38312980c442e5c7e49",
            ),
            (
                Aes256Sha384,
                "6d404d37faf79f9df0d33568d320669800eb4836472ea8a026d16b7182460c52",
                0x55,
                "69b16514e3cd8e56b82010d5c73012b622c4d00ffc23ed1f",
            ),
        ];
        for (e, key, kind, want) in cases {
            let k = Key::new(e, &hex(key)).unwrap();
            let want = hex(want);
            let got = match kind {
                0x99 => k.checksum_key(2),
                0xaa => k.usage_keys(2).ke,
                _ => k.usage_keys(2).ki,
            };
            assert_eq!(*got, want, "{e:?} {kind:#x}");
        }
    }

    /// (enctype, plaintext, usage, key, ciphertext): RFC 8009 appendix A for
    /// 19 and 20; MIT krb5's decryption vectors (t_decrypt.c) for 17 and 18.
    const CIPHERTEXTS: &[(Enctype, &str, u32, &str, &str)] = &[
        (Aes128Sha1, "", 0, "5a5c0f0ba54f3828b2195e66ca24a289", "49ff8e11c173d9583a3254fbe7b1f1df36c538e8416784a1672e6676"),
        (Aes128Sha1, "31", 1, "98450e3f3baa13f5c99beb936981b06f", "f86742f537b35dc2174a4dbaa920faf9042090b065e1ebb1cad9a65394"),
        (Aes128Sha1, "392062797465737373", 2, "9062430c8cda3388922e6d6a509f5b7a", "68fb9679601f45c78857b2bf820fd6e53eca8d42fd4b1d7024a09205abb7cd2ec26c355d2f"),
        (Aes128Sha1, "31332062797465732062797465", 3, "033ee6502c54fd23e27791e987983827", "ec366d0327a933bf49330e650e49bc6b974637fe80bf532fe51795b4809718e6194724db948d1fd637"),
        (Aes128Sha1, "333020627974657320627974657320627974657320627974657320627974", 4, "dceeb70b3de76562e689226c76429148", "c96081032d5d8eeb7e32b4089f789d0faa481dea74c0f97cbf3146ddfcf8e800156ecb532fc203e30ff600b63b350939fece510f02d7ff1e7bac"),
        (Aes256Sha1, "", 0, "17f275f2954f2ed1f90c377ba7f4d6a369aa0136e0bf0c927ad6133c693759a9", "e5094c55ee7b38262e2b044280b069379a95bf95bd8376fb3281b435"),
        (Aes256Sha1, "31", 1, "b9477e1ff0329c0050e20ce6c72d2dff27e8fe541ab0954429a9cb5b4f7b1e2a", "406150b97aeb76d43b36b62cc1ecdfbe6f40e95755e0beb5c27825f3a4"),
        (Aes256Sha1, "392062797465737373", 2, "b1ae4cd8462aff1677053cc9279aac30b796fb81ce21474dd3ddbcfea4ec76d7", "09957aa25fcaf88f7b39e4406e633012d5fea21853f6478da7065caef41fd454a40824eec5"),
        (Aes256Sha1, "31332062797465732062797465", 3, "e5a72be9b7926c1225bafef9c1872e7ba4cdb2b17893d84abd90acdd8764d966", "d8f1aafeec84587cc3e700a774e56651a6d693e174ec4473b5e6d96f80297a653fb818ad893e719f96"),
        (Aes256Sha1, "333020627974657320627974657320627974657320627974657320627974", 4, "f1c795e9248a09338d82c3f8d5b567040b0110736845041347235b1404231398", "d1137a4d634cfece924dbc3bf6790648bd5cff7de0e7b99460211d0daef3d79a295c688858f3b34b9cbd6eebae81daf6b734d4d498b6714f1c1d"),
        (Aes128Sha256, "", 2, "3705d96080c17728a0e800eab6e0d23c", "ef85fb890bb8472f4dab20394dca781dad877eda39d50c870c0d5a0a8e48c718"),
        (Aes128Sha256, "000102030405", 2, "3705d96080c17728a0e800eab6e0d23c", "84d7f30754ed987bab0bf3506beb09cfb55402cef7e6877ce99e247e52d16ed4421dfdf8976c"),
        (Aes128Sha256, "000102030405060708090a0b0c0d0e0f", 2, "3705d96080c17728a0e800eab6e0d23c", "3517d640f50ddc8ad3628722b3569d2ae07493fa8263254080ea65c1008e8fc295fb4852e7d83e1e7c48c37eebe6b0d3"),
        (Aes128Sha256, "000102030405060708090a0b0c0d0e0f1011121314", 2, "3705d96080c17728a0e800eab6e0d23c", "720f73b18d9859cd6ccb4346115cd336c70f58edc0c4437c5573544c31c813bce1e6d072c186b39a413c2f92ca9b8334a287ffcbfc"),
        (Aes256Sha384, "", 2, "6d404d37faf79f9df0d33568d320669800eb4836472ea8a026d16b7182460c52", "41f53fa5bfe7026d91faf9be959195a058707273a96a40f0a01960621ac612748b9bbfbe7eb4ce3c"),
        (Aes256Sha384, "000102030405", 2, "6d404d37faf79f9df0d33568d320669800eb4836472ea8a026d16b7182460c52", "4ed7b37c2bcac8f74f23c1cf07e62bc7b75fb3f637b9f559c7f664f69eab7b6092237526ea0d1f61cb20d69d10f2"),
        (Aes256Sha384, "000102030405060708090a0b0c0d0e0f", 2, "6d404d37faf79f9df0d33568d320669800eb4836472ea8a026d16b7182460c52", "bc47ffec7998eb91e8115cf8d19dac4bbbe2e163e87dd37f49beca92027764f68cf51f14d798c2273f35df574d1f932e40c4ff255b36a266"),
        (Aes256Sha384, "000102030405060708090a0b0c0d0e0f1011121314", 2, "6d404d37faf79f9df0d33568d320669800eb4836472ea8a026d16b7182460c52", "40013e2df58e8751957d2878bcd2d6fe101ccfd556cb1eae79db3c3ee86429f2b2a602ac86fef6ecb647d6295fae077a1feb517508d2c16b4192e01f62"),
    ];

    #[test]
    fn decrypts_known_ciphertexts_and_reencrypts_them() {
        for &(e, plain, usage, key, ct) in CIPHERTEXTS {
            let k = Key::new(e, &hex(key)).unwrap();
            let ct = hex(ct);
            let p = k.decrypt(usage, &ct).unwrap_or_else(|err| panic!("{e:?} usage {usage}: {err:?}"));
            assert_eq!(*p, hex(plain), "{e:?} usage {usage}");
            // The same confounder (the first plaintext block) gives the same ciphertext back.
            let keys = k.usage_keys(usage);
            let full = cts_decrypt(&keys.ke, &ct[..ct.len() - e.mac_len()]);
            let conf: [u8; 16] = full[..16].try_into().unwrap();
            assert_eq!(k.encrypt_with_confounder(usage, &conf, &hex(plain)), ct, "{e:?} usage {usage} re-encrypted");
            // Any flipped bit is caught.
            for i in [0, ct.len() / 2, ct.len() - 1] {
                let mut bad = ct.clone();
                bad[i] ^= 0x01;
                assert_eq!(k.decrypt(usage, &bad).unwrap_err().status, SEC_E_MESSAGE_ALTERED, "{e:?} byte {i}");
            }
            assert_eq!(k.decrypt(usage + 1, &ct).unwrap_err().status, SEC_E_MESSAGE_ALTERED, "another usage");
            assert_eq!(k.decrypt(usage, &ct[..e.overhead() - 1]).unwrap_err().status, SEC_E_INVALID_TOKEN);
        }
    }

    #[test]
    fn checksums_rfc3962_and_rfc8009_vectors() {
        let cases = [
            (
                Aes128Sha1,
                b"eight nine ten eleven twelve thirteen".to_vec(),
                3,
                "9062430c8cda3388922e6d6a509f5b7a",
                "01a4b088d45628f6946614e3",
            ),
            (
                Aes256Sha1,
                b"fourteen".to_vec(),
                4,
                "b1ae4cd8462aff1677053cc9279aac30b796fb81ce21474dd3ddbcfea4ec76d7",
                "e08739e3279e2903ec8e3836",
            ),
            (
                Aes128Sha256,
                hex("000102030405060708090a0b0c0d0e0f1011121314"),
                2,
                "3705d96080c17728a0e800eab6e0d23c",
                "d78367186643d67b411cba9139fc1dee",
            ),
            (
                Aes256Sha384,
                hex("000102030405060708090a0b0c0d0e0f1011121314"),
                2,
                "6d404d37faf79f9df0d33568d320669800eb4836472ea8a026d16b7182460c52",
                "45ee791567eefca37f4ac1e0222de80d43c3bfa06699672a",
            ),
        ];
        for (e, data, usage, key, want) in cases {
            let k = Key::new(e, &hex(key)).unwrap();
            assert_eq!(k.checksum(usage, &data), hex(want), "{e:?}");
            assert!(k.verify_checksum(usage, &data, &hex(want)));
            assert!(!k.verify_checksum(usage + 1, &data, &hex(want)));
            assert!(!k.verify_checksum(usage, &data[1..], &hex(want)));
            assert_eq!(enctype_for_checksum(e.checksum_type()).unwrap(), e);
        }
    }

    #[test]
    fn cts_round_trips_every_length() {
        for key in [vec![7u8; 16], vec![9u8; 32]] {
            for len in 16..80 {
                let p: Vec<u8> = (0..len as u8).collect();
                let c = cts_encrypt(&key, &p);
                assert_eq!(c.len(), len);
                assert_eq!(*cts_decrypt(&key, &c), p, "length {len}");
            }
        }
    }

    #[test]
    fn random_encryption_round_trips() {
        for e in Enctype::ALL {
            let k = Key::random(e).unwrap();
            let c1 = k.encrypt(7, b"hello").unwrap();
            let c2 = k.encrypt(7, b"hello").unwrap();
            assert_ne!(c1, c2, "fresh confounders");
            assert_eq!(c1.len(), 5 + e.overhead());
            assert_eq!(&*k.decrypt(7, &c1).unwrap(), b"hello");
            assert_eq!(Enctype::from_number(e.number()), Some(e));
            assert_eq!(Enctype::from_name(e.name()), vec![e]);
        }
        assert!(Enctype::from_number(23).is_none(), "rc4-hmac is not offered");
        assert!(Key::new(Aes128Sha1, &[0; 32]).is_err());
    }
}
