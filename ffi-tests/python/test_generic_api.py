"""Good-path tests of the generic SSPI API through ctypes: package
enumeration, InitSecurityInterface, credentials and their attributes,
FreeContextBuffer."""

import ctypes
from ctypes import POINTER, byref, c_void_p, cast

import pytest

import sspi as S

PACKAGES = {S.UNISP_NAME, S.SCHANNEL_NAME, "NTLM", "Kerberos", "Negotiate", "WDigest", "CREDSSP"}


def check_package(info, name, comment):
    assert name in PACKAGES
    if name == "NTLM":
        # Windows' values (see src/packages/ntlm/mod.rs for the sources).
        assert comment == "NTLM Security Package"
        assert info.fCapabilities == 0x00082B37
        assert (info.wVersion, info.wRPCID, info.cbMaxToken) == (1, 10, 2888)
        return
    if name == "Kerberos":
        # Windows 8+'s values: 0x000F3BBF plus APPCONTAINER_CHECKS (Wine's KERBEROS_CAPS), RPC_C_AUTHN_GSS_KERBEROS.
        assert comment == "Microsoft Kerberos V1.0"
        assert info.fCapabilities == 0x008F3BBF
        assert (info.wVersion, info.wRPCID, info.cbMaxToken) == (1, 16, 48000)
        return
    if name == "WDigest":
        # Windows 10's values: TOKEN_ONLY, IMPERSONATION, ACCEPT_WIN32_NAME, APPCONTAINER_CHECKS; RPC_C_AUTHN_DIGEST.
        assert comment == "Digest Authentication for Windows"
        assert info.fCapabilities == 0x00800304
        assert (info.wVersion, info.wRPCID, info.cbMaxToken) == (1, 21, 4096)
        return
    if name == "CREDSSP":
        # Windows 10's values (0x00110733: ... STREAM, MUTUAL_AUTH, NEGO_EXTENDER), SECPKG_ID_NONE.
        assert comment == "Microsoft CredSSP Security Provider"
        assert info.fCapabilities == 0x00110733
        assert (info.wVersion, info.wRPCID, info.cbMaxToken) == (1, 0xFFFF, 90567)
        return
    if name == "Negotiate":
        # Windows 10's values (Wine's negotiate.c has them less APPCONTAINER_CHECKS), RPC_C_AUTHN_GSS_NEGOTIATE.
        assert comment == "Microsoft Package Negotiator"
        assert info.fCapabilities == 0x00883BB3
        assert (info.wVersion, info.wRPCID, info.cbMaxToken) == (1, 9, 48256)
        return
    assert comment == S.SCHANNEL_COMMENT
    assert info.fCapabilities == S.SCHANNEL_CAPABILITIES
    assert info.wVersion == 1
    assert info.wRPCID == S.UNISP_RPC_ID
    assert info.cbMaxToken == S.SCHANNEL_MAX_TOKEN


def test_enumerate_security_packages_w(lib):
    count = S.ULONG(0)
    infos = POINTER(S.SecPkgInfoW)()
    assert lib.EnumerateSecurityPackagesW(byref(count), byref(infos)) == S.SEC_E_OK
    assert count.value == 7
    names = []
    for i in range(count.value):
        name = S.read_wstr(infos[i].Name)
        check_package(infos[i], name, S.read_wstr(infos[i].Comment))
        names.append(name)
    assert set(names) == PACKAGES
    assert lib.FreeContextBuffer(infos) == S.SEC_E_OK
    assert lib.FreeContextBuffer(infos) == S.SEC_E_INVALID_HANDLE, "a double free is refused"


def test_enumerate_security_packages_a(lib):
    count = S.ULONG(0)
    infos = POINTER(S.SecPkgInfoA)()
    assert lib.EnumerateSecurityPackagesA(byref(count), byref(infos)) == S.SEC_E_OK
    assert count.value == 7
    names = []
    for i in range(count.value):
        name = S.read_astr(infos[i].Name)
        check_package(infos[i], name, S.read_astr(infos[i].Comment))
        names.append(name)
    assert set(names) == PACKAGES
    assert lib.FreeContextBuffer(infos) == S.SEC_E_OK


