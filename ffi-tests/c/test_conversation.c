/* Complete client/server conversations through the C ABI, in memory, under
 * AddressSanitizer + UBSan + LeakSanitizer (run-c-tests.sh): a PFX server
 * identity, the README's token loop on both sides (TLS 1.3 and TLS 1.2,
 * allocated and caller output buffers, too-small buffers retried, ALPN,
 * full validation against a root from SSL_CERT_FILE), resumption, data both
 * ways (contiguous and scattered EncryptMessage buffers, several records in
 * one DecryptMessage input, records split across reads), the attributes a
 * program queries (strings and certificates freed as documented),
 * close_notify both ways, and every handle and block released. Any memory
 * error, undefined behaviour or definite leak fails the run.
 *
 * Usage: test_conversation [FIXTURE_DIR] (the fixtures of test_certs.c; made
 * with make_cert_fixtures.sh when not given). */
#define _POSIX_C_SOURCE 200809L
#define SECURITY_WIN32
#include <security.h>
#include <schannel.h>
#include <wincrypt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A byte queue: one direction of the "network". */
typedef struct {
  unsigned char *data;
  size_t len, cap;
} queue;

static void push(queue *q, const void *p, size_t n) {
  if (!n) return;
  if (q->len + n > q->cap) {
    q->cap = (q->len + n) * 2 + 64;
    q->data = realloc(q->data, q->cap);
    if (!q->data) exit(2);
  }
  memcpy(q->data + q->len, p, n);
  q->len += n;
}

static void pop(queue *q, size_t n) {
  if (!n) return;
  memmove(q->data, q->data + n, q->len - n);
  q->len -= n;
}

typedef struct {
  int server;
  CredHandle cred;
  CtxtHandle ctx;
  int have_ctx, done;
  ULONG flags;
  queue in; /* received, not yet consumed */
  size_t caller_buffer; /* 0: ALLOCATE_MEMORY; else the TOKEN buffer's size */
  const unsigned char *alpn;
  unsigned long alpn_len;
  SECURITY_STATUS last;
} side;

/* One ISC/ASC call as the README's loop makes it; output goes to `out`. */
static SECURITY_STATUS step(side *s, queue *out) {
  SecBuffer in[3], ob[1];
  SecBufferDesc in_desc = {SECBUFFER_VERSION, 2, in}, out_desc = {SECBUFFER_VERSION, 1, ob};
  unsigned char *caller = NULL;
  in[0].cbBuffer = (unsigned long)s->in.len;
  in[0].BufferType = SECBUFFER_TOKEN;
  in[0].pvBuffer = s->in.data;
  in[1].cbBuffer = 0;
  in[1].BufferType = SECBUFFER_EMPTY;
  in[1].pvBuffer = NULL;
  if (s->alpn && (s->server || !s->have_ctx)) {
    in[2].cbBuffer = s->alpn_len;
    in[2].BufferType = SECBUFFER_APPLICATION_PROTOCOLS;
    in[2].pvBuffer = (void *)s->alpn;
    in_desc.cBuffers = 3;
  }
  if (s->caller_buffer) {
    caller = malloc(s->caller_buffer);
    ob[0].cbBuffer = (unsigned long)s->caller_buffer;
    ob[0].pvBuffer = caller;
  } else {
    ob[0].cbBuffer = 0;
    ob[0].pvBuffer = NULL;
  }
  ob[0].BufferType = SECBUFFER_TOKEN;
  ULONG flags = s->caller_buffer ? s->flags & ~(ULONG)ISC_REQ_ALLOCATE_MEMORY : s->flags;
  ULONG attrs = 0;
  TimeStamp expiry;
  SECURITY_STATUS st;
  if (s->server) {
    st = AcceptSecurityContext(&s->cred, s->have_ctx ? &s->ctx : NULL, &in_desc, flags, SECURITY_NATIVE_DREP,
                               &s->ctx, &out_desc, &attrs, &expiry);
  } else {
    int first = !s->have_ctx;
    st = InitializeSecurityContextW(&s->cred, first ? NULL : &s->ctx, (SEC_WCHAR *)u"leaf.example", flags, 0,
                                    SECURITY_NATIVE_DREP, first && !s->alpn ? NULL : &in_desc, 0, &s->ctx,
                                    &out_desc, &attrs, &expiry);
  }
  s->last = st;
  int ok = st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED || st == SEC_I_INCOMPLETE_CREDENTIALS;
  if (ok) s->have_ctx = 1;
  /* A caller buffer holds output only on success (an allocated one also on
   * failure with EXTENDED_ERROR: the alert). */
  if (ob[0].pvBuffer && ob[0].cbBuffer && (ok || !s->caller_buffer)) {
    push(out, ob[0].pvBuffer, ob[0].cbBuffer);
    if (!s->caller_buffer) EXPECT(FreeContextBuffer(ob[0].pvBuffer), SEC_E_OK);
  }
  free(caller);
  if (st == SEC_E_INCOMPLETE_MESSAGE) {
    CHECK(in[1].BufferType == SECBUFFER_MISSING && in[1].cbBuffer > 0);
  } else if (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED) {
    size_t extra = in[1].BufferType == SECBUFFER_EXTRA ? in[1].cbBuffer : 0;
    pop(&s->in, s->in.len - extra);
  }
  return st;
}

