//! Credential exports: `AcquireCredentialsHandle`, `FreeCredentialsHandle`,
//! `QueryCredentialsAttributes(Ex)`, `SetCredentialsAttributes`, `AddCredentials`.

use core::ffi::{c_char, c_void};

use super::attributes::write_attr;
use super::{ansi_str, credential, read_handle, wide_str, write_opt, Charset, CREDENTIALS};
use crate::abi::*;
use crate::certs;
use crate::entry;
use crate::error::{SecError, SecResult};
use crate::packages::{
    self, AcquireRequest, AuthData, AuthDataFormat, CredentialUse, CryptoSetting, Identity, SchannelCredSpec,
    TlsParameters,
};
use crate::unsupported;

/// Most entries we read from any caller array inside credential structs.
const MAX_ARRAY: usize = 256;

/// "Never expires", as Schannel reports it.
pub(crate) const NEVER: u64 = 0x7FFF_FFFF_FFFF_FFFF;

/// Reads `count` items of `T` from `p` into a Vec (NULL with count 0 is empty).
///
/// # Safety
/// `p` must be NULL or point to `count` readable `T`s.
unsafe fn read_array<T: Copy>(p: *const T, count: u32, what: &'static str) -> SecResult<Vec<T>> {
    let count = count as usize;
    if count == 0 {
        return Ok(Vec::new());
    }
    if p.is_null() || count > MAX_ARRAY {
        return Err(SecError::new(SEC_E_UNKNOWN_CREDENTIALS, what));
    }
    // SAFETY: `count` readable items per the caller contract.
    Ok((0..count).map(|i| unsafe { core::ptr::read_unaligned(p.add(i)) }).collect())
}

/// Reads a `UNICODE_STRING` (length in bytes, not necessarily terminated).
///
/// # Safety
/// `s.Buffer` must point to `s.Length` readable bytes or be NULL.
unsafe fn unicode_string(s: &UNICODE_STRING) -> SecResult<String> {
    let units = (s.Length / 2) as usize;
    if units == 0 {
        return Ok(String::new());
    }
    if s.Buffer.is_null() {
        return Err(SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "UNICODE_STRING without a buffer"));
    }
    // SAFETY: `Length` bytes readable per the caller contract.
    let v: Vec<u16> = (0..units).map(|i| unsafe { core::ptr::read_unaligned(s.Buffer.add(i)) }).collect();
    String::from_utf16(&v).map_err(|_| SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "invalid UTF-16"))
}

/// Resolves the certificate contexts of `paCred` (`crate::platform::certs`: ours on Linux,
/// crypt32's on Windows).
fn cert_refs(ptrs: Vec<PCCERT_CONTEXT>) -> SecResult<Vec<certs::CertRef>> {
    ptrs.into_iter().map(crate::platform::certs::context_from_app).collect()
}

fn root_store(h: HCERTSTORE) -> SecResult<Option<certs::StoreRef>> {
    crate::platform::certs::store_from_app(h)
}

