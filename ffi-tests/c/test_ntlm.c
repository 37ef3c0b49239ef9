/* variants: c11 c11-unicode c++ c++-unicode */
/* A whole NTLM conversation through the C ABI, in memory, under
 * AddressSanitizer + UBSan + LeakSanitizer (run-c-tests.sh), written as a
 * Windows program writes it (TCHAR names, SEC_WINNT_AUTH_IDENTITY, the
 * NTLMSP_NAME macros): the package's SecPkgInfo, both ends ours with allocated
 * and caller output buffers (a too-small one retried), the attributes a program
 * queries (strings and keys freed as documented), MakeSignature /
 * VerifySignature and EncryptMessage / DecryptMessage both ways with
 * cbSecurityTrailer-sized tokens, PADDING, sign-only wrapping and the
 * [STREAM, DATA] unwrap, tampering and replay refused without harming the
 * context, a wrong password, mismatched channel bindings, malformed tokens,
 * and every handle and block released. Any memory error, undefined behaviour
 * or definite leak fails the run. */
#define _POSIX_C_SOURCE 200809L
#define SECURITY_WIN32
#include <security.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;
static int checks;
#define CHECK(cond)                                                                      \
  do {                                                                                   \
    checks++;                                                                            \
    if (!(cond)) {                                                                       \
      failures++;                                                                        \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);           \
    }                                                                                    \
  } while (0)
