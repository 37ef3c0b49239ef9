//! The crypt32 types and constants of `wincrypt.h` that SSPI programs touch:
//! `CERT_CONTEXT`, `CERT_INFO` and the blobs inside it, the store, find,
//! property and name-string constants, and the Win32 error codes crypt32
//! reports through `GetLastError`.

#![allow(missing_docs)]

use core::ffi::{c_char, c_void};

use super::consts::HRESULT;
use super::types::{BOOL, BYTE, DWORD, GUID, ULONG_PTR, WCHAR};

/// `LPCSTR`.
pub type LPCSTR = *const c_char;
/// `LPSTR`.
pub type LPSTR = *mut c_char;
/// `LPCWSTR` (UTF-16).
pub type LPCWSTR = *const WCHAR;
/// `LPWSTR` (UTF-16).
pub type LPWSTR = *mut WCHAR;

/// `HCERTSTORE`: an opaque store handle (a pointer owned by `certs/`).
pub type HCERTSTORE = *mut c_void;
/// `HCRYPTPROV`: a CryptoAPI provider handle (`ULONG_PTR`).
pub type HCRYPTPROV = ULONG_PTR;
/// `HCRYPTKEY`: a CryptoAPI key handle (`ULONG_PTR`).
pub type HCRYPTKEY = ULONG_PTR;
/// `HCRYPTPROV_LEGACY`.
pub type HCRYPTPROV_LEGACY = ULONG_PTR;

/// `CRYPT_INTEGER_BLOB` / `CRYPT_DATA_BLOB` / `CERT_NAME_BLOB` / `CRYPT_OBJID_BLOB`...
/// (all the same `CRYPTOAPI_BLOB` in Windows).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CRYPTOAPI_BLOB {
    pub cbData: DWORD,
    pub pbData: *mut BYTE,
}
/// `CRYPT_DATA_BLOB`.
pub type CRYPT_DATA_BLOB = CRYPTOAPI_BLOB;
/// `CRYPT_INTEGER_BLOB` (little-endian, as Windows stores serial numbers).
pub type CRYPT_INTEGER_BLOB = CRYPTOAPI_BLOB;
/// `CRYPT_OBJID_BLOB`.
pub type CRYPT_OBJID_BLOB = CRYPTOAPI_BLOB;
/// `CERT_NAME_BLOB` (a DER-encoded X.501 Name).
pub type CERT_NAME_BLOB = CRYPTOAPI_BLOB;
/// `CRYPT_HASH_BLOB`.
pub type CRYPT_HASH_BLOB = CRYPTOAPI_BLOB;
/// `PCRYPT_DATA_BLOB`.
pub type PCRYPT_DATA_BLOB = *mut CRYPTOAPI_BLOB;
/// `PCERT_NAME_BLOB`.
pub type PCERT_NAME_BLOB = *mut CRYPTOAPI_BLOB;

/// `FILETIME`: 100 ns intervals since 1601-01-01 UTC.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FILETIME {
    pub dwLowDateTime: DWORD,
    pub dwHighDateTime: DWORD,
}

/// `CRYPT_ALGORITHM_IDENTIFIER`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CRYPT_ALGORITHM_IDENTIFIER {
    /// Dotted OID string, NUL-terminated.
    pub pszObjId: *mut c_char,
    pub Parameters: CRYPT_OBJID_BLOB,
}

/// `CRYPT_BIT_BLOB`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CRYPT_BIT_BLOB {
    pub cbData: DWORD,
    pub pbData: *mut BYTE,
    pub cUnusedBits: DWORD,
}

/// `CERT_PUBLIC_KEY_INFO`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_PUBLIC_KEY_INFO {
    pub Algorithm: CRYPT_ALGORITHM_IDENTIFIER,
    pub PublicKey: CRYPT_BIT_BLOB,
}

/// `CERT_EXTENSION`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_EXTENSION {
    pub pszObjId: *mut c_char,
    pub fCritical: BOOL,
    pub Value: CRYPT_OBJID_BLOB,
}

/// `CERT_INFO`: the decoded TBSCertificate.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_INFO {
    pub dwVersion: DWORD,
    pub SerialNumber: CRYPT_INTEGER_BLOB,
    pub SignatureAlgorithm: CRYPT_ALGORITHM_IDENTIFIER,
    pub Issuer: CERT_NAME_BLOB,
    pub NotBefore: FILETIME,
    pub NotAfter: FILETIME,
    pub Subject: CERT_NAME_BLOB,
    pub SubjectPublicKeyInfo: CERT_PUBLIC_KEY_INFO,
    pub IssuerUniqueId: CRYPT_BIT_BLOB,
    pub SubjectUniqueId: CRYPT_BIT_BLOB,
    pub cExtension: DWORD,
    pub rgExtension: *mut CERT_EXTENSION,
}

/// `PCERT_INFO`.
pub type PCERT_INFO = *mut CERT_INFO;

/// `CERT_CONTEXT`: what `PCCERT_CONTEXT` points at.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_CONTEXT {
    /// `X509_ASN_ENCODING | PKCS_7_ASN_ENCODING`.
    pub dwCertEncodingType: DWORD,
    /// The DER certificate.
    pub pbCertEncoded: *mut BYTE,
    pub cbCertEncoded: DWORD,
    pub pCertInfo: *mut CERT_INFO,
    /// The store the context belongs to (for a peer certificate: the peer's chain).
    pub hCertStore: HCERTSTORE,
}
/// `PCERT_CONTEXT`.
pub type PCERT_CONTEXT = *mut CERT_CONTEXT;
/// `PCCERT_CONTEXT`.
pub type PCCERT_CONTEXT = *const CERT_CONTEXT;

