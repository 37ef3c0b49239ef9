//! The Digest package ("WDigest"; issue 16, in progress): so far the
//! directive-list codec and the RFC 2831 / RFC 7616 computations, with the
//! RFCs' worked examples as tests. The package itself is not registered yet.

pub mod directives;
pub mod rfc;
