//! Schannel credentials: what `SCHANNEL_CRED` / `SCH_CREDENTIALS` ask for,
//! resolved once at `AcquireCredentialsHandle` time into protocol versions,
//! cipher suites, the local certificate and key, trust anchors and session
//! caches. Contexts clone the rustls configs built here and adjust the
//! per-connection parts (ALPN, SNI, verification mode).

use std::sync::Arc;

use once_cell::sync::OnceCell;
use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls::SupportedCipherSuite;

use super::suites::{SuiteInfo, SuitePolicy, CALG_ECDH_EPHEM, CALG_ECDSA, CALG_RSA_SIGN};
use crate::abi::*;
use crate::certs::{CertRef, StoreRef};
use crate::error::{SecError, SecResult};
use crate::packages::{
    AcquireRequest, Attr, AuthData, CredentialUse, Credentials, SchannelCredSpec, SecurityContext, Side,
};

/// Resolved Schannel credential.
pub struct SchannelCredentials {
    pub usage: CredentialUse,
    /// `SCH_CRED_*` flags, all kept.
    pub flags: u32,
    pub spec: SchannelCredSpec,
    pub tls12: bool,
    pub tls13: bool,
    pub suites: Vec<SupportedCipherSuite>,
    /// The local certificate (server identity or client certificate).
    pub cert: Option<CertRef>,
    /// Its chain and signing key, ready for rustls.
    pub certified_key: Option<Arc<CertifiedKey>>,
    /// `hRootStore`: trust anchors for verifying the peer instead of the system store.
    pub root_store: Option<StoreRef>,
    /// Built on first use by the handshake code.
    pub(crate) lazy: OnceCell<super::config::CredentialConfigs>,
}

impl core::fmt::Debug for SchannelCredentials {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SchannelCredentials")
            .field("usage", &self.usage)
            .field("flags", &format_args!("{:#x}", self.flags))
            .field("tls12", &self.tls12)
            .field("tls13", &self.tls13)
            .field("suites", &self.suites.len())
            .field("has_cert", &self.cert.is_some())
            .finish()
    }
}

/// `SP_PROT_*` bits of TLS 1.2 / 1.3 for one direction.
fn protocol_bits(usage: CredentialUse) -> (u32, u32) {
    let mut t12 = 0;
    let mut t13 = 0;
    if usage.outbound {
        t12 |= SP_PROT_TLS1_2_CLIENT;
        t13 |= SP_PROT_TLS1_3_CLIENT;
    }
    if usage.inbound {
        t12 |= SP_PROT_TLS1_2_SERVER;
        t13 |= SP_PROT_TLS1_3_SERVER;
    }
    (t12, t13)
}

/// Maps the requested protocol set onto what rustls offers (TLS 1.2, 1.3).
pub(crate) fn resolve_versions(spec: &SchannelCredSpec, usage: CredentialUse) -> SecResult<(bool, bool)> {
    let (b12, b13) = protocol_bits(usage);
    let (mut tls12, mut tls13) = if spec.version == SCH_CREDENTIALS_VERSION || spec.enabled_protocols == 0 {
        // SCH_CREDENTIALS has no enabled set; 0 means "system defaults".
        (true, true)
    } else {
        (spec.enabled_protocols & b12 != 0, spec.enabled_protocols & b13 != 0)
    };
    // TLS_PARAMETERS without ALPN ids apply to every connection.
    for p in spec.tls_parameters.iter().filter(|p| p.alpn_ids.is_empty()) {
        if p.disabled_protocols & b12 != 0 {
            tls12 = false;
        }
        if p.disabled_protocols & b13 != 0 {
            tls13 = false;
        }
    }
    if !tls12 && !tls13 {
        return Err(SecError::new(
            SEC_E_ALGORITHM_MISMATCH,
            "no protocol this library supports (TLS 1.2, TLS 1.3) is enabled for this direction",
        ));
    }
    Ok((tls12, tls13))
}

