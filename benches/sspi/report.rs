//! The machine line, the table, the goals and the JSON file.

use crate::Opts;

/// The goal for a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    None,
    /// ≥ 0.95 × rustls and ≥ 1 × OpenSSL.
    Handshake,
    /// ≥ 0.95 × rustls (and ≥ 0.85 × AEAD with the same copies).
    Bulk16k,
    /// ≥ 0.85 × raw AEAD, both in place with no copy.
    Bulk16kInPlace,
    /// ≥ 0.8 × rustls.
    Bulk64,
    /// ≤ rustls + 2 KiB.
    Memory,
    /// ≥ 1.8× with 2 threads.
    Scaling,
}

impl Goal {
    pub fn text(self) -> &'static str {
        match self {
            Goal::None => "",
            Goal::Handshake => ">=0.95 rustls, >=1 openssl",
            Goal::Bulk16k => ">=0.95 rustls, >=0.85 aead",
            Goal::Bulk16kInPlace => ">=0.85 aead",
            Goal::Bulk64 => ">=0.8 rustls",
            Goal::Memory => "<= rustls + 2048",
            Goal::Scaling => ">=1.8",
        }
    }
}

pub struct Row {
    pub name: String,
    pub unit: &'static str,
    pub sspi: f64,
    pub rustls: Option<f64>,
    pub aead: Option<f64>,
    pub openssl: Option<f64>,
    /// Diagnostic column (`--diagnose`): native rustls + secret extraction.
    pub extract: Option<f64>,
    pub goal: Goal,
}

impl Row {
    fn ratio(&self, other: Option<f64>) -> Option<f64> {
        other.filter(|&v| v != 0.0).map(|v| self.sspi / v)
    }

