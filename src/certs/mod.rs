//! Certificates the Windows way: `CERT_CONTEXT`s, memory stores, PFX and PEM
//! import (the crypt32 subset SSPI programs call).
//!
//! The interface the rest of the crate uses:
//! * [`CertRef`]: a certificate context (what a `PCCERT_CONTEXT` designates),
//!   with its DER, its private key if one travels with it, and its store;
//! * [`StoreRef`]: a certificate store (what an `HCERTSTORE` designates);
//! * [`context_from_ptr`] / [`context_into_ptr`] / [`store_from_handle`]:
//!   the only conversions between those and C pointers.
//!
//! ## Lifetimes, as Windows defines them
//! A store owns one entry per certificate it holds; the entry owns the
//! `CERT_CONTEXT` / `CERT_INFO` memory C reads, which stays put for the
//! entry's life. A [`CertContext`] is an entry plus a strong reference to its
//! store, so a context keeps its store (and `hCertStore`) alive, while a
//! store only keeps its entries: no reference cycle.
//!
//! What C holds is counted in a registry keyed by address: per
//! `PCCERT_CONTEXT`, the references the caller owns
//! (`CertDuplicateCertificateContext` adds one, `CertFreeCertificateContext`
//! drops one); per `HCERTSTORE`, the open handles. A pointer is honoured only
//! while the registry says it is referenced, by the caller or by the open
//! store it belongs to; a forged, freed or double-freed pointer is detected
//! and refused instead of dereferenced. The registry never holds its lock
//! while a store's lock is taken in the other order.

pub mod capi_key;
pub mod chain;
pub mod decode;
pub mod names;
pub mod pem;
pub mod pkcs12;
pub mod x509;

use core::alloc::Layout;
use core::ffi::c_char;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use once_cell::sync::Lazy;
use ring::digest;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};
use zeroize::Zeroizing;

use crate::abi::*;
use crate::der;
use crate::error::{SecError, SecResult};
use crate::handles::lock;
use names::TypePara;
pub use pem::KeyFormat;
use x509::{AlgId, ParsedCert};

/// A private key that travels with a certificate. Its bytes are zeroed when dropped.
pub struct PrivateKey {
    format: KeyFormat,
    der: Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrivateKey").field("format", &self.format).finish_non_exhaustive()
    }
}

impl PrivateKey {
    pub fn new(format: KeyFormat, der: Zeroizing<Vec<u8>>) -> Self {
        Self { format, der }
    }

    /// The key as rustls takes it (a copy, wiped when dropped).
    pub fn to_der(&self) -> Zeroizing<PrivateKeyDer<'static>> {
        let v = self.der.to_vec();
        Zeroizing::new(match self.format {
            KeyFormat::Pkcs8 => PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(v)),
            KeyFormat::Pkcs1 => PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(v)),
            KeyFormat::Sec1 => PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(v)),
        })
    }

    /// Whether the key's public half is `spki` (None: rustls cannot load the key).
    pub fn matches(&self, spki: &[u8]) -> Option<bool> {
        let der = self.to_der();
        let signer = rustls::crypto::ring::sign::any_supported_type(&der).ok()?;
        let public = signer.public_key()?;
        Some(public.as_ref() == spki)
    }

    /// Whether this is an RSA key (CAPI's `AT_KEYEXCHANGE` provider) rather
    /// than an ECC/EdDSA one (a CNG key).
    fn is_rsa(&self) -> bool {
        match self.format {
            KeyFormat::Pkcs1 => true,
            KeyFormat::Sec1 => false,
            KeyFormat::Pkcs8 => (|| {
                let mut r = der::Reader::new(&self.der);
                let mut seq = r.sequence().ok()?;
                seq.small_uint().ok()?;
                Some(AlgId::read(&mut seq).ok()?.oid == x509::OID_RSA)
            })()
            .unwrap_or(false),
        }
    }
}

/// The immutable part of a certificate: its encoding, decoded fields and hashes.
#[derive(Debug)]
pub struct CertData {
    der: Vec<u8>,
    parsed: ParsedCert,
    sha1: [u8; 20],
    sha256: [u8; 32],
}

