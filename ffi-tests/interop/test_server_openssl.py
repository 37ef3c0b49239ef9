"""Our server (sspi_server, an SSPI program) against `openssl s_client`.

The server runs with --count N and exits by itself after N connections, so
its per-connection report is complete when the test reads it.
"""

import random
import re
import subprocess

import pytest

from interop_support import tool

VERSIONS = {
    "tls12": ("-tls1_2", "TLS 1.2", "TLSv1.2"),
    "tls13": ("-tls1_3", "TLS 1.3", "TLSv1.3"),
}

GET = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"


class SClient:
    def __init__(self, r):
        self.returncode = r.returncode
        self.stdout = r.stdout
        self.text = r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace")

    def __repr__(self):
        return f"<s_client {self.returncode}>\n{self.text}"

    def field(self, name):
        m = re.search(rf"^\s*{name}\s*: (.*)$", self.text, re.M)
        return m.group(1).strip() if m else None


@pytest.fixture
def s_client(pki):
    def run_s_client(port, *args, input=GET, timeout=60, servername="localhost"):
        cmd = [tool("openssl"), "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", pki["ca.pem"],
               "-verify_return_error", "-ign_eof"]
        if servername:
            cmd += ["-servername", servername]
        r = subprocess.run(cmd + [str(a) for a in args], input=input, capture_output=True, timeout=timeout)
        return SClient(r)

    return run_s_client


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("cert", ["server-rsa", "server-ecdsa"])
def test_handshake_and_http(server, s_client, iana_names, version, cert):
    flag, ours, theirs = VERSIONS[version]
    srv = server(cert, "--http", "--count", 1)
    c = s_client(srv.port, flag)
    assert c.returncode == 0, c
    assert srv.finish() == 0, srv.proc.stderr()
    info = srv.connections()[0]
    assert "Verify return code: 0 (ok)" in c.text
    assert c.field("Protocol") == theirs and info["protocol"] == ours
    assert iana_names[c.field("Cipher")] == info["cipher suite"].split()[0]
    # The certificate the server sent, seen by s_client.
    kind = "RSA" if cert == "server-rsa" else "ECDSA"
    assert re.search(rf"subject=O = {kind} server, CN = localhost", c.text), c.text
    assert info["sni"] == "localhost"
    assert info["peer certificate"] == "(none)"
    # The application's answer came through EncryptMessage; then close_notify.
    assert "HTTP/1.1 200 OK" in c.text and f"protocol: {ours}" in c.text
    assert re.search(r"^closed$", c.text, re.M), c.text


@pytest.mark.parametrize("version", VERSIONS)
def test_alpn(server, s_client, version):
    srv = server("server-rsa", "--http", "--count", 1, "--alpn", "http/1.1")
    c = s_client(srv.port, VERSIONS[version][0], "-alpn", "h2,http/1.1")
    assert c.returncode == 0, c
    srv.finish()
    assert "ALPN protocol: http/1.1" in c.text
    assert srv.connections()[0]["alpn"] == "http/1.1"


def test_alpn_server_preference(server, s_client):
    """The server's order decides, as with Schannel."""
    srv = server("server-rsa", "--count", 1, "--alpn", "h2,http/1.1")
    c = s_client(srv.port, "-alpn", "http/1.1,h2", input=b"")
    srv.proc.wait_for(r"alpn: h2")
    assert "ALPN protocol: h2" in c.text


@pytest.mark.parametrize("version", VERSIONS)
def test_alpn_no_overlap(server, s_client, version):
    srv = server("server-rsa", "--http", "--count", 1, "--alpn", "http/1.1")
    c = s_client(srv.port, VERSIONS[version][0], "-alpn", "h2")
    assert c.returncode != 0
    assert srv.finish() == 1
    assert "error: AcceptSecurityContext: SEC_E_APPLICATION_PROTOCOL_MISMATCH (0x80090367)" in srv.proc.stderr()
    # In TLS 1.3 the ServerHello is out when ALPN is decided: the alert is encrypted.
    sent = "fatal no_application_protocol (120)" if version == "tls12" else "encrypted record of 24 bytes"
    assert f"alert sent: {sent}" in srv.proc.stderr()
    assert "SSL alert number 120" in c.text, c.text


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("client_cert", ["client-ecdsa", "client-rsa"])
@pytest.mark.parametrize("roots", ["hRootStore", "system store"])
def test_client_certificate_verified(server, s_client, pki, version, client_cert, roots):
    ca = ["--ca", pki["ca.der"]] if roots == "hRootStore" else []
    srv = server("server-rsa", "--http", "--count", 1, "--mutual", *ca)
    c = s_client(srv.port, VERSIONS[version][0], "-cert", pki[f"{client_cert}.pem"], "-key", pki[f"{client_cert}.key"])
    assert c.returncode == 0, c
    assert srv.finish() == 0, srv.proc.stderr()
    info = srv.connections()[0]
    assert f"CN=sspi-{client_cert}" in info["peer certificate"]
    assert info["mutual authentication"] == "yes"
    # The server's CertificateRequest named the trusted CA.
    assert "Acceptable client certificate CA names\nO = sspi-rustls interop, CN = Interop Test CA" in c.text, c.text


