//! `zkinfer export-verifier DIR --out DIR2`: the on-chain verifier as Solidity, ABI, bytecode,
//! ready-to-send init code, and the calldata that publishes the model's key in it.

use std::path::PathBuf;
use std::process::ExitCode;

use super::key_guard::{refuse_insecure, InsecureKeyArgs};
use super::prove::load_vk;

/// Arguments of `zkinfer export-verifier`.
#[derive(clap::Args)]
pub struct ExportVerifierArgs {
    /// A directory with the verifying key from `zkinfer setup`.
    pub dir: PathBuf,
    /// Directory to write the verifier files into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub insecure: InsecureKeyArgs,
}

/// Runs `zkinfer export-verifier`.
pub fn run(a: ExportVerifierArgs) -> anyhow::Result<ExitCode> {
    let vk = load_vk(&a.dir, None)?;
    refuse_insecure(&vk, a.insecure, "export a verifier")?;
    for f in zkinfer_evm::export_verifier(&vk, &a.out)? {
        println!("wrote {}", f.display());
    }
    println!("key hash {}", zkinfer_evm::key_hash(&vk));
    Ok(ExitCode::SUCCESS)
}
