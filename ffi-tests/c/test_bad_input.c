/* Every export with bad input, under AddressSanitizer and UBSan: NULL
 * pointers, wrong versions, lying buffer counts (the array sits inside a
 * larger one full of garbage entries, so the lie is detectable and reading
 * past the real entries stays in our memory), forged, stale, double-freed and
 * wrong-kind handles. Each call must return the exact SEC_E code and write
 * nothing. */

#define SECURITY_WIN32
#include <security.h>
#include <schannel.h>

#include <stdio.h>
#include <string.h>

static int failures;
static int checks;

#define EXPECT(expr, expected)                                                 \
  do {                                                                         \
    SECURITY_STATUS got_ = (expr);                                             \
    checks++;                                                                  \
    if (got_ != (SECURITY_STATUS)(expected)) {                                 \
      fprintf(stderr, "%s:%d: %s\n  returned 0x%08x, expected %s (0x%08x)\n",  \
              __FILE__, __LINE__, #expr, (unsigned)got_, #expected,            \
              (unsigned)(expected));                                           \
      failures++;                                                              \
    }                                                                          \
  } while (0)

#define CHECK(cond)                                                            \
  do {                                                                         \
    checks++;                                                                  \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                              \
    }                                                                          \
  } while (0)

#define CREDENTIAL_TAG ((ULONG_PTR)0x53435201 << 32)
#define CONTEXT_TAG ((ULONG_PTR)0x53435802 << 32)
#define N_FORGED 6

static void forged(SecHandle out[N_FORGED]) {
  SecHandle list[N_FORGED] = {
      {0, 0},
      {(ULONG_PTR)-1, (ULONG_PTR)-1},
      {1, CONTEXT_TAG | 1},
      {4000000, CONTEXT_TAG | 1},
      {1, CREDENTIAL_TAG | 0xFFFF},
      {0x1234, 0x5678},
  };
  memcpy(out, list, sizeof(list));
}

static int untouched(const SecHandle *h) { return h->dwLower == 0xAAAA && h->dwUpper == 0xBBBB; }
static void sentinel(SecHandle *h) {
  h->dwLower = 0xAAAA;
  h->dwUpper = 0xBBBB;
}

static CredHandle acquire_outbound(void) {
  SCHANNEL_CRED cred;
  CredHandle h;
  memset(&cred, 0, sizeof(cred));
  cred.dwVersion = SCHANNEL_CRED_VERSION;
  EXPECT(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &cred,
                                   NULL, NULL, &h, NULL),
         SEC_E_OK);
  return h;
}

static SECURITY_STATUS acquire_with(void *auth, ULONG use) {
  CredHandle h;
  sentinel(&h);
  SECURITY_STATUS ss = AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)UNISP_NAME_W, use, NULL, auth, NULL,
                                                 NULL, &h, NULL);
  if (ss == SEC_E_OK)
    FreeCredentialsHandle(&h);
  else
    CHECK(untouched(&h));
  return ss;
}

