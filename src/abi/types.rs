//! The generic SSPI types of `sspi.h`, with Windows widths.
//!
//! Windows is LLP64: `ULONG`, `LONG` and `DWORD` are 32 bits even where Linux's
//! `unsigned long` is 64. Every struct here is `#[repr(C)]` and carries a
//! compile-time size assertion for x86_64; the mingw-w64 comparison test
//! (`tests/abi_mingw.rs`) checks every field offset against the real headers.

use core::ffi::{c_char, c_void};

/// `ULONG` (32-bit on Windows, whatever Linux's `unsigned long` is).
pub type ULONG = u32;
/// `LONG`.
pub type LONG = i32;
/// `DWORD`.
pub type DWORD = u32;
/// `WORD`.
pub type WORD = u16;
/// `USHORT`.
pub type USHORT = u16;
/// `BYTE`.
pub type BYTE = u8;
/// `BOOL` (a 32-bit int, not C99 `bool`).
pub type BOOL = i32;
/// `ULONG_PTR`: pointer-sized unsigned integer.
pub type ULONG_PTR = usize;
/// `ALG_ID`.
pub type ALG_ID = u32;
/// `WCHAR`: a UTF-16 code unit, never Linux's 32-bit `wchar_t`.
pub type WCHAR = u16;
/// `SEC_WCHAR`.
pub type SEC_WCHAR = u16;
/// `SEC_CHAR`.
pub type SEC_CHAR = c_char;
/// `SECURITY_STATUS` (an HRESULT-style `LONG`).
pub type SECURITY_STATUS = i32;
/// `HANDLE`.
pub type HANDLE = *mut c_void;

/// `SecHandle`: the opaque pair behind `CredHandle` and `CtxtHandle`.
///
/// sspi-rustls stores a table slot in `dwLower` and a generation and kind tag
/// in `dwUpper` (see `handles.rs`); callers must treat both as opaque.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SecHandle {
    pub dwLower: ULONG_PTR,
    pub dwUpper: ULONG_PTR,
}
/// `CredHandle`.
pub type CredHandle = SecHandle;
/// `CtxtHandle`.
pub type CtxtHandle = SecHandle;

/// `SECURITY_INTEGER` / `TimeStamp`: a 64-bit FILETIME-style count of 100 ns
/// intervals since 1601, laid out as Windows' `LARGE_INTEGER` (8-aligned).
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SECURITY_INTEGER {
    pub LowPart: ULONG,
    pub HighPart: LONG,
}
/// `TimeStamp`.
pub type TimeStamp = SECURITY_INTEGER;

impl SECURITY_INTEGER {
    /// Builds a timestamp from a 64-bit value.
    pub const fn from_u64(v: u64) -> Self {
        Self { LowPart: v as u32, HighPart: (v >> 32) as i32 }
    }
    /// The 64-bit value.
    pub const fn as_u64(&self) -> u64 {
        (self.LowPart as u64) | ((self.HighPart as u32 as u64) << 32)
    }
}

/// `LUID`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LUID {
    pub LowPart: DWORD,
    pub HighPart: LONG,
}

/// `SecBuffer`: one typed buffer of a message or token.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecBuffer {
    /// Size of the buffer in bytes.
    pub cbBuffer: ULONG,
    /// `SECBUFFER_*` type, possibly with attribute bits (`SECBUFFER_READONLY`...).
    pub BufferType: ULONG,
    /// The memory; owned by the caller unless an `ALLOCATE_MEMORY` flag says otherwise.
    pub pvBuffer: *mut c_void,
}

/// `SecBufferDesc`: an array of `SecBuffer`s.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecBufferDesc {
    /// Must be `SECBUFFER_VERSION` (0).
    pub ulVersion: ULONG,
    /// Number of entries at `pBuffers`.
    pub cBuffers: ULONG,
    pub pBuffers: *mut SecBuffer,
}

/// `SecPkgInfoW`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgInfoW {
    pub fCapabilities: ULONG,
    pub wVersion: USHORT,
    pub wRPCID: USHORT,
    pub cbMaxToken: ULONG,
    pub Name: *mut SEC_WCHAR,
    pub Comment: *mut SEC_WCHAR,
}

/// `SecPkgInfoA`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgInfoA {
    pub fCapabilities: ULONG,
    pub wVersion: USHORT,
    pub wRPCID: USHORT,
    pub cbMaxToken: ULONG,
    pub Name: *mut SEC_CHAR,
    pub Comment: *mut SEC_CHAR,
}

/// `SEC_GET_KEY_FN`: accepted and ignored (no SSPI package of ours calls it).
pub type SEC_GET_KEY_FN = Option<
    unsafe extern "system" fn(
        Arg: *mut c_void,
        Principal: *mut c_void,
        KeyVer: ULONG,
        Key: *mut *mut c_void,
        Status: *mut SECURITY_STATUS,
    ),
>;

/// `UNICODE_STRING` (lengths in bytes, not characters; `Buffer` need not be NUL-terminated).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct UNICODE_STRING {
    pub Length: USHORT,
    pub MaximumLength: USHORT,
    pub Buffer: *mut WCHAR,
}

const _: () = {
    use core::mem::{align_of, size_of};
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<SecHandle>() == 16);
        assert!(size_of::<SECURITY_INTEGER>() == 8 && align_of::<SECURITY_INTEGER>() == 8);
        assert!(size_of::<LUID>() == 8);
        assert!(size_of::<SecBuffer>() == 16);
        assert!(core::mem::offset_of!(SecBuffer, pvBuffer) == 8);
        assert!(size_of::<SecBufferDesc>() == 16);
        assert!(core::mem::offset_of!(SecBufferDesc, pBuffers) == 8);
        assert!(size_of::<SecPkgInfoW>() == 32);
        assert!(core::mem::offset_of!(SecPkgInfoW, Name) == 16);
        assert!(size_of::<SecPkgInfoA>() == 32);
        assert!(size_of::<UNICODE_STRING>() == 16);
        assert!(core::mem::offset_of!(UNICODE_STRING, Buffer) == 8);
    }
};
