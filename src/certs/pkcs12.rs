//! PKCS#12 (PFX) import: the MAC check, the password-based encryption
//! schemes OpenSSL and Windows produce (PBES2 with PBKDF2 and AES or 3DES,
//! and the legacy PKCS#12 PBEs with 3DES and RC2), and the bags inside.
//!
//! Passwords follow Windows: a NULL and an empty password are tried both
//! ways (no bytes, and the BMPString terminator alone), since producers
//! disagree on which one "no password" means. Decrypted key material lives
//! in `Zeroizing` buffers.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, InnerIvInit, KeyIvInit};
use ring::{digest, hmac, pbkdf2};
use zeroize::Zeroizing;

use super::x509::AlgId;
use crate::abi::{CRYPT_E_BAD_ENCODE, ERROR_INVALID_PASSWORD, NTE_BAD_ALGID, NTE_BAD_DATA};
use crate::der::{self, Reader};
use crate::error::{SecError, SecResult};

const OID_DATA: &str = "1.2.840.113549.1.7.1";
const OID_ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
const OID_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.1";
const OID_SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
const OID_CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
const OID_SAFE_CONTENTS_BAG: &str = "1.2.840.113549.1.12.10.1.6";
const OID_X509_CERT: &str = "1.2.840.113549.1.9.22.1";
const OID_FRIENDLY_NAME: &str = "1.2.840.113549.1.9.20";
const OID_LOCAL_KEY_ID: &str = "1.2.840.113549.1.9.21";
const OID_PBES2: &str = "1.2.840.113549.1.5.13";
const OID_PBKDF2: &str = "1.2.840.113549.1.5.12";

/// Most PBKDF2 / PKCS#12 KDF iterations we run (a hostile file must not
/// pin a CPU for minutes).
const MAX_ITERATIONS: u64 = 10_000_000;
/// Deepest nesting of SafeContents bags we follow.
const MAX_BAG_DEPTH: usize = 4;

/// A certificate found in a PFX.
#[derive(Clone, Debug)]
pub struct CertBag {
    pub der: Vec<u8>,
    pub local_key_id: Option<Vec<u8>>,
    pub friendly_name: Option<String>,
}

/// A private key found in a PFX, as a PKCS#8 PrivateKeyInfo.
#[derive(Clone)]
pub struct KeyBag {
    pub pkcs8: Zeroizing<Vec<u8>>,
    pub local_key_id: Option<Vec<u8>>,
    pub friendly_name: Option<String>,
}

impl core::fmt::Debug for KeyBag {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyBag").field("local_key_id", &self.local_key_id).finish_non_exhaustive()
    }
}

/// Everything a PFX holds that we use.
#[derive(Debug, Default)]
pub struct Contents {
    pub certs: Vec<CertBag>,
    pub keys: Vec<KeyBag>,
}

/// A password in the encodings the schemes need.
pub struct Password {
    /// BMPString encodings to try for the MAC and the PKCS#12 PBEs.
    bmp: Vec<Zeroizing<Vec<u8>>>,
    /// The UTF-8 bytes PBKDF2 uses (PBES2).
    utf8: Zeroizing<Vec<u8>>,
}

impl Password {
    /// `None` is a NULL password.
    pub fn new(p: Option<&str>) -> Self {
        let utf8 = Zeroizing::new(p.unwrap_or("").as_bytes().to_vec());
        let bmp = match p {
            Some(s) if !s.is_empty() => {
                let mut v: Vec<u8> = s.encode_utf16().flat_map(u16::to_be_bytes).collect();
                v.extend([0, 0]);
                vec![Zeroizing::new(v)]
            }
            // NULL and "" are each tried both ways, as Windows does.
            _ => vec![Zeroizing::new(vec![0, 0]), Zeroizing::new(Vec::new())],
        };
        Self { bmp, utf8 }
    }

    fn with_bmp(&self, bmp: &[u8]) -> Self {
        Self { bmp: vec![Zeroizing::new(bmp.to_vec())], utf8: self.utf8.clone() }
    }
}

fn bad_password() -> SecError {
    SecError::new(ERROR_INVALID_PASSWORD as i32, "wrong PFX password")
}

