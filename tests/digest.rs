//! The WDigest package in HTTP mode through the package interface (the buffers as
//! AcceptSecurityContext (Digest) and InitializeSecurityContext (Digest) take them): both
//! ends ours for each algorithm, the Authorization accepted by a fresh acceptor context (HTTP
//! clients answer on a new connection), a replayed nc, a forged nonce and a wrong password
//! refused, auth-int with H(entity), userhash, the client's rspauth check, and later requests
//! through MakeSignature / VerifySignature.

use std::sync::Arc;

use secur32::abi::*;
use secur32::buffers::OwnedBuffers;
use secur32::packages::{
    self, AcquireRequest, Attr, AuthData, CredentialUse, Credentials, Identity, SecurityContext, Side, StepIo,
};

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

/// One step with these flags: TOKEN then PKG_PARAMS; (status, output text).
fn step_with(
    ctx: &dyn SecurityContext,
    flags: u32,
    target: Option<&str>,
    token: &[u8],
    params: &[&[u8]],
) -> (i32, Vec<u8>) {
    let mut bufs = vec![(SECBUFFER_TOKEN, token.to_vec())];
    bufs.extend(params.iter().map(|p| (SECBUFFER_PKG_PARAMS, p.to_vec())));
    let mut inb = OwnedBuffers::new(bufs);
    let mut out = OwnedBuffers::new(vec![(SECBUFFER_TOKEN, vec![0u8; 4096])]);
    let r = OwnedBuffers::with_pair(Some(&mut inb), &mut out, |i, o| {
        ctx.step(StepIo { flags: REQ_HTTP | flags, target, input: i, output: Some(o), credential: None })
    })
    .unwrap();
    match r {
        Ok(res) => (res.status, out.bytes(0).to_vec()),
        Err(e) => (e.status, Vec::new()),
    }
}

fn step(ctx: &dyn SecurityContext, target: Option<&str>, token: &[u8], params: &[&[u8]]) -> (i32, Vec<u8>) {
    step_with(ctx, 0, target, token, params)
}

/// A challenge offering auth and auth-int (ASC_REQ_INTEGRITY).
fn challenge(sc: &Arc<dyn Credentials>, alg: &str) -> Vec<u8> {
    let s = sc.new_context(Arc::clone(sc), Side::Server).unwrap();
    let (st, ch) = step_with(s.as_ref(), ASC_REQ_INTEGRITY, None, b"", &[b"GET", b"", b"", b"", alg.as_bytes()]);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    ch
}

fn client(cc: &Arc<dyn Credentials>) -> Arc<dyn SecurityContext> {
    cc.new_context(Arc::clone(cc), Side::Client).unwrap()
}

fn server(sc: &Arc<dyn Credentials>) -> Arc<dyn SecurityContext> {
    sc.new_context(Arc::clone(sc), Side::Server).unwrap()
}

