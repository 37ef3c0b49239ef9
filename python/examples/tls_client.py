#!/usr/bin/env python3
"""A TLS client through SSPI (Schannel) from Python, the way a Windows program drives it:
AcquireCredentialsHandle, the InitializeSecurityContext token loop over a socket,
EncryptMessage / DecryptMessage in stream mode, then close_notify with
ApplyControlToken(SCHANNEL_SHUTDOWN).

    tls_client.py [--name NAME] [--protocol tls12|tls13] [--alpn h2,http/1.1] [--send TEXT] HOST PORT

It sends TEXT (default: an HTTP/1.0 GET for /), prints what the server answers on stdout
until the server closes, and what was negotiated on stderr. The server's certificate is
checked against the system trust store (SSL_CERT_FILE / SSL_CERT_DIR replace it) and NAME
(default: HOST). Run from a checkout: python3 python/examples/tls_client.py example.com 443
"""

import argparse
import ctypes
import pathlib
import socket
import sys
from ctypes import addressof, byref, string_at

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # python/, for a checkout

import sspi_rustls as S  # noqa: E402

REQUEST = (S.ISC_REQ_SEQUENCE_DETECT | S.ISC_REQ_REPLAY_DETECT | S.ISC_REQ_CONFIDENTIALITY
           | S.ISC_REQ_ALLOCATE_MEMORY | S.ISC_REQ_STREAM)
PROTOCOLS = {"tls12": S.SP_PROT_TLS1_2_CLIENT, "tls13": S.SP_PROT_TLS1_3_CLIENT}
PROTOCOL_NAMES = {S.SP_PROT_TLS1_2_CLIENT: "TLS 1.2", S.SP_PROT_TLS1_3_CLIENT: "TLS 1.3"}


class SspiError(Exception):
    def __init__(self, function, st):
        super().__init__(f"{function}: {S.status_name(st)}")
        self.status = st


def check(function, st, *ok):
    if st not in (S.SEC_E_OK, *ok):
        raise SspiError(function, st)
    return st


def desc(*buffers):
    """A SecBufferDesc over (cbBuffer, BufferType, pvBuffer) triples; returns (desc, array)."""
    arr = (S.SecBuffer * len(buffers))(*[S.SecBuffer(n, t, p) for n, t, p in buffers])
    return S.SecBufferDesc(S.SECBUFFER_VERSION, len(buffers), arr), arr


def recv_more(sock):
    chunk = sock.recv(16384)
    if not chunk:
        raise ConnectionError("the server closed the connection")
    return chunk


def send_token(lib, sock, buf):
    """Sends an ISC_REQ_ALLOCATE_MEMORY output token and frees it."""
    if buf.cbBuffer and buf.pvBuffer:
        sock.sendall(string_at(buf.pvBuffer, buf.cbBuffer))
    if buf.pvBuffer:
        lib.FreeContextBuffer(buf.pvBuffer)


def handshake(lib, cred, sock, target, alpn):
    """The token loop; returns (context, bytes received after the handshake)."""
    ctx = S.CtxtHandle()
    attrs = S.ULONG()
    name = S.wstr(target)
    data = b""  # received, not yet consumed
    first = True
    while True:
        keep = []
        if first:
            # The first call has no server bytes; it may carry the ALPN offer.
            in_desc = None
            if alpn:
                offer = ctypes.create_string_buffer(S.application_protocols(alpn))
                in_desc, arr = desc((len(offer.raw), S.SECBUFFER_APPLICATION_PROTOCOLS, addressof(offer)))
                keep += [offer, arr]
        else:
            buf = ctypes.create_string_buffer(data, len(data))
            in_desc, arr = desc((len(data), S.SECBUFFER_TOKEN, addressof(buf)), (0, S.SECBUFFER_EMPTY, None))
            keep += [buf, arr]
        out_desc, out = desc((0, S.SECBUFFER_TOKEN, None))
        st = lib.InitializeSecurityContextW(
            byref(cred), None if first else byref(ctx), name, REQUEST, 0, 0,
            byref(in_desc) if in_desc is not None else None, 0, byref(ctx), byref(out_desc), byref(attrs), None)
        send_token(lib, sock, out[0])  # also a final token with SEC_E_OK, or an alert
        check("InitializeSecurityContextW", st, S.SEC_I_CONTINUE_NEEDED, S.SEC_E_INCOMPLETE_MESSAGE,
              S.SEC_I_INCOMPLETE_CREDENTIALS)
        if st == S.SEC_E_INCOMPLETE_MESSAGE:  # nothing consumed: append more and call again
            data += recv_more(sock)
            continue
        if st == S.SEC_I_INCOMPLETE_CREDENTIALS:  # the server asks for a client certificate: go on without
            continue
        if not first:
            # Bytes after the records this call used are handed back as EXTRA.
            extra = arr[1].cbBuffer if arr[1].BufferType == S.SECBUFFER_EXTRA else 0
            data = data[len(data) - extra:] if extra else b""
        first = False
        if st == S.SEC_E_OK:
            return ctx, data
        if not data:
            data = recv_more(sock)


