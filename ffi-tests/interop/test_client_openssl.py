"""Our client (sspi_client, an SSPI program) against `openssl s_server`.

Each test starts s_server on a free loopback port with certificates of the
session PKI and asserts both on what our client printed (exact statuses,
negotiated parameters) and on what s_server printed about the same
connection.
"""

import random
import re

import pytest

from interop_support import PASSWORD, feed

VERSIONS = {
    "tls12": ("-tls1_2", "TLS 1.2", "TLSv1.2"),
    "tls13": ("-tls1_3", "TLS 1.3", "TLSv1.3"),
}


def page_cipher(page):
    """(version, OpenSSL cipher name, reused) from s_server's -www page."""
    m = re.search(r"(New|Reused), (TLSv1\.[0-3]), Cipher is (\S+)", page)
    assert m, page
    return m.group(2), m.group(3), m.group(1) == "Reused"


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("cert", ["server-rsa", "server-ecdsa"])
def test_handshake_and_http_get(client, s_server, iana_names, version, cert):
    flag, ours, theirs = VERSIONS[version]
    srv = s_server(cert, flag, "-www")
    r = client("--get", "/", "localhost", srv.port)
    assert r.returncode == 0, r
    info = r.info
    assert info["handshake"] == "complete"
    assert info["protocol"] == ours
    page = r.stdout.decode()
    assert page.startswith("HTTP/1.0 200 ok"), page[:200]
    got_version, cipher, reused = page_cipher(page)
    assert (got_version, reused) == (theirs, False)
    suite, suite_id = info["cipher suite"].split()
    assert suite == iana_names[cipher]
    if version == "tls12":
        assert ("_ECDSA_" in suite) == (cert == "server-ecdsa"), suite
    kind = "RSA" if cert == "server-rsa" else "ECDSA"
    assert "CN=localhost" in info["peer certificate"] and f"O={kind} server" in info["peer certificate"]
    # s_server's page answers with close_notify; the client answers it.
    assert "peer sent close_notify" in r.stderr
    assert "close_notify sent" in r.stderr


@pytest.mark.parametrize("version", VERSIONS)
def test_alpn(client, s_server, version):
    srv = s_server("server-rsa", VERSIONS[version][0], "-alpn", "http/1.1")
    r = client("--alpn", "h2,http/1.1", "localhost", srv.port)
    assert r.returncode == 0, r
    assert r.info["alpn"] == "http/1.1"
    # The list went out in our order; s_server chose from it.
    srv.wait_for(r"ALPN protocols advertised by the client: h2, http/1.1\nALPN protocols selected: http/1.1")


@pytest.mark.parametrize("version", VERSIONS)
def test_alpn_no_overlap(client, s_server, version):
    """s_server refuses a client whose ALPN list it cannot match with
    no_application_protocol."""
    srv = s_server("server-rsa", VERSIONS[version][0], "-alpn", "http/1.1")
    r = client("--alpn", "h2", "localhost", srv.port)
    assert r.returncode == 1
    assert r.error() == ("InitializeSecurityContextW", "SEC_E_APPLICATION_PROTOCOL_MISMATCH"), r
    srv.wait_for(r"tls_handle_alpn:no application protocol")


def test_alpn_only_on_our_side(client, s_server):
    """A server without ALPN ignores our list: no protocol, no failure."""
    srv = s_server("server-rsa", "-www")
    r = client("--alpn", "h2,http/1.1", "--get", "/", "localhost", srv.port)
    assert r.returncode == 0, r
    assert r.info["alpn"] == "(none)"


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("client_cert", ["client-ecdsa", "client-rsa"])
def test_client_certificate_sent(client, s_server, pki, version, client_cert):
    srv = s_server("server-rsa", VERSIONS[version][0], "-verify", "1", "-CAfile", pki["ca.pem"], "-www")
    r = client("--cert", pki[f"{client_cert}.pfx"], "--password", PASSWORD, "--get", "/", "localhost", srv.port)
    assert r.returncode == 0, r
    assert "client certificate requested" not in r.stderr
    # s_server verified it against the CA.
    text = srv.text()
    assert re.search(rf"depth=0 O = Interop clients, CN = sspi-{client_cert}\s+verify return:1", text), text
    assert "no client certificate available" not in r.stdout.decode()


@pytest.mark.parametrize("version", VERSIONS)
def test_client_certificate_requested_none_sent(client, s_server, pki, version):
    srv = s_server("server-rsa", VERSIONS[version][0], "-verify", "1", "-CAfile", pki["ca.pem"], "-www")
    r = client("--get", "/", "localhost", srv.port)
    assert r.returncode == 0, r
    assert "client certificate requested: none sent" in r.stderr
    assert "no client certificate available" in r.stdout.decode()


