"""sspi_rustls: Windows' SSPI and Schannel from Python, through ctypes, on Linux.

One module, no dependencies: the library loader, and the types, structs,
constants and prototypes a TLS client or server token loop needs, declared
exactly as Windows declares them::

    import sspi_rustls as S
    lib = S.load()                       # see find_library() for where it looks
    cred, expiry = S.CredHandle(), S.TimeStamp()
    sc = S.SCHANNEL_CRED(dwVersion=S.SCHANNEL_CRED_VERSION)
    st = lib.AcquireCredentialsHandleW(None, S.wstr(S.UNISP_NAME), S.SECPKG_CRED_OUTBOUND, None,
                                       S.byref(sc), None, None, S.byref(cred), S.byref(expiry))
    assert st == S.SEC_E_OK, S.status_name(st)

A whole client (handshake, EncryptMessage / DecryptMessage, shutdown) is in
python/examples/tls_client.py.

Widths follow Windows (LLP64), not Linux's C types: ULONG, DWORD and ALG_ID
are ``c_uint32`` (never ``c_ulong``, 64 bits on Linux), LONG, BOOL and
SECURITY_STATUS ``c_int32``, ULONG_PTR ``c_size_t``, WCHAR ``c_uint16``. Wide
strings are NUL-terminated UTF-16LE WCHAR arrays (``wstr``), never
``c_wchar_p`` (Linux's wchar_t is 32-bit). Statuses compare as signed 32-bit
values, as the functions return them. Struct sizes and offsets are asserted
at import with the numbers mingw-w64's headers give (x86_64).

Copy this file anywhere on your ``sys.path``, or add the ``python/``
directory of a checkout to ``PYTHONPATH``.
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
    c_char_p,
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

__all__ = []  # filled at the end: every public name

# ---- Basic types (Windows widths) ----
ULONG = DWORD = ALG_ID = c_uint32
LONG = SECURITY_STATUS = BOOL = c_int32
USHORT = WORD = c_uint16
BYTE = UCHAR = c_uint8
ULONG_PTR = c_size_t
WCHAR = c_uint16
PWCHAR = POINTER(WCHAR)
PCHAR = POINTER(c_char)
PBYTE = POINTER(BYTE)


def status(value):
    """A SECURITY_STATUS / HRESULT as the functions return it: signed 32-bit."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def hresult(value):
    """The unsigned form (what GetLastError returns, what Windows prints as 0x8009...)."""
    return value & 0xFFFFFFFF


# ---- SECURITY_STATUS (winerror.h) ----
SEC_E_OK = 0
SEC_I_CONTINUE_NEEDED = 0x00090312
SEC_I_COMPLETE_NEEDED = 0x00090313
SEC_I_CONTEXT_EXPIRED = 0x00090317
SEC_I_INCOMPLETE_CREDENTIALS = 0x00090320
SEC_I_RENEGOTIATE = 0x00090321
SEC_E_INSUFFICIENT_MEMORY = status(0x80090300)
SEC_E_INVALID_HANDLE = status(0x80090301)
SEC_E_UNSUPPORTED_FUNCTION = status(0x80090302)
SEC_E_TARGET_UNKNOWN = status(0x80090303)
SEC_E_INTERNAL_ERROR = status(0x80090304)
SEC_E_SECPKG_NOT_FOUND = status(0x80090305)
SEC_E_INVALID_TOKEN = status(0x80090308)
SEC_E_QOP_NOT_SUPPORTED = status(0x8009030A)
SEC_E_LOGON_DENIED = status(0x8009030C)
SEC_E_UNKNOWN_CREDENTIALS = status(0x8009030D)
SEC_E_NO_CREDENTIALS = status(0x8009030E)
SEC_E_MESSAGE_ALTERED = status(0x8009030F)
SEC_E_OUT_OF_SEQUENCE = status(0x80090310)
SEC_E_CONTEXT_EXPIRED = status(0x80090317)
SEC_E_INCOMPLETE_MESSAGE = status(0x80090318)
SEC_E_BUFFER_TOO_SMALL = status(0x80090321)
SEC_E_WRONG_PRINCIPAL = status(0x80090322)
SEC_E_TIME_SKEW = status(0x80090324)
SEC_E_UNTRUSTED_ROOT = status(0x80090325)
SEC_E_ILLEGAL_MESSAGE = status(0x80090326)
SEC_E_CERT_UNKNOWN = status(0x80090327)
SEC_E_CERT_EXPIRED = status(0x80090328)
SEC_E_ENCRYPT_FAILURE = status(0x80090329)
SEC_E_DECRYPT_FAILURE = status(0x80090330)
SEC_E_ALGORITHM_MISMATCH = status(0x80090331)
SEC_E_BAD_BINDINGS = status(0x80090346)
SEC_E_CERT_WRONG_USAGE = status(0x80090349)
SEC_E_INVALID_PARAMETER = status(0x8009035D)
SEC_E_APPLICATION_PROTOCOL_MISMATCH = status(0x80090367)


def status_name(value):
    """'SEC_E_UNTRUSTED_ROOT (0x80090325)' for a status this module names."""
    value = status(value)
    for name, v in globals().items():
        if name.startswith(("SEC_E_", "SEC_I_")) and v == value:
            return f"{name} ({hresult(value):#010x})"
    return f"{hresult(value):#010x}"


# ---- Credentials, requests and results (sspi.h) ----
SECPKG_CRED_INBOUND = 0x1
SECPKG_CRED_OUTBOUND = 0x2
SECPKG_CRED_BOTH = 0x3
SECURITY_NATIVE_DREP = 0x10

ISC_REQ_DELEGATE = 0x1
ISC_REQ_MUTUAL_AUTH = 0x2
ISC_REQ_REPLAY_DETECT = 0x4
ISC_REQ_SEQUENCE_DETECT = 0x8
ISC_REQ_CONFIDENTIALITY = 0x10
ISC_REQ_USE_SUPPLIED_CREDS = 0x80
ISC_REQ_ALLOCATE_MEMORY = 0x100
ISC_REQ_EXTENDED_ERROR = 0x4000
ISC_REQ_STREAM = 0x8000
ISC_REQ_MANUAL_CRED_VALIDATION = 0x80000
ISC_RET_MUTUAL_AUTH = 0x2
ISC_RET_REPLAY_DETECT = 0x4
ISC_RET_SEQUENCE_DETECT = 0x8
ISC_RET_CONFIDENTIALITY = 0x10
ISC_RET_ALLOCATED_MEMORY = 0x100
ISC_RET_EXTENDED_ERROR = 0x4000
ISC_RET_STREAM = 0x8000

