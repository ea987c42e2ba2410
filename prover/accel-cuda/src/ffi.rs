//! The FFI boundary to `cuda/zkinfer_cuda.cu`: the only module of the workspace with `unsafe`.
//!
//! Everything here is wrapped in safe functions and owned types:
//! - every device call holds [`DEVICE`], a process-wide lock. sppark's device state (streams,
//!   twiddle tables, the per-GPU thread pool) is one per process, so the lock that serialises
//!   access to it must be too; two engines in one process share it;
//! - a [`ResidentMsm`] owns a device MSM object (its bases in device memory) and frees it on
//!   `Drop`, under the lock;
//! - only `#[repr(C)]` mirrors ([`crate::repack`]) cross the boundary, never arkworks types;
//! - every status is turned into an [`AccelError`]; the C++ side catches every exception.
//!
//! One GPU is used: sppark's device 0 (multi-GPU splitting is future work).

#![allow(unsafe_code)] // FFI: this module is the crate's (and workspace's) one unsafe boundary.

use crate::repack::{RawFr, RawG1Affine, RawG1Jacobian, RawG2Affine, RawG2Jacobian};
use std::ffi::{c_char, c_int, c_void, CStr};
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard, PoisonError};
use zkinfer_accel::AccelError;

/// sppark's `device_props` mirror: what the engine reports about device 0.
#[repr(C)]
struct RawDeviceProps {
    name: [c_char; 256],
    total_mem: usize,
    sm_count: c_int,
    major: c_int,
    minor: c_int,
}

extern "C" {
    fn zkinfer_cuda_ngpus() -> usize;
    fn zkinfer_cuda_driver_version() -> c_int;
    fn zkinfer_cuda_runtime_version() -> c_int;
    fn zkinfer_cuda_device_props(id: c_int, out: *mut RawDeviceProps) -> sppark::Error;
    fn zkinfer_cuda_msm_g1_new(
        out: *mut *mut c_void,
        points: *const RawG1Affine,
        n: usize,
    ) -> sppark::Error;
    fn zkinfer_cuda_msm_g1_free(msm: *mut c_void);
    fn zkinfer_cuda_msm_g1_invoke(
        msm: *mut c_void,
        out: *mut RawG1Jacobian,
        scalars: *const RawFr,
        n: usize,
    ) -> sppark::Error;
    fn zkinfer_cuda_msm_g2_new(
        out: *mut *mut c_void,
        points: *const RawG2Affine,
        n: usize,
    ) -> sppark::Error;
    fn zkinfer_cuda_msm_g2_free(msm: *mut c_void);
    fn zkinfer_cuda_msm_g2_invoke(
        msm: *mut c_void,
        out: *mut RawG2Jacobian,
        scalars: *const RawFr,
        n: usize,
    ) -> sppark::Error;
    fn zkinfer_cuda_ntt(inout: *mut RawFr, lg_n: u32, inverse: bool, coset: bool) -> sppark::Error;
    fn zkinfer_cuda_coset_extend(inout: *mut RawFr, lg_n: u32) -> sppark::Error;
}

/// Serialises every call into the device library (see the module docs for why it is global).
static DEVICE: Mutex<()> = Mutex::new(());

/// Takes the device lock. It guards no Rust data, so a poisoned lock (a panic while it was
/// held) leaves nothing inconsistent on our side and is simply taken over.
fn lock() -> MutexGuard<'static, ()> {
    DEVICE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `Ok` for a zero status, else the device's message prefixed with what was being done.
fn status(op: &str, e: &sppark::Error) -> Result<(), AccelError> {
    if e.code == 0 {
        Ok(())
    } else {
        Err(AccelError::Device(format!(
            "{op}: {} (code {})",
            String::from(e),
            e.code
        )))
    }
}

/// The driver and device counts the engine's start-up check needs.
pub(crate) fn probe() -> crate::probe::Probe {
    let _guard = lock();
    // SAFETY: both functions take no arguments, touch only the CUDA runtime's own state and
    // catch every C++ exception (they return 0 on failure).
    let (driver_version, gpus) = unsafe { (zkinfer_cuda_driver_version(), zkinfer_cuda_ngpus()) };
    crate::probe::Probe {
        driver_version,
        gpus,
    }
}

/// The CUDA runtime version the kernels were built with (`1000·major + 10·minor`).
pub(crate) fn runtime_version() -> i32 {
    // SAFETY: no arguments; reads a constant of the statically linked runtime.
    unsafe { zkinfer_cuda_runtime_version() }
}