static void test_packages(void) {
  ULONG count = 0xEEEE;
  PSecPkgInfoW infos_w = NULL;
  PSecPkgInfoA infos_a = NULL;
  EXPECT(EnumerateSecurityPackagesW(NULL, &infos_w), SEC_E_INVALID_PARAMETER);
  EXPECT(EnumerateSecurityPackagesW(&count, NULL), SEC_E_INVALID_PARAMETER);
  EXPECT(EnumerateSecurityPackagesA(NULL, &infos_a), SEC_E_INVALID_PARAMETER);
  EXPECT(EnumerateSecurityPackagesA(&count, NULL), SEC_E_INVALID_PARAMETER);
  CHECK(count == 0xEEEE && infos_w == NULL && infos_a == NULL);

  EXPECT(QuerySecurityPackageInfoW(NULL, &infos_w), SEC_E_SECPKG_NOT_FOUND);
  EXPECT(QuerySecurityPackageInfoW((SEC_WCHAR *)u"NoSuchPackage", &infos_w), SEC_E_SECPKG_NOT_FOUND);
  EXPECT(QuerySecurityPackageInfoW((SEC_WCHAR *)UNISP_NAME_W, NULL), SEC_E_INVALID_PARAMETER);
  EXPECT(QuerySecurityPackageInfoA(NULL, &infos_a), SEC_E_SECPKG_NOT_FOUND);
  EXPECT(QuerySecurityPackageInfoA((SEC_CHAR *)"Negotiate2", &infos_a), SEC_E_SECPKG_NOT_FOUND);
  EXPECT(QuerySecurityPackageInfoA((SEC_CHAR *)UNISP_NAME_A, NULL), SEC_E_INVALID_PARAMETER);
  SEC_WCHAR lone_surrogate[] = {0x53, 0xD800, 0};
  EXPECT(QuerySecurityPackageInfoW(lone_surrogate, &infos_w), SEC_E_INVALID_PARAMETER);
  CHECK(infos_w == NULL && infos_a == NULL);

  char local[32];
  EXPECT(FreeContextBuffer(local), SEC_E_INVALID_HANDLE);
  EXPECT(FreeContextBuffer((void *)(uintptr_t)0x10), SEC_E_INVALID_HANDLE);
  EXPECT(FreeContextBuffer(NULL), SEC_E_OK);
  EXPECT(EnumerateSecurityPackagesW(&count, &infos_w), SEC_E_OK);
  EXPECT(FreeContextBuffer((char *)infos_w + 8), SEC_E_INVALID_HANDLE);
  EXPECT(FreeContextBuffer(infos_w), SEC_E_OK);
  EXPECT(FreeContextBuffer(infos_w), SEC_E_INVALID_HANDLE);
}

