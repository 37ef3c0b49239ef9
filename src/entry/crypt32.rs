//! The crypt32 exports SSPI programs need (certificate contexts and stores),
//! with Windows signatures and Windows error reporting: a `BOOL`, pointer or
//! count result, and the reason in the thread's last-error value
//! (`GetLastError`, also exported here).
//!
//! These are exported by the ELF library only (`#[cfg_attr(not(windows), no_mangle)]`). In
//! `secur32.dll` the certificate functions are the system crypt32's: applications create
//! contexts and stores there, and `crate::platform::crypt32` converts between those and ours.
//!
//! Every export checks its pointers, converts them with the `certs` registry
//! (a context or store pointer we did not hand out, or one already released,
//! is refused with `E_INVALIDARG`, never dereferenced), calls `certs`, and
//! writes outputs back. Caller pointer + length pairs follow the crate's one
//! rule (see `buffers.rs`): NULL with length 0 is empty, NULL with a length
//! is an error.

use core::ffi::c_void;

use zeroize::Zeroizing;

use super::{ansi_str, encode_str, guard_value, wide_str, Charset};
use crate::abi::*;
use crate::certs::names::{Name, TypePara};
use crate::certs::{self, CertContext, CertData, CertRef, CertStore, Properties, StoreRef};
use crate::error::{SecError, SecResult};

/// Sets the calling thread's last-error value (kernel32's on Windows: `crate::platform`).
pub fn set_last_error(code: DWORD) {
    crate::platform::set_last_error(code)
}

/// The calling thread's last-error value.
pub fn last_error() -> DWORD {
    crate::platform::last_error()
}

/// `GetLastError`: the last error a crypt32 export of this library set on this thread. Not
/// exported on Windows, where it is kernel32's.
#[cfg_attr(not(windows), no_mangle)]
pub extern "system" fn GetLastError() -> DWORD {
    last_error()
}

/// `SetLastError`. Not exported on Windows, where it is kernel32's.
#[cfg_attr(not(windows), no_mangle)]
pub extern "system" fn SetLastError(dwErrCode: DWORD) {
    set_last_error(dwErrCode)
}

/// Runs an export body under the panic boundary; an error becomes the
/// thread's last error and the export's failure value `fail`.
fn crypt<T: core::fmt::Debug>(
    name: &'static str,
    args: impl FnOnce() -> String,
    fail: T,
    body: impl FnOnce() -> SecResult<T>,
) -> T {
    let panicked = Err(SecError::new(E_UNEXPECTED, "panic caught"));
    match guard_value(name, args, panicked, body) {
        Ok(v) => v,
        Err(e) => {
            set_last_error(e.status as u32);
            fail
        }
    }
}

/// `crypt!("Name", [args], failure value, { body })`.
macro_rules! crypt {
    ($name:literal, [$($arg:expr),* $(,)?], $fail:expr, $body:block) => {
        crypt(
            $name,
            || {
                let mut s = String::new();
                $( s.push_str(&format!("{}={:?} ", stringify!($arg), $arg)); )*
                s
            },
            $fail,
            move || $body,
        )
    };
}

fn invalid_arg(detail: &'static str) -> SecError {
    SecError::new(E_INVALIDARG, detail)
}

/// Turns a string-reading error into the crypt32 code.
fn arg(e: SecError) -> SecError {
    SecError::new(E_INVALIDARG, e.detail)
}

/// The bytes of a pointer + length pair (the crate's one rule).
///
/// # Safety
/// `p` must be NULL or point to `len` readable bytes.
unsafe fn bytes<'a>(p: *const BYTE, len: DWORD) -> SecResult<&'a [u8]> {
    match (p.is_null(), len) {
        (_, 0) => Ok(&[]),
        (true, _) => Err(invalid_arg("NULL pointer with a length")),
        // SAFETY: `len` readable bytes per the caller contract.
        (false, n) => Ok(unsafe { core::slice::from_raw_parts(p, n as usize) }),
    }
}

/// The bytes a `CRYPTOAPI_BLOB` describes. A NULL blob pointer is `E_INVALIDARG`.
///
/// # Safety
/// `blob` must be NULL or point to a readable blob whose data is readable.
unsafe fn blob<'a>(blob: *const CRYPTOAPI_BLOB) -> SecResult<&'a [u8]> {
    if blob.is_null() {
        return Err(invalid_arg("NULL blob"));
    }
    // SAFETY: non-null and readable per the caller contract.
    let b = unsafe { core::ptr::read_unaligned(blob) };
    // SAFETY: as above.
    unsafe { bytes(b.pbData, b.cbData) }
}

fn context(p: PCCERT_CONTEXT) -> SecResult<CertRef> {
    if p.is_null() {
        return Err(invalid_arg("NULL certificate context"));
    }
    certs::context_from_ptr(p).ok_or(invalid_arg("not a live certificate context of this library"))
}

fn store(h: HCERTSTORE) -> SecResult<StoreRef> {
    if h.is_null() {
        return Err(invalid_arg("NULL store handle"));
    }
    certs::store_from_handle(h).ok_or(invalid_arg("not a live store of this library"))
}

/// Hands a context to the caller through an optional out-pointer.
///
/// # Safety
/// `out` must be NULL or writable.
unsafe fn give_context(out: *mut PCCERT_CONTEXT, c: CertRef) -> SecResult<()> {
    if !out.is_null() {
        let p = certs::context_into_ptr(c)?;
        // SAFETY: non-null and writable per the caller contract.
        unsafe { core::ptr::write_unaligned(out, p) };
    }
    Ok(())
}

/// The NULL-or-pointer result of export bodies that hand out a context.
fn ptr_result(c: Option<CertRef>) -> SecResult<PCCERT_CONTEXT> {
    match c {
        Some(c) => certs::context_into_ptr(c),
        None => Err(SecError::new(CRYPT_E_NOT_FOUND, "no (more) matching certificates")),
    }
}

/// `CertOpenStore`: memory stores (`CERT_STORE_PROV_MEMORY` or "Memory").
/// Other providers answer as Windows does for a provider that is not
/// installed: NULL and `ERROR_FILE_NOT_FOUND`.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertOpenStore(
    lpszStoreProvider: LPCSTR,
    dwEncodingType: DWORD,
    hCryptProv: HCRYPTPROV_LEGACY,
    dwFlags: DWORD,
    pvPara: *const c_void,
) -> HCERTSTORE {
    let _ = (dwEncodingType, hCryptProv, pvPara);
    crypt!("CertOpenStore", [lpszStoreProvider, dwFlags], core::ptr::null_mut(), {
        let id = lpszStoreProvider as usize;
        let memory = if id >> 16 == 0 {
            id == CERT_STORE_PROV_MEMORY
        } else {
            // SAFETY: a provider name is a NUL-terminated string per the contract.
            let name = unsafe { ansi_str(lpszStoreProvider) }.map_err(arg)?;
            name.is_some_and(|n| n.eq_ignore_ascii_case("Memory"))
        };
        if !memory {
            return Err(SecError::new(ERROR_FILE_NOT_FOUND as i32, "store provider not available"));
        }
        Ok(certs::store_into_handle(CertStore::new_memory()))
    })
}

/// `CertDuplicateStore`: one more handle on the same store (to close separately).
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertDuplicateStore(hCertStore: HCERTSTORE) -> HCERTSTORE {
    crypt!("CertDuplicateStore", [hCertStore], core::ptr::null_mut(), {
        store(hCertStore)?;
        certs::duplicate_store(hCertStore).ok_or(invalid_arg("store vanished"))
    })
}

/// `CertCloseStore`. With `CERT_CLOSE_STORE_CHECK_FLAG`, FALSE and
/// `CRYPT_E_PENDING_CLOSE` when certificates (or other handles) still keep
/// the store; the handle is closed either way. Memory still referenced is
/// never freed, even with `CERT_CLOSE_STORE_FORCE_FLAG`.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertCloseStore(hCertStore: HCERTSTORE, dwFlags: DWORD) -> BOOL {
    crypt!("CertCloseStore", [hCertStore, dwFlags], 0, {
        if hCertStore.is_null() {
            return Ok(1);
        }
        certs::close_store(hCertStore, dwFlags & CERT_CLOSE_STORE_CHECK_FLAG != 0)?;
        Ok(1)
    })
}

fn check_encoding(enc: DWORD) -> SecResult<()> {
    if enc & X509_ASN_ENCODING == 0 {
        return Err(invalid_arg("certificate encoding type must include X509_ASN_ENCODING"));
    }
    Ok(())
}

/// `CertCreateCertificateContext`.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertCreateCertificateContext(
    dwCertEncodingType: DWORD,
    pbCertEncoded: *const BYTE,
    cbCertEncoded: DWORD,
) -> PCCERT_CONTEXT {
    crypt!("CertCreateCertificateContext", [dwCertEncodingType, pbCertEncoded, cbCertEncoded], core::ptr::null(), {
        check_encoding(dwCertEncodingType)?;
        // SAFETY: pointer + length per the caller contract.
        let der = unsafe { bytes(pbCertEncoded, cbCertEncoded) }?;
        certs::context_into_ptr(CertContext::create(der, dwCertEncodingType)?)
    })
}

