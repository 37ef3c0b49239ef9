/* dotnet.c: replays the SSPI calls of .NET's SslStream on Windows, client
 * side (dotnet/runtime: System.Net.Security SslStreamPal.Windows.cs,
 * SecureChannel.cs, SslStream.IO.cs), written from reading those files:
 *   - credentials: SCH_CREDENTIALS with SCH_CRED_MANUAL_CRED_VALIDATION |
 *     SCH_CRED_NO_DEFAULT_CREDS | SCH_SEND_AUX_RECORD | SCH_USE_STRONG_CRYPTO,
 *     one TLS_PARAMETERS (grbitDisabledProtocols = enabled ^ 0xFFFFFFFF) whose
 *     pDisabledCrypto points at an array with cDisabledCrypto 0;
 *   - request flags REPLAY_DETECT | SEQUENCE_DETECT | CONFIDENTIALITY |
 *     ALLOCATE_MEMORY | MANUAL_CRED_VALIDATION (0x8011C): no ISC_REQ_STREAM;
 *   - every call with input [TOKEN, EMPTY] (+ APPLICATION_PROTOCOLS on the
 *     first): the first with a zero-length TOKEN, later ones with ONE TLS
 *     record (SslStream frames the stream itself), the context passed as both
 *     phContext and phNewContext; one TOKEN output;
 *   - the bytes consumed are what was passed minus an EXTRA buffer's length;
 *   - SEC_I_INCOMPLETE_CREDENTIALS: a NEW credential acquired (no certificate
 *     chosen), and the call made again with what was not consumed;
 *   - after the handshake: APPLICATION_PROTOCOL, STREAM_SIZES (the largest
 *     payload taken as cbMaximumMessage - header - trailer), CONNECTION_INFO,
 *     CIPHER_INFO, REMOTE_CERT_CONTEXT;
 *   - EncryptMessage on [STREAM_HEADER, DATA, STREAM_TRAILER, EMPTY] in one
 *     buffer; DecryptMessage on [DATA = one record, EMPTY, EMPTY, EMPTY], the
 *     plaintext found as the first DATA buffer (on SEC_E_OK), or an EXTRA
 *     (otherwise); SEC_I_RENEGOTIATE answered by InitializeSecurityContext
 *     with what EXTRA returned; SEC_I_CONTEXT_EXPIRED is the peer's close;
 *   - shutdown: ApplyControlToken(SCHANNEL_SHUTDOWN), then the same call with
 *     a zero-length TOKEN input. */

#include "caller.h"

#define DOTNET_FLAGS                                                                                         \
  (ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_REQ_ALLOCATE_MEMORY |     \
   ISC_REQ_MANUAL_CRED_VALIDATION)

static CredHandle cred;
static CtxtHandle ctx;
static int have_ctx;
static WCHAR target[256];
static net_socket sock;
static SecPkgContext_StreamSizes sizes;
static unsigned long max_data;

/* SslStream's receive buffer: bytes read and not consumed. */
static unsigned char rbuf[65536 + 1024];
static unsigned long rlen;

static void fill(unsigned long want) {
  while (rlen < want) {
    int n;
    if (rlen == sizeof rbuf)
      caller_fail("receive buffer full");
    n = net_recv(sock, rbuf + rlen, sizeof rbuf - rlen);
    if (n <= 0)
      caller_fail("connection closed");
    rlen += (unsigned long)n;
  }
}

static void consume(unsigned long n) {
  memmove(rbuf, rbuf + n, rlen - n);
  rlen -= n;
}

/* The length of the next TLS record (SslStream's frame), reading until it is all here. */
static unsigned long next_frame(void) {
  unsigned long len;
  fill(5);
  len = 5 + (((unsigned long)rbuf[3] << 8) | rbuf[4]);
  fill(len);
  return len;
}

static void acquire(const caller_args *a) {
  CRYPTO_SETTINGS disabled[2];
  TLS_PARAMETERS tp;
  SCH_CREDENTIALS sc;
  TimeStamp expiry;
  memset(disabled, 0, sizeof disabled);
  memset(&tp, 0, sizeof tp);
  memset(&sc, 0, sizeof sc);
  tp.grbitDisabledProtocols = caller_protocols(a, 0) ^ 0xFFFFFFFFu;
  tp.pDisabledCrypto = disabled; /* RSA paddings allowed (the defaults): none listed */
  tp.cDisabledCrypto = 0;
  sc.dwVersion = SCH_CREDENTIALS_VERSION;
  sc.dwFlags = SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS | SCH_SEND_AUX_RECORD | SCH_USE_STRONG_CRYPTO;
  sc.cTlsParameters = 1;
  sc.pTlsParameters = &tp;
  if (caller_step("AcquireCredentialsHandle", AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)UNISP_NAME_W,
                                                                        SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL,
                                                                        &cred, &expiry)) != SEC_E_OK)
    caller_fail("AcquireCredentialsHandle");
}