/// The outer structure: (authSafe content bytes, MacData reader if present).
struct Pfx<'a> {
    auth_safe: std::borrow::Cow<'a, [u8]>,
    mac: Option<Reader<'a>>,
}

fn parse_pfx(data: &[u8]) -> SecResult<Pfx<'_>> {
    let mut outer = Reader::ber(data);
    let mut pfx = outer.sequence()?;
    if !outer.is_empty() {
        return Err(der::corrupt("trailing data after the PFX"));
    }
    if pfx.small_uint()? != 3 {
        return Err(SecError::new(CRYPT_E_BAD_ENCODE, "PFX version is not 3"));
    }
    let mut ci = pfx.sequence()?;
    if ci.oid()? != OID_DATA {
        // Public-key integrity (signedData) is not used by any producer we know of.
        return Err(SecError::new(CRYPT_E_BAD_ENCODE, "PFX authSafe is not password-integrity data"));
    }
    let mut content = ci.nested(der::context(0))?;
    let auth_safe = content.octet_string()?;
    let mac = if pfx.is_empty() { None } else { Some(pfx.sequence()?) };
    Ok(Pfx { auth_safe, mac })
}

/// `PFXIsPFXBlob`: whether `data` decodes as a PFX.
pub fn is_pfx(data: &[u8]) -> bool {
    parse_pfx(data).is_ok()
}

/// The digest of a hash OID (MAC, KDF and PBKDF2 PRF choices).
fn digest_of(oid: &str) -> Option<&'static digest::Algorithm> {
    Some(match oid {
        "1.3.14.3.2.26" => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        "2.16.840.1.101.3.4.2.1" => &digest::SHA256,
        "2.16.840.1.101.3.4.2.2" => &digest::SHA384,
        "2.16.840.1.101.3.4.2.3" => &digest::SHA512,
        _ => return None,
    })
}

fn hmac_of(alg: &'static digest::Algorithm) -> hmac::Algorithm {
    if alg == &digest::SHA256 {
        hmac::HMAC_SHA256
    } else if alg == &digest::SHA384 {
        hmac::HMAC_SHA384
    } else if alg == &digest::SHA512 {
        hmac::HMAC_SHA512
    } else {
        hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY
    }
}

fn iterations(n: u64) -> SecResult<u32> {
    if n == 0 || n > MAX_ITERATIONS {
        return Err(SecError::new(CRYPT_E_BAD_ENCODE, "iteration count out of range"));
    }
    Ok(n as u32)
}

/// The PKCS#12 key derivation function (RFC 7292, appendix B.2).
pub fn pkcs12_kdf(
    alg: &'static digest::Algorithm,
    password: &[u8],
    salt: &[u8],
    rounds: u32,
    id: u8,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    let u = alg.output_len();
    let v = alg.block_len();
    let fill = |x: &[u8]| -> Vec<u8> {
        if x.is_empty() {
            Vec::new()
        } else {
            (0..v * x.len().div_ceil(v)).map(|i| x[i % x.len()]).collect()
        }
    };
    let mut i_buf = Zeroizing::new(fill(salt));
    i_buf.extend(Zeroizing::new(fill(password)).iter());
    let d = vec![id; v];
    let mut out = Zeroizing::new(Vec::with_capacity(len + u));
    loop {
        let mut ctx = digest::Context::new(alg);
        ctx.update(&d);
        ctx.update(&i_buf);
        let mut a = ctx.finish();
        for _ in 1..rounds {
            a = digest::digest(alg, a.as_ref());
        }
        out.extend_from_slice(a.as_ref());
        if out.len() >= len {
            out.truncate(len);
            return out;
        }
        let b: Zeroizing<Vec<u8>> = Zeroizing::new((0..v).map(|i| a.as_ref()[i % u]).collect());
        for block in i_buf.chunks_mut(v) {
            let mut carry = 1u16;
            for k in (0..v).rev() {
                let s = block[k] as u16 + b[k] as u16 + carry;
                block[k] = s as u8;
                carry = s >> 8;
            }
        }
    }
}

