//! The SSPI side: an SSPI client and an SSPI server talking through the
//! exported C functions (`AcquireCredentialsHandleW`,
//! `InitializeSecurityContextW`, `AcceptSecurityContext`, `EncryptMessage`,
//! `DecryptMessage`, `DeleteSecurityContext`...), as a Windows program calls
//! them: `ISC_REQ_ALLOCATE_MEMORY` tokens freed with `FreeContextBuffer`,
//! `SECBUFFER_EXTRA` honoured, stream sizes from `QueryContextAttributesW`.
//!
//! The server's certificate comes from a PFX through `PFXImportCertStore`
//! and `CertEnumCertificatesInStore`, then `AcquireCredentialsHandleW` with
//! `SCHANNEL_CRED.paCred`: every step is the C ABI.

use secur32::abi::*;
use secur32::entry::attributes::QueryContextAttributesW;
use secur32::entry::contexts::{AcceptSecurityContext, DeleteSecurityContext, InitializeSecurityContextW};
use secur32::entry::credentials::{AcquireCredentialsHandleW, FreeCredentialsHandle};
use secur32::entry::crypt32::{
    CertCloseStore, CertEnumCertificatesInStore, CertFreeCertificateContext, PFXImportCertStore,
};
use secur32::entry::messages::{DecryptMessage, EncryptMessage};
use secur32::entry::packages::FreeContextBuffer;

use crate::pki::{Identity, PFX_PASSWORD};
use crate::{Case, Version};

/// `CALG_AES_128` (wincrypt.h): pins the AES-128-GCM suites.
const CALG_AES_128: ALG_ID = 0x660e;

const ISC_FLAGS: ULONG = ISC_REQ_SEQUENCE_DETECT
    | ISC_REQ_REPLAY_DETECT
    | ISC_REQ_CONFIDENTIALITY
    | ISC_REQ_STREAM
    | ISC_REQ_ALLOCATE_MEMORY;
const ASC_FLAGS: ULONG = ASC_REQ_SEQUENCE_DETECT
    | ASC_REQ_REPLAY_DETECT
    | ASC_REQ_CONFIDENTIALITY
    | ASC_REQ_STREAM
    | ASC_REQ_ALLOCATE_MEMORY;

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

fn empty() -> SecBuffer {
    SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() }
}

/// `AcquireCredentialsHandleW` for Schannel with `cred`.
fn acquire(usage: ULONG, cred: &mut SCHANNEL_CRED) -> CredHandle {
    let mut h = CredHandle::default();
    let mut pkg = wide("Microsoft Unified Security Protocol Provider");
    // SAFETY: every pointer is valid for the call; `cred` and what it points to outlive it.
    let st = unsafe {
        AcquireCredentialsHandleW(
            core::ptr::null_mut(),
            pkg.as_mut_ptr(),
            usage,
            core::ptr::null_mut(),
            (cred as *mut SCHANNEL_CRED).cast(),
            None,
            core::ptr::null_mut(),
            &mut h,
            core::ptr::null_mut(),
        )
    };
    assert_eq!(st, SEC_E_OK, "AcquireCredentialsHandleW");
    h
}

/// The server credential: the certificate and key of `id` (imported from its
/// PFX), one protocol, AES-128 only.
pub fn server_credential(id: &Identity, version: Version) -> CredHandle {
    let blob = CRYPT_DATA_BLOB { cbData: id.pfx.len() as u32, pbData: id.pfx.as_ptr() as *mut u8 };
    let password = wide(PFX_PASSWORD);
    // SAFETY: the blob and the password outlive the call.
    let store = unsafe { PFXImportCertStore(core::ptr::from_ref(&blob).cast_mut(), password.as_ptr(), 0) };
    assert!(!store.is_null(), "PFXImportCertStore");
    // SAFETY: a live store; NULL asks for the first certificate.
    let cert = unsafe { CertEnumCertificatesInStore(store, core::ptr::null()) };
    assert!(!cert.is_null(), "the PFX holds the certificate");
    let mut certs = [cert];
    let mut algs = [CALG_AES_128];
    // SAFETY: SCHANNEL_CRED is plain data; all-zero is its documented initial state.
    let mut cred: SCHANNEL_CRED = unsafe { core::mem::zeroed() };
    cred.dwVersion = SCHANNEL_CRED_VERSION;
    cred.cCreds = 1;
    cred.paCred = certs.as_mut_ptr();
    cred.grbitEnabledProtocols = match version {
        Version::Tls13 => SP_PROT_TLS1_3_SERVER,
        Version::Tls12 => SP_PROT_TLS1_2_SERVER,
    };
    cred.cSupportedAlgs = 1;
    cred.palgSupportedAlgs = algs.as_mut_ptr();
    let h = acquire(SECPKG_CRED_INBOUND, &mut cred);
    // SAFETY: our reference to the certificate and the store, released once;
    // the credential keeps what it needs.
    unsafe {
        CertFreeCertificateContext(cert);
        CertCloseStore(store, 0);
    }
    h
}