/// `CRYPT_KEY_PROV_PARAM`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CRYPT_KEY_PROV_PARAM {
    pub dwParam: DWORD,
    pub pbData: *mut BYTE,
    pub cbData: DWORD,
    pub dwFlags: DWORD,
}

/// `CRYPT_KEY_PROV_INFO`: what `CERT_KEY_PROV_INFO_PROP_ID` returns for a
/// certificate with a private key.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CRYPT_KEY_PROV_INFO {
    pub pwszContainerName: LPWSTR,
    pub pwszProvName: LPWSTR,
    pub dwProvType: DWORD,
    pub dwFlags: DWORD,
    pub cProvParam: DWORD,
    pub rgProvParam: *mut CRYPT_KEY_PROV_PARAM,
    pub dwKeySpec: DWORD,
}

/// `CERT_KEY_CONTEXT`: what `CERT_KEY_CONTEXT_PROP_ID` holds (a CryptoAPI provider and key
/// spec for an in-memory key). Read from the system crypt32 by the Windows build.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_KEY_CONTEXT {
    pub cbSize: DWORD,
    pub hCryptProv: HCRYPTPROV,
    pub dwKeySpec: DWORD,
}

pub type PCERT_EXTENSION = *mut CERT_EXTENSION;
pub type LPFILETIME = *mut FILETIME;
pub type HCERTCHAINENGINE = *mut c_void;
pub type HCRYPTMSG = *mut c_void;
pub type LPVOID = *mut c_void;
pub type HLOCAL = *mut c_void;

/// `CTL_USAGE` / `CERT_ENHKEY_USAGE`: a list of usage OIDs.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CTL_USAGE {
    pub cUsageIdentifier: DWORD,
    pub rgpszUsageIdentifier: *mut LPSTR,
}
pub type CERT_ENHKEY_USAGE = CTL_USAGE;
pub type PCERT_ENHKEY_USAGE = *mut CTL_USAGE;

/// `CERT_USAGE_MATCH`: the usages a chain must be good for (`USAGE_MATCH_TYPE_AND` / `_OR`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_USAGE_MATCH {
    pub dwType: DWORD,
    pub Usage: CERT_ENHKEY_USAGE,
}

/// `CERT_CHAIN_PARA` (without the `CERT_CHAIN_PARA_HAS_EXTRA_FIELDS` tail,
/// which callers may append: only `cbSize` bytes are read).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_CHAIN_PARA {
    pub cbSize: DWORD,
    pub RequestedUsage: CERT_USAGE_MATCH,
}
pub type PCERT_CHAIN_PARA = *mut CERT_CHAIN_PARA;

/// `CERT_CHAIN_ENGINE_CONFIG` as Windows 8 lays it out. Windows 7 callers
/// pass `cbSize` without `dwExclusiveFlags`, older ones without
/// `hExclusiveRoot` and `hExclusiveTrustedPeople`; only `cbSize` bytes are read.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_CHAIN_ENGINE_CONFIG {
    pub cbSize: DWORD,
    pub hRestrictedRoot: HCERTSTORE,
    pub hRestrictedTrust: HCERTSTORE,
    pub hRestrictedOther: HCERTSTORE,
    pub cAdditionalStore: DWORD,
    pub rghAdditionalStore: *mut HCERTSTORE,
    pub dwFlags: DWORD,
    pub dwUrlRetrievalTimeout: DWORD,
    pub MaximumCachedCertificates: DWORD,
    pub CycleDetectionModulus: DWORD,
    pub hExclusiveRoot: HCERTSTORE,
    pub hExclusiveTrustedPeople: HCERTSTORE,
    pub dwExclusiveFlags: DWORD,
}
pub type PCERT_CHAIN_ENGINE_CONFIG = *mut CERT_CHAIN_ENGINE_CONFIG;

/// `CERT_TRUST_STATUS`: `CERT_TRUST_*` error and info bits.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CERT_TRUST_STATUS {
    pub dwErrorStatus: DWORD,
    pub dwInfoStatus: DWORD,
}

/// `CERT_REVOCATION_INFO` (never filled in: revocation is not checked, so
/// `pRevocationInfo` is always NULL).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_REVOCATION_INFO {
    pub cbSize: DWORD,
    pub dwRevocationResult: DWORD,
    pub pszRevocationOid: LPCSTR,
    pub pvOidSpecificInfo: LPVOID,
    pub fHasFreshnessTime: BOOL,
    pub dwFreshnessTime: DWORD,
    pub pCrlInfo: *mut c_void,
}

/// `CERT_TRUST_LIST_INFO` (no CTLs: `pTrustListInfo` is always NULL).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_TRUST_LIST_INFO {
    pub cbSize: DWORD,
    pub pCtlEntry: *mut c_void,
    pub pCtlContext: *const c_void,
}

