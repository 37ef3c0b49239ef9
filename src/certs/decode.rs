//! The decoders behind `CryptStringToBinary`, `CryptQueryObject` and
//! `CryptDecodeObjectEx(X509_ALT_NAME)`: text armour to bytes, and an
//! alternative-name extension to the `CERT_ALT_NAME_INFO` block Windows
//! hands out (one allocation: the info, its entries, then their strings
//! and blobs).

use core::mem::{align_of, size_of};

use super::pem;
use crate::abi::*;
use crate::der::{self, Reader};
use crate::error::{SecError, SecResult};

fn invalid_data(detail: &'static str) -> SecError {
    SecError::new(ERROR_INVALID_DATA as i32, detail)
}

/// `CryptStringToBinary` over bytes (UTF-16 callers convert first):
/// the decoded bytes, how many characters preceded the data (`pdwSkip`) and
/// the format actually found (`pdwFlags`).
pub fn string_to_binary(text: &[u8], flags: u32) -> SecResult<(Vec<u8>, usize, u32)> {
    let header = |label: Option<&str>| -> SecResult<(Vec<u8>, usize)> {
        let s = core::str::from_utf8(text).map_err(|_| invalid_data("not text"))?;
        let start = s.find("-----BEGIN ").ok_or(invalid_data("no BEGIN line"))?;
        let after = &s[start + 11..];
        let label_end = after.find("-----").ok_or(invalid_data("unterminated BEGIN line"))?;
        let found = &after[..label_end];
        if label.is_some_and(|l| l != found) {
            return Err(invalid_data("another kind of PEM block"));
        }
        let body = &after[label_end + 5..];
        let end = body.find("-----END ").ok_or(invalid_data("no END line"))?;
        let der = pem::base64_decode(&body[..end]).map_err(|_| invalid_data("bad base64"))?;
        Ok((der.to_vec(), start))
    };
    let base64 = || -> SecResult<Vec<u8>> {
        let s = core::str::from_utf8(text).map_err(|_| invalid_data("not text"))?;
        let s = s.trim_end_matches('\0');
        if s.trim().is_empty() {
            return Err(invalid_data("no base64 data"));
        }
        Ok(pem::base64_decode(s).map_err(|_| invalid_data("bad base64"))?.to_vec())
    };
    let hex = || -> SecResult<Vec<u8>> {
        let digits: Vec<u8> = text.iter().copied().filter(|c| !c.is_ascii_whitespace() && *c != 0).collect();
        if digits.is_empty() || digits.len() % 2 != 0 {
            return Err(invalid_data("odd number of hex digits"));
        }
        let val = |c: u8| (c as char).to_digit(16).map(|v| v as u8).ok_or(invalid_data("not a hex digit"));
        digits.chunks(2).map(|p| Ok((val(p[0])? << 4) | val(p[1])?)).collect()
    };
    match flags {
        CRYPT_STRING_BASE64HEADER => header(None).map(|(d, s)| (d, s, flags)),
        CRYPT_STRING_BASE64REQUESTHEADER => header(Some("NEW CERTIFICATE REQUEST")).map(|(d, s)| (d, s, flags)),
        CRYPT_STRING_BASE64X509CRLHEADER => header(Some("X509 CRL")).map(|(d, s)| (d, s, flags)),
        CRYPT_STRING_BASE64 => base64().map(|d| (d, 0, flags)),
        CRYPT_STRING_BINARY => Ok((text.to_vec(), 0, flags)),
        CRYPT_STRING_HEX => hex().map(|d| (d, 0, flags)),
        CRYPT_STRING_BASE64_ANY | CRYPT_STRING_ANY => header(None)
            .map(|(d, s)| (d, s, CRYPT_STRING_BASE64HEADER))
            .or_else(|_| base64().map(|d| (d, 0, CRYPT_STRING_BASE64)))
            .or_else(|e| if flags == CRYPT_STRING_ANY { Ok((text.to_vec(), 0, CRYPT_STRING_BINARY)) } else { Err(e) }),
        CRYPT_STRING_HEX_ANY => hex().map(|d| (d, 0, CRYPT_STRING_HEX)),
        _ => Err(SecError::new(ERROR_INVALID_PARAMETER as i32, "unsupported CRYPT_STRING_* format")),
    }
}

