//! Build script: generates `secur32.h` with cbindgen and sets the SONAME.
//!
//! cbindgen only emits functions declared `extern "C"`, while every export
//! here is `extern "system"` (the same calling convention on Linux, and the
//! one Windows code expects). So the sources are mirrored into `OUT_DIR`
//! with that one spelling changed (and the exports that are kernel32's or
//! crypt32's on Windows marked plainly `#[no_mangle]`), and cbindgen reads the mirror. Every
//! `pub struct` / `pub type` of `src/abi` is exported (cbindgen otherwise
//! only emits what the functions reach). The result is tidied (Windows-style
//! `_Name` struct tags, hexadecimal constants) and written to
//! `$OUT_DIR/secur32.h`; `tests/header_fresh.rs` compares it with the
//! checked-in `include/secur32.h`, and `SSPI_RUSTLS_UPDATE_HEADER=1 cargo build`
//! refreshes the checked-in copy.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn mirror(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            mirror(&path, &dest)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = fs::read_to_string(&path)?;
            // The header describes the ELF library, where the exports that are kernel32's or
            // crypt32's on Windows (`#[cfg_attr(not(windows), no_mangle)]`) are exported too.
            let text = text
                .replace("extern \"system\"", "extern \"C\"")
                .replace("#[cfg_attr(not(windows), no_mangle)]", "#[no_mangle]");
            fs::write(&dest, text)?;
        }
    }
    Ok(())
}

/// Names of the `pub struct` / `pub type` items of the ABI modules.
fn abi_type_names(abi: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    let mut files: Vec<_> = fs::read_dir(abi)?.collect::<Result<_, _>>()?;
    files.sort_by_key(|e| e.file_name());
    for entry in files {
        let path = entry.path();
        // The layout registry is Rust-only.
        let is_abi_source = path.extension().is_some_and(|e| e == "rs") && !path.ends_with("layout.rs");
        if !is_abi_source {
            continue;
        }
        for line in fs::read_to_string(&path)?.lines() {
            let rest = line.strip_prefix("pub struct ").or_else(|| line.strip_prefix("pub type "));
            if let Some(rest) = rest {
                let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    names.push(name);
                }
            }
        }
    }
    Ok(names)
}

/// Whether `c` can be part of a C identifier.
fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Replaces whole-word `from` with `to`.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(from) {
        let before_ok = !rest[..i].chars().next_back().is_some_and(ident_char);
        let after_ok = !rest[i + from.len()..].chars().next().is_some_and(ident_char);
        out.push_str(&rest[..i]);
        out.push_str(if before_ok && after_ok { to } else { from });
        rest = &rest[i + from.len()..];
    }
    out.push_str(rest);
    out
}

/// Windows tags its structs `_Name` (`struct _SecHandle`); cbindgen uses
/// `Name`. The function tables have their own Windows tags.
fn windows_struct_tags(header: &str) -> String {
    let mut tagged: BTreeSet<String> = BTreeSet::new();
    for line in header.lines() {
        if let Some(rest) = line.strip_prefix("typedef struct ") {
            // Hand-written ones already carry Windows' tag.
            if let Some(name) = rest.strip_suffix(" {").filter(|n| !n.starts_with('_')) {
                tagged.insert(name.to_string());
            }
        }
    }
    let mut out = header.to_string();
    for name in &tagged {
        let tag = match name.as_str() {
            "SecurityFunctionTableW" => "_SECURITY_FUNCTION_TABLE_W".to_string(),
            "SecurityFunctionTableA" => "_SECURITY_FUNCTION_TABLE_A".to_string(),
            _ => format!("_{name}"),
        };
        out = replace_word(&out, &format!("struct {name}"), &format!("struct {tag}"));
    }
    out
}

/// Rewrites `#define NAME <decimal>` (and cbindgen's `(int32_t)<decimal>u`)
/// in hexadecimal when the value is a flag or a status code, as the Windows
/// headers write them.
fn hex_constants(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    for line in header.lines() {
        let mut new_line = None;
        if let Some(rest) = line.strip_prefix("#define ") {
            if let Some((name, value)) = rest.split_once(' ') {
                let (cast, digits) = match value.strip_prefix("(int32_t)") {
                    Some(d) => ("(int32_t)", d.trim_end_matches('u')),
                    None => ("", value.trim_end_matches("ull").trim_end_matches('u')),
                };
                if let Ok(v) = digits.parse::<u64>() {
                    if v >= 0x100 {
                        let hex = if v > u32::MAX as u64 { format!("0x{v:016X}ull") } else { format!("0x{v:08X}") };
                        new_line = Some(if cast.is_empty() {
                            format!("#define {name} {hex}")
                        } else {
                            format!("#define {name} ((int32_t){hex}u)")
                        });
                    }
                }
            }
        }
        out.push_str(new_line.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=SSPI_RUSTLS_UPDATE_HEADER");

    // A versioned SONAME, so the installed library can be replaced safely (ELF targets only:
    // the Windows DLL is secur32.dll).
    if std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os != "windows") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libsecur32.so.0");
    }

    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let header = out.join("secur32.h");
    // Set even if generation fails, so the freshness test reports the failure
    // instead of the test build breaking on a missing variable.
    println!("cargo:rustc-env=SSPI_RUSTLS_GENERATED_HEADER={}", header.display());
    let _ = fs::remove_file(&header);

    let src = out.join("cbindgen-src");
    let _ = fs::remove_dir_all(&src);
    // Only the ABI types and the exports make up the C interface.
    let mirrored = mirror(&root.join("src/abi"), &src.join("abi"))
        .and_then(|_| mirror(&root.join("src/entry"), &src.join("entry")))
        .and_then(|_| fs::write(src.join("lib.rs"), "pub mod abi;\npub mod entry;\n"));
    if let Err(e) = mirrored {
        println!("cargo:warning=cannot mirror sources for cbindgen: {e}");
        return;
    }
    let mut config = match cbindgen::Config::from_file(root.join("cbindgen.toml")) {
        Ok(c) => c,
        Err(e) => {
            println!("cargo:warning=cbindgen.toml: {e}");
            return;
        }
    };
    match abi_type_names(&root.join("src/abi")) {
        Ok(names) => config.export.include.extend(names),
        Err(e) => {
            println!("cargo:warning=cannot list the ABI types: {e}");
            return;
        }
    }
    let bindings = match cbindgen::Builder::new().with_config(config).with_src(src.join("lib.rs")).generate() {
        Ok(b) => b,
        Err(e) => {
            println!("cargo:warning=cbindgen failed: {e}");
            return;
        }
    };
    let mut raw = Vec::new();
    bindings.write(&mut raw);
    let text = hex_constants(&windows_struct_tags(&String::from_utf8_lossy(&raw)));
    if let Err(e) = fs::write(&header, &text) {
        println!("cargo:warning=cannot write {}: {e}", header.display());
        return;
    }
    if std::env::var_os("SSPI_RUSTLS_UPDATE_HEADER").is_some() {
        if let Err(e) = fs::write(root.join("include/secur32.h"), &text) {
            println!("cargo:warning=cannot update include/secur32.h: {e}");
        }
    }
}
