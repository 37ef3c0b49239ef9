/* webclient.c: the SSPI call sequence of the Platform SDK's Schannel
 * WebClient sample (webclient.c, "Schannel web client sample application"),
 * the code most Windows Schannel clients were written from.
 *
 * What the sample does, and so what this does:
 *   - the ANSI entry points (AcquireCredentialsHandleA,
 *     InitializeSecurityContextA) through InitSecurityInterfaceA's table;
 *   - credentials: SCHANNEL_CRED (version 4) with grbitEnabledProtocols and
 *     SCH_CRED_NO_DEFAULT_CREDS | SCH_CRED_MANUAL_CRED_VALIDATION (it checks
 *     the server certificate itself afterwards);
 *   - request flags SEQUENCE_DETECT | REPLAY_DETECT | CONFIDENTIALITY |
 *     ISC_RET_EXTENDED_ERROR (the RET constant, same value as the REQ one) |
 *     ALLOCATE_MEMORY | STREAM; the target name on the first call only (NULL
 *     afterwards);
 *   - the handshake loop: input [TOKEN (its I/O buffer), EMPTY], output one
 *     TOKEN buffer; reads only when its buffer is empty or after
 *     SEC_E_INCOMPLETE_MESSAGE; sends the output on success and on a failure
 *     with ISC_RET_EXTENDED_ERROR (the alert); on
 *     SEC_I_INCOMPLETE_CREDENTIALS it reads SECPKG_ATTR_ISSUER_LIST_EX to pick
 *     a certificate (with --client-pfx, it acquires a new credential holding
 *     it and frees the old one), and calls again WITHOUT reading: the same
 *     input, not looking at EXTRA; EXTRA (by type) is moved to the front;
 *     EXTRA after SEC_E_OK is kept as the first application data;
 *   - after the handshake: SECPKG_ATTR_REMOTE_CERT_CONTEXT and the subject
 *     and issuer through CertNameToStrA, SECPKG_ATTR_STREAM_SIZES;
 *   - EncryptMessage on [STREAM_HEADER, DATA, STREAM_TRAILER, EMPTY] where
 *     the EMPTY one's pointer and length are left as they were (garbage: here
 *     a debug-fill pattern, as an MSVC debug build leaves the stack);
 *   - DecryptMessage on [DATA, EMPTY, EMPTY, EMPTY] reusing that array (so
 *     the EMPTY entries hold the previous call's pointers), DATA and EXTRA
 *     found by type among entries 1-3, EXTRA moved through its pvBuffer;
 *     SEC_I_CONTEXT_EXPIRED ends the read at once; SEC_I_RENEGOTIATE runs the
 *     handshake loop again without a first read;
 *   - shutdown: ApplyControlToken(SCHANNEL_SHUTDOWN) then
 *     InitializeSecurityContextA with the context as old and new handle, no
 *     input, one TOKEN output buffer; DeleteSecurityContext.
 *   - DisplayCertChain: the issuers, one by one, through
 *     CertGetIssuerCertificateFromStore on the remote certificate's store
 *     (with signature and time checks), until none is left;
 *   - VerifyServerCertificate: CertGetCertificateChain with the default
 *     engine (the system trust store), the remote certificate's store as
 *     additional store and OR of the server-auth and SGC usages, then
 *     CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL) with
 *     AUTHTYPE_SERVER and the server name; a non-zero dwError ends the run
 *     ("Error 0x... authenticating server credentials"). */

#include "caller.h"

#define IO_BUFFER_SIZE 0x10000

static PSecurityFunctionTableA sspi;
static CredHandle creds;
static CtxtHandle context;
static net_socket sock;
static unsigned char extra_data[IO_BUFFER_SIZE];
static unsigned long extra_len;

static const ULONG sspi_flags = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY |
                                ISC_RET_EXTENDED_ERROR | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;

static void create_credentials(const caller_args *a) {
  SCHANNEL_CRED cred;
  TimeStamp expiry;
  memset(&cred, 0, sizeof cred);
  cred.dwVersion = SCHANNEL_CRED_VERSION;
  cred.grbitEnabledProtocols = caller_protocols(a, 0);
  cred.dwFlags |= SCH_CRED_NO_DEFAULT_CREDS;
  cred.dwFlags |= SCH_CRED_MANUAL_CRED_VALIDATION;
  if (caller_step("AcquireCredentialsHandleA",
                  sspi->AcquireCredentialsHandleA(NULL, (SEC_CHAR *)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &cred, NULL,
                                                  NULL, &creds, &expiry)) != SEC_E_OK)
    caller_fail("AcquireCredentialsHandle");
}

