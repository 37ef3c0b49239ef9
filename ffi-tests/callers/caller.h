/* caller.h: what the caller replays share, which is only the scaffolding
 * around the SSPI calls: arguments, the TCP socket, the application
 * exchange and the report. The SSPI call sequence itself is each replay's
 * own, written from the program it replays (see README.md), because that
 * sequence is what the layer tests.
 *
 * A client replay is run as
 *   PROG --port P [--host H] [--name SNI] --protocol tls12|tls13
 *        --mode http|echo [--insecure] [--client-pfx F --password PW]
 *        [--cacert F [--revoke]]   (curl's --cacert; without --revoke, --ssl-no-revoke)
 * and a server replay as
 *   PROG --pfx F --password PW [--protocol ...] --mode http|echo
 * (it prints "listening: 127.0.0.1:PORT" and serves one connection).
 *
 * Report, on stderr, one "key: value" line per fact the driver checks:
 *   step: <call> -> <STATUS> (0x...)   every SSPI call that matters
 *   handshake: complete
 *   protocol: TLS 1.2 | TLS 1.3
 *   sent: N bytes / received: N bytes
 *   close_notify received / close_notify sent
 *   result: ok | result: FAILED <why>
 * Application data goes to stdout. Exit status 0 only with "result: ok". */

#ifndef CALLERS_CALLER_H
#define CALLERS_CALLER_H

#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L
#endif

#include "../examples/net.h"

#include <stdarg.h>
#include <stdlib.h>

#define SECURITY_WIN32
#define SCHANNEL_USE_BLACKLISTS /* SCH_CREDENTIALS, TLS_PARAMETERS */
#include <security.h>
#include <schannel.h>
#include <wincrypt.h>

/* Status names and PFX loading: the examples' helpers, which make no SSPI
 * calls of their own that a replay would depend on. */
#include "../examples/sspi_tls.h"

typedef struct {
  const char *host, *port, *name, *mode, *pfx, *password;
  int tls13, insecure, revoke;
  const char *client_pfx, *cacert;
} caller_args;

static inline void caller_usage(const char *prog) {
  fprintf(stderr,
          "usage: %s --port P [--host H] [--name SNI] --protocol tls12|tls13 --mode http|echo\n"
          "          [--insecure] [--client-pfx F] [--pfx F] [--password PW] [--cacert F [--revoke]]\n",
          prog);
  exit(2);
}

static inline caller_args caller_parse(int argc, char **argv) {
  caller_args a;
  int i;
  memset(&a, 0, sizeof a);
  a.host = "127.0.0.1";
  a.name = "localhost";
  a.mode = "http";
  a.port = "0";
  a.password = "";
  a.tls13 = -1;
  for (i = 1; i < argc; i++) {
    const char *k = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(k, "--insecure") == 0) {
      a.insecure = 1;
      continue;
    }
    if (strcmp(k, "--revoke") == 0) {
      a.revoke = 1;
      continue;
    }
    if (!v)
      caller_usage(argv[0]);
    i++;
    if (strcmp(k, "--port") == 0)
      a.port = v;
    else if (strcmp(k, "--host") == 0)
      a.host = v;
    else if (strcmp(k, "--name") == 0)
      a.name = v;
    else if (strcmp(k, "--mode") == 0)
      a.mode = v;
    else if (strcmp(k, "--pfx") == 0)
      a.pfx = v;
    else if (strcmp(k, "--client-pfx") == 0)
      a.client_pfx = v;
    else if (strcmp(k, "--cacert") == 0)
      a.cacert = v;
    else if (strcmp(k, "--password") == 0)
      a.password = v;
    else if (strcmp(k, "--protocol") == 0)
      a.tls13 = strcmp(v, "tls13") == 0 ? 1 : strcmp(v, "tls12") == 0 ? 0 : -2;
    else
      caller_usage(argv[0]);
  }
  if (a.tls13 < 0 || (strcmp(a.mode, "http") != 0 && strcmp(a.mode, "echo") != 0))
    caller_usage(argv[0]);
  return a;
}

/* The SP_PROT_* bits of the requested version, for one side. */
static inline DWORD caller_protocols(const caller_args *a, int server) {
  if (server)
    return a->tls13 ? SP_PROT_TLS1_3_SERVER : SP_PROT_TLS1_2_SERVER;
  return a->tls13 ? SP_PROT_TLS1_3_CLIENT : SP_PROT_TLS1_2_CLIENT;
}

/* Logs one SSPI call and its status; returns the status. */
static inline SECURITY_STATUS caller_step(const char *call, SECURITY_STATUS st) {
  fprintf(stderr, "step: %s -> %s (0x%08lX)\n", call, tls_status_name(st), (unsigned long)(unsigned int)st);
  return st;
}

/* "result: FAILED ..." and exit 1. */
static inline void caller_fail(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "result: FAILED ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n");
  exit(1);
}

/* The replays' own checks: a replayed program that would stop here fails. */
#define CALLER_EXPECT(cond, ...)                                                                                        \
  do {                                                                                                                 \
    if (!(cond))                                                                                                       \
      caller_fail(__VA_ARGS__);                                                                                        \
  } while (0)

static inline net_socket caller_connect(const caller_args *a) {
  net_socket s;
  net_init();
  s = net_connect(a->host, a->port);
  if (s == NET_INVALID)
    caller_fail("cannot connect to %s:%s", a->host, a->port);
  net_set_timeout(s, 10000);
  return s;
}

/* One connection on a fresh loopback port, announced on stderr. */
static inline net_socket caller_accept_one(void) {
  unsigned short port = 0;
  net_socket ls, s;
  net_init();
  ls = net_listen(0, &port);
  if (ls == NET_INVALID)
    caller_fail("cannot listen");
  fprintf(stderr, "listening: 127.0.0.1:%u\n", (unsigned)port);
  s = net_accept(ls);
  net_close(ls);
  if (s == NET_INVALID)
    caller_fail("accept failed");
  net_set_timeout(s, 10000);
  return s;
}

static inline void caller_send(net_socket s, const void *p, unsigned long n) {
  if (n && net_send_all(s, p, n) != 0)
    caller_fail("send of %lu bytes failed", n);
}

/* The request a client replay sends in each mode. */
static inline const char *caller_request(const caller_args *a) {
  return strcmp(a->mode, "http") == 0 ? "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n" : "hello from a caller replay\n";
}

/* The protocol line, from SECPKG_ATTR_CONNECTION_INFO. */
static inline void caller_report_protocol(CtxtHandle *ctx) {
  SecPkgContext_ConnectionInfo ci;
  memset(&ci, 0, sizeof ci);
  if (caller_step("QueryContextAttributes(CONNECTION_INFO)",
                  QueryContextAttributesW(ctx, SECPKG_ATTR_CONNECTION_INFO, &ci)) != SEC_E_OK)
    caller_fail("no connection info");
  fprintf(stderr, "protocol: %s\n", tls_protocol_name(ci.dwProtocol));
}

/* Reads a PFX into a certificate context (the caller's client or server
 * certificate), through PFXImportCertStore as these programs do. */
static inline PCCERT_CONTEXT caller_load_pfx(const char *path, const char *password) {
  PCCERT_CONTEXT c = tls_load_pfx(path, password);
  if (!c)
    caller_fail("cannot load %s", path);
  return c;
}

#endif
