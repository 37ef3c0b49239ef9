/* curl.c: the SSPI call sequence of curl's Schannel backend
 * (lib/vtls/schannel.c), replayed against a real server.
 *
 * What curl does, and so what this does:
 *   - credentials: SCH_CREDENTIALS with one TLS_PARAMETERS whose
 *     grbitDisabledProtocols is ~enabled, dwFlags SCH_USE_STRONG_CRYPTO plus
 *     SCH_CRED_AUTO_CRED_VALIDATION with --ssl-no-revoke's
 *     SCH_CRED_IGNORE_NO_REVOCATION_CHECK | SCH_CRED_IGNORE_REVOCATION_OFFLINE,
 *     or for -k SCH_CRED_MANUAL_CRED_VALIDATION with the same two; and
 *     SCH_CRED_NO_DEFAULT_CREDS (no automatic client certificate);
 *   - connect step 1: ISC with no context, the SNI name, the request flags
 *     ISC_REQ_SEQUENCE_DETECT | REPLAY_DETECT | CONFIDENTIALITY |
 *     ALLOCATE_MEMORY | STREAM | USE_SUPPLIED_CREDS (0x819C), an input of one
 *     SECBUFFER_APPLICATION_PROTOCOLS buffer (ALPN), and ONE output buffer
 *     typed SECBUFFER_EMPTY; it must answer SEC_I_CONTINUE_NEEDED;
 *   - connect step 2: input [TOKEN (a copy of everything received), EMPTY],
 *     output [TOKEN, ALERT, EMPTY]; every TOKEN output with bytes is sent and
 *     every output freed; SEC_E_INCOMPLETE_MESSAGE reads more;
 *     SEC_I_INCOMPLETE_CREDENTIALS without USE_SUPPLIED_CREDS adds that flag
 *     and calls again with the same input; an EXTRA input buffer keeps the
 *     tail and, on SEC_I_CONTINUE_NEEDED, calls again without reading;
 *   - with --cacert (manual validation), when step 2 completes: curl's
 *     Curl_verify_certificate (schannel_verify.c; see verify_certificate);
 *   - connect step 3: the returned flags must EQUAL the requested ones, and
 *     the ALPN result is queried;
 *   - send: SECPKG_ATTR_STREAM_SIZES, then EncryptMessage on
 *     [STREAM_HEADER, DATA, STREAM_TRAILER, EMPTY] in one allocation;
 *   - recv: DecryptMessage on [DATA (all received bytes), EMPTY, EMPTY,
 *     EMPTY]; plaintext from a DATA buffer at index 1, leftover from an EXTRA
 *     buffer at index 3; SEC_I_RENEGOTIATE runs step 2 again;
 *     SEC_I_CONTEXT_EXPIRED is the server's close_notify;
 *   - shutdown: ApplyControlToken(SCHANNEL_SHUTDOWN), then ISC with the
 *     context as both old and new handle, no input and ONE EMPTY output
 *     buffer; the token is sent on SEC_E_OK or SEC_I_CONTEXT_EXPIRED.
 * Against a server that does not close first (echo mode), curl's order is
 * kept: its shutdown, then reading until the server's close_notify. */

#include "caller.h"

#ifdef _WIN32
#define strcasecmp _stricmp
#else
#include <strings.h>
#endif

static CredHandle cred;
static CtxtHandle ctx;
static ULONG req_flags, ret_flags;
static WCHAR sni[256];
static net_socket sock;

/* curl's encdata: everything received and not yet consumed. */
static unsigned char encdata[65536 + 1024];
static size_t enc_offset;

static void recv_more(void) {
  int n;
  if (enc_offset == sizeof encdata)
    caller_fail("encrypted data buffer full");
  n = net_recv(sock, encdata + enc_offset, sizeof encdata - enc_offset);
  if (n <= 0)
    caller_fail("connection closed during the handshake");
  enc_offset += (size_t)n;
}

