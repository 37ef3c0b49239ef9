//! The bad-input matrix, through the exported functions: every export with
//! each of its pointer parameters NULL in turn (the others valid, and the
//! all-valid call shown to succeed, so the NULL is what is answered), and
//! calls in the wrong state. Each answer is an exact, defined code; a failed
//! call writes nothing (every output points at sentinel bytes, checked
//! afterwards) and leaves nothing behind (live handles, `FreeContextBuffer`
//! blocks and certificate objects are counted before and after).
//!
//! What nobody can check (a non-NULL pointer to invalid memory, a length
//! longer than the memory behind it) is the caller's contract, as on
//! Windows; see the README's "Reliability and security" section.

mod common;

use core::ffi::c_void;
use core::ptr::{null, null_mut};
use std::sync::Mutex;

use common::*;
use secur32::abi::*;
use secur32::entry::attributes::*;
use secur32::entry::contexts::*;
use secur32::entry::credentials::*;
use secur32::entry::crypt32::*;
use secur32::entry::messages::*;
use secur32::entry::packages::*;

/// The matrix reads process-wide counters: one test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

const SENTINEL: u8 = 0xA5;
const SLOTS: usize = 6;
const SLOT_BYTES: usize = 512;

/// Output memory filled with sentinel bytes.
struct Outs {
    words: Vec<u64>,
}

impl Outs {
    fn new() -> Self {
        Self { words: vec![u64::from_ne_bytes([SENTINEL; 8]); SLOTS * SLOT_BYTES / 8] }
    }
    /// The `i`th output slot (512 bytes, 8-aligned).
    fn p<T>(&mut self, i: usize) -> *mut T {
        self.words[i * SLOT_BYTES / 8..].as_mut_ptr().cast()
    }
    fn untouched(&self) -> bool {
        self.words.iter().all(|w| w.to_ne_bytes() == [SENTINEL; 8])
    }
}

#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Success, with this status.
    Ok(i32),
    /// This error; nothing written, nothing left behind.
    Err(i32),
}

/// Runs `call` with no NULL (must succeed), then with each parameter of
/// `params` NULL in turn. `call(null, outs)` returns the status; it cleans up
/// what a successful call created.
fn matrix(
    export: &str,
    all_valid: i32,
    params: &[(&str, Expect)],
    mut call: impl FnMut(Option<usize>, &mut Outs) -> i32,
) {
    let mut outs = Outs::new();
    let before = counters();
    assert_eq!(call(None, &mut outs), all_valid, "{export}: the all-valid call");
    assert_eq!(counters(), before, "{export}: the all-valid call left something behind");
    for (i, (name, expect)) in params.iter().enumerate() {
        let mut outs = Outs::new();
        let before = counters();
        let st = call(Some(i), &mut outs);
        match *expect {
            Expect::Ok(want) => assert_eq!(st, want, "{export}({name} = NULL)"),
            Expect::Err(want) => {
                assert_eq!(st, want, "{export}({name} = NULL): {st:#010x}");
                assert!(outs.untouched(), "{export}({name} = NULL) wrote an output on failure");
            }
        }
        assert_eq!(counters(), before, "{export}({name} = NULL) left something behind");
    }
}

/// `p` unless parameter `i` is the one to be NULL.
fn or_null<T>(null_param: Option<usize>, i: usize, p: *mut T) -> *mut T {
    if null_param == Some(i) {
        null_mut()
    } else {
        p
    }
}

use Expect::{Err as E, Ok as O};

// ---------------------------------------------------------------------------
// Packages and FreeContextBuffer

#[test]
fn packages() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for wide in [true, false] {
        let name = if wide { "EnumerateSecurityPackagesW" } else { "EnumerateSecurityPackagesA" };
        let params = [("pcPackages", E(SEC_E_INVALID_PARAMETER)), ("ppPackageInfo", E(SEC_E_INVALID_PARAMETER))];
        matrix(name, SEC_E_OK, &params, |n, o| unsafe {
            let (pc, pp) = (or_null(n, 0, o.p::<ULONG>(0)), or_null(n, 1, o.p::<*mut c_void>(1)));
            let st = if wide {
                EnumerateSecurityPackagesW(pc, pp.cast())
            } else {
                EnumerateSecurityPackagesA(pc, pp.cast())
            };
            if st == SEC_E_OK {
                assert_eq!(*pc, 7, "Schannel's two names, NTLM, Kerberos, Negotiate, WDigest, CREDSSP");
                assert_eq!(FreeContextBuffer(*pp), SEC_E_OK);
            }
            st
        });
        let name = if wide { "QuerySecurityPackageInfoW" } else { "QuerySecurityPackageInfoA" };
        let params = [("pszPackageName", E(SEC_E_SECPKG_NOT_FOUND)), ("ppPackageInfo", E(SEC_E_INVALID_PARAMETER))];
        let mut w = wide_str("Schannel");
        let mut a = *b"Schannel\0";
        matrix(name, SEC_E_OK, &params, |n, o| unsafe {
            let pp = or_null(n, 1, o.p::<*mut c_void>(1));
            let st = if wide {
                QuerySecurityPackageInfoW(or_null(n, 0, w.as_mut_ptr()), pp.cast())
            } else {
                QuerySecurityPackageInfoA(or_null(n, 0, a.as_mut_ptr().cast()), pp.cast())
            };
            if st == SEC_E_OK {
                assert_eq!(FreeContextBuffer(*pp), SEC_E_OK);
            }
            st
        });
    }
    // FreeContextBuffer(NULL) is SEC_E_OK, as on Windows; anything not ours is refused.
    unsafe {
        assert_eq!(FreeContextBuffer(null_mut()), SEC_E_OK);
        let mut local = [0u8; 16];
        assert_eq!(FreeContextBuffer(local.as_mut_ptr().cast()), SEC_E_INVALID_HANDLE);
        let p = secur32::alloc::allocate(8).unwrap();
        assert_eq!(FreeContextBuffer(p.add(4).cast()), SEC_E_INVALID_HANDLE, "interior pointer");
        assert_eq!(FreeContextBuffer(p.cast()), SEC_E_OK);
        assert_eq!(FreeContextBuffer(p.cast()), SEC_E_INVALID_HANDLE, "double free");
    }
    // No parameters: the static tables.
    assert!(!InitSecurityInterfaceW().is_null() && !InitSecurityInterfaceA().is_null());
}

fn wide_str(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

// ---------------------------------------------------------------------------
// Credentials

#[test]
fn credentials() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    pki();
    for wide in [true, false] {
        let name = if wide { "AcquireCredentialsHandleW" } else { "AcquireCredentialsHandleA" };
        // Optional parameters may be NULL; the package name and the handle may not.
        let params = [
            ("pszPrincipal", O(SEC_E_OK)),
            ("pszPackage", E(SEC_E_SECPKG_NOT_FOUND)),
            ("pvLogonId", O(SEC_E_OK)),
            ("pAuthData", O(SEC_E_OK)),
            ("pvGetKeyArgument", O(SEC_E_OK)),
            ("phCredential", E(SEC_E_INVALID_HANDLE)),
            ("ptsExpiry", O(SEC_E_OK)),
        ];
        let (mut wp, mut ap) = (wide_str("Schannel"), *b"Schannel\0");
        let (mut wu, mut au) = (wide_str("user"), *b"user\0");
        matrix(name, SEC_E_OK, &params, |n, o| unsafe {
            let mut cred: SCHANNEL_CRED = core::mem::zeroed();
            cred.dwVersion = SCHANNEL_CRED_VERSION;
            let mut luid = [0u32; 2];
            let mut key_arg = 0u64;
            let auth = or_null(n, 3, (&mut cred as *mut SCHANNEL_CRED).cast::<c_void>());
            let logon = or_null(n, 2, luid.as_mut_ptr().cast::<c_void>());
            let key = or_null(n, 4, (&mut key_arg as *mut u64).cast::<c_void>());
            let (ph, ts) = (or_null(n, 5, o.p::<CredHandle>(0)), or_null(n, 6, o.p::<TimeStamp>(1)));
            let st = if wide {
                AcquireCredentialsHandleW(
                    or_null(n, 0, wu.as_mut_ptr()),
                    or_null(n, 1, wp.as_mut_ptr()),
                    SECPKG_CRED_OUTBOUND,
                    logon,
                    auth,
                    None,
                    key,
                    ph,
                    ts,
                )
            } else {
                AcquireCredentialsHandleA(
                    or_null(n, 0, au.as_mut_ptr().cast()),
                    or_null(n, 1, ap.as_mut_ptr().cast()),
                    SECPKG_CRED_OUTBOUND,
                    logon,
                    auth,
                    None,
                    key,
                    ph,
                    ts,
                )
            };
            if st == SEC_E_OK {
                assert_eq!(FreeCredentialsHandle(ph), SEC_E_OK);
            }
            st
        });
    }
    let mut cred = client_credential(0, 0);
    for (name, ex, wide) in [
        ("QueryCredentialsAttributesW", false, true),
        ("QueryCredentialsAttributesA", false, false),
        ("QueryCredentialsAttributesExW", true, true),
        ("QueryCredentialsAttributesExA", true, false),
    ] {
        let params = [("phCredential", E(SEC_E_INVALID_HANDLE)), ("pBuffer", E(SEC_E_INVALID_PARAMETER))];
        matrix(name, SEC_E_OK, &params, |n, o| unsafe {
            let (ph, buf) = (or_null(n, 0, &mut cred as *mut CredHandle), or_null(n, 1, o.p::<c_void>(0)));
            let attr = SECPKG_ATTR_SUPPORTED_ALGS;
            let st = match (ex, wide) {
                (false, true) => QueryCredentialsAttributesW(ph, attr, buf),
                (false, false) => QueryCredentialsAttributesA(ph, attr, buf),
                (true, true) => QueryCredentialsAttributesExW(ph, attr, buf, 16),
                (true, false) => QueryCredentialsAttributesExA(ph, attr, buf, 16),
            };
            if st == SEC_E_OK {
                let algs = &*buf.cast::<SecPkgCred_SupportedAlgs>();
                assert!(algs.cSupportedAlgs > 0);
                assert_eq!(FreeContextBuffer(algs.palgSupportedAlgs.cast()), SEC_E_OK);
            }
            st
        });
    }
    for (name, wide) in [("SetCredentialsAttributesW", true), ("SetCredentialsAttributesA", false)] {
        // No credential attribute can be set: the valid call is unsupported,
        // and the checks before that still answer first.
        let params = [("phCredential", E(SEC_E_INVALID_HANDLE)), ("pBuffer", E(SEC_E_INVALID_PARAMETER))];
        matrix(name, SEC_E_UNSUPPORTED_FUNCTION, &params, |n, o| unsafe {
            let (ph, buf) = (or_null(n, 0, &mut cred as *mut CredHandle), or_null(n, 1, o.p::<c_void>(0)));
            if wide {
                SetCredentialsAttributesW(ph, SECPKG_ATTR_CLIENT_CERT_POLICY, buf, 16)
            } else {
                SetCredentialsAttributesA(ph, SECPKG_ATTR_CLIENT_CERT_POLICY, buf, 16)
            }
        });
    }
    // AddCredentials: unsupported, whatever the pointers.
    unsafe {
        let mut ts = TimeStamp::default();
        assert_eq!(
            AddCredentialsW(null_mut(), null_mut(), null_mut(), 0, null_mut(), None, null_mut(), &mut ts),
            SEC_E_UNSUPPORTED_FUNCTION
        );
        assert_eq!(
            AddCredentialsA(&mut cred, null_mut(), null_mut(), 0, null_mut(), None, null_mut(), null_mut()),
            SEC_E_UNSUPPORTED_FUNCTION
        );
    }
    // FreeCredentialsHandle: NULL, then stale and double-freed handles.
    unsafe {
        assert_eq!(FreeCredentialsHandle(null_mut()), SEC_E_INVALID_HANDLE);
        assert_eq!(FreeCredentialsHandle(&mut cred), SEC_E_OK);
        assert_eq!(FreeCredentialsHandle(&mut cred), SEC_E_INVALID_HANDLE);
        let mut sizes = [0u8; 64];
        assert_eq!(
            QueryCredentialsAttributesW(&mut cred, SECPKG_ATTR_SUPPORTED_PROTOCOLS, sizes.as_mut_ptr().cast()),
            SEC_E_INVALID_HANDLE
        );
        assert_eq!(sizes, [0; 64]);
    }
}

