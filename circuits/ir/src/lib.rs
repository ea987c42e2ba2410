//! The zkinfer model IR: the integer model every later stage proves.
//!
//! A [`Graph`] is a topologically ordered list of [`Node`]s over a closed set of [`Op`]s with
//! exact integer semantics. Every tensor carries a [`Fact`]: its shape, its power-of-two
//! fixed-point scale (a value `q` stands for `q / 2^scale`) and a sound bound on its magnitude.
//! [`Graph::eval`] is the reference executor: the circuit proves exactly its result, bit for bit.
//! [`CompiledModel`] wraps a graph into a versioned, content-addressed artifact with a blake3
//! [`ModelId`], and records the [`ProofMode`] the model is proved in (the id covers it).
//!
//! This crate deliberately depends on no cryptography, no ONNX runtime and no async runtime, so it
//! can be used and tested on its own.

mod error;
mod exec;
mod fact;
#[cfg(any(test, feature = "test-support"))]
pub mod fixtures;
mod graph;
mod input;
mod limits;
mod mode;
mod model;
pub mod ops;
mod tensor;

pub use error::IrError;
pub use exec::Witness;
pub use fact::{checked_len, len_u128, shape_len, Fact, MAX_ABS_BOUND};
pub use graph::{Graph, GraphInput, GraphOutput, Node, TensorId};
pub use input::{dequantize, quantize, InputData, InputError};
pub use limits::{Limits, DEFAULT_MAX_TENSOR_ELEMENTS};
pub use mode::ProofMode;
pub use model::{CompiledModel, ModelError, ModelId, QuantizeSettings, COMPILED_MODEL_VERSION};
pub use ops::Op;
pub use tensor::QTensor;
