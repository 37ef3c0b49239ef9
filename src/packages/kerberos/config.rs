//! krb5.conf, read the way MIT Kerberos reads it: the files named by
//! `KRB5_CONFIG` (colon-separated; default `/etc/krb5.conf`), in MIT's
//! profile syntax (`[section]`, `tag = value`, `tag = { ... }` subsections,
//! `#`/`;` comments, `include FILE` and `includedir DIR`). The first value
//! of a relation wins, as in MIT, across files in order.
//!
//! Used: `[libdefaults]` `default_realm`, `default_tkt_enctypes`,
//! `default_tgs_enctypes`, `permitted_enctypes`, `kdc_timeout`,
//! `udp_preference_limit`, `clockskew`, `ticket_lifetime`, `renew_lifetime`,
//! `forwardable`, `dns_canonicalize_hostname`, `rdns`,
//! `default_ccache_name`, `default_keytab_name`, `default_client_keytab_name`;
//! `[realms]` `kdc` (several, tried in order; `tcp/` and `udp/` prefixes) and
//! `admin_server`; `[domain_realm]`. KDCs are not looked up in DNS.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::crypto::kerberos::Enctype;

/// One parsed profile: section -> tag -> values, subsections flattened as
/// `realm/tag` under `[realms]`.
#[derive(Debug, Default, Clone)]
pub struct Profile {
    /// (section, key) -> values in file order.
    values: BTreeMap<(String, String), Vec<String>>,
}

/// Deepest include nesting followed.
const MAX_INCLUDE_DEPTH: usize = 8;

impl Profile {
    /// The profile of `KRB5_CONFIG` (or `/etc/krb5.conf`). Missing files are
    /// skipped, as MIT does when at least one file exists.
    pub fn load() -> Self {
        let list = std::env::var("KRB5_CONFIG").unwrap_or_else(|_| "/etc/krb5.conf".into());
        let mut p = Self::default();
        for file in list.split(':').filter(|f| !f.is_empty()) {
            p.add_file(Path::new(file), 0);
        }
        p
    }

    fn add_file(&mut self, path: &Path, depth: usize) {
        if depth > MAX_INCLUDE_DEPTH {
            return;
        }
        if let Ok(text) = std::fs::read_to_string(path) {
            self.add_text(&text, depth);
        }
    }

    /// Parses profile text (also used by tests).
    pub fn add_text(&mut self, text: &str, depth: usize) {
        let mut section = String::new();
        // Open subsections: the path of tags leading to the current one.
        let mut stack: Vec<String> = Vec::new();
        for raw in text.lines() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if stack.is_empty() {
                if let Some(rest) = line.strip_prefix("include ").or_else(|| line.strip_prefix("include\t")) {
                    self.add_file(Path::new(rest.trim()), depth + 1);
                    continue;
                }
                if let Some(rest) = line.strip_prefix("includedir ").or_else(|| line.strip_prefix("includedir\t")) {
                    if let Ok(dir) = std::fs::read_dir(rest.trim()) {
                        let mut files: Vec<PathBuf> = dir
                            .filter_map(|e| e.ok().map(|e| e.path()))
                            .filter(|p| {
                                // MIT: names of letters, digits, dashes and underscores, or ending in .conf.
                                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                                    n.ends_with(".conf")
                                        || n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                                })
                            })
                            .collect();
                        files.sort();
                        for f in files {
                            self.add_file(&f, depth + 1);
                        }
                    }
                    continue;
                }
                if line.starts_with('[') {
                    if let Some(end) = line.find(']') {
                        section = line[1..end].trim().to_string();
                    }
                    continue;
                }
            }
            if line.starts_with('}') {
                stack.pop();
                continue;
            }
            let Some((key, value)) = line.split_once('=') else { continue };
            let key = key.trim().trim_end_matches('*').trim().to_string();
            let value = value.trim();
            if value == "{" {
                stack.push(key);
                continue;
            }
            let value = value.trim_matches('"').to_string();
            let full = if stack.is_empty() { key } else { format!("{}/{}", stack.join("/"), key) };
            self.values.entry((section.clone(), full)).or_default().push(value);
        }
    }

    /// Every value of `section` / `key` (key may be a `sub/tag` path).
    pub fn all(&self, section: &str, key: &str) -> &[String] {
        self.values.get(&(section.to_string(), key.to_string())).map_or(&[], |v| v.as_slice())
    }

    /// The first value.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.all(section, key).first().map(String::as_str)
    }

    /// Every key of a section (for `[domain_realm]`).
    pub fn keys(&self, section: &str) -> Vec<&str> {
        self.values.keys().filter(|(s, _)| s == section).map(|(_, k)| k.as_str()).collect()
    }
}

