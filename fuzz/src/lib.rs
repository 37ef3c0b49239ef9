//! The bodies of the sspi-rustls fuzz targets.
//!
//! Each `pub fn TARGET(data: &[u8])` is one libFuzzer target
//! (`fuzz_targets/TARGET.rs`), and the same functions replay every seed and
//! every regression input under plain `cargo test` (`tests/fuzz_corpus.rs`
//! in the main crate includes this file as a module). Everything goes
//! through the exported C ABI, as a C caller would use it.
//!
//! Besides "no crash" (the fuzzer builds with AddressSanitizer), every input
//! is checked for:
//! * **statuses**: each one is a code the library documents;
//! * **no swallowed panic**: the library catches panics at its boundary and
//!   answers `SEC_E_INTERNAL_ERROR`; a panic hook counts (under libFuzzer:
//!   aborts on) every panic, and any panic is a finding;
//! * **no leak**: the live handles, `FreeContextBuffer` blocks and
//!   certificate objects return to what they were before the input;
//! * **nothing lost**: application data sealed by the peer comes out of
//!   `DecryptMessage` exactly, in order (decrypt target); output pointers
//!   are either NULL, inside the caller's buffers, or library blocks that
//!   `FreeContextBuffer` accepts; the library writes nothing outside the
//!   buffers and `SecBuffer` arrays it was given (buffers target).
//!
//! Input formats are documented on each target. They are byte-oriented and
//! length-prefixed so that libFuzzer's mutations keep most of the structure.

#![allow(clippy::missing_safety_doc)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use secur32::abi::*;
use secur32::entry::attributes::{QueryContextAttributesExW, QueryContextAttributesW};
use secur32::entry::contexts::{
    AcceptSecurityContext, ApplyControlToken, CompleteAuthToken, DeleteSecurityContext, InitializeSecurityContextW,
};
use secur32::entry::credentials::{AcquireCredentialsHandleW, FreeCredentialsHandle};
use secur32::entry::crypt32::*;
use secur32::entry::messages::{DecryptMessage, EncryptMessage, MakeSignature, VerifySignature};
use secur32::entry::packages::FreeContextBuffer;
use secur32::entry::{CONTEXTS, CREDENTIALS};
use secur32::packages::{self, AcquireRequest, AuthData, CredentialUse, SchannelCredSpec};

// ---------------------------------------------------------------------------
// Reading the input

/// A cursor over the fuzz input. Reads past the end give zeros / empty
/// slices, so every input is valid.
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (a, b) = self.data.split_at(n);
        self.data = b;
        a
    }
    /// A length-prefixed (u16 LE) byte string.
    pub fn chunk(&mut self) -> &'a [u8] {
        let n = self.u16() as usize;
        self.take(n)
    }
    pub fn rest(&mut self) -> &'a [u8] {
        self.take(self.data.len())
    }
}

/// Encodes byte strings the way [`Reader::chunk`] reads them (for seeds).
pub fn chunks(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        for piece in p.chunks(u16::MAX as usize) {
            out.extend_from_slice(&(piece.len() as u16).to_le_bytes());
            out.extend_from_slice(piece);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Invariants

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Panics seen since the process started (the library's own included,
/// although it catches them).
pub fn panics() -> usize {
    PANICS.load(Ordering::SeqCst)
}

/// Every status the library documents for the SSPI functions.
const DOCUMENTED: &[i32] = &[
    SEC_E_OK,
    SEC_I_CONTINUE_NEEDED,
    SEC_E_MUTUAL_AUTH_FAILED,
    SEC_I_CONTEXT_EXPIRED,
    SEC_I_RENEGOTIATE,
    SEC_I_INCOMPLETE_CREDENTIALS,
    SEC_E_INCOMPLETE_MESSAGE,
    SEC_E_INSUFFICIENT_MEMORY,
    SEC_E_INVALID_HANDLE,
    SEC_E_UNSUPPORTED_FUNCTION,
    SEC_E_TARGET_UNKNOWN,
    SEC_E_INTERNAL_ERROR,
    SEC_E_INVALID_TOKEN,
    SEC_E_INVALID_PARAMETER,
    SEC_E_QOP_NOT_SUPPORTED,
    SEC_E_LOGON_DENIED,
    SEC_E_NO_CREDENTIALS,
    SEC_E_UNKNOWN_CREDENTIALS,
    SEC_E_CONTEXT_EXPIRED,
    SEC_E_BUFFER_TOO_SMALL,
    SEC_E_WRONG_PRINCIPAL,
    SEC_E_UNTRUSTED_ROOT,
    SEC_E_ILLEGAL_MESSAGE,
    SEC_E_CERT_UNKNOWN,
    SEC_E_CERT_EXPIRED,
    SEC_E_ENCRYPT_FAILURE,
    SEC_E_DECRYPT_FAILURE,
    SEC_E_MESSAGE_ALTERED,
    SEC_E_ALGORITHM_MISMATCH,
    SEC_E_APPLICATION_PROTOCOL_MISMATCH,
    SEC_E_CERT_WRONG_USAGE,
    CRYPT_E_REVOKED,
    SEC_E_OUT_OF_SEQUENCE,
    SEC_E_BAD_BINDINGS,
    SEC_E_TIME_SKEW,
];

fn documented(st: i32, what: &str) -> i32 {
    assert!(DOCUMENTED.contains(&st), "{what}: undocumented status {st:#010x}");
    st
}

/// What must come back to its value once an input is done.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Counters {
    contexts: usize,
    credentials: usize,
    blocks: usize,
    certs: (usize, usize),
}

impl Counters {
    pub fn now() -> Self {
        Self {
            contexts: CONTEXTS.live(),
            credentials: CREDENTIALS.live(),
            blocks: secur32::alloc::live_count(),
            certs: secur32::certs::live_objects(),
        }
    }
    pub fn assert_unchanged(&self, what: &str) {
        assert_eq!(Self::now(), *self, "{what}: leaked handles, blocks or certificate objects");
        assert_eq!(panics(), 0, "{what}: a panic happened (the library answered SEC_E_INTERNAL_ERROR)");
    }
}

// ---------------------------------------------------------------------------
// The shared environment: credentials and rustls peers, made once.

pub struct Env {
    pub server_cert: Vec<u8>,
    pub server_key: Vec<u8>,
    /// SSPI server credential (ECDSA P-256 certificate for "localhost").
    pub server: CredHandle,
    /// SSPI client credential with manual validation (no trust store needed).
    pub client: CredHandle,
    /// A ClientHello from the SSPI client offering "h2" and "http/1.1".
    pub client_hello_alpn: Vec<u8>,
    rustls_clients: Vec<Arc<rustls::ClientConfig>>,
    rustls_servers: Vec<Arc<rustls::ServerConfig>>,
}

/// The suites the decrypt target can run on: (version is 1.3, suite).
fn suites() -> [rustls::SupportedCipherSuite; 4] {
    use rustls::crypto::ring::cipher_suite::*;
    [
        TLS13_AES_128_GCM_SHA256,
        TLS13_CHACHA20_POLY1305_SHA256,
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ]
}

#[derive(Debug)]
struct AcceptAnything(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

/// The environment, built on first use. Also installs the panic counter.
pub fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, "sspi-rustls fuzz");
        let cert = params.self_signed(&key).unwrap();
        let (cert_der, key_der) = (cert.der().to_vec(), key.serialize_der());

        let reg = packages::find("Schannel").unwrap();
        let identity = secur32::certs::CertContext::new(
            cert_der.clone(),
            Some(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der.clone()))),
        );
        let creds = reg
            .package
            .acquire_credentials(AcquireRequest {
                principal: None,
                usage: CredentialUse { inbound: true, outbound: false },
                auth: AuthData::Schannel(SchannelCredSpec {
                    version: SCHANNEL_CRED_VERSION,
                    certs: vec![identity],
                    ..Default::default()
                }),
            })
            .unwrap();
        let server = CREDENTIALS.insert(creds).unwrap();

        let mut cred: SCHANNEL_CRED = unsafe { core::mem::zeroed() };
        cred.dwVersion = SCHANNEL_CRED_VERSION;
        cred.dwFlags = SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS;
        let mut client = CredHandle::default();
        let mut pkg = wide("Schannel");
        let st = unsafe {
            AcquireCredentialsHandleW(
                core::ptr::null_mut(),
                pkg.as_mut_ptr(),
                SECPKG_CRED_OUTBOUND,
                core::ptr::null_mut(),
                (&mut cred as *mut SCHANNEL_CRED).cast(),
                None,
                core::ptr::null_mut(),
                &mut client,
                core::ptr::null_mut(),
            )
        };
        assert_eq!(st, SEC_E_OK);

        let mut rustls_clients = Vec::new();
        let mut rustls_servers = Vec::new();
        for suite in suites() {
            let mut p = rustls::crypto::ring::default_provider();
            p.cipher_suites = vec![suite];
            let p = Arc::new(p);
            let version = if suite.version() == &rustls::version::TLS13 {
                &rustls::version::TLS13
            } else {
                &rustls::version::TLS12
            };
            let mut c = rustls::ClientConfig::builder_with_provider(p.clone())
                .with_protocol_versions(&[version])
                .unwrap()
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnything(p.clone())))
                .with_no_client_auth();
            c.enable_secret_extraction = true;
            c.resumption = rustls::client::Resumption::disabled();
            rustls_clients.push(Arc::new(c));
            let mut s = rustls::ServerConfig::builder_with_provider(p)
                .with_protocol_versions(&[version])
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(
                    vec![CertificateDer::from(cert_der.clone())],
                    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der.clone())),
                )
                .unwrap();
            s.enable_secret_extraction = true;
            s.send_tls13_tickets = 0;
            rustls_servers.push(Arc::new(s));
        }

        let mut env = Env {
            server_cert: cert_der,
            server_key: key_der,
            server,
            client,
            client_hello_alpn: Vec::new(),
            rustls_clients,
            rustls_servers,
        };
        let mut p = Peer::client(client, Some("localhost"));
        p.alpn = Some(alpn_blob(&[b"h2", b"http/1.1"]));
        let (st, hello) = p.call(&mut Vec::new());
        assert_eq!(st, SEC_I_CONTINUE_NEEDED);
        p.delete();
        env.client_hello_alpn = hello;
        env
    })
}

// ---------------------------------------------------------------------------
// One side of the token loop, through the exported functions.

const ALERT_ROOM: usize = 64;

pub struct Peer {
    pub server: bool,
    pub cred: CredHandle,
    pub ctx: Option<CtxtHandle>,
    pub flags: u32,
    pub target: Option<Vec<u16>>,
    pub alpn: Option<Vec<u8>>,
    /// Use a caller TOKEN buffer of this size instead of ALLOCATE_MEMORY.
    pub out_size: Option<usize>,
    pub established: bool,
    /// The first error returned, if any.
    pub failed: Option<i32>,
}

impl Peer {
    pub fn server(cred: CredHandle) -> Self {
        let flags = ASC_REQ_SEQUENCE_DETECT
            | ASC_REQ_REPLAY_DETECT
            | ASC_REQ_CONFIDENTIALITY
            | ASC_REQ_STREAM
            | ASC_REQ_ALLOCATE_MEMORY;
        Self::new(true, cred, None, flags)
    }
    pub fn client(cred: CredHandle, target: Option<&str>) -> Self {
        let flags = ISC_REQ_SEQUENCE_DETECT
            | ISC_REQ_REPLAY_DETECT
            | ISC_REQ_CONFIDENTIALITY
            | ISC_REQ_STREAM
            | ISC_REQ_ALLOCATE_MEMORY;
        Self::new(false, cred, target.map(wide), flags)
    }
    fn new(server: bool, cred: CredHandle, target: Option<Vec<u16>>, flags: u32) -> Self {
        Self { server, cred, ctx: None, flags, target, alpn: None, out_size: None, established: false, failed: None }
    }

    /// One ISC/ASC call with `inbox` as the input token. Consumed bytes are
    /// removed from `inbox` (what SECBUFFER_EXTRA says is kept). Returns the
    /// status and the output token.
    pub fn call(&mut self, inbox: &mut Vec<u8>) -> (i32, Vec<u8>) {
        let mut token = inbox.clone();
        let token_ptr = token.as_mut_ptr();
        let mut alpn = self.alpn.clone().unwrap_or_default();
        let first_client = !self.server && self.ctx.is_none();
        let mut inbufs = vec![
            SecBuffer { cbBuffer: token.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: token_ptr.cast() },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
        ];
        if first_client {
            inbufs[0] = SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() };
        }
        if self.alpn.is_some() && (self.server || first_client) {
            inbufs.push(SecBuffer {
                cbBuffer: alpn.len() as u32,
                BufferType: SECBUFFER_APPLICATION_PROTOCOLS,
                pvBuffer: alpn.as_mut_ptr().cast(),
            });
        }
        let mut indesc = SecBufferDesc { ulVersion: 0, cBuffers: inbufs.len() as u32, pBuffers: inbufs.as_mut_ptr() };
        let allocate = self.out_size.is_none();
        let mut caller_out = vec![0u8; self.out_size.unwrap_or(0)];
        let caller_ptr = caller_out.as_mut_ptr();
        let mut alert = [0u8; ALERT_ROOM];
        let alert_ptr = alert.as_mut_ptr();
        let mut outbufs = [
            SecBuffer {
                cbBuffer: caller_out.len() as u32,
                BufferType: SECBUFFER_TOKEN,
                pvBuffer: if allocate { core::ptr::null_mut() } else { caller_ptr.cast() },
            },
            SecBuffer { cbBuffer: ALERT_ROOM as u32, BufferType: SECBUFFER_ALERT, pvBuffer: alert_ptr.cast() },
        ];
        let mut outdesc = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: outbufs.as_mut_ptr() };
        let flags = if allocate { self.flags } else { self.flags & !ISC_REQ_ALLOCATE_MEMORY };
        let sentinel = CtxtHandle { dwLower: 0xA5A5, dwUpper: 0x5A5A };
        let mut new_ctx = sentinel;
        let mut attrs = 0u32;
        let mut expiry = TimeStamp::default();
        let input = if first_client && self.alpn.is_none() { core::ptr::null_mut() } else { &mut indesc as *mut _ };
        let mut ctx_copy = self.ctx;
        let ctx_ptr = ctx_copy.as_mut().map_or(core::ptr::null_mut(), |c| c as *mut CtxtHandle);
        let st = unsafe {
            if self.server {
                AcceptSecurityContext(
                    &mut self.cred,
                    ctx_ptr,
                    input,
                    flags,
                    SECURITY_NATIVE_DREP,
                    &mut new_ctx,
                    &mut outdesc,
                    &mut attrs,
                    &mut expiry,
                )
            } else {
                let target = self.target.as_mut().map_or(core::ptr::null_mut(), |t| t.as_mut_ptr());
                InitializeSecurityContextW(
                    &mut self.cred,
                    ctx_ptr,
                    target,
                    flags,
                    0,
                    SECURITY_NATIVE_DREP,
                    input,
                    0,
                    &mut new_ctx,
                    &mut outdesc,
                    &mut attrs,
                    &mut expiry,
                )
            }
        };
        documented(st, if self.server { "AcceptSecurityContext" } else { "InitializeSecurityContext" });
        let ok = matches!(st, SEC_E_OK | SEC_I_CONTINUE_NEEDED | SEC_I_INCOMPLETE_CREDENTIALS);
        match self.ctx {
            Some(c) if ok => assert_eq!(new_ctx, c, "phNewContext equals phContext after the first call"),
            Some(_) => {}
            None if ok => {
                assert_ne!(new_ctx, sentinel, "a successful first call returns a context");
                self.ctx = Some(new_ctx);
            }
            None => assert_eq!(new_ctx, sentinel, "a failed or incomplete first call creates no context"),
        }
        // Outputs: caller memory, or library blocks to free.
        let mut out = Vec::new();
        let t = outbufs[0];
        if !t.pvBuffer.is_null() && t.cbBuffer > 0 {
            if allocate {
                out = unsafe { core::slice::from_raw_parts(t.pvBuffer as *const u8, t.cbBuffer as usize) }.to_vec();
                assert_eq!(unsafe { FreeContextBuffer(t.pvBuffer) }, SEC_E_OK, "output token is a library block");
            } else {
                assert_eq!(t.pvBuffer as *mut u8, caller_ptr, "caller token buffer kept");
                assert!(t.cbBuffer as usize <= caller_out.len());
                out = caller_out[..t.cbBuffer as usize].to_vec();
            }
        }
        let a = outbufs[1];
        if !a.pvBuffer.is_null() && a.pvBuffer as *mut u8 != alert_ptr {
            assert_eq!(unsafe { FreeContextBuffer(a.pvBuffer) }, SEC_E_OK, "alert buffer is a library block");
        } else if !a.pvBuffer.is_null() {
            assert!(a.cbBuffer as usize <= ALERT_ROOM);
        }
        // Input consumption.
        if st == SEC_E_INCOMPLETE_MESSAGE {
            assert!(inbufs.iter().any(|b| b.BufferType == SECBUFFER_MISSING), "INCOMPLETE_MESSAGE marks MISSING");
        } else if ok {
            let extra = inbufs.iter().find(|b| b.BufferType == SECBUFFER_EXTRA);
            let n = extra.map_or(0, |b| b.cbBuffer as usize);
            assert!(n <= inbox.len(), "EXTRA larger than the input");
            if let Some(b) = extra {
                if !b.pvBuffer.is_null() {
                    assert_eq!(b.pvBuffer as usize, token_ptr as usize + token.len() - n, "EXTRA points at the tail");
                }
            }
            let consumed = inbox.len() - n;
            inbox.drain(..consumed);
        }
        if st == SEC_E_OK {
            self.established = true;
        }
        if !ok && st != SEC_E_INCOMPLETE_MESSAGE && self.failed.is_none() {
            self.failed = Some(st);
        }
        (st, out)
    }

    /// Calls until this side needs more input, is done or failed.
    /// Returns the bytes to send to the peer.
    pub fn pump(&mut self, inbox: &mut Vec<u8>) -> Vec<u8> {
        let mut sent = Vec::new();
        for _ in 0..64 {
            if self.established || self.failed.is_some() {
                break;
            }
            let first_client = !self.server && self.ctx.is_none();
            if inbox.is_empty() && !first_client {
                break;
            }
            let before = inbox.len();
            let (st, out) = self.call(inbox);
            sent.extend_from_slice(&out);
            match st {
                SEC_E_OK | SEC_I_INCOMPLETE_CREDENTIALS => {}
                SEC_I_CONTINUE_NEEDED => {
                    if inbox.len() == before && out.is_empty() && !first_client {
                        break;
                    }
                }
                SEC_E_INCOMPLETE_MESSAGE => break,
                SEC_E_INSUFFICIENT_MEMORY if self.out_size.is_some() => {
                    // Nothing lost: the same call with room enough succeeds.
                    self.out_size = Some(1 << 16);
                }
                _ => {
                    // A failed context answers again with an error, never success.
                    if self.ctx.is_some() {
                        let (again, _) = self.call(inbox);
                        assert!(
                            !matches!(again, SEC_E_OK | SEC_I_CONTINUE_NEEDED),
                            "a failed handshake must not continue ({st:#x} then {again:#x})"
                        );
                    }
                    break;
                }
            }
        }
        sent
    }

    pub fn delete(&mut self) {
        if let Some(mut c) = self.ctx.take() {
            assert_eq!(unsafe { DeleteSecurityContext(&mut c) }, SEC_E_OK);
        }
    }
}