/// `CERT_CHAIN_ELEMENT`: one certificate of a chain and its trust status.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_CHAIN_ELEMENT {
    pub cbSize: DWORD,
    pub pCertContext: PCCERT_CONTEXT,
    pub TrustStatus: CERT_TRUST_STATUS,
    pub pRevocationInfo: *mut CERT_REVOCATION_INFO,
    pub pIssuanceUsage: PCERT_ENHKEY_USAGE,
    pub pApplicationUsage: PCERT_ENHKEY_USAGE,
    pub pwszExtendedErrorInfo: LPCWSTR,
}
pub type PCERT_CHAIN_ELEMENT = *mut CERT_CHAIN_ELEMENT;

/// `CERT_SIMPLE_CHAIN`: end certificate first, root (or the last found) last.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_SIMPLE_CHAIN {
    pub cbSize: DWORD,
    pub TrustStatus: CERT_TRUST_STATUS,
    pub cElement: DWORD,
    pub rgpElement: *mut PCERT_CHAIN_ELEMENT,
    pub pTrustListInfo: *mut CERT_TRUST_LIST_INFO,
    pub fHasRevocationFreshnessTime: BOOL,
    pub dwRevocationFreshnessTime: DWORD,
}
pub type PCERT_SIMPLE_CHAIN = *mut CERT_SIMPLE_CHAIN;

/// `CERT_CHAIN_CONTEXT`: what `CertGetCertificateChain` returns.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_CHAIN_CONTEXT {
    pub cbSize: DWORD,
    pub TrustStatus: CERT_TRUST_STATUS,
    pub cChain: DWORD,
    pub rgpChain: *mut PCERT_SIMPLE_CHAIN,
    pub cLowerQualityChainContext: DWORD,
    pub rgpLowerQualityChainContext: *mut *const CERT_CHAIN_CONTEXT,
    pub fHasRevocationFreshnessTime: BOOL,
    pub dwRevocationFreshnessTime: DWORD,
    pub dwCreateFlags: DWORD,
    pub ChainId: GUID,
}
pub type PCERT_CHAIN_CONTEXT = *mut CERT_CHAIN_CONTEXT;
pub type PCCERT_CHAIN_CONTEXT = *const CERT_CHAIN_CONTEXT;

/// `CERT_OTHER_NAME` (an alternative name's `otherName`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_OTHER_NAME {
    pub pszObjId: LPSTR,
    pub Value: CRYPT_OBJID_BLOB,
}

/// The nameless union of `CERT_ALT_NAME_ENTRY`. The C declaration (with
/// the union anonymous, as Windows has it) is in include/wincrypt.h.
#[repr(C)]
#[derive(Clone, Copy)]
pub union CERT_ALT_NAME_ENTRY_VALUE {
    pub pOtherName: *mut CERT_OTHER_NAME,
    pub pwszRfc822Name: LPWSTR,
    pub pwszDNSName: LPWSTR,
    pub DirectoryName: CERT_NAME_BLOB,
    pub pwszURL: LPWSTR,
    pub IPAddress: CRYPT_DATA_BLOB,
    pub pszRegisteredID: LPSTR,
}

/// `CERT_ALT_NAME_ENTRY` (declared for C in include/wincrypt.h).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CERT_ALT_NAME_ENTRY {
    pub dwAltNameChoice: DWORD,
    pub Value: CERT_ALT_NAME_ENTRY_VALUE,
}

/// `CERT_ALT_NAME_INFO`: what `CryptDecodeObjectEx(X509_ALT_NAME)` returns
/// (declared for C in include/wincrypt.h).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_ALT_NAME_INFO {
    pub cAltEntry: DWORD,
    pub rgAltEntry: *mut CERT_ALT_NAME_ENTRY,
}

/// `CERT_CHAIN_POLICY_PARA`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_CHAIN_POLICY_PARA {
    pub cbSize: DWORD,
    pub dwFlags: DWORD,
    pub pvExtraPolicyPara: *mut c_void,
}
pub type PCERT_CHAIN_POLICY_PARA = *mut CERT_CHAIN_POLICY_PARA;

/// `CERT_CHAIN_POLICY_STATUS`: the verdict.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_CHAIN_POLICY_STATUS {
    pub cbSize: DWORD,
    pub dwError: DWORD,
    pub lChainIndex: i32,
    pub lElementIndex: i32,
    pub pvExtraPolicyStatus: *mut c_void,
}
pub type PCERT_CHAIN_POLICY_STATUS = *mut CERT_CHAIN_POLICY_STATUS;

/// `SSL_EXTRA_CERT_CHAIN_POLICY_PARA` / `HTTPSPolicyCallbackData`. In C the
/// first member is a nameless union of `cbStruct` and `cbSize`: declared by
/// hand in include/wincrypt.h.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SSL_EXTRA_CERT_CHAIN_POLICY_PARA {
    pub cbSize: DWORD,
    pub dwAuthType: DWORD,
    pub fdwChecks: DWORD,
    pub pwszServerName: *mut WCHAR,
}

pub type PFN_CRYPT_ALLOC = Option<unsafe extern "system" fn(cbSize: usize) -> LPVOID>;
pub type PFN_CRYPT_FREE = Option<unsafe extern "system" fn(pv: LPVOID)>;

/// `CRYPT_DECODE_PARA`: the caller's allocator for `CRYPT_DECODE_ALLOC_FLAG`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CRYPT_DECODE_PARA {
    pub cbSize: DWORD,
    pub pfnAlloc: PFN_CRYPT_ALLOC,
    pub pfnFree: PFN_CRYPT_FREE,
}
pub type PCRYPT_DECODE_PARA = *mut CRYPT_DECODE_PARA;

