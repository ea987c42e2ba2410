//! `zkinfer ops`: the supported ONNX op types.

use std::process::ExitCode;

/// Prints one supported ONNX op type per line.
pub fn run() -> anyhow::Result<ExitCode> {
    println!("ONNX ops zkinfer imports (default domain, opsets 7 and later):");
    for op in zkinfer_onnx::supported_ops() {
        println!("  {op}");
    }
    Ok(ExitCode::SUCCESS)
}
