//! The Digest computations: RFC 2831 (SASL DIGEST-MD5: the response, rspauth,
//! and the integrity and confidentiality layers) and RFC 7616 (HTTP Digest,
//! MD5 and SHA-256, with or without `-sess`).

use zeroize::Zeroizing;

use crate::abi::{SEC_E_INVALID_TOKEN, SEC_E_MESSAGE_ALTERED, SEC_E_OUT_OF_SEQUENCE};
use crate::crypto::{hmac_md5, md5, Rc4};
use crate::error::{SecError, SecResult};

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// H(username ":" realm ":" password): what an `htdigest` file stores, and the start of A1.
pub fn user_hash(user: &[u8], realm: &[u8], password: &[u8]) -> Zeroizing<[u8; 16]> {
    Zeroizing::new(md5(&[user, b":", realm, b":", password]))
}

/// RFC 2831 2.1.2.1: H(A1) for md5-sess, A1 = H(user:realm:pw) ":" nonce ":" cnonce [":" authzid].
pub fn sasl_ha1(user_hash: &[u8; 16], nonce: &[u8], cnonce: &[u8], authzid: Option<&[u8]>) -> Zeroizing<[u8; 16]> {
    let mut parts: Vec<&[u8]> = vec![user_hash, b":", nonce, b":", cnonce];
    if let Some(z) = authzid {
        parts.extend([&b":"[..], z]);
    }
    Zeroizing::new(md5(&parts))
}

/// RFC 2831 2.1.2.1 / 2.1.3: the response-value (client) or rspauth (server, `server` true).
pub fn sasl_response(
    ha1: &[u8; 16],
    nonce: &[u8],
    nc: &str,
    cnonce: &[u8],
    qop: &str,
    digest_uri: &[u8],
    server: bool,
) -> String {
    let method: &[u8] = if server { b"" } else { b"AUTHENTICATE" };
    let tail: &[u8] = if qop == "auth" { b"" } else { b":00000000000000000000000000000000" };
    let ha2 = hex(&md5(&[method, b":", digest_uri, tail]));
    let h = hex(&ha1[..]);
    hex(&md5(&[
        h.as_bytes(),
        b":",
        nonce,
        b":",
        nc.as_bytes(),
        b":",
        cnonce,
        b":",
        qop.as_bytes(),
        b":",
        ha2.as_bytes(),
    ]))
}

/// RFC 7616's hash algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpAlg {
    Md5,
    Md5Sess,
    Sha256,
    Sha256Sess,
}

impl HttpAlg {
    pub fn name(self) -> &'static str {
        match self {
            HttpAlg::Md5 => "MD5",
            HttpAlg::Md5Sess => "MD5-sess",
            HttpAlg::Sha256 => "SHA-256",
            HttpAlg::Sha256Sess => "SHA-256-sess",
        }
    }
    pub fn parse(s: &str) -> Option<HttpAlg> {
        [HttpAlg::Md5, HttpAlg::Md5Sess, HttpAlg::Sha256, HttpAlg::Sha256Sess]
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s))
    }
    pub fn h(self, parts: &[&[u8]]) -> String {
        match self {
            HttpAlg::Md5 | HttpAlg::Md5Sess => hex(&md5(parts)),
            HttpAlg::Sha256 | HttpAlg::Sha256Sess => {
                let mut c = ring::digest::Context::new(&ring::digest::SHA256);
                for p in parts {
                    c.update(p);
                }
                hex(c.finish().as_ref())
            }
        }
    }
}

/// RFC 7616 3.4.2: H(A1) as hex, from the password, or for MD5 from an htdigest file's
/// stored H(user:realm:password) (`stored_md5`); `-sess` adds the nonce and cnonce.
pub fn http_ha1(
    alg: HttpAlg,
    user: &[u8],
    realm: &[u8],
    secret: HttpSecret<'_>,
    nonce: &[u8],
    cnonce: &[u8],
) -> Option<Zeroizing<String>> {
    let base = match (secret, alg) {
        (HttpSecret::Password(pw), _) => alg.h(&[user, b":", realm, b":", pw]),
        (HttpSecret::StoredMd5(h), HttpAlg::Md5 | HttpAlg::Md5Sess) => hex(h),
        (HttpSecret::StoredMd5(_), _) => return None,
    };
    let base = Zeroizing::new(base);
    Some(if matches!(alg, HttpAlg::Md5Sess | HttpAlg::Sha256Sess) {
        Zeroizing::new(alg.h(&[base.as_bytes(), b":", nonce, b":", cnonce]))
    } else {
        base
    })
}

