//! The NTLM package through the exported C functions: an SSPI client and an
//! SSPI server of ours authenticate to each other and exchange messages.

use core::ptr::{null, null_mut};

use secur32::abi::*;
use secur32::entry::attributes::{QueryContextAttributesA, QueryContextAttributesW};
use secur32::entry::contexts::DeleteSecurityContext;
use secur32::entry::credentials::QueryCredentialsAttributesW;
use secur32::entry::packages::{FreeContextBuffer, QuerySecurityPackageInfoW};

mod common;

use common::ntlm::*;
use common::wide;

#[test]
fn package_info_is_windows() {
    let mut name = wide("ntlm");
    let mut info: *mut SecPkgInfoW = null_mut();
    // SAFETY: valid pointers.
    assert_eq!(unsafe { QuerySecurityPackageInfoW(name.as_mut_ptr(), &mut info) }, SEC_E_OK);
    // SAFETY: the library filled it.
    let i = unsafe { &*info };
    assert_eq!((i.fCapabilities, i.wVersion, i.wRPCID, i.cbMaxToken), (0x00082B37, 1, 10, 2888));
    // SAFETY: allocated by the library.
    unsafe { FreeContextBuffer(info.cast()) };
}

#[test]
fn full_handshake_caller_buffers_and_messages() {
    let (mut cc, mut sc) = creds("alice", "EXAMPLE", "s3cret!", "s3cret!");
    let mut p = handshake(&mut cc, &mut sc, &Opts::default()).unwrap();
    let want_c = ISC_RET_CONFIDENTIALITY
        | ISC_RET_INTEGRITY
        | ISC_RET_REPLAY_DETECT
        | ISC_RET_SEQUENCE_DETECT
        | ISC_RET_CONNECTION;
    assert_eq!(p.client_attrs, want_c);
    assert_eq!(p.server_attrs & ASC_RET_CONFIDENTIALITY, ASC_RET_CONFIDENTIALITY);
    assert_eq!(p.client_attrs & ISC_RET_ALLOCATED_MEMORY, 0);
    // Session keys equal, 16 bytes, not all zero.
    let (kc, ks) = (session_key(&mut p.client), session_key(&mut p.server));
    assert_eq!(kc.len(), 16);
    assert_eq!(kc, ks);
    assert_ne!(kc, vec![0; 16]);
    // NAMES on both sides.
    assert_eq!(names(&mut p.client), "EXAMPLE\\alice");
    assert_eq!(names(&mut p.server), "EXAMPLE\\alice");
    // Sign / verify both ways, several times.
    for i in 0..3 {
        let msg = format!("message {i}");
        let (st, sig) = sign(&mut p.client, msg.as_bytes());
        assert_eq!(st, SEC_E_OK);
        assert_eq!(&sig[..4], &[1, 0, 0, 0]);
        assert_eq!(verify(&mut p.server, msg.as_bytes(), &sig), SEC_E_OK);
        let (st, sig) = sign(&mut p.server, msg.as_bytes());
        assert_eq!(st, SEC_E_OK);
        assert_eq!(verify(&mut p.client, msg.as_bytes(), &sig), SEC_E_OK);
    }
    // Seal / unseal both ways.
    let (st, tok, ct) = seal(&mut p.client, 0, b"secret payload");
    assert_eq!(st, SEC_E_OK);
    assert_ne!(ct, b"secret payload");
    let (st, pt, qop) = unseal(&mut p.server, &tok, &ct);
    assert_eq!((st, pt.as_slice(), qop), (SEC_E_OK, &b"secret payload"[..], 0));
    let (st, tok, ct) = seal(&mut p.server, 0, b"answer");
    assert_eq!(st, SEC_E_OK);
    let (st, pt, _) = unseal(&mut p.client, &tok, &ct);
    assert_eq!((st, pt.as_slice()), (SEC_E_OK, &b"answer"[..]));
    // Stream layout: signature then ciphertext in one blob.
    let (_, tok, ct) = seal(&mut p.client, 0, b"streamed");
    let (st, pt) = unseal_stream(&mut p.server, &[tok, ct].concat());
    assert_eq!((st, pt.as_slice()), (SEC_E_OK, &b"streamed"[..]));
    // Sign-only wrap.
    let (st, tok, ct) = seal(&mut p.client, SECQOP_WRAP_NO_ENCRYPT, b"in the clear");
    assert_eq!(st, SEC_E_OK);
    assert_eq!(ct, b"in the clear");
    let (st, pt, qop) = unseal(&mut p.server, &tok, &ct);
    assert_eq!((st, pt.as_slice(), qop), (SEC_E_OK, &b"in the clear"[..], SECQOP_WRAP_NO_ENCRYPT));
    // SIZES.
    let mut sz = SecPkgContext_Sizes::default();
    // SAFETY: valid pointers.
    let st = unsafe {
        QueryContextAttributesW(&mut p.client, SECPKG_ATTR_SIZES, (&mut sz as *mut SecPkgContext_Sizes).cast())
    };
    assert_eq!(st, SEC_E_OK);
    assert_eq!((sz.cbMaxToken, sz.cbMaxSignature, sz.cbBlockSize, sz.cbSecurityTrailer), (2888, 16, 0, 16));
    // An attribute NTLM does not have.
    // SAFETY: valid pointers.
    let st = unsafe {
        QueryContextAttributesW(&mut p.client, SECPKG_ATTR_STREAM_SIZES, (&mut sz as *mut SecPkgContext_Sizes).cast())
    };
    assert_eq!(st, SEC_E_UNSUPPORTED_FUNCTION);
    drop(p);
    free_cred(cc);
    free_cred(sc);
}

