"""HTTP "WWW-Authenticate: Negotiate" with the Negotiate package, both roles, against real
peers, with a Kerberos realm made for each test (krb5kdc on loopback, files in a temp dir):

* curl --negotiate -u : (MIT's GSS-API SPNEGO with a kinit ticket) against our example server
  ffi-tests/examples/http_server.c (AcceptSecurityContext on "Negotiate"), which names the user
  and the package chosen; curl checks the server's last token (the AP-REP inside SPNEGO);
* our example client ffi-tests/examples/http_auth.c (--package Negotiate) against Apache with
  mod_auth_gssapi: Kerberos with a password identity and with the default ccache, and the NTLM
  fallback (an SPN the KDC does not know) against a location that only speaks NTLM
  (gss-ntlmssp) inside SPNEGO;
* the client against our own server, Kerberos and NTLM.

The examples are built under ASan + UBSan (the programs fixture)."""

import os
import shutil
import subprocess
import sys

import pytest

from interop_support import (APACHE_NTLM_LOCATION, APACHE_NTLM_MISSING, NTLM_DOMAIN, NTLM_PASSWORD, NTLM_USER,
                              NTLM_USERS, REPO, apache_ntlm_available, apache_server, sanitizer_env)

sys.path.insert(0, str(REPO / "ffi-tests" / "python"))
import krb5_realm  # noqa: E402

REALM, USER, PASSWORD = "HTTP.TEST", "webuser", "web-secret"

pytestmark = pytest.mark.skipif(not krb5_realm.available() or shutil.which("curl") is None,
                                reason="MIT Kerberos (krb5-kdc) or curl missing (make deps)")


@pytest.fixture
def realm(tmp_path):
    d = tmp_path / "krb5"
    d.mkdir()
    r = krb5_realm.Realm(d, REALM, USER, PASSWORD)
    r.ccache = d / "ccache"
    env = dict(os.environ, KRB5_CONFIG=str(r.krb5_conf), KRB5CCNAME=f"FILE:{r.ccache}")
    subprocess.run(["kinit", USER], input=f"{PASSWORD}\n".encode(), env=env, check=True, capture_output=True,
                   timeout=60)
    yield r
    r.stop()


def krb_env(realm, **extra):
    e = dict(os.environ, **sanitizer_env(), KRB5_CONFIG=str(realm.krb5_conf), KRB5CCNAME=f"FILE:{realm.ccache}",
             NTLM_USER_FILE="/dev/null")
    e.update(extra)
    return e


def start_server(programs, procs, env, count=1):
    srv = procs([programs["http_server"], "--count", str(count)], name="http_server", env=env)
    port = int(srv.wait_for(r"listening: 127\.0\.0\.1:(\d+)", stream="err").group(1))
    return srv, port


def http_auth(programs, port, path, *args, env):
    return subprocess.run([programs["http_auth"], "--package", "Negotiate", "--scheme", "Negotiate", *args,
                           "127.0.0.1", str(port), path], env=env, capture_output=True, timeout=60)


