/* variants: c11 c++ */
/* The CREDSSP package through the C ABI, in memory, under AddressSanitizer +
 * UBSan + LeakSanitizer (run-c-tests.sh), written as a Windows program writes
 * it (<credssp.h>'s CREDSSP_CRED with an SCHANNEL_CRED for the server and a
 * SEC_WINNT_AUTH_IDENTITY_W for the client): the SecPkgInfo; the whole
 * exchange with [TOKEN, EMPTY] inputs and allocated outputs, a cut record
 * answered SEC_E_INCOMPLETE_MESSAGE with SECBUFFER_MISSING and then completed;
 * the delegated credentials through SECPKG_ATTR_CREDS, NEGOTIATION_PACKAGE,
 * NAMES, STREAM_SIZES; EncryptMessage / DecryptMessage over the TLS channel
 * both ways; a wrong password refused with the errorCode token the client
 * reads; every handle and block released.
 *
 * Usage: test_credssp [FIXTURE_DIR] (test_certs.c's fixtures; made with
 * make_cert_fixtures.sh when not given). */
#define _POSIX_C_SOURCE 200809L
#define SECURITY_WIN32
#include <security.h>
#include <schannel.h>
#include <credssp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures, checks;
#define CHECK(cond)                                                            \
  do {                                                                         \
    checks++;                                                                  \
    if (!(cond)) {                                                             \
      failures++;                                                              \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)
#define EXPECT(expr, want)                                                                                        \
  do {                                                                                                            \
    SECURITY_STATUS got_ = (expr);                                                                                \
    checks++;                                                                                                     \
    if (got_ != (SECURITY_STATUS)(want)) {                                                                        \
      failures++;                                                                                                 \
      fprintf(stderr, "%s:%d: %s = 0x%08x, expected %s\n", __FILE__, __LINE__, #expr, (unsigned)got_, #want); \
    }                                                                                                             \
  } while (0)

static char dir[4096];

static BYTE *read_file(const char *name, DWORD *len) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  BYTE *p = (BYTE *)malloc((size_t)n);
  *len = (DWORD)fread(p, 1, (size_t)n, f);
  fclose(f);
  return p;
}

typedef struct {
  int client, started;
  CredHandle *cred;
  CtxtHandle ctx;
  ULONG attrs;
  unsigned char pending[65536]; /* input not yet taken (a cut record waits for the rest) */
  ULONG pending_len;
} side;

/* One call with [TOKEN, EMPTY] in; the output (allocated) appended to out. */
static SECURITY_STATUS step(side *s, const unsigned char *in, ULONG in_len, unsigned char *out, ULONG *out_len) {
  if (in_len) {
    memcpy(s->pending + s->pending_len, in, in_len);
    s->pending_len += in_len;
  }
  SecBuffer inb[2] = {{s->pending_len, SECBUFFER_TOKEN, s->pending}, {0, SECBUFFER_EMPTY, NULL}};
  SecBufferDesc ind = {SECBUFFER_VERSION, 2, inb};
  SecBuffer outb = {0, SECBUFFER_TOKEN, NULL};
  SecBufferDesc outd = {SECBUFFER_VERSION, 1, &outb};
  TimeStamp ts;
  SECURITY_STATUS st;
  if (s->client)
    st = InitializeSecurityContextW(s->cred, s->started ? &s->ctx : NULL, (SEC_WCHAR *)u"TERMSRV/leaf.example",
                                    ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONFIDENTIALITY | ISC_REQ_DELEGATE, 0,
                                    SECURITY_NATIVE_DREP, s->pending_len ? &ind : NULL, 0, &s->ctx, &outd, &s->attrs,
                                    &ts);
  else
    st = AcceptSecurityContext(s->cred, s->started ? &s->ctx : NULL, &ind,
                               ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONFIDENTIALITY | ASC_REQ_DELEGATE,
                               SECURITY_NATIVE_DREP, &s->ctx, &outd, &s->attrs, &ts);
  *out_len = 0;
  if (st == SEC_E_INCOMPLETE_MESSAGE) {
    CHECK(inb[1].BufferType == SECBUFFER_MISSING);
    return st; /* keep pending: the caller brings more */
  }
  s->pending_len = 0;
  if (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED) s->started = 1;
  if (outb.pvBuffer) {
    memcpy(out, outb.pvBuffer, outb.cbBuffer);
    *out_len = outb.cbBuffer;
    EXPECT(FreeContextBuffer(outb.pvBuffer), SEC_E_OK);
  }
  return st;
}

static void acquire_pair(CredHandle *server, CredHandle *client, const unsigned short *password) {
  DWORD len = 0;
  BYTE *pfx = read_file("leaf.pfx", &len);
  CHECK(pfx != NULL);
  CRYPT_DATA_BLOB blob = {len, pfx};
  HCERTSTORE store = PFXImportCertStore(&blob, u"secret", 0);
  CHECK(store != NULL);
  PCCERT_CONTEXT cert = CertFindCertificateInStore(store, X509_ASN_ENCODING, 0, CERT_FIND_SUBJECT_STR_W, u"leaf", NULL);
  CHECK(cert != NULL);
  SCHANNEL_CRED sc;
  memset(&sc, 0, sizeof sc);
  sc.dwVersion = SCHANNEL_CRED_VERSION;
  sc.cCreds = 1;
  sc.paCred = &cert;
  CREDSSP_CRED scred;
  scred.Type = CredsspSchannelCreds;
  scred.pSchannelCred = &sc;
  scred.pSpnegoCred = NULL;
  EXPECT(AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)CREDSSP_NAME_W, SECPKG_CRED_INBOUND, NULL, &scred, NULL, NULL,
                                   server, NULL),
         SEC_E_OK);
  CertFreeCertificateContext(cert);
  CertCloseStore(store, 0);
  free(pfx);
  SEC_WINNT_AUTH_IDENTITY_W id;
  memset(&id, 0, sizeof id);
  id.User = (unsigned short *)u"alice";
  id.UserLength = 5;
  id.Domain = (unsigned short *)u"EXAMPLE";
  id.DomainLength = 7;
  id.Password = (unsigned short *)(void *)password;
  id.PasswordLength = 0;
  while (password[id.PasswordLength]) id.PasswordLength++;
  id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
  CREDSSP_CRED ccred;
  ccred.Type = CredsspPasswordCreds;
  ccred.pSchannelCred = NULL;
  ccred.pSpnegoCred = &id;
  EXPECT(AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)CREDSSP_NAME_W, SECPKG_CRED_OUTBOUND, NULL, &ccred, NULL, NULL,
                                   client, NULL),
         SEC_E_OK);
}