/* Runs both loops until both are done. Returns 0 on success. */
static int handshake(side *c, side *s, queue *to_s, queue *to_c) {
  for (int round = 0; round < 64 && !(c->done && s->done); round++) {
    if (!c->done && (!c->have_ctx || to_c->len || c->in.len)) {
      push(&c->in, to_c->data, to_c->len);
      to_c->len = 0;
      SECURITY_STATUS st = step(c, to_s);
      if (st == SEC_E_OK) c->done = 1;
      else if (st == SEC_E_INSUFFICIENT_MEMORY && c->caller_buffer) c->caller_buffer = 32768; /* retry, bigger */
      else if (st != SEC_I_CONTINUE_NEEDED && st != SEC_E_INCOMPLETE_MESSAGE) return fprintf(stderr, "client %08x\n", (unsigned)st), 1;
    }
    if (!s->done && (to_s->len || s->in.len)) {
      push(&s->in, to_s->data, to_s->len);
      to_s->len = 0;
      SECURITY_STATUS st = step(s, to_c);
      if (st == SEC_E_OK) s->done = 1;
      else if (st == SEC_E_INSUFFICIENT_MEMORY && s->caller_buffer) s->caller_buffer = 32768;
      else if (st != SEC_I_CONTINUE_NEEDED && st != SEC_E_INCOMPLETE_MESSAGE) return fprintf(stderr, "server %08x\n", (unsigned)st), 1;
    }
  }
  /* Bytes still in flight (tickets) go to DecryptMessage later. */
  push(&c->in, to_c->data, to_c->len);
  to_c->len = 0;
  return c->done && s->done ? 0 : 1;
}

