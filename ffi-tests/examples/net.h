/* net.h: the little networking the examples need, on POSIX sockets or on
 * Winsock. Everything TLS lives in the SSPI code; this file only moves bytes.
 *
 * The examples are Windows SSPI programs: on Windows they would build with
 * this file's _WIN32 half (link ws2_32), on Linux with the POSIX half. A .c
 * file using it defines _POSIX_C_SOURCE before its first #include. */

#ifndef EXAMPLES_NET_H
#define EXAMPLES_NET_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
typedef SOCKET net_socket;
#define NET_INVALID INVALID_SOCKET
#else
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>
typedef int net_socket;
#define NET_INVALID (-1)
#endif

/* Readiness bits of net_wait(). */
#define NET_READABLE 1
#define NET_WRITABLE 2

static inline int net_init(void) {
#ifdef _WIN32
  WSADATA wsa;
  return WSAStartup(MAKEWORD(2, 2), &wsa) == 0 ? 0 : -1;
#else
  /* A peer that resets the connection must not kill us with SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);
  return 0;
#endif
}

static inline void net_close(net_socket s) {
#ifdef _WIN32
  closesocket(s);
#else
  close(s);
#endif
}

/* Send and receive time-outs, so that a silent peer cannot hang us. */
static inline void net_set_timeout(net_socket s, int ms) {
#ifdef _WIN32
  DWORD t = (DWORD)ms;
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&t, sizeof t);
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, (const char *)&t, sizeof t);
#else
  struct timeval tv;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
#endif
}

/* A connected TCP socket to host:port, or NET_INVALID. */
static inline net_socket net_connect(const char *host, const char *port) {
  struct addrinfo hints, *res = NULL, *ai;
  net_socket s = NET_INVALID;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, port, &hints, &res) != 0)
    return NET_INVALID;
  for (ai = res; ai; ai = ai->ai_next) {
    s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (s == NET_INVALID)
      continue;
    if (connect(s, ai->ai_addr, (int)ai->ai_addrlen) == 0)
      break;
    net_close(s);
    s = NET_INVALID;
  }
  freeaddrinfo(res);
  if (s != NET_INVALID) {
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
  }
  return s;
}

/* A listening socket on 127.0.0.1:port (0: any free port); the port
 * really bound is stored in *bound. */
static inline net_socket net_listen(unsigned short port, unsigned short *bound) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  int one = 1;
  net_socket s = socket(AF_INET, SOCK_STREAM, 0);
  if (s == NET_INVALID)
    return NET_INVALID;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, (const char *)&one, sizeof one);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0 ||
      getsockname(s, (struct sockaddr *)&a, &len) != 0) {
    net_close(s);
    return NET_INVALID;
  }
  *bound = ntohs(a.sin_port);
  return s;
}

static inline net_socket net_accept(net_socket ls) {
  net_socket s = accept(ls, NULL, NULL);
  if (s != NET_INVALID) {
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
  }
  return s;
}

/* Sends all of buf; 0 on success, -1 on failure. */
static inline int net_send_all(net_socket s, const void *buf, size_t len) {
  const char *p = (const char *)buf;
  while (len > 0) {
    int chunk = len > 65536 ? 65536 : (int)len;
    int n = (int)send(s, p, chunk, 0);
    if (n <= 0) {
#ifndef _WIN32
      if (n < 0 && errno == EINTR)
        continue;
#endif
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Receives up to len bytes: the count, 0 at end of stream, -1 on error or
 * time-out. */
static inline int net_recv(net_socket s, void *buf, size_t len) {
  int max = len > 65536 ? 65536 : (int)len;
  for (;;) {
    int n = (int)recv(s, (char *)buf, max, 0);
#ifndef _WIN32
    if (n < 0 && errno == EINTR)
      continue;
#endif
    return n < 0 ? -1 : n;
  }
}

/* Waits until s is readable (and writable, if asked): NET_* bits, 0 on
 * time-out, -1 on error. */
static inline int net_wait(net_socket s, int want_write, int timeout_ms) {
  fd_set r, w;
  struct timeval tv;
  int n;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_SET(s, &r);
  if (want_write)
    FD_SET(s, &w);
  tv.tv_sec = timeout_ms / 1000;
  tv.tv_usec = (timeout_ms % 1000) * 1000;
  n = select((int)s + 1, &r, want_write ? &w : NULL, NULL, &tv);
  if (n < 0)
    return -1;
  return (FD_ISSET(s, &r) ? NET_READABLE : 0) | (want_write && FD_ISSET(s, &w) ? NET_WRITABLE : 0);
}

/* One thread, for the one-process demo. */
typedef struct {
#ifdef _WIN32
  HANDLE h;
#else
  pthread_t t;
#endif
  void (*fn)(void *);
  void *arg;
} net_thread;

#ifdef _WIN32
static DWORD WINAPI net_thread_main(LPVOID p) {
  net_thread *t = (net_thread *)p;
  t->fn(t->arg);
  return 0;
}
#else
static inline void *net_thread_main(void *p) {
  net_thread *t = (net_thread *)p;
  t->fn(t->arg);
  return NULL;
}
#endif

static inline int net_thread_start(net_thread *t, void (*fn)(void *), void *arg) {
  t->fn = fn;
  t->arg = arg;
#ifdef _WIN32
  t->h = CreateThread(NULL, 0, net_thread_main, t, 0, NULL);
  return t->h ? 0 : -1;
#else
  return pthread_create(&t->t, NULL, net_thread_main, t) == 0 ? 0 : -1;
#endif
}

static inline void net_thread_join(net_thread *t) {
#ifdef _WIN32
  WaitForSingleObject(t->h, INFINITE);
  CloseHandle(t->h);
#else
  pthread_join(t->t, NULL);
#endif
}

#endif /* EXAMPLES_NET_H */