@pytest.mark.parametrize("name", [S.UNISP_NAME, S.SCHANNEL_NAME, "schannel", "MICROSOFT UNIFIED SECURITY PROTOCOL PROVIDER"])
def test_query_security_package_info(lib, name):
    info_w = POINTER(S.SecPkgInfoW)()
    assert lib.QuerySecurityPackageInfoW(S.wstr(name), byref(info_w)) == S.SEC_E_OK
    got = S.read_wstr(info_w.contents.Name)
    assert got.lower() == name.lower(), "the registered spelling of the name asked for"
    check_package(info_w.contents, got, S.read_wstr(info_w.contents.Comment))
    assert lib.FreeContextBuffer(info_w) == S.SEC_E_OK

    info_a = POINTER(S.SecPkgInfoA)()
    assert lib.QuerySecurityPackageInfoA(S.astr(name), byref(info_a)) == S.SEC_E_OK
    got = S.read_astr(info_a.contents.Name)
    assert got.lower() == name.lower()
    check_package(info_a.contents, got, S.read_astr(info_a.contents.Comment))
    assert lib.FreeContextBuffer(info_a) == S.SEC_E_OK


@pytest.mark.parametrize("name", ["NoSuchPackage", "Negotiate2", "Schannel2", "Kerberos2", ""])
def test_query_unknown_package_leaves_output_untouched(lib, name):
    sentinel = 0x5EED5EED
    out_w = c_void_p(sentinel)
    assert lib.QuerySecurityPackageInfoW(S.wstr(name), cast(byref(out_w), POINTER(POINTER(S.SecPkgInfoW)))) == (
        S.SEC_E_SECPKG_NOT_FOUND
    )
    assert out_w.value == sentinel
    out_a = c_void_p(sentinel)
    assert lib.QuerySecurityPackageInfoA(S.astr(name), cast(byref(out_a), POINTER(POINTER(S.SecPkgInfoA)))) == (
        S.SEC_E_SECPKG_NOT_FOUND
    )
    assert out_a.value == sentinel


@pytest.mark.parametrize("wide", [True, False])
def test_init_security_interface_tables(lib, wide):
    init = lib.InitSecurityInterfaceW if wide else lib.InitSecurityInterfaceA
    slots = S.TABLE_SLOTS_W if wide else S.TABLE_SLOTS_A
    table = init()
    assert table, "InitSecurityInterface returned NULL"
    assert cast(init(), c_void_p).value == cast(table, c_void_p).value, "one static table"
    t = table.contents
    assert t.dwVersion == S.SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5
    for slot in slots:
        value = getattr(t, slot)
        if slot in ("Reserved2", "Reserved8") or slot.startswith("ChangeAccountPassword"):
            assert value is None, f"{slot} must be NULL"
        elif slot == "Reserved3":
            assert value == S.address_of(lib, "EncryptMessage")
        elif slot == "Reserved4":
            assert value == S.address_of(lib, "DecryptMessage")
        else:
            assert value == S.address_of(lib, slot), f"slot {slot} does not point at the export"


def test_call_through_the_table(lib):
    table = lib.InitSecurityInterfaceW().contents
    proto = ctypes.CFUNCTYPE(S.SECURITY_STATUS, POINTER(S.ULONG), POINTER(POINTER(S.SecPkgInfoW)))
    enumerate_w = proto(table.EnumerateSecurityPackagesW)
    count = S.ULONG(0)
    infos = POINTER(S.SecPkgInfoW)()
    assert enumerate_w(byref(count), byref(infos)) == S.SEC_E_OK
    assert count.value == 7
    free = ctypes.CFUNCTYPE(S.SECURITY_STATUS, c_void_p)(table.FreeContextBuffer)
    assert free(cast(infos, c_void_p)) == S.SEC_E_OK


@pytest.mark.parametrize("wide", [True, False])
@pytest.mark.parametrize("package", [S.UNISP_NAME, S.SCHANNEL_NAME])
def test_acquire_default_outbound(lib, wide, package):
    ss, h = S.acquire(lib, S.SECPKG_CRED_OUTBOUND, None, package=package, wide=wide)
    assert ss == S.SEC_E_OK
    assert (h.dwLower, h.dwUpper) != (0, 0)
    ss, protos = S.query_cred_attr(lib, h, S.SECPKG_ATTR_SUPPORTED_PROTOCOLS, S.SecPkgCred_SupportedProtocols, wide)
    assert ss == S.SEC_E_OK
    assert protos.grbitProtocol == S.SP_PROT_TLS1_2_CLIENT | S.SP_PROT_TLS1_3_CLIENT
    assert lib.FreeCredentialsHandle(byref(h)) == S.SEC_E_OK


def test_acquire_reports_no_expiry(lib):
    h = S.CredHandle()
    ts = S.TimeStamp(0)
    cred = S.schannel_cred()
    ss = lib.AcquireCredentialsHandleW(
        None, S.wstr(S.UNISP_NAME), S.SECPKG_CRED_OUTBOUND, None, cast(byref(cred), c_void_p), None, None,
        byref(h), byref(ts),
    )
    assert ss == S.SEC_E_OK
    assert ts.QuadPart == 0x7FFF_FFFF_FFFF_FFFF
    assert lib.FreeCredentialsHandle(byref(h)) == S.SEC_E_OK


