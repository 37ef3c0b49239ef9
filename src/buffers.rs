//! Safe views over `SecBufferDesc` / `SecBuffer`.
//!
//! This is the one place where caller-supplied buffer pointers become Rust
//! slices, under one rule for every pointer + length:
//! * NULL with length 0 is an empty buffer;
//! * NULL with a length > 0 is an error (`SEC_E_INVALID_TOKEN`);
//! * a descriptor must say `SECBUFFER_VERSION`, hold 1..=`MAX_BUFFERS`
//!   entries, and every entry must carry a known buffer type — which is also
//!   how a `cBuffers` larger than the real array is usually caught: the
//!   memory past the array does not look like buffers;
//! * buffers handed out as `&mut` at the same time never overlap each other
//!   or the `SecBuffer` array.
//!
//! Package code sees slices and opaque [`Region`]s, never raw pointers: to make
//! a buffer point into another (DecryptMessage's DATA inside the caller's
//! ciphertext, an EXTRA after the consumed bytes), it asks for a `Region` of
//! the original buffer and assigns it with [`BufferDesc::set`].

use core::ffi::c_void;

use crate::abi::{self, SecBuffer, SecBufferDesc, ULONG};
use crate::alloc;
use crate::error::SecError;

/// Most buffers accepted in one descriptor; Schannel uses at most five.
pub const MAX_BUFFERS: usize = 64;

/// Highest `SECBUFFER_*` type we recognise.
const MAX_KNOWN_TYPE: ULONG = abi::SECBUFFER_CHANNEL_BINDINGS_RESULT;

/// The `SECBUFFER_*` type without attribute bits.
pub fn base_type(t: ULONG) -> ULONG {
    t & !abi::SECBUFFER_ATTRMASK
}

/// A span of caller memory captured when the view was made. Opaque to package
/// code: it can be narrowed and assigned back to a buffer, nothing else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    addr: usize,
    len: usize,
}

impl Region {
    pub const EMPTY: Region = Region { addr: 0, len: 0 };

    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The sub-span `[offset, offset + len)`, if it lies inside this one.
    pub fn sub(&self, offset: usize, len: usize) -> Option<Region> {
        let end = offset.checked_add(len)?;
        (end <= self.len).then(|| Region { addr: if self.addr == 0 { 0 } else { self.addr + offset }, len })
    }
    /// The tail from `offset` on.
    pub fn tail(&self, offset: usize) -> Option<Region> {
        self.sub(offset, self.len.checked_sub(offset)?)
    }
    fn end(&self) -> usize {
        self.addr + self.len
    }
    fn overlaps(&self, other: &Region) -> bool {
        self.len != 0 && other.len != 0 && self.addr < other.end() && other.addr < self.end()
    }
}

/// Buffers whose entry state is kept inline; Schannel callers pass at most
/// five. Longer descriptors (up to [`MAX_BUFFERS`]) spill to the heap.
const INLINE_BUFFERS: usize = 8;

/// Each buffer as it was on entry. Kept small because a `BufferDesc` is built
/// and moved on every call: a 64-entry inline array made every
/// `EncryptMessage`/`DecryptMessage` zero and copy a kilobyte (a fifth of
/// the cost of a 64-byte message).
enum Originals {
    Inline([Region; INLINE_BUFFERS]),
    Heap(Box<[Region]>),
}

impl Originals {
    fn get(&self, i: usize) -> Region {
        match self {
            Originals::Inline(a) => a[i],
            Originals::Heap(v) => v[i],
        }
    }
}

/// A validated, mutable view of a caller's buffer descriptor.
pub struct BufferDesc<'a> {
    bufs: &'a mut [SecBuffer],
    /// Each buffer as it was on entry, so outputs can point into inputs even
    /// after the buffer entries themselves have been rewritten.
    original: Originals,
    /// Entries checked for memory validity on entry (pointer + length rule).
    array: Region,
}