fn authorization(cc: &Arc<dyn Credentials>, ch: &[u8], method: &[u8], h_entity: &[u8], uri: &str) -> (i32, Vec<u8>) {
    step(client(cc).as_ref(), Some(uri), ch, &[method, h_entity])
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn each_algorithm_a_fresh_acceptor_and_refusals() {
    let cc = cred("alice", "digest.test", "s3cret", false);
    let sc = cred("alice", "digest.test", "s3cret", true);
    for alg in ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess"] {
        let ch = challenge(&sc, alg);
        let t = text(&ch);
        assert!(t.contains(&format!("algorithm={alg}")) && t.contains("qop=\"auth,auth-int\""), "{t}");
        let (st, auth) = authorization(&cc, &ch, b"GET", b"", "/index.html");
        assert_eq!(st, SEC_E_OK);
        // A fresh acceptor context (a new connection) takes it: the nonce validates itself.
        let s = server(&sc);
        let (st, info) = step(s.as_ref(), None, &auth, &[b"GET", b"", b"", b"", alg.as_bytes()]);
        assert_eq!(st, SEC_E_OK, "{alg}");
        assert!(text(&info).starts_with("rspauth=\""), "Authentication-Info");
        // The same Authorization again (same nonce, same nc): a replay.
        let s2 = server(&sc);
        assert_eq!(step(s2.as_ref(), None, &auth, &[b"GET"]).0, SEC_E_LOGON_DENIED, "{alg}: replay");
        // The method the server saw is not the one the client signed.
        let (_, auth2) = authorization(&cc, &ch, b"GET", b"", "/index.html");
        assert_eq!(step(server(&sc).as_ref(), None, &auth2, &[b"POST"]).0, SEC_E_LOGON_DENIED, "{alg}: method");
        // Nor the request-URI, when the server passes it.
        let (_, auth3) = authorization(&cc, &ch, b"GET", b"", "/index.html");
        assert_eq!(step(server(&sc).as_ref(), None, &auth3, &[b"GET", b"/other"]).0, SEC_E_LOGON_DENIED, "{alg}");
    }
    // A nonce we did not issue.
    let ch = text(&challenge(&sc, "MD5"));
    let forged = ch.replacen("nonce=\"", "nonce=\"0", 1);
    let (st, auth) = authorization(&cc, forged.as_bytes(), b"GET", b"", "/");
    assert_eq!(st, SEC_E_OK);
    assert_eq!(step(server(&sc).as_ref(), None, &auth, &[b"GET"]).0, SEC_E_LOGON_DENIED, "a forged nonce");
    // A wrong password.
    let bad = cred("alice", "digest.test", "wrong", false);
    let ch = challenge(&sc, "SHA-256");
    let (_, auth) = authorization(&bad, &ch, b"GET", b"", "/");
    assert_eq!(step(server(&sc).as_ref(), None, &auth, &[b"GET", b"", b"", b"", b"SHA-256"]).0, SEC_E_LOGON_DENIED);
    // Malformed Authorization parameters.
    for junk in [&b"username=\"alice"[..], b"nonce=1,nonce=2", b"==="] {
        assert_eq!(step(server(&sc).as_ref(), None, junk, &[b"GET"]).0, SEC_E_INVALID_TOKEN, "{}", text(junk));
    }
    assert_eq!(step(server(&sc).as_ref(), None, b"realm=\"digest.test\"", &[b"GET"]).0, SEC_E_INVALID_TOKEN);
    assert_eq!(step(server(&sc).as_ref(), None, b"realm=\"elsewhere\"", &[b"GET"]).0, SEC_E_LOGON_DENIED);
}

