//! X.501 names and alternative names as Windows prints them:
//! `CertNameToStr` formatting and the `CertGetNameString` lookups.

use super::x509::{ParsedCert, OID_ISSUER_ALT_NAME, OID_SUBJECT_ALT_NAME};
use crate::abi::*;
use crate::der::{self, Reader};
use crate::error::SecResult;

pub const OID_COMMON_NAME: &str = "2.5.4.3";
pub const OID_ORGANIZATIONAL_UNIT: &str = "2.5.4.11";
pub const OID_ORGANIZATION: &str = "2.5.4.10";
pub const OID_EMAIL: &str = "1.2.840.113549.1.9.1";
pub const OID_UPN: &str = "1.3.6.1.4.1.311.20.2.3";

/// One attribute of an RDN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    pub oid: String,
    /// The value's tag (PrintableString, UTF8String...).
    pub tag: u8,
    /// The value's content octets.
    pub value: Vec<u8>,
    /// The value's whole encoding (for values that are not strings).
    pub raw: Vec<u8>,
}

impl Attribute {
    /// Whether the value is a character string (others print as `#hex`, unquoted).
    pub fn is_string(&self) -> bool {
        matches!(
            self.tag,
            der::UTF8_STRING
                | der::PRINTABLE_STRING
                | der::IA5_STRING
                | der::NUMERIC_STRING
                | der::VISIBLE_STRING
                | der::GRAPHIC_STRING
                | der::GENERAL_STRING
                | der::VIDEOTEX_STRING
                | der::T61_STRING
                | der::BMP_STRING
                | der::UNIVERSAL_STRING
        )
    }

    /// The value as text; `t61_utf8` tries UTF-8 first for T61String, as
    /// Windows does unless `CERT_NAME_STR_DISABLE_IE4_UTF8_FLAG` is given.
    pub fn text(&self, t61_utf8: bool) -> String {
        let latin1 = |b: &[u8]| b.iter().map(|&c| c as char).collect::<String>();
        match self.tag {
            der::UTF8_STRING => String::from_utf8_lossy(&self.value).into_owned(),
            der::PRINTABLE_STRING
            | der::IA5_STRING
            | der::NUMERIC_STRING
            | der::VISIBLE_STRING
            | der::GRAPHIC_STRING
            | der::GENERAL_STRING
            | der::VIDEOTEX_STRING => latin1(&self.value),
            der::T61_STRING => match (t61_utf8, core::str::from_utf8(&self.value)) {
                (true, Ok(s)) => s.to_owned(),
                _ => latin1(&self.value),
            },
            der::BMP_STRING => {
                let units: Vec<u16> =
                    self.value.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
                String::from_utf16_lossy(&units)
            }
            der::UNIVERSAL_STRING => self
                .value
                .chunks(4)
                .map(|c| {
                    let mut b = [0u8; 4];
                    b[..c.len()].copy_from_slice(c);
                    char::from_u32(u32::from_be_bytes(b)).unwrap_or('\u{fffd}')
                })
                .collect(),
            // Windows prints encoded blobs and octet strings in hexadecimal.
            _ => {
                let mut s = String::from("#");
                for b in &self.raw {
                    s.push_str(&format!("{b:02X}"));
                }
                s
            }
        }
    }
}

/// A decoded `Name`: RDNs in encoded order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Name {
    pub rdns: Vec<Vec<Attribute>>,
}

impl Name {
    /// Decodes a DER `Name` (the whole input).
    pub fn parse(data: &[u8]) -> SecResult<Self> {
        let mut outer = Reader::new(data);
        let mut seq = outer.sequence()?;
        outer.finish()?;
        let mut rdns = Vec::new();
        while !seq.is_empty() {
            let mut set = seq.nested(der::SET)?;
            let mut rdn = Vec::new();
            while !set.is_empty() {
                let mut atv = set.sequence()?;
                let oid = atv.oid()?;
                let v = atv.any()?;
                atv.finish()?;
                rdn.push(Attribute { oid, tag: v.tag, value: v.value.to_vec(), raw: v.raw.to_vec() });
            }
            if rdn.is_empty() {
                return Err(der::corrupt("empty RDN"));
            }
            rdns.push(rdn);
        }
        Ok(Self { rdns })
    }

