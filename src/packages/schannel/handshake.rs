//! The token loop: `InitializeSecurityContext` / `AcceptSecurityContext`
//! driving a rustls unbuffered connection.
//!
//! Input is taken record by record. A token cut anywhere (inside a header or
//! a body) is `SEC_E_INCOMPLETE_MESSAGE` with a `SECBUFFER_MISSING` count and
//! nothing consumed; whole records are copied into the connection's own input
//! buffer and fed to rustls, so that rustls' handling of handshake messages
//! spread over records never depends on the caller's buffer; bytes after the
//! record that completes the handshake (application data, a ticket) are left
//! to the caller as `SECBUFFER_EXTRA`. Output accumulates in `pending` and is
//! handed out only when it fits, so a too-small caller buffer loses nothing.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use rustls::client::UnbufferedClientConnection;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::server::UnbufferedServerConnection;
use rustls::unbuffered::{ConnectionState, EncodeError, UnbufferedStatus};
use rustls::{HandshakeKind, ProtocolVersion, SupportedCipherSuite};

use super::config::Hooks;
use super::credentials::SchannelCredentials;
use super::records::{self, Frame, CT_ALERT, CT_HANDSHAKE, HEADER_LEN};
use super::validation::ServerCheck;
use super::{alpn, errors};
use crate::abi::*;
use crate::buffers::BufferDesc;
use crate::error::{SecError, SecResult};
use crate::packages::Side;

/// Largest protected record we accept during the handshake (TLS 1.2's
/// ciphertext bound covers all; rustls checks TLS 1.3's tighter one after
/// decryption).
const MAX_RECORD: usize = records::MAX_PLAINTEXT + 2048;

/// The largest record `buf` may start with: plaintext records (handshake,
/// alert, change_cipher_spec before the peer's change_cipher_spec) hold at
/// most 2^14 bytes (RFC 5246 6.2.1, RFC 8446 5.1); rustls does not check it.
fn max_record(buf: &[u8], peer_ccs: bool) -> usize {
    match buf.first() {
        Some(&t) if t != records::CT_APPLICATION_DATA && !peer_ccs => records::MAX_PLAINTEXT,
        _ => MAX_RECORD,
    }
}

enum Conn {
    Client(UnbufferedClientConnection),
    Server(UnbufferedServerConnection),
}

/// What happened to the handshake in one drive of rustls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Progress {
    NeedMore,
    Complete,
}

/// Facts about the finished handshake, taken before rustls' connection is
/// turned into record-layer keys.
#[derive(Clone, Debug)]
pub struct Negotiated {
    pub version: ProtocolVersion,
    pub suite: SupportedCipherSuite,
    pub alpn: Option<Vec<u8>>,
    pub peer_certs: Vec<CertificateDer<'static>>,
    pub resumed: bool,
    pub kx_group: Option<rustls::NamedGroup>,
    pub server_random: Vec<u8>,
    pub session_id: Vec<u8>,
    pub sni: Option<String>,
    pub target: Option<String>,
}

/// The result of a finished handshake: facts, secrets and rustls' kernel
/// connection (which handles tickets and key updates from here on).
pub struct Finished {
    pub negotiated: Negotiated,
    /// The record keys: wiped when dropped.
    pub secrets: crate::alloc::Wiped<rustls::ExtractedSecrets>,
    pub kernel: Kernel,
}

/// rustls' post-handshake state for either side.
pub enum Kernel {
    Client(rustls::kernel::KernelConnection<rustls::client::ClientConnectionData>),
    Server(rustls::kernel::KernelConnection<rustls::server::ServerConnectionData>),
}

