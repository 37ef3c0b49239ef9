//! Security packages and the trait they implement.
//!
//! A package (Schannel now; NTLM, Negotiate later) is a peer behind one trait:
//! it acquires [`Credentials`], which create [`SecurityContext`]s, which run
//! the token loop, protect messages and answer attribute queries. Packages see
//! safe Rust values only: parsed auth data, [`BufferDesc`] views and typed
//! attribute values; the entry layer does every pointer and struct-layout job.

pub mod credssp;
pub mod digest;
pub mod kerberos;
pub mod negotiate;
pub mod ntlm;
pub mod schannel;

use std::sync::Arc;

use crate::abi::{self, SECURITY_STATUS, ULONG};
use crate::buffers::BufferDesc;
use crate::certs::{CertRef, StoreRef};
use crate::error::{SecError, SecResult};

/// What `SecPkgInfo` says about a package.
#[derive(Clone, Copy, Debug)]
pub struct PackageInfo {
    pub name: &'static str,
    pub comment: &'static str,
    pub capabilities: ULONG,
    pub version: u16,
    pub rpc_id: u16,
    pub max_token: ULONG,
}

/// A registered package under one of its names.
pub struct Registered {
    pub info: PackageInfo,
    pub package: &'static dyn SecurityPackage,
}

/// Every package name we answer to, in `EnumerateSecurityPackages` order.
pub fn registry() -> &'static [Registered] {
    static ALL: once_cell::sync::Lazy<Vec<Registered>> = once_cell::sync::Lazy::new(|| {
        let mut v: Vec<Registered> = Vec::new();
        for r in schannel::REGISTERED
            .iter()
            .chain(ntlm::REGISTERED)
            .chain(kerberos::REGISTERED)
            .chain(negotiate::REGISTERED)
            .chain(digest::REGISTERED)
            .chain(credssp::REGISTERED)
        {
            v.push(Registered { info: r.info, package: r.package });
        }
        v
    });
    &ALL
}

/// Finds a package by name, case-insensitively as Windows does.
pub fn find(name: &str) -> Option<&'static Registered> {
    registry().iter().find(|r| r.info.name.eq_ignore_ascii_case(name))
}

/// The direction(s) a credential is for (`SECPKG_CRED_INBOUND`/`OUTBOUND`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CredentialUse {
    pub inbound: bool,
    pub outbound: bool,
}

/// A `CRYPTO_SETTINGS` entry, as Rust values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CryptoSetting {
    pub usage: i32,
    pub algorithm: String,
    pub chaining_modes: Vec<String>,
    pub min_bits: u32,
    pub max_bits: u32,
}

/// A `TLS_PARAMETERS` entry, as Rust values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsParameters {
    pub alpn_ids: Vec<String>,
    pub disabled_protocols: u32,
    pub disabled_crypto: Vec<CryptoSetting>,
    pub flags: u32,
}

/// `SCHANNEL_CRED` or `SCH_CREDENTIALS`, parsed by the entry layer.
#[derive(Clone, Debug, Default)]
pub struct SchannelCredSpec {
    /// 3, 4 (`SCHANNEL_CRED`) or 5 (`SCH_CREDENTIALS`).
    pub version: u32,
    pub cred_format: u32,
    pub certs: Vec<CertRef>,
    pub root_store: Option<StoreRef>,
    pub supported_algs: Vec<u32>,
    pub enabled_protocols: u32,
    pub min_cipher_strength: u32,
    pub max_cipher_strength: u32,
    pub session_lifespan_ms: u32,
    pub flags: u32,
    pub tls_parameters: Vec<TlsParameters>,
}

/// A user identity (`SEC_WINNT_AUTH_IDENTITY_A/W`, `SEC_WINNT_AUTH_IDENTITY_EX_A/W`),
/// decoded by the entry layer. `DOMAIN\\user` and `user@domain` in the user
/// field are split when no domain is given. The password is wiped on drop
/// and never printed.
#[derive(Clone, Default)]
pub struct Identity {
    pub user: String,
    pub domain: String,
    pub password: zeroize::Zeroizing<String>,
    /// The `EX` form's `PackageList` (a comma-separated list), if any.
    pub package_list: Option<String>,
}

impl core::fmt::Debug for Identity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Identity")
            .field("user", &self.user)
            .field("domain", &self.domain)
            .field("password", &"<secret>")
            .field("package_list", &self.package_list)
            .finish()
    }
}

