//! The crypt32 exports, called as C would call them, on certificates and
//! PFX/PEM files made by openssl at test time.

mod certs_common;

use core::ffi::c_void;
use core::ptr::{null, null_mut};

use certs_common::{wide, Fixture};
use secur32::abi::*;
use secur32::entry::credentials::{AcquireCredentialsHandleW, FreeCredentialsHandle};
use secur32::entry::crypt32::*;

fn blob(data: &[u8]) -> CRYPT_DATA_BLOB {
    CRYPT_DATA_BLOB { cbData: data.len() as u32, pbData: data.as_ptr() as *mut u8 }
}

fn import(name: &str, password: Option<&str>) -> HCERTSTORE {
    let data = Fixture::get().read(name);
    let pw = password.map(wide);
    unsafe { PFXImportCertStore(&mut blob(&data), pw.as_ref().map_or(null(), |p| p.as_ptr()), 0) }
}

fn find_subject(store: HCERTSTORE, needle: &str) -> PCCERT_CONTEXT {
    let w = wide(needle);
    unsafe {
        CertFindCertificateInStore(store, X509_ASN_ENCODING, 0, CERT_FIND_SUBJECT_STR_W, w.as_ptr().cast(), null())
    }
}

fn count(store: HCERTSTORE) -> usize {
    let mut n = 0;
    let mut c = null();
    loop {
        c = unsafe { CertEnumCertificatesInStore(store, c) };
        if c.is_null() {
            break;
        }
        n += 1;
    }
    assert_eq!(GetLastError(), CRYPT_E_NOT_FOUND as u32);
    n
}

/// AcquireCredentialsHandle with one certificate; returns the status.
fn acquire(cert: PCCERT_CONTEXT, usage: u32) -> SECURITY_STATUS {
    let mut certs = [cert];
    let mut cred: SCHANNEL_CRED = unsafe { core::mem::zeroed() };
    cred.dwVersion = SCHANNEL_CRED_VERSION;
    cred.cCreds = 1;
    cred.paCred = certs.as_mut_ptr();
    let mut h = SecHandle::default();
    let mut package = wide("Microsoft Unified Security Protocol Provider");
    let s = unsafe {
        AcquireCredentialsHandleW(
            null_mut(),
            package.as_mut_ptr(),
            usage,
            null_mut(),
            (&mut cred as *mut SCHANNEL_CRED).cast(),
            None,
            null_mut(),
            &mut h,
            null_mut(),
        )
    };
    if s == SEC_E_OK {
        assert_eq!(unsafe { FreeCredentialsHandle(&mut h) }, SEC_E_OK);
    }
    s
}

fn name_w(c: PCCERT_CONTEXT, kind: u32, flags: u32, para: *mut c_void) -> String {
    let n = unsafe { CertGetNameStringW(c, kind, flags, para, null_mut(), 0) };
    assert!(n >= 1);
    let mut buf = vec![0u16; n as usize];
    assert_eq!(unsafe { CertGetNameStringW(c, kind, flags, para, buf.as_mut_ptr(), n) }, n);
    assert_eq!(buf[n as usize - 1], 0);
    String::from_utf16(&buf[..n as usize - 1]).unwrap()
}

