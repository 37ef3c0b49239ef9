//! `cargo +nightly fuzz run credssp`: see `sspi_rustls_fuzz::credssp` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sspi_rustls_fuzz::credssp(data));
