"""Test helpers for the SSPI ctypes tests.

The declarations (types, constants, structs, prototypes, the loader) are the
ones users get, from python/sspi_rustls.py; this file adds only what the tests
need: the build tree's library (never an installed copy: the tests test this
checkout), what Windows reports for Schannel, and descriptor and credential
shortcuts, among them deliberately broken descriptors.
"""

import ctypes
import os
import pathlib
import sys
from ctypes import byref, c_uint8

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

import sspi_rustls  # noqa: E402
from sspi_rustls import *  # noqa: E402,F401,F403
from sspi_rustls import (  # noqa: E402
    SECBUFFER_EMPTY,
    SECBUFFER_TOKEN,
    SECBUFFER_VERSION,
    SECPKG_CRED_OUTBOUND,
    SCH_CRED_NO_DEFAULT_CREDS,
    SCHANNEL_CRED,
    SCHANNEL_CRED_VERSION,
    SECPKG_FLAG_ACCEPT_WIN32_NAME,
    SECPKG_FLAG_CONNECTION,
    SECPKG_FLAG_EXTENDED_ERROR,
    SECPKG_FLAG_IMPERSONATION,
    SECPKG_FLAG_INTEGRITY,
    SECPKG_FLAG_MULTI_REQUIRED,
    SECPKG_FLAG_MUTUAL_AUTH,
    SECPKG_FLAG_PRIVACY,
    SECPKG_FLAG_STREAM,
    SSPI_PROTOTYPES,
    UNISP_NAME,
    CredHandle,
    SecBuffer,
    SecBufferDesc,
    TimeStamp,
    astr,
    cast,
    c_void_p,
    wstr,
)

# What Windows reports for Schannel.
SCHANNEL_COMMENT = "Schannel Security Package"
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

# Every SSPI export of the library (the crypt32 ones are declared by the
# certificate tests).
SSPI_EXPORTS = sorted(list(SSPI_PROTOTYPES) + ["InitSecurityInterfaceW", "InitSecurityInterfaceA"])


def default_library_path():
    """$SSPI_RUSTLS_LIB, else this checkout's target/release/libsecur32.so."""
    env = os.environ.get("SSPI_RUSTLS_LIB")
    if env:
        return pathlib.Path(env)
    return ROOT / "target" / "release" / "libsecur32.so"


def load(path=None):
    """The library under test, with every prototype declared (sspi_rustls.load)."""
    return sspi_rustls.load(path or default_library_path())


def read_astr(ptr):
    return ctypes.string_at(ptr).decode()


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


# ---- Shortcuts ----
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
