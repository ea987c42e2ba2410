//! `zkinfer verify DIR PROOF.json`: exit 0 and `valid`, exit 1 and why for an invalid proof,
//! exit 2 for unreadable input.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use zkinfer_verifier::{verify, ProofFile, Verdict};

use super::prove::load_vk;

/// Arguments of `zkinfer verify`.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// A directory with `verifying_key.bin`.
    pub dir: PathBuf,
    /// The proof file.
    pub proof: PathBuf,
}

/// Runs `zkinfer verify`.
pub fn run(a: VerifyArgs) -> anyhow::Result<ExitCode> {
    let vk = load_vk(&a.dir, None)?;
    let text = std::fs::read_to_string(&a.proof)
        .with_context(|| format!("cannot read {}", a.proof.display()))?;
    let file = ProofFile::from_json(&text).with_context(|| format!("in {}", a.proof.display()))?;
    match verify(&vk, &file)? {
        Verdict::Accepted => {
            println!("valid");
            Ok(ExitCode::SUCCESS)
        }
        Verdict::Rejected(why) => {
            println!("invalid: {why}");
            Ok(ExitCode::from(1))
        }
    }
}