def test_curl_negotiate_against_our_server(programs, procs, realm):
    srv, port = start_server(programs, procs, krb_env(realm, KRB5_KTNAME=str(realm.keytab)))
    r = subprocess.run(["curl", "-sS", "--fail", "--negotiate", "-u", ":", f"http://localhost:{port}/"],
                       env=krb_env(realm), capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode(errors="replace") + srv.stderr()
    assert r.stdout.decode() == f"hello {USER}@{REALM} (Kerberos)\n"
    assert srv.wait(60) == 0, srv.stderr()
    assert f"authenticated {USER}@{REALM} with Kerberos" in srv.stderr()


def test_our_client_against_our_server(programs, procs, realm, tmp_path):
    # Kerberos, from a password identity, with the server's last token checked.
    srv, port = start_server(programs, procs, krb_env(realm, KRB5_KTNAME=str(realm.keytab)))
    r = http_auth(programs, port, "/", "--user", f"{USER}@{REALM}", "--password", PASSWORD, "--spn",
                  "HTTP/localhost", env=krb_env(realm))
    err = r.stderr.decode(errors="replace")
    assert r.returncode == 0, err + srv.stderr()
    assert r.stdout.decode() == f"hello {USER}@{REALM} (Kerberos)\n"
    assert "http_auth: server authenticated" in err and "http_auth: package: Kerberos" in err, err
    assert srv.wait(60) == 0, srv.stderr()
    # NTLM: a target the KDC does not know (HTTP/127.0.0.1), so Negotiate falls back.
    users = tmp_path / "users"
    users.write_text(f"{NTLM_DOMAIN}:{NTLM_USER}:{NTLM_PASSWORD}\n")
    srv, port = start_server(programs, procs, krb_env(realm, KRB5_KTNAME=str(realm.keytab),
                                                      NTLM_USER_FILE=str(users)))
    r = http_auth(programs, port, "/", "--user", f"{NTLM_DOMAIN}\\{NTLM_USER}", "--password", NTLM_PASSWORD,
                  env=krb_env(realm))
    err = r.stderr.decode(errors="replace")
    assert r.returncode == 0, err + srv.stderr()
    assert r.stdout.decode() == f"hello {NTLM_DOMAIN}\\{NTLM_USER} (NTLM)\n"
    assert "http_auth: package: NTLM" in err and "http_auth: server authenticated" in err, err


@pytest.fixture
def apache_krb(procs, realm):
    """Apache: /krb/ needs Kerberos (the keytab of HTTP/localhost), /ntlm/ NTLM (gss-ntlmssp)
    inside SPNEGO; krb5 and NTLM in separate locations (mixed in one, a child crashed)."""
    if not apache_ntlm_available():
        pytest.skip(APACHE_NTLM_MISSING)
    locations = """
<Location /krb>
  AuthType GSSAPI
  AuthName "sspi-rustls test"
  GssapiAllowedMech krb5
  GssapiCredStore keytab:{d}/http.keytab
  Require valid-user
</Location>
""" + APACHE_NTLM_LOCATION
    files = {"http.keytab": realm.keytab.read_bytes(), "krb5.conf": realm.krb5_conf.read_bytes(),
             "users": NTLM_USERS}
    with apache_server(procs, locations, {"krb/index.html": "the Kerberos page\n", "ntlm/index.html": "the NTLM page\n"},
                       files=files, env={"KRB5_CONFIG": "{d}/krb5.conf", "NTLM_USER_FILE": "{d}/users"}) as proc:
        yield proc


def access_log(apache):
    return (apache.dir / "access.log").read_text(errors="replace").splitlines()


def test_our_client_against_apache_kerberos(programs, apache_krb, realm):
    # A password identity, and no identity (the default ccache kinit filled).
    for ident in (["--user", f"{USER}@{REALM}", "--password", PASSWORD], []):
        r = http_auth(programs, apache_krb.port, "/krb/", "--spn", "HTTP/localhost", *ident, env=krb_env(realm))
        err = r.stderr.decode(errors="replace")
        assert r.returncode == 0, err
        assert r.stdout == b"the Kerberos page\n"
        assert "http_auth: package: Kerberos" in err, err
    assert access_log(apache_krb)[-1] == f"{USER}@{REALM} 200 GET /krb/ HTTP/1.1", access_log(apache_krb)


def test_our_client_falls_back_to_ntlm_against_apache(programs, apache_krb, realm):
    # The KDC is up but knows no HTTP/127.0.0.1: Kerberos cannot get a ticket, NTLM is used,
    # inside SPNEGO (the location speaks only NTLM, through MIT's SPNEGO and gss-ntlmssp).
    r = http_auth(programs, apache_krb.port, "/ntlm/", "--user", f"{NTLM_DOMAIN}\\{NTLM_USER}", "--password",
                  NTLM_PASSWORD, env=krb_env(realm))
    err = r.stderr.decode(errors="replace")
    assert r.returncode == 0, err
    assert r.stdout == b"the NTLM page\n"
    assert "http_auth: package: NTLM" in err and "http_auth: server authenticated" in err, err
    assert access_log(apache_krb)[-1] == f"{NTLM_DOMAIN}\\\\{NTLM_USER} 200 GET /ntlm/ HTTP/1.1", access_log(apache_krb)
    # A wrong password: Apache answers 401 with SPNEGO's reject, which our initiator reports as
    # SEC_E_LOGON_DENIED.
    r = http_auth(programs, apache_krb.port, "/ntlm/", "--user", f"{NTLM_DOMAIN}\\{NTLM_USER}", "--password",
                  "wrong", env=krb_env(realm))
    assert r.returncode == 1 and b"InitializeSecurityContext: 0x8009030c" in r.stderr, r.stderr
