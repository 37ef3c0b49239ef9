/* krb5_sspi.c: the Kerberos package as a Windows C program calls it,
 * both ends in one process, against the real MIT KDC that
 * ffi-tests/interop/test_kerberos_c.py starts (KRB5_CONFIG, KRB5_KTNAME set
 * by it; the user and password in KRB_USER / KRB_PASSWORD, the realm in
 * KRB_REALM). Built with -Wall -Wextra -Werror under ASan + UBSan.
 *
 * What it does: AcquireCredentialsHandleW for an identity (outbound) and for
 * the keytab (inbound), the mutual-auth loop with caller-supplied output
 * buffers sized by cbMaxToken, QueryContextAttributes (SIZES, NAMES,
 * SESSION_KEY, LIFESPAN, NEGOTIATION_INFO), EncryptMessage /
 * DecryptMessage both ways, MakeSignature / VerifySignature, a tampered
 * message, a replay, and the handles freed. Prints "result: ok". */

#define SECURITY_WIN32
#include <security.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                                    \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                                      \
      exit(1);                                                                                                         \
    }                                                                                                                  \
  } while (0)
#define CHECK_STATUS(call, want)                                                                                       \
  do {                                                                                                                 \
    SECURITY_STATUS st_ = (call);                                                                                      \
    if (st_ != (want)) {                                                                                               \
      fprintf(stderr, "%s:%d: %s -> 0x%08lX, want 0x%08lX\n", __FILE__, __LINE__, #call, (unsigned long)st_,         \
              (unsigned long)(want));                                                                                  \
      exit(1);                                                                                                         \
    }                                                                                                                  \
  } while (0)

static void to_wide(const char *s, SEC_WCHAR *out, size_t cap) {
  size_t i;
  for (i = 0; s[i] && i + 1 < cap; i++)
    out[i] = (SEC_WCHAR)(unsigned char)s[i];
  out[i] = 0;
}