ASC_REQ_MUTUAL_AUTH = 0x2
ASC_REQ_REPLAY_DETECT = 0x4
ASC_REQ_SEQUENCE_DETECT = 0x8
ASC_REQ_CONFIDENTIALITY = 0x10
ASC_REQ_ALLOCATE_MEMORY = 0x100
ASC_REQ_EXTENDED_ERROR = 0x8000
ASC_REQ_STREAM = 0x10000
ASC_RET_MUTUAL_AUTH = 0x2
ASC_RET_REPLAY_DETECT = 0x4
ASC_RET_SEQUENCE_DETECT = 0x8
ASC_RET_CONFIDENTIALITY = 0x10
ASC_RET_ALLOCATED_MEMORY = 0x100
ASC_RET_EXTENDED_ERROR = 0x8000
ASC_RET_STREAM = 0x10000
ISC_REQ_CONNECTION = 0x800
ISC_REQ_INTEGRITY = 0x10000
ISC_REQ_IDENTIFY = 0x20000
ISC_RET_CONNECTION = 0x800
ISC_RET_INTEGRITY = 0x10000
ASC_REQ_CONNECTION = 0x800
ASC_REQ_INTEGRITY = 0x20000
ASC_REQ_ALLOW_NULL_SESSION = 0x100000
ASC_RET_CONNECTION = 0x800
ASC_RET_INTEGRITY = 0x20000

SECBUFFER_VERSION = 0
SECBUFFER_EMPTY = 0
SECBUFFER_DATA = 1
SECBUFFER_TOKEN = 2
SECBUFFER_MISSING = 4
SECBUFFER_EXTRA = 5
SECBUFFER_STREAM_TRAILER = 6
SECBUFFER_STREAM_HEADER = 7
SECBUFFER_PADDING = 9
SECBUFFER_STREAM = 10
SECBUFFER_CHANNEL_BINDINGS = 14
SECBUFFER_ALERT = 17
SECBUFFER_APPLICATION_PROTOCOLS = 18

SECPKG_ATTR_SIZES = 0
SECPKG_ATTR_NAMES = 1
SECPKG_ATTR_LIFESPAN = 2
SECPKG_ATTR_STREAM_SIZES = 4
SECPKG_ATTR_SESSION_KEY = 9
SECPKG_ATTR_PACKAGE_INFO = 10
SECPKG_ATTR_NEGOTIATION_INFO = 12
# CredSSP (Windows SDK sspi.h / credssp.h; mingw-w64 lacks the attributes).
SECPKG_ATTR_CREDS = 0x80000080
SECPKG_ATTR_NEGOTIATION_PACKAGE = 0x80000081
SECPKG_ATTR_SERVER_AUTH_FLAGS = 0x80000083
CREDSSP_SERVER_AUTH_NEGOTIATE = 0x1
CREDSSP_SERVER_AUTH_CERTIFICATE = 0x2
CREDSSP_SERVER_AUTH_LOOPBACK = 0x4
CredsspPasswordCreds = 2
CredsspSchannelCreds = 4
CredsspCertificateCreds = 13
CredsspSubmitBufferBoth = 50
CredsspSubmitBufferBothOld = 51
CREDSSP_NAME = "CREDSSP"
SASL_OPTION_SEND_SIZE = 1
SASL_OPTION_RECV_SIZE = 2
SASL_OPTION_AUTHZ_STRING = 3
SASL_OPTION_AUTHZ_PROCESSING = 4
SECPKG_NEGOTIATION_COMPLETE = 0
SECPKG_NEGOTIATION_OPTIMISTIC = 1
SECPKG_NEGOTIATION_IN_PROGRESS = 2
SECPKG_NEGOTIATION_DIRECT = 3
SECPKG_NEGOTIATION_TRY_MULTICRED = 4
SECPKG_ATTR_NATIVE_NAMES = 13
SECPKG_ATTR_FLAGS = 14
SECPKG_ATTR_UNIQUE_BINDINGS = 25
SECPKG_ATTR_ENDPOINT_BINDINGS = 26
SECPKG_ATTR_CLIENT_SPECIFIED_TARGET = 27
SECPKG_ATTR_APPLICATION_PROTOCOL = 35
SECPKG_ATTR_REMOTE_CERT_CONTEXT = 0x53
SECPKG_ATTR_LOCAL_CERT_CONTEXT = 0x54
SECPKG_ATTR_SUPPORTED_ALGS = 0x56
SECPKG_ATTR_CIPHER_STRENGTHS = 0x57
SECPKG_ATTR_SUPPORTED_PROTOCOLS = 0x58
SECPKG_ATTR_CONNECTION_INFO = 0x5A
SECPKG_ATTR_SESSION_INFO = 0x5D
SECPKG_ATTR_CIPHER_INFO = 0x64

SECPKG_FLAG_INTEGRITY = 0x1
SECPKG_FLAG_PRIVACY = 0x2
SECPKG_FLAG_CONNECTION = 0x10
SECPKG_FLAG_MULTI_REQUIRED = 0x20
SECPKG_FLAG_EXTENDED_ERROR = 0x80
SECPKG_FLAG_IMPERSONATION = 0x100
SECPKG_FLAG_ACCEPT_WIN32_NAME = 0x200
SECPKG_FLAG_STREAM = 0x400
SECPKG_FLAG_MUTUAL_AUTH = 0x10000
SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5 = 5

SecApplicationProtocolNegotiationExt_ALPN = 2
SecApplicationProtocolNegotiationStatus_Success = 1

