/* variants: c11 c11-unicode c++ c++-unicode */
/* secur32's exports outside the function table, as Windows code calls them: GetUserNameEx
 * (secext.h's, through <security.h>) with the size query first, the Sspi* identity helpers
 * feeding AcquireCredentialsHandle, and the Lsa* calls a program makes to read the session's
 * Kerberos tickets.
 * Under AddressSanitizer every block handed out must be freed exactly once. */

#define SECURITY_WIN32
#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L /* setenv */
#endif
#ifdef _WIN32
/* Built for Windows too (the Wine layer runs it against secur32.dll), where <windows.h> comes
 * first. */
#include <windows.h>
#endif
#include <security.h>
#include <ntsecapi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                              \
    }                                                                          \
  } while (0)

static size_t wlen(const WCHAR *s) {
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

static int wequal(const WCHAR *a, const WCHAR *b) {
  return a && b && wlen(a) == wlen(b) && memcmp(a, b, wlen(a) * sizeof(WCHAR)) == 0;
}

static void test_user_name(void) {
  ULONG size = 0;
  /* The size query Windows programs make first. */
  CHECK(!GetUserNameEx(NameSamCompatible, NULL, &size));
  CHECK(GetLastError() == 234 /* ERROR_MORE_DATA */);
  CHECK(size > 2);
  TCHAR *name = (TCHAR *)calloc(size, sizeof(TCHAR));
  CHECK(name != NULL);
  if (!name)
    return;
  ULONG have = size;
  CHECK(GetUserNameEx(NameSamCompatible, name, &have));
  CHECK(have == size - 1);
  int backslash = 0;
  for (ULONG i = 0; i < have; i++)
    backslash += name[i] == '\\';
  CHECK(backslash == 1);
  CHECK(name[have] == 0);
  free(name);
  TCHAR buf[64];
  ULONG n = 64;
  /* The user principal is the default credential cache's: with none, there is no mapping. */
#ifdef _WIN32
  SetEnvironmentVariableA("KRB5CCNAME", "FILE:/nonexistent/sspi-rustls-test-ccache");
#else
  setenv("KRB5CCNAME", "FILE:/nonexistent/sspi-rustls-test-ccache", 1);
#endif
  CHECK(!GetUserNameEx(NameUserPrincipal, buf, &n));
  CHECK(GetLastError() == 1332 /* ERROR_NONE_MAPPED */);
  CHECK(!GetComputerObjectName(NameSamCompatible, buf, &n));
  CHECK(GetLastError() == 1351 /* ERROR_CANT_ACCESS_DOMAIN_INFO */);
}

static void test_identity_helpers(void) {
  static const WCHAR user[] = u"alice", domain[] = u"EXAMPLE", password[] = u"s3cret";
  PSEC_WINNT_AUTH_IDENTITY_OPAQUE id = NULL;
  CHECK(SspiEncodeStringsAsAuthIdentity(user, domain, password, &id) == SEC_E_OK);
  CHECK(id != NULL);
  /* The opaque identity is an AcquireCredentialsHandle identity. */
  CredHandle cred;
  TimeStamp expiry;
  SEC_WCHAR ntlm[] = u"NTLM";
  CHECK(AcquireCredentialsHandleW(NULL, ntlm, SECPKG_CRED_OUTBOUND, NULL, id, NULL, NULL, &cred, &expiry) ==
        SEC_E_OK);
  CHECK(FreeCredentialsHandle(&cred) == SEC_E_OK);
  PCWSTR u = NULL, d = NULL, p = NULL;
  CHECK(SspiEncodeAuthIdentityAsStrings(id, &u, &d, &p) == SEC_E_OK);
  CHECK(wequal(u, user) && wequal(d, domain) && wequal(p, password));
  SspiLocalFree((PVOID)u);
  SspiLocalFree((PVOID)d);
  SspiLocalFree((PVOID)p);
  ULONG type = 0, blob_size = 0;
  PCWSTR target = NULL, cred_user = NULL;
  PUCHAR blob = NULL;
  SEC_WCHAR server[] = u"server.example.test";
  CHECK(SspiPrepareForCredWrite(id, server, &type, &target, &cred_user, &blob, &blob_size) == SEC_E_OK);
  CHECK(type == 2 && blob_size == 12 && wequal(target, server));
  SspiLocalFree((PVOID)target);
  SspiLocalFree((PVOID)cred_user);
  SspiLocalFree(blob);
  SspiZeroAuthIdentity(id);
  SspiFreeAuthIdentity(id);
  CHECK(SspiEncodeStringsAsAuthIdentity(NULL, NULL, NULL, &id) == SEC_E_INVALID_TOKEN);
}

/* The calls klist-like tools and MIT's MSLSA ccache make to read the session's Kerberos
 * tickets; KRB5CCNAME points at no cache (test_user_name), so the answer has no tickets. */
static void test_lsa_ticket_cache(void) {
  HANDLE lsa = NULL;
  CHECK(LsaConnectUntrusted(&lsa) == 0 && lsa != NULL);
  char kerberos[] = MICROSOFT_KERBEROS_NAME_A;
  LSA_STRING name = {(USHORT)strlen(kerberos), (USHORT)sizeof(kerberos), kerberos};
  ULONG package = 99;
  CHECK(LsaLookupAuthenticationPackage(lsa, &name, &package) == 0 && package != 99);
  KERB_QUERY_TKT_CACHE_REQUEST request;
  memset(&request, 0, sizeof(request));
  request.MessageType = KerbQueryTicketCacheExMessage;
  PVOID response = NULL;
  ULONG length = 0;
  NTSTATUS protocol = -1;
  CHECK(LsaCallAuthenticationPackage(lsa, package, &request, sizeof(request), &response, &length, &protocol) == 0);
  CHECK(protocol == 0 && response != NULL && length >= 2 * sizeof(ULONG));
  if (response) {
    PKERB_QUERY_TKT_CACHE_EX_RESPONSE tickets = (PKERB_QUERY_TKT_CACHE_EX_RESPONSE)response;
    CHECK(tickets->MessageType == KerbQueryTicketCacheExMessage && tickets->CountOfTickets == 0);
    CHECK(LsaFreeReturnBuffer(response) == 0);
  }
  request.MessageType = KerbPurgeTicketCacheMessage;
  CHECK(LsaCallAuthenticationPackage(lsa, package, &request, sizeof(request), &response, &length, &protocol) < 0);
  CHECK(response == NULL);
  CHECK(LsaFreeReturnBuffer(NULL) < 0);
  CHECK(LsaDeregisterLogonProcess(lsa) == 0);
  CHECK(LsaDeregisterLogonProcess(lsa) < 0);
}

int main(void) {
  test_user_name();
  test_identity_helpers();
  test_lsa_ticket_cache();
  if (failures) {
    fprintf(stderr, "test_secext: %d failures\n", failures);
    return 1;
  }
  printf("test_secext: ok\n");
  return 0;
}
