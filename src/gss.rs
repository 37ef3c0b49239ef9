//! What the GSS-style packages (NTLM now; Kerberos and Negotiate later)
//! share at the SSPI edge: finding the buffers of a wrap / MIC call
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
