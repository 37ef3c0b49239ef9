"""pytest fixtures for the ctypes tests: the library and a fresh credential."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import sspi  # noqa: E402


@pytest.fixture(scope="session")
def lib():
    path = sspi.default_library_path()
    if not path.exists():
        pytest.exit(f"{path} does not exist: run `make build` first (or set SSPI_RUSTLS_LIB)", returncode=2)
    return sspi.load(path)


@pytest.fixture
def outbound(lib):
    """An outbound Schannel credential with default settings, freed afterwards."""
    ss, handle = sspi.acquire(lib, sspi.SECPKG_CRED_OUTBOUND, sspi.schannel_cred())
    assert ss == sspi.SEC_E_OK
    yield handle
    assert lib.FreeCredentialsHandle(sspi.byref(handle)) == sspi.SEC_E_OK
