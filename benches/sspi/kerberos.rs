//! Kerberos rows: our package against MIT's GSS-API (`libgssapi_krb5.so.2`,
//! called from the bench through `dlopen`), in one run, on one throwaway MIT
//! realm started for the bench (tests/common/krb5.rs; `krb5-kdc` must be
//! installed, else the rows are skipped with a message).
//!
//! * `krb5_ap_exchange`: one mutual-auth context pair per iteration (ISC,
//!   ASC, ISC for us; init, accept, init for MIT), the service ticket already
//!   cached (ours in the credential, MIT's in its ccache);
//! * `krb5_wrap_{64,16k}_{sha1,sha384}`: EncryptMessage + DecryptMessage
//!   (sealed) for us, gss_wrap + gss_unwrap for MIT, on contexts whose
//!   session key is aes256-cts-hmac-sha1-96 or aes256-cts-hmac-sha384-192
//!   (chosen with `default_tgs_enctypes`).
//!
//! Goals: at least 1.0x MIT on every row; reported, never failed.

use core::ptr::null_mut;

#[path = "../../tests/common/krb5.rs"]
mod krb5;

use secur32::abi::*;
use secur32::entry::contexts::{AcceptSecurityContext, DeleteSecurityContext, InitializeSecurityContextW};
use secur32::entry::credentials::{AcquireCredentialsHandleW, FreeCredentialsHandle};
use secur32::entry::messages::{DecryptMessage, EncryptMessage};
use secur32::entry::packages::FreeContextBuffer;

use crate::ntlm::{oid, Gss, GssBuffer, GssOid, GssOidSet, Ptr, NT_HOSTBASED};
use crate::{compare_generic, Op, Opts};

const KRB5_OID: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02];

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(Some(0)).collect()
}

/// Our credentials: an identity client and a keytab acceptor.
struct Ours {
    client: CredHandle,
    server: CredHandle,
}

impl Ours {
    fn new() -> Option<Ours> {
        let (mut u, mut d, mut p) = (wide(krb5::USER), wide(krb5::REALM), wide(krb5::PASSWORD));
        let mut id = SEC_WINNT_AUTH_IDENTITY_W {
            User: u.as_mut_ptr(),
            UserLength: (u.len() - 1) as u32,
            Domain: d.as_mut_ptr(),
            DomainLength: (d.len() - 1) as u32,
            Password: p.as_mut_ptr(),
            PasswordLength: (p.len() - 1) as u32,
            Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
        };
        let mut pkg = wide("Kerberos");
        let (mut client, mut server) = (SecHandle::default(), SecHandle::default());
        // SAFETY: valid pointers for the calls.
        let ok = unsafe {
            AcquireCredentialsHandleW(
                null_mut(),
                pkg.as_mut_ptr(),
                SECPKG_CRED_OUTBOUND,
                null_mut(),
                (&mut id as *mut SEC_WINNT_AUTH_IDENTITY_W).cast(),
                None,
                null_mut(),
                &mut client,
                null_mut(),
            ) == SEC_E_OK
                && AcquireCredentialsHandleW(
                    null_mut(),
                    pkg.as_mut_ptr(),
                    SECPKG_CRED_INBOUND,
                    null_mut(),
                    null_mut(),
                    None,
                    null_mut(),
                    &mut server,
                    null_mut(),
                ) == SEC_E_OK
        };
        ok.then_some(Ours { client, server })
    }

