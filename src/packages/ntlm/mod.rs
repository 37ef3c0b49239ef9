//! The NTLM package (MS-NLMP): NTLMv2 with extended session security, key
//! exchange, the MIC and channel bindings, as initiator and acceptor.
//!
//! * `messages`: the NEGOTIATE / CHALLENGE / AUTHENTICATE codec;
//! * `crypto`: NTOWFv2, the NTLMv2 response, the session keys, the MIC;
//! * `seal`: signing and sealing state after authentication;
//! * `users`: the acceptor's user database and the default credential.
//!
//! NTLMv1 and LM are refused on both sides (as Windows does with
//! LmCompatibilityLevel 5); session security without extended session
//! security is not implemented.

pub mod crypto;
pub mod messages;
pub mod seal;
pub mod users;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use self::messages::*;
use self::seal::{MsgParts, SealState, SIGNATURE_LEN};
use self::users::UserEntry;
use crate::abi::*;
use crate::buffers::BufferDesc;
use crate::crypto::Key16;
use crate::error::{SecError, SecResult};
use crate::gss::{self, WrapLayout};
use crate::handles::lock;
use crate::packages::{
    AcquireRequest, Attr, AuthData, AuthDataFormat, Credentials, DecryptResult, PackageInfo, Registered,
    SecurityContext, SecurityPackage, SetAttr, Side, StepIo, StepResult,
};

/// The package name.
pub const NAME: &str = "NTLM";

/// `fCapabilities` Windows reports for NTLM (0x00082B37). Wine's conformance
/// test (`dlls/secur32/tests/ntlm.c`, run against Windows) expects its
/// NTLM_BASE_CAPS (INTEGRITY, PRIVACY, TOKEN_ONLY, CONNECTION, MULTI_REQUIRED,
/// IMPERSONATION, ACCEPT_WIN32_NAME, NEGOTIABLE, LOGON = 0x2B37) plus, on
/// newer Windows, RESTRICTED_TOKENS (and optionally READONLY_WITH_CHECKSUM /
/// APPCONTAINER_CHECKS); 0x82B37 is base | RESTRICTED_TOKENS.
pub const CAPABILITIES: ULONG = SECPKG_FLAG_INTEGRITY
    | SECPKG_FLAG_PRIVACY
    | SECPKG_FLAG_TOKEN_ONLY
    | SECPKG_FLAG_CONNECTION
    | SECPKG_FLAG_MULTI_REQUIRED
    | SECPKG_FLAG_IMPERSONATION
    | SECPKG_FLAG_ACCEPT_WIN32_NAME
    | SECPKG_FLAG_NEGOTIABLE
    | SECPKG_FLAG_LOGON
    | SECPKG_FLAG_RESTRICTED_TOKENS;
const _: () = assert!(CAPABILITIES == 0x00082B37);

/// `cbMaxToken` Windows reports for NTLM since Vista (XP said 1904): Wine's
/// `dlls/secur32/tests/ntlm.c` accepts exactly those two in SecPkgInfo and
/// SECPKG_ATTR_SIZES (with cbMaxSignature 16, cbSecurityTrailer 16,
/// cbBlockSize 0).
pub const MAX_TOKEN: ULONG = 2888;

/// `wRPCID`: RPC_C_AUTHN_WINNT.
pub const RPC_ID: u16 = 10;

/// The NTLM package object.
pub struct Ntlm;

static NTLM: Ntlm = Ntlm;

/// NTLM's registration.
pub static REGISTERED: &[Registered] = &[Registered {
    info: PackageInfo {
        name: NAME,
        comment: "NTLM Security Package",
        capabilities: CAPABILITIES,
        version: 1,
        rpc_id: RPC_ID,
        max_token: MAX_TOKEN,
    },
    package: &NTLM,
}];

impl SecurityPackage for Ntlm {
    fn auth_data_format(&self) -> AuthDataFormat {
        AuthDataFormat::Identity
    }

    fn acquire_credentials(&self, req: AcquireRequest) -> SecResult<Arc<dyn Credentials>> {
        Ok(Arc::new(NtlmCredentials::new(req)?))
    }
}

/// "Never expires".
const NEVER: u64 = 0x7FFF_FFFF_FFFF_FFFF;

/// How far (in 100 ns units) the response's timestamp may be from now: 36
/// hours, MS-NLMP's MaxLifetime default.
const MAX_SKEW: u64 = 36 * 3600 * 10_000_000;

/// Now as a FILETIME value.
fn now_filetime() -> u64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (d.as_secs() + 11_644_473_600) * 10_000_000 + u64::from(d.subsec_nanos()) / 100
}

