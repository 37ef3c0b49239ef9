"""The crypt32 exports through ctypes, on keys, certificates, PFX and PEM files
made with the openssl command line at test time. Every CERT_CONTEXT / CERT_INFO
field is checked against what `openssl x509` prints for the same certificate."""

import ctypes
import datetime
import pathlib
import subprocess
import sys
from ctypes import POINTER, byref, c_void_p

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import crypt32 as c  # noqa: E402

KINDS = ["rsa2048", "rsa4096", "p256", "p384", "ed25519"]
GENKEY = {
    "rsa2048": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "rsa4096": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"],
    "p256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "p384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
    "ed25519": ["-algorithm", "ED25519"],
}
# openssl's names for the OIDs Windows reports as strings.
OIDS = {
    "sha256WithRSAEncryption": "1.2.840.113549.1.1.11",
    "sha384WithRSAEncryption": "1.2.840.113549.1.1.12",
    "ecdsa-with-SHA256": "1.2.840.10045.4.3.2",
    "ecdsa-with-SHA384": "1.2.840.10045.4.3.3",
    "ED25519": "1.3.101.112",
    "rsaEncryption": "1.2.840.113549.1.1.1",
    "id-ecPublicKey": "1.2.840.10045.2.1",
    "Basic Constraints": "2.5.29.19",
    "Key Usage": "2.5.29.15",
    "Extended Key Usage": "2.5.29.37",
    "Subject Alternative Name": "2.5.29.17",
    "Subject Key Identifier": "2.5.29.14",
    "Authority Key Identifier": "2.5.29.35",
}
# openssl short names -> Windows X.500 keys.
X500 = {"CN": "CN", "O": "O", "OU": "OU", "C": "C", "ST": "S", "L": "L", "emailAddress": "E"}


def openssl(*args, cwd, input=None):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, input=input)
    assert r.returncode == 0, (args, r.stderr.decode())
    return r.stdout


@pytest.fixture(scope="module")
def lib():
    path = c.default_library_path()
    if not path.exists():
        pytest.exit(f"{path} does not exist: build the library first (or set SSPI_RUSTLS_LIB)", returncode=2)
    return c.load(path)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    (d / "ca.ext").write_text("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
    (d / "leaf.ext").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:leaf.example,DNS:www.leaf.example,email:a@leaf.example\n"
    )
    openssl("genpkey", *GENKEY["p384"], "-out", "root.key", cwd=d)
    openssl("req", "-x509", "-new", "-key", "root.key", "-subj", "/C=US/ST=Some State/O=Test Org/CN=Test Root",
            "-days", "3650", "-out", "root.pem", "-addext", "basicConstraints=critical,CA:TRUE", cwd=d)
    openssl("genpkey", *GENKEY["rsa2048"], "-out", "inter.key", cwd=d)
    openssl("req", "-new", "-key", "inter.key", "-subj", "/C=US/O=Test Org/CN=Test Intermediate", "-out", "inter.csr", cwd=d)
    openssl("x509", "-req", "-in", "inter.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
            "-days", "1000", "-extfile", "ca.ext", "-out", "inter.pem", cwd=d)
    (d / "chain.pem").write_bytes((d / "inter.pem").read_bytes() + (d / "root.pem").read_bytes())
    for kind in KINDS:
        openssl("genpkey", *GENKEY[kind], "-out", f"{kind}.key", cwd=d)
        openssl("req", "-new", "-key", f"{kind}.key", "-subj", f"/CN=leaf-{kind}/O=Leaf Org/OU=Unit, Inc.",
                "-out", f"{kind}.csr", cwd=d)
        openssl("x509", "-req", "-in", f"{kind}.csr", "-CA", "inter.pem", "-CAkey", "inter.key", "-CAcreateserial",
                "-days", "365", "-extfile", "leaf.ext", "-out", f"{kind}.pem", cwd=d)
        for variant, extra, pw in [
            ("", [], "secret"),
            ("-legacy", ["-legacy"], "secret"),
            ("-empty", [], ""),
            ("-plain", ["-keypbe", "NONE", "-certpbe", "NONE", "-nomac"], ""),
        ]:
            openssl("pkcs12", "-export", "-inkey", f"{kind}.key", "-in", f"{kind}.pem", "-certfile", "chain.pem",
                    "-name", f"friendly {kind}", "-passout", f"pass:{pw}", *extra, "-out", f"{kind}{variant}.pfx", cwd=d)
    openssl("pkey", "-in", "rsa2048.key", "-traditional", "-out", "rsa2048-pkcs1.key", cwd=d)
    openssl("pkey", "-in", "p256.key", "-traditional", "-out", "p256-sec1.key", cwd=d)
    return d