static unsigned char a[65536], b[65536];

/* The loop; returns the server's last status (and the client's in *client_last). The
 * ClientHello reaches the server in two pieces, to see SEC_E_INCOMPLETE_MESSAGE. */
static SECURITY_STATUS converse(side *c, side *s, SECURITY_STATUS *client_last) {
  ULONG alen = 0, blen = 0;
  SECURITY_STATUS cst = step(c, NULL, 0, a, &alen), sst = SEC_I_CONTINUE_NEEDED;
  CHECK(cst == SEC_I_CONTINUE_NEEDED && alen > 10);
  EXPECT(step(s, a, 7, b, &blen), SEC_E_INCOMPLETE_MESSAGE);
  ULONG off = 7;
  for (int leg = 0; leg < 12; leg++) {
    sst = step(s, a + off, alen - off, b, &blen);
    off = 0;
    if (sst < 0) {
      if (blen) cst = step(c, b, blen, a, &alen); /* the errorCode TSRequest */
      break;
    }
    if (sst == SEC_E_OK) break;
    cst = step(c, b, blen, a, &alen);
    if (cst < 0) break;
  }
  *client_last = cst;
  return sst;
}

static void tls_message(side *from, side *to, const char *text) {
  SecPkgContext_StreamSizes sz;
  EXPECT(QueryContextAttributesW(&from->ctx, SECPKG_ATTR_STREAM_SIZES, &sz), SEC_E_OK);
  unsigned char buf[4096];
  size_t n = strlen(text);
  memcpy(buf + sz.cbHeader, text, n);
  SecBuffer e[4] = {{sz.cbHeader, SECBUFFER_STREAM_HEADER, buf},
                    {(ULONG)n, SECBUFFER_DATA, buf + sz.cbHeader},
                    {sz.cbTrailer, SECBUFFER_STREAM_TRAILER, buf + sz.cbHeader + n},
                    {0, SECBUFFER_EMPTY, NULL}};
  SecBufferDesc ed = {SECBUFFER_VERSION, 4, e};
  EXPECT(EncryptMessage(&from->ctx, 0, &ed, 0), SEC_E_OK);
  ULONG total = e[0].cbBuffer + e[1].cbBuffer + e[2].cbBuffer;
  SecBuffer d[4] = {{total, SECBUFFER_DATA, buf}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL},
                    {0, SECBUFFER_EMPTY, NULL}};
  SecBufferDesc dd = {SECBUFFER_VERSION, 4, d};
  ULONG qop = 0;
  EXPECT(DecryptMessage(&to->ctx, &dd, 0, &qop), SEC_E_OK);
  CHECK(d[1].BufferType == SECBUFFER_DATA && d[1].cbBuffer == n && memcmp(d[1].pvBuffer, text, n) == 0);
}

