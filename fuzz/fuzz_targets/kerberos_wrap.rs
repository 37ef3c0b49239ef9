//! `cargo +nightly fuzz run kerberos_wrap`: see `sspi_rustls_fuzz::kerberos_wrap` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sspi_rustls_fuzz::kerberos_wrap(data));
