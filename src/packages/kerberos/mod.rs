//! The Kerberos package (in progress): RFC 4120 Kerberos V5 behind SSPI,
//! talking to real KDCs the Linux way (krb5.conf, ccaches, keytabs).
//!
//! What exists so far: the message codec (`asn1`) and krb5.conf (`config`). The crypto it uses is in
//! `crate::crypto::kerberos`.

pub mod asn1;
pub mod ccache;
pub mod config;
pub mod kdc;
pub mod keytab;
pub mod wrap;