/// What the server knows of a user's password.
#[derive(Clone, Copy)]
pub enum HttpSecret<'a> {
    Password(&'a [u8]),
    /// htdigest's MD5(user:realm:password).
    StoredMd5(&'a [u8; 16]),
}

/// RFC 7616 3.4.1: the response (and, with an empty method, rspauth) from H(A1);
/// `h_entity`: the hex H(entity-body) for qop auth-int.
#[allow(clippy::too_many_arguments)]
pub fn http_response_ha1(
    alg: HttpAlg,
    ha1: &str,
    method: &[u8],
    uri: &[u8],
    nonce: &[u8],
    nc: &str,
    cnonce: &[u8],
    qop: &str,
    h_entity: &[u8],
) -> String {
    let ha2 = if qop == "auth-int" { alg.h(&[method, b":", uri, b":", h_entity]) } else { alg.h(&[method, b":", uri]) };
    alg.h(&[ha1.as_bytes(), b":", nonce, b":", nc.as_bytes(), b":", cnonce, b":", qop.as_bytes(), b":", ha2.as_bytes()])
}

/// RFC 7616 3.4.1: the response for qop "auth" (or "auth-int" with the body given).
#[allow(clippy::too_many_arguments)]
pub fn http_response(
    alg: HttpAlg,
    user: &[u8],
    realm: &[u8],
    password: &[u8],
    method: &[u8],
    uri: &[u8],
    nonce: &[u8],
    nc: &str,
    cnonce: &[u8],
    qop: &str,
    body: Option<&[u8]>,
) -> String {
    let ha1 = http_ha1(alg, user, realm, HttpSecret::Password(password), nonce, cnonce).expect("a password");
    let he = body.map(|b| alg.h(&[b])).unwrap_or_default();
    http_response_ha1(alg, &ha1, method, uri, nonce, nc, cnonce, qop, he.as_bytes())
}

/// The ciphers of auth-conf we offer and accept (RFC 2831 2.4): RC4 with 128-, 56- and 40-bit
/// keys. DES and 3DES are not offered: RFC 6331 moved DIGEST-MD5 to Historic, every peer that
/// speaks auth-conf also speaks rc4, and single DES is broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cipher {
    Rc4,
    Rc456,
    Rc440,
}

impl Cipher {
    pub const PREFERENCE: [Cipher; 3] = [Cipher::Rc4, Cipher::Rc456, Cipher::Rc440];
    pub fn name(self) -> &'static str {
        match self {
            Cipher::Rc4 => "rc4",
            Cipher::Rc456 => "rc4-56",
            Cipher::Rc440 => "rc4-40",
        }
    }
    pub fn parse(s: &str) -> Option<Cipher> {
        Cipher::PREFERENCE.into_iter().find(|c| c.name() == s)
    }
    /// Bytes of H(A1) the sealing key is made from.
    fn key_bytes(self) -> usize {
        match self {
            Cipher::Rc4 => 16,
            Cipher::Rc456 => 7,
            Cipher::Rc440 => 5,
        }
    }
    /// The SSF Cyrus reports for it.
    pub fn ssf(self) -> u32 {
        match self {
            Cipher::Rc4 => 128,
            Cipher::Rc456 => 56,
            Cipher::Rc440 => 40,
        }
    }
}

/// One direction of the security layer.
#[derive(Clone)]
pub struct Direction {
    ki: Zeroizing<[u8; 16]>,
    rc4: Option<Rc4>,
    pub seq: u32,
}

/// The negotiated layer: integrity (auth-int) or confidentiality (auth-conf).
#[derive(Clone)]
pub struct Layer {
    pub send: Direction,
    pub recv: Direction,
}

/// Length of the trailer: the 10-byte MAC, the message type 0x0001, the 4-byte sequence number.
pub const TRAILER: usize = 16;

impl Layer {
    /// RFC 2831 2.3 / 2.4: the keys of one side from the binary H(A1).
    pub fn new(ha1: &[u8; 16], client: bool, cipher: Option<Cipher>) -> Layer {
        let ki = |c2s: bool| -> Zeroizing<[u8; 16]> {
            let magic: &[u8] = if c2s {
                b"Digest session key to client-to-server signing key magic constant"
            } else {
                b"Digest session key to server-to-client signing key magic constant"
            };
            Zeroizing::new(md5(&[ha1, magic]))
        };
        let kc = |c2s: bool| -> Option<Rc4> {
            cipher.map(|c| {
                let magic: &[u8] = if c2s {
                    b"Digest H(A1) to client-to-server sealing key magic constant"
                } else {
                    b"Digest H(A1) to server-to-client sealing key magic constant"
                };
                let key = Zeroizing::new(md5(&[&ha1[..c.key_bytes()], magic]));
                Rc4::new(&key)
            })
        };
        let dir = |c2s: bool| Direction { ki: ki(c2s), rc4: kc(c2s), seq: 0 };
        Layer { send: dir(client), recv: dir(!client) }
    }

    pub fn confidential(&self) -> bool {
        self.send.rc4.is_some()
    }

    fn mac(d: &Direction, msg: &[u8]) -> [u8; 10] {
        let h = hmac_md5(&d.ki[..], &[&d.seq.to_be_bytes(), msg]);
        h[..10].try_into().expect("10 bytes")
    }

