//! The SSPI function-pointer typedefs and the dispatch tables returned by
//! `InitSecurityInterfaceA/W`, in Windows field order.

use core::ffi::c_void;

use super::types::{
    CredHandle, CtxtHandle, SecBuffer, SecBufferDesc, SecPkgInfoA, SecPkgInfoW, TimeStamp, BOOLEAN, HANDLE,
    SECURITY_STATUS, SEC_CHAR, SEC_GET_KEY_FN, SEC_WCHAR, ULONG,
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

/// `CHANGE_PASSWORD_FN_W` (`ChangeAccountPasswordW`; not provided: the table slot is NULL).
pub type CHANGE_PASSWORD_FN_W = Option<
    unsafe extern "system" fn(
        *mut SEC_WCHAR,
        *mut SEC_WCHAR,
        *mut SEC_WCHAR,
        *mut SEC_WCHAR,
        *mut SEC_WCHAR,
        BOOLEAN,
        ULONG,
        *mut SecBufferDesc,
    ) -> SECURITY_STATUS,
>;
/// `CHANGE_PASSWORD_FN_A`.
pub type CHANGE_PASSWORD_FN_A = Option<
    unsafe extern "system" fn(
        *mut SEC_CHAR,
        *mut SEC_CHAR,
        *mut SEC_CHAR,
        *mut SEC_CHAR,
        *mut SEC_CHAR,
        BOOLEAN,
        ULONG,
        *mut SecBufferDesc,
    ) -> SECURITY_STATUS,
>;

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
    /// Not provided (NULL). Kernel-mode headers call this slot `Reserved9`.
    pub ChangeAccountPasswordW: CHANGE_PASSWORD_FN_W,
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
    /// Not provided (NULL). Kernel-mode headers call this slot `Reserved9`.
    pub ChangeAccountPasswordA: CHANGE_PASSWORD_FN_A,
    pub QueryContextAttributesExA: QUERY_CONTEXT_ATTRIBUTES_EX_FN_A,
    pub QueryCredentialsAttributesExA: QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_A,
}

/// `PSecurityFunctionTableW`.
pub type PSecurityFunctionTableW = *mut SecurityFunctionTableW;
/// `PSecurityFunctionTableA`.
pub type PSecurityFunctionTableA = *mut SecurityFunctionTableA;

/// `INIT_SECURITY_INTERFACE_W`: the type of `InitSecurityInterfaceW`, for `dlsym` users.
pub type INIT_SECURITY_INTERFACE_W = Option<unsafe extern "system" fn() -> *mut SecurityFunctionTableW>;
/// `INIT_SECURITY_INTERFACE_A`.
pub type INIT_SECURITY_INTERFACE_A = Option<unsafe extern "system" fn() -> *mut SecurityFunctionTableA>;

const _: () = {
    // The asserts are 64-bit only: the i686 build is not yet layout-proven (see docs/wine.md).
    #[cfg_attr(not(target_pointer_width = "64"), allow(unused_imports))]
    use core::mem::{offset_of, size_of};
    #[cfg(target_pointer_width = "64")]
    {
        macro_rules! slots {
            ($t:ty: $($f:ident = $n:expr),* $(,)?) => { $( assert!(offset_of!($t, $f) == 8 * $n); )* };
        }
        slots!(SecurityFunctionTableW: EnumerateSecurityPackagesW = 1, QueryCredentialsAttributesW = 2,
            AcquireCredentialsHandleW = 3, FreeCredentialsHandle = 4, Reserved2 = 5, InitializeSecurityContextW = 6,
            AcceptSecurityContext = 7, CompleteAuthToken = 8, DeleteSecurityContext = 9, ApplyControlToken = 10,
            QueryContextAttributesW = 11, ImpersonateSecurityContext = 12, RevertSecurityContext = 13,
            MakeSignature = 14, VerifySignature = 15, FreeContextBuffer = 16, QuerySecurityPackageInfoW = 17,
            Reserved3 = 18, Reserved4 = 19, ExportSecurityContext = 20, ImportSecurityContextW = 21,
            AddCredentialsW = 22, Reserved8 = 23, QuerySecurityContextToken = 24, EncryptMessage = 25,
            DecryptMessage = 26, SetContextAttributesW = 27, SetCredentialsAttributesW = 28,
            ChangeAccountPasswordW = 29, QueryContextAttributesExW = 30, QueryCredentialsAttributesExW = 31);
        slots!(SecurityFunctionTableA: EnumerateSecurityPackagesA = 1, QueryCredentialsAttributesA = 2,
            AcquireCredentialsHandleA = 3, FreeCredentialsHandle = 4, Reserved2 = 5, InitializeSecurityContextA = 6,
            AcceptSecurityContext = 7, CompleteAuthToken = 8, DeleteSecurityContext = 9, ApplyControlToken = 10,
            QueryContextAttributesA = 11, ImpersonateSecurityContext = 12, RevertSecurityContext = 13,
            MakeSignature = 14, VerifySignature = 15, FreeContextBuffer = 16, QuerySecurityPackageInfoA = 17,
            Reserved3 = 18, Reserved4 = 19, ExportSecurityContext = 20, ImportSecurityContextA = 21,
            AddCredentialsA = 22, Reserved8 = 23, QuerySecurityContextToken = 24, EncryptMessage = 25,
            DecryptMessage = 26, SetContextAttributesA = 27, SetCredentialsAttributesA = 28,
            ChangeAccountPasswordA = 29, QueryContextAttributesExA = 30, QueryCredentialsAttributesExA = 31);
        assert!(size_of::<SecurityFunctionTableW>() == 256);
        assert!(size_of::<SecurityFunctionTableA>() == 256);
    }
};
