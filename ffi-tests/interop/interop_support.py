"""Support for the interop tests (conftest.py makes the fixtures visible):
the library and the example programs
built from ffi-tests/examples, a test PKI made with the openssl command
line, free loopback ports, and peer processes that are always cleaned up.

Every wait has a time-out, and a per-test alarm stops anything that slips
through, so a misbehaving peer fails a test instead of hanging CI.
"""

import contextlib
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "ffi-tests" / "examples"
PROGRAMS = ("sspi_client", "sspi_server", "tls_demo", "http_auth", "http_server", "rdp_nla")

# Seconds: one test as a whole, and one wait for a peer.
TEST_ALARM = 180
WAIT = 20


# --------------------------------------------------------------------------
# Time-outs


@pytest.fixture(autouse=True)
def alarm():
    """Fails a test that runs longer than TEST_ALARM seconds."""

    def expired(signum, frame):
        raise TimeoutError(f"test exceeded {TEST_ALARM} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TEST_ALARM)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


# --------------------------------------------------------------------------
# The library and the examples


def run(args, timeout=120, **kw):
    """subprocess.run with a time-out and captured output, checked."""
    r = subprocess.run(args, capture_output=True, timeout=timeout, **kw)
    if r.returncode != 0:
        raise AssertionError(
            f"{args} failed ({r.returncode}):\n{r.stdout.decode(errors='replace')}\n"
            f"{r.stderr.decode(errors='replace')}"
        )
    return r


@pytest.fixture(scope="session")
def lib_dir():
    """Directory of libsecur32.so: $SSPI_RUSTLS_LIB_DIR, else a fresh
    `cargo build --release` of this checkout."""
    d = os.environ.get("SSPI_RUSTLS_LIB_DIR")
    if d:
        d = Path(d).resolve()
    else:
        run(["cargo", "build", "--release", "--lib"], cwd=REPO, timeout=3600)
        d = REPO / "target" / "release"
    assert (d / "libsecur32.so").exists(), f"no libsecur32.so in {d}"
    soname = d / "libsecur32.so.0"
    if not soname.exists():
        soname.symlink_to("libsecur32.so")
    return d


def include_dirs():
    """include/ of this checkout, or $SSPI_RUSTLS_INCLUDE_DIR (a path list,
    e.g. the headers of an installed copy)."""
    dirs = os.environ.get("SSPI_RUSTLS_INCLUDE_DIR")
    return dirs.split(os.pathsep) if dirs else [str(REPO / "include")]


def compile_flags(lib_dir):
    cc = os.environ.get("CC", "cc")
    return [
        cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-O1",
        "-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined",
        *(f"-I{d}" for d in include_dirs()),
    ], [f"-L{lib_dir}", "-lsecur32", f"-Wl,-rpath,{lib_dir}", "-pthread"]


@pytest.fixture(scope="session")
def programs(lib_dir, tmp_path_factory):
    """The example programs, built as a Windows programmer's code is built
    here: -std=c11 -Wall -Wextra -Werror against include/, -lsecur32, under
    AddressSanitizer and UBSan."""
    out = tmp_path_factory.mktemp("bin")
    pre, post = compile_flags(lib_dir)
    built = {}
    for name in PROGRAMS:
        exe = out / name
        run(pre + [str(EXAMPLES / f"{name}.c"), "-o", str(exe)] + post, timeout=300)
        built[name] = exe
    return built


@pytest.fixture(scope="session")
def plain_programs(lib_dir, tmp_path_factory):
    """The example programs without sanitizers, for valgrind (which, unlike
    ASan, also sees the library's own memory accesses)."""
    out = tmp_path_factory.mktemp("bin-plain")
    pre, post = compile_flags(lib_dir)
    pre = [f for f in pre if not f.startswith("-fsanitize") and f != "-fno-sanitize-recover=undefined"]
    built = {}
    for name in PROGRAMS:
        exe = out / name
        run(pre + [str(EXAMPLES / f"{name}.c"), "-o", str(exe)] + post, timeout=300)
        built[name] = exe
    return built


VALGRIND = ["valgrind", "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite",
            "--track-origins=yes"]


def make_pfx(tmp_path):
    """A self-signed RSA certificate for localhost in a PFX with an empty password (openssl)."""
    key, crt, pfx = tmp_path / "k.pem", tmp_path / "c.pem", tmp_path / "s.pfx"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(crt),
                    "-subj", "/CN=localhost", "-days", "2"], check=True, capture_output=True)
    subprocess.run(["openssl", "pkcs12", "-export", "-inkey", str(key), "-in", str(crt), "-out", str(pfx), "-passout",
                    "pass:"], check=True, capture_output=True)
    return pfx


