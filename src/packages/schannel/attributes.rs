//! `QueryContextAttributes` for Schannel contexts: what a finished handshake
//! negotiated, in the structures and the names Windows uses.

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{NamedGroup, ProtocolVersion};

use super::context::SchannelContext;
use super::established::Established;
use super::suites::{SuiteInfo, CALG_ECDH_EPHEM, CALG_ECDSA, CALG_RSA_SIGN};
use super::{alpn, exporter, MAX_TOKEN};
use crate::abi::*;
use crate::certs::x509::{self, ParsedCert, OID_EC, OID_ED25519, OID_RSA};
use crate::certs::CertContext;
use crate::error::{SecError, SecResult};
use crate::handles::lock;
use crate::packages::{Attr, Side};

/// Copies `s` into a fixed WCHAR array, NUL-terminated.
fn wstr<const N: usize>(s: &str) -> [WCHAR; N] {
    let mut a = [0u16; N];
    for (d, c) in a.iter_mut().take(N - 1).zip(s.encode_utf16()) {
        *d = c;
    }
    a
}

/// The server's certificate (peer's on a client, ours on a server).
fn server_cert(ctx: &SchannelContext, est: &Established) -> Option<CertificateDer<'static>> {
    match est.side {
        Side::Client => est.negotiated.peer_certs.first().cloned(),
        Side::Server => ctx.credentials().ok()?.cert.as_ref().map(|c| CertificateDer::from(c.der().to_vec())),
    }
}

fn server_facts(ctx: &SchannelContext, est: &Established) -> Option<ParsedCert> {
    ParsedCert::parse(&server_cert(ctx, est)?).ok()
}

/// Expiry of the peer's certificate, as the context expiry (FILETIME).
pub fn peer_expiry(est: &Established) -> Option<u64> {
    x509::not_after(est.negotiated.peer_certs.first()?).ok()
}

/// The hash RFC 5929 `tls-server-end-point` uses for a certificate: its
/// signature hash, with MD5, SHA-1 and hash-less algorithms upgraded to SHA-256.
fn end_point_hash(cert: &ParsedCert) -> &'static ring::digest::Algorithm {
    let oid = match cert.outer_alg.oid.as_str() {
        "1.2.840.113549.1.1.10" => x509::pss_hash(&cert.outer_alg.params).unwrap_or(""),
        o => o,
    };
    match oid {
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" | "2.16.840.1.101.3.4.2.2" => &ring::digest::SHA384,
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" | "2.16.840.1.101.3.4.2.3" => &ring::digest::SHA512,
        _ => &ring::digest::SHA256,
    }
}

/// `SP_PROT_*` bit of the negotiated version on this side.
fn protocol_bit(est: &Established) -> u32 {
    match (est.negotiated.version, est.side) {
        (ProtocolVersion::TLSv1_3, Side::Client) => SP_PROT_TLS1_3_CLIENT,
        (ProtocolVersion::TLSv1_3, Side::Server) => SP_PROT_TLS1_3_SERVER,
        (_, Side::Client) => SP_PROT_TLS1_2_CLIENT,
        (_, Side::Server) => SP_PROT_TLS1_2_SERVER,
    }
}

fn wire_version(est: &Established) -> u32 {
    u16::from(est.negotiated.version) as u32
}

/// Key exchange strength in bits and the curve id (`dwKeyType`).
fn exchange(est: &Established) -> (u32, u32) {
    match est.negotiated.kx_group {
        Some(NamedGroup::X25519) => (255, 0x1d),
        Some(NamedGroup::secp256r1) => (256, 0x17),
        Some(NamedGroup::secp384r1) => (384, 0x18),
        Some(NamedGroup::secp521r1) => (521, 0x19),
        Some(g) => (0, u16::from(g) as u32),
        None => (0, 0),
    }
}

/// IANA name of the suite ("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_...").
fn iana_name(s: &SuiteInfo) -> String {
    match s.name.strip_prefix("TLS13_") {
        Some(rest) => format!("TLS_{rest}"),
        None => s.name.to_owned(),
    }
}

