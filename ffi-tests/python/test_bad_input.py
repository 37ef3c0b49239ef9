"""Every export, called with bad input, answers a defined SEC_E code and
writes nothing: NULL pointers, wrong versions, lying buffer counts, forged,
stale, double-freed and wrong-kind handles."""

import ctypes
from ctypes import POINTER, byref, c_void_p, cast

import pytest

import sspi as S

# dwUpper carries the kind tag in its high half (src/handles.rs); forging a
# handle with the right tag but no live slot must still fail.
CREDENTIAL_TAG = 0x5343_5201 << 32
CONTEXT_TAG = 0x5343_5802 << 32


def forged_handles():
    return [
        S.SecHandle(0, 0),
        S.SecHandle(0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF),
        S.SecHandle(1, CONTEXT_TAG | 1),
        S.SecHandle(4_000_000, CONTEXT_TAG | 1),
        S.SecHandle(1, CREDENTIAL_TAG | 0xFFFF),
        S.SecHandle(0x1234, 0x5678),
    ]


def sentinel_handle():
    return S.SecHandle(0xAAAA, 0xBBBB)


# ---- Package functions ----
@pytest.mark.parametrize("fn, info", [("EnumerateSecurityPackagesW", S.SecPkgInfoW), ("EnumerateSecurityPackagesA", S.SecPkgInfoA)])
def test_enumerate_null_outputs(lib, fn, info):
    count = S.ULONG(0xEEEE)
    infos = POINTER(info)()
    assert getattr(lib, fn)(None, byref(infos)) == S.SEC_E_INVALID_PARAMETER
    assert not infos, "nothing is written on failure"
    assert getattr(lib, fn)(byref(count), None) == S.SEC_E_INVALID_PARAMETER
    assert count.value == 0xEEEE
    assert getattr(lib, fn)(None, None) == S.SEC_E_INVALID_PARAMETER


def test_query_package_info_null_arguments(lib):
    out = POINTER(S.SecPkgInfoW)()
    assert lib.QuerySecurityPackageInfoW(None, byref(out)) == S.SEC_E_SECPKG_NOT_FOUND
    assert not out
    assert lib.QuerySecurityPackageInfoW(S.wstr(S.UNISP_NAME), None) == S.SEC_E_INVALID_PARAMETER
    out_a = POINTER(S.SecPkgInfoA)()
    assert lib.QuerySecurityPackageInfoA(None, byref(out_a)) == S.SEC_E_SECPKG_NOT_FOUND
    assert lib.QuerySecurityPackageInfoA(S.astr(S.UNISP_NAME), None) == S.SEC_E_INVALID_PARAMETER


def test_query_package_info_invalid_utf16(lib):
    lone_surrogate = (S.WCHAR * 3)(0x0053, 0xD800, 0)
    out = POINTER(S.SecPkgInfoW)()
    assert lib.QuerySecurityPackageInfoW(lone_surrogate, byref(out)) == S.SEC_E_INVALID_PARAMETER
    assert not out


def test_free_context_buffer_garbage(lib):
    assert lib.FreeContextBuffer(c_void_p(0x10)) == S.SEC_E_INVALID_HANDLE
    assert lib.FreeContextBuffer(c_void_p(0xFFFFFFFFFFFFFFF0)) == S.SEC_E_INVALID_HANDLE
    local = (ctypes.c_uint8 * 32)()
    assert lib.FreeContextBuffer(local) == S.SEC_E_INVALID_HANDLE


# ---- AcquireCredentialsHandle ----
@pytest.mark.parametrize("wide", [True, False])
def test_acquire_package_name(lib, wide):
    fn = lib.AcquireCredentialsHandleW if wide else lib.AcquireCredentialsHandleA
    mk = S.wstr if wide else S.astr
    for name in (None, mk("NoSuchPackage"), mk("")):
        h = sentinel_handle()
        assert fn(None, name, S.SECPKG_CRED_OUTBOUND, None, None, None, None, byref(h), None) == (
            S.SEC_E_SECPKG_NOT_FOUND
        )
        assert (h.dwLower, h.dwUpper) == (0xAAAA, 0xBBBB)


@pytest.mark.parametrize("wide", [True, False])
def test_acquire_null_handle_and_use(lib, wide):
    fn = lib.AcquireCredentialsHandleW if wide else lib.AcquireCredentialsHandleA
    name = S.wstr(S.UNISP_NAME) if wide else S.astr(S.UNISP_NAME)
    assert fn(None, name, S.SECPKG_CRED_OUTBOUND, None, None, None, None, None, None) == S.SEC_E_INVALID_HANDLE
    h = sentinel_handle()
    for use in (0, 0x4, 0xF0000000):
        assert fn(None, name, use, None, None, None, None, byref(h), None) == S.SEC_E_NO_CREDENTIALS
        assert (h.dwLower, h.dwUpper) == (0xAAAA, 0xBBBB)


