"""NTLM conversations through ctypes with both ends, or one end, ours: shared by the ctypes
tests (ffi-tests/python/test_ntlm.py) and the interop tests against other NTLM
implementations (ffi-tests/interop/test_ntlm_peers.py)."""

import ctypes
from ctypes import addressof, byref, create_string_buffer, string_at

import sspi as S

ISC_FLAGS = (S.ISC_REQ_CONFIDENTIALITY | S.ISC_REQ_INTEGRITY | S.ISC_REQ_REPLAY_DETECT
             | S.ISC_REQ_SEQUENCE_DETECT | S.ISC_REQ_CONNECTION)
ASC_FLAGS = (S.ASC_REQ_CONFIDENTIALITY | S.ASC_REQ_INTEGRITY | S.ASC_REQ_REPLAY_DETECT
             | S.ASC_REQ_SEQUENCE_DETECT | S.ASC_REQ_CONNECTION)


def acquire(lib, use, identity=None, wide=True, package="NTLM"):
    cred, expiry = S.CredHandle(), S.TimeStamp()
    auth = byref(identity) if identity is not None else None
    if wide:
        st = lib.AcquireCredentialsHandleW(None, S.wstr(package), use, None, auth, None, None, byref(cred),
                                           byref(expiry))
    else:
        st = lib.AcquireCredentialsHandleA(None, S.astr(package), use, None, auth, None, None, byref(cred),
                                           byref(expiry))
    return st, cred


def free_cred(lib, cred):
    assert lib.FreeCredentialsHandle(byref(cred)) == S.SEC_E_OK


def identity_a(user, domain, password):
    bufs = [create_string_buffer(x.encode()) for x in (user, domain, password)]
    ident = S.SEC_WINNT_AUTH_IDENTITY_A(
        ctypes.cast(bufs[0], S.PBYTE), len(user.encode()), ctypes.cast(bufs[1], S.PBYTE), len(domain.encode()),
        ctypes.cast(bufs[2], S.PBYTE), len(password.encode()), S.SEC_WINNT_AUTH_IDENTITY_ANSI)
    ident._keep = bufs
    return ident


def identity_exw(user, domain, password, package_list=None):
    bufs = [S.wstr(x) for x in (user, domain, password, package_list or "")]
    ident = S.SEC_WINNT_AUTH_IDENTITY_EXW(
        S.SEC_WINNT_AUTH_IDENTITY_VERSION, ctypes.sizeof(S.SEC_WINNT_AUTH_IDENTITY_EXW),
        ctypes.cast(bufs[0], S.PWCHAR), len(bufs[0]) - 1, ctypes.cast(bufs[1], S.PWCHAR), len(bufs[1]) - 1,
        ctypes.cast(bufs[2], S.PWCHAR), len(bufs[2]) - 1, S.SEC_WINNT_AUTH_IDENTITY_UNICODE,
        ctypes.cast(bufs[3], S.PWCHAR) if package_list else None, len(bufs[3]) - 1 if package_list else 0)
    ident._keep = bufs
    return ident


class Side:
    """One end of a conversation: its context, the attributes of its last step."""

    def __init__(self, lib, cred, client, target="HTTP/server.example.test", allocate=True, wide=True, bindings=None):
        self.lib, self.cred, self.client, self.target = lib, cred, client, target
        self.allocate, self.wide, self.bindings = allocate, wide, bindings
        self.ctx = S.CtxtHandle()
        self.started = False
        self.out_size = 4096  # a caller-supplied output buffer's size (Kerberos tokens need more)
        self.attrs = S.ULONG()

    def step(self, token):
        """Feeds the peer's token (None: the first call); returns (status, output token)."""
        keep = []
        in_desc = None
        if token is not None:
            tbuf = create_string_buffer(token, len(token))
            bufs = [(len(token), S.SECBUFFER_TOKEN, addressof(tbuf))]
            keep.append(tbuf)
            if self.bindings is not None:
                bbuf = create_string_buffer(self.bindings, len(self.bindings))
                keep.append(bbuf)
                bufs.append((len(self.bindings), S.SECBUFFER_CHANNEL_BINDINGS, addressof(bbuf)))
            in_desc, arr = desc(bufs)
            keep.append(arr)
        if self.allocate:
            out_desc, out_arr = desc([(0, S.SECBUFFER_TOKEN, None)])
        else:
            space = create_string_buffer(self.out_size)
            keep.append(space)
            out_desc, out_arr = desc([(self.out_size, S.SECBUFFER_TOKEN, addressof(space))])
        expiry = S.TimeStamp()
        prev = byref(self.ctx) if self.started else None
        if self.client:
            flags = ISC_FLAGS | (S.ISC_REQ_ALLOCATE_MEMORY if self.allocate else 0)
            if self.wide:
                st = self.lib.InitializeSecurityContextW(
                    byref(self.cred), prev, S.wstr(self.target) if self.target else None, flags, 0,
                    S.SECURITY_NATIVE_DREP, byref(in_desc) if in_desc else None, 0, byref(self.ctx),
                    byref(out_desc), byref(self.attrs), byref(expiry))
            else:
                st = self.lib.InitializeSecurityContextA(
                    byref(self.cred), prev, S.astr(self.target) if self.target else None, flags, 0,
                    S.SECURITY_NATIVE_DREP, byref(in_desc) if in_desc else None, 0, byref(self.ctx),
                    byref(out_desc), byref(self.attrs), byref(expiry))
        else:
            flags = ASC_FLAGS | (S.ASC_REQ_ALLOCATE_MEMORY if self.allocate else 0)
            st = self.lib.AcceptSecurityContext(
                byref(self.cred), prev, byref(in_desc), flags, S.SECURITY_NATIVE_DREP, byref(self.ctx),
                byref(out_desc), byref(self.attrs), byref(expiry))
        if st in (S.SEC_E_OK, S.SEC_I_CONTINUE_NEEDED):
            self.started = True
        out = out_arr[0]
        data = string_at(out.pvBuffer, out.cbBuffer) if out.pvBuffer and out.cbBuffer else b""
        if self.allocate and out.pvBuffer:
            assert self.lib.FreeContextBuffer(out.pvBuffer) == S.SEC_E_OK
        return st, data

    def delete(self):
        if self.started:
            assert self.lib.DeleteSecurityContext(byref(self.ctx)) == S.SEC_E_OK
            self.started = False


