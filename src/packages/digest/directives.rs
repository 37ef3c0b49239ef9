//! The directive lists of Digest (RFC 2831 section 7.1's `#rule`, RFC 7616's
//! auth-params): `name=token` or `name="quoted string"`, comma-separated,
//! with optional white space and empty list elements.
//!
//! Strict where laxness would be a hazard: an unbalanced quote, a
//! duplicated directive, a name that is not a token, a value that is
//! neither a token nor a quoted string, or a list over 16 KiB are all
//! `SEC_E_INVALID_TOKEN`. Names are case-insensitive (kept lower-case).

use crate::abi::SEC_E_INVALID_TOKEN;
use crate::error::{SecError, SecResult};

/// The longest directive list accepted (Windows' cbMaxToken for Digest is 4096; HTTP
/// servers send longer ones only with absurd realms).
pub const MAX_LEN: usize = 16 * 1024;

fn bad(detail: &'static str) -> SecError {
    SecError::new(SEC_E_INVALID_TOKEN, detail)
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

/// A parsed list, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directives(pub Vec<(String, Vec<u8>)>);

impl Directives {
    pub fn parse(input: &[u8]) -> SecResult<Directives> {
        if input.len() > MAX_LEN {
            return Err(bad("a Digest directive list over 16 KiB"));
        }
        let mut out: Vec<(String, Vec<u8>)> = Vec::new();
        let mut i = 0;
        let n = input.len();
        let skip_ws = |i: &mut usize| {
            while *i < n && matches!(input[*i], b' ' | b'\t' | b'\r' | b'\n') {
                *i += 1;
            }
        };
        loop {
            skip_ws(&mut i);
            while i < n && input[i] == b',' {
                i += 1;
                skip_ws(&mut i);
            }
            if i >= n {
                break;
            }
            let start = i;
            while i < n && is_tchar(input[i]) {
                i += 1;
            }
            if i == start {
                return Err(bad("a Digest directive name that is not a token"));
            }
            let name = String::from_utf8_lossy(&input[start..i]).to_ascii_lowercase();
            skip_ws(&mut i);
            if i >= n || input[i] != b'=' {
                return Err(bad("a Digest directive without '='"));
            }
            i += 1;
            skip_ws(&mut i);
            let value = if i < n && input[i] == b'"' {
                i += 1;
                let mut v = Vec::new();
                loop {
                    match input.get(i) {
                        None => return Err(bad("an unbalanced quote in a Digest directive")),
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') => {
                            let c = *input.get(i + 1).ok_or(bad("a Digest quoted string ends in '\\'"))?;
                            v.push(c);
                            i += 2;
                        }
                        Some(&c) => {
                            v.push(c);
                            i += 1;
                        }
                    }
                }
                v
            } else {
                let s = i;
                while i < n && is_tchar(input[i]) {
                    i += 1;
                }
                if i == s {
                    return Err(bad("a Digest directive value that is neither a token nor a quoted string"));
                }
                input[s..i].to_vec()
            };
            // RFC 2831 allows only "realm" to repeat (one per realm offered).
            if name != "realm" && out.iter().any(|(k, _)| *k == name) {
                return Err(bad("a duplicated Digest directive"));
            }
            out.push((name, value));
            skip_ws(&mut i);
            if i < n && input[i] != b',' {
                return Err(bad("Digest directives not separated by ','"));
            }
        }
        Ok(Directives(out))
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_slice())
    }

    /// Every value of `name` (realms).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_slice())
    }

    /// The value as text.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// A comma-separated value's elements (qop-options, cipher-opts).
    pub fn list(&self, name: &str) -> Vec<String> {
        self.text(name)
            .map(|v| v.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    }
}

/// An RFC 8187 ext-value (RFC 7616's `username*`): `UTF-8'[language]'` then attr-chars and
/// `%XX` escapes, decoded. Only the UTF-8 charset is taken (RFC 7616 3.4.4 uses no other), and
/// the decoded bytes must be UTF-8.
pub fn ext_value(raw: &[u8]) -> SecResult<String> {
    let mut parts = raw.splitn(3, |&c| c == b'\'');
    let (charset, _language, value) = match (parts.next(), parts.next(), parts.next()) {
        (Some(c), Some(l), Some(v)) => (c, l, v),
        _ => return Err(bad("an ext-value without charset'language'")),
    };
    if !charset.eq_ignore_ascii_case(b"UTF-8") {
        return Err(bad("an ext-value in another charset than UTF-8"));
    }
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        match value[i] {
            b'%' => {
                let (h, l) = match (value.get(i + 1).copied().and_then(hex), value.get(i + 2).copied().and_then(hex)) {
                    (Some(h), Some(l)) => (h, l),
                    _ => return Err(bad("a bad %-escape in an ext-value")),
                };
                out.push(h << 4 | l);
                i += 3;
            }
            c if c.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&c) => {
                out.push(c);
                i += 1;
            }
            _ => return Err(bad("a character an ext-value may not hold")),
        }
    }
    String::from_utf8(out).map_err(|_| bad("an ext-value that is not UTF-8"))
}

