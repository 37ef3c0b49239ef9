"""NTLM against three independent implementations, each in both roles, on our side the
library through ctypes as a Windows program drives it:

* pyspnego (PyPI, pure Python: its own NTLM), in this process;
* gss-ntlmssp (Debian), through Debian's python3-gssapi in a /usr/bin/python3 child
  (ntlm_gssapi_peer.py), the NTLM of GSSAPI programs on Linux;
* Samba's ntlm_auth (Debian's winbind), its ntlmssp-client-1 and squid-2.5-ntlmssp helper
  protocols, with a private smb.conf and no winbindd.

Each completes the three legs, agrees on the session key, and exchanges sealed and signed
messages in both directions; wrong passwords and mismatched channel bindings fail where
they must. Users come from an NTLM_USER_FILE in a temp dir (gss-ntlmssp's and pyspnego's
convention, and ours)."""

import base64
import shutil
import subprocess
import sys
from ctypes import byref, string_at
from pathlib import Path

import pytest

from interop_support import GSSNTLMSSP, REPO

sys.path.insert(0, str(REPO / "ffi-tests" / "python"))

import sspi as S  # noqa: E402
from ntlm_helpers import Side, acquire, free_cred, seal, sign, unseal, verify  # noqa: E402

USER, DOMAIN, PASSWORD = "alice", "EXAMPLE", "s3cret"
TARGET = "HTTP/server.test"
PEER = Path(__file__).resolve().parent / "ntlm_gssapi_peer.py"
SYSTEM_PYTHON = "/usr/bin/python3"
# tls-server-end-point-style application data for the channel-binding cases.
APP_DATA = b"tls-server-end-point:" + bytes(range(32))


@pytest.fixture(scope="module")
def lib(lib_dir):
    return S.load(lib_dir / "libsecur32.so")


@pytest.fixture
def user_file(tmp_path, monkeypatch):
    f = tmp_path / "ntlm-users"
    f.write_text(f"{DOMAIN}:{USER}:{PASSWORD}\n")
    monkeypatch.setenv("NTLM_USER_FILE", str(f))
    return f


def bindings(app_data):
    hdr = S.SEC_CHANNEL_BINDINGS(0, 0, 0, 0, 0, 0, len(app_data), 32)
    return bytes(hdr) + app_data


class Ours:
    """Our end: a credential and a Side, freed by close()."""

    def __init__(self, lib, client, password=PASSWORD, app_data=None, user=USER):
        self.lib = lib
        ident = S.auth_identity(user, DOMAIN, password) if client else None
        st, self.cred = acquire(lib, S.SECPKG_CRED_OUTBOUND if client else S.SECPKG_CRED_INBOUND, ident)
        assert st == S.SEC_E_OK, S.status_name(st)
        self.side = Side(lib, self.cred, client, target=TARGET,
                         bindings=bindings(app_data) if app_data is not None else None)

    def step(self, token):
        return self.side.step(token)

    def session_key(self):
        k = S.SecPkgContext_SessionKey()
        assert self.lib.QueryContextAttributesW(byref(self.side.ctx), S.SECPKG_ATTR_SESSION_KEY, byref(k)) == 0
        key = string_at(k.SessionKey, k.SessionKeyLength)
        self.lib.FreeContextBuffer(k.SessionKey)
        return key

    def user_name(self):
        n = S.SecPkgContext_NamesW()
        assert self.lib.QueryContextAttributesW(byref(self.side.ctx), S.SECPKG_ATTR_NAMES, byref(n)) == 0
        name = S.read_wstr(n.sUserName)
        self.lib.FreeContextBuffer(n.sUserName)
        return name

    def wrap(self, data):
        """GSS-style wrap: the 16-byte signature, then the ciphertext."""
        sig, ct = seal(self.lib, self.side, data)
        return sig + ct

    def unwrap(self, blob):
        st, pt, _ = unseal(self.lib, self.side, blob[:16], blob[16:])
        assert st == S.SEC_E_OK, S.status_name(st)
        return pt

    def close(self):
        self.side.delete()
        free_cred(self.lib, self.cred)