/// A `SEC_APPLICATION_PROTOCOLS` blob as curl builds it.
pub fn alpn_blob(ids: &[&[u8]]) -> Vec<u8> {
    let mut list = Vec::new();
    for id in ids {
        list.push(id.len() as u8);
        list.extend_from_slice(id);
    }
    let mut out = Vec::new();
    out.extend_from_slice(&((list.len() + 6) as u32).to_ne_bytes());
    out.extend_from_slice(&2i32.to_ne_bytes());
    out.extend_from_slice(&(list.len() as u16).to_ne_bytes());
    out.extend_from_slice(&list);
    out
}

/// An SSPI client and server handshake in memory. Returns (client, server),
/// both established, and bytes in flight to each (tickets).
pub fn sspi_pair() -> (Peer, Peer, Vec<u8>, Vec<u8>) {
    let e = env();
    let mut client = Peer::client(e.client, Some("localhost"));
    let mut server = Peer::server(e.server);
    let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
    for _ in 0..16 {
        to_server.extend(client.pump(&mut to_client));
        to_client.extend(server.pump(&mut to_server));
        if client.established && server.established {
            break;
        }
    }
    assert!(client.established && server.established, "in-memory handshake failed");
    (client, server, to_client, to_server)
}

// ---------------------------------------------------------------------------
// Target: accept

/// `AcceptSecurityContext` fed arbitrary client bytes in arbitrary splits.
///
/// Input: `opts: u8` (bit 0 mutual auth, bit 1 caller output buffer instead
/// of ALLOCATE_MEMORY (its size: next u16), bit 2 EXTENDED_ERROR, bit 3 an
/// ALPN buffer follows as a chunk, bit 4 shut down at the end), then chunks
/// (u16 LE length + bytes), each appended to what the server has received
/// before it calls again.
pub fn accept(data: &[u8]) {
    let e = env();
    let base = Counters::now();
    let mut r = Reader::new(data);
    let opts = r.u8();
    let mut p = Peer::server(e.server);
    if opts & 1 != 0 {
        p.flags |= ASC_REQ_MUTUAL_AUTH;
    }
    if opts & 2 != 0 {
        p.out_size = Some(r.u16() as usize);
    }
    if opts & 4 != 0 {
        p.flags |= ASC_REQ_EXTENDED_ERROR;
    }
    if opts & 8 != 0 {
        p.alpn = Some(r.chunk().to_vec());
    }
    token_loop(&mut p, &mut r, opts & 16 != 0);
    base.assert_unchanged("accept");
}

/// Feeds chunks to `p` until the input ends; then, if established, decrypts
/// what is left and (optionally) shuts down. Deletes the context.
fn token_loop(p: &mut Peer, r: &mut Reader<'_>, shutdown: bool) {
    let mut inbox = Vec::new();
    p.pump(&mut inbox);
    while !r.is_empty() && !p.established && p.failed.is_none() {
        inbox.extend_from_slice(r.chunk());
        p.pump(&mut inbox);
    }
    if p.established {
        if let Some(mut ctx) = p.ctx {
            inbox.extend_from_slice(r.rest());
            decrypt_all(&mut ctx, p, &mut inbox, None);
            if shutdown {
                close(&mut ctx, p);
            }
        }
    }
    p.delete();
}

// ---------------------------------------------------------------------------
// Target: initialize

/// `InitializeSecurityContext` fed arbitrary server bytes in arbitrary splits.
///
/// Input: `opts: u8` (bit 0 caller output buffer (size: next u16), bit 1 an
/// ALPN buffer follows as a chunk, bit 2 EXTENDED_ERROR, bits 3-4 the target
/// name: "localhost", "127.0.0.1", "" or NULL, bit 5 shut down at the end),
/// then chunks as for `accept`.
pub fn initialize(data: &[u8]) {
    let e = env();
    let base = Counters::now();
    let mut r = Reader::new(data);
    let opts = r.u8();
    let target = [Some("localhost"), Some("127.0.0.1"), Some(""), None][(opts as usize >> 3) & 3];
    let mut p = Peer::client(e.client, target);
    if opts & 1 != 0 {
        p.out_size = Some(r.u16() as usize);
    }
    if opts & 2 != 0 {
        p.alpn = Some(r.chunk().to_vec());
    }
    if opts & 4 != 0 {
        p.flags |= ISC_REQ_EXTENDED_ERROR;
    }
    token_loop(&mut p, &mut r, opts & 32 != 0);
    base.assert_unchanged("initialize");
}

// ---------------------------------------------------------------------------
// The message layer, as an application drives it.

fn stream_sizes(ctx: &mut CtxtHandle) -> SecPkgContext_StreamSizes {
    let mut s = SecPkgContext_StreamSizes::default();
    let st = unsafe {
        QueryContextAttributesExW(
            ctx,
            SECPKG_ATTR_STREAM_SIZES,
            (&mut s as *mut SecPkgContext_StreamSizes).cast(),
            core::mem::size_of::<SecPkgContext_StreamSizes>() as u32,
        )
    };
    assert_eq!(st, SEC_E_OK, "STREAM_SIZES on an established context");
    s
}

/// DecryptMessage until `inbox` holds no whole record. Plaintext is appended
/// to `plain` when given. Returns the last status.
fn decrypt_all(ctx: &mut CtxtHandle, p: &mut Peer, inbox: &mut Vec<u8>, mut plain: Option<&mut Vec<u8>>) -> i32 {
    let mut last = SEC_E_OK;
    for _ in 0..4096 {
        if inbox.is_empty() {
            break;
        }
        let base = inbox.as_mut_ptr();
        let len = inbox.len();
        let mut bufs = [
            SecBuffer { cbBuffer: len as u32, BufferType: SECBUFFER_DATA, pvBuffer: base.cast() },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
        ];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
        let mut qop = 0u32;
        let st = documented(unsafe { DecryptMessage(ctx, &mut desc, 0, &mut qop) }, "DecryptMessage");
        last = st;
        let inside = |b: &SecBuffer| {
            b.cbBuffer == 0
                || (b.pvBuffer as usize >= base as usize
                    && b.pvBuffer as usize + b.cbBuffer as usize <= base as usize + len)
        };
        match st {
            SEC_E_OK | SEC_I_RENEGOTIATE | SEC_I_CONTEXT_EXPIRED => {
                let mut extra = 0;
                for b in &bufs {
                    match b.BufferType {
                        SECBUFFER_DATA | SECBUFFER_STREAM_HEADER | SECBUFFER_STREAM_TRAILER => {
                            assert!(inside(b), "DecryptMessage output outside the caller's buffer");
                        }
                        SECBUFFER_EXTRA => {
                            assert!(inside(b));
                            extra = b.cbBuffer as usize;
                            assert!(extra < len, "EXTRA without progress");
                            assert_eq!(b.pvBuffer as usize, base as usize + len - extra, "EXTRA is the tail");
                        }
                        _ => {}
                    }
                }
                if let Some(out) = plain.as_deref_mut() {
                    for b in bufs.iter().filter(|b| b.BufferType == SECBUFFER_DATA && b.cbBuffer > 0) {
                        out.extend_from_slice(unsafe {
                            core::slice::from_raw_parts(b.pvBuffer as *const u8, b.cbBuffer as usize)
                        });
                    }
                }
                inbox.drain(..len - extra);
                if st == SEC_I_RENEGOTIATE {
                    // Send what is owed (a key update reply, a refusal) and go on.
                    let (st2, _) = p.call(&mut Vec::new());
                    documented(st2, "ISC/ASC after SEC_I_RENEGOTIATE");
                    assert_eq!(st2, SEC_E_OK, "ISC/ASC after SEC_I_RENEGOTIATE");
                }
                if st == SEC_I_CONTEXT_EXPIRED {
                    break;
                }
            }
            SEC_E_INCOMPLETE_MESSAGE => {
                assert!(bufs.iter().any(|b| b.BufferType == SECBUFFER_MISSING), "INCOMPLETE_MESSAGE marks MISSING");
                break;
            }
            _ => {
                // The context is dead; the alert due goes out with the next ISC/ASC.
                let (st2, _) = p.call(&mut Vec::new());
                documented(st2, "ISC/ASC after a DecryptMessage failure");
                let again = unsafe { DecryptMessage(ctx, &mut desc, 0, core::ptr::null_mut()) };
                assert!(!matches!(again, SEC_E_OK | SEC_I_RENEGOTIATE), "a dead context must not decrypt again");
                break;
            }
        }
    }
    last
}

/// Encrypts `data` in one record (contiguous buffers).
fn encrypt(ctx: &mut CtxtHandle, data: &[u8]) -> (i32, Vec<u8>) {
    let sz = stream_sizes(ctx);
    let (h, t) = (sz.cbHeader as usize, sz.cbTrailer as usize);
    let mut block = vec![0u8; h + data.len() + t];
    block[h..h + data.len()].copy_from_slice(data);
    let base = block.as_mut_ptr();
    let mut bufs = [
        SecBuffer { cbBuffer: h as u32, BufferType: SECBUFFER_STREAM_HEADER, pvBuffer: base.cast() },
        SecBuffer { cbBuffer: data.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: base.wrapping_add(h).cast() },
        SecBuffer {
            cbBuffer: t as u32,
            BufferType: SECBUFFER_STREAM_TRAILER,
            pvBuffer: base.wrapping_add(h + data.len()).cast(),
        },
        SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
    ];
    let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
    let st = documented(unsafe { EncryptMessage(ctx, 0, &mut desc, 0) }, "EncryptMessage");
    (st, block)
}

/// ApplyControlToken(SCHANNEL_SHUTDOWN), then the ISC/ASC call that emits close_notify.
fn close(ctx: &mut CtxtHandle, p: &mut Peer) {
    let mut kind = SCHANNEL_SHUTDOWN.to_ne_bytes();
    let mut b = [SecBuffer { cbBuffer: 4, BufferType: SECBUFFER_TOKEN, pvBuffer: kind.as_mut_ptr().cast() }];
    let mut d = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: b.as_mut_ptr() };
    assert_eq!(unsafe { ApplyControlToken(ctx, &mut d) }, SEC_E_OK);
    let (st, _) = p.call(&mut Vec::new());
    documented(st, "ISC/ASC after SCHANNEL_SHUTDOWN");
    let (est, _) = encrypt(ctx, b"after shutdown");
    assert_ne!(est, SEC_E_OK, "EncryptMessage after shutdown");
}

// ---------------------------------------------------------------------------
// Target: decrypt

/// Seals TLS records the way a peer with `secrets` would.
struct Sealer {
    key: ring::aead::LessSafeKey,
    iv: [u8; 12],
    seq: u64,
    tls13: bool,
    explicit_nonce: bool,
}

impl Sealer {
    fn new(seq: u64, secrets: &rustls::ConnectionTrafficSecrets, tls13: bool) -> Self {
        use ring::aead::*;
        use rustls::ConnectionTrafficSecrets as S;
        let (alg, key, iv, explicit) = match secrets {
            S::Aes128Gcm { key, iv } => (&AES_128_GCM, key.as_ref(), iv.as_ref(), !tls13),
            S::Aes256Gcm { key, iv } => (&AES_256_GCM, key.as_ref(), iv.as_ref(), !tls13),
            S::Chacha20Poly1305 { key, iv } => (&CHACHA20_POLY1305, key.as_ref(), iv.as_ref(), false),
            _ => panic!("unexpected AEAD"),
        };
        Self {
            key: LessSafeKey::new(UnboundKey::new(alg, key).unwrap()),
            iv: iv.try_into().unwrap(),
            seq,
            tls13,
            explicit_nonce: explicit,
        }
    }

    /// One record of inner type `typ` carrying `payload` (TLS 1.3: `pad`
    /// zero bytes of padding).
    fn seal(&mut self, typ: u8, payload: &[u8], pad: usize) -> Vec<u8> {
        use ring::aead::*;
        let seq = self.seq;
        self.seq += 1;
        let mut nonce = self.iv;
        for (b, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
            *b ^= s;
        }
        let mut body = payload.to_vec();
        if self.tls13 {
            body.push(typ);
            body.extend(std::iter::repeat_n(0, pad));
        }
        let explicit = if self.explicit_nonce { 8 } else { 0 };
        let outer = if self.tls13 { 23 } else { typ };
        let len = (explicit + body.len() + 16) as u16;
        let header = [outer, 3, 3, (len >> 8) as u8, len as u8];
        let aad = if self.tls13 {
            header.to_vec()
        } else {
            let mut a = seq.to_be_bytes().to_vec();
            a.extend_from_slice(&[typ, 3, 3]);
            a.extend_from_slice(&(payload.len() as u16).to_be_bytes());
            a
        };
        let tag = self
            .key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(&aad[..]), &mut body)
            .unwrap();
        let mut rec = header.to_vec();
        if self.explicit_nonce {
            rec.extend_from_slice(&nonce[4..]);
        }
        rec.extend_from_slice(&body);
        rec.extend_from_slice(tag.as_ref());
        rec
    }
}

/// Handshakes an SSPI context with a rustls peer; returns the SSPI peer,
/// a sealer for records the rustls peer would send, and bytes in flight.
fn rustls_pair(sspi_server: bool, suite: usize) -> (Peer, Sealer, Vec<u8>) {
    let e = env();
    let tls13 = suite < 2;
    let mut sspi = if sspi_server { Peer::server(e.server) } else { Peer::client(e.client, Some("localhost")) };
    let mut conn: rustls::Connection = if sspi_server {
        rustls::ClientConnection::new(e.rustls_clients[suite].clone(), ServerName::try_from("localhost").unwrap())
            .unwrap()
            .into()
    } else {
        rustls::ServerConnection::new(e.rustls_servers[suite].clone()).unwrap().into()
    };
    let mut inbox = Vec::new();
    for _ in 0..16 {
        while conn.wants_write() {
            conn.write_tls(&mut inbox).unwrap();
        }
        let out = sspi.pump(&mut inbox);
        let mut t = &out[..];
        while !t.is_empty() {
            conn.read_tls(&mut t).unwrap();
            conn.process_new_packets().unwrap();
        }
        if sspi.established && !conn.is_handshaking() && !conn.wants_write() {
            break;
        }
    }
    assert!(sspi.established && !conn.is_handshaking(), "handshake with rustls failed");
    let secrets = conn.dangerous_extract_secrets().unwrap();
    let sealer = Sealer::new(secrets.tx.0, &secrets.tx.1, tls13);
    (sspi, sealer, inbox)
}

