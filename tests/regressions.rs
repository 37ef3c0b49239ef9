//! Regression tests for bugs found by the fuzzers and the hostile peers
//! (`fuzz/`, `tests/hostile_peers.rs`), in memory and without Python, so
//! that plain `cargo test` keeps them fixed. Each test names what it found.

mod common;

use common::*;
use secur32::abi::*;

const ALERT: u8 = 21;
const FATAL: u8 = 2;

fn tls12_only_client() -> CredHandle {
    client_credential(SP_PROT_TLS1_2_CLIENT, 0)
}

fn server() -> Peer {
    let mut s = Peer::server(server_credential(&pki().server_ecdsa, 0, 0));
    s.flags |= ASC_REQ_EXTENDED_ERROR;
    s
}

/// The whole records of `bytes`.
fn records(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while bytes.len() >= 5 {
        let n = 5 + u16::from_be_bytes([bytes[3], bytes[4]]) as usize;
        out.push(bytes[..n].to_vec());
        bytes = &bytes[n..];
    }
    out
}

fn record(typ: u8, payload: &[u8]) -> Vec<u8> {
    let mut r = vec![typ, 3, 3];
    r.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    r.extend_from_slice(payload);
    r
}

/// A real ClientHello (as handshake bytes, without record headers).
fn client_hello(cred: CredHandle, alpn: Option<Vec<u8>>) -> Vec<u8> {
    let mut c = Peer::client(cred, "localhost");
    c.alpn = alpn;
    let (st, token) = c.call();
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    c.delete();
    records(&token).iter().flat_map(|r| r[5..].to_vec()).collect()
}

/// The server's answer (status, output token) to `bytes` in one call.
fn serve(bytes: Vec<u8>) -> (i32, Vec<u8>) {
    let mut s = server();
    s.inbox = bytes;
    let r = s.call();
    s.delete();
    r
}

#[test]
fn fuzz_a_record_that_fails_to_deframe_gets_exactly_one_alert() {
    // Found by the accept fuzzer (fuzz/regressions/accept/): the client's
    // second TLS 1.2 flight from another session makes the Finished fail to
    // decrypt; rustls was asked again with the same record, queued a second
    // fatal alert (a debug assertion, a panic caught as SEC_E_INTERNAL_ERROR;
    // in release, two alerts on the wire).
    let mut client = Peer::client(tls12_only_client(), "localhost");
    let mut first = server();
    let (_, hello) = client.call();
    first.inbox = hello.clone();
    let (st, server_flight) = first.call();
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    client.inbox = server_flight;
    let (st, second_flight) = client.call();
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    assert!(records(&second_flight).iter().any(|r| r[0] == 20), "ClientKeyExchange, CCS, Finished");
    // The same client flights to another server: its keys differ.
    let mut other = server();
    other.inbox = hello;
    assert_eq!(other.call().0, SEC_I_CONTINUE_NEEDED);
    other.inbox = second_flight;
    let (st, token) = other.call();
    assert_eq!(st, SEC_E_DECRYPT_FAILURE, "not SEC_E_INTERNAL_ERROR from a caught panic");
    assert_eq!(records(&token), vec![vec![ALERT, 3, 3, 0, 2, FATAL, 20]], "exactly one bad_record_mac");
    for mut p in [client, first, other] {
        p.delete();
    }
}

#[test]
fn hostile_plaintext_record_over_2_14_is_record_overflow() {
    // Found by the hostile peers (c-plaintext-over-2^14): rustls takes
    // plaintext records up to 2^14 + 2048 bytes; RFC 8446 5.1 says 2^14.
    let ids: Vec<Vec<u8>> = (0..70).map(|i| vec![b'a' + (i % 26) as u8; 250]).collect();
    let refs: Vec<&[u8]> = ids.iter().map(Vec::as_slice).collect();
    let hello = client_hello(client_credential(0, 0), Some(alpn_blob(&refs)));
    assert!(hello.len() > 1 << 14, "a ClientHello of {} bytes", hello.len());
    let (st, token) = serve(record(22, &hello));
    assert_eq!(st, SEC_E_ILLEGAL_MESSAGE);
    assert_eq!(records(&token), vec![vec![ALERT, 3, 3, 0, 2, FATAL, 22]], "record_overflow");
    // The same bytes in legal records are fine.
    let legal: Vec<u8> = hello.chunks(1 << 14).flat_map(|c| record(22, c)).collect();
    assert_eq!(serve(legal).0, SEC_I_CONTINUE_NEEDED);
}

#[test]
fn hostile_client_hello_below_tls12_is_protocol_version() {
    // Found by the hostile peers (c-downgrade-tls10): rustls answered a TLS
    // 1.0 ClientHello with handshake_failure; RFC 5246 E.1 wants protocol_version.
    let mut hello = client_hello(client_credential(0, 0), None);
    for minor in [0u8, 1, 2] {
        hello[5] = minor; // legacy_version, after the 4-byte handshake header
        let (st, token) = serve(record(22, &hello));
        assert_eq!(st, SEC_E_ALGORITHM_MISMATCH, "3.{minor}");
        assert_eq!(records(&token), vec![vec![ALERT, 3, 3, 0, 2, FATAL, 70]], "3.{minor}: protocol_version");
    }
}

#[test]
fn hostile_interleaved_handshake_message_gets_unexpected_message() {
    // Found by the hostile peers (c-interleaved): rustls refuses a record
    // between two fragments of a handshake message, but sends no alert.
    let hello = client_hello(client_credential(0, 0), None);
    let half = hello.len() / 2;
    let bytes = [record(22, &hello[..half]), record(21, &[1, 90]), record(22, &hello[half..])].concat();
    let (st, token) = serve(bytes);
    assert_eq!(st, SEC_E_ILLEGAL_MESSAGE);
    assert_eq!(records(&token), vec![vec![ALERT, 3, 3, 0, 2, FATAL, 10]], "unexpected_message");
}

#[test]
fn hostile_handshake_message_over_64k_gets_decode_error() {
    // Found by the hostile peers (c-hello-too-large, s-handshake-too-large):
    // rustls refuses a handshake message longer than 0xffff without an alert.
    let n = 0x10100usize;
    let mut msg = vec![1u8, (n >> 16) as u8, (n >> 8) as u8, n as u8];
    msg.resize(4 + n, 0);
    let bytes: Vec<u8> = msg.chunks(1 << 14).flat_map(|c| record(22, c)).collect();
    let (st, token) = serve(bytes);
    assert_eq!(st, SEC_E_ILLEGAL_MESSAGE);
    assert_eq!(records(&token), vec![vec![ALERT, 3, 3, 0, 2, FATAL, 50]], "decode_error");
}

fn alpn_blob(ids: &[&[u8]]) -> Vec<u8> {
    let mut list = Vec::new();
    for id in ids {
        list.push(id.len() as u8);
        list.extend_from_slice(id);
    }
    let mut out = Vec::new();
    out.extend_from_slice(&((list.len() + 6) as u32).to_ne_bytes());
    out.extend_from_slice(&2i32.to_ne_bytes());
    out.extend_from_slice(&(list.len() as u16).to_ne_bytes());
    out.extend_from_slice(&list);
    out
}