// ---------------------------------------------------------------------------
// The token loop

/// A ClientHello from a fresh client.
fn client_hello() -> Vec<u8> {
    let mut c = Peer::client(client_credential(0, 0), "localhost");
    let (st, hello) = c.call();
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    c.delete();
    free_credential(c.cred);
    hello
}

#[test]
fn initialize_security_context() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut cred = client_credential(0, 0);
    let (mut wt, mut at) = (wide_str("localhost"), *b"localhost\0");
    for wide in [true, false] {
        let name =
            if wide { "InitializeSecurityContextW (first call)" } else { "InitializeSecurityContextA (first call)" };
        let params = [
            ("phCredential", E(SEC_E_INVALID_HANDLE)),
            ("pszTargetName", O(SEC_I_CONTINUE_NEEDED)),
            ("pInput", O(SEC_I_CONTINUE_NEEDED)),
            ("phNewContext", E(SEC_E_INVALID_HANDLE)),
            // Nowhere to put the ClientHello: nothing is created, call again with a buffer.
            ("pOutput", E(SEC_E_INSUFFICIENT_MEMORY)),
            // A required output (`_Out_`): refused before anything is created.
            ("pfContextAttr", E(SEC_E_INVALID_PARAMETER)),
            ("ptsExpiry", O(SEC_I_CONTINUE_NEEDED)),
        ];
        matrix(name, SEC_I_CONTINUE_NEEDED, &params, |n, o| unsafe {
            let mut empty = [SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: null_mut() }];
            let mut indesc = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: empty.as_mut_ptr() };
            // The output SecBuffer lives in sentinel memory too: nothing may be written to it.
            let out_buf = o.p::<SecBuffer>(2);
            *out_buf = SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_TOKEN, pvBuffer: null_mut() };
            let mut outdesc = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: out_buf };
            let ph = or_null(n, 0, &mut cred as *mut CredHandle);
            let new = or_null(n, 3, o.p::<CtxtHandle>(0));
            let attrs = or_null(n, 5, o.p::<ULONG>(1));
            let ts = or_null(n, 6, o.p::<TimeStamp>(3));
            let input = or_null(n, 2, &mut indesc as *mut SecBufferDesc);
            let output = or_null(n, 4, &mut outdesc as *mut SecBufferDesc);
            let flags = ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM | ISC_REQ_CONFIDENTIALITY;
            let st = if wide {
                InitializeSecurityContextW(
                    ph,
                    null_mut(),
                    or_null(n, 1, wt.as_mut_ptr()),
                    flags,
                    0,
                    0,
                    input,
                    0,
                    new,
                    output,
                    attrs,
                    ts,
                )
            } else {
                InitializeSecurityContextA(
                    ph,
                    null_mut(),
                    or_null(n, 1, at.as_mut_ptr().cast()),
                    flags,
                    0,
                    0,
                    input,
                    0,
                    new,
                    output,
                    attrs,
                    ts,
                )
            };
            if st < 0 {
                // The output SecBuffer is as it was; back to sentinel bytes for the check.
                assert!((*out_buf).pvBuffer.is_null() && (*out_buf).cbBuffer == 0, "output buffer written");
                *out_buf = core::mem::transmute::<[u8; 16], SecBuffer>([SENTINEL; 16]);
            }
            if st == SEC_I_CONTINUE_NEEDED {
                assert!((*out_buf).cbBuffer > 0);
                assert_eq!(FreeContextBuffer((*out_buf).pvBuffer), SEC_E_OK);
                assert_eq!(DeleteSecurityContext(new), SEC_E_OK);
            }
            st
        });
    }
    free_credential(cred);
}

#[test]
fn accept_security_context() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    pki();
    let hello = client_hello();
    let mut cred = server_credential(&pki().server_ecdsa, 0, 0);
    let params = [
        ("phCredential", E(SEC_E_INVALID_HANDLE)),
        // No input yet: nothing to work on, nothing created.
        ("pInput", E(SEC_E_INCOMPLETE_MESSAGE)),
        ("phNewContext", E(SEC_E_INVALID_HANDLE)),
        ("pOutput", E(SEC_E_INSUFFICIENT_MEMORY)),
        // A required output (`_Out_`): refused before anything is created.
        ("pfContextAttr", E(SEC_E_INVALID_PARAMETER)),
        ("ptsExpiry", O(SEC_I_CONTINUE_NEEDED)),
    ];
    matrix("AcceptSecurityContext (first call)", SEC_I_CONTINUE_NEEDED, &params, |n, o| unsafe {
        let mut token = hello.clone();
        let mut inbufs = [
            SecBuffer {
                cbBuffer: token.len() as u32,
                BufferType: SECBUFFER_TOKEN,
                pvBuffer: token.as_mut_ptr().cast(),
            },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: null_mut() },
        ];
        let mut indesc = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: inbufs.as_mut_ptr() };
        let out_buf = o.p::<SecBuffer>(2);
        *out_buf = SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_TOKEN, pvBuffer: null_mut() };
        let mut outdesc = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: out_buf };
        let new = or_null(n, 2, o.p::<CtxtHandle>(0));
        let flags = ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM | ASC_REQ_CONFIDENTIALITY;
        let st = AcceptSecurityContext(
            or_null(n, 0, &mut cred as *mut CredHandle),
            null_mut(),
            or_null(n, 1, &mut indesc as *mut SecBufferDesc),
            flags,
            0,
            new,
            or_null(n, 3, &mut outdesc as *mut SecBufferDesc),
            or_null(n, 4, o.p::<ULONG>(1)),
            or_null(n, 5, o.p::<TimeStamp>(3)),
        );
        if st < 0 {
            assert!((*out_buf).pvBuffer.is_null() && (*out_buf).cbBuffer == 0, "output buffer written");
            *out_buf = core::mem::transmute::<[u8; 16], SecBuffer>([SENTINEL; 16]);
        }
        if st == SEC_I_CONTINUE_NEEDED {
            assert_eq!(FreeContextBuffer((*out_buf).pvBuffer), SEC_E_OK);
            assert_eq!(DeleteSecurityContext(new), SEC_E_OK);
        }
        st
    });
    free_credential(cred);
}

// ---------------------------------------------------------------------------
// Context functions on an established context

struct Pair {
    client: Peer,
    server: Peer,
}

fn pair() -> Pair {
    pki();
    let mut client = Peer::client(client_credential(0, 0), "localhost");
    let mut server = Peer::server(server_credential(&pki().server_ecdsa, 0, 0));
    handshake(&mut client, &mut server).unwrap();
    Pair { client, server }
}

impl Drop for Pair {
    fn drop(&mut self) {
        self.client.delete();
        self.server.delete();
        free_credential(self.client.cred);
        free_credential(self.server.cred);
    }
}

#[test]
fn context_functions() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let p = pair();
    let mut ctx = p.client.ctx.unwrap();
    let base = counters();
    let ctx_p = &mut ctx as *mut CtxtHandle;
    let handle_only = [("phContext", E(SEC_E_INVALID_HANDLE))];

    for (name, ex, wide) in [
        ("QueryContextAttributesW", false, true),
        ("QueryContextAttributesA", false, false),
        ("QueryContextAttributesExW", true, true),
        ("QueryContextAttributesExA", true, false),
    ] {
        let params = [("phContext", E(SEC_E_INVALID_HANDLE)), ("pBuffer", E(SEC_E_INVALID_PARAMETER))];
        matrix(name, SEC_E_OK, &params, |n, o| unsafe {
            let (ph, buf) = (or_null(n, 0, ctx_p), or_null(n, 1, o.p::<c_void>(0)));
            let attr = SECPKG_ATTR_REMOTE_CERT_CONTEXT;
            let st = match (ex, wide) {
                (false, true) => QueryContextAttributesW(ph, attr, buf),
                (false, false) => QueryContextAttributesA(ph, attr, buf),
                (true, true) => QueryContextAttributesExW(ph, attr, buf, 8),
                (true, false) => QueryContextAttributesExA(ph, attr, buf, 8),
            };
            if st == SEC_E_OK {
                assert_eq!(CertFreeCertificateContext(*buf.cast::<PCCERT_CONTEXT>()), 1);
            }
            st
        });
    }
    for (name, wide) in [("SetContextAttributesW", true), ("SetContextAttributesA", false)] {
        let params = [("phContext", E(SEC_E_INVALID_HANDLE)), ("pBuffer", E(SEC_E_INVALID_PARAMETER))];
        matrix(name, SEC_E_OK, &params, |n, o| unsafe {
            let (ph, buf) = (or_null(n, 0, ctx_p), or_null(n, 1, o.p::<u32>(0)));
            if !buf.is_null() {
                *buf = 1;
            }
            let st = if wide {
                SetContextAttributesW(ph, SECPKG_ATTR_EARLY_START, buf.cast(), 4)
            } else {
                SetContextAttributesA(ph, SECPKG_ATTR_EARLY_START, buf.cast(), 4)
            };
            if !buf.is_null() && st != SEC_E_OK {
                *buf = u32::from_ne_bytes([SENTINEL; 4]);
            }
            st
        });
    }

    // EncryptMessage / DecryptMessage: the message descriptor is required.
    let sizes = {
        let mut s = SecPkgContext_StreamSizes::default();
        assert_eq!(
            unsafe {
                QueryContextAttributesW(
                    ctx_p,
                    SECPKG_ATTR_STREAM_SIZES,
                    (&mut s as *mut SecPkgContext_StreamSizes).cast(),
                )
            },
            SEC_E_OK
        );
        s
    };
    let mut sent = Vec::new();
    let params = [("phContext", E(SEC_E_INVALID_HANDLE)), ("pMessage", E(SEC_E_INVALID_TOKEN))];
    matrix("EncryptMessage", SEC_E_OK, &params, |n, _| unsafe {
        let (h, t) = (sizes.cbHeader as usize, sizes.cbTrailer as usize);
        let mut block = vec![0u8; h + 4 + t];
        block[h..h + 4].copy_from_slice(b"data");
        let b = block.as_mut_ptr();
        let mut bufs = [
            SecBuffer { cbBuffer: h as u32, BufferType: SECBUFFER_STREAM_HEADER, pvBuffer: b.cast() },
            SecBuffer { cbBuffer: 4, BufferType: SECBUFFER_DATA, pvBuffer: b.add(h).cast() },
            SecBuffer { cbBuffer: t as u32, BufferType: SECBUFFER_STREAM_TRAILER, pvBuffer: b.add(h + 4).cast() },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: null_mut() },
        ];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
        let st = EncryptMessage(or_null(n, 0, ctx_p), 0, or_null(n, 1, &mut desc as *mut _), 0);
        if st == SEC_E_OK {
            sent.push(block);
        } else {
            assert_eq!(&block[h..h + 4], b"data", "the plaintext is untouched on failure");
        }
        st
    });
    // The server decrypts what was sent (the records are all valid).
    let mut s = p.server.ctx.unwrap();
    let s_p = &mut s as *mut CtxtHandle;
    // A record is used up only by a call that decrypts it.
    let mut unused: Option<Vec<u8>> = None;
    let mut fresh = sent.into_iter();
    let params = [("phContext", E(SEC_E_INVALID_HANDLE)), ("pMessage", E(SEC_E_INVALID_TOKEN)), ("pfQOP", O(SEC_E_OK))];
    assert!(p.server.inbox.is_empty(), "nothing from the client before its data");
    matrix("DecryptMessage", SEC_E_OK, &params, |n, o| unsafe {
        let mut rec = unused.take().or_else(|| fresh.next()).unwrap_or_else(|| seal_one(ctx_p, &sizes));
        let kept = rec.clone();
        let mut bufs = [
            SecBuffer { cbBuffer: rec.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: rec.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: null_mut() },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: null_mut() },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: null_mut() },
        ];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
        let qop = or_null(n, 2, o.p::<ULONG>(0));
        let st = DecryptMessage(or_null(n, 0, s_p), or_null(n, 1, &mut desc as *mut _), 0, qop);
        if st == SEC_E_OK {
            let d = bufs.iter().find(|b| b.BufferType == SECBUFFER_DATA).unwrap();
            assert_eq!(core::slice::from_raw_parts(d.pvBuffer as *const u8, 4), b"data");
            if !qop.is_null() {
                *qop = u32::from_ne_bytes([SENTINEL; 4]);
            }
        } else {
            assert_eq!(rec, kept, "nothing decrypted in place on failure");
            unused = Some(kept);
        }
        st
    });

    // Exports Schannel does not support: the handle is checked first.
    for (name, f) in [
        ("MakeSignature", 0),
        ("VerifySignature", 1),
        ("CompleteAuthToken", 2),
        ("ApplyControlToken (unknown control)", 3),
    ] {
        let params = [
            ("phContext", E(SEC_E_INVALID_HANDLE)),
            ("the descriptor", E(if f == 2 { SEC_E_UNSUPPORTED_FUNCTION } else { SEC_E_INVALID_TOKEN })),
        ];
        let all_valid = SEC_E_UNSUPPORTED_FUNCTION;
        matrix(name, all_valid, &params, |n, o| unsafe {
            let mut token = 0x7777_7777u32.to_ne_bytes();
            let mut bufs =
                [SecBuffer { cbBuffer: 4, BufferType: SECBUFFER_TOKEN, pvBuffer: token.as_mut_ptr().cast() }];
            let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: bufs.as_mut_ptr() };
            let (ph, d) = (or_null(n, 0, ctx_p), or_null(n, 1, &mut desc as *mut _));
            match f {
                0 => MakeSignature(ph, 0, d, 0),
                1 => VerifySignature(ph, d, 0, o.p(0)),
                2 => CompleteAuthToken(ph, d),
                _ => ApplyControlToken(ph, d),
            }
        });
    }
    for (name, f) in [("ImpersonateSecurityContext", 0), ("RevertSecurityContext", 1)] {
        matrix(name, SEC_E_UNSUPPORTED_FUNCTION, &handle_only, |n, _| unsafe {
            if f == 0 {
                ImpersonateSecurityContext(or_null(n, 0, ctx_p))
            } else {
                RevertSecurityContext(or_null(n, 0, ctx_p))
            }
        });
    }
    let params = [("phContext", E(SEC_E_INVALID_HANDLE)), ("Token", E(SEC_E_UNSUPPORTED_FUNCTION))];
    matrix("QuerySecurityContextToken", SEC_E_UNSUPPORTED_FUNCTION, &params, |n, o| unsafe {
        QuerySecurityContextToken(or_null(n, 0, ctx_p), or_null(n, 1, o.p(0)))
    });
    unsafe {
        let mut o = Outs::new();
        assert_eq!(ExportSecurityContext(ctx_p, 0, o.p(0), o.p(1)), SEC_E_UNSUPPORTED_FUNCTION);
        assert_eq!(ExportSecurityContext(null_mut(), 0, null_mut(), null_mut()), SEC_E_UNSUPPORTED_FUNCTION);
        assert_eq!(ImportSecurityContextW(null_mut(), o.p(0), null_mut(), o.p(1)), SEC_E_UNSUPPORTED_FUNCTION);
        assert_eq!(ImportSecurityContextA(null_mut(), null_mut(), null_mut(), null_mut()), SEC_E_UNSUPPORTED_FUNCTION);
        assert!(o.untouched());
        assert_eq!(DeleteSecurityContext(null_mut()), SEC_E_INVALID_HANDLE);
    }
    assert_eq!(counters(), base);
}