    fn step(cred: &mut CredHandle, ctx: &mut CtxtHandle, first: bool, client: bool, input: &[u8]) -> (i32, Vec<u8>) {
        let mut inbuf = input.to_vec();
        let mut ib = [SecBuffer {
            cbBuffer: inbuf.len() as u32,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: inbuf.as_mut_ptr().cast(),
        }];
        let mut idesc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: ib.as_mut_ptr() };
        let mut ob = [SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_TOKEN, pvBuffer: null_mut() }];
        let mut odesc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: ob.as_mut_ptr() };
        let mut attrs = 0;
        let mut target = wide("HTTP/localhost");
        let old = if first { null_mut() } else { ctx as *mut CtxtHandle };
        let ip = if input.is_empty() { null_mut() } else { &mut idesc as *mut SecBufferDesc };
        // SAFETY: valid pointers for the call.
        let st = unsafe {
            if client {
                let f = ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_ALLOCATE_MEMORY;
                InitializeSecurityContextW(
                    cred,
                    old,
                    target.as_mut_ptr(),
                    f,
                    0,
                    0,
                    ip,
                    0,
                    ctx,
                    &mut odesc,
                    &mut attrs,
                    null_mut(),
                )
            } else {
                let f = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_ALLOCATE_MEMORY;
                AcceptSecurityContext(cred, old, ip, f, 0, ctx, &mut odesc, &mut attrs, null_mut())
            }
        };
        let out = if ob[0].pvBuffer.is_null() {
            Vec::new()
        } else {
            // SAFETY: the library's allocation of cbBuffer bytes, freed right after.
            let v =
                unsafe { core::slice::from_raw_parts(ob[0].pvBuffer as *const u8, ob[0].cbBuffer as usize) }.to_vec();
            // SAFETY: as above.
            unsafe { FreeContextBuffer(ob[0].pvBuffer) };
            v
        };
        (st, out)
    }

    fn handshake(&mut self) -> Option<(CtxtHandle, CtxtHandle)> {
        let (mut c, mut s) = (SecHandle::default(), SecHandle::default());
        let (st, t1) = Self::step(&mut self.client, &mut c, true, true, &[]);
        if st != SEC_I_CONTINUE_NEEDED {
            return None;
        }
        let (st, t2) = Self::step(&mut self.server, &mut s, true, false, &t1);
        if st != SEC_E_OK {
            return None;
        }
        let (st, _) = Self::step(&mut self.client, &mut c, false, true, &t2);
        (st == SEC_E_OK).then_some((c, s))
    }

    fn delete((mut c, mut s): (CtxtHandle, CtxtHandle)) {
        // SAFETY: live handles.
        unsafe {
            DeleteSecurityContext(&mut c);
            DeleteSecurityContext(&mut s);
        }
    }

    /// EncryptMessage [TOKEN, DATA, PADDING] on one side, DecryptMessage [TOKEN, DATA] on the other.
    fn wrap_unwrap(from: &mut CtxtHandle, to: &mut CtxtHandle, buf: &mut [u8], tok: &mut [u8]) -> bool {
        let mut pad = [0u8; 16];
        let mut bufs = [
            SecBuffer { cbBuffer: tok.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: tok.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: buf.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: buf.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 16, BufferType: SECBUFFER_PADDING, pvBuffer: pad.as_mut_ptr().cast() },
        ];
        let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 3, pBuffers: bufs.as_mut_ptr() };
        let mut qop = 0;
        // SAFETY: valid pointers for the calls.
        let ok = unsafe {
            if EncryptMessage(from, 0, &mut desc, 0) != SEC_E_OK {
                return false;
            }
            desc.cBuffers = 2;
            DecryptMessage(to, &mut desc, 0, &mut qop) == SEC_E_OK
        };
        ok && bufs[1].cbBuffer as usize == buf.len()
    }
}

impl Drop for Ours {
    fn drop(&mut self) {
        // SAFETY: live handles.
        unsafe {
            FreeCredentialsHandle(&mut self.client);
            FreeCredentialsHandle(&mut self.server);
        }
    }
}

/// MIT's initiator (the default ccache) and acceptor (the default keytab) credentials.
struct Mit {
    g: Gss,
    client: Ptr,
    server: Ptr,
    target: Ptr,
}

// SAFETY: used from one thread at a time (the cells run one after another).
unsafe impl Send for Mit {}
// SAFETY: as above.
unsafe impl Sync for Mit {}

#[derive(Clone, Copy)]
struct MitPair(Ptr, Ptr);
// SAFETY: as for `Mit`.
unsafe impl Send for MitPair {}
impl MitPair {
    fn get(self) -> (Ptr, Ptr) {
        (self.0, self.1)
    }
}

fn krb5_oid() -> GssOid {
    GssOid { length: 9, elements: KRB5_OID.as_ptr().cast() }
}

impl Mit {
    fn new() -> Option<Mit> {
        let g = Gss::load()?;
        let target = g.name("HTTP@localhost", &oid(&NT_HOSTBASED))?;
        let mech = krb5_oid();
        let set = GssOidSet { count: 1, elements: &mech };
        let (mut client, mut server): (Ptr, Ptr) = (null_mut(), null_mut());
        let mut minor = 0;
        // SAFETY: valid pointers; GSS_C_INITIATE = 1, GSS_C_ACCEPT = 2.
        let ok = unsafe {
            (g.acquire)(&mut minor, null_mut(), 0, &set, 1, &mut client, null_mut(), null_mut()) == 0
                && (g.acquire)(&mut minor, null_mut(), 0, &set, 2, &mut server, null_mut(), null_mut()) == 0
        };
        ok.then_some(Mit { g, client, server, target })
    }