@pytest.mark.parametrize("version", [S.SCH_CRED_V3, S.SCHANNEL_CRED_VERSION])
def test_acquire_schannel_cred_versions(lib, version):
    ss, h = S.acquire(lib, S.SECPKG_CRED_OUTBOUND, S.schannel_cred(version=version, protocols=S.SP_PROT_TLS1_2_CLIENT))
    assert ss == S.SEC_E_OK
    ss, protos = S.query_cred_attr(lib, h, S.SECPKG_ATTR_SUPPORTED_PROTOCOLS, S.SecPkgCred_SupportedProtocols)
    assert (ss, protos.grbitProtocol) == (S.SEC_E_OK, S.SP_PROT_TLS1_2_CLIENT)
    assert lib.FreeCredentialsHandle(byref(h)) == S.SEC_E_OK


def sch_credentials(disabled_protocols=0, disabled_crypto=()):
    """SCH_CREDENTIALS with one TLS_PARAMETERS; returns (creds, keepalive)."""
    keep = []
    settings = (S.CRYPTO_SETTINGS * max(1, len(disabled_crypto)))()
    for i, (usage, alg) in enumerate(disabled_crypto):
        us, buf = S.unicode_string(alg)
        keep.append(buf)
        settings[i].eAlgorithmUsage = usage
        settings[i].strCngAlgId = us
    params = S.TLS_PARAMETERS()
    params.grbitDisabledProtocols = disabled_protocols
    params.cDisabledCrypto = len(disabled_crypto)
    params.pDisabledCrypto = settings if disabled_crypto else None
    creds = S.SCH_CREDENTIALS()
    creds.dwVersion = S.SCH_CREDENTIALS_VERSION
    creds.cTlsParameters = 1
    creds.pTlsParameters = ctypes.pointer(params)
    keep += [settings, params]
    return creds, keep


def test_acquire_sch_credentials(lib):
    creds, _keep = sch_credentials()
    ss, h = S.acquire(lib, S.SECPKG_CRED_OUTBOUND, creds)
    assert ss == S.SEC_E_OK
    ss, protos = S.query_cred_attr(lib, h, S.SECPKG_ATTR_SUPPORTED_PROTOCOLS, S.SecPkgCred_SupportedProtocols)
    assert protos.grbitProtocol == S.SP_PROT_TLS1_2_CLIENT | S.SP_PROT_TLS1_3_CLIENT
    assert lib.FreeCredentialsHandle(byref(h)) == S.SEC_E_OK


@pytest.mark.parametrize(
    "disabled, expected",
    [
        (S.SP_PROT_TLS1_3_CLIENT, S.SP_PROT_TLS1_2_CLIENT),
        (S.SP_PROT_TLS1_2_CLIENT, S.SP_PROT_TLS1_3_CLIENT),
        (S.SP_PROT_TLS1_2_SERVER | S.SP_PROT_TLS1_3_SERVER, S.SP_PROT_TLS1_2_CLIENT | S.SP_PROT_TLS1_3_CLIENT),
        (S.SP_PROT_TLS1_2_CLIENT | S.SP_PROT_TLS1_3_CLIENT, S.SEC_E_ALGORITHM_MISMATCH),
    ],
)
def test_sch_credentials_disabled_protocols(lib, disabled, expected):
    creds, _keep = sch_credentials(disabled_protocols=disabled)
    ss, h = S.acquire(lib, S.SECPKG_CRED_OUTBOUND, creds)
    if expected == S.SEC_E_ALGORITHM_MISMATCH:
        assert ss == S.SEC_E_ALGORITHM_MISMATCH
        return
    assert ss == S.SEC_E_OK
    ss, protos = S.query_cred_attr(lib, h, S.SECPKG_ATTR_SUPPORTED_PROTOCOLS, S.SecPkgCred_SupportedProtocols)
    assert protos.grbitProtocol == expected
    assert lib.FreeCredentialsHandle(byref(h)) == S.SEC_E_OK