static void test_acquire(void) {
  CredHandle h;
  sentinel(&h);
  EXPECT(AcquireCredentialsHandleW(NULL, NULL, SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL, &h, NULL),
         SEC_E_SECPKG_NOT_FOUND);
  EXPECT(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"NoSuchPackage", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL,
                                   &h, NULL),
         SEC_E_SECPKG_NOT_FOUND);
  EXPECT(AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)UNISP_NAME_W, SECPKG_CRED_OUTBOUND, NULL, NULL, NULL,
                                   NULL, NULL, NULL),
         SEC_E_INVALID_HANDLE);
  EXPECT(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)UNISP_NAME_A, 0, NULL, NULL, NULL, NULL, &h, NULL),
         SEC_E_NO_CREDENTIALS);
  CHECK(untouched(&h));

  SCHANNEL_CRED cred;
  static const DWORD bad_versions[] = {0, SCH_CRED_V1, SCH_CRED_V2, 6, 0xFFFFFFFF};
  for (size_t i = 0; i < sizeof(bad_versions) / sizeof(bad_versions[0]); i++) {
    memset(&cred, 0, sizeof(cred));
    cred.dwVersion = bad_versions[i];
    EXPECT(acquire_with(&cred, SECPKG_CRED_OUTBOUND), SEC_E_UNKNOWN_CREDENTIALS);
  }

  memset(&cred, 0, sizeof(cred));
  cred.dwVersion = SCHANNEL_CRED_VERSION;
  cred.cCreds = 1; /* and no paCred */
  EXPECT(acquire_with(&cred, SECPKG_CRED_OUTBOUND), SEC_E_UNKNOWN_CREDENTIALS);
  CERT_CONTEXT foreign;
  memset(&foreign, 0, sizeof(foreign));
  PCCERT_CONTEXT certs[1] = {&foreign};
  cred.paCred = certs;
  EXPECT(acquire_with(&cred, SECPKG_CRED_OUTBOUND), SEC_E_UNKNOWN_CREDENTIALS);
  cred.cCreds = 0;
  cred.paCred = NULL;
  cred.cSupportedAlgs = 2; /* and no palgSupportedAlgs */
  EXPECT(acquire_with(&cred, SECPKG_CRED_OUTBOUND), SEC_E_UNKNOWN_CREDENTIALS);
  ALG_ID algs[4] = {CALG_AES_128, CALG_AES_256, 0, 0};
  cred.palgSupportedAlgs = algs;
  cred.cSupportedAlgs = 100000;
  EXPECT(acquire_with(&cred, SECPKG_CRED_OUTBOUND), SEC_E_UNKNOWN_CREDENTIALS);
  cred.cSupportedAlgs = 0;
  cred.grbitEnabledProtocols = SP_PROT_SSL3_CLIENT | SP_PROT_TLS1_0_CLIENT;
  EXPECT(acquire_with(&cred, SECPKG_CRED_OUTBOUND), SEC_E_ALGORITHM_MISMATCH);
  cred.grbitEnabledProtocols = 0;
  EXPECT(acquire_with(&cred, SECPKG_CRED_INBOUND), SEC_E_NO_CREDENTIALS);

  SCH_CREDENTIALS sch;
  TLS_PARAMETERS params;
  memset(&sch, 0, sizeof(sch));
  memset(&params, 0, sizeof(params));
  sch.dwVersion = SCH_CREDENTIALS_VERSION;
  sch.cTlsParameters = 1; /* and no pTlsParameters */
  EXPECT(acquire_with(&sch, SECPKG_CRED_OUTBOUND), SEC_E_UNKNOWN_CREDENTIALS);
  sch.pTlsParameters = &params;
  params.cAlpnIds = 3; /* and no rgstrAlpnIds */
  EXPECT(acquire_with(&sch, SECPKG_CRED_OUTBOUND), SEC_E_UNKNOWN_CREDENTIALS);
  UNICODE_STRING ids[1];
  ids[0].Length = 8;
  ids[0].MaximumLength = 8;
  ids[0].Buffer = NULL; /* a length but no buffer */
  params.cAlpnIds = 1;
  params.rgstrAlpnIds = ids;
  EXPECT(acquire_with(&sch, SECPKG_CRED_OUTBOUND), SEC_E_UNKNOWN_CREDENTIALS);
  WCHAR bad_utf16[2] = {0x68, 0xDC00};
  ids[0].Length = ids[0].MaximumLength = 4;
  ids[0].Buffer = bad_utf16;
  EXPECT(acquire_with(&sch, SECPKG_CRED_OUTBOUND), SEC_E_UNKNOWN_CREDENTIALS);
  params.cAlpnIds = 0;
  params.rgstrAlpnIds = NULL;
  params.cDisabledCrypto = 2; /* and no pDisabledCrypto */
  EXPECT(acquire_with(&sch, SECPKG_CRED_OUTBOUND), SEC_E_UNKNOWN_CREDENTIALS);
  params.cDisabledCrypto = 0;
  params.grbitDisabledProtocols = SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT;
  EXPECT(acquire_with(&sch, SECPKG_CRED_OUTBOUND), SEC_E_ALGORITHM_MISMATCH);
}

