//! NTLMv2's key computations (MS-NLMP 3.3.2, 3.4.5): NTOWFv2, the NTLMv2
//! response, the session base key, KXKEY, key exchange, SIGNKEY / SEALKEY
//! and the MIC. Only NTLMv2 with extended session security is implemented;
//! NTLMv1 and LM are refused by the callers.

use super::messages::{NEGOTIATE_128, NEGOTIATE_56};
pub use crate::crypto::ct_eq;
use crate::crypto::{hmac_md5, md4, md5, Key16, Rc4};
pub use crate::gss::channel_bindings_hash;

/// The NT hash: MD4 of the UTF-16LE password.
pub fn nt_hash(password: &str) -> Key16 {
    let mut units = super::messages::utf16(password);
    let h = md4(&units);
    zeroize::Zeroize::zeroize(&mut units);
    Key16(h)
}

/// NTOWFv2 (3.3.2): HMAC_MD5(NT hash, UNICODE(Uppercase(User) || UserDom)).
pub fn ntowf_v2(nt_hash: &Key16, user: &str, domain: &str) -> Key16 {
    let mut who = super::messages::utf16(&user.to_uppercase());
    who.extend_from_slice(&super::messages::utf16(domain));
    Key16(hmac_md5(&nt_hash.0, &[&who]))
}

/// The client challenge structure ("temp" of 3.3.2): Responserversion,
/// HiResponserversion, Z(6), Time, ClientChallenge, Z(4), ServerName, Z(4).
/// `av_pairs` is the encoded list with its MsvAvEOL.
pub fn client_blob(timestamp: u64, client_challenge: &[u8; 8], av_pairs: &[u8]) -> Vec<u8> {
    let mut t = Vec::with_capacity(28 + av_pairs.len() + 4);
    t.extend_from_slice(&[1, 1, 0, 0, 0, 0, 0, 0]);
    t.extend_from_slice(&timestamp.to_le_bytes());
    t.extend_from_slice(client_challenge);
    t.extend_from_slice(&[0; 4]);
    t.extend_from_slice(av_pairs);
    t.extend_from_slice(&[0; 4]);
    t
}

/// NTProofStr = HMAC_MD5(ResponseKeyNT, ServerChallenge || temp).
pub fn nt_proof(response_key: &Key16, server_challenge: &[u8; 8], blob: &[u8]) -> [u8; 16] {
    hmac_md5(&response_key.0, &[server_challenge, blob])
}

/// LMv2 response: HMAC_MD5(ResponseKeyLM, ServerChallenge || ClientChallenge) || ClientChallenge.
pub fn lm_v2_response(response_key: &Key16, server_challenge: &[u8; 8], client_challenge: &[u8; 8]) -> Vec<u8> {
    let mut r = hmac_md5(&response_key.0, &[server_challenge, client_challenge]).to_vec();
    r.extend_from_slice(client_challenge);
    r
}

/// SessionBaseKey = HMAC_MD5(ResponseKeyNT, NTProofStr); for NTLMv2 it is
/// also the KeyExchangeKey (KXKEY, 3.4.5.1).
pub fn session_base_key(response_key: &Key16, nt_proof: &[u8]) -> Key16 {
    Key16(hmac_md5(&response_key.0, &[nt_proof]))
}

/// RC4(KeyExchangeKey, key): encrypts (client) or decrypts (server) the
/// exported session key of a key exchange.
pub fn rc4_key(kxkey: &Key16, key: &[u8; 16]) -> Key16 {
    let mut out = *key;
    Rc4::new(&kxkey.0).apply(&mut out);
    Key16(out)
}

const CLIENT_SIGN: &[u8] = b"session key to client-to-server signing key magic constant\0";
const SERVER_SIGN: &[u8] = b"session key to server-to-client signing key magic constant\0";
const CLIENT_SEAL: &[u8] = b"session key to client-to-server sealing key magic constant\0";
const SERVER_SEAL: &[u8] = b"session key to server-to-client sealing key magic constant\0";

/// SIGNKEY (3.4.5.2), for the client-to-server direction or the other.
pub fn sign_key(exported: &Key16, client_to_server: bool) -> Key16 {
    Key16(md5(&[&exported.0, if client_to_server { CLIENT_SIGN } else { SERVER_SIGN }]))
}

