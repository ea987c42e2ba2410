//! The CPU engine: arkworks' Pippenger MSM and our in-place NTT on all rayon threads.
//!
//! It is the reference every other engine is checked against, and the fallback when no device
//! is found. [`CpuEngine::new`] sign-normalises MSM scalars (see [`crate::signed`]);
//! [`CpuEngine::plain`] hands canonical scalars to arkworks exactly as ark-groth16 does, for
//! comparison.

mod msm;
mod ntt;

use crate::{AccelError, Accelerator, Coset, DeviceInfo, Direction, MsmEngine, NttEngine};
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::VariableBaseMSM;

/// MSMs and NTTs on the CPU through arkworks (parallel via rayon).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuEngine {
    sign_normalise: bool,
}

impl CpuEngine {
    /// The production CPU engine: scalars are sign-normalised and routed by bit width.
    pub const fn new() -> Self {
        Self {
            sign_normalise: true,
        }
    }

    /// Arkworks as ark-groth16 calls it (`msm_bigint` on canonical scalars); a baseline for
    /// benchmarks and a second oracle in tests. (ark-ec 0.6 already detects small negative
    /// scalars inside `msm_bigint`, so this is about as fast as [`Self::new`].)
    pub const fn plain() -> Self {
        Self {
            sign_normalise: false,
        }
    }

    /// Whether this engine sign-normalises MSM scalars.
    pub const fn sign_normalises(&self) -> bool {
        self.sign_normalise
    }

    fn msm<G>(&self, bases: &[G::MulBase], scalars: &[Fr]) -> Result<G, AccelError>
    where
        G: VariableBaseMSM<ScalarField = Fr>,
    {
        if bases.len() != scalars.len() {
            return Err(AccelError::LengthMismatch {
                bases: bases.len(),
                scalars: scalars.len(),
            });
        }
        if scalars.is_empty() {
            return Ok(G::zero());
        }
        Ok(if self.sign_normalise {
            msm::sign_normalised(bases, scalars)
        } else {
            msm::plain(bases, scalars)
        })
    }
}

impl Default for CpuEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl MsmEngine for CpuEngine {
    /// On the CPU, preparing is copying: the bases stay in host memory.
    type G1Bases = Vec<G1Affine>;

    /// As for G1: a copy in host memory.
    type G2Bases = Vec<G2Affine>;

    fn prepare_g1(&self, bases: &[G1Affine]) -> Result<Self::G1Bases, AccelError> {
        Ok(bases.to_vec())
    }

    fn prepare_g2(&self, bases: &[G2Affine]) -> Result<Self::G2Bases, AccelError> {
        Ok(bases.to_vec())
    }

    fn msm_g1(&self, bases: &Self::G1Bases, scalars: &[Fr]) -> Result<G1Projective, AccelError> {
        self.msm(bases, scalars)
    }

    fn msm_g2(&self, bases: &Self::G2Bases, scalars: &[Fr]) -> Result<G2Projective, AccelError> {
        self.msm(bases, scalars)
    }
}

impl NttEngine for CpuEngine {
    fn ntt(&self, values: &mut [Fr], dir: Direction, coset: Coset) -> Result<(), AccelError> {
        ntt::ntt(values, dir, coset)
    }

    fn coset_extend(&self, values: &mut [Fr]) -> Result<(), AccelError> {
        ntt::coset_extend(values)
    }
}

impl Accelerator for CpuEngine {
    fn name(&self) -> &'static str {
        if self.sign_normalise {
            "cpu"
        } else {
            "cpu-plain"
        }
    }

    fn check(&self) -> Result<DeviceInfo, AccelError> {
        Ok(DeviceInfo {
            name: "cpu".to_owned(),
            detail: format!(
                "{} rayon threads, sign-normalised MSM: {}",
                rayon::current_num_threads(),
                self.sign_normalise
            ),
        })
    }
}
