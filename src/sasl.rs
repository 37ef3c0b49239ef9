//! The SASL wrappers (`SaslAcceptSecurityContext`, `SaslInitializeSecurityContext`):
//! a context wrapper, not a package. It drives the package's own context
//! through the [`SecurityContext`] trait and adds what the SASL profile
//! needs once authentication is done.
//!
//! * **GSSAPI** (RFC 4752, on the Kerberos package): after the GSS exchange
//!   the server sends a 4-byte block — the security layers it supports (bit
//!   0 none, bit 1 integrity, bit 2 confidentiality) and the largest message
//!   it will receive (24 bits, big-endian) — wrapped without confidentiality;
//!   the client answers with the layer it chose, its own maximum, and an
//!   optional authorization id, wrapped the same way. When the server's last
//!   GSS step produced a token (the AP-REP of mutual authentication), the
//!   server first waits one round trip for the client's empty answer, as
//!   Windows documents ("SASL processing is suspended for one round trip").
//! * **GSS-SPNEGO** (on Negotiate): no security-layer exchange; the
//!   wrapper is the plain token loop, as on Windows and in Cyrus SASL.
//! * **DIGEST-MD5** (on WDigest): the package negotiates its own layer
//!   (qop auth / auth-int / auth-conf in its challenge); the plain loop.
//!
//! The layer chosen is applied afterwards: with integrity only,
//! `EncryptMessage` wraps without encrypting whatever fQOP says; with
//! confidentiality, `DecryptMessage` refuses a message that was not
//! encrypted (`SEC_E_MESSAGE_ALTERED`: a downgrade).

use core::any::Any;
use std::sync::{Arc, Mutex};

use crate::abi::*;
use crate::buffers::{BufferDesc, OwnedBuffers};
use crate::error::{SecError, SecResult};
use crate::gss;
use crate::handles::lock;
use crate::packages::{
    digest, kerberos, negotiate, Attr, Credentials, DecryptResult, SecurityContext, SetAttr, Side, StepIo, StepResult,
};

/// SASL security layers (RFC 4752 section 3.1 / RFC 4422).
pub const LAYER_NONE: u8 = 1;
pub const LAYER_INTEGRITY: u8 = 2;
pub const LAYER_CONFIDENTIALITY: u8 = 4;

/// The largest message we accept by default (the `SASL_OPTION_RECV_SIZE` default).
pub const DEFAULT_RECV_SIZE: u32 = 0x10000;

/// `SASL_AUTHZID_STATE`.
pub const AUTHZ_FORBIDDEN: u32 = 0;
pub const AUTHZ_PROCESSED: u32 = 1;

/// The SASL profiles and the packages behind them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    Gssapi,
    GssSpnego,
    DigestMd5,
}

impl Profile {
    pub const ALL: [Profile; 3] = [Profile::Gssapi, Profile::GssSpnego, Profile::DigestMd5];
    pub fn name(self) -> &'static str {
        match self {
            Profile::Gssapi => "GSSAPI",
            Profile::GssSpnego => "GSS-SPNEGO",
            Profile::DigestMd5 => "DIGEST-MD5",
        }
    }
    pub fn package(self) -> &'static str {
        match self {
            Profile::Gssapi => kerberos::package::NAME,
            Profile::GssSpnego => negotiate::NAME,
            Profile::DigestMd5 => digest::package::NAME,
        }
    }
    pub fn by_name(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.name().eq_ignore_ascii_case(name))
    }
    /// The profile of a credential's package, if it has one.
    pub fn of_credentials(c: &dyn Credentials) -> Option<Profile> {
        let any = c.as_any();
        if any.is::<kerberos::package::KerberosCredentials>() {
            Some(Profile::Gssapi)
        } else if any.is::<negotiate::NegotiateCredentials>() {
            Some(Profile::GssSpnego)
        } else if any.is::<digest::package::DigestCredentials>() {
            Some(Profile::DigestMd5)
        } else {
            None
        }
    }
}

