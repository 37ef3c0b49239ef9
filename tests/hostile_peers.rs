//! Hostile TLS peers on loopback against the SSPI server and the SSPI client.
//!
//! The SSPI side is an application written the way the README's loops are:
//! real TCP sockets, `AcceptSecurityContext` / `InitializeSecurityContextW`
//! with `*_REQ_EXTENDED_ERROR` (an error's token carries the alert, which it
//! sends), then `DecryptMessage` / `EncryptMessage` (the server echoes), and
//! on failure one more ISC/ASC call that hands out the alert due. The peer is
//! `ffi-tests/hostile/peer.py` (tlslite-ng, or raw bytes), which misbehaves
//! in one way per case and reports the alerts it received.
//!
//! Each case asserts the exact status our side reports, the alert the peer
//! received, that nothing hangs (every socket wait has a time-out), and that
//! no handle, `FreeContextBuffer` block or certificate object is left behind.
//!
//! Not part of `cargo test` (it needs Python and tlslite-ng): `make
//! test-hostile` runs it (`cargo test --test hostile_peers`).

mod common;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::*;
use secur32::abi::*;
use secur32::entry::attributes::QueryContextAttributesW;
use secur32::entry::contexts::{
    AcceptSecurityContext, ApplyControlToken, DeleteSecurityContext, InitializeSecurityContextW,
};
use secur32::entry::messages::{DecryptMessage, EncryptMessage};
use secur32::entry::packages::FreeContextBuffer;
use secur32::entry::{CONTEXTS, CREDENTIALS};

/// One case at a time: the leak checks read process-wide counters.
static SERIAL: Mutex<()> = Mutex::new(());

/// How long our application waits for the peer before it gives up.
const PATIENCE: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------
// The peer process

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> String {
    if let Ok(p) = std::env::var("PYTHON") {
        return p;
    }
    let venv = repo().join(".venv/bin/python3");
    if venv.exists() {
        return venv.to_string_lossy().into_owned();
    }
    "python3".into()
}

fn check_tlslite() {
    static CHECKED: OnceLock<()> = OnceLock::new();
    CHECKED.get_or_init(|| {
        let ok = Command::new(python()).args(["-c", "import tlslite"]).status().map(|s| s.success()).unwrap_or(false);
        assert!(ok, "{} cannot import tlslite: run .ci/install-deps (pip install tlslite-ng)", python());
    });
}

/// PEM files of the RSA test server identity, for the peer's server cases.
fn server_pem() -> &'static (PathBuf, PathBuf) {
    static FILES: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    FILES.get_or_init(|| {
        let p = pki();
        let pem = |label: &str, der: &[u8]| {
            let mut s = format!("-----BEGIN {label}-----\n");
            for line in base64(der).as_bytes().chunks(64) {
                s.push_str(std::str::from_utf8(line).unwrap());
                s.push('\n');
            }
            s + &format!("-----END {label}-----\n")
        };
        let (c, k) = (p.dir.join("hostile-server.pem"), p.dir.join("hostile-server.key"));
        std::fs::write(&c, pem("CERTIFICATE", &p.server.cert_der)).unwrap();
        std::fs::write(&k, pem("PRIVATE KEY", &p.server.key_der)).unwrap();
        (c, k)
    })
}

fn base64(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            s.push(if i <= c.len() { T[(n >> (18 - 6 * i)) as usize & 63] as char } else { '=' });
        }
    }
    s
}

/// What the peer reported.
#[derive(Debug, Default)]
struct PeerReport {
    handshake: String,
    alerts: Vec<(u8, u8)>,
    echo: String,
    closed: bool,
    notes: Vec<String>,
}

fn parse_report(line: &str) -> PeerReport {
    // A small reader for the peer's one JSON line (flat; strings and arrays).
    let field = |name: &str| -> &str {
        let key = format!("\"{name}\": ");
        let start = line.find(&key).unwrap_or_else(|| panic!("no {name} in {line}")) + key.len();
        &line[start..]
    };
    let string = |name: &str| -> String {
        let v = field(name);
        let v = &v[1..];
        let mut out = String::new();
        let mut chars = v.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => out.push(chars.next().unwrap_or('\\')),
                c => out.push(c),
            }
        }
        out
    };
    let alerts_text = field("alerts");
    let alerts_text = &alerts_text[..alerts_text.find("]]").map_or(2, |i| i + 2).min(alerts_text.len())];
    let nums: Vec<u8> = alerts_text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let alerts =
        if alerts_text.starts_with("[]") { Vec::new() } else { nums.chunks(2).map(|p| (p[0], p[1])).collect() };
    let notes_text = field("notes");
    PeerReport {
        handshake: string("handshake"),
        alerts,
        echo: string("echo"),
        closed: field("closed").starts_with("true"),
        notes: vec![notes_text[..notes_text.find(']').unwrap_or(0) + 1].to_string()],
    }
}

