//! An established TLS connection: `EncryptMessage`, `DecryptMessage`, the
//! post-handshake protocol (tickets, key updates, alerts, refused
//! renegotiation) and the control output that `InitializeSecurityContext` /
//! `AcceptSecurityContext` hand out afterwards (close_notify, alerts, key
//! update replies).
//!
//! Sending and receiving have separate locks, so one thread can encrypt while
//! another decrypts on the same context.

use std::cell::RefCell;
use std::sync::Mutex;

use super::handshake::{Kernel, Negotiated};
use super::records::{self, alert, Frame, Protection, CT_ALERT, CT_APPLICATION_DATA, CT_HANDSHAKE, HEADER_LEN};
use super::suites::SuiteInfo;
use crate::abi::*;
use crate::buffers::{BufferDesc, Region};
use crate::error::{SecError, SecResult};
use crate::handles::lock;
use crate::packages::{DecryptResult, Side};

/// Warning alerts in a row after which the peer is considered hostile.
const MAX_WARNINGS: u32 = 32;
/// Longest post-handshake message we reassemble.
const MAX_POST_HANDSHAKE: usize = 1 << 16;

struct Tx {
    prot: Protection,
    /// close_notify or a fatal alert was sent: no more data.
    closed: bool,
}

struct Rx {
    prot: Protection,
    /// Post-handshake handshake bytes awaiting a whole message (decrypted:
    /// wiped when dropped).
    hs: zeroize::Zeroizing<Vec<u8>>,
    warnings: u32,
    peer_closed: bool,
}

/// What the next ISC/ASC call on this context must emit.
#[derive(Default)]
struct Control {
    /// Sealed records not yet handed out (kept across a too-small buffer).
    ready: Vec<u8>,
    owe_key_update: bool,
    owe_no_renegotiation: u32,
    /// An alert requested by `ApplyControlToken` (level, description).
    alert: Option<(u8, u8)>,
    shutdown: bool,
}

/// The established state of a Schannel context.
pub struct Established {
    pub side: Side,
    pub negotiated: Negotiated,
    pub suite: SuiteInfo,
    header_len: usize,
    trailer_len: usize,
    tx: Mutex<Tx>,
    rx: Mutex<Rx>,
    kernel: Mutex<Kernel>,
    control: Mutex<Control>,
    /// Set once a fatal error happened: every later call fails with it.
    dead: Mutex<Option<SecError>>,
    /// Whether NewSessionTickets go to the session cache.
    pub store_tickets: std::sync::atomic::AtomicBool,
}

thread_local! {
    /// Scratch for encrypting into non-contiguous caller buffers.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn region_of(region: Region, start: usize, end: usize) -> Region {
    region.sub(start, end - start).unwrap_or(Region::EMPTY)
}

impl Established {
    pub fn new(
        side: Side,
        negotiated: Negotiated,
        secrets: &rustls::ExtractedSecrets,
        kernel: Kernel,
    ) -> SecResult<Self> {
        let tls13 = negotiated.version == rustls::ProtocolVersion::TLSv1_3;
        let tx = Protection::new(&secrets.tx.1, secrets.tx.0, tls13)?;
        let rx = Protection::new(&secrets.rx.1, secrets.rx.0, tls13)?;
        Ok(Self {
            side,
            suite: SuiteInfo::of(negotiated.suite),
            header_len: tx.header_len(),
            trailer_len: tx.trailer_len(),
            negotiated,
            tx: Mutex::new(Tx { prot: tx, closed: false }),
            rx: Mutex::new(Rx { prot: rx, hs: Default::default(), warnings: 0, peer_closed: false }),
            kernel: Mutex::new(kernel),
            control: Mutex::new(Control::default()),
            dead: Mutex::new(None),
            store_tickets: std::sync::atomic::AtomicBool::new(true),
        })
    }

    pub fn tls13(&self) -> bool {
        self.negotiated.version == rustls::ProtocolVersion::TLSv1_3
    }

