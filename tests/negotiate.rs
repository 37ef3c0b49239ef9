//! The Negotiate package through the SSPI exports: Kerberos against a real
//! MIT KDC on loopback, NTLM when Kerberos cannot be used, the acceptor
//! given raw NTLM and Kerberos tokens, mechListMIC failures, and a
//! mechanism chosen that was not the initiator's first.

mod common;

use std::sync::Mutex;

use common::krb5::{Realm, PASSWORD, REALM, USER};
use common::sspi::{
    acquire, acquire_ex, free_cred, handshake, names, negotiation_info, seal, session_key, sign, unseal, verify, Step,
    ISC_FLAGS,
};
use secur32::abi::*;
use secur32::packages::negotiate::spnego::{self, NegState, Token, KRB5_OID, MS_KRB5_OID, NTLM_OID};

/// The Kerberos package reads KRB5_CONFIG and friends from the environment: one test at a time.
static ENV: Mutex<()> = Mutex::new(());

const NEG: &str = "Negotiate";

fn messages_both_ways(p: &mut common::sspi::Contexts) {
    for (a, b) in [(&mut p.client as *mut CtxtHandle, &mut p.server as *mut CtxtHandle), (&mut p.server, &mut p.client)]
    {
        // SAFETY: two distinct live handles of the pair.
        let (a, b) = unsafe { (&mut *a, &mut *b) };
        let (st, tok, ct) = seal(a, 0, b"through Negotiate");
        assert_eq!(st, SEC_E_OK);
        let (st, pt, _) = unseal(b, &tok, &ct);
        assert_eq!((st, &pt[..]), (SEC_E_OK, &b"through Negotiate"[..]));
        let (st, sig) = sign(a, b"signed");
        assert_eq!(st, SEC_E_OK);
        assert_eq!(verify(b, b"signed!", &sig), SEC_E_MESSAGE_ALTERED);
        assert_eq!(verify(b, b"signed", &sig), SEC_E_OK, "a failed check consumes nothing");
    }
}

fn resp(token: &[u8]) -> spnego::NegTokenResp {
    match spnego::parse(token).unwrap() {
        Token::Resp(r) => r,
        Token::Init(_) => panic!("a NegTokenInit"),
    }
}

fn init(token: &[u8]) -> spnego::NegTokenInit {
    match spnego::parse(token).unwrap() {
        Token::Init(i) => i,
        Token::Resp(_) => panic!("a NegTokenResp"),
    }
}

