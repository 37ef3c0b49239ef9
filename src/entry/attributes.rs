//! Attribute exports: `QueryContextAttributes(Ex)A/W`, `SetContextAttributesA/W`,
//! and [`write_attr`], which turns a package's [`Attr`] into the Windows
//! struct, allocating what `FreeContextBuffer` will free.

use core::ffi::c_void;
use core::mem::size_of;

use super::packages::package_info_block;
use super::{context, encode_str, Charset};
use crate::abi::*;
use crate::alloc;
use crate::entry;
use crate::error::{SecError, SecResult};
use crate::packages::{self, Attr, SetAttr};

/// Size of the struct `value` is written as.
fn attr_size(value: &Attr) -> usize {
    match value {
        Attr::Sizes(_) => size_of::<SecPkgContext_Sizes>(),
        Attr::StreamSizes(_) => size_of::<SecPkgContext_StreamSizes>(),
        Attr::Lifespan(_) => size_of::<SecPkgContext_Lifespan>(),
        Attr::ConnectionInfo(_) => size_of::<SecPkgContext_ConnectionInfo>(),
        Attr::ConnectionInfoEx(_) => size_of::<SecPkgContext_ConnectionInfoEx>(),
        Attr::CipherInfo(_) => size_of::<SecPkgContext_CipherInfo>(),
        Attr::ApplicationProtocol(_) => size_of::<SecPkgContext_ApplicationProtocol>(),
        Attr::SessionInfo(_) => size_of::<SecPkgContext_SessionInfo>(),
        Attr::SupportedProtocols(_) => size_of::<SecPkgCred_SupportedProtocols>(),
        Attr::CipherStrengths(_) => size_of::<SecPkgCred_CipherStrengths>(),
        Attr::Flags(_) => size_of::<SecPkgContext_Flags>(),
        Attr::Names(_) | Attr::ClientSpecifiedTarget(_) | Attr::PackageInfo(_) => size_of::<*mut c_void>(),
        Attr::KeyInfo { .. } => size_of::<SecPkgContext_KeyInfoW>(),
        Attr::NegotiationInfo { .. } => size_of::<SecPkgContext_NegotiationInfoW>(),
        Attr::CertContext(_) => size_of::<PCCERT_CONTEXT>(),
        Attr::IssuerList(_) => size_of::<SecPkgContext_IssuerListInfoEx>(),
        Attr::SupportedSignatures(_) => size_of::<SecPkgContext_SupportedSignatures>(),
        Attr::SupportedAlgs(_) => size_of::<SecPkgCred_SupportedAlgs>(),
        Attr::Bindings(_) => size_of::<SecPkgContext_Bindings>(),
        Attr::KeyingMaterial(_) => size_of::<SecPkgContext_KeyingMaterial>(),
        Attr::AppData(_) => size_of::<SecPkgContext_SessionAppData>(),
        Attr::SessionKey(_) => size_of::<SecPkgContext_SessionKey>(),
        Attr::ClientCreds(_) => size_of::<SecPkgContext_ClientCreds>(),
        Attr::NativeNames { .. } => size_of::<SecPkgContext_NativeNamesW>(),
    }
}

/// Writes `v` to `buf`.
///
/// # Safety
/// `buf` must be writable for a `T`.
unsafe fn put<T>(buf: *mut c_void, v: T) {
    // SAFETY: forwarded contract.
    unsafe { core::ptr::write_unaligned(buf.cast::<T>(), v) }
}

/// Allocates an array of `items` for `FreeContextBuffer`.
fn alloc_array<T: Copy>(items: &[T]) -> SecResult<*mut T> {
    let p = alloc::allocate(core::mem::size_of_val(items))?.cast::<T>();
    for (i, item) in items.iter().enumerate() {
        // SAFETY: `p` has room for `items.len()` values of T.
        unsafe { core::ptr::write_unaligned(p.add(i), *item) };
    }
    Ok(p)
}