/// Decodes `SCHANNEL_CRED` (v3/v4) or `SCH_CREDENTIALS` (v5).
///
/// # Safety
/// `p` must be NULL or point to one of those structs with valid inner pointers.
unsafe fn schannel_auth_data(p: *const c_void) -> SecResult<AuthData> {
    if p.is_null() {
        return Ok(AuthData::Default);
    }
    // SAFETY: every Schannel credential struct starts with a DWORD version.
    let version = unsafe { core::ptr::read_unaligned(p.cast::<u32>()) };
    match version {
        3 | SCHANNEL_CRED_VERSION => {
            // SAFETY: the version says this is a SCHANNEL_CRED.
            let c = unsafe { core::ptr::read_unaligned(p.cast::<SCHANNEL_CRED>()) };
            // SAFETY: inner arrays per the SCHANNEL_CRED contract.
            let certs = cert_refs(unsafe { read_array(c.paCred.cast_const(), c.cCreds, "paCred") }?)?;
            // SAFETY: as above.
            let algs = unsafe { read_array(c.palgSupportedAlgs.cast_const(), c.cSupportedAlgs, "palgSupportedAlgs") }?;
            Ok(AuthData::Schannel(SchannelCredSpec {
                version,
                cred_format: c.dwCredFormat,
                certs,
                root_store: root_store(c.hRootStore)?,
                supported_algs: algs,
                enabled_protocols: c.grbitEnabledProtocols,
                min_cipher_strength: c.dwMinimumCipherStrength,
                max_cipher_strength: c.dwMaximumCipherStrength,
                session_lifespan_ms: c.dwSessionLifespan,
                flags: c.dwFlags,
                tls_parameters: Vec::new(),
            }))
        }
        SCH_CREDENTIALS_VERSION => {
            // SAFETY: the version says this is a SCH_CREDENTIALS.
            let c = unsafe { core::ptr::read_unaligned(p.cast::<SCH_CREDENTIALS>()) };
            // SAFETY: inner arrays per the SCH_CREDENTIALS contract.
            let certs = cert_refs(unsafe { read_array(c.paCred.cast_const(), c.cCreds, "paCred") }?)?;
            // SAFETY: as above.
            let params = unsafe { read_array(c.pTlsParameters.cast_const(), c.cTlsParameters, "pTlsParameters") }?;
            let mut tls_parameters = Vec::with_capacity(params.len());
            for tp in params {
                // SAFETY: as above, for each TLS_PARAMETERS.
                let alpn = unsafe { read_array(tp.rgstrAlpnIds.cast_const(), tp.cAlpnIds, "rgstrAlpnIds") }?;
                // SAFETY: as above.
                let crypto =
                    unsafe { read_array(tp.pDisabledCrypto.cast_const(), tp.cDisabledCrypto, "pDisabledCrypto") }?;
                let mut disabled_crypto = Vec::with_capacity(crypto.len());
                for cs in crypto {
                    // SAFETY: as above.
                    let modes = unsafe {
                        read_array(cs.rgstrChainingModes.cast_const(), cs.cChainingModes, "rgstrChainingModes")
                    }?;
                    disabled_crypto.push(CryptoSetting {
                        usage: cs.eAlgorithmUsage,
                        // SAFETY: as above.
                        algorithm: unsafe { unicode_string(&cs.strCngAlgId) }?,
                        // SAFETY: as above.
                        chaining_modes: modes.iter().map(|m| unsafe { unicode_string(m) }).collect::<SecResult<_>>()?,
                        min_bits: cs.dwMinBitLength,
                        max_bits: cs.dwMaxBitLength,
                    });
                }
                tls_parameters.push(TlsParameters {
                    // SAFETY: as above.
                    alpn_ids: alpn.iter().map(|s| unsafe { unicode_string(s) }).collect::<SecResult<_>>()?,
                    disabled_protocols: tp.grbitDisabledProtocols,
                    disabled_crypto,
                    flags: tp.dwFlags,
                });
            }
            Ok(AuthData::Schannel(SchannelCredSpec {
                version,
                cred_format: c.dwCredFormat,
                certs,
                root_store: root_store(c.hRootStore)?,
                supported_algs: Vec::new(),
                enabled_protocols: 0,
                min_cipher_strength: 0,
                max_cipher_strength: 0,
                session_lifespan_ms: c.dwSessionLifespan,
                flags: c.dwFlags,
                tls_parameters,
            }))
        }
        _ => Err(SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "unknown Schannel credential version")),
    }
}

/// Longest identity string we read (characters).
const MAX_IDENTITY_STRING: u32 = 1 << 15;