@pytest.mark.parametrize("version", [0, S.SCH_CRED_V1, S.SCH_CRED_V2, 6, 0x7FFFFFFF, 0xFFFFFFFF])
def test_acquire_wrong_cred_version(lib, version):
    h = sentinel_handle()
    cred = S.schannel_cred(version=version)
    ts = S.TimeStamp(0x1111)
    ss = lib.AcquireCredentialsHandleW(
        None, S.wstr(S.UNISP_NAME), S.SECPKG_CRED_OUTBOUND, None, cast(byref(cred), c_void_p), None, None,
        byref(h), byref(ts),
    )
    assert ss == S.SEC_E_UNKNOWN_CREDENTIALS
    assert (h.dwLower, h.dwUpper) == (0xAAAA, 0xBBBB)
    assert ts.QuadPart == 0x1111


def acquire_status(lib, auth):
    h = sentinel_handle()
    ss = lib.AcquireCredentialsHandleW(
        None, S.wstr(S.UNISP_NAME), S.SECPKG_CRED_OUTBOUND, None, cast(byref(auth), c_void_p), None, None,
        byref(h), None,
    )
    if ss != S.SEC_E_OK:
        assert (h.dwLower, h.dwUpper) == (0xAAAA, 0xBBBB), "nothing is written on failure"
    else:
        lib.FreeCredentialsHandle(byref(h))
    return ss


def test_acquire_lying_arrays(lib):
    # cCreds without paCred.
    assert acquire_status(lib, S.schannel_cred(cCreds=1)) == S.SEC_E_UNKNOWN_CREDENTIALS
    # A certificate context the library never handed out.
    foreign = S.CERT_CONTEXT()
    array = (S.PCCERT_CONTEXT * 1)(cast(byref(foreign), S.PCCERT_CONTEXT))
    assert acquire_status(lib, S.schannel_cred(cCreds=1, paCred=array)) == S.SEC_E_UNKNOWN_CREDENTIALS
    # cSupportedAlgs without the array, or absurdly large.
    assert acquire_status(lib, S.schannel_cred(cSupportedAlgs=2)) == S.SEC_E_UNKNOWN_CREDENTIALS
    algs = (S.ALG_ID * 4)(S.CALG_AES_128, S.CALG_AES_256, 0, 0)
    assert acquire_status(lib, S.schannel_cred(cSupportedAlgs=100_000, palgSupportedAlgs=algs)) == (
        S.SEC_E_UNKNOWN_CREDENTIALS
    )
    # An unknown dwCredFormat with a certificate array.
    assert acquire_status(lib, S.schannel_cred(cCreds=1, paCred=array, dwCredFormat=7)) == (
        S.SEC_E_UNKNOWN_CREDENTIALS
    )


def test_acquire_lying_tls_parameters(lib):
    creds = S.SCH_CREDENTIALS(dwVersion=S.SCH_CREDENTIALS_VERSION, cTlsParameters=1)
    assert acquire_status(lib, creds) == S.SEC_E_UNKNOWN_CREDENTIALS
    params = S.TLS_PARAMETERS(cAlpnIds=3)
    creds.pTlsParameters = ctypes.pointer(params)
    assert acquire_status(lib, creds) == S.SEC_E_UNKNOWN_CREDENTIALS
    # A UNICODE_STRING with a length but no buffer.
    ids = (S.UNICODE_STRING * 1)(S.UNICODE_STRING(8, 8, None))
    params.cAlpnIds, params.rgstrAlpnIds = 1, ids
    assert acquire_status(lib, creds) == S.SEC_E_UNKNOWN_CREDENTIALS
    # Invalid UTF-16 (a lone surrogate).
    bad = (S.WCHAR * 2)(0x0068, 0xDC00)
    ids[0] = S.UNICODE_STRING(4, 4, cast(bad, S.PWCHAR))
    assert acquire_status(lib, creds) == S.SEC_E_UNKNOWN_CREDENTIALS
    # cDisabledCrypto without the array.
    params.cAlpnIds, params.rgstrAlpnIds = 0, None
    params.cDisabledCrypto = 2
    assert acquire_status(lib, creds) == S.SEC_E_UNKNOWN_CREDENTIALS


# ---- Credential handles ----
@pytest.mark.parametrize("wide", [True, False])
def test_query_credentials_attributes_bad_handles(lib, wide):
    fns = [
        (lib.QueryCredentialsAttributesW if wide else lib.QueryCredentialsAttributesA, ()),
        (lib.QueryCredentialsAttributesExW if wide else lib.QueryCredentialsAttributesExA, (4,)),
    ]
    protos = S.SecPkgCred_SupportedProtocols(0x7777)
    for fn, extra in fns:
        assert fn(None, S.SECPKG_ATTR_SUPPORTED_PROTOCOLS, byref(protos), *extra) == S.SEC_E_INVALID_HANDLE
        for h in forged_handles():
            assert fn(byref(h), S.SECPKG_ATTR_SUPPORTED_PROTOCOLS, byref(protos), *extra) == S.SEC_E_INVALID_HANDLE
        assert protos.grbitProtocol == 0x7777


