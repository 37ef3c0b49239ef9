//! Shared helpers for the Rust integration tests: a test PKI (rcgen), and a
//! driver that runs the SSPI token loop between an SSPI client and an SSPI
//! server through the exported C ABI, over a simulated byte stream.

#![allow(dead_code)]

pub mod krb5;
pub mod ntlm;
pub mod sspi;

use std::collections::VecDeque;
use std::sync::{Arc, OnceLock};

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use secur32::abi::*;
use secur32::certs::CertContext;
use secur32::entry::attributes::QueryContextAttributesW;
use secur32::entry::contexts::{AcceptSecurityContext, DeleteSecurityContext, InitializeSecurityContextW};
use secur32::entry::credentials::{AcquireCredentialsHandleW, FreeCredentialsHandle};
use secur32::entry::messages::{DecryptMessage, EncryptMessage};
use secur32::entry::packages::FreeContextBuffer;
use secur32::entry::{CONTEXTS, CREDENTIALS};
use secur32::packages::{self, AcquireRequest, AuthData, CredentialUse, SchannelCredSpec};

pub struct Identity {
    pub cert_der: Vec<u8>,
    pub key_der: Vec<u8>,
}

pub struct Pki {
    pub ca_der: Vec<u8>,
    pub server: Identity,
    pub server_ecdsa: Identity,
    pub client: Identity,
    pub dir: std::path::PathBuf,
}

fn issue(
    name: &str,
    sans: Vec<String>,
    alg: &'static rcgen::SignatureAlgorithm,
    ca: &(rcgen::Certificate, rcgen::KeyPair),
) -> Identity {
    let key = if alg == &rcgen::PKCS_RSA_SHA256 {
        // ring cannot generate RSA keys: let openssl make one.
        let out = std::process::Command::new("openssl")
            .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
            .output()
            .expect("openssl is needed for the RSA test key");
        assert!(out.status.success());
        use rustls::pki_types::pem::PemObject;
        let der = rustls::pki_types::PrivatePkcs8KeyDer::from_pem_slice(&out.stdout).unwrap();
        rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&der, alg).unwrap()
    } else {
        rcgen::KeyPair::generate_for(alg).unwrap()
    };
    let mut params = rcgen::CertificateParams::new(sans).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    let cert = params.signed_by(&key, &ca.0, &ca.1).unwrap();
    Identity { cert_der: cert.der().to_vec(), key_der: key.serialize_der() }
}

/// A CA, a server certificate for localhost / 127.0.0.1 (RSA and ECDSA) and
/// a client certificate. The CA is installed as the process trust store
/// through SSL_CERT_FILE before anything loads the system roots.
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let ca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "sspi-rustls test CA");
        let ca = (ca_params.self_signed(&ca_key).unwrap(), ca_key);
        let sans = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        let server = issue("localhost", sans.clone(), &rcgen::PKCS_RSA_SHA256, &ca);
        let server_ecdsa = issue("localhost", sans, &rcgen::PKCS_ECDSA_P256_SHA256, &ca);
        let client = issue("sspi client", vec!["client.test".to_string()], &rcgen::PKCS_ECDSA_P256_SHA256, &ca);
        let dir = std::env::temp_dir().join(format!("sspi-rustls-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, ca.0.pem()).unwrap();
        std::env::set_var("SSL_CERT_FILE", &ca_file);
        std::env::remove_var("SSL_CERT_DIR");
        Pki { ca_der: ca.0.der().to_vec(), server, server_ecdsa, client, dir }
    })
}

pub fn context_of(id: &Identity) -> secur32::certs::CertRef {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_der.clone()));
    CertContext::new(id.cert_der.clone(), Some(key))
}

pub fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