/// A handshake in progress.
pub struct Handshake {
    side: Side,
    conn: Option<Conn>,
    /// Whole records given to rustls and not yet discarded by it.
    inbuf: Vec<u8>,
    /// Output not yet handed to the caller.
    pub pending: Vec<u8>,
    pub hooks: Arc<Hooks>,
    /// Input consumed by a call whose output did not fit, or that answered
    /// `SEC_I_INCOMPLETE_CREDENTIALS`; a retry may repeat it.
    retry_prefix: Vec<u8>,
    /// Server → client handshake bytes, until the ServerHello is parsed.
    server_flight: Vec<u8>,
    server_random: Vec<u8>,
    session_id: Vec<u8>,
    incomplete_creds_reported: bool,
    /// The last call answered `SEC_I_INCOMPLETE_CREDENTIALS` having consumed its input: an
    /// empty retry (.NET's) then goes on with `SEC_I_CONTINUE_NEEDED`, not
    /// `SEC_E_INCOMPLETE_MESSAGE`, even when nothing is ready to send yet.
    incomplete_creds_retry: bool,
    /// Client, TLS 1.2: whole server records held back from rustls from the
    /// one that completes a CertificateRequest, while the caller is told
    /// SEC_I_INCOMPLETE_CREDENTIALS; fed on the next call, when the caller
    /// may have passed a credential holding a certificate.
    held: Vec<u8>,
    /// Client: the server's plaintext handshake bytes so far, to see a
    /// CertificateRequest coming (only while one could be held back).
    hs_scan: Vec<u8>,
    /// The peer sent change_cipher_spec (TLS 1.2: its records are protected from here on).
    peer_ccs: bool,
    /// We sent change_cipher_spec: our records are protected from here on
    /// (in TLS 1.3 too: the compatibility CCS precedes the protected flight).
    sent_ccs: bool,
    /// rustls is done; we may still owe the caller a final step.
    done: bool,
    pub target: Option<String>,
    pub manual_validation: bool,
}

/// What one step returns to the context.
// `Complete` carries rustls' kernel connection inline: moved once per
// handshake, which is cheaper than the allocation a box would cost.
#[allow(clippy::large_enum_variant)]
pub enum StepOutcome {
    /// `SEC_I_CONTINUE_NEEDED`, `SEC_E_INCOMPLETE_MESSAGE`, `SEC_I_INCOMPLETE_CREDENTIALS`.
    InProgress(SECURITY_STATUS),
    /// `SEC_E_OK`: the handshake is finished. The secrets stay in their
    /// `Wiped` box, are used where they lie and zeroed with it (rustls wipes
    /// its `AeadKey`s, not the IVs; moving them out of the box would leave
    /// both in freed memory); the facts are moved out.
    Complete(Finished),
}

fn first_of(desc: &Option<&mut BufferDesc<'_>>, ty: ULONG) -> Option<usize> {
    desc.as_ref().and_then(|d| d.find(ty))
}

/// Encodes every pending TLS record of `$state` into `$out`, driving the
/// connection until it blocks, completes or fails. A macro because rustls'
/// client and server connections have the same API on different types.
macro_rules! drive {
    ($conn:expr, $inbuf:expr, $out:expr) => {{
        let conn = $conn;
        let inbuf: &mut Vec<u8> = $inbuf;
        let out: &mut Vec<u8> = $out;
        loop {
            let UnbufferedStatus { discard, state } = conn.process_tls_records(inbuf);
            let step: Result<Option<Progress>, rustls::Error> = match state {
                Ok(ConnectionState::EncodeTlsData(mut e)) => {
                    let start = out.len();
                    // Room for a whole flight at once: one allocation, not one per message.
                    out.reserve(4096);
                    out.resize(start + 2048, 0);
                    loop {
                        match e.encode(&mut out[start..]) {
                            Ok(n) => {
                                out.truncate(start + n);
                                break;
                            }
                            Err(EncodeError::InsufficientSize(s)) => out.resize(start + s.required_size, 0),
                            Err(_) => {
                                out.truncate(start);
                                break;
                            }
                        }
                    }
                    Ok(None)
                }
                Ok(ConnectionState::TransmitTlsData(t)) => {
                    t.done();
                    Ok(None)
                }
                Ok(ConnectionState::BlockedHandshake) => Ok(Some(Progress::NeedMore)),
                Ok(ConnectionState::WriteTraffic(_)) => Ok(Some(Progress::Complete)),
                Ok(ConnectionState::PeerClosed) | Ok(ConnectionState::Closed) => {
                    Err(rustls::Error::AlertReceived(rustls::AlertDescription::CloseNotify))
                }
                Ok(_) => Err(rustls::Error::General("unexpected data during the handshake".into())),
                Err(e) => Err(e),
            };
            inbuf.drain(..discard);
            match step {
                Ok(None) => continue,
                Ok(Some(p)) => break Ok(p),
                Err(e) => {
                    // rustls queued its alert: collect it (and anything queued
                    // before it). The same buffer goes back in, as rustls'
                    // deframer expects, but only until the alert is out: a
                    // record that failed to deframe (bad MAC, overflow) is not
                    // discarded, and one more call would deframe it again and
                    // queue a second fatal alert (a debug assertion in rustls).
                    loop {
                        let UnbufferedStatus { discard, state } = conn.process_tls_records(inbuf);
                        let mut alert_out = false;
                        let more = match state {
                            Ok(ConnectionState::EncodeTlsData(mut enc)) => {
                                let start = out.len();
                                out.resize(start + 512, 0);
                                match enc.encode(&mut out[start..]) {
                                    Ok(n) => out.truncate(start + n),
                                    Err(_) => out.truncate(start),
                                }
                                alert_out = last_alert_record(&out[start..]).is_some_and(is_alert_record);
                                true
                            }
                            Ok(ConnectionState::TransmitTlsData(t)) => {
                                t.done();
                                true
                            }
                            _ => false,
                        };
                        inbuf.drain(..discard);
                        if !more || alert_out {
                            break;
                        }
                    }
                    break Err(e);
                }
            }
        }
    }};
}

