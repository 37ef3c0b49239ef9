//! Certificate chains and the decoders manual validators use
//! (`CertGetCertificateChain` and its engine, `CryptQueryObject`,
//! `CertFindExtension`, `CryptDecodeObjectEx(X509_ALT_NAME)`,
//! `CryptStringToBinary`), called as C would call them, on a root ->
//! intermediate -> leaf hierarchy openssl makes at test time.

mod certs_common;

use core::ffi::{c_void, CStr};
use core::ptr::{null, null_mut};
use std::process::Command;
use std::sync::OnceLock;

use certs_common::{wide, Fixture};
use secur32::abi::*;
use secur32::entry::crypt32::*;

const ENC: u32 = X509_ASN_ENCODING | PKCS_7_ASN_ENCODING;

fn pem_to_der(pem: &[u8]) -> Vec<u8> {
    let mut n = 0u32;
    let ok = unsafe {
        CryptStringToBinaryA(
            pem.as_ptr().cast(),
            pem.len() as u32,
            CRYPT_STRING_BASE64HEADER,
            null_mut(),
            &mut n,
            null_mut(),
            null_mut(),
        )
    };
    assert_eq!(ok, 1, "size query: {:#x}", GetLastError());
    let mut der = vec![0u8; n as usize];
    let mut skip = 99u32;
    let mut format = 99u32;
    let ok = unsafe {
        CryptStringToBinaryA(
            pem.as_ptr().cast(),
            pem.len() as u32,
            CRYPT_STRING_BASE64HEADER,
            der.as_mut_ptr(),
            &mut n,
            &mut skip,
            &mut format,
        )
    };
    assert_eq!(ok, 1);
    assert_eq!((n as usize, format), (der.len(), CRYPT_STRING_BASE64HEADER));
    assert_eq!(&pem[skip as usize..skip as usize + 11], b"-----BEGIN ");
    der
}

fn der(name: &str) -> Vec<u8> {
    pem_to_der(&Fixture::get().read(name))
}

/// A context of its own (as the remote certificate of a handshake is).
fn context(der: &[u8]) -> PCCERT_CONTEXT {
    let c = unsafe { CertCreateCertificateContext(ENC, der.as_ptr(), der.len() as u32) };
    assert!(!c.is_null());
    c
}

fn store_of(ders: &[&Vec<u8>]) -> HCERTSTORE {
    let s = unsafe { CertOpenStore(CERT_STORE_PROV_MEMORY as LPCSTR, 0, 0, CERT_STORE_CREATE_NEW_FLAG, null()) };
    assert!(!s.is_null());
    for d in ders {
        let ok = unsafe {
            CertAddEncodedCertificateToStore(s, ENC, d.as_ptr(), d.len() as u32, CERT_STORE_ADD_ALWAYS, null_mut())
        };
        assert_eq!(ok, 1);
    }
    s
}

fn engine(exclusive_root: HCERTSTORE, size: usize, flags: u32) -> HCERTCHAINENGINE {
    let mut cfg: CERT_CHAIN_ENGINE_CONFIG = unsafe { core::mem::zeroed() };
    cfg.cbSize = size as u32;
    cfg.hExclusiveRoot = exclusive_root;
    cfg.dwExclusiveFlags = flags;
    let mut h: HCERTCHAINENGINE = null_mut();
    assert_eq!(unsafe { CertCreateCertificateChainEngine(&mut cfg, &mut h) }, 1, "{:#x}", GetLastError());
    assert!(!h.is_null());
    h
}

const FULL: usize = core::mem::size_of::<CERT_CHAIN_ENGINE_CONFIG>();

/// A chain for `cert`, with the requested usages.
fn chain_with(
    engine: HCERTCHAINENGINE,
    cert: PCCERT_CONTEXT,
    time: Option<FILETIME>,
    additional: HCERTSTORE,
    usages: &[&CStr],
    or: bool,
    flags: u32,
) -> PCCERT_CHAIN_CONTEXT {
    let mut oids: Vec<LPSTR> = usages.iter().map(|u| u.as_ptr() as LPSTR).collect();
    let mut para: CERT_CHAIN_PARA = unsafe { core::mem::zeroed() };
    para.cbSize = core::mem::size_of::<CERT_CHAIN_PARA>() as u32;
    para.RequestedUsage.dwType = if or { USAGE_MATCH_TYPE_OR } else { USAGE_MATCH_TYPE_AND };
    para.RequestedUsage.Usage.cUsageIdentifier = oids.len() as u32;
    para.RequestedUsage.Usage.rgpszUsageIdentifier = if oids.is_empty() { null_mut() } else { oids.as_mut_ptr() };
    let mut t = time.unwrap_or_default();
    let mut out: PCCERT_CHAIN_CONTEXT = null();
    let ok = unsafe {
        CertGetCertificateChain(
            engine,
            cert,
            if time.is_some() { &mut t } else { null_mut() },
            additional,
            &mut para,
            flags,
            null_mut(),
            &mut out,
        )
    };
    assert_eq!(ok, 1, "{:#x}", GetLastError());
    assert!(!out.is_null());
    out
}

const SERVER_AUTH: &CStr = c"1.3.6.1.5.5.7.3.1";
const CODE_SIGNING: &CStr = c"1.3.6.1.5.5.7.3.3";

fn chain(engine: HCERTCHAINENGINE, cert: PCCERT_CONTEXT, additional: HCERTSTORE) -> PCCERT_CHAIN_CONTEXT {
    chain_with(engine, cert, None, additional, &[SERVER_AUTH], false, 0)
}

