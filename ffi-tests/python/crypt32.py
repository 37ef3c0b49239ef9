"""Windows-exact ctypes declarations of the crypt32 subset of sspi-rustls.

Widths follow Windows (LLP64): DWORD is ``c_uint32`` (never ``c_ulong``),
BOOL and LONG ``c_int32``, pointers and HCERTSTORE ``c_void_p``. Wide strings
are UTF-16LE ``WCHAR`` (``c_uint16``) arrays built by hand, never
``c_wchar_p`` (Linux's wchar_t is 32-bit). Struct sizes and offsets are
asserted at import with the numbers mingw-w64's <wincrypt.h> gives.
"""

import ctypes
import os
import pathlib
from ctypes import POINTER, Structure, byref, c_char_p, c_int32, c_size_t, c_uint8, c_uint16, c_uint32, c_void_p, sizeof

DWORD = c_uint32
BOOL = LONG = c_int32
BYTE = c_uint8
WCHAR = c_uint16
ULONG_PTR = c_size_t
PBYTE = POINTER(BYTE)
PWCHAR = POINTER(WCHAR)


def u32(v):
    """An HRESULT as GetLastError returns it (an unsigned DWORD)."""
    return v & 0xFFFFFFFF


def status(v):
    """A SECURITY_STATUS (signed 32-bit)."""
    return v - (1 << 32) if v & 0x80000000 else v


# ---- Constants (wincrypt.h, winerror.h) ----
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

ERROR_FILE_NOT_FOUND = 2
ERROR_INVALID_PASSWORD = 86
ERROR_MORE_DATA = 234
E_INVALIDARG = 0x80070057
NTE_BAD_FLAGS = 0x80090009
CRYPT_E_NOT_FOUND = 0x80092004
CRYPT_E_EXISTS = 0x80092005
CRYPT_E_PENDING_CLOSE = 0x8009200F
CRYPT_E_ASN1_EOD = 0x80093102
CRYPT_E_ASN1_CORRUPT = 0x80093103
CRYPT_E_ASN1_BADTAG = 0x8009310B

SEC_E_OK = 0
SEC_E_UNKNOWN_CREDENTIALS = status(0x8009030D)
SEC_E_NO_CREDENTIALS = status(0x8009030E)
SECPKG_CRED_INBOUND = 1
SECPKG_CRED_OUTBOUND = 2
SCHANNEL_CRED_VERSION = 4
UNISP_NAME = "Microsoft Unified Security Protocol Provider"


# ---- Structs (wincrypt.h) ----
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


class SecHandle(Structure):
    _fields_ = [("dwLower", ULONG_PTR), ("dwUpper", ULONG_PTR)]


class SCHANNEL_CRED(Structure):
    _fields_ = [
        ("dwVersion", DWORD),
        ("cCreds", DWORD),
        ("paCred", POINTER(PCCERT_CONTEXT)),
        ("hRootStore", c_void_p),
        ("cMappers", DWORD),
        ("aphMappers", c_void_p),
        ("cSupportedAlgs", DWORD),
        ("palgSupportedAlgs", c_void_p),
        ("grbitEnabledProtocols", DWORD),
        ("dwMinimumCipherStrength", DWORD),
        ("dwMaximumCipherStrength", DWORD),
        ("dwSessionLifespan", DWORD),
        ("dwFlags", DWORD),
        ("dwCredFormat", DWORD),
    ]