    /// Every attribute, in encoded order.
    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.rdns.iter().flatten()
    }

    /// The first attribute with `oid`, as text.
    pub fn find(&self, oid: &str, t61_utf8: bool) -> Option<String> {
        self.attributes().find(|a| a.oid == oid).map(|a| a.text(t61_utf8))
    }

    /// `CertNameToStr` with `str_type` (`CERT_*_NAME_STR` plus flags).
    pub fn to_windows_string(&self, str_type: u32) -> String {
        let base = str_type & 0xff;
        let rdn_sep = if str_type & CERT_NAME_STR_SEMICOLON_FLAG != 0 {
            "; "
        } else if str_type & CERT_NAME_STR_CRLF_FLAG != 0 {
            "\r\n"
        } else {
            ", "
        };
        let attr_sep = if str_type & CERT_NAME_STR_NO_PLUS_FLAG != 0 { " " } else { " + " };
        let quoting = str_type & CERT_NAME_STR_NO_QUOTING_FLAG == 0;
        let t61_utf8 = str_type & CERT_NAME_STR_DISABLE_IE4_UTF8_FLAG == 0;
        let mut rdns: Vec<&Vec<Attribute>> = self.rdns.iter().collect();
        if str_type & CERT_NAME_STR_REVERSE_FLAG != 0 {
            rdns.reverse();
        }
        let mut out = String::new();
        for (i, rdn) in rdns.iter().enumerate() {
            if i > 0 {
                out.push_str(rdn_sep);
            }
            for (j, a) in rdn.iter().enumerate() {
                if j > 0 {
                    out.push_str(attr_sep);
                }
                match base {
                    CERT_OID_NAME_STR => {
                        out.push_str(&a.oid);
                        out.push('=');
                    }
                    CERT_X500_NAME_STR => {
                        match x500_key(&a.oid) {
                            Some(k) => out.push_str(k),
                            None => {
                                out.push_str("OID.");
                                out.push_str(&a.oid);
                            }
                        }
                        out.push('=');
                    }
                    _ => {}
                }
                let text = a.text(t61_utf8);
                if quoting && a.is_string() && needs_quotes(&text) {
                    out.push('"');
                    out.push_str(&text.replace('"', "\"\""));
                    out.push('"');
                } else {
                    out.push_str(&text);
                }
            }
        }
        out
    }
}

/// Whether Windows quotes an RDN value (see `CertNameToStr`'s remarks).
fn needs_quotes(v: &str) -> bool {
    v.is_empty()
        || v.starts_with(char::is_whitespace)
        || v.ends_with(char::is_whitespace)
        || v.contains([',', '+', '=', '"', '\n', '\r', '<', '>', '#', ';'])
}

/// The X.500 key Windows prints for an attribute OID.
pub fn x500_key(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.7" => "L",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "1.2.840.113549.1.9.1" => "E",
        "2.5.4.6" => "C",
        "2.5.4.8" => "S",
        "2.5.4.9" => "STREET",
        "2.5.4.12" => "T",
        "2.5.4.42" => "G",
        "2.5.4.43" => "I",
        "2.5.4.4" => "SN",
        "0.9.2342.19200300.100.1.25" => "DC",
        "2.5.4.5" => "SERIALNUMBER",
        "2.5.4.13" => "Description",
        "2.5.4.17" => "PostalCode",
        "2.5.4.18" => "POBox",
        "2.5.4.20" => "Phone",
        "2.5.4.24" => "X21Address",
        "2.5.4.46" => "dnQualifier",
        "1.2.840.113549.1.9.2" => "UnstructuredName",
        "1.2.840.113549.1.9.8" => "UnstructuredAddress",
        _ => return None,
    })
}

