//! rustls errors and received TLS alerts, as the `SECURITY_STATUS` codes
//! Schannel returns for them.

use rustls::{AlertDescription, CertificateError, Error, PeerIncompatible};

use crate::abi::*;
use crate::error::SecError;

/// The status for a certificate verification failure.
pub fn certificate_status(e: &CertificateError) -> (SECURITY_STATUS, &'static str) {
    match e {
        CertificateError::UnknownIssuer => (SEC_E_UNTRUSTED_ROOT, "certificate chain not trusted"),
        CertificateError::BadSignature => (SEC_E_UNTRUSTED_ROOT, "certificate signature invalid"),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            (SEC_E_CERT_EXPIRED, "certificate expired")
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            (SEC_E_CERT_EXPIRED, "certificate not yet valid")
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            (SEC_E_WRONG_PRINCIPAL, "certificate not valid for the target name")
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            (SEC_E_CERT_WRONG_USAGE, "certificate not valid for this purpose")
        }
        CertificateError::Revoked => (CRYPT_E_REVOKED, "certificate revoked"),
        CertificateError::BadEncoding => (SEC_E_ILLEGAL_MESSAGE, "certificate cannot be decoded"),
        _ => (SEC_E_CERT_UNKNOWN, "certificate rejected"),
    }
}

/// The status for an alert the peer sent.
pub fn alert_status(a: AlertDescription) -> (SECURITY_STATUS, &'static str) {
    match a {
        AlertDescription::CloseNotify => (SEC_I_CONTEXT_EXPIRED, "peer closed the connection"),
        AlertDescription::ProtocolVersion => (SEC_E_UNSUPPORTED_FUNCTION, "peer: protocol_version"),
        AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity => {
            (SEC_E_ALGORITHM_MISMATCH, "peer: handshake_failure")
        }
        AlertDescription::UnknownCA => (SEC_E_UNTRUSTED_ROOT, "peer: unknown_ca"),
        AlertDescription::CertificateExpired => (SEC_E_CERT_EXPIRED, "peer: certificate_expired"),
        AlertDescription::BadCertificate
        | AlertDescription::UnsupportedCertificate
        | AlertDescription::CertificateUnknown
        | AlertDescription::CertificateRevoked
        | AlertDescription::CertificateRequired => (SEC_E_CERT_UNKNOWN, "peer rejected the certificate"),
        AlertDescription::NoApplicationProtocol => {
            (SEC_E_APPLICATION_PROTOCOL_MISMATCH, "peer: no_application_protocol")
        }
        AlertDescription::BadRecordMac | AlertDescription::DecryptError => {
            (SEC_E_DECRYPT_FAILURE, "peer: bad_record_mac/decrypt_error")
        }
        AlertDescription::AccessDenied => (SEC_E_LOGON_DENIED, "peer: access_denied"),
        AlertDescription::InternalError => (SEC_E_INTERNAL_ERROR, "peer: internal_error"),
        _ => (SEC_E_ILLEGAL_MESSAGE, "peer sent a fatal alert"),
    }
}

/// The alert a rustls error calls for, for the failures rustls reports
/// without sending one itself (the caller sends it only then).
pub fn alert_for(e: &Error) -> Option<u8> {
    use super::records::alert;
    Some(match e {
        Error::InvalidMessage(_) => alert::DECODE_ERROR,
        Error::PeerSentOversizedRecord => alert::RECORD_OVERFLOW,
        Error::DecryptError => alert::BAD_RECORD_MAC,
        Error::PeerMisbehaved(_) | Error::InappropriateMessage { .. } | Error::InappropriateHandshakeMessage { .. } => {
            alert::UNEXPECTED_MESSAGE
        }
        _ => return None,
    })
}

/// The status Schannel gives for a rustls error.
pub fn from_rustls(e: &Error) -> SecError {
    let (status, detail) = match e {
        Error::InvalidCertificate(c) => certificate_status(c),
        Error::AlertReceived(a) => alert_status(*a),
        Error::PeerIncompatible(p) => match p {
            PeerIncompatible::ServerDoesNotSupportTls12Or13
            | PeerIncompatible::Tls12NotOffered
            | PeerIncompatible::Tls12NotOfferedOrEnabled
            | PeerIncompatible::SupportedVersionsExtensionRequired
            | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig => {
                (SEC_E_ALGORITHM_MISMATCH, "no protocol version in common")
            }
            _ => (SEC_E_ALGORITHM_MISMATCH, "no algorithms in common"),
        },
        Error::NoApplicationProtocol => (SEC_E_APPLICATION_PROTOCOL_MISMATCH, "no application protocol in common"),
        Error::DecryptError => (SEC_E_DECRYPT_FAILURE, "handshake record authentication failed"),
        Error::EncryptError => (SEC_E_ENCRYPT_FAILURE, "encryption failed"),
        Error::NoCertificatesPresented => (SEC_E_CERT_UNKNOWN, "the peer presented no certificate"),
        Error::PeerSentOversizedRecord => (SEC_E_ILLEGAL_MESSAGE, "oversized record"),
        Error::InappropriateMessage { .. }
        | Error::InappropriateHandshakeMessage { .. }
        | Error::InvalidMessage(_)
        | Error::PeerMisbehaved(_)
        | Error::UnsupportedNameType => (SEC_E_ILLEGAL_MESSAGE, "the peer sent an invalid or unexpected message"),
        Error::HandshakeNotComplete => (SEC_E_INVALID_HANDLE, "handshake not complete"),
        Error::FailedToGetCurrentTime | Error::FailedToGetRandomBytes => (SEC_E_INTERNAL_ERROR, "system failure"),
        _ => (SEC_E_INTERNAL_ERROR, "TLS failure"),
    };
    SecError::new(status, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_errors_map_to_schannel_codes() {
        let cases = [
            (Error::InvalidCertificate(CertificateError::UnknownIssuer), SEC_E_UNTRUSTED_ROOT),
            (Error::InvalidCertificate(CertificateError::Expired), SEC_E_CERT_EXPIRED),
            (Error::InvalidCertificate(CertificateError::NotValidForName), SEC_E_WRONG_PRINCIPAL),
            (Error::InvalidCertificate(CertificateError::UnhandledCriticalExtension), SEC_E_CERT_UNKNOWN),
            (Error::InvalidCertificate(CertificateError::BadEncoding), SEC_E_ILLEGAL_MESSAGE),
            (Error::AlertReceived(AlertDescription::ProtocolVersion), SEC_E_UNSUPPORTED_FUNCTION),
            (Error::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon), SEC_E_ALGORITHM_MISMATCH),
            (Error::NoApplicationProtocol, SEC_E_APPLICATION_PROTOCOL_MISMATCH),
        ];
        for (e, want) in cases {
            assert_eq!(from_rustls(&e).status, want, "{e:?}");
        }
    }
}
