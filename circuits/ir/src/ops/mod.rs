//! The closed set of operations zkinfer can prove, each with exact integer semantics.
//!
//! Deliberately closed and not `#[non_exhaustive]`: adding a variant must break every backend's
//! `match` until that backend lowers it. Each op lives in its own file with its shape/scale/bound
//! inference (`infer`) and its reference semantics (`eval`); this module only dispatches.
//!
//! Linear ops (Gemm, Conv2d, SumPool2d, ChannelAffine, Add, Sub, Reshape, Select, Concat, a
//! summing Reduce) have constant parameters and cost no multiplication constraints in R1CS;
//! Rescale, Relu, Clip, MaxPool2d, Mul, MatMul, Div and a maximising Reduce cost constraints, and Table costs one lookup per element (lookup mode only).

mod activation;
mod affine;
mod conv;
mod divide;
mod elementwise;
mod gemm;
mod movement;
mod pool;
mod product;
mod reduce;
mod rescale;
mod reshape;
pub mod table;

pub use activation::Clip;
pub use affine::{channel_affine, channel_index, ChannelAffine};
pub use conv::{Conv2d, ConvGeometry};
pub use divide::Div;
pub use gemm::{dense, Gemm};
pub use movement::{Concat, Select};
pub use pool::Pool2d;
pub use product::{MatMul, MatMulDims};
pub use reduce::{Reduce, ReduceKind};
pub use rescale::Rescale;
pub use reshape::Reshape;
pub use table::{Table, TableFn};

use serde::{Deserialize, Serialize};

use crate::{Fact, IrError, QTensor};

/// Every operation zkinfer can prove.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// `y = x · Wᵀ + b` over the last axis; `W`, `b` are constants (free in R1CS).
    Gemm(Gemm),
    /// 2-D convolution (NCHW) with constant weights, strides, pads, dilations and groups.
    Conv2d(Conv2d),
    /// Sum over each pooling window (zero padding); average pooling is this, a constant
    /// multiplier and a rescale.
    SumPool2d(Pool2d),
    /// Maximum over each pooling window; padding cells are ignored.
    MaxPool2d(Pool2d),
    /// Per-channel `y = x · mul[c] + add[c]` with integer constants (BatchNorm, Mul, bias Add,
    /// scale alignment by `2^d`).
    ChannelAffine(ChannelAffine),
    /// Element-wise sum of two tensors of equal shape and scale.
    Add,
    /// Element-wise difference of two tensors of equal shape and scale.
    Sub,
    /// Divide by `2^shift` rounding half up, and range-check the result to `bits` bits.
    Rescale(Rescale),
    /// `max(x, 0)`.
    Relu,
    /// Clamp to `[min, max]` (integers at the input's scale): Clip, Relu6.
    Clip(Clip),
    /// Same values, new shape (Flatten, Reshape, Squeeze, Unsqueeze).
    Reshape(Reshape),
    /// Values moved by a constant index map (Transpose, Slice, Gather with constant indices).
    Select(Select),
    /// Tensors of one scale joined along an axis.
    Concat(Concat),
    /// Element-wise product of two computed tensors (gates, squares): one constraint each.
    Mul,
    /// Batched matrix product of two computed tensors (attention): one constraint per term.
    MatMul(MatMul),
    /// The quotient of two computed tensors, rounded half up (Softmax's normalisation).
    Div(Div),
    /// Sum or maximum over some axes (ReduceSum, ReduceMax, GlobalMaxPool).
    Reduce(Reduce),
    /// An element-wise function given by a constant table (sigmoid, tanh, exp, GELU, …):
    /// one lookup per element, lookup mode only.
    Table(Table),
}

