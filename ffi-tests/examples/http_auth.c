/* http_auth: an HTTP client that authenticates with SSPI (NTLM), the way a
 * Windows program does Windows-integrated authentication:
 *
 *   http_auth [options] HOST PORT PATH
 *     --user DOMAIN\user   the identity (else the default credential: on
 *                          sspi-rustls the first entry of NTLM_USER_FILE)
 *     --password PW        its password (or the environment's HTTP_AUTH_PASSWORD)
 *     --scheme NTLM|Negotiate   the HTTP scheme to answer (default: the first
 *                          of them the server offers)
 *     --package NAME       the SSPI package (default: NTLM)
 *     --spn SPN            the target name (default: HTTP/HOST)
 *
 * It sends GET PATH; on "401" with "WWW-Authenticate: NTLM" (or Negotiate)
 * it runs the InitializeSecurityContext loop over the same keep-alive
 * connection, one "Authorization:" header per leg, and prints the final
 * status line on stderr and the body on stdout. Exit 0 on a 2xx answer.
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

#define MAX_HEADERS 16384
#define MAX_TOKEN 12000 /* cbMaxToken of NTLM is 2888; Negotiate's is larger */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_encode(const unsigned char *in, size_t n, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
    out[o++] = b64chars[v >> 18 & 63];
    out[o++] = b64chars[v >> 12 & 63];
    out[o++] = i + 1 < n ? b64chars[v >> 6 & 63] : '=';
    out[o++] = i + 2 < n ? b64chars[v & 63] : '=';
  }
  out[o] = 0;
}

/* Decodes up to the first character that is not base64; returns the length or -1. */
static long b64_decode(const char *in, unsigned char *out, size_t cap) {
  size_t o = 0;
  unsigned v = 0;
  int bits = 0;
  for (; *in && *in != '\r' && *in != '\n' && *in != ' ' && *in != '='; in++) {
    const char *p = strchr(b64chars, *in);
    if (!p) return -1;
    v = v << 6 | (unsigned)(p - b64chars);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o == cap) return -1;
      out[o++] = (unsigned char)(v >> bits & 0xff);
    }
  }
  return (long)o;
}

typedef struct {
  int status;
  char headers[MAX_HEADERS];
  char *body;
  size_t body_len;
} response;

static int ieq_prefix(const char *s, const char *prefix) {
  for (; *prefix; s++, prefix++) {
    char a = *s, b = *prefix;
    if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
    if (a != b) return 0;
  }
  return 1;
}

/* The value of the first header NAME whose value starts with PREFIX (case-insensitive), or NULL. */
static const char *header(const response *r, const char *name, const char *prefix) {
  size_t nlen = strlen(name);
  for (const char *line = strstr(r->headers, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n")) {
    const char *h = line + 2;
    if (ieq_prefix(h, name) && h[nlen] == ':') {
      const char *v = h + nlen + 1;
      while (*v == ' ') v++;
      if (!prefix || ieq_prefix(v, prefix)) return v;
    }
  }
  return NULL;
}

/* Reads one response (headers, then a Content-Length body). */
static int read_response(net_socket s, response *r) {
  size_t have = 0;
  char *end = NULL;
  while (!end) {
    if (have == sizeof r->headers - 1) return -1;
    int n = net_recv(s, r->headers + have, sizeof r->headers - 1 - have);
    if (n <= 0) return -1;
    have += (size_t)n;
    r->headers[have] = 0;
    end = strstr(r->headers, "\r\n\r\n");
  }
  size_t head = (size_t)(end - r->headers) + 4;
  if (sscanf(r->headers, "HTTP/%*d.%*d %d", &r->status) != 1) return -1;
  const char *cl = header(r, "Content-Length", NULL);
  size_t len = cl ? (size_t)strtoul(cl, NULL, 10) : 0;
  r->body = (char *)malloc(len + 1);
  if (!r->body) return -1;
  size_t got = have - head < len ? have - head : len;
  memcpy(r->body, r->headers + head, got);
  while (got < len) {
    int n = net_recv(s, r->body + got, len - got);
    if (n <= 0) return -1;
    got += (size_t)n;
  }
  r->body[len] = 0;
  r->body_len = len;
  r->headers[head - 2] = 0; /* keep the last header's CRLF for header() */
  return 0;
}

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
      cred, first ? NULL : ctx, (SEC_CHAR *)spn, ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONNECTION, 0,
      SECURITY_NATIVE_DREP, first ? NULL : &ind, 0, ctx, &outd, &attrs, &expiry);
  out_b64[0] = 0;
  if ((st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED) && outb.pvBuffer && outb.cbBuffer <= MAX_TOKEN)
    b64_encode((const unsigned char *)outb.pvBuffer, outb.cbBuffer, out_b64);
  if (outb.pvBuffer) FreeContextBuffer(outb.pvBuffer);
  return st;
}

int main(int argc, char **argv) {
  const char *user = NULL, *password = getenv("HTTP_AUTH_PASSWORD"), *scheme = NULL, *package = "NTLM";
  const char *spn_arg = NULL;
  int i = 1;
  for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
    if (strcmp(argv[i], "--user") == 0) user = argv[i + 1];
    else if (strcmp(argv[i], "--password") == 0) password = argv[i + 1];
    else if (strcmp(argv[i], "--scheme") == 0) scheme = argv[i + 1];
    else if (strcmp(argv[i], "--package") == 0) package = argv[i + 1];
    else if (strcmp(argv[i], "--spn") == 0) spn_arg = argv[i + 1];
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
  static response r;
  int rc = 1;
  CredHandle cred;
  CtxtHandle ctx;
  int have_cred = 0, have_ctx = 0;
  static char token[MAX_TOKEN * 2];
  static unsigned char in[MAX_TOKEN];

  if (send_request(s, host, path, NULL, NULL) != 0 || read_response(s, &r) != 0) goto out;
  if (r.status == 401) {
    if (!scheme) scheme = header(&r, "WWW-Authenticate", "NTLM") ? "NTLM" : "Negotiate";
    if (!header(&r, "WWW-Authenticate", scheme)) {
      fprintf(stderr, "http_auth: the server does not offer %s\n", scheme);
      goto out;
    }
    SECURITY_STATUS st = acquire(package, user, password, &cred);
    if (st != SEC_E_OK) {
      fprintf(stderr, "http_auth: AcquireCredentialsHandle: 0x%08x\n", (unsigned)st);
      goto out;
    }
    have_cred = 1;
    st = isc(&cred, &ctx, 1, spn, NULL, 0, token);
    have_ctx = st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED;
    while (st == SEC_I_CONTINUE_NEEDED || (st == SEC_E_OK && token[0])) {
      free(r.body);
      r.body = NULL;
      if (send_request(s, host, path, scheme, token) != 0 || read_response(s, &r) != 0) goto out;
      if (st == SEC_E_OK) break; /* the last token went out with this request */
      const char *v = header(&r, "WWW-Authenticate", scheme);
      if (r.status != 401 || !v || !v[strlen(scheme)]) break; /* no token: accepted, or refused */
      long n = b64_decode(v + strlen(scheme) + 1, in, sizeof in);
      if (n <= 0) {
        fprintf(stderr, "http_auth: a malformed %s challenge\n", scheme);
        goto out;
      }
      st = isc(&cred, &ctx, 0, spn, in, (ULONG)n, token);
    }
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
      fprintf(stderr, "http_auth: InitializeSecurityContext: 0x%08x\n", (unsigned)st);
      goto out;
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