/// A client credential through `AcquireCredentialsHandleW`: one protocol,
/// AES-128 only; with `resume` false, `SCH_CRED_DISABLE_RECONNECTS` (no
/// session cache, every handshake is a full one).
pub fn client_credential(version: Version, resume: bool) -> CredHandle {
    let mut algs = [CALG_AES_128];
    // SAFETY: SCHANNEL_CRED is plain data; all-zero is its documented initial state.
    let mut cred: SCHANNEL_CRED = unsafe { core::mem::zeroed() };
    cred.dwVersion = SCHANNEL_CRED_VERSION;
    cred.grbitEnabledProtocols = match version {
        Version::Tls13 => SP_PROT_TLS1_3_CLIENT,
        Version::Tls12 => SP_PROT_TLS1_2_CLIENT,
    };
    cred.cSupportedAlgs = 1;
    cred.palgSupportedAlgs = algs.as_mut_ptr();
    cred.dwFlags = SCH_CRED_NO_DEFAULT_CREDS | if resume { 0 } else { SCH_CRED_DISABLE_RECONNECTS };
    acquire(SECPKG_CRED_OUTBOUND, &mut cred)
}

pub fn free_credential(mut h: CredHandle) {
    // SAFETY: `h` is a live credential handle.
    assert_eq!(unsafe { FreeCredentialsHandle(&mut h) }, SEC_E_OK);
}

/// The credentials of one case.
pub struct Creds {
    pub server: CredHandle,
    pub client_full: CredHandle,
    pub client_resume: CredHandle,
}

impl Creds {
    pub fn new(id: &Identity, case: Case) -> Creds {
        Creds {
            server: server_credential(id, case.version),
            client_full: client_credential(case.version, false),
            client_resume: client_credential(case.version, true),
        }
    }
}

impl Drop for Creds {
    fn drop(&mut self) {
        free_credential(self.server);
        free_credential(self.client_full);
        free_credential(self.client_resume);
    }
}

/// Two established contexts.
pub struct Pair {
    pub client: CtxtHandle,
    pub server: CtxtHandle,
}

impl Pair {
    pub fn delete(mut self) {
        // SAFETY: live context handles, deleted once (self is consumed).
        unsafe {
            assert_eq!(DeleteSecurityContext(&mut self.client), SEC_E_OK);
            assert_eq!(DeleteSecurityContext(&mut self.server), SEC_E_OK);
        }
    }
}

/// Reusable buffers for driving handshakes (the harness allocates nothing per handshake).
pub struct Driver {
    c2s: Vec<u8>,
    s2c: Vec<u8>,
    target: Vec<u16>,
}

impl Default for Driver {
    fn default() -> Self {
        Self { c2s: Vec::with_capacity(1 << 16), s2c: Vec::with_capacity(1 << 16), target: wide("localhost") }
    }
}

