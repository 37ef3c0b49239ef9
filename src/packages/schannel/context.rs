//! The Schannel context behind a `CtxtHandle`: a handshake that becomes an
//! established connection, plus what applications set and query on it.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use once_cell::sync::OnceCell;

use super::config::Hooks;
use super::credentials::SchannelCredentials;
use super::established::Established;
use super::handshake::{self, Finished, Handshake, StepOutcome};
use super::records;
use crate::abi::*;
use crate::buffers::BufferDesc;
use crate::entry::credentials::NEVER;
use crate::error::{SecError, SecResult};
use crate::handles::lock;
use crate::packages::{Attr, Credentials, DecryptResult, SecurityContext, SetAttr, Side, StepIo, StepResult};

/// A keying-material request (`SECPKG_ATTR_KEYING_MATERIAL_INFO`).
#[derive(Clone, Debug)]
pub struct KeyingRequest {
    pub label: Vec<u8>,
    pub context: Option<Vec<u8>>,
    pub length: usize,
}

pub struct SchannelContext {
    pub(super) side: Side,
    creds: Arc<dyn Credentials>,
    handshake: Mutex<Option<Handshake>>,
    pub(super) established: OnceCell<Established>,
    /// The hooks of the handshake (captured exporter secrets, SNI, issuers).
    pub(super) hooks: Mutex<Option<Arc<Hooks>>>,
    /// A fatal handshake error: every later step answers it.
    failed: Mutex<Option<SecError>>,
    /// `ISC_RET_*` / `ASC_RET_*` of the last step.
    attributes: AtomicU32,
    /// `SCHANNEL_SESSION`: whether this connection may resume / be resumed.
    reconnects: AtomicBool,
    /// `ApplyControlToken` before the handshake finished.
    early_control: Mutex<Option<(u8, u8)>>,
    pub(super) keying: Mutex<Option<KeyingRequest>>,
    pub(super) app_data: Mutex<Vec<u8>>,
    pub(super) manual_validation: AtomicBool,
}

impl SchannelContext {
    pub fn create(creds: Arc<dyn Credentials>, side: Side) -> SecResult<Arc<dyn SecurityContext>> {
        let reconnects = Self::schannel(&creds)?.flags & SCH_CRED_DISABLE_RECONNECTS == 0;
        Ok(Arc::new(Self {
            side,
            creds,
            handshake: Mutex::new(Some(Handshake::new(side))),
            established: OnceCell::new(),
            hooks: Mutex::new(None),
            failed: Mutex::new(None),
            attributes: AtomicU32::new(0),
            reconnects: AtomicBool::new(reconnects),
            early_control: Mutex::new(None),
            keying: Mutex::new(None),
            app_data: Mutex::new(Vec::new()),
            manual_validation: AtomicBool::new(false),
        }))
    }

    fn schannel(creds: &Arc<dyn Credentials>) -> SecResult<&SchannelCredentials> {
        creds.as_any().downcast_ref::<SchannelCredentials>().ok_or(SecError::internal("not a Schannel credential"))
    }

    pub(super) fn credentials(&self) -> SecResult<&SchannelCredentials> {
        Self::schannel(&self.creds)
    }

    /// `ISC_RET_*` / `ASC_RET_*` of the last step.
    pub(super) fn attributes(&self) -> ULONG {
        self.attributes.load(Ordering::Relaxed)
    }

    /// The established connection, or the error for "not yet".
    pub(super) fn est(&self) -> SecResult<&Established> {
        self.established.get().ok_or(SecError::invalid_handle("the handshake is not complete"))
    }

