/* credssp.h: Windows' CredSSP header, for sspi-rustls (secur32 on Linux).
 *
 * CREDSSP_CRED, SecPkgContext_ClientCreds, SECPKG_ATTR_CREDS /
 * NEGOTIATION_PACKAGE / SERVER_AUTH_FLAGS and CREDSSP_SERVER_AUTH_* come from the
 * generated <secur32.h>; this file adds the package name and the submit types
 * (an enum, as in mingw-w64's credssp.h). The _W name is a UTF-16 u"" literal
 * (see <sspi.h> about L""). */

#ifndef SSPI_RUSTLS_CREDSSP_H
#define SSPI_RUSTLS_CREDSSP_H

#include "secur32.h"

#define CREDSSP_NAME_A "CREDSSP"
#define CREDSSP_NAME_W u"CREDSSP"
#ifdef UNICODE
#define CREDSSP_NAME CREDSSP_NAME_W
#else
#define CREDSSP_NAME CREDSSP_NAME_A
#endif

typedef enum _CREDSSP_SUBMIT_TYPE {
  CredsspPasswordCreds = 2,
  CredsspSchannelCreds = 4,
  CredsspCertificateCreds = 13,
  CredsspSubmitBufferBoth = 50,
  CredsspSubmitBufferBothOld = 51
} CREDSPP_SUBMIT_TYPE;

#endif