/// The NUL-terminated UTF-16 string at `p`.
///
/// # Safety
/// `p` points at a NUL-terminated UTF-16 string.
pub unsafe fn from_wide_ptr(p: *const u16) -> String {
    let mut len = 0;
    // SAFETY: per the contract, every unit up to the NUL is readable.
    while unsafe { *p.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: as above.
    String::from_utf16(unsafe { core::slice::from_raw_parts(p, len) }).unwrap()
}

/// A credential acquired at the Rust level (certificate contexts come from
/// the certificates module), registered in the handle table.
pub fn credential(usage: CredentialUse, spec: SchannelCredSpec) -> Result<CredHandle, i32> {
    let reg = packages::find("Schannel").unwrap();
    let creds = reg
        .package
        .acquire_credentials(AcquireRequest { principal: None, usage, auth: AuthData::Schannel(spec) })
        .map_err(|e| e.status)?;
    CREDENTIALS.insert(creds).map_err(|e| e.status)
}

pub fn server_credential(id: &Identity, protocols: u32, flags: u32) -> CredHandle {
    pki();
    credential(
        CredentialUse { inbound: true, outbound: false },
        SchannelCredSpec {
            version: SCHANNEL_CRED_VERSION,
            certs: vec![context_of(id)],
            enabled_protocols: protocols,
            flags,
            ..Default::default()
        },
    )
    .unwrap()
}

/// A client credential through the exported AcquireCredentialsHandleW.
pub fn client_credential(protocols: u32, flags: u32) -> CredHandle {
    pki();
    let mut cred: SCHANNEL_CRED = unsafe { core::mem::zeroed() };
    cred.dwVersion = SCHANNEL_CRED_VERSION;
    cred.grbitEnabledProtocols = protocols;
    cred.dwFlags = flags;
    let mut h = CredHandle::default();
    let mut pkg = wide("Microsoft Unified Security Protocol Provider");
    let st = unsafe {
        AcquireCredentialsHandleW(
            core::ptr::null_mut(),
            pkg.as_mut_ptr(),
            SECPKG_CRED_OUTBOUND,
            core::ptr::null_mut(),
            (&mut cred as *mut SCHANNEL_CRED).cast(),
            None,
            core::ptr::null_mut(),
            &mut h,
            core::ptr::null_mut(),
        )
    };
    assert_eq!(st, SEC_E_OK, "AcquireCredentialsHandleW");
    h
}

pub fn client_credential_with_cert(id: &Identity) -> CredHandle {
    pki();
    credential(
        CredentialUse { inbound: false, outbound: true },
        SchannelCredSpec { version: SCHANNEL_CRED_VERSION, certs: vec![context_of(id)], ..Default::default() },
    )
    .unwrap()
}

pub fn free_credential(mut h: CredHandle) {
    assert_eq!(unsafe { FreeCredentialsHandle(&mut h) }, SEC_E_OK);
}

/// One side of a simulated connection.
pub struct Peer {
    pub server: bool,
    pub cred: CredHandle,
    pub ctx: Option<CtxtHandle>,
    pub flags: u32,
    pub target: Option<Vec<u16>>,
    pub alpn: Option<Vec<u8>>,
    /// Received and not yet consumed by the last call.
    pub inbox: Vec<u8>,
    /// Read this many bytes at a time from the wire.
    pub chunk: usize,
    /// Use caller buffers of this size instead of ISC_REQ_ALLOCATE_MEMORY.
    pub out_buf: Option<usize>,
    pub done: bool,
    pub last_status: i32,
    pub attrs: u32,
    pub expiry: u64,
    pub calls: usize,
    /// Every status returned, in order.
    pub statuses: Vec<i32>,
    /// curl's output layout: one `SECBUFFER_EMPTY` buffer, NULL, no ALERT buffer.
    pub one_empty_output: bool,
    /// After `SEC_I_INCOMPLETE_CREDENTIALS`, call again with the same input
    /// (curl, Chromium, the SDK's WebClient) instead of what EXTRA left.
    pub same_input_after_incomplete_creds: bool,
    /// Hand the package one TLS record per call, as .NET's SslStream does (it frames the
    /// stream itself).
    pub one_record: bool,
}

impl Peer {
    pub fn client(cred: CredHandle, target: &str) -> Self {
        Self::new(false, cred, Some(wide(target)))
    }
    pub fn server(cred: CredHandle) -> Self {
        Self::new(true, cred, None)
    }
    fn new(server: bool, cred: CredHandle, target: Option<Vec<u16>>) -> Self {
        let flags = if server {
            ASC_REQ_SEQUENCE_DETECT
                | ASC_REQ_REPLAY_DETECT
                | ASC_REQ_CONFIDENTIALITY
                | ASC_REQ_STREAM
                | ASC_REQ_ALLOCATE_MEMORY
        } else {
            ISC_REQ_SEQUENCE_DETECT
                | ISC_REQ_REPLAY_DETECT
                | ISC_REQ_CONFIDENTIALITY
                | ISC_REQ_STREAM
                | ISC_REQ_ALLOCATE_MEMORY
        };
        Self {
            server,
            cred,
            ctx: None,
            flags,
            target,
            alpn: None,
            inbox: Vec::new(),
            chunk: usize::MAX,
            out_buf: None,
            done: false,
            last_status: 0,
            attrs: 0,
            expiry: 0,
            calls: 0,
            statuses: Vec::new(),
            one_empty_output: false,
            same_input_after_incomplete_creds: false,
            one_record: false,
        }
    }

    /// One ISC/ASC call with the inbox. Returns the status and the output token.
    pub fn call(&mut self) -> (i32, Vec<u8>) {
        self.calls += 1;
        let mut token_in = self.inbox.clone();
        let mut alpn = self.alpn.clone().unwrap_or_default();
        let mut inbufs = vec![
            SecBuffer {
                cbBuffer: token_in.len() as u32,
                BufferType: SECBUFFER_TOKEN,
                pvBuffer: token_in.as_mut_ptr().cast(),
            },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
        ];
        if self.alpn.is_some() && self.ctx.is_none() {
            inbufs.push(SecBuffer {
                cbBuffer: alpn.len() as u32,
                BufferType: SECBUFFER_APPLICATION_PROTOCOLS,
                pvBuffer: alpn.as_mut_ptr().cast(),
            });
        }
        let mut indesc = SecBufferDesc { ulVersion: 0, cBuffers: inbufs.len() as u32, pBuffers: inbufs.as_mut_ptr() };
        let mut caller_out = vec![0u8; self.out_buf.unwrap_or(0)];
        let mut alert = vec![0u8; 64];
        let mut outbufs = [
            SecBuffer {
                cbBuffer: caller_out.len() as u32,
                BufferType: SECBUFFER_TOKEN,
                pvBuffer: if self.out_buf.is_some() { caller_out.as_mut_ptr().cast() } else { core::ptr::null_mut() },
            },
            SecBuffer {
                cbBuffer: alert.len() as u32,
                BufferType: SECBUFFER_ALERT,
                pvBuffer: alert.as_mut_ptr().cast(),
            },
        ];
        if self.one_empty_output {
            outbufs[0].BufferType = SECBUFFER_EMPTY;
        }
        let out_count = if self.one_empty_output { 1 } else { 2 };
        let mut outdesc = SecBufferDesc { ulVersion: 0, cBuffers: out_count, pBuffers: outbufs.as_mut_ptr() };
        let flags = if self.out_buf.is_some() { self.flags & !ISC_REQ_ALLOCATE_MEMORY } else { self.flags };
        let mut new_ctx = CtxtHandle::default();
        let mut attrs = 0u32;
        let mut expiry = TimeStamp::default();
        let no_input = !self.server && self.ctx.is_none();
        let input_ptr = if no_input && self.alpn.is_none() { core::ptr::null_mut() } else { &mut indesc as *mut _ };
        if no_input && self.alpn.is_some() {
            // First client call: only the ALPN list.
            inbufs[0].cbBuffer = 0;
            inbufs[0].pvBuffer = core::ptr::null_mut();
            inbufs[0].BufferType = SECBUFFER_EMPTY;
        }
        let mut ctx_copy = self.ctx;
        let ctx_ptr = ctx_copy.as_mut().map_or(core::ptr::null_mut(), |c| c as *mut CtxtHandle);
        let status = unsafe {
            if self.server {
                AcceptSecurityContext(
                    &mut self.cred,
                    ctx_ptr,
                    input_ptr,
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
                    input_ptr,
                    0,
                    &mut new_ctx,
                    &mut outdesc,
                    &mut attrs,
                    &mut expiry,
                )
            }
        };
        self.last_status = status;
        self.statuses.push(status);
        let ok = matches!(status, SEC_E_OK | SEC_I_CONTINUE_NEEDED | SEC_I_INCOMPLETE_CREDENTIALS);
        if ok {
            if let Some(c) = self.ctx {
                assert_eq!(new_ctx, c, "phNewContext equals phContext after the first call");
            }
            self.ctx = Some(new_ctx);
            self.attrs = attrs;
            self.expiry = expiry.as_u64();
        }
        // Output token: valid on success, and on failure with EXTENDED_ERROR.
        let extended = if self.server { ASC_REQ_EXTENDED_ERROR } else { ISC_REQ_EXTENDED_ERROR };
        let readable = ok || self.flags & extended != 0 || self.out_buf.is_none();
        if self.one_empty_output && outbufs[0].cbBuffer > 0 {
            assert_eq!(outbufs[0].BufferType, SECBUFFER_TOKEN, "the EMPTY buffer holding the token is retyped TOKEN");
        }
        let out = if readable && outbufs[0].cbBuffer > 0 && !outbufs[0].pvBuffer.is_null() {
            let v =
                unsafe { core::slice::from_raw_parts(outbufs[0].pvBuffer as *const u8, outbufs[0].cbBuffer as usize) }
                    .to_vec();
            if self.out_buf.is_none() {
                assert_eq!(unsafe { FreeContextBuffer(outbufs[0].pvBuffer) }, SEC_E_OK);
            }
            v
        } else {
            Vec::new()
        };
        if status == SEC_E_INCOMPLETE_MESSAGE {
            assert!(inbufs.iter().any(|b| b.BufferType == SECBUFFER_MISSING), "INCOMPLETE_MESSAGE marks MISSING");
        } else if status == SEC_I_INCOMPLETE_CREDENTIALS && self.same_input_after_incomplete_creds {
            // The caller ignores EXTRA and repeats its input.
        } else if ok {
            let extra = inbufs.iter().find(|b| b.BufferType == SECBUFFER_EXTRA).map_or(0, |b| b.cbBuffer as usize);
            let n = self.inbox.len();
            self.inbox.drain(..n - extra);
        }
        (status, out)
    }

    /// How many bytes of the wire the next read takes: `chunk`, or one whole record.
    fn take(&self, wire_in: &VecDeque<u8>) -> usize {
        if self.one_record && wire_in.len() >= 5 {
            let len = 5 + ((wire_in[3] as usize) << 8 | wire_in[4] as usize);
            return len.min(wire_in.len());
        }
        self.chunk.min(wire_in.len())
    }

    /// Calls until this side must wait for the other. Returns bytes to send.
    pub fn run(&mut self, wire_in: &mut VecDeque<u8>) -> Result<Vec<u8>, i32> {
        let mut sent = Vec::new();
        loop {
            if self.done {
                return Ok(sent);
            }
            let first_client_call = !self.server && self.ctx.is_none();
            if self.inbox.is_empty() && !first_client_call && self.last_status != SEC_I_INCOMPLETE_CREDENTIALS {
                if wire_in.is_empty() {
                    return Ok(sent);
                }
                let n = self.take(wire_in);
                self.inbox.extend(wire_in.drain(..n));
            }
            let (status, out) = self.call();
            sent.extend_from_slice(&out);
            match status {
                SEC_E_OK => self.done = true,
                SEC_I_CONTINUE_NEEDED | SEC_I_INCOMPLETE_CREDENTIALS => {}
                SEC_E_INCOMPLETE_MESSAGE => {
                    if wire_in.is_empty() {
                        return Ok(sent);
                    }
                    let n = self.take(wire_in);
                    self.inbox.extend(wire_in.drain(..n));
                }
                e => return Err(e),
            }
        }
    }

    pub fn delete(&mut self) {
        if let Some(mut c) = self.ctx.take() {
            assert_eq!(unsafe { DeleteSecurityContext(&mut c) }, SEC_E_OK);
        }
    }
}

/// Runs the whole handshake. Errors carry (side, status).
pub fn handshake(client: &mut Peer, server: &mut Peer) -> Result<(), (&'static str, i32)> {
    let mut c2s = VecDeque::new();
    let mut s2c = VecDeque::new();
    let mut last = None;
    loop {
        let out = client.run(&mut s2c).map_err(|e| ("client", e))?;
        c2s.extend(out);
        let out = server.run(&mut c2s).map_err(|e| ("server", e))?;
        s2c.extend(out);
        if client.done && server.done {
            // Anything still on the wire (tickets) is left for DecryptMessage.
            client.inbox.extend(s2c.drain(..));
            server.inbox.extend(c2s.drain(..));
            return Ok(());
        }
        let state = (client.calls, server.calls, c2s.len(), s2c.len(), client.inbox.len(), server.inbox.len());
        if last == Some(state) {
            panic!("handshake deadlock: client {:#x}, server {:#x}", client.last_status, server.last_status);
        }
        last = Some(state);
    }
}

/// `SECPKG_ATTR_STREAM_SIZES` of a context.
pub fn stream_sizes(ctx: &mut CtxtHandle) -> SecPkgContext_StreamSizes {
    let mut s = SecPkgContext_StreamSizes::default();
    let st = unsafe {
        QueryContextAttributesW(ctx, SECPKG_ATTR_STREAM_SIZES, (&mut s as *mut SecPkgContext_StreamSizes).cast())
    };
    assert_eq!(st, SEC_E_OK);
    s
}

/// The library's live objects, read by the tests that check for leaks
/// (process-wide: such tests run one at a time).
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Counters {
    pub contexts: usize,
    pub credentials: usize,
    pub blocks: usize,
    pub certs: (usize, usize),
}

pub fn counters() -> Counters {
    Counters {
        contexts: CONTEXTS.live(),
        credentials: CREDENTIALS.live(),
        blocks: secur32::alloc::live_count(),
        certs: secur32::certs::live_objects(),
    }
}

/// EncryptMessage into one contiguous header|data|trailer block; returns the record.
pub fn encrypt(ctx: &mut CtxtHandle, data: &[u8]) -> Vec<u8> {
    let sz = stream_sizes(ctx);
    try_encrypt(ctx, &sz, data).unwrap_or_else(|st| panic!("EncryptMessage: {st:#x}"))
}

/// EncryptMessage of `data` (at most `cbMaximumMessage`) into one contiguous
/// block sized from `sz`; the record, or the status.
pub fn try_encrypt(ctx: &mut CtxtHandle, sz: &SecPkgContext_StreamSizes, data: &[u8]) -> Result<Vec<u8>, i32> {
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
    match unsafe { EncryptMessage(ctx, 0, &mut desc, 0) } {
        SEC_E_OK => {
            let n = (bufs[0].cbBuffer + bufs[1].cbBuffer + bufs[2].cbBuffer) as usize;
            block.truncate(n);
            Ok(block)
        }
        st => Err(st),
    }
}

/// EncryptMessage into separate header, data and trailer buffers; returns the record.
pub fn encrypt_split(ctx: &mut CtxtHandle, data: &[u8]) -> Vec<u8> {
    let mut sz = SecPkgContext_StreamSizes::default();
    assert_eq!(
        unsafe {
            QueryContextAttributesW(ctx, SECPKG_ATTR_STREAM_SIZES, (&mut sz as *mut SecPkgContext_StreamSizes).cast())
        },
        SEC_E_OK
    );
    let (h, t) = (sz.cbHeader as usize, sz.cbTrailer as usize);
    // Deliberately non-contiguous buffers: header, data and trailer apart.
    let mut hdr = vec![0u8; h];
    let mut body = data.to_vec();
    let mut trl = vec![0u8; t + 7];
    let mut bufs = [
        SecBuffer { cbBuffer: h as u32, BufferType: SECBUFFER_STREAM_HEADER, pvBuffer: hdr.as_mut_ptr().cast() },
        SecBuffer { cbBuffer: body.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: body.as_mut_ptr().cast() },
        SecBuffer {
            cbBuffer: trl.len() as u32,
            BufferType: SECBUFFER_STREAM_TRAILER,
            pvBuffer: trl.as_mut_ptr().cast(),
        },
        SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
    ];
    let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
    assert_eq!(unsafe { EncryptMessage(ctx, 0, &mut desc, 0) }, SEC_E_OK);
    assert_eq!(bufs[2].cbBuffer as usize, t, "trailer size reported");
    let mut rec = hdr[..bufs[0].cbBuffer as usize].to_vec();
    rec.extend_from_slice(&body);
    rec.extend_from_slice(&trl[..t]);
    rec
}

/// DecryptMessage of `inbox`; returns (status, plaintext, extra bytes).
pub fn decrypt(ctx: &mut CtxtHandle, inbox: &mut Vec<u8>) -> (i32, Vec<u8>, usize) {
    let mut data = inbox.clone();
    let mut bufs = [
        SecBuffer { cbBuffer: data.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
        SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
        SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
        SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
    ];
    let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
    let st = unsafe { DecryptMessage(ctx, &mut desc, 0, core::ptr::null_mut()) };
    if st != SEC_E_OK && st != SEC_I_CONTEXT_EXPIRED && st != SEC_I_RENEGOTIATE {
        return (st, Vec::new(), 0);
    }
    let mut plain = Vec::new();
    let mut extra = 0;
    for b in &bufs {
        if b.BufferType == SECBUFFER_DATA && b.cbBuffer > 0 {
            // The plaintext lies inside the caller's own buffer.
            let start = b.pvBuffer as usize - data.as_ptr() as usize;
            assert!(start + b.cbBuffer as usize <= data.len());
            plain.extend_from_slice(&data[start..start + b.cbBuffer as usize]);
        }
        if b.BufferType == SECBUFFER_EXTRA {
            extra = b.cbBuffer as usize;
            assert_eq!(b.pvBuffer as usize, data.as_ptr() as usize + data.len() - extra, "EXTRA points at the tail");
        }
    }
    let n = inbox.len();
    inbox.drain(..n - extra);
    (st, plain, extra)
}

pub type SharedPki = Arc<Pki>;
