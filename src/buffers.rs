//! Safe views over `SecBufferDesc` / `SecBuffer`.
//!
//! This is the one place where caller-supplied buffer pointers become Rust
//! slices, under one rule for every pointer + length:
//! * NULL with length 0 is an empty buffer;
//! * NULL with a length > 0 is an error (`SEC_E_INVALID_TOKEN`), and so is a
//!   pointer + length that wraps the address space, except in a `SECBUFFER_EMPTY`
//!   entry, whose pointer and length callers may leave uninitialised: it is then empty;
//! * a descriptor must say `SECBUFFER_VERSION`, hold 1..=`MAX_BUFFERS`
//!   entries, and every entry must carry a known buffer type — which is also
//!   how a `cBuffers` larger than the real array is usually caught: the
//!   memory past the array does not look like buffers;
//! * buffers handed out as `&mut` at the same time never overlap each other
//!   or the `SecBuffer` array;
//! * the two descriptors of one call (`InitializeSecurityContext` /
//!   `AcceptSecurityContext`'s input and output, see [`BufferDesc::from_raw_pair`])
//!   never share `SecBuffer` entries, and no buffer of one lies over the
//!   other's entries: both arrays are rewritten.
//!
//! Regions keep the caller's pointers (not bare addresses), so the views are
//! checkable under Miri's strict provenance.
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
    ptr: *mut u8,
    len: usize,
}

impl Region {
    pub const EMPTY: Region = Region { ptr: core::ptr::null_mut(), len: 0 };

    fn addr(&self) -> usize {
        self.ptr.addr()
    }

    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The sub-span `[offset, offset + len)`, if it lies inside this one.
    pub fn sub(&self, offset: usize, len: usize) -> Option<Region> {
        let end = offset.checked_add(len)?;
        (end <= self.len)
            .then(|| Region { ptr: if self.ptr.is_null() { self.ptr } else { self.ptr.wrapping_add(offset) }, len })
    }
    /// The tail from `offset` on.
    pub fn tail(&self, offset: usize) -> Option<Region> {
        self.sub(offset, self.len.checked_sub(offset)?)
    }
    fn end(&self) -> usize {
        self.addr() + self.len
    }
    fn overlaps(&self, other: &Region) -> bool {
        self.len != 0 && other.len != 0 && self.addr() < other.end() && other.addr() < self.end()
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
        // SAFETY: forwarded contract.
        match unsafe { Self::header(desc) }? {
            // SAFETY: forwarded contract; `header` checked the descriptor.
            Some(d) => Ok(Some(unsafe { Self::from_header(d) }?)),
            None => Ok(None),
        }
    }

    /// Views over the two descriptors of one call (the token loop's input and
    /// output). Their `SecBuffer` arrays must not overlap (checked before any
    /// view of them exists), nor may a buffer of one lie over the other's
    /// array: `SEC_E_INVALID_TOKEN`.
    ///
    /// # Safety
    /// As [`BufferDesc::from_raw`], for each descriptor.
    pub unsafe fn from_raw_pair(
        a: *mut SecBufferDesc,
        b: *mut SecBufferDesc,
    ) -> Result<(Option<Self>, Option<Self>), SecError> {
        let shared = || SecError::invalid_token("the input and output descriptors share SecBuffer entries");
        // SAFETY: forwarded contract.
        let (ha, hb) = unsafe { (Self::header(a)?, Self::header(b)?) };
        if let (Some(x), Some(y)) = (&ha, &hb) {
            if array_of(x).overlaps(&array_of(y)) {
                return Err(shared());
            }
        }
        let view = |h: Option<SecBufferDesc>| match h {
            // SAFETY: forwarded contract; the arrays are disjoint (checked
            // above), so the two `&mut [SecBuffer]` views do not alias.
            Some(d) => unsafe { Self::from_header(d) }.map(Some),
            None => Ok(None),
        };
        let (va, vb) = (view(ha)?, view(hb)?);
        if let (Some(x), Some(y)) = (&va, &vb) {
            let crosses = |p: &Self, q: &Self| (0..p.len()).any(|i| p.original(i).overlaps(&q.array));
            if crosses(x, y) || crosses(y, x) {
                return Err(shared());
            }
        }
        Ok((va, vb))
    }

