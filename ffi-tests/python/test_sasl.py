"""The SASL wrappers through ctypes, as a Python program on Windows calls them: the profile
functions, the GSSAPI exchange with its security-layer blocks against a real MIT KDC made for
the module (both ends ours), DIGEST-MD5 with each qop (both ends ours), the options, and the
documented errors."""

import ctypes
import os
from ctypes import byref, string_at

import pytest

import krb5_realm
import ntlm_helpers as H
import sspi as S

REALM, USER, PASSWORD = "SASL.PY", "sasluser", "sasl-secret"


def identity_w(user, domain, password):
    bufs = [S.wstr(x) for x in (user, domain, password)]
    ident = S.SEC_WINNT_AUTH_IDENTITY_W(
        ctypes.cast(bufs[0], S.PWCHAR), len(bufs[0]) - 1, ctypes.cast(bufs[1], S.PWCHAR), len(bufs[1]) - 1,
        ctypes.cast(bufs[2], S.PWCHAR), len(bufs[2]) - 1, S.SEC_WINNT_AUTH_IDENTITY_UNICODE)
    ident._keep = bufs
    return ident


def test_profiles(lib):
    lst, n = S.PWCHAR(), S.ULONG()
    assert lib.SaslEnumerateProfilesW(byref(lst), byref(n)) == S.SEC_E_OK
    raw = string_at(lst, 2 * 30).decode("utf-16-le")
    assert n.value == 3 and raw == "GSSAPI\0GSS-SPNEGO\0DIGEST-MD5\0\0"
    assert lib.FreeContextBuffer(lst) == S.SEC_E_OK
    alst = S.PCHAR()
    assert lib.SaslEnumerateProfilesA(byref(alst), byref(n)) == S.SEC_E_OK
    assert string_at(alst, 30) == b"GSSAPI\0GSS-SPNEGO\0DIGEST-MD5\0\0"
    assert lib.FreeContextBuffer(alst) == S.SEC_E_OK
    for profile, package in (("GSSAPI", "Kerberos"), ("GSS-SPNEGO", "Negotiate"), ("DIGEST-MD5", "WDigest")):
        info = ctypes.POINTER(S.SecPkgInfoW)()
        assert lib.SaslGetProfilePackageW(S.wstr(profile), byref(info)) == S.SEC_E_OK
        assert S.read_wstr(info.contents.Name) == package
        assert lib.FreeContextBuffer(info) == S.SEC_E_OK
    info = ctypes.POINTER(S.SecPkgInfoA)()
    assert lib.SaslGetProfilePackageA(S.astr("PLAIN"), byref(info)) == S.SEC_E_SECPKG_NOT_FOUND
    assert not info
    assert lib.SaslEnumerateProfilesA(None, byref(n)) == S.SEC_E_INVALID_PARAMETER


class Sasl(H.Side):
    """A side through the SASL wrappers (flags given per side)."""

    def __init__(self, lib, cred, client, flags, target="HTTP/localhost"):
        super().__init__(lib, cred, client, target=target)
        self.flags = flags

    def step(self, token):
        out_desc, out_arr = H.desc([(0, S.SECBUFFER_TOKEN, None)])
        keep = []
        in_desc = None
        if token is not None:
            tbuf = ctypes.create_string_buffer(token, max(len(token), 1))
            keep.append(tbuf)
            in_desc, arr = H.desc([(len(token), S.SECBUFFER_TOKEN, ctypes.addressof(tbuf))])
            keep.append(arr)
        prev = byref(self.ctx) if self.started else None
        expiry = S.TimeStamp()
        if self.client:
            st = self.lib.SaslInitializeSecurityContextW(
                byref(self.cred), prev, S.wstr(self.target), self.flags | S.ISC_REQ_ALLOCATE_MEMORY, 0, 0,
                byref(in_desc) if in_desc else None, 0, byref(self.ctx), byref(out_desc), byref(self.attrs),
                byref(expiry))
        else:
            st = self.lib.SaslAcceptSecurityContext(
                byref(self.cred), prev, byref(in_desc) if in_desc else None, self.flags | S.ASC_REQ_ALLOCATE_MEMORY,
                0, byref(self.ctx), byref(out_desc), byref(self.attrs), byref(expiry))
        if st in (S.SEC_E_OK, S.SEC_I_CONTINUE_NEEDED):
            self.started = True
        out = out_arr[0]
        data = string_at(out.pvBuffer, out.cbBuffer) if out.pvBuffer and out.cbBuffer else b""
        if out.pvBuffer:
            assert self.lib.FreeContextBuffer(out.pvBuffer) == S.SEC_E_OK
        return st, data


def option(lib, side, opt):
    v, needed = S.ULONG(), S.ULONG()
    assert lib.SaslGetContextOption(byref(side.ctx), opt, byref(v), 4, byref(needed)) == S.SEC_E_OK
    return v.value