impl Drop for Handshake {
    /// Handshake records lie here decrypted (TLS 1.3 encrypts most of the
    /// handshake): wiped, whole capacity, like every plaintext buffer.
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.inbuf);
        zeroize::Zeroize::zeroize(&mut self.retry_prefix);
    }
}

impl Handshake {
    pub fn new(side: Side) -> Self {
        Self {
            side,
            conn: None,
            inbuf: Vec::new(),
            pending: Vec::new(),
            hooks: Arc::new(Hooks::default()),
            retry_prefix: Vec::new(),
            server_flight: Vec::new(),
            server_random: Vec::new(),
            session_id: Vec::new(),
            incomplete_creds_reported: false,
            incomplete_creds_retry: false,
            held: Vec::new(),
            hs_scan: Vec::new(),
            peer_ccs: false,
            sent_ccs: false,
            done: false,
            target: None,
            manual_validation: false,
        }
    }

    /// Creates the rustls connection on the first call.
    fn start(
        &mut self,
        creds: &SchannelCredentials,
        flags: ULONG,
        target: Option<&str>,
        alpn_ids: Vec<Vec<u8>>,
        resume: bool,
    ) -> SecResult<()> {
        let configs = creds.lazy.get_or_try_init(|| super::config::CredentialConfigs::build(creds))?;
        let conn = match self.side {
            Side::Client => {
                let target = target.filter(|t| !t.is_empty());
                self.manual_validation =
                    creds.flags & SCH_CRED_MANUAL_CRED_VALIDATION != 0 || flags & ISC_REQ_MANUAL_CRED_VALIDATION != 0;
                let check = if self.manual_validation {
                    ServerCheck::Manual
                } else if creds.flags & SCH_CRED_NO_SERVERNAME_CHECK != 0 || target.is_none() {
                    ServerCheck::NoName
                } else {
                    ServerCheck::Full
                };
                let name = match target {
                    Some(t) => ServerName::try_from(t.to_owned()).map_err(|_| {
                        SecError::new(SEC_E_TARGET_UNKNOWN, "target name is neither a host name nor an IP address")
                    })?,
                    // No SNI, no name check; rustls still wants a name for its session cache.
                    None => ServerName::try_from("sspi-rustls.invalid").expect("static name"),
                };
                let sni = target.is_some() && matches!(name, ServerName::DnsName(_));
                self.target = target.map(str::to_owned);
                let config = configs.client_config(check, alpn_ids, sni, resume && target.is_some())?;
                Conn::Client(UnbufferedClientConnection::new(config, name).map_err(|e| errors::from_rustls(&e))?)
            }
            Side::Server => {
                let mutual = flags & ASC_REQ_MUTUAL_AUTH != 0;
                let config = configs.server_config(mutual, alpn_ids)?;
                Conn::Server(UnbufferedServerConnection::new(config).map_err(|e| errors::from_rustls(&e))?)
            }
        };
        self.conn = Some(conn);
        Ok(())
    }

    fn drive(&mut self) -> Result<Progress, rustls::Error> {
        let before = self.pending.len();
        let _current = super::config::enter(&self.hooks);
        let r = match self.conn.as_mut() {
            Some(Conn::Client(c)) => drive!(c, &mut self.inbuf, &mut self.pending),
            Some(Conn::Server(c)) => drive!(c, &mut self.inbuf, &mut self.pending),
            None => Err(rustls::Error::HandshakeNotComplete),
        };
        if self.side == Side::Server && self.server_random.is_empty() {
            let out = core::mem::take(&mut self.pending);
            self.note_server_records(&out[before..]);
            self.pending = out;
        }
        self.sent_ccs |= record_types(&self.pending[before..]).any(|t| t == records::CT_CHANGE_CIPHER_SPEC);
        r
    }

