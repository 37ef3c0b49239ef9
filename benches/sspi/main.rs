//! sspi-rustls performance benchmark: one process, in memory (no sockets),
//! one table.
//!
//! ```text
//! cargo bench --bench sspi                      # full mode (the README's table)
//! cargo bench --bench sspi -- --short           # quick look / CI
//! cargo bench --bench sspi -- --json out.json   # also write the rows as JSON
//! ```
//!
//! Every figure is compared, in the same run, with native rustls on the same
//! configuration, with ring's raw AES-GCM on the same record sizes (bulk),
//! and with OpenSSL 3 through memory BIOs on the same suite and key. See
//! `benches/README-performance.md` for the method and the published table.
//!
//! Other options: `--only SUBSTRING` (rows whose name contains it, may be
//! repeated), `--stack sspi|rustls|aead|openssl` (only that column, may be
//! repeated), `--iters N` (a fixed number of operations per cell instead of
//! timed rounds; for callgrind), `--contexts N` (idle contexts to create),
//! `--diagnose` (adds a `rustls+extract` column to the handshake rows).

mod aead;
mod kerberos;
mod native;
mod negotiate;
mod ntlm;
mod ossl;
mod pki;
mod report;
mod sspi;

use std::time::{Duration, Instant};

use pki::{KeyKind, Pki};
use report::{Goal, Row};

/// TLS version of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Tls12,
    Tls13,
}

/// One protocol version with one server key.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    pub version: Version,
    pub key: KeyKind,
}

impl Case {
    /// IANA id of the pinned suite.
    fn suite_id(self) -> u16 {
        match (self.version, self.key) {
            (Version::Tls13, _) => 0x1301,
            (Version::Tls12, KeyKind::Ecdsa) => 0xc02b,
            (Version::Tls12, KeyKind::Rsa) => 0xc02f,
        }
    }
    fn version_id(self) -> u16 {
        match self.version {
            Version::Tls13 => 0x0304,
            Version::Tls12 => 0x0303,
        }
    }
    fn tag(self) -> String {
        let v = match self.version {
            Version::Tls13 => "tls13",
            Version::Tls12 => "tls12",
        };
        format!("{v}_{}", self.key.name())
    }
}

/// The four columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stack {
    Sspi,
    Rustls,
    Aead,
    Openssl,
    /// Diagnostic (`--diagnose`): native rustls plus secret extraction.
    Extract,
}

impl Stack {
    fn parse(s: &str) -> Option<Stack> {
        Some(match s {
            "sspi" => Stack::Sspi,
            "rustls" => Stack::Rustls,
            "aead" => Stack::Aead,
            "openssl" => Stack::Openssl,
            "extract" => Stack::Extract,
            _ => return None,
        })
    }
}

pub struct Opts {
    pub short: bool,
    pub json: Option<std::path::PathBuf>,
    only: Vec<String>,
    stacks: Vec<Stack>,
    iters: Option<u64>,
    contexts: Option<usize>,
    diagnose: bool,
}