/// The security-layer block: layers (a bit mask, or the one chosen) and a maximum size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cookie {
    pub layers: u8,
    pub max_size: u32,
    /// The client's authorization id (empty: none).
    pub authz: Vec<u8>,
}

impl Cookie {
    pub fn encode(&self) -> Vec<u8> {
        let m = self.max_size.min(0x00FF_FFFF).to_be_bytes();
        [&[self.layers, m[1], m[2], m[3]][..], &self.authz].concat()
    }
    /// Parses a block; `server` blocks carry no authorization id.
    pub fn decode(b: &[u8], server: bool) -> SecResult<Cookie> {
        if b.len() < 4 || (server && b.len() != 4) {
            return Err(SecError::invalid_token("a SASL security-layer block is 4 bytes (and an authzid)"));
        }
        let max_size = u32::from_be_bytes([0, b[1], b[2], b[3]]);
        Ok(Cookie { layers: b[0], max_size, authz: b[4..].to_vec() })
    }
}

/// `SaslSetContextOption` / `SaslGetContextOption` values.
#[derive(Clone, Debug)]
pub struct Options {
    /// `SASL_OPTION_SEND_SIZE`: the largest message the peer accepts (known after the exchange).
    pub send_size: u32,
    /// `SASL_OPTION_RECV_SIZE`: the largest message we accept (sent in our block).
    pub recv_size: u32,
    /// `SASL_OPTION_AUTHZ_STRING`: the client's authorization id to send / the one received.
    pub authz: Vec<u8>,
    /// `SASL_OPTION_AUTHZ_PROCESSING`.
    pub authz_processing: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options { send_size: 0, recv_size: DEFAULT_RECV_SIZE, authz: Vec::new(), authz_processing: AUTHZ_FORBIDDEN }
    }
}

enum Phase {
    /// The package's own token loop.
    Auth,
    /// Server: the last GSS token went out; the client's (empty) answer comes next.
    AwaitEmpty,
    /// Server: our block went out; the client's comes next.
    SentCookie,
    /// Client: the server's block comes next.
    AwaitCookie,
    Done,
    Failed(SecError),
}

struct State {
    phase: Phase,
    /// The caller's `ISC_REQ_*` / `ASC_REQ_*` of the first call.
    req: ULONG,
    attributes: ULONG,
    expiry: Option<u64>,
    /// The layer in force once done (0 before).
    layer: u8,
}

/// A context made by the SASL wrappers.
pub struct SaslContext {
    inner: Arc<dyn SecurityContext>,
    profile: Option<Profile>,
    state: Mutex<State>,
    options: Mutex<Options>,
}

fn invalid(detail: &'static str) -> SecError {
    SecError::new(SEC_E_INVALID_TOKEN, detail)
}

impl SaslContext {
    pub fn new(inner: Arc<dyn SecurityContext>, profile: Option<Profile>) -> SaslContext {
        SaslContext {
            inner,
            profile,
            state: Mutex::new(State { phase: Phase::Auth, req: 0, attributes: 0, expiry: None, layer: 0 }),
            options: Mutex::new(Options::default()),
        }
    }