/// `CertDuplicateCertificateContext`: the same pointer with one more
/// reference (NULL for NULL, and for a pointer that is not a live context).
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertDuplicateCertificateContext(pCertContext: PCCERT_CONTEXT) -> PCCERT_CONTEXT {
    crypt!("CertDuplicateCertificateContext", [pCertContext], core::ptr::null(), {
        if pCertContext.is_null() {
            return Ok(core::ptr::null());
        }
        if certs::duplicate_ptr(pCertContext) {
            Ok(pCertContext)
        } else {
            Err(invalid_arg("not a live certificate context"))
        }
    })
}

/// `CertFreeCertificateContext`: always TRUE, as in Windows. A pointer the
/// caller holds no reference to (a double free, a foreign pointer) is
/// ignored and noted as `E_INVALIDARG` in the last error.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertFreeCertificateContext(pCertContext: PCCERT_CONTEXT) -> BOOL {
    crypt!("CertFreeCertificateContext", [pCertContext], 1, {
        if !pCertContext.is_null() && !certs::release_ptr(pCertContext) {
            set_last_error(E_INVALIDARG as u32);
        }
        Ok(1)
    })
}

/// `CertAddEncodedCertificateToStore`.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertAddEncodedCertificateToStore(
    hCertStore: HCERTSTORE,
    dwCertEncodingType: DWORD,
    pbCertEncoded: *const BYTE,
    cbCertEncoded: DWORD,
    dwAddDisposition: DWORD,
    ppCertContext: *mut PCCERT_CONTEXT,
) -> BOOL {
    crypt!(
        "CertAddEncodedCertificateToStore",
        [hCertStore, dwCertEncodingType, pbCertEncoded, cbCertEncoded, dwAddDisposition, ppCertContext],
        0,
        {
            let s = store(hCertStore)?;
            check_encoding(dwCertEncodingType)?;
            // SAFETY: pointer + length per the caller contract.
            let der = unsafe { bytes(pbCertEncoded, cbCertEncoded) }?;
            let c = s.add(CertData::new(der)?, Properties::default(), dwCertEncodingType, dwAddDisposition)?;
            // SAFETY: optional out-pointer per the caller contract.
            unsafe { give_context(ppCertContext, c) }?;
            Ok(1)
        }
    )
}

/// `CertAddCertificateContextToStore`: a copy of the context, with its
/// properties (the private key among them), in another store.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertAddCertificateContextToStore(
    hCertStore: HCERTSTORE,
    pCertContext: PCCERT_CONTEXT,
    dwAddDisposition: DWORD,
    ppStoreContext: *mut PCCERT_CONTEXT,
) -> BOOL {
    crypt!("CertAddCertificateContextToStore", [hCertStore, pCertContext, dwAddDisposition, ppStoreContext], 0, {
        let s = store(hCertStore)?;
        let c = context(pCertContext)?;
        let data = CertData::new(c.der())?;
        let added = s.add(data, c.properties(), X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, dwAddDisposition)?;
        // SAFETY: optional out-pointer per the caller contract.
        unsafe { give_context(ppStoreContext, added) }?;
        Ok(1)
    })
}

/// Resolves `pPrevCertContext` and releases the caller's reference to it,
/// as the enumeration functions do.
fn take_prev(prev: PCCERT_CONTEXT) -> SecResult<Option<CertRef>> {
    if prev.is_null() {
        return Ok(None);
    }
    let c = context(prev)?;
    certs::release_ptr(prev);
    Ok(Some(c))
}

/// `CertEnumCertificatesInStore`: the next context (the previous one is
/// freed); NULL and `CRYPT_E_NOT_FOUND` at the end.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertEnumCertificatesInStore(
    hCertStore: HCERTSTORE,
    pPrevCertContext: PCCERT_CONTEXT,
) -> PCCERT_CONTEXT {
    crypt!("CertEnumCertificatesInStore", [hCertStore, pPrevCertContext], core::ptr::null(), {
        let s = store(hCertStore)?;
        let prev = take_prev(pPrevCertContext)?;
        ptr_result(s.find_next(prev.as_ref(), |_| true)?)
    })
}

/// Parses a hex thumbprint string (spaces allowed).
fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits.chunks(2).map(|p| core::str::from_utf8(p).ok().and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

/// What `CertFindCertificateInStore` looks for, decoded from `pvFindPara`.
enum Find {
    Any,
    Sha1(Vec<u8>),
    Name { issuer: bool, der: Vec<u8> },
    NameStr { issuer: bool, needle: String },
    Existing(CertRef),
}

impl Find {
    fn matches(&self, c: &CertContext) -> bool {
        match self {
            Find::Any => true,
            Find::Sha1(h) => c.sha1()[..] == h[..],
            Find::Name { issuer, der } => {
                let p = c.parsed();
                (if *issuer { &p.issuer } else { &p.subject }) == der
            }
            Find::NameStr { issuer, needle } => {
                let p = c.parsed();
                let name = Name::parse(if *issuer { &p.issuer } else { &p.subject }).unwrap_or_default();
                let hay = name.to_windows_string(CERT_SIMPLE_NAME_STR | CERT_NAME_STR_NO_QUOTING_FLAG);
                hay.to_lowercase().contains(needle.as_str())
            }
            Find::Existing(e) => {
                let (a, b) = (e.parsed(), c.parsed());
                a.issuer == b.issuer && a.serial == b.serial
            }
        }
    }
}

/// Decodes `pvFindPara` for `dwFindType`.
///
/// # Safety
/// `para` must be what the find type says (or NULL).
unsafe fn find_spec(find_type: DWORD, para: *const c_void) -> SecResult<Find> {
    let need = |p: *const c_void| if p.is_null() { Err(invalid_arg("NULL pvFindPara")) } else { Ok(p) };
    Ok(match find_type {
        CERT_FIND_ANY => Find::Any,
        // SAFETY: a CRYPT_HASH_BLOB per the find type.
        CERT_FIND_SHA1_HASH => Find::Sha1(unsafe { blob(need(para)?.cast()) }?.to_vec()),
        CERT_FIND_SUBJECT_NAME | CERT_FIND_ISSUER_NAME => Find::Name {
            issuer: find_type == CERT_FIND_ISSUER_NAME,
            // SAFETY: a CERT_NAME_BLOB per the find type.
            der: unsafe { blob(need(para)?.cast()) }?.to_vec(),
        },
        CERT_FIND_SUBJECT_STR_A | CERT_FIND_ISSUER_STR_A | CERT_FIND_SUBJECT_STR_W | CERT_FIND_ISSUER_STR_W => {
            let wide = matches!(find_type, CERT_FIND_SUBJECT_STR_W | CERT_FIND_ISSUER_STR_W);
            let p = need(para)?;
            let s = if wide {
                // SAFETY: a NUL-terminated UTF-16 string per the find type.
                unsafe { wide_str(p.cast()) }
            } else {
                // SAFETY: a NUL-terminated string per the find type.
                unsafe { ansi_str(p.cast()) }
            }
            .map_err(arg)?
            .unwrap_or_default();
            Find::NameStr { issuer: find_type & 0xffff == CERT_INFO_ISSUER_FLAG, needle: s.to_lowercase() }
        }
        CERT_FIND_EXISTING => Find::Existing(context(need(para)?.cast())?),
        CERT_FIND_HASH_STR => {
            // SAFETY: a NUL-terminated UTF-16 string per the find type.
            let s = unsafe { wide_str(need(para)?.cast()) }.map_err(arg)?.unwrap_or_default();
            Find::Sha1(parse_hex(&s).ok_or(invalid_arg("bad hash string"))?)
        }
        _ => return Err(invalid_arg("unsupported find type")),
    })
}

/// `CertFindCertificateInStore`: `CERT_FIND_ANY`, `CERT_FIND_SHA1_HASH` /
/// `CERT_FIND_HASH`, `CERT_FIND_HASH_STR`, `CERT_FIND_SUBJECT_STR_A/W`,
/// `CERT_FIND_ISSUER_STR_A/W` (case-insensitive substring of the simple
/// name string), `CERT_FIND_SUBJECT_NAME`, `CERT_FIND_ISSUER_NAME` and
/// `CERT_FIND_EXISTING`. The previous context is freed.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertFindCertificateInStore(
    hCertStore: HCERTSTORE,
    dwCertEncodingType: DWORD,
    dwFindFlags: DWORD,
    dwFindType: DWORD,
    pvFindPara: *const c_void,
    pPrevCertContext: PCCERT_CONTEXT,
) -> PCCERT_CONTEXT {
    let _ = (dwCertEncodingType, dwFindFlags);
    crypt!("CertFindCertificateInStore", [hCertStore, dwFindType, pvFindPara, pPrevCertContext], core::ptr::null(), {
        let s = store(hCertStore)?;
        // SAFETY: `pvFindPara` per the find type's contract.
        let spec = unsafe { find_spec(dwFindType, pvFindPara) };
        // The previous context is released even when the search cannot run.
        let prev = take_prev(pPrevCertContext)?;
        let spec = spec?;
        ptr_result(s.find_next(prev.as_ref(), |c| spec.matches(c))?)
    })
}

