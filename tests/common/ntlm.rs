//! NTLM helpers for the integration tests, through the exported C ABI:
//! identities, the three-leg loop (caller or allocated buffers, channel
//! bindings, a leg mangled in flight), and the message calls.

#![allow(dead_code)]

use core::ffi::c_void;
use core::ptr::null_mut;

use secur32::abi::*;
use secur32::entry::contexts::{AcceptSecurityContext, DeleteSecurityContext, InitializeSecurityContextW};
use secur32::entry::credentials::{AcquireCredentialsHandleA, AcquireCredentialsHandleW};
use secur32::entry::messages::{DecryptMessage, EncryptMessage, MakeSignature};
use secur32::entry::packages::FreeContextBuffer;

#[allow(unused_imports)]
pub use super::sspi::{free_cred, names, session_key, unseal, verify};
use super::wide;

/// A credential from a `SEC_WINNT_AUTH_IDENTITY_W`.
pub fn cred_w(user: &str, domain: &str, password: &str, usage: ULONG) -> Result<CredHandle, i32> {
    let (mut u, mut d, mut p) = (wide(user), wide(domain), wide(password));
    let mut id = SEC_WINNT_AUTH_IDENTITY_W {
        User: u.as_mut_ptr(),
        UserLength: (u.len() - 1) as u32,
        Domain: d.as_mut_ptr(),
        DomainLength: (d.len() - 1) as u32,
        Password: p.as_mut_ptr(),
        PasswordLength: (p.len() - 1) as u32,
        Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
    };
    acquire_w((&mut id as *mut SEC_WINNT_AUTH_IDENTITY_W).cast(), usage)
}

