/* wine.c: the expectations of Wine's Schannel conformance test
 * (dlls/secur32/tests/schannel.c, test_communication), which Wine runs on
 * real Windows: every ok() there that Windows passes is asserted here, in
 * the same call order, against a local server instead of www.winehq.org.
 *
 * The sequence (ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM, caller buffers, no
 * ISC_REQ_ALLOCATE_MEMORY; descriptors of four buffers, the unused ones
 * zeroed, which is SECBUFFER_EMPTY):
 *   1. the first ISC into a 4000-byte TOKEN buffer: SEC_I_CONTINUE_NEEDED;
 *   2. then a TOKEN input of 4000 bytes of garbage with a 1-byte output
 *      buffer: SEC_E_INVALID_TOKEN, and the output length set to 0 (Wine
 *      marks that one todo; Windows does it); again: SEC_E_INSUFFICIENT_MEMORY
 *      or SEC_E_INVALID_TOKEN;
 *   3. a new context (the old handle overwritten, as the test does): its
 *      ClientHello is sent;
 *   4. ISC with no input at all, then with a 4-buffer input whose TOKEN has
 *      length 0: SEC_E_INCOMPLETE_MESSAGE, the output buffer's length and type
 *      unchanged;
 *   5. the server's flight given 4 bytes, then 5 bytes, of it:
 *      SEC_E_INCOMPLETE_MESSAGE each time, output unchanged (the SECBUFFER_MISSING
 *      those calls leave in the input descriptor stays there for the next
 *      call, as in the test);
 *   6. the whole flight, then the loop to SEC_E_OK;
 *   7. SECPKG_ATTR_REMOTE_CERT_CONTEXT: hCertStore set and holding the
 *      certificate itself; SECPKG_ATTR_CONNECTION_INFO;
 *   8. EncryptMessage on [STREAM_HEADER, DATA, STREAM_TRAILER, EMPTY];
 *   9. DecryptMessage of the answer: three buffers, four EMPTY ones, two DATA,
 *      DATA + EXTRA + two EMPTY are all SEC_E_INVALID_TOKEN; a DATA buffer one
 *      record header short: SEC_E_INCOMPLETE_MESSAGE with buffer 0 retyped
 *      SECBUFFER_MISSING and counting 5; then the whole record: SEC_E_OK with
 *      [STREAM_HEADER, DATA, STREAM_TRAILER], and a NUL written after DATA.
 * Then, beyond the test, to end cleanly: the rest read to the server's
 * close_notify, and our own (ApplyControlToken + ISC into a caller buffer). */

#include "caller.h"

#define BUF_SIZE 4000
#define ANSWER_SIZE 65536

static const ULONG req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM;
static CredHandle cred;
static CtxtHandle context;
static net_socket sock;

static void init_buffers(SecBufferDesc *desc, unsigned count, unsigned size) {
  desc->ulVersion = SECBUFFER_VERSION;
  desc->cBuffers = count;
  desc->pBuffers = calloc(count, sizeof(SecBuffer));
  CALLER_EXPECT(desc->pBuffers != NULL, "out of memory");
  desc->pBuffers[0].cbBuffer = size;
  desc->pBuffers[0].pvBuffer = malloc(size);
  CALLER_EXPECT(desc->pBuffers[0].pvBuffer != NULL, "out of memory");
  memset(desc->pBuffers[0].pvBuffer, 0xCC, size); /* HeapAlloc's memory is not zeroed */
}

static void reset_buffers(SecBufferDesc *desc) {
  unsigned i;
  for (i = 0; i < desc->cBuffers; ++i) {
    desc->pBuffers[i].BufferType = SECBUFFER_EMPTY;
    if (i > 0) {
      desc->pBuffers[i].cbBuffer = 0;
      desc->pBuffers[i].pvBuffer = NULL;
    }
  }
}

static void free_buffers(SecBufferDesc *desc) {
  free(desc->pBuffers[0].pvBuffer);
  free(desc->pBuffers);
}

/* Reads until whole records are in (the test's receive_data). */
static int receive_data(SecBuffer *buf) {
  unsigned received = 0;
  for (;;) {
    unsigned char *data = buf->pvBuffer;
    unsigned expected = 0;
    int ret = net_recv(sock, (char *)data + received, buf->cbBuffer - received);
    if (ret <= 0)
      return -1;
    received += (unsigned)ret;
    while (expected < received) {
      unsigned frame = 5 + ((unsigned)(data[3] << 8) | data[4]);
      expected += frame;
      data += frame;
    }
    if (expected == received)
      break;
  }
  buf->cbBuffer = received;
  return (int)received;
}