static size_t wlen(const SEC_WCHAR *s) {
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

static int wide_equals(const SEC_WCHAR *w, const char *a) {
  size_t i;
  for (i = 0; a[i]; i++)
    if (w[i] != (SEC_WCHAR)(unsigned char)a[i])
      return 0;
  return w[i] == 0;
}

int main(void) {
  const char *user = getenv("KRB_USER"), *realm = getenv("KRB_REALM"), *password = getenv("KRB_PASSWORD");
  SEC_WCHAR wuser[128], wrealm[128], wpass[128], pkg[16], target[64];
  SEC_WINNT_AUTH_IDENTITY_W id;
  CredHandle ccred, scred;
  CtxtHandle cctx, sctx;
  TimeStamp expiry;
  ULONG cattrs = 0, sattrs = 0;
  SecPkgInfoW *info = NULL;
  unsigned char *t1, *t2;
  SecBuffer ib, ob;
  SecBufferDesc idesc, odesc;
  SecPkgContext_Sizes sizes;
  SecPkgContext_NamesW names;
  SecPkgContext_SessionKey ck, sk;
  SecPkgContext_Lifespan life;
  SecPkgContext_NegotiationInfoW neg;
  ULONG isc_flags = ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT |
                    ISC_REQ_SEQUENCE_DETECT;
  ULONG asc_flags = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT;
  CHECK(user && realm && password);
  to_wide(user, wuser, 128);
  to_wide(realm, wrealm, 128);
  to_wide(password, wpass, 128);
  to_wide("Kerberos", pkg, 16);
  to_wide("HTTP/localhost", target, 64);

  CHECK_STATUS(QuerySecurityPackageInfoW(pkg, &info), SEC_E_OK);
  CHECK(info->wRPCID == 16 && info->cbMaxToken == 48000);
  t1 = (unsigned char *)malloc(info->cbMaxToken);
  t2 = (unsigned char *)malloc(info->cbMaxToken);
  CHECK(t1 && t2);

  memset(&id, 0, sizeof id);
  id.User = (unsigned short *)wuser;
  id.UserLength = (ULONG)wlen(wuser);
  id.Domain = (unsigned short *)wrealm;
  id.DomainLength = (ULONG)wlen(wrealm);
  id.Password = (unsigned short *)wpass;
  id.PasswordLength = (ULONG)wlen(wpass);
  id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
  CHECK_STATUS(AcquireCredentialsHandleW(NULL, pkg, SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL, &ccred, &expiry),
               SEC_E_OK);
  CHECK_STATUS(AcquireCredentialsHandleW(NULL, pkg, SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL, &scred, &expiry),
               SEC_E_OK);

  /* Leg 1: the AP-REQ, into a caller buffer of cbMaxToken bytes. */
  ob.BufferType = SECBUFFER_TOKEN;
  ob.cbBuffer = info->cbMaxToken;
  ob.pvBuffer = t1;
  odesc.ulVersion = SECBUFFER_VERSION;
  odesc.cBuffers = 1;
  odesc.pBuffers = &ob;
  CHECK_STATUS(InitializeSecurityContextW(&ccred, NULL, target, isc_flags, 0, SECURITY_NATIVE_DREP, NULL, 0, &cctx,
                                          &odesc, &cattrs, &expiry),
               SEC_I_CONTINUE_NEEDED);
  CHECK(ob.cbBuffer > 0 && t1[0] == 0x60);

  /* Leg 2: the acceptor answers with an AP-REP and is done. */
  ib = ob;
  idesc.ulVersion = SECBUFFER_VERSION;
  idesc.cBuffers = 1;
  idesc.pBuffers = &ib;
  ob.cbBuffer = info->cbMaxToken;
  ob.pvBuffer = t2;
  CHECK_STATUS(AcceptSecurityContext(&scred, NULL, &idesc, asc_flags, SECURITY_NATIVE_DREP, &sctx, &odesc, &sattrs,
                                     &expiry),
               SEC_E_OK);
  CHECK(sattrs & ASC_RET_MUTUAL_AUTH);
  CHECK(ob.cbBuffer > 0);

  /* Leg 3: the initiator checks it. */
  ib = ob;
  ob.cbBuffer = info->cbMaxToken;
  ob.pvBuffer = t1;
  CHECK_STATUS(InitializeSecurityContextW(&ccred, &cctx, target, isc_flags, 0, SECURITY_NATIVE_DREP, &idesc, 0, &cctx,
                                          &odesc, &cattrs, &expiry),
               SEC_E_OK);
  CHECK(ob.cbBuffer == 0);
  CHECK(cattrs & ISC_RET_MUTUAL_AUTH);

  /* Attributes. */
  CHECK_STATUS(QueryContextAttributesW(&cctx, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
  CHECK(sizes.cbMaxToken == 48000 && sizes.cbSecurityTrailer >= 60 && sizes.cbMaxSignature >= 28);
  CHECK_STATUS(QueryContextAttributesW(&sctx, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
  {
    char want[300];
    snprintf(want, sizeof want, "%s@%s", user, realm);
    CHECK(wide_equals((const SEC_WCHAR *)names.sUserName, want));
  }
  CHECK_STATUS(FreeContextBuffer(names.sUserName), SEC_E_OK);
  CHECK_STATUS(QueryContextAttributesW(&cctx, SECPKG_ATTR_SESSION_KEY, &ck), SEC_E_OK);
  CHECK_STATUS(QueryContextAttributesW(&sctx, SECPKG_ATTR_SESSION_KEY, &sk), SEC_E_OK);
  CHECK(ck.SessionKeyLength == sk.SessionKeyLength && memcmp(ck.SessionKey, sk.SessionKey, ck.SessionKeyLength) == 0);
  CHECK_STATUS(FreeContextBuffer(ck.SessionKey), SEC_E_OK);
  CHECK_STATUS(FreeContextBuffer(sk.SessionKey), SEC_E_OK);
  CHECK_STATUS(QueryContextAttributesW(&cctx, SECPKG_ATTR_LIFESPAN, &life), SEC_E_OK);
  CHECK(life.tsExpiry.QuadPart > life.tsStart.QuadPart);
  CHECK_STATUS(QueryContextAttributesW(&cctx, SECPKG_ATTR_NEGOTIATION_INFO, &neg), SEC_E_OK);
  CHECK(neg.NegotiationState == SECPKG_NEGOTIATION_COMPLETE);
  CHECK_STATUS(FreeContextBuffer(neg.PackageInfo), SEC_E_OK);

  /* EncryptMessage [TOKEN, DATA, PADDING] both ways, DecryptMessage [TOKEN, DATA]. */
  for (int dir = 0; dir < 2; dir++) {
    CtxtHandle *from = dir ? &sctx : &cctx, *to = dir ? &cctx : &sctx;
    char msg[] = "a message through EncryptMessage";
    unsigned char *tok = (unsigned char *)malloc(sizes.cbSecurityTrailer), pad[16];
    SecBuffer mb[3];
    SecBufferDesc md = {SECBUFFER_VERSION, 3, mb};
    ULONG qop = 0;
    CHECK(tok);
    mb[0].BufferType = SECBUFFER_TOKEN;
    mb[0].cbBuffer = sizes.cbSecurityTrailer;
    mb[0].pvBuffer = tok;
    mb[1].BufferType = SECBUFFER_DATA;
    mb[1].cbBuffer = (ULONG)strlen(msg);
    mb[1].pvBuffer = msg;
    mb[2].BufferType = SECBUFFER_PADDING;
    mb[2].cbBuffer = sizeof pad;
    mb[2].pvBuffer = pad;
    CHECK_STATUS(EncryptMessage(from, 0, &md, 0), SEC_E_OK);
    CHECK(memcmp(msg, "a message", 9) != 0);
    md.cBuffers = 2;
    CHECK_STATUS(DecryptMessage(to, &md, 0, &qop), SEC_E_OK);
    CHECK(memcmp(msg, "a message through EncryptMessage", mb[1].cbBuffer) == 0 && qop == 0);
    free(tok);
  }

  /* MakeSignature / VerifySignature, a tampered message, a replay. */
  {
    char data[] = "signed data";
    unsigned char sig[64];
    SecBuffer sb[2];
    SecBufferDesc sd = {SECBUFFER_VERSION, 2, sb};
    ULONG qop = 0;
    sb[0].BufferType = SECBUFFER_DATA;
    sb[0].cbBuffer = (ULONG)strlen(data);
    sb[0].pvBuffer = data;
    sb[1].BufferType = SECBUFFER_TOKEN;
    sb[1].cbBuffer = sizeof sig;
    sb[1].pvBuffer = sig;
    CHECK_STATUS(MakeSignature(&cctx, 0, &sd, 0), SEC_E_OK);
    CHECK(sb[1].cbBuffer == sizes.cbMaxSignature);
    CHECK_STATUS(VerifySignature(&sctx, &sd, 0, &qop), SEC_E_OK);
    CHECK_STATUS(VerifySignature(&sctx, &sd, 0, &qop), SEC_E_OUT_OF_SEQUENCE);
    sb[1].cbBuffer = sizeof sig;
    CHECK_STATUS(MakeSignature(&cctx, 0, &sd, 0), SEC_E_OK);
    data[0] ^= 1;
    CHECK_STATUS(VerifySignature(&sctx, &sd, 0, &qop), SEC_E_MESSAGE_ALTERED);
  }

  CHECK_STATUS(DeleteSecurityContext(&cctx), SEC_E_OK);
  CHECK_STATUS(DeleteSecurityContext(&sctx), SEC_E_OK);
  CHECK_STATUS(DeleteSecurityContext(&sctx), SEC_E_INVALID_HANDLE);
  CHECK_STATUS(FreeCredentialsHandle(&ccred), SEC_E_OK);
  CHECK_STATUS(FreeCredentialsHandle(&scred), SEC_E_OK);
  CHECK_STATUS(FreeContextBuffer(info), SEC_E_OK);
  free(t1);
  free(t2);
  printf("result: ok\n");
  return 0;
}