def test_query_credentials_attributes_bad_buffer_and_attribute(lib, outbound):
    assert lib.QueryCredentialsAttributesW(byref(outbound), S.SECPKG_ATTR_SUPPORTED_PROTOCOLS, None) == (
        S.SEC_E_INVALID_PARAMETER
    )
    assert lib.QueryCredentialsAttributesExA(byref(outbound), S.SECPKG_ATTR_SUPPORTED_PROTOCOLS, None, 4) == (
        S.SEC_E_INVALID_PARAMETER
    )
    junk = (ctypes.c_uint8 * 64)()
    for attr in (0x7FFFFFFF, 0xFFFFFFFF, S.SECPKG_ATTR_CONNECTION_INFO, S.SECPKG_ATTR_STREAM_SIZES):
        assert lib.QueryCredentialsAttributesW(byref(outbound), attr, junk) == S.SEC_E_UNSUPPORTED_FUNCTION
        assert bytes(junk) == bytes(64), "nothing is written for an unsupported attribute"
    assert lib.QueryCredentialsAttributesExW(byref(outbound), S.SECPKG_ATTR_SUPPORTED_PROTOCOLS, junk, 0) == (
        S.SEC_E_BUFFER_TOO_SMALL
    )


def test_stale_and_double_freed_credential(lib):
    ss, h = S.acquire(lib)
    assert ss == S.SEC_E_OK
    assert lib.FreeCredentialsHandle(byref(h)) == S.SEC_E_OK
    assert lib.FreeCredentialsHandle(byref(h)) == S.SEC_E_INVALID_HANDLE
    ss, _ = S.query_cred_attr(lib, h, S.SECPKG_ATTR_SUPPORTED_PROTOCOLS, S.SecPkgCred_SupportedProtocols)
    assert ss == S.SEC_E_INVALID_HANDLE
    # A neighbour generation of a live handle is not that handle.
    ss, live = S.acquire(lib)
    assert ss == S.SEC_E_OK
    for forged in (S.SecHandle(live.dwLower, live.dwUpper + 1), S.SecHandle(live.dwLower + 1, live.dwUpper)):
        assert lib.FreeCredentialsHandle(byref(forged)) == S.SEC_E_INVALID_HANDLE
    # The same slot with the context tag is the wrong kind.
    wrong_kind = S.SecHandle(live.dwLower, (live.dwUpper & 0xFFFFFFFF) | CONTEXT_TAG)
    assert lib.DeleteSecurityContext(byref(wrong_kind)) == S.SEC_E_INVALID_HANDLE
    assert lib.FreeCredentialsHandle(byref(live)) == S.SEC_E_OK


def test_free_credentials_handle_forged(lib):
    assert lib.FreeCredentialsHandle(None) == S.SEC_E_INVALID_HANDLE
    for h in forged_handles():
        assert lib.FreeCredentialsHandle(byref(h)) == S.SEC_E_INVALID_HANDLE


@pytest.mark.parametrize("fn", ["SetCredentialsAttributesW", "SetCredentialsAttributesA"])
def test_set_credentials_attributes(lib, outbound, fn):
    f = getattr(lib, fn)
    value = (ctypes.c_uint8 * 16)()
    assert f(None, 0x60, value, 16) == S.SEC_E_INVALID_HANDLE
    for h in forged_handles():
        assert f(byref(h), 0x60, value, 16) == S.SEC_E_INVALID_HANDLE
    assert f(byref(outbound), 0x60, None, 16) == S.SEC_E_INVALID_PARAMETER
    assert f(byref(outbound), 0x7FFFFFFF, value, 16) == S.SEC_E_UNSUPPORTED_FUNCTION


@pytest.mark.parametrize("wide", [True, False])
def test_add_credentials_is_unsupported(lib, outbound, wide):
    fn = lib.AddCredentialsW if wide else lib.AddCredentialsA
    name = S.wstr(S.UNISP_NAME) if wide else S.astr(S.UNISP_NAME)
    assert fn(byref(outbound), None, name, S.SECPKG_CRED_OUTBOUND, None, None, None, None) == (
        S.SEC_E_UNSUPPORTED_FUNCTION
    )
    assert fn(None, None, None, 0, None, None, None, None) == S.SEC_E_UNSUPPORTED_FUNCTION


