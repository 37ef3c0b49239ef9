/* qt.c: replays the SSPI calls of Qt's Schannel TLS backend (QSslSocket on
 * Windows: qtbase src/plugins/tls/schannel/qtls_schannel.cpp, Qt 6), client
 * side, written from reading that file:
 *   - credentials: SCH_CREDENTIALS (SCH_CREDENTIALS_VERSION) with
 *     SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT | SCH_CRED_NO_DEFAULT_CREDS,
 *     one TLS_PARAMETERS whose grbitDisabledProtocols is SP_PROT_ALL minus
 *     the wanted ones, no certificate;
 *   - request flags ALLOCATE_MEMORY | CONFIDENTIALITY | REPLAY_DETECT |
 *     SEQUENCE_DETECT | STREAM | MANUAL_CRED_VALIDATION on every call;
 *   - the target name on EVERY InitializeSecurityContext call (handshake,
 *     renegotiation, shutdown), phNewContext NULL after the first;
 *   - the first call with only a SECBUFFER_APPLICATION_PROTOCOLS input
 *     ("http/1.1"); outputs [TOKEN, ALERT, EMPTY] on every call, each
 *     allocated buffer freed;
 *   - handshake input [TOKEN = what was received, EMPTY]; EXTRA kept by its
 *     length (the last cbBuffer bytes, and only when shorter than what was
 *     passed); anything else clears the buffer unless the status is
 *     SEC_E_INCOMPLETE_MESSAGE;
 *   - SEC_I_INCOMPLETE_CREDENTIALS: InitializeSecurityContext called again at
 *     once, with whatever the buffer holds after the first call (EXTRA, or
 *     nothing: a zero-length TOKEN); a second INCOMPLETE_CREDENTIALS fails;
 *   - after the handshake the returned flags checked against the requested
 *     ones (CONFIDENTIALITY, REPLAY_DETECT, SEQUENCE_DETECT, STREAM,
 *     MANUAL_CRED_VALIDATION: each present exactly when requested), then
 *     STREAM_SIZES, CIPHER_INFO (its dwVersion left 0, as Qt's zeroed struct
 *     has it), CONNECTION_INFO and APPLICATION_PROTOCOL, all required, and
 *     REMOTE_CERT_CONTEXT;
 *   - EncryptMessage on [STREAM_HEADER, DATA, STREAM_TRAILER, EMPTY] in one
 *     allocation, the three returned lengths sent;
 *   - DecryptMessage on [DATA, EMPTY, EMPTY, EMPTY], plaintext from index 1,
 *     EXTRA at index 3 (by index), SECBUFFER_MISSING read from index 0;
 *     SEC_I_RENEGOTIATE answered by InitializeSecurityContext with NO input,
 *     then the handshake loop over what was kept;
 *   - shutdown: ApplyControlToken(SCHANNEL_SHUTDOWN), then
 *     InitializeSecurityContext with no input and [TOKEN, ALERT, EMPTY], the
 *     token sent on SEC_E_OK or SEC_I_CONTEXT_EXPIRED. */

#include "caller.h"

#define QT_FLAGS                                                                                             \
  (ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONFIDENTIALITY | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT |      \
   ISC_REQ_STREAM | ISC_REQ_MANUAL_CRED_VALIDATION)

static CredHandle cred;
static CtxtHandle ctx;
static ULONG attrs;
static WCHAR target[256];
static net_socket sock;
static SecPkgContext_StreamSizes sizes;

/* Qt's intermediateBuffer. */
static unsigned char ibuf[65536 + 1024];
static unsigned long ibuf_len;

static void read_to_buffer(void) {
  int n;
  if (ibuf_len == sizeof ibuf)
    caller_fail("intermediate buffer full");
  n = net_recv(sock, ibuf + ibuf_len, sizeof ibuf - ibuf_len > 16384 ? 16384 : sizeof ibuf - ibuf_len);
  if (n <= 0)
    caller_fail("connection closed");
  ibuf_len += (unsigned long)n;
}