/// One record of "data" from the client context.
fn seal_one(ctx: *mut CtxtHandle, sizes: &SecPkgContext_StreamSizes) -> Vec<u8> {
    let (h, t) = (sizes.cbHeader as usize, sizes.cbTrailer as usize);
    let mut block = vec![0u8; h + 4 + t];
    block[h..h + 4].copy_from_slice(b"data");
    let b = block.as_mut_ptr();
    let mut bufs = [
        SecBuffer { cbBuffer: h as u32, BufferType: SECBUFFER_STREAM_HEADER, pvBuffer: b.cast() },
        SecBuffer { cbBuffer: 4, BufferType: SECBUFFER_DATA, pvBuffer: b.wrapping_add(h).cast() },
        SecBuffer { cbBuffer: t as u32, BufferType: SECBUFFER_STREAM_TRAILER, pvBuffer: b.wrapping_add(h + 4).cast() },
        SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: null_mut() },
    ];
    let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
    assert_eq!(unsafe { EncryptMessage(ctx, 0, &mut desc, 0) }, SEC_E_OK);
    block
}

// ---------------------------------------------------------------------------
// Calls in the wrong state

#[test]
fn wrong_state_calls() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    pki();
    let before = counters();
    let mut o = Outs::new();
    // A client that has only sent its ClientHello.
    let mut c = Peer::client(client_credential(0, 0), "localhost");
    assert_eq!(c.call().0, SEC_I_CONTINUE_NEEDED);
    let mut ctx = c.ctx.unwrap();
    unsafe {
        let mut data = *b"0123456789abcdef0123456789abcdef";
        let mut bufs = [
            SecBuffer { cbBuffer: 32, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: null_mut() },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: null_mut() },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: null_mut() },
        ];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
        // DecryptMessage and EncryptMessage before the handshake is complete.
        assert_eq!(DecryptMessage(&mut ctx, &mut desc, 0, null_mut()), SEC_E_INVALID_HANDLE);
        assert_eq!(&data, b"0123456789abcdef0123456789abcdef", "nothing decrypted in place");
        assert_eq!(bufs[1].BufferType, SECBUFFER_EMPTY, "no buffer rewritten");
        let mut hdr = [0u8; 64];
        let mut trl = [0u8; 64];
        let mut ebufs = [
            SecBuffer { cbBuffer: 64, BufferType: SECBUFFER_STREAM_HEADER, pvBuffer: hdr.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 32, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 64, BufferType: SECBUFFER_STREAM_TRAILER, pvBuffer: trl.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: null_mut() },
        ];
        let mut edesc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: ebufs.as_mut_ptr() };
        assert_eq!(EncryptMessage(&mut ctx, 0, &mut edesc, 0), SEC_E_INVALID_HANDLE);
        assert_eq!((hdr, trl), ([0; 64], [0; 64]), "nothing written");
        // Attributes that need the finished handshake.
        assert_eq!(QueryContextAttributesW(&mut ctx, SECPKG_ATTR_STREAM_SIZES, o.p(0)), SEC_E_INVALID_HANDLE);
        assert_eq!(QueryContextAttributesW(&mut ctx, SECPKG_ATTR_CONNECTION_INFO, o.p(0)), SEC_E_INVALID_HANDLE);
        assert_eq!(QueryContextAttributesW(&mut ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, o.p(0)), SEC_E_INVALID_HANDLE);
        assert!(o.untouched());
        // The client handle where a server context is expected, and the other way round.
        let mut scred = server_credential(&pki().server_ecdsa, 0, 0);
        let hello = client_hello();
        let mut s = Peer::server(scred);
        s.inbox = hello;
        assert_eq!(s.call().0, SEC_I_CONTINUE_NEEDED);
        let mut sctx = s.ctx.unwrap();
        let mut o2 = Outs::new();
        let mut outb = [SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_TOKEN, pvBuffer: null_mut() }];
        let mut outd = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: outb.as_mut_ptr() };
        let st = AcceptSecurityContext(
            &mut scred,
            &mut ctx,
            null_mut(),
            ASC_REQ_ALLOCATE_MEMORY,
            0,
            o2.p(0),
            &mut outd,
            o2.p(1),
            o2.p(2),
        );
        assert_eq!(st, SEC_E_INVALID_HANDLE, "ASC on a client context");
        let mut ccred = c.cred;
        let mut target = wide_str("localhost");
        let st = InitializeSecurityContextW(
            &mut ccred,
            &mut sctx,
            target.as_mut_ptr(),
            ISC_REQ_ALLOCATE_MEMORY,
            0,
            0,
            null_mut(),
            0,
            o2.p(0),
            &mut outd,
            o2.p(1),
            o2.p(2),
        );
        assert_eq!(st, SEC_E_INVALID_HANDLE, "ISC on a server context");
        // An outbound credential cannot accept.
        let mut token = [22u8, 3, 3, 0, 1, 0];
        let mut inb = [SecBuffer { cbBuffer: 6, BufferType: SECBUFFER_TOKEN, pvBuffer: token.as_mut_ptr().cast() }];
        let mut ind = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: inb.as_mut_ptr() };
        let st = AcceptSecurityContext(
            &mut ccred,
            null_mut(),
            &mut ind,
            ASC_REQ_ALLOCATE_MEMORY,
            0,
            o2.p(0),
            &mut outd,
            o2.p(1),
            o2.p(2),
        );
        assert_eq!(st, SEC_E_NO_CREDENTIALS, "ASC with an outbound credential");
        assert!(o2.untouched() && outb[0].pvBuffer.is_null());
        s.delete();
        free_credential(scred);

        // InitializeSecurityContext and everything else after DeleteSecurityContext.
        let stale = ctx;
        c.delete();
        let mut stale2 = stale;
        let st = InitializeSecurityContextW(
            &mut ccred,
            &mut stale2,
            target.as_mut_ptr(),
            ISC_REQ_ALLOCATE_MEMORY,
            0,
            0,
            null_mut(),
            0,
            o.p(0),
            &mut outd,
            o.p(1),
            o.p(2),
        );
        assert_eq!(st, SEC_E_INVALID_HANDLE, "ISC after DeleteSecurityContext");
        assert_eq!(DeleteSecurityContext(&mut stale2), SEC_E_INVALID_HANDLE, "double delete");
        assert_eq!(DecryptMessage(&mut stale2, &mut desc, 0, null_mut()), SEC_E_INVALID_HANDLE);
        assert_eq!(ApplyControlToken(&mut stale2, &mut desc), SEC_E_INVALID_HANDLE);
        assert!(o.untouched());
        free_credential(ccred);
    }

    // After shutdown and after the peer's close_notify.
    let mut p = pair();
    unsafe {
        let mut kind = SCHANNEL_SHUTDOWN.to_ne_bytes();
        let mut b = [SecBuffer { cbBuffer: 4, BufferType: SECBUFFER_TOKEN, pvBuffer: kind.as_mut_ptr().cast() }];
        let mut d = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: b.as_mut_ptr() };
        let mut cc = p.client.ctx.unwrap();
        assert_eq!(ApplyControlToken(&mut cc, &mut d), SEC_E_OK);
        p.client.inbox.clear();
        let (st, bye) = p.client.call();
        assert_eq!(st, SEC_E_OK);
        let mut hdr = [0u8; 64];
        let mut body = *b"late";
        let mut trl = [0u8; 64];
        let mut ebufs = [
            SecBuffer { cbBuffer: 64, BufferType: SECBUFFER_STREAM_HEADER, pvBuffer: hdr.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 4, BufferType: SECBUFFER_DATA, pvBuffer: body.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 64, BufferType: SECBUFFER_STREAM_TRAILER, pvBuffer: trl.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: null_mut() },
        ];
        let mut edesc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: ebufs.as_mut_ptr() };
        assert_eq!(EncryptMessage(&mut cc, 0, &mut edesc, 0), SEC_E_CONTEXT_EXPIRED, "after our close_notify");
        assert_eq!((&body, hdr), (b"late", [0; 64]));
        let mut sc = p.server.ctx.unwrap();
        let mut rec = bye;
        let run = |ctx: &mut CtxtHandle, rec: &mut Vec<u8>| {
            let mut bufs = [
                SecBuffer { cbBuffer: rec.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: rec.as_mut_ptr().cast() },
                SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: null_mut() },
                SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: null_mut() },
                SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: null_mut() },
            ];
            let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
            DecryptMessage(ctx, &mut desc, 0, null_mut())
        };
        assert_eq!(run(&mut sc, &mut rec), SEC_I_CONTEXT_EXPIRED, "the peer's close_notify");
        assert_eq!(run(&mut sc, &mut vec![23, 3, 3, 0, 20]), SEC_I_CONTEXT_EXPIRED, "and again after it");
    }
    drop(p);
    assert_eq!(counters(), before, "wrong-state calls left something behind");
}

