//! Memory the library hands to callers for `FreeContextBuffer`, and memory
//! that must be wiped when it is released.
//!
//! Every block handed to callers is registered here; `FreeContextBuffer`
//! frees a block only if it is registered, so a pointer we did not allocate,
//! or one freed twice, is refused with an error instead of corrupting the
//! heap. Blocks are zeroed before they are released, since some hold keying
//! material.
//!
//! [`Wiped`] holds values of other crates' types that contain key material
//! and do not wipe themselves (ring's AEAD key schedules): their memory is
//! zeroed when they are dropped.
//!
//! Zeroing uses volatile writes ([`wipe`], word by word): a plain write just
//! before a free is a dead store the optimiser may remove.

use core::mem::MaybeUninit;
use core::ptr::NonNull;
use std::alloc::Layout;
use std::collections::HashMap;
use std::sync::Mutex;

use once_cell::sync::Lazy;

use crate::error::SecError;
use crate::handles::lock;

const ALIGN: usize = 16;
const SHARDS: usize = 16;

static LIVE: Lazy<[Mutex<HashMap<usize, usize>>; SHARDS]> =
    Lazy::new(|| core::array::from_fn(|_| Mutex::new(HashMap::new())));

fn shard(addr: usize) -> &'static Mutex<HashMap<usize, usize>> {
    &LIVE[(addr >> 4) % SHARDS]
}

/// Zeroes `len` bytes at `p` with volatile writes, a machine word at a time
/// for the aligned middle (byte-wise volatile writes, which `zeroize` makes,
/// cost about a cycle a byte: 2 µs for a 4 KiB block).
///
/// # Safety
///
/// `p` must be valid for writes of `len` bytes.
pub unsafe fn wipe_raw(p: *mut u8, len: usize) {
    const W: usize = core::mem::size_of::<u64>();
    let head = p.align_offset(W).min(len);
    let words = (len - head) / W;
    // SAFETY: every address the three loops write is within `p..p + len`,
    // which the caller guarantees writable; the word pointer is aligned by
    // construction.
    unsafe {
        for i in 0..head {
            core::ptr::write_volatile(p.add(i), 0);
        }
        let w = p.add(head).cast::<u64>();
        for i in 0..words {
            core::ptr::write_volatile(w.add(i), 0);
        }
        for i in head + words * W..len {
            core::ptr::write_volatile(p.add(i), 0);
        }
    }
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
}

/// Zeroes `bytes` with volatile writes (see [`wipe_raw`]).
pub fn wipe(bytes: &mut [u8]) {
    // SAFETY: a `&mut [u8]` is valid for writes of its length.
    unsafe { wipe_raw(bytes.as_mut_ptr(), bytes.len()) }
}

/// Allocates `len` zeroed bytes (at least 1) that `FreeContextBuffer` will accept.
pub fn allocate(len: usize) -> Result<*mut u8, SecError> {
    let layout = Layout::from_size_align(len.max(1), ALIGN).map_err(|_| SecError::no_memory("allocation too large"))?;
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { std::alloc::alloc_zeroed(layout) };
    if p.is_null() {
        return Err(SecError::no_memory("out of memory"));
    }
    lock(shard(p as usize)).insert(p as usize, layout.size());
    Ok(p)
}

/// Allocates a copy of `bytes`.
pub fn allocate_copy(bytes: &[u8]) -> Result<*mut u8, SecError> {
    let p = allocate(bytes.len())?;
    // SAFETY: `p` is a fresh allocation of at least `bytes.len()` bytes.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
    Ok(p)
}

/// Allocates room for a `T` followed by `extra` bytes, zeroed.
pub fn allocate_for<T>(extra: usize) -> Result<*mut T, SecError> {
    const { assert!(core::mem::align_of::<T>() <= ALIGN) };
    let len = core::mem::size_of::<T>().checked_add(extra).ok_or(SecError::no_memory("allocation too large"))?;
    Ok(allocate(len)?.cast())
}

/// Frees a block from `allocate`. NULL is accepted and ignored.
// The pointer is only dereferenced after the registry confirmed it is one of
// ours and still live, which is what makes this safe to call with anything.
#[allow(clippy::not_unsafe_ptr_arg_deref)]
pub fn free(p: *mut u8) -> Result<(), SecError> {
    if p.is_null() {
        return Ok(());
    }
    let size = lock(shard(p as usize))
        .remove(&(p as usize))
        .ok_or(SecError::invalid_handle("not a buffer of this library, or freed twice"))?;
    // SAFETY: `p` was registered by `allocate` with this size and is removed
    // from the registry, so it is live, `size` bytes long and freed exactly once.
    unsafe {
        wipe_raw(p, size);
        std::alloc::dealloc(p, Layout::from_size_align_unchecked(size, ALIGN));
    }
    Ok(())
}

