//! A registry of every ABI struct's size, alignment and fields (offset,
//! width, alignment), read by the layout tests: `tests/abi_mingw.rs` turns it
//! into `_Static_assert`s compiled against mingw-w64's Windows headers and
//! against our own generated header.
//!
//! Every field must be listed: [`layout_of!`] destructures the struct with an
//! exhaustive pattern of the listed fields, so the crate does not compile if
//! one is left out, and [`StructLayout::check_complete`] checks again that the
//! listed fields tile the struct with nothing but alignment padding.

/// One field as Rust lays it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldLayout {
    pub name: &'static str,
    pub offset: usize,
    pub size: usize,
    pub align: usize,
}

/// Where the Windows headers define a struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// In mingw-w64's headers, under the given C type name.
    Mingw(&'static str),
    /// Only in the Windows SDK headers (mingw-w64 lacks it); checked against
    /// our own header and by the compile-time asserts next to the struct.
    SdkOnly,
}

/// One struct as Rust lays it out.
#[derive(Debug, Clone)]
pub struct StructLayout {
    /// The Windows typedef name (also the name in our generated header).
    pub name: &'static str,
    pub origin: Origin,
    pub size: usize,
    pub align: usize,
    /// In declaration order.
    pub fields: Vec<FieldLayout>,
}

impl StructLayout {
    /// Checks that the fields cover the whole struct: sorted by offset, each
    /// starts exactly where the previous one ends rounded up to its own
    /// alignment, the first at 0, and the struct ends at the last field's
    /// end rounded up to the struct's alignment.
    pub fn check_complete(&self) -> Result<(), String> {
        let round = |x: usize, a: usize| x.div_ceil(a) * a;
        let mut fields = self.fields.clone();
        fields.sort_by_key(|f| f.offset);
        let mut end = 0;
        for f in &fields {
            if f.offset != round(end, f.align) {
                return Err(format!(
                    "{}.{} is at offset {} but the previous field ends at {end}: a field is missing from the registry",
                    self.name, f.name, f.offset
                ));
            }
            end = f.offset + f.size;
        }
        if round(end, self.align) != self.size {
            return Err(format!(
                "{} is {} bytes but its registered fields end at {end}: a field is missing from the registry",
                self.name, self.size
            ));
        }
        Ok(())
    }
}

/// Size and alignment of the field a projection closure selects.
#[doc(hidden)]
pub fn field_info<T, F>(_project: fn(&T) -> &F) -> (usize, usize) {
    (core::mem::size_of::<F>(), core::mem::align_of::<F>())
}

/// Records a struct and all its fields:
/// `layout_of!(Name { a, b })`, `layout_of!(Name as "CName" { .. })` when
/// mingw-w64 spells the type differently, `layout_of!(sdk_only Name { .. })`
/// for structs only the Windows SDK defines.
#[macro_export]
macro_rules! layout_of {
    (@origin $origin:expr, $ty:ident { $($field:ident),* $(,)? }) => {{
        // Exhaustive (no `..`): fails to compile when a field is not listed.
        let _all_fields_listed = |v: &$crate::abi::$ty| {
            let $crate::abi::$ty { $($field: _),* } = v;
        };
        $crate::abi::layout::StructLayout {
            name: stringify!($ty),
            origin: $origin,
            size: core::mem::size_of::<$crate::abi::$ty>(),
            align: core::mem::align_of::<$crate::abi::$ty>(),
            fields: vec![$({
                let (size, align) = $crate::abi::layout::field_info(|s: &$crate::abi::$ty| &s.$field);
                $crate::abi::layout::FieldLayout {
                    name: stringify!($field),
                    offset: core::mem::offset_of!($crate::abi::$ty, $field),
                    size,
                    align,
                }
            }),*],
        }
    }};
    (sdk_only $ty:ident { $($field:ident),* $(,)? }) => {
        $crate::layout_of!(@origin $crate::abi::layout::Origin::SdkOnly, $ty { $($field),* })
    };
    ($ty:ident as $cname:literal { $($field:ident),* $(,)? }) => {
        $crate::layout_of!(@origin $crate::abi::layout::Origin::Mingw($cname), $ty { $($field),* })
    };
    ($ty:ident { $($field:ident),* $(,)? }) => {
        $crate::layout_of!(@origin $crate::abi::layout::Origin::Mingw(stringify!($ty)), $ty { $($field),* })
    };
}

