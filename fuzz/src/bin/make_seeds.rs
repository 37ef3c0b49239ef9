//! Writes the seed corpus (`fuzz/corpus/TARGET/seed-*`) from real
//! handshakes: client and server flights recorded from an SSPI client and
//! server talking in memory (TLS 1.3 and 1.2, with and without ALPN), record
//! sequences for the message layer, descriptor shapes for every
//! buffer-taking export, certificates, PFX files made by the openssl command
//! line, and `SEC_APPLICATION_PROTOCOLS` blobs.
//!
//! `cargo run --manifest-path fuzz/Cargo.toml --bin make-seeds` (from the
//! repository root). Seeds stay small: the fuzzer finds the rest.

use std::path::{Path, PathBuf};
use std::process::Command;

use secur32::abi::*;
use secur32::entry::credentials::AcquireCredentialsHandleW;
use sspi_rustls_fuzz::{alpn_blob, chunks, env, Peer};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = corpus().join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
}

/// A client credential limited to `protocols`, with manual validation.
fn client_credential(protocols: u32) -> CredHandle {
    let mut cred: SCHANNEL_CRED = unsafe { core::mem::zeroed() };
    cred.dwVersion = SCHANNEL_CRED_VERSION;
    cred.grbitEnabledProtocols = protocols;
    cred.dwFlags = SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS;
    let mut h = CredHandle::default();
    let mut pkg: Vec<u16> = "Schannel".encode_utf16().chain([0]).collect();
    let st = unsafe {
        AcquireCredentialsHandleW(
            core::ptr::null_mut(),
            pkg.as_mut_ptr(),
            SECPKG_CRED_OUTBOUND,
            core::ptr::null_mut(),
            (&mut cred as *mut SCHANNEL_CRED).cast(),
            None,
            core::ptr::null_mut(),
            &mut h,
            core::ptr::null_mut(),
        )
    };
    assert_eq!(st, SEC_E_OK);
    h
}

/// Runs a handshake in memory; returns the client's and the server's flights.
fn flights(protocols: u32, alpn: bool) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let e = env();
    let mut client = Peer::client(client_credential(protocols), Some("localhost"));
    let mut server = Peer::server(e.server);
    if alpn {
        client.alpn = Some(alpn_blob(&[b"h2", b"http/1.1"]));
        server.alpn = Some(alpn_blob(&[b"http/1.1"]));
    }
    let (mut c_flights, mut s_flights) = (Vec::new(), Vec::new());
    let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
    for _ in 0..8 {
        let c = client.pump(&mut to_client);
        if !c.is_empty() {
            c_flights.push(c.clone());
        }
        to_server.extend(c);
        let s = server.pump(&mut to_server);
        if !s.is_empty() {
            s_flights.push(s.clone());
        }
        to_client.extend(s);
        if client.established && server.established {
            break;
        }
    }
    assert!(client.established && server.established);
    client.delete();
    server.delete();
    (c_flights, s_flights)
}

/// Splits a byte stream into its TLS records.
fn records(mut b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while b.len() >= 5 {
        let n = 5 + u16::from_be_bytes([b[3], b[4]]) as usize;
        out.push(&b[..n.min(b.len())]);
        b = &b[n.min(b.len())..];
    }
    out
}

fn token_seeds(target: &str, opts: u8, flights: &[Vec<u8>], tag: &str) {
    let parts: Vec<&[u8]> = flights.iter().map(Vec::as_slice).collect();
    let mut s = vec![opts];
    s.extend(chunks(&parts));
    write(target, &format!("{tag}-flights"), &s);
    let recs: Vec<&[u8]> = flights.iter().flat_map(|f| records(f)).collect();
    let mut s = vec![opts];
    s.extend(chunks(&recs));
    write(target, &format!("{tag}-records"), &s);
    // The first flight cut inside its first record header, then the rest.
    if let Some(first) = flights.first() {
        let mut s = vec![opts];
        s.extend(chunks(&[&first[..3], &first[3..]]));
        write(target, &format!("{tag}-cut"), &s);
    }
}

