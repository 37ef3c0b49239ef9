"""CredSSP against FreeRDP 2 (Debian freerdp2-x11, freerdp2-shadow-x11, winpr-utils), RDP's
Network Level Authentication on loopback, under a private Xvfb. The test speaks the few bytes
of RDP's X.224 Connection Request / Confirm (PROTOCOL_HYBRID) around the CredSSP stream, whose
tokens go over the socket as they come:

* xfreerdp (/sec:nla +auth-only) against our CREDSSP server: FreeRDP 2 sends raw NTLM inside
  the TSRequests, which our Negotiate acceptor takes. The delegated password arrives
  (SECPKG_ATTR_CREDS); the RDP PDU xfreerdp sends right behind its last TSRequest comes back
  as SECBUFFER_EXTRA and opens with DecryptMessage over the TLS channel (an MCS Connect
  Initial). A wrong password: our server answers errorCode, xfreerdp reports a logon failure.
* our CREDSSP client against freerdp-shadow-cli (/sec:nla, a SAM file from winpr-hash):
  FreeRDP 2's server expects raw NTLM too, which our client sends when the identity's
  PackageList is "NTLM". The right password completes (SEC_E_OK) and the server keeps the
  connection for RDP; a wrong one is refused by the server (its log says so) and our client
  never completes."""

import ctypes
import os
import shutil
import socket
import subprocess
import sys
import time
from ctypes import byref, string_at

import pytest

from interop_support import REPO, make_pfx

sys.path.insert(0, str(REPO / "ffi-tests" / "python"))

import sspi as S  # noqa: E402
from ntlm_helpers import acquire, desc, free_cred, identity_exw  # noqa: E402

pytestmark = pytest.mark.skipif(
    not all(shutil.which(p) for p in ("xfreerdp", "freerdp-shadow-cli", "winpr-hash", "Xvfb")),
    reason="FreeRDP 2 or Xvfb is missing (freerdp2-x11 freerdp2-shadow-x11 winpr-utils xvfb)")

USER, DOMAIN, PASSWORD = "user1", "EXAMPLE", "userpw"
# X.224 Connection Confirm with RDP_NEG_RSP selecting PROTOCOL_HYBRID (CredSSP), MS-RDPBCGR 2.2.1.2.
CONNECTION_CONFIRM = bytes.fromhex("0300 0013 0ed0 0000 1234 00 02 00 0800 02000000".replace(" ", ""))


@pytest.fixture(scope="module")
def lib(lib_dir):
    return S.load(lib_dir / "libsecur32.so")


@pytest.fixture(scope="module")
def display(tmp_path_factory):
    """A private Xvfb. -displayfd lets the server take a free display number itself and write
    it once it accepts connections: no race with another X server (or another test run)
    choosing the same number, and no guessing how long it takes to come up."""
    d = tmp_path_factory.mktemp("xvfb")
    rfd, wfd = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(wfd), "-nolisten", "tcp", "-screen", "0", "1024x768x24"],
                            stdout=subprocess.DEVNULL, stderr=open(d / "xvfb.log", "w"), cwd=d, pass_fds=(wfd,))
    os.close(wfd)
    number = b""
    with os.fdopen(rfd, "rb") as r:
        while not number.endswith(b"\n"):
            chunk = r.read(1)
            if not chunk:
                break
            number += chunk
    assert number.strip().isdigit(), f"Xvfb gave no display: {(d / 'xvfb.log').read_text(errors='replace')}"
    yield f":{number.strip().decode()}"
    proc.terminate()
    proc.wait(10)