/// Writes an attribute value as its Windows struct at `buf`.
///
/// # Safety
/// `buf` must be writable for the attribute's struct (or `cb` bytes when given).
pub unsafe fn write_attr(value: Attr, buf: *mut c_void, cb: Option<ULONG>, cs: Charset) -> SecResult<()> {
    if buf.is_null() {
        return Err(SecError::invalid_parameter("NULL pBuffer"));
    }
    if let Some(cb) = cb {
        if (cb as usize) < attr_size(&value) {
            return Err(SecError::new(SEC_E_BUFFER_TOO_SMALL, "cbBuffer smaller than the attribute"));
        }
    }
    // SAFETY: `buf` is writable for the attribute's struct per the caller
    // contract (checked non-null, and against `cb` when given); every block
    // written through is freshly allocated with the size used.
    unsafe {
        match value {
            Attr::Sizes(v) => put(buf, v),
            Attr::StreamSizes(v) => put(buf, v),
            Attr::Lifespan(v) => put(buf, v),
            Attr::ConnectionInfo(v) => put(buf, v),
            Attr::ConnectionInfoEx(v) => put(buf, *v),
            Attr::CipherInfo(v) => put(buf, *v),
            Attr::ApplicationProtocol(v) => put(buf, *v),
            Attr::SessionInfo(v) => put(buf, v),
            Attr::SupportedProtocols(v) => put(buf, v),
            Attr::CipherStrengths(v) => put(buf, v),
            Attr::Flags(f) => put(buf, SecPkgContext_Flags { Flags: f }),
            Attr::Names(s) => put(buf, alloc::allocate_copy(&encode_str(&s, cs))?),
            Attr::ClientSpecifiedTarget(s) => put(buf, alloc::allocate_copy(&encode_str(&s, Charset::Wide))?),
            Attr::KeyInfo { signature_name, encrypt_name, key_size, signature_alg, encrypt_alg } => {
                let sig = alloc::allocate_copy(&encode_str(&signature_name, cs))?;
                let enc = match alloc::allocate_copy(&encode_str(&encrypt_name, cs)) {
                    Ok(p) => p,
                    Err(e) => {
                        alloc::free(sig)?;
                        return Err(e);
                    }
                };
                put(
                    buf,
                    SecPkgContext_KeyInfoW {
                        sSignatureAlgorithmName: sig.cast(),
                        sEncryptAlgorithmName: enc.cast(),
                        KeySize: key_size,
                        SignatureAlgorithm: signature_alg,
                        EncryptAlgorithm: encrypt_alg,
                    },
                )
            }
            Attr::PackageInfo(name) => {
                let reg = packages::find(name).ok_or(SecError::internal("package vanished"))?;
                put(buf, package_info_block(&[&reg.info], cs)?)
            }
            Attr::NegotiationInfo { package, state } => {
                let reg = packages::find(package).ok_or(SecError::internal("package vanished"))?;
                put(
                    buf,
                    SecPkgContext_NegotiationInfoW {
                        PackageInfo: package_info_block(&[&reg.info], cs)?.cast(),
                        NegotiationState: state,
                    },
                )
            }
            Attr::CertContext(c) => put(buf, crate::platform::certs::context_to_app(c)?),
            Attr::IssuerList(names) => {
                let head = size_of::<CERT_NAME_BLOB>() * names.len();
                let total = head + names.iter().map(Vec::len).sum::<usize>();
                let block = alloc::allocate(total)?;
                let mut off = head;
                for (i, n) in names.iter().enumerate() {
                    let data = block.add(off);
                    core::ptr::copy_nonoverlapping(n.as_ptr(), data, n.len());
                    off += n.len();
                    core::ptr::write_unaligned(
                        block.cast::<CERT_NAME_BLOB>().add(i),
                        CERT_NAME_BLOB { cbData: n.len() as DWORD, pbData: data },
                    );
                }
                put(
                    buf,
                    SecPkgContext_IssuerListInfoEx {
                        aIssuers: if names.is_empty() { core::ptr::null_mut() } else { block.cast() },
                        cIssuers: names.len() as DWORD,
                    },
                );
                if names.is_empty() {
                    alloc::free(block)?;
                }
            }
            Attr::SupportedSignatures(v) => put(
                buf,
                SecPkgContext_SupportedSignatures {
                    cSignatureAndHashAlgorithms: v.len() as WORD,
                    pSignatureAndHashAlgorithms: alloc_array(&v)?,
                },
            ),
            Attr::SupportedAlgs(v) => put(
                buf,
                SecPkgCred_SupportedAlgs { cSupportedAlgs: v.len() as DWORD, palgSupportedAlgs: alloc_array(&v)? },
            ),
            Attr::Bindings(v) => put(
                buf,
                SecPkgContext_Bindings { BindingsLength: v.len() as ULONG, Bindings: alloc::allocate_copy(&v)?.cast() },
            ),
            Attr::AppData(v) => put(
                buf,
                SecPkgContext_SessionAppData {
                    dwFlags: 0,
                    cbAppData: v.len() as DWORD,
                    pbAppData: if v.is_empty() { core::ptr::null_mut() } else { alloc::allocate_copy(&v)? },
                },
            ),
            Attr::SessionKey(mut v) => {
                let copied = alloc::allocate_copy(&v);
                let len = v.len();
                zeroize::Zeroize::zeroize(&mut v);
                put(buf, SecPkgContext_SessionKey { SessionKeyLength: len as ULONG, SessionKey: copied? })
            }
            Attr::ClientCreds(mut v) => {
                let copied = alloc::allocate_copy(&v);
                let len = v.len();
                zeroize::Zeroize::zeroize(&mut v);
                put(buf, SecPkgContext_ClientCreds { AuthBufferLen: len as ULONG, AuthBuffer: copied? })
            }
            Attr::NativeNames { client, server } => {
                let c = alloc::allocate_copy(&encode_str(&client, cs))?;
                let s = match alloc::allocate_copy(&encode_str(&server, cs)) {
                    Ok(p) => p,
                    Err(e) => {
                        alloc::free(c)?;
                        return Err(e);
                    }
                };
                put(buf, SecPkgContext_NativeNamesW { sClientName: c.cast(), sServerName: s.cast() })
            }
            Attr::KeyingMaterial(mut v) => {
                let copied = alloc::allocate_copy(&v);
                let len = v.len();
                // Wipes the whole capacity, with writes that cannot be elided.
                zeroize::Zeroize::zeroize(&mut v);
                put(buf, SecPkgContext_KeyingMaterial { cbKeyingMaterial: len as DWORD, pbKeyingMaterial: copied? })
            }
        }
    }
    Ok(())
}