#[test]
fn allocate_memory_and_ansi_identities() {
    let mut cc = cred_a("EXAMPLE\\bob", "", "pw", SECPKG_CRED_OUTBOUND).unwrap();
    let mut sc = cred_a("bob", "EXAMPLE", "pw", SECPKG_CRED_INBOUND).unwrap();
    let mut p = handshake(&mut cc, &mut sc, &Opts { allocate: true, ..Default::default() }).unwrap();
    assert_ne!(p.client_attrs & ISC_RET_ALLOCATED_MEMORY, 0);
    assert_ne!(p.server_attrs & ASC_RET_ALLOCATED_MEMORY, 0);
    assert_eq!(session_key(&mut p.client), session_key(&mut p.server));
    // NAMES through the A export too.
    let mut n = SecPkgContext_NamesA { sUserName: null_mut() };
    // SAFETY: valid pointers.
    assert_eq!(
        unsafe {
            QueryContextAttributesA(&mut p.server, SECPKG_ATTR_NAMES, (&mut n as *mut SecPkgContext_NamesA).cast())
        },
        SEC_E_OK
    );
    // SAFETY: NUL-terminated string from the library.
    let s = unsafe { std::ffi::CStr::from_ptr(n.sUserName.cast()) }.to_str().unwrap().to_owned();
    // SAFETY: allocated by the library.
    unsafe { FreeContextBuffer(n.sUserName.cast()) };
    assert_eq!(s, "EXAMPLE\\bob");
    drop(p);
    free_cred(cc);
    free_cred(sc);
}

#[test]
fn upn_user_and_credential_names() {
    let mut cc = cred_w("carol@corp.example", "", "pw", SECPKG_CRED_OUTBOUND).unwrap();
    let mut sc = cred_w("carol", "corp.example", "pw", SECPKG_CRED_INBOUND).unwrap();
    let mut n = SecPkgCredentials_NamesW { sUserName: null_mut() };
    // SAFETY: valid pointers.
    let st = unsafe {
        QueryCredentialsAttributesW(&mut cc, SECPKG_CRED_ATTR_NAMES, (&mut n as *mut SecPkgCredentials_NamesW).cast())
    };
    assert_eq!(st, SEC_E_OK);
    // SAFETY: allocated by the library, NUL-terminated.
    unsafe { FreeContextBuffer(n.sUserName.cast()) };
    let mut p = handshake(&mut cc, &mut sc, &Opts::default()).unwrap();
    assert_eq!(names(&mut p.server), "corp.example\\carol");
    drop(p);
    free_cred(cc);
    free_cred(sc);
}

#[test]
fn wrong_password_and_unknown_user_are_logon_denied() {
    let (mut cc, mut sc) = creds("dave", "EXAMPLE", "wrong", "right");
    assert_eq!(handshake(&mut cc, &mut sc, &Opts::default()).err(), Some(("ASC 2", SEC_E_LOGON_DENIED)));
    free_cred(cc);
    free_cred(sc);
    let mut cc = cred_w("eve", "EXAMPLE", "pw", SECPKG_CRED_OUTBOUND).unwrap();
    let mut sc = cred_w("dave", "EXAMPLE", "pw", SECPKG_CRED_INBOUND).unwrap();
    assert_eq!(handshake(&mut cc, &mut sc, &Opts::default()).err(), Some(("ASC 2", SEC_E_LOGON_DENIED)));
    free_cred(cc);
    free_cred(sc);
}

