//! `cargo +nightly fuzz run kerberos_kdc`: see `sspi_rustls_fuzz::kerberos_kdc` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sspi_rustls_fuzz::kerberos_kdc(data));
