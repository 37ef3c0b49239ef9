//! The SASL wrapper exports (sspi.h): `SaslAcceptSecurityContext`,
//! `SaslInitializeSecurityContextA/W`, the profile functions and the context
//! options. The wrapper itself is `crate::sasl`.

use core::ffi::{c_char, c_void};

use super::contexts::step;
use super::packages::package_info_block;
use super::{ansi_str, context, wide_str, write_out, Charset};
use crate::abi::*;
use crate::alloc;
use crate::buffers::BufferDesc;
use crate::entry;
use crate::error::{SecError, SecResult};
use crate::packages::{self, Side};
use crate::sasl::{Profile, SaslContext, AUTHZ_FORBIDDEN, AUTHZ_PROCESSED};

/// `SaslAcceptSecurityContext`: `AcceptSecurityContext` with the profile's security-layer
/// exchange after authentication (see `crate::sasl`).
#[no_mangle]
pub unsafe extern "system" fn SaslAcceptSecurityContext(
    phCredential: *mut CredHandle,
    phContext: *mut CtxtHandle,
    pInput: *mut SecBufferDesc,
    fContextReq: ULONG,
    TargetDataRep: ULONG,
    phNewContext: *mut CtxtHandle,
    pOutput: *mut SecBufferDesc,
    pfContextAttr: *mut ULONG,
    ptsExpiry: *mut TimeStamp,
) -> SECURITY_STATUS {
    let _ = TargetDataRep;
    entry!("SaslAcceptSecurityContext", [phCredential, phContext, pInput, fContextReq, phNewContext, pOutput], {
        no_token_slot(pOutput)?;
        // SAFETY: forwarded contract.
        unsafe {
            step(
                true,
                Side::Server,
                phCredential,
                phContext,
                None,
                fContextReq,
                pInput,
                phNewContext,
                pOutput,
                pfContextAttr,
                ptsExpiry,
            )
        }
    })
}

/// The SASL wrappers need a token buffer in pOutput (`SEC_E_INVALID_TOKEN`, as documented).
fn no_token_slot(output: *mut SecBufferDesc) -> SecResult<()> {
    // SAFETY: NULL or a descriptor per the SSPI contract; only read here.
    let d = unsafe { BufferDesc::from_raw(output) }?;
    match d {
        Some(d) if d.token_slot().is_some() => Ok(()),
        _ => Err(SecError::invalid_token("pOutput has no token buffer")),
    }
}

/// `SaslInitializeSecurityContextW`.
#[no_mangle]
pub unsafe extern "system" fn SaslInitializeSecurityContextW(
    phCredential: *mut CredHandle,
    phContext: *mut CtxtHandle,
    pszTargetName: *mut SEC_WCHAR,
    fContextReq: ULONG,
    Reserved1: ULONG,
    TargetDataRep: ULONG,
    pInput: *mut SecBufferDesc,
    Reserved2: ULONG,
    phNewContext: *mut CtxtHandle,
    pOutput: *mut SecBufferDesc,
    pfContextAttr: *mut ULONG,
    ptsExpiry: *mut TimeStamp,
) -> SECURITY_STATUS {
    let _ = (Reserved1, TargetDataRep, Reserved2);
    entry!(
        "SaslInitializeSecurityContextW",
        [phCredential, phContext, pszTargetName, fContextReq, pInput, phNewContext, pOutput],
        {
            no_token_slot(pOutput)?;
            // SAFETY: NULL or NUL-terminated per the SSPI contract.
            let target = unsafe { wide_str(pszTargetName) }?;
            // SAFETY: forwarded contract.
            unsafe {
                step(
                    true,
                    Side::Client,
                    phCredential,
                    phContext,
                    target,
                    fContextReq,
                    pInput,
                    phNewContext,
                    pOutput,
                    pfContextAttr,
                    ptsExpiry,
                )
            }
        }
    )
}

