/* minimal_client: the smallest whole SSPI TLS client (the README quotes its token
 * loop). It connects to HOST PORT, runs the InitializeSecurityContextW token
 * loop (the server is validated against the system trust store, which
 * SSL_CERT_FILE / SSL_CERT_DIR replace), sends an HTTP/1.0 GET with
 * EncryptMessage, prints the answer, decrypted record by record with
 * DecryptMessage, and exits 0 only at the server's close_notify. It reports
 * no more than a status: sspi_client.c is the complete client.
 *
 *   cc -std=c11 minimal_client.c $(pkg-config --cflags --libs secur32) -o minimal_client
 *   ./minimal_client example.com 443
 *
 * POSIX sockets: unlike the other examples, Linux only. */
#define _POSIX_C_SOURCE 200809L
#define SECURITY_WIN32
#include <security.h>
#include <schannel.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  struct addrinfo *ai;                                   /* 1. a TCP connection */
  if (getaddrinfo(argv[1], argv[2], &(struct addrinfo){.ai_socktype = SOCK_STREAM}, &ai)) return 1;
  int s = socket(ai->ai_family, SOCK_STREAM, 0);
  if (connect(s, ai->ai_addr, ai->ai_addrlen)) return 1;

  SCHANNEL_CRED sc = {.dwVersion = SCHANNEL_CRED_VERSION}; /* 2. credentials: system trust store */
  CredHandle cred;
  if (AcquireCredentialsHandleA(NULL, (SEC_CHAR *)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL,
                                &cred, NULL) != SEC_E_OK) return 1;

  SEC_WCHAR name[256];                                   /* 3. the token loop (UTF-16 target name) */
  for (size_t i = 0; i <= strlen(argv[1]) && i < 255; i++) name[i] = (SEC_WCHAR)argv[1][i];
  name[255] = 0;
  ULONG req = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY |
              ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM, attrs;
  CtxtHandle ctx;
  static char buf[65536];
  ULONG have = 0;
  SECURITY_STATUS st = SEC_I_CONTINUE_NEEDED;
  for (int first = 1; st == SEC_I_CONTINUE_NEEDED || st == SEC_E_INCOMPLETE_MESSAGE; first = 0) {
    if (!first && (st == SEC_E_INCOMPLETE_MESSAGE || have == 0)) {
      ssize_t n = recv(s, buf + have, sizeof buf - have, 0);
      if (n <= 0) return 1;
      have += (ULONG)n;
    }
    SecBuffer in[2] = {{have, SECBUFFER_TOKEN, buf}, {0, SECBUFFER_EMPTY, NULL}};
    SecBuffer out[1] = {{0, SECBUFFER_TOKEN, NULL}};
    SecBufferDesc in_desc = {SECBUFFER_VERSION, 2, in}, out_desc = {SECBUFFER_VERSION, 1, out};
    st = InitializeSecurityContextW(&cred, first ? NULL : &ctx, name, req, 0, 0, first ? NULL : &in_desc, 0,
                                    &ctx, &out_desc, &attrs, NULL);
    if (out[0].cbBuffer) send(s, out[0].pvBuffer, out[0].cbBuffer, 0);
    FreeContextBuffer(out[0].pvBuffer);
    if (st == SEC_E_INCOMPLETE_MESSAGE) continue;        /* nothing consumed: read more */
    if (!first && in[1].BufferType == SECBUFFER_EXTRA) { /* keep what the call did not use */
      memmove(buf, buf + have - in[1].cbBuffer, in[1].cbBuffer);
      have = in[1].cbBuffer;
    } else if (!first) have = 0;
  }
  if (st != SEC_E_OK) { fprintf(stderr, "handshake: 0x%08x\n", (unsigned)st); return 1; }

  SecPkgContext_StreamSizes sz;                          /* 4. one request, in place */
  QueryContextAttributesW(&ctx, SECPKG_ATTR_STREAM_SIZES, &sz);
  static char rec[16384 + 64];
  const char *msg = "GET / HTTP/1.0\r\n\r\n";
  ULONG len = (ULONG)strlen(msg);
  memcpy(rec + sz.cbHeader, msg, len);
  SecBuffer eb[4] = {{sz.cbHeader, SECBUFFER_STREAM_HEADER, rec}, {len, SECBUFFER_DATA, rec + sz.cbHeader},
                     {sz.cbTrailer, SECBUFFER_STREAM_TRAILER, rec + sz.cbHeader + len}, {0, SECBUFFER_EMPTY, NULL}};
  SecBufferDesc ed = {SECBUFFER_VERSION, 4, eb};
  if (EncryptMessage(&ctx, 0, &ed, 0) != SEC_E_OK) return 1;
  send(s, rec, eb[0].cbBuffer + eb[1].cbBuffer + eb[2].cbBuffer, 0);

  for (;;) {                                             /* 5. the answer, record by record */
    SecBuffer db[4] = {{have, SECBUFFER_DATA, buf}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL},
                       {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc dd = {SECBUFFER_VERSION, 4, db};
    st = have ? DecryptMessage(&ctx, &dd, 0, NULL) : SEC_E_INCOMPLETE_MESSAGE;
    if (st == SEC_E_INCOMPLETE_MESSAGE) {
      ssize_t n = recv(s, buf + have, sizeof buf - have, 0);
      if (n <= 0) break;
      have += (ULONG)n;
      continue;
    }
    if (st != SEC_E_OK) break;                           /* SEC_I_CONTEXT_EXPIRED: close_notify */
    ULONG extra = 0;
    for (int i = 0; i < 4; i++) {
      if (db[i].BufferType == SECBUFFER_DATA) fwrite(db[i].pvBuffer, 1, db[i].cbBuffer, stdout);
      if (db[i].BufferType == SECBUFFER_EXTRA) extra = db[i].cbBuffer;
    }
    memmove(buf, buf + have - extra, extra);
    have = extra;
  }
  DeleteSecurityContext(&ctx);
  FreeCredentialsHandle(&cred);
  close(s);
  freeaddrinfo(ai);
  return st == SEC_I_CONTEXT_EXPIRED ? 0 : 1;
}