struct Peer {
    child: Child,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Peer {
    fn spawn(case: &str, port: u16) -> Peer {
        check_tlslite();
        let script = repo().join("ffi-tests/hostile/peer.py");
        let mut cmd = Command::new(python());
        cmd.arg(script).arg(case).arg(port.to_string());
        if port == 0 {
            let (c, k) = server_pem();
            cmd.arg(c).arg(k);
        }
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("start peer.py");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Peer { child, stdout }
    }

    /// A server case prints its port first.
    fn port(&mut self) -> u16 {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line.trim().strip_prefix("port ").unwrap_or_else(|| panic!("peer said {line:?}")).parse().unwrap()
    }

    /// Waits (bounded) for the peer to finish and returns its report.
    fn report(mut self) -> PeerReport {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.child.try_wait().unwrap() {
                Some(_) => break,
                None if Instant::now() > deadline => {
                    let _ = self.child.kill();
                    panic!("the peer did not finish in 30 s");
                }
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        let mut out = String::new();
        self.stdout.read_to_string(&mut out).unwrap();
        let line = out.lines().rev().find(|l| l.starts_with('{')).unwrap_or_else(|| panic!("no report: {out:?}"));
        parse_report(line)
    }
}

// ---------------------------------------------------------------------------
// The SSPI application

/// What our side saw.
#[derive(Debug, Default)]
struct Outcome {
    /// Every status ISC/ASC and DecryptMessage returned, in order.
    statuses: Vec<i32>,
    /// The handshake's final status (SEC_E_OK or the error); None if it never ended.
    handshake: Option<i32>,
    /// A DecryptMessage error, if one ended the connection.
    decrypt_error: Option<i32>,
    /// Plaintext received.
    received: Vec<u8>,
    /// The peer closed with close_notify and we answered with ours.
    graceful: bool,
    /// The TCP stream ended (without close_notify).
    eof: bool,
    /// We gave up waiting.
    timed_out: bool,
    /// A context existed at some point.
    had_context: bool,
}

struct App {
    server: bool,
    stream: TcpStream,
    cred: CredHandle,
    ctx: Option<CtxtHandle>,
    target: Vec<u16>,
    inbox: Vec<u8>,
    out: Outcome,
}

enum Read1 {
    Data,
    Eof,
    Timeout,
}

impl App {
    fn new(server: bool, stream: TcpStream, cred: CredHandle) -> App {
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.set_write_timeout(Some(PATIENCE)).unwrap();
        App { server, stream, cred, ctx: None, target: wide("localhost"), inbox: Vec::new(), out: Outcome::default() }
    }

    fn read_more(&mut self) -> Read1 {
        let mut buf = [0u8; 32768];
        match self.stream.read(&mut buf) {
            Ok(0) => Read1::Eof,
            Ok(n) => {
                self.inbox.extend_from_slice(&buf[..n]);
                Read1::Data
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Read1::Timeout,
            Err(_) => Read1::Eof,
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        // The peer may be gone already; what it missed is its problem.
        let _ = self.stream.write_all(bytes);
    }

    /// One ISC/ASC call with the inbox; sends the output token (on failure
    /// too: with EXTENDED_ERROR it carries the alert). Returns the status.
    fn step(&mut self) -> i32 {
        let mut token = self.inbox.clone();
        let mut inbufs = [
            SecBuffer {
                cbBuffer: token.len() as u32,
                BufferType: SECBUFFER_TOKEN,
                pvBuffer: token.as_mut_ptr().cast(),
            },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
        ];
        let mut indesc = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: inbufs.as_mut_ptr() };
        let mut outbufs = [SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_TOKEN, pvBuffer: core::ptr::null_mut() }];
        let mut outdesc = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: outbufs.as_mut_ptr() };
        let mut new_ctx = CtxtHandle::default();
        let (mut attrs, mut expiry) = (0u32, TimeStamp::default());
        let mut ctx = self.ctx;
        let ctx_ptr = ctx.as_mut().map_or(core::ptr::null_mut(), |c| c as *mut CtxtHandle);
        let st = unsafe {
            if self.server {
                let flags = ASC_REQ_SEQUENCE_DETECT
                    | ASC_REQ_REPLAY_DETECT
                    | ASC_REQ_CONFIDENTIALITY
                    | ASC_REQ_STREAM
                    | ASC_REQ_ALLOCATE_MEMORY
                    | ASC_REQ_EXTENDED_ERROR;
                AcceptSecurityContext(
                    &mut self.cred,
                    ctx_ptr,
                    &mut indesc,
                    flags,
                    0,
                    &mut new_ctx,
                    &mut outdesc,
                    &mut attrs,
                    &mut expiry,
                )
            } else {
                let flags = ISC_REQ_SEQUENCE_DETECT
                    | ISC_REQ_REPLAY_DETECT
                    | ISC_REQ_CONFIDENTIALITY
                    | ISC_REQ_STREAM
                    | ISC_REQ_ALLOCATE_MEMORY
                    | ISC_REQ_EXTENDED_ERROR;
                let input = if self.ctx.is_none() { core::ptr::null_mut() } else { &mut indesc as *mut _ };
                InitializeSecurityContextW(
                    &mut self.cred,
                    ctx_ptr,
                    self.target.as_mut_ptr(),
                    flags,
                    0,
                    0,
                    input,
                    0,
                    &mut new_ctx,
                    &mut outdesc,
                    &mut attrs,
                    &mut expiry,
                )
            }
        };
        self.out.statuses.push(st);
        if self.ctx.is_none() && matches!(st, SEC_E_OK | SEC_I_CONTINUE_NEEDED | SEC_I_INCOMPLETE_CREDENTIALS) {
            self.ctx = Some(new_ctx);
            self.out.had_context = true;
        }
        if !outbufs[0].pvBuffer.is_null() {
            let bytes =
                unsafe { core::slice::from_raw_parts(outbufs[0].pvBuffer as *const u8, outbufs[0].cbBuffer as usize) }
                    .to_vec();
            assert_eq!(unsafe { FreeContextBuffer(outbufs[0].pvBuffer) }, SEC_E_OK);
            self.send(&bytes);
        }
        if matches!(st, SEC_E_OK | SEC_I_CONTINUE_NEEDED | SEC_I_INCOMPLETE_CREDENTIALS) {
            let extra = inbufs.iter().find(|b| b.BufferType == SECBUFFER_EXTRA).map_or(0, |b| b.cbBuffer as usize);
            let n = self.inbox.len();
            self.inbox.drain(..n - extra);
        }
        st
    }

    /// The token loop. Ends with the handshake done, failed, or abandoned.
    fn handshake(&mut self) -> bool {
        let mut need_input = self.server;
        loop {
            if need_input {
                match self.read_more() {
                    Read1::Data => {}
                    Read1::Eof => {
                        self.out.eof = true;
                        return false;
                    }
                    Read1::Timeout => {
                        self.out.timed_out = true;
                        return false;
                    }
                }
            }
            match self.step() {
                SEC_E_OK => {
                    self.out.handshake = Some(SEC_E_OK);
                    return true;
                }
                SEC_I_CONTINUE_NEEDED => need_input = self.inbox.is_empty(),
                SEC_E_INCOMPLETE_MESSAGE => need_input = true,
                SEC_I_INCOMPLETE_CREDENTIALS => need_input = false,
                e => {
                    self.out.handshake = Some(e);
                    return false;
                }
            }
        }
    }

    fn encrypt(&mut self, data: &[u8]) -> i32 {
        let mut ctx = self.ctx.unwrap();
        let sz = stream_sizes(&mut ctx);
        match try_encrypt(&mut ctx, &sz, data) {
            Ok(record) => {
                self.send(&record);
                SEC_E_OK
            }
            Err(st) => st,
        }
    }

    /// SCHANNEL_SHUTDOWN, then the ISC/ASC call that returns close_notify (sent).
    fn shutdown(&mut self) {
        let Some(mut ctx) = self.ctx else { return };
        let mut kind = SCHANNEL_SHUTDOWN.to_ne_bytes();
        let mut b = [SecBuffer { cbBuffer: 4, BufferType: SECBUFFER_TOKEN, pvBuffer: kind.as_mut_ptr().cast() }];
        let mut d = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: b.as_mut_ptr() };
        assert_eq!(unsafe { ApplyControlToken(&mut ctx, &mut d) }, SEC_E_OK);
        self.inbox.clear();
        let st = self.step();
        assert_eq!(st, SEC_E_OK, "the shutdown call");
    }