impl CertData {
    /// Decodes a DER certificate.
    pub fn new(der: &[u8]) -> SecResult<Arc<Self>> {
        let parsed = ParsedCert::parse(der)?;
        let mut sha1 = [0u8; 20];
        sha1.copy_from_slice(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der).as_ref());
        let mut sha256 = [0u8; 32];
        sha256.copy_from_slice(digest::digest(&digest::SHA256, der).as_ref());
        Ok(Arc::new(Self { der: der.to_vec(), parsed, sha1, sha256 }))
    }
}

/// Per-context properties (`CertGetCertificateContextProperty`).
#[derive(Clone, Debug, Default)]
pub struct Properties {
    pub key: Option<Arc<PrivateKey>>,
    pub friendly_name: Option<String>,
}

/// Memory handed to C: the `CERT_CONTEXT`, its `CERT_INFO` and every blob
/// and string they point to. Built once, never moved, freed on drop.
struct CMemory {
    context: *mut CERT_CONTEXT,
    blocks: Vec<(*mut u8, Layout)>,
}

// SAFETY: the blocks are plain bytes written once while building and only
// read (by C) afterwards; the raw pointers are owned exclusively by this value.
unsafe impl Send for CMemory {}
// SAFETY: as above; no interior mutability on the Rust side.
unsafe impl Sync for CMemory {}

impl CMemory {
    fn alloc(&mut self, layout: Layout) -> *mut u8 {
        let layout = Layout::from_size_align(layout.size().max(1), layout.align()).unwrap_or(layout);
        // SAFETY: the size is non-zero.
        let p = unsafe { std::alloc::alloc_zeroed(layout) };
        if p.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        self.blocks.push((p, layout));
        p
    }

    fn value<T: Copy>(&mut self, v: T) -> *mut T {
        let p = self.alloc(Layout::new::<T>()).cast::<T>();
        // SAFETY: `p` is a fresh, aligned allocation for a `T`.
        unsafe { p.write(v) };
        p
    }

    fn slice<T: Copy>(&mut self, v: &[T]) -> *mut T {
        if v.is_empty() {
            return core::ptr::null_mut();
        }
        let Ok(layout) = Layout::array::<T>(v.len()) else { return core::ptr::null_mut() };
        let p = self.alloc(layout).cast::<T>();
        // SAFETY: `p` is a fresh, aligned allocation for `v.len()` items.
        unsafe { core::ptr::copy_nonoverlapping(v.as_ptr(), p, v.len()) };
        p
    }

    fn blob(&mut self, v: &[u8]) -> CRYPTOAPI_BLOB {
        CRYPTOAPI_BLOB { cbData: v.len() as u32, pbData: self.slice(v) }
    }

    fn c_string(&mut self, s: &str) -> *mut c_char {
        let mut v: Vec<u8> = s.bytes().filter(|&b| b != 0).collect();
        v.push(0);
        self.slice(&v).cast()
    }

    fn algorithm(&mut self, a: &AlgId) -> CRYPT_ALGORITHM_IDENTIFIER {
        CRYPT_ALGORITHM_IDENTIFIER { pszObjId: self.c_string(&a.oid), Parameters: self.blob(&a.params) }
    }

    fn bits(&mut self, v: Option<&(Vec<u8>, u8)>) -> CRYPT_BIT_BLOB {
        match v {
            Some((b, unused)) => {
                CRYPT_BIT_BLOB { cbData: b.len() as u32, pbData: self.slice(b), cUnusedBits: *unused as u32 }
            }
            None => CRYPT_BIT_BLOB { cbData: 0, pbData: core::ptr::null_mut(), cUnusedBits: 0 },
        }
    }

