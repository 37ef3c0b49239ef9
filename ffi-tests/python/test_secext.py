"""The secur32 exports outside the SSPI function table, through ctypes, in the call sequences
Wine's dlls/secur32/tests/secur32.c makes on Windows: secext.h's GetUserNameEx,
GetComputerObjectName and TranslateName (BOOLEAN results, the reason in GetLastError, Windows'
size rules), the Sspi* identity helpers (an opaque identity that AcquireCredentialsHandle takes,
strings back, zeroing and freeing, SspiPrepareForCredWrite), SealMessage/UnsealMessage and
Add/DeleteSecurityPackage."""

import ctypes
import os
import pwd
import socket
from ctypes import POINTER, byref, c_uint8, c_void_p, string_at

import pytest

import sspi as S
from ntlm_helpers import Side, acquire, converse, free_cred, seal, unseal

FORMATS = [S.NameUnknown, S.NameFullyQualifiedDN, S.NameSamCompatible, S.NameDisplay, S.NameUniqueId,
           S.NameCanonical, S.NameUserPrincipal, S.NameCanonicalEx, S.NameServicePrincipal, S.NameDnsDomain]


def expected_sam_name():
    computer = socket.gethostname().split(".")[0].upper()[:15]
    return f"{computer}\\{pwd.getpwuid(os.geteuid()).pw_name}"


@pytest.fixture
def no_ccache(monkeypatch, tmp_path):
    """No default credential cache: NameUserPrincipal has no mapping."""
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{tmp_path}/none")


def counted(b):
    """A ccache's counted octets: a 32-bit big-endian length, then the bytes."""
    return len(b).to_bytes(4, "big") + b


def ccache_principal(realm, parts, name_type=1):
    """A ccache principal: name type, component count, realm, components."""
    return (name_type.to_bytes(4, "big") + len(parts).to_bytes(4, "big") + counted(realm.encode())
            + b"".join(counted(p.encode()) for p in parts))


def ccache_v4(principal, realm):
    """A FILE credential cache (version 4) holding only its principal, as `kinit` leaves one
    before any ticket: the header (the KDC time offset tag), then the principal."""
    header = (1).to_bytes(2, "big") + (8).to_bytes(2, "big") + bytes(8)
    return b"\x05\x04" + len(header).to_bytes(2, "big") + header + ccache_principal(realm, principal.split("/"))


@pytest.mark.parametrize("wide", [True, False])
def test_user_principal_is_the_default_ccache_principal(lib, monkeypatch, tmp_path, wide):
    cache = tmp_path / "ccache"
    cache.write_bytes(ccache_v4("alice", "EXAMPLE.TEST"))
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{cache}")
    get = lib.GetUserNameExW if wide else lib.GetUserNameExA
    buf = (S.WCHAR * 64)() if wide else ctypes.create_string_buffer(64)
    size = S.ULONG(64)
    assert get(S.NameUserPrincipal, buf, byref(size)) == 1
    got = bytes(buf)[: 2 * size.value].decode("utf-16-le") if wide else buf.value.decode()
    assert (got, size.value) == ("alice@EXAMPLE.TEST", len("alice@EXAMPLE.TEST"))
    # The size query and a short buffer, as for the other formats.
    size = S.ULONG(0)
    assert get(S.NameUserPrincipal, None, byref(size)) == 0
    assert lib.GetLastError() == S.ERROR_MORE_DATA and size.value == len("alice@EXAMPLE.TEST") + 1
    # A file that is not a credential cache maps to nothing.
    cache.write_bytes(b"not a ccache")
    assert get(S.NameUserPrincipal, buf, byref(S.ULONG(64))) == 0
    assert lib.GetLastError() == S.ERROR_NONE_MAPPED