/// One ISC (client) or ASC (server) call on the bytes in `input`; the output
/// token is appended to `out`; consumed input is removed.
///
/// # Safety
/// `cred` is a live credential handle and `ctx`, if set, a live context.
unsafe fn step(
    server: bool,
    cred: &mut CredHandle,
    ctx: &mut Option<CtxtHandle>,
    target: &mut [u16],
    input: &mut Vec<u8>,
    out: &mut Vec<u8>,
) -> SECURITY_STATUS {
    let mut inbufs = [
        SecBuffer { cbBuffer: input.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: input.as_mut_ptr().cast() },
        empty(),
    ];
    let mut indesc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 2, pBuffers: inbufs.as_mut_ptr() };
    let mut outbufs = [SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_TOKEN, pvBuffer: core::ptr::null_mut() }];
    let mut outdesc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: outbufs.as_mut_ptr() };
    let mut new_ctx = CtxtHandle::default();
    let mut attrs = 0u32;
    let mut expiry = TimeStamp::default();
    let mut current = *ctx;
    let ctx_ptr = current.as_mut().map_or(core::ptr::null_mut(), |c| c as *mut CtxtHandle);
    // SAFETY: all pointers are valid for the call (the caller vouches for the handles).
    let status = unsafe {
        if server {
            AcceptSecurityContext(
                cred,
                ctx_ptr,
                &mut indesc,
                ASC_FLAGS,
                SECURITY_NATIVE_DREP,
                &mut new_ctx,
                &mut outdesc,
                &mut attrs,
                &mut expiry,
            )
        } else {
            let first = ctx.is_none();
            InitializeSecurityContextW(
                cred,
                ctx_ptr,
                target.as_mut_ptr(),
                ISC_FLAGS,
                0,
                SECURITY_NATIVE_DREP,
                if first { core::ptr::null_mut() } else { &mut indesc },
                0,
                &mut new_ctx,
                &mut outdesc,
                &mut attrs,
                &mut expiry,
            )
        }
    };
    if matches!(status, SEC_E_OK | SEC_I_CONTINUE_NEEDED) {
        *ctx = Some(new_ctx);
        let t = &outbufs[0];
        if t.cbBuffer > 0 && !t.pvBuffer.is_null() {
            // SAFETY: the library wrote a token of cbBuffer bytes at pvBuffer.
            out.extend_from_slice(unsafe { core::slice::from_raw_parts(t.pvBuffer as *const u8, t.cbBuffer as usize) });
            // SAFETY: an ISC_REQ_ALLOCATE_MEMORY token, freed once.
            assert_eq!(unsafe { FreeContextBuffer(t.pvBuffer) }, SEC_E_OK);
        }
        let extra = if inbufs[1].BufferType == SECBUFFER_EXTRA { inbufs[1].cbBuffer as usize } else { 0 };
        let consumed = input.len() - extra;
        input.drain(..consumed);
    }
    status
}

/// `DecryptMessage` of everything in `inbox` (TLS 1.3 tickets after the
/// handshake): returns plaintext bytes seen.
///
/// # Safety
/// `ctx` is a live, established context.
unsafe fn drain_records(ctx: &mut CtxtHandle, inbox: &mut Vec<u8>) -> usize {
    let mut plain = 0;
    while !inbox.is_empty() {
        let mut bufs = [
            SecBuffer { cbBuffer: inbox.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: inbox.as_mut_ptr().cast() },
            empty(),
            empty(),
            empty(),
        ];
        let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
        // SAFETY: the descriptor points at live buffers.
        let st = unsafe { DecryptMessage(ctx, &mut desc, 0, core::ptr::null_mut()) };
        assert_eq!(st, SEC_E_OK, "DecryptMessage after the handshake");
        let mut extra = 0;
        for b in &bufs {
            match b.BufferType {
                SECBUFFER_DATA => plain += b.cbBuffer as usize,
                SECBUFFER_EXTRA => extra = b.cbBuffer as usize,
                _ => {}
            }
        }
        let n = inbox.len() - extra;
        inbox.drain(..n);
    }
    plain
}

