//! `zkinfer demo`: the main job on the bundled model (embedded in the binary, so it runs from
//! any directory).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use zkinfer_ir::{InputData, QuantizeSettings};

use super::compile::{compile_to_dir, print_report};
use super::run::infer;

const MODEL_ONNX: &[u8] = include_bytes!("../../../../models/lenet5/model.onnx");
const CALIBRATION: &str = include_str!("../../../../models/lenet5/calibration.json");
const INPUT: &str = include_str!("../../../../models/lenet5/input.json");

/// Arguments of `zkinfer demo`.
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Where to write the artifacts (default: a fresh directory under the system temp dir).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs the demo.
pub fn run(a: DemoArgs) -> anyhow::Result<ExitCode> {
    let out = a.out.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("zkinfer-demo-{}", std::process::id()))
    });
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let onnx = out.join("lenet5.onnx");
    std::fs::write(&onnx, MODEL_ONNX)
        .with_context(|| format!("cannot write {}", onnx.display()))?;
    println!(
        "== 1. compile the bundled LeNet-5 (models/lenet5) into {}",
        out.display()
    );
    let calibration = InputData::from_json(CALIBRATION)?;
    let compiled = compile_to_dir(&onnx, &calibration, QuantizeSettings::default(), &out)?;
    print_report(&compiled.report);
    println!("== 2. run the exact integer model on models/lenet5/input.json");
    let result = infer(&compiled.model, &InputData::from_json(INPUT)?)?;
    let logits = &result.outputs[0];
    println!("outputs      {}", serde_json::to_string(&result.outputs)?);
    println!(
        "outputs_int  {}",
        serde_json::to_string(&result.outputs_int)?
    );
    println!("predicted digit: {}", zkinfer_onnx::argmax(logits));
    println!("(proving, verification and the on-chain escrow are added by the next stages)");
    Ok(ExitCode::SUCCESS)
}