#define EXPECT(expr, want)                                                               \
  do {                                                                                   \
    SECURITY_STATUS got_ = (expr);                                                       \
    checks++;                                                                            \
    if (got_ != (SECURITY_STATUS)(want)) {                                               \
      failures++;                                                                        \
      fprintf(stderr, "%s:%d: %s = 0x%08x, expected %s\n", __FILE__, __LINE__, #expr,    \
              (unsigned)got_, #want);                                                    \
    }                                                                                    \
  } while (0)

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

/* A TCHAR string compared with an ASCII one. */
static int teq(const TCHAR *s, const char *ascii) {
  size_t i = 0;
  for (; ascii[i]; i++)
    if (s[i] != (TCHAR)ascii[i]) return 0;
  return s[i] == 0;
}

/* The package the credentials are for: NTLM, or Negotiate (NTLM inside SPNEGO). */
static const TCHAR *package = TEXT("NTLM");

static SECURITY_STATUS acquire(ULONG use, const TCHAR *user, const TCHAR *domain, const TCHAR *password,
                               CredHandle *cred) {
  SEC_WINNT_AUTH_IDENTITY id;
  memset(&id, 0, sizeof id);
  if (user) {
    id.User = (idchar *)(void *)user;
    id.UserLength = tlen(user);
    id.Domain = (idchar *)(void *)domain;
    id.DomainLength = tlen(domain);
    id.Password = (idchar *)(void *)password;
    id.PasswordLength = tlen(password);
    id.Flags = IDENTITY_FLAGS;
  }
  TimeStamp expiry;
  return AcquireCredentialsHandle(NULL, (TCHAR *)package, use, NULL, user ? &id : NULL, NULL, NULL, cred, &expiry);
}

typedef struct {
  int client;
  int started;
  CredHandle *cred;
  CtxtHandle ctx;
  ULONG attrs;
  int allocate;
  const unsigned char *bindings; /* SEC_CHANNEL_BINDINGS + data, or NULL */
  ULONG bindings_len;
} side;

#define ISC_FLAGS                                                                                   \
  (ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT | \
   ISC_REQ_CONNECTION)
#define ASC_FLAGS                                                                                   \
  (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT | \
   ASC_REQ_CONNECTION)

/* One step: the peer's token in (NULL on the client's first call), ours out
 * into out[*out_len] (at most 4096 bytes). Caller buffers start at 16 bytes:
 * SEC_E_BUFFER_TOO_SMALL must change nothing, and the retry succeeds. */
static SECURITY_STATUS step(side *s, const unsigned char *in, ULONG in_len, unsigned char *out, ULONG *out_len) {
  SecBuffer inb[2];
  inb[0].BufferType = SECBUFFER_TOKEN;
  inb[0].cbBuffer = in_len;
  inb[0].pvBuffer = (void *)in;
  inb[1].BufferType = SECBUFFER_CHANNEL_BINDINGS;
  inb[1].cbBuffer = s->bindings_len;
  inb[1].pvBuffer = (void *)s->bindings;
  SecBufferDesc ind = {SECBUFFER_VERSION, s->bindings ? 2u : 1u, inb};
  ULONG size = 16;
  for (;;) {
    unsigned char space[4096];
    SecBuffer outb = {s->allocate ? 0 : size, SECBUFFER_TOKEN, s->allocate ? NULL : space};
    SecBufferDesc outd = {SECBUFFER_VERSION, 1, &outb};
    TimeStamp expiry;
    SECURITY_STATUS st;
    if (s->client) {
      ULONG flags = ISC_FLAGS | (s->allocate ? ISC_REQ_ALLOCATE_MEMORY : 0);
      st = InitializeSecurityContext(s->cred, s->started ? &s->ctx : NULL, (TCHAR *)TEXT("HTTP/server.test"), flags,
                                     0, SECURITY_NATIVE_DREP, in ? &ind : NULL, 0, &s->ctx, &outd, &s->attrs,
                                     &expiry);
    } else {
      ULONG flags = ASC_FLAGS | (s->allocate ? ASC_REQ_ALLOCATE_MEMORY : 0);
      st = AcceptSecurityContext(s->cred, s->started ? &s->ctx : NULL, &ind, flags, SECURITY_NATIVE_DREP, &s->ctx,
                                 &outd, &s->attrs, &expiry);
    }
    if (st == SEC_E_BUFFER_TOO_SMALL && !s->allocate && size < sizeof space) {
      CHECK(size == 16);
      size = sizeof space;
      continue;
    }
    if (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED) {
      s->started = 1;
      CHECK(outb.cbBuffer <= 4096);
      memcpy(out, outb.pvBuffer ? outb.pvBuffer : space, outb.cbBuffer);
      *out_len = outb.cbBuffer;
      CHECK(!s->allocate || (s->attrs & (s->client ? ISC_RET_ALLOCATED_MEMORY : ASC_RET_ALLOCATED_MEMORY)));
    } else {
      *out_len = 0;
    }
    if (s->allocate && outb.pvBuffer) EXPECT(FreeContextBuffer(outb.pvBuffer), SEC_E_OK);
    return st;
  }
}

/* The three legs; returns the server's last status. */
static SECURITY_STATUS converse(side *c, side *s) {
  unsigned char a[4096], b[4096];
  ULONG alen = 0, blen = 0;
  EXPECT(step(c, NULL, 0, a, &alen), SEC_I_CONTINUE_NEEDED);
  CHECK(alen == 40 && memcmp(a, "NTLMSSP\0\1", 9) == 0);
  EXPECT(step(s, a, alen, b, &blen), SEC_I_CONTINUE_NEEDED);
  CHECK(blen > 48 && memcmp(b, "NTLMSSP\0\2", 9) == 0);
  EXPECT(step(c, b, blen, a, &alen), SEC_E_OK);
  CHECK(alen > 88 && memcmp(a, "NTLMSSP\0\3", 9) == 0);
  SECURITY_STATUS st = step(s, a, alen, b, &blen);
  if (st == SEC_E_OK) CHECK(blen == 0);
  return st;
}

static void end(side *s) {
  if (s->started) EXPECT(DeleteSecurityContext(&s->ctx), SEC_E_OK);
  s->started = 0;
}

static void query_attributes(side *c, side *s) {
  side *both[2] = {c, s};
  unsigned char keys[2][16];
  for (int i = 0; i < 2; i++) {
    CtxtHandle *h = &both[i]->ctx;
    SecPkgContext_Sizes sizes;
    EXPECT(QueryContextAttributes(h, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
    CHECK(sizes.cbMaxToken == 2888 && sizes.cbMaxSignature == 16 && sizes.cbSecurityTrailer == 16);
    SecPkgContext_Names names;
    EXPECT(QueryContextAttributes(h, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    CHECK(teq(names.sUserName, "EXAMPLE\\alice"));
    EXPECT(FreeContextBuffer(names.sUserName), SEC_E_OK);
    SecPkgContext_NativeNames native;
    EXPECT(QueryContextAttributes(h, SECPKG_ATTR_NATIVE_NAMES, &native), SEC_E_OK);
    CHECK(teq(native.sClientName, "EXAMPLE\\alice"));
    if (i == 0) CHECK(teq(native.sServerName, "HTTP/server.test"));
    EXPECT(FreeContextBuffer(native.sClientName), SEC_E_OK);
    EXPECT(FreeContextBuffer(native.sServerName), SEC_E_OK);
    SecPkgContext_SessionKey key;
    EXPECT(QueryContextAttributes(h, SECPKG_ATTR_SESSION_KEY, &key), SEC_E_OK);
    CHECK(key.SessionKeyLength == 16);
    if (key.SessionKeyLength == 16) memcpy(keys[i], key.SessionKey, 16);
    EXPECT(FreeContextBuffer(key.SessionKey), SEC_E_OK);
    SecPkgContext_Flags flags;
    EXPECT(QueryContextAttributes(h, SECPKG_ATTR_FLAGS, &flags), SEC_E_OK);
    CHECK(flags.Flags == both[i]->attrs);
    SecPkgContext_Lifespan life;
    EXPECT(QueryContextAttributes(h, SECPKG_ATTR_LIFESPAN, &life), SEC_E_OK);
    CHECK(life.tsExpiry.QuadPart > life.tsStart.QuadPart);
    SecPkgContext_PackageInfo pkg;
    EXPECT(QueryContextAttributes(h, SECPKG_ATTR_PACKAGE_INFO, &pkg), SEC_E_OK);
    CHECK(pkg.PackageInfo && teq(pkg.PackageInfo->Name, "NTLM") && pkg.PackageInfo->wRPCID == 10);
    EXPECT(FreeContextBuffer(pkg.PackageInfo), SEC_E_OK);
    SecPkgContext_NegotiationInfo neg;
    EXPECT(QueryContextAttributes(h, SECPKG_ATTR_NEGOTIATION_INFO, &neg), SEC_E_OK);
    CHECK(neg.NegotiationState == SECPKG_NEGOTIATION_COMPLETE && teq(neg.PackageInfo->Name, "NTLM"));
    EXPECT(FreeContextBuffer(neg.PackageInfo), SEC_E_OK);
    SecPkgContext_StreamSizes stream;
    EXPECT(QueryContextAttributes(h, SECPKG_ATTR_STREAM_SIZES, &stream), SEC_E_UNSUPPORTED_FUNCTION);
  }
  CHECK(memcmp(keys[0], keys[1], 16) == 0);
  CHECK(c->attrs & ISC_RET_CONFIDENTIALITY && c->attrs & ISC_RET_INTEGRITY);
  CHECK(s->attrs & ASC_RET_CONFIDENTIALITY && s->attrs & ASC_RET_INTEGRITY);
}

static void signatures(CtxtHandle *from, CtxtHandle *to) {
  char msg[] = "a message to sign";
  unsigned char sig[16];
  SecBuffer b[2] = {{sizeof msg, SECBUFFER_DATA, msg}, {sizeof sig, SECBUFFER_TOKEN, sig}};
  SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
  ULONG qop = 0;
  for (int i = 0; i < 3; i++) {
    b[1].cbBuffer = sizeof sig;
    EXPECT(MakeSignature(from, 0, &d, 0), SEC_E_OK);
    CHECK(b[1].cbBuffer == 16 && sig[0] == 1 && sig[1] == 0);
    EXPECT(VerifySignature(to, &d, 0, &qop), SEC_E_OK);
  }
  /* Changed, replayed, reordered: refused, and the context goes on. */
  EXPECT(MakeSignature(from, 0, &d, 0), SEC_E_OK);
  msg[0] ^= 1;
  EXPECT(VerifySignature(to, &d, 0, &qop), SEC_E_MESSAGE_ALTERED);
  msg[0] ^= 1;
  EXPECT(VerifySignature(to, &d, 0, &qop), SEC_E_OK);
  EXPECT(VerifySignature(to, &d, 0, &qop), SEC_E_OUT_OF_SEQUENCE);
  unsigned char first[16];
  EXPECT(MakeSignature(from, 0, &d, 0), SEC_E_OK);
  memcpy(first, sig, 16);
  EXPECT(MakeSignature(from, 0, &d, 0), SEC_E_OK);
  EXPECT(VerifySignature(to, &d, 0, &qop), SEC_E_OUT_OF_SEQUENCE);
  unsigned char second[16];
  memcpy(second, sig, 16);
  memcpy(sig, first, 16);
  EXPECT(VerifySignature(to, &d, 0, &qop), SEC_E_OK);
  memcpy(sig, second, 16);
  EXPECT(VerifySignature(to, &d, 0, &qop), SEC_E_OK);
  /* A signature token shorter than cbMaxSignature. */
  b[1].cbBuffer = 8;
  SECURITY_STATUS st = MakeSignature(from, 0, &d, 0);
  CHECK(st == SEC_E_BUFFER_TOO_SMALL || st == SEC_E_INVALID_TOKEN);
}

static void sealing(CtxtHandle *from, CtxtHandle *to, size_t len) {
  SecPkgContext_Sizes sizes;
  EXPECT(QueryContextAttributes(from, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
  unsigned char *trailer = (unsigned char *)malloc(sizes.cbSecurityTrailer);
  unsigned char *data = (unsigned char *)malloc(len + 1);
  unsigned char *orig = (unsigned char *)malloc(len + 1);
  unsigned char pad[16];
  for (size_t i = 0; i < len; i++) orig[i] = data[i] = (unsigned char)(i * 7 + 3);
  SecBuffer b[3] = {{sizes.cbSecurityTrailer, SECBUFFER_TOKEN, trailer},
                    {(ULONG)len, SECBUFFER_DATA, data},
                    {sizeof pad, SECBUFFER_PADDING, pad}};
  SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
  EXPECT(EncryptMessage(from, 0, &d, 0), SEC_E_OK);
  CHECK(b[0].cbBuffer == 16 && b[1].cbBuffer == len && b[2].cbBuffer == 0);
  if (len >= 16) CHECK(memcmp(data, orig, len) != 0);
  /* A flipped bit: refused, the ciphertext left as it was, and the genuine one decrypts. */
  ULONG qop = 99;
  d.cBuffers = 2;
  if (len > 0) {
    data[len / 2] ^= 0x40;
    EXPECT(DecryptMessage(to, &d, 0, &qop), SEC_E_MESSAGE_ALTERED);
    data[len / 2] ^= 0x40;
  }
  EXPECT(DecryptMessage(to, &d, 0, &qop), SEC_E_OK);
  CHECK(qop == 0 && b[1].cbBuffer == len && memcmp(data, orig, len) == 0);
  free(trailer);
  free(data);
  free(orig);
}

static void wrap_variants(CtxtHandle *from, CtxtHandle *to) {
  /* Sign-only: the data stays clear, and DecryptMessage says so. */
  unsigned char token[16];
  char text[] = "clear but signed";
  SecBuffer b[2] = {{16, SECBUFFER_TOKEN, token}, {sizeof text, SECBUFFER_DATA, text}};
  SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
  EXPECT(EncryptMessage(from, SECQOP_WRAP_NO_ENCRYPT, &d, 0), SEC_E_OK);
  CHECK(strcmp(text, "clear but signed") == 0);
  ULONG qop = 0;
  EXPECT(DecryptMessage(to, &d, 0, &qop), SEC_E_OK);
  CHECK(qop == SECQOP_WRAP_NO_ENCRYPT);
  EXPECT(EncryptMessage(from, 0x1234, &d, 0), SEC_E_QOP_NOT_SUPPORTED);
  /* One blob, [STREAM, DATA]: the signature then the ciphertext; DATA is pointed inside. */
  unsigned char blob[16 + sizeof text];
  b[1].cbBuffer = sizeof text;
  EXPECT(EncryptMessage(from, 0, &d, 0), SEC_E_OK);
  memcpy(blob, token, 16);
  memcpy(blob + 16, text, sizeof text);
  SecBuffer sb[2] = {{sizeof blob, SECBUFFER_STREAM, blob}, {0, SECBUFFER_DATA, NULL}};
  SecBufferDesc sd = {SECBUFFER_VERSION, 2, sb};
  EXPECT(DecryptMessage(to, &sd, 0, &qop), SEC_E_OK);
  CHECK(sb[1].pvBuffer == blob + 16 && sb[1].cbBuffer == sizeof text &&
        memcmp(sb[1].pvBuffer, "clear but signed", sizeof text) == 0);
}

static void malformed(CredHandle *ccred, CredHandle *scred) {
  /* A truncated NEGOTIATE, then a CHALLENGE that is not one: SEC_E_INVALID_TOKEN, no context. */
  side s = {0, 0, scred, {0, 0}, 0, 1, NULL, 0};
  unsigned char out[4096];
  ULONG n;
  static const unsigned char short_negotiate[] = "NTLMSSP\0\1\0\0\0";
  EXPECT(step(&s, short_negotiate, 12, out, &n), SEC_E_INVALID_TOKEN);
  CHECK(!s.started);
  side c = {1, 0, ccred, {0, 0}, 0, 1, NULL, 0};
  EXPECT(step(&c, NULL, 0, out, &n), SEC_I_CONTINUE_NEEDED);
  unsigned char bad_challenge[64];
  memset(bad_challenge, 0xff, sizeof bad_challenge);
  memcpy(bad_challenge, "NTLMSSP\0\2\0\0\0", 12);
  EXPECT(step(&c, bad_challenge, sizeof bad_challenge, out, &n), SEC_E_INVALID_TOKEN);
  end(&c);
  end(&s);
}

static void conversation(int allocate) {
  CredHandle ccred, scred;
  EXPECT(acquire(SECPKG_CRED_OUTBOUND, TEXT("alice"), TEXT("EXAMPLE"), TEXT("s3cret"), &ccred), SEC_E_OK);
  EXPECT(acquire(SECPKG_CRED_INBOUND, NULL, NULL, NULL, &scred), SEC_E_OK);
  side c = {1, 0, &ccred, {0, 0}, 0, allocate, NULL, 0};
  side s = {0, 0, &scred, {0, 0}, 0, allocate, NULL, 0};
  EXPECT(converse(&c, &s), SEC_E_OK);
  query_attributes(&c, &s);
  signatures(&c.ctx, &s.ctx);
  signatures(&s.ctx, &c.ctx);
  static const size_t lens[] = {0, 1, 100, 16384, 70000};
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    sealing(&c.ctx, &s.ctx, lens[i]);
    sealing(&s.ctx, &c.ctx, lens[i]);
  }
  wrap_variants(&c.ctx, &s.ctx);
  wrap_variants(&s.ctx, &c.ctx);
  end(&c);
  end(&s);
  malformed(&ccred, &scred);
  EXPECT(FreeCredentialsHandle(&ccred), SEC_E_OK);
  EXPECT(FreeCredentialsHandle(&scred), SEC_E_OK);
}

/* Negotiate: NTLM inside SPNEGO (a target Kerberos cannot serve here: no realm). Four legs,
 * the acceptor's accept-completed (its mechListMIC) the last; caller buffers start at 16
 * bytes, and a retry after SEC_E_BUFFER_TOO_SMALL gets the token the step made. */
static void negotiate_conversation(int allocate) {
  package = TEXT("Negotiate");
  CredHandle ccred, scred;
  EXPECT(acquire(SECPKG_CRED_OUTBOUND, TEXT("alice"), TEXT("EXAMPLE"), TEXT("s3cret"), &ccred), SEC_E_OK);
  EXPECT(acquire(SECPKG_CRED_INBOUND, NULL, NULL, NULL, &scred), SEC_E_OK);
  side c = {1, 0, &ccred, {0, 0}, 0, allocate, NULL, 0};
  side s = {0, 0, &scred, {0, 0}, 0, allocate, NULL, 0};
  unsigned char a[4096], b[4096];
  ULONG alen = 0, blen = 0;
  EXPECT(step(&c, NULL, 0, a, &alen), SEC_I_CONTINUE_NEEDED);
  CHECK(alen > 16 && a[0] == 0x60);
  EXPECT(step(&s, a, alen, b, &blen), SEC_I_CONTINUE_NEEDED);
  EXPECT(step(&c, b, blen, a, &alen), SEC_I_CONTINUE_NEEDED);
  EXPECT(step(&s, a, alen, b, &blen), SEC_E_OK);
  CHECK(blen > 0);
  EXPECT(step(&c, b, blen, a, &alen), SEC_E_OK);
  CHECK(alen == 0);
  SecPkgContext_NegotiationInfo neg;
  EXPECT(QueryContextAttributes(&c.ctx, SECPKG_ATTR_NEGOTIATION_INFO, &neg), SEC_E_OK);
  CHECK(neg.NegotiationState == SECPKG_NEGOTIATION_COMPLETE && teq(neg.PackageInfo->Name, "NTLM"));
  EXPECT(FreeContextBuffer(neg.PackageInfo), SEC_E_OK);
  signatures(&c.ctx, &s.ctx);
  signatures(&s.ctx, &c.ctx);
  sealing(&c.ctx, &s.ctx, 100);
  sealing(&s.ctx, &c.ctx, 16384);
  wrap_variants(&c.ctx, &s.ctx);
  end(&c);
  end(&s);
  EXPECT(FreeCredentialsHandle(&ccred), SEC_E_OK);
  EXPECT(FreeCredentialsHandle(&scred), SEC_E_OK);
  package = TEXT("NTLM");
}

/* The SASL wrappers in C: the profiles, and GSS-SPNEGO over Negotiate (NTLM inside: the
 * plain loop, no security-layer blocks) with the options on the context they made. */
static void sasl_calls(void) {
  TCHAR *list = NULL;
  ULONG n = 0;
  EXPECT(SaslEnumerateProfiles(&list, &n), SEC_E_OK);
  CHECK(n == 3 && list && teq(list, "GSSAPI") && teq(list + 7, "GSS-SPNEGO") && teq(list + 18, "DIGEST-MD5") &&
        list[29] == 0);
  EXPECT(FreeContextBuffer(list), SEC_E_OK);
  PSecPkgInfo info = NULL;
  EXPECT(SaslGetProfilePackage((TCHAR *)TEXT("GSS-SPNEGO"), &info), SEC_E_OK);
  CHECK(info && teq(info->Name, "Negotiate"));
  EXPECT(FreeContextBuffer(info), SEC_E_OK);
  EXPECT(SaslGetProfilePackage((TCHAR *)TEXT("PLAIN"), &info), SEC_E_SECPKG_NOT_FOUND);

  package = TEXT("Negotiate");
  CredHandle ccred, scred;
  EXPECT(acquire(SECPKG_CRED_OUTBOUND, TEXT("alice"), TEXT("EXAMPLE"), TEXT("s3cret"), &ccred), SEC_E_OK);
  EXPECT(acquire(SECPKG_CRED_INBOUND, NULL, NULL, NULL, &scred), SEC_E_OK);
  CtxtHandle c, s;
  unsigned char a[4096], b[4096];
  ULONG alen = 0, blen = 0, attrs = 0;
  SECURITY_STATUS cst = SEC_I_CONTINUE_NEEDED, sst = SEC_I_CONTINUE_NEEDED;
  for (int leg = 0; leg < 6 && (cst != SEC_E_OK || sst != SEC_E_OK); leg++) {
    SecBuffer inb = {leg % 2 ? alen : blen, SECBUFFER_TOKEN, leg % 2 ? a : b};
    SecBufferDesc ind = {SECBUFFER_VERSION, 1, &inb};
    SecBuffer outb = {sizeof a, SECBUFFER_TOKEN, leg % 2 ? b : a};
    SecBufferDesc outd = {SECBUFFER_VERSION, 1, &outb};
    TimeStamp ts;
    if (leg % 2 == 0) {
      cst = SaslInitializeSecurityContext(&ccred, leg ? &c : NULL, (TCHAR *)TEXT("localhost"), ISC_FLAGS, 0,
                                          SECURITY_NATIVE_DREP, leg ? &ind : NULL, 0, &c, &outd, &attrs, &ts);
      CHECK(cst == SEC_E_OK || cst == SEC_I_CONTINUE_NEEDED);
      alen = outb.cbBuffer;
    } else {
      sst = SaslAcceptSecurityContext(&scred, leg > 1 ? &s : NULL, &ind, ASC_FLAGS, SECURITY_NATIVE_DREP, &s, &outd,
                                      &attrs, &ts);
      CHECK(sst == SEC_E_OK || sst == SEC_I_CONTINUE_NEEDED);
      blen = outb.cbBuffer;
    }
  }
  CHECK(cst == SEC_E_OK && sst == SEC_E_OK);
  ULONG size = 0, needed = 0, want = 4096;
  EXPECT(SaslSetContextOption(&s, SASL_OPTION_RECV_SIZE, &want, sizeof want), SEC_E_OK);
  EXPECT(SaslGetContextOption(&s, SASL_OPTION_RECV_SIZE, &size, sizeof size, &needed), SEC_E_OK);
  CHECK(size == 4096 && needed == 4);
  SASL_AUTHZID_STATE processing = Sasl_AuthZIDProcessed;
  EXPECT(SaslSetContextOption(&s, SASL_OPTION_AUTHZ_PROCESSING, &processing, sizeof processing), SEC_E_OK);
  EXPECT(SaslGetContextOption(&s, SASL_OPTION_AUTHZ_STRING, &size, 0, &needed), SEC_E_OK);
  CHECK(needed == 0);
  signatures(&c, &s);
  sealing(&s, &c, 1000);
  EXPECT(DeleteSecurityContext(&c), SEC_E_OK);
  EXPECT(DeleteSecurityContext(&s), SEC_E_OK);
  EXPECT(FreeCredentialsHandle(&ccred), SEC_E_OK);
  EXPECT(FreeCredentialsHandle(&scred), SEC_E_OK);
  package = TEXT("NTLM");
}

static void wrong_password(void) {
  CredHandle ccred, scred;
  EXPECT(acquire(SECPKG_CRED_OUTBOUND, TEXT("alice"), TEXT("EXAMPLE"), TEXT("not-it"), &ccred), SEC_E_OK);
  EXPECT(acquire(SECPKG_CRED_INBOUND, NULL, NULL, NULL, &scred), SEC_E_OK);
  side c = {1, 0, &ccred, {0, 0}, 0, 1, NULL, 0};
  side s = {0, 0, &scred, {0, 0}, 0, 1, NULL, 0};
  EXPECT(converse(&c, &s), SEC_E_LOGON_DENIED);
  end(&c);
  /* The server's context failed: deleting it is still defined. */
  DeleteSecurityContext(&s.ctx);
  EXPECT(FreeCredentialsHandle(&ccred), SEC_E_OK);
  EXPECT(FreeCredentialsHandle(&scred), SEC_E_OK);
}

static void bindings(void) {
  unsigned char cb_s[sizeof(SEC_CHANNEL_BINDINGS) + 32], cb_c[sizeof(SEC_CHANNEL_BINDINGS) + 32];
  SEC_CHANNEL_BINDINGS hdr;
  memset(&hdr, 0, sizeof hdr);
  hdr.cbApplicationDataLength = 32;
  hdr.dwApplicationDataOffset = sizeof hdr;
  memcpy(cb_s, &hdr, sizeof hdr);
  memcpy(cb_c, &hdr, sizeof hdr);
  for (int i = 0; i < 32; i++) cb_s[sizeof hdr + i] = cb_c[sizeof hdr + i] = (unsigned char)i;
  for (int differ = 0; differ < 2; differ++) {
    cb_c[sizeof hdr] = (unsigned char)differ;
    CredHandle ccred, scred;
    EXPECT(acquire(SECPKG_CRED_OUTBOUND, TEXT("EXAMPLE\\alice"), TEXT(""), TEXT("s3cret"), &ccred), SEC_E_OK);
    EXPECT(acquire(SECPKG_CRED_INBOUND, NULL, NULL, NULL, &scred), SEC_E_OK);
    side c = {1, 0, &ccred, {0, 0}, 0, 0, cb_c, sizeof cb_c};
    side s = {0, 0, &scred, {0, 0}, 0, 0, cb_s, sizeof cb_s};
    if (differ)
      EXPECT(converse(&c, &s), SEC_E_BAD_BINDINGS);
    else
      EXPECT(converse(&c, &s), SEC_E_OK);
    end(&c);
    if (differ)
      DeleteSecurityContext(&s.ctx);
    else
      end(&s);
    EXPECT(FreeCredentialsHandle(&ccred), SEC_E_OK);
    EXPECT(FreeCredentialsHandle(&scred), SEC_E_OK);
  }
}

static void package_info(void) {
  PSecPkgInfo info = NULL;
  EXPECT(QuerySecurityPackageInfo((TCHAR *)TEXT("NTLM"), &info), SEC_E_OK);
  if (info) {
    CHECK(info->fCapabilities == 0x00082B37 && info->wVersion == 1 && info->wRPCID == 10 /* RPC_C_AUTHN_WINNT */ &&
          info->cbMaxToken == 2888);
    CHECK(teq(info->Name, "NTLM") && teq(info->Comment, "NTLM Security Package"));
    EXPECT(FreeContextBuffer(info), SEC_E_OK);
  }
  /* security.h's names: NTLMSP_NAME is wide whatever UNICODE says, as in the Windows SDK. */
  PSecPkgInfoA a = NULL;
  EXPECT(QuerySecurityPackageInfoA((SEC_CHAR *)NTLMSP_NAME_A, &a), SEC_E_OK);
  if (a) EXPECT(FreeContextBuffer(a), SEC_E_OK);
  PSecPkgInfoW w = NULL;
  EXPECT(QuerySecurityPackageInfoW((SEC_WCHAR *)NTLMSP_NAME, &w), SEC_E_OK);
  if (w) EXPECT(FreeContextBuffer(w), SEC_E_OK);
  ULONG n = 0;
  PSecPkgInfo all = NULL;
  EXPECT(EnumerateSecurityPackages(&n, &all), SEC_E_OK);
  int found = 0;
  for (ULONG i = 0; i < n; i++) found += teq(all[i].Name, "NTLM");
  CHECK(found == 1);
  EXPECT(FreeContextBuffer(all), SEC_E_OK);
}

int main(void) {
  char path[] = "/tmp/sspi-rustls-ntlm-users-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 2;
  static const char users[] = "# users of test_ntlm.c\nEXAMPLE:alice:s3cret\n";
  if (write(fd, users, sizeof users - 1) != (ssize_t)(sizeof users - 1)) return 2;
  close(fd);
  setenv("NTLM_USER_FILE", path, 1);
  /* No Kerberos here: Negotiate finds no realm, no keytab, no ccache, and uses NTLM. */
  setenv("KRB5_CONFIG", "/dev/null", 1);
  setenv("KRB5_KTNAME", "/nonexistent/krb5.keytab", 1);
  setenv("KRB5CCNAME", "FILE:/nonexistent/ccache", 1);
  package_info();
  conversation(1);
  conversation(0);
  negotiate_conversation(1);
  negotiate_conversation(0);
  sasl_calls();
  wrong_password();
  bindings();
  unlink(path);
  printf("test_ntlm: %d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