@pytest.mark.skipif(not krb5_realm.available(), reason="MIT Kerberos (krb5-kdc) is not installed")
@pytest.mark.parametrize("isc_extra, layer_plain", [(S.ISC_REQ_CONFIDENTIALITY, False), (0, True)])
def test_gssapi_exchange(lib, tmp_path, isc_extra, layer_plain):
    r = krb5_realm.Realm(tmp_path, REALM, USER, PASSWORD)
    saved = {k: os.environ.get(k) for k in ("KRB5_CONFIG", "KRB5_KTNAME", "KRB5CCNAME")}
    os.environ.update(KRB5_CONFIG=str(r.krb5_conf), KRB5_KTNAME=str(r.keytab), KRB5CCNAME=f"FILE:{tmp_path}/none")
    try:
        st, cc = H.acquire(lib, S.SECPKG_CRED_OUTBOUND, identity_w(USER, REALM, PASSWORD), package="Kerberos")
        assert st == S.SEC_E_OK
        st, sc = H.acquire(lib, S.SECPKG_CRED_INBOUND, None, package="Kerberos")
        assert st == S.SEC_E_OK
        isc = S.ISC_REQ_MUTUAL_AUTH | S.ISC_REQ_INTEGRITY | isc_extra
        asc = S.ASC_REQ_INTEGRITY | S.ASC_REQ_CONFIDENTIALITY
        c, s = Sasl(lib, cc, True, isc), Sasl(lib, sc, False, asc)
        try:
            st, t = c.step(None)
            assert st == S.SEC_I_CONTINUE_NEEDED
            legs = [t]
            done = {"c": False, "s": False}
            for i in range(6):
                side, key = (s, "s") if i % 2 == 0 else (c, "c")
                st, t = side.step(t)
                assert st in (S.SEC_E_OK, S.SEC_I_CONTINUE_NEEDED), S.status_name(st)
                done[key] = st == S.SEC_E_OK
                legs.append(t)
                if done["c"] and done["s"]:
                    break
            assert done["c"] and done["s"]
            assert [len(x) > 0 for x in legs] == [True, True, False, True, True, False], [len(x) for x in legs]
            assert option(lib, s, S.SASL_OPTION_SEND_SIZE) == 0x10000
            # The layer shows in EncryptMessage: integrity leaves the data in the clear.
            data = b"after the SASL exchange"
            tok = ctypes.create_string_buffer(80)
            buf = ctypes.create_string_buffer(data, len(data))
            pad = ctypes.create_string_buffer(16)
            d, arr = H.desc([(80, S.SECBUFFER_TOKEN, ctypes.addressof(tok)),
                             (len(data), S.SECBUFFER_DATA, ctypes.addressof(buf)),
                             (16, S.SECBUFFER_PADDING, ctypes.addressof(pad))])
            assert lib.EncryptMessage(byref(c.ctx), 0, byref(d), 0) == S.SEC_E_OK
            assert (buf.raw == data) == layer_plain
            # Options on a context the wrappers did not make: SEC_E_INVALID_HANDLE.
            plain = H.Side(lib, cc, True, target="HTTP/localhost")
            plain.step(None)
            v = S.ULONG(1)
            assert lib.SaslSetContextOption(byref(plain.ctx), S.SASL_OPTION_RECV_SIZE, byref(v), 4) == S.SEC_E_INVALID_HANDLE
            plain.delete()
        finally:
            c.delete()
            s.delete()
            H.free_cred(lib, cc)
            H.free_cred(lib, sc)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        r.stop()


@pytest.mark.parametrize("isc, qop", [(S.ISC_REQ_MUTUAL_AUTH, "auth"), (S.ISC_REQ_INTEGRITY, "auth-int"),
                                      (S.ISC_REQ_CONFIDENTIALITY | S.ISC_REQ_INTEGRITY, "auth-conf")])
def test_digest_md5_exchange(lib, isc, qop):
    """The DIGEST-MD5 profile (WDigest in SASL mode, RFC 2831), both ends ours: the client has no
    initial response, the server's first call makes the challenge, then the response, rspauth,
    and the chosen qop's layer on EncryptMessage; a wrong password refused."""
    st, cc = H.acquire(lib, S.SECPKG_CRED_OUTBOUND, identity_w("alice", "localhost", "s3cret"), package="WDigest")
    assert st == S.SEC_E_OK
    st, sc = H.acquire(lib, S.SECPKG_CRED_INBOUND, identity_w("alice", "localhost", "s3cret"), package="WDigest")
    assert st == S.SEC_E_OK
    st, bad = H.acquire(lib, S.SECPKG_CRED_OUTBOUND, identity_w("alice", "localhost", "wrong"), package="WDigest")
    assert st == S.SEC_E_OK
    try:
        for cred, want in ((cc, S.SEC_E_OK), (bad, S.SEC_E_LOGON_DENIED)):
            c, s = Sasl(lib, cred, True, isc, target="ldap/localhost"), Sasl(lib, sc, False, 0)
            try:
                assert c.step(None) == (S.SEC_I_CONTINUE_NEEDED, b"")
                st, challenge = s.step(None)
                assert st == S.SEC_I_CONTINUE_NEEDED and b"algorithm=md5-sess" in challenge, challenge
                st, response = c.step(challenge)
                assert st == S.SEC_I_CONTINUE_NEEDED and f"qop={qop}".encode() in response, response
                st, rspauth = s.step(response)
                assert st == want, S.status_name(st)
                if want != S.SEC_E_OK:
                    continue
                assert rspauth.startswith(b"rspauth=")
                assert c.step(rspauth) == (S.SEC_E_OK, b"")
                data = b"through DIGEST-MD5"
                tok = ctypes.create_string_buffer(64)
                buf = ctypes.create_string_buffer(data, len(data))
                d, arr = H.desc([(64, S.SECBUFFER_TOKEN, ctypes.addressof(tok)),
                                 (len(data), S.SECBUFFER_DATA, ctypes.addressof(buf))])
                st = lib.EncryptMessage(byref(c.ctx), 0, byref(d), 0)
                if qop == "auth":
                    assert st == S.SEC_E_UNSUPPORTED_FUNCTION  # no security layer
                    continue
                assert st == S.SEC_E_OK
                assert (buf.raw[:arr[1].cbBuffer] == data) == (qop == "auth-int")
                sig, ct = tok.raw[:arr[0].cbBuffer], buf.raw[:arr[1].cbBuffer]
                assert H.unseal(lib, s, sig, ct)[:2] == (S.SEC_E_OK, data)
            finally:
                c.delete()
                s.delete()
    finally:
        for cred in (cc, sc, bad):
            H.free_cred(lib, cred)
