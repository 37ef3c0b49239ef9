#!/usr/bin/env python3
"""Hostile TLS peers for sspi-rustls, on loopback.

    peer.py CASE PORT            client cases (c-*): connect to the SSPI server
    peer.py CASE 0 CERT KEY      server cases (s-*): listen on a free port,
                                 print "port N", serve one connection

The SSPI side is driven by tests/hostile_peers.rs through the exported
functions. Each case misbehaves in one way; the peer then reports what it
saw as one JSON line on stdout:

    {"case": ..., "handshake": "ok" | "failed" | "not attempted",
     "alerts": [[level, description], ...],   # alerts the peer received
     "echo": "...",                            # application data read back
     "closed": true | false,                   # the SSPI side closed the TCP stream
     "notes": [...]}

Real handshakes use tlslite-ng (an independent TLS implementation in
Python); a socket shim rewrites its records on the way out (fragmenting,
interleaving, injecting change_cipher_spec). Malformed input is raw bytes.
Every socket operation has a time-out: a case never hangs.
"""

import json
import os
import socket
import struct
import sys

from tlslite import HandshakeSettings, TLSConnection, X509, X509CertChain
from tlslite.constants import AlertDescription, AlertLevel, ContentType
from tlslite.errors import TLSAbruptCloseError, TLSLocalAlert, TLSRemoteAlert
from tlslite.messages import Alert, ClientHello, Finished, HelloRequest, Message, ServerHello
from tlslite.utils.keyfactory import parsePEMKey

WAIT = 10.0
# Longer than the SSPI application's patience (tests/hostile_peers.rs).
LONG = 20.0
RESULT = {"handshake": "not attempted", "alerts": [], "echo": "", "closed": False, "notes": []}

# ---------------------------------------------------------------------------
# Monkeypatches for misbehaviour inside tlslite's own handshake.

CORRUPT_FINISHED = False
DOWNGRADE_SENTINEL = False

_finished_create = Finished.create


def _bad_finished_create(self, verify_data):
    if CORRUPT_FINISHED:
        verify_data = bytearray(verify_data)
        verify_data[0] ^= 0x01
    return _finished_create(self, verify_data)


Finished.create = _bad_finished_create

_server_hello_create = ServerHello.create


def _sentinel_server_hello_create(self, version, random, *args, **kw):
    if DOWNGRADE_SENTINEL:
        random = bytearray(random)
        random[-8:] = b"DOWNGRD\x01"
    return _server_hello_create(self, version, random, *args, **kw)


ServerHello.create = _sentinel_server_hello_create


# ---------------------------------------------------------------------------
# Records


def record(typ, payload, version=b"\x03\x03"):
    return bytes([typ]) + version + struct.pack(">H", len(payload)) + payload


def split_records(data):
    """Whole records of `data` and the incomplete rest."""
    out = []
    while len(data) >= 5:
        n = 5 + struct.unpack(">H", data[3:5])[0]
        if len(data) < n:
            break
        out.append(data[:n])
        data = data[n:]
    return out, data


class Shim:
    """A socket whose outgoing records pass through `transform(records)`."""

    def __init__(self, sock, transform):
        self.sock = sock
        self.transform = transform
        self.pending = b""

    def send(self, data):
        self.pending += bytes(data)
        recs, self.pending = split_records(self.pending)
        if recs:
            self.sock.sendall(b"".join(self.transform(recs)))
        return len(data)

    def sendall(self, data):
        self.send(data)

    def __getattr__(self, name):
        return getattr(self.sock, name)


class Fragment:
    """Plaintext handshake records split into one-byte records (until our
    change_cipher_spec: a TLS 1.2 Finished is protected, and stays whole)."""

    def __init__(self):
        self.protected = False

    def __call__(self, recs):
        out = []
        for r in recs:
            self.protected |= r[0] == ContentType.change_cipher_spec
            if r[0] == ContentType.handshake and not self.protected:
                out.extend(record(r[0], r[5 + i : 6 + i], r[1:3]) for i in range(len(r) - 5))
            else:
                out.append(r)
        return out


class Once:
    """A transform applied to the first plaintext handshake record only."""

    def __init__(self, fn):
        self.fn = fn
        self.done = False

    def __call__(self, recs):
        out = []
        for r in recs:
            if not self.done and r[0] == ContentType.handshake and len(r) > 9:
                self.done = True
                out.extend(self.fn(r))
            else:
                out.append(r)
        return out


def interleave(r):
    """A handshake message cut in two records with a warning alert between."""
    body = r[5:]
    half = len(body) // 2
    return [record(22, body[:half], r[1:3]), record(21, bytes([1, 90])), record(22, body[half:], r[1:3])]


def ccs_first(r):
    return [record(20, b"\x01"), r]