static void acquire(const caller_args *a) {
  SCH_CREDENTIALS sc;
  TLS_PARAMETERS tp;
  PCCERT_CONTEXT client_cert = NULL;
  DWORD enabled = caller_protocols(a, 0);
  DWORD flags;
  if (a->insecure)
    flags = SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_IGNORE_NO_REVOCATION_CHECK | SCH_CRED_IGNORE_REVOCATION_OFFLINE;
  else {
    /* --cacert: curl validates the chain itself (use_manual_cred_validation). */
    flags = a->cacert ? SCH_CRED_MANUAL_CRED_VALIDATION : SCH_CRED_AUTO_CRED_VALIDATION;
    if (a->revoke)
      flags |= SCH_CRED_REVOCATION_CHECK_CHAIN;
    else
      flags |= SCH_CRED_IGNORE_NO_REVOCATION_CHECK | SCH_CRED_IGNORE_REVOCATION_OFFLINE;
  }
  flags &= ~(DWORD)SCH_CRED_USE_DEFAULT_CREDS;
  flags |= SCH_CRED_NO_DEFAULT_CREDS;
  memset(&sc, 0, sizeof sc);
  memset(&tp, 0, sizeof tp);
  sc.dwVersion = SCH_CREDENTIALS_VERSION;
  sc.dwFlags = flags | SCH_USE_STRONG_CRYPTO;
  sc.pTlsParameters = &tp;
  sc.cTlsParameters = 1;
  tp.grbitDisabledProtocols = ~enabled;
  if (a->client_pfx) {
    client_cert = caller_load_pfx(a->client_pfx, a->password);
    sc.cCreds = 1;
    sc.paCred = &client_cert;
  }
  if (caller_step("AcquireCredentialsHandleW",
                  AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)UNISP_NAME_W, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL,
                                            NULL, &cred, NULL)) != SEC_E_OK)
    caller_fail("no credential");
  if (client_cert)
    CertFreeCertificateContext(client_cert);
}

static void step1(void) {
  /* ALPN as curl lays it out: ProtocolListsSize, then one list. */
  unsigned char alpn[64];
  unsigned int lists_size, ext = SecApplicationProtocolNegotiationExt_ALPN;
  unsigned short list_size;
  size_t cur = 0;
  static const char proto[] = "http/1.1";
  SecBuffer inbuf, outbuf;
  SecBufferDesc inbuf_desc, outbuf_desc;
  SECURITY_STATUS st;

  cur += sizeof lists_size;
  memcpy(alpn + cur, &ext, sizeof ext);
  cur += sizeof ext;
  cur += sizeof list_size;
  alpn[cur++] = (unsigned char)(sizeof proto - 1);
  memcpy(alpn + cur, proto, sizeof proto - 1);
  cur += sizeof proto - 1;
  list_size = (unsigned short)(1 + sizeof proto - 1);
  memcpy(alpn + sizeof lists_size + sizeof ext, &list_size, sizeof list_size);
  lists_size = (unsigned int)(list_size + sizeof ext + sizeof list_size);
  memcpy(alpn, &lists_size, sizeof lists_size);

  inbuf.BufferType = SECBUFFER_APPLICATION_PROTOCOLS;
  inbuf.pvBuffer = alpn;
  inbuf.cbBuffer = (ULONG)cur;
  inbuf_desc.ulVersion = SECBUFFER_VERSION;
  inbuf_desc.cBuffers = 1;
  inbuf_desc.pBuffers = &inbuf;
  outbuf.BufferType = SECBUFFER_EMPTY;
  outbuf.pvBuffer = NULL;
  outbuf.cbBuffer = 0;
  outbuf_desc.ulVersion = SECBUFFER_VERSION;
  outbuf_desc.cBuffers = 1;
  outbuf_desc.pBuffers = &outbuf;

  req_flags = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_REQ_ALLOCATE_MEMORY |
              ISC_REQ_STREAM | ISC_REQ_USE_SUPPLIED_CREDS;
  CALLER_EXPECT(req_flags == 0x819C, "curl's request flags are 0x819C, not 0x%lX", (unsigned long)req_flags);
  st = caller_step("InitializeSecurityContextW (step 1)",
                   InitializeSecurityContextW(&cred, NULL, sni, req_flags, 0, 0, &inbuf_desc, 0, &ctx, &outbuf_desc,
                                              &ret_flags, NULL));
  CALLER_EXPECT(st == SEC_I_CONTINUE_NEEDED, "step 1 must answer SEC_I_CONTINUE_NEEDED");
  CALLER_EXPECT(outbuf.cbBuffer > 0 && outbuf.pvBuffer, "no ClientHello in curl's one EMPTY buffer");
  CALLER_EXPECT(outbuf.BufferType == SECBUFFER_TOKEN, "the EMPTY buffer holding the token is typed TOKEN");
  caller_send(sock, outbuf.pvBuffer, outbuf.cbBuffer);
  FreeContextBuffer(outbuf.pvBuffer);
}

