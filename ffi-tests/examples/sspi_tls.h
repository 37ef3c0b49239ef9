/* sspi_tls.h: the Schannel code the examples share, written the way a
 * Windows program drives SSPI:
 *
 *   - credentials from SCH_CREDENTIALS (or the older SCHANNEL_CRED), the
 *     certificate from a PFX file through PFXImportCertStore;
 *   - the InitializeSecurityContextW / AcceptSecurityContext token loop with
 *     ISC_REQ_ALLOCATE_MEMORY, SECBUFFER_EXTRA and SEC_E_INCOMPLETE_MESSAGE;
 *   - EncryptMessage / DecryptMessage in stream mode, in place, with the
 *     EXTRA / MISSING buffers and SEC_I_RENEGOTIATE / SEC_I_CONTEXT_EXPIRED;
 *   - ApplyControlToken(SCHANNEL_SHUTDOWN) and one more ISC/ASC call to send
 *     close_notify;
 *   - what QueryContextAttributesW says about the connection.
 *
 * Include after <security.h>, <schannel.h> and <wincrypt.h>. Diagnostics go
 * to stderr as "key: value" lines (the interop tests read them); stdout is
 * left to application data. */

#ifndef EXAMPLES_SSPI_TLS_H
#define EXAMPLES_SSPI_TLS_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

/* ---------------------------------------------------------------------- */
/* Status names                                                           */

#define STATUS_NAME(x) {x, #x}
static const struct {
  SECURITY_STATUS status;
  const char *name;
} tls_status_names[] = {
    STATUS_NAME(SEC_E_OK),
    STATUS_NAME(SEC_I_CONTINUE_NEEDED),
    STATUS_NAME(SEC_I_CONTEXT_EXPIRED),
    STATUS_NAME(SEC_I_INCOMPLETE_CREDENTIALS),
    STATUS_NAME(SEC_I_RENEGOTIATE),
    STATUS_NAME(SEC_E_INCOMPLETE_MESSAGE),
    STATUS_NAME(SEC_E_INSUFFICIENT_MEMORY),
    STATUS_NAME(SEC_E_INVALID_HANDLE),
    STATUS_NAME(SEC_E_UNSUPPORTED_FUNCTION),
    STATUS_NAME(SEC_E_TARGET_UNKNOWN),
    STATUS_NAME(SEC_E_INTERNAL_ERROR),
    STATUS_NAME(SEC_E_SECPKG_NOT_FOUND),
    STATUS_NAME(SEC_E_INVALID_TOKEN),
    STATUS_NAME(SEC_E_QOP_NOT_SUPPORTED),
    STATUS_NAME(SEC_E_LOGON_DENIED),
    STATUS_NAME(SEC_E_UNKNOWN_CREDENTIALS),
    STATUS_NAME(SEC_E_NO_CREDENTIALS),
    STATUS_NAME(SEC_E_MESSAGE_ALTERED),
    STATUS_NAME(SEC_E_OUT_OF_SEQUENCE),
    STATUS_NAME(SEC_E_CONTEXT_EXPIRED),
    STATUS_NAME(SEC_E_INCOMPLETE_CREDENTIALS),
    STATUS_NAME(SEC_E_BUFFER_TOO_SMALL),
    STATUS_NAME(SEC_E_WRONG_PRINCIPAL),
    STATUS_NAME(SEC_E_TIME_SKEW),
    STATUS_NAME(SEC_E_UNTRUSTED_ROOT),
    STATUS_NAME(SEC_E_ILLEGAL_MESSAGE),
    STATUS_NAME(SEC_E_CERT_UNKNOWN),
    STATUS_NAME(SEC_E_CERT_EXPIRED),
    STATUS_NAME(SEC_E_ENCRYPT_FAILURE),
    STATUS_NAME(SEC_E_DECRYPT_FAILURE),
    STATUS_NAME(SEC_E_ALGORITHM_MISMATCH),
    STATUS_NAME(SEC_E_CERT_WRONG_USAGE),
    STATUS_NAME(SEC_E_INVALID_PARAMETER),
    STATUS_NAME(SEC_E_APPLICATION_PROTOCOL_MISMATCH),
    STATUS_NAME(SEC_E_NO_CONTEXT),
    STATUS_NAME(CRYPT_E_REVOKED),
    STATUS_NAME(CRYPT_E_NOT_FOUND),
};
#undef STATUS_NAME

static inline const char *tls_status_name(SECURITY_STATUS st) {
  size_t i;
  for (i = 0; i < sizeof tls_status_names / sizeof tls_status_names[0]; i++)
    if (tls_status_names[i].status == st)
      return tls_status_names[i].name;
  return "unknown status";
}

/* "SEC_E_UNTRUSTED_ROOT (0x80090325)" */
static inline void tls_report(const char *prefix, const char *what, SECURITY_STATUS st) {
  fprintf(stderr, "%serror: %s: %s (0x%08lX)\n", prefix, what, tls_status_name(st),
          (unsigned long)(unsigned int)st);
}

/* TLS alert descriptions, for the alerts we send and receive. */
static inline const char *tls_alert_name(unsigned d) {
  switch (d) {
  case 0: return "close_notify";
  case 10: return "unexpected_message";
  case 20: return "bad_record_mac";
  case 22: return "record_overflow";
  case 40: return "handshake_failure";
  case 42: return "bad_certificate";
  case 43: return "unsupported_certificate";
  case 44: return "certificate_revoked";
  case 45: return "certificate_expired";
  case 46: return "certificate_unknown";
  case 47: return "illegal_parameter";
  case 48: return "unknown_ca";
  case 49: return "access_denied";
  case 50: return "decode_error";
  case 51: return "decrypt_error";
  case 70: return "protocol_version";
  case 71: return "insufficient_security";
  case 80: return "internal_error";
  case 86: return "inappropriate_fallback";
  case 90: return "user_canceled";
  case 100: return "no_renegotiation";
  case 109: return "missing_extension";
  case 110: return "unsupported_extension";
  case 112: return "unrecognized_name";
  case 116: return "certificate_required";
  case 120: return "no_application_protocol";
  default: return "unknown";
  }
}

