//! MS-CSSP's structures (section 2.2.1), in DER both ways:
//!
//! ```text
//! TSRequest ::= SEQUENCE {
//!     version     [0] INTEGER,
//!     negoTokens  [1] NegoData OPTIONAL,
//!     authInfo    [2] OCTET STRING OPTIONAL,
//!     pubKeyAuth  [3] OCTET STRING OPTIONAL,
//!     errorCode   [4] INTEGER OPTIONAL,      -- version 3 and later
//!     clientNonce [5] OCTET STRING OPTIONAL  -- version 5 and later
//! }
//! NegoData ::= SEQUENCE OF SEQUENCE { negoToken [0] OCTET STRING }
//! TSCredentials ::= SEQUENCE { credType [0] INTEGER, credentials [1] OCTET STRING }
//! TSPasswordCreds ::= SEQUENCE { domainName [0] OCTET STRING, userName [1] OCTET STRING,
//!                                password [2] OCTET STRING }    -- UTF-16LE, no terminator
//! ```
//!
//! and the public-key binding of section 3.1.5: versions 2 to 4 encrypt the server's
//! SubjectPublicKey (the server answers it with the first byte plus one); version 5 and
//! later encrypt SHA-256("CredSSP Client-To-Server Binding Hash\0" || clientNonce ||
//! SubjectPublicKey), and the server answers with the "Server-To-Client" hash.

use zeroize::Zeroizing;

use crate::abi::*;
use crate::der::{self, context, Reader};
use crate::error::{SecError, SecResult};

/// The highest version we speak (MS-CSSP 3.1.5: 6 adds nothing on the wire to 5 but the
/// errorCode again).
pub const VERSION: u32 = 6;
/// `credType` of `TSPasswordCreds`.
pub const CRED_TYPE_PASSWORD: u32 = 1;
/// `credType` of `TSSmartCardCreds` (not supported).
pub const CRED_TYPE_SMARTCARD: u32 = 2;
/// `credType` of `TSRemoteGuardCreds` (not supported).
pub const CRED_TYPE_REMOTE_GUARD: u32 = 6;
/// The length of a clientNonce (MS-CSSP 2.2.1).
pub const NONCE_LEN: usize = 32;