    /// Lays out the C view of `data` in the store `store`.
    fn build(data: &CertData, encoding: u32, store: HCERTSTORE) -> Self {
        let mut m = Self { context: core::ptr::null_mut(), blocks: Vec::new() };
        let p = &data.parsed;
        let ft = |v: u64| FILETIME { dwLowDateTime: v as u32, dwHighDateTime: (v >> 32) as u32 };
        // Windows keeps the serial number little-endian.
        let serial: Vec<u8> = p.serial.iter().rev().copied().collect();
        let exts: Vec<CERT_EXTENSION> = p
            .extensions
            .iter()
            .map(|e| CERT_EXTENSION {
                pszObjId: m.c_string(&e.oid),
                fCritical: e.critical as BOOL,
                Value: m.blob(&e.value),
            })
            .collect();
        let info = CERT_INFO {
            dwVersion: p.version,
            SerialNumber: m.blob(&serial),
            SignatureAlgorithm: m.algorithm(&p.signature_alg),
            Issuer: m.blob(&p.issuer),
            NotBefore: ft(p.not_before),
            NotAfter: ft(p.not_after),
            Subject: m.blob(&p.subject),
            SubjectPublicKeyInfo: CERT_PUBLIC_KEY_INFO {
                Algorithm: m.algorithm(&p.spki_alg),
                PublicKey: m.bits(Some(&(p.public_key.clone(), p.public_key_unused_bits))),
            },
            IssuerUniqueId: m.bits(p.issuer_unique_id.as_ref()),
            SubjectUniqueId: m.bits(p.subject_unique_id.as_ref()),
            cExtension: exts.len() as u32,
            rgExtension: m.slice(&exts),
        };
        let info = m.value(info);
        let der = m.blob(&data.der);
        m.context = m.value(CERT_CONTEXT {
            dwCertEncodingType: encoding,
            pbCertEncoded: der.pbData,
            cbCertEncoded: der.cbData,
            pCertInfo: info,
            hCertStore: store,
        });
        m
    }
}

impl Drop for CMemory {
    fn drop(&mut self) {
        for (p, layout) in self.blocks.drain(..) {
            // SAFETY: each block came from `alloc` with this layout and is
            // freed once; C can no longer reach it (see the registry rules).
            unsafe { std::alloc::dealloc(p, layout) };
        }
    }
}

/// One certificate in one store, with the C memory of its `CERT_CONTEXT`.
pub struct CertEntry {
    data: Arc<CertData>,
    props: Mutex<Properties>,
    store: Weak<CertStore>,
    mem: CMemory,
}

impl CertEntry {
    fn address(&self) -> usize {
        self.mem.context as usize
    }
}

/// A certificate context: one certificate as seen through its store.
pub struct CertContext {
    entry: Arc<CertEntry>,
    store: StoreRef,
}

impl core::fmt::Debug for CertContext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CertContext")
            .field("der_len", &self.entry.data.der.len())
            .field("has_key", &lock(&self.entry.props).key.is_some())
            .finish()
    }
}

/// A shared certificate context.
pub type CertRef = Arc<CertContext>;

/// A certificate store (memory stores only).
pub struct CertStore {
    me: Weak<CertStore>,
    entries: Mutex<Vec<Arc<CertEntry>>>,
}

impl core::fmt::Debug for CertStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CertStore").field("certificates", &lock(&self.entries).len()).finish()
    }
}

/// A shared certificate store.
pub type StoreRef = Arc<CertStore>;

impl CertContext {
    /// `CertCreateCertificateContext`: a context for `der` in a store of its
    /// own that does not list it (as in Windows, it belongs to no real store).
    pub fn create(der: &[u8], encoding: u32) -> SecResult<CertRef> {
        let data = CertData::new(der)?;
        let store = CertStore::new_memory();
        let entry = store.new_entry(data, Properties::default(), encoding);
        Ok(Arc::new(Self { entry, store }))
    }

    /// A context for `der` with `key`, alone in a memory store of its own.
    /// The key given is wiped once copied.
    pub fn from_der(der: &[u8], key: Option<PrivateKeyDer<'static>>) -> SecResult<CertRef> {
        let key = key.map(|k| {
            let k = Zeroizing::new(k);
            let (format, bytes) = match &*k {
                PrivateKeyDer::Pkcs1(k) => (KeyFormat::Pkcs1, k.secret_pkcs1_der()),
                PrivateKeyDer::Sec1(k) => (KeyFormat::Sec1, k.secret_sec1_der()),
                _ => (KeyFormat::Pkcs8, k.secret_der()),
            };
            Arc::new(PrivateKey::new(format, Zeroizing::new(bytes.to_vec())))
        });
        let store = CertStore::new_memory();
        let props = Properties { key, friendly_name: None };
        store.add(CertData::new(der)?, props, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, CERT_STORE_ADD_ALWAYS)
    }

