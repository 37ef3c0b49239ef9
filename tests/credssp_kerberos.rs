//! CredSSP with Kerberos inside (our Negotiate choosing Kerberos), both ends ours, against a
//! real MIT KDC made at test time: the client's AP-REQ and the server's AP-REP travel in the
//! TSRequests, the public-key binding is sealed with the Kerberos session keys, and the
//! password is delegated.

mod common;

use common::krb5::{Realm, PASSWORD, REALM, USER};
use common::sspi::Step;
use secur32::abi::*;
use secur32::entry::attributes::*;
use secur32::entry::contexts::*;
use secur32::entry::packages::FreeContextBuffer;
use secur32::entry::CREDENTIALS;
use secur32::packages::credssp::tsrequest::PasswordCreds;
use secur32::packages::{self, AcquireRequest, AuthData, CredentialUse, Identity, SchannelCredSpec};

fn acquire(inbound: bool, auth: AuthData) -> CredHandle {
    let reg = packages::find("CREDSSP").unwrap();
    let c = reg
        .package
        .acquire_credentials(AcquireRequest {
            principal: None,
            usage: CredentialUse { inbound, outbound: !inbound },
            auth,
        })
        .unwrap();
    CREDENTIALS.insert(c).unwrap()
}

#[test]
fn kerberos_inside_credssp_against_a_real_kdc() {
    let realm = Realm::start("");
    std::env::set_var("KRB5_CONFIG", &realm.krb5_conf);
    std::env::set_var("KRB5_KTNAME", realm.path("http.keytab"));
    std::env::set_var("KRB5CCNAME", format!("FILE:{}", realm.path("no-ccache").display()));
    let pki = common::pki();
    let spec = SchannelCredSpec {
        version: SCHANNEL_CRED_VERSION,
        certs: vec![common::context_of(&pki.server)],
        ..Default::default()
    };
    let mut sc = acquire(true, AuthData::CredSsp { schannel: Some(spec), identity: None });
    let id = Identity {
        user: USER.into(),
        domain: REALM.into(),
        password: zeroize::Zeroizing::new(PASSWORD.into()),
        package_list: None,
    };
    let mut cc = acquire(false, AuthData::CredSsp { schannel: None, identity: Some(id) });
    let (mut c, mut s) = (SecHandle::default(), SecHandle::default());
    let mut token: Option<Vec<u8>> = None;
    let (mut cst, mut sst) = (SEC_I_CONTINUE_NEEDED, SEC_I_CONTINUE_NEEDED);
    for leg in 0..16 {
        let out;
        if leg % 2 == 0 {
            let mut step = Step::client(leg == 0, token.as_deref(), "HTTP/localhost");
            step.flags = ISC_REQ_CONFIDENTIALITY | ISC_REQ_MUTUAL_AUTH;
            (cst, out, _) = step.run(&mut cc, &mut c);
            assert!(cst >= 0, "client leg {leg}: {cst:#x}\n{}", realm.log());
        } else {
            (sst, out, _) = Step::server(leg == 1, token.as_deref()).run(&mut sc, &mut s);
            assert!(sst >= 0, "server leg {leg}: {sst:#x}");
        }
        if cst == SEC_E_OK && sst == SEC_E_OK {
            break;
        }
        token = Some(out);
    }
    assert_eq!((cst, sst), (SEC_E_OK, SEC_E_OK));
    unsafe {
        for h in [&mut c, &mut s] {
            let mut pi = SecPkgContext_PackageInfoW { PackageInfo: core::ptr::null_mut() };
            let p = (&mut pi as *mut SecPkgContext_PackageInfoW).cast();
            assert_eq!(QueryContextAttributesW(h, SECPKG_ATTR_NEGOTIATION_PACKAGE, p), SEC_E_OK);
            assert_eq!(common::from_wide_ptr((*pi.PackageInfo).Name), "Kerberos");
            assert_eq!(FreeContextBuffer(pi.PackageInfo.cast()), SEC_E_OK);
        }
        let mut creds = SecPkgContext_ClientCreds { AuthBufferLen: 0, AuthBuffer: core::ptr::null_mut() };
        assert_eq!(
            QueryContextAttributesW(&mut s, SECPKG_ATTR_CREDS, (&mut creds as *mut SecPkgContext_ClientCreds).cast()),
            SEC_E_OK
        );
        let der = core::slice::from_raw_parts(creds.AuthBuffer, creds.AuthBufferLen as usize).to_vec();
        assert_eq!(FreeContextBuffer(creds.AuthBuffer.cast()), SEC_E_OK);
        let pc = PasswordCreds::decode_credentials(&der).unwrap();
        assert_eq!((pc.domain.as_str(), pc.user.as_str(), pc.password.as_str()), (REALM, USER, PASSWORD));
    }
    assert_eq!(common::sspi::names(&mut s).to_lowercase(), format!("{USER}@{REALM}").to_lowercase());
    unsafe {
        DeleteSecurityContext(&mut c);
        DeleteSecurityContext(&mut s);
    }
    common::sspi::free_cred(cc);
    common::sspi::free_cred(sc);
}