fn bad(detail: &'static str) -> SecError {
    SecError::new(SEC_E_INVALID_TOKEN, detail)
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TsRequest {
    pub version: u32,
    pub nego_tokens: Vec<Vec<u8>>,
    pub auth_info: Option<Vec<u8>>,
    pub pub_key_auth: Option<Vec<u8>>,
    /// An NTSTATUS (or HRESULT) the peer reports, as the 32 bits it has.
    pub error_code: Option<u32>,
    pub client_nonce: Option<Vec<u8>>,
}

/// A non-negative INTEGER's DER content.
fn uint_content(v: u64) -> Vec<u8> {
    let b = v.to_be_bytes();
    let first = b.iter().position(|&x| x != 0).unwrap_or(7);
    let mut out = b[first..].to_vec();
    if out[0] & 0x80 != 0 {
        out.insert(0, 0);
    }
    out
}

/// A 32-bit status as Windows encodes it: a signed 32-bit INTEGER (0xC000006D is negative).
fn status_content(v: u32) -> Vec<u8> {
    let b = (v as i32).to_be_bytes();
    let mut s = &b[..];
    while s.len() > 1 && ((s[0] == 0 && s[1] & 0x80 == 0) || (s[0] == 0xff && s[1] & 0x80 != 0)) {
        s = &s[1..];
    }
    s.to_vec()
}

/// An INTEGER read as 32 status bits: a negative 32-bit value, or a positive one up to
/// 0xFFFFFFFF (some encoders write the unsigned form).
fn status_from(content: &[u8]) -> SecResult<u32> {
    if content.is_empty() || content.len() > 5 || (content.len() == 5 && content[0] != 0) {
        return Err(bad("errorCode is not a 32-bit value"));
    }
    let negative = content[0] & 0x80 != 0;
    if content.len() > 1
        && ((content[0] == 0 && content[1] & 0x80 == 0) || (content[0] == 0xff && content[1] & 0x80 != 0))
    {
        return Err(bad("errorCode is not minimally encoded"));
    }
    let mut v: i64 = if negative { -1 } else { 0 };
    for &b in content {
        v = (v << 8) | i64::from(b);
    }
    if !(i64::from(i32::MIN)..=i64::from(u32::MAX)).contains(&v) {
        return Err(bad("errorCode is not a 32-bit value"));
    }
    Ok(v as u32)
}

fn explicit_octets(n: u8, v: &[u8]) -> Vec<u8> {
    der::encode(context(n), &der::encode(der::OCTET_STRING, v))
}

fn explicit_uint(n: u8, v: u64) -> Vec<u8> {
    der::encode(context(n), &der::encode(der::INTEGER, &uint_content(v)))
}

/// `[n] OCTET STRING` from a reader over the explicit tag's content.
fn octets_in(r: &mut Reader<'_>, tlv: &der::Tlv<'_>) -> SecResult<Vec<u8>> {
    let mut inner = r.inner(tlv).map_err(|_| bad("nesting"))?;
    let v = inner.expect(der::OCTET_STRING).map_err(|_| bad("expected an OCTET STRING"))?.value.to_vec();
    inner.finish().map_err(|_| bad("trailing data in a field"))?;
    Ok(v)
}

fn uint_in(r: &mut Reader<'_>, tlv: &der::Tlv<'_>) -> SecResult<u32> {
    let mut inner = r.inner(tlv).map_err(|_| bad("nesting"))?;
    let v = inner.small_uint().map_err(|_| bad("expected a small non-negative INTEGER"))?;
    inner.finish().map_err(|_| bad("trailing data in a field"))?;
    u32::try_from(v).map_err(|_| bad("INTEGER out of range"))
}

/// Reads `[0] ... [n]` fields in increasing order, each at most once; unknown tags refused.
fn fields<'a>(r: &mut Reader<'a>, max: u8) -> SecResult<Vec<(u8, der::Tlv<'a>)>> {
    let mut out: Vec<(u8, der::Tlv<'a>)> = Vec::new();
    while !r.is_empty() {
        let tlv = r.any().map_err(|_| bad("a malformed element"))?;
        let n = tlv.tag.wrapping_sub(0xa0);
        if tlv.tag & 0xe0 != 0xa0 || n > max {
            return Err(bad("an unknown field"));
        }
        if out.last().is_some_and(|(last, _)| *last >= n) {
            return Err(bad("fields out of order or repeated"));
        }
        out.push((n, tlv));
    }
    Ok(out)
}

impl TsRequest {
    pub fn new(version: u32) -> Self {
        TsRequest { version, ..Default::default() }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut body = explicit_uint(0, u64::from(self.version));
        if !self.nego_tokens.is_empty() {
            let items: Vec<u8> =
                self.nego_tokens.iter().flat_map(|t| der::encode(der::SEQUENCE, &explicit_octets(0, t))).collect();
            body.extend(der::encode(context(1), &der::encode(der::SEQUENCE, &items)));
        }
        if let Some(a) = &self.auth_info {
            body.extend(explicit_octets(2, a));
        }
        if let Some(p) = &self.pub_key_auth {
            body.extend(explicit_octets(3, p));
        }
        if let Some(e) = self.error_code {
            body.extend(der::encode(context(4), &der::encode(der::INTEGER, &status_content(e))));
        }
        if let Some(n) = &self.client_nonce {
            body.extend(explicit_octets(5, n));
        }
        der::encode(der::SEQUENCE, &body)
    }

    /// Parses one TSRequest that fills `data` exactly.
    pub fn decode(data: &[u8]) -> SecResult<TsRequest> {
        let mut outer = Reader::new(data);
        let mut seq = outer.sequence().map_err(|_| bad("a TSRequest is a SEQUENCE"))?;
        outer.finish().map_err(|_| bad("data after the TSRequest"))?;
        let mut req = TsRequest::default();
        let fs = fields(&mut seq, 5)?;
        if fs.first().map(|(n, _)| *n) != Some(0) {
            return Err(bad("a TSRequest without its version"));
        }
        for (n, tlv) in fs {
            match n {
                0 => req.version = uint_in(&mut seq, &tlv)?,
                1 => {
                    let mut nd = seq.inner(&tlv).map_err(|_| bad("nesting"))?;
                    let mut list = nd.sequence().map_err(|_| bad("NegoData is a SEQUENCE OF"))?;
                    nd.finish().map_err(|_| bad("trailing data after NegoData"))?;
                    while !list.is_empty() {
                        let mut item = list.sequence().map_err(|_| bad("a NegoData item is a SEQUENCE"))?;
                        let t = item.expect(context(0)).map_err(|_| bad("negoToken [0] missing"))?;
                        req.nego_tokens.push(octets_in(&mut item, &t)?);
                        item.finish().map_err(|_| bad("trailing data in a NegoData item"))?;
                    }
                }
                2 => req.auth_info = Some(octets_in(&mut seq, &tlv)?),
                3 => req.pub_key_auth = Some(octets_in(&mut seq, &tlv)?),
                4 => {
                    let mut inner = seq.inner(&tlv).map_err(|_| bad("nesting"))?;
                    let v = inner.expect(der::INTEGER).map_err(|_| bad("errorCode is an INTEGER"))?;
                    inner.finish().map_err(|_| bad("trailing data after errorCode"))?;
                    req.error_code = Some(status_from(v.value)?);
                }
                _ => {
                    let n = octets_in(&mut seq, &tlv)?;
                    if n.len() != NONCE_LEN {
                        return Err(bad("clientNonce is 32 bytes"));
                    }
                    req.client_nonce = Some(n);
                }
            }
        }
        if req.version == 0 {
            return Err(bad("TSRequest version 0"));
        }
        Ok(req)
    }
}

/// `TSPasswordCreds`, as text (UTF-16LE on the wire). The password is wiped on drop.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PasswordCreds {
    pub domain: String,
    pub user: String,
    pub password: Zeroizing<String>,
}

