//! `cargo +nightly fuzz run chain`: see `sspi_rustls_fuzz::chain` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sspi_rustls_fuzz::chain(data));