// ---------------------------------------------------------------------------
// crypt32: BOOL / pointer results, the reason in GetLastError

/// `SEC_E_OK` when the call succeeded, else its last error.
fn crypt(failed: bool) -> i32 {
    if failed {
        GetLastError() as i32
    } else {
        SEC_E_OK
    }
}

#[test]
fn crypt32() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    pki();
    let der = pki().server_ecdsa.cert_der.clone();
    let prov = CERT_STORE_PROV_MEMORY as LPCSTR;
    unsafe {
        SetLastError(0);
        // Store lifecycle with NULLs.
        assert!(CertOpenStore(null(), 0, 0, 0, null()).is_null());
        assert_eq!(GetLastError(), ERROR_FILE_NOT_FOUND, "NULL provider (id 0) is not a memory store");
        assert!(CertDuplicateStore(null_mut()).is_null());
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        assert_eq!(CertCloseStore(null_mut(), 0), 1, "closing NULL is TRUE, as on Windows");
        let store = CertOpenStore(prov, 0, 0, 0, null());
        assert!(!store.is_null());

        let params = [("pbCertEncoded", E(E_INVALIDARG))];
        matrix("CertCreateCertificateContext", SEC_E_OK, &params, |n, _| {
            SetLastError(0);
            let c = CertCreateCertificateContext(
                X509_ASN_ENCODING,
                or_null(n, 0, der.as_ptr() as *mut u8),
                der.len() as u32,
            );
            let st = crypt(c.is_null());
            if !c.is_null() {
                CertFreeCertificateContext(c);
            }
            st
        });
        let params =
            [("hCertStore", E(E_INVALIDARG)), ("pbCertEncoded", E(E_INVALIDARG)), ("ppCertContext", O(SEC_E_OK))];
        matrix("CertAddEncodedCertificateToStore", SEC_E_OK, &params, |n, o| {
            SetLastError(0);
            let fresh = CertOpenStore(prov, 0, 0, 0, null());
            let pp = or_null(n, 2, o.p::<PCCERT_CONTEXT>(0));
            let ok = CertAddEncodedCertificateToStore(
                or_null(n, 0, fresh),
                X509_ASN_ENCODING,
                or_null(n, 1, der.as_ptr() as *mut u8),
                der.len() as u32,
                CERT_STORE_ADD_ALWAYS,
                pp,
            );
            if ok != 0 && !pp.is_null() {
                CertFreeCertificateContext(*pp);
            }
            let st = crypt(ok == 0);
            assert_eq!(CertCloseStore(fresh, CERT_CLOSE_STORE_CHECK_FLAG), 1);
            st
        });
        assert_ne!(
            CertAddEncodedCertificateToStore(
                store,
                X509_ASN_ENCODING,
                der.as_ptr(),
                der.len() as u32,
                CERT_STORE_ADD_ALWAYS,
                null_mut()
            ),
            0
        );
        let c = CertEnumCertificatesInStore(store, null());
        assert!(!c.is_null());
        let params =
            [("hCertStore", E(E_INVALIDARG)), ("pCertContext", E(E_INVALIDARG)), ("ppStoreContext", O(SEC_E_OK))];
        matrix("CertAddCertificateContextToStore", SEC_E_OK, &params, |n, o| {
            SetLastError(0);
            let target = CertOpenStore(prov, 0, 0, 0, null());
            let pp = or_null(n, 2, o.p::<PCCERT_CONTEXT>(0));
            let ok = CertAddCertificateContextToStore(
                or_null(n, 0, target),
                or_null(n, 1, c as *mut CERT_CONTEXT),
                CERT_STORE_ADD_ALWAYS,
                pp,
            );
            if ok != 0 && !pp.is_null() {
                CertFreeCertificateContext(*pp);
            }
            let st = crypt(ok == 0);
            assert_eq!(CertCloseStore(target, CERT_CLOSE_STORE_CHECK_FLAG), 1);
            st
        });
        assert!(CertEnumCertificatesInStore(null_mut(), null()).is_null());
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        let mut subject = wide_str("localhost");
        let params = [("hCertStore", E(E_INVALIDARG)), ("pvFindPara", E(E_INVALIDARG))];
        matrix("CertFindCertificateInStore", SEC_E_OK, &params, |n, _| {
            SetLastError(0);
            let f = CertFindCertificateInStore(
                or_null(n, 0, store),
                X509_ASN_ENCODING,
                0,
                CERT_FIND_SUBJECT_STR_W,
                or_null(n, 1, subject.as_mut_ptr()).cast(),
                null(),
            );
            let st = crypt(f.is_null());
            if !f.is_null() {
                CertFreeCertificateContext(f);
            }
            st
        });
        let params = [("pCertContext", E(E_INVALIDARG)), ("pvData", O(SEC_E_OK)), ("pcbData", E(E_INVALIDARG))];
        matrix("CertGetCertificateContextProperty", SEC_E_OK, &params, |n, o| {
            SetLastError(0);
            let cb = or_null(n, 2, o.p::<DWORD>(1));
            if !cb.is_null() {
                *cb = 64;
            }
            let ok = CertGetCertificateContextProperty(
                or_null(n, 0, c as *mut CERT_CONTEXT),
                CERT_SHA1_HASH_PROP_ID,
                or_null(n, 1, o.p(0)),
                cb,
            );
            let st = crypt(ok == 0);
            if st != SEC_E_OK && !cb.is_null() {
                assert_eq!(*cb, 64, "pcbData untouched on failure");
                *cb = u32::from_ne_bytes([SENTINEL; 4]);
            }
            st
        });
        // Name strings: a NULL context still gives a terminated empty string.
        let mut name = [0xFFFFu16; 8];
        assert_eq!(CertGetNameStringW(null(), CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, null_mut(), name.as_mut_ptr(), 8), 1);
        assert_eq!(name[0], 0);
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        assert!(CertGetNameStringW(c, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, null_mut(), null_mut(), 0) > 1, "size query");
        assert_eq!(CertNameToStrW(X509_ASN_ENCODING, null_mut(), CERT_SIMPLE_NAME_STR, name.as_mut_ptr(), 8), 1);
        assert_eq!(CertVerifyTimeValidity(null_mut(), null_mut()), 1);
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        assert!(CertDuplicateCertificateContext(null()).is_null());
        assert_eq!(CertFreeCertificateContext(null()), 1);
        CertFreeCertificateContext(c);
        assert_eq!(CertFreeCertificateContext(c), 1, "a double free is ignored");
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        // PFX and PEM imports with NULL blobs.
        assert!(PFXImportCertStore(core::ptr::null_mut(), null(), 0).is_null());
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        assert_eq!(PFXIsPFXBlob(core::ptr::null_mut()), 0);
        assert_eq!(PFXVerifyPassword(core::ptr::null_mut(), null(), 0), 0);
        let lying = CRYPT_DATA_BLOB { cbData: 100, pbData: null_mut() };
        assert!(
            PFXImportCertStore(core::ptr::from_ref(&lying).cast_mut(), null(), 0).is_null(),
            "a length without data"
        );
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        assert!(SspiRustlsPemImportCertStore(null(), null(), null(), 0).is_null());
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        assert_eq!(CertCloseStore(store, 0), 1);
        assert_eq!(CertCloseStore(store, 0), 0, "closed twice");
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
    }
}

// ---------------------------------------------------------------------------
// NTLM contexts: the same matrix on the message and attribute calls of an
// established NTLM pair, lying descriptors, and calls in the wrong state.

fn ntlm_pair() -> (CredHandle, CredHandle, common::ntlm::Pair) {
    let (mut cc, mut sc) = common::ntlm::creds("alice", "EXAMPLE", "s3cret", "s3cret");
    let p = common::ntlm::handshake(&mut cc, &mut sc, &common::ntlm::Opts::default()).unwrap();
    (cc, sc, p)
}

#[test]
fn ntlm_context_functions() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let base = counters();
    let (cc, sc, mut p) = ntlm_pair();
    gss_context_functions("NTLM", &mut p.client, &mut p.server, Some(16));
    drop(p);
    common::sspi::free_cred(cc);
    common::sspi::free_cred(sc);
    assert_eq!(counters(), base);
}