# ---- Schannel (schannel.h) ----
UNISP_NAME = "Microsoft Unified Security Protocol Provider"
NTLMSP_NAME = "NTLM"
SEC_WINNT_AUTH_IDENTITY_ANSI = 1
SEC_WINNT_AUTH_IDENTITY_UNICODE = 2
SEC_WINNT_AUTH_IDENTITY_VERSION = 0x200
SECQOP_WRAP_NO_ENCRYPT = 0x80000001
SCHANNEL_NAME = "Schannel"
UNISP_RPC_ID = 14
SCH_CRED_V1 = 1
SCH_CRED_V2 = 2
SCH_CRED_V3 = 3
SCHANNEL_CRED_VERSION = 4
SCH_CREDENTIALS_VERSION = 5
SCH_CRED_FORMAT_CERT_HASH = 1
SCH_CRED_NO_SERVERNAME_CHECK = 0x4
SCH_CRED_MANUAL_CRED_VALIDATION = 0x8
SCH_CRED_NO_DEFAULT_CREDS = 0x10
SCH_CRED_AUTO_CRED_VALIDATION = 0x20
SCH_CRED_DISABLE_RECONNECTS = 0x80
SCH_USE_STRONG_CRYPTO = 0x400000
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
SP_PROT_TLS1_3 = SP_PROT_TLS1_3_SERVER | SP_PROT_TLS1_3_CLIENT
SP_PROT_ALL = 0xFFFFFFFF
SCHANNEL_SHUTDOWN = 1
SCHANNEL_ALERT = 2
CALG_AES_128 = 0x660E
CALG_AES_256 = 0x6610
CALG_SHA_256 = 0x800C
CALG_SHA_384 = 0x800D
CALG_ECDH_EPHEM = 0xAE06
TlsParametersCngAlgUsageCipher = 2

# ---- Certificates (wincrypt.h) ----
X509_ASN_ENCODING = 0x1
PKCS_7_ASN_ENCODING = 0x10000
CERT_STORE_PROV_MEMORY = 2
CERT_STORE_PROV_SYSTEM_W = 10
CERT_CLOSE_STORE_FORCE_FLAG = 0x1
CERT_CLOSE_STORE_CHECK_FLAG = 0x2
CERT_STORE_ADD_NEW = 1
CERT_STORE_ADD_USE_EXISTING = 2
CERT_STORE_ADD_REPLACE_EXISTING = 3
CERT_STORE_ADD_ALWAYS = 4
CERT_FIND_ANY = 0
CERT_FIND_SHA1_HASH = CERT_FIND_HASH = 1 << 16
CERT_FIND_SUBJECT_NAME = (2 << 16) | 7
CERT_FIND_ISSUER_NAME = (2 << 16) | 4
CERT_FIND_SUBJECT_STR_A = (7 << 16) | 7
CERT_FIND_SUBJECT_STR_W = (8 << 16) | 7
CERT_FIND_ISSUER_STR_A = (7 << 16) | 4
CERT_FIND_ISSUER_STR_W = (8 << 16) | 4
CERT_FIND_EXISTING = 13 << 16
CERT_FIND_HASH_STR = 20 << 16
CERT_KEY_PROV_INFO_PROP_ID = 2
CERT_SHA1_HASH_PROP_ID = CERT_HASH_PROP_ID = 3
CERT_KEY_SPEC_PROP_ID = 6
CERT_FRIENDLY_NAME_PROP_ID = 11
CERT_KEY_IDENTIFIER_PROP_ID = 20
CERT_SHA256_HASH_PROP_ID = 107
AT_KEYEXCHANGE = 1
CERT_NCRYPT_KEY_SPEC = 0xFFFFFFFF
CERT_NAME_EMAIL_TYPE = 1
CERT_NAME_RDN_TYPE = 2
CERT_NAME_ATTR_TYPE = 3
CERT_NAME_SIMPLE_DISPLAY_TYPE = 4
CERT_NAME_FRIENDLY_DISPLAY_TYPE = 5
CERT_NAME_DNS_TYPE = 6
CERT_NAME_URL_TYPE = 7
CERT_NAME_UPN_TYPE = 8
CERT_NAME_ISSUER_FLAG = 0x1
CERT_NAME_SEARCH_ALL_NAMES_FLAG = 0x2
CERT_SIMPLE_NAME_STR = 1
CERT_OID_NAME_STR = 2
CERT_X500_NAME_STR = 3
CERT_NAME_STR_REVERSE_FLAG = 0x2000000
CERT_NAME_STR_SEMICOLON_FLAG = 0x40000000
CERT_NAME_STR_NO_QUOTING_FLAG = 0x10000000
CERT_V3 = 2
PKCS12_ONLY_CERTIFICATES = 0x400
szOID_COMMON_NAME = b"2.5.4.3"

# GetLastError values of the crypt32 functions (unsigned, as GetLastError returns them).
ERROR_FILE_NOT_FOUND = 2
ERROR_INVALID_PASSWORD = 86
ERROR_INVALID_PARAMETER = 87
ERROR_MORE_DATA = 234
ERROR_NO_SUCH_USER = 1317
ERROR_NONE_MAPPED = 1332
ERROR_CANT_ACCESS_DOMAIN_INFO = 1351
ERROR_NO_SUCH_DOMAIN = 1355
E_INVALIDARG = 0x80070057
NTE_BAD_FLAGS = 0x80090009
CRYPT_E_NOT_FOUND = 0x80092004
CRYPT_E_EXISTS = 0x80092005
CRYPT_E_PENDING_CLOSE = 0x8009200F
CRYPT_E_ASN1_EOD = 0x80093102
CRYPT_E_ASN1_CORRUPT = 0x80093103
CRYPT_E_ASN1_BADTAG = 0x8009310B


# ---- SSPI structures ----
class SecHandle(Structure):
    _fields_ = [("dwLower", ULONG_PTR), ("dwUpper", ULONG_PTR)]


CredHandle = CtxtHandle = SecHandle


class TimeStamp(Structure):
    """SECURITY_INTEGER (100 ns ticks since 1601): LARGE_INTEGER-shaped, so 8-byte aligned."""

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


class SecPkgContext_Sizes(Structure):
    _fields_ = [("cbMaxToken", ULONG), ("cbMaxSignature", ULONG), ("cbBlockSize", ULONG),
                ("cbSecurityTrailer", ULONG)]


class SecPkgContext_StreamSizes(Structure):
    _fields_ = [
        ("cbHeader", ULONG),
        ("cbTrailer", ULONG),
        ("cbMaximumMessage", ULONG),
        ("cBuffers", ULONG),
        ("cbBlockSize", ULONG),
    ]


class SecPkgContext_NamesW(Structure):
    _fields_ = [("sUserName", PWCHAR)]


class SecPkgContext_NativeNamesW(Structure):
    _fields_ = [("sClientName", PWCHAR), ("sServerName", PWCHAR)]


