/* Certificates as a Windows program uses them: PFXImportCertStore ->
 * CertFindCertificateInStore -> SCHANNEL_CRED -> AcquireCredentialsHandle
 * (SECPKG_CRED_INBOUND), the CERT_CONTEXT fields, reference counting and
 * the Windows error reporting of bad input.
 *
 * Usage: test_certs [FIXTURE_DIR]  (or SSPI_RUSTLS_CERT_DIR). Without one,
 * the fixtures are made with openssl by make_cert_fixtures.sh next to this
 * file. Build: cc -Wall -Wextra -Werror -fsanitize=address,undefined
 *   -Iinclude ffi-tests/c/test_certs.c -Ltarget/debug -lsecur32 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, for the fixtures only */
#define SECURITY_WIN32
#include "secur32.h"
#include "wincrypt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef UNISP_NAME_W
#define UNISP_NAME_W u"Microsoft Unified Security Protocol Provider"
#endif

static int failures;
static int checks;
#define CHECK(cond)                                                                  \
  do {                                                                               \
    checks++;                                                                        \
    if (!(cond)) {                                                                   \
      failures++;                                                                    \
      fprintf(stderr, "%s:%d: CHECK(%s) failed (GetLastError %#lx)\n", __FILE__, \
              __LINE__, #cond, (unsigned long)GetLastError());                       \
    }                                                                                \
  } while (0)

static char dir[4096];

static BYTE *read_file(const char *name, DWORD *len) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  BYTE *data = malloc((size_t)n + 1);
  if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) exit(2);
  fclose(f);
  *len = (DWORD)n;
  return data;
}

static SECURITY_STATUS acquire(PCCERT_CONTEXT cert, ULONG use, CredHandle *out) {
  SCHANNEL_CRED cred;
  memset(&cred, 0, sizeof cred);
  cred.dwVersion = SCHANNEL_CRED_VERSION;
  cred.cCreds = 1;
  cred.paCred = &cert;
  TimeStamp expiry;
  return AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)UNISP_NAME_W, use, NULL, &cred, NULL, NULL, out, &expiry);
}

