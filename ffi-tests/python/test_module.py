"""python/sspi_rustls.py, the module users import: its constants against
include/secur32.h, and where load() finds the library."""

import ctypes.util
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

import sspi_rustls  # noqa: E402

# Constants of the module that secur32.h does not #define as numbers: wincrypt.h spells
# CERT_STORE_PROV_* as (LPCSTR) casts, the CERT_FIND_* as shifts of other macros.
NOT_IN_HEADER = {"CERT_STORE_PROV_MEMORY", "CERT_STORE_PROV_SYSTEM_W", "szOID_COMMON_NAME",
                 # ntstatus.h's (the Lsa* results), which our header does not carry.
                 "STATUS_SUCCESS", "STATUS_NOT_IMPLEMENTED", "STATUS_INVALID_HANDLE", "STATUS_INVALID_PARAMETER",
                 "STATUS_ACCESS_DENIED", "STATUS_NOT_SUPPORTED", "STATUS_NO_SUCH_PACKAGE"}


def header_values():
    """Every #define of include/secur32.h whose value is an integer expression, evaluated."""
    defs = dict(re.findall(r"^#define (\w+) (.+?)\s*$", (ROOT / "include" / "secur32.h").read_text(), re.M))
    values = {}

    def value(name, depth=0):
        if name in values:
            return values[name]
        expr = defs[name]
        signed = "(int32_t)" in expr
        expr = re.sub(r"\((?:u?int32_t|uint16_t|uint8_t|unsigned long|long)\)", "", expr)
        expr = re.sub(r"\b(0x[0-9A-Fa-f]+|\d+)[uUlL]+\b", r"\1", expr)
        if not re.fullmatch(r"[\w\s()|<>&+~-]+", expr) or depth > 20:
            raise ValueError(name)
        expr = re.sub(r"\b([A-Za-z_]\w*)\b", lambda m: str(value(m.group(1), depth + 1)), expr)
        v = eval(expr, {"__builtins__": {}})  # only digits and operators are left
        if signed and v & 0x80000000:
            v -= 1 << 32
        values[name] = v
        return v

    for name in defs:
        try:
            value(name)
        except (ValueError, KeyError, SyntaxError):
            pass
    return values


def test_constants_match_the_header():
    header = header_values()
    checked = 0
    for name in dir(sspi_rustls):
        v = getattr(sspi_rustls, name)
        if not re.fullmatch(r"[A-Z][A-Z0-9_]+|SecApplicationProtocol\w+|TlsParameters\w+", name):
            continue
        if not isinstance(v, int) or isinstance(v, bool) or name in NOT_IN_HEADER:
            continue
        assert name in header, f"sspi_rustls.{name} is not #defined in include/secur32.h (a typo?)"
        # The same 32 bits; statuses signed, as the functions return them, GetLastError values
        # (ERROR_*, E_*, NTE_*, CRYPT_E_*) unsigned, as GetLastError returns a DWORD.
        assert v & 0xFFFFFFFF == header[name] & 0xFFFFFFFF, (
            f"sspi_rustls.{name} = {v:#x}, include/secur32.h: {header[name]:#x}")
        if name.startswith(("SEC_E_", "SEC_I_")):
            assert v == header[name], f"{name} must be the signed SECURITY_STATUS"
        elif name.startswith(("CRYPT_E_", "E_", "NTE_", "ERROR_")):
            assert v >= 0, f"{name} must be unsigned, as GetLastError returns it"
        checked += 1
    assert checked > 150, checked


def test_status_helpers():
    assert sspi_rustls.status(0x80090325) == sspi_rustls.SEC_E_UNTRUSTED_ROOT < 0
    assert sspi_rustls.hresult(sspi_rustls.SEC_E_UNTRUSTED_ROOT) == 0x80090325
    assert sspi_rustls.status_name(sspi_rustls.SEC_E_UNTRUSTED_ROOT) == "SEC_E_UNTRUSTED_ROOT (0x80090325)"
    assert sspi_rustls.status_name(0x80090325) == "SEC_E_UNTRUSTED_ROOT (0x80090325)"
    assert sspi_rustls.status_name(sspi_rustls.SEC_I_CONTINUE_NEEDED) == "SEC_I_CONTINUE_NEEDED (0x00090312)"
    assert sspi_rustls.status_name(0x12345) == "0x00012345"


def test_application_protocols_layout():
    """SEC_APPLICATION_PROTOCOLS: ProtocolListsSize, then one list (ext, size, wire format)."""
    raw = sspi_rustls.application_protocols(["h2", "http/1.1"])
    wire = b"\x02h2\x08http/1.1"
    assert raw == (6 + len(wire)).to_bytes(4, "little") + (2).to_bytes(4, "little") + \
        len(wire).to_bytes(2, "little") + wire


def test_strings_are_utf16():
    w = sspi_rustls.wstr("Schännel")
    assert ctypes.sizeof(w) == 2 * 9 and bytes(w) == "Schännel\0".encode("utf-16-le")
    assert sspi_rustls.read_wstr(w) == "Schännel"