#[test]
fn pfx_server_credential_every_format_and_key_type() {
    for (file, pw) in [
        ("rsa2048.pfx", Some("secret")),
        ("rsa2048-legacy.pfx", Some("secret")),
        ("rsa2048-nomac.pfx", Some("secret")),
        ("rsa2048-windows-3des.pfx", Some("secret")),
        ("rsa2048-windows-aes.pfx", Some("secret")),
        ("rsa2048-empty.pfx", Some("")),
        ("rsa2048-empty.pfx", None),
        ("rsa2048-empty-legacy.pfx", None),
        ("rsa2048-empty-legacy.pfx", Some("")),
        ("rsa4096.pfx", Some("secret")),
        ("p256.pfx", Some("secret")),
        ("p384.pfx", Some("secret")),
        ("ed25519.pfx", Some("secret")),
    ] {
        let store = import(file, pw);
        assert!(!store.is_null(), "{file} {pw:?}: {:#x}", GetLastError());
        assert_eq!(count(store), 3, "{file}: leaf, intermediate, root");
        let leaf = find_subject(store, "LEAF-");
        assert!(!leaf.is_null(), "{file}");
        let mut cb = 0u32;
        assert_eq!(
            unsafe { CertGetCertificateContextProperty(leaf, CERT_KEY_PROV_INFO_PROP_ID, null_mut(), &mut cb) },
            1,
            "{file}"
        );
        assert_eq!(acquire(leaf, SECPKG_CRED_INBOUND), SEC_E_OK, "{file}");
        assert_eq!(acquire(leaf, SECPKG_CRED_OUTBOUND), SEC_E_OK, "{file}: client certificate");
        // The intermediate has no key: not a server credential.
        let inter = find_subject(store, "Test Intermediate");
        assert!(!inter.is_null());
        assert_eq!(
            unsafe { CertGetCertificateContextProperty(inter, CERT_KEY_PROV_INFO_PROP_ID, null_mut(), &mut cb) },
            0
        );
        assert_eq!(GetLastError(), CRYPT_E_NOT_FOUND as u32);
        assert_eq!(acquire(inter, SECPKG_CRED_INBOUND), SEC_E_NO_CREDENTIALS);
        unsafe {
            CertFreeCertificateContext(inter);
            CertFreeCertificateContext(leaf);
            assert_eq!(CertCloseStore(store, CERT_CLOSE_STORE_CHECK_FLAG), 1);
        }
    }
}

#[test]
fn pfx_bad_passwords_and_input() {
    for (file, pw) in [
        ("rsa2048.pfx", Some("wrong")),
        ("rsa2048.pfx", None),
        ("rsa2048.pfx", Some("")),
        ("rsa2048-legacy.pfx", Some("wrong")),
        ("rsa2048-nomac.pfx", Some("wrong")),
        ("rsa2048-empty.pfx", Some("x")),
    ] {
        SetLastError(0);
        assert!(import(file, pw).is_null(), "{file} {pw:?}");
        assert_eq!(GetLastError(), ERROR_INVALID_PASSWORD, "{file} {pw:?}");
    }
    let good = Fixture::get().read("rsa2048.pfx");
    unsafe {
        assert_eq!(PFXIsPFXBlob(&mut blob(&good)), 1);
        assert_eq!(PFXVerifyPassword(&mut blob(&good), wide("secret").as_ptr(), 0), 1);
        assert_eq!(PFXVerifyPassword(&mut blob(&good), wide("nope").as_ptr(), 0), 0);
        assert!(PFXImportCertStore(core::ptr::null_mut(), null(), 0).is_null());
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        let lying = CRYPT_DATA_BLOB { cbData: 10, pbData: null_mut() };
        assert!(PFXImportCertStore(core::ptr::from_ref(&lying).cast_mut(), null(), 0).is_null());
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        assert_eq!(PFXIsPFXBlob(core::ptr::null_mut()), 0);
        // Every truncation fails cleanly.
        for len in (0..good.len()).step_by(97) {
            assert!(PFXImportCertStore(&mut blob(&good[..len]), wide("secret").as_ptr(), 0).is_null(), "{len}");
            assert_eq!(PFXIsPFXBlob(&mut blob(&good[..len])), 0);
        }
        assert!(PFXImportCertStore(&mut blob(&good[..10]), null(), 0).is_null());
        assert_eq!(GetLastError(), CRYPT_E_ASN1_EOD as u32);
        assert!(PFXImportCertStore(&mut blob(b"garbage garbage"), null(), 0).is_null());
        assert_eq!(GetLastError(), CRYPT_E_ASN1_BADTAG as u32);
        // Flipped bytes: an error (MAC or decoding), never a crash.
        for i in (0..good.len()).step_by(13) {
            let mut bad = good.clone();
            bad[i] ^= 0x5a;
            let s = PFXImportCertStore(&mut blob(&bad), wide("secret").as_ptr(), 0);
            if !s.is_null() {
                CertCloseStore(s, 0);
            }
        }
    }
}

#[test]
fn certificates_only_pfx_has_no_key() {
    let store = import("rsa2048-nokeys.pfx", Some("secret"));
    assert!(!store.is_null());
    let leaf = find_subject(store, "leaf-rsa2048");
    assert!(!leaf.is_null());
    assert_eq!(acquire(leaf, SECPKG_CRED_INBOUND), SEC_E_NO_CREDENTIALS);
    unsafe {
        CertFreeCertificateContext(leaf);
        CertCloseStore(store, 0);
    }
    let store = import("rsa2048.pfx", Some("secret"));
    let data = Fixture::get().read("rsa2048.pfx");
    let only = unsafe { PFXImportCertStore(&mut blob(&data), wide("secret").as_ptr(), PKCS12_ONLY_CERTIFICATES) };
    let leaf = find_subject(only, "leaf-rsa2048");
    assert_eq!(acquire(leaf, SECPKG_CRED_INBOUND), SEC_E_NO_CREDENTIALS);
    unsafe {
        CertFreeCertificateContext(leaf);
        CertCloseStore(only, 0);
        CertCloseStore(store, 0);
    }
}