/// SEALKEY (3.4.5.3) with extended session security: the exported key cut
/// to 16, 7 or 5 bytes by NEGOTIATE_128 / NEGOTIATE_56.
pub fn seal_key(exported: &Key16, flags: u32, client_to_server: bool) -> Key16 {
    let len = if flags & NEGOTIATE_128 != 0 {
        16
    } else if flags & NEGOTIATE_56 != 0 {
        7
    } else {
        5
    };
    Key16(md5(&[&exported.0[..len], if client_to_server { CLIENT_SEAL } else { SERVER_SEAL }]))
}

/// MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE)
/// with the AUTHENTICATE's MIC field zeroed.
pub fn mic(exported: &Key16, negotiate: &[u8], challenge: &[u8], authenticate_zeroed: &[u8]) -> [u8; 16] {
    hmac_md5(&exported.0, &[negotiate, challenge, authenticate_zeroed])
}

#[cfg(test)]
mod tests {
    use super::super::messages::{utf16, AvPair, AvPairs, AV_NB_COMPUTER_NAME, AV_NB_DOMAIN_NAME};
    use super::*;
    use crate::crypto::hex;

    // MS-NLMP 4.2.1 common values: User "User", UserDom "Domain", Passwd
    // "Password", RandomSessionKey 0x55 * 16, Time 0, ClientChallenge 0xaa * 8,
    // ServerChallenge 0123456789abcdef.
    const SERVER_CHALLENGE: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
    const CLIENT_CHALLENGE: [u8; 8] = [0xaa; 8];
    const RANDOM_SESSION_KEY: [u8; 16] = [0x55; 16];

    fn spec_av_pairs() -> Vec<u8> {
        AvPairs(vec![
            AvPair { id: AV_NB_DOMAIN_NAME, value: utf16("Domain") },
            AvPair { id: AV_NB_COMPUTER_NAME, value: utf16("Server") },
        ])
        .encode()
        .unwrap()
    }

    #[test]
    fn nt_hash_of_password_4_2_2_1_2() {
        assert_eq!(nt_hash("Password").0.to_vec(), hex("a4f49c406510bdcab6824ee7c30fd852"));
    }

    #[test]
    fn ntlmv2_4_2_4() {
        let key = ntowf_v2(&nt_hash("Password"), "User", "Domain");
        assert_eq!(key.0.to_vec(), hex("0c868a403bfd7a93a3001ef22ef02e3f"), "NTOWFv2 (4.2.4.1.1)");
        let lm = lm_v2_response(&key, &SERVER_CHALLENGE, &CLIENT_CHALLENGE);
        assert_eq!(lm, hex("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa"), "LMv2 response (4.2.4.2.1)");
        let blob = client_blob(0, &CLIENT_CHALLENGE, &spec_av_pairs());
        let proof = nt_proof(&key, &SERVER_CHALLENGE, &blob);
        assert_eq!(proof.to_vec(), hex("68cd0ab851e51c96aabc927bebef6a1c"), "NTProofStr (4.2.4.2.2)");
        let base = session_base_key(&key, &proof);
        assert_eq!(base.0.to_vec(), hex("8de40ccadbc14a82f15cb0ad0de95ca3"), "SessionBaseKey (4.2.4.1.2)");
        let enc = rc4_key(&base, &RANDOM_SESSION_KEY);
        assert_eq!(enc.0.to_vec(), hex("c5dad2544fc9799094ce1ce90bc9d03e"), "EncryptedRandomSessionKey (4.2.4.2.3)");
        // The server side undoes it.
        assert_eq!(rc4_key(&base, &enc.0).0, RANDOM_SESSION_KEY);
    }

    #[test]
    fn sign_and_seal_keys_4_2_4_4() {
        let k = Key16(RANDOM_SESSION_KEY);
        let flags = 0xe28a8233;
        assert_eq!(seal_key(&k, flags, true).0.to_vec(), hex("59f600973cc4960a25480a7c196e4c58"));
        assert_eq!(sign_key(&k, true).0.to_vec(), hex("4788dc861b4782f35d43fd98fe1a2d39"));
        // The other direction and a shorter key differ.
        assert_ne!(seal_key(&k, flags, false), seal_key(&k, flags, true));
        assert_ne!(seal_key(&Key16([0x55; 16]), NEGOTIATE_56, true), seal_key(&k, flags, true));
    }
}