    /// A context for already decoded certificate data, alone in a memory
    /// store of its own (chain elements from the system trust store).
    pub fn from_data(data: Arc<CertData>) -> CertRef {
        let store = CertStore::new_memory();
        let entry = store.new_entry(data, Properties::default(), X509_ASN_ENCODING | PKCS_7_ASN_ENCODING);
        lock(&store.entries).push(Arc::clone(&entry));
        store.context(entry)
    }

    /// [`CertContext::from_der`] for DER known to be a certificate (tests,
    /// certificates rustls has already parsed).
    ///
    /// # Panics
    /// If `der` is not a certificate this library can decode.
    pub fn new(der: Vec<u8>, key: Option<PrivateKeyDer<'static>>) -> CertRef {
        Self::from_der(&der, key).expect("CertContext::new: not a decodable certificate")
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.entry.data.der
    }

    /// The decoded certificate.
    pub fn parsed(&self) -> &ParsedCert {
        &self.entry.data.parsed
    }

    /// The private key that travels with this certificate, if any.
    pub fn private_key(&self) -> Option<Zeroizing<PrivateKeyDer<'static>>> {
        lock(&self.entry.props).key.as_ref().map(|k| k.to_der())
    }

    /// The properties (key, friendly name) of this context.
    pub fn properties(&self) -> Properties {
        lock(&self.entry.props).clone()
    }

    /// SHA-1 of the encoding (`CERT_SHA1_HASH_PROP_ID`, the "thumbprint").
    pub fn sha1(&self) -> [u8; 20] {
        self.entry.data.sha1
    }

    /// SHA-256 of the encoding.
    pub fn sha256(&self) -> [u8; 32] {
        self.entry.data.sha256
    }

    /// The chain to send: this certificate, then issuers found in its store
    /// by name and signature, up to a self-signed root, which is included
    /// only when `include_root`.
    pub fn chain(&self, include_root: bool) -> Vec<CertificateDer<'static>> {
        let pool: Vec<Arc<CertData>> = lock(&self.store.entries).iter().map(|e| Arc::clone(&e.data)).collect();
        let mut chain = vec![CertificateDer::from(self.der().to_vec())];
        let mut seen = vec![self.entry.data.sha1];
        let mut current = Arc::clone(&self.entry.data);
        // A self-signed leaf is its own chain.
        while chain.len() < 16 && !is_root(&current.parsed) {
            let candidates =
                pool.iter().filter(|c| c.parsed.subject == current.parsed.issuer && !seen.contains(&c.sha1));
            let mut unverifiable = None;
            let mut found = None;
            for c in candidates {
                match current.parsed.signed_by(&c.parsed) {
                    Some(true) => {
                        found = Some(Arc::clone(c));
                        break;
                    }
                    // An algorithm ring does not check: accept the name match
                    // only if nothing verifiable turns up.
                    None if unverifiable.is_none() => unverifiable = Some(Arc::clone(c)),
                    _ => {}
                }
            }
            let Some(issuer) = found.or(unverifiable) else { break };
            if is_root(&issuer.parsed) && !include_root {
                break;
            }
            chain.push(CertificateDer::from(issuer.der.clone()));
            seen.push(issuer.sha1);
            current = issuer;
        }
        chain
    }

    /// A context for a peer's leaf certificate whose store holds the whole chain.
    pub fn from_peer_chain(chain: &[CertificateDer<'_>]) -> SecResult<CertRef> {
        let leaf = chain.first().ok_or(SecError::internal("empty peer chain"))?;
        let leaf =
            CertData::new(leaf).map_err(|_| SecError::new(SEC_E_CERT_UNKNOWN, "peer certificate undecodable"))?;
        let store = CertStore::new_memory();
        let first =
            store.add(leaf, Properties::default(), X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, CERT_STORE_ADD_ALWAYS)?;
        for c in &chain[1..] {
            // Intermediates we cannot decode are left out rather than failing the handshake.
            if let Ok(d) = CertData::new(c) {
                store.add(d, Properties::default(), X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, CERT_STORE_ADD_ALWAYS)?;
            }
        }
        Ok(first)
    }

    /// The store this context belongs to.
    pub fn store(&self) -> Option<&StoreRef> {
        Some(&self.store)
    }

    /// `CertGetNameString`'s strings for this certificate.
    pub fn name_strings(&self, kind: u32, flags: u32, para: &TypePara) -> Vec<String> {
        let friendly = lock(&self.entry.props).friendly_name.clone();
        names::get_name_string(self.parsed(), friendly.as_deref(), kind, flags, para)
    }

    /// The `CRYPT_KEY_PROV_INFO` Windows would report for this context's key:
    /// (container name, provider name, provider type, key spec).
    pub fn key_prov_info(&self) -> Option<(String, String, u32, u32)> {
        let key = lock(&self.entry.props).key.clone()?;
        let container = format!("sspi-rustls-{}", hex(&self.sha1()));
        Some(if key.is_rsa() {
            (container, "Microsoft Enhanced Cryptographic Provider v1.0".into(), PROV_RSA_FULL, AT_KEYEXCHANGE)
        } else {
            (container, "Microsoft Software Key Storage Provider".into(), 0, CERT_NCRYPT_KEY_SPEC)
        })
    }

    /// `CERT_KEY_IDENTIFIER_PROP_ID`: the subject key identifier extension,
    /// or the SHA-1 of the public key.
    pub fn key_identifier(&self) -> Vec<u8> {
        let p = self.parsed();
        if let Some(e) = p.extension(x509::OID_SUBJECT_KEY_ID) {
            if let Ok(v) = der::Reader::new(&e.value).octet_string() {
                return v.into_owned();
            }
        }
        digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &p.public_key).as_ref().to_vec()
    }

    /// Whether this context is still listed in its store.
    fn in_store(&self) -> bool {
        lock(&self.store.entries).iter().any(|e| Arc::ptr_eq(e, &self.entry))
    }
}