def import_pfx(lib, pki, name, password):
    data = c.blob((pki / name).read_bytes())
    pw = c.wstr(password) if password is not None else None
    return lib.PFXImportCertStore(byref(data), pw, 0)


def certs_in(lib, store):
    out = []
    p = lib.CertEnumCertificatesInStore(store, None)
    while p:
        out.append(p)
        # Keep a reference of our own, as enumeration frees the previous one.
        lib.CertDuplicateCertificateContext(p)
        p = lib.CertEnumCertificatesInStore(store, p)
    assert lib.GetLastError() == c.CRYPT_E_NOT_FOUND
    return out


def find_subject(lib, store, text):
    w = c.wstr(text)
    return lib.CertFindCertificateInStore(store, c.X509_ASN_ENCODING, 0, c.CERT_FIND_SUBJECT_STR_W, w, None)


def filetime(text):
    """openssl's 'Nov 21 09:23:27 2026 GMT' as a FILETIME value."""
    t = datetime.datetime.strptime(" ".join(text.split()), "%b %d %H:%M:%S %Y GMT").replace(tzinfo=datetime.timezone.utc)
    return int((t - datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc)).total_seconds()) * 10_000_000


def windows_name(openssl_multiline):
    """The Windows CERT_X500_NAME_STR of a name openssl printed with sep_multiline,sname."""
    parts = []
    for line in openssl_multiline.splitlines()[1:]:
        key, _, value = line.strip().partition("=")
        if any(ch in value for ch in ',+="<>#;\n') or value != value.strip() or not value:
            value = '"' + value.replace('"', '""') + '"'
        parts.append(f"{X500[key]}={value}")
    return ", ".join(parts)


def check_fields(lib, pki, pem, ctx, store):
    """Every field of a CERT_CONTEXT against openssl's view of the same certificate."""
    x = lambda *a: openssl("x509", "-in", pem, "-noout", *a, cwd=pki).decode()  # noqa: E731
    der = openssl("x509", "-in", pem, "-outform", "DER", cwd=pki)
    cc = ctx.contents
    assert cc.dwCertEncodingType == c.X509_ASN_ENCODING | c.PKCS_7_ASN_ENCODING
    assert ctypes.string_at(cc.pbCertEncoded, cc.cbCertEncoded) == der
    assert cc.hCertStore == store
    info = cc.pCertInfo.contents
    text = x("-text")
    assert "Version: 3 (0x2)" in text and info.dwVersion == c.CERT_V3
    # Serial: little-endian, as Windows stores it.
    serial = x("-serial").strip().split("=")[1]
    assert info.SerialNumber.bytes()[::-1].hex().upper().lstrip("0") == serial.lstrip("0")
    sig = [line.split(":")[1].strip() for line in text.splitlines() if "Signature Algorithm:" in line][0]
    assert info.SignatureAlgorithm.pszObjId.decode() == OIDS[sig]
    # Names: the DER blobs, as Windows prints them.
    for field, flag in [("Subject", "-subject"), ("Issuer", "-issuer")]:
        b = getattr(info, field)
        expected = windows_name(x(flag, "-nameopt", "sep_multiline,sname,utf8"))
        buf = (c.WCHAR * 512)()
        n = lib.CertNameToStrW(c.X509_ASN_ENCODING, byref(b), c.CERT_X500_NAME_STR, buf, 512)
        assert bytes(buf)[: 2 * (n - 1)].decode("utf-16-le") == expected
        assert b.bytes()[0] == 0x30 and b.bytes() in der
    for field, flag in [("NotBefore", "notBefore"), ("NotAfter", "notAfter")]:
        printed = [line for line in x("-dates").splitlines() if line.startswith(flag)][0].split("=", 1)[1]
        assert getattr(info, field).value() == filetime(printed)
    spki = openssl("pkey", "-pubin", "-outform", "DER", cwd=pki, input=x("-pubkey").encode())
    pk = info.SubjectPublicKeyInfo
    alg = [line.split(":")[1].strip() for line in text.splitlines() if "Public Key Algorithm:" in line][0]
    assert pk.Algorithm.pszObjId.decode() == OIDS[alg]
    key_bits = ctypes.string_at(pk.PublicKey.pbData, pk.PublicKey.cbData)
    assert pk.PublicKey.cUnusedBits == 0 and spki.endswith(key_bits) and len(key_bits) > 30
    params = pk.Algorithm.Parameters.bytes()
    assert params == {"rsaEncryption": b"\x05\x00", "ED25519": b""}.get(alg, params) and params in spki
    assert info.IssuerUniqueId.cbData == 0 and info.SubjectUniqueId.cbData == 0
    # Extensions: the same list, in order, with the same critical flags.
    listed = [line.strip() for line in text.splitlines() if line.strip().startswith("X509v3 ") and "extensions" not in line]
    assert info.cExtension == len(listed)
    for i, line in enumerate(listed):
        e = info.rgExtension[i]
        name = line[len("X509v3 "):].split(":")[0]
        assert e.pszObjId.decode() == OIDS[name]
        assert bool(e.fCritical) == line.endswith("critical")
        assert e.Value.cbData > 0 and e.Value.bytes() in der
    # Hash properties are the fingerprints.
    for prop, alg_name, size in [(c.CERT_SHA1_HASH_PROP_ID, "-sha1", 20), (c.CERT_SHA256_HASH_PROP_ID, "-sha256", 32)]:
        fp = x("-fingerprint", alg_name).split("=")[1].strip().replace(":", "")
        cb = c.DWORD(0)
        assert lib.CertGetCertificateContextProperty(ctx, prop, None, byref(cb)) and cb.value == size
        buf = (c.BYTE * size)()
        assert lib.CertGetCertificateContextProperty(ctx, prop, buf, byref(cb))
        assert bytes(buf).hex().upper() == fp
    assert lib.CertVerifyTimeValidity(None, cc.pCertInfo) == 0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("variant,password", [("", "secret"), ("-legacy", "secret"), ("-empty", ""), ("-empty", None),
                                              ("-plain", None), ("-plain", "")])
