//! The `Lsa*` functions of ntsecapi.h that secur32 exports: a process's line to Windows' Local
//! Security Authority (logon sessions, the authentication packages' private calls such as
//! Kerberos' ticket-cache queries, `LsaLogonUser`). There is no LSA behind this library, but
//! the calls programs make to read the session's Kerberos tickets are answered from the
//! default credential cache (what the Kerberos package uses as the session's tickets):
//! `LsaConnectUntrusted` hands out a connection, `LsaLookupAuthenticationPackage` knows
//! "Kerberos", "Negotiate" and MSV1_0, and `LsaCallAuthenticationPackage` answers the Kerberos
//! package's `KerbQueryTicketCacheMessage` and its Ex and Ex2 forms for the caller's own logon
//! session (LogonId 0, as an untrusted connection may ask on Windows), in one block
//! `LsaFreeReturnBuffer` frees; another message or package is `STATUS_NOT_SUPPORTED`. The rest
//! answers `STATUS_NOT_IMPLEMENTED` (the NTSTATUS form of "unsupported"), with nothing written
//! to its outputs, so that a program importing them takes its no-LSA path; the compatibility
//! matrix lists them. What takes back what was never handed out is refused
//! (`STATUS_INVALID_PARAMETER`, `STATUS_INVALID_HANDLE`).

use std::sync::Mutex;

use super::{encode_str, guard_value, Charset};
use crate::abi::*;
use crate::packages::kerberos::package::{cached_tickets, CachedTicket};

/// ntstatus.h's values (kept out of the generated header, which does not include ntstatus.h).
const STATUS_SUCCESS: NTSTATUS = 0;
const STATUS_NOT_IMPLEMENTED: NTSTATUS = 0xC0000002_u32 as i32;
const STATUS_INVALID_HANDLE: NTSTATUS = 0xC0000008_u32 as i32;
const STATUS_INVALID_PARAMETER: NTSTATUS = 0xC000000D_u32 as i32;
const STATUS_NO_MEMORY: NTSTATUS = 0xC0000017_u32 as i32;
const STATUS_ACCESS_DENIED: NTSTATUS = 0xC0000022_u32 as i32;
const STATUS_NOT_SUPPORTED: NTSTATUS = 0xC00000BB_u32 as i32;
const STATUS_NO_SUCH_PACKAGE: NTSTATUS = 0xC00000FE_u32 as i32;

/// The packages `LsaLookupAuthenticationPackage` knows, with the numbers it gives them.
const PACKAGES: [(&str, ULONG); 3] = [("Negotiate", 0), ("MICROSOFT_AUTHENTICATION_PACKAGE_V1_0", 1), ("Kerberos", 2)];
const KERBEROS: ULONG = 2;

/// The ticket-cache queries answered (`KERB_PROTOCOL_MESSAGE_TYPE`).
const KERB_QUERY_TICKET_CACHE: u32 = 1;
const KERB_QUERY_TICKET_CACHE_EX: u32 = 14;
const KERB_QUERY_TICKET_CACHE_EX2: u32 = 20;

/// Open connections (`LsaConnectUntrusted`): blocks of `crate::alloc`, so a handle is a real
/// address no other call hands out.
static CONNECTIONS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

fn connections() -> std::sync::MutexGuard<'static, Vec<usize>> {
    CONNECTIONS.lock().unwrap_or_else(|e| e.into_inner())
}

fn is_connection(h: HANDLE) -> bool {
    !h.is_null() && connections().contains(&(h as usize))
}

/// The boundary: tracing and no unwinding (a panic is `STATUS_NOT_IMPLEMENTED` too).
fn lsa(name: &'static str, status: NTSTATUS) -> NTSTATUS {
    guard_value(name, String::new, STATUS_NOT_IMPLEMENTED, || status)
}

