//! The Kerberos package against a real MIT KDC on loopback (a realm made
//! at test time: see tests/common/krb5.rs).

mod common;

use std::time::{Duration, Instant};

use common::krb5::{config_of, Realm, PASSWORD, REALM, USER};
use secur32::abi::*;
use secur32::crypto::kerberos::Enctype;
use secur32::packages::kerberos::asn1::{PrincipalName, NT_PRINCIPAL, NT_SRV_HST, NT_SRV_INST};
use secur32::packages::kerberos::kdc::{as_exchange, tgs_exchange, Secret};

fn user() -> PrincipalName {
    PrincipalName::new(NT_PRINCIPAL, &[USER])
}

fn http() -> PrincipalName {
    PrincipalName::new(NT_SRV_HST, &["HTTP", "localhost"])
}

#[test]
fn as_and_tgs_exchanges_for_every_enctype() {
    let realm = Realm::start("");
    for e in Enctype::ALL {
        let mut c = config_of(&realm);
        c.tkt_enctypes = vec![e];
        c.tgs_enctypes = vec![e];
        let tgt = as_exchange(&c, REALM, &user(), &Secret::Password(PASSWORD.as_bytes()), None)
            .unwrap_or_else(|err| panic!("{e:?}: {err:?}\n{}", realm.log()));
        assert_eq!(tgt.session_key.enctype(), e);
        assert_eq!(tgt.server, PrincipalName::new(NT_SRV_INST, &["krbtgt", REALM]));
        assert_eq!(tgt.client, user());
        assert!(tgt.endtime > tgt.authtime);
        let svc =
            tgs_exchange(&c, &tgt, &http(), REALM).unwrap_or_else(|err| panic!("{e:?}: {err:?}\n{}", realm.log()));
        assert_eq!(svc.session_key.enctype(), e, "the service session key follows default_tgs_enctypes");
        assert_eq!(svc.server.components, ["HTTP", "localhost"]);
        assert_eq!(svc.ticket.realm, REALM);
    }
}

#[test]
fn tcp_is_used_above_the_udp_limit() {
    let realm = Realm::start(" udp_preference_limit = 1\n");
    let c = config_of(&realm);
    assert_eq!(c.udp_preference_limit, 1);
    let tgt = as_exchange(&c, REALM, &user(), &Secret::Password(PASSWORD.as_bytes()), None).unwrap();
    tgs_exchange(&c, &tgt, &http(), REALM).unwrap();
}

#[test]
fn kdc_errors_map_to_sspi_statuses() {
    let mut realm = Realm::start(" kdc_timeout = 1\n");
    let c = config_of(&realm);
    let wrong = as_exchange(&c, REALM, &user(), &Secret::Password(b"not the password"), None).unwrap_err();
    assert_eq!(wrong.status, SEC_E_LOGON_DENIED);
    let nobody = PrincipalName::new(NT_PRINCIPAL, &["nobody"]);
    assert_eq!(as_exchange(&c, REALM, &nobody, &Secret::Password(b"x"), None).unwrap_err().status, SEC_E_LOGON_DENIED);
    let tgt = as_exchange(&c, REALM, &user(), &Secret::Password(PASSWORD.as_bytes()), None).unwrap();
    let unknown = PrincipalName::new(NT_SRV_HST, &["HTTP", "unknown.example.test"]);
    assert_eq!(tgs_exchange(&c, &tgt, &unknown, REALM).unwrap_err().status, SEC_E_TARGET_UNKNOWN);
    // No KDC answering: refused in bounded time, not a hang.
    realm.stop_kdc();
    let start = Instant::now();
    let e = as_exchange(&c, REALM, &user(), &Secret::Password(PASSWORD.as_bytes()), None).unwrap_err();
    assert_eq!(e.status, SEC_E_NO_AUTHENTICATING_AUTHORITY);
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    // A realm without KDCs in krb5.conf.
    assert_eq!(
        as_exchange(&c, "NOWHERE.TEST", &user(), &Secret::Password(b"x"), None).unwrap_err().status,
        SEC_E_NO_AUTHENTICATING_AUTHORITY
    );
}

