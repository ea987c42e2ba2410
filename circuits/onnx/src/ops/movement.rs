//! Data-movement ops: Transpose, Slice, Gather (constant indices), Squeeze, Unsqueeze, Concat,
//! and the shape arithmetic torch exports around them (Shape, Cast, and these ops on
//! constants), folded at import.
//!
//! Each single-input movement is an index map over the static input shape
//! ([`IndexMap`]): applied to a constant it folds (the result is a constant), applied to a
//! tensor it becomes one `Select` node. Squeeze and Unsqueeze only change the shape.

use super::{NodeCtx, Registry, Value};
use crate::float_graph::FOp;
use crate::proto::ConstTensor;
use crate::ImportError;
use zkinfer_ir::checked_len;
use zkinfer_ir::ops::Select;

pub(super) fn register(reg: &mut Registry) {
    reg.insert("Transpose", transpose);
    reg.insert("Slice", slice);
    reg.insert("Gather", gather);
    reg.insert("Squeeze", squeeze);
    reg.insert("Unsqueeze", unsqueeze);
    reg.insert("Concat", concat);
    reg.insert("Shape", shape);
    reg.insert("Cast", cast);
    reg.insert("Expand", expand);
}

/// An [`IndexMap`] entry that stands for 0 rather than an input element (Pad's fill).
pub(super) const FILL_ZERO: usize = usize::MAX;

/// An output shape and, per output element, the flat index of the input element it copies
/// (or [`FILL_ZERO`]).
pub(super) struct IndexMap {
    pub(super) shape: Vec<usize>,
    pub(super) index: Vec<usize>,
}

impl IndexMap {
    /// Visits every output multi-index in row-major order, asking `source` for its input index.
    pub(super) fn build(
        shape: Vec<usize>,
        mut source: impl FnMut(&[usize]) -> usize,
    ) -> Option<Self> {
        let n = checked_len(&shape)?;
        let mut index = Vec::with_capacity(n);
        let mut at = vec![0usize; shape.len()];
        for _ in 0..n {
            index.push(source(&at));
            for d in (0..shape.len()).rev() {
                at[d] += 1;
                if at[d] < shape[d] {
                    break;
                }
                at[d] = 0;
            }
        }
        Some(IndexMap { shape, index })
    }
}

/// Row-major strides of `shape`.
pub(super) fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        s[d] = s[d + 1] * shape[d + 1];
    }
    s
}

/// Normalises a possibly negative axis against `rank` (`extra` more allowed, for Unsqueeze).
pub(super) fn axis(
    ctx: &NodeCtx<'_>,
    what: &str,
    a: i64,
    rank: usize,
) -> Result<usize, ImportError> {
    let r = rank as i64;
    let a2 = if a < 0 { a + r } else { a };
    if (0..r).contains(&a2) {
        Ok(a2 as usize)
    } else {
        Err(ctx.unsupported(what, format!("axis {a} out of range for rank {rank}")))
    }
}

/// The shape of input `i`, whether a tensor or a constant.
pub(super) fn shape_of(ctx: &NodeCtx<'_>, i: usize) -> Result<Vec<usize>, ImportError> {
    match ctx.inputs.get(i) {
        Some(Some(Value::Const(c))) => Ok(c.shape.clone()),
        Some(Some(Value::Tensor(t))) => Ok(ctx.shape(*t)),
        _ => ctx.tensor(i).map(|t| ctx.shape(t)),
    }
}

/// Applies `map` to input 0: folds a constant, or adds a `Select` node.
pub(super) fn apply(ctx: &mut NodeCtx<'_>, map: IndexMap) -> Result<Value, ImportError> {
    if let Some(Some(Value::Const(c))) = ctx.inputs.first() {
        let data = map
            .index
            .iter()
            .map(|&i| if i == FILL_ZERO { 0.0 } else { c.data[i] })
            .collect();
        return Ok(Value::Const(ConstTensor {
            shape: map.shape,
            data,
        }));
    }
    let x = ctx.tensor(0)?;
    select(ctx, x, map, "").map(Value::Tensor)
}

/// Adds a `Select` node applying `map` to tensor `x`.
pub(super) fn select(
    ctx: &mut NodeCtx<'_>,
    x: usize,
    map: IndexMap,
    suffix: &str,
) -> Result<usize, ImportError> {
    let index = map
        .index
        .iter()
        .map(|&i| match i {
            FILL_ZERO => Ok(Select::ZERO),
            i => u32::try_from(i)
                .ok()
                .filter(|&i| i != Select::ZERO)
                .ok_or(()),
        })
        .collect::<Result<Vec<u32>, ()>>()
        .map_err(|_| ctx.unsupported("", "the input has more than 2^32 values"))?;
    ctx.push_tensor(
        suffix,
        FOp::Select {
            shape: map.shape,
            index,
        },
        vec![x],
    )
}