/// Reads a counted identity string: `len` characters of `width` bytes at `p`
/// (NULL with 0 is empty; UTF-16LE when wide, else UTF-8 or Latin-1).
///
/// # Safety
/// `p` must be NULL or point to `len` readable characters.
unsafe fn identity_string(p: *const u8, len: u32, wide: bool) -> SecResult<String> {
    if len == 0 {
        return Ok(String::new());
    }
    if p.is_null() || len > MAX_IDENTITY_STRING {
        return Err(SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "identity string NULL with a length, or too long"));
    }
    if wide {
        let p = p.cast::<u16>();
        // SAFETY: `len` readable UTF-16 units per the caller contract; read unaligned.
        // The copy may hold a password: wiped when dropped, and the String is
        // allocated at its largest size once so no reallocation leaves a copy behind.
        let units: zeroize::Zeroizing<Vec<u16>> = zeroize::Zeroizing::new(
            (0..len as usize).map(|i| unsafe { core::ptr::read_unaligned(p.add(i)) }).collect(),
        );
        let mut out = String::with_capacity(units.len() * 3);
        for c in char::decode_utf16(units.iter().copied()) {
            match c {
                Ok(c) => out.push(c),
                Err(_) => {
                    zeroize::Zeroize::zeroize(&mut out);
                    return Err(SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "invalid UTF-16 in identity"));
                }
            }
        }
        Ok(out)
    } else {
        // SAFETY: `len` readable bytes per the caller contract.
        let bytes = unsafe { core::slice::from_raw_parts(p, len as usize) };
        Ok(match core::str::from_utf8(bytes) {
            Ok(s) => s.to_owned(),
            Err(_) => {
                // Latin-1: at most two UTF-8 bytes per byte, allocated once.
                let mut out = String::with_capacity(bytes.len() * 2);
                out.extend(bytes.iter().map(|&b| b as char));
                out
            }
        })
    }
}

/// Splits `DOMAIN\user` or `user@domain` when no separate domain is given.
fn split_user(user: String, domain: String) -> (String, String) {
    if !domain.is_empty() {
        return (user, domain);
    }
    if let Some((d, u)) = user.split_once('\\') {
        return (u.to_owned(), d.to_owned());
    }
    if let Some((u, d)) = user.rsplit_once('@') {
        return (u.to_owned(), d.to_owned());
    }
    (user, domain)
}

/// Decodes `SEC_WINNT_AUTH_IDENTITY_A/W` or `SEC_WINNT_AUTH_IDENTITY_EXA/EXW`
/// (told apart by `Version` and `Length`, as Windows does; A and W by
/// `Flags`). All of user, domain and password NULL is the default credential.
///
/// # Safety
/// `p` must be NULL or point to one of those structs with valid strings.
pub(super) unsafe fn identity_auth_data(p: *const c_void) -> SecResult<AuthData> {
    if p.is_null() {
        return Ok(AuthData::Default);
    }
    // SAFETY: both layouts start with 8 readable bytes (a pointer, or Version + Length).
    let (version, length) =
        unsafe { (core::ptr::read_unaligned(p.cast::<u32>()), core::ptr::read_unaligned(p.cast::<u32>().add(1))) };
    let ex = version == SEC_WINNT_AUTH_IDENTITY_VERSION
        && length as usize >= core::mem::size_of::<SEC_WINNT_AUTH_IDENTITY_EXW>();
    // The A and W structs differ only in the pointee type of their strings.
    let (user, user_len, domain, domain_len, password, password_len, flags, packages) = if ex {
        // SAFETY: Version and Length say this is an EX identity.
        let i = unsafe { core::ptr::read_unaligned(p.cast::<SEC_WINNT_AUTH_IDENTITY_EXW>()) };
        let pk = (i.PackageList.cast::<u8>().cast_const(), i.PackageListLength);
        (
            i.User.cast::<u8>(),
            i.UserLength,
            i.Domain.cast::<u8>(),
            i.DomainLength,
            i.Password.cast::<u8>(),
            i.PasswordLength,
            i.Flags,
            Some(pk),
        )
    } else {
        // SAFETY: the caller passed a SEC_WINNT_AUTH_IDENTITY.
        let i = unsafe { core::ptr::read_unaligned(p.cast::<SEC_WINNT_AUTH_IDENTITY_W>()) };
        (
            i.User.cast::<u8>(),
            i.UserLength,
            i.Domain.cast::<u8>(),
            i.DomainLength,
            i.Password.cast::<u8>(),
            i.PasswordLength,
            i.Flags,
            None,
        )
    };
    let wide = match flags & (SEC_WINNT_AUTH_IDENTITY_ANSI | SEC_WINNT_AUTH_IDENTITY_UNICODE) {
        SEC_WINNT_AUTH_IDENTITY_UNICODE => true,
        SEC_WINNT_AUTH_IDENTITY_ANSI => false,
        _ => return Err(SecError::new(SEC_E_UNKNOWN_CREDENTIALS, "identity Flags is neither ANSI nor UNICODE")),
    };
    if user.is_null() && domain.is_null() && password.is_null() {
        return Ok(AuthData::Default);
    }
    // SAFETY: strings per the identity contract (checked for NULL with a length).
    let (u, d) = unsafe { (identity_string(user, user_len, wide)?, identity_string(domain, domain_len, wide)?) };
    // SAFETY: as above.
    let pw = zeroize::Zeroizing::new(unsafe { identity_string(password, password_len, wide) }?);
    let package_list = match packages {
        // SAFETY: as above.
        Some((pk, n)) if !pk.is_null() && n > 0 => Some(unsafe { identity_string(pk, n, wide) }?),
        _ => None,
    };
    let (user, domain) = split_user(u, d);
    Ok(AuthData::Identity(Identity { user, domain, password: pw, package_list }))
}

