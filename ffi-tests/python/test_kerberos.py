"""The Kerberos package through ctypes, as a Python program on Windows drives it, against a real
MIT KDC made for the module in a temp dir (KRB5_CONFIG / KRB5_KDC_PROFILE there, never /etc):
the token loop with mutual authentication, both ends ours, the A and W entry points, messages in
the layouts callers use, attributes, and the errors a caller sees."""

import ctypes
import os
from ctypes import addressof, byref, create_string_buffer, string_at

import pytest

import krb5_realm
import sspi as S

REALM, USER, PASSWORD = "PY.TEST", "pyuser", "py-secret"
ISC = (S.ISC_REQ_MUTUAL_AUTH | S.ISC_REQ_CONFIDENTIALITY | S.ISC_REQ_INTEGRITY | S.ISC_REQ_REPLAY_DETECT
       | S.ISC_REQ_SEQUENCE_DETECT | S.ISC_REQ_ALLOCATE_MEMORY)
ASC = (S.ASC_REQ_CONFIDENTIALITY | S.ASC_REQ_INTEGRITY | S.ASC_REQ_REPLAY_DETECT | S.ASC_REQ_SEQUENCE_DETECT
       | S.ASC_REQ_ALLOCATE_MEMORY)

pytestmark = pytest.mark.skipif(not krb5_realm.available(),
                                reason="MIT Kerberos (krb5-kdc) is not installed: .ci/install-deps installs it")


@pytest.fixture(scope="module")
def realm(tmp_path_factory):
    d = tmp_path_factory.mktemp("krb5")
    r = krb5_realm.Realm(d, REALM, USER, PASSWORD)
    saved = {k: os.environ.get(k) for k in ("KRB5_CONFIG", "KRB5_KTNAME", "KRB5CCNAME")}
    os.environ["KRB5_CONFIG"] = str(r.krb5_conf)
    os.environ["KRB5_KTNAME"] = str(r.keytab)
    os.environ["KRB5CCNAME"] = f"FILE:{d}/no-such-ccache"
    yield d
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    r.stop()


def acquire(lib, use, identity=None, wide=True):
    cred, expiry = S.CredHandle(), S.TimeStamp()
    auth = byref(identity) if identity is not None else None
    if wide:
        st = lib.AcquireCredentialsHandleW(None, S.wstr("Kerberos"), use, None, auth, None, None, byref(cred),
                                           byref(expiry))
    else:
        st = lib.AcquireCredentialsHandleA(None, S.astr("Kerberos"), use, None, auth, None, None, byref(cred),
                                           byref(expiry))
    return st, cred


def desc(bufs):
    arr = (S.SecBuffer * len(bufs))(*[S.SecBuffer(n, t, p) for n, t, p in bufs])
    return S.SecBufferDesc(S.SECBUFFER_VERSION, len(bufs), arr), arr


class Side:
    def __init__(self, lib, cred, client, target="HTTP/localhost", wide=True):
        self.lib, self.cred, self.client, self.target, self.wide = lib, cred, client, target, wide
        self.ctx, self.attrs, self.started = S.CtxtHandle(), S.ULONG(), False

    def step(self, token):
        keep, in_desc = [], None
        if token is not None:
            tbuf = create_string_buffer(token, len(token))
            in_desc, arr = desc([(len(token), S.SECBUFFER_TOKEN, addressof(tbuf))])
            keep += [tbuf, arr]
        out_desc, out_arr = desc([(0, S.SECBUFFER_TOKEN, None)])
        prev = byref(self.ctx) if self.started else None
        expiry = S.TimeStamp()
        if self.client:
            fn, name = ((self.lib.InitializeSecurityContextW, S.wstr(self.target)) if self.wide
                        else (self.lib.InitializeSecurityContextA, S.astr(self.target)))
            st = fn(byref(self.cred), prev, name, ISC, 0, S.SECURITY_NATIVE_DREP,
                    byref(in_desc) if in_desc else None, 0, byref(self.ctx), byref(out_desc), byref(self.attrs),
                    byref(expiry))
        else:
            st = self.lib.AcceptSecurityContext(byref(self.cred), prev, byref(in_desc), ASC, S.SECURITY_NATIVE_DREP,
                                                byref(self.ctx), byref(out_desc), byref(self.attrs), byref(expiry))
        if st in (S.SEC_E_OK, S.SEC_I_CONTINUE_NEEDED):
            self.started = True
        out = out_arr[0]
        data = string_at(out.pvBuffer, out.cbBuffer) if out.pvBuffer and out.cbBuffer else b""
        if out.pvBuffer:
            assert self.lib.FreeContextBuffer(out.pvBuffer) == S.SEC_E_OK
        return st, data

    def delete(self):
        if self.started:
            assert self.lib.DeleteSecurityContext(byref(self.ctx)) == S.SEC_E_OK