    /// `SecPkgContext_StreamSizes`.
    pub fn stream_sizes(&self) -> SecPkgContext_StreamSizes {
        SecPkgContext_StreamSizes {
            cbHeader: self.header_len as u32,
            cbTrailer: self.trailer_len as u32,
            cbMaximumMessage: records::MAX_PLAINTEXT as u32,
            cBuffers: 4,
            cbBlockSize: if self.suite.cipher_alg() == 0 { 1 } else { 16 },
        }
    }

    fn check_alive(&self) -> SecResult<()> {
        match &*lock(&self.dead) {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Records a fatal error and queues its alert for the next ISC/ASC call.
    fn die(&self, e: SecError) -> SecError {
        let mut dead = lock(&self.dead);
        if dead.is_none() {
            *dead = Some(e.clone());
            if let Some(a) = e.alert {
                lock(&self.control).alert.get_or_insert((2, a));
            }
        }
        e
    }

    /// `EncryptMessage` in stream mode: STREAM_HEADER, DATA, STREAM_TRAILER.
    /// With `SECQOP_WRAP_OOB_DATA`, DATA is a two-byte alert (level, description)
    /// sent as an alert record, as Schannel documents.
    pub fn encrypt(&self, msg: &mut BufferDesc<'_>, qop: ULONG) -> SecResult<SECURITY_STATUS> {
        self.check_alive()?;
        let (h, d, t) =
            match (msg.find(SECBUFFER_STREAM_HEADER), msg.find(SECBUFFER_DATA), msg.find(SECBUFFER_STREAM_TRAILER)) {
                (Some(h), Some(d), Some(t)) => (h, d, t),
                _ => {
                    return Err(SecError::invalid_token(
                        "EncryptMessage needs STREAM_HEADER, DATA and STREAM_TRAILER buffers",
                    ))
                }
            };
        let n = msg.buffer_len(d);
        let alert = qop & SECQOP_WRAP_OOB_DATA != 0;
        if alert && n != 2 {
            return Err(SecError::invalid_token("SECQOP_WRAP_OOB_DATA needs a two-byte alert in DATA"));
        }
        if n > records::MAX_PLAINTEXT {
            return Err(SecError::new(SEC_E_ENCRYPT_FAILURE, "DATA larger than cbMaximumMessage"));
        }
        let (hl, tl) = (self.header_len, self.trailer_len);
        if msg.buffer_len(h) < hl || msg.buffer_len(t) < tl {
            return Err(SecError::new(
                SEC_E_BUFFER_TOO_SMALL,
                "STREAM_HEADER or STREAM_TRAILER smaller than StreamSizes says",
            ));
        }
        // `die` takes other locks: it runs only after `tx` is released.
        let typ = if alert { CT_ALERT } else { CT_APPLICATION_DATA };
        let closing = alert && {
            let a = msg.bytes(d)?;
            a[0] == 2 || a[1] == alert::CLOSE_NOTIFY
        };
        let sealed = self.seal_message(msg, typ, closing, h, d, t, n);
        // Only a failure of the AEAD itself ends the connection; a bad buffer does not.
        sealed.map_err(|e| if e.status == SEC_E_ENCRYPT_FAILURE { self.die(e) } else { e })?;
        msg.set_len(h, hl);
        msg.set_len(t, tl);
        Ok(SEC_E_OK)
    }

    /// Seals DATA in place into STREAM_HEADER / STREAM_TRAILER.
    #[allow(clippy::too_many_arguments)]
    fn seal_message(
        &self,
        msg: &mut BufferDesc<'_>,
        typ: u8,
        closing: bool,
        h: usize,
        d: usize,
        t: usize,
        n: usize,
    ) -> SecResult<()> {
        let (hl, tl) = (self.header_len, self.trailer_len);
        let mut tx = lock(&self.tx);
        if tx.closed {
            return Err(SecError::new(SEC_E_CONTEXT_EXPIRED, "the context was shut down"));
        }
        if msg.buffer_len(h) == hl {
            if let Some(span) = msg.contiguous_mut(&[h, d, t])? {
                // The common case: the caller's buffers are one record-shaped block.
                tx.prot.seal(typ, span, n)?;
                tx.closed |= closing;
                return Ok(());
            }
        }
        let [hdr, data, trl] = msg.split_mut([h, d, t])?;
        SCRATCH.with(|s| -> SecResult<()> {
            let mut s = s.borrow_mut();
            s.clear();
            s.resize(hl + n + tl, 0);
            s[hl..hl + n].copy_from_slice(data);
            let r = tx.prot.seal(typ, &mut s, n);
            if r.is_ok() {
                hdr[..hl].copy_from_slice(&s[..hl]);
                data.copy_from_slice(&s[hl..hl + n]);
                trl[..tl].copy_from_slice(&s[hl + n..]);
            }
            zeroize::Zeroize::zeroize(&mut s[..]);
            r.map(|_| ())
        })?;
        tx.closed |= closing;
        Ok(())
    }

    /// `DecryptMessage` in stream mode: one DATA buffer and three EMPTY ones.
    pub fn decrypt(&self, msg: &mut BufferDesc<'_>) -> SecResult<DecryptResult> {
        let ok = |status| Ok(DecryptResult { status, qop: 0 });
        self.check_alive()?;
        let d = msg.find(SECBUFFER_DATA).ok_or(SecError::invalid_token("DecryptMessage needs a DATA buffer"))?;
        let mut empties = [0usize; 3];
        let mut found = 0;
        for i in (0..msg.len()).filter(|&i| i != d && msg.buffer_type(i) == SECBUFFER_EMPTY) {
            if found < 3 {
                empties[found] = i;
                found += 1;
            }
        }
        if found < 3 {
            return Err(SecError::invalid_token("DecryptMessage needs three EMPTY buffers besides DATA"));
        }
        let region = msg.original(d);
        let mut rx = lock(&self.rx);
        if rx.peer_closed {
            return ok(SEC_I_CONTEXT_EXPIRED);
        }
        let max = records::max_ciphertext(self.tls13());
        let buf = msg.bytes_mut(d)?;
        let mut offset = 0;
        // (status, plaintext range, end of the record consumed)
        let (status, plain, end) = loop {
            let frame = match records::frame(&buf[offset..], max) {
                Ok(f) => f,
                Err(e) => return Err(self.die(e)),
            };
            let len = match frame {
                Frame::Incomplete(missing) => {
                    if offset == 0 {
                        drop(rx);
                        // The DATA buffer itself says how much is missing,
                        // as on Windows (Wine's Windows-verified schannel
                        // test: buffer 0 becomes SECBUFFER_MISSING, 5 bytes
                        // for a record short of its header's length).
                        msg.set_count(d, SECBUFFER_MISSING, missing);
                        return Err(SecError::new(SEC_E_INCOMPLETE_MESSAGE, "partial record"));
                    }
                    // Control records were consumed; the rest is for later.
                    break (SEC_E_OK, offset..offset, offset);
                }
                Frame::Complete { len, .. } => len,
            };
            let end = offset + HEADER_LEN + len;
            let (typ, range) = match rx.prot.open(&mut buf[offset..end]) {
                Ok(r) => r,
                Err(e) => return Err(self.die(e)),
            };
            let plain = offset + range.start..offset + range.end;
            match typ {
                CT_APPLICATION_DATA => {
                    rx.warnings = 0;
                    break (SEC_E_OK, plain, end);
                }
                CT_HANDSHAKE => {
                    rx.warnings = 0;
                    let owe = match self.post_handshake(&mut rx, &buf[plain.clone()]) {
                        Ok(owe) => owe,
                        Err(e) => return Err(self.die(e)),
                    };
                    if owe {
                        break (SEC_I_RENEGOTIATE, end..end, end);
                    }
                }
                CT_ALERT => {
                    let p = &buf[plain.clone()];
                    if p.len() != 2 {
                        return Err(self.die(
                            SecError::new(SEC_E_ILLEGAL_MESSAGE, "malformed alert").with_alert(alert::DECODE_ERROR),
                        ));
                    }
                    let (level, desc) = (p[0], p[1]);
                    if desc == alert::CLOSE_NOTIFY {
                        rx.peer_closed = true;
                        break (SEC_I_CONTEXT_EXPIRED, end..end, end);
                    }
                    let warning = level == 1 && (!self.tls13() || desc == alert::USER_CANCELED);
                    if !warning {
                        let (status, detail) = super::errors::alert_status(rustls::AlertDescription::from(desc));
                        // The peer ended the connection: nothing to send back.
                        *lock(&self.dead) = Some(SecError::new(status, detail));
                        return Err(SecError::new(status, detail));
                    }
                    rx.warnings += 1;
                    if rx.warnings > MAX_WARNINGS {
                        return Err(self.die(
                            SecError::new(SEC_E_ILLEGAL_MESSAGE, "too many warning alerts")
                                .with_alert(alert::UNEXPECTED_MESSAGE),
                        ));
                    }
                }
                _ => {
                    return Err(self.die(
                        SecError::new(SEC_E_ILLEGAL_MESSAGE, "unexpected record type after the handshake")
                            .with_alert(alert::UNEXPECTED_MESSAGE),
                    ))
                }
            }
            offset = end;
        };
        drop(rx);
        let total = region.len();
        msg.set(d, SECBUFFER_STREAM_HEADER, region_of(region, 0, plain.start));
        msg.set(empties[0], SECBUFFER_DATA, region_of(region, plain.start, plain.end));
        msg.set(empties[1], SECBUFFER_STREAM_TRAILER, region_of(region, plain.end, end));
        if end < total {
            msg.set(empties[2], SECBUFFER_EXTRA, region_of(region, end, total));
        }
        ok(status)
    }

    /// Handles post-handshake handshake messages; true when the caller must
    /// now call ISC/ASC to send something (`SEC_I_RENEGOTIATE`).
    fn post_handshake(&self, rx: &mut Rx, payload: &[u8]) -> SecResult<bool> {
        let unexpected =
            |d: &'static str| SecError::new(SEC_E_ILLEGAL_MESSAGE, d).with_alert(alert::UNEXPECTED_MESSAGE);
        if payload.is_empty() {
            return Err(unexpected("empty handshake record"));
        }
        if rx.hs.len() + payload.len() > MAX_POST_HANDSHAKE {
            return Err(unexpected("post-handshake message too long"));
        }
        rx.hs.extend_from_slice(payload);
        let mut owe = false;
        loop {
            if rx.hs.len() < 4 {
                break;
            }
            let len = u32::from_be_bytes([0, rx.hs[1], rx.hs[2], rx.hs[3]]) as usize;
            if rx.hs.len() < 4 + len {
                if 4 + len > MAX_POST_HANDSHAKE {
                    return Err(unexpected("post-handshake message too long"));
                }
                break;
            }
            let typ = rx.hs[0];
            let body: Vec<u8> = rx.hs[4..4 + len].to_vec();
            rx.hs.drain(..4 + len);
            match (typ, self.tls13(), self.side) {
                // NewSessionTicket (TLS 1.3, to a client).
                (4, true, Side::Client) => {
                    if self.store_tickets.load(std::sync::atomic::Ordering::Relaxed) {
                        if let Kernel::Client(k) = &mut *lock(&self.kernel) {
                            k.handle_new_session_ticket(&body)
                                .map_err(|e| super::errors::from_rustls(&e).with_alert(alert::DECODE_ERROR))?;
                        }
                    }
                }
                // KeyUpdate (TLS 1.3).
                (24, true, _) => {
                    if body.len() != 1 || body[0] > 1 {
                        return Err(SecError::new(SEC_E_ILLEGAL_MESSAGE, "malformed KeyUpdate")
                            .with_alert(alert::ILLEGAL_PARAMETER));
                    }
                    if !rx.hs.is_empty() {
                        return Err(unexpected("KeyUpdate not at the end of its record"));
                    }
                    let (seq, secrets) = match &mut *lock(&self.kernel) {
                        Kernel::Client(k) => k.update_rx_secret(),
                        Kernel::Server(k) => k.update_rx_secret(),
                    }
                    .map_err(|e| super::errors::from_rustls(&e))?;
                    rx.prot = Protection::new(&secrets, seq, true)?;
                    if body[0] == 1 {
                        lock(&self.control).owe_key_update = true;
                        owe = true;
                    }
                }
                // HelloRequest to a TLS 1.2 client, ClientHello to a TLS 1.2 server: renegotiation.
                (0, false, Side::Client) | (1, false, Side::Server) => {
                    lock(&self.control).owe_no_renegotiation += 1;
                    owe = true;
                }
                _ => return Err(unexpected("unexpected post-handshake message")),
            }
        }
        Ok(owe)
    }

    /// `ApplyControlToken(SCHANNEL_SHUTDOWN)`.
    pub fn shutdown(&self) {
        lock(&self.control).shutdown = true;
    }

    /// `ApplyControlToken(SCHANNEL_ALERT)`.
    pub fn queue_alert(&self, level: u8, description: u8) {
        lock(&self.control).alert = Some((level, description));
    }

    fn seal_into(out: &mut Vec<u8>, prot: &mut Protection, typ: u8, payload: &[u8]) -> SecResult<()> {
        let start = out.len();
        let (h, t) = (prot.header_len(), prot.trailer_len());
        out.resize(start + h + payload.len() + t, 0);
        out[start + h..start + h + payload.len()].copy_from_slice(payload);
        prot.seal(typ, &mut out[start..], payload.len())?;
        Ok(())
    }

    /// The ISC/ASC call on an established context: emits what is owed
    /// (renegotiation refusals, a key update, an alert, close_notify).
    /// Returns the bytes for the output token.
    pub fn control_output(&self) -> SecResult<Vec<u8>> {
        let mut c = lock(&self.control);
        let owes = c.owe_key_update || c.owe_no_renegotiation > 0 || c.alert.is_some() || c.shutdown;
        if owes {
            let mut tx = lock(&self.tx);
            let mut ready = core::mem::take(&mut c.ready);
            for _ in 0..c.owe_no_renegotiation {
                if !tx.closed {
                    Self::seal_into(&mut ready, &mut tx.prot, CT_ALERT, &[1, alert::NO_RENEGOTIATION])?;
                }
            }
            c.owe_no_renegotiation = 0;
            if c.owe_key_update && !tx.closed {
                // KeyUpdate(update_not_requested) under the old key, then switch.
                Self::seal_into(&mut ready, &mut tx.prot, CT_HANDSHAKE, &[24, 0, 0, 1, 0])?;
                let (seq, secrets) = match &mut *lock(&self.kernel) {
                    Kernel::Client(k) => k.update_tx_secret(),
                    Kernel::Server(k) => k.update_tx_secret(),
                }
                .map_err(|e| super::errors::from_rustls(&e))?;
                tx.prot = Protection::new(&secrets, seq, true)?;
            }
            c.owe_key_update = false;
            let alert = c.alert.take().or(if c.shutdown { Some((1, alert::CLOSE_NOTIFY)) } else { None });
            if let Some((level, desc)) = alert {
                if !tx.closed {
                    Self::seal_into(&mut ready, &mut tx.prot, CT_ALERT, &[level, desc])?;
                    if desc == alert::CLOSE_NOTIFY || level == 2 {
                        tx.closed = true;
                    }
                }
            }
            c.shutdown = false;
            c.ready = ready;
        }
        Ok(core::mem::take(&mut c.ready))
    }

    /// Puts back control output that did not fit the caller's buffer.
    pub fn unread_control(&self, bytes: Vec<u8>) {
        let mut c = lock(&self.control);
        let mut b = bytes;
        b.extend_from_slice(&c.ready);
        c.ready = b;
    }
}
