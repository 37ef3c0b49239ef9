//! NTLM session security with extended session security (MS-NLMP 3.4):
//! per-direction signing keys, RC4 sealing handles and sequence numbers,
//! the 16-byte NTLMSSP_MESSAGE_SIGNATURE (2.2.2.9.1).
//!
//! The handles are used in connection-oriented mode: one RC4 stream per
//! direction for the whole session, shared by sealing and by the signature
//! checksums. A message that fails to verify is checked against a copy of
//! the receive state, so a forgery or a replay leaves the session usable.

use super::crypto::{seal_key, sign_key};
use super::messages::NEGOTIATE_KEY_EXCH;
use crate::abi::{SEC_E_INVALID_TOKEN, SEC_E_MESSAGE_ALTERED, SEC_E_OUT_OF_SEQUENCE};
use crate::crypto::{hmac_md5, Key16, Rc4};
use crate::error::{SecError, SecResult};

/// Length of an NTLMSSP_MESSAGE_SIGNATURE.
pub const SIGNATURE_LEN: usize = 16;

/// One direction's state.
#[derive(Clone)]
pub struct Direction {
    sign: Key16,
    /// The sealing key, kept so the RC4 handle can be restarted (SPNEGO's reset).
    seal_key: Key16,
    seal: Rc4,
    pub seq: u32,
}

impl Direction {
    fn new(exported: &Key16, flags: u32, client_to_server: bool) -> Self {
        let key = seal_key(exported, flags, client_to_server);
        Direction { sign: sign_key(exported, client_to_server), seal: Rc4::new(&key.0), seal_key: key, seq: 0 }
    }

    /// Restarts the RC4 handle from the sealing key; the sequence number goes on.
    fn reset(&mut self) {
        self.seal = Rc4::new(&self.seal_key.0);
    }

    /// HMAC_MD5(SigningKey, SeqNum || Message)[0..8], over the parts in order.
    fn checksum(&self, parts: &[&[u8]]) -> [u8; 8] {
        let seq = self.seq.to_le_bytes();
        let mut all: Vec<&[u8]> = Vec::with_capacity(parts.len() + 1);
        all.push(&seq);
        all.extend_from_slice(parts);
        let mac = hmac_md5(&self.sign.0, &all);
        mac[..8].try_into().expect("8 bytes")
    }

    /// The signature for `checksum`, RC4-encrypting the checksum under key
    /// exchange (3.4.4.2), with this direction's sequence number.
    fn signature(&mut self, mut checksum: [u8; 8], key_exch: bool) -> [u8; SIGNATURE_LEN] {
        if key_exch {
            self.seal.apply(&mut checksum);
        }
        let mut sig = [0u8; SIGNATURE_LEN];
        sig[..4].copy_from_slice(&1u32.to_le_bytes());
        sig[4..12].copy_from_slice(&checksum);
        sig[12..].copy_from_slice(&self.seq.to_le_bytes());
        sig
    }
}

/// Both directions of an established context.
#[derive(Clone)]
pub struct SealState {
    flags: u32,
    send: Direction,
    recv: Direction,
}

/// The data of one message operation: its parts in order, each with
/// whether it is encrypted (read-only buffers are signed only).
pub trait MsgParts {
    fn count(&self) -> usize;
    fn part(&self, k: usize) -> SecResult<&[u8]>;
    fn part_mut(&mut self, k: usize) -> SecResult<&mut [u8]>;
    fn encrypted(&self, k: usize) -> bool;
}

/// Parts given as slices (unit tests, single blobs).
impl MsgParts for [(&mut [u8], bool)] {
    fn count(&self) -> usize {
        self.len()
    }
    fn part(&self, k: usize) -> SecResult<&[u8]> {
        Ok(&*self[k].0)
    }
    fn part_mut(&mut self, k: usize) -> SecResult<&mut [u8]> {
        Ok(&mut *self[k].0)
    }
    fn encrypted(&self, k: usize) -> bool {
        self[k].1
    }
}

fn all_parts<P: MsgParts + ?Sized>(p: &P) -> SecResult<Vec<&[u8]>> {
    (0..p.count()).map(|k| p.part(k)).collect()
}

fn rc4_parts<P: MsgParts + ?Sized>(rc4: &mut Rc4, p: &mut P) -> SecResult<()> {
    for k in 0..p.count() {
        if p.encrypted(k) {
            rc4.apply(p.part_mut(k)?);
        }
    }
    Ok(())
}