def sanitizer_env():
    return {
        "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=86",
        "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
        "LSAN_OPTIONS": "exitcode=87",
    }


# --------------------------------------------------------------------------
# The PKI


class Pki:
    """Certificates and keys made with the openssl CLI: PFX for our
    programs, PEM for the peers, DER for hRootStore."""

    def __init__(self, d: Path):
        self.dir = d

    def __getitem__(self, name):
        p = self.dir / name
        assert p.exists(), p
        return str(p)

    def der(self, name):
        """DER of a PEM certificate."""
        r = run(["openssl", "x509", "-in", self[name], "-outform", "DER"])
        return r.stdout

    def end_point_hash(self, name):
        """RFC 5929 tls-server-end-point of a certificate, computed here:
        the certificate's signature hash (SHA-256 for MD5 and SHA-1)."""
        text = run(["openssl", "x509", "-in", self[name], "-noout", "-text"]).stdout.decode()
        alg = re.search(r"Signature Algorithm: (\S+)", text).group(1).lower()
        if "sha384" in alg:
            h = hashlib.sha384
        elif "sha512" in alg:
            h = hashlib.sha512
        else:
            h = hashlib.sha256
        return h(self.der(name)).hexdigest()


PASSWORD = "interop-secret"

LEAF_EXT = (
    "basicConstraints=critical,CA:FALSE\n"
    "keyUsage=critical,digitalSignature,keyEncipherment\n"
    "extendedKeyUsage=serverAuth,clientAuth\n"
    "subjectKeyIdentifier=hash\n"
    "authorityKeyIdentifier=keyid\n"
)


def _openssl(d, *args, stdin=None):
    r = subprocess.run(["openssl", *args], cwd=d, capture_output=True, timeout=120, input=stdin)
    assert r.returncode == 0, f"openssl {args}: {r.stderr.decode(errors='replace')}"


def _key(d, kind, name):
    if kind == "rsa":
        _openssl(d, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name)
    else:
        _openssl(d, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name)


def _ca(d, name, subject):
    _key(d, "ecdsa", f"{name}.key")
    _openssl(
        d, "req", "-x509", "-new", "-key", f"{name}.key", "-subj", subject, "-days", "3650", "-sha256",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-out", f"{name}.pem",
    )
    _openssl(d, "x509", "-in", f"{name}.pem", "-outform", "DER", "-out", f"{name}.der")


def _intermediate(d, name, subject, ca="ca"):
    _key(d, "ecdsa", f"{name}.key")
    _openssl(d, "req", "-new", "-key", f"{name}.key", "-subj", subject, "-out", f"{name}.csr")
    (d / f"{name}.ext").write_text(
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
    )
    _openssl(
        d, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
        "-days", "3650", "-sha256", "-extfile", f"{name}.ext", "-out", f"{name}.pem",
    )


