/* sspi_server: a TLS server on SSPI/Schannel, as a Windows program writes
 * one. It loads its certificate from a PFX (PFXImportCertStore +
 * CertFindCertificateInStore), listens on 127.0.0.1 and serves connections
 * one after the other with the AcceptSecurityContext loop: echo mode (the
 * default) or HTTP/1.1 mode (--http), then close_notify.
 *
 * For each connection it prints (to stderr) what was negotiated: protocol,
 * cipher suite, ALPN, SNI, the client certificate, whether the session was
 * resumed. "listening: 127.0.0.1:PORT" is printed first (--port 0 picks a
 * free port). Exit status: 0 when every connection succeeded, 1 otherwise,
 * 2 usage, 3 the listening socket failed. */

#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L
#endif

#include "net.h"

#define SECURITY_WIN32
#define SCHANNEL_USE_BLACKLISTS /* for SCH_CREDENTIALS */
#include <security.h>
#include <schannel.h>
#include <wincrypt.h>

#include "sspi_tls.h"

typedef struct {
  const char *pfx, *password;
  unsigned short port;
  DWORD protocols;
  const char *alpn;
  int mutual;
  const char *ca;
  int http;
  long count;
  long limit;
  char keying_label[256];
  unsigned keying_len;
  int bindings;
  int legacy;
  int timeout_ms;
} options;

static void usage(void) {
  fprintf(stderr,
          "usage: sspi_server [options] CERT.pfx\n"
          "  --password PW        password of the PFX\n"
          "  --port N             port on 127.0.0.1 (default 0: any free port)\n"
          "  --protocols LIST     tls12,tls13 (default: the library's)\n"
          "  --alpn LIST          ALPN ids the server accepts, by preference\n"
          "  --mutual             ask for a client certificate (ASC_REQ_MUTUAL_AUTH)\n"
          "  --ca FILE.der        hRootStore: the CA client certificates must chain to\n"
          "  --http               answer HTTP/1.1 requests instead of echoing\n"
          "  --count N            serve N connections, then exit\n"
          "  --limit N            echo mode: close after echoing N bytes\n"
          "  --keying LABEL:LEN   print LEN bytes of keying material for LABEL\n"
          "  --bindings           print the tls-server-end-point channel binding\n"
          "  --schannel-cred      use SCHANNEL_CRED instead of SCH_CREDENTIALS\n"
          "  --timeout SECONDS    for every network wait (default 10)\n"
          "  --trace              print every socket read and DecryptMessage call\n");
}

static int parse(int argc, char **argv, options *o) {
  int i;
  memset(o, 0, sizeof *o);
  o->timeout_ms = 10000;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDS_VALUE                                                                                                    \
  do {                                                                                                                 \
    if (!v)                                                                                                            \
      return -1;                                                                                                       \
    i++;                                                                                                               \
  } while (0)
    if (strcmp(a, "--password") == 0) {
      NEEDS_VALUE;
      o->password = v;
    } else if (strcmp(a, "--port") == 0) {
      NEEDS_VALUE;
      o->port = (unsigned short)atoi(v);
    } else if (strcmp(a, "--protocols") == 0) {
      char buf[128];
      char *p, *next = NULL;
      NEEDS_VALUE;
      snprintf(buf, sizeof buf, "%s", v);
      for (p = buf; p && *p; p = next) {
        next = strchr(p, ',');
        if (next)
          *next++ = 0;
        if (strcmp(p, "tls10") == 0)
          o->protocols |= SP_PROT_TLS1_0_SERVER;
        else if (strcmp(p, "tls11") == 0)
          o->protocols |= SP_PROT_TLS1_1_SERVER;
        else if (strcmp(p, "tls12") == 0)
          o->protocols |= SP_PROT_TLS1_2_SERVER;
        else if (strcmp(p, "tls13") == 0)
          o->protocols |= SP_PROT_TLS1_3_SERVER;
        else
          return -1;
      }
    } else if (strcmp(a, "--alpn") == 0) {
      NEEDS_VALUE;
      o->alpn = v;
    } else if (strcmp(a, "--mutual") == 0) {
      o->mutual = 1;
    } else if (strcmp(a, "--ca") == 0) {
      NEEDS_VALUE;
      o->ca = v;
    } else if (strcmp(a, "--http") == 0) {
      o->http = 1;
    } else if (strcmp(a, "--count") == 0) {
      NEEDS_VALUE;
      o->count = atol(v);
    } else if (strcmp(a, "--limit") == 0) {
      NEEDS_VALUE;
      o->limit = atol(v);
    } else if (strcmp(a, "--keying") == 0) {
      const char *colon;
      NEEDS_VALUE;
      colon = strrchr(v, ':');
      if (!colon || colon == v || (size_t)(colon - v) >= sizeof o->keying_label || atoi(colon + 1) <= 0)
        return -1;
      memcpy(o->keying_label, v, (size_t)(colon - v));
      o->keying_len = (unsigned)atoi(colon + 1);
    } else if (strcmp(a, "--bindings") == 0) {
      o->bindings = 1;
    } else if (strcmp(a, "--schannel-cred") == 0) {
      o->legacy = 1;
    } else if (strcmp(a, "--trace") == 0) {
      tls_trace = 1;
    } else if (strcmp(a, "--timeout") == 0) {
      NEEDS_VALUE;
      o->timeout_ms = atoi(v) * 1000;
    } else if (a[0] == '-' && a[1] == '-') {
      return -1;
    } else if (!o->pfx) {
      o->pfx = a;
    } else {
      return -1;
    }
#undef NEEDS_VALUE
  }
  return o->pfx && o->timeout_ms > 0 ? 0 : -1;
}