/* ---------------------------------------------------------------------- */
/* Small helpers                                                          */

/* UTF-8 to NUL-terminated UTF-16 (WCHAR is UTF-16 on Windows and here). */
static inline int tls_to_wide(const char *s, WCHAR *out, size_t cap) {
  const unsigned char *p = (const unsigned char *)s;
  size_t n = 0;
  while (*p) {
    unsigned long cp;
    int extra;
    if (*p < 0x80) {
      cp = *p++;
      extra = 0;
    } else if ((*p & 0xE0) == 0xC0) {
      cp = *p++ & 0x1F;
      extra = 1;
    } else if ((*p & 0xF0) == 0xE0) {
      cp = *p++ & 0x0F;
      extra = 2;
    } else if ((*p & 0xF8) == 0xF0) {
      cp = *p++ & 0x07;
      extra = 3;
    } else {
      return -1;
    }
    while (extra-- > 0) {
      if ((*p & 0xC0) != 0x80)
        return -1;
      cp = (cp << 6) | (*p++ & 0x3F);
    }
    if (cp >= 0x10000) {
      if (n + 2 >= cap)
        return -1;
      cp -= 0x10000;
      out[n++] = (WCHAR)(0xD800 + (cp >> 10));
      out[n++] = (WCHAR)(0xDC00 + (cp & 0x3FF));
    } else {
      if (n + 1 >= cap)
        return -1;
      out[n++] = (WCHAR)cp;
    }
  }
  out[n] = 0;
  return 0;
}

/* NUL-terminated UTF-16 to UTF-8 (at most cap - 1 bytes, always terminated). */
static inline void tls_from_wide(const WCHAR *w, char *out, size_t cap) {
  size_t n = 0;
  if (cap == 0)
    return;
  while (w && *w) {
    unsigned long cp = *w++;
    char buf[4];
    size_t len, i;
    if (cp >= 0xD800 && cp < 0xDC00 && *w >= 0xDC00 && *w < 0xE000)
      cp = 0x10000 + ((cp - 0xD800) << 10) + (*w++ - 0xDC00);
    if (cp < 0x80) {
      buf[0] = (char)cp;
      len = 1;
    } else if (cp < 0x800) {
      buf[0] = (char)(0xC0 | (cp >> 6));
      buf[1] = (char)(0x80 | (cp & 0x3F));
      len = 2;
    } else if (cp < 0x10000) {
      buf[0] = (char)(0xE0 | (cp >> 12));
      buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
      buf[2] = (char)(0x80 | (cp & 0x3F));
      len = 3;
    } else {
      buf[0] = (char)(0xF0 | (cp >> 18));
      buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
      buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
      buf[3] = (char)(0x80 | (cp & 0x3F));
      len = 4;
    }
    if (n + len >= cap)
      break;
    for (i = 0; i < len; i++)
      out[n++] = buf[i];
  }
  out[n] = 0;
}

static inline void tls_hex(const unsigned char *p, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  size_t i;
  for (i = 0; i < n; i++) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  out[2 * n] = 0;
}

/* Reads a whole file; NULL on failure. Free with free(). */
static inline unsigned char *tls_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  unsigned char *buf = NULL;
  size_t cap = 0, n = 0;
  if (!f)
    return NULL;
  for (;;) {
    size_t got;
    if (n == cap) {
      unsigned char *b;
      cap = cap ? cap * 2 : 4096;
      b = (unsigned char *)realloc(buf, cap);
      if (!b) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = b;
    }
    got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0)
      break;
  }
  fclose(f);
  *len = n;
  return buf;
}

/* ---------------------------------------------------------------------- */
/* Certificates (crypt32)                                                 */

/* Imports a PFX and returns the certificate that has a private key (the
 * caller frees it with CertFreeCertificateContext; it keeps its store).
 * PKCS12_NO_PERSIST_KEY keeps the key in memory (crypt32 then marks the
 * certificate with CERT_KEY_CONTEXT_PROP_ID rather than a key container's
 * CERT_KEY_PROV_INFO_PROP_ID); CRYPT_EXPORTABLE lets an SSPI outside
 * Windows' own (sspi-rustls' secur32.dll under Wine) read the key. */
static inline PCCERT_CONTEXT tls_load_pfx(const char *path, const char *password) {
  CRYPT_DATA_BLOB blob;
  WCHAR wpass[256];
  HCERTSTORE store;
  PCCERT_CONTEXT cert = NULL;
  size_t len = 0;
  unsigned char *data = tls_read_file(path, &len);
  if (!data) {
    fprintf(stderr, "error: cannot read %s\n", path);
    return NULL;
  }
  if (tls_to_wide(password ? password : "", wpass, sizeof wpass / sizeof wpass[0]) != 0) {
    free(data);
    return NULL;
  }
  blob.cbData = (DWORD)len;
  blob.pbData = data;
  store = PFXImportCertStore(&blob, wpass, PKCS12_NO_PERSIST_KEY | CRYPT_EXPORTABLE);
  free(data);
  if (!store) {
    fprintf(stderr, "error: PFXImportCertStore(%s): 0x%08lX\n", path, (unsigned long)GetLastError());
    return NULL;
  }
  /* The leaf is the certificate whose private key came with the PFX. */
  while ((cert = CertFindCertificateInStore(store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0, CERT_FIND_ANY, NULL,
                                            cert)) != NULL) {
    DWORD size = 0;
    if (CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, NULL, &size) ||
        CertGetCertificateContextProperty(cert, CERT_KEY_CONTEXT_PROP_ID, NULL, &size))
      break;
  }
  if (!cert)
    fprintf(stderr, "error: %s holds no certificate with a private key\n", path);
  CertCloseStore(store, 0);
  return cert;
}