impl core::fmt::Debug for PasswordCreds {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PasswordCreds").field("domain", &self.domain).field("user", &self.user).finish_non_exhaustive()
    }
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn from_utf16le(b: &[u8]) -> SecResult<String> {
    if b.len() % 2 != 0 {
        return Err(bad("an odd-length UTF-16 string"));
    }
    let units: Vec<u16> = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    String::from_utf16(&units).map_err(|_| bad("invalid UTF-16"))
}

impl PasswordCreds {
    /// The DER of `TSCredentials { credType 1, credentials TSPasswordCreds }`, wiped on drop.
    pub fn encode_credentials(&self) -> Zeroizing<Vec<u8>> {
        let pw = Zeroizing::new(utf16le(&self.password));
        let inner = Zeroizing::new(
            [
                explicit_octets(0, &utf16le(&self.domain)),
                explicit_octets(1, &utf16le(&self.user)),
                explicit_octets(2, &pw),
            ]
            .concat(),
        );
        let creds = Zeroizing::new(der::encode(der::SEQUENCE, &inner));
        let body =
            Zeroizing::new([explicit_uint(0, u64::from(CRED_TYPE_PASSWORD)), explicit_octets(1, &creds)].concat());
        Zeroizing::new(der::encode(der::SEQUENCE, &body))
    }

