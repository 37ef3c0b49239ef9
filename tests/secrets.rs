//! Secrets hygiene.
//!
//! * Memory: this test binary's global allocator inspects every block freed
//!   while a test is "armed" for the secret patterns the test registered,
//!   and counts the hits. Key material and plaintext the library copies
//!   must be zeroed before their memory goes back to the allocator. (A
//!   control case frees a pattern unwiped and must be seen, so the scanner
//!   is known to work.)
//! * Logs: a whole session (PFX import with a password, handshake, data)
//!   runs in a child process with `SSPI_RUSTLS_LOG=trace` and
//!   `SSLKEYLOGFILE`; its stderr must hold trace lines but no password, no
//!   plaintext and none of the secrets the key log file received.
//! * `SSLKEYLOGFILE`: secrets are written there only when it is set; without
//!   it nothing appears in the child's working or temporary directory.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use common::*;
use secur32::abi::*;
use secur32::entry::attributes::{QueryContextAttributesW, SetContextAttributesW};
use secur32::entry::crypt32::PFXImportCertStore;
use secur32::entry::crypt32::{CertCloseStore, CertEnumCertificatesInStore, CertFreeCertificateContext};
use secur32::entry::messages::{DecryptMessage, EncryptMessage};
use secur32::entry::packages::FreeContextBuffer;

// ---------------------------------------------------------------------------
// The scanning allocator (no allocation inside: fixed arrays and atomics).

const SLOTS: usize = 8;
const MAX_PATTERN: usize = 64;

struct Scanner;

static ARMED: AtomicBool = AtomicBool::new(false);
static BUSY: AtomicBool = AtomicBool::new(false);
static mut PATTERNS: [([u8; MAX_PATTERN], usize); SLOTS] = [([0; MAX_PATTERN], 0); SLOTS];
static HITS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];

fn with_patterns<R>(f: impl FnOnce(&mut [([u8; MAX_PATTERN], usize); SLOTS]) -> R) -> R {
    while BUSY.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
        std::hint::spin_loop();
    }
    // SAFETY: BUSY is held: exclusive access.
    let r = f(unsafe { &mut *core::ptr::addr_of_mut!(PATTERNS) });
    BUSY.store(false, Ordering::Release);
    r
}

