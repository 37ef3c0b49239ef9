//! The generic SSPI types of `sspi.h` (and the few `winnt.h` / `guiddef.h`
//! types they use), with Windows widths.
//!
//! Windows is LLP64: `ULONG`, `LONG` and `DWORD` are 32 bits even where Linux's
//! `unsigned long` is 64. Every struct here is `#[repr(C)]` and carries
//! compile-time size and offset assertions for x86_64 next to it; the mingw-w64
//! comparison test (`tests/abi_mingw.rs`) checks the size, alignment and every
//! field's offset and width against the real headers.
//!
//! The basic integer typedefs (`ULONG`, `DWORD`, `BOOL`...) are written by
//! hand in the C header (`cbindgen.toml`), guarded so that a program that
//! already has them is not broken; here they are plain Rust aliases.

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
/// `UCHAR`.
pub type UCHAR = u8;
/// `BYTE`.
pub type BYTE = u8;
/// `BOOL` (a 32-bit int, not C99 `bool`).
pub type BOOL = i32;
/// `BOOLEAN` (one byte).
pub type BOOLEAN = u8;
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
/// `PVOID`.
pub type PVOID = *mut c_void;
/// `PCWSTR` (UTF-16).
pub type PCWSTR = *const WCHAR;
/// `PSEC_WINNT_AUTH_IDENTITY_OPAQUE` (sspi.h: a `PVOID`; ours are `SEC_WINNT_AUTH_IDENTITY_EXW`).
pub type PSEC_WINNT_AUTH_IDENTITY_OPAQUE = *mut c_void;
/// `NTSTATUS` (what the `Lsa*` functions return; negative is an error).
pub type NTSTATUS = LONG;
/// `PNTSTATUS`.
pub type PNTSTATUS = *mut NTSTATUS;
/// `LSA_STRING` (ntsecapi.h): a counted 8-bit string.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct LSA_STRING {
    pub Length: USHORT,
    pub MaximumLength: USHORT,
    pub Buffer: *mut c_char,
}
/// `PLSA_STRING`.
pub type PLSA_STRING = *mut LSA_STRING;
/// `PLSA_OPERATIONAL_MODE` (a `PULONG`).
pub type PLSA_OPERATIONAL_MODE = *mut ULONG;
/// `POLICY_NOTIFICATION_INFORMATION_CLASS` (ntsecapi.h, a C enum the header writes by hand).
pub type POLICY_NOTIFICATION_INFORMATION_CLASS = u32;
/// `SECURITY_LOGON_TYPE` (ntsecapi.h, a C enum the header writes by hand).
pub type SECURITY_LOGON_TYPE = u32;
/// `PSID` (an opaque SID).
pub type PSID = *mut c_void;
/// `SID_AND_ATTRIBUTES` (winnt.h).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SID_AND_ATTRIBUTES {
    pub Sid: PSID,
    pub Attributes: DWORD,
}
/// `TOKEN_GROUPS` (winnt.h; `Groups` has `GroupCount` entries).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TOKEN_GROUPS {
    pub GroupCount: DWORD,
    pub Groups: [SID_AND_ATTRIBUTES; 1],
}
/// `PTOKEN_GROUPS`.
pub type PTOKEN_GROUPS = *mut TOKEN_GROUPS;
/// `TOKEN_SOURCE` (winnt.h).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TOKEN_SOURCE {
    pub SourceName: [c_char; 8],
    pub SourceIdentifier: LUID,
}
/// `PTOKEN_SOURCE`.
pub type PTOKEN_SOURCE = *mut TOKEN_SOURCE;
/// `QUOTA_LIMITS` (winnt.h; `TimeLimit` a LARGE_INTEGER).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct QUOTA_LIMITS {
    pub PagedPoolLimit: usize,
    pub NonPagedPoolLimit: usize,
    pub MinimumWorkingSetSize: usize,
    pub MaximumWorkingSetSize: usize,
    pub PagefileLimit: usize,
    pub TimeLimit: i64,
}
/// `PQUOTA_LIMITS`.
pub type PQUOTA_LIMITS = *mut QUOTA_LIMITS;
/// `LSA_LAST_INTER_LOGON_INFO` (ntsecapi.h; LARGE_INTEGER times).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct LSA_LAST_INTER_LOGON_INFO {
    pub LastSuccessfulLogon: i64,
    pub LastFailedLogon: i64,
    pub FailedAttemptCountSinceLastSuccessfulLogon: ULONG,
}
/// `SECURITY_LOGON_SESSION_DATA` (ntsecapi.h, the Vista+ form; strings are LSA_UNICODE_STRINGs,
/// times LARGE_INTEGERs).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SECURITY_LOGON_SESSION_DATA {
    pub Size: ULONG,
    pub LogonId: LUID,
    pub UserName: UNICODE_STRING,
    pub LogonDomain: UNICODE_STRING,
    pub AuthenticationPackage: UNICODE_STRING,
    pub LogonType: ULONG,
    pub Session: ULONG,
    pub Sid: PSID,
    pub LogonTime: i64,
    pub LogonServer: UNICODE_STRING,
    pub DnsDomainName: UNICODE_STRING,
    pub Upn: UNICODE_STRING,
    pub UserFlags: ULONG,
    pub LastLogonInfo: LSA_LAST_INTER_LOGON_INFO,
    pub LogonScript: UNICODE_STRING,
    pub ProfilePath: UNICODE_STRING,
    pub HomeDirectory: UNICODE_STRING,
    pub HomeDirectoryDrive: UNICODE_STRING,
    pub LogoffTime: i64,
    pub KickOffTime: i64,
    pub PasswordLastSet: i64,
    pub PasswordCanChange: i64,
    pub PasswordMustChange: i64,
}
/// `PSECURITY_LOGON_SESSION_DATA`.
pub type PSECURITY_LOGON_SESSION_DATA = *mut SECURITY_LOGON_SESSION_DATA;
/// `KERB_PROTOCOL_MESSAGE_TYPE` (ntsecapi.h, a C enum: `KerbDebugRequestMessage` = 0 ...; the
/// header writes the enum by hand, the Rust side takes the value as it comes).
pub type KERB_PROTOCOL_MESSAGE_TYPE = u32;
/// `KERB_QUERY_TKT_CACHE_REQUEST` (ntsecapi.h): the request of `KerbQueryTicketCacheMessage`
/// and its Ex forms.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct KERB_QUERY_TKT_CACHE_REQUEST {
    pub MessageType: KERB_PROTOCOL_MESSAGE_TYPE,
    pub LogonId: LUID,
}
/// `PKERB_QUERY_TKT_CACHE_REQUEST`.
pub type PKERB_QUERY_TKT_CACHE_REQUEST = *mut KERB_QUERY_TKT_CACHE_REQUEST;
/// `KERB_TICKET_CACHE_INFO` (ntsecapi.h; times are LARGE_INTEGER FILETIMEs).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct KERB_TICKET_CACHE_INFO {
    pub ServerName: UNICODE_STRING,
    pub RealmName: UNICODE_STRING,
    pub StartTime: i64,
    pub EndTime: i64,
    pub RenewTime: i64,
    pub EncryptionType: LONG,
    pub TicketFlags: ULONG,
}
/// `PKERB_TICKET_CACHE_INFO`.
pub type PKERB_TICKET_CACHE_INFO = *mut KERB_TICKET_CACHE_INFO;
/// `KERB_TICKET_CACHE_INFO_EX` (ntsecapi.h).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct KERB_TICKET_CACHE_INFO_EX {
    pub ClientName: UNICODE_STRING,
    pub ClientRealm: UNICODE_STRING,
    pub ServerName: UNICODE_STRING,
    pub ServerRealm: UNICODE_STRING,
    pub StartTime: i64,
    pub EndTime: i64,
    pub RenewTime: i64,
    pub EncryptionType: LONG,
    pub TicketFlags: ULONG,
}
/// `PKERB_TICKET_CACHE_INFO_EX`.
pub type PKERB_TICKET_CACHE_INFO_EX = *mut KERB_TICKET_CACHE_INFO_EX;
/// `KERB_TICKET_CACHE_INFO_EX2` (ntsecapi.h).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct KERB_TICKET_CACHE_INFO_EX2 {
    pub ClientName: UNICODE_STRING,
    pub ClientRealm: UNICODE_STRING,
    pub ServerName: UNICODE_STRING,
    pub ServerRealm: UNICODE_STRING,
    pub StartTime: i64,
    pub EndTime: i64,
    pub RenewTime: i64,
    pub EncryptionType: LONG,
    pub TicketFlags: ULONG,
    pub SessionKeyType: ULONG,
}
/// `PKERB_TICKET_CACHE_INFO_EX2`.
pub type PKERB_TICKET_CACHE_INFO_EX2 = *mut KERB_TICKET_CACHE_INFO_EX2;
/// `KERB_QUERY_TKT_CACHE_RESPONSE` (ntsecapi.h; `Tickets` is `CountOfTickets` long).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct KERB_QUERY_TKT_CACHE_RESPONSE {
    pub MessageType: KERB_PROTOCOL_MESSAGE_TYPE,
    pub CountOfTickets: ULONG,
    pub Tickets: [KERB_TICKET_CACHE_INFO; 1],
}
/// `PKERB_QUERY_TKT_CACHE_RESPONSE`.
pub type PKERB_QUERY_TKT_CACHE_RESPONSE = *mut KERB_QUERY_TKT_CACHE_RESPONSE;
/// `KERB_QUERY_TKT_CACHE_EX_RESPONSE` (ntsecapi.h).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct KERB_QUERY_TKT_CACHE_EX_RESPONSE {
    pub MessageType: KERB_PROTOCOL_MESSAGE_TYPE,
    pub CountOfTickets: ULONG,
    pub Tickets: [KERB_TICKET_CACHE_INFO_EX; 1],
}
/// `PKERB_QUERY_TKT_CACHE_EX_RESPONSE`.
pub type PKERB_QUERY_TKT_CACHE_EX_RESPONSE = *mut KERB_QUERY_TKT_CACHE_EX_RESPONSE;
/// `KERB_QUERY_TKT_CACHE_EX2_RESPONSE` (ntsecapi.h).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct KERB_QUERY_TKT_CACHE_EX2_RESPONSE {
    pub MessageType: KERB_PROTOCOL_MESSAGE_TYPE,
    pub CountOfTickets: ULONG,
    pub Tickets: [KERB_TICKET_CACHE_INFO_EX2; 1],
}
/// `PKERB_QUERY_TKT_CACHE_EX2_RESPONSE`.
pub type PKERB_QUERY_TKT_CACHE_EX2_RESPONSE = *mut KERB_QUERY_TKT_CACHE_EX2_RESPONSE;
/// `EXTENDED_NAME_FORMAT` (secext.h, a C enum: `NameUnknown` ... `NameSurname`; the header
/// writes the enum by hand, the Rust side takes the value as it comes).
pub type EXTENDED_NAME_FORMAT = u32;
/// `HWND` (only carried, never used: there is no window system here).
pub type HWND = *mut c_void;
/// `PBYTE`.
pub type PBYTE = *mut BYTE;