/// What the engine reports about the GPU it uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeviceProps {
    /// Product name, e.g. `NVIDIA H200`.
    pub(crate) name: String,
    /// Device memory in bytes.
    pub(crate) total_mem: usize,
    /// Streaming multiprocessors.
    pub(crate) sm_count: i32,
    /// Compute capability, e.g. `(9, 0)`.
    pub(crate) compute: (i32, i32),
}

/// Properties of device 0.
pub(crate) fn device_props() -> Result<DeviceProps, AccelError> {
    let _guard = lock();
    let mut raw = RawDeviceProps {
        name: [0; 256],
        total_mem: 0,
        sm_count: 0,
        major: 0,
        minor: 0,
    };
    // SAFETY: `raw` is a valid, exclusively borrowed `RawDeviceProps` (the C++ struct's
    // layout); the callee writes at most 255 name bytes plus a terminating zero.
    let e = unsafe { zkinfer_cuda_device_props(0, &mut raw) };
    status("reading device properties", &e)?;
    // SAFETY: `raw.name` is zero-filled and at most 255 bytes are copied in, so it holds a
    // terminating zero within its 256 bytes.
    let name = unsafe { CStr::from_ptr(raw.name.as_ptr()) };
    Ok(DeviceProps {
        name: name.to_string_lossy().into_owned(),
        total_mem: raw.total_mem,
        sm_count: raw.sm_count,
        compute: (raw.major, raw.minor),
    })
}

/// In-place NTT of `values` (length `2^lg_n`, Montgomery limbs), natural order in and out.
pub(crate) fn ntt(
    values: &mut [RawFr],
    lg_n: u32,
    inverse: bool,
    coset: bool,
) -> Result<(), AccelError> {
    check_ntt_len(values, lg_n)?;
    let _guard = lock();
    // SAFETY: `values` is exclusively borrowed and holds exactly `2^lg_n` elements (checked
    // above), which is all the callee reads and writes; it keeps no pointer after returning.
    let e = unsafe { zkinfer_cuda_ntt(values.as_mut_ptr(), lg_n, inverse, coset) };
    status("NTT", &e)
}

/// In place: subgroup evaluations → standard-coset evaluations (length `2^lg_n`).
pub(crate) fn coset_extend(values: &mut [RawFr], lg_n: u32) -> Result<(), AccelError> {
    check_ntt_len(values, lg_n)?;
    let _guard = lock();
    // SAFETY: as in `ntt`.
    let e = unsafe { zkinfer_cuda_coset_extend(values.as_mut_ptr(), lg_n) };
    status("coset extension", &e)
}

fn check_ntt_len(values: &[RawFr], lg_n: u32) -> Result<(), AccelError> {
    if lg_n < usize::BITS && values.len() == 1usize << lg_n {
        Ok(())
    } else {
        Err(AccelError::BadSize {
            len: values.len(),
            detail: format!("the device NTT was asked for 2^{lg_n} points"),
        })
    }
}

/// A group whose MSM objects the device library provides.
pub(crate) trait DeviceGroup {
    /// The base layout (`Affine_inf_t`).
    type Affine: Copy;
    /// The result layout (`jacobian_t`).
    type Jacobian: Copy + Default;
    /// `G1` or `G2`, for messages.
    const NAME: &'static str;

    /// Creates the device object from `n` bases.
    ///
    /// # Safety
    /// `points` must be valid for `n` reads; `out` for one write.
    unsafe fn create(out: *mut *mut c_void, points: *const Self::Affine, n: usize)
        -> sppark::Error;

    /// Frees a device object.
    ///
    /// # Safety
    /// `msm` must come from [`Self::create`] and not have been freed.
    unsafe fn free(msm: *mut c_void);

    /// Runs the MSM.
    ///
    /// # Safety
    /// `msm` must be a live object from [`Self::create`] with `n` bases, `scalars` valid for
    /// `n` reads and `out` for one write.
    unsafe fn invoke(
        msm: *mut c_void,
        out: *mut Self::Jacobian,
        scalars: *const RawFr,
        n: usize,
    ) -> sppark::Error;
}

/// BN254's G1 (`msm_t` over `fp_t`).
pub(crate) enum G1 {}

/// BN254's G2 (`msm_t` over `fp2_t`).
pub(crate) enum G2 {}

impl DeviceGroup for G1 {
    type Affine = RawG1Affine;
    type Jacobian = RawG1Jacobian;
    const NAME: &'static str = "G1";

    unsafe fn create(out: *mut *mut c_void, points: *const RawG1Affine, n: usize) -> sppark::Error {
        // SAFETY: forwarded from the caller's contract.
        unsafe { zkinfer_cuda_msm_g1_new(out, points, n) }
    }