// `CREDSPP_SUBMIT_TYPE` (an enum in mingw-w64's `credssp.h`, so not in our generated header).
const SUBMIT_PASSWORD: u32 = 2;
const SUBMIT_SCHANNEL: u32 = 4;
const SUBMIT_CERTIFICATE: u32 = 13;
const SUBMIT_BOTH: u32 = 50;
const SUBMIT_BOTH_OLD: u32 = 51;

/// Decodes CredSSP's `pAuthData`: a `CREDSSP_CRED` (its `Type` is a `CREDSPP_SUBMIT_TYPE`,
/// 2, 4, 13, 50 or 51; a `SEC_WINNT_AUTH_IDENTITY` starts with a pointer, an `_EX` with
/// `Version` 0x200), whose `pSchannelCred` and `pSpnegoCred` are decoded as Schannel and
/// identity data; or an identity alone.
///
/// # Safety
/// `p` must be NULL or point to one of those structs, with valid members.
unsafe fn credssp_auth_data(p: *const c_void) -> SecResult<AuthData> {
    if p.is_null() {
        return Ok(AuthData::Default);
    }
    // SAFETY: every accepted layout starts with 4 readable bytes.
    let first = unsafe { core::ptr::read_unaligned(p.cast::<u32>()) };
    // A CREDSSP_CRED's Type is one of these small values; an identity starts with the User
    // pointer (whose low half is never such a value for a real string) or, for the EX form,
    // Version 0x200. The padding after Type is not looked at: callers leave it uninitialised.
    let submit_type =
        matches!(first, SUBMIT_PASSWORD | SUBMIT_SCHANNEL | SUBMIT_CERTIFICATE | SUBMIT_BOTH | SUBMIT_BOTH_OLD);
    if !submit_type {
        // SAFETY: forwarded contract (an identity).
        return unsafe { identity_auth_data(p) };
    }
    // SAFETY: Type says this is a CREDSSP_CRED.
    let c = unsafe { core::ptr::read_unaligned(p.cast::<CREDSSP_CRED>()) };
    if c.Type == SUBMIT_CERTIFICATE {
        return Err(SecError::new(SEC_E_UNSUPPORTED_FUNCTION, "SUBMIT_CERTIFICATE (smart cards) is not supported"));
    }
    let schannel = if c.pSchannelCred.is_null() || c.Type == SUBMIT_PASSWORD {
        None
    } else {
        // SAFETY: forwarded contract (an SCHANNEL_CRED).
        match unsafe { schannel_auth_data(c.pSchannelCred) }? {
            AuthData::Schannel(s) => Some(s),
            _ => None,
        }
    };
    let identity = if c.pSpnegoCred.is_null() || c.Type == SUBMIT_SCHANNEL {
        None
    } else {
        // SAFETY: forwarded contract (a SEC_WINNT_AUTH_IDENTITY_*).
        match unsafe { identity_auth_data(c.pSpnegoCred) }? {
            AuthData::Identity(i) => Some(i),
            _ => None,
        }
    };
    Ok(AuthData::CredSsp { schannel, identity })
}