/// The value of a property, or None when the context does not have it.
fn property(c: &CertContext, id: DWORD) -> Option<Vec<u8>> {
    Some(match id {
        CERT_SHA1_HASH_PROP_ID => c.sha1().to_vec(),
        CERT_SHA256_HASH_PROP_ID => c.sha256().to_vec(),
        CERT_KEY_IDENTIFIER_PROP_ID => c.key_identifier(),
        CERT_FRIENDLY_NAME_PROP_ID => encode_str(&c.properties().friendly_name?, Charset::Wide),
        CERT_KEY_SPEC_PROP_ID => c.key_prov_info()?.3.to_le_bytes().to_vec(),
        _ => return None,
    })
}

/// `CertGetCertificateContextProperty`: `CERT_SHA1_HASH_PROP_ID` (=
/// `CERT_HASH_PROP_ID`), `CERT_SHA256_HASH_PROP_ID`,
/// `CERT_KEY_PROV_INFO_PROP_ID` and `CERT_KEY_SPEC_PROP_ID` (for
/// certificates with a private key), `CERT_FRIENDLY_NAME_PROP_ID` and
/// `CERT_KEY_IDENTIFIER_PROP_ID`. Size queries (NULL `pvData`) and
/// `ERROR_MORE_DATA` work as in Windows.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertGetCertificateContextProperty(
    pCertContext: PCCERT_CONTEXT,
    dwPropId: DWORD,
    pvData: *mut c_void,
    pcbData: *mut DWORD,
) -> BOOL {
    crypt!("CertGetCertificateContextProperty", [pCertContext, dwPropId, pvData, pcbData], 0, {
        let c = context(pCertContext)?;
        if pcbData.is_null() {
            return Err(invalid_arg("NULL pcbData"));
        }
        let not_found = || SecError::new(CRYPT_E_NOT_FOUND, "the context has no such property");
        // SAFETY: `pcbData` is non-null and readable per the caller contract.
        let room = unsafe { core::ptr::read_unaligned(pcbData) } as usize;
        if dwPropId == CERT_KEY_PROV_INFO_PROP_ID {
            let (container, provider, prov_type, key_spec) = c.key_prov_info().ok_or_else(not_found)?;
            let head = core::mem::size_of::<CRYPT_KEY_PROV_INFO>();
            let container = encode_str(&container, Charset::Wide);
            let provider = encode_str(&provider, Charset::Wide);
            let total = head + container.len() + provider.len();
            // SAFETY: `pcbData` is writable per the caller contract.
            unsafe { core::ptr::write_unaligned(pcbData, total as u32) };
            if pvData.is_null() {
                return Ok(1);
            }
            if room < total {
                return Err(SecError::new(ERROR_MORE_DATA as i32, "buffer too small"));
            }
            let base = pvData.cast::<u8>();
            // SAFETY: `pvData` holds `room >= total` writable bytes; the
            // strings follow the struct, which points at them, as in Windows.
            unsafe {
                let c_ptr = base.add(head);
                let p_ptr = c_ptr.add(container.len());
                core::ptr::copy_nonoverlapping(container.as_ptr(), c_ptr, container.len());
                core::ptr::copy_nonoverlapping(provider.as_ptr(), p_ptr, provider.len());
                let info = CRYPT_KEY_PROV_INFO {
                    pwszContainerName: c_ptr.cast(),
                    pwszProvName: p_ptr.cast(),
                    dwProvType: prov_type,
                    dwFlags: 0,
                    cProvParam: 0,
                    rgProvParam: core::ptr::null_mut(),
                    dwKeySpec: key_spec,
                };
                core::ptr::write_unaligned(base.cast::<CRYPT_KEY_PROV_INFO>(), info);
            }
            return Ok(1);
        }
        let value = property(&c, dwPropId).ok_or_else(not_found)?;
        // SAFETY: `pcbData` is writable per the caller contract.
        unsafe { core::ptr::write_unaligned(pcbData, value.len() as u32) };
        if pvData.is_null() {
            return Ok(1);
        }
        if room < value.len() {
            return Err(SecError::new(ERROR_MORE_DATA as i32, "buffer too small"));
        }
        // SAFETY: `pvData` holds `room >= value.len()` writable bytes.
        unsafe { core::ptr::copy_nonoverlapping(value.as_ptr(), pvData.cast::<u8>(), value.len()) };
        Ok(1)
    })
}

/// Writes strings as `CertGetNameString` / `CertNameToStr` do: the count
/// of characters including the terminator(s) is returned; with no buffer
/// (or a zero size) only the count; a short buffer gets a truncated,
/// terminated string. `multi` writes a double-terminated list.
///
/// # Safety
/// `out` must be NULL or writable for `cch` characters of `cs`.
unsafe fn write_chars(strings: &[String], multi: bool, cs: Charset, out: *mut c_void, cch: DWORD) -> DWORD {
    let unit = if cs == Charset::Wide { 2 } else { 1 };
    let mut data: Vec<u8> = Vec::new();
    for s in strings {
        data.extend(encode_str(s, cs));
    }
    if strings.is_empty() {
        data.extend(encode_str("", cs));
    }
    if multi {
        data.extend_from_slice(&[0u8; 2][..unit]);
    }
    let needed = data.len() / unit;
    if out.is_null() || cch == 0 {
        return needed as DWORD;
    }
    let cch = cch as usize;
    let terminators = if multi { 2.min(cch) } else { 1 };
    let copy = if cch >= needed { needed } else { cch - terminators };
    let out = out.cast::<u8>();
    // SAFETY: `out` holds `cch` characters of `unit` bytes; at most `cch` are written.
    unsafe {
        core::ptr::copy_nonoverlapping(data.as_ptr(), out, copy * unit);
        if copy < needed {
            core::ptr::write_bytes(out.add(copy * unit), 0, (cch - copy) * unit);
        }
    }
    needed.min(cch) as DWORD
}

/// Shared body of `CertGetNameStringA/W`.
///
/// # Safety
/// Pointers as the `CertGetNameString` contract requires.
unsafe fn get_name_string(
    ctx: PCCERT_CONTEXT,
    kind: DWORD,
    flags: DWORD,
    para: *mut c_void,
    out: *mut c_void,
    cch: DWORD,
    cs: Charset,
) -> SecResult<DWORD> {
    let c = match context(ctx) {
        Ok(c) => c,
        Err(e) => {
            // Still a terminated empty string, so callers never read garbage.
            set_last_error(e.status as u32);
            // SAFETY: forwarded contract.
            return Ok(unsafe { write_chars(&[], false, cs, out, cch) });
        }
    };
    let type_para = match kind {
        // SAFETY: a DWORD per the RDN type's contract.
        CERT_NAME_RDN_TYPE if !para.is_null() => TypePara::StrType(unsafe { core::ptr::read_unaligned(para.cast()) }),
        CERT_NAME_ATTR_TYPE if !para.is_null() => {
            // SAFETY: an OID string per the ATTR type's contract.
            TypePara::Oid(unsafe { ansi_str(para.cast()) }.map_err(arg)?.unwrap_or_default())
        }
        _ => TypePara::None,
    };
    let strings = c.name_strings(kind, flags, &type_para);
    let multi = kind == CERT_NAME_DNS_TYPE && flags & CERT_NAME_SEARCH_ALL_NAMES_FLAG != 0;
    // SAFETY: forwarded contract.
    Ok(unsafe { write_chars(&strings, multi, cs, out, cch) })
}

/// `CertGetNameStringW`.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertGetNameStringW(
    pCertContext: PCCERT_CONTEXT,
    dwType: DWORD,
    dwFlags: DWORD,
    pvTypePara: *mut c_void,
    pszNameString: LPWSTR,
    cchNameString: DWORD,
) -> DWORD {
    crypt!("CertGetNameStringW", [pCertContext, dwType, dwFlags, pvTypePara, pszNameString, cchNameString], 0, {
        // SAFETY: forwarded contract.
        unsafe {
            get_name_string(
                pCertContext,
                dwType,
                dwFlags,
                pvTypePara,
                pszNameString.cast(),
                cchNameString,
                Charset::Wide,
            )
        }
    })
}