    /// Parses `TSCredentials`; only `TSPasswordCreds` (credType 1) is accepted
    /// (`SEC_E_UNSUPPORTED_FUNCTION` for smart-card and Remote Guard credentials).
    pub fn decode_credentials(data: &[u8]) -> SecResult<PasswordCreds> {
        let mut outer = Reader::new(data);
        let mut seq = outer.sequence().map_err(|_| bad("TSCredentials is a SEQUENCE"))?;
        outer.finish().map_err(|_| bad("data after TSCredentials"))?;
        let fs = fields(&mut seq, 1)?;
        let [(0, t), (1, c)] = fs.as_slice() else { return Err(bad("TSCredentials needs credType and credentials")) };
        let cred_type = uint_in(&mut seq, t)?;
        let creds = Zeroizing::new(octets_in(&mut seq, c)?);
        if cred_type != CRED_TYPE_PASSWORD {
            return Err(SecError::unsupported("only TSPasswordCreds are accepted"));
        }
        let mut outer = Reader::new(&creds);
        let mut pc = outer.sequence().map_err(|_| bad("TSPasswordCreds is a SEQUENCE"))?;
        outer.finish().map_err(|_| bad("data after TSPasswordCreds"))?;
        let fs = fields(&mut pc, 2)?;
        let [(0, d), (1, u), (2, p)] = fs.as_slice() else { return Err(bad("TSPasswordCreds needs its three fields")) };
        let pw = Zeroizing::new(octets_in(&mut pc, p)?);
        Ok(PasswordCreds {
            domain: from_utf16le(&octets_in(&mut pc, d)?)?,
            user: from_utf16le(&octets_in(&mut pc, u)?)?,
            password: Zeroizing::new(from_utf16le(&pw)?),
        })
    }
}

/// What pubKeyAuth carries (before encryption) for this direction and version.
pub fn pub_key_binding(version: u32, public_key: &[u8], nonce: Option<&[u8]>, client_to_server: bool) -> Vec<u8> {
    match nonce {
        Some(n) if version >= 5 => {
            let label: &[u8] = if client_to_server {
                b"CredSSP Client-To-Server Binding Hash\0"
            } else {
                b"CredSSP Server-To-Client Binding Hash\0"
            };
            let mut c = ring::digest::Context::new(&ring::digest::SHA256);
            c.update(label);
            c.update(n);
            c.update(public_key);
            c.finish().as_ref().to_vec()
        }
        _ => {
            let mut k = public_key.to_vec();
            if !client_to_server {
                if let Some(b) = k.first_mut() {
                    *b = b.wrapping_add(1);
                }
            }
            k
        }
    }
}

/// The SubjectPublicKey of a DER certificate: the content of its SubjectPublicKeyInfo's BIT
/// STRING (for RSA, the RSAPublicKey), what MS-CSSP binds.
pub fn subject_public_key(cert_der: &[u8]) -> SecResult<Vec<u8>> {
    let fail = |_| SecError::new(SEC_E_INTERNAL_ERROR, "the certificate's SubjectPublicKeyInfo");
    let mut r = Reader::new(cert_der);
    let mut cert = r.sequence().map_err(fail)?;
    let mut tbs = cert.sequence().map_err(fail)?;
    if tbs.peek_tag() == Some(context(0)) {
        tbs.any().map_err(fail)?; // version
    }
    for _ in 0..5 {
        tbs.any().map_err(fail)?; // serial, signature, issuer, validity, subject
    }
    let mut spki = tbs.sequence().map_err(fail)?;
    spki.any().map_err(fail)?; // algorithm
    let (key, unused) = spki.bit_string().map_err(fail)?;
    if unused != 0 {
        return Err(SecError::new(SEC_E_INTERNAL_ERROR, "a public key that is not whole bytes"));
    }
    Ok(key.to_vec())
}

