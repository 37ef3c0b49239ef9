//! Message exports: `EncryptMessage`, `DecryptMessage`, `MakeSignature`,
//! `VerifySignature`.

use super::{context, write_opt};
use crate::abi::*;
use crate::buffers::BufferDesc;
use crate::entry;
use crate::error::{SecError, SecResult};

/// The message descriptor of a protect/unprotect call; NULL is an error.
///
/// # Safety
/// As [`BufferDesc::from_raw`].
unsafe fn message<'a>(p: *mut SecBufferDesc) -> SecResult<BufferDesc<'a>> {
    // SAFETY: forwarded contract.
    unsafe { BufferDesc::from_raw(p) }?.ok_or(SecError::invalid_token("NULL pMessage"))
}

/// `EncryptMessage`.
#[no_mangle]
pub unsafe extern "system" fn EncryptMessage(
    phContext: *mut CtxtHandle,
    fQOP: ULONG,
    pMessage: *mut SecBufferDesc,
    MessageSeqNo: ULONG,
) -> SECURITY_STATUS {
    entry!("EncryptMessage", [phContext, fQOP, pMessage, MessageSeqNo], {
        // SAFETY: forwarded contract.
        let ctx = unsafe { context(phContext) }?;
        // SAFETY: forwarded contract.
        let mut msg = unsafe { message(pMessage) }?;
        ctx.encrypt(fQOP, &mut msg, MessageSeqNo)
    })
}

/// `DecryptMessage`.
#[no_mangle]
pub unsafe extern "system" fn DecryptMessage(
    phContext: *mut CtxtHandle,
    pMessage: *mut SecBufferDesc,
    MessageSeqNo: ULONG,
    pfQOP: *mut ULONG,
) -> SECURITY_STATUS {
    entry!("DecryptMessage", [phContext, pMessage, MessageSeqNo, pfQOP], {
        // SAFETY: forwarded contract.
        let ctx = unsafe { context(phContext) }?;
        // SAFETY: forwarded contract.
        let mut msg = unsafe { message(pMessage) }?;
        let r = ctx.decrypt(&mut msg, MessageSeqNo)?;
        // SAFETY: optional out-pointer.
        unsafe { write_opt(pfQOP, r.qop) };
        Ok(r.status)
    })
}

/// `MakeSignature`.
#[no_mangle]
pub unsafe extern "system" fn MakeSignature(
    phContext: *mut CtxtHandle,
    fQOP: ULONG,
    pMessage: *mut SecBufferDesc,
    MessageSeqNo: ULONG,
) -> SECURITY_STATUS {
    entry!("MakeSignature", [phContext, fQOP, pMessage, MessageSeqNo], {
        // SAFETY: forwarded contract.
        let ctx = unsafe { context(phContext) }?;
        // SAFETY: forwarded contract.
        let mut msg = unsafe { message(pMessage) }?;
        ctx.make_signature(fQOP, &mut msg, MessageSeqNo)?;
        Ok(SEC_E_OK)
    })
}

/// `VerifySignature`.
#[no_mangle]
pub unsafe extern "system" fn VerifySignature(
    phContext: *mut CtxtHandle,
    pMessage: *mut SecBufferDesc,
    MessageSeqNo: ULONG,
    pfQOP: *mut ULONG,
) -> SECURITY_STATUS {
    entry!("VerifySignature", [phContext, pMessage, MessageSeqNo, pfQOP], {
        // SAFETY: forwarded contract.
        let ctx = unsafe { context(phContext) }?;
        // SAFETY: forwarded contract.
        let mut msg = unsafe { message(pMessage) }?;
        let qop = ctx.verify_signature(&mut msg, MessageSeqNo)?;
        // SAFETY: optional out-pointer.
        unsafe { write_opt(pfQOP, qop) };
        Ok(SEC_E_OK)
    })
}

/// `SealMessage`: Windows' and Wine's secur32 export `EncryptMessage` under this name too (the
/// function table's `Reserved3` slot). Not declared by mingw-w64.
#[no_mangle]
pub unsafe extern "system" fn SealMessage(
    phContext: *mut CtxtHandle,
    fQOP: ULONG,
    pMessage: *mut SecBufferDesc,
    MessageSeqNo: ULONG,
) -> SECURITY_STATUS {
    // SAFETY: the same contract as EncryptMessage.
    unsafe { EncryptMessage(phContext, fQOP, pMessage, MessageSeqNo) }
}

/// `UnsealMessage`: `DecryptMessage` under its old name (`Reserved4`).
#[no_mangle]
pub unsafe extern "system" fn UnsealMessage(
    phContext: *mut CtxtHandle,
    pMessage: *mut SecBufferDesc,
    MessageSeqNo: ULONG,
    pfQOP: *mut ULONG,
) -> SECURITY_STATUS {
    // SAFETY: the same contract as DecryptMessage.
    unsafe { DecryptMessage(phContext, pMessage, MessageSeqNo, pfQOP) }
}