/// One alternative name, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AltName {
    /// `otherName`: type OID and the encoded value inside `[0] EXPLICIT`.
    Other(String, Vec<u8>),
    Rfc822(String),
    Dns(String),
    /// The encoded `Name`.
    Directory(Vec<u8>),
    Url(String),
    Ip(Vec<u8>),
    RegisteredId(String),
}

/// Decodes a `GeneralNames` value (the content of a subject or issuer
/// alternative-name extension). Names Windows cannot represent
/// (`x400Address`, `ediPartyName`) and malformed input are errors, as there.
pub fn alt_names(value: &[u8]) -> SecResult<Vec<AltName>> {
    let bad = |d: &'static str| SecError::new(CRYPT_E_ASN1_BADTAG, d);
    let mut outer = Reader::new(value);
    let mut seq = outer.sequence()?;
    outer.finish()?;
    let mut out = Vec::new();
    let ia5 = |v: &[u8]| -> SecResult<String> {
        if v.is_ascii() {
            Ok(v.iter().map(|&c| c as char).collect())
        } else {
            Err(SecError::new(CRYPT_E_ASN1_CORRUPT, "IA5String with non-ASCII characters"))
        }
    };
    while !seq.is_empty() {
        let gn = seq.any()?;
        out.push(match gn.tag {
            0xa0 => {
                let mut r = Reader::new(gn.value);
                let oid = r.oid()?;
                let v = r.expect(der::context(0))?;
                r.finish()?;
                AltName::Other(oid, v.value.to_vec())
            }
            0x81 => AltName::Rfc822(ia5(gn.value)?),
            0x82 => AltName::Dns(ia5(gn.value)?),
            0xa4 => {
                let mut r = Reader::new(gn.value);
                let n = r.expect(der::SEQUENCE)?;
                r.finish()?;
                AltName::Directory(n.raw.to_vec())
            }
            0x86 => AltName::Url(ia5(gn.value)?),
            0x87 => AltName::Ip(gn.value.to_vec()),
            0x88 => AltName::RegisteredId(der::oid_to_string(gn.value)?),
            _ => return Err(bad("unsupported alternative-name choice")),
        });
    }
    Ok(out)
}

/// A bump writer over caller memory, or a dry run (`write` false) that only
/// measures. Alignment is of the absolute address, so a dry run at the same
/// `base` measures exactly what the real run uses.
struct Arena {
    base: *mut u8,
    write: bool,
    used: usize,
}

impl Arena {
    /// Reserves `size` bytes at `align`; the address (NULL in a dry run).
    fn take(&mut self, size: usize, align: usize) -> *mut u8 {
        let at = self.base as usize + self.used;
        let start = at.div_ceil(align) * align - self.base as usize;
        self.used = start + size;
        if self.write {
            // SAFETY: the real run writes into a block of the size the dry run measured.
            unsafe { self.base.add(start) }
        } else {
            core::ptr::null_mut()
        }
    }

    fn bytes(&mut self, v: &[u8]) -> CRYPTOAPI_BLOB {
        let p = self.take(v.len(), 1);
        if !p.is_null() {
            // SAFETY: `p` has room for `v.len()` bytes (see `take`).
            unsafe { core::ptr::copy_nonoverlapping(v.as_ptr(), p, v.len()) };
        }
        CRYPTOAPI_BLOB { cbData: v.len() as u32, pbData: if v.is_empty() { core::ptr::null_mut() } else { p } }
    }

