//! `SecPkgContext_*` and `SecPkgCred_*` attribute structures: what
//! `QueryContextAttributes` / `QueryCredentialsAttributes` write (and
//! `SetContextAttributes` / `SetCredentialsAttributes` read), for every
//! attribute of `sspi.h` and `schannel.h` a Schannel program can use.
//!
//! Pointers inside these structs that the library fills point to memory the
//! caller releases with `FreeContextBuffer` (certificate contexts: with
//! `CertFreeCertificateContext`).

use core::ffi::c_void;

use super::consts::HRESULT;
use super::schannel::{SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT, SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS};
use super::types::{
    PSecPkgInfoA, PSecPkgInfoW, TimeStamp, ALG_ID, BOOL, BYTE, DWORD, GUID, HWND, PBYTE, SEC_CHAR, SEC_WCHAR, ULONG,
    WCHAR, WORD,
};
use super::wincrypt::{LPSTR, LPWSTR, PCERT_NAME_BLOB};

/// `MAX_PROTOCOL_ID_SIZE`: longest ALPN id in `SecPkgContext_ApplicationProtocol`.
pub const MAX_PROTOCOL_ID_SIZE: usize = 0xff;
/// `SZ_ALG_MAX_SIZE`: length of the algorithm-name arrays (in `WCHAR`s).
pub const SZ_ALG_MAX_SIZE: usize = 64;

// ---- sspi.h: credential attributes ----

/// `SecPkgCredentials_NamesW` (`SECPKG_CRED_ATTR_NAMES`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgCredentials_NamesW {
    pub sUserName: *mut SEC_WCHAR,
}
/// `PSecPkgCredentials_NamesW`.
pub type PSecPkgCredentials_NamesW = *mut SecPkgCredentials_NamesW;

/// `SecPkgCredentials_NamesA`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgCredentials_NamesA {
    pub sUserName: *mut SEC_CHAR,
}
/// `PSecPkgCredentials_NamesA`.
pub type PSecPkgCredentials_NamesA = *mut SecPkgCredentials_NamesA;

// ---- sspi.h: context attributes ----

/// `SecPkgContext_Sizes` (`SECPKG_ATTR_SIZES`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgContext_Sizes {
    pub cbMaxToken: ULONG,
    pub cbMaxSignature: ULONG,
    pub cbBlockSize: ULONG,
    pub cbSecurityTrailer: ULONG,
}
/// `PSecPkgContext_Sizes`.
pub type PSecPkgContext_Sizes = *mut SecPkgContext_Sizes;

/// `SecPkgContext_StreamSizes` (`SECPKG_ATTR_STREAM_SIZES`): how to size
/// `EncryptMessage` buffers.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgContext_StreamSizes {
    pub cbHeader: ULONG,
    pub cbTrailer: ULONG,
    pub cbMaximumMessage: ULONG,
    pub cBuffers: ULONG,
    pub cbBlockSize: ULONG,
}
/// `PSecPkgContext_StreamSizes`.
pub type PSecPkgContext_StreamSizes = *mut SecPkgContext_StreamSizes;
/// `SecPkgContext_DatagramSizes` (`SECPKG_ATTR_DATAGRAM_SIZES`, DTLS).
pub type SecPkgContext_DatagramSizes = SecPkgContext_StreamSizes;
/// `PSecPkgContext_DatagramSizes`.
pub type PSecPkgContext_DatagramSizes = *mut SecPkgContext_StreamSizes;

/// `SecPkgContext_NamesW` (`SECPKG_ATTR_NAMES`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_NamesW {
    pub sUserName: *mut SEC_WCHAR,
}
/// `PSecPkgContext_NamesW`.
pub type PSecPkgContext_NamesW = *mut SecPkgContext_NamesW;

/// `SecPkgContext_NamesA`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_NamesA {
    pub sUserName: *mut SEC_CHAR,
}
/// `PSecPkgContext_NamesA`.
pub type PSecPkgContext_NamesA = *mut SecPkgContext_NamesA;

/// `SecPkgContext_Lifespan` (`SECPKG_ATTR_LIFESPAN`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgContext_Lifespan {
    pub tsStart: TimeStamp,
    pub tsExpiry: TimeStamp,
}
/// `PSecPkgContext_Lifespan`.
pub type PSecPkgContext_Lifespan = *mut SecPkgContext_Lifespan;

/// `SecPkgContext_DceInfo` (`SECPKG_ATTR_DCE_INFO`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_DceInfo {
    pub AuthzSvc: ULONG,
    pub pPac: *mut c_void,
}
/// `PSecPkgContext_DceInfo`.
pub type PSecPkgContext_DceInfo = *mut SecPkgContext_DceInfo;

/// `SecPkgContext_KeyInfoW` (`SECPKG_ATTR_KEY_INFO`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_KeyInfoW {
    pub sSignatureAlgorithmName: *mut SEC_WCHAR,
    pub sEncryptAlgorithmName: *mut SEC_WCHAR,
    pub KeySize: ULONG,
    /// An `ALG_ID`.
    pub SignatureAlgorithm: ULONG,
    /// An `ALG_ID`.
    pub EncryptAlgorithm: ULONG,
}
/// `PSecPkgContext_KeyInfoW`.
pub type PSecPkgContext_KeyInfoW = *mut SecPkgContext_KeyInfoW;

/// `SecPkgContext_KeyInfoA`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_KeyInfoA {
    pub sSignatureAlgorithmName: *mut SEC_CHAR,
    pub sEncryptAlgorithmName: *mut SEC_CHAR,
    pub KeySize: ULONG,
    pub SignatureAlgorithm: ULONG,
    pub EncryptAlgorithm: ULONG,
}
/// `PSecPkgContext_KeyInfoA`.
pub type PSecPkgContext_KeyInfoA = *mut SecPkgContext_KeyInfoA;