/// `CertGetNameStringA` (the "ANSI" code page is UTF-8 here).
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertGetNameStringA(
    pCertContext: PCCERT_CONTEXT,
    dwType: DWORD,
    dwFlags: DWORD,
    pvTypePara: *mut c_void,
    pszNameString: LPSTR,
    cchNameString: DWORD,
) -> DWORD {
    crypt!("CertGetNameStringA", [pCertContext, dwType, dwFlags, pvTypePara, pszNameString, cchNameString], 0, {
        // SAFETY: forwarded contract.
        unsafe {
            get_name_string(
                pCertContext,
                dwType,
                dwFlags,
                pvTypePara,
                pszNameString.cast(),
                cchNameString,
                Charset::Ansi,
            )
        }
    })
}

/// Shared body of `CertNameToStrA/W`.
///
/// # Safety
/// Pointers as the `CertNameToStr` contract requires.
unsafe fn name_to_str(
    name: *const CERT_NAME_BLOB,
    str_type: DWORD,
    out: *mut c_void,
    cch: DWORD,
    cs: Charset,
) -> DWORD {
    // SAFETY: forwarded contract.
    let parsed = unsafe { blob(name) }.and_then(Name::parse);
    let s = match parsed {
        Ok(n) => n.to_windows_string(str_type),
        Err(e) => {
            set_last_error(e.status as u32);
            String::new()
        }
    };
    // SAFETY: forwarded contract.
    unsafe { write_chars(&[s], false, cs, out, cch) }
}

/// `CertNameToStrW`.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertNameToStrW(
    dwCertEncodingType: DWORD,
    pName: *mut CERT_NAME_BLOB,
    dwStrType: DWORD,
    psz: LPWSTR,
    csz: DWORD,
) -> DWORD {
    let _ = dwCertEncodingType;
    crypt!("CertNameToStrW", [pName, dwStrType, psz, csz], 0, {
        // SAFETY: forwarded contract.
        Ok(unsafe { name_to_str(pName, dwStrType, psz.cast(), csz, Charset::Wide) })
    })
}

/// `CertNameToStrA`.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertNameToStrA(
    dwCertEncodingType: DWORD,
    pName: *mut CERT_NAME_BLOB,
    dwStrType: DWORD,
    psz: LPSTR,
    csz: DWORD,
) -> DWORD {
    let _ = dwCertEncodingType;
    crypt!("CertNameToStrA", [pName, dwStrType, psz, csz], 0, {
        // SAFETY: forwarded contract.
        Ok(unsafe { name_to_str(pName, dwStrType, psz.cast(), csz, Charset::Ansi) })
    })
}

/// `CertVerifyTimeValidity`: -1 before NotBefore, 1 after NotAfter, 0 in
/// between. `pTimeToVerify` NULL means now. A NULL `pCertInfo` answers 1
/// (not valid) with `E_INVALIDARG`.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertVerifyTimeValidity(pTimeToVerify: *mut FILETIME, pCertInfo: *mut CERT_INFO) -> LONG {
    crypt!("CertVerifyTimeValidity", [pTimeToVerify, pCertInfo], 1, {
        if pCertInfo.is_null() {
            return Err(invalid_arg("NULL pCertInfo"));
        }
        let ft = |f: FILETIME| ((f.dwHighDateTime as u64) << 32) | f.dwLowDateTime as u64;
        let now = if pTimeToVerify.is_null() {
            let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            (d.as_secs() + crate::der::FILETIME_UNIX_OFFSET as u64) * 10_000_000 + d.subsec_nanos() as u64 / 100
        } else {
            // SAFETY: non-null and readable per the caller contract.
            ft(unsafe { core::ptr::read_unaligned(pTimeToVerify) })
        };
        // SAFETY: non-null and readable per the caller contract.
        let info = unsafe { core::ptr::read_unaligned(pCertInfo) };
        Ok(if now < ft(info.NotBefore) {
            -1
        } else if now > ft(info.NotAfter) {
            1
        } else {
            0
        })
    })
}

/// Reads an optional UTF-16 password into memory that is zeroed afterwards.
///
/// # Safety
/// `p` must be NULL or a NUL-terminated UTF-16 string.
unsafe fn password(p: LPCWSTR) -> SecResult<Zeroizing<Option<String>>> {
    // SAFETY: forwarded contract.
    Ok(Zeroizing::new(unsafe { wide_str(p) }.map_err(arg)?))
}

/// `PFXImportCertStore`: a memory store with the PFX's certificates, each
/// with its private key when the PFX has one (usable as a Schannel
/// credential). A wrong password is NULL with `ERROR_INVALID_PASSWORD`;
/// damaged input NULL with the ASN.1 error. The key-storage flags
/// (`CRYPT_EXPORTABLE`, `CRYPT_USER_KEYSET`, `PKCS12_NO_PERSIST_KEY`...) are
/// accepted and have nothing to do: keys live in memory only.
/// `PKCS12_ONLY_CERTIFICATES` skips the keys.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn PFXImportCertStore(
    pPFX: *mut CRYPT_DATA_BLOB,
    szPassword: LPCWSTR,
    dwFlags: DWORD,
) -> HCERTSTORE {
    crypt!("PFXImportCertStore", [pPFX, dwFlags], core::ptr::null_mut(), {
        // SAFETY: a readable blob per the caller contract.
        let data = unsafe { blob(pPFX) }?;
        // SAFETY: NULL or a NUL-terminated string per the caller contract.
        let pw = unsafe { password(szPassword) }?;
        let s = certs::import_pfx(data, pw.as_deref(), dwFlags)?;
        Ok(certs::store_into_handle(s))
    })
}

/// `PFXIsPFXBlob`.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn PFXIsPFXBlob(pPFX: *mut CRYPT_DATA_BLOB) -> BOOL {
    crypt!("PFXIsPFXBlob", [pPFX], 0, {
        // SAFETY: a readable blob per the caller contract.
        let data = unsafe { blob(pPFX) }?;
        Ok(certs::pkcs12::is_pfx(data) as BOOL)
    })
}

/// `PFXVerifyPassword`: whether the password opens the PFX (its MAC).
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn PFXVerifyPassword(
    pPFX: *mut CRYPT_DATA_BLOB,
    szPassword: LPCWSTR,
    dwFlags: DWORD,
) -> BOOL {
    let _ = dwFlags;
    crypt!("PFXVerifyPassword", [pPFX], 0, {
        // SAFETY: a readable blob per the caller contract.
        let data = unsafe { blob(pPFX) }?;
        // SAFETY: NULL or a NUL-terminated string per the caller contract.
        let pw = unsafe { password(szPassword) }?;
        Ok(certs::pkcs12::verify_password(data, pw.as_deref())? as BOOL)
    })
}

/// sspi-rustls extension (not a Windows function): imports PEM into a new
/// memory store, the way `PFXImportCertStore` imports a PFX.
///
/// `pCertChainPem` holds one or more `CERTIFICATE` blocks, leaf first (it
/// may also hold the key). `pKeyPem` (optional) holds the private key as
/// PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`), SEC1 (`EC PRIVATE
/// KEY`) or encrypted PKCS#8 (`ENCRYPTED PRIVATE KEY`, opened with
/// `szPassword`). The key travels with the certificate whose public key it
/// matches (with the first one if it matches none, so that
/// `AcquireCredentialsHandle` reports the mismatch). `dwFlags` must be 0.
/// Returns the store (close it with `CertCloseStore`), or NULL with the
/// reason in `GetLastError`.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn SspiRustlsPemImportCertStore(
    pCertChainPem: *const CRYPT_DATA_BLOB,
    pKeyPem: *const CRYPT_DATA_BLOB,
    szPassword: LPCWSTR,
    dwFlags: DWORD,
) -> HCERTSTORE {
    crypt!("SspiRustlsPemImportCertStore", [pCertChainPem, pKeyPem, dwFlags], core::ptr::null_mut(), {
        if dwFlags != 0 {
            return Err(SecError::new(NTE_BAD_FLAGS, "dwFlags must be 0"));
        }
        // SAFETY: a readable blob per the caller contract.
        let chain = unsafe { blob(pCertChainPem) }?;
        let key = if pKeyPem.is_null() {
            None
        } else {
            // SAFETY: a readable blob per the caller contract.
            Some(unsafe { blob(pKeyPem) }?)
        };
        // SAFETY: NULL or a NUL-terminated string per the caller contract.
        let pw = unsafe { password(szPassword) }?;
        Ok(certs::store_into_handle(certs::import_pem(chain, key, pw.as_deref())?))
    })
}

// ---------------------------------------------------------------------------
// Certificate chains (what curl's `--cacert` and other manual validators call).

