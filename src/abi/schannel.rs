//! The credential and control-token types of `schannel.h`, and the
//! Schannel-specific buffer payloads of `sspi.h` (ALPN lists, SRTP, DTLS MTU,
//! traffic secrets...).

use core::ffi::c_void;

use super::types::{ALG_ID, BYTE, DWORD, PUNICODE_STRING, UCHAR, UNICODE_STRING, USHORT, WCHAR, WORD};
use super::wincrypt::{HCERTSTORE, HCRYPTPROV, PCCERT_CONTEXT};

/// `SCHANNEL_CRED` (versions 3 and 4): the classic Schannel credential.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SCHANNEL_CRED {
    /// `SCHANNEL_CRED_VERSION` (4); 3 (`SCH_CRED_V3`) is accepted too.
    pub dwVersion: DWORD,
    pub cCreds: DWORD,
    pub paCred: *mut PCCERT_CONTEXT,
    pub hRootStore: HCERTSTORE,
    pub cMappers: DWORD,
    /// `struct _HMAPPER **`: opaque, must be empty.
    pub aphMappers: *mut *mut c_void,
    pub cSupportedAlgs: DWORD,
    pub palgSupportedAlgs: *mut ALG_ID,
    /// `SP_PROT_*`; 0 means the defaults.
    pub grbitEnabledProtocols: DWORD,
    pub dwMinimumCipherStrength: DWORD,
    pub dwMaximumCipherStrength: DWORD,
    /// Session cache lifespan in milliseconds (0: the default).
    pub dwSessionLifespan: DWORD,
    /// `SCH_CRED_*` / `SCH_*` flags.
    pub dwFlags: DWORD,
    /// `SCH_CRED_FORMAT_*`.
    pub dwCredFormat: DWORD,
}
/// `PSCHANNEL_CRED`.
pub type PSCHANNEL_CRED = *mut SCHANNEL_CRED;

const _: () = {
    // The asserts are 64-bit only: the i686 build is not yet layout-proven (see docs/wine.md).
    #[cfg_attr(not(target_pointer_width = "64"), allow(unused_imports))]
    use core::mem::{offset_of, size_of};
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<SCHANNEL_CRED>() == 80);
        assert!(offset_of!(SCHANNEL_CRED, cCreds) == 4 && offset_of!(SCHANNEL_CRED, paCred) == 8);
        assert!(offset_of!(SCHANNEL_CRED, hRootStore) == 16 && offset_of!(SCHANNEL_CRED, cMappers) == 24);
        assert!(offset_of!(SCHANNEL_CRED, aphMappers) == 32 && offset_of!(SCHANNEL_CRED, cSupportedAlgs) == 40);
        assert!(offset_of!(SCHANNEL_CRED, palgSupportedAlgs) == 48);
        assert!(offset_of!(SCHANNEL_CRED, grbitEnabledProtocols) == 56);
        assert!(offset_of!(SCHANNEL_CRED, dwMinimumCipherStrength) == 60);
        assert!(offset_of!(SCHANNEL_CRED, dwMaximumCipherStrength) == 64);
        assert!(offset_of!(SCHANNEL_CRED, dwSessionLifespan) == 68);
        assert!(offset_of!(SCHANNEL_CRED, dwFlags) == 72 && offset_of!(SCHANNEL_CRED, dwCredFormat) == 76);
    }
};

/// `eTlsAlgorithmUsage` (a C enum: `TlsParametersCngAlgUsage*`).
pub type eTlsAlgorithmUsage = i32;

/// `CRYPTO_SETTINGS`: one algorithm to disable (by CNG name) for one usage.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CRYPTO_SETTINGS {
    pub eAlgorithmUsage: eTlsAlgorithmUsage,
    pub strCngAlgId: UNICODE_STRING,
    pub cChainingModes: DWORD,
    pub rgstrChainingModes: PUNICODE_STRING,
    pub dwMinBitLength: DWORD,
    pub dwMaxBitLength: DWORD,
}
/// `PCRYPTO_SETTINGS`.
pub type PCRYPTO_SETTINGS = *mut CRYPTO_SETTINGS;

/// `TLS_PARAMETERS`: what to *disable* (protocols, crypto) for some ALPN ids.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TLS_PARAMETERS {
    pub cAlpnIds: DWORD,
    pub rgstrAlpnIds: PUNICODE_STRING,
    /// `SP_PROT_*` bits *not* to negotiate.
    pub grbitDisabledProtocols: DWORD,
    pub cDisabledCrypto: DWORD,
    pub pDisabledCrypto: PCRYPTO_SETTINGS,
    /// `TLS_PARAMS_OPTIONAL`.
    pub dwFlags: DWORD,
}
/// `PTLS_PARAMETERS`.
pub type PTLS_PARAMETERS = *mut TLS_PARAMETERS;