static void delegation(void) {
  CredHandle server, client;
  acquire_pair(&server, &client, (const unsigned short *)u"s3cret");
  static side c, s;
  memset(&c, 0, sizeof c);
  memset(&s, 0, sizeof s);
  c.client = 1;
  c.cred = &client;
  s.cred = &server;
  SECURITY_STATUS cst;
  EXPECT(converse(&c, &s, &cst), SEC_E_OK);
  EXPECT(cst, SEC_E_OK);
  CHECK((s.attrs & ASC_RET_DELEGATE) && (c.attrs & ISC_RET_DELEGATE));
  SecPkgContext_ClientCreds creds;
  EXPECT(QueryContextAttributesW(&s.ctx, SECPKG_ATTR_CREDS, &creds), SEC_E_OK);
  /* TSCredentials { [0] INTEGER 1 (password), [1] OCTET STRING { TSPasswordCreds } } */
  CHECK(creds.AuthBufferLen > 30 && creds.AuthBuffer[0] == 0x30 && creds.AuthBuffer[2] == 0xa0 &&
        creds.AuthBuffer[6] == 1);
  int found = 0; /* "s3cret" in UTF-16LE */
  for (ULONG i = 0; i + 12 <= creds.AuthBufferLen; i++)
    found |= memcmp(creds.AuthBuffer + i, "s\0003\0c\0r\0e\0t\0", 12) == 0;
  CHECK(found);
  EXPECT(FreeContextBuffer(creds.AuthBuffer), SEC_E_OK);
  SecPkgContext_PackageInfoW pi;
  EXPECT(QueryContextAttributesW(&c.ctx, SECPKG_ATTR_NEGOTIATION_PACKAGE, &pi), SEC_E_OK);
  CHECK(pi.PackageInfo && pi.PackageInfo->Name[0] == 'N' && pi.PackageInfo->wRPCID == 10);
  EXPECT(FreeContextBuffer(pi.PackageInfo), SEC_E_OK);
  SecPkgContext_NamesW names;
  EXPECT(QueryContextAttributesW(&s.ctx, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
  CHECK(names.sUserName && names.sUserName[0] == 'E');
  EXPECT(FreeContextBuffer(names.sUserName), SEC_E_OK);
  tls_message(&c, &s, "over the CredSSP channel");
  tls_message(&s, &c, "and back");
  EXPECT(DeleteSecurityContext(&c.ctx), SEC_E_OK);
  EXPECT(DeleteSecurityContext(&s.ctx), SEC_E_OK);
  EXPECT(FreeCredentialsHandle(&client), SEC_E_OK);
  EXPECT(FreeCredentialsHandle(&server), SEC_E_OK);
}

static void wrong_password(void) {
  CredHandle server, client;
  acquire_pair(&server, &client, (const unsigned short *)u"not-it");
  static side c, s;
  memset(&c, 0, sizeof c);
  memset(&s, 0, sizeof s);
  c.client = 1;
  c.cred = &client;
  s.cred = &server;
  SECURITY_STATUS cst;
  EXPECT(converse(&c, &s, &cst), SEC_E_LOGON_DENIED);
  EXPECT(cst, SEC_E_LOGON_DENIED); /* from the server's errorCode */
  DeleteSecurityContext(&c.ctx);
  DeleteSecurityContext(&s.ctx);
  EXPECT(FreeCredentialsHandle(&client), SEC_E_OK);
  EXPECT(FreeCredentialsHandle(&server), SEC_E_OK);
}

int main(int argc, char **argv) {
  const char *given = argc > 1 ? argv[1] : getenv("SSPI_RUSTLS_CERT_DIR");
  if (given) {
    snprintf(dir, sizeof dir, "%s", given);
  } else {
    char tmpl[] = "/tmp/sspi-rustls-credssp-XXXXXX";
    if (!mkdtemp(tmpl)) return 2;
    snprintf(dir, sizeof dir, "%s", tmpl);
    char script[4096];
    snprintf(script, sizeof script, "%s", __FILE__);
    char *slash = strrchr(script, '/');
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "sh '%.*s/make_cert_fixtures.sh' '%s'", slash ? (int)(slash - script) : 1,
             slash ? script : ".", dir);
    if (system(cmd) != 0) return 2;
  }
  char users[4200];
  snprintf(users, sizeof users, "%s/ntlm-users", dir);
  FILE *f = fopen(users, "w");
  if (!f) return 2;
  fputs("EXAMPLE:alice:s3cret\n", f);
  fclose(f);
  setenv("NTLM_USER_FILE", users, 1);
  setenv("KRB5_CONFIG", "/dev/null", 1);
  setenv("KRB5CCNAME", "FILE:/nonexistent/ccache", 1);
  PSecPkgInfoW info = NULL;
  EXPECT(QuerySecurityPackageInfoW((SEC_WCHAR *)CREDSSP_NAME_W, &info), SEC_E_OK);
  CHECK(info && info->fCapabilities == 0x00110733 && info->wRPCID == 0xFFFF && info->cbMaxToken == 90567);
  if (info) EXPECT(FreeContextBuffer(info), SEC_E_OK);
  delegation();
  wrong_password();
  printf("test_credssp: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