# ---- Context functions with bad handles ----
CONTEXT_CALLS = {
    "DeleteSecurityContext": lambda f, h: f(h),
    "ApplyControlToken": lambda f, h: f(h, None),
    "CompleteAuthToken": lambda f, h: f(h, None),
    "ImpersonateSecurityContext": lambda f, h: f(h),
    "RevertSecurityContext": lambda f, h: f(h),
    "QuerySecurityContextToken": lambda f, h: f(h, byref(c_void_p())),
    "QueryContextAttributesW": lambda f, h: f(h, S.SECPKG_ATTR_STREAM_SIZES, byref(S.SecPkgContext_StreamSizes())),
    "QueryContextAttributesA": lambda f, h: f(h, S.SECPKG_ATTR_STREAM_SIZES, byref(S.SecPkgContext_StreamSizes())),
    "QueryContextAttributesExW": lambda f, h: f(h, S.SECPKG_ATTR_STREAM_SIZES, byref(S.SecPkgContext_StreamSizes()), 20),
    "QueryContextAttributesExA": lambda f, h: f(h, S.SECPKG_ATTR_STREAM_SIZES, byref(S.SecPkgContext_StreamSizes()), 20),
    "SetContextAttributesW": lambda f, h: f(h, 0x69, byref(S.ULONG(1)), 4),
    "SetContextAttributesA": lambda f, h: f(h, 0x69, byref(S.ULONG(1)), 4),
    "EncryptMessage": lambda f, h: f(h, 0, byref(S.make_desc([(S.SECBUFFER_DATA, bytearray(4))])[0]), 0),
    "DecryptMessage": lambda f, h: f(h, byref(S.make_desc([(S.SECBUFFER_DATA, bytearray(4))])[0]), 0, None),
    "MakeSignature": lambda f, h: f(h, 0, byref(S.make_desc([(S.SECBUFFER_DATA, bytearray(4))])[0]), 0),
    "VerifySignature": lambda f, h: f(h, byref(S.make_desc([(S.SECBUFFER_DATA, bytearray(4))])[0]), 0, None),
    "SealMessage": lambda f, h: f(h, 0, byref(S.make_desc([(S.SECBUFFER_DATA, bytearray(4))])[0]), 0),
    "UnsealMessage": lambda f, h: f(h, byref(S.make_desc([(S.SECBUFFER_DATA, bytearray(4))])[0]), 0, None),
}


@pytest.mark.parametrize("name", sorted(CONTEXT_CALLS))
def test_context_functions_reject_bad_handles(lib, outbound, name):
    call = CONTEXT_CALLS[name]
    f = getattr(lib, name)
    assert call(f, None) == S.SEC_E_INVALID_HANDLE
    for h in forged_handles():
        assert call(f, byref(h)) == S.SEC_E_INVALID_HANDLE, (h.dwLower, h.dwUpper)
    # A live credential handle is the wrong kind of handle.
    assert call(f, byref(outbound)) == S.SEC_E_INVALID_HANDLE


@pytest.mark.parametrize("name", ["ExportSecurityContext", "ImportSecurityContextW", "ImportSecurityContextA"])
def test_context_transfer_is_unsupported(lib, name):
    f = getattr(lib, name)
    buf = S.SecBuffer(0, 0, None)
    if name == "ExportSecurityContext":
        h = S.SecHandle(0, 0)
        assert f(byref(h), 0, byref(buf), None) == S.SEC_E_UNSUPPORTED_FUNCTION
        assert f(None, 0, None, None) == S.SEC_E_UNSUPPORTED_FUNCTION
    else:
        pkg = S.wstr(S.UNISP_NAME) if name.endswith("W") else S.astr(S.UNISP_NAME)
        out = sentinel_handle()
        assert f(pkg, byref(buf), None, byref(out)) == S.SEC_E_UNSUPPORTED_FUNCTION
        assert (out.dwLower, out.dwUpper) == (0xAAAA, 0xBBBB)
        assert f(None, None, None, None) == S.SEC_E_UNSUPPORTED_FUNCTION


# ---- The token loop's entry checks ----
def isc(lib, cred, ctx=None, new=None, inp=None, out=None, wide=True, target="localhost"):
    fn = lib.InitializeSecurityContextW if wide else lib.InitializeSecurityContextA
    name = (S.wstr(target) if wide else S.astr(target)) if target is not None else None
    attrs = S.ULONG(0xC0DE)
    ss = fn(
        byref(cred) if cred is not None else None,
        byref(ctx) if ctx is not None else None,
        name,
        S.ISC_REQ_STREAM | S.ISC_REQ_CONFIDENTIALITY,
        0,
        S.SECURITY_NATIVE_DREP,
        byref(inp) if inp is not None else None,
        0,
        byref(new) if new is not None else None,
        byref(out) if out is not None else None,
        byref(attrs),
        None,
    )
    return ss, attrs.value


@pytest.mark.parametrize("wide", [True, False])
def test_isc_bad_handles(lib, outbound, wide):
    new = sentinel_handle()
    assert isc(lib, None, new=new, wide=wide)[0] == S.SEC_E_INVALID_HANDLE
    for h in forged_handles():
        assert isc(lib, h, new=new, wide=wide)[0] == S.SEC_E_INVALID_HANDLE
        # A forged context handle on a later call.
        assert isc(lib, outbound, ctx=h, new=new, wide=wide)[0] == S.SEC_E_INVALID_HANDLE
    # The credential passed as the context: wrong kind.
    assert isc(lib, outbound, ctx=outbound, new=new, wide=wide)[0] == S.SEC_E_INVALID_HANDLE
    # First call without somewhere to put the new context.
    assert isc(lib, outbound, new=None, wide=wide)[0] == S.SEC_E_INVALID_HANDLE
    assert (new.dwLower, new.dwUpper) == (0xAAAA, 0xBBBB)


def test_isc_freed_credential(lib):
    ss, cred = S.acquire(lib)
    assert ss == S.SEC_E_OK
    assert lib.FreeCredentialsHandle(byref(cred)) == S.SEC_E_OK
    new = sentinel_handle()
    assert isc(lib, cred, new=new)[0] == S.SEC_E_INVALID_HANDLE
    assert (new.dwLower, new.dwUpper) == (0xAAAA, 0xBBBB)