/* curl's schannel_connect_step2, until SEC_E_OK. */
static void step2(int doread) {
  for (;;) {
    SecBuffer inbuf[2], outbuf[3];
    SecBufferDesc inbuf_desc, outbuf_desc;
    SECURITY_STATUS st;
    int i;
    if (doread)
      recv_more();
    inbuf[0].BufferType = SECBUFFER_TOKEN;
    inbuf[0].cbBuffer = (ULONG)enc_offset;
    inbuf[0].pvBuffer = malloc(enc_offset ? enc_offset : 1);
    CALLER_EXPECT(inbuf[0].pvBuffer != NULL, "out of memory");
    memcpy(inbuf[0].pvBuffer, encdata, enc_offset);
    inbuf[1].BufferType = SECBUFFER_EMPTY;
    inbuf[1].cbBuffer = 0;
    inbuf[1].pvBuffer = NULL;
    inbuf_desc.ulVersion = SECBUFFER_VERSION;
    inbuf_desc.cBuffers = 2;
    inbuf_desc.pBuffers = inbuf;
    outbuf[0].BufferType = SECBUFFER_TOKEN;
    outbuf[1].BufferType = SECBUFFER_ALERT;
    outbuf[2].BufferType = SECBUFFER_EMPTY;
    for (i = 0; i < 3; i++) {
      outbuf[i].cbBuffer = 0;
      outbuf[i].pvBuffer = NULL;
    }
    outbuf_desc.ulVersion = SECBUFFER_VERSION;
    outbuf_desc.cBuffers = 3;
    outbuf_desc.pBuffers = outbuf;

    st = caller_step("InitializeSecurityContextW (step 2)",
                     InitializeSecurityContextW(&cred, &ctx, sni, req_flags, 0, 0, &inbuf_desc, 0, NULL, &outbuf_desc,
                                                &ret_flags, NULL));
    free(inbuf[0].pvBuffer);

    switch (st) {
    case SEC_E_INCOMPLETE_MESSAGE:
      doread = 1;
      continue;
    case SEC_I_CONTINUE_NEEDED:
    case SEC_E_OK:
      for (i = 0; i < 3; i++)
        if (outbuf[i].BufferType == SECBUFFER_TOKEN && outbuf[i].cbBuffer > 0)
          caller_send(sock, outbuf[i].pvBuffer, outbuf[i].cbBuffer);
      for (i = 0; i < 3; i++)
        if (outbuf[i].pvBuffer)
          FreeContextBuffer(outbuf[i].pvBuffer);
      break;
    case SEC_I_INCOMPLETE_CREDENTIALS:
      if (!(req_flags & ISC_REQ_USE_SUPPLIED_CREDS)) {
        /* Go on without a certificate: the same input again. */
        req_flags |= ISC_REQ_USE_SUPPLIED_CREDS;
        doread = 0;
        continue;
      }
      caller_fail("SEC_I_INCOMPLETE_CREDENTIALS although ISC_REQ_USE_SUPPLIED_CREDS was requested");
      break;
    default:
      caller_fail("next InitializeSecurityContext failed: %s", tls_status_name(st));
    }

    if (inbuf[1].BufferType == SECBUFFER_EXTRA && inbuf[1].cbBuffer > 0) {
      if (enc_offset > inbuf[1].cbBuffer) {
        memmove(encdata, encdata + enc_offset - inbuf[1].cbBuffer, inbuf[1].cbBuffer);
        enc_offset = inbuf[1].cbBuffer;
        if (st == SEC_I_CONTINUE_NEEDED) {
          doread = 0;
          continue;
        }
      }
    } else {
      enc_offset = 0;
    }
    if (st == SEC_I_CONTINUE_NEEDED) {
      doread = 1;
      continue;
    }
    return;
  }
}

