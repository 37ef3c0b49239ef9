"""sspilib (PyPI: the Cython binding pyspnego and others use for SSPI), built from its
sdist against our library instead of sspi-rs, driven through its own high-level and raw
APIs exactly as its users call them. Run by test_sspilib.py in a child whose PYTHONPATH
holds that build; one scenario per argument, exit 0 when it holds (assertions otherwise).

    sspilib_scenarios.py ntlm-both-ours | ntlm-client-pyspnego-server |
                         pyspnego-client-ntlm-server | wrong-password | bindings | packages |
                         negotiate-default | negotiate-pyspnego
"""

import sys

import sspilib
import sspilib.raw as raw

USER, DOMAIN, PASSWORD = "alice", "EXAMPLE", "s3cret"
CB = b"tls-server-end-point:" + bytes(range(32))


def loop(client, server):
    token = client.step(b"")
    while not (client.complete and server.complete):
        token = server.step(token)
        if client.complete:
            break
        token = client.step(token)
    assert client.complete and server.complete
    assert not token


def messages(a, b):
    for i in range(3):
        msg = b"sspilib message %d " % i * (i * 100 + 1)
        w = a.wrap(msg)
        assert w != msg and len(w) == len(msg) + 16
        r = b.unwrap(w)
        assert r.data == msg and r.qop == 0
        w = a.wrap(msg, encrypt=False)
        r = b.unwrap(w)
        assert r.data == msg and r.qop == raw.QopFlags.SECQOP_WRAP_NO_ENCRYPT
        sig = b.sign(msg)
        assert len(sig) == 16
        a.verify(msg, sig)
    sig = a.sign(b"genuine")
    try:
        b.verify(b"forged", sig)
    except sspilib.WindowsError as e:
        assert e.winerror & 0xFFFFFFFF == 0x8009030F, hex(e.winerror)
    else:
        raise AssertionError("a forged message verified")
    b.verify(b"genuine", sig)  # the refusal left the context as it was


def attributes(ctx):
    names = raw.query_context_attributes(ctx, raw.SecPkgContextNames)
    assert names.username.upper() == f"{DOMAIN}\\{USER}".upper(), names.username
    pkg = raw.query_context_attributes(ctx, raw.SecPkgContextPackageInfo)
    assert pkg.name == "NTLM" and pkg.rpcid == 10, (pkg.name, pkg.rpcid)
    sizes = raw.query_context_attributes(ctx, raw.SecPkgContextSizes)
    assert (sizes.max_token, sizes.max_signature, sizes.security_trailer) == (2888, 16, 16)
    return raw.query_context_attributes(ctx, raw.SecPkgContextSessionKey).session_key


def ntlm_both_ours():
    for cb in (None, raw.SecChannelBindings(application_data=CB)):
        ccred = sspilib.UserCredential(f"{DOMAIN}\\{USER}", PASSWORD, protocol="NTLM", usage="initiate")
        scred = sspilib.UserCredential(protocol="NTLM", usage="accept")
        c = sspilib.ClientSecurityContext(ccred, "HTTP/server.test", channel_bindings=cb)
        s = sspilib.ServerSecurityContext(scred, channel_bindings=cb)
        loop(c, s)
        kc, ks = attributes(c), attributes(s)
        assert kc == ks and len(kc) == 16
        messages(c, s)
        messages(s, c)
    # The user as user@domain with protocol_list (SEC_WINNT_AUTH_IDENTITY_EX).
    ccred = sspilib.UserCredential(f"{USER}@{DOMAIN}", PASSWORD, protocol="NTLM", protocol_list=["ntlm"])
    c = sspilib.ClientSecurityContext(ccred, "HTTP/server.test")
    s = sspilib.ServerSecurityContext(sspilib.UserCredential(protocol="NTLM", usage="accept"))
    loop(c, s)
    messages(c, s)


def ntlm_client_pyspnego_server():
    import spnego

    ccred = sspilib.UserCredential(f"{DOMAIN}\\{USER}", PASSWORD, protocol="NTLM")
    c = sspilib.ClientSecurityContext(ccred, "HTTP/server.test")
    s = spnego.server(hostname="server.test", service="HTTP", protocol="ntlm")
    token = c.step(b"")
    token = c.step(s.step(token))
    assert s.step(token) is None and s.complete and c.complete
    assert attributes(c) == s.session_key
    for i in range(3):
        msg = b"to pyspnego %d" % i
        assert s.unwrap(c.wrap(msg)).data == msg
        assert c.unwrap(s.wrap(msg).data).data == msg
        c.verify(msg, s.sign(msg))
        s.verify(msg, c.sign(msg))


def pyspnego_client_ntlm_server():
    import spnego

    cli = spnego.client(f"{DOMAIN}\\{USER}", PASSWORD, hostname="server.test", service="HTTP", protocol="ntlm")
    s = sspilib.ServerSecurityContext(sspilib.UserCredential(protocol="NTLM", usage="accept"))
    token = s.step(cli.step())
    token = s.step(cli.step(token))
    assert s.complete and not token
    assert attributes(s) == cli.session_key
    for i in range(3):
        msg = b"from pyspnego %d" % i
        assert s.unwrap(cli.wrap(msg).data).data == msg
        assert cli.unwrap(s.wrap(msg)).data == msg


