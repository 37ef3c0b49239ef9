//! The "Negotiate" package (MS-SPNG, RFC 4178): SPNEGO over the Kerberos
//! and NTLM packages, Kerberos first.
//!
//! * [`spnego`]: the NegTokenInit / NegTokenResp codec.
//! * [`context`]: choosing the mechanism, driving the chosen package's own
//!   context through the [`SecurityContext`] trait, the mechListMIC.
//!
//! A Negotiate credential holds a credential of each package it may use
//! (acquired with the same request; a package that cannot give one is left
//! out). After the exchange every message call and attribute query goes to
//! the chosen package's context.

pub mod context;
pub mod spnego;

use std::sync::Arc;

use crate::abi::*;
use crate::error::{SecError, SecResult};
use crate::packages::{
    self, AcquireRequest, Attr, AuthData, AuthDataFormat, CredentialUse, Credentials, PackageInfo, Registered,
    SecurityContext, SecurityPackage, Side,
};

pub const NAME: &str = "Negotiate";

/// `fCapabilities` as Windows 10 reports Negotiate's (Wine's negotiate.c
/// lists the same bits except `SECPKG_FLAG_APPCONTAINER_CHECKS`).
pub const CAPABILITIES: ULONG = SECPKG_FLAG_INTEGRITY
    | SECPKG_FLAG_PRIVACY
    | SECPKG_FLAG_CONNECTION
    | SECPKG_FLAG_MULTI_REQUIRED
    | SECPKG_FLAG_EXTENDED_ERROR
    | SECPKG_FLAG_IMPERSONATION
    | SECPKG_FLAG_ACCEPT_WIN32_NAME
    | SECPKG_FLAG_NEGOTIABLE
    | SECPKG_FLAG_GSS_COMPATIBLE
    | SECPKG_FLAG_LOGON
    | SECPKG_FLAG_RESTRICTED_TOKENS
    | SECPKG_FLAG_APPCONTAINER_CHECKS;
const _: () = assert!(CAPABILITIES == 0x0088_3BB3);

/// `cbMaxToken`: Kerberos' 48,000 plus room for the SPNEGO wrapping, as
/// Windows (and Wine's negotiate.c) report it.
pub const MAX_TOKEN: ULONG = 48256;

/// `wRPCID`: RPC_C_AUTHN_GSS_NEGOTIATE.
pub const RPC_ID: u16 = 9;

pub struct Negotiate;
static NEGOTIATE: Negotiate = Negotiate;

pub static REGISTERED: &[Registered] = &[Registered {
    info: PackageInfo {
        name: NAME,
        comment: "Microsoft Package Negotiator",
        capabilities: CAPABILITIES,
        version: 1,
        rpc_id: RPC_ID,
        max_token: MAX_TOKEN,
    },
    package: &NEGOTIATE,
}];

/// Which packages a credential may use: `SEC_WINNT_AUTH_IDENTITY_EX`'s
/// `PackageList` ("Kerberos", "NTLM", "!Kerberos", "!NTLM", comma-separated;
/// names listed without `!` are the only ones allowed, names with `!` are
/// removed). No list: both.
pub fn allowed_packages(list: Option<&str>) -> (bool, bool) {
    let Some(list) = list else { return (true, true) };
    let items: Vec<&str> = list.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    let positive: Vec<&str> = items.iter().copied().filter(|s| !s.starts_with('!')).collect();
    let named = |n: &str| positive.iter().any(|p| p.eq_ignore_ascii_case(n) || p.eq_ignore_ascii_case(NAME));
    let excluded =
        |n: &str| items.iter().any(|p| p.strip_prefix('!').is_some_and(|q| q.trim().eq_ignore_ascii_case(n)));
    let (mut krb, mut ntlm) = if positive.is_empty() { (true, true) } else { (named("Kerberos"), named("NTLM")) };
    krb &= !excluded("Kerberos");
    ntlm &= !excluded("NTLM");
    (krb, ntlm)
}