unsafe impl GlobalAlloc for Scanner {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::Relaxed) {
            let block = unsafe { core::slice::from_raw_parts(ptr, layout.size()) };
            with_patterns(|pats| {
                for (i, (p, n)) in pats.iter().enumerate() {
                    if *n > 0 && block.windows(*n).any(|w| w == &p[..*n]) {
                        HITS[i].fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Scanner = Scanner;

/// One armed test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Watches for `pattern` in freed memory; returns its slot.
fn watch(pattern: &[u8]) -> usize {
    assert!(pattern.len() >= 8 && pattern.len() <= MAX_PATTERN);
    with_patterns(|pats| {
        let i = pats.iter().position(|(_, n)| *n == 0).expect("free pattern slot");
        pats[i].0[..pattern.len()].copy_from_slice(pattern);
        pats[i].1 = pattern.len();
        HITS[i].store(0, Ordering::Relaxed);
        i
    })
}

fn hits(slot: usize) -> usize {
    HITS[slot].load(Ordering::Relaxed)
}

fn unwatch_all() {
    ARMED.store(false, Ordering::SeqCst);
    with_patterns(|pats| pats.iter_mut().for_each(|p| *p = ([0; MAX_PATTERN], 0)));
}

struct Armed<'a>(#[allow(dead_code)] std::sync::MutexGuard<'a, ()>);

fn arm() -> Armed<'static> {
    let g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    unwatch_all();
    ARMED.store(true, Ordering::SeqCst);
    Armed(g)
}

impl Drop for Armed<'_> {
    fn drop(&mut self) {
        unwatch_all();
    }
}

// ---------------------------------------------------------------------------
// Memory

#[test]
fn wiped_values_and_freed_blocks_are_zeroed() {
    let _a = arm();
    let secret = *b"0123456789abcdef-secret-key-material!";
    let slot = watch(&secret);
    // Control: an ordinary Box frees its bytes as they are. The scanner sees it.
    drop(std::hint::black_box(Box::new(secret)));
    assert_eq!(hits(slot), 1, "the scanner works");
    // A Wiped value (the library's box for AEAD key schedules).
    drop(std::hint::black_box(secur32::alloc::Wiped::new(secret)));
    // A FreeContextBuffer block.
    let p = secur32::alloc::allocate_copy(&secret).unwrap();
    assert_eq!(unsafe { FreeContextBuffer(p.cast()) }, SEC_E_OK);
    assert_eq!(hits(slot), 1, "wiped before being freed");
}

fn pair() -> (Peer, Peer) {
    let mut client = Peer::client(client_credential(0, 0), "localhost");
    let mut server = Peer::server(server_credential(&pki().server_ecdsa, 0, 0));
    handshake(&mut client, &mut server).unwrap();
    (client, server)
}

fn teardown(mut c: Peer, mut s: Peer) {
    c.delete();
    s.delete();
    free_credential(c.cred);
    free_credential(s.cred);
}

#[test]
fn keying_material_is_wiped_before_its_block_is_freed() {
    pki();
    let (client, server) = pair();
    let mut ctx = client.ctx.unwrap();
    let mut label = *b"EXPERIMENTAL sspi-rustls\0";
    let mut info = SecPkgContext_KeyingMaterialInfo {
        cbLabel: label.len() as u16,
        pszLabel: label.as_mut_ptr().cast(),
        cbContextValue: 0,
        pbContextValue: core::ptr::null_mut(),
        cbKeyingMaterial: 48,
    };
    let st = unsafe {
        SetContextAttributesW(
            &mut ctx,
            SECPKG_ATTR_KEYING_MATERIAL_INFO,
            (&mut info as *mut SecPkgContext_KeyingMaterialInfo).cast(),
            core::mem::size_of::<SecPkgContext_KeyingMaterialInfo>() as u32,
        )
    };
    assert_eq!(st, SEC_E_OK);
    let query = |ctx: &mut CtxtHandle| {
        let mut km = SecPkgContext_KeyingMaterial { cbKeyingMaterial: 0, pbKeyingMaterial: core::ptr::null_mut() };
        let st = unsafe {
            QueryContextAttributesW(
                ctx,
                SECPKG_ATTR_KEYING_MATERIAL,
                (&mut km as *mut SecPkgContext_KeyingMaterial).cast(),
            )
        };
        assert_eq!(st, SEC_E_OK);
        let mut value = [0u8; 48];
        assert_eq!(km.cbKeyingMaterial, 48);
        value.copy_from_slice(unsafe { core::slice::from_raw_parts(km.pbKeyingMaterial, 48) });
        assert_eq!(unsafe { FreeContextBuffer(km.pbKeyingMaterial.cast()) }, SEC_E_OK);
        value
    };
    // The exporter is deterministic: learn the value, then watch for it
    // while it is computed, handed out and freed again.
    let mut first = query(&mut ctx);
    let a = arm();
    let slot = watch(&first[..32]);
    let mut second = query(&mut ctx);
    assert_eq!(first, second);
    zeroize::Zeroize::zeroize(&mut first);
    zeroize::Zeroize::zeroize(&mut second);
    assert_eq!(hits(slot), 0, "keying material reached freed memory");
    drop(a);
    teardown(client, server);
}

#[test]
fn plaintext_scratch_is_wiped() {
    pki();
    let (client, server) = pair();
    let _a = arm();
    let marker = *b"PLAINTEXT-MARKER-scratch-7f3a91c2";
    let slot = watch(&marker);
    let mut ctx = client.ctx.unwrap();
    // Made here: the thread's boxed closure must not carry the marker itself.
    let mut body = marker.repeat(100);
    // On its own thread, so that the thread-local scratch is freed at its end.
    let sealed = std::thread::spawn(move || {
        let mut sz = SecPkgContext_StreamSizes::default();
        assert_eq!(
            unsafe {
                QueryContextAttributesW(
                    &mut ctx,
                    SECPKG_ATTR_STREAM_SIZES,
                    (&mut sz as *mut SecPkgContext_StreamSizes).cast(),
                )
            },
            SEC_E_OK
        );
        // Header, data and trailer apart: the record is sealed in the scratch buffer.
        let mut hdr = vec![0u8; sz.cbHeader as usize];
        let mut trl = vec![0u8; sz.cbTrailer as usize];
        let mut bufs = [
            SecBuffer {
                cbBuffer: hdr.len() as u32,
                BufferType: SECBUFFER_STREAM_HEADER,
                pvBuffer: hdr.as_mut_ptr().cast(),
            },
            SecBuffer { cbBuffer: body.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: body.as_mut_ptr().cast() },
            SecBuffer {
                cbBuffer: trl.len() as u32,
                BufferType: SECBUFFER_STREAM_TRAILER,
                pvBuffer: trl.as_mut_ptr().cast(),
            },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
        ];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
        assert_eq!(unsafe { EncryptMessage(&mut ctx, 0, &mut desc, 0) }, SEC_E_OK);
        [hdr, body, trl].concat()
    })
    .join()
    .unwrap();
    // The server decrypts in place, in our buffer.
    let mut s = server.ctx.unwrap();
    let mut rec = sealed;
    let mut bufs = [
        SecBuffer { cbBuffer: rec.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: rec.as_mut_ptr().cast() },
        SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
        SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
        SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
    ];
    let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
    let mut pending = server.inbox.clone();
    if !pending.is_empty() {
        // (nothing expected from the client before its data)
        zeroize::Zeroize::zeroize(&mut pending);
    }
    assert_eq!(unsafe { DecryptMessage(&mut s, &mut desc, 0, core::ptr::null_mut()) }, SEC_E_OK);
    let data = bufs.iter().find(|b| b.BufferType == SECBUFFER_DATA).unwrap();
    assert_eq!(data.cbBuffer as usize, marker.len() * 100);
    zeroize::Zeroize::zeroize(&mut rec);
    drop(rec);
    assert_eq!(hits(slot), 0, "plaintext reached freed memory");
    drop(_a);
    teardown(client, server);
}

/// An SSPI server established with a rustls client of one suite; returns the
/// server and the raw AEAD keys and IVs of both directions (from the client,
/// whose own copies are freed before this returns).
fn with_rustls_client(suite: rustls::SupportedCipherSuite) -> (Peer, Vec<Vec<u8>>) {
    use rustls::pki_types::{CertificateDer, ServerName};
    use std::sync::Arc;
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites = vec![suite];
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(pki().ca_der.clone())).unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[suite.version()])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.enable_secret_extraction = true;
    let mut conn = rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap()).unwrap();
    let mut server = Peer::server(server_credential(&pki().server_ecdsa, 0, 0));
    for _ in 0..10 {
        while conn.wants_write() {
            conn.write_tls(&mut server.inbox).unwrap();
        }
        if !server.done && !server.inbox.is_empty() {
            let (st, token) = server.call();
            assert!(matches!(st, SEC_E_OK | SEC_I_CONTINUE_NEEDED), "{st:#x}");
            server.done = st == SEC_E_OK;
            let mut t = &token[..];
            while !t.is_empty() {
                conn.read_tls(&mut t).unwrap();
                conn.process_new_packets().unwrap();
            }
        }
        if server.done && !conn.is_handshaking() {
            break;
        }
    }
    assert!(server.done);
    let secrets = conn.dangerous_extract_secrets().unwrap();
    let mut keys = Vec::new();
    for (_, s) in [&secrets.tx, &secrets.rx] {
        match s {
            rustls::ConnectionTrafficSecrets::Aes128Gcm { key, iv }
            | rustls::ConnectionTrafficSecrets::Aes256Gcm { key, iv }
            | rustls::ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv } => {
                keys.push(key.as_ref().to_vec());
                keys.push(iv.as_ref().to_vec());
            }
            _ => panic!("unexpected AEAD"),
        }
    }
    (server, keys)
}