def _leaf(d, name, kind, subject, sans, ca="ca", days=365, digest="sha256", dates=None, chain=None, key=None):
    """A leaf signed by `ca`; dates=(start, end) as YYYYMMDDHHMMSSZ uses
    `openssl ca` to place the validity in the past; `key` a PEM key file to certify instead of
    a new key of `kind`."""
    if key is None:
        _key(d, kind, f"{name}.key")
    else:
        _openssl(d, "pkey", "-in", str(key), "-out", f"{name}.key")
    _openssl(d, "req", "-new", "-key", f"{name}.key", "-subj", subject, "-out", f"{name}.csr")
    ext = LEAF_EXT + (f"subjectAltName={sans}\n" if sans else "")
    (d / f"{name}.ext").write_text(ext)
    if dates is None:
        _openssl(
            d, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-days", str(days), f"-{digest}", "-extfile", f"{name}.ext", "-out", f"{name}.pem",
        )
    else:
        db = d / f"{name}-ca"
        db.mkdir()
        (db / "index.txt").write_text("")
        (db / "serial").write_text("1000\n")
        conf = d / f"{name}-ca.cnf"
        conf.write_text(
            "[ca]\ndefault_ca = x\n[x]\n"
            f"dir = {db}\ndatabase = $dir/index.txt\nserial = $dir/serial\nnew_certs_dir = $dir\n"
            f"certificate = {d / (ca + '.pem')}\nprivate_key = {d / (ca + '.key')}\n"
            f"default_md = {digest}\npolicy = p\nunique_subject = no\ncopy_extensions = none\n"
            "[p]\ncommonName = supplied\norganizationName = optional\n"
        )
        _openssl(
            d, "ca", "-batch", "-config", str(conf), "-in", f"{name}.csr", "-startdate", dates[0],
            "-enddate", dates[1], "-extfile", f"{name}.ext", "-notext", "-out", f"{name}.pem",
        )
    _finish(d, name, chain=chain or [f"{ca}.pem"])


def _finish(d, name, chain):
    """PFX (leaf, key, chain) for our programs; chain PEM for the peers."""
    certfile = []
    if chain:
        (d / f"{name}-chain.pem").write_bytes(b"".join((d / c).read_bytes() for c in chain))
        certfile = ["-certfile", f"{name}-chain.pem"]
    _openssl(
        d, "pkcs12", "-export", "-inkey", f"{name}.key", "-in", f"{name}.pem", *certfile,
        "-name", name, "-passout", f"pass:{PASSWORD}", "-out", f"{name}.pfx",
    )
    (d / f"{name}-fullchain.pem").write_bytes(
        (d / f"{name}.pem").read_bytes() + b"".join((d / c).read_bytes() for c in chain)
    )


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    _ca(d, "ca", "/O=sspi-rustls interop/CN=Interop Test CA")
    _ca(d, "rogue-ca", "/O=Somebody Else/CN=Rogue CA")
    local = "DNS:localhost,IP:127.0.0.1"
    _leaf(d, "server-rsa", "rsa", "/O=RSA server/CN=localhost", local)
    _leaf(d, "server-ecdsa", "ecdsa", "/O=ECDSA server/CN=localhost", local)
    _leaf(d, "server-sha384", "ecdsa", "/O=SHA-384 server/CN=localhost", local, digest="sha384")
    _leaf(d, "expired", "rsa", "/O=Expired server/CN=localhost", local,
          dates=("20200101000000Z", "20200201000000Z"))
    _leaf(d, "other-name", "rsa", "/O=Other server/CN=other.example", "DNS:other.example")
    _leaf(d, "client-ecdsa", "ecdsa", "/O=Interop clients/CN=sspi-client-ecdsa", "DNS:client.example")
    _leaf(d, "client-rsa", "rsa", "/O=Interop clients/CN=sspi-client-rsa", "DNS:client.example")
    # Issued by an intermediate: the PFX holds leaf, intermediate and root.
    _intermediate(d, "inter-ca", "/O=sspi-rustls interop/CN=Interop Intermediate CA")
    _leaf(d, "server-chain", "rsa", "/O=Chained server/CN=localhost", local, ca="inter-ca",
          chain=["inter-ca.pem", "ca.pem"])
    _leaf(d, "client-chain", "ecdsa", "/O=Interop clients/CN=sspi-client-chained", "DNS:client.example",
          ca="inter-ca", chain=["inter-ca.pem", "ca.pem"])
    _leaf(d, "rogue-client", "ecdsa", "/O=Somebody Else/CN=rogue-client", "DNS:client.example", ca="rogue-ca")
    # Self-signed, untrusted: a leaf (CA:FALSE) and the usual `req -x509` kind (CA:TRUE).
    _key(d, "ecdsa", "self-signed.key")
    _openssl(
        d, "req", "-x509", "-new", "-key", "self-signed.key", "-subj", "/O=Self/CN=localhost", "-days", "30",
        "-addext", f"subjectAltName={local}", "-addext", "basicConstraints=critical,CA:FALSE",
        "-addext", "extendedKeyUsage=serverAuth", "-out", "self-signed.pem",
    )
    _finish(d, "self-signed", chain=[])
    _key(d, "ecdsa", "self-signed-ca.key")
    _openssl(
        d, "req", "-x509", "-new", "-key", "self-signed-ca.key", "-subj", "/O=Self CA/CN=localhost", "-days", "30",
        "-addext", f"subjectAltName={local}", "-out", "self-signed-ca.pem",
    )
    _finish(d, "self-signed-ca", chain=[])
    return Pki(d)