class SecPkgContext_SessionKey(Structure):
    _fields_ = [("SessionKeyLength", ULONG), ("SessionKey", PBYTE)]


class SecPkgContext_ClientCreds(Structure):
    """credssp.h: SECPKG_ATTR_CREDS on a CredSSP server (the delegated TSCredentials)."""
    _fields_ = [("AuthBufferLen", ULONG), ("AuthBuffer", PBYTE)]


class CREDSSP_CRED(Structure):
    """credssp.h: pAuthData of AcquireCredentialsHandle for "CREDSSP"."""
    _fields_ = [("Type", ULONG), ("pSchannelCred", c_void_p), ("pSpnegoCred", c_void_p)]


class SecPkgContext_Flags(Structure):
    _fields_ = [("Flags", ULONG)]


class SecPkgContext_Lifespan(Structure):
    _fields_ = [("tsStart", TimeStamp), ("tsExpiry", TimeStamp)]


class SecPkgContext_PackageInfoW(Structure):
    _fields_ = [("PackageInfo", POINTER(SecPkgInfoW))]


class SecPkgContext_NegotiationInfoW(Structure):
    _fields_ = [("PackageInfo", POINTER(SecPkgInfoW)), ("NegotiationState", ULONG)]


class SEC_CHANNEL_BINDINGS(Structure):
    _fields_ = [
        ("dwInitiatorAddrType", ULONG),
        ("cbInitiatorLength", ULONG),
        ("dwInitiatorOffset", ULONG),
        ("dwAcceptorAddrType", ULONG),
        ("cbAcceptorLength", ULONG),
        ("dwAcceptorOffset", ULONG),
        ("cbApplicationDataLength", ULONG),
        ("dwApplicationDataOffset", ULONG),
    ]


class SecPkgContext_Bindings(Structure):
    _fields_ = [("BindingsLength", ULONG), ("Bindings", POINTER(SEC_CHANNEL_BINDINGS))]


class SEC_WINNT_AUTH_IDENTITY_W(Structure):
    """Lengths in characters, without the terminator; Flags SEC_WINNT_AUTH_IDENTITY_UNICODE."""
    _fields_ = [
        ("User", PWCHAR),
        ("UserLength", ULONG),
        ("Domain", PWCHAR),
        ("DomainLength", ULONG),
        ("Password", PWCHAR),
        ("PasswordLength", ULONG),
        ("Flags", ULONG),
    ]


class SEC_WINNT_AUTH_IDENTITY_A(Structure):
    _fields_ = [
        ("User", PBYTE),
        ("UserLength", ULONG),
        ("Domain", PBYTE),
        ("DomainLength", ULONG),
        ("Password", PBYTE),
        ("PasswordLength", ULONG),
        ("Flags", ULONG),
    ]


class SEC_WINNT_AUTH_IDENTITY_EXW(Structure):
    _fields_ = [
        ("Version", ULONG),
        ("Length", ULONG),
        ("User", PWCHAR),
        ("UserLength", ULONG),
        ("Domain", PWCHAR),
        ("DomainLength", ULONG),
        ("Password", PWCHAR),
        ("PasswordLength", ULONG),
        ("Flags", ULONG),
        ("PackageList", PWCHAR),
        ("PackageListLength", ULONG),
    ]


class SecPkgContext_ConnectionInfo(Structure):
    _fields_ = [
        ("dwProtocol", DWORD),
        ("aiCipher", ALG_ID),
        ("dwCipherStrength", DWORD),
        ("aiHash", ALG_ID),
        ("dwHashStrength", DWORD),
        ("aiExch", ALG_ID),
        ("dwExchStrength", DWORD),
    ]


class SecPkgContext_ApplicationProtocol(Structure):
    _fields_ = [
        ("ProtoNegoStatus", c_int32),
        ("ProtoNegoExt", c_int32),
        ("ProtocolIdSize", c_uint8),
        ("ProtocolId", c_uint8 * 255),
    ]


class SecPkgContext_KeyingMaterialInfo(Structure):
    _fields_ = [
        ("cbLabel", WORD),
        ("pszLabel", PCHAR),
        ("cbContextValue", WORD),
        ("pbContextValue", PBYTE),
        ("cbKeyingMaterial", DWORD),
    ]


class SecPkgCred_SupportedProtocols(Structure):
    _fields_ = [("grbitProtocol", DWORD)]


class SecPkgCred_CipherStrengths(Structure):
    _fields_ = [("dwMinimumCipherStrength", DWORD), ("dwMaximumCipherStrength", DWORD)]


class SecPkgCred_SupportedAlgs(Structure):
    _fields_ = [("cSupportedAlgs", DWORD), ("palgSupportedAlgs", POINTER(ALG_ID))]


# ---- crypt32 structures (wincrypt.h) ----
class CRYPTOAPI_BLOB(Structure):
    _fields_ = [("cbData", DWORD), ("pbData", PBYTE)]

    def bytes(self):
        return ctypes.string_at(self.pbData, self.cbData) if self.cbData else b""


CRYPT_DATA_BLOB = CRYPT_HASH_BLOB = CERT_NAME_BLOB = CRYPT_INTEGER_BLOB = CRYPT_OBJID_BLOB = CRYPTOAPI_BLOB


class FILETIME(Structure):
    _fields_ = [("dwLowDateTime", DWORD), ("dwHighDateTime", DWORD)]

    def value(self):
        return (self.dwHighDateTime << 32) | self.dwLowDateTime


class CRYPT_ALGORITHM_IDENTIFIER(Structure):
    _fields_ = [("pszObjId", c_char_p), ("Parameters", CRYPT_OBJID_BLOB)]


class CRYPT_BIT_BLOB(Structure):
    _fields_ = [("cbData", DWORD), ("pbData", PBYTE), ("cUnusedBits", DWORD)]


class CERT_PUBLIC_KEY_INFO(Structure):
    _fields_ = [("Algorithm", CRYPT_ALGORITHM_IDENTIFIER), ("PublicKey", CRYPT_BIT_BLOB)]


class CERT_EXTENSION(Structure):
    _fields_ = [("pszObjId", c_char_p), ("fCritical", BOOL), ("Value", CRYPT_OBJID_BLOB)]


