/* A program built against an installed sspi-rustls the usual way:
 *     cc prog.c $(pkg-config --cflags --libs secur32) */
#define SECURITY_WIN32
#include <security.h>
#include <schannel.h>

#include <stdio.h>
#include <string.h>

int main(void) {
  ULONG cPackages = 0;
  PSecPkgInfoW pPackages = NULL;
  if (EnumerateSecurityPackagesW(&cPackages, &pPackages) != SEC_E_OK || cPackages == 0)
    return 1;
  FreeContextBuffer(pPackages);

  SCHANNEL_CRED cred;
  CredHandle hCred;
  memset(&cred, 0, sizeof(cred));
  cred.dwVersion = SCHANNEL_CRED_VERSION;
  if (AcquireCredentialsHandleA(NULL, (SEC_CHAR *)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &cred, NULL, NULL,
                                &hCred, NULL) != SEC_E_OK)
    return 1;
  if (FreeCredentialsHandle(&hCred) != SEC_E_OK)
    return 1;
  printf("pkg-config user: ok (%lu packages)\n", (unsigned long)cPackages);
  return 0;
}
