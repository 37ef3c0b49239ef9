//! The Kerberos V5 messages of RFC 4120 section 5 that a client and an
//! acceptor exchange: KDC requests and replies (AS and TGS), their
//! encrypted parts, KRB-ERROR and its pre-authentication hints, tickets,
//! AP-REQ / AP-REP with their authenticator and encrypted part, and
//! KRB-CRED for delegation. Each type decodes from DER (strictly: a wrong
//! tag, a truncation or trailing bytes is an error, never a panic) and
//! encodes to DER, on the crate's one codec (`crate::der`).
//!
//! Written here rather than taken from a Kerberos types crate: the DER
//! reader is already ours, fuzzed and shared with the certificate code, and
//! these types are few; the alternatives (`picky-krb`, `rasn-kerberos`)
//! bring serde or a generated-ASN.1 runtime for the same result.

use zeroize::Zeroizing;

use crate::abi::SEC_E_INVALID_TOKEN;
use crate::der::{self, context, encode, Reader, Tlv};
use crate::error::{SecError, SecResult};

// ---------------------------------------------------------------------------
// Constants (RFC 4120 sections 5.2-5.10, 7.5)

pub const PVNO: i64 = 5;
pub const MSG_AS_REQ: i64 = 10;
pub const MSG_AS_REP: i64 = 11;
pub const MSG_TGS_REQ: i64 = 12;
pub const MSG_TGS_REP: i64 = 13;
pub const MSG_AP_REQ: i64 = 14;
pub const MSG_AP_REP: i64 = 15;
pub const MSG_KRB_CRED: i64 = 22;
pub const MSG_KRB_ERROR: i64 = 30;

/// APPLICATION tags (constructed).
const fn app(n: u8) -> u8 {
    0x60 | n
}
pub const TAG_TICKET: u8 = app(1);
pub const TAG_AUTHENTICATOR: u8 = app(2);
pub const TAG_ENC_TICKET_PART: u8 = app(3);
pub const TAG_AS_REQ: u8 = app(10);
pub const TAG_AS_REP: u8 = app(11);
pub const TAG_TGS_REQ: u8 = app(12);
pub const TAG_TGS_REP: u8 = app(13);
pub const TAG_AP_REQ: u8 = app(14);
pub const TAG_AP_REP: u8 = app(15);
pub const TAG_KRB_CRED: u8 = app(22);
pub const TAG_ENC_AS_REP_PART: u8 = app(25);
pub const TAG_ENC_TGS_REP_PART: u8 = app(26);
pub const TAG_ENC_AP_REP_PART: u8 = app(27);
pub const TAG_ENC_KRB_CRED_PART: u8 = app(29);
pub const TAG_KRB_ERROR: u8 = app(30);

pub const NT_PRINCIPAL: i32 = 1;
pub const NT_SRV_INST: i32 = 2;
pub const NT_SRV_HST: i32 = 3;
pub const NT_ENTERPRISE: i32 = 10;

pub const PA_TGS_REQ: i32 = 1;
pub const PA_ENC_TIMESTAMP: i32 = 2;
pub const PA_PW_SALT: i32 = 3;
pub const PA_ETYPE_INFO: i32 = 11;
pub const PA_ETYPE_INFO2: i32 = 19;
pub const PA_PAC_REQUEST: i32 = 128;

/// KDCOptions / TicketFlags / APOptions bits, as `u32` with bit 0 the most significant.
pub const fn flag(bit: u32) -> u32 {
    0x8000_0000 >> bit
}
pub const KDC_OPT_FORWARDABLE: u32 = flag(1);
pub const KDC_OPT_FORWARDED: u32 = flag(2);
pub const KDC_OPT_PROXIABLE: u32 = flag(3);
pub const KDC_OPT_RENEWABLE: u32 = flag(8);
pub const KDC_OPT_CANONICALIZE: u32 = flag(15);
pub const KDC_OPT_RENEWABLE_OK: u32 = flag(27);
pub const TKT_FLG_FORWARDABLE: u32 = flag(1);
pub const TKT_FLG_FORWARDED: u32 = flag(2);
pub const TKT_FLG_OK_AS_DELEGATE: u32 = flag(13);
pub const AP_OPT_USE_SESSION_KEY: u32 = flag(1);
pub const AP_OPT_MUTUAL_REQUIRED: u32 = flag(2);

/// Key usages (RFC 4120 section 7.5.1, RFC 4121 section 2).
pub const KU_PA_ENC_TS: u32 = 1;
pub const KU_TICKET: u32 = 2;
pub const KU_AS_REP_ENC_PART: u32 = 3;
pub const KU_TGS_REQ_AUTH_DATA_SESSKEY: u32 = 4;
pub const KU_TGS_REQ_AUTH_CKSUM: u32 = 6;
pub const KU_TGS_REQ_AUTH: u32 = 7;
pub const KU_TGS_REP_ENC_PART_SESSKEY: u32 = 8;
pub const KU_TGS_REP_ENC_PART_SUBKEY: u32 = 9;
pub const KU_AP_REQ_AUTH_CKSUM: u32 = 10;
pub const KU_AP_REQ_AUTH: u32 = 11;
pub const KU_AP_REP_ENC_PART: u32 = 12;
pub const KU_KRB_CRED_ENC_PART: u32 = 14;

/// KRB-ERROR codes the client and acceptor act on (RFC 4120 section 7.5.9).
pub const KDC_ERR_C_PRINCIPAL_UNKNOWN: i32 = 6;
pub const KDC_ERR_S_PRINCIPAL_UNKNOWN: i32 = 7;
pub const KDC_ERR_ETYPE_NOSUPP: i32 = 14;
pub const KDC_ERR_PREAUTH_FAILED: i32 = 24;
pub const KDC_ERR_PREAUTH_REQUIRED: i32 = 25;
pub const KRB_AP_ERR_BAD_INTEGRITY: i32 = 31;
pub const KRB_AP_ERR_TKT_EXPIRED: i32 = 32;
pub const KRB_AP_ERR_REPEAT: i32 = 34;
pub const KRB_AP_ERR_SKEW: i32 = 37;
pub const KRB_AP_ERR_MODIFIED: i32 = 41;
pub const KRB_ERR_RESPONSE_TOO_BIG: i32 = 52;
pub const KRB_ERR_GENERIC: i32 = 60;

fn bad(detail: &'static str) -> SecError {
    SecError::new(SEC_E_INVALID_TOKEN, detail)
}

/// The DER reader reports crypt32's `CRYPT_E_ASN1_*` codes; at the SSPI
/// edge a malformed Kerberos message is `SEC_E_INVALID_TOKEN`.
pub fn tok(e: SecError) -> SecError {
    if (e.status as u32) & 0xFFFF_FF00 == 0x8009_3100 {
        SecError::new(SEC_E_INVALID_TOKEN, e.detail)
    } else {
        e
    }
}