    /// Whether our records are protected now: an alert rustls did not send
    /// itself can then not be sent in clear.
    fn encrypting(&self) -> bool {
        let tls13 = match &self.conn {
            Some(Conn::Client(c)) => c.protocol_version() == Some(ProtocolVersion::TLSv1_3),
            Some(Conn::Server(c)) => c.protocol_version() == Some(ProtocolVersion::TLSv1_3),
            None => false,
        };
        self.sent_ccs || tls13
    }

    /// Collects server → client plaintext handshake bytes until the
    /// ServerHello (random and session id) can be read.
    fn note_server_records(&mut self, mut bytes: &[u8]) {
        while self.server_random.is_empty() && bytes.len() >= HEADER_LEN {
            let len = u16::from_be_bytes([bytes[3], bytes[4]]) as usize;
            let Some(body) = bytes.get(HEADER_LEN..HEADER_LEN + len) else { return };
            if bytes[0] == CT_HANDSHAKE {
                self.server_flight.extend_from_slice(body);
                self.parse_server_hello();
            }
            bytes = &bytes[HEADER_LEN + len..];
        }
    }

    fn parse_server_hello(&mut self) {
        let f = &self.server_flight;
        if f.len() < 4 || f[0] != 2 {
            if f.len() >= 4 {
                // Not a ServerHello first: give up quietly (nothing depends on it but attributes).
                self.server_random = vec![0; 32];
            }
            return;
        }
        let len = u32::from_be_bytes([0, f[1], f[2], f[3]]) as usize;
        let Some(body) = f.get(4..4 + len) else { return };
        // legacy_version(2) random(32) session_id<0..32>
        if body.len() >= 35 {
            let sid_len = (body[34] as usize).min(32);
            if let Some(sid) = body.get(35..35 + sid_len) {
                self.server_random = body[2..34].to_vec();
                self.session_id = sid.to_vec();
            }
        }
        self.server_flight = Vec::new();
    }

