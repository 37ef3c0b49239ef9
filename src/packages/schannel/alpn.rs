//! `SEC_APPLICATION_PROTOCOLS`, the content of a
//! `SECBUFFER_APPLICATION_PROTOCOLS` buffer, as curl and .NET build it:
//!
//! ```text
//! u32 ProtocolListsSize            bytes of all lists that follow
//! repeated: i32 ProtoNegoExt       1 = NPN, 2 = ALPN
//!           u16 ProtocolListSize   bytes of ProtocolList
//!           u8  ProtocolList[]     u8-length-prefixed protocol ids
//! ```
//! (native byte order, as the struct is laid out in memory).

use crate::abi::*;
use crate::error::{SecError, SecResult};

/// `SecApplicationProtocolNegotiationExt_ALPN`.
pub const EXT_ALPN: i32 = 2;

fn bad(detail: &'static str) -> SecError {
    SecError::invalid_token(detail)
}

/// The ALPN ids in `buf` (NPN lists are skipped).
pub fn parse(buf: &[u8]) -> SecResult<Vec<Vec<u8>>> {
    let total =
        u32::from_ne_bytes(buf.get(..4).ok_or(bad("short SEC_APPLICATION_PROTOCOLS"))?.try_into().unwrap()) as usize;
    let lists = buf.get(4..4 + total).ok_or(bad("ProtocolListsSize exceeds the buffer"))?;
    let mut out = Vec::new();
    let mut rest = lists;
    while !rest.is_empty() {
        let ext = i32::from_ne_bytes(rest.get(..4).ok_or(bad("short protocol list header"))?.try_into().unwrap());
        let size =
            u16::from_ne_bytes(rest.get(4..6).ok_or(bad("short protocol list header"))?.try_into().unwrap()) as usize;
        let mut list = rest.get(6..6 + size).ok_or(bad("ProtocolListSize exceeds ProtocolListsSize"))?;
        rest = &rest[6 + size..];
        if ext != EXT_ALPN {
            continue;
        }
        while let Some((&len, tail)) = list.split_first() {
            let len = len as usize;
            if len == 0 || tail.len() < len {
                return Err(bad("malformed protocol id"));
            }
            out.push(tail[..len].to_vec());
            list = &tail[len..];
        }
    }
    Ok(out)
}

/// Builds a `SEC_APPLICATION_PROTOCOLS` blob (for tests).
#[cfg(test)]
pub fn build(ids: &[&[u8]]) -> Vec<u8> {
    let mut list = Vec::new();
    for id in ids {
        list.push(id.len() as u8);
        list.extend_from_slice(id);
    }
    let mut out = Vec::new();
    out.extend_from_slice(&((list.len() + 6) as u32).to_ne_bytes());
    out.extend_from_slice(&EXT_ALPN.to_ne_bytes());
    out.extend_from_slice(&(list.len() as u16).to_ne_bytes());
    out.extend_from_slice(&list);
    out
}

/// The value of `SecPkgContext_ApplicationProtocol` for a negotiated protocol.
pub fn attribute(negotiated: Option<&[u8]>) -> SecPkgContext_ApplicationProtocol {
    let mut a = SecPkgContext_ApplicationProtocol {
        ProtoNegoStatus: 0,
        ProtoNegoExt: 0,
        ProtocolIdSize: 0,
        ProtocolId: [0; MAX_PROTOCOL_ID_SIZE],
    };
    if let Some(p) = negotiated {
        let n = p.len().min(MAX_PROTOCOL_ID_SIZE);
        // SecApplicationProtocolNegotiationStatus_Success
        a.ProtoNegoStatus = 1;
        a.ProtoNegoExt = EXT_ALPN;
        a.ProtocolIdSize = n as u8;
        a.ProtocolId[..n].copy_from_slice(&p[..n]);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_layout_roundtrip() {
        let blob = build(&[b"h2", b"http/1.1"]);
        // Wine/curl byte layout: u32 size | u32 ext=2 | u16 len | "\x02h2\x08http/1.1"
        assert_eq!(&blob[4..8], &2i32.to_ne_bytes());
        assert_eq!(blob.len(), 10 + 12);
        assert_eq!(parse(&blob).unwrap(), vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
    }

    #[test]
    fn lies_are_rejected() {
        let mut blob = build(&[b"h2"]);
        blob[0] = 200;
        assert!(parse(&blob).is_err());
        let mut blob = build(&[b"h2"]);
        blob[8] = 50;
        assert!(parse(&blob).is_err());
        let mut blob = build(&[b"h2"]);
        blob[10] = 9;
        assert!(parse(&blob).is_err());
        assert!(parse(&[1, 0]).is_err());
    }

    #[test]
    fn npn_lists_are_skipped() {
        let mut blob = build(&[b"h2"]);
        blob[4..8].copy_from_slice(&1i32.to_ne_bytes());
        assert!(parse(&blob).unwrap().is_empty());
    }
}