// ---------------------------------------------------------------------------
// Writing

/// `[n] EXPLICIT inner`.
fn ctx(n: u8, inner: Vec<u8>) -> Vec<u8> {
    encode(context(n), &inner)
}

fn seq(fields: Vec<Vec<u8>>) -> Vec<u8> {
    encode(der::SEQUENCE, &fields.concat())
}

/// A DER INTEGER (minimal two's complement).
pub fn int(v: i64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        if (b == 0 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    encode(der::INTEGER, &bytes[start..])
}

fn octets(v: &[u8]) -> Vec<u8> {
    encode(der::OCTET_STRING, v)
}

fn kstring(s: &str) -> Vec<u8> {
    encode(der::GENERAL_STRING, s.as_bytes())
}

/// A 32-bit flags BIT STRING (KDCOptions, TicketFlags, APOptions).
fn flags(v: u32) -> Vec<u8> {
    let b = v.to_be_bytes();
    encode(der::BIT_STRING, &[0, b[0], b[1], b[2], b[3]])
}

/// KerberosTime: GeneralizedTime `YYYYMMDDHHMMSSZ` from Unix seconds.
fn ktime(t: i64) -> Vec<u8> {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    let s = format!("{y:04}{m:02}{d:02}{:02}{:02}{:02}Z", secs / 3600, secs / 60 % 60, secs % 60);
    encode(der::GENERALIZED_TIME, s.as_bytes())
}

// ---------------------------------------------------------------------------
// Reading

/// Reads the fields of a Kerberos SEQUENCE, each `[n] EXPLICIT`, in order.
struct Fields<'a> {
    r: Reader<'a>,
}

impl<'a> Fields<'a> {
    fn of(r: &mut Reader<'a>) -> SecResult<Self> {
        Ok(Self { r: r.sequence()? })
    }

    /// The field with tag `[n]` if it is next.
    fn opt(&mut self, n: u8) -> SecResult<Option<Reader<'a>>> {
        match self.r.optional(context(n))? {
            Some(t) => Ok(Some(self.r.inner(&t)?)),
            None => Ok(None),
        }
    }

    fn req(&mut self, n: u8) -> SecResult<Reader<'a>> {
        self.opt(n)?.ok_or(bad("a required Kerberos field is missing"))
    }

    /// Unknown later fields (extensions) are skipped; nothing else may follow.
    fn done(mut self) -> SecResult<()> {
        while let Some(t) = self.r.peek_tag() {
            if t & 0xe0 != 0xa0 {
                return Err(bad("unexpected element in a Kerberos SEQUENCE"));
            }
            self.r.any()?;
        }
        Ok(())
    }
}

/// One value inside an EXPLICIT field: exactly one element.
fn one<'a, T>(mut r: Reader<'a>, f: impl FnOnce(&mut Reader<'a>) -> SecResult<T>) -> SecResult<T> {
    let v = f(&mut r)?;
    r.finish()?;
    Ok(v)
}

fn read_int(r: &mut Reader<'_>) -> SecResult<i64> {
    let b = r.integer_bytes()?;
    if b.len() > 8 || (b.len() > 1 && ((b[0] == 0 && b[1] & 0x80 == 0) || (b[0] == 0xff && b[1] & 0x80 != 0))) {
        return Err(bad("INTEGER too long or not minimal"));
    }
    let mut v: i64 = if b[0] & 0x80 != 0 { -1 } else { 0 };
    for &x in b {
        v = (v << 8) | x as i64;
    }
    Ok(v)
}

fn read_i32(r: &mut Reader<'_>) -> SecResult<i32> {
    i32::try_from(read_int(r)?).map_err(|_| bad("Int32 out of range"))
}

fn read_u32(r: &mut Reader<'_>) -> SecResult<u32> {
    u32::try_from(read_int(r)?).map_err(|_| bad("UInt32 out of range"))
}

fn read_octets(r: &mut Reader<'_>) -> SecResult<Vec<u8>> {
    Ok(r.expect(der::OCTET_STRING)?.value.to_vec())
}

fn read_kstring(r: &mut Reader<'_>) -> SecResult<String> {
    let t = r.expect(der::GENERAL_STRING)?;
    // KerberosString is IA5 in RFC 4120; Windows and MIT put UTF-8 beyond it. Anything else
    // could not be sent back byte for byte, so it is refused.
    String::from_utf8(t.value.to_vec()).map_err(|_| bad("KerberosString is not UTF-8"))
}

fn read_flags(r: &mut Reader<'_>) -> SecResult<u32> {
    let (bits, _unused) = r.bit_string()?;
    let mut b = [0u8; 4];
    for (i, x) in bits.iter().take(4).enumerate() {
        b[i] = *x;
    }
    Ok(u32::from_be_bytes(b))
}

/// KerberosTime to Unix seconds.
fn read_ktime(r: &mut Reader<'_>) -> SecResult<i64> {
    let t: Tlv<'_> = r.expect(der::GENERALIZED_TIME)?;
    if t.value.len() != 15 {
        return Err(bad("KerberosTime is not YYYYMMDDHHMMSSZ"));
    }
    let ft = der::time_to_filetime(&t).map_err(|_| bad("bad KerberosTime"))?;
    Ok((ft / 10_000_000) as i64 - der::FILETIME_UNIX_OFFSET)
}

fn seq_of<'a, T>(r: &mut Reader<'a>, mut f: impl FnMut(&mut Reader<'a>) -> SecResult<T>) -> SecResult<Vec<T>> {
    let mut s = r.sequence()?;
    let mut out = Vec::new();
    while !s.is_empty() {
        out.push(f(&mut s)?);
    }
    Ok(out)
}

/// Checks an APPLICATION wrapper and returns a reader over its content.
fn application<'a>(r: &mut Reader<'a>, tag: u8) -> SecResult<Reader<'a>> {
    r.nested(tag).map_err(|_| bad("unexpected Kerberos message type"))
}

// ---------------------------------------------------------------------------
// Types

/// PrincipalName.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PrincipalName {
    pub name_type: i32,
    pub components: Vec<String>,
}

impl PrincipalName {
    pub fn new(name_type: i32, components: &[&str]) -> Self {
        Self { name_type, components: components.iter().map(|s| s.to_string()).collect() }
    }

    pub fn encode(&self) -> Vec<u8> {
        seq(vec![
            ctx(0, int(self.name_type as i64)),
            ctx(1, encode(der::SEQUENCE, &self.components.iter().map(|c| kstring(c)).collect::<Vec<_>>().concat())),
        ])
    }

    pub fn decode(r: &mut Reader<'_>) -> SecResult<Self> {
        let mut f = Fields::of(r)?;
        let name_type = one(f.req(0)?, read_i32)?;
        let components = one(f.req(1)?, |r| seq_of(r, read_kstring))?;
        f.done()?;
        Ok(Self { name_type, components })
    }

