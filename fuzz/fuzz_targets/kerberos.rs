//! `cargo +nightly fuzz run kerberos`: see `sspi_rustls_fuzz::kerberos` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sspi_rustls_fuzz::kerberos(data));
