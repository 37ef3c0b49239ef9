//! RFC 4121 per-message tokens for the AES enctypes (the "CFX" format):
//! MIC tokens (`MakeSignature` / `VerifySignature`) and Wrap tokens
//! (`EncryptMessage` / `DecryptMessage`), sealed or integrity-only.
//!
//! Header (16 bytes): TOK_ID (04 04 MIC, 05 04 Wrap), flags (SentByAcceptor
//! 0x01, Sealed 0x02, AcceptorSubkey 0x04), filler 0xFF, then for Wrap the
//! EC and RRC fields, then the 64-bit sequence number. Key usages 22-25.
//!
//! Wrap tokens are written with the RRC Windows uses (MS-KILE 3.4.5.4.1):
//! the encrypted header copy and the integrity tag (sealed), or the tag
//! (integrity-only), rotated to just after the header, so that an SSPI
//! caller's TOKEN buffer holds the header and that much trailer and the
//! DATA buffer keeps the message's length. Any RRC is accepted on input.

use crate::abi::{SEC_E_INVALID_TOKEN, SEC_E_MESSAGE_ALTERED};
use crate::crypto::kerberos::Key;
use crate::error::{SecError, SecResult};

pub const TOK_MIC: [u8; 2] = [0x04, 0x04];
pub const TOK_WRAP: [u8; 2] = [0x05, 0x04];
pub const FLAG_SENT_BY_ACCEPTOR: u8 = 0x01;
pub const FLAG_SEALED: u8 = 0x02;
pub const FLAG_ACCEPTOR_SUBKEY: u8 = 0x04;
pub const HEADER_LEN: usize = 16;

pub const KU_ACCEPTOR_SEAL: u32 = 22;
pub const KU_ACCEPTOR_SIGN: u32 = 23;
pub const KU_INITIATOR_SEAL: u32 = 24;
pub const KU_INITIATOR_SIGN: u32 = 25;

fn altered(detail: &'static str) -> SecError {
    SecError::new(SEC_E_MESSAGE_ALTERED, detail)
}

fn invalid(detail: &'static str) -> SecError {
    SecError::new(SEC_E_INVALID_TOKEN, detail)
}

/// Which side protects, and with which key.
#[derive(Clone, Debug)]
pub struct Protector {
    /// The context key: the acceptor subkey if there is one, else the initiator subkey.
    pub key: Key,
    /// Whether `key` is the acceptor's subkey (the AcceptorSubkey flag).
    pub acceptor_subkey: bool,
    /// Whether we are the acceptor (our tokens carry SentByAcceptor).
    pub we_accept: bool,
}

/// What a received token said besides its message.
#[derive(Debug, PartialEq, Eq)]
pub struct Received {
    pub seq: u64,
    pub sealed: bool,
}

impl Protector {
    fn flags(&self, sealed: bool) -> u8 {
        let mut f = 0;
        if self.we_accept {
            f |= FLAG_SENT_BY_ACCEPTOR;
        }
        if sealed {
            f |= FLAG_SEALED;
        }
        if self.acceptor_subkey {
            f |= FLAG_ACCEPTOR_SUBKEY;
        }
        f
    }

    fn usages(&self, ours: bool) -> (u32, u32) {
        // (seal, sign) usages of the side that made the token.
        let by_acceptor = if ours { self.we_accept } else { !self.we_accept };
        if by_acceptor {
            (KU_ACCEPTOR_SEAL, KU_ACCEPTOR_SIGN)
        } else {
            (KU_INITIATOR_SEAL, KU_INITIATOR_SIGN)
        }
    }

    /// Bytes a sealed wrap token adds to a message (SSPI's cbSecurityTrailer).
    pub fn wrap_overhead(&self) -> usize {
        HEADER_LEN + self.key.enctype().overhead() + HEADER_LEN
    }

    /// Bytes of a Wrap token before the message's own length: what goes into
    /// the SSPI TOKEN buffer.
    pub fn wrap_head(&self, seal: bool) -> usize {
        if seal {
            self.wrap_overhead()
        } else {
            self.mic_len()
        }
    }

    /// Length of a MIC token (SSPI's cbMaxSignature).
    pub fn mic_len(&self) -> usize {
        HEADER_LEN + self.key.enctype().mac_len()
    }

    /// The RRC we write: the part after the confounder and message.
    fn rrc(&self, sealed: bool) -> u16 {
        let mac = self.key.enctype().mac_len();
        (if sealed { HEADER_LEN + mac } else { mac }) as u16
    }

    fn check_flags(&self, flags: u8, sealed_ok: bool) -> SecResult<bool> {
        if (flags & FLAG_SENT_BY_ACCEPTOR != 0) == self.we_accept {
            return Err(altered("token sent by the wrong side (a reflection)"));
        }
        if (flags & FLAG_ACCEPTOR_SUBKEY != 0) != self.acceptor_subkey {
            return Err(altered("token protected with another key"));
        }
        if flags & !(FLAG_SENT_BY_ACCEPTOR | FLAG_SEALED | FLAG_ACCEPTOR_SUBKEY) != 0 {
            return Err(invalid("unknown token flags"));
        }
        let sealed = flags & FLAG_SEALED != 0;
        if sealed && !sealed_ok {
            return Err(invalid("sealed flag on a MIC token"));
        }
        Ok(sealed)
    }