/* SslStreamPal.InitializeSecurityContext: one call; returns the status, sends the token, and
 * says how many of the `len` input bytes were consumed. */
static SECURITY_STATUS isc(const unsigned char *input, unsigned long len, unsigned long *consumed) {
  static const char proto[] = "http/1.1";
  unsigned char alpn[32];
  SecBuffer in[3], out;
  SecBufferDesc in_desc, out_desc;
  ULONG attrs = 0;
  TimeStamp expiry;
  SECURITY_STATUS st;
  in[0].BufferType = SECBUFFER_TOKEN;
  in[0].cbBuffer = len;
  in[0].pvBuffer = len ? (void *)input : NULL;
  in[1].BufferType = SECBUFFER_EMPTY;
  in[1].cbBuffer = 0;
  in[1].pvBuffer = NULL;
  in_desc.ulVersion = SECBUFFER_VERSION;
  in_desc.cBuffers = 2;
  in_desc.pBuffers = in;
  if (!have_ctx) {
    unsigned int total = 4 + 2 + 1 + (unsigned int)(sizeof proto - 1), ext = SecApplicationProtocolNegotiationExt_ALPN;
    unsigned short names = (unsigned short)(1 + sizeof proto - 1);
    memcpy(alpn, &total, 4);
    memcpy(alpn + 4, &ext, 4);
    memcpy(alpn + 8, &names, 2);
    alpn[10] = (unsigned char)(sizeof proto - 1);
    memcpy(alpn + 11, proto, sizeof proto - 1);
    in[2].BufferType = SECBUFFER_APPLICATION_PROTOCOLS;
    in[2].cbBuffer = 4 + total;
    in[2].pvBuffer = alpn;
    in_desc.cBuffers = 3;
  }
  out.BufferType = SECBUFFER_TOKEN;
  out.cbBuffer = 0;
  out.pvBuffer = NULL;
  out_desc.ulVersion = SECBUFFER_VERSION;
  out_desc.cBuffers = 1;
  out_desc.pBuffers = &out;
  st = InitializeSecurityContextW(&cred, have_ctx ? &ctx : NULL, target, DOTNET_FLAGS, 0, SECURITY_NATIVE_DREP,
                                  &in_desc, 0, &ctx, &out_desc, &attrs, &expiry);
  caller_step(have_ctx ? "InitializeSecurityContext" : "InitializeSecurityContext(first)", st);
  if (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED || st == SEC_I_INCOMPLETE_CREDENTIALS)
    have_ctx = 1;
  *consumed = len;
  if (in[1].BufferType == SECBUFFER_EXTRA)
    *consumed -= in[1].cbBuffer;
  if (out.pvBuffer) {
    if (out.cbBuffer && (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED || FAILED(st)))
      caller_send(sock, out.pvBuffer, out.cbBuffer);
    FreeContextBuffer(out.pvBuffer);
  }
  return st;
}

/* SecureChannel.NextMessage: CredentialsNeeded refreshes the credential and calls again. */
static SECURITY_STATUS next_message(const caller_args *a, unsigned long frame) {
  unsigned long consumed;
  SECURITY_STATUS st = isc(rbuf, frame, &consumed);
  if (st == SEC_I_INCOMPLETE_CREDENTIALS) {
    CredHandle old = cred;
    acquire(a); /* AcquireClientCredentials: no certificate selected */
    FreeCredentialsHandle(&old);
    consume(consumed);
    frame -= consumed;
    st = isc(rbuf, frame, &consumed);
    CALLER_EXPECT(st != SEC_I_INCOMPLETE_CREDENTIALS, "CredentialsNeeded twice");
  }
  consume(consumed);
  return st;
}

