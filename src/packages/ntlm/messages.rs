//! The three NTLM messages (MS-NLMP 2.2.1): NEGOTIATE, CHALLENGE and
//! AUTHENTICATE, their AV pairs (2.2.2.1) and the Version field (2.2.2.10).
//!
//! Parsing is strict and total: every length and offset is checked against
//! the message before use, and any inconsistency (truncation, an offset past
//! the end, a length larger than what is there, a missing MsvAvEOL) is
//! `SEC_E_INVALID_TOKEN`, never a panic.

use crate::error::{SecError, SecResult};

pub const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";

// NegotiateFlags (MS-NLMP 2.2.2.5).
pub const NEGOTIATE_UNICODE: u32 = 0x0000_0001;
pub const NEGOTIATE_OEM: u32 = 0x0000_0002;
pub const REQUEST_TARGET: u32 = 0x0000_0004;
pub const NEGOTIATE_SIGN: u32 = 0x0000_0010;
pub const NEGOTIATE_SEAL: u32 = 0x0000_0020;
pub const NEGOTIATE_DATAGRAM: u32 = 0x0000_0040;
pub const NEGOTIATE_LM_KEY: u32 = 0x0000_0080;
pub const NEGOTIATE_NTLM: u32 = 0x0000_0200;
pub const NEGOTIATE_ANONYMOUS: u32 = 0x0000_0800;
pub const NEGOTIATE_OEM_DOMAIN_SUPPLIED: u32 = 0x0000_1000;
pub const NEGOTIATE_OEM_WORKSTATION_SUPPLIED: u32 = 0x0000_2000;
pub const NEGOTIATE_ALWAYS_SIGN: u32 = 0x0000_8000;
pub const TARGET_TYPE_DOMAIN: u32 = 0x0001_0000;
pub const TARGET_TYPE_SERVER: u32 = 0x0002_0000;
pub const NEGOTIATE_EXTENDED_SESSIONSECURITY: u32 = 0x0008_0000;
pub const NEGOTIATE_IDENTIFY: u32 = 0x0010_0000;
pub const REQUEST_NON_NT_SESSION_KEY: u32 = 0x0040_0000;
pub const NEGOTIATE_TARGET_INFO: u32 = 0x0080_0000;
pub const NEGOTIATE_VERSION: u32 = 0x0200_0000;
pub const NEGOTIATE_128: u32 = 0x2000_0000;
pub const NEGOTIATE_KEY_EXCH: u32 = 0x4000_0000;
pub const NEGOTIATE_56: u32 = 0x8000_0000;

// AV pair ids (MS-NLMP 2.2.2.1).
pub const AV_EOL: u16 = 0;
pub const AV_NB_COMPUTER_NAME: u16 = 1;
pub const AV_NB_DOMAIN_NAME: u16 = 2;
pub const AV_DNS_COMPUTER_NAME: u16 = 3;
pub const AV_DNS_DOMAIN_NAME: u16 = 4;
pub const AV_DNS_TREE_NAME: u16 = 5;
pub const AV_FLAGS: u16 = 6;
pub const AV_TIMESTAMP: u16 = 7;
pub const AV_SINGLE_HOST: u16 = 8;
pub const AV_TARGET_NAME: u16 = 9;
pub const AV_CHANNEL_BINDINGS: u16 = 10;

/// MsvAvFlags bit: the AUTHENTICATE message carries a MIC.
pub const AV_FLAG_MIC_PRESENT: u32 = 0x0000_0002;

/// Most AV pairs we accept in one list (a real list has fewer than a dozen).
const MAX_AV_PAIRS: usize = 64;

/// The Version structure (MS-NLMP 2.2.2.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u8,
    pub minor: u8,
    pub build: u16,
    /// NTLMRevisionCurrent: 0x0F (NTLMSSP_REVISION_W2K3).
    pub revision: u8,
}

impl Version {
    /// What we send: Windows 10 / Server 2022's numbers, revision 15.
    pub const OURS: Version = Version { major: 10, minor: 0, build: 20348, revision: 0x0F };

    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.major);
        out.push(self.minor);
        out.extend_from_slice(&self.build.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0, self.revision]);
    }

    fn decode(b: &[u8]) -> Version {
        Version { major: b[0], minor: b[1], build: u16::from_le_bytes([b[2], b[3]]), revision: b[7] }
    }
}

fn bad(detail: &'static str) -> SecError {
    SecError::invalid_token(detail)
}