/* A memory store holding the DER certificate in path (a .cer file). */
static inline HCERTSTORE tls_load_der_store(const char *path) {
  size_t len = 0;
  unsigned char *der = tls_read_file(path, &len);
  HCERTSTORE store;
  if (!der) {
    fprintf(stderr, "error: cannot read %s\n", path);
    return NULL;
  }
  store = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, 0, NULL);
  if (store && !CertAddEncodedCertificateToStore(store, X509_ASN_ENCODING, der, (DWORD)len, CERT_STORE_ADD_ALWAYS,
                                                 NULL)) {
    fprintf(stderr, "error: %s is not a DER certificate: 0x%08lX\n", path, (unsigned long)GetLastError());
    CertCloseStore(store, 0);
    store = NULL;
  }
  free(der);
  return store;
}

/* The subject of cert as an X.500 string ("CN=localhost, O=..."). */
static inline void tls_cert_subject(PCCERT_CONTEXT cert, char *out, size_t cap) {
  WCHAR name[512];
  DWORD str_type = CERT_X500_NAME_STR;
  DWORD n = CertGetNameStringW(cert, CERT_NAME_RDN_TYPE, 0, &str_type, name, sizeof name / sizeof name[0]);
  if (n <= 1) {
    snprintf(out, cap, "(no subject)");
    return;
  }
  tls_from_wide(name, out, cap);
}

/* ---------------------------------------------------------------------- */
/* Credentials                                                            */

typedef struct {
  int server;
  DWORD protocols;         /* SP_PROT_* wanted, 0 for the defaults */
  PCCERT_CONTEXT cert;     /* our certificate, or NULL */
  HCERTSTORE root_store;   /* server: trust for client certificates */
  DWORD flags;             /* SCH_CRED_* */
  int legacy;              /* SCHANNEL_CRED instead of SCH_CREDENTIALS */
} tls_cred_options;

static inline SECURITY_STATUS tls_acquire(const tls_cred_options *o, CredHandle *cred) {
  SCH_CREDENTIALS sch;
  TLS_PARAMETERS params;
  SCHANNEL_CRED old;
  TimeStamp expiry;
  void *auth;
  PCCERT_CONTEXT certs[1];
  SECURITY_STATUS st;

  certs[0] = o->cert;
  if (o->legacy) {
    memset(&old, 0, sizeof old);
    old.dwVersion = SCHANNEL_CRED_VERSION;
    old.grbitEnabledProtocols = o->protocols;
    old.dwFlags = o->flags;
    old.hRootStore = o->root_store;
    if (o->cert) {
      old.cCreds = 1;
      old.paCred = certs;
    }
    auth = &old;
  } else {
    memset(&sch, 0, sizeof sch);
    memset(&params, 0, sizeof params);
    sch.dwVersion = SCH_CREDENTIALS_VERSION;
    sch.dwFlags = o->flags;
    sch.hRootStore = o->root_store;
    if (o->cert) {
      sch.cCreds = 1;
      sch.paCred = certs;
    }
    if (o->protocols) {
      /* SCH_CREDENTIALS says what is disabled, not what is enabled. */
      DWORD all = o->server ? SP_PROT_X_SERVERS : SP_PROT_X_CLIENTS;
      params.grbitDisabledProtocols = all & ~o->protocols;
      sch.cTlsParameters = 1;
      sch.pTlsParameters = &params;
    }
    auth = &sch;
  }
  st = AcquireCredentialsHandleW(NULL, UNISP_NAME_W, o->server ? SECPKG_CRED_INBOUND : SECPKG_CRED_OUTBOUND, NULL,
                                 auth, NULL, NULL, cred, &expiry);
  if (st != SEC_E_OK)
    tls_report("", "AcquireCredentialsHandleW", st);
  return st;
}

/* ---------------------------------------------------------------------- */
/* ALPN: the SEC_APPLICATION_PROTOCOLS blob, from "h2,http/1.1"           */

static inline unsigned long tls_alpn_blob(const char *list, unsigned char *out, size_t cap) {
  size_t head = offsetof(SEC_APPLICATION_PROTOCOLS, ProtocolLists) +
                offsetof(SEC_APPLICATION_PROTOCOL_LIST, ProtocolList);
  size_t n = head;
  ULONG lists_size;
  unsigned short list_size;
  unsigned char *lists;
  SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT ext = SecApplicationProtocolNegotiationExt_ALPN;
  const char *p = list;
  while (*p) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == 0 || len > 255 || n + 1 + len > cap)
      return 0;
    out[n++] = (unsigned char)len;
    memcpy(out + n, p, len);
    n += len;
    p += len;
    if (*p == ',')
      p++;
  }
  /* ProtocolListsSize counts what follows it; ProtocolListSize the ids. */
  lists_size = (ULONG)(n - offsetof(SEC_APPLICATION_PROTOCOLS, ProtocolLists));
  list_size = (unsigned short)(n - head);
  lists = out + offsetof(SEC_APPLICATION_PROTOCOLS, ProtocolLists);
  memcpy(out + offsetof(SEC_APPLICATION_PROTOCOLS, ProtocolListsSize), &lists_size, sizeof lists_size);
  memcpy(lists + offsetof(SEC_APPLICATION_PROTOCOL_LIST, ProtoNegoExt), &ext, sizeof ext);
  memcpy(lists + offsetof(SEC_APPLICATION_PROTOCOL_LIST, ProtocolListSize), &list_size, sizeof list_size);
  return (unsigned long)n;
}

