//! sspi-rustls against plain rustls connections as the peer, in memory:
//! keying material compared with rustls' own exporter, peer-initiated key
//! updates, and the message layer against an independent TLS stack.

mod common;

use std::io::{Read, Write};
use std::sync::Arc;

use common::*;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use secur32::abi::*;
use secur32::entry::attributes::{QueryContextAttributesW, SetContextAttributesW};
use secur32::entry::messages::EncryptMessage;
use secur32::entry::packages::FreeContextBuffer;

fn roots() -> Arc<rustls::RootCertStore> {
    let mut r = rustls::RootCertStore::empty();
    r.add(CertificateDer::from(pki().ca_der.clone())).unwrap();
    Arc::new(r)
}

fn rustls_server(version: &'static rustls::SupportedProtocolVersion) -> rustls::ServerConnection {
    let p = pki();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[version])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(p.server_ecdsa.cert_der.clone())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(p.server_ecdsa.key_der.clone())),
        )
        .unwrap();
    rustls::ServerConnection::new(Arc::new(config)).unwrap()
}

fn rustls_client(version: &'static rustls::SupportedProtocolVersion) -> rustls::ClientConnection {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[version])
        .unwrap()
        .with_root_certificates(roots())
        .with_no_client_auth();
    rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap()).unwrap()
}

/// Pumps bytes between an SSPI peer and a rustls connection until both are done.
fn connect<D>(peer: &mut Peer, conn: &mut rustls::ConnectionCommon<D>) {
    for _ in 0..50 {
        // rustls -> SSPI
        let mut out = Vec::new();
        while conn.wants_write() {
            conn.write_tls(&mut out).unwrap();
        }
        peer.inbox.extend(out);
        if !peer.done && (!peer.inbox.is_empty() || peer.ctx.is_none() && !peer.server) {
            let (st, token) = peer.call();
            assert!(matches!(st, SEC_E_OK | SEC_I_CONTINUE_NEEDED | SEC_E_INCOMPLETE_MESSAGE), "status {st:#x}");
            if st == SEC_E_OK {
                peer.done = true;
            }
            let mut t = &token[..];
            while !t.is_empty() {
                conn.read_tls(&mut t).unwrap();
            }
            conn.process_new_packets().unwrap();
        }
        if peer.done && !conn.is_handshaking() && !conn.wants_write() {
            return;
        }
    }
    panic!("handshake with rustls did not finish");
}

/// Gives `bytes` to a rustls connection (read_tls takes at most a few KiB at once).
fn feed<D>(conn: &mut rustls::ConnectionCommon<D>, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        conn.read_tls(&mut bytes).unwrap();
        conn.process_new_packets().unwrap();
    }
}

fn keying_material(ctx: &mut CtxtHandle, label: &str, context: Option<&[u8]>, len: u32) -> Vec<u8> {
    let mut label = label.as_bytes().to_vec();
    label.push(0);
    let mut ctxv = context.map(<[u8]>::to_vec).unwrap_or_default();
    let mut info = SecPkgContext_KeyingMaterialInfo {
        cbLabel: label.len() as u16,
        pszLabel: label.as_mut_ptr().cast(),
        cbContextValue: ctxv.len() as u16,
        pbContextValue: if context.is_some() { ctxv.as_mut_ptr() } else { core::ptr::null_mut() },
        cbKeyingMaterial: len,
    };
    let st = unsafe {
        SetContextAttributesW(
            ctx,
            SECPKG_ATTR_KEYING_MATERIAL_INFO,
            (&mut info as *mut SecPkgContext_KeyingMaterialInfo).cast(),
            core::mem::size_of::<SecPkgContext_KeyingMaterialInfo>() as u32,
        )
    };
    assert_eq!(st, SEC_E_OK);
    let mut km = SecPkgContext_KeyingMaterial { cbKeyingMaterial: 0, pbKeyingMaterial: core::ptr::null_mut() };
    let st = unsafe {
        QueryContextAttributesW(ctx, SECPKG_ATTR_KEYING_MATERIAL, (&mut km as *mut SecPkgContext_KeyingMaterial).cast())
    };
    assert_eq!(st, SEC_E_OK);
    let v = unsafe { core::slice::from_raw_parts(km.pbKeyingMaterial, km.cbKeyingMaterial as usize) }.to_vec();
    assert_eq!(unsafe { FreeContextBuffer(km.pbKeyingMaterial.cast()) }, SEC_E_OK);
    v
}

#[test]
fn keying_material_matches_rustls_both_versions_and_sides() {
    for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
        for context in [None, Some(&b""[..]), Some(&b"some context"[..])] {
            // SSPI client, rustls server.
            let mut server = rustls_server(version);
            let mut client = Peer::client(client_credential(0, 0), "localhost");
            connect(&mut client, &mut server);
            let mut c = client.ctx.unwrap();
            let ours = keying_material(&mut c, "EXPERIMENTAL sspi", context, 48);
            let theirs = server.export_keying_material(vec![0u8; 48], b"EXPERIMENTAL sspi", context).unwrap();
            assert_eq!(ours, theirs, "client side, {version:?}, context {context:?}");
            client.delete();

            // SSPI server, rustls client.
            let mut rc = rustls_client(version);
            let mut server = Peer::server(server_credential(&pki().server, 0, 0));
            connect(&mut server, &mut rc);
            let mut s = server.ctx.unwrap();
            let ours = keying_material(&mut s, "EXPERIMENTAL sspi", context, 20);
            let theirs = rc.export_keying_material(vec![0u8; 20], b"EXPERIMENTAL sspi", context).unwrap();
            assert_eq!(ours, theirs, "server side, {version:?}, context {context:?}");
            server.delete();
        }
    }
}

