//! [`CudaEngine`] with the kernels compiled in (feature `cuda`).
//!
//! MSMs run on the GPU over bases uploaded once by `prepare_g1`/`prepare_g2`; each call copies
//! the scalars (repacked to raw limbs) to the device. Power-of-two NTTs run on the GPU, one
//! upload and one download per call (`coset_extend` too, fused). NTT lengths `3·2^k` and
//! `9·2^k`, which BN254's mixed-radix QAP domains use, run on the CPU engine held inside
//! (radix-3 GPU layers are future work).

use crate::ffi::{self, ResidentMsm, G1, G2};
use crate::probe::{self, cuda_version};
use crate::repack::{raw_fr, RawFr, RawG1Affine, RawG2Affine};
use crate::NAME;
use rayon::prelude::*;
use zkinfer_accel::{
    AccelError, Accelerator, Coset, CpuEngine, DeviceInfo, Direction, Fr, G1Affine, G1Projective,
    G2Affine, G2Projective, MsmEngine, NttEngine,
};

/// The largest NTT the device computes: `Fr`'s two-adicity.
const MAX_LG_NTT: u32 = 28;

/// The MSM/NTT engine on an NVIDIA GPU, through sppark's kernels.
///
/// Construct it with [`CudaEngine::new`], which fails with [`AccelError::Unavailable`] when
/// this machine cannot run it (no driver, a driver older than CUDA 13, no usable GPU), so the
/// caller can fall back to the CPU engine. Every device call is serialised behind one
/// process-wide lock; the engine is `Send + Sync` and may be shared between provers.
#[derive(Debug)]
pub struct CudaEngine {
    info: DeviceInfo,
    cpu: CpuEngine,
}

/// G1 bases resident in device memory (freed when dropped).
#[derive(Debug)]
pub struct CudaG1Bases {
    /// `None` for an empty query (no device object is made for zero bases).
    msm: Option<ResidentMsm<G1>>,
}

/// G2 bases resident in device memory (freed when dropped).
#[derive(Debug)]
pub struct CudaG2Bases {
    /// `None` for an empty query.
    msm: Option<ResidentMsm<G2>>,
}

impl CudaEngine {
    /// Opens the engine on the first usable GPU, after checking the driver and the device.
    ///
    /// Fails with [`AccelError::Unavailable`] and a one-line reason when there is no NVIDIA
    /// driver, the driver is older than CUDA 13, or sppark finds no usable GPU.
    pub fn new() -> Result<Self, AccelError> {
        let info = probe_device()?;
        Ok(Self {
            info,
            cpu: CpuEngine::new(),
        })
    }

    /// What [`Self::new`] found: the device's name and a detail line for logs.
    pub fn device(&self) -> &DeviceInfo {
        &self.info
    }
}

/// Checks driver and device and describes device 0.
fn probe_device() -> Result<DeviceInfo, AccelError> {
    let p = ffi::probe();
    probe::assess(p).map_err(|reason| AccelError::Unavailable {
        engine: NAME,
        reason,
    })?;
    let props = ffi::device_props()?;
    #[allow(clippy::cast_precision_loss)] // memory size, shown rounded
    let gib = props.total_mem as f64 / f64::from(1u32 << 30);
    Ok(DeviceInfo {
        name: props.name,
        detail: format!(
            "driver CUDA {}, kernels built with CUDA {}, compute {}.{}, {} SMs, {gib:.1} GiB, \
             device 0 of {}",
            cuda_version(p.driver_version),
            cuda_version(ffi::runtime_version()),
            props.compute.0,
            props.compute.1,
            props.sm_count,
            p.gpus
        ),
    })
}

/// The scalars as raw Montgomery limbs (a parallel copy: arkworks' `Fr` is not `repr(C)`).
fn raw_scalars(scalars: &[Fr]) -> Vec<RawFr> {
    scalars.par_iter().map(raw_fr).collect()
}

/// Runs an MSM over optional resident bases: the identity for zero bases and zero scalars.
fn resident_msm<G: ffi::DeviceGroup>(
    msm: Option<&ResidentMsm<G>>,
    scalars: &[Fr],
) -> Result<Option<G::Jacobian>, AccelError> {
    let bases = msm.map_or(0, ResidentMsm::len);
    if bases != scalars.len() {
        return Err(AccelError::LengthMismatch {
            bases,
            scalars: scalars.len(),
        });
    }
    match msm {
        None => Ok(None),
        Some(m) => m.invoke(&raw_scalars(scalars)).map(Some),
    }
}

impl MsmEngine for CudaEngine {
    type G1Bases = CudaG1Bases;
    type G2Bases = CudaG2Bases;