/// `DecryptMessage` on an established context fed arbitrary records.
///
/// Input: `setup: u8` (bit 0: the SSPI side is the server, else the client;
/// bits 1-2: the suite: TLS 1.3 AES-128-GCM, TLS 1.3 ChaCha20, TLS 1.2
/// ECDHE-ECDSA AES-128-GCM, TLS 1.2 ECDHE-ECDSA ChaCha20), `split: u8` (0:
/// the whole stream at once, n: n bytes per DecryptMessage round), then
/// records until the input ends, each `op: u8`:
/// * `op % 4 == 0`: a record sealed with the peer's key, inner type `u8`,
///   payload chunk, TLS 1.3 padding `u8 % 16`;
/// * `1`: raw bytes (chunk), not sealed;
/// * `2`: a sealed application-data record (chunk), then one byte at
///   offset `u16` flipped by `u8`;
/// * `3`: a sealed application-data record of `u16` bytes (0x41...).
///
/// Checked: the plaintext of the application-data records before the first
/// other op comes out exactly, in order, and all of it when every op is one.
pub fn decrypt(data: &[u8]) {
    env();
    let base = Counters::now();
    let mut r = Reader::new(data);
    let setup = r.u8();
    let split = r.u8() as usize;
    let (mut p, mut sealer, mut inflight) = rustls_pair(setup & 1 != 0, (setup as usize >> 1) & 3);
    let mut stream = core::mem::take(&mut inflight);
    let mut expected = Vec::new();
    let mut clean = true;
    while !r.is_empty() {
        match r.u8() % 4 {
            0 => {
                let typ = r.u8();
                let payload = r.chunk();
                let pad = (r.u8() % 16) as usize;
                let fits =
                    if sealer.tls13 { payload.len() + 1 + pad <= (1 << 14) + 1 } else { payload.len() <= 1 << 14 };
                if typ == 23 && clean && fits {
                    expected.extend_from_slice(payload);
                } else {
                    clean = false;
                }
                stream.extend(sealer.seal(typ, payload, pad));
            }
            1 => {
                clean = false;
                stream.extend_from_slice(r.chunk());
            }
            2 => {
                clean = false;
                let mut rec = sealer.seal(23, r.chunk(), 0);
                let at = r.u16() as usize % rec.len();
                rec[at] ^= r.u8().max(1);
                stream.extend(rec);
            }
            _ => {
                let n = r.u16() as usize;
                let payload = vec![0x41u8; n];
                if clean && n <= 1 << 14 {
                    expected.extend_from_slice(&payload);
                } else {
                    clean = false;
                }
                stream.extend(sealer.seal(23, &payload, 0));
            }
        }
    }
    let mut ctx = p.ctx.unwrap();
    let mut plain = Vec::new();
    let mut inbox = Vec::new();
    let step = if split == 0 { stream.len().max(1) } else { split };
    let mut last = SEC_E_OK;
    let mut done = false;
    for piece in stream.chunks(step) {
        inbox.extend_from_slice(piece);
        last = decrypt_all(&mut ctx, &mut p, &mut inbox, Some(&mut plain));
        if !matches!(last, SEC_E_OK | SEC_E_INCOMPLETE_MESSAGE | SEC_I_RENEGOTIATE) {
            done = true;
            break;
        }
    }
    assert!(plain.len() >= expected.len() || done, "plaintext lost: {} of {} bytes", plain.len(), expected.len());
    let n = plain.len().min(expected.len());
    assert_eq!(plain[..n], expected[..n], "plaintext altered");
    if clean {
        assert_eq!(plain, expected, "every application-data record decrypts, nothing more");
        assert!(inbox.is_empty() && last == SEC_E_OK, "clean stream fully consumed (status {last:#x})");
    }
    // The other direction still works unless the context died.
    if !done {
        let (st, _) = encrypt(&mut ctx, b"reply");
        assert!(matches!(st, SEC_E_OK | SEC_E_CONTEXT_EXPIRED), "EncryptMessage {st:#x}");
    }
    p.delete();
    base.assert_unchanged("decrypt");
}

// ---------------------------------------------------------------------------
// Target: buffers

const ARENA: usize = 8192;
const MAX_ENTRIES: usize = 64;

/// Caller memory the descriptors point into: one block, so that buffers can
/// overlap each other and the `SecBuffer` arrays.
struct Arena {
    words: Vec<u64>,
}

impl Arena {
    fn base(&mut self) -> *mut u8 {
        self.words.as_mut_ptr().cast()
    }
    fn bytes(&self) -> &[u8] {
        unsafe { core::slice::from_raw_parts(self.words.as_ptr().cast(), ARENA) }
    }
    fn contains(&self, p: *const u8, len: usize) -> bool {
        let b = self.words.as_ptr() as usize;
        p as usize >= b && p as usize + len <= b + ARENA
    }
}

/// A descriptor built from the input: the struct (outside the arena) and
/// where its array lies in the arena.
struct Desc {
    desc: Box<SecBufferDesc>,
    array: Option<(usize, usize)>,
}

impl Desc {
    fn none() -> Self {
        Desc {
            desc: Box::new(SecBufferDesc { ulVersion: 0, cBuffers: 0, pBuffers: core::ptr::null_mut() }),
            array: None,
        }
    }
}

const TYPES: &[u32] = &[
    SECBUFFER_EMPTY,
    SECBUFFER_DATA,
    SECBUFFER_TOKEN,
    SECBUFFER_EXTRA,
    SECBUFFER_STREAM_TRAILER,
    SECBUFFER_STREAM_HEADER,
    SECBUFFER_MISSING,
    SECBUFFER_ALERT,
    SECBUFFER_APPLICATION_PROTOCOLS,
    SECBUFFER_TOKEN | SECBUFFER_READONLY,
    SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM,
];

/// Builds a descriptor whose array lies at an input-chosen offset. When it
/// overlaps `other`'s array it is moved to a whole-entry distance from it, so
/// that every entry the library may read is one this function sanitised (a
/// pointer written half over another would point anywhere: the caller's
/// bug, which nobody can detect).
fn build_desc(r: &mut Reader<'_>, arena: &mut Arena, other: Option<(usize, usize)>) -> Desc {
    let version = if r.u8() < 240 { SECBUFFER_VERSION } else { r.u32() };
    let count = match r.u8() {
        0..=239 => (r.u8() % 8) as u32,
        240..=247 => (r.u8() as u32) % (MAX_ENTRIES as u32 + 1),
        _ => r.u32(),
    };
    let entries = (count as usize).min(MAX_ENTRIES);
    let null_array = r.u8() > 250;
    let mut offset = r.u16() as usize % (ARENA - MAX_ENTRIES * 16 + 1);
    if let Some((o, l)) = other {
        if offset < o + l && o < offset + 16 * entries.max(1) {
            let delta = offset as i64 - o as i64;
            offset = (o as i64 + delta / 16 * 16) as usize;
        }
    }
    let base = arena.base();
    for i in 0..entries {
        let ty = match r.u8() {
            0..=229 => TYPES[r.u8() as usize % TYPES.len()],
            _ => r.u32(),
        };
        let mut cb = match r.u8() {
            0..=199 => r.u16() as u32,
            _ => r.u32(),
        };
        let pv: *mut u8 = match r.u8() % 4 {
            0 => core::ptr::null_mut(),
            _ => {
                let off = r.u16() as usize % ARENA;
                // A length past the caller's own memory is the caller's bug,
                // which nobody can detect: keep it inside the arena.
                cb = cb.min((ARENA - off) as u32);
                base.wrapping_add(off)
            }
        };
        let e = SecBuffer { cbBuffer: cb, BufferType: ty, pvBuffer: pv.cast() };
        // The entry itself lives in the arena (unaligned offsets are allowed:
        // the library must refuse them).
        unsafe { core::ptr::write_unaligned(base.add(offset + 16 * i).cast::<SecBuffer>(), e) };
    }
    let array = if null_array || entries == 0 { None } else { Some((offset, 16 * entries)) };
    let p_buffers = if null_array { core::ptr::null_mut() } else { base.wrapping_add(offset).cast() };
    Desc { desc: Box::new(SecBufferDesc { ulVersion: version, cBuffers: count, pBuffers: p_buffers }), array }
}

/// The arena spans the entries of `d`'s array describe (as the library will
/// read them), and the array itself: where the library may write.
fn spans_of(d: &Desc, arena: &Arena) -> Vec<(usize, usize)> {
    let Some((off, len)) = d.array else { return Vec::new() };
    let mut spans = vec![(off, len)];
    let base = arena.words.as_ptr() as usize;
    for i in 0..len / 16 {
        let b = unsafe {
            core::ptr::read_unaligned(arena.words.as_ptr().cast::<u8>().add(off + 16 * i).cast::<SecBuffer>())
        };
        let p = b.pvBuffer as usize;
        if p != 0 {
            assert!(p >= base && p + b.cbBuffer as usize <= base + ARENA, "harness: an unsanitised entry");
            spans.push((p - base, b.cbBuffer as usize));
        }
    }
    spans
}

/// Arbitrary `SecBufferDesc` shapes (counts, types, lengths, NULL pointers,
/// buffers overlapping each other and the arrays) into every buffer-taking
/// export, on a context in a chosen state.
///
/// Input: `state: u8 % 4` (no context, a client after its first call, an
/// established client, an established server), `export: u8 % 8` (ISC, ASC,
/// EncryptMessage, DecryptMessage, ApplyControlToken, MakeSignature,
/// VerifySignature, CompleteAuthToken), `flags: u32` for ISC/ASC (QOP for
/// EncryptMessage), a chunk that fills the arena, then one or two
/// descriptors (see `build_desc`).
///
/// Checked: a documented status; nothing written outside the arrays and
/// buffers of the descriptors (nor to the descriptors themselves); every
/// pointer left in an entry is NULL, inside the caller's memory, or a block
/// `FreeContextBuffer` accepts; no context on failure; no leak.
pub fn buffers(data: &[u8]) {
    let e = env();
    let base = Counters::now();
    let mut r = Reader::new(data);
    let state = r.u8() % 4;
    let export = r.u8() % 8;
    let flags = r.u32();
    let (mut owner, mut other) = match state {
        0 => (None, None),
        1 => {
            let mut c = Peer::client(e.client, Some("localhost"));
            c.pump(&mut Vec::new());
            (Some(c), None)
        }
        _ => {
            let (c, s, _, _) = sspi_pair();
            if state == 2 {
                (Some(c), Some(s))
            } else {
                (Some(s), Some(c))
            }
        }
    };
    let mut arena = Arena { words: vec![0u64; ARENA / 8] };
    let fill = r.chunk();
    unsafe { core::ptr::copy_nonoverlapping(fill.as_ptr(), arena.base(), fill.len().min(ARENA)) };
    let two = matches!(export, 0 | 1);
    let mut d1 = build_desc(&mut r, &mut arena, None);
    // Only the token loop takes two descriptors.
    let mut d2 = if two { build_desc(&mut r, &mut arena, d1.array) } else { Desc::none() };
    let null1 = r.u8() > 240;
    let null2 = !two || r.u8() > 240;
    let desc1 = *d1.desc;
    let desc2 = *d2.desc;
    let before = arena.bytes().to_vec();
    let mut spans: Vec<(usize, usize)> = spans_of(&d1, &arena);
    if two && !null2 {
        spans.extend(spans_of(&d2, &arena));
    }
    if null1 {
        spans = if two && !null2 { spans_of(&d2, &arena) } else { Vec::new() };
    }
    let p1: *mut SecBufferDesc = if null1 { core::ptr::null_mut() } else { &mut *d1.desc };
    let p2: *mut SecBufferDesc = if null2 { core::ptr::null_mut() } else { &mut *d2.desc };
    let forged = CtxtHandle { dwLower: 77, dwUpper: 0x5343_5802 << 32 | 1 };
    let mut ctx = owner.as_ref().and_then(|p| p.ctx).unwrap_or(forged);
    let sentinel = CtxtHandle { dwLower: 0xA5A5, dwUpper: 0x5A5A };
    let mut new_ctx = sentinel;
    let mut attrs = 0u32;
    let mut expiry = TimeStamp::default();
    let mut target = wide("localhost");
    let st = unsafe {
        match export {
            0 => {
                let mut cred = e.client;
                let ctx_ptr = if state == 0 || state == 3 { core::ptr::null_mut() } else { &mut ctx as *mut _ };
                InitializeSecurityContextW(
                    &mut cred,
                    ctx_ptr,
                    target.as_mut_ptr(),
                    flags,
                    0,
                    0,
                    p1,
                    0,
                    &mut new_ctx,
                    p2,
                    &mut attrs,
                    &mut expiry,
                )
            }
            1 => {
                let mut cred = e.server;
                let ctx_ptr = if state == 3 { &mut ctx as *mut _ } else { core::ptr::null_mut() };
                AcceptSecurityContext(&mut cred, ctx_ptr, p1, flags, 0, &mut new_ctx, p2, &mut attrs, &mut expiry)
            }
            2 => EncryptMessage(&mut ctx, flags, p1, 0),
            3 => DecryptMessage(&mut ctx, p1, 0, &mut attrs),
            4 => ApplyControlToken(&mut ctx, p1),
            5 => MakeSignature(&mut ctx, 0, p1, 0),
            6 => VerifySignature(&mut ctx, p1, 0, &mut attrs),
            _ => CompleteAuthToken(&mut ctx, p1),
        }
    };
    documented(st, "buffers");
    // The descriptors themselves are never written.
    assert!(
        d1.desc.ulVersion == desc1.ulVersion
            && d1.desc.cBuffers == desc1.cBuffers
            && d1.desc.pBuffers == desc1.pBuffers
    );
    assert!(
        d2.desc.ulVersion == desc2.ulVersion
            && d2.desc.cBuffers == desc2.cBuffers
            && d2.desc.pBuffers == desc2.pBuffers
    );
    // Writes only inside the arrays and buffers the call was given.
    let mut allowed = vec![false; ARENA];
    for &(o, l) in &spans {
        allowed[o..o + l].iter_mut().for_each(|a| *a = true);
    }
    let after = arena.bytes().to_vec();
    for i in 0..ARENA {
        assert!(before[i] == after[i] || allowed[i], "byte {i} of caller memory written outside every buffer");
    }
    // Pointers left in the entries: NULL, caller memory, or library blocks.
    let mut freed = Vec::new();
    for (d, used) in [(&d1, !null1), (&d2, !null2 && two)] {
        let Some((off, len)) = d.array.filter(|_| used) else { continue };
        if off % 8 != 0 {
            continue;
        }
        for i in 0..len / 16 {
            let b = unsafe { core::ptr::read(arena.base().add(off + 16 * i).cast::<SecBuffer>()) };
            let p = b.pvBuffer as *const u8;
            if p.is_null() || freed.contains(&(p as usize)) {
                continue;
            }
            if arena.contains(p, 0) {
                assert!(arena.contains(p, b.cbBuffer as usize), "entry points past the caller's memory");
                let o = p as usize - arena.words.as_ptr() as usize;
                assert!(
                    b.cbBuffer == 0 || spans.iter().any(|&(so, sl)| o >= so && o + b.cbBuffer as usize <= so + sl),
                    "entry points outside the buffers it was given"
                );
                continue;
            }
            assert_eq!(unsafe { FreeContextBuffer(b.pvBuffer) }, SEC_E_OK, "entry holds a pointer nobody owns");
            freed.push(p as usize);
        }
    }
    // A new context exactly when the first call says so.
    let ok = matches!(st, SEC_E_OK | SEC_I_CONTINUE_NEEDED | SEC_I_INCOMPLETE_CREDENTIALS);
    let first_call =
        matches!(export, 0 | 1) && (state == 0 || (export == 1 && state != 3) || (export == 0 && state == 3));
    if first_call && ok {
        assert_ne!(new_ctx, sentinel, "a successful first call returns a context");
        assert_eq!(unsafe { DeleteSecurityContext(&mut new_ctx) }, SEC_E_OK);
    } else if first_call {
        assert_eq!(new_ctx, sentinel, "a failed first call writes no context");
    }
    if let Some(p) = owner.as_mut() {
        p.delete();
    }
    if let Some(p) = other.as_mut() {
        p.delete();
    }
    base.assert_unchanged("buffers");
}

// ---------------------------------------------------------------------------
// Target: certs

fn exercise_context(c: PCCERT_CONTEXT) {
    unsafe {
        let mut name = [0u16; 256];
        for kind in 1..=8u32 {
            for flags in [0, CERT_NAME_ISSUER_FLAG] {
                let n = CertGetNameStringW(c, kind, flags, core::ptr::null_mut(), core::ptr::null_mut(), 0);
                assert!(n >= 1, "CertGetNameString counts the terminator");
                let w = CertGetNameStringW(c, kind, flags, core::ptr::null_mut(), name.as_mut_ptr(), 256);
                assert!((1..=256).contains(&w) && name[w as usize - 1] == 0, "terminated within the buffer");
                let short = CertGetNameStringW(c, kind, flags, core::ptr::null_mut(), name.as_mut_ptr(), 3);
                assert!(short <= 3 && name[short as usize - 1] == 0);
            }
        }
        let mut rdn = CERT_X500_NAME_STR;
        CertGetNameStringW(c, CERT_NAME_RDN_TYPE, 0, (&mut rdn as *mut u32).cast(), name.as_mut_ptr(), 256);
        let info = (*c).pCertInfo;
        for blob in [&(*info).Subject, &(*info).Issuer] {
            for ty in [CERT_SIMPLE_NAME_STR, CERT_OID_NAME_STR, CERT_X500_NAME_STR | CERT_NAME_STR_REVERSE_FLAG] {
                CertNameToStrW(X509_ASN_ENCODING, core::ptr::from_ref(blob).cast_mut(), ty, name.as_mut_ptr(), 256);
            }
        }
        CertVerifyTimeValidity(core::ptr::null_mut(), info);
        let mut hash = [0u8; 64];
        for prop in
            [CERT_SHA1_HASH_PROP_ID, CERT_SHA256_HASH_PROP_ID, CERT_KEY_IDENTIFIER_PROP_ID, CERT_KEY_PROV_INFO_PROP_ID]
        {
            let mut cb = 0u32;
            if CertGetCertificateContextProperty(c, prop, core::ptr::null_mut(), &mut cb) != 0 {
                let mut big = vec![0u8; cb as usize];
                assert_ne!(CertGetCertificateContextProperty(c, prop, big.as_mut_ptr().cast(), &mut cb), 0);
            }
            let mut cb = hash.len() as u32;
            CertGetCertificateContextProperty(c, prop, hash.as_mut_ptr().cast(), &mut cb);
        }
        let dup = CertDuplicateCertificateContext(c);
        assert_eq!(dup, c);
        CertFreeCertificateContext(dup);
    }
}

