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
        assert_eq!(n, 3);
        let mut names = Vec::new();
        let mut p = list;
        while *p != 0 {
            let s = common::from_wide_ptr(p);
            p = p.add(s.encode_utf16().count() + 1);
            names.push(s);
        }
        assert_eq!(names, ["GSSAPI", "GSS-SPNEGO", "DIGEST-MD5"]);
        assert_eq!(FreeContextBuffer(list.cast()), SEC_E_OK);
        let mut alist: *mut SEC_CHAR = null_mut();
        assert_eq!(SaslEnumerateProfilesA(&mut alist, &mut n), SEC_E_OK);
        assert_eq!(core::slice::from_raw_parts(alist.cast::<u8>(), 30), b"GSSAPI\0GSS-SPNEGO\0DIGEST-MD5\0\0");
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
        let mut name = *b"PLAIN\0";
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

/// Cyrus SASL's sample programs (Debian `sasl2-bin` with the GSSAPI plugin) as the peer: they
/// speak "S: " / "C: " base64 lines on stdin / stdout. After the exchange the server sends one
/// message and the client answers one, each `sasl_encode`d: a 4-byte length and a GSS wrap
/// token under integrity or confidentiality, the bytes themselves with no layer.
mod cyrus {
    use super::*;
    use common::krb5::{b64, unb64};
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Child, ChildStdin, Command, Stdio};
    use std::sync::mpsc::{channel, Receiver};
    use std::time::Duration;

    struct Sample {
        child: Child,
        stdin: ChildStdin,
        lines: Receiver<String>,
        log: Vec<String>,
    }

    impl Sample {
        fn start(realm: &Realm, program: &str, args: &[&str]) -> Option<Sample> {
            if !std::path::Path::new("/usr/lib/x86_64-linux-gnu/sasl2/libgssapiv2.so").exists() {
                eprintln!("skipped: Cyrus SASL's GSSAPI plugin (libsasl2-modules-gssapi-mit) is missing");
                return None;
            }
            let mut child = Command::new("stdbuf")
                .arg("-oL")
                .arg(program)
                .args(args)
                .env("KRB5_CONFIG", &realm.krb5_conf)
                .env("KRB5_KTNAME", realm.path("http.keytab"))
                .env("KRB5CCNAME", format!("FILE:{}", realm.path("sample-cc").display()))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("{program}: {e} (install sasl2-bin)"));
            let stdin = child.stdin.take().unwrap();
            let out = child.stdout.take().unwrap();
            let (tx, lines) = channel();
            std::thread::spawn(move || {
                // Raw lines: the samples print the binary they decode ("got '\x05\x04...'").
                let mut r = BufReader::new(out);
                let mut buf = Vec::new();
                while r.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
                    let l = String::from_utf8_lossy(&buf).trim_end_matches('\n').to_string();
                    buf.clear();
                    if tx.send(l).is_err() {
                        break;
                    }
                }
            });
            Some(Sample { child, stdin, lines, log: vec![] })
        }

        /// The next line starting with `prefix` ("S: " or "C: "), decoded.
        fn expect(&mut self, prefix: &str) -> Vec<u8> {
            loop {
                let l = self
                    .lines
                    .recv_timeout(Duration::from_secs(20))
                    .unwrap_or_else(|_| panic!("no {prefix:?} line from the sample program; it said: {:#?}", self.log));
                self.log.push(l.clone());
                if let Some(rest) = l.strip_prefix(prefix) {
                    return if rest.is_empty() { Vec::new() } else { unb64(rest) };
                }
                if l == prefix.trim_end() {
                    return Vec::new();
                }
            }
        }

        /// Waits for a line containing `text`.
        fn expect_text(&mut self, text: &str) {
            loop {
                let l = self.lines.recv_timeout(Duration::from_secs(20)).unwrap_or_else(|_| {
                    let status = self.child.try_wait();
                    panic!("no line with {text:?} (status {status:?}); the program said: {:#?}", self.log)
                });
                self.log.push(l.clone());
                if l.contains(text) {
                    return;
                }
            }
        }

        fn send(&mut self, prefix: &str, data: &[u8]) {
            let line = if data.is_empty() { prefix.to_string() } else { format!("{prefix}{}", b64(data)) };
            writeln!(self.stdin, "{line}").unwrap();
            self.stdin.flush().unwrap();
        }

        fn finish(mut self) -> i32 {
            drop(self.stdin);
            let status = self.child.wait().unwrap();
            status.code().unwrap_or(-1)
        }
    }

    /// `sasl_encode` on our side: the 4-byte length, then the wrap token (token || data).
    fn encode(ctx: &mut CtxtHandle, msg: &[u8], layer: u8) -> Vec<u8> {
        if layer == 1 {
            return msg.to_vec();
        }
        let (st, tok, ct) = seal(ctx, 0, msg);
        assert_eq!(st, SEC_E_OK);
        let w = [tok, ct].concat();
        [&(w.len() as u32).to_be_bytes()[..], &w].concat()
    }

    fn decode(ctx: &mut CtxtHandle, wire: &[u8], layer: u8) -> Vec<u8> {
        if layer == 1 {
            return wire.to_vec();
        }
        let n = u32::from_be_bytes(wire[..4].try_into().unwrap()) as usize;
        assert_eq!(n, wire.len() - 4, "one whole sasl_encode'd buffer");
        let (st, pt) = common::sspi::unseal_stream_any(ctx, &wire[4..]);
        assert_eq!(st, SEC_E_OK, "DecryptMessage of the sample's message");
        pt
    }

    /// (-b bounds, the layer both sides end with)
    const LAYERS: [(&str, u8); 3] = [("min=0,max=256", 4), ("min=1,max=1", 2), ("min=0,max=0", 1)];

    #[test]
    fn our_client_against_sasl_sample_server() {
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let realm = realm_env();
        let mut cc = acquire("Kerberos", Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
        for (bounds, layer) in LAYERS {
            let Some(mut srv) = Sample::start(
                &realm,
                "sasl-sample-server",
                &["-s", "HTTP", "-d", "localhost", "-m", "GSSAPI", "-b", bounds],
            ) else {
                return;
            };
            assert_eq!(srv.expect("S: "), b"GSSAPI", "the mechanism list");
            let mut c = SecHandle::default();
            let mut step = Step::client(true, None, "HTTP/localhost");
            step.sasl = true;
            let (st, t1, _) = step.run(&mut cc, &mut c);
            assert_eq!(st, SEC_I_CONTINUE_NEEDED);
            srv.send("C: ", &[&b"GSSAPI\0"[..], &t1].concat());
            let mut st = SEC_I_CONTINUE_NEEDED;
            while st == SEC_I_CONTINUE_NEEDED {
                let challenge = srv.expect("S: ");
                let mut step = Step::client(false, Some(&challenge), "HTTP/localhost");
                step.sasl = true;
                let (s, out, _) = step.run(&mut cc, &mut c);
                assert!(s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED, "{s:#x} ({bounds})");
                srv.send("C: ", &out);
                st = s;
            }
            srv.expect_text("Negotiation complete");
            let m = srv.expect("S: ");
            // The samples send their strings with the C NUL.
            assert_eq!(decode(&mut c, &m, layer), b"srv message 1\0", "{bounds}");
            srv.send("C: ", &encode(&mut c, b"client message 1", layer));
            srv.expect_text("recieved decoded message 'client message 1'");
            assert_eq!(srv.finish(), 0, "{bounds}");
            unsafe { DeleteSecurityContext(&mut c) };
        }
        free_cred(cc);
        std::env::remove_var("KRB5_KTNAME");
    }

    #[test]
    fn sasl_sample_client_against_our_server() {
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let realm = realm_env();
        realm.kinit("sample-cc");
        let mut sc = acquire("Kerberos", None, SECPKG_CRED_INBOUND).unwrap();
        for (bounds, layer) in LAYERS {
            let Some(mut cli) = Sample::start(
                &realm,
                "sasl-sample-client",
                &["-s", "HTTP", "-n", "localhost", "-m", "GSSAPI", "-b", bounds],
            ) else {
                return;
            };
            cli.send("S: ", b"GSSAPI");
            let first = cli.expect("C: ");
            let t1 = first.strip_prefix(b"GSSAPI\0").expect("the mechanism, NUL, the initial response").to_vec();
            let mut s = SecHandle::default();
            let mut token = t1;
            let mut first_call = true;
            loop {
                let mut step = Step::server(first_call, Some(&token));
                step.sasl = true;
                first_call = false;
                let (st, out, _) = step.run(&mut sc, &mut s);
                assert!(st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED, "{st:#x} ({bounds})");
                if st == SEC_E_OK {
                    assert!(out.is_empty());
                    break;
                }
                cli.send("S: ", &out);
                token = cli.expect("C: ");
            }
            cli.expect_text("Negotiation complete");
            cli.send("S: ", &encode(&mut s, b"srv message 1", layer));
            cli.expect_text("recieved decoded message 'srv message 1'");
            let m = cli.expect("C: ");
            // The sample client sends its string with the C NUL.
            assert_eq!(decode(&mut s, &m, layer), b"client message 1\0", "{bounds}");
            assert_eq!(cli.finish(), 0, "{bounds}");
            let mut got = [0u8; 4];
            let mut needed = 0;
            let st =
                unsafe { SaslGetContextOption(&mut s, SASL_OPTION_SEND_SIZE, got.as_mut_ptr().cast(), 4, &mut needed) };
            assert_eq!(st, SEC_E_OK);
            unsafe { DeleteSecurityContext(&mut s) };
        }
        free_cred(sc);
        std::env::remove_var("KRB5_KTNAME");
    }
}

