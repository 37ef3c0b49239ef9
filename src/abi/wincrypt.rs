//! The crypt32 types of `wincrypt.h` that SSPI programs touch: `CERT_CONTEXT`,
//! `CERT_INFO` and the blobs inside it.

use core::ffi::{c_char, c_void};

use super::types::{BOOL, BYTE, DWORD};

/// `HCERTSTORE`: an opaque store handle (a pointer owned by `certs/`).
pub type HCERTSTORE = *mut c_void;
/// `HCRYPTPROV_LEGACY`.
pub type HCRYPTPROV_LEGACY = usize;

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
/// `PCCERT_CONTEXT`.
pub type PCCERT_CONTEXT = *const CERT_CONTEXT;

const _: () = {
    use core::mem::{offset_of, size_of};
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<CRYPTOAPI_BLOB>() == 16);
        assert!(size_of::<FILETIME>() == 8);
        assert!(size_of::<CRYPT_ALGORITHM_IDENTIFIER>() == 24);
        assert!(size_of::<CRYPT_BIT_BLOB>() == 24);
        assert!(size_of::<CERT_PUBLIC_KEY_INFO>() == 48);
        assert!(size_of::<CERT_EXTENSION>() == 32);
        assert!(offset_of!(CERT_INFO, SerialNumber) == 8);
        assert!(offset_of!(CERT_INFO, SignatureAlgorithm) == 24);
        assert!(offset_of!(CERT_INFO, Issuer) == 48);
        assert!(offset_of!(CERT_INFO, NotBefore) == 64);
        assert!(offset_of!(CERT_INFO, Subject) == 80);
        assert!(offset_of!(CERT_INFO, SubjectPublicKeyInfo) == 96);
        assert!(offset_of!(CERT_INFO, cExtension) == 192);
        assert!(size_of::<CERT_INFO>() == 208);
        assert!(size_of::<CERT_CONTEXT>() == 40);
        assert!(offset_of!(CERT_CONTEXT, pCertInfo) == 24);
    }
};
