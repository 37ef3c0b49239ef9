//! Windows ABI: `#[repr(C)]` types with Windows widths, constants, and the
//! layout registry the mingw-w64 comparison test reads. No logic lives here.

#![allow(non_camel_case_types, non_snake_case)]

pub mod attrs;
pub mod consts;
pub mod functions;
pub mod layout;
pub mod schannel;
pub mod types;
pub mod wincrypt;

pub use attrs::*;
pub use consts::*;
pub use functions::*;
pub use schannel::*;
pub use types::*;
pub use wincrypt::*;
