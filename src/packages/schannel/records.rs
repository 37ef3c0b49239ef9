//! The TLS record layer after the handshake: framing, and AEAD protection in
//! place in the caller's buffers (ring's AES-GCM and ChaCha20-Poly1305).
//!
//! rustls runs the handshake; at its end the traffic secrets and sequence
//! numbers are taken over (rustls' kernel-connection API) so that
//! `EncryptMessage` / `DecryptMessage` seal and open records exactly where the
//! caller's `SecBuffer`s are, with no copy of the payload.
//!
//! Record formats (RFC 5246, 5288, 7905, 8446):
//! * TLS 1.3: `hdr(23, 0x0303, len) || AEAD(payload || type || zeros)`,
//!   nonce = iv ^ seq, AAD = the header.
//! * TLS 1.2 AES-GCM: `hdr(type, 0x0303, len) || explicit_nonce(8) || AEAD(payload)`,
//!   nonce = salt(4) || explicit; we send explicit = (iv ^ seq)[4..] as rustls does.
//! * TLS 1.2 ChaCha20-Poly1305: `hdr || AEAD(payload)`, nonce = iv ^ seq.
//! * TLS 1.2 AAD = seq(8) || type || 0x0303 || payload length(2).

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use rustls::ConnectionTrafficSecrets;

use crate::abi::*;
use crate::alloc::Wiped;
use crate::error::{SecError, SecResult};

pub const HEADER_LEN: usize = 5;
pub const CT_CHANGE_CIPHER_SPEC: u8 = 20;
pub const CT_ALERT: u8 = 21;
pub const CT_HANDSHAKE: u8 = 22;
pub const CT_APPLICATION_DATA: u8 = 23;
pub const MAX_PLAINTEXT: usize = 1 << 14;
const TAG_LEN: usize = 16;
const EXPLICIT_NONCE_LEN: usize = 8;

/// TLS alert descriptions we send.
pub mod alert {
    pub const CLOSE_NOTIFY: u8 = 0;
    pub const UNEXPECTED_MESSAGE: u8 = 10;
    pub const BAD_RECORD_MAC: u8 = 20;
    pub const RECORD_OVERFLOW: u8 = 22;
    pub const ILLEGAL_PARAMETER: u8 = 47;
    pub const DECODE_ERROR: u8 = 50;
    pub const PROTOCOL_VERSION: u8 = 70;
    pub const USER_CANCELED: u8 = 90;
    pub const NO_RENEGOTIATION: u8 = 100;
}

/// Largest ciphertext fragment a peer may send.
pub fn max_ciphertext(tls13: bool) -> usize {
    if tls13 {
        MAX_PLAINTEXT + 256
    } else {
        MAX_PLAINTEXT + 2048
    }
}

/// The first record at the start of a buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame {
    /// Not enough bytes: this many more are needed to know more / finish.
    Incomplete(usize),
    /// A whole record of `len` payload bytes (`HEADER_LEN + len` in all).
    Complete { typ: u8, len: usize },
}

/// Reads the record header at the start of `buf`. A header that cannot start
/// a TLS record (unknown type, wrong major version, over-long) is an error.
pub fn frame(buf: &[u8], max_len: usize) -> SecResult<Frame> {
    // An SSLv2 CLIENT-HELLO: high bit of the length set, message type 1.
    if buf.first().is_some_and(|&b| b & 0x80 != 0) && buf.get(2).is_none_or(|&t| t == 1) {
        return Err(illegal("SSLv2-style record (not supported)", alert::PROTOCOL_VERSION));
    }
    if buf.len() < HEADER_LEN {
        if let Some(&t) = buf.first() {
            if !(CT_CHANGE_CIPHER_SPEC..=CT_APPLICATION_DATA).contains(&t) {
                return Err(not_a_record());
            }
        }
        return Ok(Frame::Incomplete(HEADER_LEN - buf.len()));
    }
    let typ = buf[0];
    if !(CT_CHANGE_CIPHER_SPEC..=CT_APPLICATION_DATA).contains(&typ) {
        return Err(not_a_record());
    }
    if buf[1] != 3 {
        return Err(illegal("not a TLS record (bad version)", alert::PROTOCOL_VERSION));
    }
    let len = u16::from_be_bytes([buf[3], buf[4]]) as usize;
    if len > max_len {
        return Err(illegal("record too large", alert::RECORD_OVERFLOW));
    }
    if buf.len() < HEADER_LEN + len {
        return Ok(Frame::Incomplete(HEADER_LEN + len - buf.len()));
    }
    Ok(Frame::Complete { typ, len })
}