    /// Decrypts until the peer closes, fails or goes quiet. The server echoes.
    fn data(&mut self, stop_after: Option<usize>) {
        let mut ctx = self.ctx.unwrap();
        let mut need_input = self.inbox.is_empty();
        loop {
            if stop_after.is_some_and(|n| self.out.received.len() >= n) {
                return;
            }
            if need_input {
                match self.read_more() {
                    Read1::Data => {}
                    Read1::Eof => {
                        self.out.eof = true;
                        return;
                    }
                    Read1::Timeout => {
                        self.out.timed_out = true;
                        return;
                    }
                }
            }
            let mut data = self.inbox.clone();
            let len = data.len();
            let mut bufs = [
                SecBuffer { cbBuffer: len as u32, BufferType: SECBUFFER_DATA, pvBuffer: data.as_mut_ptr().cast() },
                SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
                SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
                SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
            ];
            let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
            let st = unsafe { DecryptMessage(&mut ctx, &mut desc, 0, core::ptr::null_mut()) };
            self.out.statuses.push(st);
            let extra = bufs.iter().find(|b| b.BufferType == SECBUFFER_EXTRA).map_or(0, |b| b.cbBuffer as usize);
            match st {
                SEC_E_OK | SEC_I_RENEGOTIATE | SEC_I_CONTEXT_EXPIRED => {
                    let plain: Vec<u8> = bufs
                        .iter()
                        .filter(|b| b.BufferType == SECBUFFER_DATA && b.cbBuffer > 0)
                        .flat_map(|b| unsafe {
                            core::slice::from_raw_parts(b.pvBuffer as *const u8, b.cbBuffer as usize).to_vec()
                        })
                        .collect();
                    self.inbox.drain(..len - extra);
                    need_input = self.inbox.is_empty();
                    self.out.received.extend_from_slice(&plain);
                    if self.server && !plain.is_empty() {
                        assert_eq!(self.encrypt(&plain), SEC_E_OK, "echo");
                    }
                    if st == SEC_I_RENEGOTIATE {
                        // What is owed (a refusal, a key update) goes out now.
                        let saved = core::mem::take(&mut self.inbox);
                        assert_eq!(self.step(), SEC_E_OK, "ISC/ASC after SEC_I_RENEGOTIATE");
                        self.inbox = saved;
                    }
                    if st == SEC_I_CONTEXT_EXPIRED {
                        self.shutdown();
                        self.out.graceful = true;
                        return;
                    }
                }
                SEC_E_INCOMPLETE_MESSAGE => need_input = true,
                e => {
                    self.out.decrypt_error = Some(e);
                    // The alert due goes out with the next ISC/ASC call.
                    self.inbox.clear();
                    let st = self.step();
                    assert_eq!(st, SEC_E_OK, "ISC/ASC after a DecryptMessage failure hands out the alert");
                    return;
                }
            }
        }
    }

