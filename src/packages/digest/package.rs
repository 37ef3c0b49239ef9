//! The "WDigest" SSPI package: SASL mode (RFC 2831 DIGEST-MD5: the
//! digest-challenge, digest-response and rspauth, and the auth-int and
//! auth-conf layers behind the message functions) and HTTP mode
//! (`ISC_REQ_HTTP` / `ASC_REQ_HTTP`, RFC 7616: MD5, MD5-sess, SHA-256,
//! SHA-256-sess; qop auth and auth-int; the buffers as Microsoft's
//! "InitializeSecurityContext (Digest)" / "AcceptSecurityContext (Digest)"
//! lay them out: TOKEN, then SECBUFFER_PKG_PARAMS — the method, H(entity)...).
//!
//! Client: an identity (user, realm in the domain field, password); the
//! target name is the digest-uri (`ldap/host.example.com`). Acceptor: the
//! identity given to it, and the users of `DIGEST_USER_FILE` in `htdigest`'s
//! format (`user:realm:hex(MD5(user:realm:password))`), so no clear-text
//! password need be stored; its realm is the identity's domain, else the
//! file's first realm.

use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

use super::directives::{Directives, Writer};
use super::rfc::{self, Cipher, Layer, TRAILER};
use crate::abi::*;
use crate::buffers::BufferDesc;
use crate::error::{SecError, SecResult};
use crate::gss::{self, WrapLayout};
use crate::handles::lock;
use crate::packages::{
    AcquireRequest, Attr, AuthData, AuthDataFormat, CredentialUse, Credentials, DecryptResult, PackageInfo, Registered,
    SecurityContext, SecurityPackage, SetAttr, Side, StepIo, StepResult,
};

pub const NAME: &str = "WDigest";

/// `fCapabilities` as Windows 10 reports WDigest's (TOKEN_ONLY, IMPERSONATION,
/// ACCEPT_WIN32_NAME, APPCONTAINER_CHECKS).
pub const CAPABILITIES: ULONG = SECPKG_FLAG_TOKEN_ONLY
    | SECPKG_FLAG_IMPERSONATION
    | SECPKG_FLAG_ACCEPT_WIN32_NAME
    | SECPKG_FLAG_APPCONTAINER_CHECKS;
const _: () = assert!(CAPABILITIES == 0x0080_0304);

/// `cbMaxToken` and `wRPCID` (RPC_C_AUTHN_DIGEST) as Windows reports them.
pub const MAX_TOKEN: ULONG = 4096;
pub const RPC_ID: u16 = 21;

/// `ISC_REQ_HTTP` / `ASC_REQ_HTTP` (Microsoft's "InitializeSecurityContext (Digest)"; mingw-w64
/// lacks them).
pub const REQ_HTTP: ULONG = 0x1000_0000;

/// The largest buffer we accept through the layer (maxbuf).
const MAXBUF: u32 = 65536;

pub struct Digest;
static DIGEST: Digest = Digest;

pub static REGISTERED: &[Registered] = &[Registered {
    info: PackageInfo {
        name: NAME,
        comment: "Digest Authentication for Windows",
        capabilities: CAPABILITIES,
        version: 1,
        rpc_id: RPC_ID,
        max_token: MAX_TOKEN,
    },
    package: &DIGEST,
}];

fn invalid(detail: &'static str) -> SecError {
    SecError::new(SEC_E_INVALID_TOKEN, detail)
}

struct User {
    name: String,
    realm: String,
    /// MD5(user:realm:password).
    hash: Zeroizing<[u8; 16]>,
    /// The password itself, when the identity gave it (HTTP's SHA-256 needs it).
    password: Option<Zeroizing<String>>,
}

pub struct DigestCredentials {
    usage: CredentialUse,
    client: Option<(String, String, Zeroizing<String>)>,
    users: Vec<User>,
    realm: String,
    /// HTTP: the highest nc seen per nonce (nonces are self-validating, so any context of
    /// this credential accepts them; this is what refuses a replay).
    seen_nc: Mutex<std::collections::HashMap<String, (u32, u64)>>,
}

impl DigestCredentials {
    /// HTTP: accept nc for a nonce only above the highest seen (any context of the
    /// credential); entries older than a nonce's lifetime are dropped.
    fn record_nc(&self, nonce: &str, nc: u32, made: u64) -> SecResult<()> {
        let mut seen = lock(&self.seen_nc);
        let now = now_secs();
        seen.retain(|_, (_, t)| now.saturating_sub(*t) <= NONCE_LIFETIME);
        let last = seen.entry(nonce.to_string()).or_insert((0, made));
        if nc <= last.0 {
            return Err(SecError::new(SEC_E_LOGON_DENIED, "a replayed nc for this nonce"));
        }
        last.0 = nc;
        Ok(())
    }
}

/// `DIGEST_USER_FILE`'s users (htdigest format); unreadable or malformed lines are skipped.
fn user_file() -> Vec<User> {
    let Some(path) = std::env::var_os("DIGEST_USER_FILE") else { return Vec::new() };
    let Ok(text) = std::fs::read_to_string(path) else { return Vec::new() };
    text.lines()
        .filter_map(|l| {
            let mut f = l.trim().splitn(3, ':');
            let (u, r, h) = (f.next()?, f.next()?, f.next()?);
            let bytes: Vec<u8> = (0..h.len())
                .step_by(2)
                .map(|i| h.get(i..i + 2).and_then(|x| u8::from_str_radix(x, 16).ok()))
                .collect::<Option<_>>()?;
            let hash: [u8; 16] = bytes.try_into().ok()?;
            Some(User { name: u.to_string(), realm: r.to_string(), hash: Zeroizing::new(hash), password: None })
        })
        .collect()
}

impl SecurityPackage for Digest {
    fn auth_data_format(&self) -> AuthDataFormat {
        AuthDataFormat::Identity
    }

    fn acquire_credentials(&self, req: AcquireRequest) -> SecResult<Arc<dyn Credentials>> {
        let identity = match &req.auth {
            AuthData::Identity(id) if !id.user.is_empty() => {
                Some((id.user.clone(), id.domain.clone(), id.password.clone()))
            }
            AuthData::Identity(_) | AuthData::Default => None,
            AuthData::Schannel(_) | AuthData::CredSsp { .. } => {
                return Err(SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "not an identity"))
            }
        };
        if req.usage.outbound && identity.is_none() {
            return Err(SecError::new(SEC_E_NO_CREDENTIALS, "Digest needs an identity to authenticate"));
        }
        let mut users = Vec::new();
        let mut realm = String::new();
        if req.usage.inbound {
            if let Some((u, d, p)) = &identity {
                users.push(User {
                    name: u.clone(),
                    realm: d.clone(),
                    hash: rfc::user_hash(u.as_bytes(), d.as_bytes(), p.as_bytes()),
                    password: Some(p.clone()),
                });
                realm = d.clone();
            }
            users.extend(user_file());
            if users.is_empty() {
                return Err(SecError::new(SEC_E_NO_CREDENTIALS, "no Digest users (an identity, or DIGEST_USER_FILE)"));
            }
            if realm.is_empty() {
                realm = users[0].realm.clone();
            }
        }
        Ok(Arc::new(DigestCredentials {
            usage: req.usage,
            client: identity.filter(|_| req.usage.outbound),
            users,
            realm,
            seen_nc: Mutex::new(std::collections::HashMap::new()),
        }))
    }
}