/* GetNewClientCredentials: the issuers the server named, to look for a
 * certificate in the MY store (CertFindChainInStore there). Here the
 * certificate is --client-pfx, if given: the sample then acquires a new
 * credential holding it, frees the old one and goes on with the new one;
 * without one it goes on with the credential it has. */
static const caller_args *args;
static void get_new_client_credentials(void) {
  SecPkgContext_IssuerListInfoEx issuers;
  SCHANNEL_CRED cred;
  CredHandle new_creds;
  TimeStamp expiry;
  PCCERT_CONTEXT cert;
  memset(&issuers, 0, sizeof issuers);
  if (caller_step("QueryContextAttributes(ISSUER_LIST_EX)",
                  sspi->QueryContextAttributesA(&context, SECPKG_ATTR_ISSUER_LIST_EX, &issuers)) != SEC_E_OK)
    caller_fail("querying issuer list info");
  fprintf(stderr, "issuers named by the server: %lu\n", (unsigned long)issuers.cIssuers);
  if (issuers.aIssuers)
    sspi->FreeContextBuffer(issuers.aIssuers);
  if (!args->client_pfx)
    return;
  cert = caller_load_pfx(args->client_pfx, args->password);
  memset(&cred, 0, sizeof cred);
  cred.dwVersion = SCHANNEL_CRED_VERSION;
  cred.cCreds = 1;
  cred.paCred = &cert;
  cred.grbitEnabledProtocols = caller_protocols(args, 0);
  cred.dwFlags |= SCH_CRED_NO_DEFAULT_CREDS | SCH_CRED_MANUAL_CRED_VALIDATION;
  if (caller_step("AcquireCredentialsHandleA (with the client certificate)",
                  sspi->AcquireCredentialsHandleA(NULL, (SEC_CHAR *)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &cred, NULL,
                                                  NULL, &new_creds, &expiry)) != SEC_E_OK)
    caller_fail("AcquireCredentialsHandle with the certificate");
  CertFreeCertificateContext(cert);
  sspi->FreeCredentialsHandle(&creds);
  creds = new_creds;
  fprintf(stderr, "client certificate: added\n");
}

