//! The SPNEGO tokens (RFC 4178 section 4.2, MS-SPNG 2.2): the initial
//! context token `[APPLICATION 0] { thisMech 1.3.6.1.5.5.2, NegTokenInit }`
//! and `NegTokenResp`, with Microsoft's `NegTokenInit2` (negHints) accepted.
//!
//! ```text
//! NegotiationToken ::= CHOICE { negTokenInit [0] NegTokenInit, negTokenResp [1] NegTokenResp }
//! NegTokenInit ::= SEQUENCE { mechTypes [0] MechTypeList, reqFlags [1] ContextFlags OPTIONAL,
//!                             mechToken [2] OCTET STRING OPTIONAL, mechListMIC [3] OCTET STRING OPTIONAL }
//! NegTokenInit2 (MS-SPNG 2.2.1) ::= ... [3] NegHints (a SEQUENCE), mechListMIC [4]
//! NegTokenResp ::= SEQUENCE { negState [0] ENUMERATED OPTIONAL, supportedMech [1] MechType OPTIONAL,
//!                             responseToken [2] OCTET STRING OPTIONAL, mechListMIC [3] OCTET STRING OPTIONAL }
//! ```
//!
//! OIDs are kept as their encoded content octets. The mechListMIC covers the
//! DER of `MechTypeList` exactly as the initiator sent it, so the parser
//! hands back those bytes.

use crate::abi::SEC_E_INVALID_TOKEN;
use crate::der::{self, context, Reader};
use crate::error::{SecError, SecResult};

/// 1.3.6.1.5.5.2
pub const SPNEGO_OID: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
/// 1.2.840.113554.1.2.2 (Kerberos V5, RFC 4121)
pub const KRB5_OID: &[u8] = crate::packages::kerberos::context::KRB5_OID;
/// 1.2.840.48018.1.2.2 (Microsoft's Kerberos OID, first in Windows' list)
pub const MS_KRB5_OID: &[u8] = crate::packages::kerberos::context::MS_KRB5_OID;
/// 1.3.6.1.4.1.311.2.2.10 (NTLMSSP)
pub const NTLM_OID: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a];
/// 1.3.6.1.4.1.311.2.2.30 (NEGOEX: listed by Windows, not offered by us)
pub const NEGOEX_OID: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x1e];

const ENUMERATED: u8 = 0x0a;

fn bad(detail: &'static str) -> SecError {
    SecError::new(SEC_E_INVALID_TOKEN, detail)
}

