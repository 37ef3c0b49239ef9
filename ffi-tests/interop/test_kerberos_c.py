"""The Kerberos package from C under ASan + UBSan (ffi-tests/interop/krb5_sspi.c, built
-Wall -Wextra -Werror as C11 and as C++17 against include/), against a real MIT KDC made for the
test (ffi-tests/python/krb5_realm.py)."""

import os
import subprocess
import sys

import pytest

from interop_support import REPO, compile_flags, run, sanitizer_env

sys.path.insert(0, str(REPO / "ffi-tests" / "python"))
import krb5_realm  # noqa: E402

REALM, USER, PASSWORD = "C.TEST", "cuser", "c-secret"
pytestmark = pytest.mark.skipif(not krb5_realm.available(), reason="MIT Kerberos (krb5-kdc) is not installed")


@pytest.fixture(scope="module")
def realm(tmp_path_factory):
    r = krb5_realm.Realm(tmp_path_factory.mktemp("krb5c"), REALM, USER, PASSWORD)
    yield r
    r.stop()


@pytest.mark.parametrize("lang", ["c11", "c++17"])
def test_kerberos_from_c_under_asan(lib_dir, tmp_path, realm, lang):
    pre, post = compile_flags(lib_dir)
    if lang == "c++17":
        pre = [os.environ.get("CXX", "c++"), "-x", "c++", "-std=c++17"] + [a for a in pre[1:] if a != "-std=c11"]
    exe = tmp_path / "krb5_sspi"
    run(pre + [str(REPO / "ffi-tests" / "interop" / "krb5_sspi.c"), "-o", str(exe)] + post, timeout=300)
    env = dict(os.environ, KRB5_CONFIG=str(realm.krb5_conf), KRB5_KTNAME=str(realm.keytab), KRB_USER=USER,
               KRB_REALM=REALM, KRB_PASSWORD=PASSWORD)
    env.update(sanitizer_env())
    r = subprocess.run([str(exe)], capture_output=True, timeout=120, env=env)
    assert r.returncode == 0 and b"result: ok" in r.stdout, r.stderr.decode(errors="replace")
