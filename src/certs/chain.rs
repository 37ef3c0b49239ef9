//! Certificate chains: `CertCreateCertificateChainEngine`,
//! `CertGetCertificateChain` and the `CERT_CHAIN_CONTEXT` memory they hand
//! to C.
//!
//! A chain is built the way Windows builds one: from the end certificate,
//! issuer by issuer (subject name equal to the issuer name, preferring a
//! candidate whose key verifies the signature and, among those, a trusted
//! one), from the certificate's own store, the caller's additional store,
//! the engine's additional stores and the engine's roots, until a trusted
//! anchor, a self-signed certificate or no issuer. Each element then gets
//! Windows' `CERT_TRUST_*` bits: time validity, signature, CA basic
//! constraints and path length, requested usages (EKU), trust of the root;
//! and a chain that reaches a trusted anchor with no error is checked once
//! more by webpki (name constraints, critical extensions, key usage), whose
//! objection, if any, is reported too. Revocation is never fetched (no CRL
//! or OCSP client): when the caller asks for a revocation check, the checked
//! elements report `CERT_TRUST_REVOCATION_STATUS_UNKNOWN` (plus
//! `CERT_TRUST_IS_OFFLINE_REVOCATION` when the certificate names a CRL or
//! OCSP location), as Windows does when it cannot reach one.
//!
//! The roots: the engine's `hExclusiveRoot` when it has one (with
//! `CERT_CHAIN_EXCLUSIVE_ENABLE_CA_FLAG`, any certificate in it is an
//! anchor, else only self-signed ones), otherwise the system trust store
//! (`rustls-native-certs`: `SSL_CERT_FILE` / `SSL_CERT_DIR` or the
//! distribution's bundle), narrowed to `hRestrictedRoot` when given.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;
use rustls::pki_types::{CertificateDer, UnixTime};

use super::x509::ParsedCert;
use super::{CertContext, CertData, CertRef, StoreRef};
use crate::abi::*;
use crate::der::{self, Reader};
use crate::error::SecResult;
use crate::handles::lock;

/// Longest chain built (Windows' own limit is far beyond real chains).
const MAX_DEPTH: usize = 16;

const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
const OID_EKU: &str = "2.5.29.37";
const OID_ANY_EKU: &str = "2.5.29.37.0";
const OID_CRL_DP: &str = "2.5.29.31";
const OID_AIA: &str = "1.3.6.1.5.5.7.1.1";
const OID_SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
const OID_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";

/// The system trust store's certificates, decoded once per process.
pub fn system_roots() -> &'static [Arc<CertData>] {
    static ROOTS: Lazy<Vec<Arc<CertData>>> = Lazy::new(|| {
        let found = rustls_native_certs::load_native_certs();
        found.certs.iter().filter_map(|c| CertData::new(c.as_ref()).ok()).collect()
    });
    &ROOTS
}

/// A chain engine: where roots and intermediates come from.
#[derive(Debug, Default)]
pub struct Engine {
    /// `hExclusiveRoot`: the only roots (instead of the system's).
    pub exclusive_root: Option<StoreRef>,
    /// `CERT_CHAIN_EXCLUSIVE_ENABLE_CA_FLAG`: CAs in `exclusive_root` are anchors too.
    pub exclusive_ca: bool,
    /// `hExclusiveTrustedPeople`: end certificates trusted as they are.
    pub trusted_people: Option<StoreRef>,
    /// `hRestrictedRoot`: system roots are trusted only if also in here.
    pub restricted_root: Option<StoreRef>,
    /// `rghAdditionalStore`: more places to find intermediates.
    pub additional: Vec<StoreRef>,
}

/// What the caller asked of one chain.
#[derive(Debug, Default)]
pub struct Request {
    /// FILETIME to check validity at.
    pub time: u64,
    /// Requested usage OIDs and whether all (AND) or one (OR) must hold.
    pub usages: Vec<String>,
    pub usage_or: bool,
    /// `CertGetCertificateChain`'s `dwFlags`.
    pub flags: u32,
    /// `hAdditionalStore`.
    pub additional: Option<StoreRef>,
}

/// One element of a built chain.
#[derive(Debug)]
pub struct Element {
    pub cert: CertRef,
    pub status: CERT_TRUST_STATUS,
}

/// A built chain (Windows' one simple chain of a chain context).
#[derive(Debug)]
pub struct Chain {
    pub elements: Vec<Element>,
    pub status: CERT_TRUST_STATUS,
}

