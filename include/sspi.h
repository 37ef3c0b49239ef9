/* sspi.h: Windows' SSPI header, for sspi-rustls (secur32 on Linux).
 *
 * Windows-style code compiles unchanged:
 *
 *     #define SECURITY_WIN32
 *     #include <security.h>      (or <sspi.h>)
 *     #include <schannel.h>
 *
 * The types, constants and function declarations come from the generated
 * <secur32.h>; this file adds the Windows macros around them: SEC_ENTRY and
 * friends, SEC_SUCCESS, SecInvalidateHandle / SecIsValidHandle, and the
 * UNICODE mapping of the A/W names (AcquireCredentialsHandle,
 * SecPkgInfo, SecurityFunctionTable, INIT_SECURITY_INTERFACE...).
 *
 * Strings: SEC_WCHAR / WCHAR are UTF-16 code units (uint16_t in C, char16_t
 * in C++). Write wide literals as u"..." (TEXT("...") does that under
 * UNICODE). Linux's L"..." literals are 32-bit wchar_t and only fit when the
 * whole program is built with -fshort-wchar. In C++, u"..." literals are
 * const: cast them for the non-const SEC_WCHAR * parameters, as Windows code
 * does for SEC_CHAR *. */

#ifndef SSPI_RUSTLS_SSPI_H
#define SSPI_RUSTLS_SSPI_H

#include "secur32.h"

/* User mode is the only mode: SECURITY_WIN32 is accepted (and assumed). */
#ifndef ISSP_LEVEL
#define ISSP_LEVEL 32
#endif
#ifndef ISSP_MODE
#define ISSP_MODE 1
#endif

/* Calling convention: on Linux every export uses the platform C convention
 * (Rust's extern "system"), so these expand to nothing. */
#ifndef WINAPI
#define WINAPI
#endif
#ifndef SEC_ENTRY
#define SEC_ENTRY WINAPI
#endif
#ifndef SEC_FAR
#define SEC_FAR
#endif
#ifndef __SEC_FAR
#define __SEC_FAR
#endif

/* TCHAR and TEXT() (winnt.h), unless the program has them already. */
#ifndef TEXT
#ifdef UNICODE
#define __TEXT(quote) u##quote
#else
#define __TEXT(quote) quote
#endif
#define TEXT(quote) __TEXT(quote)
#endif
#if !defined(_TCHAR_DEFINED) && !defined(SSPI_RUSTLS_NO_BASIC_TYPES)
#define _TCHAR_DEFINED
#ifdef UNICODE
typedef WCHAR TCHAR;
#else
typedef char TCHAR;
#endif
typedef TCHAR *PTCHAR;
typedef TCHAR *LPTSTR;
typedef TCHAR *PTSTR;
typedef const TCHAR *LPCTSTR;
typedef const TCHAR *PCTSTR;
#endif
#define SEC_TEXT TEXT

#ifdef UNICODE
typedef SEC_WCHAR *SECURITY_PSTR;
typedef const SEC_WCHAR *SECURITY_PCSTR;
#else
typedef SEC_CHAR *SECURITY_PSTR;
typedef const SEC_CHAR *SECURITY_PCSTR;
#endif

/* Status and handle helpers. */
#define SEC_SUCCESS(Status) ((Status) >= 0)

/* winerror.h's HRESULT tests, which Windows code applies to SECURITY_STATUS
 * values (the Platform SDK samples, .NET's interop layer); on Windows they
 * arrive through <windows.h>. */
#ifndef SUCCEEDED
#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#endif
#ifndef FAILED
#define FAILED(hr) (((HRESULT)(hr)) < 0)
#endif
#define SecInvalidateHandle(x)                                                 \
  ((PSecHandle)(x))->dwLower = ((ULONG_PTR)((INT_PTR)-1));                     \
  ((PSecHandle)(x))->dwUpper = ((ULONG_PTR)((INT_PTR)-1));
#define SecIsValidHandle(x)                                                    \
  ((((PSecHandle)(x))->dwLower != ((ULONG_PTR)((INT_PTR)-1))) &&              \
   (((PSecHandle)(x))->dwUpper != ((ULONG_PTR)((INT_PTR)-1))))
#define SEC_DELETED_HANDLE ((ULONG_PTR)(-2))

/* Older spelling of FreeCredentialsHandle. */
#define FreeCredentialHandle FreeCredentialsHandle