/// (chain error, chain info, per element: CN, error, info).
fn describe(c: PCCERT_CHAIN_CONTEXT) -> (u32, u32, Vec<(String, u32, u32)>) {
    let c = unsafe { &*c };
    assert_eq!(c.cbSize as usize, core::mem::size_of::<CERT_CHAIN_CONTEXT>());
    assert_eq!(c.cChain, 1);
    let simple = unsafe { &**c.rgpChain };
    assert_eq!(simple.TrustStatus, c.TrustStatus, "one simple chain: the context's status is its status");
    let elements = (0..simple.cElement as usize)
        .map(|i| {
            let e = unsafe { &**simple.rgpElement.add(i) };
            assert_eq!(e.cbSize as usize, core::mem::size_of::<CERT_CHAIN_ELEMENT>());
            let mut name = [0u16; 128];
            let n = unsafe {
                CertGetNameStringW(
                    e.pCertContext,
                    CERT_NAME_ATTR_TYPE,
                    0,
                    c"2.5.4.3".as_ptr() as *mut c_void,
                    name.as_mut_ptr(),
                    128,
                )
            };
            (
                String::from_utf16(&name[..n as usize - 1]).unwrap(),
                e.TrustStatus.dwErrorStatus,
                e.TrustStatus.dwInfoStatus,
            )
        })
        .collect();
    (c.TrustStatus.dwErrorStatus, c.TrustStatus.dwInfoStatus, elements)
}

struct Certs {
    root: Vec<u8>,
    inter: Vec<u8>,
    leaf: Vec<u8>,
    other_root: Vec<u8>,
    ip_leaf: Vec<u8>,
}

/// The fixture hierarchy plus an unrelated root and a client-auth-only leaf
/// with an IP address in its alternative names.
fn certs() -> &'static Certs {
    static C: OnceLock<Certs> = OnceLock::new();
    C.get_or_init(|| {
        let f = Fixture::get();
        let d = &f.dir;
        let run = |args: &[&str]| {
            let out = Command::new("openssl").args(args).current_dir(d).output().unwrap();
            assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        run(&["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "other.key",
              "-subj", "/CN=Other Root", "-days", "30", "-out", "other-root.pem"]);
        std::fs::write(
            d.join("ip.ext"),
            "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\nsubjectAltName=IP:127.0.0.1,IP:::1,DNS:ip.example,URI:https://u.example/\n",
        )
        .unwrap();
        run(&["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ip.key",
              "-subj", "/CN=ip leaf", "-out", "ip.csr"]);
        run(&["x509", "-req", "-in", "ip.csr", "-CA", "inter.pem", "-CAkey", "inter.key", "-CAcreateserial", "-days",
              "30", "-extfile", "ip.ext", "-out", "ip.pem"]);
        Certs { root: der("root.pem"), inter: der("inter.pem"), leaf: der("rsa2048.pem"), other_root: der("other-root.pem"), ip_leaf: der("ip.pem") }
    })
}

fn free(c: PCCERT_CHAIN_CONTEXT) {
    unsafe { CertFreeCertificateChain(c) };
}

#[test]
fn a_complete_chain_to_an_exclusive_root_is_trusted() {
    let c = certs();
    let roots = store_of(&[&c.root]);
    let extra = store_of(&[&c.inter]);
    let leaf = context(&c.leaf);
    // Windows 7's size (what curl passes with --ssl-no-partialchain or on Windows 7).
    let e = engine(roots, core::mem::offset_of!(CERT_CHAIN_ENGINE_CONFIG, dwExclusiveFlags), 0);
    let ch = chain(e, leaf, extra);
    let (err, info, elements) = describe(ch);
    assert_eq!(err, 0, "{elements:?}");
    assert_eq!(info & CERT_TRUST_HAS_PREFERRED_ISSUER, CERT_TRUST_HAS_PREFERRED_ISSUER);
    let names: Vec<&str> = elements.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(names, ["leaf-rsa2048", "Test Intermediate", "Test Root"]);
    assert!(elements.iter().all(|e| e.1 == 0));
    assert_eq!(elements[0].2 & CERT_TRUST_IS_SELF_SIGNED, 0);
    assert_eq!(elements[0].2 & CERT_TRUST_HAS_NAME_MATCH_ISSUER, CERT_TRUST_HAS_NAME_MATCH_ISSUER);
    let root_info = elements[2].2;
    assert_eq!(root_info & CERT_TRUST_IS_SELF_SIGNED, CERT_TRUST_IS_SELF_SIGNED);
    assert_eq!(root_info & CERT_TRUST_IS_FROM_EXCLUSIVE_TRUST_STORE, CERT_TRUST_IS_FROM_EXCLUSIVE_TRUST_STORE);
    // The end element is the caller's certificate; every element context is a live, counted one.
    let first = unsafe { &**(**(*ch).rgpChain).rgpElement };
    let ders: Vec<Vec<u8>> = (0..3)
        .map(|i| unsafe {
            let el = &**(**(*ch).rgpChain).rgpElement.add(i);
            let dup = CertDuplicateCertificateContext(el.pCertContext);
            assert_eq!(dup, el.pCertContext);
            let d = core::slice::from_raw_parts((*dup).pbCertEncoded, (*dup).cbCertEncoded as usize).to_vec();
            assert_eq!(CertFreeCertificateContext(dup), 1);
            d
        })
        .collect();
    assert_eq!(ders, [c.leaf.clone(), c.inter.clone(), c.root.clone()]);
    assert!(!first.pCertContext.is_null());
    // Reference counting: duplicate, then two frees; a third is refused.
    assert_eq!(unsafe { CertDuplicateCertificateChain(ch) }, ch);
    free(ch);
    assert!(unsafe { (*ch).cChain } == 1, "still alive after one of two frees");
    free(ch);
    SetLastError(0);
    free(ch);
    assert_eq!(GetLastError(), E_INVALIDARG as u32, "a freed chain is refused, not touched");
    assert!(unsafe { CertDuplicateCertificateChain(ch) }.is_null());
    unsafe {
        CertFreeCertificateChainEngine(e);
        CertFreeCertificateContext(leaf);
        CertCloseStore(roots, 0);
        CertCloseStore(extra, 0);
    }
}