def test_get_user_name_ex_w(lib, no_ccache):
    want = expected_sam_name()
    buf = (S.WCHAR * 256)()
    size = S.ULONG(256)
    assert lib.GetUserNameExW(S.NameSamCompatible, buf, byref(size)) == 1
    assert size.value == len(want)
    got = bytes(buf)[: 2 * size.value].decode("utf-16-le")
    assert got == want and buf[size.value] == 0
    # Every format answers, or says why (Windows' reasons for a local account).
    for f in FORMATS:
        size = S.ULONG(256)
        ok = lib.GetUserNameExW(f, buf, byref(size))
        err = lib.GetLastError()
        if f == S.NameSamCompatible:
            assert ok == 1
        elif f == S.NameDisplay:
            gecos = pwd.getpwuid(os.geteuid()).pw_gecos.split(",")[0]
            assert (ok, err if not ok else None) == ((1, None) if gecos else (0, S.ERROR_NONE_MAPPED))
        elif f == S.NameUnknown:
            assert (ok, err) == (0, S.ERROR_NO_SUCH_USER)
        else:
            assert (ok, err) == (0, S.ERROR_NONE_MAPPED), f
    assert lib.GetUserNameExW(4, buf, byref(S.ULONG(256))) == 0
    assert lib.GetLastError() == S.ERROR_INVALID_PARAMETER
    # Sizes: NULL buffer or too small -> ERROR_MORE_DATA, the size needed (with the NUL), buffer untouched.
    size = S.ULONG(0)
    assert lib.GetUserNameExW(S.NameSamCompatible, None, byref(size)) == 0
    assert lib.GetLastError() == S.ERROR_MORE_DATA and size.value == len(want) + 1
    size = S.ULONG(1)
    buf[0] = 0xFF
    assert lib.GetUserNameExW(S.NameSamCompatible, buf, byref(size)) == 0
    assert lib.GetLastError() == S.ERROR_MORE_DATA and size.value == len(want) + 1 and buf[0] == 0xFF
    size = S.ULONG(len(want))
    assert lib.GetUserNameExW(S.NameSamCompatible, buf, byref(size)) == 0 and buf[0] == 0xFF
    size = S.ULONG(len(want) + 1)
    assert lib.GetUserNameExW(S.NameSamCompatible, buf, byref(size)) == 1 and size.value == len(want)
    # A NULL size (Windows crashes): refused.
    assert lib.GetUserNameExW(S.NameSamCompatible, buf, None) == 0
    assert lib.GetLastError() == S.ERROR_INVALID_PARAMETER


def test_get_user_name_ex_a(lib, no_ccache):
    want = expected_sam_name().encode()
    buf = ctypes.create_string_buffer(256)
    size = S.ULONG(256)
    assert lib.GetUserNameExA(S.NameSamCompatible, buf, byref(size)) == 1
    assert (buf.value, size.value) == (want, len(want))
    size = S.ULONG(0)
    assert lib.GetUserNameExA(S.NameSamCompatible, None, byref(size)) == 0
    assert lib.GetLastError() == S.ERROR_MORE_DATA and size.value == len(want) + 1
    size = S.ULONG(1)
    buf[0] = b"\xff"
    assert lib.GetUserNameExA(S.NameSamCompatible, buf, byref(size)) == 0
    assert lib.GetLastError() == S.ERROR_MORE_DATA and buf.raw[0] == 0xFF
    assert lib.GetUserNameExA(S.NameUserPrincipal, buf, byref(S.ULONG(256))) == 0
    assert lib.GetLastError() == S.ERROR_NONE_MAPPED


