//! `cargo +nightly fuzz run certs`: see `sspi_rustls_fuzz::certs` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sspi_rustls_fuzz::certs(data));
