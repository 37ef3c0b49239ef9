"""The Negotiate package through ctypes, as a Python program on Windows drives it: NTLM inside
SPNEGO (no realm for the target), both ends ours, the A and W entry points, caller and allocated
buffers, PackageList, the attributes a caller reads to learn what was chosen, messages; and
Kerberos inside SPNEGO against a real MIT KDC made for the module."""

import ctypes
import os
from ctypes import byref

import pytest

import krb5_realm
import ntlm_helpers as H
import sspi as S

USER, DOMAIN, PASSWORD = "alice", "EXAMPLE", "s3cret"
SPNEGO_OID = b"\x06\x06\x2b\x06\x01\x05\x05\x02"


def identity_w(user, domain, password):
    bufs = [S.wstr(x) for x in (user, domain, password)]
    ident = S.SEC_WINNT_AUTH_IDENTITY_W(
        ctypes.cast(bufs[0], S.PWCHAR), len(bufs[0]) - 1, ctypes.cast(bufs[1], S.PWCHAR), len(bufs[1]) - 1,
        ctypes.cast(bufs[2], S.PWCHAR), len(bufs[2]) - 1, S.SEC_WINNT_AUTH_IDENTITY_UNICODE)
    ident._keep = bufs
    return ident


def creds(lib, client_identity, server_identity=None, wide=True):
    st, c = H.acquire(lib, S.SECPKG_CRED_OUTBOUND, client_identity, wide=wide, package="Negotiate")
    assert st == S.SEC_E_OK, S.status_name(st)
    st, s = H.acquire(lib, S.SECPKG_CRED_INBOUND, server_identity or identity_w(USER, DOMAIN, PASSWORD),
                      package="Negotiate")
    assert st == S.SEC_E_OK, S.status_name(st)
    return c, s


def run_loop(client, server):
    """The loop until both ends say SEC_E_OK; returns the tokens sent."""
    st, token = client.step(None)
    assert st == S.SEC_I_CONTINUE_NEEDED, S.status_name(st)
    legs = [token]
    done_c = done_s = False
    while not (done_c and done_s):
        st, token = server.step(token)
        assert st in (S.SEC_E_OK, S.SEC_I_CONTINUE_NEEDED), S.status_name(st)
        done_s = st == S.SEC_E_OK
        legs.append(token)
        if not token:
            break
        st, token = client.step(token)
        assert st in (S.SEC_E_OK, S.SEC_I_CONTINUE_NEEDED), S.status_name(st)
        done_c = st == S.SEC_E_OK
        if token:
            legs.append(token)
        elif not done_s:
            break
    assert done_c and done_s
    return legs


def negotiation_info(lib, side):
    info = S.SecPkgContext_NegotiationInfoW()
    assert lib.QueryContextAttributesW(byref(side.ctx), S.SECPKG_ATTR_NEGOTIATION_INFO, byref(info)) == S.SEC_E_OK
    name = S.read_wstr(info.PackageInfo.contents.Name)
    assert lib.FreeContextBuffer(info.PackageInfo) == S.SEC_E_OK
    return name, info.NegotiationState


def exchange(lib, a, b):
    for i in range(3):
        msg = b"negotiated message %d " % i * (i * 50 + 1)
        sig, ct = H.seal(lib, a, msg)
        st, pt, _ = H.unseal(lib, b, sig, ct)
        assert (st, pt) == (S.SEC_E_OK, msg)
        sig = H.sign(lib, b, msg)
        assert H.verify(lib, a, msg, sig) == S.SEC_E_OK
    sig = H.sign(lib, a, b"genuine")
    assert H.verify(lib, b, b"forged", sig) == S.SEC_E_MESSAGE_ALTERED
    assert H.verify(lib, b, b"genuine", sig) == S.SEC_E_OK