#[test]
fn tampering_and_replay() {
    let (mut cc, mut sc) = creds("frank", "EXAMPLE", "pw", "pw");
    let mut p = handshake(&mut cc, &mut sc, &Opts::default()).unwrap();
    // A flipped ciphertext bit.
    let (_, tok, mut ct) = seal(&mut p.client, 0, b"pay 10 EUR");
    ct[4] ^= 0x01;
    assert_eq!(unseal(&mut p.server, &tok, &ct).0, SEC_E_MESSAGE_ALTERED);
    ct[4] ^= 0x01;
    // The genuine message still goes through afterwards.
    assert_eq!(unseal(&mut p.server, &tok, &ct).0, SEC_E_OK);
    // Replayed.
    assert_eq!(unseal(&mut p.server, &tok, &ct).0, SEC_E_OUT_OF_SEQUENCE);
    // Reordered signatures.
    let (_, s1) = sign(&mut p.client, b"one");
    let (_, s2) = sign(&mut p.client, b"two");
    assert_eq!(verify(&mut p.server, b"two", &s2), SEC_E_OUT_OF_SEQUENCE);
    assert_eq!(verify(&mut p.server, b"one", &s1), SEC_E_OK);
    assert_eq!(verify(&mut p.server, b"twO", &s2), SEC_E_MESSAGE_ALTERED);
    assert_eq!(verify(&mut p.server, b"two", &s2), SEC_E_OK);
    // A short token.
    assert_eq!(verify(&mut p.server, b"x", &[1, 0, 0, 0]), SEC_E_INVALID_TOKEN);
    drop(p);
    free_cred(cc);
    free_cred(sc);
}

#[test]
fn truncated_and_mangled_tokens_are_invalid_token() {
    let (mut cc, mut sc) = creds("gina", "EXAMPLE", "pw", "pw");
    let cases: [(u8, Mangler, &str); 6] = [
        (1, |m| m.truncate(10), "ASC 1"),
        (2, |m| m.truncate(40), "ISC 2"),
        (2, |m| m[40] = 0xff, "ISC 2"),
        (3, |m| m.truncate(60), "ASC 2"),
        (3, |m| m[20..24].copy_from_slice(&[0xff, 0xff, 0xff, 0x7f]), "ASC 2"),
        (1, |m| m[8] = 3, "ASC 1"),
    ];
    for (leg, f, at) in cases {
        let o = Opts { mangle: Some((leg, f)), ..Default::default() };
        assert_eq!(handshake(&mut cc, &mut sc, &o).err(), Some((at, SEC_E_INVALID_TOKEN)), "leg {leg}");
    }
    // The encrypted session key changed: the MIC (under the exported key) catches it.
    let o = Opts {
        mangle: Some((3, |m| {
            let n = m.len();
            m[n - 1] ^= 0x20
        })),
        ..Default::default()
    };
    assert_eq!(handshake(&mut cc, &mut sc, &o).err(), Some(("ASC 2", SEC_E_LOGON_DENIED)));
    free_cred(cc);
    free_cred(sc);
}

#[test]
fn channel_bindings_match_and_mismatch() {
    let (mut cc, mut sc) = creds("hank", "EXAMPLE", "pw", "pw");
    let cb = bindings(b"tls-server-end-point:abcdef");
    let ok = Opts { client_bindings: Some(cb.clone()), server_bindings: Some(cb.clone()), ..Default::default() };
    assert!(handshake(&mut cc, &mut sc, &ok).is_ok());
    let wrong = Opts {
        client_bindings: Some(bindings(b"tls-server-end-point:other")),
        server_bindings: Some(cb.clone()),
        ..Default::default()
    };
    assert_eq!(handshake(&mut cc, &mut sc, &wrong).err(), Some(("ASC 2", SEC_E_BAD_BINDINGS)));
    let missing = Opts { server_bindings: Some(cb), ..Default::default() };
    assert_eq!(handshake(&mut cc, &mut sc, &missing).err(), Some(("ASC 2", SEC_E_BAD_BINDINGS)));
    free_cred(cc);
    free_cred(sc);
}