def exchange_messages(ours, wrap, unwrap, mic, verify_mic):
    """Sealed and signed messages both ways, several of each (the sequence numbers and the RC4
    states must stay in step), and tampered ones refused."""
    for i in range(3):
        msg = f"from us {i} ".encode() * (i * 40 + 1)
        assert unwrap(ours.wrap(msg)) == msg
        back = f"from the peer {i} ".encode() * (i * 40 + 1)
        assert ours.unwrap(wrap(back)) == back
        sig = sign(ours.lib, ours.side, msg)
        assert verify_mic(msg, sig)
        m = mic(back)
        assert verify(ours.lib, ours.side, back, m) == S.SEC_E_OK
    # A tampered copy is refused; the genuine message then still decrypts (the refusal left
    # our sequence number and RC4 state as they were).
    genuine = wrap(b"tamper with me")
    bad = bytearray(genuine)
    bad[-1] ^= 1
    st, _, _ = unseal(ours.lib, ours.side, bytes(bad[:16]), bytes(bad[16:]))
    assert st == S.SEC_E_MESSAGE_ALTERED
    assert ours.unwrap(genuine) == b"tamper with me"
    m = mic(b"signed")
    assert verify(ours.lib, ours.side, b"signed!", m) == S.SEC_E_MESSAGE_ALTERED
    assert verify(ours.lib, ours.side, b"signed", m) == S.SEC_E_OK


# --------------------------------------------------------------------------
# pyspnego

spnego = pytest.importorskip("spnego")
from spnego.channel_bindings import GssChannelBindings  # noqa: E402


def spnego_cb(app_data):
    return GssChannelBindings(application_data=app_data) if app_data is not None else None


def spnego_exchange(ours, peer):
    def verify_mic(data, mic):
        try:
            peer.verify(data, mic)
            return True
        except spnego.exceptions.SpnegoError:
            return False

    def unwrap(blob):
        r = peer.unwrap(blob)
        assert r.encrypted
        return r.data

    exchange_messages(ours, wrap=lambda d: peer.wrap(d, encrypt=True).data, unwrap=unwrap, mic=peer.sign,
                      verify_mic=verify_mic)
    assert not verify_mic(b"not what was signed", sign(ours.lib, ours.side, b"what was signed"))


@pytest.mark.parametrize("cb", [None, APP_DATA])
def test_pyspnego_client_our_server(lib, user_file, cb):
    peer = spnego.client(f"{DOMAIN}\\{USER}", PASSWORD, hostname="server.test", service="HTTP", protocol="ntlm",
                         channel_bindings=spnego_cb(cb))
    ours = Ours(lib, client=False, app_data=cb)
    try:
        st, challenge = ours.step(peer.step())
        assert st == S.SEC_I_CONTINUE_NEEDED
        st, last = ours.step(peer.step(challenge))
        assert st == S.SEC_E_OK, S.status_name(st)
        assert last == b"" and peer.complete
        assert ours.session_key() == peer.session_key
        assert ours.user_name().upper() == f"{DOMAIN}\\{USER}".upper()
        spnego_exchange(ours, peer)
    finally:
        ours.close()


@pytest.mark.parametrize("cb", [None, APP_DATA])
def test_our_client_pyspnego_server(lib, user_file, cb):
    peer = spnego.server(hostname="server.test", service="HTTP", protocol="ntlm", channel_bindings=spnego_cb(cb))
    ours = Ours(lib, client=True, app_data=cb)
    try:
        st, negotiate = ours.step(None)
        assert st == S.SEC_I_CONTINUE_NEEDED
        st, authenticate = ours.step(peer.step(negotiate))
        assert st == S.SEC_E_OK, S.status_name(st)
        assert peer.step(authenticate) is None and peer.complete
        assert ours.session_key() == peer.session_key
        assert peer.client_principal.upper() == f"{DOMAIN}\\{USER}".upper()
        spnego_exchange(ours, peer)
    finally:
        ours.close()


def test_pyspnego_wrong_password_and_bindings(lib, user_file):
    # A wrong password from pyspnego: we refuse it.
    peer = spnego.client(f"{DOMAIN}\\{USER}", "wrong", hostname="server.test", service="HTTP", protocol="ntlm")
    ours = Ours(lib, client=False)
    st, challenge = ours.step(peer.step())
    st, _ = ours.step(peer.step(challenge))
    assert st == S.SEC_E_LOGON_DENIED
    ours.close()
    # Our client with a wrong password: pyspnego refuses it.
    peer = spnego.server(hostname="server.test", service="HTTP", protocol="ntlm")
    ours = Ours(lib, client=True, password="wrong")
    st, negotiate = ours.step(None)
    st, authenticate = ours.step(peer.step(negotiate))
    with pytest.raises(spnego.exceptions.SpnegoError):
        peer.step(authenticate)
    ours.close()
    # pyspnego's server expects bindings that our client computed over other data.
    peer = spnego.server(hostname="server.test", service="HTTP", protocol="ntlm",
                         channel_bindings=spnego_cb(APP_DATA))
    ours = Ours(lib, client=True, app_data=b"tls-server-end-point:" + bytes(32))
    st, negotiate = ours.step(None)
    st, authenticate = ours.step(peer.step(negotiate))
    with pytest.raises(spnego.exceptions.SpnegoError):
        peer.step(authenticate)
    ours.close()