/// One `GeneralName` of an alternative-name extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GeneralName {
    Email(String),
    Dns(String),
    Url(String),
    Directory(Name),
    Upn(String),
    Other,
}

/// Decodes a `GeneralNames` extension value. Undecodable entries are skipped,
/// so one odd name does not hide the others.
pub fn general_names(value: &[u8]) -> Vec<GeneralName> {
    let mut out = Vec::new();
    let mut outer = Reader::new(value);
    let Ok(mut seq) = outer.sequence() else { return out };
    while !seq.is_empty() {
        let Ok(gn) = seq.any() else { break };
        let ia5 = || gn.value.iter().map(|&c| c as char).collect::<String>();
        out.push(match gn.tag {
            0x81 => GeneralName::Email(ia5()),
            0x82 => GeneralName::Dns(ia5()),
            0x86 => GeneralName::Url(ia5()),
            0xa4 => match Reader::new(gn.value).any().ok().and_then(|n| Name::parse(n.raw).ok()) {
                Some(n) => GeneralName::Directory(n),
                None => GeneralName::Other,
            },
            0xa0 => upn(gn.value).map(GeneralName::Upn).unwrap_or(GeneralName::Other),
            _ => GeneralName::Other,
        });
    }
    out
}

/// The UPN of an `otherName` (`SEQUENCE { type-id, [0] EXPLICIT value }` content).
fn upn(content: &[u8]) -> Option<String> {
    let mut r = Reader::new(content);
    if r.oid().ok()? != OID_UPN {
        return None;
    }
    let v = r.expect(der::context(0)).ok()?;
    let s = Reader::new(v.value).any().ok()?;
    let a = Attribute { oid: String::new(), tag: s.tag, value: s.value.to_vec(), raw: s.raw.to_vec() };
    Some(a.text(true))
}

/// The `pvTypePara` of `CertGetNameString`, decoded by the entry layer.
#[derive(Clone, Debug)]
pub enum TypePara {
    None,
    StrType(u32),
    Oid(String),
}