/// Tries the context as a Schannel server credential (loads its key).
fn try_as_credential(c: PCCERT_CONTEXT) {
    let mut certs = [c];
    let mut cred: SCHANNEL_CRED = unsafe { core::mem::zeroed() };
    cred.dwVersion = SCHANNEL_CRED_VERSION;
    cred.cCreds = 1;
    cred.paCred = certs.as_mut_ptr();
    let mut h = CredHandle::default();
    let mut pkg = wide("Schannel");
    let st = unsafe {
        AcquireCredentialsHandleW(
            core::ptr::null_mut(),
            pkg.as_mut_ptr(),
            SECPKG_CRED_INBOUND,
            core::ptr::null_mut(),
            (&mut cred as *mut SCHANNEL_CRED).cast(),
            None,
            core::ptr::null_mut(),
            &mut h,
            core::ptr::null_mut(),
        )
    };
    documented(st, "AcquireCredentialsHandle with an imported certificate");
    if st == SEC_E_OK {
        assert_eq!(unsafe { FreeCredentialsHandle(&mut h) }, SEC_E_OK);
    }
}

fn exercise_store(store: HCERTSTORE) {
    let mut prev: PCCERT_CONTEXT = core::ptr::null();
    for _ in 0..8 {
        let c = unsafe { CertEnumCertificatesInStore(store, prev) };
        if c.is_null() {
            return;
        }
        exercise_context(c);
        try_as_credential(c);
        prev = c;
    }
    unsafe { CertFreeCertificateContext(prev) };
}

/// `PFXImportCertStore`, `CertCreateCertificateContext` and the PEM import
/// on arbitrary bytes, and everything a program then does with the result.
///
/// Input: `op: u8 % 4` (0: CertCreateCertificateContext of the rest; 1:
/// PFXImportCertStore of the rest with the password `u8 % 4`: NULL, "",
/// "password", "test"; 2: SspiRustlsPemImportCertStore of a chain chunk and
/// a key (the rest, or none when empty); 3: PFXIsPFXBlob and
/// CertAddEncodedCertificateToStore of the rest into a memory store).
pub fn certs(data: &[u8]) {
    env();
    let base = Counters::now();
    let mut r = Reader::new(data);
    let op = r.u8() % 4;
    unsafe {
        match op {
            0 => {
                let der = r.rest();
                let c = CertCreateCertificateContext(X509_ASN_ENCODING, der.as_ptr(), der.len() as u32);
                if !c.is_null() {
                    exercise_context(c);
                    assert_ne!(CertFreeCertificateContext(c), 0);
                }
            }
            1 => {
                let pw = r.u8() % 4;
                let der = r.rest();
                let blob = CRYPT_DATA_BLOB { cbData: der.len() as u32, pbData: der.as_ptr() as *mut u8 };
                let password = [None, Some(wide("")), Some(wide("password")), Some(wide("test"))][pw as usize].clone();
                let pw_ptr = password.as_ref().map_or(core::ptr::null(), |p| p.as_ptr());
                PFXIsPFXBlob(core::ptr::from_ref(&blob).cast_mut());
                PFXVerifyPassword(core::ptr::from_ref(&blob).cast_mut(), pw_ptr, 0);
                let store = PFXImportCertStore(core::ptr::from_ref(&blob).cast_mut(), pw_ptr, 0);
                if !store.is_null() {
                    exercise_store(store);
                    assert_ne!(CertCloseStore(store, 0), 0);
                }
            }
            2 => {
                let chain = r.chunk();
                let key = r.rest();
                let cb = CRYPT_DATA_BLOB { cbData: chain.len() as u32, pbData: chain.as_ptr() as *mut u8 };
                let kb = CRYPT_DATA_BLOB { cbData: key.len() as u32, pbData: key.as_ptr() as *mut u8 };
                let kp = if key.is_empty() { core::ptr::null() } else { &kb as *const CRYPT_DATA_BLOB };
                let pw = wide("password");
                let store = SspiRustlsPemImportCertStore(&cb, kp, pw.as_ptr(), 0);
                if !store.is_null() {
                    exercise_store(store);
                    assert_ne!(CertCloseStore(store, 0), 0);
                }
            }
            _ => {
                let der = r.rest();
                let blob = CRYPT_DATA_BLOB { cbData: der.len() as u32, pbData: der.as_ptr() as *mut u8 };
                PFXIsPFXBlob(core::ptr::from_ref(&blob).cast_mut());
                let store = CertOpenStore(CERT_STORE_PROV_MEMORY as LPCSTR, 0, 0, 0, core::ptr::null());
                assert!(!store.is_null());
                let mut c: PCCERT_CONTEXT = core::ptr::null();
                if CertAddEncodedCertificateToStore(
                    store,
                    X509_ASN_ENCODING,
                    der.as_ptr(),
                    der.len() as u32,
                    CERT_STORE_ADD_ALWAYS,
                    &mut c,
                ) != 0
                {
                    exercise_context(c);
                    CertFreeCertificateContext(c);
                }
                assert_ne!(CertCloseStore(store, CERT_CLOSE_STORE_CHECK_FLAG), 0, "nothing keeps the store");
            }
        }
    }
    base.assert_unchanged("certs");
}

// ---------------------------------------------------------------------------
// Target: chain

/// The crypt32 decoders and the chain builder. First byte % 4:
/// 0 `CryptDecodeObjectEx(X509_ALT_NAME)` of the rest, allocating and with
///   the size protocol, every entry read back; 1 `CryptStringToBinaryA` of the
///   rest with format byte % 10 (size query, then decode); 2 `CryptQueryObject`
///   of the rest (every format); 3 a chunk (certificate A) and the rest
///   (certificate B): a chain for A with B as an exclusive root (CA flag from
///   a byte) and as additional store, every element read back, the three
///   chain policies judged, and A's issuer looked up in B's store.
pub fn chain(data: &[u8]) {
    env();
    let base = Counters::now();
    let chains = secur32::certs::chain::live_chains();
    let mut r = Reader::new(data);
    let op = r.u8() % 4;
    unsafe {
        match op {
            0 => {
                let der = r.rest();
                let mut out: *mut CERT_ALT_NAME_INFO = core::ptr::null_mut();
                let mut size = 0u32;
                let ok = CryptDecodeObjectEx(
                    X509_ASN_ENCODING,
                    X509_ALT_NAME as LPCSTR,
                    der.as_ptr(),
                    der.len() as u32,
                    CRYPT_DECODE_ALLOC_FLAG,
                    core::ptr::null_mut(),
                    (&mut out as *mut *mut CERT_ALT_NAME_INFO).cast(),
                    &mut size,
                );
                if ok != 0 {
                    let info = &*out;
                    for i in 0..info.cAltEntry as usize {
                        let e = &*info.rgAltEntry.add(i);
                        match e.dwAltNameChoice {
                            CERT_ALT_NAME_DNS_NAME | CERT_ALT_NAME_URL | CERT_ALT_NAME_RFC822_NAME => {
                                let mut p = e.Value.pwszDNSName;
                                while *p != 0 {
                                    p = p.add(1);
                                }
                            }
                            CERT_ALT_NAME_IP_ADDRESS | CERT_ALT_NAME_DIRECTORY_NAME => {
                                let b = e.Value.IPAddress;
                                let v = core::slice::from_raw_parts(b.pbData, b.cbData as usize);
                                core::hint::black_box(v.iter().map(|&x| x as u32).sum::<u32>());
                            }
                            _ => {}
                        }
                    }
                    LocalFree(out.cast());
                    let mut need = 0u32;
                    let t = X509_ALT_NAME as LPCSTR;
                    assert_ne!(
                        CryptDecodeObject(
                            X509_ASN_ENCODING,
                            t,
                            der.as_ptr(),
                            der.len() as u32,
                            0,
                            core::ptr::null_mut(),
                            &mut need
                        ),
                        0
                    );
                    let mut buf = vec![0u64; need as usize / 8 + 1];
                    assert_ne!(
                        CryptDecodeObject(
                            X509_ASN_ENCODING,
                            t,
                            der.as_ptr(),
                            der.len() as u32,
                            0,
                            buf.as_mut_ptr().cast(),
                            &mut need
                        ),
                        0
                    );
                }
            }
            1 => {
                let flags = (r.u8() % 10) as u32;
                // NUL-terminated, as the API requires when the length given is 0.
                let mut owned = r.rest().to_vec();
                owned.push(0);
                let text = &owned[..owned.len() - 1];
                let mut n = 0u32;
                if CryptStringToBinaryA(
                    text.as_ptr().cast(),
                    text.len() as u32,
                    flags,
                    core::ptr::null_mut(),
                    &mut n,
                    core::ptr::null_mut(),
                    core::ptr::null_mut(),
                ) != 0
                {
                    let mut out = vec![0u8; n as usize];
                    let (mut skip, mut fmt) = (0u32, 0u32);
                    assert_ne!(
                        CryptStringToBinaryA(
                            text.as_ptr().cast(),
                            text.len() as u32,
                            flags,
                            out.as_mut_ptr(),
                            &mut n,
                            &mut skip,
                            &mut fmt
                        ),
                        0
                    );
                    assert!(n as usize <= out.len() && skip as usize <= text.len());
                }
            }
            2 => {
                let data = r.rest();
                let b = CRYPT_DATA_BLOB { cbData: data.len() as u32, pbData: data.as_ptr() as *mut u8 };
                let mut store: HCERTSTORE = core::ptr::null_mut();
                let mut ctx: *const core::ffi::c_void = core::ptr::null();
                if CryptQueryObject(
                    CERT_QUERY_OBJECT_BLOB,
                    (&b as *const CRYPT_DATA_BLOB).cast(),
                    CERT_QUERY_CONTENT_FLAG_CERT,
                    CERT_QUERY_FORMAT_FLAG_ALL,
                    0,
                    core::ptr::null_mut(),
                    core::ptr::null_mut(),
                    core::ptr::null_mut(),
                    &mut store,
                    core::ptr::null_mut(),
                    &mut ctx,
                ) != 0
                {
                    exercise_context(ctx.cast());
                    CertFreeCertificateContext(ctx.cast());
                    assert_ne!(CertCloseStore(store, CERT_CLOSE_STORE_CHECK_FLAG), 0, "nothing keeps the store");
                }
            }
            _ => {
                let a = r.chunk();
                let enable_ca = r.u8() & 1;
                let b = r.rest();
                let end = CertCreateCertificateContext(X509_ASN_ENCODING, a.as_ptr(), a.len() as u32);
                let store = CertOpenStore(CERT_STORE_PROV_MEMORY as LPCSTR, 0, 0, 0, core::ptr::null());
                CertAddEncodedCertificateToStore(
                    store,
                    X509_ASN_ENCODING,
                    b.as_ptr(),
                    b.len() as u32,
                    CERT_STORE_ADD_ALWAYS,
                    core::ptr::null_mut(),
                );
                if !end.is_null() {
                    let mut cfg: CERT_CHAIN_ENGINE_CONFIG = core::mem::zeroed();
                    cfg.cbSize = core::mem::size_of::<CERT_CHAIN_ENGINE_CONFIG>() as u32;
                    cfg.hExclusiveRoot = store;
                    cfg.dwExclusiveFlags = enable_ca as u32;
                    let mut engine: HCERTCHAINENGINE = core::ptr::null_mut();
                    assert_ne!(CertCreateCertificateChainEngine(&mut cfg, &mut engine), 0);
                    let mut oid = *b"1.3.6.1.5.5.7.3.1\0";
                    let mut oids = [oid.as_mut_ptr().cast::<core::ffi::c_char>()];
                    let mut para: CERT_CHAIN_PARA = core::mem::zeroed();
                    para.cbSize = core::mem::size_of::<CERT_CHAIN_PARA>() as u32;
                    para.RequestedUsage.Usage.cUsageIdentifier = 1;
                    para.RequestedUsage.Usage.rgpszUsageIdentifier = oids.as_mut_ptr();
                    let mut chain: PCCERT_CHAIN_CONTEXT = core::ptr::null();
                    let flags = CERT_CHAIN_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT;
                    assert_ne!(
                        CertGetCertificateChain(
                            engine,
                            end,
                            core::ptr::null_mut(),
                            store,
                            &mut para,
                            flags,
                            core::ptr::null_mut(),
                            &mut chain
                        ),
                        0
                    );
                    let simple = &**(*chain).rgpChain;
                    assert!(simple.cElement >= 1);
                    for i in 0..simple.cElement as usize {
                        let e = &**simple.rgpElement.add(i);
                        assert!(!e.pCertContext.is_null());
                        core::hint::black_box((*e.pCertContext).cbCertEncoded);
                    }
                    let mut name: Vec<u16> = "localhost\0".encode_utf16().collect();
                    let mut ssl = SSL_EXTRA_CERT_CHAIN_POLICY_PARA {
                        cbSize: core::mem::size_of::<SSL_EXTRA_CERT_CHAIN_POLICY_PARA>() as u32,
                        dwAuthType: AUTHTYPE_SERVER,
                        fdwChecks: 0,
                        pwszServerName: name.as_mut_ptr(),
                    };
                    let mut pp = CERT_CHAIN_POLICY_PARA {
                        cbSize: core::mem::size_of::<CERT_CHAIN_POLICY_PARA>() as u32,
                        dwFlags: 0,
                        pvExtraPolicyPara: (&mut ssl as *mut SSL_EXTRA_CERT_CHAIN_POLICY_PARA).cast(),
                    };
                    for policy in [CERT_CHAIN_POLICY_BASE, CERT_CHAIN_POLICY_SSL, CERT_CHAIN_POLICY_BASIC_CONSTRAINTS] {
                        let mut st: CERT_CHAIN_POLICY_STATUS = core::mem::zeroed();
                        st.cbSize = core::mem::size_of::<CERT_CHAIN_POLICY_STATUS>() as u32;
                        assert_ne!(CertVerifyCertificateChainPolicy(policy as LPCSTR, chain, &mut pp, &mut st), 0);
                        assert!(st.lElementIndex < simple.cElement as i32);
                    }
                    let mut flags = CERT_STORE_SIGNATURE_FLAG | CERT_STORE_TIME_VALIDITY_FLAG;
                    let issuer = CertGetIssuerCertificateFromStore(store, end, core::ptr::null(), &mut flags);
                    if !issuer.is_null() {
                        CertFreeCertificateContext(issuer);
                    }
                    CertFreeCertificateChain(chain);
                    CertFreeCertificateChainEngine(engine);
                    CertFreeCertificateContext(end);
                }
                assert_ne!(CertCloseStore(store, 0), 0);
            }
        }
    }
    assert_eq!(secur32::certs::chain::live_chains(), chains, "chain: leaked chain contexts or engines");
    base.assert_unchanged("chain");
}

// ---------------------------------------------------------------------------
// Target: alpn

/// An independent reading of `SEC_APPLICATION_PROTOCOLS` (see the
/// Microsoft docs): the ALPN ids, or None when the blob is malformed.
pub fn reference_alpn(b: &[u8]) -> Option<Vec<Vec<u8>>> {
    let total = u32::from_ne_bytes(b.get(..4)?.try_into().ok()?) as usize;
    let mut lists = b.get(4..4usize.checked_add(total)?)?;
    let mut ids = Vec::new();
    while !lists.is_empty() {
        let ext = i32::from_ne_bytes(lists.get(..4)?.try_into().ok()?);
        let size = u16::from_ne_bytes(lists.get(4..6)?.try_into().ok()?) as usize;
        let mut list = lists.get(6..6 + size)?;
        lists = &lists[6 + size..];
        if ext != 2 {
            continue;
        }
        while !list.is_empty() {
            let n = list[0] as usize;
            if n == 0 || list.len() < 1 + n {
                return None;
            }
            ids.push(list[1..1 + n].to_vec());
            list = &list[1 + n..];
        }
    }
    Some(ids)
}

/// The ALPN ids in the ClientHello at the start of `records` (None: no ALPN extension).
pub fn client_hello_alpn(records: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut hs = Vec::new();
    let mut rest = records;
    while rest.len() >= 5 && rest[0] == 22 {
        let n = u16::from_be_bytes([rest[3], rest[4]]) as usize;
        hs.extend_from_slice(&rest[5..5 + n]);
        rest = &rest[5 + n..];
    }
    let body = hs.get(4..)?;
    let mut at = 2 + 32;
    at += 1 + *body.get(at)? as usize;
    at += 2 + u16::from_be_bytes([*body.get(at)?, *body.get(at + 1)?]) as usize;
    at += 1 + *body.get(at)? as usize;
    at += 2;
    while at + 4 <= body.len() {
        let ty = u16::from_be_bytes([body[at], body[at + 1]]);
        let n = u16::from_be_bytes([body[at + 2], body[at + 3]]) as usize;
        let ext = body.get(at + 4..at + 4 + n)?;
        if ty == 16 {
            let mut list = ext.get(2..)?;
            let mut ids = Vec::new();
            while let Some((&l, tail)) = list.split_first() {
                ids.push(tail.get(..l as usize)?.to_vec());
                list = &tail[l as usize..];
            }
            return Some(ids);
        }
        at += 4 + n;
    }
    None
}