impl Credentials for DigestCredentials {
    fn new_context(&self, me: Arc<dyn Credentials>, side: Side) -> SecResult<Arc<dyn SecurityContext>> {
        match side {
            Side::Client if !self.usage.outbound => Err(SecError::new(SEC_E_NO_CREDENTIALS, "an inbound credential")),
            Side::Server if !self.usage.inbound => Err(SecError::new(SEC_E_NO_CREDENTIALS, "an outbound credential")),
            _ => {
                Ok(Arc::new(DigestContext { side, creds: me, state: Mutex::new(State::Start), start: now_filetime() }))
            }
        }
    }

    fn query(&self, attribute: ULONG) -> SecResult<Attr> {
        match (attribute, &self.client) {
            (SECPKG_CRED_ATTR_NAMES, Some((u, _, _))) => Ok(Attr::Names(u.clone())),
            (SECPKG_CRED_ATTR_NAMES, None) => Ok(Attr::Names(self.realm.clone())),
            _ => Err(SecError::unsupported("QueryCredentialsAttributes")),
        }
    }

    fn as_any(&self) -> &dyn core::any::Any {
        self
    }
}

enum State {
    Start,
    /// Client: our response went out; the server's rspauth comes next.
    SentResponse {
        expected: String,
        layer: Option<Layer>,
        user: String,
    },
    /// Server, HTTP: our challenge went out (kept for the record: nonces validate themselves).
    #[allow(dead_code)]
    HttpChallenge {
        nonce: String,
        opaque: String,
        realm: String,
        alg: rfc::HttpAlg,
    },
    /// Server: our challenge went out.
    SentChallenge {
        nonce: String,
    },
    Established {
        layer: Option<Layer>,
        user: String,
        /// HTTP: what later requests on this context are made or checked with.
        http: Option<Box<HttpSession>>,
    },
    Failed(SecError),
}

/// An HTTP Digest authentication, kept for the requests after the first (`MakeSignature`
/// on the client, `VerifySignature` on the server: Microsoft's "Authenticating Subsequent
/// Requests Using Microsoft Digest").
struct HttpSession {
    alg: rfc::HttpAlg,
    ha1: Zeroizing<String>,
    /// The username directive as sent (H(user:realm) under userhash).
    username: String,
    userhash: bool,
    realm: String,
    nonce: Vec<u8>,
    cnonce: Vec<u8>,
    opaque: Option<Vec<u8>>,
    qop: String,
    /// The last nc used (client) or accepted (server).
    nc: u32,
    /// Client: the rspauth the server's Authentication-Info should carry for the last request.
    rspauth: Option<String>,
}

impl HttpSession {
    /// The Authorization parameters of the next request (nc + 1).
    fn authorization(&mut self, method: &[u8], uri: &[u8], h_entity: &[u8]) -> Vec<u8> {
        self.nc = self.nc.wrapping_add(1);
        let nc = format!("{:08x}", self.nc);
        let (alg, ha1, qop) = (self.alg, &self.ha1, self.qop.as_str());
        let response = rfc::http_response_ha1(alg, ha1, method, uri, &self.nonce, &nc, &self.cnonce, qop, h_entity);
        self.rspauth = Some(rfc::http_response_ha1(alg, ha1, b"", uri, &self.nonce, &nc, &self.cnonce, qop, h_entity));
        let mut w = Writer::default()
            .quoted("username", self.username.as_bytes())
            .quoted("realm", self.realm.as_bytes())
            .quoted("nonce", &self.nonce)
            .quoted("uri", uri)
            .bare("algorithm", alg.name())
            .quoted("response", response.as_bytes())
            .bare("qop", qop)
            .bare("nc", &nc)
            .quoted("cnonce", &self.cnonce);
        if let Some(o) = &self.opaque {
            w = w.quoted("opaque", o);
        }
        if self.userhash {
            w = w.bare("userhash", "true");
        }
        w.finish()
    }
}

/// The user an HTTP Authorization names: `username` (H(user:realm) under userhash), or RFC
/// 7616's `username*` (an RFC 8187 ext-value, for names a quoted-string cannot carry; never
/// both, and never with userhash).
fn http_username(d: &Directives, userhash: bool) -> SecResult<String> {
    match (d.text("username"), d.get("username*")) {
        (Some(u), None) => Ok(u),
        (None, Some(ext)) if !userhash => super::directives::ext_value(ext),
        (None, Some(_)) => Err(invalid("username* with userhash=true")),
        (Some(_), Some(_)) => Err(invalid("both username and username*")),
        (None, None) => Err(invalid("no username")),
    }
}

/// nc: eight hex digits (RFC 7616 3.4).
fn parse_nc(text: &str) -> SecResult<u32> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid("nc is not 8 hex digits"));
    }
    u32::from_str_radix(text, 16).map_err(|_| invalid("nc is not 8 hex digits"))
}

pub struct DigestContext {
    side: Side,
    creds: Arc<dyn Credentials>,
    state: Mutex<State>,
    /// FILETIME of the context's creation (SECPKG_ATTR_LIFESPAN's start).
    start: u64,
}

/// Now as a FILETIME value.
fn now_filetime() -> u64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (d.as_secs() + 11_644_473_600) * 10_000_000 + u64::from(d.subsec_nanos()) / 100
}

/// HTTP nonces live this long (then the answer is a new challenge with stale=true).
const NONCE_LIFETIME: u64 = 300;

/// The process' key for self-validating HTTP nonces.
fn nonce_key() -> &'static [u8; 16] {
    static KEY: std::sync::OnceLock<[u8; 16]> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let mut k = [0u8; 16];
        let _ = crate::crypto::random(&mut k);
        k
    })
}

fn now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// A nonce that proves itself: its time, 8 random bytes (two challenges in one second differ,
/// so each client's nc counts from 1) and a MAC over them, the realm and the algorithm.
fn http_nonce(realm: &str, alg: rfc::HttpAlg, at: u64) -> (String, String) {
    let mut salt = [0u8; 8];
    let _ = crate::crypto::random(&mut salt);
    http_nonce_with(realm, alg, at, &salt)
}

