//! The CREDSSP package through the exports, both ends ours, in memory: TLS 1.2 from our
//! Schannel, NTLM inside our Negotiate, the public-key binding, the delegated password read
//! back through SECPKG_ATTR_CREDS; then messages over the TLS channel; a wrong password, a
//! man in the middle (another certificate than the one the binding names) and malformed
//! TSRequests refused.

mod common;

use std::sync::Arc;

use secur32::abi::*;
use secur32::entry::attributes::*;
use secur32::entry::contexts::*;
use secur32::entry::packages::FreeContextBuffer;
use secur32::entry::CREDENTIALS;
use secur32::packages::credssp::tsrequest::{PasswordCreds, TsRequest};
use secur32::packages::{self, AcquireRequest, AuthData, CredentialUse, Identity, SchannelCredSpec};

use common::sspi::Step;

const USER: &str = "alice";
const DOMAIN: &str = "EXAMPLE";
const PASSWORD: &str = "s3cret";

fn users_file() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let path = std::env::temp_dir().join(format!("sspi-credssp-users-{}", std::process::id()));
        std::fs::write(&path, format!("{DOMAIN}:{USER}:{PASSWORD}\n")).unwrap();
        std::env::set_var("NTLM_USER_FILE", &path);
        // No Kerberos: Negotiate uses NTLM.
        std::env::set_var("KRB5_CONFIG", "/dev/null");
        std::env::set_var("KRB5CCNAME", "FILE:/nonexistent/ccache");
        std::env::set_var("KRB5_KTNAME", "/nonexistent/keytab");
    });
}

fn identity(password: &str) -> Identity {
    Identity {
        user: USER.into(),
        domain: DOMAIN.into(),
        password: zeroize::Zeroizing::new(password.into()),
        package_list: None,
    }
}

fn acquire(inbound: bool, auth: AuthData) -> Result<CredHandle, i32> {
    let reg = packages::find("CREDSSP").unwrap();
    let c = reg
        .package
        .acquire_credentials(AcquireRequest {
            principal: None,
            usage: CredentialUse { inbound, outbound: !inbound },
            auth,
        })
        .map_err(|e| e.status)?;
    CREDENTIALS.insert(c).map_err(|e| e.status)
}

fn server_cred(id: &common::Identity) -> CredHandle {
    users_file();
    let spec =
        SchannelCredSpec { version: SCHANNEL_CRED_VERSION, certs: vec![common::context_of(id)], ..Default::default() };
    acquire(true, AuthData::CredSsp { schannel: Some(spec), identity: None }).unwrap()
}

fn client_cred(password: &str) -> CredHandle {
    users_file();
    acquire(false, AuthData::CredSsp { schannel: None, identity: Some(identity(password)) }).unwrap()
}

struct Run {
    client: CtxtHandle,
    server: CtxtHandle,
    /// Each leg's token, client's first.
    legs: Vec<Vec<u8>>,
    client_status: i32,
    server_status: i32,
}

/// The loop until both ends are done or one fails (at most 16 legs). `tamper` may change
/// the token of leg `n` on its way.
fn exchange(cc: &mut CredHandle, sc: &mut CredHandle, tamper: &mut dyn FnMut(usize, &mut Vec<u8>)) -> Run {
    let mut r = Run {
        client: SecHandle::default(),
        server: SecHandle::default(),
        legs: Vec::new(),
        client_status: SEC_I_CONTINUE_NEEDED,
        server_status: SEC_I_CONTINUE_NEEDED,
    };
    let mut token: Option<Vec<u8>> = None;
    for leg in 0..16 {
        let client_turn = leg % 2 == 0;
        let (st, mut out, _) = if client_turn {
            let mut s = Step::client(leg == 0, token.as_deref(), "TERMSRV/localhost");
            s.flags = ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM | ISC_REQ_MUTUAL_AUTH | ISC_REQ_DELEGATE;
            s.run(cc, &mut r.client)
        } else {
            let mut s = Step::server(leg == 1, token.as_deref());
            s.flags = ASC_REQ_CONFIDENTIALITY | ASC_REQ_STREAM | ASC_REQ_DELEGATE;
            s.run(sc, &mut r.server)
        };
        if client_turn {
            r.client_status = st;
        } else {
            r.server_status = st;
        }
        tamper(leg, &mut out);
        r.legs.push(out.clone());
        if st < 0 || (r.client_status == SEC_E_OK && r.server_status == SEC_E_OK) {
            break;
        }
        if out.is_empty() {
            break;
        }
        token = Some(out);
    }
    r
}