#[test]
fn missing_and_untrusted_issuers() {
    let c = certs();
    let leaf = context(&c.leaf);
    let roots = store_of(&[&c.other_root]);
    let e = engine(roots, FULL, 0);
    // No intermediate anywhere: a partial chain of one.
    let ch = chain(e, leaf, null_mut());
    let (err, _, elements) = describe(ch);
    assert_eq!(err, CERT_TRUST_IS_PARTIAL_CHAIN);
    assert_eq!(elements.len(), 1);
    free(ch);
    // The whole hierarchy supplied, but its root is not the engine's: untrusted root.
    let extra = store_of(&[&c.inter, &c.root]);
    let ch = chain(e, leaf, extra);
    let (err, _, elements) = describe(ch);
    assert_eq!(err, CERT_TRUST_IS_UNTRUSTED_ROOT, "{elements:?}");
    assert_eq!(elements.len(), 3);
    assert_eq!(elements[2].1, CERT_TRUST_IS_UNTRUSTED_ROOT);
    free(ch);
    // The default engine (system roots) does not know the test root either.
    let ch = chain(HCCE_CURRENT_USER(), leaf, extra);
    assert_eq!(describe(ch).0, CERT_TRUST_IS_UNTRUSTED_ROOT);
    free(ch);
    // Intermediates also come from the certificate's own store.
    let own = store_of(&[&c.leaf, &c.inter]);
    let in_store = unsafe { CertEnumCertificatesInStore(own, null()) };
    let ch = chain(e, in_store, null_mut());
    let (err, _, elements) = describe(ch);
    assert_eq!((err, elements.len()), (CERT_TRUST_IS_PARTIAL_CHAIN, 2), "{elements:?}");
    free(ch);
    unsafe {
        CertFreeCertificateContext(in_store);
        CertCloseStore(own, 0);
        CertFreeCertificateChainEngine(e);
        CertFreeCertificateContext(leaf);
        CertCloseStore(roots, 0);
        CertCloseStore(extra, 0);
    }
}

#[allow(non_snake_case)]
fn HCCE_CURRENT_USER() -> HCERTCHAINENGINE {
    null_mut()
}

#[test]
fn an_intermediate_is_an_anchor_only_with_the_enable_ca_flag() {
    let c = certs();
    let leaf = context(&c.leaf);
    let cas = store_of(&[&c.inter]);
    let plain = engine(cas, FULL, 0);
    let ch = chain(plain, leaf, null_mut());
    let (err, _, elements) = describe(ch);
    assert_eq!((err, elements.len()), (CERT_TRUST_IS_PARTIAL_CHAIN, 2), "{elements:?}");
    free(ch);
    let partial_ok = engine(cas, FULL, CERT_CHAIN_EXCLUSIVE_ENABLE_CA_FLAG);
    let ch = chain(partial_ok, leaf, null_mut());
    let (err, _, elements) = describe(ch);
    assert_eq!((err, elements.len()), (0, 2), "{elements:?}");
    assert_eq!(elements[1].2 & CERT_TRUST_IS_CA_TRUSTED, CERT_TRUST_IS_CA_TRUSTED);
    free(ch);
    unsafe {
        CertFreeCertificateChainEngine(plain);
        CertFreeCertificateChainEngine(partial_ok);
        CertFreeCertificateContext(leaf);
        CertCloseStore(cas, 0);
    }
}

