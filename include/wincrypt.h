/* wincrypt.h: the crypt32 subset of sspi-rustls, for C and C++ written against
 * Windows' <wincrypt.h>.
 *
 * The structs (CERT_CONTEXT, CERT_INFO, the blobs), the functions
 * (CertOpenStore, PFXImportCertStore, CertFindCertificateInStore, ...) and the
 * numeric constants, HCRYPTPROV, the CRYPT_KEY_PROV_INFO property struct
 * and some pointer typedefs come from the generated secur32.h. This header
 * adds what C needs spelled the Windows way and the generator cannot express:
 * store providers as (LPCSTR) values, OID strings, the remaining pointer
 * typedefs and the TCHAR-style aliases.
 * Layouts are checked against mingw-w64's <wincrypt.h> by the test suite. */
#ifndef SSPI_RUSTLS_WINCRYPT_H
#define SSPI_RUSTLS_WINCRYPT_H

#include "secur32.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef CERT_PUBLIC_KEY_INFO *PCERT_PUBLIC_KEY_INFO;
typedef CRYPT_ALGORITHM_IDENTIFIER *PCRYPT_ALGORITHM_IDENTIFIER;
typedef CRYPT_BIT_BLOB *PCRYPT_BIT_BLOB;
typedef CRYPT_HASH_BLOB *PCRYPT_HASH_BLOB;
typedef CRYPT_INTEGER_BLOB *PCRYPT_INTEGER_BLOB;
typedef CRYPT_OBJID_BLOB *PCRYPT_OBJID_BLOB;
typedef FILETIME *PFILETIME;

/* CERT_KEY_PROV_INFO_PROP_ID's value (the structs are in secur32.h). */
typedef CRYPT_KEY_PROV_PARAM *PCRYPT_KEY_PROV_PARAM;
typedef CRYPT_KEY_PROV_INFO *PCRYPT_KEY_PROV_INFO;

/* Store providers. Only CERT_STORE_PROV_MEMORY ("Memory") is implemented;
 * the others make CertOpenStore answer NULL with ERROR_FILE_NOT_FOUND. */
#define CERT_STORE_PROV_MSG ((LPCSTR)1)
#define CERT_STORE_PROV_MEMORY ((LPCSTR)2)
#define CERT_STORE_PROV_FILE ((LPCSTR)3)
#define CERT_STORE_PROV_REG ((LPCSTR)4)
#define CERT_STORE_PROV_PKCS7 ((LPCSTR)5)
#define CERT_STORE_PROV_SERIALIZED ((LPCSTR)6)
#define CERT_STORE_PROV_FILENAME_A ((LPCSTR)7)
#define CERT_STORE_PROV_FILENAME_W ((LPCSTR)8)
#define CERT_STORE_PROV_FILENAME CERT_STORE_PROV_FILENAME_W
#define CERT_STORE_PROV_SYSTEM_A ((LPCSTR)9)
#define CERT_STORE_PROV_SYSTEM_W ((LPCSTR)10)
#define CERT_STORE_PROV_SYSTEM CERT_STORE_PROV_SYSTEM_W
#define sz_CERT_STORE_PROV_MEMORY "Memory"

/* Attribute OIDs (CERT_NAME_ATTR_TYPE's pvTypePara). */
#define szOID_COMMON_NAME "2.5.4.3"
#define szOID_SUR_NAME "2.5.4.4"
#define szOID_DEVICE_SERIAL_NUMBER "2.5.4.5"
#define szOID_COUNTRY_NAME "2.5.4.6"
#define szOID_LOCALITY_NAME "2.5.4.7"
#define szOID_STATE_OR_PROVINCE_NAME "2.5.4.8"
#define szOID_STREET_ADDRESS "2.5.4.9"
#define szOID_ORGANIZATION_NAME "2.5.4.10"
#define szOID_ORGANIZATIONAL_UNIT_NAME "2.5.4.11"
#define szOID_TITLE "2.5.4.12"
#define szOID_GIVEN_NAME "2.5.4.42"
#define szOID_DOMAIN_COMPONENT "0.9.2342.19200300.100.1.25"
#define szOID_RSA_emailAddr "1.2.840.113549.1.9.1"
#define szOID_RSA_RSA "1.2.840.113549.1.1.1"
#define szOID_RSA_SHA256RSA "1.2.840.113549.1.1.11"
#define szOID_ECC_PUBLIC_KEY "1.2.840.10045.2.1"
#define szOID_SUBJECT_ALT_NAME2 "2.5.29.17"
#define szOID_BASIC_CONSTRAINTS2 "2.5.29.19"
#define szOID_KEY_USAGE "2.5.29.15"
#define szOID_ENHANCED_KEY_USAGE "2.5.29.37"
#define szOID_SUBJECT_KEY_IDENTIFIER "2.5.29.14"
#define szOID_SUBJECT_ALT_NAME "2.5.29.7"
#define szOID_ISSUER_ALT_NAME "2.5.29.8"
#define szOID_ISSUER_ALT_NAME2 "2.5.29.18"
#define szOID_CRL_DIST_POINTS "2.5.29.31"
#define szOID_AUTHORITY_INFO_ACCESS "1.3.6.1.5.5.7.1.1"