def test_sch_credentials_disabled_cipher(lib):
    creds, _keep = sch_credentials(disabled_crypto=[(S.TlsParametersCngAlgUsageCipher, "AES")])
    ss, h = S.acquire(lib, S.SECPKG_CRED_OUTBOUND, creds)
    assert ss == S.SEC_E_OK
    ss, strengths = S.query_cred_attr(lib, h, S.SECPKG_ATTR_CIPHER_STRENGTHS, S.SecPkgCred_CipherStrengths)
    # Only ChaCha20-Poly1305 (256-bit) is left.
    assert (strengths.dwMinimumCipherStrength, strengths.dwMaximumCipherStrength) == (256, 256)
    ss, algs = S.query_cred_attr(lib, h, S.SECPKG_ATTR_SUPPORTED_ALGS, S.SecPkgCred_SupportedAlgs)
    listed = {algs.palgSupportedAlgs[i] for i in range(algs.cSupportedAlgs)}
    assert not listed & {S.CALG_AES_128, S.CALG_AES_256}
    assert lib.FreeContextBuffer(algs.palgSupportedAlgs) == S.SEC_E_OK
    assert lib.FreeCredentialsHandle(byref(h)) == S.SEC_E_OK


@pytest.mark.parametrize(
    "mask, expected",
    [
        (0, S.SP_PROT_TLS1_2_CLIENT | S.SP_PROT_TLS1_3_CLIENT),
        (S.SP_PROT_ALL, S.SP_PROT_TLS1_2_CLIENT | S.SP_PROT_TLS1_3_CLIENT),
        (S.SP_PROT_TLS1_2_CLIENT, S.SP_PROT_TLS1_2_CLIENT),
        (S.SP_PROT_TLS1_3_CLIENT, S.SP_PROT_TLS1_3_CLIENT),
        (S.SP_PROT_TLS1_2, S.SP_PROT_TLS1_2_CLIENT),
        (S.SP_PROT_TLS1_0_CLIENT | S.SP_PROT_TLS1_2_CLIENT, S.SP_PROT_TLS1_2_CLIENT),
        (S.SP_PROT_SSL3_CLIENT, S.SEC_E_ALGORITHM_MISMATCH),
        (S.SP_PROT_TLS1_0_CLIENT | S.SP_PROT_TLS1_1_CLIENT, S.SEC_E_ALGORITHM_MISMATCH),
        (S.SP_PROT_TLS1_2_SERVER | S.SP_PROT_TLS1_3_SERVER, S.SEC_E_ALGORITHM_MISMATCH),
    ],
)
def test_protocol_masks(lib, mask, expected):
    ss, h = S.acquire(lib, S.SECPKG_CRED_OUTBOUND, S.schannel_cred(protocols=mask))
    if expected == S.SEC_E_ALGORITHM_MISMATCH:
        assert ss == expected
        assert (h.dwLower, h.dwUpper) == (0, 0), "no handle is written on failure"
        return
    assert ss == S.SEC_E_OK
    ss, protos = S.query_cred_attr(lib, h, S.SECPKG_ATTR_SUPPORTED_PROTOCOLS, S.SecPkgCred_SupportedProtocols)
    assert (ss, protos.grbitProtocol) == (S.SEC_E_OK, expected)
    assert lib.FreeCredentialsHandle(byref(h)) == S.SEC_E_OK


@pytest.mark.parametrize(
    "minimum, maximum, expected",
    [
        (0, 0, (128, 256)),
        (256, 0, (256, 256)),
        (0, 128, (128, 128)),
        (129, 0, (256, 256)),
        (512, 0, S.SEC_E_ALGORITHM_MISMATCH),
        (0, 64, S.SEC_E_ALGORITHM_MISMATCH),
    ],
)
def test_cipher_strengths(lib, minimum, maximum, expected):
    cred = S.schannel_cred(dwMinimumCipherStrength=minimum, dwMaximumCipherStrength=maximum)
    ss, h = S.acquire(lib, S.SECPKG_CRED_OUTBOUND, cred)
    if expected == S.SEC_E_ALGORITHM_MISMATCH:
        assert ss == expected
        return
    assert ss == S.SEC_E_OK
    for wide in (True, False):
        ss, s = S.query_cred_attr(lib, h, S.SECPKG_ATTR_CIPHER_STRENGTHS, S.SecPkgCred_CipherStrengths, wide)
        assert ss == S.SEC_E_OK
        assert (s.dwMinimumCipherStrength, s.dwMaximumCipherStrength) == expected
    assert lib.FreeCredentialsHandle(byref(h)) == S.SEC_E_OK


