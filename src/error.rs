//! The one error type of the library.
//!
//! Package code returns `Result<_, SecError>`; only the entry layer turns it
//! into a `SECURITY_STATUS` (see `entry::guard`).

use core::fmt;

use crate::abi::{self, SECURITY_STATUS};

/// A failed call: the `SECURITY_STATUS` to return and, for TLS failures, the
/// alert that was (or must be) sent to the peer.
#[derive(Clone, PartialEq, Eq)]
pub struct SecError {
    pub status: SECURITY_STATUS,
    /// TLS alert description sent or due, if any.
    pub alert: Option<u8>,
    /// Why, for `SSPI_RUSTLS_LOG` tracing. Never holds secrets or plaintext.
    pub detail: &'static str,
}

impl SecError {
    pub const fn new(status: SECURITY_STATUS, detail: &'static str) -> Self {
        Self { status, alert: None, detail }
    }

    pub const fn with_alert(mut self, alert: u8) -> Self {
        self.alert = Some(alert);
        self
    }

    /// Sets the alert when there is one, keeps the present one otherwise.
    pub const fn with_alert_opt(mut self, alert: Option<u8>) -> Self {
        if alert.is_some() {
            self.alert = alert;
        }
        self
    }

    pub const fn invalid_handle(detail: &'static str) -> Self {
        Self::new(abi::SEC_E_INVALID_HANDLE, detail)
    }
    pub const fn invalid_token(detail: &'static str) -> Self {
        Self::new(abi::SEC_E_INVALID_TOKEN, detail)
    }
    pub const fn invalid_parameter(detail: &'static str) -> Self {
        Self::new(abi::SEC_E_INVALID_PARAMETER, detail)
    }
    pub const fn unsupported(detail: &'static str) -> Self {
        Self::new(abi::SEC_E_UNSUPPORTED_FUNCTION, detail)
    }
    pub const fn internal(detail: &'static str) -> Self {
        Self::new(abi::SEC_E_INTERNAL_ERROR, detail)
    }
    pub const fn no_memory(detail: &'static str) -> Self {
        Self::new(abi::SEC_E_INSUFFICIENT_MEMORY, detail)
    }
}

impl fmt::Debug for SecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", status_name(self.status), self.detail)?;
        if let Some(a) = self.alert {
            write!(f, " alert={a}")?;
        }
        Ok(())
    }
}

impl fmt::Display for SecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl std::error::Error for SecError {}

/// Result of package calls.
pub type SecResult<T> = Result<T, SecError>;

/// The name of a status code, for tracing.
pub fn status_name(status: SECURITY_STATUS) -> &'static str {
    use abi::*;
    match status {
        SEC_E_OK => "SEC_E_OK",
        SEC_I_CONTINUE_NEEDED => "SEC_I_CONTINUE_NEEDED",
        SEC_I_CONTEXT_EXPIRED => "SEC_I_CONTEXT_EXPIRED",
        SEC_I_RENEGOTIATE => "SEC_I_RENEGOTIATE",
        SEC_I_INCOMPLETE_CREDENTIALS => "SEC_I_INCOMPLETE_CREDENTIALS",
        SEC_E_INCOMPLETE_MESSAGE => "SEC_E_INCOMPLETE_MESSAGE",
        SEC_E_INSUFFICIENT_MEMORY => "SEC_E_INSUFFICIENT_MEMORY",
        SEC_E_INVALID_HANDLE => "SEC_E_INVALID_HANDLE",
        SEC_E_UNSUPPORTED_FUNCTION => "SEC_E_UNSUPPORTED_FUNCTION",
        SEC_E_INTERNAL_ERROR => "SEC_E_INTERNAL_ERROR",
        SEC_E_SECPKG_NOT_FOUND => "SEC_E_SECPKG_NOT_FOUND",
        SEC_E_INVALID_TOKEN => "SEC_E_INVALID_TOKEN",
        SEC_E_INVALID_PARAMETER => "SEC_E_INVALID_PARAMETER",
        SEC_E_UNKNOWN_CREDENTIALS => "SEC_E_UNKNOWN_CREDENTIALS",
        SEC_E_NO_CREDENTIALS => "SEC_E_NO_CREDENTIALS",
        SEC_E_MESSAGE_ALTERED => "SEC_E_MESSAGE_ALTERED",
        SEC_E_OUT_OF_SEQUENCE => "SEC_E_OUT_OF_SEQUENCE",
        SEC_E_CONTEXT_EXPIRED => "SEC_E_CONTEXT_EXPIRED",
        SEC_E_BUFFER_TOO_SMALL => "SEC_E_BUFFER_TOO_SMALL",
        SEC_E_WRONG_PRINCIPAL => "SEC_E_WRONG_PRINCIPAL",
        SEC_E_UNTRUSTED_ROOT => "SEC_E_UNTRUSTED_ROOT",
        SEC_E_ILLEGAL_MESSAGE => "SEC_E_ILLEGAL_MESSAGE",
        SEC_E_CERT_UNKNOWN => "SEC_E_CERT_UNKNOWN",
        SEC_E_CERT_EXPIRED => "SEC_E_CERT_EXPIRED",
        SEC_E_ENCRYPT_FAILURE => "SEC_E_ENCRYPT_FAILURE",
        SEC_E_DECRYPT_FAILURE => "SEC_E_DECRYPT_FAILURE",
        SEC_E_ALGORITHM_MISMATCH => "SEC_E_ALGORITHM_MISMATCH",
        SEC_E_APPLICATION_PROTOCOL_MISMATCH => "SEC_E_APPLICATION_PROTOCOL_MISMATCH",
        SEC_E_CERT_WRONG_USAGE => "SEC_E_CERT_WRONG_USAGE",
        SEC_E_NOT_OWNER => "SEC_E_NOT_OWNER",
        _ => "SECURITY_STATUS",
    }
}