fn u16_at(m: &[u8], off: usize) -> SecResult<u16> {
    m.get(off..off + 2).map(|b| u16::from_le_bytes([b[0], b[1]])).ok_or(bad("NTLM message truncated"))
}

fn u32_at(m: &[u8], off: usize) -> SecResult<u32> {
    m.get(off..off + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok_or(bad("NTLM message truncated"))
}

/// A payload field (Len, MaxLen, BufferOffset) at `off`, resolved to its bytes.
fn field(m: &[u8], off: usize) -> SecResult<&[u8]> {
    let len = u16_at(m, off)? as usize;
    let offset = u32_at(m, off + 4)? as usize;
    if len == 0 {
        return Ok(&[]);
    }
    let end = offset.checked_add(len).ok_or(bad("NTLM field offset overflows"))?;
    m.get(offset..end).ok_or(bad("NTLM field lies outside the message"))
}

/// Checks signature and message type, and the minimum length.
fn header(m: &[u8], ty: u32, min_len: usize) -> SecResult<()> {
    if m.len() < min_len || &m[..8] != SIGNATURE {
        return Err(bad("not an NTLMSSP message or truncated"));
    }
    if u32_at(m, 8)? != ty {
        return Err(bad("unexpected NTLM message type"));
    }
    Ok(())
}

/// Builds a message from its fixed part and payload fields; `fixed` has the
/// field slots zeroed, `slots` says where each field's (len, maxlen, offset)
/// goes.
fn assemble(mut fixed: Vec<u8>, slots: &[(usize, &[u8])]) -> SecResult<Vec<u8>> {
    let mut payload_off = fixed.len();
    for &(slot, data) in slots {
        // Peer data can make a field too long (a CHALLENGE's huge target
        // info echoed in our response): an invalid token, not our bug.
        let len: u16 = data.len().try_into().map_err(|_| bad("NTLM field longer than 65535 bytes"))?;
        fixed[slot..slot + 2].copy_from_slice(&len.to_le_bytes());
        fixed[slot + 2..slot + 4].copy_from_slice(&len.to_le_bytes());
        fixed[slot + 4..slot + 8].copy_from_slice(&(payload_off as u32).to_le_bytes());
        payload_off += data.len();
    }
    for &(_, data) in slots {
        fixed.extend_from_slice(data);
    }
    Ok(fixed)
}

/// UTF-16LE bytes of `s`.
pub fn utf16(s: &str) -> Vec<u8> {
    // Allocated once at its largest size (a flat_map has no exact size hint and grew the
    // vector step by step, a noticeable share of a handshake's allocations).
    let mut v = Vec::with_capacity(s.len() * 2);
    for u in s.encode_utf16() {
        v.extend_from_slice(&u.to_le_bytes());
    }
    v
}

/// A string field, decoded per the negotiated character set.
pub fn decode_str(b: &[u8], unicode: bool) -> SecResult<String> {
    if unicode {
        if b.len() % 2 != 0 {
            return Err(bad("odd-length UTF-16 string in an NTLM message"));
        }
        let units: Vec<u16> = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        String::from_utf16(&units).map_err(|_| bad("invalid UTF-16 in an NTLM message"))
    } else {
        Ok(match core::str::from_utf8(b) {
            Ok(s) => s.to_owned(),
            Err(_) => b.iter().map(|&c| c as char).collect(),
        })
    }
}

/// A string field, encoded per the negotiated character set.
pub fn encode_str(s: &str, unicode: bool) -> Vec<u8> {
    if unicode {
        utf16(s)
    } else {
        s.as_bytes().to_vec()
    }
}

/// One AV pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AvPair {
    pub id: u16,
    pub value: Vec<u8>,
}

/// An AV pair list (without its MsvAvEOL, which encoding adds).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AvPairs(pub Vec<AvPair>);

impl AvPairs {
    pub fn parse(b: &[u8]) -> SecResult<AvPairs> {
        // A CHALLENGE carries five to seven pairs; an AUTHENTICATE's blob two or three more.
        let mut pairs = Vec::with_capacity(10);
        let mut off = 0;
        loop {
            let id = u16_at(b, off).map_err(|_| bad("AV pair list without MsvAvEOL"))?;
            let len = u16_at(b, off + 2).map_err(|_| bad("AV pair list without MsvAvEOL"))? as usize;
            off += 4;
            if id == AV_EOL {
                return Ok(AvPairs(pairs));
            }
            let value = b.get(off..off + len).ok_or(bad("AV pair longer than its list"))?;
            if pairs.len() == MAX_AV_PAIRS {
                return Err(bad("too many AV pairs"));
            }
            pairs.push(AvPair { id, value: value.to_vec() });
            off += len;
        }
    }