def read_alerts(sock, timeout=3.0):
    """Reads until EOF or silence; returns the plaintext alerts seen."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                RESULT["closed"] = True
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    recs, _ = split_records(data)
    for r in recs:
        if r[0] == ContentType.alert and len(r) == 7:
            RESULT["alerts"].append([r[5], r[6]])
        elif r[0] == ContentType.handshake and len(r) > 5:
            RESULT["notes"].append("handshake type %d" % r[5])
    return data


def note_alert(e):
    if isinstance(e, TLSRemoteAlert):
        RESULT["alerts"].append([e.level, e.description])
    elif isinstance(e, TLSLocalAlert):
        RESULT["notes"].append("peer sent alert %d: %s" % (e.description, e.message))
    else:
        RESULT["notes"].append("%s: %s" % (type(e).__name__, e))


# ---------------------------------------------------------------------------
# A ClientHello built by hand (for sizes and shapes tlslite does not make).


def raw_client_hello(padding=0, legacy_version=b"\x03\x03"):
    ext = b""
    ext += struct.pack(">HHB", 43, 3, 2) + b"\x03\x04"  # supported_versions: TLS 1.3
    ext += struct.pack(">HHH", 10, 4, 2) + struct.pack(">H", 29)  # supported_groups: x25519
    sigs = struct.pack(">HHH", 0x0804, 0x0403, 0x0401)
    ext += struct.pack(">HHH", 13, len(sigs) + 2, len(sigs)) + sigs
    share = struct.pack(">HH", 29, 32) + os.urandom(32)
    ext += struct.pack(">HHH", 51, len(share) + 2, len(share)) + share
    if padding:
        ext += struct.pack(">HH", 21, padding) + b"\x00" * padding
    suites = struct.pack(">HHH", 0x1301, 0x1302, 0x1303)
    body = (
        legacy_version
        + os.urandom(32)
        + b"\x20"
        + os.urandom(32)
        + struct.pack(">H", len(suites))
        + suites
        + b"\x01\x00"
        + struct.pack(">H", len(ext))
        + ext
    )
    return bytes([1]) + struct.pack(">I", len(body))[1:] + body


def as_records(msg, typ=22, size=16384):
    return b"".join(record(typ, msg[i : i + size]) for i in range(0, len(msg), size))


# ---------------------------------------------------------------------------
# Client cases: the peer is a TLS client, the SSPI side the server.


def settings(v13=True, max_version=None):
    s = HandshakeSettings()
    s.minVersion = (3, 1) if max_version else (3, 3)
    s.maxVersion = max_version or ((3, 4) if v13 else (3, 3))
    return s


def client_handshake(sock, v13=True, max_version=None, transform=None):
    conn = TLSConnection(Shim(sock, transform) if transform else sock)
    try:
        conn.handshakeClientCert(settings=settings(v13, max_version), serverName="localhost")
        RESULT["handshake"] = "ok"
        return conn
    except Exception as e:  # noqa: BLE001 - every failure is reported
        RESULT["handshake"] = "failed"
        note_alert(e)
        return None


def echo(conn, data=b"ping"):
    """Writes `data`, reads the echo, then closes with close_notify."""
    try:
        conn.write(data)
        got = b""
        while len(got) < len(data):
            chunk = conn.read(max=len(data) - len(got))
            if not chunk:
                break
            got += bytes(chunk)
        RESULT["echo"] = got.decode(errors="replace")
        conn.close()
        RESULT["closed"] = True
    except Exception as e:  # noqa: BLE001
        note_alert(e)


def read_after(conn):
    """Reads until the SSPI side sends an alert or closes."""
    try:
        while True:
            chunk = conn.read()
            if not chunk:
                RESULT["closed"] = True
                return
            RESULT["echo"] += bytes(chunk).decode(errors="replace")
    except Exception as e:  # noqa: BLE001
        note_alert(e)


def send_raw_message(conn, typ, payload):
    """One message through tlslite's record layer (protected after the handshake)."""
    for _ in conn._sendMsg(Message(typ, bytearray(payload))):
        pass


