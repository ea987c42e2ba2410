//! Quantization: the calibrated float graph becomes the integer IR graph.
//!
//! Every tensor gets a power-of-two scale. Graph inputs (`input_bits`) and the results of every rounding step
//! (after Gemm, Conv, affine maps and average pooling) are range-checked to
//! `activation_bits`, with their scale chosen as the largest that keeps the calibration maximum,
//! times `2^headroom_bits`, inside that range. Weights get the largest scale that fits
//! `weight_bits`. Max pooling, ReLU, Clip and reshapes keep their input's scale; tensor Add/Sub
//! lifts the lower-scale operand exactly (times `2^d`) to the other's scale. A function
//! table's input is rounded to `table_bits` at the scale its calibration range allows, and its
//! output takes the calibrated scale of the function's result.

use zkinfer_ir::ops::{
    ChannelAffine, Clip, Concat, Conv2d, Div, Gemm, Pool2d, Rescale, Reshape, Select,
};
use zkinfer_ir::{Fact, Graph, GraphInput, GraphOutput, IrError, Op, QuantizeSettings, TensorId};

use crate::float_graph::{FGraph, FOp};
use crate::CompileError;

mod table;

/// Largest scale `s <= max_scale` with `max_abs · 2^headroom · 2^s <= 2^(bits−1) − 1`.
pub fn choose_scale(max_abs: f64, bits: u32, headroom: u32, max_scale: i32) -> i32 {
    if max_abs <= 0.0 || !max_abs.is_finite() {
        return max_scale;
    }
    let limit = ((1u64 << (bits - 1)) - 1) as f64 / (max_abs * 2f64.powi(headroom as i32));
    (limit.log2().floor() as i32).min(max_scale)
}

/// `round(v · 2^scale)`, saturating at ±2^62 (used for infinite clip bounds).
pub fn to_fixed(v: f64, scale: i32) -> i64 {
    let q = (v * 2f64.powi(scale)).round();
    q.clamp(-(2f64.powi(62)), 2f64.powi(62)) as i64
}

/// The smallest scale at which every value is an exact integer, if it is at most `limit`.
fn exact_scale(values: &[f64], limit: i32) -> Option<i32> {
    (0..=limit.max(0)).find(|&s| values.iter().all(|v| (v * 2f64.powi(s)).fract() == 0.0))
}

struct Quantizer<'a> {
    settings: &'a QuantizeSettings,
    ranges: &'a [f64],
    ir: Graph,
    /// Float tensor id → IR tensor id.
    map: Vec<TensorId>,
    /// Float tensors whose rounding step is deferred past the max pooling that reads them.
    defer: Vec<bool>,
    /// IR tensors holding an unrounded (deferred) accumulator.
    unrounded: Vec<TensorId>,
}

