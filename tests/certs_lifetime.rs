//! Nothing outlives its last reference and nothing dies before it: the live
//! context and store counts return to where they were. (One test in its own
//! binary, so no other test's objects are counted.)

mod certs_common;

use core::ptr::{null, null_mut};

use certs_common::{wide, Fixture};
use secur32::abi::*;
use secur32::certs::live_objects;
use secur32::entry::crypt32::*;

#[test]
fn stores_and_contexts_are_freed_exactly_when_unreferenced() {
    let data = Fixture::get().read("rsa2048.pfx");
    let blob = CRYPT_DATA_BLOB { cbData: data.len() as u32, pbData: data.as_ptr() as *mut u8 };
    let before = live_objects();
    unsafe {
        let store = PFXImportCertStore(core::ptr::from_ref(&blob).cast_mut(), wide("secret").as_ptr(), 0);
        assert!(!store.is_null());
        assert_eq!(live_objects(), (before.0 + 3, before.1 + 1));
        let leaf = CertEnumCertificatesInStore(store, null());
        let kept = CertDuplicateCertificateContext(leaf);
        assert_eq!(CertCloseStore(store, CERT_CLOSE_STORE_CHECK_FLAG), 0);
        assert_eq!(GetLastError(), CRYPT_E_PENDING_CLOSE as u32);
        // The closed store lives on with all its certificates while one is referenced.
        assert_eq!(live_objects(), (before.0 + 3, before.1 + 1));
        CertFreeCertificateContext(leaf);
        assert_eq!(live_objects(), (before.0 + 3, before.1 + 1));
        CertFreeCertificateContext(kept);
        assert_eq!(live_objects(), before, "the last reference frees the store and its certificates");

        // A credential keeps its certificate (and store) until it is freed.
        let store = PFXImportCertStore(core::ptr::from_ref(&blob).cast_mut(), wide("secret").as_ptr(), 0);
        let leaf = CertEnumCertificatesInStore(store, null());
        let mut certs = [leaf];
        let mut cred: SCHANNEL_CRED = core::mem::zeroed();
        cred.dwVersion = SCHANNEL_CRED_VERSION;
        cred.cCreds = 1;
        cred.paCred = certs.as_mut_ptr();
        let mut h = CredHandle::default();
        let mut pkg = wide("Schannel");
        let st = secur32::entry::credentials::AcquireCredentialsHandleW(
            null_mut(),
            pkg.as_mut_ptr(),
            SECPKG_CRED_INBOUND,
            null_mut(),
            (&mut cred as *mut SCHANNEL_CRED).cast(),
            None,
            null_mut(),
            &mut h,
            null_mut(),
        );
        assert_eq!(st, SEC_E_OK);
        CertFreeCertificateContext(leaf);
        assert_eq!(CertCloseStore(store, CERT_CLOSE_STORE_CHECK_FLAG), 0, "the credential still uses it");
        assert_ne!(live_objects(), before);
        assert_eq!(secur32::entry::credentials::FreeCredentialsHandle(&mut h), SEC_E_OK);
        assert_eq!(live_objects(), before);

        // Created contexts and peer-style stores.
        let der = std::fs::read(Fixture::get().path("rsa2048.der")).unwrap();
        let c = CertCreateCertificateContext(X509_ASN_ENCODING, der.as_ptr(), der.len() as u32);
        assert_eq!(live_objects(), (before.0 + 1, before.1 + 1));
        CertFreeCertificateContext(c);
        assert_eq!(live_objects(), before);
    }
}
