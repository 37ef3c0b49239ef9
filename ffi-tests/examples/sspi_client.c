/* sspi_client: a TLS client on SSPI/Schannel, as a Windows program writes
 * one. It connects to HOST PORT, runs the InitializeSecurityContextW loop,
 * prints what was negotiated, optionally sends an HTTP GET or its stdin,
 * prints what comes back, and closes with close_notify.
 *
 * Diagnostics ("protocol: TLS 1.3", "error: InitializeSecurityContextW:
 * SEC_E_UNTRUSTED_ROOT (0x80090325)") go to stderr; received application
 * data to stdout. Exit status: 0 success, 1 a TLS/SSPI failure, 2 usage,
 * 3 the TCP connection failed. */

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
  const char *host, *port, *name;
  int no_sni;
  DWORD protocols;
  const char *alpn;
  const char *cert, *password;
  int manual, no_name_check, legacy;
  int reconnect;
  char keying_label[256];
  unsigned keying_len;
  int bindings;
  const char *get;
  int use_stdin;
  long expect;
  int timeout_ms;
} options;

static void usage(void) {
  fprintf(stderr,
          "usage: sspi_client [options] HOST PORT\n"
          "  --name NAME          target name for SNI and the name check (default HOST)\n"
          "  --no-sni             no target name at all (no SNI, no name check)\n"
          "  --protocols LIST     tls10,tls11,tls12,tls13 (default: the library's)\n"
          "  --alpn LIST          ALPN ids, e.g. h2,http/1.1\n"
          "  --cert FILE.pfx      client certificate (--password PW)\n"
          "  --manual             SCH_CRED_MANUAL_CRED_VALIDATION\n"
          "  --no-name-check      SCH_CRED_NO_SERVERNAME_CHECK\n"
          "  --schannel-cred      use SCHANNEL_CRED instead of SCH_CREDENTIALS\n"
          "  --reconnect N        connect N more times with the same credential\n"
          "  --keying LABEL:LEN   print LEN bytes of keying material for LABEL\n"
          "  --bindings           print the tls-server-end-point channel binding\n"
          "  --get PATH           send an HTTP/1.1 GET, print the response\n"
          "  --stdin              send stdin, print what comes back\n"
          "  --expect N           with --stdin: done after receiving N bytes\n"
          "  --timeout SECONDS    for every network wait (default 10)\n"
          "  --trace              print every socket read and DecryptMessage call\n");
}

static int parse_protocols(const char *list, DWORD *out) {
  char buf[128];
  char *p, *save = NULL;
  DWORD bits = 0;
  snprintf(buf, sizeof buf, "%s", list);
  for (p = buf; p && *p; p = save) {
    save = strchr(p, ',');
    if (save)
      *save++ = 0;
    if (strcmp(p, "tls10") == 0)
      bits |= SP_PROT_TLS1_0_CLIENT;
    else if (strcmp(p, "tls11") == 0)
      bits |= SP_PROT_TLS1_1_CLIENT;
    else if (strcmp(p, "tls12") == 0)
      bits |= SP_PROT_TLS1_2_CLIENT;
    else if (strcmp(p, "tls13") == 0)
      bits |= SP_PROT_TLS1_3_CLIENT;
    else
      return -1;
  }
  *out = bits;
  return 0;
}