fn delete(r: &mut Run) {
    unsafe {
        DeleteSecurityContext(&mut r.client);
        DeleteSecurityContext(&mut r.server);
    }
}

#[test]
fn our_client_and_server_delegate_a_password() {
    let pki = common::pki();
    let mut sc = server_cred(&pki.server);
    let mut cc = client_cred(PASSWORD);
    let mut r = exchange(&mut cc, &mut sc, &mut |_, _| {});
    assert_eq!((r.client_status, r.server_status), (SEC_E_OK, SEC_E_OK), "{} legs", r.legs.len());
    // The TLS 1.2 handshake (4 legs), the first TSRequest (NEGOTIATE) when the client's TLS
    // is up, the CHALLENGE, AUTHENTICATE + pubKeyAuth, the server's pubKeyAuth (with SPNEGO's
    // accept-completed), authInfo (the client's SEC_E_OK), the server's SEC_E_OK.
    assert_eq!(r.legs.len(), 10);
    assert!(r.legs[9].is_empty(), "the server's last call sends nothing");
    assert!(!r.legs[8].is_empty(), "the client's last call (SEC_E_OK) sends authInfo");
    assert!(r.legs.iter().all(|l| l.is_empty() || l[0] == 0x16 || l[0] == 0x17 || l[0] == 0x14), "TLS records");
    unsafe {
        // The delegated credentials: SecPkgContext_ClientCreds holding TSCredentials.
        let mut cc_attr = SecPkgContext_ClientCreds { AuthBufferLen: 0, AuthBuffer: core::ptr::null_mut() };
        assert_eq!(
            QueryContextAttributesW(
                &mut r.server,
                SECPKG_ATTR_CREDS,
                (&mut cc_attr as *mut SecPkgContext_ClientCreds).cast()
            ),
            SEC_E_OK
        );
        let der = core::slice::from_raw_parts(cc_attr.AuthBuffer, cc_attr.AuthBufferLen as usize).to_vec();
        assert_eq!(FreeContextBuffer(cc_attr.AuthBuffer.cast()), SEC_E_OK);
        let pc = PasswordCreds::decode_credentials(&der).unwrap();
        assert_eq!((pc.domain.as_str(), pc.user.as_str(), pc.password.as_str()), (DOMAIN, USER, PASSWORD));
        // Not on the client.
        assert_eq!(
            QueryContextAttributesW(
                &mut r.client,
                SECPKG_ATTR_CREDS,
                (&mut cc_attr as *mut SecPkgContext_ClientCreds).cast()
            ),
            SEC_E_UNSUPPORTED_FUNCTION
        );
    }
    // Names, the package inside, package info.
    assert_eq!(common::sspi::names(&mut r.server), format!("{DOMAIN}\\{USER}"));
    unsafe {
        let mut pi = SecPkgContext_PackageInfoW { PackageInfo: core::ptr::null_mut() };
        let p = (&mut pi as *mut SecPkgContext_PackageInfoW).cast();
        assert_eq!(QueryContextAttributesW(&mut r.client, SECPKG_ATTR_NEGOTIATION_PACKAGE, p), SEC_E_OK);
        assert_eq!(common::from_wide_ptr((*pi.PackageInfo).Name), "NTLM");
        assert_eq!(FreeContextBuffer(pi.PackageInfo.cast()), SEC_E_OK);
        assert_eq!(QueryContextAttributesW(&mut r.server, SECPKG_ATTR_PACKAGE_INFO, p), SEC_E_OK);
        assert_eq!(common::from_wide_ptr((*pi.PackageInfo).Name), "CREDSSP");
        assert_eq!((*pi.PackageInfo).cbMaxToken, 90567);
        assert_eq!(FreeContextBuffer(pi.PackageInfo.cast()), SEC_E_OK);
    }
    // Messages over the TLS channel, both ways.
    let sz = common::stream_sizes(&mut r.client);
    assert!(sz.cbHeader > 0 && sz.cbMaximumMessage > 0);
    let wire = common::encrypt(&mut r.client, b"after CredSSP");
    let mut inbox = wire;
    let (st, plain, _) = common::decrypt(&mut r.server, &mut inbox);
    assert_eq!((st, plain.as_slice()), (SEC_E_OK, &b"after CredSSP"[..]));
    let mut inbox = common::encrypt(&mut r.server, b"and back");
    let (st, plain, _) = common::decrypt(&mut r.client, &mut inbox);
    assert_eq!((st, plain.as_slice()), (SEC_E_OK, &b"and back"[..]));
    delete(&mut r);
    common::sspi::free_cred(cc);
    common::sspi::free_cred(sc);
}

