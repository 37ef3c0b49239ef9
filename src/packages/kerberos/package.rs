//! The "Kerberos" SSPI package on top of the protocol modules: credentials
//! (a user identity with a password, the default ccache, a client keytab,
//! or an acceptor keytab), the token loop, messages and attributes.
//!
//! As on Windows, `AcquireCredentialsHandle` does not talk to the KDC: the
//! first `InitializeSecurityContext` does (AS exchange for an identity, TGS
//! exchange for the target), and tickets are cached in the credential.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use super::asn1::{PrincipalName, NT_PRINCIPAL, NT_SRV_HST, NT_SRV_INST};
use super::config::Config;
use super::context::{self, Established, InitiatorState, ReplayCache};
use super::kdc::{self, Creds, Secret};
use super::wrap::Protector;
use super::{ccache, keytab};
use crate::abi::*;
use crate::buffers::BufferDesc;
use crate::crypto::kerberos::{Enctype, Key};
use crate::error::{SecError, SecResult};
use crate::gss::{self, WrapLayout};
use crate::handles::lock;
use crate::packages::{
    AcquireRequest, Attr, AuthData, AuthDataFormat, Credentials, DecryptResult, PackageInfo, Registered,
    SecurityContext, SecurityPackage, SetAttr, Side, StepIo, StepResult,
};

pub const NAME: &str = "Kerberos";

/// `fCapabilities` of Windows' Kerberos package, as Wine's kerberos.dll
/// (written against Windows' behaviour) declares them.
pub const CAPABILITIES: ULONG = SECPKG_FLAG_INTEGRITY
    | SECPKG_FLAG_PRIVACY
    | SECPKG_FLAG_TOKEN_ONLY
    | SECPKG_FLAG_DATAGRAM
    | SECPKG_FLAG_CONNECTION
    | SECPKG_FLAG_MULTI_REQUIRED
    | SECPKG_FLAG_EXTENDED_ERROR
    | SECPKG_FLAG_IMPERSONATION
    | SECPKG_FLAG_ACCEPT_WIN32_NAME
    | SECPKG_FLAG_NEGOTIABLE
    | SECPKG_FLAG_GSS_COMPATIBLE
    | SECPKG_FLAG_LOGON
    | SECPKG_FLAG_MUTUAL_AUTH
    | SECPKG_FLAG_DELEGATION
    | SECPKG_FLAG_READONLY_WITH_CHECKSUM
    | SECPKG_FLAG_RESTRICTED_TOKENS
    | SECPKG_FLAG_APPCONTAINER_CHECKS;
const _: () = assert!(CAPABILITIES == 0x008F_3BBF);

/// `cbMaxToken`: Windows' Kerberos MaxTokenSize default since Windows 8 /
/// Server 2012 (48,000 bytes; it was 12,000 before).
pub const MAX_TOKEN: ULONG = 48000;

/// `wRPCID`: RPC_C_AUTHN_GSS_KERBEROS.
pub const RPC_ID: u16 = 16;

pub struct Kerberos;
static KERBEROS: Kerberos = Kerberos;

pub static REGISTERED: &[Registered] = &[Registered {
    info: PackageInfo {
        name: NAME,
        comment: "Microsoft Kerberos V1.0",
        capabilities: CAPABILITIES,
        version: 1,
        rpc_id: RPC_ID,
        max_token: MAX_TOKEN,
    },
    package: &KERBEROS,
}];

impl SecurityPackage for Kerberos {
    fn auth_data_format(&self) -> AuthDataFormat {
        AuthDataFormat::Identity
    }

    fn acquire_credentials(&self, req: AcquireRequest) -> SecResult<Arc<dyn Credentials>> {
        Ok(Arc::new(KerberosCredentials::new(req)?))
    }
}

/// Where the client's tickets come from.
enum ClientSource {
    /// An identity: the AS exchange with this password.
    Password { realm: String, name: PrincipalName, password: zeroize::Zeroizing<String> },
    /// The default ccache's TGT (and whatever else it holds).
    Ccache,
    /// A client keytab's keys.
    Keytab { realm: String, name: PrincipalName, keys: Vec<Key> },
}