/// Signature algorithm of the server certificate's key: CNG name and ALG_ID.
fn certificate_kind(cert: Option<&ParsedCert>) -> (&'static str, u32) {
    match cert.map(|c| c.spki_alg.oid.as_str()) {
        Some(OID_RSA) => ("RSA", CALG_RSA_SIGN),
        Some(OID_EC) => ("ECDSA", CALG_ECDSA),
        Some(OID_ED25519) => ("Ed25519", 0),
        _ => ("", 0),
    }
}

/// `SECPKG_ATTR_ENDPOINT_BINDINGS`: `tls-server-end-point` (RFC 5929).
fn endpoint_bindings(cert: &[u8]) -> SecResult<Vec<u8>> {
    let parsed = ParsedCert::parse(cert).map_err(|_| SecError::internal("cannot read the server certificate"))?;
    let hash = ring::digest::digest(end_point_hash(&parsed), cert);
    let prefix = b"tls-server-end-point:";
    let header = SEC_CHANNEL_BINDINGS {
        cbApplicationDataLength: (prefix.len() + hash.as_ref().len()) as u32,
        dwApplicationDataOffset: core::mem::size_of::<SEC_CHANNEL_BINDINGS>() as u32,
        ..Default::default()
    };
    let mut out = Vec::with_capacity(32 + prefix.len() + 64);
    for v in [
        header.dwInitiatorAddrType,
        header.cbInitiatorLength,
        header.dwInitiatorOffset,
        header.dwAcceptorAddrType,
        header.cbAcceptorLength,
        header.dwAcceptorOffset,
        header.cbApplicationDataLength,
        header.dwApplicationDataOffset,
    ] {
        out.extend_from_slice(&v.to_ne_bytes());
    }
    out.extend_from_slice(prefix);
    out.extend_from_slice(hash.as_ref());
    Ok(out)
}

fn keying_material(ctx: &SchannelContext, est: &Established) -> SecResult<Vec<u8>> {
    let req =
        lock(&ctx.keying).clone().ok_or(SecError::invalid_parameter("set SECPKG_ATTR_KEYING_MATERIAL_INFO first"))?;
    let hooks = lock(&ctx.hooks).clone().ok_or(SecError::internal("no handshake secrets"))?;
    let secrets = lock(&hooks.secrets);
    let bits = est.suite.hash_bits;
    if est.tls13() {
        exporter::tls13(bits, &secrets.exporter, &req.label, req.context.as_deref(), req.length)
    } else {
        exporter::tls12(
            bits,
            &secrets.master,
            &secrets.client_random,
            &est.negotiated.server_random,
            &req.label,
            req.context.as_deref(),
            req.length,
        )
    }
}

/// Forgets the client's cached sessions for this context's target
/// (`SCHANNEL_SESSION` with `SSL_SESSION_DISABLE_RECONNECTS`).
pub fn forget_session(ctx: &SchannelContext, est: &Established) {
    if est.side != Side::Client {
        return;
    }
    let (Ok(creds), Some(target)) = (ctx.credentials(), est.negotiated.target.as_ref()) else { return };
    if let (Some(configs), Ok(name)) = (creds.lazy.get(), ServerName::try_from(target.clone())) {
        configs.forget_sessions(&name);
    }
}