#[test]
fn user_file_acceptor_and_default_client_credential() {
    let dir = std::env::temp_dir().join(format!("sspi-rustls-ntlm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("users");
    // The NT hash of "Password" (MS-NLMP 4.2.2.1.2) in WinPR's SAM format, and a gss-ntlmssp line.
    std::fs::write(&file, "EXAMPLE:ivan:ivanpw\nUser:Domain::a4f49c406510bdcab6824ee7c30fd852:::\n").unwrap();
    std::env::set_var("NTLM_USER_FILE", &file);
    // Acceptor without identity: the file.
    let mut sc = acquire_w(null_mut(), SECPKG_CRED_INBOUND).unwrap();
    let mut cc = cred_w("User", "Domain", "Password", SECPKG_CRED_OUTBOUND).unwrap();
    let mut p = handshake(&mut cc, &mut sc, &Opts::default()).unwrap();
    assert_eq!(names(&mut p.server), "Domain\\User");
    drop(p);
    free_cred(cc);
    let mut cc = cred_w("User", "Domain", "nope", SECPKG_CRED_OUTBOUND).unwrap();
    assert_eq!(handshake(&mut cc, &mut sc, &Opts::default()).err(), Some(("ASC 2", SEC_E_LOGON_DENIED)));
    free_cred(cc);
    // Initiator without identity: the file's first entry.
    let mut cc = acquire_w(null_mut(), SECPKG_CRED_OUTBOUND).unwrap();
    let mut p = handshake(&mut cc, &mut sc, &Opts::default()).unwrap();
    assert_eq!(names(&mut p.client), "EXAMPLE\\ivan");
    drop(p);
    free_cred(cc);
    free_cred(sc);
    std::env::set_var("NTLM_USER_FILE", dir.join("absent"));
    assert_eq!(acquire_w(null_mut(), SECPKG_CRED_OUTBOUND).err(), Some(SEC_E_NO_CREDENTIALS));
    std::env::remove_var("NTLM_USER_FILE");
}

#[test]
fn identity_ex_and_bad_identities() {
    let (mut u, mut d, mut p) = (wide("jane"), wide("EXAMPLE"), wide("pw"));
    let mut pk = wide("Kerberos,NTLM");
    let mut ex = SEC_WINNT_AUTH_IDENTITY_EXW {
        Version: SEC_WINNT_AUTH_IDENTITY_VERSION,
        Length: core::mem::size_of::<SEC_WINNT_AUTH_IDENTITY_EXW>() as u32,
        User: u.as_mut_ptr(),
        UserLength: 4,
        Domain: d.as_mut_ptr(),
        DomainLength: 7,
        Password: p.as_mut_ptr(),
        PasswordLength: 2,
        Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
        PackageList: pk.as_mut_ptr(),
        PackageListLength: 13,
    };
    let mut cc = acquire_w((&mut ex as *mut SEC_WINNT_AUTH_IDENTITY_EXW).cast(), SECPKG_CRED_OUTBOUND).unwrap();
    let mut sc = cred_w("jane", "EXAMPLE", "pw", SECPKG_CRED_INBOUND).unwrap();
    let mut pair = handshake(&mut cc, &mut sc, &Opts::default()).unwrap();
    assert_eq!(names(&mut pair.server), "EXAMPLE\\jane");
    drop(pair);
    free_cred(cc);
    free_cred(sc);
    // A PackageList without NTLM.
    ex.PackageListLength = 8;
    assert_eq!(
        acquire_w((&mut ex as *mut SEC_WINNT_AUTH_IDENTITY_EXW).cast(), SECPKG_CRED_OUTBOUND).err(),
        Some(SEC_E_NO_CREDENTIALS)
    );
    // Flags neither ANSI nor UNICODE; a length without a pointer.
    let mut id = SEC_WINNT_AUTH_IDENTITY_W {
        User: u.as_mut_ptr(),
        UserLength: 4,
        Domain: null_mut(),
        DomainLength: 3,
        Password: p.as_mut_ptr(),
        PasswordLength: 2,
        Flags: 0,
    };
    let pid = (&mut id as *mut SEC_WINNT_AUTH_IDENTITY_W).cast();
    assert_eq!(acquire_w(pid, SECPKG_CRED_OUTBOUND).err(), Some(SEC_E_UNKNOWN_CREDENTIALS));
    id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    assert_eq!(
        acquire_w((&mut id as *mut SEC_WINNT_AUTH_IDENTITY_W).cast(), SECPKG_CRED_OUTBOUND).err(),
        Some(SEC_E_UNKNOWN_CREDENTIALS)
    );
    let _ = null::<u8>();
}

#[test]
fn messages_before_the_handshake_completes_and_extra_steps() {
    let (mut cc, mut sc) = creds("kim", "EXAMPLE", "pw", "pw");
    let mut p = handshake(&mut cc, &mut sc, &Opts::default()).unwrap();
    // A fourth ISC call on a complete context.
    let mut attrs = 0;
    let (st, _) = step(true, &mut cc, &mut p.client, false, Some(b"NTLMSSP\0"), None, false, &mut attrs);
    assert_eq!(st, SEC_E_OUT_OF_SEQUENCE);
    drop(p);
    // A half-done context cannot sign.
    let mut client = SecHandle::default();
    let (st, _) = step(true, &mut cc, &mut client, true, None, None, false, &mut attrs);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    assert_eq!(sign(&mut client, b"x").0, SEC_E_INVALID_HANDLE);
    // SAFETY: a live handle.
    unsafe { DeleteSecurityContext(&mut client) };
    free_cred(cc);
    free_cred(sc);
}

#[test]
fn remaining_attributes() {
    let (mut cc, mut sc) = creds("lena", "EXAMPLE", "pw", "pw");
    let mut p = handshake(&mut cc, &mut sc, &Opts::default()).unwrap();
    for (ctx, client) in [(&mut p.client, true), (&mut p.server, false)] {
        let mut f = SecPkgContext_Flags { Flags: 0 };
        // SAFETY: valid pointers.
        assert_eq!(
            unsafe { QueryContextAttributesW(ctx, SECPKG_ATTR_FLAGS, (&mut f as *mut SecPkgContext_Flags).cast()) },
            SEC_E_OK
        );
        let want = if client {
            ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY
        } else {
            ASC_RET_CONFIDENTIALITY | ASC_RET_INTEGRITY
        };
        assert_eq!(f.Flags & want, want);
        let mut l = SecPkgContext_Lifespan::default();
        // SAFETY: valid pointers.
        assert_eq!(
            unsafe {
                QueryContextAttributesW(ctx, SECPKG_ATTR_LIFESPAN, (&mut l as *mut SecPkgContext_Lifespan).cast())
            },
            SEC_E_OK
        );
        assert!(l.tsStart.as_u64() > 0x01D0_0000_0000_0000, "a 21st-century FILETIME");
        assert_eq!(l.tsExpiry.as_u64(), 0x7FFF_FFFF_FFFF_FFFF);
        let mut n = SecPkgContext_NegotiationInfoW { PackageInfo: null_mut(), NegotiationState: 99 };
        // SAFETY: valid pointers.
        let st = unsafe {
            QueryContextAttributesW(
                ctx,
                SECPKG_ATTR_NEGOTIATION_INFO,
                (&mut n as *mut SecPkgContext_NegotiationInfoW).cast(),
            )
        };
        assert_eq!((st, n.NegotiationState), (SEC_E_OK, SECPKG_NEGOTIATION_COMPLETE));
        // SAFETY: the library filled it.
        let info = unsafe { &*n.PackageInfo };
        assert_eq!((info.wRPCID, info.cbMaxToken), (10, 2888));
        // SAFETY: allocated by the library.
        unsafe { FreeContextBuffer(n.PackageInfo.cast()) };
        let mut nn = SecPkgContext_NativeNamesW { sClientName: null_mut(), sServerName: null_mut() };
        // SAFETY: valid pointers.
        let st = unsafe {
            QueryContextAttributesW(ctx, SECPKG_ATTR_NATIVE_NAMES, (&mut nn as *mut SecPkgContext_NativeNamesW).cast())
        };
        assert_eq!(st, SEC_E_OK);
        let read = |p: *mut u16| {
            let mut len = 0;
            // SAFETY: NUL-terminated strings from the library.
            while unsafe { *p.add(len) } != 0 {
                len += 1;
            }
            // SAFETY: as above.
            String::from_utf16(unsafe { core::slice::from_raw_parts(p, len) }).unwrap()
        };
        assert_eq!(read(nn.sClientName), "EXAMPLE\\lena");
        if client {
            assert_eq!(read(nn.sServerName), "HTTP/server.example.com");
        }
        // SAFETY: allocated by the library.
        unsafe {
            FreeContextBuffer(nn.sClientName.cast());
            FreeContextBuffer(nn.sServerName.cast());
        }
        let mut pi = SecPkgContext_PackageInfoW { PackageInfo: null_mut() };
        // SAFETY: valid pointers.
        assert_eq!(
            unsafe {
                QueryContextAttributesW(
                    ctx,
                    SECPKG_ATTR_PACKAGE_INFO,
                    (&mut pi as *mut SecPkgContext_PackageInfoW).cast(),
                )
            },
            SEC_E_OK
        );
        // SAFETY: the library filled it.
        assert_eq!(unsafe { (*pi.PackageInfo).fCapabilities }, 0x00082B37);
        // SAFETY: allocated by the library.
        unsafe { FreeContextBuffer(pi.PackageInfo.cast()) };
    }
    drop(p);
    free_cred(cc);
    free_cred(sc);
}

/// A small deterministic generator for the corruption test.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn random_corruption_never_crashes() {
    let (mut cc, mut sc) = creds("mona", "EXAMPLE", "pw", "pw");
    static SEED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    let allowed = [SEC_E_INVALID_TOKEN, SEC_E_LOGON_DENIED, SEC_E_BAD_BINDINGS, SEC_E_TIME_SKEW];
    let mut outcomes = std::collections::BTreeMap::new();
    for i in 0..600u32 {
        let leg = (i % 3 + 1) as u8;
        let f: Mangler = |m| {
            let mut s = SEED.fetch_add(0x1234_5678_9ABC_DEF1, std::sync::atomic::Ordering::Relaxed) | 1;
            let n = xorshift(&mut s) % 4 + 1;
            for _ in 0..n {
                if m.is_empty() {
                    break;
                }
                let at = (xorshift(&mut s) as usize) % m.len();
                match xorshift(&mut s) % 3 {
                    0 => m[at] ^= 1 << (xorshift(&mut s) % 8),
                    1 => m[at] = 0xff,
                    _ => m.truncate(at),
                }
            }
        };
        let r = handshake(&mut cc, &mut sc, &Opts { mangle: Some((leg, f)), ..Default::default() });
        match r {
            Ok(_) => *outcomes.entry(0).or_insert(0) += 1,
            Err((_, st)) => {
                assert!(allowed.contains(&st), "unexpected status {st:#x} (a panic answers SEC_E_INTERNAL_ERROR)");
                *outcomes.entry(st).or_insert(0) += 1;
            }
        }
    }
    assert!(outcomes.get(&SEC_E_INVALID_TOKEN).copied().unwrap_or(0) > 50, "{outcomes:?}");
    free_cred(cc);
    free_cred(sc);
}

/// HTTPS + NTLM with extended protection: the channel bindings both sides
/// read from our own Schannel contexts (SECPKG_ATTR_ENDPOINT_BINDINGS) bind
/// the NTLM exchange to that TLS connection.
#[test]
fn https_extended_protection_with_our_schannel() {
    use common::{client_credential, pki, server_credential, Identity, Peer};
    let endpoint = |ctx: &mut CtxtHandle| {
        let mut b = SecPkgContext_Bindings { BindingsLength: 0, Bindings: null_mut() };
        // SAFETY: valid pointers.
        let st = unsafe {
            QueryContextAttributesW(ctx, SECPKG_ATTR_ENDPOINT_BINDINGS, (&mut b as *mut SecPkgContext_Bindings).cast())
        };
        assert_eq!(st, SEC_E_OK);
        // SAFETY: the library wrote BindingsLength bytes.
        let v = unsafe { core::slice::from_raw_parts(b.Bindings as *const u8, b.BindingsLength as usize) }.to_vec();
        // SAFETY: allocated by the library.
        unsafe { FreeContextBuffer(b.Bindings.cast()) };
        v
    };
    let tls = |id: &Identity| {
        let mut client = Peer::client(client_credential(0, 0), "localhost");
        let mut server = Peer::server(server_credential(id, 0, 0));
        common::handshake(&mut client, &mut server).unwrap();
        let (c, s) = (endpoint(client.ctx.as_mut().unwrap()), endpoint(server.ctx.as_mut().unwrap()));
        client.delete();
        server.delete();
        (c, s)
    };
    let (client_cb, server_cb) = tls(&pki().server);
    assert_eq!(client_cb, server_cb, "both ends see the same tls-server-end-point");
    let (mut cc, mut sc) = creds("nina", "EXAMPLE", "pw", "pw");
    let ok = Opts { client_bindings: Some(client_cb.clone()), server_bindings: Some(server_cb), ..Default::default() };
    assert!(handshake(&mut cc, &mut sc, &ok).is_ok());
    // Another TLS connection (another certificate): a relayed NTLM exchange fails.
    let (_, other_server_cb) = tls(&pki().server_ecdsa);
    let relayed =
        Opts { client_bindings: Some(client_cb), server_bindings: Some(other_server_cb), ..Default::default() };
    assert_eq!(handshake(&mut cc, &mut sc, &relayed).err(), Some(("ASC 2", SEC_E_BAD_BINDINGS)));
    free_cred(cc);
    free_cred(sc);
}

/// curl's NTLM: a 32-byte NEGOTIATE (OEM, no Version, no SIGN/SEAL, no key
/// exchange) and an AUTHENTICATE in OEM with no MIC. The AUTHENTICATE is
/// built here from the library's own NTLMv2 functions, as curl computes it.
#[test]
fn curl_style_client_32_byte_negotiate_oem_no_mic() {
    use secur32::crypto::Key16;
    use secur32::packages::ntlm::{crypto as nc, messages as m};
    let mut sc = cred_w("olga", "EXAMPLE", "pw", SECPKG_CRED_INBOUND).unwrap();
    let flags = m::NEGOTIATE_OEM
        | m::REQUEST_TARGET
        | m::NEGOTIATE_NTLM
        | m::NEGOTIATE_ALWAYS_SIGN
        | m::NEGOTIATE_EXTENDED_SESSIONSECURITY;
    let mut negotiate = m::SIGNATURE.to_vec();
    negotiate.extend_from_slice(&1u32.to_le_bytes());
    negotiate.extend_from_slice(&flags.to_le_bytes());
    negotiate.extend_from_slice(&[0; 16]);
    assert_eq!(negotiate.len(), 32);
    let mut server = SecHandle::default();
    let mut attrs = 0;
    let (st, challenge) = step(false, &mut sc, &mut server, true, Some(&negotiate), None, false, &mut attrs);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    let c = m::Challenge::parse(&challenge).unwrap();
    assert_eq!(c.flags & (m::NEGOTIATE_OEM | m::NEGOTIATE_UNICODE), m::NEGOTIATE_OEM, "exactly one charset");
    assert_ne!(c.flags & m::NEGOTIATE_TARGET_INFO, 0);
    assert_eq!(
        c.flags & (m::NEGOTIATE_KEY_EXCH | m::NEGOTIATE_SEAL | m::NEGOTIATE_VERSION),
        0,
        "nothing not asked for"
    );
    // curl's type-3: NTLMv2 over the server's target info, no MIC, OEM strings.
    let key = nc::ntowf_v2(&nc::nt_hash("pw"), "olga", "EXAMPLE");
    let av = m::AvPairs::parse(&c.target_info).unwrap();
    let blob = nc::client_blob(av.timestamp().unwrap(), &[7; 8], &c.target_info);
    let proof = nc::nt_proof(&key, &c.server_challenge, &blob);
    let mut nt = proof.to_vec();
    nt.extend_from_slice(&blob);
    let auth = m::Authenticate {
        flags: c.flags,
        lm_response: nc::lm_v2_response(&key, &c.server_challenge, &[7; 8]),
        nt_response: nt,
        domain: b"EXAMPLE".to_vec(),
        user: b"olga".to_vec(),
        workstation: b"CURLHOST".to_vec(),
        encrypted_session_key: vec![],
        version: None,
        mic: None,
    }
    .encode()
    .unwrap();
    let (st, _) = step(false, &mut sc, &mut server, false, Some(&auth), None, false, &mut attrs);
    assert_eq!(st, SEC_E_OK);
    assert_eq!(names(&mut server), "EXAMPLE\\olga");
    // Without key exchange the exported key is the session base key.
    let base: Key16 = nc::session_base_key(&key, &proof);
    assert_eq!(session_key(&mut server), base.0.to_vec());
    // SAFETY: a live handle.
    unsafe { DeleteSecurityContext(&mut server) };
    free_cred(sc);
}
