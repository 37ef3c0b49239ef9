//! The Kerberos package against a real MIT KDC on loopback (a realm made
//! at test time: see tests/common/krb5.rs).

mod common;

use std::time::{Duration, Instant};

use common::krb5::{config_of, Realm, PASSWORD, REALM, USER};
use secur32::abi::*;
use secur32::crypto::kerberos::Enctype;
use secur32::packages::kerberos::asn1::{PrincipalName, NT_PRINCIPAL, NT_SRV_HST, NT_SRV_INST};
use secur32::packages::kerberos::kdc::{as_exchange, tgs_exchange, Secret};

fn user() -> PrincipalName {
    PrincipalName::new(NT_PRINCIPAL, &[USER])
}

fn http() -> PrincipalName {
    PrincipalName::new(NT_SRV_HST, &["HTTP", "localhost"])
}

#[test]
fn as_and_tgs_exchanges_for_every_enctype() {
    let realm = Realm::start("");
    for e in Enctype::ALL {
        let mut c = config_of(&realm);
        c.tkt_enctypes = vec![e];
        c.tgs_enctypes = vec![e];
        let tgt = as_exchange(&c, REALM, &user(), &Secret::Password(PASSWORD.as_bytes()), None)
            .unwrap_or_else(|err| panic!("{e:?}: {err:?}\n{}", realm.log()));
        assert_eq!(tgt.session_key.enctype(), e);
        assert_eq!(tgt.server, PrincipalName::new(NT_SRV_INST, &["krbtgt", REALM]));
        assert_eq!(tgt.client, user());
        assert!(tgt.endtime > tgt.authtime);
        let svc =
            tgs_exchange(&c, &tgt, &http(), REALM).unwrap_or_else(|err| panic!("{e:?}: {err:?}\n{}", realm.log()));
        assert_eq!(svc.session_key.enctype(), e, "the service session key follows default_tgs_enctypes");
        assert_eq!(svc.server.components, ["HTTP", "localhost"]);
        assert_eq!(svc.ticket.realm, REALM);
    }
}

#[test]
fn tcp_is_used_above_the_udp_limit() {
    let realm = Realm::start(" udp_preference_limit = 1\n");
    let c = config_of(&realm);
    assert_eq!(c.udp_preference_limit, 1);
    let tgt = as_exchange(&c, REALM, &user(), &Secret::Password(PASSWORD.as_bytes()), None).unwrap();
    tgs_exchange(&c, &tgt, &http(), REALM).unwrap();
}

#[test]
fn kdc_errors_map_to_sspi_statuses() {
    let mut realm = Realm::start(" kdc_timeout = 1\n");
    let c = config_of(&realm);
    let wrong = as_exchange(&c, REALM, &user(), &Secret::Password(b"not the password"), None).unwrap_err();
    assert_eq!(wrong.status, SEC_E_LOGON_DENIED);
    let nobody = PrincipalName::new(NT_PRINCIPAL, &["nobody"]);
    assert_eq!(as_exchange(&c, REALM, &nobody, &Secret::Password(b"x"), None).unwrap_err().status, SEC_E_LOGON_DENIED);
    let tgt = as_exchange(&c, REALM, &user(), &Secret::Password(PASSWORD.as_bytes()), None).unwrap();
    let unknown = PrincipalName::new(NT_SRV_HST, &["HTTP", "unknown.example.test"]);
    assert_eq!(tgs_exchange(&c, &tgt, &unknown, REALM).unwrap_err().status, SEC_E_TARGET_UNKNOWN);
    // No KDC answering: refused in bounded time, not a hang.
    realm.stop_kdc();
    let start = Instant::now();
    let e = as_exchange(&c, REALM, &user(), &Secret::Password(PASSWORD.as_bytes()), None).unwrap_err();
    assert_eq!(e.status, SEC_E_NO_AUTHENTICATING_AUTHORITY);
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    // A realm without KDCs in krb5.conf.
    assert_eq!(
        as_exchange(&c, "NOWHERE.TEST", &user(), &Secret::Password(b"x"), None).unwrap_err().status,
        SEC_E_NO_AUTHENTICATING_AUTHORITY
    );
}
