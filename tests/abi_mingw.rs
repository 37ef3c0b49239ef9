//! The layout proof: every registered struct (`src/abi/layout.rs`) and every
//! constant of `include/secur32.h` is compared with mingw-w64's Windows
//! headers by the compiler itself.
//!
//! The test generates a C file of `_Static_assert`s — size, alignment and,
//! for every field, offset, width and alignment, with the values Rust
//! computed; and for every integer constant that both our header and mingw's
//! headers define, `(uint32_t)ours == (uint32_t)theirs`, where "ours" is our
//! header's macro renamed with a prefix (`gcc -E -dM`) — and compiles it with
//! `x86_64-w64-mingw32-gcc -fsyntax-only` after `windows.h`, `sspi.h`,
//! `schannel.h` and `wincrypt.h`. The same struct assertions are compiled
//! against our own header with the host compiler, so the C declarations
//! cbindgen wrote are proven too.
//!
//! A missing mingw compiler is a failure, not a skip: without it nothing is
//! proven. Constants we define that mingw-w64 lacks must be listed in
//! [`NOT_IN_MINGW`], so a misspelt name cannot silently escape comparison.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use secur32::abi::layout::{self, Origin, StructLayout};

const MINGW_CC: &str = "x86_64-w64-mingw32-gcc";

/// Constants of our header that mingw-w64 does not define (Windows SDK only,
/// or our own). Each is marked "Not in mingw-w64" in `src/abi/consts.rs`.
const NOT_IN_MINGW: &[&str] = &[
    "SECBUFFER_CERTIFICATE_REQUEST_CONTEXT",
    "SECBUFFER_CHANNEL_BINDINGS_RESULT",
    "SECPKG_ATTR_CERT_CHECK_RESULT",
    "SECPKG_ATTR_CERT_CHECK_RESULT_INPROC",
    "SECPKG_ATTR_SESSION_TICKET_KEYS",
    "SECPKG_ATTR_SERIALIZED_REMOTE_CERT_CONTEXT_INPROC",
    "SECPKG_ATTR_SERIALIZED_REMOTE_CERT_CONTEXT",
    "SESSION_TICKET_INFO_V0",
    "SESSION_TICKET_INFO_VERSION",
    "SCH_CRED_DEFERRED_CRED_VALIDATION",
    "SECPKG_ATTR_CREDS",
    "SECPKG_ATTR_NEGOTIATION_PACKAGE",
    "SECPKG_ATTR_SERVER_AUTH_FLAGS",
    "SECPKG_ATTR_CREDS_2",
    "CREDSSP_SERVER_AUTH_NEGOTIATE",
    "CREDSSP_SERVER_AUTH_CERTIFICATE",
    "CREDSSP_SERVER_AUTH_LOOPBACK",
];

/// Type names that may appear in a constant's value (casts).
const CAST_TYPES: &[&str] = &["int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t"];

/// Prefix our header's macros get when both sets are in one translation unit.
const PREFIX: &str = "SSPIRS_OURS_";

/// User-mode SSPI (`SECURITY_WIN32`), `SCH_CREDENTIALS` (`SCHANNEL_USE_BLACKLISTS`)
/// and the newest Windows 10 declarations mingw-w64 has.
const MINGW_PRELUDE: &str = "\
#define _WIN32_WINNT 0x0A00
#define NTDDI_VERSION 0x0A00000B
#define SECURITY_WIN32
#define SCHANNEL_USE_BLACKLISTS
#include <windows.h>
#include <sspi.h>
#include <schannel.h>
#include <wincrypt.h>
#include <credssp.h>
#include <wininet.h>
#include <ntsecapi.h>
#include <stddef.h>
#include <stdint.h>
";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn work_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("abi_mingw");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn host_cc() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".to_string())
}

