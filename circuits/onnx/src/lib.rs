//! ONNX → calibrated, quantized zkinfer model.
//!
//! The pipeline: decode the ONNX protobuf (tract-onnx's types) → import each node through the
//! op [`ops::registry`] into a float graph → fold affine maps into the layers before them →
//! run the float graph on the calibration samples to find each tensor's range → choose
//! power-of-two scales and build the integer [`zkinfer_ir::Graph`] → check the integer model
//! against the float one on the same samples ([`CalibrationReport`]).
//!
//! Any op or attribute outside what the circuit can prove is refused at import with the node,
//! op type and opset.

mod calibrate;
mod error;
pub mod float_graph;
mod fold;
mod import;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod import_tests;
pub mod ops;
pub mod proto;
mod quantize;
mod report;

use std::path::Path;

pub use error::{CompileError, ImportError};
pub use float_graph::FGraph;
pub use quantize::{choose_scale, to_fixed};
pub use report::{
    argmax, dequantized, run_integer, Accuracy, CalibrationReport, LayerReport, RunError,
    REPORT_VERSION,
};
use zkinfer_ir::{CompiledModel, InputData, Limits, QuantizeSettings};

/// Reads an ONNX file into a float graph (imported and folded), with the default [`Limits`].
pub fn import(path: &Path) -> Result<FGraph, ImportError> {
    import_with_limits(path, &Limits::default())
}

/// Reads an ONNX file into a float graph, refusing any tensor beyond `limits`.
pub fn import_with_limits(path: &Path, limits: &Limits) -> Result<FGraph, ImportError> {
    let proto = proto::read_model(path)?;
    Ok(fold::simplify(import::import_proto_with_limits(
        &proto, limits,
    )?))
}

/// Imports ONNX bytes with the default [`Limits`]; `name` labels them in errors.
pub fn import_bytes(bytes: &[u8], name: &Path) -> Result<FGraph, ImportError> {
    import_bytes_with_limits(bytes, name, &Limits::default())
}

/// Imports ONNX bytes, refusing any tensor beyond `limits`; `name` labels them in errors.
pub fn import_bytes_with_limits(
    bytes: &[u8],
    name: &Path,
    limits: &Limits,
) -> Result<FGraph, ImportError> {
    let proto = proto::decode_model(bytes, name)?;
    Ok(fold::simplify(import::import_proto_with_limits(
        &proto, limits,
    )?))
}

/// The ONNX op types zkinfer imports, sorted.
pub fn supported_ops() -> Vec<&'static str> {
    ops::registry().op_types()
}

/// A compiled model with its calibration report and the float graph it came from.
pub struct Compiled {
    /// The integer model.
    pub model: CompiledModel,
    /// Scales, bit widths and float-vs-integer agreement on the calibration set.
    pub report: CalibrationReport,
    /// The float model (for comparisons).
    pub float: FGraph,
}

/// Calibrates and quantizes an imported float graph, with the default [`Limits`].
pub fn compile_graph(
    float: FGraph,
    calibration: &InputData,
    settings: QuantizeSettings,
) -> Result<Compiled, CompileError> {
    compile_graph_with_limits(float, calibration, settings, &Limits::default())
}

/// Calibrates and quantizes an imported float graph. Every float tensor is checked against
/// `limits` before calibration evaluates anything, and every integer tensor before the
/// integer model is run on the calibration samples.
pub fn compile_graph_with_limits(
    float: FGraph,
    calibration: &InputData,
    settings: QuantizeSettings,
    limits: &Limits,
) -> Result<Compiled, CompileError> {
    float.check_limits(limits).map_err(CompileError::Limits)?;
    let shapes: Vec<Vec<usize>> = float.inputs.iter().map(|(_, s)| s.clone()).collect();
    let samples = calibration
        .samples(&shapes)
        .map_err(CompileError::Calibration)?;
    let ranges = calibrate::ranges(&float, &samples)
        .map_err(|source| CompileError::Evaluate { sample: 0, source })?;
    let (graph, map) = quantize::quantize(&float, &ranges, &settings)?;
    graph.check_limits(limits).map_err(CompileError::Limits)?;
    let layers = report::layers(&float, &graph, &map, &ranges);
    let model =
        CompiledModel::new(graph, settings.clone()).map_err(|source| CompileError::Quantize {
            node: "graph".into(),
            source,
        })?;
    let calibration = report::accuracy(&model, &float, &samples)?;
    let report = CalibrationReport {
        version: REPORT_VERSION,
        model_id: model.model_id.to_hex(),
        settings,
        layers,
        calibration,
    };
    Ok(Compiled {
        model,
        report,
        float,
    })
}

/// Imports, calibrates and quantizes an ONNX file, with the default [`Limits`].
pub fn compile(
    path: &Path,
    calibration: &InputData,
    settings: QuantizeSettings,
) -> Result<Compiled, CompileError> {
    compile_with_limits(path, calibration, settings, &Limits::default())
}

/// Imports, calibrates and quantizes an ONNX file, refusing any tensor beyond `limits`.
pub fn compile_with_limits(
    path: &Path,
    calibration: &InputData,
    settings: QuantizeSettings,
    limits: &Limits,
) -> Result<Compiled, CompileError> {
    compile_graph_with_limits(
        import_with_limits(path, limits)?,
        calibration,
        settings,
        limits,
    )
}
