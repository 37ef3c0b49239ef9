//! The SSPI function-pointer typedefs and the dispatch tables returned by
//! `InitSecurityInterfaceA/W`, in Windows field order.

use core::ffi::c_void;

use super::types::{
    CredHandle, CtxtHandle, SecBuffer, SecBufferDesc, SecPkgInfoA, SecPkgInfoW, TimeStamp, HANDLE, SECURITY_STATUS,
    SEC_CHAR, SEC_GET_KEY_FN, SEC_WCHAR, ULONG,
};

pub type ACQUIRE_CREDENTIALS_HANDLE_FN_W = Option<
    unsafe extern "system" fn(
        *mut SEC_WCHAR,
        *mut SEC_WCHAR,
        ULONG,
        *mut c_void,
        *mut c_void,
        SEC_GET_KEY_FN,
        *mut c_void,
        *mut CredHandle,
        *mut TimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type ACQUIRE_CREDENTIALS_HANDLE_FN_A = Option<
    unsafe extern "system" fn(
        *mut SEC_CHAR,
        *mut SEC_CHAR,
        ULONG,
        *mut c_void,
        *mut c_void,
        SEC_GET_KEY_FN,
        *mut c_void,
        *mut CredHandle,
        *mut TimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type FREE_CREDENTIALS_HANDLE_FN = Option<unsafe extern "system" fn(*mut CredHandle) -> SECURITY_STATUS>;
pub type ADD_CREDENTIALS_FN_W = Option<
    unsafe extern "system" fn(
        *mut CredHandle,
        *mut SEC_WCHAR,
        *mut SEC_WCHAR,
        ULONG,
        *mut c_void,
        SEC_GET_KEY_FN,
        *mut c_void,
        *mut TimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type ADD_CREDENTIALS_FN_A = Option<
    unsafe extern "system" fn(
        *mut CredHandle,
        *mut SEC_CHAR,
        *mut SEC_CHAR,
        ULONG,
        *mut c_void,
        SEC_GET_KEY_FN,
        *mut c_void,
        *mut TimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type INITIALIZE_SECURITY_CONTEXT_FN_W = Option<
    unsafe extern "system" fn(
        *mut CredHandle,
        *mut CtxtHandle,
        *mut SEC_WCHAR,
        ULONG,
        ULONG,
        ULONG,
        *mut SecBufferDesc,
        ULONG,
        *mut CtxtHandle,
        *mut SecBufferDesc,
        *mut ULONG,
        *mut TimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type INITIALIZE_SECURITY_CONTEXT_FN_A = Option<
    unsafe extern "system" fn(
        *mut CredHandle,
        *mut CtxtHandle,
        *mut SEC_CHAR,
        ULONG,
        ULONG,
        ULONG,
        *mut SecBufferDesc,
        ULONG,
        *mut CtxtHandle,
        *mut SecBufferDesc,
        *mut ULONG,
        *mut TimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type ACCEPT_SECURITY_CONTEXT_FN = Option<
    unsafe extern "system" fn(
        *mut CredHandle,
        *mut CtxtHandle,
        *mut SecBufferDesc,
        ULONG,
        ULONG,
        *mut CtxtHandle,
        *mut SecBufferDesc,
        *mut ULONG,
        *mut TimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type COMPLETE_AUTH_TOKEN_FN =
    Option<unsafe extern "system" fn(*mut CtxtHandle, *mut SecBufferDesc) -> SECURITY_STATUS>;
pub type IMPERSONATE_SECURITY_CONTEXT_FN = Option<unsafe extern "system" fn(*mut CtxtHandle) -> SECURITY_STATUS>;
pub type REVERT_SECURITY_CONTEXT_FN = Option<unsafe extern "system" fn(*mut CtxtHandle) -> SECURITY_STATUS>;
pub type QUERY_SECURITY_CONTEXT_TOKEN_FN =
    Option<unsafe extern "system" fn(*mut CtxtHandle, *mut HANDLE) -> SECURITY_STATUS>;
pub type DELETE_SECURITY_CONTEXT_FN = Option<unsafe extern "system" fn(*mut CtxtHandle) -> SECURITY_STATUS>;
pub type APPLY_CONTROL_TOKEN_FN =
    Option<unsafe extern "system" fn(*mut CtxtHandle, *mut SecBufferDesc) -> SECURITY_STATUS>;
pub type QUERY_CONTEXT_ATTRIBUTES_FN_W =
    Option<unsafe extern "system" fn(*mut CtxtHandle, ULONG, *mut c_void) -> SECURITY_STATUS>;
pub type QUERY_CONTEXT_ATTRIBUTES_FN_A =
    Option<unsafe extern "system" fn(*mut CtxtHandle, ULONG, *mut c_void) -> SECURITY_STATUS>;
pub type QUERY_CONTEXT_ATTRIBUTES_EX_FN_W =
    Option<unsafe extern "system" fn(*mut CtxtHandle, ULONG, *mut c_void, ULONG) -> SECURITY_STATUS>;
pub type QUERY_CONTEXT_ATTRIBUTES_EX_FN_A =
    Option<unsafe extern "system" fn(*mut CtxtHandle, ULONG, *mut c_void, ULONG) -> SECURITY_STATUS>;
pub type SET_CONTEXT_ATTRIBUTES_FN_W =
    Option<unsafe extern "system" fn(*mut CtxtHandle, ULONG, *mut c_void, ULONG) -> SECURITY_STATUS>;
pub type SET_CONTEXT_ATTRIBUTES_FN_A =
    Option<unsafe extern "system" fn(*mut CtxtHandle, ULONG, *mut c_void, ULONG) -> SECURITY_STATUS>;
pub type QUERY_CREDENTIALS_ATTRIBUTES_FN_W =
    Option<unsafe extern "system" fn(*mut CredHandle, ULONG, *mut c_void) -> SECURITY_STATUS>;
pub type QUERY_CREDENTIALS_ATTRIBUTES_FN_A =
    Option<unsafe extern "system" fn(*mut CredHandle, ULONG, *mut c_void) -> SECURITY_STATUS>;
pub type QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_W =
    Option<unsafe extern "system" fn(*mut CredHandle, ULONG, *mut c_void, ULONG) -> SECURITY_STATUS>;
pub type QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_A =
    Option<unsafe extern "system" fn(*mut CredHandle, ULONG, *mut c_void, ULONG) -> SECURITY_STATUS>;
pub type SET_CREDENTIALS_ATTRIBUTES_FN_W =
    Option<unsafe extern "system" fn(*mut CredHandle, ULONG, *mut c_void, ULONG) -> SECURITY_STATUS>;
pub type SET_CREDENTIALS_ATTRIBUTES_FN_A =
    Option<unsafe extern "system" fn(*mut CredHandle, ULONG, *mut c_void, ULONG) -> SECURITY_STATUS>;
pub type FREE_CONTEXT_BUFFER_FN = Option<unsafe extern "system" fn(*mut c_void) -> SECURITY_STATUS>;
pub type MAKE_SIGNATURE_FN =
    Option<unsafe extern "system" fn(*mut CtxtHandle, ULONG, *mut SecBufferDesc, ULONG) -> SECURITY_STATUS>;
pub type VERIFY_SIGNATURE_FN =
    Option<unsafe extern "system" fn(*mut CtxtHandle, *mut SecBufferDesc, ULONG, *mut ULONG) -> SECURITY_STATUS>;
pub type ENCRYPT_MESSAGE_FN =
    Option<unsafe extern "system" fn(*mut CtxtHandle, ULONG, *mut SecBufferDesc, ULONG) -> SECURITY_STATUS>;
pub type DECRYPT_MESSAGE_FN =
    Option<unsafe extern "system" fn(*mut CtxtHandle, *mut SecBufferDesc, ULONG, *mut ULONG) -> SECURITY_STATUS>;
pub type ENUMERATE_SECURITY_PACKAGES_FN_W =
    Option<unsafe extern "system" fn(*mut ULONG, *mut *mut SecPkgInfoW) -> SECURITY_STATUS>;
pub type ENUMERATE_SECURITY_PACKAGES_FN_A =
    Option<unsafe extern "system" fn(*mut ULONG, *mut *mut SecPkgInfoA) -> SECURITY_STATUS>;
pub type QUERY_SECURITY_PACKAGE_INFO_FN_W =
    Option<unsafe extern "system" fn(*mut SEC_WCHAR, *mut *mut SecPkgInfoW) -> SECURITY_STATUS>;
pub type QUERY_SECURITY_PACKAGE_INFO_FN_A =
    Option<unsafe extern "system" fn(*mut SEC_CHAR, *mut *mut SecPkgInfoA) -> SECURITY_STATUS>;
pub type EXPORT_SECURITY_CONTEXT_FN =
    Option<unsafe extern "system" fn(*mut CtxtHandle, ULONG, *mut SecBuffer, *mut *mut c_void) -> SECURITY_STATUS>;
pub type IMPORT_SECURITY_CONTEXT_FN_W =
    Option<unsafe extern "system" fn(*mut SEC_WCHAR, *mut SecBuffer, *mut c_void, *mut CtxtHandle) -> SECURITY_STATUS>;
pub type IMPORT_SECURITY_CONTEXT_FN_A =
    Option<unsafe extern "system" fn(*mut SEC_CHAR, *mut SecBuffer, *mut c_void, *mut CtxtHandle) -> SECURITY_STATUS>;

/// `SecurityFunctionTableW`, up to `QueryCredentialsAttributesExW`
/// (`SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SecurityFunctionTableW {
    pub dwVersion: ULONG,
    pub EnumerateSecurityPackagesW: ENUMERATE_SECURITY_PACKAGES_FN_W,
    pub QueryCredentialsAttributesW: QUERY_CREDENTIALS_ATTRIBUTES_FN_W,
    pub AcquireCredentialsHandleW: ACQUIRE_CREDENTIALS_HANDLE_FN_W,
    pub FreeCredentialsHandle: FREE_CREDENTIALS_HANDLE_FN,
    pub Reserved2: *mut c_void,
    pub InitializeSecurityContextW: INITIALIZE_SECURITY_CONTEXT_FN_W,
    pub AcceptSecurityContext: ACCEPT_SECURITY_CONTEXT_FN,
    pub CompleteAuthToken: COMPLETE_AUTH_TOKEN_FN,
    pub DeleteSecurityContext: DELETE_SECURITY_CONTEXT_FN,
    pub ApplyControlToken: APPLY_CONTROL_TOKEN_FN,
    pub QueryContextAttributesW: QUERY_CONTEXT_ATTRIBUTES_FN_W,
    pub ImpersonateSecurityContext: IMPERSONATE_SECURITY_CONTEXT_FN,
    pub RevertSecurityContext: REVERT_SECURITY_CONTEXT_FN,
    pub MakeSignature: MAKE_SIGNATURE_FN,
    pub VerifySignature: VERIFY_SIGNATURE_FN,
    pub FreeContextBuffer: FREE_CONTEXT_BUFFER_FN,
    pub QuerySecurityPackageInfoW: QUERY_SECURITY_PACKAGE_INFO_FN_W,
    /// `EncryptMessage`, as Windows fills it.
    pub Reserved3: *mut c_void,
    /// `DecryptMessage`, as Windows fills it.
    pub Reserved4: *mut c_void,
    pub ExportSecurityContext: EXPORT_SECURITY_CONTEXT_FN,
    pub ImportSecurityContextW: IMPORT_SECURITY_CONTEXT_FN_W,
    pub AddCredentialsW: ADD_CREDENTIALS_FN_W,
    pub Reserved8: *mut c_void,
    pub QuerySecurityContextToken: QUERY_SECURITY_CONTEXT_TOKEN_FN,
    pub EncryptMessage: ENCRYPT_MESSAGE_FN,
    pub DecryptMessage: DECRYPT_MESSAGE_FN,
    pub SetContextAttributesW: SET_CONTEXT_ATTRIBUTES_FN_W,
    pub SetCredentialsAttributesW: SET_CREDENTIALS_ATTRIBUTES_FN_W,
    /// `ChangeAccountPasswordW` / `Reserved9`: not provided (NULL).
    pub Reserved9: *mut c_void,
    pub QueryContextAttributesExW: QUERY_CONTEXT_ATTRIBUTES_EX_FN_W,
    pub QueryCredentialsAttributesExW: QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_W,
}

/// `SecurityFunctionTableA`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SecurityFunctionTableA {
    pub dwVersion: ULONG,
    pub EnumerateSecurityPackagesA: ENUMERATE_SECURITY_PACKAGES_FN_A,
    pub QueryCredentialsAttributesA: QUERY_CREDENTIALS_ATTRIBUTES_FN_A,
    pub AcquireCredentialsHandleA: ACQUIRE_CREDENTIALS_HANDLE_FN_A,
    pub FreeCredentialsHandle: FREE_CREDENTIALS_HANDLE_FN,
    pub Reserved2: *mut c_void,
    pub InitializeSecurityContextA: INITIALIZE_SECURITY_CONTEXT_FN_A,
    pub AcceptSecurityContext: ACCEPT_SECURITY_CONTEXT_FN,
    pub CompleteAuthToken: COMPLETE_AUTH_TOKEN_FN,
    pub DeleteSecurityContext: DELETE_SECURITY_CONTEXT_FN,
    pub ApplyControlToken: APPLY_CONTROL_TOKEN_FN,
    pub QueryContextAttributesA: QUERY_CONTEXT_ATTRIBUTES_FN_A,
    pub ImpersonateSecurityContext: IMPERSONATE_SECURITY_CONTEXT_FN,
    pub RevertSecurityContext: REVERT_SECURITY_CONTEXT_FN,
    pub MakeSignature: MAKE_SIGNATURE_FN,
    pub VerifySignature: VERIFY_SIGNATURE_FN,
    pub FreeContextBuffer: FREE_CONTEXT_BUFFER_FN,
    pub QuerySecurityPackageInfoA: QUERY_SECURITY_PACKAGE_INFO_FN_A,
    /// `EncryptMessage`, as Windows fills it.
    pub Reserved3: *mut c_void,
    /// `DecryptMessage`, as Windows fills it.
    pub Reserved4: *mut c_void,
    pub ExportSecurityContext: EXPORT_SECURITY_CONTEXT_FN,
    pub ImportSecurityContextA: IMPORT_SECURITY_CONTEXT_FN_A,
    pub AddCredentialsA: ADD_CREDENTIALS_FN_A,
    pub Reserved8: *mut c_void,
    pub QuerySecurityContextToken: QUERY_SECURITY_CONTEXT_TOKEN_FN,
    pub EncryptMessage: ENCRYPT_MESSAGE_FN,
    pub DecryptMessage: DECRYPT_MESSAGE_FN,
    pub SetContextAttributesA: SET_CONTEXT_ATTRIBUTES_FN_A,
    pub SetCredentialsAttributesA: SET_CREDENTIALS_ATTRIBUTES_FN_A,
    /// `ChangeAccountPasswordA` / `Reserved9`: not provided (NULL).
    pub Reserved9: *mut c_void,
    pub QueryContextAttributesExA: QUERY_CONTEXT_ATTRIBUTES_EX_FN_A,
    pub QueryCredentialsAttributesExA: QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_A,
}

/// `INIT_SECURITY_INTERFACE_W`: the type of `InitSecurityInterfaceW`, for `dlsym` users.
pub type INIT_SECURITY_INTERFACE_W = Option<unsafe extern "system" fn() -> *mut SecurityFunctionTableW>;
/// `INIT_SECURITY_INTERFACE_A`.
pub type INIT_SECURITY_INTERFACE_A = Option<unsafe extern "system" fn() -> *mut SecurityFunctionTableA>;

const _: () = {
    use core::mem::{offset_of, size_of};
    #[cfg(target_pointer_width = "64")]
    {
        assert!(offset_of!(SecurityFunctionTableW, EnumerateSecurityPackagesW) == 8);
        assert!(offset_of!(SecurityFunctionTableW, Reserved2) == 40);
        assert!(offset_of!(SecurityFunctionTableW, Reserved3) == 144);
        assert!(offset_of!(SecurityFunctionTableW, Reserved4) == 152);
        assert!(offset_of!(SecurityFunctionTableW, EncryptMessage) == 200);
        assert!(offset_of!(SecurityFunctionTableW, SetContextAttributesW) == 216);
        assert!(offset_of!(SecurityFunctionTableW, QueryCredentialsAttributesExW) == 248);
        assert!(size_of::<SecurityFunctionTableW>() == 256);
        assert!(size_of::<SecurityFunctionTableA>() == 256);
    }
};