/// Elements `start..start + len` of tensor `x` along `axis`, as one `Select` node (Split's
/// parts, a recurrent op's time steps and gates).
pub(super) fn narrow(
    ctx: &mut NodeCtx<'_>,
    x: usize,
    axis: usize,
    start: usize,
    len: usize,
    suffix: &str,
) -> Result<usize, ImportError> {
    let from = ctx.shape(x);
    let mut shape = from.clone();
    shape[axis] = len;
    let st = strides(&from);
    let map = IndexMap::build(shape, |at| {
        at.iter()
            .enumerate()
            .map(|(d, &i)| (if d == axis { i + start } else { i }) * st[d])
            .sum()
    })
    .ok_or_else(|| ctx.unsupported("", "the output element count overflows"))?;
    select(ctx, x, map, suffix)
}

/// Input 0 under a new shape (constant or tensor).
fn reshaped(ctx: &mut NodeCtx<'_>, shape: Vec<usize>) -> Result<Value, ImportError> {
    if let Some(Some(Value::Const(c))) = ctx.inputs.first() {
        return Ok(Value::Const(ConstTensor {
            shape,
            data: c.data.clone(),
        }));
    }
    let x = ctx.tensor(0)?;
    ctx.push("", FOp::Reshape(shape), vec![x])
}

/// Integer list from input `i` (opset ≥ 13 form) or attribute `attr` (older opsets).
pub(super) fn ints_from(
    ctx: &NodeCtx<'_>,
    i: usize,
    attr: &str,
) -> Result<Option<Vec<i64>>, ImportError> {
    if let Some(c) = ctx.opt_constant(i)? {
        return c
            .data
            .iter()
            .map(|&v| {
                // `as` saturates: torch's "to the end" (`INT64_MAX`, stored as an f64) stays
                // the largest i64, which the ops clamp.
                if v.is_finite() && v.fract() == 0.0 {
                    Ok(v as i64)
                } else {
                    Err(ctx.unsupported(attr, format!("non-integer value {v}")))
                }
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some);
    }
    Ok(ctx.attrs.ints(attr).map(|v| v.to_vec()))
}

/// `Transpose(perm)` (default: reversed axes).
fn transpose(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 1)?;
    let from = shape_of(ctx, 0)?;
    let rank = from.len();
    let perm: Vec<usize> = match ctx.attrs.ints("perm") {
        Some(p) => p
            .iter()
            .map(|&a| axis(ctx, "perm", a, rank))
            .collect::<Result<_, _>>()?,
        None => (0..rank).rev().collect(),
    };
    let mut seen = vec![false; rank];
    if perm.len() != rank || perm.iter().any(|&a| std::mem::replace(&mut seen[a], true)) {
        return Err(ctx.unsupported(
            "perm",
            format!("{perm:?} is not a permutation of {rank} axes"),
        ));
    }
    let st = strides(&from);
    let shape = perm.iter().map(|&a| from[a]).collect();
    let map = IndexMap::build(shape, |at| {
        at.iter().zip(&perm).map(|(&i, &a)| i * st[a]).sum()
    })
    .ok_or_else(|| ctx.unsupported("perm", "the output element count overflows"))?;
    apply(ctx, map)
}

