//! The KDC client against a fake KDC that answers what a real one would
//! not: malformed and truncated replies, replies under the wrong key or
//! with the wrong nonce, a KDC clock an hour ahead, silence, a TCP length
//! prefix that lies. Each must end in a defined status, in bounded time.

use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use secur32::abi::*;
use secur32::crypto::kerberos::{Enctype, Key};
use secur32::packages::kerberos::asn1::*;
use secur32::packages::kerberos::config::{Config, Profile};
use secur32::packages::kerberos::kdc::{as_exchange, Secret};

const REALM: &str = "FAKE.TEST";

/// What the fake KDC answers to the n-th request it gets.
type Answer = Box<dyn Fn(usize, &[u8]) -> Option<Vec<u8>> + Send + Sync>;

struct FakeKdc {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl FakeKdc {
    fn start(answer: Answer, tcp_prefix_lie: bool) -> FakeKdc {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        let tcp = TcpListener::bind(("127.0.0.1", port)).unwrap();
        udp.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        tcp.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s2 = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut n = 0;
            let mut buf = vec![0u8; 65536];
            while !s2.load(Ordering::Relaxed) {
                if let Ok((len, from)) = udp.recv_from(&mut buf) {
                    if let Some(reply) = answer(n, &buf[..len]) {
                        let _ = udp.send_to(&reply, from);
                    }
                    n += 1;
                }
                if let Ok((mut conn, _)) = tcp.accept() {
                    conn.set_nonblocking(false).unwrap();
                    conn.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
                    let mut len = [0u8; 4];
                    if conn.read_exact(&mut len).is_ok() {
                        let mut req = vec![0u8; u32::from_be_bytes(len) as usize];
                        if conn.read_exact(&mut req).is_ok() {
                            if let Some(reply) = answer(n, &req) {
                                let claimed = if tcp_prefix_lie { u32::MAX } else { reply.len() as u32 };
                                let _ = conn.write_all(&claimed.to_be_bytes());
                                let _ = conn.write_all(&reply);
                            }
                            n += 1;
                        }
                    }
                }
            }
        });
        FakeKdc { port, stop }
    }

    fn config(&self, extra: &str) -> Config {
        let mut p = Profile::default();
        p.add_text(
            &format!(
                "[libdefaults]\n default_realm = {REALM}\n kdc_timeout = 1\n{extra}\n[realms]\n {REALM} = {{\n  kdc = 127.0.0.1:{}\n }}\n",
                self.port
            ),
            0,
        );
        Config::from_profile(p)
    }
}

