//! What the GSS-style packages (NTLM, Kerberos; Negotiate later) share at
//! the SSPI edge: finding the buffers of a wrap / MIC call
//! (`MakeSignature`, `VerifySignature`, `EncryptMessage`, `DecryptMessage`)
//! and of the token loop (input token, channel bindings).
//!
//! The layouts real callers use:
//! * `[TOKEN, DATA...]` and `[TOKEN, DATA..., PADDING]`: the signature or
//!   trailer in the TOKEN buffer, the message in the DATA buffers;
//! * `[STREAM, DATA]` for `DecryptMessage`: one blob (signature, then the
//!   message) in STREAM; DATA is pointed at the message inside it.
//!
//! DATA buffers marked `SECBUFFER_READONLY` or
//! `SECBUFFER_READONLY_WITH_CHECKSUM` are signed but not encrypted.

use crate::abi::{
    SECBUFFER_CHANNEL_BINDINGS, SECBUFFER_DATA, SECBUFFER_PADDING, SECBUFFER_READONLY,
    SECBUFFER_READONLY_WITH_CHECKSUM, SECBUFFER_STREAM, SECBUFFER_TOKEN,
};
use crate::buffers::BufferDesc;
use crate::error::{SecError, SecResult};

/// The buffers of a wrap or MIC call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WrapLayout {
    /// A TOKEN buffer for the signature, the DATA buffers in order, and an
    /// optional PADDING buffer (always left empty by stream ciphers).
    Token { token: usize, data: Vec<usize>, padding: Option<usize> },
    /// `DecryptMessage` on one blob: STREAM holds token then message; DATA
    /// receives the message.
    Stream { stream: usize, data: usize },
}

/// Finds the buffers of a wrap or MIC call. With `allow_stream`, a STREAM
/// buffer is looked for first (unwrap only).
pub fn wrap_layout(desc: &BufferDesc<'_>, allow_stream: bool) -> SecResult<WrapLayout> {
    if allow_stream {
        if let Some(stream) = desc.find(SECBUFFER_STREAM) {
            let data = desc.find(SECBUFFER_DATA).ok_or(SecError::invalid_token("STREAM without a DATA buffer"))?;
            return Ok(WrapLayout::Stream { stream, data });
        }
    }
    let token = desc.find(SECBUFFER_TOKEN).ok_or(SecError::invalid_token("no SECBUFFER_TOKEN buffer"))?;
    let data: Vec<usize> = (0..desc.len()).filter(|&i| desc.buffer_type(i) == SECBUFFER_DATA).collect();
    Ok(WrapLayout::Token { token, data, padding: desc.find(SECBUFFER_PADDING) })
}

/// Whether DATA buffer `i` is encrypted (not read-only).
pub fn is_encrypted(desc: &BufferDesc<'_>, i: usize) -> bool {
    desc.raw_type(i) & (SECBUFFER_READONLY | SECBUFFER_READONLY_WITH_CHECKSUM) == 0
}

/// The input token of a token-loop step: the first TOKEN buffer's bytes.
pub fn input_token<'a>(input: Option<&'a BufferDesc<'_>>) -> SecResult<Option<&'a [u8]>> {
    match input.and_then(|d| d.find(SECBUFFER_TOKEN).map(|i| (d, i))) {
        Some((d, i)) => Ok(Some(d.bytes(i)?)),
        None => Ok(None),
    }
}

/// The bytes of a `SECBUFFER_CHANNEL_BINDINGS` input buffer (a whole
/// `SEC_CHANNEL_BINDINGS` block), if the caller passed one.
pub fn channel_bindings<'a>(input: Option<&'a BufferDesc<'_>>) -> SecResult<Option<&'a [u8]>> {
    match input.and_then(|d| d.find(SECBUFFER_CHANNEL_BINDINGS).map(|i| (d, i))) {
        Some((d, i)) => Ok(Some(d.bytes(i)?)),
        None => Ok(None),
    }
}

/// `ISC_REQ_*` / `ASC_REQ_*` bits mapped to the `*_RET_*` bits a package grants.
pub fn map_flags(req: crate::abi::ULONG, map: &[(crate::abi::ULONG, crate::abi::ULONG)]) -> crate::abi::ULONG {
    map.iter().filter(|(r, _)| req & r != 0).fold(0, |acc, (_, ret)| acc | ret)
}

