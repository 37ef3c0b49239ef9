//! The OpenSSL side: libssl 3 through hand-written FFI declarations (the
//! calls are the same C calls a C program makes), one `SSL_CTX` per side
//! pinned to the same protocol version, suite and group (X25519), the client
//! verifying the server against the bench CA with the host name checked
//! (`SSL_set1_host`), SNI sent; the two `SSL`s joined by a BIO pair (an
//! in-memory transport: what one side writes, the other reads). Server
//! defaults are kept: internal session cache and session tickets (2 per
//! full TLS 1.3 handshake, as rustls sends).
//!
//! Linked only into this benchmark (`libssl`, `libcrypto`); the library
//! itself does not depend on OpenSSL.

#![allow(non_camel_case_types, clippy::upper_case_acronyms)]

use core::ffi::{c_char, c_int, c_long, c_void, CStr};

use crate::pki::{Identity, KeyKind};
use crate::{Case, Version};

#[repr(C)]
pub struct SSL_CTX(c_void);
#[repr(C)]
pub struct SSL(c_void);
#[repr(C)]
pub struct SSL_METHOD(c_void);
#[repr(C)]
pub struct SSL_SESSION(c_void);
#[repr(C)]
pub struct SSL_CIPHER(c_void);
#[repr(C)]
pub struct BIO(c_void);
#[repr(C)]
pub struct EVP_PKEY(c_void);
#[repr(C)]
pub struct X509(c_void);
#[repr(C)]
pub struct X509_STORE(c_void);