/// This machine's name: the DNS host name and its NetBIOS form (first
/// label, upper case, at most 15 characters).
fn host_names() -> &'static (String, String) {
    // Read once per process, as Windows reads its computer name at boot: every CHALLENGE
    // carries these names, and a file read per handshake cost more than its cryptography.
    static NAMES: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let dns = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "localhost".to_owned());
        let nb: String = dns.split('.').next().unwrap_or("LOCALHOST").to_uppercase().chars().take(15).collect();
        (dns, nb)
    })
}

fn qualified(domain: &str, user: &str) -> String {
    if domain.is_empty() {
        user.to_owned()
    } else {
        format!("{domain}\\{user}")
    }
}

fn random<const N: usize>() -> SecResult<[u8; N]> {
    let mut b = [0u8; N];
    crate::crypto::random(&mut b)?;
    Ok(b)
}

/// An NTLM credential handle's object.
pub struct NtlmCredentials {
    inbound: bool,
    outbound: bool,
    /// The identity given to AcquireCredentialsHandle, or the default one
    /// (outbound: the user file's first entry).
    identity: Option<UserEntry>,
    /// The last NTOWFv2 computed through this credential, with what it was computed from
    /// (NT hash, user, domain, exactly): a client computes the same one at every handshake,
    /// an acceptor mostly does too. Wiped with the credential.
    ntowf_cache: Mutex<Option<(Key16, String, String, Key16)>>,
}

impl NtlmCredentials {
    fn new(req: AcquireRequest) -> SecResult<Self> {
        let identity = match req.auth {
            AuthData::Identity(id) => {
                if let Some(list) = &id.package_list {
                    let listed = list.split(',').map(str::trim).any(|p| p.eq_ignore_ascii_case(NAME) || p.is_empty());
                    if !listed {
                        return Err(SecError::new(SEC_E_NO_CREDENTIALS, "PackageList does not name NTLM"));
                    }
                }
                Some(UserEntry { nt_hash: crypto::nt_hash(&id.password), user: id.user, domain: id.domain })
            }
            AuthData::Default => None,
            AuthData::Schannel(_) | AuthData::CredSsp { .. } => {
                return Err(SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "not an NTLM identity"))
            }
        };
        let identity = match identity {
            Some(i) => Some(i),
            None if req.usage.outbound => Some(
                users::from_env()
                    .into_iter()
                    .next()
                    .ok_or(SecError::new(SEC_E_NO_CREDENTIALS, "no identity and no NTLM_USER_FILE entry"))?,
            ),
            None => None,
        };
        Ok(Self { inbound: req.usage.inbound, outbound: req.usage.outbound, identity, ntowf_cache: Mutex::new(None) })
    }

    /// NTOWFv2 (MS-NLMP 3.3.2) of `nt_hash` for `user` and `domain`, from the cache when it
    /// was the last one computed.
    fn ntowf_v2(&self, nt_hash: &Key16, user: &str, domain: &str) -> Key16 {
        if let Some((h, u, d, k)) = &*lock(&self.ntowf_cache) {
            if crypto::ct_eq(&h.0, &nt_hash.0) && u == user && d == domain {
                return Key16(k.0);
            }
        }
        // Computed without the lock: threads sharing the credential do not wait on the HMAC.
        let k = crypto::ntowf_v2(nt_hash, user, domain);
        *lock(&self.ntowf_cache) = Some((Key16(nt_hash.0), user.to_owned(), domain.to_owned(), Key16(k.0)));
        k
    }

    /// The users the acceptor accepts.
    fn acceptor_users(&self) -> Vec<UserEntry> {
        match &self.identity {
            Some(i) => vec![i.clone()],
            None => users::from_env(),
        }
    }
}

impl Credentials for NtlmCredentials {
    fn new_context(&self, me: Arc<dyn Credentials>, side: Side) -> SecResult<Arc<dyn SecurityContext>> {
        match side {
            Side::Client if !self.outbound => {
                Err(SecError::new(SEC_E_NO_CREDENTIALS, "credential is not for outbound use"))
            }
            Side::Server if !self.inbound => {
                Err(SecError::new(SEC_E_NO_CREDENTIALS, "credential is not for inbound use"))
            }
            _ => Ok(Arc::new(NtlmContext {
                side,
                creds: me,
                state: Mutex::new(match side {
                    Side::Client => State::ClientInitial,
                    Side::Server => State::ServerInitial,
                }),
                attributes: AtomicU32::new(0),
                start: now_filetime(),
            })),
        }
    }