def test_client_certificate_required_none_sent(client, s_server, pki):
    """-Verify makes the certificate mandatory. In TLS 1.2 the server's
    alert arrives during the handshake; in TLS 1.3 the client has finished
    its side already and the alert arrives through DecryptMessage."""
    srv = s_server("server-rsa", "-tls1_2", "-Verify", "1", "-CAfile", pki["ca.pem"], "-www")
    r = client("--get", "/", "localhost", srv.port)
    assert r.returncode == 1
    assert r.error() == ("InitializeSecurityContextW", "SEC_E_ALGORITHM_MISMATCH"), r
    assert "peer did not return a certificate" in srv.wait_for(r"peer did not return a certificate").group(0)

    srv = s_server("server-rsa", "-tls1_3", "-Verify", "1", "-CAfile", pki["ca.pem"], "-www")
    r = client("--get", "/", "localhost", srv.port)
    assert r.returncode == 1
    assert r.info["handshake"] == "complete"
    assert r.error() == ("DecryptMessage", "SEC_E_CERT_UNKNOWN"), r
    srv.wait_for(r"peer did not return a certificate")


def test_client_certificate_rejected(client, s_server, pki):
    """A client certificate from a CA the server does not trust: the
    server's unknown_ca alert becomes SEC_E_UNTRUSTED_ROOT."""
    srv = s_server(
        "server-rsa", "-tls1_2", "-Verify", "1", "-CAfile", pki["ca.pem"], "-verify_return_error", "-www"
    )
    r = client("--cert", pki["rogue-client.pfx"], "--password", PASSWORD, "--get", "/", "localhost", srv.port)
    assert r.returncode == 1
    assert r.error() == ("InitializeSecurityContextW", "SEC_E_UNTRUSTED_ROOT"), r
    srv.wait_for(r"verify error:num=20:unable to get local issuer certificate")


# Server certificate, target name, expected status, alert s_server logs.
VALIDATION_FAILURES = [
    ("self-signed", "localhost", "SEC_E_UNTRUSTED_ROOT", 48),
    ("self-signed-ca", "localhost", "SEC_E_UNTRUSTED_ROOT", 48),
    ("expired", "localhost", "SEC_E_CERT_EXPIRED", 45),
    ("other-name", "localhost", "SEC_E_WRONG_PRINCIPAL", 42),
    ("server-rsa", "other.example", "SEC_E_WRONG_PRINCIPAL", 42),
]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("cert,name,status,alert", VALIDATION_FAILURES)
def test_validation_failure(client, s_server, version, cert, name, status, alert):
    srv = s_server(cert, VERSIONS[version][0], "-www")
    r = client("--name", name, "--get", "/", "localhost", srv.port)
    assert r.returncode == 1
    assert r.error() == ("InitializeSecurityContextW", status), r
    assert "handshake" not in r.info
    # The peer was told why (the alert goes out with ISC_REQ_EXTENDED_ERROR).
    srv.wait_for(rf"SSL alert number {alert}\b")


@pytest.mark.parametrize("cert,name", [(c, n) for c, n, _, _ in VALIDATION_FAILURES])
def test_manual_validation_accepts(client, s_server, cert, name):
    srv = s_server(cert, "-www")
    r = client("--manual", "--name", name, "--get", "/", "localhost", srv.port)
    assert r.returncode == 0, r
    assert r.info["validation"].startswith("manual")
    # The application gets the certificate to check itself.
    assert "CN=" in r.info["peer certificate"]


def test_no_servername_check(client, s_server):
    srv = s_server("other-name", "-www")
    r = client("--no-name-check", "--get", "/", "localhost", srv.port)
    assert r.returncode == 0, r
    assert "CN=other.example" in r.info["peer certificate"]
    # Only the name check is off: the chain must still be trusted ...
    srv = s_server("self-signed", "-www")
    r = client("--no-name-check", "--get", "/", "localhost", srv.port)
    assert r.error() == ("InitializeSecurityContextW", "SEC_E_UNTRUSTED_ROOT"), r
    # ... and valid.
    srv = s_server("expired", "-www")
    r = client("--no-name-check", "--get", "/", "localhost", srv.port)
    assert r.error() == ("InitializeSecurityContextW", "SEC_E_CERT_EXPIRED"), r


def test_no_target_name_means_no_sni_and_no_name_check(client, s_server):
    srv = s_server("other-name", "-www")
    r = client("--no-sni", "--get", "/", "127.0.0.1", srv.port)
    assert r.returncode == 0, r
    assert "CN=other.example" in r.info["peer certificate"]


