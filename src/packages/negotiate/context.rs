//! A Negotiate context: SPNEGO (RFC 4178, MS-SPNG) driving the chosen
//! package's own context through the [`SecurityContext`] trait.
//!
//! Initiator: Kerberos when the credential has a Kerberos credential and
//! the target is an SPN the Kerberos package can get a ticket for (its first
//! call talks to the KDC), offered as Windows offers it — Microsoft's
//! Kerberos OID, the standard one, then NTLMSSP — with the AP-REQ as the
//! optimistic token; else NTLM alone, with its NEGOTIATE. If the acceptor
//! picks another offered mechanism, that one starts afresh.
//!
//! Acceptor: the first mechanism of the initiator's list it has a
//! credential for; a raw NTLMSSP message or a raw Kerberos AP-REQ (no SPNEGO
//! wrapping) is handed to that package directly, as Windows does. Called
//! with no input, it speaks first: a NegTokenInit2 (MS-SPNG 3.2.5.2), which
//! an initiator given it as its first input uses to narrow its choice.
//!
//! mechListMIC (RFC 4178 section 5): the chosen mechanism's MIC
//! (`MakeSignature`) over the DER `MechTypeList` the initiator sent. It is
//! exchanged when the acceptor did not choose the initiator's first
//! mechanism, when a peer asks for it (`request-mic`) or sends one, and
//! always with NTLM (whose AUTHENTICATE carries a MIC: MS-SPNG 3.1.5.1 and
//! what MIT asks gss-ntlmssp). After each MIC, NTLM's RC4 handle for that
//! direction restarts, as Windows' NTLM does.

use std::sync::{Arc, Mutex, OnceLock};

use super::spnego::{self, FirstToken, NegState, NegTokenResp, Token, KRB5_OID, MS_KRB5_OID, NTLM_OID};
use super::NegotiateCredentials;
use crate::abi::*;
use crate::buffers::{BufferDesc, OwnedBuffers};
use crate::error::{SecError, SecResult};
use crate::gss;
use crate::handles::lock;
use crate::packages::{
    kerberos, ntlm, Attr, Credentials, DecryptResult, SecurityContext, SetAttr, Side, StepIo, StepResult,
};

/// The mechanisms we negotiate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mech {
    Kerberos,
    Ntlm,
}

impl Mech {
    pub fn of_oid(oid: &[u8]) -> Option<Mech> {
        match oid {
            KRB5_OID | MS_KRB5_OID => Some(Mech::Kerberos),
            NTLM_OID => Some(Mech::Ntlm),
            _ => None,
        }
    }
    pub fn package(self) -> &'static str {
        match self {
            Mech::Kerberos => kerberos::package::NAME,
            Mech::Ntlm => ntlm::NAME,
        }
    }
}

/// Room for an inner token: Kerberos' cbMaxToken, and some.
const INNER_TOKEN_CAP: usize = 64 * 1024;

/// `ISC_REQ_ALLOCATE_MEMORY` and `ASC_REQ_ALLOCATE_MEMORY` are the same bit,
/// as are the `*_RET_ALLOCATED_MEMORY` bits.
const ALLOCATE: ULONG = ISC_REQ_ALLOCATE_MEMORY;
const _: () = assert!(ISC_REQ_ALLOCATE_MEMORY == ASC_REQ_ALLOCATE_MEMORY);
const _: () = assert!(ISC_RET_ALLOCATED_MEMORY == ASC_RET_ALLOCATED_MEMORY);

fn invalid(detail: &'static str) -> SecError {
    SecError::new(SEC_E_INVALID_TOKEN, detail)
}

/// The chosen package's context.
struct Inner {
    mech: Mech,
    ctx: Arc<dyn SecurityContext>,
    creds: Arc<dyn Credentials>,
    done: bool,
}

impl Inner {
    fn start(mech: Mech, creds: &Arc<dyn Credentials>, side: Side) -> SecResult<Inner> {
        Ok(Inner { mech, ctx: creds.new_context(Arc::clone(creds), side)?, creds: Arc::clone(creds), done: false })
    }

