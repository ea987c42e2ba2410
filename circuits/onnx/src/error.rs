//! Errors of ONNX import and compilation. Each names the file, node, op or input concerned.

use std::path::PathBuf;

use zkinfer_ir::{InputError, IrError};

/// Why an ONNX model could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read model file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not an ONNX protobuf.
    #[error("{path} is not a valid ONNX model: {detail}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// The decoder's complaint.
        detail: String,
    },
    /// The model has no graph, or an empty one.
    #[error("the ONNX model has no graph, or its graph has no inputs or outputs")]
    EmptyGraph,
    /// An op outside the supported set.
    #[error("node `{node}`: op `{op_type}` (domain `{domain}`, opset {opset}) is not supported; `zkinfer ops` lists what is")]
    UnsupportedOp {
        /// Node name.
        node: String,
        /// ONNX op type.
        op_type: String,
        /// Operator-set domain (empty for the default ONNX domain).
        domain: String,
        /// Opset version the model imports for that domain.
        opset: i64,
    },
    /// A supported op used with an attribute value zkinfer cannot prove.
    #[error("node `{node}` ({op_type}): unsupported attribute `{attribute}`: {detail}")]
    UnsupportedAttribute {
        /// Node name.
        node: String,
        /// ONNX op type.
        op_type: String,
        /// Attribute name.
        attribute: String,
        /// Why it is refused.
        detail: String,
    },
    /// An operand that must be a constant (weights, shapes) is computed at run time.
    #[error("node `{node}` ({op_type}): input {index} (`{name}`) must be a constant initializer")]
    NotConstant {
        /// Node name.
        node: String,
        /// ONNX op type.
        op_type: String,
        /// Input position.
        index: usize,
        /// Value name.
        name: String,
    },
    /// An operand that must be computed is a constant (e.g. a model that is all constants).
    #[error("node `{node}` ({op_type}): input {index} (`{name}`) must be a tensor computed from the model input")]
    NotTensor {
        /// Node name.
        node: String,
        /// ONNX op type.
        op_type: String,
        /// Input position.
        index: usize,
        /// Value name.
        name: String,
    },
    /// A node reads a value nothing defines.
    #[error("node `{node}`: input `{name}` is not defined by any earlier node, initializer or graph input")]
    UnknownValue {
        /// Node name.
        node: String,
        /// Missing value name.
        name: String,
    },
    /// A node lacks a required input, or has too many.
    #[error("node `{node}` ({op_type}): expected {expected} input(s), found {found}")]
    Arity {
        /// Node name.
        node: String,
        /// ONNX op type.
        op_type: String,
        /// What the op needs.
        expected: String,
        /// What the node has.
        found: usize,
    },
    /// A constant tensor could not be decoded.
    #[error("tensor `{name}`: {detail}")]
    BadTensor {
        /// Tensor name.
        name: String,
        /// What is wrong.
        detail: String,
    },
    /// A graph input without a fixed shape.
    #[error("graph input `{name}` has dynamic or missing dimensions {dims:?}; zkinfer needs fixed shapes (batch 1)")]
    DynamicShape {
        /// Input name.
        name: String,
        /// The dims as declared (symbolic dims shown as -1).
        dims: Vec<i64>,
    },
    /// Shapes or parameters of a node do not fit together.
    #[error("node `{node}` ({op_type}): {source}")]
    Ir {
        /// Node name.
        node: String,
        /// ONNX op type.
        op_type: String,
        /// The shape/parameter problem.
        #[source]
        source: Box<IrError>,
    },
}

/// Why compilation (import, calibration, quantization) failed.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// Import failed.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The calibration file is unusable.
    #[error("calibration data")]
    Calibration(#[source] InputError),
    /// The quantized model could not be built (a bound grew too large, ...).
    #[error("quantizing node `{node}`")]
    Quantize {
        /// Node name.
        node: String,
        /// What went wrong.
        #[source]
        source: IrError,
    },
    /// The integer model could not evaluate a calibration sample (out of range values).
    #[error("calibration sample {sample} does not run on the quantized model")]
    Evaluate {
        /// Sample index.
        sample: usize,
        /// The executor's error.
        #[source]
        source: IrError,
    },
    /// A tensor of the float or integer model exceeds the [`zkinfer_ir::Limits`] (checked
    /// from shapes, before calibration allocates anything).
    #[error("the model exceeds the compile limits")]
    Limits(#[source] IrError),
    /// Settings out of range.
    #[error("invalid quantization settings: {0}")]
    Settings(String),
}
