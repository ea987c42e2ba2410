//! Element-wise arithmetic and activations: Add, Sub, Mul, Div, Pow (squares), Relu, Clip.

use super::broadcast::broadcast_pair;
use super::{NodeCtx, Registry, Value};
use crate::float_graph::FOp;
use crate::proto::ConstTensor;
use crate::ImportError;

pub(super) fn register(reg: &mut Registry) {
    reg.insert("Add", add);
    reg.insert("Sub", sub);
    reg.insert("Mul", mul);
    reg.insert("Div", div);
    reg.insert("Pow", pow);
    reg.insert("Relu", relu);
    reg.insert("Clip", clip);
}

/// A constant that broadcasts onto `shape` along at most one axis: `(axis, values)`, with a
/// single value when it is a scalar.
pub(super) fn channel_constant(
    ctx: &NodeCtx<'_>,
    c: &ConstTensor,
    shape: &[usize],
) -> Result<(usize, Vec<f64>), ImportError> {
    if c.len() == 1 && c.shape.len() <= shape.len() {
        return Ok((0, c.data.clone()));
    }
    let refuse = || {
        ctx.unsupported(
            "B",
            format!(
                "constant of shape {:?} does not broadcast along one axis of {shape:?}",
                c.shape
            ),
        )
    };
    if c.shape.len() > shape.len() {
        return Err(refuse());
    }
    // Right-align the constant's dims with the tensor's (numpy broadcasting).
    let offset = shape.len() - c.shape.len();
    let mut axis = None;
    for (i, &d) in c.shape.iter().enumerate() {
        if d == 1 {
            continue;
        }
        if d != shape[offset + i] || axis.is_some() {
            return Err(refuse());
        }
        axis = Some(offset + i);
    }
    Ok((axis.unwrap_or(0), c.data.clone()))
}

/// Splits a binary node into (tensor, constant, constant-is-left) or (tensor, tensor).
enum Operands {
    Tensors(usize, usize),
    WithConst {
        x: usize,
        c: ConstTensor,
        const_left: bool,
    },
}

fn operands(ctx: &NodeCtx<'_>) -> Result<Operands, ImportError> {
    ctx.arity(2, 2)?;
    match (&ctx.inputs[0], &ctx.inputs[1]) {
        (Some(Value::Tensor(a)), Some(Value::Tensor(b))) => Ok(Operands::Tensors(*a, *b)),
        (Some(Value::Tensor(a)), Some(Value::Const(c))) => Ok(Operands::WithConst {
            x: *a,
            c: c.clone(),
            const_left: false,
        }),
        (Some(Value::Const(c)), Some(Value::Tensor(b))) => Ok(Operands::WithConst {
            x: *b,
            c: c.clone(),
            const_left: true,
        }),
        _ => Err(ImportError::NotTensor {
            node: ctx.name.clone(),
            op_type: ctx.op_type().into(),
            index: 0,
            name: ctx.node.input.first().cloned().unwrap_or_default(),
        }),
    }
}

/// `Add`: tensor + tensor (numpy broadcasting), or tensor + constant (a bias: free, folded
/// into the layer before).
fn add(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    match operands(ctx)? {
        Operands::Tensors(a, b) => {
            let (a, b) = broadcast_pair(ctx, a, b)?;
            ctx.push("", FOp::Add, vec![a, b])
        }
        Operands::WithConst { x, c, .. } => {
            let (axis, add) = channel_constant(ctx, &c, &ctx.shape(x))?;
            ctx.push(
                "",
                FOp::Affine {
                    axis,
                    mul: vec![1.0],
                    add,
                },
                vec![x],
            )
        }
    }
}

/// `Sub`: tensor − tensor (numpy broadcasting), tensor − constant, or constant − tensor.
fn sub(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    match operands(ctx)? {
        Operands::Tensors(a, b) => {
            let (a, b) = broadcast_pair(ctx, a, b)?;
            ctx.push("", FOp::Sub, vec![a, b])
        }
        Operands::WithConst { x, c, const_left } => {
            let (axis, v) = channel_constant(ctx, &c, &ctx.shape(x))?;
            let op = if const_left {
                FOp::Affine {
                    axis,
                    mul: vec![-1.0],
                    add: v,
                }
            } else {
                FOp::Affine {
                    axis,
                    mul: vec![1.0],
                    add: v.iter().map(|a| -a).collect(),
                }
            };
            ctx.push("", op, vec![x])
        }
    }
}