    /// `a/b` (without the realm).
    pub fn to_text(&self) -> String {
        self.components.join("/")
    }
}

/// EncryptedData.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedData {
    pub etype: i32,
    pub kvno: Option<u32>,
    pub cipher: Vec<u8>,
}

impl EncryptedData {
    pub fn encode(&self) -> Vec<u8> {
        let mut f = vec![ctx(0, int(self.etype as i64))];
        if let Some(k) = self.kvno {
            f.push(ctx(1, int(k as i64)));
        }
        f.push(ctx(2, octets(&self.cipher)));
        seq(f)
    }

    pub fn decode(r: &mut Reader<'_>) -> SecResult<Self> {
        let mut f = Fields::of(r)?;
        let etype = one(f.req(0)?, read_i32)?;
        // kvno is UInt32, but some KDCs send it as a negative Int32: take the bits.
        let kvno = f.opt(1)?.map(|r| one(r, read_int)).transpose()?.map(|v| v as u32);
        let cipher = one(f.req(2)?, read_octets)?;
        f.done()?;
        Ok(Self { etype, kvno, cipher })
    }
}

/// EncryptionKey (wiped when dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptionKey {
    pub keytype: i32,
    pub value: Zeroizing<Vec<u8>>,
}

impl EncryptionKey {
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(seq(vec![ctx(0, int(self.keytype as i64)), ctx(1, octets(&self.value))]))
    }

    pub fn decode(r: &mut Reader<'_>) -> SecResult<Self> {
        let mut f = Fields::of(r)?;
        let keytype = one(f.req(0)?, read_i32)?;
        let value = Zeroizing::new(one(f.req(1)?, read_octets)?);
        f.done()?;
        Ok(Self { keytype, value })
    }
}

/// Checksum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checksum {
    pub cksumtype: i32,
    pub value: Vec<u8>,
}

impl Checksum {
    pub fn encode(&self) -> Vec<u8> {
        seq(vec![ctx(0, int(self.cksumtype as i64)), ctx(1, octets(&self.value))])
    }

    pub fn decode(r: &mut Reader<'_>) -> SecResult<Self> {
        let mut f = Fields::of(r)?;
        let cksumtype = one(f.req(0)?, read_i32)?;
        let value = one(f.req(1)?, read_octets)?;
        f.done()?;
        Ok(Self { cksumtype, value })
    }
}

/// PA-DATA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaData {
    pub padata_type: i32,
    pub value: Vec<u8>,
}

impl PaData {
    pub fn encode(&self) -> Vec<u8> {
        seq(vec![ctx(1, int(self.padata_type as i64)), ctx(2, octets(&self.value))])
    }

    pub fn decode(r: &mut Reader<'_>) -> SecResult<Self> {
        let mut f = Fields::of(r)?;
        let padata_type = one(f.req(1)?, read_i32)?;
        let value = one(f.req(2)?, read_octets)?;
        f.done()?;
        Ok(Self { padata_type, value })
    }

    /// Encodes a `METHOD-DATA` (a KDC's e-data; the fake KDC of the tests).
    pub fn encode_list(list: &[Self]) -> Vec<u8> {
        seq(list.iter().map(|p| p.encode()).collect())
    }

    /// A `METHOD-DATA` (SEQUENCE OF PA-DATA), as KRB-ERROR's e-data carries it.
    pub fn decode_list(data: &[u8]) -> SecResult<Vec<Self>> {
        let mut r = Reader::new(data);
        let v = seq_of(&mut r, Self::decode)?;
        r.finish()?;
        Ok(v)
    }
}

/// One ETYPE-INFO2 entry: how to make the client's key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EtypeInfo2Entry {
    pub etype: i32,
    pub salt: Option<String>,
    pub s2kparams: Option<Vec<u8>>,
}

impl EtypeInfo2Entry {
    pub fn decode_list(data: &[u8]) -> SecResult<Vec<Self>> {
        let mut r = Reader::new(data);
        let v = seq_of(&mut r, |r| {
            let mut f = Fields::of(r)?;
            let etype = one(f.req(0)?, read_i32)?;
            let salt = f.opt(1)?.map(|r| one(r, read_kstring)).transpose()?;
            let s2kparams = f.opt(2)?.map(|r| one(r, read_octets)).transpose()?;
            f.done()?;
            Ok(Self { etype, salt, s2kparams })
        })?;
        r.finish()?;
        Ok(v)
    }

    pub fn encode_list(entries: &[Self]) -> Vec<u8> {
        seq(entries
            .iter()
            .map(|e| {
                let mut f = vec![ctx(0, int(e.etype as i64))];
                if let Some(s) = &e.salt {
                    f.push(ctx(1, kstring(s)));
                }
                if let Some(p) = &e.s2kparams {
                    f.push(ctx(2, octets(p)));
                }
                seq(f)
            })
            .collect())
    }
}

/// PA-ENC-TS-ENC: the encrypted-timestamp pre-authentication plaintext.
pub fn encode_pa_enc_ts(time: i64, usec: u32) -> Vec<u8> {
    seq(vec![ctx(0, ktime(time)), ctx(1, int(usec as i64))])
}

/// Decodes PA-ENC-TS-ENC: (time, microseconds).
pub fn decode_pa_enc_ts(data: &[u8]) -> SecResult<(i64, u32)> {
    let mut r = Reader::new(data);
    let mut f = Fields::of(&mut r)?;
    let t = one(f.req(0)?, read_ktime)?;
    let us = f.opt(1)?.map(|r| one(r, read_u32)).transpose()?.unwrap_or(0);
    f.done()?;
    r.finish()?;
    Ok((t, us))
}

/// Ticket. `raw` keeps the encoding as received, so it is sent on unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    pub realm: String,
    pub sname: PrincipalName,
    pub enc_part: EncryptedData,
    pub raw: Vec<u8>,
}

impl Ticket {
    pub fn decode(r: &mut Reader<'_>) -> SecResult<Self> {
        let t = r.expect(TAG_TICKET).map_err(|_| bad("not a Ticket"))?;
        let raw = t.raw.to_vec();
        let mut inner = r.inner(&t)?;
        let mut f = Fields::of(&mut inner)?;
        if one(f.req(0)?, read_int)? != PVNO {
            return Err(bad("ticket is not Kerberos V5"));
        }
        let realm = one(f.req(1)?, read_kstring)?;
        let sname = one(f.req(2)?, PrincipalName::decode)?;
        let enc_part = one(f.req(3)?, EncryptedData::decode)?;
        f.done()?;
        inner.finish()?;
        Ok(Self { realm, sname, enc_part, raw })
    }

    pub fn from_der(data: &[u8]) -> SecResult<Self> {
        let mut r = Reader::new(data);
        let t = Self::decode(&mut r)?;
        r.finish()?;
        Ok(t)
    }