/// Checks the MAC with each BMP candidate; returns the password that verifies.
fn verify_mac(pfx: &Pfx<'_>, password: &Password) -> SecResult<Option<Password>> {
    let Some(mut mac) = pfx.mac else { return Ok(None) };
    let mut digest_info = mac.sequence()?;
    let alg = AlgId::read(&mut digest_info)?;
    let expected = digest_info.octet_string()?;
    let salt = mac.octet_string()?;
    let rounds = if mac.is_empty() { 1 } else { mac.small_uint()? };
    let rounds = iterations(rounds)?;
    let d = digest_of(&alg.oid).ok_or(SecError::new(NTE_BAD_ALGID, "unsupported PFX MAC algorithm"))?;
    for candidate in &password.bmp {
        let key_bytes = pkcs12_kdf(d, candidate, &salt, rounds, 3, d.output_len());
        let key = hmac::Key::new(hmac_of(d), &key_bytes);
        if hmac::verify(&key, &pfx.auth_safe, &expected).is_ok() {
            return Ok(Some(password.with_bmp(candidate)));
        }
    }
    Err(bad_password())
}

/// `PFXVerifyPassword`: whether the password opens the PFX's MAC.
pub fn verify_password(data: &[u8], password: Option<&str>) -> SecResult<bool> {
    let pfx = parse_pfx(data)?;
    match verify_mac(&pfx, &Password::new(password)) {
        Ok(_) => Ok(true),
        Err(e) if e.status == ERROR_INVALID_PASSWORD as i32 => Ok(false),
        Err(e) => Err(e),
    }
}

/// Decrypts `data` with a password-based scheme `alg`.
pub fn decrypt(alg: &AlgId, data: &[u8], password: &Password) -> SecResult<Zeroizing<Vec<u8>>> {
    let unsupported = || SecError::new(NTE_BAD_ALGID, "unsupported encryption algorithm");
    let mut last = bad_password();
    let legacy = match alg.oid.as_str() {
        "1.2.840.113549.1.12.1.3" => Some((Cipher::TdesEde3, 24)),
        "1.2.840.113549.1.12.1.4" => Some((Cipher::TdesEde2, 16)),
        "1.2.840.113549.1.12.1.5" => Some((Cipher::Rc2(128), 16)),
        "1.2.840.113549.1.12.1.6" => Some((Cipher::Rc2(40), 5)),
        OID_PBES2 => None,
        _ => return Err(unsupported()),
    };
    if let Some((cipher, key_len)) = legacy {
        // pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }
        let mut r = Reader::new(&alg.params);
        let mut p = r.sequence()?;
        let salt = p.octet_string()?;
        let rounds = iterations(p.small_uint()?)?;
        for pw in &password.bmp {
            let d = &digest::SHA1_FOR_LEGACY_USE_ONLY;
            let key = pkcs12_kdf(d, pw, &salt, rounds, 1, key_len);
            let iv = pkcs12_kdf(d, pw, &salt, rounds, 2, 8);
            match cipher.decrypt(&key, &iv, data) {
                Ok(v) => return Ok(v),
                Err(e) => last = e,
            }
        }
        return Err(last);
    }
    // PBES2-params ::= SEQUENCE { keyDerivationFunc, encryptionScheme }
    let mut r = Reader::new(&alg.params);
    let mut p = r.sequence()?;
    let kdf = AlgId::read(&mut p)?;
    let scheme = AlgId::read(&mut p)?;
    if kdf.oid != OID_PBKDF2 {
        return Err(unsupported());
    }
    let (cipher, key_len) = match scheme.oid.as_str() {
        "2.16.840.1.101.3.4.1.2" => (Cipher::Aes128, 16),
        "2.16.840.1.101.3.4.1.22" => (Cipher::Aes192, 24),
        "2.16.840.1.101.3.4.1.42" => (Cipher::Aes256, 32),
        "1.2.840.113549.3.7" => (Cipher::TdesEde3, 24),
        _ => return Err(unsupported()),
    };
    let iv = Reader::new(&scheme.params).octet_string()?.into_owned();
    // PBKDF2-params ::= SEQUENCE { salt OCTET STRING, iterationCount, keyLength OPTIONAL, prf DEFAULT hmacWithSHA1 }
    let mut kr = Reader::new(&kdf.params);
    let mut kp = kr.sequence()?;
    let salt = kp.octet_string()?;
    let rounds = iterations(kp.small_uint()?)?;
    if kp.peek_tag() == Some(der::INTEGER) && kp.small_uint()? != key_len as u64 {
        return Err(SecError::new(CRYPT_E_BAD_ENCODE, "PBKDF2 key length does not fit the cipher"));
    }
    let prf = if kp.is_empty() {
        pbkdf2::PBKDF2_HMAC_SHA1
    } else {
        match AlgId::read(&mut kp)?.oid.as_str() {
            "1.2.840.113549.2.7" => pbkdf2::PBKDF2_HMAC_SHA1,
            "1.2.840.113549.2.9" => pbkdf2::PBKDF2_HMAC_SHA256,
            "1.2.840.113549.2.10" => pbkdf2::PBKDF2_HMAC_SHA384,
            "1.2.840.113549.2.11" => pbkdf2::PBKDF2_HMAC_SHA512,
            _ => return Err(unsupported()),
        }
    };
    let mut key = Zeroizing::new(vec![0u8; key_len]);
    let rounds = core::num::NonZeroU32::new(rounds).ok_or(unsupported())?;
    pbkdf2::derive(prf, rounds, &salt, &password.utf8, &mut key);
    cipher.decrypt(&key, &iv, data)
}