#[test]
fn kinit_ccache_and_kadmin_keytab_are_read() {
    use secur32::packages::kerberos::asn1::{EncTicketPart, KU_TICKET};
    use secur32::packages::kerberos::{ccache, keytab};
    let realm = Realm::start("");
    let c = config_of(&realm);
    // A FILE ccache made by kinit: its TGT works for a TGS exchange.
    let cc = ccache::read(&realm.kinit("cc")).unwrap();
    assert_eq!((cc.realm.as_str(), cc.principal.clone()), (REALM, user()));
    let tgt = cc.creds.iter().find(|c| c.server.components.first().map(String::as_str) == Some("krbtgt")).unwrap();
    let svc = tgs_exchange(&c, tgt, &http(), REALM).unwrap();
    // The keytab kadmin.local wrote decrypts the service ticket.
    let keys = keytab::read(&realm.path("http.keytab")).unwrap();
    assert_eq!(keys.len(), 4, "one key per AES enctype");
    assert!(keys.iter().all(|k| k.principal.components == ["HTTP", "localhost"] && k.realm == REALM));
    let key = keys.iter().find(|k| k.key.enctype().number() == svc.ticket.enc_part.etype).unwrap();
    assert_eq!(Some(key.kvno), svc.ticket.enc_part.kvno);
    let plain = key.key.decrypt(KU_TICKET, &svc.ticket.enc_part.cipher).unwrap();
    let part = EncTicketPart::decode(&plain).unwrap();
    assert_eq!(part.cname, user());
    assert_eq!(&part.key.value[..], svc.session_key.bytes(), "the acceptor sees the client's session key");
    // A DIR collection: its primary names the cache kinit filled.
    let dir = realm.path("ccdir");
    std::fs::create_dir_all(&dir).unwrap();
    let status = std::process::Command::new("kinit")
        .arg(USER)
        .env("KRB5_CONFIG", &realm.krb5_conf)
        .env("KRB5CCNAME", format!("DIR:{}", dir.display()))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .and_then(|mut ch| {
            use std::io::Write;
            ch.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes())?;
            ch.wait()
        })
        .unwrap();
    assert!(status.success());
    let file = ccache::file_of(&format!("DIR:{}", dir.display())).unwrap();
    assert_eq!(ccache::read(&file).unwrap().principal, user());
}

mod mit_gssapi {
    use super::*;
    use common::krb5::{b64, unb64, GssPeer};
    use secur32::packages::kerberos::context::{
        accept, initiate, Established, ReplayCache, GSS_CONF, GSS_INTEG, GSS_MUTUAL,
    };
    use secur32::packages::kerberos::keytab;

    /// Messages both ways, both protections, MICs both ways, and the session key.
    fn exchange_messages(ours: &mut Established, peer: &mut GssPeer) {
        for seal in [true, false] {
            let t = ours.protector.wrap(ours.send_seq, b"from sspi-rustls", seal).unwrap();
            ours.send_seq += 1;
            let a = peer.ask(&format!("UNWRAP {}", b64(&t)));
            assert_eq!(a[0], "DATA", "{a:?}");
            assert_eq!((unb64(&a[1]), a[2].as_str()), (b"from sspi-rustls".to_vec(), if seal { "1" } else { "0" }));
            let a = peer.ask(&format!("WRAP {} {}", b64(b"from MIT"), seal as u8));
            let (msg, info) = ours.protector.unwrap(&unb64(&a[1])).unwrap();
            assert_eq!((&msg[..], info.sealed, info.seq), (&b"from MIT"[..], seal, ours.recv_seq));
            ours.recv_seq += 1;
        }
        let mic = ours.protector.mic(ours.send_seq, b"signed by us");
        ours.send_seq += 1;
        assert_eq!(peer.ask(&format!("VERIFY {} {}", b64(b"signed by us"), b64(&mic))), ["OK"]);
        let a = peer.ask(&format!("MIC {}", b64(b"signed by MIT")));
        assert_eq!(ours.protector.verify_mic(&unb64(&a[1]), b"signed by MIT").unwrap(), ours.recv_seq);
        ours.recv_seq += 1;
        let a = peer.ask("KEY");
        assert_eq!(unb64(&a[1]), ours.session_key.bytes(), "the session key MIT reports");
    }