/// `SecPkgContext_AuthorityW` (`SECPKG_ATTR_AUTHORITY`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_AuthorityW {
    pub sAuthorityName: *mut SEC_WCHAR,
}
/// `PSecPkgContext_AuthorityW`.
pub type PSecPkgContext_AuthorityW = *mut SecPkgContext_AuthorityW;

/// `SecPkgContext_AuthorityA`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_AuthorityA {
    pub sAuthorityName: *mut SEC_CHAR,
}
/// `PSecPkgContext_AuthorityA`.
pub type PSecPkgContext_AuthorityA = *mut SecPkgContext_AuthorityA;

/// `SecPkgContext_ProtoInfoW` (`SECPKG_ATTR_PROTO_INFO`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_ProtoInfoW {
    pub sProtocolName: *mut SEC_WCHAR,
    pub majorVersion: ULONG,
    pub minorVersion: ULONG,
}
/// `PSecPkgContext_ProtoInfoW`.
pub type PSecPkgContext_ProtoInfoW = *mut SecPkgContext_ProtoInfoW;

/// `SecPkgContext_ProtoInfoA`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_ProtoInfoA {
    pub sProtocolName: *mut SEC_CHAR,
    pub majorVersion: ULONG,
    pub minorVersion: ULONG,
}
/// `PSecPkgContext_ProtoInfoA`.
pub type PSecPkgContext_ProtoInfoA = *mut SecPkgContext_ProtoInfoA;

/// `SecPkgContext_PasswordExpiry` (`SECPKG_ATTR_PASSWORD_EXPIRY`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SecPkgContext_PasswordExpiry {
    pub tsPasswordExpires: TimeStamp,
}
/// `PSecPkgContext_PasswordExpiry`.
pub type PSecPkgContext_PasswordExpiry = *mut SecPkgContext_PasswordExpiry;

/// `SecPkgContext_ClientCreds` (mingw-w64 `credssp.h`; `SECPKG_ATTR_CREDS` on a CredSSP
/// server): the delegated credentials.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_ClientCreds {
    pub AuthBufferLen: ULONG,
    pub AuthBuffer: PBYTE,
}
/// `PSecPkgContext_ClientCreds`.
pub type PSecPkgContext_ClientCreds = *mut SecPkgContext_ClientCreds;

/// `CREDSSP_CRED` (mingw-w64 `credssp.h`): `pAuthData` of `AcquireCredentialsHandle (CredSSP)`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CREDSSP_CRED {
    /// A `CREDSPP_SUBMIT_TYPE` (`CredsspPasswordCreds`...).
    pub Type: ULONG,
    /// An `SCHANNEL_CRED` (or NULL).
    pub pSchannelCred: *mut core::ffi::c_void,
    /// A `SEC_WINNT_AUTH_IDENTITY_*` (or NULL).
    pub pSpnegoCred: *mut core::ffi::c_void,
}
/// `PCREDSSP_CRED`.
pub type PCREDSSP_CRED = *mut CREDSSP_CRED;

/// `SecPkgContext_SessionKey` (`SECPKG_ATTR_SESSION_KEY`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_SessionKey {
    pub SessionKeyLength: ULONG,
    pub SessionKey: *mut u8,
}
/// `PSecPkgContext_SessionKey`.
pub type PSecPkgContext_SessionKey = *mut SecPkgContext_SessionKey;

/// `SecPkgContext_PackageInfoW` (`SECPKG_ATTR_PACKAGE_INFO`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_PackageInfoW {
    pub PackageInfo: PSecPkgInfoW,
}
/// `PSecPkgContext_PackageInfoW`.
pub type PSecPkgContext_PackageInfoW = *mut SecPkgContext_PackageInfoW;

/// `SecPkgContext_PackageInfoA`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_PackageInfoA {
    pub PackageInfo: PSecPkgInfoA,
}
/// `PSecPkgContext_PackageInfoA`.
pub type PSecPkgContext_PackageInfoA = *mut SecPkgContext_PackageInfoA;

/// `SecPkgContext_Flags` (`SECPKG_ATTR_FLAGS`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SecPkgContext_Flags {
    pub Flags: ULONG,
}
/// `PSecPkgContext_Flags`.
pub type PSecPkgContext_Flags = *mut SecPkgContext_Flags;

/// `SecPkgContext_NegotiationInfoW` (`SECPKG_ATTR_NEGOTIATION_INFO`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_NegotiationInfoW {
    pub PackageInfo: PSecPkgInfoW,
    /// `SECPKG_NEGOTIATION_*`.
    pub NegotiationState: ULONG,
}
/// `PSecPkgContext_NegotiationInfoW`.
pub type PSecPkgContext_NegotiationInfoW = *mut SecPkgContext_NegotiationInfoW;

/// `SecPkgContext_NegotiationInfoA`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_NegotiationInfoA {
    pub PackageInfo: PSecPkgInfoA,
    pub NegotiationState: ULONG,
}
/// `PSecPkgContext_NegotiationInfoA`.
pub type PSecPkgContext_NegotiationInfoA = *mut SecPkgContext_NegotiationInfoA;

/// `SecPkgContext_NativeNamesW` (`SECPKG_ATTR_NATIVE_NAMES`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_NativeNamesW {
    pub sClientName: *mut SEC_WCHAR,
    pub sServerName: *mut SEC_WCHAR,
}
/// `PSecPkgContext_NativeNamesW`.
pub type PSecPkgContext_NativeNamesW = *mut SecPkgContext_NativeNamesW;

/// `SecPkgContext_NativeNamesA`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_NativeNamesA {
    pub sClientName: *mut SEC_CHAR,
    pub sServerName: *mut SEC_CHAR,
}
/// `PSecPkgContext_NativeNamesA`.
pub type PSecPkgContext_NativeNamesA = *mut SecPkgContext_NativeNamesA;