/// Package-specific `pAuthData`, decoded.
#[derive(Clone, Debug)]
pub enum AuthData {
    /// NULL: the package's defaults.
    Default,
    Schannel(SchannelCredSpec),
    Identity(Identity),
    /// `CREDSSP_CRED`: its `pSchannelCred` and `pSpnegoCred`, each optional.
    CredSsp {
        schannel: Option<SchannelCredSpec>,
        identity: Option<Identity>,
    },
}

/// Which `pAuthData` layout a package reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthDataFormat {
    Schannel,
    /// `SEC_WINNT_AUTH_IDENTITY_*`.
    Identity,
    /// `CREDSSP_CRED`, or a `SEC_WINNT_AUTH_IDENTITY_*` alone.
    CredSsp,
}

/// Everything `AcquireCredentialsHandle` passes on.
#[derive(Clone, Debug)]
pub struct AcquireRequest {
    pub principal: Option<String>,
    pub usage: CredentialUse,
    pub auth: AuthData,
}

/// A package.
pub trait SecurityPackage: Send + Sync {
    /// The layout of `pAuthData` this package expects.
    fn auth_data_format(&self) -> AuthDataFormat;
    /// `AcquireCredentialsHandle`.
    fn acquire_credentials(&self, req: AcquireRequest) -> SecResult<Arc<dyn Credentials>>;
}

/// Which side of the token loop a context is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

/// One call of the token loop (`InitializeSecurityContext` / `AcceptSecurityContext`).
pub struct StepIo<'a, 'b> {
    /// `ISC_REQ_*` or `ASC_REQ_*`.
    pub flags: ULONG,
    /// The target name (ISC only; ignored after the first call except for checks).
    pub target: Option<&'a str>,
    pub input: Option<&'a mut BufferDesc<'b>>,
    pub output: Option<&'a mut BufferDesc<'b>>,
    /// The credential this call passed (`phCredential`), when it names a
    /// live one: after `SEC_I_INCOMPLETE_CREDENTIALS` a caller may pass a new
    /// credential holding a client certificate.
    pub credential: Option<Arc<dyn Credentials>>,
}

/// What a successful step reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepResult {
    /// `SEC_E_OK`, `SEC_I_CONTINUE_NEEDED`, `SEC_E_INCOMPLETE_MESSAGE`,
    /// `SEC_I_INCOMPLETE_CREDENTIALS`, `SEC_I_CONTEXT_EXPIRED`...
    pub status: SECURITY_STATUS,
    /// `ISC_RET_*` / `ASC_RET_*`.
    pub attributes: ULONG,
    /// Context expiry as a FILETIME value, when known.
    pub expiry: Option<u64>,
}

/// The result of a successful `DecryptMessage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecryptResult {
    pub status: SECURITY_STATUS,
    pub qop: ULONG,
}

