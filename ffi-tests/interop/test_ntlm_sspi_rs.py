"""NTLM against sspi-rs (Devolutions' Rust SSPI), through its C library: the libsspi.so
that sspilib's manylinux wheel bundles (fetched by .ci/install-deps into .venv/sdist). It
exports the same SSPI functions as we do, so both libraries are loaded side by side in this
process and driven with the same ctypes code, each in both roles.

sspi-rs quirks these tests accommodate (they are its behaviour, not ours):
* its acceptor answers the AUTHENTICATE with SEC_I_COMPLETE_NEEDED and wants
  CompleteAuthToken, which Windows' NTLM never asks for;
* its EncryptMessage leaves a SECBUFFER_PADDING buffer's length as it was, so the
  [TOKEN, DATA] layout is used with it;
* it has no MakeSignature / VerifySignature (SEC_E_UNSUPPORTED_FUNCTION) and no
  SECPKG_ATTR_NAMES on the client."""

import ctypes
import sys
import zipfile
from ctypes import addressof, byref, create_string_buffer, string_at

import pytest

from interop_support import REPO

sys.path.insert(0, str(REPO / "ffi-tests" / "python"))

import sspi as S  # noqa: E402
from ntlm_helpers import Side, acquire, desc, free_cred  # noqa: E402

WHEELS = REPO / ".venv" / "sdist"
USER, DOMAIN, PASSWORD = "alice", "EXAMPLE", "s3cret"


@pytest.fixture(scope="module")
def ours(lib_dir):
    return S.load(lib_dir / "libsecur32.so")


@pytest.fixture(scope="module")
def rs(tmp_path_factory):
    wheels = sorted(WHEELS.glob("sspilib-*manylinux*.whl"))
    if not wheels:
        pytest.fail(f"no sspilib manylinux wheel in {WHEELS}: run make deps (.ci/install-deps fetches it)")
    out = tmp_path_factory.mktemp("sspi-rs")
    with zipfile.ZipFile(wheels[-1]) as z:
        name = next(n for n in z.namelist() if "sspilib.libs/libsspi" in n)
        path = out / "libsspi.so"
        path.write_bytes(z.read(name))
    lib = ctypes.CDLL(str(path))  # RTLD_LOCAL: its symbols do not meet ours
    assert not hasattr(lib, "SspiRustlsPemImportCertStore"), "this is sspi-rs, not us"
    for fn, args in S.SSPI_PROTOTYPES.items():
        f = getattr(lib, fn, None)
        if f is not None:
            f.argtypes = args
            f.restype = S.SECURITY_STATUS
    return lib


def finish_rs_acceptor(lib, side, st):
    """sspi-rs' acceptor ends with SEC_I_COMPLETE_NEEDED; CompleteAuthToken completes it."""
    if st == S.SEC_I_COMPLETE_NEEDED:
        d, _ = desc([(0, S.SECBUFFER_TOKEN, None)])
        st = lib.CompleteAuthToken(byref(side.ctx), byref(d))
    return st


def converse(client, server, rs_server):
    st, negotiate = client.step(None)
    assert st == S.SEC_I_CONTINUE_NEEDED, S.status_name(st)
    st, challenge = server.step(negotiate)
    assert st == S.SEC_I_CONTINUE_NEEDED, S.status_name(st)
    st, authenticate = client.step(challenge)
    assert st == S.SEC_E_OK, S.status_name(st)
    st, _ = server.step(authenticate)
    return finish_rs_acceptor(server.lib, server, st) if rs_server else st


def session_key(side):
    k = S.SecPkgContext_SessionKey()
    assert side.lib.QueryContextAttributesW(byref(side.ctx), S.SECPKG_ATTR_SESSION_KEY, byref(k)) == S.SEC_E_OK
    key = string_at(k.SessionKey, k.SessionKeyLength)
    side.lib.FreeContextBuffer(k.SessionKey)
    return key


def seal(side, message):
    data = create_string_buffer(message, len(message))
    tok = create_string_buffer(16)
    d, arr = desc([(16, S.SECBUFFER_TOKEN, addressof(tok)), (len(message), S.SECBUFFER_DATA, addressof(data))])
    st = side.lib.EncryptMessage(byref(side.ctx), 0, byref(d), 0)
    assert st == S.SEC_E_OK, S.status_name(st)
    return tok.raw[:arr[0].cbBuffer], data.raw[:arr[1].cbBuffer]