    /// Protects `msg` in place (encrypted under auth-conf unless `sign_only`) and returns the
    /// 16-byte trailer that follows it on the wire.
    pub fn seal(&mut self, msg: &mut [u8], sign_only: bool) -> [u8; TRAILER] {
        let mut mac = Self::mac(&self.send, msg);
        if let (Some(rc4), false) = (self.send.rc4.as_mut(), sign_only) {
            rc4.apply(msg);
            rc4.apply(&mut mac);
        }
        let mut t = [0u8; TRAILER];
        t[..10].copy_from_slice(&mac);
        t[10..12].copy_from_slice(&[0, 1]);
        t[12..].copy_from_slice(&self.send.seq.to_be_bytes());
        self.send.seq = self.send.seq.wrapping_add(1);
        t
    }

    /// Checks (and under auth-conf decrypts) `msg` with its trailer; the state moves only
    /// when the message verifies. `sealed`: the message was encrypted.
    pub fn open(&mut self, msg: &mut [u8], trailer: &[u8], sealed: bool) -> SecResult<()> {
        let altered = || SecError::new(SEC_E_MESSAGE_ALTERED, "a DIGEST-MD5 message that does not verify");
        if trailer.len() < TRAILER {
            return Err(SecError::new(SEC_E_INVALID_TOKEN, "a DIGEST-MD5 trailer is 16 bytes"));
        }
        if trailer.len() != TRAILER || trailer[10..12] != [0, 1] {
            return Err(altered());
        }
        if trailer[12..] != self.recv.seq.to_be_bytes() {
            return Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "a DIGEST-MD5 message out of sequence"));
        }
        let mut trial = self.recv.clone();
        let mut mac: [u8; 10] = trailer[..10].try_into().expect("10 bytes");
        if sealed {
            let rc4 = trial.rc4.as_mut().ok_or_else(altered)?;
            rc4.apply(msg);
            rc4.apply(&mut mac);
        }
        if !crate::crypto::ct_eq(&Self::mac(&trial, msg), &mac) {
            if sealed {
                // Put the caller's ciphertext back as it was.
                if let Some(mut undo) = self.recv.rc4.clone() {
                    undo.apply(msg);
                }
            }
            return Err(altered());
        }
        trial.seq = trial.seq.wrapping_add(1);
        self.recv = trial;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2831_section4_example() {
        // RFC 2831 section 4: chris / elwood.innosoft.com / secret, imap.
        let uh = user_hash(b"chris", b"elwood.innosoft.com", b"secret");
        let ha1 = sasl_ha1(&uh, b"OA6MG9tEQGm2hh", b"OA6MHXh6VqTrRk", None);
        let uri = b"imap/elwood.innosoft.com";
        assert_eq!(
            sasl_response(&ha1, b"OA6MG9tEQGm2hh", "00000001", b"OA6MHXh6VqTrRk", "auth", uri, false),
            "d388dad90d4bbd760a152321f2143af7"
        );
        assert_eq!(
            sasl_response(&ha1, b"OA6MG9tEQGm2hh", "00000001", b"OA6MHXh6VqTrRk", "auth", uri, true),
            "ea40f60335c427b5527b84dbabcdfffd"
        );
    }

    #[test]
    fn rfc7616_section3_9_1_examples() {
        // RFC 7616 3.9.1: Mufasa / http-auth@example.org / Circle of Life, GET /dir/index.html.
        let args = |alg| {
            http_response(
                alg,
                b"Mufasa",
                b"http-auth@example.org",
                b"Circle of Life",
                b"GET",
                b"/dir/index.html",
                b"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
                "00000001",
                b"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
                "auth",
                None,
            )
        };
        assert_eq!(args(HttpAlg::Md5), "8ca523f5e9506fed4657c9700eebdbec");
        assert_eq!(args(HttpAlg::Sha256), "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    }

    #[test]
    fn layers_round_trip_and_refuse_forgeries() {
        let ha1 = [7u8; 16];
        for cipher in [None, Some(Cipher::Rc4), Some(Cipher::Rc456), Some(Cipher::Rc440)] {
            let (mut c, mut s) = (Layer::new(&ha1, true, cipher), Layer::new(&ha1, false, cipher));
            for i in 0..3u8 {
                let plain = vec![i; 40 + i as usize];
                let mut m = plain.clone();
                let t = c.seal(&mut m, false);
                assert_eq!(m == plain, cipher.is_none(), "encrypted only under auth-conf");
                let mut forged = m.clone();
                forged[0] ^= 1;
                assert!(s.open(&mut forged, &t, cipher.is_some()).is_err());
                assert!(s.open(&mut m, &t, cipher.is_some()).is_ok(), "a forgery moves nothing");
                assert_eq!(m, plain);
                // And the other way.
                let mut m = plain.clone();
                let t = s.seal(&mut m, false);
                assert!(c.open(&mut m, &t, cipher.is_some()).is_ok());
                assert_eq!(m, plain);
            }
            // A replay is refused (the sequence number moved on).
            let mut m = b"once".to_vec();
            let t = c.seal(&mut m, false);
            let copy = m.clone();
            assert!(s.open(&mut m, &t, cipher.is_some()).is_ok());
            let mut again = copy;
            assert!(s.open(&mut again, &t, cipher.is_some()).is_err());
        }
    }
}
