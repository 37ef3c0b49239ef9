//! Package-neutral helpers for the GSS-style packages (NTLM, Kerberos,
//! Negotiate) through the exported C ABI: a credential from an identity, one
//! call of the token loop, the loop to its end, and the message calls sized
//! from `SECPKG_ATTR_SIZES`.

#![allow(dead_code)]

use core::ptr::null_mut;

use secur32::abi::*;
use secur32::entry::attributes::QueryContextAttributesW;
use secur32::entry::contexts::{AcceptSecurityContext, DeleteSecurityContext, InitializeSecurityContextW};
use secur32::entry::credentials::{AcquireCredentialsHandleW, FreeCredentialsHandle};
use secur32::entry::messages::{DecryptMessage, EncryptMessage, MakeSignature, VerifySignature};
use secur32::entry::packages::FreeContextBuffer;
use secur32::entry::sasl::{SaslAcceptSecurityContext, SaslInitializeSecurityContextW};

use super::wide;

/// A credential of `package` from a `SEC_WINNT_AUTH_IDENTITY_W` (user, domain,
/// password), or the package's default (NULL `pAuthData`).
pub fn acquire(package: &str, identity: Option<(&str, &str, &str)>, usage: ULONG) -> Result<CredHandle, i32> {
    let (mut u, mut d, mut p) = identity.map_or((vec![0], vec![0], vec![0]), |(u, d, p)| (wide(u), wide(d), wide(p)));
    let mut id = SEC_WINNT_AUTH_IDENTITY_W {
        User: u.as_mut_ptr(),
        UserLength: (u.len() - 1) as u32,
        Domain: d.as_mut_ptr(),
        DomainLength: (d.len() - 1) as u32,
        Password: p.as_mut_ptr(),
        PasswordLength: (p.len() - 1) as u32,
        Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
    };
    let auth = if identity.is_some() { (&mut id as *mut SEC_WINNT_AUTH_IDENTITY_W).cast() } else { null_mut() };
    acquire_raw(package, auth, usage)
}

/// A credential of `package` from a `SEC_WINNT_AUTH_IDENTITY_EXW` with a `PackageList`.
pub fn acquire_ex(
    package: &str,
    (user, domain, password): (&str, &str, &str),
    list: &str,
    usage: ULONG,
) -> Result<CredHandle, i32> {
    let (mut u, mut d, mut p, mut l) = (wide(user), wide(domain), wide(password), wide(list));
    let mut id = SEC_WINNT_AUTH_IDENTITY_EXW {
        Version: SEC_WINNT_AUTH_IDENTITY_VERSION,
        Length: core::mem::size_of::<SEC_WINNT_AUTH_IDENTITY_EXW>() as u32,
        User: u.as_mut_ptr(),
        UserLength: (u.len() - 1) as u32,
        Domain: d.as_mut_ptr(),
        DomainLength: (d.len() - 1) as u32,
        Password: p.as_mut_ptr(),
        PasswordLength: (p.len() - 1) as u32,
        Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
        PackageList: l.as_mut_ptr(),
        PackageListLength: (l.len() - 1) as u32,
    };
    acquire_raw(package, (&mut id as *mut SEC_WINNT_AUTH_IDENTITY_EXW).cast(), usage)
}

/// `SECPKG_ATTR_NEGOTIATION_INFO`: (package name, NegotiationState).
pub fn negotiation_info(ctx: &mut CtxtHandle) -> (String, ULONG) {
    let mut n = SecPkgContext_NegotiationInfoW { PackageInfo: null_mut(), NegotiationState: 0 };
    // SAFETY: valid pointers.
    let st = unsafe {
        QueryContextAttributesW(
            ctx,
            SECPKG_ATTR_NEGOTIATION_INFO,
            (&mut n as *mut SecPkgContext_NegotiationInfoW).cast(),
        )
    };
    assert_eq!(st, SEC_E_OK);
    // SAFETY: a SecPkgInfoW block from the library, freed after the copy.
    unsafe {
        let name = super::from_wide_ptr((*n.PackageInfo).Name);
        FreeContextBuffer(n.PackageInfo.cast());
        (name, n.NegotiationState)
    }
}

/// A credential of `package` with `pAuthData` as given.
pub fn acquire_raw(package: &str, auth: *mut core::ffi::c_void, usage: ULONG) -> Result<CredHandle, i32> {
    let mut h = SecHandle::default();
    let mut pkg = wide(package);
    // SAFETY: valid pointers for the call.
    let st = unsafe {
        AcquireCredentialsHandleW(
            null_mut(),
            pkg.as_mut_ptr(),
            usage,
            null_mut(),
            auth,
            None,
            null_mut(),
            &mut h,
            null_mut(),
        )
    };
    if st == SEC_E_OK {
        Ok(h)
    } else {
        Err(st)
    }
}

