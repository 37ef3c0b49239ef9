/* chromium.c: replays the SSPI calls of Chromium's Windows SSL client,
 * net/socket/ssl_client_socket_win.cc (2010-2011, before Chromium moved to
 * NSS and then BoringSSL), written from reading that file:
 *   - credentials: SCHANNEL_CRED (SCHANNEL_CRED_VERSION) with
 *     SCH_CRED_NO_DEFAULT_CREDS | SCH_CRED_MANUAL_CRED_VALIDATION |
 *     SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT, acquired once per
 *     protocol set and shared by every connection (a process-wide table);
 *   - request flags 0xC11C (SEQUENCE_DETECT | REPLAY_DETECT | CONFIDENTIALITY
 *     | EXTENDED_ERROR | ALLOCATE_MEMORY | STREAM), plus
 *     ISC_REQ_USE_SUPPLIED_CREDS on the continuation calls of a connection
 *     retried after the server asked for a certificate;
 *   - the first call with the host name, no input, one TOKEN output; later
 *     calls with a NULL target name and a NULL phNewContext, input
 *     [TOKEN = the whole receive buffer, EMPTY], one TOKEN output;
 *   - an output token sent before the status is looked at, also on a failure
 *     flagged ISC_RET_EXTENDED_ERROR (the alert);
 *   - SECBUFFER_EXTRA located by its cbBuffer alone (bytes_received - cb),
 *     pvBuffer ignored; CONTINUE_NEEDED with EXTRA calls again at once;
 *   - SEC_I_INCOMPLETE_CREDENTIALS: SECPKG_ATTR_ISSUER_LIST_EX read on the
 *     unfinished context, the connection abandoned, and a new connection
 *     made with "send a client certificate" set (none chosen: the same
 *     credential, USE_SUPPLIED_CREDS on the continuation calls);
 *   - after the handshake: STREAM_SIZES and REMOTE_CERT_CONTEXT, both
 *     required, CONNECTION_INFO, CIPHER_INFO (a failure tolerated);
 *   - EncryptMessage on [STREAM_HEADER, DATA, STREAM_TRAILER, EMPTY] in one
 *     allocation, the three returned lengths sent from its start;
 *   - DecryptMessage on [DATA = the whole receive buffer, EMPTY, EMPTY,
 *     EMPTY] whose EMPTY entries have only their type set (their pointer
 *     and length are whatever the stack held: garbage here), pfQOP NULL,
 *     DATA and EXTRA found by type among entries 1-3;
 *   - SEC_I_CONTEXT_EXPIRED is end of stream. Chromium sends no close_notify
 *     of its own (its Disconnect only deletes the context), so neither does
 *     this replay: it runs in the "http" shape only. */

#include "caller.h"

#define RECV_BUFFER_SIZE (5 + 16 * 1024 + 64)
#define CHROMIUM_FLAGS                                                                                       \
  (ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_RET_EXTENDED_ERROR |       \
   ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM)

static CredHandle cred; /* the process-wide table's entry for this protocol set */
static int have_cred;
static int send_client_cert;

static unsigned char recv_buf[RECV_BUFFER_SIZE];
static unsigned long bytes_received;
static net_socket sock;
static CtxtHandle ctx;
static SecPkgContext_StreamSizes sizes;

static void read_more(void) {
  int n;
  if (bytes_received == sizeof recv_buf)
    caller_fail("receive buffer full");
  n = net_recv(sock, recv_buf + bytes_received, sizeof recv_buf - bytes_received);
  if (n <= 0)
    caller_fail("connection closed during the handshake");
  bytes_received += (unsigned long)n;
}

static void get_cred(const caller_args *a) {
  SCHANNEL_CRED sc;
  TimeStamp expiry;
  if (have_cred)
    return;
  memset(&sc, 0, sizeof sc);
  sc.dwVersion = SCHANNEL_CRED_VERSION;
  sc.grbitEnabledProtocols = caller_protocols(a, 0);
  sc.dwFlags = SCH_CRED_NO_DEFAULT_CREDS | SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT;
  if (caller_step("AcquireCredentialsHandle", AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)UNISP_NAME_W,
                                                                        SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL,
                                                                        &cred, &expiry)) != SEC_E_OK)
    caller_fail("AcquireCredentialsHandle");
  have_cred = 1;
}