/// The attribute `attribute` of `ctx`.
pub fn query(ctx: &SchannelContext, attribute: ULONG) -> SecResult<Attr> {
    // Attributes that do not need a finished handshake.
    match attribute {
        SECPKG_ATTR_PACKAGE_INFO => return Ok(Attr::PackageInfo("Schannel")),
        SECPKG_ATTR_NEGOTIATION_INFO => {
            return Ok(Attr::NegotiationInfo {
                package: "Schannel",
                state: if ctx.established.get().is_some() {
                    SECPKG_NEGOTIATION_COMPLETE
                } else {
                    SECPKG_NEGOTIATION_IN_PROGRESS
                },
            })
        }
        SECPKG_ATTR_UNIQUE_BINDINGS => {
            return Err(SecError::unsupported(
                "tls-unique is not available (rustls does not expose the Finished message)",
            ))
        }
        SECPKG_ATTR_APP_DATA => return Ok(Attr::AppData(lock(&ctx.app_data).clone())),
        // A client reads the CAs the server named right after
        // SEC_I_INCOMPLETE_CREDENTIALS, mid-handshake, to pick a certificate
        // (the SDK's WebClient sample, .NET).
        SECPKG_ATTR_ISSUER_LIST_EX if ctx.side == Side::Client => {
            let hooks = lock(&ctx.hooks).clone();
            return Ok(Attr::IssuerList(hooks.map(|h| lock(&h.issuers).clone()).unwrap_or_default()));
        }
        SECPKG_ATTR_LOCAL_CERT_CONTEXT => {
            let creds = ctx.credentials()?;
            return match &creds.cert {
                Some(c) => Ok(Attr::CertContext(c.clone())),
                None => Err(SecError::new(SEC_E_NO_CREDENTIALS, "no local certificate")),
            };
        }
        _ => {}
    }
    let est = ctx.est()?;
    let suite = &est.suite;
    let facts = server_facts(ctx, est);
    let (exch_bits, key_type) = exchange(est);
    Ok(match attribute {
        SECPKG_ATTR_STREAM_SIZES => Attr::StreamSizes(est.stream_sizes()),
        SECPKG_ATTR_SIZES => {
            let s = est.stream_sizes();
            Attr::Sizes(SecPkgContext_Sizes {
                cbMaxToken: MAX_TOKEN,
                cbMaxSignature: 0,
                cbBlockSize: s.cbBlockSize,
                cbSecurityTrailer: s.cbTrailer,
            })
        }
        SECPKG_ATTR_CONNECTION_INFO => Attr::ConnectionInfo(SecPkgContext_ConnectionInfo {
            dwProtocol: protocol_bit(est),
            aiCipher: suite.cipher_alg(),
            dwCipherStrength: suite.cipher_bits(),
            // AEAD suites have no separate MAC; Windows reports none.
            aiHash: 0,
            dwHashStrength: 0,
            aiExch: CALG_ECDH_EPHEM,
            dwExchStrength: exch_bits,
        }),
        SECPKG_ATTR_CONNECTION_INFO_EX => Attr::ConnectionInfoEx(Box::new(SecPkgContext_ConnectionInfoEx {
            dwVersion: 1,
            dwProtocol: protocol_bit(est),
            szCipher: wstr(suite.cipher_name()),
            dwCipherStrength: suite.cipher_bits(),
            szHash: wstr(suite.hash_name()),
            dwHashStrength: suite.hash_bits,
            szExchange: wstr("ECDH"),
            dwExchStrength: exch_bits,
        })),
        SECPKG_ATTR_CIPHER_INFO => {
            let (cert_kind, _) = certificate_kind(facts.as_ref());
            Attr::CipherInfo(Box::new(SecPkgContext_CipherInfo {
                dwVersion: 1,
                dwProtocol: wire_version(est),
                dwCipherSuite: suite.id as u32,
                dwBaseCipherSuite: suite.id as u32,
                szCipherSuite: wstr(&iana_name(suite)),
                szCipher: wstr(suite.cipher_name()),
                dwCipherLen: suite.cipher_bits(),
                dwCipherBlockLen: est.stream_sizes().cbBlockSize,
                szHash: wstr(suite.hash_name()),
                dwHashLen: suite.hash_bits,
                szExchange: wstr("ECDH"),
                dwMinExchangeLen: exch_bits,
                dwMaxExchangeLen: exch_bits,
                szCertificate: wstr(cert_kind),
                dwKeyType: key_type,
            }))
        }
        SECPKG_ATTR_KEY_INFO => {
            let (sig_name, sig_alg) = certificate_kind(facts.as_ref());
            Attr::KeyInfo {
                signature_name: sig_name.to_owned(),
                encrypt_name: suite.cipher_name().to_owned(),
                key_size: suite.cipher_bits(),
                signature_alg: sig_alg,
                encrypt_alg: suite.cipher_alg(),
            }
        }
        SECPKG_ATTR_APPLICATION_PROTOCOL => {
            Attr::ApplicationProtocol(Box::new(alpn::attribute(est.negotiated.alpn.as_deref())))
        }
        SECPKG_ATTR_REMOTE_CERT_CONTEXT | SECPKG_ATTR_REMOTE_CERT_CHAIN => {
            if est.negotiated.peer_certs.is_empty() {
                return Err(SecError::new(SEC_E_NO_CREDENTIALS, "the peer sent no certificate"));
            }
            Attr::CertContext(CertContext::from_peer_chain(&est.negotiated.peer_certs)?)
        }
        // The CAs a server asks client certificates from: its hRootStore.
        SECPKG_ATTR_ISSUER_LIST_EX => {
            let creds = ctx.credentials()?;
            let roots = creds.root_store.as_ref().map(|s| s.certificates()).unwrap_or_default();
            Attr::IssuerList(roots.iter().filter_map(|c| ParsedCert::parse(c.der()).ok().map(|p| p.subject)).collect())
        }
        SECPKG_ATTR_SESSION_INFO => {
            let mut s = SecPkgContext_SessionInfo::default();
            if est.negotiated.resumed {
                s.dwFlags = SSL_SESSION_RECONNECT;
            }
            let id = &est.negotiated.session_id;
            s.cbSessionId = id.len().min(32) as u32;
            s.rgbSessionId[..s.cbSessionId as usize].copy_from_slice(&id[..s.cbSessionId as usize]);
            Attr::SessionInfo(s)
        }
        SECPKG_ATTR_SUPPORTED_SIGNATURES => {
            let creds = ctx.credentials()?;
            let schemes = creds.provider().signature_verification_algorithms.supported_schemes();
            Attr::SupportedSignatures(schemes.into_iter().map(u16::from).collect())
        }
        SECPKG_ATTR_ENDPOINT_BINDINGS => {
            let cert = server_cert(ctx, est).ok_or(SecError::new(SEC_E_NO_CREDENTIALS, "no server certificate"))?;
            Attr::Bindings(endpoint_bindings(&cert)?)
        }
        SECPKG_ATTR_KEYING_MATERIAL => Attr::KeyingMaterial(keying_material(ctx, est)?),
        SECPKG_ATTR_LIFESPAN => {
            let f = facts.ok_or(SecError::internal("cannot read the server certificate"))?;
            Attr::Lifespan(SecPkgContext_Lifespan {
                tsStart: TimeStamp::from_u64(f.not_before),
                tsExpiry: TimeStamp::from_u64(f.not_after),
            })
        }
        SECPKG_ATTR_CLIENT_SPECIFIED_TARGET => {
            let name = match est.side {
                Side::Server => est.negotiated.sni.clone(),
                Side::Client => est.negotiated.target.clone(),
            };
            Attr::ClientSpecifiedTarget(name.ok_or(SecError::new(SEC_E_TARGET_UNKNOWN, "no server name was given"))?)
        }
        SECPKG_ATTR_FLAGS => Attr::Flags(ctx.attributes()),
        // The peer's certificate subject, as CertNameToStr(CERT_X500_NAME_STR) writes it.
        SECPKG_ATTR_NAMES => {
            let peer = est
                .negotiated
                .peer_certs
                .first()
                .ok_or(SecError::new(SEC_E_NO_CREDENTIALS, "the peer sent no certificate"))?;
            let parsed = ParsedCert::parse(peer).map_err(|_| SecError::internal("cannot read the peer certificate"))?;
            let name =
                crate::certs::names::Name::parse(&parsed.subject).map_err(|_| SecError::internal("bad subject"))?;
            Attr::Names(name.to_windows_string(CERT_X500_NAME_STR))
        }
        _ => return Err(SecError::unsupported("context attribute not supported by Schannel")),
    })
}