@pytest.mark.parametrize("wide", [True, False])
def test_computer_object_name_and_translate_name(lib, wide):
    buf = (S.WCHAR * 256)() if wide else ctypes.create_string_buffer(256)
    get = lib.GetComputerObjectNameW if wide else lib.GetComputerObjectNameA
    for f in FORMATS:
        size = S.ULONG(256)
        assert get(f, buf, byref(size)) == 0
        want = S.ERROR_INVALID_PARAMETER if f == S.NameUnknown else S.ERROR_CANT_ACCESS_DOMAIN_INFO
        assert lib.GetLastError() == want, f
    translate = lib.TranslateNameW if wide else lib.TranslateNameA
    name = S.wstr(expected_sam_name()) if wide else expected_sam_name().encode()
    size = S.ULONG(256)
    assert translate(name, S.NameSamCompatible, S.NameUserPrincipal, buf, byref(size)) == 0
    assert lib.GetLastError() == S.ERROR_NO_SUCH_DOMAIN
    assert translate(None, S.NameSamCompatible, S.NameUserPrincipal, buf, byref(size)) == 0
    assert lib.GetLastError() == S.ERROR_INVALID_PARAMETER
    assert translate(name, S.NameSamCompatible, 99, buf, byref(size)) == 0
    assert lib.GetLastError() == S.ERROR_INVALID_PARAMETER


def encode(lib, user, domain, password):
    ident = c_void_p()
    st = lib.SspiEncodeStringsAsAuthIdentity(user and S.wstr(user), domain and S.wstr(domain),
                                             password and S.wstr(password), byref(ident))
    return st, ident


def as_strings(lib, ident):
    ptrs = [S.PWCHAR(), S.PWCHAR(), S.PWCHAR()]
    ptrs[1] = ctypes.cast(c_void_p(0xDEADBEEF), S.PWCHAR)  # Windows clears an absent one
    assert lib.SspiEncodeAuthIdentityAsStrings(ident, *[byref(p) for p in ptrs]) == S.SEC_E_OK
    out = [S.read_wstr(p) if p else None for p in ptrs]
    for p in ptrs:
        lib.SspiLocalFree(ctypes.cast(p, c_void_p))
    return out


def test_sspi_encode_strings_as_auth_identity(lib):
    # Wine's sequence: all NULL is SEC_E_INVALID_TOKEN (the output untouched), any one string is enough.
    assert lib.SspiEncodeStringsAsAuthIdentity(None, None, None, None) == S.SEC_E_INVALID_TOKEN
    ident = c_void_p(0xDEADBEEF)
    assert lib.SspiEncodeStringsAsAuthIdentity(None, None, None, byref(ident)) == S.SEC_E_INVALID_TOKEN
    assert ident.value == 0xDEADBEEF
    for parts in [(None, None, "password"), (None, "domainname", "password"), ("username", None, "password"),
                  ("username", None, None), ("username", "domainname", "password")]:
        st, ident = encode(lib, *parts)
        assert st == S.SEC_E_OK and ident.value
        assert as_strings(lib, ident) == list(parts)
        lib.SspiFreeAuthIdentity(ident)
    # Zeroing wipes the identity in place: nothing is left to read, and freeing still works.
    st, ident = encode(lib, "username", "domainname", "password")
    lib.SspiZeroAuthIdentity(ident)
    assert as_strings(lib, ident) == [None, None, None]
    lib.SspiFreeAuthIdentity(ident)
    # Pointers that are not ours, and NULL, are ignored by the void functions.
    lib.SspiFreeAuthIdentity(None)
    lib.SspiZeroAuthIdentity(None)
    lib.SspiLocalFree(None)
    junk = ctypes.create_string_buffer(64)
    lib.SspiFreeAuthIdentity(ctypes.addressof(junk))
    lib.SspiLocalFree(ctypes.addressof(junk))