/// [`lsa`] for a body that computes its status.
fn lsa_with(name: &'static str, body: impl FnOnce() -> NTSTATUS) -> NTSTATUS {
    guard_value(name, String::new, STATUS_NOT_IMPLEMENTED, body)
}

/// `LsaConnectUntrusted`: a connection for the package calls below.
#[no_mangle]
pub unsafe extern "system" fn LsaConnectUntrusted(LsaHandle: *mut HANDLE) -> NTSTATUS {
    lsa_with("LsaConnectUntrusted", || {
        if LsaHandle.is_null() {
            return STATUS_INVALID_PARAMETER;
        }
        let Ok(h) = crate::alloc::allocate(1) else { return STATUS_NO_MEMORY };
        connections().push(h as usize);
        // SAFETY: checked non-NULL; the caller passes room for a HANDLE.
        unsafe { LsaHandle.write_unaligned(h.cast()) };
        STATUS_SUCCESS
    })
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

/// `LsaDeregisterLogonProcess`: closes a connection.
#[no_mangle]
pub unsafe extern "system" fn LsaDeregisterLogonProcess(LsaHandle: HANDLE) -> NTSTATUS {
    lsa_with("LsaDeregisterLogonProcess", || {
        let mut open = connections();
        let Some(i) = open.iter().position(|&h| h == LsaHandle as usize && h != 0) else {
            return STATUS_INVALID_HANDLE;
        };
        open.swap_remove(i);
        drop(open);
        let _ = crate::alloc::free(LsaHandle.cast());
        STATUS_SUCCESS
    })
}

/// `LsaLookupAuthenticationPackage`: the number of a package named by an LSA_STRING.
#[no_mangle]
pub unsafe extern "system" fn LsaLookupAuthenticationPackage(
    LsaHandle: HANDLE,
    PackageName: PLSA_STRING,
    AuthenticationPackage: *mut ULONG,
) -> NTSTATUS {
    lsa_with("LsaLookupAuthenticationPackage", || {
        if !is_connection(LsaHandle) {
            return STATUS_INVALID_HANDLE;
        }
        if PackageName.is_null() || AuthenticationPackage.is_null() {
            return STATUS_INVALID_PARAMETER;
        }
        // SAFETY: checked non-NULL; an LSA_STRING holds Length bytes at Buffer.
        let name = unsafe {
            let s = PackageName.read_unaligned();
            if s.Buffer.is_null() || s.Length > s.MaximumLength {
                return STATUS_INVALID_PARAMETER;
            }
            core::slice::from_raw_parts(s.Buffer.cast::<u8>(), usize::from(s.Length))
        };
        match PACKAGES.iter().find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name)) {
            Some(&(_, id)) => {
                // SAFETY: checked non-NULL.
                unsafe { AuthenticationPackage.write_unaligned(id) };
                STATUS_SUCCESS
            }
            None => STATUS_NO_SUCH_PACKAGE,
        }
    })
}

/// 100-ns intervals since 1601 (FILETIME, as LARGE_INTEGER) of seconds since 1970; 0 stays 0.
fn filetime(secs: i64) -> i64 {
    if secs == 0 {
        0
    } else {
        secs.saturating_add(11_644_473_600).saturating_mul(10_000_000)
    }
}

// EX2 begins as EX does: an EX2 entry is written as an EX one, then its SessionKeyType.
const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(offset_of!(KERB_TICKET_CACHE_INFO_EX2, TicketFlags) == offset_of!(KERB_TICKET_CACHE_INFO_EX, TicketFlags));
    assert!(size_of::<KERB_TICKET_CACHE_INFO_EX>() <= size_of::<KERB_TICKET_CACHE_INFO_EX2>());
};