/// `SecPkgContext_AccessToken` (`SECPKG_ATTR_ACCESS_TOKEN`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_AccessToken {
    pub AccessToken: *mut c_void,
}
/// `PSecPkgContext_AccessToken`.
pub type PSecPkgContext_AccessToken = *mut SecPkgContext_AccessToken;

/// `SecPkgContext_TargetInformation` (`SECPKG_ATTR_TARGET_INFORMATION`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_TargetInformation {
    pub MarshalledTargetInfoLength: ULONG,
    pub MarshalledTargetInfo: *mut u8,
}
/// `PSecPkgContext_TargetInformation`.
pub type PSecPkgContext_TargetInformation = *mut SecPkgContext_TargetInformation;

/// `SecPkgContext_ClientSpecifiedTarget` (`SECPKG_ATTR_CLIENT_SPECIFIED_TARGET`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_ClientSpecifiedTarget {
    pub sTargetName: *mut SEC_WCHAR,
}
/// `PSecPkgContext_ClientSpecifiedTarget`.
pub type PSecPkgContext_ClientSpecifiedTarget = *mut SecPkgContext_ClientSpecifiedTarget;

/// `SEC_CHANNEL_BINDINGS`: a header followed by the binding data it points at
/// (offsets are from the start of this struct).
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
/// `PSEC_CHANNEL_BINDINGS`.
pub type PSEC_CHANNEL_BINDINGS = *mut SEC_CHANNEL_BINDINGS;

/// `SecPkgContext_Bindings` (`SECPKG_ATTR_UNIQUE_BINDINGS`, `SECPKG_ATTR_ENDPOINT_BINDINGS`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_Bindings {
    /// Bytes at `Bindings` (the header and the data after it).
    pub BindingsLength: ULONG,
    pub Bindings: *mut SEC_CHANNEL_BINDINGS,
}
/// `PSecPkgContext_Bindings`.
pub type PSecPkgContext_Bindings = *mut SecPkgContext_Bindings;

/// `SecPkgContext_ApplicationProtocol` (`SECPKG_ATTR_APPLICATION_PROTOCOL`): the ALPN result.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_ApplicationProtocol {
    pub ProtoNegoStatus: SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS,
    pub ProtoNegoExt: SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT,
    pub ProtocolIdSize: u8,
    pub ProtocolId: [u8; MAX_PROTOCOL_ID_SIZE],
}
/// `PSecPkgContext_ApplicationProtocol`.
pub type PSecPkgContext_ApplicationProtocol = *mut SecPkgContext_ApplicationProtocol;

/// `SecPkgContext_NegotiatedTlsExtensions` (`SECPKG_ATTR_NEGOTIATED_TLS_EXTENSIONS`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_NegotiatedTlsExtensions {
    pub ExtensionsCount: ULONG,
    pub Extensions: *mut u16,
}
/// `PSecPkgContext_NegotiatedTlsExtensions`.
pub type PSecPkgContext_NegotiatedTlsExtensions = *mut SecPkgContext_NegotiatedTlsExtensions;

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<SecPkgContext_Sizes>() == 16);
    assert!(offset_of!(SecPkgContext_Sizes, cbMaxSignature) == 4 && offset_of!(SecPkgContext_Sizes, cbBlockSize) == 8);
    assert!(offset_of!(SecPkgContext_Sizes, cbSecurityTrailer) == 12);
    assert!(size_of::<SecPkgContext_StreamSizes>() == 20);
    assert!(offset_of!(SecPkgContext_StreamSizes, cbTrailer) == 4);
    assert!(offset_of!(SecPkgContext_StreamSizes, cbMaximumMessage) == 8);
    assert!(offset_of!(SecPkgContext_StreamSizes, cBuffers) == 12);
    assert!(offset_of!(SecPkgContext_StreamSizes, cbBlockSize) == 16);
    assert!(size_of::<SecPkgContext_Lifespan>() == 16 && offset_of!(SecPkgContext_Lifespan, tsExpiry) == 8);
    assert!(size_of::<SecPkgContext_PasswordExpiry>() == 8);
    assert!(size_of::<SecPkgContext_Flags>() == 4);
    assert!(size_of::<SEC_CHANNEL_BINDINGS>() == 32);
    assert!(offset_of!(SEC_CHANNEL_BINDINGS, dwAcceptorAddrType) == 12);
    assert!(offset_of!(SEC_CHANNEL_BINDINGS, cbApplicationDataLength) == 24);
    assert!(offset_of!(SEC_CHANNEL_BINDINGS, dwApplicationDataOffset) == 28);
    assert!(size_of::<SecPkgContext_ApplicationProtocol>() == 264);
    assert!(offset_of!(SecPkgContext_ApplicationProtocol, ProtoNegoExt) == 4);
    assert!(offset_of!(SecPkgContext_ApplicationProtocol, ProtocolIdSize) == 8);
    assert!(offset_of!(SecPkgContext_ApplicationProtocol, ProtocolId) == 9);
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<SecPkgCredentials_NamesW>() == 8 && size_of::<SecPkgCredentials_NamesA>() == 8);
        assert!(size_of::<SecPkgContext_NamesW>() == 8 && size_of::<SecPkgContext_NamesA>() == 8);
        assert!(size_of::<SecPkgContext_DceInfo>() == 16 && offset_of!(SecPkgContext_DceInfo, pPac) == 8);
        assert!(size_of::<SecPkgContext_KeyInfoW>() == 32 && size_of::<SecPkgContext_KeyInfoA>() == 32);
        assert!(offset_of!(SecPkgContext_KeyInfoW, sEncryptAlgorithmName) == 8);
        assert!(offset_of!(SecPkgContext_KeyInfoW, KeySize) == 16);
        assert!(offset_of!(SecPkgContext_KeyInfoW, SignatureAlgorithm) == 20);
        assert!(offset_of!(SecPkgContext_KeyInfoW, EncryptAlgorithm) == 24);
        assert!(size_of::<SecPkgContext_AuthorityW>() == 8 && size_of::<SecPkgContext_AuthorityA>() == 8);
        assert!(size_of::<SecPkgContext_ProtoInfoW>() == 16 && size_of::<SecPkgContext_ProtoInfoA>() == 16);
        assert!(offset_of!(SecPkgContext_ProtoInfoW, majorVersion) == 8);
        assert!(offset_of!(SecPkgContext_ProtoInfoW, minorVersion) == 12);
        assert!(size_of::<SecPkgContext_SessionKey>() == 16 && offset_of!(SecPkgContext_SessionKey, SessionKey) == 8);
        assert!(size_of::<SecPkgContext_PackageInfoW>() == 8 && size_of::<SecPkgContext_PackageInfoA>() == 8);
        assert!(size_of::<SecPkgContext_NegotiationInfoW>() == 16);
        assert!(offset_of!(SecPkgContext_NegotiationInfoW, NegotiationState) == 8);
        assert!(size_of::<SecPkgContext_NegotiationInfoA>() == 16);
        assert!(size_of::<SecPkgContext_NativeNamesW>() == 16);
        assert!(offset_of!(SecPkgContext_NativeNamesW, sServerName) == 8);
        assert!(size_of::<SecPkgContext_NativeNamesA>() == 16);
        assert!(size_of::<SecPkgContext_AccessToken>() == 8);
        assert!(size_of::<SecPkgContext_TargetInformation>() == 16);
        assert!(offset_of!(SecPkgContext_TargetInformation, MarshalledTargetInfo) == 8);
        assert!(size_of::<SecPkgContext_ClientSpecifiedTarget>() == 8);
        assert!(size_of::<SecPkgContext_Bindings>() == 16 && offset_of!(SecPkgContext_Bindings, Bindings) == 8);
        assert!(size_of::<SecPkgContext_NegotiatedTlsExtensions>() == 16);
        assert!(offset_of!(SecPkgContext_NegotiatedTlsExtensions, Extensions) == 8);
    }
};