/// `SaslInitializeSecurityContextA`.
#[no_mangle]
pub unsafe extern "system" fn SaslInitializeSecurityContextA(
    phCredential: *mut CredHandle,
    phContext: *mut CtxtHandle,
    pszTargetName: *mut SEC_CHAR,
    fContextReq: ULONG,
    Reserved1: ULONG,
    TargetDataRep: ULONG,
    pInput: *mut SecBufferDesc,
    Reserved2: ULONG,
    phNewContext: *mut CtxtHandle,
    pOutput: *mut SecBufferDesc,
    pfContextAttr: *mut ULONG,
    ptsExpiry: *mut TimeStamp,
) -> SECURITY_STATUS {
    let _ = (Reserved1, TargetDataRep, Reserved2);
    entry!(
        "SaslInitializeSecurityContextA",
        [phCredential, phContext, pszTargetName, fContextReq, pInput, phNewContext, pOutput],
        {
            no_token_slot(pOutput)?;
            // SAFETY: NULL or NUL-terminated per the SSPI contract.
            let target = unsafe { ansi_str(pszTargetName as *const c_char) }?;
            // SAFETY: forwarded contract.
            unsafe {
                step(
                    true,
                    Side::Client,
                    phCredential,
                    phContext,
                    target,
                    fContextReq,
                    pInput,
                    phNewContext,
                    pOutput,
                    pfContextAttr,
                    ptsExpiry,
                )
            }
        }
    )
}

/// The profiles as one `FreeContextBuffer` block of NUL-terminated names ending in an empty one.
fn enumerate_profiles(list: *mut *mut c_void, count: *mut ULONG, cs: Charset) -> SecResult<SECURITY_STATUS> {
    if list.is_null() || count.is_null() {
        return Err(SecError::invalid_parameter("NULL ProfileList or ProfileCount"));
    }
    let mut bytes: Vec<u8> = Profile::ALL.iter().flat_map(|p| super::encode_str(p.name(), cs)).collect();
    bytes.extend(super::encode_str("", cs));
    let block = alloc::allocate_copy(&bytes)?;
    // SAFETY: both checked non-null; writable per the caller contract.
    unsafe {
        write_out(count, Profile::ALL.len() as ULONG, SecError::invalid_parameter("ProfileCount"))?;
        write_out(list, block.cast(), SecError::invalid_parameter("ProfileList"))?;
    }
    Ok(SEC_E_OK)
}

/// `SaslEnumerateProfilesA`: "GSSAPI" and "GSS-SPNEGO" in one block for `FreeContextBuffer`.
#[no_mangle]
pub unsafe extern "system" fn SaslEnumerateProfilesA(
    ProfileList: *mut *mut SEC_CHAR,
    ProfileCount: *mut ULONG,
) -> SECURITY_STATUS {
    entry!("SaslEnumerateProfilesA", [ProfileList, ProfileCount], {
        enumerate_profiles(ProfileList.cast(), ProfileCount, Charset::Ansi)
    })
}

/// `SaslEnumerateProfilesW`.
#[no_mangle]
pub unsafe extern "system" fn SaslEnumerateProfilesW(
    ProfileList: *mut *mut SEC_WCHAR,
    ProfileCount: *mut ULONG,
) -> SECURITY_STATUS {
    entry!("SaslEnumerateProfilesW", [ProfileList, ProfileCount], {
        enumerate_profiles(ProfileList.cast(), ProfileCount, Charset::Wide)
    })
}

fn package_of(name: Option<&str>, out: *mut *mut c_void, cs: Charset) -> SecResult<SECURITY_STATUS> {
    if out.is_null() {
        return Err(SecError::invalid_parameter("NULL PackageInfo"));
    }
    let pkg = name.ok_or(SecError::new(SEC_E_SECPKG_NOT_FOUND, "no name"))?;
    let reg = packages::find(pkg).ok_or(SecError::new(SEC_E_SECPKG_NOT_FOUND, "no such package"))?;
    let block = package_info_block(&[&reg.info], cs)?;
    // SAFETY: checked non-null; writable per the caller contract.
    unsafe { write_out(out, block.cast(), SecError::invalid_parameter("PackageInfo"))? };
    Ok(SEC_E_OK)
}

