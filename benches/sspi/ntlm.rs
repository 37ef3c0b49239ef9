//! The NTLM rows: handshakes (client + server, the three legs, contexts deleted) and
//! seal + unseal at 64 B and 16 KiB, side by side in one process for
//!
//! * ours, through the exported functions (`AcquireCredentialsHandleW`,
//!   `InitializeSecurityContextW`, `AcceptSecurityContext`, `EncryptMessage`,
//!   `DecryptMessage`), caller buffers for the tokens;
//! * sspi-rs (Devolutions), its C library `libsspi.so` (the one sspilib's wheels bundle;
//!   `SSPI_RS_LIB` names it, `make bench` extracts it), opened with `dlopen` and called
//!   through the same SSPI functions;
//! * gss-ntlmssp, through MIT's `libgssapi_krb5.so.2` (`dlopen`):
//!   `gss_init_sec_context` / `gss_accept_sec_context`, `gss_wrap` / `gss_unwrap`, the
//!   acceptor's user from an `NTLM_USER_FILE` the benchmark writes.
//!
//! A peer that is not installed leaves its column empty; nothing here fails on a figure.

#![allow(non_camel_case_types, clippy::upper_case_acronyms)]

use core::ffi::{c_int, c_void};
use core::ptr::null_mut;

use secur32::abi::*;

use crate::{compare_generic, Op, Opts};

pub(crate) const USER: &str = "alice";
pub(crate) const DOMAIN: &str = "EXAMPLE";
pub(crate) const PASSWORD: &str = "bench-password";

type AcquireW = unsafe extern "system" fn(
    *mut SEC_WCHAR,
    *mut SEC_WCHAR,
    ULONG,
    *mut c_void,
    *mut c_void,
    SEC_GET_KEY_FN,
    *mut c_void,
    *mut CredHandle,
    *mut TimeStamp,
) -> SECURITY_STATUS;
type InitW = unsafe extern "system" fn(
    *mut CredHandle,
    *mut CtxtHandle,
    *mut SEC_WCHAR,
    ULONG,
    ULONG,
    ULONG,
    *mut SecBufferDesc,
    ULONG,
    *mut CtxtHandle,
    *mut SecBufferDesc,
    *mut ULONG,
    *mut TimeStamp,
) -> SECURITY_STATUS;
type Accept = unsafe extern "system" fn(
    *mut CredHandle,
    *mut CtxtHandle,
    *mut SecBufferDesc,
    ULONG,
    ULONG,
    *mut CtxtHandle,
    *mut SecBufferDesc,
    *mut ULONG,
    *mut TimeStamp,
) -> SECURITY_STATUS;
type Complete = unsafe extern "system" fn(*mut CtxtHandle, *mut SecBufferDesc) -> SECURITY_STATUS;
type Encrypt = unsafe extern "system" fn(*mut CtxtHandle, ULONG, *mut SecBufferDesc, ULONG) -> SECURITY_STATUS;
type Decrypt = unsafe extern "system" fn(*mut CtxtHandle, *mut SecBufferDesc, ULONG, *mut ULONG) -> SECURITY_STATUS;
type Delete = unsafe extern "system" fn(*mut CtxtHandle) -> SECURITY_STATUS;
type FreeCred = unsafe extern "system" fn(*mut CredHandle) -> SECURITY_STATUS;

/// One SSPI implementation's functions.
#[derive(Clone, Copy)]
pub struct Sspi {
    acquire: AcquireW,
    init: InitW,
    accept: Accept,
    complete: Complete,
    encrypt: Encrypt,
    decrypt: Decrypt,
    delete: Delete,
    free_cred: FreeCred,
}

impl Sspi {
    pub fn ours() -> Sspi {
        use secur32::entry::{contexts, credentials, messages};
        Sspi {
            acquire: credentials::AcquireCredentialsHandleW,
            init: contexts::InitializeSecurityContextW,
            accept: contexts::AcceptSecurityContext,
            complete: contexts::CompleteAuthToken,
            encrypt: messages::EncryptMessage,
            decrypt: messages::DecryptMessage,
            delete: contexts::DeleteSecurityContext,
            free_cred: credentials::FreeCredentialsHandle,
        }
    }