    pub fn options(&self) -> std::sync::MutexGuard<'_, Options> {
        lock(&self.options)
    }

    /// The security layer negotiated (`LAYER_*`; 0 until the exchange is done).
    pub fn layer(&self) -> u8 {
        lock(&self.state).layer
    }

    /// gss_wrap without confidentiality: EncryptMessage(SECQOP_WRAP_NO_ENCRYPT), token then data.
    fn wrap_block(&self, block: &[u8]) -> SecResult<Vec<u8>> {
        let trailer = match self.inner.query(SECPKG_ATTR_SIZES)? {
            Attr::Sizes(s) => s.cbSecurityTrailer as usize,
            _ => return Err(SecError::internal("SIZES answered another attribute")),
        };
        let mut b = OwnedBuffers::new(vec![
            (SECBUFFER_TOKEN, vec![0; trailer]),
            (SECBUFFER_DATA, block.to_vec()),
            (SECBUFFER_PADDING, vec![0; 16]),
        ]);
        b.with_view(|d| self.inner.encrypt(SECQOP_WRAP_NO_ENCRYPT, d, 0))??;
        Ok([b.bytes(0), b.bytes(1), b.bytes(2)].concat())
    }

    /// gss_unwrap: DecryptMessage on [STREAM, DATA].
    fn unwrap_block(&self, token: &[u8]) -> SecResult<Vec<u8>> {
        let mut b = OwnedBuffers::new(vec![(SECBUFFER_STREAM, token.to_vec()), (SECBUFFER_DATA, Vec::new())]);
        b.with_view(|d| self.inner.decrypt(d, 0))
            .and_then(|r| r)
            .map_err(|_| invalid("the SASL security-layer block does not unwrap"))?;
        Ok(b.bytes(1).to_vec())
    }

    fn result(st: &State, status: SECURITY_STATUS, allocate: bool) -> StepResult {
        let extra = if allocate { ASC_RET_ALLOCATED_MEMORY } else { 0 };
        StepResult { status, attributes: st.attributes | extra, expiry: st.expiry }
    }

    /// The layers the server offers: none, and what the context can protect.
    fn offered(st: &State) -> u8 {
        let mut layers = LAYER_NONE;
        if st.attributes & (ASC_RET_INTEGRITY | ASC_RET_CONFIDENTIALITY) != 0 {
            layers |= LAYER_INTEGRITY;
        }
        if st.attributes & ASC_RET_CONFIDENTIALITY != 0 {
            layers |= LAYER_CONFIDENTIALITY;
        }
        layers
    }

    /// The server's block: what the context can protect, and our maximum.
    fn server_cookie(
        &self,
        st: &mut State,
        output: Option<&mut BufferDesc<'_>>,
        allocate: bool,
    ) -> SecResult<StepResult> {
        let block =
            Cookie { layers: Self::offered(st), max_size: self.options().recv_size, authz: Vec::new() }.encode();
        let wrapped = self.wrap_block(&block)?;
        gss::write_token(output, &wrapped, allocate)?;
        st.phase = Phase::SentCookie;
        Ok(Self::result(st, SEC_I_CONTINUE_NEEDED, allocate))
    }

    fn server_step(&self, st: &mut State, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let allocate = io.flags & ASC_REQ_ALLOCATE_MEMORY != 0;
        match st.phase {
            Phase::Auth => {
                st.req = io.flags;
                let StepIo { flags, target, input, mut output, credential } = io;
                let r = self.inner.step(StepIo { flags, target, input, output: output.as_deref_mut(), credential })?;
                st.attributes = r.attributes & !ASC_RET_ALLOCATED_MEMORY;
                st.expiry = r.expiry;
                if r.status != SEC_E_OK {
                    return Ok(r);
                }
                if self.profile != Some(Profile::Gssapi) {
                    st.phase = Phase::Done;
                    return Ok(r);
                }
                let produced = output.as_ref().is_some_and(|o| o.token_slot().is_some_and(|i| o.buffer_len(i) > 0));
                if produced {
                    st.phase = Phase::AwaitEmpty;
                    return Ok(Self::result(st, SEC_I_CONTINUE_NEEDED, allocate));
                }
                self.server_cookie(st, output, allocate)
            }
            Phase::AwaitEmpty => {
                if gss::input_token(io.input.as_deref())?.is_some_and(|t| !t.is_empty()) {
                    return Err(invalid("the client's answer to the last GSS token must be empty"));
                }
                self.server_cookie(st, io.output, allocate)
            }
            Phase::SentCookie => {
                let token = gss::input_token(io.input.as_deref())?.ok_or(invalid("no SASL block from the client"))?;
                let block = self.unwrap_block(token)?;
                let c = Cookie::decode(&block, false)?;
                if c.layers.count_ones() != 1 || c.layers & Self::offered(st) == 0 {
                    return Err(SecError::new(SEC_E_ALGORITHM_MISMATCH, "the client chose a layer not offered"));
                }
                let mut o = self.options();
                if !c.authz.is_empty() && o.authz_processing == AUTHZ_FORBIDDEN {
                    return Err(SecError::new(
                        SEC_E_ALGORITHM_MISMATCH,
                        "an authorization id was sent; authz processing is forbidden",
                    ));
                }
                o.send_size = c.max_size;
                o.authz = c.authz;
                drop(o);
                st.layer = c.layers;
                st.phase = Phase::Done;
                gss::clear_token(io.output, allocate);
                Ok(Self::result(st, SEC_E_OK, allocate))
            }
            Phase::AwaitCookie => Err(SecError::internal("a client phase on a server context")),
            Phase::Done => Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "the SASL exchange is complete")),
            Phase::Failed(ref e) => Err(e.clone()),
        }
    }

    fn client_step(&self, st: &mut State, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let allocate = io.flags & ISC_REQ_ALLOCATE_MEMORY != 0;
        match st.phase {
            Phase::Auth => {
                if st.req == 0 {
                    st.req = io.flags;
                }
                let r = self.inner.step(io)?;
                st.attributes = r.attributes & !ISC_RET_ALLOCATED_MEMORY;
                st.expiry = r.expiry;
                if r.status != SEC_E_OK {
                    return Ok(r);
                }
                if self.profile != Some(Profile::Gssapi) {
                    st.phase = Phase::Done;
                    return Ok(r);
                }
                // Authenticated; the server's security-layer block comes next. The token the
                // last step made (if any) goes out now, else an empty answer.
                st.phase = Phase::AwaitCookie;
                Ok(StepResult { status: SEC_I_CONTINUE_NEEDED, ..r })
            }
            Phase::AwaitCookie => {
                let token = gss::input_token(io.input.as_deref())?.ok_or(invalid("no SASL block from the server"))?;
                let offer = Cookie::decode(&self.unwrap_block(token)?, true)?;
                let want_conf = st.req & ISC_REQ_CONFIDENTIALITY != 0;
                let want_integ = st.req & ISC_REQ_INTEGRITY != 0;
                let layer = if want_conf && offer.layers & LAYER_CONFIDENTIALITY != 0 {
                    LAYER_CONFIDENTIALITY
                } else if (want_conf || want_integ) && offer.layers & LAYER_INTEGRITY != 0 {
                    LAYER_INTEGRITY
                } else if offer.layers & LAYER_NONE != 0 {
                    LAYER_NONE
                } else if offer.layers & LAYER_INTEGRITY != 0 {
                    LAYER_INTEGRITY
                } else if offer.layers & LAYER_CONFIDENTIALITY != 0 {
                    LAYER_CONFIDENTIALITY
                } else {
                    return Err(SecError::new(SEC_E_ALGORITHM_MISMATCH, "the server offers no security layer"));
                };
                let mut o = self.options();
                o.send_size = offer.max_size;
                let block = Cookie { layers: layer, max_size: o.recv_size, authz: o.authz.clone() }.encode();
                drop(o);
                let wrapped = self.wrap_block(&block)?;
                gss::write_token(io.output, &wrapped, allocate)?;
                st.layer = layer;
                st.phase = Phase::Done;
                Ok(Self::result(st, SEC_E_OK, allocate))
            }
            Phase::AwaitEmpty | Phase::SentCookie => Err(SecError::internal("a server phase on a client context")),
            Phase::Done => Err(SecError::new(SEC_E_OUT_OF_SEQUENCE, "the SASL exchange is complete")),
            Phase::Failed(ref e) => Err(e.clone()),
        }
    }
}