    /// One call of the token loop.
    #[allow(clippy::too_many_arguments)]
    pub fn step(
        &mut self,
        creds: &SchannelCredentials,
        late_cert: Option<Arc<rustls::sign::CertifiedKey>>,
        flags: ULONG,
        target: Option<&str>,
        resume: bool,
        mut input: Option<&mut BufferDesc<'_>>,
        mut output: Option<&mut BufferDesc<'_>>,
    ) -> SecResult<StepOutcome> {
        let allocate = flags & ISC_REQ_ALLOCATE_MEMORY != 0;
        let extended = match self.side {
            Side::Client => flags & ISC_REQ_EXTENDED_ERROR != 0,
            Side::Server => flags & ASC_REQ_EXTENDED_ERROR != 0,
        };
        if self.side == Side::Client && flags & (ISC_REQ_DELEGATE | ISC_REQ_PROMPT_FOR_CREDS) != 0 {
            return Err(SecError::unsupported(
                "ISC_REQ_DELEGATE and ISC_REQ_PROMPT_FOR_CREDS are not supported by Schannel",
            ));
        }

        // The input token and the first EMPTY buffer (for EXTRA / MISSING).
        let token_idx = first_of(&input, SECBUFFER_TOKEN);
        let token: Vec<u8> = match (&input, token_idx) {
            (Some(d), Some(i)) => d.bytes(i)?.to_vec(),
            _ => Vec::new(),
        };

        if self.conn.is_none() {
            let alpn_ids = match (&input, first_of(&input, SECBUFFER_APPLICATION_PROTOCOLS)) {
                (Some(d), Some(i)) => alpn::parse(d.bytes(i)?)?,
                _ => Vec::new(),
            };
            if self.side == Side::Server {
                // Don't start (or create a context) until a whole first record is here.
                let first = match records::frame(&token, records::MAX_PLAINTEXT) {
                    Ok(f) => f,
                    Err(e) => return Err(self.fail(e, output.as_deref_mut(), extended, allocate)),
                };
                if let Frame::Incomplete(missing) = first {
                    mark_missing(input.as_deref_mut(), token_idx, missing);
                    return Ok(StepOutcome::InProgress(SEC_E_INCOMPLETE_MESSAGE));
                }
                if let Err(e) = check_client_version(&token) {
                    return Err(self.fail(e, output.as_deref_mut(), extended, allocate));
                }
            }
            self.start(creds, flags, target, alpn_ids, resume)?;
            if self.side == Side::Client {
                self.drive().map_err(|e| errors::from_rustls(&e))?;
            }
        }

        // A retry of a call whose output did not fit: its input was consumed already.
        let mut consumed = 0;
        if !self.retry_prefix.is_empty() && token.starts_with(&self.retry_prefix) {
            consumed = self.retry_prefix.len();
        }
        self.retry_prefix.clear();

        // Feed whole records until rustls blocks with nothing left or finishes.
        self.inbuf.reserve(token.len() - consumed);
        let mut missing = None;
        let mut failure = None;
        // First what was held back at SEC_I_INCOMPLETE_CREDENTIALS, with the
        // certificate of the credential passed now, if it has one (the SDK's
        // WebClient and .NET acquire a new credential with the certificate).
        let held = core::mem::take(&mut self.held);
        // (Records are held only at SEC_I_INCOMPLETE_CREDENTIALS, so this covers them too.)
        let retrying = core::mem::take(&mut self.incomplete_creds_retry);
        if !held.is_empty() {
            *crate::handles::lock(&self.hooks.late_cert) = late_cert;
            let mut off = 0;
            while failure.is_none() && !self.done && off + HEADER_LEN <= held.len() {
                let len = HEADER_LEN + u16::from_be_bytes([held[off + 3], held[off + 4]]) as usize;
                let rec = &held[off..off + len];
                off += len;
                self.peer_ccs |= rec[0] == records::CT_CHANGE_CIPHER_SPEC;
                self.inbuf.extend_from_slice(rec);
                match self.drive() {
                    Ok(Progress::Complete) => self.done = true,
                    Ok(Progress::NeedMore) => {}
                    Err(e) => failure = Some(errors::from_rustls(&e).with_alert_opt(errors::alert_for(&e))),
                }
            }
        }
        let may_hold = self.side == Side::Client
            && creds.certified_key.is_none()
            && flags & ISC_REQ_USE_SUPPLIED_CREDS == 0
            && !self.incomplete_creds_reported
            && self.pending.is_empty();
        let mut holding = false;
        while failure.is_none() && !self.done && consumed < token.len() {
            match records::frame(&token[consumed..], max_record(&token[consumed..], self.peer_ccs)) {
                Err(e) => {
                    failure = Some(e);
                    break;
                }
                Ok(Frame::Incomplete(n)) => {
                    missing = Some(n);
                    break;
                }
                Ok(Frame::Complete { len, .. }) => {
                    let rec = &token[consumed..consumed + HEADER_LEN + len];
                    if may_hold && !self.peer_ccs && rec[0] == CT_HANDSHAKE {
                        self.hs_scan.extend_from_slice(&rec[HEADER_LEN..]);
                        if let Some(issuers) = certificate_request_issuers(&self.hs_scan) {
                            // Hold this record and every whole one after it.
                            self.hs_scan = Vec::new();
                            let start = consumed;
                            while let Ok(Frame::Complete { len, .. }) =
                                records::frame(&token[consumed..], max_record(&token[consumed..], self.peer_ccs))
                            {
                                consumed += HEADER_LEN + len;
                                if consumed == token.len() {
                                    break;
                                }
                            }
                            self.held = token[start..consumed].to_vec();
                            *crate::handles::lock(&self.hooks.issuers) = issuers;
                            self.hooks.cert_requested.store(true, Ordering::Relaxed);
                            holding = true;
                            break;
                        }
                    }
                    consumed += HEADER_LEN + len;
                    self.peer_ccs |= rec[0] == records::CT_CHANGE_CIPHER_SPEC;
                    if self.side == Side::Client && self.server_random.is_empty() {
                        self.note_server_records(rec);
                    }
                    self.inbuf.extend_from_slice(rec);
                    match self.drive() {
                        Ok(Progress::Complete) => self.done = true,
                        Ok(Progress::NeedMore) => {}
                        Err(e) => {
                            failure = Some(errors::from_rustls(&e).with_alert_opt(errors::alert_for(&e)));
                            break;
                        }
                    }
                }
            }
        }
        if let Some(e) = failure {
            return Err(self.fail(e, output.as_deref_mut(), extended, allocate));
        }
        if consumed == 0 && !token.is_empty() {
            // Nothing whole arrived: consume nothing, say how much is missing.
            if let Some(n) = missing {
                mark_missing(input.as_deref_mut(), token_idx, n);
                return Ok(StepOutcome::InProgress(SEC_E_INCOMPLETE_MESSAGE));
            }
        }
        if token.is_empty() && !self.done && self.pending.is_empty() && !retrying {
            // Nothing to do without input from the peer. Not so for the empty retry after
            // SEC_I_INCOMPLETE_CREDENTIALS (which feeds any records held back then): it
            // goes on with SEC_I_CONTINUE_NEEDED, as Windows does when .NET, which hands
            // Schannel one record at a time, calls again with empty input.
            mark_missing(input.as_deref_mut(), token_idx, HEADER_LEN);
            return Ok(StepOutcome::InProgress(SEC_E_INCOMPLETE_MESSAGE));
        }
        let extra = token.len() - consumed;

        // A client asked for a certificate it does not have is told so once
        // (SEC_I_INCOMPLETE_CREDENTIALS); its answer waits for the next call.
        // Not with ISC_REQ_USE_SUPPLIED_CREDS: then Windows goes on with what
        // the credential holds (curl's default request, schannel-rs', which
        // treat the status as an error when they asked for that).
        let incomplete_creds = holding
            || self.side == Side::Client
                && flags & ISC_REQ_USE_SUPPLIED_CREDS == 0
                && self.hooks.cert_requested.load(Ordering::Relaxed)
                && !self.hooks.cert_sent.load(Ordering::Relaxed)
                && !self.incomplete_creds_reported;
        if incomplete_creds {
            self.incomplete_creds_reported = true;
            self.incomplete_creds_retry = true;
            // Callers answer in one of two ways: with EMPTY input (.NET), or
            // with the same input again (curl, Chromium, the Platform SDK's
            // WebClient sample, which do not look at EXTRA here). The input
            // was consumed: a repeat of it is recognised as a retry is.
            self.retry_prefix = token[..consumed].to_vec();
            mark_extra(input.as_deref_mut(), token_idx, extra);
            clear_output(output.as_deref_mut(), allocate);
            return Ok(StepOutcome::InProgress(SEC_I_INCOMPLETE_CREDENTIALS));
        }

        // Hand out the output, or keep it (and the fact the input was consumed).
        if let Err(e) = flush(&mut self.pending, output, allocate) {
            self.retry_prefix = token[..consumed].to_vec();
            return Err(e);
        }
        mark_extra(input, token_idx, extra);

        if !self.done {
            return Ok(StepOutcome::InProgress(SEC_I_CONTINUE_NEEDED));
        }
        Ok(StepOutcome::Complete(self.finish()?))
    }