/// `SEC_APPLICATION_PROTOCOLS` parsing, on both sides, against an
/// independent reading of the format.
///
/// Input: `side: u8` (bit 0: the server with a real ClientHello offering
/// "h2" and "http/1.1"; else the client's first call), then the blob.
pub fn alpn(data: &[u8]) {
    let e = env();
    let base = Counters::now();
    let mut r = Reader::new(data);
    let server = r.u8() & 1 != 0;
    let blob = r.rest().to_vec();
    let reference = reference_alpn(&blob);
    let mut p = if server { Peer::server(e.server) } else { Peer::client(e.client, Some("localhost")) };
    p.alpn = Some(blob);
    let mut inbox = if server { e.client_hello_alpn.clone() } else { Vec::new() };
    let (st, out) = p.call(&mut inbox);
    match &reference {
        None => assert_eq!(st, SEC_E_INVALID_TOKEN, "a malformed blob is SEC_E_INVALID_TOKEN"),
        Some(ids) if !server => {
            assert_eq!(st, SEC_I_CONTINUE_NEEDED);
            let sent = client_hello_alpn(&out);
            if ids.is_empty() {
                assert_eq!(sent, None, "no ids, no ALPN extension");
            } else {
                assert_eq!(sent.as_ref(), Some(ids), "the ClientHello offers exactly the ids");
            }
        }
        Some(ids) => {
            let overlap = ids.is_empty() || ids.iter().any(|i| i == b"h2" || i == b"http/1.1");
            let want = if overlap { SEC_I_CONTINUE_NEEDED } else { SEC_E_APPLICATION_PROTOCOL_MISMATCH };
            assert_eq!(st, want, "server ALPN selection");
        }
    }
    p.delete();
    base.assert_unchanged("alpn");
}

// ---------------------------------------------------------------------------
// Target: ntlm

/// NTLM credentials for user `fuzz` of `FUZZ`, password `pw`: (client, server).
fn ntlm_credentials() -> (CredHandle, CredHandle) {
    static CREDS: OnceLock<(CredHandle, CredHandle)> = OnceLock::new();
    *CREDS.get_or_init(|| {
        let (mut u, mut d, mut p) = (wide("fuzz"), wide("FUZZ"), wide("pw"));
        let mut id = SEC_WINNT_AUTH_IDENTITY_W {
            User: u.as_mut_ptr(),
            UserLength: 4,
            Domain: d.as_mut_ptr(),
            DomainLength: 4,
            Password: p.as_mut_ptr(),
            PasswordLength: 2,
            Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
        };
        let acquire = |usage: u32, id: &mut SEC_WINNT_AUTH_IDENTITY_W| {
            let mut h = SecHandle::default();
            let mut pkg = wide("NTLM");
            // SAFETY: valid pointers for the call.
            let st = unsafe {
                AcquireCredentialsHandleW(
                    core::ptr::null_mut(),
                    pkg.as_mut_ptr(),
                    usage,
                    core::ptr::null_mut(),
                    (id as *mut SEC_WINNT_AUTH_IDENTITY_W).cast(),
                    None,
                    core::ptr::null_mut(),
                    &mut h,
                    core::ptr::null_mut(),
                )
            };
            assert_eq!(st, SEC_E_OK);
            h
        };
        (acquire(SECPKG_CRED_OUTBOUND, &mut id), acquire(SECPKG_CRED_INBOUND, &mut id))
    })
}

/// One NTLM token-loop call: (status, output token).
fn ntlm_call(
    server: bool,
    cred: CredHandle,
    ctx: &mut Option<CtxtHandle>,
    input: Option<&[u8]>,
    bindings: Option<&[u8]>,
    allocate: bool,
) -> (i32, Vec<u8>) {
    let mut cred = cred;
    let mut tok = input.map(<[u8]>::to_vec).unwrap_or_default();
    let mut cb = bindings.map(<[u8]>::to_vec).unwrap_or_default();
    let mut inb =
        vec![SecBuffer { cbBuffer: tok.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: tok.as_mut_ptr().cast() }];
    if bindings.is_some() {
        inb.push(SecBuffer {
            cbBuffer: cb.len() as u32,
            BufferType: SECBUFFER_CHANNEL_BINDINGS,
            pvBuffer: cb.as_mut_ptr().cast(),
        });
    }
    let mut ind =
        SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: inb.len() as u32, pBuffers: inb.as_mut_ptr() };
    let mut mem = vec![0u8; 4096];
    let mut outb = if allocate {
        SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_TOKEN, pvBuffer: core::ptr::null_mut() }
    } else {
        SecBuffer { cbBuffer: mem.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: mem.as_mut_ptr().cast() }
    };
    let mut outd = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut outb };
    let mut new = SecHandle::default();
    let mut attrs = 0;
    let alloc_flag = if allocate { ISC_REQ_ALLOCATE_MEMORY } else { 0 };
    let in_ptr: *mut SecBufferDesc = if input.is_some() { &mut ind } else { core::ptr::null_mut() };
    let mut existing = ctx.unwrap_or_default();
    let ctx_ptr: *mut CtxtHandle = if ctx.is_some() { &mut existing } else { core::ptr::null_mut() };
    let mut target = wide("HOST/fuzz.example");
    // SAFETY: every pointer is valid for the call.
    let st = unsafe {
        if server {
            let flags = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT | alloc_flag;
            AcceptSecurityContext(
                &mut cred,
                ctx_ptr,
                in_ptr,
                flags,
                0,
                &mut new,
                &mut outd,
                &mut attrs,
                core::ptr::null_mut(),
            )
        } else {
            let flags = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT | alloc_flag;
            InitializeSecurityContextW(
                &mut cred,
                ctx_ptr,
                target.as_mut_ptr(),
                flags,
                0,
                0,
                in_ptr,
                0,
                &mut new,
                &mut outd,
                &mut attrs,
                core::ptr::null_mut(),
            )
        }
    };
    documented(st, if server { "NTLM AcceptSecurityContext" } else { "NTLM InitializeSecurityContextW" });
    if ctx.is_none() && (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED) {
        *ctx = Some(new);
    }
    let out = if outb.pvBuffer.is_null() || outb.cbBuffer == 0 {
        Vec::new()
    } else {
        // SAFETY: the library wrote cbBuffer bytes there.
        let v = unsafe { core::slice::from_raw_parts(outb.pvBuffer.cast::<u8>(), outb.cbBuffer as usize) }.to_vec();
        if allocate {
            // SAFETY: a block of the library's.
            assert_eq!(unsafe { FreeContextBuffer(outb.pvBuffer) }, SEC_E_OK);
        }
        v
    };
    (st, out)
}

fn ntlm_delete(ctx: &mut Option<CtxtHandle>) {
    if let Some(mut h) = ctx.take() {
        // SAFETY: a live handle.
        assert_eq!(unsafe { DeleteSecurityContext(&mut h) }, SEC_E_OK);
    }
}

/// The three legs between our own NTLM client and server; the established
/// pair (client, server) or None.
fn ntlm_pair(allocate: bool) -> Option<(Option<CtxtHandle>, Option<CtxtHandle>)> {
    let (cc, sc) = ntlm_credentials();
    let (mut c, mut s) = (None, None);
    let (_, neg) = ntlm_call(false, cc, &mut c, None, None, allocate);
    let (_, chal) = ntlm_call(true, sc, &mut s, Some(&neg), None, allocate);
    let (_, auth) = ntlm_call(false, cc, &mut c, Some(&chal), None, allocate);
    let (st, _) = ntlm_call(true, sc, &mut s, Some(&auth), None, allocate);
    assert_eq!(st, SEC_E_OK, "our own NTLM handshake");
    Some((c, s))
}

/// Seals `data` on `ctx` as [TOKEN, DATA]: token then ciphertext.
fn ntlm_seal(ctx: &mut CtxtHandle, data: &[u8]) -> Vec<u8> {
    let mut d = data.to_vec();
    let mut tok = [0u8; 16];
    let mut bufs = [
        SecBuffer { cbBuffer: 16, BufferType: SECBUFFER_TOKEN, pvBuffer: tok.as_mut_ptr().cast() },
        SecBuffer { cbBuffer: d.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: d.as_mut_ptr().cast() },
    ];
    let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
    // SAFETY: valid pointers.
    assert_eq!(unsafe { EncryptMessage(ctx, 0, &mut desc, 0) }, SEC_E_OK);
    [&tok[..], &d[..]].concat()
}

/// DecryptMessage / VerifySignature of `blob` on `ctx` in the layout `op`
/// picks; returns (status, plaintext when DecryptMessage succeeded).
fn ntlm_unprotect(ctx: &mut CtxtHandle, op: u8, blob: &[u8]) -> (i32, Vec<u8>) {
    let mut b = blob.to_vec();
    let split = b.len().min(16);
    let (tok, data) = b.split_at_mut(split);
    let mut qop = 0;
    match op % 3 {
        0 => {
            let mut bufs = [
                SecBuffer {
                    cbBuffer: tok.len() as u32,
                    BufferType: SECBUFFER_TOKEN,
                    pvBuffer: tok.as_mut_ptr().cast(),
                },
                SecBuffer {
                    cbBuffer: data.len() as u32,
                    BufferType: SECBUFFER_DATA,
                    pvBuffer: data.as_mut_ptr().cast(),
                },
            ];
            let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
            // SAFETY: valid pointers.
            let st = documented(unsafe { DecryptMessage(ctx, &mut desc, 0, &mut qop) }, "NTLM DecryptMessage");
            (st, if st == SEC_E_OK { data.to_vec() } else { Vec::new() })
        }
        1 => {
            let mut whole = blob.to_vec();
            let mut bufs = [
                SecBuffer {
                    cbBuffer: whole.len() as u32,
                    BufferType: SECBUFFER_STREAM,
                    pvBuffer: whole.as_mut_ptr().cast(),
                },
                SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_DATA, pvBuffer: core::ptr::null_mut() },
            ];
            let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
            // SAFETY: valid pointers.
            let st = documented(unsafe { DecryptMessage(ctx, &mut desc, 0, &mut qop) }, "NTLM DecryptMessage (stream)");
            if st != SEC_E_OK {
                return (st, Vec::new());
            }
            let start = whole.as_ptr() as usize;
            let p = bufs[1].pvBuffer as usize;
            assert!(p >= start && p + bufs[1].cbBuffer as usize <= start + whole.len(), "DATA points into the stream");
            (st, whole[p - start..p - start + bufs[1].cbBuffer as usize].to_vec())
        }
        _ => {
            let mut bufs = [
                SecBuffer {
                    cbBuffer: data.len() as u32,
                    BufferType: SECBUFFER_DATA,
                    pvBuffer: data.as_mut_ptr().cast(),
                },
                SecBuffer {
                    cbBuffer: tok.len() as u32,
                    BufferType: SECBUFFER_TOKEN,
                    pvBuffer: tok.as_mut_ptr().cast(),
                },
            ];
            let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
            // SAFETY: valid pointers.
            (documented(unsafe { VerifySignature(ctx, &mut desc, 0, &mut qop) }, "NTLM VerifySignature"), Vec::new())
        }
    }
}

/// The NTLM package: its three message parsers through ASC and ISC, and
/// DecryptMessage / VerifySignature on an established context.
///
/// Input: `opts: u8` (bits 0-1 the mode, bit 2 ALLOCATE_MEMORY, bit 3 a
/// SECBUFFER_CHANNEL_BINDINGS input buffer (its bytes: the next chunk)),
/// then chunks (u16 LE length + bytes):
/// * mode 0: ASC gets chunk 1 as NEGOTIATE, then chunk 2 as AUTHENTICATE;
/// * mode 1: ASC gets our client's real NEGOTIATE, then chunk 1 as AUTHENTICATE;
/// * mode 2: ISC gets chunk 1 as CHALLENGE (after its real first call);
/// * mode 3: an established pair; each further chunk is `op: u8` + a blob
///   unprotected on the server (op % 3: [TOKEN, DATA], [STREAM, DATA],
///   VerifySignature). Afterwards a genuine sealed message from the client
///   must still come out exactly: forgeries must not disturb the state.
pub fn ntlm(data: &[u8]) {
    env();
    let (cc, sc) = ntlm_credentials();
    let base = Counters::now();
    let mut r = Reader::new(data);
    let opts = r.u8();
    let allocate = opts & 4 != 0;
    let bindings = (opts & 8 != 0).then(|| r.chunk().to_vec());
    let (mut c, mut s) = (None, None);
    match opts & 3 {
        0 => {
            let (st, _) = ntlm_call(true, sc, &mut s, Some(r.chunk()), None, allocate);
            if st == SEC_I_CONTINUE_NEEDED {
                ntlm_call(true, sc, &mut s, Some(r.chunk()), bindings.as_deref(), allocate);
            }
        }
        1 => {
            let (_, neg) = ntlm_call(false, cc, &mut c, None, None, allocate);
            let (st, _) = ntlm_call(true, sc, &mut s, Some(&neg), None, allocate);
            assert_eq!(st, SEC_I_CONTINUE_NEEDED, "our own NEGOTIATE is accepted");
            ntlm_call(true, sc, &mut s, Some(r.chunk()), bindings.as_deref(), allocate);
        }
        2 => {
            let (st, _) = ntlm_call(false, cc, &mut c, None, None, allocate);
            assert_eq!(st, SEC_I_CONTINUE_NEEDED);
            ntlm_call(false, cc, &mut c, Some(r.chunk()), bindings.as_deref(), allocate);
        }
        _ => {
            if let Some((pc, ps)) = ntlm_pair(allocate) {
                c = pc;
                s = ps;
                let (mut ch, mut sh) = (c.unwrap(), s.unwrap());
                while !r.is_empty() {
                    let op = r.u8();
                    ntlm_unprotect(&mut sh, op, r.chunk());
                }
                let sealed = ntlm_seal(&mut ch, b"genuine");
                let (st, plain) = ntlm_unprotect(&mut sh, 0, &sealed);
                assert_eq!((st, plain.as_slice()), (SEC_E_OK, &b"genuine"[..]), "a genuine message after forgeries");
            }
        }
    }
    ntlm_delete(&mut c);
    ntlm_delete(&mut s);
    base.assert_unchanged("ntlm");
}

// ---------------------------------------------------------------------------
// Target: kerberos

/// The Kerberos parsers and token checks, on a service key known to the
/// harness. First byte % 5:
/// 0 every RFC 4120 message decoder over the rest, KRB-CRED included (a
///   decoded value must encode and decode back to itself);
/// 1 the acceptor (`context::accept`) on the rest as an AP-REQ token, with
///   the service key in its keytab: any success must name the client the
///   harness's ticket names;
/// 2 the initiator's AP-REP check on the rest;
/// 3 per-message tokens: `unwrap` and `verify_mic` on the rest, with the
///   context key; a token that opens must be one the harness could have made
///   (sequence number and flags round-trip);
/// 4 keytab and ccache files.
pub fn kerberos(data: &[u8]) {
    use secur32::packages::kerberos::{asn1::*, ccache, context, keytab};
    let mut r = Reader::new(data);
    let op = r.u8() % 5;
    let rest = r.rest();
    match op {
        0 => {
            if let Ok(m) = KdcRep::decode(rest) {
                assert_eq!(KdcRep::decode(&m.encode()).unwrap(), m);
            }
            if let Ok(m) = KdcReq::decode(rest) {
                assert_eq!(KdcReq::decode(&m.encode()).unwrap(), m);
            }
            if let Ok(m) = KrbError::decode(rest) {
                assert_eq!(KrbError::decode(&m.encode()).unwrap(), m);
            }
            if let Ok(m) = ApReq::decode(rest) {
                assert_eq!(ApReq::decode(&m.encode()).unwrap(), m);
            }
            if let Ok(m) = ApRep::decode(rest) {
                assert_eq!(ApRep::decode(&m.encode()).unwrap(), m);
            }
            if let Ok(m) = Authenticator::decode(rest) {
                assert_eq!(Authenticator::decode(&m.encode()).unwrap(), m);
            }
            if let Ok(m) = EncApRepPart::decode(rest) {
                assert_eq!(EncApRepPart::decode(&m.encode()).unwrap(), m);
            }
            if let Ok(m) = EncTicketPart::decode(rest) {
                assert_eq!(EncTicketPart::decode(&m.encode()).unwrap(), m);
            }
            if let Ok(m) = EncKdcRepPart::decode(rest) {
                assert_eq!(EncKdcRepPart::decode(&m.encode(TAG_ENC_AS_REP_PART)).unwrap(), m);
            }
            if let Ok(m) = KrbCred::decode(rest) {
                assert_eq!(KrbCred::decode(&m.encode()).unwrap(), m);
            }
            if let Ok(v) = decode_enc_krb_cred_part(rest) {
                assert_eq!(decode_enc_krb_cred_part(&encode_enc_krb_cred_part(&v, None)).unwrap(), v);
            }
            let _ = Ticket::from_der(rest);
            let _ = PaData::decode_list(rest);
            if let Ok(v) = EtypeInfo2Entry::decode_list(rest) {
                assert_eq!(EtypeInfo2Entry::decode_list(&EtypeInfo2Entry::encode_list(&v)).unwrap(), v);
            }
            let _ = decode_pa_enc_ts(rest);
            let _ = context::unframe(rest);
        }
        1 => kerberos_accept_ap_req(rest),
        2 => kerberos_check_ap_rep(rest),
        3 => kerberos_wrap_token(rest),
        _ => {
            let _ = keytab::parse(rest);
            let _ = ccache::parse(rest);
        }
    }
}

/// `kerberos_ap`: the AP exchange's parsers with the harness's keys. The
/// first byte picks the side: even, the acceptor on an AP-REQ (a GSS initial
/// context token or a bare AP-REQ); odd, the initiator checking an AP-REP
/// after its own mutual-auth AP-REQ.
pub fn kerberos_ap(data: &[u8]) {
    let mut r = Reader::new(data);
    let side = r.u8();
    let rest = r.rest();
    if side & 1 == 0 {
        kerberos_accept_ap_req(rest);
    } else {
        kerberos_check_ap_rep(rest);
    }
}

/// `kerberos_wrap`: an RFC 4121 Wrap or MIC token, the whole input.
pub fn kerberos_wrap(data: &[u8]) {
    kerberos_wrap_token(data);
}

