//! Certificate contexts and stores at the API boundary, the one place where the ELF library
//! and `secur32.dll` differ about them:
//! * on Linux the application's crypt32 is ours (`entry/crypt32.rs`): a `PCCERT_CONTEXT` or
//!   `HCERTSTORE` it passes in is one we handed out, looked up in the `certs` registry (a
//!   forged or released pointer is refused), and the contexts we hand out are ours;
//! * on Windows (and Wine) the application's crypt32 is the system's: we read its contexts
//!   and stores through crypt32 (the DER, the store's certificates, an exportable private key
//!   through CryptoAPI), and hand out contexts that crypt32 created from our DER, so that the
//!   application can pass them to `CertGetCertificateChain`, `CertGetNameString` or
//!   `CertFreeCertificateContext`. There, as in Windows' own Schannel, a pointer that is not a
//!   crypt32 object cannot be detected.
//!
//! Everything else in the crate works on [`CertRef`] / [`StoreRef`].

use crate::abi::*;
use crate::certs::{CertRef, StoreRef};
use crate::error::{SecError, SecResult};

/// The certificate context behind a `paCred` entry of a credential.
pub fn context_from_app(p: PCCERT_CONTEXT) -> SecResult<CertRef> {
    if p.is_null() {
        return Err(SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "paCred holds a NULL certificate context"));
    }
    imp::context_from_app(p)
}

/// The certificates of a credential's `hRootStore` (NULL: none given).
pub fn store_from_app(h: HCERTSTORE) -> SecResult<Option<StoreRef>> {
    if h.is_null() {
        return Ok(None);
    }
    imp::store_from_app(h).map(Some)
}

/// Hands `c` (with the certificates of its store: a peer's chain) to the application as a
/// `PCCERT_CONTEXT` it frees with `CertFreeCertificateContext`.
pub fn context_to_app(c: CertRef) -> SecResult<PCCERT_CONTEXT> {
    imp::context_to_app(c)
}

#[cfg(not(windows))]
mod imp {
    use super::*;
    use crate::certs;

    pub fn context_from_app(p: PCCERT_CONTEXT) -> SecResult<CertRef> {
        certs::context_from_ptr(p)
            .ok_or(SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "paCred holds an unknown certificate context"))
    }

    pub fn store_from_app(h: HCERTSTORE) -> SecResult<StoreRef> {
        certs::store_from_handle(h).ok_or(SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "hRootStore is not a store"))
    }

    pub fn context_to_app(c: CertRef) -> SecResult<PCCERT_CONTEXT> {
        certs::context_into_ptr(c)
    }
}

