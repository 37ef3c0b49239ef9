//! Test fixtures for the certificate tests: keys, certificates, PFX and PEM
//! files made with the openssl command line at test time, once per test binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub struct Fixture {
    pub dir: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("run openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// Makes a key of `kind` ("rsa2048", "rsa4096", "p256", "p384", "ed25519") at `name`.
fn genkey(dir: &Path, kind: &str, name: &str) {
    let args: Vec<&str> = match kind {
        "rsa2048" => vec!["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        "rsa4096" => vec!["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"],
        "p256" => vec!["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "p384" => vec!["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
        "ed25519" => vec!["genpkey", "-algorithm", "ED25519"],
        _ => panic!("{kind}"),
    };
    let mut a = args;
    a.extend(["-out", name]);
    openssl(dir, &a);
}

impl Fixture {
    pub fn get() -> &'static Fixture {
        static F: OnceLock<Fixture> = OnceLock::new();
        F.get_or_init(Fixture::build)
    }

    fn build() -> Fixture {
        let dir = std::env::temp_dir().join(format!("sspi-rustls-certs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.as_path();
        write(
            d,
            "ca.ext",
            "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n",
        );
        write(
            d,
            "leaf.ext",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:leaf.example,DNS:alt.example,email:leaf@example.org\n",
        );
        genkey(d, "p256", "root.key");
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                "root.key",
                "-subj",
                "/C=US/O=Test Org/CN=Test Root",
                "-days",
                "3650",
                "-out",
                "root.pem",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
            ],
        );
        genkey(d, "rsa2048", "inter.key");
        openssl(
            d,
            &[
                "req",
                "-new",
                "-key",
                "inter.key",
                "-subj",
                "/C=US/O=Test Org/CN=Test Intermediate",
                "-out",
                "inter.csr",
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "inter.csr",
                "-CA",
                "root.pem",
                "-CAkey",
                "root.key",
                "-CAcreateserial",
                "-days",
                "1000",
                "-extfile",
                "ca.ext",
                "-out",
                "inter.pem",
            ],
        );
        // Leaves of every key type, issued by the intermediate.
        for kind in ["rsa2048", "rsa4096", "p256", "p384", "ed25519"] {
            let key = format!("{kind}.key");
            genkey(d, kind, &key);
            let csr = format!("{kind}.csr");
            openssl(
                d,
                &[
                    "req",
                    "-new",
                    "-key",
                    &key,
                    "-subj",
                    &format!("/CN=leaf-{kind}/O=Leaf Org/OU=Unit, Inc."),
                    "-out",
                    &csr,
                ],
            );
            openssl(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    "inter.pem",
                    "-CAkey",
                    "inter.key",
                    "-CAcreateserial",
                    "-days",
                    "365",
                    "-extfile",
                    "leaf.ext",
                    "-out",
                    &format!("{kind}.pem"),
                ],
            );
        }
        std::fs::write(
            d.join("chain.pem"),
            [std::fs::read(d.join("inter.pem")).unwrap(), std::fs::read(d.join("root.pem")).unwrap()].concat(),
        )
        .unwrap();
        // PFX files: OpenSSL 3 defaults (PBES2/AES-256, SHA-256 MAC), -legacy (3DES/RC2, SHA-1 MAC).
        let pfx = |name: &str, kind: &str, pass: &str, extra: &[&str]| {
            let key = format!("{kind}.key");
            let cert = format!("{kind}.pem");
            let pass = format!("pass:{pass}");
            let mut a = vec![
                "pkcs12",
                "-export",
                "-inkey",
                &key,
                "-in",
                &cert,
                "-certfile",
                "chain.pem",
                "-name",
                "friendly leaf",
                "-passout",
                &pass,
                "-out",
                name,
            ];
            a.extend(extra);
            openssl(d, &a);
        };
        pfx("rsa2048.pfx", "rsa2048", "secret", &[]);
        pfx("rsa2048-legacy.pfx", "rsa2048", "secret", &["-legacy"]);
        pfx("rsa2048-empty.pfx", "rsa2048", "", &[]);
        pfx("rsa2048-empty-legacy.pfx", "rsa2048", "", &["-legacy"]);
        pfx("rsa2048-nomac.pfx", "rsa2048", "secret", &["-nomac"]);
        pfx("rsa2048-nokeys.pfx", "rsa2048", "secret", &["-nokeys"]);
        // Shaped like Windows' own exports (certmgr / Export-PfxCertificate): the
        // "TripleDES-SHA1" choice (3DES for both bags, SHA-1 MAC, 2000 rounds) and the
        // "AES256-SHA256" one, each with the key bag's Microsoft CSP name and
        // local-machine-keyset attributes (OIDs 1.3.6.1.4.1.311.17.1 and .17.2).
        const CSP: &str = "Microsoft Enhanced RSA and AES Cryptographic Provider";
        let windows_3des = ["-legacy", "-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES"];
        let windows_3des_mac = ["-macalg", "sha1", "-iter", "2000", "-CSP", CSP, "-LMK"];
        pfx("rsa2048-windows-3des.pfx", "rsa2048", "secret", &[&windows_3des[..], &windows_3des_mac[..]].concat());
        let windows_aes =
            ["-certpbe", "AES-256-CBC", "-keypbe", "AES-256-CBC", "-macalg", "sha256", "-CSP", CSP, "-LMK"];
        pfx("rsa2048-windows-aes.pfx", "rsa2048", "secret", &windows_aes);
        for kind in ["rsa4096", "p256", "p384", "ed25519"] {
            pfx(&format!("{kind}.pfx"), kind, "secret", &[]);
        }
        // PEM keys in the three formats rustls takes, and an encrypted PKCS#8.
        openssl(d, &["pkey", "-in", "rsa2048.key", "-traditional", "-out", "rsa2048-pkcs1.key"]);
        openssl(d, &["pkey", "-in", "p256.key", "-traditional", "-out", "p256-sec1.key"]);
        openssl(d, &["pkcs8", "-topk8", "-in", "p384.key", "-passout", "pass:pem-secret", "-out", "p384-enc.key"]);
        openssl(d, &["x509", "-in", "rsa2048.pem", "-outform", "DER", "-out", "rsa2048.der"]);
        Fixture { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }

    /// Runs `openssl x509 <args>` on a PEM certificate and returns stdout.
    pub fn x509(&self, cert: &str, args: &[&str]) -> String {
        let out = Command::new("openssl")
            .arg("x509")
            .args(["-in", cert, "-noout"])
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    }
}

/// UTF-16, NUL-terminated.
pub fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}
