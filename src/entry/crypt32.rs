//! The crypt32 exports SSPI programs need (certificate contexts and stores).