def test_pfx_import_fields_and_server_credential(lib, pki, kind, variant, password):
    store = lib.PFXImportCertStore(byref(c.blob((pki / f"{kind}{variant}.pfx").read_bytes())),
                                   c.wstr(password) if password is not None else None, 0)
    assert store, hex(lib.GetLastError())
    certs = certs_in(lib, store)
    assert len(certs) == 3
    names = [c.name_string(lib, p, c.CERT_NAME_SIMPLE_DISPLAY_TYPE) for p in certs]
    assert sorted(names) == sorted([f"leaf-{kind}", "Test Intermediate", "Test Root"])
    for p, pem in zip(certs, [{f"leaf-{kind}": f"{kind}.pem", "Test Intermediate": "inter.pem", "Test Root": "root.pem"}[n]
                              for n in names]):
        check_fields(lib, pki, pem, p, store)
    leaf = certs[names.index(f"leaf-{kind}")]
    # The key travels with the leaf only.
    cb = c.DWORD(0)
    assert lib.CertGetCertificateContextProperty(leaf, c.CERT_KEY_PROV_INFO_PROP_ID, None, byref(cb))
    buf = ctypes.create_string_buffer(cb.value)
    assert lib.CertGetCertificateContextProperty(leaf, c.CERT_KEY_PROV_INFO_PROP_ID, buf, byref(cb))
    kpi = c.CRYPT_KEY_PROV_INFO.from_buffer(buf)
    assert kpi.dwKeySpec == (c.AT_KEYEXCHANGE if kind.startswith("rsa") else c.CERT_NCRYPT_KEY_SPEC)
    assert kpi.pwszContainerName[0] != 0 and kpi.pwszProvName[0] != 0
    fname = (c.WCHAR * 64)()
    cb = c.DWORD(128)
    assert lib.CertGetCertificateContextProperty(leaf, c.CERT_FRIENDLY_NAME_PROP_ID, fname, byref(cb))
    assert bytes(fname)[: cb.value - 2].decode("utf-16-le") == f"friendly {kind}"
    assert c.name_string(lib, leaf, c.CERT_NAME_FRIENDLY_DISPLAY_TYPE) == f"friendly {kind}"
    for other in certs:
        if other != leaf:
            assert not lib.CertGetCertificateContextProperty(other, c.CERT_KEY_PROV_INFO_PROP_ID, None, byref(cb))
            assert lib.GetLastError() == c.CRYPT_E_NOT_FOUND
            assert c.acquire(lib, other) == c.SEC_E_NO_CREDENTIALS
    assert c.acquire(lib, leaf, c.SECPKG_CRED_INBOUND) == c.SEC_E_OK
    assert c.acquire(lib, leaf, c.SECPKG_CRED_OUTBOUND) == c.SEC_E_OK
    for p in certs:
        assert lib.CertFreeCertificateContext(p)
    assert lib.CertCloseStore(store, c.CERT_CLOSE_STORE_CHECK_FLAG) == 1