/// A certificate the builder may use, and whether it is a trust anchor.
struct Candidate {
    cert: CertRef,
    anchor: bool,
    exclusive: bool,
}

impl Engine {
    /// The anchors and the other certificates to build from.
    fn pool(&self, end: &CertRef, req: &Request) -> Vec<Candidate> {
        let mut pool = Vec::new();
        match &self.exclusive_root {
            Some(roots) => {
                for c in roots.certificates() {
                    let anchor = self.exclusive_ca || is_self_signed(c.parsed());
                    pool.push(Candidate { cert: c, anchor, exclusive: true });
                }
            }
            None => {
                let allowed = self.restricted_root.as_ref().map(|s| s.certificates());
                for data in system_roots() {
                    let ok = allowed.as_ref().is_none_or(|list| list.iter().any(|c| c.sha1() == data.sha1));
                    if ok {
                        pool.push(Candidate {
                            cert: CertContext::from_data(Arc::clone(data)),
                            anchor: true,
                            exclusive: false,
                        });
                    }
                }
            }
        }
        let mut others: Vec<CertRef> = Vec::new();
        if let Some(s) = end.store() {
            others.extend(s.certificates());
        }
        if let Some(s) = &req.additional {
            others.extend(s.certificates());
        }
        for s in &self.additional {
            others.extend(s.certificates());
        }
        for c in others {
            if c.sha1() != end.sha1() {
                pool.push(Candidate { cert: c, anchor: false, exclusive: false });
            }
        }
        pool
    }

    /// `CertGetCertificateChain`: builds and judges the chain of `end`.
    pub fn build(&self, end: &CertRef, req: &Request) -> Chain {
        let mut elements = vec![Element { cert: Arc::clone(end), status: CERT_TRUST_STATUS::default() }];
        let mut chain_err = 0;
        // Peer trust: an end certificate in hExclusiveTrustedPeople needs no chain.
        let peer =
            self.trusted_people.as_ref().is_some_and(|s| s.certificates().iter().any(|c| c.sha1() == end.sha1()));
        if peer {
            elements[0].status.dwInfoStatus |= CERT_TRUST_IS_PEER_TRUSTED | CERT_TRUST_IS_FROM_EXCLUSIVE_TRUST_STORE;
        }
        let pool = self.pool(end, req);
        let mut trusted_top = peer;
        let mut top_from_exclusive = false;
        // A self-signed end certificate is its own root, trusted when it is an anchor.
        if !peer && is_self_signed(end.parsed()) {
            let c = pool.iter().find(|c| c.anchor && c.cert.sha1() == end.sha1());
            trusted_top = c.is_some();
            top_from_exclusive = c.is_some_and(|c| c.exclusive);
        }
        while !peer && !trusted_top && elements.len() < MAX_DEPTH {
            let cur = elements.last().map(|e| Arc::clone(&e.cert)).expect("chain is never empty");
            let cp = cur.parsed();
            if is_self_signed(cp) {
                break;
            }
            let used = |c: &CertRef| elements.iter().any(|e| e.cert.sha1() == c.sha1());
            let named: Vec<&Candidate> = pool.iter().filter(|c| c.cert.parsed().subject == cp.issuer).collect();
            let rank = |c: &&Candidate| {
                let verifies = cp.signed_by(c.cert.parsed()) == Some(true);
                (verifies, c.anchor)
            };
            let pick = named.iter().copied().filter(|c| !used(&c.cert)).max_by_key(rank);
            let Some(next) = pick else {
                if !named.is_empty() {
                    chain_err |= CERT_TRUST_IS_CYCLIC;
                }
                chain_err |= CERT_TRUST_IS_PARTIAL_CHAIN;
                break;
            };
            elements.push(Element { cert: Arc::clone(&next.cert), status: CERT_TRUST_STATUS::default() });
            if next.anchor {
                trusted_top = true;
                top_from_exclusive = next.exclusive;
                break;
            }
        }
        if elements.len() >= MAX_DEPTH && !trusted_top {
            chain_err |= CERT_TRUST_IS_PARTIAL_CHAIN;
        }
        self.judge(&mut elements, req, chain_err, trusted_top, top_from_exclusive)
    }

