"""HTTP NTLM authentication against Apache with mod_auth_gssapi over gss-ntlmssp: our C
example ffi-tests/examples/http_auth.c (a Windows program's Windows-integrated HTTP
authentication: 401, then the InitializeSecurityContext legs in Authorization headers over
one keep-alive connection) built under ASan + UBSan, with both the "NTLM" scheme and
"Negotiate" carrying raw NTLMSSP, as browsers and WinHTTP send them. Apache runs with a
private config in a temp dir (-DFOREGROUND, stopped by the test); its access log says which
user it authenticated."""

import os
import subprocess

import pytest

from interop_support import (APACHE_NTLM_MISSING, NTLM_DOMAIN, NTLM_PASSWORD, NTLM_USER,
                              apache_ntlm_available, apache_ntlm_server, sanitizer_env)

USER, DOMAIN, PASSWORD = NTLM_USER, NTLM_DOMAIN, NTLM_PASSWORD

pytestmark = pytest.mark.skipif(not apache_ntlm_available(), reason=APACHE_NTLM_MISSING)


@pytest.fixture
def apache(procs):
    with apache_ntlm_server(procs) as proc:
        yield proc


def http_auth(programs, port, *args, env=None):
    e = dict(os.environ, **sanitizer_env(), NTLM_USER_FILE="/dev/null")
    e.update(env or {})
    return subprocess.run([programs["http_auth"], *args, "127.0.0.1", str(port), "/ntlm/"], env=e,
                          capture_output=True, timeout=60)


def access_log(apache):
    return (apache.dir / "access.log").read_text(errors="replace")


@pytest.mark.parametrize("scheme", ["NTLM", "Negotiate"])
def test_http_ntlm_against_apache(programs, apache, scheme):
    r = http_auth(programs, apache.port, "--scheme", scheme, "--user", f"{DOMAIN}\\{USER}", "--password", PASSWORD)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    assert r.stdout == b"the protected page\n"
    assert b"http_auth: HTTP 200" in r.stderr
    # Three requests: anonymous (401 + "WWW-Authenticate: NTLM"), NEGOTIATE (401 + CHALLENGE),
    # AUTHENTICATE (200), and Apache names the user (its log escapes the backslash).
    lines = access_log(apache).splitlines()
    assert lines == ["- 401 GET /ntlm/ HTTP/1.1"] * 2 + [f"{DOMAIN}\\\\{USER} 200 GET /ntlm/ HTTP/1.1"], lines


def test_http_ntlm_user_forms_and_default_credential(programs, apache, tmp_path):
    for user in (f"{USER}@{DOMAIN}", f"{DOMAIN}\\{USER}"):
        r = http_auth(programs, apache.port, "--user", user, "--password", PASSWORD)
        assert r.returncode == 0, r.stderr.decode(errors="replace")
    # No --user: the default credential, the first entry of NTLM_USER_FILE.
    users = tmp_path / "users"
    users.write_text(f"{DOMAIN}:{USER}:{PASSWORD}\n")
    r = http_auth(programs, apache.port, env={"NTLM_USER_FILE": str(users)})
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    assert r.stdout == b"the protected page\n"


@pytest.mark.parametrize("who", ["wrong password", "unknown user"])
def test_http_ntlm_refused(programs, apache, who):
    user = f"{DOMAIN}\\{USER}" if who == "wrong password" else f"{DOMAIN}\\mallory"
    password = "wrong" if who == "wrong password" else PASSWORD
    r = http_auth(programs, apache.port, "--user", user, "--password", password)
    assert r.returncode == 1, r.stderr.decode(errors="replace")
    assert b"http_auth: HTTP 401" in r.stderr, r.stderr
    assert r.stdout != b"the protected page\n"