// ---- schannel.h: credential attributes ----

/// `SecPkgCred_SupportedAlgs` (`SECPKG_ATTR_SUPPORTED_ALGS`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgCred_SupportedAlgs {
    pub cSupportedAlgs: DWORD,
    pub palgSupportedAlgs: *mut ALG_ID,
}
/// `PSecPkgCred_SupportedAlgs`.
pub type PSecPkgCred_SupportedAlgs = *mut SecPkgCred_SupportedAlgs;

/// `SecPkgCred_CipherStrengths` (`SECPKG_ATTR_CIPHER_STRENGTHS`), in bits.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgCred_CipherStrengths {
    pub dwMinimumCipherStrength: DWORD,
    pub dwMaximumCipherStrength: DWORD,
}
/// `PSecPkgCred_CipherStrengths`.
pub type PSecPkgCred_CipherStrengths = *mut SecPkgCred_CipherStrengths;

/// `SecPkgCred_SupportedProtocols` (`SECPKG_ATTR_SUPPORTED_PROTOCOLS`): `SP_PROT_*` bits.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgCred_SupportedProtocols {
    pub grbitProtocol: DWORD,
}
/// `PSecPkgCred_SupportedProtocols`.
pub type PSecPkgCred_SupportedProtocols = *mut SecPkgCred_SupportedProtocols;

/// `SecPkgCred_ClientCertPolicy` (`SECPKG_ATTR_CLIENT_CERT_POLICY`, set on a credential).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgCred_ClientCertPolicy {
    pub dwFlags: DWORD,
    pub guidPolicyId: GUID,
    pub dwCertFlags: DWORD,
    pub dwUrlRetrievalTimeout: DWORD,
    pub fCheckRevocationFreshnessTime: BOOL,
    pub dwRevocationFreshnessTime: DWORD,
    pub fOmitUsageCheck: BOOL,
    pub pwszSslCtlStoreName: LPWSTR,
    pub pwszSslCtlIdentifier: LPWSTR,
}
/// `PSecPkgCred_ClientCertPolicy`.
pub type PSecPkgCred_ClientCertPolicy = *mut SecPkgCred_ClientCertPolicy;

/// `SecPkgCred_SessionTicketKey` (not in mingw-w64; Windows SDK `schannel.h`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgCred_SessionTicketKey {
    /// `SESSION_TICKET_INFO_VERSION`.
    pub TicketInfoVersion: DWORD,
    pub KeyId: [BYTE; 16],
    pub KeyingMaterial: [BYTE; 64],
    /// 32..=64.
    pub KeyingMaterialSize: BYTE,
}
/// `PSecPkgCred_SessionTicketKey`.
pub type PSecPkgCred_SessionTicketKey = *mut SecPkgCred_SessionTicketKey;

