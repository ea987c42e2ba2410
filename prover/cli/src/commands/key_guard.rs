//! The one rule about keys made from a fixed seed (`zkinfer setup --insecure-seed`): anyone who
//! knows the seed can forge proofs, so every command that puts money or trust behind a key
//! refuses such a key unless told `--allow-insecure-key`.

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