    fn finish(mut self) -> Outcome {
        if let Some(mut c) = self.ctx.take() {
            assert_eq!(unsafe { DeleteSecurityContext(&mut c) }, SEC_E_OK);
        }
        // A lingering close: half-close, then drain what the peer still
        // sends until it closes. Closing with unread bytes would make the
        // kernel answer with a reset, and a peer still writing (a warning
        // flood) could lose our alert before reading it.
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
        let _ = self.stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut sink = [0u8; 4096];
        while matches!(self.stream.read(&mut sink), Ok(n) if n > 0) {}
        self.out
    }
}

// ---------------------------------------------------------------------------
// Running a case

/// The SSPI server against the peer's client case `case`.
fn against_client(case: &str, protocols: u32) -> (Outcome, PeerReport) {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    pki();
    let before = counters();
    let cred = server_credential(&pki().server, protocols, 0);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = Peer::spawn(case, port);
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let stream = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(e) => panic!("the peer never connected: {e}"),
        }
    };
    stream.set_nonblocking(false).unwrap();
    let mut app = App::new(true, stream, cred);
    if app.handshake() {
        app.data(None);
    } else if app.out.timed_out {
        app.shutdown();
    }
    let outcome = app.finish();
    free_credential(cred);
    let report = peer.report();
    assert_eq!(counters(), before, "{case}: handles, blocks or certificate objects leaked");
    eprintln!("{case}: {outcome:?}\n{case}: peer {report:?}");
    (outcome, report)
}