impl SealState {
    /// The keys of one side, from the exported session key.
    pub fn new(exported: &Key16, flags: u32, client: bool) -> Self {
        SealState {
            flags,
            send: Direction::new(exported, flags, client),
            recv: Direction::new(exported, flags, !client),
        }
    }

    /// After SPNEGO's mechListMIC: one direction's RC4 handle starts again, as
    /// Windows' NTLM does (and gss-ntlmssp's `GSS_NTLMSSP_RESET_CRYPTO_OID`,
    /// which MIT's SPNEGO calls for Windows' sake); sequence numbers go on.
    pub fn reset(&mut self, outgoing: bool) {
        if outgoing {
            self.send.reset()
        } else {
            self.recv.reset()
        }
    }

    fn key_exch(&self) -> bool {
        self.flags & NEGOTIATE_KEY_EXCH != 0
    }

    /// MakeSignature / sign-only wrap: the signature over all parts.
    pub fn sign<P: MsgParts + ?Sized>(&mut self, parts: &P) -> SecResult<[u8; SIGNATURE_LEN]> {
        let c = self.send.checksum(&all_parts(parts)?);
        let kx = self.key_exch();
        let sig = self.send.signature(c, kx);
        self.send.seq = self.send.seq.wrapping_add(1);
        Ok(sig)
    }

    /// EncryptMessage: seals the encrypted parts in place and returns the
    /// signature over all of them (plaintext).
    pub fn seal<P: MsgParts + ?Sized>(&mut self, parts: &mut P) -> SecResult<[u8; SIGNATURE_LEN]> {
        let c = self.send.checksum(&all_parts(parts)?);
        rc4_parts(&mut self.send.seal, parts)?;
        let kx = self.key_exch();
        let sig = self.send.signature(c, kx);
        self.send.seq = self.send.seq.wrapping_add(1);
        Ok(sig)
    }