/// `negState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NegState {
    AcceptCompleted = 0,
    AcceptIncomplete = 1,
    Reject = 2,
    RequestMic = 3,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NegTokenInit {
    /// The mechanisms, in the initiator's order of preference.
    pub mech_types: Vec<Vec<u8>>,
    /// `MechTypeList` as encoded by the initiator (what the mechListMIC covers).
    pub mech_types_der: Vec<u8>,
    /// `reqFlags`, if sent (ignored, as RFC 4178 says acceptors should).
    pub req_flags: Option<Vec<u8>>,
    pub mech_token: Option<Vec<u8>>,
    pub mech_list_mic: Option<Vec<u8>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NegTokenResp {
    pub neg_state: Option<NegState>,
    pub supported_mech: Option<Vec<u8>>,
    pub response_token: Option<Vec<u8>>,
    pub mech_list_mic: Option<Vec<u8>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    Init(NegTokenInit),
    Resp(NegTokenResp),
}

/// The DER of a `MechTypeList` (SEQUENCE OF OBJECT IDENTIFIER).
pub fn mech_type_list(mechs: &[&[u8]]) -> Vec<u8> {
    let body: Vec<u8> = mechs.iter().flat_map(|m| der::encode(der::OID, m)).collect();
    der::encode(der::SEQUENCE, &body)
}

/// The initial context token: a NegTokenInit inside the GSS-API framing.
pub fn encode_init(mech_types_der: &[u8], mech_token: Option<&[u8]>, mic: Option<&[u8]>) -> Vec<u8> {
    let mut seq = der::encode(context(0), mech_types_der);
    if let Some(t) = mech_token {
        seq.extend(der::encode(context(2), &der::encode(der::OCTET_STRING, t)));
    }
    if let Some(m) = mic {
        seq.extend(der::encode(context(3), &der::encode(der::OCTET_STRING, m)));
    }
    let init = der::encode(context(0), &der::encode(der::SEQUENCE, &seq));
    der::encode(0x60, &[&der::encode(der::OID, SPNEGO_OID)[..], &init].concat())
}

/// The `hintName` Windows puts in a server's NegTokenInit2 (MS-SPNG 3.2.5.2).
pub const NEG_HINT_NAME: &[u8] = b"not_defined_in_RFC4178@please_ignore";

/// A server-initiated NegTokenInit2 (MS-SPNG 2.2.1, 3.2.5.2): the acceptor's mechanisms and
/// negHints with Windows' placeholder hintName, framed like an initial token.
pub fn encode_init2(mech_types_der: &[u8]) -> Vec<u8> {
    let hints = der::encode(der::SEQUENCE, &der::encode(context(0), &der::encode(der::GENERAL_STRING, NEG_HINT_NAME)));
    let seq = [der::encode(context(0), mech_types_der), der::encode(context(3), &hints)].concat();
    let init = der::encode(context(0), &der::encode(der::SEQUENCE, &seq));
    der::encode(0x60, &[&der::encode(der::OID, SPNEGO_OID)[..], &init].concat())
}

/// A NegTokenResp (`[1] SEQUENCE {...}`: never framed).
pub fn encode_resp(r: &NegTokenResp) -> Vec<u8> {
    let mut seq = Vec::new();
    if let Some(s) = r.neg_state {
        seq.extend(der::encode(context(0), &der::encode(ENUMERATED, &[s as u8])));
    }
    if let Some(m) = &r.supported_mech {
        seq.extend(der::encode(context(1), &der::encode(der::OID, m)));
    }
    if let Some(t) = &r.response_token {
        seq.extend(der::encode(context(2), &der::encode(der::OCTET_STRING, t)));
    }
    if let Some(m) = &r.mech_list_mic {
        seq.extend(der::encode(context(3), &der::encode(der::OCTET_STRING, m)));
    }
    der::encode(context(1), &der::encode(der::SEQUENCE, &seq))
}

/// Parses a token given to the Negotiate package: the framed initial token,
/// a bare `[0] NegTokenInit` or a `[1] NegTokenResp`. Anything after the
/// token, a wrong OID, an unknown field or a malformed one is `SEC_E_INVALID_TOKEN`.
pub fn parse(token: &[u8]) -> SecResult<Token> {
    let mut r = Reader::new(token);
    let outer = r.any().map_err(|_| bad("not a SPNEGO token"))?;
    r.finish().map_err(|_| bad("bytes after the SPNEGO token"))?;
    match outer.tag {
        0x60 => {
            let mut inner = Reader::new(outer.value);
            let oid = inner.expect(der::OID).map_err(|_| bad("no mechanism OID in the initial token"))?;
            if oid.value != SPNEGO_OID {
                return Err(bad("the initial token is not SPNEGO's"));
            }
            let choice = inner.any().map_err(|_| bad("no NegotiationToken"))?;
            inner.finish().map_err(|_| bad("bytes after the NegotiationToken"))?;
            if choice.tag != context(0) {
                return Err(bad("the initial token must carry a NegTokenInit"));
            }
            parse_init(choice.value).map(Token::Init)
        }
        t if t == context(0) => parse_init(outer.value).map(Token::Init),
        t if t == context(1) => parse_resp(outer.value).map(Token::Resp),
        _ => Err(bad("not a SPNEGO token")),
    }
}

/// One `[n] EXPLICIT OCTET STRING` field's content.
fn octets(r: &mut Reader<'_>) -> SecResult<Vec<u8>> {
    let v = r.octet_string().map_err(|_| bad("expected an OCTET STRING"))?.into_owned();
    r.finish().map_err(|_| bad("bytes after an OCTET STRING"))?;
    Ok(v)
}

fn parse_init(v: &[u8]) -> SecResult<NegTokenInit> {
    let mut outer = Reader::new(v);
    let mut seq = outer.sequence().map_err(|_| bad("NegTokenInit is not a SEQUENCE"))?;
    outer.finish().map_err(|_| bad("bytes after NegTokenInit"))?;
    let mut t = NegTokenInit::default();
    let mut last: i32 = -1;
    while !seq.is_empty() {
        let f = seq.any().map_err(|_| bad("malformed NegTokenInit field"))?;
        let n = i32::from(f.tag ^ context(0));
        if f.tag & 0xe0 != 0xa0 || n <= last || n > 4 {
            return Err(bad("unexpected NegTokenInit field"));
        }
        last = n;
        let mut r = Reader::new(f.value);
        match n {
            0 => {
                let list = r.any().map_err(|_| bad("malformed MechTypeList"))?;
                r.finish().map_err(|_| bad("bytes after MechTypeList"))?;
                if list.tag != der::SEQUENCE {
                    return Err(bad("MechTypeList is not a SEQUENCE"));
                }
                t.mech_types_der = list.raw.to_vec();
                let mut l = Reader::new(list.value);
                while !l.is_empty() {
                    let oid = l.expect(der::OID).map_err(|_| bad("MechTypeList holds a non-OID"))?;
                    if oid.value.is_empty() {
                        return Err(bad("an empty OID"));
                    }
                    t.mech_types.push(oid.value.to_vec());
                }
            }
            1 => {
                let b = r.any().map_err(|_| bad("malformed reqFlags"))?;
                r.finish().map_err(|_| bad("bytes after reqFlags"))?;
                if b.tag != der::BIT_STRING {
                    return Err(bad("reqFlags is not a BIT STRING"));
                }
                t.req_flags = Some(b.value.to_vec());
            }
            2 => t.mech_token = Some(octets(&mut r)?),
            3 if r.peek_tag() == Some(der::SEQUENCE) => {
                // NegTokenInit2's negHints: hintName / hintAddress, informational only.
                r.sequence().map_err(|_| bad("malformed negHints"))?;
                r.finish().map_err(|_| bad("bytes after negHints"))?;
            }
            3 | 4 => t.mech_list_mic = Some(octets(&mut r)?),
            _ => unreachable!("checked above"),
        }
    }
    if last < 0 || t.mech_types_der.is_empty() {
        return Err(bad("NegTokenInit without mechTypes"));
    }
    Ok(t)
}

fn parse_resp(v: &[u8]) -> SecResult<NegTokenResp> {
    let mut outer = Reader::new(v);
    let mut seq = outer.sequence().map_err(|_| bad("NegTokenResp is not a SEQUENCE"))?;
    outer.finish().map_err(|_| bad("bytes after NegTokenResp"))?;
    let mut t = NegTokenResp::default();
    let mut last: i32 = -1;
    while !seq.is_empty() {
        let f = seq.any().map_err(|_| bad("malformed NegTokenResp field"))?;
        let n = i32::from(f.tag ^ context(0));
        if f.tag & 0xe0 != 0xa0 || n <= last || n > 3 {
            return Err(bad("unexpected NegTokenResp field"));
        }
        last = n;
        let mut r = Reader::new(f.value);
        match n {
            0 => {
                let e = r.expect(ENUMERATED).map_err(|_| bad("negState is not an ENUMERATED"))?;
                r.finish().map_err(|_| bad("bytes after negState"))?;
                t.neg_state = Some(match e.value {
                    [0] => NegState::AcceptCompleted,
                    [1] => NegState::AcceptIncomplete,
                    [2] => NegState::Reject,
                    [3] => NegState::RequestMic,
                    _ => return Err(bad("unknown negState")),
                });
            }
            1 => {
                let oid = r.expect(der::OID).map_err(|_| bad("supportedMech is not an OID"))?;
                r.finish().map_err(|_| bad("bytes after supportedMech"))?;
                if oid.value.is_empty() {
                    return Err(bad("an empty OID"));
                }
                t.supported_mech = Some(oid.value.to_vec());
            }
            2 => t.response_token = Some(octets(&mut r)?),
            3 => t.mech_list_mic = Some(octets(&mut r)?),
            _ => unreachable!("checked above"),
        }
    }
    Ok(t)
}

/// What a first token given to an acceptor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstToken {
    Spnego,
    /// A raw NTLMSSP message (FreeRDP 2's NLA, older HTTP clients).
    RawNtlm,
    /// A raw Kerberos initial context token (either Kerberos OID).
    RawKerberos,
}