/// `Mul` by a constant (scalar or per channel); torch's exports of SiLU and exact GELU (one
/// table each); any other product of two computed tensors element-wise (numpy broadcasting by
/// free index maps), one constraint per element.
fn mul(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    match operands(ctx)? {
        Operands::Tensors(a, b) => {
            let Some((f, x, factor)) = super::tables::fused_product(ctx, a, b) else {
                let (a, b) = broadcast_pair(ctx, a, b)?;
                return ctx.push("", FOp::Mul, vec![a, b]);
            };
            if factor == 1.0 {
                return ctx.push("", FOp::Table(f), vec![x]);
            }
            let y = ctx.push_tensor(".table", FOp::Table(f), vec![x])?;
            ctx.push("", FOp::scale(0, vec![factor]), vec![y])
        }
        Operands::WithConst { x, c, .. } => {
            let (axis, m) = channel_constant(ctx, &c, &ctx.shape(x))?;
            ctx.push("", FOp::scale(axis, m), vec![x])
        }
    }
}

/// `Div` by a constant (a multiplication by its inverse); a constant divided by a tensor (a
/// reciprocal table times the constant); or two computed tensors (numpy broadcasting), an
/// exactly rounded quotient whose divisor must be positive (the executor refuses others).
fn div(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    match operands(ctx)? {
        Operands::Tensors(a, b) => {
            let (a, b) = broadcast_pair(ctx, a, b)?;
            ctx.push("", FOp::Div, vec![a, b])
        }
        Operands::WithConst {
            x,
            c,
            const_left: false,
        } => {
            if c.data.contains(&0.0) {
                return Err(ctx.unsupported("B", "division by a constant zero"));
            }
            let (axis, d) = channel_constant(ctx, &c, &ctx.shape(x))?;
            ctx.push(
                "",
                FOp::scale(axis, d.iter().map(|v| 1.0 / v).collect()),
                vec![x],
            )
        }
        Operands::WithConst {
            x,
            c,
            const_left: true,
        } => {
            let (axis, m) = channel_constant(ctx, &c, &ctx.shape(x))?;
            let r = ctx.push_tensor(
                ".reciprocal",
                FOp::Table(zkinfer_ir::ops::TableFn::Reciprocal),
                vec![x],
            )?;
            ctx.push("", FOp::scale(axis, m), vec![r])
        }
    }
}

/// `Pow` with the constant exponent 2 (the decomposed LayerNorm's variance): `x · x`.
fn pow(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(2, 2)?;
    let x = ctx.tensor(0)?;
    let e = ctx.constant(1)?;
    if e.data != [2.0] {
        return Err(ctx.unsupported(
            "Y",
            format!(
                "only the constant exponent 2 is supported, got {:?}",
                e.data
            ),
        ));
    }
    ctx.push("", FOp::Mul, vec![x, x])
}

/// `Relu`.
fn relu(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 1)?;
    let x = ctx.tensor(0)?;
    ctx.push("", FOp::Relu, vec![x])
}

/// `Clip` (attributes before opset 11, constant inputs from 11 on); Relu6 is `Clip(0, 6)`.
fn clip(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 3)?;
    let x = ctx.tensor(0)?;
    let scalar = |i: usize, what: &str| -> Result<Option<f64>, ImportError> {
        match ctx.opt_constant(i)? {
            None => Ok(None),
            Some(c) if c.len() == 1 => Ok(Some(c.data[0])),
            Some(c) => {
                Err(ctx.unsupported(what, format!("must be a scalar, got shape {:?}", c.shape)))
            }
        }
    };
    let (min, max) = if ctx.opset < 11 {
        (
            ctx.attrs.float("min").map(f64::from),
            ctx.attrs.float("max").map(f64::from),
        )
    } else {
        (scalar(1, "min")?, scalar(2, "max")?)
    };
    let (min, max) = (
        min.unwrap_or(f64::NEG_INFINITY),
        max.unwrap_or(f64::INFINITY),
    );
    if min > max {
        return Err(ctx.unsupported("min", format!("min {min} exceeds max {max}")));
    }
    ctx.push("", FOp::Clip { min, max }, vec![x])
}