fn kerberos_accept_ap_req(rest: &[u8]) {
    use secur32::crypto::kerberos::{Enctype, Key};
    use secur32::packages::kerberos::{asn1::*, context, keytab};
    let service_key = Key::new(Enctype::Aes256Sha1, &[0x42; 32]).unwrap();
    let keys = vec![keytab::Entry {
        realm: "EXAMPLE.TEST".into(),
        principal: PrincipalName::new(NT_SRV_HST, &["HTTP", "localhost"]),
        timestamp: 0,
        kvno: 2,
        key: service_key,
    }];
    let replay = context::ReplayCache::default();
    if let Ok(acc) = context::accept(rest, &keys, None, &replay, i64::MAX / 4) {
        assert_eq!(acc.client_realm, "EXAMPLE.TEST", "only the harness's own tickets decrypt");
        assert!(context::accept(rest, &keys, None, &replay, i64::MAX / 4).is_err(), "a replay passed");
    }
}

fn kerberos_check_ap_rep(rest: &[u8]) {
    use secur32::packages::kerberos::context;
    let creds = seed_service_creds();
    let (_, st) = context::initiate(&creds, context::GSS_MUTUAL, None).unwrap();
    let _ = st.finish(rest);
}

fn kerberos_wrap_token(rest: &[u8]) {
    use secur32::crypto::kerberos::{Enctype, Key};
    use secur32::packages::kerberos::wrap::Protector;
    let key = Key::new(Enctype::Aes128Sha256, &[0x17; 16]).unwrap();
    for (acceptor_subkey, we_accept) in [(false, false), (true, true), (true, false)] {
        let p = Protector { key: key.clone(), acceptor_subkey, we_accept };
        if let Ok((msg, info)) = p.unwrap(rest) {
            let peer = Protector { key: key.clone(), acceptor_subkey, we_accept: !we_accept };
            let again = peer.wrap(info.seq, &msg, info.sealed).unwrap();
            assert_eq!(&p.unwrap(&again).unwrap().0[..], &msg[..]);
        }
        let n = p.mic_len().min(rest.len());
        let _ = p.verify_mic(&rest[..n], &rest[n..]);
    }
}

/// The statuses an AS or TGS exchange may end with.
const KDC_EXCHANGE_STATUSES: &[i32] = &[
    SEC_E_INVALID_TOKEN,
    SEC_E_LOGON_DENIED,
    SEC_E_TARGET_UNKNOWN,
    SEC_E_TIME_SKEW,
    SEC_E_ALGORITHM_MISMATCH,
    SEC_E_CONTEXT_EXPIRED,
    SEC_E_NO_CREDENTIALS,
    SEC_E_NO_AUTHENTICATING_AUTHORITY,
    SEC_E_MESSAGE_ALTERED,
];

/// `kerberos_kdc`: the client side of the AS and TGS exchanges
/// (`kdc::as_exchange_via` / `tgs_exchange_via`) against a KDC whose every
/// reply the input writes. The first byte picks the exchange: an AS exchange
/// with client keys (a client keytab, so no string-to-key per input), a TGS
/// exchange with a TGT, or a forwarded-TGT request. Then one recipe per
/// request the exchange sends (none left: the KDC does not answer):
/// * 0: raw reply bytes (a chunk);
/// * 1: a KRB-ERROR: a code from a table, a clock offset, and e-data that is
///   raw or a PA-DATA list with up to three ETYPE-INFO2 entries;
/// * 2: a KDC-REP whose encrypted part the harness writes: a flags byte
///   (wrong message type, key usage, nonce, key; raw plaintext instead of an
///   EncKDCRepPart; a referral to another realm), the session key's type and
///   length from tables, ticket flags and times;
/// * 3: the transport fails.
///
/// Checked: every request decodes and is of the exchange's kind; after a
/// PREAUTH_REQUIRED the next AS-REQ's PA-ENC-TIMESTAMP opens with a client
/// key; a referral's next request goes to the referred realm under the
/// referral's session key; at most five requests; success only on a reply
/// the harness wrote correctly, with exactly the session key it put in, and
/// (when nothing made the client's choice of key ambiguous) every correct
/// reply succeeds; every failure is one of the exchange's statuses.
pub fn kerberos_kdc(data: &[u8]) {
    use secur32::crypto::kerberos::{Enctype, Key};
    use secur32::packages::kerberos::{asn1::*, config::Config, kdc};
    let mut r = Reader::new(data);
    let mode = r.u8() % 3;
    let config = Config::from_profile(Default::default());
    let client_keys =
        [Key::new(Enctype::Aes256Sha1, &[0x31; 32]).unwrap(), Key::new(Enctype::Aes128Sha256, &[0x32; 16]).unwrap()];
    let user = PrincipalName::new(NT_PRINCIPAL, &["user1"]);
    let http = PrincipalName::new(NT_SRV_HST, &["HTTP", "localhost"]);
    let tgs = PrincipalName::new(NT_SRV_INST, &["krbtgt", "EXAMPLE.TEST"]);
    let tgt_key = Key::new(Enctype::Aes256Sha384, &[0x33; 32]).unwrap();
    let junk_ticket = |sname: &PrincipalName, realm: &str| {
        Ticket::build(realm, sname, EncryptedData { etype: 18, kvno: Some(1), cipher: vec![0xAA; 48] })
    };
    let tgt = kdc::Creds {
        client_realm: "EXAMPLE.TEST".into(),
        client: user.clone(),
        server_realm: "EXAMPLE.TEST".into(),
        server: tgs.clone(),
        ticket: junk_ticket(&tgs, "EXAMPLE.TEST"),
        session_key: tgt_key.clone(),
        flags: TKT_FLG_FORWARDABLE,
        authtime: 0,
        starttime: None,
        endtime: i64::from(u32::MAX),
        renew_till: None,
    };

    // What the transport saw and wrote.
    let mut sent = 0usize;
    let mut last_good: Option<Vec<u8>> = None;
    let mut ambiguous = false;
    let mut preauth_asked = false;
    // TGS: the key the next request's authenticator is under, and the realm it must go to.
    let mut current_key = tgt_key.clone();
    let mut expect_realm = "EXAMPLE.TEST".to_string();
    let mut transport = |realm: &str, req: &[u8]| -> secur32::error::SecResult<Vec<u8>> {
        sent += 1;
        assert!(sent <= 5, "the exchange sent more than five requests");
        let req = KdcReq::decode(req).expect("our own request decodes");
        assert_eq!(req.msg_type, if mode == 0 { MSG_AS_REQ } else { MSG_TGS_REQ });
        assert_eq!(realm, expect_realm, "a request went to the wrong realm");
        if mode == 0 && preauth_asked {
            let ts = req.padata.iter().find(|p| p.padata_type == PA_ENC_TIMESTAMP).expect("PA-ENC-TIMESTAMP sent");
            let ed = EncryptedData::decode(&mut secur32::der::Reader::new(&ts.value)).expect("an EncryptedData");
            let k = client_keys.iter().find(|k| k.enctype().number() == ed.etype).expect("a client key's enctype");
            let plain = k.decrypt(KU_PA_ENC_TS, &ed.cipher).expect("the timestamp opens with the client key");
            decode_pa_enc_ts(&plain).expect("a PA-ENC-TS-ENC");
        }
        last_good = None;
        let nonce = req.body.nonce;
        match r.u8() % 4 {
            0 => Ok(r.chunk().to_vec()),
            1 => {
                const CODES: [i32; 8] = [
                    KDC_ERR_PREAUTH_REQUIRED,
                    KRB_AP_ERR_SKEW,
                    KDC_ERR_S_PRINCIPAL_UNKNOWN,
                    KDC_ERR_PREAUTH_FAILED,
                    KDC_ERR_ETYPE_NOSUPP,
                    KRB_ERR_RESPONSE_TOO_BIG,
                    KRB_AP_ERR_TKT_EXPIRED,
                    KRB_ERR_GENERIC,
                ];
                let error_code = CODES[r.u8() as usize % CODES.len()];
                let offset = i64::from(r.u16() as i16);
                let e_data = match r.u8() % 3 {
                    0 => None,
                    1 => Some(r.chunk().to_vec()),
                    _ => {
                        let n = r.u8() % 4;
                        let entries: Vec<EtypeInfo2Entry> = (0..n)
                            .map(|_| {
                                const ETYPES: [i32; 6] = [18, 17, 19, 20, 23, -1];
                                let etype = ETYPES[r.u8() as usize % ETYPES.len()];
                                let salt = match r.u8() % 3 {
                                    0 => None,
                                    _ => Some(String::from_utf8_lossy(r.chunk()).into_owned()),
                                };
                                let s2kparams = if r.u8() & 1 == 0 { None } else { Some(r.chunk().to_vec()) };
                                EtypeInfo2Entry { etype, salt, s2kparams }
                            })
                            .collect();
                        // Hints that leave out a client key's enctype may make a later right reply fail.
                        ambiguous = true;
                        Some(PaData::encode_list(&[PaData {
                            padata_type: PA_ETYPE_INFO2,
                            value: EtypeInfo2Entry::encode_list(&entries),
                        }]))
                    }
                };
                if error_code == KDC_ERR_PREAUTH_REQUIRED {
                    preauth_asked = true;
                }
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
                Ok(KrbError {
                    stime: now + offset,
                    error_code,
                    realm: realm.to_string(),
                    sname: tgs.clone(),
                    e_data,
                    ..Default::default()
                }
                .encode())
            }
            2 => {
                let flags = r.u8();
                const KEYTYPES: [(i32, usize); 6] = [(18, 32), (17, 16), (19, 16), (20, 32), (18, 16), (23, 16)];
                let (keytype, key_len) = KEYTYPES[r.u8() as usize % KEYTYPES.len()];
                let session: Vec<u8> = (0..key_len).map(|i| i as u8 ^ r.u8()).collect();
                // A referral: krbtgt/OTHER.TEST for a service ticket (asking for a TGT, as the
                // forwarded-TGT request does, a krbtgt ticket is the answer itself).
                let referral = flags & 0x40 != 0 && mode == 1;
                // The AS exchange asks for krbtgt/EXAMPLE.TEST without canonicalization, so that is
                // the right answer's server; the TGS exchange canonicalizes.
                let sname = if referral {
                    PrincipalName::new(NT_SRV_INST, &["krbtgt", "OTHER.TEST"])
                } else if mode == 0 {
                    tgs.clone()
                } else {
                    http.clone()
                };
                let part = EncKdcRepPart {
                    key: EncryptionKey { keytype, value: session.clone().into() },
                    nonce: if flags & 0x04 != 0 { nonce ^ (1 + u32::from(r.u8())) } else { nonce },
                    key_expiration: None,
                    flags: r.u32(),
                    authtime: i64::from(r.u32()),
                    starttime: None,
                    endtime: i64::from(r.u32()),
                    renew_till: None,
                    srealm: "EXAMPLE.TEST".into(),
                    sname: sname.clone(),
                };
                let plain: Vec<u8> = if flags & 0x08 != 0 {
                    r.chunk().to_vec()
                } else {
                    part.encode(if mode == 0 { TAG_ENC_AS_REP_PART } else { TAG_ENC_TGS_REP_PART }).to_vec()
                };
                let (key, etype) = if mode == 0 {
                    let k = &client_keys[usize::from(flags & 0x80 != 0)];
                    (k.clone(), k.enctype().number())
                } else {
                    (current_key.clone(), current_key.enctype().number())
                };
                let usage = match (mode == 0, flags & 0x02 != 0) {
                    (true, false) => KU_AS_REP_ENC_PART,
                    (false, false) => KU_TGS_REP_ENC_PART_SESSKEY,
                    (true, true) => KU_TGS_REP_ENC_PART_SESSKEY,
                    (false, true) => KU_AS_REP_ENC_PART,
                };
                let wrong_key = flags & 0x10 != 0;
                let enc_key = if wrong_key {
                    Key::new(key.enctype(), &vec![0x77; key.enctype().key_len()]).unwrap()
                } else {
                    key
                };
                let cipher = enc_key.encrypt(usage, &plain).unwrap();
                let right_type = flags & 0x01 == 0;
                let msg_type = match (mode == 0, right_type) {
                    (true, true) | (false, false) => MSG_AS_REP,
                    _ => MSG_TGS_REP,
                };
                let rep = KdcRep {
                    msg_type,
                    padata: Vec::new(),
                    crealm: "EXAMPLE.TEST".into(),
                    cname: user.clone(),
                    // 0x20: a ticket naming another server than the encrypted part (tampered with).
                    ticket: if flags & 0x20 != 0 {
                        junk_ticket(&PrincipalName::new(NT_SRV_HST, &["HTTP", "evil"]), "EXAMPLE.TEST")
                    } else {
                        junk_ticket(&sname, "EXAMPLE.TEST")
                    },
                    enc_part: EncryptedData { etype, kvno: None, cipher },
                };
                let key_ok = Enctype::from_number(keytype).is_some_and(|e| e.key_len() == key_len);
                let good = right_type && flags & (0x02 | 0x04 | 0x08 | 0x10 | 0x20) == 0 && key_ok;
                if good && referral {
                    current_key = Key::new(Enctype::from_number(keytype).unwrap(), &session).unwrap();
                    expect_realm = "OTHER.TEST".into();
                } else if good {
                    last_good = Some(session);
                }
                Ok(rep.encode())
            }
            _ => Err(secur32::error::SecError::new(SEC_E_NO_AUTHENTICATING_AUTHORITY, "fuzz: no answer")),
        }
    };
    let result = match mode {
        0 => {
            kdc::as_exchange_via(&mut transport, &config, "EXAMPLE.TEST", &user, &kdc::Secret::Keys(&client_keys), None)
        }
        1 => kdc::tgs_exchange_via(&mut transport, &config, &tgt, &http, "EXAMPLE.TEST", 0),
        _ => kdc::tgs_exchange_via(
            &mut transport,
            &config,
            &tgt,
            &tgs,
            "EXAMPLE.TEST",
            KDC_OPT_FORWARDED | KDC_OPT_FORWARDABLE,
        ),
    };
    match result {
        Ok(creds) => {
            let want = last_good.as_ref().expect("an exchange succeeded on a reply the harness wrote wrong");
            assert_eq!(creds.session_key.bytes(), &want[..], "the session key is not the one the KDC sent");
        }
        Err(e) => {
            assert!(KDC_EXCHANGE_STATUSES.contains(&e.status), "undocumented exchange status {:#010x}", e.status);
            assert!(last_good.is_none() || ambiguous, "a right reply was refused: {e:?}");
        }
    }
}

/// A service ticket for HTTP/localhost@EXAMPLE.TEST under the harness's
/// service key (seeds and the initiator op).
pub fn seed_service_creds() -> secur32::packages::kerberos::kdc::Creds {
    use secur32::crypto::kerberos::{Enctype, Key};
    use secur32::packages::kerberos::asn1::*;
    let service_key = Key::new(Enctype::Aes256Sha1, &[0x42; 32]).unwrap();
    let session = Key::new(Enctype::Aes256Sha1, &[0x24; 32]).unwrap();
    let client = PrincipalName::new(NT_PRINCIPAL, &["user1"]);
    let sname = PrincipalName::new(NT_SRV_HST, &["HTTP", "localhost"]);
    let part = EncTicketPart {
        flags: 0,
        key: EncryptionKey { keytype: 18, value: session.bytes().to_vec().into() },
        crealm: "EXAMPLE.TEST".into(),
        cname: client.clone(),
        authtime: 0,
        starttime: None,
        endtime: i64::from(u32::MAX),
        renew_till: None,
    };
    let enc = EncryptedData {
        etype: 18,
        kvno: Some(2),
        cipher: service_key.encrypt_with_confounder(KU_TICKET, &[1; 16], &part.encode()),
    };
    secur32::packages::kerberos::kdc::Creds {
        client_realm: "EXAMPLE.TEST".into(),
        client,
        server_realm: "EXAMPLE.TEST".into(),
        server: sname.clone(),
        ticket: Ticket::build("EXAMPLE.TEST", &sname, enc),
        session_key: session,
        flags: 0,
        authtime: 0,
        starttime: None,
        endtime: i64::from(u32::MAX),
        renew_till: None,
    }
}

// ---------------------------------------------------------------------------
// Target: spnego

/// Negotiate credentials (an identity: NTLM, and Kerberos without a KDC —
/// `KRB5_CONFIG=/dev/null`, so the client falls back to NTLM and nothing
/// leaves the machine).
fn negotiate_credentials() -> (CredHandle, CredHandle) {
    static CREDS: OnceLock<(CredHandle, CredHandle)> = OnceLock::new();
    *CREDS.get_or_init(|| {
        std::env::set_var("KRB5_CONFIG", "/dev/null");
        std::env::set_var("KRB5_KTNAME", "/dev/null");
        let (mut u, mut d, mut p) = (wide("fuzz"), wide("FUZZ"), wide("pw"));
        let mut id = SEC_WINNT_AUTH_IDENTITY_W {
            User: u.as_mut_ptr(),
            UserLength: 4,
            Domain: d.as_mut_ptr(),
            DomainLength: 4,
            Password: p.as_mut_ptr(),
            PasswordLength: 2,
            Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
        };
        let acquire = |usage: u32, id: &mut SEC_WINNT_AUTH_IDENTITY_W| {
            let mut h = SecHandle::default();
            let mut pkg = wide("Negotiate");
            // SAFETY: valid pointers for the call.
            let st = unsafe {
                AcquireCredentialsHandleW(
                    core::ptr::null_mut(),
                    pkg.as_mut_ptr(),
                    usage,
                    core::ptr::null_mut(),
                    (id as *mut SEC_WINNT_AUTH_IDENTITY_W).cast(),
                    None,
                    core::ptr::null_mut(),
                    &mut h,
                    core::ptr::null_mut(),
                )
            };
            assert_eq!(st, SEC_E_OK);
            h
        };
        (acquire(SECPKG_CRED_OUTBOUND, &mut id), acquire(SECPKG_CRED_INBOUND, &mut id))
    })
}