fn http_nonce_with(realm: &str, alg: rfc::HttpAlg, at: u64, salt: &[u8; 8]) -> (String, String) {
    let t = at.to_be_bytes();
    let mac = crate::crypto::hmac_md5(nonce_key(), &[&t, salt, realm.as_bytes(), alg.name().as_bytes()]);
    let nonce = format!("{}{}{}", rfc::hex(&t), rfc::hex(salt), rfc::hex(&mac));
    (nonce.clone(), http_opaque(&nonce))
}

fn http_opaque(nonce: &str) -> String {
    rfc::hex(&crate::crypto::hmac_md5(nonce_key(), &[b"opaque", nonce.as_bytes()])[..8])
}

/// The time a nonce of ours was made, if it is one (for this realm and algorithm).
fn nonce_time(nonce: &str, realm: &str, alg: rfc::HttpAlg) -> Option<u64> {
    let t = u64::from_str_radix(nonce.get(..16)?, 16).ok()?;
    let salt: [u8; 8] = (0..8)
        .map(|i| nonce.get(16 + 2 * i..18 + 2 * i).and_then(|x| u8::from_str_radix(x, 16).ok()))
        .collect::<Option<Vec<u8>>>()?
        .try_into()
        .ok()?;
    let (expected, _) = http_nonce_with(realm, alg, t, &salt);
    crate::crypto::ct_eq(expected.as_bytes(), nonce.as_bytes()).then_some(t)
}

fn random_nonce() -> SecResult<String> {
    let mut b = [0u8; 18];
    crate::crypto::random(&mut b)?;
    Ok(rfc::hex(&b))
}

impl DigestContext {
    fn dcreds(&self) -> SecResult<&DigestCredentials> {
        self.creds.as_any().downcast_ref::<DigestCredentials>().ok_or(SecError::internal("not a Digest credential"))
    }