    #[test]
    fn our_initiator_with_mit_acceptor_for_every_enctype() {
        let realm = Realm::start("");
        for e in Enctype::ALL {
            let mut c = config_of(&realm);
            c.tgs_enctypes = vec![e];
            let tgt = as_exchange(&c, REALM, &user(), &Secret::Password(PASSWORD.as_bytes()), None).unwrap();
            let svc = tgs_exchange(&c, &tgt, &http(), REALM).unwrap();
            let mut peer = GssPeer::start(
                &realm,
                &["accept"],
                &[("KRB5_KTNAME", realm.path("http.keytab").display().to_string())],
            );
            let (token, state) = initiate(&svc, GSS_MUTUAL | GSS_CONF | GSS_INTEG, None).unwrap();
            let a = peer.ask(&format!("STEP {}", b64(&token)));
            assert_eq!((a[0].as_str(), a[2].as_str()), ("STEP", "1"), "{e:?}: {a:?}");
            let mut ours = state.finish(&unb64(&a[1])).unwrap_or_else(|err| panic!("{e:?}: {err:?}"));
            assert!(ours.protector.acceptor_subkey, "MIT answers with an acceptor subkey");
            assert_eq!(ours.session_key.enctype(), e);
            assert_eq!(peer.ask("NAME"), ["NAME", &format!("{USER}@{REALM}")]);
            exchange_messages(&mut ours, &mut peer);
        }
    }

    #[test]
    fn mit_initiator_with_our_acceptor() {
        let realm = Realm::start("");
        let cc = realm.kinit("cc");
        let keys = keytab::read(&realm.path("http.keytab")).unwrap();
        let replay = ReplayCache::default();
        for mutual in [true, false] {
            let mut peer = GssPeer::start(
                &realm,
                &["initiate", "HTTP@localhost", if mutual { "1" } else { "0" }],
                &[("KRB5CCNAME", format!("FILE:{}", cc.display()))],
            );
            let a = peer.ask("STEP -");
            assert_eq!(a[0], "STEP", "{a:?}");
            let token = unb64(&a[1]);
            let acc = accept(&token, &keys, None, &replay, 300).unwrap();
            assert_eq!((acc.client.clone(), acc.client_realm.as_str()), (user(), REALM));
            assert_eq!(acc.flags & GSS_MUTUAL != 0, mutual);
            assert_eq!(acc.flags & GSS_CONF, GSS_CONF);
            match &acc.reply {
                Some(rep) => {
                    let a = peer.ask(&format!("STEP {}", b64(rep)));
                    assert_eq!((a[1].as_str(), a[2].as_str()), ("-", "1"), "{a:?}");
                }
                None => assert!(!mutual),
            }
            let mut est = acc.established;
            exchange_messages(&mut est, &mut peer);
            // The same AP-REQ again is a replay.
            assert!(accept(&token, &keys, None, &replay, 300).is_err());
        }
    }

    #[test]
    fn delegation_both_ways() {
        use secur32::packages::kerberos::context::{initiate_delegating, krb_cred, GSS_DELEG};
        use secur32::packages::kerberos::kdc::forwarded_tgt;
        let realm = Realm::start(" forwardable = true\n");
        let c = config_of(&realm);
        // Our initiator delegates a forwarded TGT to MIT's acceptor.
        let tgt = as_exchange(&c, REALM, &user(), &Secret::Password(PASSWORD.as_bytes()), None).unwrap();
        let svc = tgs_exchange(&c, &tgt, &http(), REALM).unwrap();
        let fwd = forwarded_tgt(&c, &tgt).unwrap();
        assert_eq!(fwd.server, PrincipalName::new(NT_SRV_INST, &["krbtgt", REALM]));
        let cred = krb_cred(&svc, &fwd).unwrap();
        let mut peer =
            GssPeer::start(&realm, &["accept"], &[("KRB5_KTNAME", realm.path("http.keytab").display().to_string())]);
        let (token, state) = initiate_delegating(&svc, GSS_MUTUAL | GSS_CONF | GSS_INTEG, None, Some(&cred)).unwrap();
        let a = peer.ask(&format!("STEP {}", b64(&token)));
        assert_eq!(a[2], "1", "{a:?}");
        state.finish(&unb64(&a[1])).unwrap();
        assert_eq!(peer.ask("DELEG"), ["DELEG", &format!("{USER}@{REALM}")], "MIT received our delegation");
        // MIT's initiator delegates to our acceptor.
        let cc = realm.kinit("cc");
        let keys = keytab::read(&realm.path("http.keytab")).unwrap();
        let mut peer = GssPeer::start(
            &realm,
            &["initiate", "HTTP@localhost", "1", "-", "1"],
            &[("KRB5CCNAME", format!("FILE:{}", cc.display()))],
        );
        let a = peer.ask("STEP -");
        let acc = accept(&unb64(&a[1]), &keys, None, &ReplayCache::default(), 300).unwrap();
        assert_ne!(acc.flags & GSS_DELEG, 0);
        let d = acc.delegated.expect("a delegated TGT");
        assert_eq!(
            (d.client.clone(), d.server.components.clone()),
            (user(), vec!["krbtgt".to_string(), REALM.to_string()])
        );
        // The delegated TGT works: it gets a service ticket.
        tgs_exchange(&c, &d, &http(), REALM).unwrap();
    }