impl Opts {
    fn parse() -> Opts {
        let mut o = Opts {
            short: false,
            json: None,
            only: Vec::new(),
            stacks: Vec::new(),
            iters: None,
            contexts: None,
            diagnose: false,
        };
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            let mut value = |name: &str| args.next().unwrap_or_else(|| usage(&format!("{name} needs a value")));
            match a.as_str() {
                "--short" => o.short = true,
                "--diagnose" => o.diagnose = true,
                "--full" => o.short = false,
                "--json" => o.json = Some(value("--json").into()),
                "--only" => o.only.push(value("--only")),
                "--stack" => {
                    let v = value("--stack");
                    o.stacks.push(Stack::parse(&v).unwrap_or_else(|| usage(&format!("unknown stack {v}"))));
                }
                "--iters" => o.iters = Some(value("--iters").parse().unwrap_or_else(|_| usage("--iters N"))),
                "--contexts" => {
                    o.contexts = Some(value("--contexts").parse().unwrap_or_else(|_| usage("--contexts N")))
                }
                // cargo bench passes --bench to harness = false targets.
                "--bench" => {}
                "-h" | "--help" => usage(""),
                other => usage(&format!("unknown argument {other}")),
            }
        }
        o
    }

    pub fn wants(&self, row: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| row.contains(o.as_str()))
    }
    /// Whether the NTLM rows measure the other implementations too (not with `--stack`, which
    /// narrows them to ours).
    pub fn ntlm_peers(&self) -> bool {
        self.stacks.is_empty()
    }
    fn runs(&self, s: Stack) -> bool {
        if s == Stack::Extract && !self.diagnose {
            return false;
        }
        self.stacks.is_empty() || self.stacks.contains(&s)
    }
    /// Timed rounds per cell (the best is reported).
    fn rounds(&self) -> usize {
        if self.iters.is_some() || self.short {
            1
        } else {
            15
        }
    }
    /// Short rounds, many of them: on a shared machine, the more rounds, the
    /// likelier each column gets one that nothing else disturbed.
    fn round_time(&self) -> Duration {
        Duration::from_millis(if self.short { 60 } else { 150 })
    }
    fn contexts(&self) -> usize {
        self.contexts.unwrap_or(if self.short { 1000 } else { 10_000 })
    }
}

fn usage(err: &str) -> ! {
    if !err.is_empty() {
        eprintln!("error: {err}");
    }
    eprintln!(
        "usage: cargo bench --bench sspi -- [--short|--full] [--json PATH] [--only NAME]... \
         [--stack sspi|rustls|aead|openssl|extract]... [--iters N] [--contexts N] [--diagnose]"
    );
    std::process::exit(if err.is_empty() { 0 } else { 2 })
}

/// A benchmark operation: does some work and says how many units (bytes,
/// handshakes) it did.
pub type Op<'a> = Box<dyn FnMut() -> u64 + Send + 'a>;

/// What a rate is measured against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Clock {
    /// The calling thread's CPU time (user + system): for one-thread cells,
    /// so that time the scheduler gives to other processes on a shared
    /// machine is not counted against whichever column was running.
    Thread,
    /// Wall-clock time: for the scaling cells, whose point is how much the
    /// threads together get done per second.
    Wall,
}

fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer; the clock id is a constant the kernel knows.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(r, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl Clock {
    fn now(self, wall: Instant) -> Duration {
        match self {
            Clock::Thread => thread_cpu_time(),
            Clock::Wall => wall.elapsed(),
        }
    }
}

/// Units per second of `op` over at least `time` of `clock`, or over exactly
/// `iters` calls. The clock is read about once a millisecond, not per call.
fn rate(op: &mut Op<'_>, time: Duration, iters: Option<u64>, clock: Clock) -> f64 {
    let wall = Instant::now();
    let start = clock.now(wall);
    let mut units = 0u64;
    let mut calls = 0u64;
    let (mut every, mut next_check, mut last) = (1u64, 1u64, start);
    loop {
        units += op();
        calls += 1;
        if let Some(n) = iters {
            if calls >= n {
                return units as f64 / (clock.now(wall) - start).as_secs_f64();
            }
            continue;
        }
        if calls < next_check {
            continue;
        }
        let now = clock.now(wall);
        if now - start >= time {
            return units as f64 / (now - start).as_secs_f64();
        }
        if now - last < Duration::from_millis(1) {
            every *= 2;
        }
        last = now;
        next_check = calls + every;
    }
}

/// The best of a cell's rounds. Other load on the machine only ever slows a
/// round down, so the fastest round is the closest to what the code can do,
/// and taking it for every column keeps the ratios fair.
fn best(v: Vec<f64>) -> f64 {
    v.into_iter().fold(0.0, f64::max)
}

/// Measures each column's operation in interleaved rounds (so slow drift of
/// the machine hits every column alike) and returns each column's best rate.
fn compare(opts: &Opts, ops: &mut [(Stack, Op<'_>)]) -> Vec<(Stack, f64)> {
    compare_generic(opts, ops)
}

/// [`compare`] for columns named by any key (the NTLM table's implementations).
pub fn compare_generic<K: Copy>(opts: &Opts, ops: &mut [(K, Op<'_>)]) -> Vec<(K, f64)> {
    let time = opts.round_time();
    if opts.iters.is_none() {
        for (_, op) in ops.iter_mut() {
            rate(op, time / 4, None, Clock::Thread);
        }
    }
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); ops.len()];
    for _ in 0..opts.rounds() {
        for (i, (_, op)) in ops.iter_mut().enumerate() {
            samples[i].push(rate(op, time, opts.iters, Clock::Thread));
        }
    }
    ops.iter().zip(samples).map(|((s, _), v)| (*s, best(v))).collect()
}

fn pick(results: &[(Stack, f64)], s: Stack) -> Option<f64> {
    results.iter().find(|(k, _)| *k == s).map(|(_, v)| *v)
}

fn row_of(name: String, unit: &'static str, results: &[(Stack, f64)], goal: Goal) -> Option<Row> {
    let sspi = pick(results, Stack::Sspi)?;
    Some(Row {
        name,
        unit,
        sspi,
        rustls: pick(results, Stack::Rustls),
        aead: pick(results, Stack::Aead),
        openssl: pick(results, Stack::Openssl),
        extract: pick(results, Stack::Extract),
        goal,
    })
}

/// Per-case state of every stack.
struct Stacks {
    case: Case,
    sspi: sspi::Creds,
    rustls: native::Configs,
    openssl: ossl::Ctx,
    /// rustls configs allowing secret extraction (`--diagnose`).
    extract: native::Configs,
}

impl Stacks {
    fn new(pki: &Pki, case: Case) -> Stacks {
        let id = pki.identity(case.key);
        Stacks {
            case,
            sspi: sspi::Creds::new(id, case),
            rustls: native::Configs::new(&pki.ca_der, id, case, false),
            openssl: ossl::Ctx::new(&pki.ca_der, id, case),
            extract: native::Configs::new(&pki.ca_der, id, case, true),
        }
    }

    /// One handshake per stack, checking that each negotiated the pinned
    /// version and suite (X25519 where a key exchange happened), and resumed
    /// exactly when asked to.
    fn verify(&self, resume: bool) {
        let case = self.case;
        let (mut c, mut s) = (self.sspi.client_full, self.sspi.server);
        if resume {
            c = self.sspi.client_resume;
        }
        let mut d = sspi::Driver::default();
        if resume {
            // The first handshake on a fresh session cache is a full one.
            d.handshake(&mut c, &mut s).delete();
        }
        let mut pair = d.handshake(&mut c, &mut s);
        let (proto, suite, resumed, group) = sspi::negotiated(&mut pair.client);
        // SecPkgContext_CipherInfo.dwProtocol is the wire version (0x0304, 0x0303).
        let want = (case.version_id() as u32, case.suite_id() as u32, resume);
        assert_eq!((proto, suite, resumed), want, "SSPI negotiated");
        if !(resume && case.version == Version::Tls12) {
            // dwKeyType: the key exchange group's TLS id (X25519 = 0x1d).
            assert_eq!(group, 0x1d, "SSPI group");
        }
        pair.delete();

        let mut d = native::Driver::default();
        let p = d.handshake(&self.rustls, resume);
        let p = if resume { d.handshake(&self.rustls, resume) } else { p };
        let (v, suite, resumed, group) = native::negotiated(&p);
        assert_eq!((v, suite, resumed), (case.version_id(), case.suite_id(), resume), "rustls negotiated");
        if !(resume && case.version == Version::Tls12) {
            assert_eq!(group, Some(rustls::NamedGroup::X25519), "rustls group");
        }

        let mut d = ossl::Driver::default();
        let p = d.handshake(&self.openssl, resume);
        let p = if resume { d.handshake(&self.openssl, resume) } else { p };
        let (v, suite, resumed, group) = ossl::negotiated(&p);
        assert_eq!((v, suite, resumed), (case.version_id(), case.suite_id(), resume), "OpenSSL negotiated");
        if !(resume && case.version == Version::Tls12) {
            assert_eq!(group, ossl::NID_X25519, "OpenSSL group");
        }
    }
}

/// Every this many handshakes (from the second on), the timed loop checks
/// that the handshake resumed exactly when it should.
const CHECK_EVERY: u64 = 256;

/// One handshake per call for each column; each operation owns its driver
/// and shares the case's credentials / configs.
fn handshake_ops<'a>(opts: &Opts, st: &'a Stacks, resume: bool) -> Vec<(Stack, Op<'a>)> {
    let mut ops: Vec<(Stack, Op<'a>)> = Vec::new();
    if opts.runs(Stack::Sspi) {
        let mut d = sspi::Driver::default();
        let mut c = if resume { st.sspi.client_resume } else { st.sspi.client_full };
        let mut s = st.sspi.server;
        let mut calls = 0u64;
        ops.push((
            Stack::Sspi,
            Box::new(move || {
                let mut p = d.handshake(&mut c, &mut s);
                calls += 1;
                if calls % CHECK_EVERY == 2 {
                    assert_eq!(sspi::negotiated(&mut p.client).2, resume, "SSPI resumption in the timed loop");
                }
                p.delete();
                1
            }),
        ));
    }
    if opts.runs(Stack::Rustls) {
        let mut d = native::Driver::default();
        let mut calls = 0u64;
        ops.push((
            Stack::Rustls,
            Box::new(move || {
                let p = d.handshake(&st.rustls, resume);
                calls += 1;
                if calls % CHECK_EVERY == 2 {
                    assert_eq!(native::negotiated(&p).2, resume, "rustls resumption in the timed loop");
                }
                1
            }),
        ));
    }
    if opts.runs(Stack::Extract) {
        let mut d = native::Driver::default();
        if resume {
            d.handshake_extract(&st.extract, true);
        }
        ops.push((
            Stack::Extract,
            Box::new(move || {
                assert_eq!(d.handshake_extract(&st.extract, resume), resume, "rustls+extract resumption");
                1
            }),
        ));
    }
    if opts.runs(Stack::Openssl) {
        let mut d = ossl::Driver::default();
        if resume {
            // Prime this client's session (SSPI's and rustls' caches live in the credential / config).
            drop(d.handshake(&st.openssl, true));
        }
        let mut calls = 0u64;
        ops.push((
            Stack::Openssl,
            Box::new(move || {
                let p = d.handshake(&st.openssl, resume);
                calls += 1;
                if calls % CHECK_EVERY == 2 {
                    assert_eq!(ossl::negotiated(&p).2, resume, "OpenSSL resumption in the timed loop");
                }
                1
            }),
        ));
    }
    ops
}

fn handshakes(opts: &Opts, pki: &Pki, rows: &mut Vec<Row>) {
    for version in [Version::Tls13, Version::Tls12] {
        for key in [KeyKind::Ecdsa, KeyKind::Rsa] {
            let case = Case { version, key };
            let names: Vec<(bool, String)> = [(false, "full"), (true, "resumed")]
                .into_iter()
                .map(|(r, m)| (r, format!("handshake_{}_{m}", case.tag())))
                .filter(|(_, n)| opts.wants(n))
                .collect();
            if names.is_empty() {
                continue;
            }
            let st = Stacks::new(pki, case);
            for (resume, name) in names {
                st.verify(resume);
                let results = compare(opts, &mut handshake_ops(opts, &st, resume));
                rows.extend(row_of(name, "handshakes/s", &results, Goal::Handshake));
            }
        }
    }
}

const BULK_SIZES: [(usize, &str); 3] = [(64, "bulk_64"), (1024, "bulk_1k"), (16384, "bulk_16k")];

/// How many messages of `size` one operation sends (about 64 KiB per call,
/// so the clock is read rarely).
fn batch(size: usize) -> usize {
    (65536 / size).max(1)
}

/// Established connections of every stack for bulk transfer (TLS 1.3, ECDSA).
struct BulkSet {
    sspi: sspi::Bulk,
    rustls: native::Bulk,
    aead: aead::Bulk,
    openssl: ossl::Bulk,
}

impl BulkSet {
    fn new(st: &Stacks, max: usize) -> BulkSet {
        let (mut c, mut s) = (st.sspi.client_full, st.sspi.server);
        BulkSet {
            sspi: sspi::Bulk::new(sspi::Driver::default().handshake(&mut c, &mut s), max),
            rustls: native::Bulk::new(native::Driver::default().handshake(&st.rustls, false), max),
            aead: aead::Bulk::new(max),
            openssl: ossl::Bulk::new(ossl::Driver::default().handshake(&st.openssl, false), max),
        }
    }

    fn check(&mut self, msg: &[u8]) {
        sspi::check_roundtrip(&mut self.sspi, msg);
        native::check_roundtrip(&mut self.rustls, msg);
        self.aead.check_roundtrip(msg);
        ossl::check_roundtrip(&mut self.openssl, msg);
    }

    /// The four operations, each sending `batch(msg.len())` messages.
    fn ops<'a>(&'a mut self, opts: &Opts, msg: &'a [u8]) -> Vec<(Stack, Op<'a>)> {
        let n = batch(msg.len());
        let units = (n * msg.len()) as u64;
        let BulkSet { sspi, rustls, aead, openssl } = self;
        let mut ops: Vec<(Stack, Op<'a>)> = Vec::new();
        if opts.runs(Stack::Sspi) {
            ops.push((
                Stack::Sspi,
                Box::new(move || {
                    for _ in 0..n {
                        sspi.message(msg);
                    }
                    units
                }),
            ));
        }
        if opts.runs(Stack::Rustls) {
            ops.push((
                Stack::Rustls,
                Box::new(move || {
                    for _ in 0..n {
                        rustls.message(msg);
                    }
                    units
                }),
            ));
        }
        if opts.runs(Stack::Aead) {
            ops.push((
                Stack::Aead,
                Box::new(move || {
                    for _ in 0..n {
                        aead.message(msg);
                    }
                    units
                }),
            ));
        }
        if opts.runs(Stack::Openssl) {
            ops.push((
                Stack::Openssl,
                Box::new(move || {
                    for _ in 0..n {
                        openssl.message(msg);
                    }
                    units
                }),
            ));
        }
        ops
    }
}

impl BulkSet {
    /// sspi and aead with no copy at all (`*_inplace` rows): `EncryptMessage`
    /// and `DecryptMessage` on one buffer against ring sealing and opening in
    /// place. rustls and OpenSSL cannot work without a transport copy.
    fn ops_in_place<'a>(&'a mut self, opts: &Opts, msg: &[u8]) -> Vec<(Stack, Op<'a>)> {
        let len = msg.len();
        let n = batch(len);
        let units = (n * len) as u64;
        self.sspi.load_in_place(msg);
        self.aead.load_in_place(msg);
        let BulkSet { sspi, aead, .. } = self;
        let mut ops: Vec<(Stack, Op<'a>)> = Vec::new();
        if opts.runs(Stack::Sspi) {
            ops.push((
                Stack::Sspi,
                Box::new(move || {
                    for _ in 0..n {
                        sspi.message_in_place(len);
                    }
                    units
                }),
            ));
        }
        if opts.runs(Stack::Aead) {
            ops.push((
                Stack::Aead,
                Box::new(move || {
                    for _ in 0..n {
                        aead.message_in_place(len);
                    }
                    units
                }),
            ));
        }
        ops
    }
}

fn message(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 31 + 7) as u8).collect()
}

fn to_mib(results: Vec<(Stack, f64)>) -> Vec<(Stack, f64)> {
    results.into_iter().map(|(s, v)| (s, v / (1024.0 * 1024.0))).collect()
}

fn bulk(opts: &Opts, pki: &Pki, rows: &mut Vec<Row>) {
    if !BULK_SIZES.iter().any(|(_, n)| opts.wants(n) || opts.wants(&format!("{n}_inplace"))) {
        return;
    }
    let st = Stacks::new(pki, Case { version: Version::Tls13, key: KeyKind::Ecdsa });
    // Every row starts on fresh connections.
    for (size, name) in BULK_SIZES {
        if !opts.wants(name) {
            continue;
        }
        let mut set = BulkSet::new(&st, size);
        let msg = message(size);
        set.check(&msg);
        let results = to_mib(compare(opts, &mut set.ops(opts, &msg)));
        let goal = match size {
            64 => Goal::Bulk64,
            16384 => Goal::Bulk16k,
            _ => Goal::None,
        };
        rows.extend(row_of(name.to_string(), "MiB/s", &results, goal));
    }
    for (size, name) in BULK_SIZES {
        let name = format!("{name}_inplace");
        if !opts.wants(&name) {
            continue;
        }
        let mut set = BulkSet::new(&st, size);
        let msg = message(size);
        let results = to_mib(compare(opts, &mut set.ops_in_place(opts, &msg)));
        let goal = if size == 16384 { Goal::Bulk16kInPlace } else { Goal::None };
        rows.extend(row_of(name, "MiB/s", &results, goal));
    }
}

/// Resident set size of the process, from /proc/self/statm.
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("statm resident");
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    pages * page
}

