/* ntsecapi.h: the part of Windows' LSA header sspi-rustls provides (secur32 on Linux): the
 * Lsa* functions secur32 exports (which answer STATUS_NOT_IMPLEMENTED: there is no LSA here,
 * see the compatibility matrix) and LSA_STRING. Their declarations are in secur32.h. */

#ifndef SSPI_RUSTLS_NTSECAPI_H
#define SSPI_RUSTLS_NTSECAPI_H

#include "secur32.h"

#endif /* SSPI_RUSTLS_NTSECAPI_H */
