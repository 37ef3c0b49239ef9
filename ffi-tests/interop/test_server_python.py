"""Python's `ssl` module (OpenSSL) as the peer: mostly of our server, and of
our client where memory BIOs let a test shape what arrives in one segment."""

import os
import re
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
    with pytest.raises(ssl.SSLError, match="PROTOCOL_VERSION|protocol version"):
        connect(ctx, srv.port)
    assert srv.finish() == 1
    assert "error: AcceptSecurityContext: SEC_E_ALGORITHM_MISMATCH (0x80090331)" in srv.proc.stderr()


def test_data_in_the_same_segment_as_the_client_finished(server, pki):
    """TLS 1.3: the client's Finished and its first application data reach
    AcceptSecurityContext in one read; the data comes back as SECBUFFER_EXTRA
    and goes to DecryptMessage."""
    srv = server("server-ecdsa", "--count", 1, "--limit", 5, "--trace")
    ctx = context(pki, "tls13")
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with socket.create_connection(("127.0.0.1", srv.port), timeout=30) as sock:
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                sock.sendall(outgoing.read())
                data = sock.recv(65536)
                assert data, "server closed during the handshake"
                incoming.write(data)
        tls.write(b"hello")
        flight = outgoing.read()  # Finished, then the application data record
        assert len(flight) > 60
        sock.sendall(flight)
        got = b""
        while len(got) < 5:
            try:
                got += tls.read(5 - len(got))
            except ssl.SSLWantReadError:
                data = sock.recv(65536)
                assert data
                incoming.write(data)
        assert got == b"hello"
    assert srv.finish() == 0, srv.proc.stderr()
    err = srv.proc.stderr()
    # One read carried both: after the handshake, the record was decrypted
    # from what the token loop left over, before any further read.
    after = err.split("handshake: complete\n", 1)[1]
    first_decrypt = after.index("trace: DecryptMessage(")
    assert "trace: recv" not in after[:first_decrypt], err
    assert re.match(r"trace: DecryptMessage\(\d+ bytes\) = SEC_E_OK, data 5", after[first_decrypt:]), err


def test_data_in_the_same_segment_as_the_server_finished(procs, programs, client_env, pki):
    """TLS 1.2, a server that talks first: its Finished and its first record
    reach InitializeSecurityContextW in one read; the record comes back as
    SECBUFFER_EXTRA and goes to DecryptMessage. (The server here is Python's
    ssl module over memory BIOs, so both leave in one segment.)"""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki["server-rsa.pem"], pki["server-rsa.key"])
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(30)
        port = listener.getsockname()[1]
        cli = procs([programs["sspi_client"], "--trace", "--stdin", "--expect", 6, "localhost", port],
                    name="sspi_client", env=client_env)
        sock, _ = listener.accept()
        with sock:
            sock.settimeout(30)
            incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
            tls = ctx.wrap_bio(incoming, outgoing, server_side=True)
            while True:
                try:
                    tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    sock.sendall(outgoing.read())
                    data = sock.recv(65536)
                    assert data, "client closed during the handshake"
                    incoming.write(data)
            tls.write(b"hello\n")
            sock.sendall(outgoing.read())  # ChangeCipherSpec, Finished, then the data record
            assert cli.wait(30) == 0, cli.text()
    assert cli.stdout() == b"hello\n"
    after = cli.stderr().split("handshake: complete\n", 1)[1]
    first_decrypt = after.index("trace: DecryptMessage(")
    assert "trace: recv" not in after[:first_decrypt], cli.stderr()
    assert re.match(r"trace: DecryptMessage\(\d+ bytes\) = SEC_E_OK, data 6", after[first_decrypt:]), cli.stderr()