static void test_credential_handles(void) {
  SecHandle bad[N_FORGED];
  forged(bad);
  SecPkgCred_SupportedProtocols protocols;
  protocols.grbitProtocol = 0x7777;
  EXPECT(FreeCredentialsHandle(NULL), SEC_E_INVALID_HANDLE);
  EXPECT(QueryCredentialsAttributesW(NULL, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &protocols), SEC_E_INVALID_HANDLE);
  for (int i = 0; i < N_FORGED; i++) {
    EXPECT(FreeCredentialsHandle(&bad[i]), SEC_E_INVALID_HANDLE);
    EXPECT(QueryCredentialsAttributesW(&bad[i], SECPKG_ATTR_SUPPORTED_PROTOCOLS, &protocols),
           SEC_E_INVALID_HANDLE);
    EXPECT(QueryCredentialsAttributesA(&bad[i], SECPKG_ATTR_SUPPORTED_PROTOCOLS, &protocols),
           SEC_E_INVALID_HANDLE);
    EXPECT(QueryCredentialsAttributesExW(&bad[i], SECPKG_ATTR_SUPPORTED_PROTOCOLS, &protocols, 4),
           SEC_E_INVALID_HANDLE);
    EXPECT(QueryCredentialsAttributesExA(&bad[i], SECPKG_ATTR_SUPPORTED_PROTOCOLS, &protocols, 4),
           SEC_E_INVALID_HANDLE);
    EXPECT(SetCredentialsAttributesW(&bad[i], 0x60, &protocols, 4), SEC_E_INVALID_HANDLE);
    EXPECT(SetCredentialsAttributesA(&bad[i], 0x60, &protocols, 4), SEC_E_INVALID_HANDLE);
  }
  CHECK(protocols.grbitProtocol == 0x7777);

  CredHandle live = acquire_outbound();
  unsigned char junk[64];
  memset(junk, 0, sizeof(junk));
  EXPECT(QueryCredentialsAttributesW(&live, SECPKG_ATTR_SUPPORTED_PROTOCOLS, NULL), SEC_E_INVALID_PARAMETER);
  EXPECT(QueryCredentialsAttributesExA(&live, SECPKG_ATTR_SUPPORTED_PROTOCOLS, NULL, 4), SEC_E_INVALID_PARAMETER);
  EXPECT(QueryCredentialsAttributesW(&live, 0x7FFFFFFF, junk), SEC_E_UNSUPPORTED_FUNCTION);
  EXPECT(QueryCredentialsAttributesA(&live, SECPKG_ATTR_STREAM_SIZES, junk), SEC_E_UNSUPPORTED_FUNCTION);
  EXPECT(QueryCredentialsAttributesExW(&live, SECPKG_ATTR_SUPPORTED_PROTOCOLS, junk, 3), SEC_E_BUFFER_TOO_SMALL);
  for (size_t i = 0; i < sizeof(junk); i++)
    if (junk[i] != 0) {
      CHECK(!"an attribute was written on failure");
      break;
    }
  EXPECT(SetCredentialsAttributesW(&live, 0x60, NULL, 16), SEC_E_INVALID_PARAMETER);
  EXPECT(SetCredentialsAttributesA(&live, 0x7FFFFFFF, junk, 16), SEC_E_UNSUPPORTED_FUNCTION);
  EXPECT(AddCredentialsW(&live, NULL, (SEC_WCHAR *)UNISP_NAME_W, SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL),
         SEC_E_UNSUPPORTED_FUNCTION);
  EXPECT(AddCredentialsA(NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL), SEC_E_UNSUPPORTED_FUNCTION);

  /* Neighbours of a live handle, and its slot with the context tag. */
  SecHandle next_gen = {live.dwLower, live.dwUpper + 1};
  SecHandle next_slot = {live.dwLower + 1, live.dwUpper};
  SecHandle wrong_kind = {live.dwLower, (live.dwUpper & 0xFFFFFFFF) | CONTEXT_TAG};
  EXPECT(FreeCredentialsHandle(&next_gen), SEC_E_INVALID_HANDLE);
  EXPECT(FreeCredentialsHandle(&next_slot), SEC_E_INVALID_HANDLE);
  EXPECT(DeleteSecurityContext(&wrong_kind), SEC_E_INVALID_HANDLE);

  /* Stale and double-freed. */
  EXPECT(FreeCredentialsHandle(&live), SEC_E_OK);
  EXPECT(FreeCredentialsHandle(&live), SEC_E_INVALID_HANDLE);
  EXPECT(QueryCredentialsAttributesW(&live, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &protocols), SEC_E_INVALID_HANDLE);
}