/// `Slice(x, starts, ends, axes?, steps?)` with constant bounds (opset ≥ 10; attributes below).
fn slice(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 5)?;
    let from = shape_of(ctx, 0)?;
    let rank = from.len();
    let starts = ints_from(ctx, 1, "starts")?
        .ok_or_else(|| ctx.unsupported("starts", "constant starts are required"))?;
    let ends = ints_from(ctx, 2, "ends")?
        .ok_or_else(|| ctx.unsupported("ends", "constant ends are required"))?;
    let axes = match ints_from(ctx, 3, "axes")? {
        Some(a) => a,
        None => (0..starts.len() as i64).collect(),
    };
    let steps = ints_from(ctx, 4, "steps")?.unwrap_or_else(|| vec![1; starts.len()]);
    if [ends.len(), axes.len(), steps.len()]
        .iter()
        .any(|&l| l != starts.len())
    {
        return Err(ctx.unsupported("starts", "starts, ends, axes and steps differ in length"));
    }
    // Per axis: first index, step, count (ONNX clamping rules).
    let mut first = vec![0i64; rank];
    let mut step = vec![1i64; rank];
    let mut count: Vec<usize> = from.clone();
    for k in 0..starts.len() {
        let a = axis(ctx, "axes", axes[k], rank)?;
        let dim = from[a] as i64;
        let s = steps[k];
        if s == 0 {
            return Err(ctx.unsupported("steps", "a step of 0"));
        }
        let norm = |v: i64| if v < 0 { v + dim } else { v };
        let (lo, hi) = if s > 0 { (0, dim) } else { (-1, dim - 1) };
        let b = norm(starts[k]).clamp(lo, hi);
        let e = norm(ends[k].clamp(-(i64::MAX / 2), i64::MAX / 2)).clamp(lo, hi);
        let n = if s > 0 {
            ((e - b).max(0) + s - 1) / s
        } else {
            ((b - e).max(0) + (-s) - 1) / (-s)
        };
        first[a] = b;
        step[a] = s;
        count[a] = n as usize;
    }
    let st = strides(&from);
    let map = IndexMap::build(count, |at| {
        at.iter()
            .enumerate()
            .map(|(d, &i)| (first[d] + step[d] * i as i64) as usize * st[d])
            .sum()
    })
    .ok_or_else(|| ctx.unsupported("starts", "the output element count overflows"))?;
    apply(ctx, map)
}

/// `Gather(data, indices, axis)` with constant indices (negative ones count from the end).
fn gather(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(2, 2)?;
    let from = shape_of(ctx, 0)?;
    let rank = from.len();
    let a = axis(ctx, "axis", ctx.attrs.int("axis").unwrap_or(0), rank)?;
    let indices = ctx.constant(1)?.clone();
    let dim = from[a] as i64;
    let picks = indices
        .data
        .iter()
        .map(|&v| {
            let i = v as i64;
            let i = if i < 0 { i + dim } else { i };
            if v.fract() == 0.0 && (0..dim).contains(&i) {
                Ok(i as usize)
            } else {
                Err(ctx.unsupported("indices", format!("index {v} out of range for {dim}")))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut shape = from[..a].to_vec();
    shape.extend_from_slice(&indices.shape);
    shape.extend_from_slice(&from[a + 1..]);
    let st = strides(&from);
    let q = indices.shape.len();
    let ist = strides(&indices.shape);
    let map = IndexMap::build(shape, |at| {
        let pick: usize = at[a..a + q].iter().zip(&ist).map(|(i, s)| i * s).sum();
        let mut src = picks[pick] * st[a];
        for d in 0..a {
            src += at[d] * st[d];
        }
        for d in a + 1..rank {
            src += at[d + q - 1] * st[d];
        }
        src
    })
    .ok_or_else(|| ctx.unsupported("indices", "the output element count overflows"))?;
    apply(ctx, map)
}

/// `Squeeze(x, axes?)`: drops the listed size-1 axes (all size-1 axes when none are listed).
fn squeeze(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 2)?;
    let from = shape_of(ctx, 0)?;
    let drop: Vec<usize> = match ints_from(ctx, 1, "axes")? {
        Some(axes) => axes
            .iter()
            .map(|&a| axis(ctx, "axes", a, from.len()))
            .collect::<Result<_, _>>()?,
        None => (0..from.len()).filter(|&d| from[d] == 1).collect(),
    };
    if let Some(&d) = drop.iter().find(|&&d| from[d] != 1) {
        return Err(ctx.unsupported("axes", format!("axis {d} of {from:?} is not of size 1")));
    }
    let shape = (0..from.len())
        .filter(|d| !drop.contains(d))
        .map(|d| from[d])
        .collect();
    reshaped(ctx, shape)
}

/// `Unsqueeze(x, axes)`: inserts size-1 axes at the listed output positions.
fn unsqueeze(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 2)?;
    let from = shape_of(ctx, 0)?;
    let axes = ints_from(ctx, 1, "axes")?
        .ok_or_else(|| ctx.unsupported("axes", "constant axes are required"))?;
    let rank = from.len() + axes.len();
    let mut at: Vec<usize> = axes
        .iter()
        .map(|&a| axis(ctx, "axes", a, rank))
        .collect::<Result<_, _>>()?;
    at.sort_unstable();
    if at.windows(2).any(|w| w[0] == w[1]) {
        return Err(ctx.unsupported("axes", format!("repeated axis in {axes:?}")));
    }
    let mut rest = from.iter();
    let shape = (0..rank)
        .map(|d| {
            if at.contains(&d) {
                1
            } else {
                rest.next().copied().unwrap_or(1)
            }
        })
        .collect();
    reshaped(ctx, shape)
}

/// `Concat(axis)`: all constants fold; all tensors become a `Concat` node (the quantizer
/// brings them to one scale). Constants mixed with tensors are refused.
fn concat(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, usize::MAX)?;
    let shapes = (0..ctx.inputs.len())
        .map(|i| shape_of(ctx, i))
        .collect::<Result<Vec<_>, _>>()?;
    let rank = shapes[0].len();
    let a = axis(ctx, "axis", ctx.attrs.int("axis").unwrap_or(0), rank)?;
    let consts: Vec<&ConstTensor> = ctx
        .inputs
        .iter()
        .filter_map(|v| match v {
            Some(Value::Const(c)) => Some(c),
            _ => None,
        })
        .collect();
    if consts.len() == ctx.inputs.len() {
        let op = zkinfer_ir::ops::Concat {
            axis: a,
            inputs: shapes.len(),
        };
        let refs: Vec<&[usize]> = shapes.iter().map(Vec::as_slice).collect();
        let sources = op.sources(&refs).map_err(|e| ctx.ir_error(e))?;
        let shape = op.output_shape(&refs).map_err(|e| ctx.ir_error(e))?;
        let data = sources.iter().map(|&(k, j)| consts[k].data[j]).collect();
        return Ok(Value::Const(ConstTensor { shape, data }));
    }
    if !consts.is_empty() {
        return Err(ctx.unsupported(
            "",
            "Concat of constants with computed tensors is not supported",
        ));
    }
    let xs = (0..ctx.inputs.len())
        .map(|i| ctx.tensor(i))
        .collect::<Result<Vec<_>, _>>()?;
    ctx.push("", FOp::Concat { axis: a }, xs)
}

