//! The crate's one DER codec (and, where PKCS#12 needs it, BER): a reader of
//! tag-length-value walks over borrowed bytes, never a copy and never a
//! panic on bad input, and the writer `encode`. Certificates, PKCS#12 and
//! the Kerberos messages all use it.
//!
//! Errors carry the crypt32 code Windows reports for the same defect:
//! truncated input is `CRYPT_E_ASN1_EOD`, an unexpected tag
//! `CRYPT_E_ASN1_BADTAG`, anything else malformed `CRYPT_E_ASN1_CORRUPT`.

use std::borrow::Cow;

use crate::abi::{CRYPT_E_ASN1_BADTAG, CRYPT_E_ASN1_CORRUPT, CRYPT_E_ASN1_EOD, CRYPT_E_ASN1_LARGE};
use crate::error::{SecError, SecResult};

pub const BOOLEAN: u8 = 0x01;
pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const UTF8_STRING: u8 = 0x0c;
pub const NUMERIC_STRING: u8 = 0x12;
pub const PRINTABLE_STRING: u8 = 0x13;
pub const T61_STRING: u8 = 0x14;
pub const VIDEOTEX_STRING: u8 = 0x15;
pub const IA5_STRING: u8 = 0x16;
pub const UTC_TIME: u8 = 0x17;
pub const GENERALIZED_TIME: u8 = 0x18;
pub const GRAPHIC_STRING: u8 = 0x19;
pub const VISIBLE_STRING: u8 = 0x1a;
pub const GENERAL_STRING: u8 = 0x1b;
pub const UNIVERSAL_STRING: u8 = 0x1c;
pub const BMP_STRING: u8 = 0x1e;
pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
/// Constructed bit of a tag.
pub const CONSTRUCTED: u8 = 0x20;

/// Context-specific tag `[n]`, constructed (EXPLICIT or a constructed IMPLICIT type).
pub const fn context(n: u8) -> u8 {
    0xa0 | n
}
/// Context-specific tag `[n]`, primitive (IMPLICIT of a primitive type).
pub const fn context_primitive(n: u8) -> u8 {
    0x80 | n
}

/// Deepest nesting we follow (indefinite lengths are found by recursion).
const MAX_DEPTH: usize = 48;

/// Truncated input.
pub const fn eod(detail: &'static str) -> SecError {
    SecError::new(CRYPT_E_ASN1_EOD, detail)
}
/// An unexpected tag.
pub const fn bad_tag(detail: &'static str) -> SecError {
    SecError::new(CRYPT_E_ASN1_BADTAG, detail)
}
/// Malformed content.
pub const fn corrupt(detail: &'static str) -> SecError {
    SecError::new(CRYPT_E_ASN1_CORRUPT, detail)
}

/// One element: its tag, its content and its whole encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u8,
    /// The content octets. For an indefinite-length element, the content
    /// without the end-of-contents marker.
    pub value: &'a [u8],
    /// Tag, length and content (and end-of-contents marker): the element as encoded.
    pub raw: &'a [u8],
    /// Encoded with an indefinite length (BER only).
    pub indefinite: bool,
}

/// A cursor over a sequence of elements.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    ber: bool,
    depth: usize,
}

