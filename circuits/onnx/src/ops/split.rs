//! `Split`: one tensor into consecutive parts along an axis, one output each (a `Select` per
//! part; constants fold).

use super::movement::{axis, ints_from, narrow, shape_of};
use super::{NodeCtx, Registry, Value};
use crate::proto::ConstTensor;
use crate::ImportError;

pub(super) fn register(reg: &mut Registry) {
    reg.insert("Split", split);
}

/// `Split(x, split?)` with `axis`; the part sizes come from the `split` input (opset ≥ 13) or
/// attribute (older), else `num_outputs` (opset ≥ 18: equal parts, the last one smaller),
/// else equal parts, one per output.
fn split(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 2)?;
    let from = shape_of(ctx, 0)?;
    let a = axis(ctx, "axis", ctx.attrs.int("axis").unwrap_or(0), from.len())?;
    let dim = from[a];
    let parts = part_sizes(ctx, dim)?;
    let mut start = 0;
    let mut values = Vec::with_capacity(parts.len());
    for (i, &len) in parts.iter().enumerate() {
        values.push(part(ctx, a, start, len, i)?);
        start += len;
    }
    let mut values = values.into_iter();
    let first = values
        .next()
        .ok_or_else(|| ctx.unsupported("split", "no outputs"))?;
    for (i, v) in values.enumerate() {
        ctx.set_output(i + 1, v);
    }
    Ok(first)
}

/// The size of every part, checked to cover `dim` exactly.
fn part_sizes(ctx: &NodeCtx<'_>, dim: usize) -> Result<Vec<usize>, ImportError> {
    let outputs = ctx.output_count();
    let sizes: Vec<usize> = match ints_from(ctx, 1, "split")? {
        Some(v) => v
            .iter()
            .map(|&s| {
                usize::try_from(s)
                    .map_err(|_| ctx.unsupported("split", format!("negative size {s}")))
            })
            .collect::<Result<_, _>>()?,
        None => {
            let n = match ctx.attrs.int("num_outputs") {
                Some(n) => usize::try_from(n)
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| ctx.unsupported("num_outputs", format!("{n} outputs")))?,
                None => outputs,
            };
            if n == 0 {
                return Err(ctx.unsupported("split", "no outputs"));
            }
            let chunk = if ctx.attrs.int("num_outputs").is_some() {
                dim.div_ceil(n)
            } else if dim.is_multiple_of(n) {
                dim / n
            } else {
                return Err(ctx.unsupported(
                    "split",
                    format!("axis of {dim} does not split into {n} equal parts"),
                ));
            };
            (0..n)
                .map(|i| chunk.min(dim.saturating_sub(i * chunk)))
                .collect()
        }
    };
    if sizes.iter().sum::<usize>() != dim || sizes.len() != outputs {
        return Err(ctx.unsupported(
            "split",
            format!("parts {sizes:?} for an axis of {dim} and {outputs} outputs"),
        ));
    }
    Ok(sizes)
}

/// Part `i`: `len` elements from `start` along axis `a` of input 0.
fn part(
    ctx: &mut NodeCtx<'_>,
    a: usize,
    start: usize,
    len: usize,
    i: usize,
) -> Result<Value, ImportError> {
    match ctx.inputs.first() {
        Some(Some(Value::Const(c))) => {
            let mut shape = c.shape.clone();
            shape[a] = len;
            let inner: usize = c.shape[a + 1..].iter().product();
            let outer: usize = c.shape[..a].iter().product();
            let row = c.shape[a] * inner;
            let data = (0..outer)
                .flat_map(|o| {
                    let base = o * row + start * inner;
                    c.data[base..base + len * inner].iter().copied()
                })
                .collect();
            Ok(Value::Const(ConstTensor { shape, data }))
        }
        _ => {
            let x = ctx.tensor(0)?;
            narrow(ctx, x, a, start, len, &format!(".{i}")).map(Value::Tensor)
        }
    }
}
