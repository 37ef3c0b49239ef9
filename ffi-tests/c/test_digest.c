/* variants: c11 c11-unicode c++ c++-unicode */
/* The WDigest package through the C ABI, in memory, under AddressSanitizer +
 * UBSan + LeakSanitizer (run-c-tests.sh), written as a Windows program writes
 * it (TCHAR names, SEC_WINNT_AUTH_IDENTITY): its SecPkgInfo; SASL DIGEST-MD5
 * with auth-conf, both ends ours, with allocated and caller output buffers,
 * the attributes, EncryptMessage / DecryptMessage both ways in [TOKEN, DATA]
 * and the SASL wire order [STREAM, DATA], MakeSignature / VerifySignature,
 * tampering and replay refused without harming the context; HTTP Digest in
 * Microsoft's buffer layouts (TOKEN, then SECBUFFER_PKG_PARAMS): the
 * challenge, the Authorization, its check and Authentication-Info, the
 * client's rspauth check, later requests through MakeSignature /
 * VerifySignature (nc one more, a too-small token, a replay), a wrong
 * password, malformed parameters; every handle and block released. */
#define _POSIX_C_SOURCE 200809L
#define SECURITY_WIN32
#include <security.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
static int checks;
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

/* Microsoft's "InitializeSecurityContext (Digest)" / "AcceptSecurityContext (Digest)";
 * not in mingw-w64's headers (nor Windows' sspi.h). */
#define ISC_REQ_HTTP 0x10000000
#define ASC_REQ_HTTP 0x10000000
/* wdigest.h's WDIGEST_SP_NAME. */
#define DIGEST_NAME TEXT("WDigest")

#ifdef UNICODE
typedef uint16_t idchar;
#define IDENTITY_FLAGS SEC_WINNT_AUTH_IDENTITY_UNICODE
#else
typedef unsigned char idchar;
#define IDENTITY_FLAGS SEC_WINNT_AUTH_IDENTITY_ANSI
#endif

static ULONG tlen(const TCHAR *s) {
  ULONG n = 0;
  while (s[n]) n++;
  return n;
}

/* Whether buf[0..len) contains the ASCII string s. */
static int has(const unsigned char *buf, ULONG len, const char *s) {
  size_t n = strlen(s);
  for (size_t i = 0; i + n <= len; i++)
    if (memcmp(buf + i, s, n) == 0) return 1;
  return 0;
}

static int teq(const TCHAR *s, const char *ascii) {
  size_t i = 0;
  for (; ascii[i]; i++)
    if (s[i] != (TCHAR)ascii[i]) return 0;
  return s[i] == 0;
}

static SECURITY_STATUS acquire(ULONG use, const TCHAR *password, CredHandle *cred) {
  SEC_WINNT_AUTH_IDENTITY id;
  memset(&id, 0, sizeof id);
  const TCHAR *user = TEXT("alice"), *realm = TEXT("digest.test");
  id.User = (idchar *)(void *)user;
  id.UserLength = tlen(user);
  id.Domain = (idchar *)(void *)realm;
  id.DomainLength = tlen(realm);
  id.Password = (idchar *)(void *)password;
  id.PasswordLength = tlen(password);
  id.Flags = IDENTITY_FLAGS;
  TimeStamp expiry;
  return AcquireCredentialsHandle(NULL, (TCHAR *)DIGEST_NAME, use, NULL, &id, NULL, NULL, cred, &expiry);
}

static void package_info(void) {
  PSecPkgInfo info = NULL;
  EXPECT(QuerySecurityPackageInfo((TCHAR *)DIGEST_NAME, &info), SEC_E_OK);
  if (!info) return;
  CHECK(info->fCapabilities == 0x00800304 && info->wRPCID == 21 && info->cbMaxToken == 4096 && info->wVersion == 1);
  CHECK(teq(info->Name, "WDigest") && teq(info->Comment, "Digest Authentication for Windows"));
  EXPECT(FreeContextBuffer(info), SEC_E_OK);
}

/* ---- SASL DIGEST-MD5 ---- */

typedef struct {
  int client, started, allocate;
  CredHandle *cred;
  CtxtHandle ctx;
  ULONG attrs;
} side;

#define SASL_ISC (ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_MUTUAL_AUTH)
#define SASL_ASC (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY)