/* ---- curl's lib/vtls/schannel_verify.c: the --cacert path ----
 * A memory store of every PEM certificate of the CA file (each block found
 * by its BEGIN/END lines and read with CryptQueryObject), a chain engine
 * whose exclusive root is that store (Windows 8 size, partial chains
 * allowed), CertGetCertificateChain for server authentication with the
 * remote certificate's own store as additional store, the simple chain's
 * error status (CERT_TRUST_IS_NOT_TIME_NESTED ignored), then the host: an
 * IP address against the iPAddress alternative names (CertFindExtension +
 * CryptDecodeObjectEx(ALLOC), freed with LocalFree), a name against
 * CertGetNameString(CERT_NAME_DNS_TYPE, SEARCH_ALL_NAMES) with curl's
 * wildcard rule. */

#define BEGIN_CERT "-----BEGIN CERTIFICATE-----"
#define END_CERT "-----END CERTIFICATE-----"

static const char *c_memmem(const char *hay, size_t haylen, const char *needle, size_t nlen) {
  const char *p;
  if (!nlen || nlen > haylen)
    return NULL;
  for (p = hay; p <= hay + haylen - nlen; p++)
    if (*p == *needle && !memcmp(p, needle, nlen))
      return p;
  return NULL;
}

static int add_certs_file_to_store(HCERTSTORE store, const char *file) {
  FILE *f = fopen(file, "rb");
  char *buf;
  long size;
  const char *cur, *limit;
  int num = 0;
  CALLER_EXPECT(f != NULL, "failed to open CA file '%s'", file);
  CALLER_EXPECT(fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0, "CA file size");
  buf = malloc((size_t)size + 1);
  CALLER_EXPECT(buf != NULL, "out of memory");
  CALLER_EXPECT(fread(buf, 1, (size_t)size, f) == (size_t)size, "failed to read CA file");
  fclose(f);
  buf[size] = '\0';
  cur = buf;
  limit = buf + size;
  while (cur < limit) {
    const char *begin = c_memmem(cur, (size_t)(limit - cur - 1), BEGIN_CERT, sizeof BEGIN_CERT - 1);
    const char *end;
    CERT_BLOB cert_blob;
    const CERT_CONTEXT *cert_context = NULL;
    DWORD cert_size;
    if (!begin || (begin[sizeof BEGIN_CERT - 1] != '\n' && begin[sizeof BEGIN_CERT - 1] != '\r'))
      break;
    end = c_memmem(begin, (size_t)(limit - begin), END_CERT, sizeof END_CERT - 1);
    CALLER_EXPECT(end != NULL, "CA file '%s' is not correctly formatted", file);
    cert_size = (DWORD)((end + sizeof END_CERT - 1) - begin);
    cert_blob.pbData = (BYTE *)(size_t)begin;
    cert_blob.cbData = cert_size;
    if (!CryptQueryObject(CERT_QUERY_OBJECT_BLOB, &cert_blob, CERT_QUERY_CONTENT_FLAG_CERT,
                          CERT_QUERY_FORMAT_FLAG_BASE64_ENCODED, 0, NULL, NULL, NULL, NULL, NULL,
                          (const void **)&cert_context))
      caller_fail("failed to extract certificate from CA file: 0x%08lX", (unsigned long)GetLastError());
    cur = begin + cert_size;
    if (!CertAddCertificateContextToStore(store, cert_context, CERT_STORE_ADD_ALWAYS, NULL))
      caller_fail("failed to add certificate to store: 0x%08lX", (unsigned long)GetLastError());
    num++;
    CertFreeCertificateContext(cert_context);
  }
  free(buf);
  fprintf(stderr, "cacert: added %d certificate(s)\n", num);
  return num;
}

/* curl's Curl_cert_hostcheck, reduced to what a test name needs: exact
 * match, or a leftmost "*." label matching one label. */