    fn query(&self, attribute: ULONG) -> SecResult<Attr> {
        match attribute {
            SECPKG_CRED_ATTR_NAMES => match &self.identity {
                Some(i) => Ok(Attr::Names(qualified(&i.domain, &i.user))),
                None => Err(SecError::new(SEC_E_NO_CREDENTIALS, "acceptor credential without an identity")),
            },
            _ => Err(SecError::unsupported("QueryCredentialsAttributes: attribute not supported by NTLM")),
        }
    }

    fn as_any(&self) -> &dyn core::any::Any {
        self
    }
}

/// An authenticated context.
struct Established {
    flags: u32,
    /// Derived at the first message call (see [`Established::seal`]).
    seal: Option<SealState>,
    /// This end is the client (which direction is "send").
    client: bool,
    exported: Key16,
    /// `DOMAIN\user` of the client.
    client_name: String,
    /// The target (client side) or this host (server side).
    server_name: String,
}

impl Established {
    /// The signing and sealing keys and RC4 states, derived at the first message call: a
    /// context that only authenticates (most HTTP and SMB sessions) never pays for the four
    /// key derivations and two RC4 key schedules.
    fn seal(&mut self) -> &mut SealState {
        let (exported, flags, client) = (&self.exported, self.flags, self.client);
        self.seal.get_or_insert_with(|| SealState::new(exported, flags, client))
    }
}

enum State {
    ClientInitial,
    ClientWaitChallenge {
        negotiate: Vec<u8>,
        target: Option<String>,
    },
    ServerInitial,
    ServerWaitAuthenticate {
        negotiate: Vec<u8>,
        challenge: Vec<u8>,
        server_challenge: [u8; 8],
        flags: u32,
    },
    Established(Box<Established>),
    /// A failed step: the context is dead and answers this error.
    Failed(SecError),
}

/// An NTLM context handle's object.
pub struct NtlmContext {
    side: Side,
    creds: Arc<dyn Credentials>,
    state: Mutex<State>,
    attributes: AtomicU32,
    start: u64,
}

/// What the client offers in its NEGOTIATE.
const CLIENT_FLAGS: u32 = NEGOTIATE_UNICODE
    | NEGOTIATE_OEM
    | REQUEST_TARGET
    | NEGOTIATE_SIGN
    | NEGOTIATE_SEAL
    | NEGOTIATE_NTLM
    | NEGOTIATE_ALWAYS_SIGN
    | NEGOTIATE_EXTENDED_SESSIONSECURITY
    | NEGOTIATE_VERSION
    | NEGOTIATE_128
    | NEGOTIATE_KEY_EXCH
    | NEGOTIATE_56;

/// What the server echoes of a client's offer.
const SERVER_ECHOED: u32 = NEGOTIATE_SIGN
    | NEGOTIATE_SEAL
    | NEGOTIATE_ALWAYS_SIGN
    | NEGOTIATE_EXTENDED_SESSIONSECURITY
    | NEGOTIATE_IDENTIFY
    | NEGOTIATE_VERSION
    | NEGOTIATE_128
    | NEGOTIATE_KEY_EXCH
    | NEGOTIATE_56
    | REQUEST_TARGET;

/// ISC_REQ_* → ISC_RET_* we honour.
const ISC_MAP: &[(ULONG, ULONG)] = &[
    (ISC_REQ_REPLAY_DETECT, ISC_RET_REPLAY_DETECT),
    (ISC_REQ_SEQUENCE_DETECT, ISC_RET_SEQUENCE_DETECT),
    (ISC_REQ_CONFIDENTIALITY, ISC_RET_CONFIDENTIALITY),
    (ISC_REQ_INTEGRITY, ISC_RET_INTEGRITY),
    (ISC_REQ_CONNECTION, ISC_RET_CONNECTION),
    (ISC_REQ_ALLOCATE_MEMORY, ISC_RET_ALLOCATED_MEMORY),
    (ISC_REQ_EXTENDED_ERROR, ISC_RET_EXTENDED_ERROR),
    (ISC_REQ_IDENTIFY, ISC_RET_IDENTIFY),
    (ISC_REQ_USE_SUPPLIED_CREDS, ISC_RET_USED_SUPPLIED_CREDS),
];