static SECURITY_STATUS handshake_loop(int do_initial_read) {
  SecBufferDesc in_desc, out_desc;
  SecBuffer in_bufs[2], out_bufs[1];
  ULONG out_flags = 0;
  TimeStamp expiry;
  SECURITY_STATUS st = SEC_I_CONTINUE_NEEDED;
  unsigned char *io = malloc(IO_BUFFER_SIZE);
  unsigned long cb_io = 0;
  int do_read = do_initial_read;
  CALLER_EXPECT(io != NULL, "out of memory");

  while (st == SEC_I_CONTINUE_NEEDED || st == SEC_E_INCOMPLETE_MESSAGE || st == SEC_I_INCOMPLETE_CREDENTIALS) {
    if (cb_io == 0 || st == SEC_E_INCOMPLETE_MESSAGE) {
      if (do_read) {
        int n = net_recv(sock, io + cb_io, IO_BUFFER_SIZE - cb_io);
        CALLER_EXPECT(n > 0, "server unexpectedly disconnected");
        cb_io += (unsigned long)n;
      } else {
        do_read = 1;
      }
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
    out_desc.cBuffers = 1;
    out_desc.pBuffers = out_bufs;
    out_desc.ulVersion = SECBUFFER_VERSION;

    st = caller_step("InitializeSecurityContextA (loop)",
                     sspi->InitializeSecurityContextA(&creds, &context, NULL, sspi_flags, 0, SECURITY_NATIVE_DREP,
                                                      &in_desc, 0, NULL, &out_desc, &out_flags, &expiry));
    if (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED || (FAILED(st) && (out_flags & ISC_RET_EXTENDED_ERROR))) {
      if (out_bufs[0].cbBuffer != 0 && out_bufs[0].pvBuffer != NULL) {
        caller_send(sock, out_bufs[0].pvBuffer, out_bufs[0].cbBuffer);
        sspi->FreeContextBuffer(out_bufs[0].pvBuffer);
        out_bufs[0].pvBuffer = NULL;
      }
    }
    if (st == SEC_E_INCOMPLETE_MESSAGE)
      continue;
    if (st == SEC_E_OK) {
      if (in_bufs[1].BufferType == SECBUFFER_EXTRA) {
        memmove(extra_data, io + (cb_io - in_bufs[1].cbBuffer), in_bufs[1].cbBuffer);
        extra_len = in_bufs[1].cbBuffer;
      } else {
        extra_len = 0;
      }
      break;
    }
    if (FAILED(st))
      break;
    if (st == SEC_I_INCOMPLETE_CREDENTIALS) {
      get_new_client_credentials();
      do_read = 0;
      st = SEC_I_CONTINUE_NEEDED;
      continue;
    }
    if (in_bufs[1].BufferType == SECBUFFER_EXTRA) {
      memmove(io, io + (cb_io - in_bufs[1].cbBuffer), in_bufs[1].cbBuffer);
      cb_io = in_bufs[1].cbBuffer;
    } else {
      cb_io = 0;
    }
  }
  if (FAILED(st))
    sspi->DeleteSecurityContext(&context);
  free(io);
  return st;
}

static void perform_client_handshake(const char *server_name) {
  SecBufferDesc out_desc;
  SecBuffer out_bufs[1];
  ULONG out_flags = 0;
  TimeStamp expiry;
  SECURITY_STATUS st;
  out_bufs[0].pvBuffer = NULL;
  out_bufs[0].BufferType = SECBUFFER_TOKEN;
  out_bufs[0].cbBuffer = 0;
  out_desc.cBuffers = 1;
  out_desc.pBuffers = out_bufs;
  out_desc.ulVersion = SECBUFFER_VERSION;
  st = caller_step("InitializeSecurityContextA (1)",
                   sspi->InitializeSecurityContextA(&creds, NULL, (SEC_CHAR *)server_name, sspi_flags, 0,
                                                    SECURITY_NATIVE_DREP, NULL, 0, &context, &out_desc, &out_flags,
                                                    &expiry));
  CALLER_EXPECT(st == SEC_I_CONTINUE_NEEDED, "InitializeSecurityContext (1) returned %s", tls_status_name(st));
  if (out_bufs[0].cbBuffer != 0 && out_bufs[0].pvBuffer != NULL) {
    caller_send(sock, out_bufs[0].pvBuffer, out_bufs[0].cbBuffer);
    sspi->FreeContextBuffer(out_bufs[0].pvBuffer);
  }
  st = handshake_loop(1);
  CALLER_EXPECT(st == SEC_E_OK, "handshake failed: %s", tls_status_name(st));
  fprintf(stderr, "handshake: complete\n");
}

static void display_cert_chain(PCCERT_CONTEXT server);
static void verify_server_certificate(PCCERT_CONTEXT server, const char *server_name, DWORD cert_flags);

static void display_server_cert(void) {
  PCCERT_CONTEXT remote = NULL;
  char name[1000];
  if (caller_step("QueryContextAttributes(REMOTE_CERT_CONTEXT)",
                  sspi->QueryContextAttributesA(&context, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (PVOID)&remote)) != SEC_E_OK)
    caller_fail("querying remote certificate");
  CALLER_EXPECT(remote && remote->pCertInfo, "no server certificate");
  CALLER_EXPECT(CertNameToStrA(remote->dwCertEncodingType, &remote->pCertInfo->Subject,
                               CERT_X500_NAME_STR | CERT_NAME_STR_NO_PLUS_FLAG, name, sizeof name) > 1,
                "building subject name");
  fprintf(stderr, "server subject: %s\n", name);
  CALLER_EXPECT(CertNameToStrA(remote->dwCertEncodingType, &remote->pCertInfo->Issuer,
                               CERT_X500_NAME_STR | CERT_NAME_STR_NO_PLUS_FLAG, name, sizeof name) > 1,
                "building issuer name");
  fprintf(stderr, "server issuer: %s\n", name);
  display_cert_chain(remote);
  if (!args->insecure)
    verify_server_certificate(remote, args->name, 0);
  CertFreeCertificateContext(remote);
}

/* DisplayCertChain: the issuers found in the remote certificate's own store. */
static void display_cert_chain(PCCERT_CONTEXT server) {
  PCCERT_CONTEXT current = server, issuer;
  char name[1000];
  int depth = 0;
  for (;;) {
    DWORD verification = CERT_STORE_SIGNATURE_FLAG | CERT_STORE_TIME_VALIDITY_FLAG;
    issuer = CertGetIssuerCertificateFromStore(server->hCertStore, current, NULL, &verification);
    if (!issuer) {
      DWORD err = GetLastError();
      CALLER_EXPECT(err == (DWORD)CRYPT_E_SELF_SIGNED || err == (DWORD)CRYPT_E_NOT_FOUND,
                    "CertGetIssuerCertificateFromStore: 0x%08lX", (unsigned long)err);
      if (current != server)
        CertFreeCertificateContext(current);
      break;
    }
    CALLER_EXPECT(verification == 0, "issuer checks failed: 0x%lX", (unsigned long)verification);
    CALLER_EXPECT(CertNameToStrA(issuer->dwCertEncodingType, &issuer->pCertInfo->Subject,
                                 CERT_X500_NAME_STR | CERT_NAME_STR_NO_PLUS_FLAG, name, sizeof name) > 1,
                  "building CA subject name");
    fprintf(stderr, "CA subject: %s\n", name);
    if (current != server)
      CertFreeCertificateContext(current);
    current = issuer;
    depth++;
  }
  fprintf(stderr, "chain displayed: %d issuer(s)\n", depth);
}

/* VerifyServerCertificate. */
static void verify_server_certificate(PCCERT_CONTEXT server, const char *server_name, DWORD cert_flags) {
  HTTPSPolicyCallbackData https;
  CERT_CHAIN_POLICY_PARA policy_para;
  CERT_CHAIN_POLICY_STATUS policy_status;
  CERT_CHAIN_PARA chain_para;
  PCCERT_CHAIN_CONTEXT chain = NULL;
  LPSTR usages[] = {(LPSTR)(size_t)szOID_PKIX_KP_SERVER_AUTH, (LPSTR)(size_t)szOID_SERVER_GATED_CRYPTO,
                    (LPSTR)(size_t)szOID_SGC_NETSCAPE};
  WCHAR wname[256];
  CALLER_EXPECT(tls_to_wide(server_name, wname, sizeof wname / sizeof wname[0]) == 0, "server name");
  memset(&chain_para, 0, sizeof chain_para);
  chain_para.cbSize = sizeof chain_para;
  chain_para.RequestedUsage.dwType = USAGE_MATCH_TYPE_OR;
  chain_para.RequestedUsage.Usage.cUsageIdentifier = sizeof usages / sizeof usages[0];
  chain_para.RequestedUsage.Usage.rgpszUsageIdentifier = usages;
  if (!CertGetCertificateChain(NULL, server, NULL, server->hCertStore, &chain_para, 0, NULL, &chain))
    caller_fail("Error 0x%08lX returned by CertGetCertificateChain!", (unsigned long)GetLastError());
  memset(&https, 0, sizeof https);
  https.cbStruct = sizeof https;
  https.dwAuthType = AUTHTYPE_SERVER;
  https.fdwChecks = cert_flags;
  https.pwszServerName = wname;
  memset(&policy_para, 0, sizeof policy_para);
  policy_para.cbSize = sizeof policy_para;
  policy_para.pvExtraPolicyPara = &https;
  memset(&policy_status, 0, sizeof policy_status);
  policy_status.cbSize = sizeof policy_status;
  if (!CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, chain, &policy_para, &policy_status))
    caller_fail("Error 0x%08lX returned by CertVerifyCertificateChainPolicy!", (unsigned long)GetLastError());
  if (policy_status.dwError)
    caller_fail("Error 0x%08lX authenticating server credentials (element %ld)", (unsigned long)policy_status.dwError,
                (long)policy_status.lElementIndex);
  CertFreeCertificateChain(chain);
  fprintf(stderr, "server certificate: verified\n");
}

