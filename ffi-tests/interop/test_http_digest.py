"""HTTP Digest (RFC 7616) with the WDigest package, both roles, against real peers: curl
--digest (MD5 and SHA-256) and Python's urllib digest handler against our example server
ffi-tests/examples/http_server.c (AcceptSecurityContext (Digest)), and our example client
ffi-tests/examples/http_auth.c (InitializeSecurityContext (Digest)) against Apache with
mod_auth_digest (an htdigest file made here) and against our server; wrong passwords refused.
The examples are built under ASan + UBSan."""

import hashlib
import os
import shutil
import subprocess
import urllib.request

import pytest

from interop_support import APACHE_MODULES, apache_available, apache_server, sanitizer_env

USER, REALM, PASSWORD = "alice", "digest.test", "s3cret"


def start_server(programs, procs, *args, env=None):
    e = dict(os.environ, **sanitizer_env())
    e.update(env or {})
    srv = procs([programs["http_server"], "--package", "WDigest", *args], name="http_server", env=e)
    port = int(srv.wait_for(r"listening: 127\.0\.0\.1:(\d+)", stream="err").group(1))
    return srv, port


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is missing")
@pytest.mark.parametrize("alg", ["MD5", "SHA-256", "MD5-sess"])
def test_curl_digest_against_our_server(programs, procs, alg):
    srv, port = start_server(programs, procs, "--user", USER, "--password", PASSWORD, "--realm", REALM,
                             "--algorithm", alg)
    r = subprocess.run(["curl", "-sS", "--fail", "--digest", "-u", f"{USER}:{PASSWORD}", f"http://127.0.0.1:{port}/"],
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode(errors="replace") + srv.stderr()
    assert r.stdout == b"hello alice (WDigest)\n"
    assert srv.wait(60) == 0, srv.stderr()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is missing")
def test_curl_wrong_password_and_htdigest_users(programs, procs, tmp_path):
    # An htdigest file (no clear-text password stored) as the acceptor's users.
    users = tmp_path / "htdigest"
    ha1 = hashlib.md5(f"{USER}:{REALM}:{PASSWORD}".encode()).hexdigest()
    users.write_text(f"{USER}:{REALM}:{ha1}\n")
    srv, port = start_server(programs, procs, "--count", "1", env={"DIGEST_USER_FILE": str(users)})
    url = f"http://127.0.0.1:{port}/"
    r = subprocess.run(["curl", "-sS", "--digest", "-u", f"{USER}:wrong", "-o", "/dev/null", "-w", "%{http_code}", url],
                       capture_output=True, timeout=60)
    assert r.stdout == b"401", r.stdout
    r = subprocess.run(["curl", "-sS", "--fail", "--digest", "-u", f"{USER}:{PASSWORD}", url], capture_output=True,
                       timeout=60)
    assert r.returncode == 0 and r.stdout == b"hello alice (WDigest)\n", r.stderr.decode(errors="replace")
    assert srv.wait(60) == 0, srv.stderr()
    assert "AcceptSecurityContext: 0x8009030c" in srv.stderr(), "the wrong password: SEC_E_LOGON_DENIED"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is missing")
def test_curl_userhash(programs, procs):
    """Our challenge offers userhash=true: curl sends H(user:realm) as the username, for each URL
    (curl answers each 401 afresh; it does not sign later requests ahead)."""
    srv, port = start_server(programs, procs, "--user", USER, "--password", PASSWORD, "--realm", REALM,
                             "--algorithm", "SHA-256", "--count", "2")
    url = f"http://127.0.0.1:{port}/"
    r = subprocess.run(["curl", "-sS", "-v", "--fail", "--digest", "-u", f"{USER}:{PASSWORD}", url, url],
                       capture_output=True, timeout=60)
    err = r.stderr.decode(errors="replace")
    assert r.returncode == 0, err + srv.stderr()
    assert r.stdout == b"hello alice (WDigest)\n" * 2, err + srv.stderr()
    auths = [line for line in err.splitlines() if line.startswith("> Authorization: Digest")]
    hashed = hashlib.sha256(f"{USER}:{REALM}".encode()).hexdigest()
    assert len(auths) == 2 and all(f'username="{hashed}"' in a and "userhash=true" in a for a in auths), auths
    assert srv.wait(60) == 0, srv.stderr()


def test_python_urllib_against_our_server(programs, procs):
    srv, port = start_server(programs, procs, "--user", USER, "--password", PASSWORD, "--realm", REALM)
    url = f"http://127.0.0.1:{port}/"
    mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    mgr.add_password(None, url, USER, PASSWORD)
    opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(mgr))
    with opener.open(url, timeout=30) as resp:
        assert resp.read() == b"hello alice (WDigest)\n"
    assert srv.wait(60) == 0, srv.stderr()