/* Qt's retainExtraData: the last cbBuffer bytes move to the front, unless that is everything. */
static void retain_extra(const SecBuffer *extra) {
  if (extra->cbBuffer >= ibuf_len)
    return;
  memmove(ibuf, ibuf + ibuf_len - extra->cbBuffer, extra->cbBuffer);
  ibuf_len = extra->cbBuffer;
}

static void init_out(SecBuffer out[3], SecBufferDesc *d) {
  int i;
  out[0].BufferType = SECBUFFER_TOKEN;
  out[1].BufferType = SECBUFFER_ALERT;
  out[2].BufferType = SECBUFFER_EMPTY;
  for (i = 0; i < 3; i++) {
    out[i].cbBuffer = 0;
    out[i].pvBuffer = NULL;
  }
  d->ulVersion = SECBUFFER_VERSION;
  d->cBuffers = 3;
  d->pBuffers = out;
}

static void free_out(SecBuffer out[3]) {
  int i;
  for (i = 0; i < 3; i++)
    if (out[i].pvBuffer) {
      FreeContextBuffer(out[i].pvBuffer);
      out[i].pvBuffer = NULL;
    }
}

static void send_token(const SecBuffer *tok) {
  if (tok->cbBuffer && tok->pvBuffer)
    caller_send(sock, tok->pvBuffer, tok->cbBuffer);
}

static void acquire(const caller_args *a) {
  TLS_PARAMETERS tp;
  SCH_CREDENTIALS sc;
  TimeStamp expiry;
  memset(&tp, 0, sizeof tp);
  memset(&sc, 0, sizeof sc);
  tp.grbitDisabledProtocols = SP_PROT_ALL & ~caller_protocols(a, 0);
  sc.dwVersion = SCH_CREDENTIALS_VERSION;
  sc.dwFlags = SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT | SCH_CRED_NO_DEFAULT_CREDS;
  sc.cTlsParameters = 1;
  sc.pTlsParameters = &tp;
  if (caller_step("AcquireCredentialsHandle", AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)UNISP_NAME_W,
                                                                        SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL,
                                                                        &cred, &expiry)) != SEC_E_OK)
    caller_fail("AcquireCredentialsHandle");
}

/* createContext: the first call, ALPN as the only input. */
static void create_context(void) {
  static const char proto[] = "http/1.1";
  unsigned char alpn[32];
  unsigned int total, ext = SecApplicationProtocolNegotiationExt_ALPN;
  unsigned short names = (unsigned short)(1 + sizeof proto - 1);
  SecBuffer in, out[3];
  SecBufferDesc in_desc, out_desc;
  TimeStamp expiry;
  SECURITY_STATUS st;
  total = (unsigned int)(sizeof ext + sizeof names + names);
  memcpy(alpn, &total, 4);
  memcpy(alpn + 4, &ext, 4);
  memcpy(alpn + 8, &names, 2);
  alpn[10] = (unsigned char)(sizeof proto - 1);
  memcpy(alpn + 11, proto, sizeof proto - 1);
  in.BufferType = SECBUFFER_APPLICATION_PROTOCOLS;
  in.cbBuffer = 4 + total;
  in.pvBuffer = alpn;
  in_desc.ulVersion = SECBUFFER_VERSION;
  in_desc.cBuffers = 1;
  in_desc.pBuffers = &in;
  init_out(out, &out_desc);
  st = caller_step("InitializeSecurityContext(createContext)",
                   InitializeSecurityContextW(&cred, NULL, target, QT_FLAGS, 0, 0, &in_desc, 0, &ctx, &out_desc,
                                              &attrs, &expiry));
  if (st != SEC_I_CONTINUE_NEEDED)
    caller_fail("Error creating SSL context");
  send_token(&out[0]);
  free_out(out);
}

