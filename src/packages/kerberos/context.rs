//! The Kerberos GSS-API context (RFC 4121): the initial context tokens
//! (RFC 2743 framing with the krb5 mechanism OID, TOK_ID 01 00 AP-REQ,
//! 02 00 AP-REP, 03 00 KRB-ERROR), the authenticator's GSS checksum (type
//! 0x8003: channel-bindings hash and context flags, RFC 4121 4.1.1), subkeys
//! and sequence numbers, and what each side keeps once established.
//!
//! The acceptor checks the ticket (service principal, times against
//! `clockskew`), the authenticator (client name, time, channel bindings)
//! and refuses replays with an in-memory replay cache per credential.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use zeroize::Zeroizing;

use super::asn1::*;
use super::kdc::Creds;
use super::keytab;
use super::wrap::Protector;
use crate::abi::*;
use crate::crypto::kerberos::{Enctype, Key};
use crate::der::{self, Reader};
use crate::error::{SecError, SecResult};
use crate::handles::lock;

/// 1.2.840.113554.1.2.2, the Kerberos V5 mechanism.
pub const KRB5_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02];
/// 1.2.840.48018.1.2.2, the OID old Windows versions send in SPNEGO.
pub const MS_KRB5_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02];

pub const TOK_AP_REQ: [u8; 2] = [0x01, 0x00];
pub const TOK_AP_REP: [u8; 2] = [0x02, 0x00];
pub const TOK_ERROR: [u8; 2] = [0x03, 0x00];

/// GSS context flags (the checksum's Flags field, RFC 4121 4.1.1.1).
pub const GSS_DELEG: u32 = 1;
pub const GSS_MUTUAL: u32 = 2;
pub const GSS_REPLAY: u32 = 4;
pub const GSS_SEQUENCE: u32 = 8;
pub const GSS_CONF: u32 = 16;
pub const GSS_INTEG: u32 = 32;

/// Checksum type of the GSS authenticator checksum.
pub const CKSUM_GSSAPI: i32 = 0x8003;

fn invalid(detail: &'static str) -> SecError {
    SecError::new(SEC_E_INVALID_TOKEN, detail)
}

/// `0x60 len { OID, TOK_ID, inner }`.
pub fn frame(tok_id: [u8; 2], inner: &[u8]) -> Vec<u8> {
    let body = [&der::encode(der::OID, KRB5_OID)[..], &tok_id, inner].concat();
    der::encode(0x60, &body)
}

/// The TOK_ID and inner token of a framed token (either krb5 OID).
pub fn unframe(token: &[u8]) -> SecResult<([u8; 2], &[u8])> {
    let mut r = Reader::new(token);
    let t = r.expect(0x60).map_err(|_| invalid("not a GSS-API initial context token"))?;
    r.finish().map_err(|_| invalid("bytes after the context token"))?;
    let mut inner = Reader::new(t.value);
    let oid = inner.expect(der::OID).map_err(|_| invalid("no mechanism OID"))?;
    if oid.value != KRB5_OID && oid.value != MS_KRB5_OID {
        return Err(invalid("not the Kerberos mechanism"));
    }
    let rest = &t.value[oid.raw.len()..];
    if rest.len() < 2 {
        return Err(invalid("no TOK_ID"));
    }
    Ok(([rest[0], rest[1]], &rest[2..]))
}

fn now() -> (i64, u32) {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    (d.as_secs() as i64, d.subsec_micros())
}

fn random_seq() -> SecResult<u32> {
    let mut b = [0u8; 4];
    crate::crypto::random(&mut b)?;
    // MIT keeps sequence numbers below 2^30 so they never wrap in practice.
    Ok(u32::from_be_bytes(b) & 0x3fff_ffff)
}

/// The GSS checksum value: Lgth, Bnd, Flags [, DlgOpt, Dlgth, Deleg].
fn gss_checksum(bindings: Option<[u8; 16]>, flags: u32, deleg: Option<&[u8]>) -> Vec<u8> {
    let mut v = Vec::with_capacity(24);
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&bindings.unwrap_or([0; 16]));
    v.extend_from_slice(&flags.to_le_bytes());
    if let Some(d) = deleg {
        v.extend_from_slice(&1u16.to_le_bytes());
        v.extend_from_slice(&(d.len() as u16).to_le_bytes());
        v.extend_from_slice(d);
    }
    v
}

