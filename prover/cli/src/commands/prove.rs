//! `zkinfer prove DIR --input INPUT.json [--chain-id N --escrow 0xADDR --job-id N --provider
//! 0xADDR] --out PROOF.json`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use zkinfer_ir::CompiledModel;
use zkinfer_prover::{write_atomic, Engine, ProveTimings, Prover, ProvingKeyFile};
use zkinfer_r1cs::ProofBinding;
use zkinfer_verifier::{address_from_hex, ProofFile, VerifyingKeyFile};

use super::compile::{read_input, MODEL_FILE};
use super::engine_arg::EngineArg;
use super::setup::{PK_FILE, VK_FILE};

/// Arguments of `zkinfer prove`.
#[derive(clap::Args)]
pub struct ProveArgs {
    /// A directory with `model.json` and the keys from `zkinfer setup`.
    pub dir: PathBuf,
    /// One sample in EZKL's layout: `{"input_data": [[x0, x1, ...]]}`.
    #[arg(long)]
    pub input: PathBuf,
    /// The EVM chain id the proof is for (0: none).
    #[arg(long, default_value_t = 0)]
    pub chain_id: u64,
    /// The escrow contract the proof is for.
    #[arg(long, default_value = "0x0000000000000000000000000000000000000000")]
    pub escrow: String,
    /// The escrow job this proof is for.
    #[arg(long, default_value_t = 0)]
    pub job_id: u64,
    /// The address that may be paid for this proof.
    #[arg(long, default_value = "0x0000000000000000000000000000000000000000")]
    pub provider: String,
    /// Where to write the proof file.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub engine: EngineArg,
}

/// Loads the model and keys of `dir` into a prover on `engine`.
pub fn load_prover(dir: &Path, engine: Engine) -> anyhow::Result<Prover<Engine>> {
    let (model, pk, vk) = load_parts(dir)?;
    Ok(Prover::new(engine, model, pk, vk)?)
}

/// The model and both key files of `dir`, not yet checked against each other.
pub fn load_parts(dir: &Path) -> anyhow::Result<(CompiledModel, ProvingKeyFile, VerifyingKeyFile)> {
    let model = CompiledModel::load(&dir.join(MODEL_FILE))?;
    let id = model.model_id.0;
    let pk = ProvingKeyFile::load(&dir.join(PK_FILE), &id).with_context(|| {
        format!(
            "loading {} (run `zkinfer setup` first)",
            dir.join(PK_FILE).display()
        )
    })?;
    let vk = load_vk(dir, Some(&id))?;
    Ok((model, pk, vk))
}

/// Reads the verifying key of `dir`.
pub fn load_vk(dir: &Path, model: Option<&[u8; 32]>) -> anyhow::Result<VerifyingKeyFile> {
    let path = dir.join(VK_FILE);
    let bytes = std::fs::read(&path)
        .with_context(|| format!("cannot read {} (run `zkinfer setup` first)", path.display()))?;
    VerifyingKeyFile::from_bytes(&bytes, model).with_context(|| format!("in {}", path.display()))
}

/// Proves one input on `engine` and writes the proof file.
pub fn prove_to(
    dir: &Path,
    input: &Path,
    binding: ProofBinding,
    out: &Path,
    engine: Engine,
) -> anyhow::Result<(ProofFile, ProveTimings)> {
    let prover = load_prover(dir, engine)?;
    let shapes = prover.model().graph.input_shapes();
    let sample = read_input(input)?.single(&shapes)?;
    let (file, timings) = prover.prove(&sample, binding, &mut rand::rngs::OsRng)?;
    write_atomic(out, file.to_json()?.as_bytes())?;
    Ok((file, timings))
}

/// Runs `zkinfer prove`.
pub fn run(a: ProveArgs) -> anyhow::Result<ExitCode> {
    let provider = address_from_hex(&a.provider).context("--provider")?;
    let escrow = address_from_hex(&a.escrow).context("--escrow")?;
    let binding = ProofBinding {
        chain_id: a.chain_id,
        escrow,
        job_id: a.job_id,
        provider,
    };
    let (file, t) = prove_to(&a.dir, &a.input, binding, &a.out, a.engine.select()?)?;
    println!(
        "{}",
        serde_json::json!({ "outputs": file.outputs, "outputs_int": file.outputs_int })
    );
    eprintln!(
        "proved in {:.3} s (witness {:.3} s, synthesis {:.3} s, Groth16 {:.3} s); wrote {}",
        (t.witness + t.synthesis + t.prove).as_secs_f64(),
        t.witness.as_secs_f64(),
        t.synthesis.as_secs_f64(),
        t.prove.as_secs_f64(),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