/// The ring provider's suites (`keyblock::suites`) that the credential's policy keeps.
fn resolve_suites(spec: &SchannelCredSpec, tls12: bool, tls13: bool) -> SecResult<Vec<SupportedCipherSuite>> {
    let policy = SuitePolicy {
        min_strength: spec.min_cipher_strength,
        max_strength: spec.max_cipher_strength,
        algs: spec.supported_algs.clone(),
        disabled: spec
            .tls_parameters
            .iter()
            .filter(|p| p.alpn_ids.is_empty())
            .flat_map(|p| p.disabled_crypto.iter().cloned())
            .collect(),
    };
    let suites: Vec<_> = policy
        .filter(super::keyblock::suites())
        .into_iter()
        .filter(|s| if SuiteInfo::of(*s).tls13 { tls13 } else { tls12 })
        .collect();
    if suites.is_empty() {
        return Err(SecError::new(
            SEC_E_ALGORITHM_MISMATCH,
            "the credential's algorithm restrictions leave no cipher suite",
        ));
    }
    Ok(suites)
}

/// Builds the rustls signing identity of `cert`: its chain from its store and
/// its private key, which must match the certificate.
pub(crate) fn certified_key(cert: &CertRef, send_root: bool) -> SecResult<Arc<CertifiedKey>> {
    let key = cert.private_key().ok_or(SecError::new(SEC_E_NO_CREDENTIALS, "the certificate has no private key"))?;
    let signer = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|_| SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "unsupported private key type"))?;
    let chain = cert.chain(send_root);
    let ck = CertifiedKey::new(chain, signer);
    ck.keys_match()
        .map_err(|_| SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "the private key does not match the certificate"))?;
    Ok(Arc::new(ck))
}

impl SchannelCredentials {
    pub fn new(req: AcquireRequest) -> SecResult<Self> {
        let spec = match req.auth {
            AuthData::Default => SchannelCredSpec { version: SCHANNEL_CRED_VERSION, ..Default::default() },
            AuthData::Schannel(s) => s,
            AuthData::Identity(_) | AuthData::CredSsp { .. } => {
                return Err(SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "Schannel takes SCHANNEL_CRED, not an identity"))
            }
        };
        if spec.certs.len() > 1 {
            return Err(SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "more than one certificate in paCred"));
        }
        if spec.cred_format != SCH_CRED_FORMAT_CERT_CONTEXT && !spec.certs.is_empty() {
            return Err(SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "only SCH_CRED_FORMAT_CERT_CONTEXT is supported"));
        }
        let (tls12, tls13) = resolve_versions(&spec, req.usage)?;
        let suites = resolve_suites(&spec, tls12, tls13)?;
        let cert = spec.certs.first().cloned();
        let certified_key = match &cert {
            Some(c) => Some(certified_key(c, spec.flags & SCH_SEND_ROOT_CERT != 0)?),
            None if req.usage.inbound => {
                return Err(SecError::new(SEC_E_NO_CREDENTIALS, "an inbound Schannel credential needs a certificate"))
            }
            None => None,
        };
        Ok(Self {
            usage: req.usage,
            flags: spec.flags,
            root_store: spec.root_store.clone(),
            spec,
            tls12,
            tls13,
            suites,
            cert,
            certified_key,
            lazy: OnceCell::new(),
        })
    }

    /// A provider with this credential's suites (and ring's key exchanges).
    pub fn provider(&self) -> Arc<CryptoProvider> {
        let mut p = rustls::crypto::ring::default_provider();
        p.cipher_suites = self.suites.clone();
        Arc::new(p)
    }

    /// The `SP_PROT_*` set this credential really enables.
    pub fn supported_protocols(&self) -> u32 {
        let (b12, b13) = protocol_bits(self.usage);
        (if self.tls12 { b12 } else { 0 }) | (if self.tls13 { b13 } else { 0 })
    }

    fn supported_algs(&self) -> Vec<u32> {
        let mut algs = Vec::new();
        let mut push = |a: u32| {
            if a != 0 && !algs.contains(&a) {
                algs.push(a);
            }
        };
        for s in &self.suites {
            let info = SuiteInfo::of(*s);
            push(info.cipher_alg());
            push(info.hash_alg());
        }
        push(CALG_ECDH_EPHEM);
        push(CALG_RSA_SIGN);
        push(CALG_ECDSA);
        algs
    }
}