def start_shadow(env, tmp_path, log):
    """freerdp-shadow-cli on a free loopback port with a SAM file for USER; returns (process,
    port) once it accepts connections. Another program taking the probed port first makes the
    server exit: then a new port is tried. Its log is in the assertion when it never listens."""
    sam = tmp_path / "sam"
    with open(sam, "w") as f:
        subprocess.run(["winpr-hash", "-u", USER, "-p", PASSWORD, "-d", DOMAIN, "-f", "sam"], stdout=f, check=True)
    for _attempt in range(3):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        srv = subprocess.Popen(["freerdp-shadow-cli", f"/port:{port}", "/bind-address:127.0.0.1", "/sec:nla",
                                f"/sam-file:{sam}"], env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while srv.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                return srv, port
            except OSError:
                time.sleep(0.05)
        if srv.poll() is None:
            srv.kill()
        srv.wait(10)
    raise AssertionError(f"freerdp-shadow-cli did not listen: {log.read_text(errors='replace')}")


@pytest.fixture
def env(tmp_path, display, monkeypatch):
    f = tmp_path / "ntlm-users"
    f.write_text(f"{DOMAIN}:{USER}:{PASSWORD}\n")
    monkeypatch.setenv("NTLM_USER_FILE", str(f))
    monkeypatch.setenv("KRB5_CONFIG", str(tmp_path / "no-krb5.conf"))
    return dict(os.environ, HOME=str(tmp_path), DISPLAY=display)


class Ours:
    """One end of the CredSSP stream over a socket: each call takes what the socket has,
    keeps a record cut short for the next read, and reports SECBUFFER_EXTRA."""

    def __init__(self, lib, cred, client, target=None):
        self.lib, self.cred, self.client, self.target = lib, cred, client, target
        self.ctx, self.started, self.attrs = S.CtxtHandle(), False, S.ULONG()

    def step(self, token):
        keep = []
        in_desc = None
        if token is not None:
            tbuf = ctypes.create_string_buffer(token, len(token))
            keep.append(tbuf)
            in_desc, in_arr = desc([(len(token), S.SECBUFFER_TOKEN, ctypes.addressof(tbuf)), (0, S.SECBUFFER_EMPTY, None)])
            keep.append(in_arr)
        out_desc, out_arr = desc([(0, S.SECBUFFER_TOKEN, None)])
        prev = byref(self.ctx) if self.started else None
        if self.client:
            st = self.lib.InitializeSecurityContextW(
                byref(self.cred), prev, S.wstr(self.target), S.ISC_REQ_ALLOCATE_MEMORY | S.ISC_REQ_CONFIDENTIALITY, 0,
                S.SECURITY_NATIVE_DREP, byref(in_desc) if in_desc else None, 0, byref(self.ctx), byref(out_desc),
                byref(self.attrs), None)
        else:
            st = self.lib.AcceptSecurityContext(
                byref(self.cred), prev, byref(in_desc), S.ASC_REQ_ALLOCATE_MEMORY | S.ASC_REQ_CONFIDENTIALITY,
                S.SECURITY_NATIVE_DREP, byref(self.ctx), byref(out_desc), byref(self.attrs), None)
        if st in (S.SEC_E_OK, S.SEC_I_CONTINUE_NEEDED):
            self.started = True
        out = out_arr[0]
        data = string_at(out.pvBuffer, out.cbBuffer) if out.pvBuffer and out.cbBuffer else b""
        if out.pvBuffer:
            assert self.lib.FreeContextBuffer(out.pvBuffer) == S.SEC_E_OK
        extra = 0
        if in_desc is not None and in_arr[1].BufferType == S.SECBUFFER_EXTRA:
            extra = in_arr[1].cbBuffer
        if st == S.SEC_E_INCOMPLETE_MESSAGE:
            assert in_arr[1].BufferType == S.SECBUFFER_MISSING
        return st, data, extra

    def run(self, sock, first=None):
        """The loop over the socket until this end is done or fails: (status, unused input)."""
        pending = b""
        token = first
        st, out, extra = (self.step(None) if self.client else (S.SEC_I_CONTINUE_NEEDED, b"", 0))
        while True:
            if out:
                sock.sendall(out)
            if st not in (S.SEC_I_CONTINUE_NEEDED, S.SEC_E_INCOMPLETE_MESSAGE):
                return st, (pending[-extra:] if extra else b"")
            try:
                data = sock.recv(65536)
            except (socket.timeout, ConnectionResetError):
                data = b""
            if not data:
                return st, b""
            pending = (pending if st == S.SEC_E_INCOMPLETE_MESSAGE else b"") + data
            token = pending
            st, out, extra = self.step(token)

    def delete(self):
        if self.started:
            self.lib.DeleteSecurityContext(byref(self.ctx))


def server_credential(lib, tmp_path):
    blob = S.data_blob(make_pfx(tmp_path).read_bytes())
    store = lib.PFXImportCertStore(byref(blob), S.wstr(""), 0)
    assert store
    leaf = lib.CertEnumCertificatesInStore(store, None)
    certs = (S.PCCERT_CONTEXT * 1)(leaf)
    sc = S.SCHANNEL_CRED()
    sc.dwVersion, sc.cCreds, sc.paCred = S.SCHANNEL_CRED_VERSION, 1, certs
    cc = S.CREDSSP_CRED(S.CredsspSchannelCreds, ctypes.cast(byref(sc), ctypes.c_void_p), None)
    st, cred = acquire(lib, S.SECPKG_CRED_INBOUND, cc, package="CREDSSP")
    assert st == S.SEC_E_OK, S.status_name(st)
    return cred


def stream_open(lib, ctx, records):
    buf = ctypes.create_string_buffer(records, len(records))
    bufs = (S.SecBuffer * 4)((len(records), S.SECBUFFER_DATA, ctypes.addressof(buf)), (0, S.SECBUFFER_EMPTY, None),
                             (0, S.SECBUFFER_EMPTY, None), (0, S.SECBUFFER_EMPTY, None))
    d = S.SecBufferDesc(S.SECBUFFER_VERSION, 4, bufs)
    qop = S.ULONG()
    st = lib.DecryptMessage(byref(ctx), byref(d), 0, byref(qop))
    data = [b for b in bufs if b.BufferType == S.SECBUFFER_DATA]
    return st, (string_at(data[0].pvBuffer, data[0].cbBuffer) if data else b"")


def xfreerdp_against_ours(lib, env, tmp_path, password):
    cred = server_credential(lib, tmp_path)
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    port = ls.getsockname()[1]
    cli = subprocess.Popen(["xfreerdp", f"/v:127.0.0.1:{port}", "/sec:nla", f"/u:{USER}", f"/d:{DOMAIN}",
                            f"/p:{password}", "/cert:ignore", "+auth-only"], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    ours = Ours(lib, cred, client=False)
    try:
        ls.settimeout(30)
        s, _ = ls.accept()
        s.settimeout(20)
        request = s.recv(4096)
        assert request[:2] == b"\x03\x00" and request[5] == 0xE0, request.hex()
        assert request[-8:-4] == b"\x01\x00\x08\x00", "RDP_NEG_REQ"
        assert int.from_bytes(request[-4:], "little") & 2, "PROTOCOL_HYBRID requested"
        s.sendall(CONNECTION_CONFIRM)
        st, extra = ours.run(s)
        return st, extra, ours, cli, s
    finally:
        ls.close()
        free_cred(lib, cred)


def test_xfreerdp_against_our_server(lib, env, tmp_path):
    st, extra, ours, cli, s = xfreerdp_against_ours(lib, env, tmp_path, PASSWORD)
    try:
        assert st == S.SEC_E_OK, S.status_name(st)
        cc = S.SecPkgContext_ClientCreds()
        assert lib.QueryContextAttributesW(byref(ours.ctx), S.SECPKG_ATTR_CREDS, byref(cc)) == S.SEC_E_OK
        der = string_at(cc.AuthBuffer, cc.AuthBufferLen)
        assert lib.FreeContextBuffer(cc.AuthBuffer) == S.SEC_E_OK
        from spnego._credssp_structures import TSCredentials
        creds = TSCredentials.unpack(der).credentials
        assert (creds.domain_name, creds.username, creds.password) == (DOMAIN, USER, PASSWORD)
        # The RDP PDU behind the last TSRequest: reported as EXTRA (or read next), opened over TLS.
        records = extra
        s.settimeout(10)
        while len(records) < 5:
            records += s.recv(65536)
        dst, pdu = stream_open(lib, ours.ctx, records)
        assert dst == S.SEC_E_OK, S.status_name(dst)
        assert pdu[:2] == b"\x03\x00" and pdu[4:7] == b"\x02\xf0\x80" and pdu[7:9] == b"\x7f\x65", \
            f"an MCS Connect Initial: {pdu[:16].hex()}"
    finally:
        cli.kill()
        cli.wait(10)
        s.close()
        ours.delete()


def test_xfreerdp_wrong_password(lib, env, tmp_path):
    st, _, ours, cli, s = xfreerdp_against_ours(lib, env, tmp_path, "wrong")
    try:
        assert st == S.SEC_E_LOGON_DENIED, S.status_name(st)
        out = cli.communicate(timeout=30)[0].decode(errors="replace")
        assert cli.returncode != 0
        assert "ERRCONNECT_LOGON_FAILURE" in out, out[-2000:]
    finally:
        if cli.poll() is None:
            cli.kill()
        s.close()
        ours.delete()


def ours_against_shadow(lib, env, tmp_path, password):
    log = tmp_path / "shadow.log"
    srv, port = start_shadow(env, tmp_path, log)
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    ident = identity_exw(USER, DOMAIN, password, package_list="NTLM")
    cc = S.CREDSSP_CRED(S.CredsspPasswordCreds, None, ctypes.cast(byref(ident), ctypes.c_void_p))
    st, cred = acquire(lib, S.SECPKG_CRED_OUTBOUND, cc, package="CREDSSP")
    assert st == S.SEC_E_OK
    cookie = f"Cookie: mstshash={USER}\r\n".encode()
    neg = bytes([1, 0, 8, 0, 3, 0, 0, 0])  # RDP_NEG_REQ: PROTOCOL_SSL | PROTOCOL_HYBRID
    x224 = bytes([6 + len(cookie) + len(neg), 0xE0, 0, 0, 0, 0, 0]) + cookie + neg
    s.sendall(b"\x03\x00" + (4 + len(x224)).to_bytes(2, "big") + x224)
    confirm = s.recv(4096)
    assert confirm[5] == 0xD0 and confirm[11] == 0x02 and confirm[15] == 0x02, f"HYBRID selected: {confirm.hex()}"
    ours = Ours(lib, cred, client=True, target="TERMSRV/127.0.0.1")
    st, _ = ours.run(s)
    return st, ours, s, srv, log, cred, ident


def test_our_client_against_shadow_server(lib, env, tmp_path):
    st, ours, s, srv, log, cred, _ = ours_against_shadow(lib, env, tmp_path, PASSWORD)
    try:
        assert st == S.SEC_E_OK, S.status_name(st)
        # The server took the credentials: it waits for RDP on the connection, no failure logged.
        s.settimeout(1.5)
        with pytest.raises(socket.timeout):
            s.recv(1)
        assert "authentication failure" not in log.read_text(errors="replace")
        pi = S.SecPkgContext_PackageInfoW()
        assert lib.QueryContextAttributesW(byref(ours.ctx), S.SECPKG_ATTR_NEGOTIATION_PACKAGE, byref(pi)) == S.SEC_E_OK
        assert S.read_wstr(pi.PackageInfo.contents.Name) == "NTLM"
        assert lib.FreeContextBuffer(pi.PackageInfo) == S.SEC_E_OK
    finally:
        s.close()
        ours.delete()
        free_cred(lib, cred)
        srv.terminate()
        srv.wait(10)


def test_our_client_wrong_password_against_shadow_server(lib, env, tmp_path):
    st, ours, s, srv, log, cred, _ = ours_against_shadow(lib, env, tmp_path, "wrong")
    try:
        assert st != S.SEC_E_OK and st < 0, S.status_name(st)
        time.sleep(0.3)
        assert "client authentication failure" in log.read_text(errors="replace")
    finally:
        s.close()
        ours.delete()
        free_cred(lib, cred)
        srv.terminate()
        srv.wait(10)


# ---- The C example ffi-tests/examples/rdp_nla.c (ASan + UBSan), in both roles.

def start_example_server(programs, procs, env, tmp_path):
    from interop_support import sanitizer_env
    e = dict(env, **sanitizer_env())
    srv = procs([programs["rdp_nla"], "server", make_pfx(tmp_path)], name="rdp_nla server", env=e)
    port = int(srv.wait_for(r"listening: 127\.0\.0\.1:(\d+)", stream="err").group(1))
    return srv, port


def test_example_client_and_server(programs, procs, env, tmp_path):
    from interop_support import sanitizer_env
    srv, port = start_example_server(programs, procs, env, tmp_path)
    r = subprocess.run([programs["rdp_nla"], "client", "--user", f"{DOMAIN}\\{USER}", "--password", PASSWORD,
                        "127.0.0.1", str(port)], env=dict(env, **sanitizer_env()), capture_output=True, timeout=60)
    assert r.returncode == 0 and r.stdout == b"authenticated\n", r.stderr.decode(errors="replace")
    assert srv.wait(30) == 0, srv.stderr()
    out = srv.stdout().decode(errors="replace")
    assert f"delegated: {DOMAIN}\\{USER}" in out and "package: NTLM" in out, out


def test_xfreerdp_against_the_example_server(programs, procs, env, tmp_path):
    srv, port = start_example_server(programs, procs, env, tmp_path)
    cli = subprocess.Popen(["xfreerdp", f"/v:127.0.0.1:{port}", "/sec:nla", f"/u:{USER}", f"/d:{DOMAIN}",
                            f"/p:{PASSWORD}", "/cert:ignore", "+auth-only"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        assert srv.wait(60) == 0, srv.stderr()
        out = srv.stdout().decode(errors="replace")
        assert f"delegated: {DOMAIN}\\{USER}" in out, out
        # RDP's next PDU after NLA, opened over the TLS channel: an MCS Connect Initial.
        assert "next PDU: 03 00" in out and " 02 f0 80 7f 65" in out, out
    finally:
        cli.kill()
        cli.wait(10)


def test_example_client_against_shadow_server(programs, env, tmp_path):
    from interop_support import sanitizer_env
    srv, port = start_shadow(env, tmp_path, tmp_path / "shadow.log")
    try:
        for password, ok in ((PASSWORD, True), ("wrong", False)):
            r = subprocess.run([programs["rdp_nla"], "client", "--ntlm", "--user", f"{DOMAIN}\\{USER}", "--password",
                                password, "127.0.0.1", str(port)], env=dict(env, **sanitizer_env()),
                               capture_output=True, timeout=60)
            assert (r.returncode == 0) == ok, (password, r.stderr.decode(errors="replace"))
            if ok:
                assert r.stdout == b"authenticated\n"
    finally:
        srv.terminate()
        srv.wait(10)