static int hostcheck(const char *pattern, const char *host) {
  const char *dot;
  if (strcasecmp(pattern, host) == 0)
    return 1;
  if (strncmp(pattern, "*.", 2) != 0)
    return 0;
  dot = strchr(host, '.');
  return dot && dot != host && strcasecmp(pattern + 1, dot) == 0;
}

static void verify_host(const caller_args *a, PCCERT_CONTEXT server) {
  unsigned char ip[16];
  size_t ip_len = 0;
  int matched = 0;
  if (inet_pton(AF_INET, a->name, ip) == 1)
    ip_len = 4;
  else if (inet_pton(AF_INET6, a->name, ip) == 1)
    ip_len = 16;
  if (ip_len) {
    PCERT_ALT_NAME_INFO alt = NULL;
    DWORD alt_size = 0, i;
    CRYPT_DECODE_PARA decode_para = {sizeof(CRYPT_DECODE_PARA), NULL, NULL};
    PCERT_EXTENSION ext =
        CertFindExtension(szOID_SUBJECT_ALT_NAME2, server->pCertInfo->cExtension, server->pCertInfo->rgExtension);
    CALLER_EXPECT(ext != NULL, "CertFindExtension() returned no extension");
    if (!CryptDecodeObjectEx(X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, szOID_SUBJECT_ALT_NAME2, ext->Value.pbData,
                             ext->Value.cbData, CRYPT_DECODE_ALLOC_FLAG | CRYPT_DECODE_NOCOPY_FLAG, &decode_para, &alt,
                             &alt_size))
      caller_fail("CryptDecodeObjectEx() returned no alternate name information: 0x%08lX",
                  (unsigned long)GetLastError());
    for (i = 0; i < alt->cAltEntry; i++) {
      PCERT_ALT_NAME_ENTRY entry = &alt->rgAltEntry[i];
      if (entry->dwAltNameChoice == CERT_ALT_NAME_IP_ADDRESS && entry->IPAddress.cbData == ip_len &&
          !memcmp(entry->IPAddress.pbData, ip, ip_len)) {
        matched = 1;
        break;
      }
    }
    LocalFree(alt);
  } else {
    DWORD flags = CERT_NAME_DISABLE_IE4_UTF8_FLAG | CERT_NAME_SEARCH_ALL_NAMES_FLAG;
    DWORD len = CertGetNameStringA(server, CERT_NAME_DNS_TYPE, flags, NULL, NULL, 0), actual, idx = 0;
    char *names;
    CALLER_EXPECT(len != 0, "CertGetNameString() returned no certificate name information");
    names = malloc(len);
    CALLER_EXPECT(names != NULL, "out of memory");
    actual = CertGetNameStringA(server, CERT_NAME_DNS_TYPE, flags, NULL, names, len);
    CALLER_EXPECT(actual == len, "CertGetNameString() returned certificate name information of unexpected size");
    while (idx < len && names[idx] != '\0' && !matched) {
      if (hostcheck(&names[idx], a->name))
        matched = 1;
      else
        idx += (DWORD)strlen(&names[idx]) + 1;
    }
    free(names);
  }
  if (!matched)
    caller_fail("failed to match connection hostname (%s) against server certificate names", a->name);
  fprintf(stderr, "cacert: host %s verified\n", a->name);
}