    /// sspi-rs' C library, from `SSPI_RS_LIB`.
    pub fn sspi_rs() -> Option<Sspi> {
        let path = std::env::var("SSPI_RS_LIB").ok()?;
        let h = dlopen(&path)?;
        // SAFETY: each symbol is the SSPI function of that name, with Windows' prototype.
        unsafe {
            Some(Sspi {
                acquire: core::mem::transmute::<*mut c_void, AcquireW>(sym(h, "AcquireCredentialsHandleW")?),
                init: core::mem::transmute::<*mut c_void, InitW>(sym(h, "InitializeSecurityContextW")?),
                accept: core::mem::transmute::<*mut c_void, Accept>(sym(h, "AcceptSecurityContext")?),
                complete: core::mem::transmute::<*mut c_void, Complete>(sym(h, "CompleteAuthToken")?),
                encrypt: core::mem::transmute::<*mut c_void, Encrypt>(sym(h, "EncryptMessage")?),
                decrypt: core::mem::transmute::<*mut c_void, Decrypt>(sym(h, "DecryptMessage")?),
                delete: core::mem::transmute::<*mut c_void, Delete>(sym(h, "DeleteSecurityContext")?),
                free_cred: core::mem::transmute::<*mut c_void, FreeCred>(sym(h, "FreeCredentialsHandle")?),
            })
        }
    }
}

fn dlopen(path: &str) -> Option<*mut c_void> {
    let c = std::ffi::CString::new(path).ok()?;
    // SAFETY: a NUL-terminated path; RTLD_LOCAL keeps its symbols from meeting ours.
    let h = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    (!h.is_null()).then_some(h)
}

fn sym(h: *mut c_void, name: &str) -> Option<*mut c_void> {
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: a live handle and a NUL-terminated name.
    let p = unsafe { libc::dlsym(h, c.as_ptr()) };
    (!p.is_null()).then_some(p)
}

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

/// Both credentials of one implementation (the acceptor's is the same identity: the user
/// it accepts, the convention of sspi-rs and of ours).
pub struct SspiCreds {
    f: Sspi,
    client: CredHandle,
    server: CredHandle,
}

impl SspiCreds {
    pub fn new(f: Sspi) -> Option<SspiCreds> {
        let cred = |usage| {
            let (mut u, mut d, mut p) = (wide(USER), wide(DOMAIN), wide(PASSWORD));
            let mut id = SEC_WINNT_AUTH_IDENTITY_W {
                User: u.as_mut_ptr(),
                UserLength: USER.len() as u32,
                Domain: d.as_mut_ptr(),
                DomainLength: DOMAIN.len() as u32,
                Password: p.as_mut_ptr(),
                PasswordLength: PASSWORD.len() as u32,
                Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
            };
            let mut h = CredHandle::default();
            let mut pkg = wide("NTLM");
            // SAFETY: valid pointers for the call.
            let st = unsafe {
                (f.acquire)(
                    null_mut(),
                    pkg.as_mut_ptr(),
                    usage,
                    null_mut(),
                    (&mut id as *mut SEC_WINNT_AUTH_IDENTITY_W).cast(),
                    None,
                    null_mut(),
                    &mut h,
                    null_mut(),
                )
            };
            (st == SEC_E_OK).then_some(h)
        };
        Some(SspiCreds { f, client: cred(SECPKG_CRED_OUTBOUND)?, server: cred(SECPKG_CRED_INBOUND)? })
    }