/// The SSPI client against the peer's server case `case`.
fn against_server(case: &str) -> (Outcome, PeerReport) {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    pki();
    server_pem();
    let before = counters();
    let cred = client_credential(0, 0);
    let mut peer = Peer::spawn(case, 0);
    let port = peer.port();
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut app = App::new(false, stream, cred);
    if app.handshake() {
        assert_eq!(app.encrypt(b"hello"), SEC_E_OK);
        app.data(Some(5));
        if app.out.received == b"hello" && !app.out.graceful {
            app.shutdown();
            app.data(None);
        }
    } else if app.out.timed_out {
        app.shutdown();
    }
    let outcome = app.finish();
    free_credential(cred);
    let report = peer.report();
    assert_eq!(counters(), before, "{case}: handles, blocks or certificate objects leaked");
    eprintln!("{case}: {outcome:?}\n{case}: peer {report:?}");
    (outcome, report)
}

const FATAL: u8 = 2;
const WARNING: u8 = 1;
const CLOSE_NOTIFY: u8 = 0;
const UNEXPECTED_MESSAGE: u8 = 10;
const RECORD_OVERFLOW: u8 = 22;
const ILLEGAL_PARAMETER: u8 = 47;
const DECODE_ERROR: u8 = 50;
const DECRYPT_ERROR: u8 = 51;
const PROTOCOL_VERSION: u8 = 70;
const NO_RENEGOTIATION: u8 = 100;

const TLS12: u32 = SP_PROT_TLS1_2_SERVER;
const ANY: u32 = 0;

// ---------------------------------------------------------------------------
// The SSPI server against hostile clients

#[test]
fn server_sanity_tls13_and_tls12() {
    for (case, protocols) in [("c-ok-tls13", ANY), ("c-ok-tls12", TLS12)] {
        let (o, p) = against_client(case, protocols);
        assert_eq!(o.handshake, Some(SEC_E_OK), "{case}");
        assert_eq!(p.handshake, "ok");
        assert_eq!(p.echo, "ping", "{case}: the data came back");
        assert!(o.graceful, "{case}: close_notify both ways");
        assert_eq!(p.alerts, vec![], "{case}");
    }
}

#[test]
fn server_malformed_records() {
    // Not a TLS record: SEC_E_INVALID_TOKEN, as Windows answers garbage
    // (Wine's Windows-verified schannel test; ffi-tests/callers/wine.c).
    let (o, p) = against_client("c-record-bad-type", ANY);
    assert_eq!(o.handshake, Some(SEC_E_INVALID_TOKEN));
    assert_eq!(p.alerts, vec![(FATAL, UNEXPECTED_MESSAGE)]);
    assert!(!o.had_context, "a first call that fails creates no context");

    let (o, p) = against_client("c-record-bad-version", ANY);
    assert_eq!(o.handshake, Some(SEC_E_ILLEGAL_MESSAGE));
    assert_eq!(p.alerts, vec![(FATAL, PROTOCOL_VERSION)]);
}