/* EncryptMessage of `data` as records onto `out`; scattered buffers when asked. */
static void send_data(CtxtHandle *ctx, const unsigned char *data, size_t len, int scattered, queue *out) {
  SecPkgContext_StreamSizes sz;
  EXPECT(QueryContextAttributesW(ctx, SECPKG_ATTR_STREAM_SIZES, &sz), SEC_E_OK);
  size_t off = 0;
  do {
    size_t n = len - off < sz.cbMaximumMessage ? len - off : sz.cbMaximumMessage;
    unsigned char *hdr = malloc(sz.cbHeader), *body = malloc(n + 1), *trl = malloc(sz.cbTrailer);
    unsigned char *rec = malloc(sz.cbHeader + n + sz.cbTrailer);
    SecBuffer b[4];
    SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
    if (scattered) {
      memcpy(body, data + off, n);
      b[0] = (SecBuffer){sz.cbHeader, SECBUFFER_STREAM_HEADER, hdr};
      b[1] = (SecBuffer){(unsigned long)n, SECBUFFER_DATA, body};
      b[2] = (SecBuffer){sz.cbTrailer, SECBUFFER_STREAM_TRAILER, trl};
    } else {
      memcpy(rec + sz.cbHeader, data + off, n);
      b[0] = (SecBuffer){sz.cbHeader, SECBUFFER_STREAM_HEADER, rec};
      b[1] = (SecBuffer){(unsigned long)n, SECBUFFER_DATA, rec + sz.cbHeader};
      b[2] = (SecBuffer){sz.cbTrailer, SECBUFFER_STREAM_TRAILER, rec + sz.cbHeader + n};
    }
    b[3] = (SecBuffer){0, SECBUFFER_EMPTY, NULL};
    EXPECT(EncryptMessage(ctx, 0, &d, 0), SEC_E_OK);
    push(out, b[0].pvBuffer, b[0].cbBuffer);
    push(out, b[1].pvBuffer, b[1].cbBuffer);
    push(out, b[2].pvBuffer, b[2].cbBuffer);
    free(hdr), free(body), free(trl), free(rec);
    off += n;
  } while (off < len);
}

/* DecryptMessage of what `in` holds (fed `chunk` bytes at a time);
 * plaintext appended to `got`. Returns the last status. */
static SECURITY_STATUS receive(CtxtHandle *ctx, queue *wire, size_t chunk, queue *got) {
  queue in = {0};
  SECURITY_STATUS st = SEC_E_OK;
  size_t fed = 0;
  while (fed < wire->len || in.len) {
    size_t n = wire->len - fed < chunk ? wire->len - fed : chunk;
    push(&in, wire->data + fed, n);
    fed += n;
    for (;;) {
      if (!in.len) break;
      SecBuffer b[4] = {{(unsigned long)in.len, SECBUFFER_DATA, in.data},
                        {0, SECBUFFER_EMPTY, NULL},
                        {0, SECBUFFER_EMPTY, NULL},
                        {0, SECBUFFER_EMPTY, NULL}};
      SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
      st = DecryptMessage(ctx, &d, 0, NULL);
      if (st == SEC_E_INCOMPLETE_MESSAGE) break;
      if (st != SEC_E_OK && st != SEC_I_CONTEXT_EXPIRED) goto out;
      size_t extra = 0;
      for (int i = 0; i < 4; i++) {
        if (b[i].BufferType == SECBUFFER_DATA && b[i].cbBuffer) push(got, b[i].pvBuffer, b[i].cbBuffer);
        if (b[i].BufferType == SECBUFFER_EXTRA) extra = b[i].cbBuffer;
      }
      pop(&in, in.len - extra);
      if (st == SEC_I_CONTEXT_EXPIRED) goto out;
    }
    if (fed == wire->len && in.len && st == SEC_E_INCOMPLETE_MESSAGE) break;
  }
out:
  free(in.data);
  wire->len = 0;
  return st;
}

static void shutdown_side(side *s, queue *out) {
  DWORD type = SCHANNEL_SHUTDOWN;
  SecBuffer b = {sizeof type, SECBUFFER_TOKEN, &type};
  SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
  EXPECT(ApplyControlToken(&s->ctx, &d), SEC_E_OK);
  s->in.len = 0;
  EXPECT(step(s, out), SEC_E_OK);
}