/* ---------------------------------------------------------------------- */
/* A TLS connection                                                       */

/* --trace: one line per socket read and per DecryptMessage call. */
static int tls_trace = 0;

#define TLS_IO_SIZE (64 * 1024)

typedef struct {
  const char *tag;       /* prefix of diagnostics: "" or "server: " */
  int server;
  net_socket sock;
  CredHandle *cred;
  CtxtHandle ctx;
  int have_ctx;
  ULONG req;             /* ISC_REQ_* / ASC_REQ_* */
  ULONG attrs;           /* ISC_RET_* / ASC_RET_* */
  WCHAR *target;         /* client: pszTargetName */
  unsigned char alpn[512];
  unsigned long alpn_len;
  /* Keying material to ask for (SECPKG_ATTR_KEYING_MATERIAL_INFO). */
  const char *keying_label;
  unsigned keying_len;
  SecPkgContext_StreamSizes sizes;
  unsigned char *in;     /* received ciphertext not yet consumed */
  size_t in_len, in_cap;
  unsigned char *plain;  /* decrypted, not yet delivered */
  size_t plain_off, plain_len, plain_cap;
  unsigned char *out;    /* one record: header, data, trailer */
  int peer_closed;       /* close_notify received */
  int eof;               /* the TCP stream ended */
  SECURITY_STATUS status; /* the failure, if any */
} tls_conn;

static inline int tls_conn_init(tls_conn *c, const char *tag, int server, net_socket sock, CredHandle *cred) {
  memset(c, 0, sizeof *c);
  c->tag = tag;
  c->server = server;
  c->sock = sock;
  c->cred = cred;
  SecInvalidateHandle(&c->ctx);
  c->in_cap = TLS_IO_SIZE;
  c->in = (unsigned char *)malloc(c->in_cap);
  c->plain_cap = TLS_IO_SIZE;
  c->plain = (unsigned char *)malloc(c->plain_cap);
  if (server)
    c->req = ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY | ASC_REQ_EXTENDED_ERROR |
             ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM;
  else
    c->req = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_REQ_EXTENDED_ERROR |
             ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;
  return c->in && c->plain ? 0 : -1;
}

static inline void tls_conn_free(tls_conn *c) {
  if (c->have_ctx)
    DeleteSecurityContext(&c->ctx);
  c->have_ctx = 0;
  free(c->in);
  free(c->plain);
  free(c->out);
  c->in = c->plain = c->out = NULL;
}

/* Reads more ciphertext from the socket: bytes read, 0 at end of stream,
 * -1 on error or time-out. */
static inline int tls_fill(tls_conn *c) {
  int n;
  if (c->in_len == c->in_cap) {
    unsigned char *b = (unsigned char *)realloc(c->in, c->in_cap * 2);
    if (!b)
      return -1;
    c->in = b;
    c->in_cap *= 2;
  }
  n = net_recv(c->sock, c->in + c->in_len, c->in_cap - c->in_len);
  if (tls_trace)
    fprintf(stderr, "%strace: recv %d bytes (buffered %lu)\n", c->tag, n, (unsigned long)c->in_len);
  if (n > 0)
    c->in_len += (size_t)n;
  if (n == 0)
    c->eof = 1;
  return n;
}

/* Keeps the unprocessed tail of the input (SECBUFFER_EXTRA counts it). */
static inline void tls_keep_extra(tls_conn *c, const SecBuffer *bufs, unsigned long count) {
  unsigned long i;
  size_t extra = 0;
  for (i = 0; i < count; i++)
    if (bufs[i].BufferType == SECBUFFER_EXTRA)
      extra = bufs[i].cbBuffer;
  if (extra > c->in_len)
    extra = 0;
  memmove(c->in, c->in + (c->in_len - extra), extra);
  c->in_len = extra;
}

/* Sends and frees what ISC/ASC produced; reports an alert it made. */
static inline int tls_send_output(tls_conn *c, SecBuffer *out) {
  int rc = 0;
  if (out[0].pvBuffer && out[0].cbBuffer > 0)
    rc = net_send_all(c->sock, out[0].pvBuffer, out[0].cbBuffer);
  if (out[0].pvBuffer)
    FreeContextBuffer(out[0].pvBuffer);
  out[0].pvBuffer = NULL;
  if (out[1].pvBuffer && out[1].cbBuffer > 0) {
    const unsigned char *a = (const unsigned char *)out[1].pvBuffer;
    /* A plaintext alert record (type 21) or just level and description; a
     * TLS 1.3 alert after the ServerHello is encrypted (type 23). */
    if (out[1].cbBuffer == 7 && a[0] == 21)
      a += 5;
    if (out[1].cbBuffer == 7 || out[1].cbBuffer == 2)
      fprintf(stderr, "%salert sent: %s %s (%u)\n", c->tag, a[0] == 2 ? "fatal" : "warning", tls_alert_name(a[1]),
              a[1]);
    else
      fprintf(stderr, "%salert sent: encrypted record of %lu bytes\n", c->tag, (unsigned long)out[1].cbBuffer);
  }
  if (out[1].pvBuffer)
    FreeContextBuffer(out[1].pvBuffer);
  out[1].pvBuffer = NULL;
  return rc;
}

