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

/// The logged-on user's account name: the effective user's passwd entry (`$USER` when there is
/// none), or Windows' `GetUserNameW`.
pub fn user_name() -> Option<String> {
    #[cfg(unix)]
    {
        passwd_entry().map(|(name, _)| name).or_else(|| std::env::var("USER").ok()).filter(|n| !n.is_empty())
    }
    #[cfg(windows)]
    {
        let mut buf = [0u16; 257];
        let mut len = buf.len() as u32;
        // SAFETY: a local buffer and its length in characters.
        let ok = unsafe { advapi32::GetUserNameW(buf.as_mut_ptr(), &mut len) } != 0;
        // On success the length counts the terminator.
        ok.then(|| String::from_utf16_lossy(&buf[..(len as usize).saturating_sub(1)]))
    }
}

/// The user's full name where the system keeps one (the passwd GECOS field's first part); None
/// on Windows, where it lives in the account database (NetUserGetInfo), not here.
pub fn user_full_name() -> Option<String> {
    #[cfg(unix)]
    {
        passwd_entry().and_then(|(_, gecos)| gecos).filter(|g| !g.is_empty())
    }
    #[cfg(windows)]
    {
        None
    }
}

/// The computer's NetBIOS-style name as Windows' `GetComputerNameW` gives it: on Linux the host
/// name up to its first dot, upper-cased and cut to MAX_COMPUTERNAME_LENGTH (15) characters.
pub fn computer_name() -> Option<String> {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: a local buffer and its length; gethostname NUL-terminates within it or truncates.
        if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) } != 0 {
            return None;
        }
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        let host = String::from_utf8_lossy(&buf[..end]);
        let short: String = host.split('.').next().unwrap_or_default().to_uppercase().chars().take(15).collect();
        (!short.is_empty()).then_some(short)
    }
    #[cfg(windows)]
    {
        let mut buf = [0u16; 32];
        let mut len = buf.len() as u32;
        // SAFETY: a local buffer and its length in characters.
        let ok = unsafe { kernel32::GetComputerNameW(buf.as_mut_ptr(), &mut len) } != 0;
        ok.then(|| String::from_utf16_lossy(&buf[..len as usize]))
    }
}

/// The effective user's passwd name and GECOS full name (its first comma-separated field).
#[cfg(unix)]
fn passwd_entry() -> Option<(String, Option<String>)> {
    let mut pw: libc::passwd = unsafe_zeroed_passwd();
    let mut buf = vec![0 as libc::c_char; 16384];
    let mut out: *mut libc::passwd = core::ptr::null_mut();
    // SAFETY: getpwuid_r writes into `pw` and `buf` (of the length given) and sets `out` to
    // `&mut pw` or NULL.
    let rc = unsafe { libc::getpwuid_r(libc::geteuid(), &mut pw, buf.as_mut_ptr(), buf.len(), &mut out) };
    if rc != 0 || out.is_null() {
        return None;
    }
    let text = |p: *const libc::c_char| {
        // SAFETY: getpwuid_r's strings are NUL-terminated inside `buf`, which is still alive.
        (!p.is_null()).then(|| unsafe { std::ffi::CStr::from_ptr(p) }.to_string_lossy().into_owned())
    };
    let name = text(pw.pw_name)?;
    let full = text(pw.pw_gecos).map(|g| g.split(',').next().unwrap_or_default().to_string());
    Some((name, full))
}

#[cfg(unix)]
fn unsafe_zeroed_passwd() -> libc::passwd {
    // SAFETY: passwd is plain data (integers and pointers); all-zero is a valid value.
    unsafe { core::mem::zeroed() }
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
        pub fn GetComputerNameW(buffer: *mut u16, size: *mut u32) -> i32;
    }
}

#[cfg(windows)]
mod advapi32 {
    #[link(name = "advapi32")]
    extern "system" {
        pub fn GetUserNameW(buffer: *mut u16, size: *mut u32) -> i32;
    }
}
