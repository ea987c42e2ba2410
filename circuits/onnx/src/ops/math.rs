//! Element-wise arithmetic and activations: Add, Sub, Mul, Div, Pow (squares), Relu, Clip.

use super::broadcast::{broadcast_index, broadcast_pair, left_pad};
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
/// single value when it is a scalar or uniform.
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
    let fits = c
        .shape
        .iter()
        .enumerate()
        .all(|(i, &d)| d == 1 || d == shape[offset + i]);
    if fits && c.data.windows(2).all(|w| w[0] == w[1]) {
        // A uniform constant (ConstantOfShape, an expanded scalar) is a scalar.
        return Ok((0, c.data[..1.min(c.len())].to_vec()));
    }
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

/// `x ∘ c` for a constant `c` that broadcasts onto `x`'s shape: one affine map
/// `make(axis, values)`. When `c` varies along at most one axis, directly; else (a positional
/// embedding `[1, tokens, width]`) on `x` viewed as `[before, block, after]`, where `block`
/// spans the axes from the first to the last one `c` varies along and `values` are `c`
/// laid out over them, then viewed back.
pub(super) fn const_affine(
    ctx: &mut NodeCtx<'_>,
    x: usize,
    c: &ConstTensor,
    make: impl Fn(usize, Vec<f64>) -> FOp,
) -> Result<Value, ImportError> {
    let shape = ctx.shape(x);
    if let Ok((axis, values)) = channel_constant(ctx, c, &shape) {
        return ctx.push("", make(axis, values), vec![x]);
    }
    let dims = left_pad(&c.shape, shape.len());
    if c.shape.len() > shape.len() || dims.iter().zip(&shape).any(|(&d, &n)| d != 1 && d != n) {
        return Err(ctx.unsupported(
            "B",
            format!(
                "constant of shape {:?} does not broadcast onto {shape:?}",
                c.shape
            ),
        ));
    }
    let varying: Vec<usize> = (0..dims.len()).filter(|&d| dims[d] != 1).collect();
    let (first, last) = (varying[0], varying[varying.len() - 1]);
    let values = broadcast_index(&dims[first..=last], &shape[first..=last])
        .into_iter()
        .map(|i| c.data[i as usize])
        .collect();
    let view = vec![
        shape[..first].iter().product(),
        shape[first..=last].iter().product(),
        shape[last + 1..].iter().product(),
    ];
    let viewed = ctx.push_tensor(".view", FOp::Reshape(view), vec![x])?;
    let mapped = ctx.push_tensor(".affine", make(1, values), vec![viewed])?;
    ctx.push("", FOp::Reshape(shape), vec![mapped])
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
        Operands::WithConst { x, c, .. } => const_affine(ctx, x, &c, |axis, add| FOp::Affine {
            axis,
            mul: vec![1.0],
            add,
        }),
    }
}

/// `Sub`: tensor − tensor (numpy broadcasting), tensor − constant, or constant − tensor.
fn sub(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    match operands(ctx)? {
        Operands::Tensors(a, b) => {
            let (a, b) = broadcast_pair(ctx, a, b)?;
            ctx.push("", FOp::Sub, vec![a, b])
        }
        Operands::WithConst { x, c, const_left } => const_affine(ctx, x, &c, |axis, v| {
            if const_left {
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
            }
        }),
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
        Operands::WithConst { x, c, .. } => const_affine(ctx, x, &c, FOp::scale),
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
            const_affine(ctx, x, &c, |axis, d| {
                FOp::scale(axis, d.iter().map(|v| 1.0 / v).collect())
            })
        }
        Operands::WithConst {
            x,
            c,
            const_left: true,
        } => {
            let (axis, m) = channel_constant(ctx, &c, &ctx.shape(x))?;
            let (f, x) = super::tables::reciprocal_of(ctx, x);
            let r = ctx.push_tensor(".reciprocal", FOp::Table(f), vec![x])?;
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