impl<'a> BufferDesc<'a> {
    /// Builds a view over `desc`.
    ///
    /// # Safety
    /// `desc` must be NULL or point to a readable `SecBufferDesc` whose
    /// `pBuffers` points to `cBuffers` writable `SecBuffer`s, each describing
    /// memory valid for `cbBuffer` bytes (or NULL), and nothing else may use
    /// that memory for `'a`. These are the SSPI caller's obligations; what can
    /// be checked (NULLs, version, count, types, lengths, overlaps) is.
    pub unsafe fn from_raw(desc: *mut SecBufferDesc) -> Result<Option<Self>, SecError> {
        if desc.is_null() {
            return Ok(None);
        }
        // SAFETY: non-null and readable per the caller contract; read by
        // value so the descriptor itself is never borrowed.
        let d = unsafe { core::ptr::read(desc) };
        if d.ulVersion != abi::SECBUFFER_VERSION {
            return Err(SecError::invalid_token("SecBufferDesc.ulVersion is not SECBUFFER_VERSION"));
        }
        let count = d.cBuffers as usize;
        if count == 0 || count > MAX_BUFFERS {
            return Err(SecError::invalid_token("SecBufferDesc.cBuffers out of range"));
        }
        if d.pBuffers.is_null() || (d.pBuffers as usize) % core::mem::align_of::<SecBuffer>() != 0 {
            return Err(SecError::invalid_token("SecBufferDesc.pBuffers is NULL or misaligned"));
        }
        // SAFETY: per the caller contract pBuffers holds cBuffers entries.
        let bufs = unsafe { core::slice::from_raw_parts_mut(d.pBuffers, count) };
        let array = Region { addr: d.pBuffers as usize, len: count * core::mem::size_of::<SecBuffer>() };
        let mut inline = [Region::EMPTY; INLINE_BUFFERS];
        let mut heap = Vec::new();
        if count > INLINE_BUFFERS {
            heap.reserve_exact(count);
        }
        for (i, b) in bufs.iter().enumerate() {
            if base_type(b.BufferType) > MAX_KNOWN_TYPE {
                return Err(SecError::invalid_token("unknown SecBuffer type (or cBuffers exceeds the array)"));
            }
            let r = Region { addr: b.pvBuffer as usize, len: b.cbBuffer as usize };
            if r.addr.checked_add(r.len).is_none() {
                return Err(SecError::invalid_token("SecBuffer wraps the address space"));
            }
            match inline.get_mut(i) {
                Some(slot) if count <= INLINE_BUFFERS => *slot = r,
                _ => heap.push(r),
            }
        }
        let original =
            if count <= INLINE_BUFFERS { Originals::Inline(inline) } else { Originals::Heap(heap.into_boxed_slice()) };
        Ok(Some(Self { bufs, original, array }))
    }

    pub fn len(&self) -> usize {
        self.bufs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.bufs.is_empty()
    }

    /// Type of buffer `i` without attribute bits.
    pub fn buffer_type(&self, i: usize) -> ULONG {
        base_type(self.bufs[i].BufferType)
    }
    /// Current `cbBuffer` of buffer `i`.
    pub fn buffer_len(&self, i: usize) -> usize {
        self.bufs[i].cbBuffer as usize
    }
    /// Whether buffer `i` is marked `SECBUFFER_READONLY`.
    pub fn is_readonly(&self, i: usize) -> bool {
        self.bufs[i].BufferType & abi::SECBUFFER_READONLY != 0
    }
    /// Whether buffer `i` currently has no memory.
    pub fn is_null(&self, i: usize) -> bool {
        self.bufs[i].pvBuffer.is_null()
    }

    /// First buffer of type `ty` (attribute bits ignored).
    pub fn find(&self, ty: ULONG) -> Option<usize> {
        (0..self.len()).find(|&i| self.buffer_type(i) == ty)
    }
    /// First buffer of type `ty` after index `after`.
    pub fn find_after(&self, ty: ULONG, after: usize) -> Option<usize> {
        (after + 1..self.len()).find(|&i| self.buffer_type(i) == ty)
    }

    /// Buffer `i` as it was on entry.
    pub fn original(&self, i: usize) -> Region {
        self.original.get(i)
    }

