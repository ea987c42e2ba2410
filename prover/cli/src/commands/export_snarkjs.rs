//! `zkinfer export-snarkjs DIR PROOF.json --out OUTDIR`: the verifying key, proof and public
//! inputs in snarkjs's Groth16 formats, for `snarkjs groth16 verify` and its Solidity tooling.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use zkinfer_verifier::{snarkjs, ProofFile};

use super::prove::load_vk;

/// Arguments of `zkinfer export-snarkjs`.
#[derive(clap::Args)]
pub struct ExportSnarkjsArgs {
    /// A directory with `verifying_key.bin`.
    pub dir: PathBuf,
    /// The proof file.
    pub proof: PathBuf,
    /// Where to write `verification_key.json`, `proof.json` and `public.json` (created if
    /// missing; existing files of those names are replaced).
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `zkinfer export-snarkjs`.
pub fn run(a: ExportSnarkjsArgs) -> anyhow::Result<ExitCode> {
    let vk = load_vk(&a.dir, None)?;
    let text = std::fs::read_to_string(&a.proof)
        .with_context(|| format!("cannot read {}", a.proof.display()))?;
    let file = ProofFile::from_json(&text).with_context(|| format!("in {}", a.proof.display()))?;
    snarkjs::write_all(&a.out, &vk, &file).with_context(|| {
        format!(
            "exporting {} with the key in {} to {}",
            a.proof.display(),
            a.dir.display(),
            a.out.display()
        )
    })?;
    println!(
        "wrote {}, {} and {} to {}",
        snarkjs::VERIFICATION_KEY_FILE,
        snarkjs::PROOF_FILE,
        snarkjs::PUBLIC_FILE,
        a.out.display()
    );
    println!(
        "check with: snarkjs groth16 verify {} {} {}",
        a.out.join(snarkjs::VERIFICATION_KEY_FILE).display(),
        a.out.join(snarkjs::PUBLIC_FILE).display(),
        a.out.join(snarkjs::PROOF_FILE).display()
    );
    Ok(ExitCode::SUCCESS)
}
