"""make install-wine: our DLLs in a fresh prefix's system32 and secur32 native for one
program only (a per-application override). The same client, under its own name, uses our
secur32 (TLS 1.3 with validation); renamed, it gets Wine's builtin one, which cannot do
TLS 1.3 (Wine 8 refuses it). The programs sit in a directory without any DLL."""

import shutil
import subprocess

from conftest import REPO, WINE


def test_per_application_override(wine_dir, wine_env, s_server, pki, tmp_path):
    prefix = tmp_path / "prefix"
    env = dict(wine_env, WINEPREFIX=str(prefix))
    env.pop("WINEDLLOVERRIDES")
    r = subprocess.run(["make", "-s", "-C", str(REPO), "install-wine", f"WINEPREFIX={prefix}", "WINE_APP=sspi_client.exe"],
                       env=env, capture_output=True, timeout=900)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    assert (prefix / "drive_c/windows/system32/secur32.dll").read_bytes() == (REPO / "target/dll/secur32.dll").read_bytes()
    bare = tmp_path / "bin"
    bare.mkdir()
    for name in ("sspi_client.exe", "other.exe"):
        shutil.copy(wine_dir / "sspi_client.exe", bare / name)
    srv = s_server("server-rsa", "-www", "-tls1_3")
    runs = {}
    for name in ("sspi_client.exe", "other.exe"):
        runs[name] = subprocess.run([WINE, str(bare / name), "--name", "localhost", "127.0.0.1", str(srv.port)],
                                    env=dict(env, SSL_CERT_FILE=pki["ca.pem"]), capture_output=True, timeout=120,
                                    cwd=bare)
    ours = runs["sspi_client.exe"].stderr.decode(errors="replace")
    assert runs["sspi_client.exe"].returncode == 0 and "protocol: TLS 1.3" in ours, ours
    builtin = runs["other.exe"].stderr.decode(errors="replace")
    assert runs["other.exe"].returncode != 0 and "protocol: TLS 1.3" not in builtin, builtin
    subprocess.run([shutil.which("wineserver") or "/usr/lib/wine/wineserver", "-k"], env=env, timeout=60)
