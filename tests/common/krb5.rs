//! A throwaway MIT Kerberos realm for tests: `kdb5_util create`, principals
//! and keytabs with `kadmin.local`, `krb5kdc` on a free loopback port, all
//! in a temp dir named by `KRB5_CONFIG` / `KRB5_KDC_PROFILE` (never /etc).
//! Dropping the realm stops the KDC and removes the directory.

#![allow(dead_code)]

use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const REALM: &str = "EXAMPLE.TEST";
pub const USER: &str = "user1";
pub const PASSWORD: &str = "userpw";

pub struct Realm {
    pub dir: PathBuf,
    pub port: u16,
    pub krb5_conf: PathBuf,
    pub kdc_conf: PathBuf,
    pid: Option<u32>,
}

/// A port free for both UDP and TCP on 127.0.0.1.
fn free_port() -> u16 {
    loop {
        let t = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = t.local_addr().unwrap().port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn run(realm: &Realm, prog: &str, args: &[&str], stdin: Option<&str>) -> String {
    let mut c = Command::new(prog);
    c.args(args)
        .env("KRB5_CONFIG", &realm.krb5_conf)
        .env("KRB5_KDC_PROFILE", &realm.kdc_conf)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap_or_else(|e| panic!("{prog}: {e} (install krb5-kdc krb5-admin-server krb5-user)"));
    if let Some(s) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{prog} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Realm {
    /// A realm with `user1` (password `userpw`) and `HTTP/localhost`, whose
    /// key is in `http.keytab`. `extra_libdefaults` goes into krb5.conf.
    pub fn start(extra_libdefaults: &str) -> Realm {
        let dir = std::env::temp_dir().join(format!(
            "sspi-krb5-{}-{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let krb5_conf = dir.join("krb5.conf");
        let kdc_conf = dir.join("kdc.conf");
        std::fs::write(
            &krb5_conf,
            format!(
                "[libdefaults]\n default_realm = {REALM}\n dns_canonicalize_hostname = false\n rdns = false\n \
                 dns_lookup_kdc = false\n dns_lookup_realm = false\n{extra_libdefaults}\n\
                 [realms]\n {REALM} = {{\n  kdc = 127.0.0.1:{port}\n }}\n\
                 [domain_realm]\n localhost = {REALM}\n"
            ),
        )
        .unwrap();
        let d = dir.display();
        std::fs::write(
            &kdc_conf,
            format!(
                "[kdcdefaults]\n kdc_listen = {port}\n kdc_tcp_listen = {port}\n\
                 [realms]\n {REALM} = {{\n  database_name = {d}/principal\n  key_stash_file = {d}/stash\n  \
                 acl_file = {d}/kadm5.acl\n  \
                 supported_enctypes = aes256-cts-hmac-sha384-192:normal aes128-cts-hmac-sha256-128:normal \
                 aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal\n }}\n\
                 [logging]\n kdc = FILE:{d}/kdc.log\n"
            ),
        )
        .unwrap();
        let mut realm = Realm { dir, port, krb5_conf, kdc_conf, pid: None };
        run(&realm, "kdb5_util", &["create", "-s", "-r", REALM, "-P", "masterpw"], None);
        realm.kadmin(&format!("addprinc -pw {PASSWORD} {USER}"));
        realm.kadmin("addprinc -randkey HTTP/localhost");
        let kt = realm.path("http.keytab");
        realm.kadmin(&format!("ktadd -k {} HTTP/localhost", kt.display()));
        let pidfile = realm.path("kdc.pid");
        run(&realm, "krb5kdc", &["-P", pidfile.to_str().unwrap(), "-r", REALM], None);
        // krb5kdc creates the pid file, then writes it: wait for a whole number.
        let deadline = Instant::now() + Duration::from_secs(20);
        let pid: u32 = loop {
            if let Some(pid) = std::fs::read_to_string(&pidfile).ok().and_then(|s| s.trim().parse().ok()) {
                break pid;
            }
            assert!(Instant::now() < deadline, "krb5kdc wrote no pid file");
            std::thread::sleep(Duration::from_millis(20));
        };
        realm.pid = Some(pid);
        // Wait until it answers on TCP.
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "krb5kdc did not start listening");
            std::thread::sleep(Duration::from_millis(20));
        }
        realm
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn kadmin(&self, query: &str) -> String {
        run(self, "kadmin.local", &["-r", REALM, "-q", query], None)
    }

    /// `kinit` into a FILE ccache in the realm's directory; returns its path.
    pub fn kinit(&self, name: &str) -> PathBuf {
        let cc = self.path(name);
        let mut c = Command::new("kinit");
        c.arg(USER)
            .env("KRB5_CONFIG", &self.krb5_conf)
            .env("KRB5CCNAME", format!("FILE:{}", cc.display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("kinit");
        {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "kinit: {}", String::from_utf8_lossy(&out.stderr));
        cc
    }

    /// Stops the KDC (the realm's files stay until drop).
    pub fn stop_kdc(&mut self) {
        if let Some(pid) = self.pid.take() {
            // SAFETY: signalling a process we started.
            unsafe { libc::kill(pid as i32, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(5);
            // SAFETY: probing the process with signal 0.
            while unsafe { libc::kill(pid as i32, 0) } == 0 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("kdc.log")).unwrap_or_default()
    }
}

impl Drop for Realm {
    fn drop(&mut self) {
        self.stop_kdc();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The realm's krb5.conf as the package reads it.
pub fn config_of(realm: &Realm) -> secur32::packages::kerberos::config::Config {
    let mut p = secur32::packages::kerberos::config::Profile::default();
    p.add_text(&std::fs::read_to_string(&realm.krb5_conf).unwrap(), 0);
    secur32::packages::kerberos::config::Config::from_profile(p)
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}

/// MIT's GSS-API through Debian's python3-gssapi (ffi-tests/interop/krb5_gssapi_peer.py).
pub struct GssPeer {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
}

pub fn b64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if data.is_empty() {
        return "-".into();
    }
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn unb64(s: &str) -> Vec<u8> {
    if s == "-" {
        Vec::new()
    } else {
        secur32::certs::pem::base64_decode(s).unwrap().to_vec()
    }
}

impl GssPeer {
    /// `args` after the script name; `env` adds KRB5CCNAME / KRB5_KTNAME.
    pub fn start(realm: &Realm, args: &[&str], env: &[(&str, String)]) -> GssPeer {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("ffi-tests/interop/krb5_gssapi_peer.py");
        let mut c = Command::new("/usr/bin/python3");
        c.arg(script).args(args).env("KRB5_CONFIG", &realm.krb5_conf).stdin(Stdio::piped()).stdout(Stdio::piped());
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c.spawn().expect("/usr/bin/python3 with python3-gssapi");
        let stdin = child.stdin.take().unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        GssPeer { child, stdin, stdout }
    }

    /// One request line, one answer line (split into words).
    pub fn ask(&mut self, line: &str) -> Vec<String> {
        use std::io::{BufRead, Write};
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).unwrap();
        answer.split_whitespace().map(str::to_string).collect()
    }
}

impl Drop for GssPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