#[test]
fn pem_extension_key_formats_and_mismatch() {
    let f = Fixture::get();
    for (cert, key, pw) in [
        ("rsa2048.pem", "rsa2048.key", None),
        ("rsa2048.pem", "rsa2048-pkcs1.key", None),
        ("p256.pem", "p256-sec1.key", None),
        ("p384.pem", "p384-enc.key", Some("pem-secret")),
        ("ed25519.pem", "ed25519.key", None),
        ("rsa4096.pem", "rsa4096.key", None),
    ] {
        let chain = [f.read(cert), f.read("chain.pem")].concat();
        let key = f.read(key);
        let pw = pw.map(wide);
        let store = unsafe {
            SspiRustlsPemImportCertStore(&blob(&chain), &blob(&key), pw.as_ref().map_or(null(), |p| p.as_ptr()), 0)
        };
        assert!(!store.is_null(), "{cert}: {:#x}", GetLastError());
        assert_eq!(count(store), 3);
        let leaf = unsafe { CertEnumCertificatesInStore(store, null()) };
        assert_eq!(acquire(leaf, SECPKG_CRED_INBOUND), SEC_E_OK, "{cert}");
        unsafe {
            CertFreeCertificateContext(leaf);
            CertCloseStore(store, 0);
        }
    }
    // A key that belongs to another certificate.
    let chain = f.read("rsa2048.pem");
    let key = f.read("p256.key");
    let store = unsafe { SspiRustlsPemImportCertStore(&blob(&chain), &blob(&key), null(), 0) };
    let leaf = unsafe { CertEnumCertificatesInStore(store, null()) };
    assert_eq!(acquire(leaf, SECPKG_CRED_INBOUND), SEC_E_UNKNOWN_CREDENTIALS);
    unsafe {
        CertFreeCertificateContext(leaf);
        CertCloseStore(store, 0);
    }
    // Wrong PEM password, no certificate, bad flags.
    let chain = f.read("p384.pem");
    let key = f.read("p384-enc.key");
    unsafe {
        assert!(SspiRustlsPemImportCertStore(&blob(&chain), &blob(&key), wide("bad").as_ptr(), 0).is_null());
        assert_eq!(GetLastError(), ERROR_INVALID_PASSWORD);
        assert!(SspiRustlsPemImportCertStore(&blob(&key), null(), wide("pem-secret").as_ptr(), 0).is_null());
        assert_eq!(GetLastError(), CRYPT_E_NOT_FOUND as u32);
        assert!(SspiRustlsPemImportCertStore(&blob(&chain), null(), null(), 1).is_null());
        assert_eq!(GetLastError(), NTE_BAD_FLAGS as u32);
        assert!(SspiRustlsPemImportCertStore(null(), null(), null(), 0).is_null());
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
    }
}