    /// A ticket from its parts (the acceptor side of tests, the fake KDC).
    pub fn build(realm: &str, sname: &PrincipalName, enc_part: EncryptedData) -> Self {
        let raw = encode(
            TAG_TICKET,
            &seq(vec![ctx(0, int(PVNO)), ctx(1, kstring(realm)), ctx(2, sname.encode()), ctx(3, enc_part.encode())]),
        );
        Self { realm: realm.to_string(), sname: sname.clone(), enc_part, raw }
    }
}

/// KDC-REQ-BODY.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KdcReqBody {
    pub kdc_options: u32,
    pub cname: Option<PrincipalName>,
    pub realm: String,
    pub sname: Option<PrincipalName>,
    pub from: Option<i64>,
    pub till: i64,
    pub rtime: Option<i64>,
    pub nonce: u32,
    pub etypes: Vec<i32>,
    pub additional_tickets: Vec<Ticket>,
}

impl KdcReqBody {
    pub fn encode(&self) -> Vec<u8> {
        let mut f = vec![ctx(0, flags(self.kdc_options))];
        if let Some(c) = &self.cname {
            f.push(ctx(1, c.encode()));
        }
        f.push(ctx(2, kstring(&self.realm)));
        if let Some(s) = &self.sname {
            f.push(ctx(3, s.encode()));
        }
        if let Some(t) = self.from {
            f.push(ctx(4, ktime(t)));
        }
        f.push(ctx(5, ktime(self.till)));
        if let Some(t) = self.rtime {
            f.push(ctx(6, ktime(t)));
        }
        f.push(ctx(7, int(self.nonce as i64)));
        f.push(ctx(8, seq(self.etypes.iter().map(|&e| int(e as i64)).collect())));
        if !self.additional_tickets.is_empty() {
            f.push(ctx(11, seq(self.additional_tickets.iter().map(|t| t.raw.clone()).collect())));
        }
        seq(f)
    }

    pub fn decode(r: &mut Reader<'_>) -> SecResult<Self> {
        let mut f = Fields::of(r)?;
        let kdc_options = one(f.req(0)?, read_flags)?;
        let cname = f.opt(1)?.map(|r| one(r, PrincipalName::decode)).transpose()?;
        let realm = one(f.req(2)?, read_kstring)?;
        let sname = f.opt(3)?.map(|r| one(r, PrincipalName::decode)).transpose()?;
        let from = f.opt(4)?.map(|r| one(r, read_ktime)).transpose()?;
        let till = one(f.req(5)?, read_ktime)?;
        let rtime = f.opt(6)?.map(|r| one(r, read_ktime)).transpose()?;
        let nonce = one(f.req(7)?, read_int)? as u32;
        let etypes = one(f.req(8)?, |r| seq_of(r, read_i32))?;
        let _addresses = f.opt(9)?;
        let _enc_authorization_data = f.opt(10)?;
        let additional_tickets =
            f.opt(11)?.map(|r| one(r, |r| seq_of(r, Ticket::decode))).transpose()?.unwrap_or_default();
        f.done()?;
        Ok(Self { kdc_options, cname, realm, sname, from, till, rtime, nonce, etypes, additional_tickets })
    }
}

/// AS-REQ / TGS-REQ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KdcReq {
    /// `MSG_AS_REQ` or `MSG_TGS_REQ`.
    pub msg_type: i64,
    pub padata: Vec<PaData>,
    pub body: KdcReqBody,
}

impl KdcReq {
    pub fn encode(&self) -> Vec<u8> {
        let tag = if self.msg_type == MSG_AS_REQ { TAG_AS_REQ } else { TAG_TGS_REQ };
        let mut f = vec![ctx(1, int(PVNO)), ctx(2, int(self.msg_type))];
        if !self.padata.is_empty() {
            f.push(ctx(3, seq(self.padata.iter().map(|p| p.encode()).collect())));
        }
        f.push(ctx(4, self.body.encode()));
        encode(tag, &seq(f))
    }

    pub fn decode(data: &[u8]) -> SecResult<Self> {
        let mut r = Reader::new(data);
        let (tag, msg_type) = match r.peek_tag() {
            Some(TAG_AS_REQ) => (TAG_AS_REQ, MSG_AS_REQ),
            Some(TAG_TGS_REQ) => (TAG_TGS_REQ, MSG_TGS_REQ),
            _ => return Err(bad("not a KDC request")),
        };
        let mut inner = application(&mut r, tag)?;
        let mut f = Fields::of(&mut inner)?;
        if one(f.req(1)?, read_int)? != PVNO || one(f.req(2)?, read_int)? != msg_type {
            return Err(bad("bad KDC request header"));
        }
        let padata = f.opt(3)?.map(|r| one(r, |r| seq_of(r, PaData::decode))).transpose()?.unwrap_or_default();
        let body = one(f.req(4)?, KdcReqBody::decode)?;
        f.done()?;
        inner.finish()?;
        r.finish()?;
        Ok(Self { msg_type, padata, body })
    }

    /// The body's encoding as sent (checksummed by the TGS-REQ authenticator).
    pub fn body_bytes(&self) -> Vec<u8> {
        self.body.encode()
    }
}

/// AS-REP / TGS-REP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KdcRep {
    pub msg_type: i64,
    pub padata: Vec<PaData>,
    pub crealm: String,
    pub cname: PrincipalName,
    pub ticket: Ticket,
    pub enc_part: EncryptedData,
}

impl KdcRep {
    pub fn decode(data: &[u8]) -> SecResult<Self> {
        let mut r = Reader::new(data);
        let (tag, msg_type) = match r.peek_tag() {
            Some(TAG_AS_REP) => (TAG_AS_REP, MSG_AS_REP),
            Some(TAG_TGS_REP) => (TAG_TGS_REP, MSG_TGS_REP),
            _ => return Err(bad("not a KDC reply")),
        };
        let mut inner = application(&mut r, tag)?;
        let mut f = Fields::of(&mut inner)?;
        if one(f.req(0)?, read_int)? != PVNO || one(f.req(1)?, read_int)? != msg_type {
            return Err(bad("bad KDC reply header"));
        }
        let padata = f.opt(2)?.map(|r| one(r, |r| seq_of(r, PaData::decode))).transpose()?.unwrap_or_default();
        let crealm = one(f.req(3)?, read_kstring)?;
        let cname = one(f.req(4)?, PrincipalName::decode)?;
        let ticket = one(f.req(5)?, Ticket::decode)?;
        let enc_part = one(f.req(6)?, EncryptedData::decode)?;
        f.done()?;
        inner.finish()?;
        r.finish()?;
        Ok(Self { msg_type, padata, crealm, cname, ticket, enc_part })
    }