/* HttpsGetFile, with its request; in echo mode it stops reading once the
 * echo is back (the sample reads until the server closes). */
static int https_get(const caller_args *a) {
  SecPkgContext_StreamSizes sizes;
  SecBufferDesc message;
  SecBuffer buffers[4];
  unsigned char *io;
  unsigned long cb_io, cb_len, cb_message, got = 0;
  const char *request = caller_request(a);
  int echo = strcmp(a->mode, "echo") == 0, closed = 0, i;
  SECURITY_STATUS st;

  if (caller_step("QueryContextAttributes(STREAM_SIZES)",
                  sspi->QueryContextAttributesA(&context, SECPKG_ATTR_STREAM_SIZES, &sizes)) != SEC_E_OK)
    caller_fail("reading SECPKG_ATTR_STREAM_SIZES");
  cb_len = sizes.cbHeader + sizes.cbMaximumMessage + sizes.cbTrailer;
  io = malloc(cb_len);
  CALLER_EXPECT(io != NULL, "out of memory");
  memcpy(io + sizes.cbHeader, request, strlen(request));
  cb_message = (unsigned long)strlen(request);

  /* Uninitialised stack, as an MSVC debug build fills it. */
  memset(buffers, 0xCC, sizeof buffers);
  buffers[0].pvBuffer = io;
  buffers[0].cbBuffer = sizes.cbHeader;
  buffers[0].BufferType = SECBUFFER_STREAM_HEADER;
  buffers[1].pvBuffer = io + sizes.cbHeader;
  buffers[1].cbBuffer = cb_message;
  buffers[1].BufferType = SECBUFFER_DATA;
  buffers[2].pvBuffer = io + sizes.cbHeader + cb_message;
  buffers[2].cbBuffer = sizes.cbTrailer;
  buffers[2].BufferType = SECBUFFER_STREAM_TRAILER;
  buffers[3].BufferType = SECBUFFER_EMPTY;
  message.ulVersion = SECBUFFER_VERSION;
  message.cBuffers = 4;
  message.pBuffers = buffers;
  st = caller_step("EncryptMessage", sspi->EncryptMessage(&context, 0, &message, 0));
  CALLER_EXPECT(!FAILED(st), "EncryptMessage failed");
  caller_send(sock, io, buffers[0].cbBuffer + buffers[1].cbBuffer + buffers[2].cbBuffer);
  fprintf(stderr, "sent: %lu bytes\n", cb_message);

  /* The handshake's EXTRA is the first data (the sample's pExtraData). */
  memcpy(io, extra_data, extra_len);
  cb_io = extra_len;
  st = SEC_E_OK;
  for (;;) {
    SecBuffer *data_buf = NULL, *extra_buf = NULL;
    if (cb_io == 0 || st == SEC_E_INCOMPLETE_MESSAGE) {
      int n = net_recv(sock, io + cb_io, cb_len - cb_io);
      if (n <= 0) {
        CALLER_EXPECT(cb_io == 0, "server unexpectedly disconnected");
        fprintf(stderr, "server closed the connection\n");
        break;
      }
      cb_io += (unsigned long)n;
    }
    buffers[0].pvBuffer = io;
    buffers[0].cbBuffer = cb_io;
    buffers[0].BufferType = SECBUFFER_DATA;
    buffers[1].BufferType = SECBUFFER_EMPTY;
    buffers[2].BufferType = SECBUFFER_EMPTY;
    buffers[3].BufferType = SECBUFFER_EMPTY;
    message.ulVersion = SECBUFFER_VERSION;
    message.cBuffers = 4;
    message.pBuffers = buffers;
    st = sspi->DecryptMessage(&context, &message, 0, NULL);
    if (st == SEC_E_INCOMPLETE_MESSAGE)
      continue;
    if (st == SEC_I_CONTEXT_EXPIRED) {
      caller_step("DecryptMessage", st);
      fprintf(stderr, "close_notify received\n");
      closed = 1;
      break;
    }
    if (st != SEC_E_OK && st != SEC_I_RENEGOTIATE)
      caller_fail("DecryptMessage returned %s", tls_status_name(caller_step("DecryptMessage", st)));
    for (i = 1; i < 4; i++) {
      if (!data_buf && buffers[i].BufferType == SECBUFFER_DATA)
        data_buf = &buffers[i];
      if (!extra_buf && buffers[i].BufferType == SECBUFFER_EXTRA)
        extra_buf = &buffers[i];
    }
    if (data_buf && data_buf->cbBuffer) {
      fwrite(data_buf->pvBuffer, 1, data_buf->cbBuffer, stdout);
      got += data_buf->cbBuffer;
    }
    if (extra_buf) {
      memmove(io, extra_buf->pvBuffer, extra_buf->cbBuffer);
      cb_io = extra_buf->cbBuffer;
    } else {
      cb_io = 0;
    }
    if (st == SEC_I_RENEGOTIATE) {
      caller_step("DecryptMessage", st);
      st = handshake_loop(0);
      CALLER_EXPECT(st == SEC_E_OK, "renegotiation failed: %s", tls_status_name(st));
      if (extra_len) {
        memmove(io, extra_data, extra_len);
        cb_io = extra_len;
      }
    }
    if (echo && got >= cb_message)
      break;
  }
  fflush(stdout);
  fprintf(stderr, "received: %lu bytes\n", got);
  free(io);
  return closed;
}

