"""Our client (sspi_client) against `gnutls-serv`.

gnutls-serv has no option to bind to one address: it listens on every
interface of the test machine, on a random port, for the length of a test.
Our client connects to it over loopback only.
"""

import re

import pytest

from interop_support import PASSWORD, free_port, tool

PRIORITY = {
    "tls12": ("NORMAL:-VERS-ALL:+VERS-TLS1.2", "TLS 1.2", "TLS1.2"),
    "tls13": ("NORMAL:-VERS-ALL:+VERS-TLS1.3", "TLS 1.3", "TLS1.3"),
}


@pytest.fixture
def gnutls_serv(procs, pki):
    def start(cert="server-rsa", *args, mode="--echo"):
        port = free_port()
        p = procs(
            # stdbuf: gnutls-serv's stdout is block-buffered into a file otherwise.
            [tool("stdbuf"), "-oL", "-eL", tool("gnutls-serv"), "--x509certfile", pki[f"{cert}-fullchain.pem"], "--x509keyfile", pki[f"{cert}.key"],
             "-p", str(port), mode, *args],
            name=f"gnutls-serv-{cert}",
        )
        p.wait_for(r"Server listening on IPv4")
        p.wait_listening(port)
        p.port = port
        return p

    return start


def gnutls_cipher(log):
    """The bulk cipher gnutls-serv reports ("AES-256-GCM"), IANA-spelled."""
    m = re.search(r"^- Cipher: (\S+)$", log, re.M)
    assert m, log
    return m.group(1).replace("-", "_")


@pytest.mark.parametrize("version", PRIORITY)
@pytest.mark.parametrize("cert", ["server-rsa", "server-ecdsa"])
def test_handshake_and_echo(client, gnutls_serv, version, cert):
    prio, ours, theirs = PRIORITY[version]
    srv = gnutls_serv(cert, "--priority", prio, "--disable-client-cert")
    r = client("--stdin", "--expect", 6, "localhost", srv.port, input=b"hello\n")
    assert r.returncode == 0, r
    assert r.stdout == b"hello\n"
    info = r.info
    assert info["protocol"] == ours
    log = srv.wait_for(r"\*\*\* Processing 6 bytes command: hello") and srv.text()
    assert f"- Version: {theirs}" in log
    suite = info["cipher suite"].split()[0]
    assert gnutls_cipher(log) in suite, (suite, log)
    kind = "RSA" if cert == "server-rsa" else "ECDSA"
    assert f"O={kind} server" in info["peer certificate"]
    assert "- Given server name[1]: localhost" in log


def test_http_get(client, gnutls_serv):
    srv = gnutls_serv("server-ecdsa", "--disable-client-cert", mode="--http")
    r = client("--get", "/", "localhost", srv.port)
    assert r.returncode == 0, r
    page = r.stdout.decode()
    assert page.startswith("HTTP/1.0 200 OK"), page[:200]
    assert "<TITLE>GnuTLS</TITLE>" in page or "GnuTLS" in page


@pytest.mark.parametrize("version", PRIORITY)
def test_alpn(client, gnutls_serv, version):
    srv = gnutls_serv("server-rsa", "--priority", PRIORITY[version][0], "--alpn", "http/1.1", "--disable-client-cert")
    r = client("--alpn", "h2,http/1.1", "--stdin", "--expect", 3, "localhost", srv.port, input=b"hi\n")
    assert r.returncode == 0, r
    assert r.info["alpn"] == "http/1.1"
    srv.wait_for(r"- Application protocol: http/1.1")


def test_alpn_no_overlap_fatal(client, gnutls_serv):
    srv = gnutls_serv("server-rsa", "--alpn", "http/1.1", "--alpn-fatal", "--disable-client-cert")
    r = client("--alpn", "h2", "localhost", srv.port)
    assert r.returncode == 1
    assert r.error() == ("InitializeSecurityContextW", "SEC_E_APPLICATION_PROTOCOL_MISMATCH"), r
    srv.wait_for(r"Error in handshake: No common application protocol could be negotiated")


@pytest.mark.parametrize("version", PRIORITY)
@pytest.mark.parametrize("client_cert", ["client-ecdsa", "client-rsa"])
def test_client_certificate_verified_by_gnutls(client, gnutls_serv, pki, version, client_cert):
    srv = gnutls_serv(
        "server-rsa", "--priority", PRIORITY[version][0], "--require-client-cert", "--verify-client-cert",
        "--x509cafile", pki["ca.pem"],
    )
    r = client("--cert", pki[f"{client_cert}.pfx"], "--password", PASSWORD, "--stdin", "--expect", 3,
               "localhost", srv.port, input=b"hi\n")
    assert r.returncode == 0, r
    srv.wait_for(rf"Subject: CN=sspi-{client_cert},O=Interop clients")
    assert "- Status: The certificate is trusted." in srv.text()


def test_client_certificate_requested_none_sent(client, gnutls_serv):
    srv = gnutls_serv("server-rsa")  # gnutls-serv asks for one by default
    r = client("--stdin", "--expect", 3, "localhost", srv.port, input=b"hi\n")
    assert r.returncode == 0, r
    assert "client certificate requested: none sent" in r.stderr