/// `Shape(x, start?, end?)`: the static shape, as a constant.
fn shape(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 1)?;
    let from = shape_of(ctx, 0)?;
    let rank = from.len() as i64;
    let clampd = |v: i64| (if v < 0 { v + rank } else { v }).clamp(0, rank) as usize;
    let start = clampd(ctx.attrs.int("start").unwrap_or(0));
    let end = clampd(ctx.attrs.int("end").unwrap_or(rank));
    let dims: Vec<f64> = from[start..end.max(start)]
        .iter()
        .map(|&d| d as f64)
        .collect();
    Ok(Value::Const(ConstTensor {
        shape: vec![dims.len()],
        data: dims,
    }))
}

/// ONNX `TensorProto` data types a `Cast` may target.
const FLOAT: i64 = 1;
const DOUBLE: i64 = 11;
const FLOAT16: i64 = 10;

/// `Cast(to)`: a no-op to a float type on tensors; on constants also to integer types
/// (truncating, as ONNX does). A tensor cast to an integer type is refused.
fn cast(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 1)?;
    let to = ctx.attrs.int("to").unwrap_or(FLOAT);
    let float = matches!(to, FLOAT | DOUBLE | FLOAT16);
    if let Some(Some(Value::Const(c))) = ctx.inputs.first() {
        let data = if float {
            c.data.clone()
        } else {
            c.data.iter().map(|v| v.trunc()).collect()
        };
        return Ok(Value::Const(ConstTensor {
            shape: c.shape.clone(),
            data,
        }));
    }
    if !float {
        return Err(ctx.unsupported(
            "to",
            format!("a cast of a computed tensor to data type {to} (only float types are no-ops)"),
        ));
    }
    let x = ctx.tensor(0)?;
    Ok(Value::Tensor(x))
}

/// `Expand` of a computed tensor to a constant shape (numpy broadcasting): an index map.
fn expand(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(2, 2)?;
    let x = ctx.tensor(0)?;
    let given = ctx.constant(1)?.data.clone();
    let shape = ctx.shape(x);
    let target: Option<Vec<usize>> = given
        .iter()
        .map(|&d| (d >= 1.0).then_some(d as usize))
        .collect();
    let Some(out) = target.and_then(|t| super::broadcast::broadcast_shape(&shape, &t)) else {
        return Err(ctx.unsupported(
            "shape",
            format!("{shape:?} does not broadcast to {given:?}"),
        ));
    };
    let y = super::broadcast::spread(ctx, x, &out, "")?;
    Ok(Value::Tensor(y))
}