#[test]
fn server_oversized_records() {
    // Past what any TLS record may hold (2^14 + 2048): refused from the header.
    let (o, p) = against_client("c-record-oversized", ANY);
    assert_eq!(o.handshake, Some(SEC_E_ILLEGAL_MESSAGE));
    assert_eq!(p.alerts, vec![(FATAL, RECORD_OVERFLOW)]);
    // A plaintext record over 2^14 (RFC 8446 5.1).
    let (o, p) = against_client("c-plaintext-over-2^14", ANY);
    assert_eq!(o.handshake, Some(SEC_E_ILLEGAL_MESSAGE));
    assert_eq!(p.alerts, vec![(FATAL, RECORD_OVERFLOW)]);
    // After the handshake: over 2^14 + 256 (TLS 1.3) or 2^14 + 2048 (TLS 1.2).
    for (case, protocols) in [("c-oversized-after-handshake", ANY), ("c-oversized-after-handshake-tls12", TLS12)] {
        let (o, p) = against_client(case, protocols);
        assert_eq!(o.handshake, Some(SEC_E_OK));
        assert_eq!(o.decrypt_error, Some(SEC_E_ILLEGAL_MESSAGE), "{case}");
        assert_eq!(p.alerts, vec![(FATAL, RECORD_OVERFLOW)], "{case}");
    }
}

#[test]
fn server_fragmented_handshake() {
    for (case, protocols) in [("c-fragmented", ANY), ("c-fragmented-tls12", TLS12)] {
        let (o, p) = against_client(case, protocols);
        assert_eq!(o.handshake, Some(SEC_E_OK), "{case}: one-byte records are legal");
        assert_eq!(p.echo, "ping", "{case}");
        assert!(o.graceful);
    }
}

#[test]
fn server_interleaved_handshake() {
    let (o, p) = against_client("c-interleaved", ANY);
    assert_eq!(o.handshake, Some(SEC_E_ILLEGAL_MESSAGE));
    assert_eq!(p.alerts, vec![(FATAL, UNEXPECTED_MESSAGE)]);
}

#[test]
fn server_unexpected_change_cipher_spec() {
    let (o, p) = against_client("c-ccs-first", ANY);
    assert_eq!(o.handshake, Some(SEC_E_ILLEGAL_MESSAGE));
    assert_eq!(p.alerts, vec![(FATAL, UNEXPECTED_MESSAGE)]);
    for (case, protocols) in [("c-ccs-after-handshake", ANY), ("c-ccs-after-handshake-tls12", TLS12)] {
        let (o, p) = against_client(case, protocols);
        assert_eq!(o.handshake, Some(SEC_E_OK));
        assert_eq!(o.decrypt_error, Some(SEC_E_ILLEGAL_MESSAGE), "{case}");
        assert_eq!(p.alerts, vec![(FATAL, UNEXPECTED_MESSAGE)], "{case}");
    }
}

#[test]
fn server_bad_finished() {
    for (case, protocols) in [("c-bad-finished", ANY), ("c-bad-finished-tls12", TLS12)] {
        let (o, p) = against_client(case, protocols);
        assert_eq!(o.handshake, Some(SEC_E_DECRYPT_FAILURE), "{case}");
        assert_eq!(p.alerts, vec![(FATAL, DECRYPT_ERROR)], "{case}: exactly one alert");
    }
}

#[test]
fn server_truncated_close() {
    for (case, protocols) in [("c-truncated-close", ANY), ("c-truncated-close-tls12", TLS12)] {
        let (o, _p) = against_client(case, protocols);
        assert_eq!(o.received, b"first", "{case}: the whole record before the cut");
        assert_eq!(o.statuses.last(), Some(&SEC_E_INCOMPLETE_MESSAGE), "{case}: the cut record is incomplete");
        assert!(o.eof && !o.graceful, "{case}: a truncation, not a close");
    }
}

#[test]
fn server_warning_alert_flood() {
    for (case, protocols) in [("c-warning-flood", ANY), ("c-warning-flood-tls12", TLS12)] {
        let (o, p) = against_client(case, protocols);
        assert_eq!(o.decrypt_error, Some(SEC_E_ILLEGAL_MESSAGE), "{case}");
        assert_eq!(p.alerts, vec![(FATAL, UNEXPECTED_MESSAGE)], "{case}");
    }
    // A few warnings (up to 32 in a row) are nothing to die for.
    for (case, protocols) in [("c-warnings-tolerated", ANY), ("c-warnings-tolerated-tls12", TLS12)] {
        let (o, p) = against_client(case, protocols);
        assert_eq!(o.decrypt_error, None, "{case}");
        assert_eq!(p.echo, "ping", "{case}");
        assert!(o.graceful, "{case}");
    }
}