/// The `cbSize` values Windows accepts for `CERT_CHAIN_ENGINE_CONFIG`: before
/// Windows 7 (up to `CycleDetectionModulus`), Windows 7 (up to
/// `hExclusiveTrustedPeople`) and Windows 8 (the whole struct).
const ENGINE_CONFIG_SIZES: [usize; 3] = [
    core::mem::offset_of!(CERT_CHAIN_ENGINE_CONFIG, hExclusiveRoot),
    core::mem::offset_of!(CERT_CHAIN_ENGINE_CONFIG, dwExclusiveFlags),
    core::mem::size_of::<CERT_CHAIN_ENGINE_CONFIG>(),
];

/// An optional store handle: NULL is none, anything else must be ours.
fn optional_store(h: HCERTSTORE) -> SecResult<Option<StoreRef>> {
    if h.is_null() {
        Ok(None)
    } else {
        store(h).map(Some)
    }
}

/// `CertCreateCertificateChainEngine`. Honoured: `hExclusiveRoot` (the
/// only roots), `dwExclusiveFlags`' `CERT_CHAIN_EXCLUSIVE_ENABLE_CA_FLAG`,
/// `hExclusiveTrustedPeople`, `hRestrictedRoot` (system roots narrowed to
/// it) and the additional stores. Accepted and without effect: the
/// restricted trust/other stores (no CTLs), URL retrieval, caching and
/// cycle settings. A `cbSize` Windows would not accept is `E_INVALIDARG`.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertCreateCertificateChainEngine(
    pConfig: PCERT_CHAIN_ENGINE_CONFIG,
    phChainEngine: *mut HCERTCHAINENGINE,
) -> BOOL {
    crypt!("CertCreateCertificateChainEngine", [pConfig, phChainEngine], 0, {
        if pConfig.is_null() || phChainEngine.is_null() {
            return Err(invalid_arg("NULL pConfig or phChainEngine"));
        }
        // SAFETY: readable per the caller contract (cbSize comes first).
        let size = unsafe { core::ptr::read_unaligned(pConfig.cast::<DWORD>()) } as usize;
        if !ENGINE_CONFIG_SIZES.contains(&size) {
            return Err(invalid_arg("CERT_CHAIN_ENGINE_CONFIG.cbSize is not a size Windows accepts"));
        }
        // SAFETY: an all-zero CERT_CHAIN_ENGINE_CONFIG is valid (NULL pointers, zero counts).
        let mut cfg: CERT_CHAIN_ENGINE_CONFIG = unsafe { core::mem::zeroed() };
        // SAFETY: `size` readable bytes per the caller contract; `cfg` has room for them.
        unsafe {
            core::ptr::copy_nonoverlapping(
                pConfig.cast::<u8>(),
                (&mut cfg as *mut CERT_CHAIN_ENGINE_CONFIG).cast::<u8>(),
                size,
            )
        };
        let mut engine = certs::chain::Engine {
            exclusive_root: optional_store(cfg.hExclusiveRoot)?,
            exclusive_ca: cfg.dwExclusiveFlags & CERT_CHAIN_EXCLUSIVE_ENABLE_CA_FLAG != 0,
            trusted_people: optional_store(cfg.hExclusiveTrustedPeople)?,
            restricted_root: optional_store(cfg.hRestrictedRoot)?,
            additional: Vec::new(),
        };
        if cfg.cAdditionalStore > 0 {
            if cfg.rghAdditionalStore.is_null() {
                return Err(invalid_arg("cAdditionalStore without rghAdditionalStore"));
            }
            for i in 0..cfg.cAdditionalStore as usize {
                // SAFETY: `cAdditionalStore` readable handles per the caller contract.
                let h = unsafe { core::ptr::read_unaligned(cfg.rghAdditionalStore.add(i)) };
                engine.additional.push(store(h)?);
            }
        }
        let h = certs::chain::engine_into_handle(engine);
        // SAFETY: non-null and writable per the caller contract.
        unsafe { core::ptr::write_unaligned(phChainEngine, h) };
        Ok(1)
    })
}

/// `CertFreeCertificateChainEngine`. NULL and the predefined engines
/// (`HCCE_CURRENT_USER`, `HCCE_LOCAL_MACHINE`) are ignored; a handle that
/// is not a live engine of ours is ignored with `E_INVALIDARG` as last error.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertFreeCertificateChainEngine(hChainEngine: HCERTCHAINENGINE) {
    crypt!("CertFreeCertificateChainEngine", [hChainEngine], (), {
        if (hChainEngine as usize) > 2 && !certs::chain::free_engine(hChainEngine) {
            return Err(invalid_arg("not a live chain engine of this library"));
        }
        Ok(())
    })
}

/// `CertGetCertificateChain`: builds the chain of `pCertContext` with the
/// engine's roots (the system trust store for NULL / `HCCE_*`), at `pTime`
/// (NULL: now), with intermediates from the certificate's own store,
/// `hAdditionalStore` and the engine's stores, and judges it for
/// `pChainPara->RequestedUsage`. TRUE whenever a chain context was made,
/// trusted or not: the verdict is in its `TrustStatus`. Revocation is not
/// fetched; with a `CERT_CHAIN_REVOCATION_CHECK_*` flag the checked elements
/// report `CERT_TRUST_REVOCATION_STATUS_UNKNOWN` (see `certs::chain`).
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertGetCertificateChain(
    hChainEngine: HCERTCHAINENGINE,
    pCertContext: PCCERT_CONTEXT,
    pTime: LPFILETIME,
    hAdditionalStore: HCERTSTORE,
    pChainPara: PCERT_CHAIN_PARA,
    dwFlags: DWORD,
    pvReserved: LPVOID,
    ppChainContext: *mut PCCERT_CHAIN_CONTEXT,
) -> BOOL {
    let _ = pvReserved;
    crypt!("CertGetCertificateChain", [hChainEngine, pCertContext, pTime, hAdditionalStore, pChainPara, dwFlags], 0, {
        if ppChainContext.is_null() || pChainPara.is_null() {
            return Err(invalid_arg("NULL ppChainContext or pChainPara"));
        }
        let engine = certs::chain::engine_from_handle(hChainEngine)
            .ok_or(invalid_arg("not a live chain engine of this library"))?;
        let cert = context(pCertContext)?;
        // SAFETY: readable per the caller contract (cbSize comes first).
        let size = unsafe { core::ptr::read_unaligned(pChainPara.cast::<DWORD>()) } as usize;
        if size < core::mem::size_of::<CERT_CHAIN_PARA>() {
            return Err(invalid_arg("CERT_CHAIN_PARA.cbSize too small"));
        }
        // SAFETY: at least size_of::<CERT_CHAIN_PARA>() readable bytes, checked above.
        let para = unsafe { core::ptr::read_unaligned(pChainPara) };
        let usage = para.RequestedUsage;
        let mut usages = Vec::new();
        if usage.Usage.cUsageIdentifier > 0 {
            if usage.Usage.rgpszUsageIdentifier.is_null() {
                return Err(invalid_arg("cUsageIdentifier without rgpszUsageIdentifier"));
            }
            for i in 0..usage.Usage.cUsageIdentifier as usize {
                // SAFETY: `cUsageIdentifier` readable string pointers per the caller contract.
                let p = unsafe { core::ptr::read_unaligned(usage.Usage.rgpszUsageIdentifier.add(i)) };
                // SAFETY: each a NUL-terminated OID string per the contract.
                let oid = unsafe { ansi_str(p) }.map_err(arg)?.ok_or(invalid_arg("NULL usage OID"))?;
                usages.push(oid);
            }
        }
        let time = if pTime.is_null() {
            now_filetime()
        } else {
            // SAFETY: non-null and readable per the caller contract.
            let t = unsafe { core::ptr::read_unaligned(pTime) };
            ((t.dwHighDateTime as u64) << 32) | t.dwLowDateTime as u64
        };
        let req = certs::chain::Request {
            time,
            usages,
            usage_or: usage.dwType == USAGE_MATCH_TYPE_OR,
            flags: dwFlags,
            additional: optional_store(hAdditionalStore)?,
        };
        let chain = engine.build(&cert, &req);
        let p = certs::chain::chain_into_ptr(chain, dwFlags)?;
        // SAFETY: non-null and writable per the caller contract.
        unsafe { core::ptr::write_unaligned(ppChainContext, p) };
        Ok(1)
    })
}

/// Now, as a FILETIME.
fn now_filetime() -> u64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (d.as_secs() + crate::der::FILETIME_UNIX_OFFSET as u64) * 10_000_000 + d.subsec_nanos() as u64 / 100
}

/// `CertFreeCertificateChain`: one reference fewer (NULL is ignored; a
/// pointer that is not a live chain of ours is ignored with `E_INVALIDARG`).
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertFreeCertificateChain(pChainContext: PCCERT_CHAIN_CONTEXT) {
    crypt!("CertFreeCertificateChain", [pChainContext], (), {
        if !pChainContext.is_null() && !certs::chain::free_chain(pChainContext) {
            return Err(invalid_arg("not a live chain context of this library"));
        }
        Ok(())
    })
}