    fn wide(&mut self, s: &str) -> LPWSTR {
        let w: Vec<u16> = s.encode_utf16().chain(Some(0)).collect();
        let p = self.take(w.len() * 2, align_of::<u16>()).cast::<u16>();
        if !p.is_null() {
            // SAFETY: room for the string and its NUL, 2-aligned.
            unsafe { core::ptr::copy_nonoverlapping(w.as_ptr(), p, w.len()) };
        }
        p
    }

    fn ansi(&mut self, s: &str) -> LPSTR {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        self.bytes(&v).pbData.cast()
    }

    fn put<T>(&mut self, p: *mut T, v: T) {
        if !p.is_null() {
            // SAFETY: `p` came from `take` for a `T` at its alignment.
            unsafe { p.write(v) };
        }
    }
}

/// Lays out a `CERT_ALT_NAME_INFO` for `names` at `base` when `write`, or
/// only measures what that takes. Returns the bytes used.
///
/// # Safety
/// With `write`, `base` must be writable for the size a dry run at the same
/// `base` returned.
pub unsafe fn write_alt_name_info(names: &[AltName], base: *mut u8, write: bool) -> usize {
    let mut a = Arena { base, write, used: 0 };
    let info = a.take(size_of::<CERT_ALT_NAME_INFO>(), align_of::<CERT_ALT_NAME_INFO>()).cast::<CERT_ALT_NAME_INFO>();
    let entries = a
        .take(size_of::<CERT_ALT_NAME_ENTRY>() * names.len(), align_of::<CERT_ALT_NAME_ENTRY>())
        .cast::<CERT_ALT_NAME_ENTRY>();
    a.put(
        info,
        CERT_ALT_NAME_INFO {
            cAltEntry: names.len() as u32,
            rgAltEntry: if names.is_empty() { core::ptr::null_mut() } else { entries },
        },
    );
    for (i, n) in names.iter().enumerate() {
        let (choice, value) = match n {
            AltName::Other(oid, v) => {
                let other =
                    a.take(size_of::<CERT_OTHER_NAME>(), align_of::<CERT_OTHER_NAME>()).cast::<CERT_OTHER_NAME>();
                let o = CERT_OTHER_NAME { pszObjId: a.ansi(oid), Value: a.bytes(v) };
                a.put(other, o);
                (CERT_ALT_NAME_OTHER_NAME, CERT_ALT_NAME_ENTRY_VALUE { pOtherName: other })
            }
            AltName::Rfc822(s) => (CERT_ALT_NAME_RFC822_NAME, CERT_ALT_NAME_ENTRY_VALUE { pwszRfc822Name: a.wide(s) }),
            AltName::Dns(s) => (CERT_ALT_NAME_DNS_NAME, CERT_ALT_NAME_ENTRY_VALUE { pwszDNSName: a.wide(s) }),
            AltName::Directory(d) => {
                (CERT_ALT_NAME_DIRECTORY_NAME, CERT_ALT_NAME_ENTRY_VALUE { DirectoryName: a.bytes(d) })
            }
            AltName::Url(s) => (CERT_ALT_NAME_URL, CERT_ALT_NAME_ENTRY_VALUE { pwszURL: a.wide(s) }),
            AltName::Ip(v) => (CERT_ALT_NAME_IP_ADDRESS, CERT_ALT_NAME_ENTRY_VALUE { IPAddress: a.bytes(v) }),
            AltName::RegisteredId(o) => {
                (CERT_ALT_NAME_REGISTERED_ID, CERT_ALT_NAME_ENTRY_VALUE { pszRegisteredID: a.ansi(o) })
            }
        };
        if !entries.is_null() {
            // SAFETY: `entries` has room for `names.len()` entries.
            let slot = unsafe { entries.add(i) };
            a.put(slot, CERT_ALT_NAME_ENTRY { dwAltNameChoice: choice, Value: value });
        }
    }
    a.used
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_formats() {
        let pem = b"junk\n-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";
        assert_eq!(string_to_binary(pem, CRYPT_STRING_BASE64HEADER).unwrap(), (vec![0, 1, 2], 5, 0));
        assert_eq!(string_to_binary(pem, CRYPT_STRING_ANY).unwrap().0, vec![0, 1, 2]);
        assert_eq!(string_to_binary(b"AAEC", CRYPT_STRING_BASE64).unwrap().0, vec![0, 1, 2]);
        assert_eq!(
            string_to_binary(b"AAEC", CRYPT_STRING_BASE64_ANY).unwrap(),
            (vec![0, 1, 2], 0, CRYPT_STRING_BASE64)
        );
        assert_eq!(string_to_binary(b"00 01 ff", CRYPT_STRING_HEX).unwrap().0, vec![0, 1, 255]);
        assert_eq!(string_to_binary(b"\x01\x02", CRYPT_STRING_ANY).unwrap(), (vec![1, 2], 0, CRYPT_STRING_BINARY));
        assert!(string_to_binary(b"AAEC", CRYPT_STRING_BASE64HEADER).is_err());
        assert!(string_to_binary(b"A!EC", CRYPT_STRING_BASE64).is_err());
        assert!(string_to_binary(pem, CRYPT_STRING_BASE64REQUESTHEADER).is_err());
        assert!(string_to_binary(b"0", CRYPT_STRING_HEX).is_err());
    }

    #[test]
    fn alternative_names_decode_and_lay_out() {
        // SEQUENCE { dNSName "a.test", iPAddress 127.0.0.1, rfc822Name "x@y", registeredID 1.2.3 }
        let v = [
            0x30, 0x17, 0x82, 0x06, b'a', b'.', b't', b'e', b's', b't', 0x87, 0x04, 127, 0, 0, 1, 0x81, 0x03, b'x',
            b'@', b'y', 0x88, 0x02, 0x2a, 0x03,
        ];
        let names = alt_names(&v).unwrap();
        assert_eq!(
            names,
            vec![
                AltName::Dns("a.test".into()),
                AltName::Ip(vec![127, 0, 0, 1]),
                AltName::Rfc822("x@y".into()),
                AltName::RegisteredId("1.2.3".into())
            ]
        );
        let mut buf = vec![0u64; 64];
        // SAFETY: a dry run writes nothing.
        let size = unsafe { write_alt_name_info(&names, buf.as_mut_ptr().cast(), false) };
        assert!(size <= 512);
        // SAFETY: `buf` has `size` bytes, 8-aligned.
        assert_eq!(unsafe { write_alt_name_info(&names, buf.as_mut_ptr().cast(), true) }, size);
        // SAFETY: just written.
        let info = unsafe { &*buf.as_ptr().cast::<CERT_ALT_NAME_INFO>() };
        assert_eq!(info.cAltEntry, 4);
        // SAFETY: four entries were written.
        let e = unsafe { core::slice::from_raw_parts(info.rgAltEntry, 4) };
        assert_eq!(e[0].dwAltNameChoice, CERT_ALT_NAME_DNS_NAME);
        // SAFETY: the DNS member is a NUL-terminated UTF-16 string.
        let dns = unsafe { core::slice::from_raw_parts(e[0].Value.pwszDNSName, 7) };
        assert_eq!(String::from_utf16(&dns[..6]).unwrap(), "a.test");
        assert_eq!(dns[6], 0);
        // SAFETY: the IP member is a blob.
        let ip = unsafe { e[1].Value.IPAddress };
        // SAFETY: four bytes.
        assert_eq!(unsafe { core::slice::from_raw_parts(ip.pbData, ip.cbData as usize) }, [127, 0, 0, 1]);
        // SAFETY: a NUL-terminated ANSI OID.
        let oid = unsafe { core::ffi::CStr::from_ptr(e[3].Value.pszRegisteredID) };
        assert_eq!(oid.to_str().unwrap(), "1.2.3");
        assert!(alt_names(&[0x30, 0x02, 0xa3, 0x00]).is_err(), "x400Address is refused");
        assert!(alt_names(&[0x30, 0x03, 0x82, 0x01]).is_err(), "truncated");
    }
}