impl Credentials for SchannelCredentials {
    fn new_context(&self, me: Arc<dyn Credentials>, side: Side) -> SecResult<Arc<dyn SecurityContext>> {
        let allowed = match side {
            Side::Client => self.usage.outbound,
            Side::Server => self.usage.inbound,
        };
        if !allowed {
            return Err(SecError::new(SEC_E_NO_CREDENTIALS, "credential is not for this direction"));
        }
        super::context::SchannelContext::create(me, side)
    }

    fn query(&self, attribute: ULONG) -> SecResult<Attr> {
        match attribute {
            SECPKG_ATTR_SUPPORTED_PROTOCOLS => Ok(Attr::SupportedProtocols(SecPkgCred_SupportedProtocols {
                grbitProtocol: self.supported_protocols(),
            })),
            SECPKG_ATTR_CIPHER_STRENGTHS => {
                let bits = self.suites.iter().map(|s| SuiteInfo::of(*s).cipher_bits());
                let min = bits.clone().min().unwrap_or(0);
                let max = bits.max().unwrap_or(0);
                Ok(Attr::CipherStrengths(SecPkgCred_CipherStrengths {
                    dwMinimumCipherStrength: min,
                    dwMaximumCipherStrength: max,
                }))
            }
            SECPKG_ATTR_SUPPORTED_ALGS => Ok(Attr::SupportedAlgs(self.supported_algs())),
            _ => Err(SecError::unsupported("credential attribute not supported")),
        }
    }

    fn as_any(&self) -> &dyn core::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packages::TlsParameters;

    fn out() -> CredentialUse {
        CredentialUse { inbound: false, outbound: true }
    }
    fn spec(enabled: u32) -> SchannelCredSpec {
        SchannelCredSpec { version: SCHANNEL_CRED_VERSION, enabled_protocols: enabled, ..Default::default() }
    }

    #[test]
    fn default_protocols() {
        assert_eq!(resolve_versions(&spec(0), out()).unwrap(), (true, true));
    }

    #[test]
    fn only_old_protocols_is_a_mismatch() {
        for bits in [SP_PROT_SSL3_CLIENT, SP_PROT_TLS1_0_CLIENT | SP_PROT_TLS1_1_CLIENT, SP_PROT_TLS1_2_SERVER] {
            assert_eq!(resolve_versions(&spec(bits), out()).unwrap_err().status, SEC_E_ALGORITHM_MISMATCH, "{bits:#x}");
        }
        assert_eq!(resolve_versions(&spec(SP_PROT_TLS1_2), out()).unwrap(), (true, false));
        assert_eq!(
            resolve_versions(&spec(SP_PROT_TLS1_3_CLIENT | SP_PROT_TLS1_0_CLIENT), out()).unwrap(),
            (false, true)
        );
    }

    #[test]
    fn sch_credentials_disabled_protocols() {
        let mut s = spec(0);
        s.version = SCH_CREDENTIALS_VERSION;
        s.tls_parameters = vec![TlsParameters { disabled_protocols: SP_PROT_TLS1_3_CLIENT, ..Default::default() }];
        assert_eq!(resolve_versions(&s, out()).unwrap(), (true, false));
        s.tls_parameters[0].disabled_protocols = SP_PROT_TLS1_3_CLIENT | SP_PROT_TLS1_2_CLIENT;
        assert!(resolve_versions(&s, out()).is_err());
    }

    #[test]
    fn outbound_defaults_and_query() {
        let c = SchannelCredentials::new(AcquireRequest { principal: None, usage: out(), auth: AuthData::Default })
            .unwrap();
        match c.query(SECPKG_ATTR_SUPPORTED_PROTOCOLS).unwrap() {
            Attr::SupportedProtocols(p) => assert_eq!(p.grbitProtocol, SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT),
            other => panic!("{other:?}"),
        }
        match c.query(SECPKG_ATTR_CIPHER_STRENGTHS).unwrap() {
            Attr::CipherStrengths(s) => assert_eq!((s.dwMinimumCipherStrength, s.dwMaximumCipherStrength), (128, 256)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn inbound_without_certificate() {
        let r = SchannelCredentials::new(AcquireRequest {
            principal: None,
            usage: CredentialUse { inbound: true, outbound: false },
            auth: AuthData::Default,
        });
        assert_eq!(r.unwrap_err().status, SEC_E_NO_CREDENTIALS);
    }
}