#[test]
fn context_fields_match_the_certificate() {
    let f = Fixture::get();
    let der = f.read("rsa2048.der");
    let c = unsafe {
        CertCreateCertificateContext(X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, der.as_ptr(), der.len() as u32)
    };
    assert!(!c.is_null());
    let ctx = unsafe { &*c };
    assert_eq!(ctx.dwCertEncodingType, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING);
    assert_eq!(unsafe { core::slice::from_raw_parts(ctx.pbCertEncoded, ctx.cbCertEncoded as usize) }, &der[..]);
    assert!(!ctx.hCertStore.is_null());
    let info = unsafe { &*ctx.pCertInfo };
    assert_eq!(info.dwVersion, CERT_V3);
    // Serial: little-endian bytes of what openssl prints big-endian.
    let serial_hex = f.x509("rsa2048.pem", &["-serial"]).trim().trim_start_matches("serial=").to_string();
    let mut serial: Vec<u8> =
        unsafe { core::slice::from_raw_parts(info.SerialNumber.pbData, info.SerialNumber.cbData as usize) }.to_vec();
    serial.reverse();
    let printed: String = serial.iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(printed.trim_start_matches('0'), serial_hex.trim_start_matches('0'));
    assert!(!printed.is_empty());
    let oid = unsafe { core::ffi::CStr::from_ptr(info.SignatureAlgorithm.pszObjId) }.to_str().unwrap();
    assert_eq!(oid, "1.2.840.113549.1.1.11", "the intermediate is RSA: sha256WithRSAEncryption");
    let spki_oid = unsafe { core::ffi::CStr::from_ptr(info.SubjectPublicKeyInfo.Algorithm.pszObjId) }.to_str().unwrap();
    assert_eq!(spki_oid, "1.2.840.113549.1.1.1");
    assert_eq!(info.SubjectPublicKeyInfo.PublicKey.cUnusedBits, 0);
    // openssl lists each extension as an "X509v3 ..." line after the "X509v3 extensions:" header.
    let text = f.x509("rsa2048.pem", &["-text"]);
    let listed = text.lines().filter(|l| l.trim_start().starts_with("X509v3 ")).count() - 1;
    assert_eq!(info.cExtension as usize, listed);
    let exts = unsafe { core::slice::from_raw_parts(info.rgExtension, info.cExtension as usize) };
    let oids: Vec<&str> =
        exts.iter().map(|e| unsafe { core::ffi::CStr::from_ptr(e.pszObjId) }.to_str().unwrap()).collect();
    assert!(oids.contains(&"2.5.29.17") && oids.contains(&"2.5.29.19"), "{oids:?}");
    let ku =
        exts.iter().position(|e| unsafe { core::ffi::CStr::from_ptr(e.pszObjId) }.to_bytes() == b"2.5.29.15").unwrap();
    assert_eq!(exts[ku].fCritical, 1);
    // Names.
    let mut x500 = CERT_X500_NAME_STR;
    assert_eq!(
        name_w(c, CERT_NAME_RDN_TYPE, 0, (&mut x500 as *mut u32).cast()),
        "CN=leaf-rsa2048, O=Leaf Org, OU=\"Unit, Inc.\""
    );
    let mut rev = CERT_X500_NAME_STR | CERT_NAME_STR_REVERSE_FLAG;
    assert_eq!(
        name_w(c, CERT_NAME_RDN_TYPE, 0, (&mut rev as *mut u32).cast()),
        "OU=\"Unit, Inc.\", O=Leaf Org, CN=leaf-rsa2048"
    );
    assert_eq!(name_w(c, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, null_mut()), "leaf-rsa2048");
    assert_eq!(name_w(c, CERT_NAME_SIMPLE_DISPLAY_TYPE, CERT_NAME_ISSUER_FLAG, null_mut()), "Test Intermediate");
    assert_eq!(name_w(c, CERT_NAME_DNS_TYPE, 0, null_mut()), "leaf.example");
    assert_eq!(name_w(c, CERT_NAME_EMAIL_TYPE, 0, null_mut()), "leaf@example.org");
    assert_eq!(name_w(c, CERT_NAME_URL_TYPE, 0, null_mut()), "");
    let cn = c"2.5.4.3";
    assert_eq!(name_w(c, CERT_NAME_ATTR_TYPE, 0, cn.as_ptr() as *mut c_void), "leaf-rsa2048");
    assert_eq!(name_w(c, CERT_NAME_ATTR_TYPE, CERT_NAME_ISSUER_FLAG, cn.as_ptr() as *mut c_void), "Test Intermediate");
    let mut x500i = CERT_X500_NAME_STR;
    assert_eq!(
        name_w(c, CERT_NAME_RDN_TYPE, CERT_NAME_ISSUER_FLAG, (&mut x500i as *mut u32).cast()),
        "C=US, O=Test Org, CN=Test Intermediate"
    );
    // All DNS names: a double-terminated list.
    let n = unsafe {
        CertGetNameStringW(c, CERT_NAME_DNS_TYPE, CERT_NAME_SEARCH_ALL_NAMES_FLAG, null_mut(), null_mut(), 0)
    };
    let mut buf = vec![0xffffu16; n as usize];
    unsafe {
        CertGetNameStringW(c, CERT_NAME_DNS_TYPE, CERT_NAME_SEARCH_ALL_NAMES_FLAG, null_mut(), buf.as_mut_ptr(), n)
    };
    assert_eq!(String::from_utf16(&buf).unwrap(), "leaf.example\0alt.example\0\0");
    // Truncation: terminated, count = buffer size.
    let mut small = [0xffffu16; 5];
    assert_eq!(
        unsafe { CertGetNameStringW(c, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, null_mut(), small.as_mut_ptr(), 5) },
        5
    );
    assert_eq!(String::from_utf16(&small).unwrap(), "leaf\0");
    let mut a = [0u8; 64];
    let n = unsafe { CertGetNameStringA(c, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, null_mut(), a.as_mut_ptr().cast(), 64) };
    assert_eq!(&a[..n as usize], b"leaf-rsa2048\0");
    // CertNameToStr on the subject blob.
    let n = unsafe {
        CertNameToStrA(
            X509_ASN_ENCODING,
            core::ptr::from_ref(&info.Subject).cast_mut(),
            CERT_SIMPLE_NAME_STR,
            a.as_mut_ptr().cast(),
            64,
        )
    };
    assert_eq!(&a[..n as usize], b"leaf-rsa2048, Leaf Org, \"Unit, Inc.\"\0");
    // Hash properties match openssl's fingerprints.
    let fp = f.x509("rsa2048.pem", &["-fingerprint", "-sha1"]);
    let fp: String = fp.split('=').nth(1).unwrap().trim().replace(':', "");
    let mut hash = [0u8; 20];
    let mut cb = 20u32;
    assert_eq!(
        unsafe { CertGetCertificateContextProperty(c, CERT_SHA1_HASH_PROP_ID, hash.as_mut_ptr().cast(), &mut cb) },
        1
    );
    assert_eq!(hash.iter().map(|b| format!("{b:02X}")).collect::<String>(), fp);
    let mut cb = 10u32;
    assert_eq!(
        unsafe { CertGetCertificateContextProperty(c, CERT_SHA256_HASH_PROP_ID, hash.as_mut_ptr().cast(), &mut cb) },
        0
    );
    assert_eq!((GetLastError(), cb), (ERROR_MORE_DATA, 32));
    assert_eq!(unsafe { CertGetCertificateContextProperty(c, 0xdead, null_mut(), &mut cb) }, 0);
    assert_eq!(GetLastError(), CRYPT_E_NOT_FOUND as u32);
    // Find by the same hash in a store.
    let store = unsafe { CertOpenStore(CERT_STORE_PROV_MEMORY as LPCSTR, 0, 0, 0, null()) };
    assert!(!store.is_null());
    unsafe {
        assert_eq!(CertAddCertificateContextToStore(store, c, CERT_STORE_ADD_NEW, null_mut()), 1);
        assert_eq!(CertAddCertificateContextToStore(store, c, CERT_STORE_ADD_NEW, null_mut()), 0);
        assert_eq!(GetLastError(), CRYPT_E_EXISTS as u32);
        let hb = CRYPT_HASH_BLOB { cbData: 20, pbData: hash.as_mut_ptr() };
        let found = CertFindCertificateInStore(
            store,
            X509_ASN_ENCODING,
            0,
            CERT_FIND_SHA1_HASH,
            (&hb as *const CRYPT_HASH_BLOB).cast(),
            null(),
        );
        assert!(!found.is_null());
        assert_ne!(found, c, "a store holds its own context");
        assert_eq!((*found).hCertStore, store);
        let hex = wide(&fp.to_lowercase());
        let again = CertFindCertificateInStore(store, 0, 0, CERT_FIND_HASH_STR, hex.as_ptr().cast(), found);
        assert!(again.is_null(), "one match only");
        assert_eq!(GetLastError(), CRYPT_E_NOT_FOUND as u32);
        let issuer = c"test intermediate";
        let by_issuer = CertFindCertificateInStore(store, 0, 0, CERT_FIND_ISSUER_STR_A, issuer.as_ptr().cast(), null());
        assert!(!by_issuer.is_null());
        CertFreeCertificateContext(by_issuer);
        assert!(CertFindCertificateInStore(store, 0, 0, 0x12345, null(), null()).is_null());
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        assert_eq!(CertCloseStore(store, 0), 1);
        CertFreeCertificateContext(c);
    }
}