/* The token loop. On a new connection it runs the handshake; on an
 * established one (after SEC_I_RENEGOTIATE, or to send close_notify) it
 * hands the pending input to Schannel and sends what comes back. */
static inline SECURITY_STATUS tls_handshake(tls_conn *c) {
  /* A client starts by talking; a server, and a renegotiation with data
   * already here, by calling with the bytes received. */
  int need_read = c->server && !c->have_ctx && c->in_len == 0;
  for (;;) {
    SecBuffer in[3], out[2];
    SecBufferDesc in_desc, out_desc;
    SECURITY_STATUS st;
    TimeStamp expiry;
    ULONG n_in = 2;
    PSecBufferDesc pin = &in_desc;
    int token_given = 1;

    if (need_read) {
      int r = tls_fill(c);
      if (r <= 0) {
        fprintf(stderr, "%serror: connection %s during the handshake\n", c->tag, r == 0 ? "closed" : "timed out");
        c->status = SEC_E_INTERNAL_ERROR;
        return c->status;
      }
    }
    in[0].BufferType = SECBUFFER_TOKEN;
    in[0].pvBuffer = c->in;
    in[0].cbBuffer = (unsigned long)c->in_len;
    in[1].BufferType = SECBUFFER_EMPTY;
    in[1].pvBuffer = NULL;
    in[1].cbBuffer = 0;
    if (!c->have_ctx && c->alpn_len > 0) {
      in[2].BufferType = SECBUFFER_APPLICATION_PROTOCOLS;
      in[2].pvBuffer = c->alpn;
      in[2].cbBuffer = c->alpn_len;
      n_in = 3;
    }
    in_desc.ulVersion = SECBUFFER_VERSION;
    in_desc.cBuffers = n_in;
    in_desc.pBuffers = in;
    if (!c->server && !c->have_ctx) {
      /* The first client call has no token; only the ALPN list, if any. */
      token_given = 0;
      if (c->alpn_len > 0) {
        in_desc.cBuffers = 1;
        in_desc.pBuffers = &in[2];
      } else {
        pin = NULL;
      }
    }
    out[0].BufferType = SECBUFFER_TOKEN;
    out[0].pvBuffer = NULL;
    out[0].cbBuffer = 0;
    out[1].BufferType = SECBUFFER_ALERT;
    out[1].pvBuffer = NULL;
    out[1].cbBuffer = 0;
    out_desc.ulVersion = SECBUFFER_VERSION;
    out_desc.cBuffers = 2;
    out_desc.pBuffers = out;

    if (c->server)
      st = AcceptSecurityContext(c->cred, c->have_ctx ? &c->ctx : NULL, pin, c->req, SECURITY_NATIVE_DREP,
                                 c->have_ctx ? NULL : &c->ctx, &out_desc, &c->attrs, &expiry);
    else
      st = InitializeSecurityContextW(c->cred, c->have_ctx ? &c->ctx : NULL, c->target, c->req, 0,
                                      SECURITY_NATIVE_DREP, pin, 0, c->have_ctx ? NULL : &c->ctx, &out_desc,
                                      &c->attrs, &expiry);

    /* Output goes out on success and, with EXTENDED_ERROR, on failure
     * (the alert that tells the peer why). */
    if (tls_send_output(c, out) != 0 && st >= 0) {
      fprintf(stderr, "%serror: send failed during the handshake\n", c->tag);
      c->status = SEC_E_INTERNAL_ERROR;
      return c->status;
    }
    if (st == SEC_E_INCOMPLETE_MESSAGE) {
      need_read = 1;
      continue;
    }
    if (st < 0) {
      tls_report(c->tag, c->server ? "AcceptSecurityContext" : "InitializeSecurityContextW", st);
      c->status = st;
      return st;
    }
    if (!c->have_ctx) {
      c->have_ctx = 1;
      if (c->keying_label) {
        SecPkgContext_KeyingMaterialInfo ki;
        SECURITY_STATUS ks;
        memset(&ki, 0, sizeof ki);
        ki.cbLabel = (WORD)(strlen(c->keying_label) + 1);
        ki.pszLabel = (LPSTR)c->keying_label;
        ki.cbKeyingMaterial = c->keying_len;
        ks = SetContextAttributesW(&c->ctx, SECPKG_ATTR_KEYING_MATERIAL_INFO, &ki, sizeof ki);
        if (ks != SEC_E_OK)
          tls_report(c->tag, "SetContextAttributesW(KEYING_MATERIAL_INFO)", ks);
      }
    }
    if (token_given)
      tls_keep_extra(c, in, 2);
    if (st == SEC_E_OK) {
      SECURITY_STATUS qs = QueryContextAttributesW(&c->ctx, SECPKG_ATTR_STREAM_SIZES, &c->sizes);
      if (qs != SEC_E_OK) {
        tls_report(c->tag, "QueryContextAttributesW(STREAM_SIZES)", qs);
        c->status = qs;
        return qs;
      }
      if (!c->out) {
        c->out = (unsigned char *)malloc(c->sizes.cbHeader + c->sizes.cbMaximumMessage + c->sizes.cbTrailer);
        if (!c->out) {
          c->status = SEC_E_INSUFFICIENT_MEMORY;
          return c->status;
        }
      }
      return SEC_E_OK;
    }
    if (st == SEC_I_INCOMPLETE_CREDENTIALS) {
      /* The server asked for a certificate we do not have: go on without. */
      fprintf(stderr, "%sclient certificate requested: none sent\n", c->tag);
      need_read = 0;
      continue;
    }
    if (st == SEC_I_CONTINUE_NEEDED) {
      need_read = c->in_len == 0;
      continue;
    }
    tls_report(c->tag, "unexpected status from the token loop", st);
    c->status = st;
    return st;
  }
}

