//! Windows ABI: `#[repr(C)]` types with Windows widths, constants, and the
//! layout registry the mingw-w64 comparison test reads. No logic lives here.

#![allow(non_camel_case_types, non_snake_case)]

pub mod attrs;
pub mod consts;
pub mod functions;
pub mod layout;
// The i686 layouts of mingw-w64's headers, asserted at compile time (tests/abi_mingw.rs).
#[cfg(all(windows, target_arch = "x86"))]
#[rustfmt::skip]
mod layout_i686;
pub mod schannel;
pub mod types;
pub mod wincrypt;

pub use attrs::*;
pub use consts::*;
pub use functions::*;
pub use schannel::*;
pub use types::*;
pub use wincrypt::*;