/// Every struct of the ABI.
pub fn all() -> Vec<StructLayout> {
    vec![
        // ---- sspi.h (and winnt.h / guiddef.h / ntsecapi.h) ----
        layout_of!(SecHandle { dwLower, dwUpper }),
        layout_of!(SECURITY_INTEGER { LowPart, HighPart }),
        layout_of!(LUID { LowPart, HighPart }),
        layout_of!(GUID { Data1, Data2, Data3, Data4 }),
        layout_of!(SecBuffer { cbBuffer, BufferType, pvBuffer }),
        layout_of!(SecBufferDesc { ulVersion, cBuffers, pBuffers }),
        layout_of!(SecPkgInfoW { fCapabilities, wVersion, wRPCID, cbMaxToken, Name, Comment }),
        layout_of!(SecPkgInfoA { fCapabilities, wVersion, wRPCID, cbMaxToken, Name, Comment }),
        layout_of!(UNICODE_STRING { Length, MaximumLength, Buffer }),
        layout_of!(SEC_WINNT_AUTH_IDENTITY_W {
            User,
            UserLength,
            Domain,
            DomainLength,
            Password,
            PasswordLength,
            Flags
        }),
        layout_of!(SEC_WINNT_AUTH_IDENTITY_A {
            User,
            UserLength,
            Domain,
            DomainLength,
            Password,
            PasswordLength,
            Flags
        }),
        layout_of!(SEC_WINNT_AUTH_IDENTITY_EXW {
            Version,
            Length,
            User,
            UserLength,
            Domain,
            DomainLength,
            Password,
            PasswordLength,
            Flags,
            PackageList,
            PackageListLength,
        }),
        layout_of!(SECURITY_PACKAGE_OPTIONS { Size, Type, Flags, SignatureSize, Signature }),
        layout_of!(LSA_STRING { Length, MaximumLength, Buffer }),
        layout_of!(SID_AND_ATTRIBUTES { Sid, Attributes }),
        layout_of!(TOKEN_GROUPS { GroupCount, Groups }),
        layout_of!(TOKEN_SOURCE { SourceName, SourceIdentifier }),
        layout_of!(QUOTA_LIMITS {
            PagedPoolLimit,
            NonPagedPoolLimit,
            MinimumWorkingSetSize,
            MaximumWorkingSetSize,
            PagefileLimit,
            TimeLimit
        }),
        layout_of!(LSA_LAST_INTER_LOGON_INFO {
            LastSuccessfulLogon,
            LastFailedLogon,
            FailedAttemptCountSinceLastSuccessfulLogon
        }),
        layout_of!(KERB_QUERY_TKT_CACHE_REQUEST { MessageType, LogonId }),
        layout_of!(KERB_TICKET_CACHE_INFO {
            ServerName,
            RealmName,
            StartTime,
            EndTime,
            RenewTime,
            EncryptionType,
            TicketFlags
        }),
        layout_of!(KERB_TICKET_CACHE_INFO_EX {
            ClientName,
            ClientRealm,
            ServerName,
            ServerRealm,
            StartTime,
            EndTime,
            RenewTime,
            EncryptionType,
            TicketFlags
        }),
        layout_of!(KERB_TICKET_CACHE_INFO_EX2 {
            ClientName,
            ClientRealm,
            ServerName,
            ServerRealm,
            StartTime,
            EndTime,
            RenewTime,
            EncryptionType,
            TicketFlags,
            SessionKeyType
        }),
        layout_of!(KERB_QUERY_TKT_CACHE_RESPONSE { MessageType, CountOfTickets, Tickets }),
        layout_of!(KERB_QUERY_TKT_CACHE_EX_RESPONSE { MessageType, CountOfTickets, Tickets }),
        layout_of!(KERB_QUERY_TKT_CACHE_EX2_RESPONSE { MessageType, CountOfTickets, Tickets }),
        layout_of!(SECURITY_LOGON_SESSION_DATA {
            Size,
            LogonId,
            UserName,
            LogonDomain,
            AuthenticationPackage,
            LogonType,
            Session,
            Sid,
            LogonTime,
            LogonServer,
            DnsDomainName,
            Upn,
            UserFlags,
            LastLogonInfo,
            LogonScript,
            ProfilePath,
            HomeDirectory,
            HomeDirectoryDrive,
            LogoffTime,
            KickOffTime,
            PasswordLastSet,
            PasswordCanChange,
            PasswordMustChange
        }),
        layout_of!(SEC_WINNT_AUTH_IDENTITY_EXA {
            Version,
            Length,
            User,
            UserLength,
            Domain,
            DomainLength,
            Password,
            PasswordLength,
            Flags,
            PackageList,
            PackageListLength,
        }),
        layout_of!(SecurityFunctionTableW {
            dwVersion,
            EnumerateSecurityPackagesW,
            QueryCredentialsAttributesW,
            AcquireCredentialsHandleW,
            FreeCredentialsHandle,
            Reserved2,
            InitializeSecurityContextW,
            AcceptSecurityContext,
            CompleteAuthToken,
            DeleteSecurityContext,
            ApplyControlToken,
            QueryContextAttributesW,
            ImpersonateSecurityContext,
            RevertSecurityContext,
            MakeSignature,
            VerifySignature,
            FreeContextBuffer,
            QuerySecurityPackageInfoW,
            Reserved3,
            Reserved4,
            ExportSecurityContext,
            ImportSecurityContextW,
            AddCredentialsW,
            Reserved8,
            QuerySecurityContextToken,
            EncryptMessage,
            DecryptMessage,
            SetContextAttributesW,
            SetCredentialsAttributesW,
            ChangeAccountPasswordW,
            QueryContextAttributesExW,
            QueryCredentialsAttributesExW,
        }),
        layout_of!(SecurityFunctionTableA {
            dwVersion,
            EnumerateSecurityPackagesA,
            QueryCredentialsAttributesA,
            AcquireCredentialsHandleA,
            FreeCredentialsHandle,
            Reserved2,
            InitializeSecurityContextA,
            AcceptSecurityContext,
            CompleteAuthToken,
            DeleteSecurityContext,
            ApplyControlToken,
            QueryContextAttributesA,
            ImpersonateSecurityContext,
            RevertSecurityContext,
            MakeSignature,
            VerifySignature,
            FreeContextBuffer,
            QuerySecurityPackageInfoA,
            Reserved3,
            Reserved4,
            ExportSecurityContext,
            ImportSecurityContextA,
            AddCredentialsA,
            Reserved8,
            QuerySecurityContextToken,
            EncryptMessage,
            DecryptMessage,
            SetContextAttributesA,
            SetCredentialsAttributesA,
            ChangeAccountPasswordA,
            QueryContextAttributesExA,
            QueryCredentialsAttributesExA,
        }),
        // Buffer payloads.
        layout_of!(SEC_CHANNEL_BINDINGS {
            dwInitiatorAddrType,
            cbInitiatorLength,
            dwInitiatorOffset,
            dwAcceptorAddrType,
            cbAcceptorLength,
            dwAcceptorOffset,
            cbApplicationDataLength,
            dwApplicationDataOffset,
        }),
        layout_of!(SEC_APPLICATION_PROTOCOL_LIST { ProtoNegoExt, ProtocolListSize, ProtocolList }),
        layout_of!(SEC_APPLICATION_PROTOCOLS { ProtocolListsSize, ProtocolLists }),
        layout_of!(SEC_SRTP_PROTECTION_PROFILES { ProfilesSize, ProfilesList }),
        layout_of!(SEC_SRTP_MASTER_KEY_IDENTIFIER { MasterKeyIdentifierSize, MasterKeyIdentifier }),
        layout_of!(SEC_TOKEN_BINDING { MajorVersion, MinorVersion, KeyParametersSize, KeyParameters }),
        layout_of!(SEC_PRESHAREDKEY { KeySize, Key }),
        layout_of!(SEC_PRESHAREDKEY_IDENTITY { KeyIdentitySize, KeyIdentity }),
        layout_of!(SEC_DTLS_MTU { PathMTU }),
        layout_of!(SEC_FLAGS { Flags }),
        layout_of!(SEC_TRAFFIC_SECRETS {
            SymmetricAlgId,
            ChainingMode,
            HashAlgId,
            KeySize,
            IvSize,
            MsgSequenceStart,
            MsgSequenceEnd,
            TrafficSecretType,
            TrafficSecretSize,
            TrafficSecret,
        }),
        // Attributes.
        layout_of!(SecPkgCredentials_NamesW { sUserName }),
        layout_of!(SecPkgCredentials_NamesA { sUserName }),
        layout_of!(SecPkgContext_Sizes { cbMaxToken, cbMaxSignature, cbBlockSize, cbSecurityTrailer }),
        layout_of!(SecPkgContext_StreamSizes { cbHeader, cbTrailer, cbMaximumMessage, cBuffers, cbBlockSize }),
        layout_of!(SecPkgContext_NamesW { sUserName }),
        layout_of!(SecPkgContext_NamesA { sUserName }),
        layout_of!(SecPkgContext_Lifespan { tsStart, tsExpiry }),
        layout_of!(SecPkgContext_DceInfo { AuthzSvc, pPac }),
        layout_of!(SecPkgContext_KeyInfoW {
            sSignatureAlgorithmName,
            sEncryptAlgorithmName,
            KeySize,
            SignatureAlgorithm,
            EncryptAlgorithm,
        }),
        layout_of!(SecPkgContext_KeyInfoA {
            sSignatureAlgorithmName,
            sEncryptAlgorithmName,
            KeySize,
            SignatureAlgorithm,
            EncryptAlgorithm,
        }),
        layout_of!(SecPkgContext_AuthorityW { sAuthorityName }),
        layout_of!(SecPkgContext_AuthorityA { sAuthorityName }),
        layout_of!(SecPkgContext_ProtoInfoW { sProtocolName, majorVersion, minorVersion }),
        layout_of!(SecPkgContext_ProtoInfoA { sProtocolName, majorVersion, minorVersion }),
        layout_of!(SecPkgContext_PasswordExpiry { tsPasswordExpires }),
        layout_of!(SecPkgContext_SessionKey { SessionKeyLength, SessionKey }),
        layout_of!(SecPkgContext_ClientCreds { AuthBufferLen, AuthBuffer }),
        layout_of!(CREDSSP_CRED { Type, pSchannelCred, pSpnegoCred }),
        layout_of!(SecPkgContext_PackageInfoW { PackageInfo }),
        layout_of!(SecPkgContext_PackageInfoA { PackageInfo }),
        layout_of!(SecPkgContext_Flags { Flags }),
        layout_of!(SecPkgContext_NegotiationInfoW { PackageInfo, NegotiationState }),
        layout_of!(SecPkgContext_NegotiationInfoA { PackageInfo, NegotiationState }),
        layout_of!(SecPkgContext_NativeNamesW { sClientName, sServerName }),
        layout_of!(SecPkgContext_NativeNamesA { sClientName, sServerName }),
        layout_of!(SecPkgContext_AccessToken { AccessToken }),
        layout_of!(SecPkgContext_TargetInformation { MarshalledTargetInfoLength, MarshalledTargetInfo }),
        layout_of!(SecPkgContext_ClientSpecifiedTarget { sTargetName }),
        layout_of!(SecPkgContext_Bindings { BindingsLength, Bindings }),
        layout_of!(SecPkgContext_ApplicationProtocol { ProtoNegoStatus, ProtoNegoExt, ProtocolIdSize, ProtocolId }),
        layout_of!(SecPkgContext_NegotiatedTlsExtensions { ExtensionsCount, Extensions }),
        // ---- schannel.h ----
        layout_of!(SCHANNEL_CRED {
            dwVersion,
            cCreds,
            paCred,
            hRootStore,
            cMappers,
            aphMappers,
            cSupportedAlgs,
            palgSupportedAlgs,
            grbitEnabledProtocols,
            dwMinimumCipherStrength,
            dwMaximumCipherStrength,
            dwSessionLifespan,
            dwFlags,
            dwCredFormat,
        }),
        layout_of!(CRYPTO_SETTINGS {
            eAlgorithmUsage,
            strCngAlgId,
            cChainingModes,
            rgstrChainingModes,
            dwMinBitLength,
            dwMaxBitLength,
        }),
        layout_of!(TLS_PARAMETERS {
            cAlpnIds,
            rgstrAlpnIds,
            grbitDisabledProtocols,
            cDisabledCrypto,
            pDisabledCrypto,
            dwFlags,
        }),
        layout_of!(SCH_CREDENTIALS {
            dwVersion,
            dwCredFormat,
            cCreds,
            paCred,
            hRootStore,
            cMappers,
            aphMappers,
            dwSessionLifespan,
            dwFlags,
            cTlsParameters,
            pTlsParameters,
        }),
        layout_of!(SCHANNEL_CERT_HASH { dwLength, dwFlags, hProv, ShaHash }),
        layout_of!(SCHANNEL_CERT_HASH_STORE { dwLength, dwFlags, hProv, ShaHash, pwszStoreName }),
        layout_of!(SCHANNEL_ALERT_TOKEN { dwTokenType, dwAlertType, dwAlertNumber }),
        layout_of!(SCHANNEL_SESSION_TOKEN { dwTokenType, dwFlags }),
        layout_of!(SCHANNEL_CLIENT_SIGNATURE { cbLength, aiHash, cbHash, HashValue, CertThumbprint }),
        layout_of!(SEND_GENERIC_TLS_EXTENSION { ExtensionType, HandshakeType, Flags, BufferSize, Buffer }),
        layout_of!(TLS_EXTENSION_SUBSCRIPTION { ExtensionType, HandshakeType }),
        layout_of!(SUBSCRIBE_GENERIC_TLS_EXTENSION { Flags, SubscriptionsCount, Subscriptions }),
        layout_of!(SecPkgCred_SupportedAlgs { cSupportedAlgs, palgSupportedAlgs }),
        layout_of!(SecPkgCred_CipherStrengths { dwMinimumCipherStrength, dwMaximumCipherStrength }),
        layout_of!(SecPkgCred_SupportedProtocols { grbitProtocol }),
        layout_of!(SecPkgCred_ClientCertPolicy {
            dwFlags,
            guidPolicyId,
            dwCertFlags,
            dwUrlRetrievalTimeout,
            fCheckRevocationFreshnessTime,
            dwRevocationFreshnessTime,
            fOmitUsageCheck,
            pwszSslCtlStoreName,
            pwszSslCtlIdentifier,
        }),
        layout_of!(sdk_only SecPkgCred_SessionTicketKey {
            TicketInfoVersion,
            KeyId,
            KeyingMaterial,
            KeyingMaterialSize,
        }),
        layout_of!(sdk_only SecPkgCred_SessionTicketKeys { cSessionTicketKeys, pSessionTicketKeys }),
        layout_of!(SecPkgContext_IssuerListInfo { cbIssuerList, pIssuerList }),
        layout_of!(SecPkgContext_RemoteCredentialInfo {
            cbCertificateChain,
            pbCertificateChain,
            cCertificates,
            fFlags,
            dwBits,
        }),
        layout_of!(SecPkgContext_LocalCredentialInfo {
            cbCertificateChain,
            pbCertificateChain,
            cCertificates,
            fFlags,
            dwBits,
        }),
        layout_of!(SecPkgContext_ClientCertPolicyResult { dwPolicyResult, guidPolicyId }),
        layout_of!(SecPkgContext_IssuerListInfoEx { aIssuers, cIssuers }),
        layout_of!(SecPkgContext_ConnectionInfo {
            dwProtocol,
            aiCipher,
            dwCipherStrength,
            aiHash,
            dwHashStrength,
            aiExch,
            dwExchStrength,
        }),
        layout_of!(SecPkgContext_ConnectionInfoEx {
            dwVersion,
            dwProtocol,
            szCipher,
            dwCipherStrength,
            szHash,
            dwHashStrength,
            szExchange,
            dwExchStrength,
        }),
        layout_of!(SecPkgContext_CipherInfo {
            dwVersion,
            dwProtocol,
            dwCipherSuite,
            dwBaseCipherSuite,
            szCipherSuite,
            szCipher,
            dwCipherLen,
            dwCipherBlockLen,
            szHash,
            dwHashLen,
            szExchange,
            dwMinExchangeLen,
            dwMaxExchangeLen,
            szCertificate,
            dwKeyType,
        }),
        layout_of!(SecPkgContext_EapKeyBlock { rgbKeys, rgbIVs }),
        layout_of!(SecPkgContext_MappedCredAttr { dwAttribute, pvBuffer }),
        layout_of!(SecPkgContext_SessionInfo { dwFlags, cbSessionId, rgbSessionId }),
        layout_of!(SecPkgContext_SessionAppData { dwFlags, cbAppData, pbAppData }),
        layout_of!(SecPkgContext_EapPrfInfo { dwVersion, cbPrfData, pbPrfData }),
        layout_of!(SecPkgContext_SupportedSignatures { cSignatureAndHashAlgorithms, pSignatureAndHashAlgorithms }),
        layout_of!(SecPkgContext_Certificates { cCertificates, cbCertificateChain, pbCertificateChain }),
        layout_of!(SecPkgContext_CertInfo {
            dwVersion,
            cbSubjectName,
            pwszSubjectName,
            cbIssuerName,
            pwszIssuerName,
            dwKeySize,
        }),
        layout_of!(SecPkgContext_UiInfo { hParentWindow }),
        layout_of!(SecPkgContext_EarlyStart { dwEarlyStartFlags }),
        layout_of!(SecPkgContext_KeyingMaterialInfo {
            cbLabel,
            pszLabel,
            cbContextValue,
            pbContextValue,
            cbKeyingMaterial,
        }),
        layout_of!(SecPkgContext_KeyingMaterial { cbKeyingMaterial, pbKeyingMaterial }),
        layout_of!(SecPkgContext_KeyingMaterial_Inproc {
            cbLabel,
            pszLabel,
            cbContextValue,
            pbContextValue,
            cbKeyingMaterial,
            pbKeyingMaterial,
        }),
        layout_of!(SecPkgContext_SrtpParameters { ProtectionProfile, MasterKeyIdentifierSize, MasterKeyIdentifier }),
        layout_of!(SecPkgContext_TokenBinding { MajorVersion, MinorVersion, KeyParametersSize, KeyParameters }),
        layout_of!(sdk_only SecPkgContext_CertificateValidationResult { dwChainErrorStatus, hrVerifyChainStatus }),
        // ---- wincrypt.h ----
        layout_of!(CRYPT_DATA_BLOB { cbData, pbData }),
        layout_of!(FILETIME { dwLowDateTime, dwHighDateTime }),
        layout_of!(CRYPT_ALGORITHM_IDENTIFIER { pszObjId, Parameters }),
        layout_of!(CRYPT_BIT_BLOB { cbData, pbData, cUnusedBits }),
        layout_of!(CERT_PUBLIC_KEY_INFO { Algorithm, PublicKey }),
        layout_of!(CERT_EXTENSION { pszObjId, fCritical, Value }),
        layout_of!(CERT_INFO {
            dwVersion,
            SerialNumber,
            SignatureAlgorithm,
            Issuer,
            NotBefore,
            NotAfter,
            Subject,
            SubjectPublicKeyInfo,
            IssuerUniqueId,
            SubjectUniqueId,
            cExtension,
            rgExtension,
        }),
        layout_of!(CERT_CONTEXT { dwCertEncodingType, pbCertEncoded, cbCertEncoded, pCertInfo, hCertStore }),
        layout_of!(CRYPT_KEY_PROV_PARAM { dwParam, pbData, cbData, dwFlags }),
        layout_of!(CERT_KEY_CONTEXT { cbSize, hCryptProv, dwKeySpec }),
        layout_of!(CRYPT_KEY_PROV_INFO {
            pwszContainerName,
            pwszProvName,
            dwProvType,
            dwFlags,
            cProvParam,
            rgProvParam,
            dwKeySpec,
        }),
        layout_of!(CTL_USAGE { cUsageIdentifier, rgpszUsageIdentifier }),
        layout_of!(CERT_USAGE_MATCH { dwType, Usage }),
        layout_of!(CERT_CHAIN_PARA { cbSize, RequestedUsage }),
        layout_of!(CERT_CHAIN_ENGINE_CONFIG {
            cbSize,
            hRestrictedRoot,
            hRestrictedTrust,
            hRestrictedOther,
            cAdditionalStore,
            rghAdditionalStore,
            dwFlags,
            dwUrlRetrievalTimeout,
            MaximumCachedCertificates,
            CycleDetectionModulus,
            hExclusiveRoot,
            hExclusiveTrustedPeople,
            dwExclusiveFlags,
        }),
        layout_of!(CERT_TRUST_STATUS { dwErrorStatus, dwInfoStatus }),
        layout_of!(CERT_REVOCATION_INFO {
            cbSize,
            dwRevocationResult,
            pszRevocationOid,
            pvOidSpecificInfo,
            fHasFreshnessTime,
            dwFreshnessTime,
            pCrlInfo,
        }),
        layout_of!(CERT_TRUST_LIST_INFO { cbSize, pCtlEntry, pCtlContext }),
        layout_of!(CERT_CHAIN_ELEMENT {
            cbSize,
            pCertContext,
            TrustStatus,
            pRevocationInfo,
            pIssuanceUsage,
            pApplicationUsage,
            pwszExtendedErrorInfo,
        }),
        layout_of!(CERT_SIMPLE_CHAIN {
            cbSize,
            TrustStatus,
            cElement,
            rgpElement,
            pTrustListInfo,
            fHasRevocationFreshnessTime,
            dwRevocationFreshnessTime,
        }),
        layout_of!(CERT_CHAIN_CONTEXT {
            cbSize,
            TrustStatus,
            cChain,
            rgpChain,
            cLowerQualityChainContext,
            rgpLowerQualityChainContext,
            fHasRevocationFreshnessTime,
            dwRevocationFreshnessTime,
            dwCreateFlags,
            ChainId,
        }),
        layout_of!(CERT_OTHER_NAME { pszObjId, Value }),
        alt_name_entry(),
        layout_of!(CERT_ALT_NAME_INFO { cAltEntry, rgAltEntry }),
        layout_of!(CRYPT_DECODE_PARA { cbSize, pfnAlloc, pfnFree }),
        layout_of!(CERT_CHAIN_POLICY_PARA { cbSize, dwFlags, pvExtraPolicyPara }),
        layout_of!(CERT_CHAIN_POLICY_STATUS { cbSize, dwError, lChainIndex, lElementIndex, pvExtraPolicyStatus }),
        layout_of!(SSL_EXTRA_CERT_CHAIN_POLICY_PARA { cbSize, dwAuthType, fdwChecks, pwszServerName }),
    ]
}