    fn judge(
        &self,
        elements: &mut [Element],
        req: &Request,
        chain_err: u32,
        trusted_top: bool,
        top_from_exclusive: bool,
    ) -> Chain {
        let n = elements.len();
        let complete = chain_err & CERT_TRUST_IS_PARTIAL_CHAIN == 0;
        for i in 0..n {
            let p = Arc::clone(&elements[i].cert);
            let p = p.parsed();
            let st = &mut elements[i].status;
            if req.time < p.not_before || req.time > p.not_after {
                st.dwErrorStatus |= CERT_TRUST_IS_NOT_TIME_VALID;
            }
            let last = i + 1 == n;
            if !last {
                let issuer = Arc::clone(&elements[i + 1].cert);
                if p.signed_by(issuer.parsed()) != Some(true) {
                    st.dwErrorStatus |= CERT_TRUST_IS_NOT_SIGNATURE_VALID;
                }
                st.dwInfoStatus |= CERT_TRUST_HAS_NAME_MATCH_ISSUER | CERT_TRUST_HAS_PREFERRED_ISSUER;
            } else if is_self_signed(p) {
                st.dwInfoStatus |=
                    CERT_TRUST_IS_SELF_SIGNED | CERT_TRUST_HAS_NAME_MATCH_ISSUER | CERT_TRUST_HAS_PREFERRED_ISSUER;
                if p.signed_by(p) == Some(false) {
                    st.dwErrorStatus |= CERT_TRUST_IS_NOT_SIGNATURE_VALID;
                }
                if !trusted_top {
                    st.dwErrorStatus |= CERT_TRUST_IS_UNTRUSTED_ROOT;
                }
            }
            if last && trusted_top && top_from_exclusive {
                st.dwInfoStatus |= CERT_TRUST_IS_FROM_EXCLUSIVE_TRUST_STORE;
                if !is_self_signed(p) {
                    st.dwInfoStatus |= CERT_TRUST_IS_CA_TRUSTED;
                }
            }
            // Every certificate above the end one must be a CA allowing the path below it.
            if i > 0 {
                match basic_constraints(p) {
                    Some((true, Some(l))) if (i - 1) as u64 > l => {
                        st.dwErrorStatus |= CERT_TRUST_INVALID_BASIC_CONSTRAINTS
                    }
                    Some((true, _)) => {}
                    Some((false, _)) => st.dwErrorStatus |= CERT_TRUST_INVALID_BASIC_CONSTRAINTS,
                    // No extension: only a v1/v2 certificate or a self-signed root may be a CA.
                    None if p.version >= CERT_V3 && !(last && is_self_signed(p)) => {
                        st.dwErrorStatus |= CERT_TRUST_INVALID_BASIC_CONSTRAINTS
                    }
                    None => {}
                }
            }
            if !usage_ok(p, &req.usages, req.usage_or) {
                st.dwErrorStatus |= CERT_TRUST_IS_NOT_VALID_FOR_USAGE;
            }
            let root = last && is_self_signed(p);
            let checked = req.flags & CERT_CHAIN_REVOCATION_CHECK_CHAIN != 0
                || (i == 0 && req.flags & CERT_CHAIN_REVOCATION_CHECK_END_CERT != 0)
                || (!root && req.flags & CERT_CHAIN_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT != 0);
            if checked && !(root && n > 1) {
                st.dwErrorStatus |= CERT_TRUST_REVOCATION_STATUS_UNKNOWN;
                if p.extension(OID_CRL_DP).is_some() || p.extension(OID_AIA).is_some() {
                    st.dwErrorStatus |= CERT_TRUST_IS_OFFLINE_REVOCATION;
                }
            }
        }
        let mut err = chain_err;
        let mut info = CERT_TRUST_HAS_PREFERRED_ISSUER;
        for e in elements.iter() {
            err |= e.status.dwErrorStatus;
            info &= e.status.dwInfoStatus;
        }
        // The second opinion: webpki over a complete, trusted chain we found no fault in.
        if err == 0 && complete && trusted_top && n > 1 {
            if let Some(flag) = webpki_objection(elements, req) {
                elements[0].status.dwErrorStatus |= flag;
                err |= flag;
            }
        }
        let chain = elements.iter_mut().map(|e| Element { cert: Arc::clone(&e.cert), status: e.status }).collect();
        Chain { elements: chain, status: CERT_TRUST_STATUS { dwErrorStatus: err, dwInfoStatus: info } }
    }
}

/// Subject equals issuer and the certificate's own key verifies it (or the
/// algorithm is one we cannot check).
fn is_self_signed(p: &ParsedCert) -> bool {
    p.is_self_issued() && p.signed_by(p) != Some(false)
}