/* Entry point names, for dlsym() as for GetProcAddress(). */
#define SECURITY_ENTRYPOINT_ANSIW "InitSecurityInterfaceW"
#define SECURITY_ENTRYPOINT_ANSIA "InitSecurityInterfaceA"
#define SECURITY_ENTRYPOINTW SEC_TEXT("InitSecurityInterfaceW")
#define SECURITY_ENTRYPOINTA SEC_TEXT("InitSecurityInterfaceA")
#define SECURITY_ENTRYPOINT16 "INITSECURITYINTERFACEA"

/* ---- UNICODE mapping of the A/W names ---- */
#ifdef UNICODE
#define SSPI_RUSTLS_AW(name) name##W
#define SSPI_RUSTLS_UAW(name) name##_W
#else
#define SSPI_RUSTLS_AW(name) name##A
#define SSPI_RUSTLS_UAW(name) name##_A
#endif

#define SECURITY_ENTRYPOINT SSPI_RUSTLS_AW(SECURITY_ENTRYPOINT)
#define SECURITY_ENTRYPOINT_ANSI SSPI_RUSTLS_AW(SECURITY_ENTRYPOINT_ANSI)

/* Types. */
#define SecPkgInfo SSPI_RUSTLS_AW(SecPkgInfo)
#define PSecPkgInfo SSPI_RUSTLS_AW(PSecPkgInfo)
#define SecurityFunctionTable SSPI_RUSTLS_AW(SecurityFunctionTable)
#define PSecurityFunctionTable SSPI_RUSTLS_AW(PSecurityFunctionTable)
#define SecPkgCredentials_Names SSPI_RUSTLS_AW(SecPkgCredentials_Names)
#define PSecPkgCredentials_Names SSPI_RUSTLS_AW(PSecPkgCredentials_Names)
#define SecPkgContext_Names SSPI_RUSTLS_AW(SecPkgContext_Names)
#define PSecPkgContext_Names SSPI_RUSTLS_AW(PSecPkgContext_Names)
#define SecPkgContext_KeyInfo SSPI_RUSTLS_AW(SecPkgContext_KeyInfo)
#define PSecPkgContext_KeyInfo SSPI_RUSTLS_AW(PSecPkgContext_KeyInfo)
#define SecPkgContext_Authority SSPI_RUSTLS_AW(SecPkgContext_Authority)
#define PSecPkgContext_Authority SSPI_RUSTLS_AW(PSecPkgContext_Authority)
#define SecPkgContext_ProtoInfo SSPI_RUSTLS_AW(SecPkgContext_ProtoInfo)
#define PSecPkgContext_ProtoInfo SSPI_RUSTLS_AW(PSecPkgContext_ProtoInfo)
#define SecPkgContext_PackageInfo SSPI_RUSTLS_AW(SecPkgContext_PackageInfo)
#define PSecPkgContext_PackageInfo SSPI_RUSTLS_AW(PSecPkgContext_PackageInfo)
#define SecPkgContext_NegotiationInfo SSPI_RUSTLS_AW(SecPkgContext_NegotiationInfo)
#define PSecPkgContext_NegotiationInfo SSPI_RUSTLS_AW(PSecPkgContext_NegotiationInfo)
#define SecPkgContext_NativeNames SSPI_RUSTLS_AW(SecPkgContext_NativeNames)
#define PSecPkgContext_NativeNames SSPI_RUSTLS_AW(PSecPkgContext_NativeNames)
#define SEC_WINNT_AUTH_IDENTITY SSPI_RUSTLS_UAW(SEC_WINNT_AUTH_IDENTITY)
#define PSEC_WINNT_AUTH_IDENTITY SSPI_RUSTLS_UAW(PSEC_WINNT_AUTH_IDENTITY)
#define SEC_WINNT_AUTH_IDENTITY_EX SSPI_RUSTLS_AW(SEC_WINNT_AUTH_IDENTITY_EX)
#define PSEC_WINNT_AUTH_IDENTITY_EX SSPI_RUSTLS_AW(PSEC_WINNT_AUTH_IDENTITY_EX)

