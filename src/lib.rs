//! # sspi-rustls
//!
//! A drop-in replacement for Windows' `secur32` on Linux: the SSPI export
//! surface with Windows' exact struct layouts, and the Schannel package on
//! rustls + ring (TLS 1.2 and 1.3, client and server).
//!
//! ## Layers
//! Data flows one way: C caller → [`entry`] → [`packages`] → rustls.
//! * [`abi`]: `#[repr(C)]` Windows types and constants; no logic.
//! * [`entry`]: every `extern "system"` export; checks pointers, builds safe
//!   views, calls a package, writes outputs.
//! * [`buffers`], [`handles`], [`alloc`]: the only code that turns caller
//!   pointers into Rust values, handles into objects, and owns memory given
//!   to callers.
//! * [`packages`]: the package trait and Schannel.
//! * [`certs`]: certificate contexts and stores (the crypt32 subset).
//!
//! ## Pointer rules
//! NULL where Windows allows it is accepted; NULL elsewhere is a `SEC_E_*`
//! error, never a crash. Handles are table entries checked by kind and
//! generation. Buffers follow one rule (see [`buffers`]). A non-NULL pointer
//! to invalid memory cannot be detected by anyone; like Windows, we trust it.
//!
//! ## Panic policy
//! Every export runs its body under `catch_unwind` and answers a panic with
//! `SEC_E_INTERNAL_ERROR` (or the export's failure value). We catch rather
//! than abort because this library lives inside someone else's process: a
//! bug in one TLS context must not kill a server with thousands of others.
//! State touched by a panicking call is behind a mutex that is then treated
//! as dead for that context only.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]
#![allow(clippy::missing_safety_doc)]

pub mod abi;
pub mod alloc;
pub mod buffers;
pub mod certs;
pub mod crypto;
pub mod der;
pub mod entry;
pub mod error;
pub mod gss;
pub mod handles;
pub mod packages;
pub mod platform;
pub mod sasl;