/* performHandshake, called whenever data arrives, until SEC_E_OK. */
static void perform_handshake(int read_first) {
  for (;;) {
    SecBuffer in[2], out[3];
    SecBufferDesc in_desc, out_desc;
    TimeStamp expiry;
    SECURITY_STATUS st;
    int attempts = 2;
    /* readToBuffer takes what the socket has; with nothing kept, that means waiting for it. */
    if (read_first || ibuf_len == 0)
      read_to_buffer();
    read_first = 0;
    do {
      in[0].BufferType = SECBUFFER_TOKEN;
      in[0].cbBuffer = ibuf_len;
      in[0].pvBuffer = ibuf;
      in[1].BufferType = SECBUFFER_EMPTY;
      in[1].cbBuffer = 0;
      in[1].pvBuffer = NULL;
      in_desc.ulVersion = SECBUFFER_VERSION;
      in_desc.cBuffers = 2;
      in_desc.pBuffers = in;
      init_out(out, &out_desc);
      st = InitializeSecurityContextW(&cred, &ctx, target, QT_FLAGS, 0, 0, &in_desc, 0, NULL, &out_desc, &attrs,
                                      &expiry);
      if (st != SEC_E_INCOMPLETE_MESSAGE)
        caller_step("InitializeSecurityContext(performHandshake)", st);
      if (in[1].BufferType == SECBUFFER_EXTRA)
        retain_extra(&in[1]);
      else if (st != SEC_E_INCOMPLETE_MESSAGE)
        ibuf_len = 0;
      --attempts;
      if (st == SEC_I_INCOMPLETE_CREDENTIALS && attempts > 0)
        free_out(out);
    } while (st == SEC_I_INCOMPLETE_CREDENTIALS && attempts > 0);
    switch (st) {
    case SEC_E_OK:
      send_token(&out[0]);
      free_out(out);
      return;
    case SEC_I_CONTINUE_NEEDED:
      send_token(&out[0]);
      free_out(out);
      continue;
    case SEC_I_INCOMPLETE_CREDENTIALS:
      caller_fail("Server did not accept any certificate we could present");
      break;
    case SEC_E_INCOMPLETE_MESSAGE:
      free_out(out);
      read_first = 1;
      continue;
    default:
      free_out(out);
      caller_fail("Handshake failed: %s", tls_status_name(st));
    }
  }
}

static void verify_handshake(void) {
  SecPkgContext_CipherInfo cipher;
  SecPkgContext_ConnectionInfo conn;
  SecPkgContext_ApplicationProtocol alpn;
  PCCERT_CONTEXT cert = NULL;
  ULONG want = QT_FLAGS;
  /* matchesContextRequirements: each present exactly when requested. */
  CALLER_EXPECT(!(want & ISC_REQ_CONFIDENTIALITY) == !(attrs & ISC_RET_CONFIDENTIALITY) &&
                    !(want & ISC_REQ_REPLAY_DETECT) == !(attrs & ISC_RET_REPLAY_DETECT) &&
                    !(want & ISC_REQ_SEQUENCE_DETECT) == !(attrs & ISC_RET_SEQUENCE_DETECT) &&
                    !(want & ISC_REQ_STREAM) == !(attrs & ISC_RET_STREAM) &&
                    !(want & ISC_REQ_MANUAL_CRED_VALIDATION) == !(attrs & ISC_RET_MANUAL_CRED_VALIDATION),
                "Did not get the required attributes for the connection (0x%lX)", (unsigned long)attrs);
  if (caller_step("QueryContextAttributes(STREAM_SIZES)",
                  QueryContextAttributesW(&ctx, SECPKG_ATTR_STREAM_SIZES, &sizes)) != SEC_E_OK)
    caller_fail("Failed to query the TLS context");
  memset(&cipher, 0, sizeof cipher); /* Qt's cipherInfo = {}: dwVersion 0 */
  if (caller_step("QueryContextAttributes(CIPHER_INFO)",
                  QueryContextAttributesW(&ctx, SECPKG_ATTR_CIPHER_INFO, &cipher)) != SEC_E_OK)
    caller_fail("Failed to query the TLS context");
  CALLER_EXPECT(cipher.szCipherSuite[0] != 0, "no cipher suite name (Qt's sessionCipher)");
  memset(&conn, 0, sizeof conn);
  if (caller_step("QueryContextAttributes(CONNECTION_INFO)",
                  QueryContextAttributesW(&ctx, SECPKG_ATTR_CONNECTION_INFO, &conn)) != SEC_E_OK)
    caller_fail("Failed to query the TLS context");
  memset(&alpn, 0, sizeof alpn);
  if (caller_step("QueryContextAttributes(APPLICATION_PROTOCOL)",
                  QueryContextAttributesW(&ctx, SECPKG_ATTR_APPLICATION_PROTOCOL, &alpn)) != SEC_E_OK)
    caller_fail("Failed to query the TLS context");
  if (alpn.ProtoNegoStatus == SecApplicationProtocolNegotiationStatus_Success)
    CALLER_EXPECT(alpn.ProtocolIdSize == 8 && memcmp(alpn.ProtocolId, "http/1.1", 8) == 0,
                  "Unwanted protocol was negotiated");
  if (caller_step("QueryContextAttributes(REMOTE_CERT_CONTEXT)",
                  QueryContextAttributesW(&ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, &cert)) == SEC_E_OK &&
      cert)
    CertFreeCertificateContext(cert);
  else
    caller_fail("no peer certificate");
  fprintf(stderr, "handshake: complete\n");
  caller_report_protocol(&ctx);
}