pub struct KerberosCredentials {
    config: Config,
    client: Option<ClientSource>,
    /// Acceptor keys.
    keys: Vec<keytab::Entry>,
    /// The TGT and service tickets obtained so far, by server principal text.
    tickets: Mutex<HashMap<String, Creds>>,
    replay: ReplayCache,
    name: String,
}

/// `user`, `user@REALM` or `REALM\user` (with `domain` as the realm when given).
fn split_user(user: &str, domain: &str, default_realm: Option<&str>) -> SecResult<(String, PrincipalName)> {
    let (name, realm) = if let Some((d, u)) = user.split_once('\\') {
        (u.to_string(), d.to_string())
    } else if let Some((u, r)) = user.rsplit_once('@') {
        (u.to_string(), r.to_string())
    } else {
        (user.to_string(), domain.to_string())
    };
    let realm = if realm.is_empty() { default_realm.unwrap_or_default().to_string() } else { realm };
    if realm.is_empty() {
        return Err(SecError::new(SEC_E_NO_CREDENTIALS, "no realm: give a domain or set default_realm"));
    }
    // Windows accepts NetBIOS-style lower-case domains; realms are upper case.
    let realm = realm.to_ascii_uppercase();
    let components = name.split('/').map(str::to_string).collect();
    Ok((realm, PrincipalName { name_type: NT_PRINCIPAL, components }))
}

impl KerberosCredentials {
    fn new(req: AcquireRequest) -> SecResult<Self> {
        let config = Config::load();
        let mut client = None;
        let mut keys = Vec::new();
        let mut name = String::new();
        let identity = match &req.auth {
            AuthData::Identity(id) if !id.user.is_empty() => Some(id.clone()),
            _ => None,
        };
        if req.usage.outbound {
            client = Some(match &identity {
                Some(id) => {
                    let (realm, pn) = split_user(&id.user, &id.domain, config.default_realm.as_deref())?;
                    name = format!("{}@{realm}", pn.to_text());
                    ClientSource::Password { realm, name: pn, password: id.password.clone() }
                }
                None => Self::default_client(&config, &mut name)?,
            });
        }
        if req.usage.inbound {
            if let Some(path) = keytab::acceptor_keytab(&config) {
                keys = keytab::read(&path)?;
            }
            if let Some(id) = &identity {
                // An acceptor identity with a password: its keys by string-to-key with the default salt.
                let (realm, pn) = split_user(&id.user, &id.domain, config.default_realm.as_deref())?;
                let salt: Vec<u8> = [realm.as_bytes(), pn.components.concat().as_bytes()].concat();
                for e in Enctype::ALL {
                    let key = e.string_to_key(id.password.as_bytes(), &salt, None)?;
                    keys.push(keytab::Entry {
                        realm: realm.clone(),
                        principal: pn.clone(),
                        timestamp: 0,
                        kvno: 0,
                        key,
                    });
                }
                if name.is_empty() {
                    name = format!("{}@{realm}", pn.to_text());
                }
            }
            if keys.is_empty() {
                return Err(SecError::new(SEC_E_NO_CREDENTIALS, "no acceptor keys (KRB5_KTNAME or /etc/krb5.keytab)"));
            }
            if name.is_empty() {
                name = format!("{}@{}", keys[0].principal.to_text(), keys[0].realm);
            }
        }
        Ok(Self { config, client, keys, tickets: Mutex::new(HashMap::new()), replay: ReplayCache::default(), name })
    }

    /// No identity: the default ccache, else a client keytab.
    fn default_client(config: &Config, name: &mut String) -> SecResult<ClientSource> {
        if let Ok(file) = ccache::file_of(&ccache::default_name(config)) {
            if let Ok(cache) = ccache::read(&file) {
                *name = format!("{}@{}", cache.principal.to_text(), cache.realm);
                return Ok(ClientSource::Ccache);
            }
        }
        if let Some(path) = keytab::client_keytab(config) {
            let entries = keytab::read(&path)?;
            if let Some(first) = entries.first() {
                let (realm, pn) = (first.realm.clone(), first.principal.clone());
                let keys =
                    entries.iter().filter(|e| e.principal == pn && e.realm == realm).map(|e| e.key.clone()).collect();
                *name = format!("{}@{realm}", pn.to_text());
                return Ok(ClientSource::Keytab { realm, name: pn, keys });
            }
        }
        Err(SecError::new(SEC_E_NO_CREDENTIALS, "no Kerberos credentials: no ccache (KRB5CCNAME) and no client keytab"))
    }

