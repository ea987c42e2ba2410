//! The engine a prover runs on, chosen at start-up: the CPU engine, or the CUDA engine when the
//! build has it (cargo feature `cuda`) and the machine has a GPU with a CUDA 13 driver.
//!
//! [`Engine`] dispatches the seam's calls to the chosen engine; its prepared bases carry the
//! engine they were prepared on, so bases of one engine can never reach the other.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use zkinfer_accel::{
    AccelError, Accelerator, Coset, CpuEngine, DeviceInfo, Direction, Fr, G1Affine, G1Projective,
    G2Affine, G2Projective, MsmEngine, NttEngine,
};
use zkinfer_accel_cuda::{CudaEngine, CudaG1Bases, CudaG2Bases};

/// What the operator asked for (`--engine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EngineChoice {
    /// The CPU engine.
    Cpu,
    /// The CUDA engine, or an error saying why it cannot run.
    Cuda,
    /// The CUDA engine when it can run here, else the CPU engine with the reason.
    #[default]
    Auto,
}

impl FromStr for EngineChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cpu" => Ok(Self::Cpu),
            "cuda" => Ok(Self::Cuda),
            "auto" => Ok(Self::Auto),
            other => Err(format!("unknown engine {other:?}: use cpu, cuda or auto")),
        }
    }
}

impl fmt::Display for EngineChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cpu => "cpu",
            Self::Cuda => "cuda",
            Self::Auto => "auto",
        })
    }
}

/// The MSM/NTT engine of a prover. Cheap to clone: clones share the device.
#[derive(Debug, Clone)]
pub enum Engine {
    /// arkworks' multi-threaded MSM and our NTT.
    Cpu(CpuEngine),
    /// sppark's kernels on an NVIDIA GPU.
    Cuda(Arc<CudaEngine>),
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

/// An engine chosen by [`Engine::select`], with a line for the operator.
#[derive(Debug, Clone)]
pub struct Selected {
    /// The engine.
    pub engine: Engine,
    /// Which engine runs and, when `auto` fell back to the CPU, why.
    pub note: String,
}

impl Engine {
    /// The CPU engine (what tests and the default build use).
    pub fn new() -> Self {
        Self::Cpu(CpuEngine::new())
    }

    /// `cpu` or `cuda` (the seam's [`Accelerator::name`], for callers without the trait).
    pub fn name(&self) -> &'static str {
        Accelerator::name(self)
    }

    /// Chooses the engine for `choice`: `cuda` fails with the reason when the GPU engine
    /// cannot run here; `auto` falls back to the CPU and says why.
    pub fn select(choice: EngineChoice) -> Result<Selected, AccelError> {
        let cpu = || Engine::new();
        match choice {
            EngineChoice::Cpu => Ok(Selected {
                engine: cpu(),
                note: "engine: cpu".into(),
            }),
            EngineChoice::Cuda => {
                let gpu = CudaEngine::new()?;
                Ok(Selected {
                    note: describe(&gpu),
                    engine: Engine::Cuda(Arc::new(gpu)),
                })
            }
            EngineChoice::Auto => Ok(match CudaEngine::new() {
                Ok(gpu) => Selected {
                    note: describe(&gpu),
                    engine: Engine::Cuda(Arc::new(gpu)),
                },
                Err(e) => Selected {
                    engine: cpu(),
                    note: format!("engine: cpu (auto: {e})"),
                },
            }),
        }
    }
}

fn describe(gpu: &CudaEngine) -> String {
    let d = gpu.device();
    format!("engine: cuda on {} ({})", d.name, d.detail)
}

/// G1 bases prepared on one engine.
#[derive(Debug)]
pub enum G1Bases {
    /// On the CPU engine.
    Cpu(<CpuEngine as MsmEngine>::G1Bases),
    /// Resident on the GPU.
    Cuda(CudaG1Bases),
}

/// G2 bases prepared on one engine.
#[derive(Debug)]
pub enum G2Bases {
    /// On the CPU engine.
    Cpu(<CpuEngine as MsmEngine>::G2Bases),
    /// Resident on the GPU.
    Cuda(CudaG2Bases),
}

