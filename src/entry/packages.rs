//! Package enumeration, `InitSecurityInterface` and `FreeContextBuffer`.

use core::ffi::{c_char, c_void};

use once_cell::sync::Lazy;

use super::{ansi_str, encode_str, guard_value, wide_str, write_out, Charset};
use crate::abi::*;
use crate::alloc;
use crate::entry;
use crate::error::{SecError, SecResult};
use crate::packages::{self, PackageInfo};

/// Builds one `FreeContextBuffer` block: `infos.len()` `SecPkgInfoA/W`
/// followed by their strings, which point into the same block.
pub(crate) fn package_info_block(infos: &[&PackageInfo], cs: Charset) -> SecResult<*mut u8> {
    const _: () = assert!(core::mem::size_of::<SecPkgInfoW>() == core::mem::size_of::<SecPkgInfoA>());
    let head = core::mem::size_of::<SecPkgInfoW>() * infos.len();
    let strings: Vec<(Vec<u8>, Vec<u8>)> =
        infos.iter().map(|i| (encode_str(i.name, cs), encode_str(i.comment, cs))).collect();
    let total = head + strings.iter().map(|(n, c)| n.len() + c.len()).sum::<usize>();
    let block = alloc::allocate(total)?;
    let mut off = head;
    for (k, (info, (name, comment))) in infos.iter().zip(&strings).enumerate() {
        // SAFETY: `block` has `total` bytes: the head holds `infos.len()`
        // structs and the strings fit after it by construction of `total`.
        unsafe {
            let name_p = block.add(off);
            core::ptr::copy_nonoverlapping(name.as_ptr(), name_p, name.len());
            off += name.len();
            let comment_p = block.add(off);
            core::ptr::copy_nonoverlapping(comment.as_ptr(), comment_p, comment.len());
            off += comment.len();
            let entry = SecPkgInfoW {
                fCapabilities: info.capabilities,
                wVersion: info.version,
                wRPCID: info.rpc_id,
                cbMaxToken: info.max_token,
                Name: name_p.cast(),
                Comment: comment_p.cast(),
            };
            // SecPkgInfoA has the same layout with char pointers.
            core::ptr::write_unaligned(block.cast::<SecPkgInfoW>().add(k), entry);
        }
    }
    Ok(block)
}

fn enumerate(pc: *mut ULONG, pp: *mut *mut c_void, cs: Charset) -> SecResult<SECURITY_STATUS> {
    if pc.is_null() || pp.is_null() {
        return Err(SecError::invalid_parameter("NULL output pointer"));
    }
    let infos: Vec<&PackageInfo> = packages::registry().iter().map(|r| &r.info).collect();
    let block = package_info_block(&infos, cs)?;
    // SAFETY: both pointers were checked non-null; the caller promises they
    // are writable.
    unsafe {
        write_out(pc, infos.len() as ULONG, SecError::invalid_parameter("pcPackages"))?;
        write_out(pp, block.cast(), SecError::invalid_parameter("ppPackageInfo"))?;
    }
    Ok(SEC_E_OK)
}

fn query_package(name: Option<String>, pp: *mut *mut c_void, cs: Charset) -> SecResult<SECURITY_STATUS> {
    if pp.is_null() {
        return Err(SecError::invalid_parameter("NULL ppPackageInfo"));
    }
    let name = name.ok_or(SecError::new(SEC_E_SECPKG_NOT_FOUND, "NULL package name"))?;
    let reg = packages::find(&name).ok_or(SecError::new(SEC_E_SECPKG_NOT_FOUND, "unknown package"))?;
    let block = package_info_block(&[&reg.info], cs)?;
    // SAFETY: checked non-null above; writable per the caller contract.
    unsafe { write_out(pp, block.cast(), SecError::invalid_parameter("ppPackageInfo"))? };
    Ok(SEC_E_OK)
}

/// `EnumerateSecurityPackagesW`.
#[no_mangle]
pub unsafe extern "system" fn EnumerateSecurityPackagesW(
    pcPackages: *mut ULONG,
    ppPackageInfo: *mut *mut SecPkgInfoW,
) -> SECURITY_STATUS {
    entry!("EnumerateSecurityPackagesW", [pcPackages, ppPackageInfo], {
        enumerate(pcPackages, ppPackageInfo.cast(), Charset::Wide)
    })
}