@pytest.mark.parametrize("version", VERSIONS)
def test_client_certificate_untrusted(server, s_client, pki, version):
    srv = server("server-rsa", "--http", "--count", 1, "--mutual", "--ca", pki["ca.der"])
    c = s_client(srv.port, VERSIONS[version][0], "-cert", pki["rogue-client.pem"], "-key", pki["rogue-client.key"])
    assert srv.finish() == 1
    assert "error: AcceptSecurityContext: SEC_E_UNTRUSTED_ROOT (0x80090325)" in srv.proc.stderr()
    assert "SSL alert number 48" in c.text, c.text
    assert "HTTP/1.1 200 OK" not in c.text


@pytest.mark.parametrize("version", VERSIONS)
def test_client_certificate_requested_none_sent(server, s_client, version):
    srv = server("server-rsa", "--http", "--count", 1, "--mutual")
    c = s_client(srv.port, VERSIONS[version][0])
    assert c.returncode == 0, c
    assert srv.finish() == 0
    info = srv.connections()[0]
    assert info["peer certificate"] == "(none)"
    assert info["mutual authentication"] == "no"
    assert "HTTP/1.1 200 OK" in c.text


@pytest.mark.parametrize(
    "version,extra",
    [("tls12", ["-no_ticket"]), ("tls12", []), ("tls13", [])],
    ids=["tls12-session-id", "tls12-ticket", "tls13-ticket"],
)
def test_resumption_seen_by_openssl(server, s_client, tmp_path, version, extra):
    srv = server("server-ecdsa", "--http", "--count", 2)
    sess = tmp_path / "session.pem"
    first = s_client(srv.port, VERSIONS[version][0], *extra, "-sess_out", sess)
    assert first.returncode == 0, first
    assert re.search(rf"^New, {VERSIONS[version][2]}", first.text, re.M), first.text
    second = s_client(srv.port, VERSIONS[version][0], *extra, "-sess_in", sess)
    assert second.returncode == 0, second
    assert re.search(rf"^Reused, {VERSIONS[version][2]}", second.text, re.M), second.text
    assert srv.finish() == 0
    assert [c["session"] for c in srv.connections()] == ["new", "resumed"]


def test_sni_reaches_the_application(server, s_client):
    srv = server("server-rsa", "--count", 3)
    s_client(srv.port, input=b"", servername="localhost")
    s_client(srv.port, input=b"", servername="www.example.test")
    s_client(srv.port, "-noservername", input=b"", servername=None)
    srv.finish()
    assert [c["sni"] for c in srv.connections()] == ["localhost", "www.example.test", "(none)"]


@pytest.mark.parametrize("version", VERSIONS)
def test_keying_material_equals_openssl(server, s_client, version):
    srv = server("server-rsa", "--http", "--count", 1, "--keying", "EXPERIMENTAL-server-side:40")
    c = s_client(srv.port, VERSIONS[version][0], "-keymatexport", "EXPERIMENTAL-server-side", "-keymatexportlen", 40)
    assert c.returncode == 0, c
    srv.finish()
    theirs = re.search(r"Keying material: ([0-9A-F]+)", c.text).group(1).lower()
    assert srv.connections()[0]["keying material"] == theirs


@pytest.mark.parametrize("cert", ["server-rsa", "server-sha384"])
def test_endpoint_bindings_of_our_certificate(server, s_client, pki, cert):
    srv = server(cert, "--http", "--count", 1, "--bindings")
    c = s_client(srv.port)
    assert c.returncode == 0, c
    srv.finish()
    assert srv.connections()[0]["endpoint bindings"] == "tls-server-end-point:" + pki.end_point_hash(f"{cert}.pem")


def digits(n, seed):
    rnd = random.Random(seed)
    return bytes(rnd.choice(b"0123456789") for _ in range(n))


@pytest.mark.parametrize("version", VERSIONS)
def test_one_mebibyte_echoed(server, s_client, version):
    data = digits(1 << 20, 3)
    srv = server("server-rsa", "--count", 1, "--limit", len(data))
    c = s_client(srv.port, VERSIONS[version][0], "-quiet", "-nocommands", input=data, timeout=120)
    assert srv.finish(60) == 0, srv.proc.stderr()
    assert f"echoed: {len(data)} bytes" in srv.proc.stderr()
    assert c.stdout == data


@pytest.mark.parametrize("flag", ["-tls1", "-tls1_1"])
def test_old_protocol_client_fails_cleanly(server, s_client, flag):
    srv = server("server-rsa", "--http", "--count", 1)
    c = s_client(srv.port, flag, "-cipher", "DEFAULT:@SECLEVEL=0")
    assert c.returncode != 0
    assert srv.finish() == 1
    err = srv.proc.stderr()
    assert "error: AcceptSecurityContext: SEC_E_ALGORITHM_MISMATCH (0x80090331)" in err, err
    # A ClientHello offering nothing above TLS 1.1 is refused with
    # protocol_version (RFC 8446 appendix D), and s_client reports it.
    assert "alert sent: fatal protocol_version (70)" in err
    assert "SSL alert number 70" in c.text, c.text


def test_server_protocol_mask(server, s_client):
    """A server credential limited to TLS 1.2 (SCH_CREDENTIALS and SCHANNEL_CRED)."""
    for extra in ([], ["--schannel-cred"]):
        srv = server("server-rsa", "--http", "--count", 2, "--protocols", "tls12", *extra)
        c = s_client(srv.port)
        assert c.field("Protocol") == "TLSv1.2", c
        c = s_client(srv.port, "-tls1_3")
        assert c.returncode != 0
        assert srv.finish() == 1
        assert "SSL alert number 70" in c.text, c.text