    fn client_step(&self, st: &mut State, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let allocate = io.flags & ISC_REQ_ALLOCATE_MEMORY != 0;
        let token = gss::input_token(io.input.as_deref())?.filter(|t| !t.is_empty());
        match std::mem::replace(st, State::Start) {
            State::Start => {
                let Some(challenge) = token else {
                    // SASL DIGEST-MD5 has no initial response: an empty one, and the challenge next.
                    gss::clear_token(io.output, allocate);
                    return Ok(StepResult { status: SEC_I_CONTINUE_NEEDED, attributes: 0, expiry: None });
                };
                let c = self.dcreds()?;
                let (user, domain, password) =
                    c.client.as_ref().ok_or(SecError::new(SEC_E_NO_CREDENTIALS, "no identity"))?;
                let d = Directives::parse(challenge)?;
                let nonce = d.get("nonce").ok_or(invalid("a digest-challenge without a nonce"))?.to_vec();
                if d.text("algorithm").is_none_or(|a| !a.eq_ignore_ascii_case("md5-sess")) {
                    return Err(invalid("a digest-challenge without algorithm=md5-sess"));
                }
                let qops = {
                    let q = d.list("qop");
                    if q.is_empty() {
                        vec!["auth".to_string()]
                    } else {
                        q
                    }
                };
                let ciphers: Vec<Cipher> =
                    Cipher::PREFERENCE.into_iter().filter(|c| d.list("cipher").iter().any(|x| x == c.name())).collect();
                let want_conf = io.flags & ISC_REQ_CONFIDENTIALITY != 0;
                let want_integ = want_conf || io.flags & ISC_REQ_INTEGRITY != 0;
                let has = |q: &str| qops.iter().any(|x| x == q);
                let (qop, cipher) = if want_conf && has("auth-conf") && !ciphers.is_empty() {
                    ("auth-conf", Some(ciphers[0]))
                } else if want_integ && has("auth-int") {
                    ("auth-int", None)
                } else if has("auth") {
                    ("auth", None)
                } else {
                    return Err(SecError::new(SEC_E_ALGORITHM_MISMATCH, "no quality of protection in common"));
                };
                let realm = if domain.is_empty() { d.text("realm").unwrap_or_default() } else { domain.clone() };
                let uri =
                    io.target.ok_or(SecError::new(SEC_E_TARGET_UNKNOWN, "Digest needs the digest-uri as target"))?;
                let cnonce = random_nonce()?;
                let uh = rfc::user_hash(user.as_bytes(), realm.as_bytes(), password.as_bytes());
                let ha1 = rfc::sasl_ha1(&uh, &nonce, cnonce.as_bytes(), None);
                let response =
                    rfc::sasl_response(&ha1, &nonce, "00000001", cnonce.as_bytes(), qop, uri.as_bytes(), false);
                let expected =
                    rfc::sasl_response(&ha1, &nonce, "00000001", cnonce.as_bytes(), qop, uri.as_bytes(), true);
                let mut w = Writer::default();
                if d.text("charset").is_some_and(|c| c.eq_ignore_ascii_case("utf-8")) {
                    w = w.bare("charset", "utf-8");
                }
                w = w
                    .quoted("username", user.as_bytes())
                    .quoted("realm", realm.as_bytes())
                    .quoted("nonce", &nonce)
                    .bare("nc", "00000001")
                    .quoted("cnonce", cnonce.as_bytes())
                    .quoted("digest-uri", uri.as_bytes())
                    .bare("maxbuf", &MAXBUF.to_string())
                    .bare("response", &response)
                    .bare("qop", qop);
                if let Some(c) = cipher {
                    w = w.bare("cipher", c.name());
                }
                let layer = (qop != "auth").then(|| Layer::new(&ha1, true, cipher));
                gss::write_token(io.output, &w.finish(), allocate)?;
                *st = State::SentResponse { expected, layer, user: user.clone() };
                Ok(StepResult { status: SEC_I_CONTINUE_NEEDED, attributes: ret_flags(qop, true), expiry: None })
            }
            State::SentResponse { expected, layer, user } => {
                let t = token.ok_or(invalid("no rspauth"))?;
                let d = Directives::parse(t)?;
                let got = d.text("rspauth").ok_or(invalid("no rspauth in the server's answer"))?;
                if !crate::crypto::ct_eq(got.as_bytes(), expected.as_bytes()) {
                    let e = SecError::new(SEC_E_MUTUAL_AUTH_FAILED, "the server's rspauth is wrong");
                    *st = State::Failed(e.clone());
                    return Err(e);
                }
                gss::clear_token(io.output, allocate);
                let attrs = match &layer {
                    Some(l) if l.confidential() => ret_flags("auth-conf", true),
                    Some(_) => ret_flags("auth-int", true),
                    None => ret_flags("auth", true),
                } | ISC_RET_MUTUAL_AUTH;
                *st = State::Established { layer, user, http: None };
                Ok(StepResult { status: SEC_E_OK, attributes: attrs, expiry: None })
            }
            State::Established { layer, user, http } => {
                *st = State::Established { layer, user, http };
                Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "the Digest exchange is complete"))
            }
            State::Failed(e) => {
                *st = State::Failed(e.clone());
                Err(e)
            }
            other @ (State::SentChallenge { .. } | State::HttpChallenge { .. }) => {
                *st = other;
                Err(SecError::internal("a server state on a client context"))
            }
        }
    }

    fn server_step(&self, st: &mut State, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let allocate = io.flags & ASC_REQ_ALLOCATE_MEMORY != 0;
        let token = gss::input_token(io.input.as_deref())?.filter(|t| !t.is_empty());
        let c = self.dcreds()?;
        match std::mem::replace(st, State::Start) {
            State::Start => {
                if token.is_some() {
                    return Err(invalid("DIGEST-MD5 has no initial response"));
                }
                let nonce = random_nonce()?;
                let w = Writer::default()
                    .quoted("realm", c.realm.as_bytes())
                    .quoted("nonce", nonce.as_bytes())
                    .quoted("qop", b"auth,auth-int,auth-conf")
                    .quoted("cipher", b"rc4-40,rc4-56,rc4")
                    .bare("maxbuf", &MAXBUF.to_string())
                    .bare("charset", "utf-8")
                    .bare("algorithm", "md5-sess");
                gss::write_token(io.output, &w.finish(), allocate)?;
                *st = State::SentChallenge { nonce };
                Ok(StepResult { status: SEC_I_CONTINUE_NEEDED, attributes: 0, expiry: None })
            }
            State::SentChallenge { nonce } => {
                let r = (|| -> SecResult<(String, State)> {
                    let d = Directives::parse(token.ok_or(invalid("no digest-response"))?)?;
                    let field = |n: &'static str| d.get(n).ok_or(invalid("a digest-response directive is missing"));
                    if field("nonce")? != nonce.as_bytes() {
                        return Err(SecError::new(SEC_E_LOGON_DENIED, "a digest-response to another nonce"));
                    }
                    if d.text("nc").as_deref() != Some("00000001") {
                        return Err(SecError::new(SEC_E_LOGON_DENIED, "nc must be 00000001 in an authentication"));
                    }
                    let qop = d.text("qop").unwrap_or_else(|| "auth".into()).to_ascii_lowercase();
                    let cipher = match qop.as_str() {
                        "auth" | "auth-int" => None,
                        "auth-conf" => {
                            Some(d.text("cipher").and_then(|c| Cipher::parse(&c.to_ascii_lowercase())).ok_or(
                                SecError::new(SEC_E_ALGORITHM_MISMATCH, "auth-conf without a cipher we offered"),
                            )?)
                        }
                        _ => return Err(SecError::new(SEC_E_ALGORITHM_MISMATCH, "a qop we did not offer")),
                    };
                    let user = d.text("username").ok_or(invalid("no username"))?;
                    let realm = d.text("realm").unwrap_or_default();
                    let entry = c
                        .users
                        .iter()
                        .find(|u| u.name == user && u.realm == realm)
                        .ok_or(SecError::new(SEC_E_LOGON_DENIED, "unknown user or realm"))?;
                    let cnonce = field("cnonce")?;
                    let uri = field("digest-uri")?;
                    let authzid = d.get("authzid");
                    let ha1 = rfc::sasl_ha1(&entry.hash, nonce.as_bytes(), cnonce, authzid);
                    let expected = rfc::sasl_response(&ha1, nonce.as_bytes(), "00000001", cnonce, &qop, uri, false);
                    if !crate::crypto::ct_eq(expected.as_bytes(), field("response")?) {
                        return Err(SecError::new(SEC_E_LOGON_DENIED, "wrong response (password)"));
                    }
                    let rspauth = rfc::sasl_response(&ha1, nonce.as_bytes(), "00000001", cnonce, &qop, uri, true);
                    let layer = (qop != "auth").then(|| Layer::new(&ha1, false, cipher));
                    let attrs_qop = qop.clone();
                    Ok((format!("rspauth={rspauth}|{attrs_qop}"), State::Established { layer, user, http: None }))
                })();
                match r {
                    Ok((answer, next)) => {
                        let (rsp, qop) = answer.split_once('|').expect("built above");
                        gss::write_token(io.output, rsp.as_bytes(), allocate)?;
                        *st = next;
                        Ok(StepResult { status: SEC_E_OK, attributes: ret_flags(qop, false), expiry: None })
                    }
                    Err(e) => {
                        *st = State::Failed(e.clone());
                        Err(e)
                    }
                }
            }
            State::Failed(e) => {
                *st = State::Failed(e.clone());
                Err(e)
            }
            other => {
                *st = other;
                Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "the Digest exchange is complete"))
            }
        }
    }

    /// HTTP, client: the challenge in TOKEN, the method and H(entity) in the first two
    /// SECBUFFER_PKG_PARAMS buffers (Microsoft's "Input Buffers for the Digest Challenge
    /// Response"), the request-URI as the target name; the Authorization parameters out, and
    /// SEC_E_OK (one leg). Later, on the same context: the server's Authentication-Info in
    /// TOKEN checks its rspauth (`SEC_E_MUTUAL_AUTH_FAILED` when wrong); a new challenge (a
    /// stale nonce) answers it afresh; `MakeSignature` makes the next request's Authorization.
    fn http_client_step(&self, st: &mut State, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let allocate = io.flags & ISC_REQ_ALLOCATE_MEMORY != 0;
        let input = io.input.as_deref().ok_or(invalid("no input: the server's challenge"))?;
        let token = gss::input_token(Some(input))?.filter(|t| !t.is_empty()).ok_or(invalid("no Digest challenge"))?;
        let d = Directives::parse(token)?;
        match &*st {
            State::Start => {}
            State::Established { http: Some(s), .. } if d.get("rspauth").is_some() => {
                let ok = s.rspauth.as_deref().is_some_and(|e| {
                    d.text("rspauth").is_some_and(|got| crate::crypto::ct_eq(got.as_bytes(), e.as_bytes()))
                }) && d.text("nc").is_none_or(|nc| nc == format!("{:08x}", s.nc))
                    && d.get("cnonce").is_none_or(|c| c == s.cnonce.as_slice());
                if !ok {
                    return Err(SecError::new(SEC_E_MUTUAL_AUTH_FAILED, "the server's rspauth is wrong"));
                }
                gss::clear_token(io.output, allocate);
                return Ok(StepResult { status: SEC_E_OK, attributes: ISC_RET_MUTUAL_AUTH, expiry: None });
            }
            State::Established { http: Some(_), .. } if d.get("nonce").is_some() => {} // a new (stale) challenge
            _ => return Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "the Digest response was made")),
        }
        let params = pkg_params(input)?;
        let method = params.first().ok_or(invalid("no method (SECBUFFER_PKG_PARAMS)"))?;
        let h_entity = params.get(1).cloned().unwrap_or_default();
        let c = self.dcreds()?;
        let (user, domain, password) = c.client.as_ref().ok_or(SecError::new(SEC_E_NO_CREDENTIALS, "no identity"))?;
        let nonce = d.get("nonce").ok_or(invalid("a Digest challenge without a nonce"))?.to_vec();
        let realm = d.text("realm").unwrap_or_else(|| domain.clone());
        let alg = match d.text("algorithm") {
            None => rfc::HttpAlg::Md5,
            Some(a) => {
                rfc::HttpAlg::parse(&a).ok_or(SecError::new(SEC_E_ALGORITHM_MISMATCH, "an unknown Digest algorithm"))?
            }
        };
        let qops = d.list("qop");
        let has = |q: &str| qops.iter().any(|x| x == q);
        let want_integ = io.flags & ISC_REQ_INTEGRITY != 0;
        let qop = if has("auth-int") && (want_integ || !has("auth")) {
            "auth-int"
        } else if has("auth") {
            "auth"
        } else {
            return Err(SecError::new(SEC_E_ALGORITHM_MISMATCH, "no qop in common (RFC 2069 digests are not made)"));
        };
        let uri = io.target.ok_or(SecError::new(SEC_E_TARGET_UNKNOWN, "the target name is the request-URI"))?;
        let cnonce = random_nonce()?.into_bytes();
        let secret = rfc::HttpSecret::Password(password.as_bytes());
        let ha1 = rfc::http_ha1(alg, user.as_bytes(), realm.as_bytes(), secret, &nonce, &cnonce)
            .ok_or(SecError::internal("a password always gives H(A1)"))?;
        let userhash = d.text("userhash").is_some_and(|u| u.eq_ignore_ascii_case("true"));
        let username = if userhash { alg.h(&[user.as_bytes(), b":", realm.as_bytes()]) } else { user.clone() };
        let mut s = HttpSession {
            alg,
            ha1,
            username,
            userhash,
            realm,
            nonce,
            cnonce,
            opaque: d.get("opaque").map(<[u8]>::to_vec),
            qop: qop.to_string(),
            nc: 0,
            rspauth: None,
        };
        let authorization = s.authorization(method, uri.as_bytes(), &h_entity);
        gss::write_token(io.output, &authorization, allocate)?;
        *st = State::Established { layer: None, user: user.clone(), http: Some(Box::new(s)) };
        let attributes = if qop == "auth-int" { ISC_RET_INTEGRITY } else { 0 };
        Ok(StepResult { status: SEC_E_OK, attributes, expiry: None })
    }

    /// HTTP, server: without a token, the challenge — the realm from the fourth
    /// SECBUFFER_PKG_PARAMS buffer if given (else the credential's), the algorithm from a fifth
    /// (an sspi-rustls extension: "MD5", "MD5-sess", "SHA-256", "SHA-256-sess"; MD5 by default,
    /// as Windows); qop "auth", and "auth,auth-int" with ASC_REQ_INTEGRITY, REPLAY_DETECT or
    /// SEQUENCE_DETECT (Microsoft's "Generating the Digest Challenge"); userhash=true. With a
    /// token (the Authorization parameters), the check, with the method (first PKG_PARAMS),
    /// the request-URI if given (second) and H(entity) (third); the answer is the
    /// Authentication-Info parameters (rspauth). Nonces are self-validating (a time and a MAC
    /// under a key of the process), so any context of the credential accepts an Authorization
    /// for one it issued — HTTP clients answer on a new connection — within five minutes; a
    /// right response to an older one gets a new challenge with stale=true ("Initial
    /// Authentication Using Microsoft Digest"). nc must grow per nonce (a replay is
    /// SEC_E_LOGON_DENIED).
    fn http_server_step(&self, st: &mut State, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let allocate = io.flags & ASC_REQ_ALLOCATE_MEMORY != 0;
        let c = self.dcreds()?;
        let input = io.input.as_deref();
        let token = gss::input_token(input)?.filter(|t| !t.is_empty()).map(<[u8]>::to_vec);
        let params = match input {
            Some(i) => pkg_params(i)?,
            None => Vec::new(),
        };
        match &*st {
            State::Start | State::HttpChallenge { .. } => {}
            State::Failed(e) => return Err(e.clone()),
            _ => return Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "the Digest exchange is complete")),
        }
        let realm = params
            .get(3)
            .filter(|r| !r.is_empty())
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .unwrap_or_else(|| c.realm.clone());
        let offered = match params.get(4).filter(|a| !a.is_empty()) {
            Some(a) => rfc::HttpAlg::parse(&String::from_utf8_lossy(a))
                .ok_or(SecError::invalid_parameter("an unknown Digest algorithm"))?,
            None => rfc::HttpAlg::Md5,
        };
        let integrity = io.flags & (ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT) != 0;
        let challenge = |st: &mut State, output, alg: rfc::HttpAlg, stale: bool| -> SecResult<StepResult> {
            let (nonce, opaque) = http_nonce(&realm, alg, now_secs());
            let mut w = Writer::default()
                .quoted("realm", realm.as_bytes())
                .quoted("qop", if integrity { b"auth,auth-int" } else { b"auth" })
                .bare("algorithm", alg.name())
                .quoted("nonce", nonce.as_bytes())
                .quoted("opaque", opaque.as_bytes())
                .bare("charset", "UTF-8")
                .bare("userhash", "true");
            if stale {
                w = w.bare("stale", "true");
            }
            gss::write_token(output, &w.finish(), allocate)?;
            *st = State::HttpChallenge { nonce, opaque, realm: realm.clone(), alg };
            Ok(StepResult { status: SEC_I_CONTINUE_NEEDED, attributes: 0, expiry: None })
        };
        let Some(token) = token else { return challenge(st, io.output, offered, false) };
        let d = Directives::parse(&token)?;
        let field = |n: &'static str| d.get(n).ok_or(invalid("an Authorization parameter is missing"));
        let alg = match d.text("algorithm") {
            None => rfc::HttpAlg::Md5,
            Some(a) => {
                rfc::HttpAlg::parse(&a).ok_or(SecError::new(SEC_E_ALGORITHM_MISMATCH, "an unknown algorithm"))?
            }
        };
        let r = (|| -> SecResult<Option<(Vec<u8>, String, HttpSession)>> {
            if d.text("realm").as_deref() != Some(realm.as_str()) {
                return Err(SecError::new(SEC_E_LOGON_DENIED, "an Authorization for another realm"));
            }
            let nonce = d.text("nonce").ok_or(invalid("no nonce"))?;
            let made =
                nonce_time(&nonce, &realm, alg).ok_or(SecError::new(SEC_E_LOGON_DENIED, "not a nonce of ours"))?;
            if d.get("opaque").is_some_and(|o| o != http_opaque(&nonce).as_bytes()) {
                return Err(SecError::new(SEC_E_LOGON_DENIED, "the opaque of another challenge"));
            }
            let qop = d.text("qop").ok_or(invalid("no qop (RFC 2069 digests are refused)"))?.to_ascii_lowercase();
            if qop != "auth" && qop != "auth-int" {
                return Err(SecError::new(SEC_E_ALGORITHM_MISMATCH, "a qop we did not offer"));
            }
            let nc_text = d.text("nc").ok_or(invalid("no nc"))?;
            let nc = parse_nc(&nc_text)?;
            let method = params.first().ok_or(invalid("no method (SECBUFFER_PKG_PARAMS)"))?;
            let h_entity = params.get(2).cloned().unwrap_or_default();
            let uri = field("uri")?;
            if params.get(1).is_some_and(|u| !u.is_empty() && u.as_slice() != uri) {
                return Err(SecError::new(SEC_E_LOGON_DENIED, "the uri is not the request's"));
            }
            let userhash = d.text("userhash").is_some_and(|u| u.eq_ignore_ascii_case("true"));
            let sent = http_username(&d, userhash)?;
            let entry = c
                .users
                .iter()
                .filter(|u| u.realm == realm)
                .find(|u| {
                    if userhash {
                        alg.h(&[u.name.as_bytes(), b":", realm.as_bytes()]).eq_ignore_ascii_case(&sent)
                    } else {
                        u.name == sent
                    }
                })
                .ok_or(SecError::new(SEC_E_LOGON_DENIED, "unknown user"))?;
            let secret = match &entry.password {
                Some(p) => rfc::HttpSecret::Password(p.as_bytes()),
                None => rfc::HttpSecret::StoredMd5(&entry.hash),
            };
            let cnonce = field("cnonce")?;
            let ha1 = rfc::http_ha1(alg, entry.name.as_bytes(), realm.as_bytes(), secret, nonce.as_bytes(), cnonce)
                .ok_or(SecError::new(SEC_E_LOGON_DENIED, "no SHA-256 digest from an htdigest (MD5) entry"))?;
            let expected =
                rfc::http_response_ha1(alg, &ha1, method, uri, nonce.as_bytes(), &nc_text, cnonce, &qop, &h_entity);
            if !crate::crypto::ct_eq(expected.as_bytes(), field("response")?) {
                return Err(SecError::new(SEC_E_LOGON_DENIED, "wrong response (password)"));
            }
            // The password is right: an old nonce is only stale.
            if now_secs().saturating_sub(made) > NONCE_LIFETIME {
                return Ok(None);
            }
            c.record_nc(&nonce, nc, made)?;
            let rspauth =
                rfc::http_response_ha1(alg, &ha1, b"", uri, nonce.as_bytes(), &nc_text, cnonce, &qop, &h_entity);
            let info = Writer::default()
                .quoted("rspauth", rspauth.as_bytes())
                .bare("qop", &qop)
                .bare("nc", &nc_text)
                .quoted("cnonce", cnonce)
                .finish();
            let session = HttpSession {
                alg,
                ha1,
                username: sent,
                userhash,
                realm: realm.clone(),
                nonce: nonce.into_bytes(),
                cnonce: cnonce.to_vec(),
                opaque: d.get("opaque").map(<[u8]>::to_vec),
                qop: qop.clone(),
                nc,
                rspauth: None,
            };
            Ok(Some((info, entry.name.clone(), session)))
        })();
        match r {
            Ok(Some((info, user, session))) => {
                gss::write_token(io.output, &info, allocate)?;
                let attributes = if session.qop == "auth-int" { ASC_RET_INTEGRITY } else { 0 };
                *st = State::Established { layer: None, user, http: Some(Box::new(session)) };
                Ok(StepResult { status: SEC_E_OK, attributes, expiry: None })
            }
            Ok(None) => challenge(st, io.output, alg, true),
            Err(e) => {
                *st = State::Failed(e.clone());
                Err(e)
            }
        }
    }

    /// HTTP, client `MakeSignature`: the next request's Authorization (nc + 1) into TOKEN, from
    /// the SECBUFFER_PKG_PARAMS buffers method, request-URI, H(entity) (Microsoft's
    /// MakeSignature documentation for the Digest SSP).
    fn http_sign(&self, s: &mut HttpSession, m: &mut BufferDesc<'_>) -> SecResult<()> {
        let token = m.token_slot().ok_or(invalid("no TOKEN buffer for the Authorization"))?;
        let params = pkg_params(m)?;
        let method = params.first().filter(|p| !p.is_empty()).ok_or(invalid("no method (SECBUFFER_PKG_PARAMS)"))?;
        let uri = params.get(1).filter(|p| !p.is_empty()).ok_or(invalid("no request-URI (SECBUFFER_PKG_PARAMS)"))?;
        let h_entity = params.get(2).cloned().unwrap_or_default();
        m.bytes_mut(token)?; // writable before an nc is spent
        let before = (s.nc, s.rspauth.take());
        let auth = s.authorization(method, uri, &h_entity);
        if m.buffer_len(token) < auth.len() {
            (s.nc, s.rspauth) = before;
            return Err(SecError::new(SEC_E_BUFFER_TOO_SMALL, "the TOKEN buffer is smaller than the Authorization"));
        }
        m.bytes_mut(token)?[..auth.len()].copy_from_slice(&auth);
        m.set_len(token, auth.len());
        Ok(())
    }

    /// HTTP, server `VerifySignature`: a later request's Authorization (TOKEN) on the
    /// established context, with method, request-URI and H(entity) in SECBUFFER_PKG_PARAMS;
    /// nc must be one more than the last (else `SEC_E_OUT_OF_SEQUENCE`, as Microsoft's
    /// "Protecting Messages Using Microsoft Digest" says); a wrong response is
    /// `SEC_E_MESSAGE_ALTERED`.
    fn http_verify(&self, s: &mut HttpSession, m: &mut BufferDesc<'_>) -> SecResult<ULONG> {
        let token = m.token_slot().ok_or(invalid("no TOKEN buffer with the Authorization"))?;
        let d = Directives::parse(m.bytes(token)?)?;
        let params = pkg_params(m)?;
        let method = params.first().filter(|p| !p.is_empty()).ok_or(invalid("no method (SECBUFFER_PKG_PARAMS)"))?;
        let h_entity = params.get(2).cloned().unwrap_or_default();
        let altered = |what| SecError::new(SEC_E_MESSAGE_ALTERED, what);
        let uri = d.get("uri").ok_or(invalid("no uri"))?;
        if params.get(1).is_some_and(|u| !u.is_empty() && u.as_slice() != uri) {
            return Err(altered("the uri is not the request's"));
        }
        if http_username(&d, s.userhash).ok().as_deref() != Some(s.username.as_str())
            || d.text("realm").as_deref() != Some(s.realm.as_str())
            || d.get("nonce") != Some(s.nonce.as_slice())
        {
            return Err(altered("another user, realm or nonce than the context's"));
        }
        let qop = d.text("qop").ok_or(invalid("no qop"))?.to_ascii_lowercase();
        if qop != "auth" && qop != "auth-int" {
            return Err(SecError::new(SEC_E_ALGORITHM_MISMATCH, "a qop we did not offer"));
        }
        let nc_text = d.text("nc").ok_or(invalid("no nc"))?;
        let nc = parse_nc(&nc_text)?;
        if Some(nc) != s.nc.checked_add(1) {
            return Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "nc is not one more than the last"));
        }
        let cnonce = d.get("cnonce").ok_or(invalid("no cnonce"))?;
        let expected = rfc::http_response_ha1(s.alg, &s.ha1, method, uri, &s.nonce, &nc_text, cnonce, &qop, &h_entity);
        if !d.get("response").is_some_and(|r| crate::crypto::ct_eq(expected.as_bytes(), r)) {
            return Err(altered("wrong response"));
        }
        s.nc = nc;
        if let Ok(c) = self.dcreds() {
            let nonce = String::from_utf8_lossy(&s.nonce).into_owned();
            let _ = c.record_nc(&nonce, nc, now_secs());
        }
        Ok(0)
    }

    fn with_layer<T>(&self, f: impl FnOnce(&mut Layer) -> SecResult<T>) -> SecResult<T> {
        match &mut *lock(&self.state) {
            State::Established { layer: Some(l), .. } => f(l),
            State::Established { layer: None, .. } => Err(SecError::unsupported("qop=auth: no security layer")),
            _ => Err(SecError::invalid_handle("the Digest exchange is not complete")),
        }
    }
}