# --------------------------------------------------------------------------
# gss-ntlmssp through python3-gssapi

def gss_available():
    if not Path(SYSTEM_PYTHON).exists():
        return False
    r = subprocess.run([SYSTEM_PYTHON, "-c", "import gssapi"], capture_output=True)
    return r.returncode == 0 and GSSNTLMSSP.exists()


class LinePeer:
    """A child speaking one line per request (ntlm_gssapi_peer.py, ntlm_auth)."""

    def __init__(self, args, env=None):
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=env, text=True)

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        answer = self.p.stdout.readline()
        if not answer:
            raise AssertionError(f"{self.p.args[0]} ended: {self.p.stderr.read()[-2000:]}")
        return answer.split()

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.p.stdout.close()
        self.p.stderr.close()


def b64(data):
    return base64.b64encode(data).decode() if data else "-"


def unb64(text):
    return b"" if text == "-" else base64.b64decode(text)


needs_gss = pytest.mark.skipif(not gss_available(), reason="gss-ntlmssp or python3-gssapi missing (make deps)")


class GssPeer(LinePeer):
    def step(self, token):
        words = self.ask(f"STEP {b64(token)}")
        assert words[0] == "STEP", words
        return unb64(words[1]), words[2] == "1"

    def data(self, *request):
        words = self.ask(" ".join(request))
        assert words[0] == "DATA", words
        return unb64(words[1])

    def wrap(self, d):
        return self.data("WRAP", b64(d), "1")

    def unwrap(self, blob):
        return self.data("UNWRAP", b64(blob))

    def mic(self, d):
        return self.data("MIC", b64(d))

    def verify(self, d, m):
        return self.ask(f"VERIFY {b64(d)} {b64(m)}") == ["OK"]


def gss_exchange(ours, peer):
    exchange_messages(ours, wrap=peer.wrap, unwrap=peer.unwrap, mic=peer.mic, verify_mic=peer.verify)
    assert peer.verify(b"not what was signed", sign(ours.lib, ours.side, b"what was signed")) is False


@needs_gss
@pytest.mark.parametrize("cb", [None, APP_DATA])
def test_gss_ntlmssp_client_our_server(lib, user_file, cb):
    args = [SYSTEM_PYTHON, str(PEER), "initiate", USER, DOMAIN, PASSWORD, "HTTP@server.test"]
    peer = GssPeer(args + ([cb.hex()] if cb else []))
    ours = Ours(lib, client=False, app_data=cb)
    try:
        negotiate, _ = peer.step(None)
        st, challenge = ours.step(negotiate)
        assert st == S.SEC_I_CONTINUE_NEEDED, S.status_name(st)
        authenticate, done = peer.step(challenge)
        assert done
        st, _ = ours.step(authenticate)
        assert st == S.SEC_E_OK, S.status_name(st)
        assert ours.session_key() == peer.data("KEY")
        assert ours.user_name().upper() == f"{DOMAIN}\\{USER}".upper()
        gss_exchange(ours, peer)
    finally:
        ours.close()
        peer.close()


@needs_gss
@pytest.mark.parametrize("cb", [None, APP_DATA])
def test_our_client_gss_ntlmssp_server(lib, user_file, cb):
    peer = GssPeer([SYSTEM_PYTHON, str(PEER), "accept"] + ([cb.hex()] if cb else []))
    ours = Ours(lib, client=True, app_data=cb)
    try:
        st, negotiate = ours.step(None)
        challenge, _ = peer.step(negotiate)
        st, authenticate = ours.step(challenge)
        assert st == S.SEC_E_OK, S.status_name(st)
        _, done = peer.step(authenticate)
        assert done
        assert ours.session_key() == peer.data("KEY")
        name = peer.ask("NAME")
        assert name[0] == "NAME" and name[1].upper() == f"{DOMAIN}\\{USER}".upper()
        gss_exchange(ours, peer)
    finally:
        ours.close()
        peer.close()


