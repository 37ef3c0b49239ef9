//! rustls configurations built from a credential, and the per-context hooks
//! rustls calls back into (certificate resolvers, key log).
//!
//! What a credential fixes (versions, suites, identity, trust, session
//! caches) is built once per credential; what a context chooses (ALPN, SNI,
//! how to verify, whether to resume) is set on a clone per context.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;
use rustls::client::{ClientSessionMemoryCache, ClientSessionStore, ResolvesClientCert, Resumption};
use rustls::pki_types::ServerName;
use rustls::server::{ClientHello, NoServerSessionStorage, ResolvesServerCert, ServerSessionMemoryCache};
use rustls::sign::CertifiedKey;
use rustls::version::{TLS12, TLS13};
use rustls::{ClientConfig, KeyLog, KeyLogFile, ServerConfig, SignatureScheme, SupportedProtocolVersion};

use super::credentials::SchannelCredentials;
use super::validation::{client_verifier, roots_from_store, ServerCheck, ServerVerifier, SYSTEM_ROOTS};
use crate::abi::*;
use crate::error::{SecError, SecResult};

/// `SSLKEYLOGFILE` support, only when the variable is set (as OpenSSL and rustls do).
static KEY_LOG_FILE: Lazy<Option<Arc<KeyLogFile>>> =
    Lazy::new(|| std::env::var_os("SSLKEYLOGFILE").map(|_| Arc::new(KeyLogFile::new())));

/// Secrets a context keeps for RFC 5705 / RFC 8446 exporters. Zeroed on drop.
#[derive(Default)]
pub struct CapturedSecrets {
    pub client_random: Vec<u8>,
    /// TLS 1.3 `exporter_master_secret`.
    pub exporter: Vec<u8>,
    /// TLS 1.2 master secret.
    pub master: Vec<u8>,
}

impl core::fmt::Debug for CapturedSecrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CapturedSecrets")
    }
}

impl Drop for CapturedSecrets {
    fn drop(&mut self) {
        // Volatile writes over the whole capacity: a plain loop before the
        // free may be optimised away.
        zeroize::Zeroize::zeroize(&mut self.exporter);
        zeroize::Zeroize::zeroize(&mut self.master);
    }
}

/// Stores `secret` in `slot`, wiping what was there.
fn replace_secret(slot: &mut Vec<u8>, secret: &[u8]) {
    zeroize::Zeroize::zeroize(slot);
    slot.extend_from_slice(secret);
}

/// The credentials' key log: the exporter secrets go to the context whose
/// handshake this thread is driving (see `CURRENT`), and everything to
/// `SSLKEYLOGFILE` when that is set. Never prints anything.
#[derive(Debug, Default)]
struct HookKeyLog;

impl KeyLog for HookKeyLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        if let Some(f) = KEY_LOG_FILE.as_ref() {
            f.log(label, client_random, secret);
        }
        with_current(|h| {
            let mut s = crate::handles::lock(&h.secrets);
            match label {
                "EXPORTER_SECRET" => replace_secret(&mut s.exporter, secret),
                "CLIENT_RANDOM" => replace_secret(&mut s.master, secret),
                _ => return,
            }
            s.client_random = client_random.to_vec();
        });
    }

    fn will_log(&self, label: &str) -> bool {
        KEY_LOG_FILE.is_some() || label == "EXPORTER_SECRET" || label == "CLIENT_RANDOM"
    }
}

/// What rustls tells a context through callbacks during its handshake.
#[derive(Debug, Default)]
pub struct Hooks {
    /// The secrets exporters need, from the key log.
    pub secrets: Mutex<CapturedSecrets>,
    /// Client: the server asked for a certificate.
    pub cert_requested: AtomicBool,
    /// Client: a certificate was sent.
    pub cert_sent: AtomicBool,
    /// Client: the CAs the server accepts (DER names), from CertificateRequest.
    pub issuers: Mutex<Vec<Vec<u8>>>,
    /// Client: the certificate of the credential passed after
    /// SEC_I_INCOMPLETE_CREDENTIALS (TLS 1.2), which the resolver prefers.
    pub late_cert: Mutex<Option<Arc<CertifiedKey>>>,
    /// Server: the SNI the client sent.
    pub sni: Mutex<Option<String>>,
    /// Record keys between their derivation for rustls' record layer and
    /// their extraction for ours (`keyblock`).
    pub derived: Mutex<super::keyblock::Kept>,
}

thread_local! {
    /// The hooks of the context whose handshake this thread is driving.
    /// rustls calls resolvers synchronously from `process_tls_records`, so
    /// the resolvers can be shared per credential (rustls resumes a session
    /// only with the same resolver and verifier objects) and still report to
    /// the right context.
    static CURRENT: RefCell<Option<Arc<Hooks>>> = const { RefCell::new(None) };
}