def bad_descriptors():
    """Descriptors the entry layer must refuse with SEC_E_INVALID_TOKEN."""
    good, keep = S.make_desc([(S.SECBUFFER_TOKEN, bytearray(64))])
    wrong_version = S.SecBufferDesc(1, 1, good.pBuffers)
    no_buffers = S.SecBufferDesc(0, 0, good.pBuffers)
    null_array = S.SecBufferDesc(0, 1, None)
    too_many = S.SecBufferDesc(0, 65, good.pBuffers)
    huge = S.SecBufferDesc(0, 0xFFFFFFFF, good.pBuffers)
    lie1, k1 = S.lying_desc(real=1, claimed=3)
    lie2, k2 = S.lying_desc(real=2, claimed=8)
    unknown_type, k3 = S.make_desc([(S.SECBUFFER_TOKEN, bytearray(8)), (0x7777, bytearray(8))])
    return [
        ("ulVersion 1", wrong_version),
        ("cBuffers 0", no_buffers),
        ("pBuffers NULL", null_array),
        ("cBuffers 65", too_many),
        ("cBuffers 0xFFFFFFFF", huge),
        ("cBuffers 3, 1 real", lie1),
        ("cBuffers 8, 2 real", lie2),
        ("unknown buffer type", unknown_type),
    ], [keep, k1, k2, k3]


@pytest.mark.parametrize("wide", [True, False])
def test_isc_lying_descriptors(lib, outbound, wide):
    descs, _keep = bad_descriptors()
    good_out, _k = S.make_desc([(S.SECBUFFER_TOKEN, bytearray(16384))])
    for what, desc in descs:
        new = sentinel_handle()
        ss, _ = isc(lib, outbound, new=new, inp=desc, out=good_out, wide=wide)
        assert ss == S.SEC_E_INVALID_TOKEN, f"pInput {what}"
        assert (new.dwLower, new.dwUpper) == (0xAAAA, 0xBBBB), f"no context is created for pInput {what}"
        ss, _ = isc(lib, outbound, new=new, out=desc, wide=wide)
        assert ss == S.SEC_E_INVALID_TOKEN, f"pOutput {what}"
        assert (new.dwLower, new.dwUpper) == (0xAAAA, 0xBBBB)


def test_asc_bad_handles_and_direction(lib, outbound):
    inp, _k = S.make_desc([(S.SECBUFFER_TOKEN, bytearray(64)), (S.SECBUFFER_EMPTY, None)])
    out, _k2 = S.make_desc([(S.SECBUFFER_TOKEN, bytearray(16384))])
    attrs = S.ULONG(0)

    def asc(cred, ctx=None, new=None, inp=inp, out=out):
        return lib.AcceptSecurityContext(
            byref(cred) if cred is not None else None,
            byref(ctx) if ctx is not None else None,
            byref(inp) if inp is not None else None,
            0,
            S.SECURITY_NATIVE_DREP,
            byref(new) if new is not None else None,
            byref(out) if out is not None else None,
            byref(attrs),
            None,
        )

    new = sentinel_handle()
    assert asc(None, new=new) == S.SEC_E_INVALID_HANDLE
    for h in forged_handles():
        assert asc(h, new=new) == S.SEC_E_INVALID_HANDLE
        assert asc(outbound, ctx=h, new=new) == S.SEC_E_INVALID_HANDLE
    assert asc(outbound, ctx=outbound, new=new) == S.SEC_E_INVALID_HANDLE
    assert asc(outbound, new=None) == S.SEC_E_INVALID_HANDLE
    # An outbound-only credential cannot accept.
    assert asc(outbound, new=new) == S.SEC_E_NO_CREDENTIALS
    assert (new.dwLower, new.dwUpper) == (0xAAAA, 0xBBBB)


# ---- With a live context (needs the first handshake step) ----
def new_context(lib, cred):
    out, keep = S.make_desc([(S.SECBUFFER_TOKEN, bytearray(16384))])
    ctx = S.CtxtHandle()
    ss, _ = isc(lib, cred, new=ctx, out=out)
    if ss == S.SEC_E_UNSUPPORTED_FUNCTION:
        pytest.skip("InitializeSecurityContext is not implemented yet (the Schannel handshake is in progress)")
    assert ss == S.SEC_I_CONTINUE_NEEDED, hex(ss & 0xFFFFFFFF)
    return ctx, keep


def test_stale_and_double_deleted_context(lib, outbound):
    ctx, _keep = new_context(lib, outbound)
    assert lib.DeleteSecurityContext(byref(ctx)) == S.SEC_E_OK
    assert lib.DeleteSecurityContext(byref(ctx)) == S.SEC_E_INVALID_HANDLE
    for name, call in CONTEXT_CALLS.items():
        assert call(getattr(lib, name), byref(ctx)) == S.SEC_E_INVALID_HANDLE, name
    # The context handle passed as a credential: wrong kind.
    ctx2, _keep2 = new_context(lib, outbound)
    assert lib.FreeCredentialsHandle(byref(ctx2)) == S.SEC_E_INVALID_HANDLE
    ss, _ = S.query_cred_attr(lib, ctx2, S.SECPKG_ATTR_SUPPORTED_PROTOCOLS, S.SecPkgCred_SupportedProtocols)
    assert ss == S.SEC_E_INVALID_HANDLE
    assert lib.DeleteSecurityContext(byref(ctx2)) == S.SEC_E_OK