/* Every context export with handle `h` and otherwise harmless arguments. */
static void expect_invalid_context(CtxtHandle *h) {
  SecPkgContext_StreamSizes sizes;
  SecBuffer buffer;
  SecBufferDesc desc;
  char data[4] = {0};
  HANDLE token = NULL;
  ULONG value = 1;
  buffer.BufferType = SECBUFFER_DATA;
  buffer.cbBuffer = sizeof(data);
  buffer.pvBuffer = data;
  desc.ulVersion = SECBUFFER_VERSION;
  desc.cBuffers = 1;
  desc.pBuffers = &buffer;
  EXPECT(DeleteSecurityContext(h), SEC_E_INVALID_HANDLE);
  EXPECT(ApplyControlToken(h, &desc), SEC_E_INVALID_HANDLE);
  EXPECT(CompleteAuthToken(h, &desc), SEC_E_INVALID_HANDLE);
  EXPECT(ImpersonateSecurityContext(h), SEC_E_INVALID_HANDLE);
  EXPECT(RevertSecurityContext(h), SEC_E_INVALID_HANDLE);
  EXPECT(QuerySecurityContextToken(h, &token), SEC_E_INVALID_HANDLE);
  EXPECT(QueryContextAttributesW(h, SECPKG_ATTR_STREAM_SIZES, &sizes), SEC_E_INVALID_HANDLE);
  EXPECT(QueryContextAttributesA(h, SECPKG_ATTR_STREAM_SIZES, &sizes), SEC_E_INVALID_HANDLE);
  EXPECT(QueryContextAttributesExW(h, SECPKG_ATTR_STREAM_SIZES, &sizes, sizeof(sizes)), SEC_E_INVALID_HANDLE);
  EXPECT(QueryContextAttributesExA(h, SECPKG_ATTR_STREAM_SIZES, &sizes, sizeof(sizes)), SEC_E_INVALID_HANDLE);
  EXPECT(SetContextAttributesW(h, SECPKG_ATTR_EARLY_START, &value, sizeof(value)), SEC_E_INVALID_HANDLE);
  EXPECT(SetContextAttributesA(h, SECPKG_ATTR_EARLY_START, &value, sizeof(value)), SEC_E_INVALID_HANDLE);
  EXPECT(EncryptMessage(h, 0, &desc, 0), SEC_E_INVALID_HANDLE);
  EXPECT(DecryptMessage(h, &desc, 0, NULL), SEC_E_INVALID_HANDLE);
  EXPECT(MakeSignature(h, 0, &desc, 0), SEC_E_INVALID_HANDLE);
  EXPECT(VerifySignature(h, &desc, 0, NULL), SEC_E_INVALID_HANDLE);
  CHECK(token == NULL);
}

/* Bad descriptors: the real entries sit at the front of a larger array whose
 * tail is garbage, so a lying cBuffers reads our memory, not beyond it. */
#define N_BAD_DESCS 8
struct bad_descs {
  SecBuffer array[8];
  char data[64];
  SecBufferDesc desc[N_BAD_DESCS];
  const char *what[N_BAD_DESCS];
};

static void make_bad_descs(struct bad_descs *b) {
  memset(b, 0, sizeof(*b));
  for (int i = 0; i < 8; i++) {
    b->array[i].BufferType = 0x0DEADBEE;
    b->array[i].cbBuffer = 0xFFFFFFF0;
    b->array[i].pvBuffer = (void *)(uintptr_t)0x10;
  }
  b->array[0].BufferType = SECBUFFER_TOKEN;
  b->array[0].cbBuffer = sizeof(b->data);
  b->array[0].pvBuffer = b->data;
  b->array[1].BufferType = SECBUFFER_EMPTY;
  b->array[1].cbBuffer = 0;
  b->array[1].pvBuffer = NULL;
  const struct {
    ULONG version, count;
    int null_array;
    const char *what;
  } shapes[N_BAD_DESCS] = {
      {1, 1, 0, "ulVersion 1"},     {0, 0, 0, "cBuffers 0"},         {0, 1, 1, "pBuffers NULL"},
      {0, 65, 0, "cBuffers 65"},    {0, 0xFFFFFFFF, 0, "cBuffers 0xFFFFFFFF"},
      {0, 3, 0, "cBuffers 3, 2 real"}, {0, 8, 0, "cBuffers 8, 2 real"}, {0, 5, 0, "cBuffers 5, 2 real"},
  };
  for (int i = 0; i < N_BAD_DESCS; i++) {
    b->desc[i].ulVersion = shapes[i].version;
    b->desc[i].cBuffers = shapes[i].count;
    b->desc[i].pBuffers = shapes[i].null_array ? NULL : b->array;
    b->what[i] = shapes[i].what;
  }
}