def test_name_strings(lib, pki):
    store = import_pfx(lib, pki, "p256.pfx", "secret")
    leaf = find_subject(lib, store, "leaf-p256")
    assert leaf
    assert c.name_string(lib, leaf, c.CERT_NAME_SIMPLE_DISPLAY_TYPE) == "leaf-p256"
    assert c.name_string(lib, leaf, c.CERT_NAME_SIMPLE_DISPLAY_TYPE, wide=False) == "leaf-p256"
    assert c.name_string(lib, leaf, c.CERT_NAME_SIMPLE_DISPLAY_TYPE, c.CERT_NAME_ISSUER_FLAG) == "Test Intermediate"
    assert c.name_string(lib, leaf, c.CERT_NAME_DNS_TYPE) == "leaf.example"
    assert c.name_string(lib, leaf, c.CERT_NAME_EMAIL_TYPE) == "a@leaf.example"
    assert c.name_string(lib, leaf, c.CERT_NAME_UPN_TYPE) == ""
    cn = ctypes.create_string_buffer(c.szOID_COMMON_NAME)
    assert c.name_string(lib, leaf, c.CERT_NAME_ATTR_TYPE, 0, cn) == "leaf-p256"
    assert c.name_string(lib, leaf, c.CERT_NAME_ATTR_TYPE, c.CERT_NAME_ISSUER_FLAG, cn) == "Test Intermediate"
    for str_type, expected in [
        (c.CERT_X500_NAME_STR, 'CN=leaf-p256, O=Leaf Org, OU="Unit, Inc."'),
        (c.CERT_X500_NAME_STR | c.CERT_NAME_STR_REVERSE_FLAG, 'OU="Unit, Inc.", O=Leaf Org, CN=leaf-p256'),
        (c.CERT_SIMPLE_NAME_STR, 'leaf-p256, Leaf Org, "Unit, Inc."'),
        (c.CERT_OID_NAME_STR | c.CERT_NAME_STR_SEMICOLON_FLAG, '2.5.4.3=leaf-p256; 2.5.4.10=Leaf Org; 2.5.4.11="Unit, Inc."'),
        (c.CERT_X500_NAME_STR | c.CERT_NAME_STR_NO_QUOTING_FLAG, "CN=leaf-p256, O=Leaf Org, OU=Unit, Inc."),
    ]:
        t = c.DWORD(str_type)
        assert c.name_string(lib, leaf, c.CERT_NAME_RDN_TYPE, 0, byref(t)) == expected
    # The root's issuer has a state: Windows calls it S.
    root = find_subject(lib, store, "Test Root")
    t = c.DWORD(c.CERT_X500_NAME_STR)
    assert c.name_string(lib, root, c.CERT_NAME_RDN_TYPE, c.CERT_NAME_ISSUER_FLAG, byref(t)) == \
        "C=US, S=Some State, O=Test Org, CN=Test Root"
    # All DNS names: a double-terminated list.
    n = lib.CertGetNameStringW(leaf, c.CERT_NAME_DNS_TYPE, c.CERT_NAME_SEARCH_ALL_NAMES_FLAG, None, None, 0)
    buf = (c.WCHAR * n)()
    assert lib.CertGetNameStringW(leaf, c.CERT_NAME_DNS_TYPE, c.CERT_NAME_SEARCH_ALL_NAMES_FLAG, None, buf, n) == n
    assert bytes(buf).decode("utf-16-le") == "leaf.example\0www.leaf.example\0\0"
    # Truncation: terminated and the count is the buffer size.
    small = (c.WCHAR * 4)()
    assert lib.CertGetNameStringW(leaf, c.CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, None, small, 4) == 4
    assert bytes(small).decode("utf-16-le") == "lea\0"
    lib.CertFreeCertificateContext(root)
    lib.CertFreeCertificateContext(leaf)
    lib.CertCloseStore(store, 0)


