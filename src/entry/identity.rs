//! The `Sspi*` identity helpers of sspi.h that Windows' secur32 (and Wine's) export:
//! `SspiEncodeStringsAsAuthIdentity`, `SspiEncodeAuthIdentityAsStrings`,
//! `SspiFreeAuthIdentity`, `SspiZeroAuthIdentity`, `SspiLocalFree` and
//! `SspiPrepareForCredWrite`.
//!
//! The "opaque" identity we hand out is a `SEC_WINNT_AUTH_IDENTITY_EXW` (UNICODE, no package
//! list) followed by its NUL-terminated strings, in one block, so any package's
//! `AcquireCredentialsHandle` takes it as `pAuthData`. Every block these functions allocate
//! (identities and the strings and blobs they return) is one of `crate::alloc`'s registered
//! blocks: the free functions (`SspiFreeAuthIdentity`, `SspiLocalFree`, as Windows documents
//! them) wipe it before freeing it, and ignore pointers they did not hand out (they return
//! nothing to report an error through).

use core::ffi::c_void;

use super::wide_str;
use crate::abi::*;
use crate::error::SecError;

/// `CRED_TYPE_DOMAIN_PASSWORD` (wincred.h): what `SspiPrepareForCredWrite` reports.
const CRED_TYPE_DOMAIN_PASSWORD: ULONG = 2;

/// A registered block (`crate::alloc`) holding `bytes`, or None when out of memory.
fn alloc_block(bytes: &[u8]) -> Option<*mut u8> {
    crate::alloc::allocate_copy(bytes).ok()
}

/// Wipes a block of ours (no-op for other pointers and NULL); `free` also frees it.
fn wipe_block(p: *mut c_void, free: bool) {
    if free {
        // A pointer that is not ours (or freed twice) is refused by the registry: ignored here.
        let _ = crate::alloc::free(p.cast());
    } else {
        crate::alloc::wipe_in_place(p.cast());
    }
}

/// A recorded NUL-terminated UTF-16 copy of `s`.
fn alloc_wide(s: &str) -> Option<*mut u16> {
    let bytes = zeroize::Zeroizing::new(super::encode_str(s, super::Charset::Wide));
    alloc_block(&bytes).map(|p| p.cast())
}

/// Builds the opaque identity from its parts (None: absent).
fn encode_identity(user: Option<&str>, domain: Option<&str>, password: Option<&str>) -> Option<*mut c_void> {
    let head = core::mem::size_of::<SEC_WINNT_AUTH_IDENTITY_EXW>();
    let parts: [Option<zeroize::Zeroizing<Vec<u16>>>; 3] =
        [user, domain, password].map(|s| s.map(|s| zeroize::Zeroizing::new(s.encode_utf16().collect())));
    let total = head + parts.iter().flatten().map(|p| (p.len() + 1) * 2).sum::<usize>();
    let mut block = zeroize::Zeroizing::new(vec![0u8; total]);
    let mut at = head;
    let mut offsets = [None; 3];
    for (k, part) in parts.iter().enumerate() {
        if let Some(u) = part {
            offsets[k] = Some((at, u.len()));
            for (i, c) in u.iter().enumerate() {
                block[at + 2 * i..at + 2 * i + 2].copy_from_slice(&c.to_le_bytes());
            }
            at += (u.len() + 1) * 2;
        }
    }
    let p = alloc_block(&block)?;
    let string = |k: usize| match offsets[k] {
        // SAFETY: the offset is inside the block just allocated.
        Some((o, n)) => (unsafe { p.add(o) }.cast::<u16>(), n as ULONG),
        None => (core::ptr::null_mut(), 0),
    };
    let ((u, ul), (d, dl), (w, wl)) = (string(0), string(1), string(2));
    let id = SEC_WINNT_AUTH_IDENTITY_EXW {
        Version: SEC_WINNT_AUTH_IDENTITY_VERSION,
        Length: head as ULONG,
        User: u,
        UserLength: ul,
        Domain: d,
        DomainLength: dl,
        Password: w,
        PasswordLength: wl,
        Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
        PackageList: core::ptr::null_mut(),
        PackageListLength: 0,
    };
    // SAFETY: the block is `total` >= `head` bytes.
    unsafe { core::ptr::write_unaligned(p.cast::<SEC_WINNT_AUTH_IDENTITY_EXW>(), id) };
    Some(p.cast())
}

/// User, domain and password (each None when absent).
type IdentityStrings = (Option<String>, Option<String>, Option<zeroize::Zeroizing<String>>);