/// A self-signed certificate (names equal and, where checkable, its own signature).
fn is_root(c: &ParsedCert) -> bool {
    c.is_self_issued() && c.signed_by(c) != Some(false)
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl CertStore {
    /// A new, empty memory store. It is known to [`store_from_handle`] but has
    /// no open handle until [`store_into_handle`].
    pub fn new_memory() -> StoreRef {
        let store = Arc::new_cyclic(|me| CertStore { me: me.clone(), entries: Mutex::new(Vec::new()) });
        let mut reg = lock(&REGISTRY);
        reg.maybe_purge();
        reg.stores.insert(handle_of(&store) as usize, StoreSlot { store: Arc::downgrade(&store), held: None, open: 0 });
        store
    }

    fn new_entry(self: &StoreRef, data: Arc<CertData>, props: Properties, encoding: u32) -> Arc<CertEntry> {
        let mem = CMemory::build(&data, encoding, handle_of(self));
        let entry = Arc::new(CertEntry { data, props: Mutex::new(props), store: Arc::downgrade(self), mem });
        let mut reg = lock(&REGISTRY);
        reg.maybe_purge();
        reg.contexts.insert(entry.address(), ContextSlot { entry: Arc::downgrade(&entry), held: None, refs: 0 });
        entry
    }

    fn context(self: &StoreRef, entry: Arc<CertEntry>) -> CertRef {
        Arc::new(CertContext { entry, store: Arc::clone(self) })
    }

    /// The certificates in the store, in the order they were added.
    pub fn certificates(&self) -> Vec<CertRef> {
        let Some(me) = self.me.upgrade() else { return Vec::new() };
        let entries = lock(&self.entries).clone();
        entries.into_iter().map(|e| me.context(e)).collect()
    }

    /// Adds a certificate with `disposition` (`CERT_STORE_ADD_*`), as
    /// `CertAddEncodedCertificateToStore` / `CertAddCertificateContextToStore`.
    pub fn add(
        self: &StoreRef,
        data: Arc<CertData>,
        props: Properties,
        encoding: u32,
        disposition: u32,
    ) -> SecResult<CertRef> {
        if !(CERT_STORE_ADD_NEW..=CERT_STORE_ADD_NEWER_INHERIT_PROPERTIES).contains(&disposition) {
            return Err(SecError::new(E_INVALIDARG, "unknown add disposition"));
        }
        // Built before taking the store lock: registering takes the registry lock.
        let fresh = self.new_entry(data, props, encoding);
        let mut entries = lock(&self.entries);
        let existing = entries.iter().position(|e| e.data.sha1 == fresh.data.sha1);
        let inherit = matches!(
            disposition,
            CERT_STORE_ADD_REPLACE_EXISTING_INHERIT_PROPERTIES | CERT_STORE_ADD_NEWER_INHERIT_PROPERTIES
        );
        match (disposition, existing) {
            (_, None) | (CERT_STORE_ADD_ALWAYS, _) => {
                entries.push(Arc::clone(&fresh));
                drop(entries);
                Ok(self.context(fresh))
            }
            (CERT_STORE_ADD_NEW, Some(_)) => {
                Err(SecError::new(CRYPT_E_EXISTS, "the certificate is already in the store"))
            }
            (CERT_STORE_ADD_USE_EXISTING, Some(i)) => {
                let old = Arc::clone(&entries[i]);
                drop(entries);
                let new_props = lock(&fresh.props).clone();
                let mut p = lock(&old.props);
                p.key = p.key.take().or(new_props.key);
                p.friendly_name = p.friendly_name.take().or(new_props.friendly_name);
                drop(p);
                Ok(self.context(old))
            }
            (CERT_STORE_ADD_NEWER | CERT_STORE_ADD_NEWER_INHERIT_PROPERTIES, Some(i))
                if entries[i].data.parsed.not_before >= fresh.data.parsed.not_before =>
            {
                Err(SecError::new(CRYPT_E_EXISTS, "the store holds the same or a newer certificate"))
            }
            (_, Some(i)) => {
                let old = core::mem::replace(&mut entries[i], Arc::clone(&fresh));
                drop(entries);
                if inherit {
                    let old_props = lock(&old.props).clone();
                    let mut p = lock(&fresh.props);
                    p.key = p.key.take().or(old_props.key);
                    p.friendly_name = p.friendly_name.take().or(old_props.friendly_name);
                }
                Ok(self.context(fresh))
            }
        }
    }

    /// The context after `prev` (the first when `prev` is None) for which
    /// `pred` holds. `prev` must belong to this store.
    pub fn find_next(
        self: &StoreRef,
        prev: Option<&CertRef>,
        mut pred: impl FnMut(&CertContext) -> bool,
    ) -> SecResult<Option<CertRef>> {
        let entries = lock(&self.entries).clone();
        let start = match prev {
            None => 0,
            Some(p) => {
                if !Arc::ptr_eq(&p.store, self) {
                    return Err(SecError::new(E_INVALIDARG, "pPrevCertContext belongs to another store"));
                }
                match entries.iter().position(|e| Arc::ptr_eq(e, &p.entry)) {
                    Some(i) => i + 1,
                    // Deleted or replaced meanwhile: nothing follows it.
                    None => entries.len(),
                }
            }
        };
        Ok(entries[start..].iter().map(|e| self.context(Arc::clone(e))).find(|c| pred(c)))
    }
}

/// The `HCERTSTORE` value of a store (its address; C never dereferences it).
fn handle_of(store: &StoreRef) -> HCERTSTORE {
    Arc::as_ptr(store) as HCERTSTORE
}

// ---------------------------------------------------------------------------
// The registry of pointers handed to C.

struct ContextSlot {
    entry: Weak<CertEntry>,
    /// Keeps the context alive while the caller holds references.
    held: Option<CertRef>,
    /// References the caller owns.
    refs: usize,
}

struct StoreSlot {
    store: Weak<CertStore>,
    /// Keeps the store alive while it has open handles.
    held: Option<StoreRef>,
    /// Open handles (`CertOpenStore`, `CertDuplicateStore`, imports).
    open: usize,
}

#[derive(Default)]
struct Registry {
    contexts: HashMap<usize, ContextSlot>,
    stores: HashMap<usize, StoreSlot>,
    purge_at: usize,
}

impl Registry {
    /// Forgets slots whose object is gone (amortised over insertions).
    fn maybe_purge(&mut self) {
        if self.contexts.len() + self.stores.len() < self.purge_at {
            return;
        }
        self.contexts.retain(|_, s| s.refs > 0 || s.entry.strong_count() > 0);
        self.stores.retain(|_, s| s.open > 0 || s.store.strong_count() > 0);
        self.purge_at = (2 * (self.contexts.len() + self.stores.len())).max(1024);
    }
}

static REGISTRY: Lazy<Mutex<Registry>> = Lazy::new(|| Mutex::new(Registry { purge_at: 1024, ..Default::default() }));

/// The context behind a `PCCERT_CONTEXT` we handed out, if it is one and it
/// is still referenced (by the caller, or by the store listing it).
pub fn context_from_ptr(p: PCCERT_CONTEXT) -> Option<CertRef> {
    let reg = lock(&REGISTRY);
    let slot = reg.contexts.get(&(p as usize))?;
    if let Some(h) = &slot.held {
        return Some(Arc::clone(h));
    }
    let entry = slot.entry.upgrade()?;
    let store = entry.store.upgrade()?;
    drop(reg);
    // Not the caller's: honoured while its (living) store still lists it.
    let c = Arc::new(CertContext { entry, store });
    c.in_store().then_some(c)
}

/// Hands out `c` as a `PCCERT_CONTEXT` with one reference for the caller
/// (released by `CertFreeCertificateContext`).
pub fn context_into_ptr(c: CertRef) -> SecResult<PCCERT_CONTEXT> {
    let addr = c.entry.address();
    let mut reg = lock(&REGISTRY);
    let slot = reg.contexts.entry(addr).or_insert_with(|| ContextSlot {
        entry: Arc::downgrade(&c.entry),
        held: None,
        refs: 0,
    });
    slot.refs = slot.refs.checked_add(1).ok_or(SecError::no_memory("reference count overflow"))?;
    if slot.held.is_none() {
        slot.held = Some(c);
    }
    Ok(addr as PCCERT_CONTEXT)
}

/// `CertDuplicateCertificateContext`: one more reference for the caller.
/// False when `p` is not a live context of ours.
pub fn duplicate_ptr(p: PCCERT_CONTEXT) -> bool {
    match context_from_ptr(p) {
        Some(c) => context_into_ptr(c).is_ok(),
        None => false,
    }
}

/// `CertFreeCertificateContext`: drops one caller reference. False when the
/// caller holds none (a double free, or a pointer that is not ours).
pub fn release_ptr(p: PCCERT_CONTEXT) -> bool {
    let dropped;
    {
        let mut reg = lock(&REGISTRY);
        let Some(slot) = reg.contexts.get_mut(&(p as usize)) else { return false };
        if slot.refs == 0 {
            return false;
        }
        slot.refs -= 1;
        dropped = if slot.refs == 0 { slot.held.take() } else { None };
    }
    // The last reference may free the context and its store: outside the lock.
    drop(dropped);
    true
}

/// The store behind an `HCERTSTORE` we handed out, if it is alive (open, or
/// kept by a context that belongs to it).
pub fn store_from_handle(h: HCERTSTORE) -> Option<StoreRef> {
    let reg = lock(&REGISTRY);
    let slot = reg.stores.get(&(h as usize))?;
    slot.held.clone().or_else(|| slot.store.upgrade())
}

/// Opens a handle on `store` (one more `CertCloseStore` is due).
pub fn store_into_handle(store: StoreRef) -> HCERTSTORE {
    let h = handle_of(&store);
    let mut reg = lock(&REGISTRY);
    let slot = reg.stores.entry(h as usize).or_insert_with(|| StoreSlot {
        store: Arc::downgrade(&store),
        held: None,
        open: 0,
    });
    slot.open += 1;
    if slot.held.is_none() {
        slot.held = Some(store);
    }
    h
}

/// `CertDuplicateStore`.
pub fn duplicate_store(h: HCERTSTORE) -> Option<HCERTSTORE> {
    store_from_handle(h).map(store_into_handle)
}

/// `CertCloseStore`: closes one handle. With `check`, reports
/// `CRYPT_E_PENDING_CLOSE` when the store stays alive (other handles, or
/// contexts still referenced); the handle is closed either way. The store's
/// memory is never freed while anything still references it, even with
/// `CERT_CLOSE_STORE_FORCE_FLAG`.
pub fn close_store(h: HCERTSTORE, check: bool) -> SecResult<()> {
    let (held, still_open) = {
        let mut reg = lock(&REGISTRY);
        let slot = reg
            .stores
            .get_mut(&(h as usize))
            .filter(|s| s.open > 0)
            .ok_or(SecError::new(E_INVALIDARG, "not an open store handle"))?;
        slot.open -= 1;
        (if slot.open == 0 { slot.held.take() } else { None }, slot.open > 0)
    };
    let pending = still_open || held.as_ref().is_some_and(|s| Arc::strong_count(s) > 1);
    drop(held);
    if check && pending {
        return Err(SecError::new(CRYPT_E_PENDING_CLOSE, "the store is still referenced"));
    }
    Ok(())
}

/// Number of live context and store slots (leak tests).
pub fn live_objects() -> (usize, usize) {
    let reg = lock(&REGISTRY);
    let contexts = reg.contexts.values().filter(|s| s.entry.strong_count() > 0).count();
    let stores = reg.stores.values().filter(|s| s.store.strong_count() > 0).count();
    (contexts, stores)
}

// ---------------------------------------------------------------------------
// Imports.

/// `PFXImportCertStore`: a memory store with the PFX's certificates, each
/// key attached to its certificate (by `localKeyId`, else by public key).
pub fn import_pfx(data: &[u8], password: Option<&str>, flags: u32) -> SecResult<StoreRef> {
    let only_certs = flags & PKCS12_ONLY_CERTIFICATES != 0;
    let contents = pkcs12::import(data, password, only_certs)?;
    let mut certs = Vec::new();
    for bag in &contents.certs {
        certs.push((CertData::new(&bag.der)?, bag));
    }
    let store = CertStore::new_memory();
    let mut keys: Vec<(Option<usize>, &pkcs12::KeyBag)> = Vec::new();
    for k in &contents.keys {
        let by_id =
            k.local_key_id.as_ref().and_then(|id| certs.iter().position(|(_, b)| b.local_key_id.as_ref() == Some(id)));
        let key = PrivateKey::new(KeyFormat::Pkcs8, k.pkcs8.clone());
        let by_key = || certs.iter().position(|(d, _)| key.matches(&d.parsed.spki) == Some(true));
        keys.push((by_id.or_else(by_key), k));
    }
    for (i, (data, bag)) in certs.into_iter().enumerate() {
        let key = keys
            .iter()
            .find(|(target, _)| *target == Some(i))
            .map(|(_, k)| Arc::new(PrivateKey::new(KeyFormat::Pkcs8, k.pkcs8.clone())));
        let props = Properties { key, friendly_name: bag.friendly_name.clone() };
        store.add(data, props, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, CERT_STORE_ADD_ALWAYS)?;
    }
    Ok(store)
}

/// The PEM extension: certificates from `certs_pem` (leaf first) and a key
/// from `key_pem` or `certs_pem`, in a new memory store. The key goes with
/// the certificate whose public key it matches, or with the first
/// certificate when it matches none (so `AcquireCredentialsHandle` reports
/// the mismatch, as Windows does for a wrong key).
pub fn import_pem(certs_pem: &[u8], key_pem: Option<&[u8]>, password: Option<&str>) -> SecResult<StoreRef> {
    let (ders, mut key) = pem::certs_and_key(certs_pem, password)?;
    if let Some(k) = key_pem {
        let (extra, k2) = pem::certs_and_key(k, password)?;
        if !extra.is_empty() && ders.is_empty() {
            return Err(SecError::new(E_INVALIDARG, "certificates belong in the certificate input"));
        }
        if k2.is_some() && key.is_some() {
            return Err(SecError::new(E_INVALIDARG, "more than one private key in the PEM input"));
        }
        key = key.or(k2);
    }
    if ders.is_empty() {
        return Err(SecError::new(CRYPT_E_NOT_FOUND, "no certificate in the PEM input"));
    }
    let datas = ders.iter().map(|d| CertData::new(d)).collect::<SecResult<Vec<_>>>()?;
    let key = key.map(|(f, der)| Arc::new(PrivateKey::new(f, der)));
    let owner = key.as_ref().map(|k| datas.iter().position(|d| k.matches(&d.parsed.spki) == Some(true)).unwrap_or(0));
    let store = CertStore::new_memory();
    for (i, d) in datas.into_iter().enumerate() {
        let props = Properties { key: if owner == Some(i) { key.clone() } else { None }, friendly_name: None };
        store.add(d, props, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, CERT_STORE_ADD_ALWAYS)?;
    }
    Ok(store)
}