    /// Encodes the list; a value longer than a u16 length is refused.
    pub fn encode(&self) -> SecResult<Vec<u8>> {
        let mut out = Vec::with_capacity(4 + self.0.iter().map(|p| 4 + p.value.len()).sum::<usize>());
        for p in &self.0 {
            if p.value.len() > u16::MAX as usize {
                return Err(bad("AV pair value longer than 65535 bytes"));
            }
            out.extend_from_slice(&p.id.to_le_bytes());
            out.extend_from_slice(&(p.value.len() as u16).to_le_bytes());
            out.extend_from_slice(&p.value);
        }
        out.extend_from_slice(&[0, 0, 0, 0]);
        Ok(out)
    }

    pub fn get(&self, id: u16) -> Option<&[u8]> {
        self.0.iter().find(|p| p.id == id).map(|p| p.value.as_slice())
    }

    /// Sets pair `id` (replacing an existing one).
    pub fn set(&mut self, id: u16, value: Vec<u8>) {
        match self.0.iter_mut().find(|p| p.id == id) {
            Some(p) => p.value = value,
            None => self.0.push(AvPair { id, value }),
        }
    }

    /// MsvAvFlags, 0 when absent.
    pub fn flags(&self) -> u32 {
        self.get(AV_FLAGS).filter(|v| v.len() == 4).map(|v| u32::from_le_bytes([v[0], v[1], v[2], v[3]])).unwrap_or(0)
    }

    /// MsvAvTimestamp (a FILETIME), when present and well formed.
    pub fn timestamp(&self) -> Option<u64> {
        self.get(AV_TIMESTAMP).and_then(|v| <[u8; 8]>::try_from(v).ok()).map(u64::from_le_bytes)
    }
}

/// NEGOTIATE_MESSAGE (2.2.1.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiate {
    pub flags: u32,
    pub domain: Vec<u8>,
    pub workstation: Vec<u8>,
    pub version: Option<Version>,
}

impl Negotiate {
    /// The 40-byte form with the Version field (gss-ntlmssp refuses the
    /// 32-byte one); no domain or workstation is supplied.
    pub fn encode(&self) -> SecResult<Vec<u8>> {
        let mut fixed = Vec::with_capacity(40);
        fixed.extend_from_slice(SIGNATURE);
        fixed.extend_from_slice(&1u32.to_le_bytes());
        fixed.extend_from_slice(&(self.flags | NEGOTIATE_VERSION).to_le_bytes());
        fixed.extend_from_slice(&[0; 16]);
        self.version.unwrap_or(Version::OURS).encode(&mut fixed);
        assemble(fixed, &[(16, &self.domain), (24, &self.workstation)])
    }

    /// Accepts the 40-byte form and the 32-byte one (curl sends it); a
    /// 16-byte message (flags only, old clients) is accepted too.
    pub fn parse(m: &[u8]) -> SecResult<Negotiate> {
        header(m, 1, 16)?;
        let flags = u32_at(m, 12)?;
        let (domain, workstation) = if m.len() >= 32 {
            let d = if flags & NEGOTIATE_OEM_DOMAIN_SUPPLIED != 0 { field(m, 16)? } else { &[] };
            let w = if flags & NEGOTIATE_OEM_WORKSTATION_SUPPLIED != 0 { field(m, 24)? } else { &[] };
            (d.to_vec(), w.to_vec())
        } else {
            (Vec::new(), Vec::new())
        };
        let version = (flags & NEGOTIATE_VERSION != 0 && m.len() >= 40).then(|| Version::decode(&m[32..40]));
        Ok(Negotiate { flags, domain, workstation, version })
    }
}

/// CHALLENGE_MESSAGE (2.2.1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    pub flags: u32,
    /// Encoded per the flags' character set.
    pub target_name: Vec<u8>,
    pub server_challenge: [u8; 8],
    /// The raw AV pair list (kept raw: the client's response echoes it).
    pub target_info: Vec<u8>,
    pub version: Option<Version>,
}

