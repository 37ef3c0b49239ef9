//! `cargo +nightly fuzz run sasl`: see `sspi_rustls_fuzz::sasl` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sspi_rustls_fuzz::sasl(data));
