//! A CUDA engine for zkinfer's MSM/NTT seam: [`CudaEngine`] implements
//! [`zkinfer_accel::MsmEngine`], [`zkinfer_accel::NttEngine`] and
//! [`zkinfer_accel::Accelerator`] (name `cuda`) on an NVIDIA GPU.
//!
//! The kernels are supranational's sppark 0.1.16 (pinned), instantiated for BN254 in our own
//! `cuda/zkinfer_cuda.cu`:
//! - **MSM**: proving-key queries are uploaded once (`prepare_g1`/`prepare_g2` repack them to
//!   `#[repr(C)]` mirrors of sppark's affine layout) and stay resident in device memory as
//!   sppark `msm_t` objects; each MSM sends only the scalars (arkworks' Montgomery limbs,
//!   `mont = true`). An empty MSM is the identity; mismatched lengths are
//!   [`zkinfer_accel::AccelError::LengthMismatch`].
//! - **NTT**: power-of-two lengths on the GPU (forward and inverse, on the subgroup or the
//!   standard coset with generator 5 = arkworks' `Fr::GENERATOR`, natural order), copying the
//!   values in and out on each call; the lengths `3·2^k` and `9·2^k` of BN254's mixed-radix
//!   QAP domains run on the CPU engine inside (radix-3 GPU layers are future work).
//!
//! Cargo feature `cuda` (off by default) compiles the kernels; it needs `nvcc` (CUDA 13,
//! from `scripts/cuda-toolchain.sh`) at build time and an NVIDIA driver 580 or newer at run
//! time. Without the feature the crate builds with no toolkit, and [`CudaEngine::new`] returns
//! [`zkinfer_accel::AccelError::Unavailable`] saying so. With it, `new` checks the driver and
//! the device and fails with a one-line reason on machines without them, so callers fall back
//! to [`zkinfer_accel::CpuEngine`].
//!
//! Device calls are serialised behind one process-wide lock (sppark's device state is
//! per process). Results are checked by `zkinfer_accel::conformance` on the device
//! (`tests/conformance.rs`, run by `scripts/gpu-check.sh`).

// sppark's and blst's native libraries (sppark's GPU table, blst's host-side field
// arithmetic that sppark's headers call) are linked only if Rust code names their crates.
#[cfg(feature = "cuda")]
extern crate blst;
#[cfg(feature = "cuda")]
extern crate sppark;

#[cfg(feature = "cuda")]
mod enabled;
#[cfg(feature = "cuda")]
mod ffi;
#[cfg(any(feature = "cuda", test))]
mod probe;
#[cfg(any(feature = "cuda", test))]
mod repack;
#[cfg(test)]
#[cfg(feature = "cuda")]
mod sppark_params;

#[cfg(not(feature = "cuda"))]
mod disabled;

#[cfg(not(feature = "cuda"))]
pub use disabled::{CudaEngine, CudaG1Bases, CudaG2Bases};
#[cfg(feature = "cuda")]
pub use enabled::{CudaEngine, CudaG1Bases, CudaG2Bases};

/// The engine's [`zkinfer_accel::Accelerator::name`].
pub const NAME: &str = "cuda";

/// Whether this build has the GPU kernels (the `cuda` feature).
pub const COMPILED_WITH_CUDA: bool = cfg!(feature = "cuda");
