//! Unary non-linear functions, proved by function tables: Sigmoid, Tanh, Exp, Log, Erf, Gelu,
//! HardSigmoid, HardSwish, Elu, Softplus, Sqrt, Reciprocal; the two forms torch exports for
//! SiLU (`Mul(x, Sigmoid(x))`) and exact GELU below opset 20 (`Mul(x, Erf(x/√2) + 1)`) are
//! recognised and become one table each. LeakyRelu and PRelu are piecewise linear and need
//! no table: `relu(x) + α·(x − relu(x))`, from ops every mode proves.

use zkinfer_ir::ops::table::Dyadic;
use zkinfer_ir::ops::TableFn;

use super::{NodeCtx, Registry, Value};
use crate::float_graph::FOp;
use crate::ImportError;

pub(super) fn register(reg: &mut Registry) {
    reg.insert("Sigmoid", |c| plain(c, TableFn::Sigmoid));
    reg.insert("Tanh", |c| plain(c, TableFn::Tanh));
    reg.insert("Exp", |c| plain(c, TableFn::Exp));
    reg.insert("Log", |c| plain(c, TableFn::Log));
    reg.insert("Erf", |c| plain(c, TableFn::Erf));
    reg.insert("Softplus", |c| plain(c, TableFn::Softplus));
    reg.insert("Sqrt", |c| plain(c, TableFn::Sqrt));
    reg.insert("Reciprocal", reciprocal);
    reg.insert("HardSwish", |c| plain(c, TableFn::HardSwish));
    reg.insert("Gelu", gelu);
    reg.insert("HardSigmoid", hard_sigmoid);
    reg.insert("Elu", elu);
    reg.insert("LeakyRelu", leaky_relu);
    reg.insert("PRelu", prelu);
}

/// A one-input table op.
fn plain(ctx: &mut NodeCtx<'_>, f: TableFn) -> Result<Value, ImportError> {
    ctx.arity(1, 1)?;
    let x = ctx.tensor(0)?;
    ctx.push("", FOp::Table(f), vec![x])
}

/// `Reciprocal(x)`; of a `Sqrt` output, one rsqrt table instead of two tables.
fn reciprocal(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 1)?;
    let x = ctx.tensor(0)?;
    let (f, x) = reciprocal_of(ctx, x);
    ctx.push("", FOp::Table(f), vec![x])
}

/// The table for `1 / t` and its input: `rsqrt(x)` when `t = sqrt(x)` (torch's `rsqrt`, and
/// `1 / sqrt(var + eps)` in hand-written norms, exported as Sqrt then Reciprocal or Div),
/// else `reciprocal(t)`. The Sqrt node is dropped later if nothing else reads it.
pub(super) fn reciprocal_of(ctx: &NodeCtx<'_>, t: usize) -> (TableFn, usize) {
    let g = &*ctx.graph;
    match t.checked_sub(g.inputs.len()).and_then(|i| g.nodes.get(i)) {
        Some(n) if n.op == FOp::Table(TableFn::Sqrt) => (TableFn::Rsqrt, n.inputs[0]),
        _ => (TableFn::Reciprocal, t),
    }
}

/// A float attribute as an exact dyadic rational.
fn dyadic(ctx: &NodeCtx<'_>, attr: &str, default: f32) -> Result<Dyadic, ImportError> {
    let v = ctx.attrs.float(attr).unwrap_or(default);
    Dyadic::from_f64(f64::from(v))
        .ok_or_else(|| ctx.unsupported(attr, format!("{v} is not finite")))
}

/// `Gelu` (opset 20): exact (`approximate = "none"`) or the tanh form.
fn gelu(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    let f = match ctx.attrs.string("approximate").as_deref() {
        None | Some("none") => TableFn::Gelu,
        Some("tanh") => TableFn::GeluTanh,
        Some(other) => {
            return Err(ctx.unsupported("approximate", format!("unknown value `{other}`")))
        }
    };
    plain(ctx, f)
}

