//! PEM: the base64 armour around certificates and private keys
//! (RFC 7468), and the key formats rustls accepts.

use zeroize::Zeroizing;

use crate::abi::{CRYPT_E_BAD_ENCODE, E_INVALIDARG, NTE_BAD_ALGID};
use crate::error::{SecError, SecResult};

/// One decoded PEM block.
pub struct Block {
    pub label: String,
    pub der: Zeroizing<Vec<u8>>,
}

fn bad(detail: &'static str) -> SecError {
    SecError::new(CRYPT_E_BAD_ENCODE, detail)
}

/// Decodes standard base64, ignoring whitespace.
pub fn base64_decode(text: &str) -> SecResult<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() * 3 / 4));
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut padding = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return Err(bad("invalid base64 character")),
        };
        if padding > 0 {
            return Err(bad("base64 data after padding"));
        }
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if padding > 2 || bits >= 6 || (acc & ((1 << bits) - 1)) != 0 {
        return Err(bad("bad base64 padding"));
    }
    Ok(out)
}

/// Every PEM block in `text`, in order. Text outside blocks is ignored
/// (comments, `openssl x509 -text` output).
pub fn parse(text: &[u8]) -> SecResult<Vec<Block>> {
    let text = core::str::from_utf8(text).map_err(|_| bad("PEM text is not UTF-8"))?;
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let label_end = after.find("-----").ok_or(bad("unterminated PEM header"))?;
        let label = after[..label_end].to_owned();
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let end = body_start.find(&end_marker).ok_or(bad("PEM block without its END line"))?;
        let body = &body_start[..end];
        if body.contains(':') {
            // RFC 1421 headers (Proc-Type, DEK-Info): OpenSSL's legacy key encryption.
            return Err(SecError::new(NTE_BAD_ALGID, "legacy PEM encryption is not supported; use PKCS#8"));
        }
        blocks.push(Block { label, der: base64_decode(body)? });
        rest = &body_start[end + end_marker.len()..];
    }
    Ok(blocks)
}

/// The encodings of a private key rustls accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyFormat {
    /// PKCS#8 PrivateKeyInfo ("PRIVATE KEY").
    Pkcs8,
    /// PKCS#1 RSAPrivateKey ("RSA PRIVATE KEY").
    Pkcs1,
    /// SEC1 ECPrivateKey ("EC PRIVATE KEY").
    Sec1,
}

/// Certificates (DER, in order) and at most one private key.
pub type CertsAndKey = (Vec<Vec<u8>>, Option<(KeyFormat, Zeroizing<Vec<u8>>)>);

/// Splits PEM text into certificates (DER) and at most one private key.
/// An "ENCRYPTED PRIVATE KEY" is decrypted with `password`.
pub fn certs_and_key(text: &[u8], password: Option<&str>) -> SecResult<CertsAndKey> {
    let mut certs = Vec::new();
    let mut key = None;
    for b in parse(text)? {
        let k = match b.label.as_str() {
            "CERTIFICATE" | "X509 CERTIFICATE" => {
                certs.push(b.der.to_vec());
                continue;
            }
            "PRIVATE KEY" => (KeyFormat::Pkcs8, b.der),
            "RSA PRIVATE KEY" => (KeyFormat::Pkcs1, b.der),
            "EC PRIVATE KEY" => (KeyFormat::Sec1, b.der),
            "ENCRYPTED PRIVATE KEY" => {
                let pw = super::pkcs12::Password::new(password);
                (KeyFormat::Pkcs8, super::pkcs12::decrypt_private_key(&b.der, &pw)?)
            }
            // EC PARAMETERS and anything else carry nothing we use.
            _ => continue,
        };
        if key.is_some() {
            return Err(SecError::new(E_INVALIDARG, "more than one private key in the PEM input"));
        }
        key = Some(k);
    }
    Ok((certs, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        assert_eq!(&**base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(&**base64_decode("aGVs\nbG8h").unwrap(), b"hello!");
        assert_eq!(&**base64_decode("").unwrap(), b"");
        assert_eq!(&**base64_decode("aGVsbG8").unwrap(), b"hello", "padding may be left out");
        assert!(base64_decode("aGVsbG9").is_err(), "stray bits");
        assert!(base64_decode("aGVsbG8=a").is_err());
        assert!(base64_decode("a*==").is_err());
    }

    #[test]
    fn blocks() {
        let text = b"junk\n-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n\
            -----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n\
            -----BEGIN EC PRIVATE KEY-----\nBAU=\n-----END EC PRIVATE KEY-----\n";
        let (certs, key) = certs_and_key(text, None).unwrap();
        assert_eq!(certs, vec![vec![1, 2, 3]]);
        let (fmt, der) = key.unwrap();
        assert_eq!((fmt, der.to_vec()), (KeyFormat::Sec1, vec![4, 5]));
        assert!(parse(b"-----BEGIN CERTIFICATE-----\nAQID\n").is_err());
        assert!(parse(
            b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAQID\n-----END RSA PRIVATE KEY-----"
        )
        .is_err());
        let two = b"-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----\n-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----\n";
        assert_eq!(certs_and_key(two, None).unwrap_err().status, E_INVALIDARG);
    }
}