    fn prepare_g1(&self, bases: &[G1Affine]) -> Result<Self::G1Bases, AccelError> {
        if bases.is_empty() {
            return Ok(CudaG1Bases { msm: None });
        }
        let raw: Vec<RawG1Affine> = bases.par_iter().map(RawG1Affine::from_ark).collect();
        Ok(CudaG1Bases {
            msm: Some(ResidentMsm::new(&raw)?),
        })
    }

    fn prepare_g2(&self, bases: &[G2Affine]) -> Result<Self::G2Bases, AccelError> {
        if bases.is_empty() {
            return Ok(CudaG2Bases { msm: None });
        }
        let raw: Vec<RawG2Affine> = bases.par_iter().map(RawG2Affine::from_ark).collect();
        Ok(CudaG2Bases {
            msm: Some(ResidentMsm::new(&raw)?),
        })
    }

    fn msm_g1(&self, bases: &Self::G1Bases, scalars: &[Fr]) -> Result<G1Projective, AccelError> {
        Ok(resident_msm(bases.msm.as_ref(), scalars)?
            .map_or_else(G1Projective::default, |p| p.to_ark()))
    }

    fn msm_g2(&self, bases: &Self::G2Bases, scalars: &[Fr]) -> Result<G2Projective, AccelError> {
        Ok(resident_msm(bases.msm.as_ref(), scalars)?
            .map_or_else(G2Projective::default, |p| p.to_ark()))
    }
}

/// `Some(k)` when `len = 2^k` is a length the device NTT handles.
fn device_log_len(len: usize) -> Option<u32> {
    (len.is_power_of_two() && len.trailing_zeros() <= MAX_LG_NTT).then(|| len.trailing_zeros())
}

/// Runs `f` on a raw copy of `values` and copies the result back.
fn on_raw(
    values: &mut [Fr],
    f: impl FnOnce(&mut [RawFr]) -> Result<(), AccelError>,
) -> Result<(), AccelError> {
    let mut raw = raw_scalars(values);
    f(&mut raw)?;
    values
        .par_iter_mut()
        .zip(raw.par_iter())
        .for_each(|(v, r)| *v = crate::repack::fr_from_raw(*r));
    Ok(())
}

impl NttEngine for CudaEngine {
    /// Powers of two up to `2^28` on the GPU; `3·2^k` and `9·2^k` on the CPU engine (radix-3
    /// GPU layers are future work); any other length is refused by the CPU engine with
    /// [`AccelError::BadSize`].
    fn ntt(&self, values: &mut [Fr], dir: Direction, coset: Coset) -> Result<(), AccelError> {
        let Some(lg_n) = device_log_len(values.len()) else {
            return self.cpu.ntt(values, dir, coset);
        };
        let inverse = dir == Direction::Inverse;
        let coset = coset == Coset::Standard;
        on_raw(values, |raw| ffi::ntt(raw, lg_n, inverse, coset))
    }

    /// Fused on the GPU for powers of two (one upload, one download, no bit-reversal passes);
    /// on the CPU engine for other lengths.
    fn coset_extend(&self, values: &mut [Fr]) -> Result<(), AccelError> {
        let Some(lg_n) = device_log_len(values.len()) else {
            return self.cpu.coset_extend(values);
        };
        on_raw(values, |raw| ffi::coset_extend(raw, lg_n))
    }
}

impl Accelerator for CudaEngine {
    fn name(&self) -> &'static str {
        NAME
    }

    /// Re-probes the driver and device (cheap: no kernel runs).
    fn check(&self) -> Result<DeviceInfo, AccelError> {
        probe_device()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_usable_gpu_new_says_why() {
        match CudaEngine::new() {
            // A GPU machine: the conformance test covers it.
            Ok(engine) => assert_eq!(
                engine.check().map(|i| i.name),
                Ok(engine.device().name.clone())
            ),
            Err(AccelError::Unavailable { engine, reason }) => {
                assert_eq!(engine, "cuda");
                assert!(
                    reason.contains("driver") || reason.contains("device"),
                    "{reason}"
                );
                assert!(!reason.contains('\n'), "{reason}");
            }
            Err(e) => panic!("expected Unavailable, got {e}"),
        }
    }

    #[test]
    fn only_power_of_two_lengths_go_to_the_device() {
        assert_eq!(device_log_len(1), Some(0));
        assert_eq!(device_log_len(1 << 20), Some(20));
        assert_eq!(device_log_len(1 << 28), Some(28));
        assert_eq!(device_log_len(1 << 29), None);
        assert_eq!(device_log_len(0), None);
        assert_eq!(device_log_len(3 << 16), None);
        assert_eq!(device_log_len(9 << 12), None);
    }
}