    /// Turns a failure into the caller's error, placing the alert rustls
    /// queued (or the one `e` names) where the caller asked for it.
    fn fail(
        &mut self,
        mut e: SecError,
        output: Option<&mut BufferDesc<'_>>,
        extended: bool,
        allocate: bool,
    ) -> SecError {
        // rustls sends no alert for some failures (a message interleaved with
        // a fragmented handshake message, one longer than 64 KiB) and ours
        // (framing) happen before it sees anything: the alert the failure
        // calls for goes out in clear, unless our records are protected by
        // now (then the peer could not read it; nothing is sent).
        let rustls_alerted = last_alert_record(&self.pending).is_some_and(is_alert_record);
        if !rustls_alerted {
            match e.alert {
                Some(a) if !self.encrypting() => self.pending.extend_from_slice(&records::plain_alert(2, a)),
                _ => e.alert = None,
            }
        }
        // Without ISC_REQ_EXTENDED_ERROR nothing goes out: the token buffer
        // says so with a length of 0, as on Windows (Wine's Windows-verified
        // schannel test checks it after a garbage token).
        let mut output = output;
        if !extended {
            if let Some(out) = output.as_deref_mut() {
                if let Some(i) = out.token_slot() {
                    out.clear_output(i, allocate);
                }
            }
        }
        // The alert is the last record of what rustls produced.
        let alert = last_alert_record(&self.pending);
        if let Some(rec) = alert {
            if rec.len() == 7 && rec[0] == CT_ALERT {
                e.alert = Some(rec[6]);
            }
            if let Some(out) = output {
                if let Some(i) = out.find(SECBUFFER_ALERT) {
                    let _ = out.write_output(i, rec, allocate);
                }
                if extended {
                    if let Some(i) = out.token_slot() {
                        let all = core::mem::take(&mut self.pending);
                        let _ = out.write_token(i, &all, allocate);
                    }
                }
            }
        }
        e
    }