/// The shared body of `AcquireCredentialsHandleA/W`.
///
/// # Safety
/// Pointers as the SSPI contract of `AcquireCredentialsHandle` requires.
unsafe fn acquire(
    principal: Option<String>,
    package: Option<String>,
    use_flags: ULONG,
    auth: *mut c_void,
    ph: *mut CredHandle,
    expiry: *mut TimeStamp,
) -> SecResult<SECURITY_STATUS> {
    let name = package.ok_or(SecError::new(SEC_E_SECPKG_NOT_FOUND, "NULL package name"))?;
    let reg = packages::find(&name).ok_or(SecError::new(SEC_E_SECPKG_NOT_FOUND, "unknown package"))?;
    if ph.is_null() {
        return Err(SecError::invalid_handle("NULL phCredential"));
    }
    let usage = CredentialUse {
        inbound: use_flags & SECPKG_CRED_INBOUND != 0,
        outbound: use_flags & SECPKG_CRED_OUTBOUND != 0,
    };
    if !usage.inbound && !usage.outbound {
        return Err(SecError::new(SEC_E_NO_CREDENTIALS, "fCredentialUse has neither INBOUND nor OUTBOUND"));
    }
    let auth = match reg.package.auth_data_format() {
        // SAFETY: forwarded contract.
        AuthDataFormat::Schannel => unsafe { schannel_auth_data(auth) }?,
        // SAFETY: forwarded contract.
        AuthDataFormat::Identity => unsafe { identity_auth_data(auth) }?,
        // SAFETY: forwarded contract.
        AuthDataFormat::CredSsp => unsafe { credssp_auth_data(auth) }?,
    };
    let creds = reg.package.acquire_credentials(AcquireRequest { principal, usage, auth })?;
    let h = CREDENTIALS.insert(creds)?;
    // SAFETY: `ph` checked non-null; `expiry` optional.
    unsafe {
        core::ptr::write_unaligned(ph, h);
        write_opt(expiry, TimeStamp::from_u64(NEVER));
    }
    Ok(SEC_E_OK)
}

/// `AcquireCredentialsHandleW`.
#[no_mangle]
pub unsafe extern "system" fn AcquireCredentialsHandleW(
    pszPrincipal: *mut SEC_WCHAR,
    pszPackage: *mut SEC_WCHAR,
    fCredentialUse: ULONG,
    pvLogonId: *mut c_void,
    pAuthData: *mut c_void,
    pGetKeyFn: SEC_GET_KEY_FN,
    pvGetKeyArgument: *mut c_void,
    phCredential: *mut CredHandle,
    ptsExpiry: *mut TimeStamp,
) -> SECURITY_STATUS {
    let _ = (pvLogonId, pGetKeyFn, pvGetKeyArgument);
    entry!("AcquireCredentialsHandleW", [pszPrincipal, pszPackage, fCredentialUse, pAuthData, phCredential], {
        // SAFETY: strings are NULL or NUL-terminated per the SSPI contract.
        let (principal, package) = unsafe { (wide_str(pszPrincipal)?, wide_str(pszPackage)?) };
        // SAFETY: forwarded contract.
        unsafe { acquire(principal, package, fCredentialUse, pAuthData, phCredential, ptsExpiry) }
    })
}

