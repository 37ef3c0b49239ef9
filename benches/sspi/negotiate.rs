//! Negotiate rows: whole SPNEGO handshakes (initiator and acceptor in one
//! process, contexts deleted) for our Negotiate package and for MIT's SPNEGO
//! (`libgssapi_krb5.so.2` through `dlopen`, mech 1.3.6.1.5.5.2), in one run:
//!
//! * `nego_krb5_handshake`: Kerberos inside SPNEGO, mutual authentication, the
//!   service ticket already cached (ours in the credential, MIT's in its
//!   ccache), on the throwaway realm the Kerberos rows start;
//! * `nego_ntlm_handshake`: NTLM inside SPNEGO (four legs with both
//!   mechListMICs), gss-ntlmssp for MIT (its users from the NTLM rows' user file).
//!
//! Goals: at least 1.0x MIT; reported, never failed.

use core::ptr::null_mut;

use secur32::abi::*;

use crate::kerberos::KrbRow;
use crate::ntlm::{oid, Gss, GssBuffer, GssOid, GssOidSet, Ptr, NT_HOSTBASED};
use crate::{compare_generic, Op, Opts};

#[path = "../../tests/common/sspi.rs"]
mod sspi;

pub(crate) fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(Some(0)).collect()
}

/// # Safety
/// `p` points at a NUL-terminated UTF-16 string.
pub(crate) unsafe fn from_wide_ptr(p: *const u16) -> String {
    let mut len = 0;
    // SAFETY: per the contract.
    while unsafe { *p.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: as above.
    String::from_utf16_lossy(unsafe { core::slice::from_raw_parts(p, len) })
}

const SPNEGO_OID: [u8; 6] = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
const NT_USER_NAME: [u8; 10] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x01, 0x01];

fn spnego() -> GssOid {
    GssOid { length: 6, elements: SPNEGO_OID.as_ptr().cast() }
}

/// Our Negotiate credentials and the target that picks the mechanism.
struct Ours {
    client: CredHandle,
    server: CredHandle,
    target: &'static str,
}

impl Ours {
    fn new(
        client: Option<(&str, &str, &str)>,
        server: Option<(&str, &str, &str)>,
        target: &'static str,
    ) -> Option<Ours> {
        let client = sspi::acquire("Negotiate", client, SECPKG_CRED_OUTBOUND).ok()?;
        let server = sspi::acquire("Negotiate", server, SECPKG_CRED_INBOUND).ok()?;
        Some(Ours { client, server, target })
    }

    fn handshake(&mut self) -> bool {
        sspi::handshake(&mut self.client, &mut self.server, self.target, sspi::ISC_FLAGS).is_ok()
    }
}

impl Drop for Ours {
    fn drop(&mut self) {
        sspi::free_cred(self.client);
        sspi::free_cred(self.server);
    }
}

/// MIT's SPNEGO credentials.
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

impl Mit {
    /// `password`: an NTLM initiator identity (gss-ntlmssp); None: the default ccache.
    fn new(password: Option<(&str, &str)>, target: &str) -> Option<Mit> {
        let g = Gss::load()?;
        let target = g.name(target, &oid(&NT_HOSTBASED))?;
        let mech = spnego();
        let set = GssOidSet { count: 1, elements: &mech };
        let (mut client, mut server): (Ptr, Ptr) = (null_mut(), null_mut());
        let mut minor = 0;
        // SAFETY: valid pointers; GSS_C_INITIATE = 1, GSS_C_ACCEPT = 2.
        let ok = unsafe {
            let c = match password {
                Some((user, pw)) => {
                    let name = g.name(user, &oid(&NT_USER_NAME))?;
                    let mut p = pw.as_bytes().to_vec();
                    let mut pb = GssBuffer { length: p.len(), value: p.as_mut_ptr().cast() };
                    (g.acquire_pw)(&mut minor, name, &mut pb, 0, &set, 1, &mut client, null_mut(), null_mut())
                }
                None => (g.acquire)(&mut minor, null_mut(), 0, &set, 1, &mut client, null_mut(), null_mut()),
            };
            c == 0 && (g.acquire)(&mut minor, null_mut(), 0, &set, 2, &mut server, null_mut(), null_mut()) == 0
        };
        ok.then_some(Mit { g, client, server, target })
    }