// --- Encoding types ---
pub const X509_ASN_ENCODING: DWORD = 0x1;
pub const PKCS_7_ASN_ENCODING: DWORD = 0x10000;

// --- Store providers (the integer values behind `(LPCSTR) n`) and flags ---
// Kept out of the generated header (`cbindgen:ignore`): C needs them as
// `((LPCSTR) n)`, which include/wincrypt.h defines.
/// cbindgen:ignore
pub const CERT_STORE_PROV_MSG: usize = 1;
/// cbindgen:ignore
pub const CERT_STORE_PROV_MEMORY: usize = 2;
/// cbindgen:ignore
pub const CERT_STORE_PROV_FILE: usize = 3;
/// cbindgen:ignore
pub const CERT_STORE_PROV_REG: usize = 4;
/// cbindgen:ignore
pub const CERT_STORE_PROV_PKCS7: usize = 5;
/// cbindgen:ignore
pub const CERT_STORE_PROV_SERIALIZED: usize = 6;
/// cbindgen:ignore
pub const CERT_STORE_PROV_FILENAME_A: usize = 7;
/// cbindgen:ignore
pub const CERT_STORE_PROV_FILENAME_W: usize = 8;
/// cbindgen:ignore
pub const CERT_STORE_PROV_SYSTEM_A: usize = 9;
/// cbindgen:ignore
pub const CERT_STORE_PROV_SYSTEM_W: usize = 10;
pub const CERT_STORE_NO_CRYPT_RELEASE_FLAG: DWORD = 0x1;
pub const CERT_STORE_DEFER_CLOSE_UNTIL_LAST_FREE_FLAG: DWORD = 0x4;
pub const CERT_STORE_CREATE_NEW_FLAG: DWORD = 0x2000;
pub const CERT_STORE_READONLY_FLAG: DWORD = 0x8000;
pub const CERT_CLOSE_STORE_FORCE_FLAG: DWORD = 0x1;
pub const CERT_CLOSE_STORE_CHECK_FLAG: DWORD = 0x2;

// --- CertAdd*ToStore dispositions ---
pub const CERT_STORE_ADD_NEW: DWORD = 1;
pub const CERT_STORE_ADD_USE_EXISTING: DWORD = 2;
pub const CERT_STORE_ADD_REPLACE_EXISTING: DWORD = 3;
pub const CERT_STORE_ADD_ALWAYS: DWORD = 4;
pub const CERT_STORE_ADD_REPLACE_EXISTING_INHERIT_PROPERTIES: DWORD = 5;
pub const CERT_STORE_ADD_NEWER: DWORD = 6;
pub const CERT_STORE_ADD_NEWER_INHERIT_PROPERTIES: DWORD = 7;

// --- CertFindCertificateInStore ---
pub const CERT_COMPARE_SHIFT: DWORD = 16;
pub const CERT_COMPARE_ANY: DWORD = 0;
pub const CERT_COMPARE_SHA1_HASH: DWORD = 1;
pub const CERT_COMPARE_NAME: DWORD = 2;
pub const CERT_COMPARE_NAME_STR_A: DWORD = 7;
pub const CERT_COMPARE_NAME_STR_W: DWORD = 8;
pub const CERT_COMPARE_EXISTING: DWORD = 13;
pub const CERT_COMPARE_HASH_STR: DWORD = 20;
pub const CERT_INFO_ISSUER_FLAG: DWORD = 4;
pub const CERT_INFO_SUBJECT_FLAG: DWORD = 7;
pub const CERT_FIND_ANY: DWORD = CERT_COMPARE_ANY << CERT_COMPARE_SHIFT;
pub const CERT_FIND_SHA1_HASH: DWORD = CERT_COMPARE_SHA1_HASH << CERT_COMPARE_SHIFT;
pub const CERT_FIND_HASH: DWORD = CERT_FIND_SHA1_HASH;
pub const CERT_FIND_SUBJECT_NAME: DWORD = (CERT_COMPARE_NAME << CERT_COMPARE_SHIFT) | CERT_INFO_SUBJECT_FLAG;
pub const CERT_FIND_ISSUER_NAME: DWORD = (CERT_COMPARE_NAME << CERT_COMPARE_SHIFT) | CERT_INFO_ISSUER_FLAG;
pub const CERT_FIND_SUBJECT_STR_A: DWORD = (CERT_COMPARE_NAME_STR_A << CERT_COMPARE_SHIFT) | CERT_INFO_SUBJECT_FLAG;
pub const CERT_FIND_SUBJECT_STR_W: DWORD = (CERT_COMPARE_NAME_STR_W << CERT_COMPARE_SHIFT) | CERT_INFO_SUBJECT_FLAG;
pub const CERT_FIND_SUBJECT_STR: DWORD = CERT_FIND_SUBJECT_STR_W;
pub const CERT_FIND_ISSUER_STR_A: DWORD = (CERT_COMPARE_NAME_STR_A << CERT_COMPARE_SHIFT) | CERT_INFO_ISSUER_FLAG;
pub const CERT_FIND_ISSUER_STR_W: DWORD = (CERT_COMPARE_NAME_STR_W << CERT_COMPARE_SHIFT) | CERT_INFO_ISSUER_FLAG;
pub const CERT_FIND_ISSUER_STR: DWORD = CERT_FIND_ISSUER_STR_W;
pub const CERT_FIND_EXISTING: DWORD = CERT_COMPARE_EXISTING << CERT_COMPARE_SHIFT;
pub const CERT_FIND_HASH_STR: DWORD = CERT_COMPARE_HASH_STR << CERT_COMPARE_SHIFT;

