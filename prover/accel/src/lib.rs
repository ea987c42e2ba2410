//! The MSM/NTT engine seam of zkinfer's prover.
//!
//! Groth16 proving is dominated by multi-scalar multiplications (MSMs) over BN254 and by the
//! NTTs of the QAP witness map. This crate owns the traits an engine implements for
//! those two kernels ([`MsmEngine`], [`NttEngine`], [`Accelerator`]), the CPU engine
//! ([`CpuEngine`]: arkworks' MSM and our own NTT, checked against arkworks'), and the
//! [`conformance`] suite that every engine must pass before it is selected.
//!
//! Engines are values passed to the prover, never globals: the prover's `Engine` enum chooses
//! one at start-up.

pub mod conformance;
mod cpu;
mod engine;
mod error;
pub mod signed;

pub use cpu::CpuEngine;
pub use engine::{Accelerator, Coset, DeviceInfo, Direction, MsmEngine, NttEngine};
pub use error::AccelError;

/// The curve types the seam is written for, re-exported so engines and callers agree on them.
pub use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