static void query_everything(CtxtHandle *ctx, int server) {
  SecPkgContext_ConnectionInfo ci;
  EXPECT(QueryContextAttributesW(ctx, SECPKG_ATTR_CONNECTION_INFO, &ci), SEC_E_OK);
  SecPkgContext_CipherInfo cipher;
  EXPECT(QueryContextAttributesW(ctx, SECPKG_ATTR_CIPHER_INFO, &cipher), SEC_E_OK);
  SecPkgContext_KeyInfoW ki;
  EXPECT(QueryContextAttributesW(ctx, SECPKG_ATTR_KEY_INFO, &ki), SEC_E_OK);
  EXPECT(FreeContextBuffer(ki.sSignatureAlgorithmName), SEC_E_OK);
  EXPECT(FreeContextBuffer(ki.sEncryptAlgorithmName), SEC_E_OK);
  SecPkgContext_ApplicationProtocol ap;
  EXPECT(QueryContextAttributesW(ctx, SECPKG_ATTR_APPLICATION_PROTOCOL, &ap), SEC_E_OK);
  CHECK(ap.ProtoNegoStatus == SecApplicationProtocolNegotiationStatus_None ||
        (ap.ProtocolIdSize == 2 && memcmp(ap.ProtocolId, "h2", 2) == 0));
  SecPkgContext_SessionInfo si;
  EXPECT(QueryContextAttributesW(ctx, SECPKG_ATTR_SESSION_INFO, &si), SEC_E_OK);
  SecPkgContext_PackageInfoW pi;
  EXPECT(QueryContextAttributesW(ctx, SECPKG_ATTR_PACKAGE_INFO, &pi), SEC_E_OK);
  EXPECT(FreeContextBuffer(pi.PackageInfo), SEC_E_OK);
  if (!server) {
    PCCERT_CONTEXT peer = NULL;
    EXPECT(QueryContextAttributesW(ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (void *)&peer), SEC_E_OK);
    CHECK(peer && peer->hCertStore);
    CertFreeCertificateContext(peer);
    SecPkgContext_NamesW names;
    EXPECT(QueryContextAttributesW(ctx, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    EXPECT(FreeContextBuffer(names.sUserName), SEC_E_OK);
    SecPkgContext_Bindings bindings;
    EXPECT(QueryContextAttributesW(ctx, SECPKG_ATTR_ENDPOINT_BINDINGS, &bindings), SEC_E_OK);
    EXPECT(FreeContextBuffer(bindings.Bindings), SEC_E_OK);
  }
}

/* SEC_APPLICATION_PROTOCOLS as curl builds it (little-endian host). */
static const unsigned char alpn_h2[] = {/* ProtocolListsSize */ 9, 0, 0, 0,
                                        /* ALPN */ 2, 0, 0, 0,
                                        /* ProtocolListSize */ 3, 0,
                                        /* "h2" */ 2, 'h', '2'};

/* One whole conversation; `protocols` limits the client (0: both). */
static void conversation(CredHandle *server_cred, DWORD protocols, DWORD flags, size_t caller_buffer, int alpn,
                         const char *what) {
  SCHANNEL_CRED cc;
  memset(&cc, 0, sizeof cc);
  cc.dwVersion = SCHANNEL_CRED_VERSION;
  cc.grbitEnabledProtocols = protocols;
  cc.dwFlags = flags;
  side c, s;
  memset(&c, 0, sizeof c);
  memset(&s, 0, sizeof s);
  EXPECT(AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)UNISP_NAME_W, SECPKG_CRED_OUTBOUND, NULL, &cc, NULL, NULL,
                                   &c.cred, NULL),
         SEC_E_OK);
  s.server = 1;
  s.cred = *server_cred;
  c.flags = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM |
            ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_EXTENDED_ERROR;
  s.flags = ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY | ASC_REQ_STREAM |
            ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_EXTENDED_ERROR;
  c.caller_buffer = caller_buffer;
  s.caller_buffer = caller_buffer;
  if (alpn) {
    c.alpn = s.alpn = alpn_h2;
    c.alpn_len = s.alpn_len = sizeof alpn_h2;
  }
  queue to_s = {0}, to_c = {0}, got = {0};
  if (handshake(&c, &s, &to_s, &to_c) != 0) {
    failures++;
    fprintf(stderr, "%s: handshake failed\n", what);
  } else {
    query_everything(&c.ctx, 0);
    query_everything(&s.ctx, 1);
    /* Tickets first, then 50 000 bytes up (scattered), 70 000 down, in odd reads. */
    EXPECT(receive(&c.ctx, &c.in, 1 << 20, &got), SEC_E_OK);
    CHECK(got.len == 0);
    unsigned char *up = malloc(50000), *down = malloc(70000);
    for (int i = 0; i < 50000; i++) up[i] = (unsigned char)(i * 7);
    for (int i = 0; i < 70000; i++) down[i] = (unsigned char)(i * 13 + 1);
    send_data(&c.ctx, up, 50000, 1, &to_s);
    EXPECT(receive(&s.ctx, &to_s, 777, &got), SEC_E_OK);
    CHECK(got.len == 50000 && memcmp(got.data, up, 50000) == 0);
    got.len = 0;
    send_data(&s.ctx, down, 70000, 0, &to_c);
    send_data(&s.ctx, (const unsigned char *)"", 0, 0, &to_c); /* an empty record */
    EXPECT(receive(&c.ctx, &to_c, 1 << 20, &got), SEC_E_OK);
    CHECK(got.len == 70000 && memcmp(got.data, down, 70000) == 0);
    free(up);
    free(down);
    /* close_notify both ways. */
    shutdown_side(&c, &to_s);
    got.len = 0;
    EXPECT(receive(&s.ctx, &to_s, 1 << 20, &got), SEC_I_CONTEXT_EXPIRED);
    shutdown_side(&s, &to_c);
    EXPECT(receive(&c.ctx, &to_c, 1 << 20, &got), SEC_I_CONTEXT_EXPIRED);
  }
  if (c.have_ctx) EXPECT(DeleteSecurityContext(&c.ctx), SEC_E_OK);
  if (s.have_ctx) EXPECT(DeleteSecurityContext(&s.ctx), SEC_E_OK);
  EXPECT(FreeCredentialsHandle(&c.cred), SEC_E_OK);
  free(c.in.data), free(s.in.data), free(to_s.data), free(to_c.data), free(got.data);
  printf("test_conversation: %s done\n", what);
}

