/* variants: c11 c11-unicode c++ c++-unicode */
/* SSPI code written the way a Windows programmer writes it: the Windows
 * headers, the UNICODE-mapped names, the function table from
 * InitSecurityInterface, SCHANNEL_CRED / SCH_CREDENTIALS. It must compile
 * unchanged (as C11, as C++, with and without UNICODE) and run clean under
 * AddressSanitizer and UBSan. */

#define SECURITY_WIN32
#include <security.h>
#include <schannel.h>

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                              \
    }                                                                          \
  } while (0)

#define CHECK_STATUS(expr, expected)                                           \
  do {                                                                         \
    SECURITY_STATUS ss_ = (expr);                                              \
    if (ss_ != (SECURITY_STATUS)(expected)) {                                  \
      fprintf(stderr, "%s:%d: %s returned 0x%08x, expected %s (0x%08x)\n",     \
              __FILE__, __LINE__, #expr, (unsigned)ss_, #expected,             \
              (unsigned)(expected));                                           \
      failures++;                                                              \
    }                                                                          \
  } while (0)

/* The TCHAR strcmp a Windows program would get from <tchar.h>. */
static int tcs_equal(const TCHAR *a, const TCHAR *b) {
  while (*a && *a == *b) {
    a++;
    b++;
  }
  return *a == *b;
}

static void test_function_table(void) {
  PSecurityFunctionTable table = InitSecurityInterface();
  CHECK(table != NULL);
  if (table == NULL)
    return;
  CHECK(table->dwVersion >= SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION);
  CHECK(table->Reserved2 == NULL);
  /* Windows fills the reserved slots 3 and 4 with the message functions,
   * and programs written for old SDKs call through them. */
  CHECK(table->Reserved3 == (void *)EncryptMessage);
  CHECK(table->Reserved4 == (void *)DecryptMessage);
  CHECK(table->EncryptMessage == EncryptMessage);
  CHECK(table->DecryptMessage == DecryptMessage);
  CHECK(table->AcquireCredentialsHandle == AcquireCredentialsHandle);
  CHECK(table->InitializeSecurityContext == InitializeSecurityContext);
  CHECK(table->AcceptSecurityContext == AcceptSecurityContext);
  CHECK(table->QueryContextAttributes == QueryContextAttributes);
  CHECK(table->FreeContextBuffer == FreeContextBuffer);
  CHECK(table->FreeCredentialsHandle == FreeCredentialsHandle);
  CHECK(table->DeleteSecurityContext == DeleteSecurityContext);
  CHECK(table->ApplyControlToken == ApplyControlToken);
  CHECK(table->QuerySecurityPackageInfo == QuerySecurityPackageInfo);
  CHECK(table->EnumerateSecurityPackages == EnumerateSecurityPackages);
  CHECK(table->QueryCredentialsAttributes == QueryCredentialsAttributes);

  /* The same table the LoadLibrary("secur32.dll") + GetProcAddress way. */
  void *hSecurity = dlopen("libsecur32.so.0", RTLD_NOW);
  CHECK(hSecurity != NULL);
  if (hSecurity == NULL)
    return;
  INIT_SECURITY_INTERFACE init = (INIT_SECURITY_INTERFACE)dlsym(hSecurity, SECURITY_ENTRYPOINT_ANSI);
  CHECK(init != NULL);
  if (init != NULL)
    CHECK(init() == table);
  dlclose(hSecurity);
}

static void test_packages(void) {
  ULONG cPackages = 0;
  PSecPkgInfo pPackages = NULL;
  CHECK_STATUS(EnumerateSecurityPackages(&cPackages, &pPackages), SEC_E_OK);
  CHECK(cPackages >= 2);
  int found_unisp = 0, found_schannel = 0;
  for (ULONG i = 0; pPackages != NULL && i < cPackages; i++) {
    if (tcs_equal(pPackages[i].Name, UNISP_NAME))
      found_unisp = 1;
    if (tcs_equal(pPackages[i].Name, SCHANNEL_NAME))
      found_schannel = 1;
  }
  CHECK(found_unisp && found_schannel);
  CHECK_STATUS(FreeContextBuffer(pPackages), SEC_E_OK);

  PSecPkgInfo pInfo = NULL;
  CHECK_STATUS(QuerySecurityPackageInfo((LPTSTR)UNISP_NAME, &pInfo), SEC_E_OK);
  CHECK(pInfo != NULL);
  if (pInfo != NULL) {
    CHECK(tcs_equal(pInfo->Name, UNISP_NAME));
    CHECK(pInfo->wRPCID == UNISP_RPC_ID);
    CHECK((pInfo->fCapabilities & SECPKG_FLAG_STREAM) != 0);
    CHECK((pInfo->fCapabilities & SECPKG_FLAG_PRIVACY) != 0);
    CHECK(pInfo->cbMaxToken > 0);
    CHECK_STATUS(FreeContextBuffer(pInfo), SEC_E_OK);
  }

  pInfo = NULL;
  CHECK_STATUS(QuerySecurityPackageInfo((LPTSTR)TEXT("No Such Package"), &pInfo),
               SEC_E_SECPKG_NOT_FOUND);
  CHECK(pInfo == NULL);
}

