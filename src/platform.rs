//! What differs between the platforms the library builds for, in one place: the Linux `.so`
//! and the Windows `secur32.dll` (issue 19) share every other source file.

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