class CERT_INFO(Structure):
    _fields_ = [
        ("dwVersion", DWORD),
        ("SerialNumber", CRYPT_INTEGER_BLOB),
        ("SignatureAlgorithm", CRYPT_ALGORITHM_IDENTIFIER),
        ("Issuer", CERT_NAME_BLOB),
        ("NotBefore", FILETIME),
        ("NotAfter", FILETIME),
        ("Subject", CERT_NAME_BLOB),
        ("SubjectPublicKeyInfo", CERT_PUBLIC_KEY_INFO),
        ("IssuerUniqueId", CRYPT_BIT_BLOB),
        ("SubjectUniqueId", CRYPT_BIT_BLOB),
        ("cExtension", DWORD),
        ("rgExtension", POINTER(CERT_EXTENSION)),
    ]


class CERT_CONTEXT(Structure):
    _fields_ = [
        ("dwCertEncodingType", DWORD),
        ("pbCertEncoded", PBYTE),
        ("cbCertEncoded", DWORD),
        ("pCertInfo", POINTER(CERT_INFO)),
        ("hCertStore", c_void_p),
    ]


PCCERT_CONTEXT = POINTER(CERT_CONTEXT)


class CRYPT_KEY_PROV_INFO(Structure):
    _fields_ = [
        ("pwszContainerName", PWCHAR),
        ("pwszProvName", PWCHAR),
        ("dwProvType", DWORD),
        ("dwFlags", DWORD),
        ("cProvParam", DWORD),
        ("rgProvParam", c_void_p),
        ("dwKeySpec", DWORD),
    ]


# ---- Schannel credentials (schannel.h) ----
class SCHANNEL_CRED(Structure):
    _fields_ = [
        ("dwVersion", DWORD),
        ("cCreds", DWORD),
        ("paCred", POINTER(PCCERT_CONTEXT)),
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
        ("paCred", POINTER(PCCERT_CONTEXT)),
        ("hRootStore", c_void_p),
        ("cMappers", DWORD),
        ("aphMappers", POINTER(c_void_p)),
        ("dwSessionLifespan", DWORD),
        ("dwFlags", DWORD),
        ("cTlsParameters", DWORD),
        ("pTlsParameters", POINTER(TLS_PARAMETERS)),
    ]


# ---- The function tables: slot names in Windows order (slot 0 is dwVersion) ----
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


# The numbers mingw-w64's headers give for x86_64: (size, {field: offset}).
_LAYOUT = {
    SecHandle: (16, {"dwUpper": 8}),
    TimeStamp: (8, {}),
    SecBuffer: (16, {"pvBuffer": 8}),
    SecBufferDesc: (16, {"pBuffers": 8}),
    SecPkgInfoW: (32, {"cbMaxToken": 8, "Name": 16, "Comment": 24}),
    SecPkgInfoA: (32, {"Name": 16}),
    UNICODE_STRING: (16, {"Buffer": 8}),
    SecPkgContext_Sizes: (16, {"cbSecurityTrailer": 12}),
    SecPkgContext_StreamSizes: (20, {"cBuffers": 12}),
    SecPkgContext_ConnectionInfo: (28, {"aiExch": 20}),
    SecPkgContext_NamesW: (8, {}),
    SecPkgContext_NativeNamesW: (16, {"sServerName": 8}),
    SecPkgContext_SessionKey: (16, {"SessionKey": 8}),
    SecPkgContext_Flags: (4, {}),
    SecPkgContext_Lifespan: (16, {"tsExpiry": 8}),
    SecPkgContext_PackageInfoW: (8, {}),
    SEC_CHANNEL_BINDINGS: (32, {"dwAcceptorOffset": 20, "dwApplicationDataOffset": 28}),
    SecPkgContext_Bindings: (16, {"Bindings": 8}),
    SEC_WINNT_AUTH_IDENTITY_W: (48, {"UserLength": 8, "Domain": 16, "Password": 32, "PasswordLength": 40,
                                     "Flags": 44}),
    SEC_WINNT_AUTH_IDENTITY_A: (48, {"Domain": 16, "Password": 32, "Flags": 44}),
    SEC_WINNT_AUTH_IDENTITY_EXW: (72, {"User": 8, "Domain": 24, "Password": 40, "PasswordLength": 48,
                                       "Flags": 52, "PackageList": 56, "PackageListLength": 64}),
    SecPkgContext_ApplicationProtocol: (264, {"ProtocolIdSize": 8, "ProtocolId": 9}),
    SecPkgContext_KeyingMaterialInfo: (40, {"pszLabel": 8, "pbContextValue": 24, "cbKeyingMaterial": 32}),
    SecPkgCred_SupportedProtocols: (4, {}),
    SecPkgCred_CipherStrengths: (8, {}),
    SecPkgCred_SupportedAlgs: (16, {"palgSupportedAlgs": 8}),
    CRYPTOAPI_BLOB: (16, {"pbData": 8}),
    FILETIME: (8, {"dwHighDateTime": 4}),
    CRYPT_ALGORITHM_IDENTIFIER: (24, {"Parameters": 8}),
    CRYPT_BIT_BLOB: (24, {"pbData": 8, "cUnusedBits": 16}),
    CERT_PUBLIC_KEY_INFO: (48, {"PublicKey": 24}),
    CERT_EXTENSION: (32, {"fCritical": 8, "Value": 16}),
    CERT_INFO: (208, {"SerialNumber": 8, "SignatureAlgorithm": 24, "Issuer": 48, "NotBefore": 64, "NotAfter": 72,
                      "Subject": 80, "SubjectPublicKeyInfo": 96, "IssuerUniqueId": 144, "SubjectUniqueId": 168,
                      "cExtension": 192, "rgExtension": 200}),
    CERT_CONTEXT: (40, {"pbCertEncoded": 8, "cbCertEncoded": 16, "pCertInfo": 24, "hCertStore": 32}),
    CRYPT_KEY_PROV_INFO: (48, {"dwProvType": 16, "rgProvParam": 32, "dwKeySpec": 40}),
    SCHANNEL_CRED: (80, {"paCred": 8, "hRootStore": 16, "grbitEnabledProtocols": 56, "dwFlags": 72}),
    CRYPTO_SETTINGS: (48, {"strCngAlgId": 8, "rgstrChainingModes": 32}),
    TLS_PARAMETERS: (40, {"grbitDisabledProtocols": 16, "pDisabledCrypto": 24}),
    SCH_CREDENTIALS: (72, {"paCred": 16, "dwFlags": 52, "pTlsParameters": 64}),
    SecurityFunctionTableW: (256, {"Reserved3": 144, "QueryCredentialsAttributesExW": 248}),
    SecurityFunctionTableA: (256, {"QueryCredentialsAttributesExA": 248}),
}
if sizeof(c_void_p) == 8:
    for _t, (_size, _offsets) in _LAYOUT.items():
        assert sizeof(_t) == _size, f"sizeof({_t.__name__}) = {sizeof(_t)}, Windows: {_size}"
        for _f, _o in _offsets.items():
            assert getattr(_t, _f).offset == _o, f"{_t.__name__}.{_f}"
    assert ctypes.alignment(TimeStamp) == 8