#[test]
fn a_wrong_password_is_refused_with_an_error_code() {
    let pki = common::pki();
    let mut sc = server_cred(&pki.server);
    let mut cc = client_cred("not-it");
    let mut r = exchange(&mut cc, &mut sc, &mut |_, _| {});
    assert_eq!(r.server_status, SEC_E_LOGON_DENIED);
    // The server's failure still sent a TSRequest with errorCode; the client reads it.
    let last = r.legs.last().unwrap().clone();
    assert!(!last.is_empty(), "the errorCode TSRequest goes out with the failure");
    let mut s = Step::client(false, Some(&last), "TERMSRV/localhost");
    s.flags = ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM;
    assert_eq!(s.run(&mut cc, &mut r.client).0, SEC_E_LOGON_DENIED);
    delete(&mut r);
    common::sspi::free_cred(cc);
    common::sspi::free_cred(sc);
}

/// One Schannel token-loop call with the exports (TOKEN in, TOKEN out).
fn schannel_step(
    client: bool,
    cred: &mut CredHandle,
    ctx: &mut CtxtHandle,
    first: bool,
    input: Option<&[u8]>,
) -> (i32, Vec<u8>) {
    let (st, out, _) = if client {
        let mut s = Step::client(first, input, "localhost");
        s.flags = ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM;
        s.run(cred, ctx)
    } else {
        let mut s = Step::server(first, input);
        s.flags = ASC_REQ_CONFIDENTIALITY | ASC_REQ_STREAM;
        s.run(cred, ctx)
    };
    (st, out)
}

