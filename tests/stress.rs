//! Concurrency stress through the exported functions:
//! * 8 threads × 500 connections (an SSPI client and an SSPI server in
//!   memory, on shared credentials): handshake, data both ways in records
//!   of every size, close_notify both ways, delete; every byte checked;
//! * `DeleteSecurityContext` racing `EncryptMessage`, `DecryptMessage` and
//!   `QueryContextAttributes` on the same handle from other threads;
//! * `FreeCredentialsHandle` while contexts made from the credential are
//!   live (they keep working, as on Windows) and while another thread is
//!   creating contexts from it.
//!
//! No crash, no deadlock (a watchdog fails the test instead of hanging),
//! no leak: live handles, `FreeContextBuffer` blocks and certificate objects
//! return to where they started.
//!
//! The same for NTLM: 8 threads × 500 conversations (three legs, sealed and
//! signed messages both ways) and `DeleteSecurityContext` racing
//! `MakeSignature`, `EncryptMessage` and `QueryContextAttributes`.
//!
//! Negotiate (NTLM inside SPNEGO) from 8 threads × 300 conversations on shared credentials.
//!
//! CredSSP (TLS 1.2, NTLM inside SPNEGO, the binding, the delegation: ten legs) from 8 threads ×
//! 300 exchanges on shared credentials, the delegated credentials read and a message each way
//! over TLS after each.
//!
//! And for Kerberos against a real MIT KDC made for the run: 8 threads × 500
//! conversations on shared credentials (the service ticket fetched once and
//! shared, every AP-REQ a new authenticator the acceptor's replay cache must
//! not confuse with another thread's), sealed and signed messages both ways.
//!
//! Minutes of CPU in a debug build: `make test-stress` runs it optimised
//! (`cargo test --release --test stress`); plain `cargo test` skips it.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use common::*;
use secur32::abi::*;
use secur32::entry::attributes::QueryContextAttributesW;
use secur32::entry::contexts::{ApplyControlToken, DeleteSecurityContext};
use secur32::entry::credentials::FreeCredentialsHandle;
use secur32::entry::crypt32::CertFreeCertificateContext;
use secur32::entry::messages::{DecryptMessage, EncryptMessage};
use secur32::entry::{CONTEXTS, CREDENTIALS};

const THREADS: usize = 8;
const CONNECTIONS: usize = 500;