/// `SecPkgCred_SessionTicketKeys` (`SECPKG_ATTR_SESSION_TICKET_KEYS`; not in
/// mingw-w64, Windows SDK `schannel.h`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgCred_SessionTicketKeys {
    pub cSessionTicketKeys: DWORD,
    pub pSessionTicketKeys: PSecPkgCred_SessionTicketKey,
}
/// `PSecPkgCred_SessionTicketKeys`.
pub type PSecPkgCred_SessionTicketKeys = *mut SecPkgCred_SessionTicketKeys;

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<SecPkgCred_CipherStrengths>() == 8);
    assert!(offset_of!(SecPkgCred_CipherStrengths, dwMaximumCipherStrength) == 4);
    assert!(size_of::<SecPkgCred_SupportedProtocols>() == 4);
    assert!(size_of::<SecPkgCred_SessionTicketKey>() == 88);
    assert!(offset_of!(SecPkgCred_SessionTicketKey, KeyId) == 4);
    assert!(offset_of!(SecPkgCred_SessionTicketKey, KeyingMaterial) == 20);
    assert!(offset_of!(SecPkgCred_SessionTicketKey, KeyingMaterialSize) == 84);
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<SecPkgCred_SupportedAlgs>() == 16);
        assert!(offset_of!(SecPkgCred_SupportedAlgs, palgSupportedAlgs) == 8);
        assert!(size_of::<SecPkgCred_ClientCertPolicy>() == 56);
        assert!(offset_of!(SecPkgCred_ClientCertPolicy, guidPolicyId) == 4);
        assert!(offset_of!(SecPkgCred_ClientCertPolicy, dwCertFlags) == 20);
        assert!(offset_of!(SecPkgCred_ClientCertPolicy, dwUrlRetrievalTimeout) == 24);
        assert!(offset_of!(SecPkgCred_ClientCertPolicy, fCheckRevocationFreshnessTime) == 28);
        assert!(offset_of!(SecPkgCred_ClientCertPolicy, dwRevocationFreshnessTime) == 32);
        assert!(offset_of!(SecPkgCred_ClientCertPolicy, fOmitUsageCheck) == 36);
        assert!(offset_of!(SecPkgCred_ClientCertPolicy, pwszSslCtlStoreName) == 40);
        assert!(offset_of!(SecPkgCred_ClientCertPolicy, pwszSslCtlIdentifier) == 48);
        assert!(size_of::<SecPkgCred_SessionTicketKeys>() == 16);
        assert!(offset_of!(SecPkgCred_SessionTicketKeys, pSessionTicketKeys) == 8);
    }
};

// ---- schannel.h: context attributes ----

/// `SecPkgContext_IssuerListInfo` (`SECPKG_ATTR_ISSUER_LIST`, obsolete).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_IssuerListInfo {
    pub cbIssuerList: DWORD,
    pub pIssuerList: PBYTE,
}
/// `PSecPkgContext_IssuerListInfo`.
pub type PSecPkgContext_IssuerListInfo = *mut SecPkgContext_IssuerListInfo;

/// `SecPkgContext_RemoteCredentialInfo` (`SECPKG_ATTR_REMOTE_CRED`, obsolete).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_RemoteCredentialInfo {
    pub cbCertificateChain: DWORD,
    pub pbCertificateChain: PBYTE,
    pub cCertificates: DWORD,
    /// `RCRED_*`.
    pub fFlags: DWORD,
    pub dwBits: DWORD,
}
/// `PSecPkgContext_RemoteCredentialInfo`.
pub type PSecPkgContext_RemoteCredentialInfo = *mut SecPkgContext_RemoteCredentialInfo;
/// `SecPkgContext_RemoteCredenitalInfo`: Windows' own misspelt alias.
pub type SecPkgContext_RemoteCredenitalInfo = SecPkgContext_RemoteCredentialInfo;
/// `PSecPkgContext_RemoteCredenitalInfo`.
pub type PSecPkgContext_RemoteCredenitalInfo = *mut SecPkgContext_RemoteCredentialInfo;

/// `SecPkgContext_LocalCredentialInfo` (`SECPKG_ATTR_LOCAL_CRED`, obsolete).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_LocalCredentialInfo {
    pub cbCertificateChain: DWORD,
    pub pbCertificateChain: PBYTE,
    pub cCertificates: DWORD,
    /// `LCRED_*`.
    pub fFlags: DWORD,
    pub dwBits: DWORD,
}
/// `PSecPkgContext_LocalCredentialInfo`.
pub type PSecPkgContext_LocalCredentialInfo = *mut SecPkgContext_LocalCredentialInfo;
/// `SecPkgContext_LocalCredenitalInfo`: Windows' own misspelt alias.
pub type SecPkgContext_LocalCredenitalInfo = SecPkgContext_LocalCredentialInfo;
/// `PSecPkgContext_LocalCredenitalInfo`.
pub type PSecPkgContext_LocalCredenitalInfo = *mut SecPkgContext_LocalCredentialInfo;

/// `SecPkgContext_ClientCertPolicyResult` (`SECPKG_ATTR_CC_POLICY_RESULT`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_ClientCertPolicyResult {
    pub dwPolicyResult: HRESULT,
    pub guidPolicyId: GUID,
}
/// `PSecPkgContext_ClientCertPolicyResult`.
pub type PSecPkgContext_ClientCertPolicyResult = *mut SecPkgContext_ClientCertPolicyResult;

/// `SecPkgContext_IssuerListInfoEx` (`SECPKG_ATTR_ISSUER_LIST_EX`): the CAs a
/// server accepts for client certificates.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_IssuerListInfoEx {
    pub aIssuers: PCERT_NAME_BLOB,
    pub cIssuers: DWORD,
}
/// `PSecPkgContext_IssuerListInfoEx`.
pub type PSecPkgContext_IssuerListInfoEx = *mut SecPkgContext_IssuerListInfoEx;

/// `SecPkgContext_ConnectionInfo` (`SECPKG_ATTR_CONNECTION_INFO`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgContext_ConnectionInfo {
    /// One `SP_PROT_*` bit.
    pub dwProtocol: DWORD,
    pub aiCipher: ALG_ID,
    pub dwCipherStrength: DWORD,
    pub aiHash: ALG_ID,
    pub dwHashStrength: DWORD,
    pub aiExch: ALG_ID,
    pub dwExchStrength: DWORD,
}
/// `PSecPkgContext_ConnectionInfo`.
pub type PSecPkgContext_ConnectionInfo = *mut SecPkgContext_ConnectionInfo;