/// `EnumerateSecurityPackagesA`.
#[no_mangle]
pub unsafe extern "system" fn EnumerateSecurityPackagesA(
    pcPackages: *mut ULONG,
    ppPackageInfo: *mut *mut SecPkgInfoA,
) -> SECURITY_STATUS {
    entry!("EnumerateSecurityPackagesA", [pcPackages, ppPackageInfo], {
        enumerate(pcPackages, ppPackageInfo.cast(), Charset::Ansi)
    })
}

/// `QuerySecurityPackageInfoW`.
#[no_mangle]
pub unsafe extern "system" fn QuerySecurityPackageInfoW(
    pszPackageName: *mut SEC_WCHAR,
    ppPackageInfo: *mut *mut SecPkgInfoW,
) -> SECURITY_STATUS {
    entry!("QuerySecurityPackageInfoW", [pszPackageName, ppPackageInfo], {
        // SAFETY: a NUL-terminated string or NULL, per the SSPI contract.
        let name = unsafe { wide_str(pszPackageName) }?;
        query_package(name, ppPackageInfo.cast(), Charset::Wide)
    })
}

/// `QuerySecurityPackageInfoA`.
#[no_mangle]
pub unsafe extern "system" fn QuerySecurityPackageInfoA(
    pszPackageName: *mut SEC_CHAR,
    ppPackageInfo: *mut *mut SecPkgInfoA,
) -> SECURITY_STATUS {
    entry!("QuerySecurityPackageInfoA", [pszPackageName, ppPackageInfo], {
        // SAFETY: a NUL-terminated string or NULL, per the SSPI contract.
        let name = unsafe { ansi_str(pszPackageName as *const c_char) }?;
        query_package(name, ppPackageInfo.cast(), Charset::Ansi)
    })
}

/// `FreeContextBuffer`: frees only blocks this library allocated.
#[no_mangle]
pub unsafe extern "system" fn FreeContextBuffer(pvContextBuffer: *mut c_void) -> SECURITY_STATUS {
    entry!("FreeContextBuffer", [pvContextBuffer], {
        alloc::free(pvContextBuffer.cast())?;
        Ok(SEC_E_OK)
    })
}

/// A function table in static memory.
struct Table<T>(T);
// SAFETY: the tables are immutable after construction and hold only function
// pointers and NULLs.
unsafe impl<T> Sync for Table<T> {}
// SAFETY: as above.
unsafe impl<T> Send for Table<T> {}

static TABLE_W: Lazy<Table<SecurityFunctionTableW>> = Lazy::new(|| {
    use super::{attributes::*, contexts::*, credentials::*, messages::*};
    Table(SecurityFunctionTableW {
        dwVersion: SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5,
        EnumerateSecurityPackagesW: Some(EnumerateSecurityPackagesW),
        QueryCredentialsAttributesW: Some(QueryCredentialsAttributesW),
        AcquireCredentialsHandleW: Some(AcquireCredentialsHandleW),
        FreeCredentialsHandle: Some(FreeCredentialsHandle),
        Reserved2: core::ptr::null_mut(),
        InitializeSecurityContextW: Some(InitializeSecurityContextW),
        AcceptSecurityContext: Some(AcceptSecurityContext),
        CompleteAuthToken: Some(CompleteAuthToken),
        DeleteSecurityContext: Some(DeleteSecurityContext),
        ApplyControlToken: Some(ApplyControlToken),
        QueryContextAttributesW: Some(QueryContextAttributesW),
        ImpersonateSecurityContext: Some(ImpersonateSecurityContext),
        RevertSecurityContext: Some(RevertSecurityContext),
        MakeSignature: Some(MakeSignature),
        VerifySignature: Some(VerifySignature),
        FreeContextBuffer: Some(FreeContextBuffer),
        QuerySecurityPackageInfoW: Some(QuerySecurityPackageInfoW),
        Reserved3: EncryptMessage as *mut c_void,
        Reserved4: DecryptMessage as *mut c_void,
        ExportSecurityContext: Some(ExportSecurityContext),
        ImportSecurityContextW: Some(ImportSecurityContextW),
        AddCredentialsW: Some(AddCredentialsW),
        Reserved8: core::ptr::null_mut(),
        QuerySecurityContextToken: Some(QuerySecurityContextToken),
        EncryptMessage: Some(EncryptMessage),
        DecryptMessage: Some(DecryptMessage),
        SetContextAttributesW: Some(SetContextAttributesW),
        SetCredentialsAttributesW: Some(SetCredentialsAttributesW),
        ChangeAccountPasswordW: None,
        QueryContextAttributesExW: Some(QueryContextAttributesExW),
        QueryCredentialsAttributesExW: Some(QueryCredentialsAttributesExW),
    })
});