/* Echoes until the peer closes, or until `limit` bytes were echoed. */
static int serve_echo(tls_conn *c, long limit) {
  unsigned char buf[16384];
  long total = 0;
  for (;;) {
    long n = tls_recv(c, buf, sizeof buf);
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    if (tls_send(c, buf, (size_t)n) != 0)
      return -1;
    total += n;
    if (limit > 0 && total >= limit)
      break;
  }
  fprintf(stderr, "echoed: %ld bytes\n", total);
  return 0;
}

/* Reads one request (up to the blank line) and answers it. */
static int serve_http(tls_conn *c, const tls_info *info) {
  char req[16384];
  char body[1024];
  char head[512];
  size_t len = 0;
  int n, m;
  for (;;) {
    long r;
    if (len == sizeof req - 1) {
      fprintf(stderr, "error: request header too large\n");
      return -1;
    }
    r = tls_recv(c, req + len, sizeof req - 1 - len);
    if (r <= 0) {
      fprintf(stderr, "error: no complete request\n");
      return -1;
    }
    len += (size_t)r;
    req[len] = 0;
    if (strstr(req, "\r\n\r\n"))
      break;
  }
  fprintf(stderr, "request: %.*s\n", (int)strcspn(req, "\r\n"), req);
  n = snprintf(body, sizeof body, "Hello from sspi_server\nprotocol: %s\ncipher suite: %s\nalpn: %s\nsni: %s\n",
               info->protocol, info->suite, info->alpn[0] ? info->alpn : "(none)",
               info->sni[0] ? info->sni : "(none)");
  m = snprintf(head, sizeof head,
               "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", n);
  if (tls_send(c, head, (size_t)m) != 0 || tls_send(c, body, (size_t)n) != 0)
    return -1;
  return 0;
}

/* One connection: 0 on success, 1 on failure. */
static int serve(const options *o, CredHandle *cred, net_socket s) {
  tls_conn c;
  tls_info info;
  int rc = 0;
  if (tls_conn_init(&c, "", 1, s, cred) != 0)
    return 1;
  if (o->mutual)
    c.req |= ASC_REQ_MUTUAL_AUTH;
  if (o->alpn)
    c.alpn_len = tls_alpn_blob(o->alpn, c.alpn, sizeof c.alpn);
  if (o->keying_label[0]) {
    c.keying_label = o->keying_label;
    c.keying_len = o->keying_len;
  }
  if (tls_handshake(&c) != SEC_E_OK) {
    rc = 1;
    goto done;
  }
  fprintf(stderr, "handshake: complete\n");
  if (tls_query_info(&c, &info, o->bindings) != SEC_E_OK)
    rc = 1;
  tls_print_info(&c, &info);
  if (o->mutual)
    fprintf(stderr, "mutual authentication: %s\n", c.attrs & ASC_RET_MUTUAL_AUTH ? "yes" : "no");
  if ((o->http ? serve_http(&c, &info) : serve_echo(&c, o->limit)) != 0)
    rc = 1;
  if (!c.eof && tls_shutdown(&c) != SEC_E_OK && !c.peer_closed)
    rc = 1;
done:
  if (c.status != SEC_E_OK)
    rc = 1;
  tls_conn_free(&c);
  return rc;
}

int main(int argc, char **argv) {
  options o;
  tls_cred_options co;
  CredHandle cred;
  net_socket ls;
  unsigned short port = 0;
  long served = 0;
  int failed = 0, rc;

  setvbuf(stderr, NULL, _IONBF, 0);
  if (parse(argc, argv, &o) != 0) {
    usage();
    return 2;
  }
  if (net_init() != 0)
    return 3;

  memset(&co, 0, sizeof co);
  co.server = 1;
  co.protocols = o.protocols;
  co.legacy = o.legacy;
  co.cert = tls_load_pfx(o.pfx, o.password);
  if (!co.cert)
    return 1;
  if (o.ca) {
    co.root_store = tls_load_der_store(o.ca);
    if (!co.root_store)
      return 1;
  }
  if (tls_acquire(&co, &cred) != SEC_E_OK)
    return 1;

  ls = net_listen(o.port, &port);
  if (ls == NET_INVALID) {
    fprintf(stderr, "error: cannot listen on port %u\n", o.port);
    return 3;
  }
  fprintf(stderr, "listening: 127.0.0.1:%u\n", port);

  while (o.count == 0 || served < o.count) {
    net_socket s = net_accept(ls);
    if (s == NET_INVALID) {
      fprintf(stderr, "error: accept failed\n");
      failed = 1;
      break;
    }
    served++;
    fprintf(stderr, "connection: %ld\n", served);
    net_set_timeout(s, o.timeout_ms);
    rc = serve(&o, &cred, s);
    if (rc != 0)
      failed = 1;
    fprintf(stderr, "connection %ld: %s\n", served, rc == 0 ? "ok" : "failed");
    net_close(s);
  }

  net_close(ls);
  FreeCredentialsHandle(&cred);
  if (co.root_store)
    CertCloseStore(co.root_store, 0);
  CertFreeCertificateContext(co.cert);
  return failed;
}
