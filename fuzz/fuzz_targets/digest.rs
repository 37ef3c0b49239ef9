//! `cargo +nightly fuzz run digest`: see `sspi_rustls_fuzz::digest` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sspi_rustls_fuzz::digest(data));