    /// A MIC token over `msg` with sequence number `seq`.
    pub fn mic(&self, seq: u64, msg: &[u8]) -> Vec<u8> {
        let mut h = Vec::with_capacity(HEADER_LEN + 24);
        h.extend_from_slice(&TOK_MIC);
        h.push(self.flags(false));
        h.extend_from_slice(&[0xff; 5]);
        h.extend_from_slice(&seq.to_be_bytes());
        let (_, sign) = self.usages(true);
        let ck = self.key.checksum_parts(sign, &[msg, &h]);
        h.extend_from_slice(&ck);
        h
    }

    /// Checks a MIC token over `msg`; returns its sequence number.
    pub fn verify_mic(&self, token: &[u8], msg: &[u8]) -> SecResult<u64> {
        if token.len() != self.mic_len() {
            return Err(invalid("MIC token of the wrong length"));
        }
        if token[..2] != TOK_MIC || token[3..8] != [0xff; 5] {
            return Err(invalid("not a MIC token"));
        }
        self.check_flags(token[2], false)?;
        let (header, ck) = token.split_at(HEADER_LEN);
        let (_, sign) = self.usages(false);
        if !self.key.verify_checksum_parts(sign, &[msg, header], ck) {
            return Err(altered("MIC does not verify"));
        }
        Ok(u64::from_be_bytes(header[8..16].try_into().expect("8 bytes")))
    }

    /// A Wrap token: `msg` sealed (encrypted) or only integrity-protected.
    pub fn wrap(&self, seq: u64, msg: &[u8], seal: bool) -> SecResult<Vec<u8>> {
        let mac = self.key.enctype().mac_len();
        let mut h = [0u8; HEADER_LEN];
        h[..2].copy_from_slice(&TOK_WRAP);
        h[2] = self.flags(seal);
        h[3] = 0xff;
        h[8..16].copy_from_slice(&seq.to_be_bytes());
        let (seal_usage, _) = self.usages(true);
        let rrc = self.rrc(seal);
        let mut out;
        if seal {
            // EC = 0: AES-CTS needs no padding. The header copy is encrypted with RRC = 0.
            let body = self.key.encrypt_parts_random(seal_usage, &[msg, &h])?;
            h[6..8].copy_from_slice(&rrc.to_be_bytes());
            out = Vec::with_capacity(HEADER_LEN + body.len());
            out.extend_from_slice(&h);
            extend_rotated_right(&mut out, &[&body], rrc as usize);
        } else {
            // The checksum covers the header with EC and RRC zero (RFC 4121 4.2.4); EC then says its length.
            let ck = self.key.checksum_parts(seal_usage, &[msg, &h]);
            h[4..6].copy_from_slice(&(mac as u16).to_be_bytes());
            h[6..8].copy_from_slice(&rrc.to_be_bytes());
            out = Vec::with_capacity(HEADER_LEN + msg.len() + ck.len());
            out.extend_from_slice(&h);
            extend_rotated_right(&mut out, &[msg, &ck], rrc as usize);
        }
        Ok(out)
    }

    /// Opens a Wrap token: the message and what the token said.
    pub fn unwrap(&self, token: &[u8]) -> SecResult<(zeroize::Zeroizing<Vec<u8>>, Received)> {
        if token.len() < HEADER_LEN {
            return Err(invalid("Wrap token shorter than its header"));
        }
        if token[..2] != TOK_WRAP || token[3] != 0xff {
            return Err(invalid("not a Wrap token"));
        }
        let sealed = self.check_flags(token[2], true)?;
        let ec = u16::from_be_bytes([token[4], token[5]]) as usize;
        let rrc = u16::from_be_bytes([token[6], token[7]]) as usize;
        let seq = u64::from_be_bytes(token[8..16].try_into().expect("8 bytes"));
        let body = rotate_left(&token[HEADER_LEN..], rrc);
        let (seal_usage, _) = self.usages(false);
        let mut header = [0u8; HEADER_LEN];
        header.copy_from_slice(&token[..HEADER_LEN]);
        header[6..8].copy_from_slice(&[0, 0]);
        if sealed {
            let mut plain = self.key.decrypt(seal_usage, &body)?;
            if plain.len() < ec + HEADER_LEN {
                return Err(altered("sealed token too short for its filler"));
            }
            if plain[plain.len() - HEADER_LEN..] != header {
                return Err(altered("the encrypted header copy differs"));
            }
            let n = plain.len() - HEADER_LEN - ec;
            plain.truncate(n);
            Ok((plain, Received { seq, sealed }))
        } else {
            let mac = self.key.enctype().mac_len();
            if ec != mac || body.len() < mac {
                return Err(invalid("integrity-only token with a wrong EC"));
            }
            let (msg, ck) = body.split_at(body.len() - mac);
            header[4..6].copy_from_slice(&[0, 0]);
            if !self.key.verify_checksum_parts(seal_usage, &[msg, &header], ck) {
                return Err(altered("Wrap token checksum does not verify"));
            }
            Ok((zeroize::Zeroizing::new(msg.to_vec()), Received { seq, sealed }))
        }
    }
}

