"""CredSSP (MS-CSSP) with our CREDSSP package against pyspnego's CredSSP (PyPI, its own TLS
through Python's ssl and its own NTLM), both directions, in this process: the tokens are TLS
records, passed as they come. Our server's certificate is a PFX made by openssl here and
imported by our PFXImportCertStore; pyspnego's server makes its own. Checked: the delegated
password arrives (our SECPKG_ATTR_CREDS, pyspnego's client_credential), messages go both ways
over the TLS channel afterwards, and a wrong password is refused both ways (ours reports
SEC_E_LOGON_DENIED from pyspnego's errorCode)."""

import ctypes
import sys
from ctypes import byref, string_at

import pytest

from interop_support import REPO, make_pfx

sys.path.insert(0, str(REPO / "ffi-tests" / "python"))

import sspi as S  # noqa: E402
from ntlm_helpers import Side, acquire, free_cred, identity_exw  # noqa: E402

spnego = pytest.importorskip("spnego")

USER, DOMAIN, PASSWORD = "alice", "EXAMPLE", "s3cret"


@pytest.fixture(scope="module")
def lib(lib_dir):
    return S.load(lib_dir / "libsecur32.so")


@pytest.fixture
def user_file(tmp_path, monkeypatch):
    f = tmp_path / "ntlm-users"
    f.write_text(f"{DOMAIN}:{USER}:{PASSWORD}\n")
    monkeypatch.setenv("NTLM_USER_FILE", str(f))
    # No Kerberos anywhere: both Negotiates use NTLM.
    monkeypatch.setenv("KRB5_CONFIG", str(tmp_path / "no-krb5.conf"))
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{tmp_path}/no-ccache")
    return f


def our_client(lib, password=PASSWORD):
    ident = identity_exw(USER, DOMAIN, password)
    cred_struct = S.CREDSSP_CRED(S.CredsspPasswordCreds, None, ctypes.cast(byref(ident), ctypes.c_void_p))
    st, cred = acquire(lib, S.SECPKG_CRED_OUTBOUND, cred_struct, package="CREDSSP")
    assert st == S.SEC_E_OK, S.status_name(st)
    side = Side(lib, cred, client=True, target="TERMSRV/localhost")
    side._keep = (ident, cred_struct)
    return side


def our_server(lib, tmp_path):
    blob = S.data_blob(make_pfx(tmp_path).read_bytes())
    store = lib.PFXImportCertStore(byref(blob), S.wstr(""), 0)
    assert store, hex(lib.GetLastError())
    leaf = lib.CertEnumCertificatesInStore(store, None)
    assert leaf
    certs = (S.PCCERT_CONTEXT * 1)(leaf)
    sc = S.SCHANNEL_CRED()
    sc.dwVersion = S.SCHANNEL_CRED_VERSION
    sc.cCreds = 1
    sc.paCred = certs
    cred_struct = S.CREDSSP_CRED(S.CredsspSchannelCreds, ctypes.cast(byref(sc), ctypes.c_void_p), None)
    st, cred = acquire(lib, S.SECPKG_CRED_INBOUND, cred_struct, package="CREDSSP")
    assert st == S.SEC_E_OK, S.status_name(st)
    side = Side(lib, cred, client=False)
    side._keep = (blob, certs, sc, cred_struct, store, leaf)
    return side


def stream_seal(lib, side, data):
    sz = S.SecPkgContext_StreamSizes()
    assert lib.QueryContextAttributesW(byref(side.ctx), S.SECPKG_ATTR_STREAM_SIZES, byref(sz)) == S.SEC_E_OK
    buf = ctypes.create_string_buffer(sz.cbHeader + len(data) + sz.cbTrailer)
    ctypes.memmove(ctypes.addressof(buf) + sz.cbHeader, data, len(data))
    a = ctypes.addressof(buf)
    bufs = (S.SecBuffer * 4)((sz.cbHeader, S.SECBUFFER_STREAM_HEADER, a), (len(data), S.SECBUFFER_DATA, a + sz.cbHeader),
                             (sz.cbTrailer, S.SECBUFFER_STREAM_TRAILER, a + sz.cbHeader + len(data)),
                             (0, S.SECBUFFER_EMPTY, None))
    d = S.SecBufferDesc(S.SECBUFFER_VERSION, 4, bufs)
    assert lib.EncryptMessage(byref(side.ctx), 0, byref(d), 0) == S.SEC_E_OK
    return string_at(a, bufs[0].cbBuffer + bufs[1].cbBuffer + bufs[2].cbBuffer)