impl Quantizer<'_> {
    /// The fact of an IR tensor this quantizer created.
    fn fact(&self, t: TensorId) -> Result<Fact, CompileError> {
        self.ir.fact(t).cloned().ok_or(CompileError::Quantize {
            node: format!("tensor {}", t.0),
            source: IrError::UnknownTensor {
                node: "quantizer".into(),
                tensor: t.0,
            },
        })
    }

    /// The scale of an IR tensor this quantizer created.
    fn scale(&self, t: TensorId) -> Result<i32, CompileError> {
        self.fact(t).map(|f| f.scale)
    }

    fn push(
        &mut self,
        name: &str,
        op: Op,
        inputs: Vec<TensorId>,
    ) -> Result<TensorId, CompileError> {
        self.ir
            .push(name, op, inputs)
            .map_err(|source| CompileError::Quantize {
                node: name.into(),
                source,
            })
    }

    fn weight_scale(&self, w: &[f64]) -> i32 {
        let m = w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        choose_scale(m, self.settings.weight_bits, 0, self.settings.max_scale)
    }

    /// Rounds the accumulator of float tensor `t`, unless only a max pooling reads it: then the
    /// pooling takes the maxima of the exact accumulators and rounds those (equal results, far
    /// fewer rounding steps).
    fn round_unless_deferred(
        &mut self,
        name: &str,
        acc: TensorId,
        t: usize,
    ) -> Result<TensorId, CompileError> {
        if self.defer[t] {
            self.unrounded.push(acc);
            return Ok(acc);
        }
        self.rescale_to(name, acc, t)
    }

    /// Rounds an accumulator down to the calibrated scale of float tensor `t`, range-checked to
    /// `activation_bits`.
    fn rescale_to(
        &mut self,
        name: &str,
        acc: TensorId,
        t: usize,
    ) -> Result<TensorId, CompileError> {
        let s = &self.settings;
        let target = choose_scale(
            self.ranges[t],
            s.activation_bits,
            s.headroom_bits,
            s.max_scale,
        );
        let shift = (self.scale(acc)? - target).max(0) as u32;
        self.push(
            &format!("{name}.rescale"),
            Op::Rescale(Rescale {
                shift,
                bits: s.activation_bits,
            }),
            vec![acc],
        )
    }

    /// Quantized weights (at their own scale) and biases (at `sx + weight scale`).
    fn quantized(&self, w: &[f64], b: &[f64], sx: i32) -> (Vec<i64>, Vec<i64>, i32) {
        let sw = self.weight_scale(w);
        let w = w.iter().map(|v| to_fixed(*v, sw)).collect();
        (w, b.iter().map(|v| to_fixed(*v, sx + sw)).collect(), sw)
    }

    fn node(
        &mut self,
        name: &str,
        op: &FOp,
        inputs: &[TensorId],
        float_inputs: &[usize],
        t: usize,
    ) -> Result<TensorId, CompileError> {
        let x = inputs[0];
        let sx = self.scale(x)?;
        match op {
            FOp::Gemm {
                in_features,
                out_features,
                weight,
                bias,
            } => {
                let (weight, bias, weight_scale) = self.quantized(weight, bias, sx);
                let (in_features, out_features) = (*in_features, *out_features);
                let gemm = Gemm {
                    out_features,
                    in_features,
                    weight,
                    bias,
                    weight_scale,
                };
                let acc = self.push(name, Op::Gemm(gemm), vec![x])?;
                self.round_unless_deferred(name, acc, t)
            }
            FOp::Conv {
                geometry,
                weight,
                bias,
            } => {
                let (weight, bias, weight_scale) = self.quantized(weight, bias, sx);
                let conv = Conv2d {
                    geometry: geometry.clone(),
                    weight,
                    bias,
                    weight_scale,
                };
                let acc = self.push(name, Op::Conv2d(conv), vec![x])?;
                self.round_unless_deferred(name, acc, t)
            }
            FOp::Affine { axis, mul, add } => {
                let sm = exact_scale(mul, self.settings.weight_bits as i32 - 2)
                    .unwrap_or_else(|| self.weight_scale(mul));
                let affine = ChannelAffine {
                    axis: *axis,
                    mul: mul.iter().map(|v| to_fixed(*v, sm)).collect(),
                    add: add.iter().map(|v| to_fixed(*v, sx + sm)).collect(),
                    mul_scale: sm,
                };
                let acc = self.push(name, Op::ChannelAffine(affine), vec![x])?;
                self.round_unless_deferred(name, acc, t)
            }
            FOp::AvgPool(pool) => self.average(name, pool, x, t),
            FOp::Add | FOp::Sub => {
                let (a, b) = self.align(name, x, inputs[1])?;
                self.push(
                    name,
                    if matches!(op, FOp::Add) {
                        Op::Add
                    } else {
                        Op::Sub
                    },
                    vec![a, b],
                )
            }
            FOp::Relu => self.push(name, Op::Relu, vec![x]),
            FOp::Clip { min, max } => self.push(
                name,
                Op::Clip(Clip {
                    min: to_fixed(*min, sx),
                    max: to_fixed(*max, sx),
                }),
                vec![x],
            ),
            FOp::MaxPool(pool) => self.max_pool(name, pool, x, t),
            FOp::Reshape(_) | FOp::Select { .. } | FOp::Concat { .. } => {
                self.movement(name, op, inputs)
            }
            FOp::Table(f) => self.table(name, *f, x, float_inputs[0], t),
            FOp::Reduce(r) => self.push(name, Op::Reduce(r.clone()), vec![x]),
            FOp::Div => self.divide(name, inputs, t),
            FOp::Mul | FOp::MatMul => self.product(name, op, inputs, t),
        }
    }

    /// A product of two computed tensors (exact, at the sum of their scales), then its rounding
    /// step (deferred when only a max pooling or a table reads it).
    fn product(
        &mut self,
        name: &str,
        op: &FOp,
        inputs: &[TensorId],
        t: usize,
    ) -> Result<TensorId, CompileError> {
        let op = if matches!(op, FOp::Mul) {
            Op::Mul
        } else {
            Op::MatMul(zkinfer_ir::ops::MatMul)
        };
        let acc = self.push(name, op, inputs.to_vec())?;
        self.round_unless_deferred(name, acc, t)
    }

    /// The quotient of two tensors at the calibrated scale of its result (float tensor `t`).
    fn divide(
        &mut self,
        name: &str,
        inputs: &[TensorId],
        t: usize,
    ) -> Result<TensorId, CompileError> {
        let s = self.settings;
        let target = choose_scale(
            self.ranges[t],
            s.activation_bits,
            s.headroom_bits,
            s.max_scale,
        );
        let shift = (target - self.scale(inputs[0])? + self.scale(inputs[1])?).max(0) as u32;
        let div = Div {
            shift,
            bits: s.activation_bits,
        };
        self.push(name, Op::Div(div), inputs.to_vec())
    }

    /// Reshape, Select and Concat: the same integers moved; Concat's inputs first brought to
    /// one scale.
    fn movement(
        &mut self,
        name: &str,
        op: &FOp,
        inputs: &[TensorId],
    ) -> Result<TensorId, CompileError> {
        match op {
            FOp::Reshape(shape) => self.push(
                name,
                Op::Reshape(Reshape {
                    shape: shape.clone(),
                }),
                inputs.to_vec(),
            ),
            FOp::Select { shape, index } => self.push(
                name,
                Op::Select(Select {
                    shape: shape.clone(),
                    index: index.clone(),
                }),
                inputs.to_vec(),
            ),
            FOp::Concat { axis } => {
                let aligned = self.align_all(name, inputs)?;
                self.push(
                    name,
                    Op::Concat(Concat {
                        axis: *axis,
                        inputs: aligned.len(),
                    }),
                    aligned,
                )
            }
            other => Err(CompileError::Quantize {
                node: name.to_string(),
                source: IrError::InvalidParameter {
                    op: "movement",
                    detail: format!("`{}` is not a data-movement op", other.name()),
                },
            }),
        }
    }

    /// Max pooling; when it reads an unrounded accumulator, the maxima are rounded after it
    /// (max commutes with the monotone rounding: equal results, far fewer rounding steps).
    fn max_pool(
        &mut self,
        name: &str,
        pool: &Pool2d,
        x: TensorId,
        t: usize,
    ) -> Result<TensorId, CompileError> {
        let pooled = self.push(name, Op::MaxPool2d(pool.clone()), vec![x])?;
        if self.unrounded.contains(&x) {
            return self.rescale_to(name, pooled, t);
        }
        Ok(pooled)
    }

    /// Average pooling: exact window sums, times `≈ 2^t / n` (exactly `1` at scale `log2 n`
    /// when `n` is a power of two), then one rounding step.
    fn average(
        &mut self,
        name: &str,
        pool: &Pool2d,
        x: TensorId,
        t: usize,
    ) -> Result<TensorId, CompileError> {
        let sum = self.push(&format!("{name}.sum"), Op::SumPool2d(pool.clone()), vec![x])?;
        let n = (pool.kernel[0] as u64).saturating_mul(pool.kernel[1] as u64);
        let (mul, mul_scale) = if n.is_power_of_two() {
            (1, n.trailing_zeros() as i32)
        } else {
            let t = ((n as f64) * ((1u64 << (self.settings.weight_bits - 1)) - 1) as f64)
                .log2()
                .floor() as i32;
            ((2f64.powi(t) / n as f64).round() as i64, t)
        };
        let div = self.push(
            &format!("{name}.div"),
            Op::ChannelAffine(ChannelAffine::scalar(mul, mul_scale)),
            vec![sum],
        )?;
        self.rescale_to(name, div, t)
    }

    /// Brings two operands to the larger of their scales, exactly.
    fn align(
        &mut self,
        name: &str,
        a: TensorId,
        b: TensorId,
    ) -> Result<(TensorId, TensorId), CompileError> {
        let (sa, sb) = (self.scale(a)?, self.scale(b)?);
        let lift =
            |q: &mut Self, t: TensorId, d: i32, side: &str| -> Result<TensorId, CompileError> {
                if d == 0 {
                    return Ok(t);
                }
                q.push(
                    &format!("{name}.align_{side}"),
                    Op::ChannelAffine(ChannelAffine::scalar(1 << d, d)),
                    vec![t],
                )
            };
        let target = sa.max(sb);
        Ok((
            lift(self, a, target - sa, "a")?,
            lift(self, b, target - sb, "b")?,
        ))
    }

    /// Brings every tensor to the largest of their scales (exact multiplications by `2^d`),
    /// for ops whose inputs must share one scale (Concat).
    fn align_all(&mut self, name: &str, xs: &[TensorId]) -> Result<Vec<TensorId>, CompileError> {
        let scales = xs
            .iter()
            .map(|&x| self.scale(x))
            .collect::<Result<Vec<_>, _>>()?;
        let target = scales.iter().copied().max().unwrap_or(0);
        xs.iter()
            .zip(scales)
            .enumerate()
            .map(|(k, (&x, s))| {
                if s == target {
                    return Ok(x);
                }
                let d = target - s;
                self.push(
                    &format!("{name}.align_{k}"),
                    Op::ChannelAffine(ChannelAffine::scalar(1 << d, d)),
                    vec![x],
                )
            })
            .collect()
    }
}

