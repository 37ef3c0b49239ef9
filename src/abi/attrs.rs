//! `SecPkgContext_*` and `SecPkgCred_*` attribute structures.

use core::ffi::c_char;

use super::schannel::{SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT, SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS};
use super::types::{SecPkgInfoA, SecPkgInfoW, TimeStamp, ALG_ID, BYTE, DWORD, SEC_CHAR, SEC_WCHAR, ULONG, WCHAR, WORD};
use super::wincrypt::CERT_NAME_BLOB;

/// `MAX_PROTOCOL_ID_SIZE`.
pub const MAX_PROTOCOL_ID_SIZE: usize = 0xff;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgContext_Sizes {
    pub cbMaxToken: ULONG,
    pub cbMaxSignature: ULONG,
    pub cbBlockSize: ULONG,
    pub cbSecurityTrailer: ULONG,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgContext_StreamSizes {
    pub cbHeader: ULONG,
    pub cbTrailer: ULONG,
    pub cbMaximumMessage: ULONG,
    pub cBuffers: ULONG,
    pub cbBlockSize: ULONG,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgContext_Lifespan {
    pub tsStart: TimeStamp,
    pub tsExpiry: TimeStamp,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_NamesW {
    pub sUserName: *mut SEC_WCHAR,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_NamesA {
    pub sUserName: *mut SEC_CHAR,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgCredentials_NamesW {
    pub sUserName: *mut SEC_WCHAR,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgCredentials_NamesA {
    pub sUserName: *mut SEC_CHAR,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_KeyInfoW {
    pub sSignatureAlgorithmName: *mut SEC_WCHAR,
    pub sEncryptAlgorithmName: *mut SEC_WCHAR,
    pub KeySize: ULONG,
    pub SignatureAlgorithm: ULONG,
    pub EncryptAlgorithm: ULONG,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_KeyInfoA {
    pub sSignatureAlgorithmName: *mut SEC_CHAR,
    pub sEncryptAlgorithmName: *mut SEC_CHAR,
    pub KeySize: ULONG,
    pub SignatureAlgorithm: ULONG,
    pub EncryptAlgorithm: ULONG,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_PackageInfoW {
    pub PackageInfo: *mut SecPkgInfoW,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_PackageInfoA {
    pub PackageInfo: *mut SecPkgInfoA,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_NegotiationInfoW {
    pub PackageInfo: *mut SecPkgInfoW,
    pub NegotiationState: ULONG,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_NegotiationInfoA {
    pub PackageInfo: *mut SecPkgInfoA,
    pub NegotiationState: ULONG,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SecPkgContext_Flags {
    pub Flags: ULONG,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_ClientSpecifiedTarget {
    pub sTargetName: *mut SEC_WCHAR,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_ApplicationProtocol {
    pub ProtoNegoStatus: SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS,
    pub ProtoNegoExt: SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT,
    pub ProtocolIdSize: u8,
    pub ProtocolId: [u8; MAX_PROTOCOL_ID_SIZE],
}

/// `SEC_CHANNEL_BINDINGS`: a header followed by the binding data it points at.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SEC_CHANNEL_BINDINGS {
    pub dwInitiatorAddrType: ULONG,
    pub cbInitiatorLength: ULONG,
    pub dwInitiatorOffset: ULONG,
    pub dwAcceptorAddrType: ULONG,
    pub cbAcceptorLength: ULONG,
    pub dwAcceptorOffset: ULONG,
    pub cbApplicationDataLength: ULONG,
    pub dwApplicationDataOffset: ULONG,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_Bindings {
    pub BindingsLength: ULONG,
    pub Bindings: *mut SEC_CHANNEL_BINDINGS,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_SessionKey {
    pub SessionKeyLength: ULONG,
    pub SessionKey: *mut u8,
}

// ---- schannel.h ----

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgCred_SupportedAlgs {
    pub cSupportedAlgs: DWORD,
    pub palgSupportedAlgs: *mut ALG_ID,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgCred_CipherStrengths {
    pub dwMinimumCipherStrength: DWORD,
    pub dwMaximumCipherStrength: DWORD,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgCred_SupportedProtocols {
    pub grbitProtocol: DWORD,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_IssuerListInfoEx {
    pub aIssuers: *mut CERT_NAME_BLOB,
    pub cIssuers: DWORD,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgContext_ConnectionInfo {
    pub dwProtocol: DWORD,
    pub aiCipher: ALG_ID,
    pub dwCipherStrength: DWORD,
    pub aiHash: ALG_ID,
    pub dwHashStrength: DWORD,
    pub aiExch: ALG_ID,
    pub dwExchStrength: DWORD,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_ConnectionInfoEx {
    pub dwVersion: DWORD,
    pub dwProtocol: DWORD,
    pub szCipher: [WCHAR; 64],
    pub dwCipherStrength: DWORD,
    pub szHash: [WCHAR; 64],
    pub dwHashStrength: DWORD,
    pub szExchange: [WCHAR; 64],
    pub dwExchStrength: DWORD,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_CipherInfo {
    pub dwVersion: DWORD,
    pub dwProtocol: DWORD,
    pub dwCipherSuite: DWORD,
    pub dwBaseCipherSuite: DWORD,
    pub szCipherSuite: [WCHAR; 64],
    pub szCipher: [WCHAR; 64],
    pub dwCipherLen: DWORD,
    pub dwCipherBlockLen: DWORD,
    pub szHash: [WCHAR; 64],
    pub dwHashLen: DWORD,
    pub szExchange: [WCHAR; 64],
    pub dwMinExchangeLen: DWORD,
    pub dwMaxExchangeLen: DWORD,
    pub szCertificate: [WCHAR; 64],
    pub dwKeyType: DWORD,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgContext_SessionInfo {
    pub dwFlags: DWORD,
    pub cbSessionId: DWORD,
    pub rgbSessionId: [BYTE; 32],
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_SessionAppData {
    pub dwFlags: DWORD,
    pub cbAppData: DWORD,
    pub pbAppData: *mut BYTE,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_SupportedSignatures {
    pub cSignatureAndHashAlgorithms: WORD,
    pub pSignatureAndHashAlgorithms: *mut WORD,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SecPkgContext_EarlyStart {
    pub dwEarlyStartFlags: DWORD,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_KeyingMaterialInfo {
    pub cbLabel: WORD,
    pub pszLabel: *mut c_char,
    pub cbContextValue: WORD,
    pub pbContextValue: *mut BYTE,
    pub cbKeyingMaterial: DWORD,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_KeyingMaterial {
    pub cbKeyingMaterial: DWORD,
    pub pbKeyingMaterial: *mut BYTE,
}

const _: () = {
    use core::mem::{offset_of, size_of};
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<SecPkgContext_Sizes>() == 16);
        assert!(size_of::<SecPkgContext_StreamSizes>() == 20);
        assert!(size_of::<SecPkgContext_Lifespan>() == 16);
        assert!(size_of::<SecPkgContext_KeyInfoW>() == 32);
        assert!(size_of::<SecPkgContext_NegotiationInfoW>() == 16);
        assert!(size_of::<SecPkgContext_ApplicationProtocol>() == 264);
        assert!(offset_of!(SecPkgContext_ApplicationProtocol, ProtocolId) == 9);
        assert!(size_of::<SEC_CHANNEL_BINDINGS>() == 32);
        assert!(size_of::<SecPkgContext_Bindings>() == 16);
        assert!(size_of::<SecPkgCred_SupportedAlgs>() == 16);
        assert!(size_of::<SecPkgContext_IssuerListInfoEx>() == 16);
        assert!(size_of::<SecPkgContext_ConnectionInfo>() == 28);
        assert!(size_of::<SecPkgContext_ConnectionInfoEx>() == 404);
        assert!(size_of::<SecPkgContext_CipherInfo>() == 680);
        assert!(offset_of!(SecPkgContext_CipherInfo, dwKeyType) == 676);
        assert!(size_of::<SecPkgContext_SessionInfo>() == 40);
        assert!(size_of::<SecPkgContext_SupportedSignatures>() == 16);
        assert!(size_of::<SecPkgContext_KeyingMaterialInfo>() == 40);
        assert!(size_of::<SecPkgContext_KeyingMaterial>() == 16);
    }
};