/* Functions and their pointer types. */
#define AcquireCredentialsHandle SSPI_RUSTLS_AW(AcquireCredentialsHandle)
#define ACQUIRE_CREDENTIALS_HANDLE_FN SSPI_RUSTLS_UAW(ACQUIRE_CREDENTIALS_HANDLE_FN)
#define AddCredentials SSPI_RUSTLS_AW(AddCredentials)
#define ADD_CREDENTIALS_FN SSPI_RUSTLS_UAW(ADD_CREDENTIALS_FN)
#define InitializeSecurityContext SSPI_RUSTLS_AW(InitializeSecurityContext)
#define INITIALIZE_SECURITY_CONTEXT_FN SSPI_RUSTLS_UAW(INITIALIZE_SECURITY_CONTEXT_FN)
#define QueryContextAttributes SSPI_RUSTLS_AW(QueryContextAttributes)
#define QUERY_CONTEXT_ATTRIBUTES_FN SSPI_RUSTLS_UAW(QUERY_CONTEXT_ATTRIBUTES_FN)
#define QueryContextAttributesEx SSPI_RUSTLS_AW(QueryContextAttributesEx)
#define QUERY_CONTEXT_ATTRIBUTES_EX_FN SSPI_RUSTLS_UAW(QUERY_CONTEXT_ATTRIBUTES_EX_FN)
#define SetContextAttributes SSPI_RUSTLS_AW(SetContextAttributes)
#define SET_CONTEXT_ATTRIBUTES_FN SSPI_RUSTLS_UAW(SET_CONTEXT_ATTRIBUTES_FN)
#define QueryCredentialsAttributes SSPI_RUSTLS_AW(QueryCredentialsAttributes)
#define QUERY_CREDENTIALS_ATTRIBUTES_FN SSPI_RUSTLS_UAW(QUERY_CREDENTIALS_ATTRIBUTES_FN)
#define QueryCredentialsAttributesEx SSPI_RUSTLS_AW(QueryCredentialsAttributesEx)
#define QUERY_CREDENTIALS_ATTRIBUTES_EX_FN SSPI_RUSTLS_UAW(QUERY_CREDENTIALS_ATTRIBUTES_EX_FN)
#define SetCredentialsAttributes SSPI_RUSTLS_AW(SetCredentialsAttributes)
#define SET_CREDENTIALS_ATTRIBUTES_FN SSPI_RUSTLS_UAW(SET_CREDENTIALS_ATTRIBUTES_FN)
#define EnumerateSecurityPackages SSPI_RUSTLS_AW(EnumerateSecurityPackages)
#define ENUMERATE_SECURITY_PACKAGES_FN SSPI_RUSTLS_UAW(ENUMERATE_SECURITY_PACKAGES_FN)
#define QuerySecurityPackageInfo SSPI_RUSTLS_AW(QuerySecurityPackageInfo)
#define QUERY_SECURITY_PACKAGE_INFO_FN SSPI_RUSTLS_UAW(QUERY_SECURITY_PACKAGE_INFO_FN)
#define SaslEnumerateProfiles SSPI_RUSTLS_AW(SaslEnumerateProfiles)
#define SaslGetProfilePackage SSPI_RUSTLS_AW(SaslGetProfilePackage)
#define SaslIdentifyPackage SSPI_RUSTLS_AW(SaslIdentifyPackage)
#define SaslInitializeSecurityContext SSPI_RUSTLS_AW(SaslInitializeSecurityContext)
#define ImportSecurityContext SSPI_RUSTLS_AW(ImportSecurityContext)
#define IMPORT_SECURITY_CONTEXT_FN SSPI_RUSTLS_UAW(IMPORT_SECURITY_CONTEXT_FN)
#define CHANGE_PASSWORD_FN SSPI_RUSTLS_UAW(CHANGE_PASSWORD_FN)
#define InitSecurityInterface SSPI_RUSTLS_AW(InitSecurityInterface)
#define INIT_SECURITY_INTERFACE SSPI_RUSTLS_UAW(INIT_SECURITY_INTERFACE)
#define AddSecurityPackage SSPI_RUSTLS_AW(AddSecurityPackage)
#define DeleteSecurityPackage SSPI_RUSTLS_AW(DeleteSecurityPackage)
/* secext.h's (Windows' <security.h> includes it) */
#define GetUserNameEx SSPI_RUSTLS_AW(GetUserNameEx)
#define GetComputerObjectName SSPI_RUSTLS_AW(GetComputerObjectName)
#define TranslateName SSPI_RUSTLS_AW(TranslateName)

/* SASL_OPTION_AUTHZ_PROCESSING's values (sspi.h). */
typedef enum _SASL_AUTHZID_STATE { Sasl_AuthZIDForbidden, Sasl_AuthZIDProcessed } SASL_AUTHZID_STATE;

#endif /* SSPI_RUSTLS_SSPI_H */