/// The SECBUFFER_PKG_PARAMS buffers of an input descriptor, in order.
fn pkg_params(d: &BufferDesc<'_>) -> SecResult<Vec<Vec<u8>>> {
    (0..d.len()).filter(|&i| d.buffer_type(i) == SECBUFFER_PKG_PARAMS).map(|i| d.bytes(i).map(<[u8]>::to_vec)).collect()
}

/// The `*_RET_*` flags a qop gives.
fn ret_flags(qop: &str, client: bool) -> ULONG {
    let (integ, conf) = if client {
        (ISC_RET_INTEGRITY, ISC_RET_CONFIDENTIALITY)
    } else {
        (ASC_RET_INTEGRITY, ASC_RET_CONFIDENTIALITY)
    };
    match qop {
        "auth-conf" => integ | conf,
        "auth-int" => integ,
        _ => 0,
    }
}

/// The single DATA buffer of a message call (DIGEST-MD5 protects one contiguous buffer).
fn one_data(data: &[usize]) -> SecResult<usize> {
    match data {
        [d] => Ok(*d),
        _ => Err(SecError::unsupported("Digest protects exactly one DATA buffer")),
    }
}

impl SecurityContext for DigestContext {
    fn side(&self) -> Side {
        self.side
    }

    fn step(&self, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let mut st = lock(&self.state);
        match (self.side, io.flags & REQ_HTTP != 0) {
            (Side::Client, false) => self.client_step(&mut st, io),
            (Side::Server, false) => self.server_step(&mut st, io),
            (Side::Client, true) => self.http_client_step(&mut st, io),
            (Side::Server, true) => self.http_server_step(&mut st, io),
        }
    }

