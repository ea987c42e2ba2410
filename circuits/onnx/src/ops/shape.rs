//! Shape-only and pass-through ops: Flatten, Reshape, Identity, Dropout, Constant, ConstantOfShape.

use super::{NodeCtx, Registry, Value};
use crate::float_graph::FOp;
use crate::proto::{decode_tensor, ConstTensor};
use crate::ImportError;
use zkinfer_ir::checked_len;

pub(super) fn register(reg: &mut Registry) {
    reg.insert("Flatten", flatten);
    reg.insert("Reshape", reshape);
    reg.insert("Identity", pass_through);
    reg.insert("Dropout", pass_through);
    reg.insert("Constant", constant);
    reg.insert("ConstantOfShape", constant_of_shape);
}

/// `Flatten(axis)`: `[d0..d(axis−1)] × [d(axis)..]` as a 2-D tensor.
fn flatten(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 1)?;
    let x = ctx.tensor(0)?;
    let shape = ctx.shape(x);
    let rank = shape.len() as i64;
    let axis = ctx.attrs.int("axis").unwrap_or(1);
    let axis = if axis < 0 { axis + rank } else { axis };
    if !(0..=rank).contains(&axis) {
        return Err(ctx.unsupported("axis", format!("axis {axis} out of range for rank {rank}")));
    }
    let (outer, inner) = shape.split_at(axis as usize);
    let dims = checked_len(outer).zip(checked_len(inner)).ok_or_else(|| {
        ctx.unsupported(
            "axis",
            format!("the element count of input {shape:?} overflows"),
        )
    })?;
    ctx.push("", FOp::Reshape(vec![dims.0, dims.1]), vec![x])
}

/// `Reshape(x, shape)` with a constant shape (`0` copies a dimension, `−1` is inferred).
fn reshape(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(2, 2)?;
    let x = ctx.tensor(0)?;
    let from = ctx.shape(x);
    let spec = ctx.constant(1)?.data.clone();
    let allow_zero = ctx.attrs.int("allowzero").unwrap_or(0) != 0;
    let total = checked_len(&from).ok_or_else(|| {
        ctx.unsupported(
            "shape",
            format!("the element count of input {from:?} overflows"),
        )
    })?;
    let mut out = Vec::with_capacity(spec.len());
    let mut infer_at = None;
    for (i, &d) in spec.iter().enumerate() {
        match d as i64 {
            -1 if infer_at.is_none() => {
                infer_at = Some(i);
                out.push(1);
            }
            0 if !allow_zero => out.push(
                *from
                    .get(i)
                    .ok_or_else(|| ctx.unsupported("shape", "0 beyond the input rank"))?,
            ),
            d if d >= 0 => out.push(d as usize),
            d => return Err(ctx.unsupported("shape", format!("invalid dimension {d} in {spec:?}"))),
        }
    }
    if let Some(i) = infer_at {
        let known = checked_len(&out).ok_or_else(|| {
            ctx.unsupported("shape", format!("the element count of {spec:?} overflows"))
        })?;
        if known == 0 || !total.is_multiple_of(known) {
            return Err(ctx.unsupported(
                "shape",
                format!("cannot infer −1 in {spec:?} from input {from:?}"),
            ));
        }
        out[i] = total / known;
    }
    ctx.push("", FOp::Reshape(out), vec![x])
}

/// Identity, and Dropout in inference mode: the output is the input.
fn pass_through(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 3)?;
    if ctx.op_type() == "Dropout" {
        if let Some(Some(Value::Const(t))) = ctx.inputs.get(2) {
            if t.data.first().is_some_and(|v| *v != 0.0) {
                return Err(ctx.unsupported(
                    "training_mode",
                    "Dropout in training mode is not deterministic",
                ));
            }
        }
    }
    match ctx.inputs.first() {
        Some(Some(v)) => Ok(v.clone()),
        _ => ctx.tensor(0).map(Value::Tensor),
    }
}

/// `Constant`: a value known at import time (only the `value` tensor form).
fn constant(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    match ctx.attrs.tensor("value") {
        Some(t) => Ok(Value::Const(decode_tensor(t)?)),
        None => {
            let found = ctx.attrs.names().collect::<Vec<_>>().join(", ");
            Err(ctx.unsupported(
                &found,
                "only Constant nodes with a `value` tensor are supported",
            ))
        }
    }
}

/// `ConstantOfShape(shape)`: a constant filled with `value` (default 0), its shape a constant
/// (Shape chains fold to one at import).
fn constant_of_shape(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 1)?;
    let dims = ctx.constant(0)?.clone();
    let shape = dims
        .data
        .iter()
        .map(|&d| {
            (d >= 0.0 && d.fract() == 0.0)
                .then_some(d as usize)
                .ok_or_else(|| ctx.unsupported("input", format!("dimension {d}")))
        })
        .collect::<Result<Vec<usize>, _>>()?;
    let value = match ctx.attrs.tensor("value") {
        Some(t) => {
            let v = decode_tensor(t)?;
            if v.len() != 1 {
                return Err(ctx.unsupported("value", format!("shape {:?}, not one value", v.shape)));
            }
            v.data[0]
        }
        None => 0.0,
    };
    let n = checked_len(&shape)
        .filter(|&n| n <= 1 << 24)
        .ok_or_else(|| ctx.unsupported("input", format!("shape {shape:?} is too large")))?;
    Ok(Value::Const(ConstTensor {
        shape,
        data: vec![value; n],
    }))
}