#[test]
fn kerberos_is_chosen_with_an_spn_and_a_kdc() {
    let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let realm = Realm::start("");
    std::env::set_var("KRB5_CONFIG", &realm.krb5_conf);
    std::env::set_var("KRB5_KTNAME", realm.path("http.keytab"));
    let mut cc = acquire(NEG, Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
    let mut sc = acquire(NEG, None, SECPKG_CRED_INBOUND).unwrap();
    let mut p = handshake(&mut cc, &mut sc, "HTTP/localhost", ISC_FLAGS).unwrap();
    // NegTokenInit [MS krb5, krb5, NTLM] with the AP-REQ; accept-completed with the AP-REP.
    assert_eq!(p.legs.len(), 2, "two legs with mutual authentication");
    let i = init(&p.legs[0]);
    assert_eq!(i.mech_types, vec![MS_KRB5_OID.to_vec(), KRB5_OID.to_vec(), NTLM_OID.to_vec()]);
    assert_eq!(i.mech_token.as_ref().unwrap()[0], 0x60, "a framed AP-REQ as the optimistic token");
    let r = resp(&p.legs[1]);
    assert_eq!(r.neg_state, Some(NegState::AcceptCompleted));
    assert_eq!(r.supported_mech.as_deref(), Some(MS_KRB5_OID));
    assert!(r.response_token.is_some(), "the AP-REP");
    assert_eq!(r.mech_list_mic, None, "the first mechanism was chosen: no MIC needed");
    assert_ne!(p.client_attrs & ISC_RET_MUTUAL_AUTH, 0);
    assert_eq!(negotiation_info(&mut p.client), ("Kerberos".to_string(), SECPKG_NEGOTIATION_COMPLETE));
    assert_eq!(negotiation_info(&mut p.server), ("Kerberos".to_string(), SECPKG_NEGOTIATION_COMPLETE));
    assert_eq!(names(&mut p.server), format!("{USER}@{REALM}"));
    assert_eq!(session_key(&mut p.client), session_key(&mut p.server));
    assert_eq!(session_key(&mut p.client).len(), 32);
    messages_both_ways(&mut p);
    drop(p);
    // Without mutual authentication: the acceptor completes without an AP-REP.
    let p = handshake(&mut cc, &mut sc, "HTTP/localhost", ISC_FLAGS & !ISC_REQ_MUTUAL_AUTH).unwrap();
    let r = resp(&p.legs[1]);
    assert_eq!((r.neg_state, r.response_token), (Some(NegState::AcceptCompleted), None));
    drop(p);
    // A raw Kerberos AP-REQ (no SPNEGO) given to the Negotiate acceptor, as Windows accepts.
    let mut kc = acquire("Kerberos", Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
    let mut p = handshake(&mut kc, &mut sc, "HTTP/localhost", ISC_FLAGS).unwrap();
    assert_eq!(p.legs[1][0], 0x60, "the AP-REP in Kerberos' own framing");
    assert!(spnego::parse(&p.legs[1]).is_err(), "not wrapped in SPNEGO");
    assert_eq!(negotiation_info(&mut p.server).0, "Kerberos");
    messages_both_ways(&mut p);
    drop(p);
    for h in [cc, sc, kc] {
        free_cred(h);
    }
    std::env::remove_var("KRB5_KTNAME");
}

#[test]
fn ntlm_when_the_target_is_not_an_spn_or_kerberos_is_excluded() {
    let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let id = ("alice", "EXAMPLE", "s3cret");
    let mut cc = acquire(NEG, Some(id), SECPKG_CRED_OUTBOUND).unwrap();
    let mut sc = acquire(NEG, Some(id), SECPKG_CRED_INBOUND).unwrap();
    // "localhost" is no SPN: NTLM, four legs (the acceptor's MIC comes with accept-completed).
    let mut p = handshake(&mut cc, &mut sc, "localhost", ISC_FLAGS).unwrap();
    assert_eq!(p.legs.len(), 4);
    let i = init(&p.legs[0]);
    assert_eq!(i.mech_types, vec![NTLM_OID.to_vec()]);
    assert!(i.mech_token.as_ref().unwrap().starts_with(b"NTLMSSP\0\x01"));
    let r1 = resp(&p.legs[1]);
    assert_eq!((r1.neg_state, r1.supported_mech.as_deref()), (Some(NegState::AcceptIncomplete), Some(NTLM_OID)));
    let r2 = resp(&p.legs[2]);
    assert!(r2.response_token.as_ref().unwrap().starts_with(b"NTLMSSP\0\x03"));
    assert!(r2.mech_list_mic.is_some(), "the initiator's mechListMIC with the AUTHENTICATE");
    let r3 = resp(&p.legs[3]);
    assert_eq!(r3.neg_state, Some(NegState::AcceptCompleted));
    assert!(r3.mech_list_mic.is_some(), "the acceptor's mechListMIC");
    assert_eq!(negotiation_info(&mut p.client), ("NTLM".to_string(), SECPKG_NEGOTIATION_COMPLETE));
    assert_eq!(names(&mut p.server), "EXAMPLE\\alice");
    assert_eq!(session_key(&mut p.client), session_key(&mut p.server));
    // After the MICs (and NTLM's RC4 reset on each side) messages still line up.
    messages_both_ways(&mut p);
    drop(p);
    // An SPN, but "!Kerberos" in the PackageList: NTLM.
    let mut nc = acquire_ex(NEG, id, "!Kerberos", SECPKG_CRED_OUTBOUND).unwrap();
    let mut p = handshake(&mut nc, &mut sc, "HTTP/server.example.com", ISC_FLAGS).unwrap();
    assert_eq!(init(&p.legs[0]).mech_types, vec![NTLM_OID.to_vec()]);
    messages_both_ways(&mut p);
    drop(p);
    // A raw NTLM client (no SPNEGO) against the Negotiate acceptor: three legs, NTLM's own.
    let mut rc = acquire("NTLM", Some(id), SECPKG_CRED_OUTBOUND).unwrap();
    let mut p = handshake(&mut rc, &mut sc, "localhost", ISC_FLAGS).unwrap();
    assert_eq!(p.legs.len(), 3);
    assert!(p.legs[1].starts_with(b"NTLMSSP\0\x02"), "a raw CHALLENGE back");
    assert_eq!(negotiation_info(&mut p.server), ("NTLM".to_string(), SECPKG_NEGOTIATION_COMPLETE));
    messages_both_ways(&mut p);
    drop(p);
    // The wrong password: the acceptor refuses the AUTHENTICATE.
    let mut bad = acquire(NEG, Some(("alice", "EXAMPLE", "wrong")), SECPKG_CRED_OUTBOUND).unwrap();
    let e = handshake(&mut bad, &mut sc, "localhost", ISC_FLAGS).err().unwrap();
    assert_eq!(e, (3, SEC_E_LOGON_DENIED));
    for h in [cc, sc, nc, rc, bad] {
        free_cred(h);
    }
}

#[test]
fn server_speaks_first_with_neg_token_init2() {
    let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    // The acceptor called without input (as SMB servers call it) offers its mechanisms; the
    // initiator given that token as its first input uses it. This acceptor has only NTLM, so
    // the initiator does not even try Kerberos for an SPN target.
    let id = ("alice", "EXAMPLE", "s3cret");
    let mut cc = acquire(NEG, Some(id), SECPKG_CRED_OUTBOUND).unwrap();
    let mut sc = acquire_ex(NEG, id, "NTLM", SECPKG_CRED_INBOUND).unwrap();
    let (mut c, mut s) = (SecHandle::default(), SecHandle::default());
    let (st, t0, _) = Step::server(true, None).run(&mut sc, &mut s);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    let hint = init(&t0);
    assert_eq!((hint.mech_types, hint.mech_token), (vec![NTLM_OID.to_vec()], None));
    let (st, t1, _) = Step::client(true, Some(&t0), "HTTP/server.example.com").run(&mut cc, &mut c);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    assert_eq!(init(&t1).mech_types, vec![NTLM_OID.to_vec()]);
    let (st, t2, _) = Step::server(false, Some(&t1)).run(&mut sc, &mut s);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    let (st, t3, _) = Step::client(false, Some(&t2), "HTTP/server.example.com").run(&mut cc, &mut c);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    let (st, t4, _) = Step::server(false, Some(&t3)).run(&mut sc, &mut s);
    assert_eq!(st, SEC_E_OK);
    let (st, _, _) = Step::client(false, Some(&t4), "HTTP/server.example.com").run(&mut cc, &mut c);
    assert_eq!(st, SEC_E_OK);
    assert_eq!(negotiation_info(&mut c).0, "NTLM");
    // A NegTokenResp is no hint for a first call.
    let mut c2 = SecHandle::default();
    assert_eq!(Step::client(true, Some(&t2), "localhost").run(&mut cc, &mut c2).0, SEC_E_INVALID_TOKEN);
    unsafe {
        use secur32::entry::contexts::DeleteSecurityContext;
        DeleteSecurityContext(&mut c);
        DeleteSecurityContext(&mut s);
    }
    free_cred(cc);
    free_cred(sc);
}

#[test]
fn mech_list_mic_tampering_and_malformed_tokens() {
    let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let id = ("alice", "EXAMPLE", "s3cret");
    let mut cc = acquire(NEG, Some(id), SECPKG_CRED_OUTBOUND).unwrap();
    let mut sc = acquire(NEG, Some(id), SECPKG_CRED_INBOUND).unwrap();
    let (mut c, mut s) = (SecHandle::default(), SecHandle::default());
    let (st, t1, _) = Step::client(true, None, "localhost").run(&mut cc, &mut c);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    let (st, t2, _) = Step::server(true, Some(&t1)).run(&mut sc, &mut s);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    let (st, t3, _) = Step::client(false, Some(&t2), "localhost").run(&mut cc, &mut c);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    // The initiator's MIC altered in flight (its last byte is the MIC's last byte).
    let mut forged = t3.clone();
    *forged.last_mut().unwrap() ^= 1;
    let (st, _, _) = Step::server(false, Some(&forged)).run(&mut sc, &mut s);
    assert_eq!(st, SEC_E_MESSAGE_ALTERED);
    // The MIC removed: the acceptor insists on it (NTLM always exchanges one).
    let mut r = resp(&t3);
    r.mech_list_mic = None;
    let (mut s2, mut c2) = (SecHandle::default(), SecHandle::default());
    let (_, u1, _) = Step::client(true, None, "localhost").run(&mut cc, &mut c2);
    let (_, u2, _) = Step::server(true, Some(&u1)).run(&mut sc, &mut s2);
    let (_, u3, _) = Step::client(false, Some(&u2), "localhost").run(&mut cc, &mut c2);
    let mut r3 = resp(&u3);
    r3.mech_list_mic = None;
    let (st, u4, _) = Step::server(false, Some(&spnego::encode_resp(&r3))).run(&mut sc, &mut s2);
    // Without the initiator's MIC the acceptor answers with its own and waits for the
    // initiator's; the initiator (whose MIC was sent) refuses a reply that does not complete.
    assert_eq!(st, SEC_I_CONTINUE_NEEDED, "{st:#x}");
    let (st, _, _) = Step::client(false, Some(&u4), "localhost").run(&mut cc, &mut c2);
    assert!(st == SEC_E_INVALID_TOKEN || st == SEC_E_MESSAGE_ALTERED, "{st:#x}");
    // Malformed SPNEGO, truncated anywhere, at the acceptor's first call: invalid tokens.
    for cut in [1, 2, 5, t1.len() / 2, t1.len() - 1] {
        let mut s3 = SecHandle::default();
        let (st, _, _) = Step::server(true, Some(&t1[..cut])).run(&mut sc, &mut s3);
        assert_eq!(st, SEC_E_INVALID_TOKEN, "cut at {cut}");
    }
    // A NegTokenResp as the first token, and garbage.
    for bad in [&t2[..], b"not a token at all"] {
        let mut s3 = SecHandle::default();
        assert_eq!(Step::server(true, Some(bad)).run(&mut sc, &mut s3).0, SEC_E_INVALID_TOKEN);
    }
    // Messages before the exchange completes.
    assert!(seal(&mut c2, 0, b"early").0 < 0);
    unsafe {
        use secur32::entry::contexts::DeleteSecurityContext;
        for h in [&mut c, &mut s, &mut c2, &mut s2] {
            DeleteSecurityContext(h);
        }
    }
    free_cred(cc);
    free_cred(sc);
}

#[test]
fn acceptor_choosing_a_later_mechanism_and_no_mechanism_in_common() {
    let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let realm = Realm::start("");
    std::env::set_var("KRB5_CONFIG", &realm.krb5_conf);
    std::env::set_var("KRB5_KTNAME", realm.path("http.keytab"));
    // The initiator offers [MS krb5, krb5, NTLM] with an AP-REQ; the acceptor may only use
    // NTLM: it answers request-mic naming NTLM, the initiator starts NTLM afresh, and the
    // MICs protect the list the acceptor chose from.
    let id = (USER, REALM, PASSWORD);
    let mut cc = acquire(NEG, Some(id), SECPKG_CRED_OUTBOUND).unwrap();
    let mut sc = acquire_ex(NEG, id, "NTLM", SECPKG_CRED_INBOUND).unwrap();
    let mut p = handshake(&mut cc, &mut sc, "HTTP/localhost", ISC_FLAGS).unwrap();
    assert_eq!(init(&p.legs[0]).mech_types.len(), 3);
    let r1 = resp(&p.legs[1]);
    assert_eq!((r1.neg_state, r1.supported_mech.as_deref()), (Some(NegState::RequestMic), Some(NTLM_OID)));
    assert!(resp(&p.legs[2]).response_token.as_ref().unwrap().starts_with(b"NTLMSSP\0\x01"));
    assert_eq!(p.legs.len(), 6);
    assert_eq!(negotiation_info(&mut p.client).0, "NTLM");
    messages_both_ways(&mut p);
    drop(p);
    // Only Kerberos at the acceptor, only NTLM at the initiator: nothing in common.
    let mut kc = acquire_ex(NEG, id, "Kerberos", SECPKG_CRED_INBOUND).unwrap();
    let mut nc = acquire_ex(NEG, id, "NTLM", SECPKG_CRED_OUTBOUND).unwrap();
    let e = handshake(&mut nc, &mut kc, "HTTP/localhost", ISC_FLAGS).err().unwrap();
    assert_eq!(e, (1, SEC_E_UNSUPPORTED_FUNCTION));
    // A PackageList that leaves nothing.
    assert_eq!(acquire_ex(NEG, id, "!Kerberos,!NTLM", SECPKG_CRED_OUTBOUND).err(), Some(SEC_E_NO_CREDENTIALS));
    for h in [cc, sc, kc, nc] {
        free_cred(h);
    }
    std::env::remove_var("KRB5_KTNAME");
}

/// MIT's SPNEGO (python3-gssapi, GSS_PEER_MECH=spnego) as the peer.
mod mit_spnego {
    use super::*;
    use common::krb5::{b64, unb64, GssPeer};
    use common::sspi::unseal_stream_any;

    fn peer(realm: &Realm, args: &[&str], env: &[(&str, String)]) -> GssPeer {
        let mut env: Vec<(&str, String)> = env.to_vec();
        env.push(("GSS_PEER_MECH", "spnego".into()));
        GssPeer::start(realm, args, &env)
    }

    /// Sealed and signed messages both ways between our context and MIT's. Integrity-only
    /// wraps only with Kerberos: gss-ntlmssp always seals, and cannot unwrap an NTLM
    /// `SECQOP_WRAP_NO_ENCRYPT` message (signature and plaintext).
    fn messages_with_mit(ours: &mut CtxtHandle, peer: &mut GssPeer, sign_only_wraps: bool) {
        // Ours to MIT: the token and the data, concatenated, are one GSS wrap token.
        let qops: &[ULONG] = if sign_only_wraps { &[0, SECQOP_WRAP_NO_ENCRYPT] } else { &[0, 0] };
        for &qop in qops {
            let (st, tok, ct) = seal(ours, qop, b"from sspi-rustls");
            assert_eq!(st, SEC_E_OK);
            let a = peer.ask(&format!("UNWRAP {}", b64(&[tok, ct].concat())));
            assert_eq!(a[0], "DATA", "{a:?}");
            assert_eq!(unb64(&a[1]), b"from sspi-rustls");
            assert_eq!(a[2], if qop == 0 { "1" } else { "0" });
        }
        // MIT to ours: DecryptMessage on [STREAM, DATA].
        for conf in ["1", "0"] {
            let a = peer.ask(&format!("WRAP {} {conf}", b64(b"from MIT")));
            assert_eq!(a[0], "DATA", "{a:?}");
            let (st, pt) = unseal_stream_any(ours, &unb64(&a[1]));
            assert_eq!((st, &pt[..]), (SEC_E_OK, &b"from MIT"[..]));
        }
        let (st, sig) = sign(ours, b"signed by us");
        assert_eq!(st, SEC_E_OK);
        assert_eq!(peer.ask(&format!("VERIFY {} {}", b64(b"signed by us"), b64(&sig)))[0], "OK");
        let a = peer.ask(&format!("MIC {}", b64(b"signed by MIT")));
        assert_eq!(verify(ours, b"signed by MIT", &unb64(&a[1])), SEC_E_OK);
    }

    #[test]
    fn our_initiator_with_mit_spnego_acceptor() {
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let realm = Realm::start("");
        std::env::set_var("KRB5_CONFIG", &realm.krb5_conf);
        let mut cc = acquire(NEG, Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
        let mut mit = peer(&realm, &["accept"], &[("KRB5_KTNAME", realm.path("http.keytab").display().to_string())]);
        let mut c = SecHandle::default();
        let (st, mut tok, _) = Step::client(true, None, "HTTP/localhost").run(&mut cc, &mut c);
        assert_eq!(st, SEC_I_CONTINUE_NEEDED);
        let mut ours_done = false;
        for _ in 0..4 {
            let a = mit.ask(&format!("STEP {}", b64(&tok)));
            assert_eq!(a[0], "STEP", "MIT's acceptor: {a:?}");
            let mit_done = a[2] == "1";
            if a[1] != "-" || !ours_done {
                let (st, t, _) = Step::client(false, Some(&unb64(&a[1])), "HTTP/localhost").run(&mut cc, &mut c);
                assert!(st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED, "{st:#x}");
                ours_done = st == SEC_E_OK;
                tok = t;
            }
            if mit_done && ours_done {
                assert!(tok.is_empty());
                break;
            }
        }
        assert!(ours_done);
        assert_eq!(mit.ask("MECH")[1], "1.2.840.113554.1.2.2", "MIT negotiated Kerberos");
        assert_eq!(negotiation_info(&mut c).0, "Kerberos");
        assert_eq!(unb64(&mit.ask("KEY")[1]), session_key(&mut c));
        assert_eq!(mit.ask("NAME")[1], format!("{USER}@{REALM}"));
        messages_with_mit(&mut c, &mut mit, true);
        unsafe { secur32::entry::contexts::DeleteSecurityContext(&mut c) };
        free_cred(cc);
    }

    #[test]
    fn mit_spnego_initiator_with_our_acceptor() {
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let realm = Realm::start("");
        std::env::set_var("KRB5_CONFIG", &realm.krb5_conf);
        std::env::set_var("KRB5_KTNAME", realm.path("http.keytab"));
        let ccache = realm.kinit("cc");
        let mut sc = acquire(NEG, None, SECPKG_CRED_INBOUND).unwrap();
        for mutual in ["1", "0"] {
            let mut mit = peer(
                &realm,
                &["initiate", "HTTP@localhost", mutual],
                &[("KRB5CCNAME", format!("FILE:{}", ccache.display()))],
            );
            let mut s = SecHandle::default();
            let a = mit.ask("STEP -");
            assert_eq!(a[0], "STEP", "{a:?}");
            let first = unb64(&a[1]);
            let i = init(&first);
            assert_eq!(i.mech_types[0], KRB5_OID, "MIT offers krb5 first");
            let (mut st, mut tok, _) = Step::server(true, Some(&first)).run(&mut sc, &mut s);
            let mut mit_done = a[2] == "1";
            for _ in 0..4 {
                assert!(st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED, "{st:#x}");
                if tok.is_empty() {
                    break;
                }
                let a = mit.ask(&format!("STEP {}", b64(&tok)));
                assert_eq!(a[0], "STEP", "MIT's initiator: {a:?}");
                mit_done = a[2] == "1";
                if a[1] == "-" {
                    break;
                }
                (st, tok, _) = Step::server(false, Some(&unb64(&a[1]))).run(&mut sc, &mut s);
            }
            assert_eq!(st, SEC_E_OK);
            assert!(mit_done, "MIT's initiator completed (mutual {mutual})");
            assert_eq!(names(&mut s), format!("{USER}@{REALM}"));
            assert_eq!(unb64(&mit.ask("KEY")[1]), session_key(&mut s));
            messages_with_mit(&mut s, &mut mit, true);
            unsafe { secur32::entry::contexts::DeleteSecurityContext(&mut s) };
        }
        free_cred(sc);
        std::env::remove_var("KRB5_KTNAME");
    }

    /// NTLM through MIT's SPNEGO and gss-ntlmssp (users from NTLM_USER_FILE), when the
    /// target is no SPN: the MICs both ways, and NTLM's RC4 reset after them (messages
    /// would not line up otherwise).
    #[test]
    fn ntlm_fallback_with_mit_spnego_and_gss_ntlmssp() {
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let realm = Realm::start("");
        std::env::set_var("KRB5_CONFIG", &realm.krb5_conf);
        let users = realm.path("ntlm-users");
        std::fs::write(&users, "EXAMPLE:alice:s3cret\n").unwrap();
        let env = [
            ("NTLM_USER_FILE", users.display().to_string()),
            ("KRB5_KTNAME", realm.path("absent.keytab").display().to_string()),
        ];
        let mut cc = acquire(NEG, Some(("alice", "EXAMPLE", "s3cret")), SECPKG_CRED_OUTBOUND).unwrap();
        let mut mit = peer(&realm, &["accept"], &env);
        let mut c = SecHandle::default();
        let (st, mut tok, _) = Step::client(true, None, "localhost").run(&mut cc, &mut c);
        assert_eq!(st, SEC_I_CONTINUE_NEEDED);
        let mut done = false;
        for _ in 0..4 {
            let a = mit.ask(&format!("STEP {}", b64(&tok)));
            assert_eq!(a[0], "STEP", "MIT's acceptor: {a:?}");
            let (st, t, _) = Step::client(false, Some(&unb64(&a[1])), "localhost").run(&mut cc, &mut c);
            assert!(st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED, "{st:#x}");
            tok = t;
            if st == SEC_E_OK {
                assert_eq!(a[2], "1");
                done = true;
                break;
            }
        }
        assert!(done);
        assert_eq!(mit.ask("MECH")[1], "1.3.6.1.4.1.311.2.2.10");
        assert_eq!(negotiation_info(&mut c).0, "NTLM");
        assert_eq!(unb64(&mit.ask("KEY")[1]), session_key(&mut c));
        messages_with_mit(&mut c, &mut mit, false);
        unsafe { secur32::entry::contexts::DeleteSecurityContext(&mut c) };
        free_cred(cc);
    }

    /// MIT's SPNEGO initiator with an NTLM password credential (gss-ntlmssp; no Kerberos
    /// configuration, so SPNEGO offers only NTLM) against our acceptor.
    #[test]
    fn mit_spnego_ntlm_initiator_with_our_acceptor() {
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let realm = Realm::start("");
        let mut sc = acquire(NEG, Some(("alice", "EXAMPLE", "s3cret")), SECPKG_CRED_INBOUND).unwrap();
        let env = [
            ("KRB5_CONFIG", "/dev/null".to_string()),
            ("GSS_PEER_USER", "EXAMPLE\\alice".to_string()),
            ("GSS_PEER_PASSWORD", "s3cret".to_string()),
        ];
        let mut mit = peer(&realm, &["initiate", "HTTP@server.example.com", "0"], &env);
        let mut s = SecHandle::default();
        let a = mit.ask("STEP -");
        assert_eq!(a[0], "STEP", "{a:?}");
        let first = unb64(&a[1]);
        assert_eq!(init(&first).mech_types, vec![NTLM_OID.to_vec()], "MIT offers NTLM alone");
        let (mut st, mut tok, _) = Step::server(true, Some(&first)).run(&mut sc, &mut s);
        let mut mit_done = false;
        for _ in 0..4 {
            assert!(st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED, "{st:#x}");
            if tok.is_empty() {
                break;
            }
            let a = mit.ask(&format!("STEP {}", b64(&tok)));
            assert_eq!(a[0], "STEP", "MIT's initiator: {a:?}");
            mit_done = a[2] == "1";
            if a[1] == "-" {
                break;
            }
            (st, tok, _) = Step::server(false, Some(&unb64(&a[1]))).run(&mut sc, &mut s);
        }
        assert_eq!(st, SEC_E_OK);
        assert!(mit_done, "MIT's initiator completed (it checked our mechListMIC)");
        assert_eq!(negotiation_info(&mut s).0, "NTLM");
        assert_eq!(names(&mut s).to_uppercase(), "EXAMPLE\\ALICE");
        assert_eq!(unb64(&mit.ask("KEY")[1]), session_key(&mut s));
        messages_with_mit(&mut s, &mut mit, false);
        unsafe { secur32::entry::contexts::DeleteSecurityContext(&mut s) };
        free_cred(sc);
    }
}
