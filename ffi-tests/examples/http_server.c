/* http_server: a small HTTP server that authenticates its clients with SSPI,
 * the way a Windows service does Windows-integrated authentication
 * ("WWW-Authenticate: Negotiate", as IIS and HTTP.sys answer):
 *
 *   http_server [options]
 *     --port N         the loopback port (default: any free one; printed)
 *     --package NAME   the SSPI package (default: Negotiate; NTLM works too; WDigest
 *                      for HTTP Digest, where tokens are the header's text, not base64)
 *     --count N        serve N authenticated requests, then exit 0 (default 1)
 *     --algorithm ALG  WDigest: MD5 (default), MD5-sess, SHA-256 or SHA-256-sess
 *     --user U --password P --realm R   an identity for the acceptor (WDigest's user;
 *                      without it, DIGEST_USER_FILE's htdigest users)
 *
 * The credential is the package's default acceptor credential: for Kerberos
 * inside Negotiate the keytab (KRB5_KTNAME), for NTLM the users of
 * NTLM_USER_FILE on sspi-rustls. A request without "Authorization:" gets
 * 401 with "WWW-Authenticate: Negotiate"; each Authorization token goes to
 * AcceptSecurityContext on the connection's context; SEC_I_CONTINUE_NEEDED
 * answers 401 with the next token; SEC_E_OK answers 200, with the server's
 * last token (Kerberos' AP-REP inside SPNEGO) in WWW-Authenticate when there
 * is one, and a body naming the client (SECPKG_ATTR_NAMES) and the package
 * chosen (SECPKG_ATTR_NEGOTIATION_INFO). A failure answers 401 again and
 * prints the status. One connection at a time; keep-alive. WDigest keeps the
 * authenticated context for the connection: a later request's Authorization
 * (nc + 1, as curl sends for its next URL) goes to VerifySignature.
 *
 * Plain C11 over net.h; builds against Windows' own headers as well. */
#define _POSIX_C_SOURCE 200809L
#define SECURITY_WIN32
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h" /* on Windows: <windows.h>, which <security.h> needs first */

#include <security.h>

#include "http_util.h"

#define MAX_TOKEN 48256 /* Negotiate's cbMaxToken */

static int respond(net_socket s, int status, const char *scheme, const char *token, const char *body) {
  static char out[HTTP_MAX_HEADERS + 1024];
  const char *reason = status == 200 ? "OK" : "Unauthorized";
  int n = snprintf(out, sizeof out,
                   "HTTP/1.1 %d %s\r\n%s%s%s%s%sContent-Type: text/plain\r\nContent-Length: %u\r\n\r\n%s", status,
                   reason, scheme ? "WWW-Authenticate: " : "", scheme ? scheme : "", token && *token ? " " : "",
                   token ? token : "", scheme ? "\r\n" : "", (unsigned)strlen(body), body);
  if (n < 0 || (size_t)n >= sizeof out) return -1;
  return net_send_all(s, out, (size_t)n);
}

/* 200 with the Digest server's Authentication-Info (rspauth). */
static int respond_info(net_socket s, const char *info, const char *body) {
  static char out[HTTP_MAX_HEADERS + 1024];
  int n = snprintf(out, sizeof out,
                   "HTTP/1.1 200 OK\r\nAuthentication-Info: %s\r\nContent-Type: text/plain\r\nContent-Length: %u\r\n\r\n%s",
                   info, (unsigned)strlen(body), body);
  if (n < 0 || (size_t)n >= sizeof out) return -1;
  return net_send_all(s, out, (size_t)n);
}