/// Builds a directive list: values quoted (with `"` and `\` escaped) unless `bare`.
#[derive(Default)]
pub struct Writer(Vec<u8>);

impl Writer {
    pub fn quoted(mut self, name: &str, value: &[u8]) -> Self {
        self.sep();
        self.0.extend_from_slice(name.as_bytes());
        self.0.extend_from_slice(b"=\"");
        for &c in value {
            if c == b'"' || c == b'\\' {
                self.0.push(b'\\');
            }
            self.0.push(c);
        }
        self.0.push(b'"');
        self
    }
    pub fn bare(mut self, name: &str, value: &str) -> Self {
        self.sep();
        self.0.extend_from_slice(name.as_bytes());
        self.0.push(b'=');
        self.0.extend_from_slice(value.as_bytes());
        self
    }
    fn sep(&mut self) {
        if !self.0.is_empty() {
            self.0.push(b',');
        }
    }
    pub fn finish(self) -> Vec<u8> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ext_values_rfc_7616_and_8187() {
        // RFC 7616 3.9.2's username* (the user "J\u{e4}s\u{f8}n Doe").
        assert_eq!(ext_value(b"UTF-8''J%C3%A4s%C3%B8n%20Doe").unwrap(), "J\u{e4}s\u{f8}n Doe");
        assert_eq!(ext_value(b"utf-8'en'plain").unwrap(), "plain");
        for bad in [
            &b"J%C3%A4s"[..],
            b"ISO-8859-1''J%E4s",
            b"UTF-8''bad%2",
            b"UTF-8''bad%zz",
            b"UTF-8''a b",
            b"UTF-8''%FF%FE",
            b"UTF-8'",
        ] {
            assert!(ext_value(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        // It reaches the parser as a bare token.
        let d = Directives::parse(b"username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm=\"r\"").unwrap();
        assert_eq!(ext_value(d.get("username*").unwrap()).unwrap(), "J\u{e4}s\u{f8}n Doe");
    }

    #[test]
    fn rfc2831_challenge_parses() {
        // The digest-challenge of RFC 2831 section 4's example.
        let c = br#"realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8"#;
        let d = Directives::parse(c).unwrap();
        assert_eq!(d.text("realm").as_deref(), Some("elwood.innosoft.com"));
        assert_eq!(d.text("nonce").as_deref(), Some("OA6MG9tEQGm2hh"));
        assert_eq!(d.list("qop"), ["auth"]);
        assert_eq!(d.text("algorithm").as_deref(), Some("md5-sess"));
        assert_eq!(d.text("charset").as_deref(), Some("utf-8"));
    }

    #[test]
    fn quoting_white_space_and_empty_elements() {
        let d = Directives::parse(b" , a = \"x\\\"y\\\\z\" ,,b=tok , realm=\"r1\", realm=\"r2\",").unwrap();
        assert_eq!(d.get("a"), Some(&b"x\"y\\z"[..]));
        assert_eq!(d.get("b"), Some(&b"tok"[..]));
        assert_eq!(d.all("realm").collect::<Vec<_>>(), [&b"r1"[..], b"r2"]);
        let w = Writer::default().quoted("a", b"x\"y\\z").bare("b", "tok").finish();
        assert_eq!(Directives::parse(&w).unwrap().get("a"), Some(&b"x\"y\\z"[..]));
        assert!(Directives::parse(b"").unwrap().0.is_empty());
    }

    #[test]
    fn malformed_lists_are_invalid() {
        for bad in [
            &b"nonce=\"abc"[..],
            b"nonce=\"abc\\",
            b"nonce=abc,nonce=def",
            b"=abc",
            b"nonce",
            b"nonce=",
            b"nonce=\"a\" qop=auth",
            b"no nce=1",
            b"nonce=a\"b\"",
        ] {
            assert_eq!(
                Directives::parse(bad).unwrap_err().status,
                SEC_E_INVALID_TOKEN,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let huge = [b"realm=\"".to_vec(), vec![b'x'; MAX_LEN], b"\"".to_vec()].concat();
        assert!(Directives::parse(&huge).is_err());
    }
}