/// `basicConstraints`: (cA, pathLenConstraint), or None without the extension.
fn basic_constraints(p: &ParsedCert) -> Option<(bool, Option<u64>)> {
    let ext = p.extension(OID_BASIC_CONSTRAINTS)?;
    let parse = || -> SecResult<(bool, Option<u64>)> {
        let mut outer = Reader::new(&ext.value);
        let mut seq = outer.sequence()?;
        let ca = match seq.optional(der::BOOLEAN)? {
            Some(b) => b.value.first().is_some_and(|&v| v != 0),
            None => false,
        };
        let len = if seq.peek_tag() == Some(der::INTEGER) { Some(seq.small_uint()?) } else { None };
        Ok((ca, len))
    };
    // An undecodable extension grants nothing.
    Some(parse().unwrap_or((false, None)))
}

/// Whether the certificate's EKU (if it has one) allows the requested usages.
fn usage_ok(p: &ParsedCert, wanted: &[String], any: bool) -> bool {
    if wanted.is_empty() {
        return true;
    }
    let Some(ext) = p.extension(OID_EKU) else { return true };
    let mut oids = Vec::new();
    let mut outer = Reader::new(&ext.value);
    if let Ok(mut seq) = outer.sequence() {
        while !seq.is_empty() {
            match seq.oid() {
                Ok(o) => oids.push(o),
                Err(_) => return false,
            }
        }
    }
    if oids.iter().any(|o| o == OID_ANY_EKU) {
        return true;
    }
    let has = |w: &String| oids.iter().any(|o| o == w);
    if any {
        wanted.iter().any(has)
    } else {
        wanted.iter().all(has)
    }
}

/// webpki's verdict on a chain we accepted, as the `CERT_TRUST_*` bit closest to its error.
fn webpki_objection(elements: &[Element], req: &Request) -> Option<u32> {
    use webpki::Error as E;
    let end_der = CertificateDer::from(elements[0].cert.der());
    let end = webpki::EndEntityCert::try_from(&end_der).ok()?;
    let top = CertificateDer::from(elements[elements.len() - 1].cert.der());
    let anchor = webpki::anchor_from_trusted_cert(&top).ok()?.to_owned();
    let middle: Vec<CertificateDer<'_>> =
        elements[1..elements.len() - 1].iter().map(|e| CertificateDer::from(e.cert.der())).collect();
    let secs = (req.time / 10_000_000).saturating_sub(der::FILETIME_UNIX_OFFSET as u64);
    let time = UnixTime::since_unix_epoch(core::time::Duration::from_secs(secs));
    let usage = if req.usages.iter().any(|u| u == OID_SERVER_AUTH) {
        webpki::KeyUsage::server_auth()
    } else if req.usages.iter().any(|u| u == OID_CLIENT_AUTH) {
        webpki::KeyUsage::client_auth()
    } else {
        // Usages were judged above; webpki only checks the rest.
        return match end.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            core::slice::from_ref(&anchor),
            &middle,
            time,
            webpki::KeyUsage::required_if_present(&[]),
            None,
            None,
        ) {
            Ok(_) => None,
            Err(E::RequiredEkuNotFoundContext(_)) => None,
            Err(e) => Some(flag_of(&e)),
        };
    };
    match end.verify_for_usage(webpki::ALL_VERIFICATION_ALGS, &[anchor], &middle, time, usage, None, None) {
        Ok(_) => None,
        Err(e) => Some(flag_of(&e)),
    }
}

#[allow(deprecated)]
fn flag_of(e: &webpki::Error) -> u32 {
    use webpki::Error as E;
    match e {
        E::CertExpired { .. } | E::CertNotValidYet { .. } | E::InvalidCertValidity => CERT_TRUST_IS_NOT_TIME_VALID,
        E::InvalidSignatureForPublicKey
        | E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
        | E::SignatureAlgorithmMismatch => CERT_TRUST_IS_NOT_SIGNATURE_VALID,
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) | E::EmptyEkuExtension => {
            CERT_TRUST_IS_NOT_VALID_FOR_USAGE
        }
        E::CaUsedAsEndEntity | E::EndEntityUsedAsCa | E::PathLenConstraintViolated => {
            CERT_TRUST_INVALID_BASIC_CONSTRAINTS
        }
        E::NameConstraintViolation | E::MalformedNameConstraint | E::InvalidNetworkMaskConstraint => {
            CERT_TRUST_INVALID_NAME_CONSTRAINTS
        }
        E::UnsupportedCriticalExtension => CERT_TRUST_HAS_NOT_SUPPORTED_CRITICAL_EXT,
        E::UnknownIssuer | E::MaximumPathDepthExceeded => CERT_TRUST_IS_PARTIAL_CHAIN,
        E::CertRevoked => CERT_TRUST_IS_REVOKED,
        _ => CERT_TRUST_INVALID_EXTENSION,
    }
}

