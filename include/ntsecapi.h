/* ntsecapi.h: the part of Windows' LSA header sspi-rustls provides (secur32 on Linux): the
 * Lsa* functions secur32 exports, LSA_STRING, and the Kerberos package's ticket-cache queries
 * (KERB_QUERY_TKT_CACHE_REQUEST and its responses), which LsaCallAuthenticationPackage answers
 * from the default credential cache; the rest of the LSA answers STATUS_NOT_IMPLEMENTED (see
 * the compatibility matrix). Their declarations are in secur32.h. */

#ifndef SSPI_RUSTLS_NTSECAPI_H
#define SSPI_RUSTLS_NTSECAPI_H

#include "secur32.h"

/* The name LsaLookupAuthenticationPackage takes for the Kerberos package. */
#define MICROSOFT_KERBEROS_NAME_A "Kerberos"
#define MICROSOFT_KERBEROS_NAME_W u"Kerberos"
#define MICROSOFT_KERBEROS_NAME MICROSOFT_KERBEROS_NAME_W

#endif /* SSPI_RUSTLS_NTSECAPI_H */