/// `AcquireCredentialsHandleA`.
#[no_mangle]
pub unsafe extern "system" fn AcquireCredentialsHandleA(
    pszPrincipal: *mut SEC_CHAR,
    pszPackage: *mut SEC_CHAR,
    fCredentialUse: ULONG,
    pvLogonId: *mut c_void,
    pAuthData: *mut c_void,
    pGetKeyFn: SEC_GET_KEY_FN,
    pvGetKeyArgument: *mut c_void,
    phCredential: *mut CredHandle,
    ptsExpiry: *mut TimeStamp,
) -> SECURITY_STATUS {
    let _ = (pvLogonId, pGetKeyFn, pvGetKeyArgument);
    entry!("AcquireCredentialsHandleA", [pszPrincipal, pszPackage, fCredentialUse, pAuthData, phCredential], {
        // SAFETY: strings are NULL or NUL-terminated per the SSPI contract.
        let (principal, package) =
            unsafe { (ansi_str(pszPrincipal as *const c_char)?, ansi_str(pszPackage as *const c_char)?) };
        // SAFETY: forwarded contract.
        unsafe { acquire(principal, package, fCredentialUse, pAuthData, phCredential, ptsExpiry) }
    })
}

/// `FreeCredentialsHandle`: contexts made from the credential keep working.
#[no_mangle]
pub unsafe extern "system" fn FreeCredentialsHandle(phCredential: *mut CredHandle) -> SECURITY_STATUS {
    entry!("FreeCredentialsHandle", [phCredential], {
        // SAFETY: NULL or a readable handle per the SSPI contract.
        let h = unsafe { read_handle(phCredential) }?;
        CREDENTIALS.remove(&h)?;
        Ok(SEC_E_OK)
    })
}

/// Shared body of the `QueryCredentialsAttributes` family.
///
/// # Safety
/// `buf` must be NULL or writable for the attribute's struct (or `cb` bytes).
unsafe fn query_cred(
    ph: *mut CredHandle,
    attr: ULONG,
    buf: *mut c_void,
    cb: Option<ULONG>,
    cs: Charset,
) -> SecResult<SECURITY_STATUS> {
    // SAFETY: forwarded contract.
    let creds = unsafe { credential(ph) }?;
    if buf.is_null() {
        return Err(SecError::invalid_parameter("NULL pBuffer"));
    }
    let value = creds.query(attr)?;
    // SAFETY: forwarded contract.
    unsafe { write_attr(value, buf, cb, cs) }?;
    Ok(SEC_E_OK)
}

/// `QueryCredentialsAttributesW`.
#[no_mangle]
pub unsafe extern "system" fn QueryCredentialsAttributesW(
    phCredential: *mut CredHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
) -> SECURITY_STATUS {
    entry!("QueryCredentialsAttributesW", [phCredential, ulAttribute, pBuffer], {
        // SAFETY: forwarded contract.
        unsafe { query_cred(phCredential, ulAttribute, pBuffer, None, Charset::Wide) }
    })
}

/// `QueryCredentialsAttributesA`.
#[no_mangle]
pub unsafe extern "system" fn QueryCredentialsAttributesA(
    phCredential: *mut CredHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
) -> SECURITY_STATUS {
    entry!("QueryCredentialsAttributesA", [phCredential, ulAttribute, pBuffer], {
        // SAFETY: forwarded contract.
        unsafe { query_cred(phCredential, ulAttribute, pBuffer, None, Charset::Ansi) }
    })
}

/// `QueryCredentialsAttributesExW`.
#[no_mangle]
pub unsafe extern "system" fn QueryCredentialsAttributesExW(
    phCredential: *mut CredHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
    cbBuffer: ULONG,
) -> SECURITY_STATUS {
    entry!("QueryCredentialsAttributesExW", [phCredential, ulAttribute, pBuffer, cbBuffer], {
        // SAFETY: forwarded contract.
        unsafe { query_cred(phCredential, ulAttribute, pBuffer, Some(cbBuffer), Charset::Wide) }
    })
}