def test_find_and_add(lib, pki):
    store = import_pfx(lib, pki, "rsa2048.pfx", "secret")
    leaf = find_subject(lib, store, "LEAF-RSA")
    assert leaf
    sha1 = (c.BYTE * 20)()
    cb = c.DWORD(20)
    assert lib.CertGetCertificateContextProperty(leaf, c.CERT_SHA1_HASH_PROP_ID, sha1, byref(cb))
    hb = c.CRYPT_HASH_BLOB(20, ctypes.cast(sha1, c.PBYTE))
    same = lib.CertFindCertificateInStore(store, 0, 0, c.CERT_FIND_SHA1_HASH, byref(hb), None)
    assert ctypes.addressof(same.contents) == ctypes.addressof(leaf.contents)
    assert not lib.CertFindCertificateInStore(store, 0, 0, c.CERT_FIND_SHA1_HASH, byref(hb), same)
    assert lib.GetLastError() == c.CRYPT_E_NOT_FOUND
    hexstr = c.wstr(" ".join(f"{b:02x}" for b in bytes(sha1)))
    by_str = lib.CertFindCertificateInStore(store, 0, 0, c.CERT_FIND_HASH_STR, hexstr, None)
    assert by_str
    issued = lib.CertFindCertificateInStore(store, 0, 0, c.CERT_FIND_ISSUER_STR_A, b"test intermediate", None)
    assert issued
    by_name = lib.CertFindCertificateInStore(store, 0, 0, c.CERT_FIND_SUBJECT_NAME,
                                             byref(leaf.contents.pCertInfo.contents.Subject), None)
    assert by_name
    # A copy in a memory store keeps the key.
    mem = lib.CertOpenStore(c.CERT_STORE_PROV_MEMORY, 0, 0, 0, None)
    out = c.PCCERT_CONTEXT()
    assert lib.CertAddCertificateContextToStore(mem, leaf, c.CERT_STORE_ADD_NEW, byref(out))
    assert out and out.contents.hCertStore == mem
    assert not lib.CertAddCertificateContextToStore(mem, leaf, c.CERT_STORE_ADD_NEW, None)
    assert lib.GetLastError() == c.CRYPT_E_EXISTS
    assert lib.CertAddCertificateContextToStore(mem, leaf, c.CERT_STORE_ADD_USE_EXISTING, None)
    assert c.acquire(lib, out) == c.SEC_E_OK
    der = ctypes.string_at(leaf.contents.pbCertEncoded, leaf.contents.cbCertEncoded)
    assert lib.CertAddEncodedCertificateToStore(mem, c.X509_ASN_ENCODING, der, len(der), c.CERT_STORE_ADD_ALWAYS, None)
    assert len(certs_in(lib, mem)) == 2
    for p in [out, by_str, issued, by_name, leaf]:
        lib.CertFreeCertificateContext(p)
    lib.CertCloseStore(mem, 0)
    lib.CertCloseStore(store, 0)