// ---------------------------------------------------------------------------
// Handles and C memory.

/// Engines handed out, by handle value.
static ENGINES: Lazy<Mutex<HashMap<usize, Arc<Engine>>>> = Lazy::new(|| Mutex::new(HashMap::new()));

/// The engine behind `HCCE_CURRENT_USER` / `HCCE_LOCAL_MACHINE` (system roots).
static DEFAULT_ENGINE: Lazy<Arc<Engine>> = Lazy::new(|| Arc::new(Engine::default()));

/// Registers an engine and returns its handle.
pub fn engine_into_handle(e: Engine) -> HCERTCHAINENGINE {
    let e = Arc::new(e);
    let h = Arc::as_ptr(&e) as usize;
    lock(&ENGINES).insert(h, e);
    h as HCERTCHAINENGINE
}

/// The engine behind a handle: NULL and the two predefined values are the
/// default engine; other values must be live handles of ours.
pub fn engine_from_handle(h: HCERTCHAINENGINE) -> Option<Arc<Engine>> {
    match h as usize {
        0..=2 => Some(Arc::clone(&DEFAULT_ENGINE)),
        v => lock(&ENGINES).get(&v).cloned(),
    }
}

/// `CertFreeCertificateChainEngine`: false when `h` is not a live engine of ours.
pub fn free_engine(h: HCERTCHAINENGINE) -> bool {
    let gone = lock(&ENGINES).remove(&(h as usize));
    gone.is_some()
}

/// The C memory of one chain context: the context, its one simple chain, the
/// element array and the elements, and one counted reference on each
/// element's certificate context (released with the memory).
struct ChainMemory {
    chain: Chain,
    context: Box<CERT_CHAIN_CONTEXT>,
    _simple: Box<CERT_SIMPLE_CHAIN>,
    _chains: Box<[PCERT_SIMPLE_CHAIN; 1]>,
    _elements: Box<[CERT_CHAIN_ELEMENT]>,
    _element_ptrs: Box<[PCERT_CHAIN_ELEMENT]>,
    certs: Vec<PCCERT_CONTEXT>,
}

// SAFETY: the boxes are written once while building and only read (by C)
// afterwards; the raw pointers point into this value's own boxes or at
// certificate contexts it holds a counted reference on.
unsafe impl Send for ChainMemory {}
// SAFETY: as above; nothing is mutated after construction.
unsafe impl Sync for ChainMemory {}

impl Drop for ChainMemory {
    fn drop(&mut self) {
        for &c in &self.certs {
            super::release_ptr(c);
        }
    }
}

/// Live chain contexts with their caller reference counts.
type ChainTable = HashMap<usize, (Arc<ChainMemory>, usize)>;
static CHAINS: Lazy<Mutex<ChainTable>> = Lazy::new(|| Mutex::new(HashMap::new()));

