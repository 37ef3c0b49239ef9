"""Windows-exact ctypes declarations of the sspi-rustls ABI (secur32 on Linux).

Widths follow Windows (LLP64), not the host C compiler: ULONG, DWORD, ALG_ID
are ``c_uint32`` (never ``c_ulong``, which is 64-bit on Linux), LONG and
SECURITY_STATUS ``c_int32``, ULONG_PTR ``c_size_t``, WCHAR ``c_uint16``.
Wide strings are UTF-16LE ``WCHAR`` arrays built by hand (never
``c_wchar_p``: Linux's wchar_t is 32-bit UTF-32).

The struct sizes and offsets are asserted at import, with the same numbers
the Rust and mingw-w64 checks prove (tests/abi_mingw.rs).
"""

import ctypes
import os
import pathlib
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    byref,
    c_char,
    c_int32,
    c_int64,
    c_size_t,
    c_uint8,
    c_uint16,
    c_uint32,
    c_void_p,
    cast,
    sizeof,
)

# ---- Basic types ----
ULONG = DWORD = ALG_ID = c_uint32
LONG = SECURITY_STATUS = c_int32
USHORT = WORD = c_uint16
BYTE = UCHAR = c_uint8
ULONG_PTR = c_size_t
WCHAR = c_uint16
PWCHAR = POINTER(WCHAR)
PCHAR = POINTER(c_char)


def status(value):
    """A SECURITY_STATUS as the library returns it (a signed 32-bit LONG)."""
    return value - (1 << 32) if value & 0x80000000 else value


# ---- SECURITY_STATUS codes (winerror.h) ----
SEC_E_OK = 0
SEC_E_INSUFFICIENT_MEMORY = status(0x80090300)
SEC_E_INVALID_HANDLE = status(0x80090301)
SEC_E_UNSUPPORTED_FUNCTION = status(0x80090302)
SEC_E_INTERNAL_ERROR = status(0x80090304)
SEC_E_SECPKG_NOT_FOUND = status(0x80090305)
SEC_E_INVALID_TOKEN = status(0x80090308)
SEC_E_UNKNOWN_CREDENTIALS = status(0x8009030D)
SEC_E_NO_CREDENTIALS = status(0x8009030E)
SEC_E_BUFFER_TOO_SMALL = status(0x80090321)
SEC_E_ALGORITHM_MISMATCH = status(0x80090331)
SEC_E_INVALID_PARAMETER = status(0x8009035D)
SEC_I_CONTINUE_NEEDED = 0x00090312

# ---- Constants (sspi.h, schannel.h, wincrypt.h) ----
SECPKG_CRED_INBOUND = 0x1
SECPKG_CRED_OUTBOUND = 0x2
SECPKG_CRED_BOTH = 0x3
SECBUFFER_VERSION = 0
SECBUFFER_EMPTY = 0
SECBUFFER_DATA = 1
SECBUFFER_TOKEN = 2
SECBUFFER_EXTRA = 5
SECBUFFER_STREAM_TRAILER = 6
SECBUFFER_STREAM_HEADER = 7
ISC_REQ_SEQUENCE_DETECT = 0x8
ISC_REQ_REPLAY_DETECT = 0x4
ISC_REQ_CONFIDENTIALITY = 0x10
ISC_REQ_ALLOCATE_MEMORY = 0x100
ISC_REQ_STREAM = 0x8000
SECURITY_NATIVE_DREP = 0x10
SECPKG_ATTR_SIZES = 0
SECPKG_ATTR_NAMES = 1
SECPKG_ATTR_STREAM_SIZES = 4
SECPKG_ATTR_SUPPORTED_ALGS = 0x56
SECPKG_ATTR_CIPHER_STRENGTHS = 0x57
SECPKG_ATTR_SUPPORTED_PROTOCOLS = 0x58
SECPKG_ATTR_CONNECTION_INFO = 0x5A
SECPKG_FLAG_INTEGRITY = 0x1
SECPKG_FLAG_PRIVACY = 0x2
SECPKG_FLAG_CONNECTION = 0x10
SECPKG_FLAG_MULTI_REQUIRED = 0x20
SECPKG_FLAG_EXTENDED_ERROR = 0x80
SECPKG_FLAG_IMPERSONATION = 0x100
SECPKG_FLAG_ACCEPT_WIN32_NAME = 0x200
SECPKG_FLAG_STREAM = 0x400
SECPKG_FLAG_MUTUAL_AUTH = 0x10000
UNISP_RPC_ID = 14
SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5 = 5
SCH_CRED_V1 = 1
SCH_CRED_V2 = 2
SCH_CRED_V3 = 3
SCHANNEL_CRED_VERSION = 4
SCH_CREDENTIALS_VERSION = 5
SCH_CRED_NO_DEFAULT_CREDS = 0x10
SCH_CRED_MANUAL_CRED_VALIDATION = 0x8
SCH_CRED_FORMAT_CERT_HASH = 1
SP_PROT_SSL3_SERVER = 0x10
SP_PROT_SSL3_CLIENT = 0x20
SP_PROT_TLS1_0_SERVER = 0x40
SP_PROT_TLS1_0_CLIENT = 0x80
SP_PROT_TLS1_1_SERVER = 0x100
SP_PROT_TLS1_1_CLIENT = 0x200
SP_PROT_TLS1_2_SERVER = 0x400
SP_PROT_TLS1_2_CLIENT = 0x800
SP_PROT_TLS1_3_SERVER = 0x1000
SP_PROT_TLS1_3_CLIENT = 0x2000
SP_PROT_TLS1_2 = SP_PROT_TLS1_2_SERVER | SP_PROT_TLS1_2_CLIENT
SP_PROT_ALL = 0xFFFFFFFF
CALG_AES_128 = 0x660E
CALG_AES_256 = 0x6610
CALG_SHA_256 = 0x800C
CALG_SHA_384 = 0x800D
CALG_ECDH_EPHEM = 0xAE06
TlsParametersCngAlgUsageCipher = 2