    /// A TGT for the client's realm.
    fn tgt(&self) -> SecResult<Creds> {
        let key = "krbtgt";
        if let Some(c) = lock(&self.tickets).get(key).filter(|c| !expired(c)) {
            return Ok(c.clone());
        }
        let creds =
            match self.client.as_ref().ok_or(SecError::new(SEC_E_NO_CREDENTIALS, "not an outbound credential"))? {
                ClientSource::Password { realm, name, password } => {
                    kdc::as_exchange(&self.config, realm, name, &Secret::Password(password.as_bytes()), None)?
                }
                ClientSource::Keytab { realm, name, keys } => {
                    kdc::as_exchange(&self.config, realm, name, &Secret::Keys(keys), None)?
                }
                ClientSource::Ccache => {
                    let cache = ccache::read(&ccache::file_of(&ccache::default_name(&self.config))?)?;
                    cache
                        .creds
                        .into_iter()
                        .find(|c| {
                            c.server.components.len() == 2
                                && c.server.components[0] == "krbtgt"
                                && c.server.components[1] == cache.realm
                                && !expired(c)
                        })
                        .ok_or(SecError::new(SEC_E_NO_CREDENTIALS, "no valid TGT in the ccache"))?
                }
            };
        lock(&self.tickets).insert(key.to_string(), creds.clone());
        Ok(creds)
    }

    /// A service ticket for `target` (cached).
    fn service_ticket(&self, service: &PrincipalName, realm: &str) -> SecResult<Creds> {
        let key = format!("{}@{realm}", service.to_text());
        if let Some(c) = lock(&self.tickets).get(&key).filter(|c| !expired(c)) {
            return Ok(c.clone());
        }
        let tgt = self.tgt()?;
        let creds = kdc::tgs_exchange(&self.config, &tgt, service, realm)?;
        lock(&self.tickets).insert(key, creds.clone());
        Ok(creds)
    }
}

fn expired(c: &Creds) -> bool {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    c.endtime <= now + 60
}

impl Credentials for KerberosCredentials {
    fn new_context(&self, me: Arc<dyn Credentials>, side: Side) -> SecResult<Arc<dyn SecurityContext>> {
        match side {
            Side::Client if self.client.is_none() => {
                return Err(SecError::new(SEC_E_NO_CREDENTIALS, "an inbound credential cannot initiate"))
            }
            Side::Server if self.keys.is_empty() => {
                return Err(SecError::new(SEC_E_NO_CREDENTIALS, "an outbound credential cannot accept"))
            }
            _ => {}
        }
        Ok(Arc::new(KerberosContext {
            side,
            creds: me,
            state: Mutex::new(State::Initial),
            attributes: AtomicU32::new(0),
        }))
    }

    fn query(&self, attribute: ULONG) -> SecResult<Attr> {
        match attribute {
            SECPKG_CRED_ATTR_NAMES => Ok(Attr::Names(self.name.clone())),
            _ => Err(SecError::unsupported("QueryCredentialsAttributes: attribute not supported by Kerberos")),
        }
    }

    fn as_any(&self) -> &dyn core::any::Any {
        self
    }
}

/// An established context and what the attributes report.
struct Live {
    est: Established,
    client: String,
    server: String,
    start: i64,
    end: i64,
    /// Sequence numbers already received (replay detection).
    seen: BTreeSet<u64>,
    /// A TGT the initiator delegated to us (keys wiped with the context). Kept
    /// for `ImpersonateSecurityContext`, which is not implemented yet: for now
    /// delegation shows as ASC_RET_DELEGATE only.
    #[allow(dead_code)]
    delegated: Option<Creds>,
}

enum State {
    Initial,
    WaitApRep { st: InitiatorState, client: String, server: String, start: i64, end: i64 },
    Established(Box<Live>),
    Failed(SecError),
}

