//! Neural-network layers: Gemm, MatMul, Conv, BatchNormalization and pooling.

use zkinfer_ir::ops::{ConvGeometry, Pool2d};

use super::{usizes, NodeCtx, Registry, Value};
use crate::float_graph::FOp;
use crate::proto::ConstTensor;
use crate::ImportError;

pub(super) fn register(reg: &mut Registry) {
    reg.insert("Gemm", gemm);
    reg.insert("MatMul", matmul);
    reg.insert("Conv", conv);
    reg.insert("BatchNormalization", batch_norm);
    reg.insert("AveragePool", average_pool);
    reg.insert("GlobalAveragePool", global_average_pool);
    reg.insert("MaxPool", max_pool);
}

/// A bias constant broadcastable to `[n]` (shapes `[]`, `[1]`, `[n]`, `[1, n]`), as `n` values.
fn bias_vector(
    ctx: &NodeCtx<'_>,
    c: &ConstTensor,
    n: usize,
    scale: f64,
) -> Result<Vec<f64>, ImportError> {
    let non_unit: Vec<usize> = c.shape.iter().copied().filter(|&d| d != 1).collect();
    match (c.len(), non_unit.as_slice()) {
        (1, _) => Ok(vec![c.data[0] * scale; n]),
        (len, [d]) if len == n && *d == n && c.shape.last() == Some(&n) => {
            Ok(c.data.iter().map(|v| v * scale).collect())
        }
        _ => Err(ctx.unsupported(
            "C",
            format!("bias of shape {:?} does not broadcast to [{n}]", c.shape),
        )),
    }
}

/// `Gemm(A, B, C) = alpha · A · op(B) + beta · C` with constant `B` and `C`, `transA = 0`.
fn gemm(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(2, 3)?;
    if ctx.attrs.int("transA").unwrap_or(0) != 0 {
        return Err(ctx.unsupported("transA", "transposed activations are not supported"));
    }
    let x = ctx.tensor(0)?;
    let b = ctx.constant(1)?.clone();
    let alpha = ctx.attrs.float("alpha").unwrap_or(1.0) as f64;
    let beta = ctx.attrs.float("beta").unwrap_or(1.0) as f64;
    let trans_b = ctx.attrs.int("transB").unwrap_or(0) != 0;
    let [r, c] = b.shape[..] else {
        return Err(ctx.unsupported("B", format!("weights must be 2-D, got {:?}", b.shape)));
    };
    let (k, n) = if trans_b { (c, r) } else { (r, c) };
    let weight = transpose_to_out_in(&b.data, k, n, trans_b, alpha);
    let bias = match ctx.opt_constant(2)? {
        Some(cst) => bias_vector(ctx, cst, n, beta)?,
        None => vec![0.0; n],
    };
    ctx.push(
        "",
        FOp::Gemm {
            in_features: k,
            out_features: n,
            weight,
            bias,
        },
        vec![x],
    )
}

/// Lays weights out as `out × in` (row `n` holds the weights of output `n`), times `alpha`.
fn transpose_to_out_in(
    data: &[f64],
    k: usize,
    n: usize,
    already_out_in: bool,
    alpha: f64,
) -> Vec<f64> {
    if already_out_in {
        return data.iter().map(|v| v * alpha).collect();
    }
    let mut w = vec![0.0; k * n];
    for i in 0..k {
        for j in 0..n {
            w[j * k + i] = data[i * n + j] * alpha;
        }
    }
    w
}

/// `MatMul(A, B)`: with constant 2-D `B` a Gemm without bias; of two computed tensors, a
/// batched product (equal batch dimensions).
fn matmul(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(2, 2)?;
    let x = ctx.tensor(0)?;
    if let Ok(y) = ctx.tensor(1) {
        // Two computed tensors (attention): one constraint per term.
        return ctx.push("", FOp::MatMul, vec![x, y]);
    }
    let b = ctx.constant(1)?.clone();
    let [k, n] = b.shape[..] else {
        return Err(ctx.unsupported(
            "B",
            format!(
                "only a constant 2-D right operand is supported, got {:?}",
                b.shape
            ),
        ));
    };
    let weight = transpose_to_out_in(&b.data, k, n, false, 1.0);
    ctx.push(
        "",
        FOp::Gemm {
            in_features: k,
            out_features: n,
            weight,
            bias: vec![0.0; n],
        },
        vec![x],
    )
}

/// Two spatial values of an attribute, refusing anything but 2-D.
fn pair(ctx: &NodeCtx<'_>, attr: &str, default: usize) -> Result<[usize; 2], ImportError> {
    match usizes(ctx, attr, vec![default, default])?[..] {
        [a, b] => Ok([a, b]),
        ref v => Err(ctx.unsupported(attr, format!("only 2-D is supported, got {v:?}"))),
    }
}