/// One `KERB_QUERY_TKT_CACHE*_RESPONSE` in a block of `crate::alloc`: the header, the entries,
/// then their strings (UNICODE_STRINGs pointing into the block). Returns (block, length).
fn ticket_cache_response(message: u32, tickets: &[CachedTicket]) -> Result<(*mut u8, usize), NTSTATUS> {
    use core::mem::{offset_of, size_of};
    let (first, entry) = match message {
        KERB_QUERY_TICKET_CACHE => {
            (offset_of!(KERB_QUERY_TKT_CACHE_RESPONSE, Tickets), size_of::<KERB_TICKET_CACHE_INFO>())
        }
        KERB_QUERY_TICKET_CACHE_EX => {
            (offset_of!(KERB_QUERY_TKT_CACHE_EX_RESPONSE, Tickets), size_of::<KERB_TICKET_CACHE_INFO_EX>())
        }
        _ => (offset_of!(KERB_QUERY_TKT_CACHE_EX2_RESPONSE, Tickets), size_of::<KERB_TICKET_CACHE_INFO_EX2>()),
    };
    // The basic form names only the server and its realm.
    let with_client = message != KERB_QUERY_TICKET_CACHE;
    let wide = |s: &str| encode_str(s, Charset::Wide);
    let strings: Vec<[Vec<u8>; 4]> = tickets
        .iter()
        .map(|t| {
            let (client, client_realm) =
                if with_client { (wide(&t.client), wide(&t.client_realm)) } else { (Vec::new(), Vec::new()) };
            [client, client_realm, wide(&t.server), wide(&t.server_realm)]
        })
        .collect();
    let text_len: usize = strings.iter().flatten().map(Vec::len).sum();
    let total = first + entry * tickets.len() + text_len;
    let block = crate::alloc::allocate(total).map_err(|_| STATUS_NO_MEMORY)?;
    let mut text_at = first + entry * tickets.len();
    // A UNICODE_STRING over `w` (NUL-terminated UTF-16LE) placed at `text_at` in the block.
    let mut place = |w: &[u8]| -> UNICODE_STRING {
        // SAFETY: `text_at + w.len()` is within the `total` bytes allocated (counted above), and
        // `w` does not overlap the fresh block.
        let p = unsafe {
            let p = block.add(text_at);
            core::ptr::copy_nonoverlapping(w.as_ptr(), p, w.len());
            p
        };
        text_at += w.len();
        let len = (w.len() - 2).min(usize::from(u16::MAX - 3)) as u16;
        UNICODE_STRING { Length: len, MaximumLength: len + 2, Buffer: p.cast() }
    };
    // SAFETY: the header and entries lie within the block, which is aligned for them
    // (crate::alloc's alignment); entries start at the response's own Tickets offset.
    unsafe {
        block.cast::<KERB_PROTOCOL_MESSAGE_TYPE>().write(message);
        block.add(4).cast::<ULONG>().write(tickets.len() as ULONG);
        for (i, (t, s)) in tickets.iter().zip(&strings).enumerate() {
            let at = block.add(first + i * entry);
            let [client, client_realm, server, server_realm] = s;
            let (start, end, renew) = (filetime(t.start), filetime(t.end), filetime(t.renew_until));
            if message == KERB_QUERY_TICKET_CACHE {
                at.cast::<KERB_TICKET_CACHE_INFO>().write(KERB_TICKET_CACHE_INFO {
                    ServerName: place(server),
                    RealmName: place(server_realm),
                    StartTime: start,
                    EndTime: end,
                    RenewTime: renew,
                    EncryptionType: t.enctype,
                    TicketFlags: t.flags,
                });
                continue;
            }
            // EX2: the EX fields, then SessionKeyType (see the assertion above).
            at.cast::<KERB_TICKET_CACHE_INFO_EX>().write(KERB_TICKET_CACHE_INFO_EX {
                ClientName: place(client),
                ClientRealm: place(client_realm),
                ServerName: place(server),
                ServerRealm: place(server_realm),
                StartTime: start,
                EndTime: end,
                RenewTime: renew,
                EncryptionType: t.enctype,
                TicketFlags: t.flags,
            });
            if message == KERB_QUERY_TICKET_CACHE_EX2 {
                at.add(offset_of!(KERB_TICKET_CACHE_INFO_EX2, SessionKeyType))
                    .cast::<ULONG>()
                    .write(t.enctype as ULONG);
            }
        }
    }
    Ok((block, total))
}