/* The scenario of the issue, written as on Windows. */
static void pfx_to_server_credential(const char *file, const WCHAR *password) {
  CRYPT_DATA_BLOB pfx;
  pfx.pbData = read_file(file, &pfx.cbData);
  CHECK(PFXIsPFXBlob(&pfx));
  HCERTSTORE store = PFXImportCertStore(&pfx, password, CRYPT_EXPORTABLE | PKCS12_NO_PERSIST_KEY);
  CHECK(store != NULL);
  if (!store) {
    free(pfx.pbData);
    return;
  }
  PCCERT_CONTEXT cert = CertFindCertificateInStore(store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0,
                                                   CERT_FIND_SUBJECT_STR_W, u"leaf", NULL);
  CHECK(cert != NULL);
  CredHandle cred;
  CHECK(acquire(cert, SECPKG_CRED_INBOUND, &cred) == SEC_E_OK);
  CHECK(FreeCredentialsHandle(&cred) == SEC_E_OK);

  /* The fields a Windows program reads. */
  CHECK(cert->dwCertEncodingType == (X509_ASN_ENCODING | PKCS_7_ASN_ENCODING));
  CHECK(cert->cbCertEncoded > 100 && cert->pbCertEncoded[0] == 0x30);
  CHECK(cert->hCertStore == store);
  PCERT_INFO info = cert->pCertInfo;
  CHECK(info->dwVersion == CERT_V3);
  CHECK(info->SerialNumber.cbData > 0 && info->SerialNumber.cbData <= 21);
  CHECK(strcmp(info->SignatureAlgorithm.pszObjId, szOID_RSA_SHA256RSA) == 0);
  CHECK(strcmp(info->SubjectPublicKeyInfo.Algorithm.pszObjId, szOID_RSA_RSA) == 0);
  CHECK(info->Subject.cbData > 0 && info->Subject.pbData[0] == 0x30);
  CHECK(info->NotBefore.dwHighDateTime != 0);
  CHECK(CertVerifyTimeValidity(NULL, info) == 0);
  char name[256];
  DWORD n = CertNameToStrA(X509_ASN_ENCODING, &info->Subject, CERT_X500_NAME_STR, name, sizeof name);
  CHECK(n == strlen("CN=leaf, O=Leaf Org") + 1 && strcmp(name, "CN=leaf, O=Leaf Org") == 0);
  n = CertNameToStrA(X509_ASN_ENCODING, &info->Issuer, CERT_X500_NAME_STR | CERT_NAME_STR_REVERSE_FLAG, name,
                     sizeof name);
  CHECK(strcmp(name, "CN=Test Intermediate, O=Test Org, C=US") == 0);
  CHECK(CertGetNameStringA(cert, CERT_NAME_DNS_TYPE, 0, NULL, name, sizeof name) == strlen("leaf.example") + 1);
  CHECK(strcmp(name, "leaf.example") == 0);
  CHECK(CertGetNameStringA(cert, CERT_NAME_ATTR_TYPE, CERT_NAME_ISSUER_FLAG, (void *)szOID_COMMON_NAME, name,
                           sizeof name) > 1);
  CHECK(strcmp(name, "Test Intermediate") == 0);
  WCHAR wname[64];
  n = CertGetNameStringW(cert, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, wname, 64);
  CHECK(n == 5 && wname[0] == 'l' && wname[4] == 0);

  /* Properties: the thumbprint, and the key's presence. */
  BYTE sha1[20];
  DWORD cb = sizeof sha1;
  CHECK(CertGetCertificateContextProperty(cert, CERT_SHA1_HASH_PROP_ID, sha1, &cb) && cb == 20);
  cb = 0;
  CHECK(CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, NULL, &cb) && cb > sizeof(CRYPT_KEY_PROV_INFO));
  CRYPT_KEY_PROV_INFO *kpi = malloc(cb);
  CHECK(CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, kpi, &cb));
  CHECK(kpi->pwszContainerName != NULL && kpi->pwszContainerName[0] != 0 && kpi->dwKeySpec == AT_KEYEXCHANGE);
  free(kpi);
  cb = 4;
  CHECK(!CertGetCertificateContextProperty(cert, CERT_SHA256_HASH_PROP_ID, sha1, &cb));
  CHECK(GetLastError() == ERROR_MORE_DATA && cb == 32);

  /* Find by the thumbprint; the previous context is freed by the next find. */
  CRYPT_HASH_BLOB hash = {20, sha1};
  PCCERT_CONTEXT same = CertFindCertificateInStore(store, X509_ASN_ENCODING, 0, CERT_FIND_SHA1_HASH, &hash, NULL);
  CHECK(same == cert);
  CHECK(CertFindCertificateInStore(store, X509_ASN_ENCODING, 0, CERT_FIND_SHA1_HASH, &hash, same) == NULL);
  CHECK(GetLastError() == (DWORD)CRYPT_E_NOT_FOUND);

  /* The chain came along: three certificates, enumerated in order. */
  int count = 0;
  PCCERT_CONTEXT it = NULL;
  while ((it = CertEnumCertificatesInStore(store, it)) != NULL) count++;
  CHECK(count == 3);

  /* Reference counting: the store stays while the context is referenced. */
  PCCERT_CONTEXT dup = CertDuplicateCertificateContext(cert);
  CHECK(dup == cert);
  CHECK(CertFreeCertificateContext(dup));
  CHECK(!CertCloseStore(store, CERT_CLOSE_STORE_CHECK_FLAG));
  CHECK(GetLastError() == (DWORD)CRYPT_E_PENDING_CLOSE);
  CHECK(cert->pCertInfo->Subject.cbData == info->Subject.cbData);
  it = CertEnumCertificatesInStore(cert->hCertStore, NULL);
  CHECK(it == cert);
  CertFreeCertificateContext(it);
  CHECK(CertFreeCertificateContext(cert));
  /* Freed twice: harmless, reported, and the pointer is no longer honoured. */
  SetLastError(0);
  CHECK(CertFreeCertificateContext(cert));
  CHECK(GetLastError() == (DWORD)E_INVALIDARG);
  CHECK(CertDuplicateCertificateContext(cert) == NULL);
  free(pfx.pbData);
}

