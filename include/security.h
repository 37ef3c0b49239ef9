/* security.h: Windows' umbrella SSPI header, for sspi-rustls (secur32 on
 * Linux). Windows code writes
 *
 *     #define SECURITY_WIN32
 *     #include <security.h>
 *
 * and gets the whole SSPI interface from <sspi.h>, plus the NTLM package
 * names Windows defines here. The Kerberos-only headers Windows also
 * includes here are not provided (no such package). */

#ifndef SSPI_RUSTLS_SECURITY_H
#define SSPI_RUSTLS_SECURITY_H

#include "secur32.h"
#include "sspi.h"

#ifndef NTLMSP_NAME_A
#define NTLMSP_NAME_A "NTLM"
#define NTLMSP_NAME u"NTLM"
#endif

#endif /* SSPI_RUSTLS_SECURITY_H */