impl SecurityPackage for Negotiate {
    fn auth_data_format(&self) -> AuthDataFormat {
        AuthDataFormat::Identity
    }

    fn acquire_credentials(&self, req: AcquireRequest) -> SecResult<Arc<dyn Credentials>> {
        let (want_krb, want_ntlm) = match &req.auth {
            AuthData::Identity(id) => allowed_packages(id.package_list.as_deref()),
            AuthData::Default => (true, true),
            AuthData::Schannel(_) | AuthData::CredSsp { .. } => {
                return Err(SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "not an identity"))
            }
        };
        // The inner packages get the identity without the list (it was for Negotiate).
        let inner_req = || {
            let mut r = req.clone();
            if let AuthData::Identity(id) = &mut r.auth {
                id.package_list = None;
            }
            r
        };
        let acquire = |name: &str| -> SecResult<Arc<dyn Credentials>> {
            let reg = packages::find(name).ok_or(SecError::internal("package missing from the registry"))?;
            reg.package.acquire_credentials(inner_req())
        };
        let kerberos = if want_krb { Some(acquire(packages::kerberos::package::NAME)) } else { None };
        let ntlm = if want_ntlm { Some(acquire(packages::ntlm::NAME)) } else { None };
        let first_error = kerberos.as_ref().and_then(|r| r.as_ref().err().cloned());
        let kerberos = kerberos.and_then(Result::ok);
        let ntlm_error = ntlm.as_ref().and_then(|r| r.as_ref().err().cloned());
        let ntlm = ntlm.and_then(Result::ok);
        if kerberos.is_none() && ntlm.is_none() {
            return Err(first_error
                .or(ntlm_error)
                .unwrap_or(SecError::new(SEC_E_NO_CREDENTIALS, "PackageList leaves no package to negotiate")));
        }
        Ok(Arc::new(NegotiateCredentials { kerberos, ntlm, usage: req.usage }))
    }
}

/// A Negotiate credential: one credential per package it can use.
pub struct NegotiateCredentials {
    pub(crate) kerberos: Option<Arc<dyn Credentials>>,
    pub(crate) ntlm: Option<Arc<dyn Credentials>>,
    pub(crate) usage: CredentialUse,
}

impl Credentials for NegotiateCredentials {
    fn new_context(&self, me: Arc<dyn Credentials>, side: Side) -> SecResult<Arc<dyn SecurityContext>> {
        match side {
            Side::Client if !self.usage.outbound => {
                Err(SecError::new(SEC_E_NO_CREDENTIALS, "an inbound credential cannot initiate"))
            }
            Side::Server if !self.usage.inbound => {
                Err(SecError::new(SEC_E_NO_CREDENTIALS, "an outbound credential cannot accept"))
            }
            _ => Ok(Arc::new(context::NegotiateContext::new(side, me))),
        }
    }

    fn query(&self, attribute: ULONG) -> SecResult<Attr> {
        // The names are the first package's (Kerberos' principal, else NTLM's user).
        match self.kerberos.as_ref().or(self.ntlm.as_ref()) {
            Some(c) => c.query(attribute),
            None => Err(SecError::unsupported("QueryCredentialsAttributes")),
        }
    }

    fn as_any(&self) -> &dyn core::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_lists() {
        assert_eq!(allowed_packages(None), (true, true));
        assert_eq!(allowed_packages(Some("!Kerberos")), (false, true));
        assert_eq!(allowed_packages(Some("NTLM")), (false, true));
        assert_eq!(allowed_packages(Some("kerberos")), (true, false));
        assert_eq!(allowed_packages(Some("Kerberos, NTLM")), (true, true));
        assert_eq!(allowed_packages(Some("!NTLM")), (true, false));
        assert_eq!(allowed_packages(Some("Negotiate,!NTLM")), (true, false));
        assert_eq!(allowed_packages(Some("!Kerberos,!NTLM")), (false, false));
        assert_eq!(allowed_packages(Some("")), (true, true));
    }
}
