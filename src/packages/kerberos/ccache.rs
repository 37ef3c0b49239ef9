//! MIT credential caches, read only: the `FILE:` format (versions 3 and 4,
//! big-endian; MIT's `doc/formats/ccache_file_format.rst`) and `DIR:`
//! collections (the `primary` file names the current cache, or `DIR::file`
//! one cache), found the way MIT finds them: `KRB5CCNAME`, else krb5.conf's
//! `default_ccache_name`, else `FILE:/tmp/krb5cc_%{uid}`. `KEYRING:`,
//! `KCM:` and `MEMORY:` caches are not supported. Configuration entries
//! (`X-CACHECONF:`) are skipped. What we obtain is kept in memory, never
//! written back.

use std::path::{Path, PathBuf};

use super::asn1::{PrincipalName, Ticket};
use super::config::Config;
use super::kdc::Creds;
use super::keytab::{expand, Cursor};
use crate::abi::{SEC_E_INVALID_TOKEN, SEC_E_NO_CREDENTIALS};
use crate::crypto::kerberos::{Enctype, Key};
use crate::error::{SecError, SecResult};

fn bad(detail: &'static str) -> SecError {
    SecError::new(SEC_E_INVALID_TOKEN, detail)
}

/// A parsed cache: its default principal and its credentials.
#[derive(Debug)]
pub struct Cache {
    pub realm: String,
    pub principal: PrincipalName,
    /// KDC time minus our time, in seconds, when the cache recorded it.
    pub kdc_offset: i64,
    pub creds: Vec<Creds>,
}

fn principal(c: &mut Cursor<'_>) -> SecResult<(String, PrincipalName)> {
    let name_type = c.u32()? as i32;
    let count = c.u32()? as usize;
    if count > 64 {
        return Err(bad("principal with too many components"));
    }
    let n = c.u32()? as usize;
    let realm = c.text(n)?;
    let mut components = Vec::with_capacity(count);
    for _ in 0..count {
        let n = c.u32()? as usize;
        components.push(c.text(n)?);
    }
    Ok((realm, PrincipalName { name_type, components }))
}

fn data<'a>(c: &mut Cursor<'a>) -> SecResult<&'a [u8]> {
    let n = c.u32()? as usize;
    c.take(n)
}

/// Parses a FILE ccache's bytes.
pub fn parse(bytes: &[u8]) -> SecResult<Cache> {
    let version = match bytes {
        [5, v @ (3 | 4), ..] => *v,
        [5, 1 | 2, ..] => return Err(bad("ccache format versions 1 and 2 are not supported")),
        _ => return Err(bad("not a credential cache")),
    };
    let mut c = Cursor { data: &bytes[2..], big_endian: true };
    let mut kdc_offset = 0;
    if version == 4 {
        let header_len = c.u16()? as usize;
        let mut h = Cursor { data: c.take(header_len)?, big_endian: true };
        while !h.data.is_empty() {
            let tag = h.u16()?;
            let len = h.u16()? as usize;
            let v = h.take(len)?;
            if tag == 1 && len == 8 {
                kdc_offset = i32::from_be_bytes([v[0], v[1], v[2], v[3]]) as i64;
            }
        }
    }
    let (realm, principal_name) = principal(&mut c)?;
    let mut creds = Vec::new();
    while !c.data.is_empty() {
        let (crealm, client) = principal(&mut c)?;
        let (srealm, server) = principal(&mut c)?;
        let keytype = c.u16()? as i32;
        if version == 3 {
            c.u16()?;
        }
        let key = zeroize::Zeroizing::new(data(&mut c)?.to_vec());
        let authtime = c.u32()? as i64;
        let starttime = c.u32()? as i64;
        let endtime = c.u32()? as i64;
        let renew_till = c.u32()? as i64;
        let _is_skey = c.u8()?;
        let flags = c.u32()?;
        for _ in 0..c.u32()? {
            c.u16()?;
            data(&mut c)?;
        }
        for _ in 0..c.u32()? {
            c.u16()?;
            data(&mut c)?;
        }
        let ticket = data(&mut c)?;
        let _second = data(&mut c)?;
        if srealm == "X-CACHECONF:" {
            continue;
        }
        let (Some(e), Ok(ticket)) = (Enctype::from_number(keytype), Ticket::from_der(ticket)) else { continue };
        let Ok(session_key) = Key::new(e, &key) else { continue };
        creds.push(Creds {
            client_realm: crealm,
            client,
            server_realm: srealm,
            server,
            ticket,
            session_key,
            flags,
            authtime,
            starttime: (starttime != 0).then_some(starttime),
            endtime,
            renew_till: (renew_till != 0).then_some(renew_till),
        });
    }
    Ok(Cache { realm, principal: principal_name, kdc_offset, creds })
}

/// The default cache's name: `KRB5CCNAME`, `default_ccache_name`, or
/// `FILE:/tmp/krb5cc_%{uid}`.
pub fn default_name(config: &Config) -> String {
    std::env::var("KRB5CCNAME")
        .ok()
        .or_else(|| config.profile.get("libdefaults", "default_ccache_name").map(str::to_string))
        .unwrap_or_else(|| "FILE:/tmp/krb5cc_%{uid}".into())
}

/// The file a cache name designates.
pub fn file_of(name: &str) -> SecResult<PathBuf> {
    let unsupported = || SecError::new(SEC_E_NO_CREDENTIALS, "unsupported credential cache type (FILE: and DIR: only)");
    if let Some(rest) = name.strip_prefix("DIR:") {
        // DIR::/path/tktX names one cache; DIR:/path the collection's primary.
        if let Some(file) = rest.strip_prefix(':') {
            return Ok(PathBuf::from(expand(file)));
        }
        let dir = PathBuf::from(expand(rest));
        let primary = std::fs::read_to_string(dir.join("primary"))
            .map_err(|_| SecError::new(SEC_E_NO_CREDENTIALS, "the DIR collection has no primary cache"))?;
        let file = primary.trim();
        if file.is_empty() || file.contains('/') {
            return Err(SecError::new(SEC_E_NO_CREDENTIALS, "bad DIR primary file"));
        }
        return Ok(dir.join(file));
    }
    let path = name.strip_prefix("FILE:").unwrap_or(name);
    if path.contains(':') && !path.starts_with('/') {
        return Err(unsupported());
    }
    Ok(PathBuf::from(expand(path)))
}

/// Reads the cache at `path`; a missing file is `SEC_E_NO_CREDENTIALS`.
pub fn read(path: &Path) -> SecResult<Cache> {
    let bytes = zeroize::Zeroizing::new(
        std::fs::read(path).map_err(|_| SecError::new(SEC_E_NO_CREDENTIALS, "no credential cache"))?,
    );
    parse(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_it_cannot_read() {
        assert!(parse(&[5, 4, 0]).is_err(), "truncated");
        assert!(parse(&[5, 1, 0, 0]).is_err(), "native byte order versions");
        assert!(parse(b"hello").is_err());
        assert!(file_of("KEYRING:persistent:0").is_err());
        assert_eq!(file_of("FILE:/tmp/cc").unwrap(), PathBuf::from("/tmp/cc"));
        assert_eq!(file_of("DIR::/tmp/d/tktA").unwrap(), PathBuf::from("/tmp/d/tktA"));
    }
}
