/* tls_demo: an SSPI TLS client and an SSPI TLS server talking over
 * loopback in one process (the server on a second thread), both through
 * secur32's Schannel package.
 *
 *   tls_demo SERVER.pfx [PASSWORD]
 *
 * The server identity comes from the PFX; the client validates it against
 * the system trust store, which on Linux can be pointed at a test CA with
 * SSL_CERT_FILE=ca.pem. The client asks for TLS 1.3 and ALPN h2,http/1.1;
 * the server speaks http/1.1. Each side prints what it negotiated, one
 * message goes each way, and both close with close_notify. */

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

static const char CLIENT_MESSAGE[] = "Hello from the SSPI client";
static const char SERVER_MESSAGE[] = "Hello from the SSPI server";

typedef struct {
  CredHandle *cred;
  net_socket listener;
  int ok;
} server_job;

static void server_main(void *arg) {
  server_job *job = (server_job *)arg;
  tls_conn c;
  tls_info info;
  char buf[256];
  long n;
  net_socket s = net_accept(job->listener);
  if (s == NET_INVALID) {
    fprintf(stderr, "server: error: accept failed\n");
    return;
  }
  net_set_timeout(s, 10000);
  if (tls_conn_init(&c, "server: ", 1, s, job->cred) != 0) {
    net_close(s);
    return;
  }
  c.alpn_len = tls_alpn_blob("http/1.1", c.alpn, sizeof c.alpn);
  if (tls_handshake(&c) != SEC_E_OK)
    goto done;
  fprintf(stderr, "server: handshake complete\n");
  if (tls_query_info(&c, &info, 0) != SEC_E_OK)
    goto done;
  tls_print_info(&c, &info);

  n = tls_recv(&c, buf, sizeof buf - 1);
  if (n <= 0)
    goto done;
  buf[n] = 0;
  fprintf(stderr, "server: received \"%s\"\n", buf);
  if (tls_send(&c, SERVER_MESSAGE, sizeof SERVER_MESSAGE - 1) != 0)
    goto done;
  /* The client closes first; answer its close_notify with ours. */
  n = tls_recv(&c, buf, sizeof buf);
  if (n != 0 || !c.peer_closed) {
    fprintf(stderr, "server: error: expected close_notify\n");
    goto done;
  }
  if (tls_shutdown(&c) != SEC_E_OK)
    goto done;
  job->ok = 1;
done:
  tls_conn_free(&c);
  net_close(s);
}

int main(int argc, char **argv) {
  tls_cred_options server_opts, client_opts;
  CredHandle server_cred, client_cred;
  server_job job;
  net_thread thread;
  unsigned short port = 0;
  char port_text[16];
  net_socket s;
  tls_conn c;
  tls_info info;
  char buf[256];
  WCHAR target[] = {'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0};
  long n;
  int ok = 0;

  setvbuf(stderr, NULL, _IONBF, 0);
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: tls_demo SERVER.pfx [PASSWORD]\n");
    return 2;
  }
  if (net_init() != 0)
    return 3;

  /* The server: its certificate from the PFX. */
  memset(&server_opts, 0, sizeof server_opts);
  server_opts.server = 1;
  server_opts.cert = tls_load_pfx(argv[1], argc > 2 ? argv[2] : "");
  if (!server_opts.cert)
    return 1;
  if (tls_acquire(&server_opts, &server_cred) != SEC_E_OK)
    return 1;
  job.cred = &server_cred;
  job.ok = 0;
  job.listener = net_listen(0, &port);
  if (job.listener == NET_INVALID) {
    fprintf(stderr, "error: cannot listen on loopback\n");
    return 3;
  }
  fprintf(stderr, "server: listening on 127.0.0.1:%u\n", port);
  if (net_thread_start(&thread, server_main, &job) != 0)
    return 3;

  /* The client: TLS 1.3 only, the certificate checked automatically. */
  memset(&client_opts, 0, sizeof client_opts);
  client_opts.protocols = SP_PROT_TLS1_3_CLIENT;
  client_opts.flags = SCH_CRED_NO_DEFAULT_CREDS | SCH_CRED_AUTO_CRED_VALIDATION;
  if (tls_acquire(&client_opts, &client_cred) != SEC_E_OK)
    return 1;
  snprintf(port_text, sizeof port_text, "%u", port);
  s = net_connect("localhost", port_text);
  if (s == NET_INVALID) {
    fprintf(stderr, "client: error: cannot connect\n");
    return 3;
  }
  net_set_timeout(s, 10000);
  if (tls_conn_init(&c, "client: ", 0, s, &client_cred) != 0)
    return 1;
  c.target = target;
  c.alpn_len = tls_alpn_blob("h2,http/1.1", c.alpn, sizeof c.alpn);
  fprintf(stderr, "client: connecting to localhost:%u\n", port);
  if (tls_handshake(&c) != SEC_E_OK) {
    if (c.status == SEC_E_UNTRUSTED_ROOT)
      fprintf(stderr, "client: hint: point SSL_CERT_FILE at the CA that issued %s\n", argv[1]);
    /* The server gives up when the client hangs up. */
    net_close(s);
    s = NET_INVALID;
    goto done;
  }
  fprintf(stderr, "client: handshake complete\n");
  if (tls_query_info(&c, &info, 0) != SEC_E_OK)
    goto done;
  tls_print_info(&c, &info);

  if (tls_send(&c, CLIENT_MESSAGE, sizeof CLIENT_MESSAGE - 1) != 0)
    goto done;
  n = tls_recv(&c, buf, sizeof buf - 1);
  if (n <= 0)
    goto done;
  buf[n] = 0;
  fprintf(stderr, "client: received \"%s\"\n", buf);
  if (tls_shutdown(&c) != SEC_E_OK)
    goto done;
  n = tls_recv(&c, buf, sizeof buf);
  ok = n == 0 && c.peer_closed && strcmp(info.protocol, "TLS 1.3") == 0;

done:
  tls_conn_free(&c);
  if (s != NET_INVALID)
    net_close(s);
  net_thread_join(&thread);
  net_close(job.listener);
  FreeCredentialsHandle(&client_cred);
  FreeCredentialsHandle(&server_cred);
  CertFreeCertificateContext(server_opts.cert);
  ok = ok && job.ok;
  fprintf(stderr, "demo: %s\n", ok ? "OK, TLS 1.3 both ways over SSPI" : "FAILED");
  return ok ? 0 : 1;
}