/// What the initiator keeps between its AP-REQ and the AP-REP.
#[derive(Debug)]
pub struct InitiatorState {
    pub session_key: Key,
    pub subkey: Key,
    pub ctime: i64,
    pub cusec: u32,
    pub seq: u32,
    pub flags: u32,
}

/// An established context's keys and sequence numbers.
#[derive(Debug)]
pub struct Established {
    pub protector: Protector,
    pub send_seq: u64,
    pub recv_seq: u64,
    pub flags: u32,
    /// The key `SECPKG_ATTR_SESSION_KEY` reports (the one the tokens use).
    pub session_key: Key,
}

/// The initiator's first token: a framed AP-REQ for `service` (a service
/// ticket), requesting `flags`, with optional channel bindings hash.
pub fn initiate(service: &Creds, flags: u32, bindings: Option<[u8; 16]>) -> SecResult<(Vec<u8>, InitiatorState)> {
    initiate_delegating(service, flags, bindings, None)
}

/// The KRB-CRED that delegates `forwarded` (a forwarded TGT) to the service
/// of `service`, encrypted with that ticket's session key (RFC 4121 4.1.1.1).
pub fn krb_cred(service: &Creds, forwarded: &Creds) -> SecResult<Vec<u8>> {
    let info = KrbCredInfo {
        key: EncryptionKey {
            keytype: forwarded.session_key.enctype().number(),
            value: Zeroizing::new(forwarded.session_key.bytes().to_vec()),
        },
        prealm: Some(forwarded.client_realm.clone()),
        pname: Some(forwarded.client.clone()),
        flags: Some(forwarded.flags),
        authtime: Some(forwarded.authtime),
        starttime: forwarded.starttime,
        endtime: Some(forwarded.endtime),
        renew_till: forwarded.renew_till,
        srealm: Some(forwarded.server_realm.clone()),
        sname: Some(forwarded.server.clone()),
    };
    let part = encode_enc_krb_cred_part(&[info], None);
    let key = &service.session_key;
    let cred = KrbCred {
        tickets: vec![forwarded.ticket.clone()],
        enc_part: EncryptedData {
            etype: key.enctype().number(),
            kvno: None,
            cipher: key.encrypt(KU_KRB_CRED_ENC_PART, &part)?,
        },
    };
    Ok(cred.encode())
}

/// [`initiate`], delegating with a KRB-CRED when one is given (GSS_DELEG is then set).
pub fn initiate_delegating(
    service: &Creds,
    flags: u32,
    bindings: Option<[u8; 16]>,
    deleg: Option<&[u8]>,
) -> SecResult<(Vec<u8>, InitiatorState)> {
    let (ctime, cusec) = now();
    let subkey = Key::random(service.session_key.enctype())?;
    let seq = random_seq()?;
    let flags = if deleg.is_some() { flags | GSS_DELEG } else { flags & !GSS_DELEG };
    let auth = Authenticator {
        crealm: service.client_realm.clone(),
        cname: service.client.clone(),
        cksum: Some(Checksum { cksumtype: CKSUM_GSSAPI, value: gss_checksum(bindings, flags, deleg) }),
        cusec,
        ctime,
        subkey: Some(EncryptionKey {
            keytype: subkey.enctype().number(),
            value: Zeroizing::new(subkey.bytes().to_vec()),
        }),
        seq_number: Some(seq),
    };
    let key = &service.session_key;
    let ap = ApReq {
        ap_options: if flags & GSS_MUTUAL != 0 { AP_OPT_MUTUAL_REQUIRED } else { 0 },
        ticket: service.ticket.clone(),
        authenticator: EncryptedData {
            etype: key.enctype().number(),
            kvno: None,
            cipher: key.encrypt(KU_AP_REQ_AUTH, &auth.encode())?,
        },
    };
    Ok((frame(TOK_AP_REQ, &ap.encode()), InitiatorState { session_key: key.clone(), subkey, ctime, cusec, seq, flags }))
}

impl InitiatorState {
    /// Without mutual authentication: established at once, on the initiator subkey.
    pub fn established_without_reply(self) -> Established {
        Established {
            protector: Protector { key: self.subkey.clone(), acceptor_subkey: false, we_accept: false },
            send_seq: self.seq as u64,
            recv_seq: self.seq as u64,
            flags: self.flags,
            session_key: self.subkey,
        }
    }