/// A heap value whose memory is zeroed when it is dropped (after the value's
/// own destructor ran), for key material held in types that do not wipe
/// themselves.
pub struct Wiped<T> {
    ptr: NonNull<T>,
}

// SAFETY: `Wiped<T>` owns its `T` exactly like `Box<T>` does.
unsafe impl<T: Send> Send for Wiped<T> {}
// SAFETY: as above; `&Wiped<T>` only gives `&T`.
unsafe impl<T: Sync> Sync for Wiped<T> {}

impl<T> Wiped<T> {
    pub fn new(value: T) -> Self {
        Self { ptr: NonNull::from(Box::leak(Box::new(value))) }
    }
}

impl<T> core::ops::Deref for Wiped<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `ptr` comes from a live `Box` owned by `self`.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> core::ops::DerefMut for Wiped<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as above, and `&mut self` makes the access unique.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T> Drop for Wiped<T> {
    fn drop(&mut self) {
        let p = self.ptr.as_ptr();
        // SAFETY: `p` came from `Box::leak` and is owned by `self`: the value
        // is dropped in place once, its storage (now uninitialised bytes) is
        // overwritten, and the allocation is freed as a `Box<MaybeUninit<T>>`,
        // which has the same layout and drops nothing.
        unsafe {
            core::ptr::drop_in_place(p);
            wipe_raw(p.cast::<u8>(), core::mem::size_of::<T>());
            drop(Box::from_raw(p.cast::<MaybeUninit<T>>()));
        }
    }
}

/// Zeroes a live block of ours in place (it stays allocated, and registered); false, touching
/// nothing, for any other pointer. The registry stays locked meanwhile, so a concurrent
/// [`free`] waits.
#[allow(clippy::not_unsafe_ptr_arg_deref)]
pub fn wipe_in_place(p: *mut u8) -> bool {
    let live = lock(shard(p as usize));
    match live.get(&(p as usize)) {
        Some(&size) => {
            // SAFETY: registered by `allocate` with this size and not freed (the lock is held).
            unsafe { wipe_raw(p, size) };
            true
        }
        None => false,
    }
}

/// Whether `p` is a live block of ours.
pub fn is_live(p: *const u8) -> bool {
    lock(shard(p as usize)).contains_key(&(p as usize))
}

/// Number of live blocks (for leak tests).
pub fn live_count() -> usize {
    LIVE.iter().map(|m| lock(m).len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wipe_covers_exactly_the_range_at_any_alignment() {
        for start in 0..9 {
            for len in [0, 1, 7, 8, 9, 15, 16, 17, 40] {
                let mut buf = [0xAAu8; 64];
                wipe(&mut buf[start..start + len]);
                assert!(buf[..start].iter().all(|&b| b == 0xAA), "before {start}+{len}");
                assert!(buf[start..start + len].iter().all(|&b| b == 0), "inside {start}+{len}");
                assert!(buf[start + len..].iter().all(|&b| b == 0xAA), "after {start}+{len}");
            }
        }
    }

    #[test]
    fn wipe_in_place_only_for_live_blocks() {
        let p = allocate_copy(b"secret").unwrap();
        assert!(wipe_in_place(p));
        // SAFETY: `p` is still a live block of six bytes.
        assert_eq!(unsafe { core::slice::from_raw_parts(p, 6) }, [0; 6]);
        assert!(is_live(p), "still allocated");
        let mut other = *b"not ours";
        assert!(!wipe_in_place(other.as_mut_ptr()));
        assert_eq!(&other, b"not ours");
        free(p).unwrap();
        assert!(!wipe_in_place(p), "freed");
    }

    #[test]
    fn alloc_and_free_once() {
        let p = allocate_copy(b"hello").unwrap();
        assert!(is_live(p));
        free(p).unwrap();
        assert!(!is_live(p));
        assert!(free(p).is_err(), "double free is refused");
        let mut local = 0u8;
        assert!(free(&mut local).is_err(), "foreign pointer is refused");
        free(core::ptr::null_mut()).unwrap();
    }

    #[test]
    fn wiped_drops_its_value_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        struct Counted([u8; 40]);
        impl Drop for Counted {
            fn drop(&mut self) {
                assert_eq!(self.0, [7; 40], "the value is intact when its destructor runs");
                DROPS.fetch_add(1, Ordering::SeqCst);
            }
        }
        let mut w = Wiped::new(Counted([7; 40]));
        assert_eq!(w.0[3], 7);
        w.0[3] = 7;
        drop(w);
        assert_eq!(DROPS.load(Ordering::SeqCst), 1);
        drop(Wiped::new(())); // zero-sized
    }

    #[test]
    fn zero_length_blocks_are_distinct() {
        let a = allocate(0).unwrap();
        let b = allocate(0).unwrap();
        assert_ne!(a, b);
        free(a).unwrap();
        free(b).unwrap();
    }
}