@pytest.mark.parametrize("name", ["EncryptMessage", "DecryptMessage", "MakeSignature", "VerifySignature",
                                  "SealMessage", "UnsealMessage"])
def test_message_functions_reject_lying_descriptors(lib, outbound, name):
    ctx, _keep = new_context(lib, outbound)
    f = getattr(lib, name)
    descs, _k = bad_descriptors()
    for what, desc in descs:
        if name in ("EncryptMessage", "MakeSignature", "SealMessage"):
            ss = f(byref(ctx), 0, byref(desc), 0)
        else:
            ss = f(byref(ctx), byref(desc), 0, None)
        assert ss == S.SEC_E_INVALID_TOKEN, f"{name}: {what}"
    if name in ("EncryptMessage", "MakeSignature", "SealMessage"):
        assert f(byref(ctx), 0, None, 0) == S.SEC_E_INVALID_TOKEN
    else:
        assert f(byref(ctx), None, 0, None) == S.SEC_E_INVALID_TOKEN
    assert lib.DeleteSecurityContext(byref(ctx)) == S.SEC_E_OK


def test_query_context_attributes_null_buffer(lib, outbound):
    ctx, _keep = new_context(lib, outbound)
    assert lib.QueryContextAttributesW(byref(ctx), S.SECPKG_ATTR_STREAM_SIZES, None) == S.SEC_E_INVALID_PARAMETER
    assert lib.QueryContextAttributesExA(byref(ctx), S.SECPKG_ATTR_STREAM_SIZES, None, 20) == (
        S.SEC_E_INVALID_PARAMETER
    )
    assert lib.SetContextAttributesW(byref(ctx), 0x6A, None, 40) == S.SEC_E_INVALID_PARAMETER
    info = S.SecPkgContext_KeyingMaterialInfo()
    assert lib.SetContextAttributesA(byref(ctx), 0x6A, byref(info), 39) == S.SEC_E_INVALID_PARAMETER
    assert lib.DeleteSecurityContext(byref(ctx)) == S.SEC_E_OK


def test_apply_control_token_bad_descriptors(lib, outbound):
    ctx, _keep = new_context(lib, outbound)
    assert lib.ApplyControlToken(byref(ctx), None) == S.SEC_E_INVALID_TOKEN
    descs, _k = bad_descriptors()
    for what, desc in descs:
        assert lib.ApplyControlToken(byref(ctx), byref(desc)) == S.SEC_E_INVALID_TOKEN, what
    two, _k2 = S.make_desc([(S.SECBUFFER_TOKEN, bytearray(4)), (S.SECBUFFER_TOKEN, bytearray(4))])
    assert lib.ApplyControlToken(byref(ctx), byref(two)) == S.SEC_E_INVALID_TOKEN
    data, _k3 = S.make_desc([(S.SECBUFFER_DATA, bytearray(4))])
    assert lib.ApplyControlToken(byref(ctx), byref(data)) == S.SEC_E_INVALID_TOKEN
    assert lib.DeleteSecurityContext(byref(ctx)) == S.SEC_E_OK


# ---- The SASL wrappers ----
def test_sasl_profile_functions_bad_arguments(lib):
    n = S.ULONG(0xEEEE)
    for fn, kind in ((lib.SaslEnumerateProfilesW, S.PWCHAR), (lib.SaslEnumerateProfilesA, S.PCHAR)):
        lst = kind()
        assert fn(None, byref(n)) == S.SEC_E_INVALID_PARAMETER
        assert fn(byref(lst), None) == S.SEC_E_INVALID_PARAMETER
        assert not lst and n.value == 0xEEEE, "nothing is written on failure"
    for fn, mk, info_t in (
        (lib.SaslGetProfilePackageW, S.wstr, S.SecPkgInfoW),
        (lib.SaslGetProfilePackageA, S.astr, S.SecPkgInfoA),
    ):
        info = POINTER(info_t)()
        assert fn(None, byref(info)) == S.SEC_E_SECPKG_NOT_FOUND
        assert fn(mk("NO-SUCH-MECH"), byref(info)) == S.SEC_E_SECPKG_NOT_FOUND
        assert fn(mk("GSSAPI"), None) == S.SEC_E_INVALID_PARAMETER
        assert not info
    lone_surrogate = (S.WCHAR * 3)(0x0047, 0xD800, 0)
    info = POINTER(S.SecPkgInfoW)()
    assert lib.SaslGetProfilePackageW(lone_surrogate, byref(info)) == S.SEC_E_INVALID_PARAMETER
    assert not info