#[test]
fn qop_follows_the_flags_and_userhash_is_offered() {
    let sc = cred("alice", "digest.test", "s3cret", true);
    let cc = cred("alice", "digest.test", "s3cret", false);
    // Microsoft's "Generating the Digest Challenge": auth unless integrity, replay or sequence
    // detection is asked for.
    let (st, plain) = step(server(&sc).as_ref(), None, b"", &[b"GET"]);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    let plain = text(&plain);
    assert!(plain.contains("qop=\"auth\"") && plain.contains("userhash=true") && !plain.contains("stale"), "{plain}");
    for f in [ASC_REQ_INTEGRITY, ASC_REQ_REPLAY_DETECT, ASC_REQ_SEQUENCE_DETECT] {
        let (_, ch) = step_with(server(&sc).as_ref(), f, None, b"", &[b"GET"]);
        assert!(text(&ch).contains("qop=\"auth,auth-int\""), "{f:#x}");
    }
    // The client hashes its name under userhash; the server finds the user and names her.
    let (st, auth) = authorization(&cc, plain.as_bytes(), b"GET", b"", "/");
    assert_eq!(st, SEC_E_OK);
    let a = text(&auth);
    assert!(a.contains("userhash=true") && !a.contains("\"alice\"") && a.contains("qop=auth,"), "{a}");
    let s = server(&sc);
    assert_eq!(step(s.as_ref(), None, &auth, &[b"GET"]).0, SEC_E_OK);
    match s.query(SECPKG_ATTR_NAMES).unwrap() {
        Attr::Names(n) => assert_eq!(n, "alice"),
        _ => panic!("NAMES"),
    }
    match s.query(SECPKG_ATTR_LIFESPAN).unwrap() {
        Attr::Lifespan(l) => {
            let (start, expiry) = (l.tsStart.as_u64(), l.tsExpiry.as_u64());
            // After 2020-01-01 as a FILETIME, and no expiry.
            assert!(start > 132_223_104_000_000_000 && expiry == 0x7FFF_FFFF_FFFF_FFFF, "{start} {expiry}");
        }
        _ => panic!("LIFESPAN"),
    }
    match s.query(SECPKG_ATTR_NEGOTIATION_INFO).unwrap() {
        Attr::NegotiationInfo { package, state } => {
            assert_eq!((package, state), ("WDigest", SECPKG_NEGOTIATION_COMPLETE))
        }
        _ => panic!("NEGOTIATION_INFO"),
    }
    assert_eq!(s.query(SECPKG_ATTR_SESSION_KEY).err().map(|e| e.status), Some(SEC_E_UNSUPPORTED_FUNCTION));
    // Two challenges at once carry different nonces: each client counts nc from 1.
    let (a, b) = (challenge(&sc, "MD5"), challenge(&sc, "MD5"));
    assert_ne!(a, b);
    for ch in [a, b] {
        let (_, auth) = authorization(&cc, &ch, b"GET", b"", "/");
        assert!(text(&auth).contains("nc=00000001"));
        assert_eq!(step(server(&sc).as_ref(), None, &auth, &[b"GET"]).0, SEC_E_OK);
    }
    // ISC_REQ_INTEGRITY chooses auth-int when offered.
    let ch = challenge(&sc, "MD5");
    let (st, auth) = step_with(client(&cc).as_ref(), ISC_REQ_INTEGRITY, Some("/"), &ch, &[b"PUT", b"abc"]);
    assert_eq!(st, SEC_E_OK);
    assert!(text(&auth).contains("qop=auth-int"));
}

#[test]
fn auth_int_covers_the_entity() {
    let cc = cred("alice", "digest.test", "s3cret", false);
    let sc = cred("alice", "digest.test", "s3cret", true);
    // A challenge offering only auth-int makes the client protect the body's hash.
    let ch = text(&challenge(&sc, "MD5")).replace("qop=\"auth,auth-int\"", "qop=\"auth-int\"");
    let h = b"d41d8cd98f00b204e9800998ecf8427e"; // MD5 of the empty body
    let (st, auth) = authorization(&cc, ch.as_bytes(), b"POST", h, "/form");
    assert_eq!(st, SEC_E_OK);
    assert!(text(&auth).contains("qop=auth-int"));
    assert_eq!(
        step(server(&sc).as_ref(), None, &auth, &[b"POST", b"", b"0123456789abcdef0123456789abcdef"]).0,
        SEC_E_LOGON_DENIED,
        "another body"
    );
    assert_eq!(step(server(&sc).as_ref(), None, &auth, &[b"POST", b"", h]).0, SEC_E_OK, "the right body");
}

/// MakeSignature / VerifySignature with TOKEN then PKG_PARAMS (method, URI, H(entity)).
fn sign(c: &dyn SecurityContext, method: &[u8], uri: &[u8], token_len: usize) -> Result<Vec<u8>, i32> {
    let mut m = OwnedBuffers::new(vec![
        (SECBUFFER_TOKEN, vec![0u8; token_len]),
        (SECBUFFER_PKG_PARAMS, method.to_vec()),
        (SECBUFFER_PKG_PARAMS, uri.to_vec()),
        (SECBUFFER_PKG_PARAMS, Vec::new()),
        (SECBUFFER_PADDING, Vec::new()),
    ]);
    m.with_view(|d| c.make_signature(0, d, 0)).unwrap().map_err(|e| e.status)?;
    Ok(m.bytes(0).to_vec())
}