/// ASC_REQ_* → ASC_RET_* we honour.
const ASC_MAP: &[(ULONG, ULONG)] = &[
    (ASC_REQ_REPLAY_DETECT, ASC_RET_REPLAY_DETECT),
    (ASC_REQ_SEQUENCE_DETECT, ASC_RET_SEQUENCE_DETECT),
    (ASC_REQ_CONFIDENTIALITY, ASC_RET_CONFIDENTIALITY),
    (ASC_REQ_INTEGRITY, ASC_RET_INTEGRITY),
    (ASC_REQ_CONNECTION, ASC_RET_CONNECTION),
    (ASC_REQ_ALLOCATE_MEMORY, ASC_RET_ALLOCATED_MEMORY),
    (ASC_REQ_EXTENDED_ERROR, ASC_RET_EXTENDED_ERROR),
    (ASC_REQ_IDENTIFY, ASC_RET_IDENTIFY),
];

impl NtlmContext {
    fn ntlm_creds(&self) -> SecResult<&NtlmCredentials> {
        self.creds.as_any().downcast_ref::<NtlmCredentials>().ok_or(SecError::internal("not an NTLM credential"))
    }

    fn client_step(&self, state: &mut State, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let allocate = io.flags & ISC_REQ_ALLOCATE_MEMORY != 0;
        let attributes = gss::map_flags(io.flags, ISC_MAP);
        let input = io.input.as_deref();
        match state {
            State::ClientInitial => {
                let negotiate =
                    Negotiate { flags: CLIENT_FLAGS, domain: vec![], workstation: vec![], version: None }.encode()?;
                gss::write_token(io.output, &negotiate, allocate)?;
                *state = State::ClientWaitChallenge { negotiate, target: io.target.map(str::to_owned) };
                Ok(StepResult { status: SEC_I_CONTINUE_NEEDED, attributes, expiry: Some(NEVER) })
            }
            State::ClientWaitChallenge { negotiate, target } => {
                let challenge_bytes = gss::input_token(input)?.ok_or(SecError::invalid_token("no CHALLENGE token"))?;
                let challenge = Challenge::parse(challenge_bytes)?;
                let bindings = gss::channel_bindings(input)?;
                let target = io.target.map(str::to_owned).or_else(|| target.clone());
                let id =
                    self.ntlm_creds()?.identity.clone().ok_or(SecError::new(SEC_E_NO_CREDENTIALS, "no identity"))?;
                let (auth, established) =
                    self.authenticate(negotiate, challenge_bytes, &challenge, &id, target.as_deref(), bindings)?;
                gss::write_token(io.output, &auth, allocate)?;
                *state = State::Established(Box::new(established));
                Ok(StepResult { status: SEC_E_OK, attributes, expiry: Some(NEVER) })
            }
            State::Established(_) => Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "NTLM context already complete")),
            State::Failed(e) => Err(e.clone()),
            _ => Err(SecError::internal("server state on a client context")),
        }
    }

    /// The client's AUTHENTICATE message and the established state.
    fn authenticate(
        &self,
        negotiate: &[u8],
        challenge_bytes: &[u8],
        challenge: &Challenge,
        id: &UserEntry,
        target: Option<&str>,
        bindings: Option<&[u8]>,
    ) -> SecResult<(Vec<u8>, Established)> {
        let unicode = challenge.flags & NEGOTIATE_UNICODE != 0;
        let flags = (challenge.flags & CLIENT_FLAGS & !(if unicode { NEGOTIATE_OEM } else { 0 })) | NEGOTIATE_NTLM;
        let mut av =
            if challenge.target_info.is_empty() { AvPairs::default() } else { AvPairs::parse(&challenge.target_info)? };
        let server_time = av.timestamp();
        let timestamp = server_time.unwrap_or_else(now_filetime);
        av.set(AV_FLAGS, (av.flags() | AV_FLAG_MIC_PRESENT).to_le_bytes().to_vec());
        let cb_hash = match bindings {
            Some(b) => {
                crypto::channel_bindings_hash(b).ok_or(SecError::invalid_token("malformed SEC_CHANNEL_BINDINGS"))?
            }
            None => [0; 16],
        };
        av.set(AV_CHANNEL_BINDINGS, cb_hash.to_vec());
        if let Some(t) = target.filter(|t| !t.is_empty()) {
            av.set(AV_TARGET_NAME, utf16(t));
        }
        let client_challenge: [u8; 8] = random()?;
        let key = self.ntlm_creds()?.ntowf_v2(&id.nt_hash, &id.user, &id.domain);
        let blob = crypto::client_blob(timestamp, &client_challenge, &av.encode()?);
        let proof = crypto::nt_proof(&key, &challenge.server_challenge, &blob);
        let mut nt_response = proof.to_vec();
        nt_response.extend_from_slice(&blob);
        // With a server timestamp the LM response is Z(24) (MS-NLMP 3.1.5.1.2).
        let lm_response = if server_time.is_some() {
            vec![0; 24]
        } else {
            crypto::lm_v2_response(&key, &challenge.server_challenge, &client_challenge)
        };
        let base = crypto::session_base_key(&key, &proof);
        let (exported, encrypted) = if flags & NEGOTIATE_KEY_EXCH != 0 {
            let exported = Key16(random()?);
            let enc = crypto::rc4_key(&base, &exported.0);
            (exported, enc.0.to_vec())
        } else {
            (base.clone(), Vec::new())
        };
        let workstation = &host_names().1;
        let msg = Authenticate {
            flags,
            lm_response,
            nt_response,
            domain: encode_str(&id.domain, unicode),
            user: encode_str(&id.user, unicode),
            workstation: encode_str(workstation, unicode),
            encrypted_session_key: encrypted,
            version: None,
            mic: None,
        };
        let mut auth = msg.encode()?;
        let mic = crypto::mic(&exported, negotiate, challenge_bytes, &auth);
        set_mic(&mut auth, &mic);
        let established = Established {
            flags,
            seal: None,
            client: true,
            exported,
            client_name: qualified(&id.domain, &id.user),
            server_name: target.unwrap_or_default().to_owned(),
        };
        Ok((auth, established))
    }

    fn server_step(&self, state: &mut State, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let allocate = io.flags & ASC_REQ_ALLOCATE_MEMORY != 0;
        let attributes = gss::map_flags(io.flags, ASC_MAP);
        let input = io.input.as_deref();
        match state {
            State::ServerInitial => {
                let negotiate_bytes = gss::input_token(input)?.ok_or(SecError::invalid_token("no NEGOTIATE token"))?;
                let negotiate = Negotiate::parse(negotiate_bytes)?;
                let charset = if negotiate.flags & NEGOTIATE_UNICODE != 0 { NEGOTIATE_UNICODE } else { NEGOTIATE_OEM };
                let flags = (negotiate.flags & SERVER_ECHOED)
                    | charset
                    | NEGOTIATE_NTLM
                    | NEGOTIATE_TARGET_INFO
                    | TARGET_TYPE_SERVER;
                let server_challenge: [u8; 8] = random()?;
                let (dns, nb) = host_names();
                let (dns, nb) = (dns.as_str(), nb.as_str());
                let info = AvPairs(vec![
                    AvPair { id: AV_NB_DOMAIN_NAME, value: utf16(nb) },
                    AvPair { id: AV_NB_COMPUTER_NAME, value: utf16(nb) },
                    AvPair { id: AV_DNS_DOMAIN_NAME, value: utf16(dns) },
                    AvPair { id: AV_DNS_COMPUTER_NAME, value: utf16(dns) },
                    AvPair { id: AV_TIMESTAMP, value: now_filetime().to_le_bytes().to_vec() },
                ]);
                let challenge = Challenge {
                    flags,
                    target_name: encode_str(nb, charset == NEGOTIATE_UNICODE),
                    server_challenge,
                    target_info: info.encode()?,
                    version: Some(Version::OURS),
                }
                .encode()?;
                gss::write_token(io.output, &challenge, allocate)?;
                *state = State::ServerWaitAuthenticate {
                    negotiate: negotiate_bytes.to_vec(),
                    challenge,
                    server_challenge,
                    flags,
                };
                Ok(StepResult { status: SEC_I_CONTINUE_NEEDED, attributes, expiry: Some(NEVER) })
            }
            State::ServerWaitAuthenticate { negotiate, challenge, server_challenge, flags } => {
                let auth_bytes = gss::input_token(input)?.ok_or(SecError::invalid_token("no AUTHENTICATE token"))?;
                let bindings = gss::channel_bindings(input)?;
                let result =
                    self.verify_authenticate(negotiate, challenge, server_challenge, *flags, auth_bytes, bindings);
                match result {
                    Ok(established) => {
                        gss::clear_token(io.output, allocate);
                        *state = State::Established(Box::new(established));
                        Ok(StepResult { status: SEC_E_OK, attributes, expiry: Some(NEVER) })
                    }
                    // A malformed message may be retried; a failed logon kills the context.
                    Err(e) if e.status == SEC_E_INVALID_TOKEN => Err(e),
                    Err(e) => {
                        *state = State::Failed(e.clone());
                        Err(e)
                    }
                }
            }
            State::Established(_) => Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "NTLM context already complete")),
            State::Failed(e) => Err(e.clone()),
            _ => Err(SecError::internal("client state on a server context")),
        }
    }

    /// Checks an AUTHENTICATE message (MS-NLMP 3.2.5.1.2).
    fn verify_authenticate(
        &self,
        negotiate: &[u8],
        challenge: &[u8],
        server_challenge: &[u8; 8],
        challenge_flags: u32,
        auth_bytes: &[u8],
        bindings: Option<&[u8]>,
    ) -> SecResult<Established> {
        let denied = |d| SecError::new(SEC_E_LOGON_DENIED, d);
        let auth = Authenticate::parse(auth_bytes)?;
        if auth.nt_response.is_empty() && auth.user.is_empty() {
            return Err(denied("anonymous NTLM logon refused"));
        }
        if auth.nt_response.len() == 24 {
            return Err(denied("NTLMv1 response refused"));
        }
        let response = NtlmV2Response::parse(&auth.nt_response)?;
        let unicode = challenge_flags & NEGOTIATE_UNICODE != 0;
        let user = decode_str(&auth.user, unicode)?;
        let domain = decode_str(&auth.domain, unicode)?;
        let known = self.ntlm_creds()?.acceptor_users();
        let entry = users::lookup(&known, &user, &domain).ok_or(denied("unknown user"))?;
        let key = self.ntlm_creds()?.ntowf_v2(&entry.nt_hash, &user, &domain);
        let proof = crypto::nt_proof(&key, server_challenge, response.blob);
        if !crypto::ct_eq(&proof, response.nt_proof) {
            return Err(denied("wrong password"));
        }
        let now = now_filetime();
        if response.timestamp.abs_diff(now) > MAX_SKEW {
            return Err(SecError::new(SEC_E_TIME_SKEW, "NTLMv2 response timestamp outside the allowed window"));
        }
        let flags = auth.flags & challenge_flags | (challenge_flags & (NEGOTIATE_UNICODE | NEGOTIATE_OEM));
        let base = crypto::session_base_key(&key, &proof);
        let exported = if flags & NEGOTIATE_KEY_EXCH != 0 {
            let enc: [u8; 16] = auth
                .encrypted_session_key
                .as_slice()
                .try_into()
                .map_err(|_| SecError::invalid_token("key exchange without a 16-byte session key"))?;
            crypto::rc4_key(&base, &enc)
        } else {
            base
        };
        if response.av_pairs.flags() & AV_FLAG_MIC_PRESENT != 0 {
            let mic = auth.mic.ok_or(SecError::invalid_token("MIC announced but absent"))?;
            let expected = crypto::mic(&exported, negotiate, challenge, &without_mic(auth_bytes));
            if !crypto::ct_eq(&expected, &mic) {
                return Err(denied("MIC does not verify"));
            }
        }
        if let Some(b) = bindings {
            let expected =
                crypto::channel_bindings_hash(b).ok_or(SecError::invalid_token("malformed SEC_CHANNEL_BINDINGS"))?;
            match response.av_pairs.get(AV_CHANNEL_BINDINGS) {
                Some(got) if crypto::ct_eq(got, &expected) => {}
                _ => return Err(SecError::new(SEC_E_BAD_BINDINGS, "channel bindings do not match")),
            }
        }
        let shown_domain = if !domain.is_empty() {
            domain.clone()
        } else if !entry.domain.is_empty() {
            entry.domain.clone()
        } else {
            host_names().1.clone()
        };
        Ok(Established {
            flags,
            seal: None,
            client: false,
            exported,
            client_name: qualified(&shown_domain, &user),
            server_name: host_names().0.clone(),
        })
    }

    /// Runs `f` on the established state.
    fn with_est<T>(&self, f: impl FnOnce(&mut Established) -> SecResult<T>) -> SecResult<T> {
        let mut st = lock(&self.state);
        match &mut *st {
            State::Established(e) => {
                if e.flags & NEGOTIATE_EXTENDED_SESSIONSECURITY == 0 {
                    return Err(SecError::unsupported("NTLM session security without extended session security"));
                }
                f(e.as_mut())
            }
            State::Failed(e) => Err(e.clone()),
            _ => Err(SecError::invalid_handle("the NTLM handshake is not complete")),
        }
    }
}