impl Driver {
    /// A whole handshake between a new client context on `client` and a new
    /// server context on `server`; afterwards the client has read what the
    /// server sent after its last handshake message (TLS 1.3 tickets).
    pub fn handshake(&mut self, client: &mut CredHandle, server: &mut CredHandle) -> Pair {
        self.c2s.clear();
        self.s2c.clear();
        let (mut c, mut s) = (None, None);
        let (mut c_done, mut s_done) = (false, false);
        for _ in 0..16 {
            if !c_done && (c.is_none() || !self.s2c.is_empty()) {
                // SAFETY: live handles (ours).
                let st = unsafe { step(false, client, &mut c, &mut self.target, &mut self.s2c, &mut self.c2s) };
                match st {
                    SEC_E_OK => c_done = true,
                    SEC_I_CONTINUE_NEEDED | SEC_E_INCOMPLETE_MESSAGE => {}
                    e => panic!("InitializeSecurityContextW: {e:#x}"),
                }
            }
            if !s_done && !self.c2s.is_empty() {
                // SAFETY: live handles (ours).
                let st = unsafe { step(true, server, &mut s, &mut [], &mut self.c2s, &mut self.s2c) };
                match st {
                    SEC_E_OK => s_done = true,
                    SEC_I_CONTINUE_NEEDED | SEC_E_INCOMPLETE_MESSAGE => {}
                    e => panic!("AcceptSecurityContext: {e:#x}"),
                }
            }
            if c_done && s_done {
                let mut pair = Pair { client: c.expect("client context"), server: s.expect("server context") };
                assert!(self.c2s.is_empty(), "client bytes left over after the handshake");
                // SAFETY: the client context is established.
                let plain = unsafe { drain_records(&mut pair.client, &mut self.s2c) };
                assert_eq!(plain, 0);
                return pair;
            }
        }
        panic!("SSPI handshake did not finish");
    }
}

/// `SecPkgContext_StreamSizes` of an established context.
pub fn stream_sizes(ctx: &mut CtxtHandle) -> SecPkgContext_StreamSizes {
    let mut s = SecPkgContext_StreamSizes::default();
    // SAFETY: `s` is the attribute's struct; `ctx` is live.
    let st = unsafe {
        QueryContextAttributesW(ctx, SECPKG_ATTR_STREAM_SIZES, (&mut s as *mut SecPkgContext_StreamSizes).cast())
    };
    assert_eq!(st, SEC_E_OK);
    s
}

/// (wire version, cipher suite id, resumed, key exchange group id) of an
/// established context.
pub fn negotiated(ctx: &mut CtxtHandle) -> (u32, u32, bool, u32) {
    // SAFETY: plain data; zero is a valid initial value.
    let mut ci: SecPkgContext_CipherInfo = unsafe { core::mem::zeroed() };
    // SAFETY: `ci` is the attribute's struct; `ctx` is live.
    let st = unsafe {
        QueryContextAttributesW(ctx, SECPKG_ATTR_CIPHER_INFO, (&mut ci as *mut SecPkgContext_CipherInfo).cast())
    };
    assert_eq!(st, SEC_E_OK);
    let mut si = SecPkgContext_SessionInfo::default();
    // SAFETY: as above.
    let st = unsafe {
        QueryContextAttributesW(ctx, SECPKG_ATTR_SESSION_INFO, (&mut si as *mut SecPkgContext_SessionInfo).cast())
    };
    assert_eq!(st, SEC_E_OK);
    (ci.dwProtocol, ci.dwCipherSuite, si.dwFlags & SSL_SESSION_RECONNECT != 0, ci.dwKeyType)
}

/// `EncryptMessage` on the client, the record over the wire, `DecryptMessage` on the server.
pub struct Bulk {
    pair: Option<Pair>,
    header: usize,
    trailer: usize,
    send: Vec<u8>,
    wire: Vec<u8>,
    recv: Vec<u8>,
}

impl Bulk {
    pub fn new(mut pair: Pair, max: usize) -> Bulk {
        let sz = stream_sizes(&mut pair.client);
        let (header, trailer) = (sz.cbHeader as usize, sz.cbTrailer as usize);
        let cap = header + max + trailer;
        Bulk {
            pair: Some(pair),
            header,
            trailer,
            send: vec![0; cap],
            wire: Vec::with_capacity(cap),
            recv: vec![0; cap],
        }
    }