/// Shared body of the `QueryContextAttributes` family.
///
/// # Safety
/// Pointers as the SSPI contract requires.
unsafe fn query(
    ph: *mut CtxtHandle,
    attr: ULONG,
    buf: *mut c_void,
    cb: Option<ULONG>,
    cs: Charset,
) -> SecResult<SECURITY_STATUS> {
    // SAFETY: forwarded contract.
    let ctx = unsafe { context(ph) }?;
    if buf.is_null() {
        return Err(SecError::invalid_parameter("NULL pBuffer"));
    }
    let value = ctx.query(attr)?;
    // SAFETY: forwarded contract.
    unsafe { write_attr(value, buf, cb, cs) }?;
    Ok(SEC_E_OK)
}

/// `QueryContextAttributesW`.
#[no_mangle]
pub unsafe extern "system" fn QueryContextAttributesW(
    phContext: *mut CtxtHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
) -> SECURITY_STATUS {
    entry!("QueryContextAttributesW", [phContext, ulAttribute, pBuffer], {
        // SAFETY: forwarded contract.
        unsafe { query(phContext, ulAttribute, pBuffer, None, Charset::Wide) }
    })
}

/// `QueryContextAttributesA`.
#[no_mangle]
pub unsafe extern "system" fn QueryContextAttributesA(
    phContext: *mut CtxtHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
) -> SECURITY_STATUS {
    entry!("QueryContextAttributesA", [phContext, ulAttribute, pBuffer], {
        // SAFETY: forwarded contract.
        unsafe { query(phContext, ulAttribute, pBuffer, None, Charset::Ansi) }
    })
}

/// `QueryContextAttributesExW`.
#[no_mangle]
pub unsafe extern "system" fn QueryContextAttributesExW(
    phContext: *mut CtxtHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
    cbBuffer: ULONG,
) -> SECURITY_STATUS {
    entry!("QueryContextAttributesExW", [phContext, ulAttribute, pBuffer, cbBuffer], {
        // SAFETY: forwarded contract.
        unsafe { query(phContext, ulAttribute, pBuffer, Some(cbBuffer), Charset::Wide) }
    })
}

/// `QueryContextAttributesExA`.
#[no_mangle]
pub unsafe extern "system" fn QueryContextAttributesExA(
    phContext: *mut CtxtHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
    cbBuffer: ULONG,
) -> SECURITY_STATUS {
    entry!("QueryContextAttributesExA", [phContext, ulAttribute, pBuffer, cbBuffer], {
        // SAFETY: forwarded contract.
        unsafe { query(phContext, ulAttribute, pBuffer, Some(cbBuffer), Charset::Ansi) }
    })
}