static SECURITY_STATUS isc(CredHandle *cred, CtxtHandle *ctx, CtxtHandle *new_ctx, SecBufferDesc *in,
                           SecBufferDesc *out) {
  ULONG attrs = 0;
  return InitializeSecurityContextA(cred, ctx, (SEC_CHAR *)"localhost", ISC_REQ_STREAM | ISC_REQ_CONFIDENTIALITY,
                                    0, SECURITY_NATIVE_DREP, in, 0, new_ctx, out, &attrs, NULL);
}

static void test_context_handles(void) {
  SecHandle bad[N_FORGED];
  forged(bad);
  CredHandle cred = acquire_outbound();
  CtxtHandle new_ctx;
  sentinel(&new_ctx);
  ULONG attrs = 0;

  expect_invalid_context(NULL);
  for (int i = 0; i < N_FORGED; i++) {
    expect_invalid_context(&bad[i]);
    EXPECT(isc(&bad[i], NULL, &new_ctx, NULL, NULL), SEC_E_INVALID_HANDLE);
    EXPECT(isc(&cred, &bad[i], &new_ctx, NULL, NULL), SEC_E_INVALID_HANDLE);
    EXPECT(InitializeSecurityContextW(&cred, &bad[i], (SEC_WCHAR *)u"localhost", 0, 0, 0, NULL, 0, &new_ctx,
                                      NULL, &attrs, NULL),
           SEC_E_INVALID_HANDLE);
    EXPECT(AcceptSecurityContext(&bad[i], NULL, NULL, 0, 0, &new_ctx, NULL, &attrs, NULL), SEC_E_INVALID_HANDLE);
    EXPECT(AcceptSecurityContext(&cred, &bad[i], NULL, 0, 0, &new_ctx, NULL, &attrs, NULL),
           SEC_E_INVALID_HANDLE);
  }
  /* A credential handle where a context handle goes: wrong kind. */
  expect_invalid_context(&cred);
  EXPECT(isc(&cred, &cred, &new_ctx, NULL, NULL), SEC_E_INVALID_HANDLE);
  EXPECT(isc(NULL, NULL, &new_ctx, NULL, NULL), SEC_E_INVALID_HANDLE);
  EXPECT(isc(&cred, NULL, NULL, NULL, NULL), SEC_E_INVALID_HANDLE);
  EXPECT(AcceptSecurityContext(NULL, NULL, NULL, 0, 0, &new_ctx, NULL, &attrs, NULL), SEC_E_INVALID_HANDLE);
  EXPECT(AcceptSecurityContext(&cred, NULL, NULL, 0, 0, NULL, NULL, &attrs, NULL), SEC_E_INVALID_HANDLE);
  /* An outbound-only credential cannot accept. */
  EXPECT(AcceptSecurityContext(&cred, NULL, NULL, 0, 0, &new_ctx, NULL, &attrs, NULL), SEC_E_NO_CREDENTIALS);
  CHECK(untouched(&new_ctx));

  /* Lying descriptors in the token loop. */
  static struct bad_descs b;
  make_bad_descs(&b);
  char out_data[16384];
  SecBuffer out_buffer = {sizeof(out_data), SECBUFFER_TOKEN, out_data};
  SecBufferDesc out = {SECBUFFER_VERSION, 1, &out_buffer};
  for (int i = 0; i < N_BAD_DESCS; i++) {
    SECURITY_STATUS ss = isc(&cred, NULL, &new_ctx, &b.desc[i], &out);
    if (ss != SEC_E_INVALID_TOKEN)
      fprintf(stderr, "pInput %s: ", b.what[i]);
    EXPECT(ss, SEC_E_INVALID_TOKEN);
    ss = isc(&cred, NULL, &new_ctx, NULL, &b.desc[i]);
    if (ss != SEC_E_INVALID_TOKEN)
      fprintf(stderr, "pOutput %s: ", b.what[i]);
    EXPECT(ss, SEC_E_INVALID_TOKEN);
    CHECK(untouched(&new_ctx));
  }

  /* With a live context: stale and double-deleted handles, lying message
   * descriptors. Needs the first handshake step. */
  CtxtHandle ctx;
  SECURITY_STATUS ss = isc(&cred, NULL, &ctx, NULL, &out);
  if (ss == SEC_E_UNSUPPORTED_FUNCTION) {
    printf("test_bad_input: live-context checks skipped (InitializeSecurityContext is not implemented yet)\n");
  } else {
    EXPECT(ss, SEC_I_CONTINUE_NEEDED);
    for (int i = 0; i < N_BAD_DESCS; i++) {
      EXPECT(EncryptMessage(&ctx, 0, &b.desc[i], 0), SEC_E_INVALID_TOKEN);
      EXPECT(DecryptMessage(&ctx, &b.desc[i], 0, NULL), SEC_E_INVALID_TOKEN);
      EXPECT(MakeSignature(&ctx, 0, &b.desc[i], 0), SEC_E_INVALID_TOKEN);
      EXPECT(VerifySignature(&ctx, &b.desc[i], 0, NULL), SEC_E_INVALID_TOKEN);
      EXPECT(ApplyControlToken(&ctx, &b.desc[i]), SEC_E_INVALID_TOKEN);
    }
    EXPECT(EncryptMessage(&ctx, 0, NULL, 0), SEC_E_INVALID_TOKEN);
    EXPECT(DecryptMessage(&ctx, NULL, 0, NULL), SEC_E_INVALID_TOKEN);
    EXPECT(ApplyControlToken(&ctx, NULL), SEC_E_INVALID_TOKEN);
    EXPECT(QueryContextAttributesW(&ctx, SECPKG_ATTR_STREAM_SIZES, NULL), SEC_E_INVALID_PARAMETER);
    EXPECT(FreeCredentialsHandle(&ctx), SEC_E_INVALID_HANDLE);
    EXPECT(DeleteSecurityContext(&ctx), SEC_E_OK);
    expect_invalid_context(&ctx);
  }

  EXPECT(ExportSecurityContext(NULL, 0, NULL, NULL), SEC_E_UNSUPPORTED_FUNCTION);
  CtxtHandle imported;
  sentinel(&imported);
  SecBuffer packed = {0, SECBUFFER_EMPTY, NULL};
  EXPECT(ImportSecurityContextW((SEC_WCHAR *)UNISP_NAME_W, &packed, NULL, &imported), SEC_E_UNSUPPORTED_FUNCTION);
  EXPECT(ImportSecurityContextA(NULL, NULL, NULL, NULL), SEC_E_UNSUPPORTED_FUNCTION);
  CHECK(untouched(&imported));

  EXPECT(FreeCredentialsHandle(&cred), SEC_E_OK);
}

int main(void) {
  test_packages();
  test_acquire();
  test_credential_handles();
  test_context_handles();
  if (failures) {
    fprintf(stderr, "test_bad_input: %d of %d checks failed\n", failures, checks);
    return 1;
  }
  printf("test_bad_input: %d checks ok\n", checks);
  return 0;
}
