//! The imported float model: the ONNX graph normalised into a handful of ops, evaluated in `f64`
//! for calibration. Index arithmetic (convolution, pooling, dense, affine) is shared with the
//! integer IR, so the float and integer models cannot disagree on geometry.

use zkinfer_ir::ops::{
    channel_affine, dense, ConvGeometry, Pool2d, Reduce, ReduceKind, Select, TableFn,
};
use zkinfer_ir::{shape_len, IrError, Limits};

/// A float operation after import.
#[derive(Clone, Debug, PartialEq)]
pub enum FOp {
    /// Dense layer over the last axis: `weight` is `out × in`, row-major.
    Gemm {
        /// Input features.
        in_features: usize,
        /// Output features.
        out_features: usize,
        /// Weights, `out × in`.
        weight: Vec<f64>,
        /// Biases, `out`.
        bias: Vec<f64>,
    },
    /// 2-D convolution.
    Conv {
        /// Geometry.
        geometry: ConvGeometry,
        /// Weights.
        weight: Vec<f64>,
        /// Biases.
        bias: Vec<f64>,
    },
    /// Per-channel `x · mul[c] + add[c]` along `axis` (length-1 vectors apply to all).
    Affine {
        /// Channel axis.
        axis: usize,
        /// Multipliers.
        mul: Vec<f64>,
        /// Addends.
        add: Vec<f64>,
    },
    /// Element-wise sum of two tensors.
    Add,
    /// Element-wise difference of two tensors.
    Sub,
    /// `max(x, 0)`.
    Relu,
    /// Clamp.
    Clip {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Average over each window (zero padding counted; only used where that matches ONNX).
    AvgPool(Pool2d),
    /// Maximum over each window.
    MaxPool(Pool2d),
    /// New shape, same values.
    Reshape(Vec<usize>),
    /// `y[i] = x[index[i]]` under `shape` (Transpose, Slice, Gather).
    Select {
        /// Output shape.
        shape: Vec<usize>,
        /// Input flat index per output element.
        index: Vec<u32>,
    },
    /// Tensors joined along `axis`.
    Concat {
        /// The axis.
        axis: usize,
    },
    /// An element-wise function proved by a table (sigmoid, tanh, exp, GELU, …).
    Table(TableFn),
    /// Sum or maximum over axes.
    Reduce(Reduce),
    /// Element-wise quotient of two tensors of one shape.
    Div,
    /// Element-wise product of two tensors of one shape.
    Mul,
    /// Batched matrix product of two tensors.
    MatMul,
}

impl FOp {
    /// `x · mul` per channel along `axis` (one multiplier for all when `mul` has one), no
    /// addend: Mul and Div by constants, means, slopes.
    pub fn scale(axis: usize, mul: Vec<f64>) -> FOp {
        FOp::Affine {
            axis,
            mul,
            add: vec![0.0],
        }
    }