impl Challenge {
    pub fn encode(&self) -> SecResult<Vec<u8>> {
        if self.flags & NEGOTIATE_UNICODE != 0 && self.flags & NEGOTIATE_OEM != 0 {
            return Err(SecError::internal("CHALLENGE with both UNICODE and OEM"));
        }
        let mut fixed = Vec::with_capacity(56);
        fixed.extend_from_slice(SIGNATURE);
        fixed.extend_from_slice(&2u32.to_le_bytes());
        fixed.extend_from_slice(&[0; 8]);
        fixed.extend_from_slice(&self.flags.to_le_bytes());
        fixed.extend_from_slice(&self.server_challenge);
        fixed.extend_from_slice(&[0; 8]);
        fixed.extend_from_slice(&[0; 8]);
        match self.version {
            Some(v) if self.flags & NEGOTIATE_VERSION != 0 => v.encode(&mut fixed),
            _ => fixed.extend_from_slice(&[0; 8]),
        }
        assemble(fixed, &[(12, &self.target_name), (40, &self.target_info)])
    }

    pub fn parse(m: &[u8]) -> SecResult<Challenge> {
        header(m, 2, 32)?;
        let flags = u32_at(m, 20)?;
        let target_name = field(m, 12)?.to_vec();
        let server_challenge: [u8; 8] = m[24..32].try_into().map_err(|_| bad("truncated CHALLENGE"))?;
        let target_info = if flags & NEGOTIATE_TARGET_INFO != 0 { field(m, 40)?.to_vec() } else { Vec::new() };
        if !target_info.is_empty() {
            AvPairs::parse(&target_info)?;
        }
        let version = (flags & NEGOTIATE_VERSION != 0 && m.len() >= 56).then(|| Version::decode(&m[48..56]));
        Ok(Challenge { flags, target_name, server_challenge, target_info, version })
    }
}

/// Where the MIC sits in an AUTHENTICATE message with a Version field.
pub const MIC_OFFSET: usize = 72;

/// AUTHENTICATE_MESSAGE (2.2.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticate {
    pub flags: u32,
    pub lm_response: Vec<u8>,
    pub nt_response: Vec<u8>,
    /// Encoded per the flags' character set.
    pub domain: Vec<u8>,
    pub user: Vec<u8>,
    pub workstation: Vec<u8>,
    pub encrypted_session_key: Vec<u8>,
    pub version: Option<Version>,
    /// The MIC, when the message has room for one (filled in after encoding).
    pub mic: Option<[u8; 16]>,
}

impl Authenticate {
    /// Encodes with the Version field and a MIC slot (zeroed when `mic` is
    /// None, to be filled in by [`set_mic`]).
    pub fn encode(&self) -> SecResult<Vec<u8>> {
        let mut fixed = Vec::with_capacity(88);
        fixed.extend_from_slice(SIGNATURE);
        fixed.extend_from_slice(&3u32.to_le_bytes());
        fixed.extend_from_slice(&[0; 48]);
        fixed.extend_from_slice(&(self.flags | NEGOTIATE_VERSION).to_le_bytes());
        self.version.unwrap_or(Version::OURS).encode(&mut fixed);
        fixed.extend_from_slice(&self.mic.unwrap_or([0; 16]));
        assemble(
            fixed,
            &[
                (12, &self.lm_response),
                (20, &self.nt_response),
                (28, &self.domain),
                (36, &self.user),
                (44, &self.workstation),
                (52, &self.encrypted_session_key),
            ],
        )
    }

    pub fn parse(m: &[u8]) -> SecResult<Authenticate> {
        header(m, 3, 64)?;
        let flags = u32_at(m, 60)?;
        let lm_response = field(m, 12)?.to_vec();
        let nt_response = field(m, 20)?.to_vec();
        let domain = field(m, 28)?.to_vec();
        let user = field(m, 36)?.to_vec();
        let workstation = field(m, 44)?.to_vec();
        let encrypted_session_key = field(m, 52)?.to_vec();
        let version = (flags & NEGOTIATE_VERSION != 0 && m.len() >= 72).then(|| Version::decode(&m[64..72]));
        // The MIC is only there when the payload starts after it; whether it
        // must be checked is said by the response's MsvAvFlags.
        let first_payload = [12usize, 20, 28, 36, 44, 52]
            .iter()
            .filter(|&&o| u16_at(m, o).unwrap_or(0) != 0)
            .map(|&o| u32_at(m, o + 4).unwrap_or(0) as usize)
            .min()
            .unwrap_or(m.len());
        let mic = (first_payload >= MIC_OFFSET + 16 && m.len() >= MIC_OFFSET + 16)
            .then(|| m[MIC_OFFSET..MIC_OFFSET + 16].try_into().expect("16 bytes"));
        Ok(Authenticate {
            flags,
            lm_response,
            nt_response,
            domain,
            user,
            workstation,
            encrypted_session_key,
            version,
            mic,
        })
    }
}