def send(lib, ctx, sock, sizes, payload):
    """EncryptMessage in place: [header | data | trailer] in one buffer, one record per message."""
    for off in range(0, len(payload), sizes.cbMaximumMessage):
        chunk = payload[off:off + sizes.cbMaximumMessage]
        rec = ctypes.create_string_buffer(sizes.cbHeader + len(chunk) + sizes.cbTrailer)
        base = addressof(rec)
        ctypes.memmove(base + sizes.cbHeader, chunk, len(chunk))
        d, b = desc((sizes.cbHeader, S.SECBUFFER_STREAM_HEADER, base),
                    (len(chunk), S.SECBUFFER_DATA, base + sizes.cbHeader),
                    (sizes.cbTrailer, S.SECBUFFER_STREAM_TRAILER, base + sizes.cbHeader + len(chunk)),
                    (0, S.SECBUFFER_EMPTY, None))
        check("EncryptMessage", lib.EncryptMessage(byref(ctx), 0, byref(d), 0))
        sock.sendall(rec.raw[:b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer])


def receive(lib, cred, ctx, sock, data, target):
    """DecryptMessage in place, record by record; yields plaintext until the server closes."""
    while True:
        if data:
            buf = ctypes.create_string_buffer(data, len(data))
            d, b = desc((len(data), S.SECBUFFER_DATA, addressof(buf)), (0, S.SECBUFFER_EMPTY, None),
                        (0, S.SECBUFFER_EMPTY, None), (0, S.SECBUFFER_EMPTY, None))
            st = lib.DecryptMessage(byref(ctx), byref(d), 0, None)
            if st in (S.SEC_E_OK, S.SEC_I_CONTEXT_EXPIRED, S.SEC_I_RENEGOTIATE):
                by_type = {b[i].BufferType: b[i] for i in range(4)}
                plain = by_type.get(S.SECBUFFER_DATA)
                extra = by_type.get(S.SECBUFFER_EXTRA)
                if st == S.SEC_E_OK and plain is not None and plain.cbBuffer:
                    yield string_at(plain.pvBuffer, plain.cbBuffer)
                data = string_at(extra.pvBuffer, extra.cbBuffer) if extra is not None else b""
                if st == S.SEC_I_CONTEXT_EXPIRED:  # the server sent close_notify
                    return
                if st == S.SEC_I_RENEGOTIATE:  # a TLS 1.3 KeyUpdate asking for ours: one more ISC call
                    out_desc, out = desc((0, S.SECBUFFER_TOKEN, None))
                    attrs = S.ULONG()
                    st = lib.InitializeSecurityContextW(byref(cred), byref(ctx), S.wstr(target), REQUEST, 0, 0,
                                                        None, 0, byref(ctx), byref(out_desc), byref(attrs), None)
                    send_token(lib, sock, out[0])
                    check("InitializeSecurityContextW (renegotiate)", st)
                continue
            check("DecryptMessage", st, S.SEC_E_INCOMPLETE_MESSAGE)
        chunk = sock.recv(16384)
        if not chunk:
            raise ConnectionError("the server closed the connection without close_notify")
        data += chunk