/// The strings of an identity: ours read as laid out, any other through the `pAuthData`
/// reader `AcquireCredentialsHandle` uses.
///
/// # Safety
/// `p` is one of our identities or a readable `SEC_WINNT_AUTH_IDENTITY*`.
unsafe fn decode_identity(p: *const c_void) -> Result<IdentityStrings, SecError> {
    if p.is_null() {
        return Err(SecError::invalid_token("NULL identity"));
    }
    if crate::alloc::is_live(p.cast()) {
        // SAFETY: ours: a SEC_WINNT_AUTH_IDENTITY_EXW whose strings are NUL-terminated in the block.
        let id = unsafe { core::ptr::read_unaligned(p.cast::<SEC_WINNT_AUTH_IDENTITY_EXW>()) };
        // SAFETY: as above.
        let read = |s: *mut u16| unsafe { wide_str(s) };
        return Ok((read(id.User)?, read(id.Domain)?, read(id.Password)?.map(zeroize::Zeroizing::new)));
    }
    // SAFETY: forwarded contract.
    match unsafe { super::credentials::identity_auth_data(p) }? {
        crate::packages::AuthData::Identity(i) => {
            let some = |s: String| (!s.is_empty()).then_some(s);
            Ok((some(i.user), some(i.domain), Some(i.password)))
        }
        _ => Ok((None, None, None)),
    }
}

/// `SspiEncodeStringsAsAuthIdentity`: an identity from a user, domain and password (any may
/// be NULL, not all three; Windows answers `SEC_E_INVALID_TOKEN` then and for a NULL output).
#[no_mangle]
pub unsafe extern "system" fn SspiEncodeStringsAsAuthIdentity(
    pszUserName: PCWSTR,
    pszDomainName: PCWSTR,
    pszPackedCredentialsString: PCWSTR,
    ppAuthIdentity: *mut PSEC_WINNT_AUTH_IDENTITY_OPAQUE,
) -> SECURITY_STATUS {
    crate::entry!("SspiEncodeStringsAsAuthIdentity", [pszUserName, pszDomainName, ppAuthIdentity], {
        if pszUserName.is_null() && pszDomainName.is_null() && pszPackedCredentialsString.is_null() {
            return Err(SecError::invalid_token("no user, domain or password"));
        }
        if ppAuthIdentity.is_null() {
            return Err(SecError::invalid_token("NULL ppAuthIdentity"));
        }
        // SAFETY: NULL or NUL-terminated strings, per the contract.
        let (user, domain) = unsafe { (wide_str(pszUserName)?, wide_str(pszDomainName)?) };
        // SAFETY: as above.
        let password = zeroize::Zeroizing::new(unsafe { wide_str(pszPackedCredentialsString) }?);
        let id = encode_identity(user.as_deref(), domain.as_deref(), password.as_deref())
            .ok_or(SecError::new(SEC_E_INSUFFICIENT_MEMORY, "out of memory"))?;
        // SAFETY: non-null out-pointer, per the contract.
        unsafe { core::ptr::write_unaligned(ppAuthIdentity, id) };
        Ok(SEC_E_OK)
    })
}

/// `SspiEncodeAuthIdentityAsStrings`: the identity's user, domain and password as strings the
/// caller frees with `SspiLocalFree` (NULL for an absent one; NULL output pointers are skipped).
#[no_mangle]
pub unsafe extern "system" fn SspiEncodeAuthIdentityAsStrings(
    pAuthIdentity: PSEC_WINNT_AUTH_IDENTITY_OPAQUE,
    ppszUserName: *mut PCWSTR,
    ppszDomainName: *mut PCWSTR,
    ppszPackedCredentialsString: *mut PCWSTR,
) -> SECURITY_STATUS {
    crate::entry!("SspiEncodeAuthIdentityAsStrings", [pAuthIdentity, ppszUserName, ppszDomainName], {
        // SAFETY: forwarded contract.
        let (user, domain, password) = unsafe { decode_identity(pAuthIdentity) }?;
        let mut made: Vec<*mut u16> = Vec::new();
        let mut out = |s: Option<&str>| -> Result<*mut u16, SecError> {
            match s {
                None => Ok(core::ptr::null_mut()),
                Some(s) => {
                    let p = alloc_wide(s).ok_or(SecError::new(SEC_E_INSUFFICIENT_MEMORY, "out of memory"))?;
                    made.push(p);
                    Ok(p)
                }
            }
        };
        let r = (|| {
            Ok::<_, SecError>((
                out(user.as_deref())?,
                out(domain.as_deref())?,
                out(password.as_deref().map(|s| s.as_str()))?,
            ))
        })();
        let (u, d, w) = match r {
            Ok(v) => v,
            Err(e) => {
                for p in made {
                    wipe_block(p.cast(), true);
                }
                return Err(e);
            }
        };
        for (dst, v) in [(ppszUserName, u), (ppszDomainName, d), (ppszPackedCredentialsString, w)] {
            if dst.is_null() {
                wipe_block(v.cast(), true);
            } else {
                // SAFETY: a non-null out-pointer, per the contract.
                unsafe { core::ptr::write_unaligned(dst, v.cast_const()) };
            }
        }
        Ok(SEC_E_OK)
    })
}