UNISP_NAME = "Microsoft Unified Security Protocol Provider"
SCHANNEL_NAME = "Schannel"
SCHANNEL_COMMENT = "Schannel Security Package"
# What Windows reports for Schannel.
SCHANNEL_CAPABILITIES = (
    SECPKG_FLAG_INTEGRITY
    | SECPKG_FLAG_PRIVACY
    | SECPKG_FLAG_CONNECTION
    | SECPKG_FLAG_MULTI_REQUIRED
    | SECPKG_FLAG_EXTENDED_ERROR
    | SECPKG_FLAG_IMPERSONATION
    | SECPKG_FLAG_ACCEPT_WIN32_NAME
    | SECPKG_FLAG_STREAM
    | SECPKG_FLAG_MUTUAL_AUTH
)
SCHANNEL_MAX_TOKEN = 24576


# ---- Structures ----
class SecHandle(Structure):
    _fields_ = [("dwLower", ULONG_PTR), ("dwUpper", ULONG_PTR)]


CredHandle = CtxtHandle = SecHandle


class TimeStamp(Structure):
    """SECURITY_INTEGER: LARGE_INTEGER-shaped, so 8-byte aligned."""

    _fields_ = [("QuadPart", c_int64)]


class SecBuffer(Structure):
    _fields_ = [("cbBuffer", ULONG), ("BufferType", ULONG), ("pvBuffer", c_void_p)]


class SecBufferDesc(Structure):
    _fields_ = [("ulVersion", ULONG), ("cBuffers", ULONG), ("pBuffers", POINTER(SecBuffer))]


class SecPkgInfoW(Structure):
    _fields_ = [
        ("fCapabilities", ULONG),
        ("wVersion", USHORT),
        ("wRPCID", USHORT),
        ("cbMaxToken", ULONG),
        ("Name", PWCHAR),
        ("Comment", PWCHAR),
    ]


class SecPkgInfoA(Structure):
    _fields_ = [
        ("fCapabilities", ULONG),
        ("wVersion", USHORT),
        ("wRPCID", USHORT),
        ("cbMaxToken", ULONG),
        ("Name", PCHAR),
        ("Comment", PCHAR),
    ]


class UNICODE_STRING(Structure):
    _fields_ = [("Length", USHORT), ("MaximumLength", USHORT), ("Buffer", PWCHAR)]


class CERT_CONTEXT(Structure):
    _fields_ = [
        ("dwCertEncodingType", DWORD),
        ("pbCertEncoded", POINTER(BYTE)),
        ("cbCertEncoded", DWORD),
        ("pCertInfo", c_void_p),
        ("hCertStore", c_void_p),
    ]


