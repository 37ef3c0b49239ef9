//! CryptoAPI's RSA private-key blob (`PRIVATEKEYBLOB`, what `CryptExportKey` writes for an
//! exportable key) as the PKCS#1 `RSAPrivateKey` rustls takes. The Windows build reads the
//! key of an application's certificate context this way (`crate::platform::certs`).
//!
//! The blob: `BLOBHEADER` (bType 7, bVersion 2, reserved, aiKeyAlg), `RSAPUBKEY` (magic
//! "RSA2", bitlen, pubexp), then modulus (bitlen/8 bytes), prime1, prime2, exponent1,
//! exponent2, coefficient (bitlen/16 each) and privateExponent (bitlen/8), all
//! little-endian.

use zeroize::Zeroizing;

use crate::abi::NTE_BAD_DATA;
use crate::der;
use crate::error::{SecError, SecResult};

const PRIVATEKEYBLOB: u8 = 7;
const RSA2: u32 = 0x3241_5352;

/// Converts a `PRIVATEKEYBLOB` into PKCS#1 DER (zeroed when dropped).
pub fn rsa_private_blob_to_pkcs1(blob: &[u8]) -> SecResult<Zeroizing<Vec<u8>>> {
    let bad = |why: &'static str| SecError::new(NTE_BAD_DATA, why);
    if blob.len() < 20 || blob[0] != PRIVATEKEYBLOB || blob[1] != 2 {
        return Err(bad("not a version 2 PRIVATEKEYBLOB"));
    }
    let word = |at: usize| u32::from_le_bytes([blob[at], blob[at + 1], blob[at + 2], blob[at + 3]]);
    if word(8) != RSA2 {
        return Err(bad("not an RSA private key (RSA2)"));
    }
    let bits = word(12) as usize;
    if bits == 0 || bits % 16 != 0 || bits > 16384 {
        return Err(bad("RSA key length"));
    }
    let (full, half) = (bits / 8, bits / 16);
    let mut at = 20;
    let mut take = |n: usize| -> SecResult<Zeroizing<Vec<u8>>> {
        let field = blob.get(at..at + n).ok_or(bad("PRIVATEKEYBLOB cut short"))?;
        at += n;
        Ok(Zeroizing::new(field.iter().rev().copied().collect()))
    };
    let n = take(full)?;
    let p = take(half)?;
    let q = take(half)?;
    let dp = take(half)?;
    let dq = take(half)?;
    let qinv = take(half)?;
    let d = take(full)?;
    let e = Zeroizing::new(word(16).to_be_bytes().to_vec());
    let mut body = Zeroizing::new(der::encode(0x02, &[0]));
    for v in [&n, &e, &d, &p, &q, &dp, &dq, &qinv] {
        body.extend_from_slice(&der::encode(0x02, &positive(v)));
    }
    Ok(Zeroizing::new(der::encode(0x30, &body)))
}

/// A big-endian magnitude as DER INTEGER content: leading zeros dropped, one zero added when
/// the top bit is set.
fn positive(v: &[u8]) -> Zeroizing<Vec<u8>> {
    let skip = v.iter().take_while(|&&b| b == 0).count().min(v.len().saturating_sub(1));
    let v = &v[skip..];
    let mut out = Zeroizing::new(Vec::with_capacity(v.len() + 1));
    if v.first().is_some_and(|&b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(v);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    // A 512-bit test key: OpenSSL wrote the blob (`openssl rsa -outform PVK -pvk-none`, the
    // 24-byte PVK header removed) and the PKCS#1 DER (`-traditional -outform DER`).
    const BLOB: &str = "
        0702000000a4000052534132000200000100010027eec353487defb79ed52f4ac08ca3f091c6eb51848ac95e233a828e
        612173939ccc89444852692f1eeafdf5b5460dd08e5539103abb8a1dba9e3e85fe9597ce6991f162c8390f81992d9c64
        20273ae3f8262468561f89e7c30c8cf92ca239ef0f0153c91a9e92add53773dea2d3629a855cc1f27503b435c1777208
        0c2714dd29e9f2d2f68988b70ca6d6c730deb6ab11e40b4afbeac52505fa4f05f06185da71c06e96e177b2e6159a58f4
        d4eb7827b639e8b842b748c704495e624008c03a4295b5ba5cdbdb184d6c221122a0862a231e2c844bf6c85d9ba44ecc
        1c02fadff1de2fca21ee87b2f6fbaf1b520ed6a7ed68ff293469308981ce8cd358140c3586777acdda4283d157137dad
        ae51db26fac4eaebed1a5245f2ea4dd53139d13c";
    const PKCS1: &str = "
        3082013b020100024100ce9795fe853e9eba1d8abb3a1039558ed00d46b5f5fdea1e2f6952484489cc9c937321618e82
        3a235ec98a8451ebc691f0a38cc04a2fd59eb7ef7d4853c3ee27020301000102403cd13931d54deaf245521aedebeac4
        fa26db51aead7d1357d18342dacd7a7786350c1458d38cce818930693429ff68eda7d60e521baffbf6b287ee21ca2fde
        f1022100ef39a22cf98c0cc3e7891f56682426f8e33a2720649c2d99810f39c862f19169022100dd14270c087277c135
        b40375f2c15c859a62d3a2de7337d5ad929e1ac953010f022100da8561f0054ffa0525c5eafb4a0be411abb6de30c7d6
        a60cb78889f6d2f2e92902203ac00840625e4904c748b742b8e839b62778ebd4f4589a15e6b277e1966ec071022100df
        fa021ccc4ea49b5dc8f64b842c1e232a86a02211226c4d18dbdb5cbab59542";

    #[test]
    fn openssl_blob_converts_to_its_pkcs1() {
        assert_eq!(rsa_private_blob_to_pkcs1(&unhex(BLOB)).unwrap().as_slice(), unhex(PKCS1).as_slice());
    }

    #[test]
    fn malformed_blobs_are_refused() {
        let blob = unhex(BLOB);
        for cut in [0, 19, 20, blob.len() - 1] {
            assert!(rsa_private_blob_to_pkcs1(&blob[..cut]).is_err(), "cut at {cut}");
        }
        let mut public = blob.clone();
        public[0] = 6; // PUBLICKEYBLOB
        assert!(rsa_private_blob_to_pkcs1(&public).is_err());
        let mut magic = blob.clone();
        magic[11] = b'1'; // "RSA1", a public key
        assert!(rsa_private_blob_to_pkcs1(&magic).is_err());
        let mut bits = blob;
        bits[12] = 0x01; // 513 bits
        assert!(rsa_private_blob_to_pkcs1(&bits).is_err());
    }

    #[test]
    fn integers_are_positive_and_minimal() {
        assert_eq!(positive(&[0, 0, 0x7f]).as_slice(), &[0x7f]);
        assert_eq!(positive(&[0, 0x80]).as_slice(), &[0, 0x80]);
        assert_eq!(positive(&[0, 0]).as_slice(), &[0]);
    }
}
