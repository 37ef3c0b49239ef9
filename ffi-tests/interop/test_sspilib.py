"""sspilib, the PyPI SSPI binding (pyspnego's SSPI backend), running on our library.

On Linux sspilib's wheels carry sspi-rs as libsspi.so. Here its sdist (fetched by
.ci/install-deps into .venv/sdist) is built offline with its own setup.py, which links
-lsspi: a libsspi.so that is our libsecur32.so, so the extensions record our SONAME
(libsecur32.so.0) and load this checkout's library at run time. The scenarios
(sspilib_scenarios.py) use sspilib's own high-level and raw APIs, as its users do."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from interop_support import REPO

SDIST_DIR = REPO / ".venv" / "sdist"
BUILD = REPO / "ffi-tests" / "build" / "sspilib"
SCENARIOS = Path(__file__).resolve().parent / "sspilib_scenarios.py"


@pytest.fixture(scope="module")
def sspilib_site(lib_dir):
    """A directory holding sspilib built against our library (built once, then kept: the
    extensions bind to our exports by name, not to one build of the library)."""
    sdists = sorted(SDIST_DIR.glob("sspilib-*.tar.gz"))
    if not sdists:
        pytest.fail(f"no sspilib sdist in {SDIST_DIR}: run make deps (.ci/install-deps fetches it)")
    sdist = sdists[-1]
    site = BUILD / sdist.name.removesuffix(".tar.gz") / "site"
    if not (site / "sspilib" / "raw").is_dir():
        link = BUILD / "lib"
        link.mkdir(parents=True, exist_ok=True)
        target = link / "libsspi.so"
        if target.is_symlink() or target.exists():
            target.unlink()
        target.symlink_to(lib_dir / "libsecur32.so")
        wheels = BUILD / "wheels"
        env = dict(os.environ, SSPI_MAIN_LIB=str(lib_dir / "libsecur32.so"), LIBRARY_PATH=str(link))
        pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
        r = subprocess.run(pip + ["wheel", "--no-build-isolation", "--no-deps", "--no-index", "-w", str(wheels),
                                  str(sdist)], env=env, capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        wheel = sorted(wheels.glob("sspilib-*.whl"))[-1]
        r = subprocess.run(pip + ["install", "--no-deps", "--no-index", "--target", str(site), str(wheel)],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    ext = next((site / "sspilib" / "raw").glob("_credential*.so"))
    needed = subprocess.run(["readelf", "-d", str(ext)], capture_output=True, text=True).stdout
    assert "libsecur32.so.0" in needed, needed  # ours, not sspi-rs
    return site


@pytest.mark.parametrize("scenario", ["packages", "ntlm-both-ours", "ntlm-client-pyspnego-server",
                                      "pyspnego-client-ntlm-server", "wrong-password", "bindings",
                                      "negotiate-default", "negotiate-pyspnego"])
def test_sspilib_on_our_library(lib_dir, sspilib_site, tmp_path, scenario):
    users = tmp_path / "users"
    users.write_text("EXAMPLE:alice:s3cret\n")
    # No Kerberos realm (KRB5_CONFIG empty, no keytab): Negotiate uses NTLM, and nothing is looked up.
    env = dict(os.environ, PYTHONPATH=str(sspilib_site), LD_LIBRARY_PATH=str(lib_dir), NTLM_USER_FILE=str(users),
               KRB5_CONFIG="/dev/null", KRB5_KTNAME=str(tmp_path / "no.keytab"), KRB5CCNAME=f"FILE:{tmp_path}/no-cc")
    r = subprocess.run([sys.executable, str(SCENARIOS), scenario], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert r.stdout.strip() == f"ok {scenario}"