static void bad_input(void) {
  CRYPT_DATA_BLOB pfx;
  pfx.pbData = read_file("leaf.pfx", &pfx.cbData);
  CHECK(PFXImportCertStore(&pfx, u"wrong", 0) == NULL);
  CHECK(GetLastError() == ERROR_INVALID_PASSWORD);
  CHECK(PFXImportCertStore(&pfx, NULL, 0) == NULL);
  CHECK(GetLastError() == ERROR_INVALID_PASSWORD);
  CHECK(PFXVerifyPassword(&pfx, u"secret", 0));
  CHECK(!PFXVerifyPassword(&pfx, u"wrong", 0));
  DWORD full = pfx.cbData;
  for (DWORD len = 0; len < full; len += 61) {
    pfx.cbData = len;
    CHECK(PFXImportCertStore(&pfx, u"secret", 0) == NULL);
  }
  pfx.cbData = 12;
  CHECK(PFXImportCertStore(&pfx, u"secret", 0) == NULL && GetLastError() == (DWORD)CRYPT_E_ASN1_EOD);
  CHECK(PFXImportCertStore(NULL, u"secret", 0) == NULL && GetLastError() == (DWORD)E_INVALIDARG);
  free(pfx.pbData);

  static const BYTE garbage[] = {0x02, 0x01, 0x00};
  CHECK(CertCreateCertificateContext(X509_ASN_ENCODING, garbage, sizeof garbage) == NULL);
  CHECK(GetLastError() == (DWORD)CRYPT_E_ASN1_BADTAG);
  CHECK(CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, 0, u"MY") == NULL);
  CHECK(GetLastError() == ERROR_FILE_NOT_FOUND);
  CHECK(CertCloseStore(NULL, 0));
  CHECK(CertFreeCertificateContext(NULL));
}

static void keyless_and_pem(void) {
  /* A certificate without its key is not a server credential. */
  DWORD len;
  BYTE *pem = read_file("leaf.pem", &len);
  CRYPT_DATA_BLOB chain = {len, pem};
  HCERTSTORE store = SspiRustlsPemImportCertStore(&chain, NULL, NULL, 0);
  CHECK(store != NULL);
  PCCERT_CONTEXT cert = CertEnumCertificatesInStore(store, NULL);
  CredHandle cred;
  CHECK(acquire(cert, SECPKG_CRED_INBOUND, &cred) == SEC_E_NO_CREDENTIALS);
  CertFreeCertificateContext(cert);
  CHECK(CertCloseStore(store, CERT_CLOSE_STORE_CHECK_FLAG));
  free(pem);

  /* The PEM extension: chain plus PKCS#8 key; a wrong key is refused at acquire time. */
  BYTE *full = read_file("fullchain.pem", &len);
  CRYPT_DATA_BLOB certs = {len, full};
  const char *keys[] = {"leaf.key", "other.key"};
  SECURITY_STATUS want[] = {SEC_E_OK, SEC_E_UNKNOWN_CREDENTIALS};
  for (int i = 0; i < 2; i++) {
    DWORD klen;
    BYTE *k = read_file(keys[i], &klen);
    CRYPT_DATA_BLOB key = {klen, k};
    store = SspiRustlsPemImportCertStore(&certs, &key, NULL, 0);
    CHECK(store != NULL);
    cert = CertFindCertificateInStore(store, X509_ASN_ENCODING, 0, CERT_FIND_SUBJECT_STR_A, "LEAF", NULL);
    CHECK(cert != NULL);
    SECURITY_STATUS st = acquire(cert, SECPKG_CRED_INBOUND, &cred);
    CHECK(st == want[i]);
    if (st == SEC_E_OK) FreeCredentialsHandle(&cred);
    CertFreeCertificateContext(cert);
    CertCloseStore(store, 0);
    free(k);
  }
  free(full);
}

int main(int argc, char **argv) {
  const char *given = argc > 1 ? argv[1] : getenv("SSPI_RUSTLS_CERT_DIR");
  if (given) {
    snprintf(dir, sizeof dir, "%s", given);
  } else {
    char tmpl[] = "/tmp/sspi-rustls-certs-XXXXXX";
    if (!mkdtemp(tmpl)) return 2;
    snprintf(dir, sizeof dir, "%s", tmpl);
    char script[4096];
    snprintf(script, sizeof script, "%s", __FILE__);
    char *slash = strrchr(script, '/');
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "sh '%.*s/make_cert_fixtures.sh' '%s'", slash ? (int)(slash - script) : 1,
             slash ? script : ".", dir);
    if (system(cmd) != 0) {
      fprintf(stderr, "cannot make fixtures: %s\n", cmd);
      return 2;
    }
  }
  pfx_to_server_credential("leaf.pfx", u"secret");
  pfx_to_server_credential("leaf-legacy.pfx", u"secret");
  pfx_to_server_credential("leaf-empty.pfx", NULL);
  pfx_to_server_credential("leaf-empty.pfx", u"");
  bad_input();
  keyless_and_pem();
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