def test_reference_counting(lib, pki):
    der = openssl("x509", "-in", "rsa2048.pem", "-outform", "DER", cwd=pki)
    store = lib.CertOpenStore(b"Memory", 0, 0, 0, None)
    assert store
    ctx = c.PCCERT_CONTEXT()
    assert lib.CertAddEncodedCertificateToStore(store, c.X509_ASN_ENCODING, der, len(der), c.CERT_STORE_ADD_NEW, byref(ctx))
    addr = ctypes.addressof(ctx.contents)
    dup = lib.CertDuplicateCertificateContext(ctx)
    assert ctypes.addressof(dup.contents) == addr
    assert lib.CertFreeCertificateContext(dup)
    second = lib.CertDuplicateStore(store)
    assert second == store
    assert lib.CertCloseStore(second, c.CERT_CLOSE_STORE_CHECK_FLAG) == 0
    assert lib.GetLastError() == c.CRYPT_E_PENDING_CLOSE
    assert lib.CertCloseStore(store, c.CERT_CLOSE_STORE_CHECK_FLAG) == 0
    assert lib.GetLastError() == c.CRYPT_E_PENDING_CLOSE
    # Closed, yet the context and its store live on while referenced.
    assert ctx.contents.pCertInfo.contents.Subject.cbData > 0
    first = lib.CertEnumCertificatesInStore(ctx.contents.hCertStore, None)
    assert ctypes.addressof(first.contents) == addr
    lib.CertFreeCertificateContext(first)
    assert lib.CertCloseStore(store, 0) == 0 and lib.GetLastError() == c.E_INVALIDARG
    assert lib.CertFreeCertificateContext(ctx)
    lib.SetLastError(0)
    assert lib.CertFreeCertificateContext(addr) == 1
    assert lib.GetLastError() == c.E_INVALIDARG
    assert not lib.CertDuplicateCertificateContext(addr)
    assert not lib.CertEnumCertificatesInStore(store, None) and lib.GetLastError() == c.E_INVALIDARG
    # A store closed with nothing referenced: no pending close.
    s = lib.CertOpenStore(c.CERT_STORE_PROV_MEMORY, 0, 0, 0, None)
    assert lib.CertCloseStore(s, c.CERT_CLOSE_STORE_CHECK_FLAG) == 1
    # Last error is per thread.
    import threading
    lib.SetLastError(1234)
    seen = []
    t = threading.Thread(target=lambda: seen.append(lib.GetLastError()))
    t.start()
    t.join()
    assert seen == [0] and lib.GetLastError() == 1234


def test_bad_input_exact_errors(lib, pki):
    good = (pki / "rsa2048.pfx").read_bytes()
    for name, pw in [("rsa2048.pfx", "wrong"), ("rsa2048.pfx", None), ("rsa2048.pfx", ""), ("rsa2048-legacy.pfx", "x"),
                     ("rsa2048-empty.pfx", "x")]:
        lib.SetLastError(0)
        assert not import_pfx(lib, pki, name, pw)
        assert lib.GetLastError() == c.ERROR_INVALID_PASSWORD, (name, pw)
    assert lib.PFXVerifyPassword(byref(c.blob(good)), c.wstr("secret"), 0) == 1
    assert lib.PFXVerifyPassword(byref(c.blob(good)), c.wstr("nope"), 0) == 0
    assert lib.PFXIsPFXBlob(byref(c.blob(good))) == 1
    for data, err in [(good[:12], c.CRYPT_E_ASN1_EOD), (good[:-1], c.CRYPT_E_ASN1_EOD), (b"\x02\x01\x03", c.CRYPT_E_ASN1_BADTAG),
                      (b"", c.CRYPT_E_ASN1_EOD), (good + b"\0", c.CRYPT_E_ASN1_CORRUPT)]:
        assert not lib.PFXImportCertStore(byref(c.blob(data)), c.wstr("secret"), 0)
        assert lib.GetLastError() == err, (data[:4], hex(lib.GetLastError()))
        assert lib.PFXIsPFXBlob(byref(c.blob(data))) == 0
    assert not lib.PFXImportCertStore(None, None, 0) and lib.GetLastError() == c.E_INVALIDARG
    lying = c.CRYPT_DATA_BLOB(100, None)
    assert not lib.PFXImportCertStore(byref(lying), None, 0) and lib.GetLastError() == c.E_INVALIDARG
    der = openssl("x509", "-in", "rsa2048.pem", "-outform", "DER", cwd=pki)
    for data, err in [(der[:-1], c.CRYPT_E_ASN1_EOD), (der[:5], c.CRYPT_E_ASN1_EOD), (b"\x04\x00", c.CRYPT_E_ASN1_BADTAG),
                      (der + b"\0", c.CRYPT_E_ASN1_CORRUPT)]:
        assert not lib.CertCreateCertificateContext(c.X509_ASN_ENCODING, data, len(data))
        assert lib.GetLastError() == err
    assert not lib.CertCreateCertificateContext(c.X509_ASN_ENCODING, None, 5) and lib.GetLastError() == c.E_INVALIDARG
    forged = ctypes.create_string_buffer(64)
    assert not lib.CertDuplicateCertificateContext(forged)
    assert lib.CertFreeCertificateContext(forged) == 1 and lib.GetLastError() == c.E_INVALIDARG
    cb = c.DWORD(0)
    assert not lib.CertGetCertificateContextProperty(forged, c.CERT_SHA1_HASH_PROP_ID, None, byref(cb))
    assert lib.GetLastError() == c.E_INVALIDARG
    assert lib.CertCloseStore(forged, 0) == 0 and lib.GetLastError() == c.E_INVALIDARG
    assert lib.CertCloseStore(None, 0) == 1
    assert not lib.CertOpenStore(c.CERT_STORE_PROV_SYSTEM_W, 0, 0, 0, c.wstr("MY"))
    assert lib.GetLastError() == c.ERROR_FILE_NOT_FOUND
    assert not lib.CertOpenStore(b"System", 0, 0, 0, c.wstr("ROOT")) and lib.GetLastError() == c.ERROR_FILE_NOT_FOUND
    store = import_pfx(lib, pki, "rsa2048.pfx", "secret")
    assert not lib.CertFindCertificateInStore(store, 0, 0, 0x7777, None, None) and lib.GetLastError() == c.E_INVALIDARG
    assert not lib.CertFindCertificateInStore(store, 0, 0, c.CERT_FIND_SHA1_HASH, None, None)
    assert lib.GetLastError() == c.E_INVALIDARG
    leaf = find_subject(lib, store, "leaf")
    small = (c.BYTE * 4)()
    cb = c.DWORD(4)
    assert not lib.CertGetCertificateContextProperty(leaf, c.CERT_SHA256_HASH_PROP_ID, small, byref(cb))
    assert lib.GetLastError() == c.ERROR_MORE_DATA and cb.value == 32
    assert not lib.CertGetCertificateContextProperty(leaf, 9999, None, byref(cb))
    assert lib.GetLastError() == c.CRYPT_E_NOT_FOUND
    assert not lib.CertAddEncodedCertificateToStore(store, c.X509_ASN_ENCODING, der, len(der), 99, None)
    assert lib.GetLastError() == c.E_INVALIDARG
    lib.CertFreeCertificateContext(leaf)
    lib.CertCloseStore(store, 0)