/// `CertGetNameString`: the strings found (several only for
/// `CERT_NAME_SEARCH_ALL_NAMES_FLAG` with the DNS type; empty when nothing matches).
pub fn get_name_string(
    cert: &ParsedCert,
    friendly_name: Option<&str>,
    kind: u32,
    flags: u32,
    para: &TypePara,
) -> Vec<String> {
    let issuer = flags & CERT_NAME_ISSUER_FLAG != 0;
    let t61 = flags & CERT_NAME_DISABLE_IE4_UTF8_FLAG == 0;
    let name = Name::parse(if issuer { &cert.issuer } else { &cert.subject }).unwrap_or_default();
    let alt = cert
        .extension(if issuer { OID_ISSUER_ALT_NAME } else { OID_SUBJECT_ALT_NAME })
        .map(|e| general_names(&e.value))
        .unwrap_or_default();
    // When the name is empty, the first directoryName of the alternative names stands in.
    let effective = if name.rdns.is_empty() {
        alt.iter()
            .find_map(|g| match g {
                GeneralName::Directory(n) => Some(n.clone()),
                _ => None,
            })
            .unwrap_or_default()
    } else {
        name.clone()
    };
    let first_alt = |f: fn(&GeneralName) -> Option<&String>| alt.iter().find_map(f).cloned();
    fn email(g: &GeneralName) -> Option<&String> {
        match g {
            GeneralName::Email(s) => Some(s),
            _ => None,
        }
    }
    if flags & CERT_NAME_SEARCH_ALL_NAMES_FLAG != 0 && kind != CERT_NAME_DNS_TYPE {
        return Vec::new();
    }
    let one = |s: Option<String>| s.into_iter().collect::<Vec<_>>();
    match kind {
        CERT_NAME_EMAIL_TYPE => one(first_alt(email).or_else(|| name.find(OID_EMAIL, t61))),
        CERT_NAME_RDN_TYPE => {
            let str_type = match para {
                TypePara::StrType(t) => *t,
                _ => CERT_SIMPLE_NAME_STR,
            };
            if effective.rdns.is_empty() {
                Vec::new()
            } else {
                vec![effective.to_windows_string(str_type)]
            }
        }
        CERT_NAME_ATTR_TYPE => match para {
            TypePara::Oid(oid) => one(effective.find(oid, t61)),
            _ => Vec::new(),
        },
        CERT_NAME_SIMPLE_DISPLAY_TYPE => one(simple_display(&effective, &alt, t61)),
        CERT_NAME_FRIENDLY_DISPLAY_TYPE => match friendly_name {
            Some(f) => vec![f.to_owned()],
            None => one(simple_display(&effective, &alt, t61)),
        },
        CERT_NAME_DNS_TYPE => {
            let dns: Vec<String> = alt
                .iter()
                .filter_map(|g| match g {
                    GeneralName::Dns(s) => Some(s.clone()),
                    _ => None,
                })
                .collect();
            let cns = || name.attributes().filter(|a| a.oid == OID_COMMON_NAME).map(|a| a.text(t61));
            match (flags & CERT_NAME_SEARCH_ALL_NAMES_FLAG != 0, dns.is_empty()) {
                (true, false) => dns,
                (true, true) => cns().collect(),
                (false, false) => dns.into_iter().take(1).collect(),
                (false, true) => cns().take(1).collect(),
            }
        }
        CERT_NAME_URL_TYPE => one(first_alt(|g| match g {
            GeneralName::Url(s) => Some(s),
            _ => None,
        })),
        CERT_NAME_UPN_TYPE => one(first_alt(|g| match g {
            GeneralName::Upn(s) => Some(s),
            _ => None,
        })),
        _ => Vec::new(),
    }
}