    fn checked_region(&self, i: usize) -> Result<Region, SecError> {
        let r = self.original.get(i);
        if r.addr == 0 && r.len != 0 {
            return Err(SecError::invalid_token("SecBuffer has a length but no memory"));
        }
        if r.overlaps(&self.array) {
            return Err(SecError::invalid_token("SecBuffer overlaps the SecBuffer array"));
        }
        Ok(r)
    }

    /// The bytes of buffer `i` as it was on entry.
    pub fn bytes(&self, i: usize) -> Result<&[u8], SecError> {
        let r = self.checked_region(i)?;
        if r.len == 0 {
            return Ok(&[]);
        }
        // SAFETY: a non-null region of the caller's memory, valid per the
        // `from_raw` contract; shared borrow tied to `&self`.
        Ok(unsafe { core::slice::from_raw_parts(r.addr as *const u8, r.len) })
    }

    /// The bytes of buffer `i` (as on entry), writable.
    pub fn bytes_mut(&mut self, i: usize) -> Result<&mut [u8], SecError> {
        let [s] = self.split_mut([i])?;
        Ok(s)
    }

    /// Several buffers (as on entry), writable at once; they must not overlap.
    pub fn split_mut<const N: usize>(&mut self, idx: [usize; N]) -> Result<[&mut [u8]; N], SecError> {
        let mut regions = [Region::EMPTY; N];
        for (k, &i) in idx.iter().enumerate() {
            if self.is_readonly(i) {
                return Err(SecError::invalid_token("SecBuffer is read-only"));
            }
            regions[k] = self.checked_region(i)?;
            for j in 0..k {
                if idx[j] == i || regions[j].overlaps(&regions[k]) {
                    return Err(SecError::invalid_token("SecBuffers overlap"));
                }
            }
        }
        Ok(regions.map(|r| {
            if r.len == 0 {
                &mut [][..]
            } else {
                // SAFETY: valid caller memory per `from_raw`; the regions are
                // pairwise disjoint and disjoint from the SecBuffer array, and
                // all borrows are tied to `&mut self`.
                unsafe { core::slice::from_raw_parts_mut(r.addr as *mut u8, r.len) }
            }
        }))
    }

    /// If buffers `idx` follow each other in memory in that order (each
    /// starting where the previous ends), all of them as one writable slice.
    pub fn contiguous_mut(&mut self, idx: &[usize]) -> Result<Option<&mut [u8]>, SecError> {
        let mut start = None;
        let mut end = 0usize;
        for &i in idx {
            if self.is_readonly(i) {
                return Err(SecError::invalid_token("SecBuffer is read-only"));
            }
            let r = self.checked_region(i)?;
            if r.addr == 0 {
                return Ok(None);
            }
            match start {
                None => start = Some(r.addr),
                Some(_) if r.addr != end => return Ok(None),
                Some(_) => {}
            }
            end = r.end();
        }
        let Some(start) = start else { return Ok(None) };
        let joined = Region { addr: start, len: end - start };
        if joined.overlaps(&self.array) {
            return Err(SecError::invalid_token("SecBuffer overlaps the SecBuffer array"));
        }
        // SAFETY: the span is the union of adjacent, individually valid caller
        // buffers (per `from_raw`), disjoint from the SecBuffer array, and the
        // borrow is tied to `&mut self`.
        Ok(Some(unsafe { core::slice::from_raw_parts_mut(start as *mut u8, joined.len) }))
    }

    /// Points buffer `i` at `region` (of some buffer of this view) with type `ty`.
    pub fn set(&mut self, i: usize, ty: ULONG, region: Region) {
        let b = &mut self.bufs[i];
        b.BufferType = ty;
        b.cbBuffer = region.len as ULONG;
        b.pvBuffer = region.addr as *mut c_void;
    }

    /// Sets buffer `i` to type `ty` with no memory and a count (MISSING, EXTRA
    /// in handshake calls, EMPTY).
    pub fn set_count(&mut self, i: usize, ty: ULONG, count: usize) {
        let b = &mut self.bufs[i];
        b.BufferType = ty;
        b.cbBuffer = count.min(ULONG::MAX as usize) as ULONG;
        b.pvBuffer = core::ptr::null_mut();
    }

