"""Our server (sspi_server) against `gnutls-cli`."""

import re
import subprocess

import pytest

from interop_support import tool

PRIORITY = {
    "tls12": ("NORMAL:-VERS-ALL:+VERS-TLS1.2", "TLS 1.2", "TLS1.2"),
    "tls13": ("NORMAL:-VERS-ALL:+VERS-TLS1.3", "TLS 1.3", "TLS1.3"),
}

GET = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"


@pytest.fixture
def gnutls_cli(pki):
    def run_cli(port, *args, input=GET, timeout=60, name="localhost"):
        cmd = [tool("gnutls-cli"), "--x509cafile", pki["ca.pem"], "-p", str(port), *map(str, args), name]
        r = subprocess.run(cmd, input=input, capture_output=True, timeout=timeout)
        r.text = r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace")
        return r

    return run_cli


@pytest.mark.parametrize("version", PRIORITY)
@pytest.mark.parametrize("cert", ["server-rsa", "server-ecdsa"])
def test_handshake_and_http(server, gnutls_cli, version, cert):
    prio, ours, theirs = PRIORITY[version]
    srv = server(cert, "--http", "--count", 1)
    c = gnutls_cli(srv.port, "--priority", prio)
    assert c.returncode == 0, c.text
    assert srv.finish() == 0, srv.proc.stderr()
    info = srv.connections()[0]
    assert info["protocol"] == ours
    assert "- Status: The certificate is trusted." in c.text
    m = re.search(r"- Description: \((TLS1\.[23])-X\.509\)-.*\(([A-Z0-9-]+)\)$", c.text, re.M)
    assert m and m.group(1) == theirs, c.text
    assert m.group(2).replace("-", "_") in info["cipher suite"]
    kind = "RSA" if cert == "server-rsa" else "ECDSA"
    assert re.search(rf"subject `CN=localhost,O={kind} server'", c.text), c.text
    assert info["sni"] == "localhost"
    assert "HTTP/1.1 200 OK" in c.text
    # Our close_notify, seen by GnuTLS.
    assert "- Peer has closed the GnuTLS connection" in c.text


@pytest.mark.parametrize("version", PRIORITY)
def test_alpn(server, gnutls_cli, version):
    srv = server("server-rsa", "--http", "--count", 1, "--alpn", "http/1.1")
    c = gnutls_cli(srv.port, "--priority", PRIORITY[version][0], "--alpn", "h2", "--alpn", "http/1.1")
    assert c.returncode == 0, c.text
    srv.finish()
    assert "- Application protocol: http/1.1" in c.text
    assert srv.connections()[0]["alpn"] == "http/1.1"


def test_alpn_no_overlap(server, gnutls_cli):
    srv = server("server-rsa", "--http", "--count", 1, "--alpn", "http/1.1")
    c = gnutls_cli(srv.port, "--alpn", "h2")
    assert c.returncode != 0
    assert srv.finish() == 1
    assert "error: AcceptSecurityContext: SEC_E_APPLICATION_PROTOCOL_MISMATCH (0x80090367)" in srv.proc.stderr()
    assert "*** Received alert [120]" in c.text, c.text


@pytest.mark.parametrize("version", PRIORITY)
def test_client_certificate(server, gnutls_cli, pki, version):
    srv = server("server-rsa", "--http", "--count", 2, "--mutual", "--ca", pki["ca.der"])
    c = gnutls_cli(srv.port, "--priority", PRIORITY[version][0], "--x509certfile", pki["client-ecdsa.pem"],
                   "--x509keyfile", pki["client-ecdsa.key"])
    assert c.returncode == 0, c.text
    c = gnutls_cli(srv.port, "--priority", PRIORITY[version][0], "--x509certfile", pki["rogue-client.pem"],
                   "--x509keyfile", pki["rogue-client.key"])
    assert c.returncode != 0
    assert srv.finish() == 1
    conns = srv.connections()
    assert "CN=sspi-client-ecdsa" in conns[0]["peer certificate"]
    assert conns[0]["mutual authentication"] == "yes"
    assert "error: AcceptSecurityContext: SEC_E_UNTRUSTED_ROOT (0x80090325)" in srv.proc.stderr()
    assert "*** Received alert [48]" in c.text, c.text


@pytest.mark.parametrize("version", PRIORITY)
def test_resumption_seen_by_gnutls(server, gnutls_cli, version):
    # Echo mode: gnutls-cli's first connection closes without a request.
    srv = server("server-ecdsa", "--count", 2)
    c = gnutls_cli(srv.port, "--priority", PRIORITY[version][0], "--resume", input=b"")
    assert c.returncode == 0, c.text
    assert "*** This is a resumed session" in c.text, c.text
    assert srv.finish() == 0, srv.proc.stderr()
    assert [c["session"] for c in srv.connections()] == ["new", "resumed"]


@pytest.mark.parametrize("version", ["TLS1.0", "TLS1.1"])
def test_old_protocol_client_fails_cleanly(server, gnutls_cli, version):
    srv = server("server-rsa", "--http", "--count", 1)
    c = gnutls_cli(srv.port, "--priority", f"NORMAL:-VERS-ALL:+VERS-{version}")
    assert c.returncode != 0
    assert srv.finish() == 1
    err = srv.proc.stderr()
    assert "error: AcceptSecurityContext: SEC_E_ALGORITHM_MISMATCH (0x80090331)" in err, err
    assert re.search(r"alert sent: fatal protocol_version \(70\)", err), err
    assert "A TLS fatal alert has been received" in c.text, c.text