    /// The three legs; the two established contexts.
    pub fn handshake(&mut self) -> Option<(CtxtHandle, CtxtHandle)> {
        let f = self.f;
        let mut c = CtxtHandle::default();
        let mut s = CtxtHandle::default();
        let mut target = wide("HTTP/server.example.test");
        let mut tok = [[0u8; 4096]; 2];
        let mut len = 0usize;
        let mut attrs = 0;
        let isc = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT;
        let asc = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT;
        for leg in 0..4 {
            let (inp, out) = {
                let [a, b] = &mut tok;
                if leg % 2 == 0 {
                    (b, a)
                } else {
                    (a, b)
                }
            };
            let mut ib =
                SecBuffer { cbBuffer: len as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: inp.as_mut_ptr().cast() };
            let mut idesc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut ib };
            let mut ob = SecBuffer { cbBuffer: 4096, BufferType: SECBUFFER_TOKEN, pvBuffer: out.as_mut_ptr().cast() };
            let mut odesc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: &mut ob };
            // SAFETY: valid pointers for the call.
            let st = unsafe {
                match leg {
                    0 => (f.init)(
                        &mut self.client,
                        null_mut(),
                        target.as_mut_ptr(),
                        isc,
                        0,
                        0,
                        null_mut(),
                        0,
                        &mut c,
                        &mut odesc,
                        &mut attrs,
                        null_mut(),
                    ),
                    2 => (f.init)(
                        &mut self.client,
                        &mut c,
                        target.as_mut_ptr(),
                        isc,
                        0,
                        0,
                        &mut idesc,
                        0,
                        &mut c,
                        &mut odesc,
                        &mut attrs,
                        null_mut(),
                    ),
                    1 => (f.accept)(
                        &mut self.server,
                        null_mut(),
                        &mut idesc,
                        asc,
                        0,
                        &mut s,
                        &mut odesc,
                        &mut attrs,
                        null_mut(),
                    ),
                    _ => {
                        let st = (f.accept)(
                            &mut self.server,
                            &mut s,
                            &mut idesc,
                            asc,
                            0,
                            &mut s,
                            &mut odesc,
                            &mut attrs,
                            null_mut(),
                        );
                        // sspi-rs ends its acceptor with SEC_I_COMPLETE_NEEDED.
                        if st == SEC_I_COMPLETE_NEEDED {
                            (f.complete)(&mut s, &mut odesc)
                        } else {
                            st
                        }
                    }
                }
            };
            let want = if leg < 2 { SEC_I_CONTINUE_NEEDED } else { SEC_E_OK };
            if st != want {
                return None;
            }
            len = ob.cbBuffer as usize;
        }
        Some((c, s))
    }

    pub fn delete(&self, (mut c, mut s): (CtxtHandle, CtxtHandle)) {
        // SAFETY: live handles.
        unsafe {
            (self.f.delete)(&mut c);
            (self.f.delete)(&mut s);
        }
    }

    /// EncryptMessage on [TOKEN, DATA] in place, then DecryptMessage of it on the peer.
    pub fn seal_unseal(&self, from: &mut CtxtHandle, to: &mut CtxtHandle, buf: &mut [u8]) -> bool {
        let mut sig = [0u8; 16];
        let mut b = [
            SecBuffer { cbBuffer: 16, BufferType: SECBUFFER_TOKEN, pvBuffer: sig.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: buf.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: buf.as_mut_ptr().cast() },
        ];
        let mut d = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 2, pBuffers: b.as_mut_ptr() };
        let mut qop = 0;
        // SAFETY: valid pointers for the calls.
        unsafe {
            (self.f.encrypt)(from, 0, &mut d, 0) == SEC_E_OK && (self.f.decrypt)(to, &mut d, 0, &mut qop) == SEC_E_OK
        }
    }
}

impl Drop for SspiCreds {
    fn drop(&mut self) {
        // SAFETY: live handles.
        unsafe {
            (self.f.free_cred)(&mut self.client);
            (self.f.free_cred)(&mut self.server);
        }
    }
}

// ---- gss-ntlmssp through libgssapi_krb5 ----

pub(crate) type OM = u32;
#[repr(C)]
pub(crate) struct GssBuffer {
    pub length: usize,
    pub value: *mut c_void,
}
#[repr(C)]
pub(crate) struct GssOid {
    pub length: OM,
    pub elements: *const c_void,
}
#[repr(C)]
pub(crate) struct GssOidSet {
    pub count: usize,
    pub elements: *const GssOid,
}
pub(crate) type Ptr = *mut c_void;

pub(crate) type GssImportName = unsafe extern "C" fn(*mut OM, *mut GssBuffer, *const GssOid, *mut Ptr) -> OM;
pub(crate) type GssAcquirePw =
    unsafe extern "C" fn(*mut OM, Ptr, *mut GssBuffer, OM, *const GssOidSet, c_int, *mut Ptr, Ptr, *mut OM) -> OM;
pub(crate) type GssAcquire =
    unsafe extern "C" fn(*mut OM, Ptr, OM, *const GssOidSet, c_int, *mut Ptr, Ptr, *mut OM) -> OM;