pub fn free_cred(mut h: CredHandle) {
    // SAFETY: a live handle.
    assert_eq!(unsafe { FreeCredentialsHandle(&mut h) }, SEC_E_OK);
}

/// The flags a typical caller asks for (mutual auth, confidentiality,
/// integrity, replay and sequence detection).
pub const ISC_FLAGS: ULONG =
    ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT;
pub const ASC_FLAGS: ULONG =
    ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT;

/// One call of the token loop.
pub struct Step<'a> {
    pub client: bool,
    /// The first call: no existing context handle is passed.
    pub first: bool,
    pub input: Option<&'a [u8]>,
    pub bindings: Option<&'a [u8]>,
    pub target: &'a str,
    /// `ISC_REQ_*` / `ASC_REQ_*`; `*_ALLOCATE_MEMORY` is added when `allocate`.
    pub flags: ULONG,
    pub allocate: bool,
    /// Through the SASL wrappers (`SaslInitializeSecurityContextW` / `SaslAcceptSecurityContext`).
    pub sasl: bool,
}

impl<'a> Step<'a> {
    pub fn client(first: bool, input: Option<&'a [u8]>, target: &'a str) -> Self {
        Step { client: true, first, input, bindings: None, target, flags: ISC_FLAGS, allocate: true, sasl: false }
    }
    pub fn server(first: bool, input: Option<&'a [u8]>) -> Self {
        Step { client: false, first, input, bindings: None, target: "", flags: ASC_FLAGS, allocate: true, sasl: false }
    }
    /// Runs the call: (status, output token, returned attributes).
    pub fn run(&self, cred: &mut CredHandle, ctx: &mut CtxtHandle) -> (i32, Vec<u8>, ULONG) {
        let mut in_tok = self.input.map(<[u8]>::to_vec).unwrap_or_default();
        let mut cb = self.bindings.map(<[u8]>::to_vec).unwrap_or_default();
        let mut in_bufs = vec![SecBuffer {
            cbBuffer: in_tok.len() as u32,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: in_tok.as_mut_ptr().cast(),
        }];
        if self.bindings.is_some() {
            in_bufs.push(SecBuffer {
                cbBuffer: cb.len() as u32,
                BufferType: SECBUFFER_CHANNEL_BINDINGS,
                pvBuffer: cb.as_mut_ptr().cast(),
            });
        }
        let mut in_desc = SecBufferDesc {
            ulVersion: SECBUFFER_VERSION,
            cBuffers: in_bufs.len() as u32,
            pBuffers: in_bufs.as_mut_ptr(),
        };
        let mut out_mem = vec![0u8; 65536];
        let mut out_buf = if self.allocate {
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_TOKEN, pvBuffer: null_mut() }
        } else {
            SecBuffer {
                cbBuffer: out_mem.len() as u32,
                BufferType: SECBUFFER_TOKEN,
                pvBuffer: out_mem.as_mut_ptr().cast(),
            }
        };
        let mut out_desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut out_buf };
        let in_ptr: *mut SecBufferDesc =
            if self.input.is_some() || self.bindings.is_some() { &mut in_desc } else { null_mut() };
        let ctx_ptr: *mut CtxtHandle = if self.first { null_mut() } else { ctx };
        let mut target = wide(self.target);
        let mut attrs = 0;
        // SAFETY: every pointer is valid for the call.
        let st = unsafe {
            if self.client {
                let flags = self.flags | if self.allocate { ISC_REQ_ALLOCATE_MEMORY } else { 0 };
                let t = if self.target.is_empty() { null_mut() } else { target.as_mut_ptr() };
                let isc = if self.sasl { SaslInitializeSecurityContextW } else { InitializeSecurityContextW };
                isc(
                    cred,
                    ctx_ptr,
                    t,
                    flags,
                    0,
                    SECURITY_NATIVE_DREP,
                    in_ptr,
                    0,
                    ctx,
                    &mut out_desc,
                    &mut attrs,
                    null_mut(),
                )
            } else {
                let flags = self.flags | if self.allocate { ASC_REQ_ALLOCATE_MEMORY } else { 0 };
                let asc = if self.sasl { SaslAcceptSecurityContext } else { AcceptSecurityContext };
                asc(cred, ctx_ptr, in_ptr, flags, SECURITY_NATIVE_DREP, ctx, &mut out_desc, &mut attrs, null_mut())
            }
        };
        let out = if out_buf.cbBuffer == 0 || out_buf.pvBuffer.is_null() {
            Vec::new()
        } else {
            // SAFETY: the library wrote cbBuffer bytes there.
            let v = unsafe { core::slice::from_raw_parts(out_buf.pvBuffer.cast::<u8>(), out_buf.cbBuffer as usize) }
                .to_vec();
            if self.allocate {
                // SAFETY: allocated by the library.
                assert_eq!(unsafe { FreeContextBuffer(out_buf.pvBuffer) }, SEC_E_OK);
            }
            v
        };
        (st, out, attrs)
    }
}