/// A relay between our CredSSP client and our CredSSP server: it ends the client's TLS with
/// a certificate of its own (as an attacker must) and opens its own TLS to the server,
/// passing the TSRequests through. SPNEGO goes through unharmed, but the client's
/// pubKeyAuth binds the relay's key: the server refuses it (SEC_E_BAD_BINDINGS), and the
/// password is never sent.
#[test]
fn a_man_in_the_middle_breaks_the_binding() {
    let pki = common::pki();
    let mut real = server_cred(&pki.server);
    let mut cc = client_cred(PASSWORD);
    let mut relay_server = common::server_credential(&pki.server_ecdsa, SP_PROT_TLS1_2_SERVER, 0);
    let mut relay_client = common::client_credential(SP_PROT_TLS1_2_CLIENT, SCH_CRED_MANUAL_CRED_VALIDATION);
    let (mut c, mut ms, mut mc, mut s) =
        (SecHandle::default(), SecHandle::default(), SecHandle::default(), SecHandle::default());
    let client = |cc: &mut CredHandle, c: &mut CtxtHandle, first: bool, t: Option<&[u8]>| {
        let mut step = Step::client(first, t, "TERMSRV/localhost");
        step.flags = ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM | ISC_REQ_MUTUAL_AUTH;
        let (st, out, _) = step.run(cc, c);
        (st, out)
    };
    // The client's TLS, ended by the relay.
    let (mut st, mut t) = client(&mut cc, &mut c, true, None);
    let mut first = true;
    let to_client = loop {
        assert_eq!(st, SEC_I_CONTINUE_NEEDED);
        let (mst, u) = schannel_step(false, &mut relay_server, &mut ms, first, Some(&t));
        first = false;
        assert!(mst == SEC_E_OK || mst == SEC_I_CONTINUE_NEEDED, "{mst:#x}");
        (st, t) = client(&mut cc, &mut c, false, Some(&u));
        if mst == SEC_E_OK {
            break t; // the client's first TSRequest, under the relay's TLS
        }
    };
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    // The relay's own TLS to the real server.
    let (mut mst, mut x) = schannel_step(true, &mut relay_client, &mut mc, true, None);
    let mut first = true;
    while mst == SEC_I_CONTINUE_NEEDED {
        let (sst, y) = {
            let mut step = Step::server(first, Some(&x));
            step.flags = ASC_REQ_CONFIDENTIALITY | ASC_REQ_STREAM;
            let (a, b, _) = step.run(&mut real, &mut s);
            (a, b)
        };
        first = false;
        assert_eq!(sst, SEC_I_CONTINUE_NEEDED, "the real server's TLS");
        (mst, x) = schannel_step(true, &mut relay_client, &mut mc, false, Some(&y));
    }
    assert_eq!(mst, SEC_E_OK);
    // Relay TSRequests both ways until someone stops.
    let mut from_client = to_client;
    let (mut server_status, mut client_status) = (SEC_I_CONTINUE_NEEDED, SEC_I_CONTINUE_NEEDED);
    for _ in 0..6 {
        let mut inbox = from_client.clone();
        let (dst, plain, _) = common::decrypt(&mut ms, &mut inbox);
        assert_eq!(dst, SEC_E_OK, "the relay reads the client's TSRequest");
        let forwarded = common::encrypt(&mut mc, &plain);
        let mut step = Step::server(false, Some(&forwarded));
        step.flags = ASC_REQ_CONFIDENTIALITY | ASC_REQ_STREAM;
        let (sst, y, _) = step.run(&mut real, &mut s);
        server_status = sst;
        if sst < 0 {
            break;
        }
        let mut inbox = y;
        let (dst, plain, _) = common::decrypt(&mut mc, &mut inbox);
        assert_eq!(dst, SEC_E_OK);
        let back = common::encrypt(&mut ms, &plain);
        let (cst, t2) = client(&mut cc, &mut c, false, Some(&back));
        client_status = cst;
        if cst != SEC_I_CONTINUE_NEEDED {
            break;
        }
        from_client = t2;
    }
    assert_eq!(server_status, SEC_E_BAD_BINDINGS, "the server saw a binding to another key");
    assert_ne!(client_status, SEC_E_OK, "the client never completed (never sent its password)");
    unsafe {
        for h in [&mut c, &mut ms, &mut mc, &mut s] {
            DeleteSecurityContext(h);
        }
    }
    common::sspi::free_cred(cc);
    common::sspi::free_cred(real);
    common::free_credential(relay_server);
    common::free_credential(relay_client);
}