    #[test]
    fn channel_bindings_are_checked() {
        let realm = Realm::start("");
        let cc = realm.kinit("cc");
        let keys = keytab::read(&realm.path("http.keytab")).unwrap();
        let app = b"tls-server-end-point:0123456789abcdef";
        // The SEC_CHANNEL_BINDINGS block an SSPI acceptor would be given: application data at offset 32.
        let mut cb = vec![0u8; 32];
        cb[24..28].copy_from_slice(&(app.len() as u32).to_le_bytes());
        cb[28..32].copy_from_slice(&32u32.to_le_bytes());
        cb.extend_from_slice(app);
        let hash = secur32::gss::channel_bindings_hash(&cb).unwrap();
        let hex: String = app.iter().map(|b| format!("{b:02x}")).collect();
        let run = |bindings: Option<[u8; 16]>| {
            let mut peer = GssPeer::start(
                &realm,
                &["initiate", "HTTP@localhost", "1", &hex],
                &[("KRB5CCNAME", format!("FILE:{}", cc.display()))],
            );
            let a = peer.ask("STEP -");
            accept(&unb64(&a[1]), &keys, bindings, &ReplayCache::default(), 300).map(|_| ())
        };
        run(Some(hash)).unwrap();
        let mut other = hash;
        other[0] ^= 1;
        assert_eq!(run(Some(other)).unwrap_err().status, SEC_E_BAD_BINDINGS);
        assert_eq!(run(None).unwrap_err().status, SEC_E_BAD_BINDINGS, "bindings sent, none expected");
    }
}

/// The package through the SSPI exports, as a Windows program calls it.
mod sspi {
    use super::*;
    use std::sync::Mutex;

    use common::sspi::{names, session_key, sizes, Step};
    use secur32::entry::contexts::DeleteSecurityContext;
    use secur32::entry::credentials::FreeCredentialsHandle;
    use secur32::entry::messages::{DecryptMessage, EncryptMessage, MakeSignature, VerifySignature};

    /// The package reads KRB5_CONFIG and friends from the environment: one test at a time.
    static ENV: Mutex<()> = Mutex::new(());

    fn acquire(identity: Option<(&str, &str, &str)>, usage: ULONG) -> Result<CredHandle, i32> {
        common::sspi::acquire("Kerberos", identity, usage)
    }

    /// One ISC or ASC call with allocated output: (status, token, attributes).
    fn step(
        client: bool,
        cred: &mut CredHandle,
        ctx: &mut CtxtHandle,
        first: bool,
        input: Option<&[u8]>,
        target: &str,
    ) -> (i32, Vec<u8>, u32) {
        step_with(client, cred, ctx, first, input, target, 0)
    }

    fn step_with(
        client: bool,
        cred: &mut CredHandle,
        ctx: &mut CtxtHandle,
        first: bool,
        input: Option<&[u8]>,
        target: &str,
        extra: u32,
    ) -> (i32, Vec<u8>, u32) {
        let mut s = if client { Step::client(first, input, target) } else { Step::server(first, input) };
        s.flags |= extra;
        s.run(cred, ctx)
    }