    /// The SPNEGO loop until both sides complete (at most eight legs); the contexts are deleted.
    fn handshake(&self) -> bool {
        let g = &self.g;
        let (mut c, mut s): (Ptr, Ptr) = (null_mut(), null_mut());
        let mech = spnego();
        let mut minor = 0;
        // MUTUAL 2 | INTEG 32 | CONF 16 | REPLAY 4 | SEQUENCE 8.
        let flags = 2 | 32 | 16 | 4 | 8;
        let mut token = GssBuffer { length: 0, value: null_mut() };
        let (mut c_done, mut s_done) = (false, false);
        let mut ok = true;
        for leg in 0..8 {
            if c_done && s_done {
                break;
            }
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
            match st {
                0 if leg % 2 == 0 => c_done = true,
                0 => s_done = true,
                1 => {}
                _ => {
                    ok = false;
                    break;
                }
            }
            if token.length == 0 && !(c_done && s_done) {
                ok = false;
                break;
            }
        }
        // SAFETY: as above; live (or null) contexts.
        unsafe {
            (g.release_buffer)(&mut minor, &mut token);
            (g.delete)(&mut minor, &mut c, null_mut());
            (g.delete)(&mut minor, &mut s, null_mut());
        }
        ok && c_done && s_done
    }
}

fn measure(opts: &Opts, name: &str, ours: &mut Ours, mit: Option<&Mit>) -> KrbRow {
    let mut ops: Vec<(u8, Op<'_>)> = Vec::new();
    ops.push((
        0,
        Box::new(move || {
            assert!(ours.handshake(), "our Negotiate handshake");
            1
        }),
    ));
    if let Some(m) = mit {
        ops.push((
            1,
            Box::new(move || {
                assert!(m.handshake(), "MIT's SPNEGO handshake");
                1
            }),
        ));
    }
    let r = compare_generic(opts, &mut ops);
    let get = |k| r.iter().find(|(i, _)| *i == k).map(|(_, v)| *v);
    KrbRow { name: name.into(), unit: "handshakes/s", ours: get(0).unwrap_or(0.0), mit: get(1) }
}

/// The Kerberos row, on the realm the Kerberos rows made (KRB5_CONFIG, KRB5_KTNAME and
/// KRB5CCNAME already set by the caller).
pub fn kerberos_row(opts: &Opts, user: (&str, &str, &str)) -> Option<KrbRow> {
    let name = "nego_krb5_handshake";
    if !opts.wants(name) {
        return None;
    }
    let Some(mut ours) = Ours::new(Some(user), None, "HTTP/localhost") else {
        eprintln!("nego: our Negotiate (Kerberos) credentials failed");
        return None;
    };
    if !ours.handshake() {
        eprintln!("nego: our Negotiate (Kerberos) handshake failed");
        return None;
    }
    let mit = Mit::new(None, "HTTP@localhost").filter(Mit::handshake);
    if mit.is_none() {
        eprintln!("nego: no MIT column (Kerberos)");
    }
    Some(measure(opts, name, &mut ours, mit.as_ref()))
}

/// The NTLM row: the acceptors' user in the NTLM rows' user file; no Kerberos configuration
/// (`KRB5_CONFIG=/dev/null`), so MIT's SPNEGO skips krb5 and nothing leaves the machine.
pub fn ntlm_row(opts: &Opts) -> Option<KrbRow> {
    let name = "nego_ntlm_handshake";
    if !opts.wants(name) {
        return None;
    }
    let (user, domain, password) = (crate::ntlm::USER, crate::ntlm::DOMAIN, crate::ntlm::PASSWORD);
    let file = crate::ntlm::user_file();
    let saved = std::env::var_os("KRB5_CONFIG");
    std::env::set_var("KRB5_CONFIG", "/dev/null");
    let row = ntlm_row_in(opts, name, (user, domain, password));
    match saved {
        Some(v) => std::env::set_var("KRB5_CONFIG", v),
        None => std::env::remove_var("KRB5_CONFIG"),
    }
    let _ = std::fs::remove_file(file);
    row
}

fn ntlm_row_in(opts: &Opts, name: &str, (user, domain, password): (&str, &str, &str)) -> Option<KrbRow> {
    let id = (user, domain, password);
    let mut ours = Ours::new(Some(id), Some(id), "localhost")?;
    if !ours.handshake() {
        eprintln!("nego: our Negotiate (NTLM) handshake failed");
        return None;
    }
    let mit = if std::path::Path::new("/usr/lib/x86_64-linux-gnu/gssntlmssp/gssntlmssp.so").exists() {
        Mit::new(Some((&format!("{domain}\\{user}"), password)), "HTTP@localhost").filter(Mit::handshake)
    } else {
        None
    };
    if mit.is_none() {
        eprintln!("nego: no MIT column (NTLM: gss-ntlmssp)");
    }
    Some(measure(opts, name, &mut ours, mit.as_ref()))
}
