//! Context exports: the token loop (`InitializeSecurityContext`,
//! `AcceptSecurityContext`), `DeleteSecurityContext`, `ApplyControlToken`, and
//! the context functions no package of ours supports.

use core::ffi::{c_char, c_void};
use std::sync::Arc;

use super::{ansi_str, context, credential, read_handle, wide_str, write_opt, CONTEXTS};
use crate::abi::*;
use crate::buffers::BufferDesc;
use crate::entry;
use crate::error::{SecError, SecResult};
use crate::packages::{SecurityContext, Side, StepIo};
use crate::unsupported;

/// The shared body of `InitializeSecurityContextA/W` and `AcceptSecurityContext`
/// (and, with `sasl`, of the SASL wrappers: a new context is made a
/// [`crate::sasl::SaslContext`] over the package's).
///
/// # Safety
/// Pointers as the SSPI contract of those functions requires.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn step(
    sasl: bool,
    side: Side,
    ph_cred: *mut CredHandle,
    ph_ctx: *mut CtxtHandle,
    target: Option<String>,
    req: ULONG,
    input: *mut SecBufferDesc,
    ph_new: *mut CtxtHandle,
    output: *mut SecBufferDesc,
    pf_attr: *mut ULONG,
    expiry: *mut TimeStamp,
) -> SecResult<SECURITY_STATUS> {
    // A required output (`_Out_ PULONG pfContextAttr`; only `ptsExpiry` is
    // optional): refused before any work, before a context exists.
    if pf_attr.is_null() {
        return Err(SecError::invalid_parameter("NULL pfContextAttr"));
    }
    let existing = if ph_ctx.is_null() {
        None
    } else {
        // SAFETY: non-null and readable per the SSPI contract.
        let h = unsafe { read_handle(ph_ctx) }?;
        Some((h, CONTEXTS.get(&h)?))
    };
    let ctx: Arc<dyn SecurityContext> = match &existing {
        Some((_, c)) => {
            if c.side() != side {
                return Err(SecError::invalid_handle("context belongs to the other side of the loop"));
            }
            Arc::clone(c)
        }
        None => {
            if ph_new.is_null() {
                return Err(SecError::invalid_handle("NULL phNewContext on the first call"));
            }
            // SAFETY: forwarded contract.
            let creds = unsafe { credential(ph_cred) }?;
            let ctx = creds.new_context(Arc::clone(&creds), side)?;
            if sasl {
                let profile = crate::sasl::Profile::of_credentials(creds.as_ref());
                Arc::new(crate::sasl::SaslContext::new(ctx, profile))
            } else {
                ctx
            }
        }
    };
    // SAFETY: descriptors are NULL or valid per the SSPI contract.
    let (mut input, mut output) = unsafe { BufferDesc::from_raw_pair(input, output) }?;
    // The credential of this call: only a package that looks at it (Schannel
    // after SEC_I_INCOMPLETE_CREDENTIALS) depends on it, so a stale handle on
    // a later call is not an error here.
    // SAFETY: NULL or readable per the SSPI contract.
    let credential = if ph_cred.is_null() { None } else { unsafe { credential(ph_cred) }.ok() };
    let result = ctx.step(StepIo {
        flags: req,
        target: target.as_deref(),
        input: input.as_mut(),
        output: output.as_mut(),
        credential,
    })?;
    let handle = match existing {
        Some((h, _)) => h,
        None => {
            if result.status == SEC_E_INCOMPLETE_MESSAGE {
                // Nothing was consumed and no context exists yet: the caller
                // calls again with phContext NULL once it has more bytes.
                return Ok(result.status);
            }
            CONTEXTS.insert(ctx)?
        }
    };
    // SAFETY: optional out-pointers, writable per the SSPI contract.
    unsafe {
        write_opt(ph_new, handle);
        write_opt(pf_attr, result.attributes);
        if let Some(t) = result.expiry {
            write_opt(expiry, TimeStamp::from_u64(t));
        }
    }
    Ok(result.status)
}