static void disconnect_from_server(void) {
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
  st = caller_step("ApplyControlToken(SCHANNEL_SHUTDOWN)", sspi->ApplyControlToken(&context, &out_desc));
  CALLER_EXPECT(!FAILED(st), "ApplyControlToken");
  out_bufs[0].pvBuffer = NULL;
  out_bufs[0].BufferType = SECBUFFER_TOKEN;
  out_bufs[0].cbBuffer = 0;
  st = caller_step("InitializeSecurityContextA (close)",
                   sspi->InitializeSecurityContextA(&creds, &context, NULL, sspi_flags, 0, SECURITY_NATIVE_DREP, NULL,
                                                    0, &context, &out_desc, &out_flags, &expiry));
  CALLER_EXPECT(!FAILED(st), "InitializeSecurityContext (close)");
  CALLER_EXPECT(out_bufs[0].pvBuffer && out_bufs[0].cbBuffer, "no close_notify");
  if (net_send_all(sock, out_bufs[0].pvBuffer, out_bufs[0].cbBuffer) == 0)
    fprintf(stderr, "close_notify sent\n");
  else
    fprintf(stderr, "close_notify not sent: the server had closed\n");
  sspi->FreeContextBuffer(out_bufs[0].pvBuffer);
}

/* After our close_notify, the server's answer (echo mode). */
static int read_close_notify(void) {
  unsigned char buf[4096];
  unsigned long len = 0;
  for (;;) {
    SecBuffer b[4];
    SecBufferDesc d;
    SECURITY_STATUS st;
    int n = net_recv(sock, buf + len, sizeof buf - len), i;
    if (n <= 0)
      return 0;
    len += (unsigned long)n;
    for (;;) {
      memset(b, 0, sizeof b);
      b[0].BufferType = SECBUFFER_DATA;
      b[0].pvBuffer = buf;
      b[0].cbBuffer = len;
      for (i = 1; i < 4; i++)
        b[i].BufferType = SECBUFFER_EMPTY;
      d.ulVersion = SECBUFFER_VERSION;
      d.cBuffers = 4;
      d.pBuffers = b;
      st = sspi->DecryptMessage(&context, &d, 0, NULL);
      if (st == SEC_I_CONTEXT_EXPIRED) {
        fprintf(stderr, "close_notify received\n");
        return 1;
      }
      if (st == SEC_E_INCOMPLETE_MESSAGE)
        break;
      if (st != SEC_E_OK)
        caller_fail("DecryptMessage after close: %s", tls_status_name(st));
      len = 0;
      for (i = 1; i < 4; i++)
        if (b[i].BufferType == SECBUFFER_EXTRA) {
          memmove(buf, b[i].pvBuffer, b[i].cbBuffer);
          len = b[i].cbBuffer;
        }
      if (!len)
        break;
    }
  }
}

int main(int argc, char **argv) {
  caller_args a = caller_parse(argc, argv);
  int closed;
  args = &a;
  sspi = InitSecurityInterfaceA();
  CALLER_EXPECT(sspi != NULL, "InitSecurityInterfaceA");
  create_credentials(&a);
  sock = caller_connect(&a);
  perform_client_handshake(a.name);
  display_server_cert();
  caller_report_protocol(&context);
  closed = https_get(&a);
  if (strcmp(a.mode, "http") == 0) {
    CALLER_EXPECT(closed, "no close_notify from the server");
    disconnect_from_server();
  } else {
    disconnect_from_server();
    CALLER_EXPECT(read_close_notify(), "no close_notify answer from the server");
  }
  caller_step("DeleteSecurityContext", sspi->DeleteSecurityContext(&context));
  caller_step("FreeCredentialsHandle", sspi->FreeCredentialsHandle(&creds));
  net_close(sock);
  fprintf(stderr, "result: ok\n");
  return 0;
}
