//! The benchmark's PKI, made at start-up: an ECDSA P-256 CA and two server
//! certificates for `localhost` signed by it, one with an ECDSA P-256 key and
//! one with an RSA 2048 key. Every stack gets the same certificate and key:
//! DER for rustls and OpenSSL, a PFX (made by `openssl pkcs12`) for the SSPI
//! server, which imports it with `PFXImportCertStore` as a Windows program would.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// Which server key a measurement uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Ecdsa,
    Rsa,
}

impl KeyKind {
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Ecdsa => "ecdsa",
            KeyKind::Rsa => "rsa",
        }
    }
}

/// A server certificate and its PKCS#8 private key, both DER, and both in a PFX.
pub struct Identity {
    pub cert_der: Vec<u8>,
    pub key_der: Vec<u8>,
    pub pfx: Vec<u8>,
}

/// The PFX password.
pub const PFX_PASSWORD: &str = "bench";

impl Identity {
    pub fn cert(&self) -> CertificateDer<'static> {
        CertificateDer::from(self.cert_der.clone())
    }
    pub fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()))
    }
}

pub struct Pki {
    pub ca_der: Vec<u8>,
    pub ecdsa: Identity,
    pub rsa: Identity,
    /// Holds `ca.pem`, which `SSL_CERT_FILE` points at for the SSPI client.
    pub dir: std::path::PathBuf,
}

impl Pki {
    pub fn identity(&self, kind: KeyKind) -> &Identity {
        match kind {
            KeyKind::Ecdsa => &self.ecdsa,
            KeyKind::Rsa => &self.rsa,
        }
    }

    /// Makes the PKI and installs the CA as the process trust store (through
    /// `SSL_CERT_FILE`, read once by the library's system-roots loader), so the
    /// SSPI client, like the rustls and OpenSSL clients, trusts exactly this CA.
    pub fn new() -> Pki {
        let ca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("CA key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "sspi-rustls bench CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");

        let dir = std::env::temp_dir().join(format!("sspi-rustls-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let issue = |name: &str, key: rcgen::KeyPair| {
            let mut params =
                rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("server certificate params");
            params.distinguished_name.push(rcgen::DnType::CommonName, "localhost");
            let cert = params.signed_by(&key, &ca_cert, &ca_key).expect("server certificate");
            let (cert_pem, key_pem, pfx) =
                (dir.join(format!("{name}.pem")), dir.join(format!("{name}.key")), dir.join(format!("{name}.pfx")));
            std::fs::write(&cert_pem, cert.pem()).expect("write certificate");
            std::fs::write(&key_pem, key.serialize_pem()).expect("write key");
            let out = std::process::Command::new("openssl")
                .arg("pkcs12")
                .arg("-export")
                .arg("-in")
                .arg(&cert_pem)
                .arg("-inkey")
                .arg(&key_pem)
                .args(["-passout", &format!("pass:{PFX_PASSWORD}"), "-out"])
                .arg(&pfx)
                .output()
                .expect("the openssl command is needed to make the PFX");
            assert!(out.status.success(), "openssl pkcs12: {}", String::from_utf8_lossy(&out.stderr));
            Identity {
                cert_der: cert.der().to_vec(),
                key_der: key.serialize_der(),
                pfx: std::fs::read(&pfx).expect("read PFX"),
            }
        };
        let ecdsa = issue("ecdsa", rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("ECDSA key"));
        let rsa = issue("rsa", rsa_key());

        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, ca_cert.pem()).expect("write ca.pem");
        std::env::set_var("SSL_CERT_FILE", &ca_file);
        std::env::remove_var("SSL_CERT_DIR");
        Pki { ca_der: ca_cert.der().to_vec(), ecdsa, rsa, dir }
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// ring cannot generate RSA keys: the openssl CLI makes a 2048-bit one.
fn rsa_key() -> rcgen::KeyPair {
    let out = std::process::Command::new("openssl")
        .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        .output()
        .expect("the openssl command is needed to make the RSA 2048 key");
    assert!(out.status.success(), "openssl genpkey failed");
    let der = PrivatePkcs8KeyDer::from_pem_slice(&out.stdout).expect("PKCS#8 PEM from openssl genpkey");
    rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&der, &rcgen::PKCS_RSA_SHA256).expect("RSA key pair")
}