#[test]
fn traffic_keys_are_wiped_when_the_context_is_deleted() {
    // rustls and ring keep key schedules of their own during the handshake
    // and free them unwiped (neither wipes ring's keys): that part is theirs.
    // The record layer's keys and IVs, which live as long as the context,
    // are ours to wipe.
    use rustls::crypto::ring::cipher_suite::*;
    pki();
    for suite in [TLS13_CHACHA20_POLY1305_SHA256, TLS13_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384] {
        let (mut server, mut keys) = with_rustls_client(suite);
        let a = arm();
        let slots: Vec<usize> = keys.iter().map(|k| watch(k)).collect();
        let cred = server.cred;
        server.delete();
        free_credential(cred);
        for (k, slot) in keys.iter_mut().zip(slots) {
            assert_eq!(hits(slot), 0, "{suite:?}: a key or IV of {} bytes reached freed memory", k.len());
            zeroize::Zeroize::zeroize(k);
        }
        drop(a);
    }
}

// ---------------------------------------------------------------------------
// Logs and SSLKEYLOGFILE, in a child process (the variables are read once).

const PASSWORD: &str = "PASSWORD-MARKER-91e4";
const PLAINTEXT: &[u8] = b"PLAINTEXT-MARKER-logged-55d0";

fn pem(label: &str, der: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for c in der.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            b64.push(if i <= c.len() { T[(n >> (18 - 6 * i)) as usize & 63] as char } else { '=' });
        }
    }
    let mut s = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(line).unwrap());
        s.push('\n');
    }
    s + &format!("-----END {label}-----\n")
}

