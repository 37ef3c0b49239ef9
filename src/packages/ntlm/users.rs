//! Who the NTLM acceptor knows, and the initiator's default credential.
//!
//! Linux has no SAM, so the acceptor checks responses against one of:
//! * the identity given to its `AcquireCredentialsHandle` (that user only);
//! * the file named by `NTLM_USER_FILE`, read at every authentication, whose
//!   lines are either gss-ntlmssp's `DOMAIN:USER:PASSWORD` or WinPR's SAM
//!   format (FreeRDP's `winpr-hash -f sam`): `USER:DOMAIN:LMHASH:NTHASH:::`
//!   with the NT hash in hex (the LM field may be empty and is ignored), so
//!   no clear-text password has to be stored. Empty lines and lines starting
//!   with `#` are skipped. An empty domain matches any domain.
//!
//! The initiator without an identity uses the file's first entry, as
//! gss-ntlmssp does.

use crate::crypto::Key16;

/// The environment variable naming the user file.
pub const USER_FILE_ENV: &str = "NTLM_USER_FILE";

/// One known user: the NT hash is all NTLMv2 needs.
#[derive(Clone, Debug)]
pub struct UserEntry {
    pub domain: String,
    pub user: String,
    pub nt_hash: Key16,
}

impl UserEntry {
    /// Whether this entry is `user` of `domain` (case-insensitive; an entry
    /// without a domain matches every domain, and a client that names no
    /// domain matches every entry: the NTLMv2 response is computed over the
    /// domain as sent, so this widens nothing an attacker could use).
    pub fn matches(&self, user: &str, domain: &str) -> bool {
        self.user.to_lowercase() == user.to_lowercase()
            && (self.domain.is_empty() || domain.is_empty() || self.domain.to_lowercase() == domain.to_lowercase())
    }
}

fn parse_hex16(s: &str) -> Option<[u8; 16]> {
    if s.len() != 32 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// One line of a user file, `None` for blank lines, comments and lines in
/// neither format.
pub fn parse_line(line: &str) -> Option<UserEntry> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.trim().is_empty() || line.trim_start().starts_with('#') {
        return None;
    }
    // WinPR SAM: USER:DOMAIN:LMHASH:NTHASH::: (exactly seven fields).
    let fields: Vec<&str> = line.split(':').collect();
    if fields.len() == 7 && fields[4..].iter().all(|f| f.is_empty()) {
        if let Some(h) = parse_hex16(fields[3]) {
            if fields[2].is_empty() || parse_hex16(fields[2]).is_some() {
                return Some(UserEntry { user: fields[0].to_owned(), domain: fields[1].to_owned(), nt_hash: Key16(h) });
            }
        }
    }
    // gss-ntlmssp: DOMAIN:USER:PASSWORD (the password may hold colons).
    let mut it = line.splitn(3, ':');
    let (domain, user, password) = (it.next()?, it.next()?, it.next()?);
    if user.is_empty() {
        return None;
    }
    let password = zeroize::Zeroizing::new(password.to_owned());
    Some(UserEntry { domain: domain.to_owned(), user: user.to_owned(), nt_hash: super::crypto::nt_hash(&password) })
}

/// Every entry of a user file's text.
pub fn parse_file(text: &str) -> Vec<UserEntry> {
    text.lines().filter_map(parse_line).collect()
}

/// The entries of the file `NTLM_USER_FILE` names; empty when unset or unreadable.
pub fn from_env() -> Vec<UserEntry> {
    let Some(path) = std::env::var_os(USER_FILE_ENV) else { return Vec::new() };
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = zeroize::Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned());
            let mut bytes = bytes;
            zeroize::Zeroize::zeroize(&mut bytes);
            parse_file(&text)
        }
        Err(_) => Vec::new(),
    }
}

/// Finds `user` of `domain`.
pub fn lookup<'a>(entries: &'a [UserEntry], user: &str, domain: &str) -> Option<&'a UserEntry> {
    entries.iter().find(|e| e.matches(user, domain))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hex;

    #[test]
    fn both_formats() {
        let text = "# comment\n\nDOMAIN:alice:pass:with:colons\n\
                    bob:CORP::a4f49c406510bdcab6824ee7c30fd852:::\n\
                    carol:::a4f49c406510bdcab6824ee7c30fd852:::\n\
                    garbage\n";
        let e = parse_file(text);
        assert_eq!(e.len(), 3);
        assert_eq!((e[0].domain.as_str(), e[0].user.as_str()), ("DOMAIN", "alice"));
        assert_eq!(e[0].nt_hash, super::super::crypto::nt_hash("pass:with:colons"));
        assert_eq!((e[1].domain.as_str(), e[1].user.as_str()), ("CORP", "bob"));
        assert_eq!(e[1].nt_hash.0.to_vec(), hex("a4f49c406510bdcab6824ee7c30fd852"));
        assert!(lookup(&e, "BOB", "corp").is_some());
        assert!(lookup(&e, "bob", "other").is_none());
        assert!(lookup(&e, "carol", "anything").is_some(), "empty domain matches any");
        assert!(lookup(&e, "dave", "").is_none());
        assert!(lookup(&e, "bob", "").is_some(), "no domain sent matches the entry's");
    }
}