fn simple_display(name: &Name, alt: &[GeneralName], t61: bool) -> Option<String> {
    [OID_COMMON_NAME, OID_ORGANIZATIONAL_UNIT, OID_ORGANIZATION, OID_EMAIL]
        .iter()
        .find_map(|oid| name.find(oid, t61))
        .or_else(|| {
            alt.iter().find_map(|g| match g {
                GeneralName::Email(s) => Some(s.clone()),
                _ => None,
            })
        })
        .or_else(|| name.attributes().next().map(|a| a.text(t61)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::der::{encode, oid_from_string};

    fn atv(oid: &str, tag: u8, v: &[u8]) -> Vec<u8> {
        let mut c = encode(der::OID, &oid_from_string(oid).unwrap());
        c.extend(encode(tag, v));
        encode(der::SEQUENCE, &c)
    }
    fn name(rdns: &[Vec<Vec<u8>>]) -> Vec<u8> {
        let mut c = Vec::new();
        for rdn in rdns {
            c.extend(encode(der::SET, &rdn.concat()));
        }
        encode(der::SEQUENCE, &c)
    }

    fn sample() -> Name {
        let n = name(&[
            vec![atv("2.5.4.6", der::PRINTABLE_STRING, b"US")],
            vec![atv("2.5.4.10", der::UTF8_STRING, "Org, Inc.".as_bytes())],
            vec![atv("2.5.4.3", der::UTF8_STRING, b"leaf"), atv("2.5.4.11", der::BMP_STRING, &[0, b'D', 0, b'v'])],
            vec![atv("1.2.3.4", der::OCTET_STRING, &[0xab])],
        ]);
        Name::parse(&n).unwrap()
    }

    #[test]
    fn windows_formats() {
        let n = sample();
        assert_eq!(n.to_windows_string(CERT_SIMPLE_NAME_STR), "US, \"Org, Inc.\", leaf + Dv, #0401AB");
        assert_eq!(
            n.to_windows_string(CERT_X500_NAME_STR),
            "C=US, O=\"Org, Inc.\", CN=leaf + OU=Dv, OID.1.2.3.4=#0401AB"
        );
        assert_eq!(
            n.to_windows_string(CERT_OID_NAME_STR | CERT_NAME_STR_REVERSE_FLAG | CERT_NAME_STR_SEMICOLON_FLAG),
            "1.2.3.4=#0401AB; 2.5.4.3=leaf + 2.5.4.11=Dv; 2.5.4.10=\"Org, Inc.\"; 2.5.4.6=US"
        );
        assert_eq!(
            n.to_windows_string(
                CERT_X500_NAME_STR
                    | CERT_NAME_STR_NO_QUOTING_FLAG
                    | CERT_NAME_STR_NO_PLUS_FLAG
                    | CERT_NAME_STR_CRLF_FLAG
            ),
            "C=US\r\nO=Org, Inc.\r\nCN=leaf OU=Dv\r\nOID.1.2.3.4=#0401AB"
        );
        assert_eq!(n.find(OID_COMMON_NAME, true).as_deref(), Some("leaf"));
        assert_eq!(n.find(OID_EMAIL, true), None);
    }

    #[test]
    fn quoting_rules() {
        for (v, q) in
            [("a", false), ("", true), (" a", true), ("a ", true), ("a\"b", true), ("a  b", false), ("x#", true)]
        {
            assert_eq!(needs_quotes(v), q, "{v:?}");
        }
        let n = Name::parse(&name(&[vec![atv("2.5.4.3", der::UTF8_STRING, b"say \"hi\"")]])).unwrap();
        assert_eq!(n.to_windows_string(CERT_X500_NAME_STR), "CN=\"say \"\"hi\"\"\"");
    }

    #[test]
    fn string_types() {
        let a = |tag, v: &[u8]| Attribute { oid: String::new(), tag, value: v.to_vec(), raw: encode(tag, v) };
        assert_eq!(a(der::T61_STRING, "é".as_bytes()).text(true), "é");
        assert_eq!(a(der::T61_STRING, "é".as_bytes()).text(false), "Ã©");
        assert_eq!(a(der::T61_STRING, &[0xe9]).text(true), "é");
        assert_eq!(a(der::UNIVERSAL_STRING, &[0, 0, 0, b'Z', 0, 1, 0xf6, 0x00]).text(true), "Z\u{1f600}");
        assert_eq!(a(der::BMP_STRING, &[0x00]).text(true), "\0", "odd BMP length does not panic");
    }

    #[test]
    fn bad_names() {
        assert!(Name::parse(&[0x30, 0x02, 0x31, 0x00]).is_err(), "empty RDN");
        assert!(Name::parse(&[0x31, 0x00]).is_err());
        assert!(Name::parse(&[0x30, 0x03, 0x31, 0x01]).is_err());
        assert!(Name::parse(&[0x30, 0x00]).unwrap().rdns.is_empty());
    }

    #[test]
    fn alternative_names() {
        let mut c = encode(0x82, b"a.example");
        c.extend(encode(0x81, b"me@example.org"));
        c.extend(encode(0x82, b"b.example"));
        c.extend(encode(0x86, b"https://example.org/"));
        let mut other = encode(der::OID, &oid_from_string(OID_UPN).unwrap());
        other.extend(encode(der::context(0), &encode(der::UTF8_STRING, b"user@corp")));
        c.extend(encode(0xa0, &other));
        c.extend(encode(0x87, &[127, 0, 0, 1]));
        let g = general_names(&encode(der::SEQUENCE, &c));
        assert_eq!(
            g,
            vec![
                GeneralName::Dns("a.example".into()),
                GeneralName::Email("me@example.org".into()),
                GeneralName::Dns("b.example".into()),
                GeneralName::Url("https://example.org/".into()),
                GeneralName::Upn("user@corp".into()),
                GeneralName::Other,
            ]
        );
        assert!(general_names(&[0x30, 0x05, 0x82]).is_empty());
    }
}
