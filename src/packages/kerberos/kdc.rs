//! Talking to the KDC: the package's only network I/O, with its timeouts,
//! and the two exchanges built on it.
//!
//! Transport (RFC 4120 section 7.2): UDP for requests up to
//! `udp_preference_limit` bytes, TCP (4-byte length prefix) above it, on
//! `KRB_ERR_RESPONSE_TOO_BIG`, or for `tcp/` KDCs. Each KDC of the realm is
//! tried in order, each attempt bounded by `kdc_timeout`; the whole call by
//! `MAX_TOTAL`. No KDC answering is `SEC_E_NO_AUTHENTICATING_AUTHORITY`.
//!
//! The AS exchange (section 3.1) with PA-ENC-TIMESTAMP after
//! `KDC_ERR_PREAUTH_REQUIRED` (the salt and iteration count from
//! PA-ETYPE-INFO2, else the default salt), one retry with the KDC's clock
//! after `KRB_AP_ERR_SKEW`; the TGS exchange (section 3.3) with an AP-REQ in
//! PA-TGS-REQ, following cross-realm referrals.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use zeroize::Zeroizing;

use super::asn1::*;
use super::config::{Config, KdcAddr};
use crate::abi::*;
use crate::crypto::kerberos::{Enctype, Key};
use crate::error::{SecError, SecResult};

/// Upper bound of one call to the KDCs of a realm, whatever the configuration.
const MAX_TOTAL: Duration = Duration::from_secs(30);
/// Largest reply accepted over TCP.
const MAX_REPLY: usize = 1 << 20;
/// Referral hops followed.
const MAX_REFERRALS: usize = 5;

fn no_kdc(detail: &'static str) -> SecError {
    SecError::new(SEC_E_NO_AUTHENTICATING_AUTHORITY, detail)
}

/// Sends one request to the realm's KDCs and returns the first reply.
pub fn send(config: &Config, realm: &str, request: &[u8]) -> SecResult<Vec<u8>> {
    let kdcs = config.kdcs(realm);
    if kdcs.is_empty() {
        return Err(no_kdc("no KDC configured for the realm (krb5.conf [realms] kdc)"));
    }
    let start = Instant::now();
    let prefer_tcp = request.len() > config.udp_preference_limit;
    for kdc in &kdcs {
        let addrs: Vec<SocketAddr> = match (kdc.host.as_str(), kdc.port).to_socket_addrs() {
            Ok(a) => a.collect(),
            Err(_) => continue,
        };
        for addr in addrs {
            let left = MAX_TOTAL.saturating_sub(start.elapsed());
            if left.is_zero() {
                return Err(no_kdc("the KDCs did not answer in time"));
            }
            let timeout = config.kdc_timeout.min(left).max(Duration::from_millis(10));
            let use_tcp = kdc.tcp_only.unwrap_or(prefer_tcp);
            let reply = if use_tcp { tcp(addr, request, timeout) } else { udp(addr, request, timeout) };
            match reply {
                Ok(r) if !use_tcp && kdc.tcp_only.is_none() && is_response_too_big(&r) => {
                    if let Ok(r) = tcp(addr, request, timeout) {
                        return Ok(r);
                    }
                }
                Ok(r) => return Ok(r),
                Err(_) => continue,
            }
        }
    }
    Err(no_kdc("no KDC of the realm answered"))
}

fn is_response_too_big(reply: &[u8]) -> bool {
    KrbError::decode(reply).is_ok_and(|e| e.error_code == KRB_ERR_RESPONSE_TOO_BIG)
}

