//! secext.h: the names of the logged-on user and of the computer (`GetUserNameExA/W`,
//! `GetComputerObjectNameA/W`, `TranslateNameA/W`), which Windows keeps in secur32.
//!
//! Outside a Windows domain the user is a local account, and Windows answers as it does for
//! one: `NameSamCompatible` is `COMPUTER\user` (the NetBIOS-style computer name, see
//! [`crate::platform::computer_name`]); `NameDisplay` the account's full name where the system
//! keeps one (the passwd GECOS field on Linux), else `ERROR_NONE_MAPPED`; `NameUserPrincipal`
//! the Kerberos identity of the session, the default credential cache's principal (what the
//! Kerberos package acquires without an identity; a domain logon's UPN on Windows), else
//! `ERROR_NONE_MAPPED`; the directory formats (`NameFullyQualifiedDN`, `NameCanonical`...)
//! `ERROR_NONE_MAPPED`.
//! There is no computer object (`ERROR_CANT_ACCESS_DOMAIN_INFO`) and no directory to translate
//! names through (`ERROR_NO_SUCH_DOMAIN`). The results go through the thread's last error, as
//! Windows reports them. Sizes follow Windows: characters (bytes for A, the "ANSI" code page
//! being UTF-8 here) including the terminator when the buffer is short (`ERROR_MORE_DATA`,
//! the buffer left untouched), without it on success.

use core::ffi::c_char;

use super::{ansi_str, guard_value, wide_str, Charset};
use crate::abi::*;

/// The formats secext.h names (`EXTENDED_NAME_FORMAT`).
const NAME_UNKNOWN: u32 = 0;
const NAME_SAM_COMPATIBLE: u32 = 2;
const NAME_DISPLAY: u32 = 3;
const NAME_USER_PRINCIPAL: u32 = 8;
const KNOWN_FORMATS: [u32; 12] = [0, 1, 2, 3, 6, 7, 8, 9, 10, 12, 13, 14];

/// The calling user's name in `format`, or the Win32 error Windows gives for a local account.
pub fn user_name_ex(format: EXTENDED_NAME_FORMAT) -> Result<String, DWORD> {
    match format {
        NAME_SAM_COMPATIBLE => {
            let user = crate::platform::user_name().ok_or(ERROR_NONE_MAPPED)?;
            let computer = crate::platform::computer_name().ok_or(ERROR_NONE_MAPPED)?;
            Ok(format!("{computer}\\{user}"))
        }
        NAME_DISPLAY => crate::platform::user_full_name().ok_or(ERROR_NONE_MAPPED),
        NAME_USER_PRINCIPAL => crate::packages::kerberos::package::logon_principal().ok_or(ERROR_NONE_MAPPED),
        NAME_UNKNOWN => Err(ERROR_NO_SUCH_USER),
        f if KNOWN_FORMATS.contains(&f) => Err(ERROR_NONE_MAPPED),
        _ => Err(ERROR_INVALID_PARAMETER),
    }
}

/// The computer's directory name in `format`: there is no directory.
pub fn computer_object_name(format: EXTENDED_NAME_FORMAT) -> Result<String, DWORD> {
    match format {
        NAME_UNKNOWN => Err(ERROR_INVALID_PARAMETER),
        f if KNOWN_FORMATS.contains(&f) => Err(ERROR_CANT_ACCESS_DOMAIN_INFO),
        _ => Err(ERROR_INVALID_PARAMETER),
    }
}

/// A name translated between formats: that needs a domain's directory.
pub fn translate_name(
    account: Option<&str>,
    from: EXTENDED_NAME_FORMAT,
    to: EXTENDED_NAME_FORMAT,
) -> Result<String, DWORD> {
    if account.is_none_or(str::is_empty) || !KNOWN_FORMATS.contains(&from) || !KNOWN_FORMATS.contains(&to) {
        return Err(ERROR_INVALID_PARAMETER);
    }
    if from == NAME_UNKNOWN && to == NAME_UNKNOWN {
        return Err(ERROR_INVALID_PARAMETER);
    }
    Err(ERROR_NO_SUCH_DOMAIN)
}

