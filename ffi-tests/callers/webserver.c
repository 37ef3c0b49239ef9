/* webserver.c: the SSPI call sequence of the Platform SDK's Schannel
 * WebServer sample (webserver.c, "Schannel web server sample application"),
 * serving one connection.
 *
 * What the sample does, and so what this does:
 *   - credentials: SCHANNEL_CRED (version 4) with one certificate and
 *     grbitEnabledProtocols, AcquireCredentialsHandleA(SECPKG_CRED_INBOUND);
 *   - the negotiate loop: input [TOKEN (its I/O buffer), EMPTY], output one
 *     TOKEN buffer, flags ASC_REQ_SEQUENCE_DETECT | REPLAY_DETECT |
 *     CONFIDENTIALITY | EXTENDED_ERROR | ALLOCATE_MEMORY | STREAM; the first
 *     call with no context and the new-context pointer, later calls the
 *     other way round; reads only when its buffer is empty or after
 *     SEC_E_INCOMPLETE_MESSAGE; sends the output on success and on a failure
 *     with ISC_RET_EXTENDED_ERROR set in the returned flags; EXTRA moved to
 *     the front, also after SEC_E_OK (the start of the request);
 *   - SECPKG_ATTR_STREAM_SIZES;
 *   - the request: DecryptMessage on [DATA, EMPTY, EMPTY, EMPTY] over what it
 *     has, first with whatever the handshake left (possibly nothing, which
 *     must be SEC_E_INCOMPLETE_MESSAGE), reading more after each
 *     SEC_E_INCOMPLETE_MESSAGE; the EMPTY entries keep their old pointers;
 *     DATA found by type among entries 1-3, and a NUL written one past its
 *     end (inside the record, where the trailer was);
 *   - the response: the header, then the body, each one EncryptMessage on
 *     [STREAM_HEADER, DATA, STREAM_TRAILER, EMPTY] in its I/O buffer;
 *   - DisconnectFromClient: ApplyControlToken(SCHANNEL_SHUTDOWN), then
 *     AcceptSecurityContext with the context, no input and one TOKEN output
 *     buffer, the close_notify sent; DeleteSecurityContext.
 * Only "--mode http" applies: the sample answers one GET. */

#include "caller.h"

#define IO_BUFFER_SIZE 0x10000

static CredHandle creds;
static CtxtHandle context;
static net_socket sock;
static unsigned char io[IO_BUFFER_SIZE];
static unsigned long cb_io;

static const ULONG sspi_flags = ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY |
                                ASC_REQ_EXTENDED_ERROR | ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM;

static void create_credentials(const caller_args *a) {
  SCHANNEL_CRED cred;
  TimeStamp expiry;
  PCCERT_CONTEXT cert;
  CALLER_EXPECT(a->pfx != NULL, "--pfx is needed");
  cert = caller_load_pfx(a->pfx, a->password);
  memset(&cred, 0, sizeof cred);
  cred.dwVersion = SCHANNEL_CRED_VERSION;
  cred.cCreds = 1;
  cred.paCred = &cert;
  cred.grbitEnabledProtocols = caller_protocols(a, 1);
  if (caller_step("AcquireCredentialsHandleA",
                  AcquireCredentialsHandleA(NULL, (SEC_CHAR *)UNISP_NAME_A, SECPKG_CRED_INBOUND, NULL, &cred, NULL, NULL,
                                            &creds, &expiry)) != SEC_E_OK)
    caller_fail("AcquireCredentialsHandle");
  CertFreeCertificateContext(cert);
}

