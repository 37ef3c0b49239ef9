//! The credential and control-token types of `schannel.h`, and the ALPN list
//! of `sspi.h`.

use core::ffi::c_void;

use super::types::{ALG_ID, DWORD, UNICODE_STRING, USHORT};
use super::wincrypt::{HCERTSTORE, PCCERT_CONTEXT};

/// `SCHANNEL_CRED` (versions 3 and 4): the classic Schannel credential.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SCHANNEL_CRED {
    pub dwVersion: DWORD,
    pub cCreds: DWORD,
    pub paCred: *mut PCCERT_CONTEXT,
    pub hRootStore: HCERTSTORE,
    pub cMappers: DWORD,
    pub aphMappers: *mut *mut c_void,
    pub cSupportedAlgs: DWORD,
    pub palgSupportedAlgs: *mut ALG_ID,
    pub grbitEnabledProtocols: DWORD,
    pub dwMinimumCipherStrength: DWORD,
    pub dwMaximumCipherStrength: DWORD,
    pub dwSessionLifespan: DWORD,
    pub dwFlags: DWORD,
    pub dwCredFormat: DWORD,
}

/// `eTlsAlgorithmUsage`.
pub type eTlsAlgorithmUsage = i32;

/// `CRYPTO_SETTINGS`: one algorithm to disable (by CNG name) for one usage.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CRYPTO_SETTINGS {
    pub eAlgorithmUsage: eTlsAlgorithmUsage,
    pub strCngAlgId: UNICODE_STRING,
    pub cChainingModes: DWORD,
    pub rgstrChainingModes: *mut UNICODE_STRING,
    pub dwMinBitLength: DWORD,
    pub dwMaxBitLength: DWORD,
}

/// `TLS_PARAMETERS`: what to *disable* (protocols, crypto) for some ALPN ids.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TLS_PARAMETERS {
    pub cAlpnIds: DWORD,
    pub rgstrAlpnIds: *mut UNICODE_STRING,
    pub grbitDisabledProtocols: DWORD,
    pub cDisabledCrypto: DWORD,
    pub pDisabledCrypto: *mut CRYPTO_SETTINGS,
    pub dwFlags: DWORD,
}

/// `SCH_CREDENTIALS` (version 5): the modern Schannel credential.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SCH_CREDENTIALS {
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
    pub pTlsParameters: *mut TLS_PARAMETERS,
}

/// `SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT`.
pub type SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT = i32;
/// `SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS`.
pub type SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS = i32;

/// `SEC_APPLICATION_PROTOCOL_LIST`: one extension's list of u8-length-prefixed ids.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEC_APPLICATION_PROTOCOL_LIST {
    pub ProtoNegoExt: SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT,
    pub ProtocolListSize: USHORT,
    pub ProtocolList: [u8; 1],
}

/// `SEC_APPLICATION_PROTOCOLS`: the content of a `SECBUFFER_APPLICATION_PROTOCOLS` buffer.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEC_APPLICATION_PROTOCOLS {
    pub ProtocolListsSize: u32,
    pub ProtocolLists: [SEC_APPLICATION_PROTOCOL_LIST; 1],
}

/// `SCHANNEL_ALERT_TOKEN`: the `ApplyControlToken(SCHANNEL_ALERT)` payload.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SCHANNEL_ALERT_TOKEN {
    pub dwTokenType: DWORD,
    pub dwAlertType: DWORD,
    pub dwAlertNumber: DWORD,
}

/// `SCHANNEL_SESSION_TOKEN`: the `ApplyControlToken(SCHANNEL_SESSION)` payload.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SCHANNEL_SESSION_TOKEN {
    pub dwTokenType: DWORD,
    pub dwFlags: DWORD,
}

const _: () = {
    use core::mem::{offset_of, size_of};
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<SCHANNEL_CRED>() == 80);
        assert!(offset_of!(SCHANNEL_CRED, paCred) == 8);
        assert!(offset_of!(SCHANNEL_CRED, grbitEnabledProtocols) == 56);
        assert!(offset_of!(SCHANNEL_CRED, dwFlags) == 72);
        assert!(size_of::<CRYPTO_SETTINGS>() == 48);
        assert!(size_of::<TLS_PARAMETERS>() == 40);
        assert!(offset_of!(TLS_PARAMETERS, grbitDisabledProtocols) == 16);
        assert!(size_of::<SCH_CREDENTIALS>() == 72);
        assert!(offset_of!(SCH_CREDENTIALS, dwFlags) == 52);
        assert!(offset_of!(SCH_CREDENTIALS, pTlsParameters) == 64);
        assert!(offset_of!(SEC_APPLICATION_PROTOCOL_LIST, ProtocolList) == 6);
        assert!(offset_of!(SEC_APPLICATION_PROTOCOLS, ProtocolLists) == 4);
        assert!(size_of::<SCHANNEL_ALERT_TOKEN>() == 12);
        assert!(size_of::<SCHANNEL_SESSION_TOKEN>() == 8);
    }
};
