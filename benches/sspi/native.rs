//! The native rustls side: `ClientConnection` ↔ `ServerConnection` with the
//! configuration the SSPI layer builds for the same credentials (ring
//! provider with the one pinned suite, same protocol version, WebPKI
//! verification against the bench CA with the name checked, SNI, a 256-entry
//! client session cache, a 1024-entry server session cache and a ring
//! ticketer), bytes moved through `write_tls` / `read_tls`.

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::client::Resumption;
use rustls::crypto::ring as provider;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::server::ServerSessionMemoryCache;
use rustls::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};

use crate::pki::{Identity, KeyKind};
use crate::{Case, Version};

fn crypto(case: Case) -> Arc<rustls::crypto::CryptoProvider> {
    let mut p = provider::default_provider();
    p.cipher_suites = vec![match (case.version, case.key) {
        (Version::Tls13, _) => provider::cipher_suite::TLS13_AES_128_GCM_SHA256,
        (Version::Tls12, KeyKind::Ecdsa) => provider::cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        (Version::Tls12, KeyKind::Rsa) => provider::cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    }];
    Arc::new(p)
}

fn versions(case: Case) -> &'static [&'static rustls::SupportedProtocolVersion] {
    static TLS13: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
    static TLS12: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
    match case.version {
        Version::Tls13 => &TLS13,
        Version::Tls12 => &TLS12,
    }
}

pub struct Configs {
    pub server: Arc<ServerConfig>,
    pub client_full: Arc<ClientConfig>,
    pub client_resume: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl Configs {
    /// With `extract`, the configs allow secret extraction (for the
    /// `rustls+extract` diagnostic column).
    pub fn new(ca_der: &[u8], id: &Identity, case: Case, extract: bool) -> Configs {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from(ca_der.to_vec())).expect("CA");
        let roots = Arc::new(roots);
        let client = |resume: bool| {
            let mut c = ClientConfig::builder_with_provider(crypto(case))
                .with_protocol_versions(versions(case))
                .expect("client versions")
                .with_root_certificates(Arc::clone(&roots))
                .with_no_client_auth();
            c.resumption = if resume { Resumption::in_memory_sessions(256) } else { Resumption::disabled() };
            c.enable_secret_extraction = extract;
            Arc::new(c)
        };
        let mut server = ServerConfig::builder_with_provider(crypto(case))
            .with_protocol_versions(versions(case))
            .expect("server versions")
            .with_no_client_auth()
            .with_single_cert(vec![id.cert()], id.key())
            .expect("server certificate");
        server.session_storage = ServerSessionMemoryCache::new(1024);
        server.ticketer = provider::Ticketer::new().expect("ticketer");
        server.enable_secret_extraction = extract;
        Configs {
            server: Arc::new(server),
            client_full: client(false),
            client_resume: client(true),
            name: ServerName::try_from("localhost").expect("name"),
        }
    }
}

pub struct Pair {
    pub client: ClientConnection,
    pub server: ServerConnection,
}

/// Reusable wire buffer.
#[derive(Default)]
pub struct Driver {
    wire: Vec<u8>,
}

/// Moves everything `from` has to send into `to` and lets `to` process it.
macro_rules! pump {
    ($from:expr, $to:expr, $wire:expr) => {{
        let wire: &mut Vec<u8> = $wire;
        wire.clear();
        while $from.wants_write() {
            $from.write_tls(wire).expect("write_tls");
        }
        let mut rd = &wire[..];
        while !rd.is_empty() {
            $to.read_tls(&mut rd).expect("read_tls");
            $to.process_new_packets().expect("process_new_packets");
        }
    }};
}

impl Driver {
    /// A whole handshake; afterwards the client has processed what the server
    /// sent after its last handshake message (TLS 1.3 tickets).
    pub fn handshake(&mut self, configs: &Configs, resume: bool) -> Pair {
        let cfg = if resume { &configs.client_resume } else { &configs.client_full };
        let mut client = ClientConnection::new(Arc::clone(cfg), configs.name.clone()).expect("client connection");
        let mut server = ServerConnection::new(Arc::clone(&configs.server)).expect("server connection");
        for _ in 0..16 {
            pump!(client, server, &mut self.wire);
            pump!(server, client, &mut self.wire);
            if !client.is_handshaking() && !server.is_handshaking() && !client.wants_write() && !server.wants_write() {
                return Pair { client, server };
            }
        }
        panic!("rustls handshake did not finish");
    }
}

/// ring AES-GCM keys for one direction of extracted secrets.
fn ring_key(secrets: &rustls::ConnectionTrafficSecrets) -> ring::aead::LessSafeKey {
    match secrets {
        rustls::ConnectionTrafficSecrets::Aes128Gcm { key, .. } => ring::aead::LessSafeKey::new(
            ring::aead::UnboundKey::new(&ring::aead::AES_128_GCM, key.as_ref()).expect("AES key"),
        ),
        _ => panic!("unexpected suite"),
    }
}

impl Driver {
    /// The `rustls+extract` diagnostic: a native handshake, then what any
    /// design that runs its own record layer on rustls' keys must add — the
    /// secrets extracted from both connections and ring keys made from them.
    pub fn handshake_extract(&mut self, configs: &Configs, resume: bool) -> bool {
        let pair = self.handshake(configs, resume);
        let resumed = negotiated(&pair).2;
        for secrets in [
            pair.client.dangerous_extract_secrets().expect("client secrets"),
            pair.server.dangerous_extract_secrets().expect("server secrets"),
        ] {
            std::hint::black_box((ring_key(&secrets.tx.1), ring_key(&secrets.rx.1)));
        }
        resumed
    }
}

/// (version, suite id, resumed) of the client side.
pub fn negotiated(pair: &Pair) -> (u16, u16, bool, Option<rustls::NamedGroup>) {
    let c = &pair.client;
    (
        u16::from(c.protocol_version().expect("version")),
        u16::from(c.negotiated_cipher_suite().expect("suite").suite()),
        c.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
        c.negotiated_key_exchange_group().map(|g| g.name()),
    )
}

/// The client writes a message, the record crosses the wire (`write_tls`
/// into it, `read_tls` out of it), the server reads the plaintext.
pub struct Bulk {
    pair: Pair,
    wire: Vec<u8>,
    out: Vec<u8>,
}

impl Bulk {
    pub fn new(pair: Pair, max: usize) -> Bulk {
        Bulk { pair, wire: Vec::with_capacity(max + 64), out: vec![0; max] }
    }

    pub fn message(&mut self, msg: &[u8]) {
        let Pair { client, server } = &mut self.pair;
        client.writer().write_all(msg).expect("write");
        pump!(client, server, &mut self.wire);
        server.reader().read_exact(&mut self.out[..msg.len()]).expect("read");
    }
}

pub fn check_roundtrip(bulk: &mut Bulk, msg: &[u8]) {
    bulk.message(msg);
    assert_eq!(&bulk.out[..msg.len()], msg, "rustls round trip");
}