fn verify(s: &dyn SecurityContext, auth: &[u8], method: &[u8], uri: &[u8]) -> i32 {
    let mut m = OwnedBuffers::new(vec![
        (SECBUFFER_TOKEN, auth.to_vec()),
        (SECBUFFER_PKG_PARAMS, method.to_vec()),
        (SECBUFFER_PKG_PARAMS, uri.to_vec()),
        (SECBUFFER_PKG_PARAMS, Vec::new()),
    ]);
    match m.with_view(|d| s.verify_signature(d, 0)).unwrap() {
        Ok(_) => SEC_E_OK,
        Err(e) => e.status,
    }
}

#[test]
fn rspauth_and_later_requests() {
    let cc = cred("alice", "digest.test", "s3cret", false);
    let sc = cred("alice", "digest.test", "s3cret", true);
    for alg in ["MD5", "SHA-256-sess"] {
        let ch = challenge(&sc, alg);
        let c = client(&cc);
        let (st, auth) = step(c.as_ref(), Some("/a"), &ch, &[b"GET", b""]);
        assert_eq!(st, SEC_E_OK);
        let s = server(&sc);
        let (st, info) = step(s.as_ref(), None, &auth, &[b"GET", b"/a"]);
        assert_eq!(st, SEC_E_OK);
        // The client checks the server's rspauth: a forged one fails, the real one passes.
        let forged = text(&info).replacen("rspauth=\"", "rspauth=\"0", 1);
        assert_eq!(step(c.as_ref(), Some("/a"), forged.as_bytes(), &[]).0, SEC_E_MUTUAL_AUTH_FAILED);
        assert_eq!(step(c.as_ref(), Some("/a"), &info, &[]).0, SEC_E_OK);
        // The next requests: nc 2 and 3 from MakeSignature, checked by VerifySignature.
        assert_eq!(sign(c.as_ref(), b"GET", b"/b", 8), Err(SEC_E_BUFFER_TOO_SMALL));
        let second = sign(c.as_ref(), b"GET", b"/b", 1024).unwrap();
        assert!(text(&second).contains("nc=00000002"), "{}", text(&second));
        assert_eq!(verify(s.as_ref(), &second, b"POST", b"/b"), SEC_E_MESSAGE_ALTERED, "another method");
        assert_eq!(verify(s.as_ref(), &second, b"GET", b"/c"), SEC_E_MESSAGE_ALTERED, "another URI");
        assert_eq!(verify(s.as_ref(), &second, b"GET", b"/b"), SEC_E_OK);
        assert_eq!(verify(s.as_ref(), &second, b"GET", b"/b"), SEC_E_OUT_OF_SEQUENCE, "a replay");
        let _skipped = sign(c.as_ref(), b"GET", b"/c", 1024).unwrap();
        let fourth = sign(c.as_ref(), b"GET", b"/d", 1024).unwrap();
        assert_eq!(verify(s.as_ref(), &fourth, b"GET", b"/d"), SEC_E_OUT_OF_SEQUENCE, "nc skipped a number");
        // A fresh acceptor refuses the nc VerifySignature accepted (the credential's record).
        assert_eq!(step(server(&sc).as_ref(), None, &second, &[b"GET"]).0, SEC_E_LOGON_DENIED);
        // Roles: the client does not verify, the server does not sign.
        assert_eq!(verify(c.as_ref(), &second, b"GET", b"/b"), SEC_E_UNSUPPORTED_FUNCTION);
        assert_eq!(sign(s.as_ref(), b"GET", b"/b", 1024), Err(SEC_E_UNSUPPORTED_FUNCTION));
    }
}