impl SecurityContext for SaslContext {
    fn side(&self) -> Side {
        self.inner.side()
    }

    fn step(&self, io: StepIo<'_, '_>) -> SecResult<StepResult> {
        let mut st = lock(&self.state);
        let in_auth = matches!(st.phase, Phase::Auth);
        let r = match self.side() {
            Side::Server => self.server_step(&mut st, io),
            Side::Client => self.client_step(&mut st, io),
        };
        // The package decides about its own loop; a failed security-layer exchange is final.
        if let Err(e) = &r {
            if !in_auth && !matches!(st.phase, Phase::Done | Phase::Failed(_)) {
                st.phase = Phase::Failed(e.clone());
            }
        }
        r
    }

    fn encrypt(&self, qop: ULONG, message: &mut BufferDesc<'_>, seq: ULONG) -> SecResult<SECURITY_STATUS> {
        let qop = if self.layer() == LAYER_INTEGRITY { SECQOP_WRAP_NO_ENCRYPT } else { qop };
        self.inner.encrypt(qop, message, seq)
    }

    fn decrypt(&self, message: &mut BufferDesc<'_>, seq: ULONG) -> SecResult<DecryptResult> {
        let r = self.inner.decrypt(message, seq)?;
        if self.layer() == LAYER_CONFIDENTIALITY && r.qop & SECQOP_WRAP_NO_ENCRYPT == SECQOP_WRAP_NO_ENCRYPT {
            return Err(SecError::new(SEC_E_MESSAGE_ALTERED, "an unencrypted message under a confidentiality layer"));
        }
        Ok(r)
    }

