//! Primitives ring does not offer, behind a small interface: MD4 (RFC 1320),
//! MD5 (RFC 1321), HMAC-MD5 (RFC 2104), RC4, and (`nat`) the arithmetic that derives an RSA
//! key's CRT values from its primes. The hashes are RustCrypto crates;
//! this module pins the shapes the protocols use (16-byte digests, 128-bit
//! RC4 keys) and carries the RFCs' known-answer tests. Nothing protocol
//! specific lives here.

pub mod kerberos;
pub mod nat;

use hmac::{Hmac, Mac};
use md4::Md4;
use md5::{Digest, Md5};
use zeroize::Zeroize;

/// Constant-time equality of two byte strings (MACs, checksums, hashes);
/// the lengths are not secret.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// MD4 of `data`.
pub fn md4(data: &[u8]) -> [u8; 16] {
    Md4::digest(data).into()
}

/// MD5 of the concatenation of `parts`.
pub fn md5(parts: &[&[u8]]) -> [u8; 16] {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// HMAC-MD5 under `key` of the concatenation of `parts`.
pub fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    // HMAC accepts keys of any length: `new_from_slice` cannot fail.
    let mut m = <Hmac<Md5> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// An RC4 keystream under a 128-bit key, wiped on drop.
///
/// Written here rather than taken from the `rc4` crate because protocols
/// need to copy the state: NTLM tries a message against a copy and keeps it
/// only when the signature verifies, so a forged message does not
/// desynchronise the real stream, and that crate's state cannot be cloned.
#[derive(Clone)]
pub struct Rc4 {
    s: [u8; 256],
    i: u8,
    j: u8,
}

impl Rc4 {
    pub fn new(key: &[u8; 16]) -> Self {
        let mut s = [0u8; 256];
        for (k, v) in s.iter_mut().enumerate() {
            *v = k as u8;
        }
        let mut j = 0u8;
        for k in 0..256 {
            j = j.wrapping_add(s[k]).wrapping_add(key[k % key.len()]);
            s.swap(k, j as usize);
        }
        Self { s, i: 0, j: 0 }
    }

    /// Encrypts or decrypts `data` in place, continuing the keystream.
    pub fn apply(&mut self, data: &mut [u8]) {
        // The indices in locals (registers), the table indexed by u8 (no bounds checks).
        let (mut i, mut j) = (self.i, self.j);
        let s = &mut self.s;
        for b in data {
            i = i.wrapping_add(1);
            let si = s[i as usize];
            j = j.wrapping_add(si);
            let sj = s[j as usize];
            s[i as usize] = sj;
            s[j as usize] = si;
            *b ^= s[si.wrapping_add(sj) as usize];
        }
        (self.i, self.j) = (i, j);
    }
}

impl Drop for Rc4 {
    fn drop(&mut self) {
        self.s.zeroize();
        self.i.zeroize();
        self.j.zeroize();
    }
}

/// A 16-byte secret wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Key16(pub [u8; 16]);

impl Drop for Key16 {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl core::fmt::Debug for Key16 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Key16(..)")
    }
}

/// Fills `buf` with random bytes from the system generator.
pub fn random(buf: &mut [u8]) -> Result<(), crate::error::SecError> {
    use ring::rand::SecureRandom;
    ring::rand::SystemRandom::new().fill(buf).map_err(|_| crate::error::SecError::internal("no system randomness"))
}

#[cfg(test)]
pub(crate) fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ct_eq_works() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }

    #[test]
    fn md4_rfc1320() {
        let cases: &[(&str, &str)] = &[
            ("", "31d6cfe0d16ae931b73c59d7e0c089c0"),
            ("a", "bde52cb31de33e46245e05fbdbd6fb24"),
            ("abc", "a448017aaf21d8525fc10ae87aa6729d"),
            ("message digest", "d9130a8164549fe818874806e1c7014b"),
            ("abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "e33b4ddc9c38f2199c3e7b164fcc0536",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(md4(input.as_bytes()).to_vec(), hex(want), "MD4({input:?})");
        }
    }

    #[test]
    fn md5_rfc1321() {
        let cases: &[(&str, &str)] = &[
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(md5(&[input.as_bytes()]).to_vec(), hex(want), "MD5({input:?})");
        }
        // Parts are concatenated.
        assert_eq!(md5(&[b"mess", b"age ", b"digest"]).to_vec(), hex("f96b697d7cb7938d525a2f31aaf161d0"));
    }

    #[test]
    fn hmac_md5_rfc2202() {
        assert_eq!(hmac_md5(&[0x0b; 16], &[b"Hi There"]).to_vec(), hex("9294727a3638bb1c13f48ef8158bfc9d"));
        assert_eq!(
            hmac_md5(b"Jefe", &[b"what do ya want ", b"for nothing?"]).to_vec(),
            hex("750c783e6ab0b503eaa86e310a5db738")
        );
        assert_eq!(hmac_md5(&[0xaa; 16], &[&[0xdd; 50]]).to_vec(), hex("56be34521d144c88dbb8c733f0e8b3f6"));
        // A key longer than the block is hashed first (test case 6).
        assert_eq!(
            hmac_md5(&[0xaa; 80], &[b"Test Using Larger Than Block-Size Key - Hash Key First"]).to_vec(),
            hex("6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd")
        );
    }

    #[test]
    fn rc4_rfc6229_128bit_key() {
        let key: [u8; 16] = hex("0102030405060708090a0b0c0d0e0f10").try_into().unwrap();
        let mut ks = [0u8; 32];
        Rc4::new(&key).apply(&mut ks);
        assert_eq!(ks.to_vec(), hex("9ac7cc9a609d1ef7b2932899cde41b97 5248c4959014126a6e8a84f11d1a9e1c"));
        // The keystream continues across calls.
        let mut c = Rc4::new(&key);
        let (mut a, mut b) = ([0u8; 5], [0u8; 27]);
        c.apply(&mut a);
        c.apply(&mut b);
        assert_eq!([a.as_slice(), b.as_slice()].concat(), ks.to_vec());
    }
}
