//! The engine traits: what an MSM/NTT backend must provide, independent of where it runs.
//!
//! Contract shared by every implementation (checked by [`crate::conformance::check_engine`]):
//! results are exactly the group or field elements arkworks computes; an empty MSM is the
//! identity; mismatched or unsupported sizes are an [`AccelError`], never a panic.

use crate::AccelError;
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};

/// Multi-scalar multiplication on BN254: the hot loop of Groth16 proving.
pub trait MsmEngine: Send + Sync {
    /// G1 bases prepared once per proving key and reused (CUDA: resident in device memory).
    type G1Bases: Send + Sync;

    /// G2 bases prepared once per proving key and reused, like [`Self::G1Bases`]: the G2 MSM
    /// runs once per proof, but its bases (`b_g2_query`) are the largest per-point upload.
    type G2Bases: Send + Sync;

    /// Prepares G1 bases (a proving-key query) for repeated MSMs.
    fn prepare_g1(&self, bases: &[G1Affine]) -> Result<Self::G1Bases, AccelError>;

    /// Prepares G2 bases (the proving key's `b_g2_query`) for repeated MSMs.
    fn prepare_g2(&self, bases: &[G2Affine]) -> Result<Self::G2Bases, AccelError>;

    /// Computes `Σ scalars[i]·bases[i]` in G1. `scalars` must be as long as the prepared bases.
    fn msm_g1(&self, bases: &Self::G1Bases, scalars: &[Fr]) -> Result<G1Projective, AccelError>;

    /// Computes `Σ scalars[i]·bases[i]` in G2. `scalars` must be as long as the prepared bases.
    fn msm_g2(&self, bases: &Self::G2Bases, scalars: &[Fr]) -> Result<G2Projective, AccelError>;
}

/// Which way an NTT goes: coefficients to evaluations, or back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Coefficients → evaluations (arkworks `fft`).
    Forward,
    /// Evaluations → coefficients, including the `1/n` scaling (arkworks `ifft`).
    Inverse,
}

/// Which evaluation points an NTT uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Coset {
    /// The subgroup of `n`-th roots of unity `ω^i`.
    None,
    /// The coset `g·ω^i` with `g = Fr::GENERATOR`, as arkworks'
    /// domains' `get_coset(Fr::GENERATOR)` and the Groth16 witness map use.
    Standard,
}

/// NTTs over `Fr`; direction and coset are explicit, order is natural in and out.
pub trait NttEngine: Send + Sync {
    /// In-place NTT over the multiplicative subgroup of size `values.len()`: a power of two
    /// (at most `2^28` for BN254's `Fr`) or `2^k·3`, `2^k·9` (BN254's `Fr` has 3-subgroups;
    /// arkworks' mixed-radix domain), natural order in and out.
    fn ntt(&self, values: &mut [Fr], dir: Direction, coset: Coset) -> Result<(), AccelError>;

    /// Re-evaluates a polynomial of degree `< n` given by its `n = values.len()` evaluations
    /// on the subgroup (`ω^i`) at the standard coset (`g·ω^i`), in place: an inverse NTT, then
    /// a forward coset NTT (the QAP witness map does this for A, B and C). Engines may fuse the
    /// scaling passes; the result must equal the two calls.
    fn coset_extend(&self, values: &mut [Fr]) -> Result<(), AccelError> {
        self.ntt(values, Direction::Inverse, Coset::None)?;
        self.ntt(values, Direction::Forward, Coset::Standard)
    }
}

/// What an engine reports about the hardware it runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Short device name (`cpu`, or the GPU's product name).
    pub name: String,
    /// Free-form detail for logs: thread count, memory, driver version.
    pub detail: String,
}

/// An engine that can be selected at run time: both kernels plus a cheap probe.
pub trait Accelerator: MsmEngine + NttEngine {
    /// Stable engine name for logs and errors (`cpu`, `cuda`).
    fn name(&self) -> &'static str;

    /// Cheap probe: can this engine run on this machine now?
    fn check(&self) -> Result<DeviceInfo, AccelError>;
}