    unsafe fn free(msm: *mut c_void) {
        // SAFETY: forwarded from the caller's contract.
        unsafe { zkinfer_cuda_msm_g1_free(msm) }
    }

    unsafe fn invoke(
        msm: *mut c_void,
        out: *mut RawG1Jacobian,
        scalars: *const RawFr,
        n: usize,
    ) -> sppark::Error {
        // SAFETY: forwarded from the caller's contract.
        unsafe { zkinfer_cuda_msm_g1_invoke(msm, out, scalars, n) }
    }
}

impl DeviceGroup for G2 {
    type Affine = RawG2Affine;
    type Jacobian = RawG2Jacobian;
    const NAME: &'static str = "G2";

    unsafe fn create(out: *mut *mut c_void, points: *const RawG2Affine, n: usize) -> sppark::Error {
        // SAFETY: forwarded from the caller's contract.
        unsafe { zkinfer_cuda_msm_g2_new(out, points, n) }
    }

    unsafe fn free(msm: *mut c_void) {
        // SAFETY: forwarded from the caller's contract.
        unsafe { zkinfer_cuda_msm_g2_free(msm) }
    }

    unsafe fn invoke(
        msm: *mut c_void,
        out: *mut RawG2Jacobian,
        scalars: *const RawFr,
        n: usize,
    ) -> sppark::Error {
        // SAFETY: forwarded from the caller's contract.
        unsafe { zkinfer_cuda_msm_g2_invoke(msm, out, scalars, n) }
    }
}

/// Bases resident in device memory: one sppark `msm_t`, freed on drop.
pub(crate) struct ResidentMsm<G: DeviceGroup> {
    ptr: NonNull<c_void>,
    len: usize,
    group: PhantomData<G>,
}

// SAFETY: the device object is only reached through `invoke` and `drop`, both of which hold
// the global device lock, so it is never used from two threads at once; sppark's `msm_t` has
// no thread affinity (it names its GPU explicitly, and the C++ side selects that GPU on the
// calling thread before every launch).
unsafe impl<G: DeviceGroup> Send for ResidentMsm<G> {}
// SAFETY: `&ResidentMsm` only allows `invoke`, which takes the device lock (see `Send`).
unsafe impl<G: DeviceGroup> Sync for ResidentMsm<G> {}

impl<G: DeviceGroup> ResidentMsm<G> {
    /// Uploads `points` (at least one) to the device.
    pub(crate) fn new(points: &[G::Affine]) -> Result<Self, AccelError> {
        if points.is_empty() {
            return Err(AccelError::BadSize {
                len: 0,
                detail: "a device MSM object needs at least one base".to_owned(),
            });
        }
        let _guard = lock();
        let mut ptr: *mut c_void = std::ptr::null_mut();
        // SAFETY: `points` is valid for `points.len()` reads (the callee copies them to the
        // device before returning) and `ptr` for one write.
        let e = unsafe { G::create(&mut ptr, points.as_ptr(), points.len()) };
        status(&format!("uploading {} {} bases", points.len(), G::NAME), &e)?;
        let ptr = NonNull::new(ptr).ok_or_else(|| {
            AccelError::Device(format!("uploading {} bases: no object returned", G::NAME))
        })?;
        Ok(Self {
            ptr,
            len: points.len(),
            group: PhantomData,
        })
    }

    /// The number of bases.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// `Σ scalars[i]·bases[i]`; `scalars` must be as long as the bases.
    pub(crate) fn invoke(&self, scalars: &[RawFr]) -> Result<G::Jacobian, AccelError> {
        if scalars.len() != self.len {
            return Err(AccelError::LengthMismatch {
                bases: self.len,
                scalars: scalars.len(),
            });
        }
        let mut out = G::Jacobian::default();
        let _guard = lock();
        // SAFETY: `self.ptr` is live (freed only in `drop`) and holds `self.len` bases;
        // `scalars` has that many elements (checked above) and `out` is exclusively
        // borrowed; the callee keeps no pointer after returning.
        let e = unsafe { G::invoke(self.ptr.as_ptr(), &mut out, scalars.as_ptr(), scalars.len()) };
        status(&format!("{} MSM of {} points", G::NAME, self.len), &e)?;
        Ok(out)
    }
}

impl<G: DeviceGroup> Drop for ResidentMsm<G> {
    fn drop(&mut self) {
        let _guard = lock();
        // SAFETY: `self.ptr` came from `G::create` and is freed exactly once, here.
        unsafe { G::free(self.ptr.as_ptr()) }
    }
}

impl<G: DeviceGroup> std::fmt::Debug for ResidentMsm<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ResidentMsm<{}>({} bases)", G::NAME, self.len)
    }
}