/// OpenLDAP's slapd (a private slapd.conf in the realm's directory, an mdb database,
/// `ldap/localhost` in a keytab of its own, on a loopback port) and our client: a SASL bind
/// with the GSSAPI profile at each strength — no layer, integrity, confidentiality — then
/// an LDAP WhoAmI through the negotiated layer; and GSS-SPNEGO.
mod ldap {
    use super::*;
    use secur32::der::{self, Reader};
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    struct Slapd {
        child: Child,
        port: u16,
    }

    impl Drop for Slapd {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn start_slapd(realm: &Realm) -> Option<Slapd> {
        let Ok(slapd) = which("slapd") else {
            eprintln!("skipped: slapd is missing (apt-get install slapd)");
            return None;
        };
        let d = realm.path("slapd");
        std::fs::create_dir_all(d.join("db")).unwrap();
        let kt = d.join("ldap.keytab");
        realm.kadmin("addprinc -randkey ldap/localhost");
        realm.kadmin(&format!("ktadd -k {} ldap/localhost", kt.display()));
        let conf = d.join("slapd.conf");
        std::fs::write(
            &conf,
            format!(
                "include /etc/ldap/schema/core.schema\npidfile {0}/slapd.pid\nargsfile {0}/slapd.args\n\
                 modulepath /usr/lib/ldap\nmoduleload back_mdb\nsasl-host localhost\nsasl-realm {REALM}\n\
                 sasl-secprops none\ndatabase mdb\nsuffix \"dc=example,dc=test\"\n\
                 rootdn \"cn=admin,dc=example,dc=test\"\ndirectory {0}/db\n",
                d.display()
            ),
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(slapd)
            .args(["-f", conf.to_str().unwrap(), "-h", &format!("ldap://127.0.0.1:{port}/"), "-d", "0"])
            .env("KRB5_CONFIG", &realm.krb5_conf)
            .env("KRB5_KTNAME", &kt)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let s = Slapd { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "slapd did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(s)
    }

    fn which(p: &str) -> Result<std::path::PathBuf, ()> {
        ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
            .iter()
            .map(|d| std::path::Path::new(d).join(p))
            .find(|x| x.exists())
            .ok_or(())
    }

    fn integer(v: u32) -> Vec<u8> {
        let b = v.to_be_bytes();
        let skip = b.iter().take_while(|&&x| x == 0).count().min(3);
        let mut body = b[skip..].to_vec();
        if body[0] & 0x80 != 0 {
            body.insert(0, 0);
        }
        der::encode(der::INTEGER, &body)
    }

    fn message(id: u32, op: Vec<u8>) -> Vec<u8> {
        der::encode(der::SEQUENCE, &[integer(id), op].concat())
    }

    fn bind_request(id: u32, mech: &str, creds: &[u8]) -> Vec<u8> {
        let sasl = der::encode(
            0xa3,
            &[der::encode(der::OCTET_STRING, mech.as_bytes()), der::encode(der::OCTET_STRING, creds)].concat(),
        );
        message(id, der::encode(0x60, &[integer(3), der::encode(der::OCTET_STRING, b""), sasl].concat()))
    }

    /// One whole BER element from the stream.
    fn read_element(s: &mut TcpStream) -> Vec<u8> {
        let mut head = [0u8; 2];
        s.read_exact(&mut head).unwrap();
        let mut out = head.to_vec();
        let len = if head[1] & 0x80 == 0 {
            head[1] as usize
        } else {
            let n = (head[1] & 0x7f) as usize;
            let mut l = vec![0u8; n];
            s.read_exact(&mut l).unwrap();
            out.extend_from_slice(&l);
            l.iter().fold(0usize, |a, &b| a << 8 | b as usize)
        };
        let mut body = vec![0u8; len];
        s.read_exact(&mut body).unwrap();
        out.extend(body);
        out
    }

    /// (resultCode, the response's [7] serverSaslCreds or [11] responseValue)
    fn parse_response(msg: &[u8]) -> (u32, Vec<u8>) {
        let mut r = Reader::new(msg);
        let mut seq = r.sequence().unwrap();
        let _id = seq.any().unwrap();
        let op = seq.any().unwrap();
        let mut f = Reader::new(op.value);
        let code = f.any().unwrap().value.iter().fold(0u32, |a, &b| a << 8 | b as u32);
        let _dn = f.any().unwrap();
        let _diag = f.any().unwrap();
        let mut extra = Vec::new();
        while !f.is_empty() {
            let t = f.any().unwrap();
            if t.tag == 0x87 || t.tag == 0x8b {
                extra = t.value.to_vec();
            }
        }
        (code, extra)
    }

    /// `sasl_encode`: under integrity the message travels in the clear inside its wrap token
    /// (EncryptMessage does not encrypt, whatever fQOP says), under confidentiality it does not.
    /// DIGEST-MD5's buffer is the message, then its 16-byte trailer (RFC 2831 2.3, 2.4);
    /// RFC 4121's wrap token comes first.
    fn wrap(ctx: &mut CtxtHandle, layer: u8, msg: &[u8], trailer_last: bool) -> Vec<u8> {
        if layer == 1 {
            return msg.to_vec();
        }
        let (st, tok, ct) = seal(ctx, 0, msg);
        assert_eq!(st, SEC_E_OK);
        assert_eq!(ct == msg, layer == 2, "layer {layer}: the message in the clear only under integrity");
        let w = if trailer_last { [ct, tok].concat() } else { [tok, ct].concat() };
        [&(w.len() as u32).to_be_bytes()[..], &w].concat()
    }

    fn read_wrapped(s: &mut TcpStream, ctx: &mut CtxtHandle, layer: u8) -> Vec<u8> {
        if layer == 1 {
            return read_element(s);
        }
        let mut n = [0u8; 4];
        s.read_exact(&mut n).unwrap();
        let mut w = vec![0u8; u32::from_be_bytes(n) as usize];
        s.read_exact(&mut w).unwrap();
        let (st, pt) = common::sspi::unseal_stream_any(ctx, &w);
        assert_eq!(st, SEC_E_OK, "DecryptMessage of slapd's answer");
        pt
    }

    /// A SASL bind with our client, then WhoAmI through the layer; returns the authzid.
    fn bind_and_whoami(port: u16, cred: &mut CredHandle, mech: &str, isc: ULONG, expect_layer: u8) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut c = SecHandle::default();
        let mut token: Option<Vec<u8>> = None;
        let mut id = 1;
        let mut done = false;
        loop {
            let mut step = Step::client(token.is_none(), token.as_deref(), "ldap/localhost");
            step.flags = isc;
            step.sasl = true;
            let (st, out, _) = step.run(cred, &mut c);
            assert!(st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED, "{mech}: {st:#x}");
            if st == SEC_E_OK {
                done = true;
            }
            s.write_all(&bind_request(id, mech, &out)).unwrap();
            id += 1;
            let (code, creds) = parse_response(&read_element(&mut s));
            if code == 0 {
                if !done {
                    // The success carries the server's last token (GSS-SPNEGO's accept-completed
                    // with the AP-REP): it must complete our context.
                    let mut step = Step::client(false, Some(&creds), "ldap/localhost");
                    step.flags = isc;
                    step.sasl = true;
                    assert_eq!(step.run(cred, &mut c).0, SEC_E_OK, "{mech}: the server's last token");
                }
                break;
            }
            assert_eq!(code, 14, "{mech}: saslBindInProgress, or success");
            assert!(!done, "{mech}: slapd wants more after we finished");
            token = Some(creds);
        }
        let layer = expect_layer;
        // WhoAmI (RFC 4532), through the layer.
        let req = message(id, der::encode(0x77, &der::encode(0x80, b"1.3.6.1.4.1.4203.1.11.3")));
        s.write_all(&wrap(&mut c, layer, &req, mech == "DIGEST-MD5")).unwrap();
        let (code, value) = parse_response(&read_wrapped(&mut s, &mut c, layer));
        assert_eq!(code, 0, "{mech}: WhoAmI");
        unsafe { DeleteSecurityContext(&mut c) };
        String::from_utf8(value).unwrap()
    }

