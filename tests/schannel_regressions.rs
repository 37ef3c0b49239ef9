//! Regressions found by the interop tests (ffi-tests/interop), reproduced
//! through the exported C ABI with both ends in this library.

mod common;

use common::*;
use secur32::abi::*;
use secur32::entry::contexts::ApplyControlToken;

/// A self-signed server certificate with CA:TRUE (what `openssl req -x509`
/// makes) that the client does not trust: Windows reports an untrusted root,
/// not a certificate it cannot use. Found against `openssl s_server` (the
/// client said SEC_E_CERT_UNKNOWN and sent certificate_unknown).
#[test]
fn untrusted_self_signed_ca_certificate_is_an_untrusted_root() {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    let id = Identity { cert_der: cert.der().to_vec(), key_der: key.serialize_der() };
    for protocols in [SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_3_CLIENT] {
        let mut server = Peer::server(server_credential(&id, 0, 0));
        let mut client = Peer::client(client_credential(protocols, 0), "localhost");
        client.flags |= ISC_REQ_EXTENDED_ERROR;
        let err = handshake(&mut client, &mut server).unwrap_err();
        assert_eq!(err, ("client", SEC_E_UNTRUSTED_ROOT), "protocols {protocols:#x}");
        client.delete();
        server.delete();
    }
}

/// The same for a client certificate presented to a server asking for one:
/// a self-signed CA:TRUE certificate that no anchor vouches for is an
/// untrusted root (unknown_ca to the client), not an unusable certificate.
#[test]
fn untrusted_self_signed_client_certificate_is_an_untrusted_root() {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["client.test".to_string()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    let id = Identity { cert_der: cert.der().to_vec(), key_der: key.serialize_der() };
    for protocols in [SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_3_CLIENT] {
        let mut server = Peer::server(server_credential(&pki().server, 0, 0));
        server.flags |= ASC_REQ_MUTUAL_AUTH;
        let client_cred = credential(
            secur32::packages::CredentialUse { inbound: false, outbound: true },
            secur32::packages::SchannelCredSpec {
                version: SCHANNEL_CRED_VERSION,
                enabled_protocols: protocols,
                certs: vec![context_of(&id)],
                ..Default::default()
            },
        )
        .unwrap();
        let mut client = Peer::client(client_cred, "localhost");
        let err = handshake(&mut client, &mut server).unwrap_err();
        // TLS 1.2: the server fails on the client's flight; TLS 1.3 likewise
        // (the client finished first and learns it from the alert later).
        assert_eq!(err, ("server", SEC_E_UNTRUSTED_ROOT), "protocols {protocols:#x}");
        client.delete();
        server.delete();
    }
}

/// The request flags curl's Schannel backend passes to every
/// `InitializeSecurityContext` (lib/vtls/schannel.c: sequence and replay
/// detection, confidentiality, allocated memory, stream, supplied
/// credentials). curl fails the handshake unless the returned flags equal
/// these.
const CURL_ISC_REQ: u32 = ISC_REQ_SEQUENCE_DETECT
    | ISC_REQ_REPLAY_DETECT
    | ISC_REQ_CONFIDENTIALITY
    | ISC_REQ_ALLOCATE_MEMORY
    | ISC_REQ_STREAM
    | ISC_REQ_USE_SUPPLIED_CREDS;

/// curl's first call passes one output buffer typed `SECBUFFER_EMPTY`, NULL,
/// with `ISC_REQ_ALLOCATE_MEMORY`, and reads the token from it: it was
/// answered `SEC_E_INSUFFICIENT_MEMORY` (only a TOKEN buffer was looked for).
/// The returned flags equal curl's request, also with the credential curl
/// makes for `-k` / `--cacert` (`SCH_CRED_MANUAL_CRED_VALIDATION`), which
/// used to add `ISC_RET_MANUAL_CRED_VALIDATION`; `ISC_RET_USED_SUPPLIED_CREDS`
/// was missing.
#[test]
fn curl_one_empty_output_buffer_and_flag_equality() {
    assert_eq!(CURL_ISC_REQ, 0x819C);
    let pki = pki();
    for protocols in [SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_3_CLIENT] {
        for cred_flags in [0, SCH_CRED_MANUAL_CRED_VALIDATION] {
            let mut server = Peer::server(server_credential(&pki.server, 0, 0));
            server.one_empty_output = true;
            let mut client = Peer::client(client_credential(protocols, cred_flags), "localhost");
            client.flags = CURL_ISC_REQ;
            client.one_empty_output = true;
            handshake(&mut client, &mut server).unwrap();
            assert_eq!(client.attrs, CURL_ISC_REQ, "protocols {protocols:#x}, credential flags {cred_flags:#x}");
            assert_eq!(
                server.attrs,
                ASC_RET_SEQUENCE_DETECT
                    | ASC_RET_REPLAY_DETECT
                    | ASC_RET_CONFIDENTIALITY
                    | ASC_RET_STREAM
                    | ASC_RET_ALLOCATED_MEMORY
            );
            // Data both ways, then curl's shutdown: SCHANNEL_SHUTDOWN and an
            // ISC call with the same one-EMPTY-buffer layout gives close_notify.
            let (mut c, mut s) = (client.ctx.unwrap(), server.ctx.unwrap());
            let mut wire = encrypt(&mut c, b"GET / HTTP/1.1\r\n\r\n");
            let mut inbox = std::mem::take(&mut server.inbox);
            inbox.append(&mut wire);
            let (st, plain, _) = decrypt(&mut s, &mut inbox);
            assert_eq!((st, plain.as_slice()), (SEC_E_OK, &b"GET / HTTP/1.1\r\n\r\n"[..]));
            let mut shutdown = SCHANNEL_SHUTDOWN.to_ne_bytes();
            let mut tok =
                [SecBuffer { cbBuffer: 4, BufferType: SECBUFFER_TOKEN, pvBuffer: shutdown.as_mut_ptr().cast() }];
            let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: tok.as_mut_ptr() };
            assert_eq!(unsafe { ApplyControlToken(&mut c, &mut desc) }, SEC_E_OK);
            client.done = false;
            client.inbox.clear();
            let (st, close) = client.call();
            assert_eq!(st, SEC_E_OK);
            assert_eq!(client.attrs, CURL_ISC_REQ);
            assert!(!close.is_empty(), "close_notify in the EMPTY buffer");
            let mut inbox = close;
            let (st, _, _) = decrypt(&mut s, &mut inbox);
            assert_eq!(st, SEC_I_CONTEXT_EXPIRED, "the server reads close_notify");
            client.delete();
            server.delete();
        }
    }
}