#[test]
fn time_usage_signature_and_revocation_are_judged() {
    let c = certs();
    let roots = store_of(&[&c.root]);
    let extra = store_of(&[&c.inter]);
    let e = engine(roots, FULL, 0);
    let leaf = context(&c.leaf);
    // In 2100 the leaf (1 year) and the intermediate (1000 days) have expired; the root (10 years) too.
    let t2100 = (4_102_444_800u64 + 11_644_473_600) * 10_000_000;
    let ft = FILETIME { dwLowDateTime: t2100 as u32, dwHighDateTime: (t2100 >> 32) as u32 };
    let ch = chain_with(e, leaf, Some(ft), extra, &[SERVER_AUTH], false, 0);
    let (err, _, elements) = describe(ch);
    assert_eq!(err, CERT_TRUST_IS_NOT_TIME_VALID);
    assert!(elements.iter().all(|e| e.1 == CERT_TRUST_IS_NOT_TIME_VALID), "{elements:?}");
    free(ch);
    // A usage the leaf's EKU lacks; with OR, one usage it has is enough.
    let ch = chain_with(e, leaf, None, extra, &[CODE_SIGNING], false, 0);
    let (err, _, elements) = describe(ch);
    assert_eq!((err, elements[0].1), (CERT_TRUST_IS_NOT_VALID_FOR_USAGE, CERT_TRUST_IS_NOT_VALID_FOR_USAGE));
    free(ch);
    let ch = chain_with(e, leaf, None, extra, &[CODE_SIGNING, SERVER_AUTH], true, 0);
    assert_eq!(describe(ch).0, 0);
    free(ch);
    let ch = chain_with(e, leaf, None, extra, &[CODE_SIGNING, SERVER_AUTH], false, 0);
    assert_eq!(describe(ch).0, CERT_TRUST_IS_NOT_VALID_FOR_USAGE);
    free(ch);
    // No usage requested: the chain is judged on everything else.
    let ch = chain_with(e, leaf, None, extra, &[], false, 0);
    assert_eq!(describe(ch).0, 0);
    free(ch);
    let ip_leaf = context(&c.ip_leaf);
    let ch = chain_with(e, ip_leaf, None, extra, &[SERVER_AUTH], false, 0);
    assert_eq!(describe(ch).0, CERT_TRUST_IS_NOT_VALID_FOR_USAGE, "a client-only certificate is no server");
    free(ch);
    // Revocation cannot be fetched: unknown on exactly the elements asked for.
    let ch = chain_with(e, leaf, None, extra, &[SERVER_AUTH], false, CERT_CHAIN_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT);
    let (err, _, elements) = describe(ch);
    assert_eq!(err, CERT_TRUST_REVOCATION_STATUS_UNKNOWN);
    let per: Vec<u32> = elements.iter().map(|e| e.1).collect();
    assert_eq!(per, [CERT_TRUST_REVOCATION_STATUS_UNKNOWN, CERT_TRUST_REVOCATION_STATUS_UNKNOWN, 0]);
    free(ch);
    let ch = chain_with(e, leaf, None, extra, &[SERVER_AUTH], false, CERT_CHAIN_REVOCATION_CHECK_END_CERT);
    let per: Vec<u32> = describe(ch).2.iter().map(|e| e.1).collect();
    assert_eq!(per, [CERT_TRUST_REVOCATION_STATUS_UNKNOWN, 0, 0]);
    free(ch);
    // A damaged signature (the last byte of an RSA signature).
    let mut bad = c.leaf.clone();
    *bad.last_mut().unwrap() ^= 1;
    let bad_leaf = context(&bad);
    let ch = chain(e, bad_leaf, extra);
    let (err, _, elements) = describe(ch);
    assert_eq!((err, elements[0].1), (CERT_TRUST_IS_NOT_SIGNATURE_VALID, CERT_TRUST_IS_NOT_SIGNATURE_VALID));
    free(ch);
    // The leaf used as an issuer: not a CA.
    let fake_inter = store_of(&[&c.leaf]);
    let wrong = engine(fake_inter, FULL, CERT_CHAIN_EXCLUSIVE_ENABLE_CA_FLAG);
    let ch = chain(wrong, leaf, null_mut());
    assert_eq!(describe(ch).2.len(), 1, "nothing issued the leaf in that store");
    free(ch);
    unsafe {
        CertFreeCertificateChainEngine(wrong);
        CertCloseStore(fake_inter, 0);
        CertFreeCertificateContext(bad_leaf);
        CertFreeCertificateContext(ip_leaf);
        CertFreeCertificateChainEngine(e);
        CertFreeCertificateContext(leaf);
        CertCloseStore(roots, 0);
        CertCloseStore(extra, 0);
    }
}

#[test]
fn chain_calls_refuse_bad_input() {
    let c = certs();
    let leaf = context(&c.leaf);
    let mut para: CERT_CHAIN_PARA = unsafe { core::mem::zeroed() };
    para.cbSize = core::mem::size_of::<CERT_CHAIN_PARA>() as u32;
    let mut out: PCCERT_CHAIN_CONTEXT = null();
    let call =
        |engine: HCERTCHAINENGINE, cert: PCCERT_CONTEXT, para: *mut CERT_CHAIN_PARA, out: *mut PCCERT_CHAIN_CONTEXT| {
            SetLastError(0);
            let ok = unsafe { CertGetCertificateChain(engine, cert, null_mut(), null_mut(), para, 0, null_mut(), out) };
            (ok, GetLastError())
        };
    let refused = (0, E_INVALIDARG as u32);
    assert_eq!(call(null_mut(), leaf, &mut para, null_mut()), refused);
    assert_eq!(call(null_mut(), leaf, null_mut(), &mut out), refused);
    assert_eq!(call(null_mut(), null(), &mut para, &mut out), refused);
    let foreign: CERT_CONTEXT = unsafe { core::mem::zeroed() };
    assert_eq!(call(null_mut(), &foreign, &mut para, &mut out), refused);
    assert_eq!(call(0x5555_0000 as HCERTCHAINENGINE, leaf, &mut para, &mut out), refused);
    para.cbSize = 4;
    assert_eq!(call(null_mut(), leaf, &mut para, &mut out), refused);
    para.cbSize = core::mem::size_of::<CERT_CHAIN_PARA>() as u32;
    para.RequestedUsage.Usage.cUsageIdentifier = 2;
    assert_eq!(call(null_mut(), leaf, &mut para, &mut out), refused, "a count without its array");
    assert!(out.is_null(), "nothing written on failure");
    // Engine configurations Windows would refuse.
    let mut cfg: CERT_CHAIN_ENGINE_CONFIG = unsafe { core::mem::zeroed() };
    let mut h: HCERTCHAINENGINE = null_mut();
    for size in [0u32, 60, 84, 96] {
        cfg.cbSize = size;
        assert_eq!(unsafe { CertCreateCertificateChainEngine(&mut cfg, &mut h) }, 0, "cbSize {size}");
        assert_eq!(GetLastError(), E_INVALIDARG as u32);
    }
    cfg.cbSize = FULL as u32;
    let mut fake_store = 0u64;
    cfg.hExclusiveRoot = (&mut fake_store as *mut u64).cast();
    assert_eq!(unsafe { CertCreateCertificateChainEngine(&mut cfg, &mut h) }, 0, "a store that is not ours");
    cfg.hExclusiveRoot = null_mut();
    cfg.cAdditionalStore = 1;
    assert_eq!(unsafe { CertCreateCertificateChainEngine(&mut cfg, &mut h) }, 0, "a count without its array");
    assert!(h.is_null());
    assert_eq!(unsafe { CertCreateCertificateChainEngine(null_mut(), &mut h) }, 0);
    // Frees of things that are not ours are ignored, with the reason.
    SetLastError(0);
    unsafe { CertFreeCertificateChainEngine(0x7777_0000 as HCERTCHAINENGINE) };
    assert_eq!(GetLastError(), E_INVALIDARG as u32);
    unsafe { CertFreeCertificateChainEngine(null_mut()) };
    unsafe { CertFreeCertificateChain(null()) };
    unsafe { CertFreeCertificateContext(leaf) };
}

