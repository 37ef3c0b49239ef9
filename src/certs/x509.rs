//! X.509 certificates decoded into the fields `CERT_INFO` exposes, and the
//! issuer signature check used to build chains.

use ring::signature;

use crate::der::{self, Reader, Tlv};
use crate::error::SecResult;

/// An `AlgorithmIdentifier`: the OID and the encoded parameters element
/// (empty when absent), as `CRYPT_ALGORITHM_IDENTIFIER` holds them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlgId {
    pub oid: String,
    pub params: Vec<u8>,
}

impl AlgId {
    pub fn read(r: &mut Reader<'_>) -> SecResult<Self> {
        let mut seq = r.sequence()?;
        let oid = seq.oid()?;
        let params = if seq.is_empty() { Vec::new() } else { seq.any()?.raw.to_vec() };
        seq.finish()?;
        Ok(Self { oid, params })
    }
}

/// One certificate extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    pub oid: String,
    pub critical: bool,
    /// The extnValue OCTET STRING's content (the encoded extension).
    pub value: Vec<u8>,
}

/// A decoded certificate.
#[derive(Clone, Debug)]
pub struct ParsedCert {
    /// 0 for v1, 1 for v2, 2 for v3 (`CERT_V1`...).
    pub version: u32,
    /// Big-endian INTEGER content octets, as encoded (sign byte included).
    pub serial: Vec<u8>,
    /// The TBSCertificate's `signature` algorithm.
    pub signature_alg: AlgId,
    /// DER `Name`s.
    pub issuer: Vec<u8>,
    pub subject: Vec<u8>,
    /// FILETIME values.
    pub not_before: u64,
    pub not_after: u64,
    /// The whole DER `SubjectPublicKeyInfo`.
    pub spki: Vec<u8>,
    pub spki_alg: AlgId,
    pub public_key: Vec<u8>,
    pub public_key_unused_bits: u8,
    pub issuer_unique_id: Option<(Vec<u8>, u8)>,
    pub subject_unique_id: Option<(Vec<u8>, u8)>,
    pub extensions: Vec<Extension>,
    /// The DER TBSCertificate (what the issuer signed).
    pub tbs: Vec<u8>,
    /// The outer `signatureAlgorithm`.
    pub outer_alg: AlgId,
    pub signature: Vec<u8>,
}

pub const OID_RSA: &str = "1.2.840.113549.1.1.1";
pub const OID_EC: &str = "1.2.840.10045.2.1";
pub const OID_ED25519: &str = "1.3.101.112";
pub const OID_P256: &str = "1.2.840.10045.3.1.7";
pub const OID_P384: &str = "1.3.132.0.34";
pub const OID_SUBJECT_KEY_ID: &str = "2.5.29.14";
pub const OID_SUBJECT_ALT_NAME: &str = "2.5.29.17";
pub const OID_ISSUER_ALT_NAME: &str = "2.5.29.18";

/// The `notAfter` of a DER certificate (FILETIME), without decoding the
/// rest: the context expiry every client handshake reports.
pub fn not_after(der_bytes: &[u8]) -> SecResult<u64> {
    let mut outer = Reader::new(der_bytes);
    let mut cert = outer.sequence()?;
    let mut tbs = cert.sequence()?;
    tbs.optional(der::context(0))?;
    tbs.integer_bytes()?;
    tbs.expect(der::SEQUENCE)?;
    tbs.expect(der::SEQUENCE)?;
    let mut validity = tbs.sequence()?;
    validity.any()?;
    der::time_to_filetime(&validity.any()?)
}

impl ParsedCert {
    /// Decodes a DER certificate; the whole input must be the certificate.
    pub fn parse(der_bytes: &[u8]) -> SecResult<Self> {
        let mut outer = Reader::new(der_bytes);
        let mut cert = outer.sequence()?;
        outer.finish()?;
        let tbs_tlv = cert.expect(der::SEQUENCE)?;
        let outer_alg = AlgId::read(&mut cert)?;
        let (sig, unused) = cert.bit_string()?;
        if unused != 0 {
            return Err(der::corrupt("signature is not a whole number of bytes"));
        }
        cert.finish()?;

        let mut tbs = cert.inner(&tbs_tlv)?;
        let version = match tbs.optional(der::context(0))? {
            Some(v) => {
                let mut r = tbs.inner(&v)?;
                let n = r.small_uint()?;
                r.finish()?;
                if n > 2 {
                    return Err(der::corrupt("unknown certificate version"));
                }
                n as u32
            }
            None => 0,
        };
        let serial = tbs.integer_bytes()?.to_vec();
        let signature_alg = AlgId::read(&mut tbs)?;
        let issuer = read_name(&mut tbs)?;
        let mut validity = tbs.sequence()?;
        let not_before = der::time_to_filetime(&validity.any()?)?;
        let not_after = der::time_to_filetime(&validity.any()?)?;
        validity.finish()?;
        let subject = read_name(&mut tbs)?;
        let spki_tlv = tbs.expect(der::SEQUENCE)?;
        let mut spki = tbs.inner(&spki_tlv)?;
        let spki_alg = AlgId::read(&mut spki)?;
        let (pk, pk_unused) = spki.bit_string()?;
        spki.finish()?;
        let mut uid = |tag: u8| -> SecResult<Option<(Vec<u8>, u8)>> {
            match tbs.optional(tag)? {
                Some(t) => der::bit_string(t.value).map(|(b, u)| Some((b.to_vec(), u))),
                None => Ok(None),
            }
        };
        let issuer_unique_id = uid(der::context_primitive(1))?;
        let subject_unique_id = uid(der::context_primitive(2))?;
        let mut extensions = Vec::new();
        if let Some(ext) = tbs.optional(der::context(3))? {
            let mut wrapper = tbs.inner(&ext)?;
            let mut list = wrapper.sequence()?;
            wrapper.finish()?;
            while !list.is_empty() {
                let mut e = list.sequence()?;
                let oid = e.oid()?;
                let critical = match e.optional(der::BOOLEAN)? {
                    Some(b) if b.value.len() == 1 => b.value[0] != 0,
                    Some(_) => return Err(der::corrupt("bad BOOLEAN")),
                    None => false,
                };
                let value = e.expect(der::OCTET_STRING)?.value.to_vec();
                e.finish()?;
                extensions.push(Extension { oid, critical, value });
            }
        }
        tbs.finish()?;
        Ok(Self {
            version,
            serial,
            signature_alg,
            issuer,
            subject,
            not_before,
            not_after,
            spki: spki_tlv.raw.to_vec(),
            spki_alg,
            public_key: pk.to_vec(),
            public_key_unused_bits: pk_unused,
            issuer_unique_id,
            subject_unique_id,
            extensions,
            tbs: tbs_tlv.raw.to_vec(),
            outer_alg,
            signature: sig.to_vec(),
        })
    }