/// Writes `name` the Windows way: see the module docs. Returns the BOOLEAN result.
///
/// # Safety
/// `buffer` is NULL or writable for `*size` units of `cs`; `size` is NULL or points to a ULONG.
unsafe fn write_name(name: Result<String, DWORD>, buffer: *mut u8, size: *mut ULONG, cs: Charset) -> BOOLEAN {
    if size.is_null() {
        crate::platform::set_last_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let name = match name {
        Ok(n) => n,
        Err(e) => {
            crate::platform::set_last_error(e);
            return 0;
        }
    };
    let encoded = super::encode_str(&name, cs);
    let unit = if cs == Charset::Wide { 2 } else { 1 };
    let need = (encoded.len() / unit) as ULONG;
    // SAFETY: non-null, per the contract.
    let have = unsafe { core::ptr::read_unaligned(size) };
    if buffer.is_null() || have < need {
        // SAFETY: as above.
        unsafe { core::ptr::write_unaligned(size, need) };
        crate::platform::set_last_error(ERROR_MORE_DATA);
        return 0;
    }
    // SAFETY: the caller's buffer holds `have` >= `need` units.
    unsafe {
        core::ptr::copy_nonoverlapping(encoded.as_ptr(), buffer, encoded.len());
        core::ptr::write_unaligned(size, need - 1);
    }
    1
}

/// The boundary of these exports: tracing, and a caught panic answers FALSE.
fn name_export(name: &'static str, args: impl FnOnce() -> String, body: impl FnOnce() -> BOOLEAN) -> BOOLEAN {
    guard_value(name, args, 0, body)
}

/// `GetUserNameExW`.
#[no_mangle]
pub unsafe extern "system" fn GetUserNameExW(
    NameFormat: EXTENDED_NAME_FORMAT,
    lpNameBuffer: LPWSTR,
    nSize: *mut ULONG,
) -> BOOLEAN {
    name_export(
        "GetUserNameExW",
        || format!("{NameFormat} {lpNameBuffer:?} {nSize:?}"),
        || {
            // SAFETY: the caller's buffer and size, as the function's contract says.
            unsafe { write_name(user_name_ex(NameFormat), lpNameBuffer.cast(), nSize, Charset::Wide) }
        },
    )
}

/// `GetUserNameExA` (the "ANSI" code page is UTF-8 here).
#[no_mangle]
pub unsafe extern "system" fn GetUserNameExA(
    NameFormat: EXTENDED_NAME_FORMAT,
    lpNameBuffer: LPSTR,
    nSize: *mut ULONG,
) -> BOOLEAN {
    name_export(
        "GetUserNameExA",
        || format!("{NameFormat} {lpNameBuffer:?} {nSize:?}"),
        || {
            // SAFETY: as GetUserNameExW.
            unsafe { write_name(user_name_ex(NameFormat), lpNameBuffer.cast(), nSize, Charset::Ansi) }
        },
    )
}

/// `GetComputerObjectNameW`.
#[no_mangle]
pub unsafe extern "system" fn GetComputerObjectNameW(
    NameFormat: EXTENDED_NAME_FORMAT,
    lpNameBuffer: LPWSTR,
    nSize: *mut ULONG,
) -> BOOLEAN {
    name_export(
        "GetComputerObjectNameW",
        || format!("{NameFormat} {lpNameBuffer:?} {nSize:?}"),
        || {
            // SAFETY: as GetUserNameExW.
            unsafe { write_name(computer_object_name(NameFormat), lpNameBuffer.cast(), nSize, Charset::Wide) }
        },
    )
}

/// `GetComputerObjectNameA`.
#[no_mangle]
pub unsafe extern "system" fn GetComputerObjectNameA(
    NameFormat: EXTENDED_NAME_FORMAT,
    lpNameBuffer: LPSTR,
    nSize: *mut ULONG,
) -> BOOLEAN {
    name_export(
        "GetComputerObjectNameA",
        || format!("{NameFormat} {lpNameBuffer:?} {nSize:?}"),
        || {
            // SAFETY: as GetUserNameExW.
            unsafe { write_name(computer_object_name(NameFormat), lpNameBuffer.cast(), nSize, Charset::Ansi) }
        },
    )
}

/// `TranslateNameW`.
#[no_mangle]
pub unsafe extern "system" fn TranslateNameW(
    lpAccountName: LPCWSTR,
    AccountNameFormat: EXTENDED_NAME_FORMAT,
    DesiredNameFormat: EXTENDED_NAME_FORMAT,
    lpTranslatedName: LPWSTR,
    nSize: *mut ULONG,
) -> BOOLEAN {
    name_export(
        "TranslateNameW",
        || format!("{lpAccountName:?} {AccountNameFormat} {DesiredNameFormat} {lpTranslatedName:?} {nSize:?}"),
        || {
            // SAFETY: NULL or a NUL-terminated string, per the contract.
            let account = unsafe { wide_str(lpAccountName) }.ok().flatten();
            let r = translate_name(account.as_deref(), AccountNameFormat, DesiredNameFormat);
            // SAFETY: as GetUserNameExW.
            unsafe { write_name(r, lpTranslatedName.cast(), nSize, Charset::Wide) }
        },
    )
}

/// `TranslateNameA`.
#[no_mangle]
pub unsafe extern "system" fn TranslateNameA(
    lpAccountName: LPCSTR,
    AccountNameFormat: EXTENDED_NAME_FORMAT,
    DesiredNameFormat: EXTENDED_NAME_FORMAT,
    lpTranslatedName: LPSTR,
    nSize: *mut ULONG,
) -> BOOLEAN {
    name_export(
        "TranslateNameA",
        || format!("{lpAccountName:?} {AccountNameFormat} {DesiredNameFormat} {lpTranslatedName:?} {nSize:?}"),
        || {
            // SAFETY: NULL or a NUL-terminated string, per the contract.
            let account = unsafe { ansi_str(lpAccountName as *const c_char) }.ok().flatten();
            let r = translate_name(account.as_deref(), AccountNameFormat, DesiredNameFormat);
            // SAFETY: as GetUserNameExW.
            unsafe { write_name(r, lpTranslatedName.cast(), nSize, Charset::Ansi) }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_account_names() {
        let sam = user_name_ex(NAME_SAM_COMPATIBLE).unwrap();
        let (computer, user) = sam.split_once('\\').unwrap();
        assert_eq!(Some(user.to_string()), crate::platform::user_name());
        assert!(!computer.is_empty() && computer.len() <= 15 && computer == computer.to_uppercase(), "{computer}");
        for f in [1, 6, 7, 8, 9, 10, 12, 13, 14] {
            assert_eq!(user_name_ex(f), Err(ERROR_NONE_MAPPED), "{f}");
        }
        assert_eq!(user_name_ex(NAME_UNKNOWN), Err(ERROR_NO_SUCH_USER));
        assert_eq!(user_name_ex(4), Err(ERROR_INVALID_PARAMETER));
        assert_eq!(computer_object_name(NAME_SAM_COMPATIBLE), Err(ERROR_CANT_ACCESS_DOMAIN_INFO));
        assert_eq!(computer_object_name(NAME_UNKNOWN), Err(ERROR_INVALID_PARAMETER));
        assert_eq!(translate_name(Some(&sam), 2, 8), Err(ERROR_NO_SUCH_DOMAIN));
        assert_eq!(translate_name(None, 2, 8), Err(ERROR_INVALID_PARAMETER));
        assert_eq!(translate_name(Some(&sam), 2, 99), Err(ERROR_INVALID_PARAMETER));
    }
}