static void test_schannel_cred(void) {
  SCHANNEL_CRED SchannelCred;
  CredHandle hClientCreds;
  TimeStamp tsExpiry;

  memset(&SchannelCred, 0, sizeof(SchannelCred));
  SchannelCred.dwVersion = SCHANNEL_CRED_VERSION;
  SchannelCred.grbitEnabledProtocols = SP_PROT_TLS1_2_CLIENT;
  SchannelCred.dwFlags = SCH_CRED_NO_DEFAULT_CREDS | SCH_CRED_MANUAL_CRED_VALIDATION;

  SecInvalidateHandle(&hClientCreds);
  CHECK(!SecIsValidHandle(&hClientCreds));

  SECURITY_STATUS Status = AcquireCredentialsHandle(
      NULL, (LPTSTR)UNISP_NAME, SECPKG_CRED_OUTBOUND, NULL, &SchannelCred, NULL,
      NULL, &hClientCreds, &tsExpiry);
  CHECK(SEC_SUCCESS(Status));
  if (!SEC_SUCCESS(Status))
    return;
  CHECK(SecIsValidHandle(&hClientCreds));

  SecPkgCred_SupportedProtocols protocols;
  CHECK_STATUS(QueryCredentialsAttributes(&hClientCreds, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &protocols),
               SEC_E_OK);
  CHECK(protocols.grbitProtocol == SP_PROT_TLS1_2_CLIENT);

  SecPkgCred_CipherStrengths strengths;
  CHECK_STATUS(QueryCredentialsAttributes(&hClientCreds, SECPKG_ATTR_CIPHER_STRENGTHS, &strengths),
               SEC_E_OK);
  CHECK(strengths.dwMinimumCipherStrength >= 128);
  CHECK(strengths.dwMaximumCipherStrength >= strengths.dwMinimumCipherStrength);

  SecPkgCred_SupportedAlgs algs;
  CHECK_STATUS(QueryCredentialsAttributes(&hClientCreds, SECPKG_ATTR_SUPPORTED_ALGS, &algs), SEC_E_OK);
  CHECK(algs.cSupportedAlgs > 0 && algs.palgSupportedAlgs != NULL);
  int has_aes = 0;
  for (DWORD i = 0; i < algs.cSupportedAlgs; i++)
    if (algs.palgSupportedAlgs[i] == CALG_AES_128 || algs.palgSupportedAlgs[i] == CALG_AES_256)
      has_aes = 1;
  CHECK(has_aes);
  CHECK_STATUS(FreeContextBuffer(algs.palgSupportedAlgs), SEC_E_OK);

  /* Through the function table too. */
  PSecurityFunctionTable table = InitSecurityInterface();
  SecPkgCred_SupportedProtocols again;
  CHECK_STATUS(table->QueryCredentialsAttributes(&hClientCreds, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &again),
               SEC_E_OK);
  CHECK(again.grbitProtocol == protocols.grbitProtocol);

  CHECK_STATUS(FreeCredentialsHandle(&hClientCreds), SEC_E_OK);
  CHECK_STATUS(FreeCredentialsHandle(&hClientCreds), SEC_E_INVALID_HANDLE);
}

static void test_sch_credentials(void) {
  /* TLS 1.3 disabled through TLS_PARAMETERS, the Windows 10 way. */
  TLS_PARAMETERS TlsParameters;
  SCH_CREDENTIALS Credentials;
  CredHandle hCreds;

  memset(&TlsParameters, 0, sizeof(TlsParameters));
  TlsParameters.grbitDisabledProtocols = SP_PROT_TLS1_3_CLIENT;
  memset(&Credentials, 0, sizeof(Credentials));
  Credentials.dwVersion = SCH_CREDENTIALS_VERSION;
  Credentials.dwFlags = SCH_USE_STRONG_CRYPTO;
  Credentials.cTlsParameters = 1;
  Credentials.pTlsParameters = &TlsParameters;

  CHECK_STATUS(AcquireCredentialsHandle(NULL, (LPTSTR)SCHANNEL_NAME, SECPKG_CRED_OUTBOUND, NULL,
                                        &Credentials, NULL, NULL, &hCreds, NULL),
               SEC_E_OK);
  SecPkgCred_SupportedProtocols protocols;
  protocols.grbitProtocol = 0;
  CHECK_STATUS(QueryCredentialsAttributes(&hCreds, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &protocols), SEC_E_OK);
  CHECK(protocols.grbitProtocol == SP_PROT_TLS1_2_CLIENT);
  CHECK_STATUS(FreeCredentialsHandle(&hCreds), SEC_E_OK);
}

int main(void) {
  test_function_table();
  test_packages();
  test_schannel_cred();
  test_sch_credentials();
  if (failures) {
    fprintf(stderr, "test_windows_style: %d failure(s)\n", failures);
    return 1;
  }
  printf("test_windows_style: ok\n");
  return 0;
}