static TABLE_A: Lazy<Table<SecurityFunctionTableA>> = Lazy::new(|| {
    use super::{attributes::*, contexts::*, credentials::*, messages::*};
    Table(SecurityFunctionTableA {
        dwVersion: SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5,
        EnumerateSecurityPackagesA: Some(EnumerateSecurityPackagesA),
        QueryCredentialsAttributesA: Some(QueryCredentialsAttributesA),
        AcquireCredentialsHandleA: Some(AcquireCredentialsHandleA),
        FreeCredentialsHandle: Some(FreeCredentialsHandle),
        Reserved2: core::ptr::null_mut(),
        InitializeSecurityContextA: Some(InitializeSecurityContextA),
        AcceptSecurityContext: Some(AcceptSecurityContext),
        CompleteAuthToken: Some(CompleteAuthToken),
        DeleteSecurityContext: Some(DeleteSecurityContext),
        ApplyControlToken: Some(ApplyControlToken),
        QueryContextAttributesA: Some(QueryContextAttributesA),
        ImpersonateSecurityContext: Some(ImpersonateSecurityContext),
        RevertSecurityContext: Some(RevertSecurityContext),
        MakeSignature: Some(MakeSignature),
        VerifySignature: Some(VerifySignature),
        FreeContextBuffer: Some(FreeContextBuffer),
        QuerySecurityPackageInfoA: Some(QuerySecurityPackageInfoA),
        Reserved3: EncryptMessage as *mut c_void,
        Reserved4: DecryptMessage as *mut c_void,
        ExportSecurityContext: Some(ExportSecurityContext),
        ImportSecurityContextA: Some(ImportSecurityContextA),
        AddCredentialsA: Some(AddCredentialsA),
        Reserved8: core::ptr::null_mut(),
        QuerySecurityContextToken: Some(QuerySecurityContextToken),
        EncryptMessage: Some(EncryptMessage),
        DecryptMessage: Some(DecryptMessage),
        SetContextAttributesA: Some(SetContextAttributesA),
        SetCredentialsAttributesA: Some(SetCredentialsAttributesA),
        ChangeAccountPasswordA: None,
        QueryContextAttributesExA: Some(QueryContextAttributesExA),
        QueryCredentialsAttributesExA: Some(QueryCredentialsAttributesExA),
    })
});

/// `InitSecurityInterfaceW`: a static table; callers must not write to it.
#[no_mangle]
pub extern "system" fn InitSecurityInterfaceW() -> *mut SecurityFunctionTableW {
    guard_value("InitSecurityInterfaceW", String::new, core::ptr::null_mut(), || {
        &TABLE_W.0 as *const SecurityFunctionTableW as *mut SecurityFunctionTableW
    })
}

/// `InitSecurityInterfaceA`: a static table; callers must not write to it.
#[no_mangle]
pub extern "system" fn InitSecurityInterfaceA() -> *mut SecurityFunctionTableA {
    guard_value("InitSecurityInterfaceA", String::new, core::ptr::null_mut(), || {
        &TABLE_A.0 as *const SecurityFunctionTableA as *mut SecurityFunctionTableA
    })
}

/// `AddSecurityPackageW`: loading another SSP DLL into the process is not offered (the packages
/// are built in).
#[no_mangle]
pub unsafe extern "system" fn AddSecurityPackageW(
    pszPackageName: LPWSTR,
    pOptions: PSECURITY_PACKAGE_OPTIONS,
) -> SECURITY_STATUS {
    crate::unsupported!("AddSecurityPackageW", [pszPackageName, pOptions])
}

/// `AddSecurityPackageA`: as the W form.
#[no_mangle]
pub unsafe extern "system" fn AddSecurityPackageA(
    pszPackageName: LPSTR,
    pOptions: PSECURITY_PACKAGE_OPTIONS,
) -> SECURITY_STATUS {
    crate::unsupported!("AddSecurityPackageA", [pszPackageName, pOptions])
}

/// `DeleteSecurityPackageW`: the built-in packages cannot be removed.
#[no_mangle]
pub unsafe extern "system" fn DeleteSecurityPackageW(pszPackageName: *mut SEC_WCHAR) -> SECURITY_STATUS {
    crate::unsupported!("DeleteSecurityPackageW", [pszPackageName])
}

/// `DeleteSecurityPackageA`: as the W form.
#[no_mangle]
pub unsafe extern "system" fn DeleteSecurityPackageA(pszPackageName: *mut SEC_CHAR) -> SECURITY_STATUS {
    crate::unsupported!("DeleteSecurityPackageA", [pszPackageName])
}