/// The matrix on the message and attribute calls of an established pair of a
/// GSS-style package (NTLM, Kerberos, Negotiate, WDigest in SASL mode): `client` and
/// `server` are live contexts of one conversation; `key_len` their session key's length
/// (None: the package has no SESSION_KEY, and SIZES is queried instead).
fn gss_context_functions(pkg: &str, client: &mut CtxtHandle, server: &mut CtxtHandle, key_len: Option<u32>) {
    use common::sspi::{seal, sign, sizes, unseal, verify};
    let sz = sizes(client);
    let (sig_n, tok_n) = (sz.cbMaxSignature as usize, sz.cbSecurityTrailer as usize);
    let c_p = client as *mut CtxtHandle;
    let s_p = server as *mut CtxtHandle;

    for (name, ex, wide) in [
        ("QueryContextAttributesW", false, true),
        ("QueryContextAttributesA", false, false),
        ("QueryContextAttributesExW", true, true),
        ("QueryContextAttributesExA", true, false),
    ] {
        let params = [("phContext", E(SEC_E_INVALID_HANDLE)), ("pBuffer", E(SEC_E_INVALID_PARAMETER))];
        matrix(name, SEC_E_OK, &params, |n, o| unsafe {
            let (ph, buf) = (or_null(n, 0, c_p), or_null(n, 1, o.p::<c_void>(0)));
            let attr = if key_len.is_some() { SECPKG_ATTR_SESSION_KEY } else { SECPKG_ATTR_SIZES };
            let st = match (ex, wide) {
                (false, true) => QueryContextAttributesW(ph, attr, buf),
                (false, false) => QueryContextAttributesA(ph, attr, buf),
                (true, true) => QueryContextAttributesExW(ph, attr, buf, 16),
                (true, false) => QueryContextAttributesExA(ph, attr, buf, 16),
            };
            if st == SEC_E_OK {
                if let Some(key_len) = key_len {
                    let k = &mut *buf.cast::<SecPkgContext_SessionKey>();
                    assert_eq!(k.SessionKeyLength, key_len);
                    assert_eq!(FreeContextBuffer(k.SessionKey.cast()), SEC_E_OK);
                } else {
                    let s = &*buf.cast::<SecPkgContext_Sizes>();
                    assert_eq!((s.cbMaxSignature, s.cbSecurityTrailer), (sig_n as u32, tok_n as u32));
                }
                core::ptr::write_bytes(buf.cast::<u8>(), SENTINEL, 16);
            }
            st
        });
    }

    // MakeSignature / EncryptMessage: the descriptor is required; a failure signs nothing
    // (the next genuine message is still in sequence, checked below).
    let params = [("phContext", E(SEC_E_INVALID_HANDLE)), ("pMessage", E(SEC_E_INVALID_TOKEN))];
    let mut signed = Vec::new();
    matrix(&format!("MakeSignature ({pkg})"), SEC_E_OK, &params, |n, _| unsafe {
        let mut data = *b"signed data";
        let mut sig = vec![0u8; sig_n];
        let mut bufs = [
            SecBuffer { cbBuffer: 11, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: sig_n as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: sig.as_mut_ptr().cast() },
        ];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
        let st = MakeSignature(or_null(n, 0, c_p), 0, or_null(n, 1, &mut desc as *mut _), 0);
        if st == SEC_E_OK {
            sig.truncate(bufs[1].cbBuffer as usize);
            signed.push(sig);
        } else {
            assert!(sig.iter().all(|&b| b == 0), "no signature written on failure");
        }
        st
    });
    // VerifySignature: pfQOP is optional; a failed call consumes nothing.
    let mut pending = signed.into_iter();
    let mut unused: Option<Vec<u8>> = None;
    let params = [("phContext", E(SEC_E_INVALID_HANDLE)), ("pMessage", E(SEC_E_INVALID_TOKEN)), ("pfQOP", O(SEC_E_OK))];
    matrix(&format!("VerifySignature ({pkg})"), SEC_E_OK, &params, |n, o| unsafe {
        let mut sig = unused.take().or_else(|| pending.next()).unwrap_or_else(|| {
            let (st, s) = sign(&mut *c_p, b"signed data");
            assert_eq!(st, SEC_E_OK);
            s
        });
        let mut data = *b"signed data";
        let mut bufs = [
            SecBuffer { cbBuffer: 11, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: sig.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: sig.as_mut_ptr().cast() },
        ];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
        let qop = or_null(n, 2, o.p::<ULONG>(0));
        let st = VerifySignature(or_null(n, 0, s_p), or_null(n, 1, &mut desc as *mut _), 0, qop);
        if st == SEC_E_OK {
            if !qop.is_null() {
                *qop = u32::from_ne_bytes([SENTINEL; 4]);
            }
        } else {
            unused = Some(sig);
        }
        st
    });
    assert!(unused.is_none() && pending.next().is_none(), "every signature was verified once, in order");

    let params = [("phContext", E(SEC_E_INVALID_HANDLE)), ("pMessage", E(SEC_E_INVALID_TOKEN))];
    let mut sealed = Vec::new();
    matrix(&format!("EncryptMessage ({pkg})"), SEC_E_OK, &params, |n, _| unsafe {
        let mut data = *b"sealed data";
        let mut tok = vec![0u8; tok_n];
        let mut bufs = [
            SecBuffer { cbBuffer: tok_n as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: tok.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 11, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
        ];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
        let st = EncryptMessage(or_null(n, 0, s_p), 0, or_null(n, 1, &mut desc as *mut _), 0);
        if st == SEC_E_OK {
            tok.truncate(bufs[0].cbBuffer as usize);
            sealed.push((tok, data));
        } else {
            assert!(tok.iter().all(|&b| b == 0), "no token written on failure");
            assert_eq!(&data, b"sealed data", "nothing sealed on failure");
        }
        st
    });
    let mut pending = sealed.into_iter();
    let mut unused: Option<(Vec<u8>, [u8; 11])> = None;
    let params = [("phContext", E(SEC_E_INVALID_HANDLE)), ("pMessage", E(SEC_E_INVALID_TOKEN)), ("pfQOP", O(SEC_E_OK))];
    matrix(&format!("DecryptMessage ({pkg})"), SEC_E_OK, &params, |n, o| unsafe {
        let (mut tok, mut data) = unused.take().or_else(|| pending.next()).unwrap_or_else(|| {
            let (st, t, d) = seal(&mut *s_p, 0, b"sealed data");
            assert_eq!(st, SEC_E_OK);
            (t, d.try_into().unwrap())
        });
        let kept = (tok.clone(), data);
        let mut bufs = [
            SecBuffer { cbBuffer: tok.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: tok.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 11, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
        ];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
        let qop = or_null(n, 2, o.p::<ULONG>(0));
        let st = DecryptMessage(or_null(n, 0, c_p), or_null(n, 1, &mut desc as *mut _), 0, qop);
        if st == SEC_E_OK {
            assert_eq!(&data, b"sealed data");
            if !qop.is_null() {
                *qop = u32::from_ne_bytes([SENTINEL; 4]);
            }
        } else {
            assert_eq!((tok, data), kept, "the ciphertext is restored on failure");
            unused = Some(kept);
        }
        st
    });
    assert!(unused.is_none() && pending.next().is_none());

    // Lying and malformed descriptors: a defined code, nothing consumed, the context goes on.
    unsafe {
        let mut data = *b"payload";
        let mut sig = vec![0u8; tok_n.max(sig_n)];
        let mut bufs = [
            SecBuffer { cbBuffer: 7, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: sig.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: sig.as_mut_ptr().cast() },
        ];
        for (count, version, why) in
            [(0u32, 0u32, "no buffers"), (1_000_000, 0, "a count beyond any descriptor"), (2, 7, "a wrong ulVersion")]
        {
            let mut desc = SecBufferDesc { ulVersion: version, cBuffers: count, pBuffers: bufs.as_mut_ptr() };
            assert_eq!(MakeSignature(c_p, 0, &mut desc, 0), SEC_E_INVALID_TOKEN, "{why}");
            assert_eq!(EncryptMessage(c_p, 0, &mut desc, 0), SEC_E_INVALID_TOKEN, "{why}");
            let mut qop = 0;
            assert_eq!(VerifySignature(s_p, &mut desc, 0, &mut qop), SEC_E_INVALID_TOKEN, "{why}");
            assert_eq!(DecryptMessage(s_p, &mut desc, 0, &mut qop), SEC_E_INVALID_TOKEN, "{why}");
        }
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: null_mut() };
        assert_eq!(MakeSignature(c_p, 0, &mut desc, 0), SEC_E_INVALID_TOKEN, "a NULL buffer array");
    }
    // A TOKEN shorter than a signature, a NULL TOKEN with a length, no TOKEN at all: refused,
    // and no sequence number used up (a genuine round trip follows each).
    for case in 0..4 {
        unsafe {
            let mut data = *b"payload";
            let mut sig = vec![0u8; sig_n];
            let short = sig_n as u32 - 1;
            let token = match case {
                0 | 1 => SecBuffer { cbBuffer: short, BufferType: SECBUFFER_TOKEN, pvBuffer: sig.as_mut_ptr().cast() },
                2 => SecBuffer { cbBuffer: sig_n as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: null_mut() },
                _ => {
                    SecBuffer { cbBuffer: sig_n as u32, BufferType: SECBUFFER_EMPTY, pvBuffer: sig.as_mut_ptr().cast() }
                }
            };
            let mut bufs =
                [SecBuffer { cbBuffer: 7, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() }, token];
            let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
            let st = if case == 1 {
                let mut qop = 0;
                VerifySignature(s_p, &mut desc, 0, &mut qop)
            } else {
                MakeSignature(c_p, 0, &mut desc, 0)
            };
            let allowed: &[i32] =
                if case == 0 { &[SEC_E_BUFFER_TOO_SMALL, SEC_E_INVALID_TOKEN] } else { &[SEC_E_INVALID_TOKEN] };
            assert!(allowed.contains(&st), "case {case}: {st:#x}");
            assert_eq!(data, *b"payload");
        }
        let (st, sig) = sign(unsafe { &mut *c_p }, b"in step");
        assert_eq!(st, SEC_E_OK);
        assert_eq!(verify(unsafe { &mut *s_p }, b"in step", &sig), SEC_E_OK, "case {case} used up a sequence number");
    }
    // After all of that, a genuine message each way is still in sequence.
    let (st, sig) = sign(unsafe { &mut *c_p }, b"still in step");
    assert_eq!(st, SEC_E_OK);
    assert_eq!(verify(unsafe { &mut *s_p }, b"still in step", &sig), SEC_E_OK);
    let (st, tok, ct) = seal(unsafe { &mut *c_p }, 0, b"both ways");
    assert_eq!(st, SEC_E_OK);
    let (st, pt, _) = unseal(unsafe { &mut *s_p }, &tok, &ct);
    assert_eq!((st, pt.as_slice()), (SEC_E_OK, &b"both ways"[..]));

    // Exports the package does not support on a context: defined codes, the handle checked first.
    unsafe {
        let mut token = [0u8; 4];
        let mut bufs = [SecBuffer { cbBuffer: 4, BufferType: SECBUFFER_TOKEN, pvBuffer: token.as_mut_ptr().cast() }];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: bufs.as_mut_ptr() };
        assert_eq!(ApplyControlToken(c_p, &mut desc), SEC_E_UNSUPPORTED_FUNCTION);
        assert_eq!(ApplyControlToken(null_mut(), &mut desc), SEC_E_INVALID_HANDLE);
        assert_eq!(CompleteAuthToken(c_p, &mut desc), SEC_E_UNSUPPORTED_FUNCTION);
        assert_eq!(ImpersonateSecurityContext(s_p), SEC_E_UNSUPPORTED_FUNCTION);
        let mut o = Outs::new();
        assert_eq!(QuerySecurityContextToken(s_p, o.p(0)), SEC_E_UNSUPPORTED_FUNCTION);
        assert_eq!(QueryContextAttributesW(c_p, SECPKG_ATTR_STREAM_SIZES, o.p(0)), SEC_E_UNSUPPORTED_FUNCTION);
        assert!(o.untouched());
    }
}

#[test]
fn ntlm_wrong_state_calls() {
    use common::ntlm::{creds, free_cred, step};
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let base = counters();
    let (mut cc, mut sc) = creds("alice", "EXAMPLE", "s3cret", "s3cret");
    let mut c = SecHandle::default();
    let mut s = SecHandle::default();
    let (mut ca, mut sa) = (0, 0);
    let (st, negotiate) = step(true, &mut cc, &mut c, true, None, None, true, &mut ca);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    unsafe {
        // Messages on a context that has only sent its NEGOTIATE: no keys yet.
        let mut data = *b"early";
        let mut sig = [0u8; 16];
        let mut bufs = [
            SecBuffer { cbBuffer: 5, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 16, BufferType: SECBUFFER_TOKEN, pvBuffer: sig.as_mut_ptr().cast() },
        ];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
        let st = MakeSignature(&mut c, 0, &mut desc, 0);
        assert!(st == SEC_E_INVALID_HANDLE || st == SEC_E_OUT_OF_SEQUENCE, "{st:#x}");
        let st = EncryptMessage(&mut c, 0, &mut desc, 0);
        assert!(st == SEC_E_INVALID_HANDLE || st == SEC_E_OUT_OF_SEQUENCE, "{st:#x}");
        assert_eq!((data, sig), (*b"early", [0; 16]), "nothing written");
        let mut o = Outs::new();
        let st = QueryContextAttributesW(&mut c, SECPKG_ATTR_SESSION_KEY, o.p(0));
        assert!(st < 0, "no session key before the AUTHENTICATE: {st:#x}");
        assert!(o.untouched());
    }
    // A NEGOTIATE where the client expects a CHALLENGE, and the NEGOTIATE again to the server's
    // second leg: refused, and neither context is wedged for the genuine message.
    let (st, _) = step(true, &mut cc, &mut c, false, Some(&negotiate), None, true, &mut ca);
    assert_eq!(st, SEC_E_INVALID_TOKEN);
    let (st, challenge) = step(false, &mut sc, &mut s, true, Some(&negotiate), None, true, &mut sa);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    let (st, _) = step(false, &mut sc, &mut s, false, Some(&negotiate), None, true, &mut sa);
    assert_eq!(st, SEC_E_INVALID_TOKEN);
    let (st, auth) = step(true, &mut cc, &mut c, false, Some(&challenge), None, true, &mut ca);
    assert_eq!(st, SEC_E_OK);
    let (st, _) = step(false, &mut sc, &mut s, false, Some(&auth), None, true, &mut sa);
    assert_eq!(st, SEC_E_OK);
    // The server's context where the client's is expected: ISC on an acceptor context.
    let (st, _) = step(true, &mut cc, &mut s, false, Some(&challenge), None, true, &mut ca);
    assert!(st == SEC_E_INVALID_HANDLE || st == SEC_E_OUT_OF_SEQUENCE, "{st:#x}");
    // A Schannel credential with an NTLM context, and an NTLM credential with an unknown context.
    let (st, _) = step(false, &mut sc, &mut c, false, Some(&auth), None, true, &mut sa);
    assert!(st == SEC_E_INVALID_HANDLE || st == SEC_E_OUT_OF_SEQUENCE, "{st:#x}");
    unsafe {
        assert_eq!(DeleteSecurityContext(&mut c), SEC_E_OK);
        assert_eq!(DeleteSecurityContext(&mut s), SEC_E_OK);
        assert_eq!(DeleteSecurityContext(&mut c), SEC_E_INVALID_HANDLE, "deleted twice");
    }
    free_cred(cc);
    free_cred(sc);
    assert_eq!(counters(), base);
}