/* Sends an output token if there is one (Chromium's "send first, then look at the status"). */
static void send_token(SecBuffer *out, SECURITY_STATUS st, ULONG attrs) {
  if (out->cbBuffer && out->pvBuffer &&
      (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED || (FAILED(st) && (attrs & ISC_RET_EXTENDED_ERROR))))
    caller_send(sock, out->pvBuffer, out->cbBuffer);
  if (out->pvBuffer)
    FreeContextBuffer(out->pvBuffer);
}

/* The handshake of one connection: 1 when complete, 0 when the server asked for a certificate
 * (Chromium abandons the connection and starts another). */
static int handshake(const caller_args *a, int renegotiating) {
  WCHAR host[256];
  SecBuffer out, in[2];
  SecBufferDesc out_desc, in_desc;
  ULONG attrs = 0;
  TimeStamp expiry;
  SECURITY_STATUS st;
  size_t i;
  if (!renegotiating) {
    for (i = 0; a->name[i] && i + 1 < sizeof host / sizeof host[0]; i++)
      host[i] = (WCHAR)a->name[i];
    host[i] = 0;
    out.BufferType = SECBUFFER_TOKEN;
    out.cbBuffer = 0;
    out.pvBuffer = NULL;
    out_desc.ulVersion = SECBUFFER_VERSION;
    out_desc.cBuffers = 1;
    out_desc.pBuffers = &out;
    st = caller_step("InitializeSecurityContext(first)",
                     InitializeSecurityContextW(&cred, NULL, host, CHROMIUM_FLAGS, 0, 0, NULL, 0, &ctx, &out_desc,
                                                &attrs, &expiry));
    if (st != SEC_I_CONTINUE_NEEDED)
      caller_fail("the first InitializeSecurityContext did not ask to continue");
    send_token(&out, st, attrs);
    bytes_received = 0;
    read_more();
  }
  for (;;) {
    ULONG flags = CHROMIUM_FLAGS | (send_client_cert ? ISC_REQ_USE_SUPPLIED_CREDS : 0);
    in[0].BufferType = SECBUFFER_TOKEN;
    in[0].cbBuffer = bytes_received;
    in[0].pvBuffer = recv_buf;
    in[1].BufferType = SECBUFFER_EMPTY;
    in[1].cbBuffer = 0;
    in[1].pvBuffer = NULL;
    in_desc.ulVersion = SECBUFFER_VERSION;
    in_desc.cBuffers = 2;
    in_desc.pBuffers = in;
    out.BufferType = SECBUFFER_TOKEN;
    out.cbBuffer = 0;
    out.pvBuffer = NULL;
    out_desc.ulVersion = SECBUFFER_VERSION;
    out_desc.cBuffers = 1;
    out_desc.pBuffers = &out;
    st = InitializeSecurityContextW(&cred, &ctx, NULL, flags, 0, 0, &in_desc, 0, NULL, &out_desc, &attrs, &expiry);
    if (st != SEC_E_INCOMPLETE_MESSAGE)
      caller_step("InitializeSecurityContext", st);
    if (st == SEC_E_INVALID_TOKEN)
      caller_fail("SEC_E_INVALID_TOKEN during the handshake");
    send_token(&out, st, attrs);
    if (st == SEC_E_INCOMPLETE_MESSAGE) {
      read_more();
      continue;
    }
    if (st == SEC_E_OK) {
      if (in[1].BufferType == SECBUFFER_EXTRA) {
        /* Located by its length only, as Chromium does. */
        memmove(recv_buf, recv_buf + (bytes_received - in[1].cbBuffer), in[1].cbBuffer);
        bytes_received = in[1].cbBuffer;
      } else {
        bytes_received = 0;
      }
      return 1;
    }
    if (FAILED(st))
      caller_fail("handshake failed");
    if (st == SEC_I_INCOMPLETE_CREDENTIALS) {
      SecPkgContext_IssuerListInfoEx issuers;
      memset(&issuers, 0, sizeof issuers);
      if (caller_step("QueryContextAttributes(ISSUER_LIST_EX)",
                      QueryContextAttributesW(&ctx, SECPKG_ATTR_ISSUER_LIST_EX, &issuers)) == SEC_E_OK &&
          issuers.aIssuers)
        FreeContextBuffer(issuers.aIssuers);
      if (renegotiating || send_client_cert)
        caller_fail("SEC_I_INCOMPLETE_CREDENTIALS again after choosing to send no certificate");
      return 0;
    }
    if (st == SEC_I_NO_RENEGOTIATION)
      caller_fail("SEC_I_NO_RENEGOTIATION");
    if (st != SEC_I_CONTINUE_NEEDED)
      caller_fail("unexpected handshake status");
    if (in[1].BufferType == SECBUFFER_EXTRA) {
      memmove(recv_buf, recv_buf + (bytes_received - in[1].cbBuffer), in[1].cbBuffer);
      bytes_received = in[1].cbBuffer;
      continue; /* no read: call again at once */
    }
    bytes_received = 0;
    read_more();
  }
}