// --- Certificate properties ---
pub const CERT_KEY_PROV_INFO_PROP_ID: DWORD = 2;
pub const CERT_SHA1_HASH_PROP_ID: DWORD = 3;
pub const CERT_MD5_HASH_PROP_ID: DWORD = 4;
/// Set by `PFXImportCertStore` with `PKCS12_NO_PERSIST_KEY` (an in-memory key) on Windows; not
/// reported by this library's crypt32, whose keys are `CERT_KEY_PROV_INFO_PROP_ID`s.
pub const CERT_KEY_CONTEXT_PROP_ID: DWORD = 5;
pub const CERT_HASH_PROP_ID: DWORD = CERT_SHA1_HASH_PROP_ID;
pub const CERT_KEY_SPEC_PROP_ID: DWORD = 6;
pub const CERT_FRIENDLY_NAME_PROP_ID: DWORD = 11;
pub const CERT_KEY_IDENTIFIER_PROP_ID: DWORD = 20;
pub const CERT_SHA256_HASH_PROP_ID: DWORD = 107;
pub const AT_KEYEXCHANGE: DWORD = 1;
pub const AT_SIGNATURE: DWORD = 2;
pub const CERT_NCRYPT_KEY_SPEC: DWORD = 0xFFFF_FFFF;
pub const PROV_RSA_FULL: DWORD = 1;

// --- CertGetNameString and CertNameToStr ---
pub const CERT_NAME_EMAIL_TYPE: DWORD = 1;
pub const CERT_NAME_RDN_TYPE: DWORD = 2;
pub const CERT_NAME_ATTR_TYPE: DWORD = 3;
pub const CERT_NAME_SIMPLE_DISPLAY_TYPE: DWORD = 4;
pub const CERT_NAME_FRIENDLY_DISPLAY_TYPE: DWORD = 5;
pub const CERT_NAME_DNS_TYPE: DWORD = 6;
pub const CERT_NAME_URL_TYPE: DWORD = 7;
pub const CERT_NAME_UPN_TYPE: DWORD = 8;
pub const CERT_NAME_ISSUER_FLAG: DWORD = 0x1;
pub const CERT_NAME_SEARCH_ALL_NAMES_FLAG: DWORD = 0x2;
pub const CERT_NAME_DISABLE_IE4_UTF8_FLAG: DWORD = 0x10000;
pub const CERT_SIMPLE_NAME_STR: DWORD = 1;
pub const CERT_OID_NAME_STR: DWORD = 2;
pub const CERT_X500_NAME_STR: DWORD = 3;
pub const CERT_NAME_STR_DISABLE_IE4_UTF8_FLAG: DWORD = 0x10000;
pub const CERT_NAME_STR_REVERSE_FLAG: DWORD = 0x2000000;
pub const CERT_NAME_STR_COMMA_FLAG: DWORD = 0x4000000;
pub const CERT_NAME_STR_CRLF_FLAG: DWORD = 0x8000000;
pub const CERT_NAME_STR_NO_QUOTING_FLAG: DWORD = 0x10000000;
pub const CERT_NAME_STR_NO_PLUS_FLAG: DWORD = 0x20000000;
pub const CERT_NAME_STR_SEMICOLON_FLAG: DWORD = 0x40000000;

// --- CERT_INFO versions ---
pub const CERT_V1: DWORD = 0;
pub const CERT_V2: DWORD = 1;
pub const CERT_V3: DWORD = 2;

// --- PFXImportCertStore flags ---
pub const CRYPT_EXPORTABLE: DWORD = 0x1;
pub const CRYPT_USER_PROTECTED: DWORD = 0x2;
pub const CRYPT_MACHINE_KEYSET: DWORD = 0x20;
pub const PKCS12_INCLUDE_EXTENDED_PROPERTIES: DWORD = 0x10;
pub const PKCS12_IMPORT_SILENT: DWORD = 0x40;
pub const PKCS12_PREFER_CNG_KSP: DWORD = 0x100;
pub const PKCS12_ALWAYS_CNG_KSP: DWORD = 0x200;
pub const PKCS12_ONLY_CERTIFICATES: DWORD = 0x400;
pub const PKCS12_ONLY_NOT_ENCRYPTED_CERTIFICATES: DWORD = 0x800;
pub const CRYPT_USER_KEYSET: DWORD = 0x1000;
pub const PKCS12_ALLOW_OVERWRITE_KEY: DWORD = 0x4000;
pub const PKCS12_NO_PERSIST_KEY: DWORD = 0x8000;