// ---------------------------------------------------------------------------
// Kerberos contexts, against a real MIT KDC made for the test: the same matrix on an
// established pair, then calls in the wrong state.

#[test]
fn kerberos_context_functions_and_wrong_state_calls() {
    use common::krb5::{Realm, PASSWORD, REALM, USER};
    use common::sspi::{acquire, free_cred, handshake, Step, ISC_FLAGS};
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let realm = Realm::start("");
    std::env::set_var("KRB5_CONFIG", &realm.krb5_conf);
    std::env::set_var("KRB5_KTNAME", realm.path("http.keytab"));
    let base = counters();
    let mut cc = acquire("Kerberos", Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
    let mut sc = acquire("Kerberos", None, SECPKG_CRED_INBOUND).unwrap();
    let mut p = handshake(&mut cc, &mut sc, "HTTP/localhost", ISC_FLAGS).unwrap();
    gss_context_functions("Kerberos", &mut p.client, &mut p.server, Some(32));
    drop(p);

    // A client that has sent its AP-REQ and waits for the AP-REP: no messages yet.
    let (mut c, mut s) = (SecHandle::default(), SecHandle::default());
    let (st, ap_req, _) = Step::client(true, None, "HTTP/localhost").run(&mut cc, &mut c);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    unsafe {
        let mut data = *b"early";
        let mut sig = [0u8; 64];
        let mut bufs = [
            SecBuffer { cbBuffer: 5, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 64, BufferType: SECBUFFER_TOKEN, pvBuffer: sig.as_mut_ptr().cast() },
        ];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
        for st in [MakeSignature(&mut c, 0, &mut desc, 0), EncryptMessage(&mut c, 0, &mut desc, 0)] {
            assert!(st == SEC_E_INVALID_HANDLE || st == SEC_E_OUT_OF_SEQUENCE, "{st:#x}");
        }
        assert_eq!((data, sig), (*b"early", [0; 64]), "nothing written");
        let mut o = Outs::new();
        let st = QueryContextAttributesW(&mut c, SECPKG_ATTR_SESSION_KEY, o.p(0));
        assert!(st < 0, "no session key before the AP-REP: {st:#x}");
        assert!(o.untouched());
    }
    // The server given its own AP-REP after completing: refused, and the context goes on.
    let (st, ap_rep, _) = Step::server(true, Some(&ap_req)).run(&mut sc, &mut s);
    assert_eq!(st, SEC_E_OK);
    let st = Step::server(false, Some(&ap_rep)).run(&mut sc, &mut s).0;
    assert!(st == SEC_E_OUT_OF_SEQUENCE || st == SEC_E_INVALID_TOKEN || st == SEC_E_INVALID_HANDLE, "{st:#x}");
    assert_eq!(common::sspi::sign(&mut s, b"still usable").0, SEC_E_OK);
    // The AP-REQ given back to the client where the AP-REP is expected: mutual authentication
    // did not happen, and that is final (the genuine AP-REP cannot complete it afterwards).
    assert_eq!(Step::client(false, Some(&ap_req), "HTTP/localhost").run(&mut cc, &mut c).0, SEC_E_INVALID_TOKEN);
    assert_eq!(Step::client(false, Some(&ap_rep), "HTTP/localhost").run(&mut cc, &mut c).0, SEC_E_INVALID_TOKEN);
    // The same AP-REQ again to a new acceptor context: a replay.
    let mut s2 = SecHandle::default();
    assert_eq!(Step::server(true, Some(&ap_req)).run(&mut sc, &mut s2).0, SEC_E_LOGON_DENIED);
    // The server's context where the client's is expected.
    let st = Step::client(false, Some(&ap_rep), "HTTP/localhost").run(&mut cc, &mut s).0;
    assert!(st == SEC_E_INVALID_HANDLE || st == SEC_E_OUT_OF_SEQUENCE, "{st:#x}");
    unsafe {
        assert_eq!(DeleteSecurityContext(&mut c), SEC_E_OK);
        assert_eq!(DeleteSecurityContext(&mut s), SEC_E_OK);
        assert_eq!(DeleteSecurityContext(&mut c), SEC_E_INVALID_HANDLE, "deleted twice");
    }
    free_cred(cc);
    free_cred(sc);
    assert_eq!(counters(), base);
    std::env::remove_var("KRB5_KTNAME");
}

// ---------------------------------------------------------------------------
// Negotiate contexts (NTLM inside SPNEGO: no KDC needed): the same matrix on an established
// pair, then calls in the wrong state.

#[test]
fn negotiate_context_functions_and_wrong_state_calls() {
    use common::sspi::{acquire, free_cred, handshake, Step, ISC_FLAGS};
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let base = counters();
    let id = ("alice", "EXAMPLE", "s3cret");
    let mut cc = acquire("Negotiate", Some(id), SECPKG_CRED_OUTBOUND).unwrap();
    let mut sc = acquire("Negotiate", Some(id), SECPKG_CRED_INBOUND).unwrap();
    let mut p = handshake(&mut cc, &mut sc, "localhost", ISC_FLAGS).unwrap();
    gss_context_functions("Negotiate", &mut p.client, &mut p.server, Some(16));
    drop(p);

    let (mut c, mut s) = (SecHandle::default(), SecHandle::default());
    let (st, t1, _) = Step::client(true, None, "localhost").run(&mut cc, &mut c);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    unsafe {
        // Mid-exchange: no messages, no session key; NEGOTIATION_INFO says in progress.
        let mut data = *b"early";
        let mut sig = [0u8; 16];
        let mut bufs = [
            SecBuffer { cbBuffer: 5, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 16, BufferType: SECBUFFER_TOKEN, pvBuffer: sig.as_mut_ptr().cast() },
        ];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
        assert_eq!(MakeSignature(&mut c, 0, &mut desc, 0), SEC_E_INVALID_HANDLE);
        assert_eq!(EncryptMessage(&mut c, 0, &mut desc, 0), SEC_E_INVALID_HANDLE);
        let mut qop = 0;
        assert_eq!(DecryptMessage(&mut c, &mut desc, 0, &mut qop), SEC_E_INVALID_HANDLE);
        assert_eq!((data, sig), (*b"early", [0; 16]), "nothing written");
        let mut o = Outs::new();
        assert!(QueryContextAttributesW(&mut c, SECPKG_ATTR_SESSION_KEY, o.p(0)) < 0);
        assert!(o.untouched());
        let mut n = SecPkgContext_NegotiationInfoW { PackageInfo: null_mut(), NegotiationState: 0 };
        let st = QueryContextAttributesW(
            &mut c,
            SECPKG_ATTR_NEGOTIATION_INFO,
            (&mut n as *mut SecPkgContext_NegotiationInfoW).cast(),
        );
        assert_eq!((st, n.NegotiationState), (SEC_E_OK, SECPKG_NEGOTIATION_IN_PROGRESS));
        assert_eq!(FreeContextBuffer(n.PackageInfo.cast()), SEC_E_OK);
    }
    // The initiator's own NegTokenInit given back to it; a NegTokenResp as the acceptor's
    // first token; then the genuine loop on fresh contexts still works.
    assert_eq!(Step::client(false, Some(&t1), "localhost").run(&mut cc, &mut c).0, SEC_E_INVALID_TOKEN);
    let (st, t2, _) = Step::server(true, Some(&t1)).run(&mut sc, &mut s);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    let mut s2 = SecHandle::default();
    assert_eq!(Step::server(true, Some(&t2)).run(&mut sc, &mut s2).0, SEC_E_INVALID_TOKEN);
    // Garbage to a new acceptor; no token at all makes it speak first (a NegTokenInit2).
    let mut s3 = SecHandle::default();
    assert_eq!(Step::server(true, Some(b"\x60\x02\x05\x00")).run(&mut sc, &mut s3).0, SEC_E_INVALID_TOKEN);
    let (st, init2, _) = Step::server(true, None).run(&mut sc, &mut s3);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    assert_eq!(init2[0], 0x60);
    unsafe { DeleteSecurityContext(&mut s3) };
    // The server's context where the client's is expected.
    let st = Step::client(false, Some(&t2), "localhost").run(&mut cc, &mut s).0;
    assert!(st == SEC_E_INVALID_HANDLE || st == SEC_E_OUT_OF_SEQUENCE, "{st:#x}");
    unsafe {
        assert_eq!(DeleteSecurityContext(&mut c), SEC_E_OK);
        assert_eq!(DeleteSecurityContext(&mut s), SEC_E_OK);
        assert_eq!(DeleteSecurityContext(&mut s), SEC_E_INVALID_HANDLE, "deleted twice");
    }
    free_cred(cc);
    free_cred(sc);
    assert_eq!(counters(), base);
}

// ---------------------------------------------------------------------------
// WDigest contexts: the matrix on an established SASL DIGEST-MD5 pair (auth-conf), then HTTP
// mode's calls with NULL and lying arguments and in the wrong state.

#[test]
fn wdigest_context_functions_and_http_calls() {
    use common::sspi::{acquire, free_cred, handshake, ISC_FLAGS};
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let base = counters();
    let id = ("alice", "digest.test", "s3cret");
    let mut cc = acquire("WDigest", Some(id), SECPKG_CRED_OUTBOUND).unwrap();
    let mut sc = acquire("WDigest", Some(id), SECPKG_CRED_INBOUND).unwrap();
    let mut p = handshake(&mut cc, &mut sc, "ldap/ldap.digest.test", ISC_FLAGS).unwrap();
    gss_context_functions("WDigest", &mut p.client, &mut p.server, None);
    drop(p);

    // HTTP: the challenge, the Authorization, a later request, each call's bad inputs.
    const HTTP: ULONG = 0x1000_0000;
    let call =
        |client: bool, cred: &mut CredHandle, ctx: &mut CtxtHandle, first: bool, tok: &[u8], params: &[&[u8]]| {
            let mut owned: Vec<Vec<u8>> =
                core::iter::once(tok).chain(params.iter().copied()).map(<[u8]>::to_vec).collect();
            let mut bufs: Vec<SecBuffer> = owned
                .iter_mut()
                .enumerate()
                .map(|(i, b)| SecBuffer {
                    cbBuffer: b.len() as u32,
                    BufferType: if i == 0 { SECBUFFER_TOKEN } else { SECBUFFER_PKG_PARAMS },
                    pvBuffer: b.as_mut_ptr().cast(),
                })
                .collect();
            let mut ind = SecBufferDesc { ulVersion: 0, cBuffers: bufs.len() as u32, pBuffers: bufs.as_mut_ptr() };
            let mut out = vec![0u8; 4096];
            let mut ob = SecBuffer { cbBuffer: 4096, BufferType: SECBUFFER_TOKEN, pvBuffer: out.as_mut_ptr().cast() };
            let mut od = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: &mut ob };
            let mut attrs = 0;
            let mut target = common::wide("/index.html");
            let ctx_in: *mut CtxtHandle = if first { null_mut() } else { ctx };
            // SAFETY: valid pointers for the call.
            let st = unsafe {
                if client {
                    InitializeSecurityContextW(
                        cred,
                        ctx_in,
                        target.as_mut_ptr(),
                        HTTP,
                        0,
                        0,
                        &mut ind,
                        0,
                        ctx,
                        &mut od,
                        &mut attrs,
                        null_mut(),
                    )
                } else {
                    AcceptSecurityContext(cred, ctx_in, &mut ind, HTTP, 0, ctx, &mut od, &mut attrs, null_mut())
                }
            };
            out.truncate(if st >= 0 { ob.cbBuffer as usize } else { 0 });
            (st, out)
        };
    let (mut c, mut s) = (SecHandle::default(), SecHandle::default());
    let (st, challenge) = call(false, &mut sc, &mut s, true, b"", &[b"GET"]);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    // The client without its method, without a challenge, without a target name.
    let mut c0 = SecHandle::default();
    assert_eq!(call(true, &mut cc, &mut c0, true, &challenge, &[]).0, SEC_E_INVALID_TOKEN, "no method");
    assert_eq!(call(true, &mut cc, &mut c0, true, b"", &[b"GET"]).0, SEC_E_INVALID_TOKEN, "no challenge");
    unsafe {
        let mut ob = SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_TOKEN, pvBuffer: null_mut() };
        let mut od = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: &mut ob };
        let mut attrs = 0;
        let st = InitializeSecurityContextW(
            &mut cc,
            null_mut(),
            null_mut(),
            HTTP | ISC_REQ_ALLOCATE_MEMORY,
            0,
            0,
            null_mut(),
            0,
            &mut c0,
            &mut od,
            &mut attrs,
            null_mut(),
        );
        assert_eq!(st, SEC_E_INVALID_TOKEN, "no input at all: the challenge is needed");
    }
    let (st, auth) = call(true, &mut cc, &mut c, true, &challenge, &[b"GET", b""]);
    assert_eq!(st, SEC_E_OK);
    // The server without the method; with lying descriptors (below); then the real check.
    let mut s1 = SecHandle::default();
    assert_eq!(call(false, &mut sc, &mut s1, true, &auth, &[]).0, SEC_E_INVALID_TOKEN, "no method");
    let (st, info) = call(false, &mut sc, &mut s, false, &auth, &[b"GET"]);
    assert_eq!(st, SEC_E_OK);
    assert_eq!(call(true, &mut cc, &mut c, false, &info, &[]).0, SEC_E_OK, "rspauth");
    // The exchange is over on the server: another ASC is out of sequence.
    assert_eq!(call(false, &mut sc, &mut s, false, &auth, &[b"GET"]).0, SEC_E_OUT_OF_SEQUENCE);
    unsafe {
        // MakeSignature / VerifySignature with NULL, no TOKEN, no PKG_PARAMS, a NULL TOKEN.
        assert_eq!(MakeSignature(&mut c, 0, null_mut(), 0), SEC_E_INVALID_TOKEN);
        assert_eq!(VerifySignature(&mut s, null_mut(), 0, null_mut()), SEC_E_INVALID_TOKEN);
        let mut m = *b"GET";
        let mut u = *b"/2";
        let mut tok = [0u8; 1024];
        let mut bufs = [
            SecBuffer { cbBuffer: 3, BufferType: SECBUFFER_PKG_PARAMS, pvBuffer: m.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 2, BufferType: SECBUFFER_PKG_PARAMS, pvBuffer: u.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 1024, BufferType: SECBUFFER_TOKEN, pvBuffer: null_mut() },
        ];
        let mut d = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
        assert_eq!(MakeSignature(&mut c, 0, &mut d, 0), SEC_E_INVALID_TOKEN, "no TOKEN");
        d.cBuffers = 3;
        assert_eq!(MakeSignature(&mut c, 0, &mut d, 0), SEC_E_INVALID_TOKEN, "a NULL TOKEN with a length");
        d.cBuffers = 40;
        assert_eq!(MakeSignature(&mut c, 0, &mut d, 0), SEC_E_INVALID_TOKEN, "a lying count");
        let token = d.pBuffers.add(2);
        (*token).pvBuffer = tok.as_mut_ptr().cast();
        let mut only_token = [*token];
        let mut d1 = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: only_token.as_mut_ptr() };
        assert_eq!(MakeSignature(&mut c, 0, &mut d1, 0), SEC_E_INVALID_TOKEN, "no method or URI");
        // None of that used an nc: the next one is 2, and the server takes it.
        d.cBuffers = 3;
        assert_eq!(MakeSignature(&mut c, 0, &mut d, 0), SEC_E_OK);
        let text = String::from_utf8_lossy(&tok[..(*token).cbBuffer as usize]).into_owned();
        assert!(text.contains("nc=00000002"), "{text}");
        let mut qop = 0xEEEE;
        assert_eq!(VerifySignature(&mut c, &mut d, 0, &mut qop), SEC_E_UNSUPPORTED_FUNCTION, "the client");
        assert_eq!(VerifySignature(&mut s, &mut d, 0, &mut qop), SEC_E_OK);
        assert_eq!(qop, 0);
        assert_eq!(VerifySignature(&mut s, &mut d, 0, null_mut()), SEC_E_OUT_OF_SEQUENCE, "again");
        for h in [&mut c, &mut s, &mut s1, &mut c0] {
            DeleteSecurityContext(h);
        }
    }
    free_cred(cc);
    free_cred(sc);
    assert_eq!(counters(), base);
}

