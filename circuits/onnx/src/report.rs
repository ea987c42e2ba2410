//! The calibration report: per-layer scales and bit widths, and how closely the integer model
//! follows the float model on a set of samples.

use serde::{Deserialize, Serialize};
use zkinfer_ir::{
    dequantize, quantize, CompiledModel, Graph, IrError, QTensor, QuantizeSettings, TensorId,
};

use crate::float_graph::FGraph;
use crate::CompileError;

/// Format version of `calibration_report.json`.
pub const REPORT_VERSION: u32 = 1;

/// One float layer and the fixed point chosen for its output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerReport {
    /// Node name.
    pub name: String,
    /// Originating ONNX op type.
    pub op_type: String,
    /// Output shape.
    pub shape: Vec<usize>,
    /// Largest |value| over the calibration samples (float model).
    pub float_max_abs: f64,
    /// Fractional bits of the quantized output.
    pub scale: i32,
    /// Signed bit width that bounds the quantized output.
    pub bits: u32,
}

/// Float vs integer agreement over a set of samples (dequantized integer outputs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Accuracy {
    /// Samples compared.
    pub samples: usize,
    /// Largest |float − dequantized integer| over every output value of every sample.
    pub max_abs_error: f64,
    /// Mean of |float − dequantized integer|.
    pub mean_abs_error: f64,
    /// Fraction of samples whose argmax (of the first output) agrees.
    pub argmax_agreement: f64,
}

/// What `zkinfer compile` writes next to the compiled model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalibrationReport {
    /// Format version ([`REPORT_VERSION`]).
    pub version: u32,
    /// The compiled model's id.
    pub model_id: String,
    /// Settings used.
    pub settings: QuantizeSettings,
    /// One entry per float layer, in order (inputs first, named `input:<name>`).
    pub layers: Vec<LayerReport>,
    /// Agreement on the calibration samples.
    pub calibration: Accuracy,
}

/// Builds the per-layer table.
pub fn layers(float: &FGraph, ir: &Graph, map: &[TensorId], ranges: &[f64]) -> Vec<LayerReport> {
    let entry = |name: String, op_type: String, t: usize| {
        let fact = ir
            .fact(map[t])
            .cloned()
            .unwrap_or_else(|| zkinfer_ir::Fact {
                shape: vec![],
                scale: 0,
                max_abs: 0,
            });
        LayerReport {
            name,
            op_type,
            shape: fact.shape.clone(),
            float_max_abs: ranges[t],
            scale: fact.scale,
            bits: fact.bits(),
        }
    };
    let inputs = float
        .inputs
        .iter()
        .enumerate()
        .map(|(i, (n, _))| entry(format!("input:{n}"), "Input".into(), i));
    let nodes = float
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| entry(n.name.clone(), n.op_type.clone(), float.inputs.len() + i));
    inputs.chain(nodes).collect()
}

/// Runs the integer model on one float sample: quantizes the inputs, evaluates, and returns
/// the raw integer outputs.
pub fn run_integer(model: &CompiledModel, sample: &[Vec<f64>]) -> Result<Vec<QTensor>, RunError> {
    let g = &model.graph;
    let inputs = g
        .inputs
        .iter()
        .zip(sample)
        .enumerate()
        .map(|(i, (spec, values))| {
            let data = quantize(i, values, spec.fact.scale, spec.bits)?;
            Ok(QTensor::new(spec.fact.shape.clone(), data)?)
        })
        .collect::<Result<Vec<_>, RunError>>()?;
    let witness = g.eval(inputs)?;
    Ok(witness.outputs(g).into_iter().cloned().collect())
}

/// Dequantized integer outputs: one flat list per output.
pub fn dequantized(model: &CompiledModel, outputs: &[QTensor]) -> Vec<Vec<f64>> {
    outputs
        .iter()
        .zip(model.graph.output_facts())
        .map(|(t, f)| t.data.iter().map(|&q| dequantize(q, f.scale)).collect())
        .collect()
}

/// Why running the integer model on a float sample failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The input could not be quantized (NaN, out of range, wrong length).
    #[error(transparent)]
    Input(#[from] zkinfer_ir::InputError),
    /// The executor refused (a value outside the range the circuit checks).
    #[error(transparent)]
    Eval(#[from] IrError),
}

/// Compares float and integer outputs over `samples`.
pub fn accuracy(
    model: &CompiledModel,
    float: &FGraph,
    samples: &[Vec<Vec<f64>>],
) -> Result<Accuracy, CompileError> {
    let (mut max_err, mut sum_err, mut count, mut agree) = (0.0f64, 0.0f64, 0usize, 0usize);
    for (i, sample) in samples.iter().enumerate() {
        let eval_err = |source| CompileError::Evaluate { sample: i, source };
        let values = float.eval(sample).map_err(eval_err)?;
        let ints = run_integer(model, sample).map_err(|e| match e {
            RunError::Eval(source) => CompileError::Evaluate { sample: i, source },
            RunError::Input(e) => CompileError::Calibration(e),
        })?;
        let deq = dequantized(model, &ints);
        for ((_, t), q) in float.outputs.iter().zip(&deq) {
            for (a, b) in values[*t].iter().zip(q) {
                let e = (a - b).abs();
                max_err = max_err.max(e);
                sum_err += e;
                count += 1;
            }
        }
        if let (Some((_, t)), Some(q)) = (float.outputs.first(), deq.first()) {
            agree += usize::from(argmax(&values[*t]) == argmax(q));
        }
    }
    Ok(Accuracy {
        samples: samples.len(),
        max_abs_error: max_err,
        mean_abs_error: if count == 0 {
            0.0
        } else {
            sum_err / count as f64
        },
        argmax_agreement: if samples.is_empty() {
            1.0
        } else {
            agree as f64 / samples.len() as f64
        },
    })
}

/// Index of the largest value (first on ties).
pub fn argmax(v: &[f64]) -> usize {
    v.iter()
        .enumerate()
        .fold(0, |best, (i, x)| if *x > v[best] { i } else { best })
}