int main(int argc, char **argv) {
  unsigned short port = 0;
  const char *package = "Negotiate", *algorithm = "", *user = NULL, *password = "", *realm = "";
  int count = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--port") == 0) port = (unsigned short)atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--package") == 0) package = argv[i + 1];
    else if (strcmp(argv[i], "--count") == 0) count = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--algorithm") == 0) algorithm = argv[i + 1];
    else if (strcmp(argv[i], "--user") == 0) user = argv[i + 1];
    else if (strcmp(argv[i], "--password") == 0) password = argv[i + 1];
    else if (strcmp(argv[i], "--realm") == 0) realm = argv[i + 1];
    else {
      fprintf(stderr, "usage: http_server [--port N] [--package NAME] [--count N]\n");
      return 2;
    }
  }
  /* The HTTP scheme: Negotiate for Negotiate and Kerberos, else the package's name. */
  int digest = strcmp(package, "WDigest") == 0;
  const char *scheme = strcmp(package, "NTLM") == 0 ? "NTLM" : digest ? "Digest" : "Negotiate";
  if (net_init() != 0) return 1;
  CredHandle cred;
  TimeStamp expiry;
  SEC_WINNT_AUTH_IDENTITY_A id;
  memset(&id, 0, sizeof id);
  id.User = (unsigned char *)user;
  id.UserLength = user ? (ULONG)strlen(user) : 0;
  id.Domain = (unsigned char *)realm;
  id.DomainLength = (ULONG)strlen(realm);
  id.Password = (unsigned char *)password;
  id.PasswordLength = (ULONG)strlen(password);
  id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
  SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_INBOUND, NULL,
                                                 user ? &id : NULL, NULL, NULL, &cred, &expiry);
  if (st != SEC_E_OK) {
    fprintf(stderr, "http_server: AcquireCredentialsHandle: 0x%08x\n", (unsigned)st);
    return 1;
  }
  unsigned short bound = 0;
  net_socket ls = net_listen(port, &bound);
  if (ls == NET_INVALID) {
    fprintf(stderr, "http_server: cannot listen\n");
    FreeCredentialsHandle(&cred);
    return 1;
  }
  fprintf(stderr, "http_server: listening: 127.0.0.1:%u\n", (unsigned)bound);
  fflush(stderr);

  static http_message req;
  static unsigned char in[MAX_TOKEN];
  static char token[MAX_TOKEN * 2];
  int served = 0, rc = 0;
  while (served < count) {
    net_socket s = net_accept(ls);
    if (s == NET_INVALID) {
      rc = 1;
      break;
    }
    net_set_timeout(s, 20000);
    CtxtHandle ctx;
    int have_ctx = 0, digest_done = 0;
    while (served < count && http_read(s, &req) == 0) {
      const char *auth = http_header(&req, "Authorization", scheme);
      free(req.body);
      req.body = NULL;
      if (digest) {
        /* HTTP Digest (AcceptSecurityContext (Digest)): TOKEN, then SECBUFFER_PKG_PARAMS: the
         * method, reserved, H(entity), the realm, and (sspi-rustls) the algorithm. */
        char method[16] = "", uri[1024] = "";
        sscanf(req.headers, "%15s %1023s", method, uri);
        const char *tok = auth ? auth + strlen(scheme) + 1 : "";
        size_t tlen = strcspn(tok, "\r\n");
        if (auth && have_ctx && digest_done) {
          /* A later request on an authenticated context (Microsoft's "Authenticating Subsequent
           * Requests Using Microsoft Digest"): VerifySignature checks the Authorization (TOKEN)
           * with the method, the request-URI and H(entity) in SECBUFFER_PKG_PARAMS, and that nc
           * is one more than the last. */
          SecBuffer vb[4] = {
              {(ULONG)tlen, SECBUFFER_TOKEN, (void *)tok},
              {(ULONG)strlen(method), SECBUFFER_PKG_PARAMS, method},
              {(ULONG)strlen(uri), SECBUFFER_PKG_PARAMS, uri},
              {0, SECBUFFER_PKG_PARAMS, NULL},
          };
          SecBufferDesc vd = {SECBUFFER_VERSION, 4, vb};
          ULONG qop = 0;
          st = VerifySignature(&ctx, &vd, 0, &qop);
          if (st == SEC_E_OK) {
            fprintf(stderr, "http_server: a later request verified (VerifySignature)\n");
            served++;
            if (respond(s, 200, NULL, NULL, "hello again (WDigest)\n") != 0) break;
            continue;
          }
          fprintf(stderr, "http_server: VerifySignature: 0x%08x\n", (unsigned)st);
          DeleteSecurityContext(&ctx);
          have_ctx = digest_done = 0;
        }
        SecBuffer inb[6] = {
            {(ULONG)tlen, SECBUFFER_TOKEN, (void *)tok},
            {(ULONG)strlen(method), SECBUFFER_PKG_PARAMS, method},
            {0, SECBUFFER_PKG_PARAMS, NULL},
            {0, SECBUFFER_PKG_PARAMS, NULL},
            {0, SECBUFFER_PKG_PARAMS, NULL},
            {(ULONG)strlen(algorithm), SECBUFFER_PKG_PARAMS, (void *)algorithm},
        };
        SecBufferDesc ind = {SECBUFFER_VERSION, 6, inb};
        SecBuffer outb = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc outd = {SECBUFFER_VERSION, 1, &outb};
        ULONG attrs = 0;
        int fresh = !auth;
        if ((fresh || digest_done) && have_ctx) {
          DeleteSecurityContext(&ctx);
          have_ctx = digest_done = 0;
        }
        st = AcceptSecurityContext(&cred, have_ctx ? &ctx : NULL, &ind,
                                   ASC_REQ_ALLOCATE_MEMORY | 0x10000000 /* ASC_REQ_HTTP */, SECURITY_NATIVE_DREP,
                                   &ctx, &outd, &attrs, &expiry);
        token[0] = 0;
        if (outb.pvBuffer && outb.cbBuffer < sizeof token) {
          memcpy(token, outb.pvBuffer, outb.cbBuffer);
          token[outb.cbBuffer] = 0;
        }
        if (outb.pvBuffer) FreeContextBuffer(outb.pvBuffer);
        if (st == SEC_I_CONTINUE_NEEDED) {
          have_ctx = 1;
          if (respond(s, 401, scheme, token, "authenticate\n") != 0) break;
          continue;
        }
        if (st != SEC_E_OK) {
          fprintf(stderr, "http_server: AcceptSecurityContext: 0x%08x\n", (unsigned)st);
          if (have_ctx) DeleteSecurityContext(&ctx);
          have_ctx = 0;
          if (respond(s, 401, NULL, NULL, "refused\n") != 0) break;
          continue;
        }
        SecPkgContext_NamesA names;
        char body[512] = "hello ?\n";
        if (QueryContextAttributesA(&ctx, SECPKG_ATTR_NAMES, &names) == SEC_E_OK) {
          snprintf(body, sizeof body, "hello %s (WDigest)\n", names.sUserName);
          fprintf(stderr, "http_server: authenticated %s with WDigest\n", names.sUserName);
          FreeContextBuffer(names.sUserName);
        }
        have_ctx = digest_done = 1; /* kept for the connection's later requests */
        served++;
        if (respond_info(s, token, body) != 0) break;
        continue;
      }
      if (!auth || !auth[strlen(scheme)]) {
        if (respond(s, 401, scheme, NULL, "authenticate\n") != 0) break;
        continue;
      }
      long n = http_b64_decode(auth + strlen(scheme) + 1, in, sizeof in);
      if (n <= 0) {
        if (respond(s, 401, scheme, NULL, "a malformed token\n") != 0) break;
        continue;
      }
      SecBuffer inb = {(ULONG)n, SECBUFFER_TOKEN, in};
      SecBufferDesc ind = {SECBUFFER_VERSION, 1, &inb};
      SecBuffer outb = {0, SECBUFFER_TOKEN, NULL};
      SecBufferDesc outd = {SECBUFFER_VERSION, 1, &outb};
      ULONG attrs = 0;
      st = AcceptSecurityContext(&cred, have_ctx ? &ctx : NULL, &ind,
                                 ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONNECTION | ASC_REQ_MUTUAL_AUTH,
                                 SECURITY_NATIVE_DREP, &ctx, &outd, &attrs, &expiry);
      token[0] = 0;
      if (outb.pvBuffer && outb.cbBuffer <= MAX_TOKEN)
        http_b64_encode((const unsigned char *)outb.pvBuffer, outb.cbBuffer, token);
      if (outb.pvBuffer) FreeContextBuffer(outb.pvBuffer);
      if (st == SEC_I_CONTINUE_NEEDED) {
        have_ctx = 1;
        if (respond(s, 401, scheme, token, "continue\n") != 0) break;
        continue;
      }
      if (st != SEC_E_OK) {
        fprintf(stderr, "http_server: AcceptSecurityContext: 0x%08x\n", (unsigned)st);
        if (have_ctx) DeleteSecurityContext(&ctx);
        have_ctx = 0;
        if (respond(s, 401, scheme, NULL, "refused\n") != 0) break;
        continue;
      }
      have_ctx = 1;
      char body[1024] = "";
      SecPkgContext_NamesA names;
      SecPkgContext_NegotiationInfoA ni;
      const char *who = "?", *pkg = package;
      int have_names = QueryContextAttributesA(&ctx, SECPKG_ATTR_NAMES, &names) == SEC_E_OK;
      int have_ni = QueryContextAttributesA(&ctx, SECPKG_ATTR_NEGOTIATION_INFO, &ni) == SEC_E_OK;
      if (have_names) who = names.sUserName;
      if (have_ni) pkg = ni.PackageInfo->Name;
      snprintf(body, sizeof body, "hello %s (%s)\n", who, pkg);
      fprintf(stderr, "http_server: authenticated %s with %s\n", who, pkg);
      if (have_names) FreeContextBuffer(names.sUserName);
      if (have_ni) FreeContextBuffer(ni.PackageInfo);
      DeleteSecurityContext(&ctx);
      have_ctx = 0;
      served++;
      if (respond(s, 200, token[0] ? scheme : NULL, token, body) != 0) break;
    }
    free(req.body);
    req.body = NULL;
    if (have_ctx) DeleteSecurityContext(&ctx);
    net_close(s);
  }
  net_close(ls);
  FreeCredentialsHandle(&cred);
  return rc;
}