/// Lays `chain` out for C and registers it with one caller reference.
pub fn chain_into_ptr(chain: Chain, create_flags: u32) -> SecResult<PCCERT_CHAIN_CONTEXT> {
    let mut certs = Vec::with_capacity(chain.elements.len());
    let mut elements = Vec::with_capacity(chain.elements.len());
    for e in &chain.elements {
        let p = match super::context_into_ptr(Arc::clone(&e.cert)) {
            Ok(p) => p,
            Err(err) => {
                for c in certs {
                    super::release_ptr(c);
                }
                return Err(err);
            }
        };
        certs.push(p);
        elements.push(CERT_CHAIN_ELEMENT {
            cbSize: core::mem::size_of::<CERT_CHAIN_ELEMENT>() as u32,
            pCertContext: p,
            TrustStatus: e.status,
            pRevocationInfo: core::ptr::null_mut(),
            pIssuanceUsage: core::ptr::null_mut(),
            pApplicationUsage: core::ptr::null_mut(),
            pwszExtendedErrorInfo: core::ptr::null(),
        });
    }
    // Boxed before any address is taken: the elements never move again.
    let mut elements: Box<[CERT_CHAIN_ELEMENT]> = elements.into_boxed_slice();
    let mut element_ptrs: Box<[PCERT_CHAIN_ELEMENT]> =
        elements.iter_mut().map(|e| e as *mut CERT_CHAIN_ELEMENT).collect();
    let mut simple = Box::new(CERT_SIMPLE_CHAIN {
        cbSize: core::mem::size_of::<CERT_SIMPLE_CHAIN>() as u32,
        TrustStatus: chain.status,
        cElement: element_ptrs.len() as u32,
        rgpElement: element_ptrs.as_mut_ptr(),
        pTrustListInfo: core::ptr::null_mut(),
        fHasRevocationFreshnessTime: 0,
        dwRevocationFreshnessTime: 0,
    });
    let mut chains = Box::new([&mut *simple as *mut CERT_SIMPLE_CHAIN]);
    let id = ring::rand::generate::<[u8; 16]>(&ring::rand::SystemRandom::new()).map(|r| r.expose()).unwrap_or_default();
    let context = Box::new(CERT_CHAIN_CONTEXT {
        cbSize: core::mem::size_of::<CERT_CHAIN_CONTEXT>() as u32,
        TrustStatus: chain.status,
        cChain: 1,
        rgpChain: chains.as_mut_ptr(),
        cLowerQualityChainContext: 0,
        rgpLowerQualityChainContext: core::ptr::null_mut(),
        fHasRevocationFreshnessTime: 0,
        dwRevocationFreshnessTime: 0,
        dwCreateFlags: create_flags,
        ChainId: GUID {
            Data1: u32::from_le_bytes([id[0], id[1], id[2], id[3]]),
            Data2: u16::from_le_bytes([id[4], id[5]]),
            Data3: u16::from_le_bytes([id[6], id[7]]),
            Data4: [id[8], id[9], id[10], id[11], id[12], id[13], id[14], id[15]],
        },
    });
    let mem = ChainMemory {
        chain,
        context,
        _simple: simple,
        _chains: chains,
        _elements: elements,
        _element_ptrs: element_ptrs,
        certs,
    };
    let p = &*mem.context as *const CERT_CHAIN_CONTEXT;
    lock(&CHAINS).insert(p as usize, (Arc::new(mem), 1));
    Ok(p)
}

/// `CertDuplicateCertificateChain`: false when `p` is not a live chain of ours.
pub fn duplicate_chain(p: PCCERT_CHAIN_CONTEXT) -> bool {
    match lock(&CHAINS).get_mut(&(p as usize)) {
        Some((_, refs)) => {
            *refs += 1;
            true
        }
        None => false,
    }
}

/// `CertFreeCertificateChain`: drops one caller reference; false when `p`
/// is not a live chain of ours.
pub fn free_chain(p: PCCERT_CHAIN_CONTEXT) -> bool {
    let gone = {
        let mut chains = lock(&CHAINS);
        let Some((_, refs)) = chains.get_mut(&(p as usize)) else { return false };
        *refs -= 1;
        if *refs == 0 {
            chains.remove(&(p as usize))
        } else {
            None
        }
    };
    // Releasing the element contexts takes the certificate registry's lock: outside ours.
    drop(gone);
    true
}

/// The chain behind a `PCCERT_CHAIN_CONTEXT` we handed out, if it is live.
fn chain_of(p: PCCERT_CHAIN_CONTEXT) -> Option<Arc<ChainMemory>> {
    lock(&CHAINS).get(&(p as usize)).map(|(m, _)| Arc::clone(m))
}

/// Which `CertVerifyCertificateChainPolicy` policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// `CERT_CHAIN_POLICY_BASE`.
    Base,
    /// `CERT_CHAIN_POLICY_SSL`.
    Ssl,
    /// `CERT_CHAIN_POLICY_BASIC_CONSTRAINTS`.
    BasicConstraints,
}

/// `SSL_EXTRA_CERT_CHAIN_POLICY_PARA`, read.
#[derive(Debug, Default)]
pub struct SslPolicy {
    /// `AUTHTYPE_SERVER` (2) checks the name; `AUTHTYPE_CLIENT` (1) does not.
    pub server: bool,
    /// `fdwChecks`: `SECURITY_FLAG_IGNORE_*`.
    pub checks: u32,
    pub server_name: Option<String>,
}

/// A policy verdict: `dwError`, `lChainIndex`, `lElementIndex`.
#[derive(Debug, PartialEq, Eq)]
pub struct Verdict {
    pub error: u32,
    pub chain_index: i32,
    pub element_index: i32,
}

