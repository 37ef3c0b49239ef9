//! What differs between the platforms the library builds for, in one place: the Linux `.so`
//! and the Windows `secur32.dll` (issue 19) share every other source file.

pub mod certs;

/// The real and effective user ids, for MIT's `%{uid}` / `%{euid}` expansions (ccache and
/// keytab names). Windows has no such ids: 0, as MIT's Windows build has no `%{uid}` files.
pub fn user_ids() -> (u64, u64) {
    #[cfg(unix)]
    {
        // SAFETY: plain libc getters without arguments.
        unsafe { (u64::from(libc::getuid()), u64::from(libc::geteuid())) }
    }
    #[cfg(not(unix))]
    {
        (0, 0)
    }
}

/// The calling thread's last-error value. On Windows it is kernel32's (`GetLastError` is the
/// system's there, and an application reads our crypt32 errors through it); elsewhere a
/// thread-local of ours, which our exported `GetLastError` reads.
pub fn set_last_error(code: u32) {
    #[cfg(windows)]
    // SAFETY: kernel32's SetLastError takes any value.
    unsafe {
        kernel32::SetLastError(code)
    }
    #[cfg(not(windows))]
    LAST_ERROR.with(|e| e.set(code));
}

/// See [`set_last_error`].
pub fn last_error() -> u32 {
    #[cfg(windows)]
    // SAFETY: kernel32's GetLastError has no preconditions.
    unsafe {
        kernel32::GetLastError()
    }
    #[cfg(not(windows))]
    LAST_ERROR.with(|e| e.get())
}

#[cfg(not(windows))]
thread_local! {
    static LAST_ERROR: core::cell::Cell<u32> = const { core::cell::Cell::new(0) };
}

/// `LocalAlloc`-compatible memory (what `CryptDecodeObjectEx` hands out without `pfnAlloc`):
/// kernel32's on Windows, so that the application's `LocalFree` frees it; C's `calloc` /
/// `malloc` elsewhere, freed by our exported `LocalFree`. NULL when out of memory.
///
/// # Safety
/// Plain allocation; the caller frees the block with [`local_free`] (or `LocalFree`).
pub unsafe fn local_alloc(zeroed: bool, bytes: usize) -> *mut core::ffi::c_void {
    #[cfg(windows)]
    // SAFETY: LMEM_FIXED (0) or LMEM_ZEROINIT (0x40), any size.
    unsafe {
        kernel32::LocalAlloc(if zeroed { 0x40 } else { 0 }, bytes.max(1))
    }
    #[cfg(not(windows))]
    // SAFETY: plain C allocation; a size of 0 still returns a unique pointer.
    unsafe {
        if zeroed {
            libc::calloc(1, bytes.max(1))
        } else {
            libc::malloc(bytes.max(1))
        }
    }
}

/// Frees a [`local_alloc`] block (NULL is ignored).
///
/// # Safety
/// `p` is NULL or a block from [`local_alloc`], not freed before.
pub unsafe fn local_free(p: *mut core::ffi::c_void) {
    #[cfg(windows)]
    // SAFETY: forwarded contract.
    unsafe {
        kernel32::LocalFree(p);
    }
    #[cfg(not(windows))]
    // SAFETY: forwarded contract.
    unsafe {
        libc::free(p)
    }
}

#[cfg(windows)]
mod kernel32 {
    #[link(name = "kernel32")]
    extern "system" {
        pub fn GetLastError() -> u32;
        pub fn SetLastError(code: u32);
        pub fn LocalAlloc(flags: u32, bytes: usize) -> *mut core::ffi::c_void;
        pub fn LocalFree(p: *mut core::ffi::c_void) -> *mut core::ffi::c_void;
    }
}