/// Flags are returned for what was requested, never for what the
/// credential or the handshake did on its own: `ISC_RET_MANUAL_CRED_VALIDATION`
/// when `ISC_REQ_MANUAL_CRED_VALIDATION` was asked, not for the credential
/// flag; no `ISC_RET_MUTUAL_AUTH` for a client certificate sent unasked.
#[test]
fn returned_flags_follow_the_request() {
    let pki = pki();
    let mut server = Peer::server(server_credential(&pki.server, 0, 0));
    server.flags |= ASC_REQ_MUTUAL_AUTH;
    let mut client = Peer::client(client_credential_with_cert(&pki.client), "localhost");
    handshake(&mut client, &mut server).unwrap();
    assert_eq!(client.attrs & (ISC_RET_MUTUAL_AUTH | ISC_RET_MANUAL_CRED_VALIDATION | ISC_RET_USED_SUPPLIED_CREDS), 0);
    assert_ne!(server.attrs & ASC_RET_MUTUAL_AUTH, 0);
    client.delete();
    server.delete();

    let mut server = Peer::server(server_credential(&pki.server, 0, 0));
    let mut client = Peer::client(client_credential(0, 0), "localhost");
    client.flags |= ISC_REQ_MANUAL_CRED_VALIDATION | ISC_REQ_EXTENDED_ERROR;
    handshake(&mut client, &mut server).unwrap();
    assert_eq!(
        client.attrs & (ISC_RET_MANUAL_CRED_VALIDATION | ISC_RET_EXTENDED_ERROR | ISC_RET_MUTUAL_AUTH),
        ISC_RET_MANUAL_CRED_VALIDATION | ISC_RET_EXTENDED_ERROR
    );
    client.delete();
    server.delete();
}