def wrong_password():
    ccred = sspilib.UserCredential(f"{DOMAIN}\\{USER}", "wrong", protocol="NTLM")
    c = sspilib.ClientSecurityContext(ccred, "HTTP/server.test")
    s = sspilib.ServerSecurityContext(sspilib.UserCredential(protocol="NTLM", usage="accept"))
    token = s.step(c.step(b""))
    token = c.step(token)
    try:
        s.step(token)
    except sspilib.WindowsError as e:
        assert e.winerror & 0xFFFFFFFF == 0x8009030C, hex(e.winerror)  # SEC_E_LOGON_DENIED
    else:
        raise AssertionError("a wrong password was accepted")


def bindings():
    ccred = sspilib.UserCredential(f"{DOMAIN}\\{USER}", PASSWORD, protocol="NTLM")
    c = sspilib.ClientSecurityContext(ccred, "HTTP/server.test",
                                      channel_bindings=raw.SecChannelBindings(application_data=b"other"))
    s = sspilib.ServerSecurityContext(sspilib.UserCredential(protocol="NTLM", usage="accept"),
                                      channel_bindings=raw.SecChannelBindings(application_data=CB))
    token = c.step(s.step(c.step(b"")))
    try:
        s.step(token)
    except sspilib.WindowsError as e:
        assert e.winerror & 0xFFFFFFFF == 0x80090346, hex(e.winerror)  # SEC_E_BAD_BINDINGS
    else:
        raise AssertionError("mismatched channel bindings were accepted")


def negotiated(ctx):
    pkg = raw.query_context_attributes(ctx, raw.SecPkgContextPackageInfo)
    return pkg.name


def negotiate_default():
    # sspilib's default protocol is "negotiate"; with no KDC for the target (KRB5_CONFIG is
    # empty) Negotiate falls back to NTLM inside SPNEGO, as Windows does in a workgroup.
    ccred = sspilib.UserCredential(f"{DOMAIN}\\{USER}", PASSWORD, usage="initiate")
    scred = sspilib.UserCredential(usage="accept")
    c = sspilib.ClientSecurityContext(ccred, "HTTP/server.test")
    s = sspilib.ServerSecurityContext(scred)
    first = c.step(b"")
    assert first[:1] == b"\x60" and b"\x2b\x06\x01\x05\x05\x02" in first[:16], "a SPNEGO NegTokenInit"
    token = first
    while not (c.complete and s.complete):
        token = s.step(token)
        if token:
            token = c.step(token)
    assert negotiated(c) == negotiated(s) == "NTLM"
    assert attributes(c) == attributes(s)
    messages(c, s)
    messages(s, c)


def negotiate_pyspnego():
    import spnego

    # pyspnego's Negotiate client (SPNEGO with its own NTLM) against our acceptor...
    cli = spnego.client(f"{DOMAIN}\\{USER}", PASSWORD, hostname="server.test", service="HTTP",
                        protocol="negotiate")
    s = sspilib.ServerSecurityContext(sspilib.UserCredential(usage="accept"))
    token = cli.step()
    while not (cli.complete and s.complete):
        token = s.step(token)
        if token:
            token = cli.step(token)
    assert cli.complete and s.complete and negotiated(s) == "NTLM"
    assert attributes(s) == cli.session_key
    for i in range(3):
        msg = b"from pyspnego %d" % i
        assert s.unwrap(cli.wrap(msg).data).data == msg
        assert cli.unwrap(s.wrap(msg)).data == msg
    # ...and our Negotiate client against pyspnego's acceptor.
    c = sspilib.ClientSecurityContext(sspilib.UserCredential(f"{DOMAIN}\\{USER}", PASSWORD), "HTTP/server.test")
    srv = spnego.server(hostname="server.test", service="HTTP", protocol="negotiate")
    token = c.step(b"")
    while not (c.complete and srv.complete):
        token = srv.step(token)
        if token:
            token = c.step(token)
    assert c.complete and srv.complete and negotiated(c) == "NTLM"
    assert attributes(c) == srv.session_key
    for i in range(3):
        msg = b"to pyspnego %d" % i
        assert srv.unwrap(c.wrap(msg)).data == msg
        assert c.unwrap(srv.wrap(msg).data).data == msg
        c.verify(msg, srv.sign(msg))
        srv.verify(msg, c.sign(msg))


def packages():
    names = {p.name for p in raw.enumerate_security_packages()}
    assert {"NTLM", "Schannel", "Kerberos", "Negotiate"} <= names, names
    nego = next(p for p in raw.enumerate_security_packages() if p.name == "Negotiate")
    assert (nego.rpcid, nego.max_token, nego.comment) == (9, 48256, "Microsoft Package Negotiator")
    ntlm = next(p for p in raw.enumerate_security_packages() if p.name == "NTLM")
    assert (ntlm.rpcid, ntlm.max_token, ntlm.comment) == (10, 2888, "NTLM Security Package")


SCENARIOS = {
    "ntlm-both-ours": ntlm_both_ours,
    "ntlm-client-pyspnego-server": ntlm_client_pyspnego_server,
    "pyspnego-client-ntlm-server": pyspnego_client_ntlm_server,
    "wrong-password": wrong_password,
    "bindings": bindings,
    "packages": packages,
    "negotiate-default": negotiate_default,
    "negotiate-pyspnego": negotiate_pyspnego,
}

if __name__ == "__main__":
    SCENARIOS[sys.argv[1]]()
    print("ok", sys.argv[1])