    fn handshake(&self) -> Option<(Ptr, Ptr)> {
        let g = &self.g;
        let (mut c, mut s): (Ptr, Ptr) = (null_mut(), null_mut());
        let mech = krb5_oid();
        let mut minor = 0;
        // MUTUAL 2 | INTEG 32 | CONF 16.
        let flags = 2 | 32 | 16;
        let mut t1 = GssBuffer { length: 0, value: null_mut() };
        let mut t2 = GssBuffer { length: 0, value: null_mut() };
        let mut t3 = GssBuffer { length: 0, value: null_mut() };
        let mut empty = GssBuffer { length: 0, value: null_mut() };
        // SAFETY: valid pointers; GSSAPI's buffers released below.
        let ok = unsafe {
            let a = (g.init)(
                &mut minor,
                self.client,
                &mut c,
                self.target,
                &mech,
                flags,
                0,
                null_mut(),
                &mut empty,
                null_mut(),
                &mut t1,
                null_mut(),
                null_mut(),
            );
            let b = (g.accept)(
                &mut minor,
                &mut s,
                self.server,
                &mut t1,
                null_mut(),
                null_mut(),
                null_mut(),
                &mut t2,
                null_mut(),
                null_mut(),
                null_mut(),
            );
            let d = (g.init)(
                &mut minor,
                self.client,
                &mut c,
                self.target,
                &mech,
                flags,
                0,
                null_mut(),
                &mut t2,
                null_mut(),
                &mut t3,
                null_mut(),
                null_mut(),
            );
            (g.release_buffer)(&mut minor, &mut t1);
            (g.release_buffer)(&mut minor, &mut t2);
            (g.release_buffer)(&mut minor, &mut t3);
            a == 1 && b == 0 && d == 0
        };
        ok.then_some((c, s))
    }

    fn delete(&self, (mut c, mut s): (Ptr, Ptr)) {
        let mut minor = 0;
        // SAFETY: live contexts.
        unsafe {
            (self.g.delete)(&mut minor, &mut c, null_mut());
            (self.g.delete)(&mut minor, &mut s, null_mut());
        }
    }
}

/// One row: ours and MIT's rates.
pub struct KrbRow {
    pub name: String,
    pub unit: &'static str,
    pub ours: f64,
    pub mit: Option<f64>,
}

/// Points both stacks at a krb5.conf asking for `enctype` session keys.
fn use_enctype(realm: &krb5::Realm, enctype: &str) -> std::path::PathBuf {
    let base = std::fs::read_to_string(&realm.krb5_conf).expect("krb5.conf");
    let conf = realm.path(&format!("krb5-{enctype}.conf"));
    // The TGT's own enctype stays allowed (MIT refuses to use a TGT whose session key is not
    // in the list); the KDC gives the service ticket the first one the service has.
    let list = format!("{enctype} aes256-cts-hmac-sha1-96");
    std::fs::write(
        &conf,
        base.replacen("[libdefaults]\n", &format!("[libdefaults]\n default_tgs_enctypes = {list}\n"), 1),
    )
    .expect("write krb5.conf");
    std::env::set_var("KRB5_CONFIG", &conf);
    conf
}

