//! Build script: generates `secur32.h` with cbindgen and sets the SONAME.
//!
//! cbindgen only emits functions declared `extern "C"`, while every export
//! here is `extern "system"` (the same calling convention on Linux, and the
//! one Windows code expects). So the sources are mirrored into `OUT_DIR`
//! with that one spelling changed, and cbindgen reads the mirror. The result
//! is written to `$OUT_DIR/secur32.h`; the test suite compares it with the
//! checked-in `include/secur32.h`, and `SSPI_RUSTLS_UPDATE_HEADER=1 cargo build`
//! refreshes the checked-in copy.

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
            fs::write(&dest, text.replace("extern \"system\"", "extern \"C\""))?;
        }
    }
    Ok(())
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=SSPI_RUSTLS_UPDATE_HEADER");

    // A versioned SONAME, so the installed library can be replaced safely.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libsecur32.so.0");

    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
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
    let config = match cbindgen::Config::from_file(root.join("cbindgen.toml")) {
        Ok(c) => c,
        Err(e) => {
            println!("cargo:warning=cbindgen.toml: {e}");
            return;
        }
    };
    let header = out.join("secur32.h");
    match cbindgen::Builder::new().with_config(config).with_src(src.join("lib.rs")).generate() {
        Ok(bindings) => {
            bindings.write_to_file(&header);
            if std::env::var_os("SSPI_RUSTLS_UPDATE_HEADER").is_some() {
                bindings.write_to_file(root.join("include/secur32.h"));
            }
        }
        Err(e) => println!("cargo:warning=cbindgen failed: {e}"),
    }
    println!("cargo:rustc-env=SSPI_RUSTLS_GENERATED_HEADER={}", header.display());
}