pub(crate) type GssInit = unsafe extern "C" fn(
    *mut OM,
    Ptr,
    *mut Ptr,
    Ptr,
    *const GssOid,
    OM,
    OM,
    Ptr,
    *mut GssBuffer,
    Ptr,
    *mut GssBuffer,
    *mut OM,
    *mut OM,
) -> OM;
pub(crate) type GssAccept = unsafe extern "C" fn(
    *mut OM,
    *mut Ptr,
    Ptr,
    *mut GssBuffer,
    Ptr,
    Ptr,
    Ptr,
    *mut GssBuffer,
    *mut OM,
    *mut OM,
    Ptr,
) -> OM;
pub(crate) type GssWrap =
    unsafe extern "C" fn(*mut OM, Ptr, c_int, OM, *mut GssBuffer, *mut c_int, *mut GssBuffer) -> OM;
pub(crate) type GssUnwrap =
    unsafe extern "C" fn(*mut OM, Ptr, *mut GssBuffer, *mut GssBuffer, *mut c_int, *mut OM) -> OM;
pub(crate) type GssDelete = unsafe extern "C" fn(*mut OM, *mut Ptr, *mut GssBuffer) -> OM;
pub(crate) type GssReleaseBuffer = unsafe extern "C" fn(*mut OM, *mut GssBuffer) -> OM;

/// MIT's GSSAPI (`libgssapi_krb5.so.2`), the functions the benchmarks call.
pub(crate) struct Gss {
    pub import_name: GssImportName,
    pub acquire_pw: GssAcquirePw,
    pub acquire: GssAcquire,
    pub init: GssInit,
    pub accept: GssAccept,
    pub wrap: GssWrap,
    pub unwrap: GssUnwrap,
    pub delete: GssDelete,
    pub release_buffer: GssReleaseBuffer,
}

impl Gss {
    pub fn load() -> Option<Gss> {
        let h = dlopen("libgssapi_krb5.so.2")?;
        // SAFETY: each symbol is the GSSAPI function of that name (RFC 2744 prototypes).
        unsafe {
            Some(Gss {
                import_name: core::mem::transmute::<Ptr, GssImportName>(sym(h, "gss_import_name")?),
                acquire_pw: core::mem::transmute::<Ptr, GssAcquirePw>(sym(h, "gss_acquire_cred_with_password")?),
                acquire: core::mem::transmute::<Ptr, GssAcquire>(sym(h, "gss_acquire_cred")?),
                init: core::mem::transmute::<Ptr, GssInit>(sym(h, "gss_init_sec_context")?),
                accept: core::mem::transmute::<Ptr, GssAccept>(sym(h, "gss_accept_sec_context")?),
                wrap: core::mem::transmute::<Ptr, GssWrap>(sym(h, "gss_wrap")?),
                unwrap: core::mem::transmute::<Ptr, GssUnwrap>(sym(h, "gss_unwrap")?),
                delete: core::mem::transmute::<Ptr, GssDelete>(sym(h, "gss_delete_sec_context")?),
                release_buffer: core::mem::transmute::<Ptr, GssReleaseBuffer>(sym(h, "gss_release_buffer")?),
            })
        }
    }

    /// A GSS name from text of the name type `ty`.
    pub fn name(&self, text: &str, ty: &GssOid) -> Option<Ptr> {
        let mut t = text.as_bytes().to_vec();
        let mut b = GssBuffer { length: t.len(), value: t.as_mut_ptr().cast() };
        let mut n: Ptr = null_mut();
        let mut minor = 0;
        // SAFETY: valid pointers.
        let st = unsafe { (self.import_name)(&mut minor, &mut b, ty, &mut n) };
        (st == 0).then_some(n)
    }

    /// gss_wrap (sealed) on one side, gss_unwrap on the other; true when the data came back.
    pub fn wrap_unwrap(&self, from: Ptr, to: Ptr, msg: &mut [u8]) -> bool {
        let mut minor = 0;
        let mut input = GssBuffer { length: msg.len(), value: msg.as_mut_ptr().cast() };
        let mut wrapped = GssBuffer { length: 0, value: null_mut() };
        let mut plain = GssBuffer { length: 0, value: null_mut() };
        let mut conf = 0;
        // SAFETY: valid pointers; output buffers released below.
        let ok = unsafe {
            (self.wrap)(&mut minor, from, 1, 0, &mut input, &mut conf, &mut wrapped) == 0
                && conf == 1
                && (self.unwrap)(&mut minor, to, &mut wrapped, &mut plain, &mut conf, null_mut()) == 0
                && plain.length == msg.len()
        };
        // SAFETY: buffers GSSAPI allocated.
        unsafe {
            (self.release_buffer)(&mut minor, &mut wrapped);
            (self.release_buffer)(&mut minor, &mut plain);
        }
        ok
    }
}