pub fn rows(opts: &Opts) -> Vec<KrbRow> {
    let mut out = Vec::new();
    let names = [
        "krb5_ap_exchange",
        "krb5_wrap_64_sha1",
        "krb5_wrap_16k_sha1",
        "krb5_wrap_64_sha384",
        "krb5_wrap_16k_sha384",
        "nego_krb5_handshake",
    ];
    if !names.iter().any(|n| opts.wants(n)) {
        return out;
    }
    if !std::path::Path::new("/usr/sbin/krb5kdc").exists() {
        eprintln!("krb5: no Kerberos rows (krb5-kdc, krb5-admin-server and krb5-user are needed)");
        return out;
    }
    let realm = krb5::Realm::start("");
    std::env::set_var("KRB5_KTNAME", realm.path("http.keytab"));
    for (enctype, tag) in [("aes256-cts-hmac-sha384-192", "sha384"), ("aes256-cts-hmac-sha1-96", "sha1")] {
        // A ccache of its own per enctype: MIT reuses a cached service ticket of the other one.
        let cc = realm.kinit(&format!("cc-{tag}"));
        std::env::set_var("KRB5CCNAME", format!("FILE:{}", cc.display()));
        use_enctype(&realm, enctype);
        let (Some(mut ours), mit) = (Ours::new(), Mit::new()) else {
            eprintln!("krb5: our Kerberos credentials failed");
            return out;
        };
        let mit = mit.filter(|m| m.handshake().map(|p| m.delete(p)).is_some());
        if mit.is_none() {
            eprintln!("krb5: no MIT column ({enctype})");
        }
        let Some(first) = ours.handshake() else {
            eprintln!("krb5: our handshake failed ({enctype})");
            return out;
        };
        Ours::delete(first);
        if tag == "sha1" {
            out.extend(crate::negotiate::kerberos_row(opts, (krb5::USER, krb5::REALM, krb5::PASSWORD)));
        }
        if tag == "sha1" && opts.wants("krb5_ap_exchange") {
            let mut ops: Vec<(u8, Op<'_>)> = Vec::new();
            let o = &mut ours;
            ops.push((
                0,
                Box::new(move || {
                    Ours::delete(o.handshake().expect("our AP exchange"));
                    1
                }),
            ));
            if let Some(m) = mit.as_ref() {
                ops.push((
                    1,
                    Box::new(move || {
                        m.delete(m.handshake().expect("MIT's AP exchange"));
                        1
                    }),
                ));
            }
            let r = compare_generic(opts, &mut ops);
            out.push(row("krb5_ap_exchange", "exchanges/s", &r));
        }
        for (size, label) in [(64usize, "64"), (16384, "16k")] {
            let name = format!("krb5_wrap_{label}_{tag}");
            if !opts.wants(&name) {
                continue;
            }
            let mut ops: Vec<(u8, Op<'_>)> = Vec::new();
            let (mut c, mut s) = ours.handshake().expect("our handshake");
            let mut buf = vec![0x5a; size];
            let mut tok = vec![0u8; 80];
            ops.push((
                0,
                Box::new(move || {
                    assert!(Ours::wrap_unwrap(&mut c, &mut s, &mut buf, &mut tok), "our wrap/unwrap");
                    size as u64
                }),
            ));
            if let Some(m) = mit.as_ref() {
                let pair = m.handshake();
                if pair.is_none() {
                    eprintln!("krb5: MIT's handshake failed ({enctype}): no MIT column for {name}");
                }
                if let Some((c, s)) = pair {
                    let pair = MitPair(c, s);
                    let mut buf = vec![0x5a; size];
                    if !m.g.wrap_unwrap(c, s, &mut buf) {
                        eprintln!("krb5: MIT's wrap/unwrap failed ({enctype})");
                    }
                    ops.push((
                        1,
                        Box::new(move || {
                            let (c, s) = pair.get();
                            assert!(m.g.wrap_unwrap(c, s, &mut buf), "MIT wrap/unwrap");
                            size as u64
                        }),
                    ));
                }
            }
            let r: Vec<(u8, f64)> =
                compare_generic(opts, &mut ops).into_iter().map(|(k, v)| (k, v / (1024.0 * 1024.0))).collect();
            out.push(row(&name, "MiB/s", &r));
        }
    }
    std::env::remove_var("KRB5_KTNAME");
    std::env::remove_var("KRB5CCNAME");
    std::env::remove_var("KRB5_CONFIG");
    out
}

fn row(name: &str, unit: &'static str, r: &[(u8, f64)]) -> KrbRow {
    let get = |k| r.iter().find(|(i, _)| *i == k).map(|(_, v)| *v);
    KrbRow { name: name.into(), unit, ours: get(0).unwrap_or(0.0), mit: get(1) }
}

pub fn print(rows: &[KrbRow]) {
    if rows.is_empty() {
        return;
    }
    let header =
        format!("{:<24} {:>12} {:>10} {:>10} {:>6}  {:<10} {}", "name", "unit", "ours", "MIT", "x", "goal", "met");
    println!("{header}");
    println!("{}", "-".repeat(header.len()));
    for r in rows {
        let (mv, x, met) = match r.mit.filter(|&v| v > 0.0) {
            Some(v) => (format!("{v:.1}"), format!("{:.3}", r.ours / v), if r.ours / v >= 1.0 { "yes" } else { "NO" }),
            None => ("-".into(), "-".into(), ""),
        };
        println!("{:<24} {:>12} {:>10.1} {:>10} {:>6}  {:<10} {}", r.name, r.unit, r.ours, mv, x, ">=1 MIT", met);
    }
    println!();
}