    /// Checks the acceptor's AP-REP (or reports its KRB-ERROR).
    pub fn finish(self, token: &[u8]) -> SecResult<Established> {
        let (id, inner) = unframe(token)?;
        if id == TOK_ERROR {
            let e = KrbError::decode(inner).map_err(tok)?;
            return Err(super::kdc::status_of(&e));
        }
        if id != TOK_AP_REP {
            return Err(invalid("expected an AP-REP"));
        }
        let rep = ApRep::decode(inner).map_err(tok)?;
        let plain = self
            .session_key
            .decrypt(KU_AP_REP_ENC_PART, &rep.enc_part.cipher)
            .map_err(|_| SecError::new(SEC_E_MUTUAL_AUTH_FAILED, "the AP-REP does not decrypt with the session key"))?;
        let part = EncApRepPart::decode(&plain).map_err(tok)?;
        if part.ctime != self.ctime || part.cusec != self.cusec {
            return Err(SecError::new(SEC_E_MUTUAL_AUTH_FAILED, "the AP-REP answers another authenticator"));
        }
        let (key, acceptor_subkey) = match &part.subkey {
            Some(k) => {
                let e = Enctype::from_number(k.keytype)
                    .ok_or(SecError::new(SEC_E_ALGORITHM_MISMATCH, "acceptor subkey of an unsupported enctype"))?;
                (Key::new(e, &k.value)?, true)
            }
            None => (self.subkey.clone(), false),
        };
        let recv = part.seq_number.unwrap_or(self.seq) as u64;
        Ok(Established {
            protector: Protector { key: key.clone(), acceptor_subkey, we_accept: false },
            send_seq: self.seq as u64,
            recv_seq: recv,
            flags: self.flags,
            session_key: key,
        })
    }
}

/// An authenticator's identity in the replay cache: client, time, microseconds, tag.
type Seen = (String, i64, u32, Vec<u8>);

/// A replay cache: authenticators seen within the skew window.
#[derive(Debug, Default)]
pub struct ReplayCache {
    seen: Mutex<HashMap<Seen, i64>>,
}

impl ReplayCache {
    /// Records an authenticator; false when it was already seen.
    fn check(&self, client: &str, ctime: i64, cusec: u32, tag: &[u8], now: i64, skew: i64) -> bool {
        let mut seen = lock(&self.seen);
        seen.retain(|_, t| *t + 2 * skew >= now);
        seen.insert((client.to_string(), ctime, cusec, tag.to_vec()), now).is_none()
    }
}

/// What the acceptor learned from an AP-REQ.
#[derive(Debug)]
pub struct Accepted {
    pub client_realm: String,
    pub client: PrincipalName,
    pub flags: u32,
    pub established: Established,
    /// The framed AP-REP to send, when the initiator asked for mutual authentication.
    pub reply: Option<Vec<u8>>,
    pub ticket_endtime: i64,
    pub authtime: i64,
    /// The TGT the initiator delegated (GSS_DELEG with a KRB-CRED).
    pub delegated: Option<Creds>,
}

