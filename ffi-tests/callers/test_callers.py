"""make test-callers: real programs' SSPI call sequences (ffi-tests/callers/*.c,
see README.md there) against real peers on loopback.

Each client replay runs against OpenSSL's s_server, GnuTLS's gnutls-serv with
its defaults (it asks for an optional client certificate) and our own
sspi_server, in TLS 1.2 and 1.3, in two shapes: "http" (the server answers
and closes first; the replay reads to its close_notify and answers with its
own) and "echo" (the replay closes first and reads the server's answer).
Each server replay runs against openssl s_client, gnutls-cli, curl (built
with OpenSSL) and the curl replay. A run passes when the replay says
"result: ok" (its own checks, the ones the replayed program makes, all held),
the application data arrived intact, and both close_notify messages went
where they should.
"""

import re
import subprocess

import pytest

from interop_support import PASSWORD, REPO, compile_flags, free_port, run, tool

CALLERS = REPO / "ffi-tests" / "callers"
CLIENTS = ["curl", "webclient", "wine", "chromium", "qt", "dotnet"]
# Replays of programs that send one request and read the answer: no echo shape.
HTTP_ONLY = {"wine", "chromium"}
# Replays of programs that close the connection without a close_notify of their own.
NO_CLOSE_NOTIFY = {"chromium"}
# Wine's test talks to a server that asks for no certificate, and has no
# answer to SEC_I_INCOMPLETE_CREDENTIALS (it would fail on Windows too).
NO_CERT_REQUEST = {"wine"}
SERVERS = ["webserver"]
VERSIONS = ["tls12", "tls13"]
ECHO = b"hello from a caller replay\n"


@pytest.fixture(scope="session")
def callers(lib_dir, tmp_path_factory):
    """Every replay, built like a Windows programmer's code: -Wall -Wextra
    -Werror against include/, under AddressSanitizer and UBSan."""
    out = tmp_path_factory.mktemp("callers")
    pre, post = compile_flags(lib_dir)
    built = {}
    for name in CLIENTS + SERVERS:
        exe = out / name
        run(pre + [str(CALLERS / f"{name}.c"), "-o", str(exe)] + post, timeout=300)
        built[name] = exe
    return built


def run_caller(callers, client_env, name, port, version, mode, *extra):
    args = [str(callers[name]), "--port", str(port), "--protocol", version, "--mode", mode, *extra]
    r = subprocess.run(args, capture_output=True, timeout=60, env=client_env)
    err = r.stderr.decode(errors="replace")
    return r.returncode, r.stdout, err


def check_client_run(rc, out, err, version, mode, name=None):
    assert rc == 0 and "result: ok" in err, err
    assert "handshake: complete" in err, err
    assert f"protocol: {'TLS 1.3' if version == 'tls13' else 'TLS 1.2'}" in err, err
    if name not in NO_CLOSE_NOTIFY:
        assert "close_notify sent" in err, err
    assert "close_notify received" in err, err
    if mode == "echo":
        assert out == ECHO, (out, err)
    else:
        assert out.startswith(b"HTTP/1."), (out, err)
    if name == "webclient":
        # The sample's own checks: the issuers in the server's store, then the SSL policy.
        assert "chain displayed" in err, err
        assert "server certificate: verified" in err, err


OPENSSL_VERSION = {"tls12": "-tls1_2", "tls13": "-tls1_3"}
GNUTLS_PRIORITY = {"tls12": "NORMAL:-VERS-ALL:+VERS-TLS1.2", "tls13": "NORMAL:-VERS-ALL:+VERS-TLS1.3"}


@pytest.fixture
def gnutls(procs, pki):
    def start(version, *args):
        port = free_port()
        p = procs(
            [tool("stdbuf"), "-oL", "-eL", tool("gnutls-serv"), "--x509certfile", pki["server-rsa-fullchain.pem"],
             "--x509keyfile", pki["server-rsa.key"], "-p", str(port), "--priority", GNUTLS_PRIORITY[version], *args],
            name="gnutls-serv",
        )
        p.wait_for(r"Server listening on IPv4")
        p.wait_listening(port)
        p.port = port
        return p

    return start


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name,verify", [(n, v) for n in CLIENTS for v in (False, True)
                                         if not (v and n in NO_CERT_REQUEST)])
def test_client_vs_openssl(callers, client_env, s_server, name, version, verify):
    args = ["-www", OPENSSL_VERSION[version]] + (["-verify", "1"] if verify else [])
    srv = s_server("server-rsa", *args)
    rc, out, err = run_caller(callers, client_env, name, srv.port, version, "http")
    check_client_run(rc, out, err, version, "http", name)
    assert b"Ciphers supported in s_server binary" in out, out


def shapes(modes, asks_cert=lambda m: "cert" in m):
    return [(n, m) for n in CLIENTS for m in modes
            if (n not in HTTP_ONLY or m == "http") and (n not in NO_CERT_REQUEST or not asks_cert(m))]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name,mode", shapes(["http", "echo"], asks_cert=lambda m: True))
