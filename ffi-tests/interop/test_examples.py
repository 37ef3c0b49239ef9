"""The example programs themselves: the one-process demo, our client against
our server over real sockets, and proof that the examples are Windows
programs (they build unchanged with mingw-w64 against Windows' own headers
and import libraries)."""

import random
import subprocess

import pytest

from interop_support import EXAMPLES, PASSWORD, PROGRAMS, VALGRIND, compile_flags, tool


def test_tls_demo(programs, pki, client_env):
    r = subprocess.run([programs["tls_demo"], pki["server-rsa.pfx"], PASSWORD], env=client_env,
                       capture_output=True, timeout=60)
    err = r.stderr.decode()
    assert r.returncode == 0, err
    lines = set(err.splitlines())
    for side in ("client", "server"):
        assert f"{side}: handshake complete" in lines
        assert f"{side}: protocol: TLS 1.3" in lines
        assert f"{side}: alpn: http/1.1" in lines
        assert f"{side}: peer sent close_notify" in lines
        assert f"{side}: close_notify sent" in lines
    assert any(line.startswith("client: peer certificate: ") and "O=RSA server" in line and "CN=localhost" in line
               for line in lines), err
    assert "server: peer certificate: (none)" in lines
    assert "server: sni: localhost" in lines
    assert 'server: received "Hello from the SSPI client"' in lines
    assert 'client: received "Hello from the SSPI server"' in lines
    assert "demo: OK, TLS 1.3 both ways over SSPI" in lines


def test_tls_demo_as_make_demo_runs_it(programs, tmp_path, client_env):
    """make-demo-cert.sh, then tls_demo with SSL_CERT_FILE: the README's first command."""
    subprocess.run([str(EXAMPLES / "make-demo-cert.sh"), str(tmp_path / "demo")], check=True, capture_output=True,
                   timeout=120)
    # A second run keeps what is there.
    before = (tmp_path / "demo" / "server.pfx").read_bytes()
    subprocess.run([str(EXAMPLES / "make-demo-cert.sh"), str(tmp_path / "demo")], check=True, timeout=120)
    assert (tmp_path / "demo" / "server.pfx").read_bytes() == before
    env = dict(client_env, SSL_CERT_FILE=str(tmp_path / "demo" / "ca.pem"))
    r = subprocess.run([programs["tls_demo"], tmp_path / "demo" / "server.pfx", "demo"], env=env,
                       capture_output=True, timeout=60)
    err = r.stderr.decode()
    assert r.returncode == 0, err
    assert "client: peer certificate: O=sspi-rustls demo, CN=localhost" in err
    assert "demo: OK, TLS 1.3 both ways over SSPI" in err


