//! The SASL wrappers through the exports, against a real MIT KDC: the GSSAPI profile's
//! security-layer exchange (RFC 4752) with each layer, mutual authentication and not, the
//! options, authorization ids, the layer applied to messages; GSS-SPNEGO's plain loop; the
//! profile functions; and the documented errors.

mod common;

use core::ffi::c_void;
use core::ptr::null_mut;
use std::sync::Mutex;

use common::krb5::{Realm, PASSWORD, REALM, USER};
use common::sspi::{acquire, free_cred, seal, unseal, Step, ASC_FLAGS, ISC_FLAGS};
use common::wide;
use secur32::abi::*;
use secur32::entry::contexts::DeleteSecurityContext;
use secur32::entry::packages::FreeContextBuffer;
use secur32::entry::sasl::*;

static ENV: Mutex<()> = Mutex::new(());

const TARGET: &str = "HTTP/localhost";

struct Run {
    c: CtxtHandle,
    s: CtxtHandle,
    /// Each leg's token, client's first (empty ones included: SASL sends them).
    legs: Vec<Vec<u8>>,
}

impl Drop for Run {
    fn drop(&mut self) {
        unsafe {
            DeleteSecurityContext(&mut self.c);
            DeleteSecurityContext(&mut self.s);
        }
    }
}

/// The SASL exchange between our client and server: client first, each token to the other
/// side, until both said SEC_E_OK. `server_setup` runs on the server context after its
/// first call (to set options).
fn exchange(
    cc: &mut CredHandle,
    sc: &mut CredHandle,
    isc: ULONG,
    asc: ULONG,
    mut client_setup: impl FnMut(&mut CtxtHandle),
    mut server_setup: impl FnMut(&mut CtxtHandle),
) -> Result<Run, (usize, i32)> {
    let mut r = Run { c: SecHandle::default(), s: SecHandle::default(), legs: vec![] };
    let (mut c_done, mut s_done) = (false, false);
    let mut token: Option<Vec<u8>> = None;
    for leg in 0..10 {
        if c_done && s_done {
            return Ok(r);
        }
        let client = leg % 2 == 0;
        let (st, out, _) = if client {
            let mut step = Step::client(leg == 0, token.as_deref(), TARGET);
            step.flags = isc;
            step.sasl = true;
            let x = step.run(cc, &mut r.c);
            if leg == 0 {
                client_setup(&mut r.c);
            }
            x
        } else {
            let mut step = Step::server(leg == 1, Some(token.as_deref().unwrap_or(&[])));
            step.flags = asc;
            step.sasl = true;
            let x = step.run(sc, &mut r.s);
            if leg == 1 {
                server_setup(&mut r.s);
            }
            x
        };
        match st {
            SEC_E_OK => {
                if client {
                    c_done = true
                } else {
                    s_done = true
                }
            }
            SEC_I_CONTINUE_NEEDED => {}
            e => return Err((leg, e)),
        }
        r.legs.push(out.clone());
        token = Some(out);
        if c_done && s_done {
            return Ok(r);
        }
        if (client && c_done && token.as_ref().is_some_and(|t| t.is_empty()))
            || (!client && s_done && token.as_ref().is_some_and(|t| t.is_empty()))
        {
            // Done with nothing more to send: the other side must be done too.
            return if c_done && s_done { Ok(r) } else { Err((leg, SEC_E_INTERNAL_ERROR)) };
        }
    }
    Err((10, SEC_E_INTERNAL_ERROR))
}

fn get_u32(ctx: &mut CtxtHandle, option: ULONG) -> u32 {
    let mut v = 0u32;
    let mut needed = 0;
    let st = unsafe { SaslGetContextOption(ctx, option, (&mut v as *mut u32).cast(), 4, &mut needed) };
    assert_eq!((st, needed), (SEC_E_OK, 4));
    v
}

fn set(ctx: &mut CtxtHandle, option: ULONG, value: &[u8]) -> i32 {
    let mut v = value.to_vec();
    unsafe { SaslSetContextOption(ctx, option, v.as_mut_ptr().cast(), v.len() as u32) }
}