/// Accepts a framed AP-REQ with keys from `keys`.
pub fn accept(
    token: &[u8],
    keys: &[keytab::Entry],
    bindings: Option<[u8; 16]>,
    replay: &ReplayCache,
    skew: i64,
) -> SecResult<Accepted> {
    let (id, inner) = unframe(token)?;
    if id != TOK_AP_REQ {
        return Err(invalid("expected an AP-REQ"));
    }
    let ap = ApReq::decode(inner).map_err(tok)?;
    let t = &ap.ticket;
    let entry = keys
        .iter()
        .filter(|k| {
            k.realm == t.realm
                && k.principal.components == t.sname.components
                && k.key.enctype().number() == t.enc_part.etype
        })
        .max_by_key(|k| (t.enc_part.kvno.is_none_or(|v| v == k.kvno), k.kvno))
        .ok_or(SecError::new(SEC_E_NO_CREDENTIALS, "no key in the keytab for the ticket's service and enctype"))?;
    let plain = entry
        .key
        .decrypt(KU_TICKET, &t.enc_part.cipher)
        .map_err(|_| SecError::new(SEC_E_LOGON_DENIED, "the ticket does not decrypt with the keytab's key"))?;
    let part = EncTicketPart::decode(&plain).map_err(tok)?;
    let session = Key::new(
        Enctype::from_number(part.key.keytype)
            .ok_or(SecError::new(SEC_E_ALGORITHM_MISMATCH, "ticket session key of an unsupported enctype"))?,
        &part.key.value,
    )?;
    let (now_s, _) = now();
    if part.starttime.unwrap_or(part.authtime) > now_s + skew {
        return Err(SecError::new(SEC_E_TIME_SKEW, "the ticket is not valid yet"));
    }
    if part.endtime < now_s - skew {
        return Err(SecError::new(SEC_E_CONTEXT_EXPIRED, "the ticket has expired"));
    }
    let auth_plain = session
        .decrypt(KU_AP_REQ_AUTH, &ap.authenticator.cipher)
        .map_err(|_| SecError::new(SEC_E_LOGON_DENIED, "the authenticator does not decrypt"))?;
    let auth = Authenticator::decode(&auth_plain).map_err(tok)?;
    if auth.cname != part.cname || auth.crealm != part.crealm {
        return Err(SecError::new(SEC_E_LOGON_DENIED, "the authenticator names another client"));
    }
    if (auth.ctime - now_s).abs() > skew {
        return Err(SecError::new(SEC_E_TIME_SKEW, "the authenticator's time is outside the clock skew"));
    }
    let tag = ap.authenticator.cipher.iter().rev().take(16).copied().collect::<Vec<u8>>();
    let who = format!("{}@{}", part.cname.to_text(), part.crealm);
    if !replay.check(&who, auth.ctime, auth.cusec, &tag, now_s, skew) {
        return Err(SecError::new(SEC_E_LOGON_DENIED, "a replayed authenticator"));
    }
    // The GSS checksum: flags and channel bindings.
    let mut flags = if ap.ap_options & AP_OPT_MUTUAL_REQUIRED != 0 { GSS_MUTUAL } else { 0 };
    let mut delegated = None;
    match &auth.cksum {
        Some(c) if c.cksumtype == CKSUM_GSSAPI => {
            let v = &c.value;
            if v.len() < 24 || u32::from_le_bytes([v[0], v[1], v[2], v[3]]) != 16 {
                return Err(invalid("bad GSS checksum"));
            }
            let bnd: [u8; 16] = v[4..20].try_into().expect("16 bytes");
            if bnd != [0; 16] {
                match bindings {
                    Some(b) if crate::crypto::ct_eq(&b, &bnd) => {}
                    _ => return Err(SecError::new(SEC_E_BAD_BINDINGS, "channel bindings do not match")),
                }
            }
            // Zeros (no bindings from the initiator) are accepted, as MIT and Windows do.
            flags |= u32::from_le_bytes([v[20], v[21], v[22], v[23]]);
            if flags & GSS_DELEG != 0 {
                delegated = Some(delegated_creds(v, &session, auth.subkey.as_ref())?);
            }
        }
        _ => return Err(invalid("the authenticator has no GSS checksum")),
    }
    let initiator_key = match &auth.subkey {
        Some(k) => Key::new(
            Enctype::from_number(k.keytype)
                .ok_or(SecError::new(SEC_E_ALGORITHM_MISMATCH, "initiator subkey of an unsupported enctype"))?,
            &k.value,
        )?,
        None => session.clone(),
    };
    let peer_seq = auth.seq_number.unwrap_or(0);
    let (established, reply) = if flags & GSS_MUTUAL != 0 {
        let acceptor_key = Key::random(initiator_key.enctype())?;
        let my_seq = random_seq()?;
        let part_rep = EncApRepPart {
            ctime: auth.ctime,
            cusec: auth.cusec,
            subkey: Some(EncryptionKey {
                keytype: acceptor_key.enctype().number(),
                value: Zeroizing::new(acceptor_key.bytes().to_vec()),
            }),
            seq_number: Some(my_seq),
        };
        let rep = ApRep {
            enc_part: EncryptedData {
                etype: session.enctype().number(),
                kvno: None,
                cipher: session.encrypt(KU_AP_REP_ENC_PART, &part_rep.encode())?,
            },
        };
        (
            Established {
                protector: Protector { key: acceptor_key.clone(), acceptor_subkey: true, we_accept: true },
                send_seq: my_seq as u64,
                recv_seq: peer_seq as u64,
                flags,
                session_key: acceptor_key,
            },
            Some(frame(TOK_AP_REP, &rep.encode())),
        )
    } else {
        (
            Established {
                protector: Protector { key: initiator_key.clone(), acceptor_subkey: false, we_accept: true },
                send_seq: peer_seq as u64,
                recv_seq: peer_seq as u64,
                flags,
                session_key: initiator_key,
            },
            None,
        )
    };
    Ok(Accepted {
        client_realm: part.crealm,
        client: part.cname,
        flags,
        established,
        reply,
        ticket_endtime: part.endtime,
        authtime: part.authtime,
        delegated,
    })
}