/// `QueryCredentialsAttributesExA`.
#[no_mangle]
pub unsafe extern "system" fn QueryCredentialsAttributesExA(
    phCredential: *mut CredHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
    cbBuffer: ULONG,
) -> SECURITY_STATUS {
    entry!("QueryCredentialsAttributesExA", [phCredential, ulAttribute, pBuffer, cbBuffer], {
        // SAFETY: forwarded contract.
        unsafe { query_cred(phCredential, ulAttribute, pBuffer, Some(cbBuffer), Charset::Ansi) }
    })
}

/// Shared body of `SetCredentialsAttributesA/W`.
///
/// # Safety
/// `buf` must be NULL or readable for `cb` bytes.
unsafe fn set_cred(ph: *mut CredHandle, attr: ULONG, buf: *mut c_void, cb: ULONG) -> SecResult<SECURITY_STATUS> {
    // SAFETY: forwarded contract.
    let creds = unsafe { credential(ph) }?;
    if buf.is_null() && cb != 0 {
        return Err(SecError::invalid_parameter("NULL pBuffer with a length"));
    }
    let bytes: &[u8] = if cb == 0 {
        &[]
    } else {
        // SAFETY: `cb` readable bytes per the caller contract.
        unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), cb as usize) }
    };
    creds.set(attr, bytes)?;
    Ok(SEC_E_OK)
}

/// `SetCredentialsAttributesW`.
#[no_mangle]
pub unsafe extern "system" fn SetCredentialsAttributesW(
    phCredential: *mut CredHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
    cbBuffer: ULONG,
) -> SECURITY_STATUS {
    entry!("SetCredentialsAttributesW", [phCredential, ulAttribute, pBuffer, cbBuffer], {
        // SAFETY: forwarded contract.
        unsafe { set_cred(phCredential, ulAttribute, pBuffer, cbBuffer) }
    })
}

/// `SetCredentialsAttributesA`.
#[no_mangle]
pub unsafe extern "system" fn SetCredentialsAttributesA(
    phCredential: *mut CredHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
    cbBuffer: ULONG,
) -> SECURITY_STATUS {
    entry!("SetCredentialsAttributesA", [phCredential, ulAttribute, pBuffer, cbBuffer], {
        // SAFETY: forwarded contract.
        unsafe { set_cred(phCredential, ulAttribute, pBuffer, cbBuffer) }
    })
}

/// `AddCredentialsW`: not supported by Schannel either.
#[no_mangle]
pub unsafe extern "system" fn AddCredentialsW(
    hCredentials: *mut CredHandle,
    pszPrincipal: *mut SEC_WCHAR,
    pszPackage: *mut SEC_WCHAR,
    fCredentialUse: ULONG,
    pAuthData: *mut c_void,
    pGetKeyFn: SEC_GET_KEY_FN,
    pvGetKeyArgument: *mut c_void,
    ptsExpiry: *mut TimeStamp,
) -> SECURITY_STATUS {
    let _ = (pszPrincipal, pszPackage, fCredentialUse, pAuthData, pGetKeyFn, pvGetKeyArgument, ptsExpiry);
    unsupported!("AddCredentialsW", [hCredentials])
}

/// `AddCredentialsA`: not supported by Schannel either.
#[no_mangle]
pub unsafe extern "system" fn AddCredentialsA(
    hCredentials: *mut CredHandle,
    pszPrincipal: *mut SEC_CHAR,
    pszPackage: *mut SEC_CHAR,
    fCredentialUse: ULONG,
    pAuthData: *mut c_void,
    pGetKeyFn: SEC_GET_KEY_FN,
    pvGetKeyArgument: *mut c_void,
    ptsExpiry: *mut TimeStamp,
) -> SECURITY_STATUS {
    let _ = (pszPrincipal, pszPackage, fCredentialUse, pAuthData, pGetKeyFn, pvGetKeyArgument, ptsExpiry);
    unsupported!("AddCredentialsA", [hCredentials])
}
