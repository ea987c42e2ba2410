//! `Pad`: every mode as an index map over the static shape. `edge`, `reflect` and `wrap` copy
//! input elements; `constant` fills with the integer 0 (`Select::ZERO`), and a non-zero fill
//! `c` pads `x − c` with 0 and adds `c` back (two affine maps), so the fill is exact at any
//! scale. Negative pads crop.

use super::movement::{ints_from, shape_of, strides, IndexMap, FILL_ZERO};
use super::{NodeCtx, Registry, Value};
use crate::float_graph::FOp;
use crate::proto::ConstTensor;
use crate::ImportError;

pub(super) fn register(reg: &mut Registry) {
    reg.insert("Pad", pad);
}

/// How positions outside the input are filled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Constant,
    Edge,
    Reflect,
    Wrap,
}

/// `Pad(data, pads, constant_value?, axes?)` (opset ≥ 11), or the `pads`/`value` attributes
/// of older opsets.
fn pad(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 4)?;
    let from = shape_of(ctx, 0)?;
    let mode = match ctx.attrs.string("mode").as_deref().unwrap_or("constant") {
        "constant" => Mode::Constant,
        "edge" => Mode::Edge,
        "reflect" => Mode::Reflect,
        "wrap" => Mode::Wrap,
        other => return Err(ctx.unsupported("mode", format!("unknown mode `{other}`"))),
    };
    let (begin, end) = pads(ctx, &from)?;
    let fill = match ctx.opt_constant(2)? {
        Some(c) if c.len() == 1 => c.data[0],
        Some(c) => {
            return Err(ctx.unsupported(
                "constant_value",
                format!("shape {:?}, not a scalar", c.shape),
            ))
        }
        None => f64::from(ctx.attrs.float("value").unwrap_or(0.0)),
    };
    let map = index_map(ctx, &from, &begin, &end, mode)?;
    if let Some(Some(Value::Const(c))) = ctx.inputs.first() {
        let data = map
            .index
            .iter()
            .map(|&i| if i == FILL_ZERO { fill } else { c.data[i] })
            .collect();
        return Ok(Value::Const(ConstTensor {
            shape: map.shape,
            data,
        }));
    }
    let x = ctx.tensor(0)?;
    let shift = |add: f64| FOp::Affine {
        axis: 0,
        mul: vec![1.0],
        add: vec![add],
    };
    let needs_shift = mode == Mode::Constant && fill != 0.0 && map.index.contains(&FILL_ZERO);
    let x = if needs_shift {
        ctx.push_tensor(".shifted", shift(-fill), vec![x])?
    } else {
        x
    };
    let padded = super::movement::select(ctx, x, map, if needs_shift { ".padded" } else { "" })?;
    if needs_shift {
        ctx.push("", shift(fill), vec![padded])
    } else {
        Ok(Value::Tensor(padded))
    }
}

/// Pads before and after each axis (`axes` input at opset ≥ 18 picks the axes).
fn pads(ctx: &NodeCtx<'_>, from: &[usize]) -> Result<(Vec<i64>, Vec<i64>), ImportError> {
    let rank = from.len();
    let given = ints_from(ctx, 1, "pads")?
        .ok_or_else(|| ctx.unsupported("pads", "constant pads are required"))?;
    let axes: Vec<usize> = match ints_from(ctx, 3, "axes")? {
        Some(a) => a
            .iter()
            .map(|&a| super::movement::axis(ctx, "axes", a, rank))
            .collect::<Result<_, _>>()?,
        None => (0..rank).collect(),
    };
    if given.len() != 2 * axes.len() {
        return Err(ctx.unsupported(
            "pads",
            format!("{} values for {} axes", given.len(), axes.len()),
        ));
    }
    let (mut begin, mut end) = (vec![0i64; rank], vec![0i64; rank]);
    for (k, &a) in axes.iter().enumerate() {
        begin[a] = given[k];
        end[a] = given[k + axes.len()];
    }
    Ok((begin, end))
}

/// The map from each output position to its source (or the fill).
fn index_map(
    ctx: &NodeCtx<'_>,
    from: &[usize],
    begin: &[i64],
    end: &[i64],
    mode: Mode,
) -> Result<IndexMap, ImportError> {
    let mut shape = Vec::with_capacity(from.len());
    for (d, &n) in from.iter().enumerate() {
        let out = n as i64 + begin[d] + end[d];
        let too_far = (mode == Mode::Reflect && (begin[d].max(end[d]) >= n as i64))
            || (mode != Mode::Constant && n == 0);
        if out < 0 || too_far || (mode == Mode::Wrap && begin[d].max(end[d]) > n as i64) {
            return Err(ctx.unsupported(
                "pads",
                format!(
                    "pads {}/{} on an axis of {n} in this mode",
                    begin[d], end[d]
                ),
            ));
        }
        shape.push(out as usize);
    }
    let st = strides(from);
    IndexMap::build(shape, |at| {
        let mut src = 0usize;
        for (d, &i) in at.iter().enumerate() {
            let n = from[d] as i64;
            let p = i as i64 - begin[d];
            let q = match mode {
                _ if (0..n).contains(&p) => p,
                Mode::Constant => return FILL_ZERO,
                Mode::Edge => p.clamp(0, n - 1),
                Mode::Reflect if p < 0 => -p,
                Mode::Reflect => 2 * (n - 1) - p,
                Mode::Wrap => p.rem_euclid(n),
            };
            src += q as usize * st[d];
        }
        src
    })
    .ok_or_else(|| ctx.unsupported("pads", "the output element count overflows"))
}