static void after_handshake(void) {
  PCCERT_CONTEXT server_cert = NULL;
  SecPkgContext_ConnectionInfo ci;
  SecPkgContext_CipherInfo cipher;
  if (caller_step("QueryContextAttributes(STREAM_SIZES)",
                  QueryContextAttributesW(&ctx, SECPKG_ATTR_STREAM_SIZES, &sizes)) != SEC_E_OK)
    caller_fail("no stream sizes");
  if (caller_step("QueryContextAttributes(REMOTE_CERT_CONTEXT)",
                  QueryContextAttributesW(&ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, &server_cert)) != SEC_E_OK ||
      !server_cert)
    caller_fail("no server certificate");
  CertFreeCertificateContext(server_cert);
  memset(&ci, 0, sizeof ci);
  if (QueryContextAttributesW(&ctx, SECPKG_ATTR_CONNECTION_INFO, &ci) != SEC_E_OK || ci.dwCipherStrength == 0)
    caller_fail("no cipher strength");
  memset(&cipher, 0, sizeof cipher);
  cipher.dwVersion = SECPKGCONTEXT_CIPHERINFO_V1;
  caller_step("QueryContextAttributes(CIPHER_INFO)", QueryContextAttributesW(&ctx, SECPKG_ATTR_CIPHER_INFO, &cipher));
  fprintf(stderr, "handshake: complete\n");
  caller_report_protocol(&ctx);
}

static void write_all(const char *msg, unsigned long len) {
  while (len) {
    unsigned long n = len < sizes.cbMaximumMessage ? len : sizes.cbMaximumMessage;
    unsigned long total = sizes.cbHeader + n + sizes.cbTrailer;
    unsigned char *p = (unsigned char *)malloc(total);
    SecBuffer b[4];
    SecBufferDesc d;
    if (!p)
      caller_fail("out of memory");
    memcpy(p + sizes.cbHeader, msg, n);
    b[0].BufferType = SECBUFFER_STREAM_HEADER;
    b[0].cbBuffer = sizes.cbHeader;
    b[0].pvBuffer = p;
    b[1].BufferType = SECBUFFER_DATA;
    b[1].cbBuffer = n;
    b[1].pvBuffer = p + sizes.cbHeader;
    b[2].BufferType = SECBUFFER_STREAM_TRAILER;
    b[2].cbBuffer = sizes.cbTrailer;
    b[2].pvBuffer = p + sizes.cbHeader + n;
    b[3].BufferType = SECBUFFER_EMPTY;
    b[3].cbBuffer = 0;
    b[3].pvBuffer = NULL;
    d.ulVersion = SECBUFFER_VERSION;
    d.cBuffers = 4;
    d.pBuffers = b;
    if (caller_step("EncryptMessage", EncryptMessage(&ctx, 0, &d, 0)) != SEC_E_OK)
      caller_fail("EncryptMessage");
    /* Sent from the start of the allocation: the three pieces must be adjacent. */
    CALLER_EXPECT(b[0].cbBuffer == sizes.cbHeader, "the header length changed");
    CALLER_EXPECT(b[1].pvBuffer == p + sizes.cbHeader && b[2].pvBuffer == p + sizes.cbHeader + b[1].cbBuffer,
                  "header, data and trailer are not adjacent");
    caller_send(sock, p, b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer);
    fprintf(stderr, "sent: %lu bytes\n", n);
    free(p);
    msg += n;
    len -= n;
  }
}