#[cfg(windows)]
mod imp {
    use core::ffi::c_void;

    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer};
    use zeroize::Zeroizing;

    use super::*;
    use crate::certs::capi_key::rsa_private_blob_to_pkcs1_repaired;
    use crate::certs::{CertContext, CertData, Properties};

    const PRIVATEKEYBLOB: u32 = 7;
    const CRYPT_ACQUIRE_SILENT_FLAG: u32 = 0x40;
    const ENCODING: u32 = X509_ASN_ENCODING | PKCS_7_ASN_ENCODING;

    #[link(name = "crypt32")]
    extern "system" {
        fn CertOpenStore(
            provider: *const i8,
            encoding: u32,
            prov: HCRYPTPROV,
            flags: u32,
            para: *const c_void,
        ) -> HCERTSTORE;
        fn CertCloseStore(store: HCERTSTORE, flags: u32) -> i32;
        fn CertEnumCertificatesInStore(store: HCERTSTORE, prev: PCCERT_CONTEXT) -> PCCERT_CONTEXT;
        fn CertAddEncodedCertificateToStore(
            store: HCERTSTORE,
            encoding: u32,
            der: *const u8,
            len: u32,
            disposition: u32,
            added: *mut PCCERT_CONTEXT,
        ) -> i32;
        fn CertGetCertificateContextProperty(cert: PCCERT_CONTEXT, prop: u32, data: *mut c_void, len: *mut u32) -> i32;
        fn CryptAcquireCertificatePrivateKey(
            cert: PCCERT_CONTEXT,
            flags: u32,
            reserved: *mut c_void,
            prov: *mut HCRYPTPROV,
            key_spec: *mut u32,
            caller_frees: *mut i32,
        ) -> i32;
    }

    #[link(name = "advapi32")]
    extern "system" {
        fn CryptGetUserKey(prov: HCRYPTPROV, key_spec: u32, key: *mut HCRYPTKEY) -> i32;
        fn CryptExportKey(
            key: HCRYPTKEY,
            exp_key: HCRYPTKEY,
            blob_type: u32,
            flags: u32,
            data: *mut u8,
            len: *mut u32,
        ) -> i32;
        fn CryptDestroyKey(key: HCRYPTKEY) -> i32;
        fn CryptReleaseContext(prov: HCRYPTPROV, flags: u32) -> i32;
    }

    /// The DER of a crypt32 context.
    ///
    /// # Safety
    /// `p` is a live crypt32 certificate context.
    unsafe fn der_of(p: PCCERT_CONTEXT) -> SecResult<Vec<u8>> {
        // SAFETY: a crypt32 context's public fields, per the caller.
        let (pb, cb) = unsafe { ((*p).pbCertEncoded, (*p).cbCertEncoded) };
        if pb.is_null() || cb == 0 {
            return Err(SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "certificate context without an encoding"));
        }
        // SAFETY: crypt32 keeps cbCertEncoded bytes at pbCertEncoded.
        Ok(unsafe { core::slice::from_raw_parts(pb, cb as usize) }.to_vec())
    }

    /// The private key of a crypt32 context when CryptoAPI holds it exportable (a PFX imported
    /// with `CRYPT_EXPORTABLE`, a key generated exportable); None otherwise. Only RSA keys in a
    /// CryptoAPI provider are read: that is what `PFXImportCertStore` makes. The provider is the
    /// context's `CERT_KEY_CONTEXT_PROP_ID` (an in-memory key: `PKCS12_NO_PERSIST_KEY`, which
    /// Wine 8's `CryptAcquireCertificatePrivateKey` does not follow) or, failing that, the key
    /// container `CryptAcquireCertificatePrivateKey` opens.
    ///
    /// # Safety
    /// `p` is a live crypt32 certificate context.
    unsafe fn exportable_key(p: PCCERT_CONTEXT) -> Option<PrivateKeyDer<'static>> {
        let mut kc =
            CERT_KEY_CONTEXT { cbSize: core::mem::size_of::<CERT_KEY_CONTEXT>() as u32, hCryptProv: 0, dwKeySpec: 0 };
        let mut size = kc.cbSize;
        // SAFETY: a property read into a local of the size given.
        let in_memory = unsafe {
            CertGetCertificateContextProperty(
                p,
                CERT_KEY_CONTEXT_PROP_ID,
                (&mut kc as *mut CERT_KEY_CONTEXT).cast(),
                &mut size,
            )
        } != 0;
        let (prov, spec, release) = if in_memory && kc.hCryptProv != 0 {
            (kc.hCryptProv, kc.dwKeySpec, false)
        } else {
            let (mut prov, mut spec, mut free) = (0, 0u32, 0i32);
            // SAFETY: out-pointers to locals; silent: no UI.
            let ok = unsafe {
                CryptAcquireCertificatePrivateKey(
                    p,
                    CRYPT_ACQUIRE_SILENT_FLAG,
                    core::ptr::null_mut(),
                    &mut prov,
                    &mut spec,
                    &mut free,
                )
            };
            if ok == 0 {
                return None;
            }
            (prov, spec, free != 0)
        };
        let mut blob = Zeroizing::new(Vec::new());
        // SAFETY: a provider handle crypt32 gave us; out-pointers to locals, then a buffer of
        // the length CryptExportKey asked for.
        unsafe {
            let mut key = 0;
            // The key spec a provider reports is not always the one its key is under (Wine 8
            // reports 3 for a PFX's AT_KEYEXCHANGE key): the two CryptoAPI specs follow.
            let found = [spec, AT_KEYEXCHANGE, AT_SIGNATURE].iter().any(|&s| CryptGetUserKey(prov, s, &mut key) != 0);
            if found {
                let mut len = 0u32;
                if CryptExportKey(key, 0, PRIVATEKEYBLOB, 0, core::ptr::null_mut(), &mut len) != 0 {
                    blob.resize(len as usize, 0);
                    if CryptExportKey(key, 0, PRIVATEKEYBLOB, 0, blob.as_mut_ptr(), &mut len) != 0 {
                        blob.truncate(len as usize);
                    } else {
                        blob.clear();
                    }
                }
                CryptDestroyKey(key);
            }
            if release {
                CryptReleaseContext(prov, 0);
            }
        }
        // Wine 8 pads a short component with garbage: see the function. CertContext::from_der
        // wipes the copy made here once it holds the key.
        let pkcs1 = rsa_private_blob_to_pkcs1_repaired(&blob).ok()?;
        Some(PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(pkcs1.to_vec())))
    }

    /// The DER of every certificate in a crypt32 store.
    ///
    /// # Safety
    /// `h` is an open crypt32 store.
    unsafe fn store_ders(h: HCERTSTORE) -> SecResult<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        let mut prev: PCCERT_CONTEXT = core::ptr::null();
        loop {
            // SAFETY: enumeration frees `prev` and returns the next context or NULL.
            let next = unsafe { CertEnumCertificatesInStore(h, prev) };
            if next.is_null() {
                return Ok(out);
            }
            // SAFETY: a context crypt32 just returned.
            out.push(unsafe { der_of(next) }?);
            prev = next;
        }
    }

    pub fn context_from_app(p: PCCERT_CONTEXT) -> SecResult<CertRef> {
        // SAFETY: the application passes crypt32 contexts in paCred (Windows' contract).
        let der = unsafe { der_of(p) }?;
        // SAFETY: as above.
        let key = unsafe { exportable_key(p) };
        let leaf = CertContext::from_der(&der, key)
            .map_err(|_| SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "paCred: the certificate does not decode"))?;
        // The context's own store (a PFX's CA certificates) supplies the chain to send.
        // SAFETY: hCertStore is a public field of a live crypt32 context.
        let store = unsafe { (*p).hCertStore };
        if let (false, Some(ours)) = (store.is_null(), leaf.store()) {
            // SAFETY: the context's store is open while the context lives.
            for der in unsafe { store_ders(store) }? {
                if der.as_slice() == leaf.der() {
                    continue;
                }
                if let Ok(data) = CertData::new(&der) {
                    ours.add(data, Properties::default(), ENCODING, CERT_STORE_ADD_ALWAYS)?;
                }
            }
        }
        Ok(leaf)
    }

    pub fn store_from_app(h: HCERTSTORE) -> SecResult<StoreRef> {
        let store = crate::certs::CertStore::new_memory();
        // SAFETY: the application passes a crypt32 store in hRootStore (Windows' contract).
        for der in unsafe { store_ders(h) }? {
            // Certificates this library cannot decode cannot be trust anchors: left out.
            if let Ok(data) = CertData::new(&der) {
                store.add(data, Properties::default(), ENCODING, CERT_STORE_ADD_ALWAYS)?;
            }
        }
        Ok(store)
    }

    pub fn context_to_app(c: CertRef) -> SecResult<PCCERT_CONTEXT> {
        let failed = || SecError::new(SEC_E_INSUFFICIENT_MEMORY, "crypt32 could not make the certificate context");
        // SAFETY: a memory store; crypt32 copies every encoding it is given. The context
        // keeps the store alive after our handle is closed, as Windows' Schannel does it.
        unsafe {
            let store = CertOpenStore(CERT_STORE_PROV_MEMORY as *const i8, 0, 0, 0, core::ptr::null());
            if store.is_null() {
                return Err(failed());
            }
            let mut leaf: PCCERT_CONTEXT = core::ptr::null();
            let der = c.der();
            let ok = CertAddEncodedCertificateToStore(
                store,
                ENCODING,
                der.as_ptr(),
                der.len() as u32,
                CERT_STORE_ADD_ALWAYS,
                &mut leaf,
            );
            if ok != 0 {
                for other in c.store().map(|s| s.certificates()).unwrap_or_default() {
                    if other.sha1() != c.sha1() {
                        let d = other.der();
                        CertAddEncodedCertificateToStore(
                            store,
                            ENCODING,
                            d.as_ptr(),
                            d.len() as u32,
                            CERT_STORE_ADD_ALWAYS,
                            core::ptr::null_mut(),
                        );
                    }
                }
            }
            CertCloseStore(store, 0);
            if ok == 0 || leaf.is_null() {
                return Err(failed());
            }
            Ok(leaf)
        }
    }
}