    /// Takes the facts and the keys of the finished handshake.
    fn finish(&mut self) -> SecResult<Finished> {
        let conn = self.conn.take().ok_or(SecError::internal("no connection"))?;
        // The extraction asks for the record keys again (`keyblock`).
        let _current = super::config::enter(&self.hooks);
        let _forget = Forget(&self.hooks);
        macro_rules! facts {
            ($c:expr) => {{
                let c = &$c;
                Negotiated {
                    version: c.protocol_version().ok_or(SecError::internal("no version"))?,
                    suite: c.negotiated_cipher_suite().ok_or(SecError::internal("no suite"))?,
                    alpn: c.alpn_protocol().map(<[u8]>::to_vec),
                    peer_certs: c
                        .peer_certificates()
                        .map(|p| p.iter().map(|c| c.clone().into_owned()).collect())
                        .unwrap_or_default(),
                    resumed: c.handshake_kind() == Some(HandshakeKind::Resumed),
                    kx_group: c.negotiated_key_exchange_group().map(|g| g.name()),
                    server_random: self.server_random.clone(),
                    session_id: self.session_id.clone(),
                    sni: crate::handles::lock(&self.hooks.sni).clone(),
                    target: self.target.clone(),
                }
            }};
        }
        let rustls_err = |e: rustls::Error| errors::from_rustls(&e);
        Ok(match conn {
            Conn::Client(c) => {
                let negotiated = facts!(c);
                let (secrets, kernel) = c.dangerous_into_kernel_connection().map_err(rustls_err)?;
                Finished { negotiated, secrets: crate::alloc::Wiped::new(secrets), kernel: Kernel::Client(kernel) }
            }
            Conn::Server(c) => {
                let negotiated = facts!(c);
                let (secrets, kernel) = c.dangerous_into_kernel_connection().map_err(rustls_err)?;
                Finished { negotiated, secrets: crate::alloc::Wiped::new(secrets), kernel: Kernel::Server(kernel) }
            }
        })
    }
}

/// Whether `rec` is an alert record: a plaintext (or TLS 1.2 protected) one
/// of type alert, or a TLS 1.3 protected one, whose 19-byte payload (2 bytes
/// of alert, the inner type and a 16-byte tag) nothing else can have during
/// the handshake (a handshake message alone is at least 4 bytes).
fn is_alert_record(rec: &[u8]) -> bool {
    rec.len() >= HEADER_LEN
        && (rec[0] == CT_ALERT || (rec[0] == records::CT_APPLICATION_DATA && rec.len() == HEADER_LEN + 2 + 1 + 16))
}

/// The content types of the whole records at the start of `bytes`.
fn record_types(mut bytes: &[u8]) -> impl Iterator<Item = u8> + '_ {
    core::iter::from_fn(move || {
        let n = HEADER_LEN + u16::from_be_bytes([*bytes.get(3)?, *bytes.get(4)?]) as usize;
        let t = *bytes.first()?;
        bytes = bytes.get(n..)?;
        Some(t)
    })
}

/// A ClientHello whose `legacy_version` is below TLS 1.2 comes from a client
/// that supports nothing we do (TLS 1.3 clients say TLS 1.2 there): refused
/// with `protocol_version`, as RFC 5246 E.1 and RFC 8446 4.2.1 require
/// (rustls would answer `handshake_failure` for lack of common signature
/// algorithms first).
fn check_client_version(first: &[u8]) -> SecResult<()> {
    // record header (5), handshake type and length (4), legacy_version (2)
    if first.get(HEADER_LEN) != Some(&1) || first[0] != CT_HANDSHAKE {
        return Ok(());
    }
    match first.get(HEADER_LEN + 4..HEADER_LEN + 6) {
        Some(&[3, minor]) if minor < 3 => {
            Err(SecError::new(SEC_E_ALGORITHM_MISMATCH, "the client supports only TLS 1.1 or older")
                .with_alert(records::alert::PROTOCOL_VERSION))
        }
        _ => Ok(()),
    }
}

/// Wipes the record keys kept for the extraction, on every way out of `finish`.
struct Forget<'a>(&'a super::config::Hooks);

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        crate::handles::lock(&self.0.derived).forget();
    }
}