    /// Changes only the `cbBuffer` of buffer `i` (to at most its original size).
    pub fn set_len(&mut self, i: usize, len: usize) {
        let len = len.min(self.original.get(i).len);
        self.bufs[i].cbBuffer = len as ULONG;
    }

    /// Writes `data` as the output of buffer `i`: into the caller's memory, or,
    /// when `allocate` is set, into a new block for `FreeContextBuffer`.
    /// Nothing is written when the caller's buffer is too small
    /// (`SEC_E_INSUFFICIENT_MEMORY`, as Schannel answers).
    pub fn write_output(&mut self, i: usize, data: &[u8], allocate: bool) -> Result<(), SecError> {
        if allocate {
            if data.is_empty() {
                self.set_count(i, self.bufs[i].BufferType, 0);
                return Ok(());
            }
            let p = alloc::allocate_copy(data)?;
            let b = &mut self.bufs[i];
            b.pvBuffer = p.cast();
            b.cbBuffer = data.len() as ULONG;
            return Ok(());
        }
        let out = self.bytes_mut(i)?;
        if out.len() < data.len() {
            return Err(SecError::no_memory("output buffer too small"));
        }
        out[..data.len()].copy_from_slice(data);
        self.bufs[i].cbBuffer = data.len() as ULONG;
        Ok(())
    }

