//! `cargo +nightly fuzz run decrypt`: see `sspi_rustls_fuzz::decrypt` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sspi_rustls_fuzz::decrypt(data));