pub struct KerberosContext {
    side: Side,
    creds: Arc<dyn Credentials>,
    state: Mutex<State>,
    attributes: AtomicU32,
}

const ISC_MAP: &[(ULONG, ULONG)] = &[
    (ISC_REQ_MUTUAL_AUTH, ISC_RET_MUTUAL_AUTH),
    (ISC_REQ_REPLAY_DETECT, ISC_RET_REPLAY_DETECT),
    (ISC_REQ_SEQUENCE_DETECT, ISC_RET_SEQUENCE_DETECT),
    (ISC_REQ_CONFIDENTIALITY, ISC_RET_CONFIDENTIALITY),
    (ISC_REQ_INTEGRITY, ISC_RET_INTEGRITY),
    (ISC_REQ_CONNECTION, ISC_RET_CONNECTION),
    (ISC_REQ_ALLOCATE_MEMORY, ISC_RET_ALLOCATED_MEMORY),
    (ISC_REQ_EXTENDED_ERROR, ISC_RET_EXTENDED_ERROR),
    (ISC_REQ_USE_SUPPLIED_CREDS, ISC_RET_USED_SUPPLIED_CREDS),
];

const ASC_MAP: &[(ULONG, ULONG)] = &[
    (ASC_REQ_REPLAY_DETECT, ASC_RET_REPLAY_DETECT),
    (ASC_REQ_SEQUENCE_DETECT, ASC_RET_SEQUENCE_DETECT),
    (ASC_REQ_CONFIDENTIALITY, ASC_RET_CONFIDENTIALITY),
    (ASC_REQ_INTEGRITY, ASC_RET_INTEGRITY),
    (ASC_REQ_CONNECTION, ASC_RET_CONNECTION),
    (ASC_REQ_ALLOCATE_MEMORY, ASC_RET_ALLOCATED_MEMORY),
    (ASC_REQ_EXTENDED_ERROR, ASC_RET_EXTENDED_ERROR),
];

fn gss_flags(isc: ULONG) -> u32 {
    let mut f = 0;
    for (r, g) in [
        (ISC_REQ_MUTUAL_AUTH, context::GSS_MUTUAL),
        (ISC_REQ_REPLAY_DETECT, context::GSS_REPLAY),
        (ISC_REQ_SEQUENCE_DETECT, context::GSS_SEQUENCE),
        (ISC_REQ_CONFIDENTIALITY, context::GSS_CONF),
        (ISC_REQ_INTEGRITY, context::GSS_INTEG),
    ] {
        if isc & r != 0 {
            f |= g;
        }
    }
    // Windows always offers integrity and confidentiality in the checksum.
    f | context::GSS_CONF | context::GSS_INTEG
}

/// A Windows SPN (`HTTP/host`, `HTTP/host:port`, `HTTP/host@REALM`) or a
/// GSS host-based name (`HTTP@host`), as (principal, realm).
pub fn parse_target(target: &str, config: &Config) -> SecResult<(PrincipalName, String)> {
    let (name, realm) = match target.split_once('/') {
        Some(_) => match target.rsplit_once('@') {
            Some((n, r)) if !r.contains('/') => (n.to_string(), Some(r.to_string())),
            _ => (target.to_string(), None),
        },
        None => match target.split_once('@') {
            Some((svc, host)) => (format!("{svc}/{host}"), None),
            None => return Err(SecError::new(SEC_E_TARGET_UNKNOWN, "target name is not an SPN (service/host)")),
        },
    };
    let components: Vec<String> = name.split('/').map(str::to_string).collect();
    let host = components.get(1).map(|h| h.split(':').next().unwrap_or(h).to_string()).unwrap_or_default();
    let realm = realm
        .or_else(|| config.realm_of_host(&host))
        .ok_or(SecError::new(SEC_E_TARGET_UNKNOWN, "no realm for the target's host"))?;
    let name_type = if components.len() == 2 { NT_SRV_HST } else { NT_SRV_INST };
    Ok((PrincipalName { name_type, components }, realm))
}