/// `CertDuplicateCertificateChain`: the same pointer with one more reference.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertDuplicateCertificateChain(
    pChainContext: PCCERT_CHAIN_CONTEXT,
) -> PCCERT_CHAIN_CONTEXT {
    crypt!("CertDuplicateCertificateChain", [pChainContext], core::ptr::null(), {
        if certs::chain::duplicate_chain(pChainContext) {
            Ok(pChainContext)
        } else {
            Err(invalid_arg("not a live chain context of this library"))
        }
    })
}

/// `CertFindExtension`: the extension with `pszObjId` in the array, or NULL
/// with `CRYPT_E_NOT_FOUND`.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertFindExtension(
    pszObjId: LPCSTR,
    cExtensions: DWORD,
    rgExtensions: *mut CERT_EXTENSION,
) -> PCERT_EXTENSION {
    crypt!("CertFindExtension", [pszObjId, cExtensions, rgExtensions], core::ptr::null_mut(), {
        // SAFETY: a NUL-terminated OID string per the contract.
        let wanted = unsafe { ansi_str(pszObjId) }.map_err(arg)?.ok_or(invalid_arg("NULL pszObjId"))?;
        if cExtensions > 0 && rgExtensions.is_null() {
            return Err(invalid_arg("cExtensions without rgExtensions"));
        }
        for i in 0..cExtensions as usize {
            // SAFETY: `cExtensions` readable extensions per the caller contract.
            let e = unsafe { rgExtensions.add(i) };
            // SAFETY: as above.
            let oid = unsafe { ansi_str((*e).pszObjId) }.map_err(arg)?;
            if oid.as_deref() == Some(wanted.as_str()) {
                return Ok(e);
            }
        }
        Err(SecError::new(CRYPT_E_NOT_FOUND, "no such extension"))
    })
}

/// The struct types `CryptDecodeObject(Ex)` decodes: the alternative-name
/// ones (`X509_ALT_NAME` and the subject/issuer alternative-name OIDs).
///
/// # Safety
/// `t` must be a small integer or a NUL-terminated string.
unsafe fn is_alt_name_type(t: LPCSTR) -> SecResult<bool> {
    if (t as usize) >> 16 == 0 {
        return Ok(t as usize == X509_ALT_NAME);
    }
    // SAFETY: a string per the contract.
    let name = unsafe { ansi_str(t) }.map_err(arg)?.unwrap_or_default();
    Ok(matches!(name.as_str(), "2.5.29.17" | "2.5.29.7" | "2.5.29.18" | "2.5.29.8"))
}

/// `CryptDecodeObjectEx` for alternative names (`X509_ALT_NAME`,
/// `szOID_SUBJECT_ALT_NAME2`...): a `CERT_ALT_NAME_INFO`. With
/// `CRYPT_DECODE_ALLOC_FLAG` the block is allocated with the caller's
/// `pfnAlloc` (else `LocalAlloc`; free it with `LocalFree`) and its address
/// stored at `pvStructInfo`; otherwise the usual size query / `ERROR_MORE_DATA`
/// protocol. `CRYPT_DECODE_NOCOPY_FLAG` is accepted (the block never points
/// into the input). Other struct types answer `ERROR_FILE_NOT_FOUND`, as
/// Windows does for a type without a decoder.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CryptDecodeObjectEx(
    dwCertEncodingType: DWORD,
    lpszStructType: LPCSTR,
    pbEncoded: *const BYTE,
    cbEncoded: DWORD,
    dwFlags: DWORD,
    pDecodePara: PCRYPT_DECODE_PARA,
    pvStructInfo: *mut c_void,
    pcbStructInfo: *mut DWORD,
) -> BOOL {
    crypt!("CryptDecodeObjectEx", [dwCertEncodingType, lpszStructType, cbEncoded, dwFlags, pDecodePara], 0, {
        if dwCertEncodingType & X509_ASN_ENCODING == 0 {
            return Err(SecError::new(ERROR_FILE_NOT_FOUND as i32, "only X509_ASN_ENCODING is decoded"));
        }
        // SAFETY: forwarded contract.
        if !unsafe { is_alt_name_type(lpszStructType) }? {
            return Err(SecError::new(ERROR_FILE_NOT_FOUND as i32, "no decoder for this struct type"));
        }
        if pcbStructInfo.is_null() {
            return Err(invalid_arg("NULL pcbStructInfo"));
        }
        // SAFETY: `cbEncoded` readable bytes per the caller contract.
        let input = unsafe { bytes(pbEncoded, cbEncoded) }?;
        let names = certs::decode::alt_names(input)?;
        if dwFlags & CRYPT_DECODE_ALLOC_FLAG != 0 {
            if pvStructInfo.is_null() {
                return Err(invalid_arg("NULL pvStructInfo with CRYPT_DECODE_ALLOC_FLAG"));
            }
            // Measured at an 8-aligned address, which both allocators return.
            // SAFETY: a dry run writes nothing.
            let size = unsafe { certs::decode::write_alt_name_info(&names, 8 as *mut u8, false) };
            let custom = if pDecodePara.is_null() {
                None
            } else {
                // SAFETY: readable per the contract (cbSize comes first).
                let para_size = unsafe { core::ptr::read_unaligned(pDecodePara.cast::<DWORD>()) } as usize;
                if para_size >= core::mem::offset_of!(CRYPT_DECODE_PARA, pfnFree) {
                    // SAFETY: the allocator field is within cbSize.
                    unsafe { core::ptr::read_unaligned(core::ptr::addr_of!((*pDecodePara).pfnAlloc)) }
                } else {
                    None
                }
            };
            let block = match custom {
                // SAFETY: the caller's allocator, called as documented.
                Some(alloc) => unsafe { alloc(size) },
                // SAFETY: plain allocation.
                None => unsafe { LocalAlloc(LMEM_FIXED, size) },
            };
            if block.is_null() || (block as usize) % 8 != 0 {
                return Err(SecError::new(E_OUTOFMEMORY, "the allocator returned no (aligned) memory"));
            }
            // SAFETY: `block` has `size` writable bytes at an 8-aligned address, as measured.
            unsafe { certs::decode::write_alt_name_info(&names, block.cast(), true) };
            // SAFETY: with the ALLOC flag pvStructInfo is a writable pointer slot.
            unsafe { core::ptr::write_unaligned(pvStructInfo.cast::<*mut c_void>(), block) };
            // SAFETY: non-null and writable per the caller contract.
            unsafe { core::ptr::write_unaligned(pcbStructInfo, size as DWORD) };
            return Ok(1);
        }
        let base = if pvStructInfo.is_null() { 8 as *mut u8 } else { pvStructInfo.cast::<u8>() };
        // SAFETY: a dry run writes nothing.
        let size = unsafe { certs::decode::write_alt_name_info(&names, base, false) };
        // SAFETY: non-null and readable per the caller contract.
        let have = unsafe { core::ptr::read_unaligned(pcbStructInfo) } as usize;
        // SAFETY: as above, writable.
        unsafe { core::ptr::write_unaligned(pcbStructInfo, size as DWORD) };
        if pvStructInfo.is_null() {
            return Ok(1);
        }
        if have < size {
            return Err(SecError::new(ERROR_MORE_DATA as i32, "buffer too small"));
        }
        // SAFETY: the caller's buffer has `have` >= `size` writable bytes.
        unsafe { certs::decode::write_alt_name_info(&names, base, true) };
        Ok(1)
    })
}

/// `CryptDecodeObject`: `CryptDecodeObjectEx` without allocation flags or parameters.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CryptDecodeObject(
    dwCertEncodingType: DWORD,
    lpszStructType: LPCSTR,
    pbEncoded: *const BYTE,
    cbEncoded: DWORD,
    dwFlags: DWORD,
    pvStructInfo: *mut c_void,
    pcbStructInfo: *mut DWORD,
) -> BOOL {
    let flags = dwFlags & !CRYPT_DECODE_ALLOC_FLAG;
    // SAFETY: forwarded contract.
    unsafe {
        CryptDecodeObjectEx(
            dwCertEncodingType,
            lpszStructType,
            pbEncoded,
            cbEncoded,
            flags,
            core::ptr::null_mut(),
            pvStructInfo,
            pcbStructInfo,
        )
    }
}

/// `LocalAlloc`, for the blocks `CryptDecodeObjectEx` allocates: fixed
/// memory (`LMEM_MOVEABLE` is treated as fixed), zeroed with `LMEM_ZEROINIT`. Not exported on
/// Windows, where it is kernel32's (and `crate::platform::local_alloc` calls it).
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn LocalAlloc(uFlags: u32, uBytes: usize) -> HLOCAL {
    // SAFETY: plain allocation.
    let p = unsafe { crate::platform::local_alloc(uFlags & LMEM_ZEROINIT != 0, uBytes) };
    if p.is_null() {
        set_last_error(ERROR_NOT_ENOUGH_MEMORY);
    }
    p
}