class SCHANNEL_CRED(Structure):
    _fields_ = [
        ("dwVersion", DWORD),
        ("cCreds", DWORD),
        ("paCred", POINTER(c_void_p)),
        ("hRootStore", c_void_p),
        ("cMappers", DWORD),
        ("aphMappers", POINTER(c_void_p)),
        ("cSupportedAlgs", DWORD),
        ("palgSupportedAlgs", POINTER(ALG_ID)),
        ("grbitEnabledProtocols", DWORD),
        ("dwMinimumCipherStrength", DWORD),
        ("dwMaximumCipherStrength", DWORD),
        ("dwSessionLifespan", DWORD),
        ("dwFlags", DWORD),
        ("dwCredFormat", DWORD),
    ]


class CRYPTO_SETTINGS(Structure):
    _fields_ = [
        ("eAlgorithmUsage", c_int32),
        ("strCngAlgId", UNICODE_STRING),
        ("cChainingModes", DWORD),
        ("rgstrChainingModes", POINTER(UNICODE_STRING)),
        ("dwMinBitLength", DWORD),
        ("dwMaxBitLength", DWORD),
    ]


class TLS_PARAMETERS(Structure):
    _fields_ = [
        ("cAlpnIds", DWORD),
        ("rgstrAlpnIds", POINTER(UNICODE_STRING)),
        ("grbitDisabledProtocols", DWORD),
        ("cDisabledCrypto", DWORD),
        ("pDisabledCrypto", POINTER(CRYPTO_SETTINGS)),
        ("dwFlags", DWORD),
    ]


class SCH_CREDENTIALS(Structure):
    _fields_ = [
        ("dwVersion", DWORD),
        ("dwCredFormat", DWORD),
        ("cCreds", DWORD),
        ("paCred", POINTER(c_void_p)),
        ("hRootStore", c_void_p),
        ("cMappers", DWORD),
        ("aphMappers", POINTER(c_void_p)),
        ("dwSessionLifespan", DWORD),
        ("dwFlags", DWORD),
        ("cTlsParameters", DWORD),
        ("pTlsParameters", POINTER(TLS_PARAMETERS)),
    ]


class SecPkgCred_SupportedProtocols(Structure):
    _fields_ = [("grbitProtocol", DWORD)]


class SecPkgCred_CipherStrengths(Structure):
    _fields_ = [("dwMinimumCipherStrength", DWORD), ("dwMaximumCipherStrength", DWORD)]


class SecPkgCred_SupportedAlgs(Structure):
    _fields_ = [("cSupportedAlgs", DWORD), ("palgSupportedAlgs", POINTER(ALG_ID))]


class SecPkgContext_StreamSizes(Structure):
    _fields_ = [
        ("cbHeader", ULONG),
        ("cbTrailer", ULONG),
        ("cbMaximumMessage", ULONG),
        ("cBuffers", ULONG),
        ("cbBlockSize", ULONG),
    ]


class SecPkgContext_KeyingMaterialInfo(Structure):
    _fields_ = [
        ("cbLabel", WORD),
        ("pszLabel", PCHAR),
        ("cbContextValue", WORD),
        ("pbContextValue", POINTER(BYTE)),
        ("cbKeyingMaterial", DWORD),
    ]


# The function tables: slot names in Windows order. Slot 0 is dwVersion.
TABLE_SLOTS_W = [
    "EnumerateSecurityPackagesW",
    "QueryCredentialsAttributesW",
    "AcquireCredentialsHandleW",
    "FreeCredentialsHandle",
    "Reserved2",
    "InitializeSecurityContextW",
    "AcceptSecurityContext",
    "CompleteAuthToken",
    "DeleteSecurityContext",
    "ApplyControlToken",
    "QueryContextAttributesW",
    "ImpersonateSecurityContext",
    "RevertSecurityContext",
    "MakeSignature",
    "VerifySignature",
    "FreeContextBuffer",
    "QuerySecurityPackageInfoW",
    "Reserved3",
    "Reserved4",
    "ExportSecurityContext",
    "ImportSecurityContextW",
    "AddCredentialsW",
    "Reserved8",
    "QuerySecurityContextToken",
    "EncryptMessage",
    "DecryptMessage",
    "SetContextAttributesW",
    "SetCredentialsAttributesW",
    "ChangeAccountPasswordW",
    "QueryContextAttributesExW",
    "QueryCredentialsAttributesExW",
]
TABLE_SLOTS_A = [s[:-1] + "A" if s.endswith("W") else s for s in TABLE_SLOTS_W]