/// Quantizes a calibrated float graph. `ranges[t]` is the calibration maximum of tensor `t`.
/// Returns the integer graph and, per float tensor, the IR tensor holding its value.
pub fn quantize(
    g: &FGraph,
    ranges: &[f64],
    settings: &QuantizeSettings,
) -> Result<(Graph, Vec<TensorId>), CompileError> {
    check_settings(settings)?;
    let mut q = Quantizer {
        settings,
        ranges,
        ir: Graph::default(),
        map: Vec::new(),
        defer: deferred_roundings(g),
        unrounded: Vec::new(),
    };
    for (i, (name, shape)) in g.inputs.iter().enumerate() {
        let bits = settings.input_bits;
        let scale = choose_scale(ranges[i], bits, settings.headroom_bits, settings.max_scale);
        let fact = Fact {
            shape: shape.clone(),
            scale,
            max_abs: 1 << (bits - 1),
        };
        q.ir.inputs.push(GraphInput {
            name: name.clone(),
            fact,
            bits,
        });
        q.map.push(TensorId(i));
    }
    for (i, node) in g.nodes.iter().enumerate() {
        let inputs: Vec<TensorId> = node.inputs.iter().map(|&t| q.map[t]).collect();
        let out = q.node(
            &node.name,
            &node.op,
            &inputs,
            &node.inputs,
            g.inputs.len() + i,
        )?;
        q.map.push(out);
    }
    q.ir.outputs = g
        .outputs
        .iter()
        .map(|(name, t)| GraphOutput {
            name: name.clone(),
            tensor: q.map[*t],
        })
        .collect();
    q.ir.validate()
        .map_err(|source: IrError| CompileError::Quantize {
            node: "graph".into(),
            source,
        })?;
    Ok((q.ir, q.map))
}

