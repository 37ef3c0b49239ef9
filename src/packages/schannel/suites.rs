//! What Windows says about a cipher suite: ALG_IDs, CNG names and strengths,
//! for `SecPkgContext_ConnectionInfo(Ex)`, `CipherInfo`, `KeyInfo` and the
//! credential attributes, and the rules that filter rustls' suites by
//! `SCHANNEL_CRED`'s strengths and algorithms and `CRYPTO_SETTINGS`.

use rustls::{CipherSuite, SupportedCipherSuite};

use crate::abi::*;
use crate::packages::CryptoSetting;

/// Windows' `ALG_ID`s used for TLS (`CALG_*`).
pub const CALG_AES_128: ALG_ID = 0x660e;
pub const CALG_AES_256: ALG_ID = 0x6610;
pub const CALG_SHA_256: ALG_ID = 0x800c;
pub const CALG_SHA_384: ALG_ID = 0x800d;
pub const CALG_ECDH_EPHEM: ALG_ID = 0xae06;
pub const CALG_ECDSA: ALG_ID = 0x2203;
pub const CALG_RSA_SIGN: ALG_ID = 0x2400;
pub const CALG_AES: ALG_ID = 0x6611;

/// The bulk cipher of a suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bulk {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
}

/// The certificate / signature kind a TLS 1.2 suite needs (TLS 1.3: any).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigKind {
    Any,
    Rsa,
    Ecdsa,
}

/// Windows' view of one suite.
#[derive(Clone, Copy, Debug)]
pub struct SuiteInfo {
    pub id: u16,
    pub name: &'static str,
    pub bulk: Bulk,
    /// PRF / HKDF hash: 256 or 384.
    pub hash_bits: u32,
    pub sig: SigKind,
    pub tls13: bool,
}

impl SuiteInfo {
    pub fn of(suite: SupportedCipherSuite) -> SuiteInfo {
        let cs = suite.suite();
        let (bulk, hash_bits, sig, tls13) = match cs {
            CipherSuite::TLS13_AES_128_GCM_SHA256 => (Bulk::Aes128Gcm, 256, SigKind::Any, true),
            CipherSuite::TLS13_AES_256_GCM_SHA384 => (Bulk::Aes256Gcm, 384, SigKind::Any, true),
            CipherSuite::TLS13_CHACHA20_POLY1305_SHA256 => (Bulk::ChaCha20Poly1305, 256, SigKind::Any, true),
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => (Bulk::Aes128Gcm, 256, SigKind::Ecdsa, false),
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => (Bulk::Aes256Gcm, 384, SigKind::Ecdsa, false),
            CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => {
                (Bulk::ChaCha20Poly1305, 256, SigKind::Ecdsa, false)
            }
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => (Bulk::Aes128Gcm, 256, SigKind::Rsa, false),
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => (Bulk::Aes256Gcm, 384, SigKind::Rsa, false),
            _ => (Bulk::ChaCha20Poly1305, 256, SigKind::Rsa, false),
        };
        SuiteInfo { id: u16::from(cs), name: cs.as_str().unwrap_or("TLS_UNKNOWN"), bulk, hash_bits, sig, tls13 }
    }

    pub fn cipher_alg(&self) -> ALG_ID {
        match self.bulk {
            Bulk::Aes128Gcm => CALG_AES_128,
            Bulk::Aes256Gcm => CALG_AES_256,
            // No ALG_ID exists for ChaCha20-Poly1305.
            Bulk::ChaCha20Poly1305 => 0,
        }
    }
    pub fn cipher_bits(&self) -> u32 {
        match self.bulk {
            Bulk::Aes128Gcm => 128,
            Bulk::Aes256Gcm | Bulk::ChaCha20Poly1305 => 256,
        }
    }
    /// CNG name of the cipher (`BCRYPT_*_ALGORITHM`).
    pub fn cipher_name(&self) -> &'static str {
        match self.bulk {
            Bulk::Aes128Gcm | Bulk::Aes256Gcm => "AES",
            Bulk::ChaCha20Poly1305 => "CHACHA20_POLY1305",
        }
    }
    pub fn hash_alg(&self) -> ALG_ID {
        if self.hash_bits == 384 {
            CALG_SHA_384
        } else {
            CALG_SHA_256
        }
    }
    pub fn hash_name(&self) -> &'static str {
        if self.hash_bits == 384 {
            "SHA384"
        } else {
            "SHA256"
        }
    }
}