/// A server asking for an optional client certificate, a client without one:
/// `SEC_I_INCOMPLETE_CREDENTIALS`, and curl / Chromium / the SDK's WebClient
/// call again with the SAME input. That was fed to rustls a second time
/// (`SEC_E_ILLEGAL_MESSAGE` in TLS 1.2, a corrupt stream in TLS 1.3). Both
/// retry styles complete, without a certificate, in both versions.
#[test]
fn incomplete_credentials_retried_with_the_same_input_or_empty_input() {
    let pki = pki();
    for protocols in [SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_3_CLIENT] {
        for same_input in [true, false] {
            let mut server = Peer::server(server_credential(&pki.server, 0, 0));
            server.flags |= ASC_REQ_MUTUAL_AUTH;
            let mut client = Peer::client(client_credential(protocols, 0), "localhost");
            client.same_input_after_incomplete_creds = same_input;
            client.one_empty_output = same_input;
            let what = format!("protocols {protocols:#x}, same input {same_input}");
            handshake(&mut client, &mut server).unwrap_or_else(|e| panic!("{what}: {e:x?}"));
            assert_eq!(client.statuses.iter().filter(|&&s| s == SEC_I_INCOMPLETE_CREDENTIALS).count(), 1, "{what}");
            assert_eq!(server.attrs & ASC_RET_MUTUAL_AUTH, 0, "{what}");
            // The stream is intact: data flows both ways.
            let (mut c, mut s) = (client.ctx.unwrap(), server.ctx.unwrap());
            let mut inbox = std::mem::take(&mut server.inbox);
            inbox.extend(encrypt(&mut c, b"ping"));
            let (st, plain, _) = decrypt(&mut s, &mut inbox);
            assert_eq!((st, plain.as_slice()), (SEC_E_OK, &b"ping"[..]), "{what}");
            let mut inbox = std::mem::take(&mut client.inbox);
            inbox.extend(encrypt(&mut s, b"pong"));
            let mut plain = Vec::new();
            // TLS 1.3 tickets come first: read until the data.
            for _ in 0..4 {
                let (st, p, _) = decrypt(&mut c, &mut inbox);
                assert!(matches!(st, SEC_E_OK | SEC_I_RENEGOTIATE), "{what}: {st:#x}");
                plain.extend(p);
                if !plain.is_empty() {
                    break;
                }
            }
            assert_eq!(plain, b"pong", "{what}");
            client.delete();
            server.delete();
        }
    }
}

/// With `ISC_REQ_USE_SUPPLIED_CREDS` (curl's default request, schannel-rs'),
/// Windows does not return `SEC_I_INCOMPLETE_CREDENTIALS` when the server
/// asks for a certificate the credential lacks: it answers with what it was
/// given (an empty Certificate). curl treats the status as fatal when it had
/// asked for supplied credentials, so it could not reach a server that asks
/// for an optional certificate (gnutls-serv's default).
#[test]
fn use_supplied_creds_goes_on_without_incomplete_credentials() {
    let pki = pki();
    for protocols in [SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_3_CLIENT] {
        let mut server = Peer::server(server_credential(&pki.server, 0, 0));
        server.flags |= ASC_REQ_MUTUAL_AUTH;
        let mut client = Peer::client(client_credential(protocols, 0), "localhost");
        client.flags = CURL_ISC_REQ;
        client.one_empty_output = true;
        let what = format!("protocols {protocols:#x}");
        handshake(&mut client, &mut server).unwrap_or_else(|e| panic!("{what}: {e:x?}"));
        assert!(!client.statuses.contains(&SEC_I_INCOMPLETE_CREDENTIALS), "{what}: {:x?}", client.statuses);
        assert_eq!(client.attrs, CURL_ISC_REQ, "{what}");
        assert_eq!(server.attrs & ASC_RET_MUTUAL_AUTH, 0, "{what}");
        let (mut c, mut s) = (client.ctx.unwrap(), server.ctx.unwrap());
        let mut inbox = std::mem::take(&mut server.inbox);
        inbox.extend(encrypt(&mut c, b"ping"));
        let (st, plain, _) = decrypt(&mut s, &mut inbox);
        assert_eq!((st, plain.as_slice()), (SEC_E_OK, &b"ping"[..]), "{what}");
        client.delete();
        server.delete();
    }
}