/// `SCH_CREDENTIALS` (version 5): the modern Schannel credential.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SCH_CREDENTIALS {
    /// `SCH_CREDENTIALS_VERSION` (5).
    pub dwVersion: DWORD,
    pub dwCredFormat: DWORD,
    pub cCreds: DWORD,
    pub paCred: *mut PCCERT_CONTEXT,
    pub hRootStore: HCERTSTORE,
    pub cMappers: DWORD,
    pub aphMappers: *mut *mut c_void,
    pub dwSessionLifespan: DWORD,
    pub dwFlags: DWORD,
    pub cTlsParameters: DWORD,
    pub pTlsParameters: PTLS_PARAMETERS,
}
/// `PSCH_CREDENTIALS`.
pub type PSCH_CREDENTIALS = *mut SCH_CREDENTIALS;

const _: () = {
    // The asserts are 64-bit only: the i686 build is not yet layout-proven (see docs/wine.md).
    #[cfg_attr(not(target_pointer_width = "64"), allow(unused_imports))]
    use core::mem::{offset_of, size_of};
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<CRYPTO_SETTINGS>() == 48);
        assert!(offset_of!(CRYPTO_SETTINGS, strCngAlgId) == 8 && offset_of!(CRYPTO_SETTINGS, cChainingModes) == 24);
        assert!(offset_of!(CRYPTO_SETTINGS, rgstrChainingModes) == 32);
        assert!(offset_of!(CRYPTO_SETTINGS, dwMinBitLength) == 40 && offset_of!(CRYPTO_SETTINGS, dwMaxBitLength) == 44);
        assert!(size_of::<TLS_PARAMETERS>() == 40);
        assert!(offset_of!(TLS_PARAMETERS, rgstrAlpnIds) == 8);
        assert!(offset_of!(TLS_PARAMETERS, grbitDisabledProtocols) == 16);
        assert!(offset_of!(TLS_PARAMETERS, cDisabledCrypto) == 20 && offset_of!(TLS_PARAMETERS, pDisabledCrypto) == 24);
        assert!(offset_of!(TLS_PARAMETERS, dwFlags) == 32);
        assert!(size_of::<SCH_CREDENTIALS>() == 72);
        assert!(offset_of!(SCH_CREDENTIALS, dwCredFormat) == 4 && offset_of!(SCH_CREDENTIALS, cCreds) == 8);
        assert!(offset_of!(SCH_CREDENTIALS, paCred) == 16 && offset_of!(SCH_CREDENTIALS, hRootStore) == 24);
        assert!(offset_of!(SCH_CREDENTIALS, cMappers) == 32 && offset_of!(SCH_CREDENTIALS, aphMappers) == 40);
        assert!(offset_of!(SCH_CREDENTIALS, dwSessionLifespan) == 48 && offset_of!(SCH_CREDENTIALS, dwFlags) == 52);
        assert!(offset_of!(SCH_CREDENTIALS, cTlsParameters) == 56);
        assert!(offset_of!(SCH_CREDENTIALS, pTlsParameters) == 64);
    }
};

/// `SCHANNEL_CERT_HASH`: a `paCred` entry when `dwCredFormat` is
/// `SCH_CRED_FORMAT_CERT_HASH` (a SHA-1 thumbprint to find in the MY store).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SCHANNEL_CERT_HASH {
    pub dwLength: DWORD,
    /// `SCH_MACHINE_CERT_HASH`.
    pub dwFlags: DWORD,
    pub hProv: HCRYPTPROV,
    pub ShaHash: [BYTE; 20],
}
/// `PSCHANNEL_CERT_HASH`.
pub type PSCHANNEL_CERT_HASH = *mut SCHANNEL_CERT_HASH;

/// `SCHANNEL_CERT_HASH_STORE` (`SCH_CRED_FORMAT_CERT_HASH_STORE`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SCHANNEL_CERT_HASH_STORE {
    pub dwLength: DWORD,
    pub dwFlags: DWORD,
    pub hProv: HCRYPTPROV,
    pub ShaHash: [BYTE; 20],
    pub pwszStoreName: [WCHAR; 128],
}
/// `PSCHANNEL_CERT_HASH_STORE`.
pub type PSCHANNEL_CERT_HASH_STORE = *mut SCHANNEL_CERT_HASH_STORE;