/// Makes `hooks` the current context's for the guard's lifetime.
pub fn enter(hooks: &Arc<Hooks>) -> HooksGuard {
    HooksGuard(CURRENT.with(|c| c.borrow_mut().replace(Arc::clone(hooks))))
}

/// Puts back the hooks that were current before `enter` on drop.
pub struct HooksGuard(Option<Arc<Hooks>>);

impl Drop for HooksGuard {
    fn drop(&mut self) {
        let previous = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// `f` on the current hooks, if a context's handshake is being driven.
pub fn with_current<R>(f: impl FnOnce(&Hooks) -> R) -> Option<R> {
    CURRENT.with(|c| c.borrow().as_ref().map(|h| f(h)))
}

/// A credential's client-certificate resolver.
#[derive(Debug)]
struct ClientCert {
    key: Option<Arc<CertifiedKey>>,
}

impl ResolvesClientCert for ClientCert {
    fn resolve(&self, root_hint_subjects: &[&[u8]], sigschemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        let late = with_current(|h| crate::handles::lock(&h.late_cert).clone()).flatten();
        let key = late.as_ref().or(self.key.as_ref()).filter(|k| k.key.choose_scheme(sigschemes).is_some());
        with_current(|h| {
            h.cert_requested.store(true, Ordering::Relaxed);
            *crate::handles::lock(&h.issuers) = root_hint_subjects.iter().map(|s| s.to_vec()).collect();
            if key.is_some() {
                h.cert_sent.store(true, Ordering::Relaxed);
            }
        });
        key.cloned()
    }

    /// Always: a certificate may arrive after SEC_I_INCOMPLETE_CREDENTIALS
    /// (rustls keeps the TLS 1.2 transcript for its CertificateVerify then).
    fn has_certs(&self) -> bool {
        true
    }
}

/// A credential's server-certificate resolver: one identity; the SNI is noted.
#[derive(Debug)]
struct ServerCert {
    key: Arc<CertifiedKey>,
}

impl ResolvesServerCert for ServerCert {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        with_current(|h| *crate::handles::lock(&h.sni) = hello.server_name().map(str::to_owned));
        Some(Arc::clone(&self.key))
    }
}

/// What a context chooses for its client config.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ClientChoice {
    check: ServerCheck,
    alpn: Vec<Vec<u8>>,
    sni: bool,
    resume: bool,
}

/// What a context chooses for its server config.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ServerChoice {
    mutual: bool,
    alpn: Vec<Vec<u8>>,
}

/// Configs made for the choices contexts made, most recent last: a program
/// usually makes the same choice for every connection, and then every
/// context shares one config instead of cloning its own.
struct ConfigCache<K, V> {
    entries: Mutex<Vec<(K, Arc<V>)>>,
}

impl<K: PartialEq, V> ConfigCache<K, V> {
    const SIZE: usize = 8;

    fn new() -> Self {
        Self { entries: Mutex::new(Vec::new()) }
    }

    fn get_or_make(&self, key: K, make: impl FnOnce() -> V) -> Arc<V> {
        let mut entries = crate::handles::lock(&self.entries);
        if let Some((_, v)) = entries.iter().find(|(k, _)| *k == key) {
            return Arc::clone(v);
        }
        let v = Arc::new(make());
        if entries.len() == Self::SIZE {
            entries.remove(0);
        }
        entries.push((key, Arc::clone(&v)));
        v
    }
}

/// What a credential builds once and shares with its contexts.
pub struct CredentialConfigs {
    client: Option<ClientConfig>,
    verifiers: Vec<(ServerCheck, Arc<ServerVerifier>)>,
    /// Server configs without and with a client-certificate request.
    server: Option<(ServerConfig, ServerConfig)>,
    pub client_sessions: Arc<ClientSessionMemoryCache>,
    client_cache: ConfigCache<ClientChoice, ClientConfig>,
    server_cache: ConfigCache<ServerChoice, ServerConfig>,
}

fn versions(creds: &SchannelCredentials) -> Vec<&'static SupportedProtocolVersion> {
    let mut v = Vec::new();
    if creds.tls13 {
        v.push(&TLS13);
    }
    if creds.tls12 {
        v.push(&TLS12);
    }
    v
}

fn config_error(_: rustls::Error) -> SecError {
    SecError::new(SEC_E_ALGORITHM_MISMATCH, "no usable protocol/suite combination")
}