#[test]
fn query_object_reads_pem_and_der_certificates() {
    let c = certs();
    let pem = Fixture::get().read("rsa2048.pem");
    let query = |data: &[u8], content: u32, format: u32| {
        let mut b = CRYPT_DATA_BLOB { cbData: data.len() as u32, pbData: data.as_ptr() as *mut u8 };
        let (mut enc, mut ctype, mut fmt) = (0u32, 0u32, 0u32);
        let mut store: HCERTSTORE = null_mut();
        let mut msg: HCRYPTMSG = 1 as HCRYPTMSG;
        let mut ctx: *const c_void = null();
        SetLastError(0);
        let ok = unsafe {
            CryptQueryObject(
                CERT_QUERY_OBJECT_BLOB,
                (&mut b as *mut CRYPT_DATA_BLOB).cast(),
                content,
                format,
                0,
                &mut enc,
                &mut ctype,
                &mut fmt,
                &mut store,
                &mut msg,
                &mut ctx,
            )
        };
        (ok, GetLastError(), enc, ctype, fmt, store, msg, ctx as PCCERT_CONTEXT)
    };
    let r = query(&pem, CERT_QUERY_CONTENT_FLAG_CERT, CERT_QUERY_FORMAT_FLAG_BASE64_ENCODED);
    assert_eq!((r.0, r.2, r.3, r.4), (1, ENC, CERT_QUERY_CONTENT_CERT, CERT_QUERY_FORMAT_BASE64_ENCODED));
    assert!(r.6.is_null());
    let got = unsafe { core::slice::from_raw_parts((*r.7).pbCertEncoded, (*r.7).cbCertEncoded as usize) };
    assert_eq!(got, c.leaf.as_slice());
    let listed = unsafe { CertEnumCertificatesInStore(r.5, null()) };
    assert!(!listed.is_null(), "the store holds it");
    unsafe { CertFreeCertificateContext(listed) };
    assert_eq!(unsafe { (*r.7).hCertStore }, r.5);
    unsafe {
        CertFreeCertificateContext(r.7);
        CertCloseStore(r.5, 0);
    }
    let r = query(&c.leaf, CERT_QUERY_CONTENT_FLAG_CERT, CERT_QUERY_FORMAT_FLAG_ALL);
    assert_eq!((r.0, r.4), (1, CERT_QUERY_FORMAT_BINARY));
    unsafe {
        CertFreeCertificateContext(r.7);
        CertCloseStore(r.5, 0);
    }
    // Wrong format expected, not a certificate, or content we do not recognise.
    assert_eq!(
        query(&c.leaf, CERT_QUERY_CONTENT_FLAG_CERT, CERT_QUERY_FORMAT_FLAG_BASE64_ENCODED).1,
        CRYPT_E_NO_MATCH as u32
    );
    assert_eq!(query(b"hello", CERT_QUERY_CONTENT_FLAG_CERT, CERT_QUERY_FORMAT_FLAG_ALL).1, CRYPT_E_NO_MATCH as u32);
    assert_eq!(query(&pem, 1 << 12, CERT_QUERY_FORMAT_FLAG_ALL).1, CRYPT_E_NO_MATCH as u32);
    // From a file, by UTF-16 path.
    let path = wide(Fixture::get().path("root.pem").to_str().unwrap());
    let mut ctx: *const c_void = null();
    let ok = unsafe {
        CryptQueryObject(
            CERT_QUERY_OBJECT_FILE,
            path.as_ptr().cast(),
            CERT_QUERY_CONTENT_FLAG_CERT,
            CERT_QUERY_FORMAT_FLAG_ALL,
            0,
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            &mut ctx,
        )
    };
    assert_eq!(ok, 1);
    unsafe { CertFreeCertificateContext(ctx.cast()) };
}

unsafe fn wide_at(p: *const u16) -> String {
    let mut n = 0;
    while *p.add(n) != 0 {
        n += 1;
    }
    String::from_utf16(core::slice::from_raw_parts(p, n)).unwrap()
}

