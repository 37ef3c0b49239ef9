//! A CredSSP context (MS-CSSP 3.1.5): the TLS handshake through an inner Schannel context,
//! then TSRequests inside TLS application data carrying the SPNEGO tokens of an inner
//! Negotiate context, the public-key binding, and the delegated TSCredentials.
//!
//! Client legs: the TLS handshake (ClientHello...; the last handshake call also sends the
//! first TSRequest), the SPNEGO tokens, then pubKeyAuth with the last SPNEGO token (as
//! Windows and pyspnego do for NTLM: the AUTHENTICATE message and the binding travel
//! together), then, once the server's binding checks, authInfo: `SEC_E_OK` with that last
//! token, which the caller must send. Server legs mirror them; its last call, given
//! authInfo, answers `SEC_E_OK` with no token.

use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

use super::tsrequest::{self, PasswordCreds, TsRequest, VERSION};
use super::CredSspCredentials;
use crate::abi::*;
use crate::buffers::{BufferDesc, OwnedBuffers};
use crate::error::{SecError, SecResult};
use crate::gss;
use crate::handles::lock;
use crate::packages::negotiate::context::NegotiateContext;
use crate::packages::{Attr, Credentials, DecryptResult, SecurityContext, SetAttr, Side, StepIo, StepResult};

/// Room for one inner token (Kerberos' largest, and a TLS flight).
const CAP: usize = 96 * 1024;

fn invalid(detail: &'static str) -> SecError {
    SecError::new(SEC_E_INVALID_TOKEN, detail)
}

/// Whether `b` holds one whole DER element (tag, length, content) at its start.
fn der_complete(b: &[u8]) -> bool {
    let Some(&first) = b.get(1) else { return false };
    let (header, len) = if first & 0x80 == 0 {
        (2, usize::from(first))
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || b.len() < 2 + n {
            return n == 0 || n > 4; // malformed: let the decoder say so
        }
        (2 + n, b[2..2 + n].iter().fold(0usize, |a, &x| a << 8 | usize::from(x)))
    };
    b.len() >= header + len
}

/// A TLS record cut short: how many more bytes it needs (0: unknown), for SECBUFFER_MISSING.
struct Incomplete(usize);