// ---------------------------------------------------------------------------
// CREDSSP: AcquireCredentialsHandle with CREDSSP_CRED of each kind and lying members, then
// the token loop and the message and attribute calls before, at and after the end of an
// exchange between our own client and server (NTLM inside: no KDC needed).

fn credssp_acquire(usage: ULONG, auth: *mut c_void) -> (i32, CredHandle) {
    let mut h = SecHandle { dwLower: 0xAAAA, dwUpper: 0xBBBB };
    let mut pkg = wide("CREDSSP");
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
    (st, h)
}

#[test]
fn credssp_credentials_and_contexts() {
    use common::sspi::{free_cred, Step};
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let users = std::env::temp_dir().join(format!("sspi-bad-input-credssp-{}", std::process::id()));
    std::fs::write(&users, "EXAMPLE:alice:s3cret\n").unwrap();
    std::env::set_var("NTLM_USER_FILE", &users);
    std::env::set_var("KRB5_CONFIG", "/dev/null");
    let pki = common::pki();
    let cert = secur32::certs::context_into_ptr(common::context_of(&pki.server)).unwrap();
    let base = counters();
    let mut certs = [cert];
    let mut sc: SCHANNEL_CRED = unsafe { core::mem::zeroed() };
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.cCreds = 1;
    sc.paCred = certs.as_mut_ptr();
    let (mut u, mut d, mut pw) = (wide("alice"), wide("EXAMPLE"), wide("s3cret"));
    let mut id = SEC_WINNT_AUTH_IDENTITY_W {
        User: u.as_mut_ptr(),
        UserLength: 5,
        Domain: d.as_mut_ptr(),
        DomainLength: 7,
        Password: pw.as_mut_ptr(),
        PasswordLength: 6,
        Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
    };
    let cc = |ty: ULONG, s: *mut c_void, i: *mut c_void| CREDSSP_CRED { Type: ty, pSchannelCred: s, pSpnegoCred: i };
    let sp = (&mut sc as *mut SCHANNEL_CRED).cast::<c_void>();
    let ip = (&mut id as *mut SEC_WINNT_AUTH_IDENTITY_W).cast::<c_void>();
    // Refusals, each leaving the handle untouched.
    let mut bad_version = sc;
    bad_version.dwVersion = 99;
    let mut bad_flags = id;
    bad_flags.Flags = 0;
    let mut lying = sc;
    lying.cCreds = 3; // one real certificate
    lying.paCred = null_mut();
    for (what, usage, mut c, want) in [
        ("smart cards", SECPKG_CRED_OUTBOUND, cc(13, null_mut(), ip), SEC_E_UNSUPPORTED_FUNCTION),
        ("a server without its certificate", SECPKG_CRED_INBOUND, cc(2, null_mut(), ip), SEC_E_NO_CREDENTIALS),
        ("both directions", SECPKG_CRED_BOTH, cc(50, sp, ip), SEC_E_NO_CREDENTIALS),
        (
            "a wrong SCHANNEL_CRED version",
            SECPKG_CRED_INBOUND,
            cc(4, (&mut bad_version as *mut SCHANNEL_CRED).cast(), null_mut()),
            SEC_E_UNKNOWN_CREDENTIALS,
        ),
        (
            "identity Flags neither ANSI nor UNICODE",
            SECPKG_CRED_OUTBOUND,
            cc(2, null_mut(), (&mut bad_flags as *mut SEC_WINNT_AUTH_IDENTITY_W).cast()),
            SEC_E_UNKNOWN_CREDENTIALS,
        ),
        (
            "cCreds with a NULL paCred",
            SECPKG_CRED_INBOUND,
            cc(4, (&mut lying as *mut SCHANNEL_CRED).cast(), null_mut()),
            SEC_E_UNKNOWN_CREDENTIALS,
        ),
    ] {
        let (st, h) = credssp_acquire(usage, (&mut c as *mut CREDSSP_CRED).cast());
        assert_eq!(st, want, "{what}: {st:#x}");
        assert_eq!((h.dwLower, h.dwUpper), (0xAAAA, 0xBBBB), "{what}: no handle written");
    }
    // Type 4 ignores pSpnegoCred, type 2 pSchannelCred; a bare identity is a client credential.
    let (st, mut server) = credssp_acquire(SECPKG_CRED_INBOUND, (&mut cc(4, sp, ip) as *mut CREDSSP_CRED).cast());
    assert_eq!(st, SEC_E_OK);
    let (st, mut client) = credssp_acquire(SECPKG_CRED_OUTBOUND, ip);
    assert_eq!(st, SEC_E_OK, "a SEC_WINNT_AUTH_IDENTITY alone");
    // The server needs the client's token; a client's first call with garbage input is fine
    // (it has none to read), the server's with garbage fails and stays failed.
    let mut s = SecHandle::default();
    let (st, _, _) = Step::server(true, Some(b"")).run(&mut server, &mut s);
    assert_eq!(st, SEC_E_INVALID_TOKEN, "an empty first token");
    let mut s = SecHandle::default();
    let (st, _, _) = Step::server(true, Some(b"\x17\x03\x03\x00\x01\x00")).run(&mut server, &mut s);
    assert!(st < 0, "application data before a handshake: {st:#x}");
    // A client context mid-handshake: no messages, no credentials attribute, no sizes of TLS yet.
    let mut c = SecHandle::default();
    let mut step = Step::client(true, None, "TERMSRV/localhost");
    step.flags = ISC_REQ_CONFIDENTIALITY;
    let (st, hello, _) = step.run(&mut client, &mut c);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    assert!(!hello.is_empty());
    unsafe {
        let mut data = *b"early";
        let mut hdr = [0u8; 64];
        let mut bufs = [
            SecBuffer { cbBuffer: 64, BufferType: SECBUFFER_STREAM_HEADER, pvBuffer: hdr.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 5, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
        ];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
        assert_eq!(EncryptMessage(&mut c, 0, &mut desc, 0), SEC_E_INVALID_HANDLE);
        let mut qop = 0;
        assert_eq!(DecryptMessage(&mut c, &mut desc, 0, &mut qop), SEC_E_INVALID_HANDLE);
        assert_eq!(&data, b"early");
        let mut o = Outs::new();
        assert_eq!(QueryContextAttributesW(&mut c, SECPKG_ATTR_CREDS, o.p(0)), SEC_E_UNSUPPORTED_FUNCTION);
        assert_eq!(QueryContextAttributesW(&mut c, SECPKG_ATTR_CREDS, null_mut()), SEC_E_INVALID_PARAMETER);
        assert!(o.untouched());
        assert_eq!(MakeSignature(&mut c, 0, &mut desc, 0), SEC_E_UNSUPPORTED_FUNCTION);
        let mut tok = [0u8; 4];
        let mut one = [SecBuffer { cbBuffer: 4, BufferType: SECBUFFER_TOKEN, pvBuffer: tok.as_mut_ptr().cast() }];
        let mut d1 = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: one.as_mut_ptr() };
        assert_eq!(ApplyControlToken(&mut c, &mut d1), SEC_E_UNSUPPORTED_FUNCTION);
        DeleteSecurityContext(&mut c);
        DeleteSecurityContext(&mut s);
    }
    // A whole exchange, then calls past its end.
    let mut p = common::sspi::Contexts {
        client: SecHandle::default(),
        server: SecHandle::default(),
        client_attrs: 0,
        server_attrs: 0,
        legs: vec![],
    };
    let mut token: Option<Vec<u8>> = None;
    let mut done = (false, false);
    for leg in 0..12 {
        let (st, out, _) = if leg % 2 == 0 {
            let mut step = Step::client(leg == 0, token.as_deref(), "TERMSRV/localhost");
            step.flags = ISC_REQ_CONFIDENTIALITY;
            step.run(&mut client, &mut p.client)
        } else {
            Step::server(leg == 1, token.as_deref()).run(&mut server, &mut p.server)
        };
        assert!(st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED, "leg {leg}: {st:#x}");
        if st == SEC_E_OK {
            if leg % 2 == 0 {
                done.0 = true;
            } else {
                done.1 = true;
            }
        }
        if done == (true, true) {
            break;
        }
        token = Some(out);
    }
    assert_eq!(done, (true, true));
    unsafe {
        // The server's SECPKG_ATTR_CREDS with NULL, then for real.
        assert_eq!(QueryContextAttributesW(&mut p.server, SECPKG_ATTR_CREDS, null_mut()), SEC_E_INVALID_PARAMETER);
        let mut o = Outs::new();
        assert_eq!(QueryContextAttributesW(&mut p.server, SECPKG_ATTR_CREDS, o.p(0)), SEC_E_OK);
        let creds = &*o.p::<SecPkgContext_ClientCreds>(0);
        assert!(creds.AuthBufferLen > 20);
        assert_eq!(FreeContextBuffer(creds.AuthBuffer.cast()), SEC_E_OK);
        assert_eq!(FreeContextBuffer(creds.AuthBuffer.cast()), SEC_E_INVALID_HANDLE, "freed twice");
        // Past the end: another token is out of sequence, on both sides.
        let (st, _, _) = Step::server(false, Some(b"\x17\x03\x03\x00\x10")).run(&mut server, &mut p.server);
        assert_eq!(st, SEC_E_OUT_OF_SEQUENCE);
        let mut step = Step::client(false, Some(b"\x17\x03\x03\x00\x10"), "TERMSRV/localhost");
        step.flags = ISC_REQ_CONFIDENTIALITY;
        assert_eq!(step.run(&mut client, &mut p.client).0, SEC_E_OUT_OF_SEQUENCE);
        // Lying descriptors on the message calls over TLS.
        let mut data = *b"payload";
        let mut bufs = [SecBuffer { cbBuffer: 7, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() }];
        for (count, version) in [(0u32, 0u32), (1_000_000, 0), (1, 7)] {
            let mut desc = SecBufferDesc { ulVersion: version, cBuffers: count, pBuffers: bufs.as_mut_ptr() };
            assert_eq!(EncryptMessage(&mut p.client, 0, &mut desc, 0), SEC_E_INVALID_TOKEN);
            let mut qop = 0;
            assert_eq!(DecryptMessage(&mut p.server, &mut desc, 0, &mut qop), SEC_E_INVALID_TOKEN);
        }
    }
    drop(p);
    free_cred(client);
    free_cred(server);
    assert_eq!(counters(), base);
    assert!(secur32::certs::release_ptr(cert));
    std::env::remove_var("KRB5_CONFIG");
    std::env::remove_var("NTLM_USER_FILE");
}