#[test]
fn alternative_names_decode_as_curl_reads_them() {
    let c = certs();
    let leaf = context(&c.ip_leaf);
    let info = unsafe { &*(*leaf).pCertInfo };
    let ext = unsafe { CertFindExtension(c"2.5.29.17".as_ptr(), info.cExtension, info.rgExtension) };
    assert!(!ext.is_null());
    assert!(unsafe { CertFindExtension(c"1.2.3.4".as_ptr(), info.cExtension, info.rgExtension) }.is_null());
    assert_eq!(GetLastError(), CRYPT_E_NOT_FOUND as u32);
    let value = unsafe { (*ext).Value };
    // curl's call: ALLOC | NOCOPY with a CRYPT_DECODE_PARA of NULL allocators, freed with LocalFree.
    let mut para =
        CRYPT_DECODE_PARA { cbSize: core::mem::size_of::<CRYPT_DECODE_PARA>() as u32, pfnAlloc: None, pfnFree: None };
    let mut out: *mut CERT_ALT_NAME_INFO = null_mut();
    let mut size = 0u32;
    let ok = unsafe {
        CryptDecodeObjectEx(
            ENC,
            c"2.5.29.17".as_ptr(),
            value.pbData,
            value.cbData,
            CRYPT_DECODE_ALLOC_FLAG | CRYPT_DECODE_NOCOPY_FLAG,
            &mut para,
            (&mut out as *mut *mut CERT_ALT_NAME_INFO).cast(),
            &mut size,
        )
    };
    assert_eq!(ok, 1, "{:#x}", GetLastError());
    assert!(size as usize >= core::mem::size_of::<CERT_ALT_NAME_INFO>());
    let names = unsafe { &*out };
    assert_eq!(names.cAltEntry, 4);
    let e = unsafe { core::slice::from_raw_parts(names.rgAltEntry, 4) };
    let choices: Vec<u32> = e.iter().map(|e| e.dwAltNameChoice).collect();
    assert_eq!(
        choices,
        [CERT_ALT_NAME_IP_ADDRESS, CERT_ALT_NAME_IP_ADDRESS, CERT_ALT_NAME_DNS_NAME, CERT_ALT_NAME_URL]
    );
    let ip = |i: usize| unsafe {
        let b = e[i].Value.IPAddress;
        core::slice::from_raw_parts(b.pbData, b.cbData as usize).to_vec()
    };
    assert_eq!(ip(0), [127, 0, 0, 1]);
    assert_eq!(ip(1), [0u8; 15].iter().copied().chain([1]).collect::<Vec<u8>>());
    assert_eq!(unsafe { wide_at(e[2].Value.pwszDNSName) }, "ip.example");
    assert_eq!(unsafe { wide_at(e[3].Value.pwszURL) }, "https://u.example/");
    assert!(unsafe { LocalFree(out.cast()) }.is_null());
    // The plain size protocol, with X509_ALT_NAME as the struct type.
    let mut need = 0u32;
    let t = X509_ALT_NAME as LPCSTR;
    assert_eq!(unsafe { CryptDecodeObject(ENC, t, value.pbData, value.cbData, 0, null_mut(), &mut need) }, 1);
    assert_eq!(need, size);
    let mut buf = vec![0u64; need as usize / 8 + 1];
    let mut small = need - 1;
    assert_eq!(
        unsafe { CryptDecodeObject(ENC, t, value.pbData, value.cbData, 0, buf.as_mut_ptr().cast(), &mut small) },
        0
    );
    assert_eq!((GetLastError(), small), (ERROR_MORE_DATA, need));
    let mut have = need;
    assert_eq!(
        unsafe { CryptDecodeObject(ENC, t, value.pbData, value.cbData, 0, buf.as_mut_ptr().cast(), &mut have) },
        1
    );
    let names = unsafe { &*buf.as_ptr().cast::<CERT_ALT_NAME_INFO>() };
    assert_eq!(names.cAltEntry, 4);
    // Types we have no decoder for, and damaged input.
    assert_eq!(
        unsafe {
            CryptDecodeObjectEx(
                ENC,
                c"2.5.29.19".as_ptr(),
                value.pbData,
                value.cbData,
                0,
                null_mut(),
                null_mut(),
                &mut need,
            )
        },
        0
    );
    assert_eq!(GetLastError(), ERROR_FILE_NOT_FOUND);
    let junk = [0x30u8, 0x05, 0x82, 0x09];
    assert_eq!(unsafe { CryptDecodeObject(ENC, t, junk.as_ptr(), 4, 0, null_mut(), &mut need) }, 0);
    unsafe { CertFreeCertificateContext(leaf) };
}

#[test]
fn string_to_binary_size_protocol() {
    let text = b"AAECAwQ=\0";
    let mut n = 0u32;
    let call = |p: *mut u8, n: &mut u32, flags: u32| unsafe {
        SetLastError(0);
        CryptStringToBinaryA(text.as_ptr().cast(), 0, flags, p, n, null_mut(), null_mut())
    };
    assert_eq!(call(null_mut(), &mut n, CRYPT_STRING_BASE64), 1, "cchString 0 reads to the NUL");
    assert_eq!(n, 5);
    let mut out = [0u8; 5];
    let mut small = 4;
    assert_eq!(call(out.as_mut_ptr(), &mut small, CRYPT_STRING_BASE64), 0);
    assert_eq!((GetLastError(), small), (ERROR_MORE_DATA, 5));
    assert_eq!(call(out.as_mut_ptr(), &mut n, CRYPT_STRING_BASE64), 1);
    assert_eq!(out, [0, 1, 2, 3, 4]);
    assert_eq!(call(out.as_mut_ptr(), &mut n, CRYPT_STRING_BASE64HEADER), 0);
    assert_eq!(GetLastError(), ERROR_INVALID_DATA);
    assert_eq!(call(out.as_mut_ptr(), &mut n, 0x20), 0, "a format we do not decode");
    assert_eq!(GetLastError(), ERROR_INVALID_PARAMETER);
    let w: Vec<u16> = "00 01 02".encode_utf16().collect();
    let mut n = 3u32;
    let mut fmt = 0u32;
    let ok = unsafe {
        CryptStringToBinaryW(
            w.as_ptr(),
            w.len() as u32,
            CRYPT_STRING_HEX_ANY,
            out.as_mut_ptr(),
            &mut n,
            null_mut(),
            &mut fmt,
        )
    };
    assert_eq!((ok, n, fmt, &out[..3]), (1, 3, CRYPT_STRING_HEX, &[0u8, 1, 2][..]));
}