/// `SecHandle`: the opaque pair behind `CredHandle` and `CtxtHandle`.
///
/// sspi-rustls stores a table slot in `dwLower` and a generation and kind tag
/// in `dwUpper`; callers must treat both as opaque. `SecInvalidateHandle`
/// sets both to `(ULONG_PTR)-1`, which is never a live handle.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SecHandle {
    pub dwLower: ULONG_PTR,
    pub dwUpper: ULONG_PTR,
}
/// `PSecHandle`.
pub type PSecHandle = *mut SecHandle;
/// `CredHandle`.
pub type CredHandle = SecHandle;
/// `PCredHandle`.
pub type PCredHandle = *mut SecHandle;
/// `CtxtHandle`.
pub type CtxtHandle = SecHandle;
/// `PCtxtHandle`.
pub type PCtxtHandle = *mut SecHandle;

const _: () = {
    // The asserts are 64-bit only: the i686 build is not yet layout-proven (see docs/wine.md).
    #[cfg_attr(not(target_pointer_width = "64"), allow(unused_imports))]
    use core::mem::{align_of, offset_of, size_of};
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<SecHandle>() == 16 && align_of::<SecHandle>() == 8);
        assert!(offset_of!(SecHandle, dwUpper) == 8);
    }
};

/// `SECURITY_INTEGER` / `TimeStamp`: a 64-bit FILETIME-style count of 100 ns
/// intervals since 1601, laid out as Windows' `LARGE_INTEGER` (8-aligned).
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SECURITY_INTEGER {
    pub LowPart: ULONG,
    pub HighPart: LONG,
}
/// `PSECURITY_INTEGER`.
pub type PSECURITY_INTEGER = *mut SECURITY_INTEGER;
/// `TimeStamp`.
pub type TimeStamp = SECURITY_INTEGER;
/// `PTimeStamp`.
pub type PTimeStamp = *mut SECURITY_INTEGER;

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