// --- Certificate chains ---
pub const USAGE_MATCH_TYPE_AND: DWORD = 0x0;
pub const USAGE_MATCH_TYPE_OR: DWORD = 0x1;
pub const CERT_CHAIN_EXCLUSIVE_ENABLE_CA_FLAG: DWORD = 0x1;
pub const CERT_CHAIN_CACHE_END_CERT: DWORD = 0x1;
pub const CERT_CHAIN_CACHE_ONLY_URL_RETRIEVAL: DWORD = 0x4;
pub const CERT_CHAIN_ENABLE_CACHE_AUTO_UPDATE: DWORD = 0x10;
pub const CERT_CHAIN_ENABLE_SHARE_STORE: DWORD = 0x20;
pub const CERT_CHAIN_DISABLE_AUTH_ROOT_AUTO_UPDATE: DWORD = 0x100;
pub const CERT_CHAIN_DISABLE_AIA: DWORD = 0x2000;
pub const CERT_CHAIN_REVOCATION_CHECK_END_CERT: DWORD = 0x1000_0000;
pub const CERT_CHAIN_REVOCATION_CHECK_CHAIN: DWORD = 0x2000_0000;
pub const CERT_CHAIN_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT: DWORD = 0x4000_0000;
pub const CERT_CHAIN_REVOCATION_CHECK_CACHE_ONLY: DWORD = 0x8000_0000;
pub const CERT_TRUST_NO_ERROR: DWORD = 0x0;
pub const CERT_TRUST_IS_NOT_TIME_VALID: DWORD = 0x1;
pub const CERT_TRUST_IS_NOT_TIME_NESTED: DWORD = 0x2;
pub const CERT_TRUST_IS_REVOKED: DWORD = 0x4;
pub const CERT_TRUST_IS_NOT_SIGNATURE_VALID: DWORD = 0x8;
pub const CERT_TRUST_IS_NOT_VALID_FOR_USAGE: DWORD = 0x10;
pub const CERT_TRUST_IS_UNTRUSTED_ROOT: DWORD = 0x20;
pub const CERT_TRUST_REVOCATION_STATUS_UNKNOWN: DWORD = 0x40;
pub const CERT_TRUST_IS_CYCLIC: DWORD = 0x80;
pub const CERT_TRUST_INVALID_EXTENSION: DWORD = 0x100;
pub const CERT_TRUST_INVALID_POLICY_CONSTRAINTS: DWORD = 0x200;
pub const CERT_TRUST_INVALID_BASIC_CONSTRAINTS: DWORD = 0x400;
pub const CERT_TRUST_INVALID_NAME_CONSTRAINTS: DWORD = 0x800;
pub const CERT_TRUST_IS_PARTIAL_CHAIN: DWORD = 0x10000;
pub const CERT_TRUST_IS_OFFLINE_REVOCATION: DWORD = 0x100_0000;
pub const CERT_TRUST_IS_EXPLICIT_DISTRUST: DWORD = 0x400_0000;
pub const CERT_TRUST_HAS_NOT_SUPPORTED_CRITICAL_EXT: DWORD = 0x800_0000;
pub const CERT_TRUST_HAS_WEAK_SIGNATURE: DWORD = 0x10_0000;
pub const CERT_TRUST_HAS_EXACT_MATCH_ISSUER: DWORD = 0x1;
pub const CERT_TRUST_HAS_KEY_MATCH_ISSUER: DWORD = 0x2;
pub const CERT_TRUST_HAS_NAME_MATCH_ISSUER: DWORD = 0x4;
pub const CERT_TRUST_IS_SELF_SIGNED: DWORD = 0x8;
pub const CERT_TRUST_HAS_PREFERRED_ISSUER: DWORD = 0x100;
pub const CERT_TRUST_IS_PEER_TRUSTED: DWORD = 0x800;
pub const CERT_TRUST_IS_FROM_EXCLUSIVE_TRUST_STORE: DWORD = 0x2000;
pub const CERT_TRUST_IS_CA_TRUSTED: DWORD = 0x4000;

// --- CertGetIssuerCertificateFromStore ---
pub const CERT_STORE_SIGNATURE_FLAG: DWORD = 0x1;
pub const CERT_STORE_TIME_VALIDITY_FLAG: DWORD = 0x2;
pub const CERT_STORE_REVOCATION_FLAG: DWORD = 0x4;
pub const CERT_STORE_NO_CRL_FLAG: DWORD = 0x10000;
pub const CERT_STORE_NO_ISSUER_FLAG: DWORD = 0x20000;