fn bindings_hash(input: Option<&BufferDesc<'_>>) -> SecResult<Option<[u8; 16]>> {
    match gss::channel_bindings(input)? {
        Some(b) => {
            Ok(Some(gss::channel_bindings_hash(b).ok_or(SecError::invalid_token("malformed SEC_CHANNEL_BINDINGS"))?))
        }
        None => Ok(None),
    }
}

fn filetime(unix: i64) -> u64 {
    ((unix + crate::der::FILETIME_UNIX_OFFSET) as u64) * 10_000_000
}

impl KerberosContext {
    fn kcreds(&self) -> SecResult<&KerberosCredentials> {
        self.creds.as_any().downcast_ref::<KerberosCredentials>().ok_or(SecError::internal("not a Kerberos credential"))
    }

    fn client_step(&self, state: &mut State, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let allocate = io.flags & ISC_REQ_ALLOCATE_MEMORY != 0;
        let attributes = gss::map_flags(io.flags, ISC_MAP);
        let input = io.input.as_deref();
        match state {
            State::Initial => {
                let c = self.kcreds()?;
                let target = io.target.ok_or(SecError::new(SEC_E_TARGET_UNKNOWN, "Kerberos needs a target name"))?;
                let (service, realm) = parse_target(target, &c.config)?;
                let ticket = c.service_ticket(&service, &realm)?;
                // ISC_REQ_DELEGATE: a forwarded TGT in a KRB-CRED, when the TGT is forwardable
                // (MIT's rule; without one the context is made without delegation).
                let mut attributes = attributes;
                let deleg = if io.flags & ISC_REQ_DELEGATE != 0 {
                    c.tgt()
                        .and_then(|tgt| kdc::forwarded_tgt(&c.config, &tgt))
                        .and_then(|f| context::krb_cred(&ticket, &f))
                        .ok()
                } else {
                    None
                };
                if deleg.is_some() {
                    attributes |= ISC_RET_DELEGATE;
                }
                let (token, st) = context::initiate_delegating(
                    &ticket,
                    gss_flags(io.flags),
                    bindings_hash(input)?,
                    deleg.as_deref(),
                )?;
                gss::write_token(io.output, &token, allocate)?;
                let client = format!("{}@{}", ticket.client.to_text(), ticket.client_realm);
                let server = format!("{}@{}", ticket.server.to_text(), ticket.server_realm);
                let (start, end) = (ticket.starttime.unwrap_or(ticket.authtime), ticket.endtime);
                if io.flags & ISC_REQ_MUTUAL_AUTH != 0 {
                    *state = State::WaitApRep { st, client, server, start, end };
                    Ok(StepResult { status: SEC_I_CONTINUE_NEEDED, attributes, expiry: Some(filetime(end)) })
                } else {
                    let est = st.established_without_reply();
                    *state = State::Established(Box::new(Live {
                        est,
                        client,
                        server,
                        start,
                        end,
                        seen: BTreeSet::new(),
                        delegated: None,
                    }));
                    Ok(StepResult { status: SEC_E_OK, attributes, expiry: Some(filetime(end)) })
                }
            }
            State::WaitApRep { .. } => {
                let token = gss::input_token(input)?.ok_or(SecError::invalid_token("no AP-REP token"))?;
                let State::WaitApRep { st, client, server, start, end } = std::mem::replace(state, State::Initial)
                else {
                    unreachable!("matched above")
                };
                let attributes =
                    if st.flags & context::GSS_DELEG != 0 { attributes | ISC_RET_DELEGATE } else { attributes };
                match st.finish(token) {
                    Ok(est) => {
                        gss::clear_token(io.output, allocate);
                        let end2 = end;
                        *state = State::Established(Box::new(Live {
                            est,
                            client,
                            server,
                            start,
                            end,
                            seen: BTreeSet::new(),
                            delegated: None,
                        }));
                        Ok(StepResult { status: SEC_E_OK, attributes, expiry: Some(filetime(end2)) })
                    }
                    Err(e) => {
                        *state = State::Failed(e.clone());
                        Err(e)
                    }
                }
            }
            State::Established(_) => Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "Kerberos context already complete")),
            State::Failed(e) => Err(e.clone()),
        }
    }

    fn server_step(&self, state: &mut State, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let allocate = io.flags & ASC_REQ_ALLOCATE_MEMORY != 0;
        let mut attributes = gss::map_flags(io.flags, ASC_MAP);
        let input = io.input.as_deref();
        match state {
            State::Initial => {
                let c = self.kcreds()?;
                let token = gss::input_token(input)?.ok_or(SecError::invalid_token("no AP-REQ token"))?;
                let skew = c.config.clockskew.as_secs() as i64;
                let acc = context::accept(token, &c.keys, bindings_hash(input)?, &c.replay, skew)?;
                match &acc.reply {
                    Some(rep) => {
                        gss::write_token(io.output, rep, allocate)?;
                        attributes |= ASC_RET_MUTUAL_AUTH;
                    }
                    None => gss::clear_token(io.output, allocate),
                }
                if acc.delegated.is_some() {
                    attributes |= ASC_RET_DELEGATE;
                }
                let client = format!("{}@{}", acc.client.to_text(), acc.client_realm);
                let end = acc.ticket_endtime;
                *state = State::Established(Box::new(Live {
                    est: acc.established,
                    client,
                    server: c.name.clone(),
                    start: acc.authtime,
                    end,
                    seen: BTreeSet::new(),
                    delegated: acc.delegated,
                }));
                Ok(StepResult { status: SEC_E_OK, attributes, expiry: Some(filetime(end)) })
            }
            State::Established(_) => Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "Kerberos context already complete")),
            State::Failed(e) => Err(e.clone()),
            State::WaitApRep { .. } => Err(SecError::internal("client state on a server context")),
        }
    }

    fn with_live<T>(&self, f: impl FnOnce(&mut Live) -> SecResult<T>) -> SecResult<T> {
        match &mut *lock(&self.state) {
            State::Established(l) => f(l),
            State::Failed(e) => Err(e.clone()),
            _ => Err(SecError::invalid_handle("the Kerberos handshake is not complete")),
        }
    }

    /// The context's token protector, copied out so that no crypto runs under the state lock.
    fn protector(&self) -> SecResult<Protector> {
        self.with_live(|l| Ok(l.est.protector.clone()))
    }

    /// Takes the next send sequence number (one lock: two threads never share one).
    fn reserve_seq(&self) -> SecResult<(Protector, u64)> {
        self.with_live(|l| {
            let seq = l.est.send_seq;
            l.est.send_seq += 1;
            Ok((l.est.protector.clone(), seq))
        })
    }

    /// Replay detection on a received sequence number.
    fn check_seq(&self, live: &mut Live, seq: u64) -> SecResult<()> {
        let detect = self.attributes.load(Ordering::Relaxed)
            & (ISC_RET_REPLAY_DETECT | ISC_RET_SEQUENCE_DETECT | ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT)
            != 0;
        if !live.seen.insert(seq) && detect {
            return Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "a replayed message"));
        }
        while live.seen.len() > 1024 {
            let first = *live.seen.iter().next().expect("non-empty");
            live.seen.remove(&first);
        }
        Ok(())
    }
}