def unseal(side, sig, ct):
    data = create_string_buffer(ct, len(ct))
    tok = create_string_buffer(sig, len(sig))
    d, arr = desc([(len(sig), S.SECBUFFER_TOKEN, addressof(tok)), (len(ct), S.SECBUFFER_DATA, addressof(data))])
    qop = S.ULONG()
    st = side.lib.DecryptMessage(byref(side.ctx), byref(d), 0, byref(qop))
    return st, data.raw[:arr[1].cbBuffer]


def exchange(a, b):
    for i in range(4):
        for x, y in ((a, b), (b, a)):
            msg = b"sealed %d " % i * (i * 50 + 1)
            sig, ct = seal(x, msg)
            assert len(sig) == 16 and ct != msg
            st, pt = unseal(y, sig, ct)
            assert st == S.SEC_E_OK, S.status_name(st)
            assert pt == msg
    # A tampered message is refused by either side.
    for x, y in ((a, b), (b, a)):
        sig, ct = seal(x, b"do not touch")
        st, _ = unseal(y, sig, bytes([ct[0] ^ 1]) + ct[1:])
        assert st == S.SEC_E_MESSAGE_ALTERED, S.status_name(st)


@pytest.mark.parametrize("server_db", ["identity", "user file"])
def test_sspi_rs_client_our_server(ours, rs, tmp_path, monkeypatch, server_db):
    users = tmp_path / "users"
    users.write_text(f"{DOMAIN}:{USER}:{PASSWORD}\n")
    monkeypatch.setenv("NTLM_USER_FILE", str(users))
    st, cc = acquire(rs, S.SECPKG_CRED_OUTBOUND, S.auth_identity(USER, DOMAIN, PASSWORD))
    assert st == S.SEC_E_OK
    ident = S.auth_identity(USER, DOMAIN, PASSWORD) if server_db == "identity" else None
    st, sc = acquire(ours, S.SECPKG_CRED_INBOUND, ident)
    assert st == S.SEC_E_OK
    client, server = Side(rs, cc, True, target="HTTP/server.test"), Side(ours, sc, False)
    try:
        assert converse(client, server, rs_server=False) == S.SEC_E_OK
        assert session_key(client) == session_key(server)
        names = S.SecPkgContext_NamesW()
        assert ours.QueryContextAttributesW(byref(server.ctx), S.SECPKG_ATTR_NAMES, byref(names)) == S.SEC_E_OK
        assert S.read_wstr(names.sUserName).upper() == f"{DOMAIN}\\{USER}".upper()
        ours.FreeContextBuffer(names.sUserName)
        exchange(client, server)
    finally:
        client.delete()
        server.delete()
        free_cred(rs, cc)
        free_cred(ours, sc)


def test_our_client_sspi_rs_server(ours, rs):
    st, cc = acquire(ours, S.SECPKG_CRED_OUTBOUND, S.auth_identity(USER, DOMAIN, PASSWORD))
    assert st == S.SEC_E_OK
    st, sc = acquire(rs, S.SECPKG_CRED_INBOUND, S.auth_identity(USER, DOMAIN, PASSWORD))
    assert st == S.SEC_E_OK
    client, server = Side(ours, cc, True, target="HTTP/server.test"), Side(rs, sc, False)
    try:
        assert converse(client, server, rs_server=True) == S.SEC_E_OK
        assert session_key(client) == session_key(server)
        exchange(client, server)
    finally:
        client.delete()
        server.delete()
        free_cred(ours, cc)
        free_cred(rs, sc)


def test_sspi_rs_client_with_a_wrong_password_is_refused(ours, rs):
    st, cc = acquire(rs, S.SECPKG_CRED_OUTBOUND, S.auth_identity(USER, DOMAIN, "wrong"))
    st, sc = acquire(ours, S.SECPKG_CRED_INBOUND, S.auth_identity(USER, DOMAIN, PASSWORD))
    client, server = Side(rs, cc, True, target="HTTP/server.test"), Side(ours, sc, False)
    try:
        assert converse(client, server, rs_server=False) == S.SEC_E_LOGON_DENIED
    finally:
        client.delete()
        ours.DeleteSecurityContext(byref(server.ctx))
        free_cred(rs, cc)
        free_cred(ours, sc)