/// Right after `SEC_I_INCOMPLETE_CREDENTIALS`, mid-handshake, the SDK's
/// WebClient sample (and .NET) read `SECPKG_ATTR_ISSUER_LIST_EX` to pick a
/// certificate: it answered `SEC_E_INVALID_HANDLE` ("the handshake is not
/// complete"), which stops them. Found by the WebClient replay
/// (ffi-tests/callers/webclient.c).
#[test]
fn issuer_list_readable_after_incomplete_credentials() {
    use secur32::entry::attributes::QueryContextAttributesW;
    let pki = pki();
    for protocols in [SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_3_CLIENT] {
        let what = format!("protocols {protocols:#x}");
        let mut server = Peer::server(server_credential(&pki.server, 0, 0));
        server.flags |= ASC_REQ_MUTUAL_AUTH;
        let mut client = Peer::client(client_credential(protocols, 0), "localhost");
        let (st, hello) = client.call();
        assert_eq!(st, SEC_I_CONTINUE_NEEDED, "{what}");
        let mut c2s: std::collections::VecDeque<u8> = hello.into();
        let flight = server.run(&mut c2s).unwrap();
        client.inbox.extend(flight);
        let (st, _) = client.call();
        assert_eq!(st, SEC_I_INCOMPLETE_CREDENTIALS, "{what}");
        let mut list = SecPkgContext_IssuerListInfoEx { aIssuers: core::ptr::null_mut(), cIssuers: 0 };
        let mut ctx = client.ctx.unwrap();
        let st = unsafe {
            QueryContextAttributesW(
                &mut ctx,
                SECPKG_ATTR_ISSUER_LIST_EX,
                (&mut list as *mut SecPkgContext_IssuerListInfoEx).cast(),
            )
        };
        assert_eq!(st, SEC_E_OK, "{what}");
        if !list.aIssuers.is_null() {
            assert_eq!(unsafe { secur32::entry::packages::FreeContextBuffer(list.aIssuers.cast()) }, SEC_E_OK);
        }
        // The handshake then goes on without a certificate.
        handshake(&mut client, &mut server).unwrap_or_else(|e| panic!("{what}: {e:x?}"));
        client.delete();
        server.delete();
    }
}