const _: () = {
    // The asserts are 64-bit only: the i686 build is not yet layout-proven (see docs/wine.md).
    #[cfg_attr(not(target_pointer_width = "64"), allow(unused_imports))]
    use core::mem::{offset_of, size_of};
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<SCHANNEL_CERT_HASH>() == 40);
        assert!(offset_of!(SCHANNEL_CERT_HASH, hProv) == 8 && offset_of!(SCHANNEL_CERT_HASH, ShaHash) == 16);
        assert!(size_of::<SCHANNEL_CERT_HASH_STORE>() == 296);
        assert!(offset_of!(SCHANNEL_CERT_HASH_STORE, pwszStoreName) == 36);
    }
};

/// `SCHANNEL_ALERT_TOKEN`: the `ApplyControlToken(SCHANNEL_ALERT)` payload.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SCHANNEL_ALERT_TOKEN {
    /// `SCHANNEL_ALERT`.
    pub dwTokenType: DWORD,
    /// `TLS1_ALERT_WARNING` or `TLS1_ALERT_FATAL`.
    pub dwAlertType: DWORD,
    /// `TLS1_ALERT_*` description.
    pub dwAlertNumber: DWORD,
}

/// `SCHANNEL_SESSION_TOKEN`: the `ApplyControlToken(SCHANNEL_SESSION)` payload.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SCHANNEL_SESSION_TOKEN {
    /// `SCHANNEL_SESSION`.
    pub dwTokenType: DWORD,
    /// `SSL_SESSION_ENABLE_RECONNECTS` / `SSL_SESSION_DISABLE_RECONNECTS`.
    pub dwFlags: DWORD,
}

/// `SCHANNEL_CLIENT_SIGNATURE`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SCHANNEL_CLIENT_SIGNATURE {
    pub cbLength: DWORD,
    pub aiHash: ALG_ID,
    pub cbHash: DWORD,
    pub HashValue: [BYTE; 36],
    pub CertThumbprint: [BYTE; 20],
}
/// `PSCHANNEL_CLIENT_SIGNATURE`.
pub type PSCHANNEL_CLIENT_SIGNATURE = *mut SCHANNEL_CLIENT_SIGNATURE;

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<SCHANNEL_ALERT_TOKEN>() == 12);
    assert!(offset_of!(SCHANNEL_ALERT_TOKEN, dwAlertType) == 4);
    assert!(offset_of!(SCHANNEL_ALERT_TOKEN, dwAlertNumber) == 8);
    assert!(size_of::<SCHANNEL_SESSION_TOKEN>() == 8 && offset_of!(SCHANNEL_SESSION_TOKEN, dwFlags) == 4);
    assert!(size_of::<SCHANNEL_CLIENT_SIGNATURE>() == 68);
    assert!(offset_of!(SCHANNEL_CLIENT_SIGNATURE, HashValue) == 12);
    assert!(offset_of!(SCHANNEL_CLIENT_SIGNATURE, CertThumbprint) == 48);
};

/// `SEND_GENERIC_TLS_EXTENSION`: content of a `SECBUFFER_SEND_GENERIC_TLS_EXTENSION` buffer.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEND_GENERIC_TLS_EXTENSION {
    pub ExtensionType: WORD,
    pub HandshakeType: WORD,
    pub Flags: DWORD,
    pub BufferSize: WORD,
    /// `BufferSize` bytes (a C flexible array, declared `[1]`).
    pub Buffer: [UCHAR; 1],
}
/// `PSEND_GENERIC_TLS_EXTENSION`.
pub type PSEND_GENERIC_TLS_EXTENSION = *mut SEND_GENERIC_TLS_EXTENSION;

/// `TLS_EXTENSION_SUBSCRIPTION`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct TLS_EXTENSION_SUBSCRIPTION {
    pub ExtensionType: WORD,
    pub HandshakeType: WORD,
}
/// `PTLS_EXTENSION_SUBSCRIPTION`.
pub type PTLS_EXTENSION_SUBSCRIPTION = *mut TLS_EXTENSION_SUBSCRIPTION;