static void verify_certificate(const caller_args *a) {
  PCCERT_CONTEXT server = NULL;
  const CERT_CHAIN_CONTEXT *chain = NULL;
  HCERTCHAINENGINE engine = NULL;
  HCERTSTORE trust_store;
  CERT_CHAIN_ENGINE_CONFIG engine_config;
  CERT_CHAIN_PARA para;
  LPSTR server_auth = (LPSTR)(size_t)szOID_PKIX_KP_SERVER_AUTH;
  DWORD errors;
  if (caller_step("QueryContextAttributes(REMOTE_CERT_CONTEXT)",
                  QueryContextAttributesW(&ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (void *)&server)) != SEC_E_OK ||
      !server)
    caller_fail("Failed to read remote certificate context");
  trust_store = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, CERT_STORE_CREATE_NEW_FLAG, NULL);
  CALLER_EXPECT(trust_store != NULL, "failed to create certificate store");
  add_certs_file_to_store(trust_store, a->cacert);
  memset(&engine_config, 0, sizeof engine_config);
  engine_config.hExclusiveRoot = trust_store;
  engine_config.cbSize = sizeof engine_config;
  engine_config.dwExclusiveFlags = CERT_CHAIN_EXCLUSIVE_ENABLE_CA_FLAG;
  if (!CertCreateCertificateChainEngine(&engine_config, &engine))
    caller_fail("failed to create certificate chain engine: 0x%08lX", (unsigned long)GetLastError());
  memset(&para, 0, sizeof para);
  para.cbSize = sizeof para;
  para.RequestedUsage.dwType = USAGE_MATCH_TYPE_AND;
  para.RequestedUsage.Usage.cUsageIdentifier = 1;
  para.RequestedUsage.Usage.rgpszUsageIdentifier = &server_auth;
  if (!CertGetCertificateChain(engine, server, NULL, server->hCertStore, &para,
                               a->revoke ? CERT_CHAIN_REVOCATION_CHECK_CHAIN : 0, NULL, &chain))
    caller_fail("failed to get the certificate chain: 0x%08lX", (unsigned long)GetLastError());
  errors = chain->rgpChain[0]->TrustStatus.dwErrorStatus & ~(DWORD)CERT_TRUST_IS_NOT_TIME_NESTED;
  fprintf(stderr, "cacert: chain of %lu, error status 0x%08lX\n", (unsigned long)chain->rgpChain[0]->cElement,
          (unsigned long)errors);
  if (errors & CERT_TRUST_IS_REVOKED)
    caller_fail("trust for this certificate or one of the certificates in the certificate chain has been revoked");
  else if (errors & CERT_TRUST_IS_PARTIAL_CHAIN)
    caller_fail("the certificate chain is incomplete");
  else if (errors & CERT_TRUST_IS_UNTRUSTED_ROOT)
    caller_fail("the certificate or certificate chain is based on an untrusted root");
  else if (errors & CERT_TRUST_IS_NOT_TIME_VALID)
    caller_fail("this certificate or one of the certificates in the certificate chain is not time valid");
  else if (errors & CERT_TRUST_REVOCATION_STATUS_UNKNOWN)
    caller_fail("the revocation status is unknown");
  else if (errors)
    caller_fail("error 0x%08lx", (unsigned long)errors);
  verify_host(a, server);
  CertFreeCertificateChainEngine(engine);
  CertCloseStore(trust_store, 0);
  CertFreeCertificateChain(chain);
  CertFreeCertificateContext(server);
}

static void step3(void) {
  SecPkgContext_ApplicationProtocol alpn;
  if (ret_flags != req_flags)
    caller_fail("returned flags 0x%lX differ from the requested 0x%lX (curl: SSL connect error)",
                (unsigned long)ret_flags, (unsigned long)req_flags);
  memset(&alpn, 0, sizeof alpn);
  if (caller_step("QueryContextAttributes(APPLICATION_PROTOCOL)",
                  QueryContextAttributesW(&ctx, SECPKG_ATTR_APPLICATION_PROTOCOL, &alpn)) != SEC_E_OK)
    caller_fail("failed to retrieve ALPN result");
  if (alpn.ProtoNegoStatus == SecApplicationProtocolNegotiationStatus_Success)
    fprintf(stderr, "alpn: %.*s\n", (int)alpn.ProtocolIdSize, (const char *)alpn.ProtocolId);
  else
    fprintf(stderr, "alpn: (none)\n");
  fprintf(stderr, "handshake: complete\n");
  caller_report_protocol(&ctx);
}