    /// The extension with `oid`, if present.
    pub fn extension(&self, oid: &str) -> Option<&Extension> {
        self.extensions.iter().find(|e| e.oid == oid)
    }

    /// Whether the subject and issuer names are the same.
    pub fn is_self_issued(&self) -> bool {
        self.subject == self.issuer
    }

    /// Whether `issuer`'s key verifies this certificate's signature:
    /// `Some(true/false)`, or `None` when the algorithm is not one ring checks.
    pub fn signed_by(&self, issuer: &ParsedCert) -> Option<bool> {
        let alg = verification_alg(&self.outer_alg, issuer)?;
        let key = signature::UnparsedPublicKey::new(alg, &issuer.public_key);
        Some(key.verify(&self.tbs, &self.signature).is_ok())
    }

    /// The named curve of an EC public key.
    pub fn ec_curve(&self) -> Option<&'static str> {
        if self.spki_alg.oid != OID_EC {
            return None;
        }
        let oid = Reader::new(&self.spki_alg.params).oid().ok()?;
        [OID_P256, OID_P384].into_iter().find(|c| *c == oid)
    }
}

/// Reads a `Name` and returns its whole encoding.
fn read_name(r: &mut Reader<'_>) -> SecResult<Vec<u8>> {
    let t: Tlv<'_> = r.expect(der::SEQUENCE)?;
    // Validate the structure now, so names are known-good later.
    super::names::Name::parse(t.raw)?;
    Ok(t.raw.to_vec())
}

/// The ring verification algorithm for a signature algorithm and issuer key.
fn verification_alg(sig: &AlgId, issuer: &ParsedCert) -> Option<&'static dyn signature::VerificationAlgorithm> {
    let key = issuer.spki_alg.oid.as_str();
    let curve = issuer.ec_curve();
    Some(match (sig.oid.as_str(), key, curve) {
        ("1.2.840.113549.1.1.5", OID_RSA, _) => &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        ("1.2.840.113549.1.1.11", OID_RSA, _) => &signature::RSA_PKCS1_2048_8192_SHA256,
        ("1.2.840.113549.1.1.12", OID_RSA, _) => &signature::RSA_PKCS1_2048_8192_SHA384,
        ("1.2.840.113549.1.1.13", OID_RSA, _) => &signature::RSA_PKCS1_2048_8192_SHA512,
        ("1.2.840.113549.1.1.10", OID_RSA, _) => match pss_hash(&sig.params)? {
            "2.16.840.1.101.3.4.2.1" => &signature::RSA_PSS_2048_8192_SHA256,
            "2.16.840.1.101.3.4.2.2" => &signature::RSA_PSS_2048_8192_SHA384,
            "2.16.840.1.101.3.4.2.3" => &signature::RSA_PSS_2048_8192_SHA512,
            _ => return None,
        },
        ("1.2.840.10045.4.3.2", OID_EC, Some(OID_P256)) => &signature::ECDSA_P256_SHA256_ASN1,
        ("1.2.840.10045.4.3.3", OID_EC, Some(OID_P256)) => &signature::ECDSA_P256_SHA384_ASN1,
        ("1.2.840.10045.4.3.2", OID_EC, Some(OID_P384)) => &signature::ECDSA_P384_SHA256_ASN1,
        ("1.2.840.10045.4.3.3", OID_EC, Some(OID_P384)) => &signature::ECDSA_P384_SHA384_ASN1,
        (OID_ED25519, OID_ED25519, _) => &signature::ED25519,
        _ => return None,
    })
}

/// The hash OID of RSASSA-PSS parameters (SHA-1 when absent, which ring does not verify).
pub(crate) fn pss_hash(params: &[u8]) -> Option<&'static str> {
    let mut r = Reader::new(params);
    let mut seq = r.sequence().ok()?;
    let hash = seq.optional(der::context(0)).ok()??;
    let mut h = seq.inner(&hash).ok()?;
    let alg = AlgId::read(&mut h).ok()?;
    ["2.16.840.1.101.3.4.2.1", "2.16.840.1.101.3.4.2.2", "2.16.840.1.101.3.4.2.3"].into_iter().find(|o| *o == alg.oid)
}