/// Wine's Windows-verified schannel test (`test_communication`), found by
/// the replay in ffi-tests/callers/wine.c: bytes that cannot start a TLS
/// record are `SEC_E_INVALID_TOKEN` (they were `SEC_E_ILLEGAL_MESSAGE`, and a
/// first byte with the high bit set was taken for an SSLv2 hello), and the
/// caller's output buffer then says 0 bytes (it kept its length);
/// `DecryptMessage` on a record short of its length retypes the DATA buffer
/// itself `SECBUFFER_MISSING` with the missing count (it used an EMPTY one).
#[test]
fn wine_communication_expectations() {
    use secur32::entry::contexts::InitializeSecurityContextW;
    use secur32::entry::messages::DecryptMessage;
    let pki = pki();
    for garbage in [0xCCu8, 0x00, 0x42] {
        let mut cred = client_credential(0, SCH_CRED_MANUAL_CRED_VALIDATION);
        let target = wide("localhost");
        let mut ctx = CtxtHandle { dwLower: 0, dwUpper: 0 };
        let mut out_mem = vec![0u8; 4000];
        let mut out =
            [SecBuffer { cbBuffer: 4000, BufferType: SECBUFFER_TOKEN, pvBuffer: out_mem.as_mut_ptr().cast() }];
        let mut out_desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: out.as_mut_ptr() };
        let mut attrs = 0;
        let req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM;
        let st = unsafe {
            InitializeSecurityContextW(
                &mut cred,
                core::ptr::null_mut(),
                target.as_ptr() as *mut u16,
                req,
                0,
                0,
                core::ptr::null_mut(),
                0,
                &mut ctx,
                &mut out_desc,
                &mut attrs,
                core::ptr::null_mut(),
            )
        };
        assert_eq!(st, SEC_I_CONTINUE_NEEDED);
        let mut junk = vec![garbage; 4000];
        let mut inb = [SecBuffer { cbBuffer: 4000, BufferType: SECBUFFER_TOKEN, pvBuffer: junk.as_mut_ptr().cast() }];
        let mut in_desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 1, pBuffers: inb.as_mut_ptr() };
        out[0].cbBuffer = 1;
        let st = unsafe {
            InitializeSecurityContextW(
                &mut cred,
                &mut ctx,
                target.as_ptr() as *mut u16,
                req,
                0,
                0,
                &mut in_desc,
                0,
                core::ptr::null_mut(),
                &mut out_desc,
                &mut attrs,
                core::ptr::null_mut(),
            )
        };
        assert_eq!(st, SEC_E_INVALID_TOKEN, "garbage {garbage:#x}");
        assert_eq!(out[0].cbBuffer, 0, "garbage {garbage:#x}: the output says nothing to send");
        assert_eq!(unsafe { secur32::entry::contexts::DeleteSecurityContext(&mut ctx) }, SEC_E_OK);
        free_credential(cred);
    }

    let mut server = Peer::server(server_credential(&pki.server, 0, 0));
    let mut client = Peer::client(client_credential(0, 0), "localhost");
    handshake(&mut client, &mut server).unwrap();
    let (mut c, mut s) = (client.ctx.unwrap(), server.ctx.unwrap());
    let mut rec = encrypt(&mut s, b"a record to cut short");
    // Only the record: drop what the handshake left (tickets) on the client side.
    let _ = std::mem::take(&mut client.inbox);
    let short = ((rec[3] as usize) << 8) | rec[4] as usize;
    let mut bufs = [
        SecBuffer { cbBuffer: short as u32, BufferType: SECBUFFER_DATA, pvBuffer: rec.as_mut_ptr().cast() },
        SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
        SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
        SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
    ];
    let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
    let st = unsafe { DecryptMessage(&mut c, &mut desc, 0, core::ptr::null_mut()) };
    assert_eq!(st, SEC_E_INCOMPLETE_MESSAGE);
    assert_eq!((bufs[0].BufferType, bufs[0].cbBuffer), (SECBUFFER_MISSING, 5));
    assert!(bufs[1..].iter().all(|b| b.BufferType == SECBUFFER_EMPTY));
    client.delete();
    server.delete();
}

