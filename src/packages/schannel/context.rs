//! The Schannel context behind a `CtxtHandle`.

use std::sync::Arc;

use crate::abi::*;
use crate::buffers::BufferDesc;
use crate::error::{SecError, SecResult};
use crate::packages::{Attr, Credentials, DecryptResult, SecurityContext, SetAttr, Side, StepIo, StepResult};

pub struct SchannelContext {
    side: Side,
    _creds: Arc<dyn Credentials>,
}

impl SchannelContext {
    pub fn new(creds: Arc<dyn Credentials>, side: Side) -> SecResult<Arc<dyn SecurityContext>> {
        Ok(Arc::new(Self { side, _creds: creds }))
    }
}

impl SecurityContext for SchannelContext {
    fn side(&self) -> Side {
        self.side
    }
    fn step(&self, _io: StepIo<'_, '_>) -> SecResult<StepResult> {
        Err(SecError::unsupported("handshake not implemented yet"))
    }
    fn encrypt(&self, _qop: ULONG, _m: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<SECURITY_STATUS> {
        Err(SecError::unsupported("not implemented yet"))
    }
    fn decrypt(&self, _m: &mut BufferDesc<'_>, _seq: ULONG) -> SecResult<DecryptResult> {
        Err(SecError::unsupported("not implemented yet"))
    }
    fn query(&self, _a: ULONG) -> SecResult<Attr> {
        Err(SecError::unsupported("not implemented yet"))
    }
    fn set(&self, _a: SetAttr) -> SecResult<()> {
        Err(SecError::unsupported("not implemented yet"))
    }
    fn apply_control(&self, _t: &[u8]) -> SecResult<()> {
        Err(SecError::unsupported("not implemented yet"))
    }
}