    /// Reads and checks a descriptor header (version, count, array pointer).
    ///
    /// # Safety
    /// `desc` must be NULL or point to a readable `SecBufferDesc`.
    unsafe fn header(desc: *mut SecBufferDesc) -> Result<Option<SecBufferDesc>, SecError> {
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
        if d.pBuffers.is_null() || d.pBuffers.addr() % core::mem::align_of::<SecBuffer>() != 0 {
            return Err(SecError::invalid_token("SecBufferDesc.pBuffers is NULL or misaligned"));
        }
        Ok(Some(d))
    }

    /// Builds the view over a checked header.
    ///
    /// # Safety
    /// As [`BufferDesc::from_raw`]; `d` comes from [`BufferDesc::header`].
    unsafe fn from_header(d: SecBufferDesc) -> Result<Self, SecError> {
        let count = d.cBuffers as usize;
        let array = array_of(&d);
        // SAFETY: per the caller contract pBuffers holds cBuffers entries.
        let bufs = unsafe { core::slice::from_raw_parts_mut(d.pBuffers, count) };
        let mut inline = [Region::EMPTY; INLINE_BUFFERS];
        let mut heap = Vec::new();
        if count > INLINE_BUFFERS {
            heap.reserve_exact(count);
        }
        for (i, b) in bufs.iter().enumerate() {
            if base_type(b.BufferType) > MAX_KNOWN_TYPE {
                return Err(SecError::invalid_token("unknown SecBuffer type (or cBuffers exceeds the array)"));
            }
            let mut r = Region { ptr: b.pvBuffer.cast(), len: b.cbBuffer as usize };
            if r.addr().checked_add(r.len).is_none() {
                // An EMPTY entry is an output slot: callers set only its type and leave the
                // pointer and length as the stack had them (Chromium's DecryptMessage did),
                // and Windows never looks at them. One that cannot be memory is no memory.
                if base_type(b.BufferType) != abi::SECBUFFER_EMPTY {
                    return Err(SecError::invalid_token("SecBuffer wraps the address space"));
                }
                r = Region::EMPTY;
            }
            match inline.get_mut(i) {
                Some(slot) if count <= INLINE_BUFFERS => *slot = r,
                _ => heap.push(r),
            }
        }
        let original =
            if count <= INLINE_BUFFERS { Originals::Inline(inline) } else { Originals::Heap(heap.into_boxed_slice()) };
        Ok(Self { bufs, original, array })
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
    /// Type of buffer `i` with its attribute bits.
    pub fn raw_type(&self, i: usize) -> ULONG {
        self.bufs[i].BufferType
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

    /// The output buffer a token is written to: the first `SECBUFFER_TOKEN`,
    /// else the first `SECBUFFER_EMPTY` (retyped `SECBUFFER_TOKEN` once a
    /// token is written to it, see [`BufferDesc::write_token`]). Windows'
    /// packages and Wine's look for both; curl's Schannel code passes one
    /// EMPTY buffer with `ISC_REQ_ALLOCATE_MEMORY`.
    pub fn token_slot(&self) -> Option<usize> {
        self.find(abi::SECBUFFER_TOKEN).or_else(|| self.find(abi::SECBUFFER_EMPTY))
    }

    /// Writes `data` as the output token of buffer `i` (a [`BufferDesc::token_slot`]),
    /// typing it `SECBUFFER_TOKEN`; nothing changes when it does not fit.
    pub fn write_token(&mut self, i: usize, data: &[u8], allocate: bool) -> Result<(), SecError> {
        self.write_output(i, data, allocate)?;
        if !data.is_empty() && self.buffer_type(i) == abi::SECBUFFER_EMPTY {
            self.bufs[i].BufferType = abi::SECBUFFER_TOKEN;
        }
        Ok(())
    }

    /// Empties output buffer `i` (no token this time): no memory under
    /// `allocate`, else a length of 0; its type is kept.
    pub fn clear_output(&mut self, i: usize, allocate: bool) {
        if allocate {
            self.set_count(i, self.bufs[i].BufferType, 0);
        } else {
            self.set_len(i, 0);
        }
    }

    /// Buffer `i` as it was on entry.
    pub fn original(&self, i: usize) -> Region {
        self.original.get(i)
    }

    fn checked_region(&self, i: usize) -> Result<Region, SecError> {
        let r = self.original.get(i);
        if r.ptr.is_null() && r.len != 0 {
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
        Ok(unsafe { core::slice::from_raw_parts(r.ptr, r.len) })
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
                unsafe { core::slice::from_raw_parts_mut(r.ptr, r.len) }
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
            if r.ptr.is_null() {
                return Ok(None);
            }
            match start {
                None => start = Some(r.ptr),
                Some(_) if r.addr() != end => return Ok(None),
                Some(_) => {}
            }
            end = r.end();
        }
        let Some(start) = start else { return Ok(None) };
        let joined = Region { ptr: start, len: end - start.addr() };
        if joined.overlaps(&self.array) {
            return Err(SecError::invalid_token("SecBuffer overlaps the SecBuffer array"));
        }
        // SAFETY: the span is the union of adjacent, individually valid caller
        // buffers (per `from_raw`), disjoint from the SecBuffer array, and the
        // borrow is tied to `&mut self`. Adjacent buffers of one caller are one
        // object, which the first buffer's pointer may span.
        Ok(Some(unsafe { core::slice::from_raw_parts_mut(start, joined.len) }))
    }

    /// Points buffer `i` at `region` (of some buffer of this view) with type `ty`.
    pub fn set(&mut self, i: usize, ty: ULONG, region: Region) {
        let b = &mut self.bufs[i];
        b.BufferType = ty;
        b.cbBuffer = region.len as ULONG;
        b.pvBuffer = region.ptr.cast::<c_void>();
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
        allocate || (r.len >= len && (len == 0 || !r.ptr.is_null()))
    }
}

/// Buffers in Rust-owned memory, for a package that drives another one
/// through the trait (Negotiate calling Kerberos or NTLM): the inner package
/// sees an ordinary [`BufferDesc`], and what it wrote is read back.
pub struct OwnedBuffers {
    mem: Vec<Vec<u8>>,
    types: Vec<ULONG>,
    /// Where each buffer's bytes are after the call: (memory index, offset, length).
    spans: Vec<(usize, usize, usize)>,
    /// Each buffer's `cbBuffer` after the call (also for a count with no bytes of ours
    /// behind it: `SECBUFFER_EXTRA` / `SECBUFFER_MISSING` counts).
    counts: Vec<usize>,
}

impl OwnedBuffers {
    /// One buffer per `(type, contents)`; an output slot is a zeroed buffer of its capacity.
    pub fn new(bufs: Vec<(ULONG, Vec<u8>)>) -> Self {
        let spans = bufs.iter().enumerate().map(|(i, (_, m))| (i, 0, m.len())).collect();
        let counts = bufs.iter().map(|(_, m)| m.len()).collect();
        let (types, mem) = bufs.into_iter().unzip();
        Self { mem, types, spans, counts }
    }

    /// Runs `f` over a view of the buffers; afterwards each buffer's length and
    /// type are what the callee left (never more than its memory).
    pub fn with_view<R>(&mut self, f: impl FnOnce(&mut BufferDesc<'_>) -> R) -> Result<R, SecError> {
        let mut entries = self.entries();
        let mut d = Self::desc(&mut entries);
        // SAFETY: `d` describes `entries`, each pointing at its own `Vec` in `self.mem`
        // (disjoint, valid for its length); nothing else touches them while the view lives.
        let view = unsafe { BufferDesc::from_raw(&mut d) }?;
        let r = f(&mut view.ok_or(SecError::internal("an owned descriptor is never NULL"))?);
        self.read_back(&entries);
        Ok(r)
    }

    /// The token loop's pair: `input` (if any) and `output` viewed together, as
    /// one `InitializeSecurityContext` / `AcceptSecurityContext` call sees them.
    pub fn with_pair<R>(
        input: Option<&mut OwnedBuffers>,
        output: &mut OwnedBuffers,
        f: impl for<'x> FnOnce(Option<&mut BufferDesc<'x>>, &mut BufferDesc<'x>) -> R,
    ) -> Result<R, SecError> {
        let mut input = input;
        let mut in_entries = input.as_deref_mut().map(OwnedBuffers::entries).unwrap_or_default();
        let mut out_entries = output.entries();
        let mut di = Self::desc(&mut in_entries);
        let mut dout = Self::desc(&mut out_entries);
        let pi: *mut SecBufferDesc = if input.is_some() { &mut di } else { core::ptr::null_mut() };
        // SAFETY: as in `with_view`; the two arrays and their memory are distinct objects.
        let (vi, vo) = unsafe { BufferDesc::from_raw_pair(pi, &mut dout) }?;
        let mut vo = vo.ok_or(SecError::internal("an owned descriptor is never NULL"))?;
        let mut vi = vi;
        let r = f(vi.as_mut(), &mut vo);
        drop((vi, vo));
        if let Some(i) = input {
            i.read_back(&in_entries);
        }
        output.read_back(&out_entries);
        Ok(r)
    }

    fn entries(&mut self) -> Vec<SecBuffer> {
        self.mem
            .iter_mut()
            .zip(&self.types)
            .map(|(m, &t)| SecBuffer { cbBuffer: m.len() as ULONG, BufferType: t, pvBuffer: m.as_mut_ptr().cast() })
            .collect()
    }

    fn desc(entries: &mut [SecBuffer]) -> SecBufferDesc {
        SecBufferDesc {
            ulVersion: abi::SECBUFFER_VERSION,
            cBuffers: entries.len() as ULONG,
            pBuffers: entries.as_mut_ptr(),
        }
    }

    fn read_back(&mut self, entries: &[SecBuffer]) {
        for (i, e) in entries.iter().enumerate() {
            // A callee may shrink a buffer or point it inside one of ours (DecryptMessage's
            // DATA inside the STREAM); anything else (an allocation) is not ours to read.
            let p = e.pvBuffer.cast::<u8>().addr();
            let len = e.cbBuffer as usize;
            self.spans[i] = self
                .mem
                .iter()
                .enumerate()
                .find_map(|(j, m)| {
                    let start = m.as_ptr().addr();
                    (p >= start && p - start + len <= m.len()).then(|| (j, p - start, len))
                })
                .unwrap_or((i, 0, 0));
            self.types[i] = e.BufferType;
            self.counts[i] = len;
        }
    }

    /// Buffer `i`'s `cbBuffer` as the callee left it (an EXTRA count, say).
    pub fn count(&self, i: usize) -> usize {
        self.counts[i]
    }

    /// Buffer `i`'s bytes as the callee left them.
    pub fn bytes(&self, i: usize) -> &[u8] {
        let (j, off, len) = self.spans[i];
        &self.mem[j][off..off + len]
    }

    /// Buffer `i`'s type as the callee left it.
    pub fn buffer_type(&self, i: usize) -> ULONG {
        self.types[i]
    }
}

/// The span of a checked header's `SecBuffer` array.
fn array_of(d: &SecBufferDesc) -> Region {
    Region { ptr: d.pBuffers.cast(), len: d.cBuffers as usize * core::mem::size_of::<SecBuffer>() }
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
        assert_eq!(v.original(9), Region { ptr: p.wrapping_add(18), len: 2 }, "entry state survives rewriting");
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
    fn pair_refuses_shared_entries() {
        let mut data = [0u8; 16];
        let mut arr = [
            buf(abi::SECBUFFER_TOKEN, &mut data),
            SecBuffer { cbBuffer: 0, BufferType: abi::SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
            SecBuffer { cbBuffer: 0, BufferType: abi::SECBUFFER_TOKEN, pvBuffer: core::ptr::null_mut() },
        ];
        let base = arr.as_mut_ptr();
        // The same descriptor twice, and two descriptors over overlapping entries.
        let mut same = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: base };
        let same: *mut SecBufferDesc = &mut same;
        // SAFETY: both descriptors describe live memory.
        let e = unsafe { BufferDesc::from_raw_pair(same, same) }.err().unwrap();
        assert_eq!(e.status, abi::SEC_E_INVALID_TOKEN);
        let mut a = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: base };
        let mut b = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: base.wrapping_add(1) };
        // SAFETY: as above.
        assert!(unsafe { BufferDesc::from_raw_pair(&mut a, &mut b) }.is_err());
        // Apart: entry 2 alone is the output.
        let mut a = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: base };
        let mut b = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: base.wrapping_add(2) };
        // SAFETY: as above.
        let (i, o) = unsafe { BufferDesc::from_raw_pair(&mut a, &mut b) }.unwrap();
        let (mut i, mut o) = (i.unwrap(), o.unwrap());
        i.set_count(1, abi::SECBUFFER_MISSING, 3);
        o.write_output(0, b"abc", true).unwrap();
        let p = o.bufs[0].pvBuffer.cast::<u8>();
        let _ = (i, o);
        assert_eq!((arr[1].BufferType, arr[1].cbBuffer), (abi::SECBUFFER_MISSING, 3));
        assert_eq!(arr[2].cbBuffer, 3);
        alloc::free(p).unwrap();
        // One side NULL is fine.
        let mut a = SecBufferDesc { ulVersion: 0, cBuffers: 2, pBuffers: arr.as_mut_ptr() };
        // SAFETY: as above.
        assert!(unsafe { BufferDesc::from_raw_pair(&mut a, core::ptr::null_mut()) }.unwrap().0.is_some());
    }

    #[test]
    fn pair_refuses_a_buffer_over_the_other_array() {
        let mut out_arr =
            [SecBuffer { cbBuffer: 0, BufferType: abi::SECBUFFER_TOKEN, pvBuffer: core::ptr::null_mut() }];
        // The input token "is" the output array.
        let mut in_arr =
            [SecBuffer { cbBuffer: 16, BufferType: abi::SECBUFFER_TOKEN, pvBuffer: out_arr.as_mut_ptr().cast() }];
        let mut a = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: in_arr.as_mut_ptr() };
        let mut b = SecBufferDesc { ulVersion: 0, cBuffers: 1, pBuffers: out_arr.as_mut_ptr() };
        // SAFETY: both descriptors describe live memory.
        let e = unsafe { BufferDesc::from_raw_pair(&mut a, &mut b) }.err().unwrap();
        assert_eq!(e.status, abi::SEC_E_INVALID_TOKEN);
        // SAFETY: as above, the other way round.
        assert!(unsafe { BufferDesc::from_raw_pair(&mut b, &mut a) }.is_err());
    }

    #[test]
    fn contiguous_record_and_regions_into_it() {
        // header | data | trailer in one block, as EncryptMessage callers do.
        let mut block = [0u8; 5 + 4 + 17];
        let p = block.as_mut_ptr();
        let mut bufs = [
            SecBuffer { cbBuffer: 5, BufferType: abi::SECBUFFER_STREAM_HEADER, pvBuffer: p.cast() },
            SecBuffer { cbBuffer: 4, BufferType: abi::SECBUFFER_DATA, pvBuffer: p.wrapping_add(5).cast() },
            SecBuffer { cbBuffer: 17, BufferType: abi::SECBUFFER_STREAM_TRAILER, pvBuffer: p.wrapping_add(9).cast() },
            SecBuffer { cbBuffer: 0, BufferType: abi::SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
        ];
        let mut d = desc(&mut bufs);
        // SAFETY: d describes live memory.
        let mut v = unsafe { BufferDesc::from_raw(&mut d) }.unwrap().unwrap();
        let span = v.contiguous_mut(&[0, 1, 2]).unwrap().unwrap();
        assert_eq!(span.len(), 26);
        span[25] = 0xEE;
        // Not in order: no single span.
        assert!(v.contiguous_mut(&[1, 0, 2]).unwrap().is_none());
        // A region inside buffer 1 assigned to buffer 3, then written through.
        let r = v.original(1).sub(1, 2).unwrap();
        v.set(3, abi::SECBUFFER_EXTRA, r);
        let [x] = v.split_mut([3]).unwrap();
        assert!(x.is_empty(), "split_mut uses the regions as they were on entry");
        let _ = v;
        assert_eq!(block[25], 0xEE);
        assert_eq!(bufs[3].pvBuffer.cast::<u8>(), p.wrapping_add(6));
        assert_eq!(bufs[3].cbBuffer, 2);
    }

    #[test]
    fn buffer_over_its_own_array_is_refused() {
        let mut bufs = [
            SecBuffer { cbBuffer: 0, BufferType: abi::SECBUFFER_DATA, pvBuffer: core::ptr::null_mut() },
            SecBuffer { cbBuffer: 0, BufferType: abi::SECBUFFER_EMPTY, pvBuffer: core::ptr::null_mut() },
        ];
        bufs[0].pvBuffer = bufs.as_mut_ptr().wrapping_add(1).cast();
        bufs[0].cbBuffer = 16;
        let mut d = desc(&mut bufs);
        // SAFETY: d describes live memory (buffer 0 is entry 1 of the array).
        let mut v = unsafe { BufferDesc::from_raw(&mut d) }.unwrap().unwrap();
        assert_eq!(v.bytes(0).unwrap_err().status, abi::SEC_E_INVALID_TOKEN);
        assert!(v.bytes_mut(0).is_err());
        assert!(v.contiguous_mut(&[0]).is_err());
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