/// `LocalFree`: frees a block from `LocalAlloc` (or from
/// `CryptDecodeObjectEx`'s default allocation). NULL is ignored. Returns NULL. Not exported on
/// Windows.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn LocalFree(hMem: HLOCAL) -> HLOCAL {
    // SAFETY: the caller passes a block LocalAlloc returned (its contract).
    unsafe { crate::platform::local_free(hMem) };
    core::ptr::null_mut()
}

/// The text of a `CryptStringToBinary` call.
///
/// # Safety
/// `p` must point to `cch` readable units, or to a NUL-terminated string when `cch` is 0.
unsafe fn string_units<T: Copy + Default + PartialEq>(p: *const T, cch: DWORD) -> SecResult<&'static [T]> {
    if p.is_null() {
        return Err(invalid_arg("NULL pszString"));
    }
    let len = if cch == 0 {
        let mut n = 0usize;
        // SAFETY: reads stop at the terminator, which the caller promises.
        while unsafe { *p.add(n) } != T::default() {
            n += 1;
            if n > 64 << 20 {
                return Err(invalid_arg("string too long or unterminated"));
            }
        }
        n
    } else {
        cch as usize
    };
    // SAFETY: `len` readable units per the caller contract.
    Ok(unsafe { core::slice::from_raw_parts(p, len) })
}

/// The output half of `CryptStringToBinary`: the size protocol and the
/// optional skip and format.
///
/// # Safety
/// The pointers follow `CryptStringToBinaryA`'s contract.
unsafe fn binary_out(
    found: (Vec<u8>, usize, u32),
    pbBinary: *mut BYTE,
    pcbBinary: *mut DWORD,
    pdwSkip: *mut DWORD,
    pdwFlags: *mut DWORD,
) -> SecResult<BOOL> {
    let (data, skip, format) = found;
    if pcbBinary.is_null() {
        return Err(invalid_arg("NULL pcbBinary"));
    }
    // SAFETY: non-null, readable and writable per the contract.
    let have = unsafe { core::ptr::read_unaligned(pcbBinary) } as usize;
    // SAFETY: as above.
    unsafe { core::ptr::write_unaligned(pcbBinary, data.len() as DWORD) };
    if !pbBinary.is_null() {
        if have < data.len() {
            return Err(SecError::new(ERROR_MORE_DATA as i32, "buffer too small"));
        }
        // SAFETY: `have` >= len writable bytes per the contract.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), pbBinary, data.len()) };
    }
    if !pdwSkip.is_null() {
        // SAFETY: writable per the contract.
        unsafe { core::ptr::write_unaligned(pdwSkip, skip as DWORD) };
    }
    if !pdwFlags.is_null() {
        // SAFETY: writable per the contract.
        unsafe { core::ptr::write_unaligned(pdwFlags, format) };
    }
    Ok(1)
}

/// `CryptStringToBinaryA`: base64 with or without a PEM header
/// (`CRYPT_STRING_BASE64HEADER`, `_BASE64`, `_BASE64REQUESTHEADER`,
/// `_BASE64X509CRLHEADER`, `_BASE64_ANY`), hex (`_HEX`, `_HEX_ANY`) and
/// binary (`_BINARY`, `_ANY`). Other formats are `ERROR_INVALID_PARAMETER`;
/// undecodable text `ERROR_INVALID_DATA`.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CryptStringToBinaryA(
    pszString: LPCSTR,
    cchString: DWORD,
    dwFlags: DWORD,
    pbBinary: *mut BYTE,
    pcbBinary: *mut DWORD,
    pdwSkip: *mut DWORD,
    pdwFlags: *mut DWORD,
) -> BOOL {
    crypt!("CryptStringToBinaryA", [pszString, cchString, dwFlags, pbBinary, pcbBinary], 0, {
        // SAFETY: forwarded contract.
        let text = unsafe { string_units(pszString.cast::<u8>(), cchString) }?;
        let found = certs::decode::string_to_binary(text, dwFlags)?;
        // SAFETY: forwarded contract.
        unsafe { binary_out(found, pbBinary, pcbBinary, pdwSkip, pdwFlags) }
    })
}

/// `CryptStringToBinaryW`: as the A form, over UTF-16 text (binary formats
/// return the UTF-16 bytes as they are).
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CryptStringToBinaryW(
    pszString: LPCWSTR,
    cchString: DWORD,
    dwFlags: DWORD,
    pbBinary: *mut BYTE,
    pcbBinary: *mut DWORD,
    pdwSkip: *mut DWORD,
    pdwFlags: *mut DWORD,
) -> BOOL {
    crypt!("CryptStringToBinaryW", [pszString, cchString, dwFlags, pbBinary, pcbBinary], 0, {
        // SAFETY: forwarded contract.
        let units = unsafe { string_units(pszString, cchString) }?;
        let text: Vec<u8> = if dwFlags == CRYPT_STRING_BINARY {
            units.iter().flat_map(|u| u.to_le_bytes()).collect()
        } else if units.iter().all(|&u| u < 0x80) {
            units.iter().map(|&u| u as u8).collect()
        } else {
            return Err(SecError::new(ERROR_INVALID_DATA as i32, "non-ASCII characters in encoded text"));
        };
        let found = certs::decode::string_to_binary(&text, dwFlags)?;
        // SAFETY: forwarded contract.
        unsafe { binary_out(found, pbBinary, pcbBinary, pdwSkip, pdwFlags) }
    })
}

/// `CryptQueryObject` for certificates: a blob (`CERT_QUERY_OBJECT_BLOB`)
/// or a file (`CERT_QUERY_OBJECT_FILE`, a UTF-16 path) holding one
/// certificate, DER (`CERT_QUERY_FORMAT_FLAG_BINARY`) or base64 with or
/// without a PEM header (`CERT_QUERY_FORMAT_FLAG_BASE64_ENCODED`). Returns
/// the context (`ppvContext`) and a memory store holding it (`phCertStore`);
/// `phMsg` is set to NULL. Content types other than
/// `CERT_QUERY_CONTENT_FLAG_CERT` (PKCS#7, PFX, CRLs, serialized stores) are
/// not recognised: FALSE with `CRYPT_E_NO_MATCH`.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CryptQueryObject(
    dwObjectType: DWORD,
    pvObject: *const c_void,
    dwExpectedContentTypeFlags: DWORD,
    dwExpectedFormatTypeFlags: DWORD,
    dwFlags: DWORD,
    pdwMsgAndCertEncodingType: *mut DWORD,
    pdwContentType: *mut DWORD,
    pdwFormatType: *mut DWORD,
    phCertStore: *mut HCERTSTORE,
    phMsg: *mut HCRYPTMSG,
    ppvContext: *mut *const c_void,
) -> BOOL {
    let _ = dwFlags;
    crypt!("CryptQueryObject", [dwObjectType, pvObject, dwExpectedContentTypeFlags, dwExpectedFormatTypeFlags], 0, {
        if pvObject.is_null() {
            return Err(invalid_arg("NULL pvObject"));
        }
        let owned;
        let input: &[u8] = match dwObjectType {
            // SAFETY: a readable CERT_BLOB per the contract.
            CERT_QUERY_OBJECT_BLOB => unsafe { blob(pvObject.cast()) }?,
            CERT_QUERY_OBJECT_FILE => {
                // SAFETY: a NUL-terminated UTF-16 path per the contract.
                let path = unsafe { wide_str(pvObject.cast()) }.map_err(arg)?.unwrap_or_default();
                owned = std::fs::read(&path)
                    .map_err(|_| SecError::new(ERROR_FILE_NOT_FOUND as i32, "cannot read the file"))?;
                &owned
            }
            _ => return Err(invalid_arg("unknown dwObjectType")),
        };
        if dwExpectedContentTypeFlags & CERT_QUERY_CONTENT_FLAG_CERT == 0 {
            return Err(SecError::new(CRYPT_E_NO_MATCH, "only certificates are recognised"));
        }
        let mut found = None;
        if dwExpectedFormatTypeFlags & CERT_QUERY_FORMAT_FLAG_BINARY != 0 {
            if let Ok(c) = CertContext::create(input, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING) {
                found = Some((c, CERT_QUERY_FORMAT_BINARY));
            }
        }
        if found.is_none() && dwExpectedFormatTypeFlags & CERT_QUERY_FORMAT_FLAG_BASE64_ENCODED != 0 {
            if let Ok((der, _, _)) = certs::decode::string_to_binary(input, CRYPT_STRING_BASE64_ANY) {
                if let Ok(c) = CertContext::create(&der, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING) {
                    found = Some((c, CERT_QUERY_FORMAT_BASE64_ENCODED));
                }
            }
        }
        let (cert, format) = found.ok_or(SecError::new(CRYPT_E_NO_MATCH, "not a certificate in an expected format"))?;
        // The context lives in a memory store of its own, which the caller may also take.
        let store = CertStore::new_memory();
        let data = CertData::new(cert.der())?;
        let cert =
            store.add(data, Properties::default(), X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, CERT_STORE_ADD_ALWAYS)?;
        let write = |p: *mut DWORD, v: DWORD| {
            if !p.is_null() {
                // SAFETY: writable per the contract.
                unsafe { core::ptr::write_unaligned(p, v) };
            }
        };
        write(pdwMsgAndCertEncodingType, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING);
        write(pdwContentType, CERT_QUERY_CONTENT_CERT);
        write(pdwFormatType, format);
        if !phMsg.is_null() {
            // SAFETY: writable per the contract.
            unsafe { core::ptr::write_unaligned(phMsg, core::ptr::null_mut()) };
        }
        if !ppvContext.is_null() {
            let p = certs::context_into_ptr(cert)?;
            // SAFETY: writable per the contract.
            unsafe { core::ptr::write_unaligned(ppvContext, p.cast()) };
        }
        if !phCertStore.is_null() {
            // SAFETY: writable per the contract.
            unsafe { core::ptr::write_unaligned(phCertStore, certs::store_into_handle(store)) };
        }
        Ok(1)
    })
}