def client_case(case, port):
    global CORRUPT_FINISHED
    sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    sock.settimeout(WAIT)
    v13 = not case.endswith("-tls12")
    case = case[: -len("-tls12")] if not v13 else case
    if case.startswith("c-ok"):
        conn = client_handshake(sock, v13)
        if conn:
            echo(conn)
    elif case == "c-record-bad-type":
        sock.sendall(record(0x63, b"\x01\x02\x03\x04"))
        read_alerts(sock)
    elif case == "c-record-bad-version":
        sock.sendall(record(22, b"\x01\x00\x00\x00", b"\x0a\x01"))
        read_alerts(sock)
    elif case == "c-record-oversized":
        sock.sendall(struct.pack(">BHH", 22, 0x0303, (1 << 14) + 2049) + b"\x01" * 64)
        read_alerts(sock)
    elif case == "c-plaintext-over-2^14":
        # A whole ClientHello in one plaintext record of 2^14 + 300 bytes.
        sock.sendall(record(22, raw_client_hello(padding=(1 << 14) + 300 - 150)))
        read_alerts(sock)
    elif case == "c-fragmented":
        conn = client_handshake(sock, v13, transform=Fragment())
        if conn:
            echo(conn)
    elif case == "c-interleaved":
        client_handshake(sock, True, transform=Once(interleave))
    elif case == "c-ccs-first":
        client_handshake(sock, True, transform=Once(ccs_first))
    elif case == "c-oversized-after-handshake":
        # Past the protected record limit: 2^14 + 256 (TLS 1.3), 2^14 + 2048 (TLS 1.2).
        conn = client_handshake(sock, v13)
        if conn:
            n = (1 << 14) + (257 if v13 else 2049)
            sock.sendall(struct.pack(">BHH", 23, 0x0303, n) + b"\x00" * n)
            read_after(conn)
    elif case.startswith("c-ccs-after-handshake"):
        conn = client_handshake(sock, v13)
        if conn:
            sock.sendall(record(20, b"\x01"))
            read_after(conn)
    elif case.startswith("c-bad-finished"):
        CORRUPT_FINISHED = True
        conn = client_handshake(sock, v13)
        if conn:  # TLS 1.3: the client's Finished is its last word; the alert follows
            read_after(conn)
    elif case.startswith("c-truncated-close"):
        conn = client_handshake(sock, v13)
        if conn:
            conn.write(b"first")
            # Half of a second application-data record, then TCP FIN, no close_notify.
            sock.sendall(struct.pack(">BHH", 23, 0x0303, 40) + b"\x00" * 20)
            sock.shutdown(socket.SHUT_WR)
            read_alerts(sock, timeout=2.0)
    elif case.startswith("c-warning-flood"):
        conn = client_handshake(sock, v13)
        if conn:
            for _ in range(40):
                send_raw_message(conn, ContentType.alert, bytes([AlertLevel.warning, AlertDescription.user_canceled]))
            read_after(conn)
    elif case.startswith("c-warnings-tolerated"):
        conn = client_handshake(sock, v13)
        if conn:
            for _ in range(8):
                send_raw_message(conn, ContentType.alert, bytes([AlertLevel.warning, AlertDescription.user_canceled]))
            echo(conn)
    elif case.startswith("c-renegotiate"):
        conn = client_handshake(sock, v13)
        if conn:
            send_raw_message(conn, ContentType.handshake, raw_client_hello())
            read_after(conn)
    elif case in ("c-downgrade-tls10", "c-downgrade-tls11"):
        client_handshake(sock, max_version=(3, 1) if case.endswith("10") else (3, 2))
    elif case == "c-sslv2-hello":
        # SSLv2 CLIENT-HELLO: msg 1, version 3.1, 3 cipher specs, no session id, 16-byte challenge.
        body = bytes([1, 3, 1, 0, 9, 0, 0, 0, 16]) + bytes([0, 0, 0x2F, 0, 0, 0x35, 0, 0, 0x0A]) + os.urandom(16)
        sock.sendall(struct.pack(">H", 0x8000 | len(body)) + body)
        read_alerts(sock)
    elif case in ("c-hello-60k", "c-hello-64k"):
        # A ClientHello of 60 or 64 KiB (a padding extension), in several records.
        total = 60 * 1024 if case == "c-hello-60k" else 64 * 1024
        base = len(raw_client_hello(padding=1))
        msg = raw_client_hello(padding=total - base + 1)
        assert len(msg) == total
        sock.sendall(as_records(msg))
        read_alerts(sock)
    elif case == "c-hello-too-large":
        # A handshake header claiming more than any handshake message may hold.
        body = 0x10100
        sock.sendall(as_records(bytes([1]) + struct.pack(">I", body)[1:] + b"\x00" * body))
        read_alerts(sock)
    elif case == "c-silent":
        # Never says anything; waits for the other side to give up.
        read_alerts(sock, timeout=LONG)
    elif case == "c-stall-mid-record":
        sock.sendall(as_records(raw_client_hello())[:3])
        read_alerts(sock, timeout=LONG)
    else:
        raise SystemExit("unknown case " + case)
    sock.close()


# ---------------------------------------------------------------------------
# Server cases: the peer is a TLS server, the SSPI side the client.