/// `SspiFreeAuthIdentity`: wipes and frees an identity of ours (NULL and others ignored).
#[no_mangle]
pub unsafe extern "system" fn SspiFreeAuthIdentity(AuthData: PSEC_WINNT_AUTH_IDENTITY_OPAQUE) {
    super::guard_value("SspiFreeAuthIdentity", || format!("{AuthData:?}"), (), || wipe_block(AuthData, true))
}

/// `SspiZeroAuthIdentity`: wipes an identity of ours in place (it stays allocated).
#[no_mangle]
pub unsafe extern "system" fn SspiZeroAuthIdentity(AuthData: PSEC_WINNT_AUTH_IDENTITY_OPAQUE) {
    super::guard_value("SspiZeroAuthIdentity", || format!("{AuthData:?}"), (), || wipe_block(AuthData, false))
}

/// `SspiLocalFree`: frees (wiped) a string or blob these functions returned.
#[no_mangle]
pub unsafe extern "system" fn SspiLocalFree(DataBuffer: PVOID) {
    super::guard_value("SspiLocalFree", || format!("{DataBuffer:?}"), (), || wipe_block(DataBuffer, true))
}

/// `SspiPrepareForCredWrite`: what `CredWrite` needs to keep the identity in the Credential
/// Manager: `CRED_TYPE_DOMAIN_PASSWORD`, the target (`pszTargetName`, else the identity's
/// domain), `DOMAIN\user` (or the user), and the password's UTF-16 bytes as the blob. Every
/// output is freed with `SspiLocalFree`.
#[no_mangle]
pub unsafe extern "system" fn SspiPrepareForCredWrite(
    AuthIdentity: PSEC_WINNT_AUTH_IDENTITY_OPAQUE,
    pszTargetName: PCWSTR,
    pCredmanCredentialType: *mut ULONG,
    ppszCredmanTargetName: *mut PCWSTR,
    ppszCredmanUserName: *mut PCWSTR,
    ppCredentialBlob: *mut *mut UCHAR,
    pCredentialBlobSize: *mut ULONG,
) -> SECURITY_STATUS {
    crate::entry!("SspiPrepareForCredWrite", [AuthIdentity, pszTargetName, pCredmanCredentialType], {
        if [pCredmanCredentialType.is_null(), ppszCredmanTargetName.is_null(), ppszCredmanUserName.is_null()]
            .into_iter()
            .chain([ppCredentialBlob.is_null(), pCredentialBlobSize.is_null()])
            .any(|n| n)
        {
            return Err(SecError::invalid_parameter("NULL output"));
        }
        // SAFETY: forwarded contract.
        let (user, domain, password) = unsafe { decode_identity(AuthIdentity) }?;
        let user = user.ok_or(SecError::invalid_parameter("the identity has no user name"))?;
        // SAFETY: NULL or a NUL-terminated string.
        let target = unsafe { wide_str(pszTargetName) }?.or_else(|| domain.clone());
        let target = target.ok_or(SecError::invalid_parameter("no target name and no domain"))?;
        let name = match &domain {
            Some(d) => format!("{d}\\{user}"),
            None => user,
        };
        let blob: zeroize::Zeroizing<Vec<u8>> = zeroize::Zeroizing::new(
            password.as_deref().map(|p| p.encode_utf16().flat_map(u16::to_le_bytes).collect()).unwrap_or_default(),
        );
        let oom = || SecError::new(SEC_E_INSUFFICIENT_MEMORY, "out of memory");
        let t = alloc_wide(&target).ok_or_else(oom)?;
        let Some(n) = alloc_wide(&name) else {
            wipe_block(t.cast(), true);
            return Err(oom());
        };
        let b = if blob.is_empty() { Some(core::ptr::null_mut()) } else { alloc_block(&blob) };
        let Some(b) = b else {
            wipe_block(t.cast(), true);
            wipe_block(n.cast(), true);
            return Err(oom());
        };
        // SAFETY: non-null out-pointers (checked above).
        unsafe {
            core::ptr::write_unaligned(pCredmanCredentialType, CRED_TYPE_DOMAIN_PASSWORD);
            core::ptr::write_unaligned(ppszCredmanTargetName, t.cast_const());
            core::ptr::write_unaligned(ppszCredmanUserName, n.cast_const());
            core::ptr::write_unaligned(ppCredentialBlob, b);
            core::ptr::write_unaligned(pCredentialBlobSize, blob.len() as ULONG);
        }
        Ok(SEC_E_OK)
    })
}
