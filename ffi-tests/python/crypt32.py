"""Test helpers for the crypt32 ctypes tests.

The declarations (wincrypt.h's structs and constants, the crypt32
prototypes) are the ones users get, from python/sspi_rustls.py; this file
adds the build tree's library and the shortcuts the certificate tests use.
"""

import ctypes
import os
import pathlib
import sys
from ctypes import byref

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

import sspi_rustls  # noqa: E402
from sspi_rustls import *  # noqa: E402,F401,F403
from sspi_rustls import (  # noqa: E402
    PCCERT_CONTEXT,
    SCHANNEL_CRED,
    SCHANNEL_CRED_VERSION,
    SEC_E_OK,
    SECPKG_CRED_INBOUND,
    UNISP_NAME,
    WCHAR,
    SecHandle,
    data_blob,
    wstr,
)

u32 = sspi_rustls.hresult
blob = data_blob


def default_library_path():
    """$SSPI_RUSTLS_LIB, else the most recently built libsecur32.so of this checkout."""
    env = os.environ.get("SSPI_RUSTLS_LIB")
    if env:
        return pathlib.Path(env)
    root = ROOT / "target"
    candidates = [root / "release" / "libsecur32.so", root / "debug" / "libsecur32.so"]
    existing = [p for p in candidates if p.exists()]
    return max(existing, key=lambda p: p.stat().st_mtime) if existing else candidates[0]


def load(path=None):
    """The library under test, with every prototype declared (sspi_rustls.load)."""
    return sspi_rustls.load(path or default_library_path())


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