/// The delegated TGT of a GSS checksum with DlgOpt 1: the KRB-CRED after the
/// flags, encrypted with the ticket's session key (or, as some initiators
/// do, the initiator subkey; or not at all, etype 0).
fn delegated_creds(v: &[u8], session: &Key, subkey: Option<&EncryptionKey>) -> SecResult<Creds> {
    let bad = || invalid("bad delegation in the GSS checksum");
    let dlg = v.get(24..28).ok_or_else(bad)?;
    if u16::from_le_bytes([dlg[0], dlg[1]]) != 1 {
        return Err(bad());
    }
    let len = u16::from_le_bytes([dlg[2], dlg[3]]) as usize;
    let cred_bytes = v.get(28..28 + len).ok_or_else(bad)?;
    let cred = KrbCred::decode(cred_bytes).map_err(tok)?;
    let plain: Zeroizing<Vec<u8>> = if cred.enc_part.etype == 0 {
        Zeroizing::new(cred.enc_part.cipher.clone())
    } else {
        let sub = subkey.and_then(|k| Enctype::from_number(k.keytype).and_then(|e| Key::new(e, &k.value).ok()));
        match session.decrypt(KU_KRB_CRED_ENC_PART, &cred.enc_part.cipher) {
            Ok(p) => p,
            Err(e) => match sub.map(|k| k.decrypt(KU_KRB_CRED_ENC_PART, &cred.enc_part.cipher)) {
                Some(Ok(p)) => p,
                _ => return Err(e),
            },
        }
    };
    let infos = decode_enc_krb_cred_part(&plain).map_err(tok)?;
    let (info, ticket) = infos.into_iter().zip(cred.tickets).next().ok_or_else(bad)?;
    let e = Enctype::from_number(info.key.keytype)
        .ok_or(SecError::new(SEC_E_ALGORITHM_MISMATCH, "delegated key of an unsupported enctype"))?;
    Ok(Creds {
        client_realm: info.prealm.unwrap_or_default(),
        client: info.pname.unwrap_or_default(),
        server_realm: info.srealm.unwrap_or_else(|| ticket.realm.clone()),
        server: info.sname.unwrap_or_else(|| ticket.sname.clone()),
        session_key: Key::new(e, &info.key.value)?,
        flags: info.flags.unwrap_or(0),
        authtime: info.authtime.unwrap_or(0),
        starttime: info.starttime,
        endtime: info.endtime.unwrap_or(0),
        renew_till: info.renew_till,
        ticket,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_round_trips_and_refuses_other_mechanisms() {
        let t = frame(TOK_AP_REQ, b"inner");
        assert_eq!(unframe(&t).unwrap(), (TOK_AP_REQ, &b"inner"[..]));
        let ms = der::encode(0x60, &[&der::encode(der::OID, MS_KRB5_OID)[..], &TOK_AP_REP, b"x"].concat());
        assert_eq!(unframe(&ms).unwrap().0, TOK_AP_REP);
        let ntlm = der::encode(
            0x60,
            &[&der::encode(der::OID, &[0x2b, 6, 1, 4, 1, 0x82, 0x37, 2, 2, 10])[..], &[1, 0]].concat(),
        );
        assert!(unframe(&ntlm).is_err());
        assert!(unframe(&t[..t.len() - 1]).is_err());
        assert!(unframe(b"").is_err());
    }

    #[test]
    fn gss_checksum_layout() {
        let v = gss_checksum(Some([9; 16]), GSS_MUTUAL | GSS_CONF, None);
        assert_eq!(v.len(), 24);
        assert_eq!(&v[..4], &16u32.to_le_bytes());
        assert_eq!(&v[4..20], &[9; 16]);
        assert_eq!(u32::from_le_bytes(v[20..24].try_into().unwrap()), GSS_MUTUAL | GSS_CONF);
    }
}