const NTLM_OID: [u8; 10] = [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a];
const NT_USER_NAME: [u8; 10] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x01, 0x01];
pub(crate) const NT_HOSTBASED: [u8; 10] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x01, 0x04];

pub(crate) fn oid(b: &'static [u8; 10]) -> GssOid {
    GssOid { length: 10, elements: b.as_ptr().cast() }
}

pub struct GssCreds {
    g: Gss,
    client: Ptr,
    server: Ptr,
    target: Ptr,
}

// SAFETY: the benchmark uses each credential and context from one thread at a time
// (the cells run one after another); GSSAPI handles may move between threads.
unsafe impl Send for GssCreds {}
// SAFETY: as above: no two threads use them at once.
unsafe impl Sync for GssCreds {}

/// A gss-ntlmssp context pair, movable into a cell's closure.
#[derive(Clone, Copy)]
struct GssPair(Ptr, Ptr);
// SAFETY: as for `GssCreds`.
unsafe impl Send for GssPair {}

impl GssPair {
    /// Through a method, so that a closure captures the pair, not its (non-Send) fields.
    fn get(self) -> (Ptr, Ptr) {
        (self.0, self.1)
    }
}

impl GssCreds {
    /// gss-ntlmssp's initiator and acceptor credentials (the acceptor reads `NTLM_USER_FILE`,
    /// which `main` has pointed at a file holding the user).
    pub fn new() -> Option<GssCreds> {
        if !std::path::Path::new("/usr/lib/x86_64-linux-gnu/gssntlmssp/gssntlmssp.so").exists() {
            return None;
        }
        let g = Gss::load()?;
        let mech = oid(&NTLM_OID);
        let set = GssOidSet { count: 1, elements: &mech };
        let mut minor = 0;
        let user = g.name(&format!("{DOMAIN}\\{USER}"), &oid(&NT_USER_NAME))?;
        let target = g.name("HTTP@server.example.test", &oid(&NT_HOSTBASED))?;
        let mut pw = PASSWORD.as_bytes().to_vec();
        let mut pwb = GssBuffer { length: pw.len(), value: pw.as_mut_ptr().cast() };
        let (mut client, mut server): (Ptr, Ptr) = (null_mut(), null_mut());
        // SAFETY: valid pointers; GSS_C_INITIATE = 1, GSS_C_ACCEPT = 2.
        let ok = unsafe {
            (g.acquire_pw)(&mut minor, user, &mut pwb, 0, &set, 1, &mut client, null_mut(), null_mut()) == 0
                && (g.acquire)(&mut minor, null_mut(), 0, &set, 2, &mut server, null_mut(), null_mut()) == 0
        };
        ok.then_some(GssCreds { g, client, server, target })
    }

    pub fn handshake(&mut self) -> Option<(Ptr, Ptr)> {
        let g = &self.g;
        let (mut c, mut s): (Ptr, Ptr) = (null_mut(), null_mut());
        let mech = oid(&NTLM_OID);
        let mut minor = 0;
        let mut token = GssBuffer { length: 0, value: null_mut() };
        // INTEG 32 | CONF 16 | REPLAY 4 | SEQUENCE 8.
        let flags = 32 | 16 | 4 | 8;
        for leg in 0..3 {
            let mut out = GssBuffer { length: 0, value: null_mut() };
            // SAFETY: valid pointers; tokens are released below.
            let st = unsafe {
                if leg % 2 == 0 {
                    (g.init)(
                        &mut minor,
                        self.client,
                        &mut c,
                        self.target,
                        &mech,
                        flags,
                        0,
                        null_mut(),
                        &mut token,
                        null_mut(),
                        &mut out,
                        null_mut(),
                        null_mut(),
                    )
                } else {
                    (g.accept)(
                        &mut minor,
                        &mut s,
                        self.server,
                        &mut token,
                        null_mut(),
                        null_mut(),
                        null_mut(),
                        &mut out,
                        null_mut(),
                        null_mut(),
                        null_mut(),
                    )
                }
            };
            // SAFETY: a buffer GSSAPI allocated (or an empty one).
            unsafe { (g.release_buffer)(&mut minor, &mut token) };
            token = out;
            let want = if leg < 2 { 1 } else { 0 }; // GSS_S_CONTINUE_NEEDED, GSS_S_COMPLETE
            if st != want {
                return None;
            }
        }
        let mut out = GssBuffer { length: 0, value: null_mut() };
        // SAFETY: the server's last leg.
        let st = unsafe {
            (g.accept)(
                &mut minor,
                &mut s,
                self.server,
                &mut token,
                null_mut(),
                null_mut(),
                null_mut(),
                &mut out,
                null_mut(),
                null_mut(),
                null_mut(),
            )
        };
        // SAFETY: as above.
        unsafe {
            (g.release_buffer)(&mut minor, &mut token);
            (g.release_buffer)(&mut minor, &mut out);
        }
        (st == 0).then_some((c, s))
    }