    pub fn encode(&self) -> Vec<u8> {
        let tag = if self.msg_type == MSG_AS_REP { TAG_AS_REP } else { TAG_TGS_REP };
        let mut f = vec![ctx(0, int(PVNO)), ctx(1, int(self.msg_type))];
        if !self.padata.is_empty() {
            f.push(ctx(2, seq(self.padata.iter().map(|p| p.encode()).collect())));
        }
        f.push(ctx(3, kstring(&self.crealm)));
        f.push(ctx(4, self.cname.encode()));
        f.push(ctx(5, self.ticket.raw.clone()));
        f.push(ctx(6, self.enc_part.encode()));
        encode(tag, &seq(f))
    }
}

/// EncKDCRepPart (of an AS-REP or TGS-REP).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncKdcRepPart {
    pub key: EncryptionKey,
    pub nonce: u32,
    pub key_expiration: Option<i64>,
    pub flags: u32,
    pub authtime: i64,
    pub starttime: Option<i64>,
    pub endtime: i64,
    pub renew_till: Option<i64>,
    pub srealm: String,
    pub sname: PrincipalName,
}

impl EncKdcRepPart {
    /// Decodes either wrapper (MIT sends EncTGSRepPart's tag in AS replies too).
    pub fn decode(data: &[u8]) -> SecResult<Self> {
        let mut r = Reader::new(data);
        let tag = match r.peek_tag() {
            Some(t @ (TAG_ENC_AS_REP_PART | TAG_ENC_TGS_REP_PART)) => t,
            _ => return Err(bad("not an EncKDCRepPart")),
        };
        let mut inner = application(&mut r, tag)?;
        let mut f = Fields::of(&mut inner)?;
        let key = one(f.req(0)?, EncryptionKey::decode)?;
        let _last_req = f.req(1)?;
        let nonce = one(f.req(2)?, read_int)? as u32;
        let key_expiration = f.opt(3)?.map(|r| one(r, read_ktime)).transpose()?;
        let flags = one(f.req(4)?, read_flags)?;
        let authtime = one(f.req(5)?, read_ktime)?;
        let starttime = f.opt(6)?.map(|r| one(r, read_ktime)).transpose()?;
        let endtime = one(f.req(7)?, read_ktime)?;
        let renew_till = f.opt(8)?.map(|r| one(r, read_ktime)).transpose()?;
        let srealm = one(f.req(9)?, read_kstring)?;
        let sname = one(f.req(10)?, PrincipalName::decode)?;
        let _caddr = f.opt(11)?;
        let _encrypted_pa_data = f.opt(12)?;
        f.done()?;
        inner.finish()?;
        r.finish()?;
        Ok(Self { key, nonce, key_expiration, flags, authtime, starttime, endtime, renew_till, srealm, sname })
    }

    pub fn encode(&self, tag: u8) -> Zeroizing<Vec<u8>> {
        let mut f = vec![ctx(0, self.key.encode().to_vec()), ctx(1, seq(vec![])), ctx(2, int(self.nonce as i64))];
        if let Some(t) = self.key_expiration {
            f.push(ctx(3, ktime(t)));
        }
        f.push(ctx(4, flags(self.flags)));
        f.push(ctx(5, ktime(self.authtime)));
        if let Some(t) = self.starttime {
            f.push(ctx(6, ktime(t)));
        }
        f.push(ctx(7, ktime(self.endtime)));
        if let Some(t) = self.renew_till {
            f.push(ctx(8, ktime(t)));
        }
        f.push(ctx(9, kstring(&self.srealm)));
        f.push(ctx(10, self.sname.encode()));
        Zeroizing::new(encode(tag, &seq(f)))
    }
}

/// KRB-ERROR.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct KrbError {
    pub stime: i64,
    pub susec: u32,
    pub error_code: i32,
    pub crealm: Option<String>,
    pub cname: Option<PrincipalName>,
    pub realm: String,
    pub sname: PrincipalName,
    pub e_text: Option<String>,
    pub e_data: Option<Vec<u8>>,
}

impl KrbError {
    pub fn decode(data: &[u8]) -> SecResult<Self> {
        let mut r = Reader::new(data);
        let mut inner = application(&mut r, TAG_KRB_ERROR)?;
        let mut f = Fields::of(&mut inner)?;
        if one(f.req(0)?, read_int)? != PVNO || one(f.req(1)?, read_int)? != MSG_KRB_ERROR {
            return Err(bad("not a KRB-ERROR"));
        }
        let _ctime = f.opt(2)?;
        let _cusec = f.opt(3)?;
        let stime = one(f.req(4)?, read_ktime)?;
        let susec = one(f.req(5)?, read_u32)?;
        let error_code = one(f.req(6)?, read_i32)?;
        let crealm = f.opt(7)?.map(|r| one(r, read_kstring)).transpose()?;
        let cname = f.opt(8)?.map(|r| one(r, PrincipalName::decode)).transpose()?;
        let realm = one(f.req(9)?, read_kstring)?;
        let sname = one(f.req(10)?, PrincipalName::decode)?;
        let e_text = f.opt(11)?.map(|r| one(r, read_kstring)).transpose()?;
        let e_data = f.opt(12)?.map(|r| one(r, read_octets)).transpose()?;
        f.done()?;
        inner.finish()?;
        r.finish()?;
        Ok(Self { stime, susec, error_code, crealm, cname, realm, sname, e_text, e_data })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut f = vec![
            ctx(0, int(PVNO)),
            ctx(1, int(MSG_KRB_ERROR)),
            ctx(4, ktime(self.stime)),
            ctx(5, int(self.susec as i64)),
            ctx(6, int(self.error_code as i64)),
        ];
        if let Some(c) = &self.crealm {
            f.push(ctx(7, kstring(c)));
        }
        if let Some(c) = &self.cname {
            f.push(ctx(8, c.encode()));
        }
        f.push(ctx(9, kstring(&self.realm)));
        f.push(ctx(10, self.sname.encode()));
        if let Some(t) = &self.e_text {
            f.push(ctx(11, kstring(t)));
        }
        if let Some(d) = &self.e_data {
            f.push(ctx(12, octets(d)));
        }
        encode(TAG_KRB_ERROR, &seq(f))
    }
}

/// AP-REQ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApReq {
    pub ap_options: u32,
    pub ticket: Ticket,
    pub authenticator: EncryptedData,
}

impl ApReq {
    pub fn encode(&self) -> Vec<u8> {
        encode(
            TAG_AP_REQ,
            &seq(vec![
                ctx(0, int(PVNO)),
                ctx(1, int(MSG_AP_REQ)),
                ctx(2, flags(self.ap_options)),
                ctx(3, self.ticket.raw.clone()),
                ctx(4, self.authenticator.encode()),
            ]),
        )
    }