impl<'a> Reader<'a> {
    /// Reads DER: definite lengths only.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, ber: false, depth: 0 }
    }

    /// Reads BER: indefinite lengths are also accepted (PKCS#12 and PKCS#7
    /// producers use them).
    pub fn ber(data: &'a [u8]) -> Self {
        Self { data, ber: true, depth: 0 }
    }

    /// A reader over `tlv`'s content, with this reader's rules.
    pub fn inner(&self, tlv: &Tlv<'a>) -> SecResult<Self> {
        if self.depth >= MAX_DEPTH {
            return Err(SecError::new(CRYPT_E_ASN1_LARGE, "nesting too deep"));
        }
        Ok(Self { data: tlv.value, ber: self.ber, depth: self.depth + 1 })
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The tag of the next element, if any.
    pub fn peek_tag(&self) -> Option<u8> {
        self.data.first().copied()
    }

    /// Reads the next element of any tag.
    pub fn any(&mut self) -> SecResult<Tlv<'a>> {
        let (tlv, rest) = parse_one(self.data, self.ber, self.depth)?;
        self.data = rest;
        Ok(tlv)
    }

    /// Reads the next element, which must have tag `tag`.
    pub fn expect(&mut self, tag: u8) -> SecResult<Tlv<'a>> {
        match self.peek_tag() {
            None => Err(eod("element missing")),
            Some(t) if t != tag => Err(bad_tag("unexpected tag")),
            Some(_) => self.any(),
        }
    }

    /// Reads the next element if it has tag `tag`.
    pub fn optional(&mut self, tag: u8) -> SecResult<Option<Tlv<'a>>> {
        if self.peek_tag() == Some(tag) {
            self.any().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Reads a constructed element with tag `tag` and returns a reader over its content.
    pub fn nested(&mut self, tag: u8) -> SecResult<Reader<'a>> {
        let tlv = self.expect(tag)?;
        self.inner(&tlv)
    }

    /// Reads a SEQUENCE and returns a reader over its content.
    pub fn sequence(&mut self) -> SecResult<Reader<'a>> {
        self.nested(SEQUENCE)
    }

    /// Reads an OBJECT IDENTIFIER as a dotted string.
    pub fn oid(&mut self) -> SecResult<String> {
        let tlv = self.expect(OID)?;
        oid_to_string(tlv.value)
    }

    /// Reads an INTEGER's content octets (big-endian two's complement).
    pub fn integer_bytes(&mut self) -> SecResult<&'a [u8]> {
        let tlv = self.expect(INTEGER)?;
        if tlv.value.is_empty() {
            return Err(corrupt("empty INTEGER"));
        }
        Ok(tlv.value)
    }

    /// Reads a small non-negative INTEGER.
    pub fn small_uint(&mut self) -> SecResult<u64> {
        uint(self.integer_bytes()?)
    }

    /// Reads an OCTET STRING's content (BER constructed strings are joined).
    pub fn octet_string(&mut self) -> SecResult<Cow<'a, [u8]>> {
        match self.peek_tag() {
            Some(OCTET_STRING) => Ok(Cow::Borrowed(self.any()?.value)),
            Some(t) if t == OCTET_STRING | CONSTRUCTED && self.ber => {
                let tlv = self.any()?;
                Ok(Cow::Owned(self.join_constructed(&tlv, OCTET_STRING)?))
            }
            None => Err(eod("OCTET STRING missing")),
            Some(_) => Err(bad_tag("expected an OCTET STRING")),
        }
    }

    /// The content of a (possibly constructed, BER) string element whose
    /// primitive pieces have tag `piece`.
    pub fn join_constructed(&self, tlv: &Tlv<'a>, piece: u8) -> SecResult<Vec<u8>> {
        if tlv.tag & CONSTRUCTED == 0 {
            return Ok(tlv.value.to_vec());
        }
        let mut out = Vec::new();
        let mut r = self.inner(tlv)?;
        while !r.is_empty() {
            let part = r.any()?;
            if part.tag == piece {
                out.extend_from_slice(part.value);
            } else if part.tag == piece | CONSTRUCTED {
                out.extend(r.join_constructed(&part, piece)?);
            } else {
                return Err(bad_tag("unexpected piece in a constructed string"));
            }
        }
        Ok(out)
    }

    /// Reads a BIT STRING: (bytes, unused bits in the last byte).
    pub fn bit_string(&mut self) -> SecResult<(&'a [u8], u8)> {
        let tlv = self.expect(BIT_STRING)?;
        bit_string(tlv.value)
    }

    /// Fails unless every element has been read.
    pub fn finish(&self) -> SecResult<()> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(corrupt("trailing data"))
        }
    }
}

/// Parses a BIT STRING's content octets.
pub fn bit_string(v: &[u8]) -> SecResult<(&[u8], u8)> {
    let (&unused, bits) = v.split_first().ok_or(corrupt("empty BIT STRING"))?;
    if unused > 7 || (bits.is_empty() && unused != 0) {
        return Err(corrupt("bad BIT STRING padding"));
    }
    Ok((bits, unused))
}

