//! Certificates in real handshakes: a server credential from a PFX, the
//! chain it sends, the peer's certificate context with its chain store, and
//! mutual TLS checked against an `hRootStore`.

mod certs_common;
mod common;

use core::ptr::{null, null_mut};

use certs_common::{wide, Fixture};
use common::{handshake, Peer};
use secur32::abi::*;
use secur32::entry::attributes::QueryContextAttributesW;
use secur32::entry::credentials::AcquireCredentialsHandleW;
use secur32::entry::crypt32::*;

fn blob(data: &[u8]) -> CRYPT_DATA_BLOB {
    CRYPT_DATA_BLOB { cbData: data.len() as u32, pbData: data.as_ptr() as *mut u8 }
}

/// (store, leaf context) of a PFX from the fixture.
fn pfx_leaf(name: &str) -> (HCERTSTORE, PCCERT_CONTEXT) {
    let data = Fixture::get().read(name);
    let store = unsafe { PFXImportCertStore(&mut blob(&data), wide("secret").as_ptr(), 0) };
    assert!(!store.is_null(), "{name}: {:#x}", GetLastError());
    let needle = wide("leaf-");
    let leaf = unsafe {
        CertFindCertificateInStore(store, X509_ASN_ENCODING, 0, CERT_FIND_SUBJECT_STR_W, needle.as_ptr().cast(), null())
    };
    assert!(!leaf.is_null());
    (store, leaf)
}

fn acquire(cert: PCCERT_CONTEXT, root: HCERTSTORE, usage: u32, flags: u32) -> CredHandle {
    let mut certs = [cert];
    let mut cred: SCHANNEL_CRED = unsafe { core::mem::zeroed() };
    cred.dwVersion = SCHANNEL_CRED_VERSION;
    if !cert.is_null() {
        cred.cCreds = 1;
        cred.paCred = certs.as_mut_ptr();
    }
    cred.hRootStore = root;
    cred.dwFlags = flags;
    let mut h = CredHandle::default();
    let mut pkg = wide("Microsoft Unified Security Protocol Provider");
    let st = unsafe {
        AcquireCredentialsHandleW(
            null_mut(),
            pkg.as_mut_ptr(),
            usage,
            null_mut(),
            (&mut cred as *mut SCHANNEL_CRED).cast(),
            None,
            null_mut(),
            &mut h,
            null_mut(),
        )
    };
    assert_eq!(st, SEC_E_OK, "AcquireCredentialsHandleW");
    h
}

fn remote_cert(peer: &Peer) -> PCCERT_CONTEXT {
    let mut ctx = peer.ctx.unwrap();
    let mut cert: PCCERT_CONTEXT = null();
    let st = unsafe {
        QueryContextAttributesW(&mut ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (&mut cert as *mut PCCERT_CONTEXT).cast())
    };
    assert_eq!(st, SEC_E_OK);
    assert!(!cert.is_null());
    cert
}

fn simple_name(c: PCCERT_CONTEXT) -> String {
    let mut buf = [0u16; 128];
    let n = unsafe { CertGetNameStringW(c, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, null_mut(), buf.as_mut_ptr(), 128) };
    String::from_utf16(&buf[..n as usize - 1]).unwrap()
}

/// Subjects of every certificate in a store.
fn store_subjects(store: HCERTSTORE) -> Vec<String> {
    let mut out = Vec::new();
    let mut c = null();
    loop {
        c = unsafe { CertEnumCertificatesInStore(store, c) };
        if c.is_null() {
            return out;
        }
        out.push(simple_name(c));
    }
}

#[test]
fn pfx_server_sends_its_chain() {
    for (send_root, expected) in [
        (0, vec!["leaf-rsa2048", "Test Intermediate"]),
        (SCH_SEND_ROOT_CERT, vec!["leaf-rsa2048", "Test Intermediate", "Test Root"]),
    ] {
        let (store, leaf) = pfx_leaf("rsa2048.pfx");
        let server_cred = acquire(leaf, null_mut(), SECPKG_CRED_INBOUND, send_root);
        // As Windows programs do: the credential keeps what it needs.
        unsafe {
            CertFreeCertificateContext(leaf);
            assert_eq!(CertCloseStore(store, 0), 1);
        }
        let mut server = Peer::server(server_cred);
        let mut client = Peer::client(acquire(null(), null_mut(), SECPKG_CRED_OUTBOUND, 0), "leaf.example");
        client.flags |= ISC_REQ_MANUAL_CRED_VALIDATION;
        handshake(&mut client, &mut server).unwrap();
        let cert = remote_cert(&client);
        assert_eq!(simple_name(cert), "leaf-rsa2048");
        let subjects = store_subjects(unsafe { (*cert).hCertStore });
        assert_eq!(subjects, expected);
        assert_eq!(unsafe { CertFreeCertificateContext(cert) }, 1);
        client.delete();
        server.delete();
    }
}

#[test]
fn mutual_tls_with_root_store() {
    let f = Fixture::get();
    for (trusted, ok) in [("root.pem", true), ("p384.pem", false)] {
        // hRootStore: the trust anchors for client certificates.
        let roots = unsafe { SspiRustlsPemImportCertStore(&blob(&f.read(trusted)), null(), null(), 0) };
        assert!(!roots.is_null());
        let (sstore, sleaf) = pfx_leaf("rsa2048.pfx");
        let (cstore, cleaf) = pfx_leaf("p256.pfx");
        let mut server = Peer::server(acquire(sleaf, roots, SECPKG_CRED_INBOUND, 0));
        server.flags |= ASC_REQ_MUTUAL_AUTH;
        let mut client = Peer::client(acquire(cleaf, null_mut(), SECPKG_CRED_OUTBOUND, 0), "leaf.example");
        client.flags |= ISC_REQ_MANUAL_CRED_VALIDATION;
        let r = handshake(&mut client, &mut server);
        if ok {
            r.unwrap();
            assert!(server.attrs & ASC_RET_MUTUAL_AUTH != 0);
            let cert = remote_cert(&server);
            assert_eq!(simple_name(cert), "leaf-p256");
            assert_eq!(store_subjects(unsafe { (*cert).hCertStore }), ["leaf-p256", "Test Intermediate"]);
            unsafe { CertFreeCertificateContext(cert) };
        } else {
            let (side, status) = r.unwrap_err();
            assert_eq!(side, "server", "the server refuses a client chain its hRootStore does not anchor");
            assert!(status < 0, "{status:#x}");
        }
        client.delete();
        server.delete();
        unsafe {
            CertFreeCertificateContext(sleaf);
            CertFreeCertificateContext(cleaf);
            CertCloseStore(sstore, 0);
            CertCloseStore(cstore, 0);
            CertCloseStore(roots, 0);
        }
    }
}
