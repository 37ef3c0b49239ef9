//! `cargo +nightly fuzz run accept`: see `sspi_rustls_fuzz::accept` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sspi_rustls_fuzz::accept(data));