/// Bytes that cannot start a TLS record are not a token: Windows answers
/// `SEC_E_INVALID_TOKEN` (Wine's Windows-verified schannel test feeds 4000
/// bytes of garbage to `InitializeSecurityContext`), not the
/// `SEC_E_ILLEGAL_MESSAGE` of a malformed TLS message.
fn not_a_record() -> SecError {
    SecError::new(SEC_E_INVALID_TOKEN, "not a TLS record (bad content type)").with_alert(alert::UNEXPECTED_MESSAGE)
}

fn illegal(detail: &'static str, a: u8) -> SecError {
    SecError::new(SEC_E_ILLEGAL_MESSAGE, detail).with_alert(a)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Tls12Gcm,
    Tls12ChaCha,
    Tls13,
}

/// Sequence numbers stop here, short of wrapping (rustls stops at the same
/// point): a nonce is never used twice, in either direction.
const SEQ_LIMIT: u64 = 0xffff_ffff_ffff_0000;

/// AES blocks one AES-GCM key may encrypt: RFC 8446 section 5.5 allows
/// 2^24.5 full-size records (of 2^10 blocks) per key; we stay at 2^34 blocks.
/// The bound (Luykx-Paterson, draft-irtf-cfrg-aead-limits) is on blocks, not
/// records: counting records instead ended a connection of 64-byte messages
/// after 1 GiB (2^24 records), where 2^34 blocks are 256 GiB whatever the
/// message size.
const AES_GCM_BLOCK_BUDGET: u64 = 1 << 34;

/// One direction's record protection: key, IV and sequence number. The key
/// schedule and the IV are zeroed when the protection is dropped (a key
/// update, the end of the context).
pub struct Protection {
    key: Wiped<LessSafeKey>,
    iv: [u8; 12],
    seq: u64,
    kind: Kind,
    /// Cipher blocks this key may still encrypt (sealing only: the limit
    /// protects what we send; what the peer sends is the peer's to bound).
    budget: u64,
}

impl core::fmt::Debug for Protection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Protection").field("kind", &self.kind).field("seq", &self.seq).finish_non_exhaustive()
    }
}

impl Drop for Protection {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.iv);
    }
}