#[test]
fn reference_counting_and_bad_pointers() {
    let f = Fixture::get();
    let der = f.read("rsa2048.der");
    unsafe {
        let store = CertOpenStore(c"Memory".as_ptr(), 0, 0, 0, null());
        assert!(!store.is_null());
        let mut c = null();
        assert_eq!(
            CertAddEncodedCertificateToStore(
                store,
                X509_ASN_ENCODING,
                der.as_ptr(),
                der.len() as u32,
                CERT_STORE_ADD_ALWAYS,
                &mut c
            ),
            1
        );
        assert!(!c.is_null());
        let d = CertDuplicateCertificateContext(c);
        assert_eq!(d, c, "Duplicate returns the same context");
        assert_eq!(CertFreeCertificateContext(d), 1);
        // Closing with the check flag while a context is referenced: pending.
        assert_eq!(CertCloseStore(store, CERT_CLOSE_STORE_CHECK_FLAG), 0);
        assert_eq!(GetLastError(), CRYPT_E_PENDING_CLOSE as u32);
        // The context, and its store through hCertStore, still work.
        let info = &*(*c).pCertInfo;
        assert!(info.Subject.cbData > 0);
        assert_eq!((*c).hCertStore, store);
        let first = CertEnumCertificatesInStore((*c).hCertStore, null());
        assert_eq!(first, c);
        CertFreeCertificateContext(first);
        // Closing again is refused: the handle is already closed.
        assert_eq!(CertCloseStore(store, 0), 0);
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        // The last reference frees everything; the pointer is then refused.
        assert_eq!(CertFreeCertificateContext(c), 1);
        SetLastError(0);
        assert_eq!(CertFreeCertificateContext(c), 1, "a double free is harmless");
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        assert!(CertDuplicateCertificateContext(c).is_null());
        assert!(CertEnumCertificatesInStore(store, null()).is_null());
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        assert_eq!(acquire(c, SECPKG_CRED_INBOUND), SEC_E_UNKNOWN_CREDENTIALS);
        // Forged pointers.
        let forged = [0u8; 64];
        assert!(CertDuplicateCertificateContext(forged.as_ptr().cast()).is_null());
        assert_eq!(CertFreeCertificateContext(forged.as_ptr().cast()), 1);
        assert!(CertEnumCertificatesInStore(forged.as_ptr() as HCERTSTORE, null()).is_null());
        assert_eq!(CertCloseStore(forged.as_ptr() as HCERTSTORE, 0), 0);
        assert_eq!(CertCloseStore(null_mut(), 0), 1);
        assert_eq!(
            CertGetNameStringW(forged.as_ptr().cast(), CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, null_mut(), null_mut(), 0),
            1
        );
        let mut cb = 0;
        assert_eq!(
            CertGetCertificateContextProperty(forged.as_ptr().cast(), CERT_SHA1_HASH_PROP_ID, null_mut(), &mut cb),
            0
        );
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        assert!(CertOpenStore(CERT_STORE_PROV_SYSTEM_W as LPCSTR, 0, 0, 0, wide("MY").as_ptr().cast()).is_null());
        assert_eq!(GetLastError(), ERROR_FILE_NOT_FOUND);
    }
}