/// The last whole record of `bytes`, if `bytes` is a sequence of records.
fn last_alert_record(bytes: &[u8]) -> Option<&[u8]> {
    let mut rest = bytes;
    let mut last = None;
    while rest.len() >= HEADER_LEN {
        let n = HEADER_LEN + u16::from_be_bytes([rest[3], rest[4]]) as usize;
        let rec = rest.get(..n)?;
        last = Some(rec);
        rest = &rest[n..];
    }
    last
}

/// The certificate authorities of the first whole TLS 1.2 CertificateRequest
/// in `hs` (the server's plaintext handshake messages), if one is there:
/// certificate_types<1..2^8-1>, supported_signature_algorithms<2..2^16-2>,
/// certificate_authorities<0..2^16-1> of DistinguishedName<1..2^16-1>
/// (RFC 5246 section 7.4.4). A malformed one is left to rustls to refuse.
fn certificate_request_issuers(hs: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut rest = hs;
    while rest.len() >= 4 {
        let len = u32::from_be_bytes([0, rest[1], rest[2], rest[3]]) as usize;
        let body = rest.get(4..4 + len)?;
        if rest[0] == 13 {
            let mut issuers = Vec::new();
            let types = *body.first()? as usize;
            let b = body.get(1 + types..)?;
            let algs = u16::from_be_bytes([*b.first()?, *b.get(1)?]) as usize;
            let b = b.get(2 + algs..)?;
            let cas = u16::from_be_bytes([*b.first()?, *b.get(1)?]) as usize;
            let mut b = b.get(2..2 + cas)?;
            while b.len() >= 2 {
                let n = u16::from_be_bytes([b[0], b[1]]) as usize;
                issuers.push(b.get(2..2 + n)?.to_vec());
                b = &b[2 + n..];
            }
            return Some(issuers);
        }
        rest = &rest[4 + len..];
    }
    None
}

/// The first EMPTY input buffer after the token (or any EMPTY one).
pub(super) fn spare(desc: &BufferDesc<'_>, token_idx: Option<usize>) -> Option<usize> {
    token_idx
        .and_then(|t| desc.find_after(SECBUFFER_EMPTY, t))
        .or_else(|| desc.find(SECBUFFER_EMPTY))
        .or_else(|| desc.find(SECBUFFER_EXTRA))
        .or_else(|| desc.find(SECBUFFER_MISSING))
}

fn mark_missing(input: Option<&mut BufferDesc<'_>>, token_idx: Option<usize>, n: usize) {
    if let Some(d) = input {
        if let Some(i) = spare(d, token_idx) {
            d.set_count(i, SECBUFFER_MISSING, n);
        }
    }
}

fn mark_extra(input: Option<&mut BufferDesc<'_>>, token_idx: Option<usize>, n: usize) {
    let Some(d) = input else { return };
    let Some(i) = spare(d, token_idx) else { return };
    if n == 0 {
        d.set_count(i, SECBUFFER_EMPTY, 0);
        return;
    }
    // Point at the unprocessed tail of the token, as well as counting it.
    match token_idx.and_then(|t| d.original(t).tail(d.original(t).len() - n)) {
        Some(r) => d.set(i, SECBUFFER_EXTRA, r),
        None => d.set_count(i, SECBUFFER_EXTRA, n),
    }
}

fn clear_output(output: Option<&mut BufferDesc<'_>>, allocate: bool) {
    if let Some(out) = output {
        if let Some(i) = out.token_slot() {
            out.clear_output(i, allocate);
        }
    }
}

/// Moves `pending` into the caller's token buffer (TOKEN, else the first
/// EMPTY: [`BufferDesc::token_slot`]); on failure nothing moves.
pub fn flush(pending: &mut Vec<u8>, output: Option<&mut BufferDesc<'_>>, allocate: bool) -> SecResult<()> {
    let Some(out) = output else {
        return if pending.is_empty() { Ok(()) } else { Err(SecError::no_memory("output needed but pOutput is NULL")) };
    };
    let Some(i) = out.token_slot() else {
        return if pending.is_empty() {
            Ok(())
        } else {
            Err(SecError::no_memory("output needed but there is no SECBUFFER_TOKEN or SECBUFFER_EMPTY buffer"))
        };
    };
    if pending.is_empty() {
        out.clear_output(i, allocate);
        return Ok(());
    }
    out.write_token(i, pending, allocate)?;
    pending.clear();
    Ok(())
}