/// The SEC_E code for a TSRequest errorCode: NTSTATUS logon failures are
/// `SEC_E_LOGON_DENIED`; an HRESULT of the security facility passes as it is.
pub fn status_to_sec(code: u32) -> SECURITY_STATUS {
    const STATUS_LOGON_FAILURE: u32 = 0xC000_006D;
    const STATUS_WRONG_PASSWORD: u32 = 0xC000_006A;
    const STATUS_NO_SUCH_USER: u32 = 0xC000_0064;
    const STATUS_ACCOUNT_RESTRICTION: u32 = 0xC000_006E;
    const STATUS_ACCOUNT_DISABLED: u32 = 0xC000_0072;
    const STATUS_PASSWORD_EXPIRED: u32 = 0xC000_0071;
    const STATUS_ACCOUNT_LOCKED_OUT: u32 = 0xC000_0234;
    match code {
        STATUS_LOGON_FAILURE
        | STATUS_WRONG_PASSWORD
        | STATUS_NO_SUCH_USER
        | STATUS_ACCOUNT_RESTRICTION
        | STATUS_ACCOUNT_DISABLED
        | STATUS_PASSWORD_EXPIRED
        | STATUS_ACCOUNT_LOCKED_OUT => SEC_E_LOGON_DENIED,
        c if c & 0xFFFF_0000 == 0x8009_0000 => c as SECURITY_STATUS,
        _ => SEC_E_INTERNAL_ERROR,
    }
}