@pytest.mark.parametrize("fn", ["SaslIdentifyPackageW", "SaslIdentifyPackageA"])
def test_sasl_identify_package_bad_tokens(lib, fn):
    f = getattr(lib, fn)
    info = POINTER(S.SecPkgInfoW if fn.endswith("W") else S.SecPkgInfoA)()
    assert f(None, byref(info)) == S.SEC_E_INVALID_TOKEN
    descs, _keep = bad_descriptors()
    for what, desc in descs:
        assert f(byref(desc), byref(info)) == S.SEC_E_INVALID_TOKEN, what
    garbage, _k = S.make_desc([(S.SECBUFFER_TOKEN, bytearray(b"\x60\x80\xff" + b"\x00" * 13))])
    assert f(byref(garbage), byref(info)) == S.SEC_E_SECPKG_NOT_FOUND
    ntlm, _k2 = S.make_desc([(S.SECBUFFER_TOKEN, bytearray(b"NTLMSSP\x00\x01\x00\x00\x00" + b"\x00" * 20))])
    assert f(byref(ntlm), byref(info)) == S.SEC_E_SECPKG_NOT_FOUND
    empty, _k3 = S.make_desc([(S.SECBUFFER_TOKEN, bytearray(0))])
    assert f(byref(empty), byref(info)) == S.SEC_E_SECPKG_NOT_FOUND
    good, _k4 = S.make_desc([(S.SECBUFFER_TOKEN, bytearray(b"\x60\x06\x06\x06\x2b\x06\x01\x05\x05\x02"))])
    assert f(byref(good), None) == S.SEC_E_INVALID_PARAMETER
    assert not info, "nothing is written on failure"


def sasl_isc(lib, cred, ctx=None, new=None, inp=None, out=None, wide=True):
    fn = lib.SaslInitializeSecurityContextW if wide else lib.SaslInitializeSecurityContextA
    name = S.wstr("ldap/localhost") if wide else S.astr("ldap/localhost")
    attrs = S.ULONG(0)
    return fn(
        byref(cred) if cred is not None else None,
        byref(ctx) if ctx is not None else None,
        name,
        0,
        0,
        S.SECURITY_NATIVE_DREP,
        byref(inp) if inp is not None else None,
        0,
        byref(new) if new is not None else None,
        byref(out) if out is not None else None,
        byref(attrs),
        None,
    )


def sasl_asc(lib, cred, ctx=None, new=None, inp=None, out=None):
    attrs = S.ULONG(0)
    return lib.SaslAcceptSecurityContext(
        byref(cred) if cred is not None else None,
        byref(ctx) if ctx is not None else None,
        byref(inp) if inp is not None else None,
        0,
        S.SECURITY_NATIVE_DREP,
        byref(new) if new is not None else None,
        byref(out) if out is not None else None,
        byref(attrs),
        None,
    )


@pytest.mark.parametrize("wide", [True, False])
def test_sasl_token_loop_bad_handles_and_descriptors(lib, outbound, wide):
    ss, inbound = S.acquire(lib, S.SECPKG_CRED_INBOUND, package="Negotiate")
    assert ss == S.SEC_E_OK
    out, _k = S.make_desc([(S.SECBUFFER_TOKEN, bytearray(16384))])
    inp, _k2 = S.make_desc([(S.SECBUFFER_TOKEN, bytearray(64))])
    new = sentinel_handle()
    assert sasl_isc(lib, None, new=new, out=out, wide=wide) == S.SEC_E_INVALID_HANDLE
    assert sasl_asc(lib, None, new=new, inp=inp, out=out) == S.SEC_E_INVALID_HANDLE
    for h in forged_handles():
        assert sasl_isc(lib, h, new=new, out=out, wide=wide) == S.SEC_E_INVALID_HANDLE
        assert sasl_isc(lib, outbound, ctx=h, new=new, out=out, wide=wide) == S.SEC_E_INVALID_HANDLE
        assert sasl_asc(lib, h, new=new, inp=inp, out=out) == S.SEC_E_INVALID_HANDLE
        assert sasl_asc(lib, outbound, ctx=h, new=new, inp=inp, out=out) == S.SEC_E_INVALID_HANDLE
    # The SASL wrappers need a token buffer to write into.
    assert sasl_isc(lib, outbound, new=new, out=None, wide=wide) == S.SEC_E_INVALID_TOKEN
    assert sasl_asc(lib, outbound, new=new, inp=inp, out=None) == S.SEC_E_INVALID_TOKEN
    descs, _keep = bad_descriptors()
    for what, desc in descs:
        assert sasl_isc(lib, outbound, new=new, inp=desc, out=out, wide=wide) == S.SEC_E_INVALID_TOKEN, what
        assert sasl_isc(lib, outbound, new=new, out=desc, wide=wide) == S.SEC_E_INVALID_TOKEN, what
        assert sasl_asc(lib, inbound, new=new, inp=desc, out=out) == S.SEC_E_INVALID_TOKEN, what
    assert sasl_asc(lib, inbound, new=new, inp=inp, out=None) == S.SEC_E_INVALID_TOKEN
    assert (new.dwLower, new.dwUpper) == (0xAAAA, 0xBBBB), "no context is created"
    assert lib.FreeCredentialsHandle(byref(inbound)) == S.SEC_E_OK


