//! `zkinfer setup DIR`: the model's Groth16 proving and verifying keys from one party's
//! randomness: development keys (their provenance records no ceremony, and the provider node
//! refuses them without `--allow-dev-key`). Keys others rely on come from `zkinfer ceremony`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use rand::SeedableRng;
use zkinfer_ir::CompiledModel;
use zkinfer_prover::{setup, write_atomic};
use zkinfer_verifier::KeyProvenance;

use super::compile::MODEL_FILE;

/// File name of the proving key in a model directory.
pub const PK_FILE: &str = "proving_key.bin";
/// File name of the verifying key in a model directory.
pub const VK_FILE: &str = "verifying_key.bin";

/// Arguments of `zkinfer setup`.
#[derive(clap::Args)]
pub struct SetupArgs {
    /// A directory written by `zkinfer compile`.
    pub dir: PathBuf,
    /// Derive the setup randomness from this seed. INSECURE: whoever knows the seed can forge
    /// proofs. For tests and reproducible benchmarks only.
    #[arg(long)]
    pub insecure_seed: Option<u64>,
    /// Who runs this setup (recorded in the verifying key).
    #[arg(long, default_value = "local setup (zkinfer setup)")]
    pub made_by: String,
}

/// Runs setup for the model in `dir` and writes both keys there.
pub fn setup_dir(dir: &Path, insecure_seed: Option<u64>, made_by: &str) -> anyhow::Result<()> {
    let model = CompiledModel::load(&dir.join(MODEL_FILE))?;
    let provenance = KeyProvenance {
        made_by: made_by.to_string(),
        insecure_seed,
        created_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        ceremony: None,
    };
    let start = Instant::now();
    let (pk, vk) = match insecure_seed {
        Some(seed) => setup(
            &model,
            &mut rand_chacha::ChaCha20Rng::seed_from_u64(seed),
            provenance,
        )?,
        None => setup(&model, &mut rand::rngs::OsRng, provenance)?,
    };
    let elapsed = start.elapsed();
    let pk_bytes = pk.to_bytes()?;
    let vk_bytes = vk.to_bytes()?;
    write_atomic(&dir.join(PK_FILE), &pk_bytes).context("writing the proving key")?;
    write_atomic(&dir.join(VK_FILE), &vk_bytes).context("writing the verifying key")?;
    println!("model        {} ({} mode)", model.model_id, vk.mode());
    println!("setup        {:.2} s", elapsed.as_secs_f64());
    println!(
        "proving key  {} ({} bytes)",
        dir.join(PK_FILE).display(),
        pk_bytes.len()
    );
    println!(
        "verifying key {} ({} bytes, {} public inputs{})",
        dir.join(VK_FILE).display(),
        vk_bytes.len(),
        vk.num_public(),
        if vk.round1.is_some() {
            ", the last the challenge"
        } else {
            ""
        }
    );
    if insecure_seed.is_some() {
        println!("WARNING: keys derived from --insecure-seed: anyone who knows the seed can forge proofs");
    } else {
        println!(
            "development keys: whoever ran this setup can forge proofs (the key records no \
             ceremony); for keys others rely on, run `zkinfer ceremony`"
        );
    }
    Ok(())
}

/// Runs `zkinfer setup`.
pub fn run(a: SetupArgs) -> anyhow::Result<ExitCode> {
    setup_dir(&a.dir, a.insecure_seed, &a.made_by)?;
    Ok(ExitCode::SUCCESS)
}
