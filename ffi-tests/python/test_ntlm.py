"""The NTLM package through ctypes, as a Python program on Windows drives it: both ends
ours, the token loop with caller and allocated buffers, the A and W entry points, the three
identity structs, the user file, messages, attributes and the errors a caller sees."""

import ctypes
import os
from ctypes import addressof, byref, create_string_buffer, string_at

import pytest

import sspi as S
from ntlm_helpers import (
    ASC_FLAGS, ISC_FLAGS, Side, acquire, converse, desc, free_cred, identity_a, identity_exw, seal, sign, unseal,
    verify,
)

USER, DOMAIN, PASSWORD = "alice", "EXAMPLE", "s3cret-Ünïcode"
# MS-NLMP 4.2.1: the NT hash of "Password" (NTOWFv1 = MD4(UNICODE("Password"))).
PASSWORD_NT_HASH = "a4f49c406510bdcab6824ee7c30fd852"


@pytest.fixture
def user_file(tmp_path, monkeypatch):
    """An NTLM_USER_FILE with our user (gss-ntlmssp format) and a WinPR SAM line."""
    f = tmp_path / "users"
    f.write_text(f"# test users\n{DOMAIN}:{USER}:{PASSWORD}\n\nbob:CORP::{PASSWORD_NT_HASH}:::\n")
    monkeypatch.setenv("NTLM_USER_FILE", str(f))
    return f


@pytest.fixture
def pair(lib, user_file):
    """An established client/server pair (client identity W, server from the user file)."""
    ident = S.auth_identity(USER, DOMAIN, PASSWORD)
    st, ccred = acquire(lib, S.SECPKG_CRED_OUTBOUND, ident)
    assert st == S.SEC_E_OK
    st, scred = acquire(lib, S.SECPKG_CRED_INBOUND)
    assert st == S.SEC_E_OK
    client, server = Side(lib, ccred, True), Side(lib, scred, False)
    assert converse(client, server) == S.SEC_E_OK
    yield client, server
    client.delete()
    server.delete()
    free_cred(lib, ccred)
    free_cred(lib, scred)


def query(lib, side, attribute, struct):
    v = struct()
    st = lib.QueryContextAttributesW(byref(side.ctx), attribute, byref(v))
    assert st == S.SEC_E_OK, S.status_name(st)
    return v


def test_package_info(lib):
    info = ctypes.POINTER(S.SecPkgInfoW)()
    assert lib.QuerySecurityPackageInfoW(S.wstr("NTLM"), byref(info)) == S.SEC_E_OK
    p = info.contents
    assert (p.fCapabilities, p.wVersion, p.wRPCID, p.cbMaxToken) == (0x00082B37, 1, 10, 2888)
    assert S.read_wstr(p.Name) == "NTLM" and S.read_wstr(p.Comment) == "NTLM Security Package"
    assert lib.FreeContextBuffer(info) == S.SEC_E_OK
    n, pkgs = S.ULONG(), ctypes.POINTER(S.SecPkgInfoW)()
    assert lib.EnumerateSecurityPackagesW(byref(n), byref(pkgs)) == S.SEC_E_OK
    names = [S.read_wstr(pkgs[i].Name) for i in range(n.value)]
    assert "NTLM" in names
    assert lib.FreeContextBuffer(pkgs) == S.SEC_E_OK


def test_conversation_attributes(lib, pair):
    client, server = pair
    for side, ret in ((client, ISC_FLAGS), (server, ASC_FLAGS)):
        assert side.attrs.value & ret == ret, hex(side.attrs.value)
        sizes = query(lib, side, S.SECPKG_ATTR_SIZES, S.SecPkgContext_Sizes)
        assert (sizes.cbMaxToken, sizes.cbMaxSignature, sizes.cbBlockSize, sizes.cbSecurityTrailer) == \
            (2888, 16, 0, 16)
        names = query(lib, side, S.SECPKG_ATTR_NAMES, S.SecPkgContext_NamesW)
        assert S.read_wstr(names.sUserName).upper() == f"{DOMAIN}\\{USER}".upper()
        assert lib.FreeContextBuffer(names.sUserName) == S.SEC_E_OK
        flags = query(lib, side, S.SECPKG_ATTR_FLAGS, S.SecPkgContext_Flags)
        assert flags.Flags == side.attrs.value
    keys = []
    for side in (client, server):
        k = query(lib, side, S.SECPKG_ATTR_SESSION_KEY, S.SecPkgContext_SessionKey)
        keys.append(string_at(k.SessionKey, k.SessionKeyLength))
        assert lib.FreeContextBuffer(k.SessionKey) == S.SEC_E_OK
    assert len(keys[0]) == 16 and keys[0] == keys[1] and keys[0] != bytes(16)
    native = query(lib, client, S.SECPKG_ATTR_NATIVE_NAMES, S.SecPkgContext_NativeNamesW)
    assert S.read_wstr(native.sServerName) == client.target
    lib.FreeContextBuffer(native.sClientName)
    lib.FreeContextBuffer(native.sServerName)
    info = query(lib, server, S.SECPKG_ATTR_PACKAGE_INFO, S.SecPkgContext_PackageInfoW)
    assert S.read_wstr(info.PackageInfo.contents.Name) == "NTLM"
    assert lib.FreeContextBuffer(info.PackageInfo) == S.SEC_E_OK
    # A Schannel-only attribute on an NTLM context.
    v = S.SecPkgContext_StreamSizes()
    assert lib.QueryContextAttributesW(byref(client.ctx), S.SECPKG_ATTR_STREAM_SIZES, byref(v)) == \
        S.SEC_E_UNSUPPORTED_FUNCTION