// --- CertVerifyCertificateChainPolicy ---
/// cbindgen:ignore
pub const CERT_CHAIN_POLICY_BASE: usize = 1;
/// cbindgen:ignore
pub const CERT_CHAIN_POLICY_AUTHENTICODE: usize = 2;
/// cbindgen:ignore
pub const CERT_CHAIN_POLICY_SSL: usize = 4;
/// cbindgen:ignore
pub const CERT_CHAIN_POLICY_BASIC_CONSTRAINTS: usize = 5;
pub const CERT_CHAIN_POLICY_IGNORE_NOT_TIME_VALID_FLAG: DWORD = 0x1;
pub const CERT_CHAIN_POLICY_IGNORE_INVALID_BASIC_CONSTRAINTS_FLAG: DWORD = 0x8;
pub const CERT_CHAIN_POLICY_ALLOW_UNKNOWN_CA_FLAG: DWORD = 0x10;
pub const CERT_CHAIN_POLICY_IGNORE_WRONG_USAGE_FLAG: DWORD = 0x20;
pub const CERT_CHAIN_POLICY_IGNORE_INVALID_NAME_FLAG: DWORD = 0x40;
pub const CERT_CHAIN_POLICY_IGNORE_END_REV_UNKNOWN_FLAG: DWORD = 0x100;
pub const CERT_CHAIN_POLICY_IGNORE_CA_REV_UNKNOWN_FLAG: DWORD = 0x400;
pub const CERT_CHAIN_POLICY_IGNORE_ROOT_REV_UNKNOWN_FLAG: DWORD = 0x800;
pub const CERT_CHAIN_POLICY_IGNORE_ALL_REV_UNKNOWN_FLAGS: DWORD = 0xF00;
pub const CERT_CHAIN_POLICY_IGNORE_NOT_SUPPORTED_CRITICAL_EXT_FLAG: DWORD = 0x2000;
pub const AUTHTYPE_CLIENT: DWORD = 1;
/// `SECURITY_FLAG_IGNORE_*` (wininet.h), as `fdwChecks` carries them.
pub const SECURITY_FLAG_IGNORE_REVOCATION: DWORD = 0x80;
pub const SECURITY_FLAG_IGNORE_UNKNOWN_CA: DWORD = 0x100;
pub const SECURITY_FLAG_IGNORE_WRONG_USAGE: DWORD = 0x200;
pub const SECURITY_FLAG_IGNORE_CERT_CN_INVALID: DWORD = 0x1000;
pub const SECURITY_FLAG_IGNORE_CERT_DATE_INVALID: DWORD = 0x2000;

pub const AUTHTYPE_SERVER: DWORD = 2;

// --- CryptQueryObject ---
pub const CERT_QUERY_OBJECT_FILE: DWORD = 0x1;
pub const CERT_QUERY_OBJECT_BLOB: DWORD = 0x2;
pub const CERT_QUERY_CONTENT_CERT: DWORD = 1;
pub const CERT_QUERY_CONTENT_FLAG_CERT: DWORD = 1 << CERT_QUERY_CONTENT_CERT;
pub const CERT_QUERY_FORMAT_BINARY: DWORD = 1;
pub const CERT_QUERY_FORMAT_BASE64_ENCODED: DWORD = 2;
pub const CERT_QUERY_FORMAT_FLAG_BINARY: DWORD = 1 << CERT_QUERY_FORMAT_BINARY;
pub const CERT_QUERY_FORMAT_FLAG_BASE64_ENCODED: DWORD = 1 << CERT_QUERY_FORMAT_BASE64_ENCODED;
pub const CERT_QUERY_FORMAT_FLAG_ALL: DWORD = 0xE;

// --- CryptStringToBinary ---
pub const CRYPT_STRING_BASE64HEADER: DWORD = 0x0;
pub const CRYPT_STRING_BASE64: DWORD = 0x1;
pub const CRYPT_STRING_BINARY: DWORD = 0x2;
pub const CRYPT_STRING_BASE64REQUESTHEADER: DWORD = 0x3;
pub const CRYPT_STRING_HEX: DWORD = 0x4;
pub const CRYPT_STRING_BASE64X509CRLHEADER: DWORD = 0x9;
pub const CRYPT_STRING_BASE64_ANY: DWORD = 0x6;
pub const CRYPT_STRING_ANY: DWORD = 0x7;
pub const CRYPT_STRING_HEX_ANY: DWORD = 0x8;

// --- CryptDecodeObjectEx and alternative names ---
pub const CRYPT_DECODE_NOCOPY_FLAG: DWORD = 0x1;
pub const CRYPT_DECODE_ALLOC_FLAG: DWORD = 0x8000;
/// cbindgen:ignore
pub const X509_ALT_NAME: usize = 12;
pub const CERT_ALT_NAME_OTHER_NAME: DWORD = 1;
pub const CERT_ALT_NAME_RFC822_NAME: DWORD = 2;
pub const CERT_ALT_NAME_DNS_NAME: DWORD = 3;
pub const CERT_ALT_NAME_X400_ADDRESS: DWORD = 4;
pub const CERT_ALT_NAME_DIRECTORY_NAME: DWORD = 5;
pub const CERT_ALT_NAME_EDI_PARTY_NAME: DWORD = 6;
pub const CERT_ALT_NAME_URL: DWORD = 7;
pub const CERT_ALT_NAME_IP_ADDRESS: DWORD = 8;
pub const CERT_ALT_NAME_REGISTERED_ID: DWORD = 9;
pub const LMEM_FIXED: u32 = 0x0;
pub const LMEM_ZEROINIT: u32 = 0x40;
pub const LPTR: u32 = 0x40;