/// The DATA buffers' bytes, concatenated (the message of a wrap or MIC).
fn message_of(desc: &BufferDesc<'_>, data: &[usize]) -> SecResult<Vec<u8>> {
    let mut m = Vec::new();
    for &i in data {
        m.extend_from_slice(desc.bytes(i)?);
    }
    Ok(m)
}

impl SecurityContext for KerberosContext {
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
        let seal = match qop {
            0 => true,
            SECQOP_WRAP_NO_ENCRYPT => false,
            _ => return Err(SecError::new(SEC_E_QOP_NOT_SUPPORTED, "unknown fQOP for Kerberos")),
        };
        let (token, data, padding) = gss::token_layout(message)?;
        if data.iter().any(|&i| !gss::is_encrypted(message, i)) {
            return Err(SecError::unsupported("EncryptMessage: read-only DATA buffers with Kerberos"));
        }
        // Every buffer is checked before a sequence number is used up.
        let head = self.protector()?.wrap_head(seal);
        if message.bytes_mut(token)?.len() < head {
            return Err(SecError::new(SEC_E_BUFFER_TOO_SMALL, "token buffer smaller than the security trailer"));
        }
        for &i in &data {
            message.bytes_mut(i)?;
        }
        let msg = zeroize::Zeroizing::new(message_of(message, &data)?);
        let (protector, seq) = self.reserve_seq()?;
        let wrapped = protector.wrap(seq, &msg, seal)?;
        message.bytes_mut(token)?[..head].copy_from_slice(&wrapped[..head]);
        message.set_len(token, head);
        let mut at = head;
        for &i in &data {
            let b = message.bytes_mut(i)?;
            let n = b.len();
            b.copy_from_slice(&wrapped[at..at + n]);
            at += n;
        }
        if let Some(p) = padding {
            message.set_len(p, 0);
        }
        Ok(SEC_E_OK)
    }

    fn decrypt(&self, message: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<DecryptResult> {
        let protector = self.protector()?;
        match gss::wrap_layout(message, true)? {
            WrapLayout::Stream { stream, data } => {
                let region = message.original(stream);
                let (plain, info) = protector.unwrap(message.bytes(stream)?)?;
                self.with_live(|l| self.check_seq(l, info.seq))?;
                // The plaintext goes at the start of the stream; DATA points at it.
                let b = message.bytes_mut(stream)?;
                b[..plain.len()].copy_from_slice(&plain);
                let inner = region.sub(0, plain.len()).ok_or(SecError::internal("stream region"))?;
                message.set(data, SECBUFFER_DATA, inner);
                Ok(DecryptResult { status: SEC_E_OK, qop: if info.sealed { 0 } else { SECQOP_WRAP_NO_ENCRYPT } })
            }
            WrapLayout::Token { token, data, .. } => {
                let mut whole = message.bytes(token)?.to_vec();
                for &i in &data {
                    whole.extend_from_slice(message.bytes(i)?);
                }
                let (plain, info) = protector.unwrap(&whole)?;
                self.with_live(|l| self.check_seq(l, info.seq))?;
                let mut at = 0;
                for (k, &i) in data.iter().enumerate() {
                    let b = message.bytes_mut(i)?;
                    let n = if k + 1 == data.len() { plain.len() - at } else { b.len().min(plain.len() - at) };
                    if n > b.len() {
                        return Err(SecError::invalid_token("DATA buffers too small for the message"));
                    }
                    b[..n].copy_from_slice(&plain[at..at + n]);
                    message.set_len(i, n);
                    at += n;
                }
                Ok(DecryptResult { status: SEC_E_OK, qop: if info.sealed { 0 } else { SECQOP_WRAP_NO_ENCRYPT } })
            }
        }
    }

    fn make_signature(&self, _qop: ULONG, message: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<()> {
        let (token, data, _) = gss::token_layout(message)?;
        let len = self.protector()?.mic_len();
        if message.bytes_mut(token)?.len() < len {
            return Err(SecError::new(SEC_E_BUFFER_TOO_SMALL, "token buffer smaller than the signature"));
        }
        let msg = message_of(message, &data)?;
        let (protector, seq) = self.reserve_seq()?;
        let mic = protector.mic(seq, &msg);
        message.bytes_mut(token)?[..len].copy_from_slice(&mic);
        message.set_len(token, len);
        Ok(())
    }

    fn verify_signature(&self, message: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<ULONG> {
        let (token, data, _) = gss::token_layout(message)?;
        let msg = message_of(message, &data)?;
        let seq = self.protector()?.verify_mic(message.bytes(token)?, &msg)?;
        self.with_live(|l| self.check_seq(l, seq))?;
        Ok(0)
    }

    fn query(&self, attribute: ULONG) -> SecResult<Attr> {
        let st = lock(&self.state);
        let live = match &*st {
            State::Established(l) => Some(l),
            _ => None,
        };
        let need = || live.ok_or(SecError::invalid_handle("the Kerberos handshake is not complete"));
        match attribute {
            SECPKG_ATTR_SIZES => {
                let (sig, trailer) = match live {
                    Some(l) => (l.est.protector.mic_len(), l.est.protector.wrap_overhead()),
                    None => (28, 60),
                };
                Ok(Attr::Sizes(SecPkgContext_Sizes {
                    cbMaxToken: MAX_TOKEN,
                    cbMaxSignature: sig as ULONG,
                    cbBlockSize: 1,
                    cbSecurityTrailer: trailer as ULONG,
                }))
            }
            SECPKG_ATTR_NAMES => Ok(Attr::Names(need()?.client.clone())),
            SECPKG_ATTR_NATIVE_NAMES => {
                let l = need()?;
                Ok(Attr::NativeNames { client: l.client.clone(), server: l.server.clone() })
            }
            SECPKG_ATTR_SESSION_KEY => Ok(Attr::SessionKey(need()?.est.session_key.bytes().to_vec())),
            SECPKG_ATTR_LIFESPAN => {
                let l = need()?;
                Ok(Attr::Lifespan(SecPkgContext_Lifespan {
                    tsStart: TimeStamp::from_u64(filetime(l.start)),
                    tsExpiry: TimeStamp::from_u64(filetime(l.end)),
                }))
            }
            SECPKG_ATTR_FLAGS => Ok(Attr::Flags(self.attributes.load(Ordering::Relaxed))),
            SECPKG_ATTR_NEGOTIATION_INFO => Ok(Attr::NegotiationInfo {
                package: NAME,
                state: if live.is_some() { SECPKG_NEGOTIATION_COMPLETE } else { SECPKG_NEGOTIATION_IN_PROGRESS },
            }),
            SECPKG_ATTR_PACKAGE_INFO => Ok(Attr::PackageInfo(NAME)),
            _ => Err(SecError::unsupported("QueryContextAttributes: attribute not supported by Kerberos")),
        }
    }

    fn set(&self, _attribute: SetAttr) -> SecResult<()> {
        Err(SecError::unsupported("SetContextAttributes: not supported by Kerberos"))
    }

    fn apply_control(&self, _token: &[u8]) -> SecResult<()> {
        Err(SecError::unsupported("ApplyControlToken: not supported by Kerberos"))
    }
}

/// The default credential cache (`KRB5CCNAME`, krb5.conf's `default_ccache_name`), read now;
/// None when there is none or it does not parse.
fn default_cache() -> Option<ccache::Cache> {
    ccache::read(&ccache::file_of(&ccache::default_name(&Config::load())).ok()?).ok()
}

/// A ticket of the default credential cache as the LSA's ticket-cache queries describe it
/// (`KerbQueryTicketCacheMessage`); times in seconds since 1970.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedTicket {
    pub client: String,
    pub client_realm: String,
    pub server: String,
    pub server_realm: String,
    pub start: i64,
    pub end: i64,
    pub renew_until: i64,
    pub enctype: i32,
    pub flags: u32,
}

/// The tickets of the default credential cache (the session's, as the LSA's Kerberos package
/// keeps them on Windows); none without a readable cache. Configuration entries are not
/// tickets.
pub fn cached_tickets() -> Vec<CachedTicket> {
    let Some(cache) = default_cache() else { return Vec::new() };
    cache
        .creds
        .iter()
        .map(|c| CachedTicket {
            client: c.client.to_text(),
            client_realm: c.client_realm.clone(),
            server: c.server.to_text(),
            server_realm: c.server_realm.clone(),
            start: c.starttime.unwrap_or(c.authtime),
            end: c.endtime,
            renew_until: c.renew_till.unwrap_or(0),
            enctype: c.session_key.enctype().number(),
            flags: c.flags,
        })
        .collect()
}

/// The principal of the default credential cache (`KRB5CCNAME`, krb5.conf's
/// `default_ccache_name`) as `name@REALM`: the identity a credential acquired without one uses,
/// which is what Windows' logon session names as the user principal (`GetUserNameEx`'s
/// `NameUserPrincipal`). None without a readable cache.
pub fn logon_principal() -> Option<String> {
    let cache = default_cache()?;
    (!cache.principal.components.is_empty() && !cache.realm.is_empty())
        .then(|| format!("{}@{}", cache.principal.to_text(), cache.realm))
}
