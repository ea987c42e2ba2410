//! `--engine cpu|cuda|auto` for the commands that prove (`prove`, `bench`, `serve`,
//! `provider`): which MSM/NTT engine runs, chosen once at start-up.

use zkinfer_prover::{Engine, EngineChoice};

/// The `--engine` flag.
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct EngineArg {
    /// The MSM/NTT engine: `cpu`; `cuda` (fails with the reason when this build or machine
    /// cannot run it); `auto`: the GPU when a device and a CUDA 13 driver (580 or newer) are
    /// present and the build has the `cuda` feature, else the CPU, saying why.
    #[arg(long, default_value = "auto", value_name = "cpu|cuda|auto")]
    pub engine: EngineChoice,
}

impl EngineArg {
    /// Chooses the engine and says on stderr which one runs (and why `auto` fell back).
    pub fn select(self) -> anyhow::Result<Engine> {
        let selected = Engine::select(self.engine)
            .map_err(|e| anyhow::anyhow!("--engine {}: {e}", self.engine))?;
        eprintln!("{}", selected.note);
        Ok(selected.engine)
    }
}