    pub fn decode(data: &[u8]) -> SecResult<Self> {
        let mut r = Reader::new(data);
        let mut inner = application(&mut r, TAG_AP_REQ)?;
        let mut f = Fields::of(&mut inner)?;
        if one(f.req(0)?, read_int)? != PVNO || one(f.req(1)?, read_int)? != MSG_AP_REQ {
            return Err(bad("bad AP-REQ header"));
        }
        let ap_options = one(f.req(2)?, read_flags)?;
        let ticket = one(f.req(3)?, Ticket::decode)?;
        let authenticator = one(f.req(4)?, EncryptedData::decode)?;
        f.done()?;
        inner.finish()?;
        r.finish()?;
        Ok(Self { ap_options, ticket, authenticator })
    }
}

/// Authenticator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticator {
    pub crealm: String,
    pub cname: PrincipalName,
    pub cksum: Option<Checksum>,
    pub cusec: u32,
    pub ctime: i64,
    pub subkey: Option<EncryptionKey>,
    pub seq_number: Option<u32>,
}

impl Authenticator {
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut f = vec![ctx(0, int(PVNO)), ctx(1, kstring(&self.crealm)), ctx(2, self.cname.encode())];
        if let Some(c) = &self.cksum {
            f.push(ctx(3, c.encode()));
        }
        f.push(ctx(4, int(self.cusec as i64)));
        f.push(ctx(5, ktime(self.ctime)));
        if let Some(k) = &self.subkey {
            f.push(ctx(6, k.encode().to_vec()));
        }
        if let Some(s) = self.seq_number {
            f.push(ctx(7, int(s as i64)));
        }
        Zeroizing::new(encode(TAG_AUTHENTICATOR, &seq(f)))
    }

    pub fn decode(data: &[u8]) -> SecResult<Self> {
        let mut r = Reader::new(data);
        let mut inner = application(&mut r, TAG_AUTHENTICATOR)?;
        let mut f = Fields::of(&mut inner)?;
        if one(f.req(0)?, read_int)? != PVNO {
            return Err(bad("authenticator is not Kerberos V5"));
        }
        let crealm = one(f.req(1)?, read_kstring)?;
        let cname = one(f.req(2)?, PrincipalName::decode)?;
        let cksum = f.opt(3)?.map(|r| one(r, Checksum::decode)).transpose()?;
        let cusec = one(f.req(4)?, read_u32)?;
        let ctime = one(f.req(5)?, read_ktime)?;
        let subkey = f.opt(6)?.map(|r| one(r, EncryptionKey::decode)).transpose()?;
        let seq_number = f.opt(7)?.map(|r| one(r, read_int)).transpose()?.map(|v| v as u32);
        let _authorization_data = f.opt(8)?;
        f.done()?;
        inner.finish()?;
        r.finish()?;
        Ok(Self { crealm, cname, cksum, cusec, ctime, subkey, seq_number })
    }
}

/// AP-REP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApRep {
    pub enc_part: EncryptedData,
}

impl ApRep {
    pub fn encode(&self) -> Vec<u8> {
        encode(TAG_AP_REP, &seq(vec![ctx(0, int(PVNO)), ctx(1, int(MSG_AP_REP)), ctx(2, self.enc_part.encode())]))
    }

    pub fn decode(data: &[u8]) -> SecResult<Self> {
        let mut r = Reader::new(data);
        let mut inner = application(&mut r, TAG_AP_REP)?;
        let mut f = Fields::of(&mut inner)?;
        if one(f.req(0)?, read_int)? != PVNO || one(f.req(1)?, read_int)? != MSG_AP_REP {
            return Err(bad("bad AP-REP header"));
        }
        let enc_part = one(f.req(2)?, EncryptedData::decode)?;
        f.done()?;
        inner.finish()?;
        r.finish()?;
        Ok(Self { enc_part })
    }
}

/// EncAPRepPart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncApRepPart {
    pub ctime: i64,
    pub cusec: u32,
    pub subkey: Option<EncryptionKey>,
    pub seq_number: Option<u32>,
}

impl EncApRepPart {
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut f = vec![ctx(0, ktime(self.ctime)), ctx(1, int(self.cusec as i64))];
        if let Some(k) = &self.subkey {
            f.push(ctx(2, k.encode().to_vec()));
        }
        if let Some(s) = self.seq_number {
            f.push(ctx(3, int(s as i64)));
        }
        Zeroizing::new(encode(TAG_ENC_AP_REP_PART, &seq(f)))
    }

    pub fn decode(data: &[u8]) -> SecResult<Self> {
        let mut r = Reader::new(data);
        let mut inner = application(&mut r, TAG_ENC_AP_REP_PART)?;
        let mut f = Fields::of(&mut inner)?;
        let ctime = one(f.req(0)?, read_ktime)?;
        let cusec = one(f.req(1)?, read_u32)?;
        let subkey = f.opt(2)?.map(|r| one(r, EncryptionKey::decode)).transpose()?;
        let seq_number = f.opt(3)?.map(|r| one(r, read_int)).transpose()?.map(|v| v as u32);
        f.done()?;
        inner.finish()?;
        r.finish()?;
        Ok(Self { ctime, cusec, subkey, seq_number })
    }
}

/// EncTicketPart: what the acceptor decrypts from a ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncTicketPart {
    pub flags: u32,
    pub key: EncryptionKey,
    pub crealm: String,
    pub cname: PrincipalName,
    pub authtime: i64,
    pub starttime: Option<i64>,
    pub endtime: i64,
    pub renew_till: Option<i64>,
}

impl EncTicketPart {
    pub fn decode(data: &[u8]) -> SecResult<Self> {
        let mut r = Reader::new(data);
        let mut inner = application(&mut r, TAG_ENC_TICKET_PART)?;
        let mut f = Fields::of(&mut inner)?;
        let flags = one(f.req(0)?, read_flags)?;
        let key = one(f.req(1)?, EncryptionKey::decode)?;
        let crealm = one(f.req(2)?, read_kstring)?;
        let cname = one(f.req(3)?, PrincipalName::decode)?;
        let _transited = f.req(4)?;
        let authtime = one(f.req(5)?, read_ktime)?;
        let starttime = f.opt(6)?.map(|r| one(r, read_ktime)).transpose()?;
        let endtime = one(f.req(7)?, read_ktime)?;
        let renew_till = f.opt(8)?.map(|r| one(r, read_ktime)).transpose()?;
        let _caddr = f.opt(9)?;
        let _authorization_data = f.opt(10)?;
        f.done()?;
        inner.finish()?;
        r.finish()?;
        Ok(Self { flags, key, crealm, cname, authtime, starttime, endtime, renew_till })
    }

    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let transited = seq(vec![ctx(0, int(1)), ctx(1, octets(&[]))]);
        let mut f = vec![
            ctx(0, flags(self.flags)),
            ctx(1, self.key.encode().to_vec()),
            ctx(2, kstring(&self.crealm)),
            ctx(3, self.cname.encode()),
            ctx(4, transited),
            ctx(5, ktime(self.authtime)),
        ];
        if let Some(t) = self.starttime {
            f.push(ctx(6, ktime(t)));
        }
        f.push(ctx(7, ktime(self.endtime)));
        if let Some(t) = self.renew_till {
            f.push(ctx(8, ktime(t)));
        }
        Zeroizing::new(encode(TAG_ENC_TICKET_PART, &seq(f)))
    }
}