/// Tells SPNEGO from raw mechanism tokens, as Windows' Negotiate does.
pub fn classify(token: &[u8]) -> SecResult<FirstToken> {
    if token.starts_with(b"NTLMSSP\0") {
        return Ok(FirstToken::RawNtlm);
    }
    if token.first() == Some(&0x60) {
        let outer = der::parse_single(token).map_err(|_| bad("not a GSS-API initial context token"))?;
        let oid = Reader::new(outer.value).expect(der::OID).map_err(|_| bad("no mechanism OID"))?;
        return match oid.value {
            SPNEGO_OID => Ok(FirstToken::Spnego),
            KRB5_OID | MS_KRB5_OID => Ok(FirstToken::RawKerberos),
            _ => Err(bad("an initial context token of an unknown mechanism")),
        };
    }
    if token.first() == Some(&context(0)) {
        return Ok(FirstToken::Spnego);
    }
    Err(bad("neither SPNEGO nor a raw NTLM or Kerberos token"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn known_init_token_parses_and_encodes_back() {
        // A NegTokenInit as MIT's SPNEGO sends it, assembled by hand from RFC 4178 and the
        // OIDs (independently of the encoder): mechTypes [krb5, NTLMSSP], a 3-byte mechToken.
        let good = hex("60 2e 06 06 2b0601050502 a0 24 30 22 \
             a0 19 30 17 06 09 2a864886f712010202 06 0a 2b06010401823702020a \
             a2 05 04 03 010203");
        let Token::Init(t) = parse(&good).unwrap() else { panic!("not an init") };
        assert_eq!(t.mech_types, vec![KRB5_OID.to_vec(), NTLM_OID.to_vec()]);
        assert_eq!(t.mech_token.as_deref(), Some(&[1u8, 2, 3][..]));
        assert_eq!(t.mech_types_der, hex("30 17 06 09 2a864886f712010202 06 0a 2b06010401823702020a"));
        assert_eq!(mech_type_list(&[KRB5_OID, NTLM_OID]), t.mech_types_der);
        assert_eq!(encode_init(&t.mech_types_der, Some(&[1, 2, 3]), None), good);
        // One inner length wrong (the NTLMSSP OID said to be 9 bytes): refused, never misread.
        let mut lying = good.clone();
        let at = lying.windows(2).position(|w| w == [0x06, 0x0a]).unwrap();
        lying[at + 1] = 0x09;
        assert!(parse(&lying).is_err());
        assert_eq!(classify(&good).unwrap(), FirstToken::Spnego);
    }

    #[test]
    fn known_resp_tokens() {
        // accept-incomplete, supportedMech NTLMSSP, a responseToken (RFC 4178 4.2.2).
        let wire = hex("a1 1a 30 18 a0 03 0a 01 01 a1 0c 06 0a 2b06010401823702020a a2 03 04 01 ff");
        let r = NegTokenResp {
            neg_state: Some(NegState::AcceptIncomplete),
            supported_mech: Some(NTLM_OID.to_vec()),
            response_token: Some(vec![0xff]),
            mech_list_mic: None,
        };
        assert_eq!(encode_resp(&r), wire);
        assert_eq!(parse(&wire).unwrap(), Token::Resp(r));
        // accept-completed with only a mechListMIC.
        let wire = hex("a1 0c 30 0a a0 03 0a 01 00 a3 03 04 01 aa");
        let Token::Resp(r) = parse(&wire).unwrap() else { panic!() };
        assert_eq!((r.neg_state, r.mech_list_mic.as_deref()), (Some(NegState::AcceptCompleted), Some(&[0xaa][..])));
        // An empty NegTokenResp (legal: every field optional).
        assert_eq!(parse(&hex("a1 02 30 00")).unwrap(), Token::Resp(NegTokenResp::default()));
    }

    #[test]
    fn neg_token_init2_hints_are_skipped_and_its_mic_read() {
        // mechTypes [NTLM], negHints { hintName "not_defined_in_RFC4178@please_ignore" }, mic [4].
        let hint = der::encode(der::GENERAL_STRING, b"not_defined_in_RFC4178@please_ignore");
        let hints = der::encode(der::SEQUENCE, &der::encode(context(0), &hint));
        let mut seq = der::encode(context(0), &mech_type_list(&[NTLM_OID]));
        seq.extend(der::encode(context(3), &hints));
        seq.extend(der::encode(context(4), &der::encode(der::OCTET_STRING, b"mic")));
        let tok = der::encode(context(0), &der::encode(der::SEQUENCE, &seq));
        let Token::Init(t) = parse(&tok).unwrap() else { panic!() };
        assert_eq!(t.mech_types, vec![NTLM_OID.to_vec()]);
        assert_eq!(t.mech_list_mic.as_deref(), Some(&b"mic"[..]));
    }

    #[test]
    fn server_initiated_neg_token_init2() {
        let t = encode_init2(&mech_type_list(&[MS_KRB5_OID, KRB5_OID, NTLM_OID]));
        let Token::Init(i) = parse(&t).unwrap() else { panic!() };
        assert_eq!(i.mech_types, vec![MS_KRB5_OID.to_vec(), KRB5_OID.to_vec(), NTLM_OID.to_vec()]);
        assert_eq!((i.mech_token, i.mech_list_mic), (None, None));
        assert!(t.windows(NEG_HINT_NAME.len()).any(|w| w == NEG_HINT_NAME));
    }

    #[test]
    fn malformed_tokens_are_invalid() {
        let good = encode_init(&mech_type_list(&[KRB5_OID]), Some(b"tok"), None);
        for cut in 0..good.len() {
            assert_eq!(parse(&good[..cut]).unwrap_err().status, SEC_E_INVALID_TOKEN, "cut at {cut}");
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(parse(&trailing).is_err());
        // Fields out of order, repeated, unknown; a bad negState; an empty mech list is legal
        // on the wire only when mechTypes is present.
        let resp = |fields: &[u8]| der::encode(context(1), &der::encode(der::SEQUENCE, fields));
        let st = der::encode(context(0), &der::encode(ENUMERATED, &[1]));
        let mech = der::encode(context(1), &der::encode(der::OID, NTLM_OID));
        assert!(parse(&resp(&[&mech[..], &st].concat())).is_err(), "out of order");
        assert!(parse(&resp(&[&st[..], &st].concat())).is_err(), "repeated");
        assert!(parse(&resp(&der::encode(context(5), &[]))).is_err(), "unknown field");
        assert!(parse(&resp(&der::encode(context(0), &der::encode(ENUMERATED, &[9])))).is_err());
        let init = der::encode(context(0), &der::encode(der::SEQUENCE, &der::encode(context(2), &[4, 0])));
        assert!(parse(&init).is_err(), "no mechTypes");
        // Another mechanism's framing.
        let krb = der::encode(0x60, &[&der::encode(der::OID, KRB5_OID)[..], &[1, 0], b"x"].concat());
        assert!(parse(&krb).is_err());
        assert_eq!(classify(&krb).unwrap(), FirstToken::RawKerberos);
        assert_eq!(classify(b"NTLMSSP\0\x01\0\0\0").unwrap(), FirstToken::RawNtlm);
        assert!(classify(b"garbage").is_err());
    }
}