/// `SecPkgContext_ConnectionInfoEx` (`SECPKG_ATTR_CONNECTION_INFO_EX`): CNG names.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_ConnectionInfoEx {
    /// `SECPKGCONTEXT_CONNECTION_INFO_EX_V1`.
    pub dwVersion: DWORD,
    pub dwProtocol: DWORD,
    pub szCipher: [WCHAR; SZ_ALG_MAX_SIZE],
    pub dwCipherStrength: DWORD,
    pub szHash: [WCHAR; SZ_ALG_MAX_SIZE],
    pub dwHashStrength: DWORD,
    pub szExchange: [WCHAR; SZ_ALG_MAX_SIZE],
    pub dwExchStrength: DWORD,
}
/// `PSecPkgContext_ConnectionInfoEx`.
pub type PSecPkgContext_ConnectionInfoEx = *mut SecPkgContext_ConnectionInfoEx;

/// `SecPkgContext_CipherInfo` (`SECPKG_ATTR_CIPHER_INFO`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_CipherInfo {
    /// `SECPKGCONTEXT_CIPHERINFO_V1`.
    pub dwVersion: DWORD,
    /// Wire version (0x303 for TLS 1.2, 0x304 for TLS 1.3).
    pub dwProtocol: DWORD,
    /// IANA cipher suite id.
    pub dwCipherSuite: DWORD,
    pub dwBaseCipherSuite: DWORD,
    pub szCipherSuite: [WCHAR; SZ_ALG_MAX_SIZE],
    pub szCipher: [WCHAR; SZ_ALG_MAX_SIZE],
    pub dwCipherLen: DWORD,
    pub dwCipherBlockLen: DWORD,
    pub szHash: [WCHAR; SZ_ALG_MAX_SIZE],
    pub dwHashLen: DWORD,
    pub szExchange: [WCHAR; SZ_ALG_MAX_SIZE],
    pub dwMinExchangeLen: DWORD,
    pub dwMaxExchangeLen: DWORD,
    pub szCertificate: [WCHAR; SZ_ALG_MAX_SIZE],
    pub dwKeyType: DWORD,
}
/// `PSecPkgContext_CipherInfo`.
pub type PSecPkgContext_CipherInfo = *mut SecPkgContext_CipherInfo;

/// `SecPkgContext_EapKeyBlock` (`SECPKG_ATTR_EAP_KEY_BLOCK`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_EapKeyBlock {
    pub rgbKeys: [BYTE; 128],
    pub rgbIVs: [BYTE; 64],
}
/// `PSecPkgContext_EapKeyBlock`.
pub type PSecPkgContext_EapKeyBlock = *mut SecPkgContext_EapKeyBlock;

/// `SecPkgContext_MappedCredAttr` (`SECPKG_ATTR_MAPPED_CRED_ATTR`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_MappedCredAttr {
    pub dwAttribute: DWORD,
    pub pvBuffer: *mut c_void,
}
/// `PSecPkgContext_MappedCredAttr`.
pub type PSecPkgContext_MappedCredAttr = *mut SecPkgContext_MappedCredAttr;

/// `SecPkgContext_SessionInfo` (`SECPKG_ATTR_SESSION_INFO`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgContext_SessionInfo {
    /// `SSL_SESSION_RECONNECT` when the session was resumed.
    pub dwFlags: DWORD,
    pub cbSessionId: DWORD,
    pub rgbSessionId: [BYTE; 32],
}
/// `PSecPkgContext_SessionInfo`.
pub type PSecPkgContext_SessionInfo = *mut SecPkgContext_SessionInfo;

/// `SecPkgContext_SessionAppData` (`SECPKG_ATTR_APP_DATA`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_SessionAppData {
    pub dwFlags: DWORD,
    pub cbAppData: DWORD,
    pub pbAppData: PBYTE,
}
/// `PSecPkgContext_SessionAppData`.
pub type PSecPkgContext_SessionAppData = *mut SecPkgContext_SessionAppData;

/// `SecPkgContext_EapPrfInfo` (`SECPKG_ATTR_EAP_PRF_INFO`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_EapPrfInfo {
    pub dwVersion: DWORD,
    pub cbPrfData: DWORD,
    pub pbPrfData: PBYTE,
}
/// `PSecPkgContext_EapPrfInfo`.
pub type PSecPkgContext_EapPrfInfo = *mut SecPkgContext_EapPrfInfo;

/// `SecPkgContext_SupportedSignatures` (`SECPKG_ATTR_SUPPORTED_SIGNATURES`):
/// TLS SignatureScheme code points.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_SupportedSignatures {
    pub cSignatureAndHashAlgorithms: WORD,
    pub pSignatureAndHashAlgorithms: *mut WORD,
}
/// `PSecPkgContext_SupportedSignatures`.
pub type PSecPkgContext_SupportedSignatures = *mut SecPkgContext_SupportedSignatures;

/// `SecPkgContext_Certificates` (`SECPKG_ATTR_REMOTE_CERTIFICATES`): the
/// peer's certificates as `<u32 length><DER>` records.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_Certificates {
    pub cCertificates: DWORD,
    pub cbCertificateChain: DWORD,
    pub pbCertificateChain: PBYTE,
}
/// `PSecPkgContext_Certificates`.
pub type PSecPkgContext_Certificates = *mut SecPkgContext_Certificates;

/// `SecPkgContext_CertInfo` (`SECPKG_ATTR_LOCAL_CERT_INFO`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_CertInfo {
    /// `KERN_CONTEXT_CERT_INFO_V1`.
    pub dwVersion: DWORD,
    pub cbSubjectName: DWORD,
    pub pwszSubjectName: LPWSTR,
    pub cbIssuerName: DWORD,
    pub pwszIssuerName: LPWSTR,
    pub dwKeySize: DWORD,
}
/// `PSecPkgContext_CertInfo`.
pub type PSecPkgContext_CertInfo = *mut SecPkgContext_CertInfo;

