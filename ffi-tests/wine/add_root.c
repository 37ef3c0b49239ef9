/* add_root: makes a test CA a trusted root inside a Wine prefix, for issue
 * 19's winhttp_get.c. WinHTTP checks the server's chain itself, with Wine's
 * crypt32 (CertGetCertificateChain), which trusts the prefix's Root store and
 * the host's anchors (/etc/ssl/certs on Debian) but not SSL_CERT_FILE; this
 * puts CA.pem (or .der) into the local machine's Root store, that is the
 * prefix's registry (HKLM\Software\Microsoft\SystemCertificates\Root), so
 * nothing outside the prefix changes.
 *
 *   x86_64-w64-mingw32-gcc -std=c11 -Wall -Wextra -Werror add_root.c \
 *       -o add_root.exe -lcrypt32
 *   WINEPREFIX=/tmp/pfx wine64 add_root.exe ca.pem
 *
 * Prints "added: SUBJECT"; "error: <function>: <GetLastError()>" on failure.
 * Exit status: 0 success, 1 a failure, 2 usage. */
#include <windows.h>
#include <wincrypt.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(const char *function) {
  DWORD e = GetLastError();
  fprintf(stderr, "error: %s: %lu (0x%lx)\n", function, (unsigned long)e, (unsigned long)e);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: add_root CA.pem|CA.der\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    fprintf(stderr, "error: cannot open %s\n", argv[1]);
    return 1;
  }
  static BYTE file[65536], der[65536];
  DWORD n = (DWORD)fread(file, 1, sizeof file, f), len = sizeof der;
  fclose(f);
  /* PEM if it decodes as base64 with a header, DER otherwise. */
  const BYTE *cert = der;
  if (!CryptStringToBinaryA((const char *)file, n, CRYPT_STRING_BASE64HEADER, der, &len, NULL, NULL)) {
    cert = file;
    len = n;
  }

  HCERTSTORE store = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, L"Root");
  if (!store) return fail("CertOpenStore");
  PCCERT_CONTEXT added = NULL;
  if (!CertAddEncodedCertificateToStore(store, X509_ASN_ENCODING, cert, len, CERT_STORE_ADD_REPLACE_EXISTING,
                                        &added))
    return fail("CertAddEncodedCertificateToStore");
  char subject[256];
  CertGetNameStringA(added, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, subject, sizeof subject);
  printf("added: %s\n", subject);
  CertFreeCertificateContext(added);
  CertCloseStore(store, 0);
  return 0;
}
