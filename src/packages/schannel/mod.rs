//! The Schannel package: TLS 1.2 and 1.3 on rustls + ring.
//!
//! * `credentials`: `SCHANNEL_CRED` / `SCH_CREDENTIALS` → protocol set, suites,
//!   certificates, trust, session caches; `QueryCredentialsAttributes`.
//! * `context`: the context state machine behind a `CtxtHandle`.

mod alpn;
mod attributes;
mod config;
mod context;
mod credentials;
mod errors;
mod established;
mod exporter;
mod handshake;
mod keyblock;
mod records;
mod suites;
mod validation;

use std::sync::Arc;

use crate::abi::*;
use crate::error::SecResult;
use crate::packages::{AcquireRequest, AuthDataFormat, Credentials, PackageInfo, Registered, SecurityPackage};

pub use credentials::SchannelCredentials;
pub use keyblock::reused_on_this_thread as key_blocks_reused_on_this_thread;

/// `fCapabilities` Windows reports for Schannel.
pub const CAPABILITIES: ULONG = SECPKG_FLAG_INTEGRITY
    | SECPKG_FLAG_PRIVACY
    | SECPKG_FLAG_CONNECTION
    | SECPKG_FLAG_MULTI_REQUIRED
    | SECPKG_FLAG_EXTENDED_ERROR
    | SECPKG_FLAG_IMPERSONATION
    | SECPKG_FLAG_ACCEPT_WIN32_NAME
    | SECPKG_FLAG_STREAM
    | SECPKG_FLAG_MUTUAL_AUTH;

/// `cbMaxToken` Windows reports for Schannel.
pub const MAX_TOKEN: ULONG = 24576;

/// The Schannel package object.
pub struct Schannel;

static SCHANNEL: Schannel = Schannel;

/// Schannel's two names, as Windows registers them.
pub static REGISTERED: &[Registered] = &[
    Registered {
        info: PackageInfo {
            name: "Microsoft Unified Security Protocol Provider",
            comment: "Schannel Security Package",
            capabilities: CAPABILITIES,
            version: 1,
            rpc_id: UNISP_RPC_ID as u16,
            max_token: MAX_TOKEN,
        },
        package: &SCHANNEL,
    },
    Registered {
        info: PackageInfo {
            name: "Schannel",
            comment: "Schannel Security Package",
            capabilities: CAPABILITIES,
            version: 1,
            rpc_id: UNISP_RPC_ID as u16,
            max_token: MAX_TOKEN,
        },
        package: &SCHANNEL,
    },
];

impl SecurityPackage for Schannel {
    fn auth_data_format(&self) -> AuthDataFormat {
        AuthDataFormat::Schannel
    }

    fn acquire_credentials(&self, req: AcquireRequest) -> SecResult<Arc<dyn Credentials>> {
        Ok(Arc::new(SchannelCredentials::new(req)?))
    }
}