    /// Short name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            FOp::Gemm { .. } => "gemm",
            FOp::Conv { .. } => "conv",
            FOp::Affine { .. } => "affine",
            FOp::Add => "add",
            FOp::Sub => "sub",
            FOp::Relu => "relu",
            FOp::Clip { .. } => "clip",
            FOp::AvgPool(_) => "avg_pool",
            FOp::MaxPool(_) => "max_pool",
            FOp::Reshape(_) => "reshape",
            FOp::Select { .. } => "select",
            FOp::Concat { .. } => "concat",
            FOp::Table(f) => f.name(),
            FOp::Reduce(r) => r.name(),
            FOp::Div => "div",
            FOp::Mul => "mul",
            FOp::MatMul => "matmul",
        }
    }

    /// Output shape from the input shapes (also validates parameters).
    pub fn output_shape(&self, inputs: &[&[usize]]) -> Result<Vec<usize>, IrError> {
        let x = inputs[0];
        match self {
            FOp::Gemm {
                in_features,
                out_features,
                weight,
                bias,
            } => {
                let weights =
                    in_features
                        .checked_mul(*out_features)
                        .ok_or_else(|| IrError::Overflow {
                            op: "gemm",
                            what: format!("the weight count {in_features} × {out_features}"),
                        })?;
                if x.last() != Some(in_features)
                    || weight.len() != weights
                    || bias.len() != *out_features
                {
                    return Err(IrError::Shape {
                        op: "gemm",
                        detail: format!("input {x:?} does not end in {in_features} features, or weights are malformed"),
                    });
                }
                let mut s = x.to_vec();
                s.pop();
                s.push(*out_features);
                Ok(s)
            }
            FOp::Conv {
                geometry,
                weight,
                bias,
            } => geometry.output_shape(x, weight.len(), bias.len()),
            FOp::Affine { axis, mul, add } => {
                let c = x.get(*axis).copied().unwrap_or(1);
                if [mul.len(), add.len()].iter().any(|&l| l != 1 && l != c) {
                    return Err(IrError::Shape {
                        op: "affine",
                        detail: format!(
                            "{} multipliers / {} addends do not match axis {axis} of {x:?}",
                            mul.len(),
                            add.len()
                        ),
                    });
                }
                Ok(x.to_vec())
            }
            FOp::Add | FOp::Sub | FOp::Div | FOp::Mul => {
                if inputs[1] != x {
                    return Err(IrError::Shape {
                        op: "add",
                        detail: format!("shapes {x:?} and {:?} differ", inputs[1]),
                    });
                }
                Ok(x.to_vec())
            }
            FOp::Relu | FOp::Clip { .. } | FOp::Table(_) => Ok(x.to_vec()),
            FOp::AvgPool(p) => p.output_shape("avg_pool", x),
            FOp::MaxPool(p) => p.output_shape("max_pool", x),
            FOp::Reshape(shape) => {
                if shape_len("reshape", shape)? != shape_len("reshape", x)? {
                    return Err(IrError::Shape {
                        op: "reshape",
                        detail: format!("cannot reshape {x:?} to {shape:?}"),
                    });
                }
                Ok(shape.clone())
            }
            FOp::Select { .. } | FOp::Concat { .. } | FOp::MatMul => self.moved_shape(inputs),
            FOp::Reduce(r) => r.output_shape(x),
        }
    }

    /// The output shape of Select, Concat and MatMul.
    fn moved_shape(&self, inputs: &[&[usize]]) -> Result<Vec<usize>, IrError> {
        let x = inputs[0];
        match self {
            FOp::Select { shape, index } => {
                let n = shape_len("select", x)?;
                if shape_len("select", shape)? != index.len()
                    || index.iter().any(|&i| i != Select::ZERO && i as usize >= n)
                {
                    return Err(IrError::Shape {
                        op: "select",
                        detail: format!("an index map that does not fit {x:?} → {shape:?}"),
                    });
                }
                Ok(shape.clone())
            }
            FOp::Concat { axis } => zkinfer_ir::ops::Concat {
                axis: *axis,
                inputs: inputs.len(),
            }
            .output_shape(inputs),
            FOp::MatMul => {
                let d = zkinfer_ir::ops::MatMul::dims(x, inputs[1])?;
                let mut s = x.to_vec();
                if let Some(last) = s.last_mut() {
                    *last = d.n;
                }
                Ok(s)
            }
            _ => Ok(x.to_vec()),
        }
    }

    /// Float evaluation (a `Select` index past the input is `Select::ZERO`: shapes are
    /// checked when the node is added).
    pub fn eval(
        &self,
        inputs: &[(&[usize], &[f64])],
        out_shape: &[usize],
    ) -> Result<Vec<f64>, IrError> {
        let (shape, x) = inputs[0];
        Ok(match self {
            FOp::Gemm {
                in_features,
                out_features,
                weight,
                bias,
            } => dense(x, *in_features, *out_features, weight, bias),
            FOp::Conv {
                geometry,
                weight,
                bias,
            } => geometry.apply(x, shape, out_shape, weight, bias),
            FOp::Affine { axis, mul, add } => channel_affine(*axis, shape, x, mul, add),
            FOp::Add => x.iter().zip(inputs[1].1).map(|(a, b)| a + b).collect(),
            FOp::Sub => x.iter().zip(inputs[1].1).map(|(a, b)| a - b).collect(),
            FOp::Div => x.iter().zip(inputs[1].1).map(|(a, b)| a / b).collect(),
            FOp::Mul => x.iter().zip(inputs[1].1).map(|(a, b)| a * b).collect(),
            FOp::MatMul => matmul(inputs[0], inputs[1])?,
            FOp::Relu => x.iter().map(|v| v.max(0.0)).collect(),
            FOp::Clip { min, max } => x.iter().map(|v| v.clamp(*min, *max)).collect(),
            FOp::AvgPool(p) => {
                let n = p.kernel[0] as f64 * p.kernel[1] as f64;
                p.apply("avg_pool", shape, x, |plane, cells| {
                    Ok(cells.iter().map(|&i| plane[i]).sum::<f64>() / n)
                })?
                .1
            }
            FOp::MaxPool(p) => {
                p.apply("max_pool", shape, x, |plane, cells| {
                    Ok(cells
                        .iter()
                        .map(|&i| plane[i])
                        .fold(f64::NEG_INFINITY, f64::max))
                })?
                .1
            }
            FOp::Reshape(_) => x.to_vec(),
            FOp::Select { index, .. } => index
                .iter()
                .map(|&i| x.get(i as usize).copied().unwrap_or(0.0))
                .collect(),
            FOp::Table(f) => x.iter().map(|&v| f.eval_f64(v)).collect(),
            FOp::Reduce(r) => r
                .groups(shape)?
                .iter()
                .map(|g| {
                    let values = g.iter().map(|&i| x[i]);
                    match r.kind {
                        ReduceKind::Sum => values.sum(),
                        ReduceKind::Max => values.fold(f64::NEG_INFINITY, f64::max),
                    }
                })
                .collect(),
            FOp::Concat { axis } => {
                let shapes: Vec<&[usize]> = inputs.iter().map(|(s, _)| *s).collect();
                zkinfer_ir::ops::Concat {
                    axis: *axis,
                    inputs: inputs.len(),
                }
                .sources(&shapes)?
                .into_iter()
                .map(|(k, j)| inputs[k].1[j])
                .collect()
            }
        })
    }

    /// Number of tensor operands (`usize::MAX` for Concat: any number).
    pub fn arity(&self) -> usize {
        match self {
            FOp::Add | FOp::Sub | FOp::Div | FOp::Mul | FOp::MatMul => 2,
            FOp::Concat { .. } => usize::MAX,
            _ => 1,
        }
    }
}