def stream_open(lib, side, records):
    buf = ctypes.create_string_buffer(records, len(records))
    bufs = (S.SecBuffer * 4)((len(records), S.SECBUFFER_DATA, ctypes.addressof(buf)), (0, S.SECBUFFER_EMPTY, None),
                             (0, S.SECBUFFER_EMPTY, None), (0, S.SECBUFFER_EMPTY, None))
    d = S.SecBufferDesc(S.SECBUFFER_VERSION, 4, bufs)
    qop = S.ULONG()
    assert lib.DecryptMessage(byref(side.ctx), byref(d), 0, byref(qop)) == S.SEC_E_OK
    data = [b for b in bufs if b.BufferType == S.SECBUFFER_DATA]
    return string_at(data[0].pvBuffer, data[0].cbBuffer)


def delegated(lib, side):
    cc = S.SecPkgContext_ClientCreds()
    st = lib.QueryContextAttributesW(byref(side.ctx), S.SECPKG_ATTR_CREDS, byref(cc))
    assert st == S.SEC_E_OK, S.status_name(st)
    der = string_at(cc.AuthBuffer, cc.AuthBufferLen)
    assert lib.FreeContextBuffer(cc.AuthBuffer) == S.SEC_E_OK
    from spnego._credssp_structures import TSCredentials
    return TSCredentials.unpack(der).credentials


def test_pyspnego_client_our_server(lib, user_file, tmp_path):
    peer = spnego.client(f"{DOMAIN}\\{USER}", PASSWORD, hostname="localhost", protocol="credssp")
    ours = our_server(lib, tmp_path)
    try:
        token = peer.step()
        for _ in range(12):
            st, out = ours.step(token)
            assert st in (S.SEC_E_OK, S.SEC_I_CONTINUE_NEEDED), S.status_name(st)
            if st == S.SEC_E_OK:
                break
            token = peer.step(out)
        assert st == S.SEC_E_OK and out == b"" and peer.complete
        creds = delegated(lib, ours)
        assert (creds.domain_name, creds.username, creds.password) == (DOMAIN, USER, PASSWORD)
        assert peer.get_extra_info("protocol_version") >= 5
        # After the exchange, messages over the TLS channel both ways.
        assert stream_open(lib, ours, peer.wrap(b"from pyspnego").data) == b"from pyspnego"
        assert peer.unwrap(stream_seal(lib, ours, b"from us")).data == b"from us"
    finally:
        ours.delete()
        free_cred(lib, ours.cred)


def test_our_client_pyspnego_server(lib, user_file):
    peer = spnego.server(hostname="localhost", protocol="credssp")
    ours = our_client(lib)
    try:
        st, token = ours.step(None)
        for _ in range(12):
            assert st in (S.SEC_E_OK, S.SEC_I_CONTINUE_NEEDED), S.status_name(st)
            answer = peer.step(token)
            if st == S.SEC_E_OK:
                break
            st, token = ours.step(answer)
        assert st == S.SEC_E_OK and peer.complete
        cred = peer.get_extra_info("client_credential")
        assert (cred.domain_name, cred.username, cred.password) == (DOMAIN, USER, PASSWORD)
        assert peer.client_principal.upper() == f"{DOMAIN}\\{USER}".upper()
        assert stream_open(lib, ours, peer.wrap(b"from pyspnego").data) == b"from pyspnego"
        assert peer.unwrap(stream_seal(lib, ours, b"from us")).data == b"from us"
    finally:
        ours.delete()
        free_cred(lib, ours.cred)


def test_wrong_passwords_both_ways(lib, user_file, tmp_path):
    # pyspnego's client with a wrong password: our server refuses it, and tells it so.
    peer = spnego.client(f"{DOMAIN}\\{USER}", "wrong", hostname="localhost", protocol="credssp")
    ours = our_server(lib, tmp_path)
    try:
        token = peer.step()
        st = S.SEC_I_CONTINUE_NEEDED
        with pytest.raises(spnego.exceptions.SpnegoError):
            for _ in range(12):
                st, out = ours.step(token)
                if st not in (S.SEC_E_OK, S.SEC_I_CONTINUE_NEEDED):
                    peer.step(out)  # our errorCode TSRequest
                    break
                token = peer.step(out)
        assert st == S.SEC_E_LOGON_DENIED, S.status_name(st)
    finally:
        ours.delete()
        free_cred(lib, ours.cred)
    # Our client with a wrong password: pyspnego's server answers errorCode, which we report.
    peer = spnego.server(hostname="localhost", protocol="credssp")
    ours = our_client(lib, password="wrong")
    try:
        st, token = ours.step(None)
        for _ in range(12):
            if st != S.SEC_I_CONTINUE_NEEDED:
                break
            try:
                answer = peer.step(token)
            except spnego.exceptions.SpnegoError:
                break
            st, token = ours.step(answer)
        assert st == S.SEC_E_LOGON_DENIED, S.status_name(st)
    finally:
        ours.delete()
        free_cred(lib, ours.cred)
