//! `zkinfer compile MODEL.onnx --calibration CAL.json --out DIR`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use zkinfer_ir::{InputData, QuantizeSettings};
use zkinfer_onnx::{CalibrationReport, Compiled};
use zkinfer_r1cs::{choose_mode, ModeChoice, ModeRequest};

/// File name of the compiled model inside a model directory.
pub const MODEL_FILE: &str = "model.json";
/// File name of the calibration report inside a model directory.
pub const REPORT_FILE: &str = "calibration_report.json";

/// Arguments of `zkinfer compile`.
#[derive(clap::Args)]
pub struct CompileArgs {
    /// The ONNX model.
    pub model: PathBuf,
    /// Calibration samples in EZKL's layout: `{"input_data": [[...N samples concatenated...]]}`.
    #[arg(long)]
    pub calibration: PathBuf,
    /// Directory to write `model.json` and `calibration_report.json` into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub quant: QuantArgs,
    /// How proofs of the model are made: `plain` (bit decomposition, Groth16 as published),
    /// `lookup` (LogUp range checks in a two-round Groth16: far fewer constraints, one pairing
    /// more on chain) or `auto` (lookup where it pays).
    #[arg(long, default_value = "auto", value_parser = ["plain", "lookup", "auto"])]
    pub proof_mode: String,
}

/// Accuracy/size trade-off knobs (defaults match or beat EZKL's default accuracy).
#[derive(clap::Args, Clone)]
pub struct QuantArgs {
    /// Signed bits of every range-checked activation; fewer bits mean fewer constraints and
    /// larger rounding errors.
    #[arg(long, default_value_t = QuantizeSettings::default().activation_bits)]
    pub activation_bits: u32,
    /// Signed bits of the model inputs (range-checked and committed in the circuit).
    #[arg(long, default_value_t = QuantizeSettings::default().input_bits)]
    pub input_bits: u32,
    /// Signed bits of weights and constants.
    #[arg(long, default_value_t = QuantizeSettings::default().weight_bits)]
    pub weight_bits: u32,
    /// Spare bits above the largest calibration value of each activation.
    #[arg(long, default_value_t = QuantizeSettings::default().headroom_bits)]
    pub headroom_bits: u32,
    /// Signed bits of a function table's input (sigmoid, exp, …): a table has at most
    /// `2^bits + 1` entries, about one constraint each.
    #[arg(long, default_value_t = QuantizeSettings::default().table_bits)]
    pub table_bits: u32,
}

impl From<QuantArgs> for QuantizeSettings {
    fn from(a: QuantArgs) -> Self {
        QuantizeSettings {
            activation_bits: a.activation_bits,
            input_bits: a.input_bits,
            weight_bits: a.weight_bits,
            headroom_bits: a.headroom_bits,
            table_bits: a.table_bits,
            ..QuantizeSettings::default()
        }
    }
}

/// Reads an input/calibration JSON file.
pub fn read_input(path: &Path) -> anyhow::Result<InputData> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    InputData::from_json(&text).with_context(|| format!("in {}", path.display()))
}

/// Compiles, picks the proof mode (`request`) and writes the artifacts; returns what was
/// compiled (its model and report carry the mode's model id) and why the mode was chosen.
pub fn compile_to_dir(
    model: &Path,
    calibration: &InputData,
    settings: QuantizeSettings,
    request: ModeRequest,
    out: &Path,
) -> anyhow::Result<(Compiled, ModeChoice)> {
    let mut compiled = zkinfer_onnx::compile(model, calibration, settings)
        .with_context(|| format!("compiling {}", model.display()))?;
    let choice = choose_mode(&compiled.model.graph, request)
        .with_context(|| format!("choosing the proof mode of {}", model.display()))?;
    compiled.model = compiled.model.with_proof_mode(choice.mode);
    compiled.report.model_id = compiled.model.model_id.to_hex();
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    compiled.model.save(&out.join(MODEL_FILE))?;
    let report = serde_json::to_string_pretty(&compiled.report)?;
    std::fs::write(out.join(REPORT_FILE), report)
        .with_context(|| format!("cannot write into {}", out.display()))?;
    Ok((compiled, choice))
}

/// Prints the per-layer table and the agreement summary.
pub fn print_report(r: &CalibrationReport) {
    println!("model id   {}", r.model_id);
    println!(
        "{:<34} {:<20} {:>16} {:>10} {:>6} {:>5}",
        "layer", "onnx op", "shape", "float max", "scale", "bits"
    );
    for l in &r.layers {
        let shape = format!("{:?}", l.shape);
        println!(
            "{:<34} {:<20} {:>16} {:>10.4} {:>6} {:>5}",
            l.name, l.op_type, shape, l.float_max_abs, l.scale, l.bits
        );
    }
    let c = &r.calibration;
    println!(
        "calibration set ({} samples): max |float - int| = {:.6}, mean = {:.6}, argmax agreement = {:.2}%",
        c.samples,
        c.max_abs_error,
        c.mean_abs_error,
        c.argmax_agreement * 100.0
    );
}

/// Runs `zkinfer compile`.
pub fn run(a: CompileArgs) -> anyhow::Result<ExitCode> {
    let calibration = read_input(&a.calibration)?;
    let request = super::bench::mode_request(&a.proof_mode)?;
    let (compiled, choice) =
        compile_to_dir(&a.model, &calibration, a.quant.into(), request, &a.out)?;
    print_report(&compiled.report);
    println!("proof mode {}", choice.reason);
    println!(
        "wrote {} and {}",
        a.out.join(MODEL_FILE).display(),
        a.out.join(REPORT_FILE).display()
    );
    Ok(ExitCode::SUCCESS)
}