# ---- Strings and buffers ----
def wstr(text):
    """A NUL-terminated UTF-16LE WCHAR array (keep it alive while the library uses it)."""
    data = text.encode("utf-16-le") + b"\0\0"
    return (WCHAR * (len(data) // 2)).from_buffer_copy(data)


def read_wstr(ptr):
    """The NUL-terminated UTF-16LE string at a WCHAR pointer."""
    p = cast(ptr, PWCHAR)
    units = bytearray()
    i = 0
    while p[i]:
        units += p[i].to_bytes(2, "little")
        i += 1
    return units.decode("utf-16-le")


def astr(text):
    """A NUL-terminated byte string (for the "A" functions: UTF-8 here)."""
    return ctypes.create_string_buffer(text.encode())


def unicode_string(text):
    """A UNICODE_STRING (length in bytes, without the terminator) and the buffer to keep alive."""
    buf = wstr(text)
    length = 2 * (len(buf) - 1)
    return UNICODE_STRING(length, length + 2, cast(buf, PWCHAR)), buf


def read_unicode_string(us):
    """The text of a UNICODE_STRING (its Length bytes of UTF-16LE)."""
    return ctypes.string_at(cast(us.Buffer, ctypes.c_void_p).value, us.Length).decode("utf-16-le")


def lsa_string(text):
    """An LSA_STRING over the bytes `text` (with a terminator) and the buffer to keep alive."""
    buf = ctypes.create_string_buffer(text)
    return LSA_STRING(len(text), len(text) + 1, cast(buf, PCHAR)), buf


def auth_identity(user, domain, password):
    """A SEC_WINNT_AUTH_IDENTITY_W (UNICODE) for AcquireCredentialsHandle's pAuthData (NTLM;
    Kerberos and Negotiate take the same). ``domain`` may be "" (then ``user`` may be
    DOMAIN\\user or user@domain). The string buffers ride along on the struct
    (``identity._keep``); ``wipe_identity`` overwrites the password when it is no longer needed
    (AcquireCredentialsHandle copies it)."""
    bufs = [wstr(user), wstr(domain), wstr(password)]
    ident = SEC_WINNT_AUTH_IDENTITY_W(
        cast(bufs[0], PWCHAR), len(bufs[0]) - 1, cast(bufs[1], PWCHAR), len(bufs[1]) - 1,
        cast(bufs[2], PWCHAR), len(bufs[2]) - 1, SEC_WINNT_AUTH_IDENTITY_UNICODE)
    ident._keep = bufs
    return ident


def wipe_identity(identity):
    """Overwrites the password buffer of an ``auth_identity`` (Python's own str of it is not
    reachable from here: keep passwords out of long-lived strings)."""
    ctypes.memset(identity._keep[2], 0, ctypes.sizeof(identity._keep[2]))


def data_blob(data):
    """A CRYPT_DATA_BLOB over a copy of ``data`` (a .pfx file's bytes, PEM...); the copy rides
    along on the blob (``blob._keep``)."""
    buf = (BYTE * max(len(data), 1)).from_buffer_copy(data or b"\0")
    b = CRYPT_DATA_BLOB(len(data), cast(buf, PBYTE))
    b._keep = buf
    return b


def application_protocols(protocols):
    """The bytes of a SEC_APPLICATION_PROTOCOLS block offering ``protocols`` (ALPN ids, e.g.
    ["h2", "http/1.1"]), for a SECBUFFER_APPLICATION_PROTOCOLS input buffer."""
    wire = b"".join(len(p.encode()).to_bytes(1, "little") + p.encode() for p in protocols)
    one = SecApplicationProtocolNegotiationExt_ALPN.to_bytes(4, "little") + len(wire).to_bytes(2, "little") + wire
    return len(one).to_bytes(4, "little") + one


# ---- Prototypes ----
GETKEYFN = CFUNCTYPE(None, c_void_p, c_void_p, ULONG, POINTER(c_void_p), POINTER(SECURITY_STATUS))

# Every SSPI export: argument types (all return SECURITY_STATUS).
SSPI_PROTOTYPES = {
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
    # The SASL wrappers.
    "SaslAcceptSecurityContext": [
        POINTER(CredHandle), POINTER(CtxtHandle), POINTER(SecBufferDesc), ULONG, ULONG, POINTER(CtxtHandle),
        POINTER(SecBufferDesc), POINTER(ULONG), POINTER(TimeStamp),
    ],
    "SaslInitializeSecurityContextW": [
        POINTER(CredHandle), POINTER(CtxtHandle), PWCHAR, ULONG, ULONG, ULONG, POINTER(SecBufferDesc), ULONG,
        POINTER(CtxtHandle), POINTER(SecBufferDesc), POINTER(ULONG), POINTER(TimeStamp),
    ],
    "SaslInitializeSecurityContextA": [
        POINTER(CredHandle), POINTER(CtxtHandle), PCHAR, ULONG, ULONG, ULONG, POINTER(SecBufferDesc), ULONG,
        POINTER(CtxtHandle), POINTER(SecBufferDesc), POINTER(ULONG), POINTER(TimeStamp),
    ],
    "SaslEnumerateProfilesW": [POINTER(PWCHAR), POINTER(ULONG)],
    "SaslEnumerateProfilesA": [POINTER(PCHAR), POINTER(ULONG)],
    "SaslGetProfilePackageW": [PWCHAR, POINTER(POINTER(SecPkgInfoW))],
    "SaslGetProfilePackageA": [PCHAR, POINTER(POINTER(SecPkgInfoA))],
    "SaslIdentifyPackageW": [POINTER(SecBufferDesc), POINTER(POINTER(SecPkgInfoW))],
    "SaslIdentifyPackageA": [POINTER(SecBufferDesc), POINTER(POINTER(SecPkgInfoA))],
    "SaslSetContextOption": [POINTER(CtxtHandle), ULONG, c_void_p, ULONG],
    "SaslGetContextOption": [POINTER(CtxtHandle), ULONG, c_void_p, ULONG, POINTER(ULONG)],
    # EncryptMessage / DecryptMessage under their old names (the function table's Reserved3/4).
    "SealMessage": [POINTER(CtxtHandle), ULONG, POINTER(SecBufferDesc), ULONG],
    "UnsealMessage": [POINTER(CtxtHandle), POINTER(SecBufferDesc), ULONG, POINTER(ULONG)],
    "AddSecurityPackageW": [PWCHAR, c_void_p],
    "AddSecurityPackageA": [PCHAR, c_void_p],
    "DeleteSecurityPackageW": [PWCHAR],
    "DeleteSecurityPackageA": [PCHAR],
    # The identity helpers (the opaque identity is a c_void_p).
    "SspiEncodeStringsAsAuthIdentity": [PWCHAR, PWCHAR, PWCHAR, POINTER(c_void_p)],
    "SspiEncodeAuthIdentityAsStrings": [c_void_p, POINTER(PWCHAR), POINTER(PWCHAR), POINTER(PWCHAR)],
    "SspiPrepareForCredWrite": [
        c_void_p, PWCHAR, POINTER(ULONG), POINTER(PWCHAR), POINTER(PWCHAR), POINTER(POINTER(c_uint8)),
        POINTER(ULONG),
    ],
}

# The secur32 exports that return something else than a SECURITY_STATUS: (return type, arguments).
# secext.h's names return a BOOLEAN (the reason is in the thread's last error, GetLastError).
OTHER_PROTOTYPES = {
    "GetUserNameExW": (c_uint8, [ULONG, PWCHAR, POINTER(ULONG)]),
    "GetUserNameExA": (c_uint8, [ULONG, PCHAR, POINTER(ULONG)]),
    "GetComputerObjectNameW": (c_uint8, [ULONG, PWCHAR, POINTER(ULONG)]),
    "GetComputerObjectNameA": (c_uint8, [ULONG, PCHAR, POINTER(ULONG)]),
    "TranslateNameW": (c_uint8, [PWCHAR, ULONG, ULONG, PWCHAR, POINTER(ULONG)]),
    "TranslateNameA": (c_uint8, [PCHAR, ULONG, ULONG, PCHAR, POINTER(ULONG)]),
    "SspiFreeAuthIdentity": (None, [c_void_p]),
    "SspiZeroAuthIdentity": (None, [c_void_p]),
    "SspiLocalFree": (None, [c_void_p]),
    # ntsecapi.h's Lsa* (NTSTATUS results; no LSA here: STATUS_NOT_IMPLEMENTED and kin).
    "LsaConnectUntrusted": (c_int32, [POINTER(c_void_p)]),
    "LsaRegisterLogonProcess": (c_int32, [c_void_p, POINTER(c_void_p), POINTER(ULONG)]),
    "LsaDeregisterLogonProcess": (c_int32, [c_void_p]),
    "LsaLookupAuthenticationPackage": (c_int32, [c_void_p, c_void_p, POINTER(ULONG)]),
    "LsaCallAuthenticationPackage": (
        c_int32, [c_void_p, ULONG, c_void_p, ULONG, POINTER(c_void_p), POINTER(ULONG), POINTER(c_int32)]),
    "LsaFreeReturnBuffer": (c_int32, [c_void_p]),
    "LsaEnumerateLogonSessions": (c_int32, [POINTER(ULONG), POINTER(c_void_p)]),
    "LsaLogonUser": (c_int32, [
        c_void_p, c_void_p, ULONG, ULONG, c_void_p, ULONG, c_void_p, c_void_p, POINTER(c_void_p), POINTER(ULONG),
        c_void_p, POINTER(c_void_p), c_void_p, POINTER(c_int32)]),
    "LsaGetLogonSessionData": (c_int32, [c_void_p, POINTER(c_void_p)]),
    "LsaRegisterPolicyChangeNotification": (c_int32, [ULONG, c_void_p]),
    "LsaUnregisterPolicyChangeNotification": (c_int32, [ULONG, c_void_p]),
}

# ntstatus.h's values the Lsa* functions return.
STATUS_SUCCESS = 0
STATUS_NOT_IMPLEMENTED = -0x3FFFFFFE  # 0xC0000002
STATUS_INVALID_HANDLE = -0x3FFFFFF8  # 0xC0000008
STATUS_INVALID_PARAMETER = -0x3FFFFFF3  # 0xC000000D
STATUS_ACCESS_DENIED = -0x3FFFFFDE  # 0xC0000022
STATUS_NOT_SUPPORTED = -0x3FFFFF45  # 0xC00000BB
STATUS_NO_SUCH_PACKAGE = -0x3FFFFF02  # 0xC00000FE

# ntsecapi.h: the Kerberos package's ticket-cache queries (KERB_PROTOCOL_MESSAGE_TYPE) and
# their structs.
MICROSOFT_KERBEROS_NAME_A = b"Kerberos"
KerbQueryTicketCacheMessage, KerbPurgeTicketCacheMessage = 1, 6
KerbRetrieveEncodedTicketMessage, KerbQueryTicketCacheExMessage, KerbQueryTicketCacheEx2Message = 8, 14, 20


class LSA_STRING(Structure):
    _fields_ = [("Length", USHORT), ("MaximumLength", USHORT), ("Buffer", PCHAR)]


class LUID(Structure):
    _fields_ = [("LowPart", ULONG), ("HighPart", c_int32)]


class KERB_QUERY_TKT_CACHE_REQUEST(Structure):
    _fields_ = [("MessageType", ULONG), ("LogonId", LUID)]


class KERB_TICKET_CACHE_INFO(Structure):
    _fields_ = [("ServerName", UNICODE_STRING), ("RealmName", UNICODE_STRING), ("StartTime", c_int64),
                ("EndTime", c_int64), ("RenewTime", c_int64), ("EncryptionType", c_int32), ("TicketFlags", ULONG)]


class KERB_TICKET_CACHE_INFO_EX(Structure):
    _fields_ = [("ClientName", UNICODE_STRING), ("ClientRealm", UNICODE_STRING), ("ServerName", UNICODE_STRING),
                ("ServerRealm", UNICODE_STRING), ("StartTime", c_int64), ("EndTime", c_int64),
                ("RenewTime", c_int64), ("EncryptionType", c_int32), ("TicketFlags", ULONG)]


class KERB_TICKET_CACHE_INFO_EX2(Structure):
    _fields_ = KERB_TICKET_CACHE_INFO_EX._fields_ + [("SessionKeyType", ULONG)]

# secext.h's EXTENDED_NAME_FORMAT.
NameUnknown, NameFullyQualifiedDN, NameSamCompatible, NameDisplay = 0, 1, 2, 3
NameUniqueId, NameCanonical, NameUserPrincipal, NameCanonicalEx = 6, 7, 8, 9
NameServicePrincipal, NameDnsDomain, NameGivenName, NameSurname = 10, 12, 13, 14

# Every crypt32 export: (return type, argument types).
CRYPT32_PROTOTYPES = {
    "GetLastError": (DWORD, []),
    "SetLastError": (None, [DWORD]),
    "CertOpenStore": (c_void_p, [c_void_p, DWORD, ULONG_PTR, DWORD, c_void_p]),
    "CertDuplicateStore": (c_void_p, [c_void_p]),
    "CertCloseStore": (BOOL, [c_void_p, DWORD]),
    "CertCreateCertificateContext": (PCCERT_CONTEXT, [DWORD, c_void_p, DWORD]),
    "CertDuplicateCertificateContext": (PCCERT_CONTEXT, [c_void_p]),
    "CertFreeCertificateContext": (BOOL, [c_void_p]),
    "CertAddEncodedCertificateToStore": (BOOL, [c_void_p, DWORD, c_void_p, DWORD, DWORD, POINTER(PCCERT_CONTEXT)]),
    "CertAddCertificateContextToStore": (BOOL, [c_void_p, c_void_p, DWORD, POINTER(PCCERT_CONTEXT)]),
    "CertEnumCertificatesInStore": (PCCERT_CONTEXT, [c_void_p, c_void_p]),
    "CertFindCertificateInStore": (PCCERT_CONTEXT, [c_void_p, DWORD, DWORD, DWORD, c_void_p, c_void_p]),
    "CertGetCertificateContextProperty": (BOOL, [c_void_p, DWORD, c_void_p, POINTER(DWORD)]),
    "CertGetNameStringW": (DWORD, [c_void_p, DWORD, DWORD, c_void_p, c_void_p, DWORD]),
    "CertGetNameStringA": (DWORD, [c_void_p, DWORD, DWORD, c_void_p, c_void_p, DWORD]),
    "CertNameToStrW": (DWORD, [DWORD, POINTER(CERT_NAME_BLOB), DWORD, c_void_p, DWORD]),
    "CertNameToStrA": (DWORD, [DWORD, POINTER(CERT_NAME_BLOB), DWORD, c_void_p, DWORD]),
    "CertVerifyTimeValidity": (LONG, [POINTER(FILETIME), POINTER(CERT_INFO)]),
    "PFXImportCertStore": (c_void_p, [POINTER(CRYPT_DATA_BLOB), c_void_p, DWORD]),
    "PFXIsPFXBlob": (BOOL, [POINTER(CRYPT_DATA_BLOB)]),
    "PFXVerifyPassword": (BOOL, [POINTER(CRYPT_DATA_BLOB), c_void_p, DWORD]),
    "SspiRustlsPemImportCertStore": (
        c_void_p,
        [POINTER(CRYPT_DATA_BLOB), POINTER(CRYPT_DATA_BLOB), c_void_p, DWORD],
    ),
}


# ---- The library ----
ENV_VAR = "SSPI_RUSTLS_LIB"
SONAME = "libsecur32.so.0"
# The build tree of the checkout this file sits in (python/ is next to target/).
BUILD_TREE_LIB = pathlib.Path(__file__).resolve().parents[1] / "target" / "release" / "libsecur32.so"


def find_library():
    """What ``load()`` loads, in this order:

    1. ``$SSPI_RUSTLS_LIB``, a path to libsecur32.so, when it is set;
    2. the installed library: ``libsecur32.so.0`` as the dynamic loader finds
       it (after ``make install`` into /usr/local or /usr, which runs
       ldconfig; or through LD_LIBRARY_PATH);
    3. the build tree: target/release/libsecur32.so of the checkout this file
       belongs to (after ``make build``).

    Returns the name or path to hand to ctypes.CDLL; raises OSError naming
    what was tried."""
    env = os.environ.get(ENV_VAR)
    if env:
        if not pathlib.Path(env).exists():
            raise OSError(f"${ENV_VAR} is {env!r}, which does not exist")
        return env
    try:
        ctypes.CDLL(SONAME)
        return SONAME
    except OSError:
        pass
    if BUILD_TREE_LIB.exists():
        return str(BUILD_TREE_LIB)
    raise OSError(
        f"sspi-rustls not found: ${ENV_VAR} is not set, the dynamic loader has no {SONAME} "
        f"(make install, or LD_LIBRARY_PATH), and there is no {BUILD_TREE_LIB} (make build)"
    )


def load(path=None):
    """Loads the library (``path``, else ``find_library()``) and declares the prototype of
    every SSPI and crypt32 export, so that ctypes converts arguments with Windows' widths."""
    lib = ctypes.CDLL(str(path or find_library()))
    if not hasattr(lib, "SspiRustlsPemImportCertStore"):
        raise OSError(f"{lib._name} is not sspi-rustls (it lacks SspiRustlsPemImportCertStore)")
    for name, argtypes in SSPI_PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.argtypes = argtypes
        fn.restype = SECURITY_STATUS
    for name, (restype, argtypes) in {**OTHER_PROTOTYPES, **CRYPT32_PROTOTYPES}.items():
        fn = getattr(lib, name)
        fn.argtypes = argtypes
        fn.restype = restype
    lib.InitSecurityInterfaceW.argtypes = []
    lib.InitSecurityInterfaceW.restype = POINTER(SecurityFunctionTableW)
    lib.InitSecurityInterfaceA.argtypes = []
    lib.InitSecurityInterfaceA.restype = POINTER(SecurityFunctionTableA)
    return lib


__all__ = [n for n in list(globals()) if not n.startswith("_") and n not in ("ctypes", "os", "pathlib")]