@pytest.fixture(scope="session")
def client_env(pki):
    """Environment of our programs: the test CA is the trust store."""
    env = dict(os.environ)
    env.pop("SSL_CERT_DIR", None)
    env["SSL_CERT_FILE"] = pki["ca.pem"]
    env.update(sanitizer_env())
    return env


# --------------------------------------------------------------------------
# Ports and processes


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    """Whether something listens on port (from /proc, without connecting,
    so that no peer sees a probe connection)."""
    want = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[1].endswith(want) and fields[3] == "0A":
                        return True
        except FileNotFoundError:
            pass
    return False


class Proc:
    """A process whose stdout and stderr go to files (no pipe can fill up),
    in its own process group, stopped by its id when the test ends."""

    def __init__(self, args, log_dir, name, env=None, stdin=subprocess.DEVNULL, cwd=None):
        self.args = [str(a) for a in args]
        self.name = name
        self.out_path = log_dir / f"{name}.out"
        self.err_path = log_dir / f"{name}.err"
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        self.p = subprocess.Popen(
            self.args, stdout=self._out, stderr=self._err, stdin=stdin, env=env, cwd=cwd, start_new_session=True
        )

    @property
    def stdin(self):
        return self.p.stdin

    def stdout(self):
        self._out.flush()
        return self.out_path.read_bytes()

    def stderr(self):
        self._err.flush()
        return self.err_path.read_bytes().decode(errors="replace")

    def text(self):
        """stdout and stderr, as text."""
        return self.stdout().decode(errors="replace") + self.stderr()

    def wait_for(self, pattern, timeout=WAIT, stream="both"):
        """Waits until `pattern` (a regex) appears in the output; returns the match."""
        deadline = time.monotonic() + timeout
        while True:
            text = {"both": self.text, "out": lambda: self.stdout().decode(errors="replace"),
                    "err": self.stderr}[stream]()
            m = re.search(pattern, text)
            if m:
                return m
            if self.p.poll() is not None:
                raise AssertionError(f"{self.name} exited ({self.p.returncode}) before /{pattern}/:\n{text}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: no /{pattern}/ after {timeout} s:\n{text}")
            time.sleep(0.05)

    def wait_listening(self, port, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while not listening(port):
            if self.p.poll() is not None:
                raise AssertionError(f"{self.name} exited ({self.p.returncode}):\n{self.text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} does not listen on {port}:\n{self.text()}")
            time.sleep(0.05)

    def wait(self, timeout=WAIT):
        """Waits for the process to exit; returns its status."""
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"{self.name} did not exit within {timeout} s:\n{self.text()}")

    def stop(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait(timeout=5)
        if self.p.stdin:
            try:
                self.p.stdin.close()
            except OSError:
                pass
        self._out.close()
        self._err.close()


@pytest.fixture
def procs(tmp_path):
    """Starts processes for one test; stops every one of them afterwards."""
    started = []

    def start(args, name=None, **kw):
        name = name or f"{Path(str(args[0])).name}-{len(started)}"
        p = Proc(args, tmp_path, name, **kw)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


def feed(proc, data):
    """Writes `data` to a process' stdin on a thread (leaving stdin open)."""

    def write():
        try:
            proc.stdin.write(data)
            proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass

    t = threading.Thread(target=write, daemon=True)
    t.start()
    return t


# --------------------------------------------------------------------------
# Our programs


class Result:
    """What one run of sspi_client printed."""

    def __init__(self, args, returncode, stdout, stderr):
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.connections = parse_connections(stderr)

    def __repr__(self):
        return f"<{self.args} -> {self.returncode}>\n{self.stderr}"

    @property
    def info(self):
        assert self.connections, self.stderr
        return self.connections[0]

    def error(self):
        """(function, status name) of the reported failure."""
        m = re.search(r"^error: ([^:\n]+): (\S+) \(0x[0-9A-F]{8}\)$", self.stderr, re.M)
        return (m.group(1), m.group(2)) if m else None


def parse_connections(text):
    """Splits "connection: N" sections of our programs' stderr into dicts of
    their "key: value" lines."""
    conns = []
    for line in text.splitlines():
        if re.match(r"^connection: \d+$", line):
            conns.append({})
            continue
        m = re.match(r"^([a-z][a-z ]*): (.*)$", line)
        if m and conns:
            conns[-1].setdefault(m.group(1), m.group(2))
    return conns


@pytest.fixture
def client(programs, client_env):
    """Runs sspi_client to completion: client(*args, input=b"...")."""

    def run_client(*args, input=None, timeout=60, env=None):
        cmd = [str(programs["sspi_client"]), *map(str, args)]
        r = subprocess.run(cmd, input=input, capture_output=True, timeout=timeout, env=env or client_env)
        res = Result(cmd, r.returncode, r.stdout, r.stderr.decode(errors="replace"))
        assert r.returncode not in (86, 87), f"sanitizer report:\n{res.stderr}"
        assert "runtime error:" not in res.stderr, f"UBSan report:\n{res.stderr}"
        return res

    return run_client


class OurServer:
    def __init__(self, proc, port):
        self.proc = proc
        self.port = port

    def connections(self):
        return parse_connections(self.proc.stderr())

    def finish(self, timeout=WAIT):
        """Waits for the server to exit (it was started with --count)."""
        rc = self.proc.wait(timeout)
        err = self.proc.stderr()
        assert rc not in (86, 87), f"sanitizer report:\n{err}"
        assert "runtime error:" not in err, f"UBSan report:\n{err}"
        return rc


@pytest.fixture
def server(programs, client_env, procs, pki):
    """Starts sspi_server: server("server-rsa", "--count", 1, ...)."""

    def start(cert="server-rsa", *args):
        p = procs(
            [programs["sspi_server"], pki[f"{cert}.pfx"], "--password", PASSWORD, "--port", 0, *args],
            name=f"sspi_server-{cert}",
            env=client_env,
        )
        port = int(p.wait_for(r"listening: 127\.0\.0\.1:(\d+)", stream="err").group(1))
        return OurServer(p, port)

    return start


# --------------------------------------------------------------------------
# Peers


@pytest.fixture
def s_server(procs, pki):
    """Starts `openssl s_server` on a free port: s_server(cert, *args). Its
    stdin stays open (s_server quits at the end of its input) and takes its
    one-letter commands."""

    def start(cert="server-rsa", *args):
        port = free_port()
        p = procs(
            [tool("openssl"), "s_server", "-accept", f"127.0.0.1:{port}", "-cert", pki[f"{cert}.pem"],
             "-key", pki[f"{cert}.key"], *args],
            name=f"s_server-{cert}",
            stdin=subprocess.PIPE,
        )
        p.port = port
        p.wait_for(r"ACCEPT")
        return p

    return start


# --------------------------------------------------------------------------
# Names


@pytest.fixture(scope="session")
def iana_names():
    """OpenSSL cipher names to IANA names, from `openssl ciphers -stdname`."""
    text = run(["openssl", "ciphers", "-stdname", "ALL:@SECLEVEL=0"]).stdout.decode()
    names = {}
    for line in text.splitlines():
        parts = [p.strip() for p in line.split(" - ")]
        if len(parts) >= 2:
            names[parts[1].split()[0]] = parts[0]
    return names


def tool(name):
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    assert path, f"{name} is needed by the interop tests (see README)"
    return path


# --------------------------------------------------------------------------
# Apache with mod_auth_gssapi (the HTTP authentication tests)

APACHE_MODULES = Path("/usr/lib/apache2/modules")


def apache_available():
    return shutil.which("apache2") is not None and (APACHE_MODULES / "mod_auth_gssapi.so").exists()


@contextlib.contextmanager
def apache_server(procs, locations, pages, files=None, env=None):
    """Apache on a free loopback port with a private config in a temp dir (prefork,
    -DFOREGROUND, stopped afterwards): `locations` is the config's <Location> blocks, with
    {d} standing for the directory; `pages` maps paths under htdocs to their text; `files`
    maps names in the directory to bytes (a keytab, a krb5.conf, a user file). Its children run
    as www-data, so the directory is theirs. The access log ("%u %s %r") says who was let in."""
    import pwd
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="sspi-rustls-apache-"))
    try:
        for path, text in {"index.html": "the open page\n", **pages}.items():
            (d / "htdocs" / path).parent.mkdir(parents=True, exist_ok=True)
            (d / "htdocs" / path).write_text(text)
        for name, data in (files or {}).items():
            (d / name).write_bytes(data)
        port = free_port()
        m = APACHE_MODULES
        (d / "httpd.conf").write_text(f"""
ServerRoot {d}
ServerName localhost
Listen 127.0.0.1:{port}
PidFile {d}/httpd.pid
ErrorLog {d}/error.log
LogLevel info auth_gssapi:debug
CustomLog {d}/access.log "%u %s %r"
User www-data
Group www-data
LoadModule mpm_prefork_module {m}/mod_mpm_prefork.so
LoadModule authz_core_module {m}/mod_authz_core.so
LoadModule authn_core_module {m}/mod_authn_core.so
LoadModule authz_user_module {m}/mod_authz_user.so
LoadModule dir_module {m}/mod_dir.so
LoadModule auth_gssapi_module {m}/mod_auth_gssapi.so
StartServers 1
MinSpareServers 1
MaxSpareServers 2
KeepAlive On
DocumentRoot {d}/htdocs
DirectoryIndex index.html
""" + locations.replace("{d}", str(d)))
        www = pwd.getpwnam("www-data")
        for p in [d, *d.rglob("*")]:
            os.chown(p, www.pw_uid, www.pw_gid)
        e = dict(os.environ, **{k: v.replace("{d}", str(d)) for k, v in (env or {}).items()})
        proc = procs(["apache2", "-f", str(d / "httpd.conf"), "-DFOREGROUND"], name="apache2", env=e)
        try:
            proc.wait_listening(port)
        except AssertionError:
            log = d / "error.log"
            raise AssertionError(log.read_text(errors="replace") if log.exists() else "no error.log")
        proc.port, proc.dir = port, d
        yield proc
        proc.stop()  # before the directory goes (the procs fixture would stop it later)
    finally:
        shutil.rmtree(d, ignore_errors=True)


