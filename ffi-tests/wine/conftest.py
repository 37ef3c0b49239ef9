"""The Wine layer (make test-wine): Windows programs built by mingw-w64 from the same example
sources as the Linux ones, run under Wine 8 with our secur32.dll as a native override. One
prefix per run (headless, under pytest's temporary directory, stopped at the end); the peers
are the interop layer's (its PKI, OpenSSL's s_server/s_client), so a new case is one
test_*.py file here using the fixtures below."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "ffi-tests" / "interop"))

from interop_support import *  # noqa: E402,F401,F403
from interop_support import PASSWORD  # noqa: E402,F401

WINE = shutil.which("wine64") or ("/usr/lib/wine/wine64" if os.path.exists("/usr/lib/wine/wine64") else None)
DLL_DIR = REPO / "target" / "dll"
MINGW = "x86_64-w64-mingw32-gcc"
# Each program: its source and the libraries it links (SSPI from our import library).
PROGRAMS = {
    "sspi_client": (REPO / "ffi-tests/examples/sspi_client.c", ["-L", str(DLL_DIR), "-lsecur32", "-lcrypt32", "-lws2_32"]),
    "sspi_server": (REPO / "ffi-tests/examples/sspi_server.c", ["-L", str(DLL_DIR), "-lsecur32", "-lcrypt32", "-lws2_32"]),
    "http_auth": (REPO / "ffi-tests/examples/http_auth.c", ["-L", str(DLL_DIR), "-lsecur32", "-lcrypt32", "-lws2_32"]),
    "winhttp_get": (REPO / "ffi-tests/wine/winhttp_get.c", ["-lwinhttp"]),
    "add_root": (REPO / "ffi-tests/wine/add_root.c", ["-lcrypt32"]),
    # The C layer's test of the exports outside the function table, built for Windows.
    "test_secext": (REPO / "ffi-tests/c/test_secext.c", ["-L", str(DLL_DIR), "-lsecur32"]),
}

if WINE is None or shutil.which(MINGW) is None:
    pytest.exit("test-wine needs wine64 (Debian: wine64) and mingw-w64 (gcc-mingw-w64-x86-64)", returncode=1)


@pytest.fixture(scope="session")
def wine_dir(tmp_path_factory):
    """The programs, beside our secur32.dll and the bcryptprimitives.dll shim (Wine < 8.13):
    Windows' loader takes a DLL from the program's directory first."""
    d = tmp_path_factory.mktemp("wine-bin")
    for dll in ("secur32.dll", "bcryptprimitives.dll"):
        assert (DLL_DIR / dll).exists(), f"run make dll first: {DLL_DIR / dll} is missing"
        shutil.copy(DLL_DIR / dll, d / dll)
    for name, (src, libs) in PROGRAMS.items():
        subprocess.run([MINGW, "-std=c11", "-Wall", "-Wextra", "-Werror", str(src), "-o", str(d / f"{name}.exe"),
                        *libs], check=True)
    return d


@pytest.fixture(scope="session")
def wine_env(tmp_path_factory):
    """A fresh, headless prefix; wineserver is stopped at the end."""
    prefix = tmp_path_factory.mktemp("wineprefix")
    env = dict(os.environ, WINEPREFIX=str(prefix), WINEDEBUG="-all", WINEDLLOVERRIDES="secur32=n;mscoree,mshtml=")
    env.pop("DISPLAY", None)
    env.pop("SSL_CERT_DIR", None)
    subprocess.run([WINE, "wineboot", "-i"], env=env, check=True, timeout=300,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield env
    subprocess.run([shutil.which("wineserver") or "/usr/lib/wine/wineserver", "-k"], env=env, timeout=60)


@pytest.fixture
def wine(wine_dir, wine_env):
    """wine(program, *args, env=..., input=..., timeout=...) → CompletedProcess (text)."""

    def run_(program, *args, env=None, input=None, timeout=60):
        return subprocess.run([WINE, str(wine_dir / f"{program}.exe"), *map(str, args)], env=dict(wine_env, **(env or {})),
                              input=input, capture_output=True, timeout=timeout, cwd=wine_dir)

    return run_


@pytest.fixture
def wine_proc(wine_dir, wine_env, procs):
    """Starts a program under Wine as a managed process (the interop layer's Proc)."""

    def start(program, *args, env=None):
        return procs([WINE, str(wine_dir / f"{program}.exe"), *map(str, args)], name=program,
                     env=dict(wine_env, **(env or {})))

    return start