class SecurityFunctionTableW(Structure):
    _fields_ = [("dwVersion", ULONG)] + [(name, c_void_p) for name in TABLE_SLOTS_W]


class SecurityFunctionTableA(Structure):
    _fields_ = [("dwVersion", ULONG)] + [(name, c_void_p) for name in TABLE_SLOTS_A]


def _check_layouts():
    """The x86_64 layouts (the same numbers tests/abi_mingw.rs proves)."""
    expected = {
        SecHandle: 16,
        TimeStamp: 8,
        SecBuffer: 16,
        SecBufferDesc: 16,
        SecPkgInfoW: 32,
        SecPkgInfoA: 32,
        UNICODE_STRING: 16,
        CERT_CONTEXT: 40,
        SCHANNEL_CRED: 80,
        CRYPTO_SETTINGS: 48,
        TLS_PARAMETERS: 40,
        SCH_CREDENTIALS: 72,
        SecPkgCred_SupportedProtocols: 4,
        SecPkgCred_CipherStrengths: 8,
        SecPkgCred_SupportedAlgs: 16,
        SecPkgContext_StreamSizes: 20,
        SecPkgContext_KeyingMaterialInfo: 40,
        SecurityFunctionTableW: 256,
        SecurityFunctionTableA: 256,
    }
    for struct, size in expected.items():
        assert sizeof(struct) == size, f"sizeof({struct.__name__}) = {sizeof(struct)}, Windows: {size}"
    assert ctypes.alignment(TimeStamp) == 8
    assert SecPkgInfoW.Name.offset == 16
    assert SCHANNEL_CRED.grbitEnabledProtocols.offset == 56
    assert SCHANNEL_CRED.dwFlags.offset == 72
    assert SCH_CREDENTIALS.dwFlags.offset == 52
    assert SCH_CREDENTIALS.pTlsParameters.offset == 64
    assert TLS_PARAMETERS.grbitDisabledProtocols.offset == 16
    assert SecurityFunctionTableW.Reserved3.offset == 144
    assert SecurityFunctionTableW.QueryCredentialsAttributesExW.offset == 248
    assert SecurityFunctionTableA.QueryCredentialsAttributesExA.offset == 248


_check_layouts()