impl Op {
    /// A short stable name for messages and reports.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Gemm(_) => "gemm",
            Op::Conv2d(_) => "conv2d",
            Op::SumPool2d(_) => "sum_pool2d",
            Op::MaxPool2d(_) => "max_pool2d",
            Op::ChannelAffine(_) => "channel_affine",
            Op::Add => "add",
            Op::Sub => "sub",
            Op::Rescale(_) => "rescale",
            Op::Relu => "relu",
            Op::Clip(_) => "clip",
            Op::Reshape(_) => "reshape",
            Op::Select(_) => "select",
            Op::Concat(_) => "concat",
            Op::Mul => "mul",
            Op::MatMul(_) => "matmul",
            Op::Div(_) => "div",
            Op::Reduce(r) => r.name(),
            Op::Table(t) => t.func.name(),
        }
    }

    /// Number of tensor inputs the op takes.
    pub fn arity(&self) -> usize {
        match self {
            Op::Add | Op::Sub | Op::Mul | Op::MatMul(_) | Op::Div(_) => 2,
            Op::Concat(c) => c.inputs,
            _ => 1,
        }
    }

    /// Output shape, scale and bound from the inputs' facts.
    pub fn infer(&self, inputs: &[&Fact]) -> Result<Fact, IrError> {
        self.check_arity(inputs.len())?;
        match self {
            Op::Gemm(g) => g.infer(inputs[0]),
            Op::Conv2d(c) => c.infer(inputs[0]),
            Op::SumPool2d(p) => p.infer_sum(inputs[0]),
            Op::MaxPool2d(p) => p.infer_max(inputs[0]),
            Op::ChannelAffine(a) => a.infer(inputs[0]),
            Op::Add => elementwise::infer("add", inputs[0], inputs[1]),
            Op::Sub => elementwise::infer("sub", inputs[0], inputs[1]),
            Op::Rescale(r) => r.infer(inputs[0]),
            Op::Relu => Ok(activation::infer_relu(inputs[0])),
            Op::Clip(c) => c.infer(inputs[0]),
            Op::Reshape(r) => r.infer(inputs[0]),
            Op::Select(s) => s.infer(inputs[0]),
            Op::Concat(c) => c.infer(inputs),
            Op::Mul => product::infer_mul(inputs[0], inputs[1]),
            Op::MatMul(_) => MatMul::infer(inputs[0], inputs[1]),
            Op::Div(d) => d.infer(inputs[0], inputs[1]),
            Op::Reduce(r) => r.infer(inputs[0]),
            Op::Table(t) => t.infer(inputs[0]),
        }
    }

    /// Exact integer semantics. The circuit proves this result, bit for bit.
    pub fn eval(&self, inputs: &[&QTensor]) -> Result<QTensor, IrError> {
        self.check_arity(inputs.len())?;
        match self {
            Op::Gemm(g) => g.eval(inputs[0]),
            Op::Conv2d(c) => c.eval(inputs[0]),
            Op::SumPool2d(p) => p.eval_sum(inputs[0]),
            Op::MaxPool2d(p) => p.eval_max(inputs[0]),
            Op::ChannelAffine(a) => a.eval(inputs[0]),
            Op::Add => elementwise::eval("add", inputs[0], inputs[1], |a, b| a + b),
            Op::Sub => elementwise::eval("sub", inputs[0], inputs[1], |a, b| a - b),
            Op::Rescale(r) => r.eval(inputs[0]),
            Op::Relu => Ok(activation::eval_relu(inputs[0])),
            Op::Clip(c) => Ok(c.eval(inputs[0])),
            Op::Reshape(r) => r.eval(inputs[0]),
            Op::Select(s) => s.eval(inputs[0]),
            Op::Concat(c) => c.eval(inputs),
            Op::Mul => product::eval_mul(inputs[0], inputs[1]),
            Op::MatMul(_) => MatMul::eval(inputs[0], inputs[1]),
            Op::Div(d) => d.eval(inputs[0], inputs[1]),
            Op::Reduce(r) => r.eval(inputs[0]),
            Op::Table(t) => t.eval(inputs[0]),
        }
    }

    fn check_arity(&self, found: usize) -> Result<(), IrError> {
        if found != self.arity() {
            return Err(IrError::Arity {
                op: self.name(),
                expected: self.arity(),
                found,
            });
        }
        Ok(())
    }
}

/// Converts an `i128` result the bound analysis guarantees to fit back into `i64`.
pub(crate) fn narrow(op: &'static str, v: i128) -> Result<i64, IrError> {
    i64::try_from(v).map_err(|_| IrError::BoundOverflow {
        op,
        bound: v.unsigned_abs(),
    })
}