def test_supported_algs(lib, outbound):
    ss, algs = S.query_cred_attr(lib, outbound, S.SECPKG_ATTR_SUPPORTED_ALGS, S.SecPkgCred_SupportedAlgs)
    assert ss == S.SEC_E_OK
    listed = [algs.palgSupportedAlgs[i] for i in range(algs.cSupportedAlgs)]
    for alg in (S.CALG_AES_128, S.CALG_AES_256, S.CALG_SHA_256, S.CALG_SHA_384, S.CALG_ECDH_EPHEM):
        assert alg in listed, hex(alg)
    assert len(listed) == len(set(listed)), "no duplicates"
    assert 0 not in listed
    assert lib.FreeContextBuffer(algs.palgSupportedAlgs) == S.SEC_E_OK
    assert lib.FreeContextBuffer(algs.palgSupportedAlgs) == S.SEC_E_INVALID_HANDLE


def test_supported_algs_restricts_ciphers(lib):
    only = (S.ALG_ID * 1)(S.CALG_AES_256)
    cred = S.schannel_cred(cSupportedAlgs=1, palgSupportedAlgs=only)
    ss, h = S.acquire(lib, S.SECPKG_CRED_OUTBOUND, cred)
    assert ss == S.SEC_E_OK
    ss, algs = S.query_cred_attr(lib, h, S.SECPKG_ATTR_SUPPORTED_ALGS, S.SecPkgCred_SupportedAlgs)
    listed = {algs.palgSupportedAlgs[i] for i in range(algs.cSupportedAlgs)}
    assert S.CALG_AES_256 in listed and S.CALG_AES_128 not in listed
    assert lib.FreeContextBuffer(algs.palgSupportedAlgs) == S.SEC_E_OK
    ss, s = S.query_cred_attr(lib, h, S.SECPKG_ATTR_CIPHER_STRENGTHS, S.SecPkgCred_CipherStrengths)
    assert (s.dwMinimumCipherStrength, s.dwMaximumCipherStrength) == (256, 256)
    assert lib.FreeCredentialsHandle(byref(h)) == S.SEC_E_OK


@pytest.mark.parametrize("wide", [True, False])
def test_query_credentials_attributes_ex(lib, outbound, wide):
    fn = lib.QueryCredentialsAttributesExW if wide else lib.QueryCredentialsAttributesExA
    protos = S.SecPkgCred_SupportedProtocols()
    assert fn(byref(outbound), S.SECPKG_ATTR_SUPPORTED_PROTOCOLS, byref(protos), 4) == S.SEC_E_OK
    assert protos.grbitProtocol == S.SP_PROT_TLS1_2_CLIENT | S.SP_PROT_TLS1_3_CLIENT
    strengths = S.SecPkgCred_CipherStrengths(0xAAAA, 0xBBBB)
    assert fn(byref(outbound), S.SECPKG_ATTR_CIPHER_STRENGTHS, byref(strengths), 7) == S.SEC_E_BUFFER_TOO_SMALL
    assert (strengths.dwMinimumCipherStrength, strengths.dwMaximumCipherStrength) == (0xAAAA, 0xBBBB)


def test_inbound_without_certificate(lib):
    ss, h = S.acquire(lib, S.SECPKG_CRED_INBOUND, S.schannel_cred())
    assert ss == S.SEC_E_NO_CREDENTIALS
    assert (h.dwLower, h.dwUpper) == (0, 0)


def test_free_context_buffer_foreign_and_null(lib):
    local = ctypes.create_string_buffer(64)
    assert lib.FreeContextBuffer(local) == S.SEC_E_INVALID_HANDLE
    assert lib.FreeContextBuffer(None) == S.SEC_E_OK
    # An interior pointer of a live block is not a block.
    count = S.ULONG(0)
    infos = POINTER(S.SecPkgInfoW)()
    assert lib.EnumerateSecurityPackagesW(byref(count), byref(infos)) == S.SEC_E_OK
    inner = cast(infos, c_void_p).value + 8
    assert lib.FreeContextBuffer(c_void_p(inner)) == S.SEC_E_INVALID_HANDLE
    assert lib.FreeContextBuffer(infos) == S.SEC_E_OK


def test_handles_are_distinct_and_reusable(lib):
    handles = []
    for _ in range(32):
        ss, h = S.acquire(lib)
        assert ss == S.SEC_E_OK
        handles.append(h)
    assert len({(h.dwLower, h.dwUpper) for h in handles}) == len(handles)
    for h in handles:
        assert lib.FreeCredentialsHandle(byref(h)) == S.SEC_E_OK
    # A freed handle stays dead even when its slot is reused.
    ss, again = S.acquire(lib)
    assert ss == S.SEC_E_OK
    for h in handles:
        ss, _ = S.query_cred_attr(lib, h, S.SECPKG_ATTR_SUPPORTED_PROTOCOLS, S.SecPkgCred_SupportedProtocols)
        assert ss == S.SEC_E_INVALID_HANDLE
    assert lib.FreeCredentialsHandle(byref(again)) == S.SEC_E_OK
