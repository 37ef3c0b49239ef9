//! The prototype proof: every export's function type in our headers against
//! the one mingw-w64's Windows headers declare.
//!
//! `tests/prototypes/describe.cpp` renders `decltype(F)` of each function
//! into a descriptor string at compile time (return type and parameters:
//! integer widths and signedness, struct/union tags and sizes, pointers with
//! their const at every level, function-pointer types recursively) and keeps
//! it in the object file. It is compiled twice — by `x86_64-w64-mingw32-g++`
//! against mingw-w64's headers, by the host `c++` against `include/` — and
//! the descriptors are compared here. The one rule added: Windows' 16-bit
//! `wchar_t` and our `char16_t` are the same type (WCHAR is UTF-16 on both).
//!
//! The list of functions is every `#[no_mangle]` function of `src/entry/`,
//! so a new export is checked the day it is added; the only exceptions are
//! in [`NOT_IN_MINGW`]. A missing compiler is a failure, never a skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const MINGW_CXX: &str = "x86_64-w64-mingw32-g++";

/// Exports mingw-w64 does not declare, with the reason.
const NOT_IN_MINGW: &[(&str, &str)] = &[
    ("SspiRustlsPemImportCertStore", "sspi-rustls extension"),
    ("SealMessage", "Windows' and Wine's secur32 export EncryptMessage under this name; no header declares it"),
    ("UnsealMessage", "Windows' and Wine's secur32 export DecryptMessage under this name; no header declares it"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every exported function of the entry layer (`#[no_mangle]`, or exported on ELF only).
fn exports() -> Vec<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(root().join("src/entry")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut pending = false;
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with("#[no_mangle]")
                || line.starts_with("#[cfg_attr(not(windows), no_mangle)]")
                || line.starts_with("#[export_name")
            {
                pending = true;
            } else if pending {
                if let Some(at) = line.find("fn ") {
                    let name: String =
                        line[at + 3..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    names.push(name);
                    pending = false;
                }
            }
        }
    }
    names.sort();
    names
}

/// Compiles describe.cpp with `cxx` and returns name → descriptor fields.
fn describe(cxx: &str, include: Option<&Path>, names: &[String], tag: &str) -> BTreeMap<String, Vec<String>> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("prototypes").join(tag);
    std::fs::create_dir_all(&dir).unwrap();
    let inc: String = names.iter().map(|n| format!("SSPIRS_PROTO({n})\n")).collect();
    std::fs::write(dir.join("exports.inc"), inc).unwrap();
    let obj = dir.join("describe.o");
    let mut cmd = Command::new(cxx);
    cmd.arg("-std=c++17").arg("-c").arg("-I").arg(&dir);
    if let Some(i) = include {
        cmd.arg("-I").arg(i);
    }
    cmd.arg(root().join("tests/prototypes/describe.cpp")).arg("-o").arg(&obj).env("LC_ALL", "C");
    let out = cmd.output().unwrap_or_else(|e| {
        panic!(
            "cannot run `{cxx}` ({e}). The prototype proof needs it and is never skipped: install it \
             (Debian: apt-get install g++-mingw-w64-x86-64 mingw-w64-common g++), or run .ci/run"
        )
    });
    assert!(out.status.success(), "{cxx} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&obj).unwrap();
    let marker = b"\x01SSPIRS-PROTO\t";
    let mut found = BTreeMap::new();
    let mut at = 0;
    while let Some(p) = bytes[at..].windows(marker.len()).position(|w| w == marker) {
        let start = at + p + marker.len();
        let end = start + bytes[start..].iter().position(|&b| b == b'\n').expect("descriptor ends with a newline");
        let text = String::from_utf8(bytes[start..end].to_vec()).unwrap();
        let mut fields: Vec<String> = text.split('\t').map(str::to_owned).collect();
        let name = fields.remove(0);
        found.insert(name, fields);
        at = end;
    }
    found
}

fn checked_names() -> Vec<String> {
    exports().into_iter().filter(|n| !NOT_IN_MINGW.iter().any(|(x, _)| x == n)).collect()
}

/// The differences between the two sets of descriptors, one line each.
fn compare(windows: &BTreeMap<String, Vec<String>>, ours: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let mut diffs = Vec::new();
    for name in checked_names() {
        let (Some(w), Some(o)) = (windows.get(&name), ours.get(&name)) else {
            diffs.push(format!(
                "{name}: not described (windows: {}, ours: {})",
                windows.contains_key(&name),
                ours.contains_key(&name)
            ));
            continue;
        };
        let w: Vec<String> = w.iter().map(|f| f.replace("wchar_t16", "char16_t")).collect();
        if w.len() != o.len() {
            diffs.push(format!("{name}: {} parameters in mingw-w64, {} in ours", w.len() - 1, o.len() - 1));
            continue;
        }
        for (i, (a, b)) in w.iter().zip(o).enumerate() {
            if a != b {
                let what = if i == 0 { "return type".to_string() } else { format!("parameter {i}") };
                diffs.push(format!("{name}: {what}: mingw-w64 `{a}`, ours `{b}`"));
            }
        }
    }
    diffs
}

#[test]
fn every_export_has_mingw_w64s_prototype() {
    let names = checked_names();
    assert!(names.len() >= 60, "exports found in src/entry: {}", names.len());
    for (n, why) in NOT_IN_MINGW {
        assert!(exports().iter().any(|e| e == n), "{n} is listed as an exception ({why}) but is not exported");
    }
    let windows = describe(MINGW_CXX, None, &names, "mingw");
    let ours = describe("c++", Some(&root().join("include")), &names, "ours");
    let diffs = compare(&windows, &ours);
    assert!(diffs.is_empty(), "prototypes that differ from mingw-w64's:\n{}", diffs.join("\n"));
    eprintln!("{} prototypes match mingw-w64's", names.len());
}

/// The comparison can fail: a const added to one parameter is reported.
#[test]
fn a_wrong_prototype_is_caught() {
    let names = checked_names();
    let windows = describe(MINGW_CXX, None, &names, "mingw-wrong");
    // "Ours" = mingw-w64's own descriptors with WCHAR spelt as ours, then one change.
    let mut ours: BTreeMap<String, Vec<String>> = windows
        .iter()
        .map(|(k, v)| (k.clone(), v.iter().map(|f| f.replace("wchar_t16", "char16_t")).collect()))
        .collect();
    assert!(compare(&windows, &ours).is_empty());
    let f = ours.get_mut("PFXImportCertStore").expect("PFXImportCertStore described");
    f[1] = f[1].replacen("ptr(", "ptr(const ", 1);
    let diffs = compare(&windows, &ours);
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    assert!(diffs[0].starts_with("PFXImportCertStore: parameter 1"), "{diffs:?}");
}
