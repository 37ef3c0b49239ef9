//! `cargo +nightly fuzz run buffers`: see `sspi_rustls_fuzz::buffers` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sspi_rustls_fuzz::buffers(data));