#[link(name = "ssl")]
extern "C" {
    fn TLS_client_method() -> *const SSL_METHOD;
    fn TLS_server_method() -> *const SSL_METHOD;
    fn SSL_CTX_new(method: *const SSL_METHOD) -> *mut SSL_CTX;
    fn SSL_CTX_free(ctx: *mut SSL_CTX);
    fn SSL_CTX_ctrl(ctx: *mut SSL_CTX, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long;
    fn SSL_CTX_set_ciphersuites(ctx: *mut SSL_CTX, s: *const c_char) -> c_int;
    fn SSL_CTX_set_cipher_list(ctx: *mut SSL_CTX, s: *const c_char) -> c_int;
    fn SSL_CTX_use_certificate_ASN1(ctx: *mut SSL_CTX, len: c_int, der: *const u8) -> c_int;
    fn SSL_CTX_use_PrivateKey(ctx: *mut SSL_CTX, pkey: *mut EVP_PKEY) -> c_int;
    fn SSL_CTX_check_private_key(ctx: *const SSL_CTX) -> c_int;
    fn SSL_CTX_get_cert_store(ctx: *const SSL_CTX) -> *mut X509_STORE;
    fn SSL_CTX_set_verify(ctx: *mut SSL_CTX, mode: c_int, cb: *const c_void);
    fn SSL_new(ctx: *mut SSL_CTX) -> *mut SSL;
    fn SSL_free(ssl: *mut SSL);
    fn SSL_set_shutdown(ssl: *mut SSL, mode: c_int);
    fn SSL_set_bio(ssl: *mut SSL, rbio: *mut BIO, wbio: *mut BIO);
    fn SSL_set_connect_state(ssl: *mut SSL);
    fn SSL_set_accept_state(ssl: *mut SSL);
    fn SSL_do_handshake(ssl: *mut SSL) -> c_int;
    fn SSL_get_error(ssl: *const SSL, ret: c_int) -> c_int;
    fn SSL_read(ssl: *mut SSL, buf: *mut c_void, num: c_int) -> c_int;
    fn SSL_write(ssl: *mut SSL, buf: *const c_void, num: c_int) -> c_int;
    fn SSL_ctrl(ssl: *mut SSL, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long;
    fn SSL_set1_host(ssl: *mut SSL, hostname: *const c_char) -> c_int;
    fn SSL_get1_session(ssl: *mut SSL) -> *mut SSL_SESSION;
    fn SSL_set_session(ssl: *mut SSL, session: *mut SSL_SESSION) -> c_int;
    fn SSL_SESSION_free(session: *mut SSL_SESSION);
    fn SSL_session_reused(ssl: *const SSL) -> c_int;
    fn SSL_version(ssl: *const SSL) -> c_int;
    fn SSL_get_current_cipher(ssl: *const SSL) -> *const SSL_CIPHER;
    fn SSL_CIPHER_get_protocol_id(c: *const SSL_CIPHER) -> u16;
}

#[link(name = "crypto")]
extern "C" {
    fn BIO_new_bio_pair(bio1: *mut *mut BIO, writebuf1: usize, bio2: *mut *mut BIO, writebuf2: usize) -> c_int;
    fn d2i_AutoPrivateKey(a: *mut *mut EVP_PKEY, pp: *mut *const u8, length: c_long) -> *mut EVP_PKEY;
    fn EVP_PKEY_free(pkey: *mut EVP_PKEY);
    fn d2i_X509(a: *mut *mut X509, pp: *mut *const u8, length: c_long) -> *mut X509;
    fn X509_free(x: *mut X509);
    fn X509_STORE_add_cert(store: *mut X509_STORE, x: *mut X509) -> c_int;
    fn OpenSSL_version(t: c_int) -> *const c_char;
    fn ERR_get_error() -> core::ffi::c_ulong;
    fn ERR_error_string_n(e: core::ffi::c_ulong, buf: *mut c_char, len: usize);
}

/// The OpenSSL error queue, for failure messages.
fn errors() -> String {
    let mut out = String::new();
    loop {
        // SAFETY: reads this thread's error queue.
        let e = unsafe { ERR_get_error() };
        if e == 0 {
            return out;
        }
        let mut buf = [0 as c_char; 256];
        // SAFETY: `buf` has the length given; the result is NUL-terminated.
        unsafe { ERR_error_string_n(e, buf.as_mut_ptr(), buf.len()) };
        // SAFETY: NUL-terminated by ERR_error_string_n.
        out.push_str(&unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy());
        out.push('\n');
    }
}

const SSL_CTRL_SET_GROUPS_LIST: c_int = 92;
const SSL_CTRL_SET_TLSEXT_HOSTNAME: c_int = 55;
const SSL_CTRL_SET_MIN_PROTO_VERSION: c_int = 123;
const SSL_CTRL_SET_MAX_PROTO_VERSION: c_int = 124;
const SSL_CTRL_GET_NEGOTIATED_GROUP: c_int = 134;
const SSL_VERIFY_PEER: c_int = 1;
const SSL_SENT_SHUTDOWN: c_int = 1;
const SSL_RECEIVED_SHUTDOWN: c_int = 2;
const SSL_ERROR_WANT_READ: c_int = 2;
const TLSEXT_NAMETYPE_HOST_NAME: c_long = 0;
pub const NID_X25519: i64 = 1034;
/// Each direction of the BIO pair holds this much (four 16 KiB records).
const PAIR_BUFFER: usize = 1 << 16;

/// `OpenSSL_version(OPENSSL_VERSION)`.
pub fn version() -> String {
    // SAFETY: returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(OpenSSL_version(0)) }.to_string_lossy().into_owned()
}

fn check(ok: bool, what: &str) {
    assert!(ok, "OpenSSL: {what} failed: {}", errors());
}

/// The two `SSL_CTX`s of one case.
pub struct Ctx {
    client: *mut SSL_CTX,
    server: *mut SSL_CTX,
}

// SAFETY: an SSL_CTX is thread-safe for SSL_new and session caching once
// configured (OpenSSL's documented threading model); it is only configured
// before being shared.
unsafe impl Send for Ctx {}
// SAFETY: as above.
unsafe impl Sync for Ctx {}

impl Ctx {
    pub fn new(ca_der: &[u8], id: &Identity, case: Case) -> Ctx {
        // SAFETY: straightforward libssl configuration calls on objects we own;
        // every string is NUL-terminated and every DER pointer/length pair valid.
        unsafe {
            let client = SSL_CTX_new(TLS_client_method());
            let server = SSL_CTX_new(TLS_server_method());
            check(!client.is_null() && !server.is_null(), "SSL_CTX_new");
            let v = match case.version {
                Version::Tls13 => 0x0304,
                Version::Tls12 => 0x0303,
            };
            for ctx in [client, server] {
                check(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, v, core::ptr::null_mut()) == 1, "min version");
                check(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION, v, core::ptr::null_mut()) == 1, "max version");
                check(SSL_CTX_set_ciphersuites(ctx, c"TLS_AES_128_GCM_SHA256".as_ptr()) == 1, "ciphersuites");
                let list = match case.key {
                    KeyKind::Ecdsa => c"ECDHE-ECDSA-AES128-GCM-SHA256",
                    KeyKind::Rsa => c"ECDHE-RSA-AES128-GCM-SHA256",
                };
                check(SSL_CTX_set_cipher_list(ctx, list.as_ptr()) == 1, "cipher list");
                check(
                    SSL_CTX_ctrl(ctx, SSL_CTRL_SET_GROUPS_LIST, 0, c"X25519:P-256:P-384".as_ptr() as *mut c_void) == 1,
                    "groups",
                );
            }
            check(SSL_CTX_use_certificate_ASN1(server, id.cert_der.len() as c_int, id.cert_der.as_ptr()) == 1, "cert");
            let mut p = id.key_der.as_ptr();
            let key = d2i_AutoPrivateKey(core::ptr::null_mut(), &mut p, id.key_der.len() as c_long);
            check(!key.is_null(), "d2i_AutoPrivateKey");
            check(SSL_CTX_use_PrivateKey(server, key) == 1, "use private key");
            EVP_PKEY_free(key);
            check(SSL_CTX_check_private_key(server) == 1, "check private key");

            let mut p = ca_der.as_ptr();
            let ca = d2i_X509(core::ptr::null_mut(), &mut p, ca_der.len() as c_long);
            check(!ca.is_null(), "d2i_X509");
            check(X509_STORE_add_cert(SSL_CTX_get_cert_store(client), ca) == 1, "add CA");
            X509_free(ca);
            SSL_CTX_set_verify(client, SSL_VERIFY_PEER, core::ptr::null());
            Ctx { client, server }
        }
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        // SAFETY: ours, freed once.
        unsafe {
            SSL_CTX_free(self.client);
            SSL_CTX_free(self.server);
        }
    }
}