static void schannel_send(const void *data, size_t len) {
  SecPkgContext_StreamSizes sizes;
  SecBuffer outbuf[4];
  SecBufferDesc outbuf_desc;
  unsigned char *msg;
  SECURITY_STATUS st;
  if (caller_step("QueryContextAttributes(STREAM_SIZES)",
                  QueryContextAttributesW(&ctx, SECPKG_ATTR_STREAM_SIZES, &sizes)) != SEC_E_OK)
    caller_fail("no stream sizes");
  CALLER_EXPECT(len <= sizes.cbMaximumMessage, "message too long");
  msg = malloc(sizes.cbHeader + len + sizes.cbTrailer);
  CALLER_EXPECT(msg != NULL, "out of memory");
  outbuf[0].BufferType = SECBUFFER_STREAM_HEADER;
  outbuf[0].pvBuffer = msg;
  outbuf[0].cbBuffer = sizes.cbHeader;
  outbuf[1].BufferType = SECBUFFER_DATA;
  outbuf[1].pvBuffer = msg + sizes.cbHeader;
  outbuf[1].cbBuffer = (ULONG)len;
  outbuf[2].BufferType = SECBUFFER_STREAM_TRAILER;
  outbuf[2].pvBuffer = msg + sizes.cbHeader + len;
  outbuf[2].cbBuffer = sizes.cbTrailer;
  outbuf[3].BufferType = SECBUFFER_EMPTY;
  outbuf[3].pvBuffer = NULL;
  outbuf[3].cbBuffer = 0;
  outbuf_desc.ulVersion = SECBUFFER_VERSION;
  outbuf_desc.cBuffers = 4;
  outbuf_desc.pBuffers = outbuf;
  memcpy(outbuf[1].pvBuffer, data, len);
  st = caller_step("EncryptMessage", EncryptMessage(&ctx, 0, &outbuf_desc, 0));
  CALLER_EXPECT(st == SEC_E_OK, "EncryptMessage failed");
  caller_send(sock, msg, outbuf[0].cbBuffer + outbuf[1].cbBuffer + outbuf[2].cbBuffer);
  fprintf(stderr, "sent: %lu bytes\n", (unsigned long)len);
  free(msg);
}

/* curl's schannel_recv decrypt loop over everything received so far.
 * Returns 1 once the server's close_notify was read. */
static int decrypt_all(size_t *got) {
  while (enc_offset > 0) {
    SecBuffer inbuf[4];
    SecBufferDesc inbuf_desc;
    SECURITY_STATUS st;
    int i;
    inbuf[0].BufferType = SECBUFFER_DATA;
    inbuf[0].pvBuffer = encdata;
    inbuf[0].cbBuffer = (ULONG)enc_offset;
    for (i = 1; i < 4; i++) {
      inbuf[i].BufferType = SECBUFFER_EMPTY;
      inbuf[i].pvBuffer = NULL;
      inbuf[i].cbBuffer = 0;
    }
    inbuf_desc.ulVersion = SECBUFFER_VERSION;
    inbuf_desc.cBuffers = 4;
    inbuf_desc.pBuffers = inbuf;
    st = DecryptMessage(&ctx, &inbuf_desc, 0, NULL);
    if (st == SEC_E_OK || st == SEC_I_RENEGOTIATE || st == SEC_I_CONTEXT_EXPIRED) {
      if (inbuf[1].BufferType == SECBUFFER_DATA && inbuf[1].cbBuffer) {
        fwrite(inbuf[1].pvBuffer, 1, inbuf[1].cbBuffer, stdout);
        *got += inbuf[1].cbBuffer;
      }
      if (inbuf[3].BufferType == SECBUFFER_EXTRA && inbuf[3].cbBuffer > 0) {
        if (enc_offset > inbuf[3].cbBuffer) {
          memmove(encdata, encdata + enc_offset - inbuf[3].cbBuffer, inbuf[3].cbBuffer);
          enc_offset = inbuf[3].cbBuffer;
        }
      } else {
        enc_offset = 0;
      }
      if (st == SEC_I_RENEGOTIATE) {
        caller_step("DecryptMessage", st);
        step2(0);
        continue;
      }
      if (st == SEC_I_CONTEXT_EXPIRED) {
        caller_step("DecryptMessage", st);
        fprintf(stderr, "close_notify received\n");
        return 1;
      }
    } else if (st == SEC_E_INCOMPLETE_MESSAGE) {
      return 0;
    } else {
      caller_step("DecryptMessage", st);
      caller_fail("failed to read data from server: %s", tls_status_name(st));
    }
  }
  return 0;
}

