//! Softmax and LogSoftmax on any axis, bit exact: the maximum along the axis, `x − max`, an
//! exp table, the sum, and an exactly rounded division (`Div`) — no "row sums to 1 ± ε".
//! LayerNormalization (opset 17): `(x − μ) / √(σ² + ε) · γ + β` from the mean, a square, a
//! sqrt table and the same division (older exports spell these ops out and import as they
//! are).

use zkinfer_ir::ops::{Reduce, ReduceKind, TableFn};

use super::broadcast::spread;
use super::{NodeCtx, Registry, Value};
use crate::float_graph::FOp;
use crate::ImportError;

pub(super) fn register(reg: &mut Registry) {
    reg.insert("Softmax", |c| softmax(c, false));
    reg.insert("LogSoftmax", |c| softmax(c, true));
    reg.insert("LayerNormalization", layer_norm);
}

/// `softmax(x) = e / Σe` with `e = exp(x − max x)` along `axis`; LogSoftmax is
/// `x − max − log Σe`.
fn softmax(ctx: &mut NodeCtx<'_>, log: bool) -> Result<Value, ImportError> {
    ctx.arity(1, 1)?;
    let x = ctx.tensor(0)?;
    let shape = ctx.shape(x);
    let rank = shape.len() as i64;
    let given = ctx
        .attrs
        .int("axis")
        .unwrap_or(if ctx.opset < 13 { 1 } else { -1 });
    if !(-rank..rank).contains(&given) {
        return Err(ctx.unsupported("axis", format!("axis {given} is outside rank {rank}")));
    }
    let axis = given.rem_euclid(rank) as usize;
    if ctx.opset < 13 && axis + 1 != shape.len() {
        // Before opset 13 the op flattens every axis from `axis` on into one.
        return Err(ctx.unsupported(
            "axis",
            format!(
                "opset {} flattens from axis {axis}; only the last axis is supported",
                ctx.opset
            ),
        ));
    }
    let along = |kind| {
        FOp::Reduce(Reduce {
            kind,
            axes: vec![axis],
            keep_dims: true,
        })
    };
    let max = ctx.push_tensor(".max", along(ReduceKind::Max), vec![x])?;
    let max = spread(ctx, max, &shape, ".max_spread")?;
    let shifted = ctx.push_tensor(".shifted", FOp::Sub, vec![x, max])?;
    let exp = ctx.push_tensor(".exp", FOp::Table(TableFn::Exp), vec![shifted])?;
    let sum = ctx.push_tensor(".sum", along(ReduceKind::Sum), vec![exp])?;
    if log {
        let log_sum = ctx.push_tensor(".log_sum", FOp::Table(TableFn::Log), vec![sum])?;
        let log_sum = spread(ctx, log_sum, &shape, ".log_spread")?;
        return ctx.push("", FOp::Sub, vec![shifted, log_sum]);
    }
    let sum = spread(ctx, sum, &shape, ".sum_spread")?;
    ctx.push("", FOp::Div, vec![exp, sum])
}

/// `LayerNormalization` over the axes from `axis` on, with a constant scale and bias along
/// the last axis (the normalised axes must then be just the last one, or the constants
/// scalars).
fn layer_norm(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(2, 3)?;
    let x = ctx.tensor(0)?;
    let shape = ctx.shape(x);
    let rank = shape.len() as i64;
    let given = ctx.attrs.int("axis").unwrap_or(-1);
    if !(-rank..rank).contains(&given) {
        return Err(ctx.unsupported("axis", format!("axis {given} is outside rank {rank}")));
    }
    let axis = given.rem_euclid(rank) as usize;
    let eps = f64::from(ctx.attrs.float("epsilon").unwrap_or(1e-5));
    let scale = ctx.constant(1)?.clone();
    let bias = ctx.opt_constant(2)?.cloned();
    let per_channel = |c: &crate::proto::ConstTensor| c.len() == 1 || axis + 1 == shape.len();
    if !per_channel(&scale) || bias.as_ref().is_some_and(|b| !per_channel(b)) {
        return Err(ctx.unsupported(
            "Scale",
            "a scale or bias over several normalised axes is not supported",
        ));
    }
    let axes: Vec<usize> = (axis..shape.len()).collect();
    let n: usize = axes.iter().map(|&a| shape[a]).product();
    let mean_of = |ctx: &mut NodeCtx<'_>, t: usize, what: &str| -> Result<usize, ImportError> {
        let sum = ctx.push_tensor(
            &format!(".{what}_sum"),
            FOp::Reduce(Reduce {
                kind: ReduceKind::Sum,
                axes: axes.clone(),
                keep_dims: true,
            }),
            vec![t],
        )?;
        ctx.push_tensor(
            &format!(".{what}"),
            FOp::scale(0, vec![1.0 / n as f64]),
            vec![sum],
        )
    };
    let mean = mean_of(ctx, x, "mean")?;
    let mean = spread(ctx, mean, &shape, ".mean_spread")?;
    let centred = ctx.push_tensor(".centred", FOp::Sub, vec![x, mean])?;
    let square = ctx.push_tensor(".square", FOp::Mul, vec![centred, centred])?;
    let var = mean_of(ctx, square, "variance")?;
    let var_eps = ctx.push_tensor(
        ".variance_eps",
        FOp::Affine {
            axis: 0,
            mul: vec![1.0],
            add: vec![eps],
        },
        vec![var],
    )?;
    let sd = ctx.push_tensor(".sd", FOp::Table(TableFn::Sqrt), vec![var_eps])?;
    let sd = spread(ctx, sd, &shape, ".sd_spread")?;
    let normed = ctx.push_tensor(".normalised", FOp::Div, vec![centred, sd])?;
    let last = shape.len() - 1;
    ctx.push(
        "",
        FOp::Affine {
            axis: last,
            mul: scale.data.clone(),
            add: bias.map_or(vec![0.0], |b| b.data),
        },
        vec![normed],
    )
}