@pytest.fixture
def pair(lib, realm):
    st, ccred = acquire(lib, S.SECPKG_CRED_OUTBOUND, S.auth_identity(USER, REALM, PASSWORD))
    assert st == S.SEC_E_OK, S.status_name(st)
    st, scred = acquire(lib, S.SECPKG_CRED_INBOUND)
    assert st == S.SEC_E_OK, S.status_name(st)
    client, server = Side(lib, ccred, True), Side(lib, scred, False)
    st, t1 = client.step(None)
    assert st == S.SEC_I_CONTINUE_NEEDED, S.status_name(st)
    st, t2 = server.step(t1)
    assert st == S.SEC_E_OK and t2, S.status_name(st)
    st, t3 = client.step(t2)
    assert st == S.SEC_E_OK and t3 == b"", S.status_name(st)
    yield client, server
    client.delete()
    server.delete()
    for c in (ccred, scred):
        assert lib.FreeCredentialsHandle(byref(c)) == S.SEC_E_OK


def sizes(lib, side):
    v = S.SecPkgContext_Sizes()
    assert lib.QueryContextAttributesW(byref(side.ctx), S.SECPKG_ATTR_SIZES, byref(v)) == S.SEC_E_OK
    return v


def test_package_info(lib):
    info = ctypes.POINTER(S.SecPkgInfoW)()
    assert lib.QuerySecurityPackageInfoW(S.wstr("kerberos"), byref(info)) == S.SEC_E_OK
    p = info.contents
    assert (p.fCapabilities, p.wVersion, p.wRPCID, p.cbMaxToken) == (0x008F3BBF, 1, 16, 48000)
    assert S.read_wstr(p.Name) == "Kerberos" and S.read_wstr(p.Comment) == "Microsoft Kerberos V1.0"
    assert lib.FreeContextBuffer(info) == S.SEC_E_OK


def test_mutual_authentication_and_attributes(lib, pair):
    client, server = pair
    assert client.attrs.value & S.ISC_RET_MUTUAL_AUTH
    assert server.attrs.value & S.ASC_RET_MUTUAL_AUTH
    for side in (client, server):
        n = S.SecPkgContext_NamesW()
        assert lib.QueryContextAttributesW(byref(side.ctx), S.SECPKG_ATTR_NAMES, byref(n)) == S.SEC_E_OK
        assert S.read_wstr(n.sUserName) == f"{USER}@{REALM}"
        assert lib.FreeContextBuffer(n.sUserName) == S.SEC_E_OK
    keys = []
    for side in (client, server):
        k = S.SecPkgContext_SessionKey()
        assert lib.QueryContextAttributesW(byref(side.ctx), S.SECPKG_ATTR_SESSION_KEY, byref(k)) == S.SEC_E_OK
        keys.append(string_at(k.SessionKey, k.SessionKeyLength))
        assert lib.FreeContextBuffer(k.SessionKey) == S.SEC_E_OK
    assert keys[0] == keys[1] and len(keys[0]) == 32
    z = sizes(lib, client)
    assert (z.cbMaxToken, z.cbMaxSignature, z.cbBlockSize, z.cbSecurityTrailer) == (48000, 28, 1, 60)


@pytest.mark.parametrize("qop", [0, S.SECQOP_WRAP_NO_ENCRYPT])
def test_messages_both_ways(lib, pair, qop):
    client, server = pair
    for a, b in ((client, server), (server, client)):
        msg = b"through ctypes " * 5
        data = create_string_buffer(msg, len(msg))
        tok = create_string_buffer(sizes(lib, a).cbSecurityTrailer)
        pad = create_string_buffer(16)
        d, arr = desc([(len(tok), S.SECBUFFER_TOKEN, addressof(tok)), (len(msg), S.SECBUFFER_DATA, addressof(data)),
                       (16, S.SECBUFFER_PADDING, addressof(pad))])
        assert lib.EncryptMessage(byref(a.ctx), qop, byref(d), 0) == S.SEC_E_OK
        token, body = tok.raw[:arr[0].cbBuffer], data.raw
        # The receiver as a stream: [STREAM, DATA], DATA pointing into the stream.
        blob = create_string_buffer(token + body, len(token) + len(body))
        d2, arr2 = desc([(len(token) + len(body), S.SECBUFFER_STREAM, addressof(blob)), (0, S.SECBUFFER_DATA, None)])
        got_qop = S.ULONG(0xdead)
        assert lib.DecryptMessage(byref(b.ctx), byref(d2), 0, byref(got_qop)) == S.SEC_E_OK
        assert string_at(arr2[1].pvBuffer, arr2[1].cbBuffer) == msg
        assert got_qop.value == qop
        # The same message again is a replay.
        blob2 = create_string_buffer(token + body, len(token) + len(body))
        d3, _ = desc([(len(token) + len(body), S.SECBUFFER_STREAM, addressof(blob2)), (0, S.SECBUFFER_DATA, None)])
        assert lib.DecryptMessage(byref(b.ctx), byref(d3), 0, byref(got_qop)) == S.SEC_E_OUT_OF_SEQUENCE