/// `SecPkgContext_UiInfo` (`SECPKG_ATTR_UI_INFO`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_UiInfo {
    pub hParentWindow: HWND,
}
/// `PSecPkgContext_UiInfo`.
pub type PSecPkgContext_UiInfo = *mut SecPkgContext_UiInfo;

/// `SecPkgContext_EarlyStart` (`SECPKG_ATTR_EARLY_START`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SecPkgContext_EarlyStart {
    /// `ENABLE_TLS_CLIENT_EARLY_START`.
    pub dwEarlyStartFlags: DWORD,
}
/// `PSecPkgContext_EarlyStart`.
pub type PSecPkgContext_EarlyStart = *mut SecPkgContext_EarlyStart;

/// `SecPkgContext_KeyingMaterialInfo` (`SECPKG_ATTR_KEYING_MATERIAL_INFO`,
/// set): the RFC 5705 exporter's label, context and length.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_KeyingMaterialInfo {
    /// Bytes of `pszLabel`, including its NUL.
    pub cbLabel: WORD,
    pub pszLabel: LPSTR,
    pub cbContextValue: WORD,
    pub pbContextValue: PBYTE,
    pub cbKeyingMaterial: DWORD,
}
/// `PSecPkgContext_KeyingMaterialInfo`.
pub type PSecPkgContext_KeyingMaterialInfo = *mut SecPkgContext_KeyingMaterialInfo;

/// `SecPkgContext_KeyingMaterial` (`SECPKG_ATTR_KEYING_MATERIAL`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_KeyingMaterial {
    pub cbKeyingMaterial: DWORD,
    pub pbKeyingMaterial: PBYTE,
}
/// `PSecPkgContext_KeyingMaterial`.
pub type PSecPkgContext_KeyingMaterial = *mut SecPkgContext_KeyingMaterial;

/// `SecPkgContext_KeyingMaterial_Inproc` (`SECPKG_ATTR_KEYING_MATERIAL_INPROC`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_KeyingMaterial_Inproc {
    pub cbLabel: WORD,
    pub pszLabel: LPSTR,
    pub cbContextValue: WORD,
    pub pbContextValue: PBYTE,
    pub cbKeyingMaterial: DWORD,
    pub pbKeyingMaterial: PBYTE,
}
/// `PSecPkgContext_KeyingMaterial_Inproc`.
pub type PSecPkgContext_KeyingMaterial_Inproc = *mut SecPkgContext_KeyingMaterial_Inproc;

/// `SecPkgContext_SrtpParameters` (`SECPKG_ATTR_SRTP_PARAMETERS`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_SrtpParameters {
    pub ProtectionProfile: WORD,
    pub MasterKeyIdentifierSize: BYTE,
    pub MasterKeyIdentifier: PBYTE,
}
/// `PSecPkgContext_SrtpParameters`.
pub type PSecPkgContext_SrtpParameters = *mut SecPkgContext_SrtpParameters;

/// `SecPkgContext_TokenBinding` (`SECPKG_ATTR_TOKEN_BINDING`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_TokenBinding {
    pub MajorVersion: BYTE,
    pub MinorVersion: BYTE,
    pub KeyParametersSize: WORD,
    pub KeyParameters: PBYTE,
}
/// `PSecPkgContext_TokenBinding`.
pub type PSecPkgContext_TokenBinding = *mut SecPkgContext_TokenBinding;