def desc(bufs):
    arr = (S.SecBuffer * len(bufs))(*[S.SecBuffer(n, t, p) for n, t, p in bufs])
    return S.SecBufferDesc(S.SECBUFFER_VERSION, len(bufs), arr), arr


def converse(client, server):
    """The three legs; returns the server's last status (the client's must be SEC_E_OK)."""
    st, negotiate = client.step(None)
    assert st == S.SEC_I_CONTINUE_NEEDED, S.status_name(st)
    assert negotiate[:8] == b"NTLMSSP\0" and negotiate[8] == 1 and len(negotiate) == 40
    st, challenge = server.step(negotiate)
    assert st == S.SEC_I_CONTINUE_NEEDED, S.status_name(st)
    assert challenge[:8] == b"NTLMSSP\0" and challenge[8] == 2
    st, authenticate = client.step(challenge)
    assert st == S.SEC_E_OK, S.status_name(st)
    assert authenticate[:8] == b"NTLMSSP\0" and authenticate[8] == 3
    st, last = server.step(authenticate)
    if st == S.SEC_E_OK:
        assert last == b""
    return st



def sign(lib, side, message, seq=0):
    data = create_string_buffer(message, len(message))
    sig = create_string_buffer(16)
    d, arr = desc([(len(message), S.SECBUFFER_DATA, addressof(data)), (16, S.SECBUFFER_TOKEN, addressof(sig))])
    st = lib.MakeSignature(byref(side.ctx), 0, byref(d), seq)
    assert st == S.SEC_E_OK, S.status_name(st)
    return sig.raw[:arr[1].cbBuffer]


def verify(lib, side, message, signature):
    data = create_string_buffer(message, len(message))
    sig = create_string_buffer(signature, len(signature))
    d, _ = desc([(len(message), S.SECBUFFER_DATA, addressof(data)), (len(signature), S.SECBUFFER_TOKEN,
                                                                    addressof(sig))])
    qop = S.ULONG()
    return lib.VerifySignature(byref(side.ctx), byref(d), 0, byref(qop))


def seal(lib, side, message, qop=0, fn=None):
    """EncryptMessage (or `fn`, e.g. SealMessage) on [TOKEN, DATA, PADDING]; returns (signature,
    ciphertext)."""
    data = create_string_buffer(message, len(message))
    tok = create_string_buffer(16)
    pad = create_string_buffer(16)
    d, arr = desc([(16, S.SECBUFFER_TOKEN, addressof(tok)), (len(message), S.SECBUFFER_DATA, addressof(data)),
                   (16, S.SECBUFFER_PADDING, addressof(pad))])
    st = (fn or lib.EncryptMessage)(byref(side.ctx), qop, byref(d), 0)
    assert st == S.SEC_E_OK, S.status_name(st)
    assert arr[2].cbBuffer == 0  # RC4 needs no padding
    return tok.raw[:arr[0].cbBuffer], data.raw[:arr[1].cbBuffer]


def unseal(lib, side, signature, ciphertext, fn=None):
    """DecryptMessage (or `fn`) on [TOKEN, DATA]; returns (status, plaintext, qop)."""
    data = create_string_buffer(ciphertext, len(ciphertext))
    tok = create_string_buffer(signature, len(signature))
    d, arr = desc([(len(signature), S.SECBUFFER_TOKEN, addressof(tok)),
                   (len(ciphertext), S.SECBUFFER_DATA, addressof(data))])
    qop = S.ULONG()
    st = (fn or lib.DecryptMessage)(byref(side.ctx), byref(d), 0, byref(qop))
    return st, data.raw[:arr[1].cbBuffer], qop.value