impl Protection {
    /// Takes over a direction from rustls' extracted secrets.
    pub fn new(secrets: &ConnectionTrafficSecrets, seq: u64, tls13: bool) -> SecResult<Self> {
        let (alg, key, iv, budget): (&'static aead::Algorithm, &[u8], &[u8], u64) = match secrets {
            ConnectionTrafficSecrets::Aes128Gcm { key, iv } => {
                (&aead::AES_128_GCM, key.as_ref(), iv.as_ref(), AES_GCM_BLOCK_BUDGET)
            }
            ConnectionTrafficSecrets::Aes256Gcm { key, iv } => {
                (&aead::AES_256_GCM, key.as_ref(), iv.as_ref(), AES_GCM_BLOCK_BUDGET)
            }
            ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv } => {
                (&aead::CHACHA20_POLY1305, key.as_ref(), iv.as_ref(), u64::MAX)
            }
            _ => return Err(SecError::internal("unsupported AEAD")),
        };
        let kind = match (tls13, alg == &aead::CHACHA20_POLY1305) {
            (true, _) => Kind::Tls13,
            (false, true) => Kind::Tls12ChaCha,
            (false, false) => Kind::Tls12Gcm,
        };
        let key =
            Wiped::new(LessSafeKey::new(UnboundKey::new(alg, key).map_err(|_| SecError::internal("bad AEAD key"))?));
        let iv: [u8; 12] = iv.try_into().map_err(|_| SecError::internal("bad AEAD IV"))?;
        Ok(Self { key, iv, seq, kind, budget })
    }

    /// Bytes before the payload (record header and, for TLS 1.2 GCM, the explicit nonce).
    pub fn header_len(&self) -> usize {
        match self.kind {
            Kind::Tls12Gcm => HEADER_LEN + EXPLICIT_NONCE_LEN,
            _ => HEADER_LEN,
        }
    }

    /// Bytes after the payload (TLS 1.3 inner content type, and the tag).
    pub fn trailer_len(&self) -> usize {
        match self.kind {
            Kind::Tls13 => 1 + TAG_LEN,
            _ => TAG_LEN,
        }
    }

    fn nonce(&self) -> [u8; 12] {
        let mut n = self.iv;
        for (b, s) in n[4..].iter_mut().zip(self.seq.to_be_bytes()) {
            *b ^= s;
        }
        n
    }

    fn next_seq(&mut self) -> SecResult<u64> {
        if self.seq >= SEQ_LIMIT {
            return Err(SecError::new(SEC_E_CONTEXT_EXPIRED, "record sequence numbers of this key exhausted"));
        }
        let s = self.seq;
        self.seq += 1;
        Ok(s)
    }

    /// Takes the cipher blocks sealing `sealed_len` bytes costs (plus the
    /// block that masks the tag) from the key's budget.
    fn spend(&mut self, sealed_len: usize) -> SecResult<()> {
        let blocks = (sealed_len as u64).div_ceil(16) + 1;
        if blocks > self.budget {
            return Err(SecError::new(
                SEC_E_CONTEXT_EXPIRED,
                "confidentiality limit of this key reached (RFC 8446 section 5.5)",
            ));
        }
        self.budget -= blocks;
        Ok(())
    }

    /// Seals one record in place. `record` holds `header_len()` bytes of room,
    /// then the `payload_len` payload bytes, then at least `trailer_len()`
    /// bytes of room. Returns the record's total length.
    pub fn seal(&mut self, typ: u8, record: &mut [u8], payload_len: usize) -> SecResult<usize> {
        let h = self.header_len();
        let t = self.trailer_len();
        let total = h + payload_len + t;
        if payload_len > MAX_PLAINTEXT || record.len() < total {
            return Err(SecError::internal("record buffer too small"));
        }
        let sealed = if self.kind == Kind::Tls13 { payload_len + 1 } else { payload_len };
        self.spend(sealed)?;
        let nonce = self.nonce();
        let seq = self.next_seq()?;
        let frag_len = (total - HEADER_LEN) as u16;
        let outer = if self.kind == Kind::Tls13 { CT_APPLICATION_DATA } else { typ };
        record[..HEADER_LEN].copy_from_slice(&[outer, 3, 3, (frag_len >> 8) as u8, frag_len as u8]);
        let (aad_buf, aad_len) = match self.kind {
            Kind::Tls13 => {
                let mut a = [0u8; 13];
                a[..5].copy_from_slice(&record[..5]);
                (a, 5)
            }
            _ => (tls12_aad(seq, typ, payload_len), 13),
        };
        let (in_out, tag_at) = match self.kind {
            Kind::Tls13 => {
                record[h + payload_len] = typ;
                (h..h + payload_len + 1, h + payload_len + 1)
            }
            Kind::Tls12Gcm => {
                record[HEADER_LEN..h].copy_from_slice(&nonce[4..]);
                (h..h + payload_len, h + payload_len)
            }
            Kind::Tls12ChaCha => (h..h + payload_len, h + payload_len),
        };
        let tag = self
            .key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(&aad_buf[..aad_len]),
                &mut record[in_out],
            )
            .map_err(|_| SecError::new(SEC_E_ENCRYPT_FAILURE, "AEAD seal failed"))?;
        record[tag_at..tag_at + TAG_LEN].copy_from_slice(tag.as_ref());
        Ok(total)
    }

    /// Opens the whole record `record` (header included) in place. Returns the
    /// inner content type and where the plaintext now lies within `record`.
    pub fn open(&mut self, record: &mut [u8]) -> SecResult<(u8, core::ops::Range<usize>)> {
        let typ = record[0];
        // Checked before decrypting, so that no sequence number is spent: a
        // TLS 1.3 record must say application_data outside; change_cipher_spec
        // has no place after the handshake in either version (RFC 8446 5,
        // and renegotiation is refused), so it is unexpected, not a bad MAC.
        if self.kind == Kind::Tls13 && typ != CT_APPLICATION_DATA {
            return Err(illegal(
                "TLS 1.3 record with an outer type other than application_data",
                alert::UNEXPECTED_MESSAGE,
            ));
        }
        if typ == CT_CHANGE_CIPHER_SPEC {
            return Err(illegal("change_cipher_spec after the handshake", alert::UNEXPECTED_MESSAGE));
        }
        let h = self.header_len();
        if record.len() < h + TAG_LEN {
            return Err(SecError::new(SEC_E_MESSAGE_ALTERED, "record shorter than its AEAD overhead")
                .with_alert(alert::BAD_RECORD_MAC));
        }
        let payload_len = record.len() - h - TAG_LEN;
        let seq = self.next_seq()?;
        let (nonce, aad_buf, aad_len) = match self.kind {
            Kind::Tls13 => {
                let mut a = [0u8; 13];
                a[..5].copy_from_slice(&record[..5]);
                (self_nonce(&self.iv, seq), a, 5)
            }
            Kind::Tls12Gcm => {
                let mut n = [0u8; 12];
                n[..4].copy_from_slice(&self.iv[..4]);
                n[4..].copy_from_slice(&record[HEADER_LEN..h]);
                (n, tls12_aad(seq, typ, payload_len), 13)
            }
            Kind::Tls12ChaCha => (self_nonce(&self.iv, seq), tls12_aad(seq, typ, payload_len), 13),
        };
        let plain_len = self
            .key
            .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(&aad_buf[..aad_len]), &mut record[h..])
            .map_err(|_| {
                SecError::new(SEC_E_MESSAGE_ALTERED, "record authentication failed").with_alert(alert::BAD_RECORD_MAC)
            })?
            .len();
        match self.kind {
            Kind::Tls13 => {
                // TLSInnerPlaintext (content, type and padding) is at most
                // 2^14 + 1 bytes (RFC 8446 5.2 and 5.4).
                if plain_len > MAX_PLAINTEXT + 1 {
                    return Err(illegal("TLS 1.3 inner plaintext too long", alert::RECORD_OVERFLOW));
                }
                // Strip zero padding; the last non-zero byte is the real type.
                let inner = &record[h..h + plain_len];
                let pos = inner
                    .iter()
                    .rposition(|&b| b != 0)
                    .ok_or_else(|| illegal("TLS 1.3 record without a content type", alert::UNEXPECTED_MESSAGE))?;
                if pos > MAX_PLAINTEXT {
                    return Err(illegal("plaintext too long", alert::RECORD_OVERFLOW));
                }
                Ok((inner[pos], h..h + pos))
            }
            _ => {
                if plain_len > MAX_PLAINTEXT {
                    return Err(illegal("plaintext too long", alert::RECORD_OVERFLOW));
                }
                Ok((typ, h..h + plain_len))
            }
        }
    }
}