#[test]
fn data_both_ways_with_rustls_and_key_update() {
    for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
        let mut server = rustls_server(version);
        let mut client = Peer::client(client_credential(0, 0), "localhost");
        connect(&mut client, &mut server);
        let mut c = client.ctx.unwrap();
        // Ours -> rustls, non-contiguous buffers.
        for size in [0usize, 5, 16384] {
            let msg: Vec<u8> = (0..size).map(|i| i as u8).collect();
            let rec = encrypt_split(&mut c, &msg);
            feed(&mut server, &rec);
            let mut got = vec![0u8; size];
            if size > 0 {
                server.reader().read_exact(&mut got).unwrap();
            }
            assert_eq!(got, msg);
        }
        // rustls -> ours, including the session tickets sent after the handshake.
        server.writer().write_all(b"hello from rustls").unwrap();
        let mut wire = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut wire).unwrap();
        }
        client.inbox.extend(wire);
        let mut got = Vec::new();
        while got.len() < 17 {
            let (st, p, _) = decrypt(&mut c, &mut client.inbox);
            assert_eq!(st, SEC_E_OK);
            got.extend(p);
        }
        assert_eq!(got, b"hello from rustls");

        if version == &rustls::version::TLS13 {
            // The peer updates its keys and asks us to update ours.
            server.refresh_traffic_keys().unwrap();
            server.writer().write_all(b"after update").unwrap();
            let mut wire = Vec::new();
            while server.wants_write() {
                server.write_tls(&mut wire).unwrap();
            }
            client.inbox.extend(wire);
            let (st, p, _) = decrypt(&mut c, &mut client.inbox);
            assert_eq!((st, p.len()), (SEC_I_RENEGOTIATE, 0), "the KeyUpdate needs an answer");
            // The application calls ISC with what is left; it gets our KeyUpdate.
            let keep = client.inbox.clone();
            client.inbox.clear();
            let (st, token) = client.call();
            assert_eq!(st, SEC_E_OK);
            assert!(!token.is_empty());
            feed(&mut server, &token);
            client.inbox = keep;
            let (st, p, _) = decrypt(&mut c, &mut client.inbox);
            assert_eq!((st, p.as_slice()), (SEC_E_OK, &b"after update"[..]));
            // Our new keys work for the peer.
            let rec = encrypt_split(&mut c, b"new keys");
            feed(&mut server, &rec);
            let mut got = [0u8; 8];
            server.reader().read_exact(&mut got).unwrap();
            assert_eq!(&got, b"new keys");
        }
        client.delete();
    }
}

#[test]
fn rustls_client_sends_data_right_after_finished() {
    for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
        let mut rc = rustls_client(version);
        rc.writer().write_all(b"early app data").unwrap();
        let mut server = Peer::server(server_credential(&pki().server, 0, 0));
        connect(&mut server, &mut rc);
        // The application data that followed the client's Finished came back as EXTRA.
        let mut wire = Vec::new();
        while rc.wants_write() {
            rc.write_tls(&mut wire).unwrap();
        }
        server.inbox.extend(wire);
        let mut s = server.ctx.unwrap();
        let (st, p, _) = decrypt(&mut s, &mut server.inbox);
        assert_eq!((st, p.as_slice()), (SEC_E_OK, &b"early app data"[..]), "{version:?}");
        server.delete();
    }
}

#[test]
fn oob_alert_through_encrypt_message() {
    for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
        let mut server = rustls_server(version);
        let mut client = Peer::client(client_credential(0, 0), "localhost");
        connect(&mut client, &mut server);
        let mut c = client.ctx.unwrap();
        // SECQOP_WRAP_OOB_DATA: DATA is an alert; close_notify ends the sending side.
        let mut hdr = vec![0u8; 13];
        let mut alert = [1u8, 0];
        let mut trl = vec![0u8; 17];
        let mut bufs = [
            SecBuffer { cbBuffer: 13, BufferType: SECBUFFER_STREAM_HEADER, pvBuffer: hdr.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 2, BufferType: SECBUFFER_DATA, pvBuffer: alert.as_mut_ptr().cast() },
            SecBuffer { cbBuffer: 17, BufferType: SECBUFFER_STREAM_TRAILER, pvBuffer: trl.as_mut_ptr().cast() },
        ];
        let mut desc = SecBufferDesc { ulVersion: 0, cBuffers: 3, pBuffers: bufs.as_mut_ptr() };
        assert_eq!(unsafe { EncryptMessage(&mut c, SECQOP_WRAP_OOB_DATA, &mut desc, 0) }, SEC_E_OK);
        let mut rec = hdr[..bufs[0].cbBuffer as usize].to_vec();
        rec.extend_from_slice(&alert);
        rec.extend_from_slice(&trl[..bufs[2].cbBuffer as usize]);
        feed(&mut server, &rec);
        let mut buf = [0u8; 8];
        assert_eq!(server.reader().read(&mut buf).unwrap(), 0, "the peer saw a clean close ({version:?})");
        assert_eq!(unsafe { EncryptMessage(&mut c, 0, &mut desc, 0) }, SEC_E_CONTEXT_EXPIRED);
        client.delete();
    }
}