def test_signatures_both_ways(lib, pair):
    client, server = pair
    for a, b in ((client, server), (server, client)):
        for i in range(3):
            msg = f"message {i} from {'client' if a.client else 'server'}".encode()
            sig = sign(lib, a, msg)
            assert len(sig) == 16 and sig[:4] == b"\x01\0\0\0"
            assert verify(lib, b, msg, sig) == S.SEC_E_OK
    # Changed message, changed signature, replay, reorder; none of them disturbs the context.
    msg = b"the real one"
    sig = sign(lib, client, msg)
    assert verify(lib, server, b"the fake one", sig) == S.SEC_E_MESSAGE_ALTERED
    assert verify(lib, server, msg, sig[:4] + bytes([sig[4] ^ 1]) + sig[5:]) == S.SEC_E_MESSAGE_ALTERED
    assert verify(lib, server, msg, sig) == S.SEC_E_OK
    assert verify(lib, server, msg, sig) == S.SEC_E_OUT_OF_SEQUENCE
    first, second = sign(lib, client, b"1"), sign(lib, client, b"2")
    assert verify(lib, server, b"2", second) == S.SEC_E_OUT_OF_SEQUENCE
    assert verify(lib, server, b"1", first) == S.SEC_E_OK
    assert verify(lib, server, b"2", second) == S.SEC_E_OK


def test_sealing_both_ways(lib, pair):
    client, server = pair
    for a, b in ((client, server), (server, client), (client, server)):
        for size in (0, 1, 64, 16384):
            msg = os.urandom(size)
            sig, ct = seal(lib, a, msg)
            assert len(ct) == size and (size < 16 or ct != msg)
            st, pt, qop = unseal(lib, b, sig, ct)
            assert st == S.SEC_E_OK, S.status_name(st)
            assert pt == msg and qop == 0
    # A flipped ciphertext bit is refused and the context goes on.
    sig, ct = seal(lib, client, b"sealed text")
    st, _, _ = unseal(lib, server, sig, bytes([ct[0] ^ 0x80]) + ct[1:])
    assert st == S.SEC_E_MESSAGE_ALTERED
    st, pt, _ = unseal(lib, server, sig, ct)
    assert (st, pt) == (S.SEC_E_OK, b"sealed text")


def test_sign_only_wrap_and_stream_unwrap(lib, pair):
    client, server = pair
    sig, ct = seal(lib, client, b"visible", qop=S.SECQOP_WRAP_NO_ENCRYPT)
    assert ct == b"visible"
    st, pt, qop = unseal(lib, server, sig, ct)
    assert (st, pt, qop) == (S.SEC_E_OK, b"visible", S.SECQOP_WRAP_NO_ENCRYPT)
    # [STREAM, DATA]: one blob (signature then ciphertext), DATA pointed at the plaintext in it.
    sig, ct = seal(lib, server, b"one blob for sspilib")
    blob = create_string_buffer(sig + ct, len(sig) + len(ct))
    d, arr = desc([(len(sig) + len(ct), S.SECBUFFER_STREAM, addressof(blob)), (0, S.SECBUFFER_DATA, None)])
    qop = S.ULONG()
    assert lib.DecryptMessage(byref(client.ctx), byref(d), 0, byref(qop)) == S.SEC_E_OK
    assert arr[1].pvBuffer == addressof(blob) + 16
    assert string_at(arr[1].pvBuffer, arr[1].cbBuffer) == b"one blob for sspilib"
    assert lib.EncryptMessage(byref(client.ctx), 0x12345, byref(d), 0) == S.SEC_E_QOP_NOT_SUPPORTED