#[test]
fn bad_certificate_encodings() {
    let der = Fixture::get().read("rsa2048.der");
    unsafe {
        assert!(CertCreateCertificateContext(X509_ASN_ENCODING, null(), 5).is_null());
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        assert!(CertCreateCertificateContext(X509_ASN_ENCODING, der.as_ptr(), 0).is_null());
        assert_eq!(GetLastError(), CRYPT_E_ASN1_EOD as u32);
        assert!(CertCreateCertificateContext(X509_ASN_ENCODING, der.as_ptr(), der.len() as u32 - 1).is_null());
        assert_eq!(GetLastError(), CRYPT_E_ASN1_EOD as u32);
        assert!(CertCreateCertificateContext(X509_ASN_ENCODING, [2u8, 1, 0].as_ptr(), 3).is_null());
        assert_eq!(GetLastError(), CRYPT_E_ASN1_BADTAG as u32);
        assert!(CertCreateCertificateContext(0, der.as_ptr(), der.len() as u32).is_null());
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
        for len in 0..der.len() {
            assert!(CertCreateCertificateContext(X509_ASN_ENCODING, der.as_ptr(), len as u32).is_null());
        }
        for i in 0..der.len() {
            let mut bad = der.clone();
            bad[i] ^= 0xff;
            let c = CertCreateCertificateContext(X509_ASN_ENCODING, bad.as_ptr(), bad.len() as u32);
            CertFreeCertificateContext(c);
        }
    }
}