# Apache's NTLM location (gss-ntlmssp behind mod_auth_gssapi): the HTTP NTLM tests, native and
# under Wine.
GSSNTLMSSP = Path("/usr/lib/x86_64-linux-gnu/gssntlmssp/gssntlmssp.so")
NTLM_USER, NTLM_DOMAIN, NTLM_PASSWORD = "alice", "EXAMPLE", "s3cret"


def apache_ntlm_available():
    return apache_available() and GSSNTLMSSP.exists()


APACHE_NTLM_MISSING = "apache2, libapache2-mod-auth-gssapi or gss-ntlmssp missing (make deps)"

# The <Location> that needs NTLM (gss-ntlmssp, one connection per authentication; the users from
# the NTLM_USER_FILE of the "users" file in the server's directory).
APACHE_NTLM_LOCATION = """
<Location /ntlm>
  AuthType GSSAPI
  AuthName "sspi-rustls test"
  GssapiAllowedMech ntlmssp
  GssapiConnectionBound On
  Require valid-user
</Location>
"""
NTLM_USERS = f"{NTLM_DOMAIN}:{NTLM_USER}:{NTLM_PASSWORD}\n".encode()


@contextlib.contextmanager
def apache_ntlm_server(procs):
    """Apache: /ntlm/ needs NTLM (NTLM_DOMAIN\\NTLM_USER with NTLM_PASSWORD), / is open."""
    with apache_server(procs, APACHE_NTLM_LOCATION, {"ntlm/index.html": "the protected page\n"},
                       files={"users": NTLM_USERS}, env={"NTLM_USER_FILE": "{d}/users"}) as proc:
        yield proc