/// Reads `len` bytes at `p` (NULL with 0 is empty).
///
/// # Safety
/// `p` must be readable for `len` bytes when non-NULL.
unsafe fn bytes_at(p: *const u8, len: usize) -> SecResult<Vec<u8>> {
    if len == 0 {
        return Ok(Vec::new());
    }
    if p.is_null() {
        return Err(SecError::invalid_parameter("NULL pointer with a length"));
    }
    // SAFETY: forwarded contract.
    Ok(unsafe { core::slice::from_raw_parts(p, len) }.to_vec())
}

/// Decodes the input of `SetContextAttributes`.
///
/// # Safety
/// `buf` must be readable for `cb` bytes and any pointers inside valid.
unsafe fn set_attr_value(attr: ULONG, buf: *const c_void, cb: ULONG) -> SecResult<SetAttr> {
    fn need<T>(cb: ULONG) -> SecResult<()> {
        if (cb as usize) < size_of::<T>() {
            return Err(SecError::invalid_parameter("cbBuffer too small for the attribute"));
        }
        Ok(())
    }
    if buf.is_null() {
        return Err(SecError::invalid_parameter("NULL pBuffer"));
    }
    match attr {
        SECPKG_ATTR_KEYING_MATERIAL_INFO => {
            need::<SecPkgContext_KeyingMaterialInfo>(cb)?;
            // SAFETY: size checked; readable per the caller contract.
            let info = unsafe { core::ptr::read_unaligned(buf.cast::<SecPkgContext_KeyingMaterialInfo>()) };
            // SAFETY: pointers inside per the caller contract.
            let mut label = unsafe { bytes_at(info.pszLabel.cast_const().cast(), info.cbLabel as usize) }?;
            if label.last() == Some(&0) {
                label.pop();
            }
            let context = if info.pbContextValue.is_null() && info.cbContextValue == 0 {
                None
            } else {
                // SAFETY: as above.
                Some(unsafe { bytes_at(info.pbContextValue, info.cbContextValue as usize) }?)
            };
            if label.is_empty() || info.cbKeyingMaterial == 0 {
                return Err(SecError::invalid_parameter("empty label or zero length"));
            }
            Ok(SetAttr::KeyingMaterialInfo { label, context, length: info.cbKeyingMaterial })
        }
        SECPKG_ATTR_APP_DATA => {
            need::<SecPkgContext_SessionAppData>(cb)?;
            // SAFETY: size checked; readable per the caller contract.
            let d = unsafe { core::ptr::read_unaligned(buf.cast::<SecPkgContext_SessionAppData>()) };
            // SAFETY: pointers inside per the caller contract.
            Ok(SetAttr::AppData(unsafe { bytes_at(d.pbAppData, d.cbAppData as usize) }?))
        }
        SECPKG_ATTR_EARLY_START => {
            need::<SecPkgContext_EarlyStart>(cb)?;
            // SAFETY: size checked; readable per the caller contract.
            Ok(SetAttr::EarlyStart(unsafe { core::ptr::read_unaligned(buf.cast::<u32>()) }))
        }
        _ => Err(SecError::unsupported("SetContextAttributes: attribute not supported")),
    }
}

/// Shared body of `SetContextAttributesA/W`.
///
/// # Safety
/// Pointers as the SSPI contract requires.
unsafe fn set(ph: *mut CtxtHandle, attr: ULONG, buf: *mut c_void, cb: ULONG) -> SecResult<SECURITY_STATUS> {
    // SAFETY: forwarded contract.
    let ctx = unsafe { context(ph) }?;
    // SAFETY: forwarded contract.
    let value = unsafe { set_attr_value(attr, buf, cb) }?;
    ctx.set(value)?;
    Ok(SEC_E_OK)
}

/// `SetContextAttributesW`.
#[no_mangle]
pub unsafe extern "system" fn SetContextAttributesW(
    phContext: *mut CtxtHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
    cbBuffer: ULONG,
) -> SECURITY_STATUS {
    entry!("SetContextAttributesW", [phContext, ulAttribute, pBuffer, cbBuffer], {
        // SAFETY: forwarded contract.
        unsafe { set(phContext, ulAttribute, pBuffer, cbBuffer) }
    })
}

/// `SetContextAttributesA`.
#[no_mangle]
pub unsafe extern "system" fn SetContextAttributesA(
    phContext: *mut CtxtHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
    cbBuffer: ULONG,
) -> SECURITY_STATUS {
    entry!("SetContextAttributesA", [phContext, ulAttribute, pBuffer, cbBuffer], {
        // SAFETY: forwarded contract.
        unsafe { set(phContext, ulAttribute, pBuffer, cbBuffer) }
    })
}