fn realm_env() -> Realm {
    let realm = Realm::start("");
    std::env::set_var("KRB5_CONFIG", &realm.krb5_conf);
    std::env::set_var("KRB5_KTNAME", realm.path("http.keytab"));
    realm
}

#[test]
fn gssapi_profile_layers_mutual_and_not() {
    let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let _realm = realm_env();
    let mut cc = acquire("Kerberos", Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
    let mut sc = acquire("Kerberos", None, SECPKG_CRED_INBOUND).unwrap();
    // What the client asks for decides the layer: confidentiality, integrity, none.
    for (isc, layer) in [
        (ISC_FLAGS, 4u8),
        (ISC_FLAGS & !ISC_REQ_CONFIDENTIALITY, 2),
        (ISC_REQ_MUTUAL_AUTH | ISC_REQ_SEQUENCE_DETECT, 1),
    ] {
        let mut r = exchange(&mut cc, &mut sc, isc, ASC_FLAGS, |_| {}, |_| {}).unwrap();
        // AP-REQ, AP-REP, the client's empty answer, the server's block, the client's block,
        // and the server's empty last word.
        assert_eq!(r.legs.len(), 6, "{:?}", r.legs.iter().map(Vec::len).collect::<Vec<_>>());
        assert!(r.legs[2].is_empty(), "the client's empty answer to the AP-REP");
        assert!(r.legs[5].is_empty());
        assert_eq!(get_u32(&mut r.s, SASL_OPTION_SEND_SIZE), 0x10000, "the client's maximum");
        assert_eq!(get_u32(&mut r.c, SASL_OPTION_SEND_SIZE), 0x10000, "the server's maximum");
        // Messages after the exchange: under integrity, EncryptMessage does not encrypt.
        let (st, tok, ct) = seal(&mut r.c, 0, b"protected by the layer");
        assert_eq!(st, SEC_E_OK);
        assert_eq!(ct == b"protected by the layer", layer == 2, "layer {layer}: plaintext only under integrity");
        let (st, pt, qop) = unseal(&mut r.s, &tok, &ct);
        assert_eq!((st, &pt[..]), (SEC_E_OK, &b"protected by the layer"[..]));
        assert_eq!(qop == SECQOP_WRAP_NO_ENCRYPT, layer == 2);
        if layer == 4 {
            // Under confidentiality, an unencrypted message is a downgrade.
            let (st, tok, ct) = seal(&mut r.c, SECQOP_WRAP_NO_ENCRYPT, b"downgraded");
            assert_eq!(st, SEC_E_OK);
            assert_eq!(unseal(&mut r.s, &tok, &ct).0, SEC_E_MESSAGE_ALTERED);
        }
    }
    // Without mutual authentication: no AP-REP, so the server's block follows the AP-REQ.
    let r = exchange(&mut cc, &mut sc, ISC_FLAGS & !ISC_REQ_MUTUAL_AUTH, ASC_FLAGS, |_| {}, |_| {}).unwrap();
    assert_eq!(r.legs.len(), 4, "AP-REQ, the server's block, the client's block, the last empty word");
    drop(r);
    free_cred(cc);
    free_cred(sc);
    std::env::remove_var("KRB5_KTNAME");
}

#[test]
fn options_and_authorization_ids() {
    let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let _realm = realm_env();
    let mut cc = acquire("Kerberos", Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
    let mut sc = acquire("Kerberos", None, SECPKG_CRED_INBOUND).unwrap();
    // An authzid with authz processing forbidden (the default): SEC_E_ALGORITHM_MISMATCH.
    let e = exchange(
        &mut cc,
        &mut sc,
        ISC_FLAGS,
        ASC_FLAGS,
        |c| assert_eq!(set(c, SASL_OPTION_AUTHZ_STRING, b"u:admin"), SEC_E_OK),
        |_| {},
    )
    .err();
    assert_eq!(e, Some((5, SEC_E_ALGORITHM_MISMATCH)));
    // Processed: the server reads it; RECV_SIZE set on both sides reaches the peer.
    let mut r = exchange(
        &mut cc,
        &mut sc,
        ISC_FLAGS,
        ASC_FLAGS,
        |c| {
            assert_eq!(set(c, SASL_OPTION_AUTHZ_STRING, b"u:admin"), SEC_E_OK);
            assert_eq!(set(c, SASL_OPTION_RECV_SIZE, &4096u32.to_ne_bytes()), SEC_E_OK);
        },
        |s| {
            assert_eq!(set(s, SASL_OPTION_AUTHZ_PROCESSING, &1u32.to_ne_bytes()), SEC_E_OK);
            assert_eq!(set(s, SASL_OPTION_RECV_SIZE, &8192u32.to_ne_bytes()), SEC_E_OK);
        },
    )
    .unwrap();
    assert_eq!(get_u32(&mut r.s, SASL_OPTION_SEND_SIZE), 4096);
    assert_eq!(get_u32(&mut r.c, SASL_OPTION_SEND_SIZE), 8192);
    let mut buf = [0u8; 32];
    let mut needed = 0;
    let st =
        unsafe { SaslGetContextOption(&mut r.s, SASL_OPTION_AUTHZ_STRING, buf.as_mut_ptr().cast(), 32, &mut needed) };
    assert_eq!((st, &buf[..needed as usize]), (SEC_E_OK, &b"u:admin"[..]));
    // Too small a buffer, an unknown option, bad values, a context not made by the wrappers.
    let st =
        unsafe { SaslGetContextOption(&mut r.s, SASL_OPTION_AUTHZ_STRING, buf.as_mut_ptr().cast(), 3, &mut needed) };
    assert_eq!((st, needed), (SEC_E_BUFFER_TOO_SMALL, 7));
    assert_eq!(set(&mut r.s, 99, &[0; 4]), SEC_E_UNSUPPORTED_FUNCTION);
    assert_eq!(set(&mut r.s, SASL_OPTION_RECV_SIZE, &[0; 2]), SEC_E_BUFFER_TOO_SMALL);
    assert_eq!(set(&mut r.s, SASL_OPTION_AUTHZ_PROCESSING, &7u32.to_ne_bytes()), SEC_E_INVALID_PARAMETER);
    let mut plain = SecHandle::default();
    let (st, _, _) = Step::client(true, None, TARGET).run(&mut cc, &mut plain);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    assert_eq!(set(&mut plain, SASL_OPTION_RECV_SIZE, &[0; 4]), SEC_E_INVALID_HANDLE);
    assert_eq!(unsafe { SaslSetContextOption(null_mut(), 1, null_mut(), 0) }, SEC_E_INVALID_HANDLE);
    unsafe { DeleteSecurityContext(&mut plain) };
    // No token buffer in pOutput: SEC_E_INVALID_TOKEN, before anything happens.
    let mut h = SecHandle::default();
    let mut t = wide(TARGET);
    let mut data = [0u8; 8];
    let mut ob = [SecBuffer { cbBuffer: 8, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() }];
    let mut od = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: ob.as_mut_ptr() };
    let mut attrs = 0;
    let st = unsafe {
        SaslInitializeSecurityContextW(
            &mut cc,
            null_mut(),
            t.as_mut_ptr(),
            ISC_FLAGS,
            0,
            0,
            null_mut(),
            0,
            &mut h,
            &mut od,
            &mut attrs,
            null_mut(),
        )
    };
    assert_eq!(st, SEC_E_INVALID_TOKEN);
    drop(r);
    free_cred(cc);
    free_cred(sc);
    std::env::remove_var("KRB5_KTNAME");
}

#[test]
fn gss_spnego_profile_is_the_plain_loop() {
    let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let _realm = realm_env();
    let mut cc = acquire("Negotiate", Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
    let mut sc = acquire("Negotiate", None, SECPKG_CRED_INBOUND).unwrap();
    let r = exchange(&mut cc, &mut sc, ISC_FLAGS, ASC_FLAGS, |_| {}, |_| {}).unwrap();
    // NegTokenInit with the AP-REQ, accept-completed with the AP-REP; no security-layer blocks.
    assert_eq!(r.legs.len(), 3);
    assert!(r.legs[2].is_empty());
    drop(r);
    free_cred(cc);
    free_cred(sc);
    std::env::remove_var("KRB5_KTNAME");
}

#[test]
fn profile_functions() {
    let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    unsafe {
        let mut list: *mut SEC_WCHAR = null_mut();
        let mut n = 0;
        assert_eq!(SaslEnumerateProfilesW(&mut list, &mut n), SEC_E_OK);
        assert_eq!(n, 2);
        let mut names = Vec::new();
        let mut p = list;
        while *p != 0 {
            let s = common::from_wide_ptr(p);
            p = p.add(s.encode_utf16().count() + 1);
            names.push(s);
        }
        assert_eq!(names, ["GSSAPI", "GSS-SPNEGO"]);
        assert_eq!(FreeContextBuffer(list.cast()), SEC_E_OK);
        let mut alist: *mut SEC_CHAR = null_mut();
        assert_eq!(SaslEnumerateProfilesA(&mut alist, &mut n), SEC_E_OK);
        assert_eq!(core::slice::from_raw_parts(alist.cast::<u8>(), 19), b"GSSAPI\0GSS-SPNEGO\0\0");
        assert_eq!(FreeContextBuffer(alist.cast()), SEC_E_OK);
        assert_eq!(SaslEnumerateProfilesA(null_mut(), &mut n), SEC_E_INVALID_PARAMETER);

        for (profile, package) in [("GSSAPI", "Kerberos"), ("gss-spnego", "Negotiate")] {
            let mut info: PSecPkgInfoW = null_mut();
            let mut name = wide(profile);
            assert_eq!(SaslGetProfilePackageW(name.as_mut_ptr(), &mut info), SEC_E_OK);
            assert_eq!(common::from_wide_ptr((*info).Name), package);
            assert_eq!(FreeContextBuffer(info.cast()), SEC_E_OK);
        }
        let mut info: PSecPkgInfoA = null_mut();
        let mut name = *b"DIGEST-MD5\0";
        assert_eq!(SaslGetProfilePackageA(name.as_mut_ptr().cast(), &mut info), SEC_E_SECPKG_NOT_FOUND);
        assert!(info.is_null());

        // SaslIdentifyPackage on a client's first token.
        let id = |token: &[u8]| -> Result<String, i32> {
            let mut t = token.to_vec();
            let mut b = [SecBuffer {
                cbBuffer: t.len() as u32,
                BufferType: SECBUFFER_TOKEN,
                pvBuffer: t.as_mut_ptr().cast::<c_void>(),
            }];
            let mut d = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: b.as_mut_ptr() };
            let mut info: PSecPkgInfoW = null_mut();
            let st = SaslIdentifyPackageW(&mut d, &mut info);
            if st != SEC_E_OK {
                return Err(st);
            }
            let n = common::from_wide_ptr((*info).Name);
            FreeContextBuffer(info.cast());
            Ok(n)
        };
        let krb = [0x60, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00];
        assert_eq!(id(&krb).as_deref(), Ok("Kerberos"));
        let spnego = secur32::packages::negotiate::spnego::encode_init(
            &secur32::packages::negotiate::spnego::mech_type_list(&[secur32::packages::negotiate::spnego::NTLM_OID]),
            None,
            None,
        );
        assert_eq!(id(&spnego).as_deref(), Ok("Negotiate"));
        assert_eq!(id(b"NTLMSSP\0\x01\0\0\0"), Err(SEC_E_SECPKG_NOT_FOUND));
        assert_eq!(id(b"garbage"), Err(SEC_E_SECPKG_NOT_FOUND));
    }
}