/// A KDC address from `kdc = [tcp/|udp/]host[:port]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KdcAddr {
    pub host: String,
    pub port: u16,
    /// `Some(true)` for `tcp/`, `Some(false)` for `udp/`, None for either.
    pub tcp_only: Option<bool>,
}

/// The settings the package uses, with MIT's defaults.
#[derive(Clone, Debug)]
pub struct Config {
    pub profile: Profile,
    pub default_realm: Option<String>,
    pub tkt_enctypes: Vec<Enctype>,
    pub tgs_enctypes: Vec<Enctype>,
    pub permitted_enctypes: Vec<Enctype>,
    pub kdc_timeout: Duration,
    pub udp_preference_limit: usize,
    pub clockskew: Duration,
    pub ticket_lifetime: Duration,
    pub renew_lifetime: Option<Duration>,
    pub forwardable: bool,
    pub dns_canonicalize_hostname: bool,
    pub rdns: bool,
}

/// MIT's default enctype order for the ones we support.
const DEFAULT_ENCTYPES: [Enctype; 4] =
    [Enctype::Aes256Sha1, Enctype::Aes128Sha1, Enctype::Aes256Sha384, Enctype::Aes128Sha256];

impl Config {
    pub fn load() -> Self {
        Self::from_profile(Profile::load())
    }

    pub fn from_profile(profile: Profile) -> Self {
        let lib = |k: &str| profile.get("libdefaults", k).map(str::to_string);
        let enctypes = |k: &str| lib(k).map(|v| parse_enctypes(&v)).unwrap_or_else(|| DEFAULT_ENCTYPES.to_vec());
        let permitted = enctypes("permitted_enctypes");
        let keep = |v: Vec<Enctype>| v.into_iter().filter(|e| permitted.contains(e)).collect::<Vec<_>>();
        let boolean = |k: &str, d: bool| lib(k).map_or(d, |v| parse_bool(&v).unwrap_or(d));
        Self {
            default_realm: lib("default_realm"),
            tkt_enctypes: keep(enctypes("default_tkt_enctypes")),
            tgs_enctypes: keep(enctypes("default_tgs_enctypes")),
            permitted_enctypes: permitted.clone(),
            kdc_timeout: lib("kdc_timeout").and_then(|v| parse_duration(&v)).unwrap_or(Duration::from_secs(1)),
            udp_preference_limit: lib("udp_preference_limit").and_then(|v| v.parse().ok()).unwrap_or(1465),
            clockskew: lib("clockskew").and_then(|v| parse_duration(&v)).unwrap_or(Duration::from_secs(300)),
            ticket_lifetime: lib("ticket_lifetime")
                .and_then(|v| parse_duration(&v))
                .unwrap_or(Duration::from_secs(24 * 3600)),
            renew_lifetime: lib("renew_lifetime").and_then(|v| parse_duration(&v)).filter(|d| !d.is_zero()),
            forwardable: boolean("forwardable", false),
            dns_canonicalize_hostname: lib("dns_canonicalize_hostname")
                .is_none_or(|v| parse_bool(&v).unwrap_or(v.eq_ignore_ascii_case("fallback"))),
            rdns: boolean("rdns", true),
            profile,
        }
    }