/// `SUBSCRIBE_GENERIC_TLS_EXTENSION`: content of a `SECBUFFER_SUBSCRIBE_GENERIC_TLS_EXTENSION` buffer.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SUBSCRIBE_GENERIC_TLS_EXTENSION {
    pub Flags: DWORD,
    pub SubscriptionsCount: DWORD,
    /// `SubscriptionsCount` entries (a C flexible array, declared `[1]`).
    pub Subscriptions: [TLS_EXTENSION_SUBSCRIPTION; 1],
}
/// `PSUBSCRIBE_GENERIC_TLS_EXTENSION`.
pub type PSUBSCRIBE_GENERIC_TLS_EXTENSION = *mut SUBSCRIBE_GENERIC_TLS_EXTENSION;

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<SEND_GENERIC_TLS_EXTENSION>() == 12);
    assert!(offset_of!(SEND_GENERIC_TLS_EXTENSION, Flags) == 4);
    assert!(offset_of!(SEND_GENERIC_TLS_EXTENSION, BufferSize) == 8);
    assert!(offset_of!(SEND_GENERIC_TLS_EXTENSION, Buffer) == 10);
    assert!(size_of::<TLS_EXTENSION_SUBSCRIPTION>() == 4);
    assert!(size_of::<SUBSCRIBE_GENERIC_TLS_EXTENSION>() == 12);
    assert!(offset_of!(SUBSCRIBE_GENERIC_TLS_EXTENSION, Subscriptions) == 8);
};

// ---- Buffer payloads of sspi.h ----

/// `SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT` (a C enum: `SecApplicationProtocolNegotiationExt_*`).
pub type SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT = i32;
/// `SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS` (a C enum: `SecApplicationProtocolNegotiationStatus_*`).
pub type SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS = i32;

/// `SEC_APPLICATION_PROTOCOL_LIST`: one extension's list of u8-length-prefixed ids.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEC_APPLICATION_PROTOCOL_LIST {
    pub ProtoNegoExt: SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT,
    /// Bytes in `ProtocolList`.
    pub ProtocolListSize: USHORT,
    /// `ProtocolListSize` bytes (a C flexible array, declared `[1]`).
    pub ProtocolList: [u8; 1],
}
/// `PSEC_APPLICATION_PROTOCOL_LIST`.
pub type PSEC_APPLICATION_PROTOCOL_LIST = *mut SEC_APPLICATION_PROTOCOL_LIST;

/// `SEC_APPLICATION_PROTOCOLS`: the content of a `SECBUFFER_APPLICATION_PROTOCOLS` buffer.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEC_APPLICATION_PROTOCOLS {
    /// Bytes of all the lists that follow (a 32-bit `unsigned long` on Windows).
    pub ProtocolListsSize: u32,
    /// The lists, back to back (a C flexible array, declared `[1]`).
    pub ProtocolLists: [SEC_APPLICATION_PROTOCOL_LIST; 1],
}
/// `PSEC_APPLICATION_PROTOCOLS`.
pub type PSEC_APPLICATION_PROTOCOLS = *mut SEC_APPLICATION_PROTOCOLS;

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<SEC_APPLICATION_PROTOCOL_LIST>() == 8);
    assert!(offset_of!(SEC_APPLICATION_PROTOCOL_LIST, ProtocolListSize) == 4);
    assert!(offset_of!(SEC_APPLICATION_PROTOCOL_LIST, ProtocolList) == 6);
    assert!(size_of::<SEC_APPLICATION_PROTOCOLS>() == 12);
    assert!(offset_of!(SEC_APPLICATION_PROTOCOLS, ProtocolLists) == 4);
};

/// `SEC_SRTP_PROTECTION_PROFILES` (`SECBUFFER_SRTP_PROTECTION_PROFILES`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEC_SRTP_PROTECTION_PROFILES {
    pub ProfilesSize: u16,
    pub ProfilesList: [u16; 1],
}
/// `PSEC_SRTP_PROTECTION_PROFILES`.
pub type PSEC_SRTP_PROTECTION_PROFILES = *mut SEC_SRTP_PROTECTION_PROFILES;

/// `SEC_SRTP_MASTER_KEY_IDENTIFIER` (`SECBUFFER_SRTP_MASTER_KEY_IDENTIFIER`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEC_SRTP_MASTER_KEY_IDENTIFIER {
    pub MasterKeyIdentifierSize: u8,
    pub MasterKeyIdentifier: [u8; 1],
}
/// `PSEC_SRTP_MASTER_KEY_IDENTIFIER`.
pub type PSEC_SRTP_MASTER_KEY_IDENTIFIER = *mut SEC_SRTP_MASTER_KEY_IDENTIFIER;