    #[test]
    fn our_client_binds_to_slapd_with_gssapi_and_gss_spnego() {
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let realm = realm_env();
        let Some(slapd) = start_slapd(&realm) else { return };
        let mut cc = acquire("Kerberos", Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
        // SSF 0 (no layer), 1 (integrity), 256 (confidentiality), from what the client asks.
        for (isc, layer) in [
            (ISC_REQ_MUTUAL_AUTH, 1u8),
            (ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY, 2),
            (ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY, 4),
        ] {
            let who = bind_and_whoami(slapd.port, &mut cc, "GSSAPI", isc, layer);
            assert_eq!(
                who.to_lowercase(),
                format!("dn:uid={USER},cn={},cn=gssapi,cn=auth", REALM.to_lowercase()),
                "layer {layer}"
            );
        }
        // GSS-SPNEGO: Negotiate (Kerberos inside), no security-layer exchange; the protection
        // follows the context's flags, as Windows' and Cyrus' GSS-SPNEGO do (here sealing).
        let mut nc = acquire("Negotiate", Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
        let flags = ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY;
        let who = bind_and_whoami(slapd.port, &mut nc, "GSS-SPNEGO", flags, 4);
        assert!(who.to_lowercase().starts_with(&format!("dn:uid={USER}")), "{who}");
        free_cred(nc);
        free_cred(cc);
        drop(slapd);
        std::env::remove_var("KRB5_KTNAME");
    }

    /// DIGEST-MD5 against slapd: no Kerberos; slapd's own auxprop finds the user's
    /// userPassword in its directory (an `authz-regexp` maps the SASL name to the entry, made
    /// with slapadd), so no sasldb is involved.
    #[test]
    fn our_client_binds_to_slapd_with_digest_md5() {
        let (Ok(slapd), Ok(slapadd)) = (which("slapd"), which("slapadd")) else {
            eprintln!("skipped: slapd is missing (apt-get install slapd)");
            return;
        };
        if !std::path::Path::new("/usr/lib/x86_64-linux-gnu/sasl2/libdigestmd5.so").exists() {
            eprintln!("skipped: Cyrus SASL's DIGEST-MD5 plugin (libsasl2-modules) is missing");
            return;
        }
        let d = std::env::temp_dir().join(format!("sspi-slapd-digest-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("db")).unwrap();
        let conf = d.join("slapd.conf");
        std::fs::write(
            &conf,
            format!(
                "include /etc/ldap/schema/core.schema\ninclude /etc/ldap/schema/cosine.schema\n\
                 include /etc/ldap/schema/inetorgperson.schema\npidfile {0}/slapd.pid\nargsfile {0}/slapd.args\n\
                 modulepath /usr/lib/ldap\nmoduleload back_mdb\nsasl-host localhost\nsasl-realm digest.test\n\
                 sasl-secprops none\n\
                 authz-regexp uid=([^,]*),cn=digest.test,cn=digest-md5,cn=auth uid=$1,ou=people,dc=example,dc=test\n\
                 database mdb\nsuffix \"dc=example,dc=test\"\nrootdn \"cn=admin,dc=example,dc=test\"\n\
                 directory {0}/db\naccess to attrs=userPassword by * auth\naccess to * by * read\n",
                d.display()
            ),
        )
        .unwrap();
        let ldif = d.join("init.ldif");
        std::fs::write(
            &ldif,
            "dn: dc=example,dc=test\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: example\n\n\
             dn: ou=people,dc=example,dc=test\nobjectClass: organizationalUnit\nou: people\n\n\
             dn: uid=alice,ou=people,dc=example,dc=test\nobjectClass: inetOrgPerson\nuid: alice\ncn: alice\n\
             sn: alice\nuserPassword: s3cret\n",
        )
        .unwrap();
        let st = Command::new(slapadd)
            .args(["-f", conf.to_str().unwrap(), "-l", ldif.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success(), "slapadd");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(slapd)
            .args(["-f", conf.to_str().unwrap(), "-h", &format!("ldap://127.0.0.1:{port}/"), "-d", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Slapd { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "slapd did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut cc = acquire("WDigest", Some(("alice", "digest.test", "s3cret")), SECPKG_CRED_OUTBOUND).unwrap();
        // qop auth (SSF 0), auth-int (1), auth-conf with rc4 (128), from what the client asks.
        for (isc, layer) in [
            (ISC_REQ_MUTUAL_AUTH, 1u8),
            (ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY, 2),
            (ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY, 4),
        ] {
            let who = bind_and_whoami(server.port, &mut cc, "DIGEST-MD5", isc, layer);
            assert_eq!(who, "dn:uid=alice,ou=people,dc=example,dc=test", "layer {layer}");
        }
        // A wrong password: slapd answers invalidCredentials (49).
        let mut bad = acquire("WDigest", Some(("alice", "digest.test", "wrong")), SECPKG_CRED_OUTBOUND).unwrap();
        let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut c = SecHandle::default();
        let mut step = Step::client(true, None, "ldap/localhost");
        step.sasl = true;
        let (_, first, _) = step.run(&mut bad, &mut c);
        s.write_all(&bind_request(1, "DIGEST-MD5", &first)).unwrap();
        let (code, challenge) = parse_response(&read_element(&mut s));
        assert_eq!(code, 14);
        let mut step = Step::client(false, Some(&challenge), "ldap/localhost");
        step.sasl = true;
        let (st, response, _) = step.run(&mut bad, &mut c);
        assert_eq!(st, SEC_I_CONTINUE_NEEDED);
        s.write_all(&bind_request(2, "DIGEST-MD5", &response)).unwrap();
        assert_eq!(parse_response(&read_element(&mut s)).0, 49, "invalidCredentials");
        unsafe { DeleteSecurityContext(&mut c) };
        free_cred(bad);
        free_cred(cc);
        drop(server);
        let _ = std::fs::remove_dir_all(&d);
    }
}

/// DIGEST-MD5 (the WDigest package in SASL mode, RFC 2831): both ends ours with each qop, a
/// wrong password and a forged rspauth; then our client against Cyrus SASL's sample server
/// (its sasldb made with saslpasswd2 in a temp dir) with auth, auth-int and auth-conf.
mod digest_md5 {
    use super::*;
    use common::sspi::{sign, verify};

    const DUSER: &str = "alice";
    const DREALM: &str = "localhost";
    const DPASS: &str = "s3cret";

    /// (client context, server context, the tokens: challenge, response, rspauth)
    type Legs = (CtxtHandle, CtxtHandle, Vec<Vec<u8>>);

    fn legs(cc: &mut CredHandle, sc: &mut CredHandle, isc: ULONG) -> Result<Legs, (usize, i32)> {
        let (mut c, mut s) = (SecHandle::default(), SecHandle::default());
        let mut out = Vec::new();
        // The client has no initial response; the server's first call makes the challenge.
        let mut step = Step::client(true, None, "ldap/localhost");
        step.flags = isc;
        step.sasl = true;
        let (st, t0, _) = step.run(cc, &mut c);
        if st != SEC_I_CONTINUE_NEEDED || !t0.is_empty() {
            return Err((0, st));
        }
        let mut sstep = Step::server(true, None);
        sstep.sasl = true;
        let (st, challenge, _) = sstep.run(sc, &mut s);
        if st != SEC_I_CONTINUE_NEEDED {
            return Err((1, st));
        }
        out.push(challenge.clone());
        let mut step = Step::client(false, Some(&challenge), "ldap/localhost");
        step.flags = isc;
        step.sasl = true;
        let (st, response, _) = step.run(cc, &mut c);
        if st != SEC_I_CONTINUE_NEEDED {
            return Err((2, st));
        }
        out.push(response.clone());
        let mut sstep = Step::server(false, Some(&response));
        sstep.sasl = true;
        let (st, rspauth, _) = sstep.run(sc, &mut s);
        if st != SEC_E_OK {
            return Err((3, st));
        }
        out.push(rspauth.clone());
        let mut step = Step::client(false, Some(&rspauth), "ldap/localhost");
        step.flags = isc;
        step.sasl = true;
        let (st, last, _) = step.run(cc, &mut c);
        if st != SEC_E_OK || !last.is_empty() {
            return Err((4, st));
        }
        Ok((c, s, out))
    }

    #[test]
    fn both_ends_ours_with_each_qop() {
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let mut cc = acquire("WDigest", Some((DUSER, DREALM, DPASS)), SECPKG_CRED_OUTBOUND).unwrap();
        let mut sc = acquire("WDigest", Some((DUSER, DREALM, DPASS)), SECPKG_CRED_INBOUND).unwrap();
        for (isc, qop) in [
            (ISC_REQ_MUTUAL_AUTH, "auth"),
            (ISC_REQ_INTEGRITY, "auth-int"),
            (ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY, "auth-conf"),
        ] {
            let (mut c, mut s, l) = legs(&mut cc, &mut sc, isc).unwrap();
            let challenge = String::from_utf8(l[0].clone()).unwrap();
            assert!(
                challenge.contains("algorithm=md5-sess") && challenge.contains("qop=\"auth,auth-int,auth-conf\""),
                "{challenge}"
            );
            let response = String::from_utf8(l[1].clone()).unwrap();
            assert!(response.contains(&format!("qop={qop}")), "{response}");
            assert!(String::from_utf8_lossy(&l[2]).starts_with("rspauth="));
            assert_eq!(common::sspi::names(&mut s), DUSER);
            if qop == "auth" {
                assert_eq!(seal(&mut c, 0, b"x").0, SEC_E_UNSUPPORTED_FUNCTION, "no layer with qop=auth");
            } else {
                let (st, tok, ct) = seal(&mut c, 0, b"through DIGEST-MD5");
                assert_eq!(st, SEC_E_OK);
                assert_eq!(ct == b"through DIGEST-MD5", qop == "auth-int");
                let (st, pt, _) = unseal(&mut s, &tok, &ct);
                assert_eq!((st, &pt[..]), (SEC_E_OK, &b"through DIGEST-MD5"[..]));
                // The SASL wire order, message then trailer, through [STREAM, DATA].
                let (st, tok, ct) = seal(&mut s, 0, b"back");
                assert_eq!(st, SEC_E_OK);
                let (st, pt) = common::sspi::unseal_stream_any(&mut c, &[ct, tok].concat());
                assert_eq!((st, &pt[..]), (SEC_E_OK, &b"back"[..]));
                let (st, sig) = sign(&mut c, b"signed");
                assert_eq!(st, SEC_E_OK);
                assert_eq!(verify(&mut s, b"signed!", &sig), SEC_E_MESSAGE_ALTERED);
                assert_eq!(verify(&mut s, b"signed", &sig), SEC_E_OK);
            }
            unsafe {
                DeleteSecurityContext(&mut c);
                DeleteSecurityContext(&mut s);
            }
        }
        // A wrong password, and the server's rspauth altered.
        let mut bad = acquire("WDigest", Some((DUSER, DREALM, "wrong")), SECPKG_CRED_OUTBOUND).unwrap();
        assert_eq!(legs(&mut bad, &mut sc, ISC_REQ_MUTUAL_AUTH).err(), Some((3, SEC_E_LOGON_DENIED)));
        free_cred(bad);
        free_cred(cc);
        free_cred(sc);
    }

    #[test]
    fn our_client_against_sasl_sample_server() {
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        if !std::path::Path::new("/usr/lib/x86_64-linux-gnu/sasl2/libdigestmd5.so").exists() {
            eprintln!("skipped: Cyrus SASL's DIGEST-MD5 plugin (libsasl2-modules) is missing");
            return;
        }
        let dir = std::env::temp_dir().join(format!("sspi-digest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("sasldb");
        let mut p = std::process::Command::new("saslpasswd2")
            .args(["-f", db.to_str().unwrap(), "-p", "-c", "-u", DREALM, DUSER])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("saslpasswd2 (sasl2-bin)");
        use std::io::Write;
        p.stdin.take().unwrap().write_all(DPASS.as_bytes()).unwrap();
        assert!(p.wait().unwrap().success());
        std::fs::write(dir.join("sample.conf"), format!("sasldb_path: {}\n", db.display())).unwrap();
        let mut cc = acquire("WDigest", Some((DUSER, DREALM, DPASS)), SECPKG_CRED_OUTBOUND).unwrap();
        for (bounds, isc, layer) in [
            ("min=0,max=0", ISC_REQ_MUTUAL_AUTH, 1u8),
            ("min=1,max=1", ISC_REQ_INTEGRITY, 2),
            ("min=0,max=256", ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY, 4),
        ] {
            let mut srv = std::process::Command::new("stdbuf")
                .args(["-oL", "sasl-sample-server", "-s", "ldap", "-d", DREALM, "-m", "DIGEST-MD5", "-b", bounds])
                .env("SASL_CONF_PATH", &dir)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            let mut stdin = srv.stdin.take().unwrap();
            let (tx, rx) = std::sync::mpsc::channel::<String>();
            let out = srv.stdout.take().unwrap();
            std::thread::spawn(move || {
                use std::io::BufRead;
                let mut r = std::io::BufReader::new(out);
                let mut buf = Vec::new();
                while r.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
                    let _ = tx.send(String::from_utf8_lossy(&buf).trim_end().to_string());
                    buf.clear();
                }
            });
            let mut log = Vec::new();
            let expect = |prefix: &str, log: &mut Vec<String>| -> Vec<u8> {
                loop {
                    let l = rx
                        .recv_timeout(std::time::Duration::from_secs(20))
                        .unwrap_or_else(|_| panic!("{bounds}: {log:#?}"));
                    log.push(l.clone());
                    if let Some(rest) = l.strip_prefix(prefix) {
                        return common::krb5::unb64(if rest.is_empty() { "-" } else { rest });
                    }
                    if l == prefix.trim_end() {
                        return Vec::new();
                    }
                }
            };
            let mut send = |line: &[u8]| {
                let text = if line.is_empty() { "C: ".to_string() } else { format!("C: {}", common::krb5::b64(line)) };
                writeln!(stdin, "{text}").unwrap();
                stdin.flush().unwrap();
            };
            assert_eq!(expect("S: ", &mut log), b"DIGEST-MD5");
            let mut c = SecHandle::default();
            let mut step = Step::client(true, None, "ldap/localhost");
            step.flags = isc;
            step.sasl = true;
            assert_eq!(step.run(&mut cc, &mut c).0, SEC_I_CONTINUE_NEEDED);
            send(b"DIGEST-MD5");
            let mut st = SEC_I_CONTINUE_NEEDED;
            while st == SEC_I_CONTINUE_NEEDED {
                let challenge = expect("S: ", &mut log);
                let mut step = Step::client(false, Some(&challenge), "ldap/localhost");
                step.flags = isc;
                step.sasl = true;
                let (s, out, _) = step.run(&mut cc, &mut c);
                assert!(s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED, "{bounds}: {s:#x} {log:#?}");
                send(&out);
                st = s;
            }
            let m = expect("S: ", &mut log);
            let text = if layer == 1 {
                m
            } else {
                let n = u32::from_be_bytes(m[..4].try_into().unwrap()) as usize;
                assert_eq!(n, m.len() - 4);
                let (st, pt) = common::sspi::unseal_stream_any(&mut c, &m[4..]);
                assert_eq!(st, SEC_E_OK, "{bounds}");
                pt
            };
            assert_eq!(text, b"srv message 1\0", "{bounds}");
            let answer = if layer == 1 {
                b"client message 1\0".to_vec()
            } else {
                let (st, tok, ct) = seal(&mut c, 0, b"client message 1\0");
                assert_eq!(st, SEC_E_OK);
                let w = [ct, tok].concat();
                [&(w.len() as u32).to_be_bytes()[..], &w].concat()
            };
            send(&answer);
            loop {
                let l = rx
                    .recv_timeout(std::time::Duration::from_secs(20))
                    .unwrap_or_else(|_| panic!("{bounds}: {log:#?}"));
                log.push(l.clone());
                if l.contains("recieved decoded message 'client message 1'") {
                    break;
                }
            }
            drop(stdin);
            assert!(srv.wait().unwrap().success(), "{bounds}: {log:#?}");
            unsafe { DeleteSecurityContext(&mut c) };
        }
        free_cred(cc);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Cyrus SASL's sample client against our acceptor. Its password prompt reads the
    /// terminal, so it runs under `script` (a pseudo-terminal, echo off); lines to it end in CR.
    #[test]
    fn sasl_sample_client_against_our_server() {
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        if !std::path::Path::new("/usr/lib/x86_64-linux-gnu/sasl2/libdigestmd5.so").exists()
            || !std::path::Path::new("/usr/bin/script").exists()
        {
            eprintln!("skipped: Cyrus SASL's DIGEST-MD5 plugin or script(1) is missing");
            return;
        }
        use std::io::{Read, Write};
        let mut sc = acquire("WDigest", Some((DUSER, DREALM, DPASS)), SECPKG_CRED_INBOUND).unwrap();
        for (bounds, layer) in [("min=0,max=0", 1u8), ("min=1,max=1", 2), ("min=0,max=256", 4)] {
            let cmd = format!(
                "stty -echo; exec sasl-sample-client -s ldap -n {DREALM} -m DIGEST-MD5 -b {bounds} -u {DUSER} -a {DUSER}"
            );
            let mut cli = std::process::Command::new("script")
                .args(["-qfec", &cmd, "/dev/null"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            let mut stdin = cli.stdin.take().unwrap();
            let mut out = cli.stdout.take().unwrap();
            let (tx, rx) = std::sync::mpsc::channel::<String>();
            std::thread::spawn(move || {
                let (mut buf, mut b) = (Vec::new(), [0u8; 1]);
                while out.read(&mut b).is_ok_and(|n| n == 1) {
                    buf.push(b[0]);
                    if b[0] == b'\n' || buf.ends_with(b"Password: ") {
                        let _ = tx.send(String::from_utf8_lossy(&buf).trim_end().to_string());
                        buf.clear();
                    }
                }
            });
            let mut log: Vec<String> = Vec::new();
            let next = |want: &str, log: &mut Vec<String>| -> String {
                loop {
                    let l = rx
                        .recv_timeout(std::time::Duration::from_secs(20))
                        .unwrap_or_else(|_| panic!("{bounds}: {log:#?}"));
                    log.push(l.clone());
                    if l.starts_with(want) {
                        return l;
                    }
                }
            };
            let send = |stdin: &mut std::process::ChildStdin, data: &[u8]| {
                let text = if data.is_empty() { "S: ".to_string() } else { format!("S: {}", common::krb5::b64(data)) };
                write!(stdin, "{text}\r").unwrap();
                stdin.flush().unwrap();
            };
            let decode = |l: &str| -> Vec<u8> {
                let rest = l.strip_prefix("C:").unwrap().trim();
                common::krb5::unb64(if rest.is_empty() { "-" } else { rest })
            };
            next("Waiting for mechanism list", &mut log);
            send(&mut stdin, b"DIGEST-MD5");
            assert_eq!(decode(&next("C:", &mut log)), b"DIGEST-MD5");
            let mut s = SecHandle::default();
            let mut step = Step::server(true, None);
            step.sasl = true;
            let (st, challenge, _) = step.run(&mut sc, &mut s);
            assert_eq!(st, SEC_I_CONTINUE_NEEDED);
            send(&mut stdin, &challenge);
            next("Password:", &mut log);
            write!(stdin, "{DPASS}\r").unwrap();
            stdin.flush().unwrap();
            let response = decode(&next("C:", &mut log));
            let mut step = Step::server(false, Some(&response));
            step.sasl = true;
            let (st, rspauth, _) = step.run(&mut sc, &mut s);
            assert_eq!(st, SEC_E_OK, "{bounds}: {log:#?}");
            send(&mut stdin, &rspauth);
            assert!(decode(&next("C:", &mut log)).is_empty(), "the client's empty last word");
            next("Negotiation complete", &mut log);
            // A message each way through the layer (4-byte length, message, trailer).
            let msg = b"srv message 1\0";
            let wire = if layer == 1 {
                msg.to_vec()
            } else {
                let (st, tok, ct) = seal(&mut s, 0, msg);
                assert_eq!(st, SEC_E_OK);
                let w = [ct, tok].concat();
                [&(w.len() as u32).to_be_bytes()[..], &w].concat()
            };
            send(&mut stdin, &wire);
            next("recieved decoded message 'srv message 1'", &mut log);
            let m = decode(&next("C:", &mut log));
            let text = if layer == 1 {
                m
            } else {
                let (st, pt) = common::sspi::unseal_stream_any(&mut s, &m[4..]);
                assert_eq!(st, SEC_E_OK, "{bounds}");
                pt
            };
            assert_eq!(text, b"client message 1\0", "{bounds}");
            drop(stdin);
            let _ = cli.wait();
            unsafe { DeleteSecurityContext(&mut s) };
        }
        free_cred(sc);
    }
}