@pytest.mark.parametrize("version", PRIORITY)
def test_client_certificate_required_none_sent(client, gnutls_serv, pki, version):
    srv = gnutls_serv(
        "server-rsa", "--priority", PRIORITY[version][0], "--require-client-cert", "--x509cafile", pki["ca.pem"]
    )
    r = client("--stdin", "--expect", 3, "localhost", srv.port, input=b"hi\n")
    assert r.returncode == 1
    if version == "tls12":
        # GnuTLS answers an empty Certificate in TLS 1.2 with decode_error.
        assert r.error() == ("InitializeSecurityContextW", "SEC_E_ILLEGAL_MESSAGE"), r
        srv.wait_for(r"Error in handshake: No certificate was found")
    else:
        # TLS 1.3: our side of the handshake is complete when the server
        # rejects the empty Certificate; its alert comes as a record.
        assert r.info["handshake"] == "complete"
        assert r.error() == ("DecryptMessage", "SEC_E_CERT_UNKNOWN"), r
        srv.wait_for(r"Error in handshake: Certificate is required")


VALIDATION_FAILURES = [
    ("self-signed", "localhost", "SEC_E_UNTRUSTED_ROOT", "48"),
    ("self-signed-ca", "localhost", "SEC_E_UNTRUSTED_ROOT", "48"),
    ("expired", "localhost", "SEC_E_CERT_EXPIRED", "45"),
    ("other-name", "localhost", "SEC_E_WRONG_PRINCIPAL", "42"),
]


@pytest.mark.parametrize("version", PRIORITY)
@pytest.mark.parametrize("cert,name,status,alert", VALIDATION_FAILURES)
def test_validation_failure(client, gnutls_serv, version, cert, name, status, alert):
    srv = gnutls_serv(cert, "--priority", PRIORITY[version][0], "--disable-client-cert")
    r = client("--name", name, "localhost", srv.port)
    assert r.returncode == 1
    assert r.error() == ("InitializeSecurityContextW", status), r
    srv.wait_for(rf"\* Received alert '{alert}'")


@pytest.mark.parametrize("version", PRIORITY)
def test_resumption_seen_by_gnutls(client, gnutls_serv, version):
    srv = gnutls_serv("server-rsa", "--priority", PRIORITY[version][0], "--disable-client-cert")
    r = client("--stdin", "--expect", 3, "--reconnect", 2, "localhost", srv.port, input=b"hi\n")
    assert r.returncode == 0, r
    assert [c["session"] for c in r.connections] == ["new", "resumed", "resumed"]
    srv.wait_for(r"(?s)(\*\*\* This is a resumed session.*){2}")
    assert srv.text().count("*** This is a resumed session") == 2


@pytest.mark.parametrize("version", PRIORITY)
def test_keying_material_equals_gnutls(client, gnutls_serv, version):
    srv = gnutls_serv(
        "server-ecdsa", "--priority", PRIORITY[version][0], "--disable-client-cert",
        "--keymatexport", "EXPERIMENTAL-sspi-rustls", "--keymatexportsize", "48",
    )
    r = client("--keying", "EXPERIMENTAL-sspi-rustls:48", "--stdin", "--expect", 3, "localhost", srv.port,
               input=b"hi\n")
    assert r.returncode == 0, r
    theirs = srv.wait_for(r"- Key material: ([0-9a-f]+)").group(1)
    assert r.info["keying material"] == theirs


@pytest.mark.parametrize("version", PRIORITY)
def test_channel_bindings_equal_gnutls(client, gnutls_serv, pki, version):
    """tls-server-end-point from ENDPOINT_BINDINGS against what gnutls-serv
    computes; and in TLS 1.3 RFC 9266 tls-exporter from KEYING_MATERIAL.
    (In TLS 1.2 GnuTLS exports tls-exporter with an empty context, which
    SecPkgContext_KeyingMaterialInfo cannot express: cbContextValue 0 means
    no context, as -keymatexport of OpenSSL, checked in the OpenSSL tests.)"""
    srv = gnutls_serv("server-rsa", "--priority", PRIORITY[version][0], "--disable-client-cert")
    r = client("--bindings", "--keying", "EXPORTER-Channel-Binding:32", "--stdin", "--expect", 3,
               "localhost", srv.port, input=b"hi\n")
    assert r.returncode == 0, r
    end_point = srv.wait_for(r"'tls-server-end-point': ([0-9a-f]+)").group(1)
    assert r.info["endpoint bindings"] == "tls-server-end-point:" + end_point
    assert end_point == pki.end_point_hash("server-rsa.pem")
    if version == "tls13":
        exporter = srv.wait_for(r"'tls-exporter': ([0-9a-f]+)").group(1)
        assert r.info["keying material"] == exporter


@pytest.mark.parametrize("version", ["TLS1.0", "TLS1.1"])
def test_old_protocol_server_fails_cleanly(client, gnutls_serv, version):
    srv = gnutls_serv("server-rsa", "--priority", f"NORMAL:-VERS-ALL:+VERS-{version}:%VERIFY_ALLOW_SIGN_WITH_SHA1",
                      "--disable-client-cert")
    r = client("localhost", srv.port)
    assert r.returncode == 1
    # We offer only TLS 1.2/1.3 AEAD suites, none of which exists in TLS
    # 1.0/1.1: GnuTLS ends the handshake with handshake_failure.
    assert r.error() == ("InitializeSecurityContextW", "SEC_E_ALGORITHM_MISMATCH"), r
    srv.wait_for(r"Error in handshake: No supported cipher suites have been found")