/// `SEC_TOKEN_BINDING` (`SECBUFFER_TOKEN_BINDING`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEC_TOKEN_BINDING {
    pub MajorVersion: u8,
    pub MinorVersion: u8,
    pub KeyParametersSize: u16,
    pub KeyParameters: [u8; 1],
}
/// `PSEC_TOKEN_BINDING`.
pub type PSEC_TOKEN_BINDING = *mut SEC_TOKEN_BINDING;

/// `SEC_PRESHAREDKEY` (`SECBUFFER_PRESHARED_KEY`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEC_PRESHAREDKEY {
    pub KeySize: u16,
    pub Key: [u8; 1],
}
/// `PSEC_PRESHAREDKEY`.
pub type PSEC_PRESHAREDKEY = *mut SEC_PRESHAREDKEY;

/// `SEC_PRESHAREDKEY_IDENTITY` (`SECBUFFER_PRESHARED_KEY_IDENTITY`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEC_PRESHAREDKEY_IDENTITY {
    pub KeyIdentitySize: u16,
    pub KeyIdentity: [u8; 1],
}
/// `PSEC_PRESHAREDKEY_IDENTITY`.
pub type PSEC_PRESHAREDKEY_IDENTITY = *mut SEC_PRESHAREDKEY_IDENTITY;

/// `SEC_DTLS_MTU` (`SECBUFFER_DTLS_MTU`, `SECPKG_ATTR_DTLS_MTU`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SEC_DTLS_MTU {
    pub PathMTU: u16,
}
/// `PSEC_DTLS_MTU`.
pub type PSEC_DTLS_MTU = *mut SEC_DTLS_MTU;

/// `SEC_FLAGS` (`SECBUFFER_FLAGS`): 64 bits of `ISC_REQ_MESSAGES`-style flags.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SEC_FLAGS {
    pub Flags: u64,
}
/// `PSEC_FLAGS`.
pub type PSEC_FLAGS = *mut SEC_FLAGS;

/// `SEC_TRAFFIC_SECRET_TYPE` (a C enum: `SecTrafficSecret_*`).
pub type SEC_TRAFFIC_SECRET_TYPE = i32;

/// `SEC_TRAFFIC_SECRETS` (`SECBUFFER_TRAFFIC_SECRETS`, QUIC). The strings
/// are `wchar_t` in the Windows header, i.e. UTF-16 `WCHAR`s.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEC_TRAFFIC_SECRETS {
    pub SymmetricAlgId: [WCHAR; 64],
    pub ChainingMode: [WCHAR; 64],
    pub HashAlgId: [WCHAR; 64],
    pub KeySize: u16,
    pub IvSize: u16,
    pub MsgSequenceStart: u16,
    pub MsgSequenceEnd: u16,
    pub TrafficSecretType: SEC_TRAFFIC_SECRET_TYPE,
    pub TrafficSecretSize: u16,
    pub TrafficSecret: [u8; 1],
}
/// `PSEC_TRAFFIC_SECRETS`.
pub type PSEC_TRAFFIC_SECRETS = *mut SEC_TRAFFIC_SECRETS;

const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    assert!(size_of::<SEC_SRTP_PROTECTION_PROFILES>() == 4);
    assert!(offset_of!(SEC_SRTP_PROTECTION_PROFILES, ProfilesList) == 2);
    assert!(size_of::<SEC_SRTP_MASTER_KEY_IDENTIFIER>() == 2);
    assert!(size_of::<SEC_TOKEN_BINDING>() == 6 && offset_of!(SEC_TOKEN_BINDING, KeyParameters) == 4);
    assert!(size_of::<SEC_PRESHAREDKEY>() == 4 && size_of::<SEC_PRESHAREDKEY_IDENTITY>() == 4);
    assert!(size_of::<SEC_DTLS_MTU>() == 2);
    assert!(size_of::<SEC_FLAGS>() == 8 && align_of::<SEC_FLAGS>() == 8);
    assert!(offset_of!(SEC_TRAFFIC_SECRETS, ChainingMode) == 128);
    assert!(offset_of!(SEC_TRAFFIC_SECRETS, HashAlgId) == 256);
    assert!(offset_of!(SEC_TRAFFIC_SECRETS, KeySize) == 384);
    assert!(offset_of!(SEC_TRAFFIC_SECRETS, TrafficSecretType) == 392);
    assert!(offset_of!(SEC_TRAFFIC_SECRETS, TrafficSecretSize) == 396);
    assert!(offset_of!(SEC_TRAFFIC_SECRETS, TrafficSecret) == 398);
    assert!(size_of::<SEC_TRAFFIC_SECRETS>() == 400);
};