thread_local! {
    static MISSING: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

impl From<Incomplete> for SecError {
    fn from(i: Incomplete) -> SecError {
        MISSING.with(|m| m.set(i.0));
        SecError::new(SEC_E_INCOMPLETE_MESSAGE, "a TLS record is cut short")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Tls,
    /// SPNEGO tokens are flowing.
    Auth,
    /// Client: pubKeyAuth went out; the server's comes next.
    PubKeySent,
    /// Server: our pubKeyAuth went out; authInfo comes next.
    AwaitCreds,
    Done,
}

struct State {
    phase: Phase,
    failed: Option<SecError>,
    /// The peer's TSRequest version (the lower of it and ours is in force).
    peer_version: u32,
    /// Client: the clientNonce of version 5 and later.
    nonce: Option<Vec<u8>>,
    /// The server's SubjectPublicKey (from its certificate).
    public_key: Vec<u8>,
    /// Server: the delegated credentials (TSCredentials, decrypted), wiped on drop.
    delegated: Option<Zeroizing<Vec<u8>>>,
    delegated_user: Option<String>,
    attributes: ULONG,
    /// Server: a TSRequest with errorCode to send with the failure being returned.
    error_out: Vec<u8>,
    /// The input's last bytes this call did not use (SECBUFFER_EXTRA): TLS records after
    /// the TSRequest, the application's.
    extra: usize,
}

pub struct CredSspContext {
    side: Side,
    creds: Arc<dyn Credentials>,
    tls: Arc<dyn SecurityContext>,
    auth: Auth,
    state: Mutex<State>,
}

/// The authentication inside: SPNEGO (our Negotiate), or raw NTLM when the client's
/// identity restricts it to NTLM (`SEC_WINNT_AUTH_IDENTITY_EX` with `PackageList` "NTLM") —
/// what FreeRDP 2 servers expect, and what Windows' Negotiate acceptor takes too.
enum Auth {
    Negotiate(Arc<NegotiateContext>),
    Ntlm { ctx: Arc<dyn SecurityContext>, done: std::sync::atomic::AtomicBool },
}

impl Auth {
    fn context(&self) -> &dyn SecurityContext {
        match self {
            Auth::Negotiate(n) => n.as_ref(),
            Auth::Ntlm { ctx, .. } => ctx.as_ref(),
        }
    }
    fn mechanism_context(&self) -> Option<Arc<dyn SecurityContext>> {
        match self {
            Auth::Negotiate(n) => n.mechanism_context(),
            Auth::Ntlm { ctx, done } => done.load(std::sync::atomic::Ordering::Acquire).then(|| Arc::clone(ctx)),
        }
    }
    /// The package chosen inside (SECPKG_ATTR_NEGOTIATION_PACKAGE).
    fn package(&self) -> SecResult<&'static str> {
        match self {
            Auth::Negotiate(n) => match n.query(SECPKG_ATTR_NEGOTIATION_INFO)? {
                Attr::NegotiationInfo { package, .. } => Ok(package),
                _ => Err(SecError::internal("NEGOTIATION_INFO answered another value")),
            },
            Auth::Ntlm { .. } => Ok(crate::packages::ntlm::NAME),
        }
    }
}

/// The host part of a target name (`TERMSRV/host`, `HTTP/host:port`, `host`): what the TLS
/// client names (SNI, and the certificate check when the caller asks for one).
fn host_of(target: &str) -> &str {
    let t = target.split_once('/').map_or(target, |(_, h)| h);
    let t = t.split_once('@').map_or(t, |(h, _)| h);
    t.split_once(':').map_or(t, |(h, _)| h)
}

impl CredSspContext {
    pub fn new(side: Side, creds: Arc<dyn Credentials>) -> SecResult<Self> {
        let c = creds
            .as_any()
            .downcast_ref::<CredSspCredentials>()
            .ok_or(SecError::internal("not a CredSSP credential"))?;
        let tls = c.tls.new_context(Arc::clone(&c.tls), side)?;
        let auth = match &c.raw_ntlm {
            Some(n) => Auth::Ntlm { ctx: n.new_context(Arc::clone(n), side)?, done: Default::default() },
            None => Auth::Negotiate(Arc::new(NegotiateContext::new(side, Arc::clone(&c.auth)))),
        };
        Ok(CredSspContext {
            side,
            creds: Arc::clone(&creds),
            tls,
            auth,
            state: Mutex::new(State {
                phase: Phase::Tls,
                failed: None,
                peer_version: 0,
                nonce: None,
                public_key: Vec::new(),
                delegated: None,
                delegated_user: None,
                attributes: 0,
                error_out: Vec::new(),
                extra: 0,
            }),
        })
    }

    fn ccreds(&self) -> SecResult<&CredSspCredentials> {
        self.creds.as_any().downcast_ref::<CredSspCredentials>().ok_or(SecError::internal("not a CredSSP credential"))
    }

    /// One Schannel handshake call: (result, output records, the input's unused tail).
    fn tls_step(&self, flags: ULONG, target: Option<&str>, token: &[u8]) -> SecResult<(StepResult, Vec<u8>, Vec<u8>)> {
        let has_input = !token.is_empty() || self.side == Side::Server;
        let mut input = OwnedBuffers::new(vec![(SECBUFFER_TOKEN, token.to_vec()), (SECBUFFER_EMPTY, Vec::new())]);
        let mut output = OwnedBuffers::new(vec![(SECBUFFER_TOKEN, vec![0u8; CAP])]);
        let tls = &self.tls;
        let r = OwnedBuffers::with_pair(has_input.then_some(&mut input), &mut output, |i, o| {
            tls.step(StepIo { flags, target, input: i, output: Some(o), credential: None })
        })??;
        let out = if output.buffer_type(0) == SECBUFFER_TOKEN { output.bytes(0).to_vec() } else { Vec::new() };
        if r.status == SEC_E_INCOMPLETE_MESSAGE && input.buffer_type(1) == SECBUFFER_MISSING {
            return Err(Incomplete(input.count(1)).into());
        }
        let extra = if has_input && input.buffer_type(1) == SECBUFFER_EXTRA {
            let n = input.count(1).min(token.len());
            token[token.len() - n..].to_vec()
        } else {
            Vec::new()
        };
        Ok((r, out, extra))
    }

    /// Application data into TLS records (as many as the record size needs).
    fn tls_seal(&self, data: &[u8]) -> SecResult<Vec<u8>> {
        let sizes = match self.tls.query(SECPKG_ATTR_STREAM_SIZES)? {
            Attr::StreamSizes(s) => s,
            _ => return Err(SecError::internal("STREAM_SIZES answered another attribute")),
        };
        let (h, t, max) = (sizes.cbHeader as usize, sizes.cbTrailer as usize, sizes.cbMaximumMessage.max(1) as usize);
        let mut out = Vec::new();
        for chunk in data.chunks(max) {
            let mut m = OwnedBuffers::new(vec![
                (SECBUFFER_STREAM_HEADER, vec![0u8; h]),
                (SECBUFFER_DATA, chunk.to_vec()),
                (SECBUFFER_STREAM_TRAILER, vec![0u8; t]),
                (SECBUFFER_EMPTY, Vec::new()),
            ]);
            m.with_view(|d| self.tls.encrypt(0, d, 0))??;
            for i in 0..3 {
                out.extend_from_slice(m.bytes(i));
            }
        }
        Ok(out)
    }

    /// The TLS records of `records` opened until their data holds one whole DER element (a
    /// TSRequest): (the data, the records after it, unopened — the application's, such as
    /// RDP's next PDU sent right behind the last TSRequest), or `SEC_E_INCOMPLETE_MESSAGE`
    /// (nothing consumed) when a record is cut short.
    fn tls_open(&self, records: &[u8]) -> SecResult<(Vec<u8>, Vec<u8>)> {
        let mut rest = records.to_vec();
        let mut plain = Vec::new();
        while !rest.is_empty() && !der_complete(&plain) {
            let mut m = OwnedBuffers::new(vec![
                (SECBUFFER_DATA, rest.clone()),
                (SECBUFFER_EMPTY, Vec::new()),
                (SECBUFFER_EMPTY, Vec::new()),
                (SECBUFFER_EMPTY, Vec::new()),
            ]);
            let r = match m.with_view(|d| self.tls.decrypt(d, 0))? {
                Err(e) if e.status == SEC_E_INCOMPLETE_MESSAGE => {
                    let missing = (0..4).find(|&i| m.buffer_type(i) == SECBUFFER_MISSING).map_or(0, |i| m.count(i));
                    return Err(Incomplete(missing).into());
                }
                r => r?,
            };
            match r.status {
                SEC_E_OK | SEC_I_RENEGOTIATE => {}
                SEC_I_CONTEXT_EXPIRED => return Err(SecError::new(SEC_E_CONTEXT_EXPIRED, "the peer closed TLS")),
                SEC_E_INCOMPLETE_MESSAGE => {
                    let missing = (0..4).find(|&i| m.buffer_type(i) == SECBUFFER_MISSING).map_or(0, |i| m.count(i));
                    return Err(Incomplete(missing).into());
                }
                s => return Err(SecError::new(s, "DecryptMessage of a CredSSP record")),
            }
            let mut next = Vec::new();
            for i in 0..4 {
                match m.buffer_type(i) {
                    SECBUFFER_DATA => plain.extend_from_slice(m.bytes(i)),
                    SECBUFFER_EXTRA => {
                        let n = m.count(i).min(rest.len());
                        next = rest[rest.len() - n..].to_vec();
                    }
                    _ => {}
                }
            }
            if next.len() >= rest.len() {
                return Err(invalid("a TLS record that does not advance"));
            }
            rest = next;
        }
        Ok((plain, rest))
    }

    /// The peer's TSRequest from its records; its errorCode as our failure.
    fn receive(&self, st: &mut State, records: &[u8]) -> SecResult<TsRequest> {
        let (plain, rest) = self.tls_open(records)?;
        let plain = Zeroizing::new(plain);
        st.extra = rest.len();
        let req = TsRequest::decode(&plain)?;
        if let Some(code) = req.error_code {
            return Err(SecError::new(tsrequest::status_to_sec(code), "the peer's TSRequest reports an error"));
        }
        Ok(req)
    }

    /// One Negotiate step: (result, output token).
    fn auth_step(&self, flags: ULONG, target: Option<&str>, token: Option<&[u8]>) -> SecResult<(StepResult, Vec<u8>)> {
        let mut input = OwnedBuffers::new(token.map(|t| vec![(SECBUFFER_TOKEN, t.to_vec())]).unwrap_or_default());
        let mut output = OwnedBuffers::new(vec![(SECBUFFER_TOKEN, vec![0u8; CAP])]);
        let auth = self.auth.context();
        let r = OwnedBuffers::with_pair(token.is_some().then_some(&mut input), &mut output, |i, o| {
            auth.step(StepIo { flags, target, input: i, output: Some(o), credential: None })
        })??;
        if let Auth::Ntlm { done, .. } = &self.auth {
            if r.status == SEC_E_OK {
                done.store(true, std::sync::atomic::Ordering::Release);
            }
        }
        let out = if output.buffer_type(0) == SECBUFFER_TOKEN { output.bytes(0).to_vec() } else { Vec::new() };
        Ok((r, out))
    }

    /// The inner mechanism's context once it has its keys (SPNEGO may still await its last
    /// token: NTLM's AUTHENTICATE is out, the server's mechListMIC not yet in).
    fn keyed(&self) -> Option<Arc<dyn SecurityContext>> {
        self.auth.mechanism_context()
    }

    /// `EncryptMessage` of the inner mechanism: the token, then the sealed data (what
    /// pubKeyAuth and authInfo carry).
    fn auth_seal(ctx: &Arc<dyn SecurityContext>, data: &[u8]) -> SecResult<Vec<u8>> {
        let trailer = match ctx.query(SECPKG_ATTR_SIZES)? {
            Attr::Sizes(s) => s.cbSecurityTrailer as usize,
            _ => return Err(SecError::internal("SIZES answered another attribute")),
        };
        let mut m = OwnedBuffers::new(vec![(SECBUFFER_TOKEN, vec![0u8; trailer]), (SECBUFFER_DATA, data.to_vec())]);
        let st = m.with_view(|d| ctx.encrypt(0, d, 0))??;
        if st != SEC_E_OK {
            return Err(SecError::new(st, "EncryptMessage inside CredSSP"));
        }
        Ok([m.bytes(0), m.bytes(1)].concat())
    }

    /// `DecryptMessage` of the inner mechanism on [STREAM, DATA].
    fn auth_open(ctx: &Arc<dyn SecurityContext>, blob: &[u8]) -> SecResult<Zeroizing<Vec<u8>>> {
        let mut m = OwnedBuffers::new(vec![(SECBUFFER_STREAM, blob.to_vec()), (SECBUFFER_DATA, Vec::new())]);
        m.with_view(|d| ctx.decrypt(d, 0))??;
        Ok(Zeroizing::new(m.bytes(1).to_vec()))
    }

    /// The inner contexts' flags; `req` is the caller's: ISC_REQ_MANUAL_CRED_VALIDATION there,
    /// or the credential's SCH_CRED_MANUAL_CRED_VALIDATION, leaves the certificate to the caller.
    fn client_flags(&self, req: ULONG) -> (ULONG, ULONG) {
        let manual =
            req & ISC_REQ_MANUAL_CRED_VALIDATION != 0 || self.ccreds().map(|c| c.manual_validation).unwrap_or(true);
        let tls = ISC_REQ_CONFIDENTIALITY
            | ISC_REQ_STREAM
            | ISC_REQ_REPLAY_DETECT
            | ISC_REQ_SEQUENCE_DETECT
            | if manual { ISC_REQ_MANUAL_CRED_VALIDATION } else { 0 };
        let auth = ISC_REQ_MUTUAL_AUTH
            | ISC_REQ_CONFIDENTIALITY
            | ISC_REQ_INTEGRITY
            | ISC_REQ_REPLAY_DETECT
            | ISC_REQ_SEQUENCE_DETECT;
        (tls, auth)
    }

    const SERVER_TLS: ULONG =
        ASC_REQ_CONFIDENTIALITY | ASC_REQ_STREAM | ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT;
    const SERVER_AUTH: ULONG = ASC_REQ_MUTUAL_AUTH
        | ASC_REQ_CONFIDENTIALITY
        | ASC_REQ_INTEGRITY
        | ASC_REQ_REPLAY_DETECT
        | ASC_REQ_SEQUENCE_DETECT;

    /// The server's SubjectPublicKey: the peer's certificate (client) or our own (server).
    fn server_public_key(&self) -> SecResult<Vec<u8>> {
        let attr =
            if self.side == Side::Client { SECPKG_ATTR_REMOTE_CERT_CONTEXT } else { SECPKG_ATTR_LOCAL_CERT_CONTEXT };
        match self.tls.query(attr)? {
            Attr::CertContext(c) => tsrequest::subject_public_key(c.der()),
            _ => Err(SecError::internal("the certificate attribute answered another value")),
        }
    }

    fn client_step(
        &self,
        st: &mut State,
        req: ULONG,
        target: Option<&str>,
        token: &[u8],
    ) -> SecResult<(SECURITY_STATUS, Vec<u8>)> {
        let (tls_flags, auth_flags) = self.client_flags(req);
        let auth_target = target;
        match st.phase {
            Phase::Tls => {
                let host = target.map(host_of);
                let (r, mut out, _extra) = self.tls_step(tls_flags, host, token)?;
                match r.status {
                    SEC_E_OK => {}
                    s => return Ok((s, out)),
                }
                // TLS is up: the first SPNEGO token in the first TSRequest, with the
                // handshake's last records.
                st.public_key = self.server_public_key()?;
                let (_, tok) = self.auth_step(auth_flags, auth_target, None)?;
                let mut req = TsRequest::new(VERSION);
                req.nego_tokens.push(tok);
                out.extend(self.tls_seal(&req.encode())?);
                st.phase = Phase::Auth;
                Ok((SEC_I_CONTINUE_NEEDED, out))
            }
            Phase::Auth => {
                let resp = self.receive(st, token)?;
                st.peer_version = resp.version;
                let nego = resp.nego_tokens.first().ok_or(invalid("a TSRequest without the server's token"))?;
                let (_, tok) = self.auth_step(auth_flags, auth_target, Some(nego))?;
                let mut req = TsRequest::new(VERSION);
                if !tok.is_empty() {
                    req.nego_tokens.push(tok);
                }
                if let Some(k) = self.keyed() {
                    // The keys exist: the binding goes with the last SPNEGO token.
                    let version = st.peer_version.min(VERSION);
                    if version >= 5 {
                        let mut n = vec![0u8; tsrequest::NONCE_LEN];
                        crate::crypto::random(&mut n)?;
                        st.nonce = Some(n);
                    }
                    let binding = tsrequest::pub_key_binding(version, &st.public_key, st.nonce.as_deref(), true);
                    req.pub_key_auth = Some(Self::auth_seal(&k, &binding)?);
                    req.client_nonce = st.nonce.clone();
                    st.phase = Phase::PubKeySent;
                } else if req.nego_tokens.is_empty() {
                    return Err(invalid("SPNEGO has nothing to send and no keys"));
                }
                Ok((SEC_I_CONTINUE_NEEDED, self.tls_seal(&req.encode())?))
            }
            Phase::PubKeySent => {
                let resp = self.receive(st, token)?;
                if let Some(t) = resp.nego_tokens.first() {
                    // SPNEGO's last word (accept-completed, the mechListMIC).
                    let (r, _) = self.auth_step(auth_flags, auth_target, Some(t))?;
                    if r.status != SEC_E_OK {
                        return Err(invalid("SPNEGO did not complete with the server's pubKeyAuth"));
                    }
                }
                let k = self.keyed().ok_or(invalid("the server answered before SPNEGO completed"))?;
                let blob = resp.pub_key_auth.ok_or(invalid("the server's TSRequest has no pubKeyAuth"))?;
                let got = Self::auth_open(&k, &blob)?;
                let version = st.peer_version.min(VERSION);
                let want = tsrequest::pub_key_binding(version, &st.public_key, st.nonce.as_deref(), false);
                if !crate::crypto::ct_eq(&got, &want) {
                    return Err(SecError::new(SEC_E_BAD_BINDINGS, "the server's pubKeyAuth does not match its key"));
                }
                let c = self.ccreds()?;
                let pc = match &c.identity {
                    Some(i) => PasswordCreds {
                        domain: i.domain.clone(),
                        user: i.user.clone(),
                        password: Zeroizing::new(i.password.as_str().to_string()),
                    },
                    None => PasswordCreds::default(),
                };
                let creds = pc.encode_credentials();
                let mut req = TsRequest::new(VERSION);
                req.auth_info = Some(Self::auth_seal(&k, &creds)?);
                let out = self.tls_seal(&Zeroizing::new(req.encode()))?;
                st.phase = Phase::Done;
                st.attributes = ISC_RET_CONFIDENTIALITY
                    | ISC_RET_INTEGRITY
                    | ISC_RET_REPLAY_DETECT
                    | ISC_RET_SEQUENCE_DETECT
                    | ISC_RET_STREAM
                    | ISC_RET_MUTUAL_AUTH
                    | ISC_RET_DELEGATE;
                Ok((SEC_E_OK, out))
            }
            Phase::AwaitCreds | Phase::Done => {
                Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "the CredSSP exchange is over"))
            }
        }
    }

    /// A TSRequest carrying errorCode, for a peer of a version that reads it (3, 4, 6+).
    fn error_records(&self, st: &State, e: &SecError) -> Vec<u8> {
        let v = st.peer_version.min(VERSION);
        if !(v == 3 || v == 4 || v >= 6) {
            return Vec::new();
        }
        let mut req = TsRequest::new(VERSION);
        req.error_code = Some(tsrequest::sec_to_status(e.status));
        self.tls_seal(&req.encode()).unwrap_or_default()
    }

    fn server_step(&self, st: &mut State, token: &[u8]) -> SecResult<(SECURITY_STATUS, Vec<u8>)> {
        match st.phase {
            Phase::Tls => {
                let (r, mut out, extra) = self.tls_step(Self::SERVER_TLS, None, token)?;
                match r.status {
                    SEC_E_OK => {}
                    s => return Ok((s, out)),
                }
                st.public_key = self.server_public_key()?;
                st.phase = Phase::Auth;
                if !extra.is_empty() {
                    // The client's first TSRequest came with its last handshake records.
                    let (s, more) = self.server_step(st, &extra)?;
                    out.extend(more);
                    return Ok((s, out));
                }
                Ok((SEC_I_CONTINUE_NEEDED, out))
            }
            Phase::Auth => {
                let req = self.receive(st, token)?;
                st.peer_version = req.version;
                let mut out_tok = Vec::new();
                if let Some(t) = req.nego_tokens.first() {
                    match self.auth_step(Self::SERVER_AUTH, None, Some(t)) {
                        Ok((_, tok)) => out_tok = tok,
                        Err(e) => {
                            st.error_out = self.error_records(st, &e);
                            return Err(e);
                        }
                    }
                }
                let mut resp = TsRequest::new(VERSION);
                let Some(blob) = req.pub_key_auth else {
                    resp.nego_tokens.push(out_tok);
                    return Ok((SEC_I_CONTINUE_NEEDED, self.tls_seal(&resp.encode())?));
                };
                let k = self.keyed().ok_or(invalid("pubKeyAuth before the keys exist"))?;
                let version = req.version.min(VERSION);
                if version >= 5 && req.client_nonce.is_none() {
                    return Err(invalid("a version 5+ pubKeyAuth without its clientNonce"));
                }
                let got = Self::auth_open(&k, &blob)?;
                let want = tsrequest::pub_key_binding(version, &st.public_key, req.client_nonce.as_deref(), true);
                if !crate::crypto::ct_eq(&got, &want) {
                    return Err(SecError::new(SEC_E_BAD_BINDINGS, "the client's pubKeyAuth binds another key"));
                }
                let answer = tsrequest::pub_key_binding(version, &st.public_key, req.client_nonce.as_deref(), false);
                resp.pub_key_auth = Some(Self::auth_seal(&k, &answer)?);
                if !out_tok.is_empty() {
                    resp.nego_tokens.push(out_tok);
                }
                st.phase = Phase::AwaitCreds;
                Ok((SEC_I_CONTINUE_NEEDED, self.tls_seal(&resp.encode())?))
            }
            Phase::AwaitCreds => {
                let req = self.receive(st, token)?;
                let blob = req.auth_info.ok_or(invalid("the client's last TSRequest has no authInfo"))?;
                let k = self.keyed().ok_or(SecError::internal("keys after pubKeyAuth"))?;
                let creds = Self::auth_open(&k, &blob)?;
                let parsed = PasswordCreds::decode_credentials(&creds)?;
                st.delegated_user = Some(if parsed.domain.is_empty() {
                    parsed.user.clone()
                } else {
                    format!("{}\\{}", parsed.domain, parsed.user)
                });
                st.delegated = Some(creds);
                st.phase = Phase::Done;
                st.attributes = ASC_RET_CONFIDENTIALITY
                    | ASC_RET_INTEGRITY
                    | ASC_RET_REPLAY_DETECT
                    | ASC_RET_SEQUENCE_DETECT
                    | ASC_RET_STREAM
                    | ASC_RET_MUTUAL_AUTH
                    | ASC_RET_DELEGATE;
                Ok((SEC_E_OK, Vec::new()))
            }
            Phase::PubKeySent | Phase::Done => {
                Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "the CredSSP exchange is over"))
            }
        }
    }
}