/// The five input buffers of "Input Buffers for the Digest Challenge Response" (the SPN and the
/// channel bindings read-only): taken, and the two last ignored.
#[test]
fn the_windows_input_layout_with_target_host_and_bindings() {
    let cc = cred("alice", "digest.test", "s3cret", false);
    let sc = cred("alice", "digest.test", "s3cret", true);
    let ch = challenge(&sc, "MD5");
    let c = client(&cc);
    let mut inb = OwnedBuffers::new(vec![
        (SECBUFFER_TOKEN, ch),
        (SECBUFFER_PKG_PARAMS, b"GET".to_vec()),
        (SECBUFFER_PKG_PARAMS, Vec::new()),
        (SECBUFFER_TARGET_HOST | SECBUFFER_READONLY, b"HTTP/www.digest.test".to_vec()),
        (SECBUFFER_CHANNEL_BINDINGS | SECBUFFER_READONLY, vec![0u8; 32]),
    ]);
    let mut out = OwnedBuffers::new(vec![(SECBUFFER_TOKEN, vec![0u8; 4096])]);
    let r = OwnedBuffers::with_pair(Some(&mut inb), &mut out, |i, o| {
        c.step(StepIo { flags: REQ_HTTP, target: Some("/x"), input: i, output: Some(o), credential: None })
    })
    .unwrap()
    .unwrap();
    assert_eq!(r.status, SEC_E_OK);
    let auth = out.bytes(0).to_vec();
    assert!(text(&auth).contains("uri=\"/x\""));
    assert_eq!(step(server(&sc).as_ref(), None, &auth, &[b"GET"]).0, SEC_E_OK);
}

#[test]
fn username_star_for_names_a_quoted_string_cannot_carry() {
    // RFC 7616 3.4.4: a client may name the user in an RFC 8187 ext-value instead.
    let user = "J\u{e4}s\u{f8}n Doe";
    let sc = cred(user, "digest.test", "s3cret", true);
    let cc = cred(user, "digest.test", "s3cret", false);
    // Without userhash (our client hashes whenever the server offers it), then rewritten.
    let ch = text(&challenge(&sc, "SHA-256")).replace(", userhash=true", "").replace("userhash=true", "");
    assert!(!ch.contains("userhash"), "{ch}");
    let (st, auth) = authorization(&cc, ch.as_bytes(), b"GET", b"", "/");
    assert_eq!(st, SEC_E_OK);
    let plain = text(&auth);
    let quoted = format!("username=\"{user}\"");
    assert!(plain.contains(&quoted), "{plain}");
    let star = plain.replace(&quoted, "username*=UTF-8''J%C3%A4s%C3%B8n%20Doe");
    let params: &[&[u8]] = &[b"GET", b"", b"", b"", b"SHA-256"];
    assert_eq!(step(server(&sc).as_ref(), None, star.as_bytes(), params).0, SEC_E_OK);
    // Both forms at once, username* with userhash, and a bad ext-value are malformed.
    let (_, auth) = authorization(&cc, ch.as_bytes(), b"GET", b"", "/");
    let both = text(&auth).replace(&quoted, &format!("{quoted}, username*=UTF-8''x"));
    assert_eq!(step(server(&sc).as_ref(), None, both.as_bytes(), params).0, SEC_E_INVALID_TOKEN);
    let (_, auth) = authorization(&cc, ch.as_bytes(), b"GET", b"", "/");
    let hashed = text(&auth).replace(&quoted, "username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, userhash=true");
    assert_eq!(step(server(&sc).as_ref(), None, hashed.as_bytes(), params).0, SEC_E_INVALID_TOKEN);
    let (_, auth) = authorization(&cc, ch.as_bytes(), b"GET", b"", "/");
    let latin1 = text(&auth).replace(&quoted, "username*=ISO-8859-1''J%E4s%F8n%20Doe");
    assert_eq!(step(server(&sc).as_ref(), None, latin1.as_bytes(), params).0, SEC_E_INVALID_TOKEN);
    // Another user's name in username* is that user (unknown here).
    let (_, auth) = authorization(&cc, ch.as_bytes(), b"GET", b"", "/");
    let other = text(&auth).replace(&quoted, "username*=UTF-8''Jason%20Doe");
    assert_eq!(step(server(&sc).as_ref(), None, other.as_bytes(), params).0, SEC_E_LOGON_DENIED);
}
