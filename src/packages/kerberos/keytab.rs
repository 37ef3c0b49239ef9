//! MIT keytab files (`FILE:` keytabs, format versions 1 and 2, as
//! `doc/formats/keytab_file_format.rst` in MIT krb5 describes them), read
//! only. Where the keytab is: `KRB5_KTNAME` for an acceptor,
//! `KRB5_CLIENT_KTNAME` for a client, else krb5.conf's
//! `default_keytab_name` / `default_client_keytab_name`, else
//! `/etc/krb5.keytab` (acceptor). Keys are wiped when dropped; entries of
//! enctypes we do not support are skipped.

use std::path::PathBuf;

use super::asn1::PrincipalName;
use super::config::Config;
use crate::abi::SEC_E_INVALID_TOKEN;
use crate::crypto::kerberos::{Enctype, Key};
use crate::error::{SecError, SecResult};

/// One key of a keytab.
#[derive(Clone, Debug)]
pub struct Entry {
    pub realm: String,
    pub principal: PrincipalName,
    pub timestamp: u32,
    pub kvno: u32,
    pub key: Key,
}

fn bad(detail: &'static str) -> SecError {
    SecError::new(SEC_E_INVALID_TOKEN, detail)
}

/// A cursor over file bytes in one byte order.
pub(super) struct Cursor<'a> {
    pub data: &'a [u8],
    pub big_endian: bool,
}

impl<'a> Cursor<'a> {
    pub fn take(&mut self, n: usize) -> SecResult<&'a [u8]> {
        if self.data.len() < n {
            return Err(bad("file truncated"));
        }
        let (a, b) = self.data.split_at(n);
        self.data = b;
        Ok(a)
    }
    pub fn u8(&mut self) -> SecResult<u8> {
        Ok(self.take(1)?[0])
    }
    pub fn u16(&mut self) -> SecResult<u16> {
        let b: [u8; 2] = self.take(2)?.try_into().expect("two bytes");
        Ok(if self.big_endian { u16::from_be_bytes(b) } else { u16::from_ne_bytes(b) })
    }
    pub fn u32(&mut self) -> SecResult<u32> {
        let b: [u8; 4] = self.take(4)?.try_into().expect("four bytes");
        Ok(if self.big_endian { u32::from_be_bytes(b) } else { u32::from_ne_bytes(b) })
    }
    /// A UTF-8 string of `len` bytes (names are UTF-8 in MIT's files).
    pub fn text(&mut self, len: usize) -> SecResult<String> {
        String::from_utf8(self.take(len)?.to_vec()).map_err(|_| bad("a name that is not UTF-8"))
    }
}

/// Parses a keytab file's bytes.
pub fn parse(data: &[u8]) -> SecResult<Vec<Entry>> {
    let (version, rest) = match data {
        [5, v @ (1 | 2), rest @ ..] => (*v, rest),
        _ => return Err(bad("not a keytab (version 5.1 or 5.2)")),
    };
    let mut c = Cursor { data: rest, big_endian: version == 2 };
    let mut out = Vec::new();
    while !c.data.is_empty() {
        if c.data.len() < 4 {
            break;
        }
        let len = c.u32()? as i32;
        if len == 0 {
            break;
        }
        if len < 0 {
            c.take(len.unsigned_abs() as usize)?;
            continue;
        }
        let record = c.take(len as usize)?;
        let mut r = Cursor { data: record, big_endian: c.big_endian };
        let mut count = r.u16()? as usize;
        if version == 1 {
            count = count.checked_sub(1).ok_or(bad("keytab v1 entry without a realm"))?;
        }
        let realm_len = r.u16()? as usize;
        let realm = r.text(realm_len)?;
        let mut components = Vec::with_capacity(count.min(16));
        for _ in 0..count {
            let n = r.u16()? as usize;
            components.push(r.text(n)?);
        }
        let name_type = if version == 1 { 1 } else { r.u32()? as i32 };
        let timestamp = r.u32()?;
        let vno8 = r.u8()? as u32;
        let enctype = r.u16()? as i32;
        let key_len = r.u16()? as usize;
        let key = r.take(key_len)?;
        let kvno = if r.data.len() >= 4 {
            match r.u32()? {
                0 => vno8,
                v => v,
            }
        } else {
            vno8
        };
        let Some(e) = Enctype::from_number(enctype) else { continue };
        let Ok(key) = Key::new(e, key) else { continue };
        out.push(Entry { realm, principal: PrincipalName { name_type, components }, timestamp, kvno, key });
    }
    Ok(out)
}