/// `SecPkgContext_CertificateValidationResult` (`SECPKG_ATTR_CERT_CHECK_RESULT`;
/// not in mingw-w64, Windows SDK `schannel.h`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgContext_CertificateValidationResult {
    /// `CERT_TRUST_*` error bits of the chain build.
    pub dwChainErrorStatus: DWORD,
    /// The policy check's result (`CERT_E_*`, `TRUST_E_*`, or `S_OK`).
    pub hrVerifyChainStatus: HRESULT,
}
/// `PSecPkgContext_CertificateValidationResult`.
pub type PSecPkgContext_CertificateValidationResult = *mut SecPkgContext_CertificateValidationResult;

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<SecPkgContext_ClientCertPolicyResult>() == 20);
    assert!(offset_of!(SecPkgContext_ClientCertPolicyResult, guidPolicyId) == 4);
    assert!(size_of::<SecPkgContext_ConnectionInfo>() == 28);
    assert!(offset_of!(SecPkgContext_ConnectionInfo, aiCipher) == 4);
    assert!(offset_of!(SecPkgContext_ConnectionInfo, dwCipherStrength) == 8);
    assert!(offset_of!(SecPkgContext_ConnectionInfo, aiHash) == 12);
    assert!(offset_of!(SecPkgContext_ConnectionInfo, dwHashStrength) == 16);
    assert!(offset_of!(SecPkgContext_ConnectionInfo, aiExch) == 20);
    assert!(offset_of!(SecPkgContext_ConnectionInfo, dwExchStrength) == 24);
    assert!(size_of::<SecPkgContext_ConnectionInfoEx>() == 404);
    assert!(offset_of!(SecPkgContext_ConnectionInfoEx, szCipher) == 8);
    assert!(offset_of!(SecPkgContext_ConnectionInfoEx, dwCipherStrength) == 136);
    assert!(offset_of!(SecPkgContext_ConnectionInfoEx, szHash) == 140);
    assert!(offset_of!(SecPkgContext_ConnectionInfoEx, dwHashStrength) == 268);
    assert!(offset_of!(SecPkgContext_ConnectionInfoEx, szExchange) == 272);
    assert!(offset_of!(SecPkgContext_ConnectionInfoEx, dwExchStrength) == 400);
    assert!(size_of::<SecPkgContext_CipherInfo>() == 680);
    assert!(offset_of!(SecPkgContext_CipherInfo, szCipherSuite) == 16);
    assert!(offset_of!(SecPkgContext_CipherInfo, szCipher) == 144);
    assert!(offset_of!(SecPkgContext_CipherInfo, dwCipherLen) == 272);
    assert!(offset_of!(SecPkgContext_CipherInfo, dwCipherBlockLen) == 276);
    assert!(offset_of!(SecPkgContext_CipherInfo, szHash) == 280);
    assert!(offset_of!(SecPkgContext_CipherInfo, dwHashLen) == 408);
    assert!(offset_of!(SecPkgContext_CipherInfo, szExchange) == 412);
    assert!(offset_of!(SecPkgContext_CipherInfo, dwMinExchangeLen) == 540);
    assert!(offset_of!(SecPkgContext_CipherInfo, dwMaxExchangeLen) == 544);
    assert!(offset_of!(SecPkgContext_CipherInfo, szCertificate) == 548);
    assert!(offset_of!(SecPkgContext_CipherInfo, dwKeyType) == 676);
    assert!(size_of::<SecPkgContext_EapKeyBlock>() == 192 && offset_of!(SecPkgContext_EapKeyBlock, rgbIVs) == 128);
    assert!(size_of::<SecPkgContext_SessionInfo>() == 40);
    assert!(offset_of!(SecPkgContext_SessionInfo, cbSessionId) == 4);
    assert!(offset_of!(SecPkgContext_SessionInfo, rgbSessionId) == 8);
    assert!(size_of::<SecPkgContext_EarlyStart>() == 4);
    assert!(size_of::<SecPkgContext_CertificateValidationResult>() == 8);
    assert!(offset_of!(SecPkgContext_CertificateValidationResult, hrVerifyChainStatus) == 4);
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<SecPkgContext_IssuerListInfo>() == 16);
        assert!(offset_of!(SecPkgContext_IssuerListInfo, pIssuerList) == 8);
        assert!(size_of::<SecPkgContext_RemoteCredentialInfo>() == 32);
        assert!(offset_of!(SecPkgContext_RemoteCredentialInfo, pbCertificateChain) == 8);
        assert!(offset_of!(SecPkgContext_RemoteCredentialInfo, cCertificates) == 16);
        assert!(offset_of!(SecPkgContext_RemoteCredentialInfo, fFlags) == 20);
        assert!(offset_of!(SecPkgContext_RemoteCredentialInfo, dwBits) == 24);
        assert!(size_of::<SecPkgContext_LocalCredentialInfo>() == 32);
        assert!(offset_of!(SecPkgContext_LocalCredentialInfo, dwBits) == 24);
        assert!(size_of::<SecPkgContext_IssuerListInfoEx>() == 16);
        assert!(offset_of!(SecPkgContext_IssuerListInfoEx, cIssuers) == 8);
        assert!(size_of::<SecPkgContext_MappedCredAttr>() == 16);
        assert!(offset_of!(SecPkgContext_MappedCredAttr, pvBuffer) == 8);
        assert!(size_of::<SecPkgContext_SessionAppData>() == 16);
        assert!(offset_of!(SecPkgContext_SessionAppData, cbAppData) == 4);
        assert!(offset_of!(SecPkgContext_SessionAppData, pbAppData) == 8);
        assert!(size_of::<SecPkgContext_EapPrfInfo>() == 16);
        assert!(offset_of!(SecPkgContext_EapPrfInfo, pbPrfData) == 8);
        assert!(size_of::<SecPkgContext_SupportedSignatures>() == 16);
        assert!(offset_of!(SecPkgContext_SupportedSignatures, pSignatureAndHashAlgorithms) == 8);
        assert!(size_of::<SecPkgContext_Certificates>() == 16);
        assert!(offset_of!(SecPkgContext_Certificates, cbCertificateChain) == 4);
        assert!(offset_of!(SecPkgContext_Certificates, pbCertificateChain) == 8);
        assert!(size_of::<SecPkgContext_CertInfo>() == 40);
        assert!(offset_of!(SecPkgContext_CertInfo, pwszSubjectName) == 8);
        assert!(offset_of!(SecPkgContext_CertInfo, cbIssuerName) == 16);
        assert!(offset_of!(SecPkgContext_CertInfo, pwszIssuerName) == 24);
        assert!(offset_of!(SecPkgContext_CertInfo, dwKeySize) == 32);
        assert!(size_of::<SecPkgContext_UiInfo>() == 8);
        assert!(size_of::<SecPkgContext_KeyingMaterialInfo>() == 40);
        assert!(offset_of!(SecPkgContext_KeyingMaterialInfo, pszLabel) == 8);
        assert!(offset_of!(SecPkgContext_KeyingMaterialInfo, cbContextValue) == 16);
        assert!(offset_of!(SecPkgContext_KeyingMaterialInfo, pbContextValue) == 24);
        assert!(offset_of!(SecPkgContext_KeyingMaterialInfo, cbKeyingMaterial) == 32);
        assert!(size_of::<SecPkgContext_KeyingMaterial>() == 16);
        assert!(offset_of!(SecPkgContext_KeyingMaterial, pbKeyingMaterial) == 8);
        assert!(size_of::<SecPkgContext_KeyingMaterial_Inproc>() == 48);
        assert!(offset_of!(SecPkgContext_KeyingMaterial_Inproc, cbKeyingMaterial) == 32);
        assert!(offset_of!(SecPkgContext_KeyingMaterial_Inproc, pbKeyingMaterial) == 40);
        assert!(size_of::<SecPkgContext_SrtpParameters>() == 16);
        assert!(offset_of!(SecPkgContext_SrtpParameters, MasterKeyIdentifierSize) == 2);
        assert!(offset_of!(SecPkgContext_SrtpParameters, MasterKeyIdentifier) == 8);
        assert!(size_of::<SecPkgContext_TokenBinding>() == 16);
        assert!(offset_of!(SecPkgContext_TokenBinding, KeyParametersSize) == 2);
        assert!(offset_of!(SecPkgContext_TokenBinding, KeyParameters) == 8);
    }
};