def test_client_vs_gnutls_defaults(callers, client_env, gnutls, name, version, mode):
    srv = gnutls(version, *(["--echo"] if mode == "echo" else []))
    rc, out, err = run_caller(callers, client_env, name, srv.port, version, mode)
    check_client_run(rc, out, err, version, mode, name)
    if mode == "http":
        assert b"GnuTLS" in out, out


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name,mode", shapes(["http", "echo", "echo-asks-cert"]))
def test_client_vs_our_server(callers, client_env, server, name, version, mode):
    args = ["--count", "1", "--protocols", version] + (["--http"] if mode == "http" else []) + (["--mutual"] if "cert" in mode else [])
    srv = server("server-rsa", *args)
    shape = "http" if mode == "http" else "echo"
    rc, out, err = run_caller(callers, client_env, name, srv.port, version, shape)
    check_client_run(rc, out, err, version, shape, name)
    if shape == "http":
        assert b"Hello from sspi_server" in out, out
    assert srv.finish() == 0, srv.proc.stderr()
    log = srv.proc.stderr()
    assert "close_notify sent" in log, log
    if shape == "echo":
        # The replay closed first: the server read its close_notify.
        assert "peer sent close_notify" in log, log


# --------------------------------------------------------------------------
# Server replays against real clients


@pytest.fixture
def replay_server(callers, client_env, procs, pki):
    """Starts a server replay on a free port; it serves one connection."""

    def start(name, version):
        p = procs(
            [str(callers[name]), "--pfx", pki["server-rsa.pfx"], "--password", PASSWORD, "--protocol", version,
             "--mode", "http"],
            name=name,
            env=client_env,
        )
        p.port = int(p.wait_for(r"listening: 127\.0\.0\.1:(\d+)", stream="err").group(1))
        return p

    return start


def finish_server(p, version):
    rc = p.wait(30)
    err = p.stderr()
    assert rc == 0 and "result: ok" in err, err
    assert f"protocol: {'TLS 1.3' if version == 'tls13' else 'TLS 1.2'}" in err, err
    assert "request: GET / HTTP/1." in err, err
    assert "close_notify sent" in err, err


BODY = b"Hello from the WebServer replay\n"
CURL_VERSION = {"tls12": ["--tlsv1.2", "--tls-max", "1.2"], "tls13": ["--tlsv1.3", "--tls-max", "1.3"]}
S_CLIENT_VERSION = {"tls12": "-tls1_2", "tls13": "-tls1_3"}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", SERVERS)
def test_server_vs_openssl_s_client(replay_server, pki, name, version):
    srv = replay_server(name, version)
    r = subprocess.run(
        [tool("openssl"), "s_client", "-connect", f"127.0.0.1:{srv.port}", "-servername", "localhost",
         S_CLIENT_VERSION[version], "-CAfile", pki["ca.pem"], "-verify_return_error", "-ign_eof"],
        input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=60,
    )
    out = r.stdout.decode(errors="replace")
    assert r.returncode == 0, (out, r.stderr)
    assert "Verify return code: 0 (ok)" in out, out
    assert BODY.decode() in out, out
    finish_server(srv, version)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", SERVERS)
def test_server_vs_gnutls_cli(replay_server, pki, name, version):
    srv = replay_server(name, version)
    r = subprocess.run(
        [tool("gnutls-cli"), "--x509cafile", pki["ca.pem"], "--priority", GNUTLS_PRIORITY[version], "-p",
         str(srv.port), "localhost"],
        input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=60,
    )
    out, err = r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
    assert BODY.decode() in out, (out, err)
    # gnutls-cli reports the server's close_notify.
    assert "Peer has closed the GnuTLS connection" in out + err, (out, err)
    finish_server(srv, version)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", SERVERS)