/// `FILE:path`, `WRFILE:path` or a bare path; other types are not supported.
pub fn path_of(name: &str) -> Option<PathBuf> {
    let path = name.strip_prefix("FILE:").or_else(|| name.strip_prefix("WRFILE:")).unwrap_or(name);
    if path.contains(':') && !path.starts_with('/') {
        return None;
    }
    Some(PathBuf::from(expand(path)))
}

/// MIT's `%{uid}`, `%{euid}`, `%{TEMP}` and `%{username}`-free expansions.
pub(super) fn expand(s: &str) -> String {
    let (uid, euid) = crate::platform::user_ids();
    s.replace("%{uid}", &uid.to_string())
        .replace("%{euid}", &euid.to_string())
        .replace("%{TEMP}", &std::env::var("TMPDIR").unwrap_or_else(|_| "/tmp".into()))
}

/// The acceptor's keytab: `KRB5_KTNAME`, `default_keytab_name`, `/etc/krb5.keytab`.
pub fn acceptor_keytab(config: &Config) -> Option<PathBuf> {
    let name = std::env::var("KRB5_KTNAME")
        .ok()
        .or_else(|| config.profile.get("libdefaults", "default_keytab_name").map(str::to_string))
        .unwrap_or_else(|| "FILE:/etc/krb5.keytab".into());
    path_of(&name)
}

/// The client keytab: `KRB5_CLIENT_KTNAME`, `default_client_keytab_name`.
pub fn client_keytab(config: &Config) -> Option<PathBuf> {
    let name = std::env::var("KRB5_CLIENT_KTNAME")
        .ok()
        .or_else(|| config.profile.get("libdefaults", "default_client_keytab_name").map(str::to_string))?;
    path_of(&name)
}

/// Reads a keytab file; a missing file is an empty keytab.
pub fn read(path: &std::path::Path) -> SecResult<Vec<Entry>> {
    match std::fs::read(path) {
        Ok(data) => parse(&zeroize::Zeroizing::new(data)),
        Err(_) => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry_v2(realm: &str, comps: &[&str], kvno8: u8, etype: u16, key: &[u8], kvno32: Option<u32>) -> Vec<u8> {
        let mut e = Vec::new();
        e.extend((comps.len() as u16).to_be_bytes());
        e.extend((realm.len() as u16).to_be_bytes());
        e.extend(realm.as_bytes());
        for c in comps {
            e.extend((c.len() as u16).to_be_bytes());
            e.extend(c.as_bytes());
        }
        e.extend(1u32.to_be_bytes());
        e.extend(1_700_000_000u32.to_be_bytes());
        e.push(kvno8);
        e.extend(etype.to_be_bytes());
        e.extend((key.len() as u16).to_be_bytes());
        e.extend(key);
        if let Some(v) = kvno32 {
            e.extend(v.to_be_bytes());
        }
        let mut rec = (e.len() as i32).to_be_bytes().to_vec();
        rec.extend(e);
        rec
    }

    #[test]
    fn reads_entries_holes_and_kvnos() {
        let mut f = vec![5, 2];
        f.extend(entry_v2("EXAMPLE.TEST", &["HTTP", "localhost"], 2, 18, &[1; 32], None));
        f.extend((-6i32).to_be_bytes());
        f.extend([0; 6]);
        f.extend(entry_v2("EXAMPLE.TEST", &["HTTP", "localhost"], 1, 17, &[2; 16], Some(300)));
        f.extend(entry_v2("EXAMPLE.TEST", &["old"], 1, 3, &[3; 8], None));
        let e = parse(&f).unwrap();
        assert_eq!(e.len(), 2, "the DES entry is skipped");
        assert_eq!(e[0].principal.components, ["HTTP", "localhost"]);
        assert_eq!((e[0].kvno, e[0].key.enctype()), (2, Enctype::Aes256Sha1));
        assert_eq!((e[1].kvno, e[1].key.bytes()), (300, &[2u8; 16][..]), "the 32-bit kvno wins");
        assert!(parse(&[5, 3]).is_err());
        let mut cut = f.clone();
        cut.truncate(20);
        assert!(parse(&cut).is_err());
    }

    #[test]
    fn names() {
        assert_eq!(path_of("FILE:/tmp/x.keytab"), Some(PathBuf::from("/tmp/x.keytab")));
        assert_eq!(path_of("/tmp/y"), Some(PathBuf::from("/tmp/y")));
        assert_eq!(path_of("MEMORY:x"), None);
    }
}