/// Two contexts of one conversation, deleted when dropped.
pub struct Contexts {
    pub client: CtxtHandle,
    pub server: CtxtHandle,
    pub client_attrs: ULONG,
    pub server_attrs: ULONG,
    /// The tokens sent (empty outputs are not counted), client's first.
    pub legs: Vec<Vec<u8>>,
}

impl Drop for Contexts {
    fn drop(&mut self) {
        // SAFETY: live handles (or already-deleted ones, which answer an error).
        unsafe {
            DeleteSecurityContext(&mut self.client);
            DeleteSecurityContext(&mut self.server);
        }
    }
}

/// Runs the loop between a client and a server credential until both sides
/// say `SEC_E_OK` (at most sixteen legs: CredSSP takes ten). Errors name the leg and the status.
pub fn handshake(
    ccred: &mut CredHandle,
    scred: &mut CredHandle,
    target: &str,
    isc_flags: ULONG,
) -> Result<Contexts, (usize, i32)> {
    let mut p = Contexts {
        client: SecHandle::default(),
        server: SecHandle::default(),
        client_attrs: 0,
        server_attrs: 0,
        legs: vec![],
    };
    let (mut client_done, mut server_done) = (false, false);
    let mut token: Option<Vec<u8>> = None;
    for leg in 0..16 {
        let client_turn = leg % 2 == 0;
        if client_turn && client_done || !client_turn && server_done {
            if token.as_ref().is_some_and(|t| !t.is_empty()) {
                return Err((leg, SEC_E_INVALID_TOKEN));
            }
            break;
        }
        let (st, out, attrs) = if client_turn {
            let mut s = Step::client(leg == 0, token.as_deref(), target);
            s.flags = isc_flags;
            s.run(ccred, &mut p.client)
        } else {
            Step::server(leg == 1, token.as_deref()).run(scred, &mut p.server)
        };
        match st {
            SEC_E_OK | SEC_I_CONTINUE_NEEDED => {}
            e => return Err((leg, e)),
        }
        if client_turn {
            p.client_attrs = attrs;
            client_done = st == SEC_E_OK;
        } else {
            p.server_attrs = attrs;
            server_done = st == SEC_E_OK;
        }
        if !out.is_empty() {
            p.legs.push(out.clone());
        }
        if client_done && server_done {
            return Ok(p);
        }
        token = Some(out);
    }
    if client_done && server_done {
        Ok(p)
    } else {
        Err((p.legs.len(), SEC_E_INTERNAL_ERROR))
    }
}

pub fn names(ctx: &mut CtxtHandle) -> String {
    let mut n = SecPkgContext_NamesW { sUserName: null_mut() };
    // SAFETY: valid pointers.
    assert_eq!(
        unsafe { QueryContextAttributesW(ctx, SECPKG_ATTR_NAMES, (&mut n as *mut SecPkgContext_NamesW).cast()) },
        SEC_E_OK
    );
    // SAFETY: a NUL-terminated string from the library, freed after the copy.
    unsafe {
        let s = super::from_wide_ptr(n.sUserName);
        FreeContextBuffer(n.sUserName.cast());
        s
    }
}

pub fn session_key(ctx: &mut CtxtHandle) -> Vec<u8> {
    let mut k = SecPkgContext_SessionKey { SessionKeyLength: 0, SessionKey: null_mut() };
    // SAFETY: valid pointers.
    let st = unsafe {
        QueryContextAttributesW(ctx, SECPKG_ATTR_SESSION_KEY, (&mut k as *mut SecPkgContext_SessionKey).cast())
    };
    assert_eq!(st, SEC_E_OK);
    // SAFETY: the library wrote SessionKeyLength bytes.
    let v = unsafe { core::slice::from_raw_parts(k.SessionKey, k.SessionKeyLength as usize) }.to_vec();
    // SAFETY: allocated by the library.
    unsafe { FreeContextBuffer(k.SessionKey.cast()) };
    v
}

pub fn sizes(ctx: &mut CtxtHandle) -> SecPkgContext_Sizes {
    // SAFETY: plain integers.
    let mut s: SecPkgContext_Sizes = unsafe { core::mem::zeroed() };
    // SAFETY: valid pointers.
    let st = unsafe { QueryContextAttributesW(ctx, SECPKG_ATTR_SIZES, (&mut s as *mut SecPkgContext_Sizes).cast()) };
    assert_eq!(st, SEC_E_OK);
    s
}