/// `CERT_ALT_NAME_ENTRY`, whose union is nameless in C: registered with the
/// union under the name of its widest member (`IPAddress`, a blob), which C
/// reaches as a direct member. (The narrower members share offset 8: see the
/// asserts in `wincrypt.rs`.)
fn alt_name_entry() -> StructLayout {
    use crate::abi::{CERT_ALT_NAME_ENTRY, CERT_ALT_NAME_ENTRY_VALUE};
    let _all_fields_listed = |v: &CERT_ALT_NAME_ENTRY| {
        let CERT_ALT_NAME_ENTRY { dwAltNameChoice: _, Value: _ } = v;
    };
    let (size, align) = field_info(|s: &CERT_ALT_NAME_ENTRY| &s.dwAltNameChoice);
    StructLayout {
        name: "CERT_ALT_NAME_ENTRY",
        origin: Origin::Mingw("CERT_ALT_NAME_ENTRY"),
        size: core::mem::size_of::<CERT_ALT_NAME_ENTRY>(),
        align: core::mem::align_of::<CERT_ALT_NAME_ENTRY>(),
        fields: vec![
            FieldLayout {
                name: "dwAltNameChoice",
                offset: core::mem::offset_of!(CERT_ALT_NAME_ENTRY, dwAltNameChoice),
                size,
                align,
            },
            FieldLayout {
                name: "IPAddress",
                offset: core::mem::offset_of!(CERT_ALT_NAME_ENTRY, Value),
                size: core::mem::size_of::<CERT_ALT_NAME_ENTRY_VALUE>(),
                align: core::mem::align_of::<CERT_ALT_NAME_ENTRY_VALUE>(),
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_struct_is_registered_completely() {
        let all = all();
        let mut names: Vec<_> = all.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len(), "a struct is registered twice");
        for s in &all {
            s.check_complete().unwrap();
        }
    }

    #[test]
    fn completeness_check_catches_a_missing_field() {
        let mut s = layout_of!(SecPkgInfoW { fCapabilities, wVersion, wRPCID, cbMaxToken, Name, Comment });
        s.check_complete().unwrap();
        s.fields.retain(|f| f.name != "cbMaxToken");
        assert!(s.check_complete().unwrap_err().contains("Name"));
        let mut s = layout_of!(SecBuffer { cbBuffer, BufferType, pvBuffer });
        s.fields.pop();
        assert!(s.check_complete().is_err(), "a missing last field is caught by the size");
    }
}