static int parse(int argc, char **argv, options *o) {
  int i, pos = 0;
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
    if (strcmp(a, "--name") == 0) {
      NEEDS_VALUE;
      o->name = v;
    } else if (strcmp(a, "--no-sni") == 0) {
      o->no_sni = 1;
    } else if (strcmp(a, "--protocols") == 0) {
      NEEDS_VALUE;
      if (parse_protocols(v, &o->protocols) != 0)
        return -1;
    } else if (strcmp(a, "--alpn") == 0) {
      NEEDS_VALUE;
      o->alpn = v;
    } else if (strcmp(a, "--cert") == 0) {
      NEEDS_VALUE;
      o->cert = v;
    } else if (strcmp(a, "--password") == 0) {
      NEEDS_VALUE;
      o->password = v;
    } else if (strcmp(a, "--manual") == 0) {
      o->manual = 1;
    } else if (strcmp(a, "--no-name-check") == 0) {
      o->no_name_check = 1;
    } else if (strcmp(a, "--schannel-cred") == 0) {
      o->legacy = 1;
    } else if (strcmp(a, "--reconnect") == 0) {
      NEEDS_VALUE;
      o->reconnect = atoi(v);
    } else if (strcmp(a, "--keying") == 0) {
      /* LABEL:LEN, the label being what comes before the last colon. */
      const char *colon;
      NEEDS_VALUE;
      colon = strrchr(v, ':');
      if (!colon || colon == v || (size_t)(colon - v) >= sizeof o->keying_label || atoi(colon + 1) <= 0)
        return -1;
      memcpy(o->keying_label, v, (size_t)(colon - v));
      o->keying_len = (unsigned)atoi(colon + 1);
    } else if (strcmp(a, "--bindings") == 0) {
      o->bindings = 1;
    } else if (strcmp(a, "--get") == 0) {
      NEEDS_VALUE;
      o->get = v;
    } else if (strcmp(a, "--stdin") == 0) {
      o->use_stdin = 1;
    } else if (strcmp(a, "--expect") == 0) {
      NEEDS_VALUE;
      o->expect = atol(v);
    } else if (strcmp(a, "--trace") == 0) {
      tls_trace = 1;
    } else if (strcmp(a, "--timeout") == 0) {
      NEEDS_VALUE;
      o->timeout_ms = atoi(v) * 1000;
    } else if (a[0] == '-' && a[1] == '-') {
      return -1;
    } else if (pos == 0) {
      o->host = a;
      pos++;
    } else if (pos == 1) {
      o->port = a;
      pos++;
    } else {
      return -1;
    }
#undef NEEDS_VALUE
  }
  return pos == 2 && o->timeout_ms > 0 ? 0 : -1;
}

/* Sends `data` while printing whatever comes back, until all is sent and
 * `expect` bytes arrived (or, with expect 0, until the peer closes). */
static int exchange(tls_conn *c, const unsigned char *data, size_t len, long expect, int timeout_ms) {
  size_t sent = 0;
  long received = 0;
  for (;;) {
    int ready, r;
    /* Deliver what is already decrypted or decryptable. */
    while ((r = tls_decrypt(c)) == TLS_DATA) {
      size_t n = c->plain_len - c->plain_off;
      fwrite(c->plain + c->plain_off, 1, n, stdout);
      c->plain_off = c->plain_len;
      received += (long)n;
    }
    if (r == TLS_FAILED)
      return -1;
    if (sent == len && (expect > 0 ? received >= expect : (r == TLS_CLOSED || c->eof)))
      break;
    if (r == TLS_CLOSED || c->eof) {
      if (sent < len || received < expect) {
        fprintf(stderr, "error: the peer closed after %ld bytes (sent %lu of %lu)\n", received, (unsigned long)sent,
                (unsigned long)len);
        return -1;
      }
      break;
    }
    ready = net_wait(c->sock, sent < len, timeout_ms);
    if (ready <= 0) {
      fprintf(stderr, "error: time-out after receiving %ld bytes (sent %lu of %lu)\n", received,
              (unsigned long)sent, (unsigned long)len);
      return -1;
    }
    if (ready & NET_READABLE) {
      if (tls_fill(c) < 0) {
        fprintf(stderr, "error: receive failed\n");
        return -1;
      }
      if (c->eof)
        fprintf(stderr, "connection closed by the peer (TCP)\n");
    }
    if ((ready & NET_WRITABLE) && sent < len) {
      size_t n = len - sent;
      if (n > c->sizes.cbMaximumMessage)
        n = c->sizes.cbMaximumMessage;
      if (tls_send(c, data + sent, n) != 0)
        return -1;
      sent += n;
    }
  }
  fflush(stdout);
  fprintf(stderr, "received: %ld bytes\n", received);
  return 0;
}

static unsigned char *read_stdin(size_t *len) {
  unsigned char *buf = NULL;
  size_t cap = 0, n = 0, got;
  do {
    if (n == cap) {
      unsigned char *b = (unsigned char *)realloc(buf, cap ? cap * 2 : 65536);
      if (!b) {
        free(buf);
        return NULL;
      }
      buf = b;
      cap = cap ? cap * 2 : 65536;
    }
    got = fread(buf + n, 1, cap - n, stdin);
    n += got;
  } while (got > 0);
  *len = n;
  return buf;
}