/// `CertVerifyCertificateChainPolicy` for `CERT_CHAIN_POLICY_BASE`,
/// `CERT_CHAIN_POLICY_SSL` (with `SSL_EXTRA_CERT_CHAIN_POLICY_PARA`: the
/// `SECURITY_FLAG_IGNORE_*` checks and, for `AUTHTYPE_SERVER`, the server
/// name) and `CERT_CHAIN_POLICY_BASIC_CONSTRAINTS`. TRUE with the verdict in
/// `pPolicyStatus` (`dwError` 0 when the chain passes); other policies
/// (Authenticode, NT_AUTH, EV...) FALSE with `CRYPT_E_NOT_FOUND`, as Windows
/// answers for a policy it has no handler for.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertVerifyCertificateChainPolicy(
    pszPolicyOID: LPCSTR,
    pChainContext: PCCERT_CHAIN_CONTEXT,
    pPolicyPara: PCERT_CHAIN_POLICY_PARA,
    pPolicyStatus: PCERT_CHAIN_POLICY_STATUS,
) -> BOOL {
    crypt!("CertVerifyCertificateChainPolicy", [pszPolicyOID, pChainContext, pPolicyPara, pPolicyStatus], 0, {
        use certs::chain::{Policy, SslPolicy};
        let policy = match pszPolicyOID as usize {
            CERT_CHAIN_POLICY_BASE => Policy::Base,
            CERT_CHAIN_POLICY_SSL => Policy::Ssl,
            CERT_CHAIN_POLICY_BASIC_CONSTRAINTS => Policy::BasicConstraints,
            _ => return Err(SecError::new(CRYPT_E_NOT_FOUND, "no handler for this chain policy")),
        };
        if pChainContext.is_null() || pPolicyStatus.is_null() {
            return Err(invalid_arg("NULL pChainContext or pPolicyStatus"));
        }
        // SAFETY: readable per the contract (cbSize comes first).
        let status_size = unsafe { core::ptr::read_unaligned(pPolicyStatus.cast::<DWORD>()) } as usize;
        if status_size < core::mem::offset_of!(CERT_CHAIN_POLICY_STATUS, pvExtraPolicyStatus) {
            return Err(invalid_arg("CERT_CHAIN_POLICY_STATUS.cbSize too small"));
        }
        let (mut flags, mut ssl) = (0, SslPolicy::default());
        if !pPolicyPara.is_null() {
            // SAFETY: a readable CERT_CHAIN_POLICY_PARA per the contract.
            let para = unsafe { core::ptr::read_unaligned(pPolicyPara) };
            flags = para.dwFlags;
            if policy == Policy::Ssl && !para.pvExtraPolicyPara.is_null() {
                let extra = para.pvExtraPolicyPara.cast::<SSL_EXTRA_CERT_CHAIN_POLICY_PARA>();
                // SAFETY: the SSL policy's extra parameter per the contract (cbSize first).
                let size = unsafe { core::ptr::read_unaligned(extra.cast::<DWORD>()) } as usize;
                if size < core::mem::offset_of!(SSL_EXTRA_CERT_CHAIN_POLICY_PARA, pwszServerName) {
                    return Err(invalid_arg("SSL_EXTRA_CERT_CHAIN_POLICY_PARA.cbSize too small"));
                }
                // SAFETY: readable up to `size`; the name field only when within it.
                let e = unsafe { core::ptr::read_unaligned(extra) };
                let has_name = size >= core::mem::size_of::<SSL_EXTRA_CERT_CHAIN_POLICY_PARA>();
                ssl = SslPolicy {
                    server: e.dwAuthType == AUTHTYPE_SERVER,
                    checks: e.fdwChecks,
                    // SAFETY: NULL or a NUL-terminated UTF-16 string per the contract.
                    server_name: if has_name { unsafe { wide_str(e.pwszServerName) }.map_err(arg)? } else { None },
                };
            }
        }
        let v = certs::chain::verify_policy(pChainContext, policy, flags, &ssl)
            .ok_or(invalid_arg("not a live chain context of this library"))?;
        let out = pPolicyStatus;
        // SAFETY: cbSize covers these fields (checked above); writable per the contract.
        unsafe {
            core::ptr::write_unaligned(core::ptr::addr_of_mut!((*out).dwError), v.error);
            core::ptr::write_unaligned(core::ptr::addr_of_mut!((*out).lChainIndex), v.chain_index);
            core::ptr::write_unaligned(core::ptr::addr_of_mut!((*out).lElementIndex), v.element_index);
        }
        Ok(1)
    })
}

/// `CertGetIssuerCertificateFromStore`: the next certificate in the store
/// (after `pPrevIssuerContext`, which is released) whose subject is the
/// subject certificate's issuer. `*pdwFlags` asks for checks and returns
/// the ones that failed: `CERT_STORE_SIGNATURE_FLAG` (the issuer's key
/// verifies the subject), `CERT_STORE_TIME_VALIDITY_FLAG` (the subject is
/// within its dates now), `CERT_STORE_REVOCATION_FLAG` (never checkable
/// here: it stays set, with `CERT_STORE_NO_CRL_FLAG`). A self-signed subject
/// is NULL with `CRYPT_E_SELF_SIGNED`; no issuer NULL with `CRYPT_E_NOT_FOUND`.
#[cfg_attr(not(windows), no_mangle)]
pub unsafe extern "system" fn CertGetIssuerCertificateFromStore(
    hCertStore: HCERTSTORE,
    pSubjectContext: PCCERT_CONTEXT,
    pPrevIssuerContext: PCCERT_CONTEXT,
    pdwFlags: *mut DWORD,
) -> PCCERT_CONTEXT {
    crypt!("CertGetIssuerCertificateFromStore", [hCertStore, pSubjectContext, pPrevIssuerContext], core::ptr::null(), {
        let prev = take_prev(pPrevIssuerContext)?;
        let s = store(hCertStore)?;
        let subject = context(pSubjectContext)?;
        if pdwFlags.is_null() {
            return Err(invalid_arg("NULL pdwFlags"));
        }
        // SAFETY: readable and writable per the contract.
        let asked = unsafe { core::ptr::read_unaligned(pdwFlags) };
        let known = CERT_STORE_SIGNATURE_FLAG | CERT_STORE_TIME_VALIDITY_FLAG | CERT_STORE_REVOCATION_FLAG;
        if asked & !known != 0 {
            return Err(invalid_arg("unknown verification flags"));
        }
        let sp = subject.parsed();
        if sp.is_self_issued() && sp.signed_by(sp) != Some(false) {
            return Err(SecError::new(CRYPT_E_SELF_SIGNED, "the subject is self-signed"));
        }
        let issuer = s
            .find_next(prev.as_ref(), |c| c.parsed().subject == sp.issuer)?
            .ok_or(SecError::new(CRYPT_E_NOT_FOUND, "no issuer in the store"))?;
        let mut failed = 0;
        if asked & CERT_STORE_SIGNATURE_FLAG != 0 && sp.signed_by(issuer.parsed()) != Some(true) {
            failed |= CERT_STORE_SIGNATURE_FLAG;
        }
        if asked & CERT_STORE_TIME_VALIDITY_FLAG != 0 {
            let now = now_filetime();
            if now < sp.not_before || now > sp.not_after {
                failed |= CERT_STORE_TIME_VALIDITY_FLAG;
            }
        }
        if asked & CERT_STORE_REVOCATION_FLAG != 0 {
            failed |= CERT_STORE_REVOCATION_FLAG | CERT_STORE_NO_CRL_FLAG;
        }
        // SAFETY: writable per the contract.
        unsafe { core::ptr::write_unaligned(pdwFlags, failed) };
        certs::context_into_ptr(issuer)
    })
}