const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    assert!(size_of::<SECURITY_INTEGER>() == 8 && align_of::<SECURITY_INTEGER>() == 8);
    assert!(offset_of!(SECURITY_INTEGER, HighPart) == 4);
};

/// `LUID`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LUID {
    pub LowPart: DWORD,
    pub HighPart: LONG,
}
/// `PLUID`.
pub type PLUID = *mut LUID;

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<LUID>() == 8 && offset_of!(LUID, HighPart) == 4);
};

/// `GUID` (as `guiddef.h` lays it out).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct GUID {
    pub Data1: u32,
    pub Data2: u16,
    pub Data3: u16,
    pub Data4: [u8; 8],
}

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<GUID>() == 16);
    assert!(offset_of!(GUID, Data2) == 4 && offset_of!(GUID, Data3) == 6 && offset_of!(GUID, Data4) == 8);
};

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
/// `PSecBuffer`.
pub type PSecBuffer = *mut SecBuffer;

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
/// `PSecBufferDesc`.
pub type PSecBufferDesc = *mut SecBufferDesc;

const _: () = {
    // The asserts are 64-bit only: the i686 build is not yet layout-proven (see docs/wine.md).
    #[cfg_attr(not(target_pointer_width = "64"), allow(unused_imports))]
    use core::mem::{offset_of, size_of};
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<SecBuffer>() == 16);
        assert!(offset_of!(SecBuffer, BufferType) == 4 && offset_of!(SecBuffer, pvBuffer) == 8);
        assert!(size_of::<SecBufferDesc>() == 16);
        assert!(offset_of!(SecBufferDesc, cBuffers) == 4 && offset_of!(SecBufferDesc, pBuffers) == 8);
    }
};

