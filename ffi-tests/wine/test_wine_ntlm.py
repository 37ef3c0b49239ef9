"""NTLM through our secur32.dll under Wine: the example http_auth.exe (Windows-integrated HTTP
authentication, the InitializeSecurityContext legs in Authorization headers) against Apache
with mod_auth_gssapi over gss-ntlmssp, with the "NTLM" scheme and with "Negotiate" carrying
raw NTLMSSP; a wrong password refused. Apache's access log names the user it authenticated."""

import pytest

from interop_support import (APACHE_NTLM_MISSING, NTLM_DOMAIN, NTLM_PASSWORD, NTLM_USER,
                              apache_ntlm_available, apache_ntlm_server)

USER, DOMAIN, PASSWORD = NTLM_USER, NTLM_DOMAIN, NTLM_PASSWORD

pytestmark = pytest.mark.skipif(not apache_ntlm_available(), reason=APACHE_NTLM_MISSING)


@pytest.fixture
def apache(procs):
    with apache_ntlm_server(procs) as proc:
        yield proc


@pytest.mark.parametrize("scheme", ["NTLM", "Negotiate"])
def test_ntlm_under_wine_against_apache(wine, apache, scheme):
    r = wine("http_auth", "--scheme", scheme, "--user", f"{DOMAIN}\\{USER}", "--password", PASSWORD, "127.0.0.1",
             apache.port, "/ntlm/", env={"NTLM_USER_FILE": "/dev/null"})
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    assert r.stdout.replace(b"\r\n", b"\n") == b"the protected page\n"
    log = (apache.dir / "access.log").read_text(errors="replace").splitlines()
    assert log[-1] == f"{DOMAIN}\\\\{USER} 200 GET /ntlm/ HTTP/1.1", log


def test_ntlm_wrong_password_under_wine(wine, apache):
    r = wine("http_auth", "--scheme", "NTLM", "--user", f"{DOMAIN}\\{USER}", "--password", "wrong", "127.0.0.1",
             apache.port, "/ntlm/", env={"NTLM_USER_FILE": "/dev/null"})
    assert r.returncode != 0
    assert "200" not in (apache.dir / "access.log").read_text(errors="replace")
