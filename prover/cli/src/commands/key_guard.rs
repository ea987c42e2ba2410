//! The rules about keys nobody can vouch for. Keys made from a fixed seed (`zkinfer setup
//! --insecure-seed`): anyone who knows the seed can forge proofs, so every command that puts
//! money or trust behind a key refuses such a key unless told `--allow-insecure-key`. Keys from
//! a development setup (`zkinfer setup`, one party): the provider node serves only keys whose
//! ceremony it verified itself, unless told `--allow-dev-key`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use zkinfer_ceremony::finalize::{check_keys, ZKEY_FILE};
use zkinfer_ceremony::ptau::Ptau;
use zkinfer_ceremony::zkey::Zkey;
use zkinfer_prover::ProvingKeyFile;
use zkinfer_verifier::VerifyingKeyFile;

/// `--allow-insecure-key`, shared by `deploy`, `export-verifier`, `request` and `provider`.
#[derive(clap::Args, Clone, Copy, Debug, Default)]
pub struct InsecureKeyArgs {
    /// Use a key made with `setup --insecure-seed` (tests only: anyone who knows the seed can
    /// forge proofs for it).
    #[arg(long)]
    pub allow_insecure_key: bool,
}

/// Refuses `key` for `what` when it was made from a fixed seed, unless allowed; warns when
/// allowed.
pub fn refuse_insecure(
    key: &VerifyingKeyFile,
    allow: InsecureKeyArgs,
    what: &str,
) -> anyhow::Result<()> {
    let Some(seed) = key.provenance.insecure_seed else {
        return Ok(());
    };
    if !allow.allow_insecure_key {
        anyhow::bail!(
            "refusing to {what} with a key made from the fixed seed {seed} (`setup \
             --insecure-seed`): anyone who knows the seed can forge proofs for it. Run \
             `zkinfer setup` without --insecure-seed, or pass --allow-insecure-key for a test"
        );
    }
    eprintln!(
        "warning: the key was made from the fixed seed {seed}; anyone who knows it can forge \
         proofs (--allow-insecure-key)"
    );
    Ok(())
}

/// How the provider node checks that a key came from a ceremony.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct CeremonyCheckArgs {
    /// The phase-1 file the models' ceremonies were made on: each model directory's
    /// `ceremony.zkey` (written by `zkinfer ceremony finalize`) is verified against the
    /// model's circuit and this file, and its keys must be the transcript's.
    #[arg(long)]
    pub ptau: Option<PathBuf>,
    /// Serve keys that did not come from a ceremony this node verified (a development setup:
    /// whoever ran it can forge proofs). Implied by --allow-insecure-key.
    #[arg(long)]
    pub allow_dev_key: bool,
}

/// Verifies that the keys in `dir` are those of its verified ceremony, or, allowed by
/// `--allow-dev-key` (or `--allow-insecure-key`), says they are not. Returns the number of
/// contributions verified (0 for a development key).
pub fn require_ceremony(
    dir: &Path,
    model: &zkinfer_ir::CompiledModel,
    pk: &ProvingKeyFile,
    vk: &VerifyingKeyFile,
    ptau: Option<&Ptau>,
    allow: &CeremonyCheckArgs,
    insecure: InsecureKeyArgs,
) -> anyhow::Result<usize> {
    let zkey_path = dir.join(ZKEY_FILE);
    let verified = match ptau {
        Some(ptau) if zkey_path.exists() => {
            let bytes = std::fs::read(&zkey_path)
                .with_context(|| format!("cannot read {}", zkey_path.display()))?;
            let zkey =
                Zkey::from_bytes(bytes).with_context(|| format!("in {}", zkey_path.display()))?;
            let report = check_keys(model, ptau, &zkey, pk, vk)
                .with_context(|| format!("the keys in {} against their ceremony", dir.display()))?;
            Some(report.contributions.len())
        }
        _ => None,
    };
    if let Some(n) = verified {
        return Ok(n);
    }
    if !(allow.allow_dev_key || insecure.allow_insecure_key) {
        anyhow::bail!(
            "refusing to serve the keys in {}: they do not come from a ceremony this node \
             verified ({}). Run a ceremony (`zkinfer ceremony …`, then `finalize` into the \
             directory) and pass --ptau, or pass --allow-dev-key for a development key",
            dir.display(),
            if ptau.is_none() {
                "no --ptau given"
            } else {
                "no ceremony.zkey in the directory"
            }
        );
    }
    eprintln!(
        "warning: serving the development keys in {} (no verified ceremony: whoever made them \
         can forge proofs)",
        dir.display()
    );
    Ok(0)
}
