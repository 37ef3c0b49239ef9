//! rustls configurations built from a credential.

/// The configs and caches a credential shares with its contexts.
pub struct CredentialConfigs {}