/// Appends the concatenation of `parts` to `out` with its last `n` bytes
/// (mod length) moved to the front, without making the concatenation.
fn extend_rotated_right(out: &mut Vec<u8>, parts: &[&[u8]], n: usize) {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    if total == 0 {
        return;
    }
    let split = total - n % total;
    let start = out.len();
    for p in parts {
        out.extend_from_slice(p);
    }
    out[start..].rotate_left(split);
}

/// Moves the last `n` bytes (mod length) to the front.
#[cfg(test)]
fn rotate_right(v: &[u8], n: usize) -> Vec<u8> {
    if v.is_empty() {
        return Vec::new();
    }
    let n = n % v.len();
    [&v[v.len() - n..], &v[..v.len() - n]].concat()
}

/// Undoes [`rotate_right`].
fn rotate_left(v: &[u8], n: usize) -> zeroize::Zeroizing<Vec<u8>> {
    if v.is_empty() {
        return zeroize::Zeroizing::new(Vec::new());
    }
    let n = n % v.len();
    zeroize::Zeroizing::new([&v[n..], &v[..n]].concat())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kerberos::Enctype;

    fn pair(e: Enctype, acceptor_subkey: bool) -> (Protector, Protector) {
        let key = Key::random(e).unwrap();
        (
            Protector { key: key.clone(), acceptor_subkey, we_accept: false },
            Protector { key, acceptor_subkey, we_accept: true },
        )
    }

    #[test]
    fn tokens_round_trip_both_ways_for_every_enctype() {
        for e in Enctype::ALL {
            let (init, acc) = pair(e, true);
            for seal in [true, false] {
                for msg in [&b""[..], b"x", &[7u8; 1000][..]] {
                    let t = init.wrap(5, msg, seal).unwrap();
                    let (got, info) = acc.unwrap(&t).unwrap();
                    assert_eq!((&got[..], info), (msg, Received { seq: 5, sealed: seal }), "{e:?} {seal}");
                    let t = acc.wrap(9, msg, seal).unwrap();
                    assert_eq!(&init.unwrap(&t).unwrap().0[..], msg);
                    // A reflected token (our own, back at us) is refused.
                    assert_eq!(acc.unwrap(&t).unwrap_err().status, SEC_E_MESSAGE_ALTERED);
                }
                let sealed = init.wrap(1, b"hello", true).unwrap();
                assert_eq!(sealed.len(), 5 + init.wrap_overhead());
            }
            let m = init.mic(3, b"signed");
            assert_eq!(m.len(), init.mic_len());
            assert_eq!(acc.verify_mic(&m, b"signed").unwrap(), 3);
            assert_eq!(acc.verify_mic(&m, b"signeD").unwrap_err().status, SEC_E_MESSAGE_ALTERED);
            assert!(init.verify_mic(&m, b"signed").is_err(), "reflection");
        }
    }

    #[test]
    fn tampering_is_detected() {
        let (init, acc) = pair(Enctype::Aes256Sha1, false);
        for seal in [true, false] {
            let t = init.wrap(77, b"attack at dawn", seal).unwrap();
            for i in 0..t.len() {
                let mut bad = t.clone();
                bad[i] ^= 0x40;
                // RRC (bytes 6-7) changes where the pieces are; anything else breaks integrity or framing.
                assert!(acc.unwrap(&bad).is_err(), "byte {i} of a {} token", if seal { "sealed" } else { "signed" });
            }
            assert!(acc.unwrap(&t[..t.len() - 1]).is_err());
        }
        // Any rotation is understood (MIT writes RRC 0).
        let t = init.wrap(1, b"rotate me", true).unwrap();
        let body = rotate_left(&t[HEADER_LEN..], 28);
        for rrc in [0usize, 5, 28, 200] {
            let mut t2 = t[..HEADER_LEN].to_vec();
            t2[6..8].copy_from_slice(&(rrc as u16).to_be_bytes());
            t2.extend(rotate_right(&body, rrc));
            assert_eq!(&acc.unwrap(&t2).unwrap().0[..], b"rotate me", "rrc {rrc}");
        }
    }

    #[test]
    fn windows_rrc_puts_header_and_trailer_first() {
        let (init, _) = pair(Enctype::Aes256Sha1, true);
        let t = init.wrap(0, &[0u8; 100], true).unwrap();
        assert_eq!(u16::from_be_bytes([t[6], t[7]]), 28, "MS-KILE: RRC 28 for the SHA-1 enctypes");
        assert_eq!(init.wrap_overhead(), 60, "cbSecurityTrailer of Windows' AES Kerberos");
        assert_eq!(init.mic_len(), 28);
    }
}