    /// `EncryptMessage` of the `n` bytes at `buf[header..]`; returns the record length.
    fn encrypt(ctx: &mut CtxtHandle, buf: &mut [u8], h: usize, n: usize, t: usize) -> usize {
        let base = buf[..h + n + t].as_mut_ptr();
        let mut bufs = [
            SecBuffer { cbBuffer: h as u32, BufferType: SECBUFFER_STREAM_HEADER, pvBuffer: base.cast() },
            SecBuffer { cbBuffer: n as u32, BufferType: SECBUFFER_DATA, pvBuffer: base.wrapping_add(h).cast() },
            SecBuffer {
                cbBuffer: t as u32,
                BufferType: SECBUFFER_STREAM_TRAILER,
                pvBuffer: base.wrapping_add(h + n).cast(),
            },
            empty(),
        ];
        let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
        // SAFETY: the three buffers lie inside `buf`, which outlives the call.
        let st = unsafe { EncryptMessage(ctx, 0, &mut desc, 0) };
        assert_eq!(st, SEC_E_OK, "EncryptMessage");
        (bufs[0].cbBuffer + bufs[1].cbBuffer + bufs[2].cbBuffer) as usize
    }

    /// `DecryptMessage` of the record `buf`, which must hold one message of `n` bytes.
    fn decrypt(ctx: &mut CtxtHandle, buf: &mut [u8], n: usize) {
        let mut bufs = [
            SecBuffer { cbBuffer: buf.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: buf.as_mut_ptr().cast() },
            empty(),
            empty(),
            empty(),
        ];
        let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
        // SAFETY: the buffer is `buf`, which outlives the call.
        let st = unsafe { DecryptMessage(ctx, &mut desc, 0, core::ptr::null_mut()) };
        assert_eq!(st, SEC_E_OK, "DecryptMessage");
        assert!(bufs[1].BufferType == SECBUFFER_DATA && bufs[1].cbBuffer as usize == n, "one whole message decrypted");
    }

    /// One message: the application lays `msg` out between header and
    /// trailer room, `EncryptMessage` seals it in place, the record goes
    /// over the wire (copied out, copied in: send() and recv()), and
    /// `DecryptMessage` opens it in place in the receive buffer.
    pub fn message(&mut self, msg: &[u8]) {
        let pair = self.pair.as_mut().expect("pair");
        let (h, t, n) = (self.header, self.trailer, msg.len());
        self.send[h..h + n].copy_from_slice(msg);
        let total = Self::encrypt(&mut pair.client, &mut self.send, h, n, t);
        self.wire.clear();
        self.wire.extend_from_slice(&self.send[..total]);
        self.recv[..total].copy_from_slice(&self.wire);
        Self::decrypt(&mut pair.server, &mut self.recv[..total], n);
    }

    /// One message of `n` bytes with no copy at all: `EncryptMessage` seals
    /// the send buffer in place and `DecryptMessage` opens that same buffer
    /// in place, which leaves the plaintext where the next call wants it.
    /// (Only SSPI's in-place API allows this; it isolates the SSPI layer's
    /// cost from the transport's.)
    pub fn message_in_place(&mut self, n: usize) {
        let pair = self.pair.as_mut().expect("pair");
        let (h, t) = (self.header, self.trailer);
        let total = Self::encrypt(&mut pair.client, &mut self.send, h, n, t);
        Self::decrypt(&mut pair.server, &mut self.send[..total], n);
    }

    /// Puts `msg` where `message_in_place` expects it, and checks a round trip.
    pub fn load_in_place(&mut self, msg: &[u8]) {
        let h = self.header;
        self.send[h..h + msg.len()].copy_from_slice(msg);
        self.message_in_place(msg.len());
        assert_eq!(&self.send[h..h + msg.len()], msg, "SSPI in-place round trip");
    }
}

impl Drop for Bulk {
    fn drop(&mut self) {
        if let Some(p) = self.pair.take() {
            p.delete();
        }
    }
}

/// Checks the plaintext of the last message (outside the timed loop).
pub fn check_roundtrip(bulk: &mut Bulk, msg: &[u8]) {
    bulk.message(msg);
    let h = bulk.header;
    assert_eq!(&bulk.recv[h..h + msg.len()], msg, "SSPI round trip");
}