def server_case(case, cert_file, key_file):
    global CORRUPT_FINISHED, DOWNGRADE_SENTINEL
    chain = X509CertChain([X509().parse(open(cert_file).read())])
    key = parsePEMKey(open(key_file).read(), private=True)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(WAIT)
    print("port %d" % listener.getsockname()[1], flush=True)
    sock, _ = listener.accept()
    sock.settimeout(WAIT)
    v13 = not case.endswith("-tls12")
    case = case[: -len("-tls12")] if not v13 else case

    def handshake(max_version=None, transform=None, v=v13):
        conn = TLSConnection(Shim(sock, transform) if transform else sock)
        try:
            conn.handshakeServer(certChain=chain, privateKey=key, settings=settings(v, max_version))
            RESULT["handshake"] = "ok"
            return conn
        except Exception as e:  # noqa: BLE001
            RESULT["handshake"] = "failed"
            note_alert(e)
            return None

    def serve_echo(conn):
        try:
            data = conn.read()
            RESULT["echo"] = bytes(data).decode(errors="replace")
            conn.write(data)
        except Exception as e:  # noqa: BLE001
            note_alert(e)
            return
        read_after(conn)

    def first_hello():
        """Reads the ClientHello (whole records) and drops it."""
        data = b""
        while True:
            recs, _ = split_records(data)
            if recs:
                return
            chunk = sock.recv(65536)
            if not chunk:
                return
            data += chunk

    if case.startswith("s-ok"):
        conn = handshake()
        if conn:
            serve_echo(conn)
    elif case == "s-record-bad-type":
        first_hello()
        sock.sendall(record(0x63, b"\x01\x02\x03\x04"))
        read_alerts(sock)
    elif case == "s-record-oversized":
        first_hello()
        sock.sendall(struct.pack(">BHH", 22, 0x0303, (1 << 14) + 2049) + b"\x02" * 64)
        read_alerts(sock)
    elif case == "s-handshake-too-large":
        first_hello()
        # A ServerHello whose header claims 64 KiB, in whole records.
        msg = bytes([2]) + struct.pack(">I", 1 << 16)[1:] + b"\x00" * (1 << 16)
        sock.sendall(as_records(msg))
        read_alerts(sock)
    elif case == "s-fragmented":
        conn = handshake(transform=Fragment())
        if conn:
            serve_echo(conn)
    elif case == "s-interleaved":
        handshake(transform=Once(interleave))
    elif case == "s-ccs-first":
        handshake(transform=Once(ccs_first))
    elif case.startswith("s-bad-finished"):
        CORRUPT_FINISHED = True
        conn = handshake()
        if conn:  # TLS 1.2: the server's Finished is its last word; the alert follows
            read_after(conn)
    elif case.startswith("s-truncated-close"):
        conn = handshake()
        if conn:
            sock.sendall(struct.pack(">BHH", 23, 0x0303, 40) + b"\x00" * 20)
            sock.shutdown(socket.SHUT_WR)
            read_alerts(sock, timeout=2.0)
    elif case.startswith("s-warning-flood"):
        conn = handshake()
        if conn:
            for _ in range(40):
                send_raw_message(conn, ContentType.alert, bytes([AlertLevel.warning, AlertDescription.user_canceled]))
            read_after(conn)
    elif case.startswith("s-hello-request"):
        conn = handshake()
        if conn:
            for _ in conn._sendMsg(HelloRequest().create()):
                pass
            read_after(conn)
    elif case == "s-only-tls11":
        handshake(max_version=(3, 2))
    elif case in ("s-downgrade-tls10", "s-downgrade-tls11"):
        # A ServerHello choosing TLS 1.0 / 1.1 (and a suite we offered).
        first_hello()
        version = b"\x03\x01" if case.endswith("10") else b"\x03\x02"
        body = version + os.urandom(32) + b"\x00" + struct.pack(">H", 0xC02F) + b"\x00"
        sock.sendall(record(22, bytes([2]) + struct.pack(">I", len(body))[1:] + body, version))
        read_alerts(sock)
    elif case == "s-downgrade-sentinel":
        DOWNGRADE_SENTINEL = True
        handshake(v=False)
    elif case == "s-silent":
        # Reads the ClientHello, never answers, waits for the client to give up.
        first_hello()
        read_alerts(sock, timeout=LONG)
    else:
        raise SystemExit("unknown case " + case)
    sock.close()
    listener.close()


def main():
    case, port = sys.argv[1], int(sys.argv[2])
    RESULT["case"] = case
    try:
        if case.startswith("c-"):
            client_case(case, port)
        else:
            server_case(case, sys.argv[3], sys.argv[4])
    except (OSError, TLSAbruptCloseError) as e:
        RESULT["notes"].append("%s: %s" % (type(e).__name__, e))
    print(json.dumps(RESULT), flush=True)


if __name__ == "__main__":
    main()