    /// EncryptMessage on [TOKEN, DATA, PADDING] then DecryptMessage on [TOKEN, DATA] at the peer.
    fn seal_and_open(from: &mut CtxtHandle, to: &mut CtxtHandle, qop: ULONG, msg: &[u8]) -> (i32, Vec<u8>, ULONG) {
        let trailer = sizes(from).cbSecurityTrailer as usize;
        let mut tok = vec![0u8; trailer];
        let mut data = msg.to_vec();
        let mut pad = [0u8; 16];
        let mut bufs = [
            SecBuffer { cbBuffer: tok.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: tok.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: data.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 16, BufferType: SECBUFFER_PADDING, pvBuffer: pad.as_mut_ptr().cast() },
        ];
        let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 3, pBuffers: bufs.as_mut_ptr() };
        assert_eq!(unsafe { EncryptMessage(from, qop, &mut desc, 0) }, SEC_E_OK);
        let tlen = bufs[0].cbBuffer as usize;
        if qop == 0 {
            assert_ne!(&data[..], msg, "sealed in place");
        }
        let mut t2 = tok[..tlen].to_vec();
        let mut bufs = [
            SecBuffer { cbBuffer: t2.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: t2.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: data.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
        ];
        let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
        let mut got_qop = 0xdead;
        let st = unsafe { DecryptMessage(to, &mut desc, 0, &mut got_qop) };
        (st, data[..bufs[1].cbBuffer as usize].to_vec(), got_qop)
    }