/// The block ciphers of the supported schemes (all in CBC mode with PKCS#7 padding).
#[derive(Clone, Copy, Debug)]
enum Cipher {
    Aes128,
    Aes192,
    Aes256,
    TdesEde3,
    TdesEde2,
    /// RC2 with this effective key length in bits.
    Rc2(usize),
}

impl Cipher {
    fn decrypt(self, key: &[u8], iv: &[u8], data: &[u8]) -> SecResult<Zeroizing<Vec<u8>>> {
        let bad_params = || SecError::new(NTE_BAD_DATA, "bad key or IV length");
        let mut buf = Zeroizing::new(data.to_vec());
        let len = match self {
            Cipher::Aes128 => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
                .map_err(|_| bad_params())?
                .decrypt_padded_mut::<Pkcs7>(&mut buf)
                .map(|p| p.len()),
            Cipher::Aes192 => cbc::Decryptor::<aes::Aes192>::new_from_slices(key, iv)
                .map_err(|_| bad_params())?
                .decrypt_padded_mut::<Pkcs7>(&mut buf)
                .map(|p| p.len()),
            Cipher::Aes256 => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
                .map_err(|_| bad_params())?
                .decrypt_padded_mut::<Pkcs7>(&mut buf)
                .map(|p| p.len()),
            Cipher::TdesEde3 => cbc::Decryptor::<des::TdesEde3>::new_from_slices(key, iv)
                .map_err(|_| bad_params())?
                .decrypt_padded_mut::<Pkcs7>(&mut buf)
                .map(|p| p.len()),
            Cipher::TdesEde2 => cbc::Decryptor::<des::TdesEde2>::new_from_slices(key, iv)
                .map_err(|_| bad_params())?
                .decrypt_padded_mut::<Pkcs7>(&mut buf)
                .map(|p| p.len()),
            Cipher::Rc2(bits) => {
                let rc2 = rc2::Rc2::new_with_eff_key_len(key, bits);
                cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(rc2, iv)
                    .map_err(|_| bad_params())?
                    .decrypt_padded_mut::<Pkcs7>(&mut buf)
                    .map(|p| p.len())
            }
        };
        // A padding failure is what a wrong password looks like.
        let len = len.map_err(|_| bad_password())?;
        buf.truncate(len);
        Ok(buf)
    }
}

/// Decrypts a PKCS#8 EncryptedPrivateKeyInfo into a PrivateKeyInfo.
pub fn decrypt_private_key(epki: &[u8], password: &Password) -> SecResult<Zeroizing<Vec<u8>>> {
    let mut outer = Reader::ber(epki);
    let mut seq = outer.sequence()?;
    let alg = AlgId::read(&mut seq)?;
    let data = seq.octet_string()?;
    let plain = decrypt(&alg, &data, password)?;
    // The result must be a PrivateKeyInfo; anything else means the password was wrong.
    der::parse_single(&plain).map_err(|_| bad_password())?;
    Ok(plain)
}