    pub fn delete(&self, (mut c, mut s): (Ptr, Ptr)) {
        let mut minor = 0;
        // SAFETY: live contexts.
        unsafe {
            (self.g.delete)(&mut minor, &mut c, null_mut());
            (self.g.delete)(&mut minor, &mut s, null_mut());
        }
    }

    /// gss_wrap (sealed) on one side, gss_unwrap on the other; true when the data came back.
    pub fn seal_unseal(&self, from: Ptr, to: Ptr, msg: &mut [u8]) -> bool {
        self.g.wrap_unwrap(from, to, msg)
    }
}

/// Points gss-ntlmssp's acceptor at a user file holding the benchmark's user (set before
/// any thread starts).
pub fn user_file() -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("sspi-rustls-bench-ntlm-{}", std::process::id()));
    std::fs::write(&p, format!("{DOMAIN}:{USER}:{PASSWORD}\n")).expect("write the NTLM user file");
    std::env::set_var("NTLM_USER_FILE", &p);
    p
}

/// One NTLM row: ours, sspi-rs, gss-ntlmssp, and the goals' minimum ratios against the last two.
pub struct NtlmRow {
    pub name: String,
    pub unit: &'static str,
    pub ours: f64,
    pub sspi_rs: Option<f64>,
    pub gss: Option<f64>,
    pub goal_rs: f64,
    pub goal_gss: Option<f64>,
}