@pytest.mark.parametrize(
    "version,extra",
    [("tls12", ["-no_ticket"]), ("tls12", []), ("tls13", [])],
    ids=["tls12-session-id", "tls12-ticket", "tls13-ticket"],
)
def test_resumption_seen_by_openssl(client, s_server, version, extra):
    srv = s_server("server-rsa", VERSIONS[version][0], *extra, "-www")
    r = client("--get", "/", "--reconnect", "2", "localhost", srv.port)
    assert r.returncode == 0, r
    assert [c["session"] for c in r.connections] == ["new", "resumed", "resumed"]
    pages = re.findall(r"(New|Reused), (TLSv1\.[23]), Cipher", r.stdout.decode())
    assert pages == [("New", VERSIONS[version][2]), ("Reused", VERSIONS[version][2]), ("Reused", VERSIONS[version][2])]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("label,length", [("EXPERIMENTAL-sspi-rustls", 32), ("EXPORTER-Channel-Binding", 64)])
def test_keying_material_equals_openssl(client, s_server, version, label, length):
    srv = s_server("server-ecdsa", VERSIONS[version][0], "-keymatexport", label, "-keymatexportlen", str(length))
    r = client("--keying", f"{label}:{length}", "localhost", srv.port)
    assert r.returncode == 0, r
    theirs = srv.wait_for(r"Keying material: ([0-9A-F]+)").group(1).lower()
    assert len(theirs) == 2 * length
    assert r.info["keying material"] == theirs


@pytest.mark.parametrize("cert", ["server-rsa", "server-ecdsa", "server-sha384"])
def test_endpoint_bindings(client, s_server, pki, cert):
    srv = s_server(cert, "-www")
    r = client("--bindings", "--get", "/", "localhost", srv.port)
    assert r.returncode == 0, r
    assert r.info["endpoint bindings"] == "tls-server-end-point:" + pki.end_point_hash(f"{cert}.pem")


@pytest.mark.parametrize("version", VERSIONS)
def test_close_notify_seen_by_openssl(client, s_server, version):
    srv = s_server("server-rsa", VERSIONS[version][0])
    r = client("localhost", srv.port)
    assert r.returncode == 0, r
    assert "close_notify sent" in r.stderr
    # SSL_read returned 0 with SSL_ERROR_ZERO_RETURN: a clean close_notify.
    srv.wait_for(r"\nDONE\n")
    assert "unexpected eof" not in srv.text()


def payload(n, seed):
    """n printable bytes; digits and newlines only, so that s_server never
    takes a chunk of its stdin for one of its one-letter commands."""
    rnd = random.Random(seed)
    out = bytearray(rnd.choice(b"0123456789") for _ in range(n))
    for i in range(63, n, 64):
        out[i] = ord("\n")
    return bytes(out)


@pytest.mark.parametrize("version", VERSIONS)
def test_one_mebibyte_each_way(client, s_server, version):
    up = payload(1 << 20, 1)
    down = payload(1 << 20, 2)
    srv = s_server("server-rsa", VERSIONS[version][0])
    feed(srv, down)
    r = client("--stdin", "--expect", len(down), "localhost", srv.port, input=up, timeout=120)
    assert r.returncode == 0, r
    assert r.stdout == down
    srv.wait_for(r"\nDONE\n", timeout=60)
    assert up in srv.stdout()


@pytest.mark.parametrize("flag", ["-tls1", "-tls1_1"])
def test_old_protocol_server_fails_cleanly(client, s_server, flag):
    srv = s_server("server-rsa", flag, "-cipher", "DEFAULT:@SECLEVEL=0", "-www")
    r = client("--get", "/", "localhost", srv.port)
    assert r.returncode == 1
    # s_server refuses our ClientHello (TLS 1.2 and 1.3 only) with protocol_version.
    assert r.error() == ("InitializeSecurityContextW", "SEC_E_UNSUPPORTED_FUNCTION"), r
    srv.wait_for(r"unsupported protocol")


def test_schannel_cred_protocol_mask(client, s_server):
    """The older SCHANNEL_CRED with grbitEnabledProtocols, and
    SCH_CREDENTIALS with TLS_PARAMETERS.grbitDisabledProtocols."""
    srv = s_server("server-rsa", "-www")
    for args in (["--schannel-cred"], []):
        r = client(*args, "--protocols", "tls12", "--get", "/", "localhost", srv.port)
        assert r.returncode == 0, r
        assert r.info["protocol"] == "TLS 1.2"
        assert page_cipher(r.stdout.decode())[0] == "TLSv1.2"
        r = client(*args, "--protocols", "tls13", "--get", "/", "localhost", srv.port)
        assert r.info["protocol"] == "TLS 1.3"
    # Only protocols this library does not have: no credential.
    r = client("--protocols", "tls10,tls11", "localhost", srv.port)
    assert r.error() == ("AcquireCredentialsHandleW", "SEC_E_ALGORITHM_MISMATCH"), r