/// `HardSigmoid`: `max(0, min(1, α·x + β))`, α = 0.2 and β = 0.5 by default.
fn hard_sigmoid(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    let alpha = dyadic(ctx, "alpha", 0.2)?;
    let beta = dyadic(ctx, "beta", 0.5)?;
    plain(ctx, TableFn::HardSigmoid { alpha, beta })
}

/// `Elu`: `α·(e^x − 1)` below zero, α = 1 by default.
fn elu(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    let alpha = dyadic(ctx, "alpha", 1.0)?;
    plain(ctx, TableFn::Elu { alpha })
}

/// `LeakyRelu` (α = 0.01 by default).
fn leaky_relu(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(1, 1)?;
    let x = ctx.tensor(0)?;
    let alpha = f64::from(ctx.attrs.float("alpha").unwrap_or(0.01));
    piecewise_linear(ctx, x, 0, vec![alpha])
}

/// `PRelu` with a constant slope (a scalar or one per channel).
fn prelu(ctx: &mut NodeCtx<'_>) -> Result<Value, ImportError> {
    ctx.arity(2, 2)?;
    let x = ctx.tensor(0)?;
    let slope = ctx.constant(1)?.clone();
    let (axis, alpha) = super::math::channel_constant(ctx, &slope, &ctx.shape(x))?;
    piecewise_linear(ctx, x, axis, alpha)
}

/// `relu(x) + α·(x − relu(x))`, α per channel along `axis` (or one for all).
fn piecewise_linear(
    ctx: &mut NodeCtx<'_>,
    x: usize,
    axis: usize,
    alpha: Vec<f64>,
) -> Result<Value, ImportError> {
    let relu = ctx.push_tensor(".relu", FOp::Relu, vec![x])?;
    let negative = ctx.push_tensor(".negative", FOp::Sub, vec![x, relu])?;
    let scaled = ctx.push_tensor(".slope", FOp::scale(axis, alpha), vec![negative])?;
    ctx.push("", FOp::Add, vec![relu, scaled])
}

/// The single table `Mul(a, b)` stands for, if it is one of torch's exports of a fused
/// activation: `x · sigmoid(x)` (SiLU) or `x · c·(erf(x/√2) + 1)` (exact GELU times `2c`; the
/// `c·(· + 1)` may be one or two constant affine maps, as torch spells it at opset 13 or 18).
/// Returns the function, its input and the constant factor.
pub(super) fn fused_product(
    ctx: &NodeCtx<'_>,
    a: usize,
    b: usize,
) -> Option<(TableFn, usize, f64)> {
    let g = &*ctx.graph;
    let first = g.inputs.len();
    let node = |t: usize| t.checked_sub(first).and_then(|i| g.nodes.get(i));
    let near = |v: f64, want: f64| (v - want).abs() <= 1e-6 * want.abs().max(1.0);
    let scalar = |op: &FOp| match op {
        FOp::Affine { mul, add, .. } if mul.len() == 1 && add.len() == 1 => Some((mul[0], add[0])),
        _ => None,
    };
    for (x, other) in [(a, b), (b, a)] {
        let Some(n) = node(other) else { continue };
        if n.op == FOp::Table(TableFn::Sigmoid) && n.inputs == [x] {
            return Some((TableFn::Silu, x, 1.0));
        }
        // Compose up to two scalar affine maps above the Erf: `M·erf + A`.
        let (mut m, mut add, mut cur) = (1.0, 0.0, n);
        for _ in 0..2 {
            let Some((mi, ai)) = scalar(&cur.op) else {
                break;
            };
            add += m * ai;
            m *= mi;
            match node(cur.inputs[0]) {
                Some(inner) => cur = inner,
                None => break,
            }
        }
        if cur.op != FOp::Table(TableFn::Erf) || !near(add, m) || m == 0.0 {
            continue;
        }
        let Some(div) = node(cur.inputs[0]) else {
            continue;
        };
        if div.inputs == [x]
            && scalar(&div.op)
                .is_some_and(|(dm, da)| near(dm, std::f64::consts::FRAC_1_SQRT_2) && near(da, 0.0))
        {
            return Some((TableFn::Gelu, x, 2.0 * m));
        }
    }
    None
}