/// `SecPkgInfoW`: what `EnumerateSecurityPackagesW` / `QuerySecurityPackageInfoW` return.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgInfoW {
    /// `SECPKG_FLAG_*`.
    pub fCapabilities: ULONG,
    pub wVersion: USHORT,
    pub wRPCID: USHORT,
    pub cbMaxToken: ULONG,
    pub Name: *mut SEC_WCHAR,
    pub Comment: *mut SEC_WCHAR,
}
/// `PSecPkgInfoW`.
pub type PSecPkgInfoW = *mut SecPkgInfoW;

/// `SecPkgInfoA`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgInfoA {
    /// `SECPKG_FLAG_*`.
    pub fCapabilities: ULONG,
    pub wVersion: USHORT,
    pub wRPCID: USHORT,
    pub cbMaxToken: ULONG,
    pub Name: *mut SEC_CHAR,
    pub Comment: *mut SEC_CHAR,
}
/// `PSecPkgInfoA`.
pub type PSecPkgInfoA = *mut SecPkgInfoA;

const _: () = {
    // The asserts are 64-bit only: the i686 build is not yet layout-proven (see docs/wine.md).
    #[cfg_attr(not(target_pointer_width = "64"), allow(unused_imports))]
    use core::mem::{offset_of, size_of};
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<SecPkgInfoW>() == 32 && size_of::<SecPkgInfoA>() == 32);
        assert!(offset_of!(SecPkgInfoW, wVersion) == 4 && offset_of!(SecPkgInfoW, wRPCID) == 6);
        assert!(offset_of!(SecPkgInfoW, cbMaxToken) == 8);
        assert!(offset_of!(SecPkgInfoW, Name) == 16 && offset_of!(SecPkgInfoW, Comment) == 24);
        assert!(offset_of!(SecPkgInfoA, Name) == 16 && offset_of!(SecPkgInfoA, Comment) == 24);
    }
};

/// `SEC_GET_KEY_FN`: accepted and ignored (no package of ours calls it).
pub type SEC_GET_KEY_FN = Option<
    unsafe extern "system" fn(
        Arg: *mut c_void,
        Principal: *mut c_void,
        KeyVer: ULONG,
        Key: *mut *mut c_void,
        Status: *mut SECURITY_STATUS,
    ),
>;

/// `UNICODE_STRING` (lengths in bytes, not characters; `Buffer` need not be
/// NUL-terminated).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct UNICODE_STRING {
    pub Length: USHORT,
    pub MaximumLength: USHORT,
    pub Buffer: *mut WCHAR,
}
/// `PUNICODE_STRING`.
pub type PUNICODE_STRING = *mut UNICODE_STRING;

const _: () = {
    // The asserts are 64-bit only: the i686 build is not yet layout-proven (see docs/wine.md).
    #[cfg_attr(not(target_pointer_width = "64"), allow(unused_imports))]
    use core::mem::{offset_of, size_of};
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<UNICODE_STRING>() == 16);
        assert!(offset_of!(UNICODE_STRING, MaximumLength) == 2 && offset_of!(UNICODE_STRING, Buffer) == 8);
    }
};

// ---- sspi.h: SEC_WINNT_AUTH_IDENTITY_* (the NTLM / Negotiate pAuthData) ----