    /// The `ISC_RET_*` / `ASC_RET_*` flags Schannel reports: the stream
    /// protections it always gives, plus one flag for each request flag it
    /// honours, and only when requested (Microsoft's "Context Requirements";
    /// Wine's Windows-verified `dlls/secur32/tests/schannel.c` records the
    /// same). Callers compare them: curl fails the handshake unless the
    /// returned flags equal the requested ones, so nothing is added that was
    /// not asked for (a credential's `SCH_CRED_MANUAL_CRED_VALIDATION` does
    /// not make `ISC_RET_MANUAL_CRED_VALIDATION`; a client certificate sent
    /// does not make `ISC_RET_MUTUAL_AUTH`).
    fn ret_flags(&self, flags: ULONG, est: Option<&Established>) -> ULONG {
        let mut r;
        match self.side {
            Side::Client => {
                r = ISC_RET_REPLAY_DETECT | ISC_RET_SEQUENCE_DETECT | ISC_RET_CONFIDENTIALITY | ISC_RET_STREAM;
                // Each of these ISC_REQ_ bits is the same bit as its ISC_RET_.
                r |= flags
                    & (ISC_REQ_ALLOCATE_MEMORY
                        | ISC_REQ_EXTENDED_ERROR
                        | ISC_REQ_USE_SUPPLIED_CREDS
                        | ISC_REQ_MANUAL_CRED_VALIDATION
                        | ISC_REQ_MUTUAL_AUTH);
            }
            Side::Server => {
                r = ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT | ASC_RET_CONFIDENTIALITY | ASC_RET_STREAM;
                r |= flags & (ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_EXTENDED_ERROR);
                if flags & ASC_REQ_MUTUAL_AUTH != 0 && est.is_some_and(|e| !e.negotiated.peer_certs.is_empty()) {
                    r |= ASC_RET_MUTUAL_AUTH;
                }
            }
        }
        r
    }

    /// An ISC/ASC call on a finished context: hand out what is owed, leave
    /// the input alone (it is application data for DecryptMessage).
    fn established_step(&self, est: &Established, flags: ULONG, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let allocate = flags & ISC_REQ_ALLOCATE_MEMORY != 0;
        let mut out = est.control_output()?;
        if let Err(e) = handshake::flush(&mut out, io.output, allocate) {
            est.unread_control(out);
            return Err(e);
        }
        if let Some(input) = io.input {
            if let Some(t) = input.find(SECBUFFER_TOKEN) {
                let n = input.buffer_len(t);
                if n > 0 {
                    // Where the handshake puts EXTRA too (the EMPTY after the
                    // token, else any EMPTY, else a stale EXTRA / MISSING).
                    if let Some(i) = handshake::spare(input, Some(t)) {
                        input.set(i, SECBUFFER_EXTRA, input.original(t));
                    }
                }
            }
        }
        let attrs = self.ret_flags(flags, Some(est));
        Ok(StepResult { status: SEC_E_OK, attributes: attrs, expiry: Some(NEVER) })
    }
}

impl SecurityContext for SchannelContext {
    fn side(&self) -> Side {
        self.side
    }

    fn step(&self, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        if let Some(est) = self.established.get() {
            return self.established_step(est, io.flags, io);
        }
        let mut guard = lock(&self.handshake);
        if let Some(e) = lock(&self.failed).clone() {
            return Err(e);
        }
        if let Some(est) = self.established.get() {
            drop(guard);
            return self.established_step(est, io.flags, io);
        }
        let flags = io.flags;
        let allocate = flags & ISC_REQ_ALLOCATE_MEMORY != 0;
        // Shutdown or an alert before the handshake finished: send it in clear and stop.
        if let Some((level, desc)) = *lock(&self.early_control) {
            let mut out = records::plain_alert(level, desc).to_vec();
            handshake::flush(&mut out, io.output, allocate)?;
            *lock(&self.failed) = Some(SecError::new(SEC_E_CONTEXT_EXPIRED, "the context was shut down"));
            *guard = None;
            return Ok(StepResult { status: SEC_E_OK, attributes: self.ret_flags(flags, None), expiry: None });
        }
        let hs = guard.as_mut().ok_or(SecError::new(SEC_E_CONTEXT_EXPIRED, "the context was shut down"))?;
        let creds = self.credentials()?;
        let resume = self.reconnects.load(Ordering::Relaxed);
        // The certificate of the credential this call passed, if it is not
        // the context's own (the caller acquired one after
        // SEC_I_INCOMPLETE_CREDENTIALS).
        let late = io
            .credential
            .as_ref()
            .and_then(|c| c.as_any().downcast_ref::<super::credentials::SchannelCredentials>())
            .and_then(|c| c.certified_key.clone())
            .or_else(|| creds.certified_key.clone());
        let outcome = hs.step(creds, late, flags, io.target, resume, io.input, io.output);
        self.manual_validation.store(hs.manual_validation, Ordering::Relaxed);
        let hooks = Arc::clone(&hs.hooks);
        match outcome {
            Ok(StepOutcome::InProgress(status)) => {
                let attrs = self.ret_flags(flags, None);
                self.attributes.store(attrs, Ordering::Relaxed);
                Ok(StepResult { status, attributes: attrs, expiry: None })
            }
            Ok(StepOutcome::Complete(finished)) => {
                let Finished { negotiated, secrets, kernel } = finished;
                let est = Established::new(self.side, negotiated, &secrets, kernel)?;
                // The secrets' memory is zeroed here.
                drop(secrets);
                est.store_tickets.store(resume, Ordering::Relaxed);
                *guard = None;
                *lock(&self.hooks) = Some(hooks.clone());
                let est = self.established.get_or_init(|| est);
                let attrs = self.ret_flags(flags, Some(est));
                self.attributes.store(attrs, Ordering::Relaxed);
                let expiry = super::attributes::peer_expiry(est).unwrap_or(NEVER);
                Ok(StepResult { status: SEC_E_OK, attributes: attrs, expiry: Some(expiry) })
            }
            Err(e) => {
                let retryable = matches!(
                    e.status,
                    SEC_E_INSUFFICIENT_MEMORY
                        | SEC_E_INVALID_TOKEN
                        | SEC_E_INVALID_PARAMETER
                        | SEC_E_UNSUPPORTED_FUNCTION
                ) && e.alert.is_none();
                if !retryable {
                    *lock(&self.failed) = Some(e.clone());
                    *guard = None;
                }
                Err(e)
            }
        }
    }