    /// Whether the goal is met; `None` without a goal or without the columns it needs.
    pub fn met(&self) -> Option<bool> {
        let r = |o| self.ratio(o);
        match self.goal {
            Goal::None => None,
            Goal::Handshake => Some(r(self.rustls)? >= 0.95 && r(self.openssl)? >= 1.0),
            Goal::Bulk16k => Some(r(self.rustls)? >= 0.95 && r(self.aead)? >= 0.85),
            Goal::Bulk16kInPlace => Some(r(self.aead)? >= 0.85),
            Goal::Bulk64 => Some(r(self.rustls)? >= 0.8),
            Goal::Memory => Some(self.sspi <= self.rustls? + 2048.0),
            Goal::Scaling => Some(self.sspi >= 1.8),
        }
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

pub fn loadavg() -> String {
    read("/proc/loadavg").split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// Version of a crate in this repository's Cargo.lock.
fn locked(name: &str) -> String {
    let lock = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"));
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == format!("name = \"{name}\"") {
            if let Some(v) = lines.next().and_then(|v| v.strip_prefix("version = \"")) {
                return v.trim_end_matches('"').to_string();
            }
        }
    }
    "?".into()
}

pub struct Machine {
    lines: Vec<String>,
}

impl Machine {
    pub fn probe(opts: &Opts) -> Machine {
        let cpuinfo = read("/proc/cpuinfo");
        let field = |name: &str| {
            cpuinfo
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
                .unwrap_or_else(|| "?".into())
        };
        let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
        let rustc = std::process::Command::new("rustc")
            .arg("-V")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| "rustc ?".into());
        let lines = vec![
            format!(
                "sspi-rustls benchmark, {} mode ({})",
                if opts.short { "short" } else { "full" },
                if opts.short {
                    "1 round of 60 ms per cell, thread CPU time"
                } else {
                    "best of 15 interleaved rounds of 150 ms per cell, thread CPU time"
                }
            ),
            format!(
                "machine: {}; {} cores / {} CPUs usable; Linux {}; load average {}",
                field("model name"),
                field("cpu cores"),
                cpus,
                read("/proc/sys/kernel/osrelease").trim(),
                loadavg()
            ),
            format!(
                "versions: sspi-rustls {}, rustls {}, ring {}, {}, {}",
                env!("CARGO_PKG_VERSION"),
                locked("rustls"),
                locked("ring"),
                crate::ossl::version(),
                rustc
            ),
            "suites: TLS 1.3 TLS_AES_128_GCM_SHA256; TLS 1.2 ECDHE_ECDSA/ECDHE_RSA_WITH_AES_128_GCM_SHA256; \
             group X25519; server keys ECDSA P-256 / RSA 2048 (leaf only, CA ECDSA P-256); \
             bulk, memory and scaling on TLS 1.3 ECDSA"
                .into(),
            "columns: sspi = SSPI client and server through the exported C functions; rustls = native \
             ClientConnection/ServerConnection, same config; aead = ring AES-128-GCM seal+open in place \
             (bulk_*: with sspi's copies, app -> record -> wire -> receive buffer; *_inplace: no copy, \
             nor for sspi); openssl = libssl through a BIO pair; x = sspi / column"
                .into(),
        ];
        Machine { lines }
    }

    pub fn print(&self) {
        for l in &self.lines {
            println!("{l}");
        }
        let load: f64 = loadavg().split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
        if load > 0.5 {
            println!(
                "note: load average {load:.2} before the start: something else uses the CPUs. One-thread \
                 cells count CPU time and compare like with like; the scaling rows need an idle second core \
                 and show here what the machine allowed."
            );
        }
        println!();
    }
}

fn fmt_value(unit: &str, v: f64) -> String {
    match unit {
        "x" => format!("{v:.2}"),
        "MiB/s" => format!("{v:.1}"),
        _ => format!("{v:.0}"),
    }
}

pub fn print_table(rows: &[Row]) {
    let diag = rows.iter().any(|r| r.extract.is_some());
    let header = format!(
        "{:<30} {:>12} {:>10} {:>10} {:>6} {:>10} {:>6} {:>10} {:>6}  {:<27} {}{}",
        "name",
        "unit",
        "sspi",
        "rustls",
        "x",
        "aead",
        "x",
        "openssl",
        "x",
        "goal",
        "met",
        if diag { "   rustls+extract      x" } else { "" }
    );
    println!("{header}");
    println!("{}", "-".repeat(header.len()));
    for r in rows {
        let col = |v: Option<f64>| {
            v.map_or(("-".to_string(), "-".to_string()), |v| {
                (fmt_value(r.unit, v), r.ratio(Some(v)).map_or("-".into(), |x| format!("{x:.3}")))
            })
        };
        let (rv, rx) = col(r.rustls);
        let (av, ax) = col(r.aead);
        let (ov, ox) = col(r.openssl);
        let diag_cols = if diag {
            let (ev, ex) = col(r.extract);
            format!("{:>17} {:>6}", ev, ex)
        } else {
            String::new()
        };
        let met = match r.met() {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "",
        };
        println!(
            "{:<30} {:>12} {:>10} {:>10} {:>6} {:>10} {:>6} {:>10} {:>6}  {:<27} {:<4}{}",
            r.name,
            r.unit,
            fmt_value(r.unit, r.sspi),
            rv,
            rx,
            av,
            ax,
            ov,
            ox,
            r.goal.text(),
            met,
            diag_cols
        );
    }
    println!();
}

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        "null".into()
    }
}

/// The rows as a JSON list: name, unit, sspi, and per comparison its value
/// and the ratio sspi / value (null when not measured), plus the goal.
pub fn json(rows: &[Row]) -> String {
    let mut out = String::from("[\n");
    for (i, r) in rows.iter().enumerate() {
        let cmp = |v: Option<f64>| match v {
            Some(v) => format!("{{\"value\": {}, \"ratio\": {}}}", num(v), r.ratio(Some(v)).map_or("null".into(), num)),
            None => "null".into(),
        };
        let met = r.met().map_or("null".to_string(), |m| m.to_string());
        let extract = match r.extract {
            Some(_) => format!(", \"rustls_extract\": {}", cmp(r.extract)),
            None => String::new(),
        };
        out.push_str(&format!(
            "  {{\"name\": \"{}\", \"unit\": \"{}\", \"sspi\": {}, \"rustls\": {}, \"aead\": {}, \"openssl\": {}{}, \
             \"goal\": \"{}\", \"met\": {}}}{}\n",
            r.name,
            r.unit,
            num(r.sspi),
            cmp(r.rustls),
            cmp(r.aead),
            cmp(r.openssl),
            extract,
            r.goal.text(),
            met,
            if i + 1 < rows.len() { "," } else { "" }
        ));
    }
    out.push_str("]\n");
    out
}
