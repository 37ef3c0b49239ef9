//! The `Lsa*` functions of ntsecapi.h that secur32 exports: a process's line to Windows' Local
//! Security Authority (logon sessions, the authentication packages' private calls such as
//! Kerberos' ticket-cache queries, `LsaLogonUser`). There is no LSA behind this library: each
//! answers `STATUS_NOT_IMPLEMENTED` (the NTSTATUS form of "unsupported"), with nothing written
//! to its outputs, so that a program importing them loads and takes its no-LSA path; the
//! compatibility matrix lists them. `LsaFreeReturnBuffer` and `LsaDeregisterLogonProcess`,
//! which only take back what the others hand out, refuse anything (`STATUS_INVALID_PARAMETER`,
//! `STATUS_INVALID_HANDLE`): nothing was handed out.

use super::guard_value;
use crate::abi::*;

/// ntstatus.h's values (kept out of the generated header, which does not include ntstatus.h).
const STATUS_NOT_IMPLEMENTED: NTSTATUS = 0xC0000002_u32 as i32;
const STATUS_INVALID_HANDLE: NTSTATUS = 0xC0000008_u32 as i32;
const STATUS_INVALID_PARAMETER: NTSTATUS = 0xC000000D_u32 as i32;

/// The boundary: tracing and no unwinding (a panic is `STATUS_NOT_IMPLEMENTED` too).
fn lsa(name: &'static str, status: NTSTATUS) -> NTSTATUS {
    guard_value(name, String::new, STATUS_NOT_IMPLEMENTED, || status)
}

/// `LsaConnectUntrusted`.
#[no_mangle]
pub unsafe extern "system" fn LsaConnectUntrusted(LsaHandle: *mut HANDLE) -> NTSTATUS {
    let _ = LsaHandle;
    lsa("LsaConnectUntrusted", STATUS_NOT_IMPLEMENTED)
}

/// `LsaRegisterLogonProcess`.
#[no_mangle]
pub unsafe extern "system" fn LsaRegisterLogonProcess(
    LogonProcessName: PLSA_STRING,
    LsaHandle: *mut HANDLE,
    SecurityMode: PLSA_OPERATIONAL_MODE,
) -> NTSTATUS {
    let _ = (LogonProcessName, LsaHandle, SecurityMode);
    lsa("LsaRegisterLogonProcess", STATUS_NOT_IMPLEMENTED)
}

/// `LsaDeregisterLogonProcess`: no handle was handed out.
#[no_mangle]
pub unsafe extern "system" fn LsaDeregisterLogonProcess(LsaHandle: HANDLE) -> NTSTATUS {
    let _ = LsaHandle;
    lsa("LsaDeregisterLogonProcess", STATUS_INVALID_HANDLE)
}

/// `LsaLookupAuthenticationPackage`: no handle was handed out.
#[no_mangle]
pub unsafe extern "system" fn LsaLookupAuthenticationPackage(
    LsaHandle: HANDLE,
    PackageName: PLSA_STRING,
    AuthenticationPackage: *mut ULONG,
) -> NTSTATUS {
    let _ = (LsaHandle, PackageName, AuthenticationPackage);
    lsa("LsaLookupAuthenticationPackage", STATUS_INVALID_HANDLE)
}

/// `LsaCallAuthenticationPackage`: no handle was handed out.
#[no_mangle]
pub unsafe extern "system" fn LsaCallAuthenticationPackage(
    LsaHandle: HANDLE,
    AuthenticationPackage: ULONG,
    ProtocolSubmitBuffer: PVOID,
    SubmitBufferLength: ULONG,
    ProtocolReturnBuffer: *mut PVOID,
    ReturnBufferLength: *mut ULONG,
    ProtocolStatus: PNTSTATUS,
) -> NTSTATUS {
    let _ = (LsaHandle, AuthenticationPackage, ProtocolSubmitBuffer, SubmitBufferLength);
    let _ = (ProtocolReturnBuffer, ReturnBufferLength, ProtocolStatus);
    lsa("LsaCallAuthenticationPackage", STATUS_INVALID_HANDLE)
}

/// `LsaFreeReturnBuffer`: nothing was handed out to free.
#[no_mangle]
pub unsafe extern "system" fn LsaFreeReturnBuffer(Buffer: PVOID) -> NTSTATUS {
    let _ = Buffer;
    lsa("LsaFreeReturnBuffer", STATUS_INVALID_PARAMETER)
}

/// `LsaEnumerateLogonSessions`.
#[no_mangle]
pub unsafe extern "system" fn LsaEnumerateLogonSessions(
    LogonSessionCount: *mut ULONG,
    LogonSessionList: *mut PLUID,
) -> NTSTATUS {
    let _ = (LogonSessionCount, LogonSessionList);
    lsa("LsaEnumerateLogonSessions", STATUS_NOT_IMPLEMENTED)
}

/// `LsaRegisterPolicyChangeNotification`.
#[no_mangle]
pub unsafe extern "system" fn LsaRegisterPolicyChangeNotification(
    InformationClass: POLICY_NOTIFICATION_INFORMATION_CLASS,
    NotificationEventHandle: HANDLE,
) -> NTSTATUS {
    let _ = (InformationClass, NotificationEventHandle);
    lsa("LsaRegisterPolicyChangeNotification", STATUS_NOT_IMPLEMENTED)
}

/// `LsaUnregisterPolicyChangeNotification`.
#[no_mangle]
pub unsafe extern "system" fn LsaUnregisterPolicyChangeNotification(
    InformationClass: POLICY_NOTIFICATION_INFORMATION_CLASS,
    NotificationEventHandle: HANDLE,
) -> NTSTATUS {
    let _ = (InformationClass, NotificationEventHandle);
    lsa("LsaUnregisterPolicyChangeNotification", STATUS_NOT_IMPLEMENTED)
}

/// `LsaLogonUser`: no LSA to log a user on with (and no handle was handed out).
#[no_mangle]
pub unsafe extern "system" fn LsaLogonUser(
    LsaHandle: HANDLE,
    OriginName: PLSA_STRING,
    LogonType: SECURITY_LOGON_TYPE,
    AuthenticationPackage: ULONG,
    AuthenticationInformation: PVOID,
    AuthenticationInformationLength: ULONG,
    LocalGroups: PTOKEN_GROUPS,
    SourceContext: PTOKEN_SOURCE,
    ProfileBuffer: *mut PVOID,
    ProfileBufferLength: *mut ULONG,
    LogonId: PLUID,
    Token: *mut HANDLE,
    Quotas: PQUOTA_LIMITS,
    SubStatus: PNTSTATUS,
) -> NTSTATUS {
    let _ = (LsaHandle, OriginName, LogonType, AuthenticationPackage, AuthenticationInformation);
    let _ = (AuthenticationInformationLength, LocalGroups, SourceContext, ProfileBuffer, ProfileBufferLength);
    let _ = (LogonId, Token, Quotas, SubStatus);
    lsa("LsaLogonUser", STATUS_INVALID_HANDLE)
}

/// `LsaGetLogonSessionData`: there are no logon sessions to describe.
#[no_mangle]
pub unsafe extern "system" fn LsaGetLogonSessionData(
    LogonId: PLUID,
    ppLogonSessionData: *mut PSECURITY_LOGON_SESSION_DATA,
) -> NTSTATUS {
    let _ = (LogonId, ppLogonSessionData);
    lsa("LsaGetLogonSessionData", STATUS_NOT_IMPLEMENTED)
}