    /// Whether `write_output` would fit `len` bytes into buffer `i`.
    pub fn fits(&self, i: usize, len: usize, allocate: bool) -> bool {
        let r = self.original.get(i);
        allocate || (r.len >= len && (len == 0 || r.addr != 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desc(bufs: &mut [SecBuffer]) -> SecBufferDesc {
        SecBufferDesc { ulVersion: 0, cBuffers: bufs.len() as u32, pBuffers: bufs.as_mut_ptr() }
    }
    fn buf(ty: u32, data: &mut [u8]) -> SecBuffer {
        SecBuffer { cbBuffer: data.len() as u32, BufferType: ty, pvBuffer: data.as_mut_ptr().cast() }
    }

    #[test]
    fn null_desc_is_none() {
        // SAFETY: NULL is allowed.
        // SAFETY: d describes live memory (or a NULL array, which is refused).
        assert!(unsafe { BufferDesc::from_raw(core::ptr::null_mut()) }.unwrap().is_none());
    }

    #[test]
    fn rejects_bad_descriptors() {
        let mut data = [0u8; 4];
        let mut bufs = [buf(abi::SECBUFFER_DATA, &mut data)];
        let mut d = desc(&mut bufs);
        d.ulVersion = 1;
        // SAFETY: d describes live memory.
        assert_eq!(unsafe { BufferDesc::from_raw(&mut d) }.err().unwrap().status, abi::SEC_E_INVALID_TOKEN);
        let mut d = desc(&mut bufs);
        d.cBuffers = 0;
        // SAFETY: d describes live memory (or a NULL array, which is refused).
        assert!(unsafe { BufferDesc::from_raw(&mut d) }.is_err());
        let mut d = desc(&mut bufs);
        d.pBuffers = core::ptr::null_mut();
        // SAFETY: d describes live memory (or a NULL array, which is refused).
        assert!(unsafe { BufferDesc::from_raw(&mut d) }.is_err());
        let mut bad = [SecBuffer { cbBuffer: 4, BufferType: 0x7777, pvBuffer: core::ptr::null_mut() }];
        let mut d = desc(&mut bad);
        // SAFETY: d describes live memory (or a NULL array, which is refused).
        assert!(unsafe { BufferDesc::from_raw(&mut d) }.is_err());
    }

    #[test]
    fn null_with_length_is_refused_on_use() {
        let mut bufs = [SecBuffer { cbBuffer: 10, BufferType: abi::SECBUFFER_TOKEN, pvBuffer: core::ptr::null_mut() }];
        let mut d = desc(&mut bufs);
        // SAFETY: d describes live memory.
        let v = unsafe { BufferDesc::from_raw(&mut d) }.unwrap().unwrap();
        assert!(v.bytes(0).is_err());
    }

    #[test]
    fn split_and_regions() {
        let mut mem = [1u8, 2, 3, 4, 5, 6, 7, 8];
        let (a, b) = mem.split_at_mut(4);
        let mut bufs = [buf(abi::SECBUFFER_DATA, a), buf(abi::SECBUFFER_EMPTY, b)];
        let mut d = desc(&mut bufs);
        // SAFETY: d describes live memory.
        let mut v = unsafe { BufferDesc::from_raw(&mut d) }.unwrap().unwrap();
        assert!(v.split_mut([0, 0]).is_err(), "same buffer twice");
        let [x, y] = v.split_mut([0, 1]).unwrap();
        x[0] = 9;
        y[0] = 10;
        let r = v.original(0).sub(1, 2).unwrap();
        v.set(1, abi::SECBUFFER_EXTRA, r);
        assert_eq!(v.buffer_type(1), abi::SECBUFFER_EXTRA);
        assert!(v.original(0).sub(3, 2).is_none());
        assert_eq!(bufs[1].cbBuffer, 2);
        assert_eq!(bufs[1].pvBuffer as usize, mem.as_ptr() as usize + 1);
        assert_eq!(mem[0], 9);
        assert_eq!(mem[4], 10);
    }

    #[test]
    fn long_descriptor_keeps_entry_state() {
        let mut mem = [0u8; 20];
        let p = mem.as_mut_ptr();
        let mut bufs: Vec<SecBuffer> = (0..10)
            .map(|i| SecBuffer { cbBuffer: 2, BufferType: abi::SECBUFFER_DATA, pvBuffer: p.wrapping_add(2 * i).cast() })
            .collect();
        let mut d = desc(&mut bufs);
        // SAFETY: d describes live memory.
        let mut v = unsafe { BufferDesc::from_raw(&mut d) }.unwrap().unwrap();
        assert_eq!(v.len(), 10);
        v.set_count(9, abi::SECBUFFER_EMPTY, 0);
        assert_eq!(v.original(9), Region { addr: p as usize + 18, len: 2 }, "entry state survives rewriting");
        let [a, b] = v.split_mut([0, 9]).unwrap();
        a[0] = 1;
        b[1] = 2;
        assert!(v.split_mut([3, 3]).is_err());
        drop(v);
        assert_eq!((mem[0], mem[19]), (1, 2));
    }

    #[test]
    fn overlapping_buffers_refused() {
        let mut mem = [0u8; 8];
        let p = mem.as_mut_ptr();
        let mut bufs = [
            SecBuffer { cbBuffer: 6, BufferType: abi::SECBUFFER_DATA, pvBuffer: p.cast() },
            SecBuffer { cbBuffer: 4, BufferType: abi::SECBUFFER_DATA, pvBuffer: p.wrapping_add(4).cast() },
        ];
        let mut d = desc(&mut bufs);
        // SAFETY: d describes live memory.
        let mut v = unsafe { BufferDesc::from_raw(&mut d) }.unwrap().unwrap();
        assert!(v.split_mut([0, 1]).is_err());
    }

    #[test]
    fn write_output_too_small_writes_nothing() {
        let mut out = [0u8; 2];
        let mut bufs = [buf(abi::SECBUFFER_TOKEN, &mut out)];
        let mut d = desc(&mut bufs);
        // SAFETY: d describes live memory.
        let mut v = unsafe { BufferDesc::from_raw(&mut d) }.unwrap().unwrap();
        assert_eq!(v.write_output(0, b"abc", false).unwrap_err().status, abi::SEC_E_INSUFFICIENT_MEMORY);
        v.write_output(0, b"ab", false).unwrap();
        v.write_output(0, b"xyz", true).unwrap();
        let p = v.bufs[0].pvBuffer as *mut u8;
        assert_eq!(bufs[0].cbBuffer, 3);
        assert!(alloc::is_live(p));
        alloc::free(p).unwrap();
    }
}
