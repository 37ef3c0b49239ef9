//! The WDigest package in HTTP mode through the package interface (the buffers as
//! AcceptSecurityContext (Digest) and InitializeSecurityContext (Digest) take them): both
//! ends ours for each algorithm, the Authorization accepted by a fresh acceptor context (HTTP
//! clients answer on a new connection), a replayed nc, a forged nonce and a wrong password
//! refused, auth-int with H(entity).

use std::sync::Arc;

use secur32::abi::*;
use secur32::buffers::OwnedBuffers;
use secur32::packages::{self, AcquireRequest, AuthData, CredentialUse, Credentials, Identity, Side, StepIo};

const REQ_HTTP: u32 = 0x1000_0000;

fn cred(user: &str, realm: &str, password: &str, inbound: bool) -> Arc<dyn Credentials> {
    let id = Identity {
        user: user.into(),
        domain: realm.into(),
        password: zeroize::Zeroizing::new(password.into()),
        package_list: None,
    };
    let req = AcquireRequest {
        principal: None,
        usage: CredentialUse { inbound, outbound: !inbound },
        auth: AuthData::Identity(id),
    };
    packages::find("WDigest").unwrap().package.acquire_credentials(req).unwrap()
}

/// One step: TOKEN then PKG_PARAMS; (status, output text).
fn step(ctx: &dyn packages::SecurityContext, target: Option<&str>, token: &[u8], params: &[&[u8]]) -> (i32, Vec<u8>) {
    let mut bufs = vec![(SECBUFFER_TOKEN, token.to_vec())];
    bufs.extend(params.iter().map(|p| (SECBUFFER_PKG_PARAMS, p.to_vec())));
    let mut inb = OwnedBuffers::new(bufs);
    let mut out = OwnedBuffers::new(vec![(SECBUFFER_TOKEN, vec![0u8; 4096])]);
    let r = OwnedBuffers::with_pair(Some(&mut inb), &mut out, |i, o| {
        ctx.step(StepIo { flags: REQ_HTTP, target, input: i, output: Some(o), credential: None })
    })
    .unwrap();
    match r {
        Ok(res) => (res.status, out.bytes(0).to_vec()),
        Err(e) => (e.status, Vec::new()),
    }
}

fn challenge(sc: &Arc<dyn Credentials>, alg: &str) -> Vec<u8> {
    let s = sc.new_context(Arc::clone(sc), Side::Server).unwrap();
    let (st, ch) = step(s.as_ref(), None, b"", &[b"GET", b"", b"", b"", alg.as_bytes()]);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    ch
}

fn authorization(cc: &Arc<dyn Credentials>, ch: &[u8], method: &[u8], h_entity: &[u8], uri: &str) -> (i32, Vec<u8>) {
    let c = cc.new_context(Arc::clone(cc), Side::Client).unwrap();
    step(c.as_ref(), Some(uri), ch, &[method, h_entity])
}

#[test]
fn each_algorithm_a_fresh_acceptor_and_refusals() {
    let cc = cred("alice", "digest.test", "s3cret", false);
    let sc = cred("alice", "digest.test", "s3cret", true);
    for alg in ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess"] {
        let ch = challenge(&sc, alg);
        let text = String::from_utf8(ch.clone()).unwrap();
        assert!(text.contains(&format!("algorithm={alg}")) && text.contains("qop=\"auth,auth-int\""), "{text}");
        let (st, auth) = authorization(&cc, &ch, b"GET", b"", "/index.html");
        assert_eq!(st, SEC_E_OK);
        // A fresh acceptor context (a new connection) takes it: the nonce validates itself.
        let s = sc.new_context(Arc::clone(&sc), Side::Server).unwrap();
        let (st, info) = step(s.as_ref(), None, &auth, &[b"GET", b"", b"", b"", alg.as_bytes()]);
        assert_eq!(st, SEC_E_OK, "{alg}");
        assert!(String::from_utf8_lossy(&info).starts_with("rspauth=\""), "Authentication-Info");
        // The same Authorization again (same nonce, same nc): a replay.
        let s2 = sc.new_context(Arc::clone(&sc), Side::Server).unwrap();
        assert_eq!(step(s2.as_ref(), None, &auth, &[b"GET"]).0, SEC_E_LOGON_DENIED, "{alg}: replay");
        // The method the server saw is not the one the client signed.
        let (_, auth2) = authorization(&cc, &ch, b"GET", b"", "/index.html");
        let s3 = sc.new_context(Arc::clone(&sc), Side::Server).unwrap();
        assert_eq!(step(s3.as_ref(), None, &auth2, &[b"POST"]).0, SEC_E_LOGON_DENIED, "{alg}: another method");
    }
    // A nonce we did not issue.
    let ch = String::from_utf8(challenge(&sc, "MD5")).unwrap();
    let forged = ch.replacen("nonce=\"", "nonce=\"0", 1);
    let (st, auth) = authorization(&cc, forged.as_bytes(), b"GET", b"", "/");
    assert_eq!(st, SEC_E_OK);
    let s = sc.new_context(Arc::clone(&sc), Side::Server).unwrap();
    assert_eq!(step(s.as_ref(), None, &auth, &[b"GET"]).0, SEC_E_LOGON_DENIED, "a forged nonce");
    // A wrong password.
    let bad = cred("alice", "digest.test", "wrong", false);
    let ch = challenge(&sc, "SHA-256");
    let (_, auth) = authorization(&bad, &ch, b"GET", b"", "/");
    let s = sc.new_context(Arc::clone(&sc), Side::Server).unwrap();
    assert_eq!(step(s.as_ref(), None, &auth, &[b"GET", b"", b"", b"", b"SHA-256"]).0, SEC_E_LOGON_DENIED);
    // Malformed Authorization parameters.
    for junk in [&b"username=\"alice"[..], b"nonce=1,nonce=2", b"===", b"realm=\"digest.test\""] {
        let s = sc.new_context(Arc::clone(&sc), Side::Server).unwrap();
        let st = step(s.as_ref(), None, junk, &[b"GET"]).0;
        assert!(st == SEC_E_INVALID_TOKEN || st == SEC_E_LOGON_DENIED, "{st:#x}");
    }
}

#[test]
fn auth_int_covers_the_entity() {
    let cc = cred("alice", "digest.test", "s3cret", false);
    let sc = cred("alice", "digest.test", "s3cret", true);
    // A challenge offering only auth-int makes the client protect the body's hash.
    let ch = String::from_utf8(challenge(&sc, "MD5")).unwrap().replace("qop=\"auth,auth-int\"", "qop=\"auth-int\"");
    let h = b"d41d8cd98f00b204e9800998ecf8427e"; // MD5 of the empty body
    let (st, auth) = authorization(&cc, ch.as_bytes(), b"POST", h, "/form");
    assert_eq!(st, SEC_E_OK);
    assert!(String::from_utf8_lossy(&auth).contains("qop=auth-int"));
    let s = sc.new_context(Arc::clone(&sc), Side::Server).unwrap();
    assert_eq!(
        step(s.as_ref(), None, &auth, &[b"POST", b"", b"0123456789abcdef0123456789abcdef"]).0,
        SEC_E_LOGON_DENIED,
        "another body"
    );
    let s = sc.new_context(Arc::clone(&sc), Side::Server).unwrap();
    assert_eq!(
        step(s.as_ref(), None, &auth, &[b"POST", b"", h]).0,
        SEC_E_OK,
        "the right body (the refusal used no nc)"
    );
}
