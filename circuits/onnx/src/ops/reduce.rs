//! Reductions: ReduceSum, ReduceMean (a sum times `1/n`), ReduceMax and GlobalMaxPool.

use zkinfer_ir::ops::{Reduce, ReduceKind};

use super::{NodeCtx, Registry, Value};
use crate::float_graph::FOp;
use crate::ImportError;

pub(super) fn register(reg: &mut Registry) {
    reg.insert("ReduceSum", |c| reduce(c, ReduceKind::Sum, false, 13));
    reg.insert("ReduceMean", |c| reduce(c, ReduceKind::Sum, true, 18));
    reg.insert("ReduceMax", |c| reduce(c, ReduceKind::Max, false, 18));
    reg.insert("GlobalMaxPool", global_max_pool);
}

/// The reduced axes, ascending: from the attribute before `input_from` (the opset where
/// ONNX moved them to an optional second input), else from that input; negative axes count
/// from the end. `None` when no axis is given and `noop_with_empty_axes` makes that the
/// identity.
fn axes(
    ctx: &NodeCtx<'_>,
    rank: usize,
    input_from: i64,
) -> Result<Option<Vec<usize>>, ImportError> {
    let given: Vec<i64> = if ctx.opset < input_from {
        ctx.attrs.ints("axes").unwrap_or_default()
    } else {
        ctx.opt_constant(1)?
            .map(|c| c.data.iter().map(|&v| v as i64).collect())
            .unwrap_or_default()
    };
    if given.is_empty() {
        return Ok(match ctx.attrs.int("noop_with_empty_axes") {
            Some(1) => None,
            _ => Some((0..rank).collect()),
        });
    }
    let mut axes = given
        .iter()
        .map(|&a| {
            let r = rank as i64;
            if (-r..r).contains(&a) {
                Ok(a.rem_euclid(r) as usize)
            } else {
                Err(ctx.unsupported("axes", format!("axis {a} is outside rank {rank}")))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    axes.sort_unstable();
    if axes.windows(2).any(|w| w[0] == w[1]) {
        return Err(ctx.unsupported("axes", format!("axis repeated in {given:?}")));
    }
    Ok(Some(axes))
}

/// A sum or maximum over axes; a mean is the sum times `1/n`.
fn reduce(
    ctx: &mut NodeCtx<'_>,
    kind: ReduceKind,
    mean: bool,
    input_from: i64,
) -> Result<Value, ImportError> {
    ctx.arity(1, 2)?;
    let x = ctx.tensor(0)?;
    let shape = ctx.shape(x);
    let Some(axes) = axes(ctx, shape.len(), input_from)? else {
        return Ok(Value::Tensor(x));
    };
    let n: usize = axes.iter().map(|&a| shape[a]).product();
    let keep_dims = ctx.attrs.int("keepdims").unwrap_or(1) != 0;
    let op = FOp::Reduce(Reduce {
        kind,
        axes,
        keep_dims,
    });
    if !mean {
        return ctx.push("", op, vec![x]);
    }
    let sum = ctx.push_tensor(".sum", op, vec![x])?;
    ctx.push("", FOp::scale(0, vec![1.0 / n.max(1) as f64]), vec![sum])
}

/// `GlobalMaxPool`: the maximum over every spatial axis, kept as size-1 dimensions.
fn global_max_pool(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 1)?;
    let x = ctx.tensor(0)?;
    let rank = ctx.shape(x).len();
    if rank < 3 {
        return Err(ctx.unsupported("X", format!("needs rank 3 or more, got {rank}")));
    }
    let op = FOp::Reduce(Reduce {
        kind: ReduceKind::Max,
        axes: (2..rank).collect(),
        keep_dims: true,
    });
    ctx.push("", op, vec![x])
}