#[test]
fn malformed_tsrequests_and_tls_garbage_are_refused() {
    let pki = common::pki();
    let mut sc = server_cred(&pki.server);
    let mut cc = client_cred(PASSWORD);
    // Garbage instead of the ClientHello.
    let mut s = SecHandle::default();
    let st = Step::server(true, Some(b"\x16\x03\x01\x00\x05garbage")).run(&mut sc, &mut s).0;
    assert!(st < 0, "{st:#x}");
    // A cut ClientHello: incomplete, no context harm.
    let mut c = SecHandle::default();
    let mut step = Step::client(true, None, "TERMSRV/localhost");
    step.flags = ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM;
    let (st, hello, _) = step.run(&mut cc, &mut c);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    let mut s2 = SecHandle::default();
    assert_eq!(Step::server(true, Some(&hello[..hello.len() / 2])).run(&mut sc, &mut s2).0, SEC_E_INCOMPLETE_MESSAGE);
    unsafe {
        DeleteSecurityContext(&mut c);
        DeleteSecurityContext(&mut s);
        DeleteSecurityContext(&mut s2);
    }
    // A tampered TSRequest record after the handshake: TLS's MAC refuses it.
    let mut r = exchange(&mut cc, &mut sc, &mut |leg, t| {
        if leg == 4 && t.len() > 10 {
            let n = t.len();
            t[n - 3] ^= 0x40;
        }
    });
    assert!(r.server_status < 0, "{:#x}", r.server_status);
    delete(&mut r);
    // TSRequest decoding: a known valid encoding round-trips; trailing junk is refused.
    let mut req = TsRequest::new(6);
    req.nego_tokens.push(vec![1, 2, 3]);
    let enc = req.encode();
    assert_eq!(TsRequest::decode(&enc).unwrap(), req);
    assert_eq!(TsRequest::decode(&[enc.clone(), vec![0]].concat()).unwrap_err().status, SEC_E_INVALID_TOKEN);
    let _ = Arc::new(());
    common::sspi::free_cred(cc);
    common::sspi::free_cred(sc);
}

/// With an SCHANNEL_CRED that asks for validation, the client checks the server's
/// certificate (the test CA is trusted; the name comes from the target's host part): the right
/// name passes, another is refused — unless the caller asks ISC_REQ_MANUAL_CRED_VALIDATION,
/// which leaves the certificate to it (SECPKG_ATTR_REMOTE_CERT_CONTEXT).
#[test]
fn the_server_certificate_is_checked_when_the_credential_asks() {
    let pki = common::pki();
    let mut sc = server_cred(&pki.server);
    let validating = SchannelCredSpec { version: SCHANNEL_CRED_VERSION, ..Default::default() };
    let mut cc =
        acquire(false, AuthData::CredSsp { schannel: Some(validating), identity: Some(identity(PASSWORD)) }).unwrap();
    let run = |cc: &mut CredHandle, sc: &mut CredHandle, target: &str, manual: bool| -> (i32, CtxtHandle) {
        let (mut c, mut s) = (SecHandle::default(), SecHandle::default());
        let mut token: Option<Vec<u8>> = None;
        let mut cst = SEC_I_CONTINUE_NEEDED;
        for leg in 0..16 {
            let (st, out, _) = if leg % 2 == 0 {
                let mut step = Step::client(leg == 0, token.as_deref(), target);
                step.flags = ISC_REQ_CONFIDENTIALITY | if manual { ISC_REQ_MANUAL_CRED_VALIDATION } else { 0 };
                let r = step.run(cc, &mut c);
                cst = r.0;
                r
            } else {
                Step::server(leg == 1, token.as_deref()).run(sc, &mut s)
            };
            if st < 0 || (cst == SEC_E_OK && leg % 2 == 1) {
                break;
            }
            token = Some(out);
        }
        unsafe { DeleteSecurityContext(&mut s) };
        (cst, c)
    };
    let (st, mut c) = run(&mut cc, &mut sc, "TERMSRV/localhost", false);
    assert_eq!(st, SEC_E_OK, "the certificate names localhost");
    unsafe { DeleteSecurityContext(&mut c) };
    let (st, mut c) = run(&mut cc, &mut sc, "TERMSRV/other.example", false);
    assert_eq!(st, SEC_E_WRONG_PRINCIPAL, "another name: {st:#x}");
    unsafe { DeleteSecurityContext(&mut c) };
    let (st, mut c) = run(&mut cc, &mut sc, "TERMSRV/other.example", true);
    assert_eq!(st, SEC_E_OK, "ISC_REQ_MANUAL_CRED_VALIDATION leaves it to the caller");
    unsafe {
        let mut p: PCCERT_CONTEXT = core::ptr::null();
        assert_eq!(
            QueryContextAttributesW(&mut c, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (&mut p as *mut PCCERT_CONTEXT).cast()),
            SEC_E_OK
        );
        assert!(!p.is_null());
        assert!(secur32::certs::release_ptr(p));
        DeleteSecurityContext(&mut c);
    }
    common::sspi::free_cred(cc);
    common::sspi::free_cred(sc);
}