def http_auth(programs, port, path, user, password, requests=1):
    return subprocess.run([programs["http_auth"], "--package", "WDigest", "--scheme", "Digest", "--user", user,
                           "--password", password, "--requests", str(requests), "127.0.0.1", str(port), path],
                          env=dict(os.environ, **sanitizer_env()), capture_output=True, timeout=60)


def test_our_client_against_our_server_sha256(programs, procs):
    srv, port = start_server(programs, procs, "--user", USER, "--password", PASSWORD, "--realm", REALM,
                             "--algorithm", "SHA-256")
    r = http_auth(programs, port, "/", f"{REALM}\\{USER}", PASSWORD)
    err = r.stderr.decode(errors="replace")
    assert r.returncode == 0, err + srv.stderr()
    assert r.stdout == b"hello alice (WDigest)\n"
    assert "http_auth: server authenticated (rspauth)" in err and "http_auth: package: WDigest" in err, err


def test_our_client_later_requests_with_make_signature(programs, procs):
    srv, port = start_server(programs, procs, "--user", USER, "--password", PASSWORD, "--realm", REALM,
                             "--count", "3")
    r = http_auth(programs, port, "/", f"{REALM}\\{USER}", PASSWORD, requests=3)
    err = r.stderr.decode(errors="replace")
    assert r.returncode == 0, err + srv.stderr()
    assert r.stdout == b"hello alice (WDigest)\n" + b"hello again (WDigest)\n" * 2, r.stdout
    assert err.count("(MakeSignature): HTTP 200") == 2, err
    assert srv.wait(60) == 0, srv.stderr()
    assert srv.stderr().count("a later request verified (VerifySignature)") == 2, srv.stderr()


@pytest.fixture
def apache_digest(procs):
    if not apache_available() or not (APACHE_MODULES / "mod_auth_digest.so").exists():
        pytest.skip("apache2 with mod_auth_digest is missing (make deps)")
    m = APACHE_MODULES
    locations = f"""
LoadModule auth_digest_module {m}/mod_auth_digest.so
LoadModule authn_file_module {m}/mod_authn_file.so
<Location /digest>
  AuthType Digest
  AuthName "{REALM}"
  AuthDigestProvider file
  AuthUserFile {{d}}/htdigest
  Require valid-user
</Location>
"""
    ha1 = hashlib.md5(f"{USER}:{REALM}:{PASSWORD}".encode()).hexdigest()
    with apache_server(procs, locations, {"digest/index.html": "the Digest page\n"},
                       files={"htdigest": f"{USER}:{REALM}:{ha1}\n".encode()}) as proc:
        yield proc


def test_our_client_against_apache_mod_auth_digest(programs, apache_digest):
    # Three requests on the connection: the later two signed with MakeSignature (nc 2 and 3),
    # which mod_auth_digest checks against the nonce it issued.
    r = http_auth(programs, apache_digest.port, "/digest/", f"{REALM}\\{USER}", PASSWORD, requests=3)
    err = r.stderr.decode(errors="replace")
    assert r.returncode == 0, err
    assert r.stdout == b"the Digest page\n" * 3
    assert "http_auth: server authenticated (rspauth)" in err, err
    log = (apache_digest.dir / "access.log").read_text(errors="replace").splitlines()
    assert log[-3:] == [f"{USER} 200 GET /digest/ HTTP/1.1"] * 3, log
    r = http_auth(programs, apache_digest.port, "/digest/", f"{REALM}\\{USER}", "wrong")
    assert r.returncode == 1 and b"HTTP 401" in r.stderr, r.stderr