/// Bytes malloc has handed out and not got back.
fn heap_bytes() -> u64 {
    // SAFETY: mallinfo2 has no preconditions.
    let m = unsafe { libc::mallinfo2() };
    (m.uordblks + m.hblkhd) as u64
}

/// Gives free heap pages back to the system, so RSS counts live memory.
fn settle() {
    // SAFETY: malloc_trim has no preconditions.
    unsafe { libc::malloc_trim(0) };
}

/// (RSS, heap) bytes per context for `n` client + `n` server contexts made by `make`.
fn footprint<T>(n: usize, mut make: impl FnMut() -> T, release: impl FnOnce(Vec<T>)) -> (f64, f64) {
    let mut keep: Vec<T> = Vec::with_capacity(n);
    settle();
    let (rss0, heap0) = (rss_bytes(), heap_bytes());
    for _ in 0..n {
        keep.push(make());
    }
    settle();
    let (rss1, heap1) = (rss_bytes(), heap_bytes());
    release(keep);
    settle();
    let per = |a: u64, b: u64| (b as f64 - a as f64) / (2 * n) as f64;
    (per(rss0, rss1), per(heap0, heap1))
}

fn memory(opts: &Opts, pki: &Pki, rows: &mut Vec<Row>) {
    if !opts.wants("idle_context_bytes") {
        return;
    }
    let n = opts.contexts();
    let st = Stacks::new(pki, Case { version: Version::Tls13, key: KeyKind::Ecdsa });
    let (mut c, mut s) = (st.sspi.client_full, st.sspi.server);
    let mut sd = sspi::Driver::default();
    let mut nd = native::Driver::default();
    // Warm up lazily built state (trust store, configs, handle table chunk).
    for _ in 0..8 {
        sd.handshake(&mut c, &mut s).delete();
        drop(nd.handshake(&st.rustls, false));
    }
    let rustls = footprint(n, || nd.handshake(&st.rustls, false), drop);
    let mut od = ossl::Driver::default();
    let openssl = if opts.runs(Stack::Openssl) {
        drop(od.handshake(&st.openssl, false));
        let make = || {
            let mut p = od.handshake(&st.openssl, false);
            p.drop_transport();
            p
        };
        Some(footprint(n, make, drop))
    } else {
        None
    };
    let sspi = footprint(
        n,
        || sd.handshake(&mut c, &mut s),
        |v| {
            for p in v {
                p.delete();
            }
        },
    );
    let mut rss = vec![(Stack::Sspi, sspi.0), (Stack::Rustls, rustls.0)];
    let mut heap = vec![(Stack::Sspi, sspi.1), (Stack::Rustls, rustls.1)];
    if let Some((r, h)) = openssl {
        rss.push((Stack::Openssl, r));
        heap.push((Stack::Openssl, h));
    }
    rows.extend(row_of("idle_context_bytes".into(), "bytes", &rss, Goal::Memory));
    rows.extend(row_of("idle_context_heap_bytes".into(), "bytes", &heap, Goal::None));
}