static void negotiate_loop(void) {
  SecBufferDesc in_desc, out_desc;
  SecBuffer in_bufs[2], out_bufs[1];
  ULONG out_flags = 0;
  TimeStamp expiry;
  SECURITY_STATUS st = SEC_I_CONTINUE_NEEDED;
  int init_context = 1;
  out_desc.cBuffers = 1;
  out_desc.pBuffers = out_bufs;
  out_desc.ulVersion = SECBUFFER_VERSION;
  while (st == SEC_I_CONTINUE_NEEDED || st == SEC_E_INCOMPLETE_MESSAGE || st == SEC_I_INCOMPLETE_CREDENTIALS) {
    if (cb_io == 0 || st == SEC_E_INCOMPLETE_MESSAGE) {
      int n = net_recv(sock, io + cb_io, IO_BUFFER_SIZE - cb_io);
      CALLER_EXPECT(n > 0, "recv failed during the handshake");
      cb_io += (unsigned long)n;
    }
    in_bufs[0].pvBuffer = io;
    in_bufs[0].cbBuffer = cb_io;
    in_bufs[0].BufferType = SECBUFFER_TOKEN;
    in_bufs[1].pvBuffer = NULL;
    in_bufs[1].cbBuffer = 0;
    in_bufs[1].BufferType = SECBUFFER_EMPTY;
    in_desc.cBuffers = 2;
    in_desc.pBuffers = in_bufs;
    in_desc.ulVersion = SECBUFFER_VERSION;
    out_bufs[0].pvBuffer = NULL;
    out_bufs[0].BufferType = SECBUFFER_TOKEN;
    out_bufs[0].cbBuffer = 0;
    st = caller_step("AcceptSecurityContext", AcceptSecurityContext(&creds, init_context ? NULL : &context, &in_desc,
                                                                    sspi_flags, SECURITY_NATIVE_DREP,
                                                                    init_context ? &context : NULL, &out_desc,
                                                                    &out_flags, &expiry));
    init_context = 0;
    if (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED || (FAILED(st) && (out_flags & ISC_RET_EXTENDED_ERROR))) {
      if (out_bufs[0].cbBuffer != 0 && out_bufs[0].pvBuffer != NULL) {
        caller_send(sock, out_bufs[0].pvBuffer, out_bufs[0].cbBuffer);
        FreeContextBuffer(out_bufs[0].pvBuffer);
        out_bufs[0].pvBuffer = NULL;
      }
    }
    if (st == SEC_E_OK) {
      if (in_bufs[1].BufferType == SECBUFFER_EXTRA) {
        memmove(io, io + (cb_io - in_bufs[1].cbBuffer), in_bufs[1].cbBuffer);
        cb_io = in_bufs[1].cbBuffer;
      } else {
        cb_io = 0;
      }
      fprintf(stderr, "handshake: complete\n");
      return;
    }
    if (FAILED(st) && st != SEC_E_INCOMPLETE_MESSAGE)
      caller_fail("AcceptSecurityContext failed with %s", tls_status_name(st));
    if (st != SEC_E_INCOMPLETE_MESSAGE && st != SEC_I_INCOMPLETE_CREDENTIALS) {
      if (in_bufs[1].BufferType == SECBUFFER_EXTRA) {
        memmove(io, io + (cb_io - in_bufs[1].cbBuffer), in_bufs[1].cbBuffer);
        cb_io = in_bufs[1].cbBuffer;
      } else {
        cb_io = 0;
      }
    }
  }
  caller_fail("negotiate loop ended with %s", tls_status_name(st));
}

static void encrypt_and_send(SecBuffer *buffers, SecBufferDesc *message, const SecPkgContext_StreamSizes *sizes,
                             unsigned long len) {
  SECURITY_STATUS st;
  buffers[0].pvBuffer = io;
  buffers[0].cbBuffer = sizes->cbHeader;
  buffers[0].BufferType = SECBUFFER_STREAM_HEADER;
  buffers[1].pvBuffer = io + sizes->cbHeader;
  buffers[1].cbBuffer = len;
  buffers[1].BufferType = SECBUFFER_DATA;
  buffers[2].pvBuffer = io + sizes->cbHeader + len;
  buffers[2].cbBuffer = sizes->cbTrailer;
  buffers[2].BufferType = SECBUFFER_STREAM_TRAILER;
  buffers[3].BufferType = SECBUFFER_EMPTY;
  st = caller_step("EncryptMessage", EncryptMessage(&context, 0, message, 0));
  CALLER_EXPECT(!FAILED(st), "EncryptMessage failed");
  caller_send(sock, io, buffers[0].cbBuffer + buffers[1].cbBuffer + buffers[2].cbBuffer);
}