/// One float node; its output is tensor `inputs.len() + index` of the graph.
#[derive(Clone, Debug, PartialEq)]
pub struct FNode {
    /// ONNX node name (suffixed when one ONNX node became several).
    pub name: String,
    /// The ONNX op type it came from.
    pub op_type: String,
    /// The operation.
    pub op: FOp,
    /// Operand tensor ids.
    pub inputs: Vec<usize>,
    /// Output shape.
    pub shape: Vec<usize>,
}

/// The imported float model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FGraph {
    /// Graph inputs: name and shape.
    pub inputs: Vec<(String, Vec<usize>)>,
    /// Nodes in topological order.
    pub nodes: Vec<FNode>,
    /// Graph outputs: name and tensor id.
    pub outputs: Vec<(String, usize)>,
}

impl FGraph {
    /// Shape of a tensor.
    pub fn shape(&self, t: usize) -> &[usize] {
        if t < self.inputs.len() {
            &self.inputs[t].1
        } else {
            &self.nodes[t - self.inputs.len()].shape
        }
    }

    /// Appends a node after inferring its shape; returns its tensor id.
    pub fn push(
        &mut self,
        name: &str,
        op_type: &str,
        op: FOp,
        inputs: Vec<usize>,
    ) -> Result<usize, IrError> {
        let shapes: Vec<&[usize]> = inputs.iter().map(|&t| self.shape(t)).collect();
        let shape = op.output_shape(&shapes)?;
        self.nodes.push(FNode {
            name: name.to_string(),
            op_type: op_type.to_string(),
            op,
            inputs,
            shape,
        });
        Ok(self.inputs.len() + self.nodes.len() - 1)
    }

    /// Evaluates the model in `f64` on one sample (one flat list per input), returning every
    /// tensor, inputs first.
    pub fn eval(&self, sample: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, IrError> {
        let mut values: Vec<Vec<f64>> = sample.to_vec();
        for node in &self.nodes {
            let args: Vec<(&[usize], &[f64])> = node
                .inputs
                .iter()
                .map(|&t| (self.shape(t), values[t].as_slice()))
                .collect();
            let out = node
                .op
                .eval(&args, &node.shape)
                .map_err(|e| e.at_node(&node.name, node.op.name()))?;
            values.push(out);
        }
        Ok(values)
    }

    /// Checks every tensor's element count against `limits` (from shapes: nothing is
    /// allocated), naming the node and tensor that exceed it.
    pub fn check_limits(&self, limits: &Limits) -> Result<(), IrError> {
        for (name, shape) in &self.inputs {
            limits.check_tensor("graph input", name, shape)?;
        }
        for n in &self.nodes {
            limits.check_tensor(&n.name, &n.name, &n.shape)?;
        }
        Ok(())
    }

    /// How many nodes read each tensor (graph outputs count as readers).
    pub fn use_counts(&self) -> Vec<usize> {
        let mut uses = vec![0; self.inputs.len() + self.nodes.len()];
        for n in &self.nodes {
            for &i in &n.inputs {
                uses[i] += 1;
            }
        }
        for (_, t) in &self.outputs {
            uses[*t] += 1;
        }
        uses
    }
}

/// Batched matrix product of two float tensors (the IR's index arithmetic).
fn matmul(
    (a_shape, a): (&[usize], &[f64]),
    (b_shape, b): (&[usize], &[f64]),
) -> Result<Vec<f64>, IrError> {
    let d = zkinfer_ir::ops::MatMul::dims(a_shape, b_shape)?;
    Ok((0..d.batch * d.m * d.n)
        .map(|o| {
            zkinfer_ir::ops::MatMul::terms(&d, o)
                .map(|(i, j)| a[i] * b[j])
                .sum()
        })
        .collect())
}