/// Float tensors produced by a Gemm, Conv or affine map whose only reader is a max pooling or
/// a function table (which rounds its input itself, to the table's width).
fn deferred_roundings(g: &FGraph) -> Vec<bool> {
    let first = g.inputs.len();
    let uses = g.use_counts();
    let mut defer = vec![false; first + g.nodes.len()];
    for node in &g.nodes {
        if let (FOp::MaxPool(_) | FOp::Table(_), [src]) = (&node.op, node.inputs.as_slice()) {
            let linear = *src >= first
                && matches!(
                    g.nodes[*src - first].op,
                    FOp::Gemm { .. }
                        | FOp::Conv { .. }
                        | FOp::Affine { .. }
                        | FOp::Mul
                        | FOp::MatMul
                );
            defer[*src] = linear && uses[*src] == 1;
        }
    }
    defer
}

fn check_settings(s: &QuantizeSettings) -> Result<(), CompileError> {
    let bad = |m: String| Err(CompileError::Settings(m));
    if !(4..=40).contains(&s.input_bits) {
        return bad(format!("input bits {} must be in 4..=40", s.input_bits));
    }
    if !(4..=40).contains(&s.activation_bits) {
        return bad(format!(
            "activation bits {} must be in 4..=40",
            s.activation_bits
        ));
    }
    if !(4..=32).contains(&s.weight_bits) {
        return bad(format!("weight bits {} must be in 4..=32", s.weight_bits));
    }
    if !(4..=zkinfer_ir::ops::table::MAX_INPUT_BITS).contains(&s.table_bits) {
        return bad(format!(
            "table bits {} must be in 4..={}",
            s.table_bits,
            zkinfer_ir::ops::table::MAX_INPUT_BITS
        ));
    }
    if s.headroom_bits > 8 || !(0..=40).contains(&s.max_scale) {
        return bad(format!(
            "headroom {} must be at most 8 and max scale {} in 0..=40",
            s.headroom_bits, s.max_scale
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_keeps_the_maximum_in_range_with_headroom() {
        // 2^(8-1)-1 = 127; 127 / (3 * 2) = 21.2 → 2^4
        assert_eq!(choose_scale(3.0, 8, 1, 20), 4);
        assert_eq!(choose_scale(0.0, 8, 1, 20), 20);
        assert_eq!(choose_scale(1e-9, 8, 1, 20), 20);
        assert!(choose_scale(1e6, 8, 0, 20) < 0);
    }

    #[test]
    fn exact_scale_finds_small_powers() {
        assert_eq!(exact_scale(&[1.0, -1.0], 14), Some(0));
        assert_eq!(exact_scale(&[0.5, 8.0], 14), Some(1));
        assert_eq!(exact_scale(&[0.37], 14), None);
    }
}