/* Encrypts and sends len bytes, one record per cbMaximumMessage. */
static inline int tls_send(tls_conn *c, const void *data, size_t len) {
  const unsigned char *p = (const unsigned char *)data;
  while (len > 0) {
    size_t n = len < c->sizes.cbMaximumMessage ? len : c->sizes.cbMaximumMessage;
    SecBuffer b[4];
    SecBufferDesc d;
    SECURITY_STATUS st;
    unsigned char *rec = c->out;
    memcpy(rec + c->sizes.cbHeader, p, n);
    b[0].BufferType = SECBUFFER_STREAM_HEADER;
    b[0].pvBuffer = rec;
    b[0].cbBuffer = c->sizes.cbHeader;
    b[1].BufferType = SECBUFFER_DATA;
    b[1].pvBuffer = rec + c->sizes.cbHeader;
    b[1].cbBuffer = (unsigned long)n;
    b[2].BufferType = SECBUFFER_STREAM_TRAILER;
    b[2].pvBuffer = rec + c->sizes.cbHeader + n;
    b[2].cbBuffer = c->sizes.cbTrailer;
    b[3].BufferType = SECBUFFER_EMPTY;
    b[3].pvBuffer = NULL;
    b[3].cbBuffer = 0;
    d.ulVersion = SECBUFFER_VERSION;
    d.cBuffers = 4;
    d.pBuffers = b;
    st = EncryptMessage(&c->ctx, 0, &d, 0);
    if (st != SEC_E_OK) {
      tls_report(c->tag, "EncryptMessage", st);
      c->status = st;
      return -1;
    }
    if (net_send_all(c->sock, rec, b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer) != 0) {
      fprintf(stderr, "%serror: send failed\n", c->tag);
      c->status = SEC_E_INTERNAL_ERROR;
      return -1;
    }
    p += n;
    len -= n;
  }
  return 0;
}

#define TLS_DATA 1
#define TLS_NEED_MORE 0
#define TLS_CLOSED 2
#define TLS_FAILED (-1)

/* Decrypts what has arrived: TLS_DATA when plaintext is waiting in
 * c->plain, TLS_NEED_MORE when a whole record has not arrived yet,
 * TLS_CLOSED after close_notify, TLS_FAILED on an error. */
static inline int tls_decrypt(tls_conn *c) {
  if (c->plain_len > c->plain_off)
    return TLS_DATA;
  c->plain_off = c->plain_len = 0;
  if (c->peer_closed)
    return TLS_CLOSED;
  while (c->in_len > 0) {
    SecBuffer b[4];
    SecBufferDesc d;
    SECURITY_STATUS st;
    int i;
    b[0].BufferType = SECBUFFER_DATA;
    b[0].pvBuffer = c->in;
    b[0].cbBuffer = (unsigned long)c->in_len;
    for (i = 1; i < 4; i++) {
      b[i].BufferType = SECBUFFER_EMPTY;
      b[i].pvBuffer = NULL;
      b[i].cbBuffer = 0;
    }
    d.ulVersion = SECBUFFER_VERSION;
    d.cBuffers = 4;
    d.pBuffers = b;
    st = DecryptMessage(&c->ctx, &d, 0, NULL);
    if (tls_trace) {
      unsigned long data = 0, extra = 0, missing = 0;
      for (i = 0; i < 4; i++) {
        if (b[i].BufferType == SECBUFFER_DATA)
          data = b[i].cbBuffer;
        if (b[i].BufferType == SECBUFFER_EXTRA)
          extra = b[i].cbBuffer;
        if (b[i].BufferType == SECBUFFER_MISSING)
          missing = b[i].cbBuffer;
      }
      fprintf(stderr, "%strace: DecryptMessage(%lu bytes) = %s, data %lu, extra %lu, missing %lu\n", c->tag,
              (unsigned long)c->in_len, tls_status_name(st), data, extra, missing);
    }
    if (st == SEC_E_INCOMPLETE_MESSAGE)
      return TLS_NEED_MORE; /* a SECBUFFER_MISSING says how much */
    if (st != SEC_E_OK && st != SEC_I_RENEGOTIATE && st != SEC_I_CONTEXT_EXPIRED) {
      tls_report(c->tag, "DecryptMessage", st);
      c->status = st;
      return TLS_FAILED;
    }
    /* The plaintext lies inside c->in: copy it out before the tail moves. */
    for (i = 0; i < 4; i++) {
      if (b[i].BufferType == SECBUFFER_DATA && b[i].cbBuffer > 0) {
        if (c->plain_len + b[i].cbBuffer > c->plain_cap) {
          unsigned char *p = (unsigned char *)realloc(c->plain, c->plain_len + b[i].cbBuffer);
          if (!p) {
            c->status = SEC_E_INSUFFICIENT_MEMORY;
            return TLS_FAILED;
          }
          c->plain = p;
          c->plain_cap = c->plain_len + b[i].cbBuffer;
        }
        memcpy(c->plain + c->plain_len, b[i].pvBuffer, b[i].cbBuffer);
        c->plain_len += b[i].cbBuffer;
      }
    }
    tls_keep_extra(c, b, 4);
    if (st == SEC_I_CONTEXT_EXPIRED) {
      c->peer_closed = 1;
      fprintf(stderr, "%speer sent close_notify\n", c->tag);
      return c->plain_len > 0 ? TLS_DATA : TLS_CLOSED;
    }
    if (st == SEC_I_RENEGOTIATE) {
      /* Schannel has something to send back (a key update, a refusal of
       * renegotiation): the token loop runs again with what is left. */
      fprintf(stderr, "%sDecryptMessage: SEC_I_RENEGOTIATE\n", c->tag);
      if (tls_handshake(c) != SEC_E_OK)
        return TLS_FAILED;
    }
    if (c->plain_len > 0)
      return TLS_DATA;
  }
  return TLS_NEED_MORE;
}

