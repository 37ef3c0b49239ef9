"""Less common protocol paths, against OpenSSL: post-handshake messages
(TLS 1.3 KeyUpdate, TLS 1.2 renegotiation requests) reaching the
application as SEC_I_RENEGOTIATE, HelloRetryRequest in both directions,
certificate chains through an intermediate CA, tiny records, and no cipher
suite in common."""

import re
import subprocess

import pytest

from interop_support import PASSWORD, tool


def command(proc, text):
    """Types one line on an OpenSSL tool's stdin (its commands are read per chunk)."""
    proc.stdin.write(text.encode())
    proc.stdin.flush()


@pytest.fixture
def background_client(procs, programs, client_env):
    def start(*args):
        return procs([programs["sspi_client"], *map(str, args)], name="sspi_client", env=client_env)

    return start


def test_key_update_from_openssl_server(s_server, background_client):
    """s_server sends KeyUpdate(update_requested): DecryptMessage says
    SEC_I_RENEGOTIATE, the token loop sends our KeyUpdate, and our later
    records use the new key (s_server decrypts our close_notify). s_server's
    "k" (update_not_requested) is covered from s_client against our server
    instead: s_server reads its next command only once its peer sends
    something, which a peer owing nothing does not."""
    srv = s_server("server-rsa", "-tls1_3")
    cli = background_client("--stdin", "--expect", 6, "localhost", srv.port)
    srv.wait_for(r"CIPHER is")
    command(srv, "K\n")
    srv.wait_for(r"SSL_do_handshake -> 1")
    command(srv, "after\n")
    assert cli.wait(30) == 0, cli.text()
    assert cli.stdout() == b"after\n"
    assert "DecryptMessage: SEC_I_RENEGOTIATE" in cli.stderr()
    srv.wait_for(r"\nDONE\n")
    assert "bad record mac" not in srv.text().lower()


@pytest.mark.parametrize("request_update", [True, False], ids=["update_requested", "update_not_requested"])
def test_key_update_from_openssl_client(server, procs, pki, request_update):
    srv = server("server-rsa", "--count", 1)
    cli = procs([tool("openssl"), "s_client", "-connect", f"127.0.0.1:{srv.port}", "-CAfile", pki["ca.pem"],
                 "-tls1_3", "-verify_return_error"], name="s_client", stdin=subprocess.PIPE)
    srv.proc.wait_for(r"handshake: complete")
    command(cli, "one\n")
    cli.wait_for(r"\none\n", stream="out")
    command(cli, "K\n" if request_update else "k\n")
    cli.wait_for(r"KEYUPDATE")
    command(cli, "two\n")
    cli.wait_for(r"\ntwo\n", stream="out")
    cli.stdin.close()  # s_client sends close_notify at the end of its input
    assert srv.finish() == 0, srv.proc.stderr()
    err = srv.proc.stderr()
    assert "echoed: 8 bytes" in err
    # Only a requested update needs an answer through the token loop.
    assert ("DecryptMessage: SEC_I_RENEGOTIATE" in err) == request_update, err


def test_renegotiation_request_refused_by_our_client(s_server, background_client):
    """TLS 1.2 HelloRequest: we answer no_renegotiation (rustls does not
    renegotiate); OpenSSL, having asked, then ends the connection."""
    srv = s_server("server-rsa", "-tls1_2")
    cli = background_client("--stdin", "--expect", 6, "localhost", srv.port)
    srv.wait_for(r"CIPHER is")
    command(srv, "R\n")
    srv.wait_for(r"ssl3_read_bytes:no renegotiation")
    assert cli.wait(30) == 1
    err = cli.stderr()
    assert "DecryptMessage: SEC_I_RENEGOTIATE" in err
    assert "error: DecryptMessage: SEC_E_ALGORITHM_MISMATCH (0x80090331)" in err, err


def test_renegotiation_refused_by_our_server(server, procs, pki):
    srv = server("server-rsa", "--count", 1)
    cli = procs([tool("openssl"), "s_client", "-connect", f"127.0.0.1:{srv.port}", "-CAfile", pki["ca.pem"],
                 "-tls1_2", "-verify_return_error"], name="s_client", stdin=subprocess.PIPE)
    srv.proc.wait_for(r"handshake: complete")
    command(cli, "R\n")
    cli.wait_for(r"no renegotiation")
    srv.proc.wait_for(r"DecryptMessage: SEC_I_RENEGOTIATE")
    cli.stdin.close()
    srv.finish()


def test_hello_retry_request_to_our_client(client, s_server):
    """s_server takes only P-384; our ClientHello's key share is X25519."""
    srv = s_server("server-ecdsa", "-groups", "P-384", "-msg")
    r = client("localhost", srv.port)
    assert r.returncode == 0, r
    srv.wait_for(r"\nDONE\n")
    assert len(re.findall(r"<<< TLS 1.3, Handshake \[length [0-9a-f]+\], ClientHello", srv.text())) == 2