/// KRB-CRED (RFC 4120 5.8): tickets and, in the encrypted part, their keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KrbCred {
    pub tickets: Vec<Ticket>,
    pub enc_part: EncryptedData,
}

/// One KrbCredInfo of an EncKrbCredPart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KrbCredInfo {
    pub key: EncryptionKey,
    pub prealm: Option<String>,
    pub pname: Option<PrincipalName>,
    pub flags: Option<u32>,
    pub authtime: Option<i64>,
    pub starttime: Option<i64>,
    pub endtime: Option<i64>,
    pub renew_till: Option<i64>,
    pub srealm: Option<String>,
    pub sname: Option<PrincipalName>,
}

impl KrbCred {
    pub fn encode(&self) -> Vec<u8> {
        encode(
            TAG_KRB_CRED,
            &seq(vec![
                ctx(0, int(PVNO)),
                ctx(1, int(MSG_KRB_CRED)),
                ctx(2, seq(self.tickets.iter().map(|t| t.raw.clone()).collect())),
                ctx(3, self.enc_part.encode()),
            ]),
        )
    }

    pub fn decode(data: &[u8]) -> SecResult<Self> {
        let mut r = Reader::new(data);
        let mut inner = application(&mut r, TAG_KRB_CRED)?;
        let mut f = Fields::of(&mut inner)?;
        if one(f.req(0)?, read_int)? != PVNO || one(f.req(1)?, read_int)? != MSG_KRB_CRED {
            return Err(bad("bad KRB-CRED header"));
        }
        let tickets = one(f.req(2)?, |r| seq_of(r, Ticket::decode))?;
        let enc_part = one(f.req(3)?, EncryptedData::decode)?;
        f.done()?;
        inner.finish()?;
        r.finish()?;
        Ok(Self { tickets, enc_part })
    }
}

/// EncKrbCredPart's ticket-info (the rest of it is not needed).
pub fn encode_enc_krb_cred_part(infos: &[KrbCredInfo], nonce: Option<u32>) -> Zeroizing<Vec<u8>> {
    let list = seq(infos
        .iter()
        .map(|i| {
            let mut f = vec![ctx(0, i.key.encode().to_vec())];
            if let Some(v) = &i.prealm {
                f.push(ctx(1, kstring(v)));
            }
            if let Some(v) = &i.pname {
                f.push(ctx(2, v.encode()));
            }
            if let Some(v) = i.flags {
                f.push(ctx(3, flags(v)));
            }
            for (n, t) in [(4, i.authtime), (5, i.starttime), (6, i.endtime), (7, i.renew_till)] {
                if let Some(t) = t {
                    f.push(ctx(n, ktime(t)));
                }
            }
            if let Some(v) = &i.srealm {
                f.push(ctx(8, kstring(v)));
            }
            if let Some(v) = &i.sname {
                f.push(ctx(9, v.encode()));
            }
            seq(f)
        })
        .collect());
    let mut f = vec![ctx(0, list)];
    if let Some(n) = nonce {
        f.push(ctx(1, int(n as i64)));
    }
    Zeroizing::new(encode(TAG_ENC_KRB_CRED_PART, &seq(f)))
}