    fn make_signature(&self, qop: ULONG, message: &mut BufferDesc<'_>, seq: ULONG) -> SecResult<()> {
        self.inner.make_signature(qop, message, seq)
    }

    fn verify_signature(&self, message: &mut BufferDesc<'_>, seq: ULONG) -> SecResult<ULONG> {
        self.inner.verify_signature(message, seq)
    }

    fn query(&self, attribute: ULONG) -> SecResult<Attr> {
        self.inner.query(attribute)
    }

    fn set(&self, attribute: SetAttr) -> SecResult<()> {
        self.inner.set(attribute)
    }

    fn apply_control(&self, token: &[u8]) -> SecResult<()> {
        self.inner.apply_control(token)
    }

    fn reset_after_mech_list_mic(&self, outgoing: bool) {
        self.inner.reset_after_mech_list_mic(outgoing)
    }

    fn on_delete(&self) {
        self.inner.on_delete();
        let mut o = self.options();
        zeroize::Zeroize::zeroize(&mut o.authz);
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_encoding() {
        // RFC 4752 3.1: bit mask, then a 24-bit big-endian size; the client may add an authzid.
        let c =
            Cookie { layers: LAYER_NONE | LAYER_INTEGRITY | LAYER_CONFIDENTIALITY, max_size: 0x010000, authz: vec![] };
        assert_eq!(c.encode(), [0x07, 0x01, 0x00, 0x00]);
        assert_eq!(Cookie::decode(&[0x07, 0x01, 0x00, 0x00], true).unwrap(), c);
        let c = Cookie { layers: LAYER_INTEGRITY, max_size: 0xFF_FFFF, authz: b"u:admin".to_vec() };
        assert_eq!(c.encode(), b"\x02\xff\xff\xffu:admin");
        assert_eq!(Cookie::decode(&c.encode(), false).unwrap(), c);
        // Sizes above 24 bits are clamped; short and (server) long blocks refused.
        assert_eq!(Cookie { layers: 1, max_size: u32::MAX, authz: vec![] }.encode(), [1, 0xff, 0xff, 0xff]);
        for bad in [&[][..], &[1], &[1, 0, 0]] {
            assert_eq!(Cookie::decode(bad, false).unwrap_err().status, SEC_E_INVALID_TOKEN);
        }
        assert!(Cookie::decode(&[1, 0, 0, 0, b'x'], true).is_err(), "a server block has no authzid");
    }

    #[test]
    fn profiles() {
        assert_eq!(Profile::by_name("gssapi"), Some(Profile::Gssapi));
        assert_eq!(Profile::by_name("GSS-SPNEGO").map(Profile::package), Some("Negotiate"));
        assert_eq!(Profile::by_name("digest-md5").map(Profile::package), Some("WDigest"));
        assert_eq!(Profile::by_name("PLAIN"), None, "no profile without a package behind it");
    }
}