static SECURITY_STATUS isc(CtxtHandle *ctx, SecBufferDesc *in, CtxtHandle *new_ctx, SecBufferDesc *out, const char *what) {
  ULONG attrs = 0;
  return caller_step(what, InitializeSecurityContextA(&cred, ctx, (SEC_CHAR *)"localhost", req, 0, 0, in, 0, new_ctx,
                                                      out, &attrs, NULL));
}

#define EXPECT_OUTPUT_UNCHANGED(b)                                                                                      \
  do {                                                                                                                 \
    CALLER_EXPECT((b)[0].pBuffers[0].cbBuffer == BUF_SIZE, "output buffer size changed");                              \
    CALLER_EXPECT((b)[0].pBuffers[0].BufferType == SECBUFFER_TOKEN, "output buffer type changed");                     \
  } while (0)

int main(int argc, char **argv) {
  caller_args a = caller_parse(argc, argv);
  SCHANNEL_CRED sc;
  SecBufferDesc buffers[2];
  SecBuffer *buf;
  SecPkgContext_StreamSizes sizes;
  SecPkgContext_ConnectionInfo conn_info;
  PCCERT_CONTEXT cert = NULL, iter = NULL;
  unsigned char *data;
  unsigned cert_cnt = 0, data_size;
  int incl_remote = 0, ret, closed = 0;
  SECURITY_STATUS st;
  const char *request = caller_request(&a);

  CALLER_EXPECT(strcmp(a.mode, "http") == 0, "the test sends one request and reads the answer (--mode http)");
  memset(&sc, 0, sizeof sc);
  sc.dwVersion = SCHANNEL_CRED_VERSION;
  sc.grbitEnabledProtocols = caller_protocols(&a, 0);
  sc.dwFlags = SCH_CRED_NO_DEFAULT_CREDS | SCH_CRED_MANUAL_CRED_VALIDATION;
  st = caller_step("AcquireCredentialsHandleA", AcquireCredentialsHandleA(NULL, (SEC_CHAR *)UNISP_NAME_A,
                                                                          SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL,
                                                                          &cred, NULL));
  CALLER_EXPECT(st == SEC_E_OK, "AcquireCredentialsHandleA failed");
  sock = caller_connect(&a);

  init_buffers(&buffers[0], 4, BUF_SIZE);
  init_buffers(&buffers[1], 4, BUF_SIZE);

  /* 1-2 */
  buffers[0].pBuffers[0].BufferType = SECBUFFER_TOKEN;
  st = isc(NULL, NULL, &context, &buffers[0], "InitializeSecurityContextA (1)");
  CALLER_EXPECT(st == SEC_I_CONTINUE_NEEDED, "expected SEC_I_CONTINUE_NEEDED");
  buffers[1].cBuffers = 1;
  buffers[1].pBuffers[0].BufferType = SECBUFFER_TOKEN;
  buffers[0].pBuffers[0].cbBuffer = 1;
  st = isc(&context, &buffers[1], NULL, &buffers[0], "InitializeSecurityContextA (garbage)");
  CALLER_EXPECT(st == SEC_E_INVALID_TOKEN, "garbage: expected SEC_E_INVALID_TOKEN");
  CALLER_EXPECT(buffers[0].pBuffers[0].cbBuffer == 0, "output buffer size was not set to 0");
  st = isc(&context, &buffers[1], NULL, &buffers[0], "InitializeSecurityContextA (garbage again)");
  CALLER_EXPECT(st == SEC_E_INSUFFICIENT_MEMORY || st == SEC_E_INVALID_TOKEN, "garbage again: unexpected status");
  /* The test overwrites the dead handle; we delete it, which Windows allows too. */
  DeleteSecurityContext(&context);

  /* 3 */
  buffers[0].pBuffers[0].cbBuffer = BUF_SIZE;
  st = isc(NULL, NULL, &context, &buffers[0], "InitializeSecurityContextA (new context)");
  CALLER_EXPECT(st == SEC_I_CONTINUE_NEEDED, "expected SEC_I_CONTINUE_NEEDED");
  buf = &buffers[0].pBuffers[0];
  caller_send(sock, buf->pvBuffer, buf->cbBuffer);
  buf->cbBuffer = BUF_SIZE;

  /* 4 */
  st = isc(&context, NULL, NULL, &buffers[0], "InitializeSecurityContextA (no input)");
  CALLER_EXPECT(st == SEC_E_INCOMPLETE_MESSAGE, "no input: expected SEC_E_INCOMPLETE_MESSAGE");
  EXPECT_OUTPUT_UNCHANGED(buffers);
  buffers[1].cBuffers = 4;
  buffers[1].pBuffers[0].cbBuffer = 0;
  st = isc(&context, &buffers[1], NULL, &buffers[0], "InitializeSecurityContextA (empty token)");
  CALLER_EXPECT(st == SEC_E_INCOMPLETE_MESSAGE, "empty token: expected SEC_E_INCOMPLETE_MESSAGE");
  EXPECT_OUTPUT_UNCHANGED(buffers);

  /* 5 */
  buf = &buffers[1].pBuffers[0];
  buf->cbBuffer = BUF_SIZE;
  ret = receive_data(buf);
  CALLER_EXPECT(ret > 0, "no server flight");
  buffers[1].pBuffers[0].cbBuffer = 4;
  st = isc(&context, &buffers[1], NULL, &buffers[0], "InitializeSecurityContextA (4 bytes)");
  CALLER_EXPECT(st == SEC_E_INCOMPLETE_MESSAGE, "4 bytes: expected SEC_E_INCOMPLETE_MESSAGE");
  EXPECT_OUTPUT_UNCHANGED(buffers);
  buffers[1].pBuffers[0].cbBuffer = 5;
  st = isc(&context, &buffers[1], NULL, &buffers[0], "InitializeSecurityContextA (5 bytes)");
  CALLER_EXPECT(st == SEC_E_INCOMPLETE_MESSAGE, "5 bytes: expected SEC_E_INCOMPLETE_MESSAGE");
  EXPECT_OUTPUT_UNCHANGED(buffers);

  /* 6 */
  buffers[1].pBuffers[0].cbBuffer = (ULONG)ret;
  st = isc(&context, &buffers[1], NULL, &buffers[0], "InitializeSecurityContextA (flight)");
  buffers[1].pBuffers[0].cbBuffer = BUF_SIZE;
  while (st == SEC_I_CONTINUE_NEEDED) {
    buf = &buffers[0].pBuffers[0];
    caller_send(sock, buf->pvBuffer, buf->cbBuffer);
    buf->cbBuffer = BUF_SIZE;
    buf = &buffers[1].pBuffers[0];
    ret = receive_data(buf);
    CALLER_EXPECT(ret > 0, "server closed during the handshake");
    buf->BufferType = SECBUFFER_TOKEN;
    st = isc(&context, &buffers[1], NULL, &buffers[0], "InitializeSecurityContextA (loop)");
    buffers[1].pBuffers[0].cbBuffer = BUF_SIZE;
  }
  CALLER_EXPECT(st == SEC_E_OK, "InitializeSecurityContext failed");
  /* A TLS 1.3 client's Finished is the last output: Windows documents it must be sent. */
  if (buffers[0].pBuffers[0].BufferType == SECBUFFER_TOKEN && buffers[0].pBuffers[0].cbBuffer > 0 &&
      buffers[0].pBuffers[0].cbBuffer < BUF_SIZE)
    caller_send(sock, buffers[0].pBuffers[0].pvBuffer, buffers[0].pBuffers[0].cbBuffer);
  fprintf(stderr, "handshake: complete\n");

  /* 7 */
  st = caller_step("QueryContextAttributesA(REMOTE_CERT_CONTEXT)",
                   QueryContextAttributesA(&context, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (void *)&cert));
  CALLER_EXPECT(st == SEC_E_OK && cert, "no remote certificate");
  CALLER_EXPECT(cert->hCertStore != NULL, "hCertStore == NULL");
  while ((iter = CertEnumCertificatesInStore(cert->hCertStore, iter)) != NULL) {
    if (iter->cbCertEncoded == cert->cbCertEncoded && memcmp(iter->pbCertEncoded, cert->pbCertEncoded, cert->cbCertEncoded) == 0)
      incl_remote = 1;
    cert_cnt++;
  }
  CALLER_EXPECT(incl_remote, "the context's store does not hold the certificate itself");
  fprintf(stderr, "certificates in the remote store: %u\n", cert_cnt);
  CertFreeCertificateContext(cert);
  st = caller_step("QueryContextAttributesA(CONNECTION_INFO)",
                   QueryContextAttributesA(&context, SECPKG_ATTR_CONNECTION_INFO, (void *)&conn_info));
  CALLER_EXPECT(st == SEC_E_OK, "no connection info");
  CALLER_EXPECT(conn_info.dwCipherStrength >= 128, "dwCipherStrength = %lu", (unsigned long)conn_info.dwCipherStrength);
  caller_report_protocol(&context);
  QueryContextAttributesA(&context, SECPKG_ATTR_STREAM_SIZES, &sizes);

  /* 8 */
  reset_buffers(&buffers[0]);
  buf = &buffers[0].pBuffers[0];
  data = buf->pvBuffer;
  buf->BufferType = SECBUFFER_STREAM_HEADER;
  buf->cbBuffer = sizes.cbHeader;
  ++buf;
  buf->BufferType = SECBUFFER_DATA;
  buf->pvBuffer = data + sizes.cbHeader;
  buf->cbBuffer = (ULONG)strlen(request);
  memcpy(buf->pvBuffer, request, strlen(request));
  ++buf;
  buf->BufferType = SECBUFFER_STREAM_TRAILER;
  buf->pvBuffer = data + sizes.cbHeader + strlen(request);
  buf->cbBuffer = sizes.cbTrailer;
  st = caller_step("EncryptMessage", EncryptMessage(&context, 0, &buffers[0], 0));
  CALLER_EXPECT(st == SEC_E_OK, "EncryptMessage failed");
  buf = &buffers[0].pBuffers[0];
  caller_send(sock, buf->pvBuffer,
              buffers[0].pBuffers[0].cbBuffer + buffers[0].pBuffers[1].cbBuffer + buffers[0].pBuffers[2].cbBuffer);

  /* 9. The test's HEAD answer fits its 4000 bytes; our servers' pages do not. */
  reset_buffers(&buffers[0]);
  free(buf->pvBuffer);
  buf->pvBuffer = malloc(ANSWER_SIZE);
  CALLER_EXPECT(buf->pvBuffer != NULL, "out of memory");
  buf->cbBuffer = ANSWER_SIZE;
  ret = receive_data(buf);
  CALLER_EXPECT(ret > 0, "no answer");
  data_size = (unsigned)ret;
  --buffers[0].cBuffers;
  CALLER_EXPECT(DecryptMessage(&context, &buffers[0], 0, NULL) == SEC_E_INVALID_TOKEN, "too few buffers");
  ++buffers[0].cBuffers;
  CALLER_EXPECT(DecryptMessage(&context, &buffers[0], 0, NULL) == SEC_E_INVALID_TOKEN, "no data buffer");
  buffers[0].pBuffers[0].BufferType = SECBUFFER_DATA;
  buffers[0].pBuffers[1].BufferType = SECBUFFER_DATA;
  CALLER_EXPECT(DecryptMessage(&context, &buffers[0], 0, NULL) == SEC_E_INVALID_TOKEN, "two data buffers");
  buffers[0].pBuffers[1].BufferType = SECBUFFER_EXTRA;
  CALLER_EXPECT(DecryptMessage(&context, &buffers[0], 0, NULL) == SEC_E_INVALID_TOKEN, "too few empty buffers");
  data = buf->pvBuffer;
  buffers[0].pBuffers[1].BufferType = SECBUFFER_EMPTY;
  buffers[0].pBuffers[0].cbBuffer = (ULONG)((data[3] << 8) | data[4]);
  st = caller_step("DecryptMessage (record header short)", DecryptMessage(&context, &buffers[0], 0, NULL));
  CALLER_EXPECT(st == SEC_E_INCOMPLETE_MESSAGE, "incomplete data: expected SEC_E_INCOMPLETE_MESSAGE");
  CALLER_EXPECT(buffers[0].pBuffers[0].BufferType == SECBUFFER_MISSING, "expected buffer 0 to be SECBUFFER_MISSING");
  CALLER_EXPECT(buffers[0].pBuffers[0].cbBuffer == 5, "expected buffer 0 to count 5 bytes, not %lu",
                (unsigned long)buffers[0].pBuffers[0].cbBuffer);

  /* The first record, then on until the server's close_notify: whatever
   * DecryptMessage leaves in EXTRA is the next input. */
  buffers[0].pBuffers[0].pvBuffer = data;
  buffers[0].pBuffers[0].cbBuffer = data_size;
  for (;;) {
    unsigned i;
    SecBuffer *extra = NULL;
    buffers[0].pBuffers[0].BufferType = SECBUFFER_DATA;
    for (i = 1; i < 4; i++) {
      buffers[0].pBuffers[i].BufferType = SECBUFFER_EMPTY;
      buffers[0].pBuffers[i].pvBuffer = NULL;
      buffers[0].pBuffers[i].cbBuffer = 0;
    }
    st = DecryptMessage(&context, &buffers[0], 0, NULL);
    if (st == SEC_I_CONTEXT_EXPIRED) {
      caller_step("DecryptMessage", st);
      fprintf(stderr, "close_notify received\n");
      closed = 1;
      break;
    }
    if (st == SEC_E_INCOMPLETE_MESSAGE) {
      /* More from the socket after what is in buffer 0. */
      unsigned have = data_size;
      int n = net_recv(sock, data + have, ANSWER_SIZE - have);
      CALLER_EXPECT(n > 0, "server closed without close_notify");
      data_size = have + (unsigned)n;
      buffers[0].pBuffers[0].pvBuffer = data;
      buffers[0].pBuffers[0].cbBuffer = data_size;
      continue;
    }
    CALLER_EXPECT(st == SEC_E_OK, "DecryptMessage failed: %s", tls_status_name(caller_step("DecryptMessage", st)));
    CALLER_EXPECT(buffers[0].pBuffers[0].BufferType == SECBUFFER_STREAM_HEADER, "expected buffer 0 STREAM_HEADER");
    CALLER_EXPECT(buffers[0].pBuffers[1].BufferType == SECBUFFER_DATA, "expected buffer 1 DATA");
    CALLER_EXPECT(buffers[0].pBuffers[2].BufferType == SECBUFFER_STREAM_TRAILER, "expected buffer 2 STREAM_TRAILER");
    fwrite(buffers[0].pBuffers[1].pvBuffer, 1, buffers[0].pBuffers[1].cbBuffer, stdout);
    ((unsigned char *)buffers[0].pBuffers[1].pvBuffer)[buffers[0].pBuffers[1].cbBuffer] = 0;
    if (buffers[0].pBuffers[3].BufferType == SECBUFFER_EXTRA)
      extra = &buffers[0].pBuffers[3];
    if (extra) {
      memmove(data, extra->pvBuffer, extra->cbBuffer);
      data_size = extra->cbBuffer;
    } else {
      int n = net_recv(sock, data, ANSWER_SIZE);
      CALLER_EXPECT(n > 0, "server closed without close_notify");
      data_size = (unsigned)n;
    }
    buffers[0].pBuffers[0].pvBuffer = data;
    buffers[0].pBuffers[0].cbBuffer = data_size;
  }
  fflush(stdout);
  CALLER_EXPECT(closed, "no close_notify");

  /* Our close_notify, into a caller buffer. */
  {
    DWORD type = SCHANNEL_SHUTDOWN;
    SecBuffer tok = {sizeof type, SECBUFFER_TOKEN, &type};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &tok};
    st = caller_step("ApplyControlToken(SCHANNEL_SHUTDOWN)", ApplyControlToken(&context, &d));
    CALLER_EXPECT(st == SEC_E_OK, "ApplyControlToken");
    reset_buffers(&buffers[0]);
    buffers[0].pBuffers[0].BufferType = SECBUFFER_TOKEN;
    buffers[0].pBuffers[0].cbBuffer = ANSWER_SIZE;
    st = isc(&context, NULL, NULL, &buffers[0], "InitializeSecurityContextA (close)");
    CALLER_EXPECT(st == SEC_E_OK && buffers[0].pBuffers[0].cbBuffer > 0, "no close_notify to send");
    if (net_send_all(sock, buffers[0].pBuffers[0].pvBuffer, buffers[0].pBuffers[0].cbBuffer) == 0)
      fprintf(stderr, "close_notify sent\n");
    else
      fprintf(stderr, "close_notify not sent: the server had closed\n");
  }

  caller_step("DeleteSecurityContext", DeleteSecurityContext(&context));
  caller_step("FreeCredentialsHandle", FreeCredentialsHandle(&cred));
  free_buffers(&buffers[0]);
  free_buffers(&buffers[1]);
  net_close(sock);
  fprintf(stderr, "result: ok\n");
  return 0;
}
