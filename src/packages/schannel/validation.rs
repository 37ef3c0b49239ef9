//! Peer authentication: trust anchors and the certificate verifiers.
//!
//! The client checks the server's chain against the system trust store
//! (`rustls-native-certs`, which honours `SSL_CERT_FILE` and `SSL_CERT_DIR`),
//! its name against `pszTargetName` and its validity dates, unless the
//! credential or the call asks for manual validation. The server, when asked
//! for mutual authentication, checks a presented client chain against the
//! credential's `hRootStore`, else the system store. Revocation is not
//! checked (no CRL or OCSP fetching); the `SCH_CRED_REVOCATION_*` flags are
//! accepted and recorded.

use std::sync::Arc;

use once_cell::sync::Lazy;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, Error, RootCertStore, SignatureScheme};

use crate::certs::x509::ParsedCert;
use crate::certs::StoreRef;
use crate::der;

/// The system trust store, loaded once per process.
pub static SYSTEM_ROOTS: Lazy<Arc<RootCertStore>> = Lazy::new(|| {
    let mut roots = RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(found.certs);
    Arc::new(roots)
});

/// Trust anchors from a certificate store (`hRootStore`).
pub fn roots_from_store(store: &StoreRef) -> Arc<RootCertStore> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(store.certificates().iter().map(|c| CertificateDer::from(c.der().to_vec())));
    Arc::new(roots)
}

/// How much of the server's certificate the client checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerCheck {
    /// Chain, dates and name.
    Full,
    /// Chain and dates (`SCH_CRED_NO_SERVERNAME_CHECK`, or no target name).
    NoName,
    /// Nothing: the application validates (`SCH_CRED_MANUAL_CRED_VALIDATION`,
    /// `ISC_REQ_MANUAL_CRED_VALIDATION`). Handshake signatures are still checked.
    Manual,
}

/// The client's verifier of server certificates.
#[derive(Debug)]
pub struct ServerVerifier {
    webpki: Option<Arc<WebPkiServerVerifier>>,
    roots: Arc<RootCertStore>,
    check: ServerCheck,
    provider: Arc<CryptoProvider>,
}

impl ServerVerifier {
    pub fn new(roots: Arc<RootCertStore>, provider: Arc<CryptoProvider>, check: ServerCheck) -> Arc<Self> {
        // An empty trust store cannot build a webpki verifier; every chain is then untrusted.
        let webpki =
            WebPkiServerVerifier::builder_with_provider(Arc::clone(&roots), Arc::clone(&provider)).build().ok();
        Arc::new(Self { webpki, roots, check, provider })
    }
}

/// Whether `end_entity` is a self-signed certificate that is not one of
/// `roots`. Windows chains such a certificate to an untrusted root and says
/// `SEC_E_UNTRUSTED_ROOT` before anything else; webpki checks the end
/// entity's own properties first and refuses the usual self-signed
/// certificate (`openssl req -x509` makes a CA certificate) as a CA used as
/// an end entity, which would surface as `SEC_E_CERT_UNKNOWN`.
fn untrusted_self_signed(end_entity: &[u8], roots: &RootCertStore) -> bool {
    let Ok(cert) = ParsedCert::parse(end_entity) else { return false };
    if !cert.is_self_issued() || cert.signed_by(&cert) != Some(true) {
        return false;
    }
    // Trust anchors keep the contents of the subjectPublicKeyInfo SEQUENCE.
    let Ok(spki) = der::parse_single(&cert.spki) else { return false };
    !roots.roots.iter().any(|ta| ta.subject_public_key_info.as_ref() == spki.value)
}

impl ServerCertVerifier for ServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        if self.check == ServerCheck::Manual {
            return Ok(ServerCertVerified::assertion());
        }
        let webpki = self.webpki.as_ref().ok_or(Error::InvalidCertificate(CertificateError::UnknownIssuer))?;
        match webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if self.check == ServerCheck::NoName => Ok(ServerCertVerified::assertion()),
            Err(Error::InvalidCertificate(CertificateError::Other(_)))
                if untrusted_self_signed(end_entity.as_ref(), &self.roots) =>
            {
                Err(Error::InvalidCertificate(CertificateError::UnknownIssuer))
            }
            r => r,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// The server's verifier of client certificates (mutual authentication):
/// asks for a certificate, verifies one if presented (against `roots`),
/// accepts none (the application then sees no remote certificate and no
/// `ASC_RET_MUTUAL_AUTH`).
#[derive(Debug)]
pub struct ClientVerifier {
    /// None when there is no trust anchor at all: every certificate is untrusted.
    webpki: Option<Arc<dyn ClientCertVerifier>>,
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
}

/// A client-certificate verifier for `roots`.
pub fn client_verifier(roots: Arc<RootCertStore>, provider: Arc<CryptoProvider>) -> Arc<dyn ClientCertVerifier> {
    let webpki = WebPkiClientVerifier::builder_with_provider(Arc::clone(&roots), Arc::clone(&provider))
        .allow_unauthenticated()
        .build()
        .ok();
    Arc::new(ClientVerifier { webpki: webpki.map(|v| v as Arc<dyn ClientCertVerifier>), roots, provider })
}

impl ClientCertVerifier for ClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.webpki.as_ref().map_or(&[], |v| v.root_hint_subjects())
    }
    fn client_auth_mandatory(&self) -> bool {
        false
    }
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        let webpki = self.webpki.as_ref().ok_or(Error::InvalidCertificate(CertificateError::UnknownIssuer))?;
        match webpki.verify_client_cert(end_entity, intermediates, now) {
            // As for servers: a self-signed certificate that is no anchor is an untrusted root.
            Err(Error::InvalidCertificate(CertificateError::Other(_)))
                if untrusted_self_signed(end_entity.as_ref(), &self.roots) =>
            {
                Err(Error::InvalidCertificate(CertificateError::UnknownIssuer))
            }
            r => r,
        }
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(m, c, d, &self.provider.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(m, c, d, &self.provider.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn self_signed_ca() -> Vec<u8> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn self_signed_certificates_are_untrusted_unless_anchors() {
        let cert = self_signed_ca();
        assert!(untrusted_self_signed(&cert, &RootCertStore::empty()));
        let mut roots = RootCertStore::empty();
        roots.add(CertificateDer::from(cert.clone())).unwrap();
        assert!(!untrusted_self_signed(&cert, &roots), "a trust anchor is not untrusted");
        assert!(untrusted_self_signed(&cert, &{
            let mut other = RootCertStore::empty();
            other.add(CertificateDer::from(self_signed_ca())).unwrap();
            other
        }));
    }

    #[test]
    fn issued_certificates_are_left_to_webpki() {
        let ca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, "leaf");
        let leaf = params.signed_by(&key, &ca, &ca_key).unwrap();
        assert!(!untrusted_self_signed(leaf.der(), &RootCertStore::empty()));
        assert!(!untrusted_self_signed(b"not a certificate", &RootCertStore::empty()));
    }
}
