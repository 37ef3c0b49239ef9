/* rdp_nla: RDP's Network Level Authentication as a Windows program does it with
 * SSPI's CredSSP package ("CREDSSP"): the X.224 Connection Request / Confirm
 * selecting PROTOCOL_HYBRID (MS-RDPBCGR 2.2.1.1 and 2.2.1.2), then the CredSSP
 * token loop straight over the socket (the tokens are TLS records).
 *
 *   rdp_nla server PFX [--password PW] [--port N]
 *       serves one client: prints "listening: 127.0.0.1:PORT", then, once the
 *       client is authenticated, "delegated: DOMAIN\user" (from the
 *       TSPasswordCreds in SECPKG_ATTR_CREDS), the package used inside
 *       (SECPKG_ATTR_NEGOTIATION_PACKAGE), and "next PDU: <hex>", the first
 *       bytes of the client's next RDP PDU opened with DecryptMessage.
 *       Its users are the NTLM acceptor's (NTLM_USER_FILE on sspi-rustls).
 *   rdp_nla client --user DOMAIN\user --password PW [--ntlm] HOST PORT
 *       authenticates and delegates the password; --ntlm sends raw NTLM inside
 *       CredSSP (SEC_WINNT_AUTH_IDENTITY_EX with PackageList "NTLM"), as
 *       FreeRDP 2 servers want. Prints "authenticated".
 *
 * Exit status 0 on success, 1 on failure, 2 usage. The server's certificate
 * is left to the caller here, as RDP clients do (the CredSSP binding is what
 * keeps the password from a server that is not the one authenticated).
 * Plain C11 over net.h; builds against Windows' own headers as well. */
#define _POSIX_C_SOURCE 200809L
#define SECURITY_WIN32
#define SCHANNEL_USE_BLACKLISTS /* sspi_tls.h uses SCH_CREDENTIALS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h" /* on Windows: <windows.h>, which <security.h> needs first */

#include <security.h>
#include <schannel.h>
#include <wincrypt.h>
#include <credssp.h>

#include "sspi_tls.h"

/* Windows SDK values that mingw-w64's headers lack. */
#ifndef SECPKG_ATTR_CREDS
#define SECPKG_ATTR_CREDS 0x80000080
#endif
#ifndef SECPKG_ATTR_NEGOTIATION_PACKAGE
#define SECPKG_ATTR_NEGOTIATION_PACKAGE 0x80000081
#endif
#ifndef CREDSSP_NAME_W
#define CREDSSP_NAME_W L"CREDSSP"
#endif

#define BUF (1 << 16)

typedef struct {
  net_socket s;
  unsigned char in[BUF];
  size_t have;
} stream;

static int fill(stream *st) {
  if (st->have >= BUF) return -1;
  int n = net_recv(st->s, st->in + st->have, BUF - st->have);
  if (n <= 0) return -1;
  st->have += (size_t)n;
  return 0;
}

/* The CredSSP loop over the socket. Returns the final status; what followed the last token
 * (SECBUFFER_EXTRA) stays in st->in. */
