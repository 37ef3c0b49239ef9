/* http_auth: an HTTP client that authenticates with SSPI (NTLM, or Negotiate:
 * Kerberos with NTLM as the fallback), the way a Windows program does
 * Windows-integrated authentication:
 *
 *   http_auth [options] HOST PORT PATH
 *     --user DOMAIN\user   the identity (else the default credential: on
 *                          sspi-rustls the first entry of NTLM_USER_FILE)
 *     --password PW        its password (or the environment's HTTP_AUTH_PASSWORD)
 *     --scheme NTLM|Negotiate   the HTTP scheme to answer (default: the first
 *                          of them the server offers)
 *     --package NAME       the SSPI package (default: NTLM; Negotiate for
 *                          Kerberos: without --user, the default ccache;
 *                          WDigest for --scheme Digest, HTTP Digest with
 *                          --user REALM\user or user@realm)
 *     --spn SPN            the target name (default: HTTP/HOST)
 *     --requests N         Digest: N requests for PATH on the connection, the
 *                          later ones signed with MakeSignature (default 1)
 *
 * It sends GET PATH; on "401" with "WWW-Authenticate: NTLM" (or Negotiate)
 * it runs the InitializeSecurityContext loop over the same keep-alive
 * connection, one "Authorization:" header per leg, and prints the final
 * status line on stderr and the body on stdout. Exit 0 on a 2xx answer. A
 * token in the 2xx answer's WWW-Authenticate (Negotiate's last leg: the
 * Kerberos AP-REP, SPNEGO's accept-completed and mechListMIC) is given to
 * InitializeSecurityContext too, and must complete it: that is the mutual
 * authentication of the server.
 * NTLM authenticates the connection, not the request: every leg must use
 * the same TCP connection.
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

static int send_request(net_socket s, const char *host, const char *path, const char *scheme, const char *token) {
  char req[MAX_HEADERS];
  int n;
  if (token)
    n = snprintf(req, sizeof req,
                 "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: keep-alive\r\nAuthorization: %s %s\r\n\r\n", path,
                 host, scheme, token);
  else
    n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: keep-alive\r\n\r\n", path, host);
  if (n < 0 || (size_t)n >= sizeof req) return -1;
  return net_send_all(s, req, (size_t)n);
}

static SECURITY_STATUS acquire(const char *package, const char *user, const char *password, CredHandle *cred) {
  SEC_WINNT_AUTH_IDENTITY_A id;
  char name[256] = "", domain[256] = "";
  memset(&id, 0, sizeof id);
  if (user) {
    const char *slash = strchr(user, '\\');
    if (slash && (size_t)(slash - user) < sizeof domain) {
      memcpy(domain, user, (size_t)(slash - user));
      domain[slash - user] = 0;
      snprintf(name, sizeof name, "%s", slash + 1);
    } else {
      snprintf(name, sizeof name, "%s", user); /* user or user@domain */
    }
    id.User = (unsigned char *)name;
    id.UserLength = (ULONG)strlen(name);
    id.Domain = (unsigned char *)domain;
    id.DomainLength = (ULONG)strlen(domain);
    id.Password = (unsigned char *)password;
    id.PasswordLength = password ? (ULONG)strlen(password) : 0;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
  }
  TimeStamp expiry;
  return AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_OUTBOUND, NULL, user ? &id : NULL, NULL,
                                   NULL, cred, &expiry);
}

/* One InitializeSecurityContext call: the server's token in (NULL first), ours out as base64. */
static SECURITY_STATUS isc(CredHandle *cred, CtxtHandle *ctx, int first, const char *spn, const unsigned char *in,
                           ULONG in_len, char *out_b64) {
  SecBuffer inb = {in_len, SECBUFFER_TOKEN, (void *)in};
  SecBufferDesc ind = {SECBUFFER_VERSION, 1, &inb};
  SecBuffer outb = {0, SECBUFFER_TOKEN, NULL};
  SecBufferDesc outd = {SECBUFFER_VERSION, 1, &outb};
  ULONG attrs = 0;
  TimeStamp expiry;
  SECURITY_STATUS st = InitializeSecurityContextA(
      cred, first ? NULL : ctx, (SEC_CHAR *)spn, ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONNECTION | ISC_REQ_MUTUAL_AUTH, 0,
      SECURITY_NATIVE_DREP, first ? NULL : &ind, 0, ctx, &outd, &attrs, &expiry);
  out_b64[0] = 0;
  if ((st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED) && outb.pvBuffer && outb.cbBuffer <= MAX_TOKEN)
    http_b64_encode((const unsigned char *)outb.pvBuffer, outb.cbBuffer, out_b64);
  if (outb.pvBuffer) FreeContextBuffer(outb.pvBuffer);
  return st;
}