/// Runs `cc args...` with `input` on stdin; returns (success, stdout, stderr).
/// A compiler that cannot be started fails the test with instructions.
fn run(cc: &str, args: &[&str], input: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = Command::new(cc)
        .args(args)
        // Plain ASCII quotes in diagnostics, which the probe parses.
        .env("LC_ALL", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{cc}` ({e}). The ABI proof needs it and is never skipped: install it \
                 (Debian: apt-get install gcc-mingw-w64-x86-64 mingw-w64-common gcc), or run .ci/run"
            )
        });
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// Object-like macros of a preprocessed translation unit: name -> value.
fn macros(cc: &str, args: &[&str], source: &str) -> BTreeMap<String, String> {
    let mut all_args = vec!["-E", "-dM"];
    all_args.extend_from_slice(args);
    all_args.extend_from_slice(&["-x", "c", "-"]);
    let (ok, out, err) = run(cc, &all_args, source);
    assert!(ok, "`{cc} -E -dM` failed:\n{err}");
    out.lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .filter_map(|l| {
            let (name, value) = l.split_once(' ').unwrap_or((l, ""));
            (!name.contains('(')).then(|| (name.to_string(), value.trim().to_string()))
        })
        .collect()
}

#[derive(Debug, PartialEq)]
enum Token {
    Ident(String),
    Other(String),
}

fn tokens(value: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let chars: Vec<char> = value.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Token::Ident(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            out.push(Token::Other(chars[start..i].iter().collect()));
        } else {
            out.push(Token::Other(c.to_string()));
            i += 1;
        }
    }
    out
}

/// Our header's integer constants: name -> value, with references to other
/// constants of ours renamed with [`PREFIX`].
fn our_constants() -> BTreeMap<String, String> {
    let cc = host_cc();
    let header = root().join("include/secur32.h");
    let baseline = macros(&cc, &[], "#include <stdint.h>\n#include <stddef.h>\n");
    let ours: BTreeMap<String, String> = macros(&cc, &[], &format!("#include \"{}\"\n", header.display()))
        .into_iter()
        .filter(|(name, _)| !baseline.contains_key(name))
        .collect();
    // An integer constant: numbers, operators, casts to fixed-width types and
    // other integer constants of ours; nothing else (no strings, no keywords).
    fn is_int(name: &str, ours: &BTreeMap<String, String>, depth: usize) -> bool {
        let Some(value) = ours.get(name) else { return false };
        if value.is_empty() || value.contains('"') || value.contains('\'') || depth > 16 {
            return false;
        }
        tokens(value).iter().all(|t| match t {
            Token::Ident(id) => CAST_TYPES.contains(&id.as_str()) || is_int(id, ours, depth + 1),
            Token::Other(_) => true,
        })
    }
    let ints: BTreeSet<&String> = ours.keys().filter(|n| is_int(n, &ours, 0)).collect();
    ints.iter()
        .map(|name| {
            let renamed: String = tokens(&ours[*name])
                .into_iter()
                .map(|t| match t {
                    Token::Ident(id) if ints.contains(&id) => format!("{PREFIX}{id}"),
                    Token::Ident(id) | Token::Other(id) => id,
                })
                .collect();
            ((*name).clone(), renamed)
        })
        .collect()
}

/// `_Static_assert`s for one struct under the C name `c_name`.
fn struct_asserts(s: &StructLayout, c_name: &str, out: &mut String) -> usize {
    let _ = writeln!(out, "/* {} */", s.name);
    let _ =
        writeln!(out, "_Static_assert(sizeof({c_name}) == {0}, \"sizeof({c_name}): sspi-rustls has {0}\");", s.size);
    let _ = writeln!(
        out,
        "_Static_assert(__alignof__({c_name}) == {0}, \"alignment of {c_name}: sspi-rustls has {0}\");",
        s.align
    );
    for f in &s.fields {
        let (name, member) = (f.name, format!("((({c_name} *)0)->{})", f.name));
        let _ = writeln!(
            out,
            "_Static_assert(offsetof({c_name}, {name}) == {0}, \"offset of {c_name}.{name}: sspi-rustls has {0}\");",
            f.offset
        );
        let _ = writeln!(
            out,
            "_Static_assert(sizeof{member} == {0}, \"width of {c_name}.{name}: sspi-rustls has {0}\");",
            f.size
        );
        let _ = writeln!(
            out,
            "_Static_assert(__alignof__{member} == {0}, \"alignment of {c_name}.{name}: sspi-rustls has {0}\");",
            f.align
        );
    }
    s.fields.len()
}

/// Compiles `source` with `cc -fsyntax-only`; on failure returns every
/// diagnostic, failed assertions first.
fn compile(cc: &str, args: &[&str], source: &str, keep_as: &Path) -> Result<(), String> {
    std::fs::write(keep_as, source).unwrap();
    let mut all_args = vec!["-fsyntax-only", "-std=gnu11", "-Werror"];
    all_args.extend_from_slice(args);
    let path = keep_as.to_str().unwrap();
    all_args.push(path);
    let (ok, _, err) = run(cc, &all_args, "");
    if ok {
        return Ok(());
    }
    let (failed, other): (Vec<&str>, Vec<&str>) =
        err.lines().filter(|l| l.contains("error")).partition(|l| l.contains("static assertion failed"));
    let mut msg =
        format!("{} compile errors in {path} ({} failed assertions):\n", failed.len() + other.len(), failed.len());
    for l in failed.iter().chain(other.iter()).take(200) {
        msg.push_str("  ");
        msg.push_str(l);
        msg.push('\n');
    }
    Err(msg)
}

/// Our constants that mingw-w64 also defines, as macros or as enumerators.
fn shared_constants(ours: &BTreeMap<String, String>) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mingw_macros = macros(MINGW_CC, &[], MINGW_PRELUDE);
    let (as_macro, rest): (Vec<String>, Vec<String>) = ours.keys().cloned().partition(|n| mingw_macros.contains_key(n));
    // The rest may be enumerators (mingw declares some SSPI enums as C
    // enums): probe them; an undeclared name is not defined by mingw.
    let mut probe = String::from(MINGW_PRELUDE);
    for (i, name) in rest.iter().enumerate() {
        let _ = writeln!(probe, "enum {{ sspirs_probe_{i} = (int)({name}) }};");
    }
    let (_, _, err) = run(MINGW_CC, &["-fsyntax-only", "-std=gnu11", "-x", "c", "-"], &probe);
    let (as_enum, missing): (Vec<String>, Vec<String>) =
        rest.into_iter().partition(|n| !err.contains(&format!("'{n}' undeclared")));
    (as_macro, as_enum, missing)
}

/// Runs the whole proof; `tag` names the generated files (kept for inspection).
fn check(registry: &[StructLayout], tag: &str) -> Result<String, String> {
    // The toolchain first: never skip.
    let (ok, _, err) = run(MINGW_CC, &["--version"], "");
    assert!(ok, "`{MINGW_CC} --version` failed: {err}");

    let ours = our_constants();
    let (as_macro, as_enum, missing) = shared_constants(&ours);
    let unexpected: Vec<&String> = missing.iter().filter(|n| !NOT_IN_MINGW.contains(&n.as_str())).collect();
    let stale: Vec<&&str> = NOT_IN_MINGW.iter().filter(|n| !missing.iter().any(|m| m == **n)).collect();
    if !unexpected.is_empty() || !stale.is_empty() {
        return Err(format!(
            "constants of include/secur32.h that mingw-w64 does not define: {unexpected:?} \
             (a typo, or a Windows-SDK-only value: then mark it \"Not in mingw-w64\" in src/abi/consts.rs \
             and list it in NOT_IN_MINGW); listed in NOT_IN_MINGW but now defined by mingw-w64 or gone: {stale:?}"
        ));
    }

    // 1. Against mingw-w64.
    let mut c = String::from(MINGW_PRELUDE);
    c.push_str("\n/* Our header's integer constants, renamed. */\n");
    for (name, value) in &ours {
        let _ = writeln!(c, "#define {PREFIX}{name} {value}");
    }
    c.push_str("\n/* Constants both define. */\n");
    for name in as_macro.iter().chain(&as_enum) {
        let _ = writeln!(
            c,
            "_Static_assert((uint32_t)({PREFIX}{name}) == (uint32_t)({name}), \
             \"constant {name}: sspi-rustls has {}, mingw-w64 differs\");",
            ours[name].replace('"', "'")
        );
        if ours[name].contains("ull") {
            // A 64-bit flag (ISC_REQ_MESSAGES...): the high half matters too.
            let _ = writeln!(
                c,
                "_Static_assert((uint64_t)({PREFIX}{name}) == (uint64_t)({name}), \
                 \"constant {name}: sspi-rustls has {}, mingw-w64 differs\");",
                ours[name]
            );
        }
    }
    c.push_str("\n/* Struct layouts. */\n");
    let (mut structs, mut fields, mut sdk_only) = (0, 0, Vec::new());
    for s in registry {
        match s.origin {
            Origin::Mingw(c_name) => {
                fields += struct_asserts(s, c_name, &mut c);
                structs += 1;
            }
            Origin::SdkOnly => sdk_only.push(s.name),
        }
    }
    compile(MINGW_CC, &[], &c, &work_dir().join(format!("{tag}_vs_mingw.c")))
        .map_err(|e| format!("against mingw-w64: {e}"))?;

    // 2. Against our own header (every struct, with our names).
    let mut c = format!("#include \"{}\"\n", root().join("include/wincrypt.h").display());
    c.push_str("#include <stddef.h>\n");
    let mut own_fields = 0;
    for s in registry {
        own_fields += struct_asserts(s, s.name, &mut c);
    }
    compile(&host_cc(), &["-Wall", "-Wextra"], &c, &work_dir().join(format!("{tag}_vs_own_header.c")))
        .map_err(|e| format!("against include/secur32.h: {e}"))?;

    Ok(format!(
        "abi_mingw: against mingw-w64: {structs} structs, {fields} fields (offset, width, alignment each), \
         {} constants ({} macros, {} enumerators); against include/secur32.h: {} structs, {own_fields} fields; \
         SDK-only structs (checked against our header only): {sdk_only:?}; constants not in mingw-w64: {}",
        as_macro.len() + as_enum.len(),
        as_macro.len(),
        as_enum.len(),
        registry.len(),
        missing.len(),
    ))
}

#[test]
fn layouts_and_constants_match_mingw_w64() {
    match check(&layout::all(), "registry") {
        Ok(report) => println!("{report}"),
        Err(e) => panic!("ABI mismatch\n{e}"),
    }
}

/// The proof can fail: a registry with one wrong offset and one wrong size is
/// rejected, and the message names them.
#[test]
fn a_wrong_layout_is_caught() {
    let mut registry = layout::all();
    let buf = registry.iter_mut().find(|s| s.name == "SecBuffer").unwrap();
    buf.fields.iter_mut().find(|f| f.name == "pvBuffer").unwrap().offset = 12;
    let cred = registry.iter_mut().find(|s| s.name == "SCHANNEL_CRED").unwrap();
    cred.size = 72;
    let err = check(&registry, "broken").expect_err("a wrong offset must fail the proof");
    assert!(err.contains("offset of SecBuffer.pvBuffer: sspi-rustls has 12"), "{err}");
    assert!(err.contains("sizeof(SCHANNEL_CRED): sspi-rustls has 72"), "{err}");
}

/// Every `#[repr(C)] pub struct` of `src/abi` is in the registry, so none
/// escapes the proof. (Registered under a typedef name: CRYPTOAPI_BLOB is
/// CRYPT_DATA_BLOB in Windows' headers.)
#[test]
fn every_abi_struct_is_registered() {
    let registered: Vec<&str> = layout::all().iter().map(|s| s.name).collect();
    let aliases = [("CRYPTOAPI_BLOB", "CRYPT_DATA_BLOB")];
    let mut missing = Vec::new();
    let mut found = 0;
    for entry in std::fs::read_dir(root().join("src/abi")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut repr_c = false;
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with("#[repr(C") {
                repr_c = true;
            } else if let Some(rest) = line.strip_prefix("pub struct ") {
                let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if repr_c {
                    found += 1;
                    let as_registered = aliases.iter().find(|(s, _)| *s == name).map_or(name.as_str(), |(_, a)| a);
                    if !registered.contains(&as_registered) {
                        missing.push(format!("{name} ({})", path.display()));
                    }
                }
                repr_c = false;
            } else if !line.starts_with("#[") && !line.starts_with("///") {
                repr_c = false;
            }
        }
    }
    assert!(found >= 100, "only {found} #[repr(C)] structs found: is the scan broken?");
    assert!(missing.is_empty(), "#[repr(C)] structs missing from src/abi/layout.rs: {missing:?}");
}