static SECURITY_STATUS token_loop(stream *st, CredHandle *cred, CtxtHandle *ctx, int client, const WCHAR *target) {
  int started = 0;
  SECURITY_STATUS status = SEC_I_CONTINUE_NEEDED;
  if (!client && fill(st) != 0) return SEC_E_INTERNAL_ERROR;
  for (int round = 0; round < 64; round++) {
    SecBuffer inb[2] = {{(ULONG)st->have, SECBUFFER_TOKEN, st->in}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc ind = {SECBUFFER_VERSION, 2, inb};
    SecBuffer outb = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc outd = {SECBUFFER_VERSION, 1, &outb};
    ULONG attrs = 0;
    TimeStamp ts;
    if (client)
      status = InitializeSecurityContextW(cred, started ? ctx : NULL, (SEC_WCHAR *)target,
                                          ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONFIDENTIALITY | ISC_REQ_DELEGATE, 0,
                                          SECURITY_NATIVE_DREP, started ? &ind : NULL, 0, ctx, &outd, &attrs, &ts);
    else
      status = AcceptSecurityContext(cred, started ? ctx : NULL, &ind,
                                     ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONFIDENTIALITY | ASC_REQ_DELEGATE,
                                     SECURITY_NATIVE_DREP, ctx, &outd, &attrs, &ts);
    if (status == SEC_E_INCOMPLETE_MESSAGE) {
      if (fill(st) != 0) return status;
      continue;
    }
    if (status == SEC_E_OK || status == SEC_I_CONTINUE_NEEDED) started = 1;
    /* Output goes out even with an error: a CredSSP server's errorCode TSRequest. */
    if (outb.pvBuffer) {
      int sent = outb.cbBuffer ? net_send_all(st->s, outb.pvBuffer, outb.cbBuffer) : 0;
      FreeContextBuffer(outb.pvBuffer);
      if (sent != 0) return SEC_E_INTERNAL_ERROR;
    }
    /* Keep what the call did not use (the next token, or the application's first PDU). */
    size_t extra = (inb[1].BufferType == SECBUFFER_EXTRA && started) ? inb[1].cbBuffer : 0;
    if (extra > st->have) extra = 0;
    memmove(st->in, st->in + st->have - extra, extra);
    st->have = extra;
    if (status != SEC_I_CONTINUE_NEEDED) break;
    if (st->have == 0 && fill(st) != 0) return SEC_E_INTERNAL_ERROR;
  }
  if (status != SEC_E_OK && started) DeleteSecurityContext(ctx);
  return status;
}

/* "DOMAIN\user" from the UTF-16LE TSPasswordCreds inside TSCredentials: the first two
 * [n] OCTET STRINGs after the inner SEQUENCE. Minimal DER walking for short lengths. */
static void print_delegated(const unsigned char *p, ULONG n) {
  char out[2][128] = {"", ""};
  int field = 0;
  for (ULONG i = 0; i + 4 < n && field < 2; i++) {
    /* [0] or [1] of TSPasswordCreds: a0/a1 LEN 04 LEN <utf-16le> */
    if ((p[i] == 0xa0 || p[i] == 0xa1) && p[i + 2] == 0x04 && p[i + 1] == p[i + 3] + 2 &&
        (p[i] & 1) == field && i + 4 + p[i + 3] <= n && i > 10) {
      size_t k = 0;
      for (ULONG j = 0; j + 1 < p[i + 3] && k < sizeof out[0] - 1; j += 2) out[field][k++] = (char)p[i + 4 + j];
      out[field][k] = 0;
      i += 3 + p[i + 3];
      field++;
    }
  }
  printf("delegated: %s\\%s (%lu bytes of TSCredentials)\n", out[0], out[1], (unsigned long)n);
}

static int server(int argc, char **argv) {
  const char *pfx = argv[2], *password = "";
  unsigned short port = 0;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--password") == 0) password = argv[i + 1];
    else if (strcmp(argv[i], "--port") == 0) port = (unsigned short)atoi(argv[i + 1]);
  }
  PCCERT_CONTEXT cert = tls_load_pfx(pfx, password);
  if (!cert) return 1;
  SCHANNEL_CRED sc;
  memset(&sc, 0, sizeof sc);
  sc.dwVersion = SCHANNEL_CRED_VERSION;
  sc.cCreds = 1;
  sc.paCred = &cert;
  CREDSSP_CRED cc;
  memset(&cc, 0, sizeof cc);
  cc.Type = CredsspSchannelCreds;
  cc.pSchannelCred = &sc;
  CredHandle cred;
  SECURITY_STATUS st = AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)CREDSSP_NAME_W, SECPKG_CRED_INBOUND, NULL, &cc,
                                                 NULL, NULL, &cred, NULL);
  CertFreeCertificateContext(cert);
  if (st != SEC_E_OK) {
    fprintf(stderr, "rdp_nla: AcquireCredentialsHandle: %s\n", tls_status_name(st));
    return 1;
  }
  if (net_init() != 0) return 1;
  unsigned short bound = 0;
  net_socket ls = net_listen(port, &bound);
  if (ls == NET_INVALID) return 1;
  fprintf(stderr, "listening: 127.0.0.1:%u\n", (unsigned)bound);
  fflush(stderr);
  static stream s;
  s.s = net_accept(ls);
  net_close(ls);
  if (s.s == NET_INVALID) return 1;
  net_set_timeout(s.s, 20000);
  int rc = 1;
  /* X.224 Connection Request (TPKT 03 00 LEN, LI, CR 0xE0 ...) ending with RDP_NEG_REQ. */
  unsigned char req[512];
  int n = net_recv(s.s, req, sizeof req);
  if (n < 19 || req[0] != 3 || req[5] != 0xE0 || req[n - 8] != 1 || !(req[n - 4] & 2)) {
    fprintf(stderr, "rdp_nla: not an X.224 request for PROTOCOL_HYBRID\n");
    goto out;
  }
  static const unsigned char confirm[19] = {3, 0, 0, 19, 14, 0xD0, 0, 0, 0x12, 0x34, 0, 2, 0, 8, 0, 2, 0, 0, 0};
  if (net_send_all(s.s, confirm, sizeof confirm) != 0) goto out;
  CtxtHandle ctx;
  st = token_loop(&s, &cred, &ctx, 0, NULL);
  if (st != SEC_E_OK) {
    fprintf(stderr, "rdp_nla: AcceptSecurityContext: %s\n", tls_status_name(st));
    goto out;
  }
  SecPkgContext_ClientCreds creds;
  if (QueryContextAttributesW(&ctx, SECPKG_ATTR_CREDS, &creds) == SEC_E_OK) {
    print_delegated(creds.AuthBuffer, creds.AuthBufferLen);
    FreeContextBuffer(creds.AuthBuffer);
  }
  SecPkgContext_PackageInfoW pi;
  if (QueryContextAttributesW(&ctx, SECPKG_ATTR_NEGOTIATION_PACKAGE, &pi) == SEC_E_OK) {
    char name[32];
    size_t k = 0;
    for (; pi.PackageInfo->Name[k] && k < sizeof name - 1; k++) name[k] = (char)pi.PackageInfo->Name[k];
    name[k] = 0;
    printf("package: %s\n", name);
    FreeContextBuffer(pi.PackageInfo);
  }
  /* The client's next RDP PDU, over the TLS channel CredSSP leaves. */
  for (int tries = 0; tries < 8; tries++) {
    SecBuffer b[4] = {{(ULONG)s.have, SECBUFFER_DATA, s.in},
                      {0, SECBUFFER_EMPTY, NULL},
                      {0, SECBUFFER_EMPTY, NULL},
                      {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
    ULONG qop = 0;
    st = s.have ? DecryptMessage(&ctx, &d, 0, &qop) : SEC_E_INCOMPLETE_MESSAGE;
    if (st == SEC_E_INCOMPLETE_MESSAGE) {
      if (fill(&s) != 0) break;
      continue;
    }
    if (st == SEC_E_OK) {
      for (int i = 0; i < 4; i++)
        if (b[i].BufferType == SECBUFFER_DATA) {
          printf("next PDU:");
          for (ULONG j = 0; j < b[i].cbBuffer && j < 16; j++) printf(" %02x", ((unsigned char *)b[i].pvBuffer)[j]);
          printf("\n");
        }
    }
    break;
  }
  fflush(stdout);
  rc = 0;
  DeleteSecurityContext(&ctx);
out:
  net_close(s.s);
  FreeCredentialsHandle(&cred);
  return rc;
}

static int client(int argc, char **argv) {
  const char *user = NULL, *password = "", *host = NULL, *port = NULL;
  int ntlm = 0, i = 2;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
    if (strcmp(argv[i], "--ntlm") == 0) ntlm = 1;
    else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc) user = argv[++i];
    else if (strcmp(argv[i], "--password") == 0 && i + 1 < argc) password = argv[++i];
  }
  if (argc - i != 2 || !user) return 2;
  host = argv[i];
  port = argv[i + 1];
  WCHAR wuser[128], wdomain[128], wpass[128], target[300], pkg[8];
  const char *slash = strchr(user, '\\');
  char dom[128] = "";
  if (slash && (size_t)(slash - user) < sizeof dom) {
    memcpy(dom, user, (size_t)(slash - user));
    dom[slash - user] = 0;
    user = slash + 1;
  }
  char t[256];
  snprintf(t, sizeof t, "TERMSRV/%s", host);
  if (tls_to_wide(user, wuser, 128) || tls_to_wide(dom, wdomain, 128) || tls_to_wide(password, wpass, 128) ||
      tls_to_wide(t, target, 300) || tls_to_wide("NTLM", pkg, 8))
    return 2;
  SEC_WINNT_AUTH_IDENTITY_EXW id;
  memset(&id, 0, sizeof id);
  id.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
  id.Length = sizeof id;
  id.User = (unsigned short *)wuser;
  id.UserLength = (ULONG)strlen(user);
  id.Domain = (unsigned short *)wdomain;
  id.DomainLength = (ULONG)strlen(dom);
  id.Password = (unsigned short *)wpass;
  id.PasswordLength = (ULONG)strlen(password);
  id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
  if (ntlm) {
    id.PackageList = (unsigned short *)pkg;
    id.PackageListLength = 4;
  }
  CREDSSP_CRED cc;
  memset(&cc, 0, sizeof cc);
  cc.Type = CredsspPasswordCreds;
  cc.pSpnegoCred = &id;
  CredHandle cred;
  SECURITY_STATUS st = AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)CREDSSP_NAME_W, SECPKG_CRED_OUTBOUND, NULL, &cc,
                                                 NULL, NULL, &cred, NULL);
  if (st != SEC_E_OK) {
    fprintf(stderr, "rdp_nla: AcquireCredentialsHandle: %s\n", tls_status_name(st));
    return 1;
  }
  if (net_init() != 0) return 1;
  static stream s;
  s.s = net_connect(host, port);
  int rc = 1;
  if (s.s == NET_INVALID) {
    fprintf(stderr, "rdp_nla: cannot connect to %s:%s\n", host, port);
    FreeCredentialsHandle(&cred);
    return 1;
  }
  net_set_timeout(s.s, 20000);
  /* X.224 Connection Request: a cookie, then RDP_NEG_REQ asking PROTOCOL_SSL | PROTOCOL_HYBRID. */
  unsigned char req[128];
  int cookie = snprintf((char *)req + 11, sizeof req - 30, "Cookie: mstshash=%s\r\n", user);
  size_t li = 6 + (size_t)cookie + 8, total = 5 + li;
  req[0] = 3;
  req[1] = 0;
  req[2] = (unsigned char)(total >> 8);
  req[3] = (unsigned char)total;
  req[4] = (unsigned char)li;
  req[5] = 0xE0;
  memset(req + 6, 0, 5);
  static const unsigned char neg[8] = {1, 0, 8, 0, 3, 0, 0, 0};
  memcpy(req + 11 + cookie, neg, 8);
  unsigned char confirm[64];
  if (net_send_all(s.s, req, total) != 0 || net_recv(s.s, confirm, sizeof confirm) < 19 || confirm[5] != 0xD0 ||
      confirm[11] != 2 || confirm[15] != 2) {
    fprintf(stderr, "rdp_nla: the server did not select PROTOCOL_HYBRID\n");
    goto out;
  }
  CtxtHandle ctx;
  st = token_loop(&s, &cred, &ctx, 1, target);
  if (st != SEC_E_OK) {
    fprintf(stderr, "rdp_nla: InitializeSecurityContext: %s\n", tls_status_name(st));
    goto out;
  }
  printf("authenticated\n");
  fflush(stdout);
  rc = 0;
  DeleteSecurityContext(&ctx);
out:
  net_close(s.s);
  FreeCredentialsHandle(&cred);
  return rc;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "server") == 0) return server(argc, argv);
  if (argc >= 3 && strcmp(argv[1], "client") == 0) return client(argc, argv);
  fprintf(stderr, "usage: rdp_nla server PFX [--password PW] [--port N]\n"
                  "       rdp_nla client --user DOMAIN\\user --password PW [--ntlm] HOST PORT\n");
  return 2;
}