/// Total units per second of `workers` running at once, one thread each,
/// started together.
fn parallel(time: Duration, iters: Option<u64>, workers: Vec<&mut Op<'_>>) -> f64 {
    let barrier = std::sync::Barrier::new(workers.len());
    let barrier = &barrier;
    std::thread::scope(|scope| {
        let handles: Vec<_> = workers
            .into_iter()
            .map(|w| {
                scope.spawn(move || {
                    barrier.wait();
                    rate(w, time, iters, Clock::Wall)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("worker thread")).sum()
    })
}

/// For each column: total throughput of two threads, each on its own
/// connections (`a[i]` and `b[i]`), over the throughput of one thread alone;
/// best of interleaved rounds each.
fn scaling_compare<'a>(opts: &Opts, a: &mut [(Stack, Op<'a>)], b: &mut [(Stack, Op<'a>)]) -> Vec<(Stack, f64)> {
    let time = opts.round_time();
    let warm = opts.iters.is_none();
    let mut samples: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); a.len()];
    for round in 0..opts.rounds() + usize::from(warm) {
        let t = if warm && round == 0 { time / 4 } else { time };
        for (i, ((_, oa), (_, ob))) in a.iter_mut().zip(b.iter_mut()).enumerate() {
            let one = parallel(t, opts.iters, vec![&mut *oa]);
            let two = parallel(t, opts.iters, vec![oa, ob]);
            if !(warm && round == 0) {
                samples[i].0.push(one);
                samples[i].1.push(two);
            }
        }
    }
    a.iter().zip(samples).map(|((s, _), (one, two))| (*s, best(two) / best(one))).collect()
}