/* Extended key usages (CERT_CHAIN_PARA.RequestedUsage). */
#define szOID_PKIX_KP_SERVER_AUTH "1.3.6.1.5.5.7.3.1"
#define szOID_PKIX_KP_CLIENT_AUTH "1.3.6.1.5.5.7.3.2"
#define szOID_PKIX_KP_CODE_SIGNING "1.3.6.1.5.5.7.3.3"
#define szOID_PKIX_KP_EMAIL_PROTECTION "1.3.6.1.5.5.7.3.4"
#define szOID_ANY_ENHANCED_KEY_USAGE "2.5.29.37.0"

/* Certificate chains: the predefined engines and pointer typedefs. */
#define HCCE_CURRENT_USER ((HCERTCHAINENGINE)NULL)
#define HCCE_LOCAL_MACHINE ((HCERTCHAINENGINE)0x1)
#define HCCE_SERIAL_LOCAL_MACHINE ((HCERTCHAINENGINE)0x2)
typedef CERT_TRUST_STATUS *PCERT_TRUST_STATUS;
typedef const CERT_CHAIN_ELEMENT *PCCERT_CHAIN_ELEMENT;
typedef const CERT_SIMPLE_CHAIN *PCCERT_SIMPLE_CHAIN;
typedef CERT_USAGE_MATCH *PCERT_USAGE_MATCH;
typedef CTL_USAGE *PCTL_USAGE;
typedef CERT_REVOCATION_INFO *PCERT_REVOCATION_INFO;
typedef CERT_TRUST_LIST_INFO *PCERT_TRUST_LIST_INFO;
typedef CRYPTOAPI_BLOB CERT_BLOB, *PCERT_BLOB;
typedef CERT_OTHER_NAME *PCERT_OTHER_NAME;

/* CertVerifyCertificateChainPolicy: policies as (LPCSTR) values, and the
 * SSL policy's extra parameter with Windows' nameless cbStruct/cbSize union. */
#define CERT_CHAIN_POLICY_BASE ((LPCSTR)1)
#define CERT_CHAIN_POLICY_AUTHENTICODE ((LPCSTR)2)
#define CERT_CHAIN_POLICY_AUTHENTICODE_TS ((LPCSTR)3)
#define CERT_CHAIN_POLICY_SSL ((LPCSTR)4)
#define CERT_CHAIN_POLICY_BASIC_CONSTRAINTS ((LPCSTR)5)
#define CERT_CHAIN_POLICY_NT_AUTH ((LPCSTR)6)
#define CERT_CHAIN_POLICY_MICROSOFT_ROOT ((LPCSTR)7)
typedef struct _HTTPSPolicyCallbackData {
  union {
    DWORD cbStruct;
    DWORD cbSize;
  };
  DWORD dwAuthType;
  DWORD fdwChecks;
  WCHAR *pwszServerName;
} HTTPSPolicyCallbackData, *PHTTPSPolicyCallbackData, SSL_EXTRA_CERT_CHAIN_POLICY_PARA,
    *PSSL_EXTRA_CERT_CHAIN_POLICY_PARA;
#define szOID_SERVER_GATED_CRYPTO "1.3.6.1.4.1.311.10.3.3"
#define szOID_SGC_NETSCAPE "2.16.840.1.113730.4.1"

/* CryptDecodeObject(Ex) struct types, as (LPCSTR) values. */
#define X509_ALT_NAME ((LPCSTR)12)

/* CERT_ALT_NAME_ENTRY with Windows' nameless union (the generator cannot
 * write one); layout checked against mingw-w64 like every other struct. */
typedef struct _CERT_ALT_NAME_ENTRY {
  DWORD dwAltNameChoice;
  union {
    PCERT_OTHER_NAME pOtherName;
    LPWSTR pwszRfc822Name;
    LPWSTR pwszDNSName;
    CERT_NAME_BLOB DirectoryName;
    LPWSTR pwszURL;
    CRYPT_DATA_BLOB IPAddress;
    LPSTR pszRegisteredID;
  };
} CERT_ALT_NAME_ENTRY, *PCERT_ALT_NAME_ENTRY;

typedef struct _CERT_ALT_NAME_INFO {
  DWORD cAltEntry;
  PCERT_ALT_NAME_ENTRY rgAltEntry;
} CERT_ALT_NAME_INFO, *PCERT_ALT_NAME_INFO;

#define MS_ENHANCED_PROV_W u"Microsoft Enhanced Cryptographic Provider v1.0"
#define MS_KEY_STORAGE_PROVIDER u"Microsoft Software Key Storage Provider"

/* TCHAR-style names. */
#ifdef UNICODE
#define CertGetNameString CertGetNameStringW
#define CertNameToStr CertNameToStrW
#define CryptStringToBinary CryptStringToBinaryW
#else
#define CertGetNameString CertGetNameStringA
#define CertNameToStr CertNameToStrA
#define CryptStringToBinary CryptStringToBinaryA
#endif

#ifdef __cplusplus
}
#endif

#endif /* SSPI_RUSTLS_WINCRYPT_H */
