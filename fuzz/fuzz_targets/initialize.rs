//! `cargo +nightly fuzz run initialize`: see `sspi_rustls_fuzz::initialize` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sspi_rustls_fuzz::initialize(data));
