//! `cargo +nightly fuzz run kerberos_ap`: see `sspi_rustls_fuzz::kerberos_ap` for what the input means.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sspi_rustls_fuzz::kerberos_ap(data));