/// `InitializeSecurityContextW`.
#[no_mangle]
pub unsafe extern "system" fn InitializeSecurityContextW(
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
        "InitializeSecurityContextW",
        [phCredential, phContext, pszTargetName, fContextReq, pInput, phNewContext, pOutput],
        {
            // SAFETY: NULL or NUL-terminated per the SSPI contract.
            let target = unsafe { wide_str(pszTargetName) }?;
            // SAFETY: forwarded contract.
            unsafe {
                step(
                    false,
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

/// `InitializeSecurityContextA`.
#[no_mangle]
pub unsafe extern "system" fn InitializeSecurityContextA(
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
        "InitializeSecurityContextA",
        [phCredential, phContext, pszTargetName, fContextReq, pInput, phNewContext, pOutput],
        {
            // SAFETY: NULL or NUL-terminated per the SSPI contract.
            let target = unsafe { ansi_str(pszTargetName as *const c_char) }?;
            // SAFETY: forwarded contract.
            unsafe {
                step(
                    false,
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

/// `AcceptSecurityContext`.
#[no_mangle]
pub unsafe extern "system" fn AcceptSecurityContext(
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
    entry!("AcceptSecurityContext", [phCredential, phContext, pInput, fContextReq, phNewContext, pOutput], {
        // SAFETY: forwarded contract.
        unsafe {
            step(
                false,
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

/// `DeleteSecurityContext`: the handle dies now; a call running on another
/// thread finishes on its own reference.
#[no_mangle]
pub unsafe extern "system" fn DeleteSecurityContext(phContext: *mut CtxtHandle) -> SECURITY_STATUS {
    entry!("DeleteSecurityContext", [phContext], {
        // SAFETY: NULL or readable per the SSPI contract.
        let h = unsafe { read_handle(phContext) }?;
        CONTEXTS.remove(&h)?.on_delete();
        Ok(SEC_E_OK)
    })
}

/// `ApplyControlToken`: exactly one `SECBUFFER_TOKEN` buffer.
#[no_mangle]
pub unsafe extern "system" fn ApplyControlToken(
    phContext: *mut CtxtHandle,
    pInput: *mut SecBufferDesc,
) -> SECURITY_STATUS {
    entry!("ApplyControlToken", [phContext, pInput], {
        // SAFETY: forwarded contract.
        let ctx = unsafe { context(phContext) }?;
        // SAFETY: NULL or valid per the SSPI contract.
        let desc = unsafe { BufferDesc::from_raw(pInput) }?.ok_or(SecError::invalid_token("NULL pInput"))?;
        if desc.len() != 1 || desc.buffer_type(0) != SECBUFFER_TOKEN {
            return Err(SecError::invalid_token("ApplyControlToken takes exactly one TOKEN buffer"));
        }
        ctx.apply_control(desc.bytes(0)?)?;
        Ok(SEC_E_OK)
    })
}

/// `CompleteAuthToken`: no package of ours returns `SEC_I_COMPLETE_NEEDED`.
#[no_mangle]
pub unsafe extern "system" fn CompleteAuthToken(
    phContext: *mut CtxtHandle,
    pToken: *mut SecBufferDesc,
) -> SECURITY_STATUS {
    entry!("CompleteAuthToken", [phContext, pToken], {
        // SAFETY: forwarded contract.
        unsafe { context(phContext) }?;
        Err(SecError::unsupported("CompleteAuthToken: no package needs it"))
    })
}

/// `ImpersonateSecurityContext`: there is no Windows token to impersonate.
#[no_mangle]
pub unsafe extern "system" fn ImpersonateSecurityContext(phContext: *mut CtxtHandle) -> SECURITY_STATUS {
    entry!("ImpersonateSecurityContext", [phContext], {
        // SAFETY: forwarded contract.
        unsafe { context(phContext) }?;
        Err(SecError::unsupported("ImpersonateSecurityContext: no Windows access tokens on Linux"))
    })
}

/// `RevertSecurityContext`.
#[no_mangle]
pub unsafe extern "system" fn RevertSecurityContext(phContext: *mut CtxtHandle) -> SECURITY_STATUS {
    entry!("RevertSecurityContext", [phContext], {
        // SAFETY: forwarded contract.
        unsafe { context(phContext) }?;
        Err(SecError::unsupported("RevertSecurityContext: no Windows access tokens on Linux"))
    })
}

/// `QuerySecurityContextToken`.
#[no_mangle]
pub unsafe extern "system" fn QuerySecurityContextToken(
    phContext: *mut CtxtHandle,
    Token: *mut HANDLE,
) -> SECURITY_STATUS {
    entry!("QuerySecurityContextToken", [phContext, Token], {
        // SAFETY: forwarded contract.
        unsafe { context(phContext) }?;
        Err(SecError::unsupported("QuerySecurityContextToken: no Windows access tokens on Linux"))
    })
}

/// `ExportSecurityContext`.
#[no_mangle]
pub unsafe extern "system" fn ExportSecurityContext(
    phContext: *mut CtxtHandle,
    fFlags: ULONG,
    pPackedContext: *mut SecBuffer,
    pToken: *mut *mut c_void,
) -> SECURITY_STATUS {
    unsupported!("ExportSecurityContext", [phContext, fFlags, pPackedContext, pToken])
}

/// `ImportSecurityContextW`.
#[no_mangle]
pub unsafe extern "system" fn ImportSecurityContextW(
    pszPackage: *mut SEC_WCHAR,
    pPackedContext: *mut SecBuffer,
    Token: *mut c_void,
    phContext: *mut CtxtHandle,
) -> SECURITY_STATUS {
    unsupported!("ImportSecurityContextW", [pszPackage, pPackedContext, Token, phContext])
}

/// `ImportSecurityContextA`.
#[no_mangle]
pub unsafe extern "system" fn ImportSecurityContextA(
    pszPackage: *mut SEC_CHAR,
    pPackedContext: *mut SecBuffer,
    Token: *mut c_void,
    phContext: *mut CtxtHandle,
) -> SECURITY_STATUS {
    unsupported!("ImportSecurityContextA", [pszPackage, pPackedContext, Token, phContext])
}