    fn encrypt(&self, qop: ULONG, m: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<SECURITY_STATUS> {
        let (token, data, padding) = gss::token_layout(m)?;
        let data = one_data(&data)?;
        if m.buffer_len(token) < TRAILER {
            return Err(SecError::new(SEC_E_BUFFER_TOO_SMALL, "the token buffer holds the 16-byte trailer"));
        }
        let sign_only = qop & SECQOP_WRAP_NO_ENCRYPT == SECQOP_WRAP_NO_ENCRYPT;
        m.bytes_mut(token)?; // writable before a sequence number is spent
        let trailer = self.with_layer(|l| {
            let msg = m.bytes_mut(data)?;
            Ok(l.seal(msg, sign_only))
        })?;
        m.bytes_mut(token)?[..TRAILER].copy_from_slice(&trailer);
        m.set_len(token, TRAILER);
        if let Some(p) = padding {
            m.set_len(p, 0); // RC4 is a stream cipher: no padding
        }
        Ok(SEC_E_OK)
    }

    fn decrypt(&self, m: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<DecryptResult> {
        let sealed = self.with_layer(|l| Ok(l.confidential()))?;
        match gss::wrap_layout(m, true)? {
            // The SASL wire order: the message, then the 16-byte trailer.
            WrapLayout::Stream { stream, data } => {
                let whole = m.original(stream);
                let len = m.buffer_len(stream).checked_sub(TRAILER).ok_or(invalid("shorter than the trailer"))?;
                let buf = m.bytes_mut(stream)?;
                let (msg, trailer) = buf.split_at_mut(len);
                let trailer = trailer.to_vec();
                self.with_layer(|l| l.open(msg, &trailer, sealed))?;
                m.set(data, SECBUFFER_DATA, whole.sub(0, len).ok_or(SecError::internal("inside the stream"))?);
                Ok(DecryptResult { status: SEC_E_OK, qop: if sealed { 0 } else { SECQOP_WRAP_NO_ENCRYPT } })
            }
            WrapLayout::Token { token, data, .. } => {
                let data = one_data(&data)?;
                let trailer = m.bytes(token)?.get(..TRAILER).ok_or(invalid("a token shorter than 16 bytes"))?.to_vec();
                let msg = m.bytes_mut(data)?;
                self.with_layer(|l| l.open(msg, &trailer, sealed))?;
                Ok(DecryptResult { status: SEC_E_OK, qop: if sealed { 0 } else { SECQOP_WRAP_NO_ENCRYPT } })
            }
        }
    }

    fn make_signature(&self, _qop: ULONG, m: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<()> {
        if let State::Established { http: Some(s), .. } = &mut *lock(&self.state) {
            if self.side != Side::Client {
                return Err(SecError::unsupported("HTTP Digest: the server verifies, the client signs"));
            }
            return self.http_sign(s, m);
        }
        let (token, data, _) = gss::token_layout(m)?;
        let data = one_data(&data)?;
        if m.buffer_len(token) < TRAILER {
            return Err(SecError::new(SEC_E_BUFFER_TOO_SMALL, "the token buffer holds the 16-byte MAC"));
        }
        m.bytes_mut(token)?; // writable before a sequence number is spent
        let trailer = self.with_layer(|l| {
            let mut copy = m.bytes(data)?.to_vec();
            Ok(l.seal(&mut copy, true))
        })?;
        m.bytes_mut(token)?[..TRAILER].copy_from_slice(&trailer);
        m.set_len(token, TRAILER);
        Ok(())
    }

    fn verify_signature(&self, m: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<ULONG> {
        if let State::Established { http: Some(s), .. } = &mut *lock(&self.state) {
            if self.side != Side::Server {
                return Err(SecError::unsupported("HTTP Digest: the server verifies, the client signs"));
            }
            return self.http_verify(s, m);
        }
        let (token, data, _) = gss::token_layout(m)?;
        let data = one_data(&data)?;
        let trailer = m.bytes(token)?.to_vec();
        let mut copy = m.bytes(data)?.to_vec();
        self.with_layer(|l| l.open(&mut copy, &trailer, false))?;
        Ok(0)
    }

    fn query(&self, attribute: ULONG) -> SecResult<Attr> {
        let st = lock(&self.state);
        let user = match &*st {
            State::Established { user, .. } => Some(user.clone()),
            _ => None,
        };
        match attribute {
            SECPKG_ATTR_SIZES => Ok(Attr::Sizes(SecPkgContext_Sizes {
                cbMaxToken: MAX_TOKEN,
                cbMaxSignature: TRAILER as ULONG,
                cbBlockSize: 1,
                cbSecurityTrailer: TRAILER as ULONG,
            })),
            SECPKG_ATTR_NAMES => user.map(Attr::Names).ok_or(SecError::invalid_handle("not authenticated yet")),
            SECPKG_ATTR_PACKAGE_INFO => Ok(Attr::PackageInfo(NAME)),
            // The context does not expire (an HTTP nonce does: then a stale=true challenge).
            SECPKG_ATTR_LIFESPAN => Ok(Attr::Lifespan(SecPkgContext_Lifespan {
                tsStart: TimeStamp::from_u64(self.start),
                tsExpiry: TimeStamp::from_u64(0x7FFF_FFFF_FFFF_FFFF),
            })),
            SECPKG_ATTR_NEGOTIATION_INFO => Ok(Attr::NegotiationInfo {
                package: NAME,
                state: if user.is_some() { SECPKG_NEGOTIATION_COMPLETE } else { SECPKG_NEGOTIATION_IN_PROGRESS },
            }),
            _ => Err(SecError::unsupported("attribute not supported by Digest")),
        }
    }

    fn set(&self, _attribute: SetAttr) -> SecResult<()> {
        Err(SecError::unsupported("SetContextAttributes"))
    }

    fn apply_control(&self, _token: &[u8]) -> SecResult<()> {
        Err(SecError::unsupported("ApplyControlToken"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buffers::OwnedBuffers;
    use crate::packages::Identity;

    fn cred(password: &str, inbound: bool) -> Arc<dyn Credentials> {
        let id = Identity {
            user: "alice".into(),
            domain: "digest.test".into(),
            password: Zeroizing::new(password.into()),
            package_list: None,
        };
        let usage = CredentialUse { inbound, outbound: !inbound };
        DIGEST.acquire_credentials(AcquireRequest { principal: None, usage, auth: AuthData::Identity(id) }).unwrap()
    }

    fn step(ctx: &dyn SecurityContext, target: Option<&str>, token: &[u8], params: &[&[u8]]) -> (i32, String) {
        let mut bufs = vec![(SECBUFFER_TOKEN, token.to_vec())];
        bufs.extend(params.iter().map(|p| (SECBUFFER_PKG_PARAMS, p.to_vec())));
        let mut inb = OwnedBuffers::new(bufs);
        let mut out = OwnedBuffers::new(vec![(SECBUFFER_TOKEN, vec![0u8; 4096])]);
        let r = OwnedBuffers::with_pair(Some(&mut inb), &mut out, |i, o| {
            ctx.step(StepIo { flags: REQ_HTTP, target, input: i, output: Some(o), credential: None })
        })
        .unwrap();
        match r {
            Ok(res) => (res.status, String::from_utf8_lossy(out.bytes(0)).into_owned()),
            Err(e) => (e.status, String::new()),
        }
    }

    /// A right response to a nonce older than its lifetime is answered with a new challenge
    /// with stale=true; a wrong one is refused as ever (stale only says the password was right).
    #[test]
    fn an_old_nonce_is_stale_only_with_the_right_password() {
        let sc = cred("s3cret", true);
        let (old, opaque) = http_nonce("digest.test", rfc::HttpAlg::Md5, now_secs() - NONCE_LIFETIME - 10);
        let ch = format!("realm=\"digest.test\",qop=\"auth\",nonce=\"{old}\",opaque=\"{opaque}\",algorithm=MD5");
        for (pw, want) in [("s3cret", SEC_I_CONTINUE_NEEDED), ("wrong", SEC_E_LOGON_DENIED)] {
            let cc = cred(pw, false);
            let c = cc.new_context(Arc::clone(&cc), Side::Client).unwrap();
            let (st, auth) = step(c.as_ref(), Some("/"), ch.as_bytes(), &[b"GET"]);
            assert_eq!(st, SEC_E_OK);
            let s = sc.new_context(Arc::clone(&sc), Side::Server).unwrap();
            let (st, out) = step(s.as_ref(), None, auth.as_bytes(), &[b"GET"]);
            assert_eq!(st, want, "{pw}");
            if st == SEC_I_CONTINUE_NEEDED {
                assert!(out.contains("stale=true") && !out.contains(&old), "{out}");
                // The client answers the new challenge on the same context, and it is accepted.
                let (st, auth2) = step(c.as_ref(), Some("/"), out.as_bytes(), &[b"GET"]);
                assert_eq!(st, SEC_E_OK);
                assert_eq!(step(s.as_ref(), None, auth2.as_bytes(), &[b"GET"]).0, SEC_E_OK);
            }
        }
        // A fresh nonce is not stale.
        let (fresh, opaque) = http_nonce("digest.test", rfc::HttpAlg::Md5, now_secs());
        let ch = format!("realm=\"digest.test\",qop=\"auth\",nonce=\"{fresh}\",opaque=\"{opaque}\"");
        let cc = cred("s3cret", false);
        let c = cc.new_context(Arc::clone(&cc), Side::Client).unwrap();
        let (_, auth) = step(c.as_ref(), Some("/"), ch.as_bytes(), &[b"GET"]);
        let s = sc.new_context(Arc::clone(&sc), Side::Server).unwrap();
        assert_eq!(step(s.as_ref(), None, auth.as_bytes(), &[b"GET"]).0, SEC_E_OK);
    }

    #[test]
    fn nc_is_eight_hex_digits() {
        assert_eq!(parse_nc("00000001").unwrap(), 1);
        assert_eq!(parse_nc("ffffffff").unwrap(), u32::MAX);
        for bad in ["1", "000000001", "0000000g", "+0000001", ""] {
            assert_eq!(parse_nc(bad).unwrap_err().status, SEC_E_INVALID_TOKEN, "{bad}");
        }
    }
}