fn udp(addr: SocketAddr, request: &[u8], timeout: Duration) -> std::io::Result<Vec<u8>> {
    let bind: SocketAddr = if addr.is_ipv4() { "0.0.0.0:0".parse().unwrap() } else { "[::]:0".parse().unwrap() };
    let s = UdpSocket::bind(bind)?;
    s.connect(addr)?;
    s.set_read_timeout(Some(timeout))?;
    s.send(request)?;
    let mut buf = vec![0u8; 65536];
    let n = s.recv(&mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

fn tcp(addr: SocketAddr, request: &[u8], timeout: Duration) -> std::io::Result<Vec<u8>> {
    let mut s = TcpStream::connect_timeout(&addr, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    let mut msg = (request.len() as u32).to_be_bytes().to_vec();
    msg.extend_from_slice(request);
    s.write_all(&msg)?;
    let mut len = [0u8; 4];
    s.read_exact(&mut len)?;
    let n = u32::from_be_bytes(len) as usize;
    if n > MAX_REPLY {
        return Err(std::io::Error::other("KDC reply too long"));
    }
    let mut buf = vec![0u8; n];
    s.read_exact(&mut buf)?;
    Ok(buf)
}

// ---------------------------------------------------------------------------
// Exchanges

/// A ticket and what goes with it (what a ccache entry holds).
#[derive(Clone, Debug)]
pub struct Creds {
    pub client_realm: String,
    pub client: PrincipalName,
    pub server_realm: String,
    pub server: PrincipalName,
    pub ticket: Ticket,
    pub session_key: Key,
    pub flags: u32,
    pub authtime: i64,
    pub starttime: Option<i64>,
    pub endtime: i64,
    pub renew_till: Option<i64>,
}

/// The client's long-term secret for an AS exchange.
pub enum Secret<'a> {
    /// A password, turned into a key with the KDC's salt and parameters.
    Password(&'a [u8]),
    /// Keys from a client keytab, by enctype.
    Keys(&'a [Key]),
}

/// Now, as Unix seconds and microseconds, shifted by `offset` seconds.
fn now(offset: i64) -> (i64, u32) {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    (d.as_secs() as i64 + offset, d.subsec_micros())
}

fn nonce() -> SecResult<u32> {
    let mut b = [0u8; 4];
    crate::crypto::random(&mut b)?;
    Ok(u32::from_be_bytes(b) & 0x7fff_ffff)
}

/// A KRB-ERROR from the KDC as the SSPI status Windows reports for it.
pub fn status_of(e: &KrbError) -> SecError {
    let s = match e.error_code {
        KDC_ERR_PREAUTH_FAILED | KRB_AP_ERR_BAD_INTEGRITY => SEC_E_LOGON_DENIED,
        KDC_ERR_C_PRINCIPAL_UNKNOWN => SEC_E_LOGON_DENIED,
        KDC_ERR_S_PRINCIPAL_UNKNOWN => SEC_E_TARGET_UNKNOWN,
        KRB_AP_ERR_SKEW => SEC_E_TIME_SKEW,
        KDC_ERR_ETYPE_NOSUPP => SEC_E_ALGORITHM_MISMATCH,
        KRB_AP_ERR_TKT_EXPIRED => SEC_E_CONTEXT_EXPIRED,
        _ => SEC_E_LOGON_DENIED,
    };
    SecError::new(s, "the KDC refused the request")
}

/// The salt the KDC tells us, else the default: realm then name components.
fn default_salt(realm: &str, name: &PrincipalName) -> Vec<u8> {
    let mut s = realm.as_bytes().to_vec();
    for c in &name.components {
        s.extend_from_slice(c.as_bytes());
    }
    s
}

/// `ETYPE-INFO2` from a list of PA-DATA, if present.
fn etype_info2(padata: &[PaData]) -> Option<Vec<EtypeInfo2Entry>> {
    padata.iter().find(|p| p.padata_type == PA_ETYPE_INFO2).and_then(|p| EtypeInfo2Entry::decode_list(&p.value).ok())
}

/// The highest PBKDF2 iteration count a KDC may ask for (MIT's limit,
/// `MAX_ITERATION_COUNT` in lib/crypto/krb/s2k_pbkdf2.c): ETYPE-INFO2 comes
/// unauthenticated, over UDP, so a forged reply could otherwise ask for
/// 2^32 - 1 iterations and hold the caller for hours.
pub const MAX_KDC_ITERATIONS: u32 = 0x0100_0000;

/// s2kparams from the KDC: a 4-byte count no lower than the enctype's
/// default (a forged hint must not make the pre-authentication cheaper to
/// crack; MIT refuses those too) and below [`MAX_KDC_ITERATIONS`].
fn check_kdc_iterations(etype: Enctype, params: &[u8]) -> SecResult<()> {
    let bad = || SecError::new(SEC_E_INVALID_TOKEN, "the KDC's s2kparams are out of range");
    let n = u32::from_be_bytes(params.try_into().map_err(|_| bad())?);
    if n < etype.default_iterations() || n >= MAX_KDC_ITERATIONS {
        return Err(bad());
    }
    Ok(())
}

/// The client key for the first offered enctype the KDC's hints allow.
fn client_key(
    secret: &Secret<'_>,
    realm: &str,
    client: &PrincipalName,
    offered: &[Enctype],
    hints: Option<&[EtypeInfo2Entry]>,
) -> SecResult<Key> {
    match secret {
        Secret::Keys(keys) => {
            let allowed = |e: Enctype| hints.is_none_or(|h| h.iter().any(|x| x.etype == e.number()));
            keys.iter()
                .find(|k| offered.contains(&k.enctype()) && allowed(k.enctype()))
                .cloned()
                .ok_or(SecError::new(SEC_E_NO_CREDENTIALS, "no key in the keytab for an enctype the KDC accepts"))
        }
        Secret::Password(pw) => {
            let (etype, salt, params) = match hints {
                Some(h) => {
                    let entry = h
                        .iter()
                        .find(|x| Enctype::from_number(x.etype).is_some_and(|e| offered.contains(&e)))
                        .ok_or(SecError::new(SEC_E_ALGORITHM_MISMATCH, "the KDC offers no enctype we support"))?;
                    let salt = entry.salt.as_ref().map(|s| s.chars().map(|c| c as u8).collect());
                    let etype = Enctype::from_number(entry.etype).expect("checked above");
                    if let Some(p) = entry.s2kparams.as_deref() {
                        check_kdc_iterations(etype, p)?;
                    }
                    (etype, salt, entry.s2kparams.clone())
                }
                None => (offered[0], None, None),
            };
            let salt = salt.unwrap_or_else(|| default_salt(realm, client));
            etype.string_to_key(pw, &salt, params.as_deref())
        }
    }
}

/// Where the exchanges send a request for a realm and get its reply: the
/// realm's KDCs ([`send`]) or, in tests and the fuzz harness, anything that
/// answers like one.
pub type Transport<'a> = dyn FnMut(&str, &[u8]) -> SecResult<Vec<u8>> + 'a;

/// The AS exchange for `client@realm`: a TGT for `krbtgt/realm` (or a
/// ticket for `server` when given, as kinit -S does).
pub fn as_exchange(
    config: &Config,
    realm: &str,
    client: &PrincipalName,
    secret: &Secret<'_>,
    server: Option<&PrincipalName>,
) -> SecResult<Creds> {
    as_exchange_via(&mut |r, q| send(config, r, q), config, realm, client, secret, server)
}

/// [`as_exchange`] over another transport.
pub fn as_exchange_via(
    transport: &mut Transport<'_>,
    config: &Config,
    realm: &str,
    client: &PrincipalName,
    secret: &Secret<'_>,
    server: Option<&PrincipalName>,
) -> SecResult<Creds> {
    let offered: Vec<Enctype> = config.tkt_enctypes.clone();
    if offered.is_empty() {
        return Err(SecError::new(SEC_E_ALGORITHM_MISMATCH, "no usable enctype in krb5.conf"));
    }
    let tgs = PrincipalName::new(NT_SRV_INST, &["krbtgt", realm]);
    let sname = server.cloned().unwrap_or(tgs);
    let mut offset = 0i64;
    let mut padata: Vec<PaData> = Vec::new();
    let mut hints: Option<Vec<EtypeInfo2Entry>> = None;
    let mut key: Option<Key> = None;
    let mut skew_retried = false;
    let mut preauth_sent = false;
    for _round in 0..4 {
        let (t, _) = now(offset);
        let n = nonce()?;
        let mut options = KDC_OPT_RENEWABLE_OK;
        if config.forwardable {
            options |= KDC_OPT_FORWARDABLE;
        }
        let req = KdcReq {
            msg_type: MSG_AS_REQ,
            padata: padata.clone(),
            body: KdcReqBody {
                kdc_options: options,
                cname: Some(client.clone()),
                realm: realm.to_string(),
                sname: Some(sname.clone()),
                from: None,
                till: t + config.ticket_lifetime.as_secs() as i64,
                rtime: config.renew_lifetime.map(|d| t + d.as_secs() as i64),
                nonce: n,
                etypes: offered.iter().map(|e| e.number()).collect(),
                additional_tickets: Vec::new(),
            },
        };
        let reply = transport(realm, &req.encode())?;
        if let Ok(err) = KrbError::decode(&reply) {
            match err.error_code {
                KDC_ERR_PREAUTH_REQUIRED if !preauth_sent => {
                    let methods = err.e_data.as_deref().map(PaData::decode_list).transpose().ok().flatten();
                    hints = methods.as_deref().and_then(etype_info2);
                    let k = client_key(secret, realm, client, &offered, hints.as_deref())?;
                    padata = vec![enc_timestamp(&k, offset)?];
                    key = Some(k);
                    preauth_sent = true;
                    continue;
                }
                KRB_AP_ERR_SKEW if !skew_retried && key.is_some() => {
                    // Redo the timestamp with the KDC's clock.
                    offset = err.stime - now(0).0;
                    padata = vec![enc_timestamp(key.as_ref().expect("checked"), offset)?];
                    skew_retried = true;
                    continue;
                }
                _ => return Err(status_of(&err)),
            }
        }
        let rep = KdcRep::decode(&reply).map_err(tok)?;
        if rep.msg_type != MSG_AS_REP {
            return Err(SecError::new(SEC_E_INVALID_TOKEN, "expected an AS-REP"));
        }
        // The reply may carry the salt (when no pre-authentication was asked).
        let rep_hints = etype_info2(&rep.padata).or(hints.clone());
        let key = match (&key, &rep_hints) {
            (Some(k), _) if k.enctype().number() == rep.enc_part.etype => k.clone(),
            _ => {
                let e = Enctype::from_number(rep.enc_part.etype)
                    .ok_or(SecError::new(SEC_E_ALGORITHM_MISMATCH, "AS-REP in an unsupported enctype"))?;
                let restricted = [e];
                client_key(secret, realm, client, &restricted, rep_hints.as_deref())?
            }
        };
        let plain = key.decrypt(KU_AS_REP_ENC_PART, &rep.enc_part.cipher).map_err(|e| {
            if e.status == SEC_E_MESSAGE_ALTERED {
                SecError::new(SEC_E_LOGON_DENIED, "the AS-REP does not decrypt with the client key")
            } else {
                e
            }
        })?;
        let part = EncKdcRepPart::decode(&plain).map_err(tok)?;
        if part.nonce != n {
            return Err(SecError::new(SEC_E_INVALID_TOKEN, "AS-REP nonce mismatch"));
        }
        // Not asked to canonicalize, the KDC names the server asked for.
        check_reply_server(&rep, &part, Some((&sname, realm)))?;
        return creds_from(rep, part);
    }
    Err(SecError::new(SEC_E_LOGON_DENIED, "the AS exchange did not converge"))
}

fn enc_timestamp(key: &Key, offset: i64) -> SecResult<PaData> {
    let (t, us) = now(offset);
    let cipher = key.encrypt(KU_PA_ENC_TS, &encode_pa_enc_ts(t, us))?;
    let ed = EncryptedData { etype: key.enctype().number(), kvno: None, cipher };
    Ok(PaData { padata_type: PA_ENC_TIMESTAMP, value: ed.encode() })
}

/// A KDC reply's server (RFC 4120 3.1.5, 3.3.3.1; MIT's `check_reply_server` and
/// `verify_as_reply`): the ticket's name and realm, in the clear and sent on to the service,
/// are the encrypted part's, and when `requested` is given (no canonicalization asked) they are
/// the server and realm requested. Principals compare by realm and components, not name type.
fn check_reply_server(rep: &KdcRep, part: &EncKdcRepPart, requested: Option<(&PrincipalName, &str)>) -> SecResult<()> {
    let modified = |why| Err(SecError::new(SEC_E_INVALID_TOKEN, why));
    if rep.ticket.sname.components != part.sname.components || rep.ticket.realm != part.srealm {
        return modified("the KDC reply's ticket names another server than its encrypted part");
    }
    match requested {
        Some((name, realm)) if name.components != part.sname.components || realm != part.srealm => {
            modified("the KDC reply is for another server than the one asked for")
        }
        _ => Ok(()),
    }
}

fn creds_from(rep: KdcRep, part: EncKdcRepPart) -> SecResult<Creds> {
    let e = Enctype::from_number(part.key.keytype)
        .ok_or(SecError::new(SEC_E_ALGORITHM_MISMATCH, "session key of an unsupported enctype"))?;
    Ok(Creds {
        client_realm: rep.crealm,
        client: rep.cname,
        server_realm: part.srealm,
        server: part.sname,
        ticket: rep.ticket,
        session_key: Key::new(e, &part.key.value)?,
        flags: part.flags,
        authtime: part.authtime,
        starttime: part.starttime,
        endtime: part.endtime,
        renew_till: part.renew_till,
    })
}

/// The TGS exchange: a ticket for `server@server_realm` with `tgt`,
/// following referrals (a `krbtgt/OTHER` ticket) up to `MAX_REFERRALS`.
pub fn tgs_exchange(config: &Config, tgt: &Creds, server: &PrincipalName, server_realm: &str) -> SecResult<Creds> {
    tgs_exchange_with(config, tgt, server, server_realm, 0)
}

/// A forwarded TGT for delegation (`KDC_OPT_FORWARDED`), when the TGT is forwardable.
pub fn forwarded_tgt(config: &Config, tgt: &Creds) -> SecResult<Creds> {
    if tgt.flags & TKT_FLG_FORWARDABLE == 0 {
        return Err(SecError::new(SEC_E_NO_CREDENTIALS, "the TGT is not forwardable"));
    }
    let server = tgt.server.clone();
    let realm = tgt.server_realm.clone();
    tgs_exchange_with(config, tgt, &server, &realm, KDC_OPT_FORWARDED | KDC_OPT_FORWARDABLE)
}

/// [`tgs_exchange`] with more KDC options.
pub fn tgs_exchange_with(
    config: &Config,
    tgt: &Creds,
    server: &PrincipalName,
    server_realm: &str,
    extra_options: u32,
) -> SecResult<Creds> {
    tgs_exchange_via(&mut |r, q| send(config, r, q), config, tgt, server, server_realm, extra_options)
}

/// [`tgs_exchange_with`] over another transport.
pub fn tgs_exchange_via(
    transport: &mut Transport<'_>,
    config: &Config,
    tgt: &Creds,
    server: &PrincipalName,
    server_realm: &str,
    extra_options: u32,
) -> SecResult<Creds> {
    let mut current = tgt.clone();
    let mut visited: Vec<String> = Vec::new();
    for _ in 0..MAX_REFERRALS {
        // The KDC of the TGT's realm (the second component of krbtgt/REALM).
        let kdc_realm = current.server.components.get(1).cloned().unwrap_or_else(|| current.server_realm.clone());
        let (t, us) = now(0);
        let n = nonce()?;
        let mut options = 0;
        if config.forwardable && tgt.flags & TKT_FLG_FORWARDABLE != 0 {
            options |= KDC_OPT_FORWARDABLE;
        }
        let body = KdcReqBody {
            kdc_options: options | KDC_OPT_CANONICALIZE | extra_options,
            cname: None,
            realm: kdc_realm.clone(),
            sname: Some(server.clone()),
            from: None,
            till: t + config.ticket_lifetime.as_secs() as i64,
            rtime: None,
            nonce: n,
            etypes: config.tgs_enctypes.iter().map(|e| e.number()).collect(),
            additional_tickets: Vec::new(),
        };
        let body_der = body.encode();
        let key = &current.session_key;
        let cksum = Checksum {
            cksumtype: key.enctype().checksum_type(),
            value: key.checksum(KU_TGS_REQ_AUTH_CKSUM, &body_der),
        };
        let auth = Authenticator {
            crealm: current.client_realm.clone(),
            cname: current.client.clone(),
            cksum: Some(cksum),
            cusec: us,
            ctime: t,
            subkey: None,
            seq_number: None,
        };
        let ap = ApReq {
            ap_options: 0,
            ticket: current.ticket.clone(),
            authenticator: EncryptedData {
                etype: key.enctype().number(),
                kvno: None,
                cipher: key.encrypt(KU_TGS_REQ_AUTH, &auth.encode())?,
            },
        };
        let req = KdcReq {
            msg_type: MSG_TGS_REQ,
            padata: vec![PaData { padata_type: PA_TGS_REQ, value: ap.encode() }],
            body,
        };
        let reply = transport(&kdc_realm, &req.encode())?;
        if let Ok(err) = KrbError::decode(&reply) {
            return Err(status_of(&err));
        }
        let rep = KdcRep::decode(&reply).map_err(tok)?;
        if rep.msg_type != MSG_TGS_REP {
            return Err(SecError::new(SEC_E_INVALID_TOKEN, "expected a TGS-REP"));
        }
        let plain: Zeroizing<Vec<u8>> = key.decrypt(KU_TGS_REP_ENC_PART_SESSKEY, &rep.enc_part.cipher)?;
        let part = EncKdcRepPart::decode(&plain).map_err(tok)?;
        if part.nonce != n {
            return Err(SecError::new(SEC_E_INVALID_TOKEN, "TGS-REP nonce mismatch"));
        }
        // Asked to canonicalize (and following referrals), the KDC may name another server.
        check_reply_server(&rep, &part, None)?;
        let creds = creds_from(rep, part)?;
        // A TGT where a service ticket was asked for is a referral (RFC 6806): followed to a
        // realm not visited yet; one back to a realm already asked is a loop, not the ticket.
        let is_tgt = |p: &PrincipalName| p.components.first().is_some_and(|c| c == "krbtgt");
        if is_tgt(server) || !is_tgt(&creds.server) {
            return Ok(creds);
        }
        let next = creds.server.components.get(1).cloned().unwrap_or_default();
        if next == kdc_realm || visited.contains(&next) {
            return Err(SecError::new(SEC_E_TARGET_UNKNOWN, "the KDCs' referrals loop"));
        }
        visited.push(kdc_realm);
        let _ = server_realm;
        current = creds;
    }
    Err(SecError::new(SEC_E_TARGET_UNKNOWN, "too many referrals"))
}

/// A [`KdcAddr`] list's text, for messages.
pub fn describe(kdcs: &[KdcAddr]) -> String {
    kdcs.iter().map(|k| format!("{}:{}", k.host, k.port)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(etype: i32, iterations: Option<u32>) -> Vec<EtypeInfo2Entry> {
        vec![EtypeInfo2Entry {
            etype,
            salt: Some("EXAMPLE.TESTuser1".into()),
            s2kparams: iterations.map(|n| n.to_be_bytes().to_vec()),
        }]
    }

    #[test]
    fn kdc_iteration_counts_are_bounded() {
        let user = PrincipalName::new(NT_PRINCIPAL, &["user1"]);
        let pw = Secret::Password(b"secret");
        let key = |e: Enctype, n: Option<u32>| client_key(&pw, "EXAMPLE.TEST", &user, &[e], Some(&hint(e.number(), n)));
        // The default, and the default spelled out, give the same key.
        let a = key(Enctype::Aes256Sha1, None).unwrap();
        let b = key(Enctype::Aes256Sha1, Some(4096)).unwrap();
        assert_eq!(a.bytes(), b.bytes());
        // Fewer than the default (a downgrade), zero, the maximum and beyond, or not 4 bytes: refused.
        for n in [1, 4095, 0, MAX_KDC_ITERATIONS, u32::MAX] {
            assert_eq!(key(Enctype::Aes256Sha1, Some(n)).unwrap_err().status, SEC_E_INVALID_TOKEN, "{n}");
        }
        assert_eq!(key(Enctype::Aes256Sha384, Some(32767)).unwrap_err().status, SEC_E_INVALID_TOKEN);
        let mut h = hint(18, None);
        h[0].s2kparams = Some(vec![0, 0, 16]);
        let e = client_key(&pw, "EXAMPLE.TEST", &user, &[Enctype::Aes256Sha1], Some(&h)).unwrap_err();
        assert_eq!(e.status, SEC_E_INVALID_TOKEN);
        // A higher count than the default is the KDC's right.
        let c = key(Enctype::Aes128Sha1, Some(5000)).unwrap();
        assert_ne!(c.bytes(), key(Enctype::Aes128Sha1, None).unwrap().bytes());
    }

    /// A KDC reply to `req` (AS or TGS) under `key`: the encrypted part names `part_sname`, the
    /// ticket `ticket_sname`, both in EXAMPLE.TEST.
    fn reply(req: &[u8], key: &Key, part_sname: &PrincipalName, ticket_sname: &PrincipalName) -> Vec<u8> {
        let req = KdcReq::decode(req).unwrap();
        let as_req = req.msg_type == MSG_AS_REQ;
        let part = EncKdcRepPart {
            key: EncryptionKey { keytype: 18, value: vec![0x5a; 32].into() },
            nonce: req.body.nonce,
            key_expiration: None,
            flags: 0,
            authtime: 1,
            starttime: None,
            endtime: 2,
            renew_till: None,
            srealm: "EXAMPLE.TEST".into(),
            sname: part_sname.clone(),
        };
        let (tag, usage) = if as_req {
            (TAG_ENC_AS_REP_PART, KU_AS_REP_ENC_PART)
        } else {
            (TAG_ENC_TGS_REP_PART, KU_TGS_REP_ENC_PART_SESSKEY)
        };
        KdcRep {
            msg_type: if as_req { MSG_AS_REP } else { MSG_TGS_REP },
            padata: Vec::new(),
            crealm: "EXAMPLE.TEST".into(),
            cname: PrincipalName::new(NT_PRINCIPAL, &["user1"]),
            ticket: Ticket::build(
                "EXAMPLE.TEST",
                ticket_sname,
                EncryptedData { etype: 18, kvno: Some(1), cipher: vec![0xAA; 48] },
            ),
            enc_part: EncryptedData {
                etype: key.enctype().number(),
                kvno: None,
                cipher: key.encrypt(usage, &part.encode(tag)).unwrap(),
            },
        }
        .encode()
    }

    #[test]
    fn a_reply_names_the_server_asked_for_and_its_ticket_agrees() {
        let config = Config::from_profile(Default::default());
        let user = PrincipalName::new(NT_PRINCIPAL, &["user1"]);
        let tgs = PrincipalName::new(NT_SRV_INST, &["krbtgt", "EXAMPLE.TEST"]);
        let http = PrincipalName::new(NT_SRV_HST, &["HTTP", "www.example.test"]);
        let canonical = PrincipalName::new(NT_SRV_HST, &["HTTP", "web1.example.test"]);
        let pw = Secret::Password(b"pw");
        let client = client_key(&pw, "EXAMPLE.TEST", &user, &[Enctype::Aes256Sha1], None).unwrap();
        let as_with = |part: &PrincipalName, ticket: &PrincipalName| {
            let mut t = |_: &str, q: &[u8]| -> SecResult<Vec<u8>> { Ok(reply(q, &client, part, ticket)) };
            as_exchange_via(&mut t, &config, "EXAMPLE.TEST", &user, &pw, None)
        };
        let creds = as_with(&tgs, &tgs).expect("the TGT asked for");
        assert_eq!(creds.server.components, tgs.components);
        // The name type is not compared (MIT's krb5_principal_compare).
        as_with(&PrincipalName::new(NT_PRINCIPAL, &["krbtgt", "EXAMPLE.TEST"]), &tgs).expect("another name type");
        let e = as_with(&http, &http).unwrap_err();
        assert_eq!(
            (e.status, e.detail),
            (SEC_E_INVALID_TOKEN, "the KDC reply is for another server than the one asked for")
        );
        let e = as_with(&tgs, &http).unwrap_err();
        assert_eq!(e.status, SEC_E_INVALID_TOKEN, "a ticket naming another server");

        // The TGS exchange asks for canonicalization: another name is the KDC's answer, as long
        // as the ticket carries it too.
        let tgt = Creds { session_key: Key::new(Enctype::Aes256Sha1, &[0x33; 32]).unwrap(), ..creds };
        let tgs_with = |part: &PrincipalName, ticket: &PrincipalName| {
            let key = tgt.session_key.clone();
            let mut t = |_: &str, q: &[u8]| -> SecResult<Vec<u8>> { Ok(reply(q, &key, part, ticket)) };
            tgs_exchange_via(&mut t, &config, &tgt, &http, "EXAMPLE.TEST", 0)
        };
        assert_eq!(tgs_with(&http, &http).unwrap().server.components, http.components);
        assert_eq!(tgs_with(&canonical, &canonical).unwrap().server.components, canonical.components);
        let e = tgs_with(&http, &canonical).unwrap_err();
        assert_eq!(
            (e.status, e.detail),
            (SEC_E_INVALID_TOKEN, "the KDC reply's ticket names another server than its encrypted part")
        );
    }

    #[test]
    fn exchanges_over_a_transport_count_their_requests() {
        // A transport that refuses everything: the AS exchange gives its error back after one request.
        let config = Config::from_profile(Default::default());
        let mut sent = 0;
        let mut t = |_: &str, _: &[u8]| -> SecResult<Vec<u8>> {
            sent += 1;
            Err(no_kdc("test"))
        };
        let user = PrincipalName::new(NT_PRINCIPAL, &["user1"]);
        let e = as_exchange_via(&mut t, &config, "EXAMPLE.TEST", &user, &Secret::Password(b"pw"), None).unwrap_err();
        assert_eq!(e.status, SEC_E_NO_AUTHENTICATING_AUTHORITY);
        assert_eq!(sent, 1);
    }
}