/// A non-negative INTEGER that fits in 64 bits.
pub fn uint(v: &[u8]) -> SecResult<u64> {
    if v.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(corrupt("negative INTEGER"));
    }
    let v = match v {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => v,
    };
    if v.len() > 8 {
        return Err(SecError::new(CRYPT_E_ASN1_LARGE, "INTEGER too large"));
    }
    Ok(v.iter().fold(0u64, |acc, &b| (acc << 8) | b as u64))
}

/// Parses exactly one element spanning all of `data`.
pub fn parse_single(data: &[u8]) -> SecResult<Tlv<'_>> {
    let (tlv, rest) = parse_one(data, false, 0)?;
    if !rest.is_empty() {
        return Err(corrupt("trailing data after the element"));
    }
    Ok(tlv)
}

fn parse_one(data: &[u8], ber: bool, depth: usize) -> SecResult<(Tlv<'_>, &[u8])> {
    if depth > MAX_DEPTH {
        return Err(SecError::new(CRYPT_E_ASN1_LARGE, "nesting too deep"));
    }
    let (&tag, rest) = data.split_first().ok_or(eod("end of data"))?;
    if tag & 0x1f == 0x1f {
        return Err(bad_tag("multi-byte tags are not used by X.509 or PKCS#12"));
    }
    let (&first, mut rest) = rest.split_first().ok_or(eod("length missing"))?;
    if first == 0x80 {
        // Indefinite length: content runs to the 00 00 end-of-contents.
        if !ber || tag & CONSTRUCTED == 0 {
            return Err(corrupt("indefinite length is not DER"));
        }
        let start = rest;
        loop {
            if rest.len() >= 2 && rest[0] == 0 && rest[1] == 0 {
                let content_len = start.len() - rest.len();
                let total = data.len() - rest.len() + 2;
                let tlv = Tlv { tag, value: &start[..content_len], raw: &data[..total], indefinite: true };
                return Ok((tlv, &rest[2..]));
            }
            let (_, after) = parse_one(rest, ber, depth + 1)?;
            rest = after;
        }
    }
    let len = if first & 0x80 == 0 {
        first as usize
    } else {
        let n = (first & 0x7f) as usize;
        if n > 4 {
            return Err(SecError::new(CRYPT_E_ASN1_LARGE, "length too large"));
        }
        if rest.len() < n {
            return Err(eod("length truncated"));
        }
        let len = rest[..n].iter().fold(0usize, |acc, &b| (acc << 8) | b as usize);
        if !ber && (rest[0] == 0 || len < 0x80) {
            return Err(corrupt("non-minimal length"));
        }
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return Err(eod("content truncated"));
    }
    let header = data.len() - rest.len();
    let tlv = Tlv { tag, value: &rest[..len], raw: &data[..header + len], indefinite: false };
    Ok((tlv, &rest[len..]))
}

/// Decodes an OBJECT IDENTIFIER's content octets to the dotted form
/// Windows uses for `pszObjId` ("1.2.840.113549.1.1.11").
pub fn oid_to_string(v: &[u8]) -> SecResult<String> {
    if v.is_empty() || v.last().is_some_and(|b| b & 0x80 != 0) {
        return Err(corrupt("bad OBJECT IDENTIFIER"));
    }
    let mut arcs = Vec::new();
    let mut acc: u64 = 0;
    let mut fresh = true;
    for &b in v {
        if fresh && b == 0x80 {
            return Err(corrupt("non-minimal OBJECT IDENTIFIER arc"));
        }
        if acc > (u64::MAX >> 7) {
            return Err(SecError::new(CRYPT_E_ASN1_LARGE, "OBJECT IDENTIFIER arc too large"));
        }
        acc = (acc << 7) | (b & 0x7f) as u64;
        fresh = b & 0x80 == 0;
        if fresh {
            arcs.push(acc);
            acc = 0;
        }
    }
    let mut s = String::new();
    let first = arcs[0];
    let (a, b) = if first < 40 {
        (0, first)
    } else if first < 80 {
        (1, first - 40)
    } else {
        (2, first - 80)
    };
    s.push_str(&format!("{a}.{b}"));
    for arc in &arcs[1..] {
        s.push_str(&format!(".{arc}"));
    }
    Ok(s)
}

