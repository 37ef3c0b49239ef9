//! Every `extern "system"` function, grouped as Windows groups them.
//!
//! Each export has the same shape: its Windows signature, then one
//! [`entry!`] body that checks pointers, builds safe views, calls the package
//! and writes the outputs back. The macro adds the panic boundary, the
//! optional tracing and the one conversion from `Result<_, SecError>` to
//! `SECURITY_STATUS`. An export with no implementation yet uses
//! [`unsupported!`], which answers `SEC_E_UNSUPPORTED_FUNCTION`.

#![allow(non_snake_case)]

pub mod attributes;
pub mod contexts;
pub mod credentials;
pub mod crypt32;
pub mod identity;
pub mod lsa;
pub mod messages;
pub mod names;
pub mod packages;
pub mod sasl;

use core::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use once_cell::sync::Lazy;

use crate::abi::{self, SecHandle, SECURITY_STATUS};
use crate::error::{status_name, SecError, SecResult};
use crate::handles::{HandleKind, HandleTable};
use crate::packages::{Credentials, SecurityContext};

/// Live credential handles.
pub static CREDENTIALS: Lazy<HandleTable<dyn Credentials>> = Lazy::new(|| HandleTable::new(HandleKind::Credential));
/// Live context handles.
pub static CONTEXTS: Lazy<HandleTable<dyn SecurityContext>> = Lazy::new(|| HandleTable::new(HandleKind::Context));

/// Tracing verbosity from `SSPI_RUSTLS_LOG` (`off`, `error`, `debug`, `trace`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Off,
    Error,
    Debug,
    Trace,
}

/// The level, read once.
pub static LOG_LEVEL: Lazy<LogLevel> =
    Lazy::new(|| match std::env::var("SSPI_RUSTLS_LOG").unwrap_or_default().to_ascii_lowercase().as_str() {
        "error" | "warn" => LogLevel::Error,
        "debug" | "info" | "1" => LogLevel::Debug,
        "trace" => LogLevel::Trace,
        _ => LogLevel::Off,
    });

/// Writes one trace line to stderr when `level` is enabled.
pub fn log(level: LogLevel, msg: impl FnOnce() -> String) {
    if *LOG_LEVEL >= level && level != LogLevel::Off {
        eprintln!("[sspi-rustls] {}", msg());
    }
}

/// The body of every `SECURITY_STATUS` export: panic boundary, tracing and
/// status mapping.
pub fn guard(
    name: &'static str,
    args: impl FnOnce() -> String,
    body: impl FnOnce() -> SecResult<SECURITY_STATUS>,
) -> SECURITY_STATUS {
    if *LOG_LEVEL >= LogLevel::Trace {
        log(LogLevel::Trace, || format!("-> {name}({})", args()));
    }
    let status = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(status)) => {
            log(LogLevel::Debug, || format!("<- {name} = {} ({status:#010x})", status_name(status)));
            status
        }
        Ok(Err(e)) => {
            log(LogLevel::Error, || format!("<- {name} = {:#010x} {e:?}", e.status));
            e.status
        }
        Err(_) => {
            log(LogLevel::Error, || format!("<- {name}: panic caught, SEC_E_INTERNAL_ERROR"));
            abi::SEC_E_INTERNAL_ERROR
        }
    };
    status
}

/// The same boundary for exports that return something else than a status
/// (crypt32's `BOOL`s and pointers): `on_panic` is returned if the body panics.
pub fn guard_value<T: core::fmt::Debug>(
    name: &'static str,
    args: impl FnOnce() -> String,
    on_panic: T,
    body: impl FnOnce() -> T,
) -> T {
    if *LOG_LEVEL >= LogLevel::Trace {
        log(LogLevel::Trace, || format!("-> {name}({})", args()));
    }
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => {
            log(LogLevel::Debug, || format!("<- {name} = {v:?}"));
            v
        }
        Err(_) => {
            log(LogLevel::Error, || format!("<- {name}: panic caught"));
            on_panic
        }
    }
}

/// `entry!("Name", [arg, ...], { body })`: an export's body; see the module docs.
#[macro_export]
#[doc(hidden)]
macro_rules! entry {
    ($name:literal, [$($arg:expr),* $(,)?], $body:block) => {
        $crate::entry::guard(
            $name,
            || {
                let mut s = String::new();
                $( s.push_str(&format!("{}={:?} ", stringify!($arg), $arg)); )*
                s
            },
            move || -> $crate::error::SecResult<$crate::abi::SECURITY_STATUS> { $body },
        )
    };
}

