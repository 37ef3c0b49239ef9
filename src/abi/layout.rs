//! A registry of every ABI struct's size and field offsets, read by the
//! mingw-w64 comparison test (`tests/abi_mingw.rs`).

/// One struct as Rust lays it out.
#[derive(Debug, Clone)]
pub struct StructLayout {
    /// The Windows typedef name.
    pub name: &'static str,
    pub size: usize,
    pub align: usize,
    /// (field name, offset)
    pub fields: Vec<(&'static str, usize)>,
}

/// Records a struct and the offsets of the listed fields.
#[macro_export]
macro_rules! layout_of {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        $crate::abi::layout::StructLayout {
            name: stringify!($ty),
            size: core::mem::size_of::<$crate::abi::$ty>(),
            align: core::mem::align_of::<$crate::abi::$ty>(),
            fields: vec![$((stringify!($field), core::mem::offset_of!($crate::abi::$ty, $field))),*],
        }
    };
}

/// Every exported struct.
pub fn all() -> Vec<StructLayout> {
    vec![
        layout_of!(SecHandle { dwLower, dwUpper }),
        layout_of!(SECURITY_INTEGER { LowPart, HighPart }),
        layout_of!(SecBuffer { cbBuffer, BufferType, pvBuffer }),
        layout_of!(SecBufferDesc { ulVersion, cBuffers, pBuffers }),
        layout_of!(SecPkgInfoW { fCapabilities, wVersion, wRPCID, cbMaxToken, Name, Comment }),
        layout_of!(SecPkgInfoA { fCapabilities, wVersion, wRPCID, cbMaxToken, Name, Comment }),
        // --- wincrypt.h (certificates) ---
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
        layout_of!(CRYPT_KEY_PROV_INFO {
            pwszContainerName,
            pwszProvName,
            dwProvType,
            dwFlags,
            cProvParam,
            rgProvParam,
            dwKeySpec,
        }),
    ]
}