@pytest.mark.parametrize("style", ["W", "A", "EXW", "backslash", "upn", "caller-buffers"])
def test_identity_styles(lib, user_file, style):
    wide, allocate = True, True
    if style == "W":
        ident = S.auth_identity(USER, DOMAIN, PASSWORD)
    elif style == "A":
        ident, wide = identity_a(USER, DOMAIN, PASSWORD), False
    elif style == "EXW":
        ident = identity_exw(USER, DOMAIN, PASSWORD, package_list="NTLM")
    elif style == "backslash":
        ident = S.auth_identity(f"{DOMAIN}\\{USER}", "", PASSWORD)
    elif style == "upn":
        ident = S.auth_identity(f"{USER}@{DOMAIN}", "", PASSWORD)
    else:
        ident, allocate = S.auth_identity(USER, DOMAIN, PASSWORD), False
    st, ccred = acquire(lib, S.SECPKG_CRED_OUTBOUND, ident, wide=wide)
    assert st == S.SEC_E_OK, S.status_name(st)
    if style == "W":
        S.wipe_identity(ident)  # the credential keeps its own copy (its NT hash)
    st, scred = acquire(lib, S.SECPKG_CRED_INBOUND)
    assert st == S.SEC_E_OK
    client = Side(lib, ccred, True, wide=wide, allocate=allocate)
    server = Side(lib, scred, False, allocate=allocate)
    try:
        assert converse(client, server) == S.SEC_E_OK
        sig = sign(lib, client, b"hello")
        assert verify(lib, server, b"hello", sig) == S.SEC_E_OK
    finally:
        client.delete()
        server.delete()
        free_cred(lib, ccred)
        free_cred(lib, scred)


def test_sam_file_entry_and_server_identity(lib, user_file, monkeypatch):
    # bob is in the file as a WinPR SAM line holding the NT hash of "Password".
    st, ccred = acquire(lib, S.SECPKG_CRED_OUTBOUND, S.auth_identity("bob", "CORP", "Password"))
    assert st == S.SEC_E_OK
    st, scred = acquire(lib, S.SECPKG_CRED_INBOUND)
    client, server = Side(lib, ccred, True), Side(lib, scred, False)
    assert converse(client, server) == S.SEC_E_OK
    client.delete(), server.delete()
    free_cred(lib, scred)
    # An acceptor given an identity accepts that user only, without a file.
    monkeypatch.delenv("NTLM_USER_FILE")
    st, scred = acquire(lib, S.SECPKG_CRED_INBOUND, S.auth_identity("bob", "CORP", "Password"))
    assert st == S.SEC_E_OK
    client, server = Side(lib, ccred, True), Side(lib, scred, False)
    assert converse(client, server) == S.SEC_E_OK
    client.delete(), server.delete()
    st, other = acquire(lib, S.SECPKG_CRED_OUTBOUND, S.auth_identity(USER, DOMAIN, PASSWORD))
    client, server = Side(lib, other, True), Side(lib, scred, False)
    assert converse(client, server) == S.SEC_E_LOGON_DENIED
    client.delete(), server.delete()
    for c in (ccred, scred, other):
        free_cred(lib, c)


@pytest.mark.parametrize("who", ["wrong password", "unknown user"])
def test_logon_denied(lib, user_file, who):
    ident = S.auth_identity(USER, DOMAIN, "wrong") if who == "wrong password" else \
        S.auth_identity("mallory", DOMAIN, PASSWORD)
    st, ccred = acquire(lib, S.SECPKG_CRED_OUTBOUND, ident)
    st, scred = acquire(lib, S.SECPKG_CRED_INBOUND)
    client, server = Side(lib, ccred, True), Side(lib, scred, False)
    assert converse(client, server) == S.SEC_E_LOGON_DENIED
    # The failed context is dead: another step is refused with a defined code, never a crash.
    st, _ = server.step(b"NTLMSSP\0\x03\0\0\0" + bytes(80))
    assert st < 0
    client.delete()
    lib.DeleteSecurityContext(byref(server.ctx))
    free_cred(lib, ccred)
    free_cred(lib, scred)