/// Encodes one descriptor for the buffers target (see `build_desc`):
/// entries are (index into TYPES, cbBuffer, offset of pvBuffer or None).
fn desc(array_at: u16, entries: &[(u8, u16, Option<u16>)]) -> Vec<u8> {
    let mut v = vec![0u8, 0, entries.len() as u8, 0];
    v.extend_from_slice(&array_at.to_le_bytes());
    for &(ty, cb, off) in entries {
        v.extend_from_slice(&[0, ty, 0]);
        v.extend_from_slice(&cb.to_le_bytes());
        match off {
            None => v.push(0),
            Some(o) => {
                v.push(1);
                v.extend_from_slice(&o.to_le_bytes());
            }
        }
    }
    v
}

fn openssl(args: &[&str]) -> bool {
    Command::new("openssl").args(args).status().map(|s| s.success()).unwrap_or(false)
}

fn main() {
    let e = env();
    // accept / initialize: real flights.
    for (protocols, tag) in [(0u32, "tls13"), (SP_PROT_TLS1_2_CLIENT, "tls12")] {
        let (c, s) = flights(protocols, false);
        token_seeds("accept", 0, &c, tag);
        token_seeds("initialize", 0, &s, tag);
        let (c, s) = flights(protocols, true);
        let mut a = vec![8u8];
        a.extend(chunks(&[&alpn_blob(&[b"http/1.1"])]));
        a.extend(chunks(&c.iter().map(Vec::as_slice).collect::<Vec<_>>()));
        write("accept", &format!("{tag}-alpn"), &a);
        let mut i = vec![2u8];
        i.extend(chunks(&[&alpn_blob(&[b"h2", b"http/1.1"])]));
        i.extend(chunks(&s.iter().map(Vec::as_slice).collect::<Vec<_>>()));
        write("initialize", &format!("{tag}-alpn"), &i);
        // Small caller buffers, extended errors, mutual auth, shutdown.
        let mut a = vec![2 | 4 | 1 | 16, 0x00, 0x01];
        a.extend(chunks(&c.iter().map(Vec::as_slice).collect::<Vec<_>>()));
        write("accept", &format!("{tag}-smallbuf-mutual"), &a);
        let mut i = vec![1 | 4 | 32, 0x40, 0x00];
        i.extend(chunks(&s.iter().map(Vec::as_slice).collect::<Vec<_>>()));
        write("initialize", &format!("{tag}-smallbuf"), &i);
    }
    write("accept", "sslv2-hello", &[0, 11, 0, 0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10]);

    // decrypt: record sequences on every setup.
    let ops: Vec<(&str, Vec<u8>)> = vec![
        ("data", {
            let mut v = vec![0u8, 23];
            v.extend(chunks(&[b"hello"]));
            v.extend([0, 3, 0x00, 0x40]);
            v.extend([0, 23]);
            v.extend(chunks(&[b""]));
            v.push(0);
            v
        }),
        ("alerts", {
            let mut v = vec![0u8, 21];
            v.extend(chunks(&[&[1, 90]]));
            v.extend([0, 0, 23]);
            v.extend(chunks(&[b"after"]));
            v.extend([0, 0, 21]);
            v.extend(chunks(&[&[1, 0]]));
            v.push(0);
            v
        }),
        ("keyupdate", {
            let mut v = vec![0u8, 22];
            v.extend(chunks(&[&[24, 0, 0, 1, 1]]));
            v.push(0);
            v
        }),
        ("ticket", {
            let mut v = vec![0u8, 22];
            v.extend(chunks(&[&[4, 0, 0, 13, 0, 0, 0, 60, 1, 2, 3, 4, 0, 0, 1, 7, 0, 0]]));
            v.push(3);
            v
        }),
        ("renegotiate", {
            let mut v = vec![0u8, 22];
            v.extend(chunks(&[&[1, 0, 0, 0]]));
            v.extend([0, 22]);
            v.extend(chunks(&[&[0, 0, 0, 0]]));
            v.push(0);
            v
        }),
        ("corrupt", {
            let mut v = vec![2u8];
            v.extend(chunks(&[b"payload"]));
            v.extend([7, 0, 1]);
            v
        }),
        ("raw", {
            let mut v = vec![1u8];
            v.extend(chunks(&[&[23, 3, 3, 0, 1, 0, 20, 3, 3, 0, 1, 1]]));
            v
        }),
        ("big", vec![3u8, 0x00, 0x40, 3, 0x01, 0x40]),
    ];
    for setup in 0..8u8 {
        for (name, o) in &ops {
            for split in [0u8, 1, 7] {
                if split != 0 && setup % 2 == 1 {
                    continue;
                }
                let mut v = vec![setup, split];
                v.extend_from_slice(o);
                write("decrypt", &format!("{name}-setup{setup}-split{split}"), &v);
            }
        }
    }

    // buffers: each export with plausible descriptors, on each state.
    let stream = desc(0, &[(5, 13, Some(2048)), (1, 16, Some(2061)), (4, 17, Some(2077)), (0, 0, None)]);
    let decrypt = desc(0, &[(1, 64, Some(2048)), (0, 0, None), (0, 0, None), (0, 0, None)]);
    let token_in = desc(0, &[(2, 64, Some(2048)), (0, 0, None)]);
    let token_out = desc(512, &[(2, 4096, Some(4096)), (7, 64, Some(3000))]);
    let control = desc(0, &[(2, 4, Some(2048))]);
    let fill = chunks(&[&[1u8, 0, 0, 0]]);
    for state in 0..4u8 {
        for (export, descs) in [
            (0u8, vec![&token_in, &token_out]),
            (1, vec![&token_in, &token_out]),
            (2, vec![&stream]),
            (3, vec![&decrypt]),
            (4, vec![&control]),
            (5, vec![&stream]),
            (6, vec![&stream]),
            (7, vec![&control]),
        ] {
            let mut v = vec![state, export];
            v.extend_from_slice(&(ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM).to_le_bytes());
            v.extend_from_slice(&fill);
            for d in descs {
                v.extend_from_slice(d);
            }
            v.extend([0, 0]);
            write("buffers", &format!("state{state}-export{export}"), &v);
        }
    }

    // certs: a DER certificate, PEM, and PFX variants made by openssl.
    let mut c = vec![0u8];
    c.extend_from_slice(&e.server_cert);
    write("certs", "der", &c);
    let mut c = vec![3u8];
    c.extend_from_slice(&e.server_cert);
    write("certs", "der-into-store", &c);
    let pem = |label: &str, der: &[u8]| {
        let b64 = base64(der);
        let mut s = format!("-----BEGIN {label}-----\n");
        for line in b64.as_bytes().chunks(64) {
            s.push_str(std::str::from_utf8(line).unwrap());
            s.push('\n');
        }
        s.push_str(&format!("-----END {label}-----\n"));
        s
    };
    let cert_pem = pem("CERTIFICATE", &e.server_cert);
    let key_pem = pem("PRIVATE KEY", &e.server_key);
    let mut c = vec![2u8];
    c.extend(chunks(&[cert_pem.as_bytes()]));
    c.extend_from_slice(key_pem.as_bytes());
    write("certs", "pem", &c);
    let dir = std::env::temp_dir().join(format!("sspi-rustls-seeds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cp, kp) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cp, &cert_pem).unwrap();
    std::fs::write(&kp, &key_pem).unwrap();
    let variants: &[(&str, u8, &[&str])] = &[
        ("pfx-aes", 2, &["-passout", "pass:password"]),
        ("pfx-legacy", 3, &["-legacy", "-passout", "pass:test"]),
        ("pfx-nomac", 1, &["-nomac", "-passout", "pass:"]),
        ("pfx-plain", 0, &["-keypbe", "NONE", "-certpbe", "NONE", "-nomac", "-passout", "pass:"]),
    ];
    for (name, pw, extra) in variants {
        let out = dir.join(format!("{name}.pfx"));
        let mut args = vec!["pkcs12", "-export", "-in", cp.to_str().unwrap(), "-inkey", kp.to_str().unwrap()];
        args.extend_from_slice(&["-out", out.to_str().unwrap()]);
        args.extend_from_slice(extra);
        if !openssl(&args) {
            eprintln!("make-seeds: openssl could not make {name}; skipped");
            continue;
        }
        let mut c = vec![1u8, *pw];
        c.extend(std::fs::read(&out).unwrap());
        write("certs", name, &c);
    }
    let _ = std::fs::remove_dir_all(&dir);

    // chain: alternative names, armoured text, a certificate to query, a chain of two.
    let san = [
        0x30, 0x17, 0x82, 0x06, b'a', b'.', b't', b'e', b's', b't', 0x87, 0x04, 127, 0, 0, 1, 0x81, 0x03, b'x', b'@',
        b'y', 0x88, 0x02, 0x2a, 0x03,
    ];
    let mut c = vec![0u8];
    c.extend_from_slice(&san);
    write("chain", "alt-names", &c);
    let mut c = vec![1u8, 0];
    c.extend_from_slice(cert_pem.as_bytes());
    write("chain", "string-pem", &c);
    let mut c = vec![1u8, 4];
    c.extend_from_slice(b"00 01 02 ff");
    write("chain", "string-hex", &c);
    let mut c = vec![2u8];
    c.extend_from_slice(cert_pem.as_bytes());
    write("chain", "query-pem", &c);
    let mut c = vec![3u8];
    c.extend(chunks(&[&e.server_cert]));
    c.push(1);
    c.extend_from_slice(&e.server_cert);
    write("chain", "self-chain", &c);

    // spnego: the four tokens of our own Negotiate conversation, for the codec and for each side.
    {
        use secur32::packages::negotiate::spnego::{self, Token};
        let t = sspi_rustls_fuzz::negotiate_transcript();
        for (i, tok) in t.iter().enumerate() {
            let mut c = vec![0u8];
            c.extend_from_slice(tok);
            write("spnego", &format!("codec-leg{}", i + 1), &c);
        }
        let mut c = vec![1u8];
        c.extend(chunks(&[&t[0], &t[2]]));
        write("spnego", "acceptor", &c);
        let Ok(Token::Init(init)) = spnego::parse(&t[0]) else { panic!("our NegTokenInit") };
        let mut c = vec![1u8];
        c.extend(chunks(&[init.mech_token.as_deref().unwrap()]));
        write("spnego", "acceptor-raw-ntlm", &c);
        let mut c = vec![2u8];
        c.extend(chunks(&[&t[1], &t[3]]));
        write("spnego", "initiator", &c);
        let mut c = vec![3u8, 0];
        c.extend(chunks(&[&[0u8; 32]]));
        write("spnego", "pair-forgery", &c);
    }

    // sasl: blocks for each role, with and without a last token, each layer and an authzid.
    for (name, op, block) in [
        ("server-conf", 0x0c | 0x02, &[0u8, 4, 0, 0x10, 0][..]),
        ("server-integ-authz", 0x04 | 0x20, &[0u8, 2, 0, 0x10, 0, b'u', b':', b'x'][..]),
        ("server-none", 0x00, &[0u8, 1, 0, 0, 0][..]),
        ("client-offer-all", 0x01 | 0x10, &[0u8, 7, 0, 0x10, 0][..]),
        ("client-offer-integ", 0x01, &[1u8, 2, 0xff, 0xff, 0xff][..]),
    ] {
        let mut c = vec![op];
        c.extend_from_slice(block);
        write("sasl", name, &c);
    }

    // digest: directive lists, a response, a challenge and an rspauth, a pair with forgeries.
    {
        let challenge: &[u8] = br#"realm="FUZZ.REALM",nonce="abc",qop="auth,auth-int,auth-conf",cipher="rc4-40,rc4-56,rc4",maxbuf=65536,charset=utf-8,algorithm=md5-sess"#;
        let mut c = vec![0u8];
        c.extend_from_slice(challenge);
        write("digest", "directives", &c);
        let response: &[u8] = br#"charset=utf-8,username="fuzz",realm="FUZZ.REALM",nonce="x",nc=00000001,cnonce="y",digest-uri="HOST/fuzz.example",maxbuf=65536,response=0123456789abcdef0123456789abcdef,qop=auth-conf,cipher=rc4"#;
        let mut c = vec![1u8];
        c.extend(chunks(&[response]));
        write("digest", "acceptor", &c);
        let mut c = vec![2u8];
        c.extend(chunks(&[challenge, b"rspauth=00000000000000000000000000000000"]));
        write("digest", "initiator", &c);
        let mut c = vec![3u8, 0];
        c.extend(chunks(&[&[0u8; 32]]));
        write("digest", "pair-forgery", &c);
        // HTTP mode.
        let authorization: &[u8] = br#"username="fuzz",realm="FUZZ.REALM",nonce="0000000000000000",uri="/",algorithm=MD5,response="00000000000000000000000000000000",qop=auth,nc=00000001,cnonce="abc""#;
        let mut c = vec![0x80u8];
        c.extend(chunks(&[authorization, b"GET", b"/", b""]));
        write("digest", "http-acceptor", &c);
        let star = br#"username*=UTF-8''J%C3%A4s%C3%B8n%20Doe,realm="FUZZ.REALM",nonce="0000000000000000",uri="/",algorithm=MD5,response="00000000000000000000000000000000",qop=auth,nc=00000001,cnonce="abc""#;
        let mut c = vec![0x80u8];
        c.extend(chunks(&[star, b"GET", b"/", b""]));
        write("digest", "http-acceptor-username-star", &c);
        let mut c = vec![0u8];
        c.extend_from_slice(b"username*=UTF-8'en'J%C3%A4s%C3%B8n%20Doe, title*=utf-8''%e2%82%ac");
        write("digest", "directives-ext-value", &c);
        let http_challenge: &[u8] = br#"realm="FUZZ.REALM",qop="auth,auth-int",algorithm=SHA-256,nonce="abc",opaque="def",charset=UTF-8,userhash=true"#;
        let mut c = vec![0x89u8];
        c.extend(chunks(&[
            http_challenge,
            b"POST",
            b"d41d8cd98f00b204e9800998ecf8427e",
            b"rspauth=\"00\",nc=00000001",
        ]));
        write("digest", "http-initiator", &c);
        let mut c = vec![0xA2u8];
        c.extend(chunks(&[authorization, b"GET", b"/"]));
        write("digest", "http-pair-later", &c);
    }

    // credssp: TSRequests (each field), TSCredentials, and the TSRequests each role receives.
    {
        use secur32::packages::credssp::tsrequest::{PasswordCreds, TsRequest};
        let mut nego = TsRequest::new(6);
        nego.nego_tokens.push(b"NTLMSSP\0\x02\0\0\0".to_vec());
        let full = TsRequest {
            version: 6,
            nego_tokens: vec![vec![0x60, 0x00]],
            auth_info: Some(vec![1; 40]),
            pub_key_auth: Some(vec![2; 48]),
            error_code: Some(0xC000_006D),
            client_nonce: Some(vec![3; 32]),
        };
        let creds = PasswordCreds {
            domain: "FUZZ".into(),
            user: "fuzz".into(),
            password: zeroize::Zeroizing::new("pw".into()),
        }
        .encode_credentials();
        for (name, body) in [("tsrequest", full.encode()), ("tscredentials", creds.to_vec())] {
            let mut c = vec![0u8];
            c.extend_from_slice(&body);
            write("credssp", name, &c);
        }
        let mut c = vec![1u8];
        c.extend(chunks(&[&nego.encode(), &full.encode()]));
        write("credssp", "acceptor", &c);
        let mut c = vec![2u8];
        c.extend(chunks(&[&nego.encode(), &full.encode()]));
        write("credssp", "initiator", &c);
        let mut c = vec![3u8];
        c.extend_from_slice(b"\x16\x03\x01\x00\x04\x01\x00\x00\x00");
        write("credssp", "hello", &c);
    }

    // kerberos: messages, an AP-REQ and AP-REP made with the harness's keys, tokens, a keytab.
    {
        use secur32::crypto::kerberos::{Enctype, Key};
        use secur32::packages::kerberos::{asn1::*, context, keytab, wrap::Protector};
        let creds = sspi_rustls_fuzz::seed_service_creds();
        let (ap_req, _) = context::initiate(&creds, context::GSS_MUTUAL | context::GSS_CONF, None).unwrap();
        let (_, inner) = context::unframe(&ap_req).unwrap();
        let mut c = vec![0u8];
        c.extend_from_slice(inner);
        write("kerberos", "ap-req-inner", &c);
        let err = KrbError {
            stime: 1_700_000_000,
            error_code: KDC_ERR_PREAUTH_REQUIRED,
            realm: "EXAMPLE.TEST".into(),
            sname: PrincipalName::new(NT_SRV_INST, &["krbtgt", "EXAMPLE.TEST"]),
            e_data: Some(vec![0x30, 0]),
            ..Default::default()
        };
        let mut c = vec![0u8];
        c.extend(err.encode());
        write("kerberos", "krb-error", &c);
        let mut c = vec![1u8];
        c.extend_from_slice(&ap_req);
        write("kerberos", "ap-req", &c);
        // An AP-REQ delegating a TGT (the harness's own ticket stands in for it).
        let cred = context::krb_cred(&creds, &creds).unwrap();
        let (deleg_req, _) = context::initiate_delegating(&creds, context::GSS_MUTUAL, None, Some(&cred)).unwrap();
        let mut c = vec![1u8];
        c.extend_from_slice(&deleg_req);
        write("kerberos", "ap-req-delegating", &c);
        let mut c = vec![0u8];
        c.extend_from_slice(&cred);
        write("kerberos", "krb-cred", &c);
        let keys = vec![keytab::Entry {
            realm: "EXAMPLE.TEST".into(),
            principal: PrincipalName::new(NT_SRV_HST, &["HTTP", "localhost"]),
            timestamp: 0,
            kvno: 2,
            key: Key::new(Enctype::Aes256Sha1, &[0x42; 32]).unwrap(),
        }];
        let acc = context::accept(&ap_req, &keys, None, &context::ReplayCache::default(), 300).unwrap();
        let acc_reply = acc.reply.unwrap();
        let mut c = vec![2u8];
        c.extend(acc_reply.iter());
        write("kerberos", "ap-rep", &c);
        let key = Key::new(Enctype::Aes128Sha256, &[0x17; 16]).unwrap();
        let p = Protector { key, acceptor_subkey: false, we_accept: true };
        let mut c = vec![3u8];
        c.extend(p.wrap(7, b"sealed message", true).unwrap());
        write("kerberos", "wrap-sealed", &c);
        let mut c = vec![3u8];
        c.extend(p.wrap(8, b"signed message", false).unwrap());
        write("kerberos", "wrap-signed", &c);
        let mut c = vec![3u8];
        c.extend(p.mic(9, b"mic"));
        c.extend_from_slice(b"mic");
        write("kerberos", "mic", &c);
        let mut kt = vec![4u8, 5, 2];
        let mut e = Vec::new();
        e.extend(2u16.to_be_bytes());
        e.extend(12u16.to_be_bytes());
        e.extend(b"EXAMPLE.TEST");
        for comp in [&b"HTTP"[..], b"localhost"] {
            e.extend((comp.len() as u16).to_be_bytes());
            e.extend(comp);
        }
        e.extend(1u32.to_be_bytes());
        e.extend(0u32.to_be_bytes());
        e.push(2);
        e.extend(18u16.to_be_bytes());
        e.extend(32u16.to_be_bytes());
        e.extend([0x42; 32]);
        kt.extend((e.len() as i32).to_be_bytes());
        kt.extend(e);
        write("kerberos", "keytab", &kt);
        // kerberos_ap and kerberos_wrap: the same messages without the op byte.
        let mut c = vec![0u8];
        c.extend_from_slice(&ap_req);
        write("kerberos_ap", "ap-req", &c);
        let mut c = vec![0u8];
        c.extend_from_slice(&deleg_req);
        write("kerberos_ap", "ap-req-delegating", &c);
        let mut c = vec![1u8];
        c.extend(acc_reply);
        write("kerberos_ap", "ap-rep", &c);
        write("kerberos_wrap", "wrap-sealed", &p.wrap(7, b"sealed message", true).unwrap());
        write("kerberos_wrap", "wrap-signed", &p.wrap(8, b"signed message", false).unwrap());
        let mut c = p.mic(9, b"mic");
        c.extend_from_slice(b"mic");
        write("kerberos_wrap", "mic", &c);
    }

    // kerberos_kdc: exchanges that succeed, after an error, and through a referral
    // (recipes as `sspi_rustls_fuzz::kerberos_kdc` reads them).
    {
        // A right KDC-REP: an aes256 session key, ticket flags, authtime, endtime.
        let good = |flags: u8| {
            let mut v = vec![2u8, flags, 0];
            v.extend([0x5A; 32]);
            v.extend(0x4000_0000u32.to_le_bytes());
            v.extend(1_700_000_000u32.to_le_bytes());
            v.extend(u32::MAX.to_le_bytes());
            v
        };
        // KDC_ERR_PREAUTH_REQUIRED with ETYPE-INFO2 for aes256 (the realm's salt).
        let mut preauth = vec![1u8, 0, 0, 0, 2, 1, 0, 1];
        preauth.extend(chunks(&[b"EXAMPLE.TESTuser1"]));
        preauth.push(0);
        let mut c = vec![0u8];
        c.extend(good(0));
        write("kerberos_kdc", "as", &c);
        let mut c = vec![0u8];
        c.extend(&preauth);
        c.extend(good(0));
        write("kerberos_kdc", "as-preauth", &c);
        let mut c = vec![0u8];
        c.extend(&preauth);
        c.extend([1u8, 1, 0x10, 0, 0]); // then KRB_AP_ERR_SKEW, 16 s off, no e-data
        c.extend(good(0));
        write("kerberos_kdc", "as-preauth-skew", &c);
        let mut c = vec![1u8];
        c.extend(good(0));
        write("kerberos_kdc", "tgs", &c);
        let mut c = vec![1u8];
        c.extend(good(0x40));
        c.extend(good(0));
        write("kerberos_kdc", "tgs-referral", &c);
        let mut c = vec![2u8];
        c.extend(good(0));
        write("kerberos_kdc", "tgs-forwarded", &c);
        let mut c = vec![1u8, 1, 2, 0, 0, 0];
        c.extend(good(0));
        write("kerberos_kdc", "tgs-unknown-server", &c);
    }

    // alpn: curl's layout, NPN and ALPN lists, lies.
    let mut npn = alpn_blob(&[b"h2"]);
    npn[4..8].copy_from_slice(&1i32.to_ne_bytes());
    let mut both = npn.clone();
    let alpn = alpn_blob(&[b"http/1.1", b"h2"]);
    both.extend_from_slice(&alpn[4..]);
    let total = (both.len() - 4) as u32;
    both[..4].copy_from_slice(&total.to_ne_bytes());
    for (name, blob) in [
        ("curl", alpn_blob(&[b"h2", b"http/1.1"])),
        ("one", alpn_blob(&[b"x"])),
        ("none", alpn_blob(&[])),
        ("npn-alpn", both),
        ("short", vec![4, 0, 0, 0, 2]),
    ] {
        for side in [0u8, 1] {
            let mut v = vec![side];
            v.extend_from_slice(&blob);
            write("alpn", &format!("{name}-{}", if side == 1 { "server" } else { "client" }), &v);
        }
    }
    println!("seeds written to {}", corpus().display());
}

fn base64(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                s.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}
