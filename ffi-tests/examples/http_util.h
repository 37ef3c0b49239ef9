/* http_util.h: the little HTTP the authentication examples need (http_auth.c, the
 * client; http_server.c, the server): base64 for the tokens, one message read
 * (headers and a Content-Length body), a header looked up by name. Plain C11
 * over net.h; builds against Windows' headers as well.
 *
 * Include after net.h; define HTTP_MAX_HEADERS first to change the header room. */
#ifndef EXAMPLES_HTTP_UTIL_H
#define EXAMPLES_HTTP_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HTTP_MAX_HEADERS
#define HTTP_MAX_HEADERS 131072 /* a 48 KB token, base64, fits */
#endif
#define MAX_HEADERS HTTP_MAX_HEADERS

static const char http_b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void http_b64_encode(const unsigned char *in, size_t n, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
    out[o++] = http_b64chars[v >> 18 & 63];
    out[o++] = http_b64chars[v >> 12 & 63];
    out[o++] = i + 1 < n ? http_b64chars[v >> 6 & 63] : '=';
    out[o++] = i + 2 < n ? http_b64chars[v & 63] : '=';
  }
  out[o] = 0;
}

/* Decodes up to the first character that is not base64; returns the length or -1. */
static long http_b64_decode(const char *in, unsigned char *out, size_t cap) {
  size_t o = 0;
  unsigned v = 0;
  int bits = 0;
  for (; *in && *in != '\r' && *in != '\n' && *in != ' ' && *in != '='; in++) {
    const char *p = strchr(http_b64chars, *in);
    if (!p) return -1;
    v = v << 6 | (unsigned)(p - http_b64chars);
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
} http_message;

static int http_ieq_prefix(const char *s, const char *prefix) {
  for (; *prefix; s++, prefix++) {
    char a = *s, b = *prefix;
    if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
    if (a != b) return 0;
  }
  return 1;
}

/* The value of the first header NAME whose value starts with PREFIX (case-insensitive), or NULL. */
static const char *http_header(const http_message *r, const char *name, const char *prefix) {
  size_t nlen = strlen(name);
  for (const char *line = strstr(r->headers, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n")) {
    const char *h = line + 2;
    if (http_ieq_prefix(h, name) && h[nlen] == ':') {
      const char *v = h + nlen + 1;
      while (*v == ' ') v++;
      if (!prefix || http_ieq_prefix(v, prefix)) return v;
    }
  }
  return NULL;
}

/* Reads one message (request or response: headers, then a Content-Length body); a
 * response's status code goes to r->status (0 for a request). */
static int http_read(net_socket s, http_message *r) {
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
  r->status = 0;
  if (strncmp(r->headers, "HTTP/", 5) == 0 && sscanf(r->headers, "HTTP/%*d.%*d %d", &r->status) != 1) return -1;
  const char *cl = http_header(r, "Content-Length", NULL);
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

#endif
