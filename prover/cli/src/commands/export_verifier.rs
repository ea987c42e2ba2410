//! `zkinfer export-verifier DIR --out DIR2`: the model's on-chain verifier as Solidity, ABI,
//! bytecode and ready-to-send init code.

use std::path::PathBuf;
use std::process::ExitCode;

use super::prove::load_vk;

/// Arguments of `zkinfer export-verifier`.
#[derive(clap::Args)]
pub struct ExportVerifierArgs {
    /// A directory with the verifying key from `zkinfer setup`.
    pub dir: PathBuf,
    /// Directory to write the verifier files into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `zkinfer export-verifier`.
pub fn run(a: ExportVerifierArgs) -> anyhow::Result<ExitCode> {
    let vk = load_vk(&a.dir, None)?;
    for f in zkinfer_evm::export_verifier(&vk, &a.out)? {
        println!("wrote {}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}
