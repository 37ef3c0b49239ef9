//! `cargo +nightly fuzz run alpn`: see `sspi_rustls_fuzz::alpn` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sspi_rustls_fuzz::alpn(data));