/* Reads until `want` bytes of plaintext came (0: until close_notify) or the
 * server closed. Returns 1 when close_notify was read, 0 when `want` bytes
 * came first, -1 otherwise. */
static int schannel_recv(size_t want) {
  size_t got = 0;
  int closed = 0;
  for (;;) {
    int n;
    if (decrypt_all(&got)) {
      closed = 1;
      break;
    }
    if (want && got >= want)
      break;
    n = net_recv(sock, encdata + enc_offset, sizeof encdata - enc_offset);
    if (n <= 0) {
      fprintf(stderr, "server closed the connection\n");
      break;
    }
    enc_offset += (size_t)n;
  }
  fflush(stdout);
  fprintf(stderr, "received: %lu bytes\n", (unsigned long)got);
  if (closed)
    return 1;
  return want && got >= want ? 0 : -1;
}

static void schannel_shutdown(void) {
  DWORD dwshut = SCHANNEL_SHUTDOWN;
  SecBuffer buffer, outbuf;
  SecBufferDesc buff_desc, outbuf_desc;
  SECURITY_STATUS st;
  buffer.BufferType = SECBUFFER_TOKEN;
  buffer.pvBuffer = &dwshut;
  buffer.cbBuffer = sizeof dwshut;
  buff_desc.ulVersion = SECBUFFER_VERSION;
  buff_desc.cBuffers = 1;
  buff_desc.pBuffers = &buffer;
  st = caller_step("ApplyControlToken(SCHANNEL_SHUTDOWN)", ApplyControlToken(&ctx, &buff_desc));
  CALLER_EXPECT(st == SEC_E_OK, "ApplyControlToken failure");
  outbuf.BufferType = SECBUFFER_EMPTY;
  outbuf.pvBuffer = NULL;
  outbuf.cbBuffer = 0;
  outbuf_desc.ulVersion = SECBUFFER_VERSION;
  outbuf_desc.cBuffers = 1;
  outbuf_desc.pBuffers = &outbuf;
  st = caller_step("InitializeSecurityContextW (shutdown)",
                   InitializeSecurityContextW(&cred, &ctx, sni, req_flags, 0, 0, NULL, 0, &ctx, &outbuf_desc,
                                              &ret_flags, NULL));
  CALLER_EXPECT(st == SEC_E_OK || st == SEC_I_CONTEXT_EXPIRED, "no close_notify to send");
  CALLER_EXPECT(outbuf.pvBuffer && outbuf.cbBuffer > 0, "empty close_notify");
  /* The server may have closed already: curl does not count that as a failure. */
  if (net_send_all(sock, outbuf.pvBuffer, outbuf.cbBuffer) == 0)
    fprintf(stderr, "close_notify sent\n");
  else
    fprintf(stderr, "close_notify not sent: the server had closed\n");
  FreeContextBuffer(outbuf.pvBuffer);
}

int main(int argc, char **argv) {
  caller_args a = caller_parse(argc, argv);
  const char *request = caller_request(&a);
  if (tls_to_wide(a.name, sni, sizeof sni / sizeof sni[0]) != 0)
    caller_fail("bad name");
  acquire(&a);
  sock = caller_connect(&a);
  step1();
  step2(1);
  if (a.cacert && !a.insecure)
    verify_certificate(&a);
  step3();
  schannel_send(request, strlen(request));
  if (strcmp(a.mode, "http") == 0) {
    /* The servers answer and close: read to their close_notify, then curl's shutdown. */
    CALLER_EXPECT(schannel_recv(0) == 1, "no close_notify from the server");
    schannel_shutdown();
  } else {
    CALLER_EXPECT(schannel_recv(strlen(request)) == 0, "echo incomplete");
    schannel_shutdown();
    CALLER_EXPECT(schannel_recv(0) == 1, "no close_notify answer from the server");
  }
  caller_step("DeleteSecurityContext", DeleteSecurityContext(&ctx));
  caller_step("FreeCredentialsHandle", FreeCredentialsHandle(&cred));
  net_close(sock);
  fprintf(stderr, "result: ok\n");
  return 0;
}
