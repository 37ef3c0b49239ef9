//! The few facts about a DER certificate the connection attributes need:
//! validity, public-key and signature algorithms.

/// One DER TLV: (tag, contents, rest).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        (rest[..n].iter().fold(0usize, |a, &b| (a << 8) | b as usize), &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

const SEQUENCE: u8 = 0x30;
const OID: u8 = 0x06;

/// The parts of a certificate we read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertFacts {
    /// FILETIME values (100 ns since 1601).
    pub not_before: u64,
    pub not_after: u64,
    /// DER contents of the SubjectPublicKeyInfo algorithm OID.
    pub key_oid: Vec<u8>,
    /// DER contents of the certificate's signature algorithm OID.
    pub signature_oid: Vec<u8>,
    /// Length in bits of the public key (RSA modulus, EC field, 255 for Ed25519).
    pub key_bits: u32,
    /// The DER encoding of the subject Name.
    pub subject: Vec<u8>,
}

pub const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
pub const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
pub const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];

fn time(tag: u8, v: &[u8]) -> Option<u64> {
    let s = core::str::from_utf8(v).ok()?;
    let digits = s.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 if digits.len() == 12 => {
            let y: i64 = digits[..2].parse().ok()?;
            (if y >= 50 { 1900 + y } else { 2000 + y }, &digits[2..])
        }
        0x18 if digits.len() == 14 => (digits[..4].parse().ok()?, &digits[4..]),
        _ => return None,
    };
    let n = |i: usize| -> Option<i64> { rest.get(i..i + 2)?.parse().ok() };
    let (mo, d, h, mi, se) = (n(0)?, n(2)?, n(4)?, n(6)?, n(8)?);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    let unix = days * 86400 + h * 3600 + mi * 60 + se;
    u64::try_from((unix + 11_644_473_600) * 10_000_000).ok()
}

fn key_bits(alg: &[u8], params: &[u8], key: &[u8]) -> u32 {
    if alg == OID_RSA {
        // BIT STRING: unused-bits byte, then RSAPublicKey SEQUENCE { modulus INTEGER, ... }.
        let inner = key.get(1..).and_then(tlv).and_then(|(_, seq, _)| tlv(seq));
        if let Some((_, modulus, _)) = inner {
            let m = modulus.iter().skip_while(|&&b| b == 0).collect::<Vec<_>>();
            return (m.len() as u32 * 8).saturating_sub(m.first().map_or(8, |b| b.leading_zeros()));
        }
        0
    } else if alg == OID_EC {
        match tlv(params) {
            Some((OID, c, _)) if c == OID_P256 => 256,
            Some((OID, c, _)) if c == OID_P384 => 384,
            Some((OID, c, _)) if c == OID_P521 => 521,
            _ => 0,
        }
    } else if alg == OID_ED25519 {
        255
    } else {
        0
    }
}

/// Reads the facts from a DER certificate.
pub fn facts(der: &[u8]) -> Option<CertFacts> {
    let (SEQUENCE, cert, _) = tlv(der)? else { return None };
    let (SEQUENCE, tbs, rest) = tlv(cert)? else { return None };
    let (SEQUENCE, sig_alg, _) = tlv(rest)? else { return None };
    let (OID, signature_oid, _) = tlv(sig_alg)? else { return None };
    let mut t = tbs;
    let (tag, _, r) = tlv(t)?;
    if tag == 0xa0 {
        t = r; // explicit version
    }
    let (_, _, t) = tlv(t)?; // serial
    let (_, _, t) = tlv(t)?; // signature
    let (_, _, t) = tlv(t)?; // issuer
    let (SEQUENCE, validity, t) = tlv(t)? else { return None };
    let (tb, nb, v) = tlv(validity)?;
    let (ta, na, _) = tlv(v)?;
    let (_, _, after_subject) = tlv(t)?;
    let subject = &t[..t.len() - after_subject.len()];
    let t = after_subject;
    let (SEQUENCE, spki, _) = tlv(t)? else { return None };
    let (SEQUENCE, alg, key) = tlv(spki)? else { return None };
    let (OID, key_oid, params) = tlv(alg)? else { return None };
    let key = tlv(key).map(|(_, k, _)| k).unwrap_or_default();
    Some(CertFacts {
        not_before: time(tb, nb)?,
        not_after: time(ta, na)?,
        key_bits: key_bits(key_oid, params, key),
        key_oid: key_oid.to_vec(),
        signature_oid: signature_oid.to_vec(),
        subject: subject.to_vec(),
    })
}

/// The hash RFC 5929 `tls-server-end-point` uses for a certificate: its
/// signature hash, with MD5 and SHA-1 (and hash-less algorithms) upgraded to
/// SHA-256.
pub fn end_point_hash(signature_oid: &[u8]) -> &'static ring::digest::Algorithm {
    const PKCS1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
    const ECDSA_SHA2: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03];
    match signature_oid {
        [p @ .., 0x0c] if p == PKCS1 => &ring::digest::SHA384,
        [p @ .., 0x0d] if p == PKCS1 => &ring::digest::SHA512,
        [p @ .., 0x03] if p == ECDSA_SHA2 => &ring::digest::SHA384,
        [p @ .., 0x04] if p == ECDSA_SHA2 => &ring::digest::SHA512,
        _ => &ring::digest::SHA256,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        // 1970-01-01 is 11644473600 s after 1601-01-01.
        assert_eq!(time(0x17, b"700101000000Z"), Some(11_644_473_600 * 10_000_000));
        assert_eq!(time(0x18, b"20000301000000Z"), Some((951_868_800 + 11_644_473_600) * 10_000_000));
        assert_eq!(time(0x17, b"491231235959Z").unwrap(), time(0x18, b"20491231235959Z").unwrap());
        assert!(time(0x17, b"7001010000Z").is_none());
    }

    #[test]
    fn facts_of_a_generated_certificate() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap();
        let mut p = rcgen::CertificateParams::new(vec!["a.test".to_string()]).unwrap();
        p.not_before = rcgen::date_time_ymd(2020, 2, 29);
        p.not_after = rcgen::date_time_ymd(2030, 1, 1);
        p.distinguished_name.push(rcgen::DnType::CommonName, "a.test");
        let cert = p.self_signed(&key).unwrap();
        let f = facts(cert.der()).unwrap();
        assert_eq!(f.not_before, (1_582_934_400 + 11_644_473_600) * 10_000_000);
        assert_eq!(f.not_after, (1_893_456_000 + 11_644_473_600) * 10_000_000);
        assert_eq!(f.key_oid, OID_EC);
        assert_eq!(f.key_bits, 384);
        assert!(core::ptr::eq(end_point_hash(&f.signature_oid), &ring::digest::SHA384));
        assert_eq!(f.subject[0], SEQUENCE);
        assert!(f.subject.windows(6).any(|w| w == b"a.test"));
        assert!(facts(&cert.der()[..50]).is_none());
    }

    #[test]
    fn tlv_lengths() {
        assert_eq!(tlv(&[0x30, 0x81, 0x02, 1, 2, 9]).unwrap(), (0x30, &[1u8, 2][..], &[9u8][..]));
        assert!(tlv(&[0x30, 0x05, 1]).is_none());
        assert!(tlv(&[0x30, 0x85, 0, 0, 0, 0, 1]).is_none());
    }
}