/// `SEC_WINNT_AUTH_IDENTITY_W`: lengths in characters, without the terminator.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEC_WINNT_AUTH_IDENTITY_W {
    pub User: *mut u16,
    pub UserLength: ULONG,
    pub Domain: *mut u16,
    pub DomainLength: ULONG,
    pub Password: *mut u16,
    pub PasswordLength: ULONG,
    /// `SEC_WINNT_AUTH_IDENTITY_ANSI` or `SEC_WINNT_AUTH_IDENTITY_UNICODE`.
    pub Flags: ULONG,
}
/// `PSEC_WINNT_AUTH_IDENTITY_W`.
pub type PSEC_WINNT_AUTH_IDENTITY_W = *mut SEC_WINNT_AUTH_IDENTITY_W;

/// `SEC_WINNT_AUTH_IDENTITY_A`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEC_WINNT_AUTH_IDENTITY_A {
    pub User: *mut u8,
    pub UserLength: ULONG,
    pub Domain: *mut u8,
    pub DomainLength: ULONG,
    pub Password: *mut u8,
    pub PasswordLength: ULONG,
    pub Flags: ULONG,
}
/// `PSEC_WINNT_AUTH_IDENTITY_A`.
pub type PSEC_WINNT_AUTH_IDENTITY_A = *mut SEC_WINNT_AUTH_IDENTITY_A;

/// `SEC_WINNT_AUTH_IDENTITY_EXW` (`Version` is `SEC_WINNT_AUTH_IDENTITY_VERSION`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEC_WINNT_AUTH_IDENTITY_EXW {
    pub Version: ULONG,
    pub Length: ULONG,
    pub User: *mut u16,
    pub UserLength: ULONG,
    pub Domain: *mut u16,
    pub DomainLength: ULONG,
    pub Password: *mut u16,
    pub PasswordLength: ULONG,
    pub Flags: ULONG,
    pub PackageList: *mut u16,
    pub PackageListLength: ULONG,
}
/// `PSEC_WINNT_AUTH_IDENTITY_EXW`.
pub type PSEC_WINNT_AUTH_IDENTITY_EXW = *mut SEC_WINNT_AUTH_IDENTITY_EXW;

/// `SECURITY_PACKAGE_OPTIONS` (`AddSecurityPackage`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SECURITY_PACKAGE_OPTIONS {
    pub Size: ULONG,
    pub Type: ULONG,
    pub Flags: ULONG,
    pub SignatureSize: ULONG,
    pub Signature: *mut c_void,
}
/// `PSECURITY_PACKAGE_OPTIONS`.
pub type PSECURITY_PACKAGE_OPTIONS = *mut SECURITY_PACKAGE_OPTIONS;

/// `SEC_WINNT_AUTH_IDENTITY_EXA`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEC_WINNT_AUTH_IDENTITY_EXA {
    pub Version: ULONG,
    pub Length: ULONG,
    pub User: *mut u8,
    pub UserLength: ULONG,
    pub Domain: *mut u8,
    pub DomainLength: ULONG,
    pub Password: *mut u8,
    pub PasswordLength: ULONG,
    pub Flags: ULONG,
    pub PackageList: *mut u8,
    pub PackageListLength: ULONG,
}
/// `PSEC_WINNT_AUTH_IDENTITY_EXA`.
pub type PSEC_WINNT_AUTH_IDENTITY_EXA = *mut SEC_WINNT_AUTH_IDENTITY_EXA;

const _: () = {
    // The asserts are 64-bit only: the i686 build is not yet layout-proven (see docs/wine.md).
    #[cfg_attr(not(target_pointer_width = "64"), allow(unused_imports))]
    use core::mem::{offset_of, size_of};
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<SEC_WINNT_AUTH_IDENTITY_W>() == 48 && size_of::<SEC_WINNT_AUTH_IDENTITY_A>() == 48);
        assert!(offset_of!(SEC_WINNT_AUTH_IDENTITY_W, Domain) == 16);
        assert!(offset_of!(SEC_WINNT_AUTH_IDENTITY_W, Password) == 32);
        assert!(offset_of!(SEC_WINNT_AUTH_IDENTITY_W, Flags) == 44);
        assert!(size_of::<SEC_WINNT_AUTH_IDENTITY_EXW>() == 72 && size_of::<SEC_WINNT_AUTH_IDENTITY_EXA>() == 72);
        assert!(offset_of!(SEC_WINNT_AUTH_IDENTITY_EXW, User) == 8);
        assert!(offset_of!(SEC_WINNT_AUTH_IDENTITY_EXW, Flags) == 52);
        assert!(offset_of!(SEC_WINNT_AUTH_IDENTITY_EXW, PackageList) == 56);
        assert!(offset_of!(SEC_WINNT_AUTH_IDENTITY_EXW, PackageListLength) == 64);
    }
};