def find(env):
    """sspi_rustls.find_library() in a fresh interpreter (LD_LIBRARY_PATH is read at start)."""
    code = "import sspi_rustls; print(sspi_rustls.find_library())"
    r = subprocess.run([sys.executable, "-c", code], env=dict(env, PYTHONPATH=str(ROOT / "python")),
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout.strip(), r.stderr


def base_env():
    return {k: v for k, v in os.environ.items() if k not in ("SSPI_RUSTLS_LIB", "LD_LIBRARY_PATH")}


def installed():
    """Whether the loader finds an installed libsecur32.so.0 (asked in a fresh process: this one
    has loaded the build's library, whose SONAME dlopen would match)."""
    code = f"import ctypes; ctypes.CDLL({sspi_rustls.SONAME!r})"
    return subprocess.run([sys.executable, "-c", code], env=base_env(), capture_output=True, timeout=60).returncode == 0


def test_find_library_order(tmp_path, lib):
    built = pathlib.Path(lib._name)
    # 1. The environment variable wins, and must name a file.
    rc, out, _ = find(dict(base_env(), SSPI_RUSTLS_LIB=str(built)))
    assert (rc, out) == (0, str(built))
    rc, _, err = find(dict(base_env(), SSPI_RUSTLS_LIB=str(tmp_path / "nope.so")))
    assert rc != 0 and "does not exist" in err
    # 2. The installed library, as the loader finds libsecur32.so.0 (here through LD_LIBRARY_PATH).
    d = tmp_path / "lib"
    d.mkdir()
    shutil.copy(built, d / "libsecur32.so.0")
    rc, out, _ = find(dict(base_env(), LD_LIBRARY_PATH=str(d)))
    assert (rc, out) == (0, "libsecur32.so.0")
    # 3. Else the build tree of the checkout.
    rc, out, _ = find(base_env())
    if installed():
        assert (rc, out) == (0, "libsecur32.so.0")
    else:
        assert (rc, out) == (0, str(sspi_rustls.BUILD_TREE_LIB))


def test_load_refuses_another_library():
    libc = ctypes.util.find_library("c")
    with pytest.raises(OSError, match="is not sspi-rustls"):
        sspi_rustls.load(libc)


def test_load_declares_windows_widths(lib):
    """Prototypes with Windows' types: ULONG arguments are 32-bit, statuses signed 32-bit."""
    assert lib.InitializeSecurityContextW.argtypes[3] is ctypes.c_uint32
    assert lib.InitializeSecurityContextW.restype is ctypes.c_int32
    assert lib.CertGetNameStringW.restype is ctypes.c_uint32
    # (CtxtHandle *, ULONG fQOP, SecBufferDesc *, ULONG MessageSeqNo): 32-bit ULONGs, not Linux's 64.
    assert [ctypes.sizeof(t) for t in lib.EncryptMessage.argtypes] == [8, 4, 8, 4]


# What declares every struct of the module in mingw-w64: user-mode SSPI, SCH_CREDENTIALS
# (SCHANNEL_USE_BLACKLISTS) and the newest Windows 10 declarations (as tests/abi_mingw.rs).
MINGW_PRELUDE = [
    "#define _WIN32_WINNT 0x0A00", "#define NTDDI_VERSION 0x0A00000B", "#define SECURITY_WIN32",
    "#define SCHANNEL_USE_BLACKLISTS", "#include <windows.h>", "#include <sspi.h>", "#include <schannel.h>",
    "#include <wincrypt.h>", "#include <stddef.h>",
]
# Classes of the module whose mingw-w64 typedef is spelled otherwise.
MINGW_NAMES = {"CRYPTOAPI_BLOB": "struct _CRYPTOAPI_BLOB"}


def test_struct_layouts_match_mingw(tmp_path):
    """Every struct of the module, its size and every field's offset and width, proven by
    compiling static assertions against mingw-w64's own headers (not against our numbers)."""
    cc = shutil.which("x86_64-w64-mingw32-gcc")
    if cc is None:
        pytest.skip("x86_64-w64-mingw32-gcc is missing (make deps installs it)")
    lines = list(MINGW_PRELUDE)
    checked = 0
    for t in sspi_rustls._LAYOUT:
        name = MINGW_NAMES.get(t.__name__, t.__name__)
        lines.append(f"_Static_assert(sizeof({name}) == {ctypes.sizeof(t)}, \"sizeof {name}\");")
        for field, *_ in t._fields_:
            d = getattr(t, field)
            lines.append(f"_Static_assert(offsetof({name}, {field}) == {d.offset}, \"{name}.{field} offset\");")
            lines.append(f"_Static_assert(sizeof((({name} *)0)->{field}) == {d.size}, \"{name}.{field} size\");")
            checked += 1
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines) + "\n")
    r = subprocess.run([cc, "-fsyntax-only", "-Werror", str(src)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-4000:]
    assert checked > 150 and "SEC_WINNT_AUTH_IDENTITY_EXW" in {t.__name__ for t in sspi_rustls._LAYOUT}
