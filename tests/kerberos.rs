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