#[test]
fn server_renegotiation_attempts() {
    // TLS 1.2: refused with a no_renegotiation warning; the connection lives on
    // (the peer then closes it with close_notify).
    let (o, p) = against_client("c-renegotiate-tls12", TLS12);
    assert!(o.statuses.contains(&SEC_I_RENEGOTIATE));
    assert_eq!(p.alerts, vec![(WARNING, NO_RENEGOTIATION)]);
    assert!(o.graceful, "the peer's close_notify is answered");
    // TLS 1.3 has no renegotiation: a ClientHello after the handshake is unexpected.
    let (o, p) = against_client("c-renegotiate", ANY);
    assert_eq!(o.decrypt_error, Some(SEC_E_ILLEGAL_MESSAGE));
    assert_eq!(p.alerts, vec![(FATAL, UNEXPECTED_MESSAGE)]);
}

#[test]
fn server_version_downgrade() {
    for case in ["c-downgrade-tls10", "c-downgrade-tls11"] {
        let (o, p) = against_client(case, ANY);
        assert_eq!(o.handshake, Some(SEC_E_ALGORITHM_MISMATCH), "{case}");
        assert_eq!(p.alerts, vec![(FATAL, PROTOCOL_VERSION)], "{case}");
    }
}

#[test]
fn server_sslv2_client_hello() {
    let (o, p) = against_client("c-sslv2-hello", ANY);
    assert_eq!(o.handshake, Some(SEC_E_ILLEGAL_MESSAGE));
    assert_eq!(p.alerts, vec![(FATAL, PROTOCOL_VERSION)]);
    assert!(!o.had_context);
}

#[test]
fn server_large_client_hellos() {
    // 60 and 64 KiB ClientHellos over several records are answered.
    for case in ["c-hello-60k", "c-hello-64k"] {
        let (o, p) = against_client(case, ANY);
        assert_eq!(o.statuses.first(), Some(&SEC_I_CONTINUE_NEEDED), "{case}: {:?}", o.statuses);
        assert!(p.notes.iter().any(|n| n.contains("handshake type 2")), "{case}: a ServerHello came back");
        assert_eq!(o.handshake, None, "{case}: the peer stops there");
    }
    // A handshake message longer than any TLS message may be.
    let (o, p) = against_client("c-hello-too-large", ANY);
    assert_eq!(o.handshake, Some(SEC_E_ILLEGAL_MESSAGE));
    assert_eq!(p.alerts, vec![(FATAL, DECODE_ERROR)]);
}

#[test]
fn server_peer_that_never_answers() {
    // Nothing at all: no context is created, nothing hangs.
    let (o, p) = against_client("c-silent", ANY);
    assert!(o.timed_out && !o.had_context);
    assert!(o.statuses.is_empty(), "no call without input");
    assert_eq!(p.alerts, vec![]);
    // Three bytes of a record, then silence: incomplete, MISSING, no context.
    let (o, _) = against_client("c-stall-mid-record", ANY);
    assert_eq!(o.statuses, vec![SEC_E_INCOMPLETE_MESSAGE]);
    assert!(o.timed_out && !o.had_context);
}

// ---------------------------------------------------------------------------
// The SSPI client against hostile servers

#[test]
fn client_sanity_tls13_and_tls12() {
    for case in ["s-ok", "s-ok-tls12"] {
        let (o, p) = against_server(case);
        assert_eq!(o.handshake, Some(SEC_E_OK), "{case}");
        assert_eq!(p.echo, "hello", "{case}");
        assert_eq!(o.received, b"hello", "{case}");
        assert!(p.closed && p.alerts.is_empty(), "{case}: our close_notify ended it");
    }
}

#[test]
fn client_malformed_and_oversized_records() {
    let (o, p) = against_server("s-record-bad-type");
    assert_eq!(o.handshake, Some(SEC_E_INVALID_TOKEN));
    assert_eq!(p.alerts, vec![(FATAL, UNEXPECTED_MESSAGE)]);
    let (o, p) = against_server("s-record-oversized");
    assert_eq!(o.handshake, Some(SEC_E_ILLEGAL_MESSAGE));
    assert_eq!(p.alerts, vec![(FATAL, RECORD_OVERFLOW)]);
    let (o, p) = against_server("s-handshake-too-large");
    assert_eq!(o.handshake, Some(SEC_E_ILLEGAL_MESSAGE));
    assert_eq!(p.alerts, vec![(FATAL, DECODE_ERROR)]);
}