def channel_bindings(app_data):
    """A SEC_CHANNEL_BINDINGS header followed by its application data (tls-server-end-point...)."""
    hdr = S.SEC_CHANNEL_BINDINGS(0, 0, 0, 0, 0, 0, len(app_data), ctypes.sizeof(S.SEC_CHANNEL_BINDINGS))
    return bytes(hdr) + app_data


@pytest.mark.parametrize("case", ["same", "different", "client none"])
def test_channel_bindings(lib, user_file, case):
    ident = S.auth_identity(USER, DOMAIN, PASSWORD)
    st, ccred = acquire(lib, S.SECPKG_CRED_OUTBOUND, ident)
    st, scred = acquire(lib, S.SECPKG_CRED_INBOUND)
    server_cb = channel_bindings(b"tls-server-end-point:" + bytes(range(32)))
    client_cb = {"same": server_cb, "different": channel_bindings(b"tls-server-end-point:" + bytes(32)),
                 "client none": None}[case]
    client = Side(lib, ccred, True, bindings=client_cb)
    server = Side(lib, scred, False, bindings=server_cb)
    want = S.SEC_E_OK if case == "same" else S.SEC_E_BAD_BINDINGS
    assert converse(client, server) == want
    client.delete()
    lib.DeleteSecurityContext(byref(server.ctx))
    free_cred(lib, ccred)
    free_cred(lib, scred)


def test_no_default_credential_without_a_user_file(lib, monkeypatch):
    monkeypatch.delenv("NTLM_USER_FILE", raising=False)
    st, _ = acquire(lib, S.SECPKG_CRED_OUTBOUND)
    assert st == S.SEC_E_NO_CREDENTIALS


def test_default_credential_from_the_user_file(lib, user_file):
    st, ccred = acquire(lib, S.SECPKG_CRED_OUTBOUND)
    assert st == S.SEC_E_OK
    st, scred = acquire(lib, S.SECPKG_CRED_INBOUND)
    client, server = Side(lib, ccred, True), Side(lib, scred, False)
    assert converse(client, server) == S.SEC_E_OK
    names = query(lib, server, S.SECPKG_ATTR_NAMES, S.SecPkgContext_NamesW)
    assert S.read_wstr(names.sUserName).upper() == f"{DOMAIN}\\{USER}".upper()
    lib.FreeContextBuffer(names.sUserName)
    client.delete(), server.delete()
    free_cred(lib, ccred)
    free_cred(lib, scred)


def test_package_list_must_name_ntlm(lib):
    st, _ = acquire(lib, S.SECPKG_CRED_OUTBOUND, identity_exw(USER, DOMAIN, PASSWORD, package_list="Kerberos"))
    assert st == S.SEC_E_NO_CREDENTIALS


def test_bad_input_on_an_ntlm_context(lib, pair):
    client, server = pair
    # NULL descriptor, a descriptor claiming more buffers than it has, no TOKEN buffer.
    qop = S.ULONG()
    assert lib.MakeSignature(byref(client.ctx), 0, None, 0) == S.SEC_E_INVALID_TOKEN
    assert lib.DecryptMessage(byref(client.ctx), None, 0, byref(qop)) == S.SEC_E_INVALID_TOKEN
    data = create_string_buffer(b"x" * 8)
    d, _ = desc([(8, S.SECBUFFER_DATA, addressof(data))])
    assert lib.MakeSignature(byref(client.ctx), 0, byref(d), 0) == S.SEC_E_INVALID_TOKEN
    short = create_string_buffer(8)
    d, _ = desc([(8, S.SECBUFFER_DATA, addressof(data)), (8, S.SECBUFFER_TOKEN, addressof(short))])
    assert lib.MakeSignature(byref(client.ctx), 0, byref(d), 0) in (S.SEC_E_BUFFER_TOO_SMALL, S.SEC_E_INVALID_TOKEN)
    # A third leg on an established context; a deleted context.
    st, _ = server.step(b"NTLMSSP\0\x03\0\0\0" + bytes(80))
    assert st == S.SEC_E_OUT_OF_SEQUENCE
    sig = sign(lib, client, b"still fine")
    assert verify(lib, server, b"still fine", sig) == S.SEC_E_OK
    stale = S.CtxtHandle(client.ctx.dwLower, client.ctx.dwUpper)
    client.delete()
    sig_space = create_string_buffer(16)
    d, _ = desc([(8, S.SECBUFFER_DATA, addressof(data)), (16, S.SECBUFFER_TOKEN, addressof(sig_space))])
    assert lib.MakeSignature(byref(stale), 0, byref(d), 0) == S.SEC_E_INVALID_HANDLE