    /// One step of the inner context on our own buffers: (result, output token).
    fn step(
        &mut self,
        flags: ULONG,
        target: Option<&str>,
        token: Option<&[u8]>,
        bindings: Option<&[u8]>,
    ) -> SecResult<(StepResult, Vec<u8>)> {
        let mut inputs = Vec::new();
        if let Some(t) = token {
            inputs.push((SECBUFFER_TOKEN, t.to_vec()));
        }
        if let Some(b) = bindings {
            inputs.push((SECBUFFER_CHANNEL_BINDINGS, b.to_vec()));
        }
        let has_input = !inputs.is_empty();
        let mut input = OwnedBuffers::new(inputs);
        let mut output = OwnedBuffers::new(vec![(SECBUFFER_TOKEN, vec![0u8; INNER_TOKEN_CAP])]);
        let flags = flags & !ALLOCATE;
        let (ctx, creds) = (&self.ctx, &self.creds);
        let r = OwnedBuffers::with_pair(has_input.then_some(&mut input), &mut output, |inp, out| {
            ctx.step(StepIo { flags, target, input: inp, output: Some(out), credential: Some(Arc::clone(creds)) })
        })??;
        self.done = r.status == SEC_E_OK;
        let tok = if output.buffer_type(0) == SECBUFFER_TOKEN { output.bytes(0).to_vec() } else { Vec::new() };
        Ok((r, tok))
    }

    /// The mechListMIC over `mech_types_der`, with this mechanism's MakeSignature.
    fn make_mic(&self, mech_types_der: &[u8]) -> SecResult<Vec<u8>> {
        let cap = match self.ctx.query(SECPKG_ATTR_SIZES)? {
            Attr::Sizes(s) => s.cbMaxSignature as usize,
            _ => return Err(SecError::internal("SIZES answered another attribute")),
        };
        let mut bufs =
            OwnedBuffers::new(vec![(SECBUFFER_DATA, mech_types_der.to_vec()), (SECBUFFER_TOKEN, vec![0; cap])]);
        bufs.with_view(|d| self.ctx.make_signature(0, d, 0))??;
        self.ctx.reset_after_mech_list_mic(true);
        Ok(bufs.bytes(1).to_vec())
    }

    /// Checks the peer's mechListMIC: `SEC_E_MESSAGE_ALTERED` when it fails.
    fn verify_mic(&self, mech_types_der: &[u8], mic: &[u8]) -> SecResult<()> {
        let mut bufs =
            OwnedBuffers::new(vec![(SECBUFFER_DATA, mech_types_der.to_vec()), (SECBUFFER_TOKEN, mic.to_vec())]);
        bufs.with_view(|d| self.ctx.verify_signature(d, 0))
            .and_then(|r| r)
            .map_err(|_| SecError::new(SEC_E_MESSAGE_ALTERED, "the mechListMIC does not verify"))?;
        self.ctx.reset_after_mech_list_mic(false);
        Ok(())
    }
}

enum Phase {
    Start,
    /// The SPNEGO exchange is under way.
    Running,
    /// Acceptor given a raw NTLM or Kerberos token: the package's own loop.
    Raw,
    Done,
    Failed(SecError),
}

struct State {
    phase: Phase,
    inner: Option<Inner>,
    /// Initiator: the mechanisms offered.
    offered: Vec<Vec<u8>>,
    /// The `MechTypeList` the initiator sent, as encoded (what the MIC covers).
    mech_types_der: Vec<u8>,
    /// The mechanism the acceptor chose, as it named it.
    selected: Option<Vec<u8>>,
    /// Initiator: the acceptor's first answer was read. Acceptor: supportedMech was sent.
    first_reply_done: bool,
    mic_required: bool,
    mic_sent: bool,
    mic_verified: bool,
    /// The latest inner step's attributes and expiry.
    attributes: ULONG,
    expiry: Option<u64>,
    /// A step's token that did not fit the caller's buffer, and what the step answered.
    pending: Option<(Vec<u8>, StepResult)>,
}

pub struct NegotiateContext {
    side: Side,
    creds: Arc<dyn Credentials>,
    state: Mutex<State>,
    /// The chosen package's context once the exchange is complete: message
    /// calls and attribute queries go there.
    done: OnceLock<Arc<dyn SecurityContext>>,
    /// The chosen package's context during the exchange (for queries).
    current: Mutex<Option<(Mech, Arc<dyn SecurityContext>)>>,
}