@pytest.mark.parametrize("wide", [True, False])
@pytest.mark.parametrize("allocate", [True, False])
def test_ntlm_inside_spnego(lib, wide, allocate):
    ident = identity_w(USER, DOMAIN, PASSWORD) if wide else H.identity_a(USER, DOMAIN, PASSWORD)
    cc, sc = creds(lib, ident, wide=wide)
    c = H.Side(lib, cc, True, target="localhost", allocate=allocate, wide=wide)
    s = H.Side(lib, sc, False, allocate=allocate)
    try:
        legs = run_loop(c, s)
        assert len(legs) == 4, [len(x) for x in legs]
        assert legs[0][:1] == b"\x60" and SPNEGO_OID in legs[0][:16], "a framed NegTokenInit"
        assert b"NTLMSSP\0\x01" in legs[0] and b"NTLMSSP\0\x03" in legs[2]
        assert negotiation_info(lib, c) == ("NTLM", S.SECPKG_NEGOTIATION_COMPLETE)
        assert negotiation_info(lib, s) == ("NTLM", S.SECPKG_NEGOTIATION_COMPLETE)
        exchange(lib, c, s)
        exchange(lib, s, c)
    finally:
        c.delete()
        s.delete()
        H.free_cred(lib, cc)
        H.free_cred(lib, sc)


def test_package_list_and_errors(lib):
    # "!Kerberos" with an SPN target: still NTLM.
    cc, sc = creds(lib, H.identity_exw(USER, DOMAIN, PASSWORD, "!Kerberos"))
    c = H.Side(lib, cc, True, target="HTTP/server.example.test")
    s = H.Side(lib, sc, False)
    try:
        run_loop(c, s)
        assert negotiation_info(lib, c)[0] == "NTLM"
    finally:
        c.delete()
        s.delete()
        H.free_cred(lib, cc)
        H.free_cred(lib, sc)
    # A PackageList that leaves nothing.
    st, _ = H.acquire(lib, S.SECPKG_CRED_OUTBOUND, H.identity_exw(USER, DOMAIN, PASSWORD, "!Kerberos,!NTLM"),
                      package="Negotiate")
    assert st == S.SEC_E_NO_CREDENTIALS, S.status_name(st)
    # The wrong password: the acceptor refuses the AUTHENTICATE, the initiator learns nothing more.
    cc, sc = creds(lib, identity_w(USER, DOMAIN, "wrong"))
    c = H.Side(lib, cc, True, target="localhost")
    s = H.Side(lib, sc, False)
    try:
        st, t1 = c.step(None)
        st, t2 = s.step(t1)
        st, t3 = c.step(t2)
        assert st == S.SEC_I_CONTINUE_NEEDED
        st, _ = s.step(t3)
        assert st == S.SEC_E_LOGON_DENIED, S.status_name(st)
        # Garbage to a new acceptor.
        s2 = H.Side(lib, sc, False)
        assert s2.step(b"\x60\x03\x06\x01\x00")[0] == S.SEC_E_INVALID_TOKEN
    finally:
        c.delete()
        s.delete()
        H.free_cred(lib, cc)
        H.free_cred(lib, sc)


@pytest.mark.skipif(not krb5_realm.available(), reason="MIT Kerberos (krb5-kdc) is not installed")
def test_kerberos_inside_spnego(lib, tmp_path):
    r = krb5_realm.Realm(tmp_path, "PY.TEST", "pyuser", "py-secret")
    saved = {k: os.environ.get(k) for k in ("KRB5_CONFIG", "KRB5_KTNAME", "KRB5CCNAME")}
    os.environ.update(KRB5_CONFIG=str(r.krb5_conf), KRB5_KTNAME=str(r.keytab), KRB5CCNAME=f"FILE:{tmp_path}/none")
    try:
        st, cc = H.acquire(lib, S.SECPKG_CRED_OUTBOUND, identity_w("pyuser", "PY.TEST", "py-secret"),
                           package="Negotiate")
        assert st == S.SEC_E_OK, S.status_name(st)
        st, sc = H.acquire(lib, S.SECPKG_CRED_INBOUND, None, package="Negotiate")
        assert st == S.SEC_E_OK, S.status_name(st)
        c = H.Side(lib, cc, True, target="HTTP/localhost")
        s = H.Side(lib, sc, False)
        try:
            legs = run_loop(c, s)
            assert negotiation_info(lib, c) == ("Kerberos", S.SECPKG_NEGOTIATION_COMPLETE)
            assert negotiation_info(lib, s)[0] == "Kerberos"
            assert b"\x2a\x86\x48\x82\xf7\x12\x01\x02\x02" in legs[0], "Microsoft's Kerberos OID offered"
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