def test_sasl_context_options_bad_handles(lib, outbound):
    v = S.ULONG(0x1234)
    needed = S.ULONG(0xEEEE)
    for h in forged_handles() + [outbound]:
        assert lib.SaslSetContextOption(byref(h), S.SASL_OPTION_RECV_SIZE, byref(v), 4) == S.SEC_E_INVALID_HANDLE
        assert lib.SaslGetContextOption(byref(h), S.SASL_OPTION_RECV_SIZE, byref(v), 4, byref(needed)) == (
            S.SEC_E_INVALID_HANDLE
        )
    assert lib.SaslSetContextOption(None, S.SASL_OPTION_RECV_SIZE, byref(v), 4) == S.SEC_E_INVALID_HANDLE
    assert lib.SaslGetContextOption(None, S.SASL_OPTION_RECV_SIZE, byref(v), 4, None) == S.SEC_E_INVALID_HANDLE
    # A live context that is not a SASL one (Schannel, from InitializeSecurityContext).
    ctx, _keep = new_context(lib, outbound)
    assert lib.SaslSetContextOption(byref(ctx), S.SASL_OPTION_SEND_SIZE, byref(v), 4) == S.SEC_E_INVALID_HANDLE
    assert lib.SaslGetContextOption(byref(ctx), S.SASL_OPTION_SEND_SIZE, byref(v), 4, byref(needed)) == (
        S.SEC_E_INVALID_HANDLE
    )
    assert (v.value, needed.value) == (0x1234, 0xEEEE), "nothing is written on failure"
    assert lib.DeleteSecurityContext(byref(ctx)) == S.SEC_E_OK


def test_package_management_bad_arguments(lib):
    for f in (lib.AddSecurityPackageW, lib.AddSecurityPackageA):
        assert f(None, None) == S.SEC_E_UNSUPPORTED_FUNCTION
    for f in (lib.DeleteSecurityPackageW, lib.DeleteSecurityPackageA):
        assert f(None) == S.SEC_E_UNSUPPORTED_FUNCTION


def test_identity_helpers_bad_arguments(lib):
    ident = c_void_p(0x1234)
    bad_utf16 = (S.WCHAR * 3)(0x0041, 0xDC00, 0)
    assert lib.SspiEncodeStringsAsAuthIdentity(bad_utf16, None, None, byref(ident)) == S.SEC_E_INVALID_PARAMETER
    assert lib.SspiEncodeStringsAsAuthIdentity(S.wstr("u"), None, None, None) == S.SEC_E_INVALID_TOKEN
    assert ident.value == 0x1234, "nothing is written on failure"
    out = [S.PWCHAR() for _ in range(3)]
    assert lib.SspiEncodeAuthIdentityAsStrings(None, *[byref(p) for p in out]) == S.SEC_E_INVALID_TOKEN
    # A SEC_WINNT_AUTH_IDENTITY of the caller's that lies about its Flags.
    liar = S.SEC_WINNT_AUTH_IDENTITY_W(None, 0, None, 0, None, 0, 0x77)
    assert lib.SspiEncodeAuthIdentityAsStrings(byref(liar), *[byref(p) for p in out]) == S.SEC_E_UNKNOWN_CREDENTIALS
    assert not any(out)
    kind, t, u, blob, n = S.ULONG(), S.PWCHAR(), S.PWCHAR(), POINTER(ctypes.c_uint8)(), S.ULONG()
    args = [byref(kind), byref(t), byref(u), byref(blob), byref(n)]
    assert lib.SspiPrepareForCredWrite(None, None, *args) == S.SEC_E_INVALID_TOKEN
    for i in range(5):
        partial = args[:i] + [None] + args[i + 1:]
        assert lib.SspiPrepareForCredWrite(None, None, *partial) == S.SEC_E_INVALID_PARAMETER, i
    assert not t and not u and not blob


def test_no_platform_width_types_in_python_declarations():
    """ULONG is 32-bit and WCHAR UTF-16 on Windows: no declaration here may
    use ctypes' platform-width types (checked on the code, not on comments)."""
    import ast
    import pathlib

    banned = {"c_ulong", "c_long", "c_wchar", "c_wchar_p", "c_ulonglong", "c_longlong"}
    here = pathlib.Path(__file__).resolve().parent
    # These tests, and the module users import (python/sspi_rustls.py) with its examples.
    paths = sorted(here.glob("*.py")) + sorted((here.parents[1] / "python").rglob("*.py"))
    assert any(p.name == "sspi_rustls.py" for p in paths)
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
            if isinstance(node, ast.alias):
                name = node.name
            assert name not in banned, f"{path.name}:{getattr(node, 'lineno', '?')} uses {name}"


def test_every_sspi_export_is_called_with_bad_input_here():
    """Each SSPI export with parameters appears in this file's bad-input calls
    (InitSecurityInterface takes none; test_generic_api covers it)."""
    import pathlib

    text = pathlib.Path(__file__).read_text()
    body = text[: text.index("def test_every_sspi_export_is_called_with_bad_input_here")]
    missing = [
        name
        for name in S.SSPI_EXPORTS
        if not name.startswith("InitSecurityInterface") and f"lib.{name}" not in body and f'"{name}"' not in body
    ]
    assert not missing, f"exports without a bad-input call: {missing}"