/// The DATA buffers of a message call, as signing/sealing parts.
struct DescParts<'d, 'b> {
    desc: &'d mut BufferDesc<'b>,
    data: Vec<usize>,
    sign_only: bool,
}

impl MsgParts for DescParts<'_, '_> {
    fn count(&self) -> usize {
        self.data.len()
    }
    fn part(&self, k: usize) -> SecResult<&[u8]> {
        self.desc.bytes(self.data[k])
    }
    fn part_mut(&mut self, k: usize) -> SecResult<&mut [u8]> {
        self.desc.bytes_mut(self.data[k])
    }
    fn encrypted(&self, k: usize) -> bool {
        !self.sign_only && gss::is_encrypted(self.desc, self.data[k])
    }
}

/// Reads the 16-byte signature at the start of buffer `i`.
fn read_signature(desc: &BufferDesc<'_>, i: usize) -> SecResult<[u8; SIGNATURE_LEN]> {
    let b = desc.bytes(i)?;
    b.get(..SIGNATURE_LEN)
        .and_then(|s| s.try_into().ok())
        .ok_or(SecError::invalid_token("signature token shorter than 16 bytes"))
}

/// Writes a signature into token buffer `i` (its length becomes 16).
fn write_signature(desc: &mut BufferDesc<'_>, i: usize, sig: &[u8; SIGNATURE_LEN]) -> SecResult<()> {
    let t = desc.bytes_mut(i)?;
    if t.len() < SIGNATURE_LEN {
        return Err(SecError::new(SEC_E_BUFFER_TOO_SMALL, "token buffer smaller than the 16-byte signature"));
    }
    t[..SIGNATURE_LEN].copy_from_slice(sig);
    desc.set_len(i, SIGNATURE_LEN);
    Ok(())
}