/// The statuses a Negotiate token-loop call may answer a hostile token with.
fn negotiate_status_ok(st: i32) -> bool {
    matches!(
        st,
        SEC_E_OK
            | SEC_I_CONTINUE_NEEDED
            | SEC_E_INVALID_TOKEN
            | SEC_E_MESSAGE_ALTERED
            | SEC_E_LOGON_DENIED
            | SEC_E_UNSUPPORTED_FUNCTION
            | SEC_E_NO_CREDENTIALS
            | SEC_E_OUT_OF_SEQUENCE
            | SEC_E_BAD_BINDINGS
            | SEC_E_TIME_SKEW
            | SEC_E_CONTEXT_EXPIRED
            | SEC_E_ALGORITHM_MISMATCH
            | SEC_E_TARGET_UNKNOWN
            | SEC_E_INSUFFICIENT_MEMORY
            | SEC_E_BUFFER_TOO_SMALL
            | SEC_E_UNKNOWN_CREDENTIALS
            | SEC_E_WRONG_PRINCIPAL
    )
}

/// The SPNEGO codec and the Negotiate state machine:
/// 0 `spnego::parse` and `classify` on the rest; what parses re-encodes to the same fields;
/// 1 a Negotiate acceptor given up to three tokens (chunks);
/// 2 a Negotiate initiator (it sends its NegTokenInit) given up to three answers;
/// 3 our own Negotiate pair (NTLM: four legs), then forged messages, then a genuine one.
pub fn spnego(data: &[u8]) {
    use secur32::packages::negotiate::spnego::{self, Token};
    env();
    let (cc, sc) = negotiate_credentials();
    let base = Counters::now();
    let mut r = Reader::new(data);
    let opts = r.u8();
    let allocate = opts & 4 != 0;
    let (mut c, mut s) = (None, None);
    let check = |st: i32, what: &str| assert!(negotiate_status_ok(st), "{what}: undocumented status {st:#x}");
    match opts & 3 {
        0 => {
            let rest = r.rest();
            match spnego::parse(rest) {
                Ok(Token::Init(i)) => {
                    let again =
                        spnego::encode_init(&i.mech_types_der, i.mech_token.as_deref(), i.mech_list_mic.as_deref());
                    let Ok(Token::Init(j)) = spnego::parse(&again) else { panic!("our NegTokenInit does not parse") };
                    assert_eq!(
                        (j.mech_types, j.mech_types_der, j.mech_token, j.mech_list_mic),
                        (i.mech_types, i.mech_types_der, i.mech_token, i.mech_list_mic)
                    );
                }
                Ok(Token::Resp(t)) => {
                    assert_eq!(spnego::parse(&spnego::encode_resp(&t)).unwrap(), Token::Resp(t));
                }
                Err(e) => assert_eq!(e.status, SEC_E_INVALID_TOKEN),
            }
            let _ = spnego::classify(rest);
        }
        1 => {
            for _ in 0..3 {
                let (st, _) = ntlm_call(true, sc, &mut s, Some(r.chunk()), None, allocate);
                check(st, "ASC");
                if st != SEC_I_CONTINUE_NEEDED {
                    break;
                }
            }
        }
        2 => {
            let (st, init) = ntlm_call(false, cc, &mut c, None, None, allocate);
            assert_eq!(st, SEC_I_CONTINUE_NEEDED, "the first ISC");
            assert!(matches!(spnego::parse(&init), Ok(Token::Init(_))), "a NegTokenInit");
            for _ in 0..3 {
                let (st, _) = ntlm_call(false, cc, &mut c, Some(r.chunk()), None, allocate);
                check(st, "ISC");
                if st != SEC_I_CONTINUE_NEEDED {
                    break;
                }
            }
        }
        _ => {
            let (_, t1) = ntlm_call(false, cc, &mut c, None, None, allocate);
            let (_, t2) = ntlm_call(true, sc, &mut s, Some(&t1), None, allocate);
            let (_, t3) = ntlm_call(false, cc, &mut c, Some(&t2), None, allocate);
            let (st, t4) = ntlm_call(true, sc, &mut s, Some(&t3), None, allocate);
            assert_eq!(st, SEC_E_OK, "our own Negotiate acceptor");
            let (st, _) = ntlm_call(false, cc, &mut c, Some(&t4), None, allocate);
            assert_eq!(st, SEC_E_OK, "our own Negotiate initiator");
            let (mut ch, mut sh) = (c.unwrap(), s.unwrap());
            while !r.is_empty() {
                let op = r.u8();
                ntlm_unprotect(&mut sh, op, r.chunk());
            }
            let sealed = ntlm_seal(&mut ch, b"genuine");
            let (st, plain) = ntlm_unprotect(&mut sh, 0, &sealed);
            assert_eq!((st, plain.as_slice()), (SEC_E_OK, &b"genuine"[..]), "a genuine message after forgeries");
        }
    }
    ntlm_delete(&mut c);
    ntlm_delete(&mut s);
    base.assert_unchanged("spnego");
}

/// The four tokens of one conversation between our own Negotiate initiator and
/// acceptor (for seeds).
pub fn negotiate_transcript() -> Vec<Vec<u8>> {
    env();
    let (cc, sc) = negotiate_credentials();
    let (mut c, mut s) = (None, None);
    let (_, t1) = ntlm_call(false, cc, &mut c, None, None, false);
    let (_, t2) = ntlm_call(true, sc, &mut s, Some(&t1), None, false);
    let (_, t3) = ntlm_call(false, cc, &mut c, Some(&t2), None, false);
    let (_, t4) = ntlm_call(true, sc, &mut s, Some(&t3), None, false);
    ntlm_delete(&mut c);
    ntlm_delete(&mut s);
    vec![t1, t2, t3, t4]
}

// ---------------------------------------------------------------------------
// Target: sasl

/// A stand-in for a package context under the SASL wrapper: its loop ends at once
/// (with or without a last token), and its "wrap" is a 1-byte header (0: plain, 1: sealed)
/// in front of the message, so that any input can be an unwrapped block.
struct FakeGss {
    side: secur32::packages::Side,
    last_token: bool,
    attributes: u32,
}

impl secur32::packages::SecurityContext for FakeGss {
    fn side(&self) -> secur32::packages::Side {
        self.side
    }
    fn step(&self, io: secur32::packages::StepIo<'_, '_>) -> secur32::error::SecResult<secur32::packages::StepResult> {
        let tok: &[u8] = if self.last_token { b"last" } else { b"" };
        if tok.is_empty() {
            secur32::gss::clear_token(io.output, false);
        } else {
            secur32::gss::write_token(io.output, tok, false)?;
        }
        Ok(secur32::packages::StepResult { status: SEC_E_OK, attributes: self.attributes, expiry: None })
    }
    fn encrypt(&self, qop: u32, m: &mut secur32::buffers::BufferDesc<'_>, _seq: u32) -> secur32::error::SecResult<i32> {
        let (token, _, _) = secur32::gss::token_layout(m)?;
        let b = m.bytes_mut(token)?;
        if b.is_empty() {
            return Err(secur32::error::SecError::new(SEC_E_BUFFER_TOO_SMALL, "token"));
        }
        b[0] = u8::from(qop & SECQOP_WRAP_NO_ENCRYPT != SECQOP_WRAP_NO_ENCRYPT);
        m.set_len(token, 1);
        Ok(SEC_E_OK)
    }
    fn decrypt(
        &self,
        m: &mut secur32::buffers::BufferDesc<'_>,
        _seq: u32,
    ) -> secur32::error::SecResult<secur32::packages::DecryptResult> {
        let stream = m.find(SECBUFFER_STREAM).ok_or(secur32::error::SecError::invalid_token("no stream"))?;
        let data = m.find(SECBUFFER_DATA).ok_or(secur32::error::SecError::invalid_token("no data"))?;
        let r = m.original(stream);
        let first = *m.bytes(stream)?.first().ok_or(secur32::error::SecError::invalid_token("empty"))?;
        m.set(data, SECBUFFER_DATA, r.tail(1).unwrap());
        Ok(secur32::packages::DecryptResult {
            status: SEC_E_OK,
            qop: if first == 0 { SECQOP_WRAP_NO_ENCRYPT } else { 0 },
        })
    }
    fn query(&self, attribute: u32) -> secur32::error::SecResult<secur32::packages::Attr> {
        match attribute {
            SECPKG_ATTR_SIZES => Ok(secur32::packages::Attr::Sizes(SecPkgContext_Sizes {
                cbMaxToken: 64,
                cbMaxSignature: 1,
                cbBlockSize: 1,
                cbSecurityTrailer: 1,
            })),
            _ => Err(secur32::error::SecError::unsupported("query")),
        }
    }
    fn set(&self, _a: secur32::packages::SetAttr) -> secur32::error::SecResult<()> {
        Err(secur32::error::SecError::unsupported("set"))
    }
    fn apply_control(&self, _t: &[u8]) -> secur32::error::SecResult<()> {
        Err(secur32::error::SecError::unsupported("apply"))
    }
}

/// One call of a SASL context on our own buffers: (status, output).
fn sasl_call(ctx: &dyn secur32::packages::SecurityContext, flags: u32, input: &[u8]) -> (i32, Vec<u8>) {
    use secur32::buffers::OwnedBuffers;
    let mut inb = OwnedBuffers::new(vec![(SECBUFFER_TOKEN, input.to_vec())]);
    let mut out = OwnedBuffers::new(vec![(SECBUFFER_TOKEN, vec![0u8; 256])]);
    let r = OwnedBuffers::with_pair(Some(&mut inb), &mut out, |i, o| {
        ctx.step(secur32::packages::StepIo { flags, target: None, input: i, output: Some(o), credential: None })
    });
    match r {
        Ok(Ok(res)) => (res.status, out.bytes(0).to_vec()),
        Ok(Err(e)) | Err(e) => (e.status, Vec::new()),
    }
}

/// The SASL wrapper's security-layer exchange (GSSAPI profile) over a stand-in package
/// context, both roles, with hostile blocks: the client's choice, sizes and authzid at the
/// server; the server's offer at the client. Op byte: bit 0 server/client, bit 1 a last
/// token, bits 2-4 the context's integrity/confidentiality and the client's wishes, bit 5
/// authz processing.
pub fn sasl(data: &[u8]) {
    use secur32::packages::Side;
    use secur32::sasl::{Cookie, Profile, SaslContext};
    let mut r = Reader::new(data);
    let op = r.u8();
    let rest = r.rest();
    // The codec: what decodes re-encodes to itself.
    for server in [true, false] {
        if let Ok(c) = Cookie::decode(rest, server) {
            assert_eq!(Cookie::decode(&c.encode(), server).unwrap(), c);
        }
    }
    let attrs =
        (if op & 4 != 0 { ASC_RET_INTEGRITY } else { 0 }) | (if op & 8 != 0 { ASC_RET_CONFIDENTIALITY } else { 0 });
    let side = if op & 1 == 0 { Side::Server } else { Side::Client };
    let inner = FakeGss { side, last_token: op & 2 != 0, attributes: attrs };
    let ctx = SaslContext::new(std::sync::Arc::new(inner), Some(Profile::Gssapi));
    if op & 32 != 0 {
        ctx.options().authz_processing = secur32::sasl::AUTHZ_PROCESSED;
    }
    let ok = |st: i32| {
        matches!(
            st,
            SEC_E_OK | SEC_I_CONTINUE_NEEDED | SEC_E_INVALID_TOKEN | SEC_E_ALGORITHM_MISMATCH | SEC_E_OUT_OF_SEQUENCE
        )
    };
    let flags = if op & 16 != 0 { ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY } else { 0 };
    let (st, _) = sasl_call(&ctx, flags, b"first");
    assert!(ok(st), "first step: {st:#x}");
    if side == Side::Server && op & 2 != 0 {
        let (st, _) = sasl_call(&ctx, flags, b"");
        assert_eq!(st, SEC_I_CONTINUE_NEEDED, "the empty answer brings the server's block");
    }
    let (st, _) = sasl_call(&ctx, flags, rest);
    assert!(ok(st), "the block: {st:#x}");
    if st == SEC_E_OK {
        let layer = ctx.layer();
        assert!(matches!(layer, 1 | 2 | 4), "one layer in force: {layer}");
        if side == Side::Server {
            assert!(attrs != 0 || layer == 1, "no protection the context cannot give");
        }
        let (st, _) = sasl_call(&ctx, flags, rest);
        assert!(st < 0, "nothing after the exchange");
    }
}

// ---------------------------------------------------------------------------
// Target: digest

/// WDigest credentials with an identity (fuzz / FUZZ.REALM / pw), both directions.
fn digest_credentials() -> (CredHandle, CredHandle) {
    static CREDS: OnceLock<(CredHandle, CredHandle)> = OnceLock::new();
    *CREDS.get_or_init(|| {
        let (mut u, mut d, mut p) = (wide("fuzz"), wide("FUZZ.REALM"), wide("pw"));
        let mut id = SEC_WINNT_AUTH_IDENTITY_W {
            User: u.as_mut_ptr(),
            UserLength: 4,
            Domain: d.as_mut_ptr(),
            DomainLength: 10,
            Password: p.as_mut_ptr(),
            PasswordLength: 2,
            Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
        };
        let acquire = |usage: u32, id: &mut SEC_WINNT_AUTH_IDENTITY_W| {
            let mut h = SecHandle::default();
            let mut pkg = wide("WDigest");
            // SAFETY: valid pointers for the call.
            let st = unsafe {
                AcquireCredentialsHandleW(
                    core::ptr::null_mut(),
                    pkg.as_mut_ptr(),
                    usage,
                    core::ptr::null_mut(),
                    (id as *mut SEC_WINNT_AUTH_IDENTITY_W).cast(),
                    None,
                    core::ptr::null_mut(),
                    &mut h,
                    core::ptr::null_mut(),
                )
            };
            assert_eq!(st, SEC_E_OK);
            h
        };
        (acquire(SECPKG_CRED_OUTBOUND, &mut id), acquire(SECPKG_CRED_INBOUND, &mut id))
    })
}

/// `ISC_REQ_HTTP` / `ASC_REQ_HTTP`.
const DIGEST_HTTP: u32 = 0x1000_0000;

/// An HTTP Digest step through the C ABI: TOKEN, then one SECBUFFER_PKG_PARAMS per `params`.
fn http_digest_call(
    server: bool,
    cred: CredHandle,
    ctx: &mut Option<CtxtHandle>,
    token: &[u8],
    params: &[&[u8]],
    flags: u32,
) -> (i32, Vec<u8>) {
    let mut cred = cred;
    let mut owned: Vec<Vec<u8>> = core::iter::once(token).chain(params.iter().copied()).map(<[u8]>::to_vec).collect();
    let mut inb: Vec<SecBuffer> = owned
        .iter_mut()
        .enumerate()
        .map(|(i, b)| SecBuffer {
            cbBuffer: b.len() as u32,
            BufferType: if i == 0 { SECBUFFER_TOKEN } else { SECBUFFER_PKG_PARAMS },
            pvBuffer: b.as_mut_ptr().cast(),
        })
        .collect();
    let mut ind =
        SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: inb.len() as u32, pBuffers: inb.as_mut_ptr() };
    let mut mem = vec![0u8; 4096];
    let mut outb =
        SecBuffer { cbBuffer: mem.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: mem.as_mut_ptr().cast() };
    let mut outd = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut outb };
    let mut new = SecHandle::default();
    let mut attrs = 0;
    let mut existing = ctx.unwrap_or_default();
    let ctx_ptr: *mut CtxtHandle = if ctx.is_some() { &mut existing } else { core::ptr::null_mut() };
    let mut target = wide("/fuzz/index.html");
    // SAFETY: every pointer is valid for the call.
    let st = unsafe {
        if server {
            AcceptSecurityContext(
                &mut cred,
                ctx_ptr,
                &mut ind,
                DIGEST_HTTP | flags,
                0,
                &mut new,
                &mut outd,
                &mut attrs,
                core::ptr::null_mut(),
            )
        } else {
            InitializeSecurityContextW(
                &mut cred,
                ctx_ptr,
                target.as_mut_ptr(),
                DIGEST_HTTP | flags,
                0,
                0,
                &mut ind,
                0,
                &mut new,
                &mut outd,
                &mut attrs,
                core::ptr::null_mut(),
            )
        }
    };
    documented(st, if server { "Digest HTTP AcceptSecurityContext" } else { "Digest HTTP InitializeSecurityContextW" });
    if ctx.is_none() && (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED) {
        *ctx = Some(new);
    }
    (st, mem[..outb.cbBuffer as usize].to_vec())
}

/// HTTP Digest `MakeSignature` (sign) or `VerifySignature`: TOKEN, then PKG_PARAMS.
fn http_digest_message(ctx: &mut CtxtHandle, sign: bool, token: &[u8], params: &[&[u8]]) -> (i32, Vec<u8>) {
    let mut tok = if sign { vec![0u8; 2048] } else { token.to_vec() };
    let mut owned: Vec<Vec<u8>> = params.iter().map(|p| p.to_vec()).collect();
    let mut bufs =
        vec![SecBuffer { cbBuffer: tok.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: tok.as_mut_ptr().cast() }];
    bufs.extend(owned.iter_mut().map(|b| SecBuffer {
        cbBuffer: b.len() as u32,
        BufferType: SECBUFFER_PKG_PARAMS,
        pvBuffer: b.as_mut_ptr().cast(),
    }));
    let mut d =
        SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: bufs.len() as u32, pBuffers: bufs.as_mut_ptr() };
    let mut qop = 0;
    // SAFETY: every pointer is valid for the call.
    let st = unsafe {
        if sign {
            MakeSignature(ctx, 0, &mut d, 0)
        } else {
            VerifySignature(ctx, &mut d, 0, &mut qop)
        }
    };
    documented(st, if sign { "Digest MakeSignature" } else { "Digest VerifySignature" });
    let n = (bufs[0].cbBuffer as usize).min(tok.len());
    (st, tok[..n].to_vec())
}