fn policy(oid: usize, ch: PCCERT_CHAIN_CONTEXT, flags: u32, ssl: Option<(u32, u32, &str)>) -> (u32, i32, i32) {
    let mut name = ssl.map(|s| wide(s.2)).unwrap_or_default();
    let mut extra = SSL_EXTRA_CERT_CHAIN_POLICY_PARA {
        cbSize: core::mem::size_of::<SSL_EXTRA_CERT_CHAIN_POLICY_PARA>() as u32,
        dwAuthType: ssl.map_or(0, |s| s.0),
        fdwChecks: ssl.map_or(0, |s| s.1),
        pwszServerName: if name.is_empty() { null_mut() } else { name.as_mut_ptr() },
    };
    let mut para = CERT_CHAIN_POLICY_PARA {
        cbSize: core::mem::size_of::<CERT_CHAIN_POLICY_PARA>() as u32,
        dwFlags: flags,
        pvExtraPolicyPara: if ssl.is_some() {
            (&mut extra as *mut SSL_EXTRA_CERT_CHAIN_POLICY_PARA).cast()
        } else {
            null_mut()
        },
    };
    let mut status: CERT_CHAIN_POLICY_STATUS = unsafe { core::mem::zeroed() };
    status.cbSize = core::mem::size_of::<CERT_CHAIN_POLICY_STATUS>() as u32;
    status.dwError = 0xdead;
    let ok = unsafe { CertVerifyCertificateChainPolicy(oid as LPCSTR, ch, &mut para, &mut status) };
    assert_eq!(ok, 1, "{:#x}", GetLastError());
    (status.dwError, status.lChainIndex, status.lElementIndex)
}

#[test]
fn chain_policies_report_windows_errors() {
    let c = certs();
    let roots = store_of(&[&c.root]);
    let extra = store_of(&[&c.inter]);
    let e = engine(roots, FULL, 0);
    let leaf = context(&c.leaf);
    let ip_leaf = context(&c.ip_leaf);
    const SERVER: u32 = AUTHTYPE_SERVER;
    let ssl = CERT_CHAIN_POLICY_SSL;
    // A good chain: every policy passes; the SSL one checks the name (SAN DNS, wildcard-free).
    let ch = chain(e, leaf, extra);
    assert_eq!(policy(CERT_CHAIN_POLICY_BASE, ch, 0, None), (0, -1, -1));
    assert_eq!(policy(ssl, ch, 0, Some((SERVER, 0, "alt.example"))), (0, -1, -1));
    assert_eq!(policy(ssl, ch, 0, Some((SERVER, 0, "LEAF.example"))).0, 0, "names compare case-insensitively");
    assert_eq!(policy(ssl, ch, 0, Some((SERVER, 0, "other.example"))), (CERT_E_CN_NO_MATCH as u32, 0, 0));
    assert_eq!(
        policy(ssl, ch, 0, Some((SERVER, 0, "leaf-rsa2048"))).0,
        CERT_E_CN_NO_MATCH as u32,
        "CN ignored with SANs"
    );
    assert_eq!(policy(ssl, ch, 0, Some((SERVER, SECURITY_FLAG_IGNORE_CERT_CN_INVALID, "x.example"))).0, 0);
    assert_eq!(policy(ssl, ch, 0, Some((AUTHTYPE_CLIENT, 0, "x.example"))).0, 0, "clients' names are not checked");
    assert_eq!(policy(CERT_CHAIN_POLICY_BASIC_CONSTRAINTS, ch, 0, None).0, 0);
    free(ch);
    // IP names against iPAddress entries.
    let ch = chain_with(e, ip_leaf, None, extra, &[], false, 0);
    assert_eq!(policy(ssl, ch, 0, Some((SERVER, 0, "127.0.0.1"))).0, 0);
    assert_eq!(policy(ssl, ch, 0, Some((SERVER, 0, "::1"))).0, 0);
    assert_eq!(policy(ssl, ch, 0, Some((SERVER, 0, "127.0.0.2"))).0, CERT_E_CN_NO_MATCH as u32);
    free(ch);
    // Untrusted root (found at the last element), ignorable by flag.
    let other = store_of(&[&c.other_root]);
    let e2 = engine(other, FULL, 0);
    let both = store_of(&[&c.inter, &c.root]);
    let ch = chain(e2, leaf, both);
    assert_eq!(policy(CERT_CHAIN_POLICY_BASE, ch, 0, None), (CERT_E_UNTRUSTEDROOT as u32, 0, 2));
    assert_eq!(policy(CERT_CHAIN_POLICY_BASE, ch, CERT_CHAIN_POLICY_ALLOW_UNKNOWN_CA_FLAG, None).0, 0);
    assert_eq!(policy(ssl, ch, 0, Some((SERVER, SECURITY_FLAG_IGNORE_UNKNOWN_CA, "leaf.example"))).0, 0);
    free(ch);
    // Partial chain: CERT_E_CHAINING at chain level.
    let ch = chain(e, leaf, null_mut());
    assert_eq!(policy(CERT_CHAIN_POLICY_BASE, ch, 0, None), (CERT_E_CHAINING as u32, 0, -1));
    free(ch);
    // Expired, ignorable by either flag style.
    let t2100 = (4_102_444_800u64 + 11_644_473_600) * 10_000_000;
    let ft = FILETIME { dwLowDateTime: t2100 as u32, dwHighDateTime: (t2100 >> 32) as u32 };
    let ch = chain_with(e, leaf, Some(ft), extra, &[SERVER_AUTH], false, 0);
    assert_eq!(policy(ssl, ch, 0, Some((SERVER, 0, "leaf.example"))), (CERT_E_EXPIRED as u32, 0, 0));
    assert_eq!(policy(ssl, ch, 0, Some((SERVER, SECURITY_FLAG_IGNORE_CERT_DATE_INVALID, "leaf.example"))).0, 0);
    assert_eq!(policy(CERT_CHAIN_POLICY_BASE, ch, CERT_CHAIN_POLICY_IGNORE_NOT_TIME_VALID_FLAG, None).0, 0);
    free(ch);
    // Wrong usage, and revocation that cannot be checked.
    let ch = chain_with(e, leaf, None, extra, &[CODE_SIGNING], false, 0);
    assert_eq!(policy(CERT_CHAIN_POLICY_BASE, ch, 0, None), (CERT_E_WRONG_USAGE as u32, 0, 0));
    free(ch);
    let ch = chain_with(e, leaf, None, extra, &[SERVER_AUTH], false, CERT_CHAIN_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT);
    assert_eq!(policy(CERT_CHAIN_POLICY_BASE, ch, 0, None), (CRYPT_E_NO_REVOCATION_CHECK as u32, 0, 0));
    assert_eq!(policy(CERT_CHAIN_POLICY_BASE, ch, CERT_CHAIN_POLICY_IGNORE_ALL_REV_UNKNOWN_FLAGS, None).0, 0);
    assert_eq!(policy(ssl, ch, 0, Some((SERVER, SECURITY_FLAG_IGNORE_REVOCATION, "leaf.example"))).0, 0);
    free(ch);
    // A damaged signature comes first.
    let mut bad = c.leaf.clone();
    *bad.last_mut().unwrap() ^= 1;
    let bad_leaf = context(&bad);
    let ch = chain(e, bad_leaf, extra);
    assert_eq!(policy(ssl, ch, 0, Some((SERVER, 0, "leaf.example"))), (TRUST_E_CERT_SIGNATURE as u32, 0, 0));
    // Unknown policies and bad arguments.
    let mut status: CERT_CHAIN_POLICY_STATUS = unsafe { core::mem::zeroed() };
    status.cbSize = core::mem::size_of::<CERT_CHAIN_POLICY_STATUS>() as u32;
    assert_eq!(
        unsafe {
            CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_AUTHENTICODE as LPCSTR, ch, null_mut(), &mut status)
        },
        0
    );
    assert_eq!(GetLastError(), CRYPT_E_NOT_FOUND as u32);
    assert_eq!(
        unsafe { CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_BASE as LPCSTR, ch, null_mut(), null_mut()) },
        0
    );
    status.cbSize = 4;
    assert_eq!(
        unsafe { CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_BASE as LPCSTR, ch, null_mut(), &mut status) },
        0
    );
    free(ch);
    status.cbSize = core::mem::size_of::<CERT_CHAIN_POLICY_STATUS>() as u32;
    assert_eq!(
        unsafe { CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_BASE as LPCSTR, ch, null_mut(), &mut status) },
        0,
        "a freed chain"
    );
    assert_eq!(GetLastError(), E_INVALIDARG as u32);
    unsafe {
        CertFreeCertificateContext(bad_leaf);
        CertFreeCertificateChainEngine(e);
        CertFreeCertificateChainEngine(e2);
        CertFreeCertificateContext(leaf);
        CertFreeCertificateContext(ip_leaf);
        for s in [roots, extra, other, both] {
            CertCloseStore(s, 0);
        }
    }
}