/* One step: in (NULL for none), out into out[*out_len]. */
static SECURITY_STATUS step(side *s, const unsigned char *in, ULONG in_len, unsigned char *out, ULONG *out_len) {
  SecBuffer inb = {in_len, SECBUFFER_TOKEN, (void *)in};
  SecBufferDesc ind = {SECBUFFER_VERSION, 1, &inb};
  unsigned char space[4096];
  SecBuffer outb = {s->allocate ? 0 : (ULONG)sizeof space, SECBUFFER_TOKEN, s->allocate ? NULL : space};
  SecBufferDesc outd = {SECBUFFER_VERSION, 1, &outb};
  TimeStamp expiry;
  SECURITY_STATUS st;
  if (s->client)
    st = InitializeSecurityContext(s->cred, s->started ? &s->ctx : NULL, (TCHAR *)TEXT("ldap/ldap.digest.test"),
                                   SASL_ISC | (s->allocate ? ISC_REQ_ALLOCATE_MEMORY : 0), 0, SECURITY_NATIVE_DREP,
                                   in ? &ind : NULL, 0, &s->ctx, &outd, &s->attrs, &expiry);
  else
    st = AcceptSecurityContext(s->cred, s->started ? &s->ctx : NULL, in ? &ind : NULL,
                               SASL_ASC | (s->allocate ? ASC_REQ_ALLOCATE_MEMORY : 0), SECURITY_NATIVE_DREP, &s->ctx,
                               &outd, &s->attrs, &expiry);
  *out_len = 0;
  if (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED) {
    s->started = 1;
    CHECK(outb.cbBuffer <= 4096);
    if (outb.cbBuffer) memcpy(out, outb.pvBuffer, outb.cbBuffer);
    *out_len = outb.cbBuffer;
  }
  if (s->allocate && outb.pvBuffer) EXPECT(FreeContextBuffer(outb.pvBuffer), SEC_E_OK);
  return st;
}

static void end(side *s) {
  if (s->started) EXPECT(DeleteSecurityContext(&s->ctx), SEC_E_OK);
  s->started = 0;
}