/// Checks, before any key state moves, that every buffer a signing or sealing call will
/// touch is there: the token writable and 16 bytes at least, each DATA buffer readable
/// (and writable when it is to be encrypted). A refused call then uses up no sequence
/// number and leaves the RC4 state and the caller's bytes as they were.
fn check_parts(desc: &mut BufferDesc<'_>, token: usize, data: &[usize], sign_only: bool) -> SecResult<()> {
    if desc.bytes_mut(token)?.len() < SIGNATURE_LEN {
        return Err(SecError::new(SEC_E_BUFFER_TOO_SMALL, "token buffer smaller than the 16-byte signature"));
    }
    for &i in data {
        if !sign_only && gss::is_encrypted(desc, i) {
            desc.bytes_mut(i)?;
        } else {
            desc.bytes(i)?;
        }
    }
    Ok(())
}

impl SecurityContext for NtlmContext {
    fn side(&self) -> Side {
        self.side
    }

    fn step(&self, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let mut st = lock(&self.state);
        let r = match self.side {
            Side::Client => self.client_step(&mut st, io),
            Side::Server => self.server_step(&mut st, io),
        }?;
        self.attributes.store(r.attributes, Ordering::Relaxed);
        Ok(r)
    }

    fn encrypt(&self, qop: ULONG, message: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<SECURITY_STATUS> {
        let sign_only = match qop {
            0 => false,
            SECQOP_WRAP_NO_ENCRYPT => true,
            _ => return Err(SecError::new(SEC_E_QOP_NOT_SUPPORTED, "unknown fQOP for NTLM")),
        };
        let (token, data, padding) = gss::token_layout(message)?;
        check_parts(message, token, &data, sign_only)?;
        let sig = self.with_est(|e| {
            if !sign_only && e.flags & NEGOTIATE_SEAL == 0 {
                return Err(SecError::unsupported("confidentiality was not negotiated"));
            }
            let mut parts = DescParts { desc: message, data, sign_only };
            if sign_only {
                e.seal().sign(&parts)
            } else {
                e.seal().seal(&mut parts)
            }
        })?;
        write_signature(message, token, &sig)?;
        if let Some(p) = padding {
            message.set_len(p, 0);
        }
        Ok(SEC_E_OK)
    }

    fn decrypt(&self, message: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<DecryptResult> {
        match gss::wrap_layout(message, true)? {
            WrapLayout::Stream { stream, data } => {
                let region = message.original(stream);
                if region.len() < SIGNATURE_LEN {
                    return Err(SecError::invalid_token("stream shorter than the 16-byte signature"));
                }
                let sig = read_signature(message, stream)?;
                let qop = self.with_est(|e| {
                    let blob = message.bytes_mut(stream)?;
                    let body = &mut blob[SIGNATURE_LEN..];
                    let parts: &mut [(&mut [u8], bool)] = &mut [(body, true)];
                    unseal_or_verify(e, parts, &sig)
                })?;
                let inner = region.tail(SIGNATURE_LEN).ok_or(SecError::internal("stream region"))?;
                message.set(data, SECBUFFER_DATA, inner);
                Ok(DecryptResult { status: SEC_E_OK, qop })
            }
            WrapLayout::Token { token, data, .. } => {
                let sig = read_signature(message, token)?;
                let qop = self.with_est(|e| {
                    let mut parts = DescParts { desc: message, data, sign_only: false };
                    unseal_or_verify(e, &mut parts, &sig)
                })?;
                Ok(DecryptResult { status: SEC_E_OK, qop })
            }
        }
    }

    fn reset_after_mech_list_mic(&self, outgoing: bool) {
        let _ = self.with_est(|e| {
            e.seal().reset(outgoing);
            Ok(())
        });
    }

    fn make_signature(&self, _qop: ULONG, message: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<()> {
        let (token, data, _) = gss::token_layout(message)?;
        check_parts(message, token, &data, true)?;
        let sig = self.with_est(|e| e.seal().sign(&DescParts { desc: message, data, sign_only: true }))?;
        write_signature(message, token, &sig)
    }

    fn verify_signature(&self, message: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<ULONG> {
        let (token, data, _) = gss::token_layout(message)?;
        let sig = read_signature(message, token)?;
        self.with_est(|e| e.seal().verify(&DescParts { desc: message, data, sign_only: true }, &sig))?;
        Ok(0)
    }

    fn query(&self, attribute: ULONG) -> SecResult<Attr> {
        let st = lock(&self.state);
        let est = match &*st {
            State::Established(e) => Some(e),
            _ => None,
        };
        let need = || est.ok_or(SecError::invalid_handle("the NTLM handshake is not complete"));
        match attribute {
            SECPKG_ATTR_SIZES => Ok(Attr::Sizes(SecPkgContext_Sizes {
                cbMaxToken: MAX_TOKEN,
                cbMaxSignature: SIGNATURE_LEN as ULONG,
                cbBlockSize: 0,
                cbSecurityTrailer: SIGNATURE_LEN as ULONG,
            })),
            SECPKG_ATTR_NAMES => Ok(Attr::Names(need()?.client_name.clone())),
            SECPKG_ATTR_NATIVE_NAMES => {
                let e = need()?;
                Ok(Attr::NativeNames { client: e.client_name.clone(), server: e.server_name.clone() })
            }
            SECPKG_ATTR_SESSION_KEY => Ok(Attr::SessionKey(need()?.exported.0.to_vec())),
            SECPKG_ATTR_LIFESPAN => Ok(Attr::Lifespan(SecPkgContext_Lifespan {
                tsStart: TimeStamp::from_u64(self.start),
                tsExpiry: TimeStamp::from_u64(NEVER),
            })),
            SECPKG_ATTR_FLAGS => Ok(Attr::Flags(self.attributes.load(Ordering::Relaxed))),
            SECPKG_ATTR_NEGOTIATION_INFO => Ok(Attr::NegotiationInfo {
                package: NAME,
                state: if est.is_some() { SECPKG_NEGOTIATION_COMPLETE } else { SECPKG_NEGOTIATION_IN_PROGRESS },
            }),
            SECPKG_ATTR_PACKAGE_INFO => Ok(Attr::PackageInfo(NAME)),
            _ => Err(SecError::unsupported("QueryContextAttributes: attribute not supported by NTLM")),
        }
    }

    fn set(&self, _attribute: SetAttr) -> SecResult<()> {
        Err(SecError::unsupported("SetContextAttributes: not supported by NTLM"))
    }

    fn apply_control(&self, _token: &[u8]) -> SecResult<()> {
        Err(SecError::unsupported("ApplyControlToken: not supported by NTLM"))
    }
}

/// Unseals a message, or, when it does not verify as sealed, verifies it as
/// signed only (`SECQOP_WRAP_NO_ENCRYPT`): the signature does not say which.
fn unseal_or_verify<P: MsgParts + ?Sized>(e: &mut Established, parts: &mut P, sig: &[u8]) -> SecResult<ULONG> {
    if e.flags & NEGOTIATE_SEAL != 0 {
        match e.seal().unseal(parts, sig) {
            Ok(()) => return Ok(0),
            Err(err) if err.status != SEC_E_MESSAGE_ALTERED => return Err(err),
            Err(err) => {
                let mut trial = e.seal().clone();
                if trial.verify(parts, sig).is_ok() {
                    *e.seal() = trial;
                    return Ok(SECQOP_WRAP_NO_ENCRYPT);
                }
                return Err(err);
            }
        }
    }
    e.seal().verify(parts, sig)?;
    Ok(SECQOP_WRAP_NO_ENCRYPT)
}