def test_ansi_entry_points(lib, realm):
    st, ccred = acquire(lib, S.SECPKG_CRED_OUTBOUND, S.auth_identity(f"{USER}@{REALM}", "", PASSWORD), wide=True)
    assert st == S.SEC_E_OK
    st, scred = acquire(lib, S.SECPKG_CRED_INBOUND, wide=False)
    assert st == S.SEC_E_OK
    client, server = Side(lib, ccred, True, wide=False), Side(lib, scred, False)
    st, t1 = client.step(None)
    assert st == S.SEC_I_CONTINUE_NEEDED
    st, t2 = server.step(t1)
    assert st == S.SEC_E_OK
    assert client.step(t2)[0] == S.SEC_E_OK
    client.delete()
    server.delete()
    for c in (ccred, scred):
        assert lib.FreeCredentialsHandle(byref(c)) == S.SEC_E_OK


def test_errors_a_caller_sees(lib, realm):
    st, bad = acquire(lib, S.SECPKG_CRED_OUTBOUND, S.auth_identity(USER, REALM, "wrong"))
    assert st == S.SEC_E_OK, "AcquireCredentialsHandle does not ask the KDC"
    c = Side(lib, bad, True)
    assert c.step(None)[0] == S.SEC_E_LOGON_DENIED
    st, good = acquire(lib, S.SECPKG_CRED_OUTBOUND, S.auth_identity(USER, REALM, PASSWORD))
    c = Side(lib, good, True, target="HTTP/unknown.py.test")
    assert c.step(None)[0] == S.SEC_E_TARGET_UNKNOWN
    c = Side(lib, good, True, target="justaname")
    assert c.step(None)[0] == S.SEC_E_TARGET_UNKNOWN
    # No identity and no ccache: nothing to authenticate with.
    assert acquire(lib, S.SECPKG_CRED_OUTBOUND)[0] == S.SEC_E_NO_CREDENTIALS
    # A garbage token at the acceptor.
    st, scred = acquire(lib, S.SECPKG_CRED_INBOUND)
    s = Side(lib, scred, False)
    assert s.step(b"\x60\x03\x06\x01\x00")[0] == S.SEC_E_INVALID_TOKEN
    for h in (bad, good, scred):
        assert lib.FreeCredentialsHandle(byref(h)) == S.SEC_E_OK


def test_lsa_ticket_cache_and_user_principal_after_kinit(lib, realm, monkeypatch):
    """A ccache MIT's kinit and kvno wrote: GetUserNameEx(NameUserPrincipal) names its
    principal, and the LSA's KerbQueryTicketCacheExMessage lists its TGT and service ticket as
    MIT's klist does."""
    import subprocess
    import time
    ccache = realm / "kinit-ccache"
    env = dict(os.environ, KRB5CCNAME=f"FILE:{ccache}")
    subprocess.run(["kinit", f"{USER}@{REALM}"], input=f"{PASSWORD}\n".encode(), env=env, check=True,
                   capture_output=True, timeout=60)
    subprocess.run(["kvno", "HTTP/localhost"], env=env, check=True, capture_output=True, timeout=60)
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{ccache}")
    buf, size = (S.WCHAR * 128)(), S.ULONG(128)
    assert lib.GetUserNameExW(S.NameUserPrincipal, buf, byref(size)) == 1
    assert bytes(buf)[: 2 * size.value].decode("utf-16-le") == f"{USER}@{REALM}"

    h = ctypes.c_void_p()
    assert lib.LsaConnectUntrusted(byref(h)) == S.STATUS_SUCCESS
    name, _keep = S.lsa_string(S.MICROSOFT_KERBEROS_NAME_A)
    package = S.ULONG()
    assert lib.LsaLookupAuthenticationPackage(h, byref(name), byref(package)) == S.STATUS_SUCCESS
    req = S.KERB_QUERY_TKT_CACHE_REQUEST(S.KerbQueryTicketCacheExMessage, S.LUID(0, 0))
    ret, ret_len, proto = ctypes.c_void_p(), S.ULONG(), ctypes.c_int32(-1)
    assert lib.LsaCallAuthenticationPackage(h, package, byref(req), ctypes.sizeof(req), byref(ret), byref(ret_len),
                                            byref(proto)) == S.STATUS_SUCCESS and proto.value == 0
    count = S.ULONG.from_address(ret.value + 4).value

    class Response(ctypes.Structure):
        _fields_ = [("MessageType", S.ULONG), ("CountOfTickets", S.ULONG),
                    ("Tickets", S.KERB_TICKET_CACHE_INFO_EX * count)]
    r = Response.from_address(ret.value)
    text = S.read_unicode_string
    tickets = {text(t.ServerName): t for t in r.Tickets}
    assert set(tickets) == {f"krbtgt/{REALM}", "HTTP/localhost"}, tickets
    now = (int(time.time()) + 11644473600) * 10_000_000
    for t in tickets.values():
        assert (text(t.ClientName), text(t.ClientRealm), text(t.ServerRealm)) == (USER, REALM, REALM)
        assert t.EncryptionType == 18 and t.StartTime <= now + 600 * 10_000_000 and t.EndTime > now
    assert tickets[f"krbtgt/{REALM}"].TicketFlags & 0x00400000  # initial
    assert lib.LsaFreeReturnBuffer(ret) == S.STATUS_SUCCESS
    assert lib.LsaDeregisterLogonProcess(h) == S.STATUS_SUCCESS