/// An attribute value, as Rust data; the entry layer writes the Windows struct.
#[derive(Clone, Debug)]
pub enum Attr {
    Sizes(abi::SecPkgContext_Sizes),
    StreamSizes(abi::SecPkgContext_StreamSizes),
    Lifespan(abi::SecPkgContext_Lifespan),
    ConnectionInfo(abi::SecPkgContext_ConnectionInfo),
    ConnectionInfoEx(Box<abi::SecPkgContext_ConnectionInfoEx>),
    CipherInfo(Box<abi::SecPkgContext_CipherInfo>),
    ApplicationProtocol(Box<abi::SecPkgContext_ApplicationProtocol>),
    SessionInfo(abi::SecPkgContext_SessionInfo),
    SupportedProtocols(abi::SecPkgCred_SupportedProtocols),
    CipherStrengths(abi::SecPkgCred_CipherStrengths),
    /// `SecPkgContext_Flags`.
    Flags(ULONG),
    /// `SecPkgContext_NamesA/W` and `SecPkgCredentials_NamesA/W`.
    Names(String),
    /// `SecPkgContext_ClientSpecifiedTarget`.
    ClientSpecifiedTarget(String),
    /// `SecPkgContext_KeyInfoA/W`.
    KeyInfo {
        signature_name: String,
        encrypt_name: String,
        key_size: ULONG,
        signature_alg: ULONG,
        encrypt_alg: ULONG,
    },
    /// `SecPkgContext_PackageInfoA/W`, for the package of the given name.
    PackageInfo(&'static str),
    /// `SecPkgContext_NegotiationInfoA/W`.
    NegotiationInfo {
        package: &'static str,
        state: ULONG,
    },
    /// A certificate context handed out with a new reference (`PCCERT_CONTEXT`).
    CertContext(CertRef),
    /// `SecPkgContext_IssuerListInfoEx`: DER names.
    IssuerList(Vec<Vec<u8>>),
    /// `SecPkgContext_SupportedSignatures`.
    SupportedSignatures(Vec<u16>),
    /// `SecPkgCred_SupportedAlgs`.
    SupportedAlgs(Vec<u32>),
    /// `SecPkgContext_Bindings`: the whole `SEC_CHANNEL_BINDINGS` block.
    Bindings(Vec<u8>),
    /// `SecPkgContext_KeyingMaterial`.
    KeyingMaterial(Vec<u8>),
    /// `SecPkgContext_SessionAppData`.
    AppData(Vec<u8>),
    /// `SecPkgContext_SessionKey`: wiped after it is copied out.
    SessionKey(Vec<u8>),
    /// `SecPkgContext_ClientCreds` (CredSSP's delegated credentials): wiped after the copy.
    ClientCreds(Vec<u8>),
    /// `SecPkgContext_NativeNamesA/W`.
    NativeNames {
        client: String,
        server: String,
    },
}

/// Input of `SetContextAttributes`, parsed.
#[derive(Clone, Debug)]
pub enum SetAttr {
    KeyingMaterialInfo { label: Vec<u8>, context: Option<Vec<u8>>, length: u32 },
    AppData(Vec<u8>),
    EarlyStart(u32),
}

/// A credential handle's object.
pub trait Credentials: Send + Sync {
    /// Creates a context on the first `InitializeSecurityContext` /
    /// `AcceptSecurityContext` call. The context keeps the credential alive.
    fn new_context(&self, me: Arc<dyn Credentials>, side: Side) -> SecResult<Arc<dyn SecurityContext>>;
    /// `QueryCredentialsAttributes`.
    fn query(&self, attribute: ULONG) -> SecResult<Attr>;
    /// `SetCredentialsAttributes`.
    fn set(&self, _attribute: ULONG, _value: &[u8]) -> SecResult<()> {
        Err(SecError::unsupported("SetCredentialsAttributes"))
    }
    /// Downcasting support for packages.
    fn as_any(&self) -> &dyn core::any::Any;
}

/// A context handle's object. Methods take `&self`: a package locks what it
/// needs, so that encrypt and decrypt can run on two threads at once.
pub trait SecurityContext: Send + Sync {
    fn side(&self) -> Side;
    /// A token-loop step (ISC for clients, ASC for servers).
    fn step(&self, io: StepIo<'_, '_>) -> SecResult<StepResult>;
    /// `EncryptMessage`.
    fn encrypt(&self, qop: ULONG, message: &mut BufferDesc<'_>, seq: ULONG) -> SecResult<SECURITY_STATUS>;
    /// `DecryptMessage`.
    fn decrypt(&self, message: &mut BufferDesc<'_>, seq: ULONG) -> SecResult<DecryptResult>;
    /// `QueryContextAttributes(Ex)`.
    fn query(&self, attribute: ULONG) -> SecResult<Attr>;
    /// `SetContextAttributes`.
    fn set(&self, attribute: SetAttr) -> SecResult<()>;
    /// `ApplyControlToken`: the bytes of the single TOKEN buffer.
    fn apply_control(&self, token: &[u8]) -> SecResult<()>;
    /// `MakeSignature`.
    fn make_signature(&self, _qop: ULONG, _message: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<()> {
        Err(SecError::unsupported("MakeSignature"))
    }
    /// `VerifySignature`.
    fn verify_signature(&self, _message: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<ULONG> {
        Err(SecError::unsupported("VerifySignature"))
    }
    /// SPNEGO has used this context for a mechListMIC: reset what Windows
    /// resets afterwards (NTLM's RC4 handle of that direction). Most packages
    /// have nothing to reset.
    fn reset_after_mech_list_mic(&self, _outgoing: bool) {}
    /// Downcasting for the wrappers the entry layer must recognise (the SASL context).
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        None
    }
    /// Called once when the handle is deleted (the object may outlive it
    /// briefly if another thread is inside a call).
    fn on_delete(&self) {}
}