fn profile_package(name: Option<String>, out: *mut *mut c_void, cs: Charset) -> SecResult<SECURITY_STATUS> {
    let profile = name.as_deref().and_then(Profile::by_name);
    let profile = profile.ok_or(SecError::new(SEC_E_SECPKG_NOT_FOUND, "no such SASL profile"))?;
    package_of(Some(profile.package()), out, cs)
}

/// `SaslGetProfilePackageA`: the `SecPkgInfoA` of the package behind a profile.
#[no_mangle]
pub unsafe extern "system" fn SaslGetProfilePackageA(
    ProfileName: *mut SEC_CHAR,
    PackageInfo: *mut PSecPkgInfoA,
) -> SECURITY_STATUS {
    entry!("SaslGetProfilePackageA", [ProfileName, PackageInfo], {
        // SAFETY: NULL or NUL-terminated per the contract.
        let name = unsafe { ansi_str(ProfileName as *const c_char) }?;
        profile_package(name, PackageInfo.cast(), Charset::Ansi)
    })
}

/// `SaslGetProfilePackageW`.
#[no_mangle]
pub unsafe extern "system" fn SaslGetProfilePackageW(
    ProfileName: *mut SEC_WCHAR,
    PackageInfo: *mut PSecPkgInfoW,
) -> SECURITY_STATUS {
    entry!("SaslGetProfilePackageW", [ProfileName, PackageInfo], {
        // SAFETY: NULL or NUL-terminated per the contract.
        let name = unsafe { wide_str(ProfileName) }?;
        profile_package(name, PackageInfo.cast(), Charset::Wide)
    })
}

/// Which package a client's first token is for: a GSS-API initial context token with a
/// Kerberos OID is Kerberos', one with SPNEGO's Negotiate's.
fn identify(input: *mut SecBufferDesc, out: *mut *mut c_void, cs: Charset) -> SecResult<SECURITY_STATUS> {
    use crate::packages::negotiate::spnego::{classify, FirstToken};
    if out.is_null() {
        return Err(SecError::invalid_parameter("NULL PackageInfo"));
    }
    // SAFETY: NULL or a descriptor per the SSPI contract; only read here.
    let d = unsafe { BufferDesc::from_raw(input) }?.ok_or(SecError::invalid_token("NULL pInput"))?;
    let token = crate::gss::input_token(Some(&d))?.ok_or(SecError::invalid_token("no token buffer"))?;
    let pkg = match classify(token).map_err(|_| SecError::new(SEC_E_SECPKG_NOT_FOUND, "not a SASL profile's token"))? {
        FirstToken::RawKerberos => Profile::Gssapi.package(),
        FirstToken::Spnego => Profile::GssSpnego.package(),
        FirstToken::RawNtlm => return Err(SecError::new(SEC_E_SECPKG_NOT_FOUND, "NTLM is no SASL profile")),
    };
    package_of(Some(pkg), out, cs)
}

/// `SaslIdentifyPackageA`.
#[no_mangle]
pub unsafe extern "system" fn SaslIdentifyPackageA(
    pInput: *mut SecBufferDesc,
    PackageInfo: *mut PSecPkgInfoA,
) -> SECURITY_STATUS {
    entry!("SaslIdentifyPackageA", [pInput, PackageInfo], { identify(pInput, PackageInfo.cast(), Charset::Ansi) })
}

/// `SaslIdentifyPackageW`.
#[no_mangle]
pub unsafe extern "system" fn SaslIdentifyPackageW(
    pInput: *mut SecBufferDesc,
    PackageInfo: *mut PSecPkgInfoW,
) -> SECURITY_STATUS {
    entry!("SaslIdentifyPackageW", [pInput, PackageInfo], { identify(pInput, PackageInfo.cast(), Charset::Wide) })
}

/// The SASL context behind a handle (`SEC_E_INVALID_HANDLE` for any other context).
///
/// # Safety
/// `h` NULL or readable.
unsafe fn sasl_context<R>(h: *mut CtxtHandle, f: impl FnOnce(&SaslContext) -> SecResult<R>) -> SecResult<R> {
    // SAFETY: forwarded contract.
    let ctx = unsafe { context(h) }?;
    let s = ctx
        .as_any()
        .and_then(|a| a.downcast_ref::<SaslContext>())
        .ok_or(SecError::invalid_handle("not a context made by the SASL wrappers"))?;
    f(s)
}