static void renegotiate(void) {
  SecBuffer out[3];
  SecBufferDesc out_desc;
  TimeStamp expiry;
  SECURITY_STATUS st;
  init_out(out, &out_desc);
  st = caller_step("InitializeSecurityContext(renegotiate)",
                   InitializeSecurityContextW(&cred, &ctx, target, QT_FLAGS, 0, 0, NULL, 0, NULL, &out_desc, &attrs,
                                              &expiry));
  if (st == SEC_I_CONTINUE_NEEDED) {
    send_token(&out[0]);
    free_out(out);
    perform_handshake(0);
  } else if (st == SEC_E_OK) {
    free_out(out);
    if (ibuf_len)
      perform_handshake(0);
  } else {
    free_out(out);
    caller_fail("Renegotiation was unsuccessful: %s", tls_status_name(st));
  }
}

static void send_data(const char *data, unsigned long len) {
  while (len) {
    unsigned long n = len < sizes.cbMaximumMessage ? len : sizes.cbMaximumMessage;
    unsigned char *m = (unsigned char *)malloc(sizes.cbHeader + n + sizes.cbTrailer);
    SecBuffer b[4];
    SecBufferDesc d;
    if (!m)
      caller_fail("out of memory");
    memcpy(m + sizes.cbHeader, data, n);
    b[0].BufferType = SECBUFFER_STREAM_HEADER;
    b[0].cbBuffer = sizes.cbHeader;
    b[0].pvBuffer = m;
    b[1].BufferType = SECBUFFER_DATA;
    b[1].cbBuffer = n;
    b[1].pvBuffer = m + sizes.cbHeader;
    b[2].BufferType = SECBUFFER_STREAM_TRAILER;
    b[2].cbBuffer = sizes.cbTrailer;
    b[2].pvBuffer = m + sizes.cbHeader + n;
    b[3].BufferType = SECBUFFER_EMPTY;
    b[3].cbBuffer = 0;
    b[3].pvBuffer = NULL;
    d.ulVersion = SECBUFFER_VERSION;
    d.cBuffers = 4;
    d.pBuffers = b;
    if (caller_step("EncryptMessage", EncryptMessage(&ctx, 0, &d, 0)) != SEC_E_OK)
      caller_fail("Schannel failed to encrypt data");
    caller_send(sock, m, b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer);
    fprintf(stderr, "sent: %lu bytes\n", n);
    free(m);
    data += n;
    len -= n;
  }
}

/* transmit's read side: decrypts what arrives; returns when the server closed (1) or, with
 * want > 0, once `want` bytes of plaintext arrived (0). */
