/* The sspi-rustls demo: Windows SSPI code, unchanged, on Linux.
 *
 * Lists the security packages, then acquires an outbound Schannel credential
 * and prints what it allows. (A TLS connection follows once the Schannel
 * handshake lands.) Build and run it with `make demo`. */

#define SECURITY_WIN32
#include <security.h>
#include <schannel.h>

#include <stdio.h>
#include <string.h>

static const char *protocol_name(DWORD bit) {
  switch (bit) {
  case SP_PROT_TLS1_2_CLIENT:
    return "TLS 1.2 (client)";
  case SP_PROT_TLS1_3_CLIENT:
    return "TLS 1.3 (client)";
  case SP_PROT_TLS1_2_SERVER:
    return "TLS 1.2 (server)";
  case SP_PROT_TLS1_3_SERVER:
    return "TLS 1.3 (server)";
  default:
    return "other";
  }
}

static const char *alg_name(ALG_ID alg) {
  switch (alg) {
  case CALG_AES_128:
    return "CALG_AES_128";
  case CALG_AES_256:
    return "CALG_AES_256";
  case CALG_SHA_256:
    return "CALG_SHA_256";
  case CALG_SHA_384:
    return "CALG_SHA_384";
  case CALG_ECDH_EPHEM:
    return "CALG_ECDH_EPHEM";
  case CALG_RSA_SIGN:
    return "CALG_RSA_SIGN";
  case CALG_ECDSA:
    return "CALG_ECDSA";
  default:
    return "?";
  }
}

int main(void) {
  ULONG cPackages = 0;
  PSecPkgInfoA pPackages = NULL;
  SECURITY_STATUS Status = EnumerateSecurityPackagesA(&cPackages, &pPackages);
  if (Status != SEC_E_OK) {
    fprintf(stderr, "EnumerateSecurityPackages failed: 0x%08x\n", (unsigned)Status);
    return 1;
  }
  printf("%lu security packages:\n", (unsigned long)cPackages);
  for (ULONG i = 0; i < cPackages; i++)
    printf("  %-46s %s (capabilities 0x%05x, RPC id %u, max token %lu bytes)\n", pPackages[i].Name,
           pPackages[i].Comment, (unsigned)pPackages[i].fCapabilities, pPackages[i].wRPCID,
           (unsigned long)pPackages[i].cbMaxToken);
  FreeContextBuffer(pPackages);

  SCHANNEL_CRED SchannelCred;
  memset(&SchannelCred, 0, sizeof(SchannelCred));
  SchannelCred.dwVersion = SCHANNEL_CRED_VERSION;
  SchannelCred.dwFlags = SCH_CRED_NO_DEFAULT_CREDS | SCH_USE_STRONG_CRYPTO;

  CredHandle hCreds;
  TimeStamp tsExpiry;
  Status = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &SchannelCred,
                                     NULL, NULL, &hCreds, &tsExpiry);
  if (Status != SEC_E_OK) {
    fprintf(stderr, "AcquireCredentialsHandle failed: 0x%08x\n", (unsigned)Status);
    return 1;
  }
  printf("\nOutbound Schannel credential acquired.\n");

  SecPkgCred_SupportedProtocols protocols;
  if (QueryCredentialsAttributesA(&hCreds, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &protocols) == SEC_E_OK) {
    printf("  protocols:");
    for (DWORD bit = 1; bit != 0; bit <<= 1)
      if (protocols.grbitProtocol & bit)
        printf(" %s", protocol_name(bit));
    printf("\n");
  }
  SecPkgCred_CipherStrengths strengths;
  if (QueryCredentialsAttributesA(&hCreds, SECPKG_ATTR_CIPHER_STRENGTHS, &strengths) == SEC_E_OK)
    printf("  cipher strengths: %lu to %lu bits\n", (unsigned long)strengths.dwMinimumCipherStrength,
           (unsigned long)strengths.dwMaximumCipherStrength);
  SecPkgCred_SupportedAlgs algs;
  if (QueryCredentialsAttributesA(&hCreds, SECPKG_ATTR_SUPPORTED_ALGS, &algs) == SEC_E_OK) {
    printf("  algorithms:");
    for (DWORD i = 0; i < algs.cSupportedAlgs; i++)
      printf(" %s", alg_name(algs.palgSupportedAlgs[i]));
    printf("\n");
    FreeContextBuffer(algs.palgSupportedAlgs);
  }

  FreeCredentialsHandle(&hCreds);
  return 0;
}