def test_demo_certificate_renewed_before_it_expires(programs, tmp_path, client_env):
    """A demo certificate that expires within a day is made again (else
    `make demo` fails with SEC_E_CERT_EXPIRED a month after the first run)."""
    d = tmp_path / "demo"
    make_cert = [str(EXAMPLES / "make-demo-cert.sh"), str(d)]
    subprocess.run(make_cert, check=True, capture_output=True, timeout=120)
    # Re-issue the server certificate with no time left (notAfter = now), as after 30 days.
    subprocess.run(["openssl", "req", "-new", "-key", "server.key", "-subj", "/CN=localhost", "-out", "old.csr"],
                   cwd=d, check=True, capture_output=True, timeout=60)
    subprocess.run(["openssl", "x509", "-req", "-in", "old.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-CAcreateserial", "-days", "0", "-out", "server.pem"], cwd=d, check=True, capture_output=True,
                   timeout=60)
    expiring = subprocess.run(["openssl", "x509", "-in", "server.pem", "-noout", "-checkend", "86400"], cwd=d,
                              capture_output=True, timeout=60)
    assert expiring.returncode == 1, "the re-issued certificate should expire within a day"
    before = (d / "server.pfx").read_bytes()
    r = subprocess.run(make_cert, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    assert b"expires within a day: making a new one" in r.stderr
    assert (d / "server.pfx").read_bytes() != before
    fresh = subprocess.run(["openssl", "x509", "-in", "server.pem", "-noout", "-checkend", str(29 * 86400)], cwd=d,
                           capture_output=True, timeout=60)
    assert fresh.returncode == 0, "the new certificate should be valid for another 29 days"
    env = dict(client_env, SSL_CERT_FILE=str(d / "ca.pem"))
    r = subprocess.run([programs["tls_demo"], d / "server.pfx", "demo"], env=env, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    assert "demo: OK, TLS 1.3 both ways over SSPI" in r.stderr.decode()


def test_tls_demo_untrusted(programs, pki, client_env):
    env = dict(client_env, SSL_CERT_FILE=pki["rogue-ca.pem"])
    r = subprocess.run([programs["tls_demo"], pki["server-rsa.pfx"], PASSWORD], env=env,
                       capture_output=True, timeout=60)
    err = r.stderr.decode()
    assert r.returncode == 1, err
    assert "client: error: InitializeSecurityContextW: SEC_E_UNTRUSTED_ROOT (0x80090325)" in err
    assert "client: hint: point SSL_CERT_FILE" in err
    assert "demo: FAILED" in err


@pytest.mark.parametrize("version", ["tls12", "tls13"])
def test_sspi_client_to_sspi_server(client, server, pki, version):
    """Both ends ours: 1 MiB echoed, resumption, mutual TLS, and the two
    sides agree on keying material and channel bindings."""
    data = bytes(random.Random(7).getrandbits(8) for _ in range(1 << 20))
    srv = server("server-ecdsa", "--count", 2, "--limit", len(data), "--mutual", "--ca", pki["ca.der"],
                 "--keying", "EXPERIMENTAL-both:24", "--bindings", "--alpn", "sspi/1")
    r = client("--protocols", version, "--cert", pki["client-rsa.pfx"], "--password", PASSWORD,
               "--alpn", "x,sspi/1", "--keying", "EXPERIMENTAL-both:24", "--bindings",
               "--stdin", "--expect", len(data), "--reconnect", 1, "localhost", srv.port, input=data, timeout=120)
    assert r.returncode == 0, r
    assert r.stdout == data + data
    assert srv.finish(60) == 0, srv.proc.stderr()
    ours, theirs = r.connections, srv.connections()
    assert [c["session"] for c in ours] == [c["session"] for c in theirs] == ["new", "resumed"]
    for c, s in zip(ours, theirs):
        assert c["keying material"] == s["keying material"]
        assert c["endpoint bindings"] == s["endpoint bindings"]
        assert c["protocol"] == s["protocol"] == {"tls12": "TLS 1.2", "tls13": "TLS 1.3"}[version]
        assert c["alpn"] == s["alpn"] == "sspi/1"
        assert "CN=sspi-client-rsa" in s["peer certificate"]


def test_target_name_forms(client, server):
    """pszTargetName as applications pass it: the name check ignores case and
    a final dot; the SNI goes out normalized; an IP address is checked
    against the certificate's IP addresses and sends no SNI (RFC 6066)."""
    names = ["LOCALHOST", "localhost.", "127.0.0.1"]
    srv = server("server-rsa", "--count", len(names))
    for name in names:
        r = client("--name", name, "localhost", srv.port)
        assert r.returncode == 0, r
    assert srv.finish() == 0, srv.proc.stderr()
    assert [c["sni"] for c in srv.connections()] == ["localhost", "localhost", "(none)"]


def valgrind_clean(text):
    assert "ERROR SUMMARY: 0 errors from 0 contexts" in text, text
    assert "definitely lost: 0 bytes" in text or "All heap blocks were freed" in text, text


def test_demo_under_valgrind(plain_programs, pki, client_env):
    r = subprocess.run([tool("valgrind"), *VALGRIND[1:], plain_programs["tls_demo"], pki["server-ecdsa.pfx"],
                        PASSWORD], env=client_env, capture_output=True, timeout=300)
    err = r.stderr.decode()
    assert r.returncode == 0, err
    assert "demo: OK, TLS 1.3 both ways over SSPI" in err
    valgrind_clean(err)


@pytest.mark.parametrize("version", ["tls12", "tls13"])
def test_client_and_server_under_valgrind(plain_programs, pki, client_env, procs, s_server, version):
    """Every attribute query and the message layer, against OpenSSL, with
    valgrind watching the library's memory too."""
    flag = {"tls12": "-tls1_2", "tls13": "-tls1_3"}[version]
    srv = s_server("server-rsa", flag, "-verify", "1", "-CAfile", pki["ca.pem"], "-www")
    r = subprocess.run([tool("valgrind"), *VALGRIND[1:], plain_programs["sspi_client"], "--cert",
                        pki["client-ecdsa.pfx"], "--password", PASSWORD, "--alpn", "h2,http/1.1", "--keying",
                        "EXPERIMENTAL-vg:32", "--bindings", "--reconnect", "1", "--get", "/", "localhost", str(srv.port)],
                       env=client_env, capture_output=True, timeout=300)
    err = r.stderr.decode()
    assert r.returncode == 0, err
    assert err.count("session: resumed") == 1
    valgrind_clean(err)

    ours = procs([tool("valgrind"), *VALGRIND[1:], plain_programs["sspi_server"], pki["server-ecdsa.pfx"],
                  "--password", PASSWORD, "--port", 0, "--http", "--count", 1, "--mutual", "--ca", pki["ca.der"],
                  "--alpn", "http/1.1", "--keying", "EXPERIMENTAL-vg:32", "--bindings"],
                 name="sspi_server-valgrind", env=client_env)
    port = int(ours.wait_for(r"listening: 127\.0\.0\.1:(\d+)", stream="err", timeout=60).group(1))
    c = subprocess.run([tool("openssl"), "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", pki["ca.pem"],
                        "-verify_return_error", "-ign_eof", flag, "-alpn", "http/1.1", "-servername", "localhost",
                        "-cert", pki["client-rsa.pem"], "-key", pki["client-rsa.key"]],
                       input=b"GET / HTTP/1.1\r\n\r\n", capture_output=True, timeout=120)
    assert c.returncode == 0, c.stdout.decode()
    assert ours.wait(120) == 0, ours.stderr()
    valgrind_clean(ours.stderr())


@pytest.mark.parametrize("program", PROGRAMS)
def test_examples_build_as_windows_programs(tmp_path, program):
    """The same source, built by mingw-w64 against Windows' headers and
    import libraries (secur32, crypt32, ws2_32): it is Windows SSPI code."""
    cc = tool("x86_64-w64-mingw32-gcc")
    r = subprocess.run(
        [cc, "-std=c11", "-Wall", "-Wextra", "-Werror", str(EXAMPLES / f"{program}.c"), "-o",
         str(tmp_path / f"{program}.exe"), "-lsecur32", "-lcrypt32", "-lws2_32"],
        capture_output=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr.decode()
    assert (tmp_path / f"{program}.exe").read_bytes()[:2] == b"MZ"


@pytest.mark.parametrize("flag", ["-tls1_3", "-tls1_2"])
def test_minimal_client_against_s_server(lib_dir, tmp_path, s_server, client_env, flag):
    """minimal_client.c, whose token loop the README quotes, against OpenSSL: the page
    s_server -www sends comes out whole, and the exit status says close_notify arrived."""
    pre, post = compile_flags(lib_dir)
    exe = tmp_path / "minimal_client"
    r = subprocess.run(pre + [str(EXAMPLES / "minimal_client.c"), "-o", str(exe)] + post, capture_output=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr.decode()
    srv = s_server("server-ecdsa", flag, "-www")
    r = subprocess.run([exe, "localhost", str(srv.port)], env=client_env, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    page = r.stdout.decode(errors="replace")
    assert page.startswith("HTTP/1.0 200 ok\r\n"), page
    assert f"Protocol  : TLSv1.{3 if flag == '-tls1_3' else 2}" in page, page
    assert page.rstrip().endswith("</HTML>"), page[-200:]