/* Reads and decrypts until the server's close_notify; returns the plaintext byte count. */
static unsigned long read_all(const caller_args *a) {
  unsigned long got = 0;
  for (;;) {
    SecBuffer b[4];
    SecBufferDesc d;
    SECURITY_STATUS st;
    int i;
    if (bytes_received == 0) {
      int n = net_recv(sock, recv_buf, sizeof recv_buf);
      if (n <= 0)
        caller_fail("connection closed without close_notify");
      bytes_received = (unsigned long)n;
    }
    b[0].BufferType = SECBUFFER_DATA;
    b[0].cbBuffer = bytes_received;
    b[0].pvBuffer = recv_buf;
    for (i = 1; i < 4; i++) {
      /* Only the type is set; the rest is whatever was on the stack. */
      b[i].BufferType = SECBUFFER_EMPTY;
      b[i].cbBuffer = 0xA5A5A5A5u;
      b[i].pvBuffer = (void *)(~(size_t)0 - (size_t)i * 4096);
    }
    d.ulVersion = SECBUFFER_VERSION;
    d.cBuffers = 4;
    d.pBuffers = b;
    st = DecryptMessage(&ctx, &d, 0, NULL);
    if (st == SEC_E_INCOMPLETE_MESSAGE) {
      int n;
      if (bytes_received == sizeof recv_buf)
        caller_fail("receive buffer full");
      n = net_recv(sock, recv_buf + bytes_received, sizeof recv_buf - bytes_received);
      if (n <= 0)
        caller_fail("connection closed inside a record");
      bytes_received += (unsigned long)n;
      continue;
    }
    if (st == SEC_I_CONTEXT_EXPIRED) {
      caller_step("DecryptMessage", st);
      fprintf(stderr, "close_notify received\n");
      bytes_received = 0;
      return got;
    }
    if (st != SEC_E_OK && st != SEC_I_RENEGOTIATE) {
      caller_step("DecryptMessage", st);
      caller_fail("DecryptMessage failed");
    }
    {
      SecBuffer *data = NULL, *extra = NULL;
      for (i = 1; i < 4; i++) {
        if (!data && b[i].BufferType == SECBUFFER_DATA)
          data = &b[i];
        if (!extra && b[i].BufferType == SECBUFFER_EXTRA)
          extra = &b[i];
      }
      if (st == SEC_I_RENEGOTIATE) {
        caller_step("DecryptMessage", st);
        if ((extra && extra->cbBuffer) || (data && data->cbBuffer))
          caller_fail("renegotiation requested with data pending (Chromium refuses it)");
        bytes_received = 0;
        if (handshake(a, 1) != 1)
          caller_fail("renegotiation did not complete");
        continue;
      }
      if (data && data->cbBuffer) {
        fwrite(data->pvBuffer, 1, data->cbBuffer, stdout);
        got += data->cbBuffer;
      }
      if (extra && extra->cbBuffer) {
        memmove(recv_buf, extra->pvBuffer, extra->cbBuffer); /* here by pointer */
        bytes_received = extra->cbBuffer;
      } else {
        bytes_received = 0;
      }
    }
  }
}

int main(int argc, char **argv) {
  caller_args a = caller_parse(argc, argv);
  const char *req = caller_request(&a);
  unsigned long got;
  int attempt;
  CALLER_EXPECT(strcmp(a.mode, "http") == 0, "Chromium's client sends no close_notify: http shape only");
  get_cred(&a);
  for (attempt = 0;; attempt++) {
    sock = caller_connect(&a);
    if (handshake(&a, 0))
      break;
    /* ERR_SSL_CLIENT_AUTH_CERT_NEEDED: the user picks no certificate, the request restarts
     * on a new connection that sends none. */
    fprintf(stderr, "client certificate requested: reconnecting without one\n");
    DeleteSecurityContext(&ctx);
    net_close(sock);
    CALLER_EXPECT(attempt == 0, "asked for a certificate twice");
    send_client_cert = 1;
  }
  after_handshake();
  write_all(req, (unsigned long)strlen(req));
  got = read_all(&a);
  fprintf(stderr, "received: %lu bytes\n", got);
  DeleteSecurityContext(&ctx);
  net_close(sock);
  FreeCredentialsHandle(&cred);
  fprintf(stderr, "result: ok\n");
  return 0;
}
