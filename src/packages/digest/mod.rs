//! The Digest package ("WDigest"; issue 16, in progress): the directive-list
//! codec, the RFC 2831 / RFC 7616 computations (with the RFCs' worked
//! examples as tests), and the package in SASL mode (DIGEST-MD5 with its
//! auth-int and auth-conf layers). HTTP Digest is not implemented yet.

pub mod directives;
pub mod package;
pub mod rfc;

pub use package::REGISTERED;