# ---- Strings ----
def wstr(text):
    """A NUL-terminated UTF-16LE WCHAR array (keep it alive while in use)."""
    data = text.encode("utf-16-le") + b"\0\0"
    return (WCHAR * (len(data) // 2)).from_buffer_copy(data)


def astr(text):
    """A NUL-terminated byte string."""
    return ctypes.create_string_buffer(text.encode())


def read_wstr(ptr):
    """Reads a NUL-terminated UTF-16LE string from a WCHAR pointer."""
    p = cast(ptr, PWCHAR)
    units = bytearray()
    i = 0
    while p[i]:
        units += p[i].to_bytes(2, "little")
        i += 1
    return units.decode("utf-16-le")


def read_astr(ptr):
    return ctypes.string_at(ptr).decode()


def unicode_string(text):
    """A UNICODE_STRING (length in bytes, no terminator needed) and its buffer."""
    buf = wstr(text)
    length = 2 * (len(buf) - 1)
    return UNICODE_STRING(length, length + 2, cast(buf, PWCHAR)), buf


# ---- Buffers ----
def make_desc(buffers):
    """A SecBufferDesc over `buffers` [(type, bytearray-or-None)]; returns (desc, keepalive)."""
    arr = (SecBuffer * len(buffers))()
    keep = [arr]
    for i, (btype, data) in enumerate(buffers):
        arr[i].BufferType = btype
        if data is None:
            arr[i].cbBuffer = 0
            arr[i].pvBuffer = None
        else:
            c = (c_uint8 * len(data)).from_buffer(data)
            keep.append(c)
            arr[i].cbBuffer = len(data)
            arr[i].pvBuffer = ctypes.addressof(c)
    desc = SecBufferDesc(SECBUFFER_VERSION, len(buffers), arr)
    return desc, keep


def lying_desc(real, claimed, total=8):
    """A descriptor claiming `claimed` buffers while only `real` are genuine.

    The array lives inside a larger one (`total` entries) whose tail is filled
    with garbage entries (impossible buffer types, absurd sizes, non-NULL
    pointers), so reading past the real entries stays inside our memory and
    the lie is detectable instead of undefined."""
    assert real < claimed <= total
    arr = (SecBuffer * total)()
    data = bytearray(64)
    c = (c_uint8 * len(data)).from_buffer(data)
    for i in range(real):
        arr[i].BufferType = SECBUFFER_TOKEN if i == 0 else SECBUFFER_EMPTY
        arr[i].cbBuffer = len(data) if i == 0 else 0
        arr[i].pvBuffer = ctypes.addressof(c) if i == 0 else None
    for i in range(real, total):
        arr[i].BufferType = 0x0DEADBEE
        arr[i].cbBuffer = 0xFFFFFFF0
        arr[i].pvBuffer = 0x10
    desc = SecBufferDesc(SECBUFFER_VERSION, claimed, arr)
    return desc, [arr, data, c]


# ---- The library ----
GETKEYFN = CFUNCTYPE(None, c_void_p, c_void_p, ULONG, POINTER(c_void_p), POINTER(SECURITY_STATUS))

_PROTOTYPES = {
    "EnumerateSecurityPackagesW": [POINTER(ULONG), POINTER(POINTER(SecPkgInfoW))],
    "EnumerateSecurityPackagesA": [POINTER(ULONG), POINTER(POINTER(SecPkgInfoA))],
    "QuerySecurityPackageInfoW": [PWCHAR, POINTER(POINTER(SecPkgInfoW))],
    "QuerySecurityPackageInfoA": [PCHAR, POINTER(POINTER(SecPkgInfoA))],
    "FreeContextBuffer": [c_void_p],
    "AcquireCredentialsHandleW": [
        PWCHAR, PWCHAR, ULONG, c_void_p, c_void_p, c_void_p, c_void_p, POINTER(CredHandle), POINTER(TimeStamp),
    ],
    "AcquireCredentialsHandleA": [
        PCHAR, PCHAR, ULONG, c_void_p, c_void_p, c_void_p, c_void_p, POINTER(CredHandle), POINTER(TimeStamp),
    ],
    "AddCredentialsW": [POINTER(CredHandle), PWCHAR, PWCHAR, ULONG, c_void_p, c_void_p, c_void_p, POINTER(TimeStamp)],
    "AddCredentialsA": [POINTER(CredHandle), PCHAR, PCHAR, ULONG, c_void_p, c_void_p, c_void_p, POINTER(TimeStamp)],
    "FreeCredentialsHandle": [POINTER(CredHandle)],
    "QueryCredentialsAttributesW": [POINTER(CredHandle), ULONG, c_void_p],
    "QueryCredentialsAttributesA": [POINTER(CredHandle), ULONG, c_void_p],
    "QueryCredentialsAttributesExW": [POINTER(CredHandle), ULONG, c_void_p, ULONG],
    "QueryCredentialsAttributesExA": [POINTER(CredHandle), ULONG, c_void_p, ULONG],
    "SetCredentialsAttributesW": [POINTER(CredHandle), ULONG, c_void_p, ULONG],
    "SetCredentialsAttributesA": [POINTER(CredHandle), ULONG, c_void_p, ULONG],
    "InitializeSecurityContextW": [
        POINTER(CredHandle), POINTER(CtxtHandle), PWCHAR, ULONG, ULONG, ULONG, POINTER(SecBufferDesc), ULONG,
        POINTER(CtxtHandle), POINTER(SecBufferDesc), POINTER(ULONG), POINTER(TimeStamp),
    ],
    "InitializeSecurityContextA": [
        POINTER(CredHandle), POINTER(CtxtHandle), PCHAR, ULONG, ULONG, ULONG, POINTER(SecBufferDesc), ULONG,
        POINTER(CtxtHandle), POINTER(SecBufferDesc), POINTER(ULONG), POINTER(TimeStamp),
    ],
    "AcceptSecurityContext": [
        POINTER(CredHandle), POINTER(CtxtHandle), POINTER(SecBufferDesc), ULONG, ULONG, POINTER(CtxtHandle),
        POINTER(SecBufferDesc), POINTER(ULONG), POINTER(TimeStamp),
    ],
    "DeleteSecurityContext": [POINTER(CtxtHandle)],
    "ApplyControlToken": [POINTER(CtxtHandle), POINTER(SecBufferDesc)],
    "CompleteAuthToken": [POINTER(CtxtHandle), POINTER(SecBufferDesc)],
    "ImpersonateSecurityContext": [POINTER(CtxtHandle)],
    "RevertSecurityContext": [POINTER(CtxtHandle)],
    "QuerySecurityContextToken": [POINTER(CtxtHandle), POINTER(c_void_p)],
    "ExportSecurityContext": [POINTER(CtxtHandle), ULONG, POINTER(SecBuffer), POINTER(c_void_p)],
    "ImportSecurityContextW": [PWCHAR, POINTER(SecBuffer), c_void_p, POINTER(CtxtHandle)],
    "ImportSecurityContextA": [PCHAR, POINTER(SecBuffer), c_void_p, POINTER(CtxtHandle)],
    "QueryContextAttributesW": [POINTER(CtxtHandle), ULONG, c_void_p],
    "QueryContextAttributesA": [POINTER(CtxtHandle), ULONG, c_void_p],
    "QueryContextAttributesExW": [POINTER(CtxtHandle), ULONG, c_void_p, ULONG],
    "QueryContextAttributesExA": [POINTER(CtxtHandle), ULONG, c_void_p, ULONG],
    "SetContextAttributesW": [POINTER(CtxtHandle), ULONG, c_void_p, ULONG],
    "SetContextAttributesA": [POINTER(CtxtHandle), ULONG, c_void_p, ULONG],
    "EncryptMessage": [POINTER(CtxtHandle), ULONG, POINTER(SecBufferDesc), ULONG],
    "DecryptMessage": [POINTER(CtxtHandle), POINTER(SecBufferDesc), ULONG, POINTER(ULONG)],
    "MakeSignature": [POINTER(CtxtHandle), ULONG, POINTER(SecBufferDesc), ULONG],
    "VerifySignature": [POINTER(CtxtHandle), POINTER(SecBufferDesc), ULONG, POINTER(ULONG)],
}

# Every SSPI export of the library (the crypt32 ones are declared by the
# certificate tests).
SSPI_EXPORTS = sorted(list(_PROTOTYPES) + ["InitSecurityInterfaceW", "InitSecurityInterfaceA"])


def default_library_path():
    env = os.environ.get("SSPI_RUSTLS_LIB")
    if env:
        return pathlib.Path(env)
    return pathlib.Path(__file__).resolve().parents[2] / "target" / "release" / "libsecur32.so"


def load(path=None):
    """Loads libsecur32.so and declares every SSPI export's prototype."""
    lib = ctypes.CDLL(str(path or default_library_path()))
    for name, argtypes in _PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.argtypes = argtypes
        fn.restype = SECURITY_STATUS
    lib.InitSecurityInterfaceW.argtypes = []
    lib.InitSecurityInterfaceW.restype = POINTER(SecurityFunctionTableW)
    lib.InitSecurityInterfaceA.argtypes = []
    lib.InitSecurityInterfaceA.restype = POINTER(SecurityFunctionTableA)
    return lib


def address_of(lib, name):
    """The address of an export, to compare with function-table slots."""
    return cast(getattr(lib, name), c_void_p).value


def acquire(lib, use=SECPKG_CRED_OUTBOUND, auth=None, package=UNISP_NAME, wide=True):
    """AcquireCredentialsHandle; returns (status, handle)."""
    h = CredHandle()
    ts = TimeStamp()
    pauth = ctypes.cast(byref(auth), c_void_p) if auth is not None else None
    if wide:
        name = wstr(package)
        ss = lib.AcquireCredentialsHandleW(None, name, use, None, pauth, None, None, byref(h), byref(ts))
    else:
        name = astr(package)
        ss = lib.AcquireCredentialsHandleA(None, name, use, None, pauth, None, None, byref(h), byref(ts))
    return ss, h


def schannel_cred(version=SCHANNEL_CRED_VERSION, protocols=0, flags=SCH_CRED_NO_DEFAULT_CREDS, **fields):
    cred = SCHANNEL_CRED()
    cred.dwVersion = version
    cred.grbitEnabledProtocols = protocols
    cred.dwFlags = flags
    for k, v in fields.items():
        setattr(cred, k, v)
    return cred


def query_cred_attr(lib, handle, attribute, struct, wide=True):
    value = struct()
    fn = lib.QueryCredentialsAttributesW if wide else lib.QueryCredentialsAttributesA
    return fn(byref(handle), attribute, byref(value)), value