# The numbers mingw-w64's headers give for x86_64.
_LAYOUT = {
    CRYPTOAPI_BLOB: (16, {"pbData": 8}),
    FILETIME: (8, {"dwHighDateTime": 4}),
    CRYPT_ALGORITHM_IDENTIFIER: (24, {"Parameters": 8}),
    CRYPT_BIT_BLOB: (24, {"pbData": 8, "cUnusedBits": 16}),
    CERT_PUBLIC_KEY_INFO: (48, {"PublicKey": 24}),
    CERT_EXTENSION: (32, {"fCritical": 8, "Value": 16}),
    CERT_INFO: (
        208,
        {
            "SerialNumber": 8,
            "SignatureAlgorithm": 24,
            "Issuer": 48,
            "NotBefore": 64,
            "NotAfter": 72,
            "Subject": 80,
            "SubjectPublicKeyInfo": 96,
            "IssuerUniqueId": 144,
            "SubjectUniqueId": 168,
            "cExtension": 192,
            "rgExtension": 200,
        },
    ),
    CERT_CONTEXT: (40, {"pbCertEncoded": 8, "cbCertEncoded": 16, "pCertInfo": 24, "hCertStore": 32}),
    CRYPT_KEY_PROV_INFO: (48, {"dwProvType": 16, "rgProvParam": 32, "dwKeySpec": 40}),
    SCHANNEL_CRED: (80, {"paCred": 8, "hRootStore": 16, "grbitEnabledProtocols": 56, "dwFlags": 72}),
}
if sizeof(c_void_p) == 8:
    for _t, (_size, _offsets) in _LAYOUT.items():
        assert sizeof(_t) == _size, (_t.__name__, sizeof(_t))
        for _f, _o in _offsets.items():
            assert getattr(_t, _f).offset == _o, (_t.__name__, _f)


def wstr(text):
    """A NUL-terminated UTF-16LE WCHAR array (keep it alive while in use)."""
    data = text.encode("utf-16-le") + b"\0\0"
    return (WCHAR * (len(data) // 2)).from_buffer_copy(data)


def blob(data):
    """A CRYPT_DATA_BLOB over a copy of ``data``; the buffer rides along on the blob."""
    buf = (BYTE * max(len(data), 1)).from_buffer_copy(data or b"\0")
    b = CRYPT_DATA_BLOB(len(data), ctypes.cast(buf, PBYTE))
    b._keep = buf
    return b


_PROTOTYPES = {
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
    "AcquireCredentialsHandleW": (
        c_int32,
        [c_void_p, c_void_p, DWORD, c_void_p, c_void_p, c_void_p, c_void_p, POINTER(SecHandle), c_void_p],
    ),
    "FreeCredentialsHandle": (c_int32, [POINTER(SecHandle)]),
}


def default_library_path():
    env = os.environ.get("SSPI_RUSTLS_LIB")
    if env:
        return pathlib.Path(env)
    root = pathlib.Path(__file__).resolve().parents[2] / "target"
    candidates = [root / "release" / "libsecur32.so", root / "debug" / "libsecur32.so"]
    existing = [p for p in candidates if p.exists()]
    # The most recently built one.
    return max(existing, key=lambda p: p.stat().st_mtime) if existing else candidates[0]


def load(path=None):
    """Loads libsecur32.so and declares the crypt32 prototypes."""
    lib = ctypes.CDLL(str(path or default_library_path()))
    for name, (restype, argtypes) in _PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


def acquire(lib, cert, use=SECPKG_CRED_INBOUND, root_store=None):
    """AcquireCredentialsHandleW with one certificate in SCHANNEL_CRED; returns the status
    (the handle is freed again when acquisition succeeds)."""
    cred = SCHANNEL_CRED()
    cred.dwVersion = SCHANNEL_CRED_VERSION
    arr = (PCCERT_CONTEXT * 1)(ctypes.cast(cert, PCCERT_CONTEXT))
    if cert:
        cred.cCreds = 1
        cred.paCred = arr
    cred.hRootStore = root_store
    h = SecHandle()
    name = wstr(UNISP_NAME)
    st = lib.AcquireCredentialsHandleW(None, name, use, None, byref(cred), None, None, byref(h), None)
    if st == SEC_E_OK:
        assert lib.FreeCredentialsHandle(byref(h)) == SEC_E_OK
    return st


def name_string(lib, cert, kind, flags=0, para=None, wide=True):
    """CertGetNameString: size query, then the string (asserting the count protocol)."""
    fn = lib.CertGetNameStringW if wide else lib.CertGetNameStringA
    n = fn(cert, kind, flags, para, None, 0)
    assert n >= 1
    buf = (WCHAR * n)() if wide else ctypes.create_string_buffer(n)
    assert fn(cert, kind, flags, para, buf, n) == n
    raw = bytes(buf) if wide else buf.raw
    text = raw.decode("utf-16-le" if wide else "utf-8")
    assert text.endswith("\0")
    return text[:-1]