fn self_nonce(iv: &[u8; 12], seq: u64) -> [u8; 12] {
    let mut n = *iv;
    for (b, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
        *b ^= s;
    }
    n
}

fn tls12_aad(seq: u64, typ: u8, len: usize) -> [u8; 13] {
    let mut a = [0u8; 13];
    a[..8].copy_from_slice(&seq.to_be_bytes());
    a[8] = typ;
    a[9] = 3;
    a[10] = 3;
    a[11..].copy_from_slice(&(len as u16).to_be_bytes());
    a
}

/// A plaintext alert record (for alerts before encryption is on).
pub fn plain_alert(level: u8, description: u8) -> [u8; 7] {
    [CT_ALERT, 3, 3, 0, 2, level, description]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::crypto::cipher::{AeadKey, Iv};

    fn secrets(kind: u8) -> ConnectionTrafficSecrets {
        let iv = Iv::new([7u8; 12]);
        match kind {
            // (AES-128 keys cannot be built outside rustls; the handshake tests cover them.)
            1 => ConnectionTrafficSecrets::Aes256Gcm { key: AeadKey::from([2u8; 32]), iv },
            _ => ConnectionTrafficSecrets::Chacha20Poly1305 { key: AeadKey::from([3u8; 32]), iv },
        }
    }

    #[test]
    fn frame_parsing() {
        assert_eq!(frame(&[], 100).unwrap(), Frame::Incomplete(5));
        assert_eq!(frame(&[23, 3], 100).unwrap(), Frame::Incomplete(3));
        assert_eq!(frame(&[23, 3, 3, 0, 4, 1], 100).unwrap(), Frame::Incomplete(3));
        assert_eq!(frame(&[23, 3, 3, 0, 1, 1], 100).unwrap(), Frame::Complete { typ: 23, len: 1 });
        assert!(frame(&[24], 100).is_err());
        assert!(frame(&[23, 2, 0, 0, 1], 100).is_err());
        assert_eq!(frame(&[23, 3, 3, 0x40, 0x01], 0x4000).unwrap_err().alert, Some(alert::RECORD_OVERFLOW));
    }

    #[test]
    fn seal_open_roundtrip_every_kind_and_size() {
        for kind in 1..3 {
            for tls13 in [false, true] {
                let mut tx = Protection::new(&secrets(kind), 5, tls13).unwrap();
                let mut rx = Protection::new(&secrets(kind), 5, tls13).unwrap();
                for len in [0usize, 1, 64, 1024, MAX_PLAINTEXT] {
                    let h = tx.header_len();
                    let mut rec = vec![0u8; h + len + tx.trailer_len()];
                    for (i, b) in rec[h..h + len].iter_mut().enumerate() {
                        *b = i as u8;
                    }
                    let n = tx.seal(CT_APPLICATION_DATA, &mut rec, len).unwrap();
                    assert_eq!(n, rec.len());
                    assert_eq!(frame(&rec, max_ciphertext(tls13)).unwrap(), Frame::Complete { typ: 23, len: n - 5 });
                    let (typ, range) = rx.open(&mut rec).unwrap();
                    assert_eq!(typ, CT_APPLICATION_DATA);
                    assert_eq!(range.len(), len);
                    assert!(rec[range].iter().enumerate().all(|(i, &b)| b == i as u8));
                }
            }
        }
    }

    #[test]
    fn aes_gcm_budget_counts_blocks_and_only_when_sealing() {
        let mut tx = Protection::new(&secrets(1), 0, true).unwrap();
        let mut rx = Protection::new(&secrets(1), 0, true).unwrap();
        // 64 bytes + the inner type = 5 blocks, plus the tag's: 6 per record.
        tx.budget = 12;
        rx.budget = 0;
        for _ in 0..2 {
            let mut rec = vec![0u8; 5 + 64 + 17];
            tx.seal(CT_APPLICATION_DATA, &mut rec, 64).unwrap();
            rx.open(&mut rec).expect("opening spends no budget");
        }
        let mut rec = vec![0u8; 5 + 64 + 17];
        assert_eq!(tx.seal(CT_APPLICATION_DATA, &mut rec, 64).unwrap_err().status, SEC_E_CONTEXT_EXPIRED);
        // A full-size record costs 1026 blocks: about 2^24 fit in the real budget, 64-byte ones far more.
        assert_eq!(AES_GCM_BLOCK_BUDGET / 1026, 16_744_511);
        assert_eq!(AES_GCM_BLOCK_BUDGET / 6, 2_863_311_530);
        let chacha = Protection::new(&secrets(2), 0, true).unwrap();
        assert_eq!(chacha.budget, u64::MAX);
    }

    #[test]
    fn sequence_numbers_never_wrap() {
        let mut tx = Protection::new(&secrets(2), SEQ_LIMIT - 1, false).unwrap();
        let mut rx = Protection::new(&secrets(2), SEQ_LIMIT - 1, false).unwrap();
        let mut rec = vec![0u8; 5 + 3 + 16];
        tx.seal(CT_APPLICATION_DATA, &mut rec, 3).unwrap();
        rx.open(&mut rec).unwrap();
        assert_eq!(tx.seal(CT_APPLICATION_DATA, &mut rec, 3).unwrap_err().status, SEC_E_CONTEXT_EXPIRED);
        assert_eq!(rx.open(&mut rec).unwrap_err().status, SEC_E_CONTEXT_EXPIRED);
    }

    #[test]
    fn tampering_and_replay_fail() {
        let mut tx = Protection::new(&secrets(1), 0, true).unwrap();
        let mut rx = Protection::new(&secrets(1), 0, true).unwrap();
        let mut rec = vec![0u8; 5 + 10 + 17];
        tx.seal(CT_APPLICATION_DATA, &mut rec, 10).unwrap();
        let mut bad = rec.clone();
        bad[7] ^= 1;
        assert_eq!(rx.open(&mut bad).unwrap_err().status, SEC_E_MESSAGE_ALTERED);
        // The failed open consumed a sequence number: the good record no longer opens either.
        assert!(rx.open(&mut rec.clone()).is_err());
    }

    #[test]
    fn wrong_outer_types_are_unexpected_and_spend_no_sequence_number() {
        for tls13 in [true, false] {
            let mut tx = Protection::new(&secrets(2), 0, tls13).unwrap();
            let mut rx = Protection::new(&secrets(2), 0, tls13).unwrap();
            // A plaintext change_cipher_spec after the handshake.
            let mut ccs = [CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1];
            let e = rx.open(&mut ccs).unwrap_err();
            assert_eq!((e.status, e.alert), (SEC_E_ILLEGAL_MESSAGE, Some(alert::UNEXPECTED_MESSAGE)), "tls13={tls13}");
            let mut rec = vec![0u8; 5 + 4 + 17];
            let n = tx.seal(CT_APPLICATION_DATA, &mut rec, 4).unwrap();
            if tls13 {
                // A TLS 1.3 record whose outer type is handshake.
                let mut hs = rec[..n].to_vec();
                hs[0] = CT_HANDSHAKE;
                let e = rx.open(&mut hs).unwrap_err();
                assert_eq!((e.status, e.alert), (SEC_E_ILLEGAL_MESSAGE, Some(alert::UNEXPECTED_MESSAGE)));
            }
            // Nothing above consumed a sequence number: the real record opens.
            assert_eq!(rx.open(&mut rec[..n]).unwrap().0, CT_APPLICATION_DATA, "tls13={tls13}");
        }
    }

    #[test]
    fn tls13_inner_plaintext_limit_counts_padding() {
        let tx = Protection::new(&secrets(1), 0, true).unwrap();
        let mut rx = Protection::new(&secrets(1), 0, true).unwrap();
        // 2^14 bytes of content, its type and one byte of padding: 2^14 + 2.
        let inner = MAX_PLAINTEXT + 2;
        let mut rec = vec![0u8; 5 + inner + 16 + 1];
        rec[5..5 + MAX_PLAINTEXT].fill(0x61);
        // Sealed by hand (seal() refuses to pad): content, type, one zero.
        rec[5 + MAX_PLAINTEXT] = CT_APPLICATION_DATA;
        let h = tx.header_len();
        let nonce = tx.nonce();
        let frag = (inner + 16) as u16;
        rec[..5].copy_from_slice(&[CT_APPLICATION_DATA, 3, 3, (frag >> 8) as u8, frag as u8]);
        let aad = [rec[0], rec[1], rec[2], rec[3], rec[4]];
        let tag = tx
            .key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(&aad[..]),
                &mut rec[h..h + inner],
            )
            .unwrap();
        rec[h + inner..h + inner + 16].copy_from_slice(tag.as_ref());
        let e = rx.open(&mut rec[..5 + inner + 16]).unwrap_err();
        assert_eq!((e.status, e.alert), (SEC_E_ILLEGAL_MESSAGE, Some(alert::RECORD_OVERFLOW)));
    }

    #[test]
    fn tls13_inner_type_and_padding() {
        let mut tx = Protection::new(&secrets(2), 0, true).unwrap();
        let mut rx = Protection::new(&secrets(2), 0, true).unwrap();
        let mut rec = vec![0u8; 5 + 3 + 17];
        rec[5..8].copy_from_slice(&[1, 0, 0]);
        tx.seal(CT_ALERT, &mut rec, 2).unwrap();
        assert_eq!(rec[0], CT_APPLICATION_DATA, "outer type hides the inner one");
        let (typ, range) = rx.open(&mut rec[..5 + 2 + 17]).unwrap();
        assert_eq!((typ, &rec[range]), (CT_ALERT, &[1u8, 0][..]));
    }
}
