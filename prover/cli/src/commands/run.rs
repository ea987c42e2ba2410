//! `zkinfer run DIR --input INPUT.json`: exact integer inference, printed as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use zkinfer_ir::CompiledModel;

use super::compile::{read_input, MODEL_FILE};

/// Arguments of `zkinfer run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// A directory written by `zkinfer compile`.
    pub dir: PathBuf,
    /// One sample in EZKL's layout: `{"input_data": [[x0, x1, ...]]}`.
    #[arg(long)]
    pub input: PathBuf,
}

/// What `zkinfer run` prints: dequantized and raw integer outputs, one flat list per output.
#[derive(Serialize)]
pub struct RunOutput {
    /// Dequantized outputs.
    pub outputs: Vec<Vec<f64>>,
    /// Raw fixed-point outputs.
    pub outputs_int: Vec<Vec<i64>>,
}

/// Runs a compiled model on one sample.
pub fn infer(model: &CompiledModel, input: &zkinfer_ir::InputData) -> anyhow::Result<RunOutput> {
    let shapes = model.graph.input_shapes();
    let sample = input.single(&shapes)?;
    let ints = zkinfer_onnx::run_integer(model, &sample)?;
    Ok(RunOutput {
        outputs: zkinfer_onnx::dequantized(model, &ints),
        outputs_int: ints.into_iter().map(|t| t.data).collect(),
    })
}

/// Runs `zkinfer run`.
pub fn run(a: RunArgs) -> anyhow::Result<ExitCode> {
    let model = CompiledModel::load(&a.dir.join(MODEL_FILE))?;
    let input = read_input(&a.input)?;
    let out = infer(&model, &input)
        .with_context(|| format!("running {} on {}", a.dir.display(), a.input.display()))?;
    println!("{}", serde_json::to_string(&out)?);
    Ok(ExitCode::SUCCESS)
}