/// `SaslSetContextOption`: `SASL_OPTION_RECV_SIZE`, `SEND_SIZE` (ULONG), `AUTHZ_STRING`
/// (bytes), `AUTHZ_PROCESSING` (`SASL_AUTHZID_STATE`).
#[no_mangle]
pub unsafe extern "system" fn SaslSetContextOption(
    ContextHandle: *mut CtxtHandle,
    Option: ULONG,
    Value: *mut c_void,
    Size: ULONG,
) -> SECURITY_STATUS {
    entry!("SaslSetContextOption", [ContextHandle, Option, Value, Size], {
        // SAFETY: forwarded contract.
        unsafe {
            sasl_context(ContextHandle, |s| {
                if Value.is_null() {
                    return Err(SecError::invalid_parameter("NULL Value"));
                }
                // SAFETY: Value holds Size bytes per the caller contract.
                let bytes = core::slice::from_raw_parts(Value.cast::<u8>(), Size as usize);
                let ulong = || -> SecResult<u32> {
                    let b: [u8; 4] =
                        bytes.try_into().map_err(|_| SecError::new(SEC_E_BUFFER_TOO_SMALL, "a ULONG is 4 bytes"))?;
                    Ok(u32::from_ne_bytes(b))
                };
                let mut o = s.options();
                match Option {
                    SASL_OPTION_SEND_SIZE => o.send_size = ulong()?,
                    SASL_OPTION_RECV_SIZE => o.recv_size = ulong()?.min(0x00FF_FFFF),
                    SASL_OPTION_AUTHZ_STRING => o.authz = bytes.to_vec(),
                    SASL_OPTION_AUTHZ_PROCESSING => {
                        let v = ulong()?;
                        if v != AUTHZ_FORBIDDEN && v != AUTHZ_PROCESSED {
                            return Err(SecError::invalid_parameter("not a SASL_AUTHZID_STATE"));
                        }
                        o.authz_processing = v;
                    }
                    _ => return Err(SecError::unsupported("unknown SASL option")),
                }
                Ok(SEC_E_OK)
            })
        }
    })
}

/// `SaslGetContextOption`: the option into `Value` (Size bytes); `Needed` (optional) gets the
/// size the value takes; too small a buffer is `SEC_E_BUFFER_TOO_SMALL`.
#[no_mangle]
pub unsafe extern "system" fn SaslGetContextOption(
    ContextHandle: *mut CtxtHandle,
    Option: ULONG,
    Value: *mut c_void,
    Size: ULONG,
    Needed: *mut ULONG,
) -> SECURITY_STATUS {
    entry!("SaslGetContextOption", [ContextHandle, Option, Value, Size, Needed], {
        // SAFETY: forwarded contract.
        unsafe {
            sasl_context(ContextHandle, |s| {
                let o = s.options();
                let bytes: Vec<u8> = match Option {
                    SASL_OPTION_SEND_SIZE => o.send_size.to_ne_bytes().to_vec(),
                    SASL_OPTION_RECV_SIZE => o.recv_size.to_ne_bytes().to_vec(),
                    SASL_OPTION_AUTHZ_STRING => o.authz.clone(),
                    SASL_OPTION_AUTHZ_PROCESSING => o.authz_processing.to_ne_bytes().to_vec(),
                    _ => return Err(SecError::unsupported("unknown SASL option")),
                };
                drop(o);
                if (Size as usize) < bytes.len() {
                    // The size query: Needed says how much.
                    super::write_opt(Needed, bytes.len() as ULONG);
                    return Err(SecError::new(SEC_E_BUFFER_TOO_SMALL, "Value is smaller than the option"));
                }
                if Value.is_null() {
                    return Err(SecError::invalid_parameter("NULL Value"));
                }
                super::write_opt(Needed, bytes.len() as ULONG);
                // SAFETY: Value holds Size >= bytes.len() writable bytes per the caller contract.
                core::ptr::copy_nonoverlapping(bytes.as_ptr(), Value.cast::<u8>(), bytes.len());
                Ok(SEC_E_OK)
            })
        }
    })
}