def test_encoded_identity_is_an_acquire_credentials_handle_identity(lib, tmp_path, monkeypatch):
    """What programs do with it: AcquireCredentialsHandle(pAuthData = the opaque identity), then a
    real NTLM exchange (and a sealed message through SealMessage/UnsealMessage)."""
    users = tmp_path / "users"
    users.write_text("EXAMPLE:alice:s3cret\n")
    monkeypatch.setenv("NTLM_USER_FILE", str(users))
    for password, want in [("s3cret", S.SEC_E_OK), ("wrong", S.SEC_E_LOGON_DENIED)]:
        st, ident = encode(lib, "alice", "EXAMPLE", password)
        assert st == S.SEC_E_OK
        cred, expiry = S.CredHandle(), S.TimeStamp()
        assert lib.AcquireCredentialsHandleW(None, S.wstr("NTLM"), S.SECPKG_CRED_OUTBOUND, None, ident, None, None,
                                             byref(cred), byref(expiry)) == S.SEC_E_OK
        lib.SspiFreeAuthIdentity(ident)  # the credential keeps its own copy
        st, scred = acquire(lib, S.SECPKG_CRED_INBOUND)
        assert st == S.SEC_E_OK
        client, server = Side(lib, cred, True), Side(lib, scred, False)
        assert converse(client, server) == want
        if want == S.SEC_E_OK:
            sig, ct = seal(lib, client, b"through SealMessage", fn=lib.SealMessage)
            assert unseal(lib, server, sig, ct, fn=lib.UnsealMessage)[:2] == (S.SEC_E_OK, b"through SealMessage")
        client.delete()
        server.delete()
        free_cred(lib, cred)
        free_cred(lib, scred)


def test_sspi_prepare_for_cred_write(lib):
    st, ident = encode(lib, "alice", "EXAMPLE", "s3cret")
    kind, target, user, blob, size = S.ULONG(), S.PWCHAR(), S.PWCHAR(), POINTER(c_uint8)(), S.ULONG()
    assert lib.SspiPrepareForCredWrite(ident, S.wstr("server.example.test"), byref(kind), byref(target),
                                       byref(user), byref(blob), byref(size)) == S.SEC_E_OK
    assert kind.value == 2  # CRED_TYPE_DOMAIN_PASSWORD
    assert (S.read_wstr(target), S.read_wstr(user)) == ("server.example.test", "EXAMPLE\\alice")
    assert string_at(blob, size.value) == "s3cret".encode("utf-16-le")
    for p in (target, user, blob):
        lib.SspiLocalFree(ctypes.cast(p, c_void_p))
    # No target: the domain is the target.
    assert lib.SspiPrepareForCredWrite(ident, None, byref(kind), byref(target), byref(user), byref(blob),
                                       byref(size)) == S.SEC_E_OK
    assert S.read_wstr(target) == "EXAMPLE"
    for p in (target, user, blob):
        lib.SspiLocalFree(ctypes.cast(p, c_void_p))
    assert lib.SspiPrepareForCredWrite(ident, None, None, byref(target), byref(user), byref(blob),
                                       byref(size)) == S.SEC_E_INVALID_PARAMETER
    lib.SspiFreeAuthIdentity(ident)


def test_security_packages_cannot_be_added_or_deleted(lib):
    assert lib.AddSecurityPackageW(S.wstr("mysspi.dll"), None) == S.SEC_E_UNSUPPORTED_FUNCTION
    assert lib.AddSecurityPackageA(b"mysspi.dll", None) == S.SEC_E_UNSUPPORTED_FUNCTION
    assert lib.DeleteSecurityPackageW(S.wstr("NTLM")) == S.SEC_E_UNSUPPORTED_FUNCTION
    assert lib.DeleteSecurityPackageA(b"NTLM") == S.SEC_E_UNSUPPORTED_FUNCTION