/// `CertVerifyCertificateChainPolicy` over a chain we built: the first
/// fault in Windows' order (signature, root, chaining, time, usage, basic
/// constraints, name constraints, critical extensions, revocation), each
/// unless the policy's flags ignore it; then, for SSL with a server name,
/// the name. None when `p` is not a live chain of ours.
pub fn verify_policy(p: PCCERT_CHAIN_CONTEXT, policy: Policy, flags: u32, ssl: &SslPolicy) -> Option<Verdict> {
    let mem = chain_of(p)?;
    let chain = &mem.chain;
    let err = chain.status.dwErrorStatus;
    let element_with = |bit: u32| chain.elements.iter().position(|e| e.status.dwErrorStatus & bit != 0);
    let found = |error: u32, bit: u32| {
        let el = element_with(bit);
        Verdict { error, chain_index: if el.is_some() { 0 } else { -1 }, element_index: el.map_or(-1, |i| i as i32) }
    };
    let chain_level = |error: u32| Verdict { error, chain_index: 0, element_index: -1 };
    let ok = Verdict { error: 0, chain_index: -1, element_index: -1 };
    if policy == Policy::BasicConstraints {
        return Some(if err & CERT_TRUST_INVALID_BASIC_CONSTRAINTS != 0 {
            found(TRUST_E_BASIC_CONSTRAINTS as u32, CERT_TRUST_INVALID_BASIC_CONSTRAINTS)
        } else {
            ok
        });
    }
    let ssl_checks = if policy == Policy::Ssl { ssl.checks } else { 0 };
    let unknown_ca_ok =
        flags & CERT_CHAIN_POLICY_ALLOW_UNKNOWN_CA_FLAG != 0 || ssl_checks & SECURITY_FLAG_IGNORE_UNKNOWN_CA != 0;
    let time_ok = flags & CERT_CHAIN_POLICY_IGNORE_NOT_TIME_VALID_FLAG != 0
        || ssl_checks & SECURITY_FLAG_IGNORE_CERT_DATE_INVALID != 0;
    let usage_ok =
        flags & CERT_CHAIN_POLICY_IGNORE_WRONG_USAGE_FLAG != 0 || ssl_checks & SECURITY_FLAG_IGNORE_WRONG_USAGE != 0;
    let revocation_ok = ssl_checks & SECURITY_FLAG_IGNORE_REVOCATION != 0;
    let rev_unknown_ignored = |i: usize| {
        if revocation_ok {
            return true;
        }
        let last = i + 1 == chain.elements.len();
        let bit = if i == 0 {
            CERT_CHAIN_POLICY_IGNORE_END_REV_UNKNOWN_FLAG
        } else if last && chain.elements[i].status.dwInfoStatus & CERT_TRUST_IS_SELF_SIGNED != 0 {
            CERT_CHAIN_POLICY_IGNORE_ROOT_REV_UNKNOWN_FLAG
        } else {
            CERT_CHAIN_POLICY_IGNORE_CA_REV_UNKNOWN_FLAG
        };
        flags & bit != 0
    };
    let verdict = if err & CERT_TRUST_IS_NOT_SIGNATURE_VALID != 0 {
        found(TRUST_E_CERT_SIGNATURE as u32, CERT_TRUST_IS_NOT_SIGNATURE_VALID)
    } else if err & CERT_TRUST_IS_UNTRUSTED_ROOT != 0 && !unknown_ca_ok {
        found(CERT_E_UNTRUSTEDROOT as u32, CERT_TRUST_IS_UNTRUSTED_ROOT)
    } else if err & (CERT_TRUST_IS_CYCLIC | CERT_TRUST_IS_PARTIAL_CHAIN) != 0 && !unknown_ca_ok {
        chain_level(CERT_E_CHAINING as u32)
    } else if err & CERT_TRUST_IS_NOT_TIME_VALID != 0 && !time_ok {
        found(CERT_E_EXPIRED as u32, CERT_TRUST_IS_NOT_TIME_VALID)
    } else if err & CERT_TRUST_IS_NOT_VALID_FOR_USAGE != 0 && !usage_ok {
        found(CERT_E_WRONG_USAGE as u32, CERT_TRUST_IS_NOT_VALID_FOR_USAGE)
    } else if err & CERT_TRUST_INVALID_BASIC_CONSTRAINTS != 0
        && flags & CERT_CHAIN_POLICY_IGNORE_INVALID_BASIC_CONSTRAINTS_FLAG == 0
    {
        found(TRUST_E_BASIC_CONSTRAINTS as u32, CERT_TRUST_INVALID_BASIC_CONSTRAINTS)
    } else if err & CERT_TRUST_INVALID_NAME_CONSTRAINTS != 0 && flags & CERT_CHAIN_POLICY_IGNORE_INVALID_NAME_FLAG == 0
    {
        found(CERT_E_INVALID_NAME as u32, CERT_TRUST_INVALID_NAME_CONSTRAINTS)
    } else if err & (CERT_TRUST_HAS_NOT_SUPPORTED_CRITICAL_EXT | CERT_TRUST_INVALID_EXTENSION) != 0
        && flags & CERT_CHAIN_POLICY_IGNORE_NOT_SUPPORTED_CRITICAL_EXT_FLAG == 0
    {
        found(CERT_E_CRITICAL as u32, CERT_TRUST_HAS_NOT_SUPPORTED_CRITICAL_EXT | CERT_TRUST_INVALID_EXTENSION)
    } else if err & CERT_TRUST_IS_REVOKED != 0 && !revocation_ok {
        found(CRYPT_E_REVOKED as u32, CERT_TRUST_IS_REVOKED)
    } else if let Some(i) = chain.elements.iter().enumerate().position(|(i, e)| {
        e.status.dwErrorStatus & (CERT_TRUST_REVOCATION_STATUS_UNKNOWN | CERT_TRUST_IS_OFFLINE_REVOCATION) != 0
            && !rev_unknown_ignored(i)
    }) {
        let offline = chain.elements[i].status.dwErrorStatus & CERT_TRUST_IS_OFFLINE_REVOCATION != 0;
        let error = if offline { CRYPT_E_REVOCATION_OFFLINE } else { CRYPT_E_NO_REVOCATION_CHECK };
        Verdict { error: error as u32, chain_index: 0, element_index: i as i32 }
    } else {
        ok
    };
    if verdict.error != 0 || policy != Policy::Ssl || !ssl.server {
        return Some(verdict);
    }
    if let Some(name) = ssl.server_name.as_deref().filter(|n| !n.is_empty()) {
        if ssl.checks & SECURITY_FLAG_IGNORE_CERT_CN_INVALID == 0 && !name_matches(&chain.elements[0].cert, name) {
            return Some(Verdict { error: CERT_E_CN_NO_MATCH as u32, chain_index: 0, element_index: 0 });
        }
    }
    Some(verdict)
}