/// Writes `mic` into an encoded AUTHENTICATE message.
pub fn set_mic(m: &mut [u8], mic: &[u8; 16]) {
    m[MIC_OFFSET..MIC_OFFSET + 16].copy_from_slice(mic);
}

/// A copy of an encoded AUTHENTICATE message with its MIC zeroed (what the
/// MIC is computed over).
pub fn without_mic(m: &[u8]) -> Vec<u8> {
    let mut v = m.to_vec();
    if v.len() >= MIC_OFFSET + 16 {
        v[MIC_OFFSET..MIC_OFFSET + 16].fill(0);
    }
    v
}

/// The parts of an NTLMv2 response (NTProofStr || NTLMv2_CLIENT_CHALLENGE).
#[derive(Clone, Debug)]
pub struct NtlmV2Response<'a> {
    pub nt_proof: &'a [u8],
    /// The whole client challenge structure ("temp" of MS-NLMP 3.3.2).
    pub blob: &'a [u8],
    pub timestamp: u64,
    pub client_challenge: [u8; 8],
    pub av_pairs: AvPairs,
}

impl<'a> NtlmV2Response<'a> {
    /// Splits an NTChallengeResponse; an NTLMv1 response (24 bytes) or a
    /// malformed one is refused.
    pub fn parse(nt: &'a [u8]) -> SecResult<NtlmV2Response<'a>> {
        // NTProofStr(16) RespType HiRespType Reserved1(2) Reserved2(4) TimeStamp(8) ChallengeFromClient(8) Reserved3(4) AvPairs
        if nt.len() < 16 + 28 + 4 {
            return Err(bad("NT response too short for NTLMv2"));
        }
        let (nt_proof, blob) = nt.split_at(16);
        if blob[0] != 1 || blob[1] != 1 {
            return Err(bad("unknown NTLMv2 response version"));
        }
        let timestamp = u64::from_le_bytes(blob[8..16].try_into().expect("8 bytes"));
        let client_challenge: [u8; 8] = blob[16..24].try_into().expect("8 bytes");
        let av_pairs = AvPairs::parse(&blob[28..])?;
        Ok(NtlmV2Response { nt_proof, blob, timestamp, client_challenge, av_pairs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hex;

    /// MS-NLMP 4.2.4.3: the CHALLENGE_MESSAGE of the NTLMv2 examples.
    const SPEC_CHALLENGE: &str = "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef\
        00000000000000002400240044000000060070170000000f530065007200760065007200\
        02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000";

    #[test]
    fn parses_the_spec_challenge() {
        let c = Challenge::parse(&hex(SPEC_CHALLENGE)).unwrap();
        assert_eq!(c.flags, 0xe28a8233);
        assert_eq!(c.server_challenge.to_vec(), hex("0123456789abcdef"));
        assert_eq!(decode_str(&c.target_name, true).unwrap(), "Server");
        let av = AvPairs::parse(&c.target_info).unwrap();
        assert_eq!(av.get(AV_NB_DOMAIN_NAME).unwrap(), utf16("Domain").as_slice());
        assert_eq!(av.get(AV_NB_COMPUTER_NAME).unwrap(), utf16("Server").as_slice());
        assert_eq!(c.version, Some(Version { major: 6, minor: 0, build: 6000, revision: 15 }));
        // The spec's example sets both UNICODE and OEM, which we never send;
        // without OEM it round-trips byte for byte.
        assert!(c.encode().is_err());
        let c = Challenge { flags: c.flags & !NEGOTIATE_OEM, ..c };
        let mut want = hex(SPEC_CHALLENGE);
        want[20] &= !(NEGOTIATE_OEM as u8);
        assert_eq!(c.encode().unwrap(), want);
    }

    #[test]
    fn negotiate_round_trip_and_short_forms() {
        let n =
            Negotiate { flags: NEGOTIATE_UNICODE | NEGOTIATE_NTLM, domain: vec![], workstation: vec![], version: None };
        let m = n.encode().unwrap();
        assert_eq!(m.len(), 40, "the client always sends the 40-byte form");
        let p = Negotiate::parse(&m).unwrap();
        assert_eq!(p.flags, NEGOTIATE_UNICODE | NEGOTIATE_NTLM | NEGOTIATE_VERSION);
        assert_eq!(p.version, Some(Version::OURS));
        // curl's 32-byte form.
        let curl = &m[..32];
        let mut curl = curl.to_vec();
        curl[12..16].copy_from_slice(&0xa208b207u32.to_le_bytes());
        let p = Negotiate::parse(&curl).unwrap();
        assert_eq!(p.version, None);
        // Domain supplied with an offset past the end.
        curl[16..24].copy_from_slice(&[4, 0, 4, 0, 200, 0, 0, 0]);
        assert_eq!(Negotiate::parse(&curl).unwrap_err().status, crate::abi::SEC_E_INVALID_TOKEN);
    }

    #[test]
    fn authenticate_round_trip_with_mic() {
        let a = Authenticate {
            flags: NEGOTIATE_UNICODE | NEGOTIATE_KEY_EXCH,
            lm_response: vec![0; 24],
            nt_response: vec![7; 60],
            domain: utf16("Domain"),
            user: utf16("User"),
            workstation: utf16("COMPUTER"),
            encrypted_session_key: vec![9; 16],
            version: None,
            mic: None,
        };
        let mut m = a.encode().unwrap();
        set_mic(&mut m, &[0xAB; 16]);
        let p = Authenticate::parse(&m).unwrap();
        assert_eq!(p.mic, Some([0xAB; 16]));
        assert_eq!(p.user, utf16("User"));
        assert_eq!(p.nt_response, vec![7; 60]);
        assert_eq!(without_mic(&m)[MIC_OFFSET..MIC_OFFSET + 16], [0; 16]);
    }

    #[test]
    fn every_truncation_is_invalid_token_never_a_panic() {
        let a = Authenticate {
            flags: NEGOTIATE_UNICODE,
            lm_response: vec![1; 24],
            nt_response: vec![2; 60],
            domain: utf16("D"),
            user: utf16("U"),
            workstation: vec![],
            encrypted_session_key: vec![3; 16],
            version: None,
            mic: None,
        };
        let msgs = [
            (1u32, Negotiate { flags: 1, domain: vec![], workstation: vec![], version: None }.encode().unwrap()),
            (2, hex(SPEC_CHALLENGE)),
            (3, a.encode().unwrap()),
        ];
        for (ty, m) in msgs {
            for cut in 0..m.len() {
                let r = match ty {
                    1 => Negotiate::parse(&m[..cut]).map(|_| ()),
                    2 => Challenge::parse(&m[..cut]).map(|_| ()),
                    _ => Authenticate::parse(&m[..cut]).map(|_| ()),
                };
                // A NEGOTIATE cut after its flags is still a valid (old-style) message.
                if ty == 1 && cut >= 16 {
                    continue;
                }
                assert_eq!(r.unwrap_err().status, crate::abi::SEC_E_INVALID_TOKEN, "type {ty} cut at {cut}");
            }
        }
    }

    #[test]
    fn lying_lengths_and_offsets() {
        let mut m = hex(SPEC_CHALLENGE);
        // TargetInfo length larger than the message.
        m[40] = 0xff;
        assert!(Challenge::parse(&m).is_err());
        let mut m = hex(SPEC_CHALLENGE);
        // TargetInfo offset near u32::MAX.
        m[44..48].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
        assert!(Challenge::parse(&m).is_err());
        // An AV pair longer than its list; a list without EOL.
        assert!(AvPairs::parse(&[1, 0, 10, 0, 1, 2]).is_err());
        assert!(AvPairs::parse(&[1, 0, 2, 0, 1, 2]).is_err());
        assert_eq!(AvPairs::parse(&[1, 0, 2, 0, 1, 2, 0, 0, 0, 0]).unwrap().get(1), Some(&[1u8, 2][..]));
        // Wrong signature / wrong type.
        let mut m = hex(SPEC_CHALLENGE);
        m[0] = b'X';
        assert!(Challenge::parse(&m).is_err());
        assert!(Authenticate::parse(&hex(SPEC_CHALLENGE)).is_err());
        // An NTLMv1 (24-byte) NT response is not an NTLMv2 one.
        assert!(NtlmV2Response::parse(&[0; 24]).is_err());
    }

    #[test]
    fn challenge_refuses_unicode_and_oem_together() {
        let c = Challenge {
            flags: NEGOTIATE_UNICODE | NEGOTIATE_OEM,
            target_name: vec![],
            server_challenge: [0; 8],
            target_info: vec![],
            version: None,
        };
        assert!(c.encode().is_err());
    }
}