/// Encodes a dotted OID string to DER content octets (for comparisons and tests).
pub fn oid_from_string(s: &str) -> Option<Vec<u8>> {
    let arcs: Vec<u64> = s.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    if arcs.len() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40) {
        return None;
    }
    let mut out = Vec::new();
    let mut push = |mut v: u64| {
        let mut tmp = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            tmp.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        tmp.reverse();
        out.extend(tmp);
    };
    push(arcs[0].checked_mul(40)?.checked_add(arcs[1])?);
    for &a in &arcs[2..] {
        push(a);
    }
    Some(out)
}

/// Encodes one element (for building test inputs and PKCS#8 wrappers).
pub fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// Seconds since the Unix epoch of a civil UTC date and time.
fn unix_seconds(year: i64, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> i64 {
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    days * 86400 + hour as i64 * 3600 + min as i64 * 60 + sec as i64
}

/// Seconds from 1601-01-01 (the FILETIME epoch) to 1970-01-01.
pub const FILETIME_UNIX_OFFSET: i64 = 11_644_473_600;

/// Parses an X.509 `Time` (UTCTime or GeneralizedTime, UTC) into a FILETIME
/// value (100 ns intervals since 1601-01-01).
pub fn time_to_filetime(tlv: &Tlv<'_>) -> SecResult<u64> {
    // ASCII only: every slice below is then on a character boundary.
    if !tlv.value.is_ascii() {
        return Err(corrupt("time is not ASCII"));
    }
    let s = core::str::from_utf8(tlv.value).map_err(|_| corrupt("time is not ASCII"))?;
    let digits = |t: &str| -> SecResult<u32> {
        if t.bytes().all(|b| b.is_ascii_digit()) {
            t.parse().map_err(|_| corrupt("bad time"))
        } else {
            Err(corrupt("bad time digits"))
        }
    };
    let (year, rest) = match tlv.tag {
        UTC_TIME => {
            if s.len() < 11 {
                return Err(corrupt("UTCTime too short"));
            }
            let yy = digits(&s[..2])? as i64;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &s[2..])
        }
        GENERALIZED_TIME => {
            if s.len() < 13 {
                return Err(corrupt("GeneralizedTime too short"));
            }
            (digits(&s[..4])? as i64, &s[4..])
        }
        _ => return Err(bad_tag("expected UTCTime or GeneralizedTime")),
    };
    let rest = rest.strip_suffix('Z').ok_or(corrupt("time is not UTC"))?;
    if !rest.is_char_boundary(8) {
        return Err(corrupt("bad time"));
    }
    let (month, day, hour, min) =
        (digits(&rest[0..2])?, digits(&rest[2..4])?, digits(&rest[4..6])?, digits(&rest[6..8])?);
    let tail = &rest[8..];
    let (sec, frac) = match tail.len() {
        // RFC 5280 requires seconds in both forms.
        0 | 1 => return Err(corrupt("time without seconds")),
        _ => {
            if !tail.is_char_boundary(2) {
                return Err(corrupt("bad time"));
            }
            (digits(&tail[..2])?, &tail[2..])
        }
    };
    let mut hundred_ns: u64 = 0;
    if !frac.is_empty() {
        let f = frac.strip_prefix('.').ok_or(corrupt("bad fractional seconds"))?;
        if f.is_empty() || f.len() > 7 {
            return Err(corrupt("bad fractional seconds"));
        }
        hundred_ns = digits(f)? as u64 * 10u64.pow(7 - f.len() as u32);
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return Err(corrupt("time out of range"));
    }
    let secs = unix_seconds(year, month, day, hour, min, sec) + FILETIME_UNIX_OFFSET;
    if secs < 0 {
        return Err(corrupt("time before 1601"));
    }
    Ok(secs as u64 * 10_000_000 + hundred_ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_round_trip() {
        for s in ["1.2.840.113549.1.1.11", "2.5.4.3", "0.9.2342.19200300.100.1.25", "2.999.3", "1.3.101.112"] {
            let der = oid_from_string(s).unwrap();
            assert_eq!(oid_to_string(&der).unwrap(), s);
        }
        assert_eq!(oid_from_string("2.5.4.3").unwrap(), [0x55, 0x04, 0x03]);
        assert!(oid_to_string(&[]).is_err());
        assert!(oid_to_string(&[0x55, 0x84]).is_err(), "unterminated arc");
        assert!(oid_to_string(&[0x55, 0x80, 0x01]).is_err(), "non-minimal arc");
    }

    #[test]
    fn lengths_and_errors() {
        let long = encode(OCTET_STRING, &[7u8; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
        let t = parse_single(&long).unwrap();
        assert_eq!(t.value.len(), 300);
        assert_eq!(t.raw, &long[..]);
        assert_eq!(parse_single(&long[..long.len() - 1]).unwrap_err().status, CRYPT_E_ASN1_EOD);
        assert_eq!(parse_single(&[0x04]).unwrap_err().status, CRYPT_E_ASN1_EOD);
        assert_eq!(parse_single(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5]).unwrap_err().status, CRYPT_E_ASN1_CORRUPT);
        assert_eq!(parse_single(&[0x30, 0x80, 0x00, 0x00]).unwrap_err().status, CRYPT_E_ASN1_CORRUPT);
        assert_eq!(Reader::new(&[0x02, 0x01, 0x01]).expect(SEQUENCE).unwrap_err().status, CRYPT_E_ASN1_BADTAG);
        assert_eq!(parse_single(&[0x04, 0x85, 1, 1, 1, 1, 1]).unwrap_err().status, CRYPT_E_ASN1_LARGE);
    }

    #[test]
    fn ber_indefinite_and_constructed_strings() {
        // SEQUENCE (indefinite) { OCTET STRING (constructed, indefinite) { "ab", "c" } }
        let data = [0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x00, 0x00, 0x05];
        let mut r = Reader::ber(&data);
        let seq = r.any().unwrap();
        assert!(seq.indefinite);
        assert_eq!(seq.raw.len(), 15);
        assert_eq!(r.peek_tag(), Some(NULL));
        let mut inner = r.inner(&seq).unwrap();
        assert_eq!(&*inner.octet_string().unwrap(), b"abc");
        inner.finish().unwrap();
        // Deep nesting is refused, not a stack overflow.
        let mut deep = vec![];
        for _ in 0..10_000 {
            deep.extend([0x30, 0x80]);
        }
        assert!(Reader::ber(&deep).any().is_err());
    }

    #[test]
    fn integers() {
        assert_eq!(uint(&[0x00, 0x80]).unwrap(), 128);
        assert_eq!(uint(&[0x03]).unwrap(), 3);
        assert!(uint(&[0x80]).is_err());
        assert!(uint(&[1, 2, 3, 4, 5, 6, 7, 8, 9]).is_err());
    }

    #[test]
    fn times() {
        let utc = encode(UTC_TIME, b"250102030405Z");
        let ft = time_to_filetime(&parse_single(&utc).unwrap()).unwrap();
        // 2025-01-02T03:04:05Z = 1735787045 Unix seconds.
        assert_eq!(ft, (1_735_787_045 + FILETIME_UNIX_OFFSET) as u64 * 10_000_000);
        let gen = encode(GENERALIZED_TIME, b"19700101000000Z");
        assert_eq!(time_to_filetime(&parse_single(&gen).unwrap()).unwrap(), 116_444_736_000_000_000);
        // Non-ASCII inside the digits (found by the `chain` fuzz target): refused, no panic.
        let odd = [UTC_TIME, 13, b'7', b'5', b'0', 0xc3, 0xb0, b'1', b'0', b'0', b'0', b'0', b'0', b'0', b'Z'];
        assert!(time_to_filetime(&parse_single(&odd).unwrap()).is_err());
        let y2049 = encode(UTC_TIME, b"491231235959Z");
        let y1950 = encode(UTC_TIME, b"500101000000Z");
        assert!(
            time_to_filetime(&parse_single(&y2049).unwrap()).unwrap()
                > time_to_filetime(&parse_single(&y1950).unwrap()).unwrap()
        );
        let frac = encode(GENERALIZED_TIME, b"19700101000000.5Z");
        assert_eq!(time_to_filetime(&parse_single(&frac).unwrap()).unwrap(), 116_444_736_005_000_000);
        for bad in [&b"2501020304Z"[..], b"25010203040", b"251302030405Z", b"25\xff102030405Z"] {
            assert!(time_to_filetime(&parse_single(&encode(UTC_TIME, bad)).unwrap()).is_err(), "{bad:?}");
        }
    }
}