pub fn rows(opts: &Opts) -> Vec<NtlmRow> {
    let file = user_file();
    let mut out = Vec::new();
    let ours = SspiCreds::new(Sspi::ours());
    let peers = opts.ntlm_peers();
    let rs = Sspi::sspi_rs().filter(|_| peers).and_then(SspiCreds::new);
    let gss = GssCreds::new().filter(|_| peers);
    let Some(mut ours) = ours else {
        eprintln!("ntlm: our NTLM credentials failed");
        return out;
    };
    let (mut rs, mut gss) = (rs, gss);
    if rs.is_none() && peers {
        eprintln!("ntlm: no sspi-rs column (set SSPI_RS_LIB to its libsspi.so; make bench does)");
    }
    if gss.is_none() && peers {
        eprintln!("ntlm: no gss-ntlmssp column (gss-ntlmssp and libgssapi-krb5-2 are needed)");
    }
    if opts.wants("ntlm_handshake") {
        let mut ops: Vec<(u8, Op<'_>)> = Vec::new();
        let o = &mut ours;
        ops.push((
            0,
            Box::new(move || {
                let p = o.handshake().expect("our NTLM handshake");
                o.delete(p);
                1
            }),
        ));
        let rs_works = rs.as_mut().and_then(|r| r.handshake().map(|p| r.delete(p))).is_some();
        if let Some(r) = rs.as_mut().filter(|_| rs_works) {
            ops.push((
                1,
                Box::new(move || {
                    let p = r.handshake().expect("sspi-rs handshake");
                    r.delete(p);
                    1
                }),
            ));
        }
        let gss_works = gss.as_mut().and_then(|g| g.handshake().map(|p| g.delete(p))).is_some();
        if let Some(g) = gss.as_mut().filter(|_| gss_works) {
            ops.push((
                2,
                Box::new(move || {
                    let p = g.handshake().expect("gss-ntlmssp handshake");
                    g.delete(p);
                    1
                }),
            ));
        }
        let r = compare_generic(opts, &mut ops);
        out.push(row("ntlm_handshake", "handshakes/s", &r, 2.0, None));
    }
    for (size, name) in [(64usize, "ntlm_seal_unseal_64"), (16384, "ntlm_seal_unseal_16k")] {
        if !opts.wants(name) {
            continue;
        }
        let mut ops: Vec<(u8, Op<'_>)> = Vec::new();
        let ours_p = ours.handshake().expect("our NTLM handshake");
        let o = &ours;
        let (mut c, mut s) = ours_p;
        let mut buf = vec![0x5a; size];
        ops.push((
            0,
            Box::new(move || {
                assert!(o.seal_unseal(&mut c, &mut s, &mut buf), "our seal/unseal");
                size as u64
            }),
        ));
        let rs_p = rs.as_mut().and_then(|r| r.handshake());
        if let (Some(r), Some((mut c, mut s))) = (rs.as_ref(), rs_p) {
            let mut buf = vec![0x5a; size];
            if r.seal_unseal(&mut c, &mut s, &mut buf) {
                ops.push((
                    1,
                    Box::new(move || {
                        assert!(r.seal_unseal(&mut c, &mut s, &mut buf), "sspi-rs seal/unseal");
                        size as u64
                    }),
                ));
            }
        }
        let g_p = gss.as_mut().and_then(|g| g.handshake());
        if let (Some(g), Some((c, s))) = (gss.as_ref(), g_p) {
            let mut buf = vec![0x5a; size];
            let pair = GssPair(c, s);
            if g.seal_unseal(c, s, &mut buf) {
                ops.push((
                    2,
                    Box::new(move || {
                        let (c, s) = pair.get();
                        assert!(g.seal_unseal(c, s, &mut buf), "gss-ntlmssp wrap/unwrap");
                        size as u64
                    }),
                ));
            }
        }
        let r: Vec<(u8, f64)> =
            compare_generic(opts, &mut ops).into_iter().map(|(k, v)| (k, v / (1024.0 * 1024.0))).collect();
        out.push(row(name, "MiB/s", &r, 1.5, Some(1.0)));
    }
    let _ = std::fs::remove_file(file);
    out
}

fn row(name: &str, unit: &'static str, r: &[(u8, f64)], goal_rs: f64, goal_gss: Option<f64>) -> NtlmRow {
    let get = |k| r.iter().find(|(i, _)| *i == k).map(|(_, v)| *v);
    NtlmRow { name: name.into(), unit, ours: get(0).unwrap_or(0.0), sspi_rs: get(1), gss: get(2), goal_rs, goal_gss }
}

pub fn print(rows: &[NtlmRow]) {
    if rows.is_empty() {
        return;
    }
    let header = format!(
        "{:<24} {:>12} {:>10} {:>10} {:>6} {:>11} {:>6}  {:<26} {}",
        "name", "unit", "ours", "sspi-rs", "x", "gss-ntlmssp", "x", "goal", "met"
    );
    println!("{header}");
    println!("{}", "-".repeat(header.len()));
    for r in rows {
        let col = |v: Option<f64>| {
            v.filter(|&v| v > 0.0).map_or(("-".to_string(), "-".to_string(), None), |v| {
                (format!("{v:.1}"), format!("{:.3}", r.ours / v), Some(r.ours / v))
            })
        };
        let (rv, rx, rr) = col(r.sspi_rs);
        let (gv, gx, gr) = col(r.gss);
        let goal = match r.goal_gss {
            Some(g) => format!(">={} sspi-rs, >={} gss", r.goal_rs, g),
            None => format!(">={} sspi-rs", r.goal_rs),
        };
        let met = match (rr, r.goal_gss) {
            (Some(x), None) => Some(x >= r.goal_rs),
            (Some(x), Some(g)) => gr.map(|y| x >= r.goal_rs && y >= g),
            _ => None,
        };
        let met = match met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "",
        };
        println!(
            "{:<24} {:>12} {:>10.1} {:>10} {:>6} {:>11} {:>6}  {:<26} {}",
            r.name, r.unit, r.ours, rv, rx, gv, gx, goal, met
        );
    }
    println!();
}