def test_lsa_functions_without_a_connection(lib):
    """Without a connection from LsaConnectUntrusted, each Lsa* answers with a defined NTSTATUS
    and writes nothing; what needs an LSA proper says it is not there."""
    h = c_void_p(0x1234)
    mode = S.ULONG(7)
    name = ctypes.create_string_buffer(b"sspi-rustls test")
    lsa_string = (ctypes.c_uint16 * 2)(16, 17)  # Length, MaximumLength; the Buffer pointer follows
    assert lib.LsaRegisterLogonProcess(ctypes.addressof(lsa_string), byref(h), byref(mode)) == S.STATUS_NOT_IMPLEMENTED
    assert h.value == 0x1234 and mode.value == 7
    assert lib.LsaDeregisterLogonProcess(h) == S.STATUS_INVALID_HANDLE
    package = S.ULONG(99)
    assert lib.LsaLookupAuthenticationPackage(h, ctypes.addressof(name), byref(package)) == S.STATUS_INVALID_HANDLE
    assert package.value == 99
    ret, ret_len, proto = c_void_p(), S.ULONG(5), ctypes.c_int32(3)
    assert lib.LsaCallAuthenticationPackage(h, 0, None, 0, byref(ret), byref(ret_len), byref(proto)) == \
        S.STATUS_INVALID_HANDLE
    assert (ret.value, ret_len.value, proto.value) == (None, 5, 3)
    assert lib.LsaFreeReturnBuffer(ctypes.addressof(name)) == S.STATUS_INVALID_PARAMETER
    assert lib.LsaFreeReturnBuffer(None) == S.STATUS_INVALID_PARAMETER
    assert lib.LsaConnectUntrusted(None) == S.STATUS_INVALID_PARAMETER
    count, sessions = S.ULONG(4), c_void_p()
    assert lib.LsaEnumerateLogonSessions(byref(count), byref(sessions)) == S.STATUS_NOT_IMPLEMENTED
    assert (count.value, sessions.value) == (4, None)
    profile, profile_len, token, sub = c_void_p(), S.ULONG(9), c_void_p(0x77), ctypes.c_int32(1)
    luid = (S.ULONG * 2)(5, 6)
    assert lib.LsaLogonUser(h, ctypes.addressof(lsa_string), 2, 0, None, 0, None, None, byref(profile),
                            byref(profile_len), ctypes.addressof(luid), byref(token), None, byref(sub)) == \
        S.STATUS_INVALID_HANDLE
    assert (profile.value, profile_len.value, token.value, sub.value, list(luid)) == (None, 9, 0x77, 1, [5, 6])
    data = c_void_p(0x99)
    assert lib.LsaGetLogonSessionData(ctypes.addressof(luid), byref(data)) == S.STATUS_NOT_IMPLEMENTED
    assert data.value == 0x99
    assert lib.LsaRegisterPolicyChangeNotification(1, None) == S.STATUS_NOT_IMPLEMENTED
    assert lib.LsaUnregisterPolicyChangeNotification(1, None) == S.STATUS_NOT_IMPLEMENTED


def der(tag, content):
    n = len(content)
    length = bytes([n]) if n < 0x80 else bytes([0x82]) + n.to_bytes(2, "big")
    return bytes([tag]) + length + content


def der_ticket(realm, components):
    """A Kerberos Ticket (RFC 4120 5.3) with an opaque enc-part."""
    gs = lambda s: der(0x1B, s.encode())  # noqa: E731 (GeneralString)
    integer = lambda v: der(0x02, bytes([v]))  # noqa: E731
    sname = der(0x30, der(0xA0, integer(2)) + der(0xA1, der(0x30, b"".join(gs(c) for c in components))))
    enc = der(0x30, der(0xA0, integer(18)) + der(0xA1, integer(1)) + der(0xA2, der(0x04, bytes(48))))
    return der(0x61, der(0x30, der(0xA0, integer(5)) + der(0xA1, gs(realm)) + der(0xA2, sname) + der(0xA3, enc)))