impl NegotiateContext {
    pub fn new(side: Side, creds: Arc<dyn Credentials>) -> Self {
        NegotiateContext {
            side,
            creds,
            state: Mutex::new(State {
                phase: Phase::Start,
                inner: None,
                offered: Vec::new(),
                mech_types_der: Vec::new(),
                selected: None,
                first_reply_done: false,
                mic_required: false,
                mic_sent: false,
                mic_verified: false,
                attributes: 0,
                expiry: None,
                pending: None,
            }),
            done: OnceLock::new(),
            current: Mutex::new(None),
        }
    }

    fn ncreds(&self) -> SecResult<&NegotiateCredentials> {
        self.creds
            .as_any()
            .downcast_ref::<NegotiateCredentials>()
            .ok_or(SecError::internal("not a Negotiate credential"))
    }

    fn creds_for(&self, mech: Mech) -> SecResult<Arc<dyn Credentials>> {
        let c = self.ncreds()?;
        match mech {
            Mech::Kerberos => c.kerberos.clone(),
            Mech::Ntlm => c.ntlm.clone(),
        }
        .ok_or(SecError::new(SEC_E_NO_CREDENTIALS, "no credential for the chosen package"))
    }

    fn publish(&self, st: &State) {
        if let Some(i) = &st.inner {
            *lock(&self.current) = Some((i.mech, Arc::clone(&i.ctx)));
            if matches!(st.phase, Phase::Done) {
                let _ = self.done.set(Arc::clone(&i.ctx));
            }
        }
    }

    /// The chosen mechanism's context once it has completed, even if SPNEGO still awaits
    /// its last token (CredSSP binds the TLS key with NTLM's keys as soon as the
    /// AUTHENTICATE message is out, before the server's mechListMIC arrives).
    pub fn mechanism_context(&self) -> Option<Arc<dyn SecurityContext>> {
        if let Some(c) = self.done.get() {
            return Some(Arc::clone(c));
        }
        let st = lock(&self.state);
        st.inner.as_ref().filter(|i| i.done).map(|i| Arc::clone(&i.ctx))
    }

    fn established(&self) -> SecResult<&Arc<dyn SecurityContext>> {
        self.done.get().ok_or(SecError::invalid_handle("the Negotiate exchange is not complete"))
    }

