/* schannel.h: Windows' Schannel header, for sspi-rustls (secur32 on Linux).
 *
 * SCHANNEL_CRED, SCH_CREDENTIALS (always declared: no need for
 * SCHANNEL_USE_BLACKLISTS), TLS_PARAMETERS, the SecPkgContext_* /
 * SecPkgCred_* attribute structs, SP_PROT_*, SCH_CRED_*, SECPKG_ATTR_* and
 * the ALG_IDs come from the generated <secur32.h>; this file adds the package
 * names. The _W names are UTF-16 u"" literals (see <sspi.h> about L""). */

#ifndef SSPI_RUSTLS_SCHANNEL_H
#define SSPI_RUSTLS_SCHANNEL_H

#include "secur32.h"
#include "wincrypt.h"

#define UNISP_NAME_A "Microsoft Unified Security Protocol Provider"
#define UNISP_NAME_W u"Microsoft Unified Security Protocol Provider"
#define SSL2SP_NAME_A "Microsoft SSL 2.0"
#define SSL2SP_NAME_W u"Microsoft SSL 2.0"
#define SSL3SP_NAME_A "Microsoft SSL 3.0"
#define SSL3SP_NAME_W u"Microsoft SSL 3.0"
#define TLS1SP_NAME_A "Microsoft TLS 1.0"
#define TLS1SP_NAME_W u"Microsoft TLS 1.0"
#define PCT1SP_NAME_A "Microsoft PCT 1.0"
#define PCT1SP_NAME_W u"Microsoft PCT 1.0"
#define SCHANNEL_NAME_A "Schannel"
#define SCHANNEL_NAME_W u"Schannel"
#define DEFAULT_TLS_SSP_NAME_A "Default TLS SSP"
#define DEFAULT_TLS_SSP_NAME_W u"Default TLS SSP"

/* Only UNISP_NAME and SCHANNEL_NAME name a package of this library; the
 * others are the historical names Windows still defines. */
#ifdef UNICODE
#define UNISP_NAME UNISP_NAME_W
#define SSL2SP_NAME SSL2SP_NAME_W
#define SSL3SP_NAME SSL3SP_NAME_W
#define TLS1SP_NAME TLS1SP_NAME_W
#define PCT1SP_NAME PCT1SP_NAME_W
#define SCHANNEL_NAME SCHANNEL_NAME_W
#define DEFAULT_TLS_SSP_NAME DEFAULT_TLS_SSP_NAME_W
#else
#define UNISP_NAME UNISP_NAME_A
#define SSL2SP_NAME SSL2SP_NAME_A
#define SSL3SP_NAME SSL3SP_NAME_A
#define TLS1SP_NAME TLS1SP_NAME_A
#define PCT1SP_NAME PCT1SP_NAME_A
#define SCHANNEL_NAME SCHANNEL_NAME_A
#define DEFAULT_TLS_SSP_NAME DEFAULT_TLS_SSP_NAME_A
#endif

#endif /* SSPI_RUSTLS_SCHANNEL_H */