    /// Checks the signature's form and sequence number before any state moves.
    fn check_header(&self, sig: &[u8]) -> SecResult<()> {
        if sig.len() < SIGNATURE_LEN {
            return Err(SecError::new(SEC_E_INVALID_TOKEN, "NTLM signature shorter than 16 bytes"));
        }
        if sig[..4] != 1u32.to_le_bytes() {
            return Err(SecError::new(SEC_E_MESSAGE_ALTERED, "NTLM signature version is not 1"));
        }
        if sig[12..16] != self.recv.seq.to_le_bytes() {
            return Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "NTLM message out of sequence (replayed or reordered)"));
        }
        Ok(())
    }

    /// VerifySignature. The state only moves when the signature verifies.
    pub fn verify<P: MsgParts + ?Sized>(&mut self, parts: &P, sig: &[u8]) -> SecResult<()> {
        self.check_header(sig)?;
        let mut trial = self.recv.clone();
        let c = trial.checksum(&all_parts(parts)?);
        let expected = trial.signature(c, self.key_exch());
        if !super::crypto::ct_eq(&expected, &sig[..SIGNATURE_LEN]) {
            return Err(SecError::new(SEC_E_MESSAGE_ALTERED, "NTLM signature does not verify"));
        }
        trial.seq = trial.seq.wrapping_add(1);
        self.recv = trial;
        Ok(())
    }

    /// DecryptMessage: unseals the encrypted parts in place and checks the
    /// signature. On failure the parts are restored and the state is kept.
    pub fn unseal<P: MsgParts + ?Sized>(&mut self, parts: &mut P, sig: &[u8]) -> SecResult<()> {
        self.check_header(sig)?;
        let mut trial = self.recv.clone();
        rc4_parts(&mut trial.seal, parts)?;
        let c = trial.checksum(&all_parts(parts)?);
        let expected = trial.signature(c, self.key_exch());
        if !super::crypto::ct_eq(&expected, &sig[..SIGNATURE_LEN]) {
            // Put the caller's ciphertext back as it was.
            let mut undo = self.recv.seal.clone();
            rc4_parts(&mut undo, parts)?;
            return Err(SecError::new(SEC_E_MESSAGE_ALTERED, "NTLM sealed message does not verify"));
        }
        trial.seq = trial.seq.wrapping_add(1);
        self.recv = trial;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hex;

    fn spec_pair() -> (SealState, SealState) {
        let k = Key16([0x55; 16]);
        (SealState::new(&k, 0xe28a8233, true), SealState::new(&k, 0xe28a8233, false))
    }

    #[test]
    fn seal_matches_4_2_4_4() {
        let (mut client, _) = spec_pair();
        let mut data = super::super::messages::utf16("Plaintext");
        let sig = client.seal(&mut [(&mut data[..], true)][..]).unwrap();
        assert_eq!(data, hex("54e50165bf1936dc996020c1811b0f06fb5f"));
        assert_eq!(sig.to_vec(), hex("010000007fb38ec5c55d497600000000"));
    }

    #[test]
    fn unseal_both_directions_and_sequence() {
        let (mut c, mut s) = spec_pair();
        for round in 0..3u8 {
            let mut m = vec![round; 40];
            let sig = c.seal(&mut [(&mut m[..], true)][..]).unwrap();
            s.unseal(&mut [(&mut m[..], true)][..], &sig).unwrap();
            assert_eq!(m, vec![round; 40]);
            let mut r = b"reply".to_vec();
            let sig = s.seal(&mut [(&mut r[..], true)][..]).unwrap();
            c.unseal(&mut [(&mut r[..], true)][..], &sig).unwrap();
            assert_eq!(r, b"reply");
        }
    }

    #[test]
    fn tamper_is_altered_and_leaves_the_session_usable() {
        let (mut c, mut s) = spec_pair();
        let mut m = b"hello world".to_vec();
        let sig = c.seal(&mut [(&mut m[..], true)][..]).unwrap();
        let mut bad = m.clone();
        bad[0] ^= 1;
        let e = s.unseal(&mut [(&mut bad[..], true)][..], &sig).unwrap_err();
        assert_eq!(e.status, SEC_E_MESSAGE_ALTERED);
        let mut bad_sig = sig;
        bad_sig[5] ^= 1;
        let mut copy = m.clone();
        assert_eq!(s.unseal(&mut [(&mut copy[..], true)][..], &bad_sig).unwrap_err().status, SEC_E_MESSAGE_ALTERED);
        assert_eq!(copy, m, "ciphertext restored after a failed unseal");
        s.unseal(&mut [(&mut m[..], true)][..], &sig).unwrap();
        assert_eq!(m, b"hello world");
    }

    #[test]
    fn replay_and_reorder_are_out_of_sequence() {
        let (mut c, mut s) = spec_pair();
        let m1 = b"one".to_vec();
        let m2 = b"two".to_vec();
        let sig1 = c.sign(&[(&mut m1.clone()[..], false)][..]).unwrap();
        let sig2 = c.sign(&[(&mut m2.clone()[..], false)][..]).unwrap();
        assert_eq!(
            s.verify(&[(&mut m2.clone()[..], false)][..], &sig2).unwrap_err().status,
            SEC_E_OUT_OF_SEQUENCE,
            "reordered"
        );
        s.verify(&[(&mut m1.clone()[..], false)][..], &sig1).unwrap();
        assert_eq!(
            s.verify(&[(&mut m1.clone()[..], false)][..], &sig1).unwrap_err().status,
            SEC_E_OUT_OF_SEQUENCE,
            "replayed"
        );
        assert_eq!(
            s.verify(&[(&mut b"tw0".to_vec()[..], false)][..], &sig2).unwrap_err().status,
            SEC_E_MESSAGE_ALTERED
        );
        s.verify(&[(&mut m2.clone()[..], false)][..], &sig2).unwrap();
    }

    #[test]
    fn read_only_parts_are_signed_not_encrypted() {
        let (mut c, mut s) = spec_pair();
        let mut header = b"header".to_vec();
        let mut body = b"body".to_vec();
        let sig = c.seal(&mut [(&mut header[..], false), (&mut body[..], true)][..]).unwrap();
        assert_eq!(header, b"header");
        assert_ne!(body, b"body");
        header[0] = b'H';
        let mut b2 = body.clone();
        assert!(s.clone().unseal(&mut [(&mut header[..], false), (&mut b2[..], true)][..], &sig).is_err());
        header[0] = b'h';
        s.unseal(&mut [(&mut header[..], false), (&mut body[..], true)][..], &sig).unwrap();
        assert_eq!(body, b"body");
    }
}