/// `PFXImportCertStore`'s decoding: certificates and keys with their attributes.
pub fn import(data: &[u8], password: Option<&str>, only_certs: bool) -> SecResult<Contents> {
    let pfx = parse_pfx(data)?;
    let password = Password::new(password);
    let candidates: Vec<Password> = match verify_mac(&pfx, &password)? {
        Some(p) => vec![p],
        None => password.bmp.iter().map(|b| password.with_bmp(b)).collect(),
    };
    let mut last = bad_password();
    for pw in &candidates {
        match read_auth_safe(&pfx.auth_safe, pw, only_certs) {
            Ok(c) => return Ok(c),
            Err(e) if e.status == ERROR_INVALID_PASSWORD as i32 => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

fn read_auth_safe(auth_safe: &[u8], password: &Password, only_certs: bool) -> SecResult<Contents> {
    let mut contents = Contents::default();
    let mut outer = Reader::ber(auth_safe);
    let mut list = outer.sequence()?;
    while !list.is_empty() {
        let mut ci = list.sequence()?;
        let kind = ci.oid()?;
        let mut explicit = ci.nested(der::context(0))?;
        match kind.as_str() {
            OID_DATA => {
                let safe = explicit.octet_string()?;
                read_safe_contents(&safe, password, &mut contents, only_certs, 0)?;
            }
            OID_ENCRYPTED_DATA => {
                // EncryptedData ::= SEQUENCE { version, EncryptedContentInfo }
                let mut ed = explicit.sequence()?;
                ed.small_uint()?;
                let mut eci = ed.sequence()?;
                eci.oid()?;
                let alg = AlgId::read(&mut eci)?;
                let ciphertext = match eci.peek_tag() {
                    Some(t) if t == der::context_primitive(0) || t == der::context(0) => {
                        let tlv = eci.any()?;
                        eci.join_constructed(&tlv, der::OCTET_STRING)?
                    }
                    _ => Vec::new(),
                };
                match decrypt(&alg, &ciphertext, password) {
                    Ok(plain) => {
                        read_safe_contents(&plain, password, &mut contents, only_certs, 0).map_err(|e| {
                            // Garbage after a "successful" unpad is a wrong password too.
                            if e.status == ERROR_INVALID_PASSWORD as i32 {
                                e
                            } else {
                                bad_password()
                            }
                        })?
                    }
                    Err(e) => return Err(e),
                }
            }
            // envelopedData (public-key privacy) and anything else: skipped, as
            // nothing we could use is inside.
            _ => {}
        }
    }
    Ok(contents)
}

fn read_safe_contents(
    data: &[u8],
    password: &Password,
    out: &mut Contents,
    only_certs: bool,
    depth: usize,
) -> SecResult<()> {
    if depth > MAX_BAG_DEPTH {
        return Err(der::corrupt("SafeContents nested too deep"));
    }
    let mut outer = Reader::ber(data);
    let mut bags = outer.sequence()?;
    while !bags.is_empty() {
        let mut bag = bags.sequence()?;
        let kind = bag.oid()?;
        let value = bag.expect(der::context(0))?;
        let mut value = bag.inner(&value)?;
        let mut local_key_id = None;
        let mut friendly_name = None;
        if let Some(attrs) = bag.optional(der::SET)? {
            let mut attrs = bag.inner(&attrs)?;
            while !attrs.is_empty() {
                let mut a = attrs.sequence()?;
                let oid = a.oid()?;
                let mut values = a.nested(der::SET)?;
                match oid.as_str() {
                    OID_LOCAL_KEY_ID => local_key_id = Some(values.octet_string()?.into_owned()),
                    OID_FRIENDLY_NAME => {
                        let s = values.expect(der::BMP_STRING)?;
                        let units: Vec<u16> =
                            s.value.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
                        friendly_name = Some(String::from_utf16_lossy(&units));
                    }
                    _ => {}
                }
            }
        }
        match kind.as_str() {
            OID_CERT_BAG => {
                let mut cb = value.sequence()?;
                if cb.oid()? == OID_X509_CERT {
                    let mut v = cb.nested(der::context(0))?;
                    let der = v.octet_string()?.into_owned();
                    out.certs.push(CertBag { der, local_key_id, friendly_name });
                }
            }
            OID_KEY_BAG if !only_certs => {
                let pki = value.any()?;
                out.keys.push(KeyBag { pkcs8: Zeroizing::new(pki.raw.to_vec()), local_key_id, friendly_name });
            }
            OID_SHROUDED_KEY_BAG if !only_certs => {
                let epki = value.any()?;
                let pkcs8 = decrypt_private_key(epki.raw, password)?;
                out.keys.push(KeyBag { pkcs8, local_key_id, friendly_name });
            }
            OID_SAFE_CONTENTS_BAG => {
                let nested = value.any()?;
                read_safe_contents(nested.raw, password, out, only_certs, depth + 1)?;
            }
            // CRL and secret bags carry nothing a certificate store needs.
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn kdf_matches_openssl() {
        // Expected values from `openssl kdf ... PKCS12KDF` with the same inputs.
        let smeg = hex("0073006D006500670000");
        let salt = hex("0A58CF64530D823F");
        let sha1 = &digest::SHA1_FOR_LEGACY_USE_ONLY;
        assert_eq!(*pkcs12_kdf(sha1, &smeg, &salt, 1, 1, 24), hex("8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3"));
        assert_eq!(*pkcs12_kdf(sha1, &smeg, &salt, 1, 2, 8), hex("79993DFE048D3B76"));
        assert_eq!(
            *pkcs12_kdf(&digest::SHA256, &hex("0070006100730073000000"), &hex("0102030405060708"), 1000, 3, 40),
            hex("2A498AB928319B107631F39C92F193017E515E561E6D35B9B54FF3FF1ABD8E3837019E8BE1BA49CF")
        );
        assert_eq!(
            *pkcs12_kdf(&digest::SHA512, &hex("0000"), &hex("01020304050607080900"), 3, 1, 70),
            hex("E30CC68EA24552BBF9A2F76138B00700D916A40C3CFF116FE71E08B56C8B77A726A34B6069B7BC06CCDF04AA12D1D24F8372EAB4F5FE63A4F0CBC026DE404A0639FF28BB6EC9")
        );
        assert_eq!(
            *pkcs12_kdf(sha1, &[], &hex("01020304050607080900"), 2, 3, 20),
            hex("8DE31FBBEB3B6C26B4E99B344E4663898608 27BA")
        );
    }

    #[test]
    fn password_encodings() {
        let p = Password::new(Some("pé"));
        assert_eq!(p.bmp.len(), 1);
        assert_eq!(*p.bmp[0], [0, b'p', 0, 0xe9, 0, 0]);
        assert_eq!(*p.utf8, "pé".as_bytes());
        for empty in [None, Some("")] {
            let p = Password::new(empty);
            assert_eq!(p.bmp.iter().map(|b| b.to_vec()).collect::<Vec<_>>(), vec![vec![0u8, 0], vec![]]);
            assert!(p.utf8.is_empty());
        }
    }

    #[test]
    fn garbage_is_refused() {
        assert!(!is_pfx(&[]));
        assert!(!is_pfx(b"not a pfx at all"));
        assert!(!is_pfx(&[0x30, 0x03, 0x02, 0x01, 0x03]));
        assert_eq!(import(&[0x30, 0x80], None, false).unwrap_err().status, crate::abi::CRYPT_E_ASN1_EOD);
        assert_eq!(import(&[0x02, 0x01, 0x03], None, false).unwrap_err().status, crate::abi::CRYPT_E_ASN1_BADTAG);
    }

    #[test]
    fn wrong_cipher_padding_is_a_password_error() {
        let key = [7u8; 32];
        let iv = [1u8; 16];
        let e = Cipher::Aes256.decrypt(&key, &iv, &[0u8; 32]).unwrap_err();
        assert_eq!(e.status, ERROR_INVALID_PASSWORD as i32);
        let e = Cipher::Aes256.decrypt(&key, &iv, &[0u8; 31]).unwrap_err();
        assert_eq!(e.status, ERROR_INVALID_PASSWORD as i32);
        assert_eq!(Cipher::Aes256.decrypt(&key[..5], &iv, &[0u8; 16]).unwrap_err().status, NTE_BAD_DATA);
    }
}
