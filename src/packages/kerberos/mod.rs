//! The Kerberos package (in progress): RFC 4120 Kerberos V5 behind SSPI,
//! talking to real KDCs the Linux way (krb5.conf, ccaches, keytabs).
//!
//! The parts, each proven against MIT Kerberos in tests/kerberos.rs:
//! `asn1` (the RFC 4120 messages), `config` (krb5.conf), `kdc` (the KDC
//! transport and the AS and TGS exchanges), `keytab` and `ccache` (MIT's
//! file formats), `context` (the GSS-API AP exchange, RFC 4121) and `wrap`
//! (RFC 4121 per-message tokens). The enctypes are in
//! `crate::crypto::kerberos`. The SSPI package on top of them is next.

pub mod asn1;
pub mod ccache;
pub mod config;
pub mod context;
pub mod kdc;
pub mod keytab;
pub mod package;
pub mod wrap;

pub use package::REGISTERED;