def ccache_with_tickets(realm, client, tickets):
    """A version-4 FILE ccache of `client@realm` holding `tickets`: (server components, authtime,
    starttime, endtime, renew_till, flags), each with an aes256 session key; and one
    configuration entry (X-CACHECONF:), which is not a ticket."""
    principal, data = ccache_principal, counted
    u32 = lambda v: v.to_bytes(4, "big")  # noqa: E731
    out = ccache_v4(client, realm)
    for server, auth, start, end, renew, flags in tickets:
        out += principal(realm, [client]) + principal(realm, server, 2)
        out += (18).to_bytes(2, "big") + data(bytes(range(32)))
        out += u32(auth) + u32(start) + u32(end) + u32(renew) + b"\x00" + u32(flags) + u32(0) + u32(0)
        out += data(der_ticket(realm, server)) + data(b"")
    out += principal(realm, [client]) + principal("X-CACHECONF:", ["krb5_ccache_conf_data", "pa_type"], 1)
    out += (0).to_bytes(2, "big") + data(b"") + u32(0) * 4 + b"\x00" + u32(0) + u32(0) + u32(0)
    out += data(b"2") + data(b"")
    return out


def filetime(unix):
    return (unix + 11644473600) * 10_000_000 if unix else 0


def test_kerberos_ticket_cache_through_the_lsa(lib, monkeypatch, tmp_path):
    """The sequence klist-like tools and MIT's MSLSA ccache make: LsaConnectUntrusted,
    LsaLookupAuthenticationPackage("Kerberos"), LsaCallAuthenticationPackage with
    KerbQueryTicketCache(Ex, Ex2)Message for the caller's session (LogonId 0),
    LsaFreeReturnBuffer, LsaDeregisterLogonProcess: the default ccache's tickets come back."""
    tgt = (["krbtgt", "EXAMPLE.TEST"], 1_700_000_000, 0, 1_700_036_000, 1_700_600_000, 0x40E10000)
    http = (["HTTP", "www.example.test"], 1_700_000_000, 1_700_000_100, 1_700_036_000, 0, 0x40A50000)
    cache = tmp_path / "ccache"
    cache.write_bytes(ccache_with_tickets("EXAMPLE.TEST", "alice", [tgt, http]))
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{cache}")

    h = c_void_p()
    assert lib.LsaConnectUntrusted(byref(h)) == S.STATUS_SUCCESS and h.value
    name, _keep = S.lsa_string(S.MICROSOFT_KERBEROS_NAME_A)
    package = S.ULONG(99)
    assert lib.LsaLookupAuthenticationPackage(h, byref(name), byref(package)) == S.STATUS_SUCCESS
    kerberos = package.value
    other, _keep2 = S.lsa_string(b"NoSuchPackage")
    assert lib.LsaLookupAuthenticationPackage(h, byref(other), byref(package)) == S.STATUS_NO_SUCH_PACKAGE
    ntlm, _keep3 = S.lsa_string(b"MICROSOFT_AUTHENTICATION_PACKAGE_V1_0")
    assert lib.LsaLookupAuthenticationPackage(h, byref(ntlm), byref(package)) == S.STATUS_SUCCESS
    assert package.value != kerberos
    msv1_0 = package.value

    def call(message, logon=(0, 0), pkg=None, size=None):
        req = S.KERB_QUERY_TKT_CACHE_REQUEST(message, S.LUID(*logon))
        ret, ret_len, proto = c_void_p(0x55), S.ULONG(7), ctypes.c_int32(9)
        st = lib.LsaCallAuthenticationPackage(h, kerberos if pkg is None else pkg, byref(req),
                                              ctypes.sizeof(req) if size is None else size,
                                              byref(ret), byref(ret_len), byref(proto))
        return st, ret.value, ret_len.value, proto.value

    for message, info in [(S.KerbQueryTicketCacheMessage, S.KERB_TICKET_CACHE_INFO),
                          (S.KerbQueryTicketCacheExMessage, S.KERB_TICKET_CACHE_INFO_EX),
                          (S.KerbQueryTicketCacheEx2Message, S.KERB_TICKET_CACHE_INFO_EX2)]:
        st, ret, ret_len, proto = call(message)
        assert (st, proto) == (S.STATUS_SUCCESS, S.STATUS_SUCCESS) and ret

        class Response(ctypes.Structure):
            _fields_ = [("MessageType", S.ULONG), ("CountOfTickets", S.ULONG), ("Tickets", info * 2)]
        r = Response.from_address(ret)
        assert (r.MessageType, r.CountOfTickets) == (message, 2)
        got = []
        for t in r.Tickets:
            entry = [S.read_unicode_string(t.ServerName), t.StartTime, t.EndTime, t.RenewTime, t.EncryptionType, t.TicketFlags]
            if info is S.KERB_TICKET_CACHE_INFO:
                entry.insert(1, S.read_unicode_string(t.RealmName))
            else:
                entry[1:1] = [S.read_unicode_string(t.ServerRealm), S.read_unicode_string(t.ClientName), S.read_unicode_string(t.ClientRealm)]
            if info is S.KERB_TICKET_CACHE_INFO_EX2:
                entry.append(t.SessionKeyType)
            got.append(entry)
        want = []
        for server, auth, start, end, renew, flags in (tgt, http):
            entry = ["/".join(server), "EXAMPLE.TEST"]
            if info is not S.KERB_TICKET_CACHE_INFO:
                entry += ["alice", "EXAMPLE.TEST"]
            entry += [filetime(start or auth), filetime(end), filetime(renew), 18, flags]
            if info is S.KERB_TICKET_CACHE_INFO_EX2:
                entry.append(18)
            want.append(entry)
        assert got == want
        # One block: the strings follow the entries inside it.
        strings = sum(2 * (len(e) + 1) for w in want for e in w if isinstance(e, str))
        assert ret_len == ctypes.sizeof(Response) + strings
        assert lib.LsaFreeReturnBuffer(c_void_p(ret)) == S.STATUS_SUCCESS
        assert lib.LsaFreeReturnBuffer(c_void_p(ret)) == S.STATUS_INVALID_PARAMETER

    # Another session's tickets (an untrusted connection may not), messages not answered here,
    # another package, a short request: refused, nothing returned.
    assert call(S.KerbQueryTicketCacheExMessage, logon=(0x3E7, 0))[:2] == (S.STATUS_ACCESS_DENIED, None)
    assert call(S.KerbPurgeTicketCacheMessage)[0] == S.STATUS_NOT_SUPPORTED
    st, ret, _, proto = call(S.KerbRetrieveEncodedTicketMessage)
    assert (st, ret, proto) == (S.STATUS_NOT_SUPPORTED, None, S.STATUS_NOT_SUPPORTED)
    assert call(S.KerbQueryTicketCacheMessage, pkg=msv1_0)[0] == S.STATUS_NOT_SUPPORTED
    assert call(S.KerbQueryTicketCacheMessage, pkg=77)[0] == S.STATUS_NO_SUCH_PACKAGE
    assert call(S.KerbQueryTicketCacheMessage, size=6)[0] == S.STATUS_INVALID_PARAMETER
    # No ccache: no tickets, still an answer.
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{tmp_path}/none")
    st, ret, ret_len, proto = call(S.KerbQueryTicketCacheMessage)
    assert (st, proto, S.ULONG.from_address(ret + 4).value) == (S.STATUS_SUCCESS, S.STATUS_SUCCESS, 0)
    assert lib.LsaFreeReturnBuffer(c_void_p(ret)) == S.STATUS_SUCCESS
    # The connection is not a return buffer; closed once.
    assert lib.LsaFreeReturnBuffer(h) == S.STATUS_INVALID_PARAMETER
    assert lib.LsaDeregisterLogonProcess(h) == S.STATUS_SUCCESS
    assert lib.LsaDeregisterLogonProcess(h) == S.STATUS_INVALID_HANDLE
    assert call(S.KerbQueryTicketCacheMessage)[0] == S.STATUS_INVALID_HANDLE