/// Two connected `SSL`s.
pub struct Pair {
    pub client: *mut SSL,
    pub server: *mut SSL,
}

// SAFETY: an SSL object may move between threads; it is used by one at a time.
unsafe impl Send for Pair {}

impl Drop for Pair {
    fn drop(&mut self) {
        // SAFETY: ours, freed once (each frees its half of the BIO pair).
        unsafe {
            // Mark both ends closed cleanly (as if close_notify had been
            // exchanged) without the I/O: libssl invalidates the session of a
            // connection freed without shutdown, which the other stacks do not.
            SSL_set_shutdown(self.client, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
            SSL_set_shutdown(self.server, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
            SSL_free(self.client);
            SSL_free(self.server);
        }
    }
}

impl Pair {
    /// Frees the BIO pair (the in-memory transport, which stands for the
    /// socket): what stays is what an idle OpenSSL connection itself holds.
    pub fn drop_transport(&mut self) {
        // SAFETY: live SSLs; SSL_set_bio with NULLs releases the BIOs they own.
        unsafe {
            SSL_set_bio(self.client, core::ptr::null_mut(), core::ptr::null_mut());
            SSL_set_bio(self.server, core::ptr::null_mut(), core::ptr::null_mut());
        }
    }
}

/// Per-thread state: the client's session for resumption.
pub struct Driver {
    session: *mut SSL_SESSION,
    scratch: [u8; 16],
}

// SAFETY: the session is owned by this driver alone.
unsafe impl Send for Driver {}

impl Default for Driver {
    fn default() -> Self {
        Self { session: core::ptr::null_mut(), scratch: [0; 16] }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_null() {
            // SAFETY: our reference, released once.
            unsafe { SSL_SESSION_free(self.session) };
        }
    }
}

/// Drives `ssl`'s handshake one step; true when it is complete.
///
/// # Safety
/// `ssl` is a live SSL.
unsafe fn hs_step(ssl: *mut SSL, side: &str) -> bool {
    // SAFETY: forwarded.
    let r = unsafe { SSL_do_handshake(ssl) };
    if r == 1 {
        return true;
    }
    // SAFETY: forwarded.
    let e = unsafe { SSL_get_error(ssl, r) };
    assert_eq!(e, SSL_ERROR_WANT_READ, "OpenSSL {side} handshake failed: {}", errors());
    false
}

impl Driver {
    /// A whole handshake; with `resume`, the client offers the session of
    /// the previous handshake (and keeps the newest one for the next).
    /// Afterwards the client has processed the server's tickets.
    pub fn handshake(&mut self, ctx: &Ctx, resume: bool) -> Pair {
        // SAFETY: libssl calls on objects created here; the BIO pair halves are
        // handed to the SSLs, which free them.
        unsafe {
            let pair = Pair { client: SSL_new(ctx.client), server: SSL_new(ctx.server) };
            check(!pair.client.is_null() && !pair.server.is_null(), "SSL_new");
            let (mut b1, mut b2) = (core::ptr::null_mut(), core::ptr::null_mut());
            check(BIO_new_bio_pair(&mut b1, PAIR_BUFFER, &mut b2, PAIR_BUFFER) == 1, "BIO_new_bio_pair");
            SSL_set_bio(pair.client, b1, b1);
            SSL_set_bio(pair.server, b2, b2);
            SSL_set_connect_state(pair.client);
            SSL_set_accept_state(pair.server);
            let host = c"localhost";
            check(
                SSL_ctrl(
                    pair.client,
                    SSL_CTRL_SET_TLSEXT_HOSTNAME,
                    TLSEXT_NAMETYPE_HOST_NAME,
                    host.as_ptr() as *mut c_void,
                ) == 1,
                "SNI",
            );
            check(SSL_set1_host(pair.client, host.as_ptr()) == 1, "SSL_set1_host");
            if resume && !self.session.is_null() {
                check(SSL_set_session(pair.client, self.session) == 1, "SSL_set_session");
            }
            let (mut c_done, mut s_done) = (false, false);
            for _ in 0..16 {
                c_done = c_done || hs_step(pair.client, "client");
                s_done = s_done || hs_step(pair.server, "server");
                if c_done && s_done {
                    break;
                }
            }
            assert!(c_done && s_done, "OpenSSL handshake did not finish");
            // Process what the server sent after the handshake (tickets).
            let r = SSL_read(pair.client, self.scratch.as_mut_ptr().cast(), 1);
            assert!(r <= 0 && SSL_get_error(pair.client, r) == SSL_ERROR_WANT_READ, "no data expected");
            if resume {
                let s = SSL_get1_session(pair.client);
                if !s.is_null() {
                    if !self.session.is_null() {
                        SSL_SESSION_free(self.session);
                    }
                    self.session = s;
                }
            }
            pair
        }
    }
}

/// (version, suite id, resumed, group NID) of the client side.
pub fn negotiated(pair: &Pair) -> (u16, u16, bool, i64) {
    // SAFETY: queries on a live SSL.
    unsafe {
        (
            SSL_version(pair.client) as u16,
            SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(pair.client)),
            SSL_session_reused(pair.client) == 1,
            SSL_ctrl(pair.client, SSL_CTRL_GET_NEGOTIATED_GROUP, 0, core::ptr::null_mut()) as i64,
        )
    }
}

/// `SSL_write` on the client, `SSL_read` on the server, through the BIO pair.
pub struct Bulk {
    pair: Pair,
    out: Vec<u8>,
}

impl Bulk {
    pub fn new(pair: Pair, max: usize) -> Bulk {
        Bulk { pair, out: vec![0; max] }
    }

    pub fn message(&mut self, msg: &[u8]) {
        // SAFETY: live SSLs; buffers valid for the lengths given.
        unsafe {
            let w = SSL_write(self.pair.client, msg.as_ptr().cast(), msg.len() as c_int);
            assert_eq!(w as usize, msg.len(), "SSL_write");
            let mut got = 0;
            while got < msg.len() {
                let r = SSL_read(self.pair.server, self.out.as_mut_ptr().add(got).cast(), (msg.len() - got) as c_int);
                assert!(r > 0, "SSL_read");
                got += r as usize;
            }
        }
    }
}

pub fn check_roundtrip(bulk: &mut Bulk, msg: &[u8]) {
    bulk.message(msg);
    assert_eq!(&bulk.out[..msg.len()], msg, "OpenSSL round trip");
}
