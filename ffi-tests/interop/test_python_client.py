"""python/examples/tls_client.py, the README's Python example: a TLS client
through SSPI in Python (the sspi_rustls module) against `openssl s_server
-www` on loopback."""

import os
import subprocess
import sys

import pytest

from interop_support import REPO

EXAMPLE = REPO / "python" / "examples" / "tls_client.py"


def run_example(lib_dir, client_env, *args, env=None):
    e = dict(env or client_env, SSPI_RUSTLS_LIB=str(lib_dir / "libsecur32.so"))
    e.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, str(EXAMPLE), *map(str, args)], env=e, capture_output=True, timeout=60)


@pytest.mark.parametrize("version,cert", [("tls13", "server-ecdsa"), ("tls12", "server-rsa")])
def test_python_client_against_s_server(lib_dir, client_env, s_server, version, cert):
    srv = s_server(cert, "-www", "-alpn", "http/1.1")
    r = run_example(lib_dir, client_env, "--protocol", version, "--alpn", "h2,http/1.1", "localhost", srv.port)
    out, err = r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
    assert r.returncode == 0, err
    # The page s_server -www writes describes the session it saw.
    assert out.startswith("HTTP/1.0 200 ok\r\n"), out
    expected = {"tls13": "TLSv1.3", "tls12": "TLSv1.2"}[version]
    assert f"Protocol  : {expected}" in out, out
    lines = err.splitlines()
    assert f"protocol: {'TLS 1.3' if version == 'tls13' else 'TLS 1.2'}" in lines, err
    assert "alpn: http/1.1" in lines, err
    assert "server sent close_notify" in lines and "close_notify sent" in lines, err


def test_python_client_reports_validation_failures(lib_dir, client_env, s_server, pki):
    """Name and trust checks reach Python as the SSPI statuses."""
    srv = s_server("server-ecdsa", "-www")
    r = run_example(lib_dir, client_env, "--name", "other.example", "127.0.0.1", srv.port)
    assert r.returncode == 1
    assert "error: InitializeSecurityContextW: SEC_E_WRONG_PRINCIPAL (0x80090322)" in r.stderr.decode(), r.stderr
    srv = s_server("server-ecdsa", "-www")
    env = dict(client_env, SSL_CERT_FILE=pki["rogue-ca.pem"])
    r = run_example(lib_dir, client_env, "localhost", srv.port, env=env)
    assert r.returncode == 1
    assert "error: InitializeSecurityContextW: SEC_E_UNTRUSTED_ROOT (0x80090325)" in r.stderr.decode(), r.stderr


def test_python_client_without_environment_finds_the_build(lib_dir, client_env, s_server):
    """Without SSPI_RUSTLS_LIB the module finds the library itself (installed, else the build
    tree next to it)."""
    srv = s_server("server-ecdsa", "-www")
    env = {k: v for k, v in client_env.items() if k != "SSPI_RUSTLS_LIB"}
    r = subprocess.run([sys.executable, str(EXAMPLE), "localhost", str(srv.port)], env=env, capture_output=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.startswith(b"HTTP/1.0 200 ok")
    assert os.path.exists(REPO / "target" / "release" / "libsecur32.so")