def test_hello_retry_request_from_our_server(server, pki):
    """s_client's key share is X448, which we do not have; P-256 it also offers."""
    srv = server("server-ecdsa", "--count", 1)
    r = subprocess.run([tool("openssl"), "s_client", "-connect", f"127.0.0.1:{srv.port}", "-CAfile", pki["ca.pem"],
                        "-verify_return_error", "-groups", "X448:P-256", "-msg"],
                       input=b"", capture_output=True, timeout=60)
    text = r.stdout.decode()
    assert r.returncode == 0, text
    assert len(re.findall(r">>> TLS 1.3, Handshake \[length [0-9a-f]+\], ClientHello", text)) == 2
    assert "Server Temp Key: ECDH, prime256v1, 256 bits" in text
    assert srv.finish() == 0, srv.proc.stderr()


def test_our_server_sends_the_intermediate(server, pki):
    srv = server("server-chain", "--http", "--count", 1)
    r = subprocess.run([tool("openssl"), "s_client", "-connect", f"127.0.0.1:{srv.port}", "-CAfile", pki["ca.pem"],
                        "-verify_return_error", "-ign_eof", "-showcerts"],
                       input=b"GET / HTTP/1.1\r\n\r\n", capture_output=True, timeout=60)
    text = r.stdout.decode() + r.stderr.decode()
    assert r.returncode == 0, text
    assert "Verify return code: 0 (ok)" in text
    # Leaf and intermediate, not the root (SCH_SEND_ROOT_CERT not set).
    assert " 0 s:O = Chained server, CN = localhost\n" in text
    assert " 1 s:O = sspi-rustls interop, CN = Interop Intermediate CA\n" in text
    assert " 2 s:" not in text
    assert srv.finish() == 0


def test_our_client_validates_through_an_intermediate(client, s_server, pki):
    srv = s_server("server-chain", "-cert_chain", pki["inter-ca.pem"], "-www")
    r = client("--get", "/", "localhost", srv.port)
    assert r.returncode == 0, r
    assert "O=Chained server" in r.info["peer certificate"]
    # Without the intermediate there is no path to the trusted root.
    srv = s_server("server-chain", "-www")
    r = client("--get", "/", "localhost", srv.port)
    assert r.error() == ("InitializeSecurityContextW", "SEC_E_UNTRUSTED_ROOT"), r


def test_our_client_sends_its_intermediate(client, s_server, pki):
    srv = s_server("server-rsa", "-Verify", "2", "-CAfile", pki["ca.pem"], "-verify_return_error", "-www")
    r = client("--cert", pki["client-chain.pfx"], "--password", PASSWORD, "--get", "/", "localhost", srv.port)
    assert r.returncode == 0, r
    text = srv.text()
    assert "depth=1 O = sspi-rustls interop, CN = Interop Intermediate CA" in text, text
    assert "depth=0 O = Interop clients, CN = sspi-client-chained" in text, text


@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_tiny_records(client, s_server, version):
    """s_server cuts its answer into 512-byte records: many records per
    DecryptMessage input, EXTRA after each."""
    srv = s_server("server-rsa", version, "-max_send_frag", "512", "-www")
    r = client("--get", "/", "localhost", srv.port)
    assert r.returncode == 0, r
    assert r.stdout.startswith(b"HTTP/1.0 200 ok") and b"</HTML>" in r.stdout.upper()


def test_no_cipher_suite_in_common(client, s_server):
    """A TLS 1.2 server with only RSA key exchange (no ECDHE): nothing we offer."""
    srv = s_server("server-rsa", "-tls1_2", "-cipher", "AES128-SHA256", "-www")
    r = client("--get", "/", "localhost", srv.port)
    assert r.error() == ("InitializeSecurityContextW", "SEC_E_ALGORITHM_MISMATCH"), r
    srv.wait_for(r"no shared cipher")


def test_client_without_alpn_to_server_with_alpn(server, pki):
    srv = server("server-rsa", "--http", "--count", 1, "--alpn", "http/1.1")
    r = subprocess.run([tool("openssl"), "s_client", "-connect", f"127.0.0.1:{srv.port}", "-CAfile", pki["ca.pem"],
                        "-verify_return_error", "-ign_eof"],
                       input=b"GET / HTTP/1.1\r\n\r\n", capture_output=True, timeout=60)
    assert r.returncode == 0, r.stdout.decode()
    assert b"No ALPN negotiated" in r.stdout
    assert srv.finish() == 0
    assert srv.connections()[0]["alpn"] == "(none)"


@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_client_flight_in_small_records(server, pki, version):
    """s_client cuts its Certificate message (and everything else) into
    512-byte records: handshake messages spread over records reach the
    AcceptSecurityContext loop."""
    srv = server("server-rsa", "--http", "--count", 1, "--mutual", "--ca", pki["ca.der"])
    r = subprocess.run([tool("openssl"), "s_client", "-connect", f"127.0.0.1:{srv.port}", "-CAfile", pki["ca.pem"],
                        "-verify_return_error", "-ign_eof", version, "-max_send_frag", "512",
                        "-cert", pki["client-chain.pem"], "-key", pki["client-chain.key"],
                        "-cert_chain", pki["inter-ca.pem"]],
                       input=b"GET / HTTP/1.1\r\n\r\n", capture_output=True, timeout=60)
    assert r.returncode == 0, r.stdout.decode()
    assert b"HTTP/1.1 200 OK" in r.stdout
    assert srv.finish() == 0, srv.proc.stderr()
    assert "CN=sspi-client-chained" in srv.connections()[0]["peer certificate"]