/// `unsupported!("Name", [args])`: an export with no implementation answers
/// `SEC_E_UNSUPPORTED_FUNCTION`, never a fake success.
#[macro_export]
#[doc(hidden)]
macro_rules! unsupported {
    ($name:literal, [$($arg:expr),* $(,)?]) => {
        $crate::entry!($name, [$($arg),*], {
            Err($crate::error::SecError::unsupported(concat!($name, " is not implemented")))
        })
    };
}

/// Reads a handle the caller passed by pointer. NULL is `SEC_E_INVALID_HANDLE`.
///
/// # Safety
/// `p` must be NULL or point to a readable `SecHandle`.
pub unsafe fn read_handle(p: *const SecHandle) -> SecResult<SecHandle> {
    if p.is_null() {
        return Err(SecError::invalid_handle("NULL handle pointer"));
    }
    // SAFETY: non-null and readable per the caller contract; read unaligned
    // because nothing promises alignment.
    Ok(unsafe { core::ptr::read_unaligned(p) })
}

/// Looks up a credential handle passed by pointer.
///
/// # Safety
/// As [`read_handle`].
pub unsafe fn credential(p: *const SecHandle) -> SecResult<Arc<dyn Credentials>> {
    // SAFETY: forwarded contract.
    CREDENTIALS.get(&unsafe { read_handle(p) }?)
}

/// Looks up a context handle passed by pointer.
///
/// # Safety
/// As [`read_handle`].
pub unsafe fn context(p: *const SecHandle) -> SecResult<Arc<dyn SecurityContext>> {
    // SAFETY: forwarded contract.
    CONTEXTS.get(&unsafe { read_handle(p) }?)
}

/// Writes `v` through an out-pointer; NULL is refused with `err`.
///
/// # Safety
/// `p` must be NULL or point to writable memory for a `T`.
pub unsafe fn write_out<T>(p: *mut T, v: T, err: SecError) -> SecResult<()> {
    if p.is_null() {
        return Err(err);
    }
    // SAFETY: non-null and writable per the caller contract.
    unsafe { core::ptr::write_unaligned(p, v) };
    Ok(())
}

/// Writes `v` through an optional out-pointer (ignored when NULL).
///
/// # Safety
/// `p` must be NULL or point to writable memory for a `T`.
pub unsafe fn write_opt<T>(p: *mut T, v: T) {
    if !p.is_null() {
        // SAFETY: non-null and writable per the caller contract.
        unsafe { core::ptr::write_unaligned(p, v) };
    }
}

/// Longest string we read from a caller (characters), to bound runaway reads
/// of unterminated strings.
const MAX_STRING: usize = 1 << 16;

/// Reads a NUL-terminated UTF-16 string. NULL is `None`.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated UTF-16 string.
pub unsafe fn wide_str(p: *const u16) -> SecResult<Option<String>> {
    if p.is_null() {
        return Ok(None);
    }
    let mut len = 0;
    // SAFETY: reads stop at the terminator, which the caller promises.
    while unsafe { *p.add(len) } != 0 {
        len += 1;
        if len > MAX_STRING {
            return Err(SecError::invalid_parameter("string too long or unterminated"));
        }
    }
    // SAFETY: `len` units were just read.
    let units = unsafe { core::slice::from_raw_parts(p, len) };
    String::from_utf16(units).map(Some).map_err(|_| SecError::invalid_parameter("invalid UTF-16 string"))
}

/// Reads a NUL-terminated ANSI string (taken as UTF-8; Latin-1 bytes that are
/// not valid UTF-8 are mapped one-to-one). NULL is `None`.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string.
pub unsafe fn ansi_str(p: *const c_char) -> SecResult<Option<String>> {
    if p.is_null() {
        return Ok(None);
    }
    let mut len = 0;
    // SAFETY: reads stop at the terminator, which the caller promises.
    while unsafe { *p.add(len) } != 0 {
        len += 1;
        if len > MAX_STRING {
            return Err(SecError::invalid_parameter("string too long or unterminated"));
        }
    }
    // SAFETY: `len` bytes were just read.
    let bytes = unsafe { core::slice::from_raw_parts(p.cast::<u8>(), len) };
    Ok(Some(match core::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }))
}

/// Character width of an export (A or W), for strings we write back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charset {
    Ansi,
    Wide,
}

/// Encodes `s` NUL-terminated in `cs`.
pub fn encode_str(s: &str, cs: Charset) -> Vec<u8> {
    match cs {
        Charset::Ansi => {
            let mut v = s.as_bytes().to_vec();
            v.push(0);
            v
        }
        Charset::Wide => s.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect(),
    }
}