impl CredentialConfigs {
    pub fn build(creds: &SchannelCredentials) -> SecResult<Self> {
        let provider = creds.provider();
        let versions = versions(creds);
        let reconnects = creds.flags & SCH_CRED_DISABLE_RECONNECTS == 0;
        let client_sessions = Arc::new(ClientSessionMemoryCache::new(256));

        let mut verifiers = Vec::new();
        let client = if creds.usage.outbound {
            for check in [ServerCheck::Full, ServerCheck::NoName, ServerCheck::Manual] {
                verifiers.push((check, ServerVerifier::new(Arc::clone(&SYSTEM_ROOTS), Arc::clone(&provider), check)));
            }
            let mut c = ClientConfig::builder_with_provider(Arc::clone(&provider))
                .with_protocol_versions(&versions)
                .map_err(config_error)?
                .dangerous()
                .with_custom_certificate_verifier(verifiers[0].1.clone())
                .with_client_cert_resolver(Arc::new(ClientCert { key: creds.certified_key.clone() }));
            c.enable_secret_extraction = true;
            c.key_log = Arc::new(HookKeyLog);
            c.resumption = if reconnects {
                Resumption::store(client_sessions.clone() as Arc<dyn ClientSessionStore>)
            } else {
                Resumption::disabled()
            };
            Some(c)
        } else {
            None
        };

        let server = match (&creds.certified_key, creds.usage.inbound) {
            (Some(key), true) => {
                let roots = match &creds.root_store {
                    Some(store) => roots_from_store(store),
                    None => Arc::clone(&SYSTEM_ROOTS),
                };
                let build = |mutual: bool| -> SecResult<ServerConfig> {
                    let b = ServerConfig::builder_with_provider(Arc::clone(&provider))
                        .with_protocol_versions(&versions)
                        .map_err(config_error)?;
                    let b = if mutual {
                        b.with_client_cert_verifier(client_verifier(Arc::clone(&roots), Arc::clone(&provider)))
                    } else {
                        b.with_no_client_auth()
                    };
                    let mut c = b.with_cert_resolver(Arc::new(ServerCert { key: Arc::clone(key) }));
                    c.enable_secret_extraction = true;
                    c.key_log = Arc::new(HookKeyLog);
                    if reconnects {
                        c.session_storage = ServerSessionMemoryCache::new(1024);
                        c.ticketer = rustls::crypto::ring::Ticketer::new()
                            .map_err(|_| SecError::internal("cannot create a session ticketer"))?;
                    } else {
                        c.session_storage = Arc::new(NoServerSessionStorage {});
                        c.send_tls13_tickets = 0;
                    }
                    Ok(c)
                };
                let plain = build(false)?;
                let mut mutual = build(true)?;
                // Both share one session cache and ticket key, so either resumes the other.
                mutual.session_storage = Arc::clone(&plain.session_storage);
                mutual.ticketer = Arc::clone(&plain.ticketer);
                Some((plain, mutual))
            }
            _ => None,
        };
        Ok(Self {
            client,
            verifiers,
            server,
            client_sessions,
            client_cache: ConfigCache::new(),
            server_cache: ConfigCache::new(),
        })
    }

    /// The client config for a context's choices.
    pub fn client_config(
        &self,
        check: ServerCheck,
        alpn: Vec<Vec<u8>>,
        sni: bool,
        resume: bool,
    ) -> SecResult<Arc<ClientConfig>> {
        let base = self.client.as_ref().ok_or(SecError::new(SEC_E_NO_CREDENTIALS, "not an outbound credential"))?;
        let choice = ClientChoice { check, alpn, sni, resume };
        Ok(self.client_cache.get_or_make(choice.clone(), || {
            let mut c = base.clone();
            if let Some((_, v)) = self.verifiers.iter().find(|(k, _)| *k == choice.check) {
                c.dangerous().set_certificate_verifier(v.clone());
            }
            c.alpn_protocols = choice.alpn;
            c.enable_sni = choice.sni;
            if !choice.resume {
                c.resumption = Resumption::disabled();
            }
            c
        }))
    }

    /// The server config for a context's choices.
    pub fn server_config(&self, mutual: bool, alpn: Vec<Vec<u8>>) -> SecResult<Arc<ServerConfig>> {
        let (plain, with_auth) =
            self.server.as_ref().ok_or(SecError::new(SEC_E_NO_CREDENTIALS, "not an inbound credential"))?;
        Ok(self.server_cache.get_or_make(ServerChoice { mutual, alpn: alpn.clone() }, || {
            let mut c = if mutual { with_auth.clone() } else { plain.clone() };
            c.alpn_protocols = alpn;
            c
        }))
    }

    /// Forgets cached sessions for `name` (`SSL_SESSION_DISABLE_RECONNECTS`).
    pub fn forget_sessions(&self, name: &ServerName<'static>) {
        self.client_sessions.remove_tls12_session(name);
        while self.client_sessions.take_tls13_ticket(name).is_some() {}
    }
}
