//! The floor: ring's AES-128-GCM sealing and opening TLS 1.3 records in
//! place (header as AAD, nonce = IV xor sequence number, inner content type,
//! 16-byte tag) with no TLS layer, and with exactly the data movement the
//! SSPI column has: the plaintext copied into the record buffer, the record
//! copied onto the wire and off it into a receive buffer. The ratio sspi /
//! aead is thus the cost of the SSPI and TLS layers alone.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM};

const HEADER: usize = 5;
const TAG: usize = 16;

pub struct Bulk {
    seal_key: LessSafeKey,
    open_key: LessSafeKey,
    iv: [u8; 12],
    seal_seq: u64,
    open_seq: u64,
    record: Vec<u8>,
    wire: Vec<u8>,
    recv: Vec<u8>,
}

fn nonce(iv: &[u8; 12], seq: u64) -> Nonce {
    let mut n = *iv;
    for (b, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
        *b ^= s;
    }
    Nonce::assume_unique_for_key(n)
}

impl Bulk {
    pub fn new(max: usize) -> Bulk {
        let key = [0x42u8; 16];
        let k = || LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &key).expect("AES-128-GCM key"));
        Bulk {
            seal_key: k(),
            open_key: k(),
            iv: [7; 12],
            seal_seq: 0,
            open_seq: 0,
            record: vec![0; HEADER + max + 1 + TAG],
            wire: Vec::with_capacity(HEADER + max + 1 + TAG),
            recv: vec![0; HEADER + max + 1 + TAG],
        }
    }

    /// Seals one record holding `msg` and opens it on the other side of the wire.
    pub fn message(&mut self, msg: &[u8]) {
        let len = msg.len();
        let total = HEADER + len + 1 + TAG;
        let frag = (len + 1 + TAG) as u16;
        let hdr = [23, 3, 3, (frag >> 8) as u8, frag as u8];
        self.record[..HEADER].copy_from_slice(&hdr);
        self.record[HEADER..HEADER + len].copy_from_slice(msg);
        self.record[HEADER + len] = 23;
        let body = &mut self.record[HEADER..total];
        let tag = self
            .seal_key
            .seal_in_place_separate_tag(nonce(&self.iv, self.seal_seq), Aad::from(&hdr), &mut body[..len + 1])
            .expect("seal");
        self.seal_seq += 1;
        body[len + 1..].copy_from_slice(tag.as_ref());

        self.wire.clear();
        self.wire.extend_from_slice(&self.record[..total]);
        self.recv[..total].copy_from_slice(&self.wire);

        let (head, body) = self.recv[..total].split_at_mut(HEADER);
        let aad: [u8; HEADER] = (&*head).try_into().expect("header");
        let plain = self.open_key.open_in_place(nonce(&self.iv, self.open_seq), Aad::from(&aad), body).expect("open");
        self.open_seq += 1;
        assert_eq!(plain.len(), len + 1);
    }

    /// Seals one record of `len` bytes in place and opens it in place again,
    /// with no copy at all: the bare crypto.
    pub fn message_in_place(&mut self, len: usize) {
        let total = HEADER + len + 1 + TAG;
        let frag = (len + 1 + TAG) as u16;
        let hdr = [23, 3, 3, (frag >> 8) as u8, frag as u8];
        self.record[..HEADER].copy_from_slice(&hdr);
        self.record[HEADER + len] = 23;
        let body = &mut self.record[HEADER..total];
        let tag = self
            .seal_key
            .seal_in_place_separate_tag(nonce(&self.iv, self.seal_seq), Aad::from(&hdr), &mut body[..len + 1])
            .expect("seal");
        self.seal_seq += 1;
        body[len + 1..].copy_from_slice(tag.as_ref());
        let plain = self.open_key.open_in_place(nonce(&self.iv, self.open_seq), Aad::from(&hdr), body).expect("open");
        self.open_seq += 1;
        assert_eq!(plain.len(), len + 1);
    }

    /// Puts `msg` where `message_in_place` expects it, and checks a round trip.
    pub fn load_in_place(&mut self, msg: &[u8]) {
        self.record[HEADER..HEADER + msg.len()].copy_from_slice(msg);
        self.message_in_place(msg.len());
        assert_eq!(&self.record[HEADER..HEADER + msg.len()], msg, "AEAD in-place round trip");
    }

    pub fn check_roundtrip(&mut self, msg: &[u8]) {
        self.message(msg);
        assert_eq!(&self.recv[HEADER..HEADER + msg.len()], msg, "AEAD round trip");
    }
}