impl SecurityContext for CredSspContext {
    fn side(&self) -> Side {
        self.side
    }

    fn step(&self, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let allocate = io.flags & ISC_REQ_ALLOCATE_MEMORY != 0;
        let mut st = lock(&self.state);
        if let Some(e) = &st.failed {
            return Err(e.clone());
        }
        let token = gss::input_token(io.input.as_deref())?.unwrap_or_default().to_vec();
        MISSING.with(|m| m.set(0));
        st.extra = 0;
        if self.side == Side::Server && token.is_empty() {
            return Err(invalid("AcceptSecurityContext (CredSSP) needs the client's token"));
        }
        let r = match self.side {
            Side::Client => self.client_step(&mut st, io.flags, io.target, &token),
            Side::Server => self.server_step(&mut st, &token),
        };
        let mut input = io.input;
        let mark_missing = |input: &mut Option<&mut BufferDesc<'_>>| {
            // SECBUFFER_MISSING in the caller's first EMPTY buffer, as Schannel reports it.
            if let Some(d) = input.as_deref_mut() {
                if let Some(i) = d.find(SECBUFFER_EMPTY) {
                    d.set_count(i, SECBUFFER_MISSING, MISSING.with(|m| m.get()));
                }
            }
        };
        match r {
            Ok((status, out)) => {
                if status == SEC_E_INCOMPLETE_MESSAGE {
                    MISSING.with(|m| m.set(0));
                    mark_missing(&mut input);
                    return Ok(StepResult { status, attributes: 0, expiry: None });
                }
                if out.is_empty() {
                    gss::clear_token(io.output, allocate);
                } else {
                    gss::write_token(io.output, &out, allocate)?;
                }
                if st.extra > 0 {
                    // What follows the TSRequest is the application's: SECBUFFER_EXTRA, as
                    // Schannel reports unused input, in the input's first EMPTY buffer.
                    if let Some(d) = input.as_deref_mut() {
                        if let Some(i) = d.find(SECBUFFER_EMPTY) {
                            d.set_count(i, SECBUFFER_EXTRA, st.extra);
                        }
                    }
                }
                Ok(StepResult { status, attributes: st.attributes, expiry: None })
            }
            Err(e) if e.status == SEC_E_INCOMPLETE_MESSAGE => {
                mark_missing(&mut input);
                Ok(StepResult { status: e.status, attributes: 0, expiry: None })
            }
            Err(e) => {
                // What must still reach the peer (a TSRequest with errorCode) goes out.
                let out = core::mem::take(&mut st.error_out);
                if !out.is_empty() {
                    let _ = gss::write_token(io.output, &out, allocate);
                }
                st.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    fn encrypt(&self, qop: ULONG, message: &mut BufferDesc<'_>, seq: ULONG) -> SecResult<SECURITY_STATUS> {
        self.done()?;
        self.tls.encrypt(qop, message, seq)
    }

    fn decrypt(&self, message: &mut BufferDesc<'_>, seq: ULONG) -> SecResult<DecryptResult> {
        self.done()?;
        self.tls.decrypt(message, seq)
    }

    fn query(&self, attribute: ULONG) -> SecResult<Attr> {
        let st = lock(&self.state);
        let done = st.phase == Phase::Done;
        match attribute {
            SECPKG_ATTR_PACKAGE_INFO => Ok(Attr::PackageInfo(super::NAME)),
            SECPKG_ATTR_NEGOTIATION_INFO => Ok(Attr::NegotiationInfo {
                package: super::NAME,
                state: if done { SECPKG_NEGOTIATION_COMPLETE } else { SECPKG_NEGOTIATION_IN_PROGRESS },
            }),
            // The package SPNEGO chose inside (Microsoft: a SecPkgContext_PackageInfo).
            SECPKG_ATTR_NEGOTIATION_PACKAGE => Ok(Attr::PackageInfo(self.auth.package()?)),
            SECPKG_ATTR_SERVER_AUTH_FLAGS => Ok(Attr::Flags(CREDSSP_SERVER_AUTH_NEGOTIATE)),
            SECPKG_ATTR_CREDS => match (&st.delegated, self.side) {
                (Some(c), Side::Server) => Ok(Attr::ClientCreds(c.to_vec())),
                (_, Side::Client) => Err(SecError::unsupported("SECPKG_ATTR_CREDS is the server's")),
                _ => Err(SecError::invalid_handle("the credentials have not arrived yet")),
            },
            SECPKG_ATTR_NAMES | SECPKG_ATTR_NATIVE_NAMES | SECPKG_ATTR_LIFESPAN | SECPKG_ATTR_SESSION_KEY => {
                self.auth.context().query(attribute)
            }
            SECPKG_ATTR_FLAGS => Ok(Attr::Flags(st.attributes)),
            SECPKG_ATTR_SIZES => {
                // The TLS channel's, as Windows' CredSSP answers after the exchange.
                match self.tls.query(SECPKG_ATTR_STREAM_SIZES)? {
                    Attr::StreamSizes(s) => Ok(Attr::Sizes(SecPkgContext_Sizes {
                        cbMaxToken: super::MAX_TOKEN,
                        cbMaxSignature: 0,
                        cbBlockSize: s.cbBlockSize,
                        cbSecurityTrailer: s.cbHeader + s.cbTrailer,
                    })),
                    _ => Err(SecError::internal("STREAM_SIZES answered another attribute")),
                }
            }
            _ => self.tls.query(attribute),
        }
    }

    fn set(&self, _attribute: SetAttr) -> SecResult<()> {
        Err(SecError::unsupported("SetContextAttributes (CredSSP)"))
    }

    fn apply_control(&self, _token: &[u8]) -> SecResult<()> {
        Err(SecError::unsupported("ApplyControlToken (CredSSP)"))
    }

    fn on_delete(&self) {
        let mut st = lock(&self.state);
        st.delegated = None; // wiped (Zeroizing)
        st.delegated_user = None;
        drop(st);
        self.tls.on_delete();
        self.auth.context().on_delete();
    }
}

impl CredSspContext {
    fn done(&self) -> SecResult<()> {
        match lock(&self.state).phase {
            Phase::Done => Ok(()),
            _ => Err(SecError::invalid_handle("the CredSSP exchange is not complete")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn host_names_of_targets() {
        assert_eq!(host_of("TERMSRV/rdp.example.test"), "rdp.example.test");
        assert_eq!(host_of("HTTP/winrm.example.test:5986"), "winrm.example.test");
        assert_eq!(host_of("host.example.test"), "host.example.test");
        assert_eq!(host_of("TERMSRV/host@EXAMPLE.TEST"), "host");
    }
}