static void handshake(const caller_args *a) {
  unsigned long consumed;
  SECURITY_STATUS st = isc(NULL, 0, &consumed);
  if (st != SEC_I_CONTINUE_NEEDED)
    caller_fail("the first InitializeSecurityContext failed");
  for (;;) {
    unsigned long frame = next_frame();
    st = next_message(a, frame); /* SEC_E_INCOMPLETE_MESSAGE is a failure for .NET: it passes whole records */
    if (st == SEC_E_OK)
      break;
    if (st == SEC_I_CONTINUE_NEEDED)
      continue;
    caller_fail("handshake failed: %s", tls_status_name(st));
  }
}

static void after_handshake(void) {
  SecPkgContext_ApplicationProtocol alpn;
  SecPkgContext_ConnectionInfo conn;
  SecPkgContext_CipherInfo cipher;
  PCCERT_CONTEXT cert = NULL;
  memset(&alpn, 0, sizeof alpn);
  if (caller_step("QueryContextAttributes(APPLICATION_PROTOCOL)",
                  QueryContextAttributesW(&ctx, SECPKG_ATTR_APPLICATION_PROTOCOL, &alpn)) != SEC_E_OK)
    caller_fail("no ALPN result");
  if (caller_step("QueryContextAttributes(STREAM_SIZES)",
                  QueryContextAttributesW(&ctx, SECPKG_ATTR_STREAM_SIZES, &sizes)) != SEC_E_OK)
    caller_fail("no stream sizes");
  CALLER_EXPECT(sizes.cbMaximumMessage > sizes.cbHeader + sizes.cbTrailer, "StreamSizes out of range");
  max_data = sizes.cbMaximumMessage - (sizes.cbHeader + sizes.cbTrailer);
  memset(&conn, 0, sizeof conn);
  if (caller_step("QueryContextAttributes(CONNECTION_INFO)",
                  QueryContextAttributesW(&ctx, SECPKG_ATTR_CONNECTION_INFO, &conn)) != SEC_E_OK)
    caller_fail("no connection info");
  memset(&cipher, 0, sizeof cipher);
  cipher.dwVersion = SECPKGCONTEXT_CIPHERINFO_V1;
  if (caller_step("QueryContextAttributes(CIPHER_INFO)",
                  QueryContextAttributesW(&ctx, SECPKG_ATTR_CIPHER_INFO, &cipher)) != SEC_E_OK)
    caller_fail("no cipher info");
  if (caller_step("QueryContextAttributes(REMOTE_CERT_CONTEXT)",
                  QueryContextAttributesW(&ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, &cert)) != SEC_E_OK ||
      !cert)
    caller_fail("RemoteCertificateNotAvailable");
  CertFreeCertificateContext(cert);
  fprintf(stderr, "handshake: complete\n");
  caller_report_protocol(&ctx);
}

static void write_all(const char *data, unsigned long len) {
  while (len) {
    unsigned long n = len < max_data ? len : max_data;
    unsigned char *p = (unsigned char *)malloc(n + sizes.cbHeader + sizes.cbTrailer);
    SecBuffer b[4];
    SecBufferDesc d;
    if (!p)
      caller_fail("out of memory");
    memcpy(p + sizes.cbHeader, data, n);
    b[0].BufferType = SECBUFFER_STREAM_HEADER;
    b[0].pvBuffer = p;
    b[0].cbBuffer = sizes.cbHeader;
    b[1].BufferType = SECBUFFER_DATA;
    b[1].pvBuffer = p + sizes.cbHeader;
    b[1].cbBuffer = n;
    b[2].BufferType = SECBUFFER_STREAM_TRAILER;
    b[2].pvBuffer = p + sizes.cbHeader + n;
    b[2].cbBuffer = sizes.cbTrailer;
    b[3].BufferType = SECBUFFER_EMPTY;
    b[3].cbBuffer = 0;
    b[3].pvBuffer = NULL;
    d.ulVersion = SECBUFFER_VERSION;
    d.cBuffers = 4;
    d.pBuffers = b;
    if (caller_step("EncryptMessage", EncryptMessage(&ctx, 0, &d, 0)) != SEC_E_OK)
      caller_fail("EncryptMessage");
    caller_send(sock, p, b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer);
    fprintf(stderr, "sent: %lu bytes\n", n);
    free(p);
    data += n;
    len -= n;
  }
}

/* SslStream's read loop, one frame per DecryptMessage: returns 1 at the peer's close_notify,
 * 0 once `want` bytes of plaintext arrived (want > 0). */