/* One connection: 0 on success, 1 on a TLS failure, 3 on a TCP failure. */
static int run_once(const options *o, CredHandle *cred, WCHAR *target, const unsigned char *data, size_t data_len) {
  tls_conn c;
  tls_info info;
  int rc = 0;
  net_socket s = net_connect(o->host, o->port);
  if (s == NET_INVALID) {
    fprintf(stderr, "error: cannot connect to %s:%s\n", o->host, o->port);
    return 3;
  }
  net_set_timeout(s, o->timeout_ms);
  if (tls_conn_init(&c, "", 0, s, cred) != 0) {
    net_close(s);
    return 1;
  }
  c.target = target;
  if (o->cert)
    c.req |= ISC_REQ_USE_SUPPLIED_CREDS;
  if (o->alpn) {
    c.alpn_len = tls_alpn_blob(o->alpn, c.alpn, sizeof c.alpn);
    if (c.alpn_len == 0) {
      fprintf(stderr, "error: bad ALPN list\n");
      rc = 2;
      goto done;
    }
  }
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
  if (o->manual)
    fprintf(stderr, "validation: manual (the application checks the certificate)\n");

  if (o->get) {
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: sspi_client\r\nAccept: */*\r\nConnection: close\r\n\r\n",
                     o->get, o->name ? o->name : o->host);
    if (tls_send(&c, req, (size_t)n) != 0 || exchange(&c, NULL, 0, 0, o->timeout_ms) != 0) {
      rc = 1;
      goto done;
    }
  } else if (o->use_stdin) {
    if (exchange(&c, data, data_len, o->expect, o->timeout_ms) != 0) {
      rc = 1;
      goto done;
    }
  }
  /* close_notify (also in answer to the peer's), unless the TCP stream is
   * gone; once the peer has closed, it may not be listening any more. */
  if (!c.eof && tls_shutdown(&c) != SEC_E_OK && !c.peer_closed)
    rc = 1;

done:
  if (c.status != SEC_E_OK && rc == 0)
    rc = 1;
  tls_conn_free(&c);
  net_close(s);
  return rc;
}

int main(int argc, char **argv) {
  options o;
  tls_cred_options co;
  CredHandle cred;
  WCHAR target[256];
  WCHAR *ptarget = NULL;
  unsigned char *data = NULL;
  size_t data_len = 0;
  int i, rc = 0;

  setvbuf(stderr, NULL, _IONBF, 0);
  if (parse(argc, argv, &o) != 0) {
    usage();
    return 2;
  }
  if (net_init() != 0)
    return 3;

  memset(&co, 0, sizeof co);
  co.server = 0;
  co.protocols = o.protocols;
  co.legacy = o.legacy;
  /* Only the certificate given here, never one picked for us. */
  co.flags = SCH_CRED_NO_DEFAULT_CREDS;
  if (o.manual)
    co.flags |= SCH_CRED_MANUAL_CRED_VALIDATION;
  else
    co.flags |= SCH_CRED_AUTO_CRED_VALIDATION;
  if (o.no_name_check)
    co.flags |= SCH_CRED_NO_SERVERNAME_CHECK;
  if (o.cert) {
    co.cert = tls_load_pfx(o.cert, o.password);
    if (!co.cert)
      return 1;
  }
  if (tls_acquire(&co, &cred) != SEC_E_OK)
    return 1;

  if (!o.no_sni) {
    if (tls_to_wide(o.name ? o.name : o.host, target, sizeof target / sizeof target[0]) != 0) {
      fprintf(stderr, "error: bad target name\n");
      return 2;
    }
    ptarget = target;
  }
  if (o.use_stdin) {
    data = read_stdin(&data_len);
    if (!data)
      return 1;
  }

  for (i = 0; i <= o.reconnect && rc == 0; i++) {
    fprintf(stderr, "connection: %d\n", i + 1);
    rc = run_once(&o, &cred, ptarget, data, data_len);
  }

  free(data);
  FreeCredentialsHandle(&cred);
  if (co.cert)
    CertFreeCertificateContext(co.cert);
  fprintf(stderr, "result: %s\n", rc == 0 ? "ok" : "failed");
  return rc;
}