/// HTTP Digest (op & 0x80): 0 an acceptor (after its own challenge) given an arbitrary
/// Authorization and method, URI, H(entity); 1 an initiator given an arbitrary challenge,
/// then an arbitrary Authentication-Info; 2 and 3 our own pair (rspauth checked), then
/// arbitrary later Authorizations to VerifySignature, then a genuine one from MakeSignature.
fn digest_http(op: u8, r: &mut Reader<'_>, c: &mut Option<CtxtHandle>, s: &mut Option<CtxtHandle>) {
    let (cc, sc) = digest_credentials();
    let flags = if op & 8 != 0 { ASC_REQ_INTEGRITY } else { 0 };
    let algs: [&[u8]; 4] = [b"MD5", b"MD5-sess", b"SHA-256", b"SHA-256-sess"];
    let alg = algs[usize::from(op >> 4) & 3];
    let refusals = |st: i32| {
        matches!(st, SEC_E_INVALID_TOKEN | SEC_E_LOGON_DENIED | SEC_E_ALGORITHM_MISMATCH | SEC_E_OUT_OF_SEQUENCE)
    };
    match op & 3 {
        0 => {
            let (st, ch) = http_digest_call(true, sc, s, b"", &[b"GET", b"", b"", b"", alg], flags);
            assert_eq!(st, SEC_I_CONTINUE_NEEDED, "the acceptor's challenge");
            assert!(secur32::packages::digest::directives::Directives::parse(&ch).is_ok());
            let (auth, m, u, h) = (r.chunk(), r.chunk(), r.chunk(), r.chunk());
            let (st, _) = http_digest_call(true, sc, s, auth, &[m, u, h], flags);
            // An arbitrary Authorization cannot carry our nonce and the right response; none at
            // all brings a new challenge.
            assert!(refusals(st) || (auth.is_empty() && st == SEC_I_CONTINUE_NEEDED), "{st:#x}");
        }
        1 => {
            let (ch, m, h) = (r.chunk(), r.chunk(), r.chunk());
            let (st, _) = http_digest_call(false, cc, c, ch, &[m, h], if op & 8 != 0 { ISC_REQ_INTEGRITY } else { 0 });
            assert!(
                st == SEC_E_OK || refusals(st) || st == SEC_E_TARGET_UNKNOWN || st == SEC_E_BUFFER_TOO_SMALL,
                "{st:#x}"
            );
            if st == SEC_E_OK {
                let (st, _) = http_digest_call(false, cc, c, r.chunk(), &[], 0);
                assert!(matches!(st, SEC_E_OK | SEC_E_MUTUAL_AUTH_FAILED) || refusals(st), "{st:#x}");
            }
        }
        _ => {
            let (st, ch) = http_digest_call(true, sc, s, b"", &[b"GET", b"", b"", b"", alg], flags);
            assert_eq!(st, SEC_I_CONTINUE_NEEDED);
            let (st, auth) = http_digest_call(false, cc, c, &ch, &[b"GET", b""], 0);
            assert_eq!(st, SEC_E_OK, "our initiator");
            let (st, info) = http_digest_call(true, sc, s, &auth, &[b"GET"], flags);
            assert_eq!(st, SEC_E_OK, "our acceptor");
            let (st, _) = http_digest_call(false, cc, c, &info, &[], 0);
            assert_eq!(st, SEC_E_OK, "the rspauth checks");
            let (mut ch, mut sh) = (c.unwrap(), s.unwrap());
            while !r.is_empty() {
                let (t, m, u) = (r.chunk(), r.chunk(), r.chunk());
                let (st, _) = http_digest_message(&mut sh, false, t, &[m, u]);
                assert!(st == SEC_E_MESSAGE_ALTERED || refusals(st), "a forged later request: {st:#x}");
            }
            let (st, next) = http_digest_message(&mut ch, true, b"", &[b"GET", b"/next", b""]);
            assert_eq!(st, SEC_E_OK);
            let (st, _) = http_digest_message(&mut sh, false, &next, &[b"GET", b"/next"]);
            assert_eq!(st, SEC_E_OK, "a genuine later request after forgeries");
        }
    }
}

/// The Digest directive parser and the WDigest package (SASL DIGEST-MD5):
/// 0 `Directives::parse` on the rest; what parses, written back quoted, parses to the same;
/// 1 an acceptor (after its own challenge) given an arbitrary digest-response;
/// 2 an initiator given an arbitrary challenge, then an arbitrary rspauth;
/// 3 our own pair (auth-conf), then forged messages, then a genuine one;
/// with op & 0x80, HTTP mode: see `digest_http`.
pub fn digest(data: &[u8]) {
    use secur32::packages::digest::directives::{Directives, Writer};
    env();
    let (cc, sc) = digest_credentials();
    let base = Counters::now();
    let mut r = Reader::new(data);
    let op = r.u8();
    let (mut c, mut s) = (None, None);
    if op & 0x80 != 0 {
        digest_http(op, &mut r, &mut c, &mut s);
        ntlm_delete(&mut c);
        ntlm_delete(&mut s);
        base.assert_unchanged("digest");
        return;
    }
    match op & 3 {
        0 => {
            if let Ok(d) = Directives::parse(r.rest()) {
                let mut w = Writer::default();
                for (k, v) in &d.0 {
                    w = w.quoted(k, v);
                    // RFC 8187 ext-values (username*): what decodes is UTF-8 and, %-encoded
                    // again byte by byte, decodes to itself.
                    if let Ok(text) = secur32::packages::digest::directives::ext_value(v) {
                        let again: String = text.bytes().map(|b| format!("%{b:02X}")).collect();
                        let round =
                            secur32::packages::digest::directives::ext_value(format!("UTF-8''{again}").as_bytes());
                        assert_eq!(round.unwrap(), text, "an ext-value re-encoded");
                    }
                }
                assert_eq!(Directives::parse(&w.finish()).unwrap(), d, "written back, the same list");
            }
        }
        1 => {
            let (st, challenge) = ntlm_call(true, sc, &mut s, Some(&[]), None, false);
            assert_eq!(st, SEC_I_CONTINUE_NEEDED, "the acceptor's challenge");
            assert!(Directives::parse(&challenge).is_ok(), "our challenge parses");
            let (st, _) = ntlm_call(true, sc, &mut s, Some(r.chunk()), None, op & 4 != 0);
            assert!(
                matches!(st, SEC_E_OK | SEC_E_INVALID_TOKEN | SEC_E_LOGON_DENIED | SEC_E_ALGORITHM_MISMATCH),
                "{st:#x}"
            );
        }
        2 => {
            let (st, _) = ntlm_call(false, cc, &mut c, Some(r.chunk()), None, op & 4 != 0);
            let ok = |st: i32| {
                matches!(
                    st,
                    SEC_E_OK
                        | SEC_I_CONTINUE_NEEDED
                        | SEC_E_INVALID_TOKEN
                        | SEC_E_ALGORITHM_MISMATCH
                        | SEC_E_MUTUAL_AUTH_FAILED
                        | SEC_E_OUT_OF_SEQUENCE
                        | SEC_E_BUFFER_TOO_SMALL
                        | SEC_E_INSUFFICIENT_MEMORY
                )
            };
            assert!(ok(st), "{st:#x}");
            if st == SEC_I_CONTINUE_NEEDED {
                let (st, _) = ntlm_call(false, cc, &mut c, Some(r.chunk()), None, op & 4 != 0);
                assert!(ok(st), "{st:#x}");
            }
        }
        _ => {
            let (_, challenge) = ntlm_call(true, sc, &mut s, Some(&[]), None, false);
            let (st, response) = ntlm_call(false, cc, &mut c, Some(&challenge), None, false);
            assert_eq!(st, SEC_I_CONTINUE_NEEDED);
            let (st, rspauth) = ntlm_call(true, sc, &mut s, Some(&response), None, false);
            assert_eq!(st, SEC_E_OK, "our own acceptor");
            let (st, _) = ntlm_call(false, cc, &mut c, Some(&rspauth), None, false);
            assert_eq!(st, SEC_E_OK, "our own initiator");
            let (mut ch, mut sh) = (c.unwrap(), s.unwrap());
            while !r.is_empty() {
                let op = r.u8();
                ntlm_unprotect(&mut sh, op, r.chunk());
            }
            let sealed = ntlm_seal(&mut ch, b"genuine");
            let (st, plain) = ntlm_unprotect(&mut sh, 0, &sealed);
            assert_eq!((st, plain.as_slice()), (SEC_E_OK, &b"genuine"[..]), "a genuine message after forgeries");
        }
    }
    ntlm_delete(&mut c);
    ntlm_delete(&mut s);
    base.assert_unchanged("digest");
}

// ---------------------------------------------------------------------------
// Target: credssp

/// CredSSP credentials over the harness's certificate: a server (with an NTLM identity to
/// accept) and a client with that identity.
fn credssp_credentials() -> (CredHandle, CredHandle) {
    static CREDS: OnceLock<(CredHandle, CredHandle)> = OnceLock::new();
    *CREDS.get_or_init(|| {
        let e = env();
        let id = secur32::packages::Identity {
            user: "fuzz".into(),
            domain: "FUZZ".into(),
            password: zeroize::Zeroizing::new("pw".into()),
            package_list: None,
        };
        let reg = packages::find("CREDSSP").unwrap();
        let cert = secur32::certs::CertContext::new(
            e.server_cert.clone(),
            Some(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(e.server_key.clone()))),
        );
        let spec = SchannelCredSpec { version: SCHANNEL_CRED_VERSION, certs: vec![cert], ..Default::default() };
        let server = reg
            .package
            .acquire_credentials(AcquireRequest {
                principal: None,
                usage: CredentialUse { inbound: true, outbound: false },
                auth: AuthData::CredSsp { schannel: Some(spec), identity: Some(id.clone()) },
            })
            .unwrap();
        let client = reg
            .package
            .acquire_credentials(AcquireRequest {
                principal: None,
                usage: CredentialUse { inbound: false, outbound: true },
                auth: AuthData::CredSsp { schannel: None, identity: Some(id) },
            })
            .unwrap();
        (CREDENTIALS.insert(client).unwrap(), CREDENTIALS.insert(server).unwrap())
    })
}

/// Schannel records of `plain` on an established raw Schannel context.
fn seal_records(ctx: &mut CtxtHandle, plain: &[u8]) -> Vec<u8> {
    let mut sz = SecPkgContext_StreamSizes::default();
    // SAFETY: valid pointers.
    assert_eq!(
        unsafe {
            QueryContextAttributesW(ctx, SECPKG_ATTR_STREAM_SIZES, (&mut sz as *mut SecPkgContext_StreamSizes).cast())
        },
        SEC_E_OK
    );
    let mut out = Vec::new();
    for chunk in plain.chunks(sz.cbMaximumMessage as usize) {
        let (h, t) = (sz.cbHeader as usize, sz.cbTrailer as usize);
        let mut buf = vec![0u8; h + chunk.len() + t];
        buf[h..h + chunk.len()].copy_from_slice(chunk);
        let p = buf.as_mut_ptr();
        // SAFETY: the three spans are inside `buf`.
        let mut bufs = unsafe {
            [
                SecBuffer { cbBuffer: h as u32, BufferType: SECBUFFER_STREAM_HEADER, pvBuffer: p.cast() },
                SecBuffer { cbBuffer: chunk.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: p.add(h).cast() },
                SecBuffer {
                    cbBuffer: t as u32,
                    BufferType: SECBUFFER_STREAM_TRAILER,
                    pvBuffer: p.add(h + chunk.len()).cast(),
                },
                SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
            ]
        };
        let mut d = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
        // SAFETY: valid pointers.
        assert_eq!(unsafe { EncryptMessage(ctx, 0, &mut d, 0) }, SEC_E_OK);
        let n = (bufs[0].cbBuffer + bufs[1].cbBuffer + bufs[2].cbBuffer) as usize;
        out.extend_from_slice(&buf[..n]);
    }
    out
}

/// Whether TLS records `b` hold an application data record.
fn has_app_record(mut b: &[u8]) -> bool {
    while b.len() >= 5 {
        if b[0] == 0x17 {
            return true;
        }
        let n = 5 + usize::from(u16::from_be_bytes([b[3], b[4]]));
        b = b.get(n..).unwrap_or_default();
    }
    false
}

/// CredSSP (MS-CSSP):
/// 0 `TsRequest::decode` and `PasswordCreds::decode_credentials` on the rest: what decodes
///   encodes to itself; `subject_public_key` never panics;
/// 1 our CredSSP server, TLS up with a raw Schannel client, then arbitrary TSRequests
///   (chunks, sent as TLS records) — the acceptor answers documented statuses and never
///   completes without the right binding;
/// 2 our CredSSP client, TLS up with a raw Schannel server, then arbitrary TSRequests — the
///   client never completes (it would send the password) without a server binding;
/// 3 arbitrary bytes as the acceptor's first TLS input.
pub fn credssp(data: &[u8]) {
    use secur32::packages::credssp::tsrequest::{subject_public_key, PasswordCreds, TsRequest};
    let e = env();
    let (cc, sc) = credssp_credentials();
    let base = Counters::now();
    let mut r = Reader::new(data);
    let op = r.u8();
    match op & 3 {
        0 => {
            let rest = r.rest();
            if let Ok(t) = TsRequest::decode(rest) {
                assert_eq!(TsRequest::decode(&t.encode()).unwrap(), t, "encoded, the same request");
                assert_eq!(t.encode(), rest, "DER has one encoding");
            }
            if let Ok(p) = PasswordCreds::decode_credentials(rest) {
                assert_eq!(PasswordCreds::decode_credentials(&p.encode_credentials()).unwrap(), p);
            }
            let _ = subject_public_key(rest);
        }
        1 => {
            let mut raw = Peer::client(e.client, Some("localhost"));
            let mut ours = Peer::server(sc);
            let (_, hello) = raw.call(&mut Vec::new());
            let mut to_ours = hello;
            let mut up = false;
            for _ in 0..6 {
                let (st, back) = ours.call(&mut to_ours.clone());
                if st != SEC_I_CONTINUE_NEEDED {
                    break;
                }
                let (rst, next) = raw.call(&mut back.clone());
                if rst == SEC_E_OK {
                    // A resumed session ends with the client's Finished: ours needs it too.
                    up = next.is_empty() || ours.call(&mut next.clone()).0 == SEC_I_CONTINUE_NEEDED;
                    break;
                }
                to_ours = next;
            }
            assert!(up, "TLS between a raw Schannel client and our CredSSP server comes up");
            {
                let mut raw_ctx = raw.ctx.unwrap();
                while !r.is_empty() {
                    let records = seal_records(&mut raw_ctx, r.chunk());
                    let (st, _) = ours.call(&mut records.clone());
                    assert!(
                        matches!(
                            st,
                            SEC_I_CONTINUE_NEEDED
                                | SEC_E_INVALID_TOKEN
                                | SEC_E_LOGON_DENIED
                                | SEC_E_BAD_BINDINGS
                                | SEC_E_UNSUPPORTED_FUNCTION
                                | SEC_E_MESSAGE_ALTERED
                                | SEC_E_OUT_OF_SEQUENCE
                                | SEC_E_INVALID_HANDLE
                                | SEC_E_NO_CREDENTIALS
                                | SEC_E_INTERNAL_ERROR
                        ),
                        "the acceptor on a forged TSRequest: {st:#x}"
                    );
                    if st < 0 {
                        break;
                    }
                }
            }
            raw.delete();
            ours.delete();
        }
        2 => {
            let mut ours = Peer::client(cc, Some("TERMSRV/localhost"));
            let mut raw = Peer::server(e.server);
            let (_, hello) = ours.call(&mut Vec::new());
            let mut to_raw = hello;
            let mut up = false;
            for _ in 0..6 {
                let (rst, back) = raw.call(&mut to_raw.clone());
                if rst < 0 {
                    break;
                }
                let (st, next) = ours.call(&mut back.clone());
                if st != SEC_I_CONTINUE_NEEDED {
                    break;
                }
                if has_app_record(&next) {
                    // Our TLS is up and the first TSRequest is out (after our Finished when
                    // the session was resumed: the raw server needs that Finished).
                    if !raw.established {
                        raw.call(&mut next.clone());
                    }
                    up = raw.established;
                    break;
                }
                to_raw = next;
            }
            assert!(up, "TLS between our CredSSP client and a raw Schannel server comes up");
            {
                let mut raw_ctx = raw.ctx.unwrap();
                while !r.is_empty() {
                    let records = seal_records(&mut raw_ctx, r.chunk());
                    let (st, _) = ours.call(&mut records.clone());
                    assert_ne!(st, SEC_E_OK, "the client never completes without the server's binding");
                    if st < 0 {
                        break;
                    }
                }
            }
            raw.delete();
            ours.delete();
        }
        _ => {
            let mut ours = Peer::server(sc);
            let (st, _) = ours.call(&mut r.rest().to_vec());
            assert_ne!(st, SEC_E_OK, "arbitrary bytes do not complete a CredSSP exchange");
            ours.delete();
        }
    }
    base.assert_unchanged("credssp");
}