/// The three tests read process-wide counters: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `body` on its own thread; a body that does not finish within the
/// watchdog's time is a deadlock (or a hang), and fails the test.
fn watchdog(name: &str, minutes: u64, body: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let t = std::thread::spawn(move || {
        body();
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(60 * minutes)) {
        Ok(()) => t.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(e) = t.join() {
                std::panic::resume_unwind(e);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{name}: not finished after {minutes} minutes: deadlock?"),
    }
}

/// Deterministic test data (xorshift).
fn data(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn stream_sizes(ctx: &mut CtxtHandle) -> Result<SecPkgContext_StreamSizes, i32> {
    let mut s = SecPkgContext_StreamSizes::default();
    match unsafe {
        QueryContextAttributesW(ctx, SECPKG_ATTR_STREAM_SIZES, (&mut s as *mut SecPkgContext_StreamSizes).cast())
    } {
        SEC_E_OK => Ok(s),
        e => Err(e),
    }
}

/// Encrypts `msg` as records of at most `cbMaximumMessage`; returns the wire bytes.
fn seal(ctx: &mut CtxtHandle, msg: &[u8]) -> Result<Vec<u8>, i32> {
    let sz = stream_sizes(ctx)?;
    let mut wire = Vec::new();
    for piece in msg.chunks(sz.cbMaximumMessage as usize).chain(msg.is_empty().then_some(&[][..])) {
        wire.extend_from_slice(&try_encrypt(ctx, &sz, piece)?);
    }
    Ok(wire)
}

/// Decrypts whole records from `inbox` (fed `step` bytes at a time); returns
/// the plaintext and the last status.
fn open(ctx: &mut CtxtHandle, wire: &[u8], step: usize, plain: &mut Vec<u8>) -> i32 {
    let mut inbox = Vec::new();
    let mut last = SEC_E_OK;
    for piece in wire.chunks(step.max(1)) {
        inbox.extend_from_slice(piece);
        loop {
            if inbox.is_empty() {
                break;
            }
            let len = inbox.len();
            let mut bufs = [
                SecBuffer { cbBuffer: len as u32, BufferType: SECBUFFER_DATA, pvBuffer: inbox.as_mut_ptr().cast() },
                SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
                SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
                SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
            ];
            let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
            last = unsafe { DecryptMessage(ctx, &mut desc, 0, core::ptr::null_mut()) };
            match last {
                SEC_E_OK | SEC_I_CONTEXT_EXPIRED => {
                    for b in bufs.iter().filter(|b| b.BufferType == SECBUFFER_DATA && b.cbBuffer > 0) {
                        plain.extend_from_slice(unsafe {
                            core::slice::from_raw_parts(b.pvBuffer as *const u8, b.cbBuffer as usize)
                        });
                    }
                    let extra =
                        bufs.iter().find(|b| b.BufferType == SECBUFFER_EXTRA).map_or(0, |b| b.cbBuffer as usize);
                    inbox.drain(..len - extra);
                    if last == SEC_I_CONTEXT_EXPIRED || extra == 0 {
                        break;
                    }
                }
                SEC_E_INCOMPLETE_MESSAGE => break,
                e => return e,
            }
        }
    }
    last
}

/// SCHANNEL_SHUTDOWN and the call that returns close_notify.
fn close_notify(p: &mut Peer) -> Vec<u8> {
    let mut ctx = p.ctx.unwrap();
    let mut kind = SCHANNEL_SHUTDOWN.to_ne_bytes();
    let mut b = [SecBuffer { cbBuffer: 4, BufferType: SECBUFFER_TOKEN, pvBuffer: kind.as_mut_ptr().cast() }];
    let mut d = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: b.as_mut_ptr() };
    assert_eq!(unsafe { ApplyControlToken(&mut ctx, &mut d) }, SEC_E_OK);
    p.inbox.clear();
    let (st, token) = p.call();
    assert_eq!(st, SEC_E_OK);
    token
}

/// One whole connection; returns the application bytes exchanged.
fn connection(client_cred: CredHandle, server_cred: CredHandle, seed: u64) -> u64 {
    let mut client = Peer::client(client_cred, "localhost");
    let mut server = Peer::server(server_cred);
    handshake(&mut client, &mut server).expect("handshake");
    let (mut c, mut s) = (client.ctx.unwrap(), server.ctx.unwrap());
    // Tickets and such, still in flight, go first.
    let mut plain = Vec::new();
    let pending = core::mem::take(&mut client.inbox);
    assert_eq!(open(&mut c, &pending, usize::MAX, &mut plain), SEC_E_OK);
    assert!(plain.is_empty());
    // Sizes from nothing to several records, delivered in awkward pieces.
    let up = data(seed, (seed as usize * 7919) % 40_000);
    let down = data(!seed, (seed as usize * 104_729) % 70_000);
    let step = 7 + (seed as usize % 5) * 997;
    let wire = seal(&mut c, &up).unwrap();
    assert_eq!(open(&mut s, &wire, step, &mut plain), SEC_E_OK);
    assert!(plain == up, "client to server: every byte, in order");
    plain.clear();
    let wire = seal(&mut s, &down).unwrap();
    assert_eq!(open(&mut c, &wire, step + 1, &mut plain), SEC_E_OK);
    assert!(plain == down, "server to client: every byte, in order");
    // close_notify both ways.
    let bye = close_notify(&mut client);
    plain.clear();
    assert_eq!(open(&mut s, &bye, usize::MAX, &mut plain), SEC_I_CONTEXT_EXPIRED);
    let bye = close_notify(&mut server);
    assert_eq!(open(&mut c, &bye, usize::MAX, &mut plain), SEC_I_CONTEXT_EXPIRED);
    assert_eq!(seal(&mut c, b"late"), Err(SEC_E_CONTEXT_EXPIRED));
    client.delete();
    server.delete();
    (up.len() + down.len()) as u64
}

#[test]
fn eight_threads_times_five_hundred_connections() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    pki();
    let before = counters();
    let client_cred = client_credential(0, 0);
    let server_cred = server_credential(&pki().server_ecdsa, 0, 0);
    let total = Arc::new(AtomicU64::new(0));
    let expected: u64 = (0..THREADS * CONNECTIONS)
        .map(|i| {
            let seed = i as u64 + 1;
            ((seed as usize * 7919) % 40_000 + (seed as usize * 104_729) % 70_000) as u64
        })
        .sum();
    let t = Arc::clone(&total);
    watchdog("8 × 500 connections", 20, move || {
        let threads: Vec<_> = (0..THREADS)
            .map(|n| {
                let t = Arc::clone(&t);
                std::thread::spawn(move || {
                    for k in 0..CONNECTIONS {
                        let seed = (n * CONNECTIONS + k) as u64 + 1;
                        t.fetch_add(connection(client_cred, server_cred, seed), Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
    });
    assert_eq!(total.load(Ordering::Relaxed), expected, "every byte accounted for");
    free_credential(client_cred);
    free_credential(server_cred);
    assert_eq!(counters(), before, "leaked handles, blocks or certificate objects");
}

#[test]
fn delete_races_encrypt_decrypt_and_queries_on_the_same_handle() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    pki();
    let before = counters();
    let client_cred = client_credential(0, 0);
    let server_cred = server_credential(&pki().server_ecdsa, 0, 0);
    watchdog("delete races", 10, move || {
        for round in 0..200u64 {
            let mut client = Peer::client(client_cred, "localhost");
            let mut server = Peer::server(server_cred);
            handshake(&mut client, &mut server).unwrap();
            let ctx = client.ctx.take().unwrap();
            let mut s = server.ctx.unwrap();
            // Tickets still in flight.
            let mut ignored = Vec::new();
            assert_eq!(open(&mut { ctx }, &core::mem::take(&mut client.inbox), usize::MAX, &mut ignored), SEC_E_OK);
            // Records for the decrypting thread, made before the race.
            let records: Vec<Vec<u8>> = (0..64).map(|i| seal(&mut s, &data(round * 100 + i, 100)).unwrap()).collect();
            // Set just before DeleteSecurityContext is called.
            let deleting = Arc::new(AtomicBool::new(false));
            let calls = Arc::new(AtomicUsize::new(0));
            let spawn = |f: Box<dyn Fn(CtxtHandle) -> i32 + Send>| {
                let (deleting, calls) = (Arc::clone(&deleting), Arc::clone(&calls));
                std::thread::spawn(move || {
                    // Calls until the handle is dead; it dies only once deleted.
                    loop {
                        let st = f(ctx);
                        calls.fetch_add(1, Ordering::Relaxed);
                        if st == SEC_E_INVALID_HANDLE {
                            assert!(deleting.load(Ordering::SeqCst), "INVALID_HANDLE before the delete");
                            break;
                        }
                    }
                    // Once dead, every call says so.
                    assert_eq!(f(ctx), SEC_E_INVALID_HANDLE);
                })
            };
            let encryptor = spawn(Box::new(|mut c| {
                let st = seal(&mut c, b"racing").err().unwrap_or(SEC_E_OK);
                assert!(matches!(st, SEC_E_OK | SEC_E_INVALID_HANDLE), "EncryptMessage: {st:#x}");
                st
            }));
            let queries = spawn(Box::new(|mut c| {
                let mut info = SecPkgContext_ConnectionInfo::default();
                let st = unsafe {
                    QueryContextAttributesW(
                        &mut c,
                        SECPKG_ATTR_CONNECTION_INFO,
                        (&mut info as *mut SecPkgContext_ConnectionInfo).cast(),
                    )
                };
                assert!(matches!(st, SEC_E_OK | SEC_E_INVALID_HANDLE), "QueryContextAttributes: {st:#x}");
                let mut cert: PCCERT_CONTEXT = core::ptr::null();
                let st2 = unsafe {
                    QueryContextAttributesW(
                        &mut c,
                        SECPKG_ATTR_REMOTE_CERT_CONTEXT,
                        (&mut cert as *mut PCCERT_CONTEXT).cast(),
                    )
                };
                if st2 == SEC_E_OK {
                    assert_eq!(unsafe { CertFreeCertificateContext(cert) }, 1);
                }
                st
            }));
            let records = Arc::new(Mutex::new(records.into_iter()));
            let decryptor = spawn(Box::new(move |mut c| {
                let next = records.lock().unwrap().next();
                let Some(rec) = next else {
                    // Out of records: a plain query keeps the thread racing.
                    return stream_sizes(&mut c).err().unwrap_or(SEC_E_OK);
                };
                let mut plain = Vec::new();
                let st = open(&mut c, &rec, usize::MAX, &mut plain);
                assert!(matches!(st, SEC_E_OK | SEC_E_INVALID_HANDLE), "DecryptMessage: {st:#x}");
                st
            }));
            // Let them run a little (by work done, not by time), then delete.
            while calls.load(Ordering::Relaxed) < (round as usize % 7) * 5 {
                std::thread::yield_now();
            }
            let mut h = ctx;
            deleting.store(true, Ordering::SeqCst);
            assert_eq!(unsafe { DeleteSecurityContext(&mut h) }, SEC_E_OK);
            for th in [encryptor, queries, decryptor] {
                th.join().unwrap();
            }
            assert_eq!(unsafe { DeleteSecurityContext(&mut h) }, SEC_E_INVALID_HANDLE, "deleted once");
            server.delete();
        }
    });
    free_credential(client_cred);
    free_credential(server_cred);
    assert_eq!(counters(), before, "leaked handles, blocks or certificate objects");
}

#[test]
fn free_credentials_while_their_contexts_live() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    pki();
    let before = counters();
    watchdog("credential races", 10, || {
        for round in 0..100u64 {
            let client_cred = client_credential(0, 0);
            let server_cred = server_credential(&pki().server_ecdsa, 0, 0);
            // One pair established, one half-way, before the credentials go.
            let mut c1 = Peer::client(client_cred, "localhost");
            let mut s1 = Peer::server(server_cred);
            handshake(&mut c1, &mut s1).unwrap();
            let mut c2 = Peer::client(client_cred, "localhost");
            let (st, hello) = c2.call();
            assert_eq!(st, SEC_I_CONTINUE_NEEDED);
            // Another thread keeps making contexts from the client credential
            // while it is freed: each attempt works or says INVALID_HANDLE.
            // Set just before FreeCredentialsHandle is called.
            let freeing = Arc::new(AtomicBool::new(false));
            let made = Arc::new(AtomicUsize::new(0));
            let maker = {
                let (freeing, made) = (Arc::clone(&freeing), Arc::clone(&made));
                std::thread::spawn(move || loop {
                    let mut p = Peer::client(client_cred, "localhost");
                    let (st, _) = p.call();
                    match st {
                        SEC_I_CONTINUE_NEEDED => {
                            made.fetch_add(1, Ordering::SeqCst);
                            p.delete();
                        }
                        SEC_E_INVALID_HANDLE => {
                            assert!(freeing.load(Ordering::SeqCst), "refused before the free");
                            return;
                        }
                        e => panic!("ISC with a credential being freed: {e:#x}"),
                    }
                })
            };
            // Some rounds free at once, others after a few contexts were made.
            while made.load(Ordering::SeqCst) < (round % 3) as usize {
                std::thread::yield_now();
            }
            let (mut cc, mut sc) = (client_cred, server_cred);
            freeing.store(true, Ordering::SeqCst);
            assert_eq!(unsafe { FreeCredentialsHandle(&mut cc) }, SEC_E_OK);
            assert_eq!(unsafe { FreeCredentialsHandle(&mut sc) }, SEC_E_OK);
            maker.join().unwrap();
            assert_eq!(unsafe { FreeCredentialsHandle(&mut cc) }, SEC_E_INVALID_HANDLE, "freed once");
            // The established pair still talks.
            let (mut c, mut s) = (c1.ctx.unwrap(), s1.ctx.unwrap());
            let mut plain = Vec::new();
            assert_eq!(open(&mut c, &core::mem::take(&mut c1.inbox), usize::MAX, &mut plain), SEC_E_OK);
            let msg = data(round, 3000);
            assert_eq!(open(&mut s, &seal(&mut c, &msg).unwrap(), 100, &mut plain), SEC_E_OK);
            assert_eq!(plain, msg);
            // The half-way client finishes its handshake with a new server
            // credential's server (the client's credential is gone).
            let fresh = server_credential(&pki().server_ecdsa, 0, 0);
            let mut s2 = Peer::server(fresh);
            s2.inbox = hello;
            let mut to_client = std::collections::VecDeque::from(s2.run(&mut Default::default()).unwrap());
            let out = c2.run(&mut to_client).unwrap();
            let mut to_server = std::collections::VecDeque::from(out);
            let out = s2.run(&mut to_server).unwrap();
            let mut to_client = std::collections::VecDeque::from(out);
            c2.run(&mut to_client).unwrap();
            assert!(c2.done && s2.done, "a context outlives its freed credential");
            for p in [&mut c1, &mut s1, &mut c2, &mut s2] {
                p.delete();
            }
            free_credential(fresh);
        }
    });
    assert_eq!(counters(), before, "leaked handles, blocks or certificate objects");
}

/// One NTLM conversation on shared credentials: the three legs, then sealed and signed
/// messages of several sizes both ways, every byte checked. Returns the bytes exchanged.
fn ntlm_conversation(mut cc: CredHandle, mut sc: CredHandle, seed: u64) -> u64 {
    use common::ntlm::{handshake, seal, sign, unseal, verify, Opts};
    let o = Opts { allocate: seed % 2 == 0, ..Opts::default() };
    let mut p = handshake(&mut cc, &mut sc, &o).unwrap();
    let mut n = 0u64;
    for i in 0..4u64 {
        let len = ((seed * 7919 + i * 104_729) % 3000) as usize;
        let msg = data(seed * 10 + i, len);
        let (a, b) = if i % 2 == 0 { (&mut p.client, &mut p.server) } else { (&mut p.server, &mut p.client) };
        let (st, tok, ct) = seal(a, 0, &msg);
        assert_eq!(st, SEC_E_OK);
        let (st, pt, _) = unseal(b, &tok, &ct);
        assert_eq!(st, SEC_E_OK);
        assert_eq!(pt, msg);
        let (st, sig) = sign(b, &msg);
        assert_eq!(st, SEC_E_OK);
        assert_eq!(verify(a, &msg, &sig), SEC_E_OK);
        n += len as u64;
    }
    n
}

#[test]
fn ntlm_eight_threads_times_five_hundred_conversations() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let before = counters();
    let (cc, sc) = common::ntlm::creds("alice", "EXAMPLE", "s3cret", "s3cret");
    let expected: u64 = (0..THREADS * CONNECTIONS)
        .map(|k| {
            let seed = k as u64 + 1;
            (0..4u64).map(|i| (seed * 7919 + i * 104_729) % 3000).sum::<u64>()
        })
        .sum();
    let total = Arc::new(AtomicU64::new(0));
    let t = Arc::clone(&total);
    watchdog("NTLM 8 × 500 conversations", 20, move || {
        let threads: Vec<_> = (0..THREADS)
            .map(|n| {
                let t = Arc::clone(&t);
                std::thread::spawn(move || {
                    for k in 0..CONNECTIONS {
                        let seed = (n * CONNECTIONS + k) as u64 + 1;
                        t.fetch_add(ntlm_conversation(cc, sc, seed), Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
    });
    assert_eq!(total.load(Ordering::Relaxed), expected, "every byte accounted for");
    common::ntlm::free_cred(cc);
    common::ntlm::free_cred(sc);
    assert_eq!(counters(), before, "leaked handles or blocks");
}

#[test]
fn ntlm_delete_races_signing_sealing_and_queries() {
    use common::ntlm::{handshake, seal, sign, Opts};
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let before = counters();
    let (cc, sc) = common::ntlm::creds("alice", "EXAMPLE", "s3cret", "s3cret");
    watchdog("NTLM delete races", 10, move || {
        for round in 0..200usize {
            let (mut c1, mut s1) = (cc, sc);
            let p = handshake(&mut c1, &mut s1, &Opts::default()).unwrap();
            let ctx = p.client;
            let deleting = Arc::new(AtomicBool::new(false));
            let calls = Arc::new(AtomicUsize::new(0));
            let spawn = |f: Box<dyn Fn(CtxtHandle) -> i32 + Send>| {
                let (deleting, calls) = (Arc::clone(&deleting), Arc::clone(&calls));
                std::thread::spawn(move || {
                    loop {
                        let st = f(ctx);
                        calls.fetch_add(1, Ordering::Relaxed);
                        if st == SEC_E_INVALID_HANDLE {
                            assert!(deleting.load(Ordering::SeqCst), "INVALID_HANDLE before the delete");
                            break;
                        }
                    }
                    assert_eq!(f(ctx), SEC_E_INVALID_HANDLE);
                })
            };
            let signer = spawn(Box::new(|mut c| {
                let (st, _) = sign(&mut c, b"racing signature");
                assert!(matches!(st, SEC_E_OK | SEC_E_INVALID_HANDLE), "MakeSignature: {st:#x}");
                st
            }));
            let sealer = spawn(Box::new(|mut c| {
                let (st, _, _) = seal(&mut c, 0, b"racing seal");
                assert!(matches!(st, SEC_E_OK | SEC_E_INVALID_HANDLE), "EncryptMessage: {st:#x}");
                st
            }));
            let queries = spawn(Box::new(|mut c| {
                let mut k = SecPkgContext_SessionKey { SessionKeyLength: 0, SessionKey: core::ptr::null_mut() };
                let st = unsafe {
                    QueryContextAttributesW(
                        &mut c,
                        SECPKG_ATTR_SESSION_KEY,
                        (&mut k as *mut SecPkgContext_SessionKey).cast(),
                    )
                };
                assert!(matches!(st, SEC_E_OK | SEC_E_INVALID_HANDLE), "QueryContextAttributes: {st:#x}");
                if st == SEC_E_OK {
                    assert_eq!(k.SessionKeyLength, 16);
                    assert_eq!(unsafe { secur32::entry::packages::FreeContextBuffer(k.SessionKey.cast()) }, SEC_E_OK);
                }
                st
            }));
            while calls.load(Ordering::Relaxed) < (round % 7) * 5 {
                std::thread::yield_now();
            }
            let mut h = ctx;
            deleting.store(true, Ordering::SeqCst);
            assert_eq!(unsafe { DeleteSecurityContext(&mut h) }, SEC_E_OK);
            for th in [signer, sealer, queries] {
                th.join().unwrap();
            }
            assert_eq!(unsafe { DeleteSecurityContext(&mut h) }, SEC_E_INVALID_HANDLE, "deleted once");
            drop(p); // deletes the server context (the client's answers INVALID_HANDLE)
        }
    });
    common::ntlm::free_cred(cc);
    common::ntlm::free_cred(sc);
    assert_eq!(counters(), before, "leaked handles or blocks");
}

/// One Kerberos conversation (AP-REQ, AP-REP) on shared credentials, then sealed and
/// signed messages both ways. Returns the bytes exchanged.
fn kerberos_conversation(mut cc: CredHandle, mut sc: CredHandle, seed: u64) -> u64 {
    use common::sspi::{handshake, seal, sign, unseal, verify, ISC_FLAGS};
    let mut p = handshake(&mut cc, &mut sc, "HTTP/localhost", ISC_FLAGS).unwrap();
    assert_eq!(p.legs.len(), 2, "mutual authentication: AP-REQ and AP-REP");
    let mut n = 0u64;
    for i in 0..4u64 {
        let len = ((seed * 7919 + i * 104_729) % 3000) as usize;
        let msg = data(seed * 10 + i, len);
        let (a, b) = if i % 2 == 0 { (&mut p.client, &mut p.server) } else { (&mut p.server, &mut p.client) };
        let (st, tok, ct) = seal(a, 0, &msg);
        assert_eq!(st, SEC_E_OK);
        let (st, pt, _) = unseal(b, &tok, &ct);
        assert_eq!((st, &pt), (SEC_E_OK, &msg));
        let (st, sig) = sign(b, &msg);
        assert_eq!(st, SEC_E_OK);
        assert_eq!(verify(a, &msg, &sig), SEC_E_OK);
        n += len as u64;
    }
    n
}

#[test]
fn kerberos_eight_threads_times_five_hundred_conversations() {
    use common::krb5::{Realm, PASSWORD, REALM, USER};
    const KRB_CONVERSATIONS: usize = 500;
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let realm = Realm::start("");
    std::env::set_var("KRB5_CONFIG", &realm.krb5_conf);
    std::env::set_var("KRB5_KTNAME", realm.path("http.keytab"));
    let before = counters();
    let cc = common::sspi::acquire("Kerberos", Some((USER, REALM, PASSWORD)), SECPKG_CRED_OUTBOUND).unwrap();
    let sc = common::sspi::acquire("Kerberos", None, SECPKG_CRED_INBOUND).unwrap();
    let expected: u64 = (0..THREADS * KRB_CONVERSATIONS)
        .map(|k| {
            let seed = k as u64 + 1;
            (0..4u64).map(|i| (seed * 7919 + i * 104_729) % 3000).sum::<u64>()
        })
        .sum();
    let total = Arc::new(AtomicU64::new(0));
    let t = Arc::clone(&total);
    watchdog("Kerberos 8 × 500 conversations", 20, move || {
        let threads: Vec<_> = (0..THREADS)
            .map(|n| {
                let t = Arc::clone(&t);
                std::thread::spawn(move || {
                    for k in 0..KRB_CONVERSATIONS {
                        let seed = (n * KRB_CONVERSATIONS + k) as u64 + 1;
                        t.fetch_add(kerberos_conversation(cc, sc, seed), Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
    });
    assert_eq!(total.load(Ordering::Relaxed), expected, "every byte accounted for");
    common::sspi::free_cred(cc);
    common::sspi::free_cred(sc);
    assert_eq!(counters(), before, "leaked handles or blocks");
    std::env::remove_var("KRB5_KTNAME");
    drop(realm);
}

/// Negotiate (NTLM inside SPNEGO: four legs with both mechListMICs, no KDC needed) on shared
/// credentials from 8 threads × 300 conversations, a sealed message checked after each.
#[test]
fn negotiate_eight_threads_times_three_hundred_conversations() {
    use common::sspi::{acquire, free_cred, handshake, seal, unseal, ISC_FLAGS};
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let before = counters();
    let id = ("alice", "EXAMPLE", "s3cret");
    let nc = acquire("Negotiate", Some(id), SECPKG_CRED_OUTBOUND).unwrap();
    let ns = acquire("Negotiate", Some(id), SECPKG_CRED_INBOUND).unwrap();
    let total = Arc::new(AtomicU64::new(0));
    let t = Arc::clone(&total);
    watchdog("Negotiate 8 × 300 conversations", 20, move || {
        let threads: Vec<_> = (0..THREADS)
            .map(|n| {
                let t = Arc::clone(&t);
                std::thread::spawn(move || {
                    let (mut c, mut s) = (nc, ns);
                    for k in 0..300u64 {
                        let mut p = handshake(&mut c, &mut s, "localhost", ISC_FLAGS).unwrap();
                        assert_eq!(p.legs.len(), 4);
                        let msg = data(n as u64 * 1000 + k, (k as usize * 37) % 2000);
                        let (st, tok, ct) = seal(&mut p.client, 0, &msg);
                        assert_eq!(st, SEC_E_OK);
                        let (st, pt, _) = unseal(&mut p.server, &tok, &ct);
                        assert_eq!((st, &pt), (SEC_E_OK, &msg));
                        t.fetch_add(msg.len() as u64, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
    });
    let expected: u64 = (0..THREADS as u64).map(|_| (0..300u64).map(|k| (k * 37) % 2000).sum::<u64>()).sum();
    assert_eq!(total.load(Ordering::Relaxed), expected);
    free_cred(nc);
    free_cred(ns);
    assert_eq!(counters(), before, "leaked handles or blocks");
}

/// CredSSP on shared credentials from 8 threads × 300 exchanges: each ten legs, then the
/// delegated credentials (SECPKG_ATTR_CREDS) and a message each way over the TLS channel.
#[test]
fn credssp_eight_threads_times_three_hundred_exchanges() {
    use common::sspi::{free_cred, handshake};
    use secur32::packages::{self, AcquireRequest, AuthData, CredentialUse, Identity, SchannelCredSpec};
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let pki = common::pki();
    let before = counters();
    let id = Identity {
        user: "alice".into(),
        domain: "EXAMPLE".into(),
        password: zeroize::Zeroizing::new("s3cret".into()),
        package_list: None,
    };
    let reg = packages::find("CREDSSP").unwrap();
    let acquire = |inbound: bool, auth: AuthData| {
        let usage = CredentialUse { inbound, outbound: !inbound };
        let c = reg.package.acquire_credentials(AcquireRequest { principal: None, usage, auth }).unwrap();
        secur32::entry::CREDENTIALS.insert(c).unwrap()
    };
    let spec = SchannelCredSpec {
        version: SCHANNEL_CRED_VERSION,
        certs: vec![common::context_of(&pki.server)],
        ..Default::default()
    };
    let cs = acquire(true, AuthData::CredSsp { schannel: Some(spec), identity: Some(id.clone()) });
    let cc = acquire(false, AuthData::CredSsp { schannel: None, identity: Some(id) });
    let total = Arc::new(AtomicU64::new(0));
    let t = Arc::clone(&total);
    watchdog("CredSSP 8 × 300 exchanges", 20, move || {
        let threads: Vec<_> = (0..THREADS)
            .map(|n| {
                let t = Arc::clone(&t);
                std::thread::spawn(move || {
                    let (mut c, mut s) = (cc, cs);
                    for k in 0..300u64 {
                        let flags = ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM;
                        let mut p = handshake(&mut c, &mut s, "TERMSRV/localhost", flags).unwrap();
                        // Nine tokens (the server's last call sends none), or seven when the TLS
                        // session of an earlier exchange on the credential is resumed.
                        assert!(matches!(p.legs.len(), 7 | 9), "{} tokens", p.legs.len());
                        unsafe {
                            let mut cr =
                                SecPkgContext_ClientCreds { AuthBufferLen: 0, AuthBuffer: core::ptr::null_mut() };
                            let q = (&mut cr as *mut SecPkgContext_ClientCreds).cast();
                            assert_eq!(QueryContextAttributesW(&mut p.server, SECPKG_ATTR_CREDS, q), SEC_E_OK);
                            assert!(cr.AuthBufferLen > 30);
                            assert_eq!(secur32::entry::packages::FreeContextBuffer(cr.AuthBuffer.cast()), SEC_E_OK);
                        }
                        let msg = data(n as u64 * 1000 + k, (k as usize * 53) % 3000 + 1);
                        let mut wire = common::encrypt(&mut p.client, &msg);
                        let (st, pt, _) = common::decrypt(&mut p.server, &mut wire);
                        assert_eq!((st, &pt), (SEC_E_OK, &msg));
                        let mut back = common::encrypt(&mut p.server, &msg);
                        let (st, pt, _) = common::decrypt(&mut p.client, &mut back);
                        assert_eq!((st, &pt), (SEC_E_OK, &msg));
                        t.fetch_add(msg.len() as u64, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
    });
    let expected: u64 = (0..THREADS as u64).map(|_| (0..300u64).map(|k| (k * 53) % 3000 + 1).sum::<u64>()).sum();
    assert_eq!(total.load(Ordering::Relaxed), expected);
    free_cred(cc);
    free_cred(cs);
    assert_eq!(counters(), before, "leaked handles or blocks");
}