    /// The KDCs of `realm`, in configuration order.
    pub fn kdcs(&self, realm: &str) -> Vec<KdcAddr> {
        self.profile
            .all("realms", &format!("{realm}/kdc"))
            .iter()
            .flat_map(|v| v.split_whitespace())
            .filter_map(parse_kdc)
            .collect()
    }

    /// The realm of a host: its `[domain_realm]` entry, else the entry of the
    /// nearest enclosing domain (`.domain` or `domain`), else the default
    /// realm (MIT's fallback when there is no mapping).
    pub fn realm_of_host(&self, host: &str) -> Option<String> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if let Some(r) = self.profile.get("domain_realm", &host) {
            return Some(r.to_string());
        }
        let mut rest = host.as_str();
        while let Some(i) = rest.find('.') {
            let domain = &rest[i..];
            if let Some(r) = self.profile.get("domain_realm", domain) {
                return Some(r.to_string());
            }
            // `domain.example` (without the dot) also maps its subdomains in MIT.
            if let Some(r) = self.profile.get("domain_realm", &domain[1..]) {
                return Some(r.to_string());
            }
            rest = &rest[i + 1..];
        }
        self.default_realm.clone()
    }
}

fn parse_kdc(v: &str) -> Option<KdcAddr> {
    let (tcp_only, rest) = if let Some(r) = v.strip_prefix("tcp/") {
        (Some(true), r)
    } else if let Some(r) = v.strip_prefix("udp/") {
        (Some(false), r)
    } else {
        (None, v)
    };
    // [v6]:port, host:port, host.
    let (host, port) = if let Some(r) = rest.strip_prefix('[') {
        let end = r.find(']')?;
        let port = r[end + 1..].strip_prefix(':').map_or(Some(88), |p| p.parse().ok())?;
        (r[..end].to_string(), port)
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h.to_string(), p.parse().ok()?),
            _ => (rest.to_string(), 88),
        }
    };
    (!host.is_empty()).then_some(KdcAddr { host, port, tcp_only })
}

/// An enctype list (`aes256-cts aes128-cts`, commas allowed; `-name` removes).
pub fn parse_enctypes(v: &str) -> Vec<Enctype> {
    let mut out: Vec<Enctype> = Vec::new();
    for name in v.split(|c: char| c == ',' || c.is_whitespace()).filter(|n| !n.is_empty()) {
        if let Some(n) = name.strip_prefix('-') {
            let gone = Enctype::from_name(n);
            out.retain(|e| !gone.contains(e));
        } else if name.eq_ignore_ascii_case("DEFAULT") {
            for e in DEFAULT_ENCTYPES {
                if !out.contains(&e) {
                    out.push(e);
                }
            }
        } else {
            for e in Enctype::from_name(name.trim_start_matches('+')) {
                if !out.contains(&e) {
                    out.push(e);
                }
            }
        }
    }
    out
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "t" | "1" | "on" => Some(true),
        "n" | "no" | "false" | "nil" | "0" | "off" => Some(false),
        _ => None,
    }
}