int main(int argc, char **argv) {
  const char *given = argc > 1 ? argv[1] : getenv("SSPI_RUSTLS_CERT_DIR");
  if (given) {
    snprintf(dir, sizeof dir, "%s", given);
  } else {
    char tmpl[] = "/tmp/sspi-rustls-conv-XXXXXX";
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
  /* The client trusts the fixtures' root (read once, at the first handshake). */
  char root[4200];
  snprintf(root, sizeof root, "%s/root.pem", dir);
  setenv("SSL_CERT_FILE", root, 1);

  DWORD len;
  BYTE *pfx = read_file("leaf.pfx", &len);
  CRYPT_DATA_BLOB blob = {len, pfx};
  HCERTSTORE store = PFXImportCertStore(&blob, u"secret", 0);
  CHECK(store != NULL);
  PCCERT_CONTEXT cert = CertFindCertificateInStore(store, X509_ASN_ENCODING, 0, CERT_FIND_SUBJECT_STR_W,
                                                   u"leaf", NULL);
  CHECK(cert != NULL);
  SCHANNEL_CRED sc;
  memset(&sc, 0, sizeof sc);
  sc.dwVersion = SCHANNEL_CRED_VERSION;
  sc.cCreds = 1;
  sc.paCred = &cert;
  CredHandle server;
  EXPECT(AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)UNISP_NAME_W, SECPKG_CRED_INBOUND, NULL, &sc, NULL, NULL,
                                   &server, NULL),
         SEC_E_OK);
  CertFreeCertificateContext(cert);
  CertCloseStore(store, 0);
  free(pfx);

  conversation(&server, 0, 0, 0, 0, "TLS 1.3, validated");
  conversation(&server, SP_PROT_TLS1_2_CLIENT, 0, 0, 0, "TLS 1.2, validated");
  conversation(&server, 0, SCH_CRED_MANUAL_CRED_VALIDATION, 64, 1, "TLS 1.3, caller buffers of 64 bytes, ALPN");
  conversation(&server, SP_PROT_TLS1_2_CLIENT, SCH_CRED_MANUAL_CRED_VALIDATION, 100, 1,
               "TLS 1.2, caller buffers, ALPN");
  EXPECT(FreeCredentialsHandle(&server), SEC_E_OK);
  printf("test_conversation: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