int main(int argc, char **argv) {
  const char *user = NULL, *password = getenv("HTTP_AUTH_PASSWORD"), *scheme = NULL, *package = "NTLM";
  const char *spn_arg = NULL;
  int i = 1, requests = 1;
  for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
    if (strcmp(argv[i], "--user") == 0) user = argv[i + 1];
    else if (strcmp(argv[i], "--password") == 0) password = argv[i + 1];
    else if (strcmp(argv[i], "--scheme") == 0) scheme = argv[i + 1];
    else if (strcmp(argv[i], "--package") == 0) package = argv[i + 1];
    else if (strcmp(argv[i], "--spn") == 0) spn_arg = argv[i + 1];
    else if (strcmp(argv[i], "--requests") == 0) requests = atoi(argv[i + 1]);
    else break;
  }
  if (argc - i != 3) {
    fprintf(stderr, "usage: http_auth [--user DOMAIN\\user] [--password PW] [--scheme NTLM|Negotiate] "
                    "[--package NAME] [--spn SPN] HOST PORT PATH\n");
    return 2;
  }
  const char *host = argv[i], *port = argv[i + 1], *path = argv[i + 2];
  char spn[512];
  snprintf(spn, sizeof spn, "%s", spn_arg ? spn_arg : "");
  if (!spn_arg) snprintf(spn, sizeof spn, "HTTP/%s", host);

  if (net_init() != 0) return 1;
  net_socket s = net_connect(host, port);
  if (s == NET_INVALID) {
    fprintf(stderr, "http_auth: cannot connect to %s:%s\n", host, port);
    return 1;
  }
  net_set_timeout(s, 20000);
  static http_message r;
  int rc = 1;
  CredHandle cred;
  CtxtHandle ctx;
  int have_cred = 0, have_ctx = 0;
  static char token[MAX_TOKEN * 2];
  static unsigned char in[MAX_TOKEN];

  if (send_request(s, host, path, NULL, NULL) != 0 || http_read(s, &r) != 0) goto out;
  if (r.status == 401) {
    if (!scheme) scheme = http_header(&r, "WWW-Authenticate", "NTLM") ? "NTLM" : "Negotiate";
    if (!http_header(&r, "WWW-Authenticate", scheme)) {
      fprintf(stderr, "http_auth: the server does not offer %s\n", scheme);
      goto out;
    }
    SECURITY_STATUS st = acquire(package, user, password, &cred);
    if (st != SEC_E_OK) {
      fprintf(stderr, "http_auth: AcquireCredentialsHandle: 0x%08x\n", (unsigned)st);
      goto out;
    }
    have_cred = 1;
    if (strcmp(scheme, "Digest") == 0) {
      /* InitializeSecurityContext (Digest): the challenge's text in TOKEN, then
       * SECBUFFER_PKG_PARAMS: the method and H(entity) (empty: no body); the target name is
       * the request-URI. One leg; the parameters go out as "Authorization: Digest ...". */
      const char *ch = http_header(&r, "WWW-Authenticate", "Digest") + strlen("Digest");
      while (*ch == ' ') ch++;
      static char method[] = "GET";
      SecBuffer inb[3] = {{(ULONG)strcspn(ch, "\r\n"), SECBUFFER_TOKEN, (void *)ch},
                          {3, SECBUFFER_PKG_PARAMS, method},
                          {0, SECBUFFER_PKG_PARAMS, NULL}};
      SecBufferDesc ind = {SECBUFFER_VERSION, 3, inb};
      SecBuffer outb = {0, SECBUFFER_TOKEN, NULL};
      SecBufferDesc outd = {SECBUFFER_VERSION, 1, &outb};
      ULONG attrs = 0;
      TimeStamp ts;
      st = InitializeSecurityContextA(&cred, NULL, (SEC_CHAR *)path, ISC_REQ_ALLOCATE_MEMORY | 0x10000000 /* ISC_REQ_HTTP */,
                                      0, SECURITY_NATIVE_DREP, &ind, 0, &ctx, &outd, &attrs, &ts);
      have_ctx = st == SEC_E_OK;
      if (st != SEC_E_OK || !outb.pvBuffer || outb.cbBuffer >= sizeof token) {
        fprintf(stderr, "http_auth: InitializeSecurityContext: 0x%08x\n", (unsigned)st);
        if (outb.pvBuffer) FreeContextBuffer(outb.pvBuffer);
        goto out;
      }
      memcpy(token, outb.pvBuffer, outb.cbBuffer);
      token[outb.cbBuffer] = 0;
      FreeContextBuffer(outb.pvBuffer);
      free(r.body);
      r.body = NULL;
      if (send_request(s, host, path, scheme, token) != 0 || http_read(s, &r) != 0) goto out;
      const char *info = http_header(&r, "Authentication-Info", "rspauth");
      if (info) {
        /* The server's rspauth goes to InitializeSecurityContext on the context: mutual
         * authentication (SEC_E_MUTUAL_AUTH_FAILED when it is wrong). */
        fprintf(stderr, "http_auth: server sent rspauth\n");
        SecBuffer ib = {(ULONG)strcspn(info, "\r\n"), SECBUFFER_TOKEN, (void *)info};
        SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib};
        SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
        st = InitializeSecurityContextA(&cred, &ctx, (SEC_CHAR *)path,
                                        ISC_REQ_ALLOCATE_MEMORY | 0x10000000 /* ISC_REQ_HTTP */, 0,
                                        SECURITY_NATIVE_DREP, &id, 0, &ctx, &od, &attrs, &ts);
        if (ob.pvBuffer) FreeContextBuffer(ob.pvBuffer);
        if (st != SEC_E_OK) {
          fprintf(stderr, "http_auth: the server's rspauth: 0x%08x\n", (unsigned)st);
          goto out;
        }
        fprintf(stderr, "http_auth: server authenticated (rspauth)\n");
      }
      /* Later requests on the connection: MakeSignature makes each one's Authorization (nc + 1)
       * from TOKEN, then SECBUFFER_PKG_PARAMS: the method, the request-URI, H(entity). */
      for (int k = 1; k < requests && r.status >= 200 && r.status < 300; k++) {
        fwrite(r.body, 1, r.body_len, stdout);
        free(r.body);
        r.body = NULL;
        SecBuffer mb[5] = {{(ULONG)sizeof token - 1, SECBUFFER_TOKEN, token},
                           {3, SECBUFFER_PKG_PARAMS, method},
                           {(ULONG)strlen(path), SECBUFFER_PKG_PARAMS, (void *)path},
                           {0, SECBUFFER_PKG_PARAMS, NULL},
                           {0, SECBUFFER_PADDING, NULL}};
        SecBufferDesc md = {SECBUFFER_VERSION, 5, mb};
        st = MakeSignature(&ctx, 0, &md, 0);
        if (st != SEC_E_OK) {
          fprintf(stderr, "http_auth: MakeSignature: 0x%08x\n", (unsigned)st);
          goto out;
        }
        token[mb[0].cbBuffer] = 0;
        if (send_request(s, host, path, scheme, token) != 0 || http_read(s, &r) != 0) goto out;
        fprintf(stderr, "http_auth: request %d (MakeSignature): HTTP %d\n", k + 1, r.status);
      }
      token[0] = 0; /* nothing more to send */
    }
    if (strcmp(scheme, "Digest") != 0) st = isc(&cred, &ctx, 1, spn, NULL, 0, token);
    have_ctx = st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED;
    while (st == SEC_I_CONTINUE_NEEDED || (st == SEC_E_OK && token[0])) {
      free(r.body);
      r.body = NULL;
      if (send_request(s, host, path, scheme, token) != 0 || http_read(s, &r) != 0) goto out;
      if (st == SEC_E_OK) break; /* the last token went out with this request */
      const char *v = http_header(&r, "WWW-Authenticate", scheme);
      int ok = r.status >= 200 && r.status < 300;
      if ((r.status != 401 && !ok) || !v || !v[strlen(scheme)]) break; /* no token: accepted, or refused */
      long n = http_b64_decode(v + strlen(scheme) + 1, in, sizeof in);
      if (n <= 0) {
        fprintf(stderr, "http_auth: a malformed %s challenge\n", scheme);
        goto out;
      }
      st = isc(&cred, &ctx, 0, spn, in, (ULONG)n, token);
      if (ok) {
        /* The server's last token: it must complete the context (mutual authentication). */
        if (st != SEC_E_OK) {
          fprintf(stderr, "http_auth: the server's final token: 0x%08x\n", (unsigned)st);
          goto out;
        }
        fprintf(stderr, "http_auth: server authenticated\n");
        break;
      }
    }
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
      fprintf(stderr, "http_auth: InitializeSecurityContext: 0x%08x\n", (unsigned)st);
      goto out;
    }
  }
  if (have_ctx) {
    SecPkgContext_NegotiationInfoA ni;
    if (QueryContextAttributesA(&ctx, SECPKG_ATTR_NEGOTIATION_INFO, &ni) == SEC_E_OK) {
      fprintf(stderr, "http_auth: package: %s\n", ni.PackageInfo->Name);
      FreeContextBuffer(ni.PackageInfo);
    }
  }
  fprintf(stderr, "http_auth: HTTP %d\n", r.status);
  fwrite(r.body, 1, r.body_len, stdout);
  rc = r.status >= 200 && r.status < 300 ? 0 : 1;
out:
  free(r.body);
  if (have_ctx) DeleteSecurityContext(&ctx);
  if (have_cred) FreeCredentialsHandle(&cred);
  net_close(s);
  return rc;
}