fn scaling(opts: &Opts, pki: &Pki, rows: &mut Vec<Row>) {
    let st = Stacks::new(pki, Case { version: Version::Tls13, key: KeyKind::Ecdsa });
    let name = "scaling_2_threads";
    if opts.wants(name) {
        let msg = message(1024);
        let mut sets = [BulkSet::new(&st, 1024), BulkSet::new(&st, 1024)];
        for s in sets.iter_mut() {
            s.check(&msg);
        }
        let [a, b] = &mut sets;
        let results = scaling_compare(opts, &mut a.ops(opts, &msg), &mut b.ops(opts, &msg));
        rows.extend(row_of(name.into(), "x", &results, Goal::Scaling));
    }
    let name = "scaling_2_threads_handshake";
    if opts.wants(name) {
        let results = scaling_compare(opts, &mut handshake_ops(opts, &st, false), &mut handshake_ops(opts, &st, false));
        rows.extend(row_of(name.into(), "x", &results, Goal::Scaling));
    }
}

fn main() {
    let opts = Opts::parse();
    let started = Instant::now();
    let info = report::Machine::probe(&opts);
    info.print();
    let pki = Pki::new();
    let mut rows = Vec::new();
    handshakes(&opts, &pki, &mut rows);
    bulk(&opts, &pki, &mut rows);
    memory(&opts, &pki, &mut rows);
    scaling(&opts, &pki, &mut rows);
    let ntlm_rows = ntlm::rows(&opts);
    let mut krb_rows = kerberos::rows(&opts);
    krb_rows.extend(negotiate::ntlm_row(&opts));
    report::print_table(&rows);
    ntlm::print(&ntlm_rows);
    kerberos::print(&krb_rows);
    println!("load average at the end: {}; {:.1} s", report::loadavg(), started.elapsed().as_secs_f64());
    if let Some(path) = &opts.json {
        std::fs::write(path, report::json(&rows)).expect("write the JSON file");
        println!("wrote {}", path.display());
    }
}