fn mixed(what: &str) -> AccelError {
    AccelError::Device(format!(
        "{what} bases prepared on one engine were given to another"
    ))
}

impl MsmEngine for Engine {
    type G1Bases = G1Bases;
    type G2Bases = G2Bases;

    fn prepare_g1(&self, bases: &[G1Affine]) -> Result<G1Bases, AccelError> {
        Ok(match self {
            Self::Cpu(e) => G1Bases::Cpu(e.prepare_g1(bases)?),
            Self::Cuda(e) => G1Bases::Cuda(e.prepare_g1(bases)?),
        })
    }

    fn msm_g1(&self, bases: &G1Bases, scalars: &[Fr]) -> Result<G1Projective, AccelError> {
        match (self, bases) {
            (Self::Cpu(e), G1Bases::Cpu(b)) => e.msm_g1(b, scalars),
            (Self::Cuda(e), G1Bases::Cuda(b)) => e.msm_g1(b, scalars),
            _ => Err(mixed("G1")),
        }
    }

    fn prepare_g2(&self, bases: &[G2Affine]) -> Result<G2Bases, AccelError> {
        Ok(match self {
            Self::Cpu(e) => G2Bases::Cpu(e.prepare_g2(bases)?),
            Self::Cuda(e) => G2Bases::Cuda(e.prepare_g2(bases)?),
        })
    }

    fn msm_g2(&self, bases: &G2Bases, scalars: &[Fr]) -> Result<G2Projective, AccelError> {
        match (self, bases) {
            (Self::Cpu(e), G2Bases::Cpu(b)) => e.msm_g2(b, scalars),
            (Self::Cuda(e), G2Bases::Cuda(b)) => e.msm_g2(b, scalars),
            _ => Err(mixed("G2")),
        }
    }
}

impl NttEngine for Engine {
    fn ntt(&self, values: &mut [Fr], dir: Direction, coset: Coset) -> Result<(), AccelError> {
        match self {
            Self::Cpu(e) => e.ntt(values, dir, coset),
            Self::Cuda(e) => e.ntt(values, dir, coset),
        }
    }

    fn coset_extend(&self, values: &mut [Fr]) -> Result<(), AccelError> {
        match self {
            Self::Cpu(e) => e.coset_extend(values),
            Self::Cuda(e) => e.coset_extend(values),
        }
    }
}

impl Accelerator for Engine {
    fn name(&self) -> &'static str {
        match self {
            Self::Cpu(e) => e.name(),
            Self::Cuda(e) => e.name(),
        }
    }

    fn check(&self) -> Result<DeviceInfo, AccelError> {
        match self {
            Self::Cpu(e) => e.check(),
            Self::Cuda(e) => e.check(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn choices_parse_and_print() {
        for c in [EngineChoice::Cpu, EngineChoice::Cuda, EngineChoice::Auto] {
            assert_eq!(c.to_string().parse::<EngineChoice>().unwrap(), c);
        }
        assert!("gpu"
            .parse::<EngineChoice>()
            .unwrap_err()
            .contains("cpu, cuda or auto"));
    }

    #[test]
    fn cpu_is_chosen_when_asked_and_auto_falls_back_with_a_reason() {
        let s = Engine::select(EngineChoice::Cpu).unwrap();
        assert_eq!(s.engine.name(), "cpu");
        // This machine (CI, no GPU) cannot run the CUDA engine: `cuda` is refused with the
        // reason and `auto` runs on the CPU, saying why.
        if CudaEngine::new().is_err() {
            let err = Engine::select(EngineChoice::Cuda).unwrap_err();
            assert!(err.to_string().contains("cuda"), "{err}");
            let auto = Engine::select(EngineChoice::Auto).unwrap();
            assert_eq!(auto.engine.name(), "cpu");
            assert!(
                auto.note.starts_with("engine: cpu (auto: "),
                "{}",
                auto.note
            );
        }
    }

    #[test]
    fn the_dispatching_engine_passes_the_conformance_suite_on_the_cpu() {
        zkinfer_accel::conformance::check_engine(&Engine::new(), 0..=10).unwrap();
    }
}