/// `LsaCallAuthenticationPackage`: the Kerberos package's ticket-cache queries (see the module).
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
    lsa_with("LsaCallAuthenticationPackage", || {
        if !is_connection(LsaHandle) {
            return STATUS_INVALID_HANDLE;
        }
        if ProtocolReturnBuffer.is_null() || ReturnBufferLength.is_null() || ProtocolStatus.is_null() {
            return STATUS_INVALID_PARAMETER;
        }
        // SAFETY: checked non-NULL; the caller passes room for each.
        unsafe {
            ProtocolReturnBuffer.write_unaligned(core::ptr::null_mut());
            ReturnBufferLength.write_unaligned(0);
            ProtocolStatus.write_unaligned(STATUS_SUCCESS);
        }
        if !PACKAGES.iter().any(|&(_, id)| id == AuthenticationPackage) {
            return STATUS_NO_SUCH_PACKAGE;
        }
        if ProtocolSubmitBuffer.is_null() || (SubmitBufferLength as usize) < 4 {
            return STATUS_INVALID_PARAMETER;
        }
        // SAFETY: at least 4 bytes at a non-NULL buffer, per SubmitBufferLength.
        let message = unsafe { ProtocolSubmitBuffer.cast::<u32>().read_unaligned() };
        let query =
            matches!(message, KERB_QUERY_TICKET_CACHE | KERB_QUERY_TICKET_CACHE_EX | KERB_QUERY_TICKET_CACHE_EX2);
        let refuse = |status| {
            // SAFETY: checked non-NULL above.
            unsafe { ProtocolStatus.write_unaligned(status) };
            status
        };
        if AuthenticationPackage != KERBEROS || !query {
            return refuse(STATUS_NOT_SUPPORTED);
        }
        if (SubmitBufferLength as usize) < core::mem::size_of::<KERB_QUERY_TKT_CACHE_REQUEST>() {
            return STATUS_INVALID_PARAMETER;
        }
        // SAFETY: the buffer holds a whole request, per SubmitBufferLength.
        let request = unsafe { ProtocolSubmitBuffer.cast::<KERB_QUERY_TKT_CACHE_REQUEST>().read_unaligned() };
        if request.LogonId.LowPart != 0 || request.LogonId.HighPart != 0 {
            // Another logon session's tickets: Windows grants them to trusted (TCB) callers only.
            return refuse(STATUS_ACCESS_DENIED);
        }
        match ticket_cache_response(message, &cached_tickets()) {
            Ok((block, len)) => {
                // SAFETY: checked non-NULL above.
                unsafe {
                    ProtocolReturnBuffer.write_unaligned(block.cast());
                    ReturnBufferLength.write_unaligned(len as ULONG);
                }
                STATUS_SUCCESS
            }
            Err(status) => status,
        }
    })
}

/// `LsaFreeReturnBuffer`: frees what `LsaCallAuthenticationPackage` returned.
#[no_mangle]
pub unsafe extern "system" fn LsaFreeReturnBuffer(Buffer: PVOID) -> NTSTATUS {
    lsa_with("LsaFreeReturnBuffer", || {
        if Buffer.is_null() || is_connection(Buffer) || crate::alloc::free(Buffer.cast()).is_err() {
            return STATUS_INVALID_PARAMETER;
        }
        STATUS_SUCCESS
    })
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

/// `LsaLogonUser`: no LSA to log a user on with (`STATUS_NOT_IMPLEMENTED` on a connection).
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
    lsa("LsaLogonUser", if is_connection(LsaHandle) { STATUS_NOT_IMPLEMENTED } else { STATUS_INVALID_HANDLE })
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
