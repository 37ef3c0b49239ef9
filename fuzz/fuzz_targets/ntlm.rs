//! `cargo +nightly fuzz run ntlm`: see `sspi_rustls_fuzz::ntlm` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sspi_rustls_fuzz::ntlm(data));