/// Whether a `CRYPTO_SETTINGS` entry disables `s`.
fn disabled_by(setting: &CryptoSetting, s: &SuiteInfo) -> bool {
    let alg = setting.algorithm.to_ascii_uppercase();
    let bits_excluded = |bits: u32| {
        if setting.min_bits == 0 && setting.max_bits == 0 {
            true
        } else {
            (setting.min_bits == 0 || bits >= setting.min_bits) && (setting.max_bits == 0 || bits <= setting.max_bits)
        }
    };
    match setting.usage {
        // TlsParametersCngAlgUsageKeyExchange: every suite we have is ECDHE.
        0 => alg == "ECDH" || alg == "ECDHE",
        // TlsParametersCngAlgUsageSignature
        1 => (alg == "RSA" && s.sig == SigKind::Rsa) || (alg == "ECDSA" && s.sig == SigKind::Ecdsa),
        // TlsParametersCngAlgUsageCipher
        2 => {
            let modes_match = setting.chaining_modes.is_empty()
                || setting.chaining_modes.iter().any(|m| m.eq_ignore_ascii_case("ChainingModeGCM"));
            match s.bulk {
                Bulk::Aes128Gcm | Bulk::Aes256Gcm => alg == "AES" && modes_match && bits_excluded(s.cipher_bits()),
                Bulk::ChaCha20Poly1305 => alg == "CHACHA20_POLY1305",
            }
        }
        // TlsParametersCngAlgUsageDigest
        3 => alg == s.hash_name() || (alg == "SHA256" && s.hash_bits == 256) || (alg == "SHA384" && s.hash_bits == 384),
        _ => false,
    }
}

/// The rules of a credential that keep or drop suites.
#[derive(Clone, Debug, Default)]
pub struct SuitePolicy {
    pub min_strength: u32,
    pub max_strength: u32,
    /// `palgSupportedAlgs`: if non-empty, a suite stays only if its cipher is listed.
    pub algs: Vec<ALG_ID>,
    pub disabled: Vec<CryptoSetting>,
}

impl SuitePolicy {
    pub fn allows(&self, s: &SuiteInfo) -> bool {
        let bits = s.cipher_bits();
        if self.min_strength != 0 && bits < self.min_strength {
            return false;
        }
        if self.max_strength != 0 && bits > self.max_strength {
            return false;
        }
        if !self.algs.is_empty() {
            let cipher_listed =
                self.algs.iter().any(|&a| a == s.cipher_alg() || (a == CALG_AES && s.cipher_alg() != 0));
            if !cipher_listed {
                return false;
            }
        }
        !self.disabled.iter().any(|d| disabled_by(d, s))
    }

    /// The suites of `all` this policy keeps, in their order.
    pub fn filter(&self, all: &[SupportedCipherSuite]) -> Vec<SupportedCipherSuite> {
        all.iter().copied().filter(|s| self.allows(&SuiteInfo::of(*s))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<SupportedCipherSuite> {
        rustls::crypto::ring::default_provider().cipher_suites
    }

    #[test]
    fn names_and_ids() {
        let s = SuiteInfo::of(rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256);
        assert_eq!(s.id, 0x1301);
        assert_eq!(s.name, "TLS13_AES_128_GCM_SHA256");
        assert_eq!(s.cipher_alg(), CALG_AES_128);
    }

    #[test]
    fn strength_filter() {
        let p = SuitePolicy { min_strength: 256, ..Default::default() };
        let kept = p.filter(&all());
        assert!(!kept.is_empty());
        assert!(kept.iter().all(|s| SuiteInfo::of(*s).cipher_bits() >= 256));
        let p = SuitePolicy { max_strength: 128, ..Default::default() };
        assert!(p.filter(&all()).iter().all(|s| SuiteInfo::of(*s).cipher_bits() == 128));
    }

    #[test]
    fn crypto_settings_disable_chacha() {
        let p = SuitePolicy {
            disabled: vec![CryptoSetting { usage: 2, algorithm: "CHACHA20_POLY1305".into(), ..Default::default() }],
            ..Default::default()
        };
        let kept = p.filter(&all());
        assert!(kept.iter().all(|s| SuiteInfo::of(*s).bulk != Bulk::ChaCha20Poly1305));
        assert_eq!(kept.len(), all().len() - 3);
    }

    #[test]
    fn crypto_settings_disable_aes128_by_bits() {
        let p = SuitePolicy {
            disabled: vec![CryptoSetting {
                usage: 2,
                algorithm: "AES".into(),
                min_bits: 128,
                max_bits: 128,
                ..Default::default()
            }],
            ..Default::default()
        };
        assert!(p.filter(&all()).iter().all(|s| SuiteInfo::of(*s).bulk != Bulk::Aes128Gcm));
    }
}