#[test]
fn client_fragmented_and_interleaved_flights() {
    for case in ["s-fragmented", "s-fragmented-tls12"] {
        let (o, p) = against_server(case);
        assert_eq!(o.handshake, Some(SEC_E_OK), "{case}");
        assert_eq!(p.echo, "hello", "{case}");
    }
    let (o, p) = against_server("s-interleaved");
    assert_eq!(o.handshake, Some(SEC_E_ILLEGAL_MESSAGE));
    assert_eq!(p.alerts, vec![(FATAL, UNEXPECTED_MESSAGE)]);
}

#[test]
fn client_unexpected_change_cipher_spec() {
    let (o, p) = against_server("s-ccs-first");
    assert_eq!(o.handshake, Some(SEC_E_ILLEGAL_MESSAGE));
    assert_eq!(p.alerts, vec![(FATAL, UNEXPECTED_MESSAGE)]);
}

#[test]
fn client_bad_finished() {
    for case in ["s-bad-finished", "s-bad-finished-tls12"] {
        let (o, p) = against_server(case);
        assert_eq!(o.handshake, Some(SEC_E_DECRYPT_FAILURE), "{case}");
        assert_eq!(p.alerts, vec![(FATAL, DECRYPT_ERROR)], "{case}: exactly one alert");
    }
}

#[test]
fn client_truncated_close() {
    for case in ["s-truncated-close", "s-truncated-close-tls12"] {
        let (o, _) = against_server(case);
        assert_eq!(o.handshake, Some(SEC_E_OK));
        assert_eq!(o.statuses.last(), Some(&SEC_E_INCOMPLETE_MESSAGE), "{case}");
        assert!(o.eof && !o.graceful, "{case}");
    }
}

#[test]
fn client_warning_alert_flood() {
    for case in ["s-warning-flood", "s-warning-flood-tls12"] {
        let (o, p) = against_server(case);
        assert_eq!(o.decrypt_error, Some(SEC_E_ILLEGAL_MESSAGE), "{case}");
        assert_eq!(p.alerts, vec![(FATAL, UNEXPECTED_MESSAGE)], "{case}");
    }
}

#[test]
fn client_renegotiation_requests() {
    let (o, p) = against_server("s-hello-request-tls12");
    assert!(o.statuses.contains(&SEC_I_RENEGOTIATE));
    assert_eq!(p.alerts, vec![(WARNING, NO_RENEGOTIATION)]);
    // TLS 1.3 has no HelloRequest.
    let (o, p) = against_server("s-hello-request");
    assert_eq!(o.decrypt_error, Some(SEC_E_ILLEGAL_MESSAGE));
    assert_eq!(p.alerts, vec![(FATAL, UNEXPECTED_MESSAGE)]);
}

#[test]
fn client_version_downgrade() {
    for case in ["s-downgrade-tls10", "s-downgrade-tls11"] {
        let (o, p) = against_server(case);
        assert_eq!(o.handshake, Some(SEC_E_ALGORITHM_MISMATCH), "{case}");
        assert_eq!(p.alerts, vec![(FATAL, PROTOCOL_VERSION)], "{case}");
    }
    // A server that speaks only TLS 1.1 ends it itself (handshake_failure).
    let (o, p) = against_server("s-only-tls11");
    assert_eq!(o.handshake, Some(SEC_E_ALGORITHM_MISMATCH));
    assert_eq!(p.handshake, "failed");
    // TLS 1.2 with the RFC 8446 downgrade sentinel while we offered TLS 1.3.
    let (o, p) = against_server("s-downgrade-sentinel");
    assert_eq!(o.handshake, Some(SEC_E_ILLEGAL_MESSAGE));
    assert_eq!(p.alerts, vec![(FATAL, ILLEGAL_PARAMETER)]);
}

#[test]
fn client_server_that_never_answers() {
    let (o, p) = against_server("s-silent");
    assert_eq!(o.statuses.first(), Some(&SEC_I_CONTINUE_NEEDED));
    assert!(o.timed_out);
    // Giving up: SCHANNEL_SHUTDOWN before the handshake ends sends close_notify in clear.
    assert_eq!(p.alerts, vec![(WARNING, CLOSE_NOTIFY)]);
}