/// After `SEC_I_INCOMPLETE_CREDENTIALS` the SDK's WebClient sample and .NET
/// acquire a new credential holding a client certificate and pass it on the
/// next call. rustls had already answered the CertificateRequest without
/// one; now (TLS 1.2) the records from the CertificateRequest on are held
/// back until that next call, and the certificate is sent. Both retry styles.
#[test]
fn certificate_added_after_incomplete_credentials_is_sent_tls12() {
    use secur32::entry::attributes::QueryContextAttributesW;
    let pki = pki();
    for same_input in [true, false] {
        let what = format!("same input {same_input}");
        let mut server = Peer::server(server_credential(&pki.server, SP_PROT_TLS1_2_SERVER, 0));
        server.flags |= ASC_REQ_MUTUAL_AUTH;
        let mut client = Peer::client(client_credential(SP_PROT_TLS1_2_CLIENT, 0), "localhost");
        client.same_input_after_incomplete_creds = same_input;
        let (st, hello) = client.call();
        assert_eq!(st, SEC_I_CONTINUE_NEEDED, "{what}");
        let mut c2s: std::collections::VecDeque<u8> = hello.into();
        let flight = server.run(&mut c2s).unwrap();
        client.inbox.extend(flight);
        let (st, out) = client.call();
        assert_eq!((st, out.len()), (SEC_I_INCOMPLETE_CREDENTIALS, 0), "{what}");
        // The issuers are readable before the certificate is chosen.
        let mut list = SecPkgContext_IssuerListInfoEx { aIssuers: core::ptr::null_mut(), cIssuers: 0 };
        let mut ctx = client.ctx.unwrap();
        let st = unsafe {
            QueryContextAttributesW(
                &mut ctx,
                SECPKG_ATTR_ISSUER_LIST_EX,
                (&mut list as *mut SecPkgContext_IssuerListInfoEx).cast(),
            )
        };
        assert_eq!(st, SEC_E_OK, "{what}");
        if !list.aIssuers.is_null() {
            unsafe { secur32::entry::packages::FreeContextBuffer(list.aIssuers.cast()) };
        }
        // A new credential with the certificate, as GetNewClientCredentials makes.
        let old = std::mem::replace(&mut client.cred, client_credential_with_cert(&pki.client));
        free_credential(old);
        handshake(&mut client, &mut server).unwrap_or_else(|e| panic!("{what}: {e:x?}"));
        assert_ne!(server.attrs & ASC_RET_MUTUAL_AUTH, 0, "{what}: the server got the certificate");
        let mut s = server.ctx.unwrap();
        let mut cert: PCCERT_CONTEXT = core::ptr::null();
        let st = unsafe {
            QueryContextAttributesW(&mut s, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (&mut cert as *mut PCCERT_CONTEXT).cast())
        };
        assert_eq!(st, SEC_E_OK, "{what}");
        unsafe { secur32::entry::crypt32::CertFreeCertificateContext(cert) };
        client.delete();
        server.delete();
    }
}

/// Chromium's Windows client (`ssl_client_socket_win.cc`) set only the type of the three
/// EMPTY entries of its DecryptMessage descriptor, leaving their pointer and length as the
/// stack had them. A pointer + length that wrapped the address space made us answer
/// `SEC_E_INVALID_TOKEN`; Windows never looks at them. Found by the Chromium caller replay.
#[test]
fn decrypt_message_ignores_uninitialised_empty_entries() {
    use secur32::entry::messages::DecryptMessage;
    let pki = pki();
    let mut server = Peer::server(server_credential(&pki.server, 0, 0));
    let mut client = Peer::client(client_credential(0, 0), "localhost");
    handshake(&mut client, &mut server).unwrap();
    let (mut c, mut s) = (client.ctx.unwrap(), server.ctx.unwrap());
    // Tickets the handshake left: consumed first, so the records below are next in sequence.
    if !client.inbox.is_empty() {
        let (st, _, _) = decrypt(&mut c, &mut client.inbox);
        assert_eq!(st, SEC_E_OK);
    }
    for round in 0..3usize {
        let mut rec = encrypt(&mut s, b"two records in one buffer");
        rec.extend(encrypt(&mut s, b"the second"));
        let garbage = |k: usize| SecBuffer {
            cbBuffer: 0xA5A5_A5A5u32.wrapping_add(round as u32),
            BufferType: SECBUFFER_EMPTY,
            pvBuffer: (usize::MAX - k * 4096 - round) as *mut core::ffi::c_void,
        };
        let mut bufs = [
            SecBuffer { cbBuffer: rec.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: rec.as_mut_ptr().cast() },
            garbage(1),
            garbage(2),
            garbage(3),
        ];
        let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
        let st = unsafe { DecryptMessage(&mut c, &mut desc, 0, core::ptr::null_mut()) };
        assert_eq!(st, SEC_E_OK, "round {round}");
        let data = bufs.iter().find(|b| b.BufferType == SECBUFFER_DATA).unwrap();
        let plain = unsafe { core::slice::from_raw_parts(data.pvBuffer as *const u8, data.cbBuffer as usize) };
        assert_eq!(plain, b"two records in one buffer");
        let extra = bufs.iter().find(|b| b.BufferType == SECBUFFER_EXTRA).expect("the second record as EXTRA");
        assert_eq!(extra.pvBuffer as usize + extra.cbBuffer as usize, rec.as_ptr() as usize + rec.len());
        // The EXTRA bytes decrypt on their own (still with garbage in the EMPTY entries).
        let mut rest =
            unsafe { core::slice::from_raw_parts(extra.pvBuffer as *const u8, extra.cbBuffer as usize) }.to_vec();
        let mut bufs = [
            SecBuffer { cbBuffer: rest.len() as u32, BufferType: SECBUFFER_DATA, pvBuffer: rest.as_mut_ptr().cast() },
            garbage(4),
            garbage(5),
            garbage(6),
        ];
        let mut desc = SecBufferDesc { ulVersion: SECBUFFER_VERSION, cBuffers: 4, pBuffers: bufs.as_mut_ptr() };
        assert_eq!(unsafe { DecryptMessage(&mut c, &mut desc, 0, core::ptr::null_mut()) }, SEC_E_OK);
        let data = bufs.iter().find(|b| b.BufferType == SECBUFFER_DATA).unwrap();
        let plain = unsafe { core::slice::from_raw_parts(data.pvBuffer as *const u8, data.cbBuffer as usize) };
        assert_eq!(plain, b"the second");
    }
    client.delete();
    server.delete();
}