    fn encrypt(&self, qop: ULONG, message: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<SECURITY_STATUS> {
        if qop == SECQOP_WRAP_NO_ENCRYPT {
            return Err(SecError::new(SEC_E_QOP_NOT_SUPPORTED, "Schannel always encrypts"));
        }
        self.est()?.encrypt(message, qop)
    }

    fn decrypt(&self, message: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<DecryptResult> {
        self.est()?.decrypt(message)
    }

    fn query(&self, attribute: ULONG) -> SecResult<Attr> {
        super::attributes::query(self, attribute)
    }

    fn set(&self, attribute: SetAttr) -> SecResult<()> {
        match attribute {
            SetAttr::KeyingMaterialInfo { label, context, length } => {
                super::exporter::check_label(&label)?;
                *lock(&self.keying) = Some(KeyingRequest { label, context, length: length as usize });
                Ok(())
            }
            SetAttr::AppData(d) => {
                *lock(&self.app_data) = d;
                Ok(())
            }
            // False Start is a latency optimisation rustls does not do; the
            // request is accepted and the handshake stays a full one.
            SetAttr::EarlyStart(_) => Ok(()),
        }
    }

    fn apply_control(&self, token: &[u8]) -> SecResult<()> {
        let dword = |at: usize| token.get(at..at + 4).map(|b| u32::from_ne_bytes(b.try_into().unwrap()));
        let short = || SecError::unsupported("control token too short for its type");
        let typ = dword(0).ok_or_else(short)?;
        match typ {
            SCHANNEL_SHUTDOWN => {
                match self.established.get() {
                    Some(est) => est.shutdown(),
                    None => *lock(&self.early_control) = Some((1, records::alert::CLOSE_NOTIFY)),
                }
                Ok(())
            }
            SCHANNEL_ALERT => {
                let level = dword(4).ok_or_else(short)?;
                let number = dword(8).ok_or_else(short)?;
                if !(level == TLS1_ALERT_WARNING || level == TLS1_ALERT_FATAL) || number > 255 {
                    return Err(SecError::invalid_token("bad alert level or number"));
                }
                match self.established.get() {
                    Some(est) => est.queue_alert(level as u8, number as u8),
                    None => *lock(&self.early_control) = Some((level as u8, number as u8)),
                }
                Ok(())
            }
            SCHANNEL_SESSION => {
                let flags = dword(4).ok_or_else(short)?;
                let enable = match flags {
                    SSL_SESSION_ENABLE_RECONNECTS => true,
                    SSL_SESSION_DISABLE_RECONNECTS => false,
                    _ => return Err(SecError::invalid_token("bad SCHANNEL_SESSION flags")),
                };
                self.reconnects.store(enable, Ordering::Relaxed);
                if let Some(est) = self.established.get() {
                    est.store_tickets.store(enable, Ordering::Relaxed);
                    if !enable {
                        super::attributes::forget_session(self, est);
                    }
                }
                Ok(())
            }
            _ => Err(SecError::unsupported("control token type not supported")),
        }
    }
}