static void serve(void) {
  static const char body[] = "Hello from the WebServer replay\n";
  SecPkgContext_StreamSizes sizes;
  SecBufferDesc message;
  SecBuffer buffers[4];
  SecBuffer *data = NULL;
  SECURITY_STATUS st;
  int i;

  memset(buffers, 0xCC, sizeof buffers); /* the sample's uninitialised stack */
  message.ulVersion = SECBUFFER_VERSION;
  message.cBuffers = 4;
  message.pBuffers = buffers;
  for (i = 0; i < 4; i++)
    buffers[i].BufferType = SECBUFFER_EMPTY;

  if (caller_step("QueryContextAttributes(STREAM_SIZES)",
                  QueryContextAttributesA(&context, SECPKG_ATTR_STREAM_SIZES, &sizes)) != SEC_E_OK)
    caller_fail("couldn't get Sizes");
  do {
    buffers[0].pvBuffer = io;
    buffers[0].cbBuffer = cb_io;
    buffers[0].BufferType = SECBUFFER_DATA;
    buffers[1].BufferType = SECBUFFER_EMPTY;
    buffers[2].BufferType = SECBUFFER_EMPTY;
    buffers[3].BufferType = SECBUFFER_EMPTY;
    st = DecryptMessage(&context, &message, 0, NULL);
    if (st == SEC_E_INCOMPLETE_MESSAGE) {
      int n = net_recv(sock, io + cb_io, IO_BUFFER_SIZE - cb_io);
      CALLER_EXPECT(n > 0, "recv failed");
      cb_io += (unsigned long)n;
    }
  } while (st == SEC_E_INCOMPLETE_MESSAGE);
  caller_step("DecryptMessage", st);
  CALLER_EXPECT(st != SEC_I_CONTEXT_EXPIRED, "client signalled end of session");
  CALLER_EXPECT(st == SEC_E_OK, "couldn't decrypt");
  cb_io = 0;
  for (i = 1; i < 4; i++)
    if (buffers[i].BufferType == SECBUFFER_DATA) {
      data = &buffers[i];
      break;
    }
  CALLER_EXPECT(data != NULL, "no DATA buffer");
  ((char *)data->pvBuffer)[data->cbBuffer] = '\0';
  fprintf(stderr, "request: %.*s\n", (int)strcspn((const char *)data->pvBuffer, "\r\n"), (const char *)data->pvBuffer);
  CALLER_EXPECT(strncmp((const char *)data->pvBuffer, "GET ", 4) == 0, "unable to parse message");

  memset(io, 0, sizes.cbHeader);
  i = sprintf((char *)io + sizes.cbHeader, "HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n", (int)(sizeof body - 1));
  encrypt_and_send(buffers, &message, &sizes, (unsigned long)i);
  memcpy(io + sizes.cbHeader, body, sizeof body - 1);
  encrypt_and_send(buffers, &message, &sizes, sizeof body - 1);
  fprintf(stderr, "sent: %lu bytes\n", (unsigned long)(i + sizeof body - 1));
}

static void disconnect_from_client(void) {
  DWORD type = SCHANNEL_SHUTDOWN;
  SecBufferDesc out_desc;
  SecBuffer out_bufs[1];
  ULONG out_flags = 0;
  TimeStamp expiry;
  SECURITY_STATUS st;
  out_bufs[0].pvBuffer = &type;
  out_bufs[0].BufferType = SECBUFFER_TOKEN;
  out_bufs[0].cbBuffer = sizeof type;
  out_desc.cBuffers = 1;
  out_desc.pBuffers = out_bufs;
  out_desc.ulVersion = SECBUFFER_VERSION;
  st = caller_step("ApplyControlToken(SCHANNEL_SHUTDOWN)", ApplyControlToken(&context, &out_desc));
  CALLER_EXPECT(!FAILED(st), "ApplyControlToken");
  out_bufs[0].pvBuffer = NULL;
  out_bufs[0].BufferType = SECBUFFER_TOKEN;
  out_bufs[0].cbBuffer = 0;
  st = caller_step("AcceptSecurityContext (close)",
                   AcceptSecurityContext(&creds, &context, NULL, sspi_flags, SECURITY_NATIVE_DREP, NULL, &out_desc,
                                         &out_flags, &expiry));
  CALLER_EXPECT(!FAILED(st), "AcceptSecurityContext (close)");
  CALLER_EXPECT(out_bufs[0].pvBuffer && out_bufs[0].cbBuffer, "no close_notify");
  caller_send(sock, out_bufs[0].pvBuffer, out_bufs[0].cbBuffer);
  fprintf(stderr, "close_notify sent\n");
  FreeContextBuffer(out_bufs[0].pvBuffer);
  caller_step("DeleteSecurityContext", DeleteSecurityContext(&context));
  net_close(sock);
}

int main(int argc, char **argv) {
  caller_args a = caller_parse(argc, argv);
  CALLER_EXPECT(strcmp(a.mode, "http") == 0, "the WebServer sample only answers GET (--mode http)");
  create_credentials(&a);
  sock = caller_accept_one();
  negotiate_loop();
  caller_report_protocol(&context);
  serve();
  disconnect_from_client();
  caller_step("FreeCredentialsHandle", FreeCredentialsHandle(&creds));
  fprintf(stderr, "result: ok\n");
  return 0;
}