/* Blocking read of up to len bytes of plaintext: the count, 0 after the
 * peer closed, -1 on failure. */
static inline long tls_recv(tls_conn *c, void *buf, size_t len) {
  for (;;) {
    int r = tls_decrypt(c);
    if (r == TLS_DATA) {
      size_t n = c->plain_len - c->plain_off;
      if (n > len)
        n = len;
      memcpy(buf, c->plain + c->plain_off, n);
      c->plain_off += n;
      return (long)n;
    }
    if (r == TLS_CLOSED)
      return 0;
    if (r == TLS_FAILED)
      return -1;
    r = tls_fill(c);
    if (r == 0) {
      fprintf(stderr, "%sconnection closed without close_notify\n", c->tag);
      return 0;
    }
    if (r < 0) {
      fprintf(stderr, "%serror: receive failed or timed out\n", c->tag);
      c->status = SEC_E_INTERNAL_ERROR;
      return -1;
    }
  }
}

/* Sends close_notify: ApplyControlToken(SCHANNEL_SHUTDOWN), then one more
 * ISC/ASC call whose output token is the alert. */
static inline SECURITY_STATUS tls_shutdown(tls_conn *c) {
  DWORD type = SCHANNEL_SHUTDOWN;
  SecBuffer b, out[2];
  SecBufferDesc d, out_desc;
  SECURITY_STATUS st;
  TimeStamp expiry;

  b.BufferType = SECBUFFER_TOKEN;
  b.pvBuffer = &type;
  b.cbBuffer = sizeof type;
  d.ulVersion = SECBUFFER_VERSION;
  d.cBuffers = 1;
  d.pBuffers = &b;
  st = ApplyControlToken(&c->ctx, &d);
  if (st != SEC_E_OK) {
    tls_report(c->tag, "ApplyControlToken(SCHANNEL_SHUTDOWN)", st);
    return st;
  }
  out[0].BufferType = SECBUFFER_TOKEN;
  out[0].pvBuffer = NULL;
  out[0].cbBuffer = 0;
  out[1].BufferType = SECBUFFER_ALERT;
  out[1].pvBuffer = NULL;
  out[1].cbBuffer = 0;
  out_desc.ulVersion = SECBUFFER_VERSION;
  out_desc.cBuffers = 2;
  out_desc.pBuffers = out;
  if (c->server)
    st = AcceptSecurityContext(c->cred, &c->ctx, NULL, c->req, SECURITY_NATIVE_DREP, NULL, &out_desc, &c->attrs,
                               &expiry);
  else
    st = InitializeSecurityContextW(c->cred, &c->ctx, c->target, c->req, 0, SECURITY_NATIVE_DREP, NULL, 0, NULL,
                                    &out_desc, &c->attrs, &expiry);
  if (st < 0) {
    tls_report(c->tag, c->server ? "AcceptSecurityContext(shutdown)" : "InitializeSecurityContextW(shutdown)", st);
    tls_send_output(c, out);
    return st;
  }
  if (out[0].cbBuffer == 0) {
    fprintf(stderr, "%serror: no close_notify to send\n", c->tag);
    tls_send_output(c, out);
    return SEC_E_INTERNAL_ERROR;
  }
  if (tls_send_output(c, out) != 0)
    return SEC_E_INTERNAL_ERROR;
  fprintf(stderr, "%sclose_notify sent\n", c->tag);
  return SEC_E_OK;
}

/* ---------------------------------------------------------------------- */
/* What the connection negotiated                                         */

static inline const char *tls_protocol_name(DWORD p) {
  if (p & SP_PROT_TLS1_3)
    return "TLS 1.3";
  if (p & SP_PROT_TLS1_2)
    return "TLS 1.2";
  if (p & SP_PROT_TLS1_1)
    return "TLS 1.1";
  if (p & SP_PROT_TLS1_0)
    return "TLS 1.0";
  return "unknown";
}

/* What a finished handshake negotiated, as text. */
typedef struct {
  char protocol[16];
  char suite[128];
  unsigned long suite_id;
  char alpn[256];       /* "" when none was negotiated */
  char peer[512];       /* peer certificate subject, "" when none */
  char sni[256];        /* server: the name the client asked for, "" for none */
  int resumed;
  char keying[1024];    /* hex, when keying_label was set */
  char bindings[160];   /* hex hash of tls-server-end-point, when asked */
} tls_info;

/* Fills *info from QueryContextAttributesW; reports failures. Returns the
 * first failure, or SEC_E_OK. */
