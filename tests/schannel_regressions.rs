//! Regressions found by the interop tests (ffi-tests/interop), reproduced
//! through the exported C ABI with both ends in this library.

mod common;

use common::*;
use secur32::abi::*;

/// A self-signed server certificate with CA:TRUE (what `openssl req -x509`
/// makes) that the client does not trust: Windows reports an untrusted root,
/// not a certificate it cannot use. Found against `openssl s_server` (the
/// client said SEC_E_CERT_UNKNOWN and sent certificate_unknown).
#[test]
fn untrusted_self_signed_ca_certificate_is_an_untrusted_root() {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    let id = Identity { cert_der: cert.der().to_vec(), key_der: key.serialize_der() };
    for protocols in [SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_3_CLIENT] {
        let mut server = Peer::server(server_credential(&id, 0, 0));
        let mut client = Peer::client(client_credential(protocols, 0), "localhost");
        client.flags |= ISC_REQ_EXTENDED_ERROR;
        let err = handshake(&mut client, &mut server).unwrap_err();
        assert_eq!(err, ("client", SEC_E_UNTRUSTED_ROOT), "protocols {protocols:#x}");
        client.delete();
        server.delete();
    }
}

/// The same for a client certificate presented to a server asking for one:
/// a self-signed CA:TRUE certificate that no anchor vouches for is an
/// untrusted root (unknown_ca to the client), not an unusable certificate.
#[test]
fn untrusted_self_signed_client_certificate_is_an_untrusted_root() {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["client.test".to_string()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    let id = Identity { cert_der: cert.der().to_vec(), key_der: key.serialize_der() };
    for protocols in [SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_3_CLIENT] {
        let mut server = Peer::server(server_credential(&pki().server, 0, 0));
        server.flags |= ASC_REQ_MUTUAL_AUTH;
        let client_cred = credential(
            secur32::packages::CredentialUse { inbound: false, outbound: true },
            secur32::packages::SchannelCredSpec {
                version: SCHANNEL_CRED_VERSION,
                enabled_protocols: protocols,
                certs: vec![context_of(&id)],
                ..Default::default()
            },
        )
        .unwrap();
        let mut client = Peer::client(client_cred, "localhost");
        let err = handshake(&mut client, &mut server).unwrap_err();
        // TLS 1.2: the server fails on the client's flight; TLS 1.3 likewise
        // (the client finished first and learns it from the alert later).
        assert_eq!(err, ("server", SEC_E_UNTRUSTED_ROOT), "protocols {protocols:#x}");
        client.delete();
        server.delete();
    }
}