    /// Writes this step's token (or empties the slot) and answers `result`. When the
    /// caller's buffer is too small, the step has happened all the same (the inner context
    /// moved on): the token is kept, and the caller's retry with a larger buffer gets it.
    fn emit(
        st: &mut State,
        output: Option<&mut BufferDesc<'_>>,
        token: Vec<u8>,
        allocate: bool,
        result: StepResult,
    ) -> SecResult<StepResult> {
        let written = if token.is_empty() {
            gss::clear_token(output, allocate);
            Ok(())
        } else {
            gss::write_token(output, &token, allocate)
        };
        match written {
            Ok(()) => Ok(result),
            Err(e) if e.status == SEC_E_BUFFER_TOO_SMALL || e.status == SEC_E_INSUFFICIENT_MEMORY => {
                st.pending = Some((token, result));
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    fn result(st: &State, status: SECURITY_STATUS, allocate: bool) -> StepResult {
        let extra = if allocate { ISC_RET_ALLOCATED_MEMORY } else { 0 };
        StepResult { status, attributes: st.attributes | extra, expiry: st.expiry }
    }

    // ---- initiator ----

    fn client_start(&self, st: &mut State, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let allocate = io.flags & ALLOCATE != 0;
        let bindings = gss::channel_bindings(io.input.as_deref())?.map(<[u8]>::to_vec);
        let c = self.ncreds()?;
        // A server that spoke first (a NegTokenInit2, given as the first call's input) limits
        // the choice to the mechanisms it named.
        let (mut server_krb, mut server_ntlm) = (true, true);
        if let Some(t) = gss::input_token(io.input.as_deref())?.filter(|t| !t.is_empty()) {
            let Token::Init(hint) = spnego::parse(t)? else {
                return Err(invalid("a NegTokenResp given to the first InitializeSecurityContext"));
            };
            server_krb = hint.mech_types.iter().any(|m| Mech::of_oid(m) == Some(Mech::Kerberos));
            server_ntlm = hint.mech_types.iter().any(|m| Mech::of_oid(m) == Some(Mech::Ntlm));
        }
        let mut first_error: Option<SecError> = None;
        let mut chosen = None;
        // Kerberos when it can get a ticket for the target; the package itself decides
        // (a target that is not an SPN, no realm, no KDC, no TGT: an error, and NTLM next).
        if let (Some(kc), Some(_), true) = (&c.kerberos, io.target, server_krb) {
            match Inner::start(Mech::Kerberos, kc, Side::Client)
                .and_then(|mut i| i.step(io.flags, io.target, None, bindings.as_deref()).map(|r| (i, r)))
            {
                Ok(x) => chosen = Some(x),
                Err(e) => first_error = Some(e),
            }
        }
        if chosen.is_none() && server_ntlm {
            if let Some(nc) = &c.ntlm {
                match Inner::start(Mech::Ntlm, nc, Side::Client)
                    .and_then(|mut i| i.step(io.flags, io.target, None, bindings.as_deref()).map(|r| (i, r)))
                {
                    Ok(x) => chosen = Some(x),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
        }
        let (inner, (res, tok)) = chosen.ok_or_else(|| {
            first_error.unwrap_or(SecError::new(SEC_E_NO_CREDENTIALS, "no package can authenticate to this target"))
        })?;
        let offered: Vec<&[u8]> = match inner.mech {
            Mech::Kerberos if c.ntlm.is_some() && server_ntlm => vec![MS_KRB5_OID, KRB5_OID, NTLM_OID],
            Mech::Kerberos => vec![MS_KRB5_OID, KRB5_OID],
            Mech::Ntlm => vec![NTLM_OID],
        };
        st.mech_types_der = spnego::mech_type_list(&offered);
        st.offered = offered.iter().map(|o| o.to_vec()).collect();
        let token = spnego::encode_init(&st.mech_types_der, Some(&tok), None);
        st.attributes = res.attributes;
        st.expiry = res.expiry;
        st.inner = Some(inner);
        st.phase = Phase::Running;
        self.publish(st);
        let r = Self::result(st, SEC_I_CONTINUE_NEEDED, allocate);
        Self::emit(st, io.output, token, allocate, r)
    }

    fn client_running(&self, st: &mut State, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let allocate = io.flags & ALLOCATE != 0;
        let bindings = gss::channel_bindings(io.input.as_deref())?.map(<[u8]>::to_vec);
        let token = gss::input_token(io.input.as_deref())?.ok_or(invalid("no NegTokenResp"))?;
        let Token::Resp(resp) = spnego::parse(token)? else {
            return Err(invalid("a NegTokenInit where a NegTokenResp was expected"));
        };
        let mut restarted = None;
        if !st.first_reply_done {
            st.first_reply_done = true;
            let sel = resp.supported_mech.clone();
            match (&sel, resp.neg_state) {
                (None, Some(NegState::Reject)) => {}
                (None, _) => return Err(invalid("the acceptor's first answer names no mechanism")),
                (Some(sel), _) => {
                    if !st.offered.iter().any(|o| o == sel) {
                        return Err(invalid("the acceptor chose a mechanism that was not offered"));
                    }
                    let mech = Mech::of_oid(sel).ok_or(invalid("an unknown mechanism"))?;
                    let not_first = *sel != st.offered[0];
                    st.mic_required |= not_first;
                    let inner = st.inner.as_ref().ok_or(SecError::internal("no inner context"))?;
                    if mech != inner.mech || (not_first && resp.response_token.is_none()) {
                        // The optimistic token was not taken: the chosen mechanism starts afresh.
                        let creds = self.creds_for(mech)?;
                        let mut i = Inner::start(mech, &creds, Side::Client)?;
                        let (r, t) = i.step(io.flags, io.target, None, bindings.as_deref())?;
                        st.attributes = r.attributes;
                        st.expiry = r.expiry;
                        st.inner = Some(i);
                        self.publish(st);
                        restarted = Some(t);
                    }
                }
            }
            st.selected = sel;
        }
        let inner = st.inner.as_mut().ok_or(SecError::internal("no inner context"))?;
        let mut out_tok = restarted.clone().unwrap_or_default();
        if resp.neg_state == Some(NegState::Reject) {
            // Let the mechanism explain the rejection if it sent something (a KRB-ERROR).
            if let Some(t) = resp.response_token.as_deref().filter(|t| !t.is_empty() && !inner.done) {
                inner.step(io.flags, io.target, Some(t), bindings.as_deref())?;
            }
            return Err(SecError::new(SEC_E_LOGON_DENIED, "the acceptor rejected the negotiation"));
        }
        if restarted.is_none() {
            if let Some(t) = resp.response_token.as_deref().filter(|t| !t.is_empty()) {
                if inner.done {
                    return Err(invalid("a mechanism token after the mechanism completed"));
                }
                let (r, t) = inner.step(io.flags, io.target, Some(t), bindings.as_deref())?;
                st.attributes = r.attributes;
                st.expiry = r.expiry.or(st.expiry);
                out_tok = t;
            }
        }
        if inner.mech == Mech::Ntlm || resp.neg_state == Some(NegState::RequestMic) {
            st.mic_required = true;
        }
        if let Some(mic) = &resp.mech_list_mic {
            if !inner.done {
                return Err(invalid("a mechListMIC before the mechanism completed"));
            }
            inner.verify_mic(&st.mech_types_der, mic)?;
            st.mic_verified = true;
        }
        let peer_completed = resp.neg_state == Some(NegState::AcceptCompleted);
        let mut mic_out = None;
        if inner.done && !st.mic_sent && !peer_completed && (st.mic_required || st.mic_verified) {
            mic_out = Some(inner.make_mic(&st.mech_types_der)?);
            st.mic_sent = true;
        }
        if peer_completed && !inner.done {
            return Err(invalid("the acceptor completed before the mechanism did"));
        }
        if peer_completed && st.mic_required && !st.mic_verified {
            return Err(SecError::new(SEC_E_MESSAGE_ALTERED, "the acceptor completed without the mechListMIC it owed"));
        }
        let complete = inner.done && peer_completed;
        let sending = !out_tok.is_empty() || mic_out.is_some();
        if !complete && !sending {
            return Err(invalid("the acceptor's answer leaves nothing to send and nothing done"));
        }
        let token = if sending {
            spnego::encode_resp(&NegTokenResp {
                neg_state: None,
                supported_mech: None,
                response_token: (!out_tok.is_empty()).then_some(out_tok),
                mech_list_mic: mic_out,
            })
        } else {
            Vec::new()
        };
        if complete {
            st.phase = Phase::Done;
            self.publish(st);
        }
        let r = Self::result(st, if complete { SEC_E_OK } else { SEC_I_CONTINUE_NEEDED }, allocate);
        Self::emit(st, io.output, token, allocate, r)
    }

    // ---- acceptor ----

    fn server_start(&self, st: &mut State, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let Some(token) = gss::input_token(io.input.as_deref())?.filter(|t| !t.is_empty()) else {
            // No input: the server speaks first (MS-SPNG 3.2.5.2, as SMB servers do) with a
            // NegTokenInit2 naming what it can accept; the initiator's NegTokenInit follows.
            let c = self.ncreds()?;
            let mut mechs: Vec<&[u8]> = Vec::new();
            if c.kerberos.is_some() {
                mechs.extend([MS_KRB5_OID, KRB5_OID]);
            }
            if c.ntlm.is_some() {
                mechs.push(NTLM_OID);
            }
            let allocate = io.flags & ALLOCATE != 0;
            let r = Self::result(st, SEC_I_CONTINUE_NEEDED, allocate);
            return Self::emit(st, io.output, spnego::encode_init2(&spnego::mech_type_list(&mechs)), allocate, r);
        };
        let raw = match spnego::classify(token)? {
            FirstToken::RawNtlm => Some(Mech::Ntlm),
            FirstToken::RawKerberos => Some(Mech::Kerberos),
            FirstToken::Spnego => None,
        };
        if let Some(mech) = raw {
            let creds = self.creds_for(mech)?;
            let inner = Inner::start(mech, &creds, Side::Server)?;
            st.inner = Some(inner);
            st.phase = Phase::Raw;
            self.publish(st);
            return self.server_raw(st, io);
        }
        let Token::Init(init) = spnego::parse(token)? else {
            return Err(invalid("a NegTokenResp where a NegTokenInit was expected"));
        };
        let c = self.ncreds()?;
        let has = |m: Mech| match m {
            Mech::Kerberos => c.kerberos.is_some(),
            Mech::Ntlm => c.ntlm.is_some(),
        };
        let (index, mech) = init
            .mech_types
            .iter()
            .enumerate()
            .find_map(|(i, oid)| Mech::of_oid(oid).filter(|&m| has(m)).map(|m| (i, m)))
            .ok_or(SecError::new(SEC_E_UNSUPPORTED_FUNCTION, "no mechanism in common with the initiator"))?;
        st.mech_types_der = init.mech_types_der.clone();
        st.selected = Some(init.mech_types[index].clone());
        st.mic_required = index != 0;
        let creds = self.creds_for(mech)?;
        st.inner = Some(Inner::start(mech, &creds, Side::Server)?);
        st.phase = Phase::Running;
        self.publish(st);
        match init.mech_token.as_deref().filter(|t| index == 0 && !t.is_empty()) {
            Some(t) => self.server_mech_token(st, io, Some(t), None),
            None => {
                // No usable optimistic token: name the choice and wait for its first token.
                let allocate = io.flags & ALLOCATE != 0;
                let r = NegTokenResp {
                    neg_state: Some(if st.mic_required { NegState::RequestMic } else { NegState::AcceptIncomplete }),
                    supported_mech: st.selected.clone(),
                    response_token: None,
                    mech_list_mic: None,
                };
                st.first_reply_done = true;
                let res = Self::result(st, SEC_I_CONTINUE_NEEDED, allocate);
                Self::emit(st, io.output, spnego::encode_resp(&r), allocate, res)
            }
        }
    }

    fn server_running(&self, st: &mut State, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let token = gss::input_token(io.input.as_deref())?.ok_or(invalid("no NegTokenResp"))?;
        let Token::Resp(resp) = spnego::parse(token)? else {
            return Err(invalid("a NegTokenInit where a NegTokenResp was expected"));
        };
        if resp.neg_state == Some(NegState::Reject) {
            return Err(SecError::new(SEC_E_LOGON_DENIED, "the initiator rejected the negotiation"));
        }
        let t = resp.response_token.as_deref().filter(|t| !t.is_empty());
        self.server_mech_token(st, io, t, resp.mech_list_mic.as_deref())
    }

    /// Feeds the initiator's mechanism token (if any) to the inner context,
    /// handles the MICs and answers.
    fn server_mech_token(
        &self,
        st: &mut State,
        io: StepIo<'_, '_>,
        token: Option<&[u8]>,
        peer_mic: Option<&[u8]>,
    ) -> SecResult<StepResult> {
        let allocate = io.flags & ALLOCATE != 0;
        let bindings = gss::channel_bindings(io.input.as_deref())?.map(<[u8]>::to_vec);
        let inner = st.inner.as_mut().ok_or(SecError::internal("no inner context"))?;
        let mut out_tok = Vec::new();
        if let Some(t) = token {
            if inner.done {
                return Err(invalid("a mechanism token after the mechanism completed"));
            }
            let (r, t) = inner.step(io.flags, None, Some(t), bindings.as_deref())?;
            st.attributes = r.attributes;
            st.expiry = r.expiry.or(st.expiry);
            out_tok = t;
        } else if !inner.done && peer_mic.is_none() {
            return Err(invalid("a NegTokenResp without a mechanism token"));
        }
        if inner.mech == Mech::Ntlm {
            st.mic_required = true;
        }
        if let Some(mic) = peer_mic {
            if !inner.done {
                return Err(invalid("a mechListMIC before the mechanism completed"));
            }
            inner.verify_mic(&st.mech_types_der, mic)?;
            st.mic_verified = true;
        }
        let (state, mic_out, status) = if !inner.done {
            (NegState::AcceptIncomplete, None, SEC_I_CONTINUE_NEEDED)
        } else if st.mic_verified {
            let m = if st.mic_sent { None } else { Some(inner.make_mic(&st.mech_types_der)?) };
            (NegState::AcceptCompleted, m, SEC_E_OK)
        } else if st.mic_required {
            if st.mic_sent {
                return Err(SecError::new(SEC_E_MESSAGE_ALTERED, "the initiator did not send the mechListMIC it owed"));
            }
            (NegState::AcceptIncomplete, Some(inner.make_mic(&st.mech_types_der)?), SEC_I_CONTINUE_NEEDED)
        } else {
            (NegState::AcceptCompleted, None, SEC_E_OK)
        };
        st.mic_sent |= mic_out.is_some();
        let r = NegTokenResp {
            neg_state: Some(state),
            supported_mech: if st.first_reply_done { None } else { st.selected.clone() },
            response_token: (!out_tok.is_empty()).then_some(out_tok),
            mech_list_mic: mic_out,
        };
        st.first_reply_done = true;
        if status == SEC_E_OK {
            st.phase = Phase::Done;
            self.publish(st);
        }
        let res = Self::result(st, status, allocate);
        Self::emit(st, io.output, spnego::encode_resp(&r), allocate, res)
    }

    /// A raw mechanism token: the package's own loop on the caller's buffers.
    fn server_raw(&self, st: &mut State, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let inner = st.inner.as_mut().ok_or(SecError::internal("no inner context"))?;
        let r = inner.ctx.step(StepIo { credential: Some(Arc::clone(&inner.creds)), ..io })?;
        inner.done = r.status == SEC_E_OK;
        st.attributes = r.attributes;
        st.expiry = r.expiry;
        if inner.done {
            st.phase = Phase::Done;
            self.publish(st);
        }
        Ok(r)
    }
}

impl SecurityContext for NegotiateContext {
    fn side(&self) -> Side {
        self.side
    }

    fn step(&self, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let mut st = lock(&self.state);
        if let Some((token, result)) = st.pending.take() {
            // The retry after SEC_E_BUFFER_TOO_SMALL: the token the step made.
            let allocate = io.flags & ALLOCATE != 0;
            return Self::emit(&mut st, io.output, token, allocate, result);
        }
        let r = match (&st.phase, self.side) {
            (Phase::Start, Side::Client) => self.client_start(&mut st, io),
            (Phase::Start, Side::Server) => self.server_start(&mut st, io),
            (Phase::Running, Side::Client) => self.client_running(&mut st, io),
            (Phase::Running, Side::Server) => self.server_running(&mut st, io),
            (Phase::Raw, _) => self.server_raw(&mut st, io),
            (Phase::Done, _) => return Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "the Negotiate exchange is complete")),
            (Phase::Failed(e), _) => return Err(e.clone()),
        };
        // A failure after the exchange began is final (a forged or broken answer must not
        // leave a half-authenticated context to retry); one on the first call leaves the
        // context as new.
        if let Err(e) = &r {
            if !matches!(st.phase, Phase::Start)
                && e.status != SEC_E_BUFFER_TOO_SMALL
                && e.status != SEC_E_INSUFFICIENT_MEMORY
            {
                st.phase = Phase::Failed(e.clone());
            }
        }
        r
    }

    fn encrypt(&self, qop: ULONG, message: &mut BufferDesc<'_>, seq: ULONG) -> SecResult<SECURITY_STATUS> {
        self.established()?.encrypt(qop, message, seq)
    }

    fn decrypt(&self, message: &mut BufferDesc<'_>, seq: ULONG) -> SecResult<DecryptResult> {
        self.established()?.decrypt(message, seq)
    }

    fn make_signature(&self, qop: ULONG, message: &mut BufferDesc<'_>, seq: ULONG) -> SecResult<()> {
        self.established()?.make_signature(qop, message, seq)
    }

    fn verify_signature(&self, message: &mut BufferDesc<'_>, seq: ULONG) -> SecResult<ULONG> {
        self.established()?.verify_signature(message, seq)
    }

    fn query(&self, attribute: ULONG) -> SecResult<Attr> {
        let current = lock(&self.current).clone();
        match attribute {
            SECPKG_ATTR_NEGOTIATION_INFO => {
                let state = if self.done.get().is_some() {
                    SECPKG_NEGOTIATION_COMPLETE
                } else if current.is_some() {
                    SECPKG_NEGOTIATION_IN_PROGRESS
                } else {
                    return Err(SecError::invalid_handle("the Negotiate exchange has not started"));
                };
                let package = current.map_or(super::NAME, |(m, _)| m.package());
                Ok(Attr::NegotiationInfo { package, state })
            }
            _ => match current {
                Some((_, ctx)) => ctx.query(attribute),
                None => Err(SecError::invalid_handle("the Negotiate exchange has not started")),
            },
        }
    }

    fn set(&self, attribute: SetAttr) -> SecResult<()> {
        self.established()?.set(attribute)
    }

    fn apply_control(&self, token: &[u8]) -> SecResult<()> {
        self.established()?.apply_control(token)
    }

    fn on_delete(&self) {
        if let Some((_, ctx)) = lock(&self.current).take() {
            ctx.on_delete();
        }
    }
}