pub fn decode_enc_krb_cred_part(data: &[u8]) -> SecResult<Vec<KrbCredInfo>> {
    let mut r = Reader::new(data);
    let mut inner = application(&mut r, TAG_ENC_KRB_CRED_PART)?;
    let mut f = Fields::of(&mut inner)?;
    let infos = one(f.req(0)?, |r| {
        seq_of(r, |r| {
            let mut g = Fields::of(r)?;
            let key = one(g.req(0)?, EncryptionKey::decode)?;
            let prealm = g.opt(1)?.map(|r| one(r, read_kstring)).transpose()?;
            let pname = g.opt(2)?.map(|r| one(r, PrincipalName::decode)).transpose()?;
            let flags = g.opt(3)?.map(|r| one(r, read_flags)).transpose()?;
            let authtime = g.opt(4)?.map(|r| one(r, read_ktime)).transpose()?;
            let starttime = g.opt(5)?.map(|r| one(r, read_ktime)).transpose()?;
            let endtime = g.opt(6)?.map(|r| one(r, read_ktime)).transpose()?;
            let renew_till = g.opt(7)?.map(|r| one(r, read_ktime)).transpose()?;
            let srealm = g.opt(8)?.map(|r| one(r, read_kstring)).transpose()?;
            let sname = g.opt(9)?.map(|r| one(r, PrincipalName::decode)).transpose()?;
            let _caddr = g.opt(10)?;
            g.done()?;
            Ok(KrbCredInfo { key, prealm, pname, flags, authtime, starttime, endtime, renew_till, srealm, sname })
        })
    })?;
    // nonce, timestamp, usec, addresses: not needed.
    f.done()?;
    inner.finish()?;
    r.finish()?;
    Ok(infos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal_twos_complement() {
        let cases: [(i64, &[u8]); 7] = [
            (0, &[0]),
            (127, &[0x7f]),
            (128, &[0, 0x80]),
            (-1, &[0xff]),
            (-128, &[0x80]),
            (-129, &[0xff, 0x7f]),
            (0xffff_ffff, &[0, 0xff, 0xff, 0xff, 0xff]),
        ];
        for (v, content) in cases {
            let enc = int(v);
            assert_eq!(&enc[2..], content, "{v}");
            assert_eq!(read_int(&mut Reader::new(&enc)).unwrap(), v);
        }
        assert!(read_int(&mut Reader::new(&[2, 2, 0, 1])).is_err(), "not minimal");
        assert!(read_int(&mut Reader::new(&[2, 9, 1, 0, 0, 0, 0, 0, 0, 0, 0])).is_err(), "too long");
    }

    #[test]
    fn kerberos_time_round_trips() {
        for t in [0i64, 951782400, 1_700_000_000, 4_102_444_799] {
            let enc = ktime(t);
            assert_eq!(enc.len(), 17);
            assert_eq!(read_ktime(&mut Reader::new(&enc)).unwrap(), t);
        }
        assert_eq!(&ktime(951782400)[2..], b"20000229000000Z");
        // Fractions and offsets are not KerberosTime.
        assert!(read_ktime(&mut Reader::new(&encode(der::GENERALIZED_TIME, b"20000229000000.5Z"))).is_err());
    }

    fn sample_ticket() -> Ticket {
        Ticket::build(
            "EXAMPLE.TEST",
            &PrincipalName::new(NT_SRV_INST, &["HTTP", "host.example.test"]),
            EncryptedData { etype: 18, kvno: Some(2), cipher: vec![1, 2, 3] },
        )
    }

    #[test]
    fn messages_round_trip() {
        let t = sample_ticket();
        assert_eq!(Ticket::from_der(&t.raw).unwrap(), t);
        let req = KdcReq {
            msg_type: MSG_AS_REQ,
            padata: vec![PaData { padata_type: PA_PAC_REQUEST, value: vec![0x30, 0] }],
            body: KdcReqBody {
                kdc_options: KDC_OPT_FORWARDABLE | KDC_OPT_RENEWABLE_OK,
                cname: Some(PrincipalName::new(NT_PRINCIPAL, &["user1"])),
                realm: "EXAMPLE.TEST".into(),
                sname: Some(PrincipalName::new(NT_SRV_INST, &["krbtgt", "EXAMPLE.TEST"])),
                from: None,
                till: 1_700_036_000,
                rtime: Some(1_700_600_000),
                nonce: 0xfedc_ba98,
                etypes: vec![20, 19, 18, 17],
                additional_tickets: vec![t.clone()],
            },
        };
        assert_eq!(KdcReq::decode(&req.encode()).unwrap(), req);
        let rep = KdcRep {
            msg_type: MSG_TGS_REP,
            padata: vec![],
            crealm: "EXAMPLE.TEST".into(),
            cname: PrincipalName::new(NT_PRINCIPAL, &["user1"]),
            ticket: t.clone(),
            enc_part: EncryptedData { etype: 18, kvno: None, cipher: vec![9; 40] },
        };
        assert_eq!(KdcRep::decode(&rep.encode()).unwrap(), rep);
        let part = EncKdcRepPart {
            key: EncryptionKey { keytype: 18, value: Zeroizing::new(vec![7; 32]) },
            nonce: 5,
            key_expiration: None,
            flags: TKT_FLG_FORWARDABLE,
            authtime: 1_700_000_000,
            starttime: Some(1_700_000_000),
            endtime: 1_700_036_000,
            renew_till: None,
            srealm: "EXAMPLE.TEST".into(),
            sname: PrincipalName::new(NT_SRV_INST, &["krbtgt", "EXAMPLE.TEST"]),
        };
        assert_eq!(EncKdcRepPart::decode(&part.encode(TAG_ENC_AS_REP_PART)).unwrap(), part);
        let err = KrbError {
            stime: 1_700_000_000,
            susec: 12,
            error_code: KDC_ERR_PREAUTH_REQUIRED,
            realm: "EXAMPLE.TEST".into(),
            sname: PrincipalName::new(NT_SRV_INST, &["krbtgt", "EXAMPLE.TEST"]),
            e_data: Some(seq(vec![PaData { padata_type: PA_ETYPE_INFO2, value: vec![] }.encode()])),
            ..Default::default()
        };
        assert_eq!(KrbError::decode(&err.encode()).unwrap(), err);
        let info = vec![
            EtypeInfo2Entry { etype: 20, salt: Some("EXAMPLE.TESTuser1".into()), s2kparams: Some(vec![0, 0, 0x80, 0]) },
            EtypeInfo2Entry { etype: 18, salt: None, s2kparams: None },
        ];
        assert_eq!(EtypeInfo2Entry::decode_list(&EtypeInfo2Entry::encode_list(&info)).unwrap(), info);
        assert_eq!(decode_pa_enc_ts(&encode_pa_enc_ts(1_700_000_000, 999_999)).unwrap(), (1_700_000_000, 999_999));
        let ap = ApReq {
            ap_options: AP_OPT_MUTUAL_REQUIRED,
            ticket: t,
            authenticator: EncryptedData { etype: 18, kvno: None, cipher: vec![4; 50] },
        };
        assert_eq!(ApReq::decode(&ap.encode()).unwrap(), ap);
        let auth = Authenticator {
            crealm: "EXAMPLE.TEST".into(),
            cname: PrincipalName::new(NT_PRINCIPAL, &["user1"]),
            cksum: Some(Checksum { cksumtype: 0x8003, value: vec![0; 24] }),
            cusec: 17,
            ctime: 1_700_000_001,
            subkey: Some(EncryptionKey { keytype: 18, value: Zeroizing::new(vec![3; 32]) }),
            seq_number: Some(0xffff_fff0),
        };
        assert_eq!(Authenticator::decode(&auth.encode()).unwrap(), auth);
        let rep = ApRep { enc_part: EncryptedData { etype: 18, kvno: None, cipher: vec![5; 30] } };
        assert_eq!(ApRep::decode(&rep.encode()).unwrap(), rep);
        let part = EncApRepPart { ctime: 1_700_000_001, cusec: 17, subkey: None, seq_number: Some(1) };
        assert_eq!(EncApRepPart::decode(&part.encode()).unwrap(), part);
        let tp = EncTicketPart {
            flags: TKT_FLG_FORWARDABLE,
            key: EncryptionKey { keytype: 17, value: Zeroizing::new(vec![1; 16]) },
            crealm: "EXAMPLE.TEST".into(),
            cname: PrincipalName::new(NT_PRINCIPAL, &["user1"]),
            authtime: 1,
            starttime: None,
            endtime: 2,
            renew_till: None,
        };
        assert_eq!(EncTicketPart::decode(&tp.encode()).unwrap(), tp);
    }

    #[test]
    fn damaged_messages_are_errors() {
        let ap = ApReq {
            ap_options: 0,
            ticket: sample_ticket(),
            authenticator: EncryptedData { etype: 18, kvno: None, cipher: vec![4; 20] },
        }
        .encode();
        for cut in 0..ap.len() {
            assert!(ApReq::decode(&ap[..cut]).is_err(), "truncated at {cut}");
        }
        let mut extra = ap.clone();
        extra.push(0);
        assert!(ApReq::decode(&extra).is_err(), "trailing byte");
        assert!(KdcRep::decode(&ap).is_err(), "wrong message type");
        // An unknown extension field at the end of a SEQUENCE is skipped.
        let with_ext = seq(vec![ctx(0, int(1)), ctx(1, seq(vec![kstring("a")])), ctx(5, int(0))]);
        assert_eq!(PrincipalName::decode(&mut Reader::new(&with_ext)).unwrap(), PrincipalName::new(1, &["a"]));
        // A KerberosString that is not UTF-8 could not be sent back unchanged (found by fuzzing).
        let latin1 = seq(vec![ctx(0, int(1)), ctx(1, seq(vec![encode(der::GENERAL_STRING, &[b'E', 0xbf, b'X'])]))]);
        assert!(PrincipalName::decode(&mut Reader::new(&latin1)).is_err());
        // Fields out of order are not.
        let swapped = seq(vec![ctx(1, seq(vec![kstring("a")])), ctx(0, int(1))]);
        assert!(PrincipalName::decode(&mut Reader::new(&swapped)).is_err());
    }
}