/// Explicit pads `[top, left, bottom, right]` from `pads`/`auto_pad` for an input of spatial
/// size `hw`.
fn pads(
    ctx: &NodeCtx<'_>,
    hw: [usize; 2],
    kernel: [usize; 2],
    strides: [usize; 2],
    dil: [usize; 2],
) -> Result<[usize; 4], ImportError> {
    let auto = ctx
        .attrs
        .string("auto_pad")
        .unwrap_or_else(|| "NOTSET".into());
    match auto.as_str() {
        "NOTSET" | "" => match usizes(ctx, "pads", vec![0; 4])?[..] {
            [a, b, c, d] => Ok([a, b, c, d]),
            ref v => Err(ctx.unsupported("pads", format!("expected 4 values for 2-D, got {v:?}"))),
        },
        "VALID" => Ok([0; 4]),
        "SAME_UPPER" | "SAME_LOWER" => {
            let mut p = [0; 4];
            for i in 0..2 {
                if strides[i] == 0 {
                    return Err(ctx.unsupported("strides", format!("{strides:?} must be positive")));
                }
                let out = hw[i].div_ceil(strides[i]);
                let extent = (out.saturating_sub(1))
                    .checked_mul(strides[i])
                    .zip(dil[i].checked_mul(kernel[i].saturating_sub(1)))
                    .and_then(|(a, b)| a.checked_add(b)?.checked_add(1))
                    .ok_or_else(|| {
                        ctx.unsupported(
                            "dilations",
                            format!(
                                "the {auto} extent of axis {i} overflows (strides {strides:?}, dilations {dil:?}, kernel_shape {kernel:?})"
                            ),
                        )
                    })?;
                let needed = extent.saturating_sub(hw[i]);
                let (small, big) = (needed / 2, needed - needed / 2);
                (p[i], p[i + 2]) = if auto == "SAME_UPPER" {
                    (small, big)
                } else {
                    (big, small)
                };
            }
            Ok(p)
        }
        other => Err(ctx.unsupported("auto_pad", format!("unknown value `{other}`"))),
    }
}

/// `Conv(X, W, B)`: 2-D, constant weights, any strides/pads/dilations/groups.
fn conv(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(2, 3)?;
    let x = ctx.tensor(0)?;
    let w = ctx.constant(1)?.clone();
    let xs = ctx.shape(x);
    let (&[co, cig, kh, kw], &[_, ci, h, wd]) = (&w.shape[..], &xs[..]) else {
        return Err(ctx.unsupported(
            "kernel_shape",
            format!(
                "only 2-D convolution is supported (weights {:?}, input {xs:?})",
                w.shape
            ),
        ));
    };
    let kernel = [kh, kw];
    if let Some(ks) = ctx.attrs.ints("kernel_shape") {
        if ks != [kh as i64, kw as i64] {
            return Err(ctx.unsupported(
                "kernel_shape",
                format!("{ks:?} disagrees with the weights {:?}", w.shape),
            ));
        }
    }
    let groups = usize::try_from(ctx.attrs.int("group").unwrap_or(1))
        .map_err(|_| ctx.unsupported("group", "negative"))?;
    if groups == 0 || cig * groups != ci {
        return Err(ctx.unsupported(
            "group",
            format!("{groups} groups with {cig} channels each do not match input channels {ci}"),
        ));
    }
    let strides = pair(ctx, "strides", 1)?;
    let dilations = pair(ctx, "dilations", 1)?;
    let pads = pads(ctx, [h, wd], kernel, strides, dilations)?;
    let bias = match ctx.opt_constant(2)? {
        Some(b) if b.len() == co => b.data.clone(),
        Some(b) => {
            return Err(ctx.unsupported(
                "B",
                format!("bias has {} values for {co} channels", b.len()),
            ))
        }
        None => vec![0.0; co],
    };
    let geometry = ConvGeometry {
        out_channels: co,
        in_channels: ci,
        kernel,
        strides,
        pads,
        dilations,
        groups,
    };
    ctx.push(
        "",
        FOp::Conv {
            geometry,
            weight: w.data,
            bias,
        },
        vec![x],
    )
}