static inline SECURITY_STATUS tls_query_info(tls_conn *c, tls_info *info, int bindings) {
  const char *t = c->tag;
  SecPkgContext_ConnectionInfo ci;
  SecPkgContext_CipherInfo cipher;
  SecPkgContext_ApplicationProtocol ap;
  SecPkgContext_SessionInfo si;
  PCCERT_CONTEXT peer = NULL;
  SECURITY_STATUS st, first = SEC_E_OK;
#define TLS_QUERY_FAILED(what)                                                                                          \
  do {                                                                                                                 \
    tls_report(t, "QueryContextAttributesW(" what ")", st);                                                            \
    if (first == SEC_E_OK)                                                                                             \
      first = st;                                                                                                      \
  } while (0)

  memset(info, 0, sizeof *info);
  st = QueryContextAttributesW(&c->ctx, SECPKG_ATTR_CONNECTION_INFO, &ci);
  if (st == SEC_E_OK)
    snprintf(info->protocol, sizeof info->protocol, "%s", tls_protocol_name(ci.dwProtocol));
  else
    TLS_QUERY_FAILED("CONNECTION_INFO");

  memset(&cipher, 0, sizeof cipher);
  st = QueryContextAttributesW(&c->ctx, SECPKG_ATTR_CIPHER_INFO, &cipher);
  if (st == SEC_E_OK) {
    tls_from_wide(cipher.szCipherSuite, info->suite, sizeof info->suite);
    info->suite_id = cipher.dwCipherSuite;
  } else {
    TLS_QUERY_FAILED("CIPHER_INFO");
  }

  memset(&ap, 0, sizeof ap);
  st = QueryContextAttributesW(&c->ctx, SECPKG_ATTR_APPLICATION_PROTOCOL, &ap);
  if (st == SEC_E_OK && ap.ProtoNegoStatus == SecApplicationProtocolNegotiationStatus_Success)
    snprintf(info->alpn, sizeof info->alpn, "%.*s", (int)ap.ProtocolIdSize, (const char *)ap.ProtocolId);
  else if (st != SEC_E_OK)
    TLS_QUERY_FAILED("APPLICATION_PROTOCOL");

  st = QueryContextAttributesW(&c->ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, &peer);
  if (st == SEC_E_OK && peer) {
    tls_cert_subject(peer, info->peer, sizeof info->peer);
    CertFreeCertificateContext(peer);
  } else if (st != SEC_E_NO_CREDENTIALS) {
    TLS_QUERY_FAILED("REMOTE_CERT_CONTEXT");
  }

  if (c->server) {
    SecPkgContext_ClientSpecifiedTarget target;
    memset(&target, 0, sizeof target);
    st = QueryContextAttributesW(&c->ctx, SECPKG_ATTR_CLIENT_SPECIFIED_TARGET, &target);
    if (st == SEC_E_OK) {
      tls_from_wide(target.sTargetName, info->sni, sizeof info->sni);
      FreeContextBuffer(target.sTargetName);
    } else if (st != SEC_E_TARGET_UNKNOWN) {
      TLS_QUERY_FAILED("CLIENT_SPECIFIED_TARGET");
    }
  }

  memset(&si, 0, sizeof si);
  st = QueryContextAttributesW(&c->ctx, SECPKG_ATTR_SESSION_INFO, &si);
  if (st == SEC_E_OK)
    info->resumed = (si.dwFlags & SSL_SESSION_RECONNECT) != 0;
  else
    TLS_QUERY_FAILED("SESSION_INFO");

  if (c->keying_label) {
    SecPkgContext_KeyingMaterial km;
    memset(&km, 0, sizeof km);
    st = QueryContextAttributesW(&c->ctx, SECPKG_ATTR_KEYING_MATERIAL, &km);
    if (st == SEC_E_OK) {
      if (km.cbKeyingMaterial * 2 < sizeof info->keying)
        tls_hex(km.pbKeyingMaterial, km.cbKeyingMaterial, info->keying);
      FreeContextBuffer(km.pbKeyingMaterial);
    } else {
      TLS_QUERY_FAILED("KEYING_MATERIAL");
    }
  }

  if (bindings) {
    SecPkgContext_Bindings b;
    memset(&b, 0, sizeof b);
    st = QueryContextAttributesW(&c->ctx, SECPKG_ATTR_ENDPOINT_BINDINGS, &b);
    if (st == SEC_E_OK && b.Bindings) {
      /* SEC_CHANNEL_BINDINGS, then "tls-server-end-point:" and the hash. */
      static const char prefix[] = "tls-server-end-point:";
      const unsigned char *app = (const unsigned char *)b.Bindings + b.Bindings->dwApplicationDataOffset;
      size_t n = b.Bindings->cbApplicationDataLength;
      if (n > sizeof prefix - 1 && memcmp(app, prefix, sizeof prefix - 1) == 0 &&
          2 * (n - (sizeof prefix - 1)) < sizeof info->bindings)
        tls_hex(app + sizeof prefix - 1, n - (sizeof prefix - 1), info->bindings);
      else
        fprintf(stderr, "%serror: endpoint bindings are not tls-server-end-point\n", t);
      FreeContextBuffer(b.Bindings);
    } else {
      TLS_QUERY_FAILED("ENDPOINT_BINDINGS");
    }
  }
#undef TLS_QUERY_FAILED
  return first;
}

static inline void tls_print_info(const tls_conn *c, const tls_info *info) {
  const char *t = c->tag;
  fprintf(stderr, "%sprotocol: %s\n", t, info->protocol);
  fprintf(stderr, "%scipher suite: %s (0x%04lx)\n", t, info->suite, info->suite_id);
  fprintf(stderr, "%salpn: %s\n", t, info->alpn[0] ? info->alpn : "(none)");
  fprintf(stderr, "%speer certificate: %s\n", t, info->peer[0] ? info->peer : "(none)");
  if (c->server)
    fprintf(stderr, "%ssni: %s\n", t, info->sni[0] ? info->sni : "(none)");
  fprintf(stderr, "%ssession: %s\n", t, info->resumed ? "resumed" : "new");
  if (info->keying[0])
    fprintf(stderr, "%skeying material: %s\n", t, info->keying);
  if (info->bindings[0])
    fprintf(stderr, "%sendpoint bindings: tls-server-end-point:%s\n", t, info->bindings);
}

#endif /* EXAMPLES_SSPI_TLS_H */