static int read_frames(const caller_args *a, unsigned long want, unsigned long *got) {
  for (;;) {
    unsigned long frame, offset = 0, count = 0;
    SecBuffer b[4];
    SecBufferDesc d;
    SECURITY_STATUS st;
    int i;
    if (want && *got >= want)
      return 0;
    frame = next_frame();
    b[0].BufferType = SECBUFFER_DATA;
    b[0].pvBuffer = rbuf;
    b[0].cbBuffer = frame;
    for (i = 1; i < 4; i++) {
      b[i].BufferType = SECBUFFER_EMPTY;
      b[i].pvBuffer = NULL;
      b[i].cbBuffer = 0;
    }
    d.ulVersion = SECBUFFER_VERSION;
    d.cBuffers = 4;
    d.pBuffers = b;
    st = DecryptMessage(&ctx, &d, 0, NULL);
    for (i = 0; i < 4; i++) {
      if ((st == SEC_E_OK && b[i].BufferType == SECBUFFER_DATA) ||
          (st != SEC_E_OK && b[i].BufferType == SECBUFFER_EXTRA)) {
        offset = (unsigned long)((unsigned char *)b[i].pvBuffer - rbuf);
        count = b[i].cbBuffer;
        break;
      }
    }
    CALLER_EXPECT(offset + count <= frame, "DecryptMessage pointed outside the frame");
    if (st == SEC_E_OK) {
      fwrite(rbuf + offset, 1, count, stdout);
      *got += count;
      consume(frame);
      continue;
    }
    caller_step("DecryptMessage", st);
    if (st == SEC_I_CONTEXT_EXPIRED) {
      fprintf(stderr, "close_notify received\n");
      consume(frame);
      return 1;
    }
    if (st == SEC_I_RENEGOTIATE) {
      /* ReplyOnReAuthentication: the returned bytes go to InitializeSecurityContext. */
      unsigned char held[16384 + 512];
      unsigned long consumed;
      SECURITY_STATUS r;
      CALLER_EXPECT(count <= sizeof held, "renegotiation data too large");
      memcpy(held, rbuf + offset, count);
      consume(frame);
      r = isc(held, count, &consumed);
      CALLER_EXPECT(r == SEC_E_OK || r == SEC_I_CONTINUE_NEEDED, "renegotiation failed");
      (void)a;
      continue;
    }
    caller_fail("DecryptMessage failed");
  }
}

static void shutdown_tls(void) {
  DWORD kind = SCHANNEL_SHUTDOWN;
  SecBuffer tok;
  SecBufferDesc tok_desc;
  unsigned long consumed;
  SECURITY_STATUS st;
  tok.BufferType = SECBUFFER_TOKEN;
  tok.cbBuffer = sizeof kind;
  tok.pvBuffer = &kind;
  tok_desc.ulVersion = SECBUFFER_VERSION;
  tok_desc.cBuffers = 1;
  tok_desc.pBuffers = &tok;
  if (caller_step("ApplyControlToken(SCHANNEL_SHUTDOWN)", ApplyControlToken(&ctx, &tok_desc)) != SEC_E_OK)
    caller_fail("ApplyShutdownToken");
  st = isc(NULL, 0, &consumed); /* GenerateAlertToken: the token is sent by isc() */
  CALLER_EXPECT(st == SEC_E_OK || st == SEC_I_CONTEXT_EXPIRED, "no close_notify generated");
  fprintf(stderr, "close_notify sent\n");
}

int main(int argc, char **argv) {
  caller_args a = caller_parse(argc, argv);
  const char *req = caller_request(&a);
  unsigned long got = 0;
  size_t i;
  for (i = 0; a.name[i] && i + 1 < sizeof target / sizeof target[0]; i++)
    target[i] = (WCHAR)a.name[i];
  target[i] = 0;
  acquire(&a);
  sock = caller_connect(&a);
  handshake(&a);
  after_handshake();
  write_all(req, (unsigned long)strlen(req));
  if (strcmp(a.mode, "http") == 0) {
    CALLER_EXPECT(read_frames(&a, 0, &got) == 1, "no close_notify");
    shutdown_tls();
  } else {
    read_frames(&a, (unsigned long)strlen(req), &got);
    shutdown_tls();
    CALLER_EXPECT(read_frames(&a, 0, &got) == 1, "no close_notify");
  }
  fprintf(stderr, "received: %lu bytes\n", got);
  DeleteSecurityContext(&ctx);
  FreeCredentialsHandle(&cred);
  net_close(sock);
  fprintf(stderr, "result: ok\n");
  return 0;
}