/// `BatchNormalization` in inference mode: a per-channel affine map.
fn batch_norm(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(5, 5)?;
    if ctx.attrs.int("training_mode").unwrap_or(0) != 0 {
        return Err(ctx.unsupported("training_mode", "only inference mode is supported"));
    }
    if ctx.attrs.int("spatial").unwrap_or(1) != 1 {
        return Err(ctx.unsupported("spatial", "only spatial=1 is supported"));
    }
    if ctx.node.output.iter().skip(1).any(|o| !o.is_empty()) {
        return Err(ctx.unsupported("outputs", "running mean/variance outputs are training-only"));
    }
    let x = ctx.tensor(0)?;
    let channels = ctx.shape(x).get(1).copied().unwrap_or(0);
    let eps = ctx.attrs.float("epsilon").unwrap_or(1e-5) as f64;
    let [scale, bias, mean, var] = [1, 2, 3, 4].map(|i| ctx.constant(i).map(|c| c.data.clone()));
    let (scale, bias, mean, var) = (scale?, bias?, mean?, var?);
    if [&scale, &bias, &mean, &var]
        .iter()
        .any(|v| v.len() != channels)
    {
        return Err(ctx.unsupported(
            "scale",
            format!("parameters must have {channels} values (one per channel)"),
        ));
    }
    if let Some(c) = var.iter().position(|v| *v + eps <= 0.0) {
        return Err(ctx.unsupported(
            "input_var",
            format!("variance of channel {c} plus epsilon is not positive"),
        ));
    }
    let mul: Vec<f64> = scale
        .iter()
        .zip(&var)
        .map(|(g, v)| g / (v + eps).sqrt())
        .collect();
    let add: Vec<f64> = bias
        .iter()
        .zip(&mean)
        .zip(&mul)
        .map(|((b, m), k)| b - m * k)
        .collect();
    ctx.push("", FOp::Affine { axis: 1, mul, add }, vec![x])
}

/// Window geometry shared by AveragePool and MaxPool, refusing what the circuit cannot match.
fn pool_geometry(ctx: &NodeCtx<'_>, x: usize) -> Result<Pool2d, ImportError> {
    if ctx.attrs.int("ceil_mode").unwrap_or(0) != 0 {
        return Err(ctx.unsupported("ceil_mode", "only floor mode is supported"));
    }
    if ctx
        .attrs
        .ints("dilations")
        .is_some_and(|d| d.iter().any(|&v| v != 1))
    {
        return Err(ctx.unsupported("dilations", "dilated pooling is not supported"));
    }
    let xs = ctx.shape(x);
    let [_, _, h, w] = xs[..] else {
        return Err(ctx.unsupported(
            "kernel_shape",
            format!("only 2-D pooling of NCHW is supported, input is {xs:?}"),
        ));
    };
    let kernel = match ctx.attrs.ints("kernel_shape") {
        Some(_) => pair(ctx, "kernel_shape", 1)?,
        None => return Err(ctx.unsupported("kernel_shape", "required")),
    };
    let strides = pair(ctx, "strides", 1)?;
    let pads = pads(ctx, [h, w], kernel, strides, [1, 1])?;
    Ok(Pool2d {
        kernel,
        strides,
        pads,
    })
}

/// `AveragePool` without padding, or with `count_include_pad = 1`.
fn average_pool(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 1)?;
    let x = ctx.tensor(0)?;
    let pool = pool_geometry(ctx, x)?;
    if pool.pads.iter().any(|&p| p > 0) && ctx.attrs.int("count_include_pad").unwrap_or(0) == 0 {
        return Err(ctx.unsupported(
            "count_include_pad",
            "padded average pooling must count the padding (count_include_pad = 1); a per-position divisor is not supported",
        ));
    }
    ctx.push("", FOp::AvgPool(pool), vec![x])
}

/// `GlobalAveragePool`: an average over the whole plane.
fn global_average_pool(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 1)?;
    let x = ctx.tensor(0)?;
    let xs = ctx.shape(x);
    let [_, _, h, w] = xs[..] else {
        return Err(ctx.unsupported("input", format!("only NCHW input is supported, got {xs:?}")));
    };
    ctx.push(
        "",
        FOp::AvgPool(Pool2d {
            kernel: [h, w],
            strides: [1, 1],
            pads: [0; 4],
        }),
        vec![x],
    )
}

/// `MaxPool` (no indices output, no dilation, floor mode).
fn max_pool(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 1)?;
    if ctx.node.output.get(1).is_some_and(|o| !o.is_empty()) {
        return Err(ctx.unsupported("Indices", "the indices output is not supported"));
    }
    if ctx.attrs.int("storage_order").unwrap_or(0) != 0 {
        return Err(ctx.unsupported("storage_order", "only row-major is supported"));
    }
    let x = ctx.tensor(0)?;
    let pool = pool_geometry(ctx, x)?;
    ctx.push("", FOp::MaxPool(pool), vec![x])
}