def shutdown(lib, cred, ctx, sock, target):
    """close_notify: ApplyControlToken(SCHANNEL_SHUTDOWN), then one more ISC call returns it."""
    token = S.DWORD(S.SCHANNEL_SHUTDOWN)
    d, _ = desc((ctypes.sizeof(token), S.SECBUFFER_TOKEN, addressof(token)))
    check("ApplyControlToken", lib.ApplyControlToken(byref(ctx), byref(d)))
    out_desc, out = desc((0, S.SECBUFFER_TOKEN, None))
    attrs = S.ULONG()
    st = lib.InitializeSecurityContextW(byref(cred), byref(ctx), S.wstr(target), REQUEST, 0, 0, None, 0,
                                        byref(ctx), byref(out_desc), byref(attrs), None)
    check("InitializeSecurityContextW (shutdown)", st)
    try:
        send_token(lib, sock, out[0])
    except OSError:
        pass  # the server may be gone already


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--name", help="the name the certificate must carry, sent as SNI (default: HOST)")
    ap.add_argument("--protocol", choices=sorted(PROTOCOLS), help="only this TLS version")
    ap.add_argument("--alpn", help="comma-separated ALPN ids to offer")
    ap.add_argument("--send", help="what to send (default: GET / over HTTP/1.0)")
    args = ap.parse_args()
    target = args.name or args.host
    payload = (args.send if args.send is not None else f"GET / HTTP/1.0\r\nHost: {target}\r\n\r\n").encode()

    lib = S.load()
    sc = S.SCHANNEL_CRED(dwVersion=S.SCHANNEL_CRED_VERSION, dwFlags=S.SCH_CRED_NO_DEFAULT_CREDS,
                         grbitEnabledProtocols=PROTOCOLS.get(args.protocol, 0))
    cred, expiry = S.CredHandle(), S.TimeStamp()
    check("AcquireCredentialsHandleW",
          lib.AcquireCredentialsHandleW(None, S.wstr(S.UNISP_NAME), S.SECPKG_CRED_OUTBOUND, None, byref(sc),
                                        None, None, byref(cred), byref(expiry)))
    ctx = None
    try:
        with socket.create_connection((args.host, args.port), timeout=30) as sock:
            ctx, data = handshake(lib, cred, sock, target, args.alpn.split(",") if args.alpn else None)
            info = S.SecPkgContext_ConnectionInfo()
            check("QueryContextAttributesW",
                  lib.QueryContextAttributesW(byref(ctx), S.SECPKG_ATTR_CONNECTION_INFO, byref(info)))
            print(f"protocol: {PROTOCOL_NAMES.get(info.dwProtocol, hex(info.dwProtocol))}", file=sys.stderr)
            print(f"cipher: ALG_ID {info.aiCipher:#x}, {info.dwCipherStrength} bits", file=sys.stderr)
            if args.alpn:
                proto = S.SecPkgContext_ApplicationProtocol()
                check("QueryContextAttributesW",
                      lib.QueryContextAttributesW(byref(ctx), S.SECPKG_ATTR_APPLICATION_PROTOCOL, byref(proto)))
                ok = proto.ProtoNegoStatus == S.SecApplicationProtocolNegotiationStatus_Success
                chosen = bytes(proto.ProtocolId[:proto.ProtocolIdSize]).decode() if ok else "(none)"
                print(f"alpn: {chosen}", file=sys.stderr)
            sizes = S.SecPkgContext_StreamSizes()
            check("QueryContextAttributesW",
                  lib.QueryContextAttributesW(byref(ctx), S.SECPKG_ATTR_STREAM_SIZES, byref(sizes)))
            send(lib, ctx, sock, sizes, payload)
            for plain in receive(lib, cred, ctx, sock, data, target):
                sys.stdout.buffer.write(plain)
                sys.stdout.flush()
            print("server sent close_notify", file=sys.stderr)
            shutdown(lib, cred, ctx, sock, target)
            print("close_notify sent", file=sys.stderr)
    except (SspiError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        if ctx is not None:
            lib.DeleteSecurityContext(byref(ctx))
        lib.FreeCredentialsHandle(byref(cred))
    return 0


if __name__ == "__main__":
    sys.exit(main())