/// MakeSignature on [DATA, TOKEN]: (status, signature).
pub fn sign(ctx: &mut CtxtHandle, data: &[u8]) -> (i32, Vec<u8>) {
    let mut d = data.to_vec();
    let mut sig = vec![0u8; sizes(ctx).cbMaxSignature as usize];
    let mut bufs = [
        SecBuffer { cbBuffer: d.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: d.as_mut_ptr().cast() },
        SecBuffer { cbBuffer: sig.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: sig.as_mut_ptr().cast() },
    ];
    let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
    // SAFETY: valid pointers.
    let st = unsafe { MakeSignature(ctx, 0, &mut desc, 0) };
    sig.truncate(bufs[1].cbBuffer as usize);
    (st, sig)
}

/// VerifySignature on [DATA, TOKEN].
pub fn verify(ctx: &mut CtxtHandle, data: &[u8], sig: &[u8]) -> i32 {
    let mut d = data.to_vec();
    let mut s = sig.to_vec();
    let mut bufs = [
        SecBuffer { cbBuffer: d.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: d.as_mut_ptr().cast() },
        SecBuffer { cbBuffer: s.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: s.as_mut_ptr().cast() },
    ];
    let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
    let mut qop = 0;
    // SAFETY: valid pointers.
    unsafe { VerifySignature(ctx, &mut desc, 0, &mut qop) }
}

/// EncryptMessage on [TOKEN, DATA, PADDING]: (status, token, ciphertext).
pub fn seal(ctx: &mut CtxtHandle, qop: ULONG, data: &[u8]) -> (i32, Vec<u8>, Vec<u8>) {
    let mut d = data.to_vec();
    let mut tok = vec![0u8; sizes(ctx).cbSecurityTrailer as usize];
    let mut pad = [0u8; 16];
    let mut bufs = [
        SecBuffer { cbBuffer: tok.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: tok.as_mut_ptr().cast() },
        SecBuffer { cbBuffer: d.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: d.as_mut_ptr().cast() },
        SecBuffer { cbBuffer: 16, BufferType: SECBUFFER_PADDING, pvBuffer: pad.as_mut_ptr().cast() },
    ];
    let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 3, pBuffers: bufs.as_mut_ptr() };
    // SAFETY: valid pointers.
    let st = unsafe { EncryptMessage(ctx, qop, &mut desc, 0) };
    if st == SEC_E_OK {
        tok.truncate(bufs[0].cbBuffer as usize);
        assert_eq!(bufs[2].cbBuffer, 0, "no padding with these ciphers");
    }
    (st, tok, d)
}

/// DecryptMessage on [TOKEN, DATA]: (status, plaintext, qop).
pub fn unseal(ctx: &mut CtxtHandle, tok: &[u8], data: &[u8]) -> (i32, Vec<u8>, ULONG) {
    let mut d = data.to_vec();
    let mut t = tok.to_vec();
    let mut bufs = [
        SecBuffer { cbBuffer: t.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: t.as_mut_ptr().cast() },
        SecBuffer { cbBuffer: d.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: d.as_mut_ptr().cast() },
    ];
    let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
    let mut qop = 0xdead;
    // SAFETY: valid pointers.
    let st = unsafe { DecryptMessage(ctx, &mut desc, 0, &mut qop) };
    d.truncate(bufs[1].cbBuffer as usize);
    (st, d, qop)
}

/// DecryptMessage on [STREAM, DATA]: (status, plaintext). DATA must point into the stream.
pub fn unseal_stream_any(ctx: &mut CtxtHandle, blob: &[u8]) -> (i32, Vec<u8>) {
    let mut b = blob.to_vec();
    let mut bufs = [
        SecBuffer { cbBuffer: b.len() as u32, BufferType: SECBUFFER_STREAM, pvBuffer: b.as_mut_ptr().cast() },
        SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_DATA, pvBuffer: null_mut() },
    ];
    let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
    let mut qop = 0;
    // SAFETY: valid pointers.
    let st = unsafe { DecryptMessage(ctx, &mut desc, 0, &mut qop) };
    if st != SEC_E_OK {
        return (st, Vec::new());
    }
    let start = bufs[1].pvBuffer as usize;
    assert!(start >= b.as_ptr() as usize && start + bufs[1].cbBuffer as usize <= b.as_ptr() as usize + b.len());
    // SAFETY: points into `b` (checked above).
    let v = unsafe { core::slice::from_raw_parts(bufs[1].pvBuffer.cast::<u8>(), bufs[1].cbBuffer as usize) }.to_vec();
    (st, v)
}