def test_server_vs_curl(replay_server, pki, name, version):
    srv = replay_server(name, version)
    r = subprocess.run(
        [tool("curl"), "-sS", "--http1.0", "--cacert", pki["ca.pem"], *CURL_VERSION[version], "--resolve",
         f"localhost:{srv.port}:127.0.0.1", f"https://localhost:{srv.port}/"],
        capture_output=True, timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == BODY, r.stdout
    finish_server(srv, version)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", SERVERS)
def test_server_vs_curl_replay(replay_server, callers, client_env, name, version):
    srv = replay_server(name, version)
    rc, out, err = run_caller(callers, client_env, "curl", srv.port, version, "http")
    check_client_run(rc, out, err, version, "http", name)
    assert out.endswith(BODY), out
    finish_server(srv, version)


# --------------------------------------------------------------------------
# A certificate added after SEC_I_INCOMPLETE_CREDENTIALS


def test_webclient_adds_its_certificate_tls12(callers, client_env, server, pki):
    """The WebClient sample answers SEC_I_INCOMPLETE_CREDENTIALS with a new
    credential holding a certificate: in TLS 1.2 the server gets it. (TLS 1.3:
    not yet, see README.md.)"""
    srv = server("server-rsa", "--count", "1", "--protocols", "tls12", "--mutual")
    rc, out, err = run_caller(callers, client_env, "webclient", srv.port, "tls12", "echo",
                              "--client-pfx", pki["client-rsa.pfx"], "--password", PASSWORD)
    check_client_run(rc, out, err, "tls12", "echo")
    assert "client certificate: added" in err, err
    assert srv.finish() == 0, srv.proc.stderr()
    log = srv.proc.stderr()
    assert "mutual authentication: yes" in log, log
    assert "peer certificate: (none)" not in log, log


# --------------------------------------------------------------------------
# curl --cacert: manual validation through crypt32's chain engine


@pytest.fixture
def cacert_env(client_env, pki):
    """The system trust store holds only the rogue CA: whatever trusts the
    server here is the --cacert file, through the exclusive-root engine."""
    env = dict(client_env)
    env["SSL_CERT_FILE"] = pki["rogue-ca.pem"]
    return env


def run_cacert(callers, env, port, version, mode, cacert, *extra):
    return run_caller(callers, env, "curl", port, version, mode, "--cacert", cacert, *extra)


def check_cacert_ok(rc, out, err, version, mode, elements):
    check_client_run(rc, out, err, version, mode)
    assert "cacert: added 1 certificate(s)" in err, err
    assert f"cacert: chain of {elements}, error status 0x00000000" in err, err
    assert "cacert: host" in err and "verified" in err, err


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_curl_cacert_vs_openssl(callers, cacert_env, s_server, pki, version, host):
    """The name path (CertGetNameString, all DNS names) and the IP path
    (CertFindExtension + CryptDecodeObjectEx), against a leaf issued by an
    intermediate that only the server sends."""
    srv = s_server("server-chain", "-www", OPENSSL_VERSION[version], "-cert_chain", pki["inter-ca.pem"])
    rc, out, err = run_cacert(callers, cacert_env, srv.port, version, "http", pki["ca.pem"], "--name", host)
    check_cacert_ok(rc, out, err, version, "http", 3)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("mode", ["http", "echo"])
def test_curl_cacert_vs_gnutls_defaults(callers, cacert_env, gnutls, pki, version, mode):
    srv = gnutls(version, *(["--echo"] if mode == "echo" else []))
    rc, out, err = run_cacert(callers, cacert_env, srv.port, version, mode, pki["ca.pem"])
    check_cacert_ok(rc, out, err, version, mode, 2)


@pytest.mark.parametrize("version", VERSIONS)
def test_curl_cacert_vs_our_server(callers, cacert_env, server, pki, version):
    srv = server("server-rsa", "--count", "1", "--protocols", version)
    rc, out, err = run_cacert(callers, cacert_env, srv.port, version, "echo", pki["ca.pem"])
    check_cacert_ok(rc, out, err, version, "echo", 2)
    assert srv.finish() == 0, srv.proc.stderr()


@pytest.mark.parametrize(
    "cert,cacert,extra,why",
    [
        ("server-rsa", "rogue-ca.pem", [], "the certificate chain is incomplete"),
        ("self-signed-ca", "ca.pem", [], "the certificate or certificate chain is based on an untrusted root"),
        ("expired", "ca.pem", [], "not time valid"),
        ("other-name", "ca.pem", [], "failed to match connection hostname (localhost)"),
        ("server-rsa", "ca.pem", ["--name", "127.0.0.2"], "failed to match connection hostname (127.0.0.2)"),
        ("server-rsa", "ca.pem", ["--revoke"], "the revocation status is unknown"),
    ],
)
def test_curl_cacert_refuses(callers, cacert_env, s_server, pki, cert, cacert, extra, why):
    """What curl reports for each chain or host fault, from the trust status
    CertGetCertificateChain computed; --revoke is curl without
    --ssl-no-revoke: revocation cannot be checked, as on Windows for a CA
    without reachable CRLs."""
    srv = s_server(cert, "-www", "-tls1_3")
    rc, out, err = run_cacert(callers, cacert_env, srv.port, "tls13", "http", pki[cacert], *extra)
    assert rc != 0 and "result: FAILED" in err, err
    assert why in err, err


@pytest.mark.parametrize(
    "cert,args,error",
    [
        ("other-name", [], "0x800B010F"),  # CERT_E_CN_NO_MATCH
        ("expired", [], "0x800B0101"),  # CERT_E_EXPIRED
        ("self-signed-ca", [], "0x800B0109"),  # CERT_E_UNTRUSTEDROOT
        ("server-chain", [], "0x800B010A"),  # CERT_E_CHAINING: the intermediate is not sent
    ],
)
def test_webclient_policy_refuses(callers, client_env, s_server, cert, args, error):
    """The WebClient sample's VerifyServerCertificate: what
    CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL) answers for each
    fault, and the run stops there, as the sample does."""
    srv = s_server(cert, "-www", "-tls1_2", *args)
    rc, out, err = run_caller(callers, client_env, "webclient", srv.port, "tls12", "http")
    assert rc != 0 and "result: FAILED" in err, err
    assert f"Error {error} authenticating server credentials" in err, err
