//! The "CREDSSP" package (MS-CSSP): a TLS channel from our Schannel, an SPNEGO exchange from
//! our Negotiate inside it, the binding of the two (the server's public key), then the
//! client's credentials delegated to the server.
//!
//! The package's tokens are TLS records, as Windows' are: the handshake's, then application
//! data records each holding one TSRequest (`tsrequest.rs`). After the exchange,
//! `EncryptMessage` / `DecryptMessage` run over the TLS channel.
//!
//! Credentials (`AcquireCredentialsHandle`): `CREDSSP_CRED` (mingw-w64 `credssp.h`) with
//! `pSchannelCred` (an `SCHANNEL_CRED`: the server's certificate; for a client, its
//! validation flags) and `pSpnegoCred` (a `SEC_WINNT_AUTH_IDENTITY_*`: the user, whose
//! password is what gets delegated), or a `SEC_WINNT_AUTH_IDENTITY_*` alone.

pub mod context;
pub mod tsrequest;

use std::sync::Arc;

use crate::abi::*;
use crate::error::{SecError, SecResult};
use crate::packages::{
    negotiate, AcquireRequest, Attr, AuthData, AuthDataFormat, CredentialUse, Credentials, Identity, PackageInfo,
    Registered, SchannelCredSpec, SecurityContext, SecurityPackage, Side,
};

pub const NAME: &str = "CREDSSP";

/// `fCapabilities` as Windows 10 reports CredSSP's (0x00110733: INTEGRITY, PRIVACY, CONNECTION,
/// MULTI_REQUIRED, IMPERSONATION, ACCEPT_WIN32_NAME, STREAM, MUTUAL_AUTH and bit 0x00100000,
/// NEGO_EXTENDER; Windows 11 reports 0x00810733 and a cbMaxToken of 73032).
pub const CAPABILITIES: ULONG = 0x0011_0733;
/// `cbMaxToken` as Windows 10 reports it; `wRPCID` is SECPKG_ID_NONE.
pub const MAX_TOKEN: ULONG = 90567;
pub const RPC_ID: u16 = 0xFFFF;

const _: () = assert!(
    CAPABILITIES
        == SECPKG_FLAG_INTEGRITY
            | SECPKG_FLAG_PRIVACY
            | SECPKG_FLAG_CONNECTION
            | SECPKG_FLAG_MULTI_REQUIRED
            | SECPKG_FLAG_IMPERSONATION
            | SECPKG_FLAG_ACCEPT_WIN32_NAME
            | SECPKG_FLAG_STREAM
            | SECPKG_FLAG_MUTUAL_AUTH
            | SECPKG_FLAG_NEGO_EXTENDER
);

pub struct CredSsp;
static CREDSSP: CredSsp = CredSsp;

pub static REGISTERED: &[Registered] = &[Registered {
    info: PackageInfo {
        name: NAME,
        comment: "Microsoft CredSSP Security Provider",
        capabilities: CAPABILITIES,
        version: 1,
        rpc_id: RPC_ID,
        max_token: MAX_TOKEN,
    },
    package: &CREDSSP,
}];

/// A CredSSP credential: the Schannel and Negotiate credentials inside, and (client) the
/// password to delegate.
pub struct CredSspCredentials {
    usage: CredentialUse,
    pub(crate) tls: Arc<dyn Credentials>,
    pub(crate) auth: Arc<dyn Credentials>,
    /// Client: an NTLM credential when the identity's PackageList is "NTLM" alone: raw NTLM
    /// inside CredSSP instead of SPNEGO.
    pub(crate) raw_ntlm: Option<Arc<dyn Credentials>>,
    /// Client: the identity whose password TSPasswordCreds carries.
    pub(crate) identity: Option<Identity>,
    /// Client: the caller asked for no certificate check (or gave none): left to it, through
    /// SECPKG_ATTR_REMOTE_CERT_CONTEXT, as RDP clients do.
    pub(crate) manual_validation: bool,
}