impl Drop for FakeKdc {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

fn user() -> PrincipalName {
    PrincipalName::new(NT_PRINCIPAL, &["alice"])
}

fn user_key() -> Key {
    Enctype::Aes256Sha1.string_to_key(b"secret", format!("{REALM}alice").as_bytes(), None).unwrap()
}

fn tgs_name() -> PrincipalName {
    PrincipalName::new(NT_SRV_INST, &["krbtgt", REALM])
}

fn krb_error(code: i32, stime: i64, e_data: Option<Vec<u8>>) -> Vec<u8> {
    KrbError { stime, susec: 0, error_code: code, realm: REALM.into(), sname: tgs_name(), e_data, ..Default::default() }
        .encode()
}

/// PREAUTH_REQUIRED with ETYPE-INFO2 naming aes256-sha1 and the default salt.
fn preauth_required(stime: i64) -> Vec<u8> {
    let info = EtypeInfo2Entry::encode_list(&[EtypeInfo2Entry { etype: 18, salt: None, s2kparams: None }]);
    let methods = PaData::encode_list(&[PaData { padata_type: PA_ETYPE_INFO2, value: info }]);
    krb_error(KDC_ERR_PREAUTH_REQUIRED, stime, Some(methods))
}

/// A valid AS-REP for `req` under `key`, with `nonce_delta` added to the nonce.
fn as_rep(req: &[u8], key: &Key, nonce_delta: u32) -> Vec<u8> {
    let r = KdcReq::decode(req).unwrap();
    let session = Key::random(Enctype::Aes256Sha1).unwrap();
    let part = EncKdcRepPart {
        key: EncryptionKey { keytype: 18, value: session.bytes().to_vec().into() },
        nonce: r.body.nonce.wrapping_add(nonce_delta),
        key_expiration: None,
        flags: 0,
        authtime: now(),
        starttime: None,
        endtime: now() + 3600,
        renew_till: None,
        srealm: REALM.into(),
        sname: tgs_name(),
    };
    let ticket = Ticket::build(REALM, &tgs_name(), EncryptedData { etype: 18, kvno: Some(1), cipher: vec![0; 64] });
    KdcRep {
        msg_type: MSG_AS_REP,
        padata: vec![],
        crealm: REALM.into(),
        cname: user(),
        ticket,
        enc_part: EncryptedData {
            etype: 18,
            kvno: None,
            cipher: key.encrypt(KU_AS_REP_ENC_PART, &part.encode(TAG_ENC_AS_REP_PART)).unwrap(),
        },
    }
    .encode()
}

/// The pre-authentication timestamp of an AS-REQ, decrypted with the user key.
fn timestamp_of(req: &[u8]) -> Option<i64> {
    let r = KdcReq::decode(req).ok()?;
    let pa = r.padata.iter().find(|p| p.padata_type == PA_ENC_TIMESTAMP)?;
    let ed = EncryptedData::decode(&mut secur32::der::Reader::new(&pa.value)).ok()?;
    let plain = user_key().decrypt(KU_PA_ENC_TS, &ed.cipher).ok()?;
    decode_pa_enc_ts(&plain).ok().map(|(t, _)| t)
}

fn run(kdc: &FakeKdc, extra: &str) -> Result<(), i32> {
    let c = kdc.config(extra);
    as_exchange(&c, REALM, &user(), &Secret::Password(b"secret"), None).map(|_| ()).map_err(|e| e.status)
}

#[test]
fn a_correct_exchange_works_against_the_fake() {
    let kdc = FakeKdc::start(
        Box::new(|n, req| Some(if n == 0 { preauth_required(now()) } else { as_rep(req, &user_key(), 0) })),
        false,
    );
    assert_eq!(run(&kdc, ""), Ok(()));
}

#[test]
fn malformed_replies_are_invalid_tokens() {
    type Mangle = fn(Vec<u8>) -> Vec<u8>;
    let mangles: [Mangle; 4] = [
        |mut v| {
            v.truncate(v.len() / 2);
            v
        },
        |mut v| {
            v[0] = 0x30;
            v
        },
        |mut v| {
            v.push(0);
            v
        },
        |_| b"not Kerberos at all".to_vec(),
    ];
    for m in mangles {
        let kdc = FakeKdc::start(
            Box::new(move |n, req| Some(if n == 0 { preauth_required(now()) } else { m(as_rep(req, &user_key(), 0)) })),
            false,
        );
        assert_eq!(run(&kdc, ""), Err(SEC_E_INVALID_TOKEN), "never a crypt32 ASN.1 code out of SSPI");
    }
}

#[test]
fn wrong_key_and_wrong_nonce_are_refused() {
    let other = Key::random(Enctype::Aes256Sha1).unwrap();
    let kdc = FakeKdc::start(
        Box::new(move |n, req| Some(if n == 0 { preauth_required(now()) } else { as_rep(req, &other, 0) })),
        false,
    );
    assert_eq!(run(&kdc, ""), Err(SEC_E_LOGON_DENIED));
    let kdc = FakeKdc::start(
        Box::new(|n, req| Some(if n == 0 { preauth_required(now()) } else { as_rep(req, &user_key(), 1) })),
        false,
    );
    assert_eq!(run(&kdc, ""), Err(SEC_E_INVALID_TOKEN), "a reply to another request");
}

#[test]
fn a_kdc_clock_an_hour_ahead_is_followed() {
    // The KDC's clock: our time plus an hour. Too far off: KRB_AP_ERR_SKEW with its time; then
    // the client must redo the timestamp in the KDC's time.
    let ahead = 3600;
    let kdc = FakeKdc::start(
        Box::new(move |n, req| {
            let kdc_now = now() + ahead;
            Some(match n {
                0 => preauth_required(kdc_now),
                _ => match timestamp_of(req) {
                    Some(t) if (t - kdc_now).abs() <= 300 => as_rep(req, &user_key(), 0),
                    _ => krb_error(KRB_AP_ERR_SKEW, kdc_now, None),
                },
            })
        }),
        false,
    );
    assert_eq!(run(&kdc, ""), Ok(()));
    // A KDC that keeps saying skew: SEC_E_TIME_SKEW after one retry, not a loop.
    let kdc = FakeKdc::start(
        Box::new(|n, _| {
            Some(if n == 0 { preauth_required(now()) } else { krb_error(KRB_AP_ERR_SKEW, now() + 7200, None) })
        }),
        false,
    );
    assert_eq!(run(&kdc, ""), Err(SEC_E_TIME_SKEW));
}

#[test]
fn silence_and_lying_tcp_lengths_end_in_bounded_time() {
    let kdc = FakeKdc::start(Box::new(|_, _| None), false);
    let start = Instant::now();
    assert_eq!(run(&kdc, ""), Err(SEC_E_NO_AUTHENTICATING_AUTHORITY));
    assert!(start.elapsed() < Duration::from_secs(10), "{:?}", start.elapsed());
    // Over TCP (udp_preference_limit = 1), a length prefix of 4 GiB.
    let kdc = FakeKdc::start(
        Box::new(|n, req| Some(if n == 0 { preauth_required(now()) } else { as_rep(req, &user_key(), 0) })),
        true,
    );
    let start = Instant::now();
    assert_eq!(run(&kdc, " udp_preference_limit = 1\n"), Err(SEC_E_NO_AUTHENTICATING_AUTHORITY));
    assert!(start.elapsed() < Duration::from_secs(10));
    // RESPONSE_TOO_BIG over UDP moves to TCP.
    let kdc = FakeKdc::start(
        Box::new(|n, req| {
            Some(match n {
                0 => krb_error(KRB_ERR_RESPONSE_TOO_BIG, now(), None),
                1 => preauth_required(now()),
                2 => krb_error(KRB_ERR_RESPONSE_TOO_BIG, now(), None),
                _ => as_rep(req, &user_key(), 0),
            })
        }),
        false,
    );
    assert_eq!(run(&kdc, ""), Ok(()));
}