/// The session the child runs; also a test of its own (it must work,
/// logged or not).
#[test]
fn logged_session() {
    let p = pki();
    // A PFX with a password, imported through the export.
    let dir = p.dir.join(format!("pfx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cp, kp, pfx) = (dir.join("c.pem"), dir.join("k.pem"), dir.join("s.pfx"));
    std::fs::write(&cp, pem("CERTIFICATE", &p.server.cert_der)).unwrap();
    std::fs::write(&kp, pem("PRIVATE KEY", &p.server.key_der)).unwrap();
    let ok = Command::new("openssl")
        .args(["pkcs12", "-export", "-in"])
        .arg(&cp)
        .arg("-inkey")
        .arg(&kp)
        .arg("-out")
        .arg(&pfx)
        .arg("-passout")
        .arg(format!("pass:{PASSWORD}"))
        .status()
        .unwrap()
        .success();
    assert!(ok, "openssl pkcs12");
    let bytes = std::fs::read(&pfx).unwrap();
    let blob = CRYPT_DATA_BLOB { cbData: bytes.len() as u32, pbData: bytes.as_ptr() as *mut u8 };
    let pw = wide(PASSWORD);
    let store = unsafe { PFXImportCertStore(core::ptr::from_ref(&blob).cast_mut(), pw.as_ptr(), 0) };
    assert!(!store.is_null(), "PFX import");
    let cert = unsafe { CertEnumCertificatesInStore(store, core::ptr::null()) };
    assert!(!cert.is_null());
    unsafe {
        CertFreeCertificateContext(cert);
        CertCloseStore(store, 0);
    }
    // TLS 1.3 and TLS 1.2 sessions with a recognisable plaintext.
    for protocols in [0, SP_PROT_TLS1_2_CLIENT] {
        let mut client = Peer::client(client_credential(protocols, 0), "localhost");
        let mut server = Peer::server(server_credential(&p.server, 0, 0));
        handshake(&mut client, &mut server).unwrap();
        let mut ctx = client.ctx.unwrap();
        let mut sz = SecPkgContext_StreamSizes::default();
        assert_eq!(
            unsafe {
                QueryContextAttributesW(
                    &mut ctx,
                    SECPKG_ATTR_STREAM_SIZES,
                    (&mut sz as *mut SecPkgContext_StreamSizes).cast(),
                )
            },
            SEC_E_OK
        );
        let (h, t) = (sz.cbHeader as usize, sz.cbTrailer as usize);
        let mut block = vec![0u8; h + PLAINTEXT.len() + t];
        block[h..h + PLAINTEXT.len()].copy_from_slice(PLAINTEXT);
        let b = block.as_mut_ptr();
        let mut bufs = [
            SecBuffer { cbBuffer: h as u32, BufferType: SECBUFFER_STREAM_HEADER, pvBuffer: b.cast() },
            SecBuffer {
                cbBuffer: PLAINTEXT.len() as u32,
                BufferType: SECBUFFER_DATA,
                pvBuffer: b.wrapping_add(h).cast(),
            },
            SecBuffer {
                cbBuffer: t as u32,
                BufferType: SECBUFFER_STREAM_TRAILER,
                pvBuffer: b.wrapping_add(h + PLAINTEXT.len()).cast(),
            },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
        ];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
        assert_eq!(unsafe { EncryptMessage(&mut ctx, 0, &mut desc, 0) }, SEC_E_OK);
        let mut s = server.ctx.unwrap();
        let mut bufs = [
            SecBuffer { cbBuffer: block.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: block.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
            SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
        ];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
        assert_eq!(unsafe { DecryptMessage(&mut s, &mut desc, 0, core::ptr::null_mut()) }, SEC_E_OK);
        let data = bufs.iter().find(|b| b.BufferType == SECBUFFER_DATA).unwrap();
        let got = unsafe { core::slice::from_raw_parts(data.pvBuffer as *const u8, data.cbBuffer as usize) };
        assert_eq!(got, PLAINTEXT);
        client.delete();
        server.delete();
        free_credential(client.cred);
        free_credential(server.cred);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `logged_session` in a child with `env`; returns (stderr, success).
fn child(env: &[(&str, &std::ffi::OsStr)], cwd: &std::path::Path) -> (String, bool) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "logged_session", "--nocapture", "--test-threads=1"]);
    cmd.env_remove("SSLKEYLOGFILE").env_remove("SSPI_RUSTLS_LOG").current_dir(cwd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (String::from_utf8_lossy(&out.stderr).into_owned(), out.status.success())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn trace_logs_hold_no_secrets_and_keylog_only_when_asked() {
    let dir = std::env::temp_dir().join(format!("sspi-rustls-logs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let keylog = dir.join("keys.log");
    let (stderr, ok) = child(&[("SSPI_RUSTLS_LOG", "trace".as_ref()), ("SSLKEYLOGFILE", keylog.as_os_str())], &dir);
    assert!(ok, "the logged session failed:\n{stderr}");
    assert!(stderr.contains("[sspi-rustls] -> InitializeSecurityContextW("), "trace lines are written");
    assert!(stderr.contains("PFXImportCertStore"), "crypt32 calls are traced too");

    // The key log got the secrets of both sessions (TLS 1.3 and TLS 1.2).
    let log = std::fs::read_to_string(&keylog).expect("SSLKEYLOGFILE written when set");
    let labels: Vec<&str> = log.lines().filter_map(|l| l.split(' ').next()).collect();
    for want in ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET", "CLIENT_RANDOM"] {
        assert!(labels.contains(&want), "{want} in the key log: {labels:?}");
    }
    // None of those secrets, no password and no plaintext in the trace, in
    // any spelling (text, UTF-16, hex).
    let trace_lower = stderr.to_lowercase();
    for line in log.lines() {
        let secret = line.rsplit(' ').next().unwrap().to_lowercase();
        assert!(!trace_lower.contains(&secret), "a secret from the key log is in the trace");
    }
    let utf16: String = PASSWORD.encode_utf16().flat_map(|u| u.to_le_bytes()).map(|b| b as char).collect();
    for needle in [
        PASSWORD.to_lowercase(),
        hex(PASSWORD.as_bytes()),
        hex(&PASSWORD.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<_>>()),
        utf16.to_lowercase(),
        String::from_utf8_lossy(PLAINTEXT).to_lowercase(),
        hex(PLAINTEXT),
    ] {
        assert!(!trace_lower.contains(&needle), "the trace holds {needle:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();

    // Without SSLKEYLOGFILE nothing is written anywhere it could go.
    let quiet = std::env::temp_dir().join(format!("sspi-rustls-nokeylog-{}", std::process::id()));
    std::fs::create_dir_all(&quiet).unwrap();
    let (stderr, ok) = child(&[("TMPDIR", quiet.as_os_str()), ("HOME", quiet.as_os_str())], &quiet);
    assert!(ok, "the unlogged session failed:\n{stderr}");
    assert!(!stderr.contains("[sspi-rustls]"), "no trace without SSPI_RUSTLS_LOG");
    let left: Vec<_> = walk(&quiet);
    assert!(left.is_empty(), "files written without SSLKEYLOGFILE: {left:?}");
    std::fs::remove_dir_all(&quiet).unwrap();
}

/// Files under `dir` except the test PKI the child makes for itself.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            if !p.file_name().unwrap().to_string_lossy().starts_with("sspi-rustls-test-") {
                out.extend(walk(&p));
            }
        } else {
            out.push(p);
        }
    }
    out
}