/// MIT durations: `90` (seconds), `1h30m`, `2d`, `1:30` (h:m), `1:30:00`.
pub fn parse_duration(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(n) = v.parse::<u64>() {
        return Some(Duration::from_secs(n));
    }
    if v.contains(':') {
        let parts: Vec<u64> = v.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
        return match parts.as_slice() {
            [h, m] => Some(Duration::from_secs(h * 3600 + m * 60)),
            [h, m, s] => Some(Duration::from_secs(h * 3600 + m * 60 + s)),
            _ => None,
        };
    }
    let mut total = 0u64;
    let mut num = String::new();
    for c in v.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().ok()?;
        num.clear();
        total += n * match c {
            'd' => 86400,
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
    }
    if !num.is_empty() {
        return None;
    }
    Some(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "
# a comment
[libdefaults]
    default_realm = EXAMPLE.TEST
    dns_canonicalize_hostname = false
    rdns = false
    udp_preference_limit = 1
    kdc_timeout = 3s
    default_tgs_enctypes = aes256-cts-hmac-sha384-192 aes128-cts
    permitted_enctypes = aes256-sha2, aes128-cts-hmac-sha1-96 aes256-cts
    ticket_lifetime = 10h
    forwardable = true

[realms]
    EXAMPLE.TEST = {
        kdc = 127.0.0.1:8888
        kdc = tcp/kdc2.example.test
        admin_server = 127.0.0.1:8889
    }
    OTHER.TEST = {
        kdc = [::1]:750
    }

[domain_realm]
    .example.test = EXAMPLE.TEST
    special.example.test = OTHER.TEST
";

    #[test]
    fn reads_mit_profile_syntax() {
        let mut p = Profile::default();
        p.add_text(SAMPLE, 0);
        let c = Config::from_profile(p);
        assert_eq!(c.default_realm.as_deref(), Some("EXAMPLE.TEST"));
        assert!(!c.dns_canonicalize_hostname && !c.rdns && c.forwardable);
        assert_eq!(c.udp_preference_limit, 1);
        assert_eq!(c.kdc_timeout, Duration::from_secs(3));
        assert_eq!(c.ticket_lifetime, Duration::from_secs(36000));
        assert_eq!(c.tgs_enctypes, vec![Enctype::Aes256Sha384, Enctype::Aes128Sha1]);
        assert_eq!(
            c.tkt_enctypes,
            vec![Enctype::Aes256Sha1, Enctype::Aes128Sha1, Enctype::Aes256Sha384],
            "filtered by permitted"
        );
        assert_eq!(
            c.kdcs("EXAMPLE.TEST"),
            vec![
                KdcAddr { host: "127.0.0.1".into(), port: 8888, tcp_only: None },
                KdcAddr { host: "kdc2.example.test".into(), port: 88, tcp_only: Some(true) },
            ]
        );
        assert_eq!(c.kdcs("OTHER.TEST"), vec![KdcAddr { host: "::1".into(), port: 750, tcp_only: None }]);
        assert!(c.kdcs("NOWHERE").is_empty());
        assert_eq!(c.realm_of_host("www.example.test").as_deref(), Some("EXAMPLE.TEST"));
        assert_eq!(c.realm_of_host("SPECIAL.example.test.").as_deref(), Some("OTHER.TEST"));
        assert_eq!(c.realm_of_host("elsewhere.org").as_deref(), Some("EXAMPLE.TEST"), "the default realm");
    }

    #[test]
    fn defaults_and_values() {
        let c = Config::from_profile(Profile::default());
        assert_eq!(c.default_realm, None);
        assert_eq!(c.tkt_enctypes, DEFAULT_ENCTYPES.to_vec());
        assert_eq!(c.clockskew, Duration::from_secs(300));
        assert!(c.dns_canonicalize_hostname && c.rdns && !c.forwardable);
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1:30"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2d"), Some(Duration::from_secs(172800)));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(
            parse_enctypes("DEFAULT -aes128-cts"),
            vec![Enctype::Aes256Sha1, Enctype::Aes256Sha384, Enctype::Aes128Sha256]
        );
        assert!(parse_enctypes("des-cbc-crc rc4-hmac").is_empty(), "never DES; RC4 not offered");
    }

    #[test]
    fn includes_and_first_value_wins() {
        let dir = std::env::temp_dir().join(format!("sspi-krb5conf-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("d")).unwrap();
        std::fs::write(dir.join("d/10-realm"), "[libdefaults]\n default_realm = FROM.DIR\n").unwrap();
        std::fs::write(dir.join("d/skip.txt~"), "[libdefaults]\n default_realm = NOT.READ\n").unwrap();
        let mut p = Profile::default();
        p.add_text(&format!("includedir {}\n[libdefaults]\n default_realm = LATER\n", dir.join("d").display()), 0);
        assert_eq!(Config::from_profile(p).default_realm.as_deref(), Some("FROM.DIR"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