@needs_gss
def test_gss_ntlmssp_refuses_wrong_password_and_bindings(lib, user_file):
    peer = GssPeer([SYSTEM_PYTHON, str(PEER), "accept", APP_DATA.hex()])
    ours = Ours(lib, client=True, password="wrong", app_data=APP_DATA)
    try:
        st, negotiate = ours.step(None)
        challenge, _ = peer.step(negotiate)
        st, authenticate = ours.step(challenge)
        words = peer.ask(f"STEP {b64(authenticate)}")
        assert words[0] == "ERR", words
    finally:
        ours.close()
        peer.close()
    peer = GssPeer([SYSTEM_PYTHON, str(PEER), "accept", APP_DATA.hex()])
    ours = Ours(lib, client=True, app_data=b"tls-server-end-point:" + bytes(32))
    try:
        st, negotiate = ours.step(None)
        challenge, _ = peer.step(negotiate)
        st, authenticate = ours.step(challenge)
        words = peer.ask(f"STEP {b64(authenticate)}")
        assert words[0] == "ERR", words
    finally:
        ours.close()
        peer.close()
    peer = GssPeer([SYSTEM_PYTHON, str(PEER), "initiate", USER, DOMAIN, "wrong", "HTTP@server.test"])
    ours = Ours(lib, client=False)
    try:
        negotiate, _ = peer.step(None)
        st, challenge = ours.step(negotiate)
        authenticate, _ = peer.step(challenge)
        st, _ = ours.step(authenticate)
        assert st == S.SEC_E_LOGON_DENIED
    finally:
        ours.close()
        peer.close()


# --------------------------------------------------------------------------
# Samba's ntlm_auth

needs_ntlm_auth = pytest.mark.skipif(shutil.which("ntlm_auth") is None, reason="ntlm_auth missing (make deps)")


@pytest.fixture
def smb_conf(tmp_path):
    """A private smb.conf: every directory Samba touches is under tmp_path."""
    d = tmp_path / "samba"
    dirs = {k: d / k for k in ("private", "lock", "state", "cache", "ncalrpc", "winbindd")}
    for p in dirs.values():
        p.mkdir(parents=True)
    conf = d / "smb.conf"
    conf.write_text(
        "[global]\n  workgroup = EXAMPLE\n  netbios name = SERVER\n  security = user\n"
        f"  private dir = {dirs['private']}\n  lock dir = {dirs['lock']}\n  state directory = {dirs['state']}\n"
        f"  cache directory = {dirs['cache']}\n  ncalrpc dir = {dirs['ncalrpc']}\n"
        f"  winbindd socket directory = {dirs['winbindd']}\n  log file = {d / 'log'}\n")
    return conf


def ntlm_auth(smb_conf, protocol, password=PASSWORD):
    return LinePeer(["ntlm_auth", f"--configfile={smb_conf}", f"--helper-protocol={protocol}",
                     f"--username={USER}", f"--password={password}", f"--domain={DOMAIN}"])


@needs_ntlm_auth
def test_ntlm_auth_client_our_server(lib, user_file, smb_conf):
    peer = ntlm_auth(smb_conf, "ntlmssp-client-1")
    ours = Ours(lib, client=False)
    try:
        words = peer.ask("YR")
        assert words[0] == "YR", words
        st, challenge = ours.step(unb64(words[1]))
        assert st == S.SEC_I_CONTINUE_NEEDED
        words = peer.ask(f"TT {b64(challenge)}")
        # KK (more to come) in older Samba, AF (done, here is the last token) in Samba 4.17.
        assert words[0] in ("KK", "AF") and len(words) == 2, words
        st, _ = ours.step(unb64(words[1]))
        assert st == S.SEC_E_OK, S.status_name(st)
        words = peer.ask("GK")
        assert words[0] == "GK" and unb64(words[1]) == ours.session_key(), words
        assert ours.user_name().upper() == f"{DOMAIN}\\{USER}".upper()
    finally:
        ours.close()
        peer.close()


@needs_ntlm_auth
@pytest.mark.parametrize("password,ok", [(PASSWORD, True), ("wrong", False)])
def test_our_client_ntlm_auth_server(lib, user_file, smb_conf, password, ok):
    peer = ntlm_auth(smb_conf, "squid-2.5-ntlmssp")
    ours = Ours(lib, client=True, password=password)
    try:
        st, negotiate = ours.step(None)
        words = peer.ask(f"YR {b64(negotiate)}")
        assert words[0] == "TT", words
        st, authenticate = ours.step(unb64(words[1]))
        assert st == S.SEC_E_OK, S.status_name(st)
        words = peer.ask(f"KK {b64(authenticate)}")
        if not ok:
            assert words[0] == "NA", words
            return
        assert words[0] == "AF" and words[1].upper() in (f"{DOMAIN}\\{USER}".upper(), USER.upper()), words
        words = peer.ask("GK")
        assert words[0] == "GK" and unb64(words[1]) == ours.session_key(), words
    finally:
        ours.close()
        peer.close()