/// The Schannel credential CredSSP runs over: TLS 1.2 (see docs/credssp.md), the caller's
/// certificate and flags when it gave an SCHANNEL_CRED.
fn tls_credentials(spec: Option<SchannelCredSpec>, usage: CredentialUse) -> SecResult<(Arc<dyn Credentials>, bool)> {
    let given = spec.is_some();
    let mut spec = spec.unwrap_or(SchannelCredSpec { version: SCHANNEL_CRED_VERSION, ..Default::default() });
    spec.enabled_protocols = if usage.inbound { SP_PROT_TLS1_2_SERVER } else { SP_PROT_TLS1_2_CLIENT };
    if usage.outbound && !given {
        spec.flags |= SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS;
    }
    let manual = spec.flags & SCH_CRED_MANUAL_CRED_VALIDATION != 0;
    let pkg = crate::packages::find("Schannel").ok_or(SecError::internal("Schannel is registered"))?;
    let c =
        pkg.package.acquire_credentials(AcquireRequest { principal: None, usage, auth: AuthData::Schannel(spec) })?;
    Ok((c, manual))
}

impl SecurityPackage for CredSsp {
    fn auth_data_format(&self) -> AuthDataFormat {
        AuthDataFormat::CredSsp
    }

    fn acquire_credentials(&self, req: AcquireRequest) -> SecResult<Arc<dyn Credentials>> {
        if req.usage.inbound && req.usage.outbound {
            return Err(SecError::new(SEC_E_NO_CREDENTIALS, "CredSSP credentials are inbound or outbound"));
        }
        let (schannel, identity) = match req.auth {
            AuthData::Default => (None, None),
            AuthData::Identity(i) => (None, Some(i)),
            AuthData::CredSsp { schannel, identity } => (schannel, identity),
            AuthData::Schannel(s) => (Some(s), None),
        };
        if req.usage.inbound && schannel.as_ref().is_none_or(|s| s.certs.is_empty()) {
            return Err(SecError::new(
                SEC_E_NO_CREDENTIALS,
                "a CredSSP server needs its certificate (CREDSSP_CRED.pSchannelCred)",
            ));
        }
        let (tls, manual_validation) = tls_credentials(schannel, req.usage)?;
        let auth_data = match &identity {
            Some(i) => AuthData::Identity(i.clone()),
            None => AuthData::Default,
        };
        let only_ntlm = req.usage.outbound
            && identity
                .as_ref()
                .and_then(|i| i.package_list.as_deref())
                .is_some_and(|l| l.trim().eq_ignore_ascii_case("NTLM"));
        let raw_ntlm = if only_ntlm {
            let ntlm =
                crate::packages::find(crate::packages::ntlm::NAME).ok_or(SecError::internal("NTLM is registered"))?;
            Some(ntlm.package.acquire_credentials(AcquireRequest {
                principal: req.principal.clone(),
                usage: req.usage,
                auth: auth_data.clone(),
            })?)
        } else {
            None
        };
        let auth = negotiate::REGISTERED[0].package.acquire_credentials(AcquireRequest {
            principal: req.principal,
            usage: req.usage,
            auth: auth_data,
        })?;
        Ok(Arc::new(CredSspCredentials { usage: req.usage, tls, auth, raw_ntlm, identity, manual_validation }))
    }
}

impl Credentials for CredSspCredentials {
    fn new_context(&self, me: Arc<dyn Credentials>, side: Side) -> SecResult<Arc<dyn SecurityContext>> {
        match side {
            Side::Client if !self.usage.outbound => {
                Err(SecError::new(SEC_E_NO_CREDENTIALS, "an inbound credential cannot initiate"))
            }
            Side::Server if !self.usage.inbound => {
                Err(SecError::new(SEC_E_NO_CREDENTIALS, "an outbound credential cannot accept"))
            }
            _ => Ok(Arc::new(context::CredSspContext::new(side, me)?)),
        }
    }

    fn query(&self, attribute: ULONG) -> SecResult<Attr> {
        match attribute {
            SECPKG_CRED_ATTR_NAMES => self.auth.query(attribute),
            _ => Err(SecError::unsupported("credential attribute not supported by CredSSP")),
        }
    }

    fn as_any(&self) -> &dyn core::any::Any {
        self
    }
}
