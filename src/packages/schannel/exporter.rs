//! Keying material exporters (`SECPKG_ATTR_KEYING_MATERIAL`): RFC 5705 for
//! TLS 1.2 and RFC 8446 section 7.5 for TLS 1.3, from the secrets the
//! handshake's key log captured.

use ring::{hkdf, hmac};

use crate::abi::*;
use crate::error::{SecError, SecResult};

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn hkdf_expand_label(
    alg: hkdf::Algorithm,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    len: usize,
) -> SecResult<Vec<u8>> {
    let prk = hkdf::Prk::new_less_safe(alg, secret);
    let full_label_len = (6 + label.len()) as u8;
    let out_len = (len as u16).to_be_bytes();
    let info: [&[u8]; 6] = [&out_len, &[full_label_len], b"tls13 ", label, &[context.len() as u8], context];
    let okm = prk.expand(&info, Len(len)).map_err(|_| SecError::invalid_parameter("keying material too long"))?;
    let mut out = vec![0u8; len];
    okm.fill(&mut out).map_err(|_| SecError::invalid_parameter("keying material too long"))?;
    Ok(out)
}

fn digest(bits: u32, data: &[u8]) -> Vec<u8> {
    let alg = if bits == 384 { &ring::digest::SHA384 } else { &ring::digest::SHA256 };
    ring::digest::digest(alg, data).as_ref().to_vec()
}

/// RFC 8446 section 7.5 `TLS-Exporter(label, context, length)`.
pub fn tls13(
    hash_bits: u32,
    exporter_secret: &[u8],
    label: &[u8],
    context: Option<&[u8]>,
    len: usize,
) -> SecResult<Vec<u8>> {
    if label.len() > 249 {
        return Err(SecError::invalid_parameter("exporter label too long"));
    }
    let alg = if hash_bits == 384 { hkdf::HKDF_SHA384 } else { hkdf::HKDF_SHA256 };
    let hash_len = (hash_bits / 8) as usize;
    let derived = hkdf_expand_label(alg, exporter_secret, label, &digest(hash_bits, b""), hash_len)?;
    let out = hkdf_expand_label(alg, &derived, b"exporter", &digest(hash_bits, context.unwrap_or(b"")), len);
    zeroize::Zeroize::zeroize(&mut { derived });
    out
}

/// RFC 5246 `P_hash` as the TLS 1.2 PRF.
fn p_hash(hash_bits: u32, secret: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let alg = if hash_bits == 384 { hmac::HMAC_SHA384 } else { hmac::HMAC_SHA256 };
    let key = hmac::Key::new(alg, secret);
    let mut out = Vec::with_capacity(len);
    let mut a = hmac::sign(&key, seed);
    while out.len() < len {
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(a.as_ref());
        ctx.update(seed);
        out.extend_from_slice(ctx.sign().as_ref());
        a = hmac::sign(&key, a.as_ref());
    }
    out.truncate(len);
    out
}

/// RFC 5705 exporter for TLS 1.2.
pub fn tls12(
    hash_bits: u32,
    master_secret: &[u8],
    client_random: &[u8],
    server_random: &[u8],
    label: &[u8],
    context: Option<&[u8]>,
    len: usize,
) -> SecResult<Vec<u8>> {
    if client_random.len() != 32 || server_random.len() != 32 {
        return Err(SecError::internal("handshake randoms unknown"));
    }
    let mut seed = Vec::with_capacity(label.len() + 64 + 2 + context.map_or(0, <[u8]>::len));
    seed.extend_from_slice(label);
    seed.extend_from_slice(client_random);
    seed.extend_from_slice(server_random);
    if let Some(c) = context {
        let n: u16 = c.len().try_into().map_err(|_| SecError::invalid_parameter("context too long"))?;
        seed.extend_from_slice(&n.to_be_bytes());
        seed.extend_from_slice(c);
    }
    Ok(p_hash(hash_bits, master_secret, &seed, len))
}

/// Refuses labels RFC 5705 reserves for TLS itself.
pub fn check_label(label: &[u8]) -> SecResult<()> {
    const RESERVED: [&[u8]; 5] =
        [b"client finished", b"server finished", b"master secret", b"key expansion", b"extended master secret"];
    if label.is_empty() || RESERVED.contains(&label) {
        return Err(SecError::new(SEC_E_INVALID_PARAMETER, "reserved or empty exporter label"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prf_is_deterministic_and_context_sensitive() {
        let a = tls12(256, &[1; 48], &[2; 32], &[3; 32], b"EXPERIMENTAL x", None, 40).unwrap();
        let b = tls12(256, &[1; 48], &[2; 32], &[3; 32], b"EXPERIMENTAL x", Some(b""), 40).unwrap();
        assert_eq!(a.len(), 40);
        assert_ne!(a, b, "absent and empty context differ in RFC 5705");
        let c = tls13(256, &[9; 32], b"EXPERIMENTAL x", None, 40).unwrap();
        let d = tls13(256, &[9; 32], b"EXPERIMENTAL x", Some(b""), 40).unwrap();
        assert_eq!(c, d, "absent and empty context are the same in TLS 1.3");
        assert_ne!(tls13(384, &[9; 48], b"EXPERIMENTAL x", None, 40).unwrap(), c);
    }

    #[test]
    fn reserved_labels() {
        assert!(check_label(b"master secret").is_err());
        assert!(check_label(b"EXPORTER-Channel-Binding").is_ok());
    }
}