// --- Win32 error codes and HRESULTs crypt32 reports through GetLastError ---
pub const ERROR_SUCCESS: DWORD = 0;
pub const ERROR_FILE_NOT_FOUND: DWORD = 2;
pub const ERROR_INVALID_DATA: DWORD = 13;
pub const ERROR_INVALID_HANDLE: DWORD = 6;
pub const ERROR_NOT_ENOUGH_MEMORY: DWORD = 8;
pub const ERROR_INVALID_PASSWORD: DWORD = 86;
pub const ERROR_INVALID_PARAMETER: DWORD = 87;
pub const ERROR_CALL_NOT_IMPLEMENTED: DWORD = 120;
pub const ERROR_MORE_DATA: DWORD = 234;
pub const ERROR_NO_SUCH_USER: DWORD = 1317;
pub const ERROR_NONE_MAPPED: DWORD = 1332;
pub const ERROR_CANT_ACCESS_DOMAIN_INFO: DWORD = 1351;
pub const ERROR_NO_SUCH_DOMAIN: DWORD = 1355;
pub const E_UNEXPECTED: HRESULT = 0x8000FFFF_u32 as i32;
pub const E_INVALIDARG: HRESULT = 0x80070057_u32 as i32;
pub const E_OUTOFMEMORY: HRESULT = 0x8007000E_u32 as i32;
pub const NTE_BAD_KEY: HRESULT = 0x80090003_u32 as i32;
pub const NTE_BAD_DATA: HRESULT = 0x80090005_u32 as i32;
pub const NTE_BAD_ALGID: HRESULT = 0x80090008_u32 as i32;
pub const NTE_BAD_FLAGS: HRESULT = 0x80090009_u32 as i32;

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<FILETIME>() == 8 && offset_of!(FILETIME, dwHighDateTime) == 4);
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<CRYPTOAPI_BLOB>() == 16 && offset_of!(CRYPTOAPI_BLOB, pbData) == 8);
        assert!(size_of::<CRYPT_ALGORITHM_IDENTIFIER>() == 24);
        assert!(offset_of!(CRYPT_ALGORITHM_IDENTIFIER, Parameters) == 8);
        assert!(size_of::<CRYPT_BIT_BLOB>() == 24);
        assert!(offset_of!(CRYPT_BIT_BLOB, pbData) == 8 && offset_of!(CRYPT_BIT_BLOB, cUnusedBits) == 16);
        assert!(size_of::<CERT_PUBLIC_KEY_INFO>() == 48 && offset_of!(CERT_PUBLIC_KEY_INFO, PublicKey) == 24);
        assert!(size_of::<CERT_EXTENSION>() == 32);
        assert!(offset_of!(CERT_EXTENSION, fCritical) == 8 && offset_of!(CERT_EXTENSION, Value) == 16);
        assert!(offset_of!(CERT_INFO, SerialNumber) == 8);
        assert!(offset_of!(CERT_INFO, SignatureAlgorithm) == 24);
        assert!(offset_of!(CERT_INFO, Issuer) == 48);
        assert!(offset_of!(CERT_INFO, NotBefore) == 64 && offset_of!(CERT_INFO, NotAfter) == 72);
        assert!(offset_of!(CERT_INFO, Subject) == 80);
        assert!(offset_of!(CERT_INFO, SubjectPublicKeyInfo) == 96);
        assert!(offset_of!(CERT_INFO, IssuerUniqueId) == 144 && offset_of!(CERT_INFO, SubjectUniqueId) == 168);
        assert!(offset_of!(CERT_INFO, cExtension) == 192 && offset_of!(CERT_INFO, rgExtension) == 200);
        assert!(size_of::<CERT_INFO>() == 208);
        assert!(size_of::<CERT_CONTEXT>() == 40);
        assert!(offset_of!(CERT_CONTEXT, pbCertEncoded) == 8 && offset_of!(CERT_CONTEXT, cbCertEncoded) == 16);
        assert!(offset_of!(CERT_CONTEXT, pCertInfo) == 24 && offset_of!(CERT_CONTEXT, hCertStore) == 32);
        assert!(size_of::<CRYPT_KEY_PROV_PARAM>() == 24);
        assert!(size_of::<CRYPT_KEY_PROV_INFO>() == 48);
        assert!(offset_of!(CRYPT_KEY_PROV_INFO, dwProvType) == 16);
        assert!(offset_of!(CRYPT_KEY_PROV_INFO, rgProvParam) == 32);
        assert!(offset_of!(CRYPT_KEY_PROV_INFO, dwKeySpec) == 40);
        assert!(size_of::<CERT_KEY_CONTEXT>() == 24 && offset_of!(CERT_KEY_CONTEXT, dwKeySpec) == 16);
    }
};

#[cfg(target_pointer_width = "64")]
const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<CERT_CHAIN_ENGINE_CONFIG>() == 88);
    assert!(offset_of!(CERT_CHAIN_ENGINE_CONFIG, hExclusiveRoot) == 64);
    assert!(offset_of!(CERT_CHAIN_ENGINE_CONFIG, dwExclusiveFlags) == 80);
    assert!(size_of::<CERT_CHAIN_PARA>() == 32 && offset_of!(CERT_CHAIN_PARA, RequestedUsage) == 8);
    assert!(size_of::<CERT_CHAIN_ELEMENT>() == 56 && offset_of!(CERT_CHAIN_ELEMENT, TrustStatus) == 16);
    assert!(size_of::<CERT_SIMPLE_CHAIN>() == 40 && offset_of!(CERT_SIMPLE_CHAIN, rgpElement) == 16);
    assert!(size_of::<CERT_CHAIN_CONTEXT>() == 72 && offset_of!(CERT_CHAIN_CONTEXT, ChainId) == 52);
    assert!(size_of::<CERT_ALT_NAME_ENTRY>() == 24 && offset_of!(CERT_ALT_NAME_ENTRY, Value) == 8);
    assert!(size_of::<CERT_ALT_NAME_ENTRY_VALUE>() == size_of::<CRYPT_DATA_BLOB>());
    assert!(size_of::<CERT_ALT_NAME_INFO>() == 16 && size_of::<CRYPT_DECODE_PARA>() == 24);
};
