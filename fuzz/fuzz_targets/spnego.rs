//! `cargo +nightly fuzz run spnego`: see `sspi_rustls_fuzz::spnego` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sspi_rustls_fuzz::spnego(data));
