"""Schannel through our secur32.dll under Wine: the example client and server (the same
sources as the Linux examples, built for Windows) against OpenSSL on loopback. Trust anchors
reach the client through SSL_CERT_FILE; the server's certificate and the client's come from
PFX files imported by Wine's crypt32 (PFXImportCertStore); the server's hRootStore is a real
crypt32 memory store. Every status is the one Windows documents."""

import subprocess
from pathlib import Path

import pytest

from interop_support import PASSWORD, _leaf, free_port, tool

KEYS = Path(__file__).parent / "keys"


@pytest.mark.parametrize("version,flag", [("TLS 1.3", "-tls1_3"), ("TLS 1.2", "-tls1_2")])
def test_client_validates_and_exchanges_data(wine, s_server, pki, version, flag):
    srv = s_server("server-rsa", "-www", flag)
    r = wine("sspi_client", "--name", "localhost", "--get", "/", "127.0.0.1", srv.port,
             env={"SSL_CERT_FILE": pki["ca.pem"]})
    err = r.stderr.decode(errors="replace")
    assert r.returncode == 0, err
    assert f"protocol: {version}" in err and "peer certificate: CN=localhost" in err.replace("O=RSA server, ", ""), err
    # s_server -www answers the GET with its status page: data came back through DecryptMessage.
    assert b"HTTP/1.0 200 ok" in r.stdout and b"s_server" in r.stdout


def test_untrusted_root_is_refused(wine, s_server, pki):
    srv = s_server("server-rsa", "-www")
    r = wine("sspi_client", "--name", "localhost", "127.0.0.1", srv.port, env={"SSL_CERT_FILE": pki["rogue-ca.pem"]})
    assert r.returncode == 1
    assert "SEC_E_UNTRUSTED_ROOT (0x80090325)" in r.stderr.decode(errors="replace")


def test_wrong_name_is_refused(wine, s_server, pki):
    srv = s_server("server-rsa", "-www")
    r = wine("sspi_client", "--name", "wrong.example", "127.0.0.1", srv.port, env={"SSL_CERT_FILE": pki["ca.pem"]})
    assert r.returncode == 1
    assert "SEC_E_WRONG_PRINCIPAL (0x80090322)" in r.stderr.decode(errors="replace")


@pytest.fixture(scope="module")
def damaged_key_pfxs(pki):
    """Client PFXs for the two fixed keys whose PRIVATEKEYBLOB Wine 8 exports damaged (a value
    a byte short of its slot: about one random 2048-bit key in 100, so client-rsa.pfx meets it
    now and then)."""
    d = Path(pki.dir)
    for name in ("short-coefficient", "short-exponent"):
        _leaf(d, f"client-{name}", "rsa", f"/O=Interop clients/CN=sspi-client-{name}", "DNS:client.example",
              key=KEYS / f"{name}.pem")
    return pki


@pytest.mark.parametrize("client", ["client-rsa", "client-short-coefficient", "client-short-exponent"])
def test_client_certificate_from_a_pfx(wine, s_server, damaged_key_pfxs, client):
    """Mutual TLS: the client's PFX is imported by Wine's crypt32, its key exported as a
    PRIVATEKEYBLOB (rebuilt from its primes where Wine damaged it); OpenSSL requires and
    verifies the client certificate."""
    pki = damaged_key_pfxs
    srv = s_server("server-rsa", "-www", "-Verify", "1", "-CAfile", pki["ca.pem"], "-verify_return_error")
    r = wine("sspi_client", "--name", "localhost", "--cert", pki[f"{client}.pfx"], "--password", PASSWORD, "--get", "/",
             "127.0.0.1", srv.port, env={"SSL_CERT_FILE": pki["ca.pem"]})
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    assert b"HTTP/1.0 200 ok" in r.stdout
    assert f"sspi-{client}" in srv.text()


def s_client(port, *args, data=b"hello from openssl\n"):
    return subprocess.run([tool("openssl"), "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
                           "-verify_return_error", "-quiet", *args], input=data, capture_output=True, timeout=60)


@pytest.mark.parametrize("version,flag", [("TLS 1.3", "-tls1_3"), ("TLS 1.2", "-tls1_2")])
def test_server_with_a_pfx_against_s_client(wine_proc, pki, version, flag):
    port = free_port()
    srv = wine_proc("sspi_server", "--password", PASSWORD, "--port", port, "--count", "1", pki["server-rsa.pfx"])
    srv.wait_for("listening:", timeout=60)
    r = s_client(port, "-CAfile", pki["ca.pem"], flag)
    # The data came back through DecryptMessage and EncryptMessage.
    assert r.stdout == b"hello from openssl\n", r.stderr.decode(errors="replace")
    # s_client leaves without close_notify, and the reset reaches Wine's recv as an error
    # (Linux reports an orderly close): the server's exit status says nothing about SSPI.
    srv.wait(60)
    assert f"protocol: {version}" in srv.text() and "handshake: complete" in srv.text(), srv.text()


def test_server_checks_client_certificates_against_hrootstore(wine_proc, pki, tmp_path):
    """--mutual --ca: ASC_REQ_MUTUAL_AUTH, hRootStore a crypt32 memory store holding the CA.
    A client certificate from that CA is accepted; one from another CA is refused."""
    ca = tmp_path / "ca.der"
    ca.write_bytes(pki.der("ca.pem"))
    port = free_port()
    srv = wine_proc("sspi_server", "--password", PASSWORD, "--port", port, "--count", "2", "--mutual", "--ca", ca,
                    pki["server-rsa.pfx"])
    srv.wait_for("listening:", timeout=60)
    good = s_client(port, "-CAfile", pki["ca.pem"], "-cert", pki["client-rsa.pem"], "-key", pki["client-rsa.key"])
    assert good.stdout == b"hello from openssl\n", good.stderr.decode(errors="replace")
    bad = s_client(port, "-CAfile", pki["ca.pem"], "-cert", pki["rogue-client.pem"], "-key", pki["rogue-client.key"])
    assert bad.stdout == b""
    srv.wait(60)
    text = srv.text()
    assert "peer certificate: " in text and "sspi-client-rsa" in text, text
    assert "SEC_E_UNTRUSTED_ROOT" in text or "SEC_E_CERT_UNKNOWN" in text, text

