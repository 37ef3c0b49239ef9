"""Our server (sspi_server) against Python's `ssl` module (OpenSSL)."""

import os
import socket
import ssl

import pytest

VERSIONS = {
    "tls12": (ssl.TLSVersion.TLSv1_2, "TLS 1.2", "TLSv1.2"),
    "tls13": (ssl.TLSVersion.TLSv1_3, "TLS 1.3", "TLSv1.3"),
}


def context(pki, version=None, cert=None):
    ctx = ssl.create_default_context(cafile=pki["ca.pem"])
    if version:
        ctx.minimum_version = ctx.maximum_version = VERSIONS[version][0]
    if cert:
        ctx.load_cert_chain(pki[f"{cert}.pem"], pki[f"{cert}.key"])
    return ctx


def connect(ctx, port, server_hostname="localhost", session=None):
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    # suppress_ragged_eofs=False: a TCP close without close_notify raises.
    return ctx.wrap_socket(raw, server_hostname=server_hostname, session=session, suppress_ragged_eofs=False)


def recv_exactly(s, n):
    out = bytearray()
    while len(out) < n:
        chunk = s.recv(min(65536, n - len(out)))
        assert chunk, f"connection closed after {len(out)} of {n} bytes"
        out += chunk
    return bytes(out)


def echo_through(s, data):
    """Sends data and reads the echo, interleaved (64 KiB at a time)."""
    got = bytearray()
    for i in range(0, len(data), 65536):
        s.sendall(data[i:i + 65536])
        got += recv_exactly(s, len(data[i:i + 65536]))
    return bytes(got)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("cert", ["server-rsa", "server-ecdsa"])
def test_one_mebibyte_echo_and_close_notify(server, pki, version, cert):
    data = os.urandom(1 << 20)
    srv = server(cert, "--count", 1, "--limit", len(data))
    with connect(context(pki, version), srv.port) as s:
        assert s.version() == VERSIONS[version][2]
        assert echo_through(s, data) == data
        # The server closes after --limit bytes with close_notify: recv()
        # returns b"" (a bare TCP close would raise SSLEOFError here).
        assert s.recv(1) == b""
        cipher = s.cipher()[0]
    assert srv.finish() == 0, srv.proc.stderr()
    info = srv.connections()[0]
    assert info["protocol"] == VERSIONS[version][1]
    assert f"echoed: {len(data)} bytes" in srv.proc.stderr()
    if version == "tls13":
        assert info["cipher suite"].split()[0] == cipher


@pytest.mark.parametrize("version", VERSIONS)
def test_session_reused_by_python(server, pki, version):
    srv = server("server-rsa", "--count", 2)
    ctx = context(pki, version)
    with connect(ctx, srv.port) as s:
        assert echo_through(s, b"first") == b"first"  # the TLS 1.3 ticket arrives meanwhile
        session = s.session
        assert not s.session_reused
        s.unwrap()
    assert session is not None
    with connect(ctx, srv.port, session=session) as s:
        assert echo_through(s, b"second") == b"second"
        assert s.session_reused
        s.unwrap()
    assert srv.finish() == 0, srv.proc.stderr()
    assert [c["session"] for c in srv.connections()] == ["new", "resumed"]
    # unwrap() sent close_notify; the server saw it.
    assert srv.proc.stderr().count("peer sent close_notify") == 2


@pytest.mark.parametrize("version", VERSIONS)
def test_client_certificate_and_sni(server, pki, version):
    srv = server("server-ecdsa", "--count", 2, "--mutual", "--ca", pki["ca.der"])
    with connect(context(pki, version, cert="client-ecdsa"), srv.port) as s:
        assert echo_through(s, b"hello") == b"hello"
        s.unwrap()
    with connect(context(pki, version), srv.port, server_hostname="127.0.0.1") as s:
        assert echo_through(s, b"hello") == b"hello"
        s.unwrap()
    assert srv.finish() == 0, srv.proc.stderr()
    first, second = srv.connections()
    assert "CN=sspi-client-ecdsa" in first["peer certificate"] and first["sni"] == "localhost"
    # No SNI is sent for an IP address.
    assert second["peer certificate"] == "(none)" and second["sni"] == "(none)"


@pytest.mark.parametrize("version", VERSIONS)
def test_resumed_session_keeps_client_certificate_sni_and_alpn(server, pki, version):
    """What the application learns about the peer is the same on a resumed
    connection: the client certificate, the SNI, the protocol."""
    srv = server("server-rsa", "--count", 2, "--mutual", "--ca", pki["ca.der"], "--alpn", "http/1.1")
    ctx = context(pki, version, cert="client-ecdsa")
    ctx.set_alpn_protocols(["http/1.1"])
    with connect(ctx, srv.port) as s:
        assert echo_through(s, b"first") == b"first"
        session = s.session
        s.unwrap()
    with connect(ctx, srv.port, session=session) as s:
        assert echo_through(s, b"second") == b"second"
        assert s.session_reused
        s.unwrap()
    assert srv.finish() == 0, srv.proc.stderr()
    first, second = srv.connections()
    assert (first["session"], second["session"]) == ("new", "resumed")
    for key in ("peer certificate", "sni", "alpn", "mutual authentication"):
        assert first[key] == second[key], key
    assert "CN=sspi-client-ecdsa" in second["peer certificate"]
    assert second["mutual authentication"] == "yes"


def test_alpn(server, pki):
    srv = server("server-rsa", "--count", 2, "--alpn", "h2,http/1.1")
    ctx = context(pki)
    ctx.set_alpn_protocols(["http/1.1", "h2"])
    with connect(ctx, srv.port) as s:
        assert s.selected_alpn_protocol() == "h2"
        s.unwrap()
    ctx = context(pki)
    ctx.set_alpn_protocols(["spdy/3"])
    with pytest.raises(ssl.SSLError, match="NO_APPLICATION_PROTOCOL|no application protocol"):
        connect(ctx, srv.port)
    assert srv.finish() == 1
    assert [c.get("alpn") for c in srv.connections()] == ["h2", None]
    assert "error: AcceptSecurityContext: SEC_E_APPLICATION_PROTOCOL_MISMATCH (0x80090367)" in srv.proc.stderr()


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated:DeprecationWarning")
def test_tls11_client_fails_cleanly(server, pki):
    srv = server("server-rsa", "--count", 1)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises(ssl.SSLError, match="HANDSHAKE_FAILURE|handshake failure"):
        connect(ctx, srv.port)
    assert srv.finish() == 1
    assert "error: AcceptSecurityContext: SEC_E_ALGORITHM_MISMATCH (0x80090331)" in srv.proc.stderr()