#[test]
fn issuers_are_found_in_a_store_with_their_checks() {
    let c = certs();
    let s = store_of(&[&c.leaf, &c.inter, &c.root]);
    let leaf = unsafe { CertEnumCertificatesInStore(s, null()) };
    let mut flags = CERT_STORE_SIGNATURE_FLAG | CERT_STORE_TIME_VALIDITY_FLAG;
    let inter = unsafe { CertGetIssuerCertificateFromStore(s, leaf, null(), &mut flags) };
    assert!(!inter.is_null());
    assert_eq!(flags, 0, "both checks passed");
    let mut flags = CERT_STORE_REVOCATION_FLAG;
    let root = unsafe { CertGetIssuerCertificateFromStore(s, inter, null(), &mut flags) };
    assert!(!root.is_null());
    assert_eq!(flags, CERT_STORE_REVOCATION_FLAG | CERT_STORE_NO_CRL_FLAG, "revocation cannot be checked");
    let mut flags = 0;
    assert!(unsafe { CertGetIssuerCertificateFromStore(s, root, null(), &mut flags) }.is_null());
    assert_eq!(GetLastError(), CRYPT_E_SELF_SIGNED as u32);
    // The next issuer after the one found: none (the previous one is released).
    let again = unsafe { CertDuplicateCertificateContext(inter) };
    let mut flags = 0;
    assert!(unsafe { CertGetIssuerCertificateFromStore(s, leaf, again, &mut flags) }.is_null());
    assert_eq!(GetLastError(), CRYPT_E_NOT_FOUND as u32);
    // A damaged subject signature is reported, not refused.
    let mut bad = c.leaf.clone();
    *bad.last_mut().unwrap() ^= 1;
    let bad_leaf = context(&bad);
    let mut flags = CERT_STORE_SIGNATURE_FLAG;
    let i2 = unsafe { CertGetIssuerCertificateFromStore(s, bad_leaf, null(), &mut flags) };
    assert!(!i2.is_null());
    assert_eq!(flags, CERT_STORE_SIGNATURE_FLAG);
    let mut flags = 0x100;
    assert!(unsafe { CertGetIssuerCertificateFromStore(s, leaf, null(), &mut flags) }.is_null(), "unknown flags");
    unsafe {
        for c in [leaf, inter, root, bad_leaf, i2] {
            CertFreeCertificateContext(c);
        }
        CertCloseStore(s, 0);
    }
}