// ---------------------------------------------------------------------------
// The SASL wrapper exports: each pointer NULL in turn; options on a context the wrappers made
// (GSS-SPNEGO over NTLM: no KDC needed) and on one they did not.

#[test]
fn sasl_exports() {
    use common::sspi::{acquire, free_cred, Step};
    use secur32::entry::sasl::*;
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let base = counters();
    for wide in [true, false] {
        let name = if wide { "SaslEnumerateProfilesW" } else { "SaslEnumerateProfilesA" };
        let params = [("ProfileList", E(SEC_E_INVALID_PARAMETER)), ("ProfileCount", E(SEC_E_INVALID_PARAMETER))];
        matrix(name, SEC_E_OK, &params, |n, o| unsafe {
            let (pl, pc) = (or_null(n, 0, o.p::<*mut c_void>(0)), or_null(n, 1, o.p::<ULONG>(1)));
            let st = if wide { SaslEnumerateProfilesW(pl.cast(), pc) } else { SaslEnumerateProfilesA(pl.cast(), pc) };
            if st == SEC_E_OK {
                assert_eq!(*pc, 3);
                assert_eq!(FreeContextBuffer(*pl), SEC_E_OK);
                core::ptr::write_bytes(pl.cast::<u8>(), SENTINEL, 8);
                core::ptr::write_bytes(pc.cast::<u8>(), SENTINEL, 4);
            }
            st
        });
        let name = if wide { "SaslGetProfilePackageW" } else { "SaslGetProfilePackageA" };
        let params = [("ProfileName", E(SEC_E_SECPKG_NOT_FOUND)), ("PackageInfo", E(SEC_E_INVALID_PARAMETER))];
        let mut wname = common::wide("GSSAPI");
        let mut aname = *b"GSSAPI\0";
        matrix(name, SEC_E_OK, &params, |n, o| unsafe {
            let out = or_null(n, 1, o.p::<*mut c_void>(0));
            let st = if wide {
                SaslGetProfilePackageW(or_null(n, 0, wname.as_mut_ptr()), out.cast())
            } else {
                SaslGetProfilePackageA(or_null(n, 0, aname.as_mut_ptr().cast()), out.cast())
            };
            if st == SEC_E_OK {
                assert_eq!(FreeContextBuffer(*out), SEC_E_OK);
                core::ptr::write_bytes(out.cast::<u8>(), SENTINEL, 8);
            }
            st
        });
        let name = if wide { "SaslIdentifyPackageW" } else { "SaslIdentifyPackageA" };
        let params = [("pInput", E(SEC_E_INVALID_TOKEN)), ("PackageInfo", E(SEC_E_INVALID_PARAMETER))];
        matrix(name, SEC_E_OK, &params, |n, o| unsafe {
            let mut t = [0x60u8, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00];
            let mut b =
                [SecBuffer { cbBuffer: t.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: t.as_mut_ptr().cast() }];
            let mut d = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: b.as_mut_ptr() };
            let out = or_null(n, 1, o.p::<*mut c_void>(0));
            let din = or_null(n, 0, &mut d as *mut SecBufferDesc);
            let st = if wide { SaslIdentifyPackageW(din, out.cast()) } else { SaslIdentifyPackageA(din, out.cast()) };
            if st == SEC_E_OK {
                assert_eq!(FreeContextBuffer(*out), SEC_E_OK);
                core::ptr::write_bytes(out.cast::<u8>(), SENTINEL, 8);
            }
            st
        });
    }

    // A context the wrappers made, and one they did not.
    let id = ("alice", "EXAMPLE", "s3cret");
    let mut cc = acquire("Negotiate", Some(id), SECPKG_CRED_OUTBOUND).unwrap();
    let (mut sasl_ctx, mut plain) = (SecHandle::default(), SecHandle::default());
    let mut step = Step::client(true, None, "localhost");
    step.sasl = true;
    assert_eq!(step.run(&mut cc, &mut sasl_ctx).0, SEC_I_CONTINUE_NEEDED);
    assert_eq!(Step::client(true, None, "localhost").run(&mut cc, &mut plain).0, SEC_I_CONTINUE_NEEDED);
    let s_p = &mut sasl_ctx as *mut CtxtHandle;
    let params =
        [("ContextHandle", E(SEC_E_INVALID_HANDLE)), ("Value", E(SEC_E_INVALID_PARAMETER)), ("Needed", O(SEC_E_OK))];
    matrix("SaslGetContextOption", SEC_E_OK, &params, |n, o| unsafe {
        let v = or_null(n, 1, o.p::<ULONG>(0));
        let needed = or_null(n, 2, o.p::<ULONG>(1));
        let st = SaslGetContextOption(or_null(n, 0, s_p), SASL_OPTION_RECV_SIZE, v.cast(), 4, needed);
        if st == SEC_E_OK {
            assert_eq!(*v, 0x10000);
            core::ptr::write_bytes(v.cast::<u8>(), SENTINEL, 4);
            if !needed.is_null() {
                assert_eq!(*needed, 4);
                core::ptr::write_bytes(needed.cast::<u8>(), SENTINEL, 4);
            }
        }
        st
    });
    let params = [("ContextHandle", E(SEC_E_INVALID_HANDLE)), ("Value", E(SEC_E_INVALID_PARAMETER))];
    matrix("SaslSetContextOption", SEC_E_OK, &params, |n, o| unsafe {
        let v = or_null(n, 1, o.p::<ULONG>(0));
        if !v.is_null() {
            *v = 4096;
        }
        let st = SaslSetContextOption(or_null(n, 0, s_p), SASL_OPTION_RECV_SIZE, v.cast(), 4);
        if !v.is_null() {
            core::ptr::write_bytes(v.cast::<u8>(), SENTINEL, 4);
        }
        st
    });
    unsafe {
        let mut v = 1u32;
        assert_eq!(
            SaslSetContextOption(&mut plain, SASL_OPTION_RECV_SIZE, (&mut v as *mut u32).cast(), 4),
            SEC_E_INVALID_HANDLE
        );
        assert_eq!(SaslSetContextOption(s_p, 42, (&mut v as *mut u32).cast(), 4), SEC_E_UNSUPPORTED_FUNCTION);
        // The wrappers' token loop: no pOutput, and no token buffer in it.
        let mut h = SecHandle::default();
        let mut attrs = 0;
        let mut t = common::wide("localhost");
        assert_eq!(
            SaslInitializeSecurityContextW(
                &mut cc,
                null_mut(),
                t.as_mut_ptr(),
                0,
                0,
                0,
                null_mut(),
                0,
                &mut h,
                null_mut(),
                &mut attrs,
                null_mut()
            ),
            SEC_E_INVALID_TOKEN
        );
        let mut data = [0u8; 4];
        let mut ob = [SecBuffer { cbBuffer: 4, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() }];
        let mut od = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: ob.as_mut_ptr() };
        assert_eq!(
            SaslAcceptSecurityContext(&mut cc, null_mut(), null_mut(), 0, 0, &mut h, &mut od, &mut attrs, null_mut()),
            SEC_E_INVALID_TOKEN
        );
        DeleteSecurityContext(&mut sasl_ctx);
        DeleteSecurityContext(&mut plain);
    }
    free_cred(cc);
    assert_eq!(counters(), base);
}