    #[test]
    fn identity_client_and_keytab_server_through_sspi() {
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let realm = Realm::start("");
        std::env::set_var("KRB5_CONFIG", &realm.krb5_conf);
        std::env::set_var("KRB5_KTNAME", realm.path("http.keytab"));
        let mut ccred = acquire(Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
        let mut scred = acquire(None, SECPKG_CRED_INBOUND).unwrap();
        let (mut c, mut s) = (SecHandle::default(), SecHandle::default());
        let (st, t1, _) = step(true, &mut ccred, &mut c, true, None, "HTTP/localhost");
        assert_eq!(st, SEC_I_CONTINUE_NEEDED, "mutual auth: one more leg");
        assert_eq!(t1[0], 0x60, "a GSS-API framed AP-REQ");
        let (st, t2, sattrs) = step(false, &mut scred, &mut s, true, Some(&t1), "");
        assert_eq!(st, SEC_E_OK);
        assert_ne!(sattrs & ASC_RET_MUTUAL_AUTH, 0);
        let (st, t3, cattrs) = step(true, &mut ccred, &mut c, false, Some(&t2), "HTTP/localhost");
        assert_eq!(st, SEC_E_OK);
        assert!(t3.is_empty());
        assert_eq!(
            cattrs & (ISC_RET_MUTUAL_AUTH | ISC_RET_CONFIDENTIALITY),
            ISC_RET_MUTUAL_AUTH | ISC_RET_CONFIDENTIALITY
        );
        assert_eq!(names(&mut s), format!("{USER}@{REALM}"));
        assert_eq!(names(&mut c), format!("{USER}@{REALM}"));
        assert_eq!(session_key(&mut c), session_key(&mut s));
        let sz = sizes(&mut c);
        assert_eq!((sz.cbMaxToken, sz.cbBlockSize), (48000, 1));
        // Messages both ways, sealed and signed only.
        for (qop, expect_qop) in [(0, 0), (SECQOP_WRAP_NO_ENCRYPT, SECQOP_WRAP_NO_ENCRYPT)] {
            let (st, plain, q) = seal_and_open(&mut c, &mut s, qop, b"client to server");
            assert_eq!((st, &plain[..], q), (SEC_E_OK, &b"client to server"[..], expect_qop));
            let (st, plain, _) = seal_and_open(&mut s, &mut c, qop, b"server to client");
            assert_eq!((st, &plain[..]), (SEC_E_OK, &b"server to client"[..]));
        }
        // MakeSignature / VerifySignature, and a tampered message.
        let mut data = b"signed".to_vec();
        let mut sig = vec![0u8; sizes(&mut c).cbMaxSignature as usize];
        let mut bufs = [
            SecBuffer { cbBuffer: data.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: sig.len() as u32, BufferType: SECBUFFER_TOKEN, pvBuffer: sig.as_mut_ptr().cast() },
        ];
        let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
        assert_eq!(unsafe { MakeSignature(&mut c, 0, &mut desc, 0) }, SEC_E_OK);
        let mut qop = 0;
        assert_eq!(unsafe { VerifySignature(&mut s, &mut desc, 0, &mut qop) }, SEC_E_OK);
        assert_eq!(unsafe { VerifySignature(&mut s, &mut desc, 0, &mut qop) }, SEC_E_OUT_OF_SEQUENCE, "a replay");
        data[0] ^= 1;
        assert_eq!(unsafe { MakeSignature(&mut c, 0, &mut desc, 0) }, SEC_E_OK);
        data[0] ^= 1;
        assert_eq!(unsafe { VerifySignature(&mut s, &mut desc, 0, &mut qop) }, SEC_E_MESSAGE_ALTERED);
        unsafe {
            DeleteSecurityContext(&mut c);
            DeleteSecurityContext(&mut s);
            FreeCredentialsHandle(&mut ccred);
            FreeCredentialsHandle(&mut scred);
        }
        // A wrong password fails at the first ISC, as on Windows (ACH does not ask the KDC).
        let mut bad = acquire(Some((USER, REALM, "wrong")), SECPKG_CRED_OUTBOUND).unwrap();
        let mut c = SecHandle::default();
        assert_eq!(step(true, &mut bad, &mut c, true, None, "HTTP/localhost").0, SEC_E_LOGON_DENIED);
        // An unknown service.
        let mut ok = acquire(Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
        let mut c = SecHandle::default();
        assert_eq!(step(true, &mut ok, &mut c, true, None, "HTTP/nowhere.example.test").0, SEC_E_TARGET_UNKNOWN);
        unsafe {
            FreeCredentialsHandle(&mut bad);
            FreeCredentialsHandle(&mut ok);
        }
        std::env::remove_var("KRB5_KTNAME");
    }

    #[test]
    fn default_ccache_client_with_mit_acceptor() {
        use common::krb5::{b64, unb64, GssPeer};
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let realm = Realm::start("");
        let cc = realm.kinit("cc");
        std::env::set_var("KRB5_CONFIG", &realm.krb5_conf);
        std::env::set_var("KRB5CCNAME", format!("FILE:{}", cc.display()));
        // No identity: the logged-on user's tickets, i.e. the default ccache.
        let mut ccred = acquire(None, SECPKG_CRED_OUTBOUND).unwrap();
        let mut peer =
            GssPeer::start(&realm, &["accept"], &[("KRB5_KTNAME", realm.path("http.keytab").display().to_string())]);
        let mut c = SecHandle::default();
        let (st, t1, _) = step(true, &mut ccred, &mut c, true, None, "HTTP@localhost");
        assert_eq!(st, SEC_I_CONTINUE_NEEDED);
        let a = peer.ask(&format!("STEP {}", b64(&t1)));
        assert_eq!(a[2], "1", "{a:?}");
        let (st, _, _) = step(true, &mut ccred, &mut c, false, Some(&unb64(&a[1])), "HTTP@localhost");
        assert_eq!(st, SEC_E_OK);
        assert_eq!(unb64(&peer.ask("KEY")[1]), session_key(&mut c));
        unsafe {
            DeleteSecurityContext(&mut c);
            FreeCredentialsHandle(&mut ccred);
        }
        std::env::remove_var("KRB5CCNAME");
    }

    /// Many threads on one client and one server credential: handshakes (the service
    /// ticket cached after the first), messages, and the shared replay cache, with no
    /// leak of handles and no false replay.
    #[test]
    fn concurrent_handshakes_on_shared_credentials() {
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let realm = Realm::start("");
        std::env::set_var("KRB5_CONFIG", &realm.krb5_conf);
        std::env::set_var("KRB5_KTNAME", realm.path("http.keytab"));
        let ccred = acquire(Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
        let scred = acquire(None, SECPKG_CRED_INBOUND).unwrap();
        let before = secur32::entry::CONTEXTS.live();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    let (mut cc, mut sc) = (ccred, scred);
                    for i in 0..40 {
                        let (mut c, mut s) = (SecHandle::default(), SecHandle::default());
                        let (st, t1, _) = step(true, &mut cc, &mut c, true, None, "HTTP/localhost");
                        assert_eq!(st, SEC_I_CONTINUE_NEEDED, "thread {t} round {i}");
                        let (st, t2, _) = step(false, &mut sc, &mut s, true, Some(&t1), "");
                        assert_eq!(st, SEC_E_OK, "thread {t} round {i}: a fresh authenticator is no replay");
                        assert_eq!(step(true, &mut cc, &mut c, false, Some(&t2), "HTTP/localhost").0, SEC_E_OK);
                        let (st, plain, _) = seal_and_open(&mut c, &mut s, 0, b"concurrent");
                        assert_eq!((st, &plain[..]), (SEC_E_OK, &b"concurrent"[..]));
                        unsafe {
                            assert_eq!(DeleteSecurityContext(&mut c), SEC_E_OK);
                            assert_eq!(DeleteSecurityContext(&mut s), SEC_E_OK);
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(secur32::entry::CONTEXTS.live(), before, "every context freed");
        let (mut cc, mut sc) = (ccred, scred);
        unsafe {
            FreeCredentialsHandle(&mut cc);
            FreeCredentialsHandle(&mut sc);
        }
        std::env::remove_var("KRB5_KTNAME");
    }

    #[test]
    fn isc_req_delegate_through_sspi() {
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let realm = Realm::start(" forwardable = true\n");
        std::env::set_var("KRB5_CONFIG", &realm.krb5_conf);
        std::env::set_var("KRB5_KTNAME", realm.path("http.keytab"));
        let mut ccred = acquire(Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
        let mut scred = acquire(None, SECPKG_CRED_INBOUND).unwrap();
        let (mut c, mut s) = (SecHandle::default(), SecHandle::default());
        let (st, t1, a1) = step_with(true, &mut ccred, &mut c, true, None, "HTTP/localhost", ISC_REQ_DELEGATE);
        assert_eq!((st, a1 & ISC_RET_DELEGATE), (SEC_I_CONTINUE_NEEDED, ISC_RET_DELEGATE));
        let (st, t2, sattrs) = step(false, &mut scred, &mut s, true, Some(&t1), "");
        assert_eq!((st, sattrs & ASC_RET_DELEGATE), (SEC_E_OK, ASC_RET_DELEGATE), "the acceptor got the TGT");
        let (st, _, a3) = step_with(true, &mut ccred, &mut c, false, Some(&t2), "HTTP/localhost", ISC_REQ_DELEGATE);
        assert_eq!((st, a3 & ISC_RET_DELEGATE), (SEC_E_OK, ISC_RET_DELEGATE));
        // Without the flag, nothing is delegated.
        let (mut c2, mut s2) = (SecHandle::default(), SecHandle::default());
        let (_, t1, a1) = step(true, &mut ccred, &mut c2, true, None, "HTTP/localhost");
        assert_eq!(a1 & ISC_RET_DELEGATE, 0);
        assert_eq!(step(false, &mut scred, &mut s2, true, Some(&t1), "").2 & ASC_RET_DELEGATE, 0);
        unsafe {
            for h in [&mut c, &mut s, &mut c2, &mut s2] {
                DeleteSecurityContext(h);
            }
            FreeCredentialsHandle(&mut ccred);
            FreeCredentialsHandle(&mut scred);
        }
        std::env::remove_var("KRB5_KTNAME");
    }

    #[test]
    fn calls_out_of_order_and_bad_input() {
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let realm = Realm::start("");
        std::env::set_var("KRB5_CONFIG", &realm.krb5_conf);
        std::env::set_var("KRB5_KTNAME", realm.path("http.keytab"));
        let mut ccred = acquire(Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
        let mut scred = acquire(None, SECPKG_CRED_INBOUND).unwrap();
        // An inbound credential cannot initiate, an outbound one cannot accept.
        let mut c = SecHandle::default();
        assert_eq!(step(true, &mut scred, &mut c, true, None, "HTTP/localhost").0, SEC_E_NO_CREDENTIALS);
        let (mut c, mut s) = (SecHandle::default(), SecHandle::default());
        let (_, t1, _) = step(true, &mut ccred, &mut c, true, None, "HTTP/localhost");
        assert_eq!(step(false, &mut ccred, &mut s, true, Some(&t1), "").0, SEC_E_NO_CREDENTIALS);
        // Messages before the loop completes.
        let mut data = *b"early";
        let mut tok = [0u8; 80];
        let mut bufs = [
            SecBuffer { cbBuffer: 80, BufferType: SECBUFFER_TOKEN, pvBuffer: tok.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 5, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
        ];
        let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 2, pBuffers: bufs.as_mut_ptr() };
        assert_eq!(unsafe { EncryptMessage(&mut c, 0, &mut desc, 0) }, SEC_E_INVALID_HANDLE);
        // A truncated AP-REQ, an AP-REQ cut anywhere: invalid tokens, never a crash.
        let mut s = SecHandle::default();
        for cut in [1, 2, 10, t1.len() / 2, t1.len() - 1] {
            let mut s2 = SecHandle::default();
            let st = step(false, &mut scred, &mut s2, true, Some(&t1[..cut]), "").0;
            assert_eq!(st, SEC_E_INVALID_TOKEN, "cut at {cut}");
        }
        // A token too small for the output buffer the caller gave.
        let (st, t2, _) = step(false, &mut scred, &mut s, true, Some(&t1), "");
        assert_eq!(st, SEC_E_OK);
        // The AP-REP mangled: mutual authentication fails.
        let mut bad = t2.clone();
        let n = bad.len();
        bad[n - 3] ^= 0xff;
        assert_eq!(step(true, &mut ccred, &mut c, false, Some(&bad), "HTTP/localhost").0, SEC_E_MUTUAL_AUTH_FAILED);
        unsafe {
            DeleteSecurityContext(&mut c);
            DeleteSecurityContext(&mut s);
            FreeCredentialsHandle(&mut ccred);
            FreeCredentialsHandle(&mut scred);
        }
        std::env::remove_var("KRB5_KTNAME");
    }

    #[test]
    fn expired_service_ticket_is_refused_and_the_client_fetches_a_new_one() {
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        // A one-second skew allowance (both ours and MIT's read it), and a service whose
        // tickets live three seconds.
        let realm = Realm::start(" clockskew = 1\n");
        realm.kadmin("modprinc -maxlife \"3 seconds\" HTTP/localhost");
        std::env::set_var("KRB5_CONFIG", &realm.krb5_conf);
        std::env::set_var("KRB5_KTNAME", realm.path("http.keytab"));
        let mut ccred = acquire(Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
        let mut scred = acquire(None, SECPKG_CRED_INBOUND).unwrap();
        let (mut c, mut s) = (SecHandle::default(), SecHandle::default());
        let (st, t1, _) = step(true, &mut ccred, &mut c, true, None, "HTTP/localhost");
        assert_eq!(st, SEC_I_CONTINUE_NEEDED);
        std::thread::sleep(Duration::from_secs(5));
        let (st, _, _) = step(false, &mut scred, &mut s, true, Some(&t1), "");
        assert_eq!(st, SEC_E_CONTEXT_EXPIRED, "an AP-REQ whose ticket ended before now - skew");
        // A new context does not reuse the dead ticket: the client asks the KDC again.
        let (mut c2, mut s2) = (SecHandle::default(), SecHandle::default());
        let (st, t1, _) = step(true, &mut ccred, &mut c2, true, None, "HTTP/localhost");
        assert_eq!(st, SEC_I_CONTINUE_NEEDED);
        let (st, _, _) = step(false, &mut scred, &mut s2, true, Some(&t1), "");
        assert_eq!(st, SEC_E_OK, "a fresh ticket");
        unsafe {
            for h in [&mut c, &mut s, &mut c2, &mut s2] {
                DeleteSecurityContext(h);
            }
            FreeCredentialsHandle(&mut ccred);
            FreeCredentialsHandle(&mut scred);
        }
        std::env::remove_var("KRB5_KTNAME");
    }
}
