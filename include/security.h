/* security.h: Windows' umbrella SSPI header, for sspi-rustls (secur32 on
 * Linux). Windows code writes
 *
 *     #define SECURITY_WIN32
 *     #include <security.h>
 *
 * and gets the whole SSPI interface from <sspi.h>. The NTLM/Kerberos-only
 * headers Windows also includes here are not provided (no such package). */

#ifndef SSPI_RUSTLS_SECURITY_H
#define SSPI_RUSTLS_SECURITY_H

#include "secur32.h"
#include "sspi.h"

#endif /* SSPI_RUSTLS_SECURITY_H */