/// Writes a token-loop token into the output descriptor's token slot
/// (allocated with `ISC_REQ_ALLOCATE_MEMORY` / `ASC_REQ_ALLOCATE_MEMORY`).
pub fn write_token(output: Option<&mut BufferDesc<'_>>, token: &[u8], allocate: bool) -> SecResult<()> {
    let out = output.ok_or(SecError::invalid_token("no output descriptor for the token"))?;
    let slot = out.token_slot().ok_or(SecError::invalid_token("no output token buffer"))?;
    if !out.fits(slot, token.len(), allocate) {
        return Err(SecError::new(crate::abi::SEC_E_BUFFER_TOO_SMALL, "output token buffer too small"));
    }
    out.write_token(slot, token, allocate)
}

/// Empties the output token slot (a last leg with nothing to send).
pub fn clear_token(output: Option<&mut BufferDesc<'_>>, allocate: bool) {
    if let Some(out) = output {
        if let Some(slot) = out.token_slot() {
            out.clear_output(slot, allocate);
        }
    }
}

/// The `[TOKEN, DATA..., PADDING]` layout of a call that takes no STREAM buffer.
pub fn token_layout(desc: &BufferDesc<'_>) -> SecResult<(usize, Vec<usize>, Option<usize>)> {
    match wrap_layout(desc, false)? {
        WrapLayout::Token { token, data, padding } => Ok((token, data, padding)),
        WrapLayout::Stream { .. } => Err(SecError::internal("stream layout not asked for")),
    }
}

/// The channel-bindings hash NTLM's MsvAvChannelBindings (MS-NLMP 2.2.2.1)
/// and Kerberos' GSS checksum (RFC 4121 4.1.1.2) carry: MD5 of the
/// gss_channel_bindings_struct the `SEC_CHANNEL_BINDINGS` block describes
/// (each address and the application data as a 32-bit little-endian length
/// followed by the bytes, each address preceded by its type).
pub fn channel_bindings_hash(sec_channel_bindings: &[u8]) -> Option<[u8; 16]> {
    let b = sec_channel_bindings;
    let u32_at = |o: usize| b.get(o..o + 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]));
    let part = |len: u32, off: u32| -> Option<&[u8]> {
        if len == 0 {
            return Some(&[]);
        }
        let start = off as usize;
        b.get(start..start.checked_add(len as usize)?)
    };
    let init_type = u32_at(0)?;
    let init = part(u32_at(4)?, u32_at(8)?)?;
    let acc_type = u32_at(12)?;
    let acc = part(u32_at(16)?, u32_at(20)?)?;
    let app = part(u32_at(24)?, u32_at(28)?)?;
    let mut flat = Vec::with_capacity(20 + init.len() + acc.len() + app.len());
    flat.extend_from_slice(&init_type.to_le_bytes());
    flat.extend_from_slice(&(init.len() as u32).to_le_bytes());
    flat.extend_from_slice(init);
    flat.extend_from_slice(&acc_type.to_le_bytes());
    flat.extend_from_slice(&(acc.len() as u32).to_le_bytes());
    flat.extend_from_slice(acc);
    flat.extend_from_slice(&(app.len() as u32).to_le_bytes());
    flat.extend_from_slice(app);
    Some(crate::crypto::md5(&[&flat]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::md5;

    #[test]
    fn channel_bindings_hash_of_tls_server_end_point() {
        // A SEC_CHANNEL_BINDINGS with only application data at offset 32.
        let app = b"tls-server-end-point:0123456789abcdef0123456789abcdef";
        let mut cb = vec![0u8; 32];
        cb[24..28].copy_from_slice(&(app.len() as u32).to_le_bytes());
        cb[28..32].copy_from_slice(&32u32.to_le_bytes());
        cb.extend_from_slice(app);
        let mut flat = vec![0u8; 16];
        flat.extend_from_slice(&(app.len() as u32).to_le_bytes());
        flat.extend_from_slice(app);
        assert_eq!(channel_bindings_hash(&cb), Some(md5(&[&flat])));
        // Lying offsets are refused.
        cb[28..32].copy_from_slice(&1000u32.to_le_bytes());
        assert_eq!(channel_bindings_hash(&cb), None);
        assert_eq!(channel_bindings_hash(&[0; 10]), None);
    }
}