@pytest.mark.parametrize("cert,key", [("rsa2048.pem", "rsa2048.key"), ("rsa2048.pem", "rsa2048-pkcs1.key"),
                                      ("p256.pem", "p256-sec1.key"), ("p384.pem", "p384.key"),
                                      ("ed25519.pem", "ed25519.key"), ("rsa4096.pem", "rsa4096.key")])
def test_pem_extension(lib, pki, cert, key):
    chain = c.blob((pki / cert).read_bytes() + (pki / "chain.pem").read_bytes())
    k = c.blob((pki / key).read_bytes())
    store = lib.SspiRustlsPemImportCertStore(byref(chain), byref(k), None, 0)
    assert store, hex(lib.GetLastError())
    certs = certs_in(lib, store)
    assert len(certs) == 3
    check_fields(lib, pki, cert, certs[0], store)
    assert c.acquire(lib, certs[0]) == c.SEC_E_OK
    assert c.acquire(lib, certs[1]) == c.SEC_E_NO_CREDENTIALS
    for p in certs:
        lib.CertFreeCertificateContext(p)
    lib.CertCloseStore(store, 0)


def test_mismatched_and_missing_keys(lib, pki):
    chain = c.blob((pki / "rsa2048.pem").read_bytes())
    k = c.blob((pki / "p256.key").read_bytes())
    store = lib.SspiRustlsPemImportCertStore(byref(chain), byref(k), None, 0)
    leaf = lib.CertEnumCertificatesInStore(store, None)
    assert c.acquire(lib, leaf) == c.SEC_E_UNKNOWN_CREDENTIALS
    lib.CertFreeCertificateContext(leaf)
    lib.CertCloseStore(store, 0)
    der = openssl("x509", "-in", "rsa2048.pem", "-outform", "DER", cwd=pki)
    alone = lib.CertCreateCertificateContext(c.X509_ASN_ENCODING, der, len(der))
    assert c.acquire(lib, alone, c.SECPKG_CRED_INBOUND) == c.SEC_E_NO_CREDENTIALS
    lib.CertFreeCertificateContext(alone)
    assert not lib.SspiRustlsPemImportCertStore(byref(chain), None, None, 1) and lib.GetLastError() == c.NTE_BAD_FLAGS
    assert not lib.SspiRustlsPemImportCertStore(byref(k), None, None, 0) and lib.GetLastError() == c.CRYPT_E_NOT_FOUND