/// A credential from a `SEC_WINNT_AUTH_IDENTITY_A` through `AcquireCredentialsHandleA`.
pub fn cred_a(user: &str, domain: &str, password: &str, usage: ULONG) -> Result<CredHandle, i32> {
    let (mut u, mut d, mut p) = (user.as_bytes().to_vec(), domain.as_bytes().to_vec(), password.as_bytes().to_vec());
    let mut id = SEC_WINNT_AUTH_IDENTITY_A {
        User: u.as_mut_ptr(),
        UserLength: u.len() as u32,
        Domain: if d.is_empty() { null_mut() } else { d.as_mut_ptr() },
        DomainLength: d.len() as u32,
        Password: p.as_mut_ptr(),
        PasswordLength: p.len() as u32,
        Flags: SEC_WINNT_AUTH_IDENTITY_ANSI,
    };
    let mut h = SecHandle::default();
    let mut pkg = *b"NTLM\0";
    // SAFETY: valid pointers for the call.
    let st = unsafe {
        AcquireCredentialsHandleA(
            null_mut(),
            pkg.as_mut_ptr().cast(),
            usage,
            null_mut(),
            (&mut id as *mut SEC_WINNT_AUTH_IDENTITY_A).cast(),
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

pub fn acquire_w(auth: *mut c_void, usage: ULONG) -> Result<CredHandle, i32> {
    let mut h = SecHandle::default();
    let mut pkg = wide("NTLM");
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

/// A 40-byte SEC_CHANNEL_BINDINGS with application data only.
pub fn bindings(app: &[u8]) -> Vec<u8> {
    let mut cb = vec![0u8; 32];
    cb[24..28].copy_from_slice(&(app.len() as u32).to_le_bytes());
    cb[28..32].copy_from_slice(&32u32.to_le_bytes());
    cb.extend_from_slice(app);
    cb
}

/// Changes a message in flight.
pub type Mangler = fn(&mut Vec<u8>);

#[derive(Default)]
pub struct Opts {
    pub allocate: bool,
    pub client_bindings: Option<Vec<u8>>,
    pub server_bindings: Option<Vec<u8>>,
    /// Mangles the message of leg 1, 2 or 3 before it is delivered.
    pub mangle: Option<(u8, Mangler)>,
}

pub struct Pair {
    pub client: CtxtHandle,
    pub server: CtxtHandle,
    pub client_attrs: ULONG,
    pub server_attrs: ULONG,
}

impl Drop for Pair {
    fn drop(&mut self) {
        // SAFETY: live handles (or already-deleted ones, which answer an error).
        unsafe {
            DeleteSecurityContext(&mut self.client);
            DeleteSecurityContext(&mut self.server);
        }
    }
}

/// One call of the loop: input token (+ bindings), output token.
#[allow(clippy::too_many_arguments)]
pub fn step(
    side_client: bool,
    cred: &mut CredHandle,
    ctx: &mut CtxtHandle,
    first: bool,
    input: Option<&[u8]>,
    cb: Option<&[u8]>,
    allocate: bool,
    attrs: &mut ULONG,
) -> (i32, Vec<u8>) {
    let mut in_tok = input.map(<[u8]>::to_vec).unwrap_or_default();
    let mut cb = cb.map(<[u8]>::to_vec).unwrap_or_default();
    let mut in_bufs = vec![SecBuffer {
        cbBuffer: in_tok.len() as u32,
        BufferType: SECBUFFER_TOKEN,
        pvBuffer: in_tok.as_mut_ptr().cast(),
    }];
    if !cb.is_empty() {
        in_bufs.push(SecBuffer {
            cbBuffer: cb.len() as u32,
            BufferType: SECBUFFER_CHANNEL_BINDINGS,
            pvBuffer: cb.as_mut_ptr().cast(),
        });
    }
    let mut in_desc =
        SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: in_bufs.len() as u32, pBuffers: in_bufs.as_mut_ptr() };
    let mut out_mem = vec![0u8; 4096];
    let mut out_buf = if allocate {
        SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_TOKEN, pvBuffer: null_mut() }
    } else {
        SecBuffer { cbBuffer: out_mem.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: out_mem.as_mut_ptr().cast() }
    };
    let mut out_desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut out_buf };
    let in_ptr: *mut SecBufferDesc = if input.is_some() || !cb.is_empty() { &mut in_desc } else { null_mut() };
    let ctx_ptr: *mut CtxtHandle = if first { null_mut() } else { ctx };
    let mut target = wide("HTTP/server.example.com");
    let flags_c = ISC_REQ_CONFIDENTIALITY
        | ISC_REQ_INTEGRITY
        | ISC_REQ_REPLAY_DETECT
        | ISC_REQ_SEQUENCE_DETECT
        | ISC_REQ_CONNECTION
        | if allocate { ISC_REQ_ALLOCATE_MEMORY } else { 0 };
    let flags_s = ASC_REQ_CONFIDENTIALITY
        | ASC_REQ_INTEGRITY
        | ASC_REQ_REPLAY_DETECT
        | ASC_REQ_SEQUENCE_DETECT
        | ASC_REQ_CONNECTION
        | if allocate { ASC_REQ_ALLOCATE_MEMORY } else { 0 };
    // SAFETY: every pointer is valid for the call.
    let st = unsafe {
        if side_client {
            InitializeSecurityContextW(
                cred,
                ctx_ptr,
                target.as_mut_ptr(),
                flags_c,
                0,
                0,
                in_ptr,
                0,
                ctx,
                &mut out_desc,
                attrs,
                null_mut(),
            )
        } else {
            AcceptSecurityContext(cred, ctx_ptr, in_ptr, flags_s, 0, ctx, &mut out_desc, attrs, null_mut())
        }
    };
    let out = if out_buf.cbBuffer == 0 || out_buf.pvBuffer.is_null() {
        Vec::new()
    } else {
        // SAFETY: the library wrote cbBuffer bytes there.
        let v =
            unsafe { core::slice::from_raw_parts(out_buf.pvBuffer.cast::<u8>(), out_buf.cbBuffer as usize) }.to_vec();
        if allocate {
            // SAFETY: allocated by the library.
            assert_eq!(unsafe { FreeContextBuffer(out_buf.pvBuffer) }, SEC_E_OK);
        }
        v
    };
    (st, out)
}

/// The three legs. Errors name the leg and the status.
pub fn handshake(ccred: &mut CredHandle, scred: &mut CredHandle, o: &Opts) -> Result<Pair, (&'static str, i32)> {
    let mut p = Pair { client: SecHandle::default(), server: SecHandle::default(), client_attrs: 0, server_attrs: 0 };
    let mangle = |leg: u8, m: &mut Vec<u8>| {
        if let Some((l, f)) = o.mangle {
            if l == leg {
                f(m)
            }
        }
    };
    let (st, mut negotiate) = step(true, ccred, &mut p.client, true, None, None, o.allocate, &mut p.client_attrs);
    if st != SEC_I_CONTINUE_NEEDED {
        return Err(("ISC 1", st));
    }
    assert_eq!(negotiate.len(), 40, "the client sends the 40-byte NEGOTIATE");
    mangle(1, &mut negotiate);
    let (st, mut challenge) =
        step(false, scred, &mut p.server, true, Some(&negotiate), None, o.allocate, &mut p.server_attrs);
    if st != SEC_I_CONTINUE_NEEDED {
        return Err(("ASC 1", st));
    }
    mangle(2, &mut challenge);
    let (st, mut auth) = step(
        true,
        ccred,
        &mut p.client,
        false,
        Some(&challenge),
        o.client_bindings.as_deref(),
        o.allocate,
        &mut p.client_attrs,
    );
    if st != SEC_E_OK {
        return Err(("ISC 2", st));
    }
    mangle(3, &mut auth);
    let (st, last) = step(
        false,
        scred,
        &mut p.server,
        false,
        Some(&auth),
        o.server_bindings.as_deref(),
        o.allocate,
        &mut p.server_attrs,
    );
    if st != SEC_E_OK {
        return Err(("ASC 2", st));
    }
    assert!(last.is_empty(), "no fourth leg");
    Ok(p)
}

pub fn creds(user: &str, domain: &str, client_pw: &str, server_pw: &str) -> (CredHandle, CredHandle) {
    (
        cred_w(user, domain, client_pw, SECPKG_CRED_OUTBOUND).unwrap(),
        cred_w(user, domain, server_pw, SECPKG_CRED_INBOUND).unwrap(),
    )
}

pub fn sign(ctx: &mut CtxtHandle, data: &[u8]) -> (i32, Vec<u8>) {
    let mut d = data.to_vec();
    let mut sig = [0u8; 16];
    let mut bufs = [
        SecBuffer { cbBuffer: d.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: d.as_mut_ptr().cast() },
        SecBuffer { cbBuffer: 16, BufferType: SECBUFFER_TOKEN, pvBuffer: sig.as_mut_ptr().cast() },
    ];
    let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
    // SAFETY: valid pointers.
    let st = unsafe { MakeSignature(ctx, 0, &mut desc, 0) };
    (st, sig.to_vec())
}

/// EncryptMessage on [TOKEN, DATA, PADDING]: (status, token, ciphertext).
pub fn seal(ctx: &mut CtxtHandle, qop: ULONG, data: &[u8]) -> (i32, Vec<u8>, Vec<u8>) {
    let mut d = data.to_vec();
    let mut tok = [0u8; 16];
    let mut pad = [0u8; 16];
    let mut bufs = [
        SecBuffer { cbBuffer: 16, BufferType: SECBUFFER_TOKEN, pvBuffer: tok.as_mut_ptr().cast() },
        SecBuffer { cbBuffer: d.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: d.as_mut_ptr().cast() },
        SecBuffer { cbBuffer: 16, BufferType: SECBUFFER_PADDING, pvBuffer: pad.as_mut_ptr().cast() },
    ];
    let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 3, pBuffers: bufs.as_mut_ptr() };
    // SAFETY: valid pointers.
    let st = unsafe { EncryptMessage(ctx, qop, &mut desc, 0) };
    if st == SEC_E_OK {
        assert_eq!(bufs[0].cbBuffer, 16);
        assert_eq!(bufs[2].cbBuffer, 0, "RC4 needs no padding");
    }
    (st, tok.to_vec(), d)
}

/// DecryptMessage on [STREAM, DATA]: DATA must point into the stream.
pub fn unseal_stream(ctx: &mut CtxtHandle, blob: &[u8]) -> (i32, Vec<u8>) {
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
    assert_eq!(bufs[1].pvBuffer as usize, b.as_ptr() as usize + 16, "DATA points into the stream");
    // SAFETY: points into `b`.
    let v = unsafe { core::slice::from_raw_parts(bufs[1].pvBuffer.cast::<u8>(), bufs[1].cbBuffer as usize) }.to_vec();
    (st, v)
}