/// The errorCode a server sends for a failure (an NTSTATUS, as Windows sends).
pub fn sec_to_status(st: SECURITY_STATUS) -> u32 {
    match st {
        SEC_E_LOGON_DENIED => 0xC000_006D,
        other => other as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-encoded from MS-CSSP 2.2.1's ASN.1: a version-6 TSRequest with one negoToken.
    #[test]
    fn known_answer_tsrequest() {
        let mut r = TsRequest::new(6);
        r.nego_tokens.push(b"abc".to_vec());
        // 30 12: TSRequest; a0 03 02 01 06: version [0] INTEGER 6; a1 0b 30 09: negoTokens [1]
        // NegoData (SEQUENCE OF); 30 07 a0 05 04 03 "abc": SEQUENCE { negoToken [0] OCTET STRING }.
        let exact: Vec<u8> = vec![
            0x30, 0x12, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa1, 0x0b, 0x30, 0x09, 0x30, 0x07, 0xa0, 0x05, 0x04, 0x03, 0x61,
            0x62, 0x63,
        ];
        assert_eq!(r.encode(), exact);
        assert_eq!(TsRequest::decode(&exact).unwrap(), r);
        // errorCode: STATUS_LOGON_FAILURE as Windows writes it (a negative 32-bit INTEGER),
        // and the unsigned form some encoders write.
        let mut e = TsRequest::new(6);
        e.error_code = Some(0xC000_006D);
        let enc = e.encode();
        assert_eq!(&enc[7..], &[0xa4, 0x06, 0x02, 0x04, 0xc0, 0x00, 0x00, 0x6d]);
        assert_eq!(TsRequest::decode(&enc).unwrap().error_code, Some(0xC000_006D));
        let unsigned = [0x30, 0x0c, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa4, 0x05, 0x02, 0x03, 0x00, 0xc0, 0x00];
        assert!(TsRequest::decode(&unsigned).is_ok());
        let five = [0x30, 0x0e, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa4, 0x07, 0x02, 0x05, 0x00, 0xc0, 0x00, 0x00, 0x6d];
        assert_eq!(TsRequest::decode(&five).unwrap().error_code, Some(0xC000_006D));
        assert_eq!(status_to_sec(0xC000_006D), SEC_E_LOGON_DENIED);
        assert_eq!(status_to_sec(SEC_E_INVALID_TOKEN as u32), SEC_E_INVALID_TOKEN);
        assert_eq!(sec_to_status(SEC_E_LOGON_DENIED), 0xC000_006D);
    }

    #[test]
    fn every_field_round_trips_and_hostile_encodings_are_refused() {
        let full = TsRequest {
            version: 6,
            nego_tokens: vec![b"one".to_vec(), vec![0u8; 300]],
            auth_info: Some(vec![1, 2, 3]),
            pub_key_auth: Some(vec![9; 40]),
            error_code: Some(0x8009_030C),
            client_nonce: Some(vec![7; 32]),
        };
        let enc = full.encode();
        assert_eq!(TsRequest::decode(&enc).unwrap(), full);
        for (what, bytes) in [
            ("empty", vec![]),
            ("not a SEQUENCE", vec![0x31, 0x00]),
            ("no version", vec![0x30, 0x05, 0xa2, 0x03, 0x04, 0x01, 0x00]),
            ("version 0", vec![0x30, 0x05, 0xa0, 0x03, 0x02, 0x01, 0x00]),
            ("an unknown field", vec![0x30, 0x0a, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa6, 0x03, 0x04, 0x01, 0x00]),
            (
                "fields out of order",
                vec![
                    0x30, 0x0f, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa3, 0x03, 0x04, 0x01, 0x00, 0xa2, 0x03, 0x04, 0x01,
                    0x00,
                ],
            ),
            ("trailing data", [TsRequest::new(2).encode(), vec![0]].concat()),
            ("a short nonce", vec![0x30, 0x0a, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa5, 0x03, 0x04, 0x01, 0x00]),
            ("a negative version", vec![0x30, 0x05, 0xa0, 0x03, 0x02, 0x01, 0xff]),
            ("truncated", enc[..enc.len() - 1].to_vec()),
        ] {
            assert_eq!(TsRequest::decode(&bytes).unwrap_err().status, SEC_E_INVALID_TOKEN, "{what}");
        }
    }

    #[test]
    fn password_credentials_round_trip_and_other_kinds_are_unsupported() {
        let c =
            PasswordCreds {
                domain: "EXAMPLE".into(), user: "alice".into(), password: Zeroizing::new("s3cr€t".into())
            };
        let enc = c.encode_credentials();
        // TSCredentials { [0] INTEGER 1, [1] OCTET STRING { TSPasswordCreds } }
        assert_eq!(&enc[..7], &[0x30, enc[1], 0xa0, 0x03, 0x02, 0x01, 0x01]);
        // The domain as UTF-16LE inside.
        let d = utf16le("EXAMPLE");
        assert!(enc.windows(d.len()).any(|w| w == d.as_slice()));
        assert_eq!(PasswordCreds::decode_credentials(&enc).unwrap(), c);
        // A smart-card TSCredentials.
        let sc = der::encode(der::SEQUENCE, &[explicit_uint(0, 2), explicit_octets(1, &[0x30, 0x00])].concat());
        assert_eq!(PasswordCreds::decode_credentials(&sc).unwrap_err().status, SEC_E_UNSUPPORTED_FUNCTION);
        // An odd-length name.
        let odd = der::encode(
            der::SEQUENCE,
            &[
                explicit_uint(0, 1),
                explicit_octets(
                    1,
                    &der::encode(
                        der::SEQUENCE,
                        &[explicit_octets(0, b"x"), explicit_octets(1, b""), explicit_octets(2, b"")].concat(),
                    ),
                ),
            ]
            .concat(),
        );
        assert_eq!(PasswordCreds::decode_credentials(&odd).unwrap_err().status, SEC_E_INVALID_TOKEN);
        assert!(!format!("{c:?}").contains("s3cr"), "the password is not printed");
    }

    #[test]
    fn bindings_by_version() {
        let key = [0x30u8, 0x82, 0x01, 0x0a, 0x02];
        // Versions 2-4: the key itself, and the server's answer with the first byte plus one.
        assert_eq!(pub_key_binding(3, &key, None, true), key);
        assert_eq!(pub_key_binding(3, &key, None, false), [0x31, 0x82, 0x01, 0x0a, 0x02]);
        // Version 5+: SHA-256 over label, nonce and key (MS-CSSP 3.1.5); computed here
        // independently with ring over the concatenation.
        let nonce = [0xabu8; 32];
        let mut m = b"CredSSP Client-To-Server Binding Hash\0".to_vec();
        m.extend_from_slice(&nonce);
        m.extend_from_slice(&key);
        let want = ring::digest::digest(&ring::digest::SHA256, &m);
        assert_eq!(pub_key_binding(6, &key, Some(&nonce), true), want.as_ref());
        assert_ne!(pub_key_binding(6, &key, Some(&nonce), false), want.as_ref());
        assert_eq!(pub_key_binding(6, &key, Some(&nonce), false).len(), 32);
    }
}