static int receive(unsigned long want, unsigned long *got) {
  unsigned long missing = 0;
  for (;;) {
    SecBuffer b[4];
    SecBufferDesc d;
    SECURITY_STATUS st;
    int i;
    if (want && *got >= want)
      return 0;
    if (ibuf_len == 0 || missing) {
      read_to_buffer();
      missing = 0;
    }
    b[0].BufferType = SECBUFFER_DATA;
    b[0].cbBuffer = ibuf_len;
    b[0].pvBuffer = ibuf;
    for (i = 1; i < 4; i++) {
      b[i].BufferType = SECBUFFER_EMPTY;
      b[i].cbBuffer = 0;
      b[i].pvBuffer = NULL;
    }
    d.ulVersion = SECBUFFER_VERSION;
    d.cBuffers = 4;
    d.pBuffers = b;
    st = DecryptMessage(&ctx, &d, 0, NULL);
    if (st == SEC_E_OK || st == SEC_I_RENEGOTIATE || st == SEC_I_CONTEXT_EXPIRED) {
      if (b[1].cbBuffer > 0) { /* by index, as Qt reads it */
        fwrite(b[1].pvBuffer, 1, b[1].cbBuffer, stdout);
        *got += b[1].cbBuffer;
      }
      if (b[3].BufferType == SECBUFFER_EXTRA)
        retain_extra(&b[3]);
      else
        ibuf_len = 0;
    }
    if (st == SEC_E_INCOMPLETE_MESSAGE) {
      missing = b[0].BufferType == SECBUFFER_MISSING ? b[0].cbBuffer : 1;
      continue;
    }
    if (st == SEC_I_CONTEXT_EXPIRED) {
      caller_step("DecryptMessage", st);
      fprintf(stderr, "close_notify received\n");
      return 1;
    }
    if (st == SEC_I_RENEGOTIATE) {
      caller_step("DecryptMessage", st);
      renegotiate();
      continue;
    }
    if (st != SEC_E_OK) {
      caller_step("DecryptMessage", st);
      caller_fail("DecryptMessage failed");
    }
  }
}

static void send_shutdown(void) {
  DWORD kind = SCHANNEL_SHUTDOWN;
  SecBuffer tok, out[3];
  SecBufferDesc tok_desc, out_desc;
  TimeStamp expiry;
  SECURITY_STATUS st;
  tok.BufferType = SECBUFFER_TOKEN;
  tok.cbBuffer = sizeof kind;
  tok.pvBuffer = &kind;
  tok_desc.ulVersion = SECBUFFER_VERSION;
  tok_desc.cBuffers = 1;
  tok_desc.pBuffers = &tok;
  if (caller_step("ApplyControlToken(SCHANNEL_SHUTDOWN)", ApplyControlToken(&ctx, &tok_desc)) != SEC_E_OK)
    caller_fail("Failed to apply shutdown control token");
  init_out(out, &out_desc);
  st = caller_step("InitializeSecurityContext(shutdown)",
                   InitializeSecurityContextW(&cred, &ctx, target, QT_FLAGS, 0, 0, NULL, 0, NULL, &out_desc, &attrs,
                                              &expiry));
  if (st == SEC_E_OK || st == SEC_I_CONTEXT_EXPIRED) {
    CALLER_EXPECT(out[0].cbBuffer > 0, "no close_notify to send");
    send_token(&out[0]);
    fprintf(stderr, "close_notify sent\n");
  } else {
    caller_fail("Failed to initialize shutdown");
  }
  free_out(out);
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
  create_context();
  perform_handshake(1);
  verify_handshake();
  send_data(req, (unsigned long)strlen(req));
  if (strcmp(a.mode, "http") == 0) {
    CALLER_EXPECT(receive(0, &got) == 1, "no close_notify from the server");
    send_shutdown(); /* disconnectFromHost after the remote closed */
  } else {
    receive((unsigned long)strlen(req), &got);
    send_shutdown();
    CALLER_EXPECT(receive(0, &got) == 1, "no close_notify from the server");
  }
  fprintf(stderr, "received: %lu bytes\n", got);
  DeleteSecurityContext(&ctx);
  FreeCredentialsHandle(&cred);
  net_close(sock);
  fprintf(stderr, "result: ok\n");
  return 0;
}
