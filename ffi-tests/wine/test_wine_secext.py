"""secur32's exports outside the function table through our secur32.dll under Wine: the C
layer's ffi-tests/c/test_secext.c built by mingw-w64 (GetUserNameEx with its size query, here
over Wine's GetUserNameW and GetComputerNameW; the Sspi* identity helpers feeding
AcquireCredentialsHandle; the Lsa* probe). The program imports those functions from
secur32.dll, so that it loads at all proves the DLL exports them."""


def test_secext_exports_under_wine(wine):
    r = wine("test_secext")
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert b"test_secext: ok" in r.stdout
