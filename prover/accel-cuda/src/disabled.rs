//! [`CudaEngine`] without the kernels (feature `cuda` off): the types exist, so code naming
//! them builds on machines without a CUDA toolkit, but no value can be made:
//! [`CudaEngine::new`] always reports that the crate was built without CUDA.

use crate::NAME;
use zkinfer_accel::{
    AccelError, Accelerator, Coset, DeviceInfo, Direction, Fr, G1Affine, G1Projective, G2Affine,
    G2Projective, MsmEngine, NttEngine,
};

/// No value of this type exists: it proves the methods below are never called.
#[derive(Debug)]
enum Never {}

/// The CUDA engine, built without the `cuda` feature: [`CudaEngine::new`] always fails.
///
/// Rebuild with `--features cuda` (and the toolkit from `scripts/cuda-toolchain.sh`) for the
/// GPU kernels.
#[derive(Debug)]
pub struct CudaEngine {
    never: Never,
}

/// G1 bases on the device (uninhabited in a build without the `cuda` feature).
#[derive(Debug)]
pub struct CudaG1Bases {
    _never: Never,
}

/// G2 bases on the device (uninhabited in a build without the `cuda` feature).
#[derive(Debug)]
pub struct CudaG2Bases {
    _never: Never,
}

impl CudaEngine {
    /// Always [`AccelError::Unavailable`]: this build has no CUDA kernels.
    pub fn new() -> Result<Self, AccelError> {
        Err(AccelError::Unavailable {
            engine: NAME,
            reason: "zkinfer-accel-cuda was built without the `cuda` feature (rebuild with \
                     `--features cuda` after `scripts/cuda-toolchain.sh`)"
                .to_owned(),
        })
    }

    /// What the engine found (never reached in this build).
    pub fn device(&self) -> &DeviceInfo {
        match self.never {}
    }
}

impl MsmEngine for CudaEngine {
    type G1Bases = CudaG1Bases;
    type G2Bases = CudaG2Bases;

    fn prepare_g1(&self, _bases: &[G1Affine]) -> Result<Self::G1Bases, AccelError> {
        match self.never {}
    }

    fn prepare_g2(&self, _bases: &[G2Affine]) -> Result<Self::G2Bases, AccelError> {
        match self.never {}
    }

    fn msm_g1(&self, _bases: &Self::G1Bases, _scalars: &[Fr]) -> Result<G1Projective, AccelError> {
        match self.never {}
    }

    fn msm_g2(&self, _bases: &Self::G2Bases, _scalars: &[Fr]) -> Result<G2Projective, AccelError> {
        match self.never {}
    }
}

impl NttEngine for CudaEngine {
    fn ntt(&self, _values: &mut [Fr], _dir: Direction, _coset: Coset) -> Result<(), AccelError> {
        match self.never {}
    }
}

impl Accelerator for CudaEngine {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self) -> Result<DeviceInfo, AccelError> {
        match self.never {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_says_the_feature_is_missing() {
        match CudaEngine::new() {
            Err(AccelError::Unavailable { engine, reason }) => {
                assert_eq!(engine, "cuda");
                assert!(
                    reason.contains("built without the `cuda` feature"),
                    "{reason}"
                );
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }
}
