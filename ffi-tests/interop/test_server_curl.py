"""Our server (sspi_server --http) fetched from by `curl` (libcurl on OpenSSL)."""

import re
import subprocess

import pytest

from interop_support import tool

VERSIONS = {
    "tls12": (["--tlsv1.2", "--tls-max", "1.2"], "TLS 1.2", "TLSv1.2"),
    "tls13": (["--tlsv1.3"], "TLS 1.3", "TLSv1.3"),
}


@pytest.fixture
def curl(pki, tmp_path):
    def run_curl(port, *args, paths=("/",), timeout=60):
        urls = [f"https://localhost:{port}{p}" for p in paths]
        cmd = [tool("curl"), "-sS", "-v", "--max-time", "30", "--cacert", pki["ca.pem"], "--capath", str(tmp_path),
               "--resolve", f"localhost:{port}:127.0.0.1", *map(str, args), *urls]
        r = subprocess.run(cmd, capture_output=True, timeout=timeout)
        r.out = r.stdout.decode(errors="replace")
        r.err = r.stderr.decode(errors="replace")
        return r

    return run_curl


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("cert", ["server-rsa", "server-ecdsa"])
def test_get_with_alpn_http11(server, curl, version, cert):
    flags, ours, theirs = VERSIONS[version]
    srv = server(cert, "--http", "--count", 1, "--alpn", "http/1.1")
    r = curl(srv.port, *flags)
    assert r.returncode == 0, r.err
    assert srv.finish() == 0, srv.proc.stderr()
    info = srv.connections()[0]
    suite = info["cipher suite"].split()[0]
    assert f"* SSL connection using {theirs} / " in r.err
    if version == "tls13":
        assert f"* SSL connection using TLSv1.3 / {suite}" in r.err
    # curl offered h2 and http/1.1; the server speaks only HTTP/1.1.
    assert "* ALPN: offers h2,http/1.1" in r.err
    assert "* ALPN: server accepted http/1.1" in r.err
    assert info["alpn"] == "http/1.1" and info["sni"] == "localhost"
    assert "*  SSL certificate verify ok." in r.err
    assert r.out == (
        f"Hello from sspi_server\nprotocol: {ours}\ncipher suite: {suite}\nalpn: http/1.1\nsni: localhost\n"
    )
    # curl closes as soon as Content-Length bytes arrived (whether it reads
    # our close_notify first is a race), so only our side is checked here.
    assert "close_notify sent" in srv.proc.stderr()
    assert re.search(r"\(OUT\), TLS alert, close notify", r.err), r.err


def test_session_reused_by_curl(server, curl):
    srv = server("server-ecdsa", "--http", "--count", 2, "--alpn", "http/1.1")
    r = curl(srv.port, paths=("/first", "/second"))
    assert r.returncode == 0, r.err
    assert srv.finish() == 0
    assert "* SSL re-using session ID" in r.err
    assert [c["session"] for c in srv.connections()] == ["new", "resumed"]
    assert re.findall(r"request: GET (\S+)", srv.proc.stderr()) == ["/first", "/second"]


@pytest.mark.parametrize("version", VERSIONS)
def test_client_certificate(server, curl, pki, version):
    srv = server("server-rsa", "--http", "--count", 1, "--mutual", "--ca", pki["ca.der"])
    r = curl(srv.port, *VERSIONS[version][0], "--cert", pki["client-rsa.pem"], "--key", pki["client-rsa.key"])
    assert r.returncode == 0, r.err
    assert srv.finish() == 0
    assert "CN=sspi-client-rsa" in srv.connections()[0]["peer certificate"]


def test_alpn_no_overlap(server, curl):
    srv = server("server-rsa", "--http", "--count", 1, "--alpn", "sspi-test/1")
    r = curl(srv.port)
    assert r.returncode == 35, r.err  # CURLE_SSL_CONNECT_ERROR
    assert "no application protocol" in r.err, r.err
    assert srv.finish() == 1
    assert "error: AcceptSecurityContext: SEC_E_APPLICATION_PROTOCOL_MISMATCH (0x80090367)" in srv.proc.stderr()


def test_old_protocol_client_fails_cleanly(server, curl):
    srv = server("server-rsa", "--http", "--count", 1)
    r = curl(srv.port, "--tlsv1.0", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0")
    assert r.returncode == 35, r.err
    assert srv.finish() == 1
    assert "error: AcceptSecurityContext: SEC_E_ALGORITHM_MISMATCH (0x80090331)" in srv.proc.stderr()
    assert "alert protocol version" in r.err, r.err