/// The SSL policy's name check: an IP address against the iPAddress
/// alternative names; a DNS name against the dNSName ones (a leftmost `*`
/// label matches one label), or the common name when there are none.
fn name_matches(cert: &CertRef, name: &str) -> bool {
    use super::names::{general_names, Name};
    let p = cert.parsed();
    let san = p.extension("2.5.29.17").map(|e| e.value.clone()).unwrap_or_default();
    if let Ok(ip) = name.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>() {
        let want = match ip {
            std::net::IpAddr::V4(v) => v.octets().to_vec(),
            std::net::IpAddr::V6(v) => v.octets().to_vec(),
        };
        let ips = super::decode::alt_names(&san).unwrap_or_default();
        return ips.iter().any(|n| matches!(n, super::decode::AltName::Ip(v) if *v == want));
    }
    let dns: Vec<String> = general_names(&san)
        .into_iter()
        .filter_map(|g| match g {
            super::names::GeneralName::Dns(d) => Some(d),
            _ => None,
        })
        .collect();
    let candidates = if dns.is_empty() {
        Name::parse(&p.subject).ok().and_then(|n| n.find("2.5.4.3", false)).into_iter().collect()
    } else {
        dns
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    candidates.iter().any(|pattern| {
        let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
        match pattern.strip_prefix("*.") {
            Some(rest) => name.split_once('.').is_some_and(|(label, tail)| !label.is_empty() && tail == rest),
            None => pattern == name,
        }
    })
}

/// Number of live chain contexts and engines (leak tests).
pub fn live_chains() -> (usize, usize) {
    (lock(&CHAINS).len(), lock(&ENGINES).len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predefined_engines_are_the_default_and_others_must_be_live() {
        assert!(engine_from_handle(core::ptr::null_mut()).is_some());
        assert!(engine_from_handle(1 as HCERTCHAINENGINE).is_some());
        assert!(engine_from_handle(0x1234_5678 as HCERTCHAINENGINE).is_none());
        let h = engine_into_handle(Engine::default());
        assert!(engine_from_handle(h).is_some());
        assert!(free_engine(h));
        assert!(!free_engine(h), "a second free is refused");
        assert!(engine_from_handle(h).is_none());
    }
}