/// .NET's SslStream hands Schannel one TLS record per call and, after
/// `SEC_I_INCOMPLETE_CREDENTIALS`, calls again with EMPTY input. When the record that carried
/// the CertificateRequest left nothing to send yet (TLS 1.2: ServerHelloDone still to come;
/// TLS 1.3: the server's Finished), that empty call answered `SEC_E_INCOMPLETE_MESSAGE`,
/// which .NET treats as a failure; Windows goes on with `SEC_I_CONTINUE_NEEDED`. Found by the
/// .NET caller replay (ffi-tests/callers/dotnet.c), which reproduces it against OpenSSL and
/// GnuTLS: they send each handshake message in a record of its own, while our server (rustls)
/// packs a flight into one record, so here the one-record-per-call flow is checked end to end
/// and the regression itself is the replay's.
#[test]
fn incomplete_credentials_empty_retry_with_one_record_per_call() {
    let pki = pki();
    for protocols in [SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_3_CLIENT] {
        let mut server = Peer::server(server_credential(&pki.server, 0, 0));
        server.flags |= ASC_REQ_MUTUAL_AUTH;
        let mut client = Peer::client(client_credential(protocols, 0), "localhost");
        client.one_record = true;
        handshake(&mut client, &mut server).unwrap_or_else(|e| panic!("protocols {protocols:#x}: {e:x?}"));
        let ic = client.statuses.iter().position(|&s| s == SEC_I_INCOMPLETE_CREDENTIALS);
        let ic = ic.unwrap_or_else(|| panic!("protocols {protocols:#x}: no INCOMPLETE_CREDENTIALS"));
        assert!(!client.statuses[ic..].contains(&SEC_E_INCOMPLETE_MESSAGE), "{:x?}", client.statuses);
        let (mut c, mut s) = (client.ctx.unwrap(), server.ctx.unwrap());
        let mut inbox = std::mem::take(&mut server.inbox);
        inbox.extend(encrypt(&mut c, b"after the retry"));
        let (st, plain, _) = decrypt(&mut s, &mut inbox);
        assert_eq!((st, plain.as_slice()), (SEC_E_OK, &b"after the retry"[..]));
        client.delete();
        server.delete();
    }
}