static void query_attributes(CtxtHandle *h) {
  SecPkgContext_Sizes sizes;
  EXPECT(QueryContextAttributes(h, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
  CHECK(sizes.cbMaxToken == 4096 && sizes.cbMaxSignature == 16 && sizes.cbSecurityTrailer == 16);
  SecPkgContext_Names names;
  EXPECT(QueryContextAttributes(h, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
  CHECK(teq(names.sUserName, "alice"));
  EXPECT(FreeContextBuffer(names.sUserName), SEC_E_OK);
  SecPkgContext_Lifespan life;
  EXPECT(QueryContextAttributes(h, SECPKG_ATTR_LIFESPAN, &life), SEC_E_OK);
  CHECK(life.tsExpiry.QuadPart > life.tsStart.QuadPart && life.tsStart.QuadPart > 0);
  SecPkgContext_NegotiationInfo ni;
  EXPECT(QueryContextAttributes(h, SECPKG_ATTR_NEGOTIATION_INFO, &ni), SEC_E_OK);
  CHECK(ni.NegotiationState == SECPKG_NEGOTIATION_COMPLETE && teq(ni.PackageInfo->Name, "WDigest"));
  EXPECT(FreeContextBuffer(ni.PackageInfo), SEC_E_OK);
  SecPkgContext_PackageInfo pi;
  EXPECT(QueryContextAttributes(h, SECPKG_ATTR_PACKAGE_INFO, &pi), SEC_E_OK);
  CHECK(pi.PackageInfo->wRPCID == 21);
  EXPECT(FreeContextBuffer(pi.PackageInfo), SEC_E_OK);
  SecPkgContext_SessionKey key;
  EXPECT(QueryContextAttributes(h, SECPKG_ATTR_SESSION_KEY, &key), SEC_E_UNSUPPORTED_FUNCTION);
}

/* [TOKEN, DATA] from `from` to `to`; tampering refused first when asked. */
static void message(CtxtHandle *from, CtxtHandle *to, int tamper) {
  char data[] = "a message through the auth-conf layer";
  unsigned char trailer[16];
  SecBuffer b[2] = {{sizeof trailer, SECBUFFER_TOKEN, trailer}, {(ULONG)strlen(data), SECBUFFER_DATA, data}};
  SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
  EXPECT(EncryptMessage(from, 0, &d, 0), SEC_E_OK);
  CHECK(b[0].cbBuffer == 16 && memcmp(data, "a message", 9) != 0);
  ULONG qop = 0xEEEE;
  if (tamper) {
    data[0] ^= 1;
    EXPECT(DecryptMessage(to, &d, 0, &qop), SEC_E_MESSAGE_ALTERED);
    data[0] ^= 1;
    b[0].cbBuffer = 16;
    b[1].cbBuffer = (ULONG)strlen("a message through the auth-conf layer");
  }
  EXPECT(DecryptMessage(to, &d, 0, &qop), SEC_E_OK);
  CHECK(qop == 0 && memcmp(data, "a message through the auth-conf layer", b[1].cbBuffer) == 0);
  /* The same message again: a replay (its sequence number is past). */
  EXPECT(EncryptMessage(from, 0, &d, 0), SEC_E_OK);
  unsigned char copy[64];
  unsigned char ctrailer[16];
  memcpy(copy, data, b[1].cbBuffer);
  memcpy(ctrailer, trailer, 16);
  EXPECT(DecryptMessage(to, &d, 0, &qop), SEC_E_OK);
  memcpy(data, copy, b[1].cbBuffer);
  memcpy(trailer, ctrailer, 16);
  b[0].cbBuffer = 16;
  EXPECT(DecryptMessage(to, &d, 0, &qop), SEC_E_OUT_OF_SEQUENCE);
}

/* The SASL wire order: the message, then the trailer, in one STREAM buffer. */
static void stream_message(CtxtHandle *from, CtxtHandle *to) {
  unsigned char wire[64];
  const char *text = "stream order";
  size_t n = strlen(text);
  memcpy(wire, text, n);
  SecBuffer b[2] = {{16, SECBUFFER_TOKEN, wire + n}, {(ULONG)n, SECBUFFER_DATA, wire}};
  SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
  EXPECT(EncryptMessage(from, 0, &d, 0), SEC_E_OK);
  SecBuffer r[2] = {{(ULONG)(n + 16), SECBUFFER_STREAM, wire}, {0, SECBUFFER_DATA, NULL}};
  SecBufferDesc rd = {SECBUFFER_VERSION, 2, r};
  ULONG qop = 0;
  EXPECT(DecryptMessage(to, &rd, 0, &qop), SEC_E_OK);
  CHECK(r[1].cbBuffer == n && r[1].pvBuffer == (void *)wire && memcmp(wire, text, n) == 0);
}

static void signatures(CtxtHandle *from, CtxtHandle *to) {
  char data[] = "signed";
  unsigned char sig[16];
  SecBuffer b[2] = {{sizeof sig, SECBUFFER_TOKEN, sig}, {6, SECBUFFER_DATA, data}};
  SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
  EXPECT(MakeSignature(from, 0, &d, 0), SEC_E_OK);
  CHECK(b[0].cbBuffer == 16 && memcmp(data, "signed", 6) == 0);
  ULONG qop = 0;
  data[1] = 'x';
  EXPECT(VerifySignature(to, &d, 0, &qop), SEC_E_MESSAGE_ALTERED);
  data[1] = 'i';
  EXPECT(VerifySignature(to, &d, 0, &qop), SEC_E_OK);
}

static void sasl_conversation(int allocate) {
  CredHandle cc, sc;
  EXPECT(acquire(SECPKG_CRED_OUTBOUND, TEXT("s3cret"), &cc), SEC_E_OK);
  EXPECT(acquire(SECPKG_CRED_INBOUND, TEXT("s3cret"), &sc), SEC_E_OK);
  side c = {1, 0, allocate, &cc, {0, 0}, 0}, s = {0, 0, allocate, &sc, {0, 0}, 0};
  unsigned char a[4096], b[4096];
  ULONG alen = 0, blen = 0;
  EXPECT(step(&c, NULL, 0, a, &alen), SEC_I_CONTINUE_NEEDED); /* no initial response */
  CHECK(alen == 0);
  EXPECT(step(&s, NULL, 0, b, &blen), SEC_I_CONTINUE_NEEDED);
  CHECK(blen > 0 && has(b, blen, "algorithm=md5-sess"));
  EXPECT(step(&c, b, blen, a, &alen), SEC_I_CONTINUE_NEEDED);
  CHECK(has(a, alen, "qop=auth-conf") && has(a, alen, "digest-uri=\"ldap/ldap.digest.test\""));
  EXPECT(step(&s, a, alen, b, &blen), SEC_E_OK);
  CHECK(blen > 8 && memcmp(b, "rspauth=", 8) == 0);
  CHECK(s.attrs & ASC_RET_CONFIDENTIALITY);
  EXPECT(step(&c, b, blen, a, &alen), SEC_E_OK);
  CHECK((c.attrs & ISC_RET_CONFIDENTIALITY) && (c.attrs & ISC_RET_MUTUAL_AUTH) && alen == 0);
  /* Done: another call is out of sequence. */
  EXPECT(step(&c, b, blen, a, &alen), SEC_E_OUT_OF_SEQUENCE);
  query_attributes(&c.ctx);
  query_attributes(&s.ctx);
  message(&c.ctx, &s.ctx, 1);
  message(&s.ctx, &c.ctx, 0);
  stream_message(&c.ctx, &s.ctx);
  signatures(&c.ctx, &s.ctx);
  signatures(&s.ctx, &c.ctx);
  end(&c);
  end(&s);
  EXPECT(FreeCredentialsHandle(&cc), SEC_E_OK);
  EXPECT(FreeCredentialsHandle(&sc), SEC_E_OK);
}

static void sasl_wrong_password(void) {
  CredHandle cc, sc;
  EXPECT(acquire(SECPKG_CRED_OUTBOUND, TEXT("wrong"), &cc), SEC_E_OK);
  EXPECT(acquire(SECPKG_CRED_INBOUND, TEXT("s3cret"), &sc), SEC_E_OK);
  side c = {1, 0, 1, &cc, {0, 0}, 0}, s = {0, 0, 0, &sc, {0, 0}, 0};
  unsigned char a[4096], b[4096];
  ULONG alen = 0, blen = 0;
  EXPECT(step(&s, NULL, 0, b, &blen), SEC_I_CONTINUE_NEEDED);
  EXPECT(step(&c, b, blen, a, &alen), SEC_I_CONTINUE_NEEDED);
  EXPECT(step(&s, a, alen, b, &blen), SEC_E_LOGON_DENIED);
  /* Malformed challenges and responses. */
  static const char *junk[] = {"realm=\"unterminated", "nonce=\"a\",nonce=\"b\"", "=x", "nonce=\"n\",qop=\"auth\""};
  for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
    side c2 = {1, 0, 0, &cc, {0, 0}, 0};
    EXPECT(step(&c2, NULL, 0, a, &alen), SEC_I_CONTINUE_NEEDED);
    SECURITY_STATUS st = step(&c2, (const unsigned char *)junk[i], (ULONG)strlen(junk[i]), a, &alen);
    if (st != SEC_E_INVALID_TOKEN) fprintf(stderr, "junk challenge %zu: 0x%08x\n", i, (unsigned)st);
    CHECK(st == SEC_E_INVALID_TOKEN); /* the last: no algorithm=md5-sess */
    end(&c2);
  }
  end(&c);
  end(&s);
  EXPECT(FreeCredentialsHandle(&cc), SEC_E_OK);
  EXPECT(FreeCredentialsHandle(&sc), SEC_E_OK);
}

/* ---- HTTP Digest ---- */

/* AcceptSecurityContext (Digest): TOKEN, then PKG_PARAMS method, request-URI, H(entity),
 * realm, algorithm. Output allocated; *out NUL-terminated. */
static SECURITY_STATUS http_asc(CredHandle *cred, CtxtHandle *ctx, int first, const char *token, const char *method,
                                const char *uri, const char *algorithm, char *out, size_t out_size) {
  SecBuffer inb[6] = {
      {(ULONG)strlen(token), SECBUFFER_TOKEN, (void *)token},
      {(ULONG)strlen(method), SECBUFFER_PKG_PARAMS, (void *)method},
      {(ULONG)strlen(uri), SECBUFFER_PKG_PARAMS, (void *)uri},
      {0, SECBUFFER_PKG_PARAMS, NULL},
      {0, SECBUFFER_PKG_PARAMS, NULL},
      {(ULONG)strlen(algorithm), SECBUFFER_PKG_PARAMS, (void *)algorithm},
  };
  SecBufferDesc ind = {SECBUFFER_VERSION, 6, inb};
  SecBuffer outb = {0, SECBUFFER_TOKEN, NULL};
  SecBufferDesc outd = {SECBUFFER_VERSION, 1, &outb};
  ULONG attrs = 0;
  TimeStamp ts;
  SECURITY_STATUS st = AcceptSecurityContext(cred, first ? NULL : ctx, &ind, ASC_REQ_HTTP | ASC_REQ_ALLOCATE_MEMORY,
                                             SECURITY_NATIVE_DREP, ctx, &outd, &attrs, &ts);
  out[0] = 0;
  if (outb.pvBuffer) {
    CHECK(outb.cbBuffer < out_size);
    if (outb.cbBuffer < out_size) {
      memcpy(out, outb.pvBuffer, outb.cbBuffer);
      out[outb.cbBuffer] = 0;
    }
    EXPECT(FreeContextBuffer(outb.pvBuffer), SEC_E_OK);
  }
  return st;
}

/* InitializeSecurityContext (Digest): TOKEN, then PKG_PARAMS method and H(entity); the target
 * name is the request-URI. Caller output buffer. */
static SECURITY_STATUS http_isc(CredHandle *cred, CtxtHandle *ctx, int first, const char *token, const char *uri,
                                char *out, size_t out_size) {
  char method[] = "GET";
  SecBuffer inb[3] = {{(ULONG)strlen(token), SECBUFFER_TOKEN, (void *)token},
                      {3, SECBUFFER_PKG_PARAMS, method},
                      {0, SECBUFFER_PKG_PARAMS, NULL}};
  SecBufferDesc ind = {SECBUFFER_VERSION, 3, inb};
  SecBuffer outb = {(ULONG)out_size - 1, SECBUFFER_TOKEN, out};
  SecBufferDesc outd = {SECBUFFER_VERSION, 1, &outb};
  ULONG attrs = 0;
  TimeStamp ts;
  TCHAR target[256];
  size_t i = 0;
  for (; uri[i] && i + 1 < sizeof target / sizeof *target; i++) target[i] = (TCHAR)uri[i];
  target[i] = 0;
  SECURITY_STATUS st = InitializeSecurityContext(cred, first ? NULL : ctx, target, ISC_REQ_HTTP, 0,
                                                 SECURITY_NATIVE_DREP, &ind, 0, ctx, &outd, &attrs, &ts);
  out[st == SEC_E_OK ? outb.cbBuffer : 0] = 0;
  return st;
}

/* MakeSignature (client) / VerifySignature (server) for a later request. */
static SECURITY_STATUS http_message(CtxtHandle *ctx, int sign, char *token, ULONG token_size, const char *method,
                                    const char *uri) {
  SecBuffer b[5] = {{sign ? token_size : (ULONG)strlen(token), SECBUFFER_TOKEN, token},
                    {(ULONG)strlen(method), SECBUFFER_PKG_PARAMS, (void *)method},
                    {(ULONG)strlen(uri), SECBUFFER_PKG_PARAMS, (void *)uri},
                    {0, SECBUFFER_PKG_PARAMS, NULL},
                    {0, SECBUFFER_PADDING, NULL}};
  SecBufferDesc d = {SECBUFFER_VERSION, 5, b};
  if (!sign) {
    ULONG qop = 0;
    return VerifySignature(ctx, &d, 0, &qop);
  }
  SECURITY_STATUS st = MakeSignature(ctx, 0, &d, 0);
  if (st == SEC_E_OK) {
    CHECK(b[0].cbBuffer < token_size);
    token[b[0].cbBuffer] = 0;
  }
  return st;
}

static void http_conversation(const char *algorithm) {
  CredHandle cc, sc;
  CtxtHandle c, s;
  EXPECT(acquire(SECPKG_CRED_OUTBOUND, TEXT("s3cret"), &cc), SEC_E_OK);
  EXPECT(acquire(SECPKG_CRED_INBOUND, TEXT("s3cret"), &sc), SEC_E_OK);
  static char challenge[4096], auth[4096], info[4096], later[4096];
  EXPECT(http_asc(&sc, &s, 1, "", "GET", "", algorithm, challenge, sizeof challenge), SEC_I_CONTINUE_NEEDED);
  CHECK(strstr(challenge, "realm=\"digest.test\"") && strstr(challenge, "nonce=\"") && strstr(challenge, algorithm));
  EXPECT(http_isc(&cc, &c, 1, challenge, "/docs/index.html", auth, sizeof auth), SEC_E_OK);
  CHECK(strstr(auth, "uri=\"/docs/index.html\"") && strstr(auth, "nc=00000001") && strstr(auth, "response=\""));
  /* Another request-URI than the one signed: refused (a first call makes no context). */
  CtxtHandle other;
  EXPECT(http_asc(&sc, &other, 1, auth, "GET", "/elsewhere", "", info, sizeof info), SEC_E_LOGON_DENIED);
  EXPECT(http_asc(&sc, &s, 0, auth, "GET", "/docs/index.html", algorithm, info, sizeof info), SEC_E_OK);
  CHECK(strncmp(info, "rspauth=\"", 9) == 0);
  /* The client checks rspauth: the server authenticated. */
  static char ignored[64];
  EXPECT(http_isc(&cc, &c, 0, info, "/docs/index.html", ignored, sizeof ignored), SEC_E_OK);
  SecPkgContext_Names names;
  EXPECT(QueryContextAttributes(&s, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
  CHECK(teq(names.sUserName, "alice"));
  EXPECT(FreeContextBuffer(names.sUserName), SEC_E_OK);
  /* Later requests. */
  EXPECT(http_message(&c, 1, later, 16, "GET", "/docs/2.html"), SEC_E_BUFFER_TOO_SMALL);
  EXPECT(http_message(&c, 1, later, sizeof later, "GET", "/docs/2.html"), SEC_E_OK);
  CHECK(strstr(later, "nc=00000002") && strstr(later, "uri=\"/docs/2.html\""));
  EXPECT(http_message(&s, 0, later, 0, "POST", "/docs/2.html"), SEC_E_MESSAGE_ALTERED);
  EXPECT(http_message(&s, 0, later, 0, "GET", "/docs/2.html"), SEC_E_OK);
  EXPECT(http_message(&s, 0, later, 0, "GET", "/docs/2.html"), SEC_E_OUT_OF_SEQUENCE);
  /* No message layer over HTTP. */
  char data[4] = "abc";
  unsigned char trailer[16];
  SecBuffer b[2] = {{16, SECBUFFER_TOKEN, trailer}, {3, SECBUFFER_DATA, data}};
  SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
  EXPECT(EncryptMessage(&c, 0, &d, 0), SEC_E_UNSUPPORTED_FUNCTION);
  EXPECT(DeleteSecurityContext(&c), SEC_E_OK);
  EXPECT(DeleteSecurityContext(&s), SEC_E_OK);
  /* A wrong password; malformed Authorization parameters. */
  CredHandle bad;
  EXPECT(acquire(SECPKG_CRED_OUTBOUND, TEXT("wrong"), &bad), SEC_E_OK);
  EXPECT(http_asc(&sc, &s, 1, "", "GET", "", algorithm, challenge, sizeof challenge), SEC_I_CONTINUE_NEEDED);
  EXPECT(http_isc(&bad, &c, 1, challenge, "/", auth, sizeof auth), SEC_E_OK);
  EXPECT(http_asc(&sc, &s, 0, auth, "GET", "", algorithm, info, sizeof info), SEC_E_LOGON_DENIED);
  EXPECT(DeleteSecurityContext(&s), SEC_E_OK); /* the failed context is still the caller's to delete */
  EXPECT(DeleteSecurityContext(&c), SEC_E_OK);
  static const char *junk[] = {"username=\"alice", "nonce=1,nonce=2", "a b c", "realm=\"digest.test\""};
  for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
    CtxtHandle j;
    EXPECT(http_asc(&sc, &j, 1, junk[i], "GET", "", "", info, sizeof info), SEC_E_INVALID_TOKEN);
  }
  EXPECT(FreeCredentialsHandle(&bad), SEC_E_OK);
  EXPECT(FreeCredentialsHandle(&cc), SEC_E_OK);
  EXPECT(FreeCredentialsHandle(&sc), SEC_E_OK);
}

int main(void) {
  package_info();
  sasl_conversation(1);
  sasl_conversation(0);
  sasl_wrong_password();
  http_conversation("MD5");
  http_conversation("SHA-256-sess");
  printf("test_digest: %d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